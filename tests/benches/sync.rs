//! Sync figures on this machine, against a real server process: initial sync of
//! one grid's slice into an empty device, an incremental round trip of 100 edits
//! made offline, and bytes on the wire per record — on embedded SQLite and on
//! PostgreSQL. `cargo bench -p gridfield-tests --bench sync` prints a Markdown
//! table for docs/BENCHMARKS.md; under `cargo test` it runs once, small.

use std::time::Instant;

use gridfield_core::model::EntityKind;
use gridfield_tests::{Backend, Device, ServerProc, Store};
use serde_json::{Map, json};

struct Figures {
    backend: &'static str,
    records: u64,
    initial_ms: f64,
    initial_bytes: u64,
    inc_ms: f64,
    inc_bytes_up: u64,
    inc_bytes_down: u64,
}

fn run(backend: Backend, per_grid: u32) -> Figures {
    let store = Store::new(backend);
    // The demo district: one lowest-level grid is a worker's slice.
    let server = {
        let mut child = std::process::Command::new(gridfield_tests::bin("gridfield-server"))
            .args([
                "--db",
                &store.target,
                "serve",
                "--demo",
                "--demo-addresses",
                &per_grid.to_string(),
                "--listen",
                "127.0.0.1:0",
            ])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until seeding finished, then stop it; the measured server starts clean.
        use std::io::BufRead;
        let out = child.stdout.take().unwrap();
        for line in std::io::BufReader::new(out).lines() {
            if line.unwrap().contains("enrollment codes") {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        ServerProc::start(&store)
    };
    let code = store.code("基准测试员", "worker", "320583001001");
    let d = Device::enrolled(&server, &code);

    let t = Instant::now();
    let r = d.sync();
    let initial_ms = t.elapsed().as_secs_f64() * 1000.0;
    let records = r["pulled"].as_u64().unwrap();
    let initial_bytes = r["bytes_down"].as_u64().unwrap();

    // 100 edits offline: a note on 100 households.
    let s = d.store();
    let ids: Vec<String> = s
        .read(|c| {
            let mut st = c.prepare("SELECT id FROM households ORDER BY id LIMIT 100")?;
            let v = st
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .unwrap();
    for (i, id) in ids.iter().enumerate() {
        let mut f = Map::new();
        f.insert("note".into(), json!(format!("第{i}次走访：情况正常")));
        s.put_entity(EntityKind::Household, Some(id), None, &f)
            .unwrap();
    }
    drop(s);
    let t = Instant::now();
    let r = d.sync();
    let inc_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(r["pushed"].as_u64().unwrap(), ids.len() as u64);
    Figures {
        backend: if backend == Backend::Sqlite {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        records,
        initial_ms,
        initial_bytes,
        inc_ms,
        inc_bytes_up: r["bytes_up"].as_u64().unwrap(),
        inc_bytes_down: r["bytes_down"].as_u64().unwrap(),
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let per_grid = if bench { 650 } else { 60 };
    println!(
        "| server store | records in the grid's slice | initial sync | records/s | bytes/record (down) | 100 offline edits: round trip | bytes up | bytes down |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let f = run(backend, per_grid);
        println!(
            "| {} | {} | {:.0} ms | {:.0} | {:.0} | {:.0} ms | {} | {} |",
            f.backend,
            f.records,
            f.initial_ms,
            f.records as f64 / (f.initial_ms / 1000.0),
            f.initial_bytes as f64 / f.records.max(1) as f64,
            f.inc_ms,
            f.inc_bytes_up,
            f.inc_bytes_down
        );
    }
    if !bench {
        println!("1 passed, 0 failed");
    }
}
