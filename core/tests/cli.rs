//! The `gridfield` binary end to end, spawned as a process the way scripts and
//! the demo use it: real data directory, real encrypted database, real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const GRID: &str = "320583001003";
const ADDR_501: &str = "320583-001-0012-03-02-0501";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn vectors() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/plates.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

struct Device {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Device {
    fn new() -> Self {
        Device {
            dir: tempfile::tempdir().unwrap(),
            env: Vec::new(),
        }
    }

    fn data(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gridfield"));
        c.arg("--data").arg(self.data()).args(args);
        c.env_remove("GRIDFIELD_DB_KEY")
            .env_remove("GRIDFIELD_LANG")
            .env_remove("GRIDFIELD_DATA");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    /// Fails with one readable line on stderr and a non-zero exit.
    fn fails(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(!o.status.success(), "{args:?} unexpectedly succeeded");
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "expected one line, got: {err}"
        );
        err
    }

    fn outbox_count(&self) -> u64 {
        self.json(&["outbox"])["count"].as_u64().unwrap()
    }

    fn worker() -> Self {
        let d = Device::new();
        let pk = vectors()["issuer"]["public_key_hex"]
            .as_str()
            .unwrap()
            .to_string();
        d.ok(&[
            "init",
            "--user",
            "张网格员",
            "--role",
            "worker",
            "--grid",
            GRID,
            "--issuer-key",
            &pk,
        ]);
        let f = fixtures();
        d.ok(&["import-grids", f.join("grids.csv").to_str().unwrap()]);
        d.ok(&[
            "import-addresses",
            f.join("addresses.csv").to_str().unwrap(),
        ]);
        d
    }
}

#[test]
fn worker_day_offline() {
    let d = Device::worker();
    let f = fixtures();

    let hits = d.json(&["search", "3栋2单元"]);
    assert_eq!(hits.as_array().unwrap().len(), 2);

    // A valid plate in scope shows the local address.
    let qr = vectors()["valid"][0]["qr"].as_str().unwrap().to_string();
    let scan = d.json(&["scan", &qr]);
    assert_eq!(scan["verified"], true);
    assert_eq!(scan["in_scope"], true);
    assert_eq!(scan["address"]["address"]["code"], ADDR_501);

    // A rental unit at the address, then the fire-safety checklist with a failing veto item.
    let ru = d.json(&[
        "entity",
        "put",
        "rental_unit",
        "--address",
        ADDR_501,
        "landlord_name=李房东",
        "rooms=3",
        "use=shared",
    ]);
    let ru_id = ru["id"].as_str().unwrap().to_string();
    let subject = format!("rental_unit:{ru_id}");
    let answers = f.join("fire_safety_fail.json");
    let out = d.json(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_501,
        "--subject",
        &subject,
        "--answers",
        answers.to_str().unwrap(),
        "--lat",
        "31.3856",
        "--lon",
        "120.9812",
    ]);
    assert_eq!(out["evaluation"]["vetoed"], true);
    assert_eq!(out["evaluation"]["passed"], false);
    let raised: Vec<String> = out["hazards_raised"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(raised.len(), 2);
    let hazards = d.json(&["hazard", "list"]);
    let cats: Vec<&str> = hazards
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["category"].as_str().unwrap())
        .collect();
    assert!(cats.contains(&"fire.ebike_charging"), "{cats:?}");

    // Hazard lifecycle from the phone.
    let h = raised
        .iter()
        .find(|id| {
            hazards
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == **id && x["category"] == "fire.ebike_charging")
        })
        .unwrap();
    d.ok(&[
        "hazard",
        "move",
        h,
        "assign",
        "--assignee",
        "李房东",
        "--deadline",
        "2099-12-31",
    ]);
    d.ok(&[
        "hazard",
        "move",
        h,
        "mark_rectified",
        "--note",
        "电动车已移出",
        "--photo",
        f.join("site.png").to_str().unwrap(),
    ]);
    let detail = d.json(&["hazard", "show", h]);
    assert_eq!(detail["hazard"]["status"], "rectified");
    assert_eq!(detail["events"].as_array().unwrap().len(), 3);

    // Report and outbox: every write above is queued, in order.
    d.ok(&[
        "report",
        "--address",
        "320583-001-0033-00-00-0000",
        "--text",
        "超市门口纸箱堵塞通道",
    ]);
    let ob = d.json(&["outbox"]);
    let kinds: Vec<&str> = ob["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["op"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "entity_upsert",
            "inspection_submit",
            "hazard_create",
            "hazard_create",
            "hazard_step",
            "hazard_step",
            "report_create"
        ]
    );
    let hlcs: Vec<&str> = ob["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["hlc"].as_str().unwrap())
        .collect();
    assert!(
        hlcs.windows(2).all(|w| w[0] < w[1]),
        "HLC stamps must increase: {hlcs:?}"
    );
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let d = Device::worker();
    let f = fixtures();
    let before = d.outbox_count();

    // Answers that do not fit the template.
    let err = d.fails(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_501,
        "--answers",
        f.join("fire_safety_invalid.json").to_str().unwrap(),
    ]);
    assert!(
        err.contains("gas_type") && err.contains("no_such_item"),
        "{err}"
    );
    assert_eq!(d.json(&["inspections"]).as_array().unwrap().len(), 0);

    // Forged, altered and truncated plates: exit code 3 and the reason.
    for v in vectors()["invalid"].as_array().unwrap() {
        let o = d.run(&["scan", v["qr"].as_str().unwrap()]);
        assert_eq!(o.status.code(), Some(3), "{}", v["name"]);
        let j = d.run(&["--json", "scan", v["qr"].as_str().unwrap()]);
        let scan: Value = serde_json::from_slice(&j.stdout).unwrap();
        assert_eq!(scan["verified"], false);
        assert_eq!(scan["rejection"][0], v["code"], "{}", v["name"]);
    }

    // An impossible hazard step.
    let out = d.json(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_501,
        "--answers",
        f.join("fire_safety_fail.json").to_str().unwrap(),
    ]);
    let h = out["hazards_raised"][0].as_str().unwrap().to_string();
    let n = d.outbox_count();
    let err = d.fails(&["hazard", "move", &h, "close"]);
    assert!(err.contains("无权") || err.contains("不能"), "{err}");
    let err = d.fails(&["hazard", "move", &h, "mark_rectified"]);
    assert!(err.contains("已上报"), "{err}");
    assert_eq!(d.outbox_count(), n);
    assert!(n > before);

    // An oversized photo: a clear message, nothing stored.
    let mut small = Device::worker();
    small
        .env
        .push(("GRIDFIELD_MAX_PHOTO_BYTES".into(), "32".into()));
    let err = small.fails(&[
        "hazard",
        "new",
        "--address",
        ADDR_501,
        "--category",
        "fire.escape_blocked",
        "--description",
        "楼道堆物",
        "--photo",
        f.join("site.png").to_str().unwrap(),
    ]);
    assert!(err.contains("照片过大"), "{err}");
    assert_eq!(small.outbox_count(), 0);
    assert!(
        !small.data().join("photos").exists()
            || std::fs::read_dir(small.data().join("photos"))
                .unwrap()
                .count()
                == 0
    );

    // A deadline in the past.
    let err = d.fails(&[
        "hazard",
        "move",
        &h,
        "assign",
        "--assignee",
        "李房东",
        "--deadline",
        "2020-01-01",
    ]);
    assert!(err.contains("整改期限"), "{err}");

    // A malformed CSV row is named by its line.
    let bad = d.data().join("bad.csv");
    std::fs::write(
        &bad,
        "code,grid_code,full_text\nA1,320583001003,江苏省昆山市某路1号\nA2,,江苏省昆山市某路2号\n",
    )
    .unwrap();
    let err = d.fails(&["import-addresses", bad.to_str().unwrap()]);
    assert!(err.contains("第 3 行"), "{err}");
    assert_eq!(
        d.json(&["search", "某路1号"]).as_array().unwrap().len(),
        0,
        "a refused import writes nothing"
    );
}

#[test]
fn wrong_key_and_double_init_keep_the_data() {
    let d = Device::worker();
    d.ok(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_501,
        "head_name=王秀英",
        "members=3",
    ]);
    let db = std::fs::read(d.data().join("gridfield.db")).unwrap();

    let mut wrong = Device {
        dir: tempfile::tempdir().unwrap(),
        env: Vec::new(),
    };
    // Point the second handle at the first device's directory with a wrong key.
    let other_key = "00".repeat(32);
    wrong.env.push(("GRIDFIELD_DB_KEY".into(), other_key));
    let o = Command::new(env!("CARGO_BIN_EXE_gridfield"))
        .arg("--data")
        .arg(d.data())
        .args(["status"])
        .env("GRIDFIELD_DB_KEY", &wrong.env[0].1)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("密钥"), "{err}");

    let err = d.fails(&["init", "--user", "x", "--role", "worker", "--grid", GRID]);
    assert!(err.contains("已有设备数据"), "{err}");
    assert!(std::fs::read(d.data().join("gridfield.db")).unwrap().len() >= db.len());
    assert_eq!(d.json(&["outbox"])["count"], 1);
    drop(wrong);
}

#[test]
fn english_is_available() {
    let d = Device::worker();
    let out = d.ok(&["--lang", "en", "search", "便民"]);
    assert!(out.contains("人民路33号"));
    let err = d.fails(&["--lang", "en", "address", "nope"]);
    assert!(err.starts_with("error: address nope not found"), "{err}");
    let err = d.fails(&["address", "nope"]);
    assert!(err.starts_with("错误: 未找到地址"), "{err}");
}

#[test]
fn volunteer_cannot_edit_or_inspect_but_can_report() {
    let d = Device::new();
    d.ok(&[
        "init",
        "--user",
        "志愿者小李",
        "--role",
        "volunteer",
        "--grid",
        GRID,
    ]);
    d.ok(&[
        "import-grids",
        fixtures().join("grids.csv").to_str().unwrap(),
    ]);
    d.ok(&[
        "import-addresses",
        fixtures().join("addresses.csv").to_str().unwrap(),
    ]);
    let err = d.fails(&[
        "entity",
        "put",
        "household",
        "--address",
        ADDR_501,
        "head_name=王秀英",
    ]);
    assert!(err.contains("无权"), "{err}");
    let err = d.fails(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_501,
        "--answers",
        fixtures().join("fire_safety_pass.json").to_str().unwrap(),
    ]);
    assert!(err.contains("无权"), "{err}");
    let err = d.fails(&["inspections"]);
    assert!(err.contains("无权"), "{err}");
    d.ok(&[
        "report",
        "--address",
        ADDR_501,
        "--text",
        "楼道内有电动车充电",
        "--photo",
        fixtures().join("ebike.png").to_str().unwrap(),
    ]);
    let p = d.json(&["points"]);
    assert_eq!(p["points"], 0);
    assert_eq!(p["reports"][0]["status"], "pending");

    // A category from the case taxonomy is kept and shown by its label.
    d.ok(&[
        "report",
        "--address",
        ADDR_501,
        "--text",
        "邻居深夜装修",
        "--category",
        "dispute.neighbor",
    ]);
    let p = d.json(&["points"]);
    let filed = p["reports"].as_array().unwrap();
    assert!(
        filed.iter().any(|r| r["category"] == "dispute.neighbor"),
        "{p}"
    );
    assert!(d.ok(&["points"]).contains("[邻里纠纷]"));
    assert!(d.ok(&["address", ADDR_501]).contains("待处理 邻里纠纷"));
    let err = d.fails(&[
        "report",
        "--address",
        ADDR_501,
        "--text",
        "x",
        "--category",
        "no.such",
    ]);
    assert!(!err.is_empty());
    assert_eq!(d.json(&["points"])["reports"].as_array().unwrap().len(), 2);
}

/// Latin words a Chinese help page may show: command and flag names, value
/// placeholders, the CSV columns it documents, and abbreviations read as such.
fn assert_no_english_words(text: &str) {
    const ALLOWED: &[&str] = &[
        "gridfield",
        "init",
        "status",
        "trust",
        "issuer",
        "import",
        "grids",
        "addresses",
        "search",
        "address",
        "scan",
        "entity",
        "template",
        "inspect",
        "inspections",
        "hazard",
        "case",
        "report",
        "points",
        "voucher",
        "visits",
        "photo",
        "get",
        "outbox",
        "enroll",
        "reenroll",
        "sync",
        "diagnostics",
        "inspection",
        "help",
        "list",
        "show",
        "new",
        "move",
        "put",
        "review",
        "data",
        "json",
        "lang",
        "version",
        "zh",
        "en",
        "code",
        "name",
        "level",
        "parent_code",
        "grid_code",
        "full_text",
        "street",
        "number",
        "building",
        "unit",
        "room",
        "plate_serial",
        "lat",
        "lon",
        "id",
        "assign",
        "start_rectification",
        "mark_rectified",
        "verify",
        "reject_rectification",
        "close",
        "reopen",
        "CSV",
        "JSON",
        "GRIDFIELD_DATA",
        "GRIDFIELD_LANG",
        "DATA",
        "LANG",
        "YYYY",
        "MM",
        "DD",
        "ID",
        "h",
        "V",
        "ACTION",
        "ASSIGNEE",
        "DEADLINE",
        "NOTE",
        "PHOTO",
        "field",
        "value",
    ];
    let is_word = |c: char| c.is_ascii_alphabetic() || c == '_' || c == '-';
    for token in text.split(|c: char| !is_word(c)) {
        // Flags (`--assignee`, `-h`) are names a person types.
        if token.starts_with('-') {
            continue;
        }
        for word in token.split('-') {
            let word = word.trim_matches('_');
            assert!(
                word.is_empty() || ALLOWED.contains(&word),
                "English word {word:?} in Chinese help:\n{text}"
            );
        }
    }
}

fn cli_output(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridfield"))
        .args(args)
        .env_remove("GRIDFIELD_LANG")
        .output()
        .unwrap()
}

#[test]
fn help_is_chinese_by_default_and_english_on_request() {
    for args in [&["--help"][..], &["hazard", "move", "--help"], &["help"]] {
        let o = cli_output(args);
        let help = String::from_utf8(o.stdout).unwrap() + &String::from_utf8(o.stderr).unwrap();
        assert!(help.contains("用法: gridfield"), "{help}");
        assert!(help.contains("选项:"), "{help}");
        assert_no_english_words(&help);
    }
    let o = cli_output(&["--help"]);
    let help = String::from_utf8(o.stdout).unwrap();
    assert!(
        help.contains("命令:") && help.contains("显示帮助"),
        "{help}"
    );

    for args in [
        &["--lang", "en", "--help"][..],
        &["--lang=en", "hazard", "move", "-h"],
    ] {
        let o = cli_output(args);
        assert!(o.status.success());
        let help = String::from_utf8(o.stdout).unwrap();
        assert!(
            help.contains("Usage: gridfield") && help.contains("Options:"),
            "{help}"
        );
        assert!(
            !help.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)
                || "，。：；！？（）【】、“”".contains(c)),
            "Chinese in English help:\n{help}"
        );
    }
}

#[test]
fn parse_errors_are_chinese_by_default() {
    let o = cli_output(&["init", "--user", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.starts_with("错误: 缺少必填参数"), "{err}");
    assert!(err.contains("用法: gridfield init"), "{err}");
    assert_no_english_words(
        &err.replace("<USER>", "")
            .replace("<ROLE>", "")
            .replace("<GRID>", ""),
    );

    let err = String::from_utf8(cli_output(&["--bogus"]).stderr).unwrap();
    assert!(err.starts_with("错误: 未知参数 '--bogus'"), "{err}");
    let err = String::from_utf8(cli_output(&["init", "--role", "boss"]).stderr).unwrap();
    assert!(err.contains("'boss'") && err.contains("可选值"), "{err}");

    let o = cli_output(&["--lang", "en", "init", "--user", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("error: the following required arguments"),
        "{err}"
    );
    assert!(err.contains("Usage: gridfield init"), "{err}");
}

#[test]
fn system_detail_stays_out_of_chinese_errors() {
    let d = Device::worker();
    let missing = d.data().join("no-such.csv");
    let err = d.fails(&["import-grids", missing.to_str().unwrap()]);
    assert!(err.starts_with("错误: 找不到文件"), "{err}");
    assert!(!err.contains("No such file"), "{err}");
    let err = d.fails(&["--lang", "en", "import-grids", missing.to_str().unwrap()]);
    assert!(err.starts_with("error: file not found"), "{err}");
    assert!(!err.contains("No such file"), "{err}");
}

#[test]
fn identifiers_are_masked_and_revealed_on_request() {
    let d = Device::worker();
    const ID: &str = "11010519491231002X";
    const PHONE: &str = "13900000001";
    let p = d.json(&[
        "entity",
        "put",
        "person",
        "--address",
        ADDR_501,
        "name=王秀英",
        &format!("id_number={ID}"),
        &format!("phone={PHONE}"),
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Every way of looking shows the masks, never the values.
    for args in [
        vec!["entity", "show", "person", &p],
        vec!["--json", "entity", "show", "person", &p],
        vec!["address", ADDR_501],
        vec!["--json", "address", ADDR_501],
    ] {
        let out = d.ok(&args);
        assert!(!out.contains(ID) && !out.contains(PHONE), "{args:?}: {out}");
        assert!(
            out.contains("1101**********002X") && out.contains("139****0001"),
            "{args:?}: {out}"
        );
    }
    // An explicit reveal shows one value.
    assert_eq!(
        d.ok(&["entity", "reveal", "person", &p, "id_number"])
            .trim(),
        ID
    );
    let j = d.json(&["entity", "reveal", "person", &p, "phone"]);
    assert_eq!(j["value"], PHONE);
    assert_eq!(j["field"], "phone");
    let empty = d.ok(&["entity", "reveal", "person", &p, "residency"]);
    assert!(empty.contains("未填写"), "{empty}");
    // A malformed ID number is refused in Chinese, without echoing it.
    let before = d.outbox_count();
    let err = d.fails(&[
        "entity",
        "put",
        "person",
        "--address",
        ADDR_501,
        "id_number=110105194912310021",
    ]);
    assert!(err.contains("不是有效的身份证号"), "{err}");
    assert!(!err.contains("110105194912310021"), "{err}");
    assert_eq!(d.outbox_count(), before);
}

/// Compact plates (`https://<city>/P/<payload>`) scanned and reported on the command line:
/// the address text comes from the device's register, bad plates exit 3 with their reason.
#[test]
fn compact_plates_scan_and_report() {
    let d = Device::worker();
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/compact_plates.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let url = v["valid"][0]["url"].as_str().unwrap();
    assert_eq!(v["valid"][0]["address_code"], ADDR_501);

    let scan = d.json(&["scan", url]);
    assert_eq!(scan["verified"], true, "{scan}");
    assert_eq!(scan["in_scope"], true, "{scan}");
    assert_eq!(scan["address"]["address"]["code"], ADDR_501);
    let text = scan["address"]["address"]["full_text"].clone();
    assert!(text.as_str().unwrap().contains("501室"));
    assert_eq!(scan["plate"]["address_text"], text);

    let id = d.json(&["report", "--plate", url, "--text", "楼道堆物"])["id"].clone();
    let points = d.json(&["points"]);
    let filed = points["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{points}"))
        .clone();
    assert_eq!(filed["address_code"], ADDR_501);
    assert_eq!(filed["address_text"], text);

    for bad in v["invalid"].as_array().unwrap() {
        let o = d.run(&["--json", "scan", bad["url"].as_str().unwrap()]);
        assert_eq!(o.status.code(), Some(3), "{}", bad["name"]);
        let scan: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(scan["rejection"][0], bad["code"], "{}", bad["name"]);
    }
}
