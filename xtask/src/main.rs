//! Chores: `cargo xtask ci` runs what CI runs.

use anyhow::{bail, Context};
use std::process::Command;

fn run(cmd: &str, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(cmd).args(args).status().with_context(|| format!("cannot run {cmd}"))?;
    if !status.success() {
        bail!("`{cmd} {}` failed", args.join(" "));
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "ci" => {
            run("cargo", &["fmt", "--all", "--", "--check"])?;
            run("cargo", &["test", "--workspace", "--locked"])
        }
        _ => bail!("usage: cargo xtask ci"),
    }
}
