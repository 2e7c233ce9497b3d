//! A small corpus-based byte-mutation fuzzer that runs on stable Rust inside `cargo test`.
//!
//! Each target is a function from bytes to `Ok(features)` or `Err(what property failed)`. A run
//! first replays every file of the target's corpus directories (`fuzz/corpus/NAME/`, the seeds and
//! the regressions), then mutates them: bit flips, tricky bytes, deleted, duplicated and swapped
//! ranges and lines, tokens from a dictionary (keywords, huge numbers, quotes, CRLF, NUL, unicode,
//! deep nesting) and splices of two inputs. There is no coverage instrumentation; instead an input
//! that shows a feature never seen before (say, an error message with its numbers blanked)
//! joins the live corpus, so the run drifts towards inputs that reach new errors.
//!
//! A panic, an `Err` or an execution over the hang limit is a failure: the input is minimised,
//! written to a file (into the corpus itself when `CUSTODY_FUZZ_SAVE=1`) and the test fails
//! naming it. Budget, seed and limits come from the environment (see [`Budget`]); the default is
//! a fixed number of executions from a fixed seed, so a CI run is deterministic.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

mod mutate;
pub use mutate::Rng;

/// What a target says about one input: `Ok(features)` when every property holds (one feature a
/// line: an error message's shape, an entry kind, a status; an input showing a feature never seen
/// joins the live corpus), `Err(message)` when a property does not hold.
pub type Outcome = Result<String, String>;

/// How long a run goes on, read from the environment.
///
/// - `CUSTODY_FUZZ_SECS=N`: run each target for N seconds (instead of the default executions);
/// - `CUSTODY_FUZZ_EXECS=N`: run each target for N mutated executions;
/// - `CUSTODY_FUZZ_SEED=N`: the seed (default: fixed per target);
/// - `CUSTODY_FUZZ_HANG_SECS=N`: one execution longer than this is a hang (default 10);
/// - `CUSTODY_FUZZ_SAVE=1`: write minimised failures into the target's corpus directory.
#[derive(Debug, Clone)]
pub struct Budget {
    pub execs: Option<u64>,
    pub secs: Option<f64>,
    pub seed: u64,
    pub hang: Duration,
    pub save: bool,
}

impl Budget {
    pub fn from_env(name: &str, default_execs: u64) -> Budget {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let secs = var("CUSTODY_FUZZ_SECS").and_then(|v| v.parse::<f64>().ok());
        let execs = var("CUSTODY_FUZZ_EXECS").and_then(|v| v.parse().ok());
        let execs = match (secs, execs) {
            (Some(_), None) => None,
            (_, Some(n)) => Some(n),
            (None, None) => Some(default_execs),
        };
        Budget {
            execs,
            secs,
            seed: var("CUSTODY_FUZZ_SEED").and_then(|v| v.parse().ok()).unwrap_or_else(|| fnv(name.as_bytes())),
            hang: Duration::from_secs_f64(var("CUSTODY_FUZZ_HANG_SECS").and_then(|v| v.parse().ok()).unwrap_or(10.0)),
            save: var("CUSTODY_FUZZ_SAVE").is_some_and(|v| v != "0"),
        }
    }
}

/// One target: its name, its corpus directories (the first one receives saved failures), the
/// largest input it is given, and the dictionary its mutations insert.
pub struct Target<'a> {
    pub name: &'a str,
    pub corpus: Vec<PathBuf>,
    pub max_len: usize,
    pub dict: &'a [&'a str],
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Stats {
    pub execs: u64,
    pub elapsed: Duration,
    pub seeds: usize,
    pub found: usize,
    pub features: usize,
    pub slowest: Duration,
}

/// The corpus directory `fuzz/corpus/NAME` of the workspace (from a crate's manifest directory).
pub fn corpus_dir(manifest_dir: &str, name: &str) -> PathBuf {
    Path::new(manifest_dir).join("../../fuzz/corpus").join(name)
}

/// FNV-1a: a stable hash for seeds, features and file names.
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Panics on a fuzzing thread are caught and reported by the engine, not printed by the hook.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(|q| q.get()) {
                let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".into());
                LAST_PANIC.with(|p| *p.borrow_mut() = format!("panicked: {msg}{at}"));
            } else {
                prev(info)
            }
        }));
    });
}

/// Runs the target on one input; a panic becomes `Err`.
fn exec(f: &mut dyn FnMut(&[u8]) -> Outcome, input: &[u8]) -> Outcome {
    QUIET.with(|q| q.set(true));
    let r = catch_unwind(AssertUnwindSafe(|| f(input)));
    QUIET.with(|q| q.set(false));
    r.unwrap_or_else(|_| Err(LAST_PANIC.with(|p| p.borrow().clone())))
}

/// The input as text a person can read in a test failure: printable ASCII as is, the rest escaped.
pub fn escape(input: &[u8]) -> String {
    String::from_utf8_lossy(input).escape_debug().to_string()
}

/// Watches the running execution from another thread; one over the limit is reported and the
/// process exits (a thread cannot be stopped), with the input written out first.
struct Watchdog {
    current: Arc<Mutex<Option<(Instant, Vec<u8>)>>>,
    done: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(name: String, hang: Duration, out: PathBuf) -> Watchdog {
        let current: Arc<Mutex<Option<(Instant, Vec<u8>)>>> = Arc::new(Mutex::new(None));
        let done = Arc::new(AtomicBool::new(false));
        let (c, d) = (current.clone(), done.clone());
        std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                let slot = c.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((since, input)) = slot.as_ref() {
                    if since.elapsed() > hang {
                        let path = save(&out, "hang", input);
                        eprintln!(
                            "fuzz {name}: HANG: one execution ran over {:?}; input saved as {}:\n{}",
                            hang,
                            path.display(),
                            escape(input)
                        );
                        std::process::exit(101);
                    }
                }
            }
        });
        Watchdog { current, done }
    }

    fn arm(&self, input: &[u8]) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), input.to_vec()));
    }

    fn disarm(&self) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

fn save(dir: &Path, kind: &str, input: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let path = dir.join(format!("regress-{kind}-{:016x}", fnv(input)));
    let _ = std::fs::write(&path, input);
    path
}

/// Greedy minimisation: drops lines, then ranges (halves down to single bytes), while the input
/// still fails; bounded in executions and time.
fn minimise(f: &mut dyn FnMut(&[u8]) -> Outcome, input: &[u8]) -> Vec<u8> {
    let started = Instant::now();
    let mut tries = 0;
    let mut budget = || {
        tries += 1;
        tries <= 3_000 && started.elapsed() < Duration::from_secs(60)
    };
    let mut best = input.to_vec();
    let mut i = 0;
    while budget() {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(best.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(k, _)| k + 1))
            .collect();
        let Some(&s) = starts.get(i) else { break };
        let e = starts.get(i + 1).copied().unwrap_or(best.len());
        let mut cand = best[..s].to_vec();
        cand.extend_from_slice(&best[e..]);
        if e > s && exec(f, &cand).is_err() {
            best = cand;
        } else {
            i += 1;
        }
    }
    let mut chunk = best.len().div_ceil(2).max(1);
    'outer: loop {
        let mut i = 0;
        let mut shrunk = false;
        while i < best.len() {
            if !budget() {
                break 'outer;
            }
            let mut cand = best[..i].to_vec();
            cand.extend_from_slice(&best[(i + chunk).min(best.len())..]);
            if exec(f, &cand).is_err() {
                best = cand;
                shrunk = true;
            } else {
                i += chunk;
            }
        }
        if !shrunk {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    best
}

/// Minimises a failing input, saves it and fails the test naming it.
fn fail(name: &str, out: &Path, input: &[u8], why: String, f: &mut dyn FnMut(&[u8]) -> Outcome) -> ! {
    let small = minimise(f, input);
    let why_small = exec(f, &small).err().unwrap_or(why.clone());
    let path = save(out, "fail", &small);
    panic!(
        "fuzz {name}: {why_small}\n  minimised input (saved as {}; add it to the corpus as a regression):\n{}\n  \
         original failure: {why}",
        path.display(),
        escape(&small)
    );
}

/// Runs one target for its budget. Panics (failing the test) on the first failure, after
/// minimising and saving the input; returns the statistics otherwise and prints them as
/// `fuzz NAME: N executions in S s (R/s), ...`, the line `cargo xtask fuzz` collects.
pub fn run(target: Target<'_>, budget: &Budget, f: &mut dyn FnMut(&[u8]) -> Outcome) -> Stats {
    install_hook();
    let started = Instant::now();
    let out = if budget.save {
        target.corpus[0].clone()
    } else {
        std::env::temp_dir().join("custody-fuzz").join(target.name)
    };
    let dog = Watchdog::start(target.name.to_string(), budget.hang, out.clone());
    let mut rng = Rng::new(budget.seed);
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    for dir in &target.corpus {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("fuzz {}: cannot read the corpus {}: {e}", target.name, dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for p in files {
            corpus.push(std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display())));
        }
    }
    let seeds = corpus.len();
    assert!(seeds > 0, "fuzz {}: the corpus is empty", target.name);
    let mut seen: HashSet<u64> = HashSet::new();
    let mut stats = Stats { execs: 0, elapsed: Duration::ZERO, seeds, found: 0, features: 0, slowest: Duration::ZERO };
    let mut i = 0u64;
    loop {
        let replay = (i as usize) < seeds;
        if !replay {
            let done = match (budget.execs, budget.secs) {
                (Some(n), _) => i - seeds as u64 >= n,
                (None, Some(s)) => started.elapsed().as_secs_f64() >= s,
                (None, None) => true,
            };
            if done {
                break;
            }
        }
        let input = if replay {
            corpus[i as usize].clone()
        } else {
            mutate::mutate(&mut rng, &corpus, target.dict, target.max_len)
        };
        i += 1;
        dog.arm(&input);
        let t = Instant::now();
        let r = exec(f, &input);
        let took = t.elapsed();
        dog.disarm();
        stats.execs += 1;
        stats.slowest = stats.slowest.max(took);
        match r {
            Ok(sig) => {
                let mut new = false;
                for feature in sig.lines() {
                    new |= seen.insert(fnv(feature.as_bytes()));
                }
                if new && !replay && corpus.len() < 4_000 {
                    corpus.push(input);
                    stats.found += 1;
                }
            }
            Err(why) => fail(target.name, &out, &input, why, f),
        }
    }
    stats.elapsed = started.elapsed();
    stats.features = seen.len();
    println!(
        "fuzz {}: {} executions in {:.1} s ({:.0}/s), {} corpus files, {} inputs kept, {} features, slowest {} ms, seed {}",
        target.name,
        stats.execs,
        stats.elapsed.as_secs_f64(),
        stats.execs as f64 / stats.elapsed.as_secs_f64().max(1e-9),
        stats.seeds,
        stats.found,
        stats.features,
        stats.slowest.as_millis(),
        budget.seed
    );
    stats
}

/// Blanks digits and the insides of backticks and double quotes, drops what is not ASCII and keeps
/// 100 characters, so that error messages differing only in numbers or names count as one feature.
pub fn shape(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(100));
    let mut quote = None;
    for c in message.chars() {
        match (c, quote) {
            ('`' | '"', None) => {
                quote = Some(c);
                out.push(c);
            }
            (c, Some(q)) if c == q => {
                quote = None;
                out.push(c);
            }
            (_, Some(_)) => {}
            (c, None) if c.is_ascii_digit() => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            (c, None) if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => {}
        }
        if out.len() >= 100 {
            break;
        }
    }
    out
}
