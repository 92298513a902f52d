//! The photo index: which photo files this device holds and whether each is
//! uploaded yet. The files themselves live in the photo folder (`PhotoStore`);
//! a record may only refer to a photo registered here.

use rusqlite::{Connection, params};

use crate::error::Missing;
use crate::error::{Error, Result};
use crate::photo::{self, PhotoRef};

/// Index a photo file just written (the file comes before any record refers to it).
pub(crate) fn register(c: &Connection, r: &PhotoRef, now: i64) -> Result<()> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO photos (hash, size, mime, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![r.hash, r.size as i64, r.mime, now])?;
    Ok(())
}

/// Photos referenced by records but not yet uploaded.
pub(crate) fn pending(c: &Connection) -> Result<Vec<PhotoRef>> {
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
}

/// Every hash is well formed and indexed on this device.
pub(crate) fn check_photos_known<'a>(
    c: &Connection,
    hashes: impl Iterator<Item = &'a String>,
) -> Result<()> {
    let mut st = c.prepare_cached("SELECT 1 FROM photos WHERE hash = ?1")?;
    for h in hashes {
        if !photo::is_valid_hash(h) || !st.exists([h])? {
            return Err(Error::not_found(Missing::Photo, h.as_str()));
        }
    }
    Ok(())
}
