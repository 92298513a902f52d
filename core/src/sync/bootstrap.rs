//! Bootstrap: an empty or repaired replica (no pull cursor) is built from the
//! server's snapshot (`GET /v1/snapshot`, `wire::snapshot`) in a new database
//! file and swapped in whole (`store::bootstrap`), instead of pulling the feed
//! change by change into the live one. One page is fetched ahead while the
//! current one is applied; each page commits with its resume token, so a cut or
//! a killed process resumes from the last page. The incremental pull then
//! continues from the snapshot's last cursor. A server without the route (404)
//! leaves the device to the pull.

use super::transport::Method;
use super::{Round, SyncConfig, SyncPhase};
use crate::error::{Error, Result};
use crate::store::bootstrap;
use crate::wire::PullResponse;
use crate::wire::snapshot::{self, MAX_SNAPSHOT_LIMIT, SNAPSHOT_PATH};

/// A page as the server sent it: `None` when the server has no snapshot route.
type Fetched = Result<Option<PullResponse>>;

impl Round<'_> {
    /// Build and swap in the replica from the snapshot. `false`: the server
    /// offers none, nothing was changed, pull instead.
    pub(super) fn bootstrap(&mut self) -> Result<bool> {
        let cfg = SyncConfig::load(self.store)?;
        let owner = format!("{} {}", cfg.server_url, self.store.identity().device_id);
        let mut build = self.store.bootstrap_open(&owner)?;
        self.progress(SyncPhase::Pull, 0, 0);
        if !build.built {
            match self.fetch_and_apply(&mut build) {
                Ok(true) => {}
                Ok(false) => {
                    drop(build);
                    bootstrap::discard(self.store.dir())?;
                    return Ok(false);
                }
                Err(e) => {
                    // A position the server no longer knows (restored): start over.
                    if e.code() == crate::wire::SERVER_RESTORED {
                        drop(build);
                        bootstrap::discard(self.store.dir())?;
                    }
                    return Err(e);
                }
            }
        }
        self.cancel.check()?;
        let cursor = build.token.clone().unwrap_or_default();
        self.report.dropped += self
            .store
            .bootstrap_finish(build, &cursor, self.report.pulled)?;
        self.report.cursor = cursor;
        Ok(true)
    }

    /// Fetch pages from where the build stands (one ahead) and apply each.
    fn fetch_and_apply(&mut self, build: &mut bootstrap::Build) -> Result<bool> {
        let fetcher = self.http.fork();
        let start = build.token.clone();
        // A server restored since it answered this device says so (`server_restored`).
        let seen = super::recovery::seen(self.store)?;
        let (pages, inbox) = std::sync::mpsc::sync_channel::<Fetched>(1);
        std::thread::scope(|scope| {
            let prefetch = scope.spawn(move || {
                let limit = MAX_SNAPSHOT_LIMIT.to_string();
                let mut cursor = start;
                loop {
                    let mut query = vec![("limit", limit.as_str()), ("cases", "1")];
                    if let Some(c) = &cursor {
                        query.push(("cursor", c.as_str()));
                    }
                    if let Some(s) = &seen {
                        query.push(("seen", s.as_str()));
                    }
                    let page = fetcher
                        .send(Method::Get, SNAPSHOT_PATH, &query, &[], None)
                        .and_then(|reply| match reply.status {
                            200 => snapshot::decode_page(&reply.body).map(Some).map_err(|e| {
                                Error::Server {
                                    status: reply.status,
                                    code: "bad_response".into(),
                                    message: e.to_string(),
                                }
                            }),
                            404 => Ok(None),
                            _ => Err(reply.error()),
                        });
                    let (next, last) = match &page {
                        // `more` with nothing new and the same cursor would loop forever.
                        Ok(Some(p)) => (
                            Some(p.cursor.clone()),
                            !p.more || (p.changes.is_empty() && Some(&p.cursor) == cursor.as_ref()),
                        ),
                        _ => (None, true),
                    };
                    if pages.send(page).is_err() || last {
                        break;
                    }
                    cursor = next;
                }
                (fetcher.bytes_up.get(), fetcher.bytes_down.get())
            });
            let applied: Result<bool> = (|| {
                for page in inbox.iter() {
                    self.cancel.check()?;
                    let Some(page) = page? else {
                        return Ok(false);
                    };
                    self.report.pulled += self.store.bootstrap_page(build, &page)?;
                    self.progress(SyncPhase::Pull, self.report.pulled, 0);
                }
                Ok(true)
            })();
            drop(inbox);
            let (up, down) = prefetch.join().unwrap_or((0, 0));
            self.http.bytes_up.set(self.http.bytes_up.get() + up);
            self.http.bytes_down.set(self.http.bytes_down.get() + down);
            applied
        })
    }
}
