//! Stock is physical: after every transaction, per item holding (item, lot, site) and per
//! work-in-process site, the quantity and the carbon held are never negative, and a holding whose
//! quantity a transaction brought to zero holds no carbon either.
//!
//! The sums are read with range queries on the position map (O(accounts x species x log n) per
//! holding touched), so the check costs the same at the millionth transaction as at the first.

use super::draft::{is_inventory_role, is_wip_role};
use super::state::{Holding, Ledger};
use crate::chart::{Form, Role};
use crate::model::*;
use crate::reject::{Code, Violations};
use crate::units::Species;
use std::collections::{BTreeMap, BTreeSet};

/// What a holding holds, by class: content carbon, emissions carbon, and each non-carbon gas
/// (attributed and direct work in process apart).
type Sums = BTreeMap<(u8, Option<Species>), i128>;

fn class(role: Role, species: Species) -> (u8, Option<Species>) {
    let kind = match role {
        Role::WipAttributed => 2,
        Role::WipDirect => 3,
        r if r.form() == Form::Content => 0,
        _ => 1,
    };
    (kind, if species.is_carbon() { None } else { Some(species) })
}

fn class_name(c: (u8, Option<Species>)) -> String {
    let what = ["carbon content", "emissions", "attributed emissions", "direct emissions"][c.0 as usize];
    match c.1 {
        None => format!("{what} (gC)"),
        Some(sp) => format!("{what} of {sp} (g)"),
    }
}

fn holding_name(h: &Holding) -> String {
    let mut s = match &h.0 {
        Some(item) => format!("item `{item}`"),
        None => "work in process".to_string(),
    };
    if let Some(l) = &h.1 {
        s.push_str(&format!(" lot `{l}`"));
    }
    if let Some(site) = &h.2 {
        s.push_str(&format!(" at site `{site}`"));
    }
    s
}

impl Ledger {
    /// The role of an account whose positions are stock that draws take from, if it is one.
    fn stock_role(&self, account: &str) -> Option<Role> {
        let role = self.chart.get(account)?.role;
        (is_inventory_role(role) || is_wip_role(role)).then_some(role)
    }

    /// The current sums of a holding, read through the holding index.
    fn holding_sums(&self, h: &Holding) -> Sums {
        let mut sums = Sums::new();
        let wip = h.0.is_none();
        for key in self.by_holding.get(h).into_iter().flatten() {
            self.work.add(1);
            let Some(role) = self.chart.get(&key.0).map(|a| a.role) else { continue };
            let wanted = if wip { is_wip_role(role) } else { is_inventory_role(role) };
            if wanted {
                *sums.entry(class(role, key.1)).or_default() += self.positions[key] as i128;
            }
        }
        sums
    }

    /// Refuses a transaction after which a holding it touches would hold a negative quantity or
    /// amount of carbon, or carbon with nothing on hand.
    pub(super) fn check_stock(&self, tx: &Transaction, v: &mut Violations) {
        let mut deltas: BTreeMap<Holding, Sums> = BTreeMap::new();
        for p in &tx.postings {
            let Some(role) = self.stock_role(&p.account) else { continue };
            let wip = is_wip_role(role);
            let h = (if wip { None } else { p.dims.item.clone() }, p.dims.lot.clone(), p.dims.site.clone());
            if !wip && h.0.is_none() {
                continue;
            }
            *deltas.entry(h).or_default().entry(class(role, p.species)).or_default() += p.amount as i128;
        }
        // Nothing is drawn from a holding before it first received anything.
        for m in tx.movements.iter().filter(|m| m.quantity < 0) {
            let key = (m.item.clone(), m.site.clone(), m.lot.clone());
            if let Some(first) = self.first_in.get(&key).filter(|d| **d > tx.date) {
                v.push(
                    Code::InsufficientQuantity,
                    Some("quantity"),
                    format!(
                        "item `{}` had nothing on hand on {}: it first arrived on {}",
                        m.item,
                        format_date(tx.date),
                        format_date(*first)
                    ),
                );
            }
        }
        let mut emptied: BTreeSet<Holding> = BTreeSet::new();
        let mut moved: BTreeMap<Holding, i128> = BTreeMap::new();
        for m in &tx.movements {
            *moved.entry((Some(m.item.clone()), m.lot.clone(), m.site.clone())).or_default() += m.quantity as i128;
        }
        for (h, add) in &moved {
            let key = (h.0.clone().unwrap_or_default(), h.2.clone(), h.1.clone());
            if *self.quantities.get(&key).unwrap_or(&0) as i128 + add == 0 {
                emptied.insert(h.clone());
                deltas.entry(h.clone()).or_default();
            }
        }
        for (h, delta) in deltas {
            let mut now = self.holding_sums(&h);
            for (c, d) in delta {
                *now.entry(c).or_default() += d;
            }
            for (c, amount) in &now {
                if *amount < 0 {
                    v.push(
                        Code::InsufficientCarbon,
                        Some("post"),
                        format!(
                            "{} would hold {amount} of {}: more carbon drawn than held",
                            holding_name(&h),
                            class_name(*c)
                        ),
                    );
                } else if *amount > 0 && emptied.contains(&h) {
                    v.push(
                        Code::InsufficientCarbon,
                        Some("post"),
                        format!("{} would hold nothing but {amount} of {}", holding_name(&h), class_name(*c)),
                    );
                }
            }
        }
    }
}
