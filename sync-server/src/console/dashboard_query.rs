//! The dashboard's reads over one date range `[from, to)` (ms): counts of what
//! was reported in the range, the hazards of a grid split by where they stand,
//! and hazards opened and closed per time bucket. Bounded by the user's scope.

use gridfield_core::grid::GridScope;
use gridfield_core::record::RecordKind;

use crate::db::{Row, RowExt, SqlValue as V, Tx};
use crate::error::Result;

/// A date range of the dashboard, in ms (inclusive from, exclusive to).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub from: i64,
    pub to: i64,
}

/// SUM is NUMERIC on PostgreSQL (read as text) and INTEGER on SQLite.
fn num(r: &Row, i: usize) -> Result<i64> {
    Ok(match r.get(i) {
        Some(V::Int(n)) => *n,
        Some(V::Text(s)) => s.parse::<f64>().map(|x| x as i64).unwrap_or(0),
        Some(V::Real(x)) => *x as i64,
        _ => 0,
    })
}

/// (value, count) of a GROUP BY over records of a kind reported in the range.
pub fn count_by(
    tx: &mut dyn Tx,
    scope: &GridScope,
    kind: RecordKind,
    column: &str,
    r: Range,
) -> Result<Vec<(String, i64)>> {
    // `column` is one of ours, never user input.
    debug_assert!(matches!(column, "status" | "category"));
    let (lo, hi) = scope.range();
    let rows = tx.query(
        &format!(
            "SELECT {column}, COUNT(*) FROM records WHERE kind = $1 AND grid_path >= $2
             AND grid_path < $3 AND at >= $4 AND at < $5 GROUP BY {column} ORDER BY COUNT(*) DESC"
        ),
        &[
            kind.as_str().into(),
            lo.into(),
            hi.into(),
            r.from.into(),
            r.to.into(),
        ],
    )?;
    rows.iter()
        .map(|x| Ok((x.opt_text(0).unwrap_or_default(), x.int(1)?)))
        .collect()
}

/// Hazards of a grid subtree reported in the range: (all, closed, overdue).
pub fn hazard_split(tx: &mut dyn Tx, path: &str, now: i64, r: Range) -> Result<(i64, i64, i64)> {
    let (lo, hi) = GridScope::new(path).range();
    let row = tx.query_one(
        "SELECT COUNT(*),
           COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0),
           COALESCE(SUM(CASE WHEN due_at < $3 AND status <> 'closed' THEN 1 ELSE 0 END), 0)
         FROM records WHERE kind = 'hazard' AND grid_path >= $1 AND grid_path < $2
           AND at >= $4 AND at < $5",
        &[lo.into(), hi.into(), now.into(), r.from.into(), r.to.into()],
    )?;
    match row {
        Some(x) => Ok((num(&x, 0)?, num(&x, 1)?, num(&x, 2)?)),
        None => Ok((0, 0, 0)),
    }
}

/// Records of a kind per bucket of `bucket_ms` from the range's start:
/// (bucket index, count). Hazards count when reported, inspections when started.
pub fn per_bucket(
    tx: &mut dyn Tx,
    scope: &GridScope,
    kind: RecordKind,
    r: Range,
    bucket_ms: i64,
) -> Result<Vec<(i64, i64)>> {
    let (lo, hi) = scope.range();
    let rows = tx.query(
        "SELECT (at - $4) / $6, COUNT(*) FROM records
         WHERE kind = $1 AND grid_path >= $2 AND grid_path < $3 AND at >= $4 AND at < $5
         GROUP BY 1",
        &[
            kind.as_str().into(),
            lo.into(),
            hi.into(),
            r.from.into(),
            r.to.into(),
            bucket_ms.into(),
        ],
    )?;
    rows.iter().map(|x| Ok((x.int(0)?, x.int(1)?))).collect()
}

/// Hazards closed in the range per bucket (closing is a hazard's last step, so
/// a closed hazard's last change is when it closed).
pub fn closed_per_bucket(
    tx: &mut dyn Tx,
    scope: &GridScope,
    r: Range,
    bucket_ms: i64,
) -> Result<Vec<(i64, i64)>> {
    let (lo, hi) = scope.range();
    let closed_at = if tx.is_postgres() {
        "((body::jsonb -> 'hazard' ->> 'updated_at'))::bigint"
    } else {
        "json_extract(body, '$.hazard.updated_at')"
    };
    // The range is on the expression itself: migration 020 indexes it over closed
    // hazards, so only those closed in the range are read.
    let rows = tx.query(
        &format!(
            "SELECT ({closed_at} - $3) / $5, COUNT(*) FROM records
             WHERE kind = 'hazard' AND status = 'closed' AND grid_path >= $1 AND grid_path < $2
               AND {closed_at} >= $3 AND {closed_at} < $4
             GROUP BY 1"
        ),
        &[
            lo.into(),
            hi.into(),
            r.from.into(),
            r.to.into(),
            bucket_ms.into(),
        ],
    )?;
    rows.iter().map(|x| Ok((x.int(0)?, x.int(1)?))).collect()
}

/// Addresses with most open hazards among those reported in the range.
pub fn top_risk(
    tx: &mut dyn Tx,
    scope: &GridScope,
    r: Range,
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    let (lo, hi) = scope.range();
    let rows = tx.query(
        "SELECT address_code, COUNT(*) FROM records
         WHERE kind = 'hazard' AND status <> 'closed' AND grid_path >= $1 AND grid_path < $2
           AND at >= $3 AND at < $4
         GROUP BY address_code ORDER BY COUNT(*) DESC, address_code LIMIT $5",
        &[
            lo.into(),
            hi.into(),
            r.from.into(),
            r.to.into(),
            limit.into(),
        ],
    )?;
    rows.iter()
        .map(|x| Ok((x.opt_text(0).unwrap_or_default(), x.int(1)?)))
        .collect()
}
