//! 积分 on the phone, kept in `device_meta` (no schema change): the voucher key
//! (an Ed25519 seed made here, never sent), the server's certificate for it, the
//! ledger and balance the server last confirmed, and the vouchers issued here
//! (offline, against that balance less what was issued since).

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::Tx;
use super::meta::{meta_get, meta_put};
use crate::error::{Error, Result};
use crate::plate::PlateIssuer;
use crate::points::{
    self, LedgerEntry, PointsRefusal, PointsSyncRequest, PointsSyncResponse, Voucher,
    VoucherKeyCert, voucher,
};

const META_KEY: &str = "points.voucher_key";
const META_STATE: &str = "points.state";

/// A voucher this phone issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedVoucher {
    pub id: String,
    pub amount: i64,
    pub shop: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    /// What the QR carries.
    pub token: String,
    /// `None` until the server answered for it: `recorded`, or a refusal code.
    pub server_status: Option<String>,
}

/// What the phone knows of its points.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PointsState {
    /// The balance the server confirmed at the last points sync.
    pub confirmed_balance: i64,
    pub entries: Vec<LedgerEntry>,
    pub cert: Option<VoucherKeyCert>,
    pub issued: Vec<IssuedVoucher>,
    /// A leaderboard choice not yet sent.
    pub opt_out_pending: Option<bool>,
    pub synced_at: Option<i64>,
}

impl PointsState {
    /// What may still be spent offline.
    pub fn spendable(&self) -> i64 {
        points::spendable(
            self.confirmed_balance,
            self.issued
                .iter()
                .filter(|v| v.server_status.is_none())
                .map(|v| v.amount),
        )
    }
}

pub(crate) fn state(c: &Connection) -> Result<PointsState> {
    Ok(match meta_get(c, META_STATE)? {
        Some(s) => serde_json::from_str(&s)?,
        None => PointsState::default(),
    })
}

fn save(c: &Connection, s: &PointsState) -> Result<()> {
    meta_put(c, META_STATE, &serde_json::to_string(s)?)
}

/// The phone's voucher key, made on first use.
fn key(c: &Connection) -> Result<PlateIssuer> {
    if let Some(h) = meta_get(c, META_KEY)? {
        let seed: [u8; 32] = hex::decode(h)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::refused(PointsRefusal::KeyNotCertified))?;
        return Ok(PlateIssuer::from_seed(seed));
    }
    let k = PlateIssuer::generate()?;
    meta_put(c, META_KEY, &hex::encode(k.seed()))?;
    Ok(k)
}

/// What the next points sync sends.
pub(crate) fn request(t: &mut Tx<'_>) -> Result<PointsSyncRequest> {
    let s = state(&t.tx)?;
    let k = key(&t.tx)?;
    Ok(PointsSyncRequest {
        voucher_key: s
            .cert
            .as_ref()
            .is_none_or(|c| c.key != k.public_key().to_hex())
            .then(|| k.public_key().to_hex()),
        vouchers: s
            .issued
            .iter()
            .filter(|v| v.server_status.is_none())
            .map(|v| v.token.clone())
            .collect(),
        leaderboard_opt_out: s.opt_out_pending,
    })
}

/// Keep what the server answered.
pub(crate) fn apply(
    t: &mut Tx<'_>,
    sent: &PointsSyncRequest,
    r: &PointsSyncResponse,
) -> Result<()> {
    let mut s = state(&t.tx)?;
    s.confirmed_balance = r.balance;
    s.entries = r.entries.clone();
    if let Some(c) = &r.cert {
        s.cert = Some(c.clone());
    }
    for o in &r.vouchers {
        if let Some(v) = s.issued.iter_mut().find(|v| v.id == o.id) {
            v.server_status = Some(o.status.clone());
        }
    }
    if s.opt_out_pending == sent.leaderboard_opt_out {
        s.opt_out_pending = None;
    }
    s.synced_at = Some(t.now);
    save(&t.tx, &s)?;
    t.audit(
        "points_sync",
        "points",
        &t.me.user.clone(),
        Some(&serde_json::json!({ "balance": r.balance, "vouchers": r.vouchers.len() })),
    )
}

/// Issue a voucher offline against the confirmed balance less the vouchers
/// issued since; it goes to the server at the next sync.
pub(crate) fn issue(
    t: &mut Tx<'_>,
    amount: i64,
    shop: Option<&str>,
    valid_ms: i64,
) -> Result<IssuedVoucher> {
    let mut s = state(&t.tx)?;
    let k = key(&t.tx)?;
    let cert = s
        .cert
        .clone()
        .filter(|c| c.key == k.public_key().to_hex())
        .ok_or_else(|| Error::refused(PointsRefusal::KeyNotCertified))?;
    points::check_redeem(s.spendable(), amount).map_err(Error::refused)?;
    let v = Voucher {
        v: 1,
        id: format!("vc-{}", uuid::Uuid::now_v7()),
        volunteer: t.me.user.clone(),
        device: t.me.device_id.clone(),
        amount,
        shop: shop
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from),
        issued_at: t.now,
        expires_at: t.now + valid_ms,
        cert,
    };
    let token =
        voucher::issue(&k, &v).map_err(|_| Error::refused(PointsRefusal::KeyNotCertified))?;
    let issued = IssuedVoucher {
        id: v.id.clone(),
        amount,
        shop: v.shop.clone(),
        issued_at: v.issued_at,
        expires_at: v.expires_at,
        token,
        server_status: None,
    };
    s.issued.push(issued.clone());
    save(&t.tx, &s)?;
    t.audit(
        "voucher_issue",
        "voucher",
        &v.id,
        Some(&serde_json::json!({ "amount": amount, "shop": v.shop })),
    )?;
    Ok(issued)
}

/// Ask the server to leave this volunteer unnamed on the leaderboard (or name them).
pub(crate) fn set_opt_out(t: &mut Tx<'_>, out: bool) -> Result<()> {
    let mut s = state(&t.tx)?;
    s.opt_out_pending = Some(out);
    save(&t.tx, &s)
}
