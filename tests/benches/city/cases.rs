//! The case part of the city benchmark (`GRIDFIELD_BENCH_ONLY=cases`): on the
//! generated city with its year of cases, on both stores, the console's case pages
//! as the city's 综治中心, a town's and a town department's users meet them (受理台,
//! 督办, the list's deep page, the type filter, the department inbox and list, the
//! dashboard with its case charts), then a town supervisor's and the department's
//! initial sync with cases. Writes its own block of docs/BENCHMARKS.md.

use std::fmt::Write as _;
use std::time::Instant;

use gridfield_tests::{Backend, CountingProxy, ServerProc, Store, bin, console};

use super::{Cfg, SyncFig, enroll, measured_sync, median, n0, secs};

const PASSWORD: &str = "bench-console-pass";
/// The console's list page size (`console::query::PAGE_SIZE`).
const PAGE_SIZE: u64 = 50;

struct Page {
    user: &'static str,
    label: String,
    median_ms: f64,
    max_ms: f64,
    bytes: usize,
}

struct Fig {
    name: &'static str,
    cases: u64,
    records: u64,
    gen_secs: f64,
    town: String,
    pages: Vec<Page>,
    town_sync: SyncFig,
    dept_sync: SyncFig,
}

fn run_backend(cfg: &Cfg, backend: Backend) -> Fig {
    let name = if backend == Backend::Sqlite {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    eprintln!(
        "[{name}] generating the city with its cases (scale {})…",
        cfg.scale
    );
    let store = Store::new(backend);
    let t = Instant::now();
    let out = std::process::Command::new(bin("gridfield-city"))
        .args(["--db", &store.target, "--seed", &cfg.seed.to_string()])
        .args(["--scale", &cfg.scale.to_string(), "--json"])
        .output()
        .expect("gridfield-city runs");
    assert!(
        out.status.success(),
        "gridfield-city: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gen_secs = secs(t.elapsed());
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cases = summary["by_kind"]["case"].as_u64().unwrap_or(0);
    assert!(cases > 0, "no cases generated: {summary}");
    // The largest town: the first.
    let town = summary["subtrees"][0]["code"].as_str().unwrap().to_string();
    let town_name = summary["subtrees"][0]["name"].as_str().unwrap().to_string();
    let justice = format!("{town}-justice");
    store.console_user("基准综治中心", "admin", "320583", PASSWORD);
    store.console_user("基准镇综治", "supervisor", &town, PASSWORD);
    // Made as a console user, then given its role and department.
    store.console_user("基准司法所", "supervisor", &town, PASSWORD);
    store.sql(&format!(
        "UPDATE users SET role = 'department', department = '{justice}' WHERE name = '基准司法所'"
    ));
    let server = ServerProc::start(&store);
    let mut pages = Vec::new();
    let reps = cfg.inc_reps.max(3);
    let mut page = |cookie: &str, user: &'static str, label: String, path: &str| {
        let mut ms = Vec::new();
        let mut last = console::get(&server.url, cookie, path);
        for _ in 0..reps {
            let t = Instant::now();
            last = console::get(&server.url, cookie, path);
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        assert_eq!(
            last.status,
            200,
            "GET {path} as {user}: {}",
            String::from_utf8_lossy(&last.body)
        );
        let max_ms = ms.iter().cloned().fold(0.0, f64::max);
        pages.push(Page {
            user,
            label,
            median_ms: median(&mut ms),
            max_ms,
            bytes: last.body.len(),
        });
    };
    // The list's deepest page three quarters of the way down the city's cases.
    let deep = (cases / PAGE_SIZE * 3 / 4).max(1);
    for (user, who) in [
        ("基准综治中心", "city 综治中心"),
        ("基准镇综治", "town supervisor"),
    ] {
        let cookie = console::sign_in(&server.url, user, PASSWORD);
        page(
            &cookie,
            who,
            "dashboard with case charts".into(),
            "/console",
        );
        page(
            &cookie,
            who,
            "受理台 (intake)".into(),
            "/console/cases/intake",
        );
        page(
            &cookie,
            who,
            "督办 (overdue below)".into(),
            "/console/cases/overdue",
        );
        page(&cookie, who, "case list, page 1".into(), "/console/cases");
        page(
            &cookie,
            who,
            format!("case list, page {deep}"),
            &format!("/console/cases?page={deep}"),
        );
        page(
            &cookie,
            who,
            "disputes, closed".into(),
            "/console/cases?type=dispute&status=closed",
        );
    }
    let cookie = console::sign_in(&server.url, "基准司法所", PASSWORD);
    let who = "town department";
    page(
        &cookie,
        who,
        "department inbox".into(),
        "/console/cases/inbox",
    );
    page(&cookie, who, "department list".into(), "/console/cases");

    let proxy = CountingProxy::start(&server.url);
    eprintln!("[{name}] a town supervisor's initial sync with cases…");
    let sup = enroll(&proxy, &store.code("基准镇网格长", "supervisor", &town));
    let town_sync = measured_sync(&sup, &proxy);
    eprintln!("[{name}] the town department's initial sync…");
    store.admin(&[
        "user-add",
        "--name",
        "基准司法所设备",
        "--role",
        "department",
        "--grid",
        &town,
        "--department",
        &justice,
    ]);
    let dept = enroll(&proxy, &store.code("基准司法所设备", "department", &town));
    let dept_sync = measured_sync(&dept, &proxy);
    Fig {
        name,
        cases,
        records: summary["records"].as_u64().unwrap_or(0),
        gen_secs,
        town: format!("{town} {town_name}"),
        pages,
        town_sync,
        dept_sync,
    }
}

fn report(cfg: &Cfg, figs: &[Fig], started: &str, command: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Measured {started} with `{command}` (seed {}, scale {}; {} profile). Timings on a \
         shared 2-core machine: read them as orders of magnitude.\n",
        cfg.seed,
        cfg.scale,
        if cfg.bench { "release" } else { "debug" }
    );
    for f in figs {
        let _ = writeln!(
            s,
            "**{}**: {} records, {} cases, generated in {:.0} s; town {}.\n",
            f.name,
            n0(f.records as f64),
            n0(f.cases as f64),
            f.gen_secs,
            f.town
        );
        let _ = writeln!(s, "| user | page | median ms | max ms | KiB |");
        let _ = writeln!(s, "| --- | --- | ---: | ---: | ---: |");
        for p in &f.pages {
            let _ = writeln!(
                s,
                "| {} | {} | {:.1} | {:.1} | {:.0} |",
                p.user,
                p.label,
                p.median_ms,
                p.max_ms,
                p.bytes as f64 / 1024.0
            );
        }
        let _ = writeln!(s, "\n| initial sync | records | s | records/s | wire KiB |");
        let _ = writeln!(s, "| --- | ---: | ---: | ---: | ---: |");
        for (who, y) in [
            ("town supervisor", &f.town_sync),
            ("town justice office (department)", &f.dept_sync),
        ] {
            let _ = writeln!(
                s,
                "| {who} | {} | {:.1} | {} | {:.0} |",
                n0(y.records as f64),
                y.secs,
                n0(y.rate()),
                (y.wire_up + y.wire_down) as f64 / 1024.0
            );
        }
        s.push('\n');
    }
    s
}

const BEGIN: &str =
    "<!-- BEGIN case-bench: generated by GRIDFIELD_BENCH_ONLY=cases, do not edit by hand -->";
const END: &str = "<!-- END case-bench -->";

/// Run the case part alone; the figures go to docs/BENCHMARKS.md unless
/// `GRIDFIELD_BENCH_WRITE_DOCS=0`.
pub(super) fn main(cfg: &Cfg, started: &str) {
    bin("gridfield-server");
    bin("gridfield-city");
    bin("gridfield");
    let figs = vec![
        run_backend(cfg, Backend::Sqlite),
        run_backend(cfg, Backend::Postgres),
    ];
    let command = if cfg.bench {
        format!(
            "GRIDFIELD_BENCH_ONLY=cases GRIDFIELD_BENCH_SCALE={} scripts/bench.sh",
            cfg.scale
        )
    } else {
        format!(
            "GRIDFIELD_BENCH_ONLY=cases GRIDFIELD_BENCH_SCALE={} cargo test -p gridfield-tests --bench city",
            cfg.scale
        )
    };
    let section = report(cfg, &figs, started, &command);
    println!("{section}");
    if std::env::var("GRIDFIELD_BENCH_WRITE_DOCS").as_deref() != Ok("0") {
        let path = super::root().join("docs/BENCHMARKS.md");
        let doc = std::fs::read_to_string(&path).unwrap_or_default();
        let block = format!("{BEGIN}\n{section}{END}");
        let new = match (doc.find(BEGIN), doc.find(END)) {
            (Some(a), Some(b)) if b > a => {
                format!("{}{block}{}", &doc[..a], &doc[b + END.len()..])
            }
            _ => format!("{}\n\n## Cases at city scale\n\n{block}\n", doc.trim_end()),
        };
        std::fs::write(&path, new).unwrap();
        eprintln!("wrote {}", path.display());
    }
    for f in &figs {
        assert!(f.town_sync.records > 0 && f.dept_sync.records > 0);
    }
}
