//! Ed25519 keys, signed tree heads, signed documents (statements, footprints, certificates) and
//! inclusion proofs, and their offline verification. One key and signature format for the whole
//! product: RFC 8032 Ed25519 over the exact message texts below, keys and signatures in lower-case
//! hex.
//!
//! Messages signed (UTF-8, each line ending in `\n`):
//! - a tree head: `custody-head-v1`, entity, tree size, root (hex);
//! - a document: `custody-document-v1`, kind, entity, tree size, root, SHA-256 (hex) of the
//!   document's compact JSON serialisation (keys in the order given, numbers as written).
//!
//! An inclusion proof carries its entry (previous hash, canonical text, transaction text), so the
//! verifier recomputes the entry's chain hash (`entry_hash`), its leaf and the path to the signed
//! root without any database.

use crate::merkle::{self, Hash};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The journal's chain hash of one entry: SHA-256 of `prev \n text \n tx_text`, in hex.
pub fn entry_hash(prev: &str, text: &str, tx_text: Option<&str>) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(text.as_bytes());
    h.update(b"\n");
    h.update(tx_text.unwrap_or("").as_bytes());
    hex::encode(h.finalize())
}

/// The Merkle leaf of an entry: `H(0x00 || chain hash bytes)`. `None` for a hash that is not
/// 64 hex digits.
pub fn entry_leaf(chain_hash: &str) -> Option<Hash> {
    let bytes = hex::decode(chain_hash).ok()?;
    (bytes.len() == 32).then(|| merkle::leaf_hash(&bytes))
}

/// Why a key, a signature or a proof is refused. Codes are stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("V001 unreadable: {0}")]
    Unreadable(String),
    #[error("V002 key_mismatch: signed with key {signed}, expected {expected}")]
    KeyMismatch { signed: String, expected: String },
    #[error("V003 head_signature_invalid: the tree head's signature does not verify with key {0}")]
    HeadSignature(String),
    #[error("V004 signature_invalid: the document's signature does not verify with key {0}")]
    Signature(String),
    #[error("V005 digest_mismatch: the document's SHA-256 is {actual}, the signature covers {signed}")]
    Digest { actual: String, signed: String },
    #[error("V006 entry_hash_mismatch: entry {seq} hashes to {actual}, the proof names {named}")]
    EntryHash { seq: i64, actual: String, named: String },
    #[error("V007 not_included: entry {seq} is not in the signed tree of {size} entries with root {root}")]
    NotIncluded { seq: i64, size: u64, root: String },
}

/// An entity's signing key (the 32-byte Ed25519 seed).
pub struct SecretKey(SigningKey);

impl SecretKey {
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey(SigningKey::from_bytes(&seed))
    }

    /// Reads a key file: one line `custody-ed25519-secret-v1 HEX64`.
    pub fn from_file_text(text: &str) -> Result<SecretKey, ProofError> {
        let bad =
            || ProofError::Unreadable("a key file is one line `custody-ed25519-secret-v1 <64 hex digits>`".into());
        let hexed = text.trim().strip_prefix("custody-ed25519-secret-v1 ").ok_or_else(bad)?;
        let bytes: [u8; 32] = hex::decode(hexed.trim()).ok().and_then(|b| b.try_into().ok()).ok_or_else(bad)?;
        Ok(SecretKey::from_seed(bytes))
    }

    pub fn to_file_text(&self) -> String {
        format!("custody-ed25519-secret-v1 {}\n", hex::encode(self.0.to_bytes()))
    }

    /// The public key, 64 hex digits.
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    fn sign(&self, message: &str) -> String {
        hex::encode(self.0.sign(message.as_bytes()).to_bytes())
    }

    /// Signs the head of a tree of `tree_size` leaves with `root`.
    pub fn sign_head(&self, entity: &str, tree_size: u64, root: &Hash) -> SignedHead {
        let root = hex::encode(root);
        let signature = self.sign(&head_message(entity, tree_size, &root));
        SignedHead { entity: entity.into(), tree_size, root, public_key: self.public_hex(), signature }
    }

    /// Signs a document of `kind` computed from the ledger whose head `head` is.
    pub fn sign_document(&self, kind: &str, document: Value, head: SignedHead) -> SignedDocument {
        let document_sha256 = digest(&document);
        let signature = self.sign(&document_message(kind, &head, &document_sha256));
        SignedDocument {
            format: DOCUMENT_FORMAT.into(),
            kind: kind.into(),
            entity: head.entity.clone(),
            document,
            document_sha256,
            head,
            signature,
        }
    }
}

/// Parses a public key: 64 hex digits (surrounding whitespace ignored).
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, ProofError> {
    let t = text.trim();
    if t.starts_with("custody-ed25519-secret") {
        // Never echo a secret back.
        return Err(ProofError::Unreadable("that is a secret key file: give the public key (the .pub file)".into()));
    }
    let shown = if t.len() <= 64 && t.chars().all(|c| c.is_ascii_hexdigit()) { t } else { "the text given" };
    let bytes: [u8; 32] = hex::decode(t)
        .ok()
        .filter(|_| t.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)))
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ProofError::Unreadable(format!("`{shown}` is not a public key (64 lower-case hex digits)")))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| ProofError::Unreadable(format!("not an Ed25519 public key: {e}")))
}

fn head_message(entity: &str, size: u64, root_hex: &str) -> String {
    format!("custody-head-v1\n{entity}\n{size}\n{root_hex}\n")
}

fn document_message(kind: &str, head: &SignedHead, sha: &str) -> String {
    format!("custody-document-v1\n{kind}\n{}\n{}\n{}\n{sha}\n", head.entity, head.tree_size, head.root)
}

/// SHA-256 (hex) of a JSON value's compact serialisation.
pub fn digest(v: &Value) -> String {
    hex::encode(Sha256::digest(serde_json::to_string(v).expect("a JSON value serialises").as_bytes()))
}

pub const DOCUMENT_FORMAT: &str = "custody-signed-v1";
pub const PROOF_FORMAT: &str = "custody-proof-v1";

/// A signed tree head: the entity's journal of `tree_size` entries has Merkle root `root`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    pub entity: String,
    pub tree_size: u64,
    pub root: String,
    pub public_key: String,
    pub signature: String,
}

/// A statement, footprint or certificate with the signer's signature and signed head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedDocument {
    pub format: String,
    pub kind: String,
    pub entity: String,
    pub document: Value,
    pub document_sha256: String,
    pub head: SignedHead,
    pub signature: String,
}

/// An entry of the journal, with its audit path to a signed head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub format: String,
    pub entity: String,
    pub seq: i64,
    pub op_id: Option<String>,
    pub prev_hash: String,
    pub text: String,
    pub tx_text: Option<String>,
    pub hash: String,
    pub leaf_index: u64,
    pub audit_path: Vec<String>,
    pub head: SignedHead,
}

/// What a verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub what: String,
    pub entity: String,
    pub public_key: String,
    /// Whether the key was given by the verifier (pinned) or only read from the file.
    pub pinned: bool,
    pub tree_size: u64,
    pub root: String,
}

fn check_key(signed: &str, pinned: Option<&VerifyingKey>) -> Result<VerifyingKey, ProofError> {
    let key = parse_public_key(signed)?;
    if let Some(p) = pinned {
        if p != &key {
            return Err(ProofError::KeyMismatch { signed: signed.into(), expected: hex::encode(p.to_bytes()) });
        }
    }
    Ok(key)
}

fn check_signature(key: &VerifyingKey, message: &str, sig: &str) -> bool {
    let Some(bytes) = hex::decode(sig).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
        return false;
    };
    key.verify(message.as_bytes(), &Signature::from_bytes(&bytes)).is_ok()
}

/// Verifies a signed head against `pinned` (when given) or its own key.
pub fn verify_head(head: &SignedHead, pinned: Option<&VerifyingKey>) -> Result<VerifyingKey, ProofError> {
    let key = check_key(&head.public_key, pinned)?;
    if !check_signature(&key, &head_message(&head.entity, head.tree_size, &head.root), &head.signature) {
        return Err(ProofError::HeadSignature(head.public_key.clone()));
    }
    Ok(key)
}

/// Verifies a file written by custody: a signed document or an inclusion proof. Every failure is
/// named; the first one found is returned.
pub fn verify_file(text: &str, pinned: Option<&VerifyingKey>) -> Result<Verified, ProofError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ProofError::Unreadable(format!("not JSON: {e}")))?;
    no_duplicate_keys(text)?;
    let format = v.get("format").and_then(Value::as_str).unwrap_or("");
    let done = |what: String, head: &SignedHead| Verified {
        what,
        entity: head.entity.clone(),
        public_key: head.public_key.clone(),
        pinned: pinned.is_some(),
        tree_size: head.tree_size,
        root: head.root.clone(),
    };
    match format {
        DOCUMENT_FORMAT => {
            let d: SignedDocument =
                serde_json::from_value(v).map_err(|e| ProofError::Unreadable(format!("a signed document: {e}")))?;
            let key = verify_head(&d.head, pinned)?;
            let actual = digest(&d.document);
            if actual != d.document_sha256 {
                return Err(ProofError::Digest { actual, signed: d.document_sha256 });
            }
            if d.entity != d.head.entity
                || !check_signature(&key, &document_message(&d.kind, &d.head, &d.document_sha256), &d.signature)
            {
                return Err(ProofError::Signature(d.head.public_key.clone()));
            }
            Ok(done(format!("{} of {}", d.kind, d.entity), &d.head))
        }
        PROOF_FORMAT => {
            let p: InclusionProof =
                serde_json::from_value(v).map_err(|e| ProofError::Unreadable(format!("an inclusion proof: {e}")))?;
            verify_head(&p.head, pinned)?;
            // The journal numbers its entries from 1 without gaps: entry `seq` is leaf `seq - 1`.
            if p.seq < 1 || p.seq as u64 != p.leaf_index + 1 {
                return Err(ProofError::Unreadable(format!(
                    "entry {} cannot be leaf {}: entry n is leaf n - 1",
                    p.seq, p.leaf_index
                )));
            }
            let actual = entry_hash(&p.prev_hash, &p.text, p.tx_text.as_deref());
            if actual != p.hash {
                return Err(ProofError::EntryHash { seq: p.seq, actual, named: p.hash });
            }
            let not_included =
                || ProofError::NotIncluded { seq: p.seq, size: p.head.tree_size, root: p.head.root.clone() };
            let leaf = entry_leaf(&p.hash).ok_or_else(not_included)?;
            let path: Option<Vec<Hash>> =
                p.audit_path.iter().map(|h| hex::decode(h).ok().and_then(|b| <[u8; 32]>::try_from(b).ok())).collect();
            let root = hex::decode(&p.head.root).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
            match (path, root) {
                (Some(path), Some(root))
                    if p.entity == p.head.entity
                        && merkle::verify_inclusion(p.leaf_index, p.head.tree_size, &leaf, &path, &root) =>
                {
                    Ok(done(format!("entry {} of {}", p.seq, p.entity), &p.head))
                }
                _ => Err(not_included()),
            }
        }
        other => Err(ProofError::Unreadable(format!(
            "`format` is `{other}`: custody verifies `{DOCUMENT_FORMAT}` documents and `{PROOF_FORMAT}` proofs"
        ))),
    }
}

/// Refuses JSON with a key given twice in one object: parsers disagree on which one counts
/// (serde_json keeps the last, others the first), so a signed file could show one value and
/// verify another.
pub fn no_duplicate_keys(text: &str) -> Result<(), ProofError> {
    use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
    struct Check;
    impl<'de> Deserialize<'de> for Check {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Check, D::Error> {
            d.deserialize_any(CheckVisitor)
        }
    }
    struct CheckVisitor;
    impl<'de> Visitor<'de> for CheckVisitor {
        type Value = Check;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format!("key `{key}` is given twice in one object")));
                }
                map.next_value::<Check>()?;
            }
            Ok(Check)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Check, A::Error> {
            while seq.next_element::<Check>()?.is_some() {}
            Ok(Check)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_str<E>(self, _: &str) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_unit<E>(self) -> Result<Check, E> {
            Ok(Check)
        }
    }
    serde_json::from_str::<Check>(text).map(|_| ()).map_err(|e| ProofError::Unreadable(e.to_string()))
}
