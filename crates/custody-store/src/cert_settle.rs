//! Certificates travelling between entities, reconciled like transfers of goods (issue 13 item 1):
//! every `certificate-transfer` to another entity of the registry is received at most once, and
//! every `certificate-receive` names a transfer its sender made. Anything else is a mismatch.

use crate::{Registry, Store, SubmitError};
use custody_core::ops::{CustodyOp, Operation};
use std::collections::BTreeMap;

/// One certificate transfer between entities of the registry, both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSettlement {
    /// The sender's `certificate-transfer` operation (empty for a receive that names none).
    pub transfer: String,
    pub certificate: String,
    pub from: String,
    pub to: String,
    /// The receiver's `certificate-receive` operations of it (exactly one once received).
    pub receives: Vec<String>,
    /// Serial numbers received (from the block the receive booked), when received.
    pub units: Option<u64>,
    /// Why it does not settle: received twice, or received but never sent.
    pub mismatch: Option<String>,
}

impl CertificateSettlement {
    pub fn status(&self) -> &'static str {
        if self.receives.is_empty() {
            "pending"
        } else {
            "received"
        }
    }
}

impl<S: Store> Registry<S> {
    /// Every certificate transfer between entities of the registry with its settlement.
    pub async fn reconcile_certificates(&self) -> Result<Vec<CertificateSettlement>, SubmitError> {
        let ids = self.store().entity_ids().await?;
        let mut sent: BTreeMap<(String, String), CertificateSettlement> = BTreeMap::new();
        // (receiver, receive op, certificate, sender, the sender's transfer op, units)
        let mut received: Vec<(String, String, String, String, Option<String>, u64)> = Vec::new();
        for id in &ids {
            let ledger = self.ledger(id).await?;
            for op in ledger.recorded() {
                match &op.body {
                    Operation::Custody(CustodyOp::CertificateTransfer { certificate, to }) if ids.contains(to) => {
                        sent.insert(
                            (id.clone(), op.id.clone()),
                            CertificateSettlement {
                                transfer: op.id.clone(),
                                certificate: certificate.clone(),
                                from: id.clone(),
                                to: to.clone(),
                                receives: Vec::new(),
                                units: None,
                                mismatch: None,
                            },
                        );
                    }
                    Operation::Custody(CustodyOp::CertificateReceive { certificate, from, block }) => {
                        let units =
                            block.as_ref().map(|b| b.last.saturating_sub(b.first).saturating_add(1)).unwrap_or(0);
                        let by = block.as_ref().and_then(|b| b.sent_by.clone());
                        received.push((id.clone(), op.id.clone(), certificate.clone(), from.clone(), by, units));
                    }
                    _ => {}
                }
            }
        }
        let mut orphans = Vec::new();
        for (to, receive, certificate, from, by, units) in received {
            match by.and_then(|t| sent.get_mut(&(from.clone(), t))).filter(|s| s.to == to) {
                Some(s) => {
                    s.receives.push(receive);
                    s.units = Some(units);
                }
                None => orphans.push(CertificateSettlement {
                    transfer: String::new(),
                    certificate,
                    from,
                    to,
                    receives: vec![receive],
                    units: Some(units),
                    mismatch: Some("received, but no certificate-transfer of the sender names it".into()),
                }),
            }
        }
        let mut rows: Vec<CertificateSettlement> = sent.into_values().collect();
        for s in rows.iter_mut().filter(|s| s.receives.len() > 1) {
            s.mismatch = Some(format!("received {} times: {}", s.receives.len(), s.receives.join(", ")));
        }
        rows.extend(orphans);
        Ok(rows)
    }
}

impl<S: Store> Registry<S> {
    /// The serial block of a certificate `from` transferred to `to`, from the sender's book. A
    /// certificate bundled with a sale follows the goods: refused once the sale is returned or
    /// reversed. Whether the sender exists or holds the certificate is not told apart.
    pub(crate) async fn resolve_certificate(
        &self,
        to: &str,
        certificate: &str,
        from: &str,
    ) -> Result<custody_core::coc::CertificateBlock, String> {
        use custody_core::coc::CertState;
        let not_sent = || format!("certificate `{certificate}` was not transferred by `{from}` to `{to}`");
        let ids = self.store().entity_ids().await.map_err(|e| e.to_string())?;
        if !ids.iter().any(|i| i == from) {
            return Err(not_sent());
        }
        // Read in place: the block, never a copy of the sender's whole ledger.
        self.read(from, |sender| {
            let sent = |c: &custody_core::coc::Certificate| c.state == CertState::TransferredOut && c.holder == to;
            let c = match sender.certificates().find(certificate, sent) {
                Ok(c) if sent(c) => c,
                // Two blocks of one id, both sent to this entity: its own business, so say so.
                Err(custody_core::coc::CocError::Invalid(why)) => return Err(why),
                _ => return Err(not_sent()),
            };
            if let Some(sale) = c.bundled_with.as_deref().filter(|_| c.issuer == from) {
                if sender.is_reversed(sale) || sender.has_returned(sale, to) {
                    return Err(format!(
                        "certificate `{certificate}` travels with sale `{sale}`, which was returned or reversed: the certificate follows the goods"
                    ));
                }
            }
            Ok(c.block())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}
