//! Integration tests of the device store on real SQLCipher files in temp dirs,
//! through the public API only. Every test builds its own store from the
//! fixtures in `tests/fixtures` (grids, addresses, checklist answers, PNGs) and
//! the door-plate vectors in `tests/vectors/plates.json`.
//!
//! The store's clock is pinned to a controllable value (`Clock`) so deadlines,
//! overdue checks and HLC stamps are deterministic.
//!
//! Where a test needs data that normally arrives by sync (rows a volunteer
//! device holds but may not show), it inserts them with `Store::write` and raw
//! SQL — still the public API, and the same path sync code uses.
//!
//! One module per concept; `common` holds the fixtures and helpers.

mod common;
mod encryption;
mod entities;
mod hazards;
mod inspections;
mod personal;
mod photo_types;
mod photos;
mod plates;
mod restart;
mod search;
mod volunteers;
