//! Definitions: accounts, items, assets, counterparties, periods (and closing them), targets, pools.

use super::state::{DefineError, Ledger};
use crate::chart::Account;
use crate::exact;
use crate::model::*;
use crate::units::Dimension;

impl Ledger {
    /// Adds a reduction target.
    pub fn add_target(&mut self, target: Target) -> Result<(), DefineError> {
        if self.targets.iter().any(|t| t.id == target.id) {
            return Err(DefineError(format!("target `{}` is already defined", target.id)));
        }
        // Both only under a recalculation policy, which compares the stated base year with the
        // ledger's own figure for that period.
        let both_allowed = target.recalculate_above.is_some() && target.baseline.is_some();
        if target.baseline.is_none() && target.baseline_period.is_none()
            || (target.baseline.is_some() && target.baseline_period.is_some() && !both_allowed)
        {
            return Err(DefineError(format!(
                "target `{}`: give either a baseline amount or a baseline period (both only with `recalculate-above`)",
                target.id
            )));
        }
        if target.year <= target.baseline_year {
            return Err(DefineError(format!("target `{}`: the target year comes after the baseline year", target.id)));
        }
        self.targets.push(target);
        Ok(())
    }

    /// Adds a mass-balance pool with its policy.
    pub fn add_pool(&mut self, policy: crate::coc::Policy) -> Result<(), DefineError> {
        if self.pools.contains_key(&policy.id) {
            return Err(DefineError(format!("pool `{}` is already defined", policy.id)));
        }
        if policy.period_months == 0 {
            return Err(DefineError(format!("pool `{}`: a period is at least one month", policy.id)));
        }
        if policy.conversion <= exact::q(0) {
            return Err(DefineError(format!("pool `{}`: the conversion factor must be positive", policy.id)));
        }
        if policy.groups.is_empty() {
            return Err(DefineError(format!("pool `{}` needs at least one product group", policy.id)));
        }
        if policy.claim.trim().is_empty() {
            return Err(DefineError(format!("pool `{}` must say which inventory its claims may enter", policy.id)));
        }
        self.pools.insert(policy.id.clone(), crate::coc::Pool::new(policy));
        Ok(())
    }

    pub fn add_account(&mut self, account: Account) -> Result<(), DefineError> {
        Ok(self.chart.add(account)?)
    }

    pub fn add_item(&mut self, item: Item) -> Result<(), DefineError> {
        if self.items.contains_key(&item.id) {
            return Err(DefineError(format!("item `{}` is already defined", item.id)));
        }
        if item.measure == Dimension::Volume {
            return Err(DefineError(format!(
                "item `{}`: quantities are held by mass or energy; give volumes with a density",
                item.id
            )));
        }
        // A physical property converts quantities: zero or negative would make stock vanish or
        // turn negative on conversion.
        let properties = [
            ("energy-content", &item.energy_content),
            ("volumetric energy", &item.volumetric_energy),
            ("density", &item.density),
        ];
        for (name, p) in properties {
            if p.as_ref().is_some_and(|p| p.value <= crate::exact::q(0)) {
                return Err(DefineError(format!("item `{}`: {name} must be positive", item.id)));
            }
        }
        if item.carbon_content.is_some_and(|c| c < crate::exact::q(0) || c > crate::exact::q(1)) {
            return Err(DefineError(format!("item `{}`: carbon content is a fraction from 0 to 1", item.id)));
        }
        // Every physical figure is non-negative (docs/ghg-inventory.md): a negative grid factor or
        // residual mix would make Scope 2 an emission removal.
        for (name, list) in [("grid-factor", &item.grid_factors), ("residual-mix", &item.residual_mix)] {
            if let Some(g) = list.iter().find(|g| g.factor.value < crate::exact::q(0)) {
                return Err(DefineError(format!("item `{}`: {name} {} is negative", item.id, g.factor)));
            }
        }
        let fates = [
            ("processing", item.fate.processing),
            ("use", item.fate.use_phase),
            ("end-of-life", item.fate.end_of_life),
        ];
        for (name, share) in fates {
            if share.is_some_and(|s| s < crate::exact::q(0) || s > crate::exact::q(1)) {
                return Err(DefineError(format!("item `{}`: the {name} share oxidised is between 0 and 1", item.id)));
            }
        }
        self.items.insert(item.id.clone(), item);
        Ok(())
    }

    pub fn add_asset(&mut self, asset: Asset) -> Result<(), DefineError> {
        if self.assets.contains_key(&asset.id) {
            return Err(DefineError(format!("asset `{}` is already defined", asset.id)));
        }
        if asset.life_months == 0 {
            return Err(DefineError(format!("asset `{}`: useful life must be at least one month", asset.id)));
        }
        self.assets.insert(asset.id.clone(), asset);
        Ok(())
    }

    /// Declares a site with its installation data. Refused: a second definition of the id, a
    /// country that is not two capital letters, a UN/LOCODE that is not the country's two letters
    /// and three letters or digits, coordinates off the globe, and a second `default` site.
    pub fn add_site(&mut self, site: Site) -> Result<(), DefineError> {
        let bad = |m: String| Err(DefineError(format!("site `{}`: {m}", site.id)));
        if self.sites.contains_key(&site.id) {
            return Err(DefineError(format!("site `{}` is already defined", site.id)));
        }
        if let Some(c) = &site.country {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return bad(format!("country `{c}` is not an ISO 3166-1 alpha-2 code such as DE"));
            }
        }
        if let Some(u) = &site.unlocode {
            let ok = u.len() == 5
                && u.bytes().take(2).all(|b| b.is_ascii_uppercase())
                && u.bytes().skip(2).all(|b| b.is_ascii_uppercase() || (b'2'..=b'9').contains(&b));
            if !ok {
                return bad(format!(
                    "UN/LOCODE `{u}` is not a country code and three letters or digits 2-9, such as DEHAM"
                ));
            }
            if site.country.as_deref().is_some_and(|c| !u.starts_with(c)) {
                return bad(format!("UN/LOCODE `{u}` is not in country `{}`", site.country.as_deref().unwrap_or("")));
            }
        }
        if let Some((lat, lon)) = site.coordinates {
            if exact::abs_q(lat) > exact::q(90) || exact::abs_q(lon) > exact::q(180) {
                return bad("coordinates are a latitude within ±90 and a longitude within ±180 degrees".into());
            }
        }
        if site.default {
            if let Some(other) = self.sites.values().find(|s| s.default) {
                return bad(format!("site `{}` is already the default site", other.id));
            }
        }
        self.sites.insert(site.id.clone(), site);
        Ok(())
    }

    pub fn add_counterparty(&mut self, cp: Counterparty) -> Result<(), DefineError> {
        if self.counterparties.contains_key(&cp.id) {
            return Err(DefineError(format!("counterparty `{}` is already defined", cp.id)));
        }
        if cp.id == self.entity.id {
            return Err(DefineError(format!(
                "counterparty `{}` is this entity: a company does not trade with itself",
                cp.id
            )));
        }
        self.counterparties.insert(cp.id.clone(), cp);
        Ok(())
    }

    pub fn add_period(&mut self, period: Period) -> Result<(), DefineError> {
        if period.end < period.start {
            return Err(DefineError(format!("period `{}` ends before it starts", period.id)));
        }
        if self.period(&period.id).is_some() {
            return Err(DefineError(format!("period `{}` is already defined", period.id)));
        }
        if let Some(o) = self.periods.iter().find(|p| p.start <= period.end && period.start <= p.end) {
            return Err(DefineError(format!("period `{}` overlaps period `{}`", period.id, o.id)));
        }
        self.periods.push(period);
        self.periods.sort_by_key(|p| p.start);
        Ok(())
    }

    /// Closes a period: it takes no more postings.
    pub fn close_period(&mut self, id: &str) -> Result<(), DefineError> {
        match self.periods.iter_mut().find(|p| p.id == id) {
            Some(p) if p.closed => Err(DefineError(format!("period `{id}` is already closed"))),
            Some(p) => {
                p.closed = true;
                Ok(())
            }
            None => Err(DefineError(format!("period `{id}` is not defined"))),
        }
    }
}
