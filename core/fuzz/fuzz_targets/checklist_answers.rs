//! Checklist answers as a device submits them (`{"answers": {..}, "photos": {..}}`,
//! the shape of `core/tests/fixtures/fire_safety_*.json`), checked and scored
//! against every shipped template the way the device and the server both do.
#![no_main]

use gridfield_core::checklist::{Answers, ItemPhotos, builtin_templates};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let answers: Answers = match body.get("answers").cloned().map(serde_json::from_value) {
        Some(Ok(a)) => a,
        _ => return,
    };
    let photos: ItemPhotos = match body.get("photos").cloned().map(serde_json::from_value) {
        Some(Ok(p)) => p,
        None => ItemPhotos::new(),
        Some(Err(_)) => return,
    };
    for template in builtin_templates() {
        let partial = template.check_partial(&answers, &photos);
        match template.evaluate(&answers, &photos) {
            Ok(e) => {
                assert!(e.score <= template.total_score);
                assert!(!e.vetoed || e.score == 0);
                assert!(
                    partial.is_ok(),
                    "a finished set that scores is a valid draft"
                );
                let _ = serde_json::to_string(&e).expect("an evaluation serialises");
            }
            // What a worker or the server's refusal shows, in both languages.
            Err(errors) => {
                let _ = (errors.message_zh(), errors.to_string());
            }
        }
    }
});
