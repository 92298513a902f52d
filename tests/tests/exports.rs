//! The console's exports opened with a real spreadsheet reader (openpyxl, in the
//! venv `scripts/openpyxl-venv.sh` makes): typed score and date cells, a bold
//! frozen header with an autofilter, a Chinese sheet name, readable names (the
//! checklist's, the address's, the grid's), on SQLite and on PostgreSQL.

use std::process::Command;

use gridfield_tests::console::{self, session};
use gridfield_tests::*;
use serde_json::Value;

const FAIL_ANSWERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/fire_safety_fail.json"
);
const PASSWORD: &str = "console-pass-1";

/// What openpyxl reads from a workbook: the first sheet's name, frozen cell,
/// filter range, whether A1 is bold, and every cell as `[type, text]`.
const READ: &str = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
def cell(c):
    v = c.value
    return [type(v).__name__, "" if v is None else str(v), c.number_format]
print(json.dumps({
    "sheets": wb.sheetnames,
    "freeze": ws.freeze_panes,
    "filter": ws.auto_filter.ref,
    "bold": bool(ws["A1"].font.b),
    "widths": [ws.column_dimensions[c].width for c in "ABCD"],
    "rows": [[cell(c) for c in r] for r in ws.iter_rows()],
}, ensure_ascii=False))
"#;

fn python() -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/openpyxl-venv.sh");
    let out = Command::new(script).output().expect("openpyxl venv");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn open_xlsx(py: &str, bytes: &[u8]) -> Value {
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(py)
        .args(["-c", READ, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openpyxl could not read the export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The column of a header in the first row.
fn col(sheet: &Value, header: &str) -> usize {
    sheet["rows"][0]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c[1] == header)
        .unwrap_or_else(|| panic!("no column {header}: {}", sheet["rows"][0]))
}

fn exports_open_in_a_spreadsheet(backend: Backend) {
    let py = python();
    let store = Store::new(backend);
    store.seed();
    store.console_user("赵强", "supervisor", GRID_A, PASSWORD);
    let server = ServerProc::start(&store);
    let w = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    w.sync();
    w.ok(&[
        "inspect",
        "--template",
        "rental_fire_safety",
        "--address",
        ADDR_A,
        "--answers",
        FAIL_ANSWERS,
    ]);
    w.sync();
    let a = session(&console::login(&server.url, "赵强", PASSWORD));
    let get = |path: &str| {
        let r = console::get(&server.url, &a, path);
        assert_eq!(r.status, 200, "{path}");
        r.body
    };

    let x = open_xlsx(&py, &get("/console/export/inspections.xlsx"));
    assert_eq!(x["sheets"][0], "巡查记录");
    assert_eq!(x["freeze"], "A2", "the header row is frozen");
    assert_eq!(
        x["filter"], "A1:N2",
        "an autofilter over the header and the rows"
    );
    assert_eq!(x["bold"], true, "the header is bold");
    assert!(x["widths"][0].as_f64().unwrap() > 20.0, "{}", x["widths"]);
    let row = &x["rows"][1];
    // The score is a number, the times are date cells, the names are words.
    let score = &row[col(&x, "得分")];
    assert_eq!(score[0], "int", "score cell: {score}");
    let started = &row[col(&x, "开始时间")];
    assert_eq!(started[0], "datetime", "started cell: {started}");
    assert!(started[2].as_str().unwrap().contains("yyyy"), "{started}");
    assert_eq!(row[col(&x, "检查表")][1], "出租房屋消防安全检查");
    assert_eq!(
        row[col(&x, "地址")][1],
        "江苏省昆山市玉山镇建设路12号3栋2单元501室"
    );
    assert_eq!(row[col(&x, "网格")][1], "玉山镇第三网格");

    // The hazards the failed inspection raised: a date deadline column, a grid.
    let h = open_xlsx(&py, &get("/console/export/hazards.xlsx"));
    assert_eq!(h["sheets"][0], "隐患");
    assert_eq!(h["freeze"], "A2");
    let n = h["rows"].as_array().unwrap().len();
    assert!(n > 1, "hazards exported: {n}");
    assert_eq!(h["filter"], format!("A1:N{n}"));
    assert_eq!(h["rows"][1][col(&h, "上报时间")][0], "datetime");
    assert_eq!(h["rows"][1][col(&h, "网格")][1], "玉山镇第三网格");

    // English: the sheet's name and the headers follow the language.
    let e = open_xlsx(&py, &get("/console/export/inspections.xlsx?lang=en"));
    assert_eq!(e["sheets"][0], "Inspections");
    assert_eq!(
        e["rows"][1][col(&e, "checklist")][1],
        "Rental housing fire safety inspection"
    );

    // The CSV carries the same readable names and local times as text.
    let csv = String::from_utf8(get("/console/export/inspections.csv")).unwrap();
    assert!(csv.contains("\"出租房屋消防安全检查\""), "{csv}");
    assert!(csv.contains("\"玉山镇第三网格\""), "{csv}");
    assert!(!csv.contains("\"rental_fire_safety\""), "{csv}");
}

on_both_backends!(exports_open_in_a_spreadsheet);
