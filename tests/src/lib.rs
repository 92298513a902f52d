//! Harness for workspace scenarios: a real `gridfield-server` process on embedded
//! SQLite or on a throwaway PostgreSQL cluster, and headless `gridfield` devices,
//! each in its own temporary directory. Everything started is stopped on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod images;
mod proxy;
pub use proxy::{Dir, Fault, Proxy};

pub const GRID_A: &str = "320583001003";
pub const GRID_B: &str = "320583001004";
pub const TOWN: &str = "320583001";
pub const ADDR_A: &str = "320583-001-0012-03-02-0501";
pub const ADDR_B: &str = "320583-001-0008-02-01-0302";

/// Built binaries live next to the test executable's deps folder.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} not built: run `cargo build --workspace --bins` (scripts/test.sh does)",
        p.display()
    );
    p
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A throwaway PostgreSQL cluster in a temp dir on a loopback port.
pub struct PgCluster {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn pg_bin(name: &str) -> PathBuf {
    for dir in [
        "/usr/lib/postgresql/15/bin",
        "/usr/lib/postgresql/16/bin",
        "/usr/lib/postgresql/17/bin",
        "/usr/local/bin",
        "/usr/bin",
    ] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("PostgreSQL's {name} not found (scripts/test.sh installs postgresql)");
}

/// initdb refuses to run as root; run the cluster as the `postgres` user then.
fn as_pg_user(cmd: &Path) -> Command {
    let root = unsafe_geteuid() == 0;
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(cmd);
        c
    } else {
        Command::new(cmd)
    }
}

fn unsafe_geteuid() -> u32 {
    // Avoids a libc dependency: the owner of /proc/self is the effective user.
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let dir = tempfile::tempdir().unwrap();
        if unsafe_geteuid() == 0 {
            Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .unwrap();
        }
        let data = dir.path().join("data");
        let out = as_pg_user(&pg_bin("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.path().display()
        );
        let out = as_pg_user(&pg_bin("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.path().join("log"))
            .args(["-w", "start"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PgCluster { dir, port }
    }

    /// A fresh database in the cluster.
    pub fn database(&self, name: &str) -> String {
        let out = Command::new(pg_bin("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-c",
                &format!("CREATE DATABASE {name}"),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "createdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = as_pg_user(&pg_bin("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// Where a server keeps its data: a SQLite file, or a database in a cluster.
pub struct Store {
    _tmp: tempfile::TempDir,
    _pg: Option<PgCluster>,
    pub target: String,
}

impl Store {
    pub fn new(backend: Backend) -> Store {
        let tmp = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => {
                let target = tmp.path().join("server.db").display().to_string();
                Store {
                    _tmp: tmp,
                    _pg: None,
                    target,
                }
            }
            Backend::Postgres => {
                let pg = PgCluster::start();
                let target = pg.database("gridfield");
                Store {
                    _tmp: tmp,
                    _pg: Some(pg),
                    target,
                }
            }
        }
    }

    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(bin("gridfield-server"))
            .args(["--db", &self.target, "admin"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "admin {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Grids A and B under one town, the fixture addresses.
    pub fn seed(&self) {
        let f = fixtures();
        self.admin(&["import-grids", f.join("grids.csv").to_str().unwrap()]);
        self.admin(&[
            "import-plates",
            "--no-progress",
            f.join("addresses.csv").to_str().unwrap(),
        ]);
    }

    pub fn is_postgres(&self) -> bool {
        self.target.starts_with("postgres://")
    }

    /// Run SQL statements straight on the server's database (with no server
    /// running on it), e.g. to put it back to an older schema version.
    pub fn sql(&self, sql: &str) {
        if self.is_postgres() {
            let out = Command::new(pg_bin("psql"))
                .args([&self.target, "-v", "ON_ERROR_STOP=1", "-c", sql])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "psql {sql}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        } else {
            rusqlite::Connection::open(&self.target)
                .and_then(|c| c.execute_batch(sql))
                .unwrap_or_else(|e| panic!("sqlite {sql}: {e}"));
        }
    }

    /// Drop what migrations 017 and 019 added (coverage's tables, the triggers that
    /// keep them, the functions those call), before a test drops the columns the
    /// triggers read to put the database back to an older schema.
    pub fn undo_coverage_tables(&self) {
        self.sql(if self.is_postgres() {
            "DROP TRIGGER records_visits_ai ON records; DROP TRIGGER records_visits_au ON records;
             DROP TRIGGER records_visits_ad ON records; DROP FUNCTION records_visits_keep();
             DROP TABLE coverage_periods; DROP TABLE coverage_figures; DROP TABLE coverage_dirty;
             DROP TABLE visit_entities; DROP TABLE last_visits;
             DROP FUNCTION last_visits_dirty(); DROP FUNCTION visit_entities_dirty();
             DROP FUNCTION coverage_mark(TEXT);
             DROP FUNCTION last_visits_recount(TEXT, TEXT, INTEGER); DROP FUNCTION visit_month(BIGINT);"
        } else {
            "DROP TRIGGER records_visit_entities_ai; DROP TRIGGER records_visit_entities_au;
             DROP TRIGGER records_visit_entities_ad; DROP TRIGGER records_last_visits_ai;
             DROP TRIGGER records_last_visits_au; DROP TRIGGER records_last_visits_ad;
             DROP TABLE coverage_periods; DROP TABLE coverage_figures; DROP TABLE coverage_dirty;
             DROP TABLE visit_entities; DROP TABLE last_visits;"
        });
    }

    /// A backup of the server's database as it is now, as an operator would take
    /// it (no server running on it): a file copy, or a template database.
    pub fn backup(&self, name: &str) -> Backup {
        if self.is_postgres() {
            // The stopped server's sessions may take a moment to end.
            let sql = format!("CREATE DATABASE {name} TEMPLATE gridfield");
            let deadline = Instant::now() + Duration::from_secs(20);
            while !self.pg_admin(&sql) {
                assert!(Instant::now() < deadline, "{sql} kept failing");
                std::thread::sleep(Duration::from_millis(200));
            }
            Backup(name.to_string())
        } else {
            for ext in ["", "-wal", "-shm"] {
                let from = format!("{}{ext}", self.target);
                if Path::new(&from).exists() {
                    std::fs::copy(&from, format!("{}.{name}{ext}", self.target)).unwrap();
                }
            }
            Backup(name.to_string())
        }
    }

    /// Put the database back to a backup (no server running on it).
    pub fn restore(&self, b: &Backup) {
        if self.is_postgres() {
            assert!(self.pg_admin("DROP DATABASE gridfield WITH (FORCE)"));
            assert!(self.pg_admin(&format!("CREATE DATABASE gridfield TEMPLATE {}", b.0)));
        } else {
            for ext in ["", "-wal", "-shm"] {
                let to = format!("{}{ext}", self.target);
                let _ = std::fs::remove_file(&to);
                let from = format!("{}.{}{ext}", self.target, b.0);
                if Path::new(&from).exists() {
                    std::fs::copy(&from, &to).unwrap();
                }
            }
        }
    }

    /// The server's conflict log, as `admin export` writes it.
    pub fn conflict_log(&self) -> Vec<Value> {
        let dir = tempfile::tempdir().unwrap();
        self.admin(&["export", "--out", dir.path().to_str().unwrap()]);
        std::fs::read_to_string(dir.path().join("conflicts.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The first column of a query on the server's database, one line per row
    /// (no server needs to be stopped: reads only).
    pub fn query_lines(&self, sql: &str) -> Vec<String> {
        if self.is_postgres() {
            let out = Command::new(pg_bin("psql"))
                .args([&self.target, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
                .output()
                .unwrap();
            assert!(out.status.success(), "psql {sql}");
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(String::from)
                .collect()
        } else {
            let c = rusqlite::Connection::open(&self.target).unwrap();
            let mut st = c.prepare(sql).unwrap();
            st.query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        }
    }

    /// One statement on the cluster's maintenance database; false if it failed.
    fn pg_admin(&self, sql: &str) -> bool {
        let url = self
            .target
            .strip_suffix("/gridfield")
            .map(|b| format!("{b}/postgres"))
            .expect("a gridfield database");
        Command::new(pg_bin("psql"))
            .args([&url, "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// A console account (`admin console-user`), the password given on stdin.
    pub fn console_user(&self, name: &str, role: &str, grid: &str, password: &str) {
        use std::io::Write;
        let out = Command::new(bin("gridfield-server"))
            .args([
                "--db",
                &self.target,
                "admin",
                "console-user",
                "--name",
                name,
            ])
            .args(["--role", role, "--grid", grid])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(format!("{password}\n").as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(
            out.status.success(),
            "console-user {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn code(&self, user: &str, role: &str, grid: &str) -> String {
        self.admin(&[
            "enroll-code",
            "--user",
            user,
            "--role",
            role,
            "--grid",
            grid,
        ])
        .trim()
        .to_string()
    }
}

/// A server on a fresh store with grids A and B and the fixture addresses.
pub fn seeded_server(backend: Backend) -> (Store, ServerProc) {
    let store = Store::new(backend);
    store.seed();
    let server = ServerProc::start(&store);
    (store, server)
}

/// A worker's device in `grid`, enrolled and synced once.
pub fn synced_worker(store: &Store, server: &ServerProc, name: &str, grid: &str) -> Device {
    let d = Device::enrolled(server, &store.code(name, "worker", grid));
    d.sync();
    d
}

/// A database backup taken by [`Store::backup`].
pub struct Backup(String);

/// A running server process.
pub struct ServerProc {
    child: Child,
    pub url: String,
    target: String,
}

impl ServerProc {
    pub fn start(store: &Store) -> ServerProc {
        Self::start_target(&store.target)
    }

    pub fn start_target(target: &str) -> ServerProc {
        Self::start_with(target, &[])
    }

    /// Start with extra `serve` options (e.g. `--escalate-after-hours 72`).
    pub fn start_with(target: &str, serve_args: &[&str]) -> ServerProc {
        let mut child = Command::new(bin("gridfield-server"))
            .args(["--db", target, "serve", "--listen", "127.0.0.1:0"])
            .args(serve_args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("gridfield-server listening on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
            assert!(Instant::now() < deadline, "server did not start");
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ServerProc {
            child,
            url,
            target: target.to_string(),
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGKILL and start again on the same store; the URL changes.
    pub fn restart_after_kill(&mut self) {
        self.kill();
        *self = ServerProc::start_target(&self.target.clone());
    }

    /// The server's process id (e.g. to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn healthy(&self) -> bool {
        ureq::get(&format!("{}/healthz", self.url)).call().is_ok()
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A headless device: the `gridfield` CLI with its own data directory.
pub struct Device {
    dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

impl Default for Device {
    fn default() -> Self {
        Self::new()
    }
}

impl Device {
    pub fn new() -> Device {
        Device {
            dir: tempfile::tempdir().unwrap(),
            env: Vec::new(),
        }
    }

    pub fn enrolled(server: &ServerProc, code: &str) -> Device {
        let d = Device::new();
        d.ok(&["enroll", "--server", &server.url, "--code", code]);
        d
    }

    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    /// A second phone made from a copy of this one's data directory (a restored
    /// phone backup, a phone swap): same enrollment, same key, same everything.
    pub fn copy_of(other: &Device) -> Device {
        fn copy_dir(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).unwrap();
            for e in std::fs::read_dir(from).unwrap() {
                let e = e.unwrap();
                let dest = to.join(e.file_name());
                if e.file_type().unwrap().is_dir() {
                    copy_dir(&e.path(), &dest);
                } else {
                    std::fs::copy(e.path(), dest).unwrap();
                }
            }
        }
        let d = Device::new();
        copy_dir(other.data(), d.data());
        Device {
            dir: d.dir,
            env: other.env.clone(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(bin("gridfield"));
        c.arg("--data").arg(self.dir.path()).args(args);
        c.env_remove("GRIDFIELD_DB_KEY")
            .env_remove("GRIDFIELD_LANG")
            .env_remove("GRIDFIELD_DATA");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "gridfield {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    pub fn sync(&self) -> Value {
        self.json(&["sync"])
    }

    /// Point the device at another server URL (after a restart on a new port).
    pub fn set_server(&self, url: &str) {
        self.store()
            .read(|c| {
                c.execute(
                    "UPDATE device_meta SET value = ?1 WHERE key = 'server_url'",
                    [url],
                )?;
                Ok(())
            })
            .unwrap();
    }

    /// Open the device's encrypted database directly, as forensics would.
    pub fn store(&self) -> gridfield_core::Store {
        let key = std::fs::read_to_string(self.dir.path().join("device.key")).unwrap();
        gridfield_core::Store::open(
            self.dir.path(),
            &gridfield_core::DbKey::from_hex(&key).unwrap(),
        )
        .unwrap()
    }

    pub fn token(&self) -> String {
        self.store()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT value FROM device_meta WHERE key = 'token'",
                    [],
                    |r| r.get::<_, String>(0),
                )?)
            })
            .unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.store()
            .read(|c| Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))?))
            .unwrap()
    }
}

/// Run a scenario on both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name($crate::Backend::Sqlite) })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name($crate::Backend::Postgres) })*
        }
    };
}

/// A raw HTTP answer, whatever its status (4xx/5xx are answers here, not errors).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The status is `status` and the body is exactly `{"error": code, "message": <non-empty text>}`.
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        let body = self.json();
        assert_eq!(
            self.status, status,
            "expected {status} {code}, got {}: {body}",
            self.status
        );
        let obj = body
            .as_object()
            .unwrap_or_else(|| panic!("error body is not an object: {body}"));
        assert_eq!(
            obj.get("error").and_then(Value::as_str),
            Some(code),
            "{body}"
        );
        let msg = obj
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no message: {body}"));
        assert!(!msg.trim().is_empty(), "empty message: {body}");
        assert_eq!(obj.len(), 2, "error body has extra keys: {body}");
        self
    }
}

/// One HTTP request with an agent that returns every status as an answer and
/// follows no redirect (the console answers forms with 303 and sets cookies on it).
pub fn try_http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Reply, ureq::Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let method = ureq::http::Method::from_bytes(method.as_bytes()).expect("HTTP method");
    let head = method == ureq::http::Method::HEAD;
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let mut resp = match body {
        Some(bytes) => agent.run(b.body(bytes)?)?,
        None => agent.run(b.body(())?)?,
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = if head {
        Vec::new()
    } else {
        resp.body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()?
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    try_http(method, url, headers, body).unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// A hybrid-logical-clock stamp of now, as device `node` writes one.
pub fn now_hlc(node: &str) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format!("{ms:013}-000000-{node}")
}

/// One operation of a push body (`op` is the tagged operation), stamped now, as
/// a raw or hostile client sends it.
pub fn raw_op(op_id: &str, entity_id: &str, op: Value) -> Value {
    serde_json::json!({ "op_id": op_id, "entity_id": entity_id, "hlc": now_hlc("raw"), "op": op })
}

/// POST a push body to /v1/push as a raw or hostile client would (`token` None:
/// no authorization header); the answer as it came.
pub fn push_body(server: &ServerProc, token: Option<&str>, body: &[u8]) -> Reply {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h: Vec<(&str, &str)> = vec![("content-type", "application/json")];
    if let Some(a) = &auth {
        h.push(("authorization", a));
    }
    http("POST", &format!("{}/v1/push", server.url), &h, Some(body))
}

/// Push `ops` (see [`raw_op`]) with `token`: answered 200, the per-operation
/// results.
pub fn push_ops(server: &ServerProc, token: &str, ops: &[Value]) -> Vec<Value> {
    let body = serde_json::json!({ "ops": ops }).to_string();
    let r = push_body(server, Some(token), body.as_bytes());
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()["results"].as_array().unwrap().clone()
}

impl Device {
    /// Rows of a query whose single column is JSON text (e.g. `json_object(...)`).
    pub fn json_rows(&self, sql: &str) -> Vec<Value> {
        let texts: Vec<String> = self
            .store()
            .read(|c| {
                let mut st = c.prepare(sql)?;
                let rows = st.query_map([], |r| r.get::<_, String>(0))?;
                let mut out = Vec::new();
                for r in rows {
                    out.push(r?);
                }
                Ok(out)
            })
            .unwrap();
        texts
            .iter()
            .map(|t| serde_json::from_str(t).unwrap_or_else(|e| panic!("{sql}: {e}: {t}")))
            .collect()
    }

    /// The id the server gave this device (`gridfield --json status`).
    pub fn device_id(&self) -> String {
        self.json(&["status"])["device_id"]
            .as_str()
            .expect("device_id")
            .to_string()
    }
}

impl Device {
    /// `gridfield --data <dir> <args>` as a command to spawn (e.g. a sync running
    /// while the test does something else), with the same environment as `run`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin("gridfield"));
        c.arg("--data").arg(self.dir.path()).args(args);
        c.env_remove("GRIDFIELD_DB_KEY")
            .env_remove("GRIDFIELD_LANG")
            .env_remove("GRIDFIELD_DATA");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    }
}

/// A loopback TCP relay in front of a server that counts the bytes each way: what
/// really crosses the wire (headers, compression and all), for any HTTP client.
pub struct CountingProxy {
    pub url: String,
    up: std::sync::Arc<std::sync::atomic::AtomicU64>,
    down: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    addr: std::net::SocketAddr,
}

impl CountingProxy {
    /// Relay `127.0.0.1:<free port>` to `target` (`http://host:port`).
    pub fn start(target: &str) -> CountingProxy {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let to: std::net::SocketAddr = target
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("proxy target host:port");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, down) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let stop = Arc::new(AtomicBool::new(false));
        let (u, d, s) = (up.clone(), down.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(server) = std::net::TcpStream::connect(to) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let pipe = |mut from: std::net::TcpStream,
                            mut to: std::net::TcpStream,
                            n: Arc<AtomicU64>| {
                    std::thread::spawn(move || {
                        use std::io::{Read, Write};
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(k) => {
                                    n.fetch_add(k as u64, Ordering::Relaxed);
                                    if to.write_all(&buf[..k]).is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                };
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    u.clone(),
                );
                pipe(server, client, d.clone());
            }
        });
        CountingProxy {
            url: format!("http://{addr}"),
            up,
            down,
            stop,
            addr,
        }
    }

    /// Bytes client → server and server → client since the last call.
    pub fn take(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering;
        (
            self.up.swap(0, Ordering::SeqCst),
            self.down.swap(0, Ordering::SeqCst),
        )
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

/// What a measured child process did.
pub struct Measured {
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
    /// Peak resident set of the child (VmHWM in /proc), sampled every 2 ms.
    pub max_rss_kib: u64,
}

/// Peak resident set of a process (Linux `VmHWM`), in KiB.
pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Run a command to completion and report its peak memory and wall time.
/// (wait4's ru_maxrss would be simpler, but Linux charges the child with the
/// parent's high-water mark from before its exec, so it over-reports.)
pub fn run_measured(mut cmd: Command) -> Measured {
    use std::io::Read;
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let t = Instant::now();
    let mut child = cmd.spawn().expect("spawn measured command");
    let pid = child.id();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let readers = (
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = out.read_to_end(&mut v);
            v
        }),
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = err.read_to_end(&mut v);
            v
        }),
    );
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(st) = child.try_wait().expect("wait for measured command") {
            break st;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = t.elapsed();
    Measured {
        status: status.code().unwrap_or(-1),
        stdout: readers.0.join().unwrap_or_default(),
        stderr: readers.1.join().unwrap_or_default(),
        elapsed,
        max_rss_kib: peak,
    }
}

/// The supervisor console over HTTP: sign-in, the session cookie, forms.
pub mod console {
    use super::{Reply, http};

    pub const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

    /// `application/x-www-form-urlencoded` body of `pairs`.
    pub fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent(v)))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    }

    /// Percent-encode everything but ASCII letters and digits.
    pub fn percent(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// The figures of one row of a table (e.g. the coverage page's `data-grid` or
    /// `data-worker` rows): the text of each cell.
    pub fn row_cells(html: &str, attr: &str, key: &str) -> Vec<String> {
        let start = html
            .find(&format!("<tr {attr}=\"{key}\">"))
            .unwrap_or_else(|| panic!("no row {key}: {html}"));
        let row = &html[start..start + html[start..].find("</tr>").unwrap()];
        row.split("<td")
            .skip(1)
            .map(|td| {
                let mut text = String::new();
                let mut in_tag = true; // the rest of `<td …>`
                for ch in td.chars() {
                    match ch {
                        '<' => in_tag = true,
                        '>' => in_tag = false,
                        c if !in_tag => text.push(c),
                        _ => {}
                    }
                }
                text
            })
            .collect()
    }

    pub fn login(base: &str, user: &str, password: &str) -> Reply {
        http(
            "POST",
            &format!("{base}/console/login"),
            &[FORM],
            Some(&form(&[("user", user), ("password", password)])),
        )
    }

    /// The session cookie (`gf_session=…`) a successful sign-in set.
    pub fn session(r: &Reply) -> String {
        assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
        let c = r.header("set-cookie").expect("cookie");
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
        c.split(';').next().unwrap().to_string()
    }

    /// Sign in and return the session cookie.
    pub fn sign_in(base: &str, user: &str, password: &str) -> String {
        session(&login(base, user, password))
    }

    pub fn get(base: &str, cookie: &str, path: &str) -> Reply {
        http("GET", &format!("{base}{path}"), &[("cookie", cookie)], None)
    }

    /// The CSRF token of the first form on a page.
    pub fn csrf(page: &Reply) -> String {
        let body = String::from_utf8_lossy(&page.body);
        let at = body.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
        body[at..at + 64].to_string()
    }
}
