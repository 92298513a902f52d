//! Who may raise a hazard. A hazard body is never edited afterwards: it changes
//! only by lifecycle steps (`next_status`), and a second create with the same id
//! is a retry the server ignores (the first write wins).

use super::Severity;
use crate::i18n::Lang;
use crate::role::Role;
use crate::taxonomy::{Standing, Taxonomy};

/// Why raising a hazard was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HazardRefusal {
    /// Only roles that inspect raise hazards (volunteers file reports instead).
    NotPermitted,
    /// The category is not in the hazard taxonomy this side holds.
    UnknownCategory,
    /// The category was retired from the taxonomy.
    CategoryRetired,
    /// The severity was retired from the taxonomy.
    SeverityRetired,
}

impl HazardRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            HazardRefusal::NotPermitted => "hazard.create_not_permitted",
            HazardRefusal::UnknownCategory => "hazard.unknown_category",
            HazardRefusal::CategoryRetired => "hazard.category_retired",
            HazardRefusal::SeverityRetired => "hazard.severity_retired",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            HazardRefusal::NotPermitted => {
                lang.pick("无权登记隐患", "this role may not report hazards")
            }
            HazardRefusal::UnknownCategory => lang.pick(
                "隐患类别不在分类目录中，请同步后从目录中选择",
                "the hazard category is not in the taxonomy; sync and pick one from it",
            ),
            HazardRefusal::CategoryRetired => lang.pick(
                "该隐患类别已停用，请选择其他类别",
                "this hazard category has been retired; pick another",
            ),
            HazardRefusal::SeverityRetired => lang.pick(
                "该隐患等级已停用，请选择其他等级",
                "this hazard severity has been retired; pick another",
            ),
        }
        .to_string()
    }

    /// One of each reason, for tests that walk every message.
    pub fn samples() -> Vec<HazardRefusal> {
        vec![
            HazardRefusal::NotPermitted,
            HazardRefusal::UnknownCategory,
            HazardRefusal::CategoryRetired,
            HazardRefusal::SeverityRetired,
        ]
    }
}

/// Whether `role` may raise a new hazard of this category and severity, judged
/// against the hazard taxonomy held (on the device before queueing, and when the
/// server receives one).
pub fn check_create(
    role: Role,
    taxonomy: &Taxonomy,
    category: &str,
    severity: Severity,
) -> Result<(), HazardRefusal> {
    if !role.may_inspect() {
        return Err(HazardRefusal::NotPermitted);
    }
    match taxonomy.category_standing(category) {
        Standing::Active => {}
        Standing::Retired => return Err(HazardRefusal::CategoryRetired),
        Standing::Unknown => return Err(HazardRefusal::UnknownCategory),
    }
    // The scale itself is fixed in code (a typed `Severity`); the taxonomy may retire a level.
    match taxonomy.level_standing(severity.as_str()) {
        Standing::Retired => Err(HazardRefusal::SeverityRetired),
        Standing::Active | Standing::Unknown => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::builtin_taxonomy;

    fn check(role: Role, t: &Taxonomy, category: &str) -> Result<(), HazardRefusal> {
        check_create(role, t, category, Severity::High)
    }

    #[test]
    fn only_inspecting_roles_raise_hazards() {
        let t = builtin_taxonomy();
        for role in Role::ALL {
            let ok = check(role, &t, "fire.ebike_charging").is_ok();
            assert_eq!(ok, role.may_inspect(), "{role:?}");
        }
        assert_eq!(
            check(Role::Volunteer, &t, "fire.ebike_charging"),
            Err(HazardRefusal::NotPermitted)
        );
    }

    #[test]
    fn categories_and_severities_come_from_the_taxonomy() {
        let mut t = builtin_taxonomy();
        assert_eq!(
            check(Role::Worker, &t, "made.up-category"),
            Err(HazardRefusal::UnknownCategory)
        );
        t.retire("gas.safety").unwrap();
        assert_eq!(
            check(Role::Worker, &t, "gas.safety"),
            Err(HazardRefusal::CategoryRetired)
        );
        t.retire("critical").unwrap();
        assert_eq!(
            check_create(Role::Worker, &t, "fire.ebike_charging", Severity::Critical),
            Err(HazardRefusal::SeverityRetired)
        );
        assert_eq!(check(Role::Worker, &t, "fire.ebike_charging"), Ok(()));
    }
}
