//! The public page behind a door plate's URL (`/P/<payload>`): what a resident's
//! ordinary phone scan opens. The server verifies the plate, shows the public
//! part of its address (never personal data) and takes a 随手拍 report with an
//! optional photo and phone number, throttled per client and per plate. The
//! report lands in the grid's report inbox marked as a resident's.

mod msg;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use gridfield_core::i18n::Lang;
use gridfield_core::model::{Address, ReportStatus};
use gridfield_core::photo::ImageType;
use gridfield_core::plate::{self, PlateError};
use gridfield_core::record::{Delivery, RecordKind};
use gridfield_core::records::Report;
use gridfield_core::report::ReportSource;
use serde_json::json;

use crate::api::client::ClientAddr;
use crate::console::{AppState, blocking};
use crate::db::RowExt as _;
use crate::db::records;
use crate::error::{ApiError, Result};
use crate::rules::{self, now_ms, photos::MAX_BLOB_BYTES};
pub use msg::Msg;

/// Who files a resident's report (no user of ours) and from where.
pub const RESIDENT_REPORTER: &str = "resident";
pub const PUBLIC_DEVICE: &str = "public-page";

/// The form may carry one photo at the limit, with room for its text fields; a
/// larger body is cut off while reading and answered as an oversized photo.
const MAX_BODY_BYTES: usize = MAX_BLOB_BYTES as usize + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/p/{payload}", get(page).post(report))
        .route("/P/{payload}", get(page).post(report))
        .route("/public/plate.css", get(css))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("plate.css"),
    )
        .into_response()
}

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    lang: Option<String>,
    sent: Option<String>,
}

fn lang_of(q: &PageQuery) -> Lang {
    match q.lang.as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// The public part of a plate's address.
struct PublicAddress {
    text: String,
    grid: String,
    community: String,
    code: String,
}

/// What the page shows for a plate: its address, or why it has none.
enum Found {
    Address(PublicAddress),
    NotRegistered,
    Rejected(PlateError),
}

#[derive(Template)]
#[template(path = "public/plate.html")]
struct PlatePage {
    lang: Lang,
    html_lang: &'static str,
    found_address: Option<PublicAddress>,
    notice: Option<String>,
    error: Option<String>,
    rejected: Option<String>,
    action: String,
    text: String,
    phone: String,
}

impl PlatePage {
    fn t(&self, m: Msg) -> String {
        m.text(self.lang)
    }
}

fn find(tx: &mut dyn crate::db::Tx, payload: &str) -> Result<Found> {
    let trusted: Vec<_> = rules::plates::existing_public_key(tx)?
        .into_iter()
        .collect();
    let verified = match plate::verify_compact(payload, &trusted) {
        Ok(v) => v,
        Err(e) => return Ok(Found::Rejected(e)),
    };
    let code = verified.data.address_code;
    let Some(rec) = records::get(tx, RecordKind::Address, &code)? else {
        return Ok(Found::NotRegistered);
    };
    let a: Address = rec.doc()?;
    let grid = tx
        .query_one(
            "SELECT name, parent_code FROM grids WHERE code = $1",
            &[a.grid_code.clone().into()],
        )?
        .map(|r| Ok::<_, ApiError>((r.text(0)?, r.opt_text(1))))
        .transpose()?;
    let (grid_name, parent) = grid.unwrap_or_default();
    let community = match parent {
        Some(p) => tx
            .query_one("SELECT name FROM grids WHERE code = $1", &[p.into()])?
            .map(|r| r.text(0))
            .transpose()?
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Found::Address(PublicAddress {
        text: a.full_text,
        grid: grid_name,
        community,
        code,
    }))
}

fn render(status: StatusCode, page: &PlatePage) -> Response {
    match page.render() {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!("public template: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

struct Shown {
    notice: Option<String>,
    error: Option<String>,
    text: String,
    phone: String,
}

fn show(lang: Lang, payload: &str, found: Found, s: Shown, status: StatusCode) -> Response {
    let (found_address, rejected, status) = match found {
        Found::Address(a) => (Some(a), None, status),
        Found::NotRegistered => (
            None,
            Some(Msg::NotRegistered.text(lang)),
            StatusCode::NOT_FOUND,
        ),
        Found::Rejected(e) => (
            None,
            Some(format!(
                "{}{}{}",
                Msg::Rejected.text(lang),
                lang.pick("：", ": "),
                e.message(lang)
            )),
            StatusCode::BAD_REQUEST,
        ),
    };
    let page = PlatePage {
        lang,
        html_lang: if lang == Lang::En { "en" } else { "zh-CN" },
        found_address,
        notice: s.notice,
        error: s.error,
        rejected,
        action: format!("/p/{}", crate::console::html::url(payload)),
        text: s.text,
        phone: s.phone,
    };
    render(status, &page)
}

async fn page(
    State(s): State<AppState>,
    Path(payload): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = lang_of(&q);
    let p = payload.clone();
    match blocking(move || s.db.read(|tx| find(tx, &p))).await {
        Ok(found) => {
            let notice = q.sent.is_some().then(|| Msg::Sent.text(lang));
            let shown = Shown {
                notice,
                error: None,
                text: String::new(),
                phone: String::new(),
            };
            show(lang, &payload, found, shown, StatusCode::OK)
        }
        Err(e) => unavailable(lang, e),
    }
}

fn unavailable(lang: Lang, e: ApiError) -> Response {
    tracing::error!("public plate page: {e}");
    (StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable.text(lang)).into_response()
}

/// What the form sent.
#[derive(Default)]
struct Form {
    text: String,
    phone: String,
    photo: Option<Vec<u8>>,
    photo_too_large: bool,
}

async fn read_form(mut m: Multipart) -> Form {
    let mut f = Form::default();
    loop {
        let field = match m.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // A body over the limit ends here: the photo was the large part.
            Err(_) => {
                f.photo_too_large = true;
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "photo" => match field.bytes().await {
                Ok(b) if b.is_empty() => {}
                Ok(b) => f.photo = Some(b.to_vec()),
                Err(_) => f.photo_too_large = true,
            },
            "text" | "phone" => {
                let v = field.text().await.unwrap_or_default();
                if name == "text" {
                    f.text = v;
                } else {
                    f.phone = v;
                }
            }
            _ => {}
        }
    }
    f
}

/// The form's problem, if any, in the resident's words.
fn check(f: &Form) -> Option<Msg> {
    let text = f.text.trim();
    if text.is_empty() {
        return Some(Msg::TextRequired);
    }
    if text.chars().count() > gridfield_core::text::REPORT_TEXT {
        return Some(Msg::TextTooLong {
            max: gridfield_core::text::REPORT_TEXT,
        });
    }
    let phone = f.phone.trim();
    if !phone.is_empty() && !gridfield_core::person::phone_is_valid(phone) {
        return Some(Msg::PhoneInvalid);
    }
    let too_large = Msg::PhotoTooLarge {
        mb: MAX_BLOB_BYTES / (1024 * 1024),
    };
    if f.photo_too_large {
        return Some(too_large);
    }
    if let Some(p) = &f.photo {
        if p.len() as u64 > MAX_BLOB_BYTES {
            return Some(too_large);
        }
        if ImageType::sniff(p).is_none() {
            return Some(Msg::PhotoNotImage);
        }
    }
    None
}

async fn report(
    State(s): State<AppState>,
    client: ClientAddr,
    Path(payload): Path<String>,
    Query(q): Query<PageQuery>,
    form: Multipart,
) -> Response {
    let lang = lang_of(&q);
    let form = read_form(form).await;
    let st = s.clone();
    let p = payload.clone();
    let found = match blocking(move || st.db.read(|tx| find(tx, &p))).await {
        Ok(f) => f,
        Err(e) => return unavailable(lang, e),
    };
    let Found::Address(addr) = found else {
        return show(
            lang,
            &payload,
            found,
            Shown {
                notice: None,
                error: None,
                text: form.text,
                phone: form.phone,
            },
            StatusCode::OK,
        );
    };
    if let Some(problem) = check(&form) {
        let status = match problem {
            Msg::PhotoTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Msg::PhotoNotImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        let shown = Shown {
            notice: None,
            error: Some(problem.text(lang)),
            text: form.text,
            phone: form.phone,
        };
        return show(lang, &payload, Found::Address(addr), shown, status);
    }
    // Every report that would be filed counts against its client and its plate (a
    // resident correcting a typo is not braked; a refused form writes nothing).
    let now = now_ms();
    for (throttle, key) in [
        (&s.throttles.public_report_client, client.key()),
        (&s.throttles.public_report_plate, addr.code.clone()),
    ] {
        if let Err(r) = throttle.attempt(&key, now) {
            let mut resp = show(
                lang,
                &payload,
                Found::Address(addr),
                Shown {
                    notice: None,
                    error: Some(Msg::TooMany { seconds: r.seconds }.text(lang)),
                    text: form.text,
                    phone: form.phone,
                },
                StatusCode::TOO_MANY_REQUESTS,
            );
            if let Ok(v) = r.seconds.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return resp;
        }
    }
    let code = addr.code.clone();
    let saved = blocking(move || s.db.write(|tx| file_report(tx, &code, &addr.text, &form))).await;
    match saved {
        Ok(()) => {
            let en = if lang == Lang::En { "&lang=en" } else { "" };
            Redirect::to(&format!(
                "/p/{}?sent=1{en}",
                crate::console::html::url(&payload)
            ))
            .into_response()
        }
        Err(e) => unavailable(lang, e),
    }
}

/// File the report (and its photo) in the address's grid, marked as a resident's.
fn file_report(tx: &mut dyn crate::db::Tx, code: &str, address_text: &str, f: &Form) -> Result<()> {
    let path = records::address_path(tx, code)?.ok_or_else(|| ApiError::not_found("address"))?;
    let mut photos = Vec::new();
    if let Some(bytes) = &f.photo {
        let kind = ImageType::sniff(bytes).ok_or_else(|| ApiError::internal("photo checked"))?;
        let hash = rules::sha256_hex(bytes);
        tx.execute(
            "INSERT INTO blobs (hash, size, mime, data, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
            &[hash.clone().into(), (bytes.len() as i64).into(), kind.mime().into(), crate::db::SqlValue::Blob(bytes.clone()), now_ms().into()],
        )?;
        photos.push(hash);
    }
    let phone = f.phone.trim();
    let report = Report {
        location: None,
        id: uuid::Uuid::new_v4().to_string(),
        address_code: code.to_string(),
        address_text: address_text.to_string(),
        text: f.text.trim().to_string(),
        photos,
        reporter: RESIDENT_REPORTER.into(),
        device_id: PUBLIC_DEVICE.into(),
        status: ReportStatus::Pending,
        points: 0,
        decision_note: None,
        hazard_id: None,
        created_at: now_ms(),
        delivery: Delivery::Server,
        source: ReportSource::Resident,
        contact_phone: (!phone.is_empty()).then(|| phone.to_string()),
        category: None,
    };
    records::put(
        tx,
        RecordKind::Report,
        &report.id,
        &path,
        Some(code),
        &json!(report),
    )?;
    Ok(())
}
