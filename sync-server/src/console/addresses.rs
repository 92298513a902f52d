//! Door plates: address search, one address with everything at it (一标多实) and
//! its history, and printable sheets of signed plate QR codes per grid. ID numbers
//! and phones are masked by the core's rule; a role that may see them reveals one
//! value at a time (a POST with CSRF), and each reveal is audited.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use gridfield_core::address::FieldType;
use gridfield_core::hazard::HazardStatus;
use gridfield_core::model::{Address, EntityKind, ReportStatus, ReviewStatus};
use gridfield_core::plate::PlateData;
use gridfield_core::record::RecordKind;
use serde_json::Value;

use super::errors::{message_page, missing};
use super::forms::{Pairs, Params};
use super::html::{Choice, Frame, Nav, choices, datetime, render};
use super::list::{jstr, scope};
use super::msg::Msg;
use super::query;
use super::{AppState, Console, blocking, csrf};
use crate::rules::{self, CONSOLE_DEVICE, now_ms};

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

/// Entities of one kind at the address.
pub struct EntityGroup {
    pub label: &'static str,
    pub rows: Vec<EntityRow>,
}

pub struct EntityRow {
    pub kind: &'static str,
    pub id: String,
    /// What people call it (户主, 姓名, 房东, 名称), else its kind.
    pub title: String,
    pub fields: Vec<FieldCell>,
}

/// One field as shown: identifiers masked unless this one was just revealed.
pub struct FieldCell {
    pub name: String,
    pub label: String,
    pub value: String,
    /// Masked, and the user may reveal it.
    pub revealable: bool,
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
    /// Some value here is masked (the page says why).
    any_masked: bool,
}

/// A field value as text ("" for null).
fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// The fields of one entity as shown to a user, in the order the core declares
/// them, by their labels: enumerations by label (the core's `FieldSpec::display`),
/// personal identifiers masked unless `revealed` names this field, references
/// by the name of the entity they point at (`name_of`).
pub fn field_cells(
    kind: EntityKind,
    body: &Value,
    lang: gridfield_core::i18n::Lang,
    may_reveal: bool,
    revealed: Option<&str>,
    name_of: &dyn Fn(EntityKind, &str) -> Option<String>,
) -> Vec<FieldCell> {
    let Some(fields) = body.pointer("/state/fields").and_then(Value::as_object) else {
        return Vec::new();
    };
    kind.fields()
        .iter()
        .filter_map(|spec| {
            let v = fields.get(spec.name).filter(|v| !v.is_null())?;
            let label = spec.label(lang).to_string();
            let name = spec.name.to_string();
            Some(match spec.ty {
                FieldType::Identifier(_) if revealed != Some(spec.name) => FieldCell {
                    name,
                    label,
                    value: spec.display(v, lang),
                    revealable: may_reveal,
                },
                FieldType::Identifier(_) => FieldCell {
                    name,
                    label,
                    value: value_text(v),
                    revealable: false,
                },
                FieldType::Ref(to) => FieldCell {
                    name,
                    label,
                    value: name_of(to, &value_text(v))
                        .unwrap_or_else(|| to.label(lang).to_string()),
                    revealable: false,
                },
                _ => FieldCell {
                    name,
                    label,
                    value: spec.display(v, lang),
                    revealable: false,
                },
            })
        })
        .collect()
}

/// The address record, everything at it and the hazard taxonomy (for labels),
/// as `show` and `reveal` read them.
type AtAddress = (
    Value,
    Vec<(String, String, Value)>,
    gridfield_core::taxonomy::Taxonomy,
);

/// The page of one address; `revealed` is the one (kind, id, field) shown whole.
fn show_page(
    c: &Console,
    (a, items, taxonomy): &AtAddress,
    revealed: Option<(&str, &str, &str)>,
) -> Response {
    let l = c.lang.lang;
    let may_reveal = c.user.role.may_reveal_personal_data();
    let role = c.user.role;
    // Entities here by the name a person calls them (the core's title rule).
    let name_of = |kind: EntityKind, id: &str| -> Option<String> {
        let (_, _, body) = items
            .iter()
            .find(|(k, i, _)| k == kind.as_str() && i == id)?;
        kind.title(body.pointer("/state/fields")?.as_object()?, role)
    };
    let groups: Vec<EntityGroup> = EntityKind::ALL
        .iter()
        .map(|kind| EntityGroup {
            label: kind.label(l),
            rows: items
                .iter()
                .filter(|(k, _, _)| k == kind.as_str())
                .map(|(_, id, body)| EntityRow {
                    kind: kind.as_str(),
                    id: id.clone(),
                    title: name_of(*kind, id).unwrap_or_else(|| kind.label(l).to_string()),
                    fields: field_cells(
                        *kind,
                        body,
                        l,
                        may_reveal,
                        revealed
                            .filter(|(k, i, _)| *k == kind.as_str() && i == id)
                            .map(|(_, _, f)| f),
                        &name_of,
                    ),
                })
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect();
    let any_masked = groups.iter().any(|g| {
        g.rows.iter().any(|r| {
            r.fields.iter().any(|f| {
                EntityKind::parse(r.kind)
                    .and_then(|k| k.field(&f.name))
                    .is_some_and(|s| s.identifier().is_some())
            })
        })
    });
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
        full_text: jstr(a, "full_text").to_string(),
        code: jstr(a, "code").to_string(),
        serial: jstr(a, "plate_serial").to_string(),
        coordinates: match (
            a.get("lat").and_then(Value::as_f64),
            a.get("lon").and_then(Value::as_f64),
        ) {
            (Some(la), Some(lo)) => format!("{la:.5}, {lo:.5}"),
            _ => "—".into(),
        },
        groups,
        events,
        any_masked,
    };
    let mut r = render(c.lang, StatusCode::OK, &view);
    // Pages with personal data are not kept by the browser or a proxy.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub async fn show(State(s): State<AppState>, c: Console, Path(code): Path<String>) -> Response {
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            let a =
                query::get_in_scope(tx, &sc, RecordKind::Address, &code)?.ok_or_else(missing)?;
            let taxonomy = rules::taxonomy::hazard(tx)?;
            Ok((a.body, query::at_address(tx, &code)?, taxonomy))
        })
    })
    .await;
    c.finish(res.map(|d| show_page(&c, &d, None)))
}

/// Reveal one masked value: a role that may (the core's
/// `Role::may_reveal_personal_data`) gets the address page with that one value
/// whole, and an audit row names who, which record and which field, never the
/// value. Anyone else gets 403 and nothing is written.
pub async fn reveal(
    State(s): State<AppState>,
    c: Console,
    Path(code): Path<String>,
    Form(f): Form<Pairs>,
) -> Response {
    let p = Params(f);
    if let Err(r) = csrf::check(&c, &p) {
        return *r;
    }
    if !c.user.role.may_reveal_personal_data() {
        return message_page(
            c.lang,
            Some(&c.user),
            StatusCode::FORBIDDEN,
            Msg::RevealNotAllowed,
        );
    }
    let Some(kind) = p.get("kind").and_then(EntityKind::parse) else {
        return super::errors::not_found(c.lang, Some(&c.user));
    };
    let id = p.get("id").unwrap_or("").to_string();
    let Some(field) = p
        .get("field")
        .and_then(|f| kind.field(f))
        .filter(|f| f.identifier().is_some())
    else {
        return super::errors::not_found(c.lang, Some(&c.user));
    };
    let sc = scope(&c);
    let (user, id2) = (c.user.name.clone(), id.clone());
    let res = blocking(move || {
        s.db.write(|tx| {
            let a =
                query::get_in_scope(tx, &sc, RecordKind::Address, &code)?.ok_or_else(missing)?;
            let items = query::at_address(tx, &code)?;
            let held = items.iter().any(|(k, i, body)| {
                k == kind.as_str()
                    && *i == id2
                    && body
                        .pointer("/state/fields")
                        .and_then(|f| f.get(field.name))
                        .is_some_and(|v| !v.is_null())
            });
            if !held {
                return Err(missing());
            }
            rules::audit::audit(
                tx,
                &user,
                Some(CONSOLE_DEVICE),
                "reveal",
                kind.as_str(),
                &id2,
                Some(&serde_json::json!({ "field": field.name, "address": code })),
            )?;
            Ok((a.body, items, rules::taxonomy::hazard(tx)?))
        })
    })
    .await;
    c.finish(res.map(|d| show_page(&c, &d, Some((kind.as_str(), &id, field.name)))))
}

/// Entities read per page of an export.
const EXPORT_PAGE: i64 = 1000;

/// Households, persons, rental units and businesses of the user's grids (or of
/// one grid inside them) as CSV, one column per declared field. ID numbers and
/// phones are whole only for a role that may reveal them, masked otherwise; the
/// export is audited with who, what, the grid and the row count.
pub async fn export_entities(
    State(s): State<AppState>,
    c: Console,
    Query(q): Query<Pairs>,
) -> Response {
    let p = Params(q);
    let l = c.lang.lang;
    let full = c.user.role.may_reveal_personal_data();
    let sc = scope(&c);
    let grid = p.get("grid").map(String::from);
    let user = c.user.name.clone();
    let res = blocking(move || {
        // Every declared field once, in the order the kinds declare them.
        let mut columns: Vec<&'static str> = Vec::new();
        let mut head = vec![
            Msg::Record.text(l),
            Msg::RecordId.text(l),
            Msg::AddressCode.text(l),
            Msg::Address.text(l),
        ];
        for kind in EntityKind::ALL {
            for f in kind.fields() {
                if !columns.contains(&f.name) {
                    columns.push(f.name);
                    head.push(f.label(l).to_string());
                }
            }
        }
        let mut w = crate::spreadsheet::writer(Vec::new());
        let csv_err = |e: csv::Error| crate::ApiError::internal(e.to_string());
        crate::spreadsheet::record(&mut w, &head).map_err(csv_err)?;
        let path = match &grid {
            Some(g) => {
                s.db.read(|tx| rules::grids::grid_path(tx, g).map_err(Into::into))?
                    .filter(|p| sc.covers(p))
                    .ok_or_else(missing)?
            }
            None => sc.path.clone(),
        };
        let mut n = 0u64;
        let mut after = (String::new(), String::new(), String::new());
        loop {
            let rows =
                s.db.read(|tx| query::entities_after(tx, &path, &after, EXPORT_PAGE))?;
            for (k, id, addr, body, text) in &rows {
                let Some(kind) = EntityKind::parse(k) else {
                    continue;
                };
                let fields = body.pointer("/state/fields");
                let mut cells = vec![
                    kind.label(l).to_string(),
                    id.clone(),
                    addr.clone(),
                    text.clone(),
                ];
                // Values as the page reads them (labels for codes); identifiers
                // whole only for a role that may reveal them.
                cells.extend(columns.iter().map(|name| {
                    let v = fields.and_then(|f| f.get(*name)).unwrap_or(&Value::Null);
                    match kind.field(name) {
                        Some(spec) if full && spec.identifier().is_some() => value_text(v),
                        Some(spec) => spec.display(v, l),
                        None => value_text(v),
                    }
                }));
                crate::spreadsheet::record(&mut w, &cells).map_err(csv_err)?;
                n += 1;
            }
            match rows.last() {
                Some((k, id, addr, _, _)) if rows.len() as i64 == EXPORT_PAGE => {
                    after = (addr.clone(), k.clone(), id.clone());
                }
                _ => break,
            }
        }
        s.db.write_as(|tx| {
            rules::audit::audit(
                tx,
                &user,
                Some(CONSOLE_DEVICE),
                "export",
                "entities",
                "entities.csv",
                Some(&serde_json::json!({ "grid": path, "rows": n, "full": full })),
            )
        })?;
        w.into_inner()
            .map_err(|e| crate::ApiError::internal(e.to_string()))
    })
    .await;
    let stamp = super::html::date(now_ms()).replace('-', "");
    match res {
        Ok(body) => {
            let mut r = Response::new(axum::body::Body::from(body));
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("attachment; filename=\"entities-{stamp}.csv\""))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => c.finish(Err(e)),
    }
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

pub async fn plates(
    State(s): State<AppState>,
    c: Console,
    headers: axum::http::HeaderMap,
    Query(q): Query<Pairs>,
) -> Response {
    // Plates point at the address `sign-plates --base-url` set, else at this host.
    let host_base = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        })
        .map(|h| format!("https://{h}"));
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
            let base = rules::plates::url_base(tx)?
                .or(host_base)
                .unwrap_or_default();
            let rows = query::addresses_page(tx, &path, page, PLATES_PER_SHEET + 1)?;
            let name = query::grid_name(tx, &grid)?.unwrap_or_default();
            Ok((issuer, base, rows, name, grid))
        })
    })
    .await;
    let (issuer, base, rows, grid_name, grid) = match res {
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
            let signed = issuer.sign_url(&base, &plate).ok()?;
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
