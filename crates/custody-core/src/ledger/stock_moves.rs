//! Planning stock that moves without being consumed or sold: goods sent back to the supplier they
//! were bought from, and stock moved between two sites of the company. Both draw like a sale (lot
//! by lot, each lot's own share of carbon), so nothing leaves a holding that it did not hold.

use super::draft::Draft;
use super::state::{Ledger, RETURNED_PURCHASE_META};
use crate::chart::{Form, Role};
use crate::exact::{self, Q};
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};

impl Ledger {
    /// `return` naming a purchase: the quantity leaves the purchase's holding with its share of the
    /// holding's carbon, and the inflow from that supplier is reduced by the same amounts.
    pub(super) fn plan_supplier_return(&self, r: &SupplierReturn, d: &mut Draft, v: &mut Violations) -> Option<()> {
        let Some(purchase) = self.transaction(&r.purchase).filter(|t| t.kind == TxKind::Purchase) else {
            v.push(
                Code::TransferInvalid,
                Some("purchase"),
                format!("`{}` is not a purchase of this ledger", r.purchase),
            );
            return None;
        };
        if self.reversed.contains(&r.purchase) {
            v.push(Code::TransferInvalid, Some("purchase"), format!("purchase `{}` was reversed", r.purchase));
            return None;
        }
        let bought_from = purchase.postings.iter().find_map(|p| crate::name::text(&p.dims.counterparty));
        if r.supplier.is_some() && r.supplier != bought_from {
            v.push(
                Code::TransferInvalid,
                Some("supplier"),
                format!(
                    "purchase `{}` was bought from `{}`",
                    r.purchase,
                    bought_from.clone().unwrap_or_else(|| "no named supplier".into())
                ),
            );
            return None;
        }
        let Some(m) = purchase.movements.first() else {
            v.push(
                Code::TransferInvalid,
                Some("purchase"),
                format!("purchase `{}` brought in no quantity", r.purchase),
            );
            return None;
        };
        if let Some(pool) = self.pool_fed_by(&r.purchase) {
            v.push(
                Code::ReversalHasDependant,
                Some("purchase"),
                format!(
                    "purchase `{}` feeds pool `{pool}`: its goods stay what the pool was credited with",
                    r.purchase
                ),
            );
            return None;
        }
        let item = self.item_or(&m.item, "purchase", v)?;
        let (_, q) = self.quantity_or(item, &r.quantity, "quantity", v)?;
        // Never more back than the purchase brought in, less what earlier returns sent back.
        let returned = self.returned_to_supplier(&r.purchase, &m.item);
        if q > m.quantity - returned {
            v.push(
                Code::InsufficientQuantity,
                Some("quantity"),
                format!("purchase `{}` brought in {} and {} went back already", r.purchase, m.quantity, returned),
            );
            return None;
        }
        self.draw_stock(
            item,
            &crate::name::text(&m.site),
            &crate::name::text(&m.lot),
            q,
            d,
            "quantity",
            v,
            |d, role, (_, species, dm), taken| {
                let (flow, origin) = match role.form() {
                    Form::Content => (Role::InContent, None),
                    Form::Emissions => (Role::InAttributed, dm.origin),
                };
                let back = taken.neg();
                d.post_gas(
                    flow,
                    *species,
                    back.carbon,
                    back.gas,
                    Dims { origin, counterparty: crate::name::opt(&bought_from), ..dm.clone() },
                );
                Some(())
            },
        )?;
        // Never more carbon back than the purchase brought in for that quantity (a moving-average
        // stock can hold other suppliers' goods at a higher footprint).
        let carbon = |t: &Transaction, sign: i64| -> i128 {
            t.postings
                .iter()
                .filter(|p| {
                    p.species.is_carbon()
                        && self.chart.get(&p.account).is_some_and(|a| super::draft::is_inventory_role(a.role))
                })
                .map(|p| (sign * p.amount) as i128)
                .sum()
        };
        let brought = carbon(purchase, 1) * q as i128 / m.quantity.max(1) as i128;
        let taken: i128 = d
            .postings
            .iter()
            .filter(|p| {
                p.species.is_carbon()
                    && self.chart.get(&p.account).is_some_and(|a| super::draft::is_inventory_role(a.role))
            })
            .map(|p| -(p.amount as i128))
            .sum();
        if taken > brought + 1 {
            v.push(
                Code::InsufficientCarbon,
                Some("quantity"),
                format!(
                    "the stock it would leave holds {taken} gC for this quantity, more than the {brought} gC purchase `{}` brought: the goods there are not the purchase's",
                    r.purchase
                ),
            );
            return None;
        }
        // The purchase's biogenic uptake leaves with the goods, pro rata to the quantity: the
        // share of everything returned so far less the share already returned, each rounded
        // once, so returning all of it gives the whole uptake back exactly.
        if let Some(g) = purchase.meta.get(super::BIOGENIC_META).and_then(|g| g.parse::<i64>().ok()) {
            let share = |sent: i64| exact::round_i64(Q::new(g as i128 * sent as i128, m.quantity.max(1) as i128));
            let back = share(returned + q).ok()? - share(returned).ok()?;
            if back != 0 {
                d.meta.insert(super::BIOGENIC_META.into(), (-back).to_string());
            }
        }
        d.meta.insert(RETURNED_PURCHASE_META.into(), r.purchase.clone());
        if let Some(s) = bought_from {
            d.meta.insert("supplier".into(), s);
        }
        Some(())
    }

    /// Quantity of `item` sent back to its supplier from `purchase` by returns still standing.
    pub(super) fn returned_to_supplier(&self, purchase: &str, item: &str) -> i64 {
        self.txs
            .iter()
            .filter(|t| {
                t.kind == TxKind::Return && t.meta.get(RETURNED_PURCHASE_META).map(String::as_str) == Some(purchase)
            })
            .filter(|t| !self.reversed.contains(&t.id))
            .flat_map(|t| t.movements.iter().filter(|m| m.item == item).map(|m| -m.quantity))
            .sum()
    }

    /// `move`: stock leaves one site and arrives at another with the same lot, origin and carbon.
    pub(super) fn plan_move(&self, m: &Move, d: &mut Draft, v: &mut Violations) -> Option<()> {
        let item = self.item_or(&m.item, "item", v)?;
        let (_, q) = self.quantity_or(item, &m.quantity, "quantity", v)?;
        if m.from == m.to {
            v.push(Code::AllocationInvalid, Some("to"), "a move goes from one site to another");
            return None;
        }
        if let Err(why) = self.credited_stays(&item.id, m.from.as_deref(), q, m.to.as_deref()) {
            v.push(Code::ReversalHasDependant, Some("to"), why);
            return None;
        }
        let drawn =
            self.draw_stock(item, &m.from, &m.lot, q, d, "quantity", v, |d, _, (acc, species, dm), taken| {
                d.post_code_gas(
                    acc,
                    *species,
                    taken.carbon,
                    taken.gas,
                    Dims { site: crate::name::opt(&m.to), ..dm.clone() },
                );
                Some(())
            })?;
        for (lot, take) in drawn {
            d.movement(&item.id, &m.to, lot, take);
        }
        Some(())
    }
}
