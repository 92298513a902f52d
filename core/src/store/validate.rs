//! Checks on free text a person types (notes, comments, report text): required
//! where it must be, and never longer than a person would write.

use crate::error::{Error, Input, Invalid, Result};

/// Report text and notes are for people, not for novels.
const MAX_TEXT: usize = 2000;

/// A required free-text field: not blank, not a novel.
pub(crate) fn required_text(field: Input, s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return Err(Error::invalid(field, Invalid::Required));
    }
    check_text(field, s)
}

/// Free text that may be absent but is never a novel.
pub(crate) fn check_text(field: Input, s: &str) -> Result<()> {
    if s.chars().count() > MAX_TEXT {
        return Err(Error::invalid(field, Invalid::TooLong { max: MAX_TEXT }));
    }
    Ok(())
}
