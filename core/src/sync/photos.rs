//! Photos in a sync round: every photo a queued operation needs goes up first,
//! resumably (from the server's offset, in chunks); a photo the device lacks is
//! fetched on demand and checked against its hash.

use std::collections::HashSet;

use serde::Deserialize;

use super::transport::{Http, Method};
use super::{BLOB_CHUNK, CancelHandle, Round, SyncConfig, SyncPhase, recovery};
use crate::error::{Error, Result};
use crate::error::{Input, Invalid};
use crate::photo::{self, PhotoError, PhotoRef};
use crate::records::Op;
use crate::store::Store;

/// A photo's bytes: from this device if it has them, otherwise downloaded on
/// demand from the server (a supervisor's photo of a hazard, say) — checked
/// against its hash and kept, so it is fetched once.
pub fn fetch_photo(store: &Store, hash: &str, cancel: &CancelHandle) -> Result<Vec<u8>> {
    if !crate::photo::is_valid_hash(hash) {
        return Err(Error::invalid(Input::Photo, Invalid::NotAPhotoHash));
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

impl Round<'_> {
    /// Upload every photo a queued operation needs. Returns the photos still not
    /// on the server: operations needing them wait for the next round.
    pub(super) fn upload_photos(&mut self) -> Result<HashSet<String>> {
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
            Err(PhotoError::Missing(_) | PhotoError::Damaged(_)) => return Ok(false),
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
}

/// Photos that queued operations refer to and that are not uploaded yet, in queue order.
pub(super) fn photos_needed(store: &Store) -> Result<Vec<PhotoRef>> {
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
