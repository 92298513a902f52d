//! The device store: the encrypted SQLite file, the photo folder next to it, and
//! every local operation a grid worker or volunteer performs offline. Each write
//! is one short transaction that saves the data, its outbox entry, its HLC stamp
//! and an audit row together — so nothing is ever half-written.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::checklist::{self, Answers, ChecklistTemplate, Evaluation, ItemPhotos, Severity};
use crate::db::{self, DbKey};
use crate::error::{Error, Result};
use crate::hazard::{self, HazardAction, HazardStatus, StepInput};
use crate::hlc::{Hlc, HlcClock};
use crate::i18n::Lang;
use crate::model::{
    Address, Entity, EntityKind, FieldType, GeoPoint, Grid, ReportStatus, ReviewStatus, Role,
};
use crate::photo::{self, PhotoRef, PhotoStore};
use crate::plate::{self, IssuerPublicKey, PlateData};
use crate::records::{Delivery, Hazard, HazardEvent, Inspection, Op, OutboxEntry, Report};

pub const DB_FILE: &str = "gridfield.db";
pub const PHOTO_DIR: &str = "photos";

/// Who this device is: set at enrollment (or offline init), fixed afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub device_id: String,
    pub user: String,
    pub role: Role,
    /// Root of the grid subtree this device works in.
    pub grid_scope: String,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

type ClockFn = Box<dyn Fn() -> i64 + Send + Sync>;

pub struct Store {
    pub(crate) conn: Mutex<Connection>,
    pub(crate) dir: PathBuf,
    pub(crate) photos: PhotoStore,
    pub(crate) identity: Identity,
    pub(crate) clock: ClockFn,
    pub(crate) hlc: Mutex<HlcClock>,
    /// What this device knows of the server's clock and of its own installation.
    pub(crate) link: crate::link::Link,
}

/// An open write transaction with everything a write needs to record itself.
pub struct Tx<'a> {
    pub tx: Transaction<'a>,
    pub now: i64,
    pub me: &'a Identity,
    hlc: HlcClock,
    /// The clock offset `now` was corrected with.
    offset: i64,
}

impl Tx<'_> {
    pub fn stamp(&mut self) -> Hlc {
        self.hlc.tick(self.now)
    }

    /// Merge a remote stamp (sync), saved with this transaction.
    pub(crate) fn observe(&mut self, remote: &Hlc) {
        self.hlc.observe(remote, self.now);
    }

    pub fn audit(
        &self,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: Option<&Value>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO audit_log (at, actor, device_id, action, entity, entity_id, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                self.now,
                self.me.user,
                self.me.device_id,
                action,
                entity,
                entity_id,
                detail.map(|d| d.to_string())
            ])?;
        Ok(())
    }

    /// Queue an operation for push, stamped with `hlc`.
    pub fn outbox(&self, entity: &str, entity_id: &str, op: &Op, hlc: &Hlc) -> Result<String> {
        let op_id = new_id();
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (op_id, kind, entity, entity_id, payload, hlc, created_at, clock_offset)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                op_id,
                op.type_name(),
                entity,
                entity_id,
                serde_json::to_string(op)?,
                hlc.to_string(),
                self.now,
                self.offset
            ])?;
        Ok(op_id)
    }
}

/// A search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressHit {
    pub code: String,
    pub full_text: String,
    pub plate_serial: Option<String>,
    pub grid_code: String,
}

/// Everything at one address (一标多实), as this device's role may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressView {
    pub address: Address,
    pub entities: Vec<Entity>,
    pub inspections: Vec<Inspection>,
    pub hazards: Vec<Hazard>,
    pub reports: Vec<Report>,
}

/// What scanning a plate showed. A forged plate is not an error of the app: it is
/// a verdict to show the person holding the phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlateScan {
    pub verified: bool,
    /// Stable code and readable reason when not verified.
    pub rejection: Option<(String, String)>,
    /// What the plate says, verified or not (for a rejected plate, only a claim).
    pub plate: Option<PlateData>,
    pub issuer_key_id: Option<String>,
    pub in_scope: bool,
    /// The local record for a verified plate within scope.
    pub address: Option<AddressView>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewInspection {
    pub template_id: String,
    /// Defaults to the newest version on the device.
    pub template_version: Option<u32>,
    pub address_code: String,
    pub subject_kind: Option<EntityKind>,
    pub subject_id: Option<String>,
    pub location: Option<GeoPoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InspectionOutcome {
    pub inspection_id: String,
    pub evaluation: Evaluation,
    pub hazards_raised: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewHazard {
    pub address_code: String,
    pub category: String,
    pub severity: Severity,
    pub description: String,
    pub photos: Vec<String>,
    pub deadline: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HazardFilter {
    pub status: Option<HazardStatus>,
    pub overdue_only: bool,
    pub open_only: bool,
    pub address_code: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HazardDetail {
    pub hazard: Hazard,
    pub events: Vec<HazardEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewReport {
    pub address_code: String,
    /// Needed when the address is not on this device (a scanned plate outside scope).
    pub address_text: Option<String>,
    pub text: String,
    pub photos: Vec<String>,
}

pub(crate) const META_IDENTITY: &str = "identity";
pub(crate) const META_HLC: &str = "hlc";
pub(crate) const META_ISSUERS: &str = "issuer_keys";
const META_LANG: &str = "lang";

/// Report text and notes are for people, not for novels.
const MAX_TEXT: usize = 2000;

impl Store {
    /// Create a new device store in `dir`. Fails if one exists: a second init
    /// must never silently replace a worker's data.
    pub fn init(dir: &Path, key: &DbKey, identity: Identity) -> Result<Store> {
        let db_path = dir.join(DB_FILE);
        if db_path.exists() {
            return Err(Error::AlreadyInitialised(dir.to_path_buf()));
        }
        if identity.device_id.trim().is_empty() || identity.user.trim().is_empty() {
            return Err(Error::invalid(
                "identity",
                "device id and user are required",
            ));
        }
        std::fs::create_dir_all(dir)?;
        let mut conn = db::open(&db_path, key)?;
        {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO device_meta (key, value) VALUES (?1, ?2)",
                params![META_IDENTITY, serde_json::to_string(&identity)?],
            )?;
            for t in checklist::builtin_templates() {
                insert_template(&tx, &t)?;
            }
            tx.commit()?;
        }
        drop(conn);
        Store::open(dir, key)
    }

    pub fn open(dir: &Path, key: &DbKey) -> Result<Store> {
        let db_path = dir.join(DB_FILE);
        if !db_path.exists() {
            return Err(Error::NotInitialised(dir.to_path_buf()));
        }
        let conn = db::open(&db_path, key)?;
        let identity: Identity = match meta_get(&conn, META_IDENTITY)? {
            Some(s) => serde_json::from_str(&s)?,
            None => return Err(Error::NotInitialised(dir.to_path_buf())),
        };
        let last: Option<Hlc> = meta_get(&conn, META_HLC)?.and_then(|s| s.parse().ok());
        let hlc = HlcClock::restore(identity.device_id.clone(), last.as_ref());
        let link = crate::link::Link::load(&conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
            dir: dir.to_path_buf(),
            photos: PhotoStore::new(dir.join(PHOTO_DIR), photo::DEFAULT_MAX_PHOTO_BYTES),
            identity,
            clock: Box::new(now_ms),
            hlc: Mutex::new(hlc),
            link,
        })
    }

    pub fn exists(dir: &Path) -> bool {
        dir.join(DB_FILE).exists()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn photos(&self) -> &PhotoStore {
        &self.photos
    }

    /// Replace the time source (tests, and devices whose clock is known to be off).
    pub fn set_clock(&mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) {
        self.clock = Box::new(clock);
    }

    pub fn set_max_photo_bytes(&mut self, max: u64) {
        self.photos = PhotoStore::new(self.dir.join(PHOTO_DIR), max);
    }

    /// The time this device records and stamps with: its own clock corrected by
    /// the offset measured against the server's (zero before any contact).
    pub fn now(&self) -> i64 {
        self.raw_now() + self.link.clock_offset()
    }

    /// The device's own clock, uncorrected.
    pub(crate) fn raw_now(&self) -> i64 {
        (self.clock)()
    }

    /// Inspection answers describe residents: volunteers never read them.
    fn require_personal_data(&self, what: &str) -> Result<()> {
        if self.identity.role.sees_personal_data() {
            Ok(())
        } else {
            Err(Error::NotPermitted(format!("read {what}")))
        }
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction
        // (it rolls back on drop), so the connection is still sound.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` inside one immediate transaction; the HLC state is saved with it.
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let mut hlc_guard = self.hlc.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let offset = self.link.clock_offset();
        let mut t = Tx {
            tx,
            now: self.raw_now() + offset,
            me: &self.identity,
            hlc: hlc_guard.clone(),
            offset,
        };
        // On any error the transaction rolls back on drop and the clock is not advanced.
        let out = f(&mut t)?;
        let last = t.hlc.last().to_string();
        meta_put(&t.tx, META_HLC, &last)?;
        let Tx { tx, hlc, .. } = t;
        tx.commit()?;
        *hlc_guard = hlc;
        Ok(out)
    }

    /// Read-only access for queries.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.conn();
        f(&conn)
    }

    /// Merge a remote HLC so later local stamps order after it, and keep that
    /// across restarts (locks in the same order as `write`).
    pub fn observe_hlc(&self, remote: &Hlc) -> Result<()> {
        let conn = self.conn();
        let mut h = self.hlc.lock().unwrap_or_else(|e| e.into_inner());
        h.observe(remote, self.now());
        meta_put(&conn, META_HLC, &h.last().to_string())
    }

    // ---- settings -------------------------------------------------------------

    pub fn lang(&self) -> Result<Lang> {
        self.read(|c| {
            Ok(meta_get(c, META_LANG)?
                .and_then(|s| Lang::parse(&s))
                .unwrap_or_default())
        })
    }

    pub fn set_lang(&self, lang: Lang) -> Result<()> {
        self.write(|t| meta_put(&t.tx, META_LANG, if lang.is_en() { "en" } else { "zh" }))
    }

    /// Trust a plate issuer's public key (several may be trusted during rotation).
    pub fn trust_issuer(&self, key: IssuerPublicKey) -> Result<()> {
        self.write(|t| {
            let mut keys = issuer_keys(&t.tx)?;
            if !keys.contains(&key) {
                keys.push(key);
            }
            let hexes: Vec<String> = keys.iter().map(|k| k.to_hex()).collect();
            meta_put(&t.tx, META_ISSUERS, &serde_json::to_string(&hexes)?)?;
            t.audit("trust_issuer", "issuer", &key.key_id(), None)
        })
    }

    pub fn trusted_issuers(&self) -> Result<Vec<IssuerPublicKey>> {
        self.read(issuer_keys)
    }

    // ---- reference data (arrives by import or sync, not from the worker) ----

    pub fn import_grids(&self, grids: &[Grid]) -> Result<usize> {
        self.write(|t| {
            let mut st = t.tx.prepare_cached(
                "INSERT INTO grids (code, name, level, parent_code) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(code) DO UPDATE SET name=excluded.name, level=excluded.level, parent_code=excluded.parent_code",
            )?;
            for g in grids {
                if g.code.trim().is_empty() {
                    return Err(Error::invalid("grid code", "empty"));
                }
                st.execute(params![g.code, g.name, g.level, g.parent_code])?;
            }
            Ok(grids.len())
        })
    }

    /// Insert or update addresses in one transaction (a whole grid is ~650).
    pub fn import_addresses(&self, addresses: &[Address]) -> Result<usize> {
        self.write(|t| {
            let mut st = t.tx.prepare_cached(
                "INSERT INTO addresses (code, grid_code, full_text, street, number, building, unit, room, plate_serial, lat, lon, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT(code) DO UPDATE SET grid_code=excluded.grid_code, full_text=excluded.full_text,
                   street=excluded.street, number=excluded.number, building=excluded.building, unit=excluded.unit,
                   room=excluded.room, plate_serial=excluded.plate_serial, lat=excluded.lat, lon=excluded.lon,
                   updated_at=excluded.updated_at",
            )?;
            for a in addresses {
                validate_address(a)?;
                st.execute(params![
                    a.code, a.grid_code, a.full_text, a.street, a.number, a.building, a.unit, a.room,
                    a.plate_serial, a.lat, a.lon, t.now
                ])?;
            }
            Ok(addresses.len())
        })
    }

    pub fn grid(&self, code: &str) -> Result<Option<Grid>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT code, name, level, parent_code FROM grids WHERE code = ?1",
                [code],
                |r| {
                    Ok(Grid {
                        code: r.get(0)?,
                        name: r.get(1)?,
                        level: r.get(2)?,
                        parent_code: r.get(3)?,
                    })
                },
            )
            .optional()?)
        })
    }

    /// Whether `grid_code` lies in this device's scope subtree.
    pub fn in_scope(&self, grid_code: &str) -> Result<bool> {
        self.read(|c| grid_in_subtree(c, grid_code, &self.identity.grid_scope))
    }

    pub fn address(&self, code: &str) -> Result<Option<Address>> {
        self.read(|c| load_address(c, code))
    }

    /// Find addresses by any fragment a person would type: "建设路12号", "3栋2单元",
    /// a plate serial. Space-separated fragments must all match. Fragments of three
    /// characters or more use the trigram index; shorter ones filter the result.
    pub fn search_addresses(&self, query: &str, limit: u32) -> Result<Vec<AddressHit>> {
        let frags: Vec<&str> = query.split_whitespace().collect();
        if frags.is_empty() {
            return Ok(Vec::new());
        }
        let limit = limit.clamp(1, 500);
        let long: Vec<&str> = frags
            .iter()
            .copied()
            .filter(|f| f.chars().count() >= 3)
            .collect();
        let short: Vec<&str> = frags
            .iter()
            .copied()
            .filter(|f| f.chars().count() < 3)
            .collect();
        self.read(|c| {
            // A scanned or typed plate serial or address code: straight to its index.
            if frags.len() == 1 {
                let mut st = c.prepare_cached(
                    "SELECT code, full_text, plate_serial, grid_code FROM addresses WHERE plate_serial = ?1 OR code = ?1 LIMIT 2",
                )?;
                let exact = st
                    .query_map([frags[0]], |r| {
                        Ok(AddressHit { code: r.get(0)?, full_text: r.get(1)?, plate_serial: r.get(2)?, grid_code: r.get(3)? })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                if !exact.is_empty() {
                    return Ok(exact);
                }
            }
            let mut sql;
            let mut args: Vec<String> = Vec::new();
            if long.is_empty() {
                sql = String::from("SELECT a.code, a.full_text, a.plate_serial, a.grid_code FROM addresses a WHERE 1");
            } else {
                let m: Vec<String> = long.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
                args.push(m.join(" AND "));
                sql = String::from(
                    "SELECT a.code, a.full_text, a.plate_serial, a.grid_code FROM address_fts f
                     JOIN addresses a ON a.rowid = f.rowid WHERE address_fts MATCH ?1",
                );
            }
            for s in &short {
                args.push(format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
                let n = args.len();
                sql.push_str(&format!(
                    " AND a.full_text LIKE ?{n} ESCAPE '\\'"
                ));
            }
            // Index order, not rank: ranking would score every match of a common
            // fragment ("3栋2单元" matches tens of thousands) before taking 20.
            if long.is_empty() {
                sql.push_str(" ORDER BY a.full_text");
            }
            sql.push_str(&format!(" LIMIT {limit}"));
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok(AddressHit { code: r.get(0)?, full_text: r.get(1)?, plate_serial: r.get(2)?, grid_code: r.get(3)? })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Everything at an address, filtered for this device's role.
    pub fn address_view(&self, code: &str) -> Result<AddressView> {
        let role = self.identity.role;
        self.read(|c| {
            let address =
                load_address(c, code)?.ok_or_else(|| Error::not_found("address", code))?;
            let mut entities = Vec::new();
            for kind in EntityKind::ALL {
                if !kind.visible_to(role) {
                    continue;
                }
                for e in load_entities(c, kind, "address_code = ?1 AND deleted = 0", code)? {
                    if let Some(e) = e.redacted_for(role) {
                        entities.push(e);
                    }
                }
            }
            let now = self.now();
            let inspections = if role.sees_personal_data() {
                query_inspections(c, "address_code = ?1", code)?
            } else {
                Vec::new()
            };
            let hazards =
                query_hazards(c, "address_code = ?1 ORDER BY created_at DESC", code, now)?;
            let reports = query_reports(c, "address_code = ?1 ORDER BY created_at DESC", code)?;
            Ok(AddressView {
                address,
                entities,
                inspections,
                hazards,
                reports,
            })
        })
    }

    // ---- door plates ------------------------------------------------------------

    /// Verify a scanned plate offline and find its address.
    pub fn scan_plate(&self, qr_text: &str) -> Result<PlateScan> {
        let trusted = self.trusted_issuers()?;
        let lang = self.lang()?;
        match plate::verify(qr_text, &trusted) {
            Ok(v) => {
                let in_scope = self.in_scope(&v.data.grid_code)?;
                let local = self.address(&v.data.address_code)?;
                let address = match local {
                    Some(a) if in_scope && a.grid_code == v.data.grid_code => {
                        Some(self.address_view(&a.code)?)
                    }
                    _ => None,
                };
                Ok(PlateScan {
                    verified: true,
                    rejection: None,
                    plate: Some(v.data),
                    issuer_key_id: Some(v.issuer_key_id),
                    in_scope,
                    address,
                })
            }
            Err(e) => {
                let msg = if lang.is_en() {
                    e.to_string()
                } else {
                    e.message_zh()
                };
                Ok(PlateScan {
                    verified: false,
                    rejection: Some((e.code().to_string(), msg)),
                    plate: plate::decode_unverified(qr_text).ok(),
                    issuer_key_id: None,
                    in_scope: false,
                    address: None,
                })
            }
        }
    }

    // ---- descriptive entities (一标多实) -------------------------------------------

    /// Create (no `id`) or update an entity, field by field. Only fields whose value
    /// changes are stamped and queued, so two workers editing different fields of
    /// one household never overwrite each other.
    pub fn put_entity(
        &self,
        kind: EntityKind,
        id: Option<&str>,
        address_code: Option<&str>,
        fields: &Map<String, Value>,
    ) -> Result<String> {
        if !self.identity.role.may_edit_entities() {
            return Err(Error::NotPermitted(format!("edit {}", kind.as_str())));
        }
        let mut clean = Map::new();
        for (name, value) in fields {
            let spec = kind.field(name).ok_or_else(|| {
                Error::invalid(name.clone(), format!("not a field of {}", kind.as_str()))
            })?;
            clean.insert(
                name.clone(),
                check_field(spec.ty, spec.max_len, name, value)?,
            );
        }
        self.write(|t| {
            let (id, address_code, existing) = match id {
                Some(id) => {
                    let e = load_entity(&t.tx, kind, id)?
                        .ok_or_else(|| Error::not_found(kind.as_str(), id))?;
                    if let Some(a) = address_code
                        && a != e.address_code
                    {
                        return Err(Error::invalid(
                            "address",
                            "an entity cannot move to another address",
                        ));
                    }
                    (id.to_string(), e.address_code.clone(), Some(e))
                }
                None => {
                    let a = address_code
                        .ok_or_else(|| Error::invalid("address", "required for a new entity"))?;
                    address_in_scope(t, a)?;
                    (new_id(), a.to_string(), None)
                }
            };
            for (name, v) in &clean {
                if let FieldType::Ref(target) =
                    kind.field(name).map(|s| s.ty).unwrap_or(FieldType::Text)
                    && let Some(rid) = v.as_str()
                    && load_entity(&t.tx, target, rid)?.is_none()
                {
                    return Err(Error::not_found(target.as_str(), rid));
                }
            }
            let changed: Map<String, Value> = match &existing {
                Some(e) => clean
                    .into_iter()
                    .filter(|(k, v)| e.fields.get(k).unwrap_or(&Value::Null) != v)
                    .collect(),
                None => clean,
            };
            if existing.is_some() && changed.is_empty() {
                return Ok(id);
            }
            // What each written field replaces here: the write's causal base.
            let mut bases = Map::new();
            if existing.is_some() {
                let mut st = t.tx.prepare_cached(
                    "SELECT hlc FROM field_versions WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
                )?;
                for name in changed.keys() {
                    if let Some(b) = st
                        .query_row(params![kind.as_str(), id, name], |r| r.get::<_, String>(0))
                        .optional()?
                    {
                        bases.insert(name.clone(), Value::String(b));
                    }
                }
            }
            let hlc = t.stamp();
            if existing.is_none() {
                t.tx.execute(
                    &format!(
                        "INSERT INTO {} (id, address_code, updated_at) VALUES (?1, ?2, ?3)",
                        kind.table()
                    ),
                    params![id, address_code, t.now],
                )?;
            }
            apply_fields(&t.tx, kind, &id, &changed, &hlc, t.now)?;
            let op = Op::EntityUpsert {
                kind,
                address_code: address_code.clone(),
                fields: changed.clone(),
                bases: Some(bases),
            };
            t.outbox(kind.as_str(), &id, &op, &hlc)?;
            let names: Vec<&String> = changed.keys().collect();
            t.audit(
                if existing.is_some() {
                    "update"
                } else {
                    "create"
                },
                kind.as_str(),
                &id,
                Some(&serde_json::json!({ "fields": names })),
            )?;
            Ok(id)
        })
    }

    pub fn entity(&self, kind: EntityKind, id: &str) -> Result<Option<Entity>> {
        let role = self.identity.role;
        self.read(|c| Ok(load_entity(c, kind, id)?.and_then(|e| e.redacted_for(role))))
    }

    // ---- photos -----------------------------------------------------------------

    /// Keep a photo on the device. The file is written before any record refers to it.
    pub fn add_photo(&self, bytes: &[u8]) -> Result<PhotoRef> {
        let r = self.photos.put(bytes)?;
        self.register_photo(&r)?;
        Ok(r)
    }

    pub fn add_photo_file(&self, path: &Path) -> Result<PhotoRef> {
        let r = self.photos.put_file(path)?;
        self.register_photo(&r)?;
        Ok(r)
    }

    fn register_photo(&self, r: &PhotoRef) -> Result<()> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT OR IGNORE INTO photos (hash, size, mime, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![r.hash, r.size as i64, r.mime, self.now()])?;
        Ok(())
    }

    /// Photos referenced by records but not yet uploaded.
    pub fn pending_photos(&self) -> Result<Vec<PhotoRef>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT hash, size, mime FROM photos WHERE uploaded = 0 ORDER BY created_at",
            )?;
            let rows = st.query_map([], |r| {
                Ok(PhotoRef {
                    hash: r.get(0)?,
                    size: r.get::<_, i64>(1)? as u64,
                    mime: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    // ---- checklists and inspections ------------------------------------------------

    pub fn templates(&self) -> Result<Vec<ChecklistTemplate>> {
        self.read(|c| {
            let mut st =
                c.prepare_cached("SELECT body FROM checklist_templates ORDER BY id, version")?;
            let bodies: Vec<String> = st
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            bodies
                .iter()
                .map(|b| Ok(ChecklistTemplate::from_json(b)?))
                .collect()
        })
    }

    /// A template version; the newest when `version` is None.
    pub fn template(&self, id: &str, version: Option<u32>) -> Result<ChecklistTemplate> {
        self.read(|c| load_template(c, id, version))
    }

    /// Store a template version (from the server). Versions are immutable once stored.
    pub fn add_template(&self, t: &ChecklistTemplate) -> Result<()> {
        t.check()?;
        self.write(|w| insert_template(&w.tx, t))
    }

    /// Record a finished inspection in one transaction: validated against its
    /// template version, scored, hazards raised for failing items, all queued.
    /// Answers that do not fit change nothing.
    pub fn record_inspection(
        &self,
        new: &NewInspection,
        answers: &Answers,
        photos: &ItemPhotos,
        started_at: Option<i64>,
    ) -> Result<InspectionOutcome> {
        if !self.identity.role.may_inspect() {
            return Err(Error::NotPermitted("inspect".into()));
        }
        self.write(|t| {
            let id = new_id();
            let tpl = load_template(&t.tx, &new.template_id, new.template_version)?;
            let started = started_at.unwrap_or(t.now);
            insert_draft(t, &id, new, &tpl, started)?;
            submit(t, &id, &tpl, answers, photos, new.location)
        })
    }

    /// Start a draft inspection (a long checklist may take several sittings).
    pub fn start_inspection(&self, new: &NewInspection) -> Result<String> {
        if !self.identity.role.may_inspect() {
            return Err(Error::NotPermitted("inspect".into()));
        }
        self.write(|t| {
            let id = new_id();
            let tpl = load_template(&t.tx, &new.template_id, new.template_version)?;
            insert_draft(t, &id, new, &tpl, t.now)?;
            t.audit("start", "inspection", &id, None)?;
            Ok(id)
        })
    }

    /// Save partial answers of a draft (or a returned inspection being corrected).
    pub fn save_answers(&self, id: &str, answers: &Answers, photos: &ItemPhotos) -> Result<()> {
        self.write(|t| {
            let insp = load_inspection(&t.tx, id)?;
            if !matches!(
                insp.review_status,
                ReviewStatus::Draft | ReviewStatus::Returned
            ) {
                return Err(Error::invalid(
                    "inspection",
                    "only a draft or returned inspection can be edited",
                ));
            }
            let tpl = load_template(&t.tx, &insp.template_id, Some(insp.template_version))?;
            tpl.check_partial(answers, photos)?;
            check_photos_known(&t.tx, photos.values().flatten())?;
            t.tx.execute(
                "UPDATE inspections SET answers = ?2, photos = ?3, updated_at = ?4 WHERE id = ?1",
                params![
                    id,
                    serde_json::to_string(answers)?,
                    serde_json::to_string(photos)?,
                    t.now
                ],
            )?;
            t.audit("save_answers", "inspection", id, None)
        })
    }

    /// Finish a draft or resubmit a returned inspection, with its saved answers.
    pub fn submit_inspection(
        &self,
        id: &str,
        location: Option<GeoPoint>,
    ) -> Result<InspectionOutcome> {
        self.write(|t| {
            let insp = load_inspection(&t.tx, id)?;
            if !matches!(
                insp.review_status,
                ReviewStatus::Draft | ReviewStatus::Returned
            ) {
                return Err(Error::invalid("inspection", "already submitted"));
            }
            let tpl = load_template(&t.tx, &insp.template_id, Some(insp.template_version))?;
            submit(
                t,
                id,
                &tpl,
                &insp.answers,
                &insp.photos,
                location.or(insp.location),
            )
        })
    }

    /// A supervisor approves or returns a submitted inspection (queued as a command).
    pub fn review_inspection(&self, id: &str, approve: bool, comment: Option<&str>) -> Result<()> {
        if !matches!(self.identity.role, Role::Supervisor | Role::Admin) {
            return Err(Error::NotPermitted("review inspections".into()));
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if !approve && comment.is_none() {
            return Err(Error::invalid("comment", "required"));
        }
        if let Some(c) = comment {
            check_text("comment", c)?;
        }
        self.write(|t| {
            let insp = load_inspection(&t.tx, id)?;
            if insp.review_status != ReviewStatus::Submitted {
                return Err(Error::invalid("inspection", "only a submitted inspection can be reviewed"));
            }
            let status = if approve { ReviewStatus::Approved } else { ReviewStatus::Returned };
            t.tx.execute(
                "UPDATE inspections SET review_status = ?2, review_comment = ?3, reviewed_by = ?4, reviewed_at = ?5,
                    updated_at = ?5 WHERE id = ?1",
                params![id, status.as_str(), comment, t.me.user, t.now],
            )?;
            let hlc = t.stamp();
            let op = Op::InspectionReview { approve, comment: comment.map(String::from), at: t.now };
            t.outbox("inspection", id, &op, &hlc)?;
            t.audit(if approve { "approve" } else { "return" }, "inspection", id, None)
        })
    }

    pub fn inspection(&self, id: &str) -> Result<Inspection> {
        self.require_personal_data("inspections")?;
        self.read(|c| load_inspection(c, id))
    }

    pub fn inspections(&self, status: Option<ReviewStatus>) -> Result<Vec<Inspection>> {
        self.require_personal_data("inspections")?;
        self.read(|c| match status {
            Some(s) => {
                query_inspections(c, "review_status = ?1 ORDER BY started_at DESC", s.as_str())
            }
            None => query_inspections(c, "?1 = ?1 ORDER BY started_at DESC", ""),
        })
    }

    // ---- hazards ------------------------------------------------------------------

    pub fn create_hazard(&self, new: &NewHazard) -> Result<String> {
        if !self.identity.role.may_inspect() {
            return Err(Error::NotPermitted("report hazard".into()));
        }
        required_text("description", &new.description)?;
        required_text("category", &new.category)?;
        self.write(|t| {
            address_in_scope(t, &new.address_code)?;
            check_photos_known(&t.tx, new.photos.iter())?;
            let h = Hazard {
                id: new_id(),
                address_code: new.address_code.clone(),
                category: new.category.clone(),
                severity: new.severity,
                description: new.description.clone(),
                status: HazardStatus::Reported,
                assignee: None,
                deadline: new.deadline,
                photos: new.photos.clone(),
                source_inspection: None,
                source_item: None,
                source_report: None,
                reported_by: t.me.user.clone(),
                created_at: t.now,
                updated_at: t.now,
                delivery: Delivery::Local,
                overdue: false,
            };
            insert_hazard(t, &h)?;
            Ok(h.id)
        })
    }

    /// Take one lifecycle step. Refused offline if impossible from the state this
    /// device knows; the server judges again against its own state when it syncs.
    pub fn hazard_step(
        &self,
        id: &str,
        action: HazardAction,
        input: &StepInput,
    ) -> Result<HazardStatus> {
        if let Some(n) = &input.note {
            check_text("note", n)?;
        }
        self.write(|t| {
            let h = query_hazards(&t.tx, "id = ?1", id, t.now)?
                .pop()
                .ok_or_else(|| Error::not_found("hazard", id))?;
            let to = hazard::next_status(h.status, action, t.me.role, input)?;
            if action == HazardAction::Assign
                && let Some(d) = input.deadline
                && d < t.now
            {
                return Err(Error::invalid("deadline", "in the past"));
            }
            check_photos_known(&t.tx, input.photos.iter())?;
            let hlc = t.stamp();
            let event_id = new_id();
            insert_event(
                &t.tx,
                &event_id,
                id,
                Some(action),
                Some(h.status),
                to,
                t.me,
                t.now,
                input,
            )?;
            t.tx.execute(
                "UPDATE hazards SET status = ?2,
                   assignee = CASE WHEN ?3 IS NULL THEN assignee ELSE ?3 END,
                   deadline = CASE WHEN ?4 IS NULL THEN deadline ELSE ?4 END,
                   updated_at = ?5, delivery = 'local' WHERE id = ?1",
                params![id, to.as_str(), input.assignee, input.deadline, t.now],
            )?;
            let op = Op::HazardStep {
                event_id,
                action,
                from: h.status,
                input: input.clone(),
                at: t.now,
            };
            t.outbox("hazard", id, &op, &hlc)?;
            t.audit(
                action.as_str(),
                "hazard",
                id,
                Some(&serde_json::json!({ "from": h.status, "to": to })),
            )?;
            Ok(to)
        })
    }

    pub fn hazards(&self, filter: &HazardFilter) -> Result<Vec<Hazard>> {
        let now = self.now();
        let mut conds: Vec<String> = vec!["1".into()];
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(s) = filter.status {
            args.push(s.as_str().to_string().into());
            conds.push(format!("status = ?{}", args.len()));
        }
        if filter.open_only || filter.overdue_only {
            conds.push("status <> 'closed'".into());
        }
        if filter.overdue_only {
            args.push(now.into());
            conds.push(format!(
                "deadline IS NOT NULL AND deadline < ?{}",
                args.len()
            ));
        }
        if let Some(a) = &filter.address_code {
            args.push(a.clone().into());
            conds.push(format!("address_code = ?{}", args.len()));
        }
        let mut sql = conds.join(" AND ");
        sql.push_str(
            " ORDER BY CASE WHEN deadline IS NULL THEN 1 ELSE 0 END, deadline, created_at",
        );
        if let Some(l) = filter.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        self.read(|c| query_hazards_with(c, &sql, rusqlite::params_from_iter(args), now))
    }

    pub fn hazard(&self, id: &str) -> Result<HazardDetail> {
        let now = self.now();
        self.read(|c| {
            let hazard = query_hazards(c, "id = ?1", id, now)?
                .pop()
                .ok_or_else(|| Error::not_found("hazard", id))?;
            let events = load_events(c, id)?;
            Ok(HazardDetail { hazard, events })
        })
    }

    // ---- volunteer reports ----------------------------------------------------------

    pub fn file_report(&self, new: &NewReport) -> Result<String> {
        required_text("text", &new.text)?;
        required_text("address", &new.address_code)?;
        self.write(|t| {
            let address_text = match (load_address(&t.tx, &new.address_code)?, &new.address_text) {
                (Some(a), _) => a.full_text,
                (None, Some(txt)) if !txt.trim().is_empty() => txt.clone(),
                (None, _) => return Err(Error::not_found("address", &new.address_code)),
            };
            check_photos_known(&t.tx, new.photos.iter())?;
            let r = Report {
                id: new_id(),
                address_code: new.address_code.clone(),
                address_text,
                text: new.text.clone(),
                photos: new.photos.clone(),
                reporter: t.me.user.clone(),
                device_id: t.me.device_id.clone(),
                status: ReportStatus::Pending,
                points: 0,
                decision_note: None,
                hazard_id: None,
                created_at: t.now,
                delivery: Delivery::Local,
            };
            t.tx.execute(
                "INSERT INTO reports (id, address_code, address_text, text, photos, reporter, device_id, status, points, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?8)",
                params![r.id, r.address_code, r.address_text, r.text, serde_json::to_string(&r.photos)?, r.reporter, r.device_id, t.now],
            )?;
            let hlc = t.stamp();
            t.outbox("report", &r.id, &Op::ReportCreate { report: Box::new(r.clone()) }, &hlc)?;
            t.audit("create", "report", &r.id, None)?;
            Ok(r.id)
        })
    }

    pub fn reports(&self) -> Result<Vec<Report>> {
        self.read(|c| query_reports(c, "?1 = ?1 ORDER BY created_at DESC", ""))
    }

    /// 积分: points credited for this user's accepted reports.
    pub fn points(&self) -> Result<i64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT COALESCE(SUM(points), 0) FROM reports WHERE reporter = ?1 AND status = 'accepted'",
                [&self.identity.user],
                |r| r.get(0),
            )?)
        })
    }

    // ---- outbox -------------------------------------------------------------------------

    pub fn outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT seq, op_id, entity, entity_id, hlc, created_at, attempts, last_error, payload
                 FROM outbox ORDER BY seq LIMIT ?1",
            )?;
            let rows = st.query_map([limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, op_id, entity, entity_id, hlc, created_at, attempts, last_error, payload) = row?;
                out.push(OutboxEntry { seq, op_id, entity, entity_id, hlc, created_at, attempts, last_error, op: serde_json::from_str(&payload)? });
            }
            Ok(out)
        })
    }

    pub fn outbox_len(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64)
        })
    }

    pub fn audit_len(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row("SELECT count(*) FROM audit_log", [], |r| r.get::<_, i64>(0))? as u64)
        })
    }
}

// ---- helpers: validation -----------------------------------------------------------------

fn validate_address(a: &Address) -> Result<()> {
    if a.code.trim().is_empty() || a.code.len() > 64 {
        return Err(Error::invalid("address code", "must be 1–64 characters"));
    }
    if a.grid_code.trim().is_empty() {
        return Err(Error::invalid("grid code", "required"));
    }
    if a.full_text.trim().is_empty() || a.full_text.chars().count() > 200 {
        return Err(Error::invalid("address text", "must be 1–200 characters"));
    }
    if let (Some(lat), Some(lon)) = (a.lat, a.lon)
        && (!(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon))
    {
        return Err(Error::invalid("coordinates", "out of range"));
    }
    Ok(())
}

/// A required free-text field: not blank, not a novel.
fn required_text(field: &str, s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return Err(Error::invalid(field, "required"));
    }
    check_text(field, s)
}

/// The address, if it exists on this device and lies in its grid scope.
fn address_in_scope(t: &Tx<'_>, code: &str) -> Result<Address> {
    let addr = load_address(&t.tx, code)?.ok_or_else(|| Error::not_found("address", code))?;
    if !grid_in_subtree(&t.tx, &addr.grid_code, &t.me.grid_scope)? {
        return Err(Error::NotPermitted(
            "address outside this device's grid".into(),
        ));
    }
    Ok(addr)
}

fn check_text(field: &str, s: &str) -> Result<()> {
    if s.chars().count() > MAX_TEXT {
        return Err(Error::invalid(
            field,
            format!("longer than {MAX_TEXT} characters"),
        ));
    }
    Ok(())
}

/// Check one entity field value against its declared type; null clears a field.
pub(crate) fn check_field(ty: FieldType, max_len: usize, name: &str, v: &Value) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let bad = |why: &str| Error::invalid(name.to_string(), why.to_string());
    match ty {
        FieldType::Text => {
            let s = v.as_str().ok_or_else(|| bad("expected text"))?;
            if s.chars().count() > max_len {
                return Err(bad(&format!("longer than {max_len} characters")));
            }
            Ok(Value::String(s.to_string()))
        }
        FieldType::Int => {
            let n = match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| bad("expected a whole number"))?;
            if !(0..=100_000).contains(&n) {
                return Err(bad("out of range"));
            }
            Ok(Value::from(n))
        }
        FieldType::Date => {
            let s = v
                .as_str()
                .ok_or_else(|| bad("expected a date YYYY-MM-DD"))?;
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| d.format("%Y-%m-%d").to_string() == s)
                .ok_or_else(|| bad("expected a date YYYY-MM-DD"))?;
            Ok(Value::String(s.to_string()))
        }
        FieldType::Enum(allowed) => {
            let s = v.as_str().ok_or_else(|| bad("expected text"))?;
            if !allowed.contains(&s) {
                return Err(bad(&format!("must be one of {}", allowed.join(", "))));
            }
            Ok(Value::String(s.to_string()))
        }
        FieldType::Ref(_) => {
            let s = v.as_str().ok_or_else(|| bad("expected an id"))?;
            if s.is_empty() || s.len() > 64 {
                return Err(bad("expected an id"));
            }
            Ok(Value::String(s.to_string()))
        }
    }
}

pub(crate) fn check_photos_known<'a>(
    c: &Connection,
    hashes: impl Iterator<Item = &'a String>,
) -> Result<()> {
    let mut st = c.prepare_cached("SELECT 1 FROM photos WHERE hash = ?1")?;
    for h in hashes {
        if !photo::is_valid_hash(h) || !st.exists([h])? {
            return Err(Error::not_found("photo", h.as_str()));
        }
    }
    Ok(())
}

// ---- helpers: rows -------------------------------------------------------------------------

pub(crate) fn meta_get(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM device_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub(crate) fn meta_put(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.prepare_cached("INSERT INTO device_meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?
        .execute(params![key, value])?;
    Ok(())
}

pub(crate) fn issuer_keys(c: &Connection) -> Result<Vec<IssuerPublicKey>> {
    let Some(s) = meta_get(c, META_ISSUERS)? else {
        return Ok(Vec::new());
    };
    let hexes: Vec<String> = serde_json::from_str(&s)?;
    hexes
        .iter()
        .map(|h| Ok(IssuerPublicKey::from_hex(h)?))
        .collect()
}

/// Walk up from `grid` looking for `root`. Grids are few and shallow.
pub(crate) fn grid_in_subtree(c: &Connection, grid: &str, root: &str) -> Result<bool> {
    let mut cur = Some(grid.to_string());
    let mut st = c.prepare_cached("SELECT parent_code FROM grids WHERE code = ?1")?;
    for _ in 0..64 {
        let Some(g) = cur else { return Ok(false) };
        if g == root {
            return Ok(true);
        }
        cur = st
            .query_row([&g], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten();
    }
    Ok(false)
}

pub(crate) fn load_address(c: &Connection, code: &str) -> Result<Option<Address>> {
    Ok(c
        .prepare_cached(
            "SELECT code, grid_code, full_text, street, number, building, unit, room, plate_serial, lat, lon
             FROM addresses WHERE code = ?1",
        )?
        .query_row([code], |r| {
            Ok(Address {
                code: r.get(0)?,
                grid_code: r.get(1)?,
                full_text: r.get(2)?,
                street: r.get(3)?,
                number: r.get(4)?,
                building: r.get(5)?,
                unit: r.get(6)?,
                room: r.get(7)?,
                plate_serial: r.get(8)?,
                lat: r.get(9)?,
                lon: r.get(10)?,
            })
        })
        .optional()?)
}

fn entity_columns(kind: EntityKind) -> String {
    kind.fields()
        .iter()
        .map(|f| format!("\"{}\"", f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn load_entities(
    c: &Connection,
    kind: EntityKind,
    where_: &str,
    arg: &str,
) -> Result<Vec<Entity>> {
    let sql = format!(
        "SELECT id, address_code, deleted, updated_at, {} FROM {} WHERE {where_}",
        entity_columns(kind),
        kind.table()
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map([arg], |r| {
        let mut fields = Map::new();
        for (i, f) in kind.fields().iter().enumerate() {
            let v: rusqlite::types::Value = r.get(4 + i)?;
            let j = match v {
                rusqlite::types::Value::Null => continue,
                rusqlite::types::Value::Integer(n) => Value::from(n),
                rusqlite::types::Value::Real(x) => Value::from(x),
                rusqlite::types::Value::Text(s) => Value::String(s),
                rusqlite::types::Value::Blob(_) => continue,
            };
            fields.insert(f.name.to_string(), j);
        }
        Ok(Entity {
            kind,
            id: r.get(0)?,
            address_code: r.get(1)?,
            deleted: r.get::<_, i64>(2)? != 0,
            updated_at: r.get(3)?,
            fields,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn load_entity(c: &Connection, kind: EntityKind, id: &str) -> Result<Option<Entity>> {
    Ok(load_entities(c, kind, "id = ?1", id)?.pop())
}

/// Write field values and their HLC stamps. Shared by local edits and sync merges.
pub(crate) fn apply_fields(
    c: &Connection,
    kind: EntityKind,
    id: &str,
    fields: &Map<String, Value>,
    hlc: &Hlc,
    now: i64,
) -> Result<()> {
    let stamp = hlc.to_string();
    for (name, v) in fields {
        let spec = kind
            .field(name)
            .ok_or_else(|| Error::invalid(name.clone(), "unknown field"))?;
        let sql = format!(
            "UPDATE {} SET \"{}\" = ?2, updated_at = ?3 WHERE id = ?1",
            kind.table(),
            spec.name
        );
        let value: rusqlite::types::Value = match v {
            Value::Null => rusqlite::types::Value::Null,
            Value::Number(n) => rusqlite::types::Value::Integer(n.as_i64().unwrap_or(0)),
            Value::String(s) => rusqlite::types::Value::Text(s.clone()),
            other => rusqlite::types::Value::Text(other.to_string()),
        };
        c.prepare_cached(&sql)?.execute(params![id, value, now])?;
        c.prepare_cached(
            "INSERT INTO field_versions (entity, entity_id, field, hlc) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc",
        )?
        .execute(params![kind.as_str(), id, name, stamp])?;
    }
    Ok(())
}

pub(crate) fn insert_template(c: &Connection, t: &ChecklistTemplate) -> Result<()> {
    c.execute(
        "INSERT INTO checklist_templates (id, version, body) VALUES (?1, ?2, ?3) ON CONFLICT(id, version) DO NOTHING",
        params![t.id, t.version, serde_json::to_string(t)?],
    )?;
    Ok(())
}

pub(crate) fn load_template(
    c: &Connection,
    id: &str,
    version: Option<u32>,
) -> Result<ChecklistTemplate> {
    let body: Option<String> = match version {
        Some(v) => c
            .query_row(
                "SELECT body FROM checklist_templates WHERE id = ?1 AND version = ?2",
                params![id, v],
                |r| r.get(0),
            )
            .optional()?,
        None => c
            .query_row(
                "SELECT body FROM checklist_templates WHERE id = ?1 ORDER BY version DESC LIMIT 1",
                [id],
                |r| r.get(0),
            )
            .optional()?,
    };
    let body = body.ok_or_else(|| Error::not_found("template", id))?;
    Ok(ChecklistTemplate::from_json(&body)?)
}

fn insert_draft(
    t: &mut Tx<'_>,
    id: &str,
    new: &NewInspection,
    tpl: &ChecklistTemplate,
    started: i64,
) -> Result<()> {
    address_in_scope(t, &new.address_code)?;
    if let (Some(k), Some(sid)) = (new.subject_kind, &new.subject_id) {
        let e = load_entity(&t.tx, k, sid)?.ok_or_else(|| Error::not_found(k.as_str(), sid))?;
        if e.address_code != new.address_code {
            return Err(Error::invalid("subject", "not at this address"));
        }
    }
    t.tx.execute(
        "INSERT INTO inspections (id, template_id, template_version, address_code, subject_kind, subject_id, inspector,
            device_id, started_at, lat, lon, answers, photos, review_status, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '{}', '{}', 'draft', ?12)",
        params![
            id,
            tpl.id,
            tpl.version,
            new.address_code,
            new.subject_kind.map(|k| k.as_str()),
            new.subject_id,
            t.me.user,
            t.me.device_id,
            started,
            new.location.map(|l| l.lat),
            new.location.map(|l| l.lon),
            t.now
        ],
    )?;
    Ok(())
}

fn submit(
    t: &mut Tx<'_>,
    id: &str,
    tpl: &ChecklistTemplate,
    answers: &Answers,
    photos: &ItemPhotos,
    location: Option<GeoPoint>,
) -> Result<InspectionOutcome> {
    let evaluation = tpl.evaluate(answers, photos)?;
    let mut referenced: Vec<String> = photos.values().flatten().cloned().collect();
    for v in answers.values() {
        match v {
            Value::String(s) if photo::is_valid_hash(s.as_str()) => referenced.push(s.clone()),
            Value::Array(a) => referenced.extend(
                a.iter()
                    .filter_map(|x| x.as_str())
                    .filter(|s| photo::is_valid_hash(s))
                    .map(String::from),
            ),
            _ => {}
        }
    }
    check_photos_known(&t.tx, referenced.iter())?;
    t.tx.execute(
        "UPDATE inspections SET answers = ?2, photos = ?3, score = ?4, passed = ?5, vetoed = ?6, finished_at = ?7,
            lat = ?8, lon = ?9, review_status = 'submitted', review_comment = NULL, updated_at = ?7, delivery = 'local'
         WHERE id = ?1",
        params![
            id,
            serde_json::to_string(answers)?,
            serde_json::to_string(photos)?,
            evaluation.score,
            evaluation.passed,
            evaluation.vetoed,
            t.now,
            location.map(|l| l.lat),
            location.map(|l| l.lon)
        ],
    )?;
    let inspection = load_inspection(&t.tx, id)?;
    let hlc = t.stamp();
    t.outbox(
        "inspection",
        id,
        &Op::InspectionSubmit {
            inspection: Box::new(inspection.clone()),
        },
        &hlc,
    )?;
    t.audit(
        "submit",
        "inspection",
        id,
        Some(&serde_json::json!({ "score": evaluation.score, "passed": evaluation.passed })),
    )?;
    let mut hazards_raised = Vec::new();
    for f in &evaluation.failed_items {
        let Some(spec) = &f.hazard else { continue };
        let h = Hazard {
            id: new_id(),
            address_code: inspection.address_code.clone(),
            category: spec.category.clone(),
            severity: spec.severity,
            description: format!(
                "{}（检查项：{}）",
                checklist::hazard_category_label(&spec.category, false),
                f.label.zh
            ),
            status: HazardStatus::Reported,
            assignee: None,
            deadline: None,
            photos: f.photos.clone(),
            source_inspection: Some(id.to_string()),
            source_item: Some(f.item_id.clone()),
            source_report: None,
            reported_by: t.me.user.clone(),
            created_at: t.now,
            updated_at: t.now,
            delivery: Delivery::Local,
            overdue: false,
        };
        insert_hazard(t, &h)?;
        hazards_raised.push(h.id);
    }
    Ok(InspectionOutcome {
        inspection_id: id.to_string(),
        evaluation,
        hazards_raised,
    })
}

fn insert_hazard(t: &mut Tx<'_>, h: &Hazard) -> Result<()> {
    t.tx.prepare_cached(
        "INSERT INTO hazards (id, address_code, category, severity, description, status, assignee, deadline, photos,
            source_inspection, source_item, source_report, reported_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
    )?
    .execute(params![
        h.id,
        h.address_code,
        h.category,
        h.severity.as_str(),
        h.description,
        h.status.as_str(),
        h.assignee,
        h.deadline,
        serde_json::to_string(&h.photos)?,
        h.source_inspection,
        h.source_item,
        h.source_report,
        h.reported_by,
        h.created_at
    ])?;
    let input = StepInput {
        photos: h.photos.clone(),
        note: None,
        ..Default::default()
    };
    insert_event(
        &t.tx,
        &new_id(),
        &h.id,
        None,
        None,
        HazardStatus::Reported,
        t.me,
        t.now,
        &input,
    )?;
    let hlc = t.stamp();
    t.outbox(
        "hazard",
        &h.id,
        &Op::HazardCreate {
            hazard: Box::new(h.clone()),
        },
        &hlc,
    )?;
    t.audit(
        "create",
        "hazard",
        &h.id,
        Some(&serde_json::json!({ "category": h.category })),
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_event(
    c: &Connection,
    event_id: &str,
    hazard_id: &str,
    action: Option<HazardAction>,
    from: Option<HazardStatus>,
    to: HazardStatus,
    me: &Identity,
    at: i64,
    input: &StepInput,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO hazard_events (id, hazard_id, action, from_status, to_status, actor, device_id, at, note, photos, assignee, deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        event_id,
        hazard_id,
        // The first event of a hazard is its report, not a lifecycle action.
        action.map(|a| a.as_str()).unwrap_or("report"),
        from.map(|s| s.as_str()),
        to.as_str(),
        me.user,
        me.device_id,
        at,
        input.note,
        serde_json::to_string(&input.photos)?,
        input.assignee,
        input.deadline
    ])?;
    Ok(())
}

const INSPECTION_COLS: &str = "id, template_id, template_version, address_code, subject_kind, subject_id, inspector, device_id,
    started_at, finished_at, lat, lon, answers, photos, score, passed, vetoed, review_status, review_comment,
    reviewed_by, reviewed_at, delivery";

pub(crate) fn row_to_inspection(r: &rusqlite::Row<'_>) -> rusqlite::Result<Inspection> {
    let lat: Option<f64> = r.get(10)?;
    let lon: Option<f64> = r.get(11)?;
    let answers: String = r.get(12)?;
    let photos: String = r.get(13)?;
    let json_err = |e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(12, rusqlite::types::Type::Text, Box::new(e))
    };
    Ok(Inspection {
        id: r.get(0)?,
        template_id: r.get(1)?,
        template_version: r.get(2)?,
        address_code: r.get(3)?,
        subject_kind: r
            .get::<_, Option<String>>(4)?
            .and_then(|s| EntityKind::parse(&s)),
        subject_id: r.get(5)?,
        inspector: r.get(6)?,
        device_id: r.get(7)?,
        started_at: r.get(8)?,
        finished_at: r.get(9)?,
        location: lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon }),
        answers: serde_json::from_str(&answers).map_err(json_err)?,
        photos: serde_json::from_str(&photos).map_err(json_err)?,
        score: r.get(14)?,
        passed: r.get(15)?,
        vetoed: r.get(16)?,
        review_status: ReviewStatus::parse(&r.get::<_, String>(17)?).unwrap_or(ReviewStatus::Draft),
        review_comment: r.get(18)?,
        reviewed_by: r.get(19)?,
        reviewed_at: r.get(20)?,
        delivery: Delivery::parse(&r.get::<_, String>(21)?).unwrap_or(Delivery::Local),
    })
}

pub(crate) fn query_inspections(
    c: &Connection,
    where_: &str,
    arg: &str,
) -> Result<Vec<Inspection>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {INSPECTION_COLS} FROM inspections WHERE {where_}"
    ))?;
    let rows = st.query_map([arg], row_to_inspection)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn load_inspection(c: &Connection, id: &str) -> Result<Inspection> {
    query_inspections(c, "id = ?1", id)?
        .pop()
        .ok_or_else(|| Error::not_found("inspection", id))
}

pub(crate) fn query_hazards(
    c: &Connection,
    where_: &str,
    arg: &str,
    now: i64,
) -> Result<Vec<Hazard>> {
    query_hazards_with(c, where_, [arg], now)
}

fn query_hazards_with(
    c: &Connection,
    where_: &str,
    args: impl rusqlite::Params,
    now: i64,
) -> Result<Vec<Hazard>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT id, address_code, category, severity, description, status, assignee, deadline, photos,
            source_inspection, source_item, source_report, reported_by, created_at, updated_at, delivery
         FROM hazards WHERE {where_}"
    ))?;
    let rows = st.query_map(args, |r| {
        let status = HazardStatus::parse(&r.get::<_, String>(5)?).unwrap_or(HazardStatus::Reported);
        let deadline: Option<i64> = r.get(7)?;
        let photos: String = r.get(8)?;
        Ok(Hazard {
            id: r.get(0)?,
            address_code: r.get(1)?,
            category: r.get(2)?,
            severity: Severity::parse(&r.get::<_, String>(3)?).unwrap_or(Severity::Medium),
            description: r.get(4)?,
            status,
            assignee: r.get(6)?,
            deadline,
            photos: serde_json::from_str(&photos).unwrap_or_default(),
            source_inspection: r.get(9)?,
            source_item: r.get(10)?,
            source_report: r.get(11)?,
            reported_by: r.get(12)?,
            created_at: r.get(13)?,
            updated_at: r.get(14)?,
            delivery: Delivery::parse(&r.get::<_, String>(15)?).unwrap_or(Delivery::Local),
            overdue: hazard::is_overdue(status, deadline, now),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn load_events(c: &Connection, hazard_id: &str) -> Result<Vec<HazardEvent>> {
    let mut st = c.prepare_cached(
        "SELECT id, hazard_id, action, from_status, to_status, actor, device_id, at, note, photos, assignee, deadline
         FROM hazard_events WHERE hazard_id = ?1 ORDER BY at, rowid",
    )?;
    let rows = st.query_map([hazard_id], |r| {
        let photos: String = r.get(9)?;
        Ok(HazardEvent {
            id: r.get(0)?,
            hazard_id: r.get(1)?,
            action: r
                .get::<_, Option<String>>(2)?
                .and_then(|s| HazardAction::parse(&s)),
            from_status: r
                .get::<_, Option<String>>(3)?
                .and_then(|s| HazardStatus::parse(&s)),
            to_status: HazardStatus::parse(&r.get::<_, String>(4)?)
                .unwrap_or(HazardStatus::Reported),
            actor: r.get(5)?,
            device_id: r.get(6)?,
            at: r.get(7)?,
            note: r.get(8)?,
            photos: serde_json::from_str(&photos).unwrap_or_default(),
            assignee: r.get(10)?,
            deadline: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn query_reports(c: &Connection, where_: &str, arg: &str) -> Result<Vec<Report>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT id, address_code, address_text, text, photos, reporter, device_id, status, points, decision_note,
            hazard_id, created_at, delivery FROM reports WHERE {where_}"
    ))?;
    let rows = st.query_map([arg], |r| {
        let photos: String = r.get(4)?;
        Ok(Report {
            id: r.get(0)?,
            address_code: r.get(1)?,
            address_text: r.get(2)?,
            text: r.get(3)?,
            photos: serde_json::from_str(&photos).unwrap_or_default(),
            reporter: r.get(5)?,
            device_id: r.get(6)?,
            status: ReportStatus::parse(&r.get::<_, String>(7)?).unwrap_or(ReportStatus::Pending),
            points: r.get(8)?,
            decision_note: r.get(9)?,
            hazard_id: r.get(10)?,
            created_at: r.get(11)?,
            delivery: Delivery::parse(&r.get::<_, String>(12)?).unwrap_or(Delivery::Local),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
