//! What a sync round tells its caller: progress while it runs, a way to cancel
//! it between requests, and the report, rejections and diagnostics afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use super::recovery::RecoveryInfo;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Photos,
    Push,
    Pull,
    Done,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Photos uploaded / operations answered / changes applied so far in this phase.
    pub done: u64,
    /// Known total for the phase (0 when unknown, as for pull).
    pub total: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

/// Called on the sync thread; keep it quick (post to the UI thread).
pub trait SyncObserver: Send + Sync {
    fn on_progress(&self, p: &SyncProgress);
}

/// Cancels a running sync, between requests or in the middle of one; the sync
/// then returns `Error::Cancelled`.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    pub(crate) fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// An operation the server refused; the record is marked `rejected` and the reason
/// is kept in the audit log for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    pub op_id: String,
    pub entity: String,
    pub entity_id: String,
    pub code: String,
    /// Simplified Chinese.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    /// Operations the server applied now.
    pub pushed: u64,
    /// Operations it had applied before (replays after a cut).
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
    /// Fields this device wrote that were concurrently overwritten (server conflict log).
    pub conflicts: u64,
    /// Operations kept in the outbox because a photo they need is not on the server
    /// yet (an upload failed); they go next time.
    pub waiting_photos: u64,
    /// Changes applied from the server.
    pub pulled: u64,
    pub photos_uploaded: u64,
    /// Photos that could not be uploaded (missing or damaged on this device, or refused).
    pub photos_failed: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub cursor: String,
    /// The replica matched the server's checksums for this device's scope.
    pub verified: bool,
    /// It did not, and was re-pulled from the start.
    pub repaired: bool,
    /// Edits of this device that lost to a concurrent edit made elsewhere; the
    /// other value is current and both are in the server's conflict log.
    pub lost: Vec<LostEdit>,
    /// The server turned out restored from a backup (or replaced): what it lost
    /// was re-uploaded and the replica reconciled.
    pub server_restored: bool,
    /// Operations re-uploaded after a restore.
    pub reuploaded: u64,
    /// Local records dropped by reconciliation (the server no longer has them).
    pub dropped: u64,
}

/// Fields of one of this device's edits that lost a concurrent merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostEdit {
    pub op_id: String,
    pub entity: String,
    pub entity_id: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncErrorInfo {
    pub code: String,
    pub message: String,
    pub message_en: String,
    pub at: i64,
}

/// What support needs to see when "sync doesn't work".
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostics {
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub device_id: String,
    /// Operations waiting in the outbox.
    pub queue_depth: u64,
    /// Photos queued operations need that are not uploaded yet.
    pub pending_photos: u64,
    pub last_success: Option<i64>,
    pub last_error: Option<SyncErrorInfo>,
    pub cursor: Option<String>,
    /// Measured offset of this device's clock from the server's (ms; positive: the
    /// device is behind). Writes are stamped in corrected time.
    pub clock_offset_ms: i64,
    /// A second installation used this enrollment: re-enroll to sync again.
    pub needs_reenroll: bool,
    /// The last time the server was found restored, and what was re-uploaded.
    pub last_recovery: Option<RecoveryInfo>,
}
