//! Photos: resumable, content-addressed uploads (a chunk at an offset, the whole
//! checked against its SHA-256 name and judged an image by its bytes), downloads,
//! and who may get — or learn of — a photo: the one rule the device API, push and
//! the console all call.

use gridfield_core::case;
use gridfield_core::model::Role;
use gridfield_core::photo::{self, ImageType};
use gridfield_core::record::RecordKind;
use gridfield_core::records::Report;
use gridfield_core::report;

use super::{CONSOLE_DEVICE, DeviceCtx, Error, Result, now_ms, sha256_hex};
use crate::db::records;
use crate::db::{RowExt, SqlValue as V, Tx};

/// Whether `who` (a device, or a console user through its `DeviceCtx`) may get
/// the photo `hash`, or learn that it exists: a record it may see refers to it —
/// inside its grid subtree, of a kind its role sees (inspections and hazards
/// only for roles that see personal data; reports by `report::visible_to`) —
/// or this very device uploaded the photo's bytes (its own photo, before the
/// record referring to it is pushed). Anything else answers like a missing photo.
pub fn may_see(tx: &mut dyn Tx, hash: &str, who: &DeviceCtx) -> Result<bool> {
    let refs = if who.role == Role::Department {
        // A department sees the cases dispatched to it wherever they happened,
        // and nothing else: no grid range, only cases (judged one by one below).
        tx.query(
            "SELECT kind, record_id FROM record_photos WHERE hash = $1 AND kind = 'case'",
            &[hash.into()],
        )?
    } else {
        let (lower, upper) = who.scope().range();
        tx.query(
            "SELECT kind, record_id FROM record_photos WHERE hash = $1 AND grid_path >= $2 AND grid_path < $3",
            &[hash.into(), lower.into(), upper.into()],
        )?
    };
    for r in refs {
        let Some(kind) = RecordKind::parse(&r.text(0)?) else {
            continue;
        };
        let visible = match kind {
            RecordKind::Report => match records::get(tx, kind, &r.text(1)?)? {
                Some(rec) => {
                    let rep: Report = rec.doc()?;
                    report::visible_to(&rep.reporter, who.role, &who.user)
                }
                None => false,
            },
            RecordKind::Case => match records::get(tx, kind, &r.text(1)?)? {
                Some(rec) => {
                    let doc: records::CaseDoc = rec.doc()?;
                    case_photo_visible(&doc, hash, who)
                }
                None => false,
            },
            // A department sees the cases dispatched to it, nothing else of its level.
            _ if who.role == Role::Department => false,
            _ => who.role.sees_personal_data(),
        };
        if visible {
            return Ok(true);
        }
    }
    Ok(who.device_id != CONSOLE_DEVICE
        && tx
            .query_one(
                "SELECT 1 FROM blob_uploaders WHERE hash = $1 AND device_id = $2",
                &[hash.into(), who.device_id.as_str().into()],
            )?
            .is_some())
}

/// A case's photo for `who`: only if the case is theirs to see (`case::visible_to`:
/// a department only what was dispatched to it), and for a volunteer only the
/// case's own photos (the outcome of their report), never the timeline's or the
/// agreement's signatures.
fn case_photo_visible(doc: &records::CaseDoc, hash: &str, who: &DeviceCtx) -> bool {
    if !case::visible_to(&doc.case, &who.case_actor()) {
        return false;
    }
    who.role.sees_personal_data() || doc.case.photos.iter().any(|p| p == hash)
}

pub const MAX_BLOB_BYTES: u64 = photo::DEFAULT_MAX_PHOTO_BYTES;

pub enum BlobState {
    Complete,
    Partial(u64),
    Absent,
}

/// Where an upload of `hash` stands for `who`: complete only when it may see the
/// photo (`may_see`); otherwise its own partial upload, or nothing — a photo it
/// may not see and another device's upload look exactly like no photo at all.
pub fn blob_state(tx: &mut dyn Tx, hash: &str, who: &DeviceCtx) -> Result<BlobState> {
    if may_see(tx, hash, who)? && stored(tx, hash)? {
        return Ok(BlobState::Complete);
    }
    Ok(
        match tx.query_one(
            "SELECT length(data) FROM blob_uploads WHERE hash = $1 AND device_id = $2",
            &[hash.into(), who.device_id.as_str().into()],
        )? {
            Some(r) => BlobState::Partial(r.int(0)? as u64),
            None => BlobState::Absent,
        },
    )
}

fn stored(tx: &mut dyn Tx, hash: &str) -> Result<bool> {
    Ok(tx
        .query_one("SELECT 1 FROM blobs WHERE hash = $1", &[hash.into()])?
        .is_some())
}

/// Append a chunk at `offset` of `who`'s upload. Returns the new offset, or
/// Complete when the whole photo arrived, its bytes hash to its name and they
/// are a JPEG, PNG or WebP (`ImageType::sniff`; the type stored is the sniffed
/// one, whatever the sender declared). A device that may not see a stored photo
/// sends its bytes like any other: having them is what lets it refer to it.
pub fn put_blob_chunk(
    tx: &mut dyn Tx,
    hash: &str,
    who: &DeviceCtx,
    offset: u64,
    total: u64,
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
    let have = match blob_state(tx, hash, who)? {
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
    // Whatever does not even start like a photo is refused before it is kept.
    if have == 0 && chunk.len() as u64 >= total.min(12) && ImageType::announced(chunk).is_none() {
        return Err(Error::UnsupportedMediaType);
    }
    let device = who.device_id.as_str();
    let mut data = if have > 0 {
        tx.query_one(
            "SELECT data FROM blob_uploads WHERE hash = $1 AND device_id = $2",
            &[hash.into(), device.into()],
        )?
        .map(|r| r.blob(0))
        .transpose()?
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    data.extend_from_slice(chunk);
    if data.len() as u64 == total {
        tx.execute(
            "DELETE FROM blob_uploads WHERE hash = $1 AND device_id = $2",
            &[hash.into(), device.into()],
        )?;
        if sha256_hex(&data) != hash {
            return Err(Error::HashMismatch);
        }
        let kind = ImageType::sniff(&data).ok_or(Error::UnsupportedMediaType)?;
        tx.execute(
            "INSERT INTO blobs (hash, size, mime, data, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
            &[hash.into(), (total as i64).into(), kind.mime().into(), V::Blob(data), now_ms().into()],
        )?;
        if device != CONSOLE_DEVICE {
            tx.execute(
                "INSERT INTO blob_uploaders (hash, device_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (hash, device_id) DO NOTHING",
                &[hash.into(), device.into(), now_ms().into()],
            )?;
        }
        return Ok(BlobState::Complete);
    }
    let n = data.len() as u64;
    tx.execute(
        "INSERT INTO blob_uploads (hash, device_id, size, data, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (hash, device_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        &[
            hash.into(),
            device.into(),
            (total as i64).into(),
            V::Blob(data),
            now_ms().into(),
        ],
    )?;
    Ok(BlobState::Partial(n))
}

/// Forget `who`'s partial upload (its assembled bytes were refused).
pub fn discard_upload(tx: &mut dyn Tx, hash: &str, who: &DeviceCtx) -> Result<()> {
    tx.execute(
        "DELETE FROM blob_uploads WHERE hash = $1 AND device_id = $2",
        &[hash.into(), who.device_id.as_str().into()],
    )?;
    Ok(())
}

/// A photo as it is served: its bytes, and the type they are (decided from the
/// bytes again, so a photo stored before types were checked is never served as
/// markup). `None` for bytes that are no image: they download as a file.
pub struct Download {
    pub kind: Option<ImageType>,
    pub data: Vec<u8>,
}

/// The photo `hash` for `who`, or `None` when it is missing or `who` may not see
/// it (the two are never told apart).
pub fn download(tx: &mut dyn Tx, hash: &str, who: &DeviceCtx) -> Result<Option<Download>> {
    if !may_see(tx, hash, who)? {
        return Ok(None);
    }
    Ok(
        match tx.query_one("SELECT data FROM blobs WHERE hash = $1", &[hash.into()])? {
            Some(r) => {
                let data = r.blob(0)?;
                Some(Download {
                    kind: ImageType::sniff(&data),
                    data,
                })
            }
            None => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use gridfield_core::model::Role;

    #[test]
    fn a_photo_of_a_sibling_grid_extending_the_code_is_out_of_scope() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("s.db").display().to_string()).unwrap();
        let (inside, sibling) = ("a".repeat(64), "b".repeat(64));
        db.write(|tx| {
            for (hash, path) in [(&inside, "/32/3205/320583/"), (&sibling, "/32/32050/")] {
                tx.execute(
                    "INSERT INTO record_photos (hash, kind, record_id, grid_path) VALUES ($1, 'inspection', $1, $2)",
                    &[hash.as_str().into(), path.into()],
                )?;
            }
            Ok(())
        })
        .unwrap();
        let seen = |hash: &str, role: Role, scope: &str| {
            let who = DeviceCtx {
                device_id: "d1".into(),
                user: "u1".into(),
                role,
                grid_code: String::new(),
                grid_path: scope.into(),
                install: None,
                department: None,
            };
            db.read(|tx| Ok(may_see(tx, hash, &who)?)).unwrap()
        };
        assert!(seen(&inside, Role::Worker, "/32/3205/"));
        assert!(!seen(&sibling, Role::Worker, "/32/3205/"));
        assert!(seen(&sibling, Role::Worker, "/32/32050/"));
        assert!(seen(&sibling, Role::Supervisor, "/32/"));
        // An inspection's photo is never a volunteer's, whatever its scope.
        assert!(!seen(&inside, Role::Volunteer, "/32/"));
    }
}
