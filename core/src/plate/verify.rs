//! Verifying a scanned plate offline against the trusted issuer keys, and
//! decoding what a rejected plate claims (to show, never to trust).

use super::compact;
use super::token::{decode_payload, decode_signature, find_token, is_key_id, validate_fields};
use super::{IssuerPublicKey, PlateData, PlateError, VerifiedPlate};

/// Verify against the trusted issuer keys (a city may rotate keys: several may be trusted).
/// A compact plate URL (`…/P/<payload>`, format 3) is checked by `compact`; the rest of
/// this describes the `GFP1.` token.
///
/// Checks run in this order, so the reason reported is the first that applies: token found
/// (`NotAPlate`), version (`UnsupportedVersion`), length and structure (`Malformed`), missing or
/// short signature (`Truncated`), payload base64/JSON incl. a payload cut mid-way (`Malformed`),
/// issuer key id (`UnknownIssuer`), signature (`BadSignature`), then the payload's version and
/// field limits (`Malformed`).
pub fn verify(qr_text: &str, trusted: &[IssuerPublicKey]) -> Result<VerifiedPlate, PlateError> {
    if let Some(payload) = compact::find_payload(qr_text) {
        return compact::verify(payload, trusted);
    }
    let token = find_token(qr_text)?;
    let (payload_b64, sig_b64) = match token.body.split_once('.') {
        None => return Err(PlateError::Truncated),
        Some((_, rest)) if rest.contains('.') => {
            return Err(PlateError::Malformed(
                "token has more than three parts".into(),
            ));
        }
        Some(parts) => parts,
    };
    let signature = decode_signature(sig_b64)?;
    let payload = decode_payload(payload_b64)?;

    if !is_key_id(&payload.k) {
        return Err(PlateError::Malformed(
            "issuer key id is not 16 lowercase hex digits".into(),
        ));
    }
    let message = &token.text[..token.prefix_len + payload_b64.len()];
    let mut known = false;
    let mut verified = false;
    for key in trusted.iter().filter(|k| k.key_id() == payload.k) {
        known = true;
        if key
            .verifying_key()?
            .verify_strict(message.as_bytes(), &signature)
            .is_ok()
        {
            verified = true;
            break;
        }
    }
    if !known {
        return Err(PlateError::UnknownIssuer(payload.k));
    }
    if !verified {
        return Err(PlateError::BadSignature);
    }

    if payload.v != token.version {
        return Err(PlateError::Malformed(
            "payload version does not match token version".into(),
        ));
    }
    let issuer_key_id = payload.k.clone();
    let data = payload.into_data();
    validate_fields(&data)?;
    Ok(VerifiedPlate {
        data,
        issuer_key_id,
        format_version: token.version,
    })
}

/// Decode without verifying, to show what a plate claims next to the reason it failed. Never use it to trust a plate.
///
/// Lenient on purpose: the signature part may be missing, short or garbage and field limits are
/// not enforced, so a plate cut inside its signature still shows its address. A token with no
/// signature separator whose payload does not decode is reported as `Truncated`.
pub fn decode_unverified(qr_text: &str) -> Result<PlateData, PlateError> {
    if let Some(payload) = compact::find_payload(qr_text) {
        return compact::decode_unverified(payload);
    }
    let token = find_token(qr_text)?;
    let payload = match token.body.split_once('.') {
        Some((p, _)) => decode_payload(p)?,
        None => decode_payload(token.body).map_err(|_| PlateError::Truncated)?,
    };
    if payload.v != token.version {
        return Err(PlateError::Malformed(
            "payload version does not match token version".into(),
        ));
    }
    Ok(payload.into_data())
}

/// Verify the payload of a compact plate URL (the part after `/P/`), as the city
/// server's public page receives it.
pub fn verify_compact(
    payload: &str,
    trusted: &[IssuerPublicKey],
) -> Result<VerifiedPlate, PlateError> {
    compact::verify(payload, trusted)
}
