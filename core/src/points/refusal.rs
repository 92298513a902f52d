//! The points rules' "no" (and a report's category check), in both languages.

use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsRefusal {
    NotPermitted,
    /// A voucher's amount out of range.
    InvalidAmount {
        max: i64,
    },
    /// More than the balance (or, offline, the confirmed balance less the vouchers issued since).
    InsufficientBalance {
        available: i64,
    },
    /// A supervisor's adjustment beyond what the rules allow.
    AdjustTooLarge {
        max: i64,
    },
    /// An adjustment needs a reason the volunteer sees.
    AdjustReasonRequired,
    /// The second approver of a tiered award must be another supervisor.
    SameApprover,
    /// Nothing awaits approval under that entry.
    NotAwaiting,
    /// A report's category is not in the case taxonomy.
    UnknownCategory,
    /// A report's category is retired.
    CategoryRetired,
    /// The phone has no certified voucher key yet (it gets one at its next sync).
    KeyNotCertified,
}

impl PointsRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            PointsRefusal::NotPermitted => "points.not_permitted",
            PointsRefusal::InvalidAmount { .. } => "points.invalid_amount",
            PointsRefusal::InsufficientBalance { .. } => "points.insufficient_balance",
            PointsRefusal::AdjustTooLarge { .. } => "points.adjust_too_large",
            PointsRefusal::AdjustReasonRequired => "points.adjust_reason_required",
            PointsRefusal::SameApprover => "points.same_approver",
            PointsRefusal::NotAwaiting => "points.not_awaiting",
            PointsRefusal::UnknownCategory => "report.unknown_category",
            PointsRefusal::CategoryRetired => "report.category_retired",
            PointsRefusal::KeyNotCertified => "points.key_not_certified",
        }
    }

    pub fn is_permission(&self) -> bool {
        matches!(
            self,
            PointsRefusal::NotPermitted | PointsRefusal::SameApprover
        )
    }

    pub fn message(&self, lang: Lang) -> String {
        use PointsRefusal as R;
        match (self, lang) {
            (R::NotPermitted, Lang::Zh) => "只有网格长可以处理积分".into(),
            (R::NotPermitted, Lang::En) => "only supervisors handle points".into(),
            (R::InvalidAmount { max }, Lang::Zh) => format!("兑换积分须在 1–{max} 之间"),
            (R::InvalidAmount { max }, Lang::En) => format!("a voucher must be 1–{max} points"),
            (R::InsufficientBalance { available }, Lang::Zh) => {
                format!("积分不足，可用 {available} 分")
            }
            (R::InsufficientBalance { available }, Lang::En) => {
                format!("not enough points: {available} available")
            }
            (R::AdjustTooLarge { max }, Lang::Zh) => format!("积分调整不能超过 {max} 分"),
            (R::AdjustTooLarge { max }, Lang::En) => {
                format!("an adjustment may be at most {max} points")
            }
            (R::AdjustReasonRequired, Lang::Zh) => "调整积分时必须填写原因".into(),
            (R::AdjustReasonRequired, Lang::En) => "an adjustment needs a reason".into(),
            (R::SameApprover, Lang::Zh) => "高额奖励须由另一位网格长复核".into(),
            (R::SameApprover, Lang::En) => {
                "a tiered award needs a second, different supervisor".into()
            }
            (R::NotAwaiting, Lang::Zh) => "该积分记录无需复核".into(),
            (R::NotAwaiting, Lang::En) => "that entry is not awaiting approval".into(),
            (R::UnknownCategory, Lang::Zh) => "上报类别不存在".into(),
            (R::UnknownCategory, Lang::En) => "unknown report category".into(),
            (R::CategoryRetired, Lang::Zh) => "该上报类别已停用".into(),
            (R::CategoryRetired, Lang::En) => "that report category is retired".into(),
            (R::KeyNotCertified, Lang::Zh) => "请先联网同步一次，登记本机的兑换密钥".into(),
            (R::KeyNotCertified, Lang::En) => {
                "sync once first so the server certifies this phone's voucher key".into()
            }
        }
    }

    /// One of each reason, for tests that walk every message.
    pub fn samples() -> Vec<PointsRefusal> {
        vec![
            PointsRefusal::NotPermitted,
            PointsRefusal::InvalidAmount { max: 500 },
            PointsRefusal::InsufficientBalance { available: 3 },
            PointsRefusal::AdjustTooLarge { max: 5 },
            PointsRefusal::AdjustReasonRequired,
            PointsRefusal::SameApprover,
            PointsRefusal::NotAwaiting,
            PointsRefusal::UnknownCategory,
            PointsRefusal::CategoryRetired,
            PointsRefusal::KeyNotCertified,
        ]
    }
}
