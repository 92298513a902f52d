//! 积分 on the server: the ledger (awards by the rules in force, tiered awards
//! waiting for a second supervisor, redemptions, corrections), the rules as
//! loaded by the admin, shops, and vouchers (recorded once, double spends caught
//! and reversed). The rules themselves are the core's (`points`).

use gridfield_core::checklist::Severity;
use gridfield_core::grid::GridScope;
use gridfield_core::points::voucher::{self, VoucherError};
use gridfield_core::points::{
    EntryKind, EntryState, LedgerEntry, PointsRefusal, PointsRules, PointsSyncRequest,
    PointsSyncResponse, VoucherKeyCert, VoucherOutcome,
};
use gridfield_core::records::Report;

use super::{DeviceCtx, Error, Result, refused};
use crate::db::{RowExt, Tx};

/// One China Standard Time day in ms: the daily cap's day.
const DAY_MS: i64 = 24 * 3600 * 1000;
const CST_MS: i64 = 8 * 3600 * 1000;

fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7())
}

/// The rules in force (the core's defaults until an admin loads some).
pub fn rules(tx: &mut dyn Tx) -> Result<PointsRules> {
    match tx.query_one("SELECT body FROM points_rules WHERE id = 1", &[])? {
        Some(r) => serde_json::from_str(&r.text(0)?).map_err(Error::internal),
        None => Ok(PointsRules::default()),
    }
}

/// Validate `text` against the case taxonomy and put it in force; nothing changes
/// when any line is wrong (every wrong line named).
pub fn load_rules(tx: &mut dyn Tx, text: &str, at: i64) -> Result<PointsRules> {
    let cats = super::taxonomy::case(tx)?;
    let r = PointsRules::parse(text, &cats).map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
        Error::invalid("invalid_points_rules", lines.join("\n"))
    })?;
    let body = serde_json::to_string(&r).map_err(Error::internal)?;
    tx.execute(
        "INSERT INTO points_rules (id, body, loaded_at) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, loaded_at = excluded.loaded_at",
        &[body.into(), at.into()],
    )?;
    Ok(r)
}

const COLS: &str =
    "id, volunteer, kind, points, reason, report_id, voucher_id, by_user, at, state, approved_by";

fn entry(r: &crate::db::Row) -> Result<LedgerEntry> {
    Ok(LedgerEntry {
        id: r.text(0)?,
        volunteer: r.text(1)?,
        kind: EntryKind::parse(&r.text(2)?).ok_or_else(|| Error::internal("ledger kind"))?,
        points: r.int(3)?,
        reason: r.text(4)?,
        report_id: r.opt_text(5),
        voucher_id: r.opt_text(6),
        by_user: r.text(7)?,
        at: r.int(8)?,
        state: EntryState::parse(&r.text(9)?).ok_or_else(|| Error::internal("ledger state"))?,
        approved_by: r.opt_text(10),
    })
}

/// A volunteer's ledger, oldest first.
pub fn entries(tx: &mut dyn Tx, volunteer: &str) -> Result<Vec<LedgerEntry>> {
    tx.query(
        &format!("SELECT {COLS} FROM points_ledger WHERE volunteer = $1 ORDER BY at, id"),
        &[volunteer.into()],
    )?
    .iter()
    .map(entry)
    .collect()
}

/// The ledger of the volunteers in a supervisor's scope (one volunteer's if
/// named), newest first, with each entry's grid path.
pub fn entries_in(
    tx: &mut dyn Tx,
    scope: &GridScope,
    volunteer: Option<&str>,
    limit: i64,
) -> Result<Vec<(LedgerEntry, String)>> {
    let (lo, hi) = scope.range();
    tx.query(
        &format!(
            "SELECT {COLS}, grid_path FROM points_ledger WHERE grid_path >= $1 AND grid_path < $2
             AND ($3 = '' OR volunteer = $3) ORDER BY at DESC, id LIMIT $4"
        ),
        &[
            lo.into(),
            hi.into(),
            volunteer.unwrap_or("").into(),
            limit.into(),
        ],
    )?
    .iter()
    .map(|r| Ok((entry(r)?, r.text(11)?)))
    .collect()
}

/// One leaderboard line: grid path, volunteer (`None` when they opted out of
/// being named), their counted awards.
pub type Standing = (String, Option<String>, i64);

/// Volunteers by counted awards, per grid in scope, best first.
pub fn leaderboard(tx: &mut dyn Tx, scope: &GridScope) -> Result<Vec<Standing>> {
    let (lo, hi) = scope.range();
    tx.query(
        "SELECT l.grid_path, l.volunteer, CAST(SUM(l.points) AS BIGINT), MAX(o.username)
         FROM points_ledger l LEFT JOIN points_opt_outs o ON o.username = l.volunteer
         WHERE l.kind = 'award' AND l.state = 'counted' AND l.grid_path >= $1 AND l.grid_path < $2
         GROUP BY l.grid_path, l.volunteer ORDER BY l.grid_path, SUM(l.points) DESC, l.volunteer",
        &[lo.into(), hi.into()],
    )?
    .iter()
    .map(|r| {
        let named = r.opt_text(3).is_none();
        Ok((r.text(0)?, named.then(|| r.text(1)).transpose()?, r.int(2)?))
    })
    .collect()
}

/// Shop settlement: per month (CST, `YYYY-MM`) and shop, vouchers redeemed and
/// their points.
pub fn settlement(tx: &mut dyn Tx) -> Result<Vec<(String, String, i64, i64)>> {
    let rows = tx.query(
        "SELECT redeemed_shop, redeemed_at, amount FROM vouchers
         WHERE redeemed_at IS NOT NULL ORDER BY redeemed_at",
        &[],
    )?;
    let mut out: std::collections::BTreeMap<(String, String), (i64, i64)> = Default::default();
    for r in rows {
        let month = chrono::DateTime::from_timestamp_millis(r.int(1)? + CST_MS)
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_default();
        let e = out.entry((month, r.text(0)?)).or_default();
        e.0 += 1;
        e.1 += r.int(2)?;
    }
    Ok(out
        .into_iter()
        .map(|((m, s), (n, p))| (m, s, n, p))
        .collect())
}

pub fn balance(tx: &mut dyn Tx, volunteer: &str) -> Result<i64> {
    Ok(tx
        .query_one(
            "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_ledger WHERE volunteer = $1 AND state = 'counted'",
            &[volunteer.into()],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

fn awarded_on_day(tx: &mut dyn Tx, volunteer: &str, at: i64) -> Result<i64> {
    let start = (at + CST_MS).div_euclid(DAY_MS) * DAY_MS - CST_MS;
    Ok(tx
        .query_one(
            "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM points_ledger
             WHERE volunteer = $1 AND kind = 'award' AND state = 'counted' AND at >= $2 AND at < $3",
            &[volunteer.into(), start.into(), (start + DAY_MS).into()],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

fn user_grid_path(tx: &mut dyn Tx, user: &str) -> Result<String> {
    let grid = tx
        .query_one(
            "SELECT grid_code FROM users WHERE name = $1",
            &[user.into()],
        )?
        .map(|r| r.text(0))
        .transpose()?
        .unwrap_or_default();
    Ok(super::grids::grid_path(tx, &grid)?.unwrap_or_default())
}

fn insert(tx: &mut dyn Tx, grid_path: &str, e: &LedgerEntry) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO points_ledger ({COLS}, grid_path) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ),
        &[
            e.id.as_str().into(),
            e.volunteer.as_str().into(),
            e.kind.as_str().into(),
            e.points.into(),
            e.reason.as_str().into(),
            e.report_id.clone().into(),
            e.voucher_id.clone().into(),
            e.by_user.as_str().into(),
            e.at.into(),
            e.state.as_str().into(),
            e.approved_by.clone().into(),
            grid_path.into(),
        ],
    )?;
    Ok(())
}

/// How a supervisor prices an accepted report: the severity the rules look up,
/// and an adjustment within the rules (with its reason).
#[derive(Debug, Clone)]
pub struct Pricing {
    pub severity: Severity,
    pub adjust: i64,
    pub reason: Option<String>,
}

/// Award an accepted volunteer report by the rules. A tiered award waits for a
/// second supervisor; a counted one is cut to the daily cap. Returns the entry.
pub fn award_report(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    rep: &Report,
    p: &Pricing,
    at: i64,
) -> Result<LedgerEntry> {
    let r = rules(tx)?;
    let a = r
        .award(
            rep.category.as_deref(),
            p.severity,
            p.adjust,
            p.reason.as_deref(),
        )
        .map_err(refused)?;
    let mut e = LedgerEntry {
        id: new_id("pt"),
        volunteer: rep.reporter.clone(),
        kind: EntryKind::Award,
        points: a.points,
        reason: p
            .reason
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("report {} ({})", rep.id, p.severity.as_str())),
        report_id: Some(rep.id.clone()),
        voucher_id: None,
        by_user: dev.user.clone(),
        at,
        state: if a.needs_second_approver {
            EntryState::AwaitingApproval
        } else {
            EntryState::Counted
        },
        approved_by: None,
    };
    if e.state == EntryState::Counted {
        let today = awarded_on_day(tx, &e.volunteer, at)?;
        e.points = r.capped(e.points, today);
    }
    let path = user_grid_path(tx, &e.volunteer)?;
    insert(tx, &path, &e)?;
    Ok(e)
}

/// The second supervisor approves a tiered award: it counts from now (cut to the
/// daily cap of the approval's day).
pub fn approve(tx: &mut dyn Tx, dev: &DeviceCtx, id: &str, at: i64) -> Result<LedgerEntry> {
    if !dev.role.supervises() {
        return Err(refused(PointsRefusal::NotPermitted));
    }
    let row = tx
        .query_one(
            &format!("SELECT {COLS}, grid_path FROM points_ledger WHERE id = $1"),
            &[id.into()],
        )?
        .ok_or_else(|| Error::NotFound(id.into()))?;
    if !dev.covers(&row.text(11)?) {
        return Err(super::out_of_scope());
    }
    let mut e = entry(&row)?;
    if e.state != EntryState::AwaitingApproval {
        return Err(refused(PointsRefusal::NotAwaiting));
    }
    if e.by_user == dev.user {
        return Err(refused(PointsRefusal::SameApprover));
    }
    let today = awarded_on_day(tx, &e.volunteer, at)?;
    e.points = rules(tx)?.capped(e.points, today);
    e.state = EntryState::Counted;
    e.approved_by = Some(dev.user.clone());
    tx.execute(
        "UPDATE points_ledger SET state = 'counted', points = $2, approved_by = $3 WHERE id = $1",
        &[id.into(), e.points.into(), dev.user.as_str().into()],
    )?;
    Ok(e)
}

/// A deduction (negative) or correction (positive) by `by`, with a reason; the
/// balance may not go below zero.
pub fn adjust(
    tx: &mut dyn Tx,
    by: &str,
    volunteer: &str,
    points: i64,
    reason: &str,
    at: i64,
) -> Result<LedgerEntry> {
    if reason.trim().is_empty() {
        return Err(refused(PointsRefusal::AdjustReasonRequired));
    }
    if points == 0 || points.unsigned_abs() > gridfield_core::points::rules::MAX_RULE_POINTS as u64
    {
        return Err(refused(PointsRefusal::AdjustTooLarge {
            max: gridfield_core::points::rules::MAX_RULE_POINTS,
        }));
    }
    if tx
        .query_one("SELECT 1 FROM users WHERE name = $1", &[volunteer.into()])?
        .is_none()
    {
        return Err(Error::NotFound(volunteer.into()));
    }
    let available = balance(tx, volunteer)?;
    if available + points < 0 {
        return Err(refused(PointsRefusal::InsufficientBalance { available }));
    }
    let e = LedgerEntry {
        id: new_id("pt"),
        volunteer: volunteer.into(),
        kind: if points < 0 {
            EntryKind::Deduction
        } else {
            EntryKind::Correction
        },
        points,
        reason: reason.trim().into(),
        report_id: None,
        voucher_id: None,
        by_user: by.into(),
        at,
        state: EntryState::Counted,
        approved_by: None,
    };
    let path = user_grid_path(tx, volunteer)?;
    insert(tx, &path, &e)?;
    Ok(e)
}

/// Register a shop (商户) vouchers may name.
pub fn add_shop(tx: &mut dyn Tx, code: &str, name: &str, at: i64) -> Result<()> {
    if code.trim().is_empty() || name.trim().is_empty() || code.len() > 64 {
        return Err(Error::invalid(
            "invalid_shop",
            "商户编码和名称不能为空 (a shop needs a code and a name)",
        ));
    }
    tx.execute(
        "INSERT INTO shops (code, name, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name",
        &[code.trim().into(), name.trim().into(), at.into()],
    )?;
    Ok(())
}

pub fn shops(tx: &mut dyn Tx) -> Result<Vec<(String, String)>> {
    tx.query("SELECT code, name FROM shops ORDER BY code", &[])?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?)))
        .collect()
}

fn voucher_error(e: VoucherError) -> Error {
    Error::invalid(
        e.code().rsplit('.').next().unwrap_or("invalid_voucher"),
        format!(
            "{} ({})",
            e.message(gridfield_core::Lang::Zh),
            e.message(gridfield_core::Lang::En)
        ),
    )
}

fn verify(tx: &mut dyn Tx, token: &str, at: i64, shop: Option<&str>) -> Result<voucher::Voucher> {
    let trusted = [super::plates::issuer_public_key(tx)?];
    voucher::verify(token, &trusted, at, shop).map_err(voucher_error)
}

/// Record a voucher the first time the server hears of it and debit its amount.
/// Returns false when it was already recorded. The balance never goes negative.
fn record(tx: &mut dyn Tx, v: &voucher::Voucher, token: &str, by: &str, at: i64) -> Result<bool> {
    if tx
        .query_one(
            "SELECT 1 FROM vouchers WHERE id = $1",
            &[v.id.as_str().into()],
        )?
        .is_some()
    {
        return Ok(false);
    }
    let available = balance(tx, &v.volunteer)?;
    gridfield_core::points::check_redeem(available, v.amount).map_err(refused)?;
    tx.execute(
        "INSERT INTO vouchers (id, volunteer, device, amount, shop, issued_at, expires_at, token, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            v.id.as_str().into(),
            v.volunteer.as_str().into(),
            v.device.as_str().into(),
            v.amount.into(),
            v.shop.clone().into(),
            v.issued_at.into(),
            v.expires_at.into(),
            token.trim().into(),
            at.into(),
        ],
    )?;
    let path = user_grid_path(tx, &v.volunteer)?;
    insert(
        tx,
        &path,
        &LedgerEntry {
            id: new_id("pt"),
            volunteer: v.volunteer.clone(),
            kind: EntryKind::Redemption,
            points: -v.amount,
            reason: format!("voucher {}", v.id),
            report_id: None,
            voucher_id: Some(v.id.clone()),
            by_user: by.into(),
            at,
            state: EntryState::Counted,
            approved_by: None,
        },
    )?;
    Ok(true)
}

/// What a shop's presentation of a voucher came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Presented {
    /// Good: redeemed now at this shop.
    Redeemed(voucher::Voucher),
    /// Spent before (at `shop`, `at`): a double spend, recorded and reversed.
    DoubleSpend {
        voucher: voucher::Voucher,
        first_shop: Option<String>,
        first_at: i64,
    },
}

/// A shop presents a voucher (the console's shop page): verified as the shop
/// would offline, recorded if new, marked redeemed; a second presentation is a
/// double spend: recorded for the admin and reversed in the ledger (the debit it
/// would be, and its correction), so the volunteer pays once.
pub fn present(tx: &mut dyn Tx, by: &str, token: &str, shop: &str, at: i64) -> Result<Presented> {
    if tx
        .query_one("SELECT 1 FROM shops WHERE code = $1", &[shop.into()])?
        .is_none()
    {
        return Err(Error::invalid("unknown_shop", "商户未登记 (unknown shop)"));
    }
    let v = verify(tx, token, at, Some(shop))?;
    record(tx, &v, token, by, at)?;
    let row = tx
        .query_one(
            "SELECT redeemed_at, redeemed_shop FROM vouchers WHERE id = $1",
            &[v.id.as_str().into()],
        )?
        .ok_or_else(|| Error::internal("voucher vanished"))?;
    if let Some(first_at) = row.opt_int(0) {
        let first_shop = row.opt_text(1);
        tx.execute(
            "INSERT INTO voucher_double_spends (id, voucher_id, shop, at, by_user) VALUES ($1, $2, $3, $4, $5)",
            &[new_id("ds").into(), v.id.as_str().into(), shop.into(), at.into(), by.into()],
        )?;
        let path = user_grid_path(tx, &v.volunteer)?;
        for (kind, points, reason) in [
            (EntryKind::Redemption, -v.amount, "double spend"),
            (EntryKind::Correction, v.amount, "double spend reversed"),
        ] {
            insert(
                tx,
                &path,
                &LedgerEntry {
                    id: new_id("pt"),
                    volunteer: v.volunteer.clone(),
                    kind,
                    points,
                    reason: format!("{reason}: voucher {} at {shop}", v.id),
                    report_id: None,
                    voucher_id: Some(v.id.clone()),
                    by_user: by.into(),
                    at,
                    state: EntryState::Counted,
                    approved_by: None,
                },
            )?;
        }
        return Ok(Presented::DoubleSpend {
            voucher: v,
            first_shop,
            first_at,
        });
    }
    tx.execute(
        "UPDATE vouchers SET redeemed_at = $2, redeemed_shop = $3 WHERE id = $1",
        &[v.id.as_str().into(), at.into(), shop.into()],
    )?;
    Ok(Presented::Redeemed(v))
}

/// A second presentation of a voucher, for the admin.
#[derive(Debug, Clone, PartialEq)]
pub struct DoubleSpend {
    pub voucher: String,
    pub volunteer: String,
    pub amount: i64,
    pub shop: String,
    pub at: i64,
}

/// Double spends caught, newest first.
pub fn double_spends(tx: &mut dyn Tx) -> Result<Vec<DoubleSpend>> {
    tx.query(
        "SELECT d.voucher_id, v.volunteer, v.amount, COALESCE(d.shop, ''), d.at
         FROM voucher_double_spends d JOIN vouchers v ON v.id = d.voucher_id ORDER BY d.at DESC",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(DoubleSpend {
            voucher: r.text(0)?,
            volunteer: r.text(1)?,
            amount: r.int(2)?,
            shop: r.text(3)?,
            at: r.int(4)?,
        })
    })
    .collect()
}

/// A volunteer's phone syncs its points: its key certified, its vouchers
/// recorded (each judged on its own), its own ledger back.
pub fn sync(
    tx: &mut dyn Tx,
    dev: &DeviceCtx,
    req: &PointsSyncRequest,
    at: i64,
) -> Result<PointsSyncResponse> {
    let cert = match &req.voucher_key {
        Some(k) => Some(
            VoucherKeyCert::certify(&super::plates::issuer(tx)?, &dev.user, &dev.device_id, k)
                .map_err(voucher_error)?,
        ),
        None => None,
    };
    if let Some(out) = req.leaderboard_opt_out {
        set_opt_out(tx, &dev.user, out, at)?;
    }
    let trusted = [super::plates::issuer_public_key(tx)?];
    let mut outcomes = Vec::new();
    for token in &req.vouchers {
        let id = voucher::decode_unverified(token)
            .map(|v| v.id)
            .unwrap_or_default();
        // Judged on its own: one bad voucher does not hold back the others.
        // Expiry is the shop's concern: a voucher issued is debited whenever it arrives.
        let status = match voucher::verify(token, &trusted, i64::MIN, None) {
            Err(e) => e.code().to_string(),
            Ok(v) if v.volunteer != dev.user => PointsRefusal::NotPermitted.code().to_string(),
            Ok(v) => match record(tx, &v, token, &dev.user, at) {
                Ok(_) => "recorded".to_string(),
                Err(Error::Refused(r)) => r.code.to_string(),
                Err(e) => return Err(e),
            },
        };
        outcomes.push(VoucherOutcome { id, status });
    }
    Ok(PointsSyncResponse {
        balance: balance(tx, &dev.user)?,
        entries: entries(tx, &dev.user)?,
        cert,
        vouchers: outcomes,
    })
}

/// Opt a volunteer out of (or back into) being named on the leaderboard.
pub fn set_opt_out(tx: &mut dyn Tx, user: &str, out: bool, at: i64) -> Result<()> {
    if out {
        tx.execute(
            "INSERT INTO points_opt_outs (username, at) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING",
            &[user.into(), at.into()],
        )?;
    } else {
        tx.execute(
            "DELETE FROM points_opt_outs WHERE username = $1",
            &[user.into()],
        )?;
    }
    Ok(())
}
