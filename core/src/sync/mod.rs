//! The sync client: enrollment, then rounds of photo upload → push → pull against
//! the Gridfield server (`docs/SYNC.md`, bodies in [`crate::wire`]).
//!
//! Blocking code on a background thread (async callers go through
//! [`cancellable`]); HTTP on the core's own runtime (`transport`). The store's lock
//! is never held across network I/O — only for short reads and transactions — so the
//! worker keeps recording while a sync runs. Every step is safe to cut anywhere:
//! outbox rows go only once the server has answered for them (by `op_id`, so rows
//! written meanwhile stay), pulled pages commit together with their cursor, and
//! photo uploads resume from the server's offset.
//!
//! One module per step of a round: `photos`, `push`, `pull` (applied by `apply`;
//! an empty or repaired replica is built by `bootstrap` first),
//! `verify`, `recovery`; `transport` is the HTTP client, `status` what the caller
//! sees, `enroll` the first contact.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::error::{Input, Invalid};
use crate::i18n::Lang;
use crate::store::{self, Store};
use crate::wire;

pub(crate) mod apply;
mod bootstrap;
mod enroll;
mod photos;
mod points;
mod pull;
mod push;
mod recovery;
mod revoked;
mod status;
#[cfg(test)]
mod tests;
mod transport;
mod verify;

pub use enroll::enroll;
pub use photos::fetch_photo;
pub use recovery::{RecoveryInfo, reenroll};
pub use status::{
    CancelHandle, Diagnostics, LostEdit, Rejection, SyncErrorInfo, SyncObserver, SyncPhase,
    SyncProgress, SyncReport,
};

use transport::Http;
pub use transport::cancellable;

pub(crate) const META_SERVER_URL: &str = "server_url";
pub(crate) const META_TOKEN: &str = "token";
const META_LAST_SUCCESS: &str = "sync_last_success";
const META_LAST_ERROR: &str = "sync_last_error";

/// Photos go up in pieces this size; a cut costs at most one piece.
pub const BLOB_CHUNK: usize = 1024 * 1024;
/// A push body stays under this (besides `wire::MAX_PUSH_OPS`), so a slow link
/// finishes a batch well within the request timeout.
pub const MAX_PUSH_BYTES: usize = 1024 * 1024;
/// Changes asked for per pull page (one local transaction each).
pub const PULL_LIMIT: u32 = 500;

/// Where this device syncs, persisted in the (encrypted) device database.
#[derive(Clone, PartialEq, Eq)]
pub struct SyncConfig {
    pub server_url: String,
    pub token: String,
}

impl std::fmt::Debug for SyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConfig")
            .field("server_url", &self.server_url)
            .field("token", &"…")
            .finish()
    }
}

impl SyncConfig {
    /// The saved configuration; `Error::NotEnrolled` when the device has none.
    pub fn load(store: &Store) -> Result<SyncConfig> {
        store.read(|c| {
            match (
                store::meta::meta_get(c, META_SERVER_URL)?,
                store::meta::meta_get(c, META_TOKEN)?,
            ) {
                (Some(server_url), Some(token)) => Ok(SyncConfig { server_url, token }),
                _ => Err(Error::NotEnrolled),
            }
        })
    }

    /// Save (or change, e.g. a server that moved) where this device syncs.
    pub fn save(&self, store: &Store) -> Result<()> {
        let url = normalise_url(&self.server_url)?;
        store.write(|t| {
            store::meta::meta_put(&t.tx, META_SERVER_URL, &url)?;
            store::meta::meta_put(&t.tx, META_TOKEN, &self.token)?;
            t.audit(
                "sync_config",
                "device",
                &t.me.device_id,
                Some(&serde_json::json!({ "server_url": url })),
            )
        })
    }
}

fn normalise_url(url: &str) -> Result<String> {
    let u = url.trim().trim_end_matches('/');
    if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() <= "https://".len() {
        return Err(Error::invalid(
            Input::ServerAddress,
            Invalid::NotAServerAddress,
        ));
    }
    Ok(u.to_string())
}

// ---- the sync round ---------------------------------------------------------------------

/// One sync round: photos the queued operations need → push the outbox → pull
/// until the server has nothing more. Outcomes are persisted for [`diagnostics`].
pub fn sync(
    store: &Store,
    observer: Option<&dyn SyncObserver>,
    cancel: &CancelHandle,
) -> Result<SyncReport> {
    let _running = RunningGuard::acquire(store.dir(), cancel)?;
    let result = recovery::check_not_cloned(store)
        .and_then(|()| SyncConfig::load(store))
        .and_then(|cfg| Round::new(store, &cfg, observer, cancel).run());
    let now = store.now();
    match &result {
        Err(e) if e.code() == wire::DEVICE_CLONED && recovery::check_not_cloned(store).is_ok() => {
            recovery::mark_cloned(store)?
        }
        _ => {}
    }
    match &result {
        Ok(_) => {
            let _ =
                store.write(|t| store::meta::meta_put(&t.tx, META_LAST_SUCCESS, &now.to_string()));
        }
        Err(Error::Cancelled) => {}
        Err(e) => {
            let info = SyncErrorInfo {
                code: e.code().into(),
                message: e.message(Lang::Zh),
                message_en: e.message(Lang::En),
                at: now,
            };
            if let Ok(json) = serde_json::to_string(&info) {
                let _ = store.write(|t| store::meta::meta_put(&t.tx, META_LAST_ERROR, &json));
            }
        }
    }
    result
}

pub fn diagnostics(store: &Store) -> Result<Diagnostics> {
    let (server_url, token, last_success, last_error, cursor) = store.read(|c| {
        Ok((
            store::meta::meta_get(c, META_SERVER_URL)?,
            store::meta::meta_get(c, META_TOKEN)?,
            store::meta::meta_get(c, META_LAST_SUCCESS)?,
            store::meta::meta_get(c, META_LAST_ERROR)?,
            store::meta::meta_get(c, apply::META_CURSOR)?,
        ))
    })?;
    Ok(Diagnostics {
        enrolled: server_url.is_some() && token.is_some(),
        server_url,
        device_id: store.identity().device_id.clone(),
        queue_depth: store.outbox_len()?,
        pending_photos: photos::photos_needed(store)?.len() as u64,
        last_success: last_success.and_then(|s| s.parse().ok()),
        last_error: last_error.and_then(|s| serde_json::from_str(&s).ok()),
        cursor,
        clock_offset_ms: store.clock_offset(),
        needs_reenroll: recovery::check_not_cloned(store).is_err(),
        last_recovery: recovery::last_recovery(store)?,
    })
}

/// One sync at a time per device store (a second tap, or the shell's periodic
/// sync meeting a manual one). A round already cancelled (its caller gone, say a
/// cancelled coroutine) is only winding down: the next one waits for it briefly
/// instead of being refused.
struct RunningGuard(PathBuf);

static RUNNING: Mutex<Vec<(PathBuf, CancelHandle)>> = Mutex::new(Vec::new());

/// How long a new round waits for a cancelled one to finish.
const WIND_DOWN: std::time::Duration = std::time::Duration::from_secs(5);

impl RunningGuard {
    fn acquire(dir: &Path, cancel: &CancelHandle) -> Result<RunningGuard> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let deadline = std::time::Instant::now() + WIND_DOWN;
        loop {
            let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
            match running.iter().find(|(p, _)| p == &key) {
                None => {
                    running.push((key.clone(), cancel.clone()));
                    return Ok(RunningGuard(key));
                }
                Some((_, other)) if other.is_cancelled() => {}
                Some(_) => return Err(Error::SyncInProgress),
            }
            drop(running);
            if std::time::Instant::now() >= deadline {
                return Err(Error::SyncInProgress);
            }
            cancel.check()?;
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|(p, _)| p != &self.0);
    }
}

struct Round<'a> {
    store: &'a Store,
    http: Http<'a>,
    observer: Option<&'a dyn SyncObserver>,
    cancel: &'a CancelHandle,
    report: SyncReport,
}

impl<'a> Round<'a> {
    fn new(
        store: &'a Store,
        cfg: &SyncConfig,
        observer: Option<&'a dyn SyncObserver>,
        cancel: &'a CancelHandle,
    ) -> Self {
        Round {
            store,
            http: Http::new(&cfg.server_url, Some(&cfg.token), cancel).linked(store),
            observer,
            cancel,
            report: SyncReport::default(),
        }
    }

    fn run(mut self) -> Result<SyncReport> {
        self.cancel.check()?;
        recovery::prune_sent(self.store)?;
        let held_back = self.upload_photos()?;
        self.push(&held_back)?;
        match self.pull() {
            Err(e) if e.code() == wire::SERVER_RESTORED => self.recover()?,
            other => other?,
        }
        self.verify()?;
        self.points()?;
        self.progress(SyncPhase::Done, 0, 0);
        self.report.bytes_up = self.http.bytes_up.get();
        self.report.bytes_down = self.http.bytes_down.get();
        Ok(self.report)
    }

    fn progress(&self, phase: SyncPhase, done: u64, total: u64) {
        if let Some(o) = self.observer {
            o.on_progress(&SyncProgress {
                phase,
                done,
                total,
                bytes_up: self.http.bytes_up.get(),
                bytes_down: self.http.bytes_down.get(),
            });
        }
    }
}
