//! The console's reads of cases (事件), over the generated columns of migrations
//! 010 and 011 (`case_status`, `case_owner`, `case_handler`, `case_due`, `case_at`,
//! `case_type`) and the side table of departments a case was dispatched to: one
//! SQL text for both stores, every value a bound parameter. A page picks its rows
//! inside an index and opens only their documents.

use gridfield_core::case::CaseStatus;
use gridfield_core::grid::GridScope;

use super::dashboard_query::Range;
use super::query::{Keyset, PageNav, key_condition, key_page};
use crate::db::records::CaseDoc;
use crate::db::{RowExt, SqlValue as V, Tx};
use crate::error::{ApiError, Result};

/// Which cases a queue or list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Where they happened: a grid subtree.
    pub grid_path: Option<String>,
    /// Owned by exactly this level (受理台).
    pub owner: Option<String>,
    /// Owned at or below this level.
    pub owner_under: Option<String>,
    /// Owned strictly below this level (督办).
    pub owner_below: Option<String>,
    /// Handled now by this user or department (inbox).
    pub handler: Option<String>,
    /// Ever dispatched to this department (what it sees, `case::visible_to`).
    pub department: Option<String>,
    /// Any of these statuses (empty: any).
    pub statuses: Vec<CaseStatus>,
    /// A case type and its subtypes.
    pub case_type: Option<String>,
    /// Open and past this deadline.
    pub due_before: Option<i64>,
    /// Created in [from, to).
    pub from: Option<i64>,
    pub to: Option<i64>,
}

pub const OPEN: [CaseStatus; 5] = [
    CaseStatus::Reported,
    CaseStatus::Accepted,
    CaseStatus::Dispatched,
    CaseStatus::Handling,
    CaseStatus::Finished,
];

fn where_clause(f: &CaseFilter) -> (String, Vec<V>) {
    let mut sql = String::from("kind = 'case'");
    let mut params: Vec<V> = Vec::new();
    let mut add = |sql: &mut String, cond: &str, v: V| {
        params.push(v);
        sql.push_str(&format!(" AND {cond} ${}", params.len()));
    };
    if let Some(p) = &f.grid_path {
        let (lo, hi) = GridScope::new(p).range();
        add(&mut sql, "grid_path >=", lo.into());
        add(&mut sql, "grid_path <", hi.into());
    }
    if let Some(o) = &f.owner {
        add(&mut sql, "case_owner =", o.into());
    }
    for p in [&f.owner_under, &f.owner_below].into_iter().flatten() {
        let (lo, hi) = GridScope::new(p).range();
        add(&mut sql, "case_owner >=", lo.into());
        add(&mut sql, "case_owner <", hi.into());
    }
    if let Some(p) = &f.owner_below {
        add(&mut sql, "case_owner <>", p.into());
    }
    if let Some(h) = &f.handler {
        add(&mut sql, "case_handler =", h.into());
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        // Our own constants, never user input.
        sql.push_str(&format!(" AND case_status IN ({})", list.join(", ")));
    }
    if let Some(t) = f.due_before {
        add(&mut sql, "case_due <", t.into());
        let open: Vec<String> = OPEN.iter().map(|s| format!("'{}'", s.as_str())).collect();
        sql.push_str(&format!(" AND case_status IN ({})", open.join(", ")));
    }
    if let Some(x) = f.from {
        add(&mut sql, "case_at >=", x.into());
    }
    if let Some(x) = f.to {
        add(&mut sql, "case_at <", x.into());
    }
    if let Some(d) = &f.department {
        params.push(d.into());
        sql.push_str(&format!(
            " AND id IN (SELECT case_id FROM case_departments WHERE department = ${})",
            params.len()
        ));
    }
    if let Some(t) = &f.case_type {
        // The type or one of its subtypes (`dispute` and `dispute.*`: '/' follows '.').
        params.push(t.into());
        params.push(format!("{t}.").into());
        params.push(format!("{t}/").into());
        let n = params.len();
        sql.push_str(&format!(
            " AND (case_type = ${} OR (case_type >= ${} AND case_type < ${}))",
            n - 2,
            n - 1,
            n
        ));
    }
    (sql, params)
}

/// On SQLite, the index to walk: its planner, seeing `kind = ?` in the console's
/// general index, would read and parse every case body of the scope instead of
/// walking the case indexes of migration 011 (which hold what the filters test).
/// PostgreSQL plans on its own statistics.
fn indexed_by(tx: &dyn Tx, index: &str) -> String {
    if tx.is_postgres() {
        String::new()
    } else {
        format!(" INDEXED BY {index}")
    }
}

/// The index a list's filter walks best: a queue of one level or handler has
/// its own; anything else walks the cases newest first.
fn list_index(tx: &dyn Tx, f: &CaseFilter) -> (String, String) {
    // Past their deadline: only open cases have one, and few are late.
    if f.due_before.is_some() {
        let ix = indexed_by(tx, "records_case_due");
        return (ix.clone(), ix);
    }
    let narrow = f.owner.is_some()
        || f.owner_below.is_some()
        || f.owner_under.is_some()
        || f.handler.is_some()
        || f.department.is_some();
    if narrow {
        (String::new(), String::new())
    } else {
        (
            indexed_by(tx, "records_case_kinds"),
            indexed_by(tx, "records_case_list"),
        )
    }
}

fn doc(text: &str) -> Result<CaseDoc> {
    serde_json::from_str(text).map_err(|e| ApiError::internal(e.to_string()))
}

/// One page of cases, newest first from a key `(case_at, seq)`, and the pager's
/// links. The page's rows are picked by seq from the list index (migration 011)
/// before any document is read; deep pages cost what the first does.
pub fn list(
    tx: &mut dyn Tx,
    f: &CaseFilter,
    at: Keyset,
    per: i64,
) -> Result<(Vec<CaseDoc>, PageNav)> {
    let (w, mut params) = where_clause(f);
    let (count_ix, list_ix) = list_index(tx, f);
    let total = tx
        .query_one(
            &format!("SELECT COUNT(*) FROM records{count_ix} WHERE {w}"),
            &params,
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let (cond, order) = key_condition(at, "case_at", &mut params);
    params.push((per + 1).into());
    let rows = tx.query(
        &format!(
            "SELECT body, case_at, seq FROM records WHERE seq IN (
               SELECT seq FROM records{list_ix} WHERE {w}{cond}
               ORDER BY case_at {order}, seq {order} LIMIT ${})
             ORDER BY case_at {order}, seq {order}",
            params.len()
        ),
        &params,
    )?;
    let mut keyed = Vec::with_capacity(rows.len());
    for r in &rows {
        keyed.push((doc(&r.text(0)?)?, format!("{}.{}", r.int(1)?, r.int(2)?)));
    }
    Ok(key_page(at, keyed, per, total))
}

/// Every case a filter selects, for the exports.
pub fn all(tx: &mut dyn Tx, f: &CaseFilter) -> Result<Vec<CaseDoc>> {
    let (w, params) = where_clause(f);
    tx.query(
        &format!("SELECT body FROM records WHERE {w} ORDER BY case_at DESC, seq DESC"),
        &params,
    )?
    .iter()
    .map(|r| doc(&r.text(0)?))
    .collect()
}

/// Cases in a grid subtree counted by (type, status), from the index alone.
pub fn count_by_type_status(
    tx: &mut dyn Tx,
    scope: &str,
    r: Range,
) -> Result<Vec<(String, String, i64)>> {
    let (lo, hi) = GridScope::new(scope).range();
    tx.query(
        "SELECT case_type, case_status, COUNT(*) FROM records
         WHERE kind = 'case' AND grid_path >= $1 AND grid_path < $2
           AND case_at >= $3 AND case_at < $4
         GROUP BY case_type, case_status",
        &[lo.into(), hi.into(), r.from.into(), r.to.into()],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, r.int(2)?)))
    .collect()
}

/// Finished cases of one department (if one handled them) and one owning level:
/// how many on time, how many in all.
pub struct FinishGroup {
    pub department: Option<String>,
    pub owner_path: String,
    pub on_time: i64,
    pub total: i64,
}

/// Finished cases of a grid subtree, grouped by the department handling them
/// and the level owning them when finished.
pub fn finishes(tx: &mut dyn Tx, scope: &str, r: Range) -> Result<Vec<FinishGroup>> {
    let (lo, hi) = GridScope::new(scope).range();
    tx.query(
        "SELECT department, owner_path, SUM(on_time), COUNT(*) FROM case_finishes
         WHERE grid_path >= $1 AND grid_path < $2 AND finished_at >= $3 AND finished_at < $4
         GROUP BY department, owner_path",
        &[lo.into(), hi.into(), r.from.into(), r.to.into()],
    )?
    .iter()
    .map(|r| {
        Ok(FinishGroup {
            department: r.opt_text(0),
            owner_path: r.text(1)?,
            on_time: r.int(2)?,
            total: r.int(3)?,
        })
    })
    .collect()
}

/// Settled disputes of a grid subtree by the level that settled them:
/// (level, how many, total milliseconds from report to 办结).
pub fn settled(tx: &mut dyn Tx, scope: &str, r: Range) -> Result<Vec<(String, i64, i64)>> {
    let (lo, hi) = GridScope::new(scope).range();
    tx.query(
        "SELECT settled_path, COUNT(*), CAST(SUM(finished_at - created_at) AS BIGINT)
         FROM case_finishes WHERE grid_path >= $1 AND grid_path < $2
           AND settled_path IS NOT NULL AND finished_at >= $3 AND finished_at < $4
         GROUP BY settled_path",
        &[lo.into(), hi.into(), r.from.into(), r.to.into()],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.int(1)?, r.int(2)?)))
    .collect()
}

/// Codes of the grids that have grids below them (every other grid is a 网格).
pub fn parent_codes(tx: &mut dyn Tx) -> Result<std::collections::HashSet<String>> {
    tx.query(
        "SELECT DISTINCT parent_code FROM grids WHERE parent_code IS NOT NULL",
        &[],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// Whether a grid has nothing below it (a 网格, for `Tier::of`).
pub fn is_leaf(tx: &mut dyn Tx, path: &str) -> Result<bool> {
    let code = gridfield_core::case::owner_code(path).to_string();
    Ok(tx
        .query_one(
            "SELECT 1 FROM grids WHERE parent_code = $1 LIMIT 1",
            &[code.into()],
        )?
        .is_none())
}
