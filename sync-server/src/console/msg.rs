//! The console's message catalog: every piece of console text keyed by an
//! identifier, Chinese and English side by side. Domain labels (statuses, kinds,
//! categories, roles) are not here: they come from `gridfield_core`.

use gridfield_core::i18n::Lang;

/// One console message. Unit variants are fixed text; the others carry what the
/// sentence needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    // frame and navigation
    ConsoleTitle,
    Brand,
    NavDashboard,
    NavReview,
    NavHazards,
    NavReports,
    NavPlates,
    NavConflicts,
    NavAudit,
    SignOut,
    BackToDashboard,
    All,
    Previous,
    Next,
    Pager {
        total: i64,
        page: i64,
        pages: i64,
    },
    ExportThisFilter,
    Filter,
    Grid,
    Status,
    Address,
    Time,
    // errors and flashes
    SessionEnded,
    CsrfFailed,
    NotFound,
    InternalError,
    FlashApproved,
    FlashReturned,
    FlashBatch,
    FlashStep,
    FlashAccepted,
    FlashDismissed,
    // sign-in
    SignInTitle,
    UserName,
    Password,
    SignIn,
    EnterCredentials,
    WrongCredentials,
    TooManyAttempts {
        seconds: i64,
    },
    ControlCharacters,
    // dashboard
    Dashboard,
    TileAwaitingReview,
    TileOpenHazards,
    TileOverdueHazards,
    TileEscalated,
    TilePendingReports,
    ChartInspectionsPerDay,
    ChartHazardsByCategory,
    ChartHazardsByStatus,
    ChartRectificationByGrid,
    ChartOverdueByGrid,
    ChartTopRiskAddresses,
    // inspections
    InspectionReview,
    Review,
    From,
    To,
    ReviewKeys,
    Started,
    Inspector,
    Score,
    Result,
    ReviewStatus,
    Pass,
    Fail,
    NoInspections,
    ApproveSelected,
    SelectFirst,
    AnswerYes,
    AnswerNo,
    AnswerNa,
    Location,
    NotRecorded,
    /// A record's location: coordinates, and the fix's accuracy and time when known.
    LocationFix {
        coords: String,
        accuracy_m: Option<i64>,
        fixed_at: Option<String>,
    },
    ReviewComment,
    Approve,
    ReturnCommentLabel,
    ReturnKey,
    Answers,
    FailedItem,
    Inspection,
    History,
    // hazards
    HazardBoard,
    Hazards,
    Hazard,
    Category,
    Severity,
    OverdueOnly,
    Escalated,
    Reported,
    Assignee,
    Deadline,
    Overdue,
    EscalatedTo {
        grid: String,
    },
    EscalatedNotice {
        grid: String,
    },
    NoHazards,
    Description,
    PhotoInput,
    AssignTitle,
    Save,
    VerifyTitle,
    VerifyNote,
    CloseOnceVerified,
    Verify,
    RejectTitle,
    ReasonRequired,
    SendBack,
    CloseHazard,
    WhyReopen,
    Reopen,
    Steps,
    StepReported,
    ViaConsole,
    ViaDevice,
    StepAssignee,
    StepDeadline,
    UnknownAction,
    DeadlineFormat,
    DeadlinePast {
        today: String,
    },
    PhotoTooLarge {
        mb: u64,
    },
    PhotoType,
    UploadTooLarge,
    FormUnreadable,
    PhotoUploadFailed,
    // reports
    ReportInbox,
    Reports,
    Report,
    Text,
    Reporter,
    NoReports,
    ReportCategory,
    Recategorise,
    PossibleDuplicate,
    DecisionNote,
    Points,
    OpenMadeHazard,
    Accept,
    RewardPoints,
    PointsLevel,
    PointsAdjust,
    PointsAdjustReason,
    NoteOptional,
    AlsoHazard,
    HazardCategory,
    Dismiss,
    DismissReason,
    // door plates and addresses
    DoorPlates,
    SearchAddresses,
    SearchExample,
    Search,
    PlateSerial,
    AddressCode,
    NoAddresses,
    PrintSheets,
    MakeSheet,
    Coordinates,
    AtThisAddress,
    KindInspection,
    KindHazard,
    KindReport,
    AddressHistory,
    NothingYet,
    PlateSheetTitle,
    PlateSheet,
    Print,
    NextSheet,
    AddressTitle,
    // conflicts and audit
    ConflictLog,
    Conflicts,
    ConflictHint,
    When,
    Record,
    Field,
    Kept,
    KeptFrom,
    Overwritten,
    OverwrittenFrom,
    NoConflicts,
    AuditTrail,
    Audit,
    Who,
    Device,
    Action,
    Detail,
    RecordId,
    NoAuditRows,
    // personal data
    Reveal,
    RevealNotAllowed,
    RevealAudited,
    ExportEntities,
    /// The cases' texts (`case_msg`).
    Case(super::case_msg::CaseMsg),
    /// The checklist templates' texts (`template_msg`).
    Template(super::template_msg::TemplateMsg),
    /// The visit coverage texts (`visit_msg`).
    Visit(super::visit_msg::VisitMsg),
    /// The points' texts (`points_msg`).
    PointsText(super::points_msg::PointsMsg),
}

impl Msg {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use Msg::*;
        let (zh, en) = match self {
            Case(m) => return m.text(lang),
            Template(m) => return m.text(lang),
            Visit(m) => return m.text(lang),
            PointsText(m) => return m.text(lang),
            Pager { total, page, pages } => {
                return match lang {
                    Lang::Zh => format!("共 {total} · 页 {page}/{pages}"),
                    Lang::En => format!("total {total} · page {page}/{pages}"),
                };
            }
            TooManyAttempts { seconds } => {
                return match lang {
                    Lang::Zh => format!("登录失败次数过多，请 {seconds} 秒后再试。"),
                    Lang::En => {
                        format!("Too many failed attempts: try again in {seconds} seconds.")
                    }
                };
            }
            EscalatedTo { grid } => {
                return match lang {
                    Lang::Zh => format!("已升级至{grid}"),
                    Lang::En => format!("escalated to {grid}"),
                };
            }
            EscalatedNotice { grid } => {
                return match lang {
                    Lang::Zh => format!("逾期未整改，已升级至：{grid}"),
                    Lang::En => format!("Overdue: escalated to {grid}"),
                };
            }
            DeadlinePast { today } => {
                return match lang {
                    Lang::Zh => format!("整改期限不能早于今天（{today}），未做任何更改。"),
                    Lang::En => format!("The deadline cannot be in the past (today is {today})."),
                };
            }
            LocationFix {
                coords,
                accuracy_m,
                fixed_at,
            } => {
                let mut out = coords.clone();
                if let Some(a) = accuracy_m {
                    out += &match lang {
                        Lang::Zh => format!("（精度约 {a} 米）"),
                        Lang::En => format!(" (accuracy about {a} m)"),
                    };
                }
                if let Some(t) = fixed_at {
                    out += &match lang {
                        Lang::Zh => format!("，定位于 {t}"),
                        Lang::En => format!(", fixed at {t}"),
                    };
                }
                return out;
            }
            PhotoTooLarge { mb } => {
                return match lang {
                    Lang::Zh => format!("照片超过 {mb} MB 上限，未做任何更改。"),
                    Lang::En => format!("The photo is larger than {mb} MB; nothing was changed."),
                };
            }
            ConsoleTitle => ("网格通管理台", "Gridfield console"),
            Brand => ("网格通 · 管理台", "Gridfield · Console"),
            NavDashboard | Dashboard => ("概览", "Dashboard"),
            NavReview => ("审核", "Review"),
            NavHazards => ("隐患", "Hazards"),
            NavReports => ("上报", "Reports"),
            NavPlates => ("门牌", "Door plates"),
            NavConflicts => ("冲突", "Conflicts"),
            NavAudit => ("审计", "Audit"),
            SignOut => ("退出", "Sign out"),
            BackToDashboard => ("返回概览", "Back to the dashboard"),
            All => ("全部", "all"),
            Previous => ("上一页", "previous"),
            Next => ("下一页", "next"),
            ExportThisFilter => ("按当前筛选导出", "Export this filter"),
            Filter => ("筛选", "Filter"),
            Grid => ("网格", "Grid"),
            Status => ("状态", "Status"),
            Address => ("地址", "Address"),
            Time => ("时间", "Time"),
            SessionEnded => (
                "登录已失效，请重新登录。",
                "Your session ended; please sign in again.",
            ),
            CsrfFailed => (
                "表单已失效（CSRF 校验失败），请刷新页面后重试。",
                "The form expired (CSRF check failed); reload the page and try again.",
            ),
            NotFound => (
                "没有找到该记录，或它不在您的网格范围内。",
                "Not found, or outside your grids.",
            ),
            InternalError => (
                "服务器内部错误，请稍后重试。",
                "Internal server error; please try again.",
            ),
            FlashApproved => ("已审核通过。", "Approved."),
            FlashReturned => (
                "已退回，意见将在下次同步时送达网格员。",
                "Returned; the comment reaches the worker at the next sync.",
            ),
            FlashBatch => ("已批量审核通过。", "Approved the selected inspections."),
            FlashStep => ("隐患已更新。", "Hazard updated."),
            FlashAccepted => ("上报已采纳。", "Report accepted."),
            FlashDismissed => (
                "上报未采纳，原因将在下次同步时送达志愿者。",
                "Report dismissed; the volunteer sees the reason at the next sync.",
            ),
            SignInTitle => ("管理台登录", "Sign in to the console"),
            UserName => ("用户名", "User name"),
            Password => ("密码", "Password"),
            SignIn => ("登录", "Sign in"),
            EnterCredentials => ("请输入用户名和密码。", "Enter your user name and password."),
            WrongCredentials => ("用户名或密码错误。", "Wrong user name or password."),
            ControlCharacters => (
                "链接中含有控制字符或无效字符，请删除后重试。",
                "The link contains control characters or invalid bytes: remove them and try again.",
            ),
            TileAwaitingReview => ("待审核检查", "awaiting review"),
            TileOpenHazards => ("未销号隐患", "open hazards"),
            TileOverdueHazards => ("逾期隐患", "overdue hazards"),
            TileEscalated => ("逾期升级", "escalated"),
            TilePendingReports => ("待处理上报", "pending reports"),
            ChartInspectionsPerDay => ("近 30 天每日检查数", "Inspections per day, last 30 days"),
            ChartHazardsByCategory => ("隐患类别分布", "Hazards by category"),
            ChartHazardsByStatus => ("隐患状态分布", "Hazards by status"),
            ChartRectificationByGrid => ("各网格整改率", "Rectification rate by grid"),
            ChartOverdueByGrid => ("各网格逾期隐患", "Overdue hazards by grid"),
            ChartTopRiskAddresses => (
                "风险最高的地址（未销号隐患数）",
                "Top risk addresses (open hazards)",
            ),
            InspectionReview => ("检查审核", "Inspection review"),
            Review => ("检查审核", "Review"),
            From => ("从", "From"),
            To => ("到", "To"),
            ReviewKeys => (
                "键盘：j/k 上下移动，x 勾选，Enter 打开，Shift+A 批量通过所选。",
                "Keys: j/k move, x select, Enter open, Shift+A approve the selected.",
            ),
            Started => ("检查时间", "Started"),
            Inspector => ("检查人", "Inspector"),
            Score => ("得分", "Score"),
            Result => ("结果", "Result"),
            ReviewStatus => ("审核状态", "Review"),
            Pass => ("合格", "pass"),
            Fail => ("不合格", "fail"),
            NoInspections => ("没有符合条件的检查记录。", "No inspections match."),
            ApproveSelected => ("批量通过所选", "Approve selected"),
            SelectFirst => (
                "请先勾选要通过的检查记录。",
                "Select the inspections to approve first.",
            ),
            AnswerYes => ("是", "yes"),
            AnswerNo => ("否", "no"),
            AnswerNa => ("不适用", "n/a"),
            Location => ("位置", "Location"),
            NotRecorded => ("未记录", "not recorded"),
            ReviewComment => ("审核意见", "Comment"),
            Approve => ("审核通过", "Approve"),
            ReturnCommentLabel => (
                "退回意见（必填，将送达网格员）",
                "Comment for the worker (required to return)",
            ),
            ReturnKey => ("退回 (r)", "Return (r)"),
            Answers => ("检查内容", "Answers"),
            FailedItem => ("不合格项", "failed"),
            Inspection => ("检查记录", "Inspection"),
            History => ("处理记录", "History"),
            HazardBoard => ("隐患看板", "Hazard board"),
            Hazards => ("隐患看板", "Hazards"),
            Hazard => ("隐患", "Hazard"),
            Category => ("类别", "Category"),
            Severity => ("等级", "Severity"),
            OverdueOnly => ("仅逾期", "overdue only"),
            Escalated => ("已升级", "escalated"),
            Reported => ("上报时间", "Reported"),
            Assignee => ("责任人", "Assignee"),
            Deadline => ("整改期限", "Deadline"),
            Overdue => ("逾期", "overdue"),
            NoHazards => ("没有符合条件的隐患。", "No hazards match."),
            Description => ("描述", "Description"),
            PhotoInput => (
                "照片（可选，不超过 10 MB）",
                "Photo (optional, at most 10 MB)",
            ),
            AssignTitle => ("交办 / 调整期限", "Assign / move the deadline"),
            Save => ("保存", "Save"),
            VerifyTitle => ("复核整改", "Verify the rectification"),
            VerifyNote => ("复核说明", "Note"),
            CloseOnceVerified => ("复核通过后同时销号", "Close it once verified"),
            Verify => ("复核通过", "Verify"),
            RejectTitle => ("复核不通过", "Reject the rectification"),
            ReasonRequired => ("原因（必填）", "Reason (required)"),
            SendBack => ("退回整改", "Send back"),
            CloseHazard => ("销号", "Close"),
            WhyReopen => ("重新打开的原因", "Why reopen"),
            Reopen => ("重新打开", "Reopen"),
            Steps => ("处理过程", "Steps"),
            StepReported => ("上报", "reported"),
            ViaConsole => ("管理台", "console"),
            ViaDevice => ("移动端", "device"),
            StepAssignee => ("责任人", "assignee"),
            StepDeadline => ("期限", "deadline"),
            UnknownAction => ("未知操作。", "Unknown action."),
            DeadlineFormat => (
                "整改期限格式不正确（应为 年-月-日）。",
                "The deadline must be a date (yyyy-mm-dd).",
            ),
            PhotoType => (
                "只能上传 JPEG、PNG 或 WebP 图片，未做任何更改。",
                "Only JPEG, PNG or WebP images can be uploaded; nothing was changed.",
            ),
            UploadTooLarge => (
                "上传内容过大，未做任何更改。",
                "The upload is too large; nothing was changed.",
            ),
            FormUnreadable => ("表单内容无法解析。", "The form could not be read."),
            PhotoUploadFailed => ("照片上传失败。", "The photo upload failed."),
            ReportInbox => ("群众上报", "Report inbox"),
            Reports => ("群众上报", "Reports"),
            Report => ("上报", "Report"),
            ReportCategory => ("上报类别", "Category"),
            Recategorise => ("更改类别", "Change the category"),
            PossibleDuplicate => ("疑似重复", "Possible duplicate"),
            Text => ("内容", "Text"),
            Reporter => ("上报人", "Reporter"),
            NoReports => ("没有符合条件的上报。", "No reports match."),
            DecisionNote => ("处理说明", "Decision note"),
            Points => ("积分", "Points"),
            OpenMadeHazard => ("查看由此生成的隐患", "Open the hazard made from it"),
            Accept => ("采纳", "Accept"),
            RewardPoints => ("奖励积分", "Points"),
            PointsLevel => (
                "积分等级（按积分规则）",
                "Points level (by the points rules)",
            ),
            PointsAdjust => ("积分调整（±）", "Adjustment (±)"),
            PointsAdjustReason => ("调整原因", "Reason for the adjustment"),
            NoteOptional => ("说明（可选）", "Note (optional)"),
            AlsoHazard => ("同时登记为隐患", "Also record it as a hazard"),
            HazardCategory => ("隐患类别", "Category"),
            Dismiss => ("不采纳", "Dismiss"),
            DismissReason => (
                "原因（必填，志愿者可见）",
                "Reason (required; the volunteer sees it)",
            ),
            DoorPlates => ("门牌管理", "Door plates"),
            SearchAddresses => ("搜索地址、门牌编号", "Search addresses and plate serials"),
            // The English example used to be Chinese text; an English page shows
            // the same street in pinyin instead.
            SearchExample => ("如：建设路12号", "e.g. 12 Jianshe Road"),
            Search => ("搜索", "Search"),
            PlateSerial => ("门牌编号", "Plate serial"),
            AddressCode => ("地址编码", "Code"),
            NoAddresses => ("没有找到匹配的地址。", "No address matches."),
            PrintSheets => ("打印门牌二维码", "Print plate QR sheets"),
            MakeSheet => ("生成打印页", "Make the sheet"),
            Coordinates => ("坐标", "Coordinates"),
            AtThisAddress => (
                "一标多实：此地址的实有人口、房屋与单位",
                "Everything at this address",
            ),
            KindInspection => ("检查", "inspection"),
            KindHazard => ("隐患", "hazard"),
            KindReport => ("上报", "report"),
            AddressHistory => ("走访、隐患与上报记录", "Visits, hazards and reports"),
            NothingYet => ("暂无记录。", "Nothing yet."),
            PlateSheetTitle => ("门牌二维码", "Plate QR sheet"),
            PlateSheet => ("门牌二维码", "Plate sheet"),
            Print => ("打印", "Print"),
            NextSheet => ("下一张", "next sheet"),
            AddressTitle => ("地址", "Address"),
            ConflictLog => ("冲突记录", "Conflict log"),
            Conflicts => ("冲突记录", "Conflicts"),
            ConflictHint => (
                "两台设备同时修改同一字段时，被覆盖的值保存在这里。",
                "When two devices changed the same field concurrently, the overwritten value is kept here.",
            ),
            When => ("时间", "When"),
            Record => ("对象", "Record"),
            Field => ("字段", "Field"),
            Kept => ("保留值", "Kept"),
            KeptFrom => ("保留自设备", "Kept from"),
            Overwritten => ("被覆盖值", "Overwritten"),
            OverwrittenFrom => ("被覆盖设备", "Overwritten from"),
            NoConflicts => ("暂无冲突。", "No conflicts."),
            AuditTrail => ("审计记录", "Audit trail"),
            Audit => ("审计记录", "Audit"),
            Who => ("操作人", "Who"),
            Device => ("设备", "Device"),
            Action => ("操作", "Action"),
            Detail => ("详情", "Detail"),
            RecordId => ("对象编号", "Record id"),
            NoAuditRows => ("没有符合条件的审计记录。", "No audit rows match."),
            Reveal => ("查看完整", "Reveal"),
            RevealNotAllowed => (
                "您的角色不能查看完整的身份证号和电话。",
                "Your role may not see full ID numbers and phones.",
            ),
            RevealAudited => (
                "身份证号和电话默认打码；查看完整会记入审计记录。",
                "ID numbers and phones are masked; revealing one is recorded in the audit trail.",
            ),
            ExportEntities => (
                "导出住户、人员、出租房屋和单位",
                "Export households, persons, rental units and businesses",
            ),
        };
        lang.pick(zh, en).to_string()
    }

    /// Every message once, with sample arguments: what the language test walks.
    pub fn samples() -> Vec<Msg> {
        [
            Msg::ConsoleTitle,
            Msg::Brand,
            Msg::NavDashboard,
            Msg::NavReview,
            Msg::NavHazards,
            Msg::NavReports,
            Msg::NavPlates,
            Msg::NavConflicts,
            Msg::NavAudit,
            Msg::SignOut,
            Msg::BackToDashboard,
            Msg::All,
            Msg::Previous,
            Msg::Next,
            Msg::Pager {
                total: 3,
                page: 3,
                pages: 3,
            },
            Msg::ExportThisFilter,
            Msg::Filter,
            Msg::Grid,
            Msg::Status,
            Msg::Address,
            Msg::Time,
            Msg::SessionEnded,
            Msg::CsrfFailed,
            Msg::NotFound,
            Msg::InternalError,
            Msg::FlashApproved,
            Msg::FlashReturned,
            Msg::FlashBatch,
            Msg::FlashStep,
            Msg::FlashAccepted,
            Msg::FlashDismissed,
            Msg::SignInTitle,
            Msg::UserName,
            Msg::Password,
            Msg::SignIn,
            Msg::EnterCredentials,
            Msg::WrongCredentials,
            Msg::TooManyAttempts { seconds: 3 },
            Msg::ControlCharacters,
            Msg::Dashboard,
            Msg::TileAwaitingReview,
            Msg::TileOpenHazards,
            Msg::TileOverdueHazards,
            Msg::TileEscalated,
            Msg::TilePendingReports,
            Msg::ChartInspectionsPerDay,
            Msg::ChartHazardsByCategory,
            Msg::ChartHazardsByStatus,
            Msg::ChartRectificationByGrid,
            Msg::ChartOverdueByGrid,
            Msg::ChartTopRiskAddresses,
            Msg::InspectionReview,
            Msg::Review,
            Msg::From,
            Msg::To,
            Msg::ReviewKeys,
            Msg::Started,
            Msg::Inspector,
            Msg::Score,
            Msg::Result,
            Msg::ReviewStatus,
            Msg::Pass,
            Msg::Fail,
            Msg::NoInspections,
            Msg::ApproveSelected,
            Msg::SelectFirst,
            Msg::AnswerYes,
            Msg::AnswerNo,
            Msg::AnswerNa,
            Msg::Location,
            Msg::NotRecorded,
            Msg::LocationFix {
                coords: "31.38560, 120.98120".into(),
                accuracy_m: Some(15),
                fixed_at: Some("2026-12-07 14:00".into()),
            },
            Msg::ReviewComment,
            Msg::Approve,
            Msg::ReturnCommentLabel,
            Msg::ReturnKey,
            Msg::Answers,
            Msg::FailedItem,
            Msg::Inspection,
            Msg::History,
            Msg::HazardBoard,
            Msg::Hazards,
            Msg::Hazard,
            Msg::Category,
            Msg::Severity,
            Msg::OverdueOnly,
            Msg::Escalated,
            Msg::Reported,
            Msg::Assignee,
            Msg::Deadline,
            Msg::Overdue,
            Msg::EscalatedTo { grid: "1".into() },
            Msg::EscalatedNotice { grid: "1".into() },
            Msg::NoHazards,
            Msg::Description,
            Msg::PhotoInput,
            Msg::AssignTitle,
            Msg::Save,
            Msg::VerifyTitle,
            Msg::VerifyNote,
            Msg::CloseOnceVerified,
            Msg::Verify,
            Msg::RejectTitle,
            Msg::ReasonRequired,
            Msg::SendBack,
            Msg::CloseHazard,
            Msg::WhyReopen,
            Msg::Reopen,
            Msg::Steps,
            Msg::StepReported,
            Msg::ViaConsole,
            Msg::ViaDevice,
            Msg::StepAssignee,
            Msg::StepDeadline,
            Msg::UnknownAction,
            Msg::DeadlineFormat,
            Msg::DeadlinePast { today: "1".into() },
            Msg::PhotoTooLarge { mb: 10 },
            Msg::PhotoType,
            Msg::UploadTooLarge,
            Msg::FormUnreadable,
            Msg::PhotoUploadFailed,
            Msg::ReportInbox,
            Msg::Reports,
            Msg::Report,
            Msg::Text,
            Msg::Reporter,
            Msg::NoReports,
            Msg::ReportCategory,
            Msg::Recategorise,
            Msg::PossibleDuplicate,
            Msg::DecisionNote,
            Msg::Points,
            Msg::OpenMadeHazard,
            Msg::Accept,
            Msg::RewardPoints,
            Msg::PointsLevel,
            Msg::PointsAdjust,
            Msg::PointsAdjustReason,
            Msg::NoteOptional,
            Msg::AlsoHazard,
            Msg::HazardCategory,
            Msg::Dismiss,
            Msg::DismissReason,
            Msg::DoorPlates,
            Msg::SearchAddresses,
            Msg::SearchExample,
            Msg::Search,
            Msg::PlateSerial,
            Msg::AddressCode,
            Msg::NoAddresses,
            Msg::PrintSheets,
            Msg::MakeSheet,
            Msg::Coordinates,
            Msg::AtThisAddress,
            Msg::KindInspection,
            Msg::KindHazard,
            Msg::KindReport,
            Msg::AddressHistory,
            Msg::NothingYet,
            Msg::PlateSheetTitle,
            Msg::PlateSheet,
            Msg::Print,
            Msg::NextSheet,
            Msg::AddressTitle,
            Msg::ConflictLog,
            Msg::Conflicts,
            Msg::ConflictHint,
            Msg::When,
            Msg::Record,
            Msg::Field,
            Msg::Kept,
            Msg::KeptFrom,
            Msg::Overwritten,
            Msg::OverwrittenFrom,
            Msg::NoConflicts,
            Msg::AuditTrail,
            Msg::Audit,
            Msg::Who,
            Msg::Device,
            Msg::Action,
            Msg::Detail,
            Msg::RecordId,
            Msg::NoAuditRows,
            Msg::Reveal,
            Msg::RevealNotAllowed,
            Msg::RevealAudited,
            Msg::ExportEntities,
        ]
        .into_iter()
        .chain(
            super::case_msg::CaseMsg::samples()
                .into_iter()
                .map(Msg::Case),
        )
        .chain(
            super::template_msg::TemplateMsg::samples()
                .into_iter()
                .map(Msg::Template),
        )
        .chain(
            super::visit_msg::VisitMsg::samples()
                .into_iter()
                .map(Msg::Visit),
        )
        .chain(
            super::points_msg::PointsMsg::samples()
                .into_iter()
                .map(Msg::PointsText),
        )
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ASCII words a Chinese message may carry: acronyms, file formats and the
    /// review queue's key names.
    const ALLOWED_IN_ZH: &[&str] = &[
        "CSRF", "JPEG", "PNG", "WebP", "MB", "j", "k", "x", "r", "Enter", "Shift", "A", "JSON",
        "no", "yes", "shop",
    ];

    fn chinese_is_clean(text: &str) -> bool {
        gridfield_core::i18n::english_in_chinese_beyond(text, ALLOWED_IN_ZH).is_empty()
    }

    fn english_is_clean(text: &str) -> bool {
        gridfield_core::i18n::chinese_in_english(text).is_empty()
    }

    #[test]
    fn every_message_in_both_languages() {
        let all = Msg::samples();
        assert!(all.len() > 150);
        for m in all {
            let zh = m.text(Lang::Zh);
            let en = m.text(Lang::En);
            assert!(!zh.is_empty() && !en.is_empty(), "{m:?}");
            assert!(chinese_is_clean(&zh), "English in Chinese: {m:?} = {zh}");
            assert!(english_is_clean(&en), "Chinese in English: {m:?} = {en}");
        }
    }

    #[test]
    fn the_checks_catch_mixed_text() {
        assert!(!chinese_is_clean("无权操作：read inspections"));
        assert!(!english_is_clean("escalated to：x"));
        assert!(chinese_is_clean("照片超过 10 MB 上限"));
    }
}
