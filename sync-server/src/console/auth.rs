//! Console sign-in: argon2id password hashes, every attempt audited, server-side
//! sessions (only a token hash is stored) each with its CSRF token. Repeated
//! failures are braked per account and client address by `crate::throttle`
//! (in `login.rs`), never by locking the account itself: a guesser elsewhere
//! cannot keep the real user out. Plain functions over `Tx`, so both backends
//! share them.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use gridfield_core::model::Role;

use crate::db::{RowExt, Tx};
use crate::error::{ApiError, Result};
use crate::rules::audit::audit;
use crate::rules::{self, CONSOLE_DEVICE, now_ms, sha256_hex};

/// Session lifetime.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    pub session_ms: i64,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy {
            session_ms: 12 * 3600 * 1000,
        }
    }
}

pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("argon2: {e}")))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Roles that sign in to the console: supervisors and admins see their grid
/// subtree, a department user (职能部门) only the cases dispatched to their department.
pub fn uses_console(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Admin | Role::Department)
}

/// Give an existing supervisor, admin or department user a console password (or change it).
pub fn set_password(tx: &mut dyn Tx, user: &str, password: &str) -> Result<()> {
    let row = tx
        .query_one("SELECT role FROM users WHERE name = $1", &[user.into()])?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    let role = Role::parse(&row.text(0)?).ok_or_else(|| ApiError::internal("bad role"))?;
    if !uses_console(role) {
        return Err(ApiError::bad_request(
            "not_permitted",
            "只有网格长、管理员和职能部门可以登录管理台 (only supervisors, admins and departments use the console)",
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::bad_request(
            "weak_password",
            format!("密码至少 {MIN_PASSWORD_CHARS} 位 (password too short)"),
        ));
    }
    let hash = hash_password(password)?;
    tx.execute(
        "INSERT INTO console_accounts (user_name, password_hash, failed, locked_until, updated_at)
         VALUES ($1, $2, 0, NULL, $3)
         ON CONFLICT (user_name) DO UPDATE SET password_hash = excluded.password_hash,
           failed = 0, locked_until = NULL, updated_at = excluded.updated_at",
        &[user.into(), hash.into(), now_ms().into()],
    )?;
    // A new password ends every open session of the account.
    tx.execute(
        "DELETE FROM console_sessions WHERE user_name = $1",
        &[user.into()],
    )?;
    Ok(audit(
        tx,
        "admin",
        None,
        "console_password",
        "user",
        user,
        None,
    )?)
}

/// Who is signed in: their role and grid subtree.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub name: String,
    pub role: Role,
    pub grid_code: String,
    pub grid_path: String,
    pub csrf: String,
    /// The department (职能部门) a department user works for.
    pub department: Option<String>,
}

impl ConsoleUser {
    pub fn ctx(&self) -> rules::DeviceCtx {
        rules::DeviceCtx::console(&self.name, self.role, &self.grid_code, &self.grid_path)
            .with_department(self.department.clone())
    }

    pub fn is_department(&self) -> bool {
        self.role == Role::Department
    }
}

/// A role and department that may hold a console session: a department user
/// without a department has nothing to see.
fn may_sign_in(role: Option<Role>, department: Option<&str>) -> bool {
    match role {
        Some(Role::Department) => department.is_some_and(|d| !d.is_empty()),
        Some(r) => uses_console(r),
        None => false,
    }
}

#[derive(Debug, PartialEq)]
pub enum LoginError {
    /// Unknown user or wrong password: the same answer for both.
    BadCredentials,
}

/// Check a password; `client` is the client address, kept in the audit row.
/// Known and unknown names take the same path: one argon2 verification (against
/// a dummy hash for an unknown name), one audit row. Returns the session token.
pub fn login(
    tx: &mut dyn Tx,
    policy: &AuthPolicy,
    user: &str,
    password: &str,
    client: &str,
) -> Result<std::result::Result<String, LoginError>> {
    let now = now_ms();
    let row = tx.query_one(
        "SELECT a.password_hash, u.role, u.department FROM console_accounts a
         JOIN users u ON u.name = a.user_name WHERE a.user_name = $1",
        &[user.into()],
    )?;
    let (hash, role, department) = match &row {
        Some(r) => (r.text(0)?, Role::parse(&r.text(1)?), r.opt_text(2)),
        None => (DUMMY_HASH.to_string(), None, None),
    };
    let ok = verify_password(password, &hash)
        && row.is_some()
        && may_sign_in(role, department.as_deref());
    let detail = serde_json::json!({ "client": client });
    if !ok {
        // No password, and no word of whether the name exists.
        audit(
            tx,
            user,
            Some(CONSOLE_DEVICE),
            "console_login_failed",
            "user",
            user,
            Some(&detail),
        )?;
        return Ok(Err(LoginError::BadCredentials));
    }
    let token = random_token()?;
    tx.execute(
        "DELETE FROM console_sessions WHERE expires_at < $1",
        &[now.into()],
    )?;
    tx.execute(
        "INSERT INTO console_sessions (token_hash, user_name, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            sha256_hex(token.as_bytes()).into(),
            user.into(),
            random_token()?.into(),
            now.into(),
            (now + policy.session_ms).into(),
        ],
    )?;
    audit(
        tx,
        user,
        Some(CONSOLE_DEVICE),
        "console_login",
        "user",
        user,
        Some(&detail),
    )?;
    Ok(Ok(token))
}

/// An argon2id hash of a random string: verified against when the user is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";

fn random_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(hex::encode(b))
}

/// The signed-in user behind a session token, if the session is alive.
pub fn session_user(tx: &mut dyn Tx, token: &str) -> Result<Option<ConsoleUser>> {
    let Some(r) = tx.query_one(
        "SELECT u.name, u.role, u.grid_code, g.path, s.csrf, u.department FROM console_sessions s
         JOIN users u ON u.name = s.user_name JOIN grids g ON g.code = u.grid_code
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        &[sha256_hex(token.as_bytes()).into(), now_ms().into()],
    )?
    else {
        return Ok(None);
    };
    let role = Role::parse(&r.text(1)?);
    let department = r.opt_text(5);
    let Some(role) = role.filter(|_| may_sign_in(role, department.as_deref())) else {
        return Ok(None);
    };
    Ok(Some(ConsoleUser {
        name: r.text(0)?,
        role,
        grid_code: r.text(2)?,
        grid_path: r.text(3)?,
        csrf: r.text(4)?,
        department: department.filter(|_| role == Role::Department),
    }))
}

pub fn logout(tx: &mut dyn Tx, token: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM console_sessions WHERE token_hash = $1",
        &[sha256_hex(token.as_bytes()).into()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let h1 = hash_password("correct horse").unwrap();
        let h2 = hash_password("correct horse").unwrap();
        assert!(h1.starts_with("$argon2id$"));
        assert_ne!(h1, h2, "salted");
        assert!(verify_password("correct horse", &h1));
        assert!(!verify_password("correct horsE", &h1));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
