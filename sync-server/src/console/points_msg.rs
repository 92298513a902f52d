//! The console's texts for 积分 (points): the ledger, tiered approvals, the
//! leaderboard, shop settlement and the shop's voucher check. Entry kinds and
//! states come from the core.

use gridfield_core::i18n::Lang;

#[derive(Debug, Clone, PartialEq)]
pub enum PointsMsg {
    NavPoints,
    Points,
    Awaiting,
    NoAwaiting,
    Approve,
    Approved,
    Ledger,
    NoEntries,
    Volunteer,
    Kind,
    Amount,
    State,
    Reason,
    By,
    Approver,
    Leaderboard,
    Anonymous,
    Balance,
    DoubleSpends,
    NoDoubleSpends,
    Voucher,
    Shop,
    ShopCheck,
    ShopHint,
    Payload,
    Check,
    Settlement,
    Month,
    Count,
    Redeemed {
        amount: i64,
        id: String,
    },
    DoubleSpend {
        first_shop: String,
        first_at: String,
    },
    UnknownShop,
}

impl PointsMsg {
    pub fn text(&self, lang: Lang) -> String {
        use PointsMsg::*;
        let (zh, en) = match self {
            Redeemed { amount, id } => {
                return match lang {
                    Lang::Zh => format!("代金券有效，已兑换 {amount} 分（编号 {id}）"),
                    Lang::En => format!("voucher good: {amount} points redeemed (id {id})"),
                };
            }
            DoubleSpend {
                first_shop,
                first_at,
            } => {
                return match lang {
                    Lang::Zh => format!(
                        "重复兑换：该代金券已于 {first_at} 在 {first_shop} 兑换，已记录并在积分账中冲正"
                    ),
                    Lang::En => format!(
                        "double spend: this voucher was redeemed at {first_shop} on {first_at}; recorded and reversed in the ledger"
                    ),
                };
            }
            NavPoints => ("积分", "Points"),
            Points => ("积分账", "Points ledger"),
            Awaiting => (
                "待复核的高额奖励",
                "Tiered awards awaiting a second approver",
            ),
            NoAwaiting => ("没有待复核的奖励", "Nothing awaits approval"),
            Approve => ("复核通过", "Approve"),
            Approved => ("已复核，积分已入账", "Approved: the points count now"),
            Ledger => ("积分明细", "Ledger"),
            NoEntries => ("暂无积分记录", "No ledger entries"),
            Volunteer => ("志愿者", "Volunteer"),
            Kind => ("类型", "Kind"),
            Amount => ("积分", "Points"),
            State => ("状态", "State"),
            Reason => ("事由", "Reason"),
            By => ("经办人", "By"),
            Approver => ("复核人", "Approver"),
            Leaderboard => ("积分排行（按网格）", "Leaderboard by grid"),
            Anonymous => ("匿名志愿者", "Anonymous volunteer"),
            Balance => ("余额", "Balance"),
            DoubleSpends => ("重复兑换（已冲正）", "Double spends (reversed)"),
            NoDoubleSpends => ("没有重复兑换", "No double spends"),
            Voucher => ("代金券", "Voucher"),
            Shop => ("商户", "Shop"),
            ShopCheck => ("商户核销代金券", "Shop: check a voucher"),
            ShopHint => (
                "粘贴代金券二维码的内容；核验签名后记录兑换，同一张券只能兑换一次。",
                "Paste the voucher's QR text: its signature is checked, then the redemption is recorded; a voucher is spent once.",
            ),
            Payload => ("代金券内容", "Voucher text"),
            Check => ("核验并兑换", "Check and redeem"),
            Settlement => ("商户结算", "Shop settlement"),
            Month => ("月份", "Month"),
            Count => ("张数", "Vouchers"),
            UnknownShop => ("商户未登记", "unknown shop"),
        };
        lang.pick(zh, en).to_string()
    }

    pub fn samples() -> Vec<PointsMsg> {
        use PointsMsg::*;
        vec![
            NavPoints,
            Points,
            Awaiting,
            NoAwaiting,
            Approve,
            Approved,
            Ledger,
            NoEntries,
            Volunteer,
            Kind,
            Amount,
            State,
            Reason,
            By,
            Approver,
            Leaderboard,
            Anonymous,
            Balance,
            DoubleSpends,
            NoDoubleSpends,
            Voucher,
            Shop,
            ShopCheck,
            ShopHint,
            Payload,
            Check,
            Settlement,
            Month,
            Count,
            UnknownShop,
            Redeemed {
                amount: 20,
                id: "0193".into(),
            },
            DoubleSpend {
                first_shop: "0001".into(),
                first_at: "2026-03-01 10:00".into(),
            },
        ]
    }
}
