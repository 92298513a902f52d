//! HTTP for devices: the router (state, auth extractor, middleware), thin
//! handlers per endpoint under `v1/`, and the one mapping from rule errors to
//! HTTP status and JSON body.

pub mod client;
pub mod error;
pub mod openapi;
pub mod router;
pub mod v1;
