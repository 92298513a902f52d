//! Photos: size and type checks, stored once.

use gridfield_core::model::Role;
use gridfield_core::photo::PhotoError;
use gridfield_core::store::PHOTO_DIR;
use gridfield_core::{Error, Lang};

use super::common::*;

#[test]
fn photos_are_checked_and_stored_once() {
    let mut f = fixture_store(Role::Worker);
    let ebike = std::fs::read(fixture_path("ebike.png")).unwrap();
    assert!(ebike.len() > 50);
    f.store.set_max_photo_bytes(50);
    let photo_dir = f.path().join(PHOTO_DIR);

    for e in [
        err(f.store.add_photo_file(&fixture_path("ebike.png"))),
        err(f.store.add_photo(&ebike)),
    ] {
        assert!(
            matches!(e, Error::Photo(PhotoError::TooLarge { size, limit: 50 }) if size == ebike.len() as u64),
            "{e:?}"
        );
        assert_eq!(e.code(), "photo_too_large");
        let zh = e.message(Lang::Zh);
        assert!(zh.contains("MB") && zh.contains("照片过大"), "{zh}");
    }
    assert!(f.store.pending_photos().unwrap().is_empty());
    assert!(
        files_under(f.path())
            .keys()
            .all(|p| !p.starts_with(&photo_dir)),
        "a refused photo was written"
    );

    f.store.set_max_photo_bytes(10 * 1024 * 1024);
    let e = err(f
        .store
        .add_photo(b"GIF89a? no: just some text pretending to be a photo"));
    assert!(
        matches!(e, Error::Photo(PhotoError::UnsupportedType)),
        "{e:?}"
    );
    assert_eq!(e.code(), "photo_unsupported");
    // The file name is not trusted either: a text file called .png is still text.
    let fake = f.path().join("fake.png");
    std::fs::write(&fake, "not a png").unwrap();
    assert!(matches!(
        err(f.store.add_photo_file(&fake)),
        Error::Photo(PhotoError::UnsupportedType)
    ));
    std::fs::remove_file(&fake).unwrap();
    assert!(matches!(
        err(f.store.add_photo(b"")),
        Error::Photo(PhotoError::Empty)
    ));
    assert!(f.store.pending_photos().unwrap().is_empty());

    // Same bytes twice (from memory and from a file): one hash, one file, one row.
    let a = f.store.add_photo(&ebike).unwrap();
    let b = f.store.add_photo_file(&fixture_path("ebike.png")).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.mime, "image/png");
    assert_eq!(a.size, ebike.len() as u64);
    use sha2::Digest;
    assert_eq!(a.hash, hex::encode(sha2::Sha256::digest(&ebike)));
    let stored: Vec<_> = files_under(&photo_dir).into_iter().collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_ne!(stored[0].1, ebike, "photos are sealed at rest");
    assert!(stored[0].0.ends_with(&a.hash));
    assert_eq!(f.store.photos().get(&a.hash).unwrap(), ebike);
    assert_eq!(f.store.pending_photos().unwrap(), vec![a.clone()]);

    // A different photo is a different file.
    let site = f.store.add_photo_file(&fixture_path("site.png")).unwrap();
    assert_ne!(site.hash, a.hash);
    assert_eq!(files_under(&photo_dir).len(), 2);
    assert_eq!(f.store.pending_photos().unwrap().len(), 2);
}
