//! `custody serve`: binds the address first (a busy port fails before anything is imported or a
//! key is made), imports the `--load` journals, and prints how to call the API: the
//! `export CUSTODY_KEY=...` line and a curl that works.

use crate::db::Db;
use crate::{import, keys, read_sources};
use anyhow::Context;
use custody_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

pub async fn serve(
    listen: &str,
    load: &[PathBuf],
    cache_operations: usize,
    tls: &crate::pact::ServeTls,
    db: &Db,
) -> anyhow::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    // The port first: nothing is imported and no key is made for a server that cannot listen.
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let rustls = tls.rustls().await?;
    let options = tls.options()?;
    let callback = tls.callback()?;
    let scheme = if rustls.is_some() { "https" } else { "http" };
    let registry = db.open(custody_store::Access::Serve).await?.with_cache_limit(cache_operations);
    // A database this process may not write (a read-only copy for an auditor): reads are served,
    // writes answer 503 `read_only` naming why; nothing can be loaded into it.
    let read_only = registry.store().read_only_reason();
    if let (Some(why), false) = (&read_only, load.is_empty()) {
        anyhow::bail!("cannot --load into a read-only database: {why}");
    }
    let mut loaded = Vec::new();
    for path in load {
        let code = import::run(&registry, std::slice::from_ref(path), None, 500, false).await?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
        // Every file that starts with an `entity` entry is a ledger of its own.
        for source in read_sources(std::slice::from_ref(path))? {
            if let Some(custody_journal::Entry::Entity(e)) =
                custody_journal::parse(std::slice::from_ref(&source)).0.first().map(|s| &s.entry)
            {
                if !loaded.contains(&e.id) {
                    loaded.push(e.id.clone());
                }
            }
        }
    }
    let url = db.url();
    println!("custody serving {url} on {scheme}://{addr}");
    println!("web interface: {scheme}://{addr}/ (sign in with an API key; docs/ui.md)");
    if let Some(why) = &read_only {
        println!("read-only: {why}; reads are served, writes answer 503 read_only");
    }
    // Before the key lines: callers may stop reading at the curl line. Over plain HTTP the PACT
    // routes refuse (docs/pact.md) and nothing more is printed.
    if rustls.is_some() {
        println!("PACT v3 host: {scheme}://{addr}/3/footprints (credentials: custody pact client create --entity ID)");
    }
    if !loaded.is_empty() {
        let (secret, reused) = keys::serve_key(registry.store(), &url, &loaded).await?;
        println!(
            "read-only (verifier) key for {} ({}):",
            loaded.join(", "),
            match &reused {
                Some(file) => format!("the same key as before, from {file}"),
                None => format!("new; kept in {} (mode 0600) and reused on restart", keys::key_file(&url).display()),
            }
        );
        println!("export CUSTODY_KEY={secret}");
        println!(
            "curl -H \"Authorization: Bearer $CUSTODY_KEY\" {scheme}://{addr}/entities/{}/reports/entity-emissions",
            loaded[0]
        );
    } else if registry.store().entity_ids().await?.is_empty() {
        println!("the database holds no entity yet. Make an admin key, then create an entity and its member key:");
        println!("  custody key create --role admin --database-url {url}");
        println!("  (or start with `custody serve --load DIR` to import a journal and get a read-only key)");
    } else {
        println!("keys: `custody key list --database-url {url}`; a new one: `custody key create --role verifier --grant ENTITY`");
    }
    let mut state = custody_server::AppState::new(registry);
    state.pact = custody_server::pact::PactConfig::new(rustls.is_some(), options);
    state.pact.ca_pem = tls.ca_pem()?;
    state.pact.signing_public = tls.signing_public()?;
    state.pact.callback = callback;
    state.pact.schedule = tls.schedule();
    let state = std::sync::Arc::new(state);
    if rustls.is_some() {
        // Outgoing PACT messages, the pending ones of an earlier run first (docs/pact.md "Outbox").
        custody_server::pact_outbox::start(state.clone());
    }
    let app = custody_server::app(state);
    match rustls {
        None => axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?,
        Some(config) => {
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown().await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            axum_server::from_tcp_rustls(listener.into_std()?, config)
                .handle(handle)
                .serve(app.into_make_service())
                .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM: the server stops taking requests, finishes those running, and
/// the database is closed (checkpointed) before the process exits.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
