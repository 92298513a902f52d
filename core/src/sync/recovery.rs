//! When the other side is not what the device thought: a server restored from a
//! backup (or replaced), and this enrollment in use by a second installation.
//!
//! The device keeps every operation the server acknowledged for a while
//! (`sent_ops`). A server that no longer knows a position it once gave the
//! device answers `server_restored`; the device then queues those operations
//! again (the server answers `duplicate` for what it still has), uploads their
//! photos, pushes, pulls everything and drops what the server no longer has.

use std::path::Path;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{META_SERVER_URL, META_TOKEN, Round, SyncConfig, normalise_url};
use crate::error::{Error, Result};
use crate::error::{Input, Invalid};
use crate::store::db::DbKey;
use crate::store::{self, Identity, Store, Tx};
use crate::wire;

/// Acknowledged operations are kept this long, to re-upload to a server restored
/// from a backup up to this old.
pub const SENT_RETENTION_MS: i64 = 30 * 24 * 3600 * 1000;

/// The highest feed position the server's answers gave (a push's head).
const META_SEEN: &str = "server_seen";
const META_RECOVERY: &str = "last_recovery";
const META_CLONED: &str = "needs_reenroll";

/// Shown in diagnostics: when the server was found restored and what went up again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryInfo {
    pub at: i64,
    /// Operations queued again for upload.
    pub requeued: u64,
}

/// Move an acknowledged op from the outbox to the kept ones.
pub(super) fn keep_sent(t: &Tx<'_>, op_id: &str) -> Result<()> {
    t.tx.prepare_cached(
        "INSERT OR REPLACE INTO sent_ops (seq, op_id, kind, entity, entity_id, payload, hlc, created_at, clock_offset, acked_at)
         SELECT seq, op_id, kind, entity, entity_id, payload, hlc, created_at, clock_offset, ?2 FROM outbox WHERE op_id = ?1",
    )?
    .execute(params![op_id, t.now])?;
    t.tx.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?
        .execute([op_id])?;
    Ok(())
}

pub(super) fn prune_sent(store: &Store) -> Result<()> {
    let cutoff = store.now() - SENT_RETENTION_MS;
    store.read(|c| {
        c.prepare_cached("DELETE FROM sent_ops WHERE acked_at < ?1")?
            .execute([cutoff])?;
        Ok(())
    })
}

pub(super) fn note_seen(store: &Store, head: &str) -> Result<()> {
    store.read(|c| store::meta::meta_put(c, META_SEEN, head))
}

pub(super) fn seen(store: &Store) -> Result<Option<String>> {
    store.read(|c| store::meta::meta_get(c, META_SEEN))
}

pub(super) fn last_recovery(store: &Store) -> Result<Option<RecoveryInfo>> {
    Ok(store
        .read(|c| store::meta::meta_get(c, META_RECOVERY))?
        .and_then(|s| serde_json::from_str(&s).ok()))
}

/// Queue every kept operation again, ahead of anything queued since (each under
/// its original sequence), and start a reconciling re-pull. One transaction.
fn requeue_sent(store: &Store) -> Result<u64> {
    store.write(|t| {
        let n = t.tx.execute(
            "INSERT OR IGNORE INTO outbox (seq, op_id, kind, entity, entity_id, payload, hlc, created_at, clock_offset, replay)
             SELECT seq, op_id, kind, entity, entity_id, payload, hlc, created_at, clock_offset, 1 FROM sent_ops",
            [],
        )? as u64;
        t.tx.execute("DELETE FROM sent_ops", [])?;
        // The restored server may lack their photos too: ask it again.
        let mut photos = Vec::new();
        {
            let mut st = t
                .tx
                .prepare("SELECT payload FROM outbox WHERE replay = 1")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            for p in rows {
                let op: crate::records::Op = serde_json::from_str(&p?)?;
                photos.extend(op.photo_hashes());
            }
        }
        for h in photos {
            t.tx.prepare_cached("UPDATE photos SET uploaded = 0 WHERE hash = ?1")?
                .execute([&h])?;
        }
        t.tx.execute("DELETE FROM device_meta WHERE key = ?1", [META_SEEN])?;
        let info = RecoveryInfo {
            at: t.now,
            requeued: n,
        };
        store::meta::meta_put(&t.tx, META_RECOVERY, &serde_json::to_string(&info)?)?;
        t.audit(
            "server_restored",
            "device",
            &t.me.device_id,
            Some(&serde_json::json!({ "requeued": n })),
        )?;
        Ok(n)
    })
}

impl Round<'_> {
    /// The server lost changes this device had seen: give it back what this
    /// device wrote, then take its state and drop what it no longer has.
    pub(super) fn recover(&mut self) -> Result<()> {
        let n = requeue_sent(self.store)?;
        self.store.start_repull()?;
        self.report.server_restored = true;
        self.report.reuploaded += n;
        let held_back = self.upload_photos()?;
        self.push(&held_back)?;
        self.pull()
    }
}

// ---- a second installation ----------------------------------------------------------

pub(super) fn check_not_cloned(store: &Store) -> Result<()> {
    match store.read(|c| store::meta::meta_get(c, META_CLONED))? {
        Some(_) => Err(Error::Server {
            status: 409,
            code: wire::DEVICE_CLONED.into(),
            message: "re-enroll this device".into(),
        }),
        None => Ok(()),
    }
}

/// The server refused this installation: it never speaks with this token again
/// (the other copy keeps it); everything queued stays for the re-enrollment.
pub(super) fn mark_cloned(store: &Store) -> Result<()> {
    store.write(|t| {
        store::meta::meta_put(&t.tx, META_CLONED, "1")?;
        t.audit("device_cloned", "device", &t.me.device_id, None)
    })
}

/// Enroll the existing store in `dir` again with a new code (after it was found
/// to be a copy, or its enrollment was revoked): a new device identity and token
/// for the same user, everything recorded and queued kept, and a full
/// reconciling pull on the next sync. Close any other handle on the store first:
/// its identity is stale. Returns the store reopened.
pub fn reenroll(dir: &Path, key: &DbKey, code: &str, device_name: &str) -> Result<Store> {
    let store = Store::open(dir, key)?;
    let cfg = SyncConfig::load(&store)?;
    let base = normalise_url(&cfg.server_url)?;
    let (resp, sent_raw) = super::enroll::request_enrollment(&base, code, device_name)?;
    let old = store.identity().clone();
    if resp.user != old.user || resp.token.is_empty() {
        return Err(Error::invalid(
            Input::EnrollmentCode,
            Invalid::CodeOfAnotherUser,
        ));
    }
    let identity = Identity {
        device_id: resp.device_id.clone(),
        user: resp.user.clone(),
        role: resp.role,
        grid_scope: resp.grid_scope.clone(),
    };
    store.write(|t| {
        store::meta::meta_put(
            &t.tx,
            store::meta::META_IDENTITY,
            &serde_json::to_string(&identity)?,
        )?;
        store::meta::meta_put(&t.tx, META_TOKEN, &resp.token)?;
        if let Some(grid_path) = &resp.grid_path {
            store::cases::set_scope(
                &t.tx,
                &store::CaseScope {
                    grid_path: grid_path.clone(),
                    department: resp.department.clone(),
                },
            )?;
        }
        store::meta::meta_put(&t.tx, META_SERVER_URL, &base)?;
        t.tx.execute(
            "DELETE FROM device_meta WHERE key IN (?1, ?2)",
            params![META_CLONED, META_SEEN],
        )?;
        t.audit(
            "reenroll",
            "device",
            &identity.device_id,
            Some(&serde_json::json!({ "previous_device": old.device_id })),
        )
    })?;
    store.reset_installation()?;
    store.start_repull()?;
    if resp.server_time > 0 {
        store.observe_server_time(resp.server_time, sent_raw, store::now_ms())?;
    }
    drop(store);
    Store::open(dir, key)
}
