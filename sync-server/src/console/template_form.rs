//! The checklist editor's form: a template as the fields an author types
//! (sections, items of every kind, fail rules, deductions, 一票否决, photo on
//! failure, the hazard a failing item raises, a sample answer per item), read
//! back from a POST without losing anything typed, and the template's problems
//! and a preview's score placed next to the item they concern.

use gridfield_core::checklist::{
    Answers, CaseSpec, ChecklistTemplate, ChoiceOption, Evaluation, FailRule, HazardSpec, Item,
    ItemKind, ItemPhotos, Section, Severity, TemplateProblem, Text, YesNoNa,
};
use gridfield_core::i18n::Lang;
use serde_json::{Value, json};

use super::forms::Params;
use super::template_msg::TemplateMsg;

pub const KINDS: [&str; 7] = [
    "yes_no_na",
    "number",
    "text",
    "single_choice",
    "multi_choice",
    "photo",
    "signature",
];

#[derive(Debug, Clone, Default)]
pub struct SectionForm {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ItemForm {
    /// Index of its section in `TemplateForm::sections`.
    pub section: usize,
    pub id: String,
    pub zh: String,
    pub en: String,
    pub kind: String,
    pub required: bool,
    /// `no` / `yes` (yes-no items), `<2` / `>10` (numbers), option ids (choices).
    pub fail: String,
    pub deduction: String,
    pub veto: bool,
    pub photo_on_fail: bool,
    pub hazard: String,
    pub severity: String,
    /// The case type a failure opens (empty: none) and its severity.
    pub case: String,
    pub case_severity: String,
    /// One option a line: `id|中文|English`.
    pub options: String,
    pub min: String,
    pub max: String,
    pub unit: String,
    pub max_len: String,
    pub integer: bool,
    /// Help text, kept as the file had it.
    pub help_zh: String,
    pub help_en: String,
    /// The sample answer the preview scores.
    pub answer: String,
    pub errors: Vec<String>,
    /// Preview: this item failed.
    pub failed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct TemplateForm {
    pub id: String,
    pub version: String,
    pub zh: String,
    pub en: String,
    pub applies_to: String,
    pub business_kinds: String,
    pub total: String,
    pub pass: String,
    pub sections: Vec<SectionForm>,
    pub items: Vec<ItemForm>,
    pub errors: Vec<String>,
}

fn num_text(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl TemplateForm {
    /// A new template's first draft: one section with one yes/no item.
    pub fn blank(id: &str) -> TemplateForm {
        TemplateForm {
            id: id.to_string(),
            version: "1".into(),
            applies_to: "business".into(),
            total: "100".into(),
            pass: "60".into(),
            sections: vec![SectionForm {
                id: "main".into(),
                zh: "检查内容".into(),
                en: "Checks".into(),
                errors: Vec::new(),
            }],
            items: vec![ItemForm::blank(0, "item_1")],
            ..Default::default()
        }
    }

    pub fn from_template(t: &ChecklistTemplate) -> TemplateForm {
        let mut f = TemplateForm {
            id: t.id.clone(),
            version: t.version.to_string(),
            zh: t.title.zh.clone(),
            en: t.title.en.clone(),
            applies_to: t.applies_to.as_str().to_string(),
            business_kinds: t.business_kinds.join(","),
            total: t.total_score.to_string(),
            pass: t.pass_score.to_string(),
            ..Default::default()
        };
        for (si, s) in t.sections.iter().enumerate() {
            f.sections.push(SectionForm {
                id: s.id.clone(),
                zh: s.title.zh.clone(),
                en: s.title.en.clone(),
                errors: Vec::new(),
            });
            for i in &s.items {
                f.items.push(ItemForm::from_item(si, i));
            }
        }
        f
    }

    pub fn from_params(p: &Params) -> TemplateForm {
        let get = |k: &str| p.get(k).unwrap_or("").to_string();
        let mut f = TemplateForm {
            id: get("id"),
            version: get("version"),
            zh: get("title_zh"),
            en: get("title_en"),
            applies_to: get("applies_to"),
            business_kinds: get("business_kinds"),
            total: get("total_score"),
            pass: get("pass_score"),
            ..Default::default()
        };
        let sections: usize = get("sections").parse().unwrap_or(0).min(100);
        for n in 0..sections {
            let k = |s: &str| get(&format!("s{n}_{s}"));
            f.sections.push(SectionForm {
                id: k("id"),
                zh: k("zh"),
                en: k("en"),
                errors: Vec::new(),
            });
        }
        let items: usize = get("items").parse().unwrap_or(0).min(500);
        for n in 0..items {
            let k = |s: &str| get(&format!("i{n}_{s}"));
            let on = |s: &str| p.has(&format!("i{n}_{s}"));
            f.items.push(ItemForm {
                section: k("section").parse().unwrap_or(0),
                id: k("id"),
                zh: k("zh"),
                en: k("en"),
                kind: k("kind"),
                required: on("required"),
                fail: k("fail"),
                deduction: k("deduction"),
                veto: on("veto"),
                photo_on_fail: on("photo_on_fail"),
                hazard: k("hazard"),
                case: k("case"),
                case_severity: k("case_severity"),
                severity: k("severity"),
                options: k("options"),
                min: k("min"),
                max: k("max"),
                unit: k("unit"),
                max_len: k("max_len"),
                integer: on("integer"),
                help_zh: k("help_zh"),
                help_en: k("help_en"),
                answer: k("answer"),
                errors: Vec::new(),
                failed: false,
            });
        }
        f
    }

    /// Drop item `n` (an index in `items`); out of range changes nothing.
    pub fn remove_item(&mut self, n: usize) {
        if n < self.items.len() {
            self.items.remove(n);
        }
    }

    /// Drop section `s` and its items; the items of later sections follow
    /// their section down one place. Out of range changes nothing.
    pub fn remove_section(&mut self, s: usize) {
        if s >= self.sections.len() {
            return;
        }
        self.sections.remove(s);
        self.items.retain(|i| i.section != s);
        for i in &mut self.items {
            if i.section > s {
                i.section -= 1;
            }
        }
    }

    /// Items of section `s`, with their index in `items`.
    pub fn items_of(&self, s: usize) -> Vec<(usize, &ItemForm)> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.section == s)
            .collect()
    }

    /// The template the fields describe; a field that does not read (a score
    /// that is not a number) is named on its item, nothing else is lost.
    pub fn read_template(&mut self, lang: Lang) -> Option<ChecklistTemplate> {
        let bad = |what: TemplateMsg| what.text(lang);
        let mut ok = true;
        let mut int = |s: &str, errors: &mut Vec<String>, what: TemplateMsg| -> u32 {
            match s.trim().parse::<u32>() {
                Ok(v) => v,
                Err(_) if s.trim().is_empty() => 0,
                Err(_) => {
                    errors.push(bad(what));
                    ok = false;
                    0
                }
            }
        };
        let mut top = Vec::new();
        let version = int(&self.version, &mut top, TemplateMsg::NotANumber);
        let total = int(&self.total, &mut top, TemplateMsg::NotANumber);
        let pass = int(&self.pass, &mut top, TemplateMsg::NotANumber);
        let applies_to = serde_json::from_value(json!(self.applies_to)).ok();
        if applies_to.is_none() {
            top.push(bad(TemplateMsg::NotANumber));
            ok = false;
        }
        let mut sections: Vec<Section> = self
            .sections
            .iter()
            .map(|s| Section {
                id: s.id.clone(),
                title: Text::new(s.zh.clone(), s.en.clone()),
                items: Vec::new(),
            })
            .collect();
        for it in &mut self.items {
            let mut errs = Vec::new();
            let item = it.to_item(&mut errs, lang);
            if !errs.is_empty() {
                ok = false;
            }
            it.errors.extend(errs);
            if let (Some(item), Some(s)) = (item, sections.get_mut(it.section)) {
                s.items.push(item);
            }
        }
        self.errors.extend(top);
        if !ok {
            return None;
        }
        Some(ChecklistTemplate {
            id: self.id.clone(),
            version,
            title: Text::new(self.zh.clone(), self.en.clone()),
            applies_to: applies_to?,
            business_kinds: self
                .business_kinds
                .split([',', '，', ' '])
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(String::from)
                .collect(),
            total_score: total,
            pass_score: pass,
            sections,
            retired_at: None,
        })
    }

    /// Put each problem next to what it is about: an item, a section, or the top.
    pub fn place(&mut self, problems: &[TemplateProblem], lang: Lang) {
        for p in problems {
            let text = p.reason_text(lang);
            match (p.at.section, p.at.item) {
                (Some(s), Some(n)) => {
                    let global = self
                        .items
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| i.section + 1 == s)
                        .nth(n - 1)
                        .map(|(g, _)| g);
                    match global {
                        Some(g) => self.items[g].errors.push(text),
                        None => self.errors.push(p.message(lang)),
                    }
                }
                (Some(s), None) if s <= self.sections.len() => {
                    self.sections[s - 1].errors.push(text)
                }
                _ => self.errors.push(p.message(lang)),
            }
        }
    }

    /// The sample answers typed in the preview column; items that need a photo
    /// on failure count as photographed.
    pub fn sample(&self, t: &ChecklistTemplate) -> (Answers, ItemPhotos) {
        let mut answers = Answers::new();
        let mut photos = ItemPhotos::new();
        for (it, item) in self.items.iter().zip(t.items()) {
            let a = it.answer.trim();
            if item.photo_on_fail {
                photos.insert(item.id.clone(), vec![PREVIEW_PHOTO.to_string()]);
            }
            if a.is_empty() {
                continue;
            }
            let v = match &item.kind {
                ItemKind::Number { .. } => a.parse::<f64>().map(Value::from).unwrap_or(json!(a)),
                ItemKind::MultiChoice { .. } => json!(
                    a.split([',', '，'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                ),
                ItemKind::Photo { .. } | ItemKind::Signature => continue,
                _ => json!(a),
            };
            answers.insert(item.id.clone(), v);
        }
        (answers, photos)
    }

    /// Mark the items a preview failed.
    pub fn mark_failed(&mut self, t: &ChecklistTemplate, e: &Evaluation) {
        for (it, item) in self.items.iter_mut().zip(t.items()) {
            it.failed = e.failed_items.iter().any(|f| f.item_id == item.id);
        }
    }
}

/// The photo a preview pretends was taken for an item that needs one on failure.
const PREVIEW_PHOTO: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl ItemForm {
    pub fn blank(section: usize, id: &str) -> ItemForm {
        ItemForm {
            section,
            id: id.to_string(),
            kind: "yes_no_na".into(),
            required: true,
            severity: "medium".into(),
            ..Default::default()
        }
    }

    fn from_item(section: usize, i: &Item) -> ItemForm {
        let mut f = ItemForm {
            section,
            id: i.id.clone(),
            zh: i.label.zh.clone(),
            en: i.label.en.clone(),
            kind: i.kind.as_str().to_string(),
            required: i.required,
            deduction: if i.deduction > 0 {
                i.deduction.to_string()
            } else {
                String::new()
            },
            veto: i.veto,
            photo_on_fail: i.photo_on_fail,
            help_zh: i.help.as_ref().map(|h| h.zh.clone()).unwrap_or_default(),
            help_en: i.help.as_ref().map(|h| h.en.clone()).unwrap_or_default(),
            hazard: i
                .hazard
                .as_ref()
                .map(|h| h.category.clone())
                .unwrap_or_default(),
            severity: i
                .hazard
                .as_ref()
                .map(|h| h.severity.as_str())
                .unwrap_or("medium")
                .to_string(),
            case: i
                .case
                .as_ref()
                .map(|c| c.case_type.clone())
                .unwrap_or_default(),
            case_severity: i
                .case
                .as_ref()
                .map(|c| c.severity.as_str())
                .unwrap_or("medium")
                .to_string(),
            fail: match &i.fail {
                None => String::new(),
                Some(FailRule::Answer { equals }) => equals.as_str().to_string(),
                Some(FailRule::Below { value }) => format!("<{value}"),
                Some(FailRule::Above { value }) => format!(">{value}"),
                Some(FailRule::AnyOf { options }) => options.join(","),
            },
            ..Default::default()
        };
        match &i.kind {
            ItemKind::Number {
                min,
                max,
                unit,
                integer,
            } => {
                f.integer = *integer;
                f.min = num_text(*min);
                f.max = num_text(*max);
                f.unit = unit.clone().unwrap_or_default();
            }
            ItemKind::Text { max_len } => f.max_len = max_len.to_string(),
            ItemKind::SingleChoice { options } | ItemKind::MultiChoice { options } => {
                f.options = options
                    .iter()
                    .map(|o| format!("{}|{}|{}", o.id, o.label.zh, o.label.en))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            ItemKind::Photo { min, max } => {
                f.min = min.to_string();
                f.max = max.to_string();
            }
            _ => {}
        }
        f
    }

    fn to_item(&self, errs: &mut Vec<String>, lang: Lang) -> Option<Item> {
        let msg = |m: TemplateMsg| m.text(lang);
        let float = |s: &str, errs: &mut Vec<String>| -> Option<f64> {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            s.parse::<f64>().ok().or_else(|| {
                errs.push(msg(TemplateMsg::NotANumber));
                None
            })
        };
        let count = |s: &str, dflt: u32, errs: &mut Vec<String>| -> u32 {
            let s = s.trim();
            if s.is_empty() {
                return dflt;
            }
            s.parse::<u32>().unwrap_or_else(|_| {
                errs.push(msg(TemplateMsg::NotANumber));
                dflt
            })
        };
        let options = || -> Vec<ChoiceOption> {
            self.options
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let mut parts = l.split('|').map(str::trim);
                    let id = parts.next().unwrap_or("").to_string();
                    let zh = parts.next().unwrap_or("").to_string();
                    let en = parts.next().unwrap_or("").to_string();
                    ChoiceOption {
                        id,
                        label: Text::new(zh, en),
                    }
                })
                .collect()
        };
        let kind = match self.kind.as_str() {
            "yes_no_na" => ItemKind::YesNoNa,
            "number" => ItemKind::Number {
                min: float(&self.min, errs),
                max: float(&self.max, errs),
                unit: Some(self.unit.trim().to_string()).filter(|u| !u.is_empty()),
                integer: self.integer,
            },
            "text" => ItemKind::Text {
                max_len: count(&self.max_len, 500, errs),
            },
            "single_choice" => ItemKind::SingleChoice { options: options() },
            "multi_choice" => ItemKind::MultiChoice { options: options() },
            "photo" => ItemKind::Photo {
                min: count(&self.min, 1, errs),
                max: count(&self.max, 6, errs),
            },
            "signature" => ItemKind::Signature,
            _ => {
                errs.push(msg(TemplateMsg::UnknownKind));
                return None;
            }
        };
        let f = self.fail.trim();
        let fail = if f.is_empty() {
            None
        } else if let Some(v) = f.strip_prefix('<') {
            Some(FailRule::Below {
                value: float(v, errs)?,
            })
        } else if let Some(v) = f.strip_prefix('>') {
            Some(FailRule::Above {
                value: float(v, errs)?,
            })
        } else if let (ItemKind::YesNoNa, Some(a)) = (&kind, YesNoNa::parse(f)) {
            Some(FailRule::Answer { equals: a })
        } else if matches!(kind, ItemKind::YesNoNa) {
            errs.push(msg(TemplateMsg::BadFailRule));
            return None;
        } else {
            Some(FailRule::AnyOf {
                options: f
                    .split([',', '，'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            })
        };
        let severity = Severity::parse(&self.severity).unwrap_or(Severity::Medium);
        Some(Item {
            id: self.id.trim().to_string(),
            label: Text::new(self.zh.clone(), self.en.clone()),
            kind,
            required: self.required,
            fail,
            deduction: count(&self.deduction, 0, errs),
            veto: self.veto,
            photo_on_fail: self.photo_on_fail,
            hazard: Some(self.hazard.trim())
                .filter(|h| !h.is_empty())
                .map(|h| HazardSpec {
                    category: h.to_string(),
                    severity,
                }),
            case: Some(self.case.trim())
                .filter(|c| !c.is_empty())
                .map(|c| CaseSpec {
                    case_type: c.to_string(),
                    severity: Severity::parse(&self.case_severity).unwrap_or(Severity::Medium),
                }),
            help: Some(Text::new(self.help_zh.trim(), self.help_en.trim()))
                .filter(|h| !h.zh.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opening a shipped checklist in the editor and saving it loses nothing.
    #[test]
    fn every_shipped_template_survives_the_editor() {
        for t in gridfield_core::checklist::builtin_templates() {
            let mut f = TemplateForm::from_template(&t);
            assert_eq!(f.read_template(Lang::Zh).as_ref(), Some(&t), "{}", t.id);
        }
    }

    #[test]
    fn a_field_that_does_not_read_is_named_on_its_item() {
        let mut f = TemplateForm::blank("shop");
        f.items[0].zh = "出口".into();
        f.items[0].deduction = "ten".into();
        assert!(f.read_template(Lang::Zh).is_none());
        assert_eq!(f.items[0].errors, ["不是有效的数字"]);
    }
}
