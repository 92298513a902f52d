//! Pull: the server's change feed, page by page from the saved cursor, one page
//! fetched ahead while the current one is applied (see `apply`), until the server
//! has nothing more; a re-pull ends by dropping what the server lacks.

use super::transport::Method;
use super::{PULL_LIMIT, Round, SyncPhase, recovery};
use crate::clock::hlc::Hlc;
use crate::error::Result;
use crate::wire::{self, PullResponse};

impl Round<'_> {
    /// Pull pages until the server has nothing more. The next page is fetched while
    /// the current one is applied (one page ahead, no more): the device and the
    /// server work at the same time instead of waiting for each other.
    pub(super) fn pull(&mut self) -> Result<()> {
        // An empty or repaired replica is built from the snapshot instead; the
        // pull then continues from where it ended.
        if self.store.sync_cursor()?.is_none() {
            self.bootstrap()?;
        } else {
            crate::store::bootstrap::discard(self.store.dir())?;
        }
        let start = self.store.sync_cursor()?.unwrap_or_default();
        let seen = recovery::seen(self.store)?;
        let taxonomies = self.store.read(crate::store::taxonomy::held_versions)?;
        let visit_rules = self
            .store
            .read(crate::store::visits::held_version)?
            .to_string();
        let legacy = self.store.read(crate::store::plates::legacy_version)?;
        self.progress(SyncPhase::Pull, 0, 0);
        let fetcher = self.http.fork();
        let (pages, inbox) = std::sync::mpsc::sync_channel::<Result<PullResponse>>(1);
        let cursor = std::thread::scope(|scope| {
            let prefetch = scope.spawn(move || {
                let limit = PULL_LIMIT.min(wire::MAX_PULL_LIMIT).to_string();
                let mut cursor = start;
                // The first page brings any newer taxonomy; the rest need not repeat it.
                let mut ask_taxonomies = Some((taxonomies.as_str(), visit_rules.as_str()));
                let mut ask_legacy = Some(legacy.as_str());
                loop {
                    let mut query = vec![("limit", limit.as_str())];
                    if !cursor.is_empty() {
                        query.insert(0, ("cursor", cursor.as_str()));
                    }
                    if let Some(s) = &seen {
                        query.push(("seen", s.as_str()));
                    }
                    // Cases (事件) come only to apps that keep them.
                    query.push(("cases", "1"));
                    if let Some((t, v)) = ask_taxonomies.take() {
                        query.push(("taxonomies", t));
                        query.push(("visit_rules", v));
                    }
                    // Legacy plate mappings come as one document when they changed.
                    if let Some(v) = ask_legacy.take() {
                        query.push(("legacy_plates", v));
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
                    self.report.pulled += self.store.apply_page_with(
                        &page.changes,
                        &page.taxonomies,
                        &page.cursor,
                    )?;
                    if let Some(r) = &page.visit_rules {
                        self.store.keep_visit_rules(r)?;
                    }
                    if let Some(doc) = &page.legacy_plates {
                        self.store
                            .write(|t| crate::store::plates::replace_legacy(&t.tx, doc))?;
                    }
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
