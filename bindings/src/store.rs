//! The device's store as one object the shells hold, its constructors and
//! settings, and the database key check.

use std::path::PathBuf;
use std::sync::Arc;

use gridfield_core::Store;

use crate::error::{GridfieldError, Result};
use crate::*;

/// The device's encrypted store: a grid worker's or volunteer's whole offline world.
#[derive(uniffi::Object)]
pub struct GridfieldStore {
    pub(crate) inner: Arc<Store>,
}

impl GridfieldStore {
    pub(crate) fn wrap(store: Store) -> Arc<Self> {
        Arc::new(GridfieldStore {
            inner: Arc::new(store),
        })
    }

    /// The core store, for Rust callers (tests, benches).
    pub fn core(&self) -> &Store {
        &self.inner
    }
}

#[uniffi::export]
impl GridfieldStore {
    /// Open the store in `data_dir` with the 32-byte key from the platform keystore.
    /// A wrong key is `WrongKey` and leaves the file untouched.
    #[uniffi::constructor]
    pub fn open(data_dir: String, key: Vec<u8>) -> Result<Arc<Self>> {
        Ok(Self::wrap(Store::open(
            &PathBuf::from(data_dir),
            &db_key(&key)?,
        )?))
    }

    /// Create a store offline, without a server (demos, training). Enrolled phones
    /// use `enroll` instead.
    #[uniffi::constructor]
    pub fn create_offline(
        data_dir: String,
        key: Vec<u8>,
        identity: DeviceIdentity,
    ) -> Result<Arc<Self>> {
        Ok(Self::wrap(Store::init(
            &PathBuf::from(data_dir),
            &db_key(&key)?,
            identity.into(),
        )?))
    }

    pub fn identity(&self) -> DeviceIdentity {
        self.inner.identity().into()
    }

    pub fn lang(&self) -> Result<Lang> {
        Ok(self.inner.lang()?.into())
    }

    /// The language of reasons the core writes (plate verdicts): the user's choice.
    pub fn set_lang(&self, lang: Lang) -> Result<()> {
        Ok(self.inner.set_lang(lang.into())?)
    }
}

/// Is there a store in `data_dir` (to choose between the enroll and home screens)?
#[uniffi::export]
pub fn store_exists(data_dir: String) -> bool {
    Store::exists(&PathBuf::from(data_dir))
}

/// Was the store in `data_dir` wiped because an administrator revoked this
/// device (a lost phone)? The enroll screen then says why it is empty.
#[uniffi::export]
pub fn store_revoked(data_dir: String) -> bool {
    gridfield_core::store::wipe::is_revoked(&PathBuf::from(data_dir))
}

/// 32 random bytes for a new database key, to be sealed by the platform keystore.
#[uniffi::export]
pub fn generate_database_key() -> Result<Vec<u8>> {
    let key = gridfield_core::DbKey::generate()?;
    let hex = key.to_hex();
    Ok((0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex from to_hex"))
        .collect())
}

/// A 32-byte key from the platform keystore, checked.
pub(crate) fn db_key(key: &[u8]) -> Result<gridfield_core::DbKey> {
    let bytes: [u8; 32] = key.try_into().map_err(|_| {
        GridfieldError::invalid(
            "bad_key",
            "数据库密钥必须是 32 字节",
            "the database key must be 32 bytes",
        )
    })?;
    Ok(gridfield_core::DbKey::from_bytes(bytes))
}
