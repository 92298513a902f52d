//! Issuer keys: the public keys a phone trusts and the secret key the city
//! server signs plates with (never on a phone).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::token::{PayloadRef, validate_fields};
use super::{MAX_TOKEN_LEN, PLATE_FORMAT_VERSION, PlateData, PlateError};

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

    /// Whether `signature` is this key's Ed25519 signature of `message` (strict
    /// verification, as for plates): the one check vouchers share with plates.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        self.verifying_key().is_ok_and(|k| {
            k.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&sig))
                .is_ok()
        })
    }

    pub(super) fn verifying_key(&self) -> Result<VerifyingKey, PlateError> {
        VerifyingKey::from_bytes(&self.0)
            .map_err(|_| PlateError::InvalidKey("not a valid Ed25519 public key".into()))
    }
}

/// Holds the issuer's secret key; lives on the city server (and in tests), not on phones.
pub struct PlateIssuer {
    pub(super) key: SigningKey,
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

    /// An Ed25519 signature of `message` (vouchers and their device certificates).
    pub fn sign_message(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    pub fn public_key(&self) -> IssuerPublicKey {
        IssuerPublicKey(self.key.verifying_key().to_bytes())
    }

    /// The compact plate's URL (format 3) under the city server's `base_url`
    /// (`https://…`): what `sign-plates` and the printable sheets put in the QR.
    /// Only the address code, plate serial and issue day are on the plate.
    pub fn sign_url(&self, base_url: &str, plate: &PlateData) -> Result<String, PlateError> {
        super::compact::sign(self, base_url, plate)
    }

    /// Returns the QR text for a first-format (`GFP1.`) plate.
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
