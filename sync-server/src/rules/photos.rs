//! Photos: resumable, content-addressed uploads (a chunk at an offset, the whole
//! checked against its SHA-256 name), downloads, and whether a photo belongs to a
//! record inside a grid scope.

use gridfield_core::grid::GridScope;
use gridfield_core::photo;

use super::{Error, Result, now_ms, sha256_hex};
use crate::db::{RowExt, SqlValue as V, Tx};

/// Whether a record inside the subtree `grid_path` refers to the photo `hash`:
/// one indexed lookup in `record_photos`.
pub fn photo_in_scope(tx: &mut dyn Tx, hash: &str, grid_path: &str) -> Result<bool> {
    let (lower, upper) = GridScope::new(grid_path).range();
    Ok(tx
        .query_one(
            "SELECT 1 FROM record_photos WHERE hash = $1 AND grid_path >= $2 AND grid_path < $3 LIMIT 1",
            &[hash.into(), lower.into(), upper.into()],
        )?
        .is_some())
}

pub const MAX_BLOB_BYTES: u64 = photo::DEFAULT_MAX_PHOTO_BYTES;

pub enum BlobState {
    Complete,
    Partial(u64),
    Absent,
}

pub fn blob_state(tx: &mut dyn Tx, hash: &str) -> Result<BlobState> {
    if tx
        .query_one("SELECT 1 FROM blobs WHERE hash = $1", &[hash.into()])?
        .is_some()
    {
        return Ok(BlobState::Complete);
    }
    Ok(
        match tx.query_one(
            "SELECT length(data) FROM blob_uploads WHERE hash = $1",
            &[hash.into()],
        )? {
            Some(r) => BlobState::Partial(r.int(0)? as u64),
            None => BlobState::Absent,
        },
    )
}

/// Append a chunk at `offset`. Returns the new offset, or Complete when the whole
/// blob arrived and its bytes hash to its name.
pub fn put_blob_chunk(
    tx: &mut dyn Tx,
    hash: &str,
    offset: u64,
    total: u64,
    mime: &str,
    chunk: &[u8],
) -> Result<BlobState> {
    if !photo::is_valid_hash(hash) {
        return Err(Error::invalid(
            "bad_hash",
            "blob name must be a lowercase SHA-256 hex digest",
        ));
    }
    if total == 0 || total > MAX_BLOB_BYTES {
        return Err(Error::PhotoTooLarge {
            max_bytes: MAX_BLOB_BYTES,
        });
    }
    let have = match blob_state(tx, hash)? {
        BlobState::Complete => return Ok(BlobState::Complete),
        BlobState::Partial(n) => n,
        BlobState::Absent => 0,
    };
    if offset != have {
        return Err(Error::OffsetMismatch { offset: have });
    }
    if have + chunk.len() as u64 > total {
        return Err(Error::TooLong);
    }
    let mut data = if have > 0 {
        tx.query_one(
            "SELECT data FROM blob_uploads WHERE hash = $1",
            &[hash.into()],
        )?
        .map(|r| r.blob(0))
        .transpose()?
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    data.extend_from_slice(chunk);
    if data.len() as u64 == total {
        tx.execute("DELETE FROM blob_uploads WHERE hash = $1", &[hash.into()])?;
        if sha256_hex(&data) != hash {
            return Err(Error::HashMismatch);
        }
        let mime = photo::sniff_mime(&data).unwrap_or(mime).to_string();
        tx.execute(
            "INSERT INTO blobs (hash, size, mime, data, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
            &[hash.into(), (total as i64).into(), mime.into(), V::Blob(data), now_ms().into()],
        )?;
        return Ok(BlobState::Complete);
    }
    let n = data.len() as u64;
    tx.execute(
        "INSERT INTO blob_uploads (hash, size, mime, data, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (hash) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        &[
            hash.into(),
            (total as i64).into(),
            mime.into(),
            V::Blob(data),
            now_ms().into(),
        ],
    )?;
    Ok(BlobState::Partial(n))
}

/// Forget a partial upload (its assembled bytes did not match the hash).
pub fn discard_upload(tx: &mut dyn Tx, hash: &str) -> Result<()> {
    tx.execute("DELETE FROM blob_uploads WHERE hash = $1", &[hash.into()])?;
    Ok(())
}

pub fn get_blob(tx: &mut dyn Tx, hash: &str) -> Result<Option<(String, Vec<u8>)>> {
    Ok(
        match tx.query_one(
            "SELECT mime, data FROM blobs WHERE hash = $1",
            &[hash.into()],
        )? {
            Some(r) => Some((r.text(0)?, r.blob(1)?)),
            None => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn a_photo_of_a_sibling_grid_extending_the_code_is_out_of_scope() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("s.db").display().to_string()).unwrap();
        let (inside, sibling) = ("a".repeat(64), "b".repeat(64));
        db.write(|tx| {
            for (hash, path) in [(&inside, "/32/3205/320583/"), (&sibling, "/32/32050/")] {
                tx.execute(
                    "INSERT INTO record_photos (hash, kind, record_id, grid_path) VALUES ($1, 'report', $1, $2)",
                    &[hash.as_str().into(), path.into()],
                )?;
            }
            Ok(())
        })
        .unwrap();
        let seen =
            |hash: &str, scope: &str| db.read(|tx| Ok(photo_in_scope(tx, hash, scope)?)).unwrap();
        assert!(seen(&inside, "/32/3205/"));
        assert!(!seen(&sibling, "/32/3205/"));
        assert!(seen(&sibling, "/32/32050/"));
        assert!(seen(&sibling, "/32/"));
    }
}
