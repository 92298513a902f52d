//! Photo files at rest on the phone: each file is sealed with ChaCha20-Poly1305
//! under a key derived from the store's database key, with a random nonce and the
//! photo's hash as associated data (a file renamed to another photo's name does
//! not open). The hash still names the plaintext, as the server knows it.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

/// What a sealed photo file starts with (a plain JPEG, PNG, WebP or HEIC never does).
const MAGIC: &[u8; 4] = b"GFP1";
const NONCE_LEN: usize = 12;

/// The 256-bit key photo files are sealed with; derived from the database key
/// (`DbKey::photo_key`), never stored.
#[derive(Clone)]
pub struct PhotoKey([u8; 32]);

impl std::fmt::Debug for PhotoKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PhotoKey(..)")
    }
}

impl PhotoKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PhotoKey(bytes)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.0))
    }
}

/// Whether a file's bytes are a sealed photo (else: a plain file from before
/// photos were encrypted).
pub(super) fn is_sealed(file: &[u8]) -> bool {
    file.len() > MAGIC.len() + NONCE_LEN && file.starts_with(MAGIC)
}

/// Seal `plain`, the photo named `hash`, under a fresh random nonce.
pub(super) fn seal(key: &PhotoKey, hash: &str, plain: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| std::io::Error::other(e.to_string()))?;
    let body = key
        .cipher()
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: hash.as_bytes(),
            },
        )
        .map_err(|_| std::io::Error::other("photo encryption failed"))?;
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Open a sealed file of the photo named `hash`; None when it was not sealed
/// under this key for this name, or was damaged.
pub(super) fn open(key: &PhotoKey, hash: &str, file: &[u8]) -> Option<Vec<u8>> {
    if !is_sealed(file) {
        return None;
    }
    let (nonce, body) = file[MAGIC.len()..].split_at(NONCE_LEN);
    key.cipher()
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: hash.as_bytes(),
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_files_open_only_under_their_key_and_name() {
        let k = PhotoKey::from_bytes([7; 32]);
        let plain = b"\xFF\xD8\xFF a kitchen with an e-bike charging";
        let a = seal(&k, "aa", plain).unwrap();
        let b = seal(&k, "aa", plain).unwrap();
        assert_ne!(a, b, "a fresh nonce for every file");
        assert!(is_sealed(&a));
        assert!(!a.windows(7).any(|w| w == b"kitchen"));
        assert_eq!(open(&k, "aa", &a).unwrap(), plain);
        assert!(open(&k, "bb", &a).is_none());
        assert!(open(&PhotoKey::from_bytes([8; 32]), "aa", &a).is_none());
        let mut bad = a.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(open(&k, "aa", &bad).is_none());
        assert!(open(&k, "aa", plain).is_none());
    }
}
