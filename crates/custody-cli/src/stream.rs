//! `custody report balances --stream`: the balances statement folded from the database's stored
//! transactions page by page (`Registry::stream_transactions` into
//! `custody_core::statements::BalancesFold`), never loading the ledger: memory is bounded by
//! the entity's definitions and accounts, not by its history. The output is the one the ledger
//! gives (`custody_report::render_balances`); docs/reports.md "Streaming".

use crate::db::Db;
use crate::{pick_entity, progress};
use anyhow::bail;
use custody_core::statements::{BalancesFold, PeriodActivity, Scope};
use custody_report::{render_balances, Chosen, Format};
use custody_store::STREAM_PAGE;
use std::path::PathBuf;

/// Refuses what `--stream` does not do, naming the flag.
pub fn check_flags(kind: &str, paths: &[PathBuf], view: &str, site: bool) -> anyhow::Result<()> {
    if kind != "balances" {
        bail!("--stream computes `report balances` only (other statements read the whole ledger)");
    }
    if !paths.is_empty() {
        bail!("--stream reads the stored journal: import the files, then report without paths");
    }
    if view != "physical" || site {
        bail!("--stream reports the physical balances: leave out --view claimed and --site");
    }
    Ok(())
}

/// The balances statement of the entity's stored journal for `period` or `year` (default: the
/// period `Scope::default_choice` picks, found by a first pass over the dates and kinds), as
/// rendered bytes; `Err` holds a scope error in words (an undefined period, a year without
/// periods), as the in-memory path reports them.
pub async fn balances(
    period: Option<&str>,
    year: Option<i32>,
    entity: Option<String>,
    db: &Db,
    format: Format,
) -> anyhow::Result<Result<Vec<u8>, String>> {
    let registry = db.reader().await?;
    let id = pick_entity(&registry, entity).await?;
    let _spinner = progress::Spinner::start(&format!("streaming the transactions of {id}"));
    let defs = registry.definitions(&id).await?;
    let default;
    let (scope, chosen) = match (year, period) {
        (Some(y), _) => match Scope::year(&defs, y) {
            Ok(s) => (s, Chosen::Year(y)),
            Err(e) => return Ok(Err(e)),
        },
        (None, Some(_)) => match Scope::resolve(&defs, period) {
            Ok(s) => (s, Chosen::Named),
            Err(e) => return Ok(Err(e)),
        },
        (None, None) => {
            let mut activity = PeriodActivity::new(defs.periods());
            registry.stream_headers(&id, STREAM_PAGE, |t| activity.add(t.date, t.kind)).await?;
            default = match activity.choice() {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            };
            match Scope::resolve(&defs, Some(&default.0)) {
                Ok(s) => (s, Chosen::Default { id: &default.0, why: default.1 }),
                Err(e) => return Ok(Err(e)),
            }
        }
    };
    let mut fold = BalancesFold::new(&scope);
    registry.stream_transactions(&id, STREAM_PAGE, |t| fold.add(t)).await?;
    if let Some(a) = fold.unknown_account(defs.chart()) {
        bail!("a stored transaction of {id} posts to account `{a}`, which its chart does not hold: `custody verify` names the entry");
    }
    let b = fold.finish(defs.chart());
    Ok(Ok(render_balances(&defs, &b, chosen, format).into_bytes()))
}
