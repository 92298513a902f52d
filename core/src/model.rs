//! Former home of the domain model; each type now lives with its concept
//! (`role`, `grid`, `address`, `inspection`, `report`). Kept so existing paths
//! resolve until callers move.

pub use crate::address::{
    Address, BUSINESS_KIND, Entity, EntityKind, FieldSpec, FieldType, GeoPoint, RENTAL_USE,
    RESIDENCY, RISK_LEVEL, Sensitivity, validate_field,
};
pub use crate::grid::Grid;
pub use crate::inspection::ReviewStatus;
pub use crate::report::ReportStatus;
pub use crate::role::Role;
