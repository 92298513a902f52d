//! The public plate page's message catalog: what a resident who scanned a door
//! plate reads, keyed by identifier, Chinese and English side by side.

use gridfield_core::i18n::Lang;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Title,
    Genuine,
    Community,
    Grid,
    ReportHeading,
    ReportHint,
    ReportText,
    Photo,
    PhotoHint,
    Phone,
    PhoneHint,
    Send,
    Sent,
    NotRegistered,
    Rejected,
    TextRequired,
    TextTooLong { max: usize },
    PhoneInvalid,
    PhotoTooLarge { mb: u64 },
    PhotoNotImage,
    TooMany { seconds: i64 },
    Unavailable,
}

impl Msg {
    pub fn text(&self, lang: Lang) -> String {
        use Msg::*;
        let (zh, en) = match self {
            TextTooLong { max } => {
                return match lang {
                    Lang::Zh => format!("描述太长：最多 {max} 个字"),
                    Lang::En => format!("The description is too long: at most {max} characters"),
                };
            }
            PhotoTooLarge { mb } => {
                return match lang {
                    Lang::Zh => format!("照片超过 {mb} MB 上限，请换一张较小的照片"),
                    Lang::En => {
                        format!("The photo is over the {mb} MB limit; choose a smaller one")
                    }
                };
            }
            TooMany { seconds } => {
                return match lang {
                    Lang::Zh => format!("提交太频繁，请 {seconds} 秒后再试"),
                    Lang::En => format!("Too many reports; try again in {seconds} seconds"),
                };
            }
            Title => ("数字门牌", "Door plate"),
            Genuine => ("门牌真实有效", "Genuine door plate"),
            Community => ("所属社区", "Community"),
            Grid => ("所属网格", "Grid"),
            ReportHeading => ("随手拍", "Report a problem"),
            ReportHint => (
                "发现安全隐患或其他问题？描述一下，网格员会处理。",
                "Seen a hazard or another problem? Describe it and the grid worker will follow up.",
            ),
            ReportText => ("问题描述", "What is the problem"),
            Photo => ("照片（可选）", "Photo (optional)"),
            PhotoHint => (
                "JPEG、PNG 或 WebP，不超过 10 MB",
                "JPEG, PNG or WebP, up to 10 MB",
            ),
            Phone => ("手机号码（可选）", "Mobile number (optional)"),
            PhoneHint => (
                "仅用于回复您，不会公开",
                "Only to answer you; never shown publicly",
            ),
            Send => ("提交", "Send"),
            Sent => (
                "已收到您的反映，谢谢！",
                "Thank you: your report was received.",
            ),
            NotRegistered => (
                "门牌真实有效，但该地址尚未登记",
                "A genuine plate, but its address is not registered yet",
            ),
            Rejected => (
                "此门牌无法验证，请勿轻信其内容",
                "This door plate could not be verified; do not trust it",
            ),
            TextRequired => ("请填写问题描述", "Please describe the problem"),
            PhoneInvalid => (
                "手机号码格式不正确，请检查后再提交",
                "That phone number is not valid; please check it",
            ),
            PhotoNotImage => (
                "照片格式不支持：只接受 JPEG、PNG 或 WebP 图片",
                "Unsupported photo: only JPEG, PNG or WebP images are accepted",
            ),
            Unavailable => (
                "服务暂时不可用，请稍后再试",
                "The service is unavailable; try again later",
            ),
        };
        lang.pick(zh, en).to_string()
    }

    #[cfg(test)]
    fn samples() -> Vec<Msg> {
        use Msg::*;
        vec![
            Title,
            Genuine,
            Community,
            Grid,
            ReportHeading,
            ReportHint,
            ReportText,
            Photo,
            PhotoHint,
            Phone,
            PhoneHint,
            Send,
            Sent,
            NotRegistered,
            Rejected,
            TextRequired,
            TextTooLong { max: 2000 },
            PhoneInvalid,
            PhotoTooLarge { mb: 10 },
            PhotoNotImage,
            TooMany { seconds: 60 },
            Unavailable,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_in_both_languages_unmixed() {
        for m in Msg::samples() {
            let zh = m.text(Lang::Zh);
            let en = m.text(Lang::En);
            let stray = gridfield_core::i18n::english_in_chinese_beyond(
                &zh,
                &["JPEG", "PNG", "WebP", "MB"],
            );
            assert!(stray.is_empty(), "English in Chinese: {m:?} = {zh}");
            assert!(
                gridfield_core::i18n::chinese_in_english(&en).is_empty(),
                "Chinese in English: {m:?} = {en}"
            );
        }
    }
}
