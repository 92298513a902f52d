//! The server's rules, as plain functions over a storage transaction: enrollment
//! and auth, scope, per-field merge with a conflict log, workflow commands judged
//! against the current state, the pull feed, and photo blobs. Handlers are thin.

use std::sync::Mutex;

use gridfield_core::checklist::ChecklistTemplate;
use gridfield_core::hazard::{self, HazardStatus};
use gridfield_core::hlc::{Hlc, HlcClock, MAX_DRIFT_MS};
use gridfield_core::i18n::Lang;
use gridfield_core::merge;
use gridfield_core::model::{
    self, Address, EntityKind, Grid, ReportStatus, ReviewStatus, Role, Sensitivity,
};
use gridfield_core::plate::{IssuerPublicKey, PlateIssuer};
use gridfield_core::records::{Delivery, Hazard, HazardEvent, Inspection, Op, Report};
use gridfield_core::wire::{
    self, Change, EnrollRequest, EnrollResponse, EntityState, OpResult, OpStatus, PullResponse,
    PushOp, PushRequest,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::db::{Db, RowExt, SqlValue as V, Tx};
use crate::error::{ApiError, Result};

pub fn now_ms() -> i64 {
    gridfield_core::store::now_ms()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn random_hex(n: usize) -> Result<String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(hex::encode(b))
}

/// Shared by every request of one server instance.
pub struct Server {
    pub db: Db,
    pub clock: Mutex<HlcClock>,
    pub console: crate::console::Config,
    pub checksums: ChecksumCache,
}

impl Server {
    pub fn new(db: Db) -> Result<Server> {
        let node = format!("srv-{}", &random_hex(4)?);
        let s = Server {
            db,
            clock: Mutex::new(HlcClock::new(node)),
            console: crate::console::Config::default(),
            checksums: ChecksumCache::default(),
        };
        s.db.write(|tx| issuer(tx).map(|_| ()))?;
        Ok(s)
    }

    fn tick(&self) -> Hlc {
        self.clock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tick(now_ms())
    }
}

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
}

/// Marks audit rows and hazard events written through the web console.
pub const CONSOLE_DEVICE: &str = "console";

impl DeviceCtx {
    pub fn covers(&self, path: &str) -> bool {
        path.starts_with(&self.grid_path)
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
        }
    }
}

// ---- grids, users, codes, devices -------------------------------------------------

fn valid_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub fn grid_path(tx: &mut dyn Tx, code: &str) -> Result<Option<String>> {
    tx.query_one("SELECT path FROM grids WHERE code = $1", &[code.into()])?
        .map(|r| r.text(0))
        .transpose()
}

pub fn add_grid(tx: &mut dyn Tx, g: &Grid) -> Result<()> {
    if !valid_code(&g.code) {
        return Err(ApiError::bad_request(
            "invalid_grid",
            format!("grid code {:?}: letters, digits and '-' only", g.code),
        ));
    }
    let path = match &g.parent_code {
        Some(p) => {
            let pp = grid_path(tx, p)?
                .ok_or_else(|| ApiError::not_found(format!("parent grid {p} not found")))?;
            format!("{pp}{}/", g.code)
        }
        None => format!("/{}/", g.code),
    };
    if let Some(existing) = grid_path(tx, &g.code)?
        && existing != path
    {
        return Err(ApiError::conflict(
            "grid_moved",
            format!("grid {} exists under another parent", g.code),
        ));
    }
    tx.execute(
        "INSERT INTO grids (code, name, level, parent_code, path) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level",
        &[
            g.code.as_str().into(),
            g.name.as_str().into(),
            (g.level as i64).into(),
            g.parent_code.clone().into(),
            path.as_str().into(),
        ],
    )?;
    put_record(tx, "grid", &g.code, &path, None, &json!(g))?;
    Ok(())
}

pub fn add_user(tx: &mut dyn Tx, name: &str, role: Role, grid: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(ApiError::bad_request(
            "invalid_user",
            "user name must be 1–64 characters",
        ));
    }
    grid_path(tx, grid)?.ok_or_else(|| ApiError::not_found(format!("grid {grid} not found")))?;
    tx.execute(
        "INSERT INTO users (name, role, grid_code, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET role = excluded.role, grid_code = excluded.grid_code",
        &[
            name.into(),
            role.as_str().into(),
            grid.into(),
            now_ms().into(),
        ],
    )?;
    Ok(())
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
        .ok_or_else(|| ApiError::unauthorized("invalid_code", "注册码无效 (unknown enrollment code)"))?;
    if row.opt_int(4).is_some() {
        return Err(ApiError::unauthorized(
            "code_used",
            "注册码已被使用 (enrollment code already used)",
        ));
    }
    let now = now_ms();
    if row.int(3)? < now {
        return Err(ApiError::unauthorized(
            "code_expired",
            "注册码已过期 (enrollment code expired)",
        ));
    }
    let (user, role_s, grid) = (row.text(0)?, row.text(1)?, row.text(2)?);
    let role =
        Role::parse(&role_s).ok_or_else(|| ApiError::internal("bad role in enroll_codes"))?;
    let path =
        grid_path(tx, &grid)?.ok_or_else(|| ApiError::internal("enroll code grid vanished"))?;
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
            path.into(),
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
    let key = issuer(tx)?.public_key();
    Ok(EnrollResponse {
        device_id,
        token,
        user,
        role,
        grid_scope: grid,
        issuer_keys: vec![key.to_hex()],
        wire_version: wire::WIRE_VERSION,
        server_time: now,
    })
}

pub fn authenticate(tx: &mut dyn Tx, token: &str) -> Result<DeviceCtx> {
    let row = tx
        .query_one(
            "SELECT id, user_name, role, grid_code, grid_path, revoked_at FROM devices WHERE token_hash = $1",
            &[sha256_hex(token.as_bytes()).into()],
        )?
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "令牌无效，请重新注册设备 (invalid token)"))?;
    if row.opt_int(5).is_some() {
        return Err(ApiError::unauthorized(
            "device_revoked",
            "此设备已被停用，请联系管理员 (device revoked)",
        ));
    }
    Ok(DeviceCtx {
        device_id: row.text(0)?,
        user: row.text(1)?,
        role: Role::parse(&row.text(2)?).ok_or_else(|| ApiError::internal("bad role"))?,
        grid_code: row.text(3)?,
        grid_path: row.text(4)?,
        install: None,
    })
}

pub fn revoke_device(tx: &mut dyn Tx, device_id: &str) -> Result<()> {
    let n = tx.execute(
        "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        &[device_id.into(), now_ms().into()],
    )?;
    if n == 0 {
        return Err(ApiError::not_found(format!(
            "device {device_id} not found or already revoked"
        )));
    }
    audit(tx, "admin", None, "revoke", "device", device_id, None)
}

/// The plate issuer key, created on first use and shared by every instance.
pub fn issuer(tx: &mut dyn Tx) -> Result<PlateIssuer> {
    if let Some(r) = tx.query_one(
        "SELECT value FROM server_meta WHERE key = 'issuer_seed'",
        &[],
    )? {
        let seed: [u8; 32] = hex::decode(r.text(0)?)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| ApiError::internal("corrupt issuer seed"))?;
        return Ok(PlateIssuer::from_seed(seed));
    }
    let issuer = PlateIssuer::generate().map_err(|e| ApiError::internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO server_meta (key, value) VALUES ('issuer_seed', $1)",
        &[hex::encode(issuer.seed()).into()],
    )?;
    Ok(issuer)
}

pub fn issuer_public_key(tx: &mut dyn Tx) -> Result<IssuerPublicKey> {
    Ok(issuer(tx)?.public_key())
}

#[allow(clippy::too_many_arguments)]
pub fn audit(
    tx: &mut dyn Tx,
    actor: &str,
    device: Option<&str>,
    action: &str,
    kind: &str,
    id: &str,
    detail: Option<&Value>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit (at, actor, device_id, action, kind, entity_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[now_ms().into(), actor.into(), device.map(String::from).into(), action.into(), kind.into(), id.into(), detail.map(|d| d.to_string()).into()],
    )?;
    Ok(())
}

// ---- records ---------------------------------------------------------------------------

/// Store the current state of a record and move it to the head of the change feed.
pub fn put_record(
    tx: &mut dyn Tx,
    kind: &str,
    id: &str,
    grid_path: &str,
    address: Option<&str>,
    body: &Value,
) -> Result<i64> {
    let seq = tx.next_seq()?;
    put_record_at(tx, seq, kind, id, grid_path, address, body)
}

/// `put_record` at a seq the caller already took with `next_seq` in this transaction.
fn put_record_at(
    tx: &mut dyn Tx,
    seq: i64,
    kind: &str,
    id: &str,
    grid_path: &str,
    address: Option<&str>,
    body: &Value,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO records (kind, id, grid_path, address_code, seq, body, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (kind, id) DO UPDATE SET grid_path = excluded.grid_path, address_code = excluded.address_code,
           seq = excluded.seq, body = excluded.body, updated_at = excluded.updated_at",
        &[kind.into(), id.into(), grid_path.into(), address.map(String::from).into(), seq.into(), body.to_string().into(), now_ms().into()],
    )?;
    index_photos(tx, kind, id, grid_path, body)?;
    Ok(seq)
}

/// Keep `record_photos` in step with a record just stored: the photos it refers to
/// now, under the grid it belongs to now. Only kinds that carry photos are indexed.
fn index_photos(
    tx: &mut dyn Tx,
    kind: &str,
    id: &str,
    grid_path: &str,
    body: &Value,
) -> Result<()> {
    if !matches!(kind, "inspection" | "hazard" | "report") {
        return Ok(());
    }
    tx.execute(
        "DELETE FROM record_photos WHERE kind = $1 AND record_id = $2",
        &[kind.into(), id.into()],
    )?;
    for hash in photo_refs(kind, body) {
        tx.execute(
            "INSERT INTO record_photos (hash, kind, record_id, grid_path) VALUES ($1, $2, $3, $4)
             ON CONFLICT (hash, kind, record_id) DO NOTHING",
            &[hash.into(), kind.into(), id.into(), grid_path.into()],
        )?;
    }
    Ok(())
}

/// Every photo hash a stored record body refers to: inspection evidence and photo
/// or signature answers, hazard and hazard-step photos, report photos. Migration
/// 003 reads the same places to backfill.
pub fn photo_refs(kind: &str, body: &Value) -> Vec<String> {
    use gridfield_core::checklist::is_photo_hash;
    fn strings<'a>(v: Option<&'a Value>, out: &mut Vec<&'a str>) {
        match v {
            Some(Value::String(s)) => out.push(s),
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_str)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    match kind {
        "inspection" => {
            for key in ["photos", "answers"] {
                if let Some(Value::Object(m)) = body.get(key) {
                    for v in m.values() {
                        strings(Some(v), &mut found);
                    }
                }
            }
        }
        "hazard" => {
            strings(body.pointer("/hazard/photos"), &mut found);
            if let Some(Value::Array(events)) = body.get("events") {
                for e in events {
                    strings(e.get("photos"), &mut found);
                }
            }
        }
        "report" => strings(body.get("photos"), &mut found),
        _ => {}
    }
    let mut out: Vec<String> = found
        .into_iter()
        .filter(|s| is_photo_hash(s))
        .map(String::from)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a record inside the subtree `grid_path` refers to the photo `hash`:
/// one indexed lookup in `record_photos`.
pub fn photo_in_scope(tx: &mut dyn Tx, hash: &str, grid_path: &str) -> Result<bool> {
    let upper = format!("{}~", grid_path.trim_end_matches('/'));
    Ok(tx
        .query_one(
            "SELECT 1 FROM record_photos WHERE hash = $1 AND grid_path >= $2 AND grid_path < $3 LIMIT 1",
            &[hash.into(), grid_path.into(), upper.as_str().into()],
        )?
        .is_some())
}

fn op_kind(op: &Op) -> &'static str {
    match op {
        Op::EntityUpsert { kind, .. } => kind.as_str(),
        Op::InspectionSubmit { .. } | Op::InspectionReview { .. } => "inspection",
        Op::HazardCreate { .. } | Op::HazardStep { .. } => "hazard",
        Op::ReportCreate { .. } => "report",
    }
}

/// Move a record to the head of the feed without changing it.
fn touch_record(tx: &mut dyn Tx, kind: &str, id: &str) -> Result<()> {
    let seq = tx.next_seq()?;
    tx.execute(
        "UPDATE records SET seq = $3 WHERE kind = $1 AND id = $2",
        &[kind.into(), id.into(), seq.into()],
    )?;
    Ok(())
}

pub struct Record {
    pub grid_path: String,
    pub body: Value,
}

impl Record {
    fn parse(grid_path: String, body: &str) -> Result<Record> {
        let body = serde_json::from_str(body)
            .map_err(|e| ApiError::internal(format!("record body: {e}")))?;
        Ok(Record { grid_path, body })
    }
}

pub fn get_record(tx: &mut dyn Tx, kind: &str, id: &str) -> Result<Option<Record>> {
    let Some(r) = tx.query_one(
        "SELECT grid_path, body FROM records WHERE kind = $1 AND id = $2",
        &[kind.into(), id.into()],
    )?
    else {
        return Ok(None);
    };
    Record::parse(r.text(0)?, &r.text(1)?).map(Some)
}

pub fn import_address(tx: &mut dyn Tx, a: &Address) -> Result<()> {
    if !valid_code(&a.code) {
        return Err(ApiError::bad_request(
            "invalid_address",
            "address code: letters, digits and '-' only, at most 64",
        ));
    }
    if a.full_text.trim().is_empty() || a.full_text.chars().count() > 200 {
        return Err(ApiError::bad_request(
            "invalid_address",
            "address text must be 1–200 characters",
        ));
    }
    let path = grid_path(tx, &a.grid_code)?
        .ok_or_else(|| ApiError::not_found(format!("grid {} not found", a.grid_code)))?;
    put_record(tx, "address", &a.code, &path, Some(&a.code), &json!(a))?;
    Ok(())
}

pub fn add_template(tx: &mut dyn Tx, t: &ChecklistTemplate) -> Result<()> {
    let id = format!("{}@{}", t.id, t.version);
    if get_record(tx, "template", &id)?.is_none() {
        put_record(
            tx,
            "template",
            &id,
            "/",
            None,
            &serde_json::to_value(t).map_err(|e| ApiError::internal(e.to_string()))?,
        )?;
    }
    Ok(())
}

/// A descriptive entity as the server keeps it: the replicated state plus, per
/// field, which device wrote it and at which feed position (to tell concurrent
/// overwrites from informed ones).
#[derive(serde::Serialize, serde::Deserialize)]
struct EntityDoc {
    state: EntityState,
    #[serde(default)]
    meta: Map<String, Value>,
}

// ---- push ------------------------------------------------------------------------------

/// Why an operation was refused, for the person holding the phone.
#[derive(Debug, Clone)]
pub struct Reject {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

fn reject(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Reject {
    Reject {
        code,
        zh: zh.into(),
        en: en.into(),
    }
}

fn out_of_scope() -> Reject {
    reject(
        "out_of_scope",
        "超出本设备的网格范围",
        "outside this device's grid scope",
    )
}

/// Apply a batch of operations in one transaction. Each op is judged on its own:
/// rejections are answers, not failures, so the batch always commits.
/// Returns the answers and the feed position after the batch.
pub fn push(
    server: &Server,
    dev: &DeviceCtx,
    req: &PushRequest,
) -> Result<(Vec<OpResult>, String)> {
    let ops = &req.ops;
    let skew_ms = req
        .device_time
        .map(|t| t - now_ms())
        .filter(|s| s.abs() > SKEW_TOLERANCE_MS)
        .unwrap_or(0);
    let pushed = server.db.write(|tx| {
        // A second installation is refused, and that is recorded (committed).
        if !crate::install::check(tx, dev)? {
            return Ok(None);
        }
        let seen = applied_results(tx, ops)?;
        let entities = prefetch_entities(tx, ops, &seen)?;
        let mut batch = Batch {
            seen,
            entities,
            skew_ms,
            ..Batch::default()
        };
        if skew_ms != 0 {
            audit(
                tx,
                &dev.user,
                Some(&dev.device_id),
                "clock_corrected",
                "device",
                &dev.device_id,
                Some(&json!({ "skew_ms": skew_ms })),
            )?;
        }
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            results.push(apply_op(server, tx, dev, op, &mut batch)?);
        }
        batch.write(tx)?;
        let here = crate::restore::current(tx)?;
        if req.replay {
            let applied = results
                .iter()
                .filter(|r| r.status == OpStatus::Applied)
                .count();
            audit(
                tx,
                &dev.user,
                Some(&dev.device_id),
                "reupload",
                "device",
                &dev.device_id,
                Some(&json!({ "epoch": here.epoch, "ops": ops.len(), "applied": applied })),
            )?;
        }
        tx.execute(
            "UPDATE devices SET last_seen = $2 WHERE id = $1",
            &[dev.device_id.as_str().into(), now_ms().into()],
        )?;
        Ok(Some((results, here.encode())))
    })?;
    pushed.ok_or_else(crate::install::cloned_error)
}

/// What a push batch has judged so far and the rows it logs: the op ids and audit
/// rows are written once per batch, not once per op (a round trip each on PostgreSQL).
#[derive(Default)]
struct Batch {
    /// Results of ops applied before, or earlier in this batch.
    seen: std::collections::HashMap<String, OpResult>,
    /// The stored state (or absence) of the entities the batch edits, read up front;
    /// an entry is taken out at its first use, so a second edit of the same entity
    /// reads what the first one wrote.
    entities: std::collections::HashMap<(String, String), Option<Record>>,
    applied: Vec<[V; 4]>,
    audit: Vec<[V; 7]>,
    /// How far ahead the device's clock was at push (0 within tolerance).
    skew_ms: i64,
}

/// Rows per multi-row INSERT or IN list.
const ROWS_PER_STATEMENT: usize = 100;

fn applied_results(
    tx: &mut dyn Tx,
    ops: &[PushOp],
) -> Result<std::collections::HashMap<String, OpResult>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ops.chunks(ROWS_PER_STATEMENT) {
        let rows = tx.query(
            &format!(
                "SELECT op_id, result FROM applied_ops WHERE op_id IN ({})",
                placeholders(1, chunk.len())
            ),
            &chunk
                .iter()
                .map(|p| p.op_id.as_str().into())
                .collect::<Vec<V>>(),
        )?;
        for r in rows {
            let prev: OpResult =
                serde_json::from_str(&r.text(1)?).map_err(|e| ApiError::internal(e.to_string()))?;
            out.insert(r.text(0)?, prev);
        }
    }
    Ok(out)
}

/// The entities a push batch edits, in one query per kind and ROWS_PER_STATEMENT
/// ids instead of one per op: with the upsert, one statement per edit on PostgreSQL.
fn prefetch_entities(
    tx: &mut dyn Tx,
    ops: &[PushOp],
    seen: &std::collections::HashMap<String, OpResult>,
) -> Result<std::collections::HashMap<(String, String), Option<Record>>> {
    let mut by_kind: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for p in ops {
        if let Op::EntityUpsert { kind, .. } = &p.op
            && !seen.contains_key(&p.op_id)
        {
            by_kind.entry(kind.as_str()).or_default().push(&p.entity_id);
        }
    }
    let mut out = std::collections::HashMap::new();
    for (kind, mut ids) in by_kind {
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut params: Vec<V> = vec![kind.into()];
            params.extend(chunk.iter().map(|id| V::from(*id)));
            let rows = tx.query(
                &format!(
                    "SELECT id, grid_path, body FROM records WHERE kind = $1 AND id IN ({})",
                    placeholders(2, chunk.len())
                ),
                &params,
            )?;
            for id in chunk {
                out.insert((kind.to_string(), id.to_string()), None);
            }
            for r in rows {
                let rec = Record::parse(r.text(1)?, &r.text(2)?)?;
                out.insert((kind.to_string(), r.text(0)?), Some(rec));
            }
        }
    }
    Ok(out)
}

impl Batch {
    #[allow(clippy::too_many_arguments)]
    fn audit(
        &mut self,
        actor: &str,
        device: &str,
        action: &str,
        kind: &str,
        id: &str,
        detail: Option<&Value>,
    ) {
        self.audit.push([
            now_ms().into(),
            actor.into(),
            device.into(),
            action.into(),
            kind.into(),
            id.into(),
            detail.map(|d| d.to_string()).into(),
        ]);
    }

    fn write(self, tx: &mut dyn Tx) -> Result<()> {
        insert_rows(
            tx,
            "audit (at, actor, device_id, action, kind, entity_id, detail)",
            &self.audit,
        )?;
        insert_rows(
            tx,
            "applied_ops (op_id, device_id, result, at)",
            &self.applied,
        )
    }
}

/// `$first, $first+1, …`: `n` numbered placeholders.
fn placeholders(first: usize, n: usize) -> String {
    let marks: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    marks.join(", ")
}

/// `INSERT INTO <table_cols> VALUES (…), (…)` in statements of ROWS_PER_STATEMENT rows.
fn insert_rows<const N: usize>(tx: &mut dyn Tx, table_cols: &str, rows: &[[V; N]]) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", placeholders(r * N + 1, N)))
            .collect();
        let params: Vec<V> = chunk.iter().flat_map(|row| row.iter().cloned()).collect();
        tx.execute(
            &format!("INSERT INTO {table_cols} VALUES {}", values.join(", ")),
            &params,
        )?;
    }
    Ok(())
}

fn apply_op(
    server: &Server,
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    p: &PushOp,
    batch: &mut Batch,
) -> Result<OpResult> {
    if let Some(prev) = batch.seen.get(&p.op_id) {
        let mut prev = prev.clone();
        if prev.status == OpStatus::Applied {
            prev.status = OpStatus::Duplicate;
        }
        return Ok(prev);
    }
    if p.op_id.is_empty() || p.op_id.len() > 64 {
        return Err(ApiError::bad_request(
            "invalid_op",
            "op_id must be 1–64 characters",
        ));
    }
    let missing: Vec<String> = {
        let mut m = Vec::new();
        for h in p.op.photo_hashes() {
            if tx
                .query_one("SELECT 1 FROM blobs WHERE hash = $1", &[h.as_str().into()])?
                .is_none()
            {
                m.push(h);
            }
        }
        m
    };
    if !missing.is_empty() {
        return Ok(OpResult {
            op_id: p.op_id.clone(),
            status: OpStatus::PendingPhotos,
            code: Some("pending_photos".into()),
            message: Some(format!("还有 {} 张照片未上传", missing.len())),
            message_en: Some(format!("{} photos not uploaded yet", missing.len())),
            conflicts: Vec::new(),
            lost: Vec::new(),
        });
    }
    let stamp = stamp_for(server, tx, dev, &p.hlc, batch.skew_ms)?;
    let outcome = match &p.op {
        Op::EntityUpsert {
            kind,
            address_code,
            fields,
            bases,
        } => {
            let known = batch
                .entities
                .remove(&(kind.as_str().to_string(), p.entity_id.clone()));
            let write = FieldWrite {
                fields,
                bases: bases.as_ref(),
                stamp: &stamp,
                orig: &p.hlc,
            };
            upsert_entity(tx, dev, *kind, &p.entity_id, address_code, write, known)
        }
        Op::InspectionSubmit { inspection } => submit_inspection(tx, dev, inspection),
        Op::HazardCreate { hazard } => create_hazard(tx, dev, hazard),
        Op::HazardStep {
            event_id,
            action,
            from: _,
            input,
            at,
        } => hazard_step(tx, dev, &p.entity_id, event_id, *action, input, *at),
        Op::ReportCreate { report } => create_report(tx, dev, report),
        Op::InspectionReview {
            approve,
            comment,
            at,
        } => review_inspection(tx, dev, &p.entity_id, *approve, comment.as_deref(), *at),
    }?;
    let result = match outcome {
        Ok(merged) => {
            batch.audit(
                &dev.user,
                &dev.device_id,
                p.op.type_name(),
                "op",
                &p.op_id,
                None,
            );
            OpResult {
                op_id: p.op_id.clone(),
                status: OpStatus::Applied,
                code: None,
                message: None,
                message_en: None,
                conflicts: merged.conflicts,
                lost: merged.lost,
            }
        }
        Err(r) => {
            batch.audit(
                &dev.user,
                &dev.device_id,
                "rejected",
                "op",
                &p.op_id,
                Some(&json!({ "code": r.code, "reason": r.en })),
            );
            // The device kept its refused change locally: send it the server's
            // version again so its replica converges.
            touch_record(tx, op_kind(&p.op), &p.entity_id)?;
            OpResult {
                op_id: p.op_id.clone(),
                status: OpStatus::Rejected,
                code: Some(r.code.to_string()),
                message: Some(r.zh),
                message_en: Some(r.en),
                conflicts: Vec::new(),
                lost: Vec::new(),
            }
        }
    };
    batch.applied.push([
        p.op_id.as_str().into(),
        dev.device_id.as_str().into(),
        serde_json::to_string(&result)
            .map_err(|e| ApiError::internal(e.to_string()))?
            .into(),
        now_ms().into(),
    ]);
    batch.seen.insert(p.op_id.clone(), result.clone());
    Ok(result)
}

/// The stamp an op's writes carry: corrected by the skew the device's clock showed
/// at push (`skew_ms`, positive when it runs fast; the device tells the time as
/// its clock did when it stamped these ops), so an edit made offline on a phone
/// days off orders where it really happened — never later than now. A stamp
/// still far ahead of the server's clock gets the server's clock instead.
fn stamp_for(
    server: &Server,
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    hlc: &str,
    skew_ms: i64,
) -> Result<Hlc> {
    let mut incoming: Hlc = hlc
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_hlc", "malformed HLC stamp"))?;
    let now = now_ms();
    if skew_ms != 0 {
        incoming.wall_ms = (incoming.wall_ms - skew_ms).clamp(0, now);
    }
    let mut clock = server.clock.lock().unwrap_or_else(|e| e.into_inner());
    if incoming.wall_ms > now + MAX_DRIFT_MS {
        let restamped = clock.tick(now);
        drop(clock);
        audit(
            tx,
            &dev.user,
            Some(&dev.device_id),
            "clock_skew",
            "device",
            &dev.device_id,
            Some(&json!({ "ahead_ms": incoming.wall_ms - now })),
        )?;
        return Ok(Hlc {
            node: dev.device_id.clone(),
            ..restamped
        });
    }
    clock.observe(&incoming, now);
    Ok(incoming)
}

/// A device clock this far off at push has changed since it stamped the ops (it
/// corrects itself from every answer): their stamps are corrected by the skew.
pub const SKEW_TOLERANCE_MS: i64 = 60_000;

/// What an applied op did to fields written concurrently: every field whose
/// value was judged against a write it had not seen (`conflicts`, logged), and of
/// those the ones where this op's value lost (`lost`).
#[derive(Debug, Default)]
pub struct Merged {
    pub conflicts: Vec<String>,
    pub lost: Vec<String>,
}

pub type Outcome = Result<std::result::Result<Merged, Reject>>;

fn address_path(tx: &mut dyn Tx, code: &str) -> Result<Option<String>> {
    tx.query_one(
        "SELECT grid_path FROM records WHERE kind = 'address' AND id = $1",
        &[code.into()],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// One pushed entity write: its fields, what each replaced on the device
/// (`bases`), the stamp it is judged with and the stamp the device gave it.
struct FieldWrite<'a> {
    fields: &'a Map<String, Value>,
    bases: Option<&'a Map<String, Value>>,
    stamp: &'a Hlc,
    orig: &'a str,
}

/// `known`: the entity's stored state if the batch already read it (`Some(None)`:
/// not stored yet); `None` reads it here.
fn upsert_entity(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    kind: EntityKind,
    id: &str,
    address_code: &str,
    write: FieldWrite<'_>,
    known: Option<Option<Record>>,
) -> Outcome {
    if !dev.role.may_edit_entities() {
        return Ok(Err(reject(
            "not_permitted",
            format!(
                "{}无权修改{}",
                dev.role.label(Lang::Zh),
                kind.label(Lang::Zh)
            ),
            "this role may not edit entities",
        )));
    }
    let mut clean = Map::new();
    for (k, v) in write.fields {
        match model::validate_field(kind, k, v) {
            Ok(v) => {
                clean.insert(k.clone(), v);
            }
            Err(e) => {
                return Ok(Err(reject(
                    "invalid_field",
                    e.message(Lang::Zh),
                    e.message(Lang::En),
                )));
            }
        }
    }
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::bad_request(
            "invalid_op",
            "entity_id must be 1–64 characters",
        ));
    }
    let id = id.to_string();
    let existing = match known {
        Some(known) => known,
        None => get_record(tx, kind.as_str(), &id)?,
    };
    let is_new = existing.is_none();
    let (path, mut doc) = match existing {
        Some(r) => {
            let doc: EntityDoc =
                serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
            (r.grid_path, doc)
        }
        None => {
            let Some(path) = address_path(tx, address_code)? else {
                return Ok(Err(reject(
                    "unknown_address",
                    "服务器上没有该地址",
                    "the address does not exist on the server",
                )));
            };
            let state = EntityState {
                kind,
                id: id.clone(),
                address_code: address_code.to_string(),
                fields: Map::new(),
                stamps: Map::new(),
                deleted: false,
            };
            (
                path,
                EntityDoc {
                    state,
                    meta: Map::new(),
                },
            )
        }
    };
    if !dev.covers(&path) {
        return Ok(Err(out_of_scope()));
    }
    let seq_now = tx.next_seq()?;
    let mut merged = Merged::default();
    let mut changed = false;
    for (field, value) in clean {
        let old_value = doc.state.fields.get(&field).cloned().unwrap_or(Value::Null);
        let old_stamp = doc
            .state
            .stamps
            .get(&field)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let old_meta = doc.meta.get(&field).cloned().unwrap_or(Value::Null);
        let old_device = old_meta
            .get("device")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let old_orig = old_meta.get("orig").and_then(|v| v.as_str());
        let base = match write.bases {
            Some(b) => b.get(&field).and_then(|v| v.as_str()),
            // An app older than the causal merge sends no bases: a device
            // overwriting its own value saw it; anyone else's it may not have.
            None if old_device == dev.device_id => Some(old_stamp.as_str()),
            None => None,
        };
        let current = merge::Current {
            stamp: &old_stamp,
            orig: old_orig,
        };
        let stored_stamp = match merge::judge(Some(current), base, &write.stamp.to_string()) {
            merge::Verdict::Successor => {
                let cur: Option<Hlc> = old_stamp.parse().ok();
                Some(merge::successor_stamp(cur.as_ref(), write.stamp))
            }
            merge::Verdict::Concurrent { incoming_wins } => {
                if old_value != value {
                    let incoming = (&value, write.stamp.to_string(), dev.device_id.as_str());
                    let stored = (&old_value, old_stamp.clone(), old_device.as_str());
                    let (kept, lost) = if incoming_wins {
                        (incoming, stored)
                    } else {
                        (stored, incoming)
                    };
                    tx.execute(
                        "INSERT INTO conflicts (kind, entity_id, field, kept_value, kept_hlc, kept_device, lost_value, lost_hlc, lost_device, grid_path, at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                        &[
                            kind.as_str().into(),
                            id.as_str().into(),
                            field.as_str().into(),
                            kept.0.to_string().into(),
                            kept.1.as_str().into(),
                            kept.2.into(),
                            lost.0.to_string().into(),
                            lost.1.as_str().into(),
                            lost.2.into(),
                            path.as_str().into(),
                            now_ms().into(),
                        ],
                    )?;
                    merged.conflicts.push(field.clone());
                    if !incoming_wins {
                        merged.lost.push(field.clone());
                    }
                }
                incoming_wins.then(|| write.stamp.clone())
            }
        };
        if let Some(st) = stored_stamp {
            let st = st.to_string();
            let mut meta = json!({ "device": dev.device_id, "seq": seq_now });
            if st != write.orig {
                meta["orig"] = json!(write.orig);
            }
            doc.state.fields.insert(field.clone(), value);
            doc.state.stamps.insert(field.clone(), Value::String(st));
            doc.meta.insert(field, meta);
            changed = true;
        }
    }
    if changed || is_new {
        let addr = doc.state.address_code.clone();
        put_record_at(
            tx,
            seq_now,
            kind.as_str(),
            &id,
            &path,
            Some(&addr),
            &serde_json::to_value(&doc).map_err(|e| ApiError::internal(e.to_string()))?,
        )?;
    }
    if !changed && !merged.lost.is_empty() {
        // The device still shows its losing value: send it the current one.
        touch_record(tx, kind.as_str(), &id)?;
    }
    Ok(Ok(merged))
}

fn submit_inspection(tx: &mut dyn Tx, dev: &DeviceCtx, i: &Inspection) -> Outcome {
    if !dev.role.may_inspect() {
        return Ok(Err(reject(
            "not_permitted",
            "无权提交检查记录",
            "this role may not submit inspections",
        )));
    }
    let Some(path) = address_path(tx, &i.address_code)? else {
        return Ok(Err(reject(
            "unknown_address",
            "服务器上没有该地址",
            "the address does not exist on the server",
        )));
    };
    if !dev.covers(&path) {
        return Ok(Err(out_of_scope()));
    }
    let tpl = format!("{}@{}", i.template_id, i.template_version);
    let Some(t) = get_record(tx, "template", &tpl)? else {
        return Ok(Err(reject(
            "unknown_template",
            "服务器上没有该检查表版本",
            "unknown checklist template version",
        )));
    };
    let template: ChecklistTemplate =
        serde_json::from_value(t.body).map_err(|e| ApiError::internal(e.to_string()))?;
    // Never trust the client's score: evaluate again against the same version.
    let eval = match template.evaluate(&i.answers, &i.photos) {
        Ok(e) => e,
        Err(e) => {
            return Ok(Err(reject(
                "answers_invalid",
                e.message_zh(),
                e.to_string(),
            )));
        }
    };
    if let Some(prev) = get_record(tx, "inspection", &i.id)? {
        let prev: Inspection =
            serde_json::from_value(prev.body).map_err(|e| ApiError::internal(e.to_string()))?;
        if prev.review_status == ReviewStatus::Approved {
            return Ok(Err(reject(
                "already_approved",
                "该检查记录已审核通过，不能再修改",
                "inspection already approved",
            )));
        }
    }
    let mut stored = i.clone();
    stored.inspector = dev.user.clone();
    stored.device_id = dev.device_id.clone();
    stored.score = Some(eval.score);
    stored.passed = Some(eval.passed);
    stored.vetoed = Some(eval.vetoed);
    stored.review_status = ReviewStatus::Submitted;
    stored.review_comment = None;
    stored.reviewed_by = None;
    stored.reviewed_at = None;
    stored.delivery = Delivery::Server;
    put_record(
        tx,
        "inspection",
        &i.id,
        &path,
        Some(&i.address_code),
        &json!(stored),
    )?;
    Ok(Ok(Merged::default()))
}

pub fn review_inspection(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    approve: bool,
    comment: Option<&str>,
    at: i64,
) -> Outcome {
    if !matches!(dev.role, Role::Supervisor | Role::Admin) {
        return Ok(Err(reject(
            "not_permitted",
            "只有网格长可以审核检查记录",
            "only supervisors review inspections",
        )));
    }
    let Some(r) = get_record(tx, "inspection", id)? else {
        return Ok(Err(reject(
            "not_found",
            "服务器上没有该检查记录",
            "inspection not found",
        )));
    };
    if !dev.covers(&r.grid_path) {
        return Ok(Err(out_of_scope()));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if !approve && comment.is_none() {
        return Ok(Err(reject(
            "comment_required",
            "退回时必须填写意见",
            "a comment is required to return an inspection",
        )));
    }
    review_apply(tx, id, r, &dev.user, approve, comment, at)
}

/// Shared by device commands and the console: record a review decision.
pub fn review_apply(
    tx: &mut dyn Tx,
    id: &str,
    r: Record,
    reviewer: &str,
    approve: bool,
    comment: Option<&str>,
    at: i64,
) -> Outcome {
    let mut i: Inspection =
        serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
    if i.review_status != ReviewStatus::Submitted {
        return Ok(Err(reject(
            "not_submitted",
            format!(
                "该检查记录当前为「{}」，不能审核",
                i.review_status.label(Lang::Zh)
            ),
            format!("inspection is {}, not submitted", i.review_status.as_str()),
        )));
    }
    i.review_status = if approve {
        ReviewStatus::Approved
    } else {
        ReviewStatus::Returned
    };
    i.review_comment = comment.map(String::from);
    i.reviewed_by = Some(reviewer.to_string());
    i.reviewed_at = Some(at);
    i.delivery = Delivery::Reviewed;
    let addr = i.address_code.clone();
    put_record(tx, "inspection", id, &r.grid_path, Some(&addr), &json!(i))?;
    Ok(Ok(Merged::default()))
}

/// A hazard as the server keeps it: its current state and every step.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct HazardDoc {
    pub hazard: Hazard,
    pub events: Vec<HazardEvent>,
}

pub fn create_hazard(tx: &mut dyn Tx, dev: &DeviceCtx, h: &Hazard) -> Outcome {
    if !dev.role.may_inspect() {
        return Ok(Err(reject(
            "not_permitted",
            "无权登记隐患",
            "this role may not report hazards",
        )));
    }
    let Some(path) = address_path(tx, &h.address_code)? else {
        return Ok(Err(reject(
            "unknown_address",
            "服务器上没有该地址",
            "the address does not exist on the server",
        )));
    };
    if !dev.covers(&path) {
        return Ok(Err(out_of_scope()));
    }
    if get_record(tx, "hazard", &h.id)?.is_some() {
        return Ok(Ok(Merged::default()));
    }
    let mut hz = h.clone();
    hz.status = HazardStatus::Reported;
    hz.reported_by = dev.user.clone();
    hz.assignee = None;
    hz.delivery = Delivery::Server;
    hz.overdue = false;
    let first = HazardEvent {
        id: format!("{}-reported", h.id),
        hazard_id: h.id.clone(),
        action: None,
        from_status: None,
        to_status: HazardStatus::Reported,
        actor: dev.user.clone(),
        device_id: dev.device_id.clone(),
        at: h.created_at,
        note: None,
        photos: h.photos.clone(),
        assignee: None,
        deadline: None,
    };
    let doc = HazardDoc {
        hazard: hz,
        events: vec![first],
    };
    put_record(
        tx,
        "hazard",
        &h.id,
        &path,
        Some(&h.address_code),
        &json!(doc),
    )?;
    Ok(Ok(Merged::default()))
}

#[allow(clippy::too_many_arguments)]
pub fn hazard_step(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    event_id: &str,
    action: gridfield_core::hazard::HazardAction,
    input: &gridfield_core::hazard::StepInput,
    at: i64,
) -> Outcome {
    let Some(r) = get_record(tx, "hazard", id)? else {
        return Ok(Err(reject(
            "not_found",
            "服务器上没有该隐患",
            "hazard not found",
        )));
    };
    if !dev.covers(&r.grid_path) {
        return Ok(Err(out_of_scope()));
    }
    let mut doc: HazardDoc =
        serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
    step_apply(
        tx,
        &mut doc,
        &r.grid_path,
        event_id,
        action,
        input,
        at,
        &dev.user,
        dev.role,
        &dev.device_id,
    )
}

/// Judge a hazard step against the server's current state and record it.
#[allow(clippy::too_many_arguments)]
fn step_apply(
    tx: &mut dyn Tx,
    doc: &mut HazardDoc,
    path: &str,
    event_id: &str,
    action: gridfield_core::hazard::HazardAction,
    input: &gridfield_core::hazard::StepInput,
    at: i64,
    actor: &str,
    role: Role,
    device: &str,
) -> Outcome {
    let current = doc.hazard.status;
    let to = match hazard::next_status(current, action, role, input) {
        Ok(to) => to,
        Err(e) => {
            return Ok(Err(reject(
                "transition_refused",
                e.message(Lang::Zh),
                e.message(Lang::En),
            )));
        }
    };
    doc.events.push(HazardEvent {
        id: event_id.to_string(),
        hazard_id: doc.hazard.id.clone(),
        action: Some(action),
        from_status: Some(current),
        to_status: to,
        actor: actor.to_string(),
        device_id: device.to_string(),
        at,
        note: input.note.clone(),
        photos: input.photos.clone(),
        assignee: input.assignee.clone(),
        deadline: input.deadline,
    });
    doc.hazard.status = to;
    if input.assignee.is_some() {
        doc.hazard.assignee = input.assignee.clone();
    }
    if input.deadline.is_some() {
        doc.hazard.deadline = input.deadline;
    }
    doc.hazard.updated_at = at;
    doc.hazard.delivery = Delivery::Server;
    let addr = doc.hazard.address_code.clone();
    let id = doc.hazard.id.clone();
    put_record(tx, "hazard", &id, path, Some(&addr), &json!(doc))?;
    Ok(Ok(Merged::default()))
}

fn create_report(tx: &mut dyn Tx, dev: &DeviceCtx, r: &Report) -> Outcome {
    // A volunteer may report at any address that exists: plates outside one's own
    // grid are scanned too. The report belongs to the address's grid.
    let Some(path) = address_path(tx, &r.address_code)? else {
        return Ok(Err(reject(
            "unknown_address",
            "服务器上没有该地址",
            "the address does not exist on the server",
        )));
    };
    if get_record(tx, "report", &r.id)?.is_some() {
        return Ok(Ok(Merged::default()));
    }
    let mut rep = r.clone();
    rep.reporter = dev.user.clone();
    rep.device_id = dev.device_id.clone();
    rep.status = ReportStatus::Pending;
    rep.points = 0;
    rep.decision_note = None;
    rep.hazard_id = None;
    rep.delivery = Delivery::Server;
    put_record(
        tx,
        "report",
        &r.id,
        &path,
        Some(&r.address_code),
        &json!(rep),
    )?;
    Ok(Ok(Merged::default()))
}

/// A supervisor's decision on a volunteer's report.
pub struct ReportDecision {
    pub accept: bool,
    /// Why (required when dismissing): the volunteer sees it after the next sync.
    pub note: Option<String>,
    /// 积分 credited when accepted.
    pub points: i64,
    /// Accepting may turn the report into a hazard of this category and severity.
    pub hazard: Option<(String, gridfield_core::checklist::Severity)>,
}

pub const MAX_REPORT_POINTS: i64 = 100;

/// Accept or dismiss a pending report. The report record changes, so the decision,
/// the reason and the points reach the volunteer's phone by pull.
pub fn decide_report(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    id: &str,
    d: &ReportDecision,
    at: i64,
) -> Outcome {
    if !matches!(dev.role, Role::Supervisor | Role::Admin) {
        return Ok(Err(reject(
            "not_permitted",
            "只有网格长可以处理上报",
            "only supervisors decide on reports",
        )));
    }
    let Some(r) = get_record(tx, "report", id)? else {
        return Ok(Err(reject(
            "not_found",
            "服务器上没有该上报",
            "report not found",
        )));
    };
    if !dev.covers(&r.grid_path) {
        return Ok(Err(out_of_scope()));
    }
    let mut rep: Report =
        serde_json::from_value(r.body).map_err(|e| ApiError::internal(e.to_string()))?;
    if rep.status != ReportStatus::Pending {
        return Ok(Err(reject(
            "already_decided",
            format!("该上报已处理（{}）", rep.status.label(Lang::Zh)),
            format!("report already {}", rep.status.as_str()),
        )));
    }
    let note = d.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if !d.accept && note.is_none() {
        return Ok(Err(reject(
            "reason_required",
            "不采纳时必须填写原因",
            "a reason is required to dismiss a report",
        )));
    }
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Ok(Err(reject(
            "note_too_long",
            "说明不能超过 500 字",
            "the note must be at most 500 characters",
        )));
    }
    if d.accept && !(0..=MAX_REPORT_POINTS).contains(&d.points) {
        return Ok(Err(reject(
            "invalid_points",
            format!("积分须在 0–{MAX_REPORT_POINTS} 之间"),
            format!("points must be 0–{MAX_REPORT_POINTS}"),
        )));
    }
    if d.accept
        && let Some((category, severity)) = &d.hazard
    {
        let hz = Hazard {
            id: format!("hz-{}", uuid::Uuid::now_v7()),
            address_code: rep.address_code.clone(),
            category: category.clone(),
            severity: *severity,
            description: rep.text.clone(),
            status: HazardStatus::Reported,
            assignee: None,
            deadline: None,
            photos: rep.photos.clone(),
            source_inspection: None,
            source_item: None,
            source_report: Some(rep.id.clone()),
            reported_by: dev.user.clone(),
            created_at: at,
            updated_at: at,
            delivery: Delivery::Server,
            overdue: false,
        };
        if let Err(rej) = create_hazard(tx, dev, &hz)? {
            return Ok(Err(rej));
        }
        rep.hazard_id = Some(hz.id);
    }
    rep.status = if d.accept {
        ReportStatus::Accepted
    } else {
        ReportStatus::Dismissed
    };
    rep.points = if d.accept { d.points } else { 0 };
    rep.decision_note = note.map(String::from);
    rep.delivery = Delivery::Reviewed;
    let addr = rep.address_code.clone();
    put_record(tx, "report", id, &r.grid_path, Some(&addr), &json!(rep))?;
    Ok(Ok(Merged::default()))
}

// ---- pull ------------------------------------------------------------------------------

pub fn pull(
    server: &Server,
    dev: &DeviceCtx,
    cursor: Option<&str>,
    seen: Option<&str>,
    limit: u32,
) -> Result<PullResponse> {
    let limit = limit.clamp(1, wire::MAX_PULL_LIMIT) as i64;
    // A restore found here is recorded (committed) before the refusal goes out.
    let checked = server.db.write(|tx| {
        if !crate::install::check(tx, dev)? {
            return Ok(Err(crate::install::cloned_error()));
        }
        let checked = crate::restore::check_pull(tx, dev, cursor, seen);
        // The cursor a device sends proves it applied everything before it.
        let from = checked.as_ref().map(|c| c.1).unwrap_or(0);
        tx.execute(
            "UPDATE devices SET acked_seq = CASE WHEN acked_seq > $2 THEN acked_seq ELSE $2 END, last_seen = $3 WHERE id = $1",
            &[dev.device_id.as_str().into(), from.into(), now_ms().into()],
        )?;
        Ok(checked)
    })?;
    let (here, from) = checked?;
    let upper = format!("{}~", dev.grid_path.trim_end_matches('/'));
    let rows = server.db.read(|tx| {
        // Pick the page's seqs from the (grid_path, seq) index alone, then fetch
        // those bodies: sorting whole rows of a large subtree for every page made
        // a supervisor's initial pull quadratic in its scope.
        tx.query(
            "SELECT kind, body, seq FROM records WHERE seq IN (
               SELECT seq FROM records
               WHERE seq > $1 AND ((grid_path >= $2 AND grid_path < $3) OR grid_path = '/')
               ORDER BY seq LIMIT $4)
             ORDER BY seq",
            &[
                from.into(),
                dev.grid_path.as_str().into(),
                upper.as_str().into(),
                (limit + 1).into(),
            ],
        )
    })?;
    let more = rows.len() as i64 > limit;
    let mut last = from;
    let mut changes = Vec::new();
    for r in rows.into_iter().take(limit as usize) {
        last = r.int(2)?;
        let body: Value =
            serde_json::from_str(&r.text(1)?).map_err(|e| ApiError::internal(e.to_string()))?;
        if let Some(c) = to_change(&r.text(0)?, body, dev)? {
            changes.push(c);
        }
    }
    let server_hlc = server.tick().to_string();
    Ok(PullResponse {
        changes,
        cursor: crate::restore::Position { seq: last, ..here }.encode(),
        more,
        server_hlc,
    })
}

/// Digest lines of one scope as a role sees it, as of a change sequence: kept
/// between syncs so a device's every-sync verification reads only what changed.
#[derive(Clone, Default)]
pub struct ScopeDigest {
    seq: i64,
    /// (record kind, id) → (checksum kind, digest line).
    lines: std::collections::HashMap<(String, String), (String, String)>,
}

/// A scope as the checksum sees it: grid path, role, and the user for volunteers.
type ScopeKey = (String, Role, Option<String>);

/// Scopes recently verified, most recent last; each holds a line per record.
#[derive(Default)]
pub struct ChecksumCache(Mutex<Vec<(ScopeKey, ScopeDigest)>>);

const CACHED_SCOPES: usize = 16;
/// Past this many changes since a scope's digest, rebuilding it is as cheap.
const MAX_DIGEST_DELTA: usize = 20_000;

/// Per-kind checksums of everything in the device's scope as it may see it.
pub fn checksum(
    server: &Server,
    dev: &DeviceCtx,
) -> Result<std::collections::BTreeMap<String, String>> {
    // Volunteers see only their own reports: their digest is theirs alone.
    let key = (
        dev.grid_path.clone(),
        dev.role,
        (!dev.role.sees_personal_data()).then(|| dev.user.clone()),
    );
    let cached = {
        let mut c = server.checksums.0.lock().unwrap_or_else(|e| e.into_inner());
        c.iter().position(|(k, _)| *k == key).map(|i| c.remove(i).1)
    };
    let upper = format!("{}~", dev.grid_path.trim_end_matches('/'));
    let digest = server.db.read(|tx| {
        let head = tx
            .query_one("SELECT COALESCE(MAX(seq), 0) FROM records", &[])?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        let mut d = cached.unwrap_or_default();
        let delta = if d.seq > 0 {
            // Every change since, wherever it is (a record may have left the scope),
            // but bodies only from inside the scope.
            let rows = tx.query(
                "SELECT kind, id, grid_path,
                   CASE WHEN (grid_path >= $4 AND grid_path < $5) OR grid_path = '/' THEN body ELSE '' END
                 FROM records WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
                &[
                    d.seq.into(),
                    head.into(),
                    (MAX_DIGEST_DELTA as i64 + 1).into(),
                    dev.grid_path.as_str().into(),
                    upper.as_str().into(),
                ],
            )?;
            (rows.len() <= MAX_DIGEST_DELTA).then_some(rows)
        } else {
            None
        };
        let rows = match delta {
            Some(rows) => rows,
            None => {
                d = ScopeDigest::default();
                tx.query(
                    "SELECT kind, id, grid_path, body FROM records WHERE ((grid_path >= $1 AND grid_path < $2) OR grid_path = '/') AND seq <= $3",
                    &[dev.grid_path.as_str().into(), upper.as_str().into(), head.into()],
                )?
            }
        };
        for r in rows {
            let (kind, id, path) = (r.text(0)?, r.text(1)?, r.text(2)?);
            let in_scope = path == "/" || dev.covers(&path);
            let change = if in_scope {
                let body: Value = serde_json::from_str(&r.text(3)?)
                    .map_err(|e| ApiError::internal(e.to_string()))?;
                to_change(&kind, body, dev)?
            } else {
                None
            };
            match change {
                Some(c) => {
                    d.lines.insert((kind, id), wire::digest_line(&c));
                }
                None => {
                    d.lines.remove(&(kind, id));
                }
            }
        }
        d.seq = head;
        Ok(d)
    })?;
    let mut by_kind: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (k, line) in digest.lines.values() {
        by_kind.entry(k).or_default().push(line);
    }
    let sums = by_kind
        .into_iter()
        .map(|(k, mut lines)| {
            lines.sort_unstable();
            let mut h = Sha256::new();
            for l in &lines {
                h.update(l.as_bytes());
                h.update(b"\n");
            }
            (
                k.to_string(),
                format!("{}:{}", lines.len(), hex::encode(h.finalize())),
            )
        })
        .collect();
    let mut c = server.checksums.0.lock().unwrap_or_else(|e| e.into_inner());
    c.push((key, digest));
    if c.len() > CACHED_SCOPES {
        c.remove(0);
    }
    Ok(sums)
}

/// The change as this device's role may see it, or nothing.
fn to_change(kind: &str, body: Value, dev: &DeviceCtx) -> Result<Option<Change>> {
    let personal = dev.role.sees_personal_data();
    let bad = |e: serde_json::Error| ApiError::internal(format!("record body: {e}"));
    Ok(match kind {
        "grid" => Some(Change::Grid {
            grid: serde_json::from_value(body).map_err(bad)?,
        }),
        "address" => Some(Change::Address {
            address: serde_json::from_value(body).map_err(bad)?,
        }),
        "template" => Some(Change::Template { body }),
        "inspection" if personal => Some(Change::Inspection {
            inspection: serde_json::from_value(body).map_err(bad)?,
        }),
        "hazard" if personal => {
            let d: HazardDoc = serde_json::from_value(body).map_err(bad)?;
            Some(Change::Hazard {
                hazard: Box::new(d.hazard),
                events: d.events,
            })
        }
        "report" => {
            let r: Report = serde_json::from_value(body).map_err(bad)?;
            // Volunteers see their own reports only.
            (personal || r.reporter == dev.user).then(|| Change::Report {
                report: Box::new(r),
            })
        }
        k => match EntityKind::parse(k) {
            Some(ek) if ek.visible_to(dev.role) => {
                let doc: EntityDoc = serde_json::from_value(body).map_err(bad)?;
                let mut st = doc.state;
                if !personal {
                    let keep = |f: &String| {
                        ek.field(f)
                            .is_some_and(|s| s.sensitivity == Sensitivity::Public)
                    };
                    st.fields.retain(|f, _| keep(f));
                    st.stamps.retain(|f, _| keep(f));
                }
                Some(Change::Entity { entity: st })
            }
            _ => None,
        },
    })
}

// ---- blobs -----------------------------------------------------------------------------

pub const MAX_BLOB_BYTES: u64 = gridfield_core::photo::DEFAULT_MAX_PHOTO_BYTES;

pub enum BlobState {
    Complete,
    Partial(u64),
    Absent,
}

pub fn blob_state(tx: &mut dyn Tx, hash: &str) -> Result<BlobState> {
    if tx
        .query_one("SELECT 1 FROM blobs WHERE hash = $1", &[hash.into()])?
        .is_some()
    {
        return Ok(BlobState::Complete);
    }
    Ok(
        match tx.query_one(
            "SELECT length(data) FROM blob_uploads WHERE hash = $1",
            &[hash.into()],
        )? {
            Some(r) => BlobState::Partial(r.int(0)? as u64),
            None => BlobState::Absent,
        },
    )
}

/// Append a chunk at `offset`. Returns the new offset, or Complete when the whole
/// blob arrived and its bytes hash to its name.
pub fn put_blob_chunk(
    tx: &mut dyn Tx,
    hash: &str,
    offset: u64,
    total: u64,
    mime: &str,
    chunk: &[u8],
) -> Result<BlobState> {
    if !gridfield_core::photo::is_valid_hash(hash) {
        return Err(ApiError::bad_request(
            "bad_hash",
            "blob name must be a lowercase SHA-256 hex digest",
        ));
    }
    if total == 0 || total > MAX_BLOB_BYTES {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "photo_too_large",
            format!("照片超过 {} MB 上限", MAX_BLOB_BYTES / 1048576),
        ));
    }
    let have = match blob_state(tx, hash)? {
        BlobState::Complete => return Ok(BlobState::Complete),
        BlobState::Partial(n) => n,
        BlobState::Absent => 0,
    };
    if offset != have {
        return Err(ApiError::conflict(
            "offset_mismatch",
            format!("expected offset {have}"),
        ));
    }
    if have + chunk.len() as u64 > total {
        return Err(ApiError::bad_request(
            "too_long",
            "more bytes than upload-length",
        ));
    }
    let mut data = if have > 0 {
        tx.query_one(
            "SELECT data FROM blob_uploads WHERE hash = $1",
            &[hash.into()],
        )?
        .map(|r| r.blob(0))
        .transpose()?
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    data.extend_from_slice(chunk);
    if data.len() as u64 == total {
        tx.execute("DELETE FROM blob_uploads WHERE hash = $1", &[hash.into()])?;
        if sha256_hex(&data) != hash {
            return Err(ApiError::unprocessable(
                "hash_mismatch",
                "照片内容与其哈希不符 (bytes do not match the hash)",
            ));
        }
        let mime = gridfield_core::photo::sniff_mime(&data)
            .unwrap_or(mime)
            .to_string();
        tx.execute(
            "INSERT INTO blobs (hash, size, mime, data, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
            &[hash.into(), (total as i64).into(), mime.into(), V::Blob(data), now_ms().into()],
        )?;
        return Ok(BlobState::Complete);
    }
    let n = data.len() as u64;
    tx.execute(
        "INSERT INTO blob_uploads (hash, size, mime, data, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (hash) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        &[
            hash.into(),
            (total as i64).into(),
            mime.into(),
            V::Blob(data),
            now_ms().into(),
        ],
    )?;
    Ok(BlobState::Partial(n))
}

/// Forget a partial upload (its assembled bytes did not match the hash).
pub fn discard_upload(tx: &mut dyn Tx, hash: &str) -> Result<()> {
    tx.execute("DELETE FROM blob_uploads WHERE hash = $1", &[hash.into()])?;
    Ok(())
}

pub fn get_blob(tx: &mut dyn Tx, hash: &str) -> Result<Option<(String, Vec<u8>)>> {
    Ok(
        match tx.query_one(
            "SELECT mime, data FROM blobs WHERE hash = $1",
            &[hash.into()],
        )? {
            Some(r) => Some((r.text(0)?, r.blob(1)?)),
            None => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_refs_reads_every_place_a_record_keeps_photos() {
        let (a, b, c, d) = (
            "a".repeat(64),
            "b".repeat(64),
            "c".repeat(64),
            "d".repeat(64),
        );
        let inspection = json!({
            "photos": { "ebike": [a, b] },
            "answers": { "signature": c, "site": [d, "not a hash"], "remarks": "text", "n": 3 }
        });
        assert_eq!(
            photo_refs("inspection", &inspection),
            vec![a.clone(), b.clone(), c.clone(), d.clone()]
        );
        let hazard = json!({
            "hazard": { "photos": [a] },
            "events": [{ "photos": [a] }, { "photos": [b] }, { "photos": [] }]
        });
        assert_eq!(photo_refs("hazard", &hazard), vec![a.clone(), b.clone()]);
        assert_eq!(
            photo_refs("report", &json!({ "photos": [c] })),
            vec![c.clone()]
        );
        assert!(photo_refs("household", &json!({ "photos": [d] })).is_empty());
    }
}
