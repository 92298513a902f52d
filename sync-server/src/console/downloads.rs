//! Downloads: the filtered list exports (CSV, XLSX; streamed by `export`) and
//! photos, each served only inside the user's grids.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use gridfield_core::record::RecordKind;

use super::errors::not_found;
use super::export::{self, Format};
use super::forms::{Pairs, Params};
use super::html;
use super::list::{filter_from, filter_query, scope};
use super::{AppState, Console, blocking};
use crate::rules::{self, now_ms};

pub async fn export(
    State(s): State<AppState>,
    c: Console,
    Path(file): Path<String>,
    Query(q): Query<Pairs>,
) -> Response {
    let (kind, format) = match file.as_str() {
        "inspections.csv" => (RecordKind::Inspection, Format::Csv),
        "inspections.xlsx" => (RecordKind::Inspection, Format::Xlsx),
        "hazards.csv" => (RecordKind::Hazard, Format::Csv),
        "hazards.xlsx" => (RecordKind::Hazard, Format::Xlsx),
        "reports.csv" => (RecordKind::Report, Format::Csv),
        "reports.xlsx" => (RecordKind::Report, Format::Xlsx),
        _ => return not_found(c.lang, Some(&c.user)),
    };
    let p = Params(q);
    let f = filter_from(kind, &p, now_ms(), s.console.escalate_after_ms);
    // Every export is audited: who, which file, the filter and how many rows.
    let (s2, sc, user, what) = (s.clone(), scope(&c), c.user.name.clone(), file.clone());
    let detail = serde_json::json!({ "filter": filter_query(&p) });
    let f2 = f.clone();
    let audited = blocking(move || {
        // Counted in a read snapshot: the write lock is held only for the row.
        let mut detail = detail;
        detail["rows"] = s2.db.read(|tx| super::query::count(tx, &sc, &f2))?.into();
        s2.db.write(|tx| {
            Ok(rules::audit::audit(
                tx,
                &user,
                Some(rules::CONSOLE_DEVICE),
                "export",
                kind.as_str(),
                &what,
                Some(&detail),
            )?)
        })
    })
    .await;
    if let Err(e) = audited {
        return c.finish(Err(e));
    }
    let stamp = html::date(now_ms()).replace('-', "");
    let (ctype, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let body = export::stream(s.clone(), scope(&c), f, format, c.lang.lang);
    (
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{kind}s-{stamp}.{ext}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

pub async fn photo(State(s): State<AppState>, c: Console, Path(hash): Path<String>) -> Response {
    if !gridfield_core::photo::is_valid_hash(&hash) {
        return not_found(c.lang, Some(&c.user));
    }
    // The device API's rule and response: a photo only when a record the user
    // may see refers to it, served as the image its bytes are.
    let (h2, who) = (hash.clone(), c.user.ctx());
    let found = blocking(move || s.db.read(|tx| Ok(rules::photos::download(tx, &h2, &who)?))).await;
    match found {
        Ok(Some(b)) => crate::api::v1::blobs::photo_response(&hash, b),
        Ok(None) => not_found(c.lang, Some(&c.user)),
        Err(e) => c.finish(Err(e)),
    }
}
