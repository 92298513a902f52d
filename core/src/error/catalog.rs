//! The core's message catalog: the typed reasons, actions, inputs and missing things
//! an `Error` names (never English text as a key), each with Chinese and English
//! side by side. Names of things come from the domain's labels.

use std::fmt;

use crate::address::{EntityKind, FieldSpec, value_label};
use crate::hazard::{HazardAction, HazardStatus, Severity};
use crate::i18n::Lang;
use crate::inspection::ReviewStatus;
use crate::record::RecordKind;
use crate::refusal::Refusal;
use crate::role::Role;

/// What an invalid input was: an entity's declared field, or one of the other
/// inputs the core checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A declared field of an entity kind.
    Field(&'static FieldSpec),
    /// The fields of an entity kind as a whole (a name it does not have).
    FieldsOf(EntityKind),
    Address,
    AddressCode,
    AddressText,
    GridCode,
    Coordinates,
    /// A supervisor's review comment.
    Comment,
    /// A resident's report text.
    ReportText,
    /// A hazard's description.
    Description,
    /// A hazard's category.
    Category,
    /// A note on a hazard step.
    Note,
    /// A person a hazard is assigned to.
    Assignee,
    /// A text answer of a checklist item (remarks included).
    Answer,
    /// An id a device gave a record, an event or a checklist item.
    RecordId,
    /// A rectification deadline.
    Deadline,
    Inspection,
    /// What an inspection is about (a household, a business...).
    Subject,
    Photo,
    /// The device id and user a store is created for.
    Identity,
    DatabaseKey,
    Token,
    EnrollmentCode,
    ServerAddress,
    Date,
    Status,
    Role,
    Kind,
    Severity,
    HazardAction,
    /// The text of a scanned QR code.
    QrPayload,
    /// A `field=value` pair typed at the command line.
    Assignment,
    /// One line of an imported CSV file.
    CsvLine(u64),
}

impl Input {
    /// The key `Error::Invalid.field` carries: code and logs match on it.
    pub fn key(self) -> &'static str {
        match self {
            Input::Field(spec) => spec.name,
            Input::FieldsOf(kind) => kind.as_str(),
            Input::Address => "address",
            Input::AddressCode => "address_code",
            Input::AddressText => "address_text",
            Input::GridCode => "grid_code",
            Input::Coordinates => "coordinates",
            Input::Comment => "comment",
            Input::ReportText => "text",
            Input::Description => "description",
            Input::Category => "category",
            Input::Note => "note",
            Input::Assignee => "assignee",
            Input::Answer => "answer",
            Input::RecordId => "id",
            Input::Deadline => "deadline",
            Input::Inspection => "inspection",
            Input::Subject => "subject",
            Input::Photo => "photo",
            Input::Identity => "identity",
            Input::DatabaseKey => "key",
            Input::Token => "token",
            Input::EnrollmentCode => "code",
            Input::ServerAddress => "server",
            Input::Date => "date",
            Input::Status => "status",
            Input::Role => "role",
            Input::Kind => "kind",
            Input::Severity => "severity",
            Input::HazardAction => "action",
            Input::QrPayload => "payload",
            Input::Assignment => "field",
            Input::CsvLine(_) => "csv_line",
        }
    }

    /// What a person calls this input.
    pub fn label(self, lang: Lang) -> String {
        let (zh, en) = match self {
            Input::Field(spec) => return spec.label(lang).to_string(),
            Input::FieldsOf(kind) => return kind.label(lang).to_string(),
            Input::CsvLine(n) => {
                return match lang {
                    Lang::Zh => format!("CSV 第 {n} 行"),
                    Lang::En => format!("CSV line {n}"),
                };
            }
            Input::Address => ("地址", "address"),
            Input::AddressCode => ("地址编码", "address code"),
            Input::AddressText => ("地址全称", "full address"),
            Input::GridCode => ("网格编码", "grid code"),
            Input::Coordinates => ("坐标", "coordinates"),
            Input::Comment => ("审核意见", "comment"),
            Input::ReportText => ("上报内容", "report text"),
            Input::Description => ("隐患描述", "description"),
            Input::Category => ("隐患类别", "category"),
            Input::Note => ("说明", "note"),
            Input::Assignee => ("整改责任人", "assignee"),
            Input::Answer => ("检查项答案", "checklist answer"),
            Input::RecordId => ("记录编号", "record id"),
            Input::Deadline => ("整改期限", "deadline"),
            Input::Inspection => ("检查记录", "inspection"),
            Input::Subject => ("检查对象", "subject"),
            Input::Photo => ("照片", "photo"),
            Input::Identity => ("设备身份", "device identity"),
            Input::DatabaseKey => ("数据库密钥", "database key"),
            Input::Token => ("设备令牌", "device token"),
            Input::EnrollmentCode => ("注册码", "enrollment code"),
            Input::ServerAddress => ("服务器地址", "server address"),
            Input::Date => ("日期", "date"),
            Input::Status => ("状态", "status"),
            Input::Role => ("角色", "role"),
            Input::Kind => ("类型", "kind"),
            Input::Severity => ("隐患等级", "severity"),
            Input::HazardAction => ("处置操作", "action"),
            Input::QrPayload => ("二维码内容", "QR payload"),
            Input::Assignment => ("字段赋值", "field assignment"),
        };
        lang.pick(zh, en).to_string()
    }
}

/// Why an input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// A domain rule's refusal about the record's state or the input (the words
    /// are the rule's, the same the server answers).
    Rule(Refusal),
    Required,
    TooLong {
        max: usize,
    },
    /// Length (in characters) outside `min..=max`.
    Length {
        min: usize,
        max: usize,
    },
    ExpectedText,
    /// Not an ID number with a valid GB 11643 check character.
    BadIdNumber,
    /// Neither a mobile nor a landline number.
    BadPhone,
    NotANumber,
    OutOfRange,
    BadDate,
    NotOneOf(Choices),
    ExpectedId,
    /// The entity kind has no field of that name.
    NotAField,
    CannotMoveAddress,
    RequiredForNew,
    NotAtThisAddress,
    AlreadySubmitted,
    OnlySubmittedReviewed,
    OnlyDraftOrReturnedEdited,
    InThePast,
    NotHex,
    WrongKeyLength,
    NotAPhotoHash,
    NotAServerAddress,
    CodeOfAnotherUser,
    DeviceAndUserRequired,
    QrTextOrFile,
    ExpectedAssignment,
    ExpectedKindAndId,
    BadRow,
}

impl Invalid {
    pub const SAMPLES: [Invalid; 29] = [
        Invalid::Required,
        Invalid::TooLong { max: 500 },
        Invalid::Length { min: 1, max: 64 },
        Invalid::ExpectedText,
        Invalid::BadIdNumber,
        Invalid::BadPhone,
        Invalid::NotANumber,
        Invalid::OutOfRange,
        Invalid::BadDate,
        Invalid::NotOneOf(Choices::Roles),
        Invalid::ExpectedId,
        Invalid::NotAField,
        Invalid::CannotMoveAddress,
        Invalid::RequiredForNew,
        Invalid::NotAtThisAddress,
        Invalid::AlreadySubmitted,
        Invalid::OnlySubmittedReviewed,
        Invalid::OnlyDraftOrReturnedEdited,
        Invalid::InThePast,
        Invalid::NotHex,
        Invalid::WrongKeyLength,
        Invalid::NotAPhotoHash,
        Invalid::NotAServerAddress,
        Invalid::CodeOfAnotherUser,
        Invalid::DeviceAndUserRequired,
        Invalid::QrTextOrFile,
        Invalid::ExpectedAssignment,
        Invalid::ExpectedKindAndId,
        Invalid::BadRow,
    ];

    pub fn text(self, lang: Lang) -> String {
        let (zh, en) = match self {
            Invalid::Rule(r) => return r.message(lang),
            Invalid::TooLong { max } => {
                return match lang {
                    Lang::Zh => format!("超过长度上限（{max} 个字）"),
                    Lang::En => format!("longer than {max} characters"),
                };
            }
            Invalid::Length { min, max } => {
                return match lang {
                    Lang::Zh => format!("长度应为 {min}–{max} 个字"),
                    Lang::En => format!("must be {min}–{max} characters"),
                };
            }
            Invalid::NotOneOf(choices) => {
                return match lang {
                    Lang::Zh => format!("只能是以下之一：{}", choices.labels(Lang::Zh).join("、")),
                    Lang::En => format!("must be one of {}", choices.codes().join(", ")),
                };
            }
            Invalid::Required => ("必填", "required"),
            Invalid::ExpectedText => ("应为文字", "expected text"),
            Invalid::BadIdNumber => (
                "不是有效的身份证号（18 位，末位校验码须正确）",
                "not a valid ID number (18 characters with a correct check character)",
            ),
            Invalid::BadPhone => (
                "不是有效的电话号码（手机号 11 位，座机须带区号）",
                "not a valid phone number (11-digit mobile, or landline with area code)",
            ),
            Invalid::NotANumber => ("应为整数", "expected a whole number"),
            Invalid::OutOfRange => ("超出允许范围", "out of range"),
            Invalid::BadDate => (
                "日期格式应为“年-月-日”，如 2024-05-01",
                "expected a date YYYY-MM-DD",
            ),
            Invalid::ExpectedId => ("应为记录编号", "expected an id"),
            Invalid::NotAField => ("没有这个字段", "no such field"),
            Invalid::CannotMoveAddress => (
                "记录不能改到其他地址",
                "an entity cannot move to another address",
            ),
            Invalid::RequiredForNew => ("新建记录时必须指定", "required for a new entity"),
            Invalid::NotAtThisAddress => ("不在该地址", "not at this address"),
            Invalid::AlreadySubmitted => ("已提交，不能重复提交", "already submitted"),
            Invalid::OnlySubmittedReviewed => (
                "只有已提交的检查记录可以审核",
                "only a submitted inspection can be reviewed",
            ),
            Invalid::OnlyDraftOrReturnedEdited => (
                "只有草稿或被退回的检查记录可以修改",
                "only a draft or returned inspection can be edited",
            ),
            Invalid::InThePast => ("不能早于当前时间", "in the past"),
            Invalid::NotHex => ("不是十六进制字符串", "not hex"),
            Invalid::WrongKeyLength => (
                "必须是 32 字节（64 位十六进制）",
                "must be 32 bytes (64 hex digits)",
            ),
            Invalid::NotAPhotoHash => ("不是有效的照片标识", "not a photo hash"),
            Invalid::NotAServerAddress => (
                "应为 HTTP 或 HTTPS 网址（含主机名，可带端口）",
                "expected http(s)://host[:port]",
            ),
            Invalid::CodeOfAnotherUser => (
                "该注册码属于其他用户，本机数据只能留给原用户",
                "the code belongs to another user: this device's data stays with its user",
            ),
            Invalid::DeviceAndUserRequired => (
                "设备编号和用户都必须填写",
                "device id and user are required",
            ),
            Invalid::QrTextOrFile => ("请提供二维码内容或图片文件", "give the QR text or --file"),
            Invalid::ExpectedAssignment => ("格式应为“字段=值”", "expected field=value"),
            Invalid::ExpectedKindAndId => ("格式应为“类型:编号”", "expected kind:id"),
            Invalid::BadRow => (
                "这一行无法读取，请检查列数和格式",
                "the row could not be read; check its columns",
            ),
        };
        lang.pick(zh, en).to_string()
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// A closed set an input must come from: Chinese lists their labels, English their
/// codes (what a script or the command line types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choices {
    /// The values of an entity field of enumerated type.
    Values(&'static [&'static str]),
    Roles,
    EntityKinds,
    ReviewStatuses,
    HazardStatuses,
    HazardActions,
    Severities,
}

impl Choices {
    pub const ALL: [Choices; 6] = [
        Choices::Roles,
        Choices::EntityKinds,
        Choices::ReviewStatuses,
        Choices::HazardStatuses,
        Choices::HazardActions,
        Choices::Severities,
    ];

    pub fn codes(self) -> Vec<&'static str> {
        match self {
            Choices::Values(v) => v.to_vec(),
            Choices::Roles => Role::ALL.iter().map(|r| r.as_str()).collect(),
            Choices::EntityKinds => EntityKind::ALL.iter().map(|k| k.as_str()).collect(),
            Choices::ReviewStatuses => ReviewStatus::ALL.iter().map(|s| s.as_str()).collect(),
            Choices::HazardStatuses => HazardStatus::ALL.iter().map(|s| s.as_str()).collect(),
            Choices::HazardActions => HazardAction::ALL.iter().map(|a| a.as_str()).collect(),
            Choices::Severities => Severity::ALL.iter().map(|s| s.as_str()).collect(),
        }
    }

    pub fn labels(self, lang: Lang) -> Vec<&'static str> {
        match self {
            Choices::Values(v) => v.iter().map(|c| value_label(c, lang)).collect(),
            Choices::Roles => Role::ALL.iter().map(|r| r.label(lang)).collect(),
            Choices::EntityKinds => EntityKind::ALL.iter().map(|k| k.label(lang)).collect(),
            Choices::ReviewStatuses => ReviewStatus::ALL.iter().map(|s| s.label(lang)).collect(),
            Choices::HazardStatuses => HazardStatus::ALL.iter().map(|s| s.label(lang)).collect(),
            Choices::HazardActions => HazardAction::ALL.iter().map(|a| a.label(lang)).collect(),
            Choices::Severities => Severity::ALL.iter().map(|s| s.label(lang)).collect(),
        }
    }
}

/// What a role was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A domain rule's refusal about the actor's role (the rule's own words).
    Rule(Refusal),
    Inspect,
    ReviewInspections,
    EditEntity(EntityKind),
    /// Reading records that describe residents.
    ReadPersonalData(RecordKind),
    ReportHazard,
    /// Working on an address outside the device's grid scope.
    TouchOutsideScope,
}

impl Action {
    pub fn samples() -> Vec<Action> {
        let mut all = vec![
            Action::Rule(Refusal::HazardCreate(
                crate::hazard::HazardRefusal::NotPermitted,
            )),
            Action::Inspect,
            Action::ReviewInspections,
            Action::ReportHazard,
            Action::TouchOutsideScope,
        ];
        all.extend(EntityKind::ALL.map(Action::EditEntity));
        all.extend(RecordKind::ALL.map(Action::ReadPersonalData));
        all
    }

    pub fn text(self, lang: Lang) -> String {
        match (self, lang) {
            (Action::Rule(r), _) => r.message(lang),
            (Action::Inspect, Lang::Zh) => "当前角色无权进行检查".into(),
            (Action::Inspect, Lang::En) => "this role may not record inspections".into(),
            (Action::ReviewInspections, Lang::Zh) => "只有网格长可以审核检查记录".into(),
            (Action::ReviewInspections, Lang::En) => {
                "only a supervisor may review inspections".into()
            }
            (Action::EditEntity(k), Lang::Zh) => format!("当前角色无权修改{}", k.label(lang)),
            (Action::EditEntity(k), Lang::En) => {
                format!("this role may not edit {} records", k.label(lang))
            }
            (Action::ReadPersonalData(k), Lang::Zh) => {
                format!("当前角色无权查看{}（含个人信息）", k.label(lang))
            }
            (Action::ReadPersonalData(k), Lang::En) => format!(
                "this role may not read {} records (they hold personal data)",
                k.label(lang)
            ),
            (Action::ReportHazard, Lang::Zh) => "当前角色无权上报隐患".into(),
            (Action::ReportHazard, Lang::En) => "this role may not report hazards".into(),
            (Action::TouchOutsideScope, Lang::Zh) => "该地址不在本设备负责的网格内".into(),
            (Action::TouchOutsideScope, Lang::En) => {
                "this address is outside this device's grid".into()
            }
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

/// What was not found: a record of some kind, or a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Record(RecordKind),
    Photo,
}

impl Missing {
    pub fn samples() -> Vec<Missing> {
        let mut all: Vec<Missing> = RecordKind::ALL.map(Missing::Record).to_vec();
        all.push(Missing::Photo);
        all
    }

    /// The identifier `Error::NotFound.what` carries.
    pub fn key(self) -> &'static str {
        match self {
            Missing::Record(k) => k.as_str(),
            Missing::Photo => "photo",
        }
    }

    pub fn parse(key: &str) -> Option<Missing> {
        match key {
            "photo" => Some(Missing::Photo),
            _ => RecordKind::parse(key).map(Missing::Record),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Missing::Record(k) => k.label(lang),
            Missing::Photo => lang.pick("照片", "photo"),
        }
    }
}

impl From<RecordKind> for Missing {
    fn from(k: RecordKind) -> Self {
        Missing::Record(k)
    }
}

impl From<EntityKind> for Missing {
    fn from(k: EntityKind) -> Self {
        Missing::Record(k.into())
    }
}
