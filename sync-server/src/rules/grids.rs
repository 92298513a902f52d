//! Grids (the governance tree), users, door plates (standard addresses) and
//! checklist templates as the admin loads them: validated, then stored as records
//! every device in scope pulls.

use gridfield_core::checklist::ChecklistTemplate;
use gridfield_core::model::{Address, Grid, Role};
use gridfield_core::record::RecordKind;
use serde_json::json;

use super::{Error, Result, now_ms};
use crate::db::records;
use crate::db::{RowExt, Tx};

/// Grid and address codes: letters, digits and '-', at most 64.
fn valid_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub fn grid_path(tx: &mut dyn Tx, code: &str) -> Result<Option<String>> {
    Ok(tx
        .query_one("SELECT path FROM grids WHERE code = $1", &[code.into()])?
        .map(|r| r.text(0))
        .transpose()?)
}

pub fn add_grid(tx: &mut dyn Tx, g: &Grid) -> Result<()> {
    if !valid_code(&g.code) {
        return Err(Error::invalid(
            "invalid_grid",
            format!("grid code {:?}: letters, digits and '-' only", g.code),
        ));
    }
    let path = match &g.parent_code {
        Some(p) => {
            let pp = grid_path(tx, p)?
                .ok_or_else(|| Error::NotFound(format!("parent grid {p} not found")))?;
            format!("{pp}{}/", g.code)
        }
        None => format!("/{}/", g.code),
    };
    if let Some(existing) = grid_path(tx, &g.code)?
        && existing != path
    {
        return Err(Error::Conflict {
            code: "grid_moved",
            message: format!("grid {} exists under another parent", g.code),
        });
    }
    tx.execute(
        "INSERT INTO grids (code, name, level, parent_code, path) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level",
        &[
            g.code.as_str().into(),
            g.name.as_str().into(),
            (g.level as i64).into(),
            g.parent_code.clone().into(),
            path.as_str().into(),
        ],
    )?;
    records::put(tx, RecordKind::Grid, &g.code, &path, None, &json!(g))?;
    Ok(())
}

pub fn add_user(tx: &mut dyn Tx, name: &str, role: Role, grid: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(Error::invalid(
            "invalid_user",
            "user name must be 1–64 characters",
        ));
    }
    grid_path(tx, grid)?.ok_or_else(|| Error::NotFound(format!("grid {grid} not found")))?;
    tx.execute(
        "INSERT INTO users (name, role, grid_code, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET role = excluded.role, grid_code = excluded.grid_code",
        &[
            name.into(),
            role.as_str().into(),
            grid.into(),
            now_ms().into(),
        ],
    )?;
    Ok(())
}

pub fn import_address(tx: &mut dyn Tx, a: &Address) -> Result<()> {
    if !valid_code(&a.code) {
        return Err(Error::invalid(
            "invalid_address",
            "address code: letters, digits and '-' only, at most 64",
        ));
    }
    if a.full_text.trim().is_empty() || a.full_text.chars().count() > 200 {
        return Err(Error::invalid(
            "invalid_address",
            "address text must be 1–200 characters",
        ));
    }
    let path = grid_path(tx, &a.grid_code)?
        .ok_or_else(|| Error::NotFound(format!("grid {} not found", a.grid_code)))?;
    records::put(
        tx,
        RecordKind::Address,
        &a.code,
        &path,
        Some(&a.code),
        &json!(a),
    )?;
    Ok(())
}

/// A template version is stored once and never changed: inspections are scored
/// against the exact version they were filled in with.
pub fn add_template(tx: &mut dyn Tx, t: &ChecklistTemplate) -> Result<()> {
    let id = format!("{}@{}", t.id, t.version);
    if records::get(tx, RecordKind::Template, &id)?.is_none() {
        records::put(
            tx,
            RecordKind::Template,
            &id,
            "/",
            None,
            &records::to_body(t)?,
        )?;
    }
    Ok(())
}
