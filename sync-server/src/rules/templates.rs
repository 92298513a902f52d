//! Checklist templates' lifecycle on the server: validated (with where each
//! problem is), published to a grid subtree — the devices under it pull the
//! version at their next sync — and retired (no new inspection starts with it;
//! what it scored stays readable). A published version never changes but for
//! its retirement.

use gridfield_core::checklist::{ChecklistTemplate, Problem, TemplateProblem, problems_in_json};
use gridfield_core::i18n::Lang;
use gridfield_core::record::RecordKind;

use super::{Error, Result, now_ms};
use crate::db::records;
use crate::db::{RowExt, Tx};

/// A template version as the server holds it.
#[derive(Debug, Clone)]
pub struct Published {
    pub template: ChecklistTemplate,
    /// The grid subtree it reaches (`/` for the shipped ones).
    pub grid_path: String,
}

/// Every problem of a template file against what this server holds (its hazard
/// and case taxonomies; and, when publishing, the grid and the versions already out).
pub fn problems(
    tx: &mut dyn Tx,
    json: &str,
    grid: Option<&str>,
) -> Result<(Option<ChecklistTemplate>, Vec<TemplateProblem>)> {
    let (t, mut ps) = problems_in_json(json);
    let Some(t) = t else {
        return Ok((None, ps));
    };
    let taxonomy = super::taxonomy::hazard(tx)?;
    let unknown = t.unknown_categories(&|c| taxonomy.category(c).is_some_and(|e| e.active));
    let cases = super::taxonomy::case(tx)?;
    let unknown_cases = t.unknown_case_types(&|c| cases.category(c).is_some_and(|e| e.active));
    for mut p in unknown.into_iter().chain(unknown_cases) {
        p.at.line = line_of_item(json, p.at.id.as_deref());
        ps.push(p);
    }
    if let Some(g) = grid
        && super::grids::grid_path(tx, g)?.is_none()
    {
        ps.push(top(Problem::UnknownGrid(g.to_string())));
    }
    if grid.is_some()
        && let Some(latest) = latest_version(tx, &t.id)?
        && latest >= t.version
    {
        ps.push(top(Problem::VersionNotNewer { latest }));
    }
    Ok((Some(t), ps))
}

fn top(reason: Problem) -> TemplateProblem {
    TemplateProblem {
        at: Default::default(),
        reason,
    }
}

fn line_of_item(json: &str, id: Option<&str>) -> Option<usize> {
    let needle = format!("\"id\":{}", serde_json::Value::from(id?));
    json.lines()
        .position(|l| {
            l.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .contains(&needle)
        })
        .map(|n| n + 1)
}

/// All problems as one refusal, Chinese then English, one problem a line.
pub fn invalid(ps: &[TemplateProblem]) -> Error {
    let zh: Vec<String> = ps.iter().map(|p| p.message(Lang::Zh)).collect();
    let en: Vec<String> = ps.iter().map(|p| p.message(Lang::En)).collect();
    Error::invalid(
        "invalid_template",
        format!("{}\n{}", zh.join("\n"), en.join("\n")),
    )
}

/// Publish a new version to the subtree of `grid`; nothing is stored if any
/// problem is found.
pub fn publish(tx: &mut dyn Tx, json: &str, grid: &str) -> Result<ChecklistTemplate> {
    let (t, ps) = problems(tx, json, Some(grid))?;
    let t = match t {
        Some(t) if ps.is_empty() => t,
        _ => return Err(invalid(&ps)),
    };
    let path = super::grids::grid_path(tx, grid)?
        .ok_or_else(|| Error::NotFound(format!("grid {grid} not found")))?;
    let mut t = t;
    t.retired_at = None;
    records::put(
        tx,
        RecordKind::Template,
        &record_id(&t.id, t.version),
        &path,
        None,
        &records::to_body(&t)?,
    )?;
    Ok(t)
}

/// Retire every version of a template: devices learn it at their next sync and
/// start no new inspection with it. Returns the versions retired now.
pub fn retire(tx: &mut dyn Tx, id: &str) -> Result<Vec<u32>> {
    let held = versions(tx, id)?;
    if held.is_empty() {
        return Err(Error::NotFound(format!("template {id} not found")));
    }
    let now = now_ms();
    let mut retired = Vec::new();
    for p in held {
        if p.template.retired_at.is_some() {
            continue;
        }
        let mut t = p.template;
        t.retired_at = Some(now);
        records::put(
            tx,
            RecordKind::Template,
            &record_id(&t.id, t.version),
            &p.grid_path,
            None,
            &records::to_body(&t)?,
        )?;
        retired.push(t.version);
    }
    Ok(retired)
}

pub fn record_id(id: &str, version: u32) -> String {
    format!("{id}@{version}")
}

/// Every version of one template, oldest first.
pub fn versions(tx: &mut dyn Tx, id: &str) -> Result<Vec<Published>> {
    let mut out: Vec<Published> = all(tx)?
        .into_iter()
        .filter(|p| p.template.id == id)
        .collect();
    out.sort_by_key(|p| p.template.version);
    Ok(out)
}

fn latest_version(tx: &mut dyn Tx, id: &str) -> Result<Option<u32>> {
    Ok(versions(tx, id)?.last().map(|p| p.template.version))
}

/// Every template version the server holds, by id then version.
pub fn all(tx: &mut dyn Tx) -> Result<Vec<Published>> {
    let rows = tx.query(
        "SELECT grid_path, body FROM records WHERE kind = 'template'",
        &[],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let template: ChecklistTemplate =
            serde_json::from_str(&r.text(1)?).map_err(Error::internal)?;
        out.push(Published {
            template,
            grid_path: r.text(0)?,
        });
    }
    out.sort_by(|a, b| {
        (a.template.id.as_str(), a.template.version)
            .cmp(&(b.template.id.as_str(), b.template.version))
    });
    Ok(out)
}

/// A template being authored on the console: the author's JSON, kept as left.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: String,
    pub body: String,
    pub updated_by: String,
    pub updated_at: i64,
}

pub fn save_draft(tx: &mut dyn Tx, id: &str, body: &str, by: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO template_drafts (id, body, updated_by, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by,
           updated_at = excluded.updated_at",
        &[id.into(), body.into(), by.into(), now_ms().into()],
    )?;
    Ok(())
}

pub fn draft(tx: &mut dyn Tx, id: &str) -> Result<Option<Draft>> {
    Ok(drafts_where(tx, Some(id))?.pop())
}

pub fn drafts(tx: &mut dyn Tx) -> Result<Vec<Draft>> {
    drafts_where(tx, None)
}

fn drafts_where(tx: &mut dyn Tx, id: Option<&str>) -> Result<Vec<Draft>> {
    let rows = match id {
        Some(id) => tx.query(
            "SELECT id, body, updated_by, updated_at FROM template_drafts WHERE id = $1",
            &[id.into()],
        )?,
        None => tx.query(
            "SELECT id, body, updated_by, updated_at FROM template_drafts ORDER BY id",
            &[],
        )?,
    };
    rows.into_iter()
        .map(|r| {
            Ok(Draft {
                id: r.text(0)?,
                body: r.text(1)?,
                updated_by: r.text(2)?,
                updated_at: r.int(3)?,
            })
        })
        .collect()
}

/// Publish a draft: the same checks as `publish`; the draft is gone once its
/// version is out.
pub fn publish_draft(tx: &mut dyn Tx, id: &str, grid: &str) -> Result<ChecklistTemplate> {
    let d = draft(tx, id)?.ok_or_else(|| Error::NotFound(format!("draft {id} not found")))?;
    let t = publish(tx, &d.body, grid)?;
    tx.execute("DELETE FROM template_drafts WHERE id = $1", &[id.into()])?;
    Ok(t)
}
