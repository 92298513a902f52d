//! How entity fields read to people, written once for the phone and the console:
//! a stored value as shown (enumerations by their label, identifiers masked), the
//! value an audit row may keep of it, and the name that titles an entity.

use serde_json::{Map, Value};

use super::entity::{EntityKind, FieldSpec, FieldType, Sensitivity, value_label};
use crate::i18n::Lang;
use crate::role::Role;

impl FieldSpec {
    /// A stored JSON value as people read it before anyone reveals it: unquoted,
    /// enumerations by their label in `lang`, identifiers masked ("" for unset).
    pub fn display(&self, value: &Value, lang: Lang) -> String {
        let text = match value {
            Value::Null => return String::new(),
            Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        match self.ty {
            FieldType::Enum(_) => value_label(&text, lang).to_string(),
            _ => self.shown(&text),
        }
    }

    /// What an audit row may keep of a value this field took: identifiers
    /// masked, codes, numbers and dates as they are, public text as it is; the
    /// free text of a person (names, notes) is not kept (`None`), only that the
    /// field changed.
    pub fn audit_value(&self, value: &Value) -> Option<Value> {
        match (self.ty, value) {
            (_, Value::Null) => Some(Value::Null),
            (FieldType::Identifier(id), Value::String(s)) => Some(Value::String(id.mask(s))),
            (FieldType::Identifier(_), _) => None,
            (FieldType::Text, _) if self.sensitivity == Sensitivity::Personal => None,
            (_, v) => Some(v.clone()),
        }
    }
}

impl EntityKind {
    /// The field whose value names an entity of this kind for people (户主,
    /// 姓名, 房东, 名称).
    pub fn title_field(self) -> &'static str {
        match self {
            EntityKind::Household => "head_name",
            EntityKind::Person | EntityKind::Business => "name",
            EntityKind::RentalUnit => "landlord_name",
        }
    }

    /// The name of an entity as `role` may read it: `None` when it has none or
    /// the name is personal data the role does not see.
    pub fn title(self, fields: &Map<String, Value>, role: Role) -> Option<String> {
        let spec = self.field(self.title_field())?;
        if spec.sensitivity == Sensitivity::Personal && !role.sees_personal_data() {
            return None;
        }
        fields
            .get(spec.name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_read_as_labels_and_masks() {
        let p = EntityKind::Person;
        let f = |n| p.field(n).unwrap();
        assert_eq!(
            f("residency").display(&json!("floating"), Lang::Zh),
            "流动人口"
        );
        assert_eq!(
            f("residency").display(&json!("floating"), Lang::En),
            "floating population"
        );
        assert_eq!(
            f("id_number").display(&json!("320583199006018820"), Lang::Zh),
            "3205**********8820"
        );
        assert_eq!(
            f("phone").display(&json!("13812341234"), Lang::En),
            "138****1234"
        );
        assert_eq!(f("name").display(&Value::Null, Lang::Zh), "");
        let rooms = EntityKind::RentalUnit.field("rooms").unwrap();
        assert_eq!(rooms.display(&json!(3), Lang::Zh), "3");
    }

    #[test]
    fn audit_keeps_no_personal_text_and_no_whole_identifier() {
        let p = EntityKind::Person;
        let f = |n| p.field(n).unwrap();
        assert_eq!(f("name").audit_value(&json!("王秀英")), None);
        assert_eq!(
            f("phone").audit_value(&json!("13812341234")),
            Some(json!("138****1234"))
        );
        assert_eq!(
            f("residency").audit_value(&json!("floating")),
            Some(json!("floating"))
        );
        let shop = EntityKind::Business.field("name").unwrap();
        assert_eq!(
            shop.audit_value(&json!("便民超市")),
            Some(json!("便民超市"))
        );
    }

    #[test]
    fn titles_follow_who_may_see_names() {
        let mut fields = Map::new();
        fields.insert("name".into(), json!("王秀英"));
        assert_eq!(
            EntityKind::Person
                .title(&fields, Role::Supervisor)
                .as_deref(),
            Some("王秀英")
        );
        assert_eq!(EntityKind::Person.title(&fields, Role::Volunteer), None);
        assert_eq!(
            EntityKind::Business
                .title(&fields, Role::Volunteer)
                .as_deref(),
            Some("王秀英")
        );
        assert_eq!(EntityKind::Household.title(&fields, Role::Admin), None);
    }
}
