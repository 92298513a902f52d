use proptest::prelude::*;

use super::*;
use crate::i18n::assert_languages_pure_beyond;

fn rule(grid: &str, kind: EntityKind, only: &[&str], every: u32, t: &str) -> VisitRule {
    VisitRule {
        grid: grid.into(),
        kind,
        only: only.iter().map(|s| s.to_string()).collect(),
        every_days: every,
        template: t.into(),
    }
}

fn addr(code: &str, street: &str, building: &str, unit: &str) -> Address {
    Address {
        code: code.into(),
        grid_code: "g2".into(),
        full_text: format!("{street}{building}{unit}"),
        street: Some(street.into()),
        number: None,
        building: Some(building.into()),
        unit: Some(unit.into()),
        room: None,
        plate_serial: None,
        lat: None,
        lon: None,
    }
}

fn visitable(id: &str, kind: EntityKind, value: Option<&str>, a: Address) -> Visitable {
    Visitable {
        entity_id: id.into(),
        kind,
        value: value.map(String::from),
        name: None,
        address: a,
        chain: vec!["g0".into(), "g1".into(), "g2".into()],
        last_done: vec![],
    }
}

const DAY: i64 = 86_400_000;

#[test]
fn days_are_china_days_and_weeks_end_on_sunday() {
    // 2026-12-07 00:30 in Beijing is 2026-12-06 16:30 UTC.
    let ms = chrono::DateTime::parse_from_rfc3339("2026-12-06T16:30:00Z")
        .unwrap()
        .timestamp_millis();
    assert_eq!(day_text(day_of(ms)), "2026-12-07");
    assert_eq!(day_of(day_start_ms(day_of(ms))), day_of(ms));
    // 2026-12-07 is a Monday; its week ends on 2026-12-13.
    assert_eq!(day_text(end_of_week(day_of(ms))), "2026-12-13");
    assert_eq!(end_of_week(day_of(ms) + 6), day_of(ms) + 6);
}

#[test]
fn the_most_specific_rule_wins() {
    let rules = vec![
        rule("g0", EntityKind::RentalUnit, &[], 91, "rental_fire_safety"),
        rule(
            "g0",
            EntityKind::RentalUnit,
            &["high"],
            30,
            "rental_fire_safety",
        ),
        rule("g1", EntityKind::Household, &[], 365, "household_visit"),
        rule("g9", EntityKind::Household, &[], 7, "household_visit"),
        rule("g2", EntityKind::Household, &[], 182, "household_visit"),
    ];
    let chain = ["g0", "g1", "g2"];
    let r = |k, v| rule_for(&rules, k, v, &chain).map(|r| r.every_days);
    assert_eq!(r(EntityKind::RentalUnit, Some("high")), Some(30));
    assert_eq!(r(EntityKind::RentalUnit, Some("low")), Some(91));
    assert_eq!(r(EntityKind::RentalUnit, None), Some(91));
    // The deeper grid's rule beats its ancestor's; another subtree's never applies.
    assert_eq!(r(EntityKind::Household, None), Some(182));
    assert_eq!(
        rule_for(&rules, EntityKind::Household, None, &["g0", "g1"]).map(|r| r.every_days),
        Some(365)
    );
    assert_eq!(r(EntityKind::Business, None), None);
    // Taking the first match in precedence order picks the same rule.
    let depth = |r: &VisitRule| {
        ["g0", "g1", "g2", "g9"]
            .iter()
            .position(|g| *g == r.grid)
            .unwrap()
    };
    let order = by_precedence(&rules, depth);
    assert_eq!(order, [3, 4, 2, 1, 0]);
    for (kind, value) in [
        (EntityKind::RentalUnit, Some("high")),
        (EntityKind::RentalUnit, Some("low")),
        (EntityKind::Household, None),
    ] {
        let first = order.iter().map(|&i| &rules[i]).find(|r| {
            r.kind == kind
                && chain.contains(&r.grid.as_str())
                && (r.only.is_empty() || value.is_some_and(|v| r.only.iter().any(|o| o == v)))
        });
        assert_eq!(first, rule_for(&rules, kind, value, &chain));
    }
}

#[test]
fn due_list_buckets_and_walking_order() {
    let today = day_of(1_800_000_000_000);
    let now = day_start_ms(today) + 10 * 3_600_000;
    let rules = VisitRules {
        version: 1,
        ancestors: vec![],
        effective_from: now - 400 * DAY,
        rules: vec![
            rule(
                "g0",
                EntityKind::RentalUnit,
                &["high"],
                30,
                "rental_fire_safety",
            ),
            rule("g0", EntityKind::Household, &[], 365, "household_visit"),
        ],
    };
    let mut done_today = visitable(
        "r1",
        EntityKind::RentalUnit,
        Some("high"),
        addr("a1", "东街", "10号楼", "1单元"),
    );
    done_today.last_done = vec![("rental_fire_safety".into(), now - 30 * DAY)];
    let mut later = visitable(
        "h1",
        EntityKind::Household,
        None,
        addr("a2", "东街", "2号楼", "1单元"),
    );
    later.last_done = vec![("household_visit".into(), now - 10 * DAY)];
    // Another checklist does not count as this rule's visit: never visited, overdue.
    let mut other = visitable(
        "h2",
        EntityKind::Household,
        None,
        addr("a3", "东街", "2号楼", "2单元"),
    );
    other.last_done = vec![("rental_fire_safety".into(), now - DAY)];
    let unplanned = visitable(
        "r2",
        EntityKind::RentalUnit,
        Some("low"),
        addr("a4", "东街", "1号楼", "1单元"),
    );
    let all = [done_today, later, other, unplanned];
    let list = due_list(&rules, &all, today, Window::Today);
    let ids: Vec<_> = list
        .iter()
        .map(|d| (d.entity_id.as_str(), d.bucket))
        .collect();
    // 2号楼 before 10号楼: numbers compare as numbers.
    assert_eq!(ids, [("h2", Bucket::Overdue), ("r1", Bucket::Today)]);
    assert!(list[0].never_visited);
    assert_eq!(list[0].days_overdue, 35);
    assert_eq!(due_list(&rules, &all, today, Window::Overdue).len(), 1);
    assert_eq!(due_list(&rules, &all, today, Window::All).len(), 3);
}

#[test]
fn the_rules_file_is_checked_line_by_line() {
    let text = "grid,kind,only,every,template\n\
                # comment\n\
                g0,rental_unit,high,monthly,rental_fire_safety\n\
                g0,rental_unit,,quarterly,rental_fire_safety\n\
                g0,household,,yearly,household_visit\n\
                g0,business,restaurant|shop,45d,rental_fire_safety\n";
    let mut grids = |g: &str| g == "g0";
    let mut templates = |t: &str| t == "rental_fire_safety" || t == "household_visit";
    let rules = parse_rules(text, &mut grids, &mut templates).unwrap();
    assert_eq!(rules.len(), 4);
    assert_eq!(rules[0].every_days, 30);
    assert_eq!(rules[3].only, ["restaurant", "shop"]);
    assert_eq!(rules[3].every_days, 45);

    let bad = "g0,rental_unit,high,monthly,rental_fire_safety\n\
               gX,household,,yearly,household_visit\n\
               g0,villa,,yearly,household_visit\n\
               g0,household,,sometimes,household_visit\n\
               g0,household,,yearly,nope\n\
               g0,rental_unit,huge,monthly,rental_fire_safety\n\
               g0,rental_unit\n\
               g0,rental_unit,high,weekly,rental_fire_safety\n";
    let errs = parse_rules(bad, &mut grids, &mut templates).unwrap_err();
    let got: Vec<_> = errs.iter().map(|e| (e.line, e.problem.clone())).collect();
    assert_eq!(
        got,
        [
            (2, Problem::UnknownGrid("gX".into())),
            (3, Problem::UnknownKind("villa".into())),
            (4, Problem::BadInterval("sometimes".into())),
            (5, Problem::UnknownTemplate("nope".into())),
            (6, Problem::BadOnly("huge".into())),
            (7, Problem::Columns(2)),
            (8, Problem::Duplicate),
        ]
    );
    assert_eq!(errs[3].text(Lang::Zh), "第 5 行：检查表模板 “nope” 不存在");
    assert_eq!(
        errs[3].text(Lang::En),
        "line 5: checklist template \"nope\" does not exist"
    );
    let empty = parse_rules("# nothing\n", &mut grids, &mut templates).unwrap_err();
    assert_eq!(empty[0].problem, Problem::Empty);
    assert_eq!(parse_interval("0d"), None);
    assert_eq!(parse_interval("731d"), None);
}

#[test]
fn messages_are_pure_in_each_language() {
    let codes = [
        "household",
        "rental",
        "unit",
        "business",
        "weekly",
        "half",
        "yearly",
        "monthly",
        "quarterly",
        "half-yearly",
        "yearly",
        "d",
    ];
    for p in [
        Problem::Columns(2),
        Problem::UnknownGrid("320583".into()),
        Problem::UnknownKind("1".into()),
        Problem::BadOnly("2".into()),
        Problem::BadInterval("3".into()),
        Problem::UnknownTemplate("4".into()),
        Problem::Duplicate,
        Problem::Empty,
    ] {
        let e = RuleError {
            line: 3,
            problem: p,
        };
        assert_languages_pure_beyond("visit rule", &e.text(Lang::Zh), &e.text(Lang::En), &codes);
    }
    for b in [Bucket::Overdue, Bucket::Today, Bucket::Week, Bucket::Later] {
        assert_languages_pure_beyond("bucket", b.label(Lang::Zh), b.label(Lang::En), &[]);
    }
    for n in [7, 30, 91, 182, 365, 45] {
        let r = rule("g", EntityKind::Household, &[], n, "t");
        assert_languages_pure_beyond(
            "interval",
            &r.interval_label(Lang::Zh),
            &r.interval_label(Lang::En),
            &[],
        );
    }
}

proptest! {
    /// Whatever the history, an entity is due exactly one interval after its
    /// latest visit with the rule's checklist (or after the rules took effect),
    /// and a visit made today always takes it off today's list.
    #[test]
    fn due_follows_the_latest_visit(
        every in 1u32..400,
        history in proptest::collection::vec((0i64..800, prop::bool::ANY), 0..8),
        today_off in 0i64..900,
    ) {
        let base = 1_700_000_000_000i64;
        let rules = VisitRules {
            version: 1,
            ancestors: vec![],
            effective_from: base,
            rules: vec![rule("g0", EntityKind::Household, &[], every, "household_visit")],
        };
        let today = day_of(base) + today_off;
        let mut e = visitable("h", EntityKind::Household, None, addr("a", "s", "1", "1"));
        e.last_done = history
            .iter()
            .filter(|(d, _)| *d <= today_off)
            .map(|(d, ours)| {
                let t = if *ours { "household_visit" } else { "other" };
                (t.to_string(), base + d * DAY)
            })
            .collect();
        let latest = e.last_done.iter().filter(|(t, _)| t == "household_visit").map(|x| x.1).max();
        let expect = day_of(latest.unwrap_or(base)) + i64::from(every);
        let all = due_list(&rules, std::slice::from_ref(&e), today, Window::All);
        prop_assert_eq!(all.len(), 1);
        prop_assert_eq!(&all[0].due, &day_text(expect));
        prop_assert_eq!(all[0].bucket, Bucket::of(expect, today));
        prop_assert_eq!(all[0].never_visited, latest.is_none());
        e.last_done.push(("household_visit".into(), day_start_ms(today) + 3_600_000));
        let now = due_list(&rules, std::slice::from_ref(&e), today, Window::Today);
        prop_assert!(now.is_empty());
    }
}
