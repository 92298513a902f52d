//! gridfield-ffi: the uniffi facade the Android and iOS shells call. A public
//! object wraps the core's `Store`; each exported method is a thin delegation that
//! converts types and maps errors in one place (`error.rs`). No SQL here.
//!
//! Calls are blocking and quick, except `sync`, `enroll` and `fetch_photo`, which do
//! network I/O: the shells run those on a background thread (Dispatchers.IO, a Swift
//! Task) and may cancel them with a `CancelHandle`.

use std::path::PathBuf;
use std::sync::Arc;

use gridfield_core::hazard::{self as hz, HazardAction as CoreHazardAction};
use gridfield_core::{Store, checklist, sync as core_sync};

mod error;
mod types;

pub use error::{GridfieldError, Result};
pub use types::*;

uniffi::setup_scaffolding!();

/// The device's encrypted store: a grid worker's or volunteer's whole offline world.
#[derive(uniffi::Object)]
pub struct GridfieldStore {
    inner: Arc<Store>,
}

impl GridfieldStore {
    fn wrap(store: Store) -> Arc<Self> {
        Arc::new(GridfieldStore {
            inner: Arc::new(store),
        })
    }

    /// The core store, for Rust callers (tests, benches).
    pub fn core(&self) -> &Store {
        &self.inner
    }
}

#[uniffi::export]
impl GridfieldStore {
    /// Open the store in `data_dir` with the 32-byte key from the platform keystore.
    /// A wrong key is `WrongKey` and leaves the file untouched.
    #[uniffi::constructor]
    pub fn open(data_dir: String, key: Vec<u8>) -> Result<Arc<Self>> {
        Ok(Self::wrap(Store::open(
            &PathBuf::from(data_dir),
            &types::db_key(&key)?,
        )?))
    }

    /// Create a store offline, without a server (demos, training). Enrolled phones
    /// use `enroll` instead.
    #[uniffi::constructor]
    pub fn create_offline(
        data_dir: String,
        key: Vec<u8>,
        identity: DeviceIdentity,
    ) -> Result<Arc<Self>> {
        Ok(Self::wrap(Store::init(
            &PathBuf::from(data_dir),
            &types::db_key(&key)?,
            identity.into(),
        )?))
    }

    pub fn identity(&self) -> DeviceIdentity {
        self.inner.identity().into()
    }

    pub fn lang(&self) -> Result<Lang> {
        Ok(self.inner.lang()?.into())
    }

    /// The language of reasons the core writes (plate verdicts): the user's choice.
    pub fn set_lang(&self, lang: Lang) -> Result<()> {
        Ok(self.inner.set_lang(lang.into())?)
    }

    /// Trust another door-plate issuer key (hex), e.g. after a key rotation.
    pub fn trust_issuer(&self, public_key_hex: String) -> Result<()> {
        let key = gridfield_core::plate::IssuerPublicKey::from_hex(&public_key_hex)
            .map_err(gridfield_core::Error::from)?;
        Ok(self.inner.trust_issuer(key)?)
    }

    // ---- my grid ---------------------------------------------------------------------

    pub fn grid(&self, code: String) -> Result<Option<Grid>> {
        Ok(self.inner.grid(&code)?.map(Into::into))
    }

    /// Address search (full text, plate serial or code); an empty query lists the grid.
    pub fn search_addresses(&self, query: String, limit: u32) -> Result<Vec<AddressHit>> {
        Ok(self
            .inner
            .search_addresses(&query, limit)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Everything at one address (一标多实), as this role may see it.
    pub fn address_view(&self, code: String) -> Result<AddressView> {
        Ok(self.inner.address_view(&code)?.into())
    }

    /// Verify a scanned QR text offline. Forged or altered plates come back with
    /// `verified = false` and a reason, never as an error.
    pub fn scan_plate(&self, qr_text: String) -> Result<PlateScan> {
        Ok(self.inner.scan_plate(&qr_text)?.into())
    }

    /// Create (no `id`) or update an entity field by field; returns its id.
    pub fn put_entity(
        &self,
        kind: EntityKind,
        id: Option<String>,
        address_code: Option<String>,
        fields: Vec<EntityField>,
    ) -> Result<String> {
        let json = types::entity_fields_json(kind, fields);
        Ok(self
            .inner
            .put_entity(kind.into(), id.as_deref(), address_code.as_deref(), &json)?)
    }

    pub fn entity(&self, kind: EntityKind, id: String) -> Result<Option<Entity>> {
        Ok(self.inner.entity(kind.into(), &id)?.map(Into::into))
    }

    // ---- photos ------------------------------------------------------------------------

    /// Keep a photo (JPEG, PNG, WebP, HEIC; 10 MB at most) and return its hash.
    pub fn add_photo(&self, bytes: Vec<u8>) -> Result<PhotoRef> {
        Ok(self.inner.add_photo(&bytes)?.into())
    }

    /// A photo's bytes: from the phone, or downloaded once from the server (network).
    pub fn photo(&self, hash: String, cancel: Arc<CancelHandle>) -> Result<Vec<u8>> {
        Ok(core_sync::fetch_photo(&self.inner, &hash, &cancel.inner)?)
    }

    // ---- checklists and inspections ---------------------------------------------------

    pub fn templates(&self) -> Result<Vec<ChecklistTemplate>> {
        Ok(self
            .inner
            .templates()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub fn template(&self, id: String, version: Option<u32>) -> Result<ChecklistTemplate> {
        Ok(self.inner.template(&id, version)?.into())
    }

    /// Check answers as the worker fills them in (nothing is saved): what is missing
    /// or wrong per item, or the score and failing items once complete.
    pub fn check_answers(
        &self,
        template_id: String,
        version: u32,
        answers: Vec<ItemAnswer>,
        photos: Vec<ItemPhotos>,
    ) -> Result<ChecklistCheck> {
        let tpl = self.inner.template(&template_id, Some(version))?;
        Ok(tpl
            .evaluate(&types::answers_json(&answers), &types::photos_json(photos))
            .into())
    }

    /// Start a draft; answers are saved as the worker goes (`save_answers`).
    pub fn start_inspection(&self, new: NewInspection) -> Result<String> {
        Ok(self.inner.start_inspection(&new.into())?)
    }

    /// Save the answers given so far (partial answers are fine in a draft).
    pub fn save_answers(
        &self,
        inspection_id: String,
        answers: Vec<ItemAnswer>,
        photos: Vec<ItemPhotos>,
    ) -> Result<()> {
        Ok(self.inner.save_answers(
            &inspection_id,
            &types::answers_json(&answers),
            &types::photos_json(photos),
        )?)
    }

    /// Finish (or resubmit after a return): validated, scored, hazards raised, queued.
    pub fn submit_inspection(
        &self,
        inspection_id: String,
        location: Option<GeoPoint>,
    ) -> Result<InspectionOutcome> {
        Ok(self
            .inner
            .submit_inspection(&inspection_id, location.map(Into::into))?
            .into())
    }

    /// Record a whole checklist in one step (answers already complete).
    pub fn record_inspection(
        &self,
        new: NewInspection,
        answers: Vec<ItemAnswer>,
        photos: Vec<ItemPhotos>,
    ) -> Result<InspectionOutcome> {
        Ok(self
            .inner
            .record_inspection(
                &new.into(),
                &types::answers_json(&answers),
                &types::photos_json(photos),
                None,
            )?
            .into())
    }

    pub fn inspection(&self, id: String) -> Result<Inspection> {
        let i = self.inner.inspection(&id)?;
        let tpl = self
            .inner
            .template(&i.template_id, Some(i.template_version))?;
        Ok(Inspection::new(i, &tpl))
    }

    pub fn inspections(&self, status: Option<ReviewStatus>) -> Result<Vec<InspectionSummary>> {
        Ok(self
            .inner
            .inspections(status.map(Into::into))?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A supervisor approves, or returns with a comment that reaches the worker.
    pub fn review_inspection(
        &self,
        inspection_id: String,
        approve: bool,
        comment: Option<String>,
    ) -> Result<()> {
        Ok(self
            .inner
            .review_inspection(&inspection_id, approve, comment.as_deref())?)
    }

    // ---- hazards -----------------------------------------------------------------------

    pub fn create_hazard(&self, new: NewHazard) -> Result<String> {
        Ok(self.inner.create_hazard(&new.into())?)
    }

    /// Take a lifecycle step; returns the new status.
    pub fn hazard_step(
        &self,
        hazard_id: String,
        action: HazardAction,
        input: StepInput,
    ) -> Result<HazardStatus> {
        Ok(self
            .inner
            .hazard_step(&hazard_id, action.into(), &input.into())?
            .into())
    }

    pub fn hazards(&self, filter: HazardFilter) -> Result<Vec<Hazard>> {
        Ok(self
            .inner
            .hazards(&filter.into())?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub fn hazard(&self, id: String) -> Result<HazardDetail> {
        let d = self.inner.hazard(&id)?;
        let role = self.inner.identity().role;
        // Any input a step could need: this asks only "may this role, from this state".
        let probe = hz::StepInput {
            assignee: Some("-".into()),
            deadline: Some(i64::MAX / 2),
            note: Some("-".into()),
            photos: vec!["0".repeat(64)],
        };
        let actions = CoreHazardAction::ALL
            .into_iter()
            .filter(|a| hz::next_status(d.hazard.status, *a, role, &probe).is_ok())
            .map(Into::into)
            .collect();
        Ok(HazardDetail {
            hazard: d.hazard.into(),
            events: d.events.into_iter().map(Into::into).collect(),
            actions,
        })
    }

    // ---- volunteer reports and points --------------------------------------------------

    pub fn file_report(&self, new: NewReport) -> Result<String> {
        Ok(self.inner.file_report(&new.into())?)
    }

    pub fn reports(&self) -> Result<Vec<Report>> {
        Ok(self.inner.reports()?.into_iter().map(Into::into).collect())
    }

    /// 积分 from accepted reports.
    pub fn points(&self) -> Result<i64> {
        Ok(self.inner.points()?)
    }

    // ---- sync --------------------------------------------------------------------------

    /// Operations waiting to be pushed (the pending count on the sync screen).
    pub fn pending_count(&self) -> Result<u64> {
        Ok(self.inner.outbox_len()?)
    }

    pub fn pending_operations(&self, limit: u32) -> Result<Vec<PendingOperation>> {
        Ok(self
            .inner
            .outbox(limit)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// One sync round (photos, push, pull, verify). Blocking: call it off the UI
    /// thread. Progress goes to `observer`; `cancel` stops it between requests with
    /// `Cancelled`, losing nothing.
    pub fn sync(
        &self,
        observer: Option<Arc<dyn SyncObserver>>,
        cancel: Arc<CancelHandle>,
    ) -> Result<SyncReport> {
        let bridge = observer.map(ObserverBridge);
        let obs = bridge.as_ref().map(|b| b as &dyn core_sync::SyncObserver);
        Ok(core_sync::sync(&self.inner, obs, &cancel.inner)?.into())
    }

    /// Point this device at a server that moved (same enrollment token).
    pub fn set_server_url(&self, server_url: String) -> Result<()> {
        let mut cfg = core_sync::SyncConfig::load(&self.inner)?;
        cfg.server_url = server_url;
        Ok(cfg.save(&self.inner)?)
    }

    pub fn diagnostics(&self) -> Result<Diagnostics> {
        Ok(core_sync::diagnostics(&self.inner)?.into())
    }
}

/// Enroll this phone with a one-time code from the supervisor and create its store
/// in `data_dir` with the identity the server assigns (network).
#[uniffi::export]
pub fn enroll(
    data_dir: String,
    key: Vec<u8>,
    server_url: String,
    code: String,
    device_name: String,
) -> Result<Arc<GridfieldStore>> {
    Ok(GridfieldStore::wrap(core_sync::enroll(
        &PathBuf::from(data_dir),
        &types::db_key(&key)?,
        &server_url,
        &code,
        &device_name,
    )?))
}

/// Enroll this phone's existing store again with a new code, for the same user:
/// after the server found its enrollment in use by another installation (a copied
/// phone), or after it was revoked. Everything recorded and queued is kept and
/// goes up on the next sync. Close the old store handle first (its identity is
/// stale) and use the one returned.
#[uniffi::export]
pub fn reenroll(
    data_dir: String,
    key: Vec<u8>,
    code: String,
    device_name: String,
) -> Result<Arc<GridfieldStore>> {
    Ok(GridfieldStore::wrap(core_sync::reenroll(
        &PathBuf::from(data_dir),
        &types::db_key(&key)?,
        &code,
        &device_name,
    )?))
}

/// Is there a store in `data_dir` (to choose between the enroll and home screens)?
#[uniffi::export]
pub fn store_exists(data_dir: String) -> bool {
    Store::exists(&PathBuf::from(data_dir))
}

/// 32 random bytes for a new database key, to be sealed by the platform keystore.
#[uniffi::export]
pub fn generate_database_key() -> Result<Vec<u8>> {
    let key = gridfield_core::DbKey::generate()?;
    let hex = key.to_hex();
    Ok((0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex from to_hex"))
        .collect())
}

// ---- labels the shells show -----------------------------------------------------------

#[uniffi::export]
pub fn hazard_status_label(status: HazardStatus, lang: Lang) -> String {
    hz::HazardStatus::from(status).label(lang.into()).into()
}

#[uniffi::export]
pub fn hazard_action_label(action: HazardAction, lang: Lang) -> String {
    CoreHazardAction::from(action).label(lang.into()).into()
}

/// 电动车室内充电, 逃生通道堵塞… for a category code.
#[uniffi::export]
pub fn hazard_category_label(category: String, lang: Lang) -> String {
    checklist::hazard_category_label(&category, lang.into())
}

#[uniffi::export]
pub fn severity_label(severity: Severity, lang: Lang) -> String {
    checklist::Severity::from(severity)
        .label(lang.into())
        .into()
}

#[uniffi::export]
pub fn review_status_label(status: ReviewStatus, lang: Lang) -> String {
    gridfield_core::model::ReviewStatus::from(status)
        .label(lang.into())
        .into()
}

#[uniffi::export]
pub fn role_label(role: Role, lang: Lang) -> String {
    gridfield_core::model::Role::from(role)
        .label(lang.into())
        .into()
}

// ---- sync progress and cancellation ----------------------------------------------------

/// Receives sync progress on the sync thread; post it to the UI thread, quickly.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
}

struct ObserverBridge(Arc<dyn SyncObserver>);

impl core_sync::SyncObserver for ObserverBridge {
    fn on_progress(&self, p: &core_sync::SyncProgress) {
        self.0.on_progress(p.into());
    }
}

/// Cancels a running sync or photo download (the app going to background, the user).
#[derive(uniffi::Object, Default)]
pub struct CancelHandle {
    inner: core_sync::CancelHandle,
}

#[uniffi::export]
impl CancelHandle {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn cancel(&self) {
        self.inner.cancel()
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridfield_core::error::Error as CoreError;
    use gridfield_core::error::{Action, Input, Invalid};
    use gridfield_core::record::RecordKind;

    fn offline(dir: &std::path::Path, role: Role) -> Arc<GridfieldStore> {
        GridfieldStore::create_offline(
            dir.to_string_lossy().into(),
            generate_database_key().unwrap(),
            DeviceIdentity {
                device_id: "d1".into(),
                user: "u1".into(),
                role,
                grid_scope: "320583001003".into(),
            },
        )
        .unwrap()
    }

    #[test]
    fn every_error_reaches_the_shell_with_both_languages() {
        let cases = [
            (CoreError::WrongKey, "WrongKey"),
            (CoreError::DiskFull, "StorageFull"),
            (CoreError::NotEnrolled, "Sync"),
            (CoreError::Cancelled, "Cancelled"),
            (CoreError::NotPermitted(Action::Inspect), "NotPermitted"),
            (CoreError::not_found(RecordKind::Hazard, "h1"), "NotFound"),
            (
                CoreError::invalid(Input::Comment, Invalid::Required),
                "InvalidInput",
            ),
            (
                CoreError::SchemaTooNew {
                    found: 9,
                    supported: 2,
                },
                "UpdateRequired",
            ),
        ];
        for (core, variant) in cases {
            let code = core.code().to_string();
            let e = GridfieldError::from(core);
            assert!(format!("{e:?}").starts_with(variant), "{e:?}");
            assert_eq!(e.code(), code);
            let zh = e.reason(gridfield_core::Lang::Zh);
            let en = e.reason(gridfield_core::Lang::En);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii(), "{en}");
        }
        let server = GridfieldError::from(CoreError::Server {
            status: 401,
            code: "unauthorized".into(),
            message: "token revoked".into(),
        });
        assert!(matches!(
            server,
            GridfieldError::Sync {
                http_status: 401,
                ..
            }
        ));
    }

    #[test]
    fn keys_must_be_32_bytes_and_the_wrong_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = GridfieldStore::open(dir.path().to_string_lossy().into(), vec![1; 31])
            .err()
            .unwrap();
        assert_eq!(err.code(), "bad_key");
        drop(offline(dir.path(), Role::Worker));
        let err = GridfieldStore::open(dir.path().to_string_lossy().into(), vec![7; 32])
            .err()
            .unwrap();
        assert!(matches!(err, GridfieldError::WrongKey { .. }));
    }

    #[test]
    fn typed_answers_survive_the_round_trip_through_a_draft() {
        let dir = tempfile::tempdir().unwrap();
        let s = offline(dir.path(), Role::Worker);
        let tpl = s.template("rental_fire_safety".into(), None).unwrap();
        let photo = s
            .add_photo(std::fs::read("../core/tests/fixtures/site.png").unwrap())
            .unwrap();
        let answers = vec![
            ItemAnswer {
                item_id: "ebike_indoor".into(),
                answer: Answer::YesNoNa {
                    value: YesNoNa::Yes,
                },
            },
            ItemAnswer {
                item_id: "extinguisher_count".into(),
                answer: Answer::Number { value: 2.0 },
            },
            ItemAnswer {
                item_id: "gas_type".into(),
                answer: Answer::Choice {
                    option: "piped".into(),
                },
            },
            ItemAnswer {
                item_id: "remarks".into(),
                answer: Answer::Text {
                    value: "楼道堆物".into(),
                },
            },
            ItemAnswer {
                item_id: "site_photos".into(),
                answer: Answer::Photos {
                    hashes: vec![photo.hash.clone()],
                },
            },
            ItemAnswer {
                item_id: "landlord_signature".into(),
                answer: Answer::Signature {
                    hash: photo.hash.clone(),
                },
            },
        ];
        // Drafts need an address on the device; put the core fixture's in.
        let csv = std::fs::read_to_string("../core/tests/fixtures/addresses.csv").unwrap();
        let rows: Vec<_> = csv
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                gridfield_core::model::Address::from_csv_row(&f).unwrap()
            })
            .collect();
        let grids: Vec<_> = std::fs::read_to_string("../core/tests/fixtures/grids.csv")
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                gridfield_core::model::Grid {
                    code: f[0].into(),
                    name: f[1].into(),
                    level: f[2].parse().unwrap(),
                    parent_code: Some(f[3]).filter(|p| !p.is_empty()).map(Into::into),
                }
            })
            .collect();
        s.core().import_grids(&grids).unwrap();
        s.core().import_addresses(&rows).unwrap();
        let id = s
            .start_inspection(NewInspection {
                template_id: tpl.id.clone(),
                template_version: None,
                address_code: rows[0].code.clone(),
                subject_kind: None,
                subject_id: None,
                location: None,
            })
            .unwrap();
        s.save_answers(id.clone(), answers.clone(), vec![]).unwrap();
        let back = s.inspection(id).unwrap();
        let mut got = back.answers.clone();
        let mut want = answers;
        got.sort_by(|a, b| a.item_id.cmp(&b.item_id));
        want.sort_by(|a, b| a.item_id.cmp(&b.item_id));
        assert_eq!(got, want);

        // The live check names what is missing, per item, in both languages.
        let check = s
            .check_answers(tpl.id.clone(), tpl.version, back.answers, vec![])
            .unwrap();
        assert!(!check.complete);
        let p = check
            .problems
            .iter()
            .find(|p| p.item_id == "ebike_indoor")
            .expect("failing item without photo");
        assert_eq!(p.code, "photo_required_on_fail");
        assert!(p.reason.contains("拍照"));
        assert!(check.problems.iter().any(|p| p.code == "missing_required"));
    }

    #[test]
    fn integer_entity_fields_are_numbers_and_volunteers_cannot_edit() {
        let json = types::entity_fields_json(
            EntityKind::RentalUnit,
            vec![
                EntityField {
                    name: "rooms".into(),
                    value: Some(" 3 ".into()),
                },
                EntityField {
                    name: "landlord_name".into(),
                    value: None,
                },
            ],
        );
        assert_eq!(json["rooms"], serde_json::json!(3));
        assert!(json["landlord_name"].is_null());

        let dir = tempfile::tempdir().unwrap();
        let s = offline(dir.path(), Role::Volunteer);
        let err = s
            .put_entity(EntityKind::Household, None, Some("x".into()), vec![])
            .unwrap_err();
        assert!(matches!(err, GridfieldError::NotPermitted { .. }));
    }
}
