//! The bootstrap of an empty or repaired replica (`GET /v1/snapshot`, built in a
//! new file and swapped in) against a real server on both stores: it ends equal
//! to a replica that pulled the same records change by change, resumes after a
//! cut connection or a killed device process, keeps and pushes what the worker
//! recorded meanwhile, leaves the database encrypted, and repairs a drifted
//! replica to the same result.

use std::io::Write;
use std::time::Duration;

use gridfield_tests::*;

/// Addresses enough for several snapshot pages (5,000 changes each).
const MANY: usize = 11_000;
const NAME: &str = "欧阳静怡";

/// `n` more addresses in grid A, as the admin imports them.
fn import_many(store: &Store, n: usize) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        f,
        "code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon"
    )
    .unwrap();
    for i in 0..n {
        writeln!(
            f,
            "320583-001-0900-{:02}-{:02}-{:04},{GRID_A},江苏省昆山市玉山镇前进路{}号{}室,前进路,{}号,,,{}室,KS-2027-{:06},31.38,120.98",
            i / 10000,
            (i / 100) % 100,
            i % 10000,
            i / 100,
            i % 100,
            i / 100,
            i % 100,
            i
        )
        .unwrap();
    }
    store.admin(&["import-plates", "--no-progress", f.path().to_str().unwrap()]);
}

/// Everything of the server's a replica holds, in a comparable form (local
/// receipt times left out).
fn replica(d: &Device) -> Vec<String> {
    let queries = [
        "SELECT code || '|' || name || '|' || level || '|' || ifnull(parent_code, '') FROM grids",
        "SELECT code || '|' || grid_code || '|' || full_text || '|' || ifnull(plate_serial, '') FROM addresses",
        "SELECT id || '|' || address_code || '|' || ifnull(head_name, '') || '|' || ifnull(members, '') || '|' || deleted FROM households",
        "SELECT entity || '|' || entity_id || '|' || field || '|' || hlc FROM field_versions",
        "SELECT id || '|' || version FROM checklist_templates",
        "SELECT id || '|' || status FROM hazards",
        "SELECT plate_text || '|' || address_code FROM legacy_plates",
        "SELECT key || '|' || value FROM device_meta WHERE key LIKE 'taxonomy:%' OR key = 'visit_rules'",
    ];
    let st = d.store();
    let mut out = Vec::new();
    for q in queries {
        st.read(|c| {
            let mut s = c.prepare(q)?;
            let mut rows: Vec<String> = s
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()?;
            rows.sort();
            out.push(format!("{q}: {}", rows.len()));
            out.extend(rows);
            Ok(())
        })
        .unwrap();
    }
    out
}

fn checksums(d: &Device) -> std::collections::BTreeMap<String, String> {
    d.store().replica_checksums().unwrap()
}

/// How the last bootstrap went (`None`: this device never bootstrapped).
fn last_bootstrap(d: &Device) -> Option<serde_json::Value> {
    d.store()
        .read(|c| {
            Ok(c.query_row(
                "SELECT value FROM device_meta WHERE key = 'last_bootstrap'",
                [],
                |r| r.get::<_, String>(0),
            )
            .ok())
        })
        .unwrap()
        .map(|s| serde_json::from_str(&s).unwrap())
}

/// The id of the first household of this replica matching `cond` (`?1`: `arg`).
fn household_where(d: &Device, cond: &str, arg: &str) -> Option<String> {
    d.store()
        .read(|c| {
            Ok(c.query_row(
                &format!("SELECT id FROM households WHERE {cond}"),
                [arg],
                |r| r.get(0),
            )
            .ok())
        })
        .unwrap()
}

fn household_named(d: &Device, name: &str) -> String {
    household_where(d, "head_name = ?1", name).expect("the household is held")
}

fn leftover(d: &Device) -> bool {
    d.data().join("gridfield.db.bootstrap").exists()
}

/// A server with the fixture, several pages of addresses, a household with a
/// known name; and a device that received all of it through the incremental
/// pull (it enrolled and synced before the data arrived).
fn world(backend: Backend) -> (Store, ServerProc, Device) {
    let store = Store::new(backend);
    store.seed();
    let server = ServerProc::start(&store);
    let pulled = synced_worker(&store, &server, "张伟", GRID_A);
    assert!(last_bootstrap(&pulled).is_some());
    import_many(&store, MANY);
    let w = synced_worker(&store, &server, "李娜", GRID_A);
    w.ok(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        &format!("head_name={NAME}"),
        "members=3",
    ]);
    w.sync();
    let before = last_bootstrap(&pulled);
    let r = pulled.sync();
    assert_eq!(r["verified"], true, "{r}");
    // Still the one bootstrap of its first (empty) sync: this one pulled.
    assert_eq!(last_bootstrap(&pulled), before);
    (store, server, pulled)
}

fn bootstrap_equals_pull_and_is_encrypted(backend: Backend) {
    let (store, server, pulled) = world(backend);
    let d = Device::enrolled(&server, &store.code("王强", "worker", GRID_A));
    let r = d.sync();
    assert_eq!(r["verified"], true, "{r}");
    let info = last_bootstrap(&d).expect("the first sync bootstraps");
    assert!(info["pages"].as_u64().unwrap() >= 3, "{info}");
    assert!(!leftover(&d));
    let want = replica(&pulled);
    assert!(want.iter().any(|l| l.contains(NAME)));
    assert!(want.len() > MANY);
    assert_eq!(replica(&d), want);
    assert_eq!(checksums(&d), checksums(&pulled));
    // Searches work on the indexes built at the end (trigram and bigram).
    let st = d.store();
    assert!(!st.search_addresses("前进路12", 5).unwrap().is_empty());
    assert!(!st.search_addresses("前进", 5).unwrap().is_empty());
    // Encrypted at rest: neither the name nor a plate's text in the file's bytes.
    drop(st);
    let raw = std::fs::read(d.data().join("gridfield.db")).unwrap();
    for needle in [NAME, "前进路", "KS-2027-000042"] {
        assert!(
            !raw.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} readable on disk"
        );
    }
    // Then it pulls incrementally, from where the snapshot ended.
    let again = d.sync();
    assert_eq!(again["pulled"], 0, "{again}");
}

fn a_cut_or_killed_bootstrap_resumes(backend: Backend) {
    let (store, server, pulled) = world(backend);
    let want = replica(&pulled);
    let proxy = Proxy::start(&server.url);
    // Connections cut at varied points of the download.
    for (i, cut) in [40_000u64, 350_000, 900_000].into_iter().enumerate() {
        let d = Device::enrolled(&server, &store.code(&format!("切断{i}"), "worker", GRID_A));
        d.set_server(&proxy.url);
        proxy.arm(Fault::CutEach(Dir::Down, cut));
        let _ = d.run(&["sync"]);
        proxy.arm(Fault::Pass);
        let r = d.sync();
        assert_eq!(r["verified"], true, "cut at {cut}: {r}");
        assert_eq!(replica(&d), want, "cut at {cut}");
        assert!(!leftover(&d));
    }
    // The device process killed at varied moments, then started again.
    for (i, ms) in [150u64, 600, 1500, 3000].into_iter().enumerate() {
        let d = Device::enrolled(&server, &store.code(&format!("中断{i}"), "worker", GRID_A));
        let mut child = d.command(&["sync"]).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
        let r = d.sync();
        assert_eq!(r["verified"], true, "killed after {ms} ms: {r}");
        assert_eq!(replica(&d), want, "killed after {ms} ms");
        assert!(!leftover(&d));
    }
}

fn writes_during_the_bootstrap_are_kept_and_pushed(backend: Backend) {
    let (store, server, _pulled) = world(backend);
    let proxy = Proxy::start(&server.url);
    let d = synced_worker(&store, &server, "孙丽", GRID_A);
    d.set_server(&proxy.url);
    let hh = household_named(&d, NAME);
    // The pull starts over (as after an upgrade that drops the cursor): the
    // next round bootstraps into the store holding the replica.
    d.store()
        .read(|c| Ok(c.execute("DELETE FROM device_meta WHERE key = 'sync_cursor'", [])?))
        .unwrap();
    // The bootstrap stalls on its download; the worker records meanwhile: an
    // edit of a record the snapshot brings, and a new one.
    proxy.hold_pulls(true);
    let child = d.command(&["sync"]).spawn().unwrap();
    assert!(proxy.wait_held(Duration::from_secs(30)));
    assert!(leftover(&d), "the bootstrap has begun");
    d.ok(&["entity", "put", "household", "--id", &hh, "head_name=赵敏"]);
    let id = d.json(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=钱多多",
        "members=2",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    proxy.hold_pulls(false);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!leftover(&d));
    let held = |d: &Device| {
        d.count(&format!(
            "SELECT count(*) FROM households WHERE (id = '{hh}' AND head_name = '赵敏')
                 OR (id = '{id}' AND head_name = '钱多多')"
        ))
    };
    // Kept through the swap (the local version of the edited one), still queued.
    assert_eq!(held(&d), 2);
    assert_eq!(d.count("SELECT count(*) FROM outbox"), 2);
    // Pushed by the next round, and on the server for others.
    let r = d.sync();
    assert_eq!(r["pushed"], 2, "{r}");
    assert_eq!(d.count("SELECT count(*) FROM outbox"), 0);
    assert_eq!(held(&d), 2);
    let other = synced_worker(&store, &server, "周杰", GRID_A);
    assert_eq!(held(&other), 2);
}

/// The snapshot is of the server as it stood at its first page: what changes
/// between pages (a record already sent, one not yet sent, a new one) comes
/// with the pull that follows, and nothing is lost or stale.
fn changes_between_snapshot_pages_arrive_by_the_pull(backend: Backend) {
    let (store, server, pulled) = world(backend);
    let proxy = Proxy::start(&server.url);
    let d = Device::enrolled(&server, &store.code("郑浩", "worker", GRID_A));
    d.set_server(&proxy.url);
    // The first page passes (and the fetch of the second is held).
    proxy.hold_after(1);
    let child = d.command(&["--json", "sync"]).spawn().unwrap();
    assert!(proxy.wait_held(Duration::from_secs(30)));
    assert!(leftover(&d), "the bootstrap has begun");
    let w = synced_worker(&store, &server, "冯雪", GRID_A);
    let hh = household_named(&w, NAME);
    // A household already in the first page (the fixture's), the one of the
    // last page, and a new one.
    let first = household_where(&w, "head_name <> ?1 ORDER BY rowid LIMIT 1", NAME);
    if let Some(first) = first {
        w.ok(&["entity", "put", "household", "--id", &first, "members=7"]);
    }
    w.ok(&["entity", "put", "household", "--id", &hh, "head_name=褚红"]);
    w.ok(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_A,
        "head_name=卫东",
        "members=1",
    ]);
    w.sync();
    proxy.hold_pulls(false);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Whole without the safety net: no repair after the round's check.
    assert_eq!(r["verified"], true, "{r}");
    assert_eq!(r["repaired"], false, "{r}");
    assert!(!leftover(&d));
    let r2 = pulled.sync();
    assert_eq!(r2["verified"], true, "{r2}");
    let names = |d: &Device| {
        d.count(&format!(
            "SELECT count(*) FROM households WHERE (id = '{hh}' AND head_name = '褚红')
                 OR head_name = '卫东'"
        ))
    };
    assert_eq!(names(&d), 2, "{r}");
    assert_eq!(replica(&d), replica(&pulled));
    assert_eq!(checksums(&d), checksums(&pulled));
}

/// A snapshot token names a place inside the scope; a forged one naming a
/// path below the device's grid (a sibling grid sorts there) brings nothing
/// from outside the device's scope.
fn a_forged_snapshot_token_stays_in_the_scope(backend: Backend) {
    use gridfield_core::wire::{Change, snapshot};
    let (store, server, _pulled) = world(backend);
    let d = synced_worker(&store, &server, "韩梅", GRID_B);
    let auth = format!("Bearer {}", d.token());
    let page = |cursor: Option<&str>| {
        let mut url = format!("{}/v1/snapshot?cases=1", server.url);
        if let Some(c) = cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = http("GET", &url, &[("authorization", &auth)], None);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        snapshot::decode_page(&r.body).unwrap()
    };
    let first = page(None);
    assert!(!first.more, "grid B's scope fits one page");
    // The head is the last page's cursor; "2f" is "/" in hex, below every grid.
    let forged = format!("b1.{}.2f.-1", first.cursor);
    let foreign = |p: &gridfield_core::wire::PullResponse| {
        p.changes
            .iter()
            .filter(|c| match c {
                Change::Address { address } => address.grid_code == GRID_A,
                Change::Entity { entity } => entity.fields.values().any(|v| v == NAME),
                _ => false,
            })
            .count()
    };
    assert_eq!(foreign(&first), 0);
    assert_eq!(foreign(&page(Some(&forged))), 0);
}

fn a_repair_bootstraps_to_the_same_replica(backend: Backend) {
    let (store, server, pulled) = world(backend);
    let d = Device::enrolled(&server, &store.code("吴刚", "worker", GRID_A));
    d.sync();
    let first = last_bootstrap(&d).unwrap();
    // Damage the replica behind the app's back: the check after the round fails
    // and the repair bootstraps into the store holding the older replica.
    d.store()
        .read(|c| {
            c.execute_batch(
                "DELETE FROM addresses WHERE code LIKE '320583-001-0900-00-01-%';
                 UPDATE households SET members = 99;
                 INSERT INTO grids VALUES ('999', '已撤销网格', 3, NULL);",
            )?;
            Ok(())
        })
        .unwrap();
    let r = d.sync();
    assert_eq!(r["repaired"], true, "{r}");
    assert_eq!(r["verified"], true, "{r}");
    assert_ne!(last_bootstrap(&d).unwrap(), first);
    assert_eq!(replica(&d), replica(&pulled));
    assert_eq!(checksums(&d), checksums(&pulled));
}

on_both_backends!(
    bootstrap_equals_pull_and_is_encrypted,
    a_cut_or_killed_bootstrap_resumes,
    writes_during_the_bootstrap_are_kept_and_pushed,
    a_repair_bootstraps_to_the_same_replica,
    changes_between_snapshot_pages_arrive_by_the_pull,
    a_forged_snapshot_token_stays_in_the_scope,
);
