//! Checklist templates on the console (administrators only): what is published
//! where and what is being drafted; an editor for sections and items with every
//! problem shown beside its item, a preview scored with sample answers, JSON
//! import and export, publishing to a grid subtree and retiring.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridfield_core::checklist::{AppliesTo, ChecklistTemplate, Severity, kind_label};
use gridfield_core::i18n::Lang;
use gridfield_core::model::Role;

use super::errors::{message_page, not_found};
use super::forms::{Pairs, Params};
use super::html::{Flash, Frame, Nav, datetime, render};
use super::msg::Msg;
use super::template_form::{ItemForm, KINDS, SectionForm, TemplateForm};
use super::template_msg::TemplateMsg as T;
use super::{AppState, Console, blocking, csrf};
use crate::error::ApiError;
use crate::rules::templates::{self as rules, Draft, Published};
use crate::rules::{CONSOLE_DEVICE, audit::audit};

#[derive(Template)]
#[template(path = "console/templates.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    published: Vec<Published>,
    drafts: Vec<Draft>,
    import: String,
    import_errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/template_edit.html")]
struct EditPage<'a> {
    frame: Frame<'a>,
    form: TemplateForm,
    grid: String,
    categories: Vec<(String, String)>,
    /// Case types a failing item may open (code, label).
    case_types: Vec<(String, String)>,
    /// Preview: score line, verdict, and whether it ran.
    preview: Option<(String, String)>,
}

impl ListPage<'_> {
    fn m(&self, m: T) -> String {
        self.frame.t(Msg::Template(m))
    }
    fn title(&self, t: &ChecklistTemplate) -> String {
        t.title.get(self.frame.lang.is_en()).to_string()
    }
    fn when(&self, ms: &i64) -> String {
        datetime(*ms)
    }
    fn csrf(&self) -> &str {
        self.frame.user.map(|u| u.csrf.as_str()).unwrap_or("")
    }
}

impl EditPage<'_> {
    fn m(&self, m: T) -> String {
        self.frame.t(Msg::Template(m))
    }
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        KINDS
            .iter()
            .map(|k| (*k, kind_label(k, self.frame.lang)))
            .collect()
    }
    fn subjects(&self) -> Vec<(&'static str, &'static str)> {
        AppliesTo::ALL
            .iter()
            .map(|a| (a.as_str(), a.label(self.frame.lang)))
            .collect()
    }
    fn severities(&self) -> Vec<(&'static str, &'static str)> {
        Severity::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(self.frame.lang)))
            .collect()
    }
    fn items_of(&self, s: &usize) -> Vec<(usize, ItemForm)> {
        self.form
            .items_of(*s)
            .into_iter()
            .map(|(i, f)| (i, f.clone()))
            .collect()
    }
    fn csrf(&self) -> &str {
        self.frame.user.map(|u| u.csrf.as_str()).unwrap_or("")
    }
    fn sections(&self) -> Vec<(usize, SectionForm)> {
        self.form.sections.iter().cloned().enumerate().collect()
    }
}

/// Administrators only: anyone else gets the page that says so.
fn refuse_non_admin(c: &Console) -> Option<Response> {
    (c.user.role != Role::Admin).then(|| {
        message_page(
            c.lang,
            Some(&c.user),
            StatusCode::FORBIDDEN,
            Msg::Template(T::AdminOnly),
        )
    })
}

fn list_page(
    c: &Console,
    published: Vec<Published>,
    drafts: Vec<Draft>,
    flash: Option<Flash>,
    import: String,
    import_errors: Vec<String>,
) -> Response {
    let status = if import_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = ListPage {
        frame: Frame::new(
            c.lang.lang,
            Some(&c.user),
            Nav::Templates,
            Msg::Template(T::Templates),
        )
        .with_flash(flash),
        published,
        drafts,
        import,
        import_errors,
    };
    render(c.lang, status, &view)
}

async fn list_with(
    s: AppState,
    c: &Console,
    flash: Option<Flash>,
    import: (String, Vec<String>),
) -> Response {
    let res = blocking(move || {
        s.db.read(|tx| {
            Ok((
                rules::all(tx).map_err(ApiError::from)?,
                rules::drafts(tx).map_err(ApiError::from)?,
            ))
        })
    })
    .await;
    c.finish(res.map(|(p, d)| list_page(c, p, d, flash, import.0, import.1)))
}

pub async fn list(State(s): State<AppState>, c: Console) -> Response {
    if let Some(r) = refuse_non_admin(&c) {
        return r;
    }
    list_with(s, &c, None, (String::new(), Vec::new())).await
}

/// A new draft: a blank template, or the newest published version as the next one.
pub async fn create(State(s): State<AppState>, c: Console, Form(f): Form<Pairs>) -> Response {
    let p = Params(f);
    if let Some(r) = refuse_non_admin(&c).or_else(|| csrf::check(&c, &p).err().map(|b| *b)) {
        return r;
    }
    let id = p.get("id").unwrap_or("").to_string();
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        let flash = Some(Flash::err(Msg::Template(T::BadId).text(c.lang.lang)));
        return list_with(s, &c, flash, (String::new(), Vec::new())).await;
    }
    let user = c.user.name.clone();
    let res = blocking(move || {
        s.db.write(|tx| {
            if rules::draft(tx, &id)?.is_none() {
                let mut t = match rules::versions(tx, &id)?.pop() {
                    Some(p) => p.template,
                    None => {
                        let mut f = TemplateForm::blank(&id);
                        f.read_template(Lang::Zh)
                            .ok_or_else(|| ApiError::internal("blank template"))?
                    }
                };
                if t.retired_at.take().is_some()
                    || rules::versions(tx, &id)?
                        .iter()
                        .any(|p| p.template.version == t.version)
                {
                    t.version += 1;
                }
                rules::save_draft(tx, &id, &t.to_json(), &user)?;
            }
            Ok(id)
        })
    })
    .await;
    c.finish(res.map(|id| super::redirect(&format!("/console/templates/{id}/edit"))))
}

/// Import a template as JSON: a draft under its id, problems shown in the editor;
/// a file that is not a template at all stays in the box with where it breaks.
pub async fn import(State(s): State<AppState>, c: Console, Form(f): Form<Pairs>) -> Response {
    let p = Params(f);
    if let Some(r) = refuse_non_admin(&c).or_else(|| csrf::check(&c, &p).err().map(|b| *b)) {
        return r;
    }
    let text =
        p.0.iter()
            .find(|(k, _)| k == "json")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
    let (t, problems) = gridfield_core::checklist::problems_in_json(&text);
    let Some(t) = t else {
        let errs = problems.iter().map(|p| p.message(c.lang.lang)).collect();
        return list_with(s, &c, None, (text, errs)).await;
    };
    let user = c.user.name.clone();
    let id = t.id.clone();
    let res = blocking(move || {
        s.db.write(|tx| {
            rules::save_draft(tx, &t.id, &t.to_json(), &user)?;
            Ok(())
        })
    })
    .await;
    c.finish(res.map(|_| {
        super::redirect(&format!(
            "/console/templates/{}/edit",
            crate::console::html::url(&id)
        ))
    }))
}

pub async fn edit(State(s): State<AppState>, c: Console, Path(id): Path<String>) -> Response {
    if let Some(r) = refuse_non_admin(&c) {
        return r;
    }
    let id2 = id.clone();
    let res = blocking(move || {
        s.db.read(|tx| {
            let d = rules::draft(tx, &id2).map_err(ApiError::from)?;
            let cats = categories(tx)?;
            Ok((d, cats))
        })
    })
    .await;
    let (d, cats) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let Some(d) = d else {
        return not_found(c.lang, Some(&c.user));
    };
    let mut form = match ChecklistTemplate::from_json(&d.body) {
        Ok(t) => TemplateForm::from_template(&t),
        Err(_) => match serde_json::from_str::<ChecklistTemplate>(&d.body) {
            Ok(t) => TemplateForm::from_template(&t),
            Err(_) => TemplateForm::blank(&id),
        },
    };
    if let Ok(t) = serde_json::from_str::<ChecklistTemplate>(&d.body) {
        form.place(&t.problems(), c.lang.lang);
    }
    edit_page(&c, form, String::new(), cats, None, None)
}

/// The editor's choices for a failing item: hazard categories and case types
/// (active ones, code and Chinese label).
type Choices = (Vec<(String, String)>, Vec<(String, String)>);

fn categories(tx: &mut dyn crate::db::Tx) -> Result<Choices, ApiError> {
    let active = |t: gridfield_core::taxonomy::Taxonomy| -> Vec<(String, String)> {
        t.categories
            .iter()
            .filter(|e| e.active)
            .map(|e| (e.code.clone(), e.label(Lang::Zh).to_string()))
            .collect()
    };
    Ok((
        active(crate::rules::taxonomy::hazard(tx)?),
        active(crate::rules::taxonomy::case(tx)?),
    ))
}

fn edit_page(
    c: &Console,
    form: TemplateForm,
    grid: String,
    (categories, case_types): Choices,
    preview: Option<(String, String)>,
    flash: Option<Flash>,
) -> Response {
    let status = if flash.as_ref().is_some_and(|f| !f.ok) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = EditPage {
        frame: Frame::new(
            c.lang.lang,
            Some(&c.user),
            Nav::Templates,
            Msg::Template(T::Templates),
        )
        .with_flash(flash),
        form,
        grid,
        categories,
        case_types,
        preview,
    };
    render(c.lang, status, &view)
}

/// What the editor's buttons do: add or delete a section or an item, save,
/// preview, publish.
pub async fn save(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Some(r) = refuse_non_admin(&c).or_else(|| csrf::check(&c, &p).err().map(|b| *b)) {
        return r;
    }
    let l = c.lang.lang;
    let mut form = TemplateForm::from_params(&p);
    form.id = id.clone();
    let mut action = p.get("action").unwrap_or("save").to_string();
    // Deleting an item or a section saves the draft without it, re-validated.
    let index = |prefix: &str| {
        action
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<usize>().ok())
    };
    if let Some(n) = index("delete_item_") {
        form.remove_item(n);
        action = "save".into();
    } else if let Some(s) = index("delete_section_") {
        form.remove_section(s);
        action = "save".into();
    }
    let grid = p.get("grid").unwrap_or("").to_string();
    let s2 = s.clone();
    let cats = match blocking(move || s2.db.read(categories)).await {
        Ok(c) => c,
        Err(e) => return c.finish(Err(e)),
    };
    if action == "add_section" {
        let n = form.sections.len();
        form.sections.push(SectionForm {
            id: format!("section_{}", n + 1),
            ..Default::default()
        });
        form.items.push(ItemForm::blank(
            n,
            &format!("item_{}", form.items.len() + 1),
        ));
        return edit_page(&c, form, grid, cats, None, None);
    }
    if let Some(sec) = action
        .strip_prefix("add_item_")
        .and_then(|s| s.parse::<usize>().ok())
    {
        let n = form.items.len() + 1;
        form.items.push(ItemForm::blank(
            sec.min(form.sections.len().saturating_sub(1)),
            &format!("item_{n}"),
        ));
        return edit_page(&c, form, grid, cats, None, None);
    }
    let Some(t) = form.read_template(l) else {
        let flash = Some(Flash::err(Msg::Template(T::FixFirst).text(l)));
        return edit_page(&c, form, grid, cats, None, flash);
    };
    let json = t.to_json();
    let publish_to = (action == "publish").then(|| grid.clone());
    let user = c.user.name.clone();
    let s3 = s.clone();
    let res = blocking(move || {
        s3.db.write(|tx| {
            rules::save_draft(tx, &id, &json, &user)?;
            let (_, problems) = rules::problems(tx, &json, publish_to.as_deref())?;
            if problems.is_empty()
                && let Some(g) = &publish_to
            {
                let t = rules::publish_draft(tx, &id, g)?;
                let detail = serde_json::json!({ "version": t.version, "grid": g });
                audit(
                    tx,
                    &user,
                    Some(CONSOLE_DEVICE),
                    "template_publish",
                    "template",
                    &t.id,
                    Some(&detail),
                )?;
                return Ok((problems, Some(t)));
            }
            Ok((problems, None))
        })
    })
    .await;
    let (problems, published) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    if let Some(t) = published {
        let flash = Flash {
            ok: true,
            text: Msg::Template(T::PublishedFlash {
                id: t.id.clone(),
                version: t.version,
                grid,
            })
            .text(l),
        };
        return list_with(s, &c, Some(flash), (String::new(), Vec::new())).await;
    }
    form.place(&problems, l);
    if !problems.is_empty() {
        let flash = Some(Flash::err(Msg::Template(T::FixFirst).text(l)));
        return edit_page(&c, form, grid, cats, None, flash);
    }
    let mut preview = None;
    let mut flash = Some(Flash {
        ok: true,
        text: Msg::Template(T::Saved).text(l),
    });
    if action == "preview" {
        let (answers, photos) = form.sample(&t);
        match t.evaluate(&answers, &photos) {
            Ok(e) => {
                form.mark_failed(&t, &e);
                let verdict = if e.vetoed {
                    T::PreviewVetoed
                } else if e.passed {
                    T::PreviewPassed
                } else {
                    T::PreviewFailed
                };
                preview = Some((
                    Msg::Template(T::PreviewScore {
                        score: e.score,
                        total: t.total_score,
                    })
                    .text(l),
                    Msg::Template(verdict).text(l),
                ));
                flash = None;
            }
            Err(errs) => {
                for e in &errs.0 {
                    let text = match l {
                        Lang::Zh => e.kind.message_zh(),
                        Lang::En => e.kind.to_string(),
                    };
                    if let Some(it) = form.items.iter_mut().find(|i| i.id == e.item_id) {
                        it.errors.push(text);
                    }
                }
                flash = Some(Flash::err(Msg::Template(T::PreviewAnswersInvalid).text(l)));
            }
        }
    }
    edit_page(&c, form, grid, cats, preview, flash)
}

/// The template as JSON (the format `admin template publish` reads): the draft
/// if one is open, else the newest published version.
pub async fn export(State(s): State<AppState>, c: Console, Path(id): Path<String>) -> Response {
    if let Some(r) = refuse_non_admin(&c) {
        return r;
    }
    let id2 = id.clone();
    let res = blocking(move || {
        s.db.read(|tx| {
            Ok(match rules::draft(tx, &id2)? {
                Some(d) => Some(d.body),
                None => rules::versions(tx, &id2)?.pop().map(|p| {
                    let mut t = p.template;
                    t.retired_at = None;
                    t.to_json()
                }),
            })
        })
    })
    .await;
    match res {
        Ok(Some(body)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/json; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{id}.json\""),
                ),
            ],
            body,
        )
            .into_response(),
        Ok(None) => not_found(c.lang, Some(&c.user)),
        Err(e) => c.finish(Err(e)),
    }
}

pub async fn retire(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Some(r) = refuse_non_admin(&c).or_else(|| csrf::check(&c, &p).err().map(|b| *b)) {
        return r;
    }
    let user = c.user.name.clone();
    let id2 = id.clone();
    let s2 = s.clone();
    let res = blocking(move || {
        s2.db.write(|tx| {
            let vs = rules::retire(tx, &id2)?;
            let detail = serde_json::json!({ "versions": vs });
            audit(
                tx,
                &user,
                Some(CONSOLE_DEVICE),
                "template_retire",
                "template",
                &id2,
                Some(&detail),
            )?;
            Ok(())
        })
    })
    .await;
    if let Err(e) = res {
        return c.finish(Err(e));
    }
    let flash = Flash {
        ok: true,
        text: Msg::Template(T::RetiredFlash { id }).text(c.lang.lang),
    };
    list_with(s, &c, Some(flash), (String::new(), Vec::new())).await
}
