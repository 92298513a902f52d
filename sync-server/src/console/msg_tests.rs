//! The console catalog's tests: every message in both languages, each pure.

use super::*;

/// ASCII words a Chinese message may carry: acronyms, file formats and the
/// review queue's key names.
const ALLOWED_IN_ZH: &[&str] = &[
    "CSRF", "JPEG", "PNG", "WebP", "MB", "j", "k", "x", "r", "Enter", "Shift", "A", "JSON", "no",
    "yes", "shop",
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
