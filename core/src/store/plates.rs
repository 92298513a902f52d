//! Door plates (门牌) scanned on the device: verified offline against the trusted
//! issuers, then matched to the local address when it lies in scope. A forged
//! plate is a verdict for the person holding the phone, not an error.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::Identity;
use super::addresses::{self, AddressView, grid_in_subtree, load_address};
use super::meta;
use crate::error::Result;
use crate::plate::{self, PlateData};

/// What scanning a plate showed. A forged plate is not an error of the app: it is
/// a verdict to show the person holding the phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlateScan {
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

/// Verify a scanned plate offline and find its address.
pub(crate) fn scan(c: &Connection, me: &Identity, qr_text: &str, now: i64) -> Result<PlateScan> {
    let trusted = meta::issuer_keys(c)?;
    let lang = meta::lang(c)?;
    match plate::verify(qr_text, &trusted) {
        Ok(v) => {
            let in_scope = grid_in_subtree(c, &v.data.grid_code, &me.grid_scope)?;
            let local = load_address(c, &v.data.address_code)?;
            let address = match local {
                Some(a) if in_scope && a.grid_code == v.data.grid_code => {
                    Some(addresses::view(c, me, &a.code, now)?)
                }
                _ => None,
            };
            Ok(PlateScan {
                verified: true,
                rejection: None,
                plate: Some(v.data),
                issuer_key_id: Some(v.issuer_key_id),
                in_scope,
                address,
            })
        }
        Err(e) => {
            let msg = if lang.is_en() {
                e.to_string()
            } else {
                e.message_zh()
            };
            Ok(PlateScan {
                verified: false,
                rejection: Some((e.code().to_string(), msg)),
                plate: plate::decode_unverified(qr_text).ok(),
                issuer_key_id: None,
                in_scope: false,
                address: None,
            })
        }
    }
}
