//! Personal data on the phone, end to end against a real server: photos are
//! sealed at rest yet reach the server byte for byte, and a revoked device
//! (a lost phone) wipes its store and photos on its next contact and says why.

use std::path::{Path, PathBuf};

use gridfield_core::photo::hash_bytes;
use gridfield_tests::*;

const EBIKE_PNG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/ebike.png"
);
const SITE_PNG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/site.png"
);

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Neither the photo nor a recognisable piece of it is in any file under `dir`.
fn assert_photo_not_on_disk(dir: &Path, photo: &[u8], when: &str) {
    // Past the PNG signature, which any PNG shares.
    let piece = &photo[16..photo.len().min(48)];
    for f in files_under(dir) {
        let bytes = std::fs::read(&f).unwrap();
        for (what, needle) in [("photo", photo), ("piece of the photo", piece)] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{when}: {what} readable in {}",
                f.display()
            );
        }
    }
}

fn photos_sealed_and_revoked_phone_wiped(backend: Backend) {
    let (store, server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "王芳", GRID_A);
    let ebike = std::fs::read(EBIKE_PNG).unwrap();
    let hash = hash_bytes(&ebike);

    // A photo on a report: sealed on the phone, delivered exactly to the server.
    w.ok(&[
        "report",
        "--address",
        ADDR_A,
        "--text",
        "楼道堆放杂物",
        "--photo",
        EBIKE_PNG,
    ]);
    assert_photo_not_on_disk(w.data(), &ebike, "before sync");
    let r = w.sync();
    assert_eq!(r["photos_uploaded"], 1, "{r}");
    let token = w.token();
    let got = http(
        "GET",
        &format!("{}/v1/blobs/{hash}", server.url),
        &[("authorization", &format!("Bearer {token}"))],
        None,
    );
    assert_eq!(got.status, 200);
    assert_eq!(hash_bytes(&got.body), hash);
    assert_eq!(got.body, ebike, "the server has the exact bytes");
    assert_photo_not_on_disk(w.data(), &ebike, "after sync");

    // Unsynced work at the moment the phone is lost.
    let site = std::fs::read(SITE_PNG).unwrap();
    w.ok(&[
        "report",
        "--address",
        ADDR_A,
        "--text",
        "未同步的上报",
        "--photo",
        SITE_PNG,
    ]);
    assert_photo_not_on_disk(w.data(), &site, "unsynced");
    let id = w.device_id();
    let out = store.admin(&["revoke", &id]);
    assert!(out.contains(&id), "{out}");

    // The next contact: refused, wiped, told why in one line.
    let o = w.run(&["sync"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    for words in ["停用", "已全部清除", "无法再上传", "重新注册"] {
        assert!(stderr.contains(words), "{words:?} missing: {stderr:?}");
    }
    let left: Vec<String> = files_under(w.data())
        .iter()
        .map(|p| {
            p.strip_prefix(w.data())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(left, vec!["revoked".to_string()], "only the marker is left");
    assert_photo_not_on_disk(w.data(), &ebike, "after wipe");
    assert_photo_not_on_disk(w.data(), &site, "after wipe");
    assert!(
        out.contains("wipes") && out.contains("lost"),
        "the admin is told the phone wipes itself and unsynced work is lost: {out}"
    );

    // Every later command says the same, in either language, and changes nothing.
    let o = w.run(&["--json", "status"]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["error"], "device_revoked", "{j}");
    let o = w.run(&["--lang", "en", "status"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("wiped"), "{stderr:?}");
    assert!(
        !stderr
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{stderr:?}"
    );

    // The same phone enrolled afresh with a new code works again, empty.
    w.ok(&[
        "enroll",
        "--server",
        &server.url,
        "--code",
        &store.code("王芳", "worker", GRID_A),
    ]);
    assert!(!w.data().join("revoked").exists());
    assert_ne!(w.device_id(), id);
    w.sync();
    assert_eq!(w.count("SELECT count(*) FROM outbox"), 0);
}

on_both_backends!(photos_sealed_and_revoked_phone_wiped);
