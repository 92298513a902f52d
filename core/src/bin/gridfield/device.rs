//! The device's store as the CLI opens it: the database key from a 0600 file in
//! the data directory (the CLI's stand-in for the platform keystore) or from
//! GRIDFIELD_DB_KEY, and the test hooks that play a phone with a wrong clock.

use std::fs;
use std::path::Path;

use gridfield_core::{DbKey, Error, Result, Store};

/// The key file inside the data directory, unless GRIDFIELD_DB_KEY (hex) is set.
const KEY_FILE: &str = "device.key";

pub fn key_for(data: &Path, create: bool) -> Result<DbKey> {
    if let Ok(hex) = std::env::var("GRIDFIELD_DB_KEY") {
        return DbKey::from_hex(&hex);
    }
    let path = data.join(KEY_FILE);
    match fs::read_to_string(&path) {
        Ok(s) => DbKey::from_hex(&s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let key = DbKey::generate()?;
            fs::create_dir_all(data)?;
            write_private(&path, key.to_hex().as_bytes())?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::NotInitialised(data.to_path_buf()))
        }
        Err(e) => Err(e.into()),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

pub fn open_store(data: &Path) -> Result<Store> {
    if gridfield_core::store::wipe::is_revoked(data) {
        return Err(Error::Revoked);
    }
    if !Store::exists(data) {
        return Err(Error::NotInitialised(data.to_path_buf()));
    }
    let mut store = Store::open(data, &key_for(data, false)?)?;
    // Lets tests play a phone whose clock is wrong.
    if let Some(skew) = std::env::var("GRIDFIELD_CLOCK_SKEW_MS")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        store.set_clock(move || gridfield_core::store::now_ms() + skew);
    }
    if let Some(max) = std::env::var("GRIDFIELD_MAX_PHOTO_BYTES")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        store.set_max_photo_bytes(max);
    }
    Ok(store)
}

/// After a wipe (the device was revoked) the key protects nothing any more; a
/// fresh enrollment makes a new one.
pub fn forget_key(data: &Path) {
    let _ = fs::remove_file(data.join(KEY_FILE));
}

/// The name administrators see: given, or this host's.
pub fn device_name(given: &Option<String>) -> String {
    given
        .clone()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "gridfield-cli".to_string())
}
