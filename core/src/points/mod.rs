//! 积分 (points): the ledger a volunteer's points live in, the rules that price an
//! accepted report (as data), and signed vouchers spent at designated shops.
//! Written once here; the server, the console and the phone call these rules.

pub mod refusal;
pub mod rules;
pub mod voucher;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

pub use refusal::PointsRefusal;
pub use rules::{Award, PointsRules, RuleLineError};
pub use voucher::{Voucher, VoucherError, VoucherKeyCert};

/// What a ledger entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Points for an accepted report.
    Award,
    /// Points taken away by a supervisor (with a reason).
    Deduction,
    /// Points spent on a voucher.
    Redemption,
    /// A fix of an earlier entry (a reversed double spend).
    Correction,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Award => "award",
            EntryKind::Deduction => "deduction",
            EntryKind::Redemption => "redemption",
            EntryKind::Correction => "correction",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            EntryKind::Award,
            EntryKind::Deduction,
            EntryKind::Redemption,
            EntryKind::Correction,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EntryKind::Award => lang.pick("奖励", "award"),
            EntryKind::Deduction => lang.pick("扣减", "deduction"),
            EntryKind::Redemption => lang.pick("兑换", "redemption"),
            EntryKind::Correction => lang.pick("更正", "correction"),
        }
    }
}

/// Whether an entry counts towards the balance yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    Counted,
    /// A tiered award waiting for a second supervisor (不计入余额).
    AwaitingApproval,
}

impl EntryState {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Counted => "counted",
            EntryState::AwaitingApproval => "awaiting_approval",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "counted" => Some(EntryState::Counted),
            "awaiting_approval" => Some(EntryState::AwaitingApproval),
            _ => None,
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EntryState::Counted => lang.pick("已入账", "counted"),
            EntryState::AwaitingApproval => lang.pick("待复核", "awaiting a second approver"),
        }
    }
}

/// One line of a volunteer's ledger: who, how many (signed), why, which report or
/// voucher, by whom and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub id: String,
    pub volunteer: String,
    pub kind: EntryKind,
    /// Signed: awards and corrections in the volunteer's favour are positive.
    pub points: i64,
    pub reason: String,
    pub report_id: Option<String>,
    pub voucher_id: Option<String>,
    pub by_user: String,
    pub at: i64,
    pub state: EntryState,
    /// The second supervisor of a tiered award.
    pub approved_by: Option<String>,
}

/// The balance: the counted entries' sum.
pub fn balance(entries: &[LedgerEntry]) -> i64 {
    entries
        .iter()
        .filter(|e| e.state == EntryState::Counted)
        .map(|e| e.points)
        .sum()
}

/// What a phone may still spend offline: the balance the server last confirmed
/// minus the vouchers issued since that the server has not yet debited.
pub fn spendable(confirmed: i64, unsynced_vouchers: impl IntoIterator<Item = i64>) -> i64 {
    confirmed - unsynced_vouchers.into_iter().sum::<i64>()
}

/// Judge a redemption of `amount` against what is `available`.
pub fn check_redeem(available: i64, amount: i64) -> Result<(), PointsRefusal> {
    if !(1..=voucher::MAX_AMOUNT).contains(&amount) {
        return Err(PointsRefusal::InvalidAmount {
            max: voucher::MAX_AMOUNT,
        });
    }
    if amount > available {
        return Err(PointsRefusal::InsufficientBalance {
            available: available.max(0),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(points: i64, state: EntryState) -> LedgerEntry {
        LedgerEntry {
            id: "e".into(),
            volunteer: "v".into(),
            kind: EntryKind::Award,
            points,
            reason: String::new(),
            report_id: None,
            voucher_id: None,
            by_user: "s".into(),
            at: 0,
            state,
            approved_by: None,
        }
    }

    #[test]
    fn awaiting_awards_do_not_count() {
        let e = [
            entry(10, EntryState::Counted),
            entry(50, EntryState::AwaitingApproval),
            entry(-4, EntryState::Counted),
        ];
        assert_eq!(balance(&e), 6);
    }

    #[test]
    fn offline_spending_is_bounded_by_the_confirmed_balance() {
        assert_eq!(spendable(20, [5, 10]), 5);
        assert_eq!(check_redeem(5, 5), Ok(()));
        assert_eq!(
            check_redeem(5, 6),
            Err(PointsRefusal::InsufficientBalance { available: 5 })
        );
        assert_eq!(
            check_redeem(-3, 1),
            Err(PointsRefusal::InsufficientBalance { available: 0 })
        );
        assert!(check_redeem(100, 0).is_err());
    }
}

/// `POST /v1/points/sync`: a volunteer's phone hands in the vouchers it issued
/// (and its voucher key until certified) and gets its own ledger back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointsSyncRequest {
    /// The device's Ed25519 voucher key (hex), until the server has certified it.
    #[serde(default)]
    pub voucher_key: Option<String>,
    /// Voucher tokens issued on the phone since the last points sync.
    #[serde(default)]
    pub vouchers: Vec<String>,
    /// Set when the volunteer changed whether the leaderboard may name them.
    #[serde(default)]
    pub leaderboard_opt_out: Option<bool>,
}

/// What the server did with one pushed voucher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoucherOutcome {
    pub id: String,
    /// `recorded` (debited now or before) or a refusal code.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointsSyncResponse {
    /// The balance the server confirms (counted entries).
    pub balance: i64,
    /// The volunteer's whole ledger, oldest first.
    pub entries: Vec<LedgerEntry>,
    pub cert: Option<VoucherKeyCert>,
    pub vouchers: Vec<VoucherOutcome>,
}
