//! Applying chain-of-custody operations (pools, certificates, avoided-emission certificates) beside
//! the ledger: no transaction is posted.

use super::pool_feed::{Feed, FlowSide};
use super::state::Ledger;
use crate::exact;
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
                CocError::UnitMismatch(m) => (Code::UnitMismatch, m),
                CocError::OutputsExceedInputs(m) => (Code::PoolOutputsExceedInputs, m),
                CocError::NotInLedger(m) => (Code::PoolFlowNotInLedger, m),
                CocError::NegativeAmount(m) => (Code::NegativeAmount, m),
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
        // The certificate book is copied (and written back) only by the operations that touch it.
        let touches_book = !matches!(
            c,
            CustodyOp::PoolInput { .. }
                | CustodyOp::PoolOutput { .. }
                | CustodyOp::PoolClaim { .. }
                | CustodyOp::PoolClose { .. }
                | CustodyOp::Avoided { .. }
        );
        let mut book = if touches_book { self.certificates.clone() } else { Default::default() };
        let quantity = |m: &Measure, item: &str, v: &mut Violations| -> Option<i64> {
            let it = self.item_or(item, "item", v)?;
            self.quantity_or(it, m, "quantity", v).map(|(_, q)| q)
        };
        // A pool flow's quantity: stated (checked), or left to the ledger operation it names.
        let flow_quantity = |m: &Option<Measure>, item: &str, v: &mut Violations| -> Option<Option<i64>> {
            match m {
                Some(m) => quantity(m, item, v).map(Some),
                None => Some(None),
            }
        };
        // A ledger-fed input's sources, for the `pooled_at` index once the pool is written back.
        let mut fed: Option<(String, Vec<(String, i64)>)> = None;
        let res: Result<(), CocError> = match c {
            CustodyOp::PoolInput { item, operation, quantity: m, intensity, site, process, batch, .. } => {
                let Some(q) = flow_quantity(m, item, v) else { return };
                let p = pool.as_mut().expect("pool op");
                let dimension = self.items.get(item).map(|i| i.measure);
                match self.feed(p, item, operation.as_deref(), q, (op.date, site.as_deref()), FlowSide::Input).and_then(
                    |f| {
                        let site = Self::feed_site(&op.id, site, &f)?;
                        let intensity = Self::feed_intensity(&op.id, *intensity, &f)?;
                        Ok((f, site, intensity))
                    },
                ) {
                    Err(e) => Err(e),
                    Ok((f, site, intensity)) => {
                        fed = Some((item.clone(), f.sources.clone()));
                        let eligible = p.is_eligible(item, intensity);
                        p.add_input(
                            PoolInput {
                                id: op.id.clone(),
                                date: op.date,
                                item: item.clone(),
                                quantity: f.quantity,
                                intensity,
                                eligible,
                                site,
                                sources: f.sources,
                                dimension,
                                unbacked: f.unbacked,
                            },
                            process.as_deref(),
                            batch.as_deref(),
                        )
                    }
                }
            }
            CustodyOp::PoolOutput { item, operation, quantity: m, site, process, batch, .. } => {
                let Some(q) = flow_quantity(m, item, v) else { return };
                let p = pool.as_mut().expect("pool op");
                let dimension = self.items.get(item).map(|i| i.measure);
                match p.policy.group_of(item).map(str::to_string) {
                    None => Err(CocError::Invalid(format!(
                        "item `{item}` is in no product group of pool `{}`",
                        p.policy.id
                    ))),
                    Some(group) => self
                        .feed(p, item, operation.as_deref(), q, (op.date, site.as_deref()), FlowSide::Output)
                        .and_then(|f| Ok((Self::feed_site(&op.id, site, &f)?, f)))
                        .and_then(|(site, f)| {
                            p.add_output(
                                PoolOutput {
                                    id: op.id.clone(),
                                    date: op.date,
                                    item: item.clone(),
                                    group,
                                    quantity: f.quantity,
                                    site,
                                    sources: f.sources,
                                    dimension,
                                },
                                process.as_deref(),
                                batch.as_deref(),
                            )
                        }),
                }
            }
            CustodyOp::PoolClaim { output, quantity: m, factor, sale, customer, .. } => {
                let p = pool.as_mut().expect("pool op");
                let on_sale = match sale {
                    Some(s) => match self.claim_sale(p, op, s, customer.as_deref(), v) {
                        Some(cs) => Some((s.clone(), cs)),
                        None => return,
                    },
                    None => None,
                };
                let item = output
                    .as_ref()
                    .and_then(|o| p.periods.values().flat_map(|x| x.outputs.iter()).find(|x| &x.id == o))
                    .map(|x| x.item.clone())
                    .or_else(|| on_sale.as_ref().map(|(_, cs)| cs.item.clone()));
                let Some(item) = item else {
                    v.push(
                        Code::AllocationInvalid,
                        Some("output"),
                        "a claim names one of the pool's outputs, or a sale",
                    );
                    return;
                };
                let Some(q) = quantity(m, &item, v) else { return };
                if let Some((s, cs)) = &on_sale {
                    if q > cs.left {
                        v.push(
                            Code::ClaimBeyondSale,
                            Some("quantity"),
                            format!(
                                "`{}` claims {} on sale `{s}` to `{}`, which has {} not yet claimed",
                                op.id,
                                self.show_quantity(&item, q),
                                cs.customer,
                                self.show_quantity(&item, cs.left.max(0))
                            ),
                        );
                        return;
                    }
                }
                p.add_claim(PoolClaim {
                    id: op.id.clone(),
                    date: op.date,
                    output: output.clone(),
                    quantity: q,
                    factor: *factor,
                    certificate: None,
                    sale: on_sale.map(|(s, cs)| (s, cs.customer)),
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
                    match Self::certificate_quantity(p, op.date, *units) {
                        Err(e) => Err(e),
                        Ok(quantity) => p
                            .add_claim(PoolClaim {
                                id: op.id.clone(),
                                date: op.date,
                                output: None,
                                quantity,
                                factor: None,
                                certificate: Some(certificate.clone()),
                                sale: None,
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
                                        named_by: None,
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
                // The sale a block is bundled with is its issuer's, an id of the issuer's ledger:
                // only there does it name a sale. A holder never reads that id among its own
                // sales, and sends the block only back to its issuer: nothing in the holder's
                // ledger ties the block to goods it sells on, so it is not passed to anyone else
                // (a claim would travel without the goods it was made for). The issuer's ledger
                // keeps the goods from coming back while any of its units are away.
                let bundle = |c: &Certificate| c.bundled_with.clone().map(|sale| (sale, c.issuer.clone()));
                let note = match book.get_active(certificate, &me).map(|c| (bundle(c), c.units())) {
                    Ok((Some((sale, issuer)), units)) if issuer == me => self
                        .bundle_follows(&book, &sale, to, units)
                        .map(|_| format!("transferred to {to} with sale {sale}")),
                    Ok((Some((_, issuer)), _)) if issuer == *to => Ok(format!("returned to its issuer {to}")),
                    Ok((Some((sale, issuer)), _)) => Err(CocError::CertificateUnavailable(format!(
                        "certificate `{certificate}` is bundled with `{issuer}`'s sale `{sale}` and follows those goods: \
                         a holder sends it back to `{issuer}` only, not to `{to}`"
                    ))),
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
                if let Some((item, sources)) = fed {
                    self.index_pooled(&id, &item, &sources);
                }
                self.pools.insert(id, p);
            }
            if touches_book {
                self.certificates = book;
            }
        }
    }

    /// Where a fed flow is: the operation's site, unless the flow names the same or the
    /// operation has none.
    fn feed_site(id: &str, typed: &Option<String>, f: &Feed) -> Result<Option<String>, crate::coc::CocError> {
        match (typed, &f.site) {
            (Some(t), Some(s)) if t != s => Err(crate::coc::CocError::NotInLedger(format!(
                "`{id}` says site {t}, but its ledger operation is at site {s}"
            ))),
            (Some(t), _) => Ok(Some(t.clone())),
            (None, s) => Ok(s.clone()),
        }
    }

    /// A fed input carries the ledger's intensity; a typed one must agree with it (to 0.0001
    /// tCO2e/t), and a declared one keeps what it says.
    fn feed_intensity(id: &str, typed: Option<exact::Q>, f: &Feed) -> Result<Option<exact::Q>, crate::coc::CocError> {
        let Some(ledger) = f.intensity else { return Ok(typed) };
        if ledger < exact::q(0) {
            // A removal booked on the goods (biogenic uptake) larger than their emissions: the
            // pool would pass a negative emission on to its claims (E032, as a typed one).
            return Err(crate::coc::CocError::NegativeAmount(format!(
                "`{id}`: the ledger's figure for {} is {} tCO2e/t, negative: a pool takes no negative emissions",
                f.sources.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>().join(", "),
                exact::format_decimal(ledger, 6)
            )));
        }
        match typed {
            Some(t) if exact::abs_q(t - ledger) > exact::Q::new(1, 10_000) => {
                Err(crate::coc::CocError::NotInLedger(format!(
                    "`{id}` states {} tCO2e/t, but the ledger's figure for {} is {} tCO2e/t: omit the intensity, the ledger gives it",
                    exact::format_decimal(t, 6),
                    f.sources.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>().join(", "),
                    exact::format_decimal(ledger, 6)
                )))
            }
            _ => Ok(Some(ledger)),
        }
    }

    /// A certificate's units in the pool's claim units. A unit is one of the attribute (1 MWh of
    /// green electricity, 1 t otherwise). Credit: units x conversion. Percentage: the output the
    /// units' eligible input carries (units / inputs x outputs, within the physical share).
    fn certificate_quantity(p: &crate::coc::Pool, date: Date, units: i64) -> Result<i64, crate::coc::CocError> {
        use crate::coc::{CocError, Method};
        let unit = crate::coc::certificate_unit(p.policy.attribute);
        let attr = exact::Q::from_integer(units as i128) * exact::Q::from_integer(unit as i128);
        let q = match p.policy.method {
            Method::Credit => attr * p.policy.conversion,
            Method::Percentage => {
                let period = p.policy.period_of(date).and_then(|n| p.periods.get(&n));
                let inputs: i64 = period.map(|x| x.inputs.iter().map(|i| i.quantity).sum()).unwrap_or(0);
                let outputs: i64 = period.map(|x| x.outputs.iter().map(|o| o.quantity).sum()).unwrap_or(0);
                let share = p.policy.share_of(1, 1).unwrap_or_else(|| exact::q(1));
                if inputs <= 0 || outputs <= 0 {
                    return Err(CocError::ClaimExceedsBalance(format!(
                        "pool `{}` has no input and output in this period for a certificate to stand for",
                        p.policy.id
                    )));
                }
                attr * exact::Q::new(outputs as i128, inputs as i128) * share
            }
        };
        exact::round_i64(q).map_err(|_| CocError::Overflow(format!("{units} certificate units are out of range")))
    }
}
