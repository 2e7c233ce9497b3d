//! Planning carbon capture and storage.

use super::draft::{dims, Draft};
use super::state::Ledger;
use crate::chart::Role;
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};
use crate::units::Species;

impl Ledger {
    pub(super) fn plan_capture(&self, c: &Capture, d: &mut Draft, v: &mut Violations) -> Option<()> {
        let op = Some(c.operator.clone());
        self.check_counterparty(&op, "operator", v);
        self.no_duplicate_species(c.captured.iter().map(|x| x.species), "captured", v);
        self.no_duplicate_species(c.process.iter().map(|x| x.species), "process", v);
        let wip = dims(None, None, &c.site, Some(Origin::Ccs));
        let flow = Dims { counterparty: op.as_deref().map(Name::new), ..wip.clone() };
        for (list, sign, field) in [(&c.captured, -1i64, "captured"), (&c.process, 1, "process")] {
            for x in list {
                if !x.species.is_carbon() || x.species == Species::C {
                    v.push(
                        Code::UnitMismatch,
                        Some(field),
                        format!("{} cannot be captured or stored as carbon", x.species),
                    );
                    continue;
                }
                let Some((amount, gas)) = self.stated_or(x, field, v) else {
                    continue;
                };
                let gas = gas.map(|g| sign * g);
                if sign < 0 {
                    let emitted = self.wip_total(Role::WipDirect, Some(x.species), &c.site);
                    if amount > emitted {
                        v.push(
                            Code::CaptureExceedsEmissions,
                            Some(field),
                            format!("{amount} gC of {} captured but {emitted} gC in work in process", x.species),
                        );
                    }
                }
                d.post_gas(Role::WipDirect, x.species, sign * amount, gas, wip.clone());
                d.post_gas(Role::OutSequestered, x.species, sign * amount, gas, flow.clone());
            }
        }
        Some(())
    }
}
