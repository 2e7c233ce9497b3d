//! The offline verifier's parser: any bytes give a verdict (valid, or a named failure), never a
//! panic; a verdict of "valid" only for a file whose signatures check with the key it names.

/// Tokens the mutations insert.
pub const DICT: &[&str] = &[
    "\"format\"",
    "\"custody-signed-v1\"",
    "\"custody-proof-v1\"",
    "\"tree_size\"",
    "\"leaf_index\"",
    "\"audit_path\"",
    "18446744073709551615",
    "-1",
    "\"\"",
    "[]",
    "{}",
    "null",
    "0000000000000000000000000000000000000000000000000000000000000000",
];

pub fn target(data: &[u8]) -> custody_fuzz::Outcome {
    let text = String::from_utf8_lossy(data);
    match custody_proof::verify_file(&text, None) {
        // A mutated file that still verifies must be a signed one: its key verifies its head.
        Ok(v) => {
            let head: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("valid but not JSON: {e}"))?;
            let head: custody_proof::SignedHead =
                serde_json::from_value(head["head"].clone()).map_err(|e| format!("valid without a head: {e}"))?;
            custody_proof::sign::verify_head(&head, None).map_err(|e| format!("valid with a bad head: {e}"))?;
            Ok(format!("valid {}", v.what.split(' ').next().unwrap_or("")))
        }
        Err(e) => Ok(e.to_string().chars().take(4).collect()),
    }
}
