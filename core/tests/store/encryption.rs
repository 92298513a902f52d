//! Encryption at rest: nothing personal readable in the files, init never
//! replaces a store, open needs one.

use gridfield_core::model::{EntityKind, Role};
use gridfield_core::store::{DB_FILE, PHOTO_DIR};
use gridfield_core::{DbKey, Error, Identity, Store};
use serde_json::json;

use super::common::*;

#[test]
fn personal_data_and_addresses_are_not_readable_in_the_files() {
    let f = fixture_store(Role::Worker);
    let name = "王秀英";
    let phone = "13812345678";
    let addr_text = full_text_of(A501);
    let hh = f
        .store
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[
                ("head_name", json!(name)),
                ("phone", json!(phone)),
                ("note", json!("独居老人，需重点关注")),
            ]),
        )
        .unwrap();
    // The needle search itself must work, or the assertions below prove nothing.
    assert!(contains(format!("xx{name}yy").as_bytes(), name.as_bytes()));

    // While open, recent pages live in the WAL: it must exist and be encrypted too.
    assert!(
        f.path().join(format!("{DB_FILE}-wal")).exists(),
        "expected a WAL file while the store is open"
    );
    let needles = [
        name,
        phone,
        addr_text.as_str(),
        "独居老人",
        "建设路12号",
        "KS-2026-000123",
    ];
    assert_not_in_plain_bytes(f.path(), &needles, "while open");

    let Fixture {
        dir, key, store, ..
    } = f;
    drop(store);
    assert_not_in_plain_bytes(dir.path(), &needles, "after close");

    // Re-open with the right key: the data is all there.
    {
        let s = Store::open(dir.path(), &key).unwrap();
        let e = s
            .entity(EntityKind::Household, &hh)
            .unwrap()
            .expect("household survives reopen");
        assert_eq!(e.fields["head_name"], json!(name));
        assert_eq!(
            s.reveal_field(EntityKind::Household, &hh, "phone").unwrap(),
            Some(phone.to_string())
        );
        assert_eq!(s.address(A501).unwrap().unwrap().full_text, addr_text);
    }

    // A wrong key is a clear error and touches nothing.
    let before = files_under(dir.path());
    let wrong = DbKey::generate().unwrap();
    assert!(matches!(
        err(Store::open(dir.path(), &wrong)),
        Error::WrongKey
    ));
    assert_eq!(err(Store::open(dir.path(), &wrong)).code(), "wrong_key");
    let after = files_under(dir.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "wrong key created or removed files"
    );
    assert!(before == after, "wrong key changed file bytes");

    // ...and the right key still opens the same, non-empty database.
    let s = Store::open(dir.path(), &key).unwrap();
    assert_eq!(s.identity(), &identity(Role::Worker));
    assert_eq!(
        s.entity(EntityKind::Household, &hh)
            .unwrap()
            .unwrap()
            .fields["head_name"],
        json!(name)
    );
    // The household's write, and the record of the phone's reveal for the
    // server's audit trail.
    assert_eq!(s.outbox_len().unwrap(), 2);
    assert_eq!(s.search_addresses("建设路12号", 10).unwrap().len(), 3);
}

#[test]
fn init_never_replaces_and_open_needs_a_store() {
    let f = fixture_store(Role::Worker);
    f.store
        .put_entity(
            EntityKind::Household,
            None,
            Some(A501),
            &fields(&[("members", json!(2))]),
        )
        .unwrap();
    let Fixture {
        dir, key, store, ..
    } = f;
    drop(store);
    let before = files_under(dir.path());
    // A second init, even with the same key, must refuse and leave the file alone.
    assert!(matches!(
        err(Store::init(dir.path(), &key, identity(Role::Admin))),
        Error::AlreadyInitialised(_)
    ));
    assert!(before == files_under(dir.path()));
    assert_eq!(
        Store::open(dir.path(), &key).unwrap().identity().role,
        Role::Worker
    );

    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        err(Store::open(empty.path(), &key)),
        Error::NotInitialised(_)
    ));
    assert!(!Store::exists(empty.path()));
    // Opening must not have created a database as a side effect.
    assert!(files_under(empty.path()).is_empty());

    let bad = Identity {
        device_id: " ".into(),
        ..identity(Role::Worker)
    };
    assert!(matches!(
        err(Store::init(empty.path(), &key, bad)),
        Error::Invalid { .. }
    ));
    assert!(!Store::exists(empty.path()));
}

/// A photo of a home with a recognisable caption in its bytes: neither the
/// whole photo nor the caption is on disk, before or after a reopen; a photo
/// kept in the clear by an earlier version is sealed when the store opens.
#[test]
fn photos_are_not_readable_in_the_files() {
    let f = fixture_store(Role::Worker);
    let caption = "GRIDFIELD-KNOWN-PHOTO-卧室内电动车充电";
    let mut photo = std::fs::read(fixture_path("ebike.png")).unwrap();
    photo.extend_from_slice(caption.as_bytes());
    let r = f.store.add_photo(&photo).unwrap();
    assert_eq!(f.store.photos().get(&r.hash).unwrap(), photo);

    let check = |dir: &std::path::Path, when: &str| {
        let files = files_under(dir);
        assert!(
            files.keys().any(|p| p.starts_with(dir.join(PHOTO_DIR))),
            "{when}: the photo file exists"
        );
        for (path, bytes) in &files {
            assert!(
                !contains(bytes, &photo),
                "{when}: photo in {}",
                path.display()
            );
            assert!(
                !contains(bytes, &photo[..64]),
                "{when}: photo header in {}",
                path.display()
            );
        }
        assert_not_in_plain_bytes(dir, &[caption], when);
    };
    check(f.path(), "while open");

    // An earlier version's plain file: sealed on open, readable through the store.
    let old = std::fs::read(fixture_path("site.png")).unwrap();
    let old_hash = gridfield_core::photo::hash_bytes(&old);
    let old_path = f.store.photos().path_for(&old_hash);
    std::fs::create_dir_all(old_path.parent().unwrap()).unwrap();
    std::fs::write(&old_path, &old).unwrap();
    let f = f.reopen();
    assert_ne!(std::fs::read(&old_path).unwrap(), old, "sealed on open");
    assert!(!contains(&std::fs::read(&old_path).unwrap(), &old[..64]));
    assert_eq!(f.store.photos().get(&old_hash).unwrap(), old);
    assert_eq!(f.store.photos().get(&r.hash).unwrap(), photo);
    check(f.path(), "after reopen");
}
