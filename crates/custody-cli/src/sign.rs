//! Signed statements and proofs a buyer checks without any database (issue 13 item 5):
//! `signing-key create`, `report KIND --sign KEY`, `proof ENTRY` and `verify-statement FILE`.
//! The formats are `custody_proof`'s (docs/proofs.md).

use crate::db::Db;
use anyhow::{bail, Context};
use custody_proof::{InclusionProof, SecretKey, PROOF_FORMAT};
use custody_store::{EntryRow, Registry, Store};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Reads an entity's signing key file.
pub fn read_key(path: &Path) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read signing key {}", path.display()))?;
    SecretKey::from_file_text(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `custody signing-key create -o FILE`: a new Ed25519 key in FILE (mode 0600, never overwritten)
/// and its public key in FILE.pub; prints the public key.
pub fn create_key(out: &Path) -> anyhow::Result<ExitCode> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    let key = SecretKey::from_seed(seed);
    let public = out.with_extension(match out.extension() {
        Some(x) => format!("{}.pub", x.to_string_lossy()),
        None => "pub".into(),
    });
    // Neither the key nor its published public key is ever overwritten.
    for f in [out, public.as_path()] {
        if f.exists() {
            bail!("{} exists: a key is never overwritten (choose another name)", f.display());
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(out).with_context(|| format!("cannot create {}", out.display()))?;
    f.write_all(key.to_file_text().as_bytes())?;
    f.sync_all()?;
    let mut p = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&public)
        .with_context(|| format!("cannot create {}", public.display()))?;
    p.write_all(format!("{}\n", key.public_hex()).as_bytes())?;
    println!("{}", key.public_hex());
    eprintln!("signing key written to {} (keep it secret); public key in {}", out.display(), public.display());
    Ok(ExitCode::SUCCESS)
}

/// Every entry of an entity's journal, in order.
async fn all_entries<S: Store>(registry: &Registry<S>, entity: &str, upto: i64) -> anyhow::Result<Vec<EntryRow>> {
    let mut out: Vec<EntryRow> = Vec::new();
    loop {
        let after = out.last().map(|e| e.seq).unwrap_or(0);
        if after >= upto {
            break;
        }
        let page = registry.store().entries(entity, after, 10_000.min(upto - after)).await?;
        if page.is_empty() {
            break;
        }
        out.extend(page);
    }
    Ok(out)
}

/// The entity's entries and ledger at one head: read again if a writer moved the head meanwhile.
pub(crate) async fn snapshot<S: Store>(
    registry: &Registry<S>,
    entity: &str,
) -> anyhow::Result<(Vec<EntryRow>, custody_core::Ledger)> {
    for _ in 0..5 {
        let head = registry.store().head(entity).await?;
        let entries = all_entries(registry, entity, head.seq).await?;
        // Replayed from the entries it signs over, never from a stored snapshot (a snapshot is
        // trusted like the database; a signature attests what follows from the journal).
        let ledger = registry.replayed(entity).await?;
        if registry.store().head(entity).await? == head {
            return Ok((entries, ledger));
        }
    }
    bail!("entity `{entity}` is being written to: try again")
}

pub(crate) fn hashes(entries: &[EntryRow]) -> Vec<String> {
    entries.iter().map(|e| e.hash.clone()).collect()
}

/// `custody report KIND --sign KEY`: the statement as JSON inside a signed document.
pub async fn signed_report(
    kind: &str,
    period: Option<&str>,
    entity: Option<String>,
    db: &Db,
    key: &Path,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let key = read_key(key)?;
    let registry = db.reader().await?;
    let id = crate::pick_entity(&registry, entity).await?;
    let (entries, ledger) = snapshot(&registry, &id).await?;
    let json = match custody_report::render_stated(&ledger, kind, period, custody_report::Format::Json) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let document: serde_json::Value = serde_json::from_str(&json).context("the statement is JSON")?;
    let head = custody_proof::head_of(&key, &id, &hashes(&entries))?;
    let signed = key.sign_document(&format!("report {kind}"), document, head);
    let text = serde_json::to_string_pretty(&signed)? + "\n";
    match output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `custody proof ENTRY`: the entry (an operation id, or `#SEQ`) with its audit path to a signed
/// head of the entity's whole journal.
pub async fn proof(entry: &str, entity: Option<String>, db: &Db, key: &Path) -> anyhow::Result<ExitCode> {
    let key = read_key(key)?;
    let registry = db.reader().await?;
    let id = crate::pick_entity(&registry, entity).await?;
    let (entries, _) = snapshot(&registry, &id).await?;
    let by_seq = entry.strip_prefix('#').and_then(|s| s.parse::<i64>().ok());
    let Some(index) = entries.iter().position(|e| Some(e.seq) == by_seq || e.op_id.as_deref() == Some(entry)) else {
        eprintln!("error: entity `{id}` has no entry `{entry}` (give an operation id, or #SEQ for any entry)");
        return Ok(ExitCode::from(1));
    };
    let (audit_path, head) = custody_proof::audit(&key, &id, &hashes(&entries), index)?;
    let e = &entries[index];
    let proof = InclusionProof {
        format: PROOF_FORMAT.into(),
        entity: id.clone(),
        seq: e.seq,
        op_id: e.op_id.clone(),
        prev_hash: e.prev_hash.clone(),
        text: e.text.clone(),
        tx_text: e.tx_text.clone(),
        hash: e.hash.clone(),
        leaf_index: index as u64,
        audit_path,
        head,
    };
    println!("{}", serde_json::to_string_pretty(&proof)?);
    Ok(ExitCode::SUCCESS)
}

/// For an inclusion proof: its `text` is exactly one journal entry (with the operation id the
/// proof names) and its `tx_text` exactly one transaction of that id, both in canonical form, so
/// no line can move from one to the other (the chain hash joins them with a newline only).
fn entry_is_one_operation(text: &str) -> Result<(), custody_proof::ProofError> {
    let bad = custody_proof::ProofError::Unreadable;
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if v.get("format").and_then(|f| f.as_str()) != Some(PROOF_FORMAT) {
        return Ok(());
    }
    let p: InclusionProof = serde_json::from_value(v).map_err(|e| bad(e.to_string()))?;
    let one = |t: &str, what: &str| -> Result<custody_journal::Entry, custody_proof::ProofError> {
        let (entries, diags) = custody_journal::parse(&[custody_journal::Source { name: what.into(), text: t.into() }]);
        match entries.as_slice() {
            [e] if diags.is_empty() && custody_journal::print_entry(&e.entry) == t => Ok(e.entry.clone()),
            _ => Err(bad(format!("the proof's {what} is not exactly one entry in its canonical text"))),
        }
    };
    let id = match one(&p.text, "text")? {
        custody_journal::Entry::Op(op) => Some(op.id),
        _ => None,
    };
    if id != p.op_id {
        return Err(bad(format!("the proof names operation {:?}, its text is of {:?}", p.op_id, id)));
    }
    if let Some(tx) = &p.tx_text {
        match one(tx, "tx_text")? {
            custody_journal::Entry::Op(op) if Some(&op.id) == id.as_ref() => {}
            _ => return Err(bad("the proof's tx_text is not the transaction of its operation".into())),
        }
    }
    Ok(())
}

/// `custody verify-statement FILE [--public-key KEY]`: exit 0 when valid, 1 when not, naming
/// what failed. KEY is 64 hex digits or a file holding them (a `.pub` file).
pub fn verify_statement(file: &Path, public_key: Option<&str>) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let pinned = match public_key {
        Some(k) if k.trim().is_empty() => {
            bail!("--public-key is empty: give the signer's public key or leave the option out")
        }
        Some(k) => {
            let looks_like_path = k.contains('/') || k.ends_with(".pub") || k.ends_with(".key");
            let k = if Path::new(k).is_file() {
                std::fs::read_to_string(k)?
            } else if looks_like_path {
                bail!("--public-key {k}: no such file");
            } else {
                k.to_string()
            };
            match custody_proof::parse_public_key(&k) {
                Ok(k) => Some(k),
                Err(e) => {
                    println!("invalid: --public-key: {e}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        None => None,
    };
    match custody_proof::verify_file(&text, pinned.as_ref()).and_then(|v| entry_is_one_operation(&text).map(|_| v)) {
        Ok(v) => {
            println!(
                "valid: {} signed by key {}{}; journal of {} entries, Merkle root {}",
                v.what,
                v.public_key,
                if v.pinned {
                    " (the key given)"
                } else {
                    " (the key in the file: pass --public-key to check who signed)"
                },
                v.tree_size,
                v.root
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("invalid: {}: {e}", file.display());
            Ok(ExitCode::from(1))
        }
    }
}
