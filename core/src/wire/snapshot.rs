//! The bootstrap snapshot's page encoding (`GET /v1/snapshot`, `docs/SYNC.md`):
//! the same page as a pull's ([`PullResponse`]), thousands of changes at a time,
//! as MessagePack (field names kept, so the JSON body's serde rules hold) and
//! compressed with zstd. Defined once for the server, which encodes, and the
//! device, which decodes.

use std::io::Read;

use super::PullResponse;

/// The route; a server without it answers 404 and the device pulls instead.
pub const SNAPSHOT_PATH: &str = "/v1/snapshot";
/// Content type of a snapshot page.
pub const SNAPSHOT_CONTENT_TYPE: &str = "application/vnd.gridfield.snapshot+msgpack+zstd";
/// Changes per snapshot page at most (the device asks for this many by default).
pub const MAX_SNAPSHOT_LIMIT: u32 = 5000;
/// A page decodes to at most this many bytes of MessagePack: a larger one is
/// refused whole rather than held in a phone's memory.
pub const MAX_SNAPSHOT_PAGE_BYTES: u64 = 48 * 1024 * 1024;
/// zstd level: cheap for the server at page sizes, most of the gain of higher ones.
const ZSTD_LEVEL: i32 = 3;

/// Why a page could not be read: said in English for the device's error (the
/// body is the server's, never personal data of the device's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// Not a zstd frame, or cut short.
    Compression(String),
    /// Decompresses to more than [`MAX_SNAPSHOT_PAGE_BYTES`].
    TooLarge,
    /// Not a page in MessagePack.
    Encoding(String),
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::Compression(e) => write!(f, "snapshot page not readable as zstd: {e}"),
            PageError::TooLarge => write!(
                f,
                "snapshot page larger than {MAX_SNAPSHOT_PAGE_BYTES} bytes"
            ),
            PageError::Encoding(e) => write!(f, "snapshot page not a page: {e}"),
        }
    }
}

pub fn encode_page(page: &PullResponse) -> Result<Vec<u8>, PageError> {
    let packed = rmp_serde::to_vec_named(page).map_err(|e| PageError::Encoding(e.to_string()))?;
    zstd::bulk::compress(&packed, ZSTD_LEVEL).map_err(|e| PageError::Compression(e.to_string()))
}

pub fn decode_page(body: &[u8]) -> Result<PullResponse, PageError> {
    let mut packed = Vec::new();
    zstd::stream::read::Decoder::new(body)
        .map_err(|e| PageError::Compression(e.to_string()))?
        .take(MAX_SNAPSHOT_PAGE_BYTES + 1)
        .read_to_end(&mut packed)
        .map_err(|e| PageError::Compression(e.to_string()))?;
    if packed.len() as u64 > MAX_SNAPSHOT_PAGE_BYTES {
        return Err(PageError::TooLarge);
    }
    rmp_serde::from_slice(&packed).map_err(|e| PageError::Encoding(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Change;

    fn page() -> PullResponse {
        let change: Change = serde_json::from_value(serde_json::json!({
            "type": "grid",
            "grid": { "code": "g1", "name": "示范网格", "level": 3, "parent_code": null }
        }))
        .unwrap();
        PullResponse {
            changes: vec![change],
            cursor: "c1".into(),
            more: true,
            server_hlc: "h".into(),
            taxonomies: vec![],
            visit_rules: None,
            legacy_plates: None,
        }
    }

    #[test]
    fn a_page_round_trips() {
        let p = page();
        let back = decode_page(&encode_page(&p).unwrap()).unwrap();
        assert_eq!(back.changes, p.changes);
        assert_eq!((back.cursor.as_str(), back.more), ("c1", true));
    }

    #[test]
    fn bad_pages_are_refused() {
        let body = encode_page(&page()).unwrap();
        assert!(matches!(
            decode_page(&body[..body.len() / 2]),
            Err(PageError::Compression(_))
        ));
        assert!(matches!(
            decode_page(b"not zstd"),
            Err(PageError::Compression(_))
        ));
        let junk = zstd::bulk::compress(&[0xc1u8; 16], 1).unwrap();
        assert!(matches!(decode_page(&junk), Err(PageError::Encoding(_))));
        // A bomb: a small body that inflates past the cap.
        let zeros = vec![0u8; MAX_SNAPSHOT_PAGE_BYTES as usize + 16];
        let bomb = zstd::bulk::compress(&zeros, 1).unwrap();
        assert!(bomb.len() < 1024 * 1024);
        assert_eq!(decode_page(&bomb).unwrap_err(), PageError::TooLarge);
    }
}
