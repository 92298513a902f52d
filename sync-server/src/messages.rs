//! The server's message catalog: every sentence the server says to a person (a
//! refused operation, an API error the phone shows), keyed by identifier, Chinese
//! and English side by side. Domain labels (roles, kinds, statuses) come from core.

use gridfield_core::i18n::Lang;
use gridfield_core::model::{EntityKind, Role};

/// One message the server can say; variants with fields take parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    // ---- refusals of an operation (push answers, console decisions)
    OutOfScope,
    UnknownAddress,
    EntityEditNotPermitted { role: Role, kind: EntityKind },
    UnknownTemplate,
    InspectionNotFound,
    HazardNotFound,
    CaseNotFound,
    ReportNotFound,
    PendingPhotos { missing: usize },
    // ---- API errors
    UnknownEnrollCode,
    EnrollCodeUsed,
    EnrollCodeExpired,
    MalformedEnrollCode,
    TooManyEnrollAttempts { seconds: i64 },
    MissingToken,
    InvalidToken,
    DeviceRevoked,
    DeviceCloned,
    ServerRestored,
    ServerReplaced,
    BodyTooLarge,
    BadQuery,
    BadPath,
    BadRequest,
    NoSuchEndpoint,
    MethodNotAllowed,
    UnsupportedMediaType,
    PhotoTooLarge { max_mb: u64 },
    HashMismatch,
    PhotoNotAnImage,
    InternalError,
    // ---- legacy plate import (`admin plates import-legacy`), one per bad line
    LegacyColumns,
    LegacyTextEmpty,
    LegacyTextTooLong { max: usize },
    LegacyTextSigned,
    LegacyUnknownAddress,
    LegacyDuplicate { first_line: u64 },
    LegacyNothingImported { bad: usize },
    // ---- grid boundaries (`admin grid-boundaries import`)
    BoundaryNotJson,
    BoundaryNotFeatureCollection,
    BoundaryNoFeatures,
    BoundaryTooManyFeatures { max: usize },
    BoundaryNotFeature,
    BoundaryNoGrid,
    BoundaryUnknownGrid,
    BoundaryDuplicateGrid { first: usize },
    BoundaryGeometryType,
    BoundaryRingShort,
    BoundaryRingOpen,
    BoundaryBadPosition,
    BoundaryOutOfRange,
    BoundaryTooManyVertices { max: usize },
    BoundaryNothingImported { bad: usize },
}

impl Msg {
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let pick = |z: &str, e: &str| if zh { z.to_string() } else { e.to_string() };
        match self {
            Msg::OutOfScope => pick("超出本设备的网格范围", "outside this device's grid scope"),
            Msg::UnknownAddress => pick(
                "服务器上没有该地址",
                "the address does not exist on the server",
            ),
            Msg::EntityEditNotPermitted { role, kind } => {
                if zh {
                    format!("{}无权修改{}", role.label(lang), kind.label(lang))
                } else {
                    "this role may not edit entities".to_string()
                }
            }
            Msg::UnknownTemplate => pick(
                "服务器上没有该检查表版本",
                "unknown checklist template version",
            ),
            Msg::InspectionNotFound => pick("服务器上没有该检查记录", "inspection not found"),
            Msg::HazardNotFound => pick("服务器上没有该隐患", "hazard not found"),
            Msg::CaseNotFound => pick("服务器上没有该事件", "case not found"),
            Msg::ReportNotFound => pick("服务器上没有该上报", "report not found"),
            Msg::PendingPhotos { missing } => {
                if zh {
                    format!("还有 {missing} 张照片未上传")
                } else {
                    format!("{missing} photos not uploaded yet")
                }
            }
            Msg::UnknownEnrollCode => pick("注册码无效", "unknown enrollment code"),
            Msg::EnrollCodeUsed => pick("注册码已被使用", "enrollment code already used"),
            Msg::EnrollCodeExpired => pick("注册码已过期", "enrollment code expired"),
            Msg::MalformedEnrollCode => pick("注册码格式不正确", "malformed enrollment code"),
            Msg::TooManyEnrollAttempts { seconds } => {
                if zh {
                    format!("注册码错误次数过多，请 {seconds} 秒后再试")
                } else {
                    format!("too many wrong enrollment codes: try again in {seconds} seconds")
                }
            }
            Msg::MissingToken => pick("缺少令牌", "missing bearer token"),
            Msg::InvalidToken => pick("令牌无效，请重新注册设备", "invalid token"),
            Msg::DeviceRevoked => pick("此设备已被停用，请联系管理员", "device revoked"),
            Msg::DeviceCloned => pick(
                "本设备的数据已在另一部手机上使用，请用新的注册码重新注册本机（未同步的数据仍保存在本机）",
                "this enrollment is in use by another installation: re-enroll this device with a new code",
            ),
            Msg::ServerRestored => pick(
                "同步服务器已从备份恢复，部分数据需要重新上传；本机将重新上传服务器缺少的记录",
                "the sync server was restored from a backup: this device re-uploads what it lacks",
            ),
            Msg::ServerReplaced => pick(
                "同步服务器已更换为另一个数据库；本机将重新上传服务器缺少的记录",
                "the sync server now runs on another database: this device re-uploads what it lacks",
            ),
            Msg::BodyTooLarge => pick("请求体过大", "request body too large"),
            Msg::BadQuery => pick("查询参数有误", "invalid query parameters"),
            Msg::BadPath => pick(
                "请求路径中的参数有误",
                "invalid parameter in the request path",
            ),
            Msg::BadRequest => pick("请求有误", "bad request"),
            Msg::NoSuchEndpoint => pick("没有这个接口", "no such endpoint"),
            Msg::MethodNotAllowed => pick(
                "该接口不支持这种请求方法",
                "this endpoint does not accept this method",
            ),
            Msg::UnsupportedMediaType => pick(
                "请求体的内容类型不受支持",
                "unsupported content type: the body must be application/json",
            ),
            Msg::PhotoTooLarge { max_mb } => {
                if zh {
                    format!("照片超过 {max_mb} MB 上限")
                } else {
                    format!("the photo is larger than {max_mb} MB")
                }
            }
            Msg::HashMismatch => pick("照片内容与其哈希不符", "bytes do not match the hash"),
            Msg::PhotoNotAnImage => pick(
                "不是支持的图片，仅接受 JPEG、PNG 或 WebP 照片，未保存",
                "not a supported image: only JPEG, PNG or WebP photos are accepted; nothing was stored",
            ),
            Msg::InternalError => pick("服务器内部错误，请稍后重试", "internal server error"),
            Msg::LegacyColumns => pick(
                "每行应有两列：旧门牌编号或二维码内容，地址编码",
                "each line needs two columns: the legacy serial or QR text, and the address code",
            ),
            Msg::LegacyTextEmpty => pick(
                "旧门牌编号或二维码内容为空",
                "the legacy serial or QR text is empty",
            ),
            Msg::LegacyTextTooLong { max } => {
                if zh {
                    format!("旧门牌内容过长（最多{max}字节）")
                } else {
                    format!("the legacy plate text is too long (at most {max} bytes)")
                }
            }
            Msg::LegacyTextSigned => pick(
                "这是本系统签发的门牌，不能作为旧门牌导入",
                "this is a plate signed by this system and cannot be imported as a legacy plate",
            ),
            Msg::LegacyUnknownAddress => pick(
                "地址编码不存在，请先导入标准地址",
                "unknown address code: import the standard address first",
            ),
            Msg::LegacyDuplicate { first_line } => {
                if zh {
                    format!("与第{first_line}行的旧门牌重复")
                } else {
                    format!("the same legacy plate as line {first_line}")
                }
            }
            Msg::LegacyNothingImported { bad } => {
                if zh {
                    format!("{bad}行有误，未导入任何旧门牌")
                } else {
                    format!("{bad} bad lines: no legacy plate was imported")
                }
            }
            Msg::BoundaryNotJson => pick(
                "文件不是有效的 JSON，应为地理要素集合格式",
                "the file is not valid JSON: a GeoJSON FeatureCollection is expected",
            ),
            Msg::BoundaryNotFeatureCollection => pick(
                "文件应为地理要素集合，顶层类型须为要素集合",
                "the file must be a GeoJSON FeatureCollection",
            ),
            Msg::BoundaryNoFeatures => pick(
                "要素集合中没有任何要素",
                "the FeatureCollection has no features",
            ),
            Msg::BoundaryTooManyFeatures { max } => {
                if zh {
                    format!("要素过多（最多{max}个）")
                } else {
                    format!("too many features (at most {max})")
                }
            }
            Msg::BoundaryNotFeature => pick("不是地理要素", "not a GeoJSON Feature"),
            Msg::BoundaryNoGrid => pick(
                "要素属性中缺少网格编码",
                "the grid code (property \"grid\") is missing",
            ),
            Msg::BoundaryUnknownGrid => pick(
                "网格编码不存在，请先导入网格",
                "unknown grid code: import the grid first",
            ),
            Msg::BoundaryDuplicateGrid { first } => {
                if zh {
                    format!("与第{first}个要素的网格重复")
                } else {
                    format!("the same grid as feature {first}")
                }
            }
            Msg::BoundaryGeometryType => pick(
                "几何类型应为多边形或多多边形",
                "the geometry must be a Polygon or MultiPolygon",
            ),
            Msg::BoundaryRingShort => pick(
                "多边形的环至少需要4个点",
                "a polygon ring needs at least 4 positions",
            ),
            Msg::BoundaryRingOpen => pick(
                "多边形的环未闭合：首尾两点应相同",
                "a polygon ring is not closed: its first and last positions must be the same",
            ),
            Msg::BoundaryBadPosition => pick(
                "坐标应为经度、纬度两个数字",
                "a position must be two numbers, longitude and latitude",
            ),
            Msg::BoundaryOutOfRange => pick(
                "坐标超出范围：经度应在正负180之间，纬度应在正负90之间",
                "a coordinate is out of range: longitude must be within ±180 and latitude within ±90",
            ),
            Msg::BoundaryTooManyVertices { max } => {
                if zh {
                    format!("顶点过多（每个要素最多{max}个）")
                } else {
                    format!("too many positions (at most {max} per feature)")
                }
            }
            Msg::BoundaryNothingImported { bad } => {
                if zh {
                    format!("{bad}处有误，未导入任何网格边界")
                } else {
                    format!("{bad} problems: no grid boundary was imported")
                }
            }
        }
    }

    /// The `message` of an API error body: Chinese first, English in brackets, as
    /// phones of every version show it.
    pub fn wire(&self) -> String {
        format!("{} ({})", self.text(Lang::Zh), self.text(Lang::En))
    }

    /// Every message once, with sample parameters (for the catalog's tests).
    pub fn samples() -> Vec<Msg> {
        vec![
            Msg::OutOfScope,
            Msg::UnknownAddress,
            Msg::EntityEditNotPermitted {
                role: Role::Volunteer,
                kind: EntityKind::Household,
            },
            Msg::UnknownTemplate,
            Msg::InspectionNotFound,
            Msg::HazardNotFound,
            Msg::CaseNotFound,
            Msg::ReportNotFound,
            Msg::PendingPhotos { missing: 2 },
            Msg::UnknownEnrollCode,
            Msg::EnrollCodeUsed,
            Msg::EnrollCodeExpired,
            Msg::MalformedEnrollCode,
            Msg::TooManyEnrollAttempts { seconds: 4 },
            Msg::MissingToken,
            Msg::InvalidToken,
            Msg::DeviceRevoked,
            Msg::DeviceCloned,
            Msg::ServerRestored,
            Msg::ServerReplaced,
            Msg::BodyTooLarge,
            Msg::BadQuery,
            Msg::BadPath,
            Msg::BadRequest,
            Msg::NoSuchEndpoint,
            Msg::MethodNotAllowed,
            Msg::UnsupportedMediaType,
            Msg::PhotoTooLarge { max_mb: 10 },
            Msg::HashMismatch,
            Msg::PhotoNotAnImage,
            Msg::InternalError,
            Msg::LegacyColumns,
            Msg::LegacyTextEmpty,
            Msg::LegacyTextTooLong { max: 512 },
            Msg::LegacyTextSigned,
            Msg::LegacyUnknownAddress,
            Msg::LegacyDuplicate { first_line: 3 },
            Msg::LegacyNothingImported { bad: 2 },
            Msg::BoundaryNotJson,
            Msg::BoundaryNotFeatureCollection,
            Msg::BoundaryNoFeatures,
            Msg::BoundaryTooManyFeatures { max: 20000 },
            Msg::BoundaryNotFeature,
            Msg::BoundaryNoGrid,
            Msg::BoundaryUnknownGrid,
            Msg::BoundaryDuplicateGrid { first: 2 },
            Msg::BoundaryGeometryType,
            Msg::BoundaryRingShort,
            Msg::BoundaryRingOpen,
            Msg::BoundaryBadPosition,
            Msg::BoundaryOutOfRange,
            Msg::BoundaryTooManyVertices { max: 5000 },
            Msg::BoundaryNothingImported { bad: 3 },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english_words(s: &str) -> Vec<String> {
        gridfield_core::i18n::english_in_chinese(s)
    }

    fn chinese_chars(s: &str) -> Vec<char> {
        gridfield_core::i18n::chinese_in_english(s)
    }

    #[test]
    fn every_message_is_one_language_in_each() {
        for m in Msg::samples() {
            let zh = m.text(Lang::Zh);
            let en = m.text(Lang::En);
            assert!(english_words(&zh).is_empty(), "{m:?} zh: {zh}");
            assert!(!chinese_chars(&zh).is_empty(), "{m:?} zh: {zh}");
            assert!(chinese_chars(&en).is_empty(), "{m:?} en: {en}");
            assert!(!en.is_empty(), "{m:?}");
        }
    }

    #[test]
    fn samples_cover_every_variant_once() {
        let samples = Msg::samples();
        let kinds: std::collections::HashSet<_> =
            samples.iter().map(std::mem::discriminant).collect();
        assert_eq!(kinds.len(), samples.len());
        // Adding a variant without a sample fails to compile here.
        for m in &samples {
            match m {
                Msg::OutOfScope
                | Msg::UnknownAddress
                | Msg::EntityEditNotPermitted { .. }
                | Msg::UnknownTemplate
                | Msg::InspectionNotFound
                | Msg::HazardNotFound
                | Msg::CaseNotFound
                | Msg::ReportNotFound
                | Msg::PendingPhotos { .. }
                | Msg::UnknownEnrollCode
                | Msg::EnrollCodeUsed
                | Msg::EnrollCodeExpired
                | Msg::MalformedEnrollCode
                | Msg::TooManyEnrollAttempts { .. }
                | Msg::MissingToken
                | Msg::InvalidToken
                | Msg::DeviceRevoked
                | Msg::DeviceCloned
                | Msg::ServerRestored
                | Msg::ServerReplaced
                | Msg::BodyTooLarge
                | Msg::BadQuery
                | Msg::BadPath
                | Msg::BadRequest
                | Msg::NoSuchEndpoint
                | Msg::MethodNotAllowed
                | Msg::UnsupportedMediaType
                | Msg::PhotoTooLarge { .. }
                | Msg::HashMismatch
                | Msg::PhotoNotAnImage
                | Msg::InternalError
                | Msg::LegacyColumns
                | Msg::LegacyTextEmpty
                | Msg::LegacyTextTooLong { .. }
                | Msg::LegacyTextSigned
                | Msg::LegacyUnknownAddress
                | Msg::LegacyDuplicate { .. }
                | Msg::LegacyNothingImported { .. }
                | Msg::BoundaryNotJson
                | Msg::BoundaryNotFeatureCollection
                | Msg::BoundaryNoFeatures
                | Msg::BoundaryTooManyFeatures { .. }
                | Msg::BoundaryNotFeature
                | Msg::BoundaryNoGrid
                | Msg::BoundaryUnknownGrid
                | Msg::BoundaryDuplicateGrid { .. }
                | Msg::BoundaryGeometryType
                | Msg::BoundaryRingShort
                | Msg::BoundaryRingOpen
                | Msg::BoundaryBadPosition
                | Msg::BoundaryOutOfRange
                | Msg::BoundaryTooManyVertices { .. }
                | Msg::BoundaryNothingImported { .. } => {}
            }
        }
    }

    #[test]
    fn wire_messages_keep_the_bytes_phones_know() {
        assert_eq!(
            Msg::InvalidToken.wire(),
            "令牌无效，请重新注册设备 (invalid token)"
        );
        assert_eq!(
            Msg::DeviceCloned.wire(),
            "本设备的数据已在另一部手机上使用，请用新的注册码重新注册本机（未同步的数据仍保存在本机） \
             (this enrollment is in use by another installation: re-enroll this device with a new code)"
        );
        assert_eq!(
            Msg::ServerRestored.wire(),
            "同步服务器已从备份恢复，部分数据需要重新上传；本机将重新上传服务器缺少的记录 (the sync server was restored from a backup: this device re-uploads what it lacks)"
        );
    }
}
