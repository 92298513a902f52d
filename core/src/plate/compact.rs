//! Compact plates (format 3): a short binary payload signed with Ed25519 and
//! written inside an `https://<city server>/P/<payload>` URL, so the QR code stays
//! small (QR alphanumeric mode) and an ordinary phone scan opens the public page.
//!
//! Payload bytes: `[3][key id: 2][issue day: u16 BE][code][serial]` then the 64-byte
//! signature over everything before it. `code` and `serial` are packed strings
//! (`pack`); the serial may say "same as the address code", or be a known prefix
//! followed by its digits as an integer (`SERIAL_PREFIXES`), which keeps a demo-city
//! plate at QR version 6. The address text is not on the plate: it comes from the
//! register. Format 2 (no prefixed serials) was never printed and is not read.
//!
//! Text: base45's construction (RFC 9285: 2 bytes → 3 characters) over a 41-character
//! alphabet, the QR alphanumeric set minus space, `%`, `/` and `.`, which a URL path
//! cannot carry verbatim.

use ed25519_dalek::{Signature, Signer as _};

use super::token::check_code;
use super::{IssuerPublicKey, PlateData, PlateError, PlateIssuer, VerifiedPlate};

pub const COMPACT_FORMAT_VERSION: u32 = 3;
/// Path segment before the payload; matched case-insensitively (the QR is upper case).
pub const URL_PATH: &str = "/P/";
const ALPHABET: &[u8; 41] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-:";
/// Leading bytes of the issuer's key id: they pick the trusted keys to try (a
/// collision costs one more signature check, never a wrong verdict).
const KEY_ID_LEN: usize = 2;
const SIG_LEN: usize = 64;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + 2;
const SECONDS_PER_DAY: i64 = 86_400;
/// Longest payload text read, so hostile input stays cheap.
const MAX_TEXT_LEN: usize = 600;

// String packings: digits and dashes (address codes), upper-case codes, raw UTF-8.
const DIGITS: &[u8] = b"0123456789-";
const UPPER: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-._";
const PACK_DIGITS: u8 = 0;
const PACK_UPPER: u8 = 1;
const PACK_RAW: u8 = 2;
/// Serial only: with length bits 0 "the same as the address code" (the plate
/// serial defaults to it); with length bits n ≥ 1 entry n − 1 of `SERIAL_PREFIXES`.
const PACK_SAME: u8 = 3;
/// Serial prefixes issued in the field and the count of zero-padded digits after
/// them: a serial `<prefix><digits>` is written as its table entry and the digits as
/// a big-endian integer (`KS-2026-000123`: 4 bytes instead of 11). Entries are only
/// ever appended (a plate names its entry by position); any other serial is packed
/// as a string.
const SERIAL_PREFIXES: &[(&str, usize)] = &[
    ("KS-2024-", 6),
    ("KS-2025-", 6),
    ("KS-2026-", 6),
    ("KS-2027-", 6),
    ("KS-2028-", 6),
];

/// Encode bytes in the URL-safe base45 construction described above.
pub fn encode_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() / 2 * 3 + 2);
    for pair in bytes.chunks(2) {
        let (mut n, width) = match pair {
            [a, b] => (usize::from(*a) * 256 + usize::from(*b), 3),
            [a] => (usize::from(*a), 2),
            _ => unreachable!("chunks(2)"),
        };
        for _ in 0..width {
            out.push(char::from(ALPHABET[n % 41]));
            n /= 41;
        }
    }
    out
}

/// Decode text from `encode_text`; lower case is accepted (a URL may be folded).
pub fn decode_text(text: &str) -> Result<Vec<u8>, PlateError> {
    let digits = text
        .bytes()
        .map(|c| {
            ALPHABET
                .iter()
                .position(|&a| a == c.to_ascii_uppercase())
                .ok_or_else(|| {
                    PlateError::Malformed("payload has a character outside its alphabet".into())
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if digits.len() % 3 == 1 {
        return Err(PlateError::Truncated);
    }
    let mut out = Vec::with_capacity(digits.len() / 3 * 2 + 1);
    for group in digits.chunks(3) {
        let n = group.iter().rev().fold(0usize, |n, d| n * 41 + d);
        match group.len() {
            3 if n <= 0xFFFF => out.extend_from_slice(&(n as u16).to_be_bytes()),
            2 if n <= 0xFF => out.push(n as u8),
            // A two-character group too large for one byte is a three-character group cut short.
            2 => return Err(PlateError::Truncated),
            _ => return Err(PlateError::Malformed("payload group out of range".into())),
        }
    }
    Ok(out)
}

/// The compact payload in scanned text (`…/P/<payload>`), if the text looks like a
/// compact plate: its first byte names a format from 2 to 15 (anything else under `/P/`
/// is some other link, or a first-format token, and is not ours to judge here).
pub(super) fn find_payload(input: &str) -> Option<&str> {
    let upper = input.to_ascii_uppercase();
    let scheme = upper.find("HTTPS://").or_else(|| upper.find("HTTP://"))?;
    let after = scheme + upper[scheme..].find("://")? + 3;
    let rel = upper[after..].find(URL_PATH)?;
    let start = after + rel + URL_PATH.len();
    let end = input[start..]
        .find(|c: char| c.is_whitespace() || matches!(c, '?' | '#' | '/'))
        .map_or(input.len(), |i| start + i);
    let payload = &input[start..end];
    let first = decode_text(payload.get(..3)?).ok()?;
    (2..=15).contains(&first[0]).then_some(payload)
}

/// The plate's URL: `<base>/P/<payload>`, upper-cased so the whole code is alphanumeric.
pub(super) fn sign(
    issuer: &PlateIssuer,
    base_url: &str,
    plate: &PlateData,
) -> Result<String, PlateError> {
    let base = base_url.trim_end_matches('/');
    if !base.to_ascii_lowercase().starts_with("https://") || base.len() <= "https://".len() {
        return Err(PlateError::Malformed(
            "plate URL must start with https://".into(),
        ));
    }
    check_code("address_code", &plate.address_code)?;
    check_code("plate_serial", &plate.plate_serial)?;
    let day = u16::try_from(plate.issued_at.div_euclid(SECONDS_PER_DAY))
        .map_err(|_| PlateError::Malformed("issue date out of range".into()))?;
    let key_id = issuer.public_key().key_id();
    let mut bytes = vec![COMPACT_FORMAT_VERSION as u8];
    bytes.extend_from_slice(&hex::decode(&key_id[..KEY_ID_LEN * 2]).expect("key id is hex"));
    bytes.extend_from_slice(&day.to_be_bytes());
    pack(&plate.address_code, &mut bytes)?;
    pack_serial(&plate.plate_serial, &plate.address_code, &mut bytes)?;
    let signature = issuer.key.sign(&bytes);
    bytes.extend_from_slice(&signature.to_bytes());
    Ok(format!(
        "{}{URL_PATH}{}",
        base.to_ascii_uppercase(),
        encode_text(&bytes)
    ))
}

/// Verify a compact payload's text (the part after `/P/`). Reasons in the same
/// order as format 1: version, truncation and structure, issuer, signature.
pub(super) fn verify(text: &str, trusted: &[IssuerPublicKey]) -> Result<VerifiedPlate, PlateError> {
    if text.len() > MAX_TEXT_LEN {
        return Err(PlateError::Malformed("payload too long".into()));
    }
    let bytes = decode_text(text)?;
    let (data, message_len) = parse(&bytes)?;
    let (message, sig) = bytes.split_at(message_len);
    let signature: [u8; SIG_LEN] = match sig.len() {
        SIG_LEN => sig.try_into().expect("length checked"),
        n if n < SIG_LEN => return Err(PlateError::Truncated),
        _ => return Err(PlateError::Malformed("payload has trailing bytes".into())),
    };
    let signature = Signature::from_bytes(&signature);
    let key_id = hex::encode(&bytes[1..1 + KEY_ID_LEN]);
    let mut known = false;
    for key in trusted.iter().filter(|k| k.key_id().starts_with(&key_id)) {
        known = true;
        if key
            .verifying_key()?
            .verify_strict(message, &signature)
            .is_ok()
        {
            return Ok(VerifiedPlate {
                data,
                issuer_key_id: key.key_id(),
                format_version: COMPACT_FORMAT_VERSION,
            });
        }
    }
    Err(if known {
        PlateError::BadSignature
    } else {
        PlateError::UnknownIssuer(key_id)
    })
}

/// What a compact plate claims, unverified (to show beside the reason it failed).
pub(super) fn decode_unverified(text: &str) -> Result<PlateData, PlateError> {
    if text.len() > MAX_TEXT_LEN {
        return Err(PlateError::Malformed("payload too long".into()));
    }
    Ok(parse(&decode_text(text)?)?.0)
}

/// The signed part parsed into plate data, and its length (the signature follows).
/// The address text and grid are not on a compact plate: they stay empty here and
/// come from the register.
fn parse(bytes: &[u8]) -> Result<(PlateData, usize), PlateError> {
    let Some(&version) = bytes.first() else {
        return Err(PlateError::Truncated);
    };
    if u32::from(version) != COMPACT_FORMAT_VERSION {
        return Err(PlateError::UnsupportedVersion(u32::from(version)));
    }
    if bytes.len() < HEADER_LEN {
        return Err(PlateError::Truncated);
    }
    let day = u16::from_be_bytes([bytes[1 + KEY_ID_LEN], bytes[2 + KEY_ID_LEN]]);
    let mut rest = &bytes[HEADER_LEN..];
    let address_code = unpack(&mut rest, None)?;
    let plate_serial = unpack(&mut rest, Some(&address_code))?;
    let data = PlateData {
        address_code,
        plate_serial,
        grid_code: String::new(),
        address_text: String::new(),
        issued_at: i64::from(day) * SECONDS_PER_DAY,
    };
    check_code("address_code", &data.address_code)?;
    check_code("plate_serial", &data.plate_serial)?;
    Ok((data, bytes.len() - rest.len()))
}

/// The serial: "same as the code", a prefixed number, or a packed string.
fn pack_serial(serial: &str, code: &str, out: &mut Vec<u8>) -> Result<(), PlateError> {
    if serial == code {
        out.push(PACK_SAME << 6);
        return Ok(());
    }
    for (i, (prefix, width)) in SERIAL_PREFIXES.iter().enumerate() {
        let Some(digits) = serial.strip_prefix(prefix) else {
            continue;
        };
        if digits.len() == *width && digits.bytes().all(|b| b.is_ascii_digit()) {
            out.push(PACK_SAME << 6 | (i + 1) as u8);
            out.extend(to_radix_bytes(digits, &DIGITS[..10]));
            return Ok(());
        }
    }
    pack(serial, out)
}

/// Header byte: packing (2 bits) and length − 1 (6 bits); then the packed value.
fn pack(s: &str, out: &mut Vec<u8>) -> Result<(), PlateError> {
    let alphabet = if s.bytes().all(|b| DIGITS.contains(&b)) {
        PACK_DIGITS
    } else if s.bytes().all(|b| UPPER.contains(&b)) {
        PACK_UPPER
    } else {
        PACK_RAW
    };
    let len = if alphabet == PACK_RAW {
        s.len()
    } else {
        s.chars().count()
    };
    if len == 0 || len > 64 {
        return Err(PlateError::Malformed("code must be 1 to 64 bytes".into()));
    }
    out.push(alphabet << 6 | (len - 1) as u8);
    match alphabet {
        PACK_DIGITS => out.extend(to_radix_bytes(s, DIGITS)),
        PACK_UPPER => out.extend(to_radix_bytes(s, UPPER)),
        _ => out.extend_from_slice(s.as_bytes()),
    }
    Ok(())
}

fn unpack(rest: &mut &[u8], same: Option<&str>) -> Result<String, PlateError> {
    let (&head, tail) = rest.split_first().ok_or(PlateError::Truncated)?;
    let len = usize::from(head & 0x3F) + 1;
    let (alphabet, width) = match head >> 6 {
        PACK_DIGITS => (DIGITS, packed_len(len, DIGITS.len())),
        PACK_UPPER => (UPPER, packed_len(len, UPPER.len())),
        PACK_RAW => (&b""[..], len),
        _ => {
            let s = same.ok_or_else(|| {
                PlateError::Malformed("address code cannot refer to itself".into())
            })?;
            *rest = tail;
            return match usize::from(head & 0x3F) {
                0 => Ok(s.to_string()),
                entry => unpack_prefixed(rest, entry - 1),
            };
        }
    };
    if tail.len() < width {
        return Err(PlateError::Truncated);
    }
    let (value, tail) = tail.split_at(width);
    *rest = tail;
    if alphabet.is_empty() {
        return String::from_utf8(value.to_vec())
            .map_err(|_| PlateError::Malformed("code is not UTF-8".into()));
    }
    from_radix_bytes(value, len, alphabet)
}

/// A prefixed serial: its table entry's prefix and the zero-padded number after it.
fn unpack_prefixed(rest: &mut &[u8], entry: usize) -> Result<String, PlateError> {
    let &(prefix, width) = SERIAL_PREFIXES
        .get(entry)
        .ok_or_else(|| PlateError::Malformed("unknown serial prefix".into()))?;
    let bytes = packed_len(width, 10);
    if rest.len() < bytes {
        return Err(PlateError::Truncated);
    }
    let (value, tail) = rest.split_at(bytes);
    *rest = tail;
    Ok(format!(
        "{prefix}{}",
        from_radix_bytes(value, width, &DIGITS[..10])?
    ))
}

/// Bytes needed for `len` digits in `radix`: the least n with 256^n ≥ radix^len.
fn packed_len(len: usize, radix: usize) -> usize {
    let mut max = vec![1u8];
    for _ in 0..len {
        mul_add(&mut max, radix as u32, 0);
    }
    // max = radix^len; values are < max, so they need the bytes of max − 1.
    sub_one(&mut max);
    max.iter().skip_while(|&&b| b == 0).count().max(1)
}

fn to_radix_bytes(s: &str, alphabet: &[u8]) -> Vec<u8> {
    let mut n = vec![0u8];
    for b in s.bytes() {
        let d = alphabet
            .iter()
            .position(|&a| a == b)
            .expect("checked alphabet");
        mul_add(&mut n, alphabet.len() as u32, d as u32);
    }
    let width = packed_len(s.len(), alphabet.len());
    let digits: Vec<u8> = n.into_iter().skip_while(|&b| b == 0).collect();
    let mut out = vec![0u8; width - digits.len()];
    out.extend(digits);
    out
}

fn from_radix_bytes(value: &[u8], len: usize, alphabet: &[u8]) -> Result<String, PlateError> {
    let radix = alphabet.len() as u32;
    let mut n = value.to_vec();
    let mut out = vec![0u8; len];
    for slot in out.iter_mut().rev() {
        let mut rem = 0u32;
        for b in n.iter_mut() {
            let cur = rem * 256 + u32::from(*b);
            *b = (cur / radix) as u8;
            rem = cur % radix;
        }
        *slot = alphabet[rem as usize];
    }
    if n.iter().any(|&b| b != 0) {
        return Err(PlateError::Malformed("packed code out of range".into()));
    }
    Ok(String::from_utf8(out).expect("ASCII alphabet"))
}

// Big-endian n = n * m + a.
fn mul_add(n: &mut Vec<u8>, m: u32, a: u32) {
    let mut carry = a;
    for b in n.iter_mut().rev() {
        let cur = u32::from(*b) * m + carry;
        *b = cur as u8;
        carry = cur >> 8;
    }
    while carry > 0 {
        n.insert(0, carry as u8);
        carry >>= 8;
    }
}

fn sub_one(n: &mut [u8]) {
    for b in n.iter_mut().rev() {
        if *b > 0 {
            *b -= 1;
            return;
        }
        *b = 0xFF;
    }
}
