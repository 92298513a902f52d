//! Compact door plates (format 3, `https://<city>/P/<payload>`): the committed
//! vectors in `tests/vectors/compact_plates.json`, the QR size a plate prints at,
//! and that the first-format vectors still verify beside them.
//!
//! `GRIDFIELD_WRITE_VECTORS=1 cargo test -p gridfield-core --test compact_plate_vectors`
//! rewrites the file after a deliberate format change; otherwise it must match.

use ed25519_dalek::{Signer as _, SigningKey};
use gridfield_core::plate::*;
use serde::{Deserialize, Serialize};

const BASE_URL: &str = "https://gf.ks.gov.cn";

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Vectors {
    description: String,
    format_version: u32,
    base_url: String,
    issuer_seed_hex: String,
    other_issuer_seed_hex: String,
    valid: Vec<Valid>,
    invalid: Vec<Invalid>,
    /// Plates installed before Gridfield as the city mapped them (`legacy_plates`).
    legacy_mappings: Vec<legacy::LegacyPlate>,
    /// Scans judged with those mappings: `plate_legacy`, or the verdict that stands.
    legacy_scans: Vec<Invalid>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Valid {
    name: String,
    address_code: String,
    plate_serial: String,
    issued_at: i64,
    url: String,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Invalid {
    name: String,
    url: String,
    code: String,
}

fn path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/compact_plates.json")
}

fn seed(hex_str: &str) -> [u8; 32] {
    hex::decode(hex_str).unwrap().try_into().unwrap()
}

fn plate(code: &str, serial: &str, issued_at: i64) -> PlateData {
    PlateData {
        address_code: code.into(),
        plate_serial: serial.into(),
        grid_code: String::new(),
        address_text: String::new(),
        issued_at,
    }
}

fn payload_bytes(url: &str) -> Vec<u8> {
    decode_text(url.rsplit_once("/P/").unwrap().1).unwrap()
}

fn with_payload(bytes: &[u8]) -> String {
    format!("{}/P/{}", BASE_URL.to_ascii_uppercase(), encode_text(bytes))
}

/// The vectors, built from the seeds of the first-format vectors.
fn build() -> Vectors {
    let old: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(path().with_file_name("plates.json")).unwrap(),
    )
    .unwrap();
    let issuer_seed = old["issuer"]["seed_hex"].as_str().unwrap().to_string();
    let other_seed = old["other_issuer"]["seed_hex"]
        .as_str()
        .unwrap()
        .to_string();
    let issuer = PlateIssuer::from_seed(seed(&issuer_seed));
    let other = PlateIssuer::from_seed(seed(&other_seed));
    let day = 1_767_225_600; // 2026-01-01
    let cases = [
        (
            "serial_same_as_code",
            "320583-001-0012-03-02-0501",
            "320583-001-0012-03-02-0501",
        ),
        (
            "short_numeric_serial",
            "320583-001-0012-03-02-0502",
            "000124",
        ),
        (
            "prefixed_serial",
            "320583-001-0012-03-02-0502",
            "KS-2026-000124",
        ),
        (
            "upper_case_serial",
            "320583-001-0012-03-02-0502",
            "SZ-2026-000124",
        ),
        (
            "prefix_with_other_digits",
            "320583-001-0012-03-02-0502",
            "KS-2026-12345",
        ),
        ("lower_case_code", "ks-a1", "ks-a1"),
    ];
    let valid: Vec<Valid> = cases
        .iter()
        .map(|(name, code, serial)| Valid {
            name: name.to_string(),
            address_code: code.to_string(),
            plate_serial: serial.to_string(),
            issued_at: day,
            url: issuer
                .sign_url(BASE_URL, &plate(code, serial, day))
                .unwrap(),
        })
        .collect();
    let genuine = payload_bytes(&valid[0].url);
    let (message, _) = genuine.split_at(genuine.len() - 64);
    let mut invalid = Vec::new();
    let mut push = |name: &str, url: String, code: &str| {
        invalid.push(Invalid {
            name: name.into(),
            url,
            code: code.into(),
        })
    };
    // Forged: a valid-looking plate naming our issuer, signed by another key.
    let forger = SigningKey::from_bytes(&seed(&other_seed));
    let mut forged = message.to_vec();
    forged.extend_from_slice(&forger.sign(message).to_bytes());
    push(
        "forged_other_key_our_key_id",
        with_payload(&forged),
        "plate_bad_signature",
    );
    // Altered: one digit of the packed address code changed.
    let mut altered = genuine.clone();
    altered[8] ^= 0x01;
    push(
        "altered_address_code",
        with_payload(&altered),
        "plate_bad_signature",
    );
    let mut altered_day = genuine.clone();
    altered_day[4] ^= 0x01;
    push(
        "altered_issue_day",
        with_payload(&altered_day),
        "plate_bad_signature",
    );
    // Truncated: the scan or the print lost the end.
    let url = &valid[0].url;
    push(
        "truncated_signature",
        with_payload(&genuine[..genuine.len() - 10]),
        "plate_truncated",
    );
    push(
        "truncated_mid_code",
        with_payload(&genuine[..10]),
        "plate_truncated",
    );
    push(
        "truncated_one_char",
        url[..url.len() - 1].to_string(),
        "plate_truncated",
    );
    push(
        "truncated_two_chars",
        url[..url.len() - 2].to_string(),
        "plate_truncated",
    );
    // Unknown issuer: a genuine plate of another city.
    push(
        "unknown_issuer",
        other
            .sign_url(
                BASE_URL,
                &plate(
                    "320583-001-0012-03-02-0501",
                    "320583-001-0012-03-02-0501",
                    day,
                ),
            )
            .unwrap(),
        "plate_unknown_issuer",
    );
    // Format 2 (before prefixed serials) was never printed: refused by version.
    let mut v2 = genuine.clone();
    v2[0] = 2;
    push(
        "unsupported_version",
        with_payload(&v2),
        "plate_unsupported_version",
    );
    // A serial prefix entry this reader's table does not have.
    let mut unknown_prefix = message.to_vec();
    let last = unknown_prefix.len() - 1;
    unknown_prefix[last] = 0xFF;
    unknown_prefix.extend_from_slice(&[0; 64]);
    push(
        "unknown_serial_prefix",
        with_payload(&unknown_prefix),
        "plate_malformed",
    );
    push("bad_character", format!("{url}%20"), "plate_malformed");
    let mut long = genuine.clone();
    long.push(0);
    push("trailing_byte", with_payload(&long), "plate_malformed");
    let legacy_mappings = vec![
        legacy::LegacyPlate {
            plate_text: "KS-OLD-0501".into(),
            address_code: "320583-001-0012-03-02-0501".into(),
        },
        legacy::LegacyPlate {
            plate_text: "http://old-plates.example.cn/m?id=0302".into(),
            address_code: "320583-001-0008-02-01-0302".into(),
        },
        // Never imported (ours), but a resolver must not honour it either.
        legacy::LegacyPlate {
            plate_text: invalid[0].url.clone(),
            address_code: "320583-001-0012-03-02-0501".into(),
        },
    ];
    let legacy_scans = [
        ("legacy_mapped_serial", "KS-OLD-0501", "plate_legacy"),
        (
            "legacy_mapped_url",
            " http://old-plates.example.cn/m?id=0302\n",
            "plate_legacy",
        ),
        ("legacy_unknown", "KS-OLD-0502", "plate_not_a_plate"),
        (
            "legacy_unknown_url",
            "http://old-plates.example.cn/m?id=0303",
            "plate_not_a_plate",
        ),
        (
            "our_forged_plate_stays_forged",
            invalid[0].url.as_str(),
            "plate_bad_signature",
        ),
        (
            "our_genuine_plate_stays_genuine",
            valid[0].url.as_str(),
            "plate_genuine",
        ),
    ]
    .into_iter()
    .map(|(name, url, code)| Invalid {
        name: name.into(),
        url: url.into(),
        code: code.into(),
    })
    .collect();
    Vectors {
        description:
            "Compact door plates (format 3): https://<city server>/P/<payload>; payload = \
            [3][first 2 bytes of the issuer key id][issue day u16 BE][packed address code][packed \
            serial, 'same', or a serial-prefix entry and its digits as an integer][Ed25519 \
            signature over the bytes before it], written 2 bytes to 3 characters over \
            0-9A-Z$*+-: (base45's construction, URL-safe alphabet)."
                .into(),
        format_version: COMPACT_FORMAT_VERSION,
        base_url: BASE_URL.into(),
        issuer_seed_hex: issuer_seed,
        other_issuer_seed_hex: other_seed,
        valid,
        invalid,
        legacy_mappings,
        legacy_scans,
    }
}

fn load() -> Vectors {
    if std::env::var_os("GRIDFIELD_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&build()).unwrap() + "\n";
        std::fs::write(path(), text).unwrap();
    }
    serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap()
}

#[test]
fn committed_vectors_match_the_format() {
    assert_eq!(load(), build(), "the compact plate format changed");
}

#[test]
fn genuine_plates_verify_offline_with_their_data() {
    let v = load();
    let issuer = PlateIssuer::from_seed(seed(&v.issuer_seed_hex));
    let trusted = [issuer.public_key()];
    for p in &v.valid {
        let got = verify(&p.url, &trusted).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert_eq!(got.format_version, 3);
        assert_eq!(got.issuer_key_id, issuer.public_key().key_id());
        assert_eq!(
            got.data,
            plate(&p.address_code, &p.plate_serial, p.issued_at),
            "{}",
            p.name
        );
        assert_eq!(decode_unverified(&p.url).unwrap(), got.data);
        // A scanner may lower-case the URL or add a query; the plate still reads.
        let folded = format!("{}?from=wechat", p.url.to_ascii_lowercase());
        assert_eq!(
            verify(&folded, &trusted).unwrap().data,
            got.data,
            "{}",
            p.name
        );
    }
}

#[test]
fn rejected_plates_give_distinct_reasons() {
    let v = load();
    let trusted = [PlateIssuer::from_seed(seed(&v.issuer_seed_hex)).public_key()];
    let mut reasons = std::collections::BTreeSet::new();
    for p in &v.invalid {
        let e = verify(&p.url, &trusted).map(|_| ()).expect_err(&p.name);
        assert_eq!(e.code(), p.code, "{}: {e}", p.name);
        reasons.insert(e.code());
    }
    for code in [
        "plate_bad_signature",
        "plate_truncated",
        "plate_unknown_issuer",
    ] {
        assert!(reasons.contains(code), "no vector for {code}");
    }
}

fn qr_version(url: &str) -> i16 {
    let code =
        qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).unwrap();
    match code.version() {
        qrcode::Version::Normal(n) => n,
        qrcode::Version::Micro(_) => panic!("micro QR"),
    }
}

#[test]
fn plates_print_at_qr_version_6_or_lower_at_ec_level_m() {
    let v = load();
    let issuer = PlateIssuer::from_seed(seed(&v.issuer_seed_hex));
    // The whole URL is in the QR alphanumeric set, so no part falls back to byte mode.
    let alnum = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    for p in &v.valid {
        assert!(p.url.bytes().all(|b| alnum.contains(&b)) || p.name == "lower_case_code");
    }
    // With a 12-character host, a demo-city address code (26 characters) fits version 6
    // when the serial is the code, up to six digits, or a known prefix and its number.
    // (A table prefix with another count of digits is packed as a string, like any other.)
    let unlisted = ["upper_case_serial", "prefix_with_other_digits"];
    for p in v
        .valid
        .iter()
        .filter(|p| !unlisted.contains(&p.name.as_str()))
    {
        assert!(
            qr_version(&p.url) <= 6,
            "{} needs QR version {}",
            p.name,
            qr_version(&p.url)
        );
    }
    let generated = issuer
        .sign_url(
            BASE_URL,
            &plate("320583-001-0012-03-02-0599", "999999", 1_800_000_000),
        )
        .unwrap();
    assert!(qr_version(&generated) <= 6);
    // A 14-character serial outside the prefix table costs about ten more bytes than a
    // prefixed one: version 7. Recorded here so a change in either direction is seen.
    let long_serial = v
        .valid
        .iter()
        .find(|p| p.name == "upper_case_serial")
        .unwrap();
    assert_eq!(qr_version(&long_serial.url), 7);
}

#[test]
fn legacy_plates_resolve_only_when_mapped_and_not_ours() {
    let v = load();
    let trusted = [PlateIssuer::from_seed(seed(&v.issuer_seed_hex)).public_key()];
    for s in &v.legacy_scans {
        let judged = verdict(verify(&s.url, &trusted), |_| {
            Ok::<_, std::convert::Infallible>(Placement {
                in_scope: true,
                on_device: true,
            })
        })
        .unwrap();
        let judged = legacy::resolve(judged, &s.url, |t| {
            Ok::<_, std::convert::Infallible>(
                v.legacy_mappings
                    .iter()
                    .find(|m| m.plate_text == t)
                    .map(|m| m.address_code.clone()),
            )
        })
        .unwrap();
        assert_eq!(judged.code(), s.code, "{}", s.name);
        if let PlateVerdict::Legacy(p) = &judged {
            assert!(!judged.is_genuine());
            assert_eq!(p.plate_text, s.url.trim());
        }
    }
}

#[test]
fn first_format_plates_still_verify() {
    let old: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(path().with_file_name("plates.json")).unwrap(),
    )
    .unwrap();
    let issuer = PlateIssuer::from_seed(seed(old["issuer"]["seed_hex"].as_str().unwrap()));
    let qr = old["valid"][0]["qr"].as_str().unwrap();
    let got = verify(qr, &[issuer.public_key()]).unwrap();
    assert_eq!(got.format_version, 1);
    assert!(!got.data.address_text.is_empty());
}

#[test]
fn base45_text_round_trips_any_bytes() {
    for len in 0..70usize {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 151 + len * 7) as u8).collect();
        let text = encode_text(&bytes);
        assert_eq!(text.len(), len / 2 * 3 + len % 2 * 2);
        assert_eq!(decode_text(&text).unwrap(), bytes);
    }
    assert_eq!(decode_text("::").unwrap_err().code(), "plate_truncated");
    assert_eq!(decode_text("a%").unwrap_err().code(), "plate_malformed");
    assert_eq!(decode_text(":::").unwrap_err().code(), "plate_malformed");
}
