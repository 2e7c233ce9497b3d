//! `custody pact return`: the buyer's side of a return between servers (docs/pact.md "Returns
//! between servers"). A transfer delivered to the entity from a seller on another server, and not
//! received, is sent back: a signed document (`custody-signed-v1`, kind `pact-return`, the
//! entity key; `document.transfer` the transfer exactly as delivered) in a CloudEvent
//! `org.custody.ReturnDelivered.1` to the seller's `/3/events`, with the credentials the seller's
//! server issued to the entity (`pact peer add --entity BUYER --counterparty SELLER`). Before
//! sending, a `pact-return-pending` record stops any receive of the transfer while it travels.
//! Accepted (`200`, or `return_replayed`: an earlier run's answer was lost), the buyer keeps the
//! record `pact-return-sent`: the transfer is `returned` on its side and a receive of it is
//! refused. Refused, the answer is kept (`pact-return-refused`: the transfer may be received
//! again) and the command exits 1 with the seller's status and PACT error body.

use crate::db::Db;
use anyhow::bail;
use custody_server::pact_return::{RETURN_EVENT, RETURN_KIND};
use custody_store::delivered_return::{RETURN_PENDING, RETURN_REFUSED, RETURN_SENT};
use custody_store::Store;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Return {
    /// The buyer entity returning the transfer.
    #[arg(long)]
    pub entity: String,
    /// The transfer delivered to it, `SELLER/SALE/BUYER`.
    #[arg(long)]
    pub transfer: String,
    /// The entity signing key; its public half must be what this entity's server publishes
    /// (`serve --signing-key`): the seller reads it there.
    #[arg(long)]
    pub signing_key: PathBuf,
    /// This entity's PACT host, `https://HOST[:PORT]`.
    #[arg(long)]
    pub source: String,
    /// Trust this PEM certificate (or bundle) for the seller's host.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// `text` (default) or `json`: `{"returned": ID, "to": URL}` or `{"refused": ID, "to", "status", "body"}`.
    #[arg(long, default_value = "text")]
    pub format: String,
    #[command(flatten)]
    pub db: Db,
}

pub async fn run(r: Return) -> anyhow::Result<ExitCode> {
    crate::pact_deliver::check_flags(&r.format, &r.source)?;
    let key = crate::sign::read_key(&r.signing_key)?;
    let registry = r.db.writer().await?;
    let t = registry.returnable(&r.entity, &r.transfer).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let peers = custody_server::pact_versions::peers(registry.store(), &r.entity).await?;
    let Some(peer) = peers.iter().find(|p| p.customer == t.seller) else {
        bail!(
            "`{}` has no peer for the seller `{}`: `custody pact peer add --entity {} --counterparty {} --url ... --client-id ... --client-secret ...` with the credentials the seller's server issued",
            r.entity, t.seller, r.entity, t.seller
        );
    };
    let (entries, _) = crate::sign::snapshot(&registry, &r.entity).await?;
    let head = custody_proof::head_of(&key, &r.entity, &crate::sign::hashes(&entries))?;
    let signed = key.sign_document(RETURN_KIND, json!({"transfer": custody_store::delivered::transfer_json(&t)}), head);
    let time = custody_server::pact_send::rfc3339(custody_store::unix_now());
    let event_id = custody_server::pact_send::random_uuid();
    let event = json!({"type": RETURN_EVENT, "specversion": "1.0", "id": event_id,
                       "source": r.source, "time": time, "data": serde_json::to_value(&signed)?});
    // Pending first: from here on no receive of the transfer is booked (`delivered_return::returning`);
    // then the receive is checked again, for one booked before the record was written.
    let store = registry.store();
    let attempt = format!("{} {event_id}", t.id);
    store.put_record(&r.entity, RETURN_PENDING, &attempt, &json!({"to": peer.url, "at": time}).to_string()).await?;
    if let Err(why) = registry.returnable(&r.entity, &r.transfer).await {
        let rec = json!({"status": null, "body": why});
        store.put_record(&r.entity, RETURN_REFUSED, &attempt, &rec.to_string()).await?;
        bail!("{why}");
    }
    let sent = async {
        let http = crate::pact_pull::http(&r.ca_cert)?;
        let token = crate::pact_pull::token(&http, &peer.url, &peer.client_id, &peer.client_secret).await?;
        let resp = http
            .post(format!("{}/3/events", peer.url))
            .bearer_auth(token)
            .header("content-type", "application/cloudevents+json; charset=UTF-8")
            .body(event.to_string())
            .send()
            .await?;
        let status = resp.status().as_u16();
        anyhow::Ok((status, resp.json::<Value>().await.unwrap_or(Value::Null)))
    };
    // Not sent (no answer): the return stays pending (no receive of it) until `pact return` is run again.
    let (status, body) = sent.await?;
    // Returned before (an earlier run whose answer was lost): the seller holds the goods.
    let replayed = body["message"].as_str().is_some_and(|m| m.starts_with("return_replayed"));
    // Not a refusal: the seller's server took the return but its ledger has not booked it yet
    // (`return_not_booked`, e.g. a closed period), or it failed (5xx). The seller may then undo
    // the sale, so the transfer stays pending here (never received) until a later run settles it.
    let undecided = status >= 500 || body["message"].as_str().is_some_and(|m| m.starts_with("return_not_booked"));
    if undecided && !replayed {
        let out = json!({"pending": t.id, "to": peer.url, "status": status, "body": body});
        if r.format == "json" {
            println!("{out}");
        } else {
            println!("pending {}: the seller's server has not booked the return yet (HTTP {status} {body}); no receive of it is booked here; run `pact return` again", t.id);
        }
        return Ok(ExitCode::from(1));
    }
    let out = if status == 200 || replayed {
        let rec = json!({"to": peer.url, "at": time, "event": event_id});
        store.put_record(&r.entity, RETURN_SENT, &t.id, &rec.to_string()).await?;
        json!({"returned": t.id, "to": peer.url})
    } else {
        let rec = json!({"status": status, "body": body});
        store.put_record(&r.entity, RETURN_REFUSED, &attempt, &rec.to_string()).await?;
        json!({"refused": t.id, "to": peer.url, "status": status, "body": body})
    };
    let status = if replayed { 200 } else { status };
    if r.format == "json" {
        println!("{out}");
    } else if status == 200 {
        println!("returned {} to {}", t.id, peer.url);
    } else {
        println!("refused {} by {}: HTTP {status} {body}", t.id, peer.url);
    }
    Ok(if status == 200 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
