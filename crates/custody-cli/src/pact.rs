//! `custody pact client create` (PACT client credentials, stored hashed like API keys) and the
//! `serve` flags for HTTPS and the PACT host (docs/pact.md).

use crate::db::Db;
use anyhow::{bail, Context};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum PactAction {
    /// PACT client credentials: `client create --entity ID` (the client reads that entity's footprints).
    Client {
        #[command(subcommand)]
        action: ClientAction,
    },
}

#[derive(clap::Subcommand)]
pub enum ClientAction {
    /// Create a client: prints `CLIENT_ID CLIENT_SECRET`, or with `--format json`
    /// `{"client_id": ..., "client_secret": ...}`. The secret is shown once; only its hash is stored.
    #[command(after_help = "Example:\n  custody pact client create --entity steel-producer --format json")]
    Create {
        /// The entity whose footprints the client may read.
        #[arg(long)]
        entity: String,
        /// `text` (default) or `json`.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        db: Db,
    },
}

pub async fn run(action: PactAction) -> anyhow::Result<ExitCode> {
    let PactAction::Client { action: ClientAction::Create { entity, format, db } } = action;
    if format != "text" && format != "json" {
        bail!("--format is `text` or `json`");
    }
    let registry = db.registry().await?;
    custody_store::Store::head(registry.store(), &entity).await.with_context(|| format!("entity `{entity}`"))?;
    let (id, secret) = custody_server::pact::create_client(registry.store(), &entity)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    if format == "json" {
        println!("{}", serde_json::json!({"client_id": id, "client_secret": secret}));
    } else {
        println!("{id} {secret}");
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

    /// How answers to requests are sent, if credentials were given.
    pub fn callback(&self) -> anyhow::Result<Option<custody_server::pact_send::Callback>> {
        let Some(creds) = &self.pact_callback_credentials else { return Ok(None) };
        let Some((id, secret)) = creds.split_once(':') else {
            bail!("--pact-callback-credentials is ID:SECRET");
        };
        let ca_pem = match &self.pact_ca_cert {
            Some(p) => Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?),
            None => None,
        };
        Ok(Some(custody_server::pact_send::Callback { client_id: id.into(), client_secret: secret.into(), ca_pem }))
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
            let cfg = RustlsConfig::from_pem(ck.cert.pem().into_bytes(), ck.key_pair.serialize_pem().into_bytes())
                .await
                .context("cannot use the self-signed certificate")?;
            return Ok(Some(cfg));
        }
        Ok(None)
    }
}
