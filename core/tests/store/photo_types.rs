//! Attaching a photo or a signature: only JPEG, PNG or WebP by their bytes
//! (`photo::ImageType::sniff`, the rule the server applies at upload). Markup,
//! text or a photo header in front of them is refused with a clear error, and
//! the draft being filled in stays exactly as it was.

use gridfield_core::checklist::{Answers, ItemPhotos};
use gridfield_core::model::Role;
use gridfield_core::photo::PhotoError;
use gridfield_core::store::PHOTO_DIR;
use gridfield_core::{Error, Lang};
use serde_json::json;

use super::common::*;

#[test]
fn non_images_are_refused_when_attached_and_the_draft_is_kept() {
    let f = fixture_store(Role::Worker);
    let s = &f.store;
    let id = s.start_inspection(&new_inspection(A501, None)).unwrap();
    let signature = photo(s, "signature.png");
    let answers: Answers = [
        ("ebike_indoor".to_string(), json!("yes")),
        ("landlord_signature".to_string(), json!(signature)),
    ]
    .into();
    s.save_answers(&id, &answers, &ItemPhotos::new()).unwrap();
    let before = snapshot(s);
    let photos_before = files_under(&f.path().join(PHOTO_DIR));

    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let html = b"<!doctype html><html><script>alert(1)</script></html>";
    let mut png_then_svg = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png_then_svg.extend_from_slice(svg);
    let mut jpeg_then_html = b"\xFF\xD8\xFF\xE0".to_vec();
    jpeg_then_html.extend_from_slice(html);
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    for bytes in [&png_then_svg, &jpeg_then_html, &heic, &svg[..], html] {
        let e = err(s.add_photo(bytes));
        assert!(
            matches!(e, Error::Photo(PhotoError::UnsupportedType)),
            "{e:?}"
        );
        assert_eq!(e.code(), "photo_unsupported");
        assert_eq!(
            e.message(Lang::Zh),
            "不支持的照片格式，仅支持 JPEG、PNG、WebP"
        );
        assert_eq!(
            e.message(Lang::En),
            "not a supported image (JPEG, PNG or WebP)"
        );
        // The same bytes from a file named like a photo.
        let file = f.path().join("evil.png");
        std::fs::write(&file, bytes).unwrap();
        assert!(matches!(
            err(s.add_photo_file(&file)),
            Error::Photo(PhotoError::UnsupportedType)
        ));
        std::fs::remove_file(&file).unwrap();
    }

    // Nothing was kept, nothing queued, and the draft is as it was.
    assert_eq!(snapshot(s), before);
    assert_eq!(files_under(&f.path().join(PHOTO_DIR)), photos_before);
    assert_eq!(s.inspection(&id).unwrap().answers, answers);

    // Real photos of each allowed type attach, as what their bytes are.
    for (name, mime) in [
        ("tiny.jpg", "image/jpeg"),
        ("tiny.webp", "image/webp"),
        ("site.png", "image/png"),
    ] {
        let r = s.add_photo_file(&fixture_path(name)).unwrap();
        assert_eq!(r.mime, mime, "{name}");
    }
    let evidence: ItemPhotos = [(
        "ebike_indoor".to_string(),
        vec![photo(s, "tiny.jpg"), photo(s, "tiny.webp")],
    )]
    .into();
    s.save_answers(&id, &answers, &evidence).unwrap();
    assert_eq!(s.inspection(&id).unwrap().answers, answers);
}
