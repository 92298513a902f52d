//! The operator's side: plate import with a line-numbered error report, plate
//! signing verifiable offline with the exported issuer key, and enrollment codes
//! that work once.

use std::process::Command;

use gridfield_core::plate::{IssuerPublicKey, verify};
use gridfield_tests::*;

fn admin_raw(store: &Store, args: &[&str]) -> std::process::Output {
    Command::new(bin("gridfield-server"))
        .args(["--db", &store.target, "admin"])
        .args(args)
        .output()
        .unwrap()
}

fn plates_and_keys(backend: Backend) {
    let store = Store::new(backend);
    store.admin(&[
        "import-grids",
        fixtures().join("grids.csv").to_str().unwrap(),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("plates.csv");
    std::fs::write(
        &csv,
        "code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon\n\
         A-1,320583001003,江苏省昆山市建设路1号,建设路,1号,,,,KS-1,31.1,120.9\n\
         A-2,no-such-grid,江苏省昆山市建设路2号,建设路,2号,,,,KS-2,,\n\
         A-3,320583001003,,建设路,3号,,,,KS-3,,\n\
         A-4,320583001003,江苏省昆山市建设路4号,建设路,4号,,,,KS-4,north,\n\
         A-5,320583001004,江苏省昆山市朝阳路5号,朝阳路,5号,,,,KS-5,,\n",
    )
    .unwrap();
    let out = admin_raw(
        &store,
        &["import-plates", "--no-progress", csv.to_str().unwrap()],
    );
    assert!(
        !out.status.success(),
        "bad rows must make the import exit non-zero"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains("imported 2 plates"), "{stdout}");
    for line in ["line 3:", "line 4:", "line 5:"] {
        assert!(stderr.contains(line), "{line} missing from: {stderr}");
    }
    assert!(
        !stderr.contains("line 2:") && !stderr.contains("line 6:"),
        "{stderr}"
    );

    // Plates signed for grid A verify offline with the exported key, and only A's.
    let key = IssuerPublicKey::from_hex(store.admin(&["issuer-key"]).trim()).unwrap();
    let signed = store.admin(&[
        "sign-plates",
        "--grid",
        GRID_A,
        "--base-url",
        "https://gf.example.cn",
    ]);
    let lines: Vec<&str> = signed.lines().collect();
    assert_eq!(lines.len(), 1, "{signed}");
    let qr = lines[0].split('\t').nth(2).unwrap();
    // A compact plate: the server's URL, the address code; the text comes from the register.
    assert!(qr.starts_with("HTTPS://GF.EXAMPLE.CN/P/"), "{qr}");
    let v = verify(qr, &[key]).unwrap();
    assert_eq!(v.data.address_code, "A-1");
    assert_eq!(v.format_version, 3);
    // The URL is remembered for the next run.
    let again = store.admin(&["sign-plates", "--grid", GRID_A]);
    assert!(again.contains("HTTPS://GF.EXAMPLE.CN/P/"), "{again}");
    let other = gridfield_core::plate::PlateIssuer::from_seed([7; 32]).public_key();
    assert!(
        verify(qr, &[other]).is_err(),
        "a plate must not verify under another issuer's key"
    );

    // A device trusts the server's issuer key from enrollment and verifies the plate offline.
    let server = ServerProc::start(&store);
    let d = Device::enrolled(&server, &store.code("张伟", "worker", GRID_A));
    d.sync();
    let scan = d.json(&["scan", qr]);
    assert_eq!(scan["verified"], true, "{scan}");
    assert_eq!(scan["in_scope"], true, "{scan}");
    assert_eq!(
        scan["plate"]["address_text"], "江苏省昆山市建设路1号",
        "{scan}"
    );

    // An enrollment code works once.
    let code = store.code("李娜", "worker", GRID_A);
    Device::enrolled(&server, &code);
    let again = Device::new().run(&["enroll", "--server", &server.url, "--code", &code]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("已被使用"));
}

on_both_backends!(plates_and_keys);
