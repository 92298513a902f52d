//! Digital door plates (数字门牌): QR text carrying an address code signed by the city's issuer key,
//! so a phone can tell a genuine plate from a forged, altered or truncated one offline.
//! Format: `GFP1.<base64url payload JSON>.<base64url Ed25519 signature over "GFP1.<payload>">`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const PLATE_FORMAT_VERSION: u32 = 1;

/// Longest token accepted, so hostile input cannot make us decode arbitrarily large payloads.
pub const MAX_TOKEN_LEN: usize = 2048;
pub const MAX_CODE_CHARS: usize = 64;
pub const MAX_ADDRESS_TEXT_CHARS: usize = 200;

const SIGNATURE_LEN: usize = 64;
// 64 bytes in unpadded base64.
const SIGNATURE_B64_LEN: usize = 86;
const KEY_ID_HEX_LEN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlateData {
    pub address_code: String,
    pub plate_serial: String,
    pub grid_code: String,
    /// Public address text only; a plate is readable by anyone, so never personal data.
    pub address_text: String,
    pub issued_at: i64,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct IssuerPublicKey([u8; 32]);

impl IssuerPublicKey {
    /// Rejects encodings that are not curve points and weak (small-order) keys, which would
    /// otherwise let anyone produce signatures that verify.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, PlateError> {
        let vk = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| PlateError::InvalidKey("not a valid Ed25519 public key".into()))?;
        if vk.is_weak() {
            return Err(PlateError::InvalidKey(
                "weak (small-order) Ed25519 public key".into(),
            ));
        }
        Ok(Self(bytes))
    }

    pub fn from_hex(hex_str: &str) -> Result<Self, PlateError> {
        let raw = hex::decode(hex_str.trim())
            .map_err(|_| PlateError::InvalidKey("public key is not valid hex".into()))?;
        let bytes: [u8; 32] = raw
            .try_into()
            .map_err(|_| PlateError::InvalidKey("public key must be 32 bytes".into()))?;
        Self::from_bytes(bytes)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Lowercase hex of the first 8 bytes of SHA-256 of the key.
    pub fn key_id(&self) -> String {
        hex::encode(&Sha256::digest(self.0)[..8])
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn verifying_key(&self) -> Result<VerifyingKey, PlateError> {
        VerifyingKey::from_bytes(&self.0)
            .map_err(|_| PlateError::InvalidKey("not a valid Ed25519 public key".into()))
    }
}

/// Holds the issuer's secret key; lives on the city server (and in tests), not on phones.
pub struct PlateIssuer {
    key: SigningKey,
}

impl std::fmt::Debug for PlateIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the seed.
        f.debug_struct("PlateIssuer")
            .field("key_id", &self.public_key().key_id())
            .finish_non_exhaustive()
    }
}

impl PlateIssuer {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(&seed),
        }
    }

    pub fn generate() -> Result<Self, PlateError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| PlateError::RandomUnavailable(e.to_string()))?;
        let issuer = Self::from_seed(seed);
        seed.fill(0);
        Ok(issuer)
    }

    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn public_key(&self) -> IssuerPublicKey {
        IssuerPublicKey(self.key.verifying_key().to_bytes())
    }

    /// Returns the QR text for the plate.
    pub fn sign(&self, plate: &PlateData) -> Result<String, PlateError> {
        validate_fields(plate)?;
        let key_id = self.public_key().key_id();
        let payload = PayloadRef {
            v: PLATE_FORMAT_VERSION,
            k: &key_id,
            c: &plate.address_code,
            s: &plate.plate_serial,
            g: &plate.grid_code,
            a: &plate.address_text,
            t: plate.issued_at,
        };
        let json = serde_json::to_vec(&payload)
            .map_err(|_| PlateError::Malformed("payload could not be serialized".into()))?;
        let mut qr = format!("GFP{PLATE_FORMAT_VERSION}.");
        URL_SAFE_NO_PAD.encode_string(&json, &mut qr);
        let signature = self.key.sign(qr.as_bytes());
        qr.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.to_bytes(), &mut qr);
        if qr.len() > MAX_TOKEN_LEN {
            return Err(PlateError::Malformed(format!(
                "plate would be longer than {MAX_TOKEN_LEN} characters"
            )));
        }
        Ok(qr)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedPlate {
    pub data: PlateData,
    pub issuer_key_id: String,
    pub format_version: u32,
}

/// Verify against the trusted issuer keys (a city may rotate keys: several may be trusted).
///
/// Checks run in this order, so the reason reported is the first that applies: token found
/// (`NotAPlate`), version (`UnsupportedVersion`), length and structure (`Malformed`), missing or
/// short signature (`Truncated`), payload base64/JSON incl. a payload cut mid-way (`Malformed`),
/// issuer key id (`UnknownIssuer`), signature (`BadSignature`), then the payload's version and
/// field limits (`Malformed`).
pub fn verify(qr_text: &str, trusted: &[IssuerPublicKey]) -> Result<VerifiedPlate, PlateError> {
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

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PlateError {
    #[error("no door plate token found")]
    NotAPlate,
    #[error("unsupported door plate format version {0}")]
    UnsupportedVersion(u32),
    #[error("malformed door plate: {0}")]
    Malformed(String),
    #[error("door plate is truncated")]
    Truncated,
    #[error("door plate issued by unknown issuer key {0}")]
    UnknownIssuer(String),
    #[error("door plate signature is invalid")]
    BadSignature,
    #[error("invalid issuer key: {0}")]
    InvalidKey(String),
    #[error("system random number generator unavailable: {0}")]
    RandomUnavailable(String),
}

impl PlateError {
    pub fn code(&self) -> &'static str {
        match self {
            PlateError::NotAPlate => "plate_not_a_plate",
            PlateError::UnsupportedVersion(_) => "plate_unsupported_version",
            PlateError::Malformed(_) => "plate_malformed",
            PlateError::Truncated => "plate_truncated",
            PlateError::UnknownIssuer(_) => "plate_unknown_issuer",
            PlateError::BadSignature => "plate_bad_signature",
            PlateError::InvalidKey(_) => "plate_invalid_key",
            PlateError::RandomUnavailable(_) => "plate_random_unavailable",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            PlateError::NotAPlate => "这不是数字门牌二维码".into(),
            PlateError::UnsupportedVersion(v) => {
                format!("不支持的门牌格式版本（第{v}版），请更新应用后再扫描")
            }
            PlateError::Malformed(_) => "门牌二维码内容格式错误，无法识别".into(),
            PlateError::Truncated => "门牌二维码内容不完整，请重新扫描".into(),
            PlateError::UnknownIssuer(_) => {
                "门牌签发机构不在信任列表中：可能来自其他地区，也可能是伪造的".into()
            }
            PlateError::BadSignature => "门牌签名无效：此门牌可能是伪造或被篡改的".into(),
            PlateError::InvalidKey(_) => "签发机构公钥无效".into(),
            PlateError::RandomUnavailable(_) => "无法生成密钥：系统随机数不可用".into(),
        }
    }
}

// Field order here is the wire order.
#[derive(Serialize)]
struct PayloadRef<'a> {
    v: u32,
    k: &'a str,
    c: &'a str,
    s: &'a str,
    g: &'a str,
    a: &'a str,
    t: i64,
}

// Unknown fields are ignored for forward compatibility; every known field is required.
#[derive(Deserialize)]
struct Payload {
    v: u32,
    k: String,
    c: String,
    s: String,
    g: String,
    a: String,
    t: i64,
}

impl Payload {
    fn into_data(self) -> PlateData {
        PlateData {
            address_code: self.c,
            plate_serial: self.s,
            grid_code: self.g,
            address_text: self.a,
            issued_at: self.t,
        }
    }
}

struct Token<'a> {
    /// From `GFP` to the end of the token.
    text: &'a str,
    version: u32,
    /// Length of `GFP<version>.`.
    prefix_len: usize,
    /// Everything after the prefix.
    body: &'a str,
}

fn find_token(input: &str) -> Result<Token<'_>, PlateError> {
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

fn decode_signature(sig_b64: &str) -> Result<Signature, PlateError> {
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

fn decode_payload(payload_b64: &str) -> Result<Payload, PlateError> {
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

fn is_key_id(k: &str) -> bool {
    k.len() == KEY_ID_HEX_LEN && k.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn validate_fields(p: &PlateData) -> Result<(), PlateError> {
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

fn check_code(name: &str, value: &str) -> Result<(), PlateError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(start: u8) -> [u8; 32] {
        std::array::from_fn(|i| start + i as u8)
    }

    fn issuer() -> PlateIssuer {
        PlateIssuer::from_seed(seed(0x00))
    }

    fn other_issuer() -> PlateIssuer {
        PlateIssuer::from_seed(seed(0x20))
    }

    fn plate(n: u32) -> PlateData {
        PlateData {
            address_code: format!("320583-001-0012-03-02-{:04}", 500 + n),
            plate_serial: format!("KS-2026-{:06}", 123 + n),
            grid_code: "320583001003".into(),
            address_text: format!("建设路12号3栋2单元{}室", 500 + n),
            issued_at: 1_767_225_600 + i64::from(n),
        }
    }

    fn parts(qr: &str) -> (&str, &str) {
        let rest = qr.strip_prefix("GFP1.").unwrap();
        rest.split_once('.').unwrap()
    }

    fn flip(c: u8) -> u8 {
        if c == b'A' { b'B' } else { b'A' }
    }

    #[test]
    fn round_trip_with_chinese_address() {
        let issuer = issuer();
        let data = plate(1);
        assert_eq!(data.address_text, "建设路12号3栋2单元501室");
        let qr = issuer.sign(&data).unwrap();
        assert!(qr.starts_with("GFP1."));
        let v = verify(&qr, &[issuer.public_key()]).unwrap();
        assert_eq!(v.data, data);
        assert_eq!(v.issuer_key_id, issuer.public_key().key_id());
        assert_eq!(v.format_version, PLATE_FORMAT_VERSION);
        assert_eq!(decode_unverified(&qr).unwrap(), data);
        // Deterministic signatures make the QR text stable.
        assert_eq!(issuer.sign(&data).unwrap(), qr);
    }

    #[test]
    fn payload_is_compact_json_in_field_order() {
        let issuer = issuer();
        let qr = issuer.sign(&plate(1)).unwrap();
        let json = URL_SAFE_NO_PAD.decode(parts(&qr).0).unwrap();
        let expected = format!(
            r#"{{"v":1,"k":"{}","c":"320583-001-0012-03-02-0501","s":"KS-2026-000124","g":"320583001003","a":"建设路12号3栋2单元501室","t":1767225601}}"#,
            issuer.public_key().key_id()
        );
        assert_eq!(String::from_utf8(json).unwrap(), expected);
    }

    #[test]
    fn key_helpers() {
        let pk = issuer().public_key();
        assert_eq!(IssuerPublicKey::from_hex(&pk.to_hex()).unwrap(), pk);
        assert_eq!(IssuerPublicKey::from_bytes(*pk.as_bytes()).unwrap(), pk);
        assert_eq!(pk.key_id().len(), 16);
        assert_eq!(
            pk.key_id(),
            hex::encode(&Sha256::digest(pk.as_bytes())[..8])
        );
        assert_eq!(PlateIssuer::from_seed(issuer().seed()).public_key(), pk);
        assert!(!format!("{:?}", issuer()).contains(&hex::encode(seed(0))));
        assert_eq!(
            IssuerPublicKey::from_hex("zz").unwrap_err().code(),
            "plate_invalid_key"
        );
        assert_eq!(
            IssuerPublicKey::from_hex("0011").unwrap_err().code(),
            "plate_invalid_key"
        );
        // The identity point is a small-order (weak) key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            IssuerPublicKey::from_bytes(identity).unwrap_err().code(),
            "plate_invalid_key"
        );
        let generated = PlateIssuer::generate().unwrap();
        assert_ne!(generated.public_key(), pk);
    }

    #[test]
    fn altered_payload_is_rejected() {
        let issuer = issuer();
        let trusted = [issuer.public_key()];
        let qr = issuer.sign(&plate(1)).unwrap();
        let (p, _) = parts(&qr);
        // Flip every payload character in turn. Only a flip inside the key id can turn into
        // UnknownIssuer, since the key id is read before the signature is checked.
        let json = URL_SAFE_NO_PAD.decode(p).unwrap();
        let k_start = std::str::from_utf8(&json)
            .unwrap()
            .find("\"k\":\"")
            .unwrap()
            + 5;
        let k_chars = (k_start * 4 / 3).saturating_sub(2)..((k_start + 16) * 4 / 3 + 2);
        for i in 0..p.len() {
            let mut bytes = qr.clone().into_bytes();
            bytes[5 + i] = flip(bytes[5 + i]);
            let altered = String::from_utf8(bytes).unwrap();
            let err = verify(&altered, &trusted).unwrap_err();
            match err {
                PlateError::BadSignature | PlateError::Malformed(_) => {}
                PlateError::UnknownIssuer(_) if k_chars.contains(&i) => {}
                other => panic!("flip at {i}: unexpected {other:?}"),
            }
        }
        // A well-formed edit of the address is a plain bad signature.
        let edited = String::from_utf8(json).unwrap().replace("501室", "502室");
        let forged = format!("GFP1.{}.{}", URL_SAFE_NO_PAD.encode(edited), parts(&qr).1);
        assert_eq!(verify(&forged, &trusted), Err(PlateError::BadSignature));
        assert_eq!(
            decode_unverified(&forged).unwrap().address_text,
            "建设路12号3栋2单元502室"
        );
    }

    #[test]
    fn altered_signature_is_rejected() {
        let issuer = issuer();
        let qr = issuer.sign(&plate(1)).unwrap();
        let sig_start = qr.rfind('.').unwrap() + 1;
        for i in sig_start..qr.len() {
            let mut bytes = qr.clone().into_bytes();
            bytes[i] = flip(bytes[i]);
            let err = verify(&String::from_utf8(bytes).unwrap(), &[issuer.public_key()]);
            assert!(
                matches!(
                    err,
                    Err(PlateError::BadSignature | PlateError::Malformed(_))
                ),
                "{i}: {err:?}"
            );
        }
    }

    #[test]
    fn other_issuer_is_unknown() {
        let qr = other_issuer().sign(&plate(1)).unwrap();
        assert_eq!(
            verify(&qr, &[issuer().public_key()]),
            Err(PlateError::UnknownIssuer(
                other_issuer().public_key().key_id()
            ))
        );
        assert!(matches!(
            verify(&qr, &[]),
            Err(PlateError::UnknownIssuer(_))
        ));
    }

    #[test]
    fn spliced_signature_is_rejected() {
        let issuer = issuer();
        let a = issuer.sign(&plate(1)).unwrap();
        let b = issuer.sign(&plate(2)).unwrap();
        let spliced = format!("GFP1.{}.{}", parts(&b).0, parts(&a).1);
        assert_eq!(
            verify(&spliced, &[issuer.public_key()]),
            Err(PlateError::BadSignature)
        );
    }

    #[test]
    fn every_truncation_is_rejected() {
        let issuer = issuer();
        let trusted = [issuer.public_key()];
        let qr = issuer.sign(&plate(1)).unwrap();
        let payload_end = qr.rfind('.').unwrap();
        for len in 0..qr.len() {
            let cut = &qr[..len];
            let err = verify(cut, &trusted).unwrap_err();
            let expected = if len < 5 {
                PlateError::NotAPlate
            } else {
                PlateError::Truncated
            };
            assert_eq!(err, expected, "cut at {len}");
            let _ = decode_unverified(cut);
            if len > payload_end {
                // The payload is whole, so its claims can still be shown.
                assert_eq!(decode_unverified(cut).unwrap(), plate(1));
            }
        }
        let url = format!("https://plates.example.cn/p/{qr}");
        for (len, _) in url.char_indices() {
            assert!(verify(&url[..len], &trusted).is_err(), "url cut at {len}");
        }
    }

    #[test]
    fn wrapped_tokens_verify() {
        let issuer = issuer();
        let trusted = [issuer.public_key()];
        let qr = issuer.sign(&plate(1)).unwrap();
        for wrapped in [
            format!("  {qr}\n"),
            format!("https://plates.example.cn/p/{qr}"),
            format!("https://plates.example.cn/p/{qr}?src=scan#top"),
            format!("门牌 {qr}　扫码"),
            format!("GFPX GFP {qr}"),
        ] {
            assert_eq!(
                verify(&wrapped, &trusted).unwrap().data,
                plate(1),
                "{wrapped}"
            );
        }
    }

    #[test]
    fn rotated_keys_both_verify() {
        let (old, new) = (issuer(), other_issuer());
        let trusted = [old.public_key(), new.public_key()];
        let a = old.sign(&plate(1)).unwrap();
        let b = new.sign(&plate(2)).unwrap();
        assert_eq!(
            verify(&a, &trusted).unwrap().issuer_key_id,
            old.public_key().key_id()
        );
        assert_eq!(
            verify(&b, &trusted).unwrap().issuer_key_id,
            new.public_key().key_id()
        );
        assert_eq!(verify(&b, &trusted).unwrap().data, plate(2));
    }

    #[test]
    fn structural_errors() {
        let issuer = issuer();
        let trusted = [issuer.public_key()];
        let qr = issuer.sign(&plate(1)).unwrap();
        let (p, s) = parts(&qr);
        let code = |t: &str| verify(t, &trusted).unwrap_err().code();
        assert_eq!(code(""), "plate_not_a_plate");
        assert_eq!(code("https://example.cn/hello"), "plate_not_a_plate");
        assert_eq!(code("GFP.abc.def"), "plate_not_a_plate");
        assert_eq!(code(&format!("GFP2.{p}.{s}")), "plate_unsupported_version");
        assert_eq!(
            verify(&format!("GFP0.{p}.{s}"), &trusted),
            Err(PlateError::UnsupportedVersion(0))
        );
        assert_eq!(code(&format!("GFP01.{p}.{s}")), "plate_malformed");
        assert_eq!(code(&format!("GFP99999999999.{p}.{s}")), "plate_malformed");
        assert_eq!(code(&format!("GFP1.{p}.{s}.x")), "plate_malformed");
        assert_eq!(code(&format!("GFP1..{s}")), "plate_malformed");
        assert_eq!(code(&format!("GFP1.{p}!.{s}")), "plate_malformed");
        assert_eq!(code(&format!("GFP1.{p}.{s}A")), "plate_malformed");
        assert_eq!(code(&format!("GFP1.{p}.{}!", &s[..85])), "plate_malformed");
        assert_eq!(code(&format!("GFP1.{p}.{}", &s[..80])), "plate_truncated");
        assert_eq!(code(&format!("GFP1.{p}")), "plate_truncated");
        let long = format!("GFP1.{}.{s}", "A".repeat(MAX_TOKEN_LEN));
        assert_eq!(
            verify(&long, &trusted),
            Err(PlateError::Malformed(format!(
                "token longer than {MAX_TOKEN_LEN} characters"
            )))
        );
    }

    // Signs an arbitrary payload with the test issuer, bypassing `sign`'s checks.
    fn sign_raw(json: &str) -> String {
        let mut qr = format!("GFP1.{}", URL_SAFE_NO_PAD.encode(json));
        let sig = issuer().key.sign(qr.as_bytes());
        qr.push('.');
        qr.push_str(&URL_SAFE_NO_PAD.encode(sig.to_bytes()));
        qr
    }

    #[test]
    fn payload_content_rules() {
        let trusted = [issuer().public_key()];
        let k = issuer().public_key().key_id();
        let ok = format!(
            r#"{{"v":1,"k":"{k}","c":"c1","s":"s1","g":"g1","a":"","t":5,"x":{{"future":true}}}}"#
        );
        assert_eq!(verify(&sign_raw(&ok), &trusted).unwrap().data.issued_at, 5);

        let cases = [
            (
                format!(r#"{{"v":2,"k":"{k}","c":"c","s":"s","g":"g","a":"","t":5}}"#),
                "payload version does not match token version",
            ),
            (
                format!(r#"{{"v":1,"k":"{k}","c":"c","s":"s","g":"g","a":""}}"#),
                "payload JSON: missing field `t`",
            ),
            (
                format!(r#"{{"v":1,"k":"{k}","c":"c","c":"d","s":"s","g":"g","a":"","t":5}}"#),
                "payload JSON: duplicate field `c`",
            ),
            (
                format!(r#"{{"v":1,"k":"{k}","c":"","s":"s","g":"g","a":"","t":5}}"#),
                "address_code is empty",
            ),
            (
                format!(r#"{{"v":1,"k":"{k}","c":"c","s":"s","g":"g","a":"秘密","t":"5"}}"#),
                "payload JSON has a field of the wrong type",
            ),
            (
                format!(r#"[1,"{k}","c","s","g","",5]"#),
                "payload is not a JSON object",
            ),
            (
                format!(
                    r#"{{"v":1,"k":"{}","c":"c","s":"s","g":"g","a":"","t":5}}"#,
                    k.to_uppercase()
                ),
                "issuer key id is not 16 lowercase hex digits",
            ),
            (
                format!(r#"{{"v":1,"k":"{k}","c":"c","s":"s","g":"g","a":"","t":5"#),
                "payload JSON ends early",
            ),
        ];
        for (json, reason) in cases {
            assert_eq!(
                verify(&sign_raw(&json), &trusted),
                Err(PlateError::Malformed(reason.into())),
                "{json}"
            );
        }
    }

    #[test]
    fn sign_validates_fields() {
        let issuer = issuer();
        let mut p = plate(1);
        p.address_code.clear();
        assert_eq!(issuer.sign(&p).unwrap_err().code(), "plate_malformed");
        let mut p = plate(1);
        p.plate_serial = "号".repeat(65);
        assert_eq!(
            issuer.sign(&p).unwrap_err(),
            PlateError::Malformed("plate_serial longer than 64 characters".into())
        );
        let mut p = plate(1);
        p.grid_code = String::new();
        assert!(issuer.sign(&p).is_err());
        let mut p = plate(1);
        p.address_text = "路".repeat(200);
        p.address_code = "码".repeat(64);
        assert!(verify(&issuer.sign(&p).unwrap(), &[issuer.public_key()]).is_ok());
        p.address_text.push('路');
        assert_eq!(issuer.sign(&p).unwrap_err().code(), "plate_malformed");
        // Within every field limit but too long once encoded.
        let mut p = plate(1);
        p.address_code = "😀".repeat(64);
        p.plate_serial = "😀".repeat(64);
        p.grid_code = "😀".repeat(64);
        p.address_text = "😀".repeat(200);
        assert!(matches!(issuer.sign(&p), Err(PlateError::Malformed(m)) if m.contains("2048")));
    }

    #[test]
    fn random_mutations_never_verify() {
        let issuer = issuer();
        let trusted = [issuer.public_key()];
        let qr = issuer.sign(&plate(1)).unwrap();
        let alphabet =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%GFP\"{}";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut bytes = qr.clone().into_bytes();
            for _ in 0..1 + next() % 3 {
                let pos = (next() as usize) % (bytes.len() + 1);
                let ch = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if pos < bytes.len() => bytes[pos] = ch,
                    1 if pos < bytes.len() => {
                        bytes.remove(pos);
                    }
                    _ => bytes.insert(pos, ch),
                }
            }
            let mutated = String::from_utf8(bytes).unwrap();
            let _ = decode_unverified(&mutated);
            if let Ok(v) = verify(&mutated, &trusted) {
                // Only junk prepended before the token may leave it intact.
                assert!(mutated.ends_with(&qr), "{mutated}");
                assert_eq!(v.data, plate(1));
            }
        }
    }

    #[test]
    fn error_codes_and_messages() {
        let all = [
            PlateError::NotAPlate,
            PlateError::UnsupportedVersion(2),
            PlateError::Malformed("x".into()),
            PlateError::Truncated,
            PlateError::UnknownIssuer("0011223344556677".into()),
            PlateError::BadSignature,
            PlateError::InvalidKey("x".into()),
            PlateError::RandomUnavailable("x".into()),
        ];
        let mut codes: Vec<_> = all.iter().map(PlateError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("plate_")));
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert_eq!(
            PlateError::BadSignature.message_zh(),
            "门牌签名无效：此门牌可能是伪造或被篡改的"
        );
        assert!(
            all.iter()
                .all(|e| !e.message_zh().is_empty() && e.to_string().is_ascii())
        );
    }
}
