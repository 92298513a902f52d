//! Door plates (数字门牌): what a plate says and the verdict on a scanned one, with
//! the store's scan and issuer-trust calls.

use gridfield_core::store as st;

use crate::error::Result;
use crate::*;

/// What a door plate (数字门牌) says.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoorPlate {
    pub address_code: String,
    pub plate_serial: String,
    pub grid_code: String,
    pub address_text: String,
    pub issued_at: i64,
}

impl From<gridfield_core::plate::PlateData> for DoorPlate {
    fn from(p: gridfield_core::plate::PlateData) -> Self {
        DoorPlate {
            address_code: p.address_code,
            plate_serial: p.plate_serial,
            grid_code: p.grid_code,
            address_text: p.address_text,
            issued_at: p.issued_at,
        }
    }
}

/// What a scan means, decided by the core (`plate::verdict`): shells switch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PlateVerdictKind {
    /// Genuine, in this device's scope, its address on the phone.
    Genuine,
    /// Genuine, but outside this device's scope or not on the phone yet.
    GenuineOutsideScope,
    /// Forged, altered, truncated, unknown issuer, or not a plate.
    Forged,
    /// A plate installed before Gridfield, mapped to an address by the city:
    /// the address is known, the plate is not verified (未签名的旧门牌).
    Legacy,
}

impl From<gridfield_core::plate::VerdictKind> for PlateVerdictKind {
    fn from(k: gridfield_core::plate::VerdictKind) -> Self {
        use gridfield_core::plate::VerdictKind as K;
        match k {
            K::Genuine => PlateVerdictKind::Genuine,
            K::GenuineOutsideScope => PlateVerdictKind::GenuineOutsideScope,
            K::Forged => PlateVerdictKind::Forged,
            K::Legacy => PlateVerdictKind::Legacy,
        }
    }
}

/// The verdict on a scanned plate. A forged plate is a verdict to show, not an error.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlateScan {
    pub verdict: PlateVerdictKind,
    /// The verdict in the store's language, ready to show.
    pub verdict_text: String,
    pub verified: bool,
    /// Stable code when not verified (`bad_signature`, `unknown_issuer`, `malformed`…).
    pub rejection_code: Option<String>,
    /// Readable reason, in the store's language.
    pub rejection_reason: Option<String>,
    /// What the plate says: verified, or for a rejected plate only a claim.
    pub plate: Option<DoorPlate>,
    pub issuer_key_id: Option<String>,
    pub in_scope: bool,
    /// The local record, for a verified plate within this device's scope.
    pub address: Option<AddressView>,
}

impl From<st::PlateScan> for PlateScan {
    fn from(s: st::PlateScan) -> Self {
        let (rejection_code, rejection_reason) = match s.rejection {
            Some((c, r)) => (Some(c), Some(r)),
            None => (None, None),
        };
        PlateScan {
            verdict: s.verdict.into(),
            verdict_text: s.verdict_text,
            verified: s.verified,
            rejection_code,
            rejection_reason,
            plate: s.plate.map(Into::into),
            issuer_key_id: s.issuer_key_id,
            in_scope: s.in_scope,
            address: s.address.map(Into::into),
        }
    }
}

#[uniffi::export]
impl GridfieldStore {
    /// Verify a scanned QR text offline. Forged or altered plates come back with
    /// `verified = false` and a reason, never as an error.
    pub fn scan_plate(&self, qr_text: String) -> Result<PlateScan> {
        let mut scan: PlateScan = self.inner.scan_plate(&qr_text)?.into();
        if let Some(view) = scan.address.as_mut() {
            self.name_categories(&mut view.hazards)?;
        }
        Ok(scan)
    }

    /// Trust another door-plate issuer key (hex), e.g. after a key rotation.
    pub fn trust_issuer(&self, public_key_hex: String) -> Result<()> {
        let key = gridfield_core::plate::IssuerPublicKey::from_hex(&public_key_hex)
            .map_err(gridfield_core::Error::from)?;
        Ok(self.inner.trust_issuer(key)?)
    }
}
