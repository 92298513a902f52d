//! Time and ordering: the hybrid logical clock every write is stamped with, the
//! per-field merge rule judged by those stamps, and the device's link to the
//! server's clock (offset and installation counter).

pub mod hlc;
// The link is used by the sync client; compiled without it too (the server links
// the core without `sync`).
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
pub(crate) mod link;
pub mod merge;
pub mod skew;
