//! Plates installed before Gridfield (旧门牌): the admin's import of their texts
//! mapped to address codes, all or nothing, and the mappings of a device's scope
//! as one versioned document for its pull. The rules on a text are the core's
//! (`plate::legacy`).

use gridfield_core::grid::GridScope;
use gridfield_core::plate::legacy::{self, LegacyPlate, LegacyPlates, LegacyTextError};

use super::{DeviceCtx, Result, now_ms};
use crate::db::{RowExt, Tx};
use crate::messages::Msg;

/// One line of an import: its number in the file and its two cells.
pub struct ImportLine {
    pub line: u64,
    pub text: String,
    pub address_code: String,
}

/// A bad line and why, in the catalog's words.
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    pub line: u64,
    pub msg: Msg,
}

/// Check every line, then write them all (a text already mapped is remapped) or,
/// when any line is bad, nothing. Returns the count written or the bad lines.
pub fn import(tx: &mut dyn Tx, lines: &[ImportLine]) -> Result<Result<u64, Vec<LineError>>> {
    let good = match import_check(tx, lines)? {
        Ok(good) => good,
        Err(errors) => return Ok(Err(errors)),
    };
    let now = now_ms();
    for (text, code, path) in &good {
        tx.execute(
            "INSERT INTO legacy_plates (plate_text, address_code, grid_path, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (plate_text) DO UPDATE SET address_code = excluded.address_code,
               grid_path = excluded.grid_path, updated_at = excluded.updated_at",
            &[
                text.as_str().into(),
                code.as_str().into(),
                path.as_str().into(),
                now.into(),
            ],
        )?;
    }
    Ok(Ok(good.len() as u64))
}

/// Every line checked, writing nothing: the (text, address code, grid path) to
/// write, or every bad line.
#[allow(clippy::type_complexity)]
pub fn import_check(
    tx: &mut dyn Tx,
    lines: &[ImportLine],
) -> Result<Result<Vec<(String, String, String)>, Vec<LineError>>> {
    let mut errors = Vec::new();
    let mut good: Vec<(String, String, String)> = Vec::new();
    let mut seen: std::collections::HashMap<String, u64> = Default::default();
    for l in lines {
        let text = match legacy::normalize(&l.text) {
            Ok(t) => t,
            Err(e) => {
                let msg = match e {
                    LegacyTextError::Empty => Msg::LegacyTextEmpty,
                    LegacyTextError::TooLong => Msg::LegacyTextTooLong {
                        max: legacy::MAX_LEGACY_TEXT_BYTES,
                    },
                    LegacyTextError::SignedFormat => Msg::LegacyTextSigned,
                };
                errors.push(LineError { line: l.line, msg });
                continue;
            }
        };
        if let Some(&first_line) = seen.get(&text) {
            errors.push(LineError {
                line: l.line,
                msg: Msg::LegacyDuplicate { first_line },
            });
            continue;
        }
        seen.insert(text.clone(), l.line);
        let code = l.address_code.trim();
        let path = tx.query_one(
            "SELECT grid_path FROM records WHERE kind = 'address' AND id = $1",
            &[code.into()],
        )?;
        match path {
            Some(r) if !code.is_empty() => good.push((text, code.to_string(), r.text(0)?)),
            _ => errors.push(LineError {
                line: l.line,
                msg: Msg::LegacyUnknownAddress,
            }),
        }
    }
    Ok(if errors.is_empty() {
        Ok(good)
    } else {
        Err(errors)
    })
}

/// The mappings whose address lies in `scope`, in text order.
pub fn in_scope(tx: &mut dyn Tx, scope: &GridScope) -> Result<Vec<LegacyPlate>> {
    let (lower, upper) = scope.range();
    tx.query(
        "SELECT plate_text, address_code FROM legacy_plates
         WHERE grid_path >= $1 AND grid_path < $2 ORDER BY plate_text",
        &[lower.as_str().into(), upper.as_str().into()],
    )?
    .into_iter()
    .map(|r| {
        Ok(LegacyPlate {
            plate_text: r.text(0)?,
            address_code: r.text(1)?,
        })
    })
    .collect()
}

/// The device's document when it differs from the version it holds.
pub fn changed_for(tx: &mut dyn Tx, dev: &DeviceCtx, held: &str) -> Result<Option<LegacyPlates>> {
    let plates = in_scope(tx, &dev.scope())?;
    let version = legacy::version(&plates);
    Ok((version != held).then_some(LegacyPlates { version, plates }))
}
