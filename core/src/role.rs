//! Roles (角色): what a signed-in user may do and see. Every rule that asks
//! "may this person…" starts from a `Role`; the scope half lives in `grid`.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// What a user may do and see. A scope is a grid subtree plus one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 网格员
    Worker,
    /// 志愿者 / 百姓楼长
    Volunteer,
    /// 网格长 / 综治中心
    Supervisor,
    Admin,
    /// 职能部门 (住建, 消防, 派出所…): handles the cases dispatched to it.
    Department,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Worker,
        Role::Volunteer,
        Role::Supervisor,
        Role::Admin,
        Role::Department,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Volunteer => "volunteer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "worker" => Some(Role::Worker),
            "volunteer" => Some(Role::Volunteer),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            "department" => Some(Role::Department),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::Worker => lang.pick("网格员", "grid worker"),
            Role::Volunteer => lang.pick("志愿者", "volunteer"),
            Role::Supervisor => lang.pick("网格长", "supervisor"),
            Role::Admin => lang.pick("管理员", "administrator"),
            Role::Department => lang.pick("职能部门", "department"),
        }
    }

    /// Volunteers never see ID numbers, phones or tenants.
    pub fn sees_personal_data(self) -> bool {
        !matches!(self, Role::Volunteer)
    }

    /// Who may reveal a full ID number or phone (one value at a time, audited)
    /// and export full values: the people who work with residents. An
    /// administrator runs the system (users, devices, codes) and sees them masked.
    pub fn may_reveal_personal_data(self) -> bool {
        matches!(self, Role::Worker | Role::Supervisor)
    }

    pub fn may_inspect(self) -> bool {
        matches!(self, Role::Worker | Role::Supervisor | Role::Admin)
    }

    pub fn may_edit_entities(self) -> bool {
        matches!(self, Role::Worker | Role::Supervisor | Role::Admin)
    }

    /// Reviewing inspections and deciding on reports are a supervisor's decisions
    /// (an administrator may stand in).
    pub fn supervises(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }

    /// Settling a conflict (keeping the value a concurrent write overwrote) is a
    /// new write made for the whole grid: a supervisor's or administrator's.
    pub fn may_resolve_conflicts(self) -> bool {
        self.supervises()
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn only_people_who_work_with_residents_reveal() {
        let reveal: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.may_reveal_personal_data())
            .collect();
        assert_eq!(reveal, [Role::Worker, Role::Supervisor]);
        // Revealing is never wider than seeing.
        assert!(reveal.iter().all(|r| r.sees_personal_data()));
    }

    #[test]
    fn only_supervisors_and_admins_resolve_conflicts() {
        let may: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.may_resolve_conflicts())
            .collect();
        assert_eq!(may, [Role::Supervisor, Role::Admin]);
    }
}
