//! Former home of the field records and outbox operations; they now live with
//! their concept (`inspection`, `hazard`, `report`, `record`, `op`). Kept so
//! existing paths resolve until callers move.

pub use crate::hazard::{Hazard, HazardEvent};
pub use crate::inspection::Inspection;
pub use crate::op::{Op, OutboxEntry};
pub use crate::record::Delivery;
pub use crate::report::Report;
