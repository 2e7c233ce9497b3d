//! `custody reconcile`: every transfer of goods and of certificates between entities of the
//! database, both sides; exit 1 on any mismatch.

use crate::db::Db;
use crate::FormatArg;
use std::process::ExitCode;

pub async fn run(format: FormatArg, db: &Db) -> anyhow::Result<ExitCode> {
    let registry = db.reader().await?;
    let rows = registry.reconcile().await?;
    let certs = registry.reconcile_certificates().await?;
    let mismatches = rows.iter().filter(|r| r.mismatch).count() + certs.iter().filter(|c| c.mismatch.is_some()).count();
    match format {
        FormatArg::Json => println!("{}", serde_json::to_string_pretty(&reconcile_json(&rows, &certs))?),
        FormatArg::Csv => print!("{}", custody_report::to_csv(&reconcile_json(&rows, &certs))),
        FormatArg::Text => {
            for r in &rows {
                let t = &r.transfer;
                println!(
                    "{:<48} {:<9} {} -> {}  {} gC sent, {} gC booked{}",
                    t.id,
                    t.status.as_str(),
                    t.seller,
                    t.buyer,
                    t.amounts.iter().map(|a| a.2).sum::<i64>(),
                    r.received.iter().map(|a| a.2).sum::<i64>(),
                    if r.mismatch { "  MISMATCH" } else { "" }
                );
            }
            for c in &certs {
                println!(
                    "certificate {:<36} {:<9} {} -> {}  {}{}",
                    c.certificate,
                    c.status(),
                    c.from,
                    c.to,
                    c.units.map(|u| format!("{u} units")).unwrap_or_default(),
                    c.mismatch.as_deref().map(|m| format!("  MISMATCH: {m}")).unwrap_or_default()
                );
            }
            println!("{} transfers, {} certificate transfers, {} mismatched", rows.len(), certs.len(), mismatches);
        }
    }
    Ok(if mismatches > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn reconcile_json(
    rows: &[custody_store::Reconciliation],
    certs: &[custody_store::CertificateSettlement],
) -> serde_json::Value {
    let transfers: Vec<serde_json::Value> =
        rows.iter().map(|r| custody_server::transfer_json(&r.transfer, Some(r))).collect();
    let certificates: Vec<serde_json::Value> = certs
        .iter()
        .map(|c| {
            serde_json::json!({"transfer": c.transfer, "certificate": c.certificate, "from": c.from, "to": c.to,
                "status": c.status(), "receives": c.receives, "units": c.units, "mismatch": c.mismatch})
        })
        .collect();
    let mismatches = rows.iter().filter(|r| r.mismatch).count() + certs.iter().filter(|c| c.mismatch.is_some()).count();
    serde_json::json!({"transfers": transfers, "certificates": certificates, "mismatches": mismatches})
}
