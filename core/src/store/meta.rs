//! Device settings and bookkeeping in `device_meta`: the identity, the HLC state,
//! the trusted plate issuers, the display language. One key-value table so a new
//! setting needs no schema change.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::i18n::Lang;
use crate::plate::IssuerPublicKey;

pub(crate) const META_IDENTITY: &str = "identity";
pub(crate) const META_HLC: &str = "hlc";
pub(crate) const META_ISSUERS: &str = "issuer_keys";
const META_LANG: &str = "lang";

pub(crate) fn meta_get(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM device_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub(crate) fn meta_put(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.prepare_cached("INSERT INTO device_meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?
        .execute(params![key, value])?;
    Ok(())
}

pub(crate) fn issuer_keys(c: &Connection) -> Result<Vec<IssuerPublicKey>> {
    let Some(s) = meta_get(c, META_ISSUERS)? else {
        return Ok(Vec::new());
    };
    let hexes: Vec<String> = serde_json::from_str(&s)?;
    hexes
        .iter()
        .map(|h| Ok(IssuerPublicKey::from_hex(h)?))
        .collect()
}

/// Add `key` to the trusted issuers (several may be trusted during rotation).
pub(crate) fn trust_issuer(c: &Connection, key: IssuerPublicKey) -> Result<()> {
    let mut keys = issuer_keys(c)?;
    if !keys.contains(&key) {
        keys.push(key);
    }
    let hexes: Vec<String> = keys.iter().map(|k| k.to_hex()).collect();
    meta_put(c, META_ISSUERS, &serde_json::to_string(&hexes)?)
}

pub(crate) fn lang(c: &Connection) -> Result<Lang> {
    Ok(meta_get(c, META_LANG)?
        .and_then(|s| Lang::parse(&s))
        .unwrap_or_default())
}

pub(crate) fn set_lang(c: &Connection, lang: Lang) -> Result<()> {
    meta_put(c, META_LANG, if lang.is_en() { "en" } else { "zh" })
}
