//! Photos in a sync round: every photo a queued operation needs goes up first,
//! a few at a time, each resumably (from the server's offset, in chunks); a photo
//! the device lacks is fetched on demand and checked against its hash.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::Deserialize;

use super::transport::{Http, Method};
use super::{BLOB_CHUNK, CancelHandle, Round, SyncConfig, SyncPhase, recovery};
use crate::error::{Error, Result};
use crate::error::{Input, Invalid};
use crate::photo::{self, PhotoError, PhotoRef};
use crate::records::Op;
use crate::store::Store;

/// Photos going up at the same time: enough to fill a slow uplink's round trips,
/// few enough not to starve the rest of the phone.
const PARALLEL_UPLOADS: usize = 3;

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
    let mut answer =
        http.send_streaming(Method::Get, &format!("/v1/blobs/{hash}"), &[], &[], None)?;
    if answer.head.status != 200 {
        return Err(answer.head.error());
    }
    // Read as it arrives, and stop at once if it grows past what a photo may be.
    let limit = store.photos().max_bytes();
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk()? {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > limit {
            return Err(Error::Server {
                status: 200,
                code: "photo_too_large".into(),
                message: format!("downloaded photo is larger than {limit} bytes"),
            });
        }
    }
    if crate::photo::hash_bytes(&body) != hash {
        return Err(Error::Server {
            status: 200,
            code: "hash_mismatch".into(),
            message: "downloaded photo does not match its hash".into(),
        });
    }
    store.add_photo(&body)?;
    store.write(|t| {
        t.tx.execute("UPDATE photos SET uploaded = 1 WHERE hash = ?1", [hash])?;
        Ok(())
    })?;
    Ok(body)
}

/// What an upload worker tells the round.
enum Event {
    /// Bytes sent and received since its last word.
    Bytes(u64, u64),
    /// Photo `needed[i]` is done: uploaded (true) or not possible now (false).
    Done(usize, Result<bool>),
}

impl Round<'_> {
    /// Upload every photo a queued operation needs, `PARALLEL_UPLOADS` at a time.
    /// Returns the photos still not on the server: operations needing them wait
    /// for the next round. The first error (a cancel, a refusal) stops the rest
    /// after the photo each worker is on.
    pub(super) fn upload_photos(&mut self) -> Result<HashSet<String>> {
        let needed = photos_needed(self.store)?;
        let total = needed.len() as u64;
        let mut failed = HashSet::new();
        self.progress(SyncPhase::Photos, 0, total);
        let workers: Vec<Http> = (0..PARALLEL_UPLOADS.min(needed.len()))
            .map(|_| self.http.fork())
            .collect();
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel::<Event>();
        let store = self.store;
        std::thread::scope(|scope| {
            for http in workers {
                let (tx, needed, next, stop) = (tx.clone(), &needed, &next, &stop);
                scope.spawn(move || {
                    let sent = std::cell::Cell::new((0, 0));
                    let tell = || {
                        let (up, down) = (http.bytes_up.get(), http.bytes_down.get());
                        let (u0, d0) = sent.replace((up, down));
                        let _ = tx.send(Event::Bytes(up - u0, down - d0));
                    };
                    while !stop.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(p) = needed.get(i) else { break };
                        let r = upload_photo(&http, store, p, &tell);
                        tell();
                        let fatal = r.is_err();
                        if tx.send(Event::Done(i, r)).is_err() || fatal {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut first_error = None;
            let mut done = 0;
            for event in rx {
                match event {
                    Event::Bytes(up, down) => {
                        self.http.bytes_up.set(self.http.bytes_up.get() + up);
                        self.http.bytes_down.set(self.http.bytes_down.get() + down);
                    }
                    Event::Done(i, Ok(true)) => {
                        self.store.read(|c| {
                            c.prepare_cached("UPDATE photos SET uploaded = 1 WHERE hash = ?1")?
                                .execute([&needed[i].hash])?;
                            Ok(())
                        })?;
                        self.report.photos_uploaded += 1;
                        done += 1;
                    }
                    Event::Done(i, Ok(false)) => {
                        self.report.photos_failed += 1;
                        failed.insert(needed[i].hash.clone());
                        done += 1;
                    }
                    Event::Done(_, Err(e)) => {
                        stop.store(true, Ordering::SeqCst);
                        first_error.get_or_insert(e);
                    }
                }
                self.progress(SyncPhase::Photos, done, total);
            }
            first_error.map_or(Ok(()), Err)
        })?;
        Ok(failed)
    }
}

/// Resumable upload: ask the server how much it has, send the rest in chunks,
/// follow its offset after a cut or a mismatch. False when this photo cannot be
/// uploaded now (missing or damaged here, refused there) — the round goes on.
/// `tick` is called after each chunk, for progress.
fn upload_photo(http: &Http, store: &Store, p: &PhotoRef, tick: &dyn Fn()) -> Result<bool> {
    let bytes = match store.photos().get(&p.hash) {
        Ok(b) => b,
        Err(PhotoError::Missing(_) | PhotoError::Damaged(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    if photo::hash_bytes(&bytes) != p.hash {
        return Ok(false);
    }
    let path = format!("/v1/blobs/{}", p.hash);
    let head = http.send(Method::Head, &path, &[], &[], None)?;
    let mut offset = match head.status {
        200 => return Ok(true),
        404 => head.offset().unwrap_or(0),
        _ => return Err(head.error()),
    };
    let len = bytes.len() as u64;
    let mut restarted = false;
    let mut stalls = 0;
    loop {
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
        let r = http.send(Method::Put, &path, &[], &headers, Some(&bytes[start..end]))?;
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
        tick();
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
