//! Checklist templates as they arrive by sync or import: parse and self-check any
//! text, and for a template that passes, score answers against it (a fitting
//! answer for every item, and none at all). A template that passed its checks
//! must never make scoring panic, and must read back as the same template.
#![no_main]

use gridfield_core::checklist::{Answers, ChecklistTemplate, ItemKind, ItemPhotos};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// SHA-256 of `core/tests/fixtures/site.png`: a well-formed photo hash.
const PHOTO: &str = "31b5565957fed90faf19fb7cec932f540054e05a84e24daeac132fd8b2eaeed9";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = ChecklistTemplate::from_json(text) else {
        return;
    };
    // Reads back as the same template (item by item; a long decimal bound may read
    // one ulp off, as serde_json parses without `float_roundtrip`).
    let again =
        ChecklistTemplate::from_json(&template.to_json()).expect("a checked template reads back");
    assert_eq!((&again.id, again.version), (&template.id, template.version));
    let kinds = |t: &ChecklistTemplate| -> Vec<(String, &'static str)> {
        t.items().map(|i| (i.id.clone(), i.kind.as_str())).collect()
    };
    assert_eq!(kinds(&again), kinds(&template));

    let empty = (Answers::new(), ItemPhotos::new());
    let _ = template.check_partial(&empty.0, &empty.1);
    let _ = template.evaluate(&empty.0, &empty.1);
    // Vary which answer each item gets with the input, so failing rules are reached too.
    for pick in [0usize, 1, 2] {
        let (answers, photos) = answers_for(&template, pick + data.len());
        let partial = template.check_partial(&answers, &photos);
        if let Ok(e) = template.evaluate(&answers, &photos) {
            assert!(e.score <= template.total_score);
            assert!(!e.vetoed || e.score == 0);
            assert!(
                partial.is_ok(),
                "a finished set that scores is a valid draft"
            );
        }
    }
});

fn answers_for(t: &ChecklistTemplate, pick: usize) -> (Answers, ItemPhotos) {
    let mut answers = Answers::new();
    let mut photos = ItemPhotos::new();
    for (n, item) in t.items().enumerate() {
        let k = pick + n;
        let answer: Value = match &item.kind {
            ItemKind::YesNoNa => json!(["yes", "no", "na"][k % 3]),
            ItemKind::Number { min, max, .. } => match k % 3 {
                0 => json!(min.unwrap_or(0.0)),
                1 => json!(max.unwrap_or(1e9)),
                _ => json!(0),
            },
            ItemKind::Text { max_len } => json!("检".repeat((*max_len as usize).min(64))),
            ItemKind::SingleChoice { options } => match options.get(k % options.len().max(1)) {
                Some(o) => json!(o.id),
                None => continue,
            },
            ItemKind::MultiChoice { options } => {
                json!(
                    options
                        .iter()
                        .take(k % 3)
                        .map(|o| &o.id)
                        .collect::<Vec<_>>()
                )
            }
            ItemKind::Photo { min, .. } => json!(vec![PHOTO; (*min as usize).min(8)]),
            ItemKind::Signature => json!(PHOTO),
        };
        if item.photo_on_fail {
            photos.insert(item.id.clone(), vec![PHOTO.to_string()]);
        }
        answers.insert(item.id.clone(), answer);
    }
    (answers, photos)
}
