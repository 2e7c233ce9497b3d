//! Typed operations: what a user asks the ledger to do. [`crate::Ledger::apply`] turns each into
//! one balanced transaction (or a rejection). Quantities stay as written ([`Measure`],
//! [`Intensity`], [`SpeciesMass`]) so that the ledger converts and rounds them exactly once.

use crate::exact::Q;
use crate::model::{Date, InstrumentKind, Movement, Posting, TxKind};
use crate::units::{Intensity, Measure, SpeciesMass};
use std::collections::BTreeMap;

/// An operation with its idempotency id and date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Op {
    pub id: String,
    pub date: Date,
    pub memo: String,
    pub body: Operation,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Operation {
    /// Inventory on hand when the ledger starts, with its carbon.
    Opening(Receipt),
    /// A purchase of an input, carrying its content and attributed emissions in.
    Purchase(Receipt),
    /// Construction or purchase emissions of an asset, capitalised in PPE.
    Capitalise(Capitalise),
    /// Inputs drawn into work in process.
    Consume(Consume),
    /// Direct emissions: WIP carbon content becomes emissions, by species.
    Emit(Emit),
    /// Capture and sequestration, sent to a storage operator, and the capture's own emissions.
    Capture(Capture),
    /// Work in process allocated to outputs.
    Produce(Produce),
    /// A period's straight-line depreciation of an asset, allocated to products.
    Depreciate(Depreciate),
    /// Sale of product to customers, with its footprint and the seller's transport emissions.
    Sell(Sell),
    /// Postings written by hand (experts, exports).
    Raw(Raw),
    /// A reversing entry for an earlier transaction.
    Reverse { of: String },
    /// A market instrument obtained; recorded beside the ledger, never in it.
    Obtain(Obtain),
    /// A transfer from another entity's ledger, booked with exactly the seller's amounts.
    Receive(Receive),
    /// A delivery refused by the customer: the sale's lines for that customer, undone.
    Return(Return),
    /// Goods sent back to the supplier they were bought from, valued at the holding's own share.
    SupplierReturn(SupplierReturn),
    /// Stock moved between two sites of the company, with its lot's own carbon.
    Move(Move),
    /// Chain of custody: pools, certificates, avoided-emission certificates (beside the ledger).
    Custody(CustodyOp),
}

/// Operations on pools and certificates. None of them posts to the physical ledger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CustodyOp {
    /// An input to a pool. With `operation` (a produce, purchase or receive of this ledger) the
    /// quantity (default: what the operation left unpooled) and the intensity come from the ledger;
    /// without it the input is declared material from outside the ledger.
    PoolInput {
        pool: String,
        item: String,
        operation: Option<String>,
        quantity: Option<Measure>,
        intensity: Option<Q>,
        site: Option<String>,
        process: Option<String>,
        batch: Option<String>,
    },
    /// An output of a pool; with `operation` (a produce of this ledger) its quantity comes from
    /// the ledger.
    PoolOutput {
        pool: String,
        item: String,
        operation: Option<String>,
        quantity: Option<Measure>,
        site: Option<String>,
        process: Option<String>,
        batch: Option<String>,
    },
    /// A claim on a pool: attribute units, and for intensity pools the factor. It names the
    /// pool output it is made for, or the sale (and customer, needed when the sale has several)
    /// it travels with: a sale of the pool group's item, inside the boundary and the period
    /// (issue 8; docs/custody.md "Claims travel with sales").
    PoolClaim {
        pool: String,
        output: Option<String>,
        quantity: Measure,
        factor: Option<Q>,
        sale: Option<String>,
        customer: Option<String>,
    },
    /// Closes a pool period (default: the period before the operation's date).
    PoolClose {
        pool: String,
        period: Option<u32>,
    },
    CertificateIssue {
        pool: String,
        certificate: String,
        units: i64,
        bundled_with: Option<String>,
        expires: Option<crate::model::Date>,
    },
    CertificateSplit {
        certificate: String,
        units: i64,
        first: String,
        rest: String,
    },
    CertificateTransfer {
        certificate: String,
        to: String,
    },
    /// A certificate transferred by another entity of the registry; the registry fills `block`
    /// from the sender's book.
    CertificateReceive {
        certificate: String,
        from: String,
        block: Option<crate::coc::CertificateBlock>,
    },
    CertificateRetire {
        certificate: String,
        beneficiary: String,
        purpose: String,
        claim_period: String,
    },
    CertificateCancel {
        certificate: String,
        reason: String,
    },
    CertificateExpire {
        certificate: String,
    },
    /// An avoided-emission certificate: (baseline - actual) x quantity, against a stated baseline.
    Avoided {
        project: String,
        basis: crate::coc::AvoidedBasis,
        baseline: Q,
        actual: Q,
        quantity: Measure,
        allocated_to: Option<String>,
    },
}

impl CustodyOp {
    pub fn name(&self) -> &'static str {
        match self {
            CustodyOp::PoolInput { .. } => "pool-input",
            CustodyOp::PoolOutput { .. } => "pool-output",
            CustodyOp::PoolClaim { .. } => "pool-claim",
            CustodyOp::PoolClose { .. } => "pool-close",
            CustodyOp::CertificateIssue { .. } => "certificate-issue",
            CustodyOp::CertificateSplit { .. } => "certificate-split",
            CustodyOp::CertificateTransfer { .. } => "certificate-transfer",
            CustodyOp::CertificateReceive { .. } => "certificate-receive",
            CustodyOp::CertificateRetire { .. } => "certificate-retire",
            CustodyOp::CertificateCancel { .. } => "certificate-cancel",
            CustodyOp::CertificateExpire { .. } => "certificate-expire",
            CustodyOp::Avoided { .. } => "avoided",
        }
    }
}

impl Operation {
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Opening(_) => "opening",
            Operation::Purchase(_) => "purchase",
            Operation::Capitalise(_) => "capitalise",
            Operation::Consume(_) => "consume",
            Operation::Emit(_) => "emit",
            Operation::Capture(_) => "capture",
            Operation::Produce(_) => "produce",
            Operation::Depreciate(_) => "depreciate",
            Operation::Sell(_) => "sell",
            Operation::Raw(_) => "txn",
            Operation::Reverse { .. } => "reverse",
            Operation::Obtain(_) => "obtain",
            Operation::Receive(_) => "receive",
            Operation::Return(_) | Operation::SupplierReturn(_) => "return",
            Operation::Move(_) => "move",
            Operation::Custody(c) => c.name(),
        }
    }
}

/// Carbon that arrives with an item: its quantity plus either the supplier's footprint
/// (`attributed`, `content`) or emission factors times quantity (`factors`), species by species.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    /// Biogenic CO2 taken up by the material, per quantity, as the supplier's footprint states
    /// it (PACT v3 `biogenicCarbonWithdrawal`): a removal, zero or negative, held beside the
    /// ledger and reported apart, never netted against fossil emissions.
    pub biogenic_uptake: Option<Intensity>,
    pub counterparty: Option<String>,
    pub item: String,
    pub quantity: Option<Measure>,
    pub lot: Option<String>,
    pub site: Option<String>,
    pub factors: Vec<Intensity>,
    pub attributed: Vec<SpeciesMass>,
    /// Carbon content as stated; without it, the item's carbon-content fraction times mass.
    pub content: Option<SpeciesMass>,
    /// The chain-of-custody model the supplier declared for this delivery.
    pub custody: Option<crate::coc::CustodyModel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Capitalise {
    pub asset: String,
    pub counterparty: Option<String>,
    pub site: Option<String>,
    pub amounts: Vec<SpeciesMass>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Use {
    pub item: String,
    pub quantity: Measure,
    pub lot: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Consume {
    pub site: Option<String>,
    pub uses: Vec<Use>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Emit {
    pub site: Option<String>,
    pub emissions: Vec<SpeciesMass>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Capture {
    pub site: Option<String>,
    pub operator: String,
    pub captured: Vec<SpeciesMass>,
    /// Emissions of the capture, transport and storage process itself.
    pub process: Vec<SpeciesMass>,
}

/// The physical or economic key that splits work in process across outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum AllocationKey {
    #[default]
    Mass,
    Energy,
    Carbon,
    Value,
}

impl AllocationKey {
    pub fn as_str(self) -> &'static str {
        match self {
            AllocationKey::Mass => "mass",
            AllocationKey::Energy => "energy",
            AllocationKey::Carbon => "carbon",
            AllocationKey::Value => "value",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "mass" => Some(AllocationKey::Mass),
            "energy" => Some(AllocationKey::Energy),
            "carbon" => Some(AllocationKey::Carbon),
            "value" => Some(AllocationKey::Value),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Output {
    pub item: String,
    pub quantity: Measure,
    /// Measured carbon content of the output.
    pub content: Option<SpeciesMass>,
    /// Economic value, for the `value` key (any currency, the same for all outputs).
    pub value: Option<Q>,
    /// Cut-off: the output keeps its carbon content and carries no emissions.
    pub cut_off: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Produce {
    pub site: Option<String>,
    pub key: AllocationKey,
    pub outputs: Vec<Output>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Depreciate {
    pub asset: String,
    pub site: Option<String>,
    /// Products receiving the depreciation, with weights.
    pub to: Vec<(String, Q)>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SaleLine {
    pub customer: String,
    /// Share of the sale's quantity; either this or `quantity`.
    pub share: Option<Q>,
    pub quantity: Option<Measure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Sell {
    pub item: String,
    pub site: Option<String>,
    pub lot: Option<String>,
    /// Total sold; without it, everything on hand.
    pub quantity: Option<Measure>,
    pub lines: Vec<SaleLine>,
    /// Transport intensities per unit delivered, booked by the seller (FOD) and passed on.
    pub transport: Vec<Intensity>,
    pub carrier: Option<String>,
    /// The chain-of-custody model the transfer declares; it decides what the buyer may claim.
    pub custody: Option<crate::coc::CustodyModel>,
}

/// A posted transaction written back as a raw operation (exports, stored transaction texts).
impl From<&crate::model::Transaction> for Raw {
    fn from(tx: &crate::model::Transaction) -> Raw {
        Raw {
            kind: tx.kind,
            description: String::new(),
            postings: tx.postings.clone(),
            movements: tx.movements.clone(),
            reverses: tx.reverses.clone(),
            meta: tx.meta.to_map(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Raw {
    pub kind: TxKind,
    pub description: String,
    pub postings: Vec<Posting>,
    pub movements: Vec<Movement>,
    pub reverses: Option<String>,
    pub meta: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Obtain {
    pub kind: InstrumentKind,
    /// Grams of CO2e, exact as written.
    pub co2e_grams: Q,
    pub counterparty: Option<String>,
    /// For an energy attribute certificate retired against Scope 2 consumption: its terms.
    pub eac: Option<EacTerms>,
}

/// What an energy attribute certificate conveys (Scope 2 Guidance ch. 7, Quality Criteria):
/// a unique serial, the energy it covers, its generation period, its market boundary and the
/// emission rate it carries; and the Scope 2 item it is retired against.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EacTerms {
    /// The issuing registry's serial: one serial is obtained once (E041).
    pub serial: String,
    /// The Scope 2 item of this ledger it is retired against.
    pub item: String,
    /// Energy covered.
    pub covers: crate::units::Measure,
    /// First and last day of generation.
    pub generated: (Date, Date),
    /// The market boundary it was issued in, as written (a grid or market region).
    pub boundary: String,
    /// The emission rate it conveys, per energy (`0 gCO2/kWh` for renewable generation).
    pub rate: crate::units::Intensity,
}

/// The form of carbon a transferred amount has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum TransferForm {
    Content,
    Emissions,
}

impl TransferForm {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferForm::Content => "content",
            TransferForm::Emissions => "emissions",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "content" => Some(TransferForm::Content),
            "emissions" => Some(TransferForm::Emissions),
            _ => None,
        }
    }
}

/// Identifies the transfer a sale made to one customer: `SELLER/SALE-ID/CUSTOMER`.
pub fn transfer_id(seller: &str, sale: &str, customer: &str) -> String {
    format!("{seller}/{sale}/{customer}")
}

/// The parts of a transfer id, `SELLER/SALE/CUSTOMER` (the inverse of [`transfer_id`]).
pub fn split_transfer_id(id: &str) -> Option<(&str, &str, &str)> {
    let mut parts = id.splitn(3, '/');
    Some((parts.next()?, parts.next()?, parts.next()?))
}

/// A transfer booked by the buyer. The registry fills `supplier`, `quantity` and `amounts` from
/// the seller's ledger before the ledger applies it; a receive without them is refused.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Receive {
    pub transfer: String,
    pub supplier: Option<String>,
    pub item: String,
    pub lot: Option<String>,
    pub site: Option<String>,
    /// Quantity in the seller's base unit (g or kJ).
    pub quantity: Option<i64>,
    /// What the seller's item is held by (mass or energy), filled by the registry with the
    /// quantity; a receive into an item held by another measure is refused (E009).
    pub measure: Option<crate::units::Dimension>,
    /// Exact amounts in base units (gC; grams of gas for N2O and SF6) by form and species, each
    /// with the gas as the seller stated it (`Posting::gas`) where the seller's postings kept one.
    pub amounts: Vec<(TransferForm, crate::units::Species, i64, Option<i64>)>,
    /// The chain-of-custody model the seller declared (filled by the registry).
    pub custody: Option<crate::coc::CustodyModel>,
    /// The seller's pool claim this transfer travels with: claimed and residual parts, filled by
    /// the registry from the seller's pool statement, recorded beside the physical booking.
    pub claim: Option<crate::coc::ReceivedClaim>,
    /// The data gaps the goods carry (filled by the registry from the sale): the seller's
    /// operations without emission data the goods may contain, as `SELLER/OPERATION` ids. The
    /// received stock carries them on (docs/journal.md "Missing is not zero").
    pub data_gaps: Vec<String>,
}

/// Goods sent back to a supplier: `quantity` of what `purchase` brought in, valued at the share of
/// the holding's carbon that quantity is (the lot's own for FIFO and specific lots, the average for
/// a moving-average stock), so a return never takes out more carbon than the stock holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupplierReturn {
    pub purchase: String,
    /// The supplier, if given: it must be the purchase's.
    pub supplier: Option<String>,
    pub quantity: Measure,
}

/// Stock moved from one site to another, lot by lot, carrying exactly the carbon the moved share
/// of each lot holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Move {
    pub item: String,
    pub lot: Option<String>,
    pub quantity: Measure,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The seller's side of a refused delivery.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Return {
    /// The sale transaction.
    pub sale: String,
    pub customer: String,
}
