//! Journal texts applied to a ledger as they are parsed, every error reported: a definition given
//! again differently says what differs (`differ`).

use crate::differ::{entity_defined_again, redefinition};
use crate::parse::{parse_lazily, Diagnostic, Entry, Source};
use custody_core::Ledger;

/// Parses and applies journal texts in order. Every parse error and every rejection is reported;
/// entries that fail are skipped, so later errors are still found.
pub fn load(sources: &[Source]) -> Result<Ledger, (Option<Ledger>, Vec<Diagnostic>)> {
    let mut diags = Vec::new();
    let mut ledger: Option<Ledger> = None;
    let mut entity_at = String::new();
    let mut parsed = Vec::new();
    for src in sources {
        // Each block is applied as soon as it is parsed; errors of both kinds are sorted below.
        for e in parse_lazily(src, &mut parsed) {
            let mut err = |msg: String| {
                diags.push(Diagnostic { file: e.file.clone(), line: e.line, column: e.column, message: msg });
            };
            if let Entry::Entity(ent) = &e.entry {
                if let Some(l) = &ledger {
                    let differs = redefinition(l, &e.entry, "first");
                    err(entity_defined_again(&entity_at, differs));
                } else {
                    ledger = Some(Ledger::new(ent.clone()));
                    entity_at = format!("{}:{}:{}", e.file, e.line, e.column);
                }
                continue;
            }
            let Some(l) = ledger.as_mut() else {
                err("the journal must start with an `entity` directive".into());
                continue;
            };
            // A definition held already under its id, differently (read before it is applied).
            let differs = match &e.entry {
                Entry::Op(_) => None,
                d => redefinition(l, d, "first"),
            };
            let res = match e.entry {
                Entry::Entity(_) => unreachable!("handled above"),
                Entry::Counterparty(c) => l.add_counterparty(c).map_err(|x| x.to_string()),
                Entry::Account(a) => l.add_account(a).map_err(|x| x.to_string()),
                Entry::Item(it) => l.add_item(*it).map_err(|x| x.to_string()),
                Entry::Site(s) => l.add_site(s).map_err(|x| x.to_string()),
                Entry::Asset(a) => l.add_asset(a).map_err(|x| x.to_string()),
                Entry::Period(p) => l.add_period(p).map_err(|x| x.to_string()),
                Entry::Close(id) => l.close_period(&id).map_err(|x| x.to_string()),
                Entry::Pool(p) => l.add_pool(*p).map_err(|x| x.to_string()),
                Entry::Target(t) => l.add_target(t).map_err(|x| x.to_string()),
                Entry::Op(op) => l.apply(*op).map(|_| ()).map_err(|r| r.to_string()),
            };
            if let Err(m) = res {
                err(match differs {
                    Some(d) => format!("{m}, differently: {d}"),
                    None => m,
                });
            }
        }
    }
    diags.append(&mut parsed);
    if ledger.is_none() && diags.is_empty() {
        diags.push(Diagnostic {
            file: sources.first().map(|s| s.name.clone()).unwrap_or_default(),
            line: 1,
            column: 1,
            message: "no `entity` directive: nothing to load".into(),
        });
    }
    diags.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    match ledger {
        Some(l) if diags.is_empty() => Ok(l),
        other => Err((other, diags)),
    }
}
