//! `custody key create|list|revoke`, and the read-only key `serve --load` makes once per set of
//! journals and reuses: its secret is kept in a file beside the database, readable by its owner
//! only (mode 0600); the database holds only the key's hash.

use crate::db::Db;
use anyhow::Context;
use custody_server::auth::{create_key, Role};
use custody_store::{key_hash, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum KeyAction {
    /// Create a key: admin, member (--entity), counterparty (--entity) or verifier (--grant, repeated).
    ///
    /// Prints `ID SECRET`; the secret is shown once (only its hash is stored).
    #[command(after_help = "Example:\n  custody key create --role member --entity steel-producer\n  \
        custody key create --role verifier --grant steel-producer --grant mine")]
    Create {
        /// admin, member, counterparty or verifier.
        #[arg(long)]
        role: String,
        /// The entity a member or counterparty key acts for.
        #[arg(long)]
        entity: Option<String>,
        /// An entity a verifier key may read (repeat for several).
        #[arg(long = "grant")]
        grants: Vec<String>,
        #[command(flatten)]
        db: Db,
    },
    /// List keys: id, role, entities, created, last used, revoked (never a secret).
    #[command(after_help = "Example:\n  custody key list --database-url sqlite://custody.db")]
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Revoke a key by id.
    #[command(after_help = "Example:\n  custody key revoke key_0123456789abcdef")]
    Revoke {
        /// The key's id (from `custody key list`).
        id: String,
        #[command(flatten)]
        db: Db,
    },
}

pub async fn run(action: KeyAction) -> anyhow::Result<ExitCode> {
    match action {
        KeyAction::Create { role, entity, grants, db } => {
            // A key for entities needs the database that holds them (never a new, empty one);
            // a first admin key may start a database, like `import`.
            let registry = match entity.is_some() || !grants.is_empty() {
                true => db.writer().await?,
                false => db.registry().await?,
            };
            let role = Role::parse(&role)
                .with_context(|| format!("`{role}` is not a role (admin, member, counterparty, verifier)"))?;
            let (id, secret) = create_key(registry.store(), role, entity, grants)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
            println!("{id} {secret}");
            Ok(ExitCode::SUCCESS)
        }
        KeyAction::List { db } => {
            let registry = db.reader().await?;
            let keys = registry.store().list_keys().await?;
            println!("{:<20} {:<12} {:<32} {:<17} {:<17} status", "id", "role", "entities", "created", "last used");
            for k in &keys {
                let entities = match (&k.key.entity, k.key.grants.is_empty()) {
                    (Some(e), _) => e.clone(),
                    (None, false) => k.key.grants.join(","),
                    (None, true) => "-".into(),
                };
                println!(
                    "{:<20} {:<12} {:<32} {:<17} {:<17} {}",
                    k.key.id,
                    k.key.role,
                    entities,
                    k.created.map(utc_minute).unwrap_or_else(|| "-".into()),
                    k.last_used.map(utc_minute).unwrap_or_else(|| "never".into()),
                    if k.key.revoked { "revoked" } else { "active" }
                );
            }
            println!("{} keys", keys.len());
            Ok(ExitCode::SUCCESS)
        }
        KeyAction::Revoke { id, db } => {
            let registry = db.writer().await?;
            if registry.store().revoke_key(&id).await? {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("error: no key `{id}`");
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// `YYYY-MM-DD HH:MM` (UTC) of Unix seconds.
fn utc_minute(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // The Julian day of 1970-01-01 is 2,440,588.
    let date = custody_core::model::Date::from_julian_day((days + 2_440_588) as i32)
        .map(custody_core::model::format_date)
        .unwrap_or_else(|_| "(out of range)".into());
    format!("{date} {:02}:{:02}", rem / 3600, rem % 3600 / 60)
}

/// Where `serve --load` keeps the secret of its read-only key: beside a SQLite database
/// (`custody.db.key`), else `.custody-serve-HASH.key` in the working directory, HASH naming the
/// database URL (so two databases served from one folder keep their own keys).
pub fn key_file(url: &str) -> PathBuf {
    match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(path) => PathBuf::from(format!("{}.key", path.split('?').next().unwrap_or(path))),
        None => PathBuf::from(format!(".custody-serve-{}.key", &key_hash(url)[..12])),
    }
}

/// The read-only key for `entities`: the one made before (if its file is private and the key is
/// still valid), else a new one, written to the key file with mode 0600; a key it replaces is
/// revoked, so restarts do not leave a trail of valid keys. Returns the secret, and the file when
/// the key was reused.
pub async fn serve_key<S: Store>(
    store: &S,
    url: &str,
    entities: &[String],
) -> anyhow::Result<(String, Option<String>)> {
    let file = key_file(url);
    let mut wanted: Vec<String> = entities.to_vec();
    wanted.sort();
    let grants = wanted.join(",");
    let text = if private(&file) { std::fs::read_to_string(&file).unwrap_or_default() } else { String::new() };
    let mut lines: Vec<(String, String, String)> = text
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.to_string(), w.next()?.to_string()))
        })
        .collect();
    if let Some((_, id, secret)) = lines.iter().find(|(g, _, _)| *g == grants) {
        match store.key_by_hash(&key_hash(secret)).await? {
            Some(k) if !k.revoked && k.id == *id => return Ok((secret.clone(), Some(file.display().to_string()))),
            _ => {}
        }
    }
    let (id, secret) =
        create_key(store, Role::Verifier, None, wanted.clone()).await.map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    for (_, old, _) in lines.iter().filter(|(g, _, _)| *g == grants) {
        let _ = store.revoke_key(old).await;
    }
    lines.retain(|(g, _, _)| *g != grants);
    lines.push((grants, id, secret.clone()));
    let body: String = lines.iter().map(|(g, i, s)| format!("{g} {i} {s}\n")).collect();
    write_private(&file, &body).with_context(|| format!("cannot write the key file {}", file.display()))?;
    Ok((secret, None))
}

/// True when the file exists and only its owner may read it.
fn private(file: &std::path::Path) -> bool {
    let Ok(meta) = std::fs::metadata(file) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o077 == 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

fn write_private(file: &std::path::Path, body: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let f = options.open(file)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        drop(f);
    }
    std::fs::write(file, body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_times_are_utc_minutes() {
        assert_eq!(super::utc_minute(0), "1970-01-01 00:00");
        assert_eq!(super::utc_minute(951_782_400 + 3_661), "2000-02-29 01:01");
        assert_eq!(super::utc_minute(1_764_460_800), "2025-11-30 00:00");
    }
}
