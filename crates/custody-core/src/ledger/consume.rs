//! Planning consumption: inventory drawn into work in process.

use super::draft::{dims, Draft};
use super::state::Ledger;
use crate::chart::{Form, Role};
use crate::ops::*;
use crate::reject::Violations;

impl Ledger {
    pub(super) fn plan_consume(&self, c: &Consume, d: &mut Draft, v: &mut Violations) -> Option<()> {
        for u in &c.uses {
            let Some(item) = self.item_or(&u.item, "use", v) else {
                continue;
            };
            let Some((_, q)) = self.quantity_or(item, &u.quantity, "use", v) else {
                continue;
            };
            self.draw_stock(item, &c.site, &u.lot, q, d, "use", v, |d, role, (_, species, dm), taken| {
                let (wip_role, origin) = match role.form() {
                    Form::Content => (Role::WipContent, None),
                    Form::Emissions => (Role::WipAttributed, dm.origin),
                };
                d.post_gas(wip_role, *species, taken.carbon, taken.gas, dims(None, None, &c.site, origin));
                Some(())
            });
        }
        Some(())
    }
}
