//! Gridfield device core: the domain model, the encrypted local store, door-plate
//! verification, checklists and hazards — everything a grid worker's phone does
//! with no network at all. Plain Rust; the FFI lives in `gridfield-ffi`.

// Used by the sync client; compiled without it too (the server links the core without `sync`).
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
pub mod apply;
pub mod checklist;
pub mod db;
pub mod error;
pub mod hazard;
pub mod hlc;
pub mod i18n;
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
pub(crate) mod link;
pub mod merge;
pub mod model;
pub mod photo;
pub mod plate;
pub mod records;
pub mod schema;
pub mod store;
#[cfg(feature = "sync")]
pub mod sync;
pub mod verify;
pub mod wire;

pub use db::DbKey;
pub use error::{Error, Result};
pub use i18n::Lang;
pub use store::{Identity, Store};
