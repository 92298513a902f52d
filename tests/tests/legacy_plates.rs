//! Plates installed before Gridfield (旧门牌, issue #17): the admin imports their
//! texts mapped to address codes (all or nothing, line-numbered errors in Chinese
//! and English, re-import remaps); a device receives its scope's mappings with its
//! pull and resolves such a plate offline as "未签名的旧门牌", never as genuine; a
//! device outside the scope does not receive the mapping.

use std::process::Command;

use gridfield_tests::*;
use serde_json::Value;

const OLD_A: &str = "KS-OLD-0501";
const OLD_B: &str = "http://old-plates.example.cn/m?id=0302&t=1";
const ADDR_A2: &str = "320583-001-0012-03-02-0502";

fn import(store: &Store, csv: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("legacy.csv");
    std::fs::write(&file, csv).unwrap();
    Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin", "plates", "import-legacy"])
        .arg(&file)
        .output()
        .unwrap()
}

fn mappings(store: &Store) -> Vec<String> {
    store.query_lines(
        "SELECT plate_text || '=' || address_code FROM legacy_plates ORDER BY plate_text",
    )
}

/// `gridfield --json scan`: a legacy plate is not verified, so the command exits
/// non-zero; its verdict is on standard output all the same.
fn scan(d: &Device, text: &str) -> Value {
    let out = d.run(&["--json", "scan", text]);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("scan {text}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn legacy_plates(backend: Backend) {
    let store = Store::new(backend);
    store.seed();

    // Every bad line is named, in Chinese and in English, and nothing is imported.
    let out = import(
        &store,
        &format!(
            "legacy_text,address_code\n\
             {OLD_A},{ADDR_A}\n\
             KS-OLD-9999,no-such-address\n\
             https://gf.example.cn/P/UI0ABC,{ADDR_A}\n\
             \"  \",{ADDR_A}\n\
             {OLD_A},{ADDR_B}\n\
             too,many,cells\n\
             \"{OLD_B}\",{ADDR_B}\n"
        ),
    );
    assert!(!out.status.success(), "bad lines must fail the import");
    let stderr = String::from_utf8(out.stderr).unwrap();
    for (line, zh, en) in [
        (3, "地址编码不存在", "unknown address code"),
        (4, "本系统签发的门牌", "signed by this system"),
        (5, "为空", "is empty"),
        (6, "与第2行的旧门牌重复", "the same legacy plate as line 2"),
        (7, "每行应有两列", "two columns"),
    ] {
        assert!(
            stderr.contains(&format!("第{line}行：")) && stderr.contains(zh),
            "line {line} (zh) missing: {stderr}"
        );
        assert!(
            stderr.contains(&format!("line {line}: ")) && stderr.contains(en),
            "line {line} (en) missing: {stderr}"
        );
    }
    for good in [2, 8] {
        assert!(!stderr.contains(&format!("line {good}:")), "{stderr}");
    }
    assert!(stderr.contains("未导入任何旧门牌"), "{stderr}");
    assert!(
        mappings(&store).is_empty(),
        "a failed import wrote something"
    );

    let out = import(
        &store,
        &format!("legacy_text,address_code\n{OLD_A},{ADDR_A}\n\"{OLD_B}\",{ADDR_B}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 2 legacy plates"));
    assert_eq!(
        mappings(&store),
        [format!("{OLD_A}={ADDR_A}"), format!("{OLD_B}={ADDR_B}")]
    );

    let server = ServerProc::start(&store);
    let a = synced_worker(&store, &server, "张伟", GRID_A);
    let b = synced_worker(&store, &server, "李娜", GRID_B);

    // In scope: resolved offline to the address, marked unsigned, never genuine.
    let s = scan(&a, OLD_A);
    assert_eq!(s["verdict"], "legacy", "{s}");
    assert_eq!(s["verdict_text"], "未签名的旧门牌", "{s}");
    assert_eq!(s["verified"], false, "{s}");
    assert_eq!(s["rejection"], Value::Null, "{s}");
    assert_eq!(s["in_scope"], true, "{s}");
    assert_eq!(s["plate"]["address_code"], ADDR_A, "{s}");
    assert_eq!(
        s["plate"]["address_text"], "江苏省昆山市玉山镇建设路12号3栋2单元501室",
        "{s}"
    );
    assert_eq!(s["address"]["address"]["code"], ADDR_A, "{s}");
    // A scanner may add spaces or a line break around the text.
    assert_eq!(scan(&a, &format!(" {OLD_A}\n"))["verdict"], "legacy");
    let human = a.run(&["scan", OLD_A]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("未签名的旧门牌") && text.contains(ADDR_A),
        "{text}"
    );

    // Out of scope: grid A's device never received grid B's mapping.
    assert_eq!(
        a.count("SELECT COUNT(*) FROM legacy_plates"),
        1,
        "grid A holds only its own mapping"
    );
    let s = scan(&a, OLD_B);
    assert_eq!(s["verdict"], "forged", "{s}");
    assert_eq!(s["rejection"][0], "plate_not_a_plate", "{s}");
    assert_eq!(scan(&b, OLD_B)["plate"]["address_code"], ADDR_B);
    assert_eq!(scan(&b, OLD_A)["verdict"], "forged");
    // Unknown text stays "not a plate".
    assert_eq!(scan(&a, "KS-OLD-0000")["rejection"][0], "plate_not_a_plate");

    // Re-import remaps; the device takes the new mapping at its next sync, and a
    // sync with nothing changed leaves it as it is.
    let out = import(
        &store,
        &format!("legacy_text,address_code\n{OLD_A},{ADDR_A2}\n"),
    );
    assert!(out.status.success());
    assert_eq!(
        mappings(&store),
        [format!("{OLD_A}={ADDR_A2}"), format!("{OLD_B}={ADDR_B}")]
    );
    a.sync();
    assert_eq!(scan(&a, OLD_A)["plate"]["address_code"], ADDR_A2);
    a.sync();
    assert_eq!(scan(&a, OLD_A)["plate"]["address_code"], ADDR_A2);
    assert_eq!(a.count("SELECT COUNT(*) FROM legacy_plates"), 1);
}

on_both_backends!(legacy_plates);
