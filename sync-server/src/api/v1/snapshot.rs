//! `GET /v1/snapshot`: the bootstrap of an empty or repaired replica. The same
//! scope and role filtering as `/v1/pull` (`rules::snapshot`, on the pull's
//! rules), in pages of thousands of changes encoded as MessagePack with zstd
//! (`wire::snapshot`). A page's `cursor` is where the next one begins; the last
//! page's is the pull cursor the device continues from (`docs/SYNC.md`).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gridfield_core::wire::{self, PullResponse, snapshot};
use serde::Deserialize;

use crate::api::error::ApiQuery;
use crate::api::router::{AppState, Device, blocking};
use crate::error::{ApiError, Result};
use crate::rules;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SnapshotParams {
    /// Where this page begins: the `cursor` of the previous page; absent: from the start.
    cursor: Option<String>,
    /// The highest position any answer gave the device, as with `/v1/pull`: a
    /// server restored since answers `server_restored`.
    seen: Option<String>,
    /// `1`: the app holds cases (事件), as with `/v1/pull`.
    #[param(minimum = 0, maximum = 1)]
    cases: Option<u8>,
    /// Changes per page (at most 5000; default 5000).
    #[param(minimum = 0)]
    limit: Option<u32>,
}

/// One page of the device's scope for a bootstrap. The first page (no
/// `cursor`) also carries the taxonomies, visit rules and legacy plate
/// mappings of the scope, whole; later pages only records.
#[utoipa::path(get, path = "/v1/snapshot", tag = "sync", security(("bearer" = [])),
    params(SnapshotParams),
    responses(
        (status = 200, description = "a page as in `/v1/pull` (`PullResponse`), encoded as MessagePack (field names kept) and compressed with zstd; `cursor` names where the next page begins and, after the last page (`more` false), the position the incremental pull continues from", body = PullResponse, content_type = "application/vnd.gridfield.snapshot+msgpack+zstd"),
        (status = 400, description = "`bad_query` or a malformed cursor", body = wire::ErrorBody),
        (status = 409, description = "`server_restored` (a cursor or `seen` from another database or epoch, or past its head: the server was restored; the device re-uploads and starts over) or `device_cloned`", body = wire::ErrorBody),
    ))]
pub async fn snapshot(
    State(s): State<AppState>,
    Device(d): Device,
    ApiQuery(p): ApiQuery<SnapshotParams>,
) -> Result<Response> {
    let first = p.cursor.is_none();
    let body = blocking(move || {
        let held = if first {
            rules::pull::Held {
                taxonomies: Some(""),
                visit_rules: Some(0),
                legacy_plates: Some(""),
            }
        } else {
            rules::pull::Held::default()
        };
        let limit = p
            .limit
            .unwrap_or(snapshot::MAX_SNAPSHOT_LIMIT)
            .clamp(1, snapshot::MAX_SNAPSHOT_LIMIT);
        let cases = p.cases == Some(1);
        let page = match p.cursor.as_deref() {
            // A bootstrap begun before keyset pages goes on by `seq`.
            Some(c) if !rules::snapshot::is_token(c) => {
                rules::pull::feed_page(&s, &d, Some(c), p.seen.as_deref(), held, cases, limit)?
            }
            token => rules::snapshot::page(&s, &d, token, p.seen.as_deref(), held, cases, limit)?,
        };
        snapshot::encode_page(&page).map_err(|e| ApiError::internal(e.to_string()))
    })
    .await?;
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(snapshot::SNAPSHOT_CONTENT_TYPE),
    );
    // Already compressed: the gzip layer leaves an encoded body alone.
    h.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    Ok(r)
}
