//! Enrollment: a one-time code exchanged for this device's identity, token and
//! the trusted plate issuers, and only then the device store created.

use std::path::Path;

use super::transport::Http;
use super::{CancelHandle, META_SERVER_URL, META_TOKEN, normalise_url};
use crate::clock::hlc::Hlc;
use crate::error::{Error, Result};
use crate::error::{Input, Invalid};
use crate::plate::IssuerPublicKey;
use crate::store::db::DbKey;
use crate::store::{self, Identity, Store};
use crate::wire::{self, EnrollRequest, EnrollResponse};

/// Enroll this device with a one-time code and create its store in `dir` with the
/// identity the server assigns. An existing store is refused before any request.
pub fn enroll(
    dir: &Path,
    key: &DbKey,
    server_url: &str,
    code: &str,
    device_name: &str,
) -> Result<Store> {
    if Store::exists(dir) {
        return Err(Error::AlreadyInitialised(dir.to_path_buf()));
    }
    let base = normalise_url(server_url)?;
    let (resp, sent_raw) = request_enrollment(&base, code, device_name)?;
    // Check everything before creating anything.
    let issuers = resp
        .issuer_keys
        .iter()
        .map(|h| IssuerPublicKey::from_hex(h))
        .collect::<Result<Vec<_>, _>>()?;
    if resp.token.is_empty() {
        return Err(Error::invalid(Input::Token, Invalid::Required));
    }
    let identity = Identity {
        device_id: resp.device_id.clone(),
        user: resp.user.clone(),
        role: resp.role,
        grid_scope: resp.grid_scope.clone(),
    };
    let store = Store::init(dir, key, identity)?;
    store.write(|t| {
        store::meta::meta_put(&t.tx, META_SERVER_URL, &base)?;
        store::meta::meta_put(&t.tx, META_TOKEN, &resp.token)?;
        if let Some(grid_path) = &resp.grid_path {
            store::cases::set_scope(
                &t.tx,
                &store::CaseScope {
                    grid_path: grid_path.clone(),
                    department: resp.department.clone(),
                },
            )?;
        }
        let mut keys = store::meta::issuer_keys(&t.tx)?;
        for k in &issuers {
            if !keys.contains(k) {
                keys.push(*k);
            }
        }
        let hexes: Vec<String> = keys.iter().map(|k| k.to_hex()).collect();
        store::meta::meta_put(
            &t.tx,
            store::meta::META_ISSUERS,
            &serde_json::to_string(&hexes)?,
        )?;
        let ids: Vec<String> = issuers.iter().map(|k| k.key_id()).collect();
        t.audit(
            "enroll",
            "device",
            &t.me.device_id,
            Some(&serde_json::json!({ "server_url": base, "issuers": ids })),
        )
    })?;
    if resp.server_time > 0 {
        store.observe_server_time(resp.server_time, sent_raw, store::now_ms())?;
        store.observe_hlc(&Hlc {
            wall_ms: resp.server_time,
            counter: 0,
            node: "server".into(),
        })?;
    }
    Ok(store)
}

/// `POST /v1/enroll` with a one-time code; the answer and this device's clock
/// when the request went out (to measure the offset from the server's clock).
pub(super) fn request_enrollment(
    base: &str,
    code: &str,
    device_name: &str,
) -> Result<(EnrollResponse, i64)> {
    if code.trim().is_empty() {
        return Err(Error::invalid(Input::EnrollmentCode, Invalid::Required));
    }
    let cancel = CancelHandle::new();
    let http = Http::new(base, None, &cancel);
    let req = EnrollRequest {
        code: code.trim().to_string(),
        device_name: device_name.to_string(),
        wire_version: Some(wire::WIRE_VERSION),
    };
    let sent_raw = store::now_ms();
    Ok((http.post_json("/v1/enroll", &req)?, sent_raw))
}
