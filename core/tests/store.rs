//! Integration tests of the device store on real SQLCipher files in temp dirs,
//! through the public API only. Every test builds its own store from the
//! fixtures in `tests/fixtures` (grids, addresses, checklist answers, PNGs) and
//! the door-plate vectors in `tests/vectors/plates.json`.
//!
//! The store's clock is pinned to a controllable value (`Clock`) so deadlines,
//! overdue checks and HLC stamps are deterministic.
//!
//! Where a test needs data that normally arrives by sync (rows a volunteer
//! device holds but may not show), it inserts them with `Store::write` and raw
//! SQL — still the public API, and the same path sync code uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use gridfield_core::checklist::{
    AnswerErrorKind, Answers, ChecklistTemplate, ItemPhotos, Severity,
};
use gridfield_core::hazard::{HazardAction, HazardStatus, StepInput, TransitionError};
use gridfield_core::model::{
    Address, Entity, EntityKind, GeoPoint, Grid, ReportStatus, ReviewStatus, Role,
};
use gridfield_core::photo::PhotoError;
use gridfield_core::plate::{IssuerPublicKey, PlateData, PlateIssuer};
use gridfield_core::records::{Op, OutboxEntry};
use gridfield_core::store::{
    DB_FILE, HazardFilter, NewHazard, NewInspection, NewReport, PHOTO_DIR,
};
use gridfield_core::{DbKey, Error, Identity, Lang, Store};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tempfile::TempDir;

// ---- fixture data ------------------------------------------------------------------

/// 2026-01-01T00:00:00+08:00-ish; any fixed instant will do.
const T0: i64 = 1_767_225_600_000;
const MINUTE: i64 = 60 * 1000;
const DAY: i64 = 24 * 60 * MINUTE;

/// The device's grid scope: 第三网格. 第四网格 exists locally but is out of scope.
const SCOPE: &str = "320583001003";
const OTHER_GRID: &str = "320583001004";

const A501: &str = "320583-001-0012-03-02-0501";
const A502: &str = "320583-001-0012-03-02-0502";
const A101: &str = "320583-001-0012-03-01-0101";
const A14: &str = "320583-001-0014-01-01-0201";
const SHOP: &str = "320583-001-0033-00-00-0000";
/// 朝阳路8号: on the device, but in 第四网格 (outside scope).
const OUT_OF_SCOPE: &str = "320583-001-0008-02-01-0302";

const RENTAL: &str = "rental_fire_safety";

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The fixture CSVs have no quoted fields, so a plain split is an honest parser.
fn csv_rows(name: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(fixture_path(name)).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|c| c.trim().to_string()).collect())
        .collect()
}

fn fixture_grids() -> Vec<Grid> {
    csv_rows("grids.csv")
        .into_iter()
        .map(|r| Grid {
            code: r[0].clone(),
            name: r[1].clone(),
            level: r[2].parse().unwrap(),
            parent_code: opt(&r[3]),
        })
        .collect()
}

fn fixture_addresses() -> Vec<Address> {
    csv_rows("addresses.csv")
        .into_iter()
        .map(|r| Address {
            code: r[0].clone(),
            grid_code: r[1].clone(),
            full_text: r[2].clone(),
            street: opt(&r[3]),
            number: opt(&r[4]),
            building: opt(&r[5]),
            unit: opt(&r[6]),
            room: opt(&r[7]),
            plate_serial: opt(&r[8]),
            lat: opt(&r[9]).map(|s| s.parse().unwrap()),
            lon: opt(&r[10]).map(|s| s.parse().unwrap()),
        })
        .collect()
}

fn full_text_of(code: &str) -> String {
    fixture_addresses()
        .into_iter()
        .find(|a| a.code == code)
        .unwrap()
        .full_text
}

// ---- plate vectors -----------------------------------------------------------------

#[derive(Deserialize)]
struct Vectors {
    issuer: KeyVector,
    other_issuer: KeyVector,
    valid: Vec<ValidVector>,
    wrapped: Vec<WrappedVector>,
    invalid: Vec<InvalidVector>,
}

#[derive(Deserialize)]
struct KeyVector {
    seed_hex: String,
    public_key_hex: String,
    key_id: String,
}

#[derive(Deserialize)]
struct ValidVector {
    plate: PlateData,
    qr: String,
}

#[derive(Deserialize)]
struct WrappedVector {
    name: String,
    text: String,
    valid_index: usize,
}

#[derive(Deserialize)]
struct InvalidVector {
    name: String,
    qr: String,
    code: String,
}

fn vectors() -> Vectors {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/plates.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn public_key(k: &KeyVector) -> IssuerPublicKey {
    IssuerPublicKey::from_hex(&k.public_key_hex).unwrap()
}

fn issuer(k: &KeyVector) -> PlateIssuer {
    PlateIssuer::from_seed(hex::decode(&k.seed_hex).unwrap().try_into().unwrap())
}

// ---- stores --------------------------------------------------------------------------

/// A clock the test moves by hand; the store reads it on every operation.
#[derive(Clone)]
struct Clock(Arc<AtomicI64>);

impl Clock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst)
    }
    fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

struct Fixture {
    // Kept so the directory lives as long as the store.
    dir: TempDir,
    key: DbKey,
    store: Store,
    clock: Clock,
}

impl Fixture {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Close and re-open the store with the same key (and the same clock).
    fn reopen(self) -> Fixture {
        let Fixture {
            dir,
            key,
            store,
            clock,
        } = self;
        drop(store);
        let mut store = Store::open(dir.path(), &key).unwrap();
        let c = clock.clone();
        store.set_clock(move || c.now());
        Fixture {
            dir,
            key,
            store,
            clock,
        }
    }
}

fn identity(role: Role) -> Identity {
    Identity {
        device_id: format!("dev-{}-01", role.as_str()),
        user: format!("u-{}", role.as_str()),
        role,
        grid_scope: SCOPE.to_string(),
    }
}

/// A fresh store with no reference data.
fn empty_store(role: Role) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = DbKey::generate().unwrap();
    let mut store = Store::init(dir.path(), &key, identity(role)).unwrap();
    let clock = Clock(Arc::new(AtomicI64::new(T0)));
    let c = clock.clone();
    store.set_clock(move || c.now());
    Fixture {
        dir,
        key,
        store,
        clock,
    }
}

/// A store for `role` with the fixture grids and addresses imported.
fn fixture_store(role: Role) -> Fixture {
    let f = empty_store(role);
    assert_eq!(f.store.import_grids(&fixture_grids()).unwrap(), 4);
    assert_eq!(f.store.import_addresses(&fixture_addresses()).unwrap(), 6);
    f
}

/// Expect an error; `Store` and friends are not `Debug`, so `unwrap_err` is out.
fn err<T>(r: gridfield_core::Result<T>) -> Error {
    match r {
        Ok(_) => panic!("expected an error, got Ok"),
        Err(e) => e,
    }
}

/// Everything that could be written: the row count of every table, plus the
/// persisted HLC. A refused operation must leave all of it exactly as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    outbox: u64,
    audit: u64,
    inspections: usize,
    hazards: usize,
    reports: usize,
    tables: BTreeMap<String, i64>,
    hlc: Option<String>,
}

fn snapshot(s: &Store) -> Snapshot {
    let tables = s
        .read(|c| {
            let names: Vec<String> = c
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut out = BTreeMap::new();
            for n in names {
                let count: i64 =
                    c.query_row(&format!("SELECT count(*) FROM \"{n}\""), [], |r| r.get(0))?;
                out.insert(n, count);
            }
            Ok(out)
        })
        .unwrap();
    let hlc = s
        .read(|c| {
            Ok(
                c.query_row("SELECT value FROM device_meta WHERE key = 'hlc'", [], |r| {
                    r.get::<_, String>(0)
                })
                .ok(),
            )
        })
        .unwrap();
    Snapshot {
        outbox: s.outbox_len().unwrap(),
        audit: s.audit_len().unwrap(),
        // Volunteers may not read inspections; the per-table counts still cover them.
        inspections: s.inspections(None).map(|v| v.len()).unwrap_or(0),
        hazards: s.hazards(&HazardFilter::default()).unwrap().len(),
        reports: s.reports().unwrap().len(),
        tables,
        hlc,
    }
}

fn outbox(s: &Store) -> Vec<OutboxEntry> {
    s.outbox(10_000).unwrap()
}

fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn new_inspection(address: &str, version: Option<u32>) -> NewInspection {
    NewInspection {
        template_id: RENTAL.into(),
        template_version: version,
        address_code: address.into(),
        ..Default::default()
    }
}

/// Store a fixture PNG and return its hash.
fn photo(s: &Store, name: &str) -> String {
    s.add_photo_file(&fixture_path(name)).unwrap().hash
}

/// Load an answers fixture, storing every PNG it names and replacing the file
/// name with the photo's hash (which is what the phone shell does).
fn fixture_answers(s: &Store, name: &str) -> (Answers, ItemPhotos) {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_path(name)).unwrap()).unwrap();
    let resolve = |v: &Value| -> Value {
        match v {
            Value::String(f) if f.ends_with(".png") => Value::String(photo(s, f)),
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| match x.as_str() {
                        Some(f) if f.ends_with(".png") => Value::String(photo(s, f)),
                        _ => x.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    };
    let answers: Answers = v["answers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), resolve(v)))
        .collect();
    let photos: ItemPhotos = v["photos"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|f| photo(s, f.as_str().unwrap()))
                    .collect(),
            )
        })
        .collect();
    (answers, photos)
}

/// A syntactically valid SHA-256 that no stored photo has.
const UNKNOWN_HASH: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// ---- files on disk -----------------------------------------------------------------

fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// None of `needles` appears in any file of the data dir.
fn assert_not_in_plain_bytes(dir: &Path, needles: &[&str], when: &str) {
    let files = files_under(dir);
    assert!(
        files.keys().any(|p| p.ends_with(DB_FILE)),
        "{when}: no database file"
    );
    for (path, bytes) in &files {
        assert!(
            !bytes.starts_with(b"SQLite format 3\0"),
            "{when}: {} is a plaintext SQLite file",
            path.display()
        );
        for n in needles {
            assert!(
                !contains(bytes, n.as_bytes()),
                "{when}: {n:?} readable in {}",
                path.display()
            );
        }
    }
}

// =====================================================================================
// 1. Encryption at rest
// =====================================================================================

#[test]
fn personal_data_and_addresses_are_not_readable_in_the_files() {
    let f = fixture_store(Role::Worker);
    let name = "王秀英";
    let phone = "13812345678";
    let addr_text = full_text_of(A501);
    let hh = f
        .store
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[
                ("head_name", json!(name)),
                ("phone", json!(phone)),
                ("note", json!("独居老人，需重点关注")),
            ]),
        )
        .unwrap();
    // The needle search itself must work, or the assertions below prove nothing.
    assert!(contains(format!("xx{name}yy").as_bytes(), name.as_bytes()));

    // While open, recent pages live in the WAL: it must exist and be encrypted too.
    assert!(
        f.path().join(format!("{DB_FILE}-wal")).exists(),
        "expected a WAL file while the store is open"
    );
    let needles = [
        name,
        phone,
        addr_text.as_str(),
        "独居老人",
        "建设路12号",
        "KS-2026-000123",
    ];
    assert_not_in_plain_bytes(f.path(), &needles, "while open");

    let Fixture {
        dir, key, store, ..
    } = f;
    drop(store);
    assert_not_in_plain_bytes(dir.path(), &needles, "after close");

    // Re-open with the right key: the data is all there.
    {
        let s = Store::open(dir.path(), &key).unwrap();
        let e = s
            .entity(EntityKind::Household, &hh)
            .unwrap()
            .expect("household survives reopen");
        assert_eq!(e.fields["head_name"], json!(name));
        assert_eq!(e.fields["phone"], json!(phone));
        assert_eq!(s.address(A501).unwrap().unwrap().full_text, addr_text);
    }

    // A wrong key is a clear error and touches nothing.
    let before = files_under(dir.path());
    let wrong = DbKey::generate().unwrap();
    assert!(matches!(
        err(Store::open(dir.path(), &wrong)),
        Error::WrongKey
    ));
    assert_eq!(err(Store::open(dir.path(), &wrong)).code(), "wrong_key");
    let after = files_under(dir.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "wrong key created or removed files"
    );
    assert!(before == after, "wrong key changed file bytes");

    // ...and the right key still opens the same, non-empty database.
    let s = Store::open(dir.path(), &key).unwrap();
    assert_eq!(s.identity(), &identity(Role::Worker));
    assert_eq!(
        s.entity(EntityKind::Household, &hh)
            .unwrap()
            .unwrap()
            .fields["head_name"],
        json!(name)
    );
    assert_eq!(s.outbox_len().unwrap(), 1);
    assert_eq!(s.search_addresses("建设路12号", 10).unwrap().len(), 3);
}

#[test]
fn init_never_replaces_and_open_needs_a_store() {
    let f = fixture_store(Role::Worker);
    f.store
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("members", json!(2))]),
        )
        .unwrap();
    let Fixture {
        dir, key, store, ..
    } = f;
    drop(store);
    let before = files_under(dir.path());
    // A second init, even with the same key, must refuse and leave the file alone.
    assert!(matches!(
        err(Store::init(dir.path(), &key, identity(Role::Admin))),
        Error::AlreadyInitialised(_)
    ));
    assert!(before == files_under(dir.path()));
    assert_eq!(
        Store::open(dir.path(), &key).unwrap().identity().role,
        Role::Worker
    );

    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        err(Store::open(empty.path(), &key)),
        Error::NotInitialised(_)
    ));
    assert!(!Store::exists(empty.path()));
    // Opening must not have created a database as a side effect.
    assert!(files_under(empty.path()).is_empty());

    let bad = Identity {
        device_id: " ".into(),
        ..identity(Role::Worker)
    };
    assert!(matches!(
        err(Store::init(empty.path(), &key, bad)),
        Error::Invalid { .. }
    ));
    assert!(!Store::exists(empty.path()));
}

// =====================================================================================
// 2. Address search
// =====================================================================================

fn hit_codes(s: &Store, q: &str) -> BTreeSet<String> {
    s.search_addresses(q, 50)
        .unwrap_or_else(|e| panic!("search {q:?} failed: {e}"))
        .into_iter()
        .map(|h| h.code)
        .collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

#[test]
fn search_finds_what_a_person_types() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;

    // Trigram path (>= 3 characters).
    assert_eq!(hit_codes(s, "建设路12号"), set(&[A501, A502, A101]));
    assert_eq!(hit_codes(s, "3栋2单元"), set(&[A501, A502]));
    assert_eq!(hit_codes(s, "KS-2026-000126"), set(&[A14]));
    // Trigram matching is case-insensitive for ASCII.
    assert_eq!(hit_codes(s, "ks-2026-000127"), set(&[SHOP]));
    // Short fragment: LIKE path.
    assert_eq!(hit_codes(s, "便民"), set(&[SHOP]));
    // Mixed: every fragment must match; "12" must not pull in 14号.
    assert_eq!(hit_codes(s, "建设路 12"), set(&[A501, A502, A101]));
    assert_eq!(hit_codes(s, "  建设路   14号  "), set(&[A14]));
    assert_eq!(hit_codes(s, "建设路 便民"), set(&[]));

    // A hit carries what the list row shows.
    let hit = s.search_addresses("KS-2026-000123", 10).unwrap();
    assert_eq!(hit.len(), 1);
    assert_eq!(hit[0].full_text, full_text_of(A501));
    assert_eq!(hit[0].plate_serial.as_deref(), Some("KS-2026-000123"));
    assert_eq!(hit[0].grid_code, SCOPE);

    // The limit is honoured.
    assert_eq!(s.search_addresses("建设路", 2).unwrap().len(), 2);
    assert_eq!(
        s.search_addresses("建设路", 0).unwrap().len(),
        1,
        "limit is clamped to at least 1"
    );

    // Empty queries find nothing (rather than everything).
    assert!(s.search_addresses("", 10).unwrap().is_empty());
    assert!(s.search_addresses("   \t ", 10).unwrap().is_empty());
}

#[test]
fn search_treats_query_syntax_as_plain_text() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    // FTS5 and LIKE syntax must never error and never act as wildcards.
    for q in [
        "\"",
        "\"\"",
        "%",
        "%%",
        "_",
        "__",
        "\\",
        "建设\"路",
        "\"建设路\"",
        "建设路\"",
        "12%",
        "%12",
        "1_",
        "a\"b\"c",
        "NEAR(建设路 12)",
        "建设路*",
        "建设路 OR 人民路",
        "AND",
        "(",
        ")",
        "'",
        "';--",
        "*",
        "^建设",
        "-",
    ] {
        let hits = s
            .search_addresses(q, 50)
            .unwrap_or_else(|e| panic!("search {q:?} errored: {e}"));
        // None of these characters occur in the fixture addresses except inside
        // the plain words; wildcards must not match everything.
        assert!(
            hits.len() < 6,
            "query {q:?} matched {} rows, a wildcard leaked",
            hits.len()
        );
    }
    assert!(hit_codes(s, "%").is_empty());
    assert!(hit_codes(s, "_").is_empty());
    assert!(hit_codes(s, "12%").is_empty());
    // An "OR" between words is just another fragment that must match, not FTS syntax.
    assert!(hit_codes(s, "建设路 OR 人民路").is_empty());
}

// =====================================================================================
// 3. Door plates
// =====================================================================================

#[test]
fn scanning_plates_with_the_issuer_trusted() {
    let v = vectors();
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    s.trust_issuer(public_key(&v.issuer)).unwrap();
    // Trusting twice keeps one key.
    s.trust_issuer(public_key(&v.issuer)).unwrap();
    assert_eq!(s.trusted_issuers().unwrap(), vec![public_key(&v.issuer)]);

    for (i, vec) in v.valid.iter().enumerate() {
        let scan = s.scan_plate(&vec.qr).unwrap();
        assert!(
            scan.verified,
            "valid[{i}] not verified: {:?}",
            scan.rejection
        );
        assert_eq!(scan.rejection, None);
        assert_eq!(scan.plate.as_ref(), Some(&vec.plate), "valid[{i}]");
        assert_eq!(
            scan.issuer_key_id.as_deref(),
            Some(v.issuer.key_id.as_str())
        );
        let local = s.address(&vec.plate.address_code).unwrap();
        let expect_in_scope = vec.plate.grid_code == SCOPE;
        assert_eq!(scan.in_scope, expect_in_scope, "valid[{i}] scope");
        if expect_in_scope && let Some(local) = local {
            let view = scan
                .address
                .as_ref()
                .unwrap_or_else(|| panic!("valid[{i}]: no address view"));
            assert_eq!(view.address.code, vec.plate.address_code);
            assert_eq!(view.address, local);
        } else {
            assert!(
                scan.address.is_none(),
                "valid[{i}]: address outside scope or not local"
            );
        }
    }
    // The fixtures must exercise both branches.
    assert!(s.scan_plate(&v.valid[0].qr).unwrap().address.is_some());
    let far = s.scan_plate(&v.valid[2].qr).unwrap();
    assert!(far.verified && !far.in_scope && far.address.is_none());

    for w in &v.wrapped {
        let scan = s.scan_plate(&w.text).unwrap();
        assert!(scan.verified, "{}", w.name);
        assert_eq!(
            scan.plate.as_ref(),
            Some(&v.valid[w.valid_index].plate),
            "{}",
            w.name
        );
    }

    for bad in &v.invalid {
        let scan = s
            .scan_plate(&bad.qr)
            .unwrap_or_else(|e| panic!("{}: scan errored: {e}", bad.name));
        assert!(!scan.verified, "{} verified", bad.name);
        let (code, msg) = scan
            .rejection
            .clone()
            .unwrap_or_else(|| panic!("{}: no rejection", bad.name));
        assert_eq!(code, bad.code, "{}", bad.name);
        assert!(!msg.is_empty());
        assert!(
            !scan.in_scope && scan.address.is_none() && scan.issuer_key_id.is_none(),
            "{}",
            bad.name
        );
    }
}

#[test]
fn a_genuine_plate_outside_scope_shows_no_local_record() {
    let v = vectors();
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    s.trust_issuer(public_key(&v.issuer)).unwrap();
    let iss = issuer(&v.issuer);
    let out = s
        .address(OUT_OF_SCOPE)
        .unwrap()
        .expect("fixture: address on device");
    assert_eq!(out.grid_code, OTHER_GRID);

    // The address IS on the device, but in another grid: verified, not shown.
    let plate = PlateData {
        address_code: out.code.clone(),
        plate_serial: out.plate_serial.clone().unwrap(),
        grid_code: OTHER_GRID.into(),
        address_text: out.full_text.clone(),
        issued_at: 1_767_225_600,
    };
    let scan = s.scan_plate(&iss.sign(&plate).unwrap()).unwrap();
    assert!(scan.verified);
    assert!(!scan.in_scope);
    assert!(scan.address.is_none());

    // A plate claiming an in-scope grid for an address the device knows to be in
    // another grid: the local record is not shown under the plate's claim.
    let liar = PlateData {
        grid_code: SCOPE.into(),
        ..plate
    };
    let scan = s.scan_plate(&iss.sign(&liar).unwrap()).unwrap();
    assert!(scan.verified && scan.in_scope);
    assert!(scan.address.is_none());

    // A correctly signed plate from another issuer is not trusted.
    let other = issuer(&v.other_issuer).sign(&v.valid[0].plate).unwrap();
    let scan = s.scan_plate(&other).unwrap();
    assert!(!scan.verified);
    assert_eq!(scan.rejection.unwrap().0, "plate_unknown_issuer");
}

#[test]
fn with_no_issuer_trusted_every_plate_is_unknown() {
    let v = vectors();
    let f = fixture_store(Role::Worker);
    assert!(f.store.trusted_issuers().unwrap().is_empty());
    for vec in &v.valid {
        let scan = f.store.scan_plate(&vec.qr).unwrap();
        assert!(!scan.verified);
        assert_eq!(scan.rejection.as_ref().unwrap().0, "plate_unknown_issuer");
        // Default language is Chinese.
        assert!(scan.rejection.as_ref().unwrap().1.contains("签发机构"));
        // What the plate claims is still shown, as a claim.
        assert_eq!(scan.plate.as_ref(), Some(&vec.plate));
        assert!(scan.address.is_none() && !scan.in_scope);
    }
    // The rejection follows the device language.
    f.store.set_lang(Lang::En).unwrap();
    let scan = f.store.scan_plate(&v.valid[0].qr).unwrap();
    assert!(scan.rejection.unwrap().1.contains("unknown issuer"));
}

// =====================================================================================
// 4. Inspections
// =====================================================================================

#[test]
fn failing_inspection_is_vetoed_raises_hazards_and_queues_everything() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let (answers, photos) = fixture_answers(s, "fire_safety_fail.json");
    let ebike = photo(s, "ebike.png");
    let site = photo(s, "site.png");
    let before = snapshot(s);
    let loc = GeoPoint {
        lat: 31.3856,
        lon: 120.9812,
    };
    let new = NewInspection {
        location: Some(loc),
        ..new_inspection(A501, None)
    };

    let out = s
        .record_inspection(&new, &answers, &photos, Some(T0 - 20 * MINUTE))
        .unwrap();
    assert!(out.evaluation.vetoed);
    assert!(!out.evaluation.passed);
    assert_eq!(out.evaluation.score, 0);
    let failed: Vec<&str> = out
        .evaluation
        .failed_items
        .iter()
        .map(|i| i.item_id.as_str())
        .collect();
    assert_eq!(failed, ["ebike_indoor", "smoke_alarm"]);
    assert_eq!(out.hazards_raised.len(), 2);

    // The stored inspection.
    let insp = s.inspection(&out.inspection_id).unwrap();
    assert_eq!(insp.review_status, ReviewStatus::Submitted);
    assert_eq!(
        (insp.score, insp.passed, insp.vetoed),
        (Some(0), Some(false), Some(true))
    );
    assert_eq!(insp.template_version, 1);
    assert_eq!(insp.started_at, T0 - 20 * MINUTE);
    assert_eq!(insp.finished_at, Some(T0));
    assert_eq!(insp.location, Some(loc));
    assert_eq!(insp.answers, answers);
    assert_eq!(insp.photos, photos);
    assert_eq!(insp.inspector, "u-worker");

    // Hazards raised, one per failing item with a hazard spec.
    let hz: Vec<_> = out
        .hazards_raised
        .iter()
        .map(|id| s.hazard(id).unwrap())
        .collect();
    let cats: Vec<&str> = hz.iter().map(|d| d.hazard.category.as_str()).collect();
    assert_eq!(cats, ["fire.ebike_charging", "fire.no_smoke_alarm"]);
    assert_eq!(hz[0].hazard.severity, Severity::High);
    assert_eq!(hz[0].hazard.photos, vec![ebike.clone()]);
    assert_eq!(hz[1].hazard.photos, vec![site.clone()]);
    for d in &hz {
        assert_eq!(d.hazard.status, HazardStatus::Reported);
        assert_eq!(d.hazard.address_code, A501);
        assert_eq!(
            d.hazard.source_inspection.as_deref(),
            Some(out.inspection_id.as_str())
        );
        assert_eq!(d.events.len(), 1);
        assert_eq!(d.events[0].to_status, HazardStatus::Reported);
        assert_eq!(
            d.events[0].action, None,
            "the first event is the report itself"
        );
    }
    assert_eq!(hz[0].hazard.source_item.as_deref(), Some("ebike_indoor"));

    // Outbox: the inspection first, then its hazards; payloads round-trip.
    let after = snapshot(s);
    assert_eq!(after.outbox, before.outbox + 3);
    assert_eq!(after.inspections, before.inspections + 1);
    assert_eq!(after.hazards, before.hazards + 2);
    let ob = outbox(s);
    let kinds: Vec<&str> = ob.iter().map(|e| e.op.type_name()).collect();
    assert_eq!(
        kinds,
        ["inspection_submit", "hazard_create", "hazard_create"]
    );
    match &ob[0].op {
        Op::InspectionSubmit { inspection } => assert_eq!(**inspection, insp),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(ob[0].entity, "inspection");
    assert_eq!(ob[0].entity_id, out.inspection_id);
    for (e, d) in ob[1..].iter().zip(&hz) {
        assert_eq!(e.entity_id, d.hazard.id);
        match &e.op {
            Op::HazardCreate { hazard } => assert_eq!(**hazard, d.hazard),
            other => panic!("unexpected {other:?}"),
        }
    }
    for e in &ob {
        let text = serde_json::to_string(&e.op).unwrap();
        assert_eq!(serde_json::from_str::<Op>(&text).unwrap(), e.op);
    }
    // Stamps order the queue.
    assert!(ob.windows(2).all(|w| w[0].hlc < w[1].hlc));
}

/// The outbox holds an operation back until the photos it refers to are
/// uploaded (`Op::photo_hashes`). An inspection refers to photos in two places:
/// evidence photos of failed items AND photo/signature answers (site photos,
/// the landlord's signature). All must be listed, or the inspection reaches the
/// server before its signature does.
#[test]
fn inspection_op_lists_every_photo_it_refers_to() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let (answers, photos) = fixture_answers(s, "fire_safety_fail.json");
    s.record_inspection(&new_inspection(A501, None), &answers, &photos, None)
        .unwrap();
    let op = &outbox(s)[0].op;
    let listed: BTreeSet<String> = op.photo_hashes().into_iter().collect();
    for name in ["ebike.png", "site.png", "signature.png"] {
        assert!(
            listed.contains(&photo(s, name)),
            "{name} missing from photo_hashes() of {}",
            op.type_name()
        );
    }
}

#[test]
fn answers_that_do_not_fit_change_nothing() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    // Some earlier history, so "nothing changed" is measured against non-zero counts.
    let (pass, pass_photos) = fixture_answers(s, "fire_safety_pass.json");
    s.record_inspection(&new_inspection(A502, None), &pass, &pass_photos, None)
        .unwrap();
    let (bad, bad_photos) = fixture_answers(s, "fire_safety_invalid.json");
    let before = snapshot(s);
    assert!(before.outbox > 0 && before.audit > 0);

    let e = err(s.record_inspection(&new_inspection(A501, None), &bad, &bad_photos, None));
    let Error::Answers(v) = &e else {
        panic!("expected Answers, got {e:?}")
    };
    assert!(
        v.has(
            "extinguisher_count",
            &AnswerErrorKind::WrongType {
                expected: "a number"
            }
        ),
        "{v}"
    );
    assert!(
        v.has("gas_type", &AnswerErrorKind::UnknownOption("coal".into())),
        "{v}"
    );
    assert!(v.has("no_such_item", &AnswerErrorKind::UnknownItem), "{v}");
    assert!(
        v.has("smoke_alarm", &AnswerErrorKind::MissingRequired),
        "{v}"
    );
    assert_eq!(e.code(), "answers_invalid");
    assert!(e.message(Lang::Zh).contains("检查项填写有误"));
    assert_eq!(snapshot(s), before);

    // A failing item that demands a photo, without one.
    let mut no_photo = pass.clone();
    no_photo.insert("ebike_indoor".into(), json!("yes"));
    let e = err(s.record_inspection(
        &new_inspection(A501, None),
        &no_photo,
        &ItemPhotos::new(),
        None,
    ));
    let Error::Answers(v) = &e else {
        panic!("expected Answers, got {e:?}")
    };
    assert!(
        v.has("ebike_indoor", &AnswerErrorKind::PhotoRequiredOnFail),
        "{v}"
    );
    assert_eq!(snapshot(s), before);

    // Photos referenced but not on the device: in an answer, in a signature, as evidence.
    let mut unknown_site = pass.clone();
    unknown_site.insert("site_photos".into(), json!([UNKNOWN_HASH]));
    let mut unknown_sig = pass.clone();
    unknown_sig.insert("landlord_signature".into(), json!(UNKNOWN_HASH));
    let mut unknown_evidence = pass.clone();
    unknown_evidence.insert("ebike_indoor".into(), json!("yes"));
    let evidence: ItemPhotos =
        [("ebike_indoor".to_string(), vec![UNKNOWN_HASH.to_string()])].into();
    for (what, a, p) in [
        ("site photo", &unknown_site, &ItemPhotos::new()),
        ("signature", &unknown_sig, &ItemPhotos::new()),
        ("evidence", &unknown_evidence, &evidence),
    ] {
        let e = err(s.record_inspection(&new_inspection(A501, None), a, p, None));
        assert!(
            matches!(&e, Error::NotFound { what: "photo", .. }),
            "{what}: {e:?}"
        );
        assert_eq!(snapshot(s), before, "{what}");
    }

    // Outside the device's grid, or at an unknown address.
    let e = err(s.record_inspection(
        &new_inspection(OUT_OF_SCOPE, None),
        &pass,
        &pass_photos,
        None,
    ));
    assert!(matches!(e, Error::NotPermitted(_)), "{e:?}");
    let e = err(s.record_inspection(
        &new_inspection("no-such-address", None),
        &pass,
        &pass_photos,
        None,
    ));
    assert!(
        matches!(
            e,
            Error::NotFound {
                what: "address",
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(s.record_inspection(
        &NewInspection {
            template_id: "no_such".into(),
            ..new_inspection(A501, None)
        },
        &pass,
        &pass_photos,
        None,
    ));
    assert!(
        matches!(
            e,
            Error::NotFound {
                what: "template",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(snapshot(s), before);
}

#[test]
fn draft_inspection_is_saved_in_sittings_and_submitted_once() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let (full, photos) = fixture_answers(s, "fire_safety_pass.json");
    let id = s.start_inspection(&new_inspection(A501, None)).unwrap();
    let draft = s.inspection(&id).unwrap();
    assert_eq!(draft.review_status, ReviewStatus::Draft);
    assert!(draft.answers.is_empty());
    assert_eq!(s.inspections(Some(ReviewStatus::Draft)).unwrap().len(), 1);
    // A draft is not sent anywhere.
    assert_eq!(s.outbox_len().unwrap(), 0);

    // First sitting: half the form.
    let partial: Answers = full
        .iter()
        .take(6)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    f.clock.advance(5 * MINUTE);
    s.save_answers(&id, &partial, &ItemPhotos::new()).unwrap();
    assert_eq!(s.inspection(&id).unwrap().answers, partial);
    assert_eq!(s.outbox_len().unwrap(), 0);

    // A type error is refused even in a draft, and the saved answers stay.
    let mut wrong = partial.clone();
    wrong.insert("occupant_count".into(), json!("四个"));
    assert!(matches!(
        err(s.save_answers(&id, &wrong, &ItemPhotos::new())),
        Error::Answers(_)
    ));
    // So is evidence that is not on the device.
    let evidence: ItemPhotos =
        [("ebike_indoor".to_string(), vec![UNKNOWN_HASH.to_string()])].into();
    assert!(matches!(
        err(s.save_answers(&id, &partial, &evidence)),
        Error::NotFound { what: "photo", .. }
    ));
    assert_eq!(s.inspection(&id).unwrap().answers, partial);

    // Submitting half a form fails with the missing items, and changes nothing.
    let before = snapshot(s);
    let e = err(s.submit_inspection(&id, None));
    let Error::Answers(v) = &e else {
        panic!("expected Answers, got {e:?}")
    };
    assert!(
        v.has("landlord_signature", &AnswerErrorKind::MissingRequired),
        "{v}"
    );
    assert_eq!(snapshot(s), before);
    assert_eq!(
        s.inspection(&id).unwrap().review_status,
        ReviewStatus::Draft
    );

    // Second sitting, then submit.
    f.clock.advance(5 * MINUTE);
    s.save_answers(&id, &full, &photos).unwrap();
    let loc = GeoPoint {
        lat: 31.0,
        lon: 121.0,
    };
    let out = s.submit_inspection(&id, Some(loc)).unwrap();
    assert_eq!(out.inspection_id, id);
    assert!(out.evaluation.passed && !out.evaluation.vetoed);
    assert_eq!(out.evaluation.score, 100);
    assert!(out.hazards_raised.is_empty());
    let done = s.inspection(&id).unwrap();
    assert_eq!(done.review_status, ReviewStatus::Submitted);
    assert_eq!(done.answers, full);
    assert_eq!(done.location, Some(loc));
    assert_eq!(done.started_at, T0);
    assert_eq!(done.finished_at, Some(T0 + 10 * MINUTE));
    let ob = outbox(s);
    assert_eq!(ob.len(), 1);
    assert!(
        matches!(&ob[0].op, Op::InspectionSubmit { inspection } if inspection.id == id && inspection.answers == full)
    );

    // Once submitted, it is neither edited nor submitted again.
    let before = snapshot(s);
    assert!(matches!(
        err(s.submit_inspection(&id, None)),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.save_answers(&id, &partial, &ItemPhotos::new())),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.submit_inspection("no-such-id", None)),
        Error::NotFound { .. }
    ));
    assert_eq!(snapshot(s), before);
}

// =====================================================================================
// 5. Template versions
// =====================================================================================

/// v2 of the rental checklist: v1 plus a required CO-alarm item.
fn rental_v2(v1: &ChecklistTemplate) -> ChecklistTemplate {
    let mut j: Value = serde_json::from_str(&v1.to_json()).unwrap();
    j["version"] = json!(2);
    let sections = j["sections"].as_array_mut().unwrap();
    sections[0]["items"].as_array_mut().unwrap().push(json!({
        "id": "co_alarm",
        "label": {"zh": "是否安装一氧化碳报警器", "en": "CO alarm installed?"},
        "type": "yes_no_na",
        "required": true
    }));
    ChecklistTemplate::from_json(&j.to_string()).unwrap()
}

#[test]
fn an_inspection_keeps_the_template_version_it_started_on() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let v1 = s.template(RENTAL, Some(1)).unwrap();
    assert_eq!(s.template(RENTAL, None).unwrap().version, 1);
    let v2 = rental_v2(&v1);
    s.add_template(&v2).unwrap();
    assert_eq!(s.template(RENTAL, None).unwrap(), v2);
    assert_eq!(s.template(RENTAL, Some(1)).unwrap(), v1);
    let versions: Vec<u32> = s
        .templates()
        .unwrap()
        .iter()
        .filter(|t| t.id == RENTAL)
        .map(|t| t.version)
        .collect();
    assert_eq!(versions, [1, 2]);

    let (answers, photos) = fixture_answers(s, "fire_safety_pass.json");

    // Started on v1 (explicitly), finished after v2 arrived: judged by v1.
    let old = s.start_inspection(&new_inspection(A501, Some(1))).unwrap();
    s.save_answers(&old, &answers, &photos).unwrap();
    let out = s.submit_inspection(&old, None).unwrap();
    assert!(out.evaluation.passed);
    assert_eq!(s.inspection(&old).unwrap().template_version, 1);
    // The v2-only item does not even exist for a v1 inspection.
    let mut with_co = answers.clone();
    with_co.insert("co_alarm".into(), json!("yes"));
    let e = err(s.record_inspection(&new_inspection(A501, Some(1)), &with_co, &photos, None));
    assert!(
        matches!(&e, Error::Answers(v) if v.has("co_alarm", &AnswerErrorKind::UnknownItem)),
        "{e:?}"
    );

    // A new inspection with no version uses the newest: v2 demands its new item.
    let e = err(s.record_inspection(&new_inspection(A502, None), &answers, &photos, None));
    assert!(
        matches!(&e, Error::Answers(v) if v.has("co_alarm", &AnswerErrorKind::MissingRequired)),
        "{e:?}"
    );
    let out = s
        .record_inspection(&new_inspection(A502, None), &with_co, &photos, None)
        .unwrap();
    assert_eq!(
        s.inspection(&out.inspection_id).unwrap().template_version,
        2
    );

    // A draft started without a version is pinned to the version current at start.
    let d = s.start_inspection(&new_inspection(A101, None)).unwrap();
    assert_eq!(s.inspection(&d).unwrap().template_version, 2);

    // Stored versions are immutable: a different body under version 2 is ignored.
    let mut tampered = v2.clone();
    tampered.pass_score = 10;
    s.add_template(&tampered).unwrap();
    assert_eq!(s.template(RENTAL, Some(2)).unwrap(), v2);
    // An invalid template is refused.
    let mut broken = v2.clone();
    broken.version = 3;
    broken.pass_score = broken.total_score + 1;
    assert!(matches!(err(s.add_template(&broken)), Error::Template(_)));
    assert_eq!(s.template(RENTAL, None).unwrap().version, 2);
    // An unknown version is not found, not silently replaced by another.
    assert!(matches!(
        err(s.start_inspection(&new_inspection(A501, Some(9)))),
        Error::NotFound {
            what: "template",
            ..
        }
    ));
}

// =====================================================================================
// 6. Hazard lifecycle
// =====================================================================================

fn new_hazard(s: &Store, photos: Vec<String>) -> String {
    s.create_hazard(&NewHazard {
        address_code: A501.into(),
        category: "fire.escape_blocked".into(),
        severity: Severity::High,
        description: "楼道堆放纸箱，堵塞疏散通道".into(),
        photos,
        deadline: None,
    })
    .unwrap()
}

fn step(
    s: &Store,
    id: &str,
    action: HazardAction,
    input: StepInput,
) -> gridfield_core::Result<HazardStatus> {
    s.hazard_step(id, action, &input)
}

fn note(n: &str) -> StepInput {
    StepInput {
        note: Some(n.into()),
        ..Default::default()
    }
}

fn assign(to: &str, deadline: i64) -> StepInput {
    StepInput {
        assignee: Some(to.into()),
        deadline: Some(deadline),
        note: Some("限期整改".into()),
        photos: vec![],
    }
}

#[test]
fn worker_takes_field_steps_and_nothing_more() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let before_photo = photo(s, "ebike.png");
    let after_photo = photo(s, "site.png");
    let id = new_hazard(s, vec![before_photo.clone()]);
    let created = s.hazard(&id).unwrap().hazard;
    assert_eq!(created.status, HazardStatus::Reported);
    assert_eq!(created.reported_by, "u-worker");

    let deadline = T0 + 3 * DAY;
    f.clock.advance(MINUTE);
    assert_eq!(
        step(s, &id, HazardAction::Assign, assign("李师傅", deadline)).unwrap(),
        HazardStatus::Assigned
    );
    f.clock.advance(MINUTE);
    assert_eq!(
        step(
            s,
            &id,
            HazardAction::StartRectification,
            StepInput::default()
        )
        .unwrap(),
        HazardStatus::Rectifying
    );
    f.clock.advance(MINUTE);
    let fixed = StepInput {
        note: Some("已清理".into()),
        photos: vec![after_photo.clone()],
        ..Default::default()
    };
    assert_eq!(
        step(s, &id, HazardAction::MarkRectified, fixed).unwrap(),
        HazardStatus::Rectified
    );

    let h = s.hazard(&id).unwrap();
    assert_eq!(h.hazard.status, HazardStatus::Rectified);
    // Assignee and deadline set at assignment survive later steps that do not set them.
    assert_eq!(h.hazard.assignee.as_deref(), Some("李师傅"));
    assert_eq!(h.hazard.deadline, Some(deadline));

    // Verifying is a supervisor's decision.
    let before = snapshot(s);
    let e = err(step(s, &id, HazardAction::Verify, note("看过了")));
    assert!(
        matches!(
            e,
            Error::Transition(TransitionError::NotPermitted {
                role: Role::Worker,
                action: HazardAction::Verify
            })
        ),
        "{e:?}"
    );
    assert!(e.message(Lang::Zh).contains("网格员"));
    assert_eq!(snapshot(s), before);

    // Steps that are impossible from the current state change nothing.
    let fresh = new_hazard(s, vec![]);
    let before = snapshot(s);
    for action in [
        HazardAction::StartRectification,
        HazardAction::MarkRectified,
    ] {
        let e = err(step(s, &fresh, action, StepInput::default()));
        assert!(
            matches!(e, Error::Transition(TransitionError::NotFromState { from: HazardStatus::Reported, action: a }) if a == action),
            "{action:?}: {e:?}"
        );
    }
    // Assigning needs someone to assign to, and a deadline not in the past.
    let e = err(step(s, &fresh, HazardAction::Assign, StepInput::default()));
    assert!(
        matches!(e, Error::Transition(TransitionError::Missing("assignee"))),
        "{e:?}"
    );
    let e = err(step(
        s,
        &fresh,
        HazardAction::Assign,
        assign("李师傅", T0 - DAY),
    ));
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    // Evidence photos must be on the device.
    let e = err(step(
        s,
        &fresh,
        HazardAction::Assign,
        StepInput {
            photos: vec![UNKNOWN_HASH.into()],
            ..assign("王师傅", T0 + DAY)
        },
    ));
    assert!(matches!(e, Error::NotFound { what: "photo", .. }), "{e:?}");
    assert!(matches!(
        err(step(
            s,
            "no-such-hazard",
            HazardAction::Assign,
            assign("x", T0 + DAY)
        )),
        Error::NotFound { .. }
    ));
    assert_eq!(snapshot(s), before);
    assert_eq!(s.hazard(&fresh).unwrap().events.len(), 1);

    // The record of what happened: every step, by whom, from which device.
    let ev = s.hazard(&id).unwrap().events;
    let actions: Vec<Option<HazardAction>> = ev.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            None,
            Some(HazardAction::Assign),
            Some(HazardAction::StartRectification),
            Some(HazardAction::MarkRectified)
        ]
    );
    for e in &ev {
        assert_eq!(e.actor, "u-worker");
        assert_eq!(e.device_id, "dev-worker-01");
        assert_eq!(e.hazard_id, id);
    }
    assert_eq!(ev[0].photos, vec![before_photo]);
    assert_eq!(ev[1].assignee.as_deref(), Some("李师傅"));
    assert_eq!(ev[1].deadline, Some(deadline));
    assert_eq!(ev[1].note.as_deref(), Some("限期整改"));
    assert_eq!(ev[3].note.as_deref(), Some("已清理"));
    assert_eq!(ev[3].photos, vec![after_photo]);
    assert_eq!(
        ev.iter().map(|e| e.at).collect::<Vec<_>>(),
        [T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]
    );
}

#[test]
fn supervisor_runs_the_whole_lifecycle_and_every_step_is_recorded() {
    // A separate device and data dir, with the same reference data imported.
    let f = fixture_store(Role::Supervisor);
    let s = &f.store;
    let p1 = photo(s, "ebike.png");
    let p2 = photo(s, "site.png");
    let id = new_hazard(s, vec![]);
    let base_outbox = s.outbox_len().unwrap();

    // Impossible from reported, even for a supervisor.
    let before = snapshot(s);
    let e = err(step(s, &id, HazardAction::Close, note("直接销号")));
    assert!(
        matches!(
            e,
            Error::Transition(TransitionError::NotFromState {
                from: HazardStatus::Reported,
                action: HazardAction::Close
            })
        ),
        "{e:?}"
    );
    assert!(e.message(Lang::Zh).contains("已上报"));
    assert_eq!(snapshot(s), before);

    use HazardAction as A;
    use HazardStatus as S;
    let plan: Vec<(A, StepInput, S)> = vec![
        (A::Assign, assign("物业刘经理", T0 + 7 * DAY), S::Assigned),
        (A::StartRectification, StepInput::default(), S::Rectifying),
        (
            A::MarkRectified,
            StepInput {
                photos: vec![p1.clone()],
                ..note("已移走一半")
            },
            S::Rectified,
        ),
        (A::RejectRectification, note("仍有杂物"), S::Rectifying),
        (
            A::MarkRectified,
            StepInput {
                photos: vec![p2.clone()],
                ..note("全部清理")
            },
            S::Rectified,
        ),
        (A::Verify, note("现场复核通过"), S::Verified),
        (A::Close, StepInput::default(), S::Closed),
    ];
    for (action, input, want) in &plan {
        f.clock.advance(MINUTE);
        assert_eq!(
            step(s, &id, *action, input.clone()).unwrap(),
            *want,
            "{action:?}"
        );
    }
    assert_eq!(s.hazard(&id).unwrap().hazard.status, S::Closed);

    // Reopening needs a reason.
    let before = snapshot(s);
    let e = err(step(s, &id, A::Reopen, StepInput::default()));
    assert!(
        matches!(e, Error::Transition(TransitionError::Missing("note"))),
        "{e:?}"
    );
    assert!(e.message(Lang::Zh).contains("说明"));
    let e = err(step(s, &id, A::Reopen, note("   ")));
    assert!(
        matches!(e, Error::Transition(TransitionError::Missing("note"))),
        "{e:?}"
    );
    assert_eq!(snapshot(s), before);
    f.clock.advance(MINUTE);
    assert_eq!(
        step(s, &id, A::Reopen, note("群众再次反映")).unwrap(),
        S::Assigned
    );

    let d = s.hazard(&id).unwrap();
    assert_eq!(d.hazard.status, S::Assigned);
    let ev = &d.events;
    assert_eq!(ev.len(), 1 + plan.len() + 1);
    // Each event starts where the previous one ended.
    assert_eq!(ev[0].from_status, None);
    for w in ev.windows(2) {
        assert_eq!(w[1].from_status, Some(w[0].to_status));
    }
    for (e, (action, input, to)) in ev[1..].iter().zip(&plan) {
        assert_eq!(e.action, Some(*action));
        assert_eq!(e.to_status, *to);
        assert_eq!(e.note, input.note);
        assert_eq!(e.photos, input.photos);
        assert_eq!(e.assignee, input.assignee);
        assert_eq!(e.deadline, input.deadline);
    }
    assert_eq!(ev.last().unwrap().note.as_deref(), Some("群众再次反映"));
    for e in ev {
        assert_eq!(
            (e.actor.as_str(), e.device_id.as_str()),
            ("u-supervisor", "dev-supervisor-01")
        );
    }

    // The outbox carries one step per event, matching it exactly.
    let steps: Vec<OutboxEntry> = outbox(s).into_iter().skip(base_outbox as usize).collect();
    assert_eq!(steps.len(), ev.len() - 1);
    for (o, e) in steps.iter().zip(&ev[1..]) {
        assert_eq!(o.entity_id, id);
        match &o.op {
            Op::HazardStep {
                event_id,
                action,
                from,
                input,
                at,
            } => {
                assert_eq!(event_id, &e.id);
                assert_eq!(Some(*action), e.action);
                assert_eq!(Some(*from), e.from_status);
                assert_eq!(input.note, e.note);
                assert_eq!(input.photos, e.photos);
                assert_eq!(*at, e.at);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn overdue_is_past_deadline_and_not_closed() {
    let f = fixture_store(Role::Supervisor);
    let s = &f.store;
    let open = new_hazard(s, vec![]);
    let closed = new_hazard(s, vec![]);
    let no_deadline = new_hazard(s, vec![]);
    for id in [&open, &closed] {
        step(s, id, HazardAction::Assign, assign("李师傅", T0 + DAY)).unwrap();
    }
    for a in [
        HazardAction::MarkRectified,
        HazardAction::Verify,
        HazardAction::Close,
    ] {
        step(s, &closed, a, StepInput::default()).unwrap();
    }
    let overdue_only = HazardFilter {
        overdue_only: true,
        ..Default::default()
    };
    let ids = |filter: &HazardFilter| -> BTreeSet<String> {
        s.hazards(filter)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect()
    };

    // Before the deadline nothing is overdue.
    assert!(ids(&overdue_only).is_empty());
    assert!(!s.hazard(&open).unwrap().hazard.overdue);

    // Exactly at the deadline: not yet.
    f.clock.set(T0 + DAY);
    assert!(ids(&overdue_only).is_empty());

    // Two days later: the open one is overdue, the closed one and the one without a deadline are not.
    f.clock.set(T0 + 2 * DAY);
    assert!(s.hazard(&open).unwrap().hazard.overdue);
    assert!(!s.hazard(&closed).unwrap().hazard.overdue);
    assert!(!s.hazard(&no_deadline).unwrap().hazard.overdue);
    assert_eq!(ids(&overdue_only), set(&[open.as_str()]));
    let all = s.hazards(&HazardFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all.iter().filter(|h| h.overdue).count(), 1);
    // Other filters agree.
    assert_eq!(
        ids(&HazardFilter {
            open_only: true,
            ..Default::default()
        }),
        set(&[open.as_str(), no_deadline.as_str()])
    );
    assert_eq!(
        ids(&HazardFilter {
            status: Some(HazardStatus::Closed),
            ..Default::default()
        }),
        set(&[closed.as_str()])
    );
    assert_eq!(
        ids(&HazardFilter {
            address_code: Some(A502.into()),
            ..Default::default()
        }),
        set(&[])
    );
    assert_eq!(
        ids(&HazardFilter {
            address_code: Some("x' OR '1'='1".into()),
            ..Default::default()
        }),
        set(&[])
    );
    assert_eq!(
        s.hazards(&HazardFilter {
            limit: Some(2),
            ..Default::default()
        })
        .unwrap()
        .len(),
        2
    );
    // The address view computes overdue the same way.
    let view = s.address_view(A501).unwrap();
    assert_eq!(
        view.hazards
            .iter()
            .filter(|h| h.overdue)
            .map(|h| h.id.clone())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&open)
    );

    // Re-assigning with a new deadline clears it.
    step(
        s,
        &open,
        HazardAction::Assign,
        assign("王师傅", T0 + 5 * DAY),
    )
    .unwrap();
    assert!(!s.hazard(&open).unwrap().hazard.overdue);
    assert!(ids(&overdue_only).is_empty());
}

// =====================================================================================
// 7. Photos
// =====================================================================================

#[test]
fn photos_are_checked_and_stored_once() {
    let mut f = fixture_store(Role::Worker);
    let ebike = std::fs::read(fixture_path("ebike.png")).unwrap();
    assert!(ebike.len() > 50);
    f.store.set_max_photo_bytes(50);
    let photo_dir = f.path().join(PHOTO_DIR);

    for e in [
        err(f.store.add_photo_file(&fixture_path("ebike.png"))),
        err(f.store.add_photo(&ebike)),
    ] {
        assert!(
            matches!(e, Error::Photo(PhotoError::TooLarge { size, limit: 50 }) if size == ebike.len() as u64),
            "{e:?}"
        );
        assert_eq!(e.code(), "photo_too_large");
        let zh = e.message(Lang::Zh);
        assert!(zh.contains("MB") && zh.contains("照片过大"), "{zh}");
    }
    assert!(f.store.pending_photos().unwrap().is_empty());
    assert!(
        files_under(f.path())
            .keys()
            .all(|p| !p.starts_with(&photo_dir)),
        "a refused photo was written"
    );

    f.store.set_max_photo_bytes(10 * 1024 * 1024);
    let e = err(f
        .store
        .add_photo(b"GIF89a? no: just some text pretending to be a photo"));
    assert!(
        matches!(e, Error::Photo(PhotoError::UnsupportedType)),
        "{e:?}"
    );
    assert_eq!(e.code(), "photo_unsupported");
    // The file name is not trusted either: a text file called .png is still text.
    let fake = f.path().join("fake.png");
    std::fs::write(&fake, "not a png").unwrap();
    assert!(matches!(
        err(f.store.add_photo_file(&fake)),
        Error::Photo(PhotoError::UnsupportedType)
    ));
    std::fs::remove_file(&fake).unwrap();
    assert!(matches!(
        err(f.store.add_photo(b"")),
        Error::Photo(PhotoError::Empty)
    ));
    assert!(f.store.pending_photos().unwrap().is_empty());

    // Same bytes twice (from memory and from a file): one hash, one file, one row.
    let a = f.store.add_photo(&ebike).unwrap();
    let b = f.store.add_photo_file(&fixture_path("ebike.png")).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.mime, "image/png");
    assert_eq!(a.size, ebike.len() as u64);
    use sha2::Digest;
    assert_eq!(a.hash, hex::encode(sha2::Sha256::digest(&ebike)));
    let stored: Vec<_> = files_under(&photo_dir).into_iter().collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].1, ebike);
    assert!(stored[0].0.ends_with(&a.hash));
    assert_eq!(f.store.photos().get(&a.hash).unwrap(), ebike);
    assert_eq!(f.store.pending_photos().unwrap(), vec![a.clone()]);

    // A different photo is a different file.
    let site = f.store.add_photo_file(&fixture_path("site.png")).unwrap();
    assert_ne!(site.hash, a.hash);
    assert_eq!(files_under(&photo_dir).len(), 2);
    assert_eq!(f.store.pending_photos().unwrap().len(), 2);
}

// =====================================================================================
// 8. Volunteers
// =====================================================================================

fn entity(kind: EntityKind, pairs: &[(&str, Value)]) -> Entity {
    Entity {
        kind,
        id: format!("{}-1", kind.as_str()),
        address_code: A501.into(),
        fields: fields(pairs),
        deleted: false,
        updated_at: T0,
    }
}

#[test]
fn volunteer_redaction_of_entities() {
    let hh = entity(
        EntityKind::Household,
        &[("head_name", json!("王秀英")), ("members", json!(2))],
    );
    let person = entity(
        EntityKind::Person,
        &[
            ("name", json!("王秀英")),
            ("id_number", json!("320583195001011234")),
        ],
    );
    let rental = entity(
        EntityKind::RentalUnit,
        &[
            ("rooms", json!(3)),
            ("landlord_phone", json!("13900000000")),
        ],
    );
    let shop = entity(
        EntityKind::Business,
        &[
            ("name", json!("便民超市")),
            ("kind", json!("shop")),
            ("contact_name", json!("陈老板")),
            ("contact_phone", json!("13700000000")),
        ],
    );
    for e in [&hh, &person, &rental] {
        assert_eq!(e.redacted_for(Role::Volunteer), None, "{:?}", e.kind);
        for r in [Role::Worker, Role::Supervisor, Role::Admin] {
            assert_eq!(e.redacted_for(r).as_ref(), Some(e));
        }
    }
    let seen = shop.redacted_for(Role::Volunteer).unwrap();
    assert_eq!(
        seen.fields
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        BTreeSet::from(["kind", "name"])
    );
    assert_eq!(seen.id, shop.id);
    assert_eq!(shop.redacted_for(Role::Worker).unwrap(), shop);
}

/// Rows that reached the device by sync, inserted the way sync writes them.
fn insert_synced_entities(s: &Store) {
    s.write(|t| {
        t.tx.execute_batch(&format!(
            "INSERT INTO households (id, address_code, head_name, phone, members, updated_at)
               VALUES ('hh1', '{A501}', '王秀英', '13812345678', 2, 0);
             INSERT INTO persons (id, address_code, household_id, name, id_number, updated_at)
               VALUES ('p1', '{A501}', 'hh1', '王秀英', '320583195001011234', 0);
             INSERT INTO rental_units (id, address_code, landlord_name, rooms, updated_at)
               VALUES ('r1', '{A501}', '赵房东', 3, 0);
             INSERT INTO businesses (id, address_code, name, kind, contact_name, contact_phone, updated_at)
               VALUES ('b1', '{A501}', '便民超市', 'shop', '陈老板', '13700000000', 0);"
        ))?;
        Ok(())
    })
    .unwrap();
}

#[test]
fn volunteer_sees_no_residents_and_cannot_edit() {
    // Control: a worker device with the same rows sees all four.
    let w = fixture_store(Role::Worker);
    insert_synced_entities(&w.store);
    let wv = w.store.address_view(A501).unwrap();
    assert_eq!(wv.entities.len(), 4);

    let f = fixture_store(Role::Volunteer);
    let s = &f.store;
    insert_synced_entities(s);
    let view = s.address_view(A501).unwrap();
    assert_eq!(view.entities.len(), 1, "{:?}", view.entities);
    let shop = &view.entities[0];
    assert_eq!(shop.kind, EntityKind::Business);
    assert_eq!(shop.fields.get("name"), Some(&json!("便民超市")));
    assert!(
        !shop.fields.contains_key("contact_name") && !shop.fields.contains_key("contact_phone")
    );
    // Nothing personal anywhere in what the view serialises to.
    let text = serde_json::to_string(&view).unwrap();
    for secret in [
        "王秀英",
        "13812345678",
        "320583195001011234",
        "赵房东",
        "陈老板",
        "13700000000",
    ] {
        assert!(!text.contains(secret), "volunteer view leaks {secret}");
    }
    // Direct reads are redacted too.
    assert_eq!(s.entity(EntityKind::Household, "hh1").unwrap(), None);
    assert_eq!(s.entity(EntityKind::Person, "p1").unwrap(), None);
    assert_eq!(s.entity(EntityKind::RentalUnit, "r1").unwrap(), None);
    assert!(
        !s.entity(EntityKind::Business, "b1")
            .unwrap()
            .unwrap()
            .fields
            .contains_key("contact_phone")
    );

    // A volunteer may not edit entities, inspect, or raise hazards directly.
    let before = snapshot(s);
    let e = err(s.put_entity(
        EntityKind::Household,
        None,
        Some(A501),
        &fields(&[("members", json!(3))]),
    ));
    assert!(matches!(e, Error::NotPermitted(_)), "{e:?}");
    assert!(matches!(
        err(s.put_entity(
            EntityKind::Business,
            Some("b1"),
            None,
            &fields(&[("name", json!("x"))])
        )),
        Error::NotPermitted(_)
    ));
    assert!(matches!(
        err(s.record_inspection(
            &new_inspection(A501, None),
            &Answers::new(),
            &ItemPhotos::new(),
            None
        )),
        Error::NotPermitted(_)
    ));
    assert!(matches!(
        err(s.start_inspection(&new_inspection(A501, None))),
        Error::NotPermitted(_)
    ));
    let nh = NewHazard {
        address_code: A501.into(),
        category: "fire.escape_blocked".into(),
        severity: Severity::Low,
        description: "杂物".into(),
        photos: vec![],
        deadline: None,
    };
    assert!(matches!(err(s.create_hazard(&nh)), Error::NotPermitted(_)));
    assert_eq!(snapshot(s), before);
}

#[test]
fn volunteer_reports_anywhere_and_earns_points_only_when_accepted() {
    let v = vectors();
    let f = fixture_store(Role::Volunteer);
    let s = &f.store;
    let pic = photo(s, "site.png");
    // A plate scanned outside the device's data: the report carries the plate's text.
    let far = &v.valid[2].plate;
    assert!(s.address(&far.address_code).unwrap().is_none());
    let id = s
        .file_report(&NewReport {
            address_code: far.address_code.clone(),
            address_text: Some(far.address_text.clone()),
            text: "商铺门口电动车充电，飞线".into(),
            photos: vec![pic.clone()],
        })
        .unwrap();
    let r = s
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(r.address_text, far.address_text);
    assert_eq!(r.status, ReportStatus::Pending);
    assert_eq!(r.points, 0);
    assert_eq!(r.photos, vec![pic.clone()]);
    assert_eq!(
        (r.reporter.as_str(), r.device_id.as_str()),
        ("u-volunteer", "dev-volunteer-01")
    );
    let ob = outbox(s);
    assert!(matches!(&ob.last().unwrap().op, Op::ReportCreate { report } if **report == r));

    // For a local address, the device's own text wins over whatever was passed.
    let local = s
        .file_report(&NewReport {
            address_code: A501.into(),
            address_text: Some("随便写的地址".into()),
            text: "楼道灯坏了".into(),
            photos: vec![],
        })
        .unwrap();
    let lr = s
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == local)
        .unwrap();
    assert_eq!(lr.address_text, full_text_of(A501));
    assert_eq!(s.address_view(A501).unwrap().reports.len(), 1);

    // Refused, with nothing written: unknown address without text, empty text, unknown photo.
    let before = snapshot(s);
    let base = NewReport {
        address_code: "nowhere".into(),
        address_text: None,
        text: "有问题".into(),
        photos: vec![],
    };
    assert!(matches!(
        err(s.file_report(&base)),
        Error::NotFound {
            what: "address",
            ..
        }
    ));
    assert!(matches!(
        err(s.file_report(&NewReport {
            address_text: Some("  ".into()),
            ..base.clone()
        })),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        err(s.file_report(&NewReport {
            text: "  ".into(),
            address_code: A501.into(),
            ..base.clone()
        })),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.file_report(&NewReport {
            text: "长".repeat(2001),
            address_code: A501.into(),
            ..base.clone()
        })),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.file_report(&NewReport {
            address_code: A501.into(),
            photos: vec![UNKNOWN_HASH.into()],
            ..base.clone()
        })),
        Error::NotFound { what: "photo", .. }
    ));
    assert_eq!(snapshot(s), before);

    // Pending reports earn nothing.
    assert_eq!(s.points().unwrap(), 0);
    // Once the server accepts one (arriving by sync), its points count — and only its.
    s.write(|t| {
        t.tx.execute(
            "UPDATE reports SET status = 'accepted', points = 5 WHERE id = ?1",
            [&id],
        )?;
        t.tx.execute("UPDATE reports SET points = 3 WHERE id = ?1", [&local])?;
        Ok(())
    })
    .unwrap();
    assert_eq!(s.points().unwrap(), 5);
}

// =====================================================================================
// 9. Entity edits
// =====================================================================================

fn last_upsert(s: &Store) -> (OutboxEntry, Map<String, Value>) {
    let e = outbox(s).pop().unwrap();
    match &e.op {
        Op::EntityUpsert { fields, .. } => {
            let f = fields.clone();
            (e, f)
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn edits_queue_only_changed_fields() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let created = fields(&[
        ("head_name", json!("王秀英")),
        ("phone", json!("13812345678")),
        ("members", json!(3)),
        ("residency", json!("registered")),
    ]);
    let id = s
        .put_entity(EntityKind::Household, None, Some(A501), &created)
        .unwrap();
    let (e, queued) = last_upsert(s);
    assert_eq!(
        (e.entity.as_str(), e.entity_id.as_str()),
        ("household", id.as_str())
    );
    assert!(
        matches!(&e.op, Op::EntityUpsert { kind: EntityKind::Household, address_code, .. } if address_code == A501)
    );
    assert_eq!(queued, created);
    assert_eq!(s.outbox_len().unwrap(), 1);

    // Same head_name, members as the text "3" (normalised to the same number), new phone.
    f.clock.advance(MINUTE);
    let upd = fields(&[
        ("head_name", json!("王秀英")),
        ("members", json!("3")),
        ("phone", json!("13900001111")),
    ]);
    assert_eq!(
        s.put_entity(EntityKind::Household, Some(&id), None, &upd)
            .unwrap(),
        id
    );
    let (_, queued) = last_upsert(s);
    assert_eq!(queued, fields(&[("phone", json!("13900001111"))]));
    assert_eq!(s.outbox_len().unwrap(), 2);
    let now = s.entity(EntityKind::Household, &id).unwrap().unwrap();
    assert_eq!(now.fields["phone"], json!("13900001111"));
    assert_eq!(now.fields["members"], json!(3));
    assert_eq!(now.fields["head_name"], json!("王秀英"));
    assert_eq!(now.updated_at, T0 + MINUTE);

    // Putting what is already there queues nothing and writes nothing.
    let before = snapshot(s);
    s.put_entity(EntityKind::Household, Some(&id), Some(A501), &upd)
        .unwrap();
    s.put_entity(
        EntityKind::Household,
        Some(&id),
        None,
        &fields(&[("note", Value::Null)]),
    )
    .unwrap();
    s.put_entity(EntityKind::Household, Some(&id), None, &Map::new())
        .unwrap();
    assert_eq!(snapshot(s), before);

    // Clearing a field is a change, queued as null.
    s.put_entity(
        EntityKind::Household,
        Some(&id),
        None,
        &fields(&[("phone", Value::Null)]),
    )
    .unwrap();
    let (_, queued) = last_upsert(s);
    assert_eq!(queued, fields(&[("phone", Value::Null)]));
    assert!(
        !s.entity(EntityKind::Household, &id)
            .unwrap()
            .unwrap()
            .fields
            .contains_key("phone")
    );

    // A reference to an entity that exists is accepted.
    let p = s
        .put_entity(
            EntityKind::Person,
            None,
            Some(A501),
            &fields(&[("household_id", json!(id)), ("name", json!("李小明"))]),
        )
        .unwrap();
    assert_eq!(
        s.entity(EntityKind::Person, &p).unwrap().unwrap().fields["household_id"],
        json!(id)
    );
}

#[test]
fn bad_entity_values_are_refused_with_nothing_written() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let id = s
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("members", json!(2))]),
        )
        .unwrap();
    let before = snapshot(s);

    let cases: Vec<(&str, Value)> = vec![
        ("members", json!("abc")),
        ("members", json!(-1)),
        ("members", json!(100_001)),
        ("members", json!(2.5)),
        ("members", json!(true)),
        ("residency", json!("alien")),
        ("residency", json!(1)),
        ("moved_in", json!("2024-13-40")),
        ("moved_in", json!("2024-02-30")),
        ("moved_in", json!("2024/01/05")),
        ("head_name", json!("长".repeat(65))),
        ("head_name", json!(12345)),
        ("favourite_colour", json!("red")),
    ];
    for (name, value) in &cases {
        let bad = fields(&[(name, value.clone())]);
        // Both on create and on update, even alongside a good field.
        let mut mixed = bad.clone();
        mixed.insert("phone".into(), json!("13800000000"));
        for r in [
            s.put_entity(EntityKind::Household, None, Some(A501), &bad),
            s.put_entity(EntityKind::Household, Some(&id), None, &bad),
            s.put_entity(EntityKind::Household, Some(&id), None, &mixed),
        ] {
            let e = err(r);
            assert!(
                matches!(&e, Error::Invalid { field, .. } if field == name),
                "{name}={value}: {e:?}"
            );
        }
    }
    assert_eq!(snapshot(s), before);
    // The boundary values themselves are fine.
    s.put_entity(
        EntityKind::Household,
        Some(&id),
        None,
        &fields(&[("members", json!(0)), ("moved_in", json!("2024-02-29"))]),
    )
    .unwrap();
    let before = snapshot(s);

    // Where and what: outside the grid, nowhere, moving, missing ids.
    let ok = fields(&[("members", json!(4))]);
    let e = err(s.put_entity(EntityKind::Household, None, Some(OUT_OF_SCOPE), &ok));
    assert!(matches!(e, Error::NotPermitted(_)), "{e:?}");
    assert!(matches!(
        err(s.put_entity(EntityKind::Household, None, Some("no-such-address"), &ok)),
        Error::NotFound {
            what: "address",
            ..
        }
    ));
    assert!(matches!(
        err(s.put_entity(EntityKind::Household, None, None, &ok)),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.put_entity(EntityKind::Household, Some(&id), Some(A502), &ok)),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        err(s.put_entity(EntityKind::Household, Some("no-such-id"), None, &ok)),
        Error::NotFound { .. }
    ));
    let dangling = fields(&[("household_id", json!("no-such-household"))]);
    assert!(matches!(
        err(s.put_entity(EntityKind::Person, None, Some(A501), &dangling)),
        Error::NotFound {
            what: "household",
            ..
        }
    ));
    assert_eq!(snapshot(s), before);
}

// =====================================================================================
// 10. Surviving a restart
// =====================================================================================

#[test]
fn hlc_keeps_increasing_across_reopen_even_if_the_clock_goes_back() {
    let f = fixture_store(Role::Worker);
    let id = f
        .store
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("members", json!(1))]),
        )
        .unwrap();
    // Many writes in the same millisecond and a few across time.
    for n in 2..40 {
        if n % 10 == 0 {
            f.clock.advance(1);
        }
        f.store
            .put_entity(
                EntityKind::Household,
                Some(&id),
                None,
                &fields(&[("members", json!(n))]),
            )
            .unwrap();
    }
    let hz = new_hazard(&f.store, vec![]);
    step(
        &f.store,
        &hz,
        HazardAction::Assign,
        assign("李师傅", T0 + DAY),
    )
    .unwrap();
    let before: Vec<String> = outbox(&f.store).into_iter().map(|e| e.hlc).collect();
    assert_eq!(before.len(), 41);
    assert!(
        before.windows(2).all(|w| w[0] < w[1]),
        "stamps not strictly increasing: {before:?}"
    );
    let max = before.last().unwrap().clone();

    let f = f.reopen();
    // The phone's clock jumps back a day (manual change, dead RTC battery).
    f.clock.set(T0 - DAY);
    f.store
        .put_entity(
            EntityKind::Household,
            Some(&id),
            None,
            &fields(&[("members", json!(100))]),
        )
        .unwrap();
    f.store
        .put_entity(
            EntityKind::Household,
            Some(&id),
            None,
            &fields(&[("note", json!("回访"))]),
        )
        .unwrap();
    let after: Vec<String> = outbox(&f.store).into_iter().map(|e| e.hlc).collect();
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "reopen changed existing entries"
    );
    let new = &after[before.len()..];
    assert_eq!(new.len(), 2);
    assert!(new[0] > max, "{} does not sort after {max}", new[0]);
    assert!(new[1] > new[0]);
    // Everything else survived too.
    assert_eq!(
        f.store
            .entity(EntityKind::Household, &id)
            .unwrap()
            .unwrap()
            .fields["members"],
        json!(100)
    );
    assert_eq!(
        f.store.hazard(&hz).unwrap().hazard.status,
        HazardStatus::Assigned
    );

    // And once more, with a clock further back still.
    let f = f.reopen();
    f.clock.set(T0 - 30 * DAY);
    f.store
        .put_entity(
            EntityKind::Household,
            Some(&id),
            None,
            &fields(&[("members", json!(101))]),
        )
        .unwrap();
    let last = outbox(&f.store).pop().unwrap().hlc;
    assert!(last > *new.last().unwrap());
}

/// `Store::observe_hlc` promises "later local stamps order after" a remote
/// stamp. That must hold after a restart too, even if no write happened in
/// between (e.g. a pull that brought nothing to apply).
#[test]
fn an_observed_remote_stamp_is_not_forgotten_on_restart() {
    let f = fixture_store(Role::Worker);
    let id = f
        .store
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("members", json!(1))]),
        )
        .unwrap();
    let remote: gridfield_core::hlc::Hlc = format!("{:013}-{:06}-server", T0 + MINUTE, 7)
        .parse()
        .unwrap();
    f.store.observe_hlc(&remote).unwrap();
    let f = f.reopen();
    f.store
        .put_entity(
            EntityKind::Household,
            Some(&id),
            None,
            &fields(&[("members", json!(2))]),
        )
        .unwrap();
    let next = outbox(&f.store).pop().unwrap().hlc;
    assert!(
        next > remote.to_string(),
        "{next} does not sort after observed {remote}"
    );
}

/// Dates are declared `YYYY-MM-DD` and compared as text (moved_in/moved_out), so
/// only the canonical zero-padded form may be stored.
#[test]
fn dates_are_stored_only_in_canonical_form() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let before = snapshot(s);
    let accepted: Vec<&str> = [
        "2024-1-5",
        "24-01-05",
        "2024-01-05 ",
        "+2024-01-05",
        "02024-01-05",
    ]
    .into_iter()
    .filter(|d| {
        s.put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("moved_in", json!(d))]),
        )
        .is_ok()
    })
    .collect();
    assert!(
        accepted.is_empty(),
        "non-canonical dates accepted: {accepted:?}"
    );
    assert_eq!(snapshot(s), before);
}
