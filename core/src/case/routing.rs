//! 分级分类推送: routing rules as data an administrator edits. From a new case's
//! type, severity and grid they decide where it lands — a level's queue, a
//! department, or the grid worker of the grid it happened in. Rules are tried in
//! order, the first that matches wins; with none, the type's own default level
//! and department (`types`) decide.

use serde::{Deserialize, Serialize};

use super::Department;
use super::level::Tier;
use super::types::CaseTypeRules;
use crate::hazard::Severity;
use crate::i18n::Lang;
use crate::taxonomy::Taxonomy;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingRule {
    pub id: String,
    /// A case type code; a parent code matches its subtypes; `*` matches all.
    pub case_type: String,
    /// Matches cases at least this severe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    /// Matches cases in this grid subtree (a grid path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_path: Option<String>,
    #[serde(flatten)]
    pub to: RouteTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum RouteTarget {
    /// The queue of the case grid's ancestor at this tier.
    Level { tier: Tier },
    /// Dispatched at once to the nearest department of this kind (`police`).
    Department { kind: String },
    /// Dispatched to the grid worker of the case's grid (网格马上调).
    GridWorker,
}

/// Where a new case lands: the owning level, and whom it is dispatched to at
/// once (`None`: it waits in the level's queue). `suggest` is what the 受理台
/// offers for a queued case (the type's default department).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub owner_path: String,
    pub target: RouteTarget,
    pub suggest: Option<Department>,
    /// The rule that decided (`None`: the type's defaults).
    pub rule: Option<String>,
}

fn type_matches(pattern: &str, case_type: &str) -> bool {
    pattern == "*"
        || pattern == case_type
        || case_type
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Where a case of this type and severity in `grid_path` lands.
pub fn route(
    rules: &[RoutingRule],
    type_rules: &CaseTypeRules,
    case_type: &str,
    severity: Severity,
    grid_path: &str,
    departments: &[Department],
) -> Route {
    let department = |kind: &str| {
        departments
            .iter()
            .filter(|d| d.kind == kind && grid_path.starts_with(d.level_path.as_str()))
            // The nearest level's department of that code.
            .max_by_key(|d| d.level_path.len())
            .cloned()
    };
    let suggest = type_rules.department.as_deref().and_then(department);
    let matched = rules.iter().find(|r| {
        type_matches(&r.case_type, case_type)
            && r.min_severity.is_none_or(|m| severity >= m)
            && r.grid_path
                .as_deref()
                .is_none_or(|g| grid_path.starts_with(g))
    });
    let (target, rule) = match matched {
        Some(r) => (r.to.clone(), Some(r.id.clone())),
        None => (
            RouteTarget::Level {
                tier: type_rules.tier,
            },
            None,
        ),
    };
    let owner_path = match &target {
        RouteTarget::Level { tier } => tier.level_of(grid_path),
        RouteTarget::GridWorker => grid_path.to_string(),
        RouteTarget::Department { kind } => match department(kind) {
            Some(d) => d.level_path,
            // A department missing in this part of the tree: its tier's queue.
            None => type_rules.tier.level_of(grid_path),
        },
    };
    let target = match target {
        RouteTarget::Department { kind } if department(&kind).is_none() => RouteTarget::Level {
            tier: type_rules.tier,
        },
        t => t,
    };
    Route {
        owner_path,
        target,
        suggest,
        rule,
    }
}

/// Why a routing rule was refused when loaded, by rule index (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub index: usize,
    pub rule_id: String,
    pub reason: RuleProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleProblem {
    DuplicateId,
    EmptyId,
    UnknownCaseType(String),
    UnknownDepartment(String),
    UnknownGrid(String),
}

impl RuleError {
    pub fn message(&self, lang: Lang) -> String {
        let n = self.index + 1;
        let id = &self.rule_id;
        match (&self.reason, lang) {
            (RuleProblem::DuplicateId, Lang::Zh) => format!("第 {n} 条规则：编号 {id} 重复"),
            (RuleProblem::DuplicateId, Lang::En) => format!("rule {n}: id {id} is used twice"),
            (RuleProblem::EmptyId, Lang::Zh) => format!("第 {n} 条规则：缺少编号"),
            (RuleProblem::EmptyId, Lang::En) => format!("rule {n}: the id is missing"),
            (RuleProblem::UnknownCaseType(t), Lang::Zh) => {
                format!("第 {n} 条规则（{id}）：事件类型 {t} 不在分类目录中")
            }
            (RuleProblem::UnknownCaseType(t), Lang::En) => {
                format!("rule {n} ({id}): case type {t} is not in the taxonomy")
            }
            (RuleProblem::UnknownDepartment(d), Lang::Zh) => {
                format!("第 {n} 条规则（{id}）：职能部门 {d} 不存在")
            }
            (RuleProblem::UnknownDepartment(d), Lang::En) => {
                format!("rule {n} ({id}): department {d} does not exist")
            }
            (RuleProblem::UnknownGrid(g), Lang::Zh) => {
                format!("第 {n} 条规则（{id}）：网格 {g} 不存在")
            }
            (RuleProblem::UnknownGrid(g), Lang::En) => {
                format!("rule {n} ({id}): grid {g} does not exist")
            }
        }
    }
}

/// Every problem of a rule set (empty: it may be loaded). `grid_exists` says
/// whether a grid path names a grid.
pub fn validate_rules(
    rules: &[RoutingRule],
    taxonomy: &Taxonomy,
    departments: &[Department],
    grid_exists: &dyn Fn(&str) -> bool,
) -> Vec<RuleError> {
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, r) in rules.iter().enumerate() {
        let mut err = |reason| {
            errors.push(RuleError {
                index,
                rule_id: r.id.clone(),
                reason,
            })
        };
        if r.id.trim().is_empty() {
            err(RuleProblem::EmptyId);
        } else if !seen.insert(r.id.as_str()) {
            err(RuleProblem::DuplicateId);
        }
        let known = r.case_type == "*"
            || taxonomy
                .categories
                .iter()
                .any(|e| e.active && type_matches(&r.case_type, &e.code));
        if !known {
            err(RuleProblem::UnknownCaseType(r.case_type.clone()));
        }
        if let RouteTarget::Department { kind } = &r.to
            && !departments.iter().any(|d| &d.kind == kind)
        {
            err(RuleProblem::UnknownDepartment(kind.clone()));
        }
        if let Some(g) = &r.grid_path
            && !grid_exists(g)
        {
            err(RuleProblem::UnknownGrid(g.clone()));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::types::{builtin_taxonomy, type_rules};

    #[test]
    fn a_rule_reads_as_an_administrator_writes_it() {
        let r: RoutingRule = serde_json::from_str(
            r#"{"id":"r1","case_type":"security","min_severity":"high","to":"department","kind":"police"}"#,
        )
        .unwrap();
        assert_eq!(
            r.to,
            RouteTarget::Department {
                kind: "police".into()
            }
        );
        let r: RoutingRule =
            serde_json::from_str(r#"{"id":"r2","case_type":"*","to":"level","tier":"town"}"#)
                .unwrap();
        assert_eq!(r.to, RouteTarget::Level { tier: Tier::Town });
        let back = serde_json::to_value(&r).unwrap();
        assert_eq!(back["to"], "level");
    }

    const GRID: &str = "/1/1a/1a1/1a1x/";

    fn depts() -> Vec<Department> {
        vec![
            Department {
                code: "1a-police".into(),
                kind: "police".into(),
                zh: "派出所".into(),
                en: "Police station".into(),
                level_path: "/1/1a/".into(),
            },
            Department {
                code: "1b-police".into(),
                kind: "police".into(),
                zh: "派出所".into(),
                en: "Police station".into(),
                level_path: "/1/1b/".into(),
            },
        ]
    }

    fn r(rules: &[RoutingRule], t: &str, s: Severity) -> Route {
        let tax = builtin_taxonomy();
        route(rules, &type_rules(&tax, t), t, s, GRID, &depts())
    }

    #[test]
    fn without_rules_the_type_decides() {
        let x = r(&[], "dispute.neighbor", Severity::Low);
        assert_eq!(x.owner_path, GRID);
        assert_eq!(x.target, RouteTarget::Level { tier: Tier::Grid });
        let x = r(&[], "dispute.property", Severity::Low);
        assert_eq!(x.owner_path, "/1/1a/1a1/");
        let x = r(&[], "security", Severity::Low);
        assert_eq!(x.owner_path, "/1/1a/");
        assert_eq!(
            x.suggest.unwrap().level_path,
            "/1/1a/",
            "the town's own police"
        );
    }

    #[test]
    fn rules_in_order_first_match_wins() {
        let rules = vec![
            RoutingRule {
                id: "serious-disputes".into(),
                case_type: "dispute".into(),
                min_severity: Some(Severity::High),
                grid_path: None,
                to: RouteTarget::Level { tier: Tier::Town },
            },
            RoutingRule {
                id: "security-police".into(),
                case_type: "security".into(),
                min_severity: None,
                grid_path: Some("/1/1a/".into()),
                to: RouteTarget::Department {
                    kind: "police".into(),
                },
            },
            RoutingRule {
                id: "rest-to-worker".into(),
                case_type: "*".into(),
                min_severity: None,
                grid_path: None,
                to: RouteTarget::GridWorker,
            },
        ];
        let x = r(&rules, "dispute.family", Severity::Critical);
        assert_eq!(
            (x.owner_path.as_str(), x.rule.as_deref()),
            ("/1/1a/", Some("serious-disputes"))
        );
        let x = r(&rules, "dispute.family", Severity::Low);
        assert_eq!(x.rule.as_deref(), Some("rest-to-worker"));
        assert_eq!(x.target, RouteTarget::GridWorker);
        assert_eq!(x.owner_path, GRID);
        let x = r(&rules, "security", Severity::Low);
        assert_eq!(
            x.target,
            RouteTarget::Department {
                kind: "police".into()
            }
        );
        assert_eq!(x.owner_path, "/1/1a/");
        // "dispute" does not match "disputes.x"-like codes by prefix alone.
        assert!(!type_matches("dispute", "disputex"));
    }

    #[test]
    fn loading_names_each_problem_with_its_line() {
        let tax = builtin_taxonomy();
        let rules = vec![
            RoutingRule {
                id: "a".into(),
                case_type: "made.up".into(),
                min_severity: None,
                grid_path: Some("/9/".into()),
                to: RouteTarget::Department {
                    kind: "nobody".into(),
                },
            },
            RoutingRule {
                id: "a".into(),
                case_type: "security".into(),
                min_severity: None,
                grid_path: None,
                to: RouteTarget::GridWorker,
            },
        ];
        let errs = validate_rules(&rules, &tax, &depts(), &|g| g.starts_with("/1/"));
        let problems: Vec<_> = errs.iter().map(|e| (e.index, e.reason.clone())).collect();
        assert_eq!(
            problems,
            vec![
                (0, RuleProblem::UnknownCaseType("made.up".into())),
                (0, RuleProblem::UnknownDepartment("nobody".into())),
                (0, RuleProblem::UnknownGrid("/9/".into())),
                (1, RuleProblem::DuplicateId),
            ]
        );
        assert!(errs[0].message(Lang::Zh).starts_with("第 1 条规则"));
        assert!(validate_rules(&rules[1..], &tax, &depts(), &|_| true).is_empty());
    }
}
