//! The console's texts for the dashboard's figures and for triage (the review
//! queue and the hazard board), Chinese and English side by side. Domain labels
//! (statuses, severities, categories) come from the core.

use gridfield_core::i18n::Lang;

#[derive(Debug, Clone, PartialEq)]
pub enum TriageMsg {
    Period,
    Apply,
    BadRange,
    LegendClosed,
    LegendInProgress,
    LegendOverdue,
    ChartRateByGrid,
    ChartOpenedClosed,
    Opened,
    Closed,
    InspectionsPerDay,
    InspectionsPerWeek,
    Checklist,
    HazardsRaised,
    Duration,
    Minutes { n: i64 },
    TooShort { min: i64 },
    Veto,
    ApproveAndNext,
    QueueDone,
    ConfirmApprove { n: usize },
    ConfirmTitle,
    ConfirmYes,
    Cancel,
    SortBy,
    TabOpen,
    TabAll,
    ChooseAssignee,
    AssigneeOutsideGrid,
    BeforeRectification,
    AfterRectification,
    NoPhoto,
    RaisedBy,
}

impl TriageMsg {
    pub fn text(&self, lang: Lang) -> String {
        use TriageMsg::*;
        let (zh, en) = match self {
            Minutes { n } => {
                return match lang {
                    Lang::Zh => format!("{n} 分钟"),
                    Lang::En => format!("{n} min"),
                };
            }
            TooShort { min } => {
                return match lang {
                    Lang::Zh => format!("用时不足 {min} 分钟"),
                    Lang::En => format!("shorter than {min} min"),
                };
            }
            ConfirmApprove { n } => {
                return match lang {
                    Lang::Zh => format!("确认通过 {n} 条记录？"),
                    Lang::En => format!("Approve {n} records?"),
                };
            }
            Period => ("统计区间", "Period"),
            Apply => ("应用", "Apply"),
            BadRange => (
                "日期格式应为 年-月-日，已按近 30 天统计",
                "Dates are written year-month-day; showing the last 30 days",
            ),
            LegendClosed => ("已销号", "closed"),
            LegendInProgress => ("整改中", "in progress"),
            LegendOverdue => ("已逾期", "overdue"),
            ChartRateByGrid => ("各网格隐患销号率", "Hazards closed by grid"),
            ChartOpenedClosed => ("新增与销号隐患", "Hazards opened and closed"),
            Opened => ("新增", "opened"),
            Closed => ("销号", "closed"),
            InspectionsPerDay => ("每日检查数", "Inspections per day"),
            InspectionsPerWeek => ("每周检查数", "Inspections per week"),
            Checklist => ("检查表", "Checklist"),
            HazardsRaised => ("发现隐患", "Hazards raised"),
            Duration => ("用时", "Duration"),
            Veto => ("一票否决", "veto"),
            ApproveAndNext => ("通过并下一条", "Approve and next"),
            QueueDone => ("待审核的检查已全部处理", "Nothing left to review"),
            ConfirmTitle => ("确认批量通过", "Confirm batch approval"),
            ConfirmYes => ("确认通过", "Approve"),
            Cancel => ("取消", "Cancel"),
            SortBy => ("排序", "Sort"),
            TabOpen => ("未销号", "open"),
            TabAll => ("全部", "all"),
            ChooseAssignee => ("请选择责任人", "Choose a person"),
            AssigneeOutsideGrid => (
                "所选人员的网格不包含此隐患，请从列表中选择",
                "That person's grid does not cover this hazard; choose someone from the list",
            ),
            BeforeRectification => ("整改前", "Before"),
            AfterRectification => ("整改后", "After"),
            NoPhoto => ("无照片", "no photo"),
            RaisedBy => ("来源检查", "Raised by inspection"),
        };
        lang.pick(zh, en).to_string()
    }

    pub fn samples() -> Vec<TriageMsg> {
        use TriageMsg::*;
        vec![
            Period,
            Apply,
            BadRange,
            LegendClosed,
            LegendInProgress,
            LegendOverdue,
            ChartRateByGrid,
            ChartOpenedClosed,
            Opened,
            Closed,
            InspectionsPerDay,
            InspectionsPerWeek,
            Checklist,
            HazardsRaised,
            Duration,
            Minutes { n: 3 },
            TooShort { min: 5 },
            Veto,
            ApproveAndNext,
            QueueDone,
            ConfirmApprove { n: 8 },
            ConfirmTitle,
            ConfirmYes,
            Cancel,
            SortBy,
            TabOpen,
            TabAll,
            ChooseAssignee,
            AssigneeOutsideGrid,
            BeforeRectification,
            AfterRectification,
            NoPhoto,
            RaisedBy,
        ]
    }
}
