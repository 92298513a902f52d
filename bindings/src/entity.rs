//! Who and where: the device identity, grids, standard addresses (标准地址) and the
//! entities at an address (一标多实), with the store's address and entity calls.

use gridfield_core::Identity;
use gridfield_core::model::{self as m, EntityKind as CoreEntityKind};
use gridfield_core::store as st;
use serde_json::Value;

use crate::error::Result;
use crate::*;

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DeviceIdentity {
    pub device_id: String,
    pub user: String,
    pub role: Role,
    /// Root of the grid subtree this device works in.
    pub grid_scope: String,
}

impl From<&Identity> for DeviceIdentity {
    fn from(i: &Identity) -> Self {
        DeviceIdentity {
            device_id: i.device_id.clone(),
            user: i.user.clone(),
            role: i.role.into(),
            grid_scope: i.grid_scope.clone(),
        }
    }
}

impl From<DeviceIdentity> for Identity {
    fn from(i: DeviceIdentity) -> Self {
        Identity {
            device_id: i.device_id,
            user: i.user,
            role: i.role.into(),
            grid_scope: i.grid_scope,
        }
    }
}

/// A location: an address's coordinates, or the phone's fix when a record was made
/// (with its accuracy in metres and when it was taken, ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
    #[uniffi(default)]
    pub accuracy_m: Option<f64>,
    #[uniffi(default)]
    pub fixed_at: Option<i64>,
}

impl From<m::GeoPoint> for GeoPoint {
    fn from(g: m::GeoPoint) -> Self {
        GeoPoint {
            lat: g.lat,
            lon: g.lon,
            accuracy_m: g.accuracy_m,
            fixed_at: g.fixed_at,
        }
    }
}

impl From<GeoPoint> for m::GeoPoint {
    fn from(g: GeoPoint) -> Self {
        m::GeoPoint {
            lat: g.lat,
            lon: g.lon,
            accuracy_m: g.accuracy_m,
            fixed_at: g.fixed_at,
        }
    }
}

/// 网格.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Grid {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub parent_code: Option<String>,
}

impl From<m::Grid> for Grid {
    fn from(g: m::Grid) -> Self {
        Grid {
            code: g.code,
            name: g.name,
            level: g.level,
            parent_code: g.parent_code,
        }
    }
}

/// 标准地址 / 数字门牌.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Address {
    pub code: String,
    pub grid_code: String,
    pub full_text: String,
    pub street: Option<String>,
    pub number: Option<String>,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub plate_serial: Option<String>,
    pub location: Option<GeoPoint>,
}

impl From<m::Address> for Address {
    fn from(a: m::Address) -> Self {
        Address {
            location: match (a.lat, a.lon) {
                (Some(lat), Some(lon)) => Some(m::GeoPoint::at(lat, lon).into()),
                _ => None,
            },
            code: a.code,
            grid_code: a.grid_code,
            full_text: a.full_text,
            street: a.street,
            number: a.number,
            building: a.building,
            unit: a.unit,
            room: a.room,
            plate_serial: a.plate_serial,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AddressHit {
    pub code: String,
    pub full_text: String,
    pub plate_serial: Option<String>,
    pub grid_code: String,
}

impl From<st::AddressHit> for AddressHit {
    fn from(h: st::AddressHit) -> Self {
        AddressHit {
            code: h.code,
            full_text: h.full_text,
            plate_serial: h.plate_serial,
            grid_code: h.grid_code,
        }
    }
}

/// One field of an entity, as text (numbers in decimal, dates `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EntityField {
    pub name: String,
    /// `None` clears the field. Read from the store, an ID number or a phone
    /// comes masked (`3205**********8820`, `139****0001`); `reveal_field` gives
    /// the full value.
    pub value: Option<String>,
    /// The value shown is masked (set by the store; ignored in a `put_entity`,
    /// where a field is sent only when the user typed a new value).
    #[uniffi(default = false)]
    pub masked: bool,
}

/// A household, person, rental unit or business at an address, as this role may see it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Entity {
    pub kind: EntityKind,
    pub id: String,
    pub address_code: String,
    pub fields: Vec<EntityField>,
    pub deleted: bool,
    pub updated_at: i64,
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl From<m::Entity> for Entity {
    fn from(e: m::Entity) -> Self {
        Entity {
            kind: e.kind.into(),
            id: e.id,
            address_code: e.address_code,
            fields: e
                .fields
                .iter()
                .map(|(k, v)| EntityField {
                    name: k.clone(),
                    value: value_text(v),
                    // The store masks every identifier it shows (core `FieldSpec::shown`).
                    masked: v.is_string()
                        && e.kind.field(k).is_some_and(|s| s.identifier().is_some()),
                })
                .collect(),
            deleted: e.deleted,
            updated_at: e.updated_at,
        }
    }
}

/// Text fields to the JSON the core validates: integer fields become numbers; a
/// number that does not parse stays text so the core names the field in its error.
pub(crate) fn entity_fields_json(
    kind: EntityKind,
    fields: Vec<EntityField>,
) -> serde_json::Map<String, Value> {
    let core_kind: CoreEntityKind = kind.into();
    fields
        .into_iter()
        .map(|f| {
            let is_int = matches!(
                core_kind.field(&f.name).map(|s| s.ty),
                Some(m::FieldType::Int)
            );
            let v = match f.value {
                None => Value::Null,
                Some(s) if is_int => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(s)),
                Some(s) => Value::String(s),
            };
            (f.name, v)
        })
        .collect()
}

/// Everything at one address (一标多实).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AddressView {
    pub address: Address,
    pub entities: Vec<Entity>,
    pub inspections: Vec<InspectionSummary>,
    pub hazards: Vec<Hazard>,
    pub reports: Vec<Report>,
}

impl From<st::AddressView> for AddressView {
    fn from(v: st::AddressView) -> Self {
        AddressView {
            address: v.address.into(),
            entities: v.entities.into_iter().map(Into::into).collect(),
            inspections: v.inspections.into_iter().map(Into::into).collect(),
            hazards: v.hazards.into_iter().map(Into::into).collect(),
            reports: v.reports.into_iter().map(Into::into).collect(),
        }
    }
}

#[uniffi::export]
impl GridfieldStore {
    pub fn grid(&self, code: String) -> Result<Option<Grid>> {
        Ok(self.inner.grid(&code)?.map(Into::into))
    }

    /// Address search (full text, plate serial or code); an empty query lists the grid.
    pub fn search_addresses(&self, query: String, limit: u32) -> Result<Vec<AddressHit>> {
        Ok(self
            .inner
            .search_addresses(&query, limit)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Everything at one address (一标多实), as this role may see it.
    pub fn address_view(&self, code: String) -> Result<AddressView> {
        let mut view: AddressView = self.inner.address_view(&code)?.into();
        self.name_categories(&mut view.hazards)?;
        Ok(view)
    }

    /// Create (no `id`) or update an entity field by field; returns its id.
    pub fn put_entity(
        &self,
        kind: EntityKind,
        id: Option<String>,
        address_code: Option<String>,
        fields: Vec<EntityField>,
    ) -> Result<String> {
        let json = entity_fields_json(kind, fields);
        Ok(self
            .inner
            .put_entity(kind.into(), id.as_deref(), address_code.as_deref(), &json)?)
    }

    /// An entity as this role may see it, ID numbers and phones masked.
    pub fn entity(&self, kind: EntityKind, id: String) -> Result<Option<Entity>> {
        Ok(self.inner.entity(kind.into(), &id)?.map(Into::into))
    }

    /// One field's full value (an ID number, a phone), for a role that may see
    /// personal data, after the user asked for it; the store audits each reveal.
    pub fn reveal_field(
        &self,
        kind: EntityKind,
        id: String,
        field: String,
    ) -> Result<Option<String>> {
        Ok(self.inner.reveal_field(kind.into(), &id, &field)?)
    }
}
