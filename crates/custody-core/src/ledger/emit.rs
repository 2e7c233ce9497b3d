//! Planning direct emissions out of work in process.

use super::draft::{dims, Draft};
use super::state::Ledger;
use crate::chart::Role;
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};
use crate::units::Species;

impl Ledger {
    pub(super) fn plan_emit(&self, e: &Emit, d: &mut Draft, v: &mut Violations) -> Option<()> {
        self.no_duplicate_species(e.emissions.iter().map(|x| x.species), "emission", v);
        let mut carbon = 0i64;
        let wip = dims(None, None, &e.site, Some(Origin::Direct));
        for x in &e.emissions {
            if x.species == Species::C {
                v.push(Code::UnitMismatch, Some("emission"), "carbon content is not an emission: name the gas");
                continue;
            }
            let Some((amount, gas)) = self.stated_or(x, "emission", v) else {
                continue;
            };
            d.post_gas(Role::WipDirect, x.species, amount, gas, wip.clone());
            if x.species.is_carbon() {
                carbon += amount;
            } else {
                d.post(Role::InGenerated, x.species, amount, wip.clone());
            }
        }
        let available = self.wip_total(Role::WipContent, Some(Species::C), &e.site);
        if carbon > available {
            v.push(
                Code::InsufficientCarbon,
                Some("emission"),
                format!("{carbon} gC emitted but work in process holds {available} gC of content"),
            );
        }
        d.post(Role::WipContent, Species::C, -carbon, dims(None, None, &e.site, None));
        Some(())
    }
}
