//! Template problems: where each one is (section, item, line of the file), in
//! both languages.

use super::*;
use crate::i18n::Lang;

fn shop_json() -> String {
    r#"{
  "id": "shop",
  "version": 1,
  "title": {"zh": "小商店", "en": "Shop"},
  "applies_to": "business",
  "total_score": 100,
  "pass_score": 60,
  "sections": [
    {
      "id": "main",
      "title": {"zh": "检查", "en": "Checks"},
      "items": [
        {"id": "exit", "label": {"zh": "出口", "en": "Exit"}, "type": "yes_no_na",
         "fail": {"answer": "no"}, "deduction": 40, "veto": true},
        {"id": "exit", "label": {"zh": "出口二", "en": "Exit 2"}, "type": "yes_no_na"},
        {"id": "note", "label": {"zh": "备注", "en": "Note"}, "type": "text", "max_len": 10,
         "veto": true}
      ]
    }
  ]
}"#
    .to_string()
}

#[test]
fn problems_name_section_item_and_line() {
    let (t, ps) = problems_in_json(&shop_json());
    assert!(t.is_some());
    let zh: Vec<String> = ps.iter().map(|p| p.message(Lang::Zh)).collect();
    let en: Vec<String> = ps.iter().map(|p| p.message(Lang::En)).collect();
    assert_eq!(
        zh,
        [
            "第 15 行，第 1 部分第 2 项（exit）：检查项编号 \"exit\" 重复",
            "第 16 行，第 1 部分第 3 项（note）：一票否决项没有判定不合格的规则，永远不会不合格",
        ]
    );
    assert_eq!(
        en[1],
        "line 16, section 1 item 3 (note): veto on an unscored item: it has no fail rule, so it can never fail"
    );
    for (z, e) in zh.iter().zip(&en) {
        // Ids are the author's data, not words.
        crate::i18n::assert_languages_pure_beyond("template_problem", z, e, &["exit", "note"]);
    }
}

#[test]
fn a_file_that_is_not_json_names_line_and_column() {
    let (t, ps) = problems_in_json("{\n  \"id\": 1\n}");
    assert!(t.is_none());
    assert!(
        ps[0].message(Lang::Zh).starts_with("模板：第 2 行第 9 列"),
        "{:?}",
        ps[0]
    );
}

#[test]
fn unknown_categories_are_named_by_item() {
    let mut t = builtin_templates().remove(0);
    let ps = t.unknown_categories(&|c| c != "gas.safety");
    assert!(!ps.is_empty());
    assert!(ps.iter().all(|p| p.at.item.is_some()));
    t.sections.clear();
    assert!(t.unknown_categories(&|_| false).is_empty());
}

#[test]
fn unknown_case_types_are_named_by_item_and_need_a_fail_rule() {
    let mut t = builtin_templates().remove(0);
    assert!(t.unknown_case_types(&|_| false).is_empty(), "none named");
    let (sn, n, id) = t
        .sections
        .iter()
        .enumerate()
        .flat_map(|(sn, s)| s.items.iter().enumerate().map(move |(n, i)| (sn, n, i)))
        .find(|(_, _, i)| i.fail.is_some())
        .map(|(sn, n, i)| (sn, n, i.id.clone()))
        .unwrap();
    t.sections[sn].items[n].case = Some(CaseSpec {
        case_type: "safety.nowhere".into(),
        severity: Severity::High,
    });
    let ps = t.unknown_case_types(&|c| c == "safety");
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].at.id.as_deref(), Some(id.as_str()));
    assert_eq!(
        ps[0].reason,
        Problem::UnknownCaseType("safety.nowhere".into())
    );
    assert!(
        ps[0]
            .message(Lang::Zh)
            .contains("事件类型 safety.nowhere 不在事件分类目录中")
    );
    assert!(t.unknown_case_types(&|_| true).is_empty());
    // A case on an item that can never fail is named too.
    t.sections[sn].items[n].fail = None;
    t.sections[sn].items[n].veto = false;
    assert!(t.problems().iter().any(|p| p.reason == Problem::NeverFails));
}

#[test]
fn every_problem_reads_in_both_languages() {
    use Problem::*;
    let all = [
        Json {
            line: 1,
            column: 2,
            detail: "x".into(),
        },
        BadTemplateId("A".into()),
        VersionZero,
        TitleEmpty,
        TotalScoreZero,
        PassOverTotal { pass: 2, total: 1 },
        NoSections,
        BadSectionId("A".into()),
        DuplicateSectionId("a".into()),
        SectionTitleEmpty,
        SectionEmpty,
        BadItemId("A".into()),
        DuplicateItemId("a".into()),
        LabelEmpty,
        HelpEmpty,
        BoundsNotFinite,
        MinOverMax,
        MaxLenZero,
        NoOptions,
        BadOptionId("A".into()),
        DuplicateOption("a".into()),
        OptionLabelEmpty("a".into()),
        PhotoLimits,
        DeductionOverTotal(3),
        DeductionsOverflow,
        BadHazardCategory("A".into()),
        UnknownHazardCategory("a.b".into()),
        UnknownCaseType("a.b".into()),
        VetoUnscored,
        NeverFails,
        FailOnNa,
        BelowNeverFails(1.0),
        AboveNeverFails(1.0),
        AnyOfEmpty,
        AnyOfUnknown("a".into()),
        AnyOfRepeated("a".into()),
        RuleDoesNotFit {
            rule: "below",
            kind: "text",
        },
        UnknownBusinessKind("a".into()),
        UnknownGrid("320583".into()),
        VersionNotNewer { latest: 2 },
    ];
    for reason in all {
        let p = TemplateProblem {
            at: Place::default(),
            reason,
        };
        let (zh, en) = (p.message(Lang::Zh), p.message(Lang::En));
        crate::i18n::assert_languages_pure_beyond("template_problem", &zh, &en, &["A", "a", "b"]);
    }
}
