//! Planning a raw `txn`: a manual correction by an expert, balanced postings on accounts that no
//! operation owns. A raw transaction cannot pose as an operation: its kind is `txn`, it reverses
//! nothing, carries no transfer, sale or custody metadata, and never posts to the accounts whose
//! amounts only operations may set (product stocks, work in process, outflows to customers and
//! sequestration, generated gases), so no product footprint and no transfer can be bent by hand.

use super::draft::Draft;
use super::state::{Ledger, CUSTODY_META, DATA_GAP_META, RETURNED_PURCHASE_META, TRANSFER_META};
use crate::chart::Role;
use crate::model::*;
use crate::ops::Raw;
use crate::reject::{Code, Violations};

/// Accounts a raw transaction may not touch: only operations set them. Every stock a footprint
/// is drawn from (inventory, work in process, products, PPE) is one of them, so a manual
/// correction can never lower what a product carries; nor are the boundary flows (what came in
/// from suppliers, by origin and counterparty; what went out), so no scope, category or supplier
/// of an inventory can be emptied by hand. A raw txn moves carbon between custom accounts.
fn operation_only(role: Role) -> bool {
    use Role::*;
    matches!(
        role,
        PpeAttributed
            | PpeDepreciation
            | RawContent
            | RawAttributed
            | FuelContent
            | FuelAttributed
            | ElectricityAttributed
            | WipContent
            | WipAttributed
            | WipDirect
            | ProductContent
            | ProductAttributed
            | ProductDepreciation
            | ProductDirect
            | ByproductContent
            | InGenerated
            | InContent
            | InAttributed
            | OutSequestered
            | OutContent
            | OutEmissions
    )
}

/// Every metadata key an operation writes: statements read them as facts the operation derived
/// (a transfer, a sale's customers, a biogenic uptake, a data gap, a production's closure), so a
/// raw txn may carry none of them (E035), nor any key starting with `sold_to.`. A test posts every
/// operation of the examples and the generated mill and checks each key it wrote is here.
pub const OPERATION_META: &[&str] = &[
    TRANSFER_META,
    CUSTODY_META,
    DATA_GAP_META,
    super::state::DATA_GAP_FROM_META,
    super::state::OPENING_AFTER_META,
    RETURNED_PURCHASE_META,
    super::purchase::BIOGENIC_META,
    "sale",
    "customer",
    "supplier",
    "allocation",
    "closure_gC",
    "measured_content_gC",
    "wip_content_gC",
    "months_in_service",
    "months_depreciated_before",
];

/// Whether `key` is written by operations only ([`OPERATION_META`], or `sold_to.*`).
pub fn is_operation_meta(key: &str) -> bool {
    OPERATION_META.contains(&key) || key.starts_with(SOLD_TO_PREFIX)
}

impl Ledger {
    pub(super) fn plan_raw(&self, r: &Raw, d: &mut Draft, v: &mut Violations) {
        if r.kind != TxKind::Raw {
            v.push(
                Code::RawNotAllowed,
                Some("kind"),
                format!("a raw txn is a manual correction (kind txn); write a {} as its operation", r.kind.as_str()),
            );
        }
        if let Some(t) = &r.reverses {
            v.push(Code::RawNotAllowed, Some("reverses"), format!("reverse `{t}` with `reverse`, not a raw txn"));
        }
        for key in r.meta.keys().filter(|k| is_operation_meta(k)) {
            v.push(Code::RawNotAllowed, Some("meta"), format!("meta `{key}` is set by operations only"));
        }
        if !r.movements.is_empty() {
            v.push(
                Code::RawNotAllowed,
                Some("move"),
                "quantities move with operations (purchase, consume, move, return), never by hand: a quantity without its carbon changes every footprint drawn from it",
            );
        }
        for p in &r.postings {
            if let Some(a) = self.chart.get(&p.account).filter(|a| operation_only(a.role)) {
                v.push(
                    Code::RawNotAllowed,
                    Some("post"),
                    format!(
                        "account `{}` is set by operations only (purchases, receives, production, sales, capture)",
                        a.code
                    ),
                );
            }
            if p.dims.counterparty.as_deref() == Some(self.entity.id.as_str()) {
                v.push(Code::SelfDealing, Some("post"), "a ledger has no counterparty of its own".to_string());
            }
        }
        d.postings = r.postings.clone();
        d.movements = r.movements.clone();
        d.meta = r.meta.clone().into();
    }
}
