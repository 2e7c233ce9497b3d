//! Operations as JSON: `{"op": "purchase", "id": "p1", "date": "2025-01-02", ...fields}`, one
//! variant per operation, mapped to the same core [`Op`] values the journal parser produces.
//! Quantities are strings as the journal writes them (`"100 t"`, `"0.5 tCO2/t"`, `"10 tCO2"`) and
//! are read by the same `custody_core::units` parsers, so they stay exact; ids are checked with
//! `custody_core::id::check_ref` as the parser checks them. Operations without a JSON form yet
//! (`txn`, the chain-of-custody directives) are posted as journal text.

pub use super::fields::OpError;
use super::fields::{
    choice, co2e, custody, decimal, err, id, intensities, masses, measure, non_empty, opt_id, opt_measure, receipt,
    species_mass,
};
use custody_core::exact;
use custody_core::model::{parse_date, InstrumentKind};
use custody_core::ops::*;
use serde::Deserialize;
use utoipa::ToSchema;

/// The operations that have a JSON form (the `op` values).
pub const JSON_OPS: &[&str] = &[
    "opening",
    "purchase",
    "capitalise",
    "consume",
    "emit",
    "capture",
    "produce",
    "depreciate",
    "sell",
    "reverse",
    "obtain",
    "receive",
    "return",
    "move",
];

/// Journal operations with no JSON form: post them as journal text.
pub const TEXT_ONLY_OPS: &[&str] = &[
    "txn",
    "pool-input",
    "pool-output",
    "pool-claim",
    "pool-close",
    "certificate-issue",
    "certificate-split",
    "certificate-transfer",
    "certificate-receive",
    "certificate-retire",
    "certificate-cancel",
    "certificate-expire",
    "avoided",
];

macro_rules! operations {
    ($( $(#[$vm:meta])* $variant:ident { $( $(#[$fm:meta])* $field:ident : $ty:ty, )* } )*) => {
        /// One operation in JSON. Every operation has `op`, `id` (an id, or ids joined by `/`),
        /// `date` (YYYY-MM-DD) and an optional `memo`; the other fields are the journal's lines
        /// of the same name (docs/journal.md), repeated lines as lists.
        #[derive(Debug, Deserialize, ToSchema)]
        #[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
        pub enum JsonOperation {
            $( $(#[$vm])* $variant {
                /// The operation's idempotency id.
                id: String,
                /// YYYY-MM-DD.
                date: String,
                /// A note kept with the operation (the journal's quoted text after the id).
                #[serde(default)]
                memo: String,
                $( $(#[$fm])* $field: $ty, )*
            }, )*
        }

        impl JsonOperation {
            /// (op, id, date, memo).
            fn head(&self) -> (&str, &str, &str) {
                match self {
                    $( JsonOperation::$variant { id, date, memo, .. } => (id, date, memo), )*
                }
            }
        }
    };
}

operations! {
    /// Inventory on hand when the ledger starts.
    Opening {
        item: String,
        /// e.g. `"100 t"`.
        quantity: Option<String>,
        lot: Option<String>,
        site: Option<String>,
        /// Emission factors per unit, e.g. `"5 kgCO2/t"`.
        #[serde(default)]
        factors: Vec<String>,
        /// The supplier's attributed emissions, e.g. `"1 tCO2"`.
        #[serde(default)]
        attributed: Vec<String>,
        /// Carbon content as stated, e.g. `"3 tC"`.
        content: Option<String>,
        /// A chain-of-custody model (identity-preserved, segregated, controlled-blending, mass-balance, book-and-claim).
        custody: Option<String>,
    }
    /// A purchase of an input.
    Purchase {
        supplier: Option<String>,
        item: String,
        quantity: Option<String>,
        lot: Option<String>,
        site: Option<String>,
        #[serde(default)]
        factors: Vec<String>,
        #[serde(default)]
        attributed: Vec<String>,
        content: Option<String>,
        custody: Option<String>,
        /// Biogenic CO2 uptake per quantity, zero or negative, e.g. `"-1.5 kgCO2/L"`.
        biogenic_uptake: Option<String>,
    }
    /// Construction or purchase emissions of an asset.
    Capitalise {
        asset: String,
        counterparty: Option<String>,
        site: Option<String>,
        /// e.g. `"120 tCO2"`.
        #[serde(default)]
        amounts: Vec<String>,
    }
    /// Inputs drawn into work in process.
    Consume {
        site: Option<String>,
        uses: Vec<JsonUse>,
    }
    /// Direct emissions, e.g. `["10 tCO2", "2 kgCH4"]`.
    Emit {
        site: Option<String>,
        emissions: Vec<String>,
    }
    /// Capture and sequestration sent to a storage operator.
    Capture {
        site: Option<String>,
        operator: String,
        #[serde(default)]
        captured: Vec<String>,
        /// Emissions of the capture process itself.
        #[serde(default)]
        process: Vec<String>,
    }
    /// Work in process allocated to outputs.
    Produce {
        site: Option<String>,
        /// mass (default), energy, carbon or value.
        allocation: Option<String>,
        outputs: Vec<JsonOutput>,
    }
    /// A period's depreciation of an asset, allocated to products.
    Depreciate {
        asset: String,
        site: Option<String>,
        to: Vec<JsonTarget>,
    }
    /// A sale to customers.
    Sell {
        item: String,
        site: Option<String>,
        lot: Option<String>,
        /// Total sold; without it, everything on hand.
        quantity: Option<String>,
        customers: Vec<JsonSaleLine>,
        /// Transport intensities per unit delivered, e.g. `"20 kgCO2/t"`.
        #[serde(default)]
        transport: Vec<String>,
        carrier: Option<String>,
        custody: Option<String>,
    }
    /// A reversing entry for an earlier transaction.
    Reverse {
        of: String,
    }
    /// A market instrument obtained (recorded beside the ledger).
    Obtain {
        /// removal or eac.
        instrument: String,
        /// e.g. `"100 tCO2e"` (gCO2e, kgCO2e or tCO2e).
        quantity: String,
        counterparty: Option<String>,
    }
    /// A transfer from another entity's ledger; the registry fills the seller's exact amounts.
    Receive {
        /// SELLER/SALE/CUSTOMER.
        transfer: String,
        item: String,
        supplier: Option<String>,
        lot: Option<String>,
        site: Option<String>,
        custody: Option<String>,
    }
    /// A delivery refused by a customer (`sale` and `customer`), or goods sent back to a supplier
    /// (`purchase`, `quantity`, optional `supplier`).
    Return {
        sale: Option<String>,
        customer: Option<String>,
        purchase: Option<String>,
        supplier: Option<String>,
        quantity: Option<String>,
    }
    /// Stock moved between two sites.
    Move {
        item: String,
        lot: Option<String>,
        quantity: String,
        from: Option<String>,
        to: Option<String>,
    }
}

/// An input drawn by `consume`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonUse {
    pub item: String,
    pub quantity: String,
    pub lot: Option<String>,
}

/// An output of `produce`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonOutput {
    pub item: String,
    pub quantity: String,
    /// Measured carbon content, e.g. `"3 tC"`.
    pub content: Option<String>,
    /// Economic value, for the `value` key (a decimal string).
    pub value: Option<String>,
    /// The output keeps its carbon content and carries no emissions.
    #[serde(default)]
    pub cut_off: bool,
}

/// A product receiving depreciation, with its weight (a decimal string, default 1).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonTarget {
    pub product: String,
    pub weight: Option<String>,
}

/// A customer of a sale, with a `share` (e.g. `"48.1%"`) or a `quantity`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonSaleLine {
    pub customer: String,
    pub share: Option<String>,
    pub quantity: Option<String>,
}

impl JsonOperation {
    /// The operation's id as given.
    pub fn id(&self) -> &str {
        self.head().0
    }

    /// The core operation, checked as the journal parser checks the same lines.
    pub fn into_op(self) -> Result<Op, OpError> {
        let (op_id, date, memo) = self.head();
        let op_id = id("id", op_id.to_string())?;
        let Some(date) = parse_date(date) else {
            return err("date", format!("`date`: `{date}` is not a date YYYY-MM-DD"));
        };
        let memo = memo.to_string();
        let body = match self {
            JsonOperation::Opening { item, quantity, lot, site, factors, attributed, content, custody, .. } => {
                Operation::Opening(receipt(None, item, quantity, lot, site, factors, attributed, content, custody)?)
            }
            JsonOperation::Purchase {
                supplier,
                item,
                quantity,
                lot,
                site,
                factors,
                attributed,
                content,
                custody,
                biogenic_uptake,
                ..
            } => {
                let mut r = receipt(supplier, item, quantity, lot, site, factors, attributed, content, custody)?;
                r.biogenic_uptake = intensities("biogenic_uptake", biogenic_uptake.as_slice())?.into_iter().next();
                Operation::Purchase(r)
            }
            JsonOperation::Capitalise { asset, counterparty, site, amounts, .. } => Operation::Capitalise(Capitalise {
                asset: id("asset", asset)?,
                counterparty: opt_id("counterparty", counterparty)?,
                site: opt_id("site", site)?,
                amounts: masses("amounts", &amounts)?,
            }),
            JsonOperation::Consume { site, uses, .. } => {
                let uses = uses
                    .into_iter()
                    .map(|u| {
                        Ok(Use {
                            item: id("uses.item", u.item)?,
                            quantity: measure("uses.quantity", &u.quantity)?,
                            lot: opt_id("uses.lot", u.lot)?,
                        })
                    })
                    .collect::<Result<Vec<_>, OpError>>()?;
                Operation::Consume(Consume { site: opt_id("site", site)?, uses: non_empty("uses", "consume", uses)? })
            }
            JsonOperation::Emit { site, emissions, .. } => Operation::Emit(Emit {
                site: opt_id("site", site)?,
                emissions: non_empty("emissions", "emit", masses("emissions", &emissions)?)?,
            }),
            JsonOperation::Capture { site, operator, captured, process, .. } => Operation::Capture(Capture {
                site: opt_id("site", site)?,
                operator: id("operator", operator)?,
                captured: masses("captured", &captured)?,
                process: masses("process", &process)?,
            }),
            JsonOperation::Produce { site, allocation, outputs, .. } => {
                let outputs = outputs
                    .into_iter()
                    .map(|o| {
                        Ok(Output {
                            item: id("outputs.item", o.item)?,
                            quantity: measure("outputs.quantity", &o.quantity)?,
                            content: o.content.map(|c| species_mass("outputs.content", &c)).transpose()?,
                            value: o.value.map(|v| decimal("outputs.value", &v)).transpose()?,
                            cut_off: o.cut_off,
                        })
                    })
                    .collect::<Result<Vec<_>, OpError>>()?;
                Operation::Produce(Produce {
                    site: opt_id("site", site)?,
                    key: choice("allocation", allocation, "mass, energy, carbon, value", AllocationKey::parse)?
                        .unwrap_or_default(),
                    outputs: non_empty("outputs", "produce", outputs)?,
                })
            }
            JsonOperation::Depreciate { asset, site, to, .. } => {
                let to = to
                    .into_iter()
                    .map(|t| {
                        let w = t.weight.map(|w| decimal("to.weight", &w)).transpose()?.unwrap_or_else(|| exact::q(1));
                        Ok((id("to.product", t.product)?, w))
                    })
                    .collect::<Result<Vec<_>, OpError>>()?;
                Operation::Depreciate(Depreciate {
                    asset: id("asset", asset)?,
                    site: opt_id("site", site)?,
                    to: non_empty("to", "depreciate", to)?,
                })
            }
            JsonOperation::Sell { item, site, lot, quantity, customers, transport, carrier, custody: c, .. } => {
                let lines = customers
                    .into_iter()
                    .map(|l| {
                        let customer = id("customers.customer", l.customer)?;
                        match (l.share, l.quantity) {
                            (Some(s), None) => {
                                Ok(SaleLine { customer, share: Some(decimal("customers.share", &s)?), quantity: None })
                            }
                            (None, Some(q)) => Ok(SaleLine {
                                customer,
                                share: None,
                                quantity: Some(measure("customers.quantity", &q)?),
                            }),
                            _ => err(
                                "customers",
                                format!("customer `{customer}` needs a `share` or a `quantity`, not both"),
                            ),
                        }
                    })
                    .collect::<Result<Vec<_>, OpError>>()?;
                Operation::Sell(Sell {
                    item: id("item", item)?,
                    site: opt_id("site", site)?,
                    lot: opt_id("lot", lot)?,
                    quantity: opt_measure("quantity", quantity)?,
                    lines: non_empty("customers", "sell", lines)?,
                    transport: intensities("transport", &transport)?,
                    carrier: opt_id("carrier", carrier)?,
                    custody: custody(c)?,
                })
            }
            JsonOperation::Reverse { of, .. } => Operation::Reverse { of: id("of", of)? },
            JsonOperation::Obtain { instrument, quantity, counterparty, .. } => Operation::Obtain(Obtain {
                kind: choice("instrument", Some(instrument), "removal, eac", InstrumentKind::parse)?.expect("given"),
                co2e_grams: co2e(&quantity)?,
                counterparty: opt_id("counterparty", counterparty)?,
                // Certificate terms are journal syntax only (docs/ghg-inventory.md).
                eac: None,
            }),
            JsonOperation::Receive { transfer, item, supplier, lot, site, custody: c, .. } => {
                Operation::Receive(Receive {
                    transfer: id("transfer", transfer)?,
                    item: id("item", item)?,
                    supplier: opt_id("supplier", supplier)?,
                    lot: opt_id("lot", lot)?,
                    site: opt_id("site", site)?,
                    custody: custody(c)?,
                    ..Receive::default()
                })
            }
            JsonOperation::Return { sale, customer, purchase, supplier, quantity, .. } => match purchase {
                Some(purchase) => {
                    if sale.is_some() || customer.is_some() {
                        return err(
                            "purchase",
                            "a return names a `purchase` (to a supplier) or a `sale` and `customer`, not both".into(),
                        );
                    }
                    let Some(quantity) = quantity else {
                        return err("quantity", "a return to a supplier needs a `quantity`".into());
                    };
                    Operation::SupplierReturn(SupplierReturn {
                        purchase: id("purchase", purchase)?,
                        supplier: opt_id("supplier", supplier)?,
                        quantity: measure("quantity", &quantity)?,
                    })
                }
                None => {
                    if supplier.is_some() || quantity.is_some() {
                        return err(
                            "purchase",
                            "`supplier` and `quantity` go with a return to a supplier: name its `purchase`".into(),
                        );
                    }
                    let (Some(sale), Some(customer)) = (sale, customer) else {
                        return err("sale", "a refused delivery needs a `sale` and a `customer`".into());
                    };
                    Operation::Return(Return { sale: id("sale", sale)?, customer: id("customer", customer)? })
                }
            },
            JsonOperation::Move { item, lot, quantity, from, to, .. } => Operation::Move(Move {
                item: id("item", item)?,
                lot: opt_id("lot", lot)?,
                quantity: measure("quantity", &quantity)?,
                from: opt_id("from", from)?,
                to: opt_id("to", to)?,
            }),
        };
        Ok(Op { id: op_id, date, memo, body })
    }
}
