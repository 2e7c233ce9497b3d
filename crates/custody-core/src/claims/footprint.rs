//! What is assessed: a product's footprint (with its ferrous inputs) and a claim made on it.

use super::framework::{ClaimKind, ScrapDefinition};
use crate::coc::CustodyModel;
use crate::exact::{self, Q};

/// Ferrous inputs of a product, for the scrap share: (mass in g, metallic fraction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FerrousInputs {
    pub scrap: Vec<(i64, Q)>,
    pub primary: Vec<(i64, Q)>,
}

impl FerrousInputs {
    pub fn share(&self, def: ScrapDefinition) -> Option<Q> {
        let sum = |v: &[(i64, Q)], metallic: bool| -> Q {
            v.iter().map(|(m, f)| Q::from_integer(*m as i128) * if metallic { *f } else { exact::q(1) }).sum()
        };
        let metallic = def == ScrapDefinition::MetallicInput;
        let s = sum(&self.scrap, metallic);
        let total = s + sum(&self.primary, metallic);
        (total > exact::q(0) && def != ScrapDefinition::None).then(|| s / total)
    }
}

/// What is assessed: a product's footprint in the framework's unit (tCO2e per tonne).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    pub product: String,
    pub material: String,
    /// Physical cradle-to-gate intensity, tCO2e per t.
    pub intensity: Q,
    pub ferrous: FerrousInputs,
    /// An explicit scrap share overrides the inputs (imported footprints).
    pub scrap_share: Option<Q>,
    /// Gases the footprint covers.
    pub gases: Vec<String>,
    /// What the boundary excludes that a framework may include (stated, not hidden).
    pub boundary_note: String,
    /// Product assessed, in g (sold in the period, from a ledger), if known.
    pub quantity: Option<i64>,
    /// Operations without emission data the product may hold (ids; `SELLER/OPERATION` for a
    /// supplier's): when any, the intensity is a lower bound and no level is reached.
    pub data_gaps: Vec<String>,
}

/// A claim made on top of the physical footprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub kind: ClaimKind,
    /// The intensity claimed for the product, tCO2e per t.
    pub claimed_intensity: Q,
    /// The pool's transfer boundary is one site (or batch or process).
    pub site_level: bool,
    /// Unknown (`None`) fails every check that needs it.
    pub non_proportional: Option<bool>,
    pub period_months: Option<u32>,
    /// The lowest intensity of any input that entered the pool (stacking line).
    pub lowest_input: Option<Q>,
    /// What the technology in operation delivers: the lowest eligible input's intensity.
    pub technology: Option<Q>,
    pub verified_by: Option<String>,
    pub baseline_disclosed: bool,
    pub model: Option<CustodyModel>,
    /// The items the claim is for (the claimed output's item, or the pool group's items); empty:
    /// the claim is stated on the assessed product itself (an imported footprint).
    pub items: Vec<String>,
    /// Product the claim covers, in g; `None`: all of the assessed product.
    pub quantity: Option<i64>,
    /// The residual factor the pool's unclaimed output carries, if the pool computes one: the
    /// product beyond the claimed quantity carries at least it.
    pub residual: Option<Q>,
    /// Pool inputs the claim rests on that were declared, not taken from a ledger (ids): shown in
    /// every verdict as such (issue 8: declared material is flagged wherever it is used).
    pub declared_inputs: Vec<String>,
    /// Set when the claim was read from a pool period still open (a received claim booked before
    /// the seller closed the period): what is provisional, shown in every verdict. The claimed
    /// parts stand; the residual changes with the seller's later claims until the period closes.
    pub provisional: Option<String>,
}
