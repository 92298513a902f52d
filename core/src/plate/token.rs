//! The token format `GFP1.<payload>.<signature>`: finding it in scanned text,
//! decoding its parts, and the limits on its fields.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};

use super::{
    MAX_ADDRESS_TEXT_CHARS, MAX_CODE_CHARS, MAX_TOKEN_LEN, PLATE_FORMAT_VERSION, PlateData,
    PlateError,
};

const SIGNATURE_LEN: usize = 64;
// 64 bytes in unpadded base64.
const SIGNATURE_B64_LEN: usize = 86;
const KEY_ID_HEX_LEN: usize = 16;

// Field order here is the wire order.
#[derive(Serialize)]
pub(super) struct PayloadRef<'a> {
    pub(super) v: u32,
    pub(super) k: &'a str,
    pub(super) c: &'a str,
    pub(super) s: &'a str,
    pub(super) g: &'a str,
    pub(super) a: &'a str,
    pub(super) t: i64,
}

// Unknown fields are ignored for forward compatibility; every known field is required.
#[derive(Deserialize)]
pub(super) struct Payload {
    pub(super) v: u32,
    pub(super) k: String,
    pub(super) c: String,
    pub(super) s: String,
    pub(super) g: String,
    pub(super) a: String,
    pub(super) t: i64,
}

impl Payload {
    pub(super) fn into_data(self) -> PlateData {
        PlateData {
            address_code: self.c,
            plate_serial: self.s,
            grid_code: self.g,
            address_text: self.a,
            issued_at: self.t,
        }
    }
}

pub(super) struct Token<'a> {
    /// From `GFP` to the end of the token.
    pub(super) text: &'a str,
    pub(super) version: u32,
    /// Length of `GFP<version>.`.
    pub(super) prefix_len: usize,
    /// Everything after the prefix.
    pub(super) body: &'a str,
}

pub(super) fn find_token(input: &str) -> Result<Token<'_>, PlateError> {
    let bytes = input.as_bytes();
    let mut from = 0;
    while let Some(rel) = input[from..].find("GFP") {
        let start = from + rel;
        let digits_start = start + 3;
        let digits_len = bytes[digits_start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits_len == 0 || bytes.get(digits_start + digits_len) != Some(&b'.') {
            from = digits_start;
            continue;
        }
        let end = input[start..]
            .find(|c: char| c.is_whitespace() || c == '?' || c == '#')
            .map_or(input.len(), |i| start + i);
        let text = &input[start..end];
        let digits = &input[digits_start..digits_start + digits_len];
        if digits.len() > 1 && digits.starts_with('0') {
            return Err(PlateError::Malformed(
                "version number has leading zeros".into(),
            ));
        }
        let version: u32 = digits
            .parse()
            .map_err(|_| PlateError::Malformed("version number out of range".into()))?;
        if version != PLATE_FORMAT_VERSION {
            return Err(PlateError::UnsupportedVersion(version));
        }
        if text.len() > MAX_TOKEN_LEN {
            return Err(PlateError::Malformed(format!(
                "token longer than {MAX_TOKEN_LEN} characters"
            )));
        }
        let prefix_len = 3 + digits_len + 1;
        return Ok(Token {
            text,
            version,
            prefix_len,
            body: &text[prefix_len..],
        });
    }
    Err(PlateError::NotAPlate)
}

fn is_base64url_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

pub(super) fn decode_signature(sig_b64: &str) -> Result<Signature, PlateError> {
    // A short run of clean base64url is what a cut-off scan looks like; anything else is damage.
    if sig_b64.len() < SIGNATURE_B64_LEN && sig_b64.bytes().all(is_base64url_char) {
        return Err(PlateError::Truncated);
    }
    if sig_b64.len() != SIGNATURE_B64_LEN {
        return Err(PlateError::Malformed(
            "signature has the wrong length".into(),
        ));
    }
    let raw = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .map_err(|_| PlateError::Malformed("signature is not valid base64url".into()))?;
    let bytes: [u8; SIGNATURE_LEN] = raw
        .try_into()
        .map_err(|_| PlateError::Malformed("signature has the wrong length".into()))?;
    Ok(Signature::from_bytes(&bytes))
}

pub(super) fn decode_payload(payload_b64: &str) -> Result<Payload, PlateError> {
    if payload_b64.is_empty() {
        return Err(PlateError::Malformed("payload is empty".into()));
    }
    // The strict engine also rejects non-canonical trailing bits.
    let json = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| PlateError::Malformed("payload is not valid base64url".into()))?;
    // serde would also accept a JSON array for a struct; only the object form is the format.
    if json.first() != Some(&b'{') {
        return Err(PlateError::Malformed("payload is not a JSON object".into()));
    }
    serde_json::from_slice(&json).map_err(|e| PlateError::Malformed(json_error_reason(&e)))
}

// serde_json messages can quote field values; keep only reasons that name our own fields.
fn json_error_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "payload JSON ends early".into(),
        Category::Syntax => "payload is not valid JSON".into(),
        Category::Io => "payload could not be read".into(),
        Category::Data => {
            let msg = e.to_string();
            if msg.starts_with("missing field `") || msg.starts_with("duplicate field `") {
                let head = msg.split(" at line ").next().unwrap_or("field error");
                format!("payload JSON: {head}")
            } else {
                "payload JSON has a field of the wrong type".into()
            }
        }
    }
}

pub(super) fn is_key_id(k: &str) -> bool {
    k.len() == KEY_ID_HEX_LEN && k.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(super) fn validate_fields(p: &PlateData) -> Result<(), PlateError> {
    check_code("address_code", &p.address_code)?;
    check_code("plate_serial", &p.plate_serial)?;
    check_code("grid_code", &p.grid_code)?;
    if p.address_text.chars().count() > MAX_ADDRESS_TEXT_CHARS {
        return Err(PlateError::Malformed(format!(
            "address_text longer than {MAX_ADDRESS_TEXT_CHARS} characters"
        )));
    }
    Ok(())
}

pub(super) fn check_code(name: &str, value: &str) -> Result<(), PlateError> {
    if value.is_empty() {
        return Err(PlateError::Malformed(format!("{name} is empty")));
    }
    if value.chars().count() > MAX_CODE_CHARS {
        return Err(PlateError::Malformed(format!(
            "{name} longer than {MAX_CODE_CHARS} characters"
        )));
    }
    Ok(())
}
