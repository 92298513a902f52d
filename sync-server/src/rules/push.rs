//! Push: a batch of a device's operations applied in one transaction. Each op is
//! judged on its own (idempotent by op id, photos first, stamps corrected for the
//! device's clock); a refusal is an answer, so the batch always commits.

use std::collections::{BTreeMap, HashMap};

use gridfield_core::hlc::{Hlc, MAX_DRIFT_MS};
use gridfield_core::i18n::Lang;
use gridfield_core::records::Op;
use gridfield_core::skew;
use gridfield_core::wire::{OpResult, OpStatus, PushOp, PushRequest};
use serde_json::{Value, json};

use super::audit::{Entry, append as append_audit, audit};
use super::entities::{FieldWrite, upsert_entity};
use super::{DeviceCtx, Error, Result, now_ms};
use crate::db::records::{self, PendingPuts, Record};
use crate::db::{ROWS_PER_STATEMENT, RowExt, SqlValue as V, Tx, insert_rows, placeholders};
use crate::messages::Msg;
use crate::server::Server;

/// Apply a batch of operations in one transaction. Each op is judged on its own:
/// rejections are answers, not failures, so the batch always commits.
/// Returns the answers and the feed position after the batch.
pub fn push(
    server: &Server,
    dev: &DeviceCtx,
    req: &PushRequest,
) -> Result<(Vec<OpResult>, String)> {
    let ops = &req.ops;
    let skew_ms = skew::push_skew(req.device_time, now_ms());
    let pushed = server.db.write(|tx| -> crate::error::Result<_> {
        // A second installation is refused, and that is recorded (committed).
        if !crate::install::check(tx, dev)? {
            return Ok(None);
        }
        let seen = applied_results(tx, ops)?;
        let entities = prefetch_entities(tx, ops, &seen)?;
        let mut batch = Batch {
            seen,
            entities,
            skew_ms,
            ..Batch::default()
        };
        if skew_ms != 0 {
            audit(
                tx,
                &dev.user,
                Some(&dev.device_id),
                "clock_corrected",
                "device",
                &dev.device_id,
                Some(&json!({ "skew_ms": skew_ms })),
            )?;
        }
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            results.push(apply_op(server, tx, dev, op, &mut batch).map_err(crate::ApiError::from)?);
        }
        batch.puts.flush(tx)?;
        batch.write(tx)?;
        let here = crate::restore::current(tx)?;
        if req.replay {
            let applied = results
                .iter()
                .filter(|r| r.status == OpStatus::Applied)
                .count();
            audit(
                tx,
                &dev.user,
                Some(&dev.device_id),
                "reupload",
                "device",
                &dev.device_id,
                Some(&json!({ "epoch": here.epoch, "ops": ops.len(), "applied": applied })),
            )?;
        }
        tx.execute(
            "UPDATE devices SET last_seen = $2 WHERE id = $1",
            &[dev.device_id.as_str().into(), now_ms().into()],
        )?;
        Ok(Some((results, here.encode())))
    })?;
    Ok(pushed.ok_or_else(crate::install::cloned_error)?)
}

/// What a push batch has judged so far and the rows it logs: the op ids and audit
/// rows are written once per batch, not once per op (a round trip each on PostgreSQL).
#[derive(Default)]
struct Batch {
    /// Results of ops applied before, or earlier in this batch.
    seen: HashMap<String, OpResult>,
    /// The stored state (or absence) of the entities the batch edits, read up front;
    /// an entry is taken out at its first use, so a second edit of the same entity
    /// reads what the first one wrote.
    entities: HashMap<(String, String), Option<Record>>,
    /// Entity edits not stored yet: a run of them is stored in one statement, before
    /// any other kind of op (which may read them) and at the end of the batch.
    puts: PendingPuts,
    applied: Vec<[V; 4]>,
    audit: Vec<Entry>,
    /// How far ahead the device's clock was at push (0 within tolerance).
    skew_ms: i64,
}

fn applied_results(tx: &mut dyn Tx, ops: &[PushOp]) -> Result<HashMap<String, OpResult>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ops.chunks(ROWS_PER_STATEMENT) {
        let rows = tx.query(
            &format!(
                "SELECT op_id, result FROM applied_ops WHERE op_id IN ({})",
                placeholders(1, chunk.len())
            ),
            &chunk
                .iter()
                .map(|p| p.op_id.as_str().into())
                .collect::<Vec<V>>(),
        )?;
        for r in rows {
            let prev: OpResult = serde_json::from_str(&r.text(1)?).map_err(Error::internal)?;
            out.insert(r.text(0)?, prev);
        }
    }
    Ok(out)
}

/// The entities a push batch edits, in one query per kind and ROWS_PER_STATEMENT
/// ids instead of one per op: with the upsert, one statement per edit on PostgreSQL.
fn prefetch_entities(
    tx: &mut dyn Tx,
    ops: &[PushOp],
    seen: &HashMap<String, OpResult>,
) -> Result<HashMap<(String, String), Option<Record>>> {
    let mut by_kind: BTreeMap<&str, Vec<&str>> = Default::default();
    for p in ops {
        if let Op::EntityUpsert { kind, .. } = &p.op
            && !seen.contains_key(&p.op_id)
        {
            by_kind.entry(kind.as_str()).or_default().push(&p.entity_id);
        }
    }
    let mut out = std::collections::HashMap::new();
    for (kind, mut ids) in by_kind {
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut params: Vec<V> = vec![kind.into()];
            params.extend(chunk.iter().map(|id| V::from(*id)));
            let rows = tx.query(
                &format!(
                    "SELECT id, grid_path, body FROM records WHERE kind = $1 AND id IN ({})",
                    placeholders(2, chunk.len())
                ),
                &params,
            )?;
            for id in chunk {
                out.insert((kind.to_string(), id.to_string()), None);
            }
            for r in rows {
                let rec = Record::parse(r.text(1)?, &r.text(2)?)?;
                out.insert((kind.to_string(), r.text(0)?), Some(rec));
            }
        }
    }
    Ok(out)
}

impl Batch {
    #[allow(clippy::too_many_arguments)]
    fn audit(
        &mut self,
        actor: &str,
        device: &str,
        action: &str,
        kind: &str,
        id: &str,
        detail: Option<&Value>,
    ) {
        self.audit
            .push(Entry::new(actor, Some(device), action, kind, id, detail));
    }

    fn write(self, tx: &mut dyn Tx) -> Result<()> {
        append_audit(tx, &self.audit)?;
        insert_rows(
            tx,
            "applied_ops (op_id, device_id, result, at)",
            &self.applied,
        )?;
        Ok(())
    }
}

fn apply_op(
    server: &Server,
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    p: &PushOp,
    batch: &mut Batch,
) -> Result<OpResult> {
    if let Some(prev) = batch.seen.get(&p.op_id) {
        let mut prev = prev.clone();
        if prev.status == OpStatus::Applied {
            prev.status = OpStatus::Duplicate;
        }
        return Ok(prev);
    }
    if p.op_id.is_empty() || p.op_id.len() > 64 {
        return Err(Error::invalid(
            "invalid_op",
            "op_id must be 1–64 characters",
        ));
    }
    let missing: Vec<String> = {
        let mut m = Vec::new();
        // A photo the device may not see counts as not uploaded: referring to a
        // hash it learnt elsewhere must not make another grid's photo its own.
        for h in p.op.photo_hashes() {
            if !matches!(
                super::photos::blob_state(tx, &h, dev)?,
                super::photos::BlobState::Complete
            ) {
                m.push(h);
            }
        }
        m
    };
    if !missing.is_empty() {
        let pending = Msg::PendingPhotos {
            missing: missing.len(),
        };
        return Ok(OpResult {
            op_id: p.op_id.clone(),
            status: OpStatus::PendingPhotos,
            code: Some("pending_photos".into()),
            message: Some(pending.text(Lang::Zh)),
            message_en: Some(pending.text(Lang::En)),
            conflicts: Vec::new(),
            lost: Vec::new(),
        });
    }
    if !matches!(p.op, Op::EntityUpsert { .. }) {
        batch.puts.flush(tx)?;
    }
    let stamp = stamp_for(server, tx, dev, &p.hlc, batch.skew_ms)?;
    let outcome = match &p.op {
        Op::EntityUpsert {
            kind,
            address_code,
            fields,
            bases,
        } => {
            // Read up front, or written earlier in this batch and not stored yet.
            let known = match batch
                .entities
                .remove(&(kind.as_str().to_string(), p.entity_id.clone()))
            {
                Some(k) => Some(k),
                None => batch.puts.get((*kind).into(), &p.entity_id)?.map(Some),
            };
            let write = FieldWrite {
                fields,
                bases: bases.as_ref(),
                stamp: &stamp,
                orig: &p.hlc,
            };
            let puts = Some(&mut batch.puts);
            upsert_entity(
                tx,
                dev,
                *kind,
                &p.entity_id,
                address_code,
                write,
                known,
                puts,
            )
        }
        Op::InspectionSubmit { inspection } => {
            super::inspections::submit_inspection(tx, dev, inspection)
        }
        Op::HazardCreate { hazard } => super::hazards::create_hazard(tx, dev, hazard),
        Op::HazardStep {
            event_id,
            action,
            from: _,
            input,
            at,
        } => super::hazards::hazard_step(tx, dev, &p.entity_id, event_id, *action, input, *at),
        Op::ReportCreate { report } => super::reports::create_report(tx, dev, report),
        Op::InspectionReview {
            approve,
            comment,
            at,
        } => super::inspections::review_inspection(
            tx,
            dev,
            &p.entity_id,
            *approve,
            comment.as_deref(),
            *at,
        ),
        Op::PersonalDataRevealed { kind, field, at } => {
            super::entities::record_reveal(tx, dev, *kind, &p.entity_id, field, *at)
        }
        Op::CaseCreate {
            case,
            handle_myself,
        } => super::cases::create_case(tx, dev, case, *handle_myself),
        Op::CaseStep {
            event_id,
            action,
            from,
            input,
            at,
        } => super::cases::case_step_from(
            tx,
            dev,
            &p.entity_id,
            event_id,
            *action,
            Some(*from),
            input,
            *at,
        ),
    };
    let result = match outcome.map_err(Error::refusal) {
        Ok(merged) => {
            // The row names the record it wrote (and, for an entity, what changed)
            // so the console can say it as a sentence; the op id stays in the detail.
            let mut detail = json!({ "op": p.op_id });
            if !merged.changes.is_empty() {
                detail["changes"] = Value::Array(merged.changes.clone());
            }
            batch.audit(
                &dev.user,
                &dev.device_id,
                p.op.type_name(),
                p.op.record_kind().as_str(),
                &p.entity_id,
                Some(&detail),
            );
            OpResult {
                op_id: p.op_id.clone(),
                status: OpStatus::Applied,
                code: None,
                message: None,
                message_en: None,
                conflicts: merged.conflicts,
                lost: merged.lost,
            }
        }
        Err(Err(e)) => return Err(e),
        Err(Ok(r)) => {
            batch.audit(
                &dev.user,
                &dev.device_id,
                "rejected",
                p.op.record_kind().as_str(),
                &p.entity_id,
                Some(&json!({ "op": p.op_id, "type": p.op.type_name(), "code": r.code, "reason": r.en })),
            );
            // The device kept its refused change locally: send it the server's
            // version again so its replica converges.
            batch.puts.flush(tx)?;
            records::touch(tx, p.op.record_kind(), &p.entity_id)?;
            OpResult {
                op_id: p.op_id.clone(),
                status: OpStatus::Rejected,
                code: Some(r.code.to_string()),
                message: Some(r.zh),
                message_en: Some(r.en),
                conflicts: Vec::new(),
                lost: Vec::new(),
            }
        }
    };
    batch.applied.push([
        p.op_id.as_str().into(),
        dev.device_id.as_str().into(),
        serde_json::to_string(&result)
            .map_err(Error::internal)?
            .into(),
        now_ms().into(),
    ]);
    batch.seen.insert(p.op_id.clone(), result.clone());
    Ok(result)
}

/// The stamp an op's writes carry: corrected by the skew the device's clock showed
/// at push (`skew_ms`, positive when it runs fast; the device tells the time as
/// its clock did when it stamped these ops), so an edit made offline on a phone
/// days off orders where it really happened — never later than now. A stamp
/// still far ahead of the server's clock gets the server's clock instead.
fn stamp_for(
    server: &Server,
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    hlc: &str,
    skew_ms: i64,
) -> Result<Hlc> {
    let mut incoming: Hlc = hlc
        .parse()
        .map_err(|_| Error::invalid("invalid_hlc", "malformed HLC stamp"))?;
    let now = now_ms();
    if skew_ms != 0 {
        incoming.wall_ms = skew::corrected_wall(incoming.wall_ms, skew_ms, now);
    }
    let mut clock = server.clock.lock().unwrap_or_else(|e| e.into_inner());
    if incoming.wall_ms > now + MAX_DRIFT_MS {
        let restamped = clock.tick(now);
        drop(clock);
        audit(
            tx,
            &dev.user,
            Some(&dev.device_id),
            "clock_skew",
            "device",
            &dev.device_id,
            Some(&json!({ "ahead_ms": incoming.wall_ms - now })),
        )?;
        return Ok(Hlc {
            node: dev.device_id.clone(),
            ..restamped
        });
    }
    clock.observe(&incoming, now);
    Ok(incoming)
}
