//! Taxonomies (分类目录) on the server: one versioned document per kind in the
//! `taxonomies` table, seeded from the core's built-in hazard taxonomy, edited by
//! `admin taxonomy`, judged against by the core's rules (`hazard::check_create`)
//! and sent to devices in the pull when newer than the version they hold.

use gridfield_core::hazard;
use gridfield_core::taxonomy::{self, Entry, Taxonomy, TaxonomyError};
use serde_json::json;

use super::audit::audit;
use super::{Error, Result, now_ms};
use crate::db::{RowExt, Tx};

/// A kind's taxonomy as stored, if any.
pub fn load(tx: &mut dyn Tx, kind: &str) -> Result<Option<Taxonomy>> {
    let Some(row) = tx.query_one(
        "SELECT body FROM taxonomies WHERE kind = $1",
        &[kind.into()],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(
        serde_json::from_str(&row.text(0)?).map_err(Error::internal)?,
    ))
}

/// The hazard taxonomy hazards are judged by and labelled with (the built-in one
/// on a database not yet seeded).
pub fn hazard(tx: &mut dyn Tx) -> Result<Taxonomy> {
    Ok(load(tx, taxonomy::HAZARD)?.unwrap_or_else(hazard::builtin_taxonomy))
}

/// The case taxonomy (事件类型) the server holds, or the built-in one.
pub fn case(tx: &mut dyn Tx) -> Result<Taxonomy> {
    Ok(load(tx, taxonomy::CASE)?.unwrap_or_else(gridfield_core::case::builtin_taxonomy))
}

fn store(tx: &mut dyn Tx, t: &Taxonomy) -> Result<()> {
    let body = serde_json::to_string(t).map_err(Error::internal)?;
    tx.execute(
        "INSERT INTO taxonomies (kind, version, body, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind) DO UPDATE SET version = excluded.version, body = excluded.body,
           updated_at = excluded.updated_at",
        &[
            t.kind.as_str().into(),
            t.version.into(),
            body.into(),
            now_ms().into(),
        ],
    )?;
    Ok(())
}

/// Seed the built-in hazard taxonomy unless the database has one.
pub fn ensure_seeded(tx: &mut dyn Tx) -> Result<()> {
    if load(tx, taxonomy::HAZARD)?.is_none() {
        store(tx, &hazard::builtin_taxonomy())?;
    }
    if load(tx, taxonomy::CASE)?.is_none() {
        store(tx, &gridfield_core::case::builtin_taxonomy())?;
    }
    Ok(())
}

/// The taxonomies a device holds in another version (older, or newer than a
/// server restored from a backup: the server's word counts). `held` is the pull's
/// `taxonomies` query, `kind:version,…`; a kind it does not name is sent.
pub fn changed_for(tx: &mut dyn Tx, held: &str) -> Result<Vec<Taxonomy>> {
    let held: Vec<(&str, i64)> = held
        .split(',')
        .filter_map(|kv| kv.split_once(':'))
        .map(|(k, v)| (k, v.parse().unwrap_or(0)))
        .collect();
    let rows = tx.query(
        "SELECT kind, version, body FROM taxonomies ORDER BY kind",
        &[],
    )?;
    let mut out = Vec::new();
    for r in rows {
        let kind = r.text(0)?;
        let version = r.int(1)?;
        let known = held.iter().find(|(k, _)| *k == kind).map_or(-1, |h| h.1);
        if version != known {
            out.push(serde_json::from_str(&r.text(2)?).map_err(Error::internal)?);
        }
    }
    Ok(out)
}

/// An edit of a taxonomy from the admin tools.
pub enum Edit {
    Add(Entry),
    Retire(String),
}

/// Apply one edit to a kind's taxonomy, bump its version and audit it; devices
/// get the new version with their next pull.
pub fn edit(tx: &mut dyn Tx, kind: &str, edit: Edit) -> Result<Taxonomy> {
    let mut t = match kind {
        taxonomy::HAZARD => hazard(tx)?,
        taxonomy::CASE => case(tx)?,
        _ => {
            return Err(Error::invalid(
                "unknown_taxonomy",
                format!("no taxonomy of kind {kind:?} (known: hazard, case)"),
            ));
        }
    };
    let (action, code) = match &edit {
        Edit::Add(e) => ("taxonomy_add", e.code.clone()),
        Edit::Retire(c) => ("taxonomy_retire", c.clone()),
    };
    let done = match edit {
        Edit::Add(e) => t.add_category(e),
        Edit::Retire(c) => t.retire(&c),
    };
    done.map_err(|e: TaxonomyError| Error::invalid("taxonomy_edit", e.to_string()))?;
    store(tx, &t)?;
    audit(
        tx,
        "admin",
        None,
        action,
        "taxonomy",
        kind,
        Some(&json!({ "code": code, "version": t.version })),
    )?;
    Ok(t)
}
