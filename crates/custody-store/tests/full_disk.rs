//! Store case 02: acknowledged means durable. SQLite on a small filesystem (an 8 MiB tmpfs,
//! mounted when the test runs as root; otherwise it says it skips): while the disk is full a
//! write fails (never `Ok` without a commit), and once space returns writes succeed again on the
//! same store, with no transaction left open; every write that returned `Ok` is in the database
//! after it is closed and opened again.

use custody_journal::{parse, Entry, Source};
use custody_store::{Registry, SqlStore, Store};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

const BASE: &str = "entity e \"E\"\n  ratios efi\n  gwp ar5\ncounterparty sup \"Supplier\"\n\
    item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\nperiod 2025 2025-01-01 2025-12-31\n";

fn entries(text: &str) -> Vec<Entry> {
    let (e, d) = parse(&[Source { name: "t".into(), text: text.into() }]);
    assert!(d.is_empty(), "{d:?}");
    e.into_iter().map(|s| s.entry).collect()
}

fn purchase(id: &str, day: u32) -> Vec<Entry> {
    // A long memo makes each write take room, so the disk fills within a few writes.
    entries(&format!(
        "2025-02-{day:02} purchase {id} \"{}\"\n  supplier sup\n  item ore\n  quantity 7 t\n  factor 87.8 gCO2/kg\n",
        "m".repeat(2_000)
    ))
}

struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let ok = Command::new("umount").arg(&self.0).status().is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// An 8 MiB tmpfs, or None when this process may not mount one.
fn small_disk() -> Option<Mount> {
    let root = Command::new("id").arg("-u").output().ok().is_some_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("custody-full-disk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let ok = Command::new("mount").args(["-t", "tmpfs", "-o", "size=8M", "tmpfs"]).arg(&dir).status();
    if !ok.is_ok_and(|s| s.success()) {
        let _ = std::fs::remove_dir(&dir);
        return None;
    }
    Some(Mount(dir))
}

/// Fills the filesystem holding `dir`; returns the filler file.
fn fill(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("fill");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let small = [0u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_writes_then_recovers_and_every_acknowledged_write_is_kept() {
    let Some(disk) = small_disk() else {
        custody_store::conformance::skipped(
            "a_full_disk_fails_writes_then_recovers_and_every_acknowledged_write_is_kept",
            "needs root to mount an 8 MiB tmpfs",
        );
        return;
    };
    let url = format!("sqlite://{}", disk.0.join("c.db").display());
    let store = SqlStore::connect(&url).await.unwrap();
    let registry = Registry::new(store.clone());
    let all = entries(BASE);
    let Entry::Entity(entity) = &all[0] else { unreachable!() };
    registry.create(entity).await.unwrap();
    registry.submit("e", all[1..].to_vec()).await.unwrap();
    let mut acked = Vec::new();
    for n in 1..=5 {
        let id = format!("pre-{n}");
        registry.submit("e", purchase(&id, n)).await.unwrap();
        acked.push(id);
    }
    let filler = fill(&disk.0);
    let mut failed = 0;
    for n in 1..=40 {
        let id = format!("full-{n}");
        match registry.submit("e", purchase(&id, n % 28 + 1)).await {
            Ok(_) => acked.push(id),
            Err(_) => failed += 1,
        }
    }
    assert!(failed > 0, "no write failed on a full disk");
    std::fs::remove_file(filler).unwrap();
    for n in 1..=3 {
        let id = format!("after-{n}");
        // The first write after the space returns may still meet the old state once.
        if registry.submit("e", purchase(&id, n)).await.is_err() {
            registry.submit("e", purchase(&id, n)).await.expect("a write succeeds once space returns");
        }
        acked.push(id);
    }
    drop(registry);
    store.close().await;

    let reader = Registry::new(SqlStore::connect_read_only(&url).await.unwrap());
    let ledger = reader.ledger("e").await.unwrap();
    for id in &acked {
        assert!(ledger.transactions().iter().any(|t| &t.id == id), "`{id}` was acknowledged but is not stored");
    }
    reader.verify("e").await.unwrap();
    reader.store().close().await;
    assert!(reader.store().entity_ids().await.is_err(), "a closed store answers nothing");
}
