//! Plates installed before Gridfield (旧门牌): the text their QR codes carry (or
//! their serial) mapped to an address code by the city's import. Nothing on them
//! is signed, so a match resolves the address and says "unsigned", never genuine.
//! Only text that is not one of our plate formats can be a legacy plate: a damaged
//! or forged plate of ours stays forged.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{PlateError, PlateVerdict, verify};

/// Longest legacy plate text kept (a long URL fits; a page of text does not).
pub const MAX_LEGACY_TEXT_BYTES: usize = 512;

/// One mapping: the plate's text and the address it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegacyPlate {
    pub plate_text: String,
    pub address_code: String,
}

/// The mappings of a device's scope as one versioned document: sent whole when
/// the version the device holds differs (`legacy_plates` pull query).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegacyPlates {
    pub version: String,
    pub plates: Vec<LegacyPlate>,
}

/// Why a legacy plate text cannot be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyTextError {
    Empty,
    TooLong,
    /// It reads as one of our own (signed) plate formats.
    SignedFormat,
}

/// The text as stored and looked up: trimmed, checked.
pub fn normalize(text: &str) -> Result<String, LegacyTextError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(LegacyTextError::Empty);
    }
    if t.len() > MAX_LEGACY_TEXT_BYTES {
        return Err(LegacyTextError::TooLong);
    }
    if is_signed_format(t) {
        return Err(LegacyTextError::SignedFormat);
    }
    Ok(t.to_string())
}

/// Whether the text reads as a Gridfield plate (genuine or not): verification
/// without any trusted key fails with a reason other than "not a plate".
pub fn is_signed_format(text: &str) -> bool {
    !matches!(verify(text, &[]), Err(PlateError::NotAPlate))
}

/// The version of a set of mappings: a digest over them in text order, so the
/// device and the server agree on it without counting or timestamps.
pub fn version<'a>(plates: impl IntoIterator<Item = &'a LegacyPlate>) -> String {
    let mut sorted: Vec<&LegacyPlate> = plates.into_iter().collect();
    sorted.sort_by(|a, b| a.plate_text.cmp(&b.plate_text));
    let mut h = Sha256::new();
    for p in &sorted {
        h.update(p.plate_text.as_bytes());
        h.update([0]);
        h.update(p.address_code.as_bytes());
        h.update([0]);
    }
    format!("{}.{}", sorted.len(), &hex::encode(h.finalize())[..16])
}

/// The verdict once legacy plates are considered: a scan that is not one of our
/// plates at all and whose text the city mapped (`lookup`, by the normalized text)
/// becomes `Legacy`; every other verdict stands.
pub fn resolve<E>(
    verdict: PlateVerdict,
    text: &str,
    lookup: impl FnOnce(&str) -> Result<Option<String>, E>,
) -> Result<PlateVerdict, E> {
    let PlateVerdict::Forged {
        reason: PlateError::NotAPlate,
    } = &verdict
    else {
        return Ok(verdict);
    };
    let Ok(text) = normalize(text) else {
        return Ok(verdict);
    };
    Ok(match lookup(&text)? {
        Some(address_code) => PlateVerdict::Legacy(LegacyPlate {
            plate_text: text,
            address_code,
        }),
        None => verdict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str, code: &str) -> LegacyPlate {
        LegacyPlate {
            plate_text: text.into(),
            address_code: code.into(),
        }
    }

    #[test]
    fn texts_are_trimmed_and_our_formats_refused() {
        assert_eq!(normalize("  KS-OLD-1 \n").unwrap(), "KS-OLD-1");
        assert_eq!(normalize(" \t"), Err(LegacyTextError::Empty));
        assert_eq!(normalize(&"x".repeat(513)), Err(LegacyTextError::TooLong));
        assert!(normalize(&"x".repeat(512)).is_ok());
        for ours in ["GFP1.abc.def", "https://gf.ks.gov.cn/P/UI0ABC"] {
            assert_eq!(
                normalize(ours),
                Err(LegacyTextError::SignedFormat),
                "{ours}"
            );
        }
        assert!(normalize("http://old-plates.example.cn/m?id=320583001").is_ok());
    }

    #[test]
    fn only_a_mapped_text_that_is_not_ours_resolves_as_legacy() {
        use std::convert::Infallible;
        let lookup = |t: &str| Ok::<_, Infallible>((t == "KS-OLD-1").then(|| "A-1".to_string()));
        let not_a_plate = || PlateVerdict::Forged {
            reason: PlateError::NotAPlate,
        };
        let v = resolve(not_a_plate(), " KS-OLD-1 ", lookup).unwrap();
        assert_eq!(v, PlateVerdict::Legacy(p("KS-OLD-1", "A-1")));
        assert!(!v.is_genuine());
        assert_eq!(v.code(), "plate_legacy");
        assert_eq!(v.message(crate::i18n::Lang::Zh), "未签名的旧门牌");
        // Unknown text stays "not a plate"; a broken plate of ours stays forged.
        assert_eq!(
            resolve(not_a_plate(), "KS-OLD-2", lookup).unwrap(),
            not_a_plate()
        );
        let forged = PlateVerdict::Forged {
            reason: PlateError::BadSignature,
        };
        assert_eq!(resolve(forged.clone(), "KS-OLD-1", lookup).unwrap(), forged);
    }

    #[test]
    fn the_version_follows_the_content_not_the_order() {
        let a = [p("A", "1"), p("B", "2")];
        let b = [p("B", "2"), p("A", "1")];
        assert_eq!(version(&a), version(&b));
        assert_ne!(version(&a), version(&[p("A", "1"), p("B", "3")]));
        assert!(version(&[]).starts_with("0."));
    }
}
