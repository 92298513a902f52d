//! Entity kinds and their declared fields (住户, 人员, 出租房屋, 单位场所): what each
//! kind holds, who may see which field, and the check of one field value.

use serde::{Deserialize, Serialize};

use serde_json::Value;

use crate::error::{Choices, Error, Input, Invalid, Result};
use crate::i18n::Lang;
use crate::person::Identifier;
use crate::role::Role;

/// The kinds of descriptive entity at an address (一标多实).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// 住户
    Household,
    /// 人员
    Person,
    /// 出租房屋
    RentalUnit,
    /// 单位 / 场所
    Business,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Int,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of a fixed set of values.
    Enum(&'static [&'static str]),
    /// Reference to another entity's id (same scope).
    Ref(EntityKind),
    /// A personal identifier (ID number, phone): checked where entered and masked
    /// wherever shown until revealed.
    Identifier(Identifier),
}

/// Why a field is hidden from some roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    Public,
    /// Personal data: ID numbers, phones, names of residents.
    Personal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    pub sensitivity: Sensitivity,
    pub max_len: usize,
    /// What people call the field, in Chinese and English (`label`).
    zh: &'static str,
    en: &'static str,
}

impl FieldSpec {
    /// The field's name for people; messages and forms use it, never `name`.
    pub fn label(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }

    /// The personal identifier this field holds, if any.
    pub fn identifier(&self) -> Option<Identifier> {
        match self.ty {
            FieldType::Identifier(id) => Some(id),
            _ => None,
        }
    }

    /// A stored text value as shown before anyone reveals it: identifiers
    /// masked, everything else as is.
    pub fn shown(&self, value: &str) -> String {
        match self.identifier() {
            Some(id) => id.mask(value),
            None => value.to_string(),
        }
    }
}

const fn f(
    name: &'static str,
    ty: FieldType,
    sensitivity: Sensitivity,
    max_len: usize,
    (zh, en): (&'static str, &'static str),
) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        sensitivity,
        max_len,
        zh,
        en,
    }
}

use FieldType as T;
use Sensitivity::{Personal as P, Public as U};

pub const RESIDENCY: &[&str] = &["registered", "floating"];
pub const RENTAL_USE: &[&str] = &["residential", "shared", "commercial"];
pub const RISK_LEVEL: &[&str] = &["low", "medium", "high"];
pub const BUSINESS_KIND: &[&str] = &[
    "shop",
    "restaurant",
    "enterprise",
    "venue",
    "school",
    "hotel",
    "homestay",
    "ebike_site",
    "other",
];

const HOUSEHOLD_FIELDS: &[FieldSpec] = &[
    f(
        "head_name",
        T::Text,
        P,
        64,
        ("户主姓名", "head of household"),
    ),
    f(
        "phone",
        T::Identifier(Identifier::Phone),
        P,
        32,
        ("联系电话", "phone"),
    ),
    f("members", T::Int, P, 0, ("家庭人数", "household members")),
    f(
        "residency",
        T::Enum(RESIDENCY),
        P,
        0,
        ("户籍类型", "residency"),
    ),
    f("moved_in", T::Date, P, 0, ("迁入日期", "moved in")),
    f("moved_out", T::Date, P, 0, ("迁出日期", "moved out")),
    f("note", T::Text, P, 500, ("备注", "note")),
];
const PERSON_FIELDS: &[FieldSpec] = &[
    f(
        "household_id",
        T::Ref(EntityKind::Household),
        P,
        0,
        ("所属住户", "household"),
    ),
    f(
        "rental_unit_id",
        T::Ref(EntityKind::RentalUnit),
        P,
        0,
        ("所住出租房屋", "rental unit"),
    ),
    f("name", T::Text, P, 64, ("姓名", "name")),
    f(
        "id_number",
        T::Identifier(Identifier::IdNumber),
        P,
        18,
        ("身份证号", "ID number"),
    ),
    f(
        "phone",
        T::Identifier(Identifier::Phone),
        P,
        32,
        ("联系电话", "phone"),
    ),
    f(
        "residency",
        T::Enum(RESIDENCY),
        P,
        0,
        ("户籍类型", "residency"),
    ),
    f("moved_in", T::Date, P, 0, ("迁入日期", "moved in")),
    f("moved_out", T::Date, P, 0, ("迁出日期", "moved out")),
];
const RENTAL_FIELDS: &[FieldSpec] = &[
    f(
        "landlord_name",
        T::Text,
        P,
        64,
        ("房东姓名", "landlord's name"),
    ),
    f(
        "landlord_phone",
        T::Identifier(Identifier::Phone),
        P,
        32,
        ("房东电话", "landlord's phone"),
    ),
    f("rooms", T::Int, U, 0, ("房间数", "rooms")),
    f("use", T::Enum(RENTAL_USE), U, 0, ("用途", "use")),
    f(
        "risk_level",
        T::Enum(RISK_LEVEL),
        U,
        0,
        ("风险等级", "risk level"),
    ),
    f("note", T::Text, P, 500, ("备注", "note")),
];
const BUSINESS_FIELDS: &[FieldSpec] = &[
    f("name", T::Text, U, 128, ("名称", "name")),
    f("kind", T::Enum(BUSINESS_KIND), U, 0, ("类型", "kind")),
    f("contact_name", T::Text, P, 64, ("联系人", "contact name")),
    f(
        "contact_phone",
        T::Identifier(Identifier::Phone),
        P,
        32,
        ("联系电话", "contact phone"),
    ),
];

impl EntityKind {
    pub const ALL: [EntityKind; 4] = [
        EntityKind::Household,
        EntityKind::Person,
        EntityKind::RentalUnit,
        EntityKind::Business,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Household => "household",
            EntityKind::Person => "person",
            EntityKind::RentalUnit => "rental_unit",
            EntityKind::Business => "business",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// SQL table; a closed set, never user input.
    pub fn table(self) -> &'static str {
        match self {
            EntityKind::Household => "households",
            EntityKind::Person => "persons",
            EntityKind::RentalUnit => "rental_units",
            EntityKind::Business => "businesses",
        }
    }

    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            EntityKind::Household => HOUSEHOLD_FIELDS,
            EntityKind::Person => PERSON_FIELDS,
            EntityKind::RentalUnit => RENTAL_FIELDS,
            EntityKind::Business => BUSINESS_FIELDS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// Whether a role may see this kind of entity at all. Volunteers see neither
    /// residents nor rental units (tenants hang off them), only public venues.
    pub fn visible_to(self, role: Role) -> bool {
        role.sees_personal_data() || matches!(self, EntityKind::Business)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EntityKind::Household => lang.pick("住户", "household"),
            EntityKind::Person => lang.pick("人员", "person"),
            EntityKind::RentalUnit => lang.pick("出租房屋", "rental unit"),
            EntityKind::Business => lang.pick("单位场所", "business"),
        }
    }
}

/// One descriptive entity as stored: its fields as JSON values (null = unset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub kind: EntityKind,
    pub id: String,
    pub address_code: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub deleted: bool,
    pub updated_at: i64,
}

impl Entity {
    /// The same entity with what `role` may not see removed.
    pub fn redacted_for(&self, role: Role) -> Option<Entity> {
        if !self.kind.visible_to(role) {
            return None;
        }
        let mut e = self.clone();
        if !role.sees_personal_data() {
            e.fields.retain(|name, _| {
                self.kind
                    .field(name)
                    .is_some_and(|s| s.sensitivity == Sensitivity::Public)
            });
        }
        Some(e)
    }
}

/// The field of a `kind` entity whose full value `role` may reveal (one value at
/// a time, audited), or why not: the role works with residents
/// (`Role::may_reveal_personal_data`) and the field is one of the kind's. The
/// phone asks before showing a value; the server asks again when the phone's
/// record of the reveal arrives, and audits it.
pub fn revealable(role: Role, kind: EntityKind, field: &str) -> Result<&'static FieldSpec> {
    if !role.may_reveal_personal_data() || !kind.visible_to(role) {
        return Err(Error::NotPermitted(crate::error::Action::ReadPersonalData(
            kind.into(),
        )));
    }
    kind.field(field)
        .ok_or_else(|| Error::not_a_field(kind, field))
}

/// Check one field value against the entity kind's declared type, as the device
/// does on entry; the server uses it to judge what devices send.
pub fn validate_field(
    kind: EntityKind,
    name: &str,
    value: &serde_json::Value,
) -> crate::Result<serde_json::Value> {
    let spec = kind
        .field(name)
        .ok_or_else(|| crate::Error::not_a_field(kind, name))?;
    check_field(spec, value)
}

/// Check one entity field value against its declared type; null clears a field.
pub fn check_field(spec: &'static FieldSpec, v: &Value) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let bad = |why: Invalid| Error::invalid(Input::Field(spec), why);
    match spec.ty {
        FieldType::Text => {
            let s = v.as_str().ok_or_else(|| bad(Invalid::ExpectedText))?;
            if s.chars().count() > spec.max_len {
                return Err(bad(Invalid::TooLong { max: spec.max_len }));
            }
            Ok(Value::String(s.to_string()))
        }
        FieldType::Int => {
            let n = match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| bad(Invalid::NotANumber))?;
            if !(0..=100_000).contains(&n) {
                return Err(bad(Invalid::OutOfRange));
            }
            Ok(Value::from(n))
        }
        FieldType::Date => {
            let s = v.as_str().ok_or_else(|| bad(Invalid::BadDate))?;
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| d.format("%Y-%m-%d").to_string() == s)
                .ok_or_else(|| bad(Invalid::BadDate))?;
            Ok(Value::String(s.to_string()))
        }
        FieldType::Enum(allowed) => {
            let s = v.as_str().ok_or_else(|| bad(Invalid::ExpectedText))?;
            if !allowed.contains(&s) {
                return Err(bad(Invalid::NotOneOf(Choices::Values(allowed))));
            }
            Ok(Value::String(s.to_string()))
        }
        FieldType::Identifier(id) => {
            let s = v.as_str().ok_or_else(|| bad(Invalid::ExpectedText))?.trim();
            if s.chars().count() > spec.max_len || !id.is_valid(s) {
                return Err(bad(match id {
                    Identifier::IdNumber => Invalid::BadIdNumber,
                    Identifier::Phone => Invalid::BadPhone,
                }));
            }
            Ok(Value::String(s.to_string()))
        }
        FieldType::Ref(_) => {
            let s = v.as_str().ok_or_else(|| bad(Invalid::ExpectedId))?;
            if s.is_empty() || s.len() > 64 {
                return Err(bad(Invalid::ExpectedId));
            }
            Ok(Value::String(s.to_string()))
        }
    }
}

/// What people call a value of an enumerated field (`RESIDENCY`, `RENTAL_USE`,
/// `RISK_LEVEL`, `BUSINESS_KIND`); an unknown value is shown as stored.
pub fn value_label(value: &str, lang: Lang) -> &str {
    let (zh, en) = match value {
        "registered" => ("户籍人口", "registered resident"),
        "floating" => ("流动人口", "floating population"),
        "residential" => ("居住", "residential"),
        "shared" => ("合租", "shared"),
        "commercial" => ("商用", "commercial"),
        "low" => ("低", "low"),
        "medium" => ("中", "medium"),
        "high" => ("高", "high"),
        "shop" => ("商店", "shop"),
        "restaurant" => ("餐饮", "restaurant"),
        "enterprise" => ("企业", "enterprise"),
        "venue" => ("场所", "venue"),
        "school" => ("学校", "school"),
        "hotel" => ("小旅馆", "small hotel"),
        "homestay" => ("民宿", "homestay"),
        "ebike_site" => (
            "电动自行车集中停放充电场所",
            "e-bike parking and charging site",
        ),
        "other" => ("其他", "other"),
        _ => return value,
    };
    lang.pick(zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volunteer_redaction_drops_personal_fields_and_kinds() {
        let mut fields = serde_json::Map::new();
        fields.insert("name".into(), "便民超市".into());
        fields.insert("contact_phone".into(), "13800000000".into());
        let shop = Entity {
            kind: EntityKind::Business,
            id: "b1".into(),
            address_code: "a".into(),
            fields,
            deleted: false,
            updated_at: 0,
        };
        let seen = shop.redacted_for(Role::Volunteer).unwrap();
        assert!(seen.fields.contains_key("name"));
        assert!(!seen.fields.contains_key("contact_phone"));
        assert!(
            shop.redacted_for(Role::Worker)
                .unwrap()
                .fields
                .contains_key("contact_phone")
        );
        let hh = Entity {
            kind: EntityKind::Household,
            ..shop.clone()
        };
        assert!(hh.redacted_for(Role::Volunteer).is_none());
    }

    #[test]
    fn every_field_spec_is_unique() {
        for k in EntityKind::ALL {
            let mut names: Vec<_> = k.fields().iter().map(|f| f.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), k.fields().len(), "{k:?}");
        }
    }
}
