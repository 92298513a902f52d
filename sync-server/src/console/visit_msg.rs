//! The console's texts for visit coverage (走访覆盖率), Chinese and English side by
//! side. Domain labels (entity kinds) come from the core.

use gridfield_core::i18n::Lang;

#[derive(Debug, Clone, PartialEq)]
pub enum VisitMsg {
    NavCoverage,
    Coverage,
    ThisMonth,
    ThisQuarter,
    ByGrid,
    ByWorker,
    Worker,
    Total,
    Planned,
    Due,
    OnTime,
    OnTimeShare,
    Overdue,
    NeverVisited,
    Workload,
    NoRules,
    ListDue,
    ListOverdue,
    ListNever,
    DueOn,
    Kind,
    Address,
    NoEntries,
    ListCapped { shown: usize },
    Export,
}

impl VisitMsg {
    pub fn text(&self, lang: Lang) -> String {
        use VisitMsg::*;
        let (zh, en) = match self {
            NavCoverage => ("走访覆盖", "Coverage"),
            Coverage => ("走访覆盖率", "Visit coverage"),
            ThisMonth => ("本月", "This month"),
            ThisQuarter => ("本季度", "This quarter"),
            ByGrid => ("按网格", "By grid"),
            ByWorker => ("按网格员", "By worker"),
            Worker => ("网格员", "Worker"),
            Total => ("合计", "Total"),
            Planned => ("计划走访对象", "Planned"),
            Due => ("本期应访", "Due this period"),
            OnTime => ("按期完成", "Done on time"),
            OnTimeShare => ("按期率", "On-time share"),
            Overdue => ("逾期未访", "Overdue"),
            NeverVisited => ("从未走访", "Never visited"),
            Workload => ("本期走访次数", "Visits this period"),
            NoRules => (
                "尚未载入走访规则：管理员载入后即可统计",
                "no visit rules loaded yet: coverage is counted once an administrator loads them",
            ),
            ListDue => ("本期应访对象", "Due this period"),
            ListOverdue => ("逾期未访对象", "Overdue visits"),
            ListNever => ("从未走访的对象", "Never visited"),
            DueOn => ("应访日期", "Due on"),
            Kind => ("对象类型", "Kind"),
            Address => ("地址", "Address"),
            NoEntries => ("没有符合条件的对象", "nothing to list"),
            ListCapped { shown } => {
                return match lang {
                    Lang::Zh => format!("仅显示前 {shown} 条"),
                    Lang::En => format!("only the first {shown} are shown"),
                };
            }
            Export => ("导出", "Export"),
        };
        lang.pick(zh, en).to_string()
    }

    /// Every message once, for the catalog test.
    pub fn samples() -> Vec<VisitMsg> {
        use VisitMsg::*;
        vec![
            NavCoverage,
            Coverage,
            ThisMonth,
            ThisQuarter,
            ByGrid,
            ByWorker,
            Worker,
            Total,
            Planned,
            Due,
            OnTime,
            OnTimeShare,
            Overdue,
            NeverVisited,
            Workload,
            NoRules,
            ListDue,
            ListOverdue,
            ListNever,
            DueOn,
            Kind,
            Address,
            NoEntries,
            ListCapped { shown: 500 },
            Export,
        ]
    }
}
