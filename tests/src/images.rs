//! Photos for scenarios: the device and the server take JPEG, PNG and WebP by
//! their bytes only, so uploads of any size are built as real JPEG containers.

/// Bytes of markers around a JPEG's scan data (`jpeg`).
pub const JPEG_OVERHEAD: usize = 45;

/// A baseline JPEG container whose scan data is `scan` (0xFF bytes stuffed).
pub fn jpeg(scan: &[u8]) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend_from_slice(&[
        0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ]);
    b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
    b.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
    for &x in scan {
        b.push(x);
        if x == 0xFF {
            b.push(0);
        }
    }
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

/// A JPEG of exactly `n` bytes (at least `JPEG_OVERHEAD`) with pseudo-random
/// scan data: distinct seeds give distinct photos.
pub fn pseudo_jpeg(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let scan: Vec<u8> = (0..n - JPEG_OVERHEAD)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x as u8).min(0xFE)
        })
        .collect();
    let b = jpeg(&scan);
    debug_assert_eq!(b.len(), n);
    b
}
