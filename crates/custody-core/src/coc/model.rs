//! Custody models and a pool's policy: attribute, method, attribution, output form, boundary,
//! carry-over.

use crate::exact::Q;
use crate::model::*;

named_enum!(
    /// ISO 22095 chain-of-custody models: what a buyer of a transfer may claim.
    CustodyModel {
        IdentityPreserved => "identity-preserved",
        Segregated => "segregated",
        ControlledBlending => "controlled-blending",
        MassBalance => "mass-balance",
        BookAndClaim => "book-and-claim",
    }
);

impl CustodyModel {
    /// Whether the claimed attribute is physically in the delivered material.
    pub fn physical(self) -> bool {
        matches!(self, CustodyModel::IdentityPreserved | CustodyModel::Segregated | CustodyModel::ControlledBlending)
    }

    /// Whether this model promises more than `other` (ISO 22095 ch. 5: identity-preserved >
    /// segregated > controlled-blending > mass-balance > book-and-claim, the declaration order
    /// above). Material never travels on under a stronger model than it came in with.
    pub fn stronger_than(self, other: CustodyModel) -> bool {
        self < other
    }
}

named_enum!(
    /// The eligible attribute a pool tracks.
    Attribute {
        LowEmissionIron => "low-emission-iron",
        GreenElectricity => "green-electricity",
        RecycledContent => "recycled-content",
        CertifiedMaterial => "certified-material",
        EmissionIntensity => "emission-intensity",
    }
);

named_enum!(Method { Percentage => "percentage", Credit => "credit" });
named_enum!(Attribution { Proportional => "proportional", NonProportional => "non-proportional" });
named_enum!(OutputForm {
    UpdatedFactor => "updated-factor",
    BundledCertificate => "bundled-certificate",
    UnbundledCertificate => "unbundled-certificate",
});
named_enum!(GroupKey { Mass => "mass", Energy => "energy", Carbon => "carbon" });

/// Transfer boundary: where inputs and outputs may be to share one pool.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Boundary {
    Batch(String),
    Process(String),
    Site(String),
    Sites(Vec<String>),
    /// The whole company: expressible, and flagged in every output.
    Company,
}

impl Boundary {
    pub fn describe(&self) -> String {
        match self {
            Boundary::Batch(b) => format!("batch {b}"),
            Boundary::Process(p) => format!("process {p}"),
            Boundary::Site(s) => format!("site {s}"),
            Boundary::Sites(s) => format!("sites {}", s.join(",")),
            Boundary::Company => "company".into(),
        }
    }

    /// Whether a flow at `site` (and `process`, `batch`) is inside the boundary.
    pub fn contains(&self, site: Option<&str>, process: Option<&str>, batch: Option<&str>) -> bool {
        match self {
            Boundary::Batch(b) => batch == Some(b.as_str()),
            Boundary::Process(p) => process == Some(p.as_str()),
            Boundary::Site(s) => site == Some(s.as_str()),
            Boundary::Sites(list) => site.is_some_and(|s| list.iter().any(|x| x == s)),
            Boundary::Company => true,
        }
    }
}

/// How much of a period's unclaimed balance may move to the next period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CarryOver {
    /// At most this share of the period's eligible inputs (after conversion).
    pub max_share: Q,
    /// A carried amount expires after this many further periods.
    pub max_periods: u32,
}

/// The seven decisions of a mass-balance pool, stored with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub attribute: Attribute,
    pub method: Method,
    /// 1. Input criteria: items that may enter as eligible.
    pub eligible: Vec<String>,
    /// 1. A benchmark intensity (g CO2e per g) an eligible input must not exceed: "controlled".
    pub benchmark: Option<Q>,
    /// 2. Temporal boundary: the first month and the period length.
    pub start: MonthIndex,
    pub period_months: u32,
    pub carry_over: Option<CarryOver>,
    /// 3. Transfer boundary.
    pub boundary: Boundary,
    /// 4. Allocation across product groups: group name and its items, and the physical key.
    pub groups: Vec<(String, Vec<String>)>,
    pub group_key: GroupKey,
    /// 5. Attribution within a group.
    pub attribution: Attribution,
    /// 6. Output.
    pub output: OutputForm,
    /// 7. Claim: which inventory the output may enter.
    pub claim: String,
    /// Output units of attribute per eligible input unit (base units: g or kJ).
    pub conversion: Q,
    /// The (product, attribute) dimensions a stated conversion such as `t/MWh` converts between;
    /// `None` for a plain number, which converts only within one dimension.
    pub conversion_dims: Option<(crate::units::Dimension, crate::units::Dimension)>,
    /// The third party that verifies the pool, if any.
    pub verified_by: Option<String>,
}

impl Policy {
    /// Warnings every output of the pool carries.
    pub fn flags(&self) -> Vec<String> {
        let mut f = Vec::new();
        if self.boundary == Boundary::Company {
            f.push("transfer boundary is the whole company: no physical link between inputs and outputs".into());
        }
        if let Boundary::Sites(s) = &self.boundary {
            if s.len() > 1 {
                f.push(format!("multi-site boundary ({} sites): low physical connectivity", s.len()));
            }
        }
        if self.period_months > 12 {
            f.push(format!("multi-year window ({} months)", self.period_months));
        }
        if self.attribution == Attribution::NonProportional {
            f.push("non-proportional attribution: chosen outputs carry a lower factor, the rest a residual".into());
        }
        f
    }

    /// The period index a date falls in (None before the pool starts).
    pub fn period_of(&self, date: Date) -> Option<u32> {
        let d = MonthIndex::of(date).0 - self.start.0;
        (d >= 0).then(|| (d as u32) / self.period_months)
    }

    /// First and last month of period `p`.
    pub fn period_months_of(&self, p: u32) -> (MonthIndex, MonthIndex) {
        let first = self.start.0 + (p * self.period_months) as i32;
        (MonthIndex(first), MonthIndex(first + self.period_months as i32 - 1))
    }

    pub fn group_of(&self, item: &str) -> Option<&str> {
        self.groups.iter().find(|(_, items)| items.iter().any(|i| i == item)).map(|(g, _)| g.as_str())
    }
}

/// One step of a period's stacking line: an eligible input, its factor per unit of output
/// (intensity / conversion) and the output it supports (quantity x conversion).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineStep {
    pub input: String,
    pub factor: Q,
    pub supports: Q,
}

impl Policy {
    /// The one dimension a pool counts its inputs in (every input of another is refused E009, so
    /// no share or credit adds tonnes to MWh): the attribute side of a stated cross-unit
    /// `conversion` (`t/MWh`: energy); else energy for green electricity (its unit is 1 MWh) and
    /// mass for every other attribute (1 t). Source: docs/custody.md "Units of the attribute".
    pub fn input_dimension(&self) -> crate::units::Dimension {
        use crate::units::Dimension;
        match (self.conversion_dims, self.attribute) {
            (Some((_, input)), _) => input,
            (None, Attribute::GreenElectricity) => Dimension::Energy,
            (None, _) => Dimension::Mass,
        }
    }

    /// The dimension a pool's outputs must have, when the policy fixes it: the product side of a
    /// stated cross-unit conversion, or the inputs' for an emission-intensity pool (a factor per t
    /// of input is one per t of output only in one measure). Otherwise the period's first
    /// output sets it.
    pub fn output_dimension(&self) -> Option<crate::units::Dimension> {
        match (self.conversion_dims, self.attribute) {
            (Some((output, _)), _) => Some(output),
            (None, Attribute::EmissionIntensity) => Some(self.input_dimension()),
            (None, _) => None,
        }
    }
}
