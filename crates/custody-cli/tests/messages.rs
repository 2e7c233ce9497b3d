//! End-to-end tests of what `custody import` and `custody check` say when they refuse: the file
//! and line of the entry, what differs in a definition given again, what an import that stopped
//! had written, and every file's problems in check's words (found by a hostile tester).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn custody(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody")).args(args).output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custody-msgs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn examples(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(dir)
}

/// Copies an example folder's journal and CSV files (links followed) into `to`.
fn copy_example(dir: &str, to: &Path) {
    for e in std::fs::read_dir(examples(dir)).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "journal" || x == "csv") {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn db(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("c.db").display())
}

const PLANT: &str = "entity tiny \"Tiny plant\"\n  ratios molar\n  gwp ar6\n\n\
counterparty sup \"Supplier\"\n\n\
item coke \"Coke\"\n  category fuel\n  carbon-content 0.9\n\n\
period 2025-05 2025-05-01 2025-05-31\n\n\
2025-05-05 purchase buy-coke\n  supplier sup\n  item coke\n  quantity 10 t\n  factor 0.4 tCO2/t\n";

/// `(file, line)` of the entry `marker` starts, in `text`.
fn line_of(text: &str, marker: &str) -> usize {
    text.lines().position(|l| l.starts_with(marker)).unwrap() + 1
}

#[test]
fn reimporting_a_different_entity_names_file_line_field_and_both_values() {
    let dir = temp_dir("entity");
    let (a, b) = (dir.join("a.journal"), dir.join("b.journal"));
    std::fs::write(&a, PLANT).unwrap();
    std::fs::write(&b, PLANT.replace("gwp ar6", "gwp ar5")).unwrap();
    let o = custody(&["import", a.to_str().unwrap(), "--database-url", &db(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = custody(&["import", b.to_str().unwrap(), "--database-url", &db(&dir)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let want = format!(
        "{}:1:1: the entity `tiny` is already defined, differently: field `gwp`: stored `ar6`, new `ar5`\n\
         nothing imported from {}\n",
        b.display(),
        b.display()
    );
    assert_eq!(stderr(&o), want);
}

/// Every kind of refusal `import` prints names the entry's file and line, says what differs in a
/// definition given again, and no line ends with a stray `;`.
#[test]
fn every_import_refusal_names_file_and_line_and_what_differs() {
    // (what the second file holds after the stored plant, the entry's first line, what it says)
    let cases: [(&str, &str, &str); 5] = [
        ("item coke \"Coke\"\n  category raw-material\n  carbon-content 0.9\n", "item coke", "item `coke` is already defined, differently: field `category`: stored `fuel`, new `raw-material`"),
        ("counterparty sup \"Supplier Ltd\"\n", "counterparty sup", "counterparty `sup` is already defined, differently: field `counterparty`: stored `\"Supplier\"`, new `\"Supplier Ltd\"`"),
        ("period 2025-05 2025-05-01 2025-05-30\n", "period 2025-05", "differently: field `period`: stored `2025-05-01 2025-05-31`, new `2025-05-01 2025-05-30`"),
        ("# two entries\nitem ore \"Ore\"\n  category raw-material\n\n2025-05-20 consume burn\n  use coke 100 t\n", "2025-05-20 consume", "`burn` rejected: [E012 insufficient_quantity] item `coke`: 10000000 on hand, 100000000 drawn (field `use`)"),
        ("2025-05-20 consume burn\n  use coke 6 t\n  use coke 6 t\n", "2025-05-20 consume", "`burn` rejected: [E012 insufficient_quantity]"),
    ];
    for (n, (text, marker, says)) in cases.into_iter().enumerate() {
        let dir = temp_dir(&format!("refusal-{n}"));
        let (a, b) = (dir.join("a.journal"), dir.join("b.journal"));
        std::fs::write(&a, PLANT).unwrap();
        std::fs::write(&b, text).unwrap();
        let o = custody(&["import", a.to_str().unwrap(), "--database-url", &db(&dir)]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = custody(&["import", b.to_str().unwrap(), "--entity", "tiny", "--database-url", &db(&dir)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        let at = format!("{}:{}:1: ", b.display(), line_of(text, marker));
        let line = err.lines().find(|l| l.starts_with(&at)).unwrap_or_else(|| panic!("no line at {at}: {err}"));
        assert!(line.contains(says), "{line}");
        assert!(err.lines().all(|l| !l.ends_with(';')), "a stray `;`: {err}");
    }
}

#[test]
fn a_folder_import_that_stops_says_what_each_earlier_file_wrote() {
    let dir = temp_dir("folder");
    let src = dir.join("in");
    std::fs::create_dir(&src).unwrap();
    copy_example("csv-import", &src);
    let good = std::fs::read_to_string(src.join("4-production.csv")).unwrap();
    std::fs::write(src.join("4-production.csv"), good.replace("35.1,yes", "35.1,xx")).unwrap();
    // What each file writes on its own, counted by importing them one by one elsewhere.
    let alone = temp_dir("folder-alone");
    let mut wrote = Vec::new();
    for f in ["1-mill.journal", "2-purchases.csv", "3-operations.journal"] {
        let o =
            custody(&["import", src.join(f).to_str().unwrap(), "--entity", "mini-mill", "--database-url", &db(&alone)]);
        let out = stdout(&o);
        let n: usize = out.trim().strip_prefix("imported: ").unwrap().split(' ').next().unwrap().parse().unwrap();
        wrote.push((f, n));
    }
    assert_eq!(wrote.iter().map(|w| w.1).collect::<Vec<_>>(), [13, 3, 2]);
    let o = custody(&["import", src.to_str().unwrap(), "--database-url", &db(&dir)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let mut want =
        String::from("written before the error (kept: importing again finds these entries already present):\n");
    for (f, n) in &wrote {
        want.push_str(&format!("  {} -> mini-mill: {n} entries written, 0 already present\n", src.join(f).display()));
    }
    let bad = src.join("4-production.csv");
    want.push_str(&format!(
        "{}:3: cut_off is yes or no, not `xx`\n1 error: nothing imported from {}\n",
        bad.display(),
        bad.display()
    ));
    assert_eq!(stderr(&o), want);
    // The summary is true: importing the mended folder finds those entries already present.
    std::fs::write(&bad, good).unwrap();
    let o = custody(&["import", src.to_str().unwrap(), "--database-url", &db(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(", 18 already present"), "{}", stdout(&o));
}

#[test]
fn a_refused_batch_inside_a_file_counts_the_batches_before_it() {
    let dir = temp_dir("batches");
    let src = dir.join("in");
    std::fs::create_dir(&src).unwrap();
    let (a, b) = (src.join("1-a.journal"), src.join("2-b.journal"));
    std::fs::write(&a, PLANT).unwrap();
    let ops = "2025-05-06 consume c1\n  use coke 1 t\n\n2025-05-07 consume c2\n  use coke 1 t\n\n\
               2025-05-08 consume c3\n  use coke 100 t\n";
    std::fs::write(&b, ops).unwrap();
    let o = custody(&["import", src.to_str().unwrap(), "--batch", "1", "--database-url", &db(&dir)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let want = format!(
        "written before the error (kept: importing again finds these entries already present):\n\
         \x20 {} -> tiny: 5 entries written, 0 already present\n\
         \x20 {} -> tiny: 2 entries written, 0 already present\n\
         {}:7:1: `c3` rejected: [E012 insufficient_quantity] item `coke`: 8000000 on hand, 100000000 drawn (field `use`)\n\
         the batch holding it (1 entries) was not written\n",
        a.display(),
        b.display(),
        b.display()
    );
    assert_eq!(err, want);
}

/// A folder of several entities whose files hold rejected operations (two files) lists each in
/// check's words; CSV files with bad cells (two files) list every cell.
#[test]
fn check_of_several_entities_lists_every_files_rejections_and_bad_cells() {
    let dir = temp_dir("check-rejected");
    copy_example("three-tier", &dir);
    for (f, item) in [("1-mine.journal", "diesel"), ("3-transformer-co.journal", "copper")] {
        let mut text = std::fs::read_to_string(dir.join(f)).unwrap();
        text.push_str(&format!("\n2025-03-31 consume too-much\n  use {item} 999999 t\n"));
        std::fs::write(dir.join(f), text).unwrap();
    }
    let o = custody(&["check", dir.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for f in ["1-mine.journal", "3-transformer-co.journal"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        let at = format!(
            "{}:{}:1: `too-much` rejected: [E012 insufficient_quantity]",
            dir.join(f).display(),
            text.lines().count() - 1
        );
        assert!(err.contains(&at), "{at}: {err}");
    }
    assert!(err.ends_with("2 errors\n"), "{err}");
    assert!(!err.contains("imported") && !err.contains("batch"), "check wording: {err}");

    let dir = temp_dir("check-cells");
    copy_example("three-tier", &dir);
    let header = "date,id,supplier,item,quantity,unit,per,CO2\n";
    std::fs::write(
        dir.join("3b-oil.csv"),
        format!("{header}2025-03-05,p-oil,oil-co,oil,10,t,kg,3\n2025-03-06,p bad,oil-co,oil,10,t,kg,3\n"),
    )
    .unwrap();
    std::fs::write(dir.join("3c-oil.csv"), format!("{header}2025-03-05,p-x,\"a\nb\",oil,10,t,kg,3\n")).unwrap();
    let o = custody(&["check", dir.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let want = format!(
        "{}:3: row 2, column `id`: a cell holds one value, this one holds more than one value (whitespace inside)\n\
         {}:2: row 1, column `supplier`: a cell holds one value, this one holds a line break\n2 errors\n",
        dir.join("3b-oil.csv").display(),
        dir.join("3c-oil.csv").display()
    );
    assert_eq!(err, want);
}

/// The same file twice is one entity begun twice: an error on the one-ledger path (one entity)
/// and on the several-entity path alike, in the journal loader's words.
#[test]
fn check_of_the_same_file_twice_is_refused_on_both_paths() {
    let dir = temp_dir("twice");
    let a = dir.join("a.journal");
    std::fs::write(&a, PLANT).unwrap();
    let a = a.to_str().unwrap();
    let o = custody(&["check", a, a]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let first = format!("{a}:1:1: the entity is already defined (at {a}:1:1): one journal describes one entity\n");
    assert!(err.starts_with(&first), "{err}");

    let other = dir.join("b.journal");
    std::fs::write(&other, PLANT.replace("entity tiny", "entity other")).unwrap();
    let o = custody(&["check", a, other.to_str().unwrap(), a]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err, format!("{first}1 error\n"));
    // Different the second time: what differs, from the first.
    let changed = dir.join("c.journal");
    std::fs::write(&changed, PLANT.replace("gwp ar6", "gwp ar5")).unwrap();
    for args in [vec![a, changed.to_str().unwrap()], vec![a, other.to_str().unwrap(), changed.to_str().unwrap()]] {
        let o = custody(&[&["check"][..], &args].concat());
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!(
                "{}:1:1: the entity is already defined (at {a}:1:1), differently: field `gwp`: first `ar6`, new `ar5`",
                changed.display()
            )),
            "{err}"
        );
    }
}
