//! One file's entries into a registry, in batches: shared by `custody import` (the first problem
//! stops the import) and `custody check` (every problem is listed: a refused entry is reported and
//! left out, as the journal loader does, and the file goes on).

use super::csv_rows::csv_entries;
use crate::read_one;
use anyhow::bail;
use custody_journal::{parse_lazily, Entry, Spanned};
use custody_store::{Outcome, Registry, Store, SubmitError, Which};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What one file wrote into its entity's journal (entries the store already held are `present`).
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub path: PathBuf,
    pub entity: String,
    pub written: usize,
    pub present: usize,
}

/// Why a file stopped, in `custody import`'s words (printed after its problems).
pub(crate) enum Stop {
    /// Nothing of the file was read into the registry: its syntax or cells are wrong.
    NothingRead,
    /// A batch of `entries` was refused; the batches before it were written.
    Batch { entries: usize },
}

/// Feeds files to a registry one by one (see the module doc). `problems` are the lines to print,
/// `file:line:column: message`.
pub(crate) struct Feed<'a, S: Store> {
    registry: &'a Registry<S>,
    batch: usize,
    /// `check`: report a refused entry, leave it out and go on.
    keep_going: bool,
    /// The entity a file without an `entity` entry (and a CSV file) continues.
    current: Option<String>,
    /// Where each entity's `entity` entry was read in this run (check: a second one is an error).
    begun: HashMap<String, String>,
    pub done: Vec<Written>,
    pub problems: Vec<String>,
}

impl<'a, S: Store + 'static> Feed<'a, S> {
    pub fn new(registry: &'a Registry<S>, batch: usize, entity: Option<&str>, keep_going: bool) -> Self {
        Feed {
            registry,
            batch: batch.max(1),
            keep_going,
            current: entity.map(str::to_string),
            begun: HashMap::new(),
            done: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Reads `path` (a journal or a CSV file) into the registry. `Ok(None)`: the file went in
    /// (with `keep_going`, its refused entries left out and listed in `problems`); `Ok(Some(_))`:
    /// it stopped, its problems listed; `Err`: it could not be read at all.
    pub async fn file(&mut self, path: &Path) -> anyhow::Result<Option<Stop>> {
        let shown = path.display().to_string();
        let source;
        let (count, entity_id, first): (usize, String, Option<Spanned>);
        let mut csv = None;
        if path.extension().is_some_and(|e| e == "csv") {
            let Some(id) = self.current.clone() else {
                bail!("{shown}: CSV files are imported into an entity: name it with --entity")
            };
            match csv_entries(path)? {
                Ok(entries) => {
                    (count, entity_id, first) = (entries.len(), id, None);
                    csv = Some(entries);
                }
                Err(errors) => {
                    self.problems.extend(errors);
                    return Ok(Some(Stop::NothingRead));
                }
            }
            source = None;
        } else {
            // Parsed twice, lazily: once to find every error before anything is written and count
            // the entries, then again in batches as they are submitted, so an import holds one
            // batch of parsed entries, not the whole file (issue 12 item 2).
            let src = read_one(path)?;
            let mut diags = Vec::new();
            let (mut n, mut head) = (0usize, None);
            for e in parse_lazily(&src, &mut diags) {
                if head.is_none() {
                    head = Some(e);
                }
                n += 1;
            }
            if !diags.is_empty() {
                diags.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
                self.problems.extend(diags.iter().map(|d| d.to_string()));
                return Ok(Some(Stop::NothingRead));
            }
            match (head, self.current.clone()) {
                (Some(h @ Spanned { entry: Entry::Entity(_), .. }), _) => {
                    let Entry::Entity(e) = &h.entry else { unreachable!("matched above") };
                    (count, entity_id) = (n - 1, e.id.clone());
                    first = Some(h);
                }
                // A journal without an entity entry continues the current entity.
                (_, Some(id)) => (count, entity_id, first) = (n, id, None),
                (_, None) => bail!("{shown}: a journal starts with its `entity` entry, or name one with --entity"),
            }
            source = Some(src);
        }
        let mut wrote = Written { path: path.to_path_buf(), entity: entity_id.clone(), written: 0, present: 0 };
        if let Some(h) = &first {
            let Entry::Entity(e) = &h.entry else { unreachable!("only an entity entry is kept") };
            let at = format!("{}:{}:{}", h.file, h.line, h.column);
            let again = if self.keep_going { self.begun.get(&e.id).cloned() } else { None };
            if let Some(before) = again {
                // `check`: one entity begun twice (the same file given twice) is the journal
                // loader's error; the rest of the file goes on into the same ledger.
                let held = self.registry.ledger(&e.id).await?;
                let differs = custody_journal::redefinition(&held, &h.entry, "first");
                self.problems.push(format!("{at}: {}", custody_journal::entity_defined_again(&before, differs)));
            } else {
                if self.keep_going {
                    self.begun.insert(e.id.clone(), at.clone());
                }
                match self.registry.ensure(e).await {
                    Ok(outcomes) => count_into(&mut wrote, &outcomes),
                    // Another entity's file, or this one's defined differently: none of it is read.
                    Err(SubmitError::Refused { message, .. }) => {
                        self.problems.push(format!("{at}: {message}"));
                        return Ok(Some(Stop::NothingRead));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            self.current = Some(e.id.clone());
        }
        let bar = progress_bar(count, &format!("{shown} -> {entity_id}"));
        // The first pass found no error: the second one's (the same) are not read again.
        let mut unread = Vec::new();
        let mut entries: Box<dyn Iterator<Item = Spanned> + '_> = match (csv, &source) {
            (Some(entries), _) => Box::new(entries.into_iter()),
            (None, Some(src)) => Box::new(parse_lazily(src, &mut unread).skip(usize::from(first.is_some()))),
            (None, None) => unreachable!("a file is a CSV file or a journal"),
        };
        let mut refused = false;
        let stop = if !self.keep_going {
            self.pipelined(&entity_id, &mut entries, &mut wrote, &bar).await?
        } else {
            loop {
                let mut chunk: Vec<Spanned> = entries.by_ref().take(self.batch).collect();
                if chunk.is_empty() {
                    break None;
                }
                let size = chunk.len();
                // With `keep_going`, a refused entry is listed and left out, and the rest resubmitted.
                while !chunk.is_empty() {
                    let index =
                        match self.registry.submit(&entity_id, chunk.iter().map(|s| s.entry.clone()).collect()).await {
                            Ok(outcomes) => {
                                count_into(&mut wrote, &outcomes);
                                break;
                            }
                            Err(SubmitError::Rejected { index, rejection }) => {
                                self.problems.push(format!("{}: {rejection}", at(&chunk[index])));
                                index
                            }
                            Err(SubmitError::Refused { index, message }) => {
                                self.problems.push(format!("{}: {message}", at(&chunk[index])));
                                index
                            }
                            Err(e) => {
                                self.done.push(wrote);
                                return Err(e.into());
                            }
                        };
                    refused = true;
                    if !self.keep_going {
                        break;
                    }
                    chunk.remove(index);
                }
                if refused && !self.keep_going {
                    break Some(Stop::Batch { entries: size });
                }
                bar.inc(size as u64);
            }
        };
        drop(entries);
        if stop.is_some() {
            bar.abandon();
            self.done.push(wrote);
            return Ok(stop);
        }
        bar.finish_and_clear();
        if !self.keep_going {
            // The entries are written: a snapshot that cannot be (a full disk, a blob past the
            // database's limit) is a warning, and loads replay the journal until one is written.
            if let Err(e) = self.registry.snapshot_now(&entity_id, custody_store::IMPORT_SNAPSHOT_MIN).await {
                eprintln!("warning: {entity_id}: no snapshot written ({e}); loads replay the whole journal until `custody snapshot` writes one");
            }
        }
        self.done.push(wrote);
        Ok(None)
    }
}

impl<'a, S: Store + 'static> Feed<'a, S> {
    /// `custody import`'s loop: each batch is applied while the one before is written
    /// (`Registry::pipeline`); the first refusal stops the file, naming the entry's line.
    async fn pipelined(
        &mut self,
        entity_id: &str,
        entries: &mut dyn Iterator<Item = Spanned>,
        wrote: &mut Written,
        bar: &ProgressBar,
    ) -> anyhow::Result<Option<Stop>> {
        let mut pipe = self.registry.pipeline(entity_id);
        // The batch applied and being written, kept for the lines of a refusal found while writing.
        let mut ahead: Vec<Spanned> = Vec::new();
        loop {
            let chunk: Vec<Spanned> = entries.take(self.batch).collect();
            let last = chunk.is_empty();
            let result = if last {
                std::mem::replace(&mut pipe, self.registry.pipeline(entity_id)).finish().await
            } else {
                pipe.push(chunk.iter().map(|s| s.entry.clone()).collect()).await
            };
            let (confirmed, failed) = match result {
                Ok(confirmed) => (confirmed, None),
                Err(e) => (e.confirmed, Some((e.which, e.error))),
            };
            for outcomes in &confirmed {
                count_into(wrote, outcomes);
                bar.inc(outcomes.len() as u64);
            }
            if let Some((which, error)) = failed {
                let batch = if which == Which::Previous { &ahead } else { &chunk };
                let (index, why) = match error {
                    SubmitError::Rejected { index, rejection } => (index, rejection.to_string()),
                    SubmitError::Refused { index, message } => (index, message),
                    e => {
                        self.done.push(wrote.clone());
                        return Err(e.into());
                    }
                };
                self.problems.push(format!("{}: {why}", at(&batch[index])));
                return Ok(Some(Stop::Batch { entries: batch.len() }));
            }
            if last {
                return Ok(None);
            }
            ahead = chunk;
        }
    }
}

fn at(s: &Spanned) -> String {
    format!("{}:{}:{}", s.file, s.line, s.column)
}

fn count_into(w: &mut Written, outcomes: &[Outcome]) {
    for o in outcomes {
        match o {
            Outcome::Written { .. } => w.written += 1,
            Outcome::Duplicate => w.present += 1,
        }
    }
}

fn progress_bar(len: usize, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} entries ({rate} entries/s, eta {eta})")
            .expect("a valid template")
            .with_key("rate", |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}", s.per_sec());
            })
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}
