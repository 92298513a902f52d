//! Pull bodies: any bytes read as the device reads `GET /v1/pull` (and the
//! checksum answer), the replica digests computed from them, and each page
//! applied to a real encrypted device store, as the sync client does. A page that
//! cannot be applied is refused whole (an error); none may panic.
#![no_main]

use gridfield_core::role::Role;
use gridfield_core::wire::{self, ChecksumResponse, PullResponse};
use gridfield_core::{DbKey, Identity, Store};
use libfuzzer_sys::fuzz_target;

thread_local! {
    /// One store for the whole run (opening one per input would dominate): pages
    /// build on what earlier inputs left, as on a phone. Under `$TMPDIR`, which
    /// scripts/fuzz.sh removes afterwards.
    static STORE: Store = {
        let dir = std::env::temp_dir().join(format!("gridfield-fuzz-pull-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let identity = Identity {
            device_id: "fuzz-device".into(),
            user: "fuzz-worker".into(),
            role: Role::Worker,
            grid_scope: "320583".into(),
        };
        Store::init(&dir, &DbKey::from_bytes([7; 32]), identity).expect("a fresh store")
    };
}

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = serde_json::from_slice::<PullResponse>(data) {
        let sums = wire::checksums(page.changes.iter().cloned());
        assert!(sums.values().all(|s| s.contains(':')));
        for c in &page.changes {
            let _ = wire::digest_line(c);
        }
        STORE.with(|s| {
            if s.fuzz_apply_page(&page.changes, &page.taxonomies, &page.cursor).is_ok() {
                assert_eq!(
                    s.sync_cursor().expect("cursor reads").as_deref(),
                    Some(page.cursor.as_str())
                );
            }
        });
    }
    if let Ok(sums) = serde_json::from_slice::<ChecksumResponse>(data) {
        let _ = serde_json::to_string(&sums).expect("checksums serialise");
    }
});
