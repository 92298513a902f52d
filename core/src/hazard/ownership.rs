//! Who may raise a hazard. A hazard body is never edited afterwards: it changes
//! only by lifecycle steps (`next_status`), and a second create with the same id
//! is a retry the server ignores (the first write wins).

use crate::i18n::Lang;
use crate::role::Role;

/// Why raising a hazard was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HazardRefusal {
    /// Only roles that inspect raise hazards (volunteers file reports instead).
    NotPermitted,
}

impl HazardRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            HazardRefusal::NotPermitted => "hazard.create_not_permitted",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            HazardRefusal::NotPermitted => {
                lang.pick("无权登记隐患", "this role may not report hazards")
            }
        }
        .to_string()
    }

    /// One of each reason, for tests that walk every message.
    pub fn samples() -> Vec<HazardRefusal> {
        vec![HazardRefusal::NotPermitted]
    }
}

/// Whether `role` may raise a new hazard (on the device, and when the server
/// receives one).
pub fn check_create(role: Role) -> Result<(), HazardRefusal> {
    if role.may_inspect() {
        Ok(())
    } else {
        Err(HazardRefusal::NotPermitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inspecting_roles_raise_hazards() {
        for role in Role::ALL {
            assert_eq!(check_create(role).is_ok(), role.may_inspect(), "{role:?}");
        }
        assert_eq!(
            check_create(Role::Volunteer),
            Err(HazardRefusal::NotPermitted)
        );
    }
}
