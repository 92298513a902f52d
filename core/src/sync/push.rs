//! Push: the outbox goes up in batches (by size, by clock offset, replays apart),
//! and the server's answer for each operation is acted on in one transaction —
//! applied, duplicate, rejected (kept for the UI) or waiting for a photo.

use std::collections::{HashMap, HashSet};

use rusqlite::params;

use super::{LostEdit, MAX_PUSH_BYTES, Rejection, Round, SyncPhase, recovery};
use crate::clock::hlc::Hlc;
use crate::error::Result;
use crate::records::Op;
use crate::store::Store;
use crate::wire::{self, OpStatus, PushOp, PushRequest, PushResponse};

/// One outbox row as the push reads it.
struct Queued {
    seq: i64,
    op_id: String,
    entity: String,
    entity_id: String,
    hlc: String,
    op: Op,
    /// A re-upload after a restore.
    replay: bool,
    /// The clock offset in force when it was stamped.
    clock_offset: i64,
}

impl Round<'_> {
    pub(super) fn push(&mut self, held_back_photos: &HashSet<String>) -> Result<()> {
        let total = self.store.outbox_len()?;
        let mut done = 0u64;
        let mut after_seq = 0i64;
        // Entities with an operation kept back: later operations on them wait too,
        // so the server sees each record's operations in order.
        let mut blocked: HashSet<(String, String)> = HashSet::new();
        self.progress(SyncPhase::Push, 0, total);
        loop {
            self.cancel.check()?;
            let rows = outbox_after(self.store, after_seq, wire::MAX_PUSH_OPS)?;
            if rows.is_empty() {
                break;
            }
            let mut batch: Vec<Queued> = Vec::new();
            let mut bytes = 0usize;
            for q in rows {
                // Re-uploads go in requests of their own (the server counts them), and
                // so do ops stamped under another clock offset (each push tells the
                // time as its ops' clock told it).
                if batch
                    .first()
                    .is_some_and(|f| f.replay != q.replay || f.clock_offset != q.clock_offset)
                {
                    break;
                }
                let key = (q.entity.clone(), q.entity_id.clone());
                if blocked.contains(&key)
                    || q.op
                        .photo_hashes()
                        .iter()
                        .any(|h| held_back_photos.contains(h))
                {
                    blocked.insert(key);
                    self.report.waiting_photos += 1;
                    done += 1;
                    after_seq = q.seq;
                    continue;
                }
                let size = serde_json::to_vec(&q.op)?.len() + q.op_id.len() + q.hlc.len() + 48;
                if !batch.is_empty() && bytes + size > MAX_PUSH_BYTES {
                    break;
                }
                bytes += size;
                after_seq = q.seq;
                batch.push(q);
            }
            if batch.is_empty() {
                self.progress(SyncPhase::Push, done, total.max(done));
                continue;
            }
            let req = PushRequest {
                ops: batch
                    .iter()
                    .map(|q| PushOp {
                        op_id: q.op_id.clone(),
                        entity_id: q.entity_id.clone(),
                        hlc: q.hlc.clone(),
                        op: q.op.clone(),
                    })
                    .collect(),
                cursor: self.store.sync_cursor()?,
                // This clock's reading now, corrected as these ops' stamps were: the
                // server moves their stamps by however far that is off.
                device_time: Some(self.store.raw_now() + batch[0].clock_offset),
                replay: batch[0].replay,
            };
            let resp: PushResponse = self.http.post_json("/v1/push", &req)?;
            self.record_push(&batch, &resp, &mut blocked)?;
            if let Some(head) = &resp.head {
                recovery::note_seen(self.store, head)?;
            }
            if let Ok(h) = resp.server_hlc.parse::<Hlc>() {
                self.store.observe_hlc(&h)?;
            }
            done += batch.len() as u64;
            self.progress(SyncPhase::Push, done, total.max(done));
        }
        Ok(())
    }

    /// Act on the server's answers in one transaction. Rows are addressed by
    /// `op_id`, so anything queued while the request was out stays queued.
    fn record_push(
        &mut self,
        batch: &[Queued],
        resp: &PushResponse,
        blocked: &mut HashSet<(String, String)>,
    ) -> Result<()> {
        let by_id: HashMap<&str, &Queued> = batch.iter().map(|q| (q.op_id.as_str(), q)).collect();
        let mut rejected = Vec::new();
        let mut lost = Vec::new();
        let mut counts = (0u64, 0u64, 0u64, 0u64); // pushed, duplicates, conflicts, waiting
        self.store.write(|t| {
            for r in &resp.results {
                // An answer for an operation we did not send is ignored.
                let Some(q) = by_id.get(r.op_id.as_str()) else { continue };
                counts.2 += r.conflicts.len() as u64;
                if !r.lost.is_empty() {
                    t.audit("conflict_lost", &q.entity, &q.entity_id,
                        Some(&serde_json::json!({ "op_id": q.op_id, "fields": r.lost })))?;
                    lost.push(LostEdit {
                        op_id: q.op_id.clone(),
                        entity: q.entity.clone(),
                        entity_id: q.entity_id.clone(),
                        fields: r.lost.clone(),
                    });
                }
                match r.status {
                    OpStatus::Applied | OpStatus::Duplicate => {
                        if r.status == OpStatus::Applied {
                            counts.0 += 1;
                        } else {
                            counts.1 += 1;
                        }
                        recovery::keep_sent(t, &q.op_id)?;
                        if let Some(table) = delivery_table(&q.entity) {
                            // Still 'local' and nothing newer queued for it: it is on the server now.
                            t.tx.prepare_cached(&format!(
                                "UPDATE {table} SET delivery = 'server' WHERE id = ?1 AND delivery = 'local'
                                   AND NOT EXISTS (SELECT 1 FROM outbox WHERE entity = ?2 AND entity_id = ?1)"
                            ))?
                            .execute(params![q.entity_id, q.entity])?;
                        }
                    }
                    OpStatus::Rejected if q.replay => {
                        // A re-upload the restored server judged differently this time: the
                        // record went on its way long ago, so nothing is marked refused.
                        t.tx.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?.execute([&q.op_id])?;
                        t.audit("replay_rejected", &q.entity, &q.entity_id,
                            Some(&serde_json::json!({ "op_id": q.op_id, "code": r.code })))?;
                    }
                    OpStatus::Rejected => {
                        t.tx.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?.execute([&q.op_id])?;
                        if let Some(table) = delivery_table(&q.entity) {
                            t.tx.prepare_cached(&format!("UPDATE {table} SET delivery = 'rejected' WHERE id = ?1"))?
                                .execute([&q.entity_id])?;
                        }
                        let code = r.code.clone().unwrap_or_else(|| "rejected".into());
                        let message = r.message.clone().or_else(|| r.message_en.clone()).unwrap_or_else(|| code.clone());
                        let detail = serde_json::json!({
                            "code": code, "message": message, "message_en": r.message_en,
                            "op_type": q.op.type_name(), "op_id": q.op_id,
                        });
                        t.audit("rejected", &q.entity, &q.entity_id, Some(&detail))?;
                        rejected.push(Rejection {
                            op_id: q.op_id.clone(),
                            entity: q.entity.clone(),
                            entity_id: q.entity_id.clone(),
                            code,
                            message,
                            message_en: r.message_en.clone(),
                        });
                    }
                    OpStatus::PendingPhotos => {
                        counts.3 += 1;
                        t.tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = 'pending_photos' WHERE op_id = ?1")?
                            .execute([&q.op_id])?;
                        // The server lacks a photo we thought it had: check it again next round.
                        for h in q.op.photo_hashes() {
                            t.tx.prepare_cached("UPDATE photos SET uploaded = 0 WHERE hash = ?1")?.execute([&h])?;
                        }
                        blocked.insert((q.entity.clone(), q.entity_id.clone()));
                    }
                }
            }
            Ok(())
        })?;
        self.report.pushed += counts.0;
        self.report.duplicates += counts.1;
        self.report.conflicts += counts.2;
        self.report.waiting_photos += counts.3;
        self.report.rejected.extend(rejected);
        self.report.lost.extend(lost);
        Ok(())
    }
}

fn delivery_table(entity: &str) -> Option<&'static str> {
    match entity {
        "inspection" => Some("inspections"),
        "hazard" => Some("hazards"),
        "report" => Some("reports"),
        "case" => Some("cases"),
        _ => None,
    }
}

fn outbox_after(store: &Store, after_seq: i64, limit: usize) -> Result<Vec<Queued>> {
    store.read(|c| {
        let mut st = c.prepare_cached(
            "SELECT seq, op_id, entity, entity_id, hlc, payload, replay, clock_offset FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = st.query_map(params![after_seq, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?, r.get::<_, bool>(6)?, r.get(7)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, op_id, entity, entity_id, hlc, payload, replay, clock_offset) = row?;
            out.push(Queued { seq, op_id, entity, entity_id, hlc, op: serde_json::from_str(&payload)?, replay, clock_offset });
        }
        Ok(out)
    })
}
