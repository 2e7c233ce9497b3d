//! `custody pact deliver`: the seller's side of company-to-company delivery (docs/pact.md
//! "Company to company"). Every sale of the entity to a customer with a peer (`pact peer add`)
//! that the peer has not yet accepted is sent as a signed document (`custody-signed-v1`, kind
//! `pact-delivery`: the transfer's exact amounts and the sale's footprint) in a CloudEvent
//! `org.custody.TransferDelivered.1` to the peer's `/3/events`. The answer is kept in the
//! seller's database: accepted (record `pact-sent`, keyed by transfer id: never sent again) or
//! refused (record `pact-refused`, with the peer's status and body).
//!
//! A sale of a pool's group carries its claimed view (`document.claim`, docs/pact.md "Claims
//! between servers"): `provisional` while the seller's pool period is open, and then sent once
//! more with the final view after the period closed (record `pact-sent-final`). Returned sales are
//! not sent.

use crate::db::Db;
use anyhow::bail;
use custody_server::pact_receive::{DELIVERY_EVENT, DELIVERY_KIND};
use custody_store::Store;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// Record kinds of the seller's answers.
pub const SENT: &str = custody_store::DELIVERY_ACCEPTED;
pub const REFUSED: &str = custody_store::DELIVERY_REFUSED;
/// Record kind of an accepted final claimed view sent after a provisional one, keyed by transfer id.
pub const SENT_FINAL: &str = "pact-sent-final";

#[derive(clap::Args)]
pub struct Deliver {
    /// The selling entity.
    #[arg(long)]
    pub entity: String,
    /// The entity signing key (`custody signing-key create`); its public half must be what this
    /// entity's server publishes (`serve --signing-key`).
    #[arg(long)]
    pub signing_key: PathBuf,
    /// This entity's PACT host, `https://HOST[:PORT]`: buyers read the signing key there.
    #[arg(long)]
    pub source: String,
    /// Trust this PEM certificate (or bundle) for the peers' hosts.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// The domain in the footprints' URNs.
    #[arg(long, default_value = "custody.invalid")]
    pub pact_issuer: String,
    /// crossSectoralStandards of the sales' footprints (repeat), as `serve --pact-standard`.
    #[arg(long = "pact-standard")]
    pub pact_standards: Vec<String>,
    /// exemptedEmissionsPercent (0 to 100) of the sales' footprints, as `serve --pact-exempted`.
    #[arg(long)]
    pub pact_exempted: Option<String>,
    /// `text` (default) or `json`.
    #[arg(long, default_value = "text")]
    pub format: String,
    #[command(flatten)]
    pub db: Db,
}

fn now() -> (i64, String) {
    let t = custody_store::unix_now();
    (t, custody_server::pact_send::rfc3339(t))
}

/// The flags `pact deliver` and `pact return` share: `--format text|json`, an https `--source`.
pub(crate) fn check_flags(format: &str, source: &str) -> anyhow::Result<()> {
    if format != "text" && format != "json" {
        bail!("--format is `text` or `json`");
    }
    if !source.starts_with("https://") {
        bail!("--source must be https://HOST[:PORT]");
    }
    Ok(())
}

pub async fn run(d: Deliver) -> anyhow::Result<ExitCode> {
    check_flags(&d.format, &d.source)?;
    let key = crate::sign::read_key(&d.signing_key)?;
    let registry = d.db.writer().await?;
    let store = registry.store();
    let peers = custody_server::pact_versions::peers(store, &d.entity).await?;
    let (entries, ledger) = crate::sign::snapshot(&registry, &d.entity).await?;
    // Accepted before: (transfer id, whether its claimed view was provisional).
    let sent: Vec<(String, bool)> = store
        .records(&d.entity, SENT)
        .await?
        .into_iter()
        .map(|(k, b)| {
            let provisional = serde_json::from_str::<Value>(&b).is_ok_and(|v| v["claim"] == "provisional");
            (k, provisional)
        })
        .collect();
    let finals: Vec<String> = store.records(&d.entity, SENT_FINAL).await?.into_iter().map(|(k, _)| k).collect();
    let http = crate::pact_pull::http(&d.ca_cert)?;
    let opts =
        custody_pact::Options { issuer: d.pact_issuer.clone(), base_url: d.source.clone(), ..Default::default() };
    let mut report = json!({"accepted": [], "alreadyAccepted": [], "refused": [], "unanswered": [], "notSent": []});
    let push = |r: &mut Value, k: &str, v: Value| r[k].as_array_mut().expect("an array").push(v);
    for peer in &peers {
        let mut token: Option<String> = None;
        for t in custody_store::sales_of(&d.entity, &ledger, std::slice::from_ref(&peer.customer)) {
            let claim = ledger.claim_view(&t.sale, &t.buyer);
            // Sent with a provisional claimed view, and the seller's pool period has closed since:
            // sent again with the final view (once).
            let mut final_again = false;
            if let Some((_, provisional)) = sent.iter().find(|(k, _)| *k == t.id) {
                final_again = *provisional && !finals.contains(&t.id) && claim.as_ref().is_some_and(|c| c.closed);
                if !final_again {
                    push(&mut report, "alreadyAccepted", json!({"id": t.id}));
                    continue;
                }
            }
            if t.status == custody_store::TransferStatus::Returned {
                push(&mut report, "notSent", json!({"id": t.id, "reason": "returned"}));
                continue;
            }
            let view = match &claim {
                None => Value::Null,
                Some(c) if c.closed => json!("final"),
                Some(_) => json!("provisional"),
            };
            let transfer = custody_store::delivered::transfer_json(&t);
            let lines: Vec<custody_pact::delivery::Line> =
                t.amounts.iter().map(|(f, s, a, g)| (f.as_str().to_string(), *s, *a, *g)).collect();
            let footprint = ledger.item(&t.item).and_then(|item| {
                custody_pact::delivery::footprint(
                    ledger.entity(),
                    item,
                    t.date,
                    t.quantity,
                    &lines,
                    transfer.clone(),
                    &opts,
                )
            });
            let head = custody_proof::head_of(&key, &d.entity, &crate::sign::hashes(&entries))?;
            let signed = key.sign_document(DELIVERY_KIND, json!({"transfer": transfer, "claim": claim.as_ref().map(custody_store::delivered_claim::claim_json), "footprint": footprint}), head);
            let (_, time) = now();
            let event = json!({"type": DELIVERY_EVENT, "specversion": "1.0", "id": custody_server::pact_send::random_uuid(),
                               "source": d.source, "time": time, "data": serde_json::to_value(&signed)?});
            if token.is_none() {
                token = Some(crate::pact_pull::token(&http, &peer.url, &peer.client_id, &peer.client_secret).await?);
            }
            // Pending first: should the answer be lost (or this process killed), the seller's undo
            // of the sale stays refused until a later run hears accepted or refused.
            let attempt = format!("{} {}", t.id, event["id"].as_str().unwrap_or_default());
            store
                .put_record(
                    &d.entity,
                    custody_store::DELIVERY_PENDING,
                    &attempt,
                    &json!({"to": peer.url, "at": time}).to_string(),
                )
                .await?;
            let r = http
                .post(format!("{}/3/events", peer.url))
                .bearer_auth(token.as_deref().unwrap_or_default())
                .header("content-type", "application/cloudevents+json; charset=UTF-8")
                .body(event.to_string())
                .send()
                .await?;
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            let (unix, time) = now();
            if status >= 500 {
                // No decision: the buyer's server may have stored it. Stays pending.
                let rec = json!({"id": t.id, "to": peer.url, "at": time, "status": status, "body": body});
                push(&mut report, "unanswered", rec);
            } else if status == 200 {
                let rec = json!({"to": peer.url, "at": time, "claim": view}).to_string();
                store.put_record(&d.entity, if final_again { SENT_FINAL } else { SENT }, &t.id, &rec).await?;
                let mut row = json!({"id": t.id, "to": peer.url});
                if !view.is_null() {
                    row["claim"] = view;
                }
                push(&mut report, "accepted", row);
            } else {
                let rec = json!({"id": t.id, "to": peer.url, "at": time, "status": status, "body": body});
                store
                    .put_record(&d.entity, REFUSED, &format!("{} {unix} {}", t.id, event["id"]), &rec.to_string())
                    .await?;
                push(&mut report, "refused", rec);
            }
        }
    }
    if d.format == "json" {
        println!("{report}");
    } else {
        for k in ["accepted", "alreadyAccepted", "refused", "unanswered", "notSent"] {
            for v in report[k].as_array().into_iter().flatten() {
                println!(
                    "{k}: {} {}",
                    v["id"].as_str().unwrap_or_default(),
                    v.get("body").map(Value::to_string).unwrap_or_default()
                );
            }
        }
    }
    let refused = ["refused", "unanswered"].iter().any(|k| !report[*k].as_array().is_none_or(Vec::is_empty));
    Ok(if refused { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `custody pact deliveries --entity E`: the answers kept by [`run`].
pub async fn list(entity: &str, format: &str, db: &Db) -> anyhow::Result<ExitCode> {
    if format != "text" && format != "json" {
        bail!("--format is `text` or `json`");
    }
    let registry = db.reader().await?;
    let read = |rows: Vec<(String, String)>, with_id: bool| -> anyhow::Result<Vec<Value>> {
        rows.into_iter()
            .map(|(k, b)| {
                let mut v: Value = serde_json::from_str(&b)?;
                if with_id {
                    v["id"] = json!(k);
                }
                Ok(v)
            })
            .collect()
    };
    let mut accepted = read(registry.store().records(entity, SENT).await?, true)?;
    // A final claimed view accepted after a provisional one: the row says when.
    for (id, body) in registry.store().records(entity, SENT_FINAL).await? {
        let v: Value = serde_json::from_str(&body)?;
        if let Some(row) = accepted.iter_mut().find(|a| a["id"] == id.as_str()) {
            row["claim"] = json!("final");
            row["finalAt"] = v["at"].clone();
        }
    }
    let refused = read(registry.store().records(entity, REFUSED).await?, false)?;
    // Returns a buyer sent back (`custody_server::pact_return`): which, from where, when.
    let returned: Vec<Value> =
        read(registry.store().records(entity, custody_store::delivered_return::RETURNED).await?, true)?
            .into_iter()
            .map(|v| json!({"id": v["id"], "from": v["from"], "at": v["at"]}))
            .collect();
    if format == "json" {
        println!("{}", json!({"accepted": accepted, "refused": refused, "returned": returned}));
    } else {
        for v in &accepted {
            println!(
                "accepted {} by {} at {}",
                v["id"].as_str().unwrap_or_default(),
                v["to"].as_str().unwrap_or_default(),
                v["at"].as_str().unwrap_or_default()
            );
        }
        for v in &returned {
            println!(
                "returned {} from {} at {}",
                v["id"].as_str().unwrap_or_default(),
                v["from"].as_str().unwrap_or_default(),
                v["at"].as_str().unwrap_or_default()
            );
        }
        for v in &refused {
            println!(
                "refused  {} by {} at {}: HTTP {} {}",
                v["id"].as_str().unwrap_or_default(),
                v["to"].as_str().unwrap_or_default(),
                v["at"].as_str().unwrap_or_default(),
                v["status"],
                v["body"]
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
