//! Photos as content-addressed files next to the database: the SHA-256 of the
//! bytes names the file, so a photo taken twice is stored once and its identity
//! can be checked by anyone who has the bytes. On the phone each file is sealed
//! (`sealed`): the name is the plaintext's hash, the content is ciphertext.
//! `refs` says which photos a record uses; `image` which bytes are a photo at all.

pub(crate) mod image;
mod refs;
mod sealed;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use image::ImageType;
pub use refs::{inspection_refs, refs_of};
pub use sealed::PhotoKey;

/// Phones take 3–8 MB photos; anything beyond this is a mistake or an attack.
pub const DEFAULT_MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PhotoRef {
    pub hash: String,
    pub size: u64,
    pub mime: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("photo is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("not a supported image (JPEG, PNG or WebP)")]
    UnsupportedType,
    #[error("photo is empty")]
    Empty,
    #[error("photo {0} is not stored on this device")]
    Missing(String),
    /// The file does not open under this store's key (damaged, or not this store's).
    #[error("photo {0} is damaged on this device")]
    Damaged(String),
    #[error("photo storage: {0}")]
    Io(#[from] std::io::Error),
}

/// Recognise an image by its bytes (`ImageType::sniff`); the file name or a
/// caller's claim is not trusted.
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    ImageType::sniff(bytes).map(ImageType::mime)
}

pub fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A photo is identified by the SHA-256 of its bytes: 64 lowercase hex digits.
pub fn is_valid_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The photo folder of one device store: files named by the plaintext's hash,
/// sealed under the store's photo key.
#[derive(Debug, Clone)]
pub struct PhotoStore {
    root: PathBuf,
    max_bytes: u64,
    key: PhotoKey,
}

impl PhotoStore {
    pub fn new(root: impl Into<PathBuf>, max_bytes: u64, key: PhotoKey) -> Self {
        PhotoStore {
            root: root.into(),
            max_bytes,
            key,
        }
    }

    /// The same folder and key with another size limit.
    pub fn with_max_bytes(&self, max_bytes: u64) -> Self {
        PhotoStore {
            max_bytes,
            ..self.clone()
        }
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub fn path_for(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(hash)
    }

    /// Check and hash the bytes, without writing anything.
    pub fn check(&self, bytes: &[u8]) -> Result<PhotoRef, PhotoError> {
        let size = bytes.len() as u64;
        if size == 0 {
            return Err(PhotoError::Empty);
        }
        if size > self.max_bytes {
            return Err(PhotoError::TooLarge {
                size,
                limit: self.max_bytes,
            });
        }
        let mime = ImageType::sniff(bytes)
            .ok_or(PhotoError::UnsupportedType)?
            .mime();
        Ok(PhotoRef {
            hash: hash_bytes(bytes),
            size,
            mime: mime.to_string(),
        })
    }

    /// Write the file (temp + fsync + rename) so a crash never leaves a torn photo
    /// under its final name. Storing the same bytes twice is a no-op.
    pub fn put(&self, bytes: &[u8]) -> Result<PhotoRef, PhotoError> {
        let r = self.check(bytes)?;
        let path = self.path_for(&r.hash);
        if path.exists() {
            return Ok(r);
        }
        self.write_sealed(&r.hash, bytes)?;
        Ok(r)
    }

    /// Seal and write one file under its final name, atomically.
    fn write_sealed(&self, hash: &str, plain: &[u8]) -> Result<(), PhotoError> {
        let path = self.path_for(hash);
        let dir = path.parent().expect("photo path has a parent");
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{hash}.tmp-{}", std::process::id()));
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&sealed::seal(&self.key, hash, plain)?)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, &path)?;
        Ok(())
    }

    /// Seal the plain files left by a version that stored photos in the clear
    /// (each replaced atomically, so a cut leaves it plain for the next run).
    /// A plain file that does not match its name is left alone: uploading it
    /// would fail its hash check anyway. Returns how many were sealed.
    pub fn seal_plain_files(&self) -> Result<usize, PhotoError> {
        let mut sealed_now = 0;
        let Ok(shards) = fs::read_dir(&self.root) else {
            return Ok(0);
        };
        for shard in shards {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for f in fs::read_dir(&shard)? {
                let path = f?.path();
                let Some(hash) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !is_valid_hash(hash) {
                    continue;
                }
                let bytes = fs::read(&path)?;
                if sealed::is_sealed(&bytes) || hash_bytes(&bytes) != hash {
                    continue;
                }
                self.write_sealed(hash, &bytes)?;
                sealed_now += 1;
            }
        }
        Ok(sealed_now)
    }

    /// Read a file from disk, refusing oversized ones before reading them whole.
    pub fn put_file(&self, file: &Path) -> Result<PhotoRef, PhotoError> {
        let size = fs::metadata(file)?.len();
        if size > self.max_bytes {
            return Err(PhotoError::TooLarge {
                size,
                limit: self.max_bytes,
            });
        }
        self.put(&fs::read(file)?)
    }

    pub fn get(&self, hash: &str) -> Result<Vec<u8>, PhotoError> {
        if !is_valid_hash(hash) {
            return Err(PhotoError::Missing(hash.to_string()));
        }
        let file = fs::read(self.path_for(hash)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PhotoError::Missing(hash.to_string()),
            _ => PhotoError::Io(e),
        })?;
        sealed::open(&self.key, hash, &file).ok_or_else(|| PhotoError::Damaged(hash.to_string()))
    }

    pub fn contains(&self, hash: &str) -> bool {
        is_valid_hash(hash) && self.path_for(hash).exists()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        image::samples::jpeg(b"scan")
    }

    fn key() -> PhotoKey {
        PhotoKey::from_bytes([3; 32])
    }

    #[test]
    fn stores_by_content_once() {
        let jpeg = jpeg();
        let dir = tempfile::tempdir().unwrap();
        let s = PhotoStore::new(dir.path(), 1024, key());
        let a = s.put(&jpeg).unwrap();
        let b = s.put(&jpeg).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.mime, "image/jpeg");
        assert_eq!(s.get(&a.hash).unwrap(), jpeg);
        assert_eq!(hash_bytes(&s.get(&a.hash).unwrap()), a.hash);
        let on_disk = std::fs::read(s.path_for(&a.hash)).unwrap();
        assert!(!on_disk.windows(4).any(|w| w == b"JFIF"), "sealed at rest");
    }

    #[test]
    fn plain_files_are_sealed_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let s = PhotoStore::new(dir.path(), 1024, key());
        let jpeg = jpeg();
        let hash = hash_bytes(&jpeg);
        let path = s.path_for(&hash);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &jpeg).unwrap();
        assert!(matches!(s.get(&hash), Err(PhotoError::Damaged(_))));
        assert_eq!(s.seal_plain_files().unwrap(), 1);
        assert_eq!(s.seal_plain_files().unwrap(), 0, "once only");
        assert_ne!(std::fs::read(&path).unwrap(), jpeg);
        assert_eq!(s.get(&hash).unwrap(), jpeg);
        let other = PhotoStore::new(dir.path(), 1024, PhotoKey::from_bytes([4; 32]));
        assert!(matches!(other.get(&hash), Err(PhotoError::Damaged(_))));
    }

    #[test]
    fn refuses_oversized_and_non_images() {
        let dir = tempfile::tempdir().unwrap();
        let s = PhotoStore::new(dir.path(), 16, key());
        let mut big = jpeg();
        big.resize(17, 0);
        assert!(matches!(
            s.put(&big),
            Err(PhotoError::TooLarge {
                size: 17,
                limit: 16
            })
        ));
        assert!(matches!(
            s.put(b"hello world"),
            Err(PhotoError::UnsupportedType)
        ));
        assert!(matches!(s.put(b""), Err(PhotoError::Empty)));
        // Nothing was written for the refused ones.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
