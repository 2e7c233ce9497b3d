//! Command-line flags: `--name value` pairs.

use anyhow::{bail, Context};

/// The value after each flag, for the flags named in `known`.
pub fn flags(args: &[String], known: &[&str]) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(name) = a.strip_prefix("--").filter(|n| known.contains(n)) else { bail!("unknown argument {a}") };
        out.insert(name.to_string(), it.next().with_context(|| format!("{a} needs a value"))?.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_take_their_values_and_refuse_strangers() {
        let args: Vec<String> = ["--a", "1", "--b", "x"].iter().map(|s| s.to_string()).collect();
        let f = flags(&args, &["a", "b"]).unwrap();
        assert_eq!((f["a"].as_str(), f["b"].as_str()), ("1", "x"));
        assert!(flags(&args, &["a"]).is_err());
        assert!(flags(&args[..1], &["a"]).is_err());
    }
}
