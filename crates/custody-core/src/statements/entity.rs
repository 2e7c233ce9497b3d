//! Entity emissions (Figure 9 / Table ES-3).

use super::intensity::{BySpecies, GasBySpecies};
use super::scope::{effective_kind, Scope};
use crate::chart::Role;
use crate::ledger::Ledger;
use crate::model::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntityLineKind {
    DirectGross,
    CcsAbated,
    AttributedRawMaterials,
    AttributedElectricity,
    AttributedFuels,
    AttributedPpe,
    Transport,
}

impl EntityLineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityLineKind::DirectGross => "direct_gross",
            EntityLineKind::CcsAbated => "ccs_abated",
            EntityLineKind::AttributedRawMaterials => "attributed_raw_materials",
            EntityLineKind::AttributedElectricity => "attributed_electricity",
            EntityLineKind::AttributedFuels => "attributed_fuels",
            EntityLineKind::AttributedPpe => "attributed_ppe",
            EntityLineKind::Transport => "transport_of_products",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            EntityLineKind::DirectGross => "Direct emissions, gross",
            EntityLineKind::CcsAbated => "Abated via CCS (captured less capture process)",
            EntityLineKind::AttributedRawMaterials => "Attributed: raw materials",
            EntityLineKind::AttributedElectricity => "Attributed: electricity",
            EntityLineKind::AttributedFuels => "Attributed: fuels",
            EntityLineKind::AttributedPpe => "Attributed: plant, property and equipment (depreciation)",
            EntityLineKind::Transport => "Transport of products (FOD)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityEmissions {
    pub scope: Scope,
    pub lines: Vec<(EntityLineKind, BySpecies)>,
    /// The same lines as grams of gas, exact (stated figures as stated; see `GasBySpecies`).
    pub gas: BTreeMap<EntityLineKind, GasBySpecies>,
    /// Emissions capitalised in the period (shown, not counted: they enter through depreciation).
    pub capitalised: BySpecies,
    /// The same as grams of gas.
    pub capitalised_gas: GasBySpecies,
    pub instruments: Vec<Instrument>,
    /// Biogenic CO2 taken up by the materials bought in the period, grams of CO2 (zero or
    /// negative): reported beside the emissions, never netted against them.
    pub biogenic_uptake_gco2: i64,
}

pub fn entity_emissions(ledger: &Ledger, scope: &Scope) -> EntityEmissions {
    let chart = ledger.chart();
    let code = |r: Role| chart.by_role(r).code.clone();
    let (wip_direct, in_attr, ppe_dep) = (code(Role::WipDirect), code(Role::InAttributed), code(Role::PpeDepreciation));
    let mut lines: BTreeMap<EntityLineKind, BySpecies> = BTreeMap::new();
    let mut capitalised = BySpecies::new();
    let mut gas: BTreeMap<EntityLineKind, GasBySpecies> = BTreeMap::new();
    let mut capitalised_gas = GasBySpecies::new();
    let ratios = ledger.entity().ratios;
    let zero = || crate::exact::q(0);
    let mut biogenic_uptake_gco2 = 0i64;
    for tx in ledger.transactions().iter().filter(|t| scope.is_activity(t)) {
        let kind = effective_kind(ledger, tx);
        if let Some(g) = tx.meta.get(crate::ledger::BIOGENIC_META).and_then(|g| g.parse::<i64>().ok()) {
            biogenic_uptake_gco2 += super::scope::original(ledger, tx).1 * g;
        }
        for p in &tx.postings {
            // The line a posting counts on, and the sign it counts with (depreciation leaves PPE).
            let line = match (kind, p.dims.origin) {
                (TxKind::Emit, _) if p.account == wip_direct => Some((EntityLineKind::DirectGross, 1)),
                (TxKind::Capture, _) if p.account == wip_direct => Some((EntityLineKind::CcsAbated, 1)),
                (TxKind::Purchase, Some(Origin::RawMaterials)) if p.account == in_attr => {
                    Some((EntityLineKind::AttributedRawMaterials, 1))
                }
                (TxKind::Purchase, Some(Origin::Electricity)) if p.account == in_attr => {
                    Some((EntityLineKind::AttributedElectricity, 1))
                }
                (TxKind::Purchase, Some(Origin::Fuels)) if p.account == in_attr => {
                    Some((EntityLineKind::AttributedFuels, 1))
                }
                (TxKind::Depreciate, _) if p.account == ppe_dep => Some((EntityLineKind::AttributedPpe, -1)),
                (TxKind::Sell, Some(Origin::Transport)) if p.account == in_attr => Some((EntityLineKind::Transport, 1)),
                (TxKind::Capital, _) if p.account == in_attr => {
                    *capitalised.entry(p.species).or_default() += p.amount;
                    *capitalised_gas.entry(p.species).or_insert_with(zero) += p.gas_grams(ratios);
                    None
                }
                _ => None,
            };
            if let Some((k, sign)) = line {
                *lines.entry(k).or_default().entry(p.species).or_default() += sign * p.amount;
                let g = p.gas_grams(ratios) * crate::exact::q(sign as i128);
                *gas.entry(k).or_default().entry(p.species).or_insert_with(zero) += g;
            }
        }
    }
    for k in [
        EntityLineKind::DirectGross,
        EntityLineKind::CcsAbated,
        EntityLineKind::AttributedRawMaterials,
        EntityLineKind::AttributedElectricity,
        EntityLineKind::AttributedFuels,
        EntityLineKind::AttributedPpe,
        EntityLineKind::Transport,
    ] {
        lines.entry(k).or_default();
        gas.entry(k).or_default();
    }
    EntityEmissions {
        scope: scope.clone(),
        lines: lines.into_iter().collect(),
        capitalised,
        gas,
        capitalised_gas,
        biogenic_uptake_gco2,
        instruments: ledger
            .instruments()
            .iter()
            .filter(|i| i.date >= scope.start && i.date <= scope.end)
            .cloned()
            .collect(),
    }
}
