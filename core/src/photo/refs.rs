//! Which photos a record uses: the one rule behind upload ordering on the
//! device, the server's `record_photos` index and photo access by scope.
//! A reference is any valid photo hash in the places a record keeps photos.

use std::collections::BTreeMap;

use serde_json::Value;

use super::is_valid_hash;
use crate::record::RecordKind;

/// Every photo hash a record body (as JSON) refers to, sorted and distinct:
/// an inspection's evidence photos and photo or signature answers; a hazard's
/// photos and its steps' photos (the server's hazard document
/// `{"hazard": {...}, "events": [...]}`); a case's likewise (`{"case": ...}`,
/// agreement signatures included); a step's or a report's photos.
/// Other kinds use no photos. Strings that are not photo hashes are ignored.
pub fn refs_of(kind: RecordKind, body: &Value) -> Vec<String> {
    let mut found = Vec::new();
    match kind {
        RecordKind::Inspection => {
            for key in ["photos", "answers"] {
                if let Some(Value::Object(m)) = body.get(key) {
                    for v in m.values() {
                        strings(Some(v), &mut found);
                    }
                }
            }
        }
        RecordKind::Hazard => {
            strings(body.pointer("/hazard/photos"), &mut found);
            if let Some(Value::Array(events)) = body.get("events") {
                for e in events {
                    strings(e.get("photos"), &mut found);
                }
            }
        }
        RecordKind::Case => {
            // The server's case document `{"case": {...}, "events": [...]}`:
            // its photos, the agreement's signatures and every step's photos.
            strings(body.pointer("/case/photos"), &mut found);
            if let Some(Value::Array(sigs)) = body.pointer("/case/dispute/agreement/signatures") {
                for s in sigs {
                    strings(s.get("photo"), &mut found);
                }
            }
            if let Some(Value::Array(events)) = body.get("events") {
                for e in events {
                    strings(e.get("photos"), &mut found);
                }
            }
        }
        RecordKind::HazardEvent | RecordKind::Report | RecordKind::CaseEvent => {
            strings(body.get("photos"), &mut found)
        }
        RecordKind::Grid
        | RecordKind::Address
        | RecordKind::Template
        | RecordKind::Household
        | RecordKind::Person
        | RecordKind::RentalUnit
        | RecordKind::Business => {}
    }
    finish(found)
}

/// The same rule over a typed inspection's parts (item id → answer, item id →
/// evidence photos), without going through JSON.
pub fn inspection_refs(
    answers: &BTreeMap<String, Value>,
    evidence: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut found: Vec<&str> = evidence.values().flatten().map(String::as_str).collect();
    for v in answers.values() {
        strings(Some(v), &mut found);
    }
    finish(found)
}

/// A string, or the strings of an array: where photo hashes sit in a body.
fn strings<'a>(v: Option<&'a Value>, out: &mut Vec<&'a str>) {
    match v {
        Some(Value::String(s)) => out.push(s),
        Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_str)),
        _ => {}
    }
}

fn finish(found: Vec<&str>) -> Vec<String> {
    let mut out: Vec<String> = found
        .into_iter()
        .filter(|s| is_valid_hash(s))
        .map(String::from)
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const C: &str = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

    #[test]
    fn inspection_evidence_photo_and_signature_answers() {
        let body = json!({
            "photos": {"exit": [B, A]},
            "answers": {"pics": [C, A], "sign": B, "note": "not a hash", "ok": "yes", "n": 3}
        });
        assert_eq!(refs_of(RecordKind::Inspection, &body), vec![A, B, C]);
    }

    #[test]
    fn typed_and_json_inspections_agree() {
        let answers: BTreeMap<String, Value> = [
            ("pics".to_string(), json!([C, "x"])),
            ("sign".to_string(), json!(A)),
            ("ok".to_string(), json!("yes")),
        ]
        .into();
        let evidence: BTreeMap<String, Vec<String>> =
            [("exit".to_string(), vec![B.to_string()])].into();
        let body = json!({"answers": answers, "photos": evidence});
        assert_eq!(
            inspection_refs(&answers, &evidence),
            refs_of(RecordKind::Inspection, &body)
        );
        assert_eq!(inspection_refs(&answers, &evidence), vec![A, B, C]);
    }

    #[test]
    fn hazard_document_steps_and_reports() {
        let doc = json!({
            "hazard": {"photos": [A]},
            "events": [{"photos": [B]}, {"photos": []}, {"note": "no photos"}]
        });
        assert_eq!(refs_of(RecordKind::Hazard, &doc), vec![A, B]);
        assert_eq!(
            refs_of(RecordKind::HazardEvent, &json!({"photos": [C]})),
            vec![C]
        );
        assert_eq!(
            refs_of(RecordKind::Report, &json!({"photos": [C, C, "bad"]})),
            vec![C]
        );
        assert!(refs_of(RecordKind::Address, &json!({"photos": [A]})).is_empty());
    }

    #[test]
    fn photo_refs_reads_every_place_a_record_keeps_photos() {
        // Moved from the server's own copy (db/records.rs) when it began calling this.
        let (a, b, c, d) = (
            "a".repeat(64),
            "b".repeat(64),
            "c".repeat(64),
            "d".repeat(64),
        );
        let inspection = json!({
            "photos": { "ebike": [a, b] },
            "answers": { "signature": c, "site": [d, "not a hash"], "remarks": "text", "n": 3 }
        });
        assert_eq!(
            refs_of(RecordKind::Inspection, &inspection),
            vec![a.clone(), b.clone(), c.clone(), d.clone()]
        );
        let hazard = json!({
            "hazard": { "photos": [a] },
            "events": [{ "photos": [a] }, { "photos": [b] }, { "photos": [] }]
        });
        assert_eq!(
            refs_of(RecordKind::Hazard, &hazard),
            vec![a.clone(), b.clone()]
        );
        assert_eq!(
            refs_of(RecordKind::Report, &json!({ "photos": [c] })),
            vec![c.clone()]
        );
        assert!(refs_of(RecordKind::Household, &json!({ "photos": [d] })).is_empty());
    }
}
