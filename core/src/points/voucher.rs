//! 代金券 (vouchers): a volunteer's phone signs them offline; a shop verifies them
//! offline with the plates' signature check. Keys, decided: each volunteer device
//! makes its own Ed25519 key (the secret never leaves the phone) and the city
//! server certifies the public key with its plate issuer key when the device
//! syncs its points. A voucher carries that certificate, so a shop that trusts
//! the city's issuer keys (as it does for plates) needs nothing else.
//!
//! Token: `GFV1.<base64url JSON payload>.<base64url device signature>`, the
//! signature over everything before the last dot.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::plate::{IssuerPublicKey, PlateIssuer};

pub const PREFIX: &str = "GFV1.";
/// Most points one voucher may carry.
pub const MAX_AMOUNT: i64 = 500;
/// How long a voucher is good for, by default.
pub const DEFAULT_VALIDITY_MS: i64 = 30 * 24 * 3600 * 1000;

/// The city server's word that `key` is `volunteer`'s key on `device`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoucherKeyCert {
    pub volunteer: String,
    pub device: String,
    /// The device's Ed25519 public key, hex.
    pub key: String,
    /// The issuer key id that signed this certificate.
    pub kid: String,
    /// base64url Ed25519 signature by the issuer over [`cert_message`].
    pub sig: String,
}

fn cert_message(volunteer: &str, device: &str, key: &str) -> String {
    format!("GFVK1|{volunteer}|{device}|{key}")
}

impl VoucherKeyCert {
    /// The server certifies a device's key (checked to be a sound Ed25519 key).
    pub fn certify(
        issuer: &PlateIssuer,
        volunteer: &str,
        device: &str,
        key_hex: &str,
    ) -> Result<VoucherKeyCert, VoucherError> {
        let key = IssuerPublicKey::from_hex(key_hex).map_err(|_| VoucherError::Malformed)?;
        let sig = issuer.sign_message(cert_message(volunteer, device, &key.to_hex()).as_bytes());
        Ok(VoucherKeyCert {
            volunteer: volunteer.into(),
            device: device.into(),
            key: key.to_hex(),
            kid: issuer.public_key().key_id(),
            sig: URL_SAFE_NO_PAD.encode(sig),
        })
    }
}

/// What a voucher says, once verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Voucher {
    pub v: u8,
    pub id: String,
    pub volunteer: String,
    pub device: String,
    pub amount: i64,
    /// The shop it is good at; `None`: any designated shop.
    pub shop: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub cert: VoucherKeyCert,
}

/// Why a voucher is not good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoucherError {
    NotAVoucher,
    Malformed,
    /// The certificate's issuer is not one the verifier trusts.
    UnknownIssuer,
    /// The certificate was not signed by the issuer (a key not ours).
    BadCertificate,
    /// The voucher was altered or not signed by the certified key.
    BadSignature,
    Expired,
    /// Good at another shop only.
    WrongShop,
}

impl VoucherError {
    pub const ALL: [VoucherError; 7] = [
        VoucherError::NotAVoucher,
        VoucherError::Malformed,
        VoucherError::UnknownIssuer,
        VoucherError::BadCertificate,
        VoucherError::BadSignature,
        VoucherError::Expired,
        VoucherError::WrongShop,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            VoucherError::NotAVoucher => "voucher.not_a_voucher",
            VoucherError::Malformed => "voucher.malformed",
            VoucherError::UnknownIssuer => "voucher.unknown_issuer",
            VoucherError::BadCertificate => "voucher.bad_certificate",
            VoucherError::BadSignature => "voucher.bad_signature",
            VoucherError::Expired => "voucher.expired",
            VoucherError::WrongShop => "voucher.wrong_shop",
        }
    }

    pub fn message(&self, lang: Lang) -> &'static str {
        match self {
            VoucherError::NotAVoucher => lang.pick("这不是积分代金券", "not a points voucher"),
            VoucherError::Malformed => lang.pick("代金券内容不完整或已损坏", "voucher is damaged"),
            VoucherError::UnknownIssuer => {
                lang.pick("代金券签发机构未知", "voucher from an unknown issuer")
            }
            VoucherError::BadCertificate => lang.pick(
                "代金券的设备证书是伪造的",
                "voucher's device certificate is forged",
            ),
            VoucherError::BadSignature => lang.pick(
                "代金券签名无效（被篡改）",
                "voucher signature invalid (altered)",
            ),
            VoucherError::Expired => lang.pick("代金券已过期", "voucher has expired"),
            VoucherError::WrongShop => lang.pick(
                "该代金券不能在本商户使用",
                "voucher is not valid at this shop",
            ),
        }
    }
}

impl std::fmt::Display for VoucherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message(Lang::En))
    }
}

/// Sign a voucher on the phone with its certified key.
pub fn issue(key: &PlateIssuer, v: &Voucher) -> Result<String, VoucherError> {
    if key.public_key().to_hex() != v.cert.key {
        return Err(VoucherError::BadCertificate);
    }
    let json = serde_json::to_vec(v).map_err(|_| VoucherError::Malformed)?;
    let mut token = PREFIX.to_string();
    URL_SAFE_NO_PAD.encode_string(&json, &mut token);
    let sig = key.sign_message(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(sig, &mut token);
    Ok(token)
}

/// Decode without checking anything (to show what a rejected voucher claims).
pub fn decode_unverified(text: &str) -> Result<Voucher, VoucherError> {
    Ok(split(text)?.1)
}

fn split(text: &str) -> Result<(&str, Voucher, Vec<u8>), VoucherError> {
    let text = text.trim();
    let start = text.find(PREFIX).ok_or(VoucherError::NotAVoucher)?;
    let token = &text[start..];
    let (signed, sig) = token.rsplit_once('.').ok_or(VoucherError::Malformed)?;
    let body = signed
        .strip_prefix(PREFIX)
        .filter(|b| !b.is_empty())
        .ok_or(VoucherError::Malformed)?;
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| VoucherError::Malformed)?;
    let v: Voucher = serde_json::from_slice(&json).map_err(|_| VoucherError::Malformed)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| VoucherError::Malformed)?;
    if v.v != 1 || sig.len() != 64 {
        return Err(VoucherError::Malformed);
    }
    Ok((signed, v, sig))
}

/// Verify offline against the trusted issuer keys (the plates' keys), at `now`
/// (ms), at `shop` (`None`: don't judge the shop). Order: shape, issuer,
/// certificate, signature, expiry, shop.
pub fn verify(
    text: &str,
    trusted: &[IssuerPublicKey],
    now: i64,
    shop: Option<&str>,
) -> Result<Voucher, VoucherError> {
    let (signed, v, sig) = split(text)?;
    let c = &v.cert;
    if c.volunteer != v.volunteer || c.device != v.device {
        return Err(VoucherError::BadCertificate);
    }
    let issuers: Vec<_> = trusted.iter().filter(|k| k.key_id() == c.kid).collect();
    if issuers.is_empty() {
        return Err(VoucherError::UnknownIssuer);
    }
    let cert_sig = URL_SAFE_NO_PAD
        .decode(&c.sig)
        .map_err(|_| VoucherError::Malformed)?;
    let msg = cert_message(&c.volunteer, &c.device, &c.key);
    if !issuers
        .iter()
        .any(|k| k.verifies(msg.as_bytes(), &cert_sig))
    {
        return Err(VoucherError::BadCertificate);
    }
    let device_key = IssuerPublicKey::from_hex(&c.key).map_err(|_| VoucherError::BadCertificate)?;
    if !device_key.verifies(signed.as_bytes(), &sig) {
        return Err(VoucherError::BadSignature);
    }
    if now >= v.expires_at {
        return Err(VoucherError::Expired);
    }
    if let (Some(at), Some(only)) = (shop, v.shop.as_deref())
        && at != only
    {
        return Err(VoucherError::WrongShop);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (PlateIssuer, PlateIssuer, Voucher) {
        let city = PlateIssuer::from_seed([7; 32]);
        let phone = PlateIssuer::from_seed([9; 32]);
        let cert =
            VoucherKeyCert::certify(&city, "vol1", "dev1", &phone.public_key().to_hex()).unwrap();
        let v = Voucher {
            v: 1,
            id: "vc-1".into(),
            volunteer: "vol1".into(),
            device: "dev1".into(),
            amount: 20,
            shop: Some("shop-a".into()),
            issued_at: 1_000,
            expires_at: 10_000,
            cert,
        };
        (city, phone, v)
    }

    #[test]
    fn genuine_voucher_verifies() {
        let (city, phone, v) = setup();
        let t = issue(&phone, &v).unwrap();
        assert_eq!(
            verify(&t, &[city.public_key()], 2_000, Some("shop-a")),
            Ok(v.clone())
        );
        assert_eq!(verify(&t, &[city.public_key()], 2_000, None), Ok(v));
    }

    #[test]
    fn each_fault_has_its_reason() {
        let (city, phone, v) = setup();
        let trusted = [city.public_key()];
        let t = issue(&phone, &v).unwrap();
        assert_eq!(
            verify("hello", &trusted, 0, None),
            Err(VoucherError::NotAVoucher)
        );
        assert_eq!(
            verify(&t[..t.len() - 10], &trusted, 0, None),
            Err(VoucherError::Malformed)
        );
        let other = PlateIssuer::from_seed([1; 32]);
        assert_eq!(
            verify(&t, &[other.public_key()], 0, None),
            Err(VoucherError::UnknownIssuer)
        );
        assert_eq!(
            verify(&t, &trusted, 10_000, None),
            Err(VoucherError::Expired)
        );
        assert_eq!(
            verify(&t, &trusted, 0, Some("shop-b")),
            Err(VoucherError::WrongShop)
        );
        // Altered amount, re-encoded with the old signature.
        let mut more = v.clone();
        more.amount = 200;
        let forged = issue(&phone, &more).unwrap();
        let sig = t.rsplit_once('.').unwrap().1;
        let altered = format!("{}.{sig}", forged.rsplit_once('.').unwrap().0);
        assert_eq!(
            verify(&altered, &trusted, 0, None),
            Err(VoucherError::BadSignature)
        );
        // A key the city never certified, with a made-up certificate.
        let rogue = PlateIssuer::from_seed([3; 32]);
        let mut fake = v.clone();
        fake.cert.key = rogue.public_key().to_hex();
        let t = issue(&rogue, &fake).unwrap();
        assert_eq!(
            verify(&t, &trusted, 0, None),
            Err(VoucherError::BadCertificate)
        );
        // Another volunteer's certificate.
        let mut stolen = v;
        stolen.volunteer = "vol2".into();
        let t = issue(&phone, &stolen).unwrap();
        assert_eq!(
            verify(&t, &trusted, 0, None),
            Err(VoucherError::BadCertificate)
        );
    }
}
