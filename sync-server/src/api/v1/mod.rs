//! Version 1 of the device API (`/v1/…`), one module per endpoint group; each
//! handler unpacks the request, calls `rules` and shapes the answer.

pub mod blobs;
pub mod devices;
pub mod points;
pub mod snapshot;
pub mod sync;
