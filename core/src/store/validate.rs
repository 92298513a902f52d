//! Checks on free text a person types (notes, comments, report text): required
//! where it must be, and never longer than its kind's limit (`crate::text`).

use crate::error::{Error, Input, Invalid, Result};

/// A required free-text field: not blank, not over its limit.
pub(crate) fn required_text(field: Input, s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return Err(Error::invalid(field, Invalid::Required));
    }
    check_text(field, s)
}

/// Free text that may be absent but is never over its limit.
pub(crate) fn check_text(field: Input, s: &str) -> Result<()> {
    crate::text::check_len(field, s)
}

/// A location a record is made at: on the globe, with a sane accuracy.
pub(crate) fn check_location(l: Option<crate::model::GeoPoint>) -> Result<()> {
    match l {
        Some(p) if !p.is_valid() => Err(Error::invalid(Input::Coordinates, Invalid::OutOfRange)),
        _ => Ok(()),
    }
}
