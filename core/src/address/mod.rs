//! Standard addresses (标准地址) and the descriptive entities hanging off them
//! (一标多实: one plate, many entities). Descriptive entities are written field
//! by field so that sync can merge them per field.

mod entity;

use serde::{Deserialize, Serialize};

pub use entity::{
    BUSINESS_KIND, Entity, EntityKind, FieldSpec, FieldType, RENTAL_USE, RESIDENCY, RISK_LEVEL,
    Sensitivity, check_field, revealable, validate_field, value_label,
};

/// 标准地址 / 数字门牌.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl Address {
    /// One row of the address / door-plate CSV
    /// (`code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon`),
    /// shared by the device's import and the server's admin import. The reason names the column.
    pub fn from_csv_row(fields: &[&str]) -> Result<Address, String> {
        let opt = |i: usize| {
            fields
                .get(i)
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let req = |i: usize, name: &str| opt(i).ok_or_else(|| format!("{name} is empty"));
        let num = |i: usize| match opt(i) {
            None => Ok(None),
            Some(s) => s
                .parse::<f64>()
                .map(Some)
                .map_err(|_| "coordinates must be numbers".to_string()),
        };
        Ok(Address {
            code: req(0, "code")?,
            grid_code: req(1, "grid_code")?,
            full_text: req(2, "full_text")?,
            street: opt(3),
            number: opt(4),
            building: opt(5),
            unit: opt(6),
            room: opt(7),
            plate_serial: opt(8),
            lat: num(9)?,
            lon: num(10)?,
        })
    }
}

/// Where an inspection or report happened, when the phone knew.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}
