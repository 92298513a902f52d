//! Fixtures, plate vectors, stores with a pinned clock and the helpers the
//! store tests share.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use gridfield_core::checklist::{Answers, ItemPhotos};
use gridfield_core::model::{Address, Grid, Role};
use gridfield_core::plate::{IssuerPublicKey, PlateData, PlateIssuer};
use gridfield_core::records::OutboxEntry;
use gridfield_core::store::{DB_FILE, HazardFilter, NewInspection};
use gridfield_core::{DbKey, Error, Identity, Store};
use serde::Deserialize;
use serde_json::{Map, Value};
use tempfile::TempDir;

// ---- fixture data ------------------------------------------------------------------

/// 2026-01-01T00:00:00+08:00-ish; any fixed instant will do.
pub(crate) const T0: i64 = 1_767_225_600_000;
pub(crate) const MINUTE: i64 = 60 * 1000;
pub(crate) const DAY: i64 = 24 * 60 * MINUTE;

/// The device's grid scope: 第三网格. 第四网格 exists locally but is out of scope.
pub(crate) const SCOPE: &str = "320583001003";
pub(crate) const OTHER_GRID: &str = "320583001004";

pub(crate) const A501: &str = "320583-001-0012-03-02-0501";
pub(crate) const A502: &str = "320583-001-0012-03-02-0502";
pub(crate) const A101: &str = "320583-001-0012-03-01-0101";
pub(crate) const A14: &str = "320583-001-0014-01-01-0201";
pub(crate) const SHOP: &str = "320583-001-0033-00-00-0000";
/// 朝阳路8号: on the device, but in 第四网格 (outside scope).
pub(crate) const OUT_OF_SCOPE: &str = "320583-001-0008-02-01-0302";

pub(crate) const RENTAL: &str = "rental_fire_safety";

pub(crate) fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub(crate) fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The fixture CSVs have no quoted fields, so a plain split is an honest parser.
pub(crate) fn csv_rows(name: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(fixture_path(name)).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|c| c.trim().to_string()).collect())
        .collect()
}

pub(crate) fn fixture_grids() -> Vec<Grid> {
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

pub(crate) fn fixture_addresses() -> Vec<Address> {
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

pub(crate) fn full_text_of(code: &str) -> String {
    fixture_addresses()
        .into_iter()
        .find(|a| a.code == code)
        .unwrap()
        .full_text
}

// ---- plate vectors -----------------------------------------------------------------

#[derive(Deserialize)]
pub(crate) struct Vectors {
    pub(crate) issuer: KeyVector,
    pub(crate) other_issuer: KeyVector,
    pub(crate) valid: Vec<ValidVector>,
    pub(crate) wrapped: Vec<WrappedVector>,
    pub(crate) invalid: Vec<InvalidVector>,
}

#[derive(Deserialize)]
pub(crate) struct KeyVector {
    pub(crate) seed_hex: String,
    pub(crate) public_key_hex: String,
    pub(crate) key_id: String,
}

#[derive(Deserialize)]
pub(crate) struct ValidVector {
    pub(crate) plate: PlateData,
    pub(crate) qr: String,
}

#[derive(Deserialize)]
pub(crate) struct WrappedVector {
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) valid_index: usize,
}

#[derive(Deserialize)]
pub(crate) struct InvalidVector {
    pub(crate) name: String,
    pub(crate) qr: String,
    pub(crate) code: String,
}

pub(crate) fn vectors() -> Vectors {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/plates.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub(crate) fn public_key(k: &KeyVector) -> IssuerPublicKey {
    IssuerPublicKey::from_hex(&k.public_key_hex).unwrap()
}

pub(crate) fn issuer(k: &KeyVector) -> PlateIssuer {
    PlateIssuer::from_seed(hex::decode(&k.seed_hex).unwrap().try_into().unwrap())
}

// ---- stores --------------------------------------------------------------------------

/// A clock the test moves by hand; the store reads it on every operation.
#[derive(Clone)]
pub(crate) struct Clock(Arc<AtomicI64>);

impl Clock {
    pub(crate) fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    pub(crate) fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst)
    }
    pub(crate) fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

pub(crate) struct Fixture {
    // Kept so the directory lives as long as the store.
    pub(crate) dir: TempDir,
    pub(crate) key: DbKey,
    pub(crate) store: Store,
    pub(crate) clock: Clock,
}

impl Fixture {
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Close and re-open the store with the same key (and the same clock).
    pub(crate) fn reopen(self) -> Fixture {
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

pub(crate) fn identity(role: Role) -> Identity {
    Identity {
        device_id: format!("dev-{}-01", role.as_str()),
        user: format!("u-{}", role.as_str()),
        role,
        grid_scope: SCOPE.to_string(),
    }
}

/// A fresh store with no reference data.
pub(crate) fn empty_store(role: Role) -> Fixture {
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
pub(crate) fn fixture_store(role: Role) -> Fixture {
    let f = empty_store(role);
    assert_eq!(f.store.import_grids(&fixture_grids()).unwrap(), 4);
    assert_eq!(f.store.import_addresses(&fixture_addresses()).unwrap(), 6);
    f
}

/// Expect an error; `Store` and friends are not `Debug`, so `unwrap_err` is out.
pub(crate) fn err<T>(r: gridfield_core::Result<T>) -> Error {
    match r {
        Ok(_) => panic!("expected an error, got Ok"),
        Err(e) => e,
    }
}

/// Everything that could be written: the row count of every table, plus the
/// persisted HLC. A refused operation must leave all of it exactly as it was.
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub(crate) outbox: u64,
    pub(crate) audit: u64,
    pub(crate) inspections: usize,
    pub(crate) hazards: usize,
    pub(crate) reports: usize,
    pub(crate) tables: BTreeMap<String, i64>,
    pub(crate) hlc: Option<String>,
}

pub(crate) fn snapshot(s: &Store) -> Snapshot {
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

pub(crate) fn outbox(s: &Store) -> Vec<OutboxEntry> {
    s.outbox(10_000).unwrap()
}

pub(crate) fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

pub(crate) fn new_inspection(address: &str, version: Option<u32>) -> NewInspection {
    NewInspection {
        template_id: RENTAL.into(),
        template_version: version,
        address_code: address.into(),
        ..Default::default()
    }
}

/// Store a fixture PNG and return its hash.
pub(crate) fn photo(s: &Store, name: &str) -> String {
    s.add_photo_file(&fixture_path(name)).unwrap().hash
}

/// Load an answers fixture, storing every PNG it names and replacing the file
/// name with the photo's hash (which is what the phone shell does).
pub(crate) fn fixture_answers(s: &Store, name: &str) -> (Answers, ItemPhotos) {
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
pub(crate) const UNKNOWN_HASH: &str =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// ---- files on disk -----------------------------------------------------------------

pub(crate) fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
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

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// None of `needles` appears in any file of the data dir.
pub(crate) fn assert_not_in_plain_bytes(dir: &Path, needles: &[&str], when: &str) {
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
