//! Visit rules (走访计划) on the server: the one document `admin visit-rules load`
//! writes after the core's check of the file (`visit::parse_rules`, against the
//! grids and checklist templates held here), and the part of it that concerns a
//! device's scope, sent in the pull when the device holds another version.

use gridfield_core::grid::GridScope;
use gridfield_core::visit::{self, RuleError, VisitRules};
use serde_json::json;

use super::audit::audit;
use super::{Error, Result, now_ms};
use crate::db::{RowExt, Tx};

/// The rules as stored, if any were loaded.
pub fn load(tx: &mut dyn Tx) -> Result<Option<VisitRules>> {
    let Some(row) = tx.query_one("SELECT body FROM visit_rules WHERE id = 1", &[])? else {
        return Ok(None);
    };
    Ok(Some(
        serde_json::from_str(&row.text(0)?).map_err(Error::internal)?,
    ))
}

/// Check a rules file against the grids and templates held; on any problem the
/// errors, each with its line, and nothing stored. Otherwise the rules replace
/// those held under the next version, effective from `effective_from` (ms; now
/// when not given: entities never visited are due one interval later); the load
/// is audited.
pub fn load_file(
    tx: &mut dyn Tx,
    text: &str,
    effective_from: Option<i64>,
) -> Result<std::result::Result<VisitRules, Vec<RuleError>>> {
    let templates: Vec<String> = tx
        .query("SELECT id FROM records WHERE kind = 'template'", &[])?
        .iter()
        .map(|r| r.text(0))
        .collect::<std::result::Result<_, _>>()?;
    let mut grid_ok = std::collections::HashMap::new();
    let mut failure = None;
    let parsed = visit::parse_rules(
        text,
        &mut |g| {
            if let Some(ok) = grid_ok.get(g) {
                return *ok;
            }
            let ok = match super::grids::grid_path(tx, g) {
                Ok(p) => p.is_some(),
                Err(e) => {
                    failure.get_or_insert(e);
                    false
                }
            };
            grid_ok.insert(g.to_string(), ok);
            ok
        },
        &mut |t| templates.iter().any(|id| id.split('@').next() == Some(t)),
    );
    if let Some(e) = failure {
        return Err(e);
    }
    let rules = match parsed {
        Ok(r) => r,
        Err(errors) => return Ok(Err(errors)),
    };
    let version = load(tx)?.map_or(0, |r| r.version) + 1;
    let now = now_ms();
    let doc = VisitRules {
        version,
        effective_from: effective_from.unwrap_or(now),
        rules,
        ancestors: Vec::new(),
    };
    let body = serde_json::to_string(&doc).map_err(Error::internal)?;
    tx.execute(
        "INSERT INTO visit_rules (id, version, body, updated_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body,
           updated_at = excluded.updated_at",
        &[version.into(), body.into(), now.into()],
    )?;
    audit(
        tx,
        "admin",
        None,
        "visit_rules_load",
        "visit_rules",
        &version.to_string(),
        Some(&json!({ "rules": doc.rules.len() })),
    )?;
    Ok(Ok(doc))
}

/// The rules that concern a scope (those of grids above it, which cover it, and
/// of grids inside it), when the device holds another version than the server.
pub fn changed_for(tx: &mut dyn Tx, scope: &GridScope, held: i64) -> Result<Option<VisitRules>> {
    let Some(mut doc) = load(tx)? else {
        return Ok(None);
    };
    if doc.version == held {
        return Ok(None);
    }
    let mut keep = Vec::with_capacity(doc.rules.len());
    for r in doc.rules.drain(..) {
        let Some(path) = super::grids::grid_path(tx, &r.grid)? else {
            continue;
        };
        if scope.covers(&path) || scope.path.starts_with(&path) {
            keep.push(r);
        }
    }
    doc.rules = keep;
    // `/a/b/c/` → the grids above the scope's root `c`: `a`, `b`.
    let mut codes: Vec<String> = scope
        .path
        .split('/')
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect();
    codes.pop();
    doc.ancestors = codes;
    Ok(Some(doc))
}
