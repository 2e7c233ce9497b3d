//! Renders the core's statements as text tables and as JSON (documented in `docs/reports.md`).
//!
//! Ledger amounts are exact integers in gC; this crate converts them for display only: tonnes of
//! carbon (tC), tonnes of gas (tCO2, tCH4) through the ledger's carbon ratio table, and tCO2e
//! through its GWP table. JSON numbers are exact decimals (never binary floating point).

mod balances;
mod carbon_balance;
mod cbam;
mod cbam_xlsx;
mod certificates;
mod claimed_view;
mod disclosure;
mod eledger;
mod entity_emissions;
mod esrs;
mod ghg_inventory;
mod ghg_targets;
mod ledger;
mod market_instruments;
mod number;
mod output;
mod pool;
mod product_intensity;
mod purchased_goods;
mod table;
mod verdicts;

pub use cbam_xlsx::SUMMARY_TAB;
pub use claimed_view::View;
pub use output::{to_csv, Format};
pub use verdicts::render_verdicts;

use balances::balances;
use carbon_balance::carbon_balance;
use certificates::certificates;
use custody_core::statements::{Balances, Scope};
use custody_core::Ledger;
use disclosure::disclosure;
use eledger::eledger;
use entity_emissions::entity_emissions;
use ledger::ledger_statement;
use market_instruments::market_instruments;
use pool::pools;
use product_intensity::product_intensity;
use purchased_goods::purchased_goods;
use serde_json::Value;

/// The statements `custody report` knows.
pub const KINDS: [&str; 13] = [
    "ledger",
    "balances",
    "product-intensity",
    "entity-emissions",
    "eledger",
    "carbon-balance",
    "pool",
    "certificates",
    "market-instruments",
    "disclosure",
    "purchased-goods",
    "ghg-inventory",
    "esrs-e1-6",
];

/// Renders statement `kind` for the period (default: the latest with activity, see [`Scope::resolve`]).
pub fn render(ledger: &Ledger, kind: &str, period: Option<&str>, format: Format) -> Result<String, String> {
    let (text, value) = statement(ledger, kind, &Scope::resolve(ledger, period)?)?;
    Ok(write(text, &value, format))
}

/// One statement of a period, as text and as JSON.
fn statement(ledger: &Ledger, kind: &str, scope: &Scope) -> Result<(String, Value), String> {
    Ok(match kind {
        "ledger" => ledger_statement(ledger, scope),
        "balances" => balances(ledger, scope),
        "product-intensity" => product_intensity(ledger, scope),
        "entity-emissions" => entity_emissions(ledger, scope),
        "eledger" => eledger(ledger, scope),
        "carbon-balance" => carbon_balance(ledger, scope),
        "pool" => pools(ledger, scope),
        "certificates" => certificates(ledger, scope),
        "market-instruments" => market_instruments(ledger, scope),
        "disclosure" => disclosure(ledger, scope),
        "purchased-goods" => purchased_goods(ledger, scope),
        "ghg-inventory" => ghg_inventory::ghg_inventory(ledger, scope),
        "esrs-e1-6" => esrs::esrs_e1_6(ledger, scope),
        other => return Err(format!("unknown report `{other}` (one of: {})", KINDS.join(", "))),
    })
}

fn write(text: String, value: &Value, format: Format) -> String {
    match format {
        Format::Text => text,
        Format::Json => serde_json::to_string_pretty(value).expect("JSON values serialize") + "\n",
        Format::Csv if value["statement"] == "ghg-inventory" => ghg_inventory::csv(value),
        Format::Csv if value["statement"] == "esrs-e1-6" => output::to_csv(&value["rows"]),
        Format::Csv => output::to_csv(value),
    }
}

/// Renders statement `kind` over calendar year `year`: the ledger's periods that lie in it
/// ([`Scope::year`]; a period spanning two years is refused), their activity summed. JSON names
/// `year` instead of `period`, and the summed `periods`.
pub fn render_year(ledger: &Ledger, kind: &str, year: i32, format: Format) -> Result<String, String> {
    let scope = Scope::year(ledger, year)?;
    let (text, value) = statement(ledger, kind, &scope)?;
    Ok(finish(ledger, &scope, text, value, Chosen::Year(year), format))
}

/// How a statement's scope was chosen, as its output states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen<'a> {
    /// A period named by the caller: nothing more is said.
    Named,
    /// The default period (`Scope::default_choice`): `id` and the rule `why`, stated as
    /// [`render_view`] states them.
    Default { id: &'a str, why: &'a str },
    /// A calendar year (`Scope::year`), stated as [`render_year`] states it.
    Year(i32),
}

/// A rendered statement with what its scope's choice adds: the default period's note (text) or
/// `period_chosen` (JSON); a year's `year` and `periods` in place of `period` (JSON).
fn finish(ledger: &Ledger, scope: &Scope, text: String, mut value: Value, chosen: Chosen, format: Format) -> String {
    match chosen {
        Chosen::Named => write(text, &value, format),
        Chosen::Default { id, why } => match format {
            Format::Text => format!("{text}\n{}", period_note(id, why)),
            Format::Json => {
                if let Some(m) = value.as_object_mut() {
                    m.insert("period_chosen".into(), serde_json::json!({"id": id, "rule": why}));
                }
                write(text, &value, format)
            }
            Format::Csv => write(text, &value, format),
        },
        Chosen::Year(year) => {
            if let Some(m) = value.as_object_mut() {
                m.remove("period");
                m.insert("year".into(), serde_json::json!(year));
                m.insert("periods".into(), serde_json::json!(scope.periods(ledger)));
            }
            write(text, &value, format)
        }
    }
}

/// The balances statement rendered from a [`Balances`] computed elsewhere (streamed from a
/// database: `custody report balances --stream`), byte for byte as [`render_view`] or
/// [`render_year`] render it from the whole ledger. `definitions` is the entity's ledger with its
/// definitions (entity, chart, periods; its transactions are not read), `chosen` how `b.scope`
/// was chosen.
pub fn render_balances(definitions: &Ledger, b: &Balances, chosen: Chosen, format: Format) -> String {
    let (text, value) = balances::render(definitions, &b.scope, b);
    finish(definitions, &b.scope, text, value, chosen, format)
}

/// The closing line that states the period a statement chose and why (text output, CLI and HTTP).
pub fn period_note(id: &str, why: &str) -> String {
    format!("Period {id}: {why} (choose another with --period or ?period=).\n")
}

/// Renders as [`render`] does, and when no period is named, states which one was chosen and why
/// (the rule of [`Scope::resolve`]): a closing line in text, `period_chosen` in JSON. The CLI and
/// the HTTP API both render through here.
pub fn render_stated(ledger: &Ledger, kind: &str, period: Option<&str>, format: Format) -> Result<String, String> {
    render_view(ledger, kind, period, format, View::Physical)
}

/// [`render_stated`] in a view: physical (the default, as posted) or claimed (market-based:
/// entity-emissions and product-intensity only; `claimed_view`).
pub fn render_view(
    ledger: &Ledger,
    kind: &str,
    period: Option<&str>,
    format: Format,
    view: View,
) -> Result<String, String> {
    let viewed = |scope: &Scope| -> Result<(String, Value), String> {
        let s = statement(ledger, kind, scope)?;
        match view {
            View::Physical => Ok(s),
            View::Claimed => claimed_view::claimed(ledger, kind, scope, s),
        }
    };
    if period.is_some() {
        let scope = Scope::resolve(ledger, period)?;
        let (text, value) = viewed(&scope)?;
        return Ok(finish(ledger, &scope, text, value, Chosen::Named, format));
    }
    // The default period is chosen once, then stated beside the statement of that period.
    let (id, why) = Scope::default_choice(ledger)?;
    let scope = Scope::resolve(ledger, Some(&id))?;
    let (text, value) = viewed(&scope)?;
    Ok(finish(ledger, &scope, text, value, Chosen::Default { id: &id, why }, format))
}

/// The EU CBAM statement of a site for a named period (`docs/cbam.md`) as text, JSON or CSV (the
/// goods). Errors: an undefined period or undeclared site, in words.
pub fn render_cbam(ledger: &Ledger, site: &str, period: &str, format: Format) -> Result<String, String> {
    let s = cbam::statement(ledger, site, period)?;
    Ok(write(cbam::text(ledger, &s), &cbam::json(&s), format))
}

/// The EU CBAM statement as an xlsx workbook (bytes) with the tab [`SUMMARY_TAB`].
pub fn cbam_xlsx(ledger: &Ledger, site: &str, period: &str) -> Result<Vec<u8>, String> {
    let s = cbam::statement(ledger, site, period)?;
    cbam_xlsx::workbook(&s).map_err(|e| format!("cannot write the workbook: {e}"))
}
