//! Door plates: the server's plate issuer key, created on first use and shared by
//! every instance; devices trust its public key to tell genuine plates from forged.

use gridfield_core::plate::{IssuerPublicKey, PlateIssuer};

use super::{Error, Result};
use crate::db::{RowExt, Tx};

/// The plate issuer key, created on first use and shared by every instance.
pub fn issuer(tx: &mut dyn Tx) -> Result<PlateIssuer> {
    if let Some(r) = tx.query_one(
        "SELECT value FROM server_meta WHERE key = 'issuer_seed'",
        &[],
    )? {
        let seed: [u8; 32] = hex::decode(r.text(0)?)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| Error::internal("corrupt issuer seed"))?;
        return Ok(PlateIssuer::from_seed(seed));
    }
    let issuer = PlateIssuer::generate().map_err(|e| Error::internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO server_meta (key, value) VALUES ('issuer_seed', $1)",
        &[hex::encode(issuer.seed()).into()],
    )?;
    Ok(issuer)
}

/// The issuer's public key if one was ever created; reads only (the public page
/// must not create keys).
pub fn existing_public_key(tx: &mut dyn Tx) -> Result<Option<IssuerPublicKey>> {
    let Some(r) = tx.query_one(
        "SELECT value FROM server_meta WHERE key = 'issuer_seed'",
        &[],
    )?
    else {
        return Ok(None);
    };
    let seed: [u8; 32] = hex::decode(r.text(0)?)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| Error::internal("corrupt issuer seed"))?;
    Ok(Some(PlateIssuer::from_seed(seed).public_key()))
}

pub fn issuer_public_key(tx: &mut dyn Tx) -> Result<IssuerPublicKey> {
    Ok(issuer(tx)?.public_key())
}

/// The city server's public `https://` address that compact plates point to
/// (`<base>/P/<payload>`): set by `admin sign-plates --base-url`, kept for the
/// printable sheets.
pub fn url_base(tx: &mut dyn Tx) -> Result<Option<String>> {
    let row = tx.query_one(
        "SELECT value FROM server_meta WHERE key = 'plate_url_base'",
        &[],
    )?;
    Ok(match row {
        Some(r) => Some(r.text(0)?),
        None => None,
    })
}

pub fn set_url_base(tx: &mut dyn Tx, base: &str) -> Result<()> {
    let base = base.trim().trim_end_matches('/');
    let host = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("HTTPS://"))
        .unwrap_or("");
    let valid_host = |h: &str| {
        !h.is_empty()
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
    };
    if !valid_host(host) {
        return Err(Error::invalid(
            "plate_url_base",
            "the plate URL must be https://<host> with no path",
        ));
    }
    tx.execute("DELETE FROM server_meta WHERE key = 'plate_url_base'", &[])?;
    tx.execute(
        "INSERT INTO server_meta (key, value) VALUES ('plate_url_base', $1)",
        &[base.to_ascii_lowercase().into()],
    )?;
    Ok(())
}
