//! API keys and roles.
//!
//! - `admin`: creates entities and keys, reads the registry's reconciliation; writes no ledger.
//! - `member` of E: reads and writes E's ledger, sees E's transfers, accepts or refuses them.
//! - `counterparty` of E: sees only transfers addressed to E.
//! - `verifier`: reads the ledgers it was granted, and nothing else; writes nothing.
//!
//! Keys are sent as `Authorization: Bearer SECRET`; only the SHA-256 of a secret is stored.

use crate::error::ApiError;
use custody_store::{key_hash, ApiKey, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Member,
    Counterparty,
    Verifier,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "counterparty" => Some(Role::Counterparty),
            "verifier" => Some(Role::Verifier),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Counterparty => "counterparty",
            Role::Verifier => "verifier",
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: String,
    pub role: Role,
    pub entity: Option<String>,
    pub grants: Vec<String>,
}

impl Caller {
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::forbidden("only a registry admin key may do this")),
        }
    }

    /// Reading an entity's ledger: its members and the verifiers granted it.
    pub fn can_read(&self, entity: &str) -> bool {
        match self.role {
            Role::Member => self.entity.as_deref() == Some(entity),
            Role::Verifier => self.grants.iter().any(|g| g == entity),
            Role::Admin | Role::Counterparty => false,
        }
    }

    pub fn require_read(&self, entity: &str) -> Result<(), ApiError> {
        if self.can_read(entity) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("this key may not read the ledger of `{entity}`")))
        }
    }

    /// Writing an entity's ledger: its members only.
    pub fn require_write(&self, entity: &str) -> Result<(), ApiError> {
        if self.role == Role::Member && self.entity.as_deref() == Some(entity) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("this key may not write the ledger of `{entity}`")))
        }
    }

    /// Seeing a transfer: the seller's and the buyer's members, the buyer's counterparty keys,
    /// verifiers granted either side, and admins.
    pub fn can_see_transfer(&self, seller: &str, buyer: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Member => self.entity.as_deref() == Some(seller) || self.entity.as_deref() == Some(buyer),
            Role::Counterparty => self.entity.as_deref() == Some(buyer),
            Role::Verifier => self.grants.iter().any(|g| g == seller || g == buyer),
        }
    }
}

/// When this process last recorded each key's use (Unix seconds).
static TOUCHED: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, i64>>> =
    std::sync::LazyLock::new(Default::default);

/// Whether the key's use at `now` is to be recorded: not within the minute after the last one
/// this process recorded (the store keeps uses to the minute anyway: `Store::touch_key`).
fn due_touch(id: &str, now: i64) -> bool {
    let mut touched = TOUCHED.lock().unwrap_or_else(|p| p.into_inner());
    match touched.get(id) {
        Some(last) if now - last < 60 => false,
        _ => {
            touched.insert(id.to_string(), now);
            true
        }
    }
}

/// The bearer secret of an `Authorization` header.
fn bearer(authorization: Option<&str>) -> Result<&str, ApiError> {
    let Some(value) = authorization else {
        return Err(ApiError::unauthorized("send an API key as `Authorization: Bearer KEY`"));
    };
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer KEY`"))
}

/// Resolves a bearer secret to a caller: unknown and revoked keys are refused alike.
pub async fn caller<S: Store>(store: &S, authorization: Option<&str>) -> Result<Caller, ApiError> {
    let key = store.key_by_hash(&key_hash(bearer(authorization)?)).await?;
    admit(store, key).await
}

/// [`caller`], and the head of `entity`'s journal (`None`: no such entity) read with it.
pub async fn caller_and_head<S: Store>(
    store: &S,
    authorization: Option<&str>,
    entity: &str,
) -> Result<(Caller, Option<custody_store::Head>), ApiError> {
    let (key, head) = store.key_and_head(&key_hash(bearer(authorization)?), entity).await?;
    Ok((admit(store, key).await?, head))
}

/// The caller a stored key (or none) makes.
async fn admit<S: Store>(store: &S, key: Option<ApiKey>) -> Result<Caller, ApiError> {
    match key {
        Some(k) if !k.revoked => {
            let role = Role::parse(&k.role).ok_or_else(|| ApiError::unauthorized("this key has an unknown role"))?;
            // `custody key list` shows when a key was last used, to the minute; a failure to record
            // it refuses nothing. This process remembers when it last recorded each key, so a busy
            // key costs one write a minute, not one statement a request (issue 12: that UPDATE
            // took SQLite's write lock on every read).
            let now = custody_store::unix_now();
            if due_touch(&k.id, now) {
                let _ = store.touch_key(&k.id, now).await;
            }
            Ok(Caller { key_id: k.id, role, entity: k.entity, grants: k.grants })
        }
        Some(_) => Err(ApiError::unauthorized("this API key was revoked")),
        None => Err(ApiError::unauthorized("unknown API key")),
    }
}

/// Creates a key and returns its id and its secret (shown once, never stored).
pub async fn create_key<S: Store>(
    store: &S,
    role: Role,
    entity: Option<String>,
    grants: Vec<String>,
) -> Result<(String, String), ApiError> {
    if matches!(role, Role::Member | Role::Counterparty) && entity.is_none() {
        return Err(ApiError::bad_request(format!("a {} key needs an entity", role.as_str())));
    }
    if role == Role::Verifier && grants.is_empty() {
        return Err(ApiError::bad_request("a verifier key needs at least one granted entity"));
    }
    let random = |n: usize| -> Result<String, ApiError> {
        let mut bytes = vec![0u8; n];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    };
    let id = format!("key_{}", random(8)?);
    let secret = format!("cst_{}", random(24)?);
    store
        .put_key(&ApiKey {
            id: id.clone(),
            hash: key_hash(&secret),
            role: role.as_str().into(),
            entity,
            grants,
            revoked: false,
        })
        .await?;
    Ok((id, secret))
}

#[cfg(test)]
mod touch_tests {
    #[test]
    fn a_key_use_is_recorded_at_most_once_a_minute_per_key() {
        assert!(super::due_touch("touch-test-a", 1_000));
        assert!(!super::due_touch("touch-test-a", 1_030));
        assert!(!super::due_touch("touch-test-a", 1_059));
        assert!(super::due_touch("touch-test-b", 1_030), "another key is its own");
        assert!(super::due_touch("touch-test-a", 1_060));
        assert!(!super::due_touch("touch-test-a", 1_061));
    }
}
