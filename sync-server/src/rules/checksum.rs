//! Checksums: per-kind digests of everything in a device's scope as its role
//! sees it, so a device can verify its replica after every sync. Digests are kept
//! per scope and brought up to date from the change feed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use gridfield_core::model::Role;
use gridfield_core::record::RecordKind;
use gridfield_core::wire;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::pull::{reaches_beyond_scope, to_change};
use super::{DeviceCtx, Error, Result};
use crate::db::RowExt;
use crate::server::Server;

/// Digest lines of one scope as a role sees it, as of a change sequence: kept
/// between syncs so a device's every-sync verification reads only what changed.
#[derive(Clone, Default)]
pub struct ScopeDigest {
    seq: i64,
    /// (record kind, id) → (checksum kind, digest line).
    lines: HashMap<(String, String), (String, String)>,
}

/// A scope as the checksum sees it: grid path, role, the user for volunteers
/// (their own reports and cases) or the department for departments (the cases
/// dispatched to it), and whether the app holds cases.
type ScopeKey = (String, Role, Option<String>, bool);

/// Scopes recently verified, most recent last; each holds a line per record.
#[derive(Default)]
pub struct ChecksumCache(Mutex<Vec<(ScopeKey, ScopeDigest)>>);

const CACHED_SCOPES: usize = 16;
/// Past this many changes since a scope's digest, rebuilding it is as cheap.
const MAX_DIGEST_DELTA: usize = 20_000;

/// Per-kind checksums of everything in the device's scope as it may see it;
/// `cases`: the app holds cases (it pulls them), so they count.
pub fn checksum(server: &Server, dev: &DeviceCtx, cases: bool) -> Result<BTreeMap<String, String>> {
    // Volunteers see only their own reports and cases, a department only its
    // cases: such a digest is theirs alone.
    let whose = if !dev.role.sees_personal_data() {
        Some(dev.user.clone())
    } else if reaches_beyond_scope(dev) {
        Some(format!(
            "department:{}",
            dev.department.as_deref().unwrap_or("")
        ))
    } else {
        None
    };
    let key = (dev.grid_path.clone(), dev.role, whose, cases);
    // Cases beyond the grid subtree (a department's) are read wherever they are.
    let beyond = cases && reaches_beyond_scope(dev);
    let extra = if beyond { " OR kind = 'case'" } else { "" };
    let now = super::now_ms();
    let cached = {
        let mut c = server.checksums.0.lock().unwrap_or_else(|e| e.into_inner());
        c.iter().position(|(k, _)| *k == key).map(|i| c.remove(i).1)
    };
    let (lower, upper) = dev.scope().range();
    let digest = server.db.read(|tx| {
        let head = tx
            .query_one("SELECT COALESCE(MAX(seq), 0) FROM records", &[])?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        let mut d = cached.unwrap_or_default();
        let delta = if d.seq > 0 {
            // Every change since, wherever it is (a record may have left the scope),
            // but bodies only from inside the scope.
            let (tpl, above) = super::pull::templates_above(dev, 6);
            let mut params: Vec<crate::db::SqlValue> = vec![
                d.seq.into(),
                head.into(),
                (MAX_DIGEST_DELTA as i64 + 1).into(),
                lower.as_str().into(),
                upper.as_str().into(),
            ];
            params.extend(above.iter().map(|p| p.as_str().into()));
            let rows = tx.query(
                &format!("SELECT kind, id, grid_path,
                   CASE WHEN (grid_path >= $4 AND grid_path < $5) OR grid_path = '/'{extra}{tpl} THEN body ELSE '' END
                 FROM records WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"),
                &params,
            )?;
            (rows.len() <= MAX_DIGEST_DELTA).then_some(rows)
        } else {
            None
        };
        let rows = match delta {
            Some(rows) => rows,
            None => {
                d = ScopeDigest::default();
                // A department's cases from its side table (migration 011), not every
                // case; templates published above the scope after it.
                let mut params: Vec<crate::db::SqlValue> =
                    vec![lower.as_str().into(), upper.as_str().into(), head.into()];
                let dept = if beyond {
                    params.push(dev.department.as_deref().unwrap_or("").into());
                    " OR (kind = 'case' AND id IN (SELECT case_id FROM case_departments WHERE department = $4))"
                } else {
                    ""
                };
                let (tpl, above) = super::pull::templates_above(dev, params.len() + 1);
                params.extend(above.iter().map(|p| p.as_str().into()));
                tx.query(
                    &format!("SELECT kind, id, grid_path, body FROM records WHERE ((grid_path >= $1 AND grid_path < $2) OR grid_path = '/'{dept}{tpl}) AND seq <= $3"),
                    &params,
                )?
            }
        };
        for r in rows {
            let (kind, id, path) = (r.text(0)?, r.text(1)?, r.text(2)?);
            let in_scope = path == "/"
                || dev.covers(&path)
                || (beyond && kind == RecordKind::Case.as_str())
                || (kind == RecordKind::Template.as_str() && dev.scope().covers_from_above(&path));
            let change = if in_scope {
                let body: Value = serde_json::from_str(&r.text(3)?)
                    .map_err(Error::internal)?;
                to_change(&kind, body, dev, cases, now)?
            } else {
                None
            };
            match change {
                Some(c) => {
                    d.lines.insert((kind, id), wire::digest_line(&c));
                }
                None => {
                    d.lines.remove(&(kind, id));
                }
            }
        }
        d.seq = head;
        Ok(d)
    })?;
    let mut by_kind: BTreeMap<&str, Vec<&str>> = Default::default();
    for (k, line) in digest.lines.values() {
        by_kind.entry(k).or_default().push(line);
    }
    let sums = by_kind
        .into_iter()
        .map(|(k, mut lines)| {
            lines.sort_unstable();
            let mut h = Sha256::new();
            for l in &lines {
                h.update(l.as_bytes());
                h.update(b"\n");
            }
            (
                k.to_string(),
                format!("{}:{}", lines.len(), hex::encode(h.finalize())),
            )
        })
        .collect();
    let mut c = server.checksums.0.lock().unwrap_or_else(|e| e.into_inner());
    c.push((key, digest));
    if c.len() > CACHED_SCOPES {
        c.remove(0);
    }
    Ok(sums)
}
