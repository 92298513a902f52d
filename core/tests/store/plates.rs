//! Door plates: trusted issuers, forged plates, plates outside scope.

use gridfield_core::Lang;
use gridfield_core::model::Role;
use gridfield_core::plate::PlateData;

use super::common::*;

#[test]
fn scanning_plates_with_the_issuer_trusted() {
    let v = vectors();
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    s.trust_issuer(public_key(&v.issuer)).unwrap();
    // Trusting twice keeps one key.
    s.trust_issuer(public_key(&v.issuer)).unwrap();
    assert_eq!(s.trusted_issuers().unwrap(), vec![public_key(&v.issuer)]);

    for (i, vec) in v.valid.iter().enumerate() {
        let scan = s.scan_plate(&vec.qr).unwrap();
        assert!(
            scan.verified,
            "valid[{i}] not verified: {:?}",
            scan.rejection
        );
        assert_eq!(scan.rejection, None);
        assert_eq!(scan.plate.as_ref(), Some(&vec.plate), "valid[{i}]");
        assert_eq!(
            scan.issuer_key_id.as_deref(),
            Some(v.issuer.key_id.as_str())
        );
        let local = s.address(&vec.plate.address_code).unwrap();
        let expect_in_scope = vec.plate.grid_code == SCOPE;
        assert_eq!(scan.in_scope, expect_in_scope, "valid[{i}] scope");
        if expect_in_scope && let Some(local) = local {
            let view = scan
                .address
                .as_ref()
                .unwrap_or_else(|| panic!("valid[{i}]: no address view"));
            assert_eq!(view.address.code, vec.plate.address_code);
            assert_eq!(view.address, local);
        } else {
            assert!(
                scan.address.is_none(),
                "valid[{i}]: address outside scope or not local"
            );
        }
    }
    // The fixtures must exercise both branches.
    assert!(s.scan_plate(&v.valid[0].qr).unwrap().address.is_some());
    let far = s.scan_plate(&v.valid[2].qr).unwrap();
    assert!(far.verified && !far.in_scope && far.address.is_none());

    for w in &v.wrapped {
        let scan = s.scan_plate(&w.text).unwrap();
        assert!(scan.verified, "{}", w.name);
        assert_eq!(
            scan.plate.as_ref(),
            Some(&v.valid[w.valid_index].plate),
            "{}",
            w.name
        );
    }

    for bad in &v.invalid {
        let scan = s
            .scan_plate(&bad.qr)
            .unwrap_or_else(|e| panic!("{}: scan errored: {e}", bad.name));
        assert!(!scan.verified, "{} verified", bad.name);
        let (code, msg) = scan
            .rejection
            .clone()
            .unwrap_or_else(|| panic!("{}: no rejection", bad.name));
        assert_eq!(code, bad.code, "{}", bad.name);
        assert!(!msg.is_empty());
        assert!(
            !scan.in_scope && scan.address.is_none() && scan.issuer_key_id.is_none(),
            "{}",
            bad.name
        );
    }
}

#[test]
fn a_genuine_plate_outside_scope_shows_no_local_record() {
    let v = vectors();
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    s.trust_issuer(public_key(&v.issuer)).unwrap();
    let iss = issuer(&v.issuer);
    let out = s
        .address(OUT_OF_SCOPE)
        .unwrap()
        .expect("fixture: address on device");
    assert_eq!(out.grid_code, OTHER_GRID);

    // The address IS on the device, but in another grid: verified, not shown.
    let plate = PlateData {
        address_code: out.code.clone(),
        plate_serial: out.plate_serial.clone().unwrap(),
        grid_code: OTHER_GRID.into(),
        address_text: out.full_text.clone(),
        issued_at: 1_767_225_600,
    };
    let scan = s.scan_plate(&iss.sign(&plate).unwrap()).unwrap();
    assert!(scan.verified);
    assert!(!scan.in_scope);
    assert!(scan.address.is_none());

    // A plate claiming an in-scope grid for an address the device knows to be in
    // another grid: the local record is not shown under the plate's claim.
    let liar = PlateData {
        grid_code: SCOPE.into(),
        ..plate
    };
    let scan = s.scan_plate(&iss.sign(&liar).unwrap()).unwrap();
    assert!(scan.verified && scan.in_scope);
    assert!(scan.address.is_none());

    // A correctly signed plate from another issuer is not trusted.
    let other = issuer(&v.other_issuer).sign(&v.valid[0].plate).unwrap();
    let scan = s.scan_plate(&other).unwrap();
    assert!(!scan.verified);
    assert_eq!(scan.rejection.unwrap().0, "plate_unknown_issuer");
}

#[test]
fn with_no_issuer_trusted_every_plate_is_unknown() {
    let v = vectors();
    let f = fixture_store(Role::Worker);
    assert!(f.store.trusted_issuers().unwrap().is_empty());
    for vec in &v.valid {
        let scan = f.store.scan_plate(&vec.qr).unwrap();
        assert!(!scan.verified);
        assert_eq!(scan.rejection.as_ref().unwrap().0, "plate_unknown_issuer");
        // Default language is Chinese.
        assert!(scan.rejection.as_ref().unwrap().1.contains("签发机构"));
        // What the plate claims is still shown, as a claim.
        assert_eq!(scan.plate.as_ref(), Some(&vec.plate));
        assert!(scan.address.is_none() && !scan.in_scope);
    }
    // The rejection follows the device language.
    f.store.set_lang(Lang::En).unwrap();
    let scan = f.store.scan_plate(&v.valid[0].qr).unwrap();
    assert!(scan.rejection.unwrap().1.contains("unknown issuer"));
}

#[test]
fn a_compact_plate_takes_its_address_text_from_the_register() {
    let v = vectors();
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    s.trust_issuer(public_key(&v.issuer)).unwrap();
    let iss = issuer(&v.issuer);
    let code = &v.valid[0].plate.address_code;
    let compact = |code: &str| {
        let plate = PlateData {
            address_code: code.into(),
            plate_serial: code.into(),
            grid_code: String::new(),
            address_text: String::new(),
            issued_at: 1_767_225_600,
        };
        iss.sign_url("https://gf.ks.gov.cn", &plate).unwrap()
    };

    // In scope and on the device: genuine, with the register's grid and text.
    let scan = s.scan_plate(&compact(code)).unwrap();
    assert!(scan.verified, "{:?}", scan.rejection);
    assert_eq!(scan.verdict, gridfield_core::plate::VerdictKind::Genuine);
    let shown = scan.plate.unwrap();
    assert_eq!(shown.address_text, full_text_of(code));
    assert_eq!(shown.grid_code, SCOPE);
    assert_eq!(scan.address.unwrap().address.code, *code);

    // On the device but in another grid: genuine, not in scope, no record shown.
    let scan = s.scan_plate(&compact(OUT_OF_SCOPE)).unwrap();
    assert!(scan.verified && !scan.in_scope && scan.address.is_none());

    // Unknown to the register: genuine, with no text to show.
    let scan = s.scan_plate(&compact("999999-001")).unwrap();
    assert!(scan.verified && !scan.in_scope && scan.address.is_none());
    assert_eq!(scan.plate.unwrap().address_text, "");

    // Signed by a key the device does not trust.
    let plate = PlateData {
        address_code: code.clone(),
        plate_serial: code.clone(),
        grid_code: String::new(),
        address_text: String::new(),
        issued_at: 1_767_225_600,
    };
    let other = issuer(&v.other_issuer)
        .sign_url("https://gf.ks.gov.cn", &plate)
        .unwrap();
    let scan = s.scan_plate(&other).unwrap();
    assert!(!scan.verified);
    assert_eq!(scan.rejection.unwrap().0, "plate_unknown_issuer");
}
