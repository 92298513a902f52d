//! Why a plate was rejected (or a key refused), with a stable code and the
//! Chinese text a worker sees.

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PlateError {
    #[error("no door plate token found")]
    NotAPlate,
    #[error("unsupported door plate format version {0}")]
    UnsupportedVersion(u32),
    #[error("malformed door plate: {0}")]
    Malformed(String),
    #[error("door plate is truncated")]
    Truncated,
    #[error("door plate issued by unknown issuer key {0}")]
    UnknownIssuer(String),
    #[error("door plate signature is invalid")]
    BadSignature,
    #[error("invalid issuer key: {0}")]
    InvalidKey(String),
    #[error("system random number generator unavailable: {0}")]
    RandomUnavailable(String),
}

impl PlateError {
    pub fn code(&self) -> &'static str {
        match self {
            PlateError::NotAPlate => "plate_not_a_plate",
            PlateError::UnsupportedVersion(_) => "plate_unsupported_version",
            PlateError::Malformed(_) => "plate_malformed",
            PlateError::Truncated => "plate_truncated",
            PlateError::UnknownIssuer(_) => "plate_unknown_issuer",
            PlateError::BadSignature => "plate_bad_signature",
            PlateError::InvalidKey(_) => "plate_invalid_key",
            PlateError::RandomUnavailable(_) => "plate_random_unavailable",
        }
    }

    /// The reason in `lang` (English is the `Display` text).
    pub fn message(&self, lang: crate::i18n::Lang) -> String {
        match lang {
            crate::i18n::Lang::Zh => self.message_zh(),
            crate::i18n::Lang::En => self.to_string(),
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            PlateError::NotAPlate => "这不是数字门牌二维码".into(),
            PlateError::UnsupportedVersion(v) => {
                format!("不支持的门牌格式版本（第{v}版），请更新应用后再扫描")
            }
            PlateError::Malformed(_) => "门牌二维码内容格式错误，无法识别".into(),
            PlateError::Truncated => "门牌二维码内容不完整，请重新扫描".into(),
            PlateError::UnknownIssuer(_) => {
                "门牌签发机构不在信任列表中：可能来自其他地区，也可能是伪造的".into()
            }
            PlateError::BadSignature => "门牌签名无效：此门牌可能是伪造或被篡改的".into(),
            PlateError::InvalidKey(_) => "签发机构公钥无效".into(),
            PlateError::RandomUnavailable(_) => "无法生成密钥：系统随机数不可用".into(),
        }
    }
}
