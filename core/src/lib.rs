//! Gridfield device core: the domain model, the encrypted local store, door-plate
//! verification, checklists and hazards — everything a grid worker's phone does
//! with no network at all. Plain Rust; the FFI lives in `gridfield-ffi`.

pub mod checklist;
pub mod clock;
pub mod error;
pub mod hazard;
pub mod i18n;
pub mod model;
pub mod photo;
pub mod plate;
pub mod records;
pub mod store;
#[cfg(feature = "sync")]
pub mod sync;
pub mod verify;
pub mod wire;

pub use clock::{hlc, merge};
pub use error::{Error, Result};
pub use i18n::Lang;
pub use store::db::DbKey;
pub use store::{Identity, Store};
