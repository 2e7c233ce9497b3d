//! Rules that bind instruments to the goods and production they stand for: a bundled certificate
//! to its sale (no more units than the sale's quantity, and only while the goods stay sold), an
//! avoided-emission certificate to its project, product, quantity and period.

use super::state::Ledger;
use crate::coc::{AvoidedCertificate, CertificateBook, CocError};
use crate::exact;
use crate::model::*;
use crate::ops::{CustodyOp, Op};
use crate::reject::{Code, Violations};
use crate::units::Dimension;

impl Ledger {
    /// The product quantity of a sale, in tonnes (mass) or MWh (energy): what one bundled
    /// certificate unit each stands for. `None` if `sale` is not a live sale of this ledger.
    fn sale_units(&self, sale: &str) -> Result<(i128, Dimension), CocError> {
        let tx = self
            .transaction(sale)
            .filter(|t| t.kind == TxKind::Sell)
            .ok_or_else(|| CocError::Invalid(format!("`{sale}` is not a sale of this ledger")))?;
        if self.is_reversed(sale) {
            return Err(CocError::CertificateUnavailable(format!(
                "sale `{sale}` was reversed: no certificate travels with it"
            )));
        }
        let mut base: i128 = 0;
        for (k, q) in &tx.meta {
            let Some(customer) = k.strip_prefix(SOLD_TO_PREFIX) else { continue };
            if self.has_returned(sale, customer) {
                return Err(CocError::CertificateUnavailable(format!(
                    "sale `{sale}` was returned by `{customer}`: the certificate follows the goods"
                )));
            }
            base += q.parse::<i64>().map_err(|_| CocError::Invalid(format!("sale `{sale}` has no quantity")))? as i128;
        }
        let dim = tx.movements.first().and_then(|m| self.item(&m.item)).map(|i| i.measure).unwrap_or(Dimension::Mass);
        let per_unit: i128 = if dim == Dimension::Energy { 3_600_000 } else { 1_000_000 };
        Ok((base / per_unit, dim))
    }

    /// A bundled certificate of `units` more units fits its sale: at most one unit per tonne (or
    /// MWh) sold, counting every certificate already bundled with it, and the sale neither
    /// reversed nor returned.
    pub(super) fn bundle_fits(&self, book: &CertificateBook, sale: &str, units: i64) -> Result<(), CocError> {
        let (cap, dim) = self.sale_units(sale)?;
        let already = book.bundled_units(&self.entity.id, sale);
        if already + units as i128 > cap {
            return Err(CocError::ClaimExceedsBalance(format!(
                "sale `{sale}` carries {cap} {}: {already} already bundled, {units} more do not fit",
                if dim == Dimension::Energy { "MWh" } else { "t" }
            )));
        }
        Ok(())
    }

    /// A bundled certificate goes only to the sale's customer, only while the goods are sold, and
    /// a customer gets no more bundled units than the tonnes (MWh) it bought.
    pub(super) fn bundle_follows(
        &self,
        book: &CertificateBook,
        sale: &str,
        to: &str,
        units: i64,
    ) -> Result<(), CocError> {
        let (_, dim) = self.sale_units(sale)?;
        let sold = self
            .transaction(sale)
            .and_then(|t| t.meta.get(&format!("{SOLD_TO_PREFIX}{to}")))
            .and_then(|q| q.parse::<i64>().ok());
        let Some(sold) = sold else {
            return Err(CocError::CertificateUnavailable(format!(
                "the certificate is bundled with sale `{sale}`, which did not go to `{to}`"
            )));
        };
        let per_unit: i128 = if dim == Dimension::Energy { 3_600_000 } else { 1_000_000 };
        let cap = sold as i128 / per_unit;
        // The serials with `to` now: each once, and none that came back here. A part the customer
        // split and sent back (`b/X1`) lies inside the block still marked sent to it (`B`): its
        // serials are here, or wherever this book sent them since, not with `to`.
        let sent: i128 = self
            .bundled_now(book, sale)
            .into_iter()
            .filter(|(c, _)| c.state == crate::coc::CertState::TransferredOut && c.holder == to)
            .map(|(_, n)| n)
            .sum();
        if sent + units as i128 > cap {
            return Err(CocError::ClaimExceedsBalance(format!(
                "`{to}` bought {cap} {} of sale `{sale}`: {sent} bundled units already sent, {units} more do not fit",
                if dim == Dimension::Energy { "MWh" } else { "t" }
            )));
        }
        Ok(())
    }

    /// This book's certificates bundled with `sale`, each with the units it holds now
    /// ([`CertificateBook::current_units`]): a block sent out whose parts came back holds only
    /// the units not back.
    fn bundled_now<'a>(&self, book: &'a CertificateBook, sale: &str) -> Vec<(&'a crate::coc::Certificate, i128)> {
        let me = &self.entity.id;
        let scope = |c: &crate::coc::Certificate| &c.issuer == me && c.bundled_with.as_deref() == Some(sale);
        let now = book.current_units(scope);
        book.certificates.values().filter_map(|c| Some((c, *now.get(&c.key()).filter(|n| **n > 0)?))).collect()
    }

    /// A certificate of this book bundled with `sale` that went to a customer (`to`, or any) with
    /// units still away: while it is there, the goods are neither returned nor the sale reversed.
    /// A block whose units all came back (in parts a holder split) is no longer away.
    pub(super) fn bundled_out(&self, sale: &str, to: Option<&str>) -> Option<&crate::coc::Certificate> {
        self.bundled_now(&self.certificates, sale)
            .into_iter()
            .map(|(c, _)| c)
            .find(|c| c.state == crate::coc::CertState::TransferredOut && to.is_none_or(|t| c.holder == t))
    }

    /// Product of `item` made in the ledger period holding `date` (base units; reversals out).
    fn produced_in_period(&self, item: &str, date: Date) -> Option<i128> {
        let p = self.period_of(date)?;
        Some(
            self.transactions()
                .iter()
                .filter(|t| {
                    t.kind == TxKind::Produce && t.date >= p.start && t.date <= p.end && !self.is_reversed(&t.id)
                })
                .flat_map(|t| t.movements.iter())
                .filter(|m| m.item == item && m.quantity > 0)
                .map(|m| m.quantity as i128)
                .sum(),
        )
    }

    /// Product of `item` made in the ledger period holding `date` (g) and the emissions production
    /// put into it (g CO2e: attributed, direct and depreciation, content excluded); `None` if
    /// `item` is not an item of the ledger or none was made.
    fn made_footprint(&self, item: &str, date: Date) -> Option<(i128, exact::Q)> {
        use crate::chart::Role;
        self.item(item)?;
        let made = self.produced_in_period(item, date)?;
        if made <= 0 {
            return None;
        }
        let p = self.period_of(date)?;
        let codes: Vec<&str> = [Role::ProductAttributed, Role::ProductDirect, Role::ProductDepreciation]
            .iter()
            .map(|r| self.chart.by_role(*r).code.as_str())
            .collect();
        let (ratios, gwp) = (self.entity.ratios, self.entity.gwp);
        let mut co2e = exact::q(0);
        for t in self
            .transactions()
            .iter()
            .filter(|t| t.kind == TxKind::Produce && t.date >= p.start && t.date <= p.end && !self.is_reversed(&t.id))
        {
            for x in t.postings.iter().filter(|x| x.dims.item.as_deref() == Some(item)) {
                if codes.contains(&x.account.as_str()) {
                    co2e += x.gas_grams(ratios) * gwp.factor(x.species).unwrap_or_else(|| exact::q(0));
                }
            }
        }
        Some((made, co2e))
    }

    /// Every product item made in the period holding `date`: (g made, g CO2e put into it).
    fn products_made(&self, date: Date) -> Vec<(i128, exact::Q)> {
        self.items
            .values()
            .filter(|i| i.category == Category::Product)
            .filter_map(|i| self.made_footprint(&i.id, date))
            .collect()
    }

    /// An avoided-emission certificate: intensities never negative, `actual` not above the
    /// baseline, `allocated-to` an item of the ledger (E005), one certificate per project,
    /// product and period, and never more product than the ledger made of it in the period.
    pub(super) fn plan_avoided(&self, op: &Op, c: &CustodyOp, v: &mut Violations) -> Option<AvoidedCertificate> {
        let CustodyOp::Avoided { project, basis, baseline, actual, quantity: m, allocated_to } = c else { return None };
        // Baseline and actual are per mass (tCO2e/t): a quantity of energy or volume has no
        // conversion here (27 MWh were read as 97.2 t: kJ taken for grams).
        if m.unit.dimension != crate::units::Dimension::Mass {
            v.push(
                Code::UnitMismatch,
                Some("quantity"),
                format!(
                    "an avoided-emission quantity is a mass (its baseline and actual are per tonne), not {}",
                    m.unit.dimension.as_str()
                ),
            );
            return None;
        }
        let Some(q) = m.base().ok().and_then(|b| exact::round_i64(b).ok()) else {
            v.push(Code::Overflow, Some("quantity"), "quantity out of range");
            return None;
        };
        if q <= 0 {
            v.push(
                Code::QuantityNotPositive,
                Some("quantity"),
                "an avoided-emission certificate needs a positive quantity",
            );
        }
        for (field, x) in [("baseline", baseline), ("actual", actual)] {
            if *x < exact::q(0) {
                v.push(
                    Code::NegativeIntensity,
                    Some(field),
                    format!("{field} intensity below zero: an intensity is never negative"),
                );
            }
        }
        if actual > baseline {
            v.push(Code::AllocationInvalid, Some("actual"), "actual intensity above the baseline: nothing was avoided");
        }
        // An `allocated-to` naming no item of the ledger (free text) would escape both bounds: the
        // quantity by item and the whole production's (hostile test F5's kind).
        if let Some(a) = allocated_to.as_deref().filter(|a| self.item(a).is_none()) {
            v.push(
                Code::ItemUnknown,
                Some("allocated-to"),
                format!("`allocated-to` \"{a}\" names no item of this ledger: name the product made, or none for the whole production"),
            );
        }
        if !v.is_empty() {
            return None;
        }
        let period = self.period_of(op.date).map(|p| p.id.clone());
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        // The same project in the same period overlaps unless both name different products: a
        // certificate with no product covers them all.
        let same = |a: &AvoidedCertificate| {
            let (x, y) = (a.allocated_to.as_deref().map(norm), allocated_to.as_deref().map(norm));
            norm(&a.project) == norm(project)
                && (x.is_none() || y.is_none() || x == y)
                && self.period_of(a.date).map(|p| p.id.clone()) == period
        };

        if let Some(prev) = self.avoided.iter().find(|a| same(a)) {
            v.push(
                Code::InstrumentDuplicate,
                Some("project"),
                format!(
                    "project \"{project}\" was already certified for this product and period by `{}`: the same reduction is counted once",
                    prev.id
                ),
            );
            return None;
        }
        // Naming no product, a certificate covers them all: the period's whole production bounds
        // it (read once, for the quantity and the footprint), less what others naming none took.
        let whole = allocated_to.is_none().then(|| self.products_made(op.date));
        let covered = match (allocated_to.as_deref(), &whole) {
            (Some(a), _) => {
                self.item(a).map(|i| (Some(i.id.clone()), self.produced_in_period(&i.id, op.date).unwrap_or(0)))
            }
            (None, Some(all)) => Some((None, all.iter().map(|(m, _)| *m).sum())),
            (None, None) => None,
        };
        if let Some((item, made)) = covered {
            let certified: i128 = self
                .avoided
                .iter()
                .filter(|a| a.allocated_to == item && self.period_of(a.date).map(|p| p.id.clone()) == period)
                .map(|a| a.quantity as i128)
                .sum();
            if certified + q as i128 > made {
                let t = |g: i128| exact::format_decimal(exact::q(g) / exact::q(1_000_000), 3);
                let (made, certified, more) = (t(made), t(certified), t(q as i128));
                let message = match &item {
                    Some(id) => format!(
                        "`{id}` made {made} t in the period, {certified} t already certified: {more} t more exceed the product"
                    ),
                    None => format!(
                        "naming no product, this certificate covers the period's whole production: {made} t made, {certified} t already certified, {more} t more exceed it"
                    ),
                };
                v.push(Code::InstrumentDuplicate, Some("quantity"), message);
                return None;
            }
        }
        let Ok(avoided) = exact::round_i64((*baseline - *actual) * exact::q(q as i128)) else {
            v.push(Code::Overflow, Some("quantity"), "avoided emissions out of range");
            return None;
        };
        // Never more avoided than the product's own footprint for that quantity: the emissions
        // the period's production put into the product, per gram made.
        let bound = match (allocated_to.as_deref(), &whole) {
            (Some(a), _) => self.made_footprint(a, op.date),
            (None, Some(all)) => {
                let made: i128 = all.iter().map(|(m, _)| *m).sum();
                (made > 0).then(|| (made, all.iter().fold(exact::q(0), |acc, (_, c)| acc + *c)))
            }
            (None, None) => None,
        };
        if let Some((made, co2e)) = bound {
            let footprint = co2e * exact::q(q as i128) / exact::q(made);
            if exact::q(avoided as i128) > footprint {
                v.push(
                    Code::ClaimExceedsBalance,
                    Some("baseline"),
                    format!(
                        "{} tCO2e avoided on {} t of `{}`, whose own footprint is {} tCO2e",
                        exact::format_decimal(exact::q(avoided as i128) / exact::q(1_000_000), 3),
                        exact::format_decimal(exact::q(q as i128) / exact::q(1_000_000), 3),
                        allocated_to.as_deref().unwrap_or("the period's products"),
                        exact::format_decimal(footprint / exact::q(1_000_000), 3)
                    ),
                );
                return None;
            }
        }
        Some(AvoidedCertificate {
            id: op.id.clone(),
            date: op.date,
            basis: *basis,
            project: project.clone(),
            baseline: *baseline,
            actual: *actual,
            quantity: q,
            avoided,
            allocated_to: allocated_to.clone(),
        })
    }
}
