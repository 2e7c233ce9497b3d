//! Planning consumption: inventory drawn into work in process.

use super::draft::{dims, Draft};
use super::state::Ledger;
use crate::chart::{Form, Role};
use crate::exact;
use crate::ops::*;
use crate::reject::{Code, Violations};

impl Ledger {
    pub(super) fn plan_consume(&self, c: &Consume, d: &mut Draft, v: &mut Violations) -> Option<()> {
        for u in &c.uses {
            let Some(item) = self.item_or(&u.item, "use", v) else {
                continue;
            };
            let Some((_, q)) = self.quantity_or(item, &u.quantity, "use", v) else {
                continue;
            };
            let Some(draws) = self.draw_lots(item, &c.site, &u.lot, q, d, "use", v) else {
                continue;
            };
            for (lot, take, have) in draws {
                for ((acc, species, dm), amount) in self.inventory_positions(&item.id, &c.site, &lot, d) {
                    let Ok(taken) = exact::scale(amount, take, have) else {
                        v.push(Code::Overflow, Some("use"), "amount out of range");
                        continue;
                    };
                    let role = self.chart.get(&acc).expect("inventory positions have accounts").role;
                    d.post_code(&acc, species, -taken, dm.clone());
                    let (wip_role, origin) = match role.form() {
                        Form::Content => (Role::WipContent, None),
                        Form::Emissions => (Role::WipAttributed, dm.origin),
                    };
                    d.post(wip_role, species, taken, dims(None, None, &c.site, origin));
                }
                d.movement(&item.id, &c.site, lot, -take);
            }
        }
        Some(())
    }
}
