//! Door plates (门牌) scanned on the device: verified offline against the trusted
//! issuers, then matched to the local address when it lies in scope. A forged
//! plate is a verdict for the person holding the phone, not an error.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::Identity;
use super::addresses::{self, AddressView, grid_in_subtree, load_address};
use super::meta;
use crate::error::{Error, Result};
use crate::plate::legacy::{LegacyPlate, LegacyPlates};
use crate::plate::{self, Placement, PlateData, PlateVerdict, VerdictKind};

/// What scanning a plate showed. A forged plate is not an error of the app: it is
/// a verdict to show the person holding the phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlateScan {
    /// The core's verdict (`plate::verdict`): what the shells switch on.
    pub verdict: VerdictKind,
    /// The verdict in the store's language, ready to show.
    pub verdict_text: String,
    pub verified: bool,
    /// Stable code and readable reason when not verified.
    pub rejection: Option<(String, String)>,
    /// What the plate says, verified or not (for a rejected plate, only a claim).
    pub plate: Option<PlateData>,
    pub issuer_key_id: Option<String>,
    pub in_scope: bool,
    /// The local record for a verified plate within scope.
    pub address: Option<AddressView>,
}

/// Verify a scanned plate offline and find its address; the verdict is the core's.
pub(crate) fn scan(c: &Connection, me: &Identity, qr_text: &str, now: i64) -> Result<PlateScan> {
    let trusted = meta::issuer_keys(c)?;
    let lang = meta::lang(c)?;
    let mut address = None;
    let verified = match plate::verify(qr_text, &trusted) {
        Ok(p) => Ok(from_register(c, p)?),
        Err(reason) => Err(reason),
    };
    let verdict = plate::verdict(verified, |data| {
        let in_scope = grid_in_subtree(c, &data.grid_code, &me.grid_scope)?;
        let on_device = match load_address(c, &data.address_code)? {
            Some(a) if in_scope && a.grid_code == data.grid_code => {
                address = Some(addresses::view(c, me, &a.code, now)?);
                true
            }
            _ => false,
        };
        Ok::<_, Error>(Placement {
            in_scope,
            on_device,
        })
    })?;
    let verdict = plate::legacy::resolve(verdict, qr_text, |t| legacy_lookup(c, t))?;
    let (kind, text) = (verdict.kind(), verdict.message(lang));
    let genuine = match verdict {
        PlateVerdict::Genuine(v) => Ok((v, true)),
        PlateVerdict::GenuineOutsideScope { plate, in_scope } => Ok((plate, in_scope)),
        PlateVerdict::Forged { reason } => Err(reason),
        PlateVerdict::Legacy(legacy) => return legacy_scan(c, me, legacy, kind, text, now),
    };
    Ok(match genuine {
        Ok((v, in_scope)) => PlateScan {
            verdict: kind,
            verdict_text: text,
            verified: true,
            rejection: None,
            plate: Some(v.data),
            issuer_key_id: Some(v.issuer_key_id),
            in_scope,
            address,
        },
        Err(reason) => PlateScan {
            verdict: kind,
            verdict_text: text.clone(),
            verified: false,
            rejection: Some((reason.code().to_string(), text)),
            plate: plate::decode_unverified(qr_text)
                .ok()
                .map(|data| {
                    from_register(
                        c,
                        plate::VerifiedPlate {
                            data,
                            issuer_key_id: String::new(),
                            format_version: 0,
                        },
                    )
                    .map(|v| v.data)
                })
                .transpose()?,
            issuer_key_id: None,
            in_scope: false,
            address: None,
        },
    })
}

/// A compact plate carries only the address code: its grid and public text come from
/// the register on this device, when the device holds the address.
fn from_register(c: &Connection, mut plate: plate::VerifiedPlate) -> Result<plate::VerifiedPlate> {
    if plate.data.grid_code.is_empty()
        && let Some(a) = load_address(c, &plate.data.address_code)?
    {
        plate.data.grid_code = a.grid_code;
        plate.data.address_text = a.full_text;
    }
    Ok(plate)
}

/// A mapped legacy plate (未签名的旧门牌): the address it stands for, from the
/// register on this device; not verified, and no rejection either.
fn legacy_scan(
    c: &Connection,
    me: &Identity,
    legacy: LegacyPlate,
    verdict: VerdictKind,
    verdict_text: String,
    now: i64,
) -> Result<PlateScan> {
    let local = load_address(c, &legacy.address_code)?;
    let in_scope = match &local {
        Some(a) => grid_in_subtree(c, &a.grid_code, &me.grid_scope)?,
        None => false,
    };
    let address = match &local {
        Some(a) if in_scope => Some(addresses::view(c, me, &a.code, now)?),
        _ => None,
    };
    Ok(PlateScan {
        verdict,
        verdict_text,
        verified: false,
        rejection: None,
        plate: Some(PlateData {
            address_code: legacy.address_code,
            plate_serial: String::new(),
            grid_code: local
                .as_ref()
                .map(|a| a.grid_code.clone())
                .unwrap_or_default(),
            address_text: local.map(|a| a.full_text).unwrap_or_default(),
            issued_at: 0,
        }),
        issuer_key_id: None,
        in_scope,
        address,
    })
}

#[cfg_attr(not(feature = "sync"), allow(dead_code))]
const LEGACY_VERSION_KEY: &str = "legacy_plates_version";

/// The address code a legacy plate's (normalized) text maps to on this device.
pub(crate) fn legacy_lookup(c: &Connection, text: &str) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT address_code FROM legacy_plates WHERE plate_text = ?1")?
            .query_map([text], |r| r.get(0))?
            .next()
            .transpose()?,
    )
}

/// The version of the legacy plate mappings this device holds ("" before any).
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
pub(crate) fn legacy_version(c: &Connection) -> Result<String> {
    Ok(meta::meta_get(c, LEGACY_VERSION_KEY)?.unwrap_or_default())
}

/// Replace the device's mappings with the server's document for its scope.
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
pub(crate) fn replace_legacy(c: &Connection, doc: &LegacyPlates) -> Result<()> {
    c.execute("DELETE FROM legacy_plates", [])?;
    let mut ins = c.prepare_cached(
        "INSERT OR REPLACE INTO legacy_plates (plate_text, address_code) VALUES (?1, ?2)",
    )?;
    for p in &doc.plates {
        ins.execute([&p.plate_text, &p.address_code])?;
    }
    meta::meta_put(c, LEGACY_VERSION_KEY, &doc.version)
}
