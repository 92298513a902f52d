//! Lost phone: when the server says this device is revoked, the device wipes
//! its store — the database and the photos — and keeps only a marker saying
//! why, so the app can tell the user and be enrolled afresh. The marker is
//! written first: a wipe cut short is finished the next time the store opens.

use std::fs;
use std::path::Path;

use rusqlite::Connection;

use super::{DB_FILE, PHOTO_DIR, Store, schema};
use crate::error::Result;

/// The marker a wiped store leaves (it holds a timestamp, nothing personal).
pub const REVOKED_FILE: &str = "revoked";

/// Whether the store in `dir` was wiped because its device was revoked.
pub fn is_revoked(dir: &Path) -> bool {
    dir.join(REVOKED_FILE).exists()
}

/// Wipe `store` in place: the marker, then the connection swapped for an empty
/// in-memory one (so nothing more is written to disk), then the files.
pub(crate) fn wipe(store: &Store, now: i64) -> Result<()> {
    write_marker(store.dir(), now)?;
    let mut empty = Connection::open_in_memory()?;
    schema::init(&mut empty)?;
    let old = std::mem::replace(&mut *store.conn(), empty);
    // Closing flushes nothing worth keeping: the files go next.
    drop(old);
    remove_files(store.dir())
}

fn write_marker(dir: &Path, now: i64) -> Result<()> {
    use std::io::Write;
    let mut f = fs::File::create(dir.join(REVOKED_FILE))?;
    f.write_all(format!("revoked-and-wiped-at-ms {now}\n").as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Remove the database (with its WAL and journal files) and every photo.
pub(crate) fn remove_files(dir: &Path) -> Result<()> {
    // `.bootstrap`: an unfinished bootstrap's replica (`store::bootstrap`).
    for suffix in [
        "",
        "-wal",
        "-shm",
        "-journal",
        ".bootstrap",
        ".bootstrap-journal",
    ] {
        match fs::remove_file(dir.join(format!("{DB_FILE}{suffix}"))) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    match fs::remove_dir_all(dir.join(PHOTO_DIR)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// A fresh enrollment in this directory: the marker has done its job.
pub(crate) fn clear_marker(dir: &Path) -> Result<()> {
    match fs::remove_file(dir.join(REVOKED_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}
