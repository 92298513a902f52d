//! Gridfield device core: the domain model, the encrypted local store, door-plate
//! verification, checklists and hazards — everything a grid worker's phone does
//! with no network at all. Plain Rust; the FFI lives in `gridfield-ffi`.
//!
//! Domain concepts each have a module holding their types, their pure rules and
//! the rules' tests: `role`, `grid`, `address`, `record`, `photo`, `checklist`,
//! `inspection`, `hazard`, `case`, `report`, `plate`; `op` is what the outbox carries.

// Domain concepts.
pub mod address;
pub mod case;
pub mod checklist;
pub mod grid;
pub mod hazard;
pub mod i18n;
pub mod inspection;
pub mod op;
pub mod person;
pub mod photo;
pub mod plate;
pub mod points;
pub mod record;
pub mod refusal;
pub mod report;
pub mod role;
pub mod taxonomy;
pub mod text;
pub mod visit;

// Former homes of domain types, re-exporting them so existing paths resolve.
pub mod model;
pub mod records;

// Storage, sync and wire.
pub mod clock;
pub mod error;
pub mod store;
#[cfg(feature = "sync")]
pub mod sync;
pub mod verify;
pub mod wire;

#[cfg(test)]
mod refusal_text;

pub use clock::{hlc, merge, skew};
pub use error::{Error, Result};
pub use i18n::Lang;
pub use store::db::DbKey;
pub use store::{Identity, Store};
