//! Pool inputs and outputs fed by the ledger: which operation a pool flow comes from, how much of
//! it is still unpooled, and its exact intensity (CO2e with the ledger's GWP per base unit).
//!
//! One operation's quantity feeds pools at most once in total, across every pool: an input draws
//! on what a `produce`, `purchase` or `receive` brought in, an output on what a `produce` made.
//! A flow without an operation is matched to the ledger's operations of its item (oldest first)
//! when the ledger has any; only an item the ledger never made nor brought in may be declared.

use super::state::Ledger;
use crate::chart::{Form, Side};
use crate::coc::{CocError, Pool};
use crate::exact::{self, Q};
use crate::model::*;

/// Where a pool flow's quantity comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Feed {
    /// (operation, quantity) drawn; empty when declared.
    pub sources: Vec<(String, i64)>,
    pub quantity: i64,
    /// g CO2e per base unit, from the ledger (inputs from the ledger only).
    pub intensity: Option<Q>,
    /// The site of the operation, when it has one.
    pub site: Option<String>,
    /// Quantity typed beyond what the ledger made or brought in: recorded, flagged, never credited.
    pub unbacked: i64,
}

/// Which side of a pool a flow is on; each side has its own budget per operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) enum FlowSide {
    Input,
    Output,
}

impl Ledger {
    fn feeds(kind: TxKind, side: FlowSide) -> bool {
        match side {
            FlowSide::Input => matches!(kind, TxKind::Produce | TxKind::Purchase | TxKind::Receive),
            FlowSide::Output => kind == TxKind::Produce,
        }
    }

    /// Quantity of `item` operation `tx` brought in, its CO2e (g) and site.
    fn yield_of(&self, tx: &Transaction, item: &str) -> (i64, Q, Option<String>) {
        let bought: i64 = tx.movements.iter().filter(|m| m.item == item && m.quantity > 0).map(|m| m.quantity).sum();
        // What went back to the supplier never feeds a pool.
        // Only a purchase goes back to a supplier.
        let returned = if tx.kind == TxKind::Purchase { self.returned_to_supplier(&tx.id, item) } else { 0 };
        let q = (bought - returned).max(0);
        let site = tx.movements.iter().find(|m| m.item == item).and_then(|m| crate::name::text(&m.site));
        let (gwp, ratios) = (self.entity.gwp, self.entity.ratios);
        let mut co2e = exact::q(0);
        for p in tx.postings.iter().filter(|p| p.dims.item.as_deref() == Some(item)) {
            let Some(acc) = self.chart.get(&p.account) else { continue };
            if acc.side != Side::Stock || acc.role.form() != Form::Emissions {
                continue;
            }
            if let Some(f) = gwp.factor(p.species) {
                co2e += p.gas_grams(ratios) * f;
            }
        }
        (q, co2e, site)
    }

    /// A quantity in tonnes (MWh for energy items), for messages.
    pub(super) fn show_quantity(&self, item: &str, q: i64) -> String {
        match self.items.get(item).map(|i| i.measure) {
            Some(crate::units::Dimension::Energy) => {
                format!("{} MWh", exact::format_decimal(Q::new(q as i128, 3_600_000), 6))
            }
            _ => format!("{} t", exact::format_decimal(Q::new(q as i128, 1_000_000), 6)),
        }
    }

    /// The first pool an operation feeds (as input or output), if any: such an operation is
    /// not reversed, or the pool would rest on what the ledger no longer shows.
    pub(super) fn pool_fed_by(&self, op: &str) -> Option<String> {
        self.pools.values().find_map(|pool| {
            let fed = pool.periods.values().any(|p| {
                p.inputs
                    .iter()
                    .flat_map(|i| i.sources.iter())
                    .chain(p.outputs.iter().flat_map(|o| o.sources.iter()))
                    .any(|(o, _)| o == op)
            });
            fed.then(|| pool.policy.id.clone())
        })
    }

    /// How much of `item` from operation `op` the pools already hold on `side`.
    fn pooled(&self, op: &str, item: &str, side: FlowSide) -> i64 {
        let mut n = 0;
        for pool in self.pools.values() {
            for p in pool.periods.values() {
                let sources: Box<dyn Iterator<Item = &(String, i64)>> = match side {
                    FlowSide::Input => {
                        Box::new(p.inputs.iter().filter(|i| i.item == item).flat_map(|i| i.sources.iter()))
                    }
                    FlowSide::Output => {
                        Box::new(p.outputs.iter().filter(|o| o.item == item).flat_map(|o| o.sources.iter()))
                    }
                };
                n += sources.filter(|(o, _)| o == op).map(|(_, q)| q).sum::<i64>();
            }
        }
        n
    }

    /// Resolves a pool flow against the ledger: the named operation, or the ledger's operations
    /// of the item (oldest first, up to `date`, at the flow's `site`), or none (declared).
    pub(super) fn feed(
        &self,
        pool: &Pool,
        item: &str,
        operation: Option<&str>,
        quantity: Option<i64>,
        (date, site): (Date, Option<&str>),
        side: FlowSide,
    ) -> Result<Feed, CocError> {
        let what = match side {
            FlowSide::Input => "a produce, purchase or receive",
            FlowSide::Output => "a produce",
        };
        // Inputs come from anything brought in by the flow's date; outputs from what was
        // produced in the pool period, by the flow's date.
        let first = pool.policy.period_of(date).map(|n| pool.policy.period_months_of(n).0);
        let in_time = |t: &Transaction| {
            t.date <= date && (side == FlowSide::Input || first.is_some_and(|f| MonthIndex::of(t.date) >= f))
        };
        let candidates: Vec<&Transaction> = match operation {
            Some(op) => {
                let tx = self.transaction(op).filter(|t| Self::feeds(t.kind, side) && !self.is_reversed(op));
                let Some(tx) = tx else {
                    return Err(CocError::NotInLedger(format!("`{op}` is not {what} of this ledger")));
                };
                if !tx.movements.iter().any(|m| m.item == item && m.quantity > 0) {
                    return Err(CocError::NotInLedger(format!("`{op}` brought in no `{item}`")));
                }
                if !in_time(tx) {
                    return Err(CocError::NotInLedger(format!(
                        "`{op}` of {} is not {}",
                        format_date(tx.date),
                        match side {
                            FlowSide::Input => "before this pool input",
                            FlowSide::Output => "a production of this pool period",
                        }
                    )));
                }
                vec![tx]
            }
            None => {
                let all: Vec<&Transaction> = self
                    .txs
                    .iter()
                    .filter(|t| Self::feeds(t.kind, side) && !self.is_reversed(&t.id))
                    .filter(|t| t.movements.iter().any(|m| m.item == item && m.quantity > 0))
                    .collect();
                if all.is_empty() {
                    // Material from outside the ledger: declared, flagged in every statement.
                    let Some(q) = quantity else {
                        return Err(CocError::Invalid("a declared pool flow states its quantity".into()));
                    };
                    return Ok(Feed { sources: Vec::new(), quantity: q, intensity: None, site: None, unbacked: 0 });
                }
                // Matched by item, in time, and at the flow's site where both state one.
                let at_site = |t: &Transaction| {
                    let s = t.movements.iter().find(|m| m.item == item).and_then(|m| m.site.as_deref());
                    s.is_none() || site.is_none() || s == site
                };
                all.into_iter().filter(|t| in_time(t) && at_site(t)).collect()
            }
        };
        // Each candidate's yield, read once: (what is left for pools, quantity, CO2e, site).
        let mut yields: Vec<(i64, i64, Q, Option<String>)> = candidates
            .iter()
            .map(|tx| {
                let (q, e, s) = self.yield_of(tx, item);
                ((q - self.pooled(&tx.id, item, side)).max(0), q, e, s)
            })
            .collect();
        // An input takes only what is still in the boundary, unprocessed or processed there: each
        // region's creditable budget (`creditable_at`) is shared by its operations, newest first
        // (what left went first, as a FIFO draw takes the oldest); the flow then draws oldest first.
        let mut budgets: std::collections::BTreeMap<Vec<Option<Name>>, i64> = Default::default();
        let mut gone = 0;
        if side == FlowSide::Input {
            for y in yields.iter_mut().rev() {
                let (creditable, left_region, region) = self.creditable_at(pool, item, y.3.as_deref());
                let budget = budgets.entry(region).or_insert_with(|| {
                    gone += left_region;
                    creditable
                });
                y.0 = y.0.min(*budget);
                *budget -= y.0;
            }
        }
        let total_left: i64 = yields.iter().map(|y| y.0).sum();
        let want = quantity.unwrap_or(total_left);
        // A typed flow of an item the ledger made draws what the ledger has not yet pooled; any
        // quantity beyond it is declared (flagged). A flow that finds nothing of the ledger's left (the
        // batch already fed a pool, or none was made by its date) is refused: the same production
        // never credits twice.
        // Goods the ledger had and let go unprocessed credit nothing (they are not in `total_left`);
        // a typed quantity beyond what is left is then material declared from outside the ledger,
        // flagged as such, as for any item (the shared case abuse/45's seller).
        let typed_beyond = operation.is_none() && want > total_left && (total_left > 0 || gone > 0);
        if want <= 0 || (want > total_left && !typed_beyond) {
            let ops: Vec<&str> = candidates.iter().map(|t| t.id.as_str()).collect();
            let sold = if gone > 0 {
                format!(
                    " ({} of it left unprocessed before this input: sold, returned or moved outside the boundary, it credits no pool)",
                    self.show_quantity(item, gone)
                )
            } else {
                String::new()
            };
            let wanted = match quantity {
                Some(_) => self.show_quantity(item, want),
                None => "what is left".to_string(),
            };
            return Err(CocError::NotInLedger(format!(
                "pool `{}`: {wanted} of `{item}` wanted, but the ledger's operations of it ({}) leave {} not yet in a pool{sold}: a batch feeds pools once, and only what the ledger made or brought in and still holds or processed",
                pool.policy.id,
                if ops.is_empty() { format!("no {what} by this date") } else { ops.join(", ") },
                self.show_quantity(item, total_left)
            )));
        }
        let mut rest = want;
        let mut sources = Vec::new();
        let mut co2e = exact::q(0);
        let mut site = None;
        for (tx, (left, q, e, s)) in candidates.iter().zip(yields) {
            if rest == 0 {
                break;
            }
            let take = rest.min(left);
            // (When the typed quantity is beyond the ledger's, `rest` keeps the declared part.)
            if take == 0 {
                continue;
            }
            co2e += e * Q::new(take as i128, q as i128);
            site = site.or(s);
            sources.push((tx.id.clone(), take));
            rest -= take;
        }
        let drawn = want - rest;
        let intensity = (side == FlowSide::Input).then(|| co2e / Q::from_integer(drawn.max(1) as i128));
        // What is typed beyond the ledger's quantity is material declared from outside the ledger
        // (issue 8: typed inputs stay possible only as declared material): credited as stated,
        // recorded apart and flagged "declared, not from the ledger" in every statement.
        let (quantity, unbacked) = match side {
            FlowSide::Input => (want, want - drawn),
            FlowSide::Output => (want, 0),
        };
        Ok(Feed { sources, quantity, intensity, site, unbacked })
    }

    /// Keeps `site_flows` for a transaction about to be posted: its movements in and its
    /// unprocessed exits (sale, return, move) by item and site; a reversal takes its original's out.
    pub(super) fn index_site_flows(&mut self, tx: &Transaction) {
        let (of, sign) = match tx.reverses.as_ref().and_then(|id| self.transaction(id)) {
            Some(of) => (of.clone(), -1),
            None if tx.kind == TxKind::Reversal => return,
            None => (tx.clone(), 1),
        };
        for m in &of.movements {
            let flow = self.site_flows.entry((m.item, m.site)).or_default();
            if m.quantity > 0 {
                flow.came_in += sign * m.quantity;
            } else if matches!(of.kind, TxKind::Sell | TxKind::Return | TxKind::Move) {
                let to = (of.kind == TxKind::Move)
                    .then(|| of.movements.iter().find(|x| x.item == m.item && x.quantity > 0))
                    .flatten()
                    .and_then(|x| x.site);
                *flow.exits.entry(to).or_default() += sign * -m.quantity;
            }
        }
    }

    /// Keeps `pooled_at` for a pool input just taken: each source counts at the site its
    /// operation brought the goods in (an input may state a site its operation did not: the
    /// goods are still where they came in).
    pub(super) fn index_pooled(&mut self, pool: &str, item: &str, sources: &[(String, i64)]) {
        for (op, q) in sources {
            let site = self
                .transaction(op)
                .and_then(|t| t.movements.iter().find(|m| m.item == item && m.quantity > 0))
                .and_then(|m| m.site);
            *self.pooled_at.entry((Name::new(item), site)).or_default().entry(pool.to_string()).or_default() += q;
        }
    }

    /// An item's flows over the part of `pool`'s boundary that `site` is in: every site of the
    /// boundary the item went through (or `site` alone when the boundary does not name it: a
    /// process or batch boundary, a site outside). Moves between its sites are neither in nor
    /// out; `exit` is one about to happen (base units, a move's destination).
    fn region(&self, pool: &Pool, item: &str, site: Option<&str>, exit: (i64, Option<&str>)) -> Region {
        let b = &pool.policy.boundary;
        let (item, here) = (Name::new(item), site.map(Name::new));
        let whole = b.contains(site, None, None);
        let mut sites: Vec<Option<Name>> = if whole {
            self.site_flows
                .range((item, None)..)
                .take_while(|((i, _), _)| *i == item)
                .map(|((_, s), _)| *s)
                .filter(|s| b.contains(s.as_deref(), None, None))
                .collect()
        } else {
            Vec::new()
        };
        if !sites.contains(&here) {
            sites.push(here);
            sites.sort();
        }
        // A sale (no destination) always leaves; a move stays only within a boundary that names it.
        let inside = |to: Option<&str>| whole && to.is_some() && b.contains(to, None, None);
        let mut r =
            Region { came_in: 0, out: if inside(exit.1) { 0 } else { exit.0 }, pooled: Vec::new(), sites: Vec::new() };
        for s in &sites {
            if let Some(f) = self.site_flows.get(&(item, *s)) {
                r.came_in += f.came_in;
                for (to, q) in &f.exits {
                    if inside(to.as_deref()) {
                        r.came_in -= q;
                    } else {
                        r.out += q;
                    }
                }
            }
            for (id, q) in self.pooled_at.get(&(item, *s)).into_iter().flatten() {
                match r.pooled.iter_mut().find(|x| x.0 == *id) {
                    Some(x) => x.1 += q,
                    None => r.pooled.push((id.clone(), *q)),
                }
            }
        }
        r.sites = sites;
        r
    }

    /// How much of `item` at `site` pool `pool` may still be credited with from the ledger: what
    /// came into its boundary, less what pools already hold of it there, less what left it
    /// unprocessed (sold, returned, moved outside), the least over `pool` and every pool holding
    /// the item; and what left. Goods sold, returned or moved away before they were fed never
    /// credit a pool (hostile2 F1, the other order).
    pub(super) fn creditable_at(&self, pool: &Pool, item: &str, site: Option<&str>) -> (i64, i64, Vec<Option<Name>>) {
        let own = self.region(pool, item, site, (0, None));
        let mut budget = own.came_in - own.total() - own.out;
        for other in self.pools.values().filter(|p| p.policy.id != pool.policy.id) {
            let r = self.region(other, item, site, (0, None));
            if r.holds(&other.policy.id) {
                budget = budget.min(r.came_in - r.total() - r.out);
            }
        }
        (budget.max(0), own.out, own.sites)
    }

    /// Credited goods stay inside the pool until processed (hostile2 F1; docs/custody.md "One
    /// operation's quantity feeds pools at most once"): within a pool's boundary, what of `item`
    /// left unprocessed (sold, returned to a supplier, or moved outside it) never exceeds what
    /// came in less what pools hold of it as ledger-fed inputs. Checked for an exit about to
    /// happen at `site`: `quantity` (base units) and, for a move, its destination (`None`: a
    /// sale, out of every boundary); `Err` says which pool and how much. Reads the `site_flows`
    /// and `pooled_at` indexes, never the transactions: a sale costs the same at the millionth
    /// transaction as at the first.
    pub(super) fn credited_stays(
        &self,
        item: &str,
        site: Option<&str>,
        quantity: i64,
        to: Option<&str>,
    ) -> Result<(), String> {
        let name = Name::new(item);
        if self.pooled_at.range((name, None)..).next().is_none_or(|((i, _), _)| *i != name) {
            return Ok(());
        }
        for pool in self.pools.values() {
            let r = self.region(pool, item, site, (quantity, to));
            let Some(held) = r.pooled.iter().find(|x| x.0 == pool.policy.id).map(|x| x.1).filter(|q| *q > 0) else {
                continue;
            };
            let free = r.came_in - r.total();
            if r.out > free {
                return Err(format!(
                    "pool `{}` was credited with {} of `{item}` (site {}): of the {} that came into its boundary, {} would leave unprocessed (sold, returned or moved outside the pool's boundary), above the {} no pool holds; credited goods stay until processed",
                    pool.policy.id,
                    self.show_quantity(item, held),
                    site.unwrap_or("(none)"),
                    self.show_quantity(item, r.came_in),
                    self.show_quantity(item, r.out),
                    self.show_quantity(item, free.max(0))
                ));
            }
        }
        Ok(())
    }
}

/// An item's flows over a region of a pool's boundary (`Ledger::region`), base units.
struct Region {
    came_in: i64,
    out: i64,
    /// What each pool holds of the item there as ledger-fed inputs, by pool id.
    pooled: Vec<(String, i64)>,
    /// The region's sites, sorted: inputs from operations at any of them share one budget.
    sites: Vec<Option<Name>>,
}

impl Region {
    fn total(&self) -> i64 {
        self.pooled.iter().map(|x| x.1).sum()
    }
    fn holds(&self, pool: &str) -> bool {
        self.pooled.iter().any(|x| x.0 == pool && x.1 > 0)
    }
}
