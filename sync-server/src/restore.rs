//! The server database's identity and epoch, and pull positions that carry them,
//! so a device notices a server restored from a backup or replaced by another
//! database — and re-uploads what it lost instead of trusting a cursor that
//! points past the server's head (`docs/SYNC.md`, "Restored servers").

use gridfield_core::wire;
use serde_json::json;

use crate::db::{RowExt, Tx};
use crate::error::{ApiError, Result};
use crate::messages::Msg;
use crate::rules::audit::audit;
use crate::rules::{DeviceCtx, now_ms};

/// Where a device stands in one database's change feed, as the server issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub db_id: String,
    pub epoch: i64,
    pub seq: i64,
}

impl Position {
    pub fn encode(&self) -> String {
        format!("v2.{}.{}.{}", self.db_id, self.epoch, self.seq)
    }
}

/// A position as a device sent it: the current form, or a bare sequence from an
/// app older than server identities (taken as this database's current epoch).
enum Sent {
    Legacy(i64),
    Full(Position),
}

fn parse(s: &str) -> Result<Sent> {
    let bad = || ApiError::bad_request("bad_cursor", "malformed pull cursor");
    if let Some(n) = s.strip_prefix("v1.") {
        return n
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Sent::Legacy)
            .ok_or_else(bad);
    }
    let rest = s.strip_prefix("v2.").ok_or_else(bad)?;
    let mut parts = rest.split('.');
    let (Some(db_id), Some(epoch), Some(seq), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let epoch = epoch
        .parse::<i64>()
        .ok()
        .filter(|e| *e >= 1)
        .ok_or_else(bad)?;
    let seq = seq
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(bad)?;
    if db_id.is_empty() || db_id.len() > 64 || !db_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok(Sent::Full(Position {
        db_id: db_id.to_string(),
        epoch,
        seq,
    }))
}

/// This database's identity (made on first use) and current epoch.
pub fn identity(tx: &mut dyn Tx) -> Result<(String, i64)> {
    let rows = tx.query(
        "SELECT key, value FROM server_meta WHERE key IN ('db_id', 'epoch')",
        &[],
    )?;
    let (mut db_id, mut epoch) = (None, 1);
    for r in rows {
        match r.text(0)?.as_str() {
            "db_id" => db_id = Some(r.text(1)?),
            _ => epoch = r.text(1)?.parse().unwrap_or(1),
        }
    }
    let db_id = match db_id {
        Some(id) => id,
        None => {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).map_err(|e| ApiError::internal(e.to_string()))?;
            let id = hex::encode(b);
            tx.execute(
                "INSERT INTO server_meta (key, value) VALUES ('db_id', $1) ON CONFLICT (key) DO NOTHING",
                &[id.as_str().into()],
            )?;
            tx.query_one("SELECT value FROM server_meta WHERE key = 'db_id'", &[])?
                .map(|r| r.text(0))
                .transpose()?
                .unwrap_or(id)
        }
    };
    Ok((db_id, epoch))
}

/// The highest change sequence this database holds.
pub fn head(tx: &mut dyn Tx) -> Result<i64> {
    Ok(tx
        .query_one("SELECT COALESCE(MAX(seq), 0) FROM records", &[])?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

/// The current position of the feed: what a push answers with, so the device
/// knows how far the server had got when it acknowledged its operations.
pub fn current(tx: &mut dyn Tx) -> Result<Position> {
    let (db_id, epoch) = identity(tx)?;
    Ok(Position {
        db_id,
        epoch,
        seq: head(tx)?,
    })
}

/// Check what a pulling device says it has seen — its `cursor` and the highest
/// position any answer ever gave it (`seen`) — against this database. Returns
/// the sequence to pull from. A position from another database, an earlier or
/// later epoch, or past the head means this server lost changes the device had
/// seen: `409 server_restored`. A head overtaken is also recorded as a restore
/// (a new epoch), so every other device re-uploads too.
pub fn check_pull(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    cursor: Option<&str>,
    seen: Option<&str>,
) -> Result<(Position, i64)> {
    let (db_id, epoch) = identity(tx)?;
    let head = head(tx)?;
    let mut from = 0;
    let mut verdict: Option<&'static str> = None;
    // The highest epoch a device names: a backup from before a recorded restore
    // must not issue positions of an epoch devices have already seen.
    let mut seen_epoch = epoch;
    for (i, s) in [cursor, seen].into_iter().enumerate() {
        let Some(s) = s.filter(|s| !s.is_empty()) else {
            continue;
        };
        let seq = match parse(s)? {
            Sent::Legacy(seq) => seq,
            Sent::Full(p) if p.db_id != db_id => {
                verdict = Some("replaced");
                p.seq
            }
            Sent::Full(p) if p.epoch != epoch => {
                verdict = verdict.or(Some("epoch"));
                seen_epoch = seen_epoch.max(p.epoch);
                p.seq
            }
            Sent::Full(p) => p.seq,
        };
        if seq > head {
            verdict = verdict.or(Some("ahead"));
        }
        if i == 0 {
            from = seq;
        }
    }
    let here = Position {
        db_id,
        epoch,
        seq: head,
    };
    match verdict {
        None => Ok((here, from)),
        Some(why) => {
            if why == "ahead" || seen_epoch > epoch {
                let e =
                    record_restore_after(tx, seen_epoch, "detected", None, Some(&dev.device_id))?;
                tracing::warn!(device = %dev.device_id, epoch = e, "a device had seen past this server's head: restore recorded");
            }
            Err(restored_error(why))
        }
    }
}

fn restored_error(why: &str) -> ApiError {
    let msg = match why {
        "replaced" => Msg::ServerReplaced,
        _ => Msg::ServerRestored,
    };
    ApiError::conflict(wire::SERVER_RESTORED, msg.wire())
}

/// Start a new epoch after a restore; every device's next pull re-uploads what it
/// kept and reconciles its replica. Returns the new epoch.
pub fn record_restore(
    tx: &mut dyn Tx,
    source: &str,
    note: Option<&str>,
    device: Option<&str>,
) -> Result<i64> {
    let (_, epoch) = identity(tx)?;
    record_restore_after(tx, epoch, source, note, device)
}

/// A new epoch above `after` (and above the current one).
fn record_restore_after(
    tx: &mut dyn Tx,
    after: i64,
    source: &str,
    note: Option<&str>,
    device: Option<&str>,
) -> Result<i64> {
    let (_, epoch) = identity(tx)?;
    let next = epoch.max(after) + 1;
    let head = head(tx)?;
    tx.execute(
        "INSERT INTO server_meta (key, value) VALUES ('epoch', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[next.to_string().into()],
    )?;
    tx.execute(
        "INSERT INTO restores (epoch, at, source, note, head_seq, device_id) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            next.into(),
            now_ms().into(),
            source.into(),
            note.map(str::to_string).into(),
            head.into(),
            device.map(str::to_string).into(),
        ],
    )?;
    audit(
        tx,
        "admin",
        device,
        "restore_recorded",
        "server",
        &next.to_string(),
        Some(&json!({ "source": source, "head_seq": head })),
    )?;
    Ok(next)
}

/// One recorded restore and what devices re-uploaded after it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreRow {
    pub epoch: i64,
    pub at: i64,
    pub source: String,
    pub note: Option<String>,
    pub head_seq: i64,
    pub detected_by: Option<String>,
    /// device id → (ops re-uploaded, of which applied again)
    pub reuploads: std::collections::BTreeMap<String, (i64, i64)>,
}

pub fn restores(tx: &mut dyn Tx) -> Result<Vec<RestoreRow>> {
    let mut out = Vec::new();
    for r in tx.query(
        "SELECT epoch, at, source, note, head_seq, device_id FROM restores ORDER BY epoch",
        &[],
    )? {
        out.push(RestoreRow {
            epoch: r.int(0)?,
            at: r.int(1)?,
            source: r.text(2)?,
            note: r.opt_text(3),
            head_seq: r.int(4)?,
            detected_by: r.opt_text(5),
            reuploads: Default::default(),
        });
    }
    for r in tx.query(
        "SELECT device_id, detail FROM audit WHERE action = 'reupload' ORDER BY id",
        &[],
    )? {
        let detail: serde_json::Value =
            serde_json::from_str(&r.opt_text(1).unwrap_or_default()).unwrap_or_default();
        let epoch = detail["epoch"].as_i64().unwrap_or(0);
        if let Some(row) = out.iter_mut().find(|x| x.epoch == epoch) {
            let e = row
                .reuploads
                .entry(r.opt_text(0).unwrap_or_default())
                .or_default();
            e.0 += detail["ops"].as_i64().unwrap_or(0);
            e.1 += detail["applied"].as_i64().unwrap_or(0);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_bad_ones_are_refused() {
        let p = Position {
            db_id: "00ff".into(),
            epoch: 3,
            seq: 42,
        };
        match parse(&p.encode()).unwrap() {
            Sent::Full(q) => assert_eq!(q, p),
            Sent::Legacy(_) => panic!("parsed as legacy"),
        }
        assert!(matches!(parse("v1.7").unwrap(), Sent::Legacy(7)));
        for bad in [
            "v2.zz.1.1",
            "v2.00ff.0.1",
            "v2.00ff.1",
            "v2.00ff.1.-1",
            "v3.1",
            "x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
