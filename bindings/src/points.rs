//! 积分 (points) for the shells: the balance and ledger the server last confirmed
//! (offline), vouchers issued offline, and a shop's offline voucher check.

use gridfield_core::points::voucher as vc;

use crate::error::Result;
use crate::*;

/// One ledger line, labelled in the store's language.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PointsEntry {
    pub id: String,
    /// `award`, `deduction`, `redemption` or `correction`.
    pub kind: String,
    pub kind_label: String,
    pub points: i64,
    pub reason: String,
    pub report_id: Option<String>,
    pub at: i64,
    /// False while a tiered award waits for a second supervisor.
    pub counted: bool,
}

/// A voucher this phone issued; `token` is what its QR code carries.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IssuedVoucher {
    pub id: String,
    pub amount: i64,
    pub shop: Option<String>,
    pub expires_at: i64,
    pub token: String,
    /// `None` until synced; `recorded`, or the server's refusal code.
    pub server_status: Option<String>,
}

impl From<gridfield_core::store::IssuedVoucher> for IssuedVoucher {
    fn from(v: gridfield_core::store::IssuedVoucher) -> Self {
        IssuedVoucher {
            id: v.id,
            amount: v.amount,
            shop: v.shop,
            expires_at: v.expires_at,
            token: v.token,
            server_status: v.server_status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PointsSummary {
    /// The balance the server confirmed at the last sync.
    pub balance: i64,
    /// What may still be spent offline.
    pub spendable: i64,
    pub entries: Vec<PointsEntry>,
    pub vouchers: Vec<IssuedVoucher>,
}

/// A shop's check of a voucher: valid with what it is worth, or the reason.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VoucherCheck {
    pub valid: bool,
    /// `voucher.bad_signature`, `voucher.expired`, … when not valid.
    pub code: Option<String>,
    pub reason: Option<String>,
    pub id: Option<String>,
    pub amount: Option<i64>,
    pub shop: Option<String>,
    pub expires_at: Option<i64>,
}

#[uniffi::export]
impl GridfieldStore {
    pub fn points_summary(&self) -> Result<PointsSummary> {
        let lang = self.inner.lang()?;
        let s = self.inner.points_state()?;
        Ok(PointsSummary {
            balance: s.confirmed_balance,
            spendable: s.spendable(),
            entries: s
                .entries
                .iter()
                .map(|e| PointsEntry {
                    id: e.id.clone(),
                    kind: e.kind.as_str().into(),
                    kind_label: e.kind.label(lang).into(),
                    points: e.points,
                    reason: e.reason.clone(),
                    report_id: e.report_id.clone(),
                    at: e.at,
                    counted: e.state == gridfield_core::points::EntryState::Counted,
                })
                .collect(),
            vouchers: s.issued.into_iter().map(Into::into).collect(),
        })
    }

    /// Issue a voucher offline for `amount` points at `shop` (or any), valid `days`.
    pub fn issue_voucher(
        &self,
        amount: i64,
        shop: Option<String>,
        days: u32,
    ) -> Result<IssuedVoucher> {
        let ms = i64::from(days.clamp(1, 365)) * 24 * 3600 * 1000;
        Ok(self
            .inner
            .issue_voucher(amount, shop.as_deref(), ms)?
            .into())
    }

    /// Whether the leaderboard may name this volunteer (sent at the next sync).
    pub fn set_leaderboard_opt_out(&self, out: bool) -> Result<()> {
        Ok(self.inner.set_leaderboard_opt_out(out)?)
    }

    /// Check a voucher offline against the issuer keys this phone trusts.
    pub fn verify_voucher(&self, payload: String, shop: Option<String>) -> Result<VoucherCheck> {
        let keys: Vec<String> = self
            .inner
            .trusted_issuers()?
            .iter()
            .map(|k| k.to_hex())
            .collect();
        Ok(check(&payload, &keys, shop.as_deref(), self.inner.lang()?))
    }
}

/// A QR code's modules, row by row (`true` dark), for a shell to draw: what a
/// voucher's `token` shows to the shop. No quiet zone; leave four modules around.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct QrMatrix {
    pub size: u32,
    pub dark: Vec<bool>,
}

/// `text` as a QR code at error correction M; `None` when it cannot fit one.
#[uniffi::export]
pub fn qr_matrix(text: String) -> Option<QrMatrix> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(QrMatrix {
        size: code.width() as u32,
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect(),
    })
}

/// A shop's offline check against the city's issuer keys (hex), with no store.
#[uniffi::export]
pub fn verify_voucher(
    payload: String,
    issuer_keys_hex: Vec<String>,
    shop: Option<String>,
    lang: Lang,
) -> VoucherCheck {
    check(&payload, &issuer_keys_hex, shop.as_deref(), lang.into())
}

fn check(
    payload: &str,
    keys: &[String],
    shop: Option<&str>,
    lang: gridfield_core::Lang,
) -> VoucherCheck {
    let trusted: Vec<_> = keys
        .iter()
        .filter_map(|k| gridfield_core::plate::IssuerPublicKey::from_hex(k).ok())
        .collect();
    match vc::verify(payload, &trusted, gridfield_core::store::now_ms(), shop) {
        Ok(v) => VoucherCheck {
            valid: true,
            code: None,
            reason: None,
            id: Some(v.id),
            amount: Some(v.amount),
            shop: v.shop,
            expires_at: Some(v.expires_at),
        },
        Err(e) => VoucherCheck {
            valid: false,
            code: Some(e.code().into()),
            reason: Some(e.message(lang).into()),
            id: None,
            amount: None,
            shop: None,
            expires_at: None,
        },
    }
}
