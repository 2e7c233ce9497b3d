//! Applying chain-of-custody operations (pools, certificates, avoided-emission certificates) beside
//! the ledger: no transaction is posted.

use super::state::Ledger;
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};
use crate::units::Measure;

impl Ledger {
    /// Applies a chain-of-custody operation to a copy of the pool or certificate book and keeps
    /// the copy only if nothing was refused.
    pub(super) fn apply_custody(&mut self, op: &Op, c: &CustodyOp, v: &mut Violations) {
        use crate::coc::{CertState, Certificate, CocError, PoolClaim, PoolInput, PoolOutput};
        let me = self.entity.id.clone();
        let map = |e: CocError, v: &mut Violations| {
            let (code, m) = match e {
                CocError::PoolUnknown(m) => (Code::PoolUnknown, m),
                CocError::PeriodClosed(m) => (Code::PoolPeriodClosed, m),
                CocError::OutsideBoundary(m) => (Code::OutsideBoundary, m),
                CocError::ClaimExceedsBalance(m) => (Code::ClaimExceedsBalance, m),
                CocError::StackedAttribution(m) => (Code::StackedAttribution, m),
                CocError::AttributionNotAllowed(m) => (Code::AttributionNotAllowed, m),
                CocError::CertificateUnknown(m) => (Code::CertificateUnknown, m),
                CocError::CertificateUnavailable(m) => (Code::CertificateUnavailable, m),
                CocError::PeriodNotEnded(m) => (Code::PeriodNotEnded, m),
                CocError::Invalid(m) => (Code::AllocationInvalid, m),
                CocError::Overflow(m) => (Code::Overflow, m),
            };
            v.push(code, None, m);
        };
        let pool_id = match c {
            CustodyOp::PoolInput { pool, .. }
            | CustodyOp::PoolOutput { pool, .. }
            | CustodyOp::PoolClaim { pool, .. }
            | CustodyOp::PoolClose { pool, .. }
            | CustodyOp::CertificateIssue { pool, .. } => Some(pool.clone()),
            _ => None,
        };
        let mut pool = match &pool_id {
            Some(id) => match self.pools.get(id) {
                Some(p) => Some(p.clone()),
                None => {
                    v.push(Code::PoolUnknown, Some("pool"), format!("pool `{id}` is not defined"));
                    return;
                }
            },
            None => None,
        };
        let mut book = self.certificates.clone();
        let quantity = |m: &Measure, item: &str, v: &mut Violations| -> Option<i64> {
            let it = self.item_or(item, "item", v)?;
            self.quantity_or(it, m, "quantity", v).map(|(_, q)| q)
        };
        let res: Result<(), CocError> = match c {
            CustodyOp::PoolInput { item, quantity: m, intensity, site, process, batch, .. } => {
                let Some(q) = quantity(m, item, v) else { return };
                let p = pool.as_mut().expect("pool op");
                let eligible = p.is_eligible(item, *intensity);
                p.add_input(
                    PoolInput {
                        id: op.id.clone(),
                        date: op.date,
                        item: item.clone(),
                        quantity: q,
                        intensity: *intensity,
                        eligible,
                        site: site.clone(),
                    },
                    process.as_deref(),
                    batch.as_deref(),
                )
            }
            CustodyOp::PoolOutput { item, quantity: m, site, process, batch, .. } => {
                let Some(q) = quantity(m, item, v) else { return };
                let p = pool.as_mut().expect("pool op");
                match p.policy.group_of(item).map(str::to_string) {
                    None => Err(CocError::Invalid(format!(
                        "item `{item}` is in no product group of pool `{}`",
                        p.policy.id
                    ))),
                    Some(group) => p.add_output(
                        PoolOutput {
                            id: op.id.clone(),
                            date: op.date,
                            item: item.clone(),
                            group,
                            quantity: q,
                            site: site.clone(),
                        },
                        process.as_deref(),
                        batch.as_deref(),
                    ),
                }
            }
            CustodyOp::PoolClaim { output, quantity: m, factor, .. } => {
                let p = pool.as_mut().expect("pool op");
                let item = output
                    .as_ref()
                    .and_then(|o| p.periods.values().flat_map(|x| x.outputs.iter()).find(|x| &x.id == o))
                    .map(|x| x.item.clone());
                let Some(item) = item else {
                    v.push(Code::AllocationInvalid, Some("output"), "a claim names one of the pool's outputs");
                    return;
                };
                let Some(q) = quantity(m, &item, v) else { return };
                p.add_claim(PoolClaim {
                    id: op.id.clone(),
                    date: op.date,
                    output: output.clone(),
                    quantity: q,
                    factor: *factor,
                    certificate: None,
                })
            }
            CustodyOp::PoolClose { period, .. } => {
                let p = pool.as_mut().expect("pool op");
                let target = match period {
                    Some(x) => Some(*x),
                    None => p.policy.period_of(op.date).and_then(|x| x.checked_sub(1)),
                };
                match target {
                    Some(t) => p.close(op.date, t).map(|_| ()),
                    None => Err(CocError::PeriodNotEnded("no period of the pool has ended by this date".into())),
                }
            }
            CustodyOp::CertificateIssue { certificate, units, bundled_with, expires, .. } => {
                let p = pool.as_mut().expect("pool op");
                let form = p.policy.output;
                let unit = crate::coc::certificate_unit(p.policy.attribute);
                if form == crate::coc::OutputForm::UpdatedFactor {
                    Err(CocError::AttributionNotAllowed(format!(
                        "pool `{}` outputs an updated factor, not certificates",
                        p.policy.id
                    )))
                } else if (form == crate::coc::OutputForm::BundledCertificate) != bundled_with.is_some() {
                    Err(CocError::Invalid(format!(
                        "pool `{}` issues {} certificates: {}",
                        p.policy.id,
                        form.as_str(),
                        if bundled_with.is_some() { "do not name a sale" } else { "name the sale they travel with" }
                    )))
                } else if *units <= 0 {
                    Err(CocError::Invalid("a certificate has at least one unit".into()))
                } else if let Err(e) = bundled_with.as_ref().map_or(Ok(()), |s| self.bundle_fits(&book, s, *units)) {
                    Err(e)
                } else {
                    let period = p.policy.period_of(op.date).unwrap_or(0);
                    match units.checked_mul(unit) {
                        None => Err(CocError::Overflow(format!("{units} certificate units are out of range"))),
                        Some(quantity) => p
                            .add_claim(PoolClaim {
                                id: op.id.clone(),
                                date: op.date,
                                output: None,
                                quantity,
                                factor: None,
                                certificate: Some(certificate.clone()),
                            })
                            .and_then(|_| {
                                book.issue(
                                    Certificate {
                                        id: certificate.clone(),
                                        issuer: me.clone(),
                                        pool: p.policy.id.clone(),
                                        period,
                                        first: 0,
                                        last: 0,
                                        bundled_with: bundled_with.clone(),
                                        expires: *expires,
                                        holder: me.clone(),
                                        state: CertState::Active,
                                        history: vec![(
                                            op.date,
                                            format!("issued from pool {} period {period}", p.policy.id),
                                        )],
                                        retirement: None,
                                        sent_by: None,
                                    },
                                    *units,
                                )
                            }),
                    }
                }
            }
            CustodyOp::CertificateSplit { certificate, units, first, rest } => {
                book.split(certificate, &me, *units, first, rest, op.date)
            }
            CustodyOp::CertificateTransfer { certificate, to } => {
                self.check_counterparty(&Some(to.clone()), "to", v);
                let note = match book.get_active(certificate, &me).map(|c| (c.bundled_with.clone(), c.units())) {
                    Ok((Some(sale), units)) => self
                        .bundle_follows(&book, &sale, to, units)
                        .map(|_| format!("transferred to {to} with sale {sale}")),
                    Ok((None, _)) => Ok(format!("transferred to {to}")),
                    Err(e) => Err(e),
                };
                note.and_then(|note| book.send(certificate, &me, to, &op.id, op.date, note))
            }
            CustodyOp::CertificateReceive { certificate, from, block } => {
                self.check_counterparty(&Some(from.clone()), "from", v);
                match block {
                    Some(b) => book.receive(certificate, from, &me, b, op.date),
                    None => Err(CocError::CertificateUnknown(format!(
                        "certificate `{certificate}` from `{from}` is not resolved: a registry fills it from the sender's book"
                    ))),
                }
            }
            CustodyOp::CertificateRetire { certificate, beneficiary, purpose, claim_period } => {
                book.retire(certificate, &me, op.date, (beneficiary.clone(), purpose.clone(), claim_period.clone()))
            }
            CustodyOp::CertificateCancel { certificate, reason } => {
                book.set_state(certificate, &me, op.date, CertState::Cancelled, format!("cancelled: {reason}"))
            }
            CustodyOp::CertificateExpire { certificate } => {
                match book.find(certificate, |c| c.state == CertState::Active && c.holder == me).map(|c| c.expires) {
                    Ok(Some(e)) if op.date > e => {
                        book.set_state(certificate, &me, op.date, CertState::Expired, "expired".into())
                    }
                    Ok(Some(e)) => Err(CocError::CertificateUnavailable(format!(
                        "certificate `{certificate}` is valid until {}",
                        format_date(e)
                    ))),
                    Ok(None) => {
                        Err(CocError::CertificateUnavailable(format!("certificate `{certificate}` has no expiry date")))
                    }
                    Err(e) => Err(e),
                }
            }
            CustodyOp::Avoided { .. } => {
                let Some(cert) = self.plan_avoided(op, c, v) else { return };
                self.avoided.push(cert);
                Ok(())
            }
        };
        if let Err(e) = res {
            map(e, v);
        }
        if v.is_empty() {
            if let (Some(id), Some(p)) = (pool_id, pool) {
                self.pools.insert(id, p);
            }
            self.certificates = book;
        }
    }
}
