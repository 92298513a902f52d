//! Faults: the server SIGKILLed in the middle of a large push, two server
//! instances sharing one PostgreSQL database, and randomized editing and syncing
//! through a proxy that cuts connections at random byte counts. Whatever fails on
//! the way, nothing acknowledged is lost, nothing is applied twice, and every
//! replica converges on what the server holds.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::process::Output;
use std::time::{Duration, Instant};

use gridfield_core::model::EntityKind;
use gridfield_tests::*;
use serde_json::{Map, Value, json};

fn outbox(d: &Device) -> i64 {
    d.count("SELECT count(*) FROM outbox")
}

/// Every household column a replica holds (not the local `updated_at`).
const HOUSEHOLDS: &str = "SELECT json_object('id', id, 'address_code', address_code, 'head_name', head_name, 'phone', phone,
    'members', members, 'residency', residency, 'moved_in', moved_in, 'moved_out', moved_out, 'note', note, 'deleted', deleted)
    FROM households ORDER BY id";
/// The per-field stamps of households.
const STAMPS: &str = "SELECT json_array(entity_id, field, hlc) FROM field_versions WHERE entity = 'household' ORDER BY entity_id, field";

fn households(d: &Device) -> Vec<Value> {
    d.json_rows(HOUSEHOLDS)
}

fn put_households(d: &Device, prefix: &str, n: usize) {
    let st = d.store();
    for i in 0..n {
        let mut f = Map::new();
        f.insert("head_name".into(), json!(format!("{prefix}{i}")));
        f.insert("members".into(), json!((i % 7 + 1) as i64));
        f.insert("phone".into(), json!(format!("139{i:08}")));
        st.put_entity(EntityKind::Household, None, Some(ADDR_A), &f)
            .unwrap();
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// ---- requirement 5: SIGKILL mid-push --------------------------------------------------

/// The server is SIGKILLed after it acknowledged the first push batch of a large
/// outbox. The interrupted sync fails; the next one, against the restarted server,
/// completes; every record is on the server exactly once.
fn sigkill_mid_push_loses_and_duplicates_nothing(backend: Backend) {
    const N: i64 = 3000;
    let (store, mut server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    put_households(&w, "住户", N as usize);
    assert_eq!(outbox(&w), N);

    let mut child = w.command(&["--json", "sync"]).spawn().unwrap();
    let started = Instant::now();
    loop {
        let left = outbox(&w);
        if left < N {
            break;
        }
        if let Some(st) = child.try_wait().unwrap() {
            let o = child.wait_with_output().unwrap();
            panic!(
                "the sync ended ({st}) before its first batch was acknowledged: {}",
                stderr(&o)
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no push batch acknowledged within 300 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let acked_before_kill = N - outbox(&w);
    server.restart_after_kill();
    let o = child.wait_with_output().unwrap();
    let left = outbox(&w);
    assert!(
        !o.status.success(),
        "the interrupted sync finished successfully ({} of {N} acknowledged when the server was killed, {left} left): \
         the kill came too late and this test exercised nothing",
        acked_before_kill
    );
    assert!(
        left > 0,
        "a failed sync with an empty outbox: the kill came after the push"
    );
    eprintln!(
        "[sigkill {backend:?}] {acked_before_kill} acknowledged when killed, {left} left after the failed sync; it said: {}",
        stderr(&o).trim()
    );

    w.set_server(&server.url);
    let r = w.sync();
    assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(
        r["pushed"].as_i64().unwrap() + r["duplicates"].as_i64().unwrap(),
        left,
        "every remaining op answered once: {r}"
    );
    assert_eq!(outbox(&w), 0);
    w.sync();

    let fresh = synced_worker(&store, &server, "李娜", GRID_A);
    assert_eq!(fresh.count("SELECT count(*) FROM households"), N);
    assert_eq!(
        fresh.count("SELECT count(DISTINCT head_name) FROM households"),
        N,
        "no household twice"
    );
    let names: BTreeSet<String> = fresh
        .json_rows("SELECT json_quote(head_name) FROM households")
        .into_iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = (0..N).map(|i| format!("住户{i}")).collect();
    assert_eq!(names, expected);
    assert_eq!(
        households(&fresh),
        households(&w),
        "the writer and a fresh device agree on every field"
    );

    // The server holds each record once.
    let dir = tempfile::tempdir().unwrap();
    store.admin(&["export", "--out", dir.path().to_str().unwrap()]);
    let lines = std::fs::read_to_string(dir.path().join("household.jsonl")).unwrap();
    let ids: Vec<String> = lines
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["state"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len() as i64, N);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len() as i64, N);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("conflicts.jsonl")).unwrap(),
        "",
        "replays are not conflicts"
    );
}

// ---- requirement 7: two server instances on one PostgreSQL ----------------------------

fn two_server_instances_share_one_postgres() {
    let store = Store::new(Backend::Postgres);
    store.seed();
    let s1 = ServerProc::start(&store);
    let s2 = ServerProc::start(&store);
    let a = synced_worker(&store, &s1, "张伟", GRID_A);
    let b = synced_worker(&store, &s2, "李娜", GRID_A);
    put_households(&a, "甲户", 300);
    put_households(&b, "乙户", 300);

    // Both push (and pull) at the same time, through different instances.
    let ca = a.command(&["--json", "sync"]).spawn().unwrap();
    let cb = b.command(&["--json", "sync"]).spawn().unwrap();
    let (oa, ob) = (
        ca.wait_with_output().unwrap(),
        cb.wait_with_output().unwrap(),
    );
    assert!(oa.status.success(), "A's sync: {}", stderr(&oa));
    assert!(ob.status.success(), "B's sync: {}", stderr(&ob));
    for o in [&oa, &ob] {
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["pushed"], 300, "{r}");
        assert_eq!(r["rejected"].as_array().unwrap().len(), 0, "{r}");
    }
    a.sync();
    b.sync();
    assert_eq!((outbox(&a), outbox(&b)), (0, 0));
    let ha = households(&a);
    assert_eq!(ha.len(), 600);
    assert_eq!(
        ha,
        households(&b),
        "both devices hold the same households and values"
    );
    assert_eq!(a.json_rows(STAMPS), b.json_rows(STAMPS));
    let c = synced_worker(&store, &s1, "王强", GRID_A);
    assert_eq!(
        households(&c),
        ha,
        "a third device on instance 1 pulls the same 600"
    );

    // The same field edited through each instance converges everywhere.
    let id = a.json_rows("SELECT json_quote(id) FROM households WHERE head_name = '乙户7'")[0]
        .as_str()
        .unwrap()
        .to_string();
    a.ok(&[
        "entity",
        "put",
        "household",
        "--id",
        &id,
        "note=甲经实例一修改",
        "members=5",
    ]);
    std::thread::sleep(Duration::from_millis(5));
    b.ok(&[
        "entity",
        "put",
        "household",
        "--id",
        &id,
        "note=乙经实例二修改",
    ]);
    let ca = a.command(&["--json", "sync"]).spawn().unwrap();
    let cb = b.command(&["--json", "sync"]).spawn().unwrap();
    assert!(ca.wait_with_output().unwrap().status.success());
    assert!(cb.wait_with_output().unwrap().status.success());
    a.sync();
    b.sync();
    c.sync();
    let row = |d: &Device| {
        d.json_rows(&format!(
            "SELECT json_object('note', note, 'members', members) FROM households WHERE id = '{id}'"
        ))
    };
    assert_eq!(row(&a), row(&b));
    assert_eq!(row(&a), row(&c));
    // One clock on this machine: B's later edit has the later stamp and wins.
    assert_eq!(row(&a), [json!({ "note": "乙经实例二修改", "members": 5 })]);
    assert_eq!(households(&a), households(&b));
    assert_eq!(households(&a), households(&c));
    let dir = tempfile::tempdir().unwrap();
    store.admin(&["export", "--out", dir.path().to_str().unwrap()]);
    let log = std::fs::read_to_string(dir.path().join("conflicts.jsonl")).unwrap();
    let rows: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{log}");
    assert_eq!(rows[0]["field"], "note");
    assert_eq!(rows[0]["kept"], "\"乙经实例二修改\"");
}

#[test]
fn postgres_two_server_instances_share_one_database() {
    two_server_instances_share_one_postgres();
}

// ---- requirement 4: randomized convergence through a fault-injecting proxy ------------

/// splitmix64: small, seedable, good enough to pick steps.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

const FIELDS: [&str; 4] = ["head_name", "phone", "members", "note"];

/// One local write of one field, in the order the test made them. With one clock
/// on this machine that is also stamp order; with skewed clocks it is not.
#[derive(Debug)]
struct Written {
    idx: usize,
    dev: usize,
    hh: String,
    field: &'static str,
    value: Value,
    /// What the writing device showed for the field when it wrote: the value the
    /// write replaced (its base).
    saw: Value,
    op_id: String,
    /// The writing device's outbox no longer holds it: the server answered for it.
    acked: bool,
}

fn value_for(field: &str, idx: usize, dev: usize) -> Value {
    match field {
        "head_name" => json!(format!("户主{idx}")),
        "phone" => json!(format!("13{idx:09}")),
        "members" => json!(idx as i64 + 1),
        _ => json!(format!("备注{idx}号（设备{dev}）")),
    }
}

fn last_op_id(d: &Device) -> String {
    d.json_rows("SELECT json_quote(op_id) FROM outbox ORDER BY seq DESC LIMIT 1")[0]
        .as_str()
        .unwrap()
        .to_string()
}

/// Clock skews a phone may have: right, minutes, hours and days either way.
const SKEWS_MS: [i64; 7] = [
    0,
    10 * 60 * 1000,
    -2 * 3600 * 1000,
    3600 * 1000,
    3 * 24 * 3600 * 1000,
    -3 * 24 * 3600 * 1000,
    0,
];

fn set_skew(d: &mut Device, ms: i64) {
    d.env.retain(|(k, _)| k != "GRIDFIELD_CLOCK_SKEW_MS");
    if ms != 0 {
        d.env
            .push(("GRIDFIELD_CLOCK_SKEW_MS".into(), ms.to_string()));
    }
}

struct Case {
    seed: u64,
    /// Clocks are skewed in this case: stamp order is not the order of writes.
    skewed: bool,
    writes: Vec<Written>,
}

impl Case {
    fn record(
        &mut self,
        dev: usize,
        d: &Device,
        hh: &str,
        fields: &[(&'static str, Value)],
        before: Option<&Value>,
    ) {
        let op_id = last_op_id(d);
        for (field, value) in fields {
            let idx = self.writes.len();
            self.writes.push(Written {
                idx,
                dev,
                hh: hh.to_string(),
                field,
                value: value.clone(),
                saw: before.map(|r| r[*field].clone()).unwrap_or(Value::Null),
                op_id: op_id.clone(),
                acked: false,
            });
        }
    }

    fn mark_acked(&mut self, dev: usize, d: &Device) {
        let queued: HashSet<String> = d
            .json_rows("SELECT json_quote(op_id) FROM outbox")
            .into_iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        for w in self.writes.iter_mut().filter(|w| w.dev == dev && !w.acked) {
            w.acked = !queued.contains(&w.op_id);
        }
    }

    fn write_of(&self, hh: &str, field: &str, v: &Value) -> Option<&Written> {
        self.writes
            .iter()
            .find(|w| w.hh == hh && w.field == field && &w.value == v)
    }

    /// What a replica may hold at any time: only values somebody wrote. With one
    /// clock also: never older than the device's own last write to that field;
    /// after a clean sync, never older than any write the server has acknowledged
    /// to anyone.
    fn check_replica(&self, dev: usize, d: &Device, synced: bool, step: usize) {
        let rows = households(d);
        let by_id: BTreeMap<String, &Value> = rows
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_string(), r))
            .collect();
        let ctx = |m: String| format!("seed {} step {step} device {dev}: {m}", self.seed);
        let mut keys: BTreeSet<(&str, &str)> = BTreeSet::new();
        for w in &self.writes {
            keys.insert((w.hh.as_str(), w.field));
        }
        for (hh, field) in keys {
            let own_last = self
                .writes
                .iter()
                .filter(|w| w.hh == hh && w.field == field && w.dev == dev)
                .map(|w| w.idx)
                .max();
            let acked_last = self
                .writes
                .iter()
                .filter(|w| w.hh == hh && w.field == field && w.acked)
                .map(|w| w.idx)
                .max();
            let must_have = own_last.is_some() || (synced && acked_last.is_some());
            let Some(row) = by_id.get(hh) else {
                assert!(!must_have, "{}", ctx(format!("household {hh} missing")));
                continue;
            };
            let v = &row[field];
            if v.is_null() {
                assert!(!must_have, "{}", ctx(format!("{hh}.{field} is empty")));
                continue;
            }
            let w = self.write_of(hh, field, v).unwrap_or_else(|| {
                panic!("{}", ctx(format!("{hh}.{field} = {v}: nobody wrote that")))
            });
            if self.skewed {
                continue;
            }
            if let Some(o) = own_last {
                assert!(
                    w.idx >= o,
                    "{}",
                    ctx(format!(
                        "{hh}.{field} = {v} (write {}) went back behind its own write {o}",
                        w.idx
                    ))
                );
            }
            if synced && let Some(a) = acked_last {
                assert!(
                    w.idx >= a,
                    "{}",
                    ctx(format!(
                        "{hh}.{field} = {v} (write {}) is older than acknowledged write {a}",
                        w.idx
                    ))
                );
            }
        }
        let ok = d.json_rows("SELECT json_quote(integrity_check) FROM pragma_integrity_check");
        assert_eq!(
            ok,
            [json!("ok")],
            "{}",
            ctx("device database damaged".into())
        );
    }

    /// The promise: every write answered `applied` is the current value, or is in
    /// the conflict log as the loser of a concurrent merge, or was replaced by a
    /// write made by someone who had seen it. Nothing else can make it vanish.
    fn check_nothing_lost(&self, server_view: &BTreeMap<String, &Value>, conflicts: &[Value]) {
        let lost: HashSet<(String, String, String)> = conflicts
            .iter()
            .map(|c| {
                (
                    c["entity_id"].as_str().unwrap().to_string(),
                    c["field"].as_str().unwrap().to_string(),
                    c["lost"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for w in self.writes.iter().filter(|w| w.acked) {
            let current = &server_view[w.hh.as_str()][w.field];
            let logged = lost.contains(&(w.hh.clone(), w.field.to_string(), w.value.to_string()));
            let seen_by_later = self.writes.iter().any(|v| {
                v.acked && v.idx != w.idx && v.hh == w.hh && v.field == w.field && v.saw == w.value
            });
            assert!(
                current == &w.value || logged || seen_by_later,
                "seed {}: write #{} ({}.{} = {}, device {}) was answered applied and is gone: \
                 not current ({current}), not in the conflict log, replaced by nobody who saw it",
                self.seed,
                w.idx,
                w.hh,
                w.field,
                w.value,
                w.dev
            );
        }
    }
}

/// A byte count from 0 to ~16 KiB, as likely to land in a request line as deep in a pull page.
fn log_uniform(rng: &mut Rng) -> u64 {
    let bits = 4 + rng.below(11);
    rng.below(1 << bits)
}

fn random_fault(rng: &mut Rng) -> Fault {
    let dir = if rng.pct(50) { Dir::Up } else { Dir::Down };
    match rng.below(100) {
        0..=19 => Fault::Pass,
        20..=29 => Fault::Refuse,
        30..=69 => Fault::CutOnce(dir, log_uniform(rng)),
        _ => Fault::CutEach(dir, log_uniform(rng)),
    }
}

/// One random local edit on device `dev`: a new household, or one field of one it knows.
fn random_edit(case: &mut Case, rng: &mut Rng, dev: usize, d: &Device) {
    let known = households(d);
    let idx = case.writes.len();
    if known.is_empty() || rng.pct(8) {
        let h = value_for("head_name", idx, dev);
        let out = d.json(&[
            "entity",
            "put",
            "household",
            "--address",
            ADDR_A,
            &format!("head_name={}", h.as_str().unwrap()),
        ]);
        case.record(
            dev,
            d,
            out["id"].as_str().unwrap(),
            &[("head_name", h)],
            None,
        );
    } else {
        let row = &known[rng.below(known.len() as u64) as usize];
        let hh = row["id"].as_str().unwrap();
        let field = FIELDS[rng.below(FIELDS.len() as u64) as usize];
        let v = value_for(field, idx, dev);
        let text = match &v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        d.ok(&[
            "entity",
            "put",
            "household",
            "--id",
            hh,
            &format!("{field}={text}"),
        ]);
        case.record(dev, d, hh, &[(field, v)], Some(row));
    }
}

fn convergence_case(backend: Backend, seed: u64, steps: usize) {
    let t0 = Instant::now();
    let mut rng = Rng(seed);
    let (store, server) = seeded_server(backend);
    let proxy = Proxy::start(&server.url);
    let names = ["张伟", "李娜", "王强"];
    let skewed = rng.pct(50);
    let mut devs: Vec<Device> = names
        .iter()
        .map(|n| {
            let mut d = Device::enrolled(&server, &store.code(n, "worker", GRID_A));
            d.set_server(&proxy.url);
            if skewed {
                set_skew(&mut d, SKEWS_MS[rng.below(SKEWS_MS.len() as u64) as usize]);
            }
            d.sync();
            d
        })
        .collect();
    let mut case = Case {
        seed,
        skewed,
        writes: Vec::new(),
    };

    // A few shared households everyone knows.
    for _ in 0..2 {
        let idx = case.writes.len();
        let (h, m) = (
            value_for("head_name", idx, 0),
            value_for("members", idx + 1, 0),
        );
        let args = [
            "entity",
            "put",
            "household",
            "--address",
            ADDR_A,
            &format!("head_name={}", h.as_str().unwrap()),
            &format!("members={m}"),
        ];
        let id = devs[0].json(&args)["id"].as_str().unwrap().to_string();
        case.record(0, &devs[0], &id, &[("head_name", h), ("members", m)], None);
    }
    for (i, d) in devs.iter().enumerate() {
        d.sync();
        case.mark_acked(i, d);
    }

    let (mut ok_syncs, mut failed_syncs, mut edits, mut duplicates, mut held, mut jumps) =
        (0, 0, 0, 0, 0, 0);
    let mut errors: BTreeSet<String> = BTreeSet::new();
    for step in 0..steps {
        let dev = rng.below(devs.len() as u64) as usize;
        if skewed && rng.pct(5) {
            // The phone's clock is set to something else (by hand, a dead battery).
            set_skew(
                &mut devs[dev],
                SKEWS_MS[rng.below(SKEWS_MS.len() as u64) as usize],
            );
            jumps += 1;
        }
        let d = &devs[dev];
        let roll = rng.below(100);
        if roll < 50 {
            random_edit(&mut case, &mut rng, dev, d);
            edits += 1;
        } else if roll < 62 {
            // A sync whose pull stalls while this device (and others) keep working;
            // sometimes another device syncs straight to the server meanwhile.
            held += 1;
            proxy.hold_pulls(true);
            let running = d.command(&["--json", "sync"]).spawn().unwrap();
            let stalled = proxy.wait_held(Duration::from_secs(30));
            for _ in 0..1 + rng.below(3) {
                let who = if rng.pct(70) {
                    dev
                } else {
                    rng.below(devs.len() as u64) as usize
                };
                random_edit(&mut case, &mut rng, who, &devs[who]);
                edits += 1;
            }
            if rng.pct(50) {
                let other = (dev + 1 + rng.below(devs.len() as u64 - 1) as usize) % devs.len();
                devs[other].set_server(&server.url);
                devs[other].sync();
                devs[other].set_server(&proxy.url);
                case.mark_acked(other, &devs[other]);
                ok_syncs += 1;
            }
            proxy.hold_pulls(false);
            let o = running.wait_with_output().unwrap();
            assert!(
                stalled && o.status.success(),
                "seed {seed} step {step}: a held sync must finish once released: {}",
                stderr(&o)
            );
            ok_syncs += 1;
            case.mark_acked(dev, d);
            // Edits made during the round are still queued: not a clean sync.
            case.check_replica(dev, d, false, step);
        } else {
            let fault = random_fault(&mut rng);
            proxy.arm(fault);
            let o = d.run(&["--json", "sync"]);
            proxy.arm(Fault::Pass);
            case.mark_acked(dev, d);
            if o.status.success() {
                ok_syncs += 1;
                let r: Value = serde_json::from_slice(&o.stdout).unwrap();
                assert_eq!(
                    r["rejected"].as_array().unwrap().len(),
                    0,
                    "seed {seed} step {step}: {r}"
                );
                duplicates += r["duplicates"].as_u64().unwrap();
                assert_eq!(
                    outbox(d),
                    0,
                    "seed {seed} step {step}: a successful sync leaves the outbox empty"
                );
            } else {
                assert!(
                    !matches!(fault, Fault::Pass | Fault::CutOnce(..)),
                    "seed {seed} step {step}: one cut connection ({fault:?}) must be retried, not fail the sync: {}",
                    stderr(&o)
                );
                failed_syncs += 1;
                let e = stderr(&o);
                assert_eq!(
                    e.lines().count(),
                    1,
                    "seed {seed} step {step} ({fault:?}): a failed sync says one line: {e:?}"
                );
                errors.insert(format!(
                    "{fault:?}: {}",
                    e.trim().rsplit("：").next().unwrap_or("")
                ));
            }
            case.check_replica(dev, d, o.status.success(), step);
        }
    }

    // Heal the network: everyone syncs three times, in a random order (a write
    // that lost in the first round is reported in the second, settled by the third).
    proxy.arm(Fault::Pass);
    for round in 0..3 {
        let mut order: Vec<usize> = (0..devs.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for i in order {
            let o = devs[i].run(&["--json", "sync"]);
            assert!(
                o.status.success(),
                "seed {seed} final round {round} device {i}: {}",
                stderr(&o)
            );
            let r: Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(
                r["rejected"].as_array().unwrap().len(),
                0,
                "seed {seed}: {r}"
            );
            case.mark_acked(i, &devs[i]);
        }
    }
    for (i, d) in devs.iter().enumerate() {
        assert_eq!(outbox(d), 0, "seed {seed} device {i}");
        case.check_replica(i, d, true, steps);
    }
    assert!(case.writes.iter().all(|w| w.acked));

    let fresh = Device::enrolled(&server, &store.code("赵敏", "worker", GRID_A));
    fresh.sync();
    let server_view = households(&fresh);
    let stamps = fresh.json_rows(STAMPS);
    for (i, d) in devs.iter().enumerate() {
        assert_eq!(
            households(d),
            server_view,
            "seed {seed}: device {i} differs from what the server holds"
        );
        assert_eq!(
            d.json_rows(STAMPS),
            stamps,
            "seed {seed}: device {i}'s stamps differ from the server's"
        );
    }
    let by_id: BTreeMap<String, &Value> = server_view
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r))
        .collect();
    let created: BTreeSet<&str> = case.writes.iter().map(|w| w.hh.as_str()).collect();
    assert_eq!(
        by_id.len(),
        created.len(),
        "seed {seed}: households on the server vs created"
    );
    let conflicts = store.conflict_log();
    case.check_nothing_lost(&by_id, &conflicts);
    // Per field: the final value is one somebody wrote; with one clock, the last write.
    for hh in &created {
        let row = by_id
            .get(*hh)
            .unwrap_or_else(|| panic!("seed {seed}: household {hh} never reached the server"));
        for field in FIELDS {
            let last = case
                .writes
                .iter()
                .filter(|w| w.hh == *hh && w.field == field)
                .max_by_key(|w| w.idx);
            match last {
                None => assert!(
                    row[field].is_null(),
                    "seed {seed}: {hh}.{field} = {} but nobody wrote it",
                    row[field]
                ),
                Some(w) => {
                    assert!(
                        case.write_of(hh, field, &row[field]).is_some(),
                        "seed {seed}: {hh}.{field} = {}: invented",
                        row[field]
                    );
                    if !skewed {
                        assert_eq!(
                            row[field], w.value,
                            "seed {seed}: {hh}.{field}: the last write (#{}, device {}) must win",
                            w.idx, w.dev
                        );
                    }
                }
            }
        }
    }
    let (cuts, refused) = proxy.stats();
    eprintln!(
        "[convergence {backend:?} seed {seed}{}] {edits} edits ({} field writes), {ok_syncs} syncs ok ({duplicates} replays answered \
         duplicate), {held} held mid-pull, {failed_syncs} failed, {cuts} cuts, {refused} refused connections, {jumps} clock jumps, \
         {} conflicts logged, {:.1}s; failures: {errors:?}",
        if skewed { " skewed clocks" } else { "" },
        case.writes.len(),
        conflicts.len(),
        t0.elapsed().as_secs_f64()
    );
}

fn seeds(default: u64) -> Vec<u64> {
    if let Some(s) = std::env::var("GRIDFIELD_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return vec![s];
    }
    let n = std::env::var("GRIDFIELD_FAULT_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    (1..=n).map(|i| 0x6772_6964_0000 + i).collect()
}

fn randomized_convergence_through_faulty_network(backend: Backend) {
    let (cases, steps) = match backend {
        Backend::Sqlite => (8, 30),
        Backend::Postgres => (3, 24),
    };
    for seed in seeds(cases) {
        convergence_case(backend, seed, steps);
    }
}

on_both_backends!(
    sigkill_mid_push_loses_and_duplicates_nothing,
    randomized_convergence_through_faulty_network
);
