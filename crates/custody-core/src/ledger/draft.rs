//! What planning writes into: the `Draft` of a transaction's postings, movements and meta, the
//! dimensions of a posting, and which inventory roles an item category books to.

use super::state::PosKey;
use crate::chart::{Chart, Role};
use crate::model::*;
use crate::units::{CarbonRatios, Species};

pub(super) fn inventory_roles(category: Category) -> (Option<Role>, Role) {
    match category {
        Category::RawMaterial => (Some(Role::RawContent), Role::RawAttributed),
        Category::Fuel => (Some(Role::FuelContent), Role::FuelAttributed),
        Category::Electricity => (None, Role::ElectricityAttributed),
        Category::Product => (Some(Role::ProductContent), Role::ProductAttributed),
        Category::Byproduct | Category::Waste => (Some(Role::ByproductContent), Role::ProductAttributed),
    }
}

/// Roles whose positions are inventory that consumption and sales draw from.
/// Roles of work in process: what a production allocates to its outputs.
pub(super) fn is_wip_role(role: Role) -> bool {
    matches!(role, Role::WipContent | Role::WipAttributed | Role::WipDirect)
}

pub(super) fn is_inventory_role(role: Role) -> bool {
    use Role::*;
    matches!(
        role,
        RawContent
            | RawAttributed
            | FuelContent
            | FuelAttributed
            | ElectricityAttributed
            | ProductContent
            | ProductAttributed
            | ProductDepreciation
            | ProductDirect
            | ByproductContent
    )
}

/// Builds a transaction's postings while an operation is planned.
pub(super) struct Draft<'a> {
    pub(super) chart: &'a Chart,
    pub(super) postings: Vec<Posting>,
    pub(super) movements: Vec<Movement>,
    pub(super) meta: Meta,
}

impl Draft<'_> {
    pub(super) fn post(&mut self, role: Role, species: Species, amount: i64, dims: Dims) {
        self.post_gas(role, species, amount, None, dims);
    }
    /// Posts an amount with its gas as stated (or its share of a stated figure).
    pub(super) fn post_gas(&mut self, role: Role, species: Species, amount: i64, gas: Option<i64>, dims: Dims) {
        let account = self.chart.by_role(role).code.clone();
        self.post_code_gas(&account, species, amount, gas, dims);
    }
    pub(super) fn post_code_gas(&mut self, account: &str, species: Species, amount: i64, gas: Option<i64>, dims: Dims) {
        if amount != 0 {
            let gas = gas.filter(|_| CarbonRatios::keeps_gas(species));
            self.postings.push(Posting { account: Name::new(account), species, amount, dims: dims.into(), gas });
        }
    }
    /// What this draft already posted to one position, in one pass: (base units, grams of gas,
    /// whether any of that gas was stated).
    pub(super) fn pending(&self, key: &PosKey, ratios: CarbonRatios) -> (i64, i64, bool) {
        let (mut amount, mut gas, mut stated) = (0i64, 0i64, false);
        for p in self.postings.iter().filter(|p| p.account == key.0 && p.species == key.1 && *p.dims == key.2) {
            amount += p.amount;
            stated |= p.gas.is_some();
            gas += p.gas.unwrap_or_else(|| ratios.gas_rounded(p.species, p.amount));
        }
        (amount, gas, stated)
    }
    /// Quantity this draft already moved for an item holding (draws within one operation see
    /// the stock as it changes, line by line and lot by lot).
    pub(super) fn pending_qty(&self, item: &str, site: &Option<String>, lot: &Option<String>) -> i64 {
        self.movements
            .iter()
            .filter(|m| m.item == item && m.site.as_deref() == site.as_deref() && m.lot.as_deref() == lot.as_deref())
            .map(|m| m.quantity)
            .sum()
    }
    pub(super) fn movement(&mut self, item: &str, site: &Option<String>, lot: Option<String>, quantity: i64) {
        if quantity != 0 {
            self.movements.push(Movement {
                item: Name::new(item),
                lot: crate::name::opt(&lot),
                site: crate::name::opt(site),
                quantity,
            });
        }
    }
}

pub(super) fn dims(item: Option<&str>, lot: Option<&str>, site: &Option<String>, origin: Option<Origin>) -> Dims {
    Dims {
        item: item.map(Name::new),
        lot: lot.map(Name::new),
        site: site.as_deref().map(Name::new),
        origin,
        counterparty: None,
    }
}
