//! Coverage (走访覆盖率) in SQL: each planned entity of a scope (`visit_entities`)
//! gets its rule by a `CASE` over the visit rules in the core's precedence order
//! (`visit::by_precedence`, so the first match is `visit::rule_for`'s), its due
//! day from its last visit with the rule's checklist (`visit::due_on`, here in
//! SQL, the visits read per month from `last_visits`), and the figures are
//! counted per grid path by the database, not in the server's memory. Both
//! tables are kept by triggers on `records` (migration 017).

use chrono::Datelike;
use gridfield_core::grid::GridScope;
use gridfield_core::visit::{self, Day, VisitRules};

use crate::db::{Row, RowExt, SqlValue, Tx};
use crate::error::Result;

/// The figures of one grid path (or a roll-up of several).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Entities a rule covers.
    pub planned: i64,
    /// Due by the end of the period (counted from the visits before it).
    pub due: i64,
    /// Of those, visited in the period by their due day.
    pub on_time: i64,
    /// Past their due day now.
    pub overdue: i64,
    /// Never visited with their rule's checklist.
    pub never: i64,
}

impl Figures {
    pub fn add(&mut self, o: &Figures) {
        self.planned += o.planned;
        self.due += o.due;
        self.on_time += o.on_time;
        self.overdue += o.overdue;
        self.never += o.never;
    }

    /// On-time share in whole percent; none when nothing was due.
    pub fn share(&self) -> Option<i64> {
        (self.due > 0).then(|| self.on_time * 100 / self.due)
    }
}

/// The period coverage counts over: its first day and its last.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub start: Day,
    pub end: Day,
    pub today: Day,
}

/// Which planned entities a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Due,
    Overdue,
    Never,
}

impl Which {
    pub fn parse(s: &str) -> Option<Which> {
        Some(match s {
            "due" => Which::Due,
            "overdue" => Which::Overdue,
            "never" => Which::Never,
            _ => return None,
        })
    }
}

/// Which planned entities a count reads: a grid subtree, or the grids at some
/// paths exactly (those a write marked, `coverage_cache`).
#[derive(Clone, Copy)]
pub enum Within<'a> {
    Scope(&'a GridScope),
    Paths(&'a [String]),
}

/// The SQL of the `dued` relation (one row per planned entity `within`: id,
/// kind, grid_path, address_code, latest visit, first visit in the period, due
/// day counted from before the period, due day now) and its parameters.
fn dued(
    tx: &mut dyn Tx,
    rules: &VisitRules,
    within: Within<'_>,
    period: Period,
) -> Result<Option<(String, Vec<SqlValue>)>> {
    let mut params: Vec<SqlValue> = Vec::new();
    let mut p = |v: SqlValue| {
        params.push(v);
        format!("CAST(${} AS TEXT)", params.len())
    };
    let filter = match within {
        Within::Scope(scope) => {
            let (lo, hi) = scope.range();
            let (lo, hi) = (p(lo.into()), p(hi.into()));
            format!("e.grid_path >= {lo} AND e.grid_path < {hi}")
        }
        Within::Paths(paths) => {
            let list: Vec<String> = paths.iter().map(|x| p(x.as_str().into())).collect();
            format!("e.grid_path IN ({})", list.join(", "))
        }
    };
    // Each rule's grid as a path range; rules of grids gone are skipped.
    let mut paths = Vec::with_capacity(rules.rules.len());
    for r in &rules.rules {
        let row = tx.query_one(
            "SELECT path FROM grids WHERE code = $1",
            &[r.grid.as_str().into()],
        )?;
        paths.push(row.map(|r| r.text(0)).transpose()?);
    }
    let depth = |r: &visit::VisitRule| {
        let i = rules
            .rules
            .iter()
            .position(|x| std::ptr::eq(x, r))
            .unwrap_or(0);
        paths[i].as_deref().map_or(0, |p| p.matches('/').count())
    };
    let order = visit::by_precedence(&rules.rules, depth);
    let (mut which, mut tpl, mut every) = (String::new(), String::new(), String::new());
    for (n, &i) in order.iter().enumerate() {
        let r = &rules.rules[i];
        let Some(path) = &paths[i] else { continue };
        let scope_of = GridScope::new(path);
        let (rlo, rhi) = scope_of.range();
        let kind = p(r.kind.as_str().into());
        let (rlo, rhi) = (p(rlo.into()), p(rhi.into()));
        let only = if r.only.is_empty() {
            String::new()
        } else {
            let vals: Vec<String> = r.only.iter().map(|v| p(v.as_str().into())).collect();
            format!(" AND e.visit_value IN ({})", vals.join(", "))
        };
        which.push_str(&format!(
            " WHEN e.kind = {kind} AND e.grid_path >= {rlo} AND e.grid_path < {rhi}{only} THEN {n}"
        ));
        tpl.push_str(&format!(" WHEN {n} THEN {}", p(r.template.as_str().into())));
        every.push_str(&format!(" WHEN {n} THEN {}", r.every_days));
    }
    if which.is_empty() {
        return Ok(None);
    }
    // Periods start on the first of a month: the visits before the period are
    // those of earlier months, as `last_visits` keeps them (YYYYMM, UTC+8).
    let first = chrono::NaiveDate::default() + chrono::Days::new(period.start.max(0) as u64);
    params.push(i64::from(first.year() * 100 + first.month() as i32).into());
    let month = format!("CAST(${} AS BIGINT)", params.len());
    params.push(rules.effective_from.into());
    let eff = format!("${}", params.len());
    let day = |e: &str| format!("(({e}) + 28800000) / 86400000");
    let sql = format!(
        "WITH planned AS (
           SELECT e.id, e.kind, e.grid_path, e.address_code, CASE{which} END AS r
           FROM visit_entities e
           WHERE {filter}
         ), ruled AS (
           SELECT id, kind, grid_path, address_code, CASE r{tpl} END AS tpl, CASE r{every} END AS every
           FROM planned WHERE r IS NOT NULL
         ), seen AS (
           SELECT u.id, u.kind, u.grid_path, u.address_code, u.every,
             MAX(CASE WHEN v.month < {month} THEN v.last_at END) AS before,
             MIN(CASE WHEN v.month >= {month} THEN v.first_at END) AS within,
             MAX(v.last_at) AS latest
           FROM ruled u LEFT JOIN last_visits v ON v.subject = u.id AND v.template = u.tpl
           GROUP BY u.id, u.kind, u.grid_path, u.address_code, u.every
         ), dued AS (
           SELECT id, kind, grid_path, address_code, latest, within,
             {due_before} + every AS due_before, {due_now} + every AS due_now
           FROM seen
         )",
        due_before = day(&format!("COALESCE(before, {eff})")),
        due_now = day(&format!("COALESCE(latest, {eff})")),
    );
    Ok(Some((sql, params)))
}

/// Coverage per grid path `within` over `period`, counted from the planned
/// entities (what `coverage_cache` keeps, and reads when it has nothing kept).
pub fn per_path(
    tx: &mut dyn Tx,
    rules: &VisitRules,
    within: Within<'_>,
    period: Period,
) -> Result<Vec<(String, Figures)>> {
    if matches!(within, Within::Paths(p) if p.is_empty()) {
        return Ok(Vec::new());
    }
    let Some((with, mut params)) = dued(tx, rules, within, period)? else {
        return Ok(Vec::new());
    };
    params.push(period.end.into());
    let end = params.len();
    params.push(period.today.into());
    let today = params.len();
    let sql = format!(
        "{with}
         SELECT grid_path, COUNT(*),
           COUNT(CASE WHEN due_before <= ${end} THEN 1 END),
           COUNT(CASE WHEN due_before <= ${end} AND within IS NOT NULL
                     AND (within + 28800000) / 86400000 <= due_before THEN 1 END),
           COUNT(CASE WHEN due_now < ${today} THEN 1 END),
           COUNT(CASE WHEN latest IS NULL THEN 1 END)
         FROM dued GROUP BY grid_path ORDER BY grid_path"
    );
    tx.query(&sql, &params)?.iter().map(path_figures).collect()
}

/// A row of (grid path, planned, due, on time, overdue, never): counted or kept.
pub fn path_figures(r: &Row) -> Result<(String, Figures)> {
    Ok((
        r.text(0)?,
        Figures {
            planned: r.int(1)?,
            due: r.int(2)?,
            on_time: r.int(3)?,
            overdue: r.int(4)?,
            never: r.int(5)?,
        },
    ))
}

/// One planned entity of a list: id, kind, address code, due day now.
pub struct Entry {
    pub id: String,
    pub kind: String,
    pub address_code: String,
    pub due_now: Day,
}

/// The planned entities of `scope` a figure counts (at most `limit`), by due day.
pub fn entries(
    tx: &mut dyn Tx,
    rules: &VisitRules,
    scope: &GridScope,
    period: Period,
    which: Which,
    limit: i64,
) -> Result<Vec<Entry>> {
    let Some((with, mut params)) = dued(tx, rules, Within::Scope(scope), period)? else {
        return Ok(Vec::new());
    };
    let cond = match which {
        Which::Due => {
            params.push(period.end.into());
            format!("due_before <= ${}", params.len())
        }
        Which::Overdue => {
            params.push(period.today.into());
            format!("due_now < ${}", params.len())
        }
        Which::Never => "latest IS NULL".to_string(),
    };
    params.push(limit.into());
    let sql = format!(
        "{with}
         SELECT id, kind, address_code, due_now FROM dued WHERE {cond}
         ORDER BY due_now, address_code, id LIMIT ${}",
        params.len()
    );
    tx.query(&sql, &params)?
        .iter()
        .map(|r| {
            Ok(Entry {
                id: r.text(0)?,
                kind: r.text(1)?,
                address_code: r.opt_text(2).unwrap_or_default(),
                due_now: r.int(3)?,
            })
        })
        .collect()
}

/// Visits each worker of `scope` made in the period (submitted inspections of a
/// subject): user name → count.
pub fn visits_by_worker(
    tx: &mut dyn Tx,
    scope: &GridScope,
    period: Period,
) -> Result<Vec<(String, i64)>> {
    let (lo, hi) = scope.range();
    tx.query(
        "SELECT visit_by, COUNT(*) FROM records
         WHERE kind = 'inspection' AND visit_subject IS NOT NULL AND visit_at >= $1
           AND grid_path >= $2 AND grid_path < $3
         GROUP BY visit_by ORDER BY visit_by",
        &[
            visit::day_start_ms(period.start).into(),
            lo.into(),
            hi.into(),
        ],
    )?
    .iter()
    .map(|r| Ok((r.opt_text(0).unwrap_or_default(), r.int(1)?)))
    .collect()
}

/// The workers whose grid lies in `scope`: name, grid code, grid path.
pub fn workers(tx: &mut dyn Tx, scope: &GridScope) -> Result<Vec<(String, String, String)>> {
    let (lo, hi) = scope.range();
    tx.query(
        "SELECT u.name, g.code, g.path FROM users u JOIN grids g ON g.code = u.grid_code
         WHERE u.role = 'worker' AND g.path >= $1 AND g.path < $2 ORDER BY g.path, u.name",
        &[lo.into(), hi.into()],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)))
    .collect()
}
