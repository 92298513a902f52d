//! Answer checking: each raw JSON answer type- and range-checked against its
//! item, and the typed errors (with Chinese and English text) a worker sees.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::is_photo_hash;
use super::template::{Item, ItemKind, YesNoNa};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrors(pub Vec<AnswerError>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerError {
    pub item_id: String,
    pub kind: AnswerErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerErrorKind {
    UnknownItem,
    MissingRequired,
    WrongType {
        // Spelled out so serde does not treat it as a borrowed `&str` (which would need `'de: 'static`).
        #[serde(deserialize_with = "de_expected")]
        expected: &'static std::primitive::str,
    },
    OutOfRange,
    NotInteger,
    TooLong,
    UnknownOption(String),
    DuplicateOption,
    TooFewPhotos {
        min: u32,
    },
    TooManyPhotos {
        max: u32,
    },
    PhotoRequiredOnFail,
    BadPhotoHash,
}

pub(super) const EXPECTED_YES_NO_NA: &str = "\"yes\", \"no\" or \"na\"";
pub(super) const EXPECTED_NUMBER: &str = "a number";
pub(super) const EXPECTED_STRING: &str = "a string";
pub(super) const EXPECTED_OPTION: &str = "an option id";
pub(super) const EXPECTED_OPTIONS: &str = "an array of option ids";
pub(super) const EXPECTED_PHOTOS: &str = "an array of photo hashes";
pub(super) const EXPECTED_SIGNATURE: &str = "a photo hash of the signature";
pub(super) const EXPECTED_PHOTOS_IN_ANSWER: &str =
    "photos in the answer of a photo item, not as evidence";
pub(super) const EXPECTED_NO_EVIDENCE: &str = "no evidence photos unless the item fails";

/// (English, Chinese) for every `WrongType::expected` this module produces.
pub(super) const EXPECTED_TEXTS: [(&str, &str); 9] = [
    (EXPECTED_YES_NO_NA, "“是”“否”或“不适用”"),
    (EXPECTED_NUMBER, "数字"),
    (EXPECTED_STRING, "文字"),
    (EXPECTED_OPTION, "一个选项"),
    (EXPECTED_OPTIONS, "选项列表"),
    (EXPECTED_PHOTOS, "照片列表"),
    (EXPECTED_SIGNATURE, "签名图片"),
    (
        EXPECTED_PHOTOS_IN_ANSWER,
        "拍照项的照片应作为答案提交，而非作为不合格证据",
    ),
    (EXPECTED_NO_EVIDENCE, "仅不合格的检查项可附证据照片"),
];

// `expected` is `&'static str`, so it can only be deserialized by mapping back onto our own constants.
fn de_expected<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let s = String::deserialize(d)?;
    EXPECTED_TEXTS
        .iter()
        .map(|(en, _)| *en)
        .find(|en| *en == s)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown expected type {s:?}")))
}

impl AnswerErrorKind {
    pub fn message_zh(&self) -> String {
        match self {
            AnswerErrorKind::UnknownItem => "模板中没有此检查项（应用与模板版本可能不一致）".into(),
            AnswerErrorKind::MissingRequired => "必填项未填写".into(),
            AnswerErrorKind::WrongType { expected } => {
                let zh = EXPECTED_TEXTS
                    .iter()
                    .find(|(en, _)| en == expected)
                    .map_or(*expected, |(_, zh)| *zh);
                format!("答案格式不正确，应为：{zh}")
            }
            AnswerErrorKind::OutOfRange => "数值超出允许范围".into(),
            AnswerErrorKind::NotInteger => "应填写整数".into(),
            AnswerErrorKind::TooLong => "文字超过长度限制".into(),
            AnswerErrorKind::UnknownOption(o) => format!("未知选项“{o}”"),
            AnswerErrorKind::DuplicateOption => "同一选项或照片重复出现".into(),
            AnswerErrorKind::TooFewPhotos { min } => format!("照片数量不足，至少需要{min}张"),
            AnswerErrorKind::TooManyPhotos { max } => format!("照片过多，最多{max}张"),
            AnswerErrorKind::PhotoRequiredOnFail => "该项不合格，须拍照留存证据".into(),
            AnswerErrorKind::BadPhotoHash => "照片标识无效（应为64位小写十六进制SHA-256）".into(),
        }
    }
}

impl fmt::Display for AnswerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerErrorKind::UnknownItem => write!(f, "no such item in this template version"),
            AnswerErrorKind::MissingRequired => write!(f, "required item not answered"),
            AnswerErrorKind::WrongType { expected } => {
                write!(f, "wrong answer type, expected {expected}")
            }
            AnswerErrorKind::OutOfRange => write!(f, "value out of range"),
            AnswerErrorKind::NotInteger => write!(f, "value must be a whole number"),
            AnswerErrorKind::TooLong => write!(f, "text too long"),
            AnswerErrorKind::UnknownOption(o) => write!(f, "unknown option {o:?}"),
            AnswerErrorKind::DuplicateOption => {
                write!(f, "the same option or photo is listed more than once")
            }
            AnswerErrorKind::TooFewPhotos { min } => {
                write!(f, "too few photos, at least {min} required")
            }
            AnswerErrorKind::TooManyPhotos { max } => {
                write!(f, "too many photos, at most {max} allowed")
            }
            AnswerErrorKind::PhotoRequiredOnFail => {
                write!(f, "item failed and needs a photo as evidence")
            }
            AnswerErrorKind::BadPhotoHash => {
                write!(f, "invalid photo hash (expected 64 lowercase hex chars)")
            }
        }
    }
}

impl AnswerError {
    pub(crate) fn new(item_id: &str, kind: AnswerErrorKind) -> Self {
        AnswerError {
            item_id: item_id.to_string(),
            kind,
        }
    }

    pub fn message_zh(&self) -> String {
        format!("{}：{}", self.item_id, self.kind.message_zh())
    }
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.item_id, self.kind)
    }
}

impl ValidationErrors {
    /// One line per error, for showing to the grid worker.
    pub fn message_zh(&self) -> String {
        self.0
            .iter()
            .map(AnswerError::message_zh)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn has(&self, item_id: &str, kind: &AnswerErrorKind) -> bool {
        self.0
            .iter()
            .any(|e| e.item_id == item_id && &e.kind == kind)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A type-checked answer.
pub(super) enum Parsed<'a> {
    YesNoNa(YesNoNa),
    Number(f64),
    Text,
    Choice(&'a str),
    Multi(Vec<&'a str>),
    Photos,
    Signature,
}

/// Checks a list of photo hashes; returns how many are valid and distinct.
pub(super) fn check_hashes(item_id: &str, hashes: &[&str], errs: &mut Vec<AnswerError>) -> usize {
    let mut seen = BTreeSet::new();
    let mut dup = false;
    for h in hashes {
        if !is_photo_hash(h) {
            errs.push(AnswerError::new(item_id, AnswerErrorKind::BadPhotoHash));
        } else if !seen.insert(*h) {
            dup = true;
        }
    }
    if dup {
        errs.push(AnswerError::new(item_id, AnswerErrorKind::DuplicateOption));
    }
    seen.len()
}

/// Type- and range-checks one answer. `Ok(None)` means "not answered" (null, empty text/photos).
pub(super) fn parse_answer<'a>(
    item: &Item,
    value: &'a Value,
    finished: bool,
) -> Result<Option<Parsed<'a>>, Vec<AnswerErrorKind>> {
    use AnswerErrorKind as K;
    let wrong = |expected| Err(vec![K::WrongType { expected }]);
    if value.is_null() {
        return Ok(None);
    }
    match &item.kind {
        ItemKind::YesNoNa => match value.as_str().and_then(YesNoNa::parse) {
            Some(a) => Ok(Some(Parsed::YesNoNa(a))),
            None => wrong(EXPECTED_YES_NO_NA),
        },
        ItemKind::Number {
            min, max, integer, ..
        } => {
            let Some(n) = value.as_f64() else {
                return wrong(EXPECTED_NUMBER);
            };
            let mut errs = Vec::new();
            if *integer && n.fract() != 0.0 {
                errs.push(K::NotInteger);
            }
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                errs.push(K::OutOfRange);
            }
            if errs.is_empty() {
                Ok(Some(Parsed::Number(n)))
            } else {
                Err(errs)
            }
        }
        ItemKind::Text { max_len } => {
            let Some(s) = value.as_str() else {
                return wrong(EXPECTED_STRING);
            };
            if s.trim().is_empty() {
                Ok(None)
            } else if s.chars().count() > *max_len as usize {
                Err(vec![K::TooLong])
            } else {
                Ok(Some(Parsed::Text))
            }
        }
        ItemKind::SingleChoice { options } => {
            let Some(s) = value.as_str() else {
                return wrong(EXPECTED_OPTION);
            };
            if options.iter().any(|o| o.id == s) {
                Ok(Some(Parsed::Choice(s)))
            } else {
                Err(vec![K::UnknownOption(s.to_string())])
            }
        }
        ItemKind::MultiChoice { options } => {
            let Some(arr) = value.as_array() else {
                return wrong(EXPECTED_OPTIONS);
            };
            let Some(ids) = arr.iter().map(Value::as_str).collect::<Option<Vec<_>>>() else {
                return wrong(EXPECTED_OPTIONS);
            };
            let mut errs: Vec<_> = ids
                .iter()
                .filter(|id| !options.iter().any(|o| o.id == **id))
                .map(|id| K::UnknownOption(id.to_string()))
                .collect();
            if ids.iter().collect::<BTreeSet<_>>().len() != ids.len() {
                errs.push(K::DuplicateOption);
            }
            // An empty array is a real answer: "none of these apply".
            if errs.is_empty() {
                Ok(Some(Parsed::Multi(ids)))
            } else {
                Err(errs)
            }
        }
        ItemKind::Photo { min, max } => {
            let Some(arr) = value.as_array() else {
                return wrong(EXPECTED_PHOTOS);
            };
            let Some(hashes) = arr.iter().map(Value::as_str).collect::<Option<Vec<_>>>() else {
                return wrong(EXPECTED_PHOTOS);
            };
            let mut errs = Vec::new();
            let n = check_hashes(&item.id, &hashes, &mut errs);
            let mut errs: Vec<_> = errs.into_iter().map(|e| e.kind).collect();
            if hashes.len() > *max as usize {
                errs.push(K::TooManyPhotos { max: *max });
            }
            if !errs.is_empty() {
                return Err(errs);
            }
            if hashes.is_empty() {
                Ok(None)
            } else if finished && n < *min as usize {
                Err(vec![K::TooFewPhotos { min: *min }])
            } else {
                Ok(Some(Parsed::Photos))
            }
        }
        ItemKind::Signature => match value.as_str() {
            Some("") => Ok(None),
            Some(s) if is_photo_hash(s) => Ok(Some(Parsed::Signature)),
            Some(_) => Err(vec![K::BadPhotoHash]),
            None => wrong(EXPECTED_SIGNATURE),
        },
    }
}
