//! Lots: which lot a receipt creates, and which lots (FIFO, specific or none) a draw takes from.

use super::check::lot_suffix;
use super::draft::Draft;
use super::state::Ledger;
use crate::model::*;
use crate::reject::{Code, Violations};

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
            *self.quantities.get(&(item.id.clone(), site.clone(), l.clone())).unwrap_or(&0)
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
            (Costing::Fifo, None) => match self.lot_order.get(&(item.id.clone(), site.clone())) {
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
}
