//! The console's texts for cases (事件): the 受理台, the department inbox, the 督办
//! list, the case page and the dashboard's case charts, Chinese and English side
//! by side. Domain labels (statuses, actions, sources, tiers) come from the core.

use gridfield_core::i18n::Lang;

#[derive(Debug, Clone, PartialEq)]
pub enum CaseMsg {
    NavCases,
    NavInbox,
    Cases,
    Case,
    Intake,
    Inbox,
    OverdueQueue,
    AllCases,
    CaseType,
    Source,
    Owner,
    Handler,
    Deadline,
    ClosedAt,
    Level,
    Parties,
    Phone,
    Subject,
    Amount,
    Sessions,
    Agreement,
    Signatures,
    Mediator,
    Participants,
    Place,
    Outcome,
    Suggestion,
    NoSuggestion,
    NoCases,
    Actions,
    NoActions,
    NoteLabel,
    NoteRequired,
    DispatchTo,
    ToPerson,
    ToDepartment,
    ToLevel,
    PersonName,
    NewDeadline,
    Rating,
    Settled,
    ChartCasesByType,
    ChartCasesByStatus,
    ChartOnTimeByDepartment,
    ChartOnTimeByLevel,
    ChartSettledByTier,
    NoData,
    /// `n` of `total`, as a share.
    Share {
        n: i64,
        total: i64,
    },
    /// A settled-per-tier bar: the share and the average days to settle.
    SettledShare {
        n: i64,
        total: i64,
        days: f64,
    },
    ChooseTarget,
    UnknownDepartment,
}

impl CaseMsg {
    pub fn text(&self, lang: Lang) -> String {
        use CaseMsg::*;
        let (zh, en) = match self {
            Share { n, total } => {
                let pct = n * 100 / (*total).max(1);
                return format!("{pct}% ({n}/{total})");
            }
            SettledShare { n, total, days } => {
                let pct = n * 100 / (*total).max(1);
                return match lang {
                    Lang::Zh => format!("{pct}% ({n}/{total})，平均 {days:.1} 天"),
                    Lang::En => format!("{pct}% ({n}/{total}), {days:.1} days on average"),
                };
            }
            NavCases => ("事件", "Cases"),
            NavInbox => ("部门收件箱", "Department inbox"),
            Cases | AllCases => ("事件列表", "All cases"),
            Case => ("事件", "Case"),
            Intake => ("受理台", "Intake desk"),
            Inbox => ("部门收件箱", "Department inbox"),
            OverdueQueue => ("督办", "Overdue (supervision)"),
            CaseType => ("事件类型", "Type"),
            Source => ("来源", "Source"),
            Owner => ("所属层级", "Owning level"),
            Handler => ("承办", "Handler"),
            Deadline => ("办理期限", "Due"),
            ClosedAt => ("结案时间", "Closed at"),
            Level => ("层级", "Level"),
            Parties => ("当事人", "Parties"),
            Phone => ("电话", "Phone"),
            Subject => ("纠纷事由", "Subject"),
            Amount => ("涉及金额（元）", "Amount (yuan)"),
            Sessions => ("调解记录", "Mediation sessions"),
            Agreement => ("调解协议", "Mediation agreement"),
            Signatures => ("签名", "Signatures"),
            Mediator => ("调解员", "Mediator"),
            Participants => ("参与人（逗号分隔）", "Participants (comma separated)"),
            Place => ("地点", "Place"),
            Outcome => ("结果", "Outcome"),
            Suggestion => ("推荐派往", "Suggested"),
            NoSuggestion => ("无推荐部门", "no suggestion"),
            NoCases => ("没有符合条件的事件。", "No cases match."),
            Actions => ("可办理", "Actions"),
            NoActions => ("当前没有可办理的操作。", "Nothing to do here now."),
            NoteLabel => ("说明", "Note"),
            NoteRequired => ("说明（必填）", "Note (required)"),
            DispatchTo => ("派往", "Dispatch to"),
            ToPerson => ("人员", "a person"),
            ToDepartment => ("职能部门", "a department"),
            ToLevel => ("下级层级", "a lower level"),
            PersonName => ("人员账号", "User name"),
            NewDeadline => ("新的期限", "New deadline"),
            Rating => ("评价", "Rating"),
            Settled => ("化解层级", "Settled at"),
            ChartCasesByType => ("事件：按类型", "Cases by type"),
            ChartCasesByStatus => ("事件：按状态", "Cases by status"),
            ChartOnTimeByDepartment => ("按期办结率：按部门", "On-time rate by department"),
            ChartOnTimeByLevel => ("按期办结率：按层级", "On-time rate by level"),
            ChartSettledByTier => ("矛盾纠纷化解层级", "Disputes settled per level"),
            NoData => ("—", "no data"),
            ChooseTarget => (
                "请选择派往的人员、部门或层级，未做任何更改。",
                "Choose a person, a department or a level to dispatch to; nothing was changed.",
            ),
            UnknownDepartment => (
                "没有这个职能部门，未做任何更改。",
                "No such department; nothing was changed.",
            ),
        };
        lang.pick(zh, en).to_string()
    }

    pub fn samples() -> Vec<CaseMsg> {
        use CaseMsg::*;
        vec![
            NavCases,
            NavInbox,
            Cases,
            Case,
            Intake,
            Inbox,
            OverdueQueue,
            AllCases,
            CaseType,
            Source,
            Owner,
            Handler,
            Deadline,
            ClosedAt,
            Level,
            Parties,
            Phone,
            Subject,
            Amount,
            Sessions,
            Agreement,
            Signatures,
            Mediator,
            Participants,
            Place,
            Outcome,
            Suggestion,
            NoSuggestion,
            NoCases,
            Actions,
            NoActions,
            NoteLabel,
            NoteRequired,
            DispatchTo,
            ToPerson,
            ToDepartment,
            ToLevel,
            PersonName,
            NewDeadline,
            Rating,
            Settled,
            ChartCasesByType,
            ChartCasesByStatus,
            ChartOnTimeByDepartment,
            ChartOnTimeByLevel,
            ChartSettledByTier,
            NoData,
            Share { n: 1, total: 2 },
            SettledShare {
                n: 1,
                total: 2,
                days: 1.5,
            },
            ChooseTarget,
            UnknownDepartment,
        ]
    }
}
