//! 地图 (the map): the grid polygons of the user's scope and what lies in them —
//! open hazards and open cases coloured by severity and overdue, inspections and
//! reports — drawn by Leaflet (vendored, served by this server) from
//! `/console/map/data`, which takes the list pages' filters (`list::filter_from`).
//! A marker links to its record's page. Base-map tiles are a deployment setting;
//! without one the map draws the polygons alone.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridfield_core::case::CaseStatus;
use gridfield_core::checklist::Severity;
use gridfield_core::grid::GridScope;
use gridfield_core::hazard::{HazardStatus, is_overdue};
use gridfield_core::i18n::Lang;
use gridfield_core::model::{ReportStatus, ReviewStatus};
use gridfield_core::record::RecordKind;
use serde::Serialize;
use serde_json::Value;

use super::forms::{Pairs, Params};
use super::html::{self, Choice, Frame, Nav, choices, render};
use super::list::{filter_from, filter_query, grid_choices, scope};
use super::map_msg::MapMsg;
use super::msg::Msg;
use super::query::{self, Filter};
use super::{AppState, Console, blocking};
use crate::db::records;
use crate::db::{RowExt, SqlValue as V, Tx};
use crate::error::{ApiError, Result};
use crate::rules::grid_boundaries::{self, GridPolygon};
use crate::rules::{self, now_ms};

/// Located records read per layer, newest first: a town's open hazards fit;
/// inspections and reports beyond this are the older ones, and the page says so.
pub const LAYER_CAP: i64 = 1000;

/// The base-map tile setting (`serve --map-tiles`, `GRIDFIELD_MAP_TILES`): a URL
/// template with `{z}`, `{x}` and `{y}`, and the Content-Security-Policy that lets
/// the console's pages load images from its host.
#[derive(Debug, Clone)]
pub struct MapTiles {
    pub template: String,
    pub csp: HeaderValue,
}

impl MapTiles {
    /// `None` for no setting; an error naming what is wrong with a bad one.
    pub fn parse(template: Option<&str>) -> std::result::Result<Option<MapTiles>, ApiError> {
        let Some(t) = template.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let bad = |why: &str| {
            ApiError::bad_request(
                "bad_map_tiles",
                format!("--map-tiles: {why} (e.g. https://tiles.example.cn/{{z}}/{{x}}/{{y}}.png)"),
            )
        };
        let rest = t
            .strip_prefix("https://")
            .map(|r| ("https://", r))
            .or_else(|| t.strip_prefix("http://").map(|r| ("http://", r)));
        let Some((scheme, rest)) = rest else {
            return Err(bad("the template must start with https:// or http://"));
        };
        if !(t.contains("{z}") && t.contains("{x}") && t.contains("{y}")) {
            return Err(bad("the template must contain {z}, {x} and {y}"));
        }
        let host = rest.split(['/', '?']).next().unwrap_or("");
        // Leaflet's `{s}` picks a subdomain (`t{s}.tianditu.gov.cn`): the policy
        // allows every subdomain of the rest, the only wildcard CSP knows.
        let host = match host.split_once('.') {
            Some((first, rest)) if first.contains("{s}") => format!("*.{rest}"),
            _ => host.to_string(),
        };
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:*".contains(c));
        if !host_ok {
            return Err(bad("the host is not a plain host name"));
        }
        let csp = super::headers::CSP
            .replace("img-src 'self'", &format!("img-src 'self' {scheme}{host}"));
        let csp =
            HeaderValue::from_str(&csp).map_err(|_| bad("the host is not a plain host name"))?;
        Ok(Some(MapTiles {
            template: t.to_string(),
            csp,
        }))
    }
}

/// One marker: a record with a location.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Marker {
    /// `hazard`, `case`, `inspection` or `report` (the layer it belongs to).
    pub layer: &'static str,
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    /// What a tooltip says, in the page's language.
    pub label: String,
    /// CSS classes: layer, severity and overdue.
    pub class: String,
    pub href: String,
}

/// What `/console/map/data` answers.
#[derive(Debug, Clone, Serialize)]
pub struct MapData {
    pub grids: Vec<GridPolygon>,
    pub markers: Vec<Marker>,
    /// Layers whose newest `LAYER_CAP` records were read and older ones left out.
    pub capped: Vec<&'static str>,
    /// The address a map was asked for (`address=`): `[lat, lon]`.
    pub address: Option<[f64; 2]>,
    /// The base-map tile template, when the deployment has one.
    pub tiles: Option<String>,
}

/// The polygons and markers of a scope under a filter.
pub fn data(
    tx: &mut dyn Tx,
    sc: &GridScope,
    p: &Params,
    now: i64,
    escalate_ms: i64,
    lang: Lang,
) -> Result<MapData> {
    let mut path = sc.path.clone();
    if let Some(g) = p.get("grid")
        && let Some(gp) = rules::grids::grid_path(tx, g)?
        && sc.covers(&gp)
    {
        path = gp;
    }
    // An address page's map: the address's own grid, and the address as a point.
    let mut address = None;
    if p.get("grid").is_none()
        && let Some(code) = p.get("address")
        && let Some(a) = records::get(tx, RecordKind::Address, code)?
        && sc.covers(&a.grid_path)
    {
        path = a.grid_path.clone();
        let at = |k: &str| a.body.get(k).and_then(Value::as_f64);
        address = at("lat").zip(at("lon")).map(|(lat, lon)| [lat, lon]);
    }
    let grids = grid_boundaries::in_scope(tx, &GridScope::new(&path))?;
    let mut markers = Vec::new();
    let mut capped = Vec::new();
    let taxonomy = rules::taxonomy::hazard(tx)?;
    // A hazard filter (category, severity, overdue) asks about hazards: the other
    // layers stay empty rather than show records the filter cannot describe.
    let hazards_only = ["category", "severity", "overdue", "escalated"]
        .iter()
        .any(|k| p.get(k).is_some());
    for kind in [
        RecordKind::Hazard,
        RecordKind::Case,
        RecordKind::Inspection,
        RecordKind::Report,
    ] {
        if hazards_only && kind != RecordKind::Hazard {
            continue;
        }
        let mut f = filter_from(kind, p, now, escalate_ms);
        if kind != RecordKind::Hazard {
            f.category = None;
            f.severity = None;
            f.status = None;
        }
        let open_only = match kind {
            RecordKind::Hazard => f.status.is_none(),
            RecordKind::Case => true,
            _ => false,
        };
        let rows = layer(tx, sc, &f, open_only)?;
        if rows.len() as i64 >= LAYER_CAP {
            capped.push(kind.as_str());
        }
        for r in rows {
            if let Some(m) = marker(kind, r, now, lang, &taxonomy) {
                markers.push(m);
            }
        }
    }
    Ok(MapData {
        grids,
        markers,
        capped,
        address,
        tiles: None,
    })
}

/// A layer's records under a filter, newest first, at most `LAYER_CAP`.
fn layer(tx: &mut dyn Tx, sc: &GridScope, f: &Filter, open_only: bool) -> Result<Vec<Located>> {
    let (mut w, mut params) = if f.kind == RecordKind::Case {
        // Cases keep their own columns (`case_status`, `case_at`).
        let mut f = f.clone();
        let (from, to) = (f.from.take(), f.to.take());
        let (mut w, mut params) = query::where_clause(tx, sc, &f)?;
        for (cond, v) in [("case_at >=", from), ("case_at <", to)] {
            if let Some(v) = v {
                params.push(v.into());
                w.push_str(&format!(" AND {cond} ${}", params.len()));
            }
        }
        (w, params)
    } else {
        query::where_clause(tx, sc, f)?
    };
    let order = if f.kind == RecordKind::Case {
        "case_at"
    } else {
        "at"
    };
    if open_only {
        let closed: Vec<&str> = if f.kind == RecordKind::Case {
            vec![
                CaseStatus::Declined.as_str(),
                CaseStatus::Closed.as_str(),
                CaseStatus::Evaluated.as_str(),
            ]
        } else {
            vec![HazardStatus::Closed.as_str()]
        };
        let column = if f.kind == RecordKind::Case {
            "case_status"
        } else {
            "status"
        };
        let mut marks = Vec::new();
        for c in closed {
            params.push(c.into());
            marks.push(format!("${}", params.len()));
        }
        w.push_str(&format!(" AND {column} NOT IN ({})", marks.join(", ")));
    }
    params.push(V::Int(LAYER_CAP));
    // Only located records, from the columns the map needs (no documents opened).
    let rows = tx.query(
        &format!(
            "SELECT id, map_lat, map_lon, COALESCE(status, case_status), category, severity,
                    COALESCE(due_at, case_due)
             FROM records WHERE {w} AND map_lat IS NOT NULL AND map_lon IS NOT NULL
             ORDER BY {order} DESC, id LIMIT ${}",
            params.len()
        ),
        &params,
    )?;
    let real = |v: Option<&V>| match v {
        Some(V::Real(x)) => Some(*x),
        Some(V::Int(n)) => Some(*n as f64),
        _ => None,
    };
    rows.iter()
        .map(|r| {
            Ok(Located {
                id: r.text(0)?,
                lat: real(r.get(1)).unwrap_or_default(),
                lon: real(r.get(2)).unwrap_or_default(),
                status: r.opt_text(3).unwrap_or_default(),
                category: r.opt_text(4).unwrap_or_default(),
                severity: r.opt_text(5).unwrap_or_default(),
                due: r.opt_int(6),
            })
        })
        .collect()
}

/// A located record as the map reads it (`records`' generated columns).
struct Located {
    id: String,
    lat: f64,
    lon: f64,
    /// Review status, hazard, report or case status by kind.
    status: String,
    category: String,
    severity: String,
    /// A hazard's or a case's deadline.
    due: Option<i64>,
}

fn marker(
    kind: RecordKind,
    r: Located,
    now: i64,
    lang: Lang,
    taxonomy: &gridfield_core::taxonomy::Taxonomy,
) -> Option<Marker> {
    let mut class = format!("mk mk-{}", kind.as_str());
    let mut label = vec![kind.label(lang).to_string()];
    let (path, overdue) = match kind {
        RecordKind::Hazard => {
            label.push(taxonomy.category_label(&r.category, lang));
            if let Some(s) = Severity::parse(&r.severity) {
                class.push_str(&format!(" sev-{}", s.as_str()));
                label.push(s.label(lang).to_string());
            }
            let st = HazardStatus::parse(&r.status)?;
            label.push(st.label(lang).to_string());
            ("hazards", is_overdue(st, r.due, now))
        }
        RecordKind::Case => {
            let st = CaseStatus::parse(&r.status)?;
            label.push(st.label(lang).to_string());
            ("cases", st.is_open() && r.due.is_some_and(|d| d < now))
        }
        RecordKind::Inspection => {
            if let Some(s) = ReviewStatus::parse(&r.status) {
                label.push(s.label(lang).to_string());
            }
            ("inspections", false)
        }
        _ => {
            if let Some(s) = ReportStatus::parse(&r.status) {
                label.push(s.label(lang).to_string());
            }
            ("reports", false)
        }
    };
    if overdue {
        class.push_str(" overdue");
        label.push(Msg::Overdue.text(lang));
    }
    Some(Marker {
        layer: kind.as_str(),
        href: format!("/console/{path}/{}", html::url(&r.id)),
        id: r.id,
        lat: r.lat,
        lon: r.lon,
        label: label.join(" · "),
        class,
    })
}

/// `/console/map/data`: the polygons and markers as JSON.
pub async fn data_json(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let sc = scope(&c);
    let lang = c.lang.lang;
    let after = s.console.escalate_after_ms;
    let tiles = s.console.map_tiles.as_ref().map(|t| t.template.clone());
    let res = blocking(move || s.db.read(|tx| data(tx, &sc, &p, now_ms(), after, lang))).await;
    match res {
        Ok(mut d) => {
            d.tiles = tiles;
            (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                serde_json::to_string(&d).unwrap_or_default(),
            )
                .into_response()
        }
        Err(e) => c.finish(Err(e)),
    }
}

#[derive(Template)]
#[template(path = "console/map.html")]
struct MapPage<'a> {
    frame: Frame<'a>,
    grids: Vec<Choice>,
    categories: Vec<Choice>,
    severities: Vec<Choice>,
    overdue_only: bool,
    from: String,
    to: String,
    data_src: String,
    legend: Vec<(&'static str, String)>,
}

impl MapPage<'_> {
    fn m(&self, m: MapMsg) -> String {
        m.text(self.frame.lang)
    }
}

/// `/console/map`: the filter form, the map and its legend.
pub async fn page(State(s): State<AppState>, c: Console, Query(q): Query<Pairs>) -> Response {
    let p = Params(q);
    let l = c.lang.lang;
    let sc = scope(&c);
    let res = blocking(move || {
        s.db.read(|tx| {
            Ok((
                query::grids_in_scope(tx, &sc)?,
                rules::taxonomy::hazard(tx)?,
            ))
        })
    })
    .await;
    let (grids, taxonomy) = match res {
        Ok(v) => v,
        Err(e) => return c.finish(Err(e)),
    };
    let fq = filter_query(&p);
    let page = MapPage {
        frame: Frame::new(l, Some(&c.user), Nav::Map, Msg::Map(MapMsg::Title)),
        grids: grid_choices(&grids, p.get("grid")),
        categories: choices(
            taxonomy
                .categories
                .iter()
                .map(|x| (x.code.clone(), x.label(l).to_string()))
                .collect(),
            p.get("category"),
        ),
        severities: choices(
            Severity::ALL
                .iter()
                .map(|x| (x.as_str().to_string(), x.label(l).to_string()))
                .collect(),
            p.get("severity"),
        ),
        overdue_only: p.get("overdue").is_some(),
        from: p.get("from").unwrap_or("").to_string(),
        to: p.get("to").unwrap_or("").to_string(),
        data_src: format!("/console/map/data?{fq}"),
        legend: legend(l),
    };
    render(c.lang, StatusCode::OK, &page)
}

/// The legend's swatches: a CSS class and what it means.
pub fn legend(l: Lang) -> Vec<(&'static str, String)> {
    let hazard = |s: Severity| format!("{} · {}", MapMsg::OpenHazards.text(l), s.label(l));
    vec![
        ("mk-hazard sev-critical", hazard(Severity::Critical)),
        ("mk-hazard sev-high", hazard(Severity::High)),
        ("mk-hazard sev-medium", hazard(Severity::Medium)),
        ("mk-hazard sev-low", hazard(Severity::Low)),
        ("mk-hazard overdue", Msg::Overdue.text(l)),
        ("mk-case", MapMsg::OpenCases.text(l)),
        ("mk-inspection", MapMsg::Inspections.text(l)),
        ("mk-report", MapMsg::Reports.text(l)),
    ]
}

/// Leaflet 1.9.4 (BSD-2-Clause), vendored under `static/vendor/leaflet/`.
pub async fn leaflet_js() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_bytes!("static/vendor/leaflet/leaflet.js"),
    )
}

pub async fn leaflet_css() -> Response {
    static_file(
        "text/css; charset=utf-8",
        include_bytes!("static/vendor/leaflet/leaflet.css"),
    )
}

/// The console's map script (draws `/console/map/data` with Leaflet).
pub async fn map_js() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_bytes!("static/map.js"),
    )
}

fn static_file(kind: &'static str, bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::MapTiles;

    #[test]
    fn a_tile_template_names_its_host_in_the_policy() {
        let t = MapTiles::parse(Some(
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k",
        ))
        .unwrap()
        .unwrap();
        let csp = t.csp.to_str().unwrap();
        assert!(
            csp.contains("img-src 'self' https://*.tianditu.gov.cn;"),
            "{csp}"
        );
        let t = MapTiles::parse(Some("http://10.0.0.5:8081/{z}/{x}/{y}.png"))
            .unwrap()
            .unwrap();
        assert!(
            t.csp
                .to_str()
                .unwrap()
                .contains("img-src 'self' http://10.0.0.5:8081;")
        );
        assert!(MapTiles::parse(None).unwrap().is_none());
        assert!(MapTiles::parse(Some("  ")).unwrap().is_none());
    }

    #[test]
    fn a_bad_tile_template_is_refused_with_the_reason() {
        for bad in [
            "ftp://tiles.example.cn/{z}/{x}/{y}.png",
            "https://tiles.example.cn/{z}/{x}.png",
            "https://tiles example.cn/{z}/{x}/{y}.png",
            "https://'unsafe-inline'/{z}/{x}/{y}",
        ] {
            let e = MapTiles::parse(Some(bad)).unwrap_err();
            assert!(e.message.contains("--map-tiles"), "{bad}: {}", e.message);
        }
    }
}
