//! Photos on the device: keep one (content-addressed by hash), get one by hash
//! (downloading it when this device lacks it).

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;
use gridfield_core::sync::CancelHandle;
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::out::{self, Outcome};

#[derive(Args)]
pub struct PhotoArgs {
    file: PathBuf,
}

#[derive(Args)]
pub struct PhotoGetArgs {
    hash: String,
    #[arg(long)]
    out: PathBuf,
}

pub fn keep(cli: &Cli, store: &Store, a: &PhotoArgs) -> Outcome<()> {
    let r = store.add_photo_file(&a.file)?;
    if cli.json {
        out::json(&r);
    } else {
        println!("{}", r.hash);
    }
    Ok(())
}

pub fn get(cli: &Cli, store: &Store, lang: Lang, a: &PhotoGetArgs) -> Outcome<()> {
    let bytes = gridfield_core::sync::fetch_photo(store, &a.hash, &CancelHandle::new())?;
    fs::write(&a.out, &bytes)?;
    if cli.json {
        out::json(&serde_json::json!({ "hash": a.hash, "size": bytes.len() }));
    } else {
        let path = a.out.display().to_string();
        let size = bytes.len();
        println!("{}", Msg::PhotoSaved { path, size }.text(lang));
    }
    Ok(())
}

/// Keeps each file as a photo; their hashes, in order.
pub fn add_photos(store: &Store, files: &[PathBuf]) -> Outcome<Vec<String>> {
    let mut hashes = Vec::with_capacity(files.len());
    for f in files {
        hashes.push(store.add_photo_file(f)?.hash);
    }
    Ok(hashes)
}

/// A path (relative to `base`) or the hash of a photo this device already has.
pub fn photo_ref(store: &Store, base: &Path, s: &str) -> Outcome<String> {
    if gridfield_core::photo::is_valid_hash(s) && store.photos().contains(s) {
        return Ok(s.to_string());
    }
    Ok(store.add_photo_file(&base.join(s))?.hash)
}
