//! Case types (事件类型) as data: the built-in case taxonomy (the server's seed and
//! a device's until its first sync) and what a type carries in its `attrs` — its
//! default level, default department and time limits — read once here.
//!
//! Attributes of an entry (all optional; a subtype inherits its parent's):
//! `tier` (`grid`, `village`, `town`, `county`), `department` (a kind of
//! department, `police`), `accept_hours`, `handle_days`, `verify_days`.

use serde_json::{Map, Value, json};

use super::TAXONOMY_KIND;
use super::level::Tier;
use super::lifecycle::CaseStatus;
use crate::hazard::Severity;
use crate::i18n::Lang;
use crate::taxonomy::{Entry, Taxonomy};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// What a case type decides: where it starts and how long each step may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTypeRules {
    pub tier: Tier,
    pub department: Option<String>,
    pub accept_hours: i64,
    pub handle_days: i64,
    pub verify_days: i64,
}

impl Default for CaseTypeRules {
    fn default() -> Self {
        CaseTypeRules {
            tier: Tier::Village,
            department: None,
            accept_hours: 24,
            handle_days: 7,
            verify_days: 3,
        }
    }
}

impl CaseTypeRules {
    /// The time limit of the step a case in `status` waits for, shortened for
    /// serious cases (high: half, critical: a quarter); `None` when nothing is due.
    pub fn limit_for(&self, status: CaseStatus, severity: Severity) -> Option<i64> {
        let base = match status {
            CaseStatus::Reported | CaseStatus::Accepted => self.accept_hours * HOUR_MS,
            CaseStatus::Dispatched | CaseStatus::Handling => self.handle_days * DAY_MS,
            CaseStatus::Finished => self.verify_days * DAY_MS,
            CaseStatus::Declined | CaseStatus::Closed | CaseStatus::Evaluated => return None,
        };
        Some(match severity {
            Severity::Low | Severity::Medium => base,
            Severity::High => base / 2,
            Severity::Critical => base / 4,
        })
    }
}

/// The rules of `case_type` in `taxonomy`: its own attributes over its parent's
/// over the defaults. An unknown type gets the defaults.
pub fn type_rules(taxonomy: &Taxonomy, case_type: &str) -> CaseTypeRules {
    let mut chain = Vec::new();
    let mut code = Some(case_type.to_string());
    while let Some(c) = code.take() {
        if chain.len() > 8 {
            break;
        }
        if let Some(e) = taxonomy.category(&c) {
            chain.push(e);
            code = e.parent.clone();
        }
    }
    let mut r = CaseTypeRules::default();
    for e in chain.iter().rev() {
        let a = &e.attrs;
        if let Some(t) = a.get("tier").and_then(Value::as_str).and_then(Tier::parse) {
            r.tier = t;
        }
        if let Some(d) = a.get("department").and_then(Value::as_str) {
            r.department = Some(d.to_string()).filter(|d| !d.is_empty());
        }
        let num = |k: &str| a.get(k).and_then(Value::as_i64).filter(|v| *v > 0);
        r.accept_hours = num("accept_hours").unwrap_or(r.accept_hours);
        r.handle_days = num("handle_days").unwrap_or(r.handle_days);
        r.verify_days = num("verify_days").unwrap_or(r.verify_days);
    }
    r
}

/// Whether a code is a dispute type (矛盾纠纷 or one of its subtypes): such cases
/// carry a `Dispute`.
pub fn is_dispute_type(taxonomy: &Taxonomy, case_type: &str) -> bool {
    let mut code = Some(case_type);
    let mut hops = 0;
    while let Some(c) = code {
        if c == DISPUTE {
            return true;
        }
        hops += 1;
        if hops > 8 {
            break;
        }
        code = taxonomy.category(c).and_then(|e| e.parent.as_deref());
    }
    false
}

/// The root code of disputes.
pub const DISPUTE: &str = "dispute";

fn entry(code: &str, parent: Option<&str>, zh: &str, en: &str, attrs: Value) -> Entry {
    let mut e = Entry::new(code, zh, en);
    e.parent = parent.map(str::to_string);
    e.attrs = match attrs {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    e
}

/// The built-in case taxonomy (version 1): 矛盾纠纷 with its subtypes settled at
/// the village by default (小事不出村), and the other kinds of case with their
/// usual level, department and time limits; levels are the severity scale.
pub fn builtin_taxonomy() -> Taxonomy {
    let d = Some(DISPUTE);
    let categories = vec![
        entry(
            DISPUTE,
            None,
            "矛盾纠纷",
            "Dispute",
            json!({"tier": "village", "accept_hours": 24, "handle_days": 15, "verify_days": 3}),
        ),
        entry(
            "dispute.neighbor",
            d,
            "邻里纠纷",
            "Neighbour dispute",
            json!({"tier": "grid", "handle_days": 7}),
        ),
        entry(
            "dispute.family",
            d,
            "家庭纠纷",
            "Family dispute",
            json!({"tier": "grid", "handle_days": 7}),
        ),
        entry(
            "dispute.property",
            d,
            "物业纠纷",
            "Property management dispute",
            json!({}),
        ),
        entry(
            "dispute.tenancy",
            d,
            "租赁纠纷",
            "Tenancy dispute",
            json!({}),
        ),
        entry(
            "dispute.labor",
            d,
            "劳资纠纷",
            "Labour dispute",
            json!({"tier": "town", "department": "labor", "handle_days": 20}),
        ),
        entry(
            "dispute.land",
            d,
            "土地纠纷",
            "Land dispute",
            json!({"tier": "town", "department": "natural_resources", "handle_days": 30}),
        ),
        entry(
            "security",
            None,
            "治安隐患",
            "Public security concern",
            json!({"tier": "town", "department": "police", "accept_hours": 4, "handle_days": 3}),
        ),
        entry(
            "safety",
            None,
            "安全隐患",
            "Safety hazard",
            json!({"tier": "town", "department": "emergency", "accept_hours": 8, "handle_days": 5}),
        ),
        entry(
            "livelihood",
            None,
            "民生诉求",
            "Livelihood request",
            json!({"tier": "village", "handle_days": 10}),
        ),
        entry(
            "urban",
            None,
            "城市管理",
            "Urban management",
            json!({"tier": "town", "department": "urban", "handle_days": 5}),
        ),
        entry(
            "special_groups",
            None,
            "特殊人群服务",
            "Services for special groups",
            json!({"tier": "village", "handle_days": 7}),
        ),
    ];
    let levels = Severity::ALL
        .iter()
        .map(|s| Entry::new(s.as_str(), s.label(Lang::Zh), s.label(Lang::En)))
        .collect();
    Taxonomy {
        kind: TAXONOMY_KIND.to_string(),
        version: 1,
        categories,
        levels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtypes_inherit_and_override() {
        let t = builtin_taxonomy();
        let n = type_rules(&t, "dispute.neighbor");
        assert_eq!(n.tier, Tier::Grid);
        assert_eq!(n.handle_days, 7);
        assert_eq!(n.verify_days, 3, "inherited from 矛盾纠纷");
        let p = type_rules(&t, "dispute.property");
        assert_eq!(p.tier, Tier::Village);
        assert_eq!(p.handle_days, 15);
        assert_eq!(
            type_rules(&t, "security").department.as_deref(),
            Some("police")
        );
        assert_eq!(type_rules(&t, "made.up"), CaseTypeRules::default());
    }

    #[test]
    fn disputes_are_known_by_their_root() {
        let t = builtin_taxonomy();
        assert!(is_dispute_type(&t, "dispute"));
        assert!(is_dispute_type(&t, "dispute.land"));
        assert!(!is_dispute_type(&t, "security"));
        assert!(!is_dispute_type(&t, "made.up"));
    }

    #[test]
    fn serious_cases_get_shorter_limits_and_closed_ones_none() {
        let r = CaseTypeRules::default();
        let normal = r.limit_for(CaseStatus::Handling, Severity::Medium).unwrap();
        assert_eq!(normal, 7 * DAY_MS);
        assert_eq!(
            r.limit_for(CaseStatus::Handling, Severity::Critical),
            Some(normal / 4)
        );
        assert_eq!(r.limit_for(CaseStatus::Closed, Severity::Medium), None);
        assert_eq!(
            r.limit_for(CaseStatus::Reported, Severity::Low),
            Some(24 * HOUR_MS)
        );
    }

    #[test]
    fn every_builtin_entry_has_both_labels() {
        for e in builtin_taxonomy().categories {
            assert!(!e.zh.is_ascii() && e.en.is_ascii(), "{}", e.code);
            assert!(e.parent.is_none() || e.code.starts_with("dispute."));
        }
    }
}
