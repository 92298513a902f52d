//! Devices: single-use enrollment codes bound to a user, a role and a grid
//! subtree; enrollment that turns a code into a device token; authentication of
//! every request by that token; revocation.

use gridfield_core::grid::GridScope;
use gridfield_core::model::Role;
use gridfield_core::wire::{self, EnrollRequest, EnrollResponse};

use super::audit::audit;
use super::grids::{add_user, grid_path};
use super::{CONSOLE_DEVICE, Error, Result, now_ms, random_hex, sha256_hex};
use crate::db::{RowExt, Tx};
use crate::messages::Msg;

/// The authenticated device making a request.
#[derive(Debug, Clone)]
pub struct DeviceCtx {
    pub device_id: String,
    pub user: String,
    pub role: Role,
    pub grid_code: String,
    pub grid_path: String,
    /// The installation header the request carried (`install.rs`): checked inside
    /// the write transaction of each push and pull.
    pub install: Option<String>,
    /// The department (职能部门) a `department` user works for.
    pub department: Option<String>,
}

impl DeviceCtx {
    /// The grid subtree this device works in.
    pub fn scope(&self) -> GridScope {
        GridScope::new(&self.grid_path)
    }

    pub fn covers(&self, path: &str) -> bool {
        self.scope().covers(path)
    }

    /// A console user acting with their own role and grid scope: console decisions
    /// run through the same rules as a device's commands.
    pub fn console(user: &str, role: Role, grid_code: &str, grid_path: &str) -> DeviceCtx {
        DeviceCtx {
            device_id: CONSOLE_DEVICE.to_string(),
            user: user.to_string(),
            role,
            grid_code: grid_code.to_string(),
            grid_path: grid_path.to_string(),
            install: None,
            department: None,
        }
    }

    /// The same context for a department user.
    pub fn with_department(mut self, department: Option<String>) -> DeviceCtx {
        self.department = department;
        self
    }

    /// The actor of a case step: this user in this scope.
    pub fn case_actor(&self) -> gridfield_core::case::Actor<'_> {
        gridfield_core::case::Actor {
            user: &self.user,
            role: self.role,
            scope_path: &self.grid_path,
            department: self.department.as_deref(),
        }
    }
}

/// A single-use enrollment code bound to a user, a role and a grid subtree.
/// Returned once; only its hash is kept.
pub fn create_enroll_code(
    tx: &mut dyn Tx,
    user: &str,
    role: Role,
    grid: &str,
    ttl_ms: i64,
) -> Result<String> {
    add_user(tx, user, role, grid)?;
    let raw = random_hex(6)?.to_uppercase();
    let code = format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12]);
    let now = now_ms();
    tx.execute(
        "INSERT INTO enroll_codes (code_hash, user_name, role, grid_code, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[sha256_hex(code.as_bytes()).into(), user.into(), role.as_str().into(), grid.into(), now.into(), (now + ttl_ms).into()],
    )?;
    audit(tx, "admin", None, "enroll_code", "user", user, None)?;
    Ok(code)
}

pub fn enroll(tx: &mut dyn Tx, req: &EnrollRequest) -> Result<EnrollResponse> {
    let code = req.code.trim().to_uppercase();
    let row = tx
        .query_one(
            "SELECT user_name, role, grid_code, expires_at, used_at FROM enroll_codes WHERE code_hash = $1",
            &[sha256_hex(code.as_bytes()).into()],
        )?
        .ok_or_else(|| Error::unauthorized("invalid_code", Msg::UnknownEnrollCode.wire()))?;
    if row.opt_int(4).is_some() {
        return Err(Error::unauthorized("code_used", Msg::EnrollCodeUsed.wire()));
    }
    let now = now_ms();
    if row.int(3)? < now {
        return Err(Error::unauthorized(
            "code_expired",
            Msg::EnrollCodeExpired.wire(),
        ));
    }
    let (user, role_s, grid) = (row.text(0)?, row.text(1)?, row.text(2)?);
    let role = Role::parse(&role_s).ok_or_else(|| Error::internal("bad role in enroll_codes"))?;
    let path = grid_path(tx, &grid)?.ok_or_else(|| Error::internal("enroll code grid vanished"))?;
    let department = tx
        .query_one(
            "SELECT department FROM users WHERE name = $1",
            &[user.as_str().into()],
        )?
        .and_then(|r| r.opt_text(0));
    let device_id = uuid::Uuid::now_v7().to_string();
    let token = random_hex(32)?;
    let name: String = req.device_name.chars().take(64).collect();
    tx.execute(
        "INSERT INTO devices (id, token_hash, user_name, role, grid_code, grid_path, name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            device_id.as_str().into(),
            sha256_hex(token.as_bytes()).into(),
            user.as_str().into(),
            role.as_str().into(),
            grid.as_str().into(),
            path.as_str().into(),
            name.into(),
            now.into(),
        ],
    )?;
    tx.execute(
        "UPDATE enroll_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
        &[
            sha256_hex(code.as_bytes()).into(),
            now.into(),
            device_id.as_str().into(),
        ],
    )?;
    audit(
        tx,
        &user,
        Some(&device_id),
        "enroll",
        "device",
        &device_id,
        None,
    )?;
    let key = super::plates::issuer(tx)?.public_key();
    Ok(EnrollResponse {
        device_id,
        token,
        user,
        role,
        grid_scope: grid,
        grid_path: Some(path),
        department,
        issuer_keys: vec![key.to_hex()],
        wire_version: wire::WIRE_VERSION,
        server_time: now,
    })
}

/// A refused enrollment (unknown, used or expired code) in the audit trail: the
/// client address, the reason and the failures so far from that address. The
/// code itself is never kept.
pub fn audit_failure(tx: &mut dyn Tx, client: &str, reason: &str, failures: u32) -> Result<()> {
    let detail = serde_json::json!({ "reason": reason, "failures": failures });
    audit(
        tx,
        "-",
        None,
        "enroll_failed",
        "client",
        client,
        Some(&detail),
    )
}

pub fn authenticate(tx: &mut dyn Tx, token: &str) -> Result<DeviceCtx> {
    let row = tx
        .query_one(
            "SELECT d.id, d.user_name, d.role, d.grid_code, d.grid_path, d.revoked_at, u.department
             FROM devices d JOIN users u ON u.name = d.user_name WHERE d.token_hash = $1",
            &[sha256_hex(token.as_bytes()).into()],
        )?
        .ok_or_else(|| Error::unauthorized("unauthorized", Msg::InvalidToken.wire()))?;
    if row.opt_int(5).is_some() {
        return Err(Error::unauthorized(
            "device_revoked",
            Msg::DeviceRevoked.wire(),
        ));
    }
    Ok(DeviceCtx {
        device_id: row.text(0)?,
        user: row.text(1)?,
        role: Role::parse(&row.text(2)?).ok_or_else(|| Error::internal("bad role"))?,
        grid_code: row.text(3)?,
        grid_path: row.text(4)?,
        install: None,
        department: row.opt_text(6),
    })
}

pub fn revoke_device(tx: &mut dyn Tx, device_id: &str) -> Result<()> {
    let n = tx.execute(
        "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        &[device_id.into(), now_ms().into()],
    )?;
    if n == 0 {
        return Err(Error::NotFound(format!(
            "device {device_id} not found or already revoked"
        )));
    }
    audit(tx, "admin", None, "revoke", "device", device_id, None)
}
