//! Which bytes are a photo: an allow-list of raster types (JPEG, PNG, WebP)
//! decided from the bytes alone — never from a file name or a declared type — by
//! walking each format's container far enough that a known header in front of
//! other content (SVG, HTML, a script) is not taken for an image. Bytes after a
//! complete container are tolerated (phones append trailers): they never change
//! the type a photo is served as. HEIC is not on the list: recognising it safely
//! needs a real decoder.

use std::fmt;

/// A raster image type a photo or signature may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
}

impl ImageType {
    pub const ALL: [ImageType; 3] = [ImageType::Jpeg, ImageType::Png, ImageType::Webp];

    /// The type of `bytes` when they are a well-formed JPEG, PNG or WebP
    /// container; `None` for anything else (including truncated or garbled images).
    pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
        let t = ImageType::announced(bytes)?;
        let ok = match t {
            ImageType::Jpeg => jpeg_ok(bytes),
            ImageType::Png => png_ok(bytes),
            ImageType::Webp => webp_ok(bytes),
        };
        ok.then_some(t)
    }

    /// The type the first bytes of an upload announce (magic bytes only), so
    /// an upload that cannot be a photo is refused at its first chunk; the
    /// whole photo is judged by `sniff`.
    pub fn announced(prefix: &[u8]) -> Option<ImageType> {
        if prefix.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if prefix.starts_with(PNG_SIGNATURE) {
            Some(ImageType::Png)
        } else if prefix.len() >= 12 && &prefix[0..4] == b"RIFF" && &prefix[8..12] == b"WEBP" {
            Some(ImageType::Webp)
        } else {
            None
        }
    }

    /// The MIME type photos of this type are served with.
    pub fn mime(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
            ImageType::Webp => "image/webp",
        }
    }

    /// The file extension a download of this type is named with.
    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Jpeg => "jpg",
            ImageType::Png => "png",
            ImageType::Webp => "webp",
        }
    }

    /// The allow-listed type a stored MIME type names, if any (exactly as
    /// `mime` writes it): anything else stored earlier is served as bytes.
    pub fn from_mime(mime: &str) -> Option<ImageType> {
        ImageType::ALL.into_iter().find(|t| t.mime() == mime)
    }
}

impl fmt::Display for ImageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mime())
    }
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn be32(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

fn le32(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// JPEG: marker segments from the start of image, each inside the file, a frame
/// header with real dimensions before the start of scan, and an end of image
/// after the scan (phones may append their own trailers after it).
fn jpeg_ok(b: &[u8]) -> bool {
    let mut at = 2;
    let mut frame = false;
    loop {
        // A marker: 0xFF, optional fill bytes, then its code.
        if b.get(at) != Some(&0xFF) {
            return false;
        }
        while b.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = b.get(at) else {
            return false;
        };
        at += 1;
        match marker {
            // Standalone markers where a segment is expected.
            0x00 | 0x01 | 0xD0..=0xD9 => return false,
            _ => {}
        }
        let Some(len) = be16(b, at) else {
            return false;
        };
        if len < 2 || at + len > b.len() {
            return false;
        }
        let seg = &b[at + 2..at + len];
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            // Frame header: precision, height, width, components.
            let (Some(h), Some(w)) = (be16(seg, 1), be16(seg, 3)) else {
                return false;
            };
            let comps = seg.get(5).copied().unwrap_or(0);
            if h == 0 || w == 0 || !(1..=4).contains(&comps) {
                return false;
            }
            frame = true;
        }
        at += len;
        if marker == 0xDA {
            // Entropy-coded data follows; the image must end after it.
            return frame && b[at..].windows(2).any(|w| w == [0xFF, 0xD9]);
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// PNG: chunks from the signature to `IEND`, each with its CRC; `IHDR` first
/// with real dimensions, at least one `IDAT`.
fn png_ok(b: &[u8]) -> bool {
    let mut at = PNG_SIGNATURE.len();
    let mut first = true;
    let mut data = false;
    loop {
        let Some(len) = be32(b, at) else {
            return false;
        };
        let Some(end) = (at + 12).checked_add(len).filter(|&e| e <= b.len()) else {
            return false;
        };
        let kind = &b[at + 4..at + 8];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return false;
        }
        let body = &b[at + 8..at + 8 + len];
        let crc = be32(b, at + 8 + len).map(|c| c as u32);
        if crc != Some(crc32(&b[at + 4..at + 8 + len])) {
            return false;
        }
        if first {
            if kind != b"IHDR" || len != 13 || !ihdr_ok(body) {
                return false;
            }
            first = false;
        }
        data |= kind == b"IDAT";
        at = end;
        if kind == b"IEND" {
            return data;
        }
    }
}

fn ihdr_ok(h: &[u8]) -> bool {
    let (w, ht) = (be32(h, 0).unwrap_or(0), be32(h, 4).unwrap_or(0));
    let (depth, color) = (h[8], h[9]);
    let depth_ok = match color {
        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(depth, 8 | 16),
        _ => false,
    };
    (1..=0x7FFF_FFFF).contains(&w)
        && (1..=0x7FFF_FFFF).contains(&ht)
        && depth_ok
        && h[10] == 0
        && h[11] == 0
        && h[12] <= 1
}

/// WebP: the RIFF length fits the file, chunks tile it exactly, and the first
/// chunk is a lossy (`VP8 ` with its start code and a size), lossless (`VP8L`
/// with its signature) or extended (`VP8X`) header.
fn webp_ok(b: &[u8]) -> bool {
    let Some(riff_end) = le32(b, 4)
        .and_then(|n| n.checked_add(8))
        .filter(|&e| e >= 12 && e <= b.len())
    else {
        return false;
    };
    let b = &b[..riff_end];
    let mut at = 12;
    let mut first = true;
    while at < b.len() {
        let Some(len) = le32(b, at + 4) else {
            return false;
        };
        let Some(end) = (at + 8).checked_add(len).filter(|&e| e <= b.len()) else {
            return false;
        };
        let body = &b[at + 8..end];
        if first {
            let ok = match &b[at..at + 4] {
                b"VP8 " => {
                    body.len() >= 10
                        && body[3..6] == [0x9D, 0x01, 0x2A]
                        && le16(body, 6) & 0x3FFF != 0
                        && le16(body, 8) & 0x3FFF != 0
                }
                b"VP8L" => body.len() >= 5 && body[0] == 0x2F,
                b"VP8X" => body.len() >= 10,
                _ => false,
            };
            if !ok {
                return false;
            }
            first = false;
        }
        // Chunks are padded to an even length.
        at = end + (len & 1);
    }
    !first && at == b.len()
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// CRC-32 (ISO-HDLC), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[n] = c;
            n += 1;
        }
        t
    };
    !bytes.iter().fold(!0u32, |c, &x| {
        TABLE[((c ^ x as u32) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// Small well-formed images for tests, with `payload` as their pixel data.
#[cfg(test)]
pub(crate) mod samples {
    use super::crc32;

    /// A baseline JPEG whose scan data is `payload` (0xFF bytes stuffed).
    pub fn jpeg(payload: &[u8]) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        b.extend_from_slice(&[
            0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
        ]);
        b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
        b.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
        for &x in payload {
            b.push(x);
            if x == 0xFF {
                b.push(0);
            }
        }
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    /// A PNG whose one `IDAT` chunk carries `payload`.
    pub fn png(payload: &[u8]) -> Vec<u8> {
        let mut b = super::PNG_SIGNATURE.to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            b.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = b.len();
            b.extend_from_slice(kind);
            b.extend_from_slice(data);
            let crc = crc32(&b[start..]);
            b.extend_from_slice(&crc.to_be_bytes());
        };
        chunk(b"IHDR", &[0, 0, 0, 4, 0, 0, 0, 4, 8, 2, 0, 0, 0]);
        chunk(b"IDAT", payload);
        chunk(b"IEND", &[]);
        b
    }

    /// A lossless WebP whose `VP8L` chunk carries `payload`.
    pub fn webp(payload: &[u8]) -> Vec<u8> {
        let mut data = vec![0x2F, 3, 0xC0, 0, 0];
        data.extend_from_slice(payload);
        let pad = data.len() & 1;
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&((4 + 8 + data.len() + pad) as u32).to_le_bytes());
        b.extend_from_slice(b"WEBPVP8L");
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&data);
        b.extend(std::iter::repeat_n(0, pad));
        b
    }
}

#[cfg(test)]
mod tests {
    use super::samples::{jpeg, png, webp};
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn real_photos_and_signatures_are_recognised() {
        for name in ["ebike.png", "site.png", "signature.png"] {
            assert_eq!(
                ImageType::sniff(&fixture(name)),
                Some(ImageType::Png),
                "{name}"
            );
        }
        assert_eq!(
            ImageType::sniff(&fixture("tiny.jpg")),
            Some(ImageType::Jpeg)
        );
        assert_eq!(
            ImageType::sniff(&fixture("tiny.webp")),
            Some(ImageType::Webp)
        );
    }

    #[test]
    fn well_formed_images_of_each_type_are_recognised() {
        for payload in [&b""[..], b"x", b"\xFF\xD9\xFF\x00pixels"] {
            assert_eq!(ImageType::sniff(&jpeg(payload)), Some(ImageType::Jpeg));
            assert_eq!(ImageType::sniff(&png(payload)), Some(ImageType::Png));
            assert_eq!(ImageType::sniff(&webp(payload)), Some(ImageType::Webp));
        }
        // Phones append trailers after a complete image: still that image.
        for (full, t) in [
            (jpeg(b"scan"), ImageType::Jpeg),
            (png(b"idat"), ImageType::Png),
            (webp(b"pixels"), ImageType::Webp),
        ] {
            let mut trailer = full;
            trailer.extend_from_slice(b"SEFT trailer");
            assert_eq!(ImageType::sniff(&trailer), Some(t));
        }
    }

    #[test]
    fn markup_text_and_other_formats_are_not_images() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        let html = b"<!doctype html><html><body><script>alert(1)</script></body></html>";
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        for bytes in [
            &svg[..],
            html,
            b"just some text",
            b"",
            b"GIF89a\x01\0\x01\0",
            b"%PDF-1.7",
            heic,
        ] {
            assert_eq!(
                ImageType::sniff(bytes),
                None,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn a_known_header_in_front_of_other_content_is_not_an_image() {
        let script = b"<svg><script>alert(1)</script></svg>";
        // Magic bytes, then markup.
        for magic in [
            &b"\xFF\xD8\xFF\xE0"[..],
            PNG_SIGNATURE,
            b"RIFF\x2a\0\0\0WEBP",
        ] {
            let mut b = magic.to_vec();
            b.extend_from_slice(script);
            assert_eq!(ImageType::sniff(&b), None);
        }
        // A PNG header, then garbage.
        let mut b = png(b"")[..33].to_vec();
        b.extend_from_slice(script);
        assert_eq!(ImageType::sniff(&b), None);
        // A chunk whose CRC is wrong.
        let mut b = png(script);
        let n = b.len();
        b[n - 20] ^= 1;
        assert_eq!(ImageType::sniff(&b), None);
        // Truncated images of each type.
        for full in [jpeg(b"scan data"), png(b"idat"), webp(b"pixels")] {
            assert_eq!(ImageType::sniff(&full[..full.len() - 3]), None);
        }
        // A JPEG frame of no size, a WebP whose RIFF length lies.
        let mut b = jpeg(b"scan");
        b[25..27].copy_from_slice(&[0, 0]);
        assert_eq!(ImageType::sniff(&b), None);
        let mut b = webp(b"pixels");
        b[4] ^= 2;
        assert_eq!(ImageType::sniff(&b), None);
    }

    #[test]
    fn magic_bytes_announce_a_type_only_sniffing_decides_it() {
        let svg = b"<svg><script>alert(1)</script></svg>";
        assert_eq!(ImageType::announced(svg), None);
        assert_eq!(
            ImageType::announced(b"\xFF\xD8\xFF<html>"),
            Some(ImageType::Jpeg)
        );
        assert_eq!(ImageType::sniff(b"\xFF\xD8\xFF<html>"), None);
        assert_eq!(ImageType::announced(&png(b"")[..16]), Some(ImageType::Png));
        assert_eq!(
            ImageType::announced(&webp(b"")[..12]),
            Some(ImageType::Webp)
        );
    }

    #[test]
    fn types_name_their_mime_and_extension() {
        for t in ImageType::ALL {
            assert_eq!(ImageType::from_mime(t.mime()), Some(t));
            assert!(t.mime().starts_with("image/"));
        }
        assert_eq!(ImageType::Jpeg.extension(), "jpg");
        assert_eq!(ImageType::from_mime("image/svg+xml"), None);
        assert_eq!(ImageType::from_mime("text/html"), None);
        assert_eq!(ImageType::from_mime("image/heic"), None);
    }
}
