//! Checklist templates on the device: the built-in ones written at init and the
//! versions the server sends. A stored version never changes, so an inspection
//! is always read against the template it was answered with.

use rusqlite::{Connection, OptionalExtension, params};

use crate::checklist::ChecklistTemplate;
use crate::error::{Error, Result};
use crate::record::RecordKind;

/// Every stored template version, by id then version.
pub(crate) fn all(c: &Connection) -> Result<Vec<ChecklistTemplate>> {
    let mut st = c.prepare_cached("SELECT body FROM checklist_templates ORDER BY id, version")?;
    let bodies: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    bodies
        .iter()
        .map(|b| Ok(ChecklistTemplate::from_json(b)?))
        .collect()
}

/// A version's content never changes; only its retirement arrives later, and is
/// kept (an older copy of the record never revives it).
pub(crate) fn insert_template(c: &Connection, t: &ChecklistTemplate) -> Result<()> {
    c.execute(
        "INSERT INTO checklist_templates (id, version, body) VALUES (?1, ?2, ?3)
         ON CONFLICT(id, version) DO UPDATE SET body = excluded.body
         WHERE json_extract(excluded.body, '$.retired_at') IS NOT NULL
           AND json_extract(checklist_templates.body, '$.retired_at') IS NULL",
        params![t.id, t.version, serde_json::to_string(t)?],
    )?;
    Ok(())
}

pub(crate) fn load_template(
    c: &Connection,
    id: &str,
    version: Option<u32>,
) -> Result<ChecklistTemplate> {
    let body: Option<String> = match version {
        Some(v) => c
            .query_row(
                "SELECT body FROM checklist_templates WHERE id = ?1 AND version = ?2",
                params![id, v],
                |r| r.get(0),
            )
            .optional()?,
        None => c
            .query_row(
                "SELECT body FROM checklist_templates WHERE id = ?1 ORDER BY version DESC LIMIT 1",
                [id],
                |r| r.get(0),
            )
            .optional()?,
    };
    let body = body.ok_or_else(|| Error::not_found(RecordKind::Template, id))?;
    Ok(ChecklistTemplate::from_json(&body)?)
}
