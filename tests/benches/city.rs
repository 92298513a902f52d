//! City-scale figures, side by side with PouchDB, in one run: a generated city
//! (`gridfield-city`) on embedded SQLite and on PostgreSQL, real
//! `gridfield` devices syncing through a byte-counting loopback relay, many
//! simulated devices at once, local store operations, the raw SQLite floor, and
//! PouchDB replicating the same records. `scripts/bench.sh` runs it with
//! `--bench` and it writes its section of docs/BENCHMARKS.md; under `cargo test`
//! it runs once on a tiny city and writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use gridfield_core::model::{Address, EntityKind, Grid, Role};
use gridfield_core::store::{HazardFilter, NewInspection};
use gridfield_core::wire::{Change, PullResponse, PushOp, PushRequest, PushResponse};
use gridfield_core::{DbKey, Identity};
use gridfield_tests::{
    Backend, CountingProxy, Device, Reply, ServerProc, Store, bin, run_measured, vm_hwm_kib,
};
use serde_json::{Map, Value, json};

#[path = "city/cases.rs"]
mod cases;

struct Cfg {
    bench: bool,
    seed: u64,
    scale: f64,
    devices: usize,
    load_secs: u64,
    inc_reps: usize,
    iters: usize,
    pouch: bool,
}

impl Cfg {
    fn from_env() -> Cfg {
        let bench = std::env::args().any(|a| a == "--bench");
        let env = |k: &str| std::env::var(k).ok();
        let num = |k: &str, d: f64| env(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        Cfg {
            bench,
            seed: num("GRIDFIELD_BENCH_SEED", 1.0) as u64,
            scale: num("GRIDFIELD_BENCH_SCALE", if bench { 1.0 } else { 0.004 }),
            devices: num("GRIDFIELD_BENCH_DEVICES", if bench { 200.0 } else { 4.0 }) as usize,
            load_secs: num("GRIDFIELD_BENCH_LOAD_SECS", if bench { 20.0 } else { 2.0 }) as u64,
            inc_reps: if bench { 5 } else { 1 },
            iters: if bench { 200 } else { 3 },
            // The PouchDB side needs `npm ci` (scripts/bench.sh); CI skips it.
            pouch: bench && env("GRIDFIELD_BENCH_POUCHDB").as_deref() != Some("0"),
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

// ---- figures ------------------------------------------------------------------------

#[derive(Default, Clone)]
struct SyncFig {
    records: u64,
    secs: f64,
    wire_up: u64,
    wire_down: u64,
    json_down: u64,
    rss_kib: u64,
}

impl SyncFig {
    fn rate(&self) -> f64 {
        self.records as f64 / self.secs
    }
    fn bytes_per_record(&self) -> f64 {
        (self.wire_up + self.wire_down) as f64 / self.records.max(1) as f64
    }
}

#[derive(Default, Clone)]
struct IncFig {
    ms: f64,
    min_ms: f64,
    max_ms: f64,
    wire_up: u64,
    wire_down: u64,
}

#[derive(Default, Clone)]
struct LoadFig {
    devices: usize,
    secs: f64,
    initial_records: u64,
    initial_secs: f64,
    ops: u64,
    records: u64,
    push_ms: Vec<f64>,
    pull_ms: Vec<f64>,
    errors: u64,
    first_error: Option<String>,
    /// Enrollments told to wait (429) and tried again.
    enroll_waits: u64,
}

#[derive(Default, Clone)]
struct BackendFig {
    name: &'static str,
    gen_records: u64,
    gen_secs: f64,
    by_kind: BTreeMap<String, u64>,
    slice: SyncFig,
    scope: SyncFig,
    scope_name: String,
    slice_grid: String,
    inc: IncFig,
    load: LoadFig,
    console: ConsoleFig,
}

/// The supervisor console's pages on the city, over HTTP with a signed-in session.
#[derive(Default, Clone)]
struct ConsoleFig {
    /// (page, scope, median ms, max ms, HTML bytes)
    pages: Vec<(String, String, f64, f64, usize)>,
    exports: Vec<ExportFig>,
}

#[derive(Default, Clone)]
struct ExportFig {
    what: String,
    scope: String,
    rows: u64,
    bytes: u64,
    secs: f64,
    /// Server peak resident memory (VmHWM, KiB) before and after the download.
    rss_before: Option<u64>,
    rss_after: Option<u64>,
}

#[derive(Default, Clone)]
struct LocalFig {
    rows: Vec<(String, f64, String)>,
    import_secs: f64,
    addresses: usize,
}

#[derive(Default, Clone)]
struct FloorFig {
    records: u64,
    plain_secs: f64,
    cipher_secs: f64,
}

#[derive(Default, Clone, Debug)]
struct PouchSet {
    docs: u64,
    push_ms: f64,
    push_bytes: u64,
    pull_ms: f64,
    pull_bytes: u64,
}

#[derive(Default, Clone, Debug)]
struct PouchFig {
    adapter: String,
    slice: PouchSet,
    scope: PouchSet,
    inc_ms: f64,
    inc_bytes: u64,
}

// ---- Gridfield side -------------------------------------------------------------------

/// `gridfield --json sync` as a measured process: wall time, peak memory, bytes on the wire.
fn measured_sync(d: &Device, proxy: &CountingProxy) -> SyncFig {
    proxy.take();
    let m = run_measured(d.command(&["--json", "sync"]));
    assert_eq!(
        m.status,
        0,
        "sync failed: {}",
        String::from_utf8_lossy(&m.stderr)
    );
    let (up, down) = proxy.take();
    let v: Value = serde_json::from_slice(&m.stdout).expect("sync --json output");
    assert_eq!(v["verified"], json!(true), "replica not verified: {v}");
    SyncFig {
        records: v["pulled"].as_u64().unwrap_or(0),
        secs: secs(m.elapsed),
        wire_up: up,
        wire_down: down,
        json_down: v["bytes_down"].as_u64().unwrap_or(0),
        rss_kib: m.max_rss_kib,
    }
}

/// Which path an initial sync took: the bootstrap (snapshot pages built into a
/// new file and swapped in) or the incremental pull, with its rate.
fn sync_path(d: &Device, f: &SyncFig) -> String {
    let boot = d.count("SELECT count(*) FROM device_meta WHERE key = 'last_bootstrap'") > 0;
    format!(
        "initial sync path: {}, {} records in {:.2} s ({:.0} records/s, {:.0} wire bytes/record)",
        if boot { "bootstrap" } else { "pull" },
        f.records,
        f.secs,
        f.rate(),
        f.bytes_per_record()
    )
}

fn enroll(proxy: &CountingProxy, code: &str) -> Device {
    let d = Device::new();
    d.ok(&["enroll", "--server", &proxy.url, "--code", code]);
    d
}

fn device_key(d: &Device) -> DbKey {
    let hex = std::fs::read_to_string(d.data().join("device.key")).unwrap();
    DbKey::from_hex(hex.trim()).unwrap()
}

/// 100 households edited offline, then one sync: push, pull, verify.
fn incremental(d: &Device, proxy: &CountingProxy, reps: usize) -> IncFig {
    let mut ms = Vec::new();
    let (mut up, mut down) = (0, 0);
    for rep in 0..reps {
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
        assert!(!ids.is_empty(), "the worker's grid has no households");
        for (i, id) in ids.iter().enumerate() {
            let mut f = Map::new();
            f.insert(
                "note".into(),
                json!(format!("第{rep}轮第{i}户走访：情况正常")),
            );
            s.put_entity(EntityKind::Household, Some(id), None, &f)
                .unwrap();
        }
        drop(s);
        proxy.take();
        let t = Instant::now();
        let r = d.sync();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        (up, down) = proxy.take();
        assert_eq!(r["pushed"].as_u64(), Some(ids.len() as u64), "{r}");
    }
    let min_ms = ms.iter().cloned().fold(f64::INFINITY, f64::min);
    let max_ms = ms.iter().cloned().fold(0.0, f64::max);
    IncFig {
        ms: median(&mut ms),
        min_ms,
        max_ms,
        wire_up: up,
        wire_down: down,
    }
}

/// Every change of a device's scope, page by page, as raw JSON objects.
fn pull_all(url: &str, token: &str) -> Vec<Value> {
    let agent = agent();
    let mut cursor = String::new();
    let mut out = Vec::new();
    loop {
        let mut req = agent
            .get(format!("{url}/v1/pull"))
            .header("authorization", format!("Bearer {token}"))
            .query("limit", "1000");
        if !cursor.is_empty() {
            req = req.query("cursor", &cursor);
        }
        let mut resp = req.call().expect("pull");
        assert_eq!(resp.status(), 200);
        let page: Value = resp
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_json()
            .unwrap();
        out.extend(page["changes"].as_array().cloned().unwrap_or_default());
        cursor = page["cursor"].as_str().unwrap_or_default().to_string();
        if page["more"] != json!(true) {
            break;
        }
    }
    out
}

/// The record a change carries: (kind, id).
fn change_key(c: &Value) -> (String, String) {
    let kind = c["type"].as_str().unwrap_or("").to_string();
    let id = match kind.as_str() {
        "grid" => c["grid"]["code"].clone(),
        "address" => c["address"]["code"].clone(),
        "entity" => c["entity"]["id"].clone(),
        "template" => json!(format!("{}@{}", c["body"]["id"], c["body"]["version"])),
        "inspection" => c["inspection"]["id"].clone(),
        "hazard" => c["hazard"]["id"].clone(),
        _ => c["report"]["id"].clone(),
    };
    let kind = if kind == "entity" {
        c["entity"]["kind"].as_str().unwrap_or("entity").to_string()
    } else {
        kind
    };
    (kind, id.as_str().unwrap_or("").to_string())
}

/// The physical floor: the same records inserted in one transaction with a
/// prepared statement, WAL, on plain SQLite and on SQLCipher (as the device).
fn floor(changes: &[Value]) -> FloorFig {
    let rows: Vec<(String, String, String)> = changes
        .iter()
        .map(|c| {
            let (k, id) = change_key(c);
            (k, id, c.to_string())
        })
        .collect();
    let run = |key: Option<String>| {
        let dir = tempfile::tempdir().unwrap();
        let mut c = rusqlite::Connection::open(dir.path().join("floor.db")).unwrap();
        if let Some(k) = key {
            c.execute_batch(&format!("PRAGMA key = \"x'{k}'\";"))
                .unwrap();
        }
        c.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id));",
        )
        .unwrap();
        let t = Instant::now();
        let tx = c.transaction().unwrap();
        {
            let mut st = tx
                .prepare("INSERT OR REPLACE INTO records (kind, id, body) VALUES (?1, ?2, ?3)")
                .unwrap();
            for (k, id, body) in &rows {
                st.execute((k, id, body)).unwrap();
            }
        }
        tx.commit().unwrap();
        secs(t.elapsed())
    };
    FloorFig {
        records: rows.len() as u64,
        plain_secs: run(None),
        cipher_secs: run(Some(DbKey::generate().unwrap().to_hex())),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// Many devices at once on loopback: each enrolls, pulls its grid, then until the
/// deadline pushes 10 household edits and pulls what changed, as fast as it can.
fn load(url: &str, codes: Vec<String>, run_for: Duration) -> LoadFig {
    let n = codes.len();
    let ready = Arc::new(Barrier::new(n + 1));
    let go = Arc::new(Barrier::new(n + 1));
    let fig = Arc::new(Mutex::new(LoadFig {
        devices: n,
        ..Default::default()
    }));
    let start = Arc::new(Mutex::new(None::<Instant>));
    let t_initial = Instant::now();
    let mut handles = Vec::new();
    for (i, code) in codes.into_iter().enumerate() {
        let (url, ready, go, fig, start) = (
            url.to_string(),
            ready.clone(),
            go.clone(),
            fig.clone(),
            start.clone(),
        );
        handles.push(
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let agent = agent();
                    let mut errors = 0u64;
                    let mut first_error = None;
                    let mut fail = |e: String| {
                        errors += 1;
                        first_error.get_or_insert(e);
                    };
                    // Many phones enrolling from one address at once meet the brake on
                    // guessing codes (429): each waits as told and tries again, as the
                    // app does. Only the morning rush after enrollment is timed.
                    let mut waits = 0u64;
                    let enroll = loop {
                        let r = agent
                            .post(format!("{url}/v1/enroll"))
                            .send_json(
                                json!({ "code": code, "device_name": format!("压测设备{i}") }),
                            )
                            .map_err(|e| e.to_string());
                        match r {
                            Ok(r) if r.status() == 429 && waits < 60 => {
                                waits += 1;
                                let secs = r
                                    .headers()
                                    .get("retry-after")
                                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                                    .unwrap_or(1);
                                std::thread::sleep(
                                    Duration::from_secs(secs)
                                        + Duration::from_millis((i % 50) as u64 * 20),
                                );
                            }
                            Ok(mut r) if r.status() == 200 => {
                                break r.body_mut().read_json::<Value>().map_err(|e| e.to_string());
                            }
                            Ok(r) => break Err(format!("enroll status {}", r.status())),
                            Err(e) => break Err(e),
                        }
                    };
                    let (token, device) = match enroll {
                        Ok(v) => (
                            v["token"].as_str().unwrap_or("").to_string(),
                            v["device_id"].as_str().unwrap_or("").to_string(),
                        ),
                        Err(e) => {
                            fail(e);
                            (String::new(), String::new())
                        }
                    };
                    let auth = format!("Bearer {token}");
                    let mut cursor = String::new();
                    let mut households: Vec<(String, String)> = Vec::new();
                    let pull = |cursor: &mut String,
                                households: &mut Vec<(String, String)>,
                                lat: &mut Vec<f64>|
                     -> Result<u64, String> {
                        let mut got = 0;
                        loop {
                            let mut req = agent
                                .get(format!("{url}/v1/pull"))
                                .header("authorization", &auth)
                                .query("limit", "500");
                            if !cursor.is_empty() {
                                req = req.query("cursor", &*cursor);
                            }
                            let t = Instant::now();
                            let mut r = req.call().map_err(|e| e.to_string())?;
                            if r.status() != 200 {
                                return Err(format!("pull status {}", r.status()));
                            }
                            let page: PullResponse = r
                                .body_mut()
                                .with_config()
                                .limit(64 << 20)
                                .read_json()
                                .map_err(|e| e.to_string())?;
                            lat.push(t.elapsed().as_secs_f64() * 1000.0);
                            got += page.changes.len() as u64;
                            for c in &page.changes {
                                if let Change::Entity { entity } = c
                                    && entity.kind == EntityKind::Household
                                {
                                    households
                                        .push((entity.id.clone(), entity.address_code.clone()));
                                }
                            }
                            *cursor = page.cursor;
                            if !page.more {
                                return Ok(got);
                            }
                        }
                    };
                    let mut ignored = Vec::new();
                    let initial = if token.is_empty() {
                        0
                    } else {
                        pull(&mut cursor, &mut households, &mut ignored).unwrap_or_else(|e| {
                            fail(e);
                            0
                        })
                    };
                    households.sort();
                    households.dedup();
                    ready.wait();
                    go.wait();
                    let t0 = start.lock().unwrap().expect("start time");
                    let (mut ops, mut records) = (0u64, 0u64);
                    let (mut push_ms, mut pull_ms) = (Vec::new(), Vec::new());
                    let mut k = 0u64;
                    while !token.is_empty() && !households.is_empty() && t0.elapsed() < run_for {
                        let now = gridfield_core::store::now_ms();
                        let batch: Vec<PushOp> = (0..10)
                            .map(|j| {
                                k += 1;
                                let (id, addr) =
                                    &households[(k as usize * 7 + j) % households.len()];
                                let mut fields = Map::new();
                                fields.insert("note".into(), json!(format!("压测走访{k}")));
                                PushOp {
                                    op_id: format!("{device}-{k}"),
                                    entity_id: id.clone(),
                                    hlc: format!("{now:013}-{k:06}-{device}"),
                                    op: gridfield_core::records::Op::EntityUpsert {
                                        kind: EntityKind::Household,
                                        address_code: addr.clone(),
                                        fields,
                                        bases: Some(Map::new()),
                                    },
                                }
                            })
                            .collect();
                        let body = PushRequest {
                            ops: batch,
                            cursor: Some(cursor.clone()),
                            device_time: None,
                            replay: false,
                        };
                        let t = Instant::now();
                        let res = agent
                            .post(format!("{url}/v1/push"))
                            .header("authorization", &auth)
                            .send_json(&body)
                            .map_err(|e| e.to_string())
                            .and_then(|mut r| {
                                if r.status() != 200 {
                                    return Err(format!("push status {}", r.status()));
                                }
                                r.body_mut()
                                    .read_json::<PushResponse>()
                                    .map_err(|e| e.to_string())
                            });
                        match res {
                            Ok(p) => {
                                push_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                                for r in &p.results {
                                    if r.status == gridfield_core::wire::OpStatus::Applied {
                                        ops += 1;
                                    } else {
                                        fail(format!("op {:?}: {:?}", r.status, r.message_en));
                                    }
                                }
                            }
                            Err(e) => fail(e),
                        }
                        let mut sink = Vec::new();
                        match pull(&mut cursor, &mut sink, &mut pull_ms) {
                            Ok(n) => records += n,
                            Err(e) => fail(e),
                        }
                    }
                    let mut f = fig.lock().unwrap();
                    f.initial_records += initial;
                    f.ops += ops;
                    f.records += records;
                    f.push_ms.extend(push_ms);
                    f.pull_ms.extend(pull_ms);
                    f.errors += errors;
                    f.enroll_waits += waits;
                    if f.first_error.is_none() {
                        f.first_error = first_error;
                    }
                })
                .unwrap(),
        );
    }
    // Every device enrolled and pulled its grid: start the clock for all at once.
    ready.wait();
    let initial_secs = secs(t_initial.elapsed());
    *start.lock().unwrap() = Some(Instant::now());
    go.wait();
    let t = Instant::now();
    for h in handles {
        h.join().expect("load thread");
    }
    let mut f = fig.lock().unwrap().clone();
    f.secs = secs(t.elapsed());
    f.initial_secs = initial_secs;
    f.push_ms.sort_by(|a, b| a.total_cmp(b));
    f.pull_ms.sort_by(|a, b| a.total_cmp(b));
    f
}

struct Run {
    fig: BackendFig,
    /// Raw changes of the worker's slice and of the large scope (first backend only).
    slice_changes: Vec<Value>,
    scope_changes: Vec<Value>,
    local: Option<LocalFig>,
}

fn run_backend(cfg: &Cfg, backend: Backend, extras: bool) -> Run {
    let name = if backend == Backend::Sqlite {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    eprintln!("[{name}] generating the city (scale {})…", cfg.scale);
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
    let summary: gridfield_server_summary::CitySummary =
        serde_json::from_slice(&out.stdout).expect("gridfield-city summary");
    let gen_secs = secs(t.elapsed());
    let mut fig = BackendFig {
        name,
        gen_records: summary.records,
        gen_secs,
        by_kind: summary.by_kind.clone(),
        slice_grid: summary.worker_grid.clone(),
        ..Default::default()
    };
    let server = ServerProc::start(&store);
    let proxy = CountingProxy::start(&server.url);

    eprintln!("[{name}] a grid worker's initial sync…");
    let worker = enroll(
        &proxy,
        &store.code("基准网格员", "worker", &summary.worker_grid),
    );
    fig.slice = measured_sync(&worker, &proxy);
    eprintln!("[{name}] … {}", sync_path(&worker, &fig.slice));

    eprintln!("[{name}] 100 offline edits, {} round(s)…", cfg.inc_reps);
    fig.inc = incremental(&worker, &proxy, cfg.inc_reps);

    // The subtree nearest 100,000 records at scale 1: a supervisor's phone.
    let target = 100_000.0 * cfg.scale;
    let scope = summary
        .subtrees
        .iter()
        .min_by(|a, b| {
            (a.records as f64 - target)
                .abs()
                .total_cmp(&(b.records as f64 - target).abs())
        })
        .expect("subtrees")
        .clone();
    fig.scope_name = format!("{} {}", scope.code, scope.name);
    eprintln!(
        "[{name}] a supervisor's initial sync of {} ({} records)…",
        fig.scope_name, scope.records
    );
    let sup = enroll(&proxy, &store.code("基准网格长", "supervisor", &scope.code));
    fig.scope = measured_sync(&sup, &proxy);
    eprintln!("[{name}] … {}", sync_path(&sup, &fig.scope));

    let (mut slice_changes, mut scope_changes, mut local) = (Vec::new(), Vec::new(), None);
    if extras {
        slice_changes = pull_all(&server.url, &worker.token());
        scope_changes = pull_all(&server.url, &sup.token());
        eprintln!("[{name}] local operations…");
        local = Some(local_ops(cfg, &store, &worker, &sup));
    }

    eprintln!(
        "[{name}] {} devices at once for {} s…",
        cfg.devices, cfg.load_secs
    );
    let leaves: Vec<String> = summary
        .subtrees
        .iter()
        .filter(|s| s.level == 3)
        .map(|s| format!("{}001", s.code))
        .collect();
    let codes: Vec<String> = (0..cfg.devices)
        .map(|i| store.code(&format!("压测员{i}"), "worker", &leaves[i % leaves.len()]))
        .collect();
    fig.load = load(&server.url, codes, Duration::from_secs(cfg.load_secs));

    eprintln!("[{name}] console pages…");
    fig.console = console_pages(
        cfg,
        &store,
        &server,
        &worker,
        &summary.worker_grid,
        &scope.code,
        &fig.scope_name,
    );
    drop(proxy);
    drop(server);
    Run {
        fig,
        slice_changes,
        scope_changes,
        local,
    }
}

/// A reader that counts the bytes read through it.
struct Counting<R>(R, u64);

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1 += n as u64;
        Ok(n)
    }
}

/// The console as its users meet it: each page fetched over HTTP with a signed-in
/// session (median of `inc_reps` fetches after one warm-up), as the city's admin
/// (the whole city), a supervisor of the large subtree and one of the worker's grid;
/// then whole-scope exports streamed to a byte counter, with the server's peak memory.
fn console_pages(
    cfg: &Cfg,
    store: &Store,
    server: &ServerProc,
    worker: &Device,
    grid: &str,
    subtree: &str,
    subtree_name: &str,
) -> ConsoleFig {
    use gridfield_tests::console;
    const PASSWORD: &str = "bench-console-pass";
    let city = "320583";
    store.console_user("基准综治中心", "admin", city, PASSWORD);
    store.console_user("基准街道网格长", "supervisor", subtree, PASSWORD);
    store.console_user("基准网格长甲", "supervisor", grid, PASSWORD);
    // A street and number of the worker's grid to search for (streets recur across towns).
    let term: String = worker
        .store()
        .read(|c| {
            Ok(c.query_row(
                "SELECT street || number FROM addresses WHERE street IS NOT NULL ORDER BY code LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    let q = console::percent(&term);
    let mut fig = ConsoleFig::default();
    let reps = cfg.inc_reps.max(1);
    let mut page = |cookie: &str, scope: &str, label: &str, path: &str| -> Reply {
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
            "GET {path} as {scope}: {}",
            String::from_utf8_lossy(&last.body)
        );
        let max = ms.iter().cloned().fold(0.0, f64::max);
        fig.pages.push((
            label.to_string(),
            scope.to_string(),
            median(&mut ms),
            max,
            last.body.len(),
        ));
        last
    };
    let scopes = [
        ("基准综治中心", format!("city {city} 昆山市")),
        ("基准街道网格长", subtree_name.to_string()),
        ("基准网格长甲", format!("grid {grid}")),
    ];
    let mut cookies = Vec::new();
    for (user, scope) in &scopes {
        let cookie = console::sign_in(&server.url, user, PASSWORD);
        page(&cookie, scope, "dashboard (charts and figures)", "/console");
        let queue = page(
            &cookie,
            scope,
            "review queue, page 1",
            "/console/inspections",
        );
        // A deep page: lists page by key, so reach page 100 by its links as a
        // user would, then time that page.
        let mut deep = "/console/inspections?status=approved".to_string();
        for _ in 0..99 {
            let body = console::get(&server.url, &cookie, &deep).body;
            let body = String::from_utf8_lossy(&body);
            let body = body.replace("&amp;", "&");
            let Some(at) = body.find("/console/inspections?status=approved&after=") else {
                break;
            };
            let end = at + body[at..].find('"').unwrap_or(0);
            deep = body[at..end].to_string();
        }
        page(
            &cookie,
            scope,
            "approved inspections, a deep page (by its links, up to 100)",
            &deep,
        );
        page(
            &cookie,
            scope,
            "hazard board, overdue",
            "/console/hazards?overdue=1",
        );
        page(
            &cookie,
            scope,
            "hazard board, category + severity + status",
            "/console/hazards?category=fire.ebike_charging&severity=high&status=assigned",
        );
        page(
            &cookie,
            scope,
            "report inbox",
            "/console/reports?status=pending",
        );
        page(
            &cookie,
            scope,
            &format!("door-plate search {term:?}"),
            &format!("/console/addresses?q={q}"),
        );
        // The first inspection of the queue, and the address it was made at: both
        // inside this user's grids.
        let first_link = |r: &Reply, prefix: &str| {
            let html = String::from_utf8_lossy(&r.body);
            let at = html.find(&format!("href=\"{prefix}"))? + 6;
            let rest = &html[at..];
            Some(rest[..rest.find('"')?].to_string())
        };
        let inspection = first_link(&queue, "/console/inspections/")
            .or_else(|| {
                let approved =
                    console::get(&server.url, &cookie, "/console/inspections?status=approved");
                first_link(&approved, "/console/inspections/")
            })
            .unwrap_or_else(|| panic!("{scope}: no inspection"));
        let insp = page(&cookie, scope, "an inspection to review", &inspection);
        let address = first_link(&insp, "/console/addresses/")
            .unwrap_or_else(|| panic!("{scope}: no address on {inspection}"));
        page(
            &cookie,
            scope,
            "an address with its entities and history",
            &address,
        );
        page(
            &cookie,
            scope,
            "map data (grid polygons and markers)",
            "/console/map/data",
        );
        page(&cookie, scope, "audit trail", "/console/audit");
        page(&cookie, scope, "conflict log", "/console/conflicts");
        cookies.push((cookie, scope.clone()));
    }
    page(
        &cookies[2].0,
        &cookies[2].1,
        "plate QR sheet of the grid",
        &format!("/console/plates?grid={grid}"),
    );

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(1800)))
        .build()
        .into();
    for (i, file) in [
        (0, "inspections.csv"),
        (0, "hazards.csv"),
        (1, "inspections.xlsx"),
    ] {
        let (cookie, scope) = &cookies[i];
        let pid = server.pid();
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        let rss_before = vm_hwm_kib(pid);
        let t = Instant::now();
        let mut resp = agent
            .get(&format!("{}/console/export/{file}", server.url))
            .header("cookie", cookie)
            .call()
            .unwrap_or_else(|e| panic!("export {file}: {e}"));
        // CSV is parsed as it streams in (the rows must parse); XLSX is counted only.
        let mut reader = Counting(resp.body_mut().as_reader(), 0);
        let mut rows = 0u64;
        if file.ends_with(".csv") {
            let mut csv = csv::Reader::from_reader(&mut reader);
            let mut rec = csv::ByteRecord::new();
            while csv
                .read_byte_record(&mut rec)
                .expect("export parses as CSV")
            {
                rows += 1;
            }
        } else {
            std::io::copy(&mut reader, &mut std::io::sink()).expect("read export");
        }
        let bytes = reader.1;
        let secs = t.elapsed().as_secs_f64();
        assert!(bytes > 0, "empty export {file}");
        fig.exports.push(ExportFig {
            what: file.to_string(),
            scope: scope.clone(),
            rows,
            bytes,
            secs,
            rss_before,
            rss_after: vm_hwm_kib(pid),
        });
    }
    fig
}

/// The summary `gridfield-city --json` prints (its `CitySummary`).
mod gridfield_server_summary {
    #[derive(serde::Deserialize)]
    pub struct CitySummary {
        pub records: u64,
        pub by_kind: std::collections::BTreeMap<String, u64>,
        pub worker_grid: String,
        pub subtrees: Vec<Subtree>,
    }
    #[derive(serde::Deserialize, Clone)]
    pub struct Subtree {
        pub code: String,
        pub name: String,
        pub level: u32,
        pub records: u64,
    }
}

fn time_median(iters: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..iters.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    median(&mut v)
}

/// Local operations on the phones' own stores: the worker's grid, the supervisor's
/// subtree, and a store holding every door plate of the city.
fn local_ops(cfg: &Cfg, store: &Store, worker: &Device, sup: &Device) -> LocalFig {
    let mut rows = Vec::new();
    let w = worker.store();
    let (hid, addr): (String, String) = w
        .read(|c| {
            Ok(c.query_row(
                "SELECT id, address_code FROM households ORDER BY id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    let new = NewInspection {
        template_id: "household_visit".into(),
        template_version: None,
        address_code: addr,
        subject_kind: Some(EntityKind::Household),
        subject_id: Some(hid),
        location: None,
    };
    let answers: gridfield_core::checklist::Answers = serde_json::from_value(json!({
        "residents_present": "yes", "resident_count": 3, "population_change": "none",
        "special_groups": [], "gas_unsafe": "no", "wiring_unsafe": "no",
        "ebike_indoor": "no", "dispute": "no", "needs": "希望小区增设电动车充电桩"
    }))
    .unwrap();
    let photos = Default::default();
    let us = time_median(cfg.iters, || {
        w.record_inspection(&new, &answers, &photos, None).unwrap();
    });
    rows.push((
        "record a household visit (inspection + outbox entry + audit, 1 transaction), worker's store".into(),
        us,
        "µs".into(),
    ));
    let overdue = w
        .hazards(&HazardFilter {
            overdue_only: true,
            ..Default::default()
        })
        .unwrap()
        .len();
    let us = time_median(cfg.iters, || {
        w.hazards(&HazardFilter {
            overdue_only: true,
            ..Default::default()
        })
        .unwrap();
    });
    rows.push((
        format!("list the grid's overdue hazards ({overdue} of them), worker's store"),
        us,
        "µs".into(),
    ));
    drop(w);
    let s = sup.store();
    let overdue = s
        .hazards(&HazardFilter {
            overdue_only: true,
            ..Default::default()
        })
        .unwrap()
        .len();
    let us = time_median(cfg.iters, || {
        s.hazards(&HazardFilter {
            overdue_only: true,
            ..Default::default()
        })
        .unwrap();
    });
    rows.push((
        format!("list the subtree's overdue hazards ({overdue}), supervisor's store"),
        us,
        "µs".into(),
    ));
    drop(s);
    let key = device_key(worker);
    let us = time_median(cfg.iters, || {
        gridfield_core::Store::open(worker.data(), &key).unwrap();
    });
    rows.push((
        "open the worker's store (`Store::open`)".into(),
        us,
        "µs".into(),
    ));

    // Every door plate of the city on one device, read from the server's SQLite file.
    let bodies = |kind: &str| -> Vec<String> {
        let c = rusqlite::Connection::open(&store.target).unwrap();
        let mut st = c
            .prepare("SELECT body FROM records WHERE kind = ?1 ORDER BY seq")
            .unwrap();
        st.query_map([kind], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|b| b.unwrap())
            .collect()
    };
    let grids: Vec<Grid> = bodies("grid")
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let addresses: Vec<Address> = bodies("address")
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let key = DbKey::generate().unwrap();
    let big = gridfield_core::Store::init(
        dir.path(),
        &key,
        Identity {
            device_id: "bench-city".into(),
            user: "基准".into(),
            role: Role::Supervisor,
            grid_scope: "320583".into(),
        },
    )
    .unwrap();
    big.import_grids(&grids).unwrap();
    let t = Instant::now();
    for chunk in addresses.chunks(10_000) {
        big.import_addresses(chunk).unwrap();
    }
    let import_secs = secs(t.elapsed());
    let n = addresses.len();
    let sample = &addresses[n / 2];
    let street_no = format!(
        "{}{}",
        sample.street.as_deref().unwrap_or(""),
        sample.number.as_deref().unwrap_or("")
    );
    let serial = sample.plate_serial.clone().unwrap_or_default();
    for (label, q) in [
        (
            format!("search `{street_no}` (street + number)"),
            street_no.clone(),
        ),
        (
            "search `3栋2单元` (building + unit)".to_string(),
            "3栋2单元".to_string(),
        ),
        (
            format!("search `{serial}` (a plate serial)"),
            serial.clone(),
        ),
        (
            "search `不存在路999号` (no match)".to_string(),
            "不存在路999号".to_string(),
        ),
    ] {
        let hits = big.search_addresses(&q, 20).unwrap().len();
        assert!(
            hits > 0 || q.starts_with("不存在"),
            "search {q} found nothing"
        );
        let us = time_median(cfg.iters.min(100), || {
            big.search_addresses(&q, 20).unwrap();
        });
        rows.push((
            format!("{label} among {n} plates, 20 hits max"),
            us,
            "µs".into(),
        ));
    }
    drop(big);
    let us = time_median(cfg.iters.min(100), || {
        gridfield_core::Store::open(dir.path(), &key).unwrap();
    });
    rows.push((format!("open a store holding {n} plates"), us, "µs".into()));
    LocalFig {
        rows,
        import_secs,
        addresses: n,
    }
}

// ---- PouchDB side ---------------------------------------------------------------------

struct Node(Child);
impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn node_json(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new("node")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "node {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn pouch_docs(changes: &[Value], path: &Path) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for c in changes {
        let (k, id) = change_key(c);
        let mut doc = c.clone();
        doc["_id"] = json!(format!("{k}:{id}"));
        writeln!(f, "{doc}").unwrap();
    }
}

fn pouchdb(slice: &[Value], scope: &[Value], reps: usize) -> PouchFig {
    let dir = root().join("bench/pouchdb");
    assert!(
        dir.join("node_modules/pouchdb").exists(),
        "bench/pouchdb/node_modules missing: run `npm ci` there (scripts/bench.sh does)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Command::new("node")
        .current_dir(&dir)
        .arg("server.js")
        .arg(tmp.path().join("server"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node server.js");
    let out = server.stdout.take().unwrap();
    let server = Node(server);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("server.js said {line:?}"))
        .to_string();
    let proxy = CountingProxy::start(&format!("127.0.0.1:{port}"));
    let mut fig = PouchFig::default();
    for (name, changes) in [("slice", slice), ("scope", scope)] {
        let file = tmp.path().join(format!("{name}.ndjson"));
        pouch_docs(changes, &file);
        let a = tmp.path().join(format!("{name}-a"));
        let b = tmp.path().join(format!("{name}-b"));
        let remote = format!("{}/{name}", proxy.url);
        let (a, b, file) = (
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            file.to_str().unwrap(),
        );
        let loaded = node_json(&dir, &["client.js", "load", a, file]);
        fig.adapter = loaded["adapter"].as_str().unwrap_or("").to_string();
        proxy.take();
        let push = node_json(&dir, &["client.js", "push", a, &remote]);
        let (u, d) = proxy.take();
        let pull = node_json(&dir, &["client.js", "pull", b, &remote]);
        let (u2, d2) = proxy.take();
        let set = PouchSet {
            docs: pull["docs"].as_u64().unwrap_or(0),
            push_ms: push["ms"].as_f64().unwrap_or(f64::NAN),
            push_bytes: u + d,
            pull_ms: pull["ms"].as_f64().unwrap_or(f64::NAN),
            pull_bytes: u2 + d2,
        };
        assert_eq!(
            set.docs,
            changes.len() as u64,
            "PouchDB pulled a different count"
        );
        if name == "slice" {
            let mut ms = Vec::new();
            let mut bytes = 0;
            for rep in 0..reps {
                node_json(&dir, &["client.js", "edit", b, "100", &rep.to_string()]);
                proxy.take();
                let r = node_json(&dir, &["client.js", "sync", b, &remote]);
                let (u, d) = proxy.take();
                bytes = u + d;
                ms.push(r["ms"].as_f64().unwrap_or(f64::NAN));
            }
            fig.inc_ms = median(&mut ms);
            fig.inc_bytes = bytes;
            fig.slice = set;
        } else {
            fig.scope = set;
        }
    }
    drop(proxy);
    drop(server);
    fig
}

// ---- the bindings -------------------------------------------------------------------

/// The Kotlin → uniffi call cost, when the bindings' JVM module provides its script.
fn ffi() -> Option<Value> {
    let script = root().join("android/jvm/scripts/bench-ffi.sh");
    if !script.exists() {
        return None;
    }
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(root())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "bench-ffi.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
        .filter(|v| v.get("ffi_call_ns").is_some())
}

// ---- the report ---------------------------------------------------------------------

fn sh(cmd: &str) -> String {
    Command::new("sh")
        .args(["-c", cmd])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn n0(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let s = format!("{:.0}", x);
    let (neg, digits) = s
        .strip_prefix('-')
        .map(|d| (true, d))
        .unwrap_or((false, &s));
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if neg { format!("-{out}") } else { out }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn ratio(ours: f64, theirs: f64) -> String {
    if ours.is_finite() && theirs.is_finite() && theirs > 0.0 {
        format!("{:.2}×", ours / theirs)
    } else {
        "–".into()
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**missed**" }
}

#[allow(clippy::too_many_arguments)]
fn report(
    cfg: &Cfg,
    figs: &[BackendFig],
    local: &LocalFig,
    floor: &FloorFig,
    pouch: Option<&PouchFig>,
    ffi: Option<&Value>,
    started: &str,
    load_before: &str,
    wall: f64,
) -> String {
    let mut o = String::new();
    let cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2");
    let mem = sh("grep MemTotal /proc/meminfo | awk '{printf \"%.1f GiB\", $2/1048576}'");
    let os = sh(". /etc/os-release 2>/dev/null; echo \"$PRETTY_NAME, kernel $(uname -r)\"");
    let rustc = sh("rustc --version");
    let nodev = sh("node --version");
    let pg = sh("ls /usr/lib/postgresql | sort -n | tail -1");
    o.push_str(&format!(
        "Generated by `scripts/bench.sh` (source: `tests/benches/city.rs`); rerun it to replace this section.\n\n\
         | | |\n|---|---|\n| Machine | {cpu}, {} cores, {mem} RAM |\n| OS | {os} |\n\
         | Toolchain | {rustc}; server and `gridfield` CLI in the `release` profile (opt-level \"s\", as shipped to phones); node {nodev}; PostgreSQL {pg} (fsync off, throwaway cluster) |\n\
         | Date | {started} (machine clock), whole run {:.0} s |\n\
         | Load | load average {load_before} before the run, {} after it (other work on the machine makes figures noisy) |\n\
         | Command | `scripts/bench.sh` (seed {}, scale {}) |\n\n",
        sh("nproc"),
        wall,
        sh("cut -d' ' -f1-3 /proc/loadavg"),
        cfg.seed,
        cfg.scale
    ));
    let f0 = &figs[0];
    o.push_str(&format!(
        "**The city.** `gridfield-city --seed {} --scale {}`: {} records — {}.\n\n",
        cfg.seed,
        cfg.scale,
        n0(f0.gen_records as f64),
        f0.by_kind
            .iter()
            .map(|(k, v)| format!("{} {k}", n0(*v as f64)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    o.push_str("| bulk load of the city | ");
    o.push_str(
        &figs
            .iter()
            .map(|f| {
                format!(
                    "{}: {:.0} s ({} records/s)",
                    f.name,
                    f.gen_secs,
                    n0(f.gen_records as f64 / f.gen_secs)
                )
            })
            .collect::<Vec<_>>()
            .join(" | "),
    );
    o.push_str(" |\n|---|---|---|\n\n");

    // Sync, side by side.
    o.push_str("**Sync, device ↔ server on loopback, next to PouchDB replicating the same records.** \
        Bytes are everything that crossed the loopback relay (HTTP headers, gzip, both directions) per record; \
        times include starting the `gridfield` process; peak memory is the device process's VmHWM (sampled from /proc every 2 ms).\n\n");
    o.push_str("| figure | Gridfield on SQLite | Gridfield on PostgreSQL | PouchDB (express-pouchdb) | Gridfield (SQLite) / PouchDB |\n|---|---:|---:|---:|---:|\n");
    let p = pouch.cloned().unwrap_or_default();
    let have_p = pouch.is_some();
    let pv = |x: f64| if have_p { n0(x) } else { "not run".into() };
    for (label, get, pset) in [
        ("one grid's slice", 0usize, &p.slice),
        ("a supervisor's subtree", 1usize, &p.scope),
    ] {
        let sf = |f: &BackendFig| {
            if get == 0 {
                f.slice.clone()
            } else {
                f.scope.clone()
            }
        };
        let s0 = sf(&figs[0]);
        let col = |g: &dyn Fn(&SyncFig) -> String| {
            figs.iter()
                .map(|f| g(&sf(f)))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let p_rate = pset.docs as f64 / (pset.pull_ms / 1000.0);
        let p_bpr = pset.pull_bytes as f64 / pset.docs.max(1) as f64;
        o.push_str(&format!(
            "| initial sync, {label}: records | {} | {} | |\n",
            col(&|s| n0(s.records as f64)),
            pv(pset.docs as f64)
        ));
        o.push_str(&format!(
            "| … records/s (PouchDB: initial pull) | {} | {} | {} |\n",
            col(&|s| n0(s.rate())),
            pv(p_rate),
            if have_p {
                ratio(s0.rate(), p_rate)
            } else {
                "–".into()
            }
        ));
        o.push_str(&format!(
            "| … bytes on the wire per record | {} | {} | {} |\n",
            col(&|s| n0(s.bytes_per_record())),
            pv(p_bpr),
            if have_p {
                ratio(s0.bytes_per_record(), p_bpr)
            } else {
                "–".into()
            }
        ));
        o.push_str(&format!(
            "| … JSON bytes per record before gzip (Gridfield) | {} | | |\n",
            col(&|s| n0(s.json_down as f64 / s.records.max(1) as f64))
        ));
        o.push_str(&format!(
            "| … wall time | {} | {} | {} |\n",
            col(&|s| format!("{:.2} s", s.secs)),
            if have_p {
                format!("{:.2} s", pset.pull_ms / 1000.0)
            } else {
                "not run".into()
            },
            if have_p {
                ratio(s0.secs, pset.pull_ms / 1000.0)
            } else {
                "–".into()
            }
        ));
        o.push_str(&format!(
            "| … device peak memory | {} | | |\n",
            col(&|s| mib(s.rss_kib))
        ));
        if have_p {
            o.push_str(&format!(
                "| PouchDB initial push of the same records (records/s; bytes/record) | | | {}; {} | |\n",
                n0(pset.docs as f64 / (pset.push_ms / 1000.0)),
                n0(pset.push_bytes as f64 / pset.docs.max(1) as f64)
            ));
        }
    }
    o.push_str(&format!(
        "| 100 offline edits, push + pull round trip (median of {}) | {} | {} | {} |\n",
        cfg.inc_reps,
        figs.iter()
            .map(|f| format!(
                "{:.0} ms (min {:.0}, max {:.0})",
                f.inc.ms, f.inc.min_ms, f.inc.max_ms
            ))
            .collect::<Vec<_>>()
            .join(" | "),
        if have_p {
            format!("{:.0} ms", p.inc_ms)
        } else {
            "not run".into()
        },
        if have_p {
            ratio(figs[0].inc.ms, p.inc_ms)
        } else {
            "–".into()
        }
    ));
    o.push_str(&format!(
        "| … bytes on the wire | {} | {} | {} |\n\n",
        figs.iter()
            .map(|f| n0((f.inc.wire_up + f.inc.wire_down) as f64))
            .collect::<Vec<_>>()
            .join(" | "),
        if have_p {
            n0(p.inc_bytes as f64)
        } else {
            "not run".into()
        },
        if have_p {
            ratio(
                (figs[0].inc.wire_up + figs[0].inc.wire_down) as f64,
                p.inc_bytes as f64,
            )
        } else {
            "–".into()
        }
    ));
    o.push_str(&format!(
        "Slice: grid `{}` of the city (the first lowest-level grid). Subtree: {}. PouchDB: storage adapter `{}` on both sides, default replication settings, \
         one document per record (`_id` = kind:id, the body Gridfield sends for it); its server is `express-pouchdb` in its own node process.\n\n",
        figs[0].slice_grid,
        figs[0].scope_name,
        if have_p { p.adapter.as_str() } else { "–" }
    ));

    // Floor.
    let s = &figs[0].scope;
    o.push_str(&format!(
        "**The physical floor.** The subtree's {} records inserted as JSON rows into one table, one transaction, prepared statement, WAL: \
         plain SQLite {} records/s, SQLCipher (as the device) {} records/s. Gridfield's initial sync of the same records reaches \
         **{:.0}%** of the SQLCipher floor on the SQLite server ({:.0}% on PostgreSQL).\n\n",
        n0(floor.records as f64),
        n0(floor.records as f64 / floor.plain_secs),
        n0(floor.records as f64 / floor.cipher_secs),
        100.0 * s.rate() / (floor.records as f64 / floor.cipher_secs),
        100.0 * figs.get(1).map(|f| f.scope.rate()).unwrap_or(f64::NAN) / (floor.records as f64 / floor.cipher_secs),
    ));

    // Load.
    o.push_str(&format!(
        "**Many devices at once.** {} simulated devices (threads of the bench process, HTTP/1.1 keep-alive, gzip) each enroll as a worker of a grid, pull its slice, \
         then for {} s push 10 household edits and pull what changed, with no pause. Server, PostgreSQL and devices share the same {} cores.\n\n",
        cfg.devices,
        cfg.load_secs,
        sh("nproc")
    ));
    o.push_str("| | ");
    o.push_str(&figs.iter().map(|f| f.name).collect::<Vec<_>>().join(" | "));
    o.push_str(" |\n|---|");
    o.push_str(&figs.iter().map(|_| "---:").collect::<Vec<_>>().join("|"));
    o.push_str("|\n");
    let row = |o: &mut String, label: &str, g: &dyn Fn(&LoadFig) -> String| {
        o.push_str(&format!(
            "| {label} | {} |\n",
            figs.iter()
                .map(|f| g(&f.load))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    };
    row(
        &mut o,
        "morning rush: records served while every device pulled its grid",
        &|l| {
            format!(
                "{} in {:.1} s ({}/s)",
                n0(l.initial_records as f64),
                l.initial_secs,
                n0(l.initial_records as f64 / l.initial_secs)
            )
        },
    );
    row(&mut o, "operations pushed and applied per second", &|l| {
        n0(l.ops as f64 / l.secs)
    });
    row(
        &mut o,
        "records served per second (devices are on distinct grids: each pulls back its own edits)",
        &|l| n0(l.records as f64 / l.secs),
    );
    row(&mut o, "push latency p50 / p95 / p99", &|l| {
        format!(
            "{:.0} / {:.0} / {:.0} ms",
            pct(&l.push_ms, 0.5),
            pct(&l.push_ms, 0.95),
            pct(&l.push_ms, 0.99)
        )
    });
    row(&mut o, "pull latency p50 / p95 / p99", &|l| {
        format!(
            "{:.0} / {:.0} / {:.0} ms",
            pct(&l.pull_ms, 0.5),
            pct(&l.pull_ms, 0.95),
            pct(&l.pull_ms, 0.99)
        )
    });
    row(
        &mut o,
        "enrollments told to wait by the brake on guessing codes (429), then retried",
        &|l| format!("{}", l.enroll_waits),
    );
    row(&mut o, "errors", &|l| match &l.first_error {
        None => format!("{}", l.errors),
        Some(e) => format!("{} (first: {})", l.errors, e.replace('|', "/")),
    });
    o.push('\n');

    // Console.
    o.push_str(
        "**The supervisor console on the city.** Each page fetched over HTTP with a signed-in session \
         (HTML rendered by the server, median of the fetches after a warm-up, max in brackets), as the city's admin \
         (every grid), a supervisor of the subtree above and one of the worker's grid. Lists are paginated (50 rows).\n\n| page | scope | ",
    );
    o.push_str(&figs.iter().map(|f| f.name).collect::<Vec<_>>().join(" | "));
    o.push_str(" | HTML |\n|---|---|");
    o.push_str(&figs.iter().map(|_| "---:").collect::<Vec<_>>().join("|"));
    o.push_str("|---:|\n");
    for (label, scope, _, _, bytes) in &figs[0].console.pages {
        let cells: Vec<String> = figs
            .iter()
            .map(|f| {
                f.console
                    .pages
                    .iter()
                    .find(|p| &p.0 == label && &p.1 == scope)
                    .map(|p| format!("{:.1} ms ({:.1})", p.2, p.3))
                    .unwrap_or_default()
            })
            .collect();
        o.push_str(&format!(
            "| {label} | {scope} | {} | {:.1} KB |\n",
            cells.join(" | "),
            *bytes as f64 / 1000.0
        ));
    }
    o.push_str("\nExports, streamed whole (no filter) and parsed as they arrive; the server's peak resident memory is reset before each (Linux `clear_refs`).\n\n| export | scope | rows | ");
    o.push_str(
        &figs
            .iter()
            .map(|f| format!("{} time; size; server peak memory before → after", f.name))
            .collect::<Vec<_>>()
            .join(" | "),
    );
    o.push_str(" |\n|---|---|---:|");
    o.push_str(&figs.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
    o.push_str("|\n");
    let peak = |k: Option<u64>| {
        k.map(|k| format!("{:.0} MiB", k as f64 / 1024.0))
            .unwrap_or_else(|| "?".into())
    };
    for (i, e) in figs[0].console.exports.iter().enumerate() {
        let cells: Vec<String> = figs
            .iter()
            .filter_map(|f| f.console.exports.get(i))
            .map(|x| {
                format!(
                    "{:.1} s; {:.1} MB; {} → {}",
                    x.secs,
                    x.bytes as f64 / 1e6,
                    peak(x.rss_before),
                    peak(x.rss_after)
                )
            })
            .collect();
        o.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            e.what,
            e.scope,
            if e.what.ends_with(".csv") {
                n0(e.rows as f64)
            } else {
                "(not counted)".into()
            },
            cells.join(" | ")
        ));
    }
    o.push('\n');

    // Local.
    o.push_str(&format!(
        "**Local operations on the phone's encrypted store** (SQLCipher, WAL; median of up to {} runs). \
         The city's {} door plates were imported into one store in {:.1} s ({} plates/s).\n\n| operation | median |\n|---|---:|\n",
        cfg.iters,
        n0(local.addresses as f64),
        local.import_secs,
        n0(local.addresses as f64 / local.import_secs)
    ));
    for (label, v, unit) in &local.rows {
        o.push_str(&format!("| {label} | {v:.1} {unit} |\n"));
    }
    match ffi {
        Some(v) => o.push_str(&format!(
            "| one call from Kotlin through the uniffi bindings (`{}`) | {} ns |\n\n",
            v["ffi_call_name"].as_str().unwrap_or("?"),
            v["ffi_call_ns"]
        )),
        None => o.push_str(
            "| one call from Kotlin through the uniffi bindings | not measured in this run (`android/jvm/scripts/bench-ffi.sh` absent or failed) |\n\n",
        ),
    }

    // Targets.
    o.push_str("**Targets.**\n\n| target | measured | |\n|---|---|---|\n");
    if have_p {
        for (label, f, pset) in [
            ("slice", &figs[0].slice, &p.slice),
            ("subtree", &figs[0].scope, &p.scope),
        ] {
            let pr = pset.docs as f64 / (pset.pull_ms / 1000.0);
            let x = f.rate() / pr;
            o.push_str(&format!(
                "| initial sync ≥ 10× PouchDB's records/s ({label}) | {x:.1}× | {} |\n",
                verdict(x >= 10.0)
            ));
            let b = f.bytes_per_record() / (pset.pull_bytes as f64 / pset.docs.max(1) as f64);
            o.push_str(&format!(
                "| ≤ 1/3 of PouchDB's bytes per record ({label}) | {b:.2} | {} |\n",
                verdict(b <= 1.0 / 3.0)
            ));
        }
    } else {
        o.push_str("| initial sync vs PouchDB | PouchDB not run | – |\n");
    }
    for f in figs {
        o.push_str(&format!(
            "| 100-edit round trip < 50 ms ({}) | {:.0} ms | {} |\n",
            f.name,
            f.inc.ms,
            verdict(f.inc.ms < 50.0)
        ));
    }
    for f in figs {
        o.push_str(&format!(
            "| zero errors under {} devices ({}) | {} | {} |\n",
            f.load.devices,
            f.name,
            f.load.errors,
            verdict(f.load.errors == 0)
        ));
    }
    for f in figs {
        o.push_str(&format!(
            "| device memory < 64 MB during the {}-record initial sync ({}) | {} | {} |\n",
            n0(f.scope.records as f64),
            f.name,
            mib(f.scope.rss_kib),
            verdict(f.scope.rss_kib * 1024 < 64 * 1000 * 1000)
        ));
    }
    o
}

const BEGIN: &str = "<!-- BEGIN city-bench: generated by scripts/bench.sh, do not edit by hand -->";
const END: &str = "<!-- END city-bench -->";

fn write_docs(section: &str) {
    let path = root().join("docs/BENCHMARKS.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let block = format!("{BEGIN}\n{section}{END}");
    let new = match (doc.find(BEGIN), doc.find(END)) {
        (Some(a), Some(b)) if b > a => format!("{}{block}{}", &doc[..a], &doc[b + END.len()..]),
        _ => format!(
            "{}\n## City scale, side by side with PouchDB\n\n{block}\n",
            doc.trim_end()
        ),
    };
    std::fs::write(&path, new).unwrap();
    eprintln!("wrote {}", path.display());
}

fn main() {
    let cfg = Cfg::from_env();
    let started = sh("date -u '+%Y-%m-%d %H:%M UTC'");
    if std::env::var("GRIDFIELD_BENCH_ONLY").as_deref() == Ok("cases") {
        cases::main(&cfg, &started);
        return;
    }
    let load_before = sh("cut -d' ' -f1-3 /proc/loadavg");
    let t = Instant::now();
    // Fail early, before the long part, if a binary is missing.
    bin("gridfield-server");
    bin("gridfield-city");
    bin("gridfield");
    let sqlite = run_backend(&cfg, Backend::Sqlite, true);
    let pg = run_backend(&cfg, Backend::Postgres, false);
    let fl = floor(&sqlite.scope_changes);
    let pouch = cfg.pouch.then(|| {
        eprintln!("[PouchDB] replicating the same records…");
        pouchdb(&sqlite.slice_changes, &sqlite.scope_changes, cfg.inc_reps)
    });
    // Its release build of the library takes minutes: only for the figures.
    let ffi = if cfg.bench { ffi() } else { None };
    let figs = vec![sqlite.fig.clone(), pg.fig.clone()];
    let section = report(
        &cfg,
        &figs,
        sqlite.local.as_ref().unwrap(),
        &fl,
        pouch.as_ref(),
        ffi.as_ref(),
        &started,
        &load_before,
        secs(t.elapsed()),
    );
    println!("{section}");
    // Figures are written even when a target is missed; errors then fail the run.
    if cfg.bench && std::env::var("GRIDFIELD_BENCH_WRITE_DOCS").as_deref() != Ok("0") {
        write_docs(&section);
    }
    for f in &figs {
        assert_eq!(
            f.load.errors, 0,
            "{}: errors under load: {:?}",
            f.name, f.load.first_error
        );
        assert!(f.slice.records > 0 && f.scope.records > 0);
    }
    if !cfg.bench {
        println!("1 passed, 0 failed");
    }
}
