//! Planning transfers between ledgers: `receive` of another ledger's sale, `return` of a delivery.

use super::draft::{dims, inventory_roles, Draft};
use super::state::{Ledger, CUSTODY_META, TRANSFER_META};
use crate::chart::Role;
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Violations};

impl Ledger {
    pub(super) fn plan_receive(&self, op: &Op, r: &Receive, d: &mut Draft, v: &mut Violations) -> Option<()> {
        self.check_counterparty(&r.supplier, "supplier", v);
        if self.received.contains(&r.transfer) {
            v.push(Code::TransferInvalid, Some("transfer"), format!("transfer `{}` was already received", r.transfer));
        }
        let (Some(quantity), Some(_)) = (r.quantity, &r.supplier) else {
            v.push(
                Code::TransferInvalid,
                Some("transfer"),
                format!(
                    "transfer `{}` is not resolved: a registry fills its supplier, quantity and amounts",
                    r.transfer
                ),
            );
            return None;
        };
        let item = self.item_or(&r.item, "item", v)?;
        if let Some(m) = r.measure.filter(|m| *m != item.measure) {
            v.push(
                Code::UnitMismatch,
                Some("item"),
                format!(
                    "transfer `{}` is a quantity of {} and item `{}` is held by {}: no conversion between them",
                    r.transfer,
                    m.as_str(),
                    item.id,
                    item.measure.as_str()
                ),
            );
        }
        if quantity <= 0 {
            v.push(Code::QuantityNotPositive, Some("quantity"), "a transfer's quantity must be positive");
        }
        // The claimed view rides beside the physical booking: its parts cover the transfer exactly.
        if let Some(c) = &r.claim {
            let parts: i64 = c.lines.iter().map(|l| l.quantity).sum();
            if parts != quantity || c.lines.iter().any(|l| l.quantity <= 0) {
                v.push(
                    Code::TransferInvalid,
                    Some("claim"),
                    format!(
                        "transfer `{}`: the claim's parts ({parts}) are not the transfer's quantity ({quantity})",
                        r.transfer
                    ),
                );
            }
        }
        let (content_role, attributed_role) = inventory_roles(item.category);
        let lot = self.lot_for(item, &r.lot, &op.id);
        let origin = Origin::of_category(item.category).unwrap_or(Origin::RawMaterials);
        for (form, species, amount, gas) in &r.amounts {
            let (stock, flow, origin) = match form {
                TransferForm::Content => (content_role, Role::InContent, None),
                TransferForm::Emissions => (Some(attributed_role), Role::InAttributed, Some(origin)),
            };
            let Some(stock) = stock else {
                v.push(Code::ContentNotAllowed, Some("item"), format!("item `{}` cannot hold carbon content", item.id));
                continue;
            };
            let sd = dims(Some(&item.id), lot.as_deref(), &r.site, origin);
            d.post_gas(stock, *species, *amount, *gas, sd.clone());
            d.post_gas(flow, *species, *amount, *gas, Dims { counterparty: crate::name::opt(&r.supplier), ..sd });
        }
        d.movement(&item.id, &r.site, lot, quantity);
        d.meta.insert(TRANSFER_META.into(), r.transfer.clone());
        if let Some(m) = r.custody {
            d.meta.insert(CUSTODY_META.into(), m.as_str().into());
        }
        Some(())
    }

    pub(super) fn plan_return(&self, op: &Op, r: &Return, d: &mut Draft, v: &mut Violations) -> Option<()> {
        let Some(sale) = self.transaction(&r.sale).filter(|t| t.kind == TxKind::Sell) else {
            v.push(Code::TransferInvalid, Some("sale"), format!("`{}` is not a sale of this ledger", r.sale));
            return None;
        };
        if op.date < sale.date {
            v.push(
                Code::TransferInvalid,
                Some("sale"),
                format!("sale `{}` is of {}: nothing comes back before it went", r.sale, format_date(sale.date)),
            );
            return None;
        }
        let key = format!("{}{}", SOLD_TO_PREFIX, r.customer);
        let Some(quantity) = sale.meta.get(&key).and_then(|q| q.parse::<i64>().ok()) else {
            v.push(
                Code::TransferInvalid,
                Some("customer"),
                format!("sale `{}` sold nothing to `{}`", r.sale, r.customer),
            );
            return None;
        };
        if self.returned.contains(&(r.sale.clone(), r.customer.clone())) || self.reversed.contains(&r.sale) {
            v.push(
                Code::TransferInvalid,
                Some("sale"),
                format!("sale `{}` to `{}` was already undone", r.sale, r.customer),
            );
            return None;
        }
        // A bundled certificate follows the goods: while it is with the customer, the goods stay.
        if let Some(c) = self.bundled_out(&r.sale, Some(&r.customer)) {
            v.push(
                Code::CertificateUnavailable,
                Some("sale"),
                format!(
                    "certificate `{}` travels with sale `{}` and units of it are with `{}`: they come back first",
                    c.reference(),
                    r.sale,
                    r.customer
                ),
            );
            return None;
        }
        let item_id = sale.movements.first().map(|m| m.item.clone())?;
        let item = self.item_or(&item_id, "sale", v)?;
        let lot = self.lot_for(item, &None, &op.id);
        let (content_role, _) = inventory_roles(item.category);
        let out_content = &self.chart.by_role(Role::OutContent).code;
        for p in sale.postings.iter().filter(|p| p.dims.counterparty.as_deref() == Some(r.customer.as_str())) {
            let stock = if p.account == *out_content {
                content_role.unwrap_or(Role::ProductContent)
            } else {
                match p.dims.origin {
                    Some(Origin::Direct | Origin::Ccs) => Role::ProductDirect,
                    Some(Origin::Ppe) => Role::ProductDepreciation,
                    // Transport emissions of the refused delivery stay with the goods that came back.
                    _ => Role::ProductAttributed,
                }
            };
            let back = Dims { counterparty: None, lot: crate::name::opt(&lot), ..*p.dims };
            let gas = p.gas.map(|g| -g);
            d.post_gas(stock, p.species, -p.amount, gas, back);
            d.post_code_gas(&p.account, p.species, -p.amount, gas, *p.dims);
        }
        d.movement(&item.id, &crate::name::text(&sale.movements[0].site), lot, quantity);
        d.meta.insert(key, (-quantity).to_string());
        d.meta.insert("sale".into(), r.sale.clone());
        d.meta.insert("customer".into(), r.customer.clone());
        Some(())
    }
}
