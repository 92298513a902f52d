//! What a device knows of its link to the server, kept in the device database:
//! the offset of its clock from the server's (so a phone whose clock is days off
//! stamps like a correct one after its first contact), and the id and request
//! counter of this installation (so a copied data directory is noticed).

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use rusqlite::Connection;

use crate::error::Result;
use crate::store::Store;
use crate::store::meta::{META_HLC, meta_get, meta_put};

const META_OFFSET: &str = "clock_offset_ms";
const META_INSTALL: &str = "install_id";
const META_REQ_LIMIT: &str = "request_seq_limit";

/// Offsets are only updated past this change: network jitter must not move the
/// clock back and forth, and a correct clock keeps an offset of zero.
const OFFSET_STEP_MS: i64 = 1_000;
/// Request numbers are reserved this many at a time: a crash skips the rest of a
/// block and never reuses a number (which the server would take for a copy).
const REQUEST_BLOCK: u64 = 256;

pub(crate) struct Link {
    offset: AtomicI64,
    install: Mutex<Install>,
}

struct Install {
    id: String,
    next: u64,
    limit: u64,
}

fn new_install_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Link {
    pub(crate) fn load(c: &Connection) -> Result<Link> {
        let offset = meta_get(c, META_OFFSET)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let limit: u64 = meta_get(c, META_REQ_LIMIT)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let id = meta_get(c, META_INSTALL)?.unwrap_or_default();
        Ok(Link {
            offset: AtomicI64::new(offset),
            install: Mutex::new(Install {
                id,
                next: limit,
                limit,
            }),
        })
    }

    pub(crate) fn clock_offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }
}

impl Store {
    /// How far this device's clock is behind the server's (negative: ahead), as
    /// last measured.
    pub fn clock_offset(&self) -> i64 {
        self.link.clock_offset()
    }

    /// The server said its clock read `server_ms` while this device's read
    /// between `sent_raw` and `recv_raw` (uncorrected).
    pub(crate) fn observe_server_time(
        &self,
        server_ms: i64,
        sent_raw: i64,
        recv_raw: i64,
    ) -> Result<()> {
        let measured = server_ms - (sent_raw + recv_raw) / 2;
        if (measured - self.link.clock_offset()).abs() < OFFSET_STEP_MS {
            return Ok(());
        }
        let conn = self.conn();
        meta_put(&conn, META_OFFSET, &measured.to_string())?;
        self.link.offset.store(measured, Ordering::Relaxed);
        // Stamps issued while the clock ran far ahead would drag every later one
        // with them: start again from corrected time. The server corrected those
        // stamps already (by the skew the push showed).
        let mut h = self.hlc.lock().unwrap_or_else(|e| e.into_inner());
        if h.rebase(self.now()) {
            meta_put(&conn, META_HLC, &h.last().to_string())?;
        }
        Ok(())
    }

    /// `<install id>.<n>` for the next request: n never repeats in this
    /// installation, even across crashes.
    pub(crate) fn request_id(&self) -> Result<String> {
        let mut i = self.link.install.lock().unwrap_or_else(|e| e.into_inner());
        if i.id.is_empty() || i.next >= i.limit {
            // Reserved in one immediate transaction from what the database says, so
            // two processes on one data directory never take the same numbers.
            let mut conn = self.conn();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            match meta_get(&tx, META_INSTALL)? {
                Some(id) => i.id = id,
                None => {
                    i.id = new_install_id();
                    meta_put(&tx, META_INSTALL, &i.id)?;
                }
            }
            let stored: u64 = meta_get(&tx, META_REQ_LIMIT)?
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            i.next = i.next.max(stored);
            let limit = i.next + REQUEST_BLOCK;
            meta_put(&tx, META_REQ_LIMIT, &limit.to_string())?;
            tx.commit()?;
            i.limit = limit;
        }
        i.next += 1;
        Ok(format!("{}.{}", i.id, i.next))
    }

    /// A new installation (after re-enrolling): a fresh id and counter.
    pub(crate) fn reset_installation(&self) -> Result<()> {
        let mut i = self.link.install.lock().unwrap_or_else(|e| e.into_inner());
        let c = self.conn();
        let c = &*c;
        i.id = new_install_id();
        i.next = 0;
        i.limit = 0;
        meta_put(c, META_INSTALL, &i.id)?;
        meta_put(c, META_REQ_LIMIT, "0")
    }
}
