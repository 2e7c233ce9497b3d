//! Transfers between entities of one registry: a sale to a customer that is itself an entity is a
//! transfer, which the customer books once with exactly the seller's amounts (mirror entries), or
//! refuses (the seller books a return). Transfers are derived from the journals, never stored
//! apart from them, so they cannot drift from the books.

use crate::registry::SubmitError;
use crate::{Registry, Store};
use custody_core::chart::Role;
use custody_core::model::TxKind;
use custody_core::ops::{split_transfer_id, transfer_id, Receive, TransferForm};
use custody_core::statements::SOLD_TO_PREFIX;
use custody_core::units::Species;
use custody_core::Ledger;
use std::collections::BTreeMap;

pub use crate::transfer_model::{Amounts, Transfer, TransferStatus};

/// Whether the pool claim the buyer booked with a transfer is the one the seller gives its sale
/// (`now`: read from the seller's pool, or the view a seller on another server delivered): the
/// claimed parts (pool, period, claim ids, quantities, factors) always, and every part once the
/// buyer booked it from a closed pool period (an open period's residual is provisional).
fn same_claim(buyer: &Ledger, transfer: &str, now: Option<&custody_core::coc::ReceivedClaim>) -> bool {
    let receive = buyer.transactions().iter().find(|t| {
        t.kind == TxKind::Receive
            && t.meta.get(custody_core::ledger::TRANSFER_META).map(String::as_str) == Some(transfer)
    });
    let booked = receive.and_then(|r| buyer.recorded_claim(&r.id));
    let claimed = |c: &custody_core::coc::ReceivedClaim| {
        let parts: Vec<_> = c.lines.iter().filter(|l| l.claim.is_some()).cloned().collect();
        (c.pool.clone(), c.period, parts)
    };
    match (booked, now) {
        (None, None) => true,
        (Some(b), Some(n)) if b.closed => b.lines == n.lines && claimed(b) == claimed(n),
        (Some(b), Some(n)) => claimed(b) == claimed(n),
        _ => false,
    }
}

/// Whether a receive's typed amounts are the seller's: the same carbon, and the same stated gas
/// wherever the receive states one (a journal written before gas was kept states none).
fn same_amounts(given: &Amounts, sent: &Amounts) -> bool {
    given.len() == sent.len()
        && given.iter().zip(sent).all(|(g, s)| (g.0, g.1, g.2) == (s.0, s.1, s.2) && (g.3.is_none() || g.3 == s.3))
}

/// Sums postings into transfer amounts: carbon, and the gas beside it when any posting stated one
/// (the others converted and rounded once).
fn sum_amounts<'a>(
    ledger: &Ledger,
    postings: impl Iterator<Item = (TransferForm, &'a custody_core::model::Posting)>,
    sign: i64,
) -> Amounts {
    let ratios = ledger.entity().ratios;
    let mut m: BTreeMap<(TransferForm, Species), (i64, i64, bool)> = BTreeMap::new();
    for (form, p) in postings {
        let e = m.entry((form, p.species)).or_default();
        e.0 += sign * p.amount;
        e.1 += sign * p.gas.unwrap_or_else(|| ratios.gas_rounded(p.species, p.amount));
        e.2 |= p.gas.is_some();
    }
    m.into_iter()
        .filter(|(_, (a, _, _))| *a != 0)
        .map(|((f, s), (a, g, stated))| (f, s, a, stated.then_some(g)))
        .collect()
}

/// One transfer with both sides, for reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    pub transfer: Transfer,
    /// What the buyer booked in, by form and species (empty unless received).
    pub received: Amounts,
    /// The buyer booked other amounts than the seller sent.
    pub mismatch: bool,
}

/// The transfers a seller's ledger made to `buyer` (or to any entity in `entities`).
pub fn sales_of(seller_id: &str, seller: &Ledger, entities: &[String]) -> Vec<Transfer> {
    let out_content = seller.chart().by_role(Role::OutContent).code.clone();
    let out_emissions = seller.chart().by_role(Role::OutEmissions).code.clone();
    let mut out = Vec::new();
    for tx in seller.transactions().iter().filter(|t| t.kind == TxKind::Sell && !seller.is_reversed(&t.id)) {
        for (key, q) in &tx.meta {
            let Some(customer) = key.strip_prefix(SOLD_TO_PREFIX) else { continue };
            if !entities.iter().any(|e| e == customer) {
                continue;
            }
            let forms =
                tx.postings.iter().filter(|p| p.dims.counterparty.as_deref() == Some(customer)).filter_map(|p| {
                    if p.account == out_content {
                        Some((TransferForm::Content, p))
                    } else if p.account == out_emissions {
                        Some((TransferForm::Emissions, p))
                    } else {
                        None
                    }
                });
            let amounts = sum_amounts(seller, forms, -1);
            // The gaps travel with the goods, named by the operation that booked each one.
            let data_gaps = custody_core::ledger::gaps_named(tx)
                .map(|g| if g.contains('/') { g.to_string() } else { format!("{seller_id}/{g}") })
                .collect();
            out.push(Transfer {
                data_gaps,
                id: transfer_id(seller_id, &tx.id, customer),
                seller: seller_id.to_string(),
                sale: tx.id.clone(),
                buyer: customer.to_string(),
                item: tx.movements.first().map(|m| m.item.to_string()).unwrap_or_default(),
                date: tx.date,
                quantity: q.parse().unwrap_or(0),
                measure: tx.movements.first().and_then(|m| seller.item(&m.item)).map(|i| i.measure),
                amounts,
                custody: tx
                    .meta
                    .get(custody_core::ledger::CUSTODY_META)
                    .and_then(|m| custody_core::coc::CustodyModel::parse(m)),
                status: if seller.has_returned(&tx.id, customer) {
                    TransferStatus::Returned
                } else {
                    TransferStatus::Pending
                },
            });
        }
    }
    out
}

/// What a buyer's receive booked, by form and species.
fn booked(buyer: &Ledger, transfer: &str) -> Amounts {
    let in_content = buyer.chart().by_role(Role::InContent).code.clone();
    let in_attributed = buyer.chart().by_role(Role::InAttributed).code.clone();
    let postings = buyer
        .transactions()
        .iter()
        .filter(|t| {
            t.kind == TxKind::Receive
                && t.meta.get(custody_core::ledger::TRANSFER_META).map(String::as_str) == Some(transfer)
        })
        .flat_map(|tx| tx.postings.iter())
        .filter_map(|p| {
            if p.account == in_content {
                Some((TransferForm::Content, p))
            } else if p.account == in_attributed {
                Some((TransferForm::Emissions, p))
            } else {
                None
            }
        });
    sum_amounts(buyer, postings, 1)
}

impl<S: Store> Registry<S> {
    /// Every transfer between entities of this registry, seen from both sides.
    pub async fn reconcile(&self) -> Result<Vec<Reconciliation>, SubmitError> {
        let ids = self.store().entity_ids().await?;
        let mut ledgers = BTreeMap::new();
        for id in &ids {
            ledgers.insert(id.clone(), self.ledger(id).await?);
        }
        let mut rows = Vec::new();
        for (seller_id, seller) in &ledgers {
            for mut t in sales_of(seller_id, seller, &ids) {
                let buyer = &ledgers[&t.buyer];
                let received = booked(buyer, &t.id);
                if buyer.has_received(&t.id) {
                    t.status = TransferStatus::Received;
                }
                let mismatch = match t.status {
                    TransferStatus::Received => {
                        received != t.amounts
                            || !same_claim(buyer, &t.id, seller.claim_view(&t.sale, &t.buyer).as_ref())
                    }
                    // Booked by a buyer although it was returned, or booked nothing yet.
                    TransferStatus::Returned | TransferStatus::Pending => !received.is_empty(),
                };
                rows.push(Reconciliation { transfer: t, received, mismatch });
            }
        }
        // Sales a buyer on another server returned (`delivered_return`): `returned`, nothing received.
        for (seller_id, seller) in &ledgers {
            for (id, _) in self.store().records(seller_id, crate::delivered::RETURNED).await? {
                let far = split_transfer_id(&id).map(|(_, _, b)| b.to_string()).filter(|b| !ledgers.contains_key(b));
                let sold = far.and_then(|b| sales_of(seller_id, seller, &[b]).into_iter().find(|t| t.id == id));
                if let Some(t) = sold.filter(|t| t.status == TransferStatus::Returned) {
                    rows.push(Reconciliation { transfer: t, received: Vec::new(), mismatch: false });
                }
            }
        }
        // Transfers delivered from sellers on other servers, compared with what the buyer booked.
        for (buyer_id, buyer) in &ledgers {
            let back = crate::delivered::returned_here(self.store(), buyer_id).await?;
            for mut t in crate::delivered::delivered(self.store(), buyer_id).await? {
                if ledgers.contains_key(&t.seller) {
                    continue;
                }
                let received = booked(buyer, &t.id);
                if buyer.has_received(&t.id) {
                    t.status = TransferStatus::Received;
                } else if back.contains(&t.id) {
                    t.status = TransferStatus::Returned;
                }
                let sent = crate::delivered::delivered_claim(self.store(), buyer_id, &t.id).await?;
                let mismatch = match t.status {
                    TransferStatus::Received => received != t.amounts || !same_claim(buyer, &t.id, sent.as_ref()),
                    TransferStatus::Returned | TransferStatus::Pending => !received.is_empty(),
                };
                rows.push(Reconciliation { transfer: t, received, mismatch });
            }
        }
        Ok(rows)
    }

    /// Transfers addressed to or sent by `entity`.
    pub async fn transfers(&self, entity: &str) -> Result<Vec<Transfer>, SubmitError> {
        Ok(self
            .reconcile()
            .await?
            .into_iter()
            .map(|r| r.transfer)
            .filter(|t| t.buyer == entity || t.seller == entity)
            .collect())
    }

    /// Fills a receive from the seller's ledger: supplier, quantity, the exact amounts and the
    /// seller's chain-of-custody model. Refuses a transfer never sent, addressed to another
    /// entity, or already returned, and a receive stating other amounts or another model. A
    /// transfer another tenant's book does not hold is answered like one from no entity at all.
    pub(crate) async fn resolve_receive(
        &self,
        buyer: &str,
        r: &Receive,
        date: custody_core::model::Date,
    ) -> Result<Receive, String> {
        let Some((seller, _, customer)) = split_transfer_id(&r.transfer) else {
            return Err(format!("`{}` is not a transfer id (SELLER/SALE/CUSTOMER)", r.transfer));
        };
        if customer != buyer {
            return Err(format!("transfer `{}` is addressed to `{customer}`, not `{buyer}`", r.transfer));
        }
        let never_sent = || format!("transfer `{}` was never sent to `{buyer}`", r.transfer);
        let t = self.sent_to(seller, buyer, &r.transfer).await?.ok_or_else(never_sent)?;
        if t.status == TransferStatus::Returned {
            return Err(format!("transfer `{}` was refused and returned to `{seller}`", r.transfer));
        }
        if date < t.date {
            return Err(format!(
                "transfer `{}` was sold on {}: it is not received before it was sold",
                r.transfer,
                custody_core::model::format_date(t.date)
            ));
        }
        if r.custody.is_some_and(|m| Some(m) != t.custody) {
            return Err(format!(
                "transfer `{}`: the custody model is the seller's, {}; the receive states {}",
                r.transfer,
                t.custody.map(|m| m.as_str()).unwrap_or("none"),
                r.custody.map(|m| m.as_str()).unwrap_or("none")
            ));
        }
        // The claimed view travels with the sale: read from the seller's pool, never typed.
        let sale = t.sale.clone();
        // Already received (an idempotent resubmission): the claim the buyer recorded then stands,
        // even if the seller's pool period has closed since.
        let transfer = r.transfer.clone();
        let recorded = self
            .read(buyer, |l| {
                l.transactions()
                    .iter()
                    .find(|x| {
                        x.kind == TxKind::Receive && x.meta.get(custody_core::ledger::TRANSFER_META) == Some(&transfer)
                    })
                    .map(|x| l.recorded_claim(&x.id).cloned())
            })
            .await
            .map_err(|e| e.to_string())?;
        let claim = match recorded {
            Some(c) => c,
            // A seller on another server: the view it signed with the delivery, the final one
            // when it followed (`delivered::delivered_claim`).
            None if !self.store().entity_ids().await.map_err(|e| e.to_string())?.iter().any(|i| i == seller) => {
                crate::delivered::delivered_claim(self.store(), buyer, &r.transfer).await.map_err(|e| e.to_string())?
            }
            None => self.read(seller, |l| l.claim_view(&sale, buyer)).await.map_err(|e| e.to_string())?,
        };
        if r.claim.is_some() && r.claim != claim {
            return Err(format!(
                "transfer `{}`: the claim is the one `{seller}`'s pool gives this sale, not a typed one",
                r.transfer
            ));
        }
        let resolved = Receive {
            supplier: Some(seller.to_string()),
            quantity: Some(t.quantity),
            measure: t.measure,
            amounts: t.amounts.clone(),
            custody: t.custody,
            claim,
            data_gaps: t.data_gaps.clone(),
            ..r.clone()
        };
        let given = (r.supplier.is_some() || r.quantity.is_some() || !r.amounts.is_empty() || !r.data_gaps.is_empty())
            .then_some(r);
        if let Some(given) = given {
            if given.supplier != resolved.supplier
                || (!given.data_gaps.is_empty() && given.data_gaps != resolved.data_gaps)
                || given.quantity != resolved.quantity
                || given.measure.is_some_and(|m| Some(m) != resolved.measure)
                || !same_amounts(&given.amounts, &resolved.amounts)
            {
                return Err(format!("transfer `{}`: the amounts given differ from what `{seller}` sent", r.transfer));
            }
        }
        Ok(resolved)
    }

    /// The transfer `id` from `seller` to `buyer`, if `seller` is an entity that sent it.
    async fn sent_to(&self, seller: &str, buyer: &str, id: &str) -> Result<Option<Transfer>, String> {
        let ids = self.store().entity_ids().await.map_err(|e| e.to_string())?;
        if !ids.iter().any(|i| i == seller) {
            // A seller on another server: the transfer it delivered, signed (`delivered`).
            let from_afar = crate::delivered::delivered(self.store(), buyer).await.map_err(|e| e.to_string())?;
            let back = crate::delivered::returning(self.store(), buyer).await.map_err(|e| e.to_string())?;
            let mut t = from_afar.into_iter().find(|t| t.id == id && t.seller == seller);
            t.iter_mut().filter(|t| back.contains(&t.id)).for_each(|t| t.status = TransferStatus::Returned);
            return Ok(t);
        }
        // Read in place: one transfer, never a copy of the seller's whole ledger.
        self.read(seller, |l| sales_of(seller, l, &[buyer.to_string()]).into_iter().find(|t| t.id == id))
            .await
            .map_err(|e| e.to_string())
    }

    /// A buyer refuses a transfer: the seller's `return`, with the id and date the seller's side
    /// derives (`return:SELLER/SALE/BUYER`, dated on the sale, so never before it). Never chosen
    /// by the buyer; a transfer not sent to the buyer is answered the same whether or not the
    /// seller exists.
    pub async fn reject(&self, buyer: &str, transfer: &str) -> Result<Vec<crate::registry::Outcome>, SubmitError> {
        let refuse = |why: String| {
            let mut v = custody_core::reject::Violations::default();
            v.push(custody_core::Code::TransferInvalid, Some("transfer"), why);
            SubmitError::Rejected { index: 0, rejection: v.into_rejection(&format!("return:{transfer}")) }
        };
        let Some((seller, sale, customer)) = split_transfer_id(transfer) else {
            return Err(refuse(format!("`{transfer}` is not a transfer id (SELLER/SALE/CUSTOMER)")));
        };
        if customer != buyer {
            return Err(refuse(format!("transfer `{transfer}` is addressed to `{customer}`, not `{buyer}`")));
        }
        let t = self
            .sent_to(seller, buyer, transfer)
            .await
            .map_err(refuse)?
            .ok_or_else(|| refuse(format!("transfer `{transfer}` was never sent to `{buyer}`")))?;
        let op = custody_core::ops::Op {
            id: format!("return:{transfer}"),
            date: t.date,
            memo: format!("Delivery refused by {buyer}"),
            body: custody_core::ops::Operation::Return(custody_core::ops::Return {
                sale: sale.to_string(),
                customer: buyer.to_string(),
            }),
        };
        self.submit(seller, vec![custody_journal::Entry::Op(Box::new(op))]).await
    }

    /// Refuses the reversal of a sale whose delivery a buyer of this registry already received:
    /// a settled transfer is undone by a return after the buyer sends the goods back, never by
    /// erasing the sale.
    pub(crate) async fn check_reverse(&self, seller: &str, of: &str) -> Result<(), String> {
        let customers: Vec<String> = self
            .read(seller, |l| {
                l.transaction(of)
                    .filter(|t| t.kind == TxKind::Sell)
                    .map(|t| t.meta.keys().filter_map(|k| k.strip_prefix(SOLD_TO_PREFIX).map(str::to_string)).collect())
                    .unwrap_or_default()
            })
            .await
            .map_err(|e| e.to_string())?;
        if customers.is_empty() {
            return Ok(());
        }
        for customer in &customers {
            self.not_delivered(seller, &transfer_id(seller, of, customer)).await?;
        }
        let ids = self.store().entity_ids().await.map_err(|e| e.to_string())?;
        for customer in customers.iter().filter(|c| ids.contains(c)) {
            let id = transfer_id(seller, of, customer);
            if self.read(customer, |l| l.has_received(&id)).await.map_err(|e| e.to_string())? {
                return Err(format!(
                    "transfer `{id}` was received by `{customer}`: the sale is settled; `{customer}` sends the goods back and `{seller}` books a return"
                ));
            }
        }
        Ok(())
    }

    /// Refuses a pool input naming a receive whose goods the seller already pooled: the seller's
    /// pool took that item in, so the same production would credit a second pool in the buyer's
    /// books (one batch, one credit, across the whole chain).
    pub(crate) async fn check_pooled_upstream(&self, buyer: &str, op: &str) -> Result<(), String> {
        let transfer = self
            .read(buyer, |l| {
                l.transaction(op)
                    .filter(|t| t.kind == TxKind::Receive)
                    .and_then(|t| t.meta.get(custody_core::ledger::TRANSFER_META).cloned())
            })
            .await
            .map_err(|e| e.to_string())?;
        let Some(transfer) = transfer else { return Ok(()) };
        let Some((seller, sale, _)) = split_transfer_id(&transfer) else { return Ok(()) };
        let pooled = self
            .read(seller, |l| {
                let item = l.transaction(sale)?.movements.first()?.item.clone();
                let pool = l.pools().find(|p| p.periods.values().any(|x| x.inputs.iter().any(|i| i.item == item)))?;
                Some((item, pool.policy.id.clone()))
            })
            .await
            .map_err(|e| e.to_string())?;
        match pooled {
            Some((item, pool)) => Err(format!(
                "`{op}` received `{item}` that `{seller}` already took into its pool `{pool}`: one batch credits one pool along the chain"
            )),
            None => Ok(()),
        }
    }

    /// Refuses what would undo a settled sale: a return or reversal of a sale its buyer received
    /// (E045 `claimed_sale_undone` when it carries a pool claim, which went to the buyer; else E022
    /// or E034), and a pool claim on a sale already received (E034).
    pub(crate) async fn check_settled(
        &self,
        entity: &str,
        body: &custody_core::ops::Operation,
    ) -> Option<(custody_core::Code, String)> {
        use custody_core::ops::{CustodyOp, Operation};
        use custody_core::Code;
        match body {
            Operation::Return(r) => match self.check_return(entity, &r.sale, &r.customer).await {
                Ok(()) => None,
                Err(w) => Some((self.settled_code(entity, &r.sale, Some(&r.customer), Code::TransferInvalid).await, w)),
            },
            Operation::Reverse { of } => match self.check_reverse(entity, of).await {
                Ok(()) => None,
                Err(w) => Some((self.settled_code(entity, of, None, Code::TransferSettled).await, w)),
            },
            Operation::Custody(CustodyOp::PoolClaim { sale: Some(s), customer, .. }) => self
                .check_claim_received(entity, s, customer.as_deref())
                .await
                .err()
                .map(|w| (Code::TransferSettled, w)),
            _ => None,
        }
    }

    /// The code refusing the return or reversal of a received sale: E045 `claimed_sale_undone`
    /// when the sale carries a pool claim (the claim went to the buyer), else `otherwise`.
    pub(crate) async fn settled_code(
        &self,
        seller: &str,
        sale: &str,
        customer: Option<&str>,
        otherwise: custody_core::Code,
    ) -> custody_core::Code {
        let claimed = self.read(seller, |l| !l.claims_on(sale, customer).is_empty()).await.unwrap_or(false);
        if claimed {
            custody_core::Code::ClaimedSaleUndone
        } else {
            otherwise
        }
    }

    /// Refuses a pool claim on a sale whose buyer already received it: the buyer's books hold the
    /// claimed view as received; a later claim would change what travelled with the goods.
    pub(crate) async fn check_claim_received(
        &self,
        seller: &str,
        sale: &str,
        customer: Option<&str>,
    ) -> Result<(), String> {
        let customers: Vec<String> = self
            .read(seller, |l| {
                l.transaction(sale)
                    .map(|t| t.meta.keys().filter_map(|k| k.strip_prefix(SOLD_TO_PREFIX).map(str::to_string)).collect())
                    .unwrap_or_default()
            })
            .await
            .map_err(|e| e.to_string())?;
        let ids = self.store().entity_ids().await.map_err(|e| e.to_string())?;
        for c in customers.iter().filter(|c| ids.contains(c) && customer.is_none_or(|w| w == c.as_str())) {
            let id = transfer_id(seller, sale, c);
            if self.read(c, |l| l.has_received(&id)).await.map_err(|e| e.to_string())? {
                return Err(format!(
                    "transfer `{id}` was already received by `{c}`: a claim travels with the sale, not after it"
                ));
            }
        }
        Ok(())
    }

    /// Refuses to undo a sale whose transfer a buyer's server on another server accepted
    /// (`custody pact deliver` keeps that answer as a [`DELIVERY_ACCEPTED`] record): the buyer
    /// holds its carbon, so a reversal or return here would count it twice (E022/E034, as for a
    /// buyer in this registry), unless the buyer returned it (`delivered::RETURNED`).
    pub(crate) async fn not_delivered(&self, seller: &str, transfer: &str) -> Result<(), String> {
        let sent = self.store().records(seller, DELIVERY_ACCEPTED).await.map_err(|e| e.to_string())?;
        let back = self.store().records(seller, crate::delivered::RETURNED).await.map_err(|e| e.to_string())?;
        if back.iter().any(|(k, _)| k == transfer) {
            return Ok(());
        }
        if sent.iter().any(|(k, _)| k == transfer) {
            return Err(format!(
                "transfer `{transfer}` of `{seller}` was delivered to and accepted by the buyer's server: the sale is settled there and cannot be undone here"
            ));
        }
        // A delivery sent without a definite answer (lost, 5xx, killed): the buyer's server may
        // hold it, so the sale stays until a later `pact deliver` hears accepted or refused.
        if let Some(open) = self.delivery_unanswered(seller, transfer).await.map_err(|e| e.to_string())? {
            return Err(format!(
                "transfer `{transfer}` of `{seller}` was sent to the buyer's server ({open}) without an answer yet: the buyer may hold it; run `custody pact deliver` again before undoing the sale"
            ));
        }
        Ok(())
    }

    /// The attempt (`TRANSFER EVENT-ID`) of a delivery of `transfer` sent (a
    /// [`DELIVERY_PENDING`] record) that no [`DELIVERY_REFUSED`] answer closed, when the buyer's
    /// server has not accepted it either (then [`DELIVERY_ACCEPTED`] decides).
    pub(crate) async fn delivery_unanswered(
        &self,
        seller: &str,
        transfer: &str,
    ) -> Result<Option<String>, crate::StoreError> {
        let prefix = format!("{transfer} ");
        let pending = self.store().records(seller, DELIVERY_PENDING).await?;
        let mut open = pending.into_iter().map(|(k, _)| k).filter(|k| k.starts_with(&prefix)).peekable();
        if open.peek().is_none() {
            return Ok(None);
        }
        // A refusal is keyed `TRANSFER UNIX EVENT-ID`: it closes the attempt with its event id.
        let refused = self.store().records(seller, DELIVERY_REFUSED).await?;
        let closed: Vec<&str> =
            refused.iter().filter(|(r, _)| r.starts_with(&prefix)).filter_map(|(r, _)| r.rsplit(' ').next()).collect();
        Ok(open.find(|k| !closed.contains(&&k[prefix.len()..])))
    }

    pub(crate) async fn check_return(&self, seller: &str, sale: &str, customer: &str) -> Result<(), String> {
        self.not_delivered(seller, &transfer_id(seller, sale, customer)).await?;
        let ids = self.store().entity_ids().await.map_err(|e| e.to_string())?;
        if !ids.iter().any(|i| i == customer) {
            return Ok(());
        }
        let id = transfer_id(seller, sale, customer);
        if self.ledger(customer).await.map_err(|e| e.to_string())?.has_received(&id) {
            return Err(format!("transfer `{id}` was already received by `{customer}`: it cannot be returned"));
        }
        Ok(())
    }
}

/// Record kind (the seller's, keyed by transfer id) of a transfer a buyer's server accepted.
pub const DELIVERY_ACCEPTED: &str = "pact-sent";
/// Record kind (the seller's, keyed `TRANSFER EVENT-ID`) of a delivery about to be sent: until an
/// answer closes it (accepted, or a [`DELIVERY_REFUSED`] record ending in the same event id), the
/// seller's undo of the sale is refused (`Registry::not_delivered`).
pub const DELIVERY_PENDING: &str = "pact-send-pending";
/// Record kind (the seller's, keyed `TRANSFER UNIX EVENT-ID`) of a delivery the buyer's server
/// refused (a 4xx answer).
pub const DELIVERY_REFUSED: &str = "pact-refused";
