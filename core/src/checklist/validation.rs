//! Self-checks of a checklist template: ids, scores, options and fail rules that
//! can actually fail. Each problem names where it is (section, item, line of the
//! JSON file) so an author can fix it; a template that does not pass is never stored.

use std::collections::BTreeSet;

use super::template::{AppliesTo, ChecklistTemplate, FailRule, Item, ItemKind, YesNoNa};
use crate::i18n::Lang;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TemplateError {
    #[error("checklist template is not valid JSON: {0}")]
    Json(String),
    #[error("checklist template is invalid: {0}")]
    Invalid(String),
}

/// Where a problem is: 1-based section and item numbers, the item's id and,
/// for a template read from a file, the line its id is on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub section: Option<usize>,
    pub item: Option<usize>,
    pub id: Option<String>,
    pub line: Option<usize>,
}

/// One thing wrong with a template, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateProblem {
    pub at: Place,
    pub reason: Problem,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The file is not a template at all (serde's words, English only).
    Json {
        line: usize,
        column: usize,
        detail: String,
    },
    BadTemplateId(String),
    VersionZero,
    TitleEmpty,
    TotalScoreZero,
    PassOverTotal {
        pass: u32,
        total: u32,
    },
    NoSections,
    BadSectionId(String),
    DuplicateSectionId(String),
    SectionTitleEmpty,
    SectionEmpty,
    BadItemId(String),
    DuplicateItemId(String),
    LabelEmpty,
    HelpEmpty,
    BoundsNotFinite,
    MinOverMax,
    MaxLenZero,
    NoOptions,
    BadOptionId(String),
    DuplicateOption(String),
    OptionLabelEmpty(String),
    PhotoLimits,
    DeductionOverTotal(u32),
    DeductionsOverflow,
    BadHazardCategory(String),
    /// Not in the hazard taxonomy the server holds.
    UnknownHazardCategory(String),
    /// Not a case type of the case taxonomy the server holds.
    UnknownCaseType(String),
    /// 一票否决 on an item that can never fail (no fail rule).
    VetoUnscored,
    /// Deduction, photo, hazard or case on an item that can never fail.
    NeverFails,
    FailOnNa,
    BelowNeverFails(f64),
    AboveNeverFails(f64),
    AnyOfEmpty,
    AnyOfUnknown(String),
    AnyOfRepeated(String),
    RuleDoesNotFit {
        rule: &'static str,
        kind: &'static str,
    },
    /// A business kind not in `address::BUSINESS_KIND`, or business kinds on a
    /// checklist that is not for businesses.
    UnknownBusinessKind(String),
    /// Publishing: the grid it is published to does not exist.
    UnknownGrid(String),
    /// Publishing: this version (or a later one) is already published.
    VersionNotNewer {
        latest: u32,
    },
}

impl TemplateProblem {
    fn template(reason: Problem) -> Self {
        TemplateProblem {
            at: Place::default(),
            reason,
        }
    }

    /// What is wrong, without where (the editor shows it beside the item).
    pub fn reason_text(&self, lang: Lang) -> String {
        self.reason.text(lang)
    }

    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mut at = String::new();
        if let Some(l) = self.at.line {
            at.push_str(&if zh {
                format!("第 {l} 行，")
            } else {
                format!("line {l}, ")
            });
        }
        match (self.at.section, self.at.item, &self.at.id) {
            (Some(s), Some(i), Some(id)) if zh => {
                at.push_str(&format!("第 {s} 部分第 {i} 项（{id}）："))
            }
            (Some(s), Some(i), Some(id)) => at.push_str(&format!("section {s} item {i} ({id}): ")),
            (Some(s), _, Some(id)) if zh => at.push_str(&format!("第 {s} 部分（{id}）：")),
            (Some(s), _, Some(id)) => at.push_str(&format!("section {s} ({id}): ")),
            _ if zh => at.push_str("模板："),
            _ => at.push_str("template: "),
        }
        at.push_str(&self.reason.text(lang));
        at
    }
}

impl Problem {
    fn text(&self, lang: Lang) -> String {
        use Problem::*;
        let zh = lang == Lang::Zh;
        let t = |z: String, e: String| if zh { z } else { e };
        match self {
            Json {
                line,
                column,
                detail,
            } => t(
                format!("第 {line} 行第 {column} 列不是有效的检查表模板"),
                format!("line {line}, column {column}: not a valid checklist template: {detail}"),
            ),
            BadTemplateId(id) => t(
                format!("模板编号 {id:?} 只能用小写字母、数字和下划线"),
                format!("template id {id:?} must be lowercase snake_case"),
            ),
            VersionZero => t("版本号必须从 1 开始".into(), "version must be >= 1".into()),
            TitleEmpty => t("模板名称为空".into(), "template title is empty".into()),
            TotalScoreZero => t("总分必须大于 0".into(), "total_score must be > 0".into()),
            PassOverTotal { pass, total } => t(
                format!("合格分 {pass} 超过总分 {total}"),
                format!("pass_score {pass} exceeds total_score {total}"),
            ),
            NoSections => t("模板没有任何部分".into(), "template has no sections".into()),
            BadSectionId(id) => t(
                format!("部分编号 {id:?} 只能用小写字母、数字和下划线"),
                format!("section id {id:?} must be lowercase snake_case"),
            ),
            DuplicateSectionId(id) => t(
                format!("部分编号 {id:?} 重复"),
                format!("duplicate section id {id:?}"),
            ),
            SectionTitleEmpty => t("部分名称为空".into(), "empty title".into()),
            SectionEmpty => t("部分中没有检查项".into(), "no items".into()),
            BadItemId(id) => t(
                format!("检查项编号 {id:?} 只能用小写字母、数字和下划线"),
                format!("item id {id:?} must be lowercase snake_case"),
            ),
            DuplicateItemId(id) => t(
                format!("检查项编号 {id:?} 重复"),
                format!("duplicate item id {id:?}"),
            ),
            LabelEmpty => t("检查项名称为空".into(), "empty label".into()),
            HelpEmpty => t("说明文字为空".into(), "empty help text".into()),
            BoundsNotFinite => t(
                "最小值和最大值必须是有限数".into(),
                "min/max must be finite".into(),
            ),
            MinOverMax => t("最小值大于最大值".into(), "min > max".into()),
            MaxLenZero => t(
                "文字长度上限必须大于 0".into(),
                "max_len must be > 0".into(),
            ),
            NoOptions => t("选择题没有选项".into(), "no options".into()),
            BadOptionId(o) => t(
                format!("选项编号 {o:?} 只能用小写字母、数字和下划线"),
                format!("option id {o:?} must be lowercase snake_case"),
            ),
            DuplicateOption(o) => t(
                format!("选项 {o:?} 重复"),
                format!("duplicate option {o:?}"),
            ),
            OptionLabelEmpty(o) => t(
                format!("选项 {o} 的名称为空"),
                format!("option {o} has an empty label"),
            ),
            PhotoLimits => t(
                "照片数量要求最多至少 1 张，且最少不超过最多".into(),
                "photo limits need 1 <= max and min <= max".into(),
            ),
            DeductionOverTotal(d) => t(
                format!("扣分 {d} 超过总分"),
                format!("deduction {d} exceeds total_score"),
            ),
            DeductionsOverflow => t("扣分合计溢出".into(), "sum of deductions overflows".into()),
            BadHazardCategory(c) => t(
                format!("隐患类别 {c:?} 格式不对（小写字母、数字、下划线，以点分级）"),
                format!("hazard category {c:?} must be dotted snake_case"),
            ),
            UnknownHazardCategory(c) => t(
                format!("隐患类别 {c} 不在隐患分类目录中"),
                format!("hazard category {c} is not in the hazard taxonomy"),
            ),
            UnknownCaseType(c) => t(
                format!("事件类型 {c} 不在事件分类目录中"),
                format!("case type {c} is not in the case taxonomy"),
            ),
            VetoUnscored => t(
                "一票否决项没有判定不合格的规则，永远不会不合格".into(),
                "veto on an unscored item: it has no fail rule, so it can never fail".into(),
            ),
            NeverFails => t(
                "设置了扣分、照片、隐患或事件，但没有判定不合格的规则，永远不会不合格".into(),
                "has deduction/veto/photo/hazard/case but no fail rule, so it can never fail"
                    .into(),
            ),
            FailOnNa => t(
                "以“不适用”判定不合格没有意义".into(),
                "fail rule on \"na\" is meaningless, NA never fails".into(),
            ),
            BelowNeverFails(v) => t(
                format!("“低于 {v}”永远不会发生"),
                format!("\"below\" {v} can never fail"),
            ),
            AboveNeverFails(v) => t(
                format!("“高于 {v}”永远不会发生"),
                format!("\"above\" {v} can never fail"),
            ),
            AnyOfEmpty => t("不合格选项列表为空".into(), "\"any_of\" is empty".into()),
            AnyOfUnknown(o) => t(
                format!("不合格选项中的 {o:?} 不是该题的选项"),
                format!("\"any_of\" names unknown option {o:?}"),
            ),
            AnyOfRepeated(o) => t(
                format!("不合格选项 {o:?} 重复"),
                format!("\"any_of\" repeats option {o:?}"),
            ),
            RuleDoesNotFit { rule, kind } => t(
                format!(
                    "判定规则“{}”不适用于{}",
                    rule_zh(rule),
                    super::kind_label(kind, Lang::Zh)
                ),
                format!("fail rule {rule} does not fit item type {kind}"),
            ),
            UnknownBusinessKind(k) => t(
                format!("场所类型 {k} 不存在或不适用于此检查表"),
                format!("business kind {k} does not exist or does not apply to this checklist"),
            ),
            UnknownGrid(g) => t(
                format!("网格 {g} 不存在"),
                format!("grid {g} does not exist"),
            ),
            VersionNotNewer { latest } => t(
                format!("已发布到第 {latest} 版，新版本号必须更大"),
                format!("version {latest} is already published: a new version must be greater"),
            ),
        }
    }
}

fn rule_zh(rule: &str) -> &'static str {
    match rule {
        "answer" => "按答案",
        "below" => "低于",
        "above" => "高于",
        _ => "选中即不合格",
    }
}

/// Every problem of a JSON file, each with the line of its item: a parse error,
/// or what `ChecklistTemplate::problems` finds.
pub fn problems_in_json(json: &str) -> (Option<ChecklistTemplate>, Vec<TemplateProblem>) {
    let t: ChecklistTemplate = match serde_json::from_str(json) {
        Ok(t) => t,
        Err(e) => {
            let p = TemplateProblem::template(Problem::Json {
                line: e.line(),
                column: e.column(),
                detail: e.to_string(),
            });
            return (None, vec![p]);
        }
    };
    let mut ps = t.problems();
    locate_lines(json, &t, &mut ps);
    (Some(t), ps)
}

/// Finds the line of each problem's section or item id in the file: the n-th
/// `"id": "<id>"` for the n-th section or item so named.
fn locate_lines(json: &str, t: &ChecklistTemplate, ps: &mut [TemplateProblem]) {
    let lines_of = |id: &str| -> Vec<usize> {
        let mut out = Vec::new();
        for (n, line) in json.lines().enumerate() {
            let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.contains(&format!("\"id\":{}", serde_json::Value::from(id))) {
                out.push(n + 1);
            }
        }
        out
    };
    // Occurrence rank of each (section, item) among the ids that share its id.
    let mut order: Vec<(usize, Option<usize>, &str)> = Vec::new();
    for (s, sec) in t.sections.iter().enumerate() {
        order.push((s + 1, None, &sec.id));
        for (i, it) in sec.items.iter().enumerate() {
            order.push((s + 1, Some(i + 1), &it.id));
        }
    }
    for p in ps.iter_mut() {
        let (Some(s), Some(id)) = (p.at.section, p.at.id.clone()) else {
            continue;
        };
        let rank = order
            .iter()
            .take_while(|(os, oi, _)| (*os, *oi) != (s, p.at.item))
            .filter(|(_, _, oid)| *oid == id)
            .count();
        p.at.line = lines_of(&id).get(rank).copied();
    }
}

impl ChecklistTemplate {
    /// Reports every problem found, joined with "; ".
    pub fn check(&self) -> Result<(), TemplateError> {
        let p = self.problems();
        if p.is_empty() {
            Ok(())
        } else {
            let msgs: Vec<String> = p.iter().map(|p| p.message(Lang::En)).collect();
            Err(TemplateError::Invalid(msgs.join("; ")))
        }
    }

    /// Every problem, in template order.
    pub fn problems(&self) -> Vec<TemplateProblem> {
        let mut p: Vec<TemplateProblem> = Vec::new();
        let mut top = |r| p.push(TemplateProblem::template(r));
        if !is_id(&self.id) {
            top(Problem::BadTemplateId(self.id.clone()));
        }
        if self.version == 0 {
            top(Problem::VersionZero);
        }
        if self.title.zh.trim().is_empty() {
            top(Problem::TitleEmpty);
        }
        if self.total_score == 0 {
            top(Problem::TotalScoreZero);
        }
        if self.pass_score > self.total_score {
            top(Problem::PassOverTotal {
                pass: self.pass_score,
                total: self.total_score,
            });
        }
        if self.sections.is_empty() {
            top(Problem::NoSections);
        }
        for k in &self.business_kinds {
            if self.applies_to != AppliesTo::Business
                || !crate::address::BUSINESS_KIND.contains(&k.as_str())
            {
                top(Problem::UnknownBusinessKind(k.clone()));
            }
        }
        let mut section_ids = BTreeSet::new();
        let mut item_ids = BTreeSet::new();
        let mut deductions: u64 = 0;
        for (sn, s) in self.sections.iter().enumerate() {
            let at = Place {
                section: Some(sn + 1),
                id: Some(s.id.clone()),
                ..Place::default()
            };
            let mut sec = |reason| {
                p.push(TemplateProblem {
                    at: at.clone(),
                    reason,
                })
            };
            if !is_id(&s.id) {
                sec(Problem::BadSectionId(s.id.clone()));
            }
            if !section_ids.insert(s.id.as_str()) {
                sec(Problem::DuplicateSectionId(s.id.clone()));
            }
            if s.title.zh.trim().is_empty() {
                sec(Problem::SectionTitleEmpty);
            }
            if s.items.is_empty() {
                sec(Problem::SectionEmpty);
            }
            for (n, item) in s.items.iter().enumerate() {
                let at = Place {
                    section: Some(sn + 1),
                    item: Some(n + 1),
                    id: Some(item.id.clone()),
                    line: None,
                };
                let mut reasons = Vec::new();
                if !item_ids.insert(item.id.as_str()) {
                    reasons.push(Problem::DuplicateItemId(item.id.clone()));
                }
                deductions += u64::from(item.deduction);
                self.check_item(item, &mut reasons);
                p.extend(reasons.into_iter().map(|reason| TemplateProblem {
                    at: at.clone(),
                    reason,
                }));
            }
        }
        if deductions > u64::from(u32::MAX) {
            p.push(TemplateProblem::template(Problem::DeductionsOverflow));
        }
        p
    }

    /// Hazard categories the template raises that `known` does not hold.
    pub fn unknown_categories(&self, known: &dyn Fn(&str) -> bool) -> Vec<TemplateProblem> {
        let mut out = Vec::new();
        for (sn, s) in self.sections.iter().enumerate() {
            for (n, item) in s.items.iter().enumerate() {
                if let Some(h) = &item.hazard
                    && is_category(&h.category)
                    && !known(&h.category)
                {
                    out.push(TemplateProblem {
                        at: Place {
                            section: Some(sn + 1),
                            item: Some(n + 1),
                            id: Some(item.id.clone()),
                            line: None,
                        },
                        reason: Problem::UnknownHazardCategory(h.category.clone()),
                    });
                }
            }
        }
        out
    }

    /// Case types the template's failing items open that `known` does not hold
    /// (an active type of the case taxonomy), each named by its item.
    pub fn unknown_case_types(&self, known: &dyn Fn(&str) -> bool) -> Vec<TemplateProblem> {
        let mut out = Vec::new();
        for (sn, s) in self.sections.iter().enumerate() {
            for (n, item) in s.items.iter().enumerate() {
                if let Some(c) = &item.case
                    && !known(&c.case_type)
                {
                    out.push(TemplateProblem {
                        at: Place {
                            section: Some(sn + 1),
                            item: Some(n + 1),
                            id: Some(item.id.clone()),
                            line: None,
                        },
                        reason: Problem::UnknownCaseType(c.case_type.clone()),
                    });
                }
            }
        }
        out
    }

    fn check_item(&self, item: &Item, p: &mut Vec<Problem>) {
        if !is_id(&item.id) {
            p.push(Problem::BadItemId(item.id.clone()));
        }
        if item.label.zh.trim().is_empty() {
            p.push(Problem::LabelEmpty);
        }
        if item.help.as_ref().is_some_and(|h| h.zh.trim().is_empty()) {
            p.push(Problem::HelpEmpty);
        }
        match &item.kind {
            ItemKind::Number { min, max, .. } => {
                if min.is_some_and(|v| !v.is_finite()) || max.is_some_and(|v| !v.is_finite()) {
                    p.push(Problem::BoundsNotFinite);
                }
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    p.push(Problem::MinOverMax);
                }
            }
            ItemKind::Text { max_len } if *max_len == 0 => p.push(Problem::MaxLenZero),
            ItemKind::SingleChoice { options } | ItemKind::MultiChoice { options } => {
                if options.is_empty() {
                    p.push(Problem::NoOptions);
                }
                let mut seen = BTreeSet::new();
                for o in options {
                    if !is_id(&o.id) {
                        p.push(Problem::BadOptionId(o.id.clone()));
                    }
                    if !seen.insert(o.id.as_str()) {
                        p.push(Problem::DuplicateOption(o.id.clone()));
                    }
                    if o.label.zh.trim().is_empty() {
                        p.push(Problem::OptionLabelEmpty(o.id.clone()));
                    }
                }
            }
            ItemKind::Photo { min, max } if *max == 0 || min > max => p.push(Problem::PhotoLimits),
            _ => {}
        }
        if item.deduction > self.total_score {
            p.push(Problem::DeductionOverTotal(item.deduction));
        }
        if let Some(h) = &item.hazard
            && !is_category(&h.category)
        {
            p.push(Problem::BadHazardCategory(h.category.clone()));
        }
        let Some(rule) = &item.fail else {
            if item.veto {
                p.push(Problem::VetoUnscored);
            } else if item.deduction > 0
                || item.photo_on_fail
                || item.hazard.is_some()
                || item.case.is_some()
            {
                p.push(Problem::NeverFails);
            }
            return;
        };
        match (rule, &item.kind) {
            (
                FailRule::Answer {
                    equals: YesNoNa::Na,
                },
                ItemKind::YesNoNa,
            ) => p.push(Problem::FailOnNa),
            (FailRule::Answer { .. }, ItemKind::YesNoNa) => {}
            (FailRule::Below { value }, ItemKind::Number { min, .. }) => {
                if !value.is_finite() || min.is_some_and(|m| *value <= m) {
                    p.push(Problem::BelowNeverFails(*value));
                }
            }
            (FailRule::Above { value }, ItemKind::Number { max, .. }) => {
                if !value.is_finite() || max.is_some_and(|m| *value >= m) {
                    p.push(Problem::AboveNeverFails(*value));
                }
            }
            (
                FailRule::AnyOf { options },
                ItemKind::SingleChoice { options: opts } | ItemKind::MultiChoice { options: opts },
            ) => {
                if options.is_empty() {
                    p.push(Problem::AnyOfEmpty);
                }
                let mut seen = BTreeSet::new();
                for o in options {
                    if !opts.iter().any(|c| &c.id == o) {
                        p.push(Problem::AnyOfUnknown(o.clone()));
                    }
                    if !seen.insert(o) {
                        p.push(Problem::AnyOfRepeated(o.clone()));
                    }
                }
            }
            (rule, kind) => p.push(Problem::RuleDoesNotFit {
                rule: match rule {
                    FailRule::Answer { .. } => "answer",
                    FailRule::Below { .. } => "below",
                    FailRule::Above { .. } => "above",
                    FailRule::AnyOf { .. } => "any_of",
                },
                kind: kind.as_str(),
            }),
        }
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_category(s: &str) -> bool {
    s.split('.').all(is_id)
}
