//! Digital door plates (数字门牌): QR text carrying an address code signed by the city's issuer key,
//! so a phone can tell a genuine plate from a forged, altered or truncated one offline.
//! Formats: compact plates (format 3, `compact`): `https://<city server>/P/<signed binary
//! payload>`; and the first plates, still readable:
//! `GFP1.<base64url payload JSON>.<base64url Ed25519 signature over "GFP1.<payload>">`.

mod compact;
mod error;
mod issuer;
pub mod legacy;
mod token;
mod verdict;
mod verify;

use serde::{Deserialize, Serialize};

pub use compact::{COMPACT_FORMAT_VERSION, URL_PATH, decode_text, encode_text};
pub use error::PlateError;
pub use issuer::{IssuerPublicKey, PlateIssuer};
pub use verdict::{Placement, PlateVerdict, VerdictKind, verdict};
pub use verify::{decode_unverified, verify, verify_compact};

pub const PLATE_FORMAT_VERSION: u32 = 1;

/// Longest token accepted, so hostile input cannot make us decode arbitrarily large payloads.
pub const MAX_TOKEN_LEN: usize = 2048;
pub const MAX_CODE_CHARS: usize = 64;
pub const MAX_ADDRESS_TEXT_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlateData {
    pub address_code: String,
    pub plate_serial: String,
    pub grid_code: String,
    /// Public address text only; a plate is readable by anyone, so never personal data.
    pub address_text: String,
    pub issued_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedPlate {
    pub data: PlateData,
    pub issuer_key_id: String,
    pub format_version: u32,
}

#[cfg(test)]
mod tests;
