//! Energy attribute certificates obtained against Scope 2 consumption: the rules checked when
//! one is recorded (Scope 2 Guidance ch. 7, Scope 2 Quality Criteria, paraphrased in
//! `docs/ghg-inventory.md`). The statement applies them (`statements::ghg_inventory`).

use super::state::Ledger;
use crate::exact;
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};
use crate::units::Dimension;

impl Ledger {
    /// Checks an EAC's terms: an energy attribute certificate (`instrument eac`), a serial never
    /// obtained before (E041), retired against a Scope 2 item of this ledger (E005, E042), in
    /// the item's market boundary (E042), generated in the calendar year it is retired in (E042),
    /// covering a positive energy (E009, E011). Returns the record to keep.
    pub(super) fn check_eac(
        &self,
        op: &Op,
        kind: InstrumentKind,
        t: &EacTerms,
        v: &mut Violations,
    ) -> Option<EacRecord> {
        if kind != InstrumentKind::Eac {
            v.push(Code::CertificateOutOfScope, Some("certificate"), "certificate terms are for `instrument eac`");
            return None;
        }
        if let Some(i) = self.instruments.iter().find(|i| i.eac.as_ref().is_some_and(|e| e.serial == t.serial)) {
            v.push(
                Code::CertificateReused,
                Some("certificate"),
                format!("certificate `{}` was already obtained by `{}`: a certificate is used once", t.serial, i.id),
            );
        }
        let item = self.item_or(&t.item, "against", v)?;
        if item.ghg_class() != GhgClass::Scope2 {
            v.push(
                Code::CertificateOutOfScope,
                Some("against"),
                format!("item `{}` is not Scope 2: a certificate is retired against purchased energy", item.id),
            );
        }
        match &item.market_boundary {
            Some(b) if *b == t.boundary => {}
            Some(b) => v.push(
                Code::CertificateOutOfScope,
                Some("boundary"),
                format!("certificate issued in `{}`; item `{}` is consumed in `{b}`", t.boundary, item.id),
            ),
            None => v.push(
                Code::CertificateOutOfScope,
                Some("boundary"),
                format!("item `{}` declares no `market-boundary`: a certificate's boundary cannot be checked", item.id),
            ),
        }
        let year = op.date.year();
        if t.generated.0 > t.generated.1 || t.generated.1.year() < year || t.generated.0.year() > year {
            v.push(
                Code::CertificateOutOfScope,
                Some("generated"),
                format!(
                    "generation {}..{} is not in {year}, the year it is retired in",
                    format_date(t.generated.0),
                    format_date(t.generated.1)
                ),
            );
        }
        if t.covers.unit.dimension != Dimension::Energy || t.rate.per.dimension != Dimension::Energy {
            v.push(
                Code::UnitMismatch,
                Some("covers"),
                "a certificate covers energy and carries a rate per energy (gCO2/kWh)",
            );
            return None;
        }
        let covers_kj = t.covers.base().ok().and_then(|q| exact::round_i64(q).ok());
        match covers_kj {
            Some(k) if k > 0 => Some(EacRecord {
                serial: t.serial.clone(),
                item: t.item.clone(),
                covers_kj: k,
                generated: t.generated,
                boundary: t.boundary.clone(),
                rate: t.rate,
            }),
            Some(_) => {
                v.push(Code::QuantityNotPositive, Some("covers"), "a certificate covers a positive energy");
                None
            }
            None => {
                v.push(Code::Overflow, Some("covers"), "covered energy out of range");
                None
            }
        }
    }
}
