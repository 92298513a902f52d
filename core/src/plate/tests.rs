//! Door plate unit tests: signing, verifying and every way a plate can be damaged.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};

use super::*;

fn seed(start: u8) -> [u8; 32] {
    std::array::from_fn(|i| start + i as u8)
}

fn issuer() -> PlateIssuer {
    PlateIssuer::from_seed(seed(0x00))
}

fn other_issuer() -> PlateIssuer {
    PlateIssuer::from_seed(seed(0x20))
}

fn plate(n: u32) -> PlateData {
    PlateData {
        address_code: format!("320583-001-0012-03-02-{:04}", 500 + n),
        plate_serial: format!("KS-2026-{:06}", 123 + n),
        grid_code: "320583001003".into(),
        address_text: format!("建设路12号3栋2单元{}室", 500 + n),
        issued_at: 1_767_225_600 + i64::from(n),
    }
}

fn parts(qr: &str) -> (&str, &str) {
    let rest = qr.strip_prefix("GFP1.").unwrap();
    rest.split_once('.').unwrap()
}

fn flip(c: u8) -> u8 {
    if c == b'A' { b'B' } else { b'A' }
}

#[test]
fn round_trip_with_chinese_address() {
    let issuer = issuer();
    let data = plate(1);
    assert_eq!(data.address_text, "建设路12号3栋2单元501室");
    let qr = issuer.sign(&data).unwrap();
    assert!(qr.starts_with("GFP1."));
    let v = verify(&qr, &[issuer.public_key()]).unwrap();
    assert_eq!(v.data, data);
    assert_eq!(v.issuer_key_id, issuer.public_key().key_id());
    assert_eq!(v.format_version, PLATE_FORMAT_VERSION);
    assert_eq!(decode_unverified(&qr).unwrap(), data);
    // Deterministic signatures make the QR text stable.
    assert_eq!(issuer.sign(&data).unwrap(), qr);
}

#[test]
fn payload_is_compact_json_in_field_order() {
    let issuer = issuer();
    let qr = issuer.sign(&plate(1)).unwrap();
    let json = URL_SAFE_NO_PAD.decode(parts(&qr).0).unwrap();
    let expected = format!(
        r#"{{"v":1,"k":"{}","c":"320583-001-0012-03-02-0501","s":"KS-2026-000124","g":"320583001003","a":"建设路12号3栋2单元501室","t":1767225601}}"#,
        issuer.public_key().key_id()
    );
    assert_eq!(String::from_utf8(json).unwrap(), expected);
}

#[test]
fn key_helpers() {
    let pk = issuer().public_key();
    assert_eq!(IssuerPublicKey::from_hex(&pk.to_hex()).unwrap(), pk);
    assert_eq!(IssuerPublicKey::from_bytes(*pk.as_bytes()).unwrap(), pk);
    assert_eq!(pk.key_id().len(), 16);
    assert_eq!(
        pk.key_id(),
        hex::encode(&Sha256::digest(pk.as_bytes())[..8])
    );
    assert_eq!(PlateIssuer::from_seed(issuer().seed()).public_key(), pk);
    assert!(!format!("{:?}", issuer()).contains(&hex::encode(seed(0))));
    assert_eq!(
        IssuerPublicKey::from_hex("zz").unwrap_err().code(),
        "plate_invalid_key"
    );
    assert_eq!(
        IssuerPublicKey::from_hex("0011").unwrap_err().code(),
        "plate_invalid_key"
    );
    // The identity point is a small-order (weak) key.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(
        IssuerPublicKey::from_bytes(identity).unwrap_err().code(),
        "plate_invalid_key"
    );
    let generated = PlateIssuer::generate().unwrap();
    assert_ne!(generated.public_key(), pk);
}

#[test]
fn altered_payload_is_rejected() {
    let issuer = issuer();
    let trusted = [issuer.public_key()];
    let qr = issuer.sign(&plate(1)).unwrap();
    let (p, _) = parts(&qr);
    // Flip every payload character in turn. Only a flip inside the key id can turn into
    // UnknownIssuer, since the key id is read before the signature is checked.
    let json = URL_SAFE_NO_PAD.decode(p).unwrap();
    let k_start = std::str::from_utf8(&json)
        .unwrap()
        .find("\"k\":\"")
        .unwrap()
        + 5;
    let k_chars = (k_start * 4 / 3).saturating_sub(2)..((k_start + 16) * 4 / 3 + 2);
    for i in 0..p.len() {
        let mut bytes = qr.clone().into_bytes();
        bytes[5 + i] = flip(bytes[5 + i]);
        let altered = String::from_utf8(bytes).unwrap();
        let err = verify(&altered, &trusted).unwrap_err();
        match err {
            PlateError::BadSignature | PlateError::Malformed(_) => {}
            PlateError::UnknownIssuer(_) if k_chars.contains(&i) => {}
            other => panic!("flip at {i}: unexpected {other:?}"),
        }
    }
    // A well-formed edit of the address is a plain bad signature.
    let edited = String::from_utf8(json).unwrap().replace("501室", "502室");
    let forged = format!("GFP1.{}.{}", URL_SAFE_NO_PAD.encode(edited), parts(&qr).1);
    assert_eq!(verify(&forged, &trusted), Err(PlateError::BadSignature));
    assert_eq!(
        decode_unverified(&forged).unwrap().address_text,
        "建设路12号3栋2单元502室"
    );
}

#[test]
fn altered_signature_is_rejected() {
    let issuer = issuer();
    let qr = issuer.sign(&plate(1)).unwrap();
    let sig_start = qr.rfind('.').unwrap() + 1;
    for i in sig_start..qr.len() {
        let mut bytes = qr.clone().into_bytes();
        bytes[i] = flip(bytes[i]);
        let err = verify(&String::from_utf8(bytes).unwrap(), &[issuer.public_key()]);
        assert!(
            matches!(
                err,
                Err(PlateError::BadSignature | PlateError::Malformed(_))
            ),
            "{i}: {err:?}"
        );
    }
}

#[test]
fn other_issuer_is_unknown() {
    let qr = other_issuer().sign(&plate(1)).unwrap();
    assert_eq!(
        verify(&qr, &[issuer().public_key()]),
        Err(PlateError::UnknownIssuer(
            other_issuer().public_key().key_id()
        ))
    );
    assert!(matches!(
        verify(&qr, &[]),
        Err(PlateError::UnknownIssuer(_))
    ));
}

#[test]
fn spliced_signature_is_rejected() {
    let issuer = issuer();
    let a = issuer.sign(&plate(1)).unwrap();
    let b = issuer.sign(&plate(2)).unwrap();
    let spliced = format!("GFP1.{}.{}", parts(&b).0, parts(&a).1);
    assert_eq!(
        verify(&spliced, &[issuer.public_key()]),
        Err(PlateError::BadSignature)
    );
}

#[test]
fn every_truncation_is_rejected() {
    let issuer = issuer();
    let trusted = [issuer.public_key()];
    let qr = issuer.sign(&plate(1)).unwrap();
    let payload_end = qr.rfind('.').unwrap();
    for len in 0..qr.len() {
        let cut = &qr[..len];
        let err = verify(cut, &trusted).unwrap_err();
        let expected = if len < 5 {
            PlateError::NotAPlate
        } else {
            PlateError::Truncated
        };
        assert_eq!(err, expected, "cut at {len}");
        let _ = decode_unverified(cut);
        if len > payload_end {
            // The payload is whole, so its claims can still be shown.
            assert_eq!(decode_unverified(cut).unwrap(), plate(1));
        }
    }
    let url = format!("https://plates.example.cn/p/{qr}");
    for (len, _) in url.char_indices() {
        assert!(verify(&url[..len], &trusted).is_err(), "url cut at {len}");
    }
}

#[test]
fn wrapped_tokens_verify() {
    let issuer = issuer();
    let trusted = [issuer.public_key()];
    let qr = issuer.sign(&plate(1)).unwrap();
    for wrapped in [
        format!("  {qr}\n"),
        format!("https://plates.example.cn/p/{qr}"),
        format!("https://plates.example.cn/p/{qr}?src=scan#top"),
        format!("门牌 {qr}　扫码"),
        format!("GFPX GFP {qr}"),
    ] {
        assert_eq!(
            verify(&wrapped, &trusted).unwrap().data,
            plate(1),
            "{wrapped}"
        );
    }
}

#[test]
fn rotated_keys_both_verify() {
    let (old, new) = (issuer(), other_issuer());
    let trusted = [old.public_key(), new.public_key()];
    let a = old.sign(&plate(1)).unwrap();
    let b = new.sign(&plate(2)).unwrap();
    assert_eq!(
        verify(&a, &trusted).unwrap().issuer_key_id,
        old.public_key().key_id()
    );
    assert_eq!(
        verify(&b, &trusted).unwrap().issuer_key_id,
        new.public_key().key_id()
    );
    assert_eq!(verify(&b, &trusted).unwrap().data, plate(2));
}

#[test]
fn structural_errors() {
    let issuer = issuer();
    let trusted = [issuer.public_key()];
    let qr = issuer.sign(&plate(1)).unwrap();
    let (p, s) = parts(&qr);
    let code = |t: &str| verify(t, &trusted).unwrap_err().code();
    assert_eq!(code(""), "plate_not_a_plate");
    assert_eq!(code("https://example.cn/hello"), "plate_not_a_plate");
    assert_eq!(code("GFP.abc.def"), "plate_not_a_plate");
    assert_eq!(code(&format!("GFP2.{p}.{s}")), "plate_unsupported_version");
    assert_eq!(
        verify(&format!("GFP0.{p}.{s}"), &trusted),
        Err(PlateError::UnsupportedVersion(0))
    );
    assert_eq!(code(&format!("GFP01.{p}.{s}")), "plate_malformed");
    assert_eq!(code(&format!("GFP99999999999.{p}.{s}")), "plate_malformed");
    assert_eq!(code(&format!("GFP1.{p}.{s}.x")), "plate_malformed");
    assert_eq!(code(&format!("GFP1..{s}")), "plate_malformed");
    assert_eq!(code(&format!("GFP1.{p}!.{s}")), "plate_malformed");
    assert_eq!(code(&format!("GFP1.{p}.{s}A")), "plate_malformed");
    assert_eq!(code(&format!("GFP1.{p}.{}!", &s[..85])), "plate_malformed");
    assert_eq!(code(&format!("GFP1.{p}.{}", &s[..80])), "plate_truncated");
    assert_eq!(code(&format!("GFP1.{p}")), "plate_truncated");
    let long = format!("GFP1.{}.{s}", "A".repeat(MAX_TOKEN_LEN));
    assert_eq!(
        verify(&long, &trusted),
        Err(PlateError::Malformed(format!(
            "token longer than {MAX_TOKEN_LEN} characters"
        )))
    );
}

// Signs an arbitrary payload with the test issuer, bypassing `sign`'s checks.
fn sign_raw(json: &str) -> String {
    let mut qr = format!("GFP1.{}", URL_SAFE_NO_PAD.encode(json));
    let sig = issuer().key.sign(qr.as_bytes());
    qr.push('.');
    qr.push_str(&URL_SAFE_NO_PAD.encode(sig.to_bytes()));
    qr
}

#[test]
fn payload_content_rules() {
    let trusted = [issuer().public_key()];
    let k = issuer().public_key().key_id();
    let ok = format!(
        r#"{{"v":1,"k":"{k}","c":"c1","s":"s1","g":"g1","a":"","t":5,"x":{{"future":true}}}}"#
    );
    assert_eq!(verify(&sign_raw(&ok), &trusted).unwrap().data.issued_at, 5);

    let cases = [
        (
            format!(r#"{{"v":2,"k":"{k}","c":"c","s":"s","g":"g","a":"","t":5}}"#),
            "payload version does not match token version",
        ),
        (
            format!(r#"{{"v":1,"k":"{k}","c":"c","s":"s","g":"g","a":""}}"#),
            "payload JSON: missing field `t`",
        ),
        (
            format!(r#"{{"v":1,"k":"{k}","c":"c","c":"d","s":"s","g":"g","a":"","t":5}}"#),
            "payload JSON: duplicate field `c`",
        ),
        (
            format!(r#"{{"v":1,"k":"{k}","c":"","s":"s","g":"g","a":"","t":5}}"#),
            "address_code is empty",
        ),
        (
            format!(r#"{{"v":1,"k":"{k}","c":"c","s":"s","g":"g","a":"秘密","t":"5"}}"#),
            "payload JSON has a field of the wrong type",
        ),
        (
            format!(r#"[1,"{k}","c","s","g","",5]"#),
            "payload is not a JSON object",
        ),
        (
            format!(
                r#"{{"v":1,"k":"{}","c":"c","s":"s","g":"g","a":"","t":5}}"#,
                k.to_uppercase()
            ),
            "issuer key id is not 16 lowercase hex digits",
        ),
        (
            format!(r#"{{"v":1,"k":"{k}","c":"c","s":"s","g":"g","a":"","t":5"#),
            "payload JSON ends early",
        ),
    ];
    for (json, reason) in cases {
        assert_eq!(
            verify(&sign_raw(&json), &trusted),
            Err(PlateError::Malformed(reason.into())),
            "{json}"
        );
    }
}

#[test]
fn sign_validates_fields() {
    let issuer = issuer();
    let mut p = plate(1);
    p.address_code.clear();
    assert_eq!(issuer.sign(&p).unwrap_err().code(), "plate_malformed");
    let mut p = plate(1);
    p.plate_serial = "号".repeat(65);
    assert_eq!(
        issuer.sign(&p).unwrap_err(),
        PlateError::Malformed("plate_serial longer than 64 characters".into())
    );
    let mut p = plate(1);
    p.grid_code = String::new();
    assert!(issuer.sign(&p).is_err());
    let mut p = plate(1);
    p.address_text = "路".repeat(200);
    p.address_code = "码".repeat(64);
    assert!(verify(&issuer.sign(&p).unwrap(), &[issuer.public_key()]).is_ok());
    p.address_text.push('路');
    assert_eq!(issuer.sign(&p).unwrap_err().code(), "plate_malformed");
    // Within every field limit but too long once encoded.
    let mut p = plate(1);
    p.address_code = "😀".repeat(64);
    p.plate_serial = "😀".repeat(64);
    p.grid_code = "😀".repeat(64);
    p.address_text = "😀".repeat(200);
    assert!(matches!(issuer.sign(&p), Err(PlateError::Malformed(m)) if m.contains("2048")));
}

#[test]
fn random_mutations_never_verify() {
    let issuer = issuer();
    let trusted = [issuer.public_key()];
    let qr = issuer.sign(&plate(1)).unwrap();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%GFP\"{}";
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut bytes = qr.clone().into_bytes();
        for _ in 0..1 + next() % 3 {
            let pos = (next() as usize) % (bytes.len() + 1);
            let ch = alphabet[(next() as usize) % alphabet.len()];
            match next() % 3 {
                0 if pos < bytes.len() => bytes[pos] = ch,
                1 if pos < bytes.len() => {
                    bytes.remove(pos);
                }
                _ => bytes.insert(pos, ch),
            }
        }
        let mutated = String::from_utf8(bytes).unwrap();
        let _ = decode_unverified(&mutated);
        if let Ok(v) = verify(&mutated, &trusted) {
            // Only junk prepended before the token may leave it intact.
            assert!(mutated.ends_with(&qr), "{mutated}");
            assert_eq!(v.data, plate(1));
        }
    }
}

#[test]
fn error_codes_and_messages() {
    let all = [
        PlateError::NotAPlate,
        PlateError::UnsupportedVersion(2),
        PlateError::Malformed("x".into()),
        PlateError::Truncated,
        PlateError::UnknownIssuer("0011223344556677".into()),
        PlateError::BadSignature,
        PlateError::InvalidKey("x".into()),
        PlateError::RandomUnavailable("x".into()),
    ];
    let mut codes: Vec<_> = all.iter().map(PlateError::code).collect();
    assert!(codes.iter().all(|c| c.starts_with("plate_")));
    codes.dedup();
    assert_eq!(codes.len(), all.len());
    assert_eq!(
        PlateError::BadSignature.message_zh(),
        "门牌签名无效：此门牌可能是伪造或被篡改的"
    );
    assert!(
        all.iter()
            .all(|e| !e.message_zh().is_empty() && e.to_string().is_ascii())
    );
}
