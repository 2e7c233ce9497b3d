//! `custody pact client create` (PACT client credentials, stored hashed like API keys) and the
//! `serve` flags for HTTPS and the PACT host (docs/pact.md).

use crate::db::Db;
use anyhow::{bail, Context};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum PactAction {
    /// PACT client credentials: `client create --entity ID [--peer SELLER]` (the client reads that
    /// entity's footprints; with `--peer`, SELLER may deliver transfers to ID with it).
    Client {
        #[command(subcommand)]
        action: ClientAction,
    },
    /// Customers' PACT hosts: `peer add` (where footprints and deliveries of sales to that
    /// customer are sent), `peer list`.
    Peer {
        #[command(subcommand)]
        action: PeerAction,
    },
    /// Fetch a supplier's footprints from its PACT host and book them as purchases.
    #[command(
        after_help = "Example:\n  custody pact pull https://mill.example:8443 --client-id pact_... --client-secret pcs_... \\\n    \
        --product bar --entity maker --supplier mill --item bar --quantity '500 t' --date 2025-05-02"
    )]
    Pull(crate::pact_pull::Pull),
    /// Send the entity's sales to customers on other servers (peers) as signed deliveries.
    #[command(
        after_help = "Example:\n  custody pact deliver --entity mill --signing-key mill.key --source https://mill.example:8443"
    )]
    Deliver(crate::pact_deliver::Deliver),
    /// The server's outgoing PACT messages (answers to requests, PublishedEvents): pending,
    /// delivered, failed, with their tries.
    Outbox {
        /// One entity's messages; default every entity's.
        #[arg(long)]
        entity: Option<String>,
        /// `text` (default) or `json`: `{"messages": [{id, entity, to, type, created, state,
        /// attempts, lastAttempt, lastError}]}`.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        db: Db,
    },
    /// Send a transfer delivered from a seller on another server back to it (not received), signed.
    #[command(
        after_help = "Example:\n  custody pact return --entity maker --transfer mill/s7/maker --signing-key maker.key \\\n    \
        --source https://maker.example:8443"
    )]
    Return(crate::pact_return::Return),
    /// What `pact deliver` sent and how each peer answered: accepted and refused deliveries, and
    /// the returns buyers sent back (`returned`).
    Deliveries {
        #[arg(long)]
        entity: String,
        /// `text` (default) or `json`: `{"accepted": [{id, to, at}], "refused": [{id, to, at, status, body}]}`.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(clap::Subcommand)]
pub enum PeerAction {
    /// Add a customer's PACT host and the client credentials it issued to the entity.
    #[command(
        after_help = "Example:\n  custody pact peer add --entity mill --customer maker --url https://maker.example:8443 \\\n    \
        --client-id pact_... --client-secret pcs_..."
    )]
    Add {
        /// The selling entity.
        #[arg(long)]
        entity: String,
        /// The customer (a counterparty id of the entity's sales); for returns, the seller a
        /// buyer sends them to (`--counterparty`).
        #[arg(long, visible_alias = "counterparty")]
        customer: String,
        /// `https://HOST[:PORT]` of the customer's `custody serve`.
        #[arg(long)]
        url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        client_secret: String,
        #[command(flatten)]
        db: Db,
    },
    /// The entity's peers (secrets not shown).
    List {
        #[arg(long)]
        entity: String,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(clap::Subcommand)]
pub enum ClientAction {
    /// Create a client: prints `CLIENT_ID CLIENT_SECRET`, or with `--format json`
    /// `{"client_id": ..., "client_secret": ...}` (and `"peer"` when bound). The secret is shown
    /// once; only its hash is stored.
    #[command(after_help = "Example:\n  custody pact client create --entity steel-producer --format json\n  \
                      custody pact client create --entity automaker --peer dri-plant --format json")]
    Create {
        /// The entity whose footprints the client may read.
        #[arg(long)]
        entity: String,
        /// The one seller entity that may deliver transfers to ENTITY with this client (docs/pact.md
        /// "Company to company"); without it the client may read footprints but deliver nothing.
        #[arg(long)]
        peer: Option<String>,
        /// `text` (default) or `json`.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        db: Db,
    },
}

pub async fn run(action: PactAction) -> anyhow::Result<ExitCode> {
    let (entity, peer, format, db) = match action {
        PactAction::Client { action: ClientAction::Create { entity, peer, format, db } } => (entity, peer, format, db),
        PactAction::Peer { action } => return peer(action).await,
        PactAction::Pull(p) => return crate::pact_pull::run(p).await,
        PactAction::Deliver(d) => return crate::pact_deliver::run(d).await,
        PactAction::Return(r) => return crate::pact_return::run(r).await,
        PactAction::Outbox { entity, format, db } => return outbox(entity, &format, &db).await,
        PactAction::Deliveries { entity, format, db } => return crate::pact_deliver::list(&entity, &format, &db).await,
    };
    if format != "text" && format != "json" {
        bail!("--format is `text` or `json`");
    }
    let registry = db.writer().await?;
    custody_store::Store::head(registry.store(), &entity).await.with_context(|| format!("entity `{entity}`"))?;
    let (id, secret) = custody_server::pact::create_client(registry.store(), &entity, peer.as_deref())
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    if format == "json" {
        let mut out = serde_json::json!({"client_id": id, "client_secret": secret});
        if let Some(p) = &peer {
            out["peer"] = p.as_str().into();
        }
        println!("{out}");
    } else {
        println!("{id} {secret}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn peer(action: PeerAction) -> anyhow::Result<ExitCode> {
    use custody_server::pact_versions::{add_peer, peers, Peer};
    match action {
        PeerAction::Add { entity, customer, url, client_id, client_secret, db } => {
            if !url.starts_with("https://") {
                bail!("--url must be https://HOST[:PORT]: PACT hosts are reached over HTTPS only");
            }
            let registry = db.writer().await?;
            custody_store::Store::head(registry.store(), &entity)
                .await
                .with_context(|| format!("entity `{entity}`"))?;
            let url = url.trim_end_matches('/').to_string();
            let peer = Peer { customer: customer.clone(), url, client_id, client_secret };
            if !add_peer(registry.store(), &entity, &peer).await? {
                bail!("`{entity}` has a peer for customer `{customer}` already (peers are never changed)");
            }
            println!("peer {customer} of {entity}: {}", peer.url);
        }
        PeerAction::List { entity, db } => {
            let registry = db.reader().await?;
            for p in peers(registry.store(), &entity).await? {
                println!("{} {} {}", p.customer, p.url, p.client_id);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `custody pact outbox`: the messages `crate::pact_outbox` keeps (docs/pact.md "Outbox").
async fn outbox(entity: Option<String>, format: &str, db: &Db) -> anyhow::Result<ExitCode> {
    if format != "text" && format != "json" {
        bail!("--format is `text` or `json`");
    }
    let registry = db.reader().await?;
    let store = registry.store();
    let entities = match entity {
        Some(e) => vec![e],
        None => custody_store::Store::entity_ids(store).await?,
    };
    let mut rows = Vec::new();
    for e in &entities {
        for m in custody_server::pact_outbox::messages(store, e).await? {
            rows.push(m.json());
        }
    }
    if format == "json" {
        println!("{}", serde_json::json!({"messages": rows}));
    } else {
        for r in &rows {
            let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
            println!(
                "{:<9} {} {} {} -> {} created {} attempts {} last {} {}",
                s("state"),
                s("id"),
                s("entity"),
                s("type"),
                s("to"),
                s("created"),
                r["attempts"],
                s("lastAttempt"),
                s("lastError")
            );
        }
        println!("{} messages", rows.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// HTTPS and what the data owner declares for its PACT footprints.
#[derive(clap::Args, Clone, Default)]
pub struct ServeTls {
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate made now for localhost and 127.0.0.1 (trials and tests).
    #[arg(long, conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,
    /// With --tls-self-signed: write the certificate made (PEM) here, for clients to trust
    /// (`custody pact pull --ca-cert FILE`, a peer's `--pact-ca-cert FILE`).
    #[arg(long, requires = "tls_self_signed")]
    pub tls_cert_out: Option<PathBuf>,
    /// The entity signing key (`custody signing-key create`): its public half is published at
    /// /.well-known/custody-signing-key, for buyers checking this server's deliveries.
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
    /// The domain in the URNs of served footprints: urn:pact:DOMAIN:product-id:ITEM.
    #[arg(long, default_value = "custody.invalid")]
    pub pact_issuer: String,
    /// A cross-sectoral standard the footprints follow (repeat), e.g. GHGP-Product, ISO14067.
    /// Without one, footprints lack a required field and are not served.
    #[arg(long = "pact-standard")]
    pub pact_standards: Vec<String>,
    /// exemptedEmissionsPercent (0 to 100) the owner states. Without it, footprints are not served.
    #[arg(long)]
    pub pact_exempted: Option<String>,
    /// ID:SECRET this owner authenticates with at requesters' hosts to send the answers to
    /// their RequestCreatedEvents. Without it requests are accepted and not answered.
    #[arg(long)]
    pub pact_callback_credentials: Option<String>,
    /// Extra trusted root certificates (PEM) for requesters' hosts, e.g. a self-signed one.
    #[arg(long)]
    pub pact_ca_cert: Option<PathBuf>,
    /// Outbox: the wait after the first failed try of an outgoing PACT message, doubling after
    /// each (milliseconds; docs/pact.md "Outbox").
    #[arg(long, default_value_t = 1000)]
    pub pact_retry_base_ms: u64,
    /// Outbox: the longest wait between two tries (milliseconds; 1 hour).
    #[arg(long, default_value_t = 3_600_000)]
    pub pact_retry_cap_ms: u64,
    /// Outbox: how long after it was queued a message is still tried, then failed (milliseconds; 72 hours).
    #[arg(long, default_value_t = 259_200_000)]
    pub pact_retry_deadline_ms: u64,
}

impl ServeTls {
    pub fn options(&self) -> anyhow::Result<custody_pact::Options> {
        let exempted = match &self.pact_exempted {
            Some(s) => match custody_core::exact::parse_decimal(s) {
                Some(x) if x >= custody_core::exact::q(0) && x <= custody_core::exact::q(100) => Some(x),
                _ => bail!("--pact-exempted must be a decimal from 0 to 100, got `{s}`"),
            },
            None => None,
        };
        Ok(custody_pact::Options {
            issuer: self.pact_issuer.clone(),
            standards: self.pact_standards.clone(),
            exempted_percent: exempted,
            base_url: String::new(),
        })
    }

    /// When outgoing PACT messages are retried (`--pact-retry-*-ms`).
    pub fn schedule(&self) -> custody_server::pact_outbox::Schedule {
        let ms = std::time::Duration::from_millis;
        custody_server::pact_outbox::Schedule {
            base: ms(self.pact_retry_base_ms.max(1)),
            cap: ms(self.pact_retry_cap_ms.max(1)),
            deadline: ms(self.pact_retry_deadline_ms),
        }
    }

    /// How answers to requests are sent, if credentials were given.
    pub fn callback(&self) -> anyhow::Result<Option<custody_server::pact_send::Callback>> {
        let Some(creds) = &self.pact_callback_credentials else { return Ok(None) };
        let Some((id, secret)) = creds.split_once(':') else {
            bail!("--pact-callback-credentials is ID:SECRET");
        };
        let ca_pem = self.ca_pem()?;
        Ok(Some(custody_server::pact_send::Callback { client_id: id.into(), client_secret: secret.into(), ca_pem }))
    }

    /// The public half of --signing-key, if given.
    pub fn signing_public(&self) -> anyhow::Result<Option<String>> {
        self.signing_key.as_deref().map(|p| Ok(crate::sign::read_key(p)?.public_hex())).transpose()
    }

    /// The `--pact-ca-cert` file's PEM, if given.
    pub fn ca_pem(&self) -> anyhow::Result<Option<Vec<u8>>> {
        match &self.pact_ca_cert {
            Some(p) => Ok(Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?)),
            None => Ok(None),
        }
    }

    /// The rustls configuration, if HTTPS was asked for.
    pub async fn rustls(&self) -> anyhow::Result<Option<axum_server::tls_rustls::RustlsConfig>> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        use axum_server::tls_rustls::RustlsConfig;
        if let (Some(c), Some(k)) = (&self.tls_cert, &self.tls_key) {
            let cfg = RustlsConfig::from_pem_file(c, k)
                .await
                .with_context(|| format!("cannot load the TLS certificate {} and key {}", c.display(), k.display()))?;
            return Ok(Some(cfg));
        }
        if self.tls_self_signed {
            let ck = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .context("cannot make a self-signed certificate")?;
            if let Some(out) = &self.tls_cert_out {
                std::fs::write(out, ck.cert.pem()).with_context(|| format!("cannot write {}", out.display()))?;
            }
            let cfg = RustlsConfig::from_pem(ck.cert.pem().into_bytes(), ck.key_pair.serialize_pem().into_bytes())
                .await
                .context("cannot use the self-signed certificate")?;
            return Ok(Some(cfg));
        }
        Ok(None)
    }
}
