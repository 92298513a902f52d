//! `Error::message`: the sentence a person reads for each error, Chinese and
//! English side by side. Technical detail (database, file, network) never appears
//! here, only in `Display`, which is for logs.

use super::{Error, Invalid, Missing};
use crate::i18n::{Lang, chinese_in_english, english_in_chinese};
use crate::photo::PhotoError;

impl Error {
    /// The message a person reads, in their language. Technical detail (database,
    /// file, network, server text) stays out: it is in `Display`, for logs.
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let pick = |z: &str, e: &str| lang.pick(z, e).to_string();
        match self {
            Error::WrongKey => pick(
                "数据库密钥错误，或该文件不是网格通数据库（数据未被改动）",
                "the database key is wrong, or the file is not a Gridfield database (nothing was changed)",
            ),
            Error::NotInitialised(p) if zh => {
                format!("目录 {} 中没有设备数据，请先初始化或注册设备", p.display())
            }
            Error::NotInitialised(p) => format!(
                "no device store in {}; initialise or enroll the device first",
                p.display()
            ),
            Error::AlreadyInitialised(p) if zh => format!("目录 {} 中已有设备数据", p.display()),
            Error::AlreadyInitialised(p) => {
                format!("a device store already exists in {}", p.display())
            }
            Error::SchemaTooNew { .. } => pick(
                "数据库版本比本应用新，请升级应用",
                "the database is newer than this app; update the app",
            ),
            Error::DiskFull => pick(
                "设备存储空间已满，请清理后重试（本次未保存任何内容）",
                "the device storage is full; free some space and try again (nothing was saved)",
            ),
            Error::Sqlite(_) => pick(
                "本机数据库出错，请重试；如果反复出现，请联系管理员",
                "the device database failed; try again, and contact an administrator if it keeps happening",
            ),
            Error::Io(_) => pick(
                "文件读写出错，请检查存储空间和权限后重试",
                "a file could not be read or written; check storage space and permissions and try again",
            ),
            Error::Json(_) => pick("数据格式有误，无法读取", "the data is not valid JSON"),
            Error::Plate(e) => e.message(lang),
            Error::Template(_) => pick(
                "检查表模板有误，无法使用",
                "the checklist template is invalid and cannot be used",
            ),
            Error::Answers(e) if zh => format!("检查项填写有误：{}", e.message_zh()),
            Error::Answers(e) => format!("answers do not fit the checklist: {e}"),
            Error::Transition(e) => e.message(lang),
            Error::Photo(e) => photo_message(e, lang),
            Error::NotFound { what, id } => {
                let what = Missing::parse(what)
                    .map_or(pick("记录", "record"), |m| m.label(lang).to_string());
                match lang {
                    Lang::Zh => format!("未找到{what}：{id}"),
                    Lang::En => format!("{what} {id} not found"),
                }
            }
            Error::Invalid { input, reason, .. } => match (reason, lang) {
                // A rule's refusal reads the same on the phone and from the server.
                (Invalid::Rule(r), _) => r.message(lang),
                (Invalid::NotAField, Lang::Zh) => format!("{}没有这个字段", input.label(lang)),
                (Invalid::NotAField, Lang::En) => {
                    format!("a {} has no such field", input.label(lang))
                }
                (_, Lang::Zh) => {
                    format!("输入有误（{}）：{}", input.label(lang), reason.text(lang))
                }
                (_, Lang::En) => format!("invalid {}: {}", input.label(lang), reason.text(lang)),
            },
            Error::NotPermitted(action) => action.text(lang),
            Error::Network(_) => pick(
                "无法连接同步服务器，请检查网络后重试（数据已保存在本机）",
                "cannot reach the sync server; check the network and try again (your data is saved on this device)",
            ),
            Error::Server {
                status,
                code,
                message,
            } => server_message(*status, code, message, lang),
            Error::Cancelled => pick(
                "同步已取消，数据未丢失，下次同步时继续",
                "sync cancelled; nothing was lost, it continues next time",
            ),
            Error::NotEnrolled => pick(
                "本设备尚未注册到同步服务器，请先注册设备",
                "this device is not enrolled with a sync server; enroll it first",
            ),
            Error::SyncInProgress => pick(
                "正在同步中，请稍候",
                "a sync is already running for this device; please wait",
            ),
            Error::Revoked => pick(
                "本设备已被管理员停用，本机的数据和照片已全部清除，未同步的记录无法再上传；如需继续使用，请向管理员申请新的注册码重新注册",
                "this device was revoked by an administrator; its data and photos were wiped from this device and unsynced records can no longer be uploaded; to use it again, ask an administrator for a new enrollment code and enroll afresh",
            ),
        }
    }
}

fn photo_message(e: &PhotoError, lang: Lang) -> String {
    const MB: f64 = 1048576.0;
    match (e, lang) {
        (PhotoError::TooLarge { size, limit }, Lang::Zh) => format!(
            "照片过大（{:.1} MB），单张上限 {:.1} MB",
            *size as f64 / MB,
            *limit as f64 / MB
        ),
        (PhotoError::TooLarge { size, limit }, Lang::En) => format!(
            "the photo is too large ({:.1} MB); the limit is {:.1} MB",
            *size as f64 / MB,
            *limit as f64 / MB
        ),
        (PhotoError::UnsupportedType, _) => lang
            .pick(
                "不支持的照片格式，仅支持 JPEG、PNG、WebP",
                "not a supported image (JPEG, PNG or WebP)",
            )
            .into(),
        (PhotoError::Empty, _) => lang.pick("照片文件为空", "the photo is empty").into(),
        // The hash is shortened: enough to tell photos apart, not a wall of hex.
        (PhotoError::Missing(h), Lang::Zh) => format!("本机找不到照片 {}", &h[..h.len().min(12)]),
        (PhotoError::Missing(h), Lang::En) => {
            format!(
                "photo {} is not stored on this device",
                &h[..h.len().min(12)]
            )
        }
        (PhotoError::Damaged(h), Lang::Zh) => {
            format!("本机照片 {} 已损坏，无法读取", &h[..h.len().min(12)])
        }
        (PhotoError::Damaged(h), Lang::En) => {
            format!(
                "photo {} is damaged on this device and cannot be read",
                &h[..h.len().min(12)]
            )
        }
        (PhotoError::Io(_), _) => lang
            .pick(
                "照片读写出错，请检查存储空间后重试",
                "the photo could not be read or written; check storage space and try again",
            )
            .into(),
    }
}

/// What the device says about a server's error: the codes it acts on have their
/// own sentence, the rest say the status. Where the server's own reason explains a
/// refusal it is added, but only when it is written in the reader's language.
fn server_message(status: u16, code: &str, message: &str, lang: Lang) -> String {
    let (zh, en) = match super::server_code(status, code) {
        "device_revoked" => (
            "本设备已被停用，未同步的记录无法再上传，请联系管理员重新注册",
            "this device has been revoked; unsynced records can no longer be uploaded; ask an administrator to enroll it again",
        ),
        "invalid_code" => (
            "注册码无效，请核对后重试",
            "the enrollment code is not valid; check it and try again",
        ),
        "code_used" => (
            "注册码已被使用，请向管理员申请新的注册码",
            "the enrollment code has already been used; ask an administrator for a new one",
        ),
        "code_expired" => (
            "注册码已过期，请向管理员申请新的注册码",
            "the enrollment code has expired; ask an administrator for a new one",
        ),
        "device_cloned" => (
            "本设备的数据已在另一部手机上使用，请向管理员申请新的注册码并重新注册本机（未同步的数据仍保存在本机）",
            "this device's data is in use on another phone; ask an administrator for a new code and enroll this device again (unsynced data stays on this device)",
        ),
        "server_restored" => (
            "同步服务器已从备份恢复，本机将重新上传服务器缺少的记录",
            "the sync server was restored from a backup; this device will upload the records it is missing",
        ),
        "unauthorized" => (
            "设备授权无效或已失效，请联系管理员重新注册设备（未同步的数据仍保存在本机）",
            "this device's authorisation is not valid; ask an administrator to enroll it again (unsynced data stays on this device)",
        ),
        "forbidden" => {
            let (zh, en) = (
                "服务器拒绝了该操作（无权限）",
                "the sync server refused the operation (not permitted)",
            );
            return with_reason(lang.pick(zh, en), message, lang);
        }
        "upgrade_required" => (
            "应用版本过旧，服务器不再支持，请升级应用",
            "this app is too old for the sync server; update the app",
        ),
        "rate_limited" => (
            "服务器繁忙，请稍后再同步",
            "the sync server is busy; sync again later",
        ),
        "server_error" => {
            return match lang {
                Lang::Zh => {
                    format!("同步服务器暂时出错（{status}），请稍后重试（数据已保存在本机）")
                }
                Lang::En => format!(
                    "the sync server had an error ({status}); try again later (your data is saved on this device)"
                ),
            };
        }
        _ => {
            let said = match lang {
                Lang::Zh => format!("服务器拒绝了请求（{status}）"),
                Lang::En => format!("the sync server refused the request ({status} {code})"),
            };
            return with_reason(&said, message, lang);
        }
    };
    lang.pick(zh, en).to_string()
}

/// `said`, followed by the server's `reason` when that is in `lang` (servers send
/// Chinese, English or both, and a mixed sentence helps nobody).
fn with_reason(said: &str, reason: &str, lang: Lang) -> String {
    let fits = match lang {
        Lang::Zh => english_in_chinese(reason).is_empty(),
        Lang::En => chinese_in_english(reason).is_empty(),
    };
    match lang {
        _ if reason.trim().is_empty() || !fits => said.to_string(),
        Lang::Zh => format!("{said}：{reason}"),
        Lang::En => format!("{said}: {reason}"),
    }
}
