//! User-facing language. Simplified Chinese is the default; English is available.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "zh-hans" => Some(Lang::Zh),
            "en" | "en-us" | "en_us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// Pick the text for this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// ASCII words allowed inside Chinese text: abbreviations users read as such.
pub const ALLOWED_IN_ZH: &[&str] = &[
    "ID", "QR", "CSV", "Excel", "XLSX", "URL", "HTTP", "HTTPS", "SHA", "JSON", "GPS", "JPEG",
    "PNG", "WebP", "HEIC", "MB", "KB",
];

/// English words in a Chinese text (beyond [`ALLOWED_IN_ZH`]): what a test that walks
/// a message catalog refuses. Parameters (ids, codes, numbers) should be left out of
/// the text checked, or be digits.
pub fn english_in_chinese(text: &str) -> Vec<String> {
    english_in_chinese_beyond(text, &[])
}

/// [`english_in_chinese`], also allowing a surface's own tokens (command names a
/// user types, keyboard keys a page names).
pub fn english_in_chinese_beyond(text: &str, extra: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else if !word.is_empty() {
            if !ALLOWED_IN_ZH.contains(&word.as_str()) && !extra.contains(&word.as_str()) {
                found.push(std::mem::take(&mut word));
            }
            word.clear();
        }
    }
    found
}

/// Chinese characters or Chinese punctuation in an English text.
pub fn chinese_in_english(text: &str) -> Vec<char> {
    const PUNCT: &str = "，。：；！？（）【】、“”‘’「」《》…—";
    text.chars()
        .filter(|&c| {
            ('\u{4e00}'..='\u{9fff}').contains(&c)
                || ('\u{3000}'..='\u{303f}').contains(&c)
                || ('\u{ff00}'..='\u{ffef}').contains(&c)
                || PUNCT.contains(c)
        })
        .collect()
}

/// Panics with `what` when `zh` is not pure Chinese or `en` not pure English: the
/// check every surface's catalog test runs over each of its messages.
pub fn assert_languages_pure(what: &str, zh: &str, en: &str) {
    assert_languages_pure_beyond(what, zh, en, &[]);
}

/// [`assert_languages_pure`] with a surface's own allowed tokens in Chinese text.
pub fn assert_languages_pure_beyond(what: &str, zh: &str, en: &str, extra: &[&str]) {
    assert!(!zh.trim().is_empty(), "{what}: empty Chinese text");
    assert!(!en.trim().is_empty(), "{what}: empty English text");
    let words = english_in_chinese_beyond(zh, extra);
    assert!(
        words.is_empty(),
        "{what}: English {words:?} in Chinese {zh:?}"
    );
    let chars = chinese_in_english(en);
    assert!(
        chars.is_empty(),
        "{what}: Chinese {chars:?} in English {en:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_checks_catch_mixing() {
        assert_eq!(
            english_in_chinese("无权操作：read inspections"),
            ["read", "inspections"]
        );
        assert!(english_in_chinese("扫描 QR 码，导出 Excel").is_empty());
        assert_eq!(chinese_in_english("not permitted：read"), ['：']);
        assert!(chinese_in_english("not permitted: read").is_empty());
    }
}
