//! The sync client: enrollment, then rounds of photo upload → push → pull against
//! the Gridfield server (`docs/SYNC.md`, bodies in [`crate::wire`]).
//!
//! Blocking HTTP on the background thread the shell gives it. The store's lock is
//! never held across network I/O — only for short reads and transactions — so the
//! worker keeps recording while a sync runs. Every step is safe to cut anywhere:
//! outbox rows go only once the server has answered for them (by `op_id`, so rows
//! written meanwhile stay), pulled pages commit together with their cursor, and
//! photo uploads resume from the server's offset.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::clock::hlc::Hlc;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::photo::{self, PhotoError, PhotoRef};
use crate::plate::IssuerPublicKey;
use crate::records::Op;
use crate::store::db::DbKey;
use crate::store::{self, Identity, Store};
use crate::wire::{
    self, EnrollRequest, EnrollResponse, ErrorBody, OpStatus, PullResponse, PushOp, PushRequest,
    PushResponse,
};

mod recovery;
pub use recovery::{RecoveryInfo, reenroll};

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
/// Largest response body accepted (a pull page).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

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
        return Err(Error::invalid("server", "expected http(s)://host[:port]"));
    }
    Ok(u.to_string())
}

// ---- progress, cancellation, results -----------------------------------------------

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

/// Cancels a running sync between requests; the sync then returns `Error::Cancelled`.
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
    fn check(&self) -> Result<()> {
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

// ---- enrollment -----------------------------------------------------------------------

/// Enroll this device with a one-time code and create its store in `dir` with the
/// identity the server assigns. An existing store is refused before any request.
pub fn enroll(
    dir: &Path,
    key: &DbKey,
    server_url: &str,
    code: &str,
    device_name: &str,
) -> Result<Store> {
    if Store::exists(dir) {
        return Err(Error::AlreadyInitialised(dir.to_path_buf()));
    }
    let base = normalise_url(server_url)?;
    let (resp, sent_raw) = request_enrollment(&base, code, device_name)?;
    // Check everything before creating anything.
    let issuers = resp
        .issuer_keys
        .iter()
        .map(|h| IssuerPublicKey::from_hex(h))
        .collect::<Result<Vec<_>, _>>()?;
    if resp.token.is_empty() {
        return Err(Error::invalid("token", "empty"));
    }
    let identity = Identity {
        device_id: resp.device_id.clone(),
        user: resp.user.clone(),
        role: resp.role,
        grid_scope: resp.grid_scope.clone(),
    };
    let store = Store::init(dir, key, identity)?;
    store.write(|t| {
        store::meta::meta_put(&t.tx, META_SERVER_URL, &base)?;
        store::meta::meta_put(&t.tx, META_TOKEN, &resp.token)?;
        let mut keys = store::meta::issuer_keys(&t.tx)?;
        for k in &issuers {
            if !keys.contains(k) {
                keys.push(*k);
            }
        }
        let hexes: Vec<String> = keys.iter().map(|k| k.to_hex()).collect();
        store::meta::meta_put(
            &t.tx,
            store::meta::META_ISSUERS,
            &serde_json::to_string(&hexes)?,
        )?;
        let ids: Vec<String> = issuers.iter().map(|k| k.key_id()).collect();
        t.audit(
            "enroll",
            "device",
            &t.me.device_id,
            Some(&serde_json::json!({ "server_url": base, "issuers": ids })),
        )
    })?;
    if resp.server_time > 0 {
        store.observe_server_time(resp.server_time, sent_raw, store::now_ms())?;
        store.observe_hlc(&Hlc {
            wall_ms: resp.server_time,
            counter: 0,
            node: "server".into(),
        })?;
    }
    Ok(store)
}

/// `POST /v1/enroll` with a one-time code; the answer and this device's clock
/// when the request went out (to measure the offset from the server's clock).
fn request_enrollment(base: &str, code: &str, device_name: &str) -> Result<(EnrollResponse, i64)> {
    if code.trim().is_empty() {
        return Err(Error::invalid("code", "required"));
    }
    let cancel = CancelHandle::new();
    let http = Http::new(base, None, &cancel);
    let req = EnrollRequest {
        code: code.trim().to_string(),
        device_name: device_name.to_string(),
        wire_version: Some(wire::WIRE_VERSION),
    };
    let sent_raw = store::now_ms();
    Ok((http.post_json("/v1/enroll", &req)?, sent_raw))
}

// ---- the sync round ---------------------------------------------------------------------

/// One sync round: photos the queued operations need → push the outbox → pull
/// until the server has nothing more. Outcomes are persisted for [`diagnostics`].
pub fn sync(
    store: &Store,
    observer: Option<&dyn SyncObserver>,
    cancel: &CancelHandle,
) -> Result<SyncReport> {
    let _running = RunningGuard::acquire(store.dir())?;
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

/// A photo's bytes: from this device if it has them, otherwise downloaded on
/// demand from the server (a supervisor's photo of a hazard, say) — checked
/// against its hash and kept, so it is fetched once.
pub fn fetch_photo(store: &Store, hash: &str, cancel: &CancelHandle) -> Result<Vec<u8>> {
    if !crate::photo::is_valid_hash(hash) {
        return Err(Error::invalid("photo", "not a photo hash"));
    }
    if store.photos().contains(hash) {
        return Ok(store.photos().get(hash)?);
    }
    recovery::check_not_cloned(store)?;
    let cfg = SyncConfig::load(store)?;
    let http = Http::new(&cfg.server_url, Some(&cfg.token), cancel).linked(store);
    let reply = http.send(Method::Get, &format!("/v1/blobs/{hash}"), &[], &[], None)?;
    if reply.status != 200 {
        return Err(reply.error());
    }
    if crate::photo::hash_bytes(&reply.body) != hash {
        return Err(Error::Server {
            status: 200,
            code: "hash_mismatch".into(),
            message: "downloaded photo does not match its hash".into(),
        });
    }
    store.add_photo(&reply.body)?;
    store.write(|t| {
        t.tx.execute("UPDATE photos SET uploaded = 1 WHERE hash = ?1", [hash])?;
        Ok(())
    })?;
    Ok(reply.body)
}

pub fn diagnostics(store: &Store) -> Result<Diagnostics> {
    let (server_url, token, last_success, last_error, cursor) = store.read(|c| {
        Ok((
            store::meta::meta_get(c, META_SERVER_URL)?,
            store::meta::meta_get(c, META_TOKEN)?,
            store::meta::meta_get(c, META_LAST_SUCCESS)?,
            store::meta::meta_get(c, META_LAST_ERROR)?,
            store::meta::meta_get(c, crate::apply::META_CURSOR)?,
        ))
    })?;
    Ok(Diagnostics {
        enrolled: server_url.is_some() && token.is_some(),
        server_url,
        device_id: store.identity().device_id.clone(),
        queue_depth: store.outbox_len()?,
        pending_photos: photos_needed(store)?.len() as u64,
        last_success: last_success.and_then(|s| s.parse().ok()),
        last_error: last_error.and_then(|s| serde_json::from_str(&s).ok()),
        cursor,
        clock_offset_ms: store.clock_offset(),
        needs_reenroll: recovery::check_not_cloned(store).is_err(),
        last_recovery: recovery::last_recovery(store)?,
    })
}

/// One sync at a time per device store (a second tap, or the shell's periodic
/// sync meeting a manual one).
struct RunningGuard(PathBuf);

static RUNNING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

impl RunningGuard {
    fn acquire(dir: &Path) -> Result<RunningGuard> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        if running.contains(&key) {
            return Err(Error::SyncInProgress);
        }
        running.push(key.clone());
        Ok(RunningGuard(key))
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|p| p != &self.0);
    }
}

struct Round<'a> {
    store: &'a Store,
    http: Http<'a>,
    observer: Option<&'a dyn SyncObserver>,
    cancel: &'a CancelHandle,
    report: SyncReport,
}

/// One outbox row as the push reads it.
struct Queued {
    seq: i64,
    op_id: String,
    entity: String,
    entity_id: String,
    hlc: String,
    op: Op,
    /// A re-upload after a restore.
    replay: bool,
    /// The clock offset in force when it was stamped.
    clock_offset: i64,
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

    /// Upload every photo a queued operation needs. Returns the photos still not
    /// on the server: operations needing them wait for the next round.
    fn upload_photos(&mut self) -> Result<HashSet<String>> {
        let needed = photos_needed(self.store)?;
        let total = needed.len() as u64;
        let mut failed = HashSet::new();
        self.progress(SyncPhase::Photos, 0, total);
        for (i, p) in needed.iter().enumerate() {
            self.cancel.check()?;
            if self.upload_photo(p, i as u64, total)? {
                self.store.read(|c| {
                    c.prepare_cached("UPDATE photos SET uploaded = 1 WHERE hash = ?1")?
                        .execute([&p.hash])?;
                    Ok(())
                })?;
                self.report.photos_uploaded += 1;
            } else {
                self.report.photos_failed += 1;
                failed.insert(p.hash.clone());
            }
            self.progress(SyncPhase::Photos, i as u64 + 1, total);
        }
        Ok(failed)
    }

    /// Resumable upload: ask the server how much it has, send the rest in chunks,
    /// follow its offset after a cut or a mismatch. False when this photo cannot
    /// be uploaded now (missing or damaged here, refused there) — the round goes on.
    fn upload_photo(&mut self, p: &PhotoRef, index: u64, total: u64) -> Result<bool> {
        let bytes = match self.store.photos().get(&p.hash) {
            Ok(b) => b,
            Err(PhotoError::Missing(_)) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        if photo::hash_bytes(&bytes) != p.hash {
            return Ok(false);
        }
        let path = format!("/v1/blobs/{}", p.hash);
        let head = self.http.send(Method::Head, &path, &[], &[], None)?;
        let mut offset = match head.status {
            200 => return Ok(true),
            404 => head.offset().unwrap_or(0),
            _ => return Err(head.error()),
        };
        let len = bytes.len() as u64;
        let mut restarted = false;
        let mut stalls = 0;
        loop {
            self.cancel.check()?;
            if offset > len {
                offset = 0;
            }
            let start = offset as usize;
            let end = (start + BLOB_CHUNK).min(bytes.len());
            let headers = [
                ("upload-offset", offset.to_string()),
                ("upload-length", len.to_string()),
                ("content-type", p.mime.clone()),
            ];
            let r = self
                .http
                .send(Method::Put, &path, &[], &headers, Some(&bytes[start..end]))?;
            let next = match r.status {
                200 => return Ok(true),
                202 => r
                    .json::<BlobStatus>()
                    .ok()
                    .and_then(|b| b.offset)
                    .or_else(|| r.offset())
                    .unwrap_or(end as u64),
                409 => match r
                    .offset()
                    .or_else(|| r.json::<BlobStatus>().ok().and_then(|b| b.offset))
                {
                    Some(o) => o,
                    None => return Err(r.error()),
                },
                // The server's copy does not hash right: start over once, then give up on it.
                422 if !restarted => {
                    restarted = true;
                    0
                }
                422 => return Ok(false),
                _ => return Err(r.error()),
            };
            // A server that never moves forward must not keep us here.
            if next > offset {
                stalls = 0;
            } else if r.status != 422 {
                stalls += 1;
                if stalls >= 3 {
                    return Err(Error::Server {
                        status: r.status,
                        code: "upload_stalled".into(),
                        message: format!("upload of photo {} does not advance", &p.hash[..12]),
                    });
                }
            }
            offset = next;
            self.progress(SyncPhase::Photos, index, total);
        }
    }

    fn push(&mut self, held_back_photos: &HashSet<String>) -> Result<()> {
        let total = self.store.outbox_len()?;
        let mut done = 0u64;
        let mut after_seq = 0i64;
        // Entities with an operation kept back: later operations on them wait too,
        // so the server sees each record's operations in order.
        let mut blocked: HashSet<(String, String)> = HashSet::new();
        self.progress(SyncPhase::Push, 0, total);
        loop {
            self.cancel.check()?;
            let rows = outbox_after(self.store, after_seq, wire::MAX_PUSH_OPS)?;
            if rows.is_empty() {
                break;
            }
            let mut batch: Vec<Queued> = Vec::new();
            let mut bytes = 0usize;
            for q in rows {
                // Re-uploads go in requests of their own (the server counts them), and
                // so do ops stamped under another clock offset (each push tells the
                // time as its ops' clock told it).
                if batch
                    .first()
                    .is_some_and(|f| f.replay != q.replay || f.clock_offset != q.clock_offset)
                {
                    break;
                }
                let key = (q.entity.clone(), q.entity_id.clone());
                if blocked.contains(&key)
                    || q.op
                        .photo_hashes()
                        .iter()
                        .any(|h| held_back_photos.contains(h))
                {
                    blocked.insert(key);
                    self.report.waiting_photos += 1;
                    done += 1;
                    after_seq = q.seq;
                    continue;
                }
                let size = serde_json::to_vec(&q.op)?.len() + q.op_id.len() + q.hlc.len() + 48;
                if !batch.is_empty() && bytes + size > MAX_PUSH_BYTES {
                    break;
                }
                bytes += size;
                after_seq = q.seq;
                batch.push(q);
            }
            if batch.is_empty() {
                self.progress(SyncPhase::Push, done, total.max(done));
                continue;
            }
            let req = PushRequest {
                ops: batch
                    .iter()
                    .map(|q| PushOp {
                        op_id: q.op_id.clone(),
                        entity_id: q.entity_id.clone(),
                        hlc: q.hlc.clone(),
                        op: q.op.clone(),
                    })
                    .collect(),
                cursor: self.store.sync_cursor()?,
                // This clock's reading now, corrected as these ops' stamps were: the
                // server moves their stamps by however far that is off.
                device_time: Some(self.store.raw_now() + batch[0].clock_offset),
                replay: batch[0].replay,
            };
            let resp: PushResponse = self.http.post_json("/v1/push", &req)?;
            self.record_push(&batch, &resp, &mut blocked)?;
            if let Some(head) = &resp.head {
                recovery::note_seen(self.store, head)?;
            }
            if let Ok(h) = resp.server_hlc.parse::<Hlc>() {
                self.store.observe_hlc(&h)?;
            }
            done += batch.len() as u64;
            self.progress(SyncPhase::Push, done, total.max(done));
        }
        Ok(())
    }

    /// Act on the server's answers in one transaction. Rows are addressed by
    /// `op_id`, so anything queued while the request was out stays queued.
    fn record_push(
        &mut self,
        batch: &[Queued],
        resp: &PushResponse,
        blocked: &mut HashSet<(String, String)>,
    ) -> Result<()> {
        let by_id: HashMap<&str, &Queued> = batch.iter().map(|q| (q.op_id.as_str(), q)).collect();
        let mut rejected = Vec::new();
        let mut lost = Vec::new();
        let mut counts = (0u64, 0u64, 0u64, 0u64); // pushed, duplicates, conflicts, waiting
        self.store.write(|t| {
            for r in &resp.results {
                // An answer for an operation we did not send is ignored.
                let Some(q) = by_id.get(r.op_id.as_str()) else { continue };
                counts.2 += r.conflicts.len() as u64;
                if !r.lost.is_empty() {
                    t.audit("conflict_lost", &q.entity, &q.entity_id,
                        Some(&serde_json::json!({ "op_id": q.op_id, "fields": r.lost })))?;
                    lost.push(LostEdit {
                        op_id: q.op_id.clone(),
                        entity: q.entity.clone(),
                        entity_id: q.entity_id.clone(),
                        fields: r.lost.clone(),
                    });
                }
                match r.status {
                    OpStatus::Applied | OpStatus::Duplicate => {
                        if r.status == OpStatus::Applied {
                            counts.0 += 1;
                        } else {
                            counts.1 += 1;
                        }
                        recovery::keep_sent(t, &q.op_id)?;
                        if let Some(table) = delivery_table(&q.entity) {
                            // Still 'local' and nothing newer queued for it: it is on the server now.
                            t.tx.prepare_cached(&format!(
                                "UPDATE {table} SET delivery = 'server' WHERE id = ?1 AND delivery = 'local'
                                   AND NOT EXISTS (SELECT 1 FROM outbox WHERE entity = ?2 AND entity_id = ?1)"
                            ))?
                            .execute(params![q.entity_id, q.entity])?;
                        }
                    }
                    OpStatus::Rejected if q.replay => {
                        // A re-upload the restored server judged differently this time: the
                        // record went on its way long ago, so nothing is marked refused.
                        t.tx.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?.execute([&q.op_id])?;
                        t.audit("replay_rejected", &q.entity, &q.entity_id,
                            Some(&serde_json::json!({ "op_id": q.op_id, "code": r.code })))?;
                    }
                    OpStatus::Rejected => {
                        t.tx.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?.execute([&q.op_id])?;
                        if let Some(table) = delivery_table(&q.entity) {
                            t.tx.prepare_cached(&format!("UPDATE {table} SET delivery = 'rejected' WHERE id = ?1"))?
                                .execute([&q.entity_id])?;
                        }
                        let code = r.code.clone().unwrap_or_else(|| "rejected".into());
                        let message = r.message.clone().or_else(|| r.message_en.clone()).unwrap_or_else(|| code.clone());
                        let detail = serde_json::json!({
                            "code": code, "message": message, "message_en": r.message_en,
                            "op_type": q.op.type_name(), "op_id": q.op_id,
                        });
                        t.audit("rejected", &q.entity, &q.entity_id, Some(&detail))?;
                        rejected.push(Rejection {
                            op_id: q.op_id.clone(),
                            entity: q.entity.clone(),
                            entity_id: q.entity_id.clone(),
                            code,
                            message,
                            message_en: r.message_en.clone(),
                        });
                    }
                    OpStatus::PendingPhotos => {
                        counts.3 += 1;
                        t.tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = 'pending_photos' WHERE op_id = ?1")?
                            .execute([&q.op_id])?;
                        // The server lacks a photo we thought it had: check it again next round.
                        for h in q.op.photo_hashes() {
                            t.tx.prepare_cached("UPDATE photos SET uploaded = 0 WHERE hash = ?1")?.execute([&h])?;
                        }
                        blocked.insert((q.entity.clone(), q.entity_id.clone()));
                    }
                }
            }
            Ok(())
        })?;
        self.report.pushed += counts.0;
        self.report.duplicates += counts.1;
        self.report.conflicts += counts.2;
        self.report.waiting_photos += counts.3;
        self.report.rejected.extend(rejected);
        self.report.lost.extend(lost);
        Ok(())
    }

    /// Pull pages until the server has nothing more. The next page is fetched while
    /// the current one is applied (one page ahead, no more): the device and the
    /// server work at the same time instead of waiting for each other.
    fn pull(&mut self) -> Result<()> {
        let start = self.store.sync_cursor()?.unwrap_or_default();
        let seen = recovery::seen(self.store)?;
        self.progress(SyncPhase::Pull, 0, 0);
        let fetcher = self.http.fork();
        let (pages, inbox) = std::sync::mpsc::sync_channel::<Result<PullResponse>>(1);
        let cursor = std::thread::scope(|scope| {
            let prefetch = scope.spawn(move || {
                let limit = PULL_LIMIT.min(wire::MAX_PULL_LIMIT).to_string();
                let mut cursor = start;
                loop {
                    let mut query = vec![("limit", limit.as_str())];
                    if !cursor.is_empty() {
                        query.insert(0, ("cursor", cursor.as_str()));
                    }
                    if let Some(s) = &seen {
                        query.push(("seen", s.as_str()));
                    }
                    let page = fetcher
                        .send(Method::Get, "/v1/pull", &query, &[], None)
                        .and_then(|reply| {
                            if reply.status != 200 {
                                return Err(reply.error());
                            }
                            reply.json::<PullResponse>()
                        });
                    let (next, last) = match &page {
                        // `more` with nothing new and the same cursor would loop forever.
                        Ok(p) => (
                            p.cursor.clone(),
                            !p.more || (p.changes.is_empty() && p.cursor == cursor),
                        ),
                        Err(_) => (String::new(), true),
                    };
                    // The applying side stopped (an error): stop fetching.
                    if pages.send(page).is_err() || last {
                        break;
                    }
                    cursor = next;
                }
                (fetcher.bytes_up.get(), fetcher.bytes_down.get())
            });
            let mut cursor = None;
            let applied: Result<()> = (|| {
                for page in inbox.iter() {
                    self.cancel.check()?;
                    let page = page?;
                    self.report.pulled += self.store.apply_page(&page.changes, &page.cursor)?;
                    if let Ok(h) = page.server_hlc.parse::<Hlc>() {
                        self.store.observe_hlc(&h)?;
                    }
                    cursor = Some(page.cursor);
                    self.progress(SyncPhase::Pull, self.report.pulled, 0);
                }
                Ok(())
            })();
            drop(inbox);
            let (up, down) = prefetch.join().unwrap_or((0, 0));
            self.http.bytes_up.set(self.http.bytes_up.get() + up);
            self.http.bytes_down.set(self.http.bytes_down.get() + down);
            applied.map(|()| cursor)
        })?;
        if let Some(c) = cursor {
            self.report.cursor = c;
        }
        self.report.dropped += self.store.finish_repull()?;
        Ok(())
    }
}

impl Round<'_> {
    /// Compare this replica with the server's view of the device's scope; on a
    /// mismatch re-pull everything from the start (applying is idempotent and keeps
    /// queued local edits) and compare again. Skipped while edits are queued: the
    /// replica then legitimately differs.
    fn verify(&mut self) -> Result<()> {
        if self.store.outbox_len()? > 0 {
            return Ok(());
        }
        // A server without checksums (an older release) cannot be verified against.
        let Some(theirs) = self.server_checksums()? else {
            return Ok(());
        };
        if self.store.replica_checksums()? == theirs {
            self.report.verified = true;
            return Ok(());
        }
        self.store.start_repull()?;
        self.pull()?;
        self.report.repaired = true;
        self.report.verified = Some(self.store.replica_checksums()?) == self.server_checksums()?;
        Ok(())
    }

    fn server_checksums(&mut self) -> Result<Option<std::collections::BTreeMap<String, String>>> {
        self.cancel.check()?;
        let reply = self
            .http
            .send(Method::Get, "/v1/checksum", &[], &[], None)?;
        match reply.status {
            200 => Ok(Some(reply.json::<wire::ChecksumResponse>()?.kinds)),
            404 => Ok(None),
            _ => Err(reply.error()),
        }
    }
}

fn delivery_table(entity: &str) -> Option<&'static str> {
    match entity {
        "inspection" => Some("inspections"),
        "hazard" => Some("hazards"),
        "report" => Some("reports"),
        _ => None,
    }
}

fn outbox_after(store: &Store, after_seq: i64, limit: usize) -> Result<Vec<Queued>> {
    store.read(|c| {
        let mut st = c.prepare_cached(
            "SELECT seq, op_id, entity, entity_id, hlc, payload, replay, clock_offset FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = st.query_map(params![after_seq, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?, r.get::<_, bool>(6)?, r.get(7)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, op_id, entity, entity_id, hlc, payload, replay, clock_offset) = row?;
            out.push(Queued { seq, op_id, entity, entity_id, hlc, op: serde_json::from_str(&payload)?, replay, clock_offset });
        }
        Ok(out)
    })
}

/// Photos that queued operations refer to and that are not uploaded yet, in queue order.
fn photos_needed(store: &Store) -> Result<Vec<PhotoRef>> {
    store.read(|c| {
        let mut seen = HashSet::new();
        let mut hashes = Vec::new();
        let mut st = c.prepare_cached("SELECT payload FROM outbox ORDER BY seq")?;
        let payloads = st.query_map([], |r| r.get::<_, String>(0))?;
        for p in payloads {
            let op: Op = serde_json::from_str(&p?)?;
            for h in op.photo_hashes() {
                if seen.insert(h.clone()) {
                    hashes.push(h);
                }
            }
        }
        let mut st =
            c.prepare_cached("SELECT size, mime FROM photos WHERE hash = ?1 AND uploaded = 0")?;
        let mut out = Vec::new();
        for hash in hashes {
            let row = st.query_row([&hash], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            });
            match row {
                Ok((size, mime)) => out.push(PhotoRef {
                    hash,
                    size: size as u64,
                    mime,
                }),
                Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    })
}

#[derive(Deserialize)]
struct BlobStatus {
    #[allow(dead_code)]
    status: Option<String>,
    offset: Option<u64>,
}

// ---- HTTP with retries -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Head,
    Post,
    Put,
}

impl Method {
    fn http(self) -> ureq::http::Method {
        match self {
            Method::Get => ureq::http::Method::GET,
            Method::Head => ureq::http::Method::HEAD,
            Method::Post => ureq::http::Method::POST,
            Method::Put => ureq::http::Method::PUT,
        }
    }
}

/// Attempts per request and the first backoff delay (doubling).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retry {
    pub attempts: u32,
    pub first_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 4,
            first_delay: Duration::from_millis(200),
        }
    }
}

/// A whole response, read before the next request.
struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Server {
            status: self.status,
            code: "bad_response".into(),
            message: format!("unreadable answer: {e}"),
        })
    }

    fn header_i64(&self, name: &str) -> Option<i64> {
        self.headers.get(name)?.to_str().ok()?.trim().parse().ok()
    }

    fn offset(&self) -> Option<u64> {
        self.headers
            .get("upload-offset")?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn error(&self) -> Error {
        match serde_json::from_slice::<ErrorBody>(&self.body) {
            Ok(b) => Error::Server {
                status: self.status,
                code: b.error,
                message: b.message,
            },
            Err(_) => {
                let text: String = String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(200)
                    .collect();
                Error::Server {
                    status: self.status,
                    code: format!("http_{}", self.status),
                    message: text,
                }
            }
        }
    }
}

struct Http<'a> {
    agent: ureq::Agent,
    base: String,
    auth: Option<String>,
    cancel: &'a CancelHandle,
    /// The device store this client speaks for: it numbers each request of this
    /// installation and learns the server's clock from each answer.
    store: Option<&'a Store>,
    retry: Retry,
    bytes_up: Cell<u64>,
    bytes_down: Cell<u64>,
}

impl<'a> Http<'a> {
    fn new(base: &str, token: Option<&str>, cancel: &'a CancelHandle) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("gridfield-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Http {
            agent,
            base: base.trim_end_matches('/').to_string(),
            auth: token.map(|t| format!("Bearer {t}")),
            cancel,
            store: None,
            retry: Retry::default(),
            bytes_up: Cell::new(0),
            bytes_down: Cell::new(0),
        }
    }

    fn linked(mut self, store: &'a Store) -> Self {
        self.store = Some(store);
        self
    }

    /// Another client for the same server (its connection pool shared), counting
    /// its own bytes: for a request made on another thread.
    fn fork(&self) -> Http<'a> {
        Http {
            agent: self.agent.clone(),
            base: self.base.clone(),
            auth: self.auth.clone(),
            cancel: self.cancel,
            store: self.store,
            retry: self.retry,
            bytes_up: Cell::new(0),
            bytes_down: Cell::new(0),
        }
    }

    /// Send with retries: transport failures, 5xx and 429 are retried with
    /// exponential backoff; any other answer (2xx–4xx) is returned for the caller
    /// to judge. Gives up with `Network` or `Server` after the last attempt.
    fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply> {
        let mut url = format!("{}{}", self.base, path);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&percent_encode(k));
            url.push('=');
            url.push_str(&percent_encode(v));
        }
        let mut delay = self.retry.first_delay;
        let mut attempt = 1;
        loop {
            self.cancel.check()?;
            // Every attempt is a request of its own: a retry never repeats a number.
            let mut headers = headers.to_vec();
            let sent_raw = self.store.map(|s| s.raw_now());
            if let Some(s) = self.store {
                headers.push((wire::INSTALL_HEADER, s.request_id()?));
            }
            let outcome = self.once(method, &url, &headers, body);
            if let (Some(s), Some(sent), Ok(r)) = (self.store, sent_raw, &outcome)
                && let Some(t) = r.header_i64(wire::TIME_HEADER)
            {
                s.observe_server_time(t, sent, s.raw_now())?;
            }
            let last = attempt >= self.retry.attempts;
            match outcome {
                Ok(r) if r.status >= 500 || r.status == 429 => {
                    if last {
                        return Err(r.error());
                    }
                }
                Ok(r) => return Ok(r),
                Err(e) if transient(&e) => {
                    if last {
                        return Err(Error::Network(e.to_string()));
                    }
                }
                Err(e) => return Err(Error::Network(e.to_string())),
            }
            self.sleep(delay)?;
            delay *= 2;
            attempt += 1;
        }
    }

    fn once(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply, ureq::Error> {
        let mut b = ureq::http::Request::builder()
            .method(method.http())
            .uri(url)
            .header(wire::VERSION_HEADER, wire::WIRE_VERSION.to_string());
        if let Some(a) = &self.auth {
            b = b.header("authorization", a);
        }
        if body.is_some()
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            b = b.header("content-type", "application/json");
        }
        for (k, v) in headers {
            b = b.header(*k, v);
        }
        let mut resp = match body {
            Some(bytes) => {
                self.bytes_up.set(self.bytes_up.get() + bytes.len() as u64);
                self.agent.run(b.body(bytes)?)?
            }
            None => self.agent.run(b.body(())?)?,
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = if method == Method::Head {
            Vec::new()
        } else {
            resp.body_mut()
                .with_config()
                .limit(MAX_RESPONSE_BYTES)
                .read_to_vec()?
        };
        self.bytes_down
            .set(self.bytes_down.get() + body.len() as u64);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// POST a JSON body and read a JSON answer; any other status than 200 is the
    /// server's error.
    fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T> {
        let reply = self.send(
            Method::Post,
            path,
            &[],
            &[],
            Some(&serde_json::to_vec(body)?),
        )?;
        if reply.status != 200 {
            return Err(reply.error());
        }
        reply.json()
    }

    /// Sleep for the backoff, waking early to honour a cancel.
    fn sleep(&self, d: Duration) -> Result<()> {
        let step = Duration::from_millis(25);
        let mut left = d;
        while !left.is_zero() {
            self.cancel.check()?;
            let s = left.min(step);
            std::thread::sleep(s);
            left -= s;
        }
        self.cancel.check()
    }
}

/// Worth another try: the request may not have arrived, or its answer was lost.
fn transient(e: &ureq::Error) -> bool {
    use std::io::ErrorKind as K;
    match e {
        // A compressed answer cut short fails inside the decoder; it is still a cut.
        ureq::Error::Decompress(_, io) => matches!(
            io.kind(),
            K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::TimedOut
        ),
        ureq::Error::Io(io) => matches!(
            io.kind(),
            K::ConnectionRefused
                | K::ConnectionReset
                | K::ConnectionAborted
                | K::NotConnected
                | K::BrokenPipe
                | K::TimedOut
                | K::UnexpectedEof
                | K::Interrupted
                | K::WouldBlock
                | K::HostUnreachable
                | K::NetworkUnreachable
                | K::NetworkDown
        ),
        // BodyStalled: the peer hung up inside a body with a partial chunk left over.
        ureq::Error::Timeout(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_)
        | ureq::Error::BodyStalled => true,
        _ => false,
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! A canned-response HTTP stub on 127.0.0.1 drives the engine's own logic:
    //! retries and backoff, resumable photo upload, acting on push answers,
    //! pagination, cancellation. Protocol tests against the real server live
    //! with the server.

    use super::*;
    use crate::checklist::Severity;
    use crate::model::{Address, Grid, Role};
    use crate::records::Delivery;
    use crate::store::NewHazard;
    use serde_json::{Value, json};
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

    #[derive(Debug, Clone)]
    struct Req {
        method: String,
        path: String,
        headers: HashMap<String, String>,
        body: Vec<u8>,
    }

    impl Req {
        fn header(&self, k: &str) -> Option<&str> {
            self.headers.get(k).map(String::as_str)
        }
        fn json(&self) -> Value {
            serde_json::from_slice(&self.body).unwrap()
        }
    }

    enum Canned {
        Reply(u16, Vec<(&'static str, String)>, Vec<u8>),
        /// Read the request, then hang up without answering.
        HangUp,
    }

    fn reply(status: u16, body: Value) -> Canned {
        Canned::Reply(
            status,
            vec![("content-type", "application/json".into())],
            body.to_string().into_bytes(),
        )
    }

    type Log = Arc<Mutex<Vec<Req>>>;

    /// Serve `handler` on a loopback port for the rest of the test process.
    fn stub(mut handler: impl FnMut(&Req) -> Canned + Send + 'static) -> (String, Log) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let log: Log = Arc::default();
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let Some(req) = read_request(&mut s) else {
                    continue;
                };
                // These stubs play a server without replica checksums.
                let canned = if req.path.starts_with("/v1/checksum") {
                    Canned::Reply(
                        404,
                        Vec::new(),
                        br#"{"error":"not_found","message":"no such endpoint"}"#.to_vec(),
                    )
                } else {
                    log2.lock().unwrap().push(req.clone());
                    handler(&req)
                };
                match canned {
                    Canned::HangUp => drop(s),
                    Canned::Reply(status, headers, body) => {
                        let mut head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                            body.len()
                        );
                        for (k, v) in headers {
                            head.push_str(&format!("{k}: {v}\r\n"));
                        }
                        head.push_str("\r\n");
                        let _ = s.write_all(head.as_bytes());
                        if req.method != "HEAD" {
                            let _ = s.write_all(&body);
                        }
                        let _ = s.flush();
                    }
                }
            }
        });
        (base, log)
    }

    fn read_request(s: &mut TcpStream) -> Option<Req> {
        let mut r = BufReader::new(s);
        let mut line = String::new();
        r.read_line(&mut line).ok()?;
        let mut parts = line.split_whitespace();
        let method = parts.next()?.to_string();
        let path = parts.next()?.to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            r.read_line(&mut h).ok()?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':')?;
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        r.read_exact(&mut body).ok()?;
        Some(Req {
            method,
            path,
            headers,
            body,
        })
    }

    fn applied_all(req: &Req) -> Canned {
        let ops = req.json()["ops"].as_array().unwrap().clone();
        let results: Vec<Value> = ops
            .iter()
            .map(|o| json!({"op_id": o["op_id"], "status": "applied"}))
            .collect();
        reply(
            200,
            json!({"results": results, "server_hlc": "1700000000000-000000-server"}),
        )
    }

    fn empty_pull(cursor: &str) -> Canned {
        reply(
            200,
            json!({"changes": [], "cursor": cursor, "more": false, "server_hlc": "1700000000000-000000-server"}),
        )
    }

    const GRID: &str = "g1";
    const ADDR: &str = "a1";

    fn worker(dir: &Path, base: &str) -> Store {
        let id = Identity {
            device_id: "dev1".into(),
            user: "张三".into(),
            role: Role::Worker,
            grid_scope: GRID.into(),
        };
        let s = Store::init(dir, &DbKey::generate().unwrap(), id).unwrap();
        s.import_grids(&[Grid {
            code: GRID.into(),
            name: "网格".into(),
            level: 3,
            parent_code: None,
        }])
        .unwrap();
        s.import_addresses(&[Address {
            code: ADDR.into(),
            grid_code: GRID.into(),
            full_text: "建设路12号".into(),
            street: None,
            number: None,
            building: None,
            unit: None,
            room: None,
            plate_serial: None,
            lat: None,
            lon: None,
        }])
        .unwrap();
        SyncConfig {
            server_url: base.into(),
            token: "tok".into(),
        }
        .save(&s)
        .unwrap();
        s
    }

    fn hazard(s: &Store, photos: Vec<String>) -> String {
        s.create_hazard(&NewHazard {
            address_code: ADDR.into(),
            category: "fire_exit_blocked".into(),
            severity: Severity::High,
            description: "消防通道堵塞".into(),
            photos,
            deadline: None,
        })
        .unwrap()
    }

    fn count(log: &Log, method: &str, prefix: &str) -> usize {
        log.lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .count()
    }

    #[test]
    fn transient_failures_are_retried_with_backoff() {
        let mut n = 0;
        let (base, log) = stub(move |req| match req.path.as_str() {
            "/v1/push" => {
                n += 1;
                match n {
                    1 => Canned::HangUp,
                    2 => reply(503, json!({"error": "unavailable", "message": "busy"})),
                    _ => applied_all(req),
                }
            }
            _ => empty_pull("c1"),
        });
        let dir = tempfile::tempdir().unwrap();
        let s = worker(dir.path(), &base);
        let id = hazard(&s, vec![]);
        let t = Instant::now();
        let r = sync(&s, None, &CancelHandle::new()).unwrap();
        assert!(
            t.elapsed() >= Duration::from_millis(600),
            "backoff 200 + 400 ms"
        );
        assert_eq!(
            (r.pushed, r.duplicates, r.rejected.len(), r.cursor.as_str()),
            (1, 0, 0, "c1")
        );
        assert_eq!(count(&log, "POST", "/v1/push"), 3);
        assert_eq!(s.outbox_len().unwrap(), 0);
        assert_eq!(s.hazard(&id).unwrap().hazard.delivery, Delivery::Server);
        let first = log.lock().unwrap()[0].clone();
        assert_eq!(first.header("authorization"), Some("Bearer tok"));
        assert_eq!(first.header(wire::VERSION_HEADER), Some("1"));
        assert_eq!(first.json()["ops"][0]["entity_id"], id.as_str());
        let d = diagnostics(&s).unwrap();
        assert!(d.last_success.is_some() && d.last_error.is_none());
        assert_eq!((d.queue_depth, d.cursor.as_deref()), (0, Some("c1")));
    }

    #[test]
    fn gives_up_after_four_attempts_and_keeps_everything() {
        let (base, log) =
            stub(|_| reply(502, json!({"error": "bad_gateway", "message": "upstream"})));
        let dir = tempfile::tempdir().unwrap();
        let s = worker(dir.path(), &base);
        hazard(&s, vec![]);
        let e = sync(&s, None, &CancelHandle::new()).unwrap_err();
        assert_eq!(e.code(), "server_error");
        assert_eq!(count(&log, "POST", "/v1/push"), 4);
        assert_eq!(s.outbox_len().unwrap(), 1);
        let d = diagnostics(&s).unwrap();
        assert_eq!(d.last_error.unwrap().code, "server_error");
        assert!(d.last_success.is_none());
    }

    #[test]
    fn unreachable_server_is_a_network_error() {
        // Bind then close: nothing listens on the port.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let s = worker(dir.path(), &format!("http://127.0.0.1:{port}"));
        hazard(&s, vec![]);
        let e = sync(&s, None, &CancelHandle::new()).unwrap_err();
        assert_eq!(e.code(), "network", "{e}");
        assert!(e.message(Lang::Zh).contains("无法连接"));
        assert_eq!(s.outbox_len().unwrap(), 1);
    }

    #[test]
    fn client_errors_are_not_retried() {
        let (base, log) = stub(|_| {
            reply(
                401,
                json!({"error": "device_revoked", "message": "设备已停用"}),
            )
        });
        let dir = tempfile::tempdir().unwrap();
        let s = worker(dir.path(), &base);
        hazard(&s, vec![]);
        let e = sync(&s, None, &CancelHandle::new()).unwrap_err();
        assert_eq!(e.code(), "device_revoked");
        assert_eq!(log.lock().unwrap().len(), 1);
        assert_eq!(s.outbox_len().unwrap(), 1);
    }

    #[test]
    fn photo_upload_resumes_from_the_servers_offset() {
        let dir = tempfile::tempdir().unwrap();
        let total: usize = 2_500_000;
        let mut bytes: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
        bytes[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
        let (base, log) = stub(move |req| match (req.method.as_str(), req.path.as_str()) {
            // A previous sync was cut after 1 MiB …
            ("HEAD", p) if p.starts_with("/v1/blobs/") => {
                Canned::Reply(404, vec![("upload-offset", "1048576".into())], Vec::new())
            }
            ("PUT", _) => match req.header("upload-offset") {
                // … but the server only kept half of it.
                Some("1048576") => Canned::Reply(
                    409,
                    vec![
                        ("upload-offset", "524288".into()),
                        ("content-type", "application/json".into()),
                    ],
                    json!({"error": "offset_mismatch", "message": "expected 524288"})
                        .to_string()
                        .into_bytes(),
                ),
                Some("524288") => reply(202, json!({"status": "partial", "offset": 1_572_864})),
                Some("1572864") => reply(200, json!({"status": "complete"})),
                other => panic!("unexpected offset {other:?}"),
            },
            ("POST", "/v1/push") => applied_all(req),
            _ => empty_pull("c1"),
        });
        let s = worker(dir.path(), &base);
        let p = s.add_photo(&bytes).unwrap();
        let id = hazard(&s, vec![p.hash.clone()]);
        assert_eq!(diagnostics(&s).unwrap().pending_photos, 1);
        let r = sync(&s, None, &CancelHandle::new()).unwrap();
        assert_eq!((r.photos_uploaded, r.photos_failed, r.pushed), (1, 0, 1));
        assert!(r.bytes_up >= (total - 524_288) as u64);
        let puts: Vec<Req> = log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == "PUT")
            .cloned()
            .collect();
        assert_eq!(puts.len(), 3);
        for put in &puts {
            assert_eq!(put.path, format!("/v1/blobs/{}", p.hash));
            assert_eq!(put.header("upload-length"), Some("2500000"));
            assert_eq!(put.header("content-type"), Some("image/jpeg"));
            let off: usize = put.header("upload-offset").unwrap().parse().unwrap();
            assert!(put.body.len() <= BLOB_CHUNK);
            assert_eq!(put.body, bytes[off..off + put.body.len()], "chunk at {off}");
        }
        assert_eq!(puts[2].body.len(), total - 1_572_864);
        // The photo went before the operation that needs it.
        let order: Vec<String> = log
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.method.clone())
            .collect();
        assert_eq!(order, ["HEAD", "PUT", "PUT", "PUT", "POST", "GET"]);
        assert_eq!(diagnostics(&s).unwrap().pending_photos, 0);
        assert_eq!(s.hazard(&id).unwrap().hazard.delivery, Delivery::Server);
    }

    #[test]
    fn a_photo_the_server_has_is_not_sent_and_a_missing_one_holds_its_ops_back() {
        let dir = tempfile::tempdir().unwrap();
        let (base, log) = stub(|req| match req.method.as_str() {
            "HEAD" => Canned::Reply(200, vec![], Vec::new()),
            "POST" => applied_all(req),
            _ => empty_pull("c1"),
        });
        let s = worker(dir.path(), &base);
        let have = s.add_photo(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).unwrap();
        let lost = s.add_photo(&[0xFF, 0xD8, 0xFF, 0xE0, 9, 9, 9]).unwrap();
        let h1 = hazard(&s, vec![have.hash.clone()]);
        let h2 = hazard(&s, vec![lost.hash.clone()]);
        s.hazard_step(
            &h2,
            crate::hazard::HazardAction::Assign,
            &crate::hazard::StepInput {
                assignee: Some("王五".into()),
                ..Default::default()
            },
        )
        .unwrap();
        // The second photo's file is gone from the device.
        std::fs::remove_file(s.photos().path_for(&lost.hash)).unwrap();
        let r = sync(&s, None, &CancelHandle::new()).unwrap();
        assert_eq!(
            (
                r.photos_uploaded,
                r.photos_failed,
                r.pushed,
                r.waiting_photos
            ),
            (1, 1, 1, 2)
        );
        assert_eq!(count(&log, "PUT", "/"), 0);
        let pushed = log
            .lock()
            .unwrap()
            .iter()
            .find(|r| r.method == "POST")
            .unwrap()
            .json();
        assert_eq!(pushed["ops"].as_array().unwrap().len(), 1);
        assert_eq!(pushed["ops"][0]["entity_id"], h1.as_str());
        // Both operations on the second hazard wait, in order.
        assert_eq!(s.outbox_len().unwrap(), 2);
        assert_eq!(s.hazard(&h2).unwrap().hazard.delivery, Delivery::Local);
    }

    #[test]
    fn rejections_are_recorded_and_pending_photos_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (base, _log) = stub(|req| match req.method.as_str() {
            "POST" => {
                let ops = req.json()["ops"].as_array().unwrap().clone();
                reply(
                    200,
                    json!({
                        "results": [
                            {"op_id": ops[0]["op_id"], "status": "rejected", "code": "transition_refused",
                             "message": "隐患已关闭，不能再指派", "message_en": "hazard is closed"},
                            {"op_id": ops[1]["op_id"], "status": "pending_photos"},
                            {"op_id": ops[2]["op_id"], "status": "duplicate", "conflicts": ["description"]},
                        ],
                        "server_hlc": "1700000000000-000005-server"
                    }),
                )
            }
            _ => empty_pull("c9"),
        });
        let s = worker(dir.path(), &base);
        let (h1, h2, h3) = (hazard(&s, vec![]), hazard(&s, vec![]), hazard(&s, vec![]));
        let audit_before = s.audit_len().unwrap();
        let r = sync(&s, None, &CancelHandle::new()).unwrap();
        assert_eq!(
            (r.pushed, r.duplicates, r.conflicts, r.waiting_photos),
            (0, 1, 1, 1)
        );
        assert_eq!(r.rejected.len(), 1);
        let rej = &r.rejected[0];
        assert_eq!(
            (
                rej.entity.as_str(),
                rej.entity_id.as_str(),
                rej.code.as_str()
            ),
            ("hazard", h1.as_str(), "transition_refused")
        );
        assert_eq!(rej.message, "隐患已关闭，不能再指派");
        assert_eq!(s.hazard(&h1).unwrap().hazard.delivery, Delivery::Rejected);
        assert_eq!(s.hazard(&h2).unwrap().hazard.delivery, Delivery::Local);
        assert_eq!(s.hazard(&h3).unwrap().hazard.delivery, Delivery::Server);
        let left = s.outbox(10).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(
            (
                left[0].entity_id.as_str(),
                left[0].attempts,
                left[0].last_error.as_deref()
            ),
            (h2.as_str(), 1, Some("pending_photos"))
        );
        assert_eq!(s.audit_len().unwrap(), audit_before + 1);
        let detail: String = s
            .read(|c| {
                Ok(c.query_row(
                    "SELECT detail FROM audit_log WHERE action = 'rejected' AND entity_id = ?1",
                    [&h1],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        let detail: Value = serde_json::from_str(&detail).unwrap();
        assert_eq!(detail["code"], "transition_refused");
        assert_eq!(detail["op_type"], "hazard_create");
        assert_eq!(detail["message_en"], "hazard is closed");
    }

    #[test]
    fn pull_follows_the_cursor_until_no_more() {
        let dir = tempfile::tempdir().unwrap();
        let (base, log) = stub(|req| match req.path.as_str() {
            "/v1/pull?limit=500" => reply(
                200,
                json!({
                    "changes": [{"type": "grid", "grid": {"code": "g2", "name": "二网格", "level": 3, "parent_code": "g1"}}],
                    "cursor": "a+b/c=", "more": true, "server_hlc": "1700000000000-000000-server"
                }),
            ),
            "/v1/pull?cursor=a%2Bb%2Fc%3D&limit=500" => reply(
                200,
                json!({
                    "changes": [], "cursor": "end", "more": false, "server_hlc": "1700000000000-000001-server"
                }),
            ),
            p => panic!("unexpected {p}"),
        });
        let s = worker(dir.path(), &base);
        let r = sync(&s, None, &CancelHandle::new()).unwrap();
        assert_eq!((r.pulled, r.cursor.as_str()), (1, "end"));
        assert_eq!(
            s.grid("g2").unwrap().unwrap().parent_code.as_deref(),
            Some("g1")
        );
        assert_eq!(s.sync_cursor().unwrap().as_deref(), Some("end"));
        assert_eq!(count(&log, "POST", "/"), 0, "an empty outbox sends no push");
    }

    #[test]
    fn cancel_stops_between_requests_and_loses_nothing() {
        struct CancelOnPush(CancelHandle);
        impl SyncObserver for CancelOnPush {
            fn on_progress(&self, p: &SyncProgress) {
                if p.phase == SyncPhase::Push {
                    self.0.cancel();
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let (base, log) = stub(|_| Canned::HangUp);
        let s = worker(dir.path(), &base);
        hazard(&s, vec![]);
        let cancel = CancelHandle::new();
        let obs = CancelOnPush(cancel.clone());
        let e = sync(&s, Some(&obs), &cancel).unwrap_err();
        assert_eq!(e.code(), "cancelled");
        assert!(log.lock().unwrap().is_empty());
        assert_eq!(s.outbox_len().unwrap(), 1);
        // A cancel is not an error to report.
        assert!(diagnostics(&s).unwrap().last_error.is_none());

        // Cancelled while backing off after a failure: returns promptly.
        let cancel = CancelHandle::new();
        let c2 = cancel.clone();
        let t = Instant::now();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            c2.cancel();
        });
        let e = sync(&s, None, &cancel).unwrap_err();
        h.join().unwrap();
        assert_eq!(e.code(), "cancelled");
        assert!(t.elapsed() < Duration::from_millis(1000));
        assert_eq!(s.outbox_len().unwrap(), 1);
    }

    #[test]
    fn not_enrolled_and_concurrent_syncs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let id = Identity {
            device_id: "d".into(),
            user: "u".into(),
            role: Role::Worker,
            grid_scope: GRID.into(),
        };
        let s = Store::init(dir.path(), &DbKey::generate().unwrap(), id).unwrap();
        assert_eq!(
            sync(&s, None, &CancelHandle::new()).unwrap_err().code(),
            "not_enrolled"
        );
        assert!(!diagnostics(&s).unwrap().enrolled);
        let _g = RunningGuard::acquire(dir.path()).unwrap();
        assert_eq!(
            sync(&s, None, &CancelHandle::new()).unwrap_err().code(),
            "sync_in_progress"
        );
    }

    #[test]
    fn enroll_creates_the_store_with_the_servers_identity() {
        let issuer = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let issuer_hex = hex::encode(issuer.as_bytes());
        let ih = issuer_hex.clone();
        let (base, log) = stub(move |req| {
            assert_eq!(req.path, "/v1/enroll");
            let body = req.json();
            assert_eq!(
                (body["code"].as_str(), body["device_name"].as_str()),
                (Some("ABCD-1234"), Some("测试机"))
            );
            reply(
                200,
                json!({
                    "device_id": "srv-dev-42", "token": "secret-token", "user": "张网格员", "role": "worker",
                    "grid_scope": "g1", "issuer_keys": [ih], "wire_version": 1, "server_time": 1_700_000_000_000i64
                }),
            )
        });
        let dir = tempfile::tempdir().unwrap();
        let key = DbKey::generate().unwrap();
        let s = enroll(dir.path(), &key, &format!("{base}/"), "ABCD-1234", "测试机").unwrap();
        assert_eq!(s.identity().device_id, "srv-dev-42");
        assert_eq!(s.identity().role, Role::Worker);
        assert_eq!(
            s.trusted_issuers()
                .unwrap()
                .iter()
                .map(|k| k.to_hex())
                .collect::<Vec<_>>(),
            [issuer_hex]
        );
        let cfg = SyncConfig::load(&s).unwrap();
        assert_eq!(
            cfg,
            SyncConfig {
                server_url: base.clone(),
                token: "secret-token".into()
            }
        );
        assert!(!format!("{cfg:?}").contains("secret"));
        drop(s);
        // Enrolling over an existing store is refused without asking the server.
        let e = enroll(dir.path(), &key, &base, "ABCD-1234", "测试机")
            .err()
            .unwrap();
        assert_eq!(e.code(), "already_initialised");
        assert_eq!(log.lock().unwrap().len(), 1);
    }

    #[test]
    fn enroll_refusal_creates_nothing() {
        let (base, _log) = stub(|_| {
            reply(
                403,
                json!({"error": "code_invalid", "message": "注册码无效或已使用"}),
            )
        });
        let dir = tempfile::tempdir().unwrap();
        let e = enroll(dir.path(), &DbKey::generate().unwrap(), &base, "nope", "x")
            .err()
            .unwrap();
        assert_eq!(e.code(), "forbidden");
        assert!(e.message(Lang::Zh).contains("注册码无效"));
        assert!(!Store::exists(dir.path()));
    }
}
