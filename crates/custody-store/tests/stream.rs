//! The streamed balances statement (`Registry::definitions` + `Registry::stream_transactions`
//! folded by `BalancesFold`) equals the statement of the loaded ledger, on memory, SQLite and
//! PostgreSQL: for the EFI journal, two other examples, and a generated journal with monthly
//! periods, closes, an opening inside a period, reversals and re-postings. And the
//! stream holds at most a page of transactions, whatever the length of the history.

mod common;

use custody_core::statements::{balances, BalancesFold, PeriodActivity, Scope};
use custody_journal::{parse, Entry, Source};
use custody_store::{MemoryStore, Registry, SqlStore, Store};
use std::fmt::Write;

fn example(path: &str) -> Vec<Entry> {
    let file = format!("{}/../../examples/{path}", env!("CARGO_MANIFEST_DIR"));
    let (entries, diags) = parse(&[Source { name: path.into(), text: std::fs::read_to_string(file).unwrap() }]);
    assert!(diags.is_empty(), "{diags:?}");
    entries.into_iter().map(|e| e.entry).collect()
}

/// A mill journal over `days` days from 2025-01-01 with monthly periods `m01`..`m12` (each
/// closed on the first day of the next month), an opening on the first day and one dated inside
/// March, daily purchases, consumption and emissions, a purchase reversed every fifth day and
/// posted again every tenth, and every seventh day's emission reversed.
fn generated(days: u32) -> String {
    let mut j = String::from(
        "entity mill \"Generated mill\"\n  ratios efi\n  gwp ar6\ncounterparty sup \"Supplier\"\n\
         item ore \"Ore\"\n  category raw-material\n  carbon-content 0.01\n",
    );
    let month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (m, len) in month_days.iter().enumerate() {
        let m = m + 1;
        let _ = writeln!(j, "period m{m:02} 2025-{m:02}-01 2025-{m:02}-{len:02}");
    }
    let date = |d: u32| {
        let (mut m, mut d) = (0usize, d);
        while d >= month_days[m] {
            d -= month_days[m];
            m += 1;
        }
        (m + 1, d + 1)
    };
    let _ = writeln!(j, "2025-01-01 opening open-ore\n  item ore\n  quantity 1000 t\n  factor 87.8 gCO2/kg");
    for d in 0..days {
        let (m, day) = date(d);
        let at = format!("2025-{m:02}-{day:02}");
        if day == 1 && m > 1 {
            let _ = writeln!(j, "close m{:02}", m - 1);
        }
        if (m, day) == (3, 10) {
            let _ = writeln!(j, "{at} opening open-late\n  item ore\n  quantity 50 t\n  factor 90 gCO2/kg");
        }
        let _ =
            writeln!(j, "{at} purchase ore-{d}\n  supplier sup\n  item ore\n  quantity 100 t\n  factor 87.8 gCO2/kg");
        let _ = writeln!(j, "{at} consume use-{d}\n  use ore 80 t");
        let _ = writeln!(j, "{at} emit emit-{d}\n  emission 1 tCO2");
        if d % 5 == 0 {
            let _ =
                writeln!(j, "{at} purchase extra-{d}\n  supplier sup\n  item ore\n  quantity 7 t\n  factor 50 gCO2/kg");
            let _ = writeln!(j, "{at} reverse rev-{d}\n  of extra-{d}");
        }
        if d % 10 == 0 {
            // A reversal is not reversed: the operation is posted again under a new id.
            let _ =
                writeln!(j, "{at} purchase again-{d}\n  supplier sup\n  item ore\n  quantity 7 t\n  factor 50 gCO2/kg");
        }
        if d % 7 == 3 {
            let _ = writeln!(j, "{at} reverse unemit-{d}\n  of emit-{d}");
        }
    }
    j
}

/// The balances of `scope` folded from the store's stream, `page` transactions at a time.
async fn streamed<S: Store>(r: &Registry<S>, id: &str, scope: &Scope, page: i64) -> custody_core::statements::Balances {
    let defs = r.definitions(id).await.unwrap();
    let mut fold = BalancesFold::new(scope);
    let stats = r.stream_transactions(id, page, |t| fold.add(t)).await.unwrap();
    assert!(stats.most_held <= page as usize, "{stats:?}");
    fold.finish(defs.chart())
}

/// Stores `journal`, then checks the streamed statement against the loaded ledger's for the
/// default period, every period and every year.
async fn agrees<S: Store + 'static>(store: S, journal: Vec<Entry>) {
    let r = Registry::new(store);
    let id = common::submit_entries(&r, journal).await.unwrap();
    let ledger = r.ledger(&id).await.unwrap();
    assert!(ledger.transactions().len() > 5, "{id} posts {} transactions", ledger.transactions().len());
    let defs = r.definitions(&id).await.unwrap();
    assert_eq!(defs.entity(), ledger.entity());
    assert_eq!(defs.chart(), ledger.chart());
    assert_eq!(defs.periods(), ledger.periods(), "closes included");
    assert!(defs.transactions().is_empty(), "definitions post nothing");

    // The stream gives back exactly the ledger's transactions, in order.
    let mut all = Vec::new();
    let stats = r.stream_transactions(&id, 7, |t| all.push(t.clone())).await.unwrap();
    assert_eq!(all.len(), ledger.transactions().len());
    for (got, want) in all.iter().zip(ledger.transactions()) {
        // The stored text does not hold a posting's stated gas mass (`Posting::gas`): all else
        // comes back as posted.
        let mut want = want.clone();
        want.postings.iter_mut().for_each(|p| p.gas = None);
        assert_eq!(got, &want, "{}", want.id);
    }
    assert_eq!(stats.transactions as usize, all.len());
    assert_eq!(stats.pages as usize, all.len().div_ceil(7));
    assert_eq!(stats.most_held, 7);

    // Headers alone: the same ids, dates, kinds and reversals.
    let mut heads = Vec::new();
    let stats = r.stream_headers(&id, 7, |t| heads.push(t.clone())).await.unwrap();
    assert_eq!(stats.most_held, 7);
    assert_eq!(
        heads.iter().map(|h| (h.id.clone(), h.date, h.kind, h.reverses.clone())).collect::<Vec<_>>(),
        all.iter().map(|t| (t.id.clone(), t.date, t.kind, t.reverses.clone())).collect::<Vec<_>>()
    );
    let mut activity = PeriodActivity::new(defs.periods());
    r.stream_headers(&id, 7, |t| activity.add(t.date, t.kind)).await.unwrap();
    assert_eq!(activity.choice(), Scope::default_choice(&ledger));

    let mut scopes = vec![Scope::resolve(&ledger, None).unwrap()];
    scopes.extend(ledger.periods().iter().map(|p| Scope::resolve(&ledger, Some(&p.id)).unwrap()));
    scopes.extend(Scope::year(&ledger, 2025));
    for scope in &scopes {
        for page in [1, 7, 1000] {
            assert_eq!(streamed(&r, &id, scope, page).await, balances(&ledger, scope), "{} page {page}", scope.period);
        }
    }
}

fn journals() -> Vec<Vec<Entry>> {
    vec![
        example("efi-h2-dri-eaf/efi.journal"),
        example("mass-balance-dri/1-transition-steel.journal"),
        example("aluminium/smelter.journal"),
        common::entries(&generated(100)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_balances_equal_the_ledgers_in_memory() {
    for j in journals() {
        agrees(MemoryStore::new(), j).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_balances_equal_the_ledgers_on_sqlite() {
    for j in journals() {
        agrees(SqlStore::connect(&common::temp_sqlite_url()).await.unwrap(), j).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_balances_equal_the_ledgers_on_postgres() {
    for j in journals() {
        let Some(store) = common::fresh_postgres("streamed_balances_equal_the_ledgers_on_postgres").await else {
            return;
        };
        agrees(store, j).await;
    }
}

/// The held state does not grow with the history: three times the days, the same page bound
/// and the same number of sums held by the fold; only the pages read grow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_holds_a_page_and_the_fold_its_accounts_whatever_the_history() {
    let mut seen = Vec::new();
    for days in [40, 120] {
        let r = Registry::new(MemoryStore::new());
        let id = common::submit(&r, &generated(days)).await.unwrap();
        let ledger = r.ledger(&id).await.unwrap();
        let scope = Scope::year(&ledger, 2025).unwrap();
        let mut fold = BalancesFold::new(&scope);
        let mut most_held_by_fold = 0;
        let stats = r
            .stream_transactions(&id, 16, |t| {
                fold.add(t);
                most_held_by_fold = most_held_by_fold.max(fold.held());
            })
            .await
            .unwrap();
        assert_eq!(stats.transactions as usize, ledger.transactions().len());
        assert_eq!(stats.most_held, 16);
        assert_eq!(stats.pages as usize, ledger.transactions().len().div_ceil(16));
        let accounts = ledger.chart().accounts().len();
        assert!(most_held_by_fold <= accounts * 2, "{most_held_by_fold} sums for {accounts} accounts");
        seen.push((ledger.transactions().len(), most_held_by_fold, stats.pages));
    }
    let [(short_n, short_held, short_pages), (long_n, long_held, long_pages)] = seen[..] else { unreachable!() };
    assert!(long_n > 2 * short_n, "{seen:?}");
    assert_eq!(short_held, long_held, "the fold holds as many sums for a longer history: {seen:?}");
    assert!(long_pages > 2 * short_pages, "{seen:?}");
}
