//! Lots: which lot a receipt creates, and which lots (FIFO, specific or none) a draw takes from.

use super::check::lot_suffix;
use super::draft::Draft;
use super::state::Ledger;
use super::state::PosKey;
use crate::chart::Role;
use crate::exact;
use crate::model::*;
use crate::reject::{Code, Violations};

/// What a draw took from one position: its carbon (base units) and, when the position held a
/// stated gas figure, the same share of that gas (grams).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Taken {
    pub(super) carbon: i64,
    pub(super) gas: Option<i64>,
}

impl Taken {
    pub(super) fn neg(self) -> Taken {
        Taken { carbon: -self.carbon, gas: self.gas.map(|g| -g) }
    }

    /// Splits by integer weights (largest remainder, `exact::allocate`), gas alongside carbon.
    pub(super) fn allocate(self, weights: &[i128]) -> Option<Vec<Taken>> {
        let carbon = exact::allocate(self.carbon, weights)?;
        let gas = match self.gas {
            Some(g) => exact::allocate(g, weights)?.into_iter().map(Some).collect(),
            None => vec![None; carbon.len()],
        };
        Some(carbon.into_iter().zip(gas).map(|(carbon, gas)| Taken { carbon, gas }).collect())
    }
}

impl Ledger {
    pub(super) fn lot_for(&self, item: &Item, given: &Option<String>, op_id: &str) -> Option<String> {
        match item.costing {
            Costing::Mwa => None,
            Costing::Fifo | Costing::Specific => Some(given.clone().unwrap_or_else(|| op_id.to_string())),
        }
    }

    /// Which lots a draw of `quantity` takes, and how much from each (lot, taken, on hand), seeing
    /// the stock as `pending` (the operation planned so far) leaves it.
    pub(super) fn draw_lots(
        &self,
        item: &Item,
        site: &Option<String>,
        lot: &Option<String>,
        quantity: i64,
        pending: &Draft,
        field: &'static str,
        v: &mut Violations,
    ) -> Option<Vec<(Option<String>, i64, i64)>> {
        let on_hand = |l: &Option<String>| {
            *self.quantities.get(&(Name::new(&item.id), crate::name::opt(site), crate::name::opt(l))).unwrap_or(&0)
                + pending.pending_qty(&item.id, site, l)
        };
        // FIFO walks the active lots lazily, oldest first, and stops once the draw is covered.
        let lots: Box<dyn Iterator<Item = Option<String>> + '_> = match (item.costing, lot) {
            (Costing::Mwa, _) => Box::new(std::iter::once(None)),
            (_, Some(l)) => {
                if on_hand(&Some(l.clone())) == 0 {
                    v.push(Code::LotUnknown, Some(field), format!("item `{}` holds no lot `{l}`", item.id));
                    return None;
                }
                Box::new(std::iter::once(Some(l.clone())))
            }
            (Costing::Specific, None) => {
                v.push(
                    Code::LotUnknown,
                    Some(field),
                    format!("item `{}` is costed by specific lot: name the lot", item.id),
                );
                return None;
            }
            (Costing::Fifo, None) => match self.lot_order.get(&(Name::new(&item.id), crate::name::opt(site))) {
                Some(ls) => Box::new(ls.active().map(|l| {
                    self.work.add(1);
                    Some(l.clone())
                })),
                None => Box::new(std::iter::empty()),
            },
        };
        let mut rest = quantity;
        let mut draws = Vec::new();
        for l in lots {
            if rest == 0 {
                break;
            }
            let have = on_hand(&l);
            if have <= 0 {
                continue;
            }
            let take = rest.min(have);
            draws.push((l, take, have));
            rest -= take;
        }
        if rest > 0 {
            v.push(
                Code::InsufficientQuantity,
                Some(field),
                format!("item `{}`{}: {} on hand, {} drawn", item.id, lot_suffix(lot), quantity - rest, quantity),
            );
            return None;
        }
        Some(draws)
    }

    /// Draws `quantity` of `item` at `site`: lot by lot, each inventory position gives its exact
    /// share, posted out of stock here and balanced by `balance` (into work in process, out to
    /// customers, back to a supplier, to another site); the quantity leaves the site. Returns the
    /// (lot, quantity) drawn. Every draw of stock goes through here.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn draw_stock(
        &self,
        item: &Item,
        site: &Option<String>,
        lot: &Option<String>,
        quantity: i64,
        d: &mut Draft,
        field: &'static str,
        v: &mut Violations,
        mut balance: impl FnMut(&mut Draft, Role, &PosKey, Taken) -> Option<()>,
    ) -> Option<Vec<(Option<String>, i64)>> {
        let lots = self.draw_lots(item, site, lot, quantity, d, field, v)?;
        let mut drawn = Vec::new();
        for (lot, take, have) in lots {
            for (key, amount, gas) in self.inventory_positions(&item.id, site, &lot, d) {
                let Ok(carbon) = exact::scale(amount, take, have) else {
                    v.push(Code::Overflow, Some(field), "amount out of range");
                    return None;
                };
                let Ok(gas) = gas.map(|g| exact::scale(g, take, have)).transpose() else {
                    v.push(Code::Overflow, Some(field), "amount out of range");
                    return None;
                };
                let taken = Taken { carbon, gas };
                let role = self.chart.get(&key.0).expect("inventory positions have accounts").role;
                d.post_code_gas(&key.0, key.1, -carbon, taken.neg().gas, key.2.clone());
                balance(d, role, &key, taken)?;
            }
            d.movement(&item.id, site, lot.clone(), -take);
            drawn.push((lot, take));
        }
        Some(drawn)
    }
}
