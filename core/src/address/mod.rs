//! Standard addresses (标准地址) and the descriptive entities hanging off them
//! (一标多实: one plate, many entities). Descriptive entities are written field
//! by field so that sync can merge them per field.

mod entity;
mod readable;

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

/// Where an inspection, hazard, report or case happened, when the phone knew (an
/// address's coordinates use only `lat`/`lon`). A phone records the fix it had:
/// its accuracy and when it was taken, which may be before the record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
    /// Radius of 68% confidence, in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    /// When the fix was taken (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_at: Option<i64>,
}

impl GeoPoint {
    /// A point with no accuracy or fix time known.
    pub fn at(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint {
            lat,
            lon,
            accuracy_m: None,
            fixed_at: None,
        }
    }

    /// Coordinates on the globe, a non-negative accuracy: what a record may keep.
    pub fn is_valid(&self) -> bool {
        (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
            && self.accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0)
    }
}
