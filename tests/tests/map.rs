//! The map (地图, issue #18): grid boundaries imported as GeoJSON (checked whole:
//! every bad feature named in Chinese and English by its number, nothing stored),
//! shown and re-imported; `/console/map/data` scoped to the console user's grid (a
//! town's supervisor sees no other town's polygons or records, whatever the
//! filter asks) and filtered like the lists; the base-map tile setting widens the
//! Content-Security-Policy to its host only.

use std::process::Command;

use gridfield_tests::console::{get, sign_in};
use gridfield_tests::*;
use serde_json::{Value, json};

const TOWN_2: &str = "320583002";
const GRID_C: &str = "320583002001";
const ADDR_C: &str = "320583-002-0003-01-01-0101";
const PASSWORD: &str = "map-password-A1";
const PASSING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_pass.json"
);

fn square(grid: &str, lat: f64, lon: f64, size: f64) -> Value {
    let ring = json!([
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat]
    ]);
    json!({"type": "Feature", "properties": {"grid": grid},
        "geometry": {"type": "Polygon", "coordinates": [ring]}})
}

fn collection(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn import(store: &Store, text: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("boundaries.geojson");
    std::fs::write(&file, text).unwrap();
    Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin", "grid-boundaries", "import"])
        .arg(&file)
        .output()
        .unwrap()
}

fn stored(store: &Store) -> Vec<String> {
    store.query_lines("SELECT grid_code FROM grid_boundaries ORDER BY grid_code")
}

/// A second town with one grid and one address, beside the fixtures' town.
fn second_town(store: &Store) {
    let dir = tempfile::tempdir().unwrap();
    let grids = dir.path().join("grids.csv");
    std::fs::write(
        &grids,
        format!("code,name,level,parent_code\n{TOWN_2},周市镇,2,320583\n{GRID_C},周市镇第一网格,3,{TOWN_2}\n"),
    )
    .unwrap();
    store.admin(&["import-grids", grids.to_str().unwrap()]);
    let plates = dir.path().join("plates.csv");
    std::fs::write(
        &plates,
        format!(
            "code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon\n\
             {ADDR_C},{GRID_C},江苏省昆山市周市镇青阳路3号1栋1单元101室,青阳路,3号,1栋,1单元,101室,KS-2026-900001,31.4300,121.0500\n"
        ),
    )
    .unwrap();
    store.admin(&["import-plates", "--no-progress", plates.to_str().unwrap()]);
}

fn hazard_at(d: &Device, address: &str, description: &str, lat: &str, lon: &str) -> String {
    d.ok(&[
        "hazard",
        "new",
        "--address",
        address,
        "--category",
        "fire.ebike_charging",
        "--severity",
        "high",
        "--description",
        description,
        "--lat",
        lat,
        "--lon",
        lon,
    ]);
    d.sync();
    let list = d.json(&["hazard", "list"]);
    list.as_array()
        .unwrap()
        .iter()
        .find(|h| h["description"] == description)
        .map(|h| h["id"].as_str().unwrap().to_string())
        .expect("the device holds its hazard")
}

fn map_data(server: &ServerProc, cookie: &str, query: &str) -> Value {
    let r = get(&server.url, cookie, &format!("/console/map/data{query}"));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn codes(d: &Value) -> Vec<String> {
    let mut c: Vec<String> = d["grids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

fn marker_ids(d: &Value) -> Vec<String> {
    d["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

fn map(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    second_town(&store);

    // Bad features: each named by number with its reason, in both languages, and
    // nothing stored, good features included.
    let mut open = square(GRID_A, 31.38, 120.97, 0.01);
    open["geometry"]["coordinates"][0][4] = json!([120.975, 31.385]);
    let mut far = square(GRID_B, 31.38, 120.98, 0.01);
    far["geometry"]["coordinates"][0][2] = json!([120.99, 95.0]);
    let out = import(
        &store,
        &collection(vec![
            square(TOWN, 31.37, 120.96, 0.04),
            open,
            square("320583999999", 31.38, 120.99, 0.01),
            far,
        ]),
    );
    assert!(!out.status.success(), "a bad file must fail the import");
    let stderr = String::from_utf8(out.stderr).unwrap();
    for (n, zh, en) in [
        (2, "环未闭合", "not closed"),
        (4, "坐标超出范围", "out of range"),
    ] {
        assert!(
            stderr.contains(&format!("第{n}个要素：")) && stderr.contains(zh),
            "feature {n} (zh): {stderr}"
        );
        assert!(
            stderr.contains(&format!("feature {n}: ")) && stderr.contains(en),
            "feature {n} (en): {stderr}"
        );
    }
    assert!(stderr.contains("未导入任何网格边界"), "{stderr}");
    assert!(
        stored(&store).is_empty(),
        "a failed import stored something"
    );
    // Shapes fine, but a grid that does not exist: named, nothing stored.
    let out = import(
        &store,
        &collection(vec![
            square(TOWN, 31.37, 120.96, 0.04),
            square("320583999999", 31.38, 120.99, 0.01),
        ]),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("第2个要素：网格编码不存在")
            && stderr.contains("feature 2: unknown grid code"),
        "{stderr}"
    );
    assert!(stored(&store).is_empty());
    // Not GeoJSON at all.
    let out = import(&store, "code,name\n320583001,玉山镇\n");
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("不是有效的 JSON") && stderr.contains("not valid JSON"),
        "{stderr}"
    );
    assert!(stored(&store).is_empty());

    // A good file: both towns and their grids.
    let good = collection(vec![
        square(TOWN, 31.37, 120.96, 0.04),
        square(GRID_A, 31.38, 120.97, 0.01),
        square(GRID_B, 31.38, 120.985, 0.01),
        square(TOWN_2, 31.42, 121.04, 0.03),
        square(GRID_C, 31.425, 121.045, 0.01),
    ]);
    let out = import(&store, &good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 5 grid boundaries"));
    assert_eq!(stored(&store), [TOWN, GRID_A, GRID_B, TOWN_2, GRID_C]);
    // `show` prints what `import` reads back.
    let shown = store.admin(&["grid-boundaries", "show", TOWN]);
    let doc: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(doc["features"].as_array().unwrap().len(), 3, "{shown}");
    let out = import(&store, &shown);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stored(&store).len(), 5);

    // Each town's worker reports a hazard where they stand.
    let server = ServerProc::start(&store);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let c = synced_worker(&store, &server, "周敏", GRID_C);
    let hazard_a = hazard_at(&a, ADDR_A, "楼道内电动车充电", "31.3856", "120.9812");
    let hazard_c = hazard_at(&c, ADDR_C, "周市电动车充电", "31.4300", "121.0500");
    // A hazard without a position is not on the map.
    a.ok(&[
        "hazard",
        "new",
        "--address",
        ADDR_A,
        "--category",
        "gas.safety",
        "--description",
        "无定位的隐患",
    ]);
    a.sync();

    store.console_user("玉山综治", "supervisor", TOWN, PASSWORD);
    store.console_user("周市综治", "supervisor", TOWN_2, PASSWORD);
    let town1 = sign_in(&server.url, "玉山综治", PASSWORD);
    let town2 = sign_in(&server.url, "周市综治", PASSWORD);

    let d = map_data(&server, &town1, "");
    assert_eq!(codes(&d), [TOWN, GRID_A, GRID_B]);
    assert_eq!(marker_ids(&d), std::slice::from_ref(&hazard_a));
    let m = &d["markers"][0];
    assert_eq!(m["layer"], "hazard");
    assert_eq!(m["lat"], 31.3856);
    assert_eq!(m["href"], format!("/console/hazards/{hazard_a}"));
    assert!(m["class"].as_str().unwrap().contains("sev-high"), "{m}");
    assert!(m["label"].as_str().unwrap().contains("高"), "{m}");

    let d = map_data(&server, &town2, "");
    assert_eq!(codes(&d), [TOWN_2, GRID_C]);
    assert_eq!(marker_ids(&d), [hazard_c]);

    // A filter naming another town's grid does not widen the scope.
    let d = map_data(&server, &town1, &format!("?grid={GRID_C}"));
    assert_eq!(codes(&d), [TOWN, GRID_A, GRID_B]);
    assert_eq!(marker_ids(&d), std::slice::from_ref(&hazard_a));
    // …and an address of another town shows nothing of it.
    let d = map_data(&server, &town1, &format!("?address={ADDR_C}"));
    assert!(marker_ids(&d).is_empty(), "{d}");
    assert_eq!(d["address"], Value::Null);
    // Narrowing to a grid, a category, an address: the lists' filters.
    let d = map_data(&server, &town1, &format!("?grid={GRID_B}"));
    assert_eq!(codes(&d), [GRID_B]);
    assert!(marker_ids(&d).is_empty());
    let d = map_data(&server, &town1, "?category=gas.safety");
    assert!(marker_ids(&d).is_empty());
    let d = map_data(&server, &town1, "?severity=high");
    assert_eq!(marker_ids(&d), std::slice::from_ref(&hazard_a));
    let d = map_data(&server, &town1, "?severity=low");
    assert!(marker_ids(&d).is_empty());
    // An inspection made with a position is on the map; a hazard filter leaves it out.
    a.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        PASSING,
        "--lat",
        "31.3857",
        "--lon",
        "120.9813",
    ]);
    a.sync();
    let d = map_data(&server, &town1, "");
    let layers: Vec<&str> = d["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["layer"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["hazard", "inspection"], "{d}");
    let d = map_data(&server, &town1, "?overdue=1");
    assert!(marker_ids(&d).is_empty(), "{d}");
    let d = map_data(&server, &town1, &format!("?address={ADDR_A}"));
    assert_eq!(codes(&d), [GRID_A]);
    assert_eq!(d["address"], json!([31.3856, 120.9812]));
    // The hazard and the inspection made there.
    let at = marker_ids(&d);
    assert_eq!((at.len(), &at[0]), (2, &hazard_a), "{d}");

    // The page itself, and its English.
    let page = get(&server.url, &town1, "/console/map");
    assert_eq!(page.status, 200);
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains("网格地图") && html.contains("/console/static/vendor/leaflet/leaflet.js")
    );
    let js = get(
        &server.url,
        &town1,
        "/console/static/vendor/leaflet/leaflet.js",
    );
    assert_eq!(js.status, 200);
    assert!(String::from_utf8_lossy(&js.body).contains("1.9.4"));
    assert!(js.header("cache-control").unwrap().contains("max-age"));
    // Without a tile setting the policy allows images from the server alone.
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("img-src 'self';"), "{csp}");
    assert_eq!(map_data(&server, &town1, "")["tiles"], Value::Null);
}

/// `--map-tiles`: the template reaches the map, and the policy names its host.
fn map_tiles(backend: Backend) {
    let store = Store::new(backend);
    store.seed();
    let tiles = "https://{s}.tiles.example.cn/vec/{z}/{x}/{y}.png";
    let server = ServerProc::start_with(&store.target, &["--map-tiles", tiles]);
    store.console_user("玉山综治", "supervisor", TOWN, PASSWORD);
    let town1 = sign_in(&server.url, "玉山综治", PASSWORD);
    let page = get(&server.url, &town1, "/console/map");
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("img-src 'self' https://*.tiles.example.cn;"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert_eq!(map_data(&server, &town1, "")["tiles"], tiles);
    drop(server);

    // A template without {z}/{x}/{y} is refused at start, saying why.
    let out = Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "serve", "--listen", "127.0.0.1:0"])
        .args(["--map-tiles", "ftp://tiles.example.cn/a.png"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--map-tiles"));
}

on_both_backends!(map, map_tiles);
