//! One internal error type for the core. Messages never contain personal data
//! (names, phones, ID numbers): only ids, codes and reasons.

use std::path::PathBuf;

use crate::checklist::{TemplateError, ValidationErrors};
use crate::hazard::TransitionError;
use crate::i18n::Lang;
use crate::photo::PhotoError;
use crate::plate::PlateError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database key is wrong, or the file is not a Gridfield database")]
    WrongKey,
    #[error("no device store in {0}; run init or enroll first")]
    NotInitialised(PathBuf),
    #[error("a device store already exists in {0}")]
    AlreadyInitialised(PathBuf),
    #[error(
        "database schema version {found} is newer than this app supports ({supported}); update the app"
    )]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("the device storage is full; free some space and try again (nothing was saved)")]
    DiskFull,
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("bad JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("door plate rejected: {0}")]
    Plate(#[from] PlateError),
    #[error("checklist template: {0}")]
    Template(#[from] TemplateError),
    #[error("answers do not fit the checklist: {0}")]
    Answers(#[from] ValidationErrors),
    #[error("hazard step refused: {0}")]
    Transition(#[from] TransitionError),
    #[error("photo: {0}")]
    Photo(#[from] PhotoError),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("not permitted: {0}")]
    NotPermitted(String),
    /// The server could not be reached or the connection broke (after retries).
    #[error("cannot reach the sync server: {0}")]
    Network(String),
    /// The server answered with an error status; `code` is its `ErrorBody.error`.
    #[error("the sync server refused the request ({status} {code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// The user (or the app going to background) cancelled a sync; nothing was lost.
    #[error("sync cancelled; nothing was lost, it continues next time")]
    Cancelled,
    /// No server address or token on this device (initialised offline, not enrolled).
    #[error("this device is not enrolled with a sync server; run enroll first")]
    NotEnrolled,
    /// Another sync of the same device store is running.
    #[error("a sync is already running for this device")]
    SyncInProgress,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => Error::WrongKey,
            Some(ErrorCode::DiskFull) => Error::DiskFull,
            _ => Error::Sqlite(e),
        }
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A domain rule's refusal (`crate::refusal`): a matter of role or ownership is
    /// "not permitted", anything else invalid input; the words are the rule's.
    pub fn refused(r: impl Into<crate::refusal::Refusal>) -> Self {
        let r = r.into();
        if r.is_permission() {
            Error::NotPermitted(r.message(Lang::En))
        } else {
            Error::invalid(r.code(), r.message(Lang::En))
        }
    }

    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound {
            what,
            id: id.into(),
        }
    }

    /// Stable machine-readable code, for `--json` output and the shells.
    pub fn code(&self) -> &'static str {
        match self {
            Error::WrongKey => "wrong_key",
            Error::NotInitialised(_) => "not_initialised",
            Error::AlreadyInitialised(_) => "already_initialised",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::DiskFull => "disk_full",
            Error::Sqlite(_) => "database",
            Error::Io(_) => "io",
            Error::Json(_) => "bad_json",
            Error::Plate(e) => e.code(),
            Error::Template(_) => "bad_template",
            Error::Answers(_) => "answers_invalid",
            Error::Transition(_) => "transition_refused",
            Error::Photo(PhotoError::TooLarge { .. }) => "photo_too_large",
            Error::Photo(PhotoError::UnsupportedType) => "photo_unsupported",
            Error::Photo(_) => "photo",
            Error::NotFound { .. } => "not_found",
            Error::Invalid { .. } => "invalid",
            Error::NotPermitted(_) => "not_permitted",
            Error::Network(_) => "network",
            Error::Server { status, code, .. } => server_code(*status, code),
            Error::Cancelled => "cancelled",
            Error::NotEnrolled => "not_enrolled",
            Error::SyncInProgress => "sync_in_progress",
        }
    }

    /// The message a person reads, in their language.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            Error::WrongKey => "数据库密钥错误，或该文件不是网格通数据库（数据未被改动）".into(),
            Error::NotInitialised(p) => {
                format!("目录 {} 中没有设备数据，请先初始化或注册设备", p.display())
            }
            Error::AlreadyInitialised(p) => format!("目录 {} 中已有设备数据", p.display()),
            Error::SchemaTooNew { .. } => "数据库版本比本应用新，请升级应用".into(),
            Error::DiskFull => "设备存储空间已满，请清理后重试（本次未保存任何内容）".into(),
            Error::Sqlite(e) => format!("数据库错误：{e}"),
            Error::Io(e) => format!("文件读写错误：{e}"),
            Error::Json(e) => format!("JSON 格式错误：{e}"),
            Error::Plate(e) => e.message_zh(),
            Error::Template(e) => format!("检查表模板错误：{e}"),
            Error::Answers(e) => format!("检查项填写有误：{}", e.message_zh()),
            Error::Transition(e) => e.message(Lang::Zh),
            Error::Photo(PhotoError::TooLarge { size, limit }) => format!(
                "照片过大（{:.1} MB），单张上限 {:.1} MB",
                *size as f64 / 1048576.0,
                *limit as f64 / 1048576.0
            ),
            Error::Photo(PhotoError::UnsupportedType) => {
                "不支持的照片格式，仅支持 JPEG、PNG、WebP、HEIC".into()
            }
            Error::Photo(PhotoError::Empty) => "照片文件为空".into(),
            Error::Photo(PhotoError::Missing(h)) => {
                format!("本机找不到照片 {}", &h[..h.len().min(12)])
            }
            Error::Photo(PhotoError::Io(e)) => format!("照片读写错误：{e}"),
            Error::NotFound { what, id } => format!("未找到{}：{id}", what_zh(what)),
            Error::Invalid { field, reason } => {
                format!("输入有误（{field}）：{}", reason_zh(reason))
            }
            Error::NotPermitted(what) => format!("无权操作：{what}"),
            Error::Network(e) => {
                format!("无法连接同步服务器，请检查网络后重试（数据已保存在本机）：{e}")
            }
            Error::Server {
                status,
                code,
                message,
            } => match server_code(*status, code) {
                "device_revoked" => {
                    "本设备已被停用，请联系管理员重新注册（未同步的数据仍保存在本机）".into()
                }
                "invalid_code" => "注册码无效，请核对后重试".into(),
                "code_used" => "注册码已被使用，请向管理员申请新的注册码".into(),
                "code_expired" => "注册码已过期，请向管理员申请新的注册码".into(),
                "device_cloned" => {
                    "本设备的数据已在另一部手机上使用，请向管理员申请新的注册码并重新注册本机（未同步的数据仍保存在本机）".into()
                }
                "server_restored" => "同步服务器已从备份恢复，本机将重新上传服务器缺少的记录".into(),
                "unauthorized" => {
                    "设备授权无效或已失效，请联系管理员重新注册设备（未同步的数据仍保存在本机）"
                        .into()
                }
                "forbidden" => format!("服务器拒绝了该操作（无权限）：{message}"),
                "upgrade_required" => "应用版本过旧，服务器不再支持，请升级应用".into(),
                "rate_limited" => "服务器繁忙，请稍后再同步".into(),
                "server_error" => {
                    format!("同步服务器暂时出错（{status}），请稍后重试（数据已保存在本机）")
                }
                _ => format!("服务器拒绝了请求（{status} {code}）：{message}"),
            },
            Error::Cancelled => "同步已取消，数据未丢失，下次同步时继续".into(),
            Error::NotEnrolled => "本设备尚未注册到同步服务器，请先注册设备".into(),
            Error::SyncInProgress => "正在同步中，请稍候".into(),
        }
    }
}

/// A stable code for a server error: the few the device acts on, else by status.
fn server_code(status: u16, code: &str) -> &'static str {
    match (status, code) {
        (_, "device_revoked") => "device_revoked",
        (_, "invalid_code") => "invalid_code",
        (_, "code_used") => "code_used",
        (_, "code_expired") => "code_expired",
        (_, "device_cloned") => "device_cloned",
        (_, "server_restored") => "server_restored",
        (401, _) => "unauthorized",
        (403, _) => "forbidden",
        (426, _) | (_, "wire_version") => "upgrade_required",
        (429, _) => "rate_limited",
        (500..=599, _) => "server_error",
        _ => "server_refused",
    }
}

fn what_zh(what: &str) -> &str {
    match what {
        "address" => "地址",
        "hazard" => "隐患",
        "inspection" => "检查记录",
        "template" => "检查表模板",
        "report" => "上报",
        "grid" => "网格",
        "photo" => "照片",
        "household" => "住户",
        "person" => "人员",
        "rental_unit" => "出租房屋",
        "business" => "单位场所",
        other => other,
    }
}

/// Chinese for the reasons the core gives; anything not listed stays as written.
fn reason_zh(reason: &str) -> String {
    let fixed = match reason {
        "in the past" => "不能早于当前时间",
        "required" => "必填",
        "empty" => "不能为空",
        "not hex" => "不是十六进制字符串",
        "must be 32 bytes (64 hex digits)" => "必须是 32 字节（64 位十六进制）",
        "expected text" => "应为文字",
        "expected a whole number" => "应为整数",
        "out of range" => "超出允许范围",
        "expected a date YYYY-MM-DD" => "日期格式应为 YYYY-MM-DD",
        "expected YYYY-MM-DD" => "日期格式应为 YYYY-MM-DD",
        "expected an id" => "应为记录编号",
        "unknown field" => "未知字段",
        "required for a new entity" => "新建记录时必须指定地址",
        "an entity cannot move to another address" => "记录不能改到其他地址",
        "not at this address" => "不在该地址",
        "already submitted" => "已提交，不能重复提交",
        "only a submitted inspection can be reviewed" => "只有已提交的检查记录可以审核",
        "only a draft or returned inspection can be edited" => "只有草稿或被退回的检查记录可以修改",
        "must be 1–64 characters" => "长度应为 1–64 个字符",
        "must be 1–200 characters" => "长度应为 1–200 个字符",
        "code is empty" => "编码为空",
        "name is empty" => "名称为空",
        "grid_code is empty" => "网格编码为空",
        "full_text is empty" => "地址全称为空",
        "level must be a number" => "层级必须是数字",
        "coordinates must be numbers" => "坐标必须是数字",
        "expected kind:id" => "格式应为 类型:编号",
        "give the QR text or --file" => "请提供二维码内容或 --file",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    if let Some(rest) = reason.strip_prefix("longer than ") {
        return format!("超过长度上限（{}）", rest.trim_end_matches(" characters"));
    }
    if let Some(rest) = reason.strip_prefix("must be one of ") {
        return format!("只能是以下之一：{rest}");
    }
    if let Some(rest) = reason.strip_prefix("not a field of ") {
        return format!("{rest} 没有这个字段");
    }
    reason.to_string()
}
