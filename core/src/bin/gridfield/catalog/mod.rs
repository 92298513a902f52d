//! The CLI's one message catalog: every text a person reads from `gridfield`, keyed
//! by identifier, Chinese and English side by side. `Msg` holds output, refusals and
//! parse errors; `Help` holds the about and argument texts that `--help` shows.

pub mod help;
mod msg;

pub use help::Help;
pub use msg::Msg;

#[cfg(test)]
mod tests {
    use super::{Help, Msg};
    use gridfield_core::Lang;

    /// Tokens a Chinese text may carry in Latin letters: abbreviations read as such,
    /// and the identifiers people type (command names, flag values, record kinds).
    const ALLOWED: &[&str] = &[
        "ID",
        "QR",
        "CSV",
        "JSON",
        "URL",
        "HTTP",
        "HTTPS",
        "KB",
        "MB",
        "B",
        "ms",
        "YYYY",
        "MM",
        "DD",
        "v",
        "zh",
        "en",
        "reenroll",
        "enroll",
        "init",
        "household",
        "person",
        "rental_unit",
        "business",
        "kind",
        "id",
        "code",
        "name",
        "level",
        "parent_code",
        "grid_code",
        "full_text",
        "street",
        "number",
        "building",
        "unit",
        "room",
        "plate_serial",
        "lat",
        "lon",
        "field",
        "value",
        "id_number",
        "phone",
        "answers",
        "photos",
        "item",
        "assign",
        "start_rectification",
        "mark_rectified",
        "verify",
        "reject_rectification",
        "close",
        "reopen",
        "help",
        "gridfield",
        "example",
        "org",
        "grid",
        "https",
        "file",
        "UTF",
        "GRIDFIELD_DATA",
        "x",
        "y",
        "user",
        "department",
        "satisfied",
        "basic",
        "unsatisfied",
        "RFC",
        "applicant",
        "respondent",
        "other",
        "mediator",
        "accept",
        "decline",
        "dispatch",
        "receive",
        "return",
        "feedback",
        "finish",
        "reject_verification",
        "escalate",
        "supervise",
        "take_over",
        "evaluate",
        "types",
        "case",
    ];

    /// Chinese output: no ASCII letter runs but the allowed tokens.
    pub fn assert_chinese(text: &str) {
        for word in text.split(|c: char| !(c.is_ascii_alphabetic() || c == '_')) {
            let word = word.trim_matches('_');
            assert!(
                word.is_empty() || ALLOWED.contains(&word),
                "English word {word:?} in Chinese text: {text}"
            );
        }
    }

    /// English output: no Chinese characters and no Chinese punctuation.
    pub fn assert_english(text: &str) {
        let chars = gridfield_core::i18n::chinese_in_english(text);
        assert!(chars.is_empty(), "{chars:?} in English text: {text}");
    }

    #[test]
    fn every_message_in_both_languages() {
        for m in Msg::samples() {
            assert_chinese(&m.text(Lang::Zh));
            assert_english(&m.text(Lang::En));
            assert!(!m.text(Lang::Zh).is_empty() && !m.text(Lang::En).is_empty());
        }
        for h in Help::all() {
            assert_chinese(h.text(Lang::Zh));
            assert_english(h.text(Lang::En));
        }
    }
}
