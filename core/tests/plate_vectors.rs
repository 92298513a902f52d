//! Checks the committed door plate vectors, so the wire format cannot drift unnoticed.

use gridfield_core::plate::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    format_version: u32,
    issuer: KeyVector,
    other_issuer: KeyVector,
    valid: Vec<ValidVector>,
    wrapped: Vec<WrappedVector>,
    invalid: Vec<InvalidVector>,
}

#[derive(Deserialize)]
struct KeyVector {
    seed_hex: String,
    public_key_hex: String,
    key_id: String,
}

#[derive(Deserialize)]
struct ValidVector {
    plate: PlateData,
    qr: String,
}

#[derive(Deserialize)]
struct WrappedVector {
    name: String,
    text: String,
    valid_index: usize,
}

#[derive(Deserialize)]
struct InvalidVector {
    name: String,
    qr: String,
    code: String,
}

fn load() -> Vectors {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/plates.json");
    let text = std::fs::read_to_string(path).expect("read plates.json");
    serde_json::from_str(&text).expect("parse plates.json")
}

fn issuer_of(k: &KeyVector) -> PlateIssuer {
    let seed: [u8; 32] = hex::decode(&k.seed_hex).unwrap().try_into().unwrap();
    let issuer = PlateIssuer::from_seed(seed);
    assert_eq!(issuer.public_key().to_hex(), k.public_key_hex);
    assert_eq!(issuer.public_key().key_id(), k.key_id);
    assert_eq!(
        IssuerPublicKey::from_hex(&k.public_key_hex).unwrap(),
        issuer.public_key()
    );
    issuer
}

#[test]
fn keys_match() {
    let v = load();
    assert_eq!(v.format_version, PLATE_FORMAT_VERSION);
    issuer_of(&v.issuer);
    issuer_of(&v.other_issuer);
}

#[test]
fn valid_plates_sign_and_verify() {
    let v = load();
    let issuer = issuer_of(&v.issuer);
    let trusted = [issuer.public_key()];
    assert!(!v.valid.is_empty());
    for (i, vector) in v.valid.iter().enumerate() {
        assert_eq!(
            issuer.sign(&vector.plate).unwrap(),
            vector.qr,
            "valid[{i}] signing"
        );
        let verified = verify(&vector.qr, &trusted).unwrap_or_else(|e| panic!("valid[{i}]: {e}"));
        assert_eq!(verified.data, vector.plate, "valid[{i}]");
        assert_eq!(verified.issuer_key_id, v.issuer.key_id);
        assert_eq!(verified.format_version, PLATE_FORMAT_VERSION);
        assert_eq!(decode_unverified(&vector.qr).unwrap(), vector.plate);
    }
    for w in &v.wrapped {
        let verified = verify(&w.text, &trusted).unwrap_or_else(|e| panic!("{}: {e}", w.name));
        assert_eq!(verified.data, v.valid[w.valid_index].plate, "{}", w.name);
    }
}

#[test]
fn invalid_plates_fail_with_expected_code() {
    let v = load();
    let trusted = [issuer_of(&v.issuer).public_key()];
    assert!(!v.invalid.is_empty());
    for vector in &v.invalid {
        match verify(&vector.qr, &trusted) {
            Ok(_) => panic!(
                "{}: verified but should fail with {}",
                vector.name, vector.code
            ),
            Err(e) => assert_eq!(e.code(), vector.code, "{}: {e}", vector.name),
        }
    }
}
