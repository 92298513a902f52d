//! Console page queries on a big server database: review queue (first and a deep
//! page), hazard board with filters, the dashboard's figures, address search, and
//! a whole-scope CSV export's time and peak memory.
//!
//! `GRIDFIELD_CONSOLE_BENCH_DB=<sqlite path | postgres://…> cargo bench -p
//! gridfield-server --bench console` prints the figures (e.g. on the city that
//! `gridfield-city` generates). Without the variable it prints a
//! note and skips. Under `cargo test` it runs once on a tiny seeded database so
//! the code cannot rot. Figures are printed, never asserted.

use std::io::Write;
use std::time::Instant;

use gridfield_core::grid::GridScope;
use gridfield_core::i18n::Lang;
use gridfield_core::record::RecordKind;
use gridfield_server::Server;
use gridfield_server::console::export::{self, Format};
use gridfield_server::console::query::{self, Filter, KeyAt, Keyset, PAGE_SIZE};
use gridfield_server::db::{Db, RowExt, Tx};
use gridfield_server::rules::now_ms;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let _tmp;
    let (target, runs) = if bench {
        match std::env::var("GRIDFIELD_CONSOLE_BENCH_DB") {
            Ok(t) if !t.is_empty() => (t, 5),
            _ => {
                println!(
                    "console bench skipped: set GRIDFIELD_CONSOLE_BENCH_DB to a server database \
                     (a SQLite file or postgres://…), e.g. one made by `gridfield-city`"
                );
                return;
            }
        }
    } else {
        // Test mode: a tiny demo district, one run of everything.
        _tmp = tempfile::tempdir().unwrap();
        let t = _tmp.path().join("bench.db").display().to_string();
        let server = Server::new(Db::open(&t).unwrap()).unwrap();
        gridfield_server::demo::seed(&server, 3).unwrap();
        (t, 1)
    };
    let db = Db::open(&target).unwrap_or_else(|e| panic!("open {target}: {}", e.message));
    println!("console queries on {} ({target})", db.backend());
    let (root, leaf) = scopes(&db);
    let figures = db
        .read(|tx| {
            let n = |tx: &mut dyn Tx, kind: RecordKind| {
                tx.query_one(
                    "SELECT COUNT(*) FROM records WHERE kind = $1",
                    &[kind.as_str().into()],
                )
                .map(|r| r.and_then(|r| r.opt_int(0)).unwrap_or(0))
            };
            Ok(format!(
                "{} addresses, {} inspections, {} hazards, {} reports",
                n(tx, RecordKind::Address)?,
                n(tx, RecordKind::Inspection)?,
                n(tx, RecordKind::Hazard)?,
                n(tx, RecordKind::Report)?
            ))
        })
        .unwrap();
    println!(
        "data: {figures}; root scope {}, leaf scope {}",
        root.path, leaf.path
    );
    println!();
    println!("| query | scope | rows | median ms | max ms |");
    println!("| --- | --- | ---: | ---: | ---: |");

    for (name, sc) in [("root", &root), ("leaf", &leaf)] {
        let submitted = Filter {
            status: Some("submitted".into()),
            ..Filter::of(RecordKind::Inspection)
        };
        let first = Keyset::FIRST;
        time(&db, runs, "review queue, page 1", name, |tx| {
            Ok(query::list(tx, sc, &submitted, first)?.rows.len())
        });
        // The key of a deep page, found by walking the pages' keys once (untimed).
        let total = db
            .read(|tx| Ok(query::list(tx, sc, &submitted, first)?.total))
            .unwrap();
        let deep = (total / PAGE_SIZE - 1).clamp(0, 200);
        let mut at = first;
        for page in 1..=deep {
            let next = db
                .read(|tx| Ok(query::list(tx, sc, &submitted, at)?.nav.next))
                .unwrap();
            let Some((a, q)) = next.as_deref().and_then(|k| k.split_once('.')) else {
                break;
            };
            at = Keyset {
                at: KeyAt::After(a.parse().unwrap(), q.parse().unwrap()),
                page,
            };
        }
        time(
            &db,
            runs,
            &format!("review queue, page {} (keyset)", at.page + 1),
            name,
            |tx| Ok(query::list(tx, sc, &submitted, at)?.rows.len()),
        );
        time(&db, runs, "reports, page 1", name, |tx| {
            Ok(query::list(tx, sc, &Filter::of(RecordKind::Report), first)?
                .rows
                .len())
        });
        let board = Filter::of(RecordKind::Hazard);
        time(&db, runs, "hazard board, no filter", name, |tx| {
            Ok(query::list(tx, sc, &board, first)?.rows.len())
        });
        let filtered = Filter {
            category: Some("fire.ebike_charging".into()),
            severity: Some("high".into()),
            status: Some("assigned".into()),
            ..Filter::of(RecordKind::Hazard)
        };
        time(
            &db,
            runs,
            "hazard board, category+severity+status",
            name,
            |tx| Ok(query::list(tx, sc, &filtered, first)?.rows.len()),
        );
        let overdue = Filter {
            due_before: Some(now_ms()),
            ..Filter::of(RecordKind::Hazard)
        };
        time(&db, runs, "hazard board, overdue", name, |tx| {
            Ok(query::list(tx, sc, &overdue, first)?.rows.len())
        });
        time(&db, runs, "dashboard (all figures)", name, |tx| {
            dashboard(tx, sc)
        });
        let (long, short) = search_terms(&db, sc);
        time(&db, runs, &format!("address search {long:?}"), name, |tx| {
            Ok(query::search_addresses(tx, sc, &long, 50)?.len())
        });
        time(
            &db,
            runs,
            &format!("address search {short:?}"),
            name,
            |tx| Ok(query::search_addresses(tx, sc, &short, 50)?.len()),
        );
    }
    println!();
    export_figures(&db, &root);
}

/// The widest scope (a top-level grid) and one lowest-level grid.
fn scopes(db: &Db) -> (GridScope, GridScope) {
    db.read(|tx| {
        let root = tx
            .query_one(
                "SELECT path FROM grids WHERE parent_code IS NULL ORDER BY code LIMIT 1",
                &[],
            )?
            .map(|r| r.text(0))
            .transpose()?
            .unwrap_or_else(|| "/".into());
        let leaf = tx
            .query_one(
                "SELECT path FROM grids ORDER BY level DESC, code LIMIT 1",
                &[],
            )?
            .map(|r| r.text(0))
            .transpose()?
            .unwrap_or_else(|| root.clone());
        Ok((GridScope::new(&root), GridScope::new(&leaf)))
    })
    .unwrap()
}

/// A fragment of a real address in scope (four characters: the trigram path) and a
/// two-character one (the short-fragment path).
fn search_terms(db: &Db, sc: &GridScope) -> (String, String) {
    let text = db
        .read(|tx| {
            let (lo, hi) = sc.range();
            Ok(tx
                .query_one(
                    "SELECT body FROM records WHERE kind = 'address' AND grid_path >= $1 AND grid_path < $2 LIMIT 1",
                    &[lo.into(), hi.into()],
                )?
                .and_then(|r| r.opt_text(0))
                .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
                .and_then(|v| v["full_text"].as_str().map(String::from))
                .unwrap_or_else(|| "建设路12号".into()))
        })
        .unwrap();
    let chars: Vec<char> = text.chars().collect();
    let mid = chars.len() / 2;
    let long: String = chars[mid.saturating_sub(2)..(mid + 2).min(chars.len())]
        .iter()
        .collect();
    let short: String = chars[mid.saturating_sub(1)..(mid + 1).min(chars.len())]
        .iter()
        .collect();
    (long, short)
}

/// The queries the dashboard page runs, in one read transaction as it does.
fn dashboard(tx: &mut dyn Tx, sc: &GridScope) -> gridfield_server::Result<usize> {
    let now = now_ms();
    let mut n = query::inspections_per_day(tx, sc, now - 30 * DAY_MS)?.len();
    for (kind, col) in [
        (RecordKind::Hazard, "category"),
        (RecordKind::Hazard, "status"),
        (RecordKind::Inspection, "status"),
        (RecordKind::Report, "status"),
    ] {
        n += query::count_by(tx, sc, kind, col)?.len();
    }
    let code = sc
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    for (_, _, path) in query::child_grids(tx, &code)? {
        query::hazard_figures(tx, &path, now)?;
        n += 1;
    }
    query::hazard_figures(tx, &sc.path, now)?;
    n += query::top_risk_addresses(tx, sc, 10)?.len();
    Ok(n)
}

fn time(
    db: &Db,
    runs: usize,
    what: &str,
    scope: &str,
    mut f: impl FnMut(&mut dyn Tx) -> gridfield_server::Result<usize>,
) {
    let mut ms = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = db
            .read(|tx| f(tx))
            .unwrap_or_else(|e| panic!("{what}: {}", e.message));
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "| {what} | {scope} | {rows} | {:.1} | {:.1} |",
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );
}

/// Counts bytes and drops them, like a client reading the download.
struct Sink(u64);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Export every inspection and hazard of the widest scope as CSV and as XLSX (up
/// to the whole city, 100,000 rows and more), reporting rows, bytes, time and how
/// much the process's peak memory grew. Resetting the peak needs Linux's `clear_refs`.
fn export_figures(db: &Db, sc: &GridScope) {
    println!("| export (whole scope) | rows | MB | s | peak RSS before → after (MiB) |");
    println!("| --- | ---: | ---: | ---: | --- |");
    let runs = [RecordKind::Inspection, RecordKind::Hazard]
        .into_iter()
        .flat_map(|k| [(k, Format::Csv), (k, Format::Xlsx)]);
    for (kind, format) in runs {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = peak_rss_kib();
        let filter = Filter::of(kind);
        let mut sink = Sink(0);
        let t = Instant::now();
        let rows = export::write_export(db, sc, &filter, format, Lang::Zh, &mut sink)
            .unwrap_or_else(|e| panic!("export {kind}: {}", e.message));
        let secs = t.elapsed().as_secs_f64();
        let after = peak_rss_kib();
        let mib = |k: Option<u64>| {
            k.map(|k| format!("{:.1}", k as f64 / 1024.0))
                .unwrap_or_else(|| "?".into())
        };
        println!(
            "| {kind} {format:?} | {rows} | {:.1} | {secs:.2} | {} → {} |",
            sink.0 as f64 / 1e6,
            mib(before),
            mib(after)
        );
    }
}
