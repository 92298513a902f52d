//! The door-plate decoder: any scanned text goes through `verify` (with the test
//! vectors' issuer trusted, so signed inputs reach the payload checks),
//! `decode_unverified` and the verdict a phone shows; input that reads as plate
//! fields is issued and verified back. Errors are fine; a panic is not, nor a
//! verified plate whose claims `decode_unverified` reads differently.
#![no_main]

use std::convert::Infallible;

use gridfield_core::Lang;
use gridfield_core::plate::{
    IssuerPublicKey, Placement, PlateData, PlateIssuer, decode_unverified, verdict, verify,
};
use libfuzzer_sys::fuzz_target;

/// `core/tests/vectors/plates.json`: the issuer every valid vector is signed by.
const ISSUER_SEED: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];
const ISSUER_PUBLIC_HEX: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";

fuzz_target!(|data: &[u8]| {
    // Issuing: any plate fields the issuer accepts verify as exactly those fields.
    if let Ok(fields) = serde_json::from_slice::<PlateData>(data) {
        let trusted = [IssuerPublicKey::from_hex(ISSUER_PUBLIC_HEX).expect("vector key")];
        if let Ok(qr) = PlateIssuer::from_seed(ISSUER_SEED).sign(&fields) {
            let plate = verify(&qr, &trusted).expect("an issued plate verifies");
            assert_eq!(plate.data, fields);
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let trusted = [IssuerPublicKey::from_hex(ISSUER_PUBLIC_HEX).expect("vector key")];
    let result = verify(text, &trusted);
    let claimed = decode_unverified(text);
    if let Ok(plate) = &result {
        assert_eq!(
            claimed.as_ref().ok(),
            Some(&plate.data),
            "a verified plate must decode to what was verified"
        );
        // Re-signing what was verified gives a plate that verifies the same.
        let again = PlateIssuer::from_seed(ISSUER_SEED)
            .sign(&plate.data)
            .expect("a verified plate's fields are signable");
        assert_eq!(verify(&again, &trusted).as_ref().ok(), Some(plate));
    }
    for (in_scope, on_device) in [(true, true), (false, true), (true, false)] {
        let shown = verdict(result.clone(), |_| {
            Ok::<_, Infallible>(Placement {
                in_scope,
                on_device,
            })
        })
        .expect("infallible placement");
        let _ = (shown.kind(), shown.code(), shown.is_genuine());
        let _ = shown.message(Lang::Zh);
        let _ = shown.message(Lang::En);
    }
});
