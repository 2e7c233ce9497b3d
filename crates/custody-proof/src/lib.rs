//! Statements a buyer verifies offline (issue 13 item 5): each entity's hash-chained journal is
//! also a Merkle log (RFC 6962), whose heads, and every statement, footprint and certificate custody
//! hands out, are signed with the entity's Ed25519 key (RFC 8032). Pure: no I/O, no database.
//!
//! - `merkle`: tree hashes, inclusion proofs and their verification.
//! - `sign`: keys, signed heads and documents, inclusion proof files, `verify_file`.

pub mod merkle;
pub mod sign;

pub use sign::{
    entry_hash, entry_leaf, parse_public_key, verify_file, InclusionProof, ProofError, SecretKey, SignedDocument,
    SignedHead, Verified, DOCUMENT_FORMAT, PROOF_FORMAT,
};

/// Signs the head of a journal whose entries have these chain hashes (in order).
pub fn head_of(key: &SecretKey, entity: &str, chain_hashes: &[String]) -> Result<SignedHead, ProofError> {
    let leaves = leaves(chain_hashes)?;
    Ok(key.sign_head(entity, leaves.len() as u64, &merkle::root(&leaves)))
}

/// The audit path (hex, from the leaf up) of entry `index` of a journal whose entries have these
/// chain hashes, and the signed head of the whole journal it leads to.
pub fn audit(
    key: &SecretKey,
    entity: &str,
    chain_hashes: &[String],
    index: usize,
) -> Result<(Vec<String>, SignedHead), ProofError> {
    let leaves = leaves(chain_hashes)?;
    let path = merkle::inclusion_proof(index, &leaves)
        .ok_or_else(|| ProofError::Unreadable(format!("entry {index} is not in a journal of {}", leaves.len())))?;
    let head = key.sign_head(entity, leaves.len() as u64, &merkle::root(&leaves));
    Ok((path.iter().map(hex::encode).collect(), head))
}

/// The Merkle leaves of a journal's chain hashes.
pub fn leaves(chain_hashes: &[String]) -> Result<Vec<merkle::Hash>, ProofError> {
    chain_hashes
        .iter()
        .map(|h| entry_leaf(h).ok_or_else(|| ProofError::Unreadable(format!("`{h}` is not a chain hash"))))
        .collect()
}
