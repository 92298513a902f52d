//! The volunteers' report inbox, one report, and the accept / dismiss decision
//! (points, optionally a hazard) made through `rules` as a device's.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gridfield_core::checklist::Severity;
use gridfield_core::grid::GridScope;
use gridfield_core::model::ReportStatus;
use gridfield_core::points::PointsRules;
use gridfield_core::record::RecordKind;
use gridfield_core::records::Report;
use gridfield_core::report::ReportSource;
use gridfield_core::taxonomy::Taxonomy;
use serde_json::{Value, json};

use super::auth::ConsoleUser;
use super::errors::{decided, flash_for, missing};
use super::forms::{Pairs, Params};
use super::html::{self, Choice, Flash, Frame, Nav, Pager, choices, datetime, render};

use super::list::{filter_from, filter_query, grid_choices, jstr, keyset, scope};
use super::msg::Msg;
use super::query;
use super::{AppState, Console, blocking, csrf, redirect};
use crate::error::{ApiError, Result};
use crate::rules::points::Pricing;
use crate::rules::reports::ReportDecision;
use crate::rules::{self, CONSOLE_DEVICE, now_ms};

pub struct Row {
    pub id: String,
    pub created: String,
    pub address: String,
    pub text: String,
    pub reporter: String,
    pub status: Option<(&'static str, &'static str)>,
    pub category: String,
    /// Another report at the same address and of the same category, close in time.
    pub duplicate: bool,
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    statuses: Vec<Choice>,
    grids: Vec<Choice>,
    query: String,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn list(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let mut p = Params(q);
    if !p.has("status") {
        p.0.push(("status".into(), "pending".into()));
    }
    let l = c.lang.lang;
    let f = filter_from(RecordKind::Report, &p, now_ms(), 0);
    let page = keyset(&p);
    let sc = scope(&c);
    let window = s.console.duplicate_window_ms;
    let res = blocking(move || {
        s.db.read(|tx| {
            let pg = query::list(tx, &sc, &f, page)?;
            let mut dups = Vec::new();
            for (_, body) in &pg.rows {
                let dup = match serde_json::from_value::<Report>(body.clone()) {
                    Ok(r) if r.category.is_some() => {
                        rules::reports::at_address(tx, &r.address_code)?
                            .iter()
                            .any(|o| gridfield_core::report::is_duplicate(&r, o, window))
                    }
                    _ => false,
                };
                dups.push(dup);
            }
            Ok((
                pg,
                query::grids_in_scope(tx, &sc)?,
                dups,
                rules::taxonomy::case(tx)?,
            ))
        })
    })
    .await;
    let (pg, grids, dups, cases) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let fq = filter_query(&p);
    let statuses = [
        ReportStatus::Pending,
        ReportStatus::Accepted,
        ReportStatus::Dismissed,
    ]
    .iter()
    .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
    .collect();
    let rows = pg
        .rows
        .iter()
        .zip(dups)
        .map(|((id, r), duplicate)| Row {
            id: id.clone(),
            created: html::datetime(r.get("created_at").and_then(Value::as_i64).unwrap_or(0)),
            address: jstr(r, "address_text").to_string(),
            text: jstr(r, "text").chars().take(60).collect(),
            // A resident's report has no user of ours: say where it came from.
            reporter: if jstr(r, "source") == ReportSource::Resident.as_str() {
                ReportSource::Resident.label(l).to_string()
            } else {
                jstr(r, "reporter").to_string()
            },
            status: ReportStatus::parse(jstr(r, "status")).map(|x| (x.as_str(), x.label(l))),
            category: match jstr(r, "category") {
                "" => String::new(),
                code => cases.category_label(code, l),
            },
            duplicate,
        })
        .collect();
    let view = ListPage {
        frame: Frame::new(l, Some(&c.user), Nav::Reports, Msg::Reports)
            .with_flash(p.get("ok").and_then(|k| flash_for(k, l))),
        statuses: choices(statuses, p.get("status")),
        grids: grid_choices(&grids, p.get("grid")),
        pager: Pager::keyset(l, "/console/reports", &fq, &pg.nav),
        query: fq,
        rows,
    };
    render(c.lang, StatusCode::OK, &view)
}

#[derive(Template)]
#[template(path = "console/report.html")]
struct ShowPage<'a> {
    frame: Frame<'a>,
    user: &'a ConsoleUser,
    r: &'a Report,
    status: (&'static str, &'static str),
    /// The reporter's user, or "居民随手拍" for a resident's report.
    reporter: String,
    /// A resident's feedback phone, masked (label, value).
    contact: Option<(&'static str, String)>,
    location: String,
    photos: Vec<String>,
    max_adjust: i64,
    adjust: &'a str,
    dismiss_note: &'a str,
    categories: Vec<Choice>,
    severities: Vec<Choice>,
    /// The report's category label, and the case categories to re-categorise to.
    category: String,
    report_categories: Vec<Choice>,
}

fn show_page(
    c: &Console,
    r: &Report,
    (taxonomy, rules, cases): &(Taxonomy, PointsRules, Taxonomy),
    flash: Option<Flash>,
    typed: &Params,
) -> Response {
    let l = c.lang.lang;
    let status = if flash.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let categories = taxonomy
        .active_categories()
        .map(|e| (e.code.clone(), e.label(l).to_string()))
        .collect();
    let severities = Severity::ALL
        .iter()
        .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
        .collect();
    let view = ShowPage {
        frame: Frame::new(l, Some(&c.user), Nav::Reports, Msg::Report).with_flash(flash),
        user: &c.user,
        r,
        status: (r.status.as_str(), r.status.label(l)),
        reporter: match r.source {
            ReportSource::Resident => r.source.label(l).to_string(),
            ReportSource::Volunteer => r.reporter.clone(),
        },
        contact: r.contact_phone.as_deref().map(|p| {
            (
                gridfield_core::report::contact_phone_label(l),
                gridfield_core::person::mask_phone(p),
            )
        }),
        location: super::html::location(r.location.as_ref(), l),
        photos: r
            .photos
            .iter()
            .filter(|p| gridfield_core::photo::is_valid_hash(p))
            .cloned()
            .collect(),
        max_adjust: rules.adjust,
        adjust: typed.get("adjust").unwrap_or("0"),
        dismiss_note: if typed.get("decision") == Some("dismiss") {
            typed.get("note").unwrap_or("")
        } else {
            ""
        },
        categories: choices(categories, None),
        severities: choices(severities, Some(Severity::Medium.as_str())),
        category: r
            .category
            .as_deref()
            .map(|c| cases.category_label(c, l))
            .unwrap_or_else(|| gridfield_core::taxonomy::uncategorised(l).to_string()),
        report_categories: choices(
            cases
                .active_categories()
                .map(|e| (e.code.clone(), e.label(l).to_string()))
                .collect(),
            r.category.as_deref(),
        ),
    };
    render(c.lang, status, &view)
}

/// The report, and the hazard taxonomy its accept form offers categories from.
type Loaded = (Report, (Taxonomy, PointsRules, Taxonomy));

fn load(s: &AppState, sc: &GridScope, id: &str) -> Result<Loaded> {
    s.db.read(|tx| {
        let r = query::get_in_scope(tx, sc, RecordKind::Report, id)?.ok_or_else(missing)?;
        let report =
            serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok((
            report,
            (
                rules::taxonomy::hazard(tx)?,
                rules::points::rules(tx)?,
                rules::taxonomy::case(tx)?,
            ),
        ))
    })
}

pub async fn show(State(s): State<AppState>, c: Console, Path(id): Path<String>) -> Response {
    let sc = scope(&c);
    let res = blocking(move || load(&s, &sc, &id)).await;
    c.finish(res.map(|(r, t)| show_page(&c, &r, &t, None, &Params::default())))
}

pub async fn decide(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let accept = p.get("decision") == Some("accept");
    // An unreadable adjustment is refused by the rules as too large.
    let adjust = match p.get("adjust").map(str::trim).filter(|a| !a.is_empty()) {
        None => 0,
        Some(a) => a.parse::<i64>().unwrap_or(i64::MAX),
    };
    let pricing = Pricing {
        severity: p
            .get("level")
            .and_then(Severity::parse)
            .unwrap_or(Severity::Medium),
        adjust,
        reason: p.get("adjust_reason").map(String::from),
    };
    let hazard = (accept && p.get("make_hazard").is_some()).then(|| {
        (
            p.get("category").unwrap_or("social.dispute").to_string(),
            p.get("severity")
                .and_then(Severity::parse)
                .unwrap_or(Severity::Medium),
        )
    });
    let d = ReportDecision {
        accept,
        note: p.get("note").map(String::from),
        pricing,
        hazard,
    };
    let sc = scope(&c);
    let (s2, user, id2, sc2) = (s.clone(), c.user.clone(), id.clone(), sc.clone());
    let res = blocking(move || {
        s2.db.write(|tx| {
            query::get_in_scope(tx, &sc2, RecordKind::Report, &id2)?.ok_or_else(missing)?;
            decided(
                rules::reports::decide_report(tx, &user.ctx(), &id2, &d, now_ms()),
                l,
            )?;
            Ok(rules::audit::audit(
                tx,
                &user.name,
                Some(CONSOLE_DEVICE),
                if d.accept {
                    "report_accept"
                } else {
                    "report_dismiss"
                },
                RecordKind::Report.as_str(),
                &id2,
                Some(&json!({
                    "level": d.pricing.severity.as_str(),
                    "adjust": d.pricing.adjust,
                    "adjust_reason": d.pricing.reason,
                    "note": d.note,
                })),
            )?)
        })
    })
    .await;
    match res {
        Ok(()) => redirect(if accept {
            "/console/reports?ok=accepted"
        } else {
            "/console/reports?ok=dismissed"
        }),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let res = blocking(move || load(&s, &sc, &id)).await;
            c.finish(res.map(|(r, t)| show_page(&c, &r, &t, Some(Flash::err(e.message)), &p)))
        }
        Err(e) => c.finish(Err(e)),
    }
}

/// A supervisor changes a report's category (audited, before and after).
pub async fn recategorise(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    let l = c.lang.lang;
    let category = p.get("category").unwrap_or("").to_string();
    let sc = scope(&c);
    let (s2, user, id2) = (s.clone(), c.user.clone(), id.clone());
    let res = blocking(move || {
        s2.db.write(|tx| {
            query::get_in_scope(tx, &sc, RecordKind::Report, &id2)?.ok_or_else(missing)?;
            let before = decided(
                rules::reports::recategorise(tx, &user.ctx(), &id2, &category),
                l,
            )?;
            Ok(rules::audit::audit(
                tx,
                &user.name,
                Some(CONSOLE_DEVICE),
                "report_category",
                RecordKind::Report.as_str(),
                &id2,
                Some(&json!({ "from": before, "to": category.trim() })),
            )?)
        })
    })
    .await;
    match res {
        Ok(()) => redirect(&format!("/console/reports/{}", html::url(&id))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let sc = scope(&c);
            let res = blocking(move || load(&s, &sc, &id)).await;
            c.finish(res.map(|(r, t)| show_page(&c, &r, &t, Some(Flash::err(e.message)), &p)))
        }
        Err(e) => c.finish(Err(e)),
    }
}
