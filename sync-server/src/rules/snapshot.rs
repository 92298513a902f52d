//! The bootstrap snapshot's pages (`GET /v1/snapshot`): the device's scope as
//! it stood when the first page was served, in the order of the
//! `(grid_path, seq)` index, each page found from where the last one ended
//! (keyset), so a page costs its own rows whatever the scope's size. Paging
//! the feed by `seq` instead reads the whole scope's index for every page
//! (quadratic in a town's initial sync).
//!
//! The first page fixes the head `S` and also carries what lies outside the
//! subtree (the records at `/`, templates published above the scope, a
//! department's dispatched cases), taken by `seq` up to `S`. Records changed
//! after `S` (a new `seq`) are left out and come with the incremental pull,
//! which continues from `S`: the last page's `cursor` is the pull cursor at
//! `S`; the pages before name their place with a snapshot token
//! (`b1.<pull cursor at S>.<grid path, hex>.<seq>`). Scope, role filtering
//! and the restore check are the pull's (`pull::to_change`,
//! `restore::check_pull`).

use gridfield_core::wire::PullResponse;

use super::pull::{Held, finish_page, reaches_beyond_scope, row_change, templates_above};
use super::{DeviceCtx, Error, Result, now_ms};
use crate::db::{RowExt, SqlValue};
use crate::restore::Position;
use crate::server::Server;

const TOKEN: &str = "b1.";
/// Record bodies per page, at most (and one record more): about 5,000
/// addresses or people, 700 cases.
const PAGE_BYTES: usize = 2 << 20;

/// Where a snapshot page begins: the pull cursor at the head `S` and the last
/// `(grid_path, seq)` sent (`None`: the first page).
struct Place {
    head: String,
    after: Option<(String, i64)>,
}

impl Place {
    fn encode(&self, path: &str, seq: i64) -> String {
        format!("{TOKEN}{}.{}.{seq}", self.head, hex::encode(path))
    }

    fn decode(token: &str) -> Result<Place> {
        let bad = || Error::invalid("bad_cursor", "malformed snapshot cursor");
        let rest = token.strip_prefix(TOKEN).ok_or_else(bad)?;
        let mut parts = rest.rsplitn(3, '.');
        let seq = parts.next().and_then(|s| s.parse::<i64>().ok());
        let path = parts
            .next()
            .and_then(|p| hex::decode(p).ok())
            .and_then(|p| String::from_utf8(p).ok());
        let head = parts.next().filter(|h| !h.is_empty());
        match (head, path, seq) {
            (Some(head), Some(path), Some(seq)) => Ok(Place {
                head: head.to_string(),
                after: Some((path, seq)),
            }),
            _ => Err(bad()),
        }
    }
}

/// Whether a `cursor` sent to `/v1/snapshot` is a snapshot token (a pull
/// cursor there is a bootstrap begun by a server before keyset pages: it goes
/// on by `seq`).
pub fn is_token(cursor: &str) -> bool {
    cursor.starts_with(TOKEN)
}

/// One snapshot page of at most `limit` records of the subtree (the first
/// page also has the records outside it). `token`: the previous page's cursor.
pub fn page(
    server: &Server,
    dev: &DeviceCtx,
    token: Option<&str>,
    seen: Option<&str>,
    held: Held<'_>,
    cases: bool,
    limit: u32,
) -> Result<PullResponse> {
    let place = token.map(Place::decode).transpose()?;
    let head_cursor = place.as_ref().map(|p| p.head.clone());
    // The restore check of the pull, on the head the snapshot is of; the
    // device has applied nothing yet, so nothing is acknowledged.
    let checked = server.db.write(|tx| {
        if !crate::install::check(tx, dev)? {
            return Ok(Err(crate::install::cloned_error()));
        }
        let checked = crate::restore::check_pull(tx, dev, head_cursor.as_deref(), seen);
        tx.execute(
            "UPDATE devices SET last_seen = $2 WHERE id = $1",
            &[dev.device_id.as_str().into(), now_ms().into()],
        )?;
        Ok(checked)
    })?;
    let (here, from) = checked?;
    let place = place.unwrap_or_else(|| Place {
        head: here.encode(),
        after: None,
    });
    // The head this snapshot is of: the first page's, named by every token.
    let head = if token.is_some() { from } else { here.seq };
    let (lower, upper) = dev.scope().range();
    let limit = limit.max(1) as i64;
    let now = now_ms();
    let mut changes = Vec::new();
    if place.after.is_none() {
        for r in outside_scope(server, dev, head, &lower, &upper)? {
            if let Some(c) = row_change(&r, dev, cases, now)? {
                changes.push(c);
            }
        }
    }
    let (after_path, after_seq) = place.after.clone().unwrap_or((lower.clone(), -1));
    let rows = server.db.read(|tx| {
        // The page's seqs from the covering `(grid_path, seq)` index, then their bodies.
        tx.query(
            "SELECT kind, body, seq, grid_path FROM records WHERE seq IN (
               SELECT seq FROM records
               WHERE (grid_path, seq) > ($1, $2) AND grid_path >= $6 AND grid_path < $3
                 AND seq <= $4
               ORDER BY grid_path, seq LIMIT $5)
             ORDER BY grid_path, seq",
            &[
                after_path.as_str().into(),
                after_seq.into(),
                upper.as_str().into(),
                head.into(),
                (limit + 1).into(),
                // The scope's own bounds, whatever place a token names.
                lower.as_str().into(),
            ],
        )
    })?;
    let mut more = rows.len() as i64 > limit;
    let mut last = None;
    let mut bytes = 0;
    for r in rows.iter().take(limit as usize) {
        // A page of large records (cases, hazards with their events) ends
        // early: the device holds a page or two decoded at once.
        if bytes >= PAGE_BYTES {
            more = true;
            break;
        }
        bytes += r.text(1)?.len();
        last = Some((r.text(3)?, r.int(2)?));
        if let Some(c) = row_change(r, dev, cases, now)? {
            changes.push(c);
        }
    }
    let cursor = match (&last, more) {
        (Some((path, seq)), true) => place.encode(path, *seq),
        // The whole scope sent: the pull continues from the head.
        _ => Position { seq: head, ..here }.encode(),
    };
    finish_page(server, dev, held, cases, changes, cursor, more)
}

/// The records up to `head` this device sees outside its subtree: those at
/// `/`, checklist templates published above it, a department's dispatched
/// cases (as the pull selects them, `pull::feed_page`).
fn outside_scope(
    server: &Server,
    dev: &DeviceCtx,
    head: i64,
    lower: &str,
    upper: &str,
) -> Result<Vec<crate::db::Row>> {
    let mut params: Vec<SqlValue> = vec![head.into(), lower.into(), upper.into()];
    let beyond = if reaches_beyond_scope(dev) {
        params.push(dev.department.clone().unwrap_or_default().into());
        " OR seq IN (SELECT r.seq FROM case_departments d JOIN records r
              ON r.kind = 'case' AND r.id = d.case_id WHERE d.department = $4)"
    } else {
        ""
    };
    let (above_sql, above) = templates_above(dev, params.len() + 1);
    params.extend(above.iter().map(|p| p.as_str().into()));
    Ok(server.db.read(|tx| {
        tx.query(
            &format!(
                "SELECT kind, body, seq, grid_path FROM records
                 WHERE seq <= $1 AND NOT (grid_path >= $2 AND grid_path < $3)
                   AND (grid_path = '/'{beyond}{above_sql})
                 ORDER BY seq"
            ),
            &params,
        )
    })?)
}
