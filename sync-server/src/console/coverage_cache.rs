//! Coverage figures kept per grid path (migration 019), so the coverage page of a
//! whole city reads one row per grid instead of counting ~630,000 planned
//! entities on every load.
//!
//! The figures of a grid path depend only on the planned entities at that path and
//! their visits, on the period, on the day (what is overdue) and on the visit
//! rules. They are kept per period and day, tagged with the rules version they were
//! counted under. Triggers mark a grid path in `coverage_dirty` when a planned
//! entity or a visit there changes; [`refresh`] counts a period not yet kept for
//! today whole, then recounts the marked paths of every period kept for today, and
//! clears the marks it counted. A background task runs it every minute (and right
//! after start), so a page finds the figures ready and the first load of a day
//! does not pay the whole count; a page runs it too, so what it shows includes
//! every write committed before it was asked for.
//!
//! Marks are claimed before the count reads, and a write after the claim un-claims
//! its mark (the trigger), so a mark is only ever cleared by a count that saw its
//! write. One refresh runs at a time in a server (a mutex): two overlapping
//! refreshes could otherwise write an older count over a newer one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gridfield_core::grid::GridScope;
use gridfield_core::visit::VisitRules;

use super::coverage_query::{self as cq, Figures, Period, Within};
use crate::db::{Db, RowExt, SqlValue, Tx, insert_rows};
use crate::error::Result;
use crate::rules;

/// One refresh at a time per server process.
static REFRESH: Mutex<()> = Mutex::new(());

/// Marked paths recounted per statement.
const CHUNK: usize = 400;

/// How often the background task refreshes this month's and this quarter's figures.
const EVERY: Duration = Duration::from_secs(60);

/// Bring the kept figures of `periods` (all ending today's `today`) up to date.
pub fn refresh(db: &Db, periods: &[Period]) -> Result<()> {
    let _one = REFRESH.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rules) = db.read(|tx| Ok(rules::visits::load(tx)?))? else {
        return Ok(());
    };
    let Some(today) = periods.first().map(|p| p.today) else {
        return Ok(());
    };
    // Drop figures of other days or rules; claim the marks this count will see.
    let kept: Vec<(i64, i64)> = db.write(|tx| {
        let stale = "today <> $1 OR (period_start, period_end, today) IN
            (SELECT period_start, period_end, today FROM coverage_periods WHERE rules <> $2)";
        tx.execute(
            &format!("DELETE FROM coverage_figures WHERE {stale}"),
            &[today.into(), rules.version.into()],
        )?;
        tx.execute(
            "DELETE FROM coverage_periods WHERE today <> $1 OR rules <> $2",
            &[today.into(), rules.version.into()],
        )?;
        tx.execute(
            "UPDATE coverage_dirty SET claimed = 1 WHERE claimed = 0",
            &[],
        )?;
        tx.query(
            "SELECT period_start, period_end FROM coverage_periods WHERE today = $1",
            &[today.into()],
        )?
        .iter()
        .map(|r| Ok((r.int(0)?, r.int(1)?)))
        .collect()
    })?;
    // Count, in one snapshot taken after the claim, without holding up requests.
    let (whole, marked, recounted) = db.read_aside(|tx| {
        let mut whole = Vec::new();
        for p in periods {
            if !kept.contains(&(p.start, p.end)) {
                let all = cq::per_path(tx, &rules, Within::Scope(&GridScope::new("/")), *p)?;
                whole.push((*p, all));
            }
        }
        let marked: Vec<String> = tx
            .query(
                "SELECT grid_path FROM coverage_dirty WHERE claimed = 1",
                &[],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<_>>()?;
        let mut recounted = Vec::new();
        for &(start, end) in &kept {
            let p = Period { start, end, today };
            let mut rows = Vec::new();
            for chunk in marked.chunks(CHUNK) {
                rows.extend(cq::per_path(tx, &rules, Within::Paths(chunk), p)?);
            }
            recounted.push((p, rows));
        }
        Ok((whole, marked, recounted))
    })?;
    db.write(|tx| {
        for (p, rows) in &whole {
            delete(tx, p, None)?;
            insert(tx, p, rows)?;
            tx.execute(
                "INSERT INTO coverage_periods (period_start, period_end, today, rules)
                 VALUES ($1, $2, $3, $4)",
                &[
                    p.start.into(),
                    p.end.into(),
                    p.today.into(),
                    rules.version.into(),
                ],
            )?;
        }
        for (p, rows) in &recounted {
            for chunk in marked.chunks(CHUNK) {
                delete(tx, p, Some(chunk))?;
            }
            insert(tx, p, rows)?;
        }
        tx.execute("DELETE FROM coverage_dirty WHERE claimed = 1", &[])?;
        Ok(())
    })
}

/// The figures per grid path in `scope` for `period`: the kept ones when they are
/// kept for these rules, else counted now (a rules load raced the refresh).
pub fn per_path(
    tx: &mut dyn Tx,
    rules: &VisitRules,
    scope: &GridScope,
    period: Period,
) -> Result<Vec<(String, Figures)>> {
    let key: [SqlValue; 3] = [period.start.into(), period.end.into(), period.today.into()];
    let kept = tx
        .query(
            "SELECT rules FROM coverage_periods
             WHERE period_start = $1 AND period_end = $2 AND today = $3",
            &key,
        )?
        .first()
        .map(|r| r.int(0))
        .transpose()?;
    if kept != Some(rules.version) {
        return cq::per_path(tx, rules, Within::Scope(scope), period);
    }
    let (lo, hi) = scope.range();
    let mut params = key.to_vec();
    params.extend([lo.into(), hi.into()]);
    tx.query(
        "SELECT grid_path, planned, due, on_time, overdue, never FROM coverage_figures
         WHERE period_start = $1 AND period_end = $2 AND today = $3
           AND grid_path >= CAST($4 AS TEXT) AND grid_path < CAST($5 AS TEXT)
         ORDER BY grid_path",
        &params,
    )?
    .iter()
    .map(cq::path_figures)
    .collect()
}

/// Refresh this month's and this quarter's figures now and then every minute,
/// for as long as the server runs. A failure is logged and retried next time.
pub async fn keep_fresh(server: Arc<crate::Server>) {
    loop {
        let s = server.clone();
        let done = tokio::task::spawn_blocking(move || {
            let now = rules::now_ms();
            refresh(
                &s.db,
                &[
                    super::coverage::period(false, now),
                    super::coverage::period(true, now),
                ],
            )
        })
        .await;
        match done {
            Ok(Err(e)) => tracing::warn!(error = %e, "coverage figures not refreshed"),
            Err(e) => tracing::warn!(error = %e, "coverage refresh task"),
            Ok(Ok(())) => {}
        }
        tokio::time::sleep(EVERY).await;
    }
}

fn delete(tx: &mut dyn Tx, p: &Period, paths: Option<&[String]>) -> Result<()> {
    let mut params: Vec<SqlValue> = vec![p.start.into(), p.end.into(), p.today.into()];
    let mut sql = "DELETE FROM coverage_figures
        WHERE period_start = $1 AND period_end = $2 AND today = $3"
        .to_string();
    if let Some(paths) = paths {
        let list: Vec<String> = paths
            .iter()
            .map(|x| {
                params.push(x.as_str().into());
                format!("CAST(${} AS TEXT)", params.len())
            })
            .collect();
        sql.push_str(&format!(" AND grid_path IN ({})", list.join(", ")));
    }
    tx.execute(&sql, &params).map(drop)
}

/// Insert figure rows, many per statement.
fn insert(tx: &mut dyn Tx, p: &Period, rows: &[(String, Figures)]) -> Result<()> {
    let rows: Vec<[SqlValue; 9]> = rows
        .iter()
        .map(|(path, f)| {
            [
                p.start.into(),
                p.end.into(),
                p.today.into(),
                path.as_str().into(),
                f.planned.into(),
                f.due.into(),
                f.on_time.into(),
                f.overdue.into(),
                f.never.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "coverage_figures (period_start, period_end, today, grid_path,
           planned, due, on_time, overdue, never)",
        &rows,
    )
}
