//! Photos, the outbox and sync: records the sync screen shows, enrollment, the
//! progress observer (a foreign trait) and the cancel handle, with the store's
//! photo and sync calls.

use std::path::PathBuf;
use std::sync::Arc;

use gridfield_core::records::{self as rec};
use gridfield_core::sync as sy;

use crate::error::Result;
use crate::*;

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoRef {
    /// SHA-256 of the bytes: the photo's name everywhere.
    pub hash: String,
    pub size: u64,
    pub mime: String,
}

impl From<gridfield_core::photo::PhotoRef> for PhotoRef {
    fn from(p: gridfield_core::photo::PhotoRef) -> Self {
        PhotoRef {
            hash: p.hash,
            size: p.size,
            mime: p.mime,
        }
    }
}

/// One operation waiting to be pushed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PendingOperation {
    pub op_id: String,
    /// `inspection_submit`, `hazard_step`…
    pub kind: String,
    pub entity: String,
    pub entity_id: String,
    pub created_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
}

impl From<rec::OutboxEntry> for PendingOperation {
    fn from(o: rec::OutboxEntry) -> Self {
        PendingOperation {
            kind: o.op.type_name().into(),
            op_id: o.op_id,
            entity: o.entity,
            entity_id: o.entity_id,
            created_at: o.created_at,
            attempts: o.attempts,
            last_error: o.last_error,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub done: u64,
    /// 0 when unknown (pull).
    pub total: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

impl From<&sy::SyncProgress> for SyncProgress {
    fn from(p: &sy::SyncProgress) -> Self {
        SyncProgress {
            phase: p.phase.into(),
            done: p.done,
            total: p.total,
            bytes_up: p.bytes_up,
            bytes_down: p.bytes_down,
        }
    }
}

/// An operation the server refused, with its reason.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Rejection {
    pub entity: String,
    pub entity_id: String,
    pub code: String,
    pub reason: String,
    pub reason_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncReport {
    pub pushed: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
    pub conflicts: u64,
    pub waiting_photos: u64,
    pub pulled: u64,
    pub photos_uploaded: u64,
    pub photos_failed: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// The replica matched the server's checksums for this device's scope.
    pub verified: bool,
    /// It did not, and was repaired.
    pub repaired: bool,
    /// This device's edits that lost to a concurrent edit made elsewhere (the
    /// other value is current; both are in the server's conflict log).
    pub lost: Vec<LostEdit>,
    /// The server turned out restored from a backup: what it lost went up again.
    pub server_restored: bool,
    pub reuploaded: u64,
    /// Local records dropped because the server no longer has them.
    pub dropped: u64,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LostEdit {
    pub entity: String,
    pub entity_id: String,
    pub fields: Vec<String>,
}

impl From<sy::SyncReport> for SyncReport {
    fn from(r: sy::SyncReport) -> Self {
        SyncReport {
            pushed: r.pushed,
            duplicates: r.duplicates,
            rejected: r
                .rejected
                .into_iter()
                .map(|j| Rejection {
                    entity: j.entity,
                    entity_id: j.entity_id,
                    code: j.code,
                    reason: j.message,
                    reason_en: j.message_en,
                })
                .collect(),
            conflicts: r.conflicts,
            waiting_photos: r.waiting_photos,
            pulled: r.pulled,
            photos_uploaded: r.photos_uploaded,
            photos_failed: r.photos_failed,
            bytes_up: r.bytes_up,
            bytes_down: r.bytes_down,
            verified: r.verified,
            repaired: r.repaired,
            lost: r
                .lost
                .into_iter()
                .map(|l| LostEdit {
                    entity: l.entity,
                    entity_id: l.entity_id,
                    fields: l.fields,
                })
                .collect(),
            server_restored: r.server_restored,
            reuploaded: r.reuploaded,
            dropped: r.dropped,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncErrorInfo {
    pub code: String,
    pub reason: String,
    pub reason_en: String,
    pub at: i64,
}

/// What support needs to see when "sync doesn't work".
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Diagnostics {
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub device_id: String,
    pub queue_depth: u64,
    pub pending_photos: u64,
    pub last_success: Option<i64>,
    pub last_error: Option<SyncErrorInfo>,
    /// How far this phone's clock is behind the server's (ms); writes are stamped
    /// in corrected time.
    pub clock_offset_ms: i64,
    /// Another installation used this enrollment: `reenroll` with a new code.
    pub needs_reenroll: bool,
}

impl From<sy::Diagnostics> for Diagnostics {
    fn from(d: sy::Diagnostics) -> Self {
        Diagnostics {
            enrolled: d.enrolled,
            server_url: d.server_url,
            device_id: d.device_id,
            queue_depth: d.queue_depth,
            pending_photos: d.pending_photos,
            last_success: d.last_success,
            last_error: d.last_error.map(|e| SyncErrorInfo {
                code: e.code,
                reason: e.message,
                reason_en: e.message_en,
                at: e.at,
            }),
            clock_offset_ms: d.clock_offset_ms,
            needs_reenroll: d.needs_reenroll,
        }
    }
}
#[uniffi::export]
impl GridfieldStore {
    /// Keep a photo (JPEG, PNG or WebP; 10 MB at most) and return its hash.
    pub fn add_photo(&self, bytes: Vec<u8>) -> Result<PhotoRef> {
        Ok(self.inner.add_photo(&bytes)?.into())
    }

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

    /// Point this device at a server that moved (same enrollment token).
    pub fn set_server_url(&self, server_url: String) -> Result<()> {
        let mut cfg = sy::SyncConfig::load(&self.inner)?;
        cfg.server_url = server_url;
        Ok(cfg.save(&self.inner)?)
    }

    pub fn diagnostics(&self) -> Result<Diagnostics> {
        Ok(sy::diagnostics(&self.inner)?.into())
    }
}

/// The long operations, async (Kotlin `suspend`, Swift `async`): each runs on the
/// core's network runtime, off the caller's thread.
#[uniffi::export(async_runtime = "tokio")]
impl GridfieldStore {
    /// A photo's bytes: from the phone, or downloaded once from the server
    /// (network). Cancelled by `cancel` or by cancelling the caller's coroutine/task.
    pub async fn photo(&self, hash: String, cancel: Arc<CancelHandle>) -> Result<Vec<u8>> {
        let store = self.inner.clone();
        Ok(sy::cancellable(cancel.inner.clone(), move |c| {
            sy::fetch_photo(&store, &hash, c)
        })
        .await?)
    }

    /// One sync round (photos, push, pull, verify). Progress goes to `observer`;
    /// `cancel`, or cancelling the caller's coroutine/task, stops it at once (also
    /// in the middle of a request) with `Cancelled`, losing nothing.
    pub async fn sync(
        &self,
        observer: Option<Arc<dyn SyncObserver>>,
        cancel: Arc<CancelHandle>,
    ) -> Result<SyncReport> {
        let store = self.inner.clone();
        let report = sy::cancellable(cancel.inner.clone(), move |c| {
            let bridge = observer.map(ObserverBridge);
            let obs = bridge.as_ref().map(|b| b as &dyn sy::SyncObserver);
            sy::sync(&store, obs, c)
        })
        .await?;
        Ok(report.into())
    }
}

/// Enroll this phone with a one-time code from the supervisor and create its store
/// in `data_dir` with the identity the server assigns (network, async). Once the
/// request is out it is not cut (the server's answer spends the code): a caller
/// that stops waiting leaves it to finish, and the store it created opens with
/// `GridfieldStore.open`.
#[uniffi::export(async_runtime = "tokio")]
pub async fn enroll(
    data_dir: String,
    key: Vec<u8>,
    server_url: String,
    code: String,
    device_name: String,
) -> Result<Arc<GridfieldStore>> {
    let key = db_key(&key)?;
    let store = sy::cancellable(sy::CancelHandle::new(), move |_| {
        sy::enroll(
            &PathBuf::from(data_dir),
            &key,
            &server_url,
            &code,
            &device_name,
        )
    })
    .await?;
    Ok(GridfieldStore::wrap(store))
}

/// Enroll this phone's existing store again with a new code, for the same user:
/// after the server found its enrollment in use by another installation (a copied
/// phone), or after it was revoked. Everything recorded and queued is kept and
/// goes up on the next sync. Close the old store handle first (its identity is
/// stale) and use the one returned. Async, and like `enroll` not cut once sent.
#[uniffi::export(async_runtime = "tokio")]
pub async fn reenroll(
    data_dir: String,
    key: Vec<u8>,
    code: String,
    device_name: String,
) -> Result<Arc<GridfieldStore>> {
    let key = db_key(&key)?;
    let store = sy::cancellable(sy::CancelHandle::new(), move |_| {
        sy::reenroll(&PathBuf::from(data_dir), &key, &code, &device_name)
    })
    .await?;
    Ok(GridfieldStore::wrap(store))
}

/// Receives sync progress on the sync thread; post it to the UI thread, quickly.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
}

struct ObserverBridge(Arc<dyn SyncObserver>);

impl sy::SyncObserver for ObserverBridge {
    fn on_progress(&self, p: &sy::SyncProgress) {
        self.0.on_progress(p.into());
    }
}

/// Cancels a running sync or photo download (the app going to background, the
/// user); cancelling the calling coroutine or task does the same.
#[derive(uniffi::Object, Default)]
pub struct CancelHandle {
    pub(crate) inner: sy::CancelHandle,
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
