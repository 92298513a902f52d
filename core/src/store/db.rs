//! The one place that opens the device database: SQLCipher key first, then the
//! pragmas every connection needs, then the schema.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::schema;
use crate::error::{Error, Result};
use crate::error::{Input, Invalid};

/// A 256-bit raw SQLCipher key. The shell keeps it in the platform keystore
/// (Android Keystore, iOS Keychain); it never appears in logs or errors.
#[derive(Clone)]
pub struct DbKey([u8; 32]);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(..)")
    }
}

impl DbKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DbKey(bytes)
    }

    pub fn from_hex(s: &str) -> Result<Self> {
        let v = hex::decode(s.trim())
            .map_err(|_| Error::invalid(Input::DatabaseKey, Invalid::NotHex))?;
        let bytes: [u8; 32] = v
            .try_into()
            .map_err(|_| Error::invalid(Input::DatabaseKey, Invalid::WrongKeyLength))?;
        Ok(DbKey(bytes))
    }

    pub fn generate() -> Result<Self> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
        Ok(DbKey(b))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The key this store's photo files are sealed with: HKDF-SHA256 of the
    /// database key, so the keystore holds one secret and photos fall with it.
    pub fn photo_key(&self) -> crate::photo::PhotoKey {
        let mut okm = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(None, &self.0)
            .expand(b"gridfield photo files v1", &mut okm)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        crate::photo::PhotoKey::from_bytes(okm)
    }
}

/// Open (creating if needed) an encrypted database and bring its schema up to date.
/// A wrong key is reported as `Error::WrongKey` and the file is left untouched:
/// treating it as corruption and starting over would lose a worker's data.
pub fn open(path: &Path, key: &DbKey) -> Result<Connection> {
    open_with(
        path,
        key,
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;",
    )
}

/// Open a bootstrap's new replica file (`store::bootstrap`) for a bulk build:
/// a rollback journal (appended pages cost nothing to journal; a killed process
/// leaves a committed page or none), no fsync (the file only counts once it is
/// complete and swapped in), an 8 MiB page cache (16 MiB was no faster and
/// pushed a town's build over 64 MiB), references checked by the
/// feed's order instead of per row.
#[cfg(feature = "sync")]
pub(crate) fn open_bulk(path: &Path, key: &DbKey) -> Result<Connection> {
    open_with(
        path,
        key,
        "PRAGMA journal_mode = DELETE;
         PRAGMA synchronous = OFF;
         PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -8192;
         PRAGMA temp_store = MEMORY;",
    )
}

fn open_with(path: &Path, key: &DbKey, pragmas: &str) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher logs decryption failures to stderr by default; a wrong key is
    // reported through our own error instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // Raw-key form: no passphrase derivation, the keystore already holds 256 random bits.
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
    // The first read decrypts page 1: this is where a wrong key shows.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    conn.execute_batch(pragmas)?;
    schema::init(&mut conn)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_key_is_a_clear_error_and_keeps_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let key = DbKey::generate().unwrap();
        {
            let c = open(&path, &key).unwrap();
            c.execute("INSERT INTO device_meta VALUES ('k', 'v')", [])
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let other = DbKey::generate().unwrap();
        assert!(matches!(open(&path, &other), Err(Error::WrongKey)));
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let c = open(&path, &key).unwrap();
        let v: String = c
            .query_row("SELECT value FROM device_meta WHERE key='k'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(v, "v");
    }

    #[test]
    fn key_parsing() {
        assert!(DbKey::from_hex("abcd").is_err());
        assert!(DbKey::from_hex("zz").is_err());
        let k = DbKey::generate().unwrap();
        assert_eq!(DbKey::from_hex(&k.to_hex()).unwrap().to_hex(), k.to_hex());
        assert_eq!(format!("{k:?}"), "DbKey(..)");
    }
}
