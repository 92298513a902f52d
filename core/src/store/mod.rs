//! The device store: the encrypted SQLite file, the photo folder next to it, and
//! every local operation a grid worker or volunteer performs offline. Each write
//! is one short transaction that saves the data, its outbox entry, its HLC stamp
//! and an audit row together — so nothing is ever half-written.
//!
//! `Store` owns the connection (the single writer) and the transactions; each of
//! its methods delegates to the storage module of its concept, written as free
//! functions over a connection or a write transaction.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::checklist::{self, Answers, ChecklistTemplate, ItemPhotos};
use crate::clock::hlc::{Hlc, HlcClock};
use crate::clock::link::Link;
use crate::error::{Action, Input, Invalid};
use crate::error::{Error, Result};
use crate::hazard::{HazardAction, HazardStatus, StepInput};
use crate::i18n::Lang;
use crate::inspection;
use crate::model::{Address, Entity, EntityKind, GeoPoint, Grid, ReviewStatus, Role};
use crate::photo::{self, PhotoRef, PhotoStore};
use crate::plate::IssuerPublicKey;
use crate::record::RecordKind;
use crate::records::{Hazard, Inspection, Op, OutboxEntry, Report};

pub(crate) mod addresses;
pub(crate) mod audit;
#[cfg(feature = "sync")]
pub(crate) mod bootstrap;
pub(crate) mod cases;
pub mod db;
pub(crate) mod entities;
pub(crate) mod hazards;
pub(crate) mod inspections;
pub(crate) mod meta;
pub(crate) mod outbox;
pub(crate) mod photos;
pub(crate) mod plates;
pub(crate) mod points;
pub(crate) mod reports;
pub mod schema;
pub(crate) mod taxonomy;
pub(crate) mod templates;
pub(crate) mod validate;
pub(crate) mod visits;
pub mod wipe;

pub use addresses::{AddressHit, AddressView};
pub use cases::{CaseDetail, CaseFilter, CaseScope, CaseType, NewCase};
// The entity field check is also the model's (`model.rs` calls it by this path).
pub use hazards::{HazardDetail, HazardFilter, NewHazard};
pub use inspections::{InspectionOutcome, NewInspection};
pub use plates::PlateScan;
pub use points::{IssuedVoucher, PointsState};
pub use reports::NewReport;

use db::DbKey;
use meta::{META_HLC, META_IDENTITY, meta_get, meta_put};

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
    pub(crate) link: Link,
    /// The SQLCipher key, for a bootstrap's new replica file and the reopen after its swap.
    #[cfg_attr(not(feature = "sync"), allow(dead_code))]
    pub(crate) key: DbKey,
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
    #[cfg_attr(not(feature = "sync"), allow(dead_code))]
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
        audit::record(self, action, entity, entity_id, detail)
    }

    /// Queue an operation for push, stamped with `hlc`.
    pub fn outbox(&self, entity: &str, entity_id: &str, op: &Op, hlc: &Hlc) -> Result<String> {
        outbox::queue(self, entity, entity_id, op, hlc)
    }
}

impl Store {
    /// Create a new device store in `dir`. Fails if one exists: a second init
    /// must never silently replace a worker's data.
    pub fn init(dir: &Path, key: &DbKey, identity: Identity) -> Result<Store> {
        let db_path = dir.join(DB_FILE);
        if Store::exists(dir) {
            return Err(Error::AlreadyInitialised(dir.to_path_buf()));
        }
        if wipe::is_revoked(dir) {
            // Enrolled afresh after a wipe: finish it if it was cut short.
            wipe::remove_files(dir)?;
        }
        if identity.device_id.trim().is_empty() || identity.user.trim().is_empty() {
            return Err(Error::invalid(
                Input::Identity,
                Invalid::DeviceAndUserRequired,
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
                templates::insert_template(&tx, &t)?;
            }
            tx.commit()?;
        }
        drop(conn);
        wipe::clear_marker(dir)?;
        Store::open(dir, key)
    }

    /// Open the store in `dir`. A store wiped because its device was revoked
    /// opens as `Error::Revoked` (finishing the wipe if it was cut short).
    pub fn open(dir: &Path, key: &DbKey) -> Result<Store> {
        if wipe::is_revoked(dir) {
            wipe::remove_files(dir)?;
            return Err(Error::Revoked);
        }
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
        let link = Link::load(&conn)?;
        let photos = PhotoStore::new(
            dir.join(PHOTO_DIR),
            photo::DEFAULT_MAX_PHOTO_BYTES,
            key.photo_key(),
        );
        // Photos kept in the clear by an earlier version are sealed before use.
        photos.seal_plain_files()?;
        Ok(Store {
            conn: Mutex::new(conn),
            dir: dir.to_path_buf(),
            photos,
            identity,
            clock: Box::new(now_ms),
            hlc: Mutex::new(hlc),
            link,
            key: key.clone(),
        })
    }

    /// Whether `dir` holds a store (a wiped one does not).
    pub fn exists(dir: &Path) -> bool {
        dir.join(DB_FILE).exists() && !wipe::is_revoked(dir)
    }

    /// Lost phone: the server says this device is revoked. Delete the database
    /// and the photos, unsynced work included (the server refuses anything
    /// from a revoked device); this `Store` stays usable only as an empty,
    /// in-memory shell until the app is enrolled afresh.
    pub fn wipe_revoked(&self) -> Result<()> {
        wipe::wipe(self, self.now())
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
        self.photos = self.photos.with_max_bytes(max);
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
    fn require_personal_data(&self, what: RecordKind) -> Result<()> {
        if self.identity.role.sees_personal_data() {
            Ok(())
        } else {
            Err(Error::NotPermitted(Action::ReadPersonalData(what)))
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
        self.read(meta::lang)
    }

    pub fn set_lang(&self, lang: Lang) -> Result<()> {
        self.write(|t| meta::set_lang(&t.tx, lang))
    }

    /// Trust a plate issuer's public key (several may be trusted during rotation).
    pub fn trust_issuer(&self, key: IssuerPublicKey) -> Result<()> {
        self.write(|t| {
            meta::trust_issuer(&t.tx, key)?;
            t.audit("trust_issuer", "issuer", &key.key_id(), None)
        })
    }

    pub fn trusted_issuers(&self) -> Result<Vec<IssuerPublicKey>> {
        self.read(meta::issuer_keys)
    }

    // ---- reference data (arrives by import or sync, not from the worker) ----

    pub fn import_grids(&self, grids: &[Grid]) -> Result<usize> {
        self.write(|t| addresses::import_grids(t, grids))
    }

    /// Insert or update addresses in one transaction (a whole grid is ~650).
    pub fn import_addresses(&self, addresses: &[Address]) -> Result<usize> {
        self.write(|t| addresses::import_addresses(t, addresses))
    }

    pub fn grid(&self, code: &str) -> Result<Option<Grid>> {
        self.read(|c| addresses::grid(c, code))
    }

    /// Whether `grid_code` lies in this device's scope subtree.
    pub fn in_scope(&self, grid_code: &str) -> Result<bool> {
        self.read(|c| addresses::grid_in_subtree(c, grid_code, &self.identity.grid_scope))
    }

    pub fn address(&self, code: &str) -> Result<Option<Address>> {
        self.read(|c| addresses::load_address(c, code))
    }

    /// Find addresses by any fragment a person would type (see `addresses::search`).
    pub fn search_addresses(&self, query: &str, limit: u32) -> Result<Vec<AddressHit>> {
        self.read(|c| addresses::search(c, query, limit))
    }

    /// Everything at an address, filtered for this device's role.
    pub fn address_view(&self, code: &str) -> Result<AddressView> {
        let now = self.now();
        self.read(|c| addresses::view(c, &self.identity, code, now))
    }

    // ---- door plates ------------------------------------------------------------

    /// Verify a scanned plate offline and find its address.
    pub fn scan_plate(&self, qr_text: &str) -> Result<PlateScan> {
        let now = self.now();
        self.read(|c| plates::scan(c, &self.identity, qr_text, now))
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
        let clean = entities::check_put(self.identity.role, kind, fields)?;
        self.write(|t| entities::put(t, kind, id, address_code, clean))
    }

    /// An entity as this role may see it; ID numbers and phones masked.
    pub fn entity(&self, kind: EntityKind, id: &str) -> Result<Option<Entity>> {
        self.read(|c| entities::for_role(c, self.identity.role, kind, id))
    }

    /// Reveal one field's full value (an ID number, a phone) to a role that may
    /// see personal data; writes a local audit row (who, which entity and field,
    /// never the value) and queues the same record for the server's audit trail
    /// (`Op::PersonalDataRevealed`).
    pub fn reveal_field(&self, kind: EntityKind, id: &str, field: &str) -> Result<Option<String>> {
        self.write(|t| entities::reveal(t, kind, id, field))
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
        photos::register(&conn, r, self.now())
    }

    /// Photos referenced by records but not yet uploaded.
    pub fn pending_photos(&self) -> Result<Vec<PhotoRef>> {
        self.read(photos::pending)
    }

    // ---- checklists and inspections ------------------------------------------------

    pub fn templates(&self) -> Result<Vec<ChecklistTemplate>> {
        self.read(templates::all)
    }

    /// A template version; the newest when `version` is None.
    pub fn template(&self, id: &str, version: Option<u32>) -> Result<ChecklistTemplate> {
        self.read(|c| templates::load_template(c, id, version))
    }

    /// Store a template version (from the server). Versions are immutable once stored.
    pub fn add_template(&self, t: &ChecklistTemplate) -> Result<()> {
        t.check()?;
        self.write(|w| templates::insert_template(&w.tx, t))
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
        inspection::check_write(self.identity.role, &self.identity.user, None)
            .map_err(Error::refused)?;
        validate::check_location(new.location)?;
        let case_types = self.case_taxonomy()?;
        self.write(|t| inspections::record(t, new, answers, photos, started_at, &case_types))
    }

    /// Start a draft inspection (a long checklist may take several sittings).
    pub fn start_inspection(&self, new: &NewInspection) -> Result<String> {
        inspection::check_write(self.identity.role, &self.identity.user, None)
            .map_err(Error::refused)?;
        validate::check_location(new.location)?;
        self.write(|t| inspections::start(t, new))
    }

    /// Save partial answers of a draft (or a returned inspection being corrected).
    pub fn save_answers(&self, id: &str, answers: &Answers, photos: &ItemPhotos) -> Result<()> {
        self.write(|t| inspections::save_answers(t, id, answers, photos))
    }

    /// Finish a draft or resubmit a returned inspection, with its saved answers.
    pub fn submit_inspection(
        &self,
        id: &str,
        location: Option<GeoPoint>,
    ) -> Result<InspectionOutcome> {
        validate::check_location(location)?;
        let case_types = self.case_taxonomy()?;
        self.write(|t| inspections::submit_saved(t, id, location, &case_types))
    }

    /// A supervisor approves or returns a submitted inspection (queued as a command).
    pub fn review_inspection(&self, id: &str, approve: bool, comment: Option<&str>) -> Result<()> {
        inspections::check_review(self.identity.role, approve, comment)?;
        self.write(|t| inspections::review(t, id, approve, comment))
    }

    pub fn inspection(&self, id: &str) -> Result<Inspection> {
        self.require_personal_data(RecordKind::Inspection)?;
        self.read(|c| inspections::load_inspection(c, id))
    }

    pub fn inspections(&self, status: Option<ReviewStatus>) -> Result<Vec<Inspection>> {
        self.require_personal_data(RecordKind::Inspection)?;
        self.read(|c| inspections::list(c, status))
    }

    // ---- cases (事件) ----------------------------------------------------------------

    /// Open a case (or a dispute) offline; queued for the server to route.
    pub fn create_case(&self, new: &NewCase) -> Result<String> {
        let types = self.case_taxonomy()?;
        cases::check_new(self.identity.role, &types, new)?;
        self.write(|t| cases::create(t, &types, new))
    }

    /// Take one step of a case as this device's user; refused (with the rule's
    /// reason) when the state known here does not allow it.
    pub fn case_step(
        &self,
        id: &str,
        action: crate::case::CaseAction,
        input: &crate::case::StepInput,
    ) -> Result<crate::case::Case> {
        let types = self.case_taxonomy()?;
        self.write(|t| cases::step(t, &types, id, action, input))
    }

    pub fn cases(&self, filter: &CaseFilter) -> Result<Vec<crate::case::Case>> {
        let now = self.now();
        self.read(|c| cases::list(c, &self.identity, filter, now))
    }

    pub fn case(&self, id: &str) -> Result<CaseDetail> {
        let now = self.now();
        self.read(|c| cases::detail(c, &self.identity, id, now))
    }

    /// The steps this device's user may take on a case now (the buttons).
    pub fn allowed_case_actions(&self, id: &str) -> Result<Vec<crate::case::CaseAction>> {
        Ok(self.case(id)?.allowed)
    }

    /// The case taxonomy held (the server's, once synced).
    pub fn case_taxonomy(&self) -> Result<crate::taxonomy::Taxonomy> {
        self.read(taxonomy::case)
    }

    /// The case types a new case may be opened with, labelled in the store's language.
    pub fn case_types(&self) -> Result<Vec<CaseType>> {
        let lang = self.lang()?;
        Ok(cases::types(&self.case_taxonomy()?, lang))
    }

    /// Where this device's user stands for cases (scope path, department).
    pub fn case_scope(&self) -> Result<CaseScope> {
        self.read(|c| cases::scope(c, &self.identity))
    }

    /// Record the scope path and department the server told at enrollment (or an
    /// offline setup's own).
    pub fn set_case_scope(&self, scope: &CaseScope) -> Result<()> {
        self.write(|t| cases::set_scope(&t.tx, scope))
    }

    // ---- hazards ------------------------------------------------------------------

    pub fn create_hazard(&self, new: &NewHazard) -> Result<String> {
        let categories = self.hazard_taxonomy()?;
        hazards::check_new(self.identity.role, &categories, new)?;
        self.write(|t| hazards::create(t, new))
    }

    /// The hazard taxonomy this device holds (the server's, once synced): what
    /// new hazards are judged by, and the labels of categories.
    pub fn hazard_taxonomy(&self) -> Result<crate::taxonomy::Taxonomy> {
        self.read(taxonomy::hazard)
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
            validate::check_text(Input::Note, n)?;
        }
        self.write(|t| hazards::step(t, id, action, input))
    }

    pub fn hazards(&self, filter: &HazardFilter) -> Result<Vec<Hazard>> {
        let now = self.now();
        self.read(|c| hazards::list(c, filter, now))
    }

    pub fn hazard(&self, id: &str) -> Result<HazardDetail> {
        let now = self.now();
        self.read(|c| hazards::detail(c, id, now))
    }

    // ---- volunteer reports ----------------------------------------------------------

    pub fn file_report(&self, new: &NewReport) -> Result<String> {
        reports::check_new(new)?;
        crate::report::check_category(&self.case_taxonomy()?, new.category.as_deref())
            .map_err(Error::refused)?;
        self.write(|t| reports::file(t, new))
    }

    pub fn reports(&self) -> Result<Vec<Report>> {
        self.read(reports::list)
    }

    /// 积分: points credited for this user's accepted reports.
    pub fn points(&self) -> Result<i64> {
        self.read(|c| reports::points(c, &self.identity.user))
    }

    /// 积分 as the server last confirmed them, and the vouchers issued here.
    pub fn points_state(&self) -> Result<PointsState> {
        self.read(points::state)
    }

    /// Issue a voucher offline (signed with this phone's certified key) for
    /// `amount` points, good at `shop` (or any shop) for `valid_ms`.
    pub fn issue_voucher(
        &self,
        amount: i64,
        shop: Option<&str>,
        valid_ms: i64,
    ) -> Result<IssuedVoucher> {
        self.write(|t| points::issue(t, amount, shop, valid_ms))
    }

    /// Whether the leaderboard may name this volunteer (sent at the next sync).
    pub fn set_leaderboard_opt_out(&self, out: bool) -> Result<()> {
        self.write(|t| points::set_opt_out(t, out))
    }

    #[cfg_attr(not(feature = "sync"), allow(dead_code))]
    pub(crate) fn points_request(&self) -> Result<crate::points::PointsSyncRequest> {
        self.write(points::request)
    }

    #[cfg_attr(not(feature = "sync"), allow(dead_code))]
    pub(crate) fn apply_points(
        &self,
        sent: &crate::points::PointsSyncRequest,
        r: &crate::points::PointsSyncResponse,
    ) -> Result<()> {
        self.write(|t| points::apply(t, sent, r))
    }

    // ---- outbox and audit ---------------------------------------------------------------

    pub fn outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>> {
        self.read(|c| outbox::list(c, limit))
    }

    pub fn outbox_len(&self) -> Result<u64> {
        self.read(outbox::len)
    }

    pub fn audit_len(&self) -> Result<u64> {
        self.read(audit::len)
    }
}
