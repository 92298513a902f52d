//! Door plates: address search, one address with everything at it (一标多实) and
//! its history, and printable sheets of signed plate QR codes per grid.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gridfield_core::hazard::HazardStatus;
use gridfield_core::model::{Address, EntityKind, ReportStatus, ReviewStatus};
use gridfield_core::plate::PlateData;
use gridfield_core::record::RecordKind;
use serde_json::Value;

use super::errors::missing;
use super::forms::{Pairs, Params};
use super::html::{Choice, Frame, Nav, choices, datetime, render};
use super::list::{jstr, scope};
use super::msg::Msg;
use super::query;
use super::{AppState, Console, blocking};
use crate::rules::{self, now_ms};

pub struct Found {
    pub code: String,
    pub text: String,
    pub serial: String,
}

#[derive(Template)]
#[template(path = "console/addresses.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    text: String,
    rows: Vec<Found>,
    grids: Vec<Choice>,
}

pub async fn list(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let text = p
        .get("q")
        .unwrap_or("")
        .chars()
        .take(100)
        .collect::<String>();
    let sc = scope(&c);
    let t2 = text.clone();
    let res = blocking(move || {
        s.db.read(|tx| {
            Ok((
                query::search_addresses(tx, &sc, &t2, 100)?,
                query::grids_in_scope(tx, &sc)?,
            ))
        })
    })
    .await;
    c.finish(res.map(|(rows, grids)| {
        let grids = grids.into_iter().map(|(c, n, _)| (c, n)).collect();
        let view = ListPage {
            frame: Frame::new(c.lang.lang, Some(&c.user), Nav::Addresses, Msg::DoorPlates),
            text,
            rows: rows
                .iter()
                .map(|(code, a)| Found {
                    code: code.clone(),
                    text: jstr(a, "full_text").to_string(),
                    serial: jstr(a, "plate_serial").to_string(),
                })
                .collect(),
            grids: choices(grids, None),
        };
        render(c.lang, StatusCode::OK, &view)
    }))
}

/// Entities of one kind at the address, fields as `name：value`.
pub struct EntityGroup {
    pub label: &'static str,
    pub rows: Vec<(String, String)>,
}

/// One line of the address's history, newest first.
pub struct Event {
    pub at: i64,
    pub href: String,
    pub kind: String,
    pub what: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "console/address.html")]
struct ShowPage<'a> {
    frame: Frame<'a>,
    full_text: String,
    code: String,
    serial: String,
    coordinates: String,
    groups: Vec<EntityGroup>,
    events: Vec<Event>,
}

fn fields_text(body: &Value) -> String {
    body.pointer("/state/fields")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string());
                    format!("{k}：{v}")
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default()
}

pub async fn show(State(s): State<AppState>, c: Console, Path(code): Path<String>) -> Response {
    let l = c.lang.lang;
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            let a =
                query::get_in_scope(tx, &sc, RecordKind::Address, &code)?.ok_or_else(missing)?;
            let categories = rules::taxonomy::hazard(tx)?;
            Ok((a.body, query::at_address(tx, &code)?, categories))
        })
    })
    .await;
    let (a, items, taxonomy) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let groups = EntityKind::ALL
        .iter()
        .map(|kind| EntityGroup {
            label: kind.label(l),
            rows: items
                .iter()
                .filter(|(k, _, _)| k == kind.as_str())
                .map(|(_, id, body)| (id.clone(), fields_text(body)))
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect();
    let mut events: Vec<Event> = items
        .iter()
        .filter_map(|(k, id, body)| match RecordKind::parse(k)? {
            RecordKind::Inspection => Some(Event {
                at: body.get("started_at").and_then(Value::as_i64).unwrap_or(0),
                href: format!("/console/inspections/{}", super::html::url(id)),
                kind: Msg::KindInspection.text(l),
                what: jstr(body, "inspector").to_string(),
                status: ReviewStatus::parse(jstr(body, "review_status"))
                    .map(|r| r.label(l))
                    .unwrap_or(""),
            }),
            RecordKind::Hazard => {
                let h = body.get("hazard").cloned().unwrap_or(Value::Null);
                Some(Event {
                    at: h.get("created_at").and_then(Value::as_i64).unwrap_or(0),
                    href: format!("/console/hazards/{}", super::html::url(id)),
                    kind: Msg::KindHazard.text(l),
                    what: taxonomy.category_label(jstr(&h, "category"), l),
                    status: HazardStatus::parse(jstr(&h, "status"))
                        .map(|x| x.label(l))
                        .unwrap_or(""),
                })
            }
            RecordKind::Report => Some(Event {
                at: body.get("created_at").and_then(Value::as_i64).unwrap_or(0),
                href: format!("/console/reports/{}", super::html::url(id)),
                kind: Msg::KindReport.text(l),
                what: jstr(body, "text").chars().take(40).collect(),
                status: ReportStatus::parse(jstr(body, "status"))
                    .map(|x| x.label(l))
                    .unwrap_or(""),
            }),
            _ => None,
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let view = ShowPage {
        frame: Frame::new(l, Some(&c.user), Nav::Addresses, Msg::AddressTitle),
        full_text: jstr(&a, "full_text").to_string(),
        code: jstr(&a, "code").to_string(),
        serial: jstr(&a, "plate_serial").to_string(),
        coordinates: match (
            a.get("lat").and_then(Value::as_f64),
            a.get("lon").and_then(Value::as_f64),
        ) {
            (Some(la), Some(lo)) => format!("{la:.5}, {lo:.5}"),
            _ => "—".into(),
        },
        groups,
        events,
    };
    render(c.lang, StatusCode::OK, &view)
}

pub const PLATES_PER_SHEET: i64 = 24;

/// One printed plate: its signed payload, QR code and caption.
pub struct Plate {
    pub signed: String,
    /// SVG markup from the QR renderer (no user text inside).
    pub svg: String,
    pub serial: String,
    pub text: String,
    pub code: String,
}

#[derive(Template)]
#[template(path = "console/plates.html")]
struct PlatesPage<'a> {
    frame: Frame<'a>,
    grid_name: String,
    next: Option<String>,
    plates: Vec<Plate>,
}

fn qr_svg(payload: &str) -> String {
    let svg = qrcode::QrCode::new(payload.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    // The renderer emits an XML declaration; inline SVG must not carry one.
    svg.split_once("?>")
        .map(|(_, r)| r.to_string())
        .unwrap_or(svg)
}

pub async fn plates(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let page = p.page();
    let sc = scope(&c);
    let grid = p.get("grid").unwrap_or(&c.user.grid_code).to_string();
    let res = blocking(move || {
        s.db.read(|tx| {
            let path = rules::grids::grid_path(tx, &grid)?
                .filter(|p| sc.covers(p))
                .ok_or_else(missing)?;
            let issuer = rules::plates::issuer(tx)?;
            let rows = query::addresses_page(tx, &path, page, PLATES_PER_SHEET + 1)?;
            let name = query::grid_name(tx, &grid)?.unwrap_or_default();
            Ok((issuer, rows, name, grid))
        })
    })
    .await;
    let (issuer, rows, grid_name, grid) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let now = now_ms() / 1000;
    let more = rows.len() as i64 > PLATES_PER_SHEET;
    let plates = rows
        .iter()
        .take(PLATES_PER_SHEET as usize)
        .filter_map(|(_, a)| {
            let addr: Address = serde_json::from_value(a.clone()).ok()?;
            let plate = PlateData {
                address_code: addr.code.clone(),
                plate_serial: addr
                    .plate_serial
                    .clone()
                    .unwrap_or_else(|| addr.code.clone()),
                grid_code: addr.grid_code.clone(),
                address_text: addr.full_text.clone(),
                issued_at: now,
            };
            let signed = issuer.sign(&plate).ok()?;
            Some(Plate {
                svg: qr_svg(&signed),
                signed,
                serial: plate.plate_serial,
                text: addr.full_text,
                code: addr.code,
            })
        })
        .collect();
    let view = PlatesPage {
        frame: Frame::new(c.lang.lang, Some(&c.user), Nav::Addresses, Msg::PlateSheet),
        grid_name,
        next: more.then(|| {
            format!(
                "/console/plates?grid={}&page={}",
                super::html::url(&grid),
                page + 1
            )
        }),
        plates,
    };
    render(c.lang, StatusCode::OK, &view)
}
