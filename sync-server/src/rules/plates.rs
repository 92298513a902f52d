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

pub fn issuer_public_key(tx: &mut dyn Tx) -> Result<IssuerPublicKey> {
    Ok(issuer(tx)?.public_key())
}
