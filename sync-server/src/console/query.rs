//! The console's reads: every query is bounded by the signed-in user's grid
//! subtree (`GridScope`) and paginated, over indexed generated columns of
//! `records` (status, category, severity, due_at, at). Plain functions over `Tx`.

use gridfield_core::grid::GridScope;
use gridfield_core::record::RecordKind;
use serde_json::Value;

use crate::db::records::{self, Record};
use crate::db::{Row, RowExt, SqlValue as V, Tx};
use crate::error::{ApiError, Result};
use crate::rules;

pub const PAGE_SIZE: i64 = 50;

/// Which records a list page or an export shows. Unknown values are ignored by
/// the page parser, not passed to SQL: every value is a bound parameter.
#[derive(Debug, Clone)]
pub struct Filter {
    pub kind: RecordKind,
    /// A grid inside the user's scope (narrows it further).
    pub grid: Option<String>,
    pub status: Option<String>,
    /// Only hazards not yet closed (the hazard board's default tab).
    pub open: bool,
    pub category: Option<String>,
    pub severity: Option<String>,
    /// Open hazards whose deadline is before this instant (overdue: now;
    /// escalated: now minus the escalation delay).
    pub due_before: Option<i64>,
    /// `at` bounds in ms (inclusive from, exclusive to).
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub address: Option<String>,
}

impl Filter {
    /// Every record of a kind in the scope (no further condition).
    pub fn of(kind: RecordKind) -> Filter {
        Filter {
            kind,
            grid: None,
            status: None,
            open: false,
            category: None,
            severity: None,
            due_before: None,
            from: None,
            to: None,
            address: None,
        }
    }
}

/// Build `WHERE …` for a filter inside a scope; returns SQL and its parameters.
pub(super) fn where_clause(
    tx: &mut dyn Tx,
    scope: &GridScope,
    f: &Filter,
) -> Result<(String, Vec<V>)> {
    let mut path = scope.path.clone();
    if let Some(g) = &f.grid
        && let Some(p) = rules::grids::grid_path(tx, g)?
        && scope.covers(&p)
    {
        path = p;
    }
    let (lo, hi) = GridScope::new(&path).range();
    // The kind as a literal, never a parameter: only then do SQLite and PostgreSQL
    // match the per-kind partial indexes (migration 018). It is one of ours.
    let kind = f.kind.as_str();
    debug_assert!(kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    let mut sql = format!("kind = '{kind}' AND grid_path >= $1 AND grid_path < $2");
    let mut params: Vec<V> = vec![lo.into(), hi.into()];
    let mut add = |sql: &mut String, cond: &str, v: V| {
        params.push(v);
        sql.push_str(&format!(" AND {cond} ${}", params.len()));
    };
    if let Some(s) = &f.status {
        add(&mut sql, "status =", s.into());
    }
    if f.open {
        sql.push_str(" AND status <> 'closed'");
    }
    if let Some(c) = &f.category {
        add(&mut sql, "category =", c.into());
    }
    if let Some(s) = &f.severity {
        add(&mut sql, "severity =", s.into());
    }
    if let Some(a) = &f.address {
        add(&mut sql, "address_code =", a.into());
    }
    if let Some(x) = f.from {
        add(&mut sql, "at >=", x.into());
    }
    if let Some(x) = f.to {
        add(&mut sql, "at <", x.into());
    }
    if let Some(t) = f.due_before {
        add(&mut sql, "due_at <", t.into());
        sql.push_str(" AND status <> 'closed'");
    }
    Ok((sql, params))
}

/// Where a list page starts, newest first by the key `(at, seq)`: the first page,
/// after the last row of the page before (next), or before the first row of the
/// page after (previous). Keyset pages cost the same however deep they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAt {
    First,
    After(i64, i64),
    Before(i64, i64),
}

/// A list page's position: its key and its number (for "page 3 of 9").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub at: KeyAt,
    pub page: i64,
}

impl Keyset {
    pub const FIRST: Keyset = Keyset {
        at: KeyAt::First,
        page: 0,
    };

    /// From `after=` / `before=` (`<at>.<seq>`) and `page=`; anything malformed
    /// is the first page.
    pub fn parse(after: Option<&str>, before: Option<&str>, page: i64) -> Keyset {
        let key = |s: &str| {
            let (a, q) = s.split_once('.')?;
            Some((a.parse().ok()?, q.parse().ok()?))
        };
        let at = match (after.and_then(key), before.and_then(key)) {
            (Some((a, q)), _) => KeyAt::After(a, q),
            (None, Some((a, q))) => KeyAt::Before(a, q),
            _ => return Keyset::FIRST,
        };
        Keyset {
            at,
            page: page.max(1),
        }
    }
}

pub struct Page {
    pub rows: Vec<(String, Value)>,
    pub total: i64,
    pub nav: PageNav,
}

/// What a pager needs: this page's number, the total, and the keys of the
/// neighbouring pages (`<at>.<seq>`) when there are any.
#[derive(Debug, Clone, Default)]
pub struct PageNav {
    pub page: i64,
    pub total: i64,
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// How many records a filter selects (what an export will write).
pub fn count(tx: &mut dyn Tx, scope: &GridScope, f: &Filter) -> Result<i64> {
    let (w, params) = where_clause(tx, scope, f)?;
    Ok(tx
        .query_one(&format!("SELECT COUNT(*) FROM records WHERE {w}"), &params)?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

/// One entity at an address in an export: kind, id, address code, its body and
/// the address's text.
pub type EntityLine = (String, String, String, Value, String);

/// Entities (households, persons, rental units, businesses) of a grid subtree
/// after the key `(address_code, kind, id)`, by that key, `limit` at a time.
pub fn entities_after(
    tx: &mut dyn Tx,
    path: &str,
    after: &(String, String, String),
    limit: i64,
) -> Result<Vec<EntityLine>> {
    let (lo, hi) = GridScope::new(path).range();
    let rows = tx.query(
        "SELECT e.kind, e.id, e.address_code, e.body, a.body FROM records e
         LEFT JOIN records a ON a.kind = 'address' AND a.id = e.address_code
         WHERE e.kind IN ('household', 'person', 'rental_unit', 'business')
           AND e.grid_path >= $1 AND e.grid_path < $2
           AND (e.address_code, e.kind, e.id) > ($3, $4, $5)
         ORDER BY e.address_code, e.kind, e.id LIMIT $6",
        &[
            lo.into(),
            hi.into(),
            after.0.as_str().into(),
            after.1.as_str().into(),
            after.2.as_str().into(),
            limit.into(),
        ],
    )?;
    let json = |s: Option<String>| -> Result<Value> {
        s.map(|s| serde_json::from_str(&s).map_err(|e| ApiError::internal(e.to_string())))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    rows.iter()
        .map(|r| {
            let address = json(r.opt_text(4))?;
            Ok((
                r.text(0)?,
                r.text(1)?,
                r.opt_text(2).unwrap_or_default(),
                json(r.opt_text(3))?,
                address
                    .get("full_text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            ))
        })
        .collect()
}

/// One page of records (id, body), newest first, from a key.
pub fn list(tx: &mut dyn Tx, scope: &GridScope, f: &Filter, at: Keyset) -> Result<Page> {
    let (w, mut params) = where_clause(tx, scope, f)?;
    let total = tx
        .query_one(&format!("SELECT COUNT(*) FROM records WHERE {w}"), &params)?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let (cond, order) = key_condition(at, "at", &mut params);
    // One more row than a page tells whether there is a page beyond.
    params.push((PAGE_SIZE + 1).into());
    let ix = list_index(tx, f);
    let rows = tx.query(
        &format!(
            "SELECT id, body, at, seq FROM records{ix} WHERE {w}{cond}
             ORDER BY at {order}, seq {order} LIMIT ${}",
            params.len()
        ),
        &params,
    )?;
    let mut keyed = Vec::with_capacity(rows.len());
    for r in &rows {
        keyed.push((id_body(r)?, format!("{}.{}", r.int(2)?, r.int(3)?)));
    }
    let (rows, nav) = key_page(at, keyed, PAGE_SIZE, total);
    Ok(Page { rows, total, nav })
}

/// One page of records (id, body) in a caller's order, by page number: `order` is
/// an SQL `ORDER BY` list of the caller's own (never user input) ending in a
/// unique key, so pages are stable. For the orders a user picks (the hazard
/// board's deadline, the review queue's sortable columns); newest first pages by
/// key through [`list`].
pub fn list_sorted(
    tx: &mut dyn Tx,
    scope: &GridScope,
    f: &Filter,
    page: i64,
    order: &str,
) -> Result<Page> {
    let (w, mut params) = where_clause(tx, scope, f)?;
    let total = tx
        .query_one(&format!("SELECT COUNT(*) FROM records WHERE {w}"), &params)?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let n = params.len();
    params.push(PAGE_SIZE.into());
    params.push((page.max(0) * PAGE_SIZE).into());
    let rows = tx.query(
        &format!(
            "SELECT id, body FROM records WHERE {w} ORDER BY {order} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        ),
        &params,
    )?;
    Ok(Page {
        rows: rows.iter().map(id_body).collect::<Result<_>>()?,
        total,
        nav: PageNav {
            page: page.max(0),
            total,
            ..PageNav::default()
        },
    })
}

/// On SQLite, the index a list page walks: newest first in the kind's time index
/// (by status when the filter has one), the scope checked inside the index. Its
/// planner otherwise takes the grid-path index for a wide scope and sorts the
/// whole scope for 51 rows (about a second city-wide; this walk takes under a
/// millisecond). An address filter is left to the address index; PostgreSQL
/// plans on its own statistics.
/// Exports walk the kind's change-order index the same way (a 1,000-row page in
/// 2 ms instead of a sort of the whole scope, 0.9 s, per page).
fn list_index(tx: &dyn Tx, f: &Filter) -> String {
    let index = if f.status.is_some() {
        "status_at"
    } else {
        "at"
    };
    kind_index(tx, f, index)
}

fn kind_index(tx: &dyn Tx, f: &Filter, index: &str) -> String {
    let listed = matches!(
        f.kind,
        RecordKind::Inspection | RecordKind::Hazard | RecordKind::Report
    );
    if tx.is_postgres() || !listed || f.address.is_some() {
        return String::new();
    }
    format!(" INDEXED BY records_{}_{index}", f.kind.as_str())
}

/// The condition and sort direction of a keyset page over `(time, seq)`, its two
/// values appended to `params`.
pub fn key_condition(at: Keyset, time: &str, params: &mut Vec<V>) -> (String, &'static str) {
    let n = params.len();
    let (a, q, op, order) = match at.at {
        KeyAt::First => return (String::new(), "DESC"),
        KeyAt::After(a, q) => (a, q, "<", "DESC"),
        KeyAt::Before(a, q) => (a, q, ">", "ASC"),
    };
    params.push(a.into());
    params.push(q.into());
    (
        format!(" AND ({time}, seq) {op} (${}, ${})", n + 1, n + 2),
        order,
    )
}

/// A page out of up to `per + 1` rows read in the key's direction, each with its
/// key: the rows newest first and the links to the pages beside it.
pub fn key_page<T>(
    at: Keyset,
    mut keyed: Vec<(T, String)>,
    per: i64,
    total: i64,
) -> (Vec<T>, PageNav) {
    let more = keyed.len() as i64 > per;
    keyed.truncate(per.max(0) as usize);
    if matches!(at.at, KeyAt::Before(..)) {
        keyed.reverse();
    }
    let first = keyed.first().map(|(_, k)| k.clone());
    let last = keyed.last().map(|(_, k)| k.clone());
    let (prev, next) = match at.at {
        KeyAt::First => (None, last.filter(|_| more)),
        KeyAt::After(..) => (first, last.filter(|_| more)),
        KeyAt::Before(..) => (first.filter(|_| more), last),
    };
    // Back at the newest rows by going back: that is the first page.
    let page = if prev.is_none() { 0 } else { at.page };
    let nav = PageNav {
        page,
        total,
        next,
        prev,
    };
    (keyed.into_iter().map(|(r, _)| r).collect(), nav)
}

/// Keyset pages by change sequence, for exports: each call returns up to
/// `limit` rows after `after_seq` (with their grid path and their address's
/// full text, looked up by key) and the last seq seen.
pub fn export_page(
    tx: &mut dyn Tx,
    scope: &GridScope,
    f: &Filter,
    after_seq: i64,
    limit: i64,
) -> Result<(Vec<super::export::ExportRow>, i64)> {
    let (w, mut params) = where_clause(tx, scope, f)?;
    let n = params.len();
    params.push(after_seq.into());
    params.push(limit.into());
    let ix = kind_index(tx, f, "seq");
    let rows = tx.query(
        &format!(
            "SELECT id, body, seq, grid_path,
                    (SELECT a.body FROM records a
                      WHERE a.kind = 'address' AND a.id = records.address_code)
             FROM records{ix} WHERE {w} AND seq > ${} ORDER BY seq LIMIT ${}",
            n + 1,
            n + 2
        ),
        &params,
    )?;
    let last = rows
        .last()
        .map(|r| r.int(2))
        .transpose()?
        .unwrap_or(after_seq);
    let json = |s: &str| -> Result<Value> {
        serde_json::from_str(s).map_err(|e| ApiError::internal(e.to_string()))
    };
    let out = rows
        .iter()
        .map(|r| {
            let address = match r.opt_text(4) {
                Some(a) => json(&a)?
                    .get("full_text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                None => String::new(),
            };
            Ok(super::export::ExportRow {
                body: json(&r.text(1)?)?,
                grid_path: r.text(3)?,
                address,
            })
        })
        .collect::<Result<_>>()?;
    Ok((out, last))
}

fn id_body(r: &Row) -> Result<(String, Value)> {
    Ok((
        r.text(0)?,
        serde_json::from_str(&r.text(1)?).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

/// A record by id, only if it lies inside the scope: a record of another grid is
/// "not found", so editing a URL reveals nothing.
pub fn get_in_scope(
    tx: &mut dyn Tx,
    scope: &GridScope,
    kind: RecordKind,
    id: &str,
) -> Result<Option<Record>> {
    Ok(records::get(tx, kind, id)?.filter(|r| scope.covers(&r.grid_path)))
}

/// (code, name, path) of a grid's children, or of the grid itself when it has none.
pub fn child_grids(tx: &mut dyn Tx, scope_code: &str) -> Result<Vec<(String, String, String)>> {
    let mut rows = tx.query(
        "SELECT code, name, path FROM grids WHERE parent_code = $1 ORDER BY code",
        &[scope_code.into()],
    )?;
    if rows.is_empty() {
        rows = tx.query(
            "SELECT code, name, path FROM grids WHERE code = $1",
            &[scope_code.into()],
        )?;
    }
    rows.iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)))
        .collect()
}

/// Every grid in the scope, for filter menus (code, name, level).
pub fn grids_in_scope(tx: &mut dyn Tx, scope: &GridScope) -> Result<Vec<(String, String, i64)>> {
    let (lo, hi) = scope.range();
    let rows = tx.query(
        "SELECT code, name, level FROM grids WHERE path >= $1 AND path < $2 ORDER BY path LIMIT 500",
        &[lo.into(), hi.into()],
    )?;
    rows.iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?, r.int(2)?)))
        .collect()
}

pub fn grid_name(tx: &mut dyn Tx, code: &str) -> Result<Option<String>> {
    tx.query_one("SELECT name FROM grids WHERE code = $1", &[code.into()])?
        .map(|r| r.text(0))
        .transpose()
}

/// The chain of grids from a path's root to its leaf: (code, name).
pub fn grid_chain(tx: &mut dyn Tx, path: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for code in path.split('/').filter(|s| !s.is_empty()) {
        let name = grid_name(tx, code)?.unwrap_or_else(|| code.to_string());
        out.push((code.to_string(), name));
    }
    Ok(out)
}

/// (label, count) rows of a GROUP BY over hazards or inspections in scope.
pub fn count_by(
    tx: &mut dyn Tx,
    scope: &GridScope,
    kind: RecordKind,
    column: &str,
) -> Result<Vec<(String, i64)>> {
    // `column` is one of ours, never user input.
    debug_assert!(matches!(column, "status" | "category" | "severity"));
    let (lo, hi) = scope.range();
    let rows = tx.query(
        &format!(
            "SELECT {column}, COUNT(*) FROM records WHERE kind = $1 AND grid_path >= $2 AND grid_path < $3
             GROUP BY {column} ORDER BY COUNT(*) DESC"
        ),
        &[kind.as_str().into(), lo.into(), hi.into()],
    )?;
    rows.iter()
        .map(|r| Ok((r.opt_text(0).unwrap_or_default(), r.int(1)?)))
        .collect()
}

/// China Standard Time offset, for grouping by local day.
pub const TZ_OFFSET_MS: i64 = 8 * 3600 * 1000;
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// Inspections per local day since `from` (day number, count).
pub fn inspections_per_day(
    tx: &mut dyn Tx,
    scope: &GridScope,
    from: i64,
) -> Result<Vec<(i64, i64)>> {
    let (lo, hi) = scope.range();
    let rows = tx.query(
        "SELECT (at + $4) / $5, COUNT(*) FROM records
         WHERE kind = 'inspection' AND grid_path >= $1 AND grid_path < $2 AND at >= $3
         GROUP BY 1",
        &[
            lo.into(),
            hi.into(),
            from.into(),
            TZ_OFFSET_MS.into(),
            DAY_MS.into(),
        ],
    )?;
    rows.iter().map(|r| Ok((r.int(0)?, r.int(1)?))).collect()
}

/// Per grid: (hazards, rectified-or-closed, overdue).
pub fn hazard_figures(tx: &mut dyn Tx, path: &str, now: i64) -> Result<(i64, i64, i64)> {
    let (lo, hi) = GridScope::new(path).range();
    let r = tx
        .query_one(
            "SELECT COUNT(*),
               COALESCE(SUM(CASE WHEN status IN ('rectified', 'verified', 'closed') THEN 1 ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN due_at < $3 AND status <> 'closed' THEN 1 ELSE 0 END), 0)
             FROM records WHERE kind = 'hazard' AND grid_path >= $1 AND grid_path < $2",
            &[lo.into(), hi.into(), now.into()],
        )?
        .ok_or_else(|| ApiError::internal("no row"))?;
    Ok((r.int(0)?, num(&r, 1)?, num(&r, 2)?))
}

/// SUM is NUMERIC on PostgreSQL (read as text) and INTEGER on SQLite.
fn num(r: &Row, i: usize) -> Result<i64> {
    match r.get(i) {
        Some(V::Int(n)) => Ok(*n),
        Some(V::Text(s)) => s
            .parse::<f64>()
            .map(|x| x as i64)
            .map_err(|_| ApiError::internal("not a number")),
        Some(V::Real(x)) => Ok(*x as i64),
        _ => Ok(0),
    }
}

/// Addresses with the most open hazards (address code, open hazards).
pub fn top_risk_addresses(
    tx: &mut dyn Tx,
    scope: &GridScope,
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    let (lo, hi) = scope.range();
    let rows = tx.query(
        "SELECT address_code, COUNT(*) FROM records
         WHERE kind = 'hazard' AND status <> 'closed' AND grid_path >= $1 AND grid_path < $2
         GROUP BY address_code ORDER BY COUNT(*) DESC, address_code LIMIT $3",
        &[lo.into(), hi.into(), limit.into()],
    )?;
    rows.iter()
        .map(|r| Ok((r.opt_text(0).unwrap_or_default(), r.int(1)?)))
        .collect()
}

pub fn address_text(tx: &mut dyn Tx, code: &str) -> Result<Option<String>> {
    Ok(records::get(tx, RecordKind::Address, code)?.and_then(|r| {
        r.body
            .get("full_text")
            .and_then(Value::as_str)
            .map(String::from)
    }))
}

/// Door-plate search in scope. Three characters or more use the trigram index
/// (FTS5 `trigram` on SQLite, `pg_trgm` GIN on PostgreSQL); shorter fragments
/// fall back to a bounded LIKE scan of the scope.
pub fn search_addresses(
    tx: &mut dyn Tx,
    scope: &GridScope,
    q: &str,
    limit: i64,
) -> Result<Vec<(String, Value)>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let (lo, hi) = scope.range();
    let like = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = if tx.is_postgres() {
        tx.query(
            "SELECT id, body FROM records WHERE kind = 'address' AND search_text LIKE $1 ESCAPE '\\'
             AND grid_path >= $2 AND grid_path < $3 ORDER BY id LIMIT $4",
            &[like.into(), lo.into(), hi.into(), limit.into()],
        )?
    } else if q.chars().count() >= 3 {
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        tx.query(
            "SELECT r.id, r.body FROM address_fts f JOIN records r ON r.rowid = f.rowid
             WHERE address_fts MATCH $1 AND r.grid_path >= $2 AND r.grid_path < $3
             ORDER BY r.id LIMIT $4",
            &[phrase.into(), lo.into(), hi.into(), limit.into()],
        )?
    } else {
        tx.query(
            "SELECT id, body FROM records WHERE kind = 'address' AND grid_path >= $1 AND grid_path < $2
             AND (body LIKE $3 ESCAPE '\\') ORDER BY id LIMIT $4",
            &[lo.into(), hi.into(), like.into(), limit.into()],
        )?
    };
    rows.iter().map(id_body).collect()
}

/// Everything at an address (一标多实): (kind, id, body).
pub fn at_address(tx: &mut dyn Tx, code: &str) -> Result<Vec<(String, String, Value)>> {
    let rows = tx.query(
        "SELECT kind, id, body FROM records WHERE address_code = $1 AND kind <> 'address' ORDER BY kind, at DESC, id",
        &[code.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok((
                r.text(0)?,
                r.text(1)?,
                serde_json::from_str(&r.text(2)?).map_err(|e| ApiError::internal(e.to_string()))?,
            ))
        })
        .collect()
}

/// Addresses of a grid subtree, a page at a time (for plate sheets).
pub fn addresses_page(
    tx: &mut dyn Tx,
    path: &str,
    page: i64,
    per_page: i64,
) -> Result<Vec<(String, Value)>> {
    let (lo, hi) = GridScope::new(path).range();
    let rows = tx.query(
        "SELECT id, body FROM records WHERE kind = 'address' AND grid_path >= $1 AND grid_path < $2
         ORDER BY grid_path, id LIMIT $3 OFFSET $4",
        &[
            lo.into(),
            hi.into(),
            per_page.into(),
            (page.max(0) * per_page).into(),
        ],
    )?;
    rows.iter().map(id_body).collect()
}

pub struct ConflictRow {
    pub id: i64,
    pub kind: String,
    pub entity_id: String,
    pub field: String,
    pub kept: String,
    pub kept_device: String,
    pub lost: String,
    pub lost_device: String,
    pub at: i64,
}

pub fn conflicts(tx: &mut dyn Tx, scope: &GridScope, page: i64) -> Result<Vec<ConflictRow>> {
    let (lo, hi) = scope.range();
    let rows = tx.query(
        "SELECT kind, entity_id, field, kept_value, kept_device, lost_value, lost_device, at, id FROM conflicts
         WHERE grid_path >= $1 AND grid_path < $2 ORDER BY at DESC, id DESC LIMIT $3 OFFSET $4",
        &[lo.into(), hi.into(), PAGE_SIZE.into(), (page.max(0) * PAGE_SIZE).into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(ConflictRow {
                kind: r.text(0)?,
                entity_id: r.text(1)?,
                field: r.text(2)?,
                kept: r.opt_text(3).unwrap_or_default(),
                kept_device: r.text(4)?,
                lost: r.opt_text(5).unwrap_or_default(),
                lost_device: r.text(6)?,
                at: r.int(7)?,
                id: r.int(8)?,
            })
        })
        .collect()
}

/// An audit row as the console shows it: the audit trail's own entry.
pub type AuditRow = rules::audit::Entry;

/// The audit trail of people inside the scope (by their home grid) that a filter
/// selects, newest first; the root scope also sees the administrator's own rows.
pub fn audit(
    tx: &mut dyn Tx,
    scope: &GridScope,
    filter: &rules::audit::Filter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditRow>> {
    let (lo, hi) = scope.range();
    let root = scope.path.matches('/').count() <= 2;
    let (cond, fparams) = filter.sql(5);
    let sql = if root {
        format!(
            "SELECT a.at, a.actor, a.device_id, a.action, a.kind, a.entity_id, a.detail FROM audit a
         LEFT JOIN users u ON u.name = a.actor LEFT JOIN grids g ON g.code = u.grid_code
         WHERE (g.path IS NULL OR (g.path >= $1 AND g.path < $2)){cond}
         ORDER BY a.at DESC, a.id DESC LIMIT $3 OFFSET $4"
        )
    } else {
        format!(
            "SELECT a.at, a.actor, a.device_id, a.action, a.kind, a.entity_id, a.detail FROM audit a
         JOIN users u ON u.name = a.actor JOIN grids g ON g.code = u.grid_code
         WHERE g.path >= $1 AND g.path < $2{cond}
         ORDER BY a.at DESC, a.id DESC LIMIT $3 OFFSET $4"
        )
    };
    let mut params: Vec<V> = vec![lo.into(), hi.into(), limit.into(), offset.max(0).into()];
    params.extend(fparams);
    let rows = tx.query(&sql, &params)?;
    rows.iter().map(|r| Ok(AuditRow::from_row(r, 0)?)).collect()
}

/// The review history of one record: audit rows naming it.
pub fn history(tx: &mut dyn Tx, kind: RecordKind, id: &str) -> Result<Vec<AuditRow>> {
    let rows = tx.query(
        "SELECT at, actor, device_id, action, kind, entity_id, detail FROM audit
         WHERE kind = $1 AND entity_id = $2 ORDER BY at, id",
        &[kind.as_str().into(), id.into()],
    )?;
    rows.iter().map(|r| Ok(AuditRow::from_row(r, 0)?)).collect()
}
