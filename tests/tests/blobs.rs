//! Photos over `/v1/blobs` and the console, tried as a hostile phone and a curious
//! volunteer would, on SQLite and on PostgreSQL: a photo is served only to whom a
//! record it may see refers to it (anything else is the same 404 as a missing
//! photo), uploads are images by their bytes (SVG and HTML are refused and not
//! kept), and photos are served as the image they are, never as markup.

use gridfield_core::photo::hash_bytes;
use gridfield_tests::console::{self, session};
use gridfield_tests::*;
use serde_json::{Value, json};

const FAIL_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_fail.json"
);
const PASSWORD: &str = "console-pass-1";
/// 周市镇第一网格: a grid of another town, with one address.
const OTHER_TOWN_GRID: &str = "320583002001";

fn core_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(core_fixture(name)).unwrap()
}

/// Another town (周市镇) beside the fixture grids.
fn add_other_town(store: &Store) {
    let dir = tempfile::tempdir().unwrap();
    let grids = dir.path().join("grids.csv");
    std::fs::write(
        &grids,
        format!(
            "code,name,level,parent_code\n320583002,周市镇,2,320583\n{OTHER_TOWN_GRID},周市镇第一网格,3,320583002\n"
        ),
    )
    .unwrap();
    store.admin(&["import-grids", grids.to_str().unwrap()]);
}

fn blob_url(server: &ServerProc, hash: &str) -> String {
    format!("{}/v1/blobs/{hash}", server.url)
}

fn get(server: &ServerProc, d: &Device, hash: &str) -> Reply {
    let auth = format!("Bearer {}", d.token());
    http(
        "GET",
        &blob_url(server, hash),
        &[("authorization", &auth)],
        None,
    )
}

fn head(server: &ServerProc, d: &Device, hash: &str) -> Reply {
    let auth = format!("Bearer {}", d.token());
    http(
        "HEAD",
        &blob_url(server, hash),
        &[("authorization", &auth)],
        None,
    )
}

/// One whole-photo PUT (or a first chunk of `total` bytes), declaring `ctype`.
fn put(
    server: &ServerProc,
    d: &Device,
    hash: &str,
    body: &[u8],
    ctype: &str,
    total: usize,
) -> Reply {
    put_at(server, d, hash, body, ctype, 0, total)
}

fn put_at(
    server: &ServerProc,
    d: &Device,
    hash: &str,
    body: &[u8],
    ctype: &str,
    offset: usize,
    total: usize,
) -> Reply {
    let auth = format!("Bearer {}", d.token());
    let (o, t) = (offset.to_string(), total.to_string());
    http(
        "PUT",
        &blob_url(server, hash),
        &[
            ("authorization", &auth),
            ("content-type", ctype),
            ("upload-offset", &o),
            ("upload-length", &t),
        ],
        Some(body),
    )
}

/// `d` gets the photo: the exact bytes, as the image they are.
fn assert_served(server: &ServerProc, d: &Device, hash: &str, bytes: &[u8], mime: &str, ext: &str) {
    let r = get(server, d, hash);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.body == bytes, "the exact bytes");
    assert_photo_headers(&r, hash, mime, ext);
    assert_eq!(head(server, d, hash).status, 200);
}

fn assert_photo_headers(r: &Reply, hash: &str, mime: &str, ext: &str) {
    assert_eq!(r.header("content-type").as_deref(), Some(mime));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("inline; filename=\"{hash}.{ext}\""))
    );
}

/// `d` learns nothing: GET and HEAD answer exactly as for a photo nobody has.
fn assert_hidden(server: &ServerProc, d: &Device, hash: &str) {
    let nobody = hash_bytes(b"a photo nobody ever uploaded");
    let (r, none) = (get(server, d, hash), get(server, d, &nobody));
    r.assert_error(404, "not_found");
    assert_eq!((r.status, &r.body), (none.status, &none.body));
    assert_eq!(r.header("content-type"), none.header("content-type"));
    let (h, hn) = (head(server, d, hash), head(server, d, &nobody));
    assert_eq!(h.status, 404);
    assert_eq!(h.header("upload-offset").as_deref(), Some("0"));
    assert_eq!(h.header("upload-offset"), hn.header("upload-offset"));
}

fn photos_follow_the_records_a_device_may_see(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    add_other_town(&store);
    let server = ServerProc::start(&store);

    // A worker of grid A inspects (photos and a signature) and records a hazard with a photo.
    let w = synced_worker(&store, &server, "张伟", GRID_A);
    w.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    let jpg = core_fixture("tiny.jpg");
    w.ok(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "fire.escape_blocked",
        "--description",
        "楼道堆放杂物",
        "--photo",
        jpg.to_str().unwrap(),
    ]);
    let r = w.sync();
    assert_eq!(r["rejected"].as_array().map(Vec::len), Some(0), "{r}");
    let insp_photo = w.json(&["inspections"])[0]["photos"]["ebike_indoor"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(insp_photo, hash_bytes(&read("ebike.png")));
    let hazard_photo = hash_bytes(&read("tiny.jpg"));

    // A volunteer of grid A reports with a photo of its own.
    let v = Device::enrolled(&server, &store.code("王芳", "volunteer", GRID_A));
    v.sync();
    let webp = core_fixture("tiny.webp");
    v.ok(&[
        "report",
        "--address",
        ADDR_A,
        "--text",
        "楼道里停了电动车",
        "--photo",
        webp.to_str().unwrap(),
    ]);
    let r = v.sync();
    assert_eq!(r["rejected"].as_array().map(Vec::len), Some(0), "{r}");
    let report_photo = hash_bytes(&read("tiny.webp"));

    let sup = Device::enrolled(&server, &store.code("赵强", "supervisor", TOWN));
    let v2 = Device::enrolled(&server, &store.code("刘洋", "volunteer", GRID_A));
    let b = Device::enrolled(&server, &store.code("李娜", "worker", GRID_B));
    let o = Device::enrolled(&server, &store.code("周明", "worker", OTHER_TOWN_GRID));

    // The owner and the town's supervisor get every photo, as the image it is.
    for d in [&w, &sup] {
        assert_served(
            &server,
            d,
            &insp_photo,
            &read("ebike.png"),
            "image/png",
            "png",
        );
        assert_served(
            &server,
            d,
            &hazard_photo,
            &read("tiny.jpg"),
            "image/jpeg",
            "jpg",
        );
    }
    assert_served(
        &server,
        &sup,
        &report_photo,
        &read("tiny.webp"),
        "image/webp",
        "webp",
    );
    // The volunteer gets its own report's photo, never an inspection or hazard photo.
    assert_served(
        &server,
        &v,
        &report_photo,
        &read("tiny.webp"),
        "image/webp",
        "webp",
    );
    for hash in [&insp_photo, &hazard_photo] {
        assert_hidden(&server, &v, hash);
        assert_hidden(&server, &v2, hash);
    }
    // Another volunteer does not get someone else's report photo.
    assert_hidden(&server, &v2, &report_photo);
    // A worker of the sibling grid and one of another town learn of none of them.
    for d in [&b, &o] {
        for hash in [&insp_photo, &hazard_photo, &report_photo] {
            assert_hidden(&server, d, hash);
        }
    }

    // Knowing a hash is not having the photo: a record referring to it waits for
    // the photo as if it had never been uploaded, and opens nothing.
    let rid = v.json(&["report", "--address", ADDR_A, "--text", "又见电动车"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mine = v
        .store()
        .reports()
        .unwrap()
        .into_iter()
        .find(|r| r.id == rid)
        .unwrap();
    let mut forged = serde_json::to_value(&mine).unwrap();
    forged["id"] = json!("forged-report-1");
    forged["photos"] = json!([insp_photo]);
    let res = push_one(
        &server,
        &v,
        "forged-1",
        "forged-report-1",
        json!({ "type": "report_create", "report": forged }),
    );
    assert_eq!(res["status"], "pending_photos", "{res}");
    assert_hidden(&server, &v, &insp_photo);

    // Nor does the upload route tell: a first chunk is only a partial upload of
    // its own, and only the whole bytes make the photo the device's.
    let ebike = read("ebike.png");
    let r = put(
        &server,
        &o,
        &insp_photo,
        &ebike[..30],
        "image/png",
        ebike.len(),
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("upload-offset").as_deref(), Some("30"));
    assert_hidden(&server, &b, &insp_photo);
    let r = put_at(
        &server,
        &o,
        &insp_photo,
        &ebike[30..],
        "image/png",
        30,
        ebike.len(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_served(&server, &o, &insp_photo, &ebike, "image/png", "png");
    // The owner's re-upload of a photo it may see is answered at once.
    assert_eq!(
        put(&server, &w, &hazard_photo, b"\xFF\xD8\xFF", "image/jpeg", 3).status,
        200
    );

    // The console applies the same rule.
    store.console_user("孙丽", "supervisor", GRID_B, PASSWORD);
    store.console_user("陈刚", "supervisor", GRID_A, PASSWORD);
    let gb = session(&console::login(&server.url, "孙丽", PASSWORD));
    let ga = session(&console::login(&server.url, "陈刚", PASSWORD));
    let r = console::get(&server.url, &ga, &format!("/console/photos/{hazard_photo}"));
    assert_eq!(r.status, 200);
    assert_photo_headers(&r, &hazard_photo, "image/jpeg", "jpg");
    let r = console::get(&server.url, &gb, &format!("/console/photos/{hazard_photo}"));
    assert_eq!(r.status, 404);
}

/// Push one raw operation as the device `d` (as a hostile phone would).
fn push_one(server: &ServerProc, d: &Device, op_id: &str, entity_id: &str, op: Value) -> Value {
    push_ops(server, &d.token(), &[raw_op(op_id, entity_id, op)]).remove(0)
}

fn count(store: &Store, table: &str, hash: &str) -> usize {
    store.query_lines(&format!(
        "SELECT CAST(count(*) AS TEXT) FROM {table} WHERE hash = '{hash}'"
    ))[0]
        .parse()
        .unwrap()
}

fn uploads_are_images_by_their_bytes(backend: Backend) {
    let (store, mut server) = seeded_server(backend);
    let w = synced_worker(&store, &server, "张伟", GRID_A);

    // Markup is refused whatever it is declared as, and nothing of it is kept.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>fetch('/console/export/inspections.csv')</script></svg>"#.to_vec();
    let html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
        .to_vec();
    let mut png_then_script = b"\x89PNG\r\n\x1a\n".to_vec();
    png_then_script.extend_from_slice(&svg);
    for (bytes, declared) in [
        (&svg, "image/svg+xml"),
        (&html, "image/jpeg"),
        (&png_then_script, "image/png"),
    ] {
        let hash = hash_bytes(bytes);
        let r = put(&server, &w, &hash, bytes, declared, bytes.len());
        r.assert_error(415, "unsupported_media_type");
        let msg = r.json()["message"].as_str().unwrap().to_string();
        assert!(
            msg.contains("JPEG") && msg.contains("仅接受") && msg.contains("only"),
            "{msg}"
        );
        assert_eq!(count(&store, "blobs", &hash), 0);
        assert_eq!(count(&store, "blob_uploads", &hash), 0);
        assert_hidden(&server, &w, &hash);
    }
    // A photo header in a first chunk and markup after it: refused when whole,
    // and the partial copy is dropped.
    let hash = hash_bytes(&png_then_script);
    let n = png_then_script.len();
    assert_eq!(
        put(&server, &w, &hash, &png_then_script[..20], "image/png", n).status,
        202
    );
    put_at(
        &server,
        &w,
        &hash,
        &png_then_script[20..],
        "image/png",
        20,
        n,
    )
    .assert_error(415, "unsupported_media_type");
    assert_eq!(count(&store, "blob_uploads", &hash), 0);
    assert_hidden(&server, &w, &hash);

    // JPEG, PNG and WebP are kept as what their bytes are, whatever was declared.
    for (name, declared, mime, ext) in [
        ("tiny.jpg", "text/html", "image/jpeg", "jpg"),
        ("site.png", "image/svg+xml", "image/png", "png"),
        (
            "tiny.webp",
            "application/octet-stream",
            "image/webp",
            "webp",
        ),
    ] {
        let bytes = read(name);
        let hash = hash_bytes(&bytes);
        let r = put(&server, &w, &hash, &bytes, declared, bytes.len());
        assert_eq!(
            r.status,
            200,
            "{name}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(
            store.query_lines(&format!("SELECT mime FROM blobs WHERE hash = '{hash}'")),
            [mime]
        );
        // The device's own upload is its own before any record refers to it.
        assert_served(&server, &w, &hash, &bytes, mime, ext);
    }

    // A photo stored before types were checked is served as a download, never as markup.
    let hz = w.json(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "fire.escape_blocked",
        "--description",
        "楼道堆放杂物",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.sync();
    let old = hash_bytes(&svg);
    let hex: String = svg.iter().map(|b| format!("{b:02x}")).collect();
    let data = if store.is_postgres() {
        format!("decode('{hex}', 'hex')")
    } else {
        format!("X'{hex}'")
    };
    server.kill();
    store.sql(&format!(
        "INSERT INTO blobs (hash, size, mime, data, created_at) VALUES ('{old}', {}, 'image/svg+xml', {data}, 0);
         INSERT INTO record_photos (hash, kind, record_id, grid_path)
           SELECT '{old}', 'hazard', id, grid_path FROM records WHERE kind = 'hazard' AND id = '{hz}';",
        svg.len()
    ));
    server.restart_after_kill();
    let r = get(&server, &w, &old);
    assert_eq!(r.status, 200);
    assert!(r.body == svg);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("attachment; filename=\"{old}.bin\""))
    );
    store.console_user("陈刚", "supervisor", GRID_A, PASSWORD);
    let ga = session(&console::login(&server.url, "陈刚", PASSWORD));
    let r = console::get(&server.url, &ga, &format!("/console/photos/{old}"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(
        r.header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
}

on_both_backends!(
    photos_follow_the_records_a_device_may_see,
    uploads_are_images_by_their_bytes,
);
