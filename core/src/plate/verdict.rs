//! The verdict on a scanned plate, as every screen shows it: genuine and mine,
//! genuine but not here, or forged with the reason. Decided once in the core
//! instead of re-derived by each shell from a verification result.

use super::legacy::LegacyPlate;
use super::{PlateData, PlateError, VerifiedPlate};
use crate::i18n::Lang;

/// Where a genuine plate's address stands for this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The plate's grid lies in this device's scope.
    pub in_scope: bool,
    /// This device holds the plate's address, under the grid the plate names.
    pub on_device: bool,
}

/// What a scan means for the person holding the phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlateVerdict {
    /// Genuine, in this device's scope and on the phone: open the address.
    Genuine(VerifiedPlate),
    /// Genuine, but outside this device's scope (`in_scope` false) or in scope
    /// and not on the phone yet (`in_scope` true): show what the plate says.
    GenuineOutsideScope {
        plate: VerifiedPlate,
        in_scope: bool,
    },
    /// Forged, altered, truncated, from an unknown issuer, or not a plate at all.
    Forged { reason: PlateError },
    /// A plate installed before Gridfield that the city mapped to an address
    /// (`legacy::resolve`): the address is known, nothing is verified (未签名的旧门牌).
    Legacy(LegacyPlate),
}

/// The verdict without its data, for records and the shells to switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    Genuine,
    GenuineOutsideScope,
    Forged,
    Legacy,
}

impl PlateVerdict {
    pub fn kind(&self) -> VerdictKind {
        match self {
            PlateVerdict::Genuine(_) => VerdictKind::Genuine,
            PlateVerdict::GenuineOutsideScope { .. } => VerdictKind::GenuineOutsideScope,
            PlateVerdict::Forged { .. } => VerdictKind::Forged,
            PlateVerdict::Legacy(_) => VerdictKind::Legacy,
        }
    }

    /// Stable identifier: the verdict, or for a forged plate its reason's code.
    pub fn code(&self) -> &'static str {
        match self {
            PlateVerdict::Genuine(_) => "plate_genuine",
            PlateVerdict::GenuineOutsideScope { .. } => "plate_genuine_outside_scope",
            PlateVerdict::Forged { reason } => reason.code(),
            PlateVerdict::Legacy(_) => "plate_legacy",
        }
    }

    pub fn is_genuine(&self) -> bool {
        matches!(
            self,
            PlateVerdict::Genuine(_) | PlateVerdict::GenuineOutsideScope { .. }
        )
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            PlateVerdict::Genuine(_) => lang.pick("门牌真实有效", "genuine door plate").into(),
            PlateVerdict::GenuineOutsideScope {
                in_scope: false, ..
            } => lang
                .pick(
                    "门牌真实有效，但不在本设备的网格范围内",
                    "genuine door plate outside this device's grid scope",
                )
                .into(),
            PlateVerdict::GenuineOutsideScope { in_scope: true, .. } => lang
                .pick(
                    "门牌真实有效，但本设备上还没有该地址",
                    "genuine door plate, but its address is not on this device yet",
                )
                .into(),
            PlateVerdict::Forged { reason } => reason.message(lang),
            PlateVerdict::Legacy(_) => lang
                .pick("未签名的旧门牌", "unsigned legacy door plate")
                .into(),
        }
    }
}

/// Judge a verification result. `place` is asked only for a genuine plate,
/// and may fail (it usually reads the device's grids and addresses).
pub fn verdict<E>(
    result: Result<VerifiedPlate, PlateError>,
    place: impl FnOnce(&PlateData) -> Result<Placement, E>,
) -> Result<PlateVerdict, E> {
    let plate = match result {
        Ok(p) => p,
        Err(reason) => return Ok(PlateVerdict::Forged { reason }),
    };
    let Placement {
        in_scope,
        on_device,
    } = place(&plate.data)?;
    Ok(if in_scope && on_device {
        PlateVerdict::Genuine(plate)
    } else {
        PlateVerdict::GenuineOutsideScope { plate, in_scope }
    })
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    fn plate() -> VerifiedPlate {
        VerifiedPlate {
            data: PlateData {
                address_code: "a1".into(),
                plate_serial: "s1".into(),
                grid_code: "g1".into(),
                address_text: "建设路12号".into(),
                issued_at: 1,
            },
            issuer_key_id: "0011223344556677".into(),
            format_version: 1,
        }
    }

    fn at(in_scope: bool, on_device: bool) -> PlateVerdict {
        verdict(Ok(plate()), |_| {
            Ok::<_, Infallible>(Placement {
                in_scope,
                on_device,
            })
        })
        .unwrap()
    }

    #[test]
    fn genuine_only_when_in_scope_and_on_the_device() {
        assert_eq!(at(true, true), PlateVerdict::Genuine(plate()));
        assert_eq!(
            at(true, false),
            PlateVerdict::GenuineOutsideScope {
                plate: plate(),
                in_scope: true
            }
        );
        for on_device in [true, false] {
            assert_eq!(
                at(false, on_device),
                PlateVerdict::GenuineOutsideScope {
                    plate: plate(),
                    in_scope: false
                }
            );
        }
    }

    #[test]
    fn a_rejected_plate_is_forged_and_placement_is_not_asked() {
        let v = verdict(
            Err(PlateError::BadSignature),
            |_| -> Result<Placement, Infallible> { panic!("a forged plate has no placement") },
        )
        .unwrap();
        assert_eq!(
            v,
            PlateVerdict::Forged {
                reason: PlateError::BadSignature
            }
        );
        assert_eq!(v.code(), "plate_bad_signature");
        assert!(!v.is_genuine());
        assert!(v.message(Lang::Zh).contains("伪造"));
    }

    #[test]
    fn a_failing_placement_is_passed_on() {
        let r = verdict(Ok(plate()), |_| Err("database closed"));
        assert_eq!(r, Err("database closed"));
    }
}
