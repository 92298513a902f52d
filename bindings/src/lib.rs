//! gridfield-ffi: the uniffi facade the Android and iOS shells call. A public
//! object wraps the core's `Store`; each exported method is a thin delegation that
//! converts types and maps errors in one place (`error.rs`). No SQL here.
//!
//! Calls are blocking and quick, except the network ones — `sync`, `photo`, `enroll`
//! and `reenroll` — which are async (Kotlin `suspend`, Swift `async`) and run on the
//! core's own tokio runtime; cancelling the caller's coroutine or task cancels a
//! sync or photo download (as a `CancelHandle` does), losing nothing.

mod case;
mod checklist;
mod entity;
mod error;
mod hazard;
mod inspection;
mod labels;
mod mirror;
mod plate;
mod points;
mod report;
mod store;
mod sync;
mod visit;

pub use case::*;
pub use checklist::*;
pub use entity::*;
pub use error::{GridfieldError, Result};
pub use hazard::*;
pub use inspection::*;
pub use labels::*;
pub use mirror::*;
pub use plate::*;
pub use points::*;
pub use report::*;
pub use store::*;
pub use sync::*;
pub use visit::*;

uniffi::setup_scaffolding!();

#[cfg(test)]
mod tests {
    use super::*;
    use gridfield_core::error::Error as CoreError;
    use std::sync::Arc;

    fn offline(dir: &std::path::Path, role: Role) -> Arc<GridfieldStore> {
        GridfieldStore::create_offline(
            dir.to_string_lossy().into(),
            generate_database_key().unwrap(),
            DeviceIdentity {
                device_id: "d1".into(),
                user: "u1".into(),
                role,
                grid_scope: "320583001003".into(),
            },
        )
        .unwrap()
    }

    /// The device's grid and the first address of the core's fixture, imported.
    fn with_an_address(s: &GridfieldStore) -> gridfield_core::model::Address {
        let grid = gridfield_core::model::Grid {
            code: "320583001003".into(),
            name: "网格".into(),
            level: 3,
            parent_code: None,
        };
        s.core().import_grids(&[grid]).unwrap();
        let csv = std::fs::read_to_string("../core/tests/fixtures/addresses.csv").unwrap();
        let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
        let address = gridfield_core::model::Address::from_csv_row(&row).unwrap();
        s.core()
            .import_addresses(std::slice::from_ref(&address))
            .unwrap();
        address
    }

    #[test]
    fn every_error_reaches_the_shell_with_both_languages() {
        use gridfield_core::error::{Action, Input, Invalid};
        use gridfield_core::record::RecordKind;
        let cases = [
            (CoreError::WrongKey, "WrongKey"),
            (CoreError::DiskFull, "StorageFull"),
            (CoreError::NotEnrolled, "Sync"),
            (CoreError::Cancelled, "Cancelled"),
            (CoreError::NotPermitted(Action::Inspect), "NotPermitted"),
            (CoreError::not_found(RecordKind::Hazard, "h1"), "NotFound"),
            (
                CoreError::invalid(Input::Comment, Invalid::Required),
                "InvalidInput",
            ),
            (
                CoreError::SchemaTooNew {
                    found: 9,
                    supported: 2,
                },
                "UpdateRequired",
            ),
        ];
        for (core, variant) in cases {
            let code = core.code().to_string();
            let e = GridfieldError::from(core);
            assert!(format!("{e:?}").starts_with(variant), "{e:?}");
            assert_eq!(e.code(), code);
            let zh = e.reason(gridfield_core::Lang::Zh);
            let en = e.reason(gridfield_core::Lang::En);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii(), "{en}");
        }
        let server = GridfieldError::from(CoreError::Server {
            status: 401,
            code: "unauthorized".into(),
            message: "token revoked".into(),
        });
        assert!(matches!(
            server,
            GridfieldError::Sync {
                http_status: 401,
                ..
            }
        ));
    }

    #[test]
    fn keys_must_be_32_bytes_and_the_wrong_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = GridfieldStore::open(dir.path().to_string_lossy().into(), vec![1; 31])
            .err()
            .unwrap();
        assert_eq!(err.code(), "bad_key");
        drop(offline(dir.path(), Role::Worker));
        let err = GridfieldStore::open(dir.path().to_string_lossy().into(), vec![7; 32])
            .err()
            .unwrap();
        assert!(matches!(err, GridfieldError::WrongKey { .. }));
    }

    #[test]
    fn typed_answers_survive_the_round_trip_through_a_draft() {
        let dir = tempfile::tempdir().unwrap();
        let s = offline(dir.path(), Role::Worker);
        let tpl = s.template("rental_fire_safety".into(), None).unwrap();
        let photo = s
            .add_photo(std::fs::read("../core/tests/fixtures/site.png").unwrap())
            .unwrap();
        let answers = vec![
            ItemAnswer {
                item_id: "ebike_indoor".into(),
                answer: Answer::YesNoNa {
                    value: YesNoNa::Yes,
                },
            },
            ItemAnswer {
                item_id: "extinguisher_count".into(),
                answer: Answer::Number { value: 2.0 },
            },
            ItemAnswer {
                item_id: "gas_type".into(),
                answer: Answer::Choice {
                    option: "piped".into(),
                },
            },
            ItemAnswer {
                item_id: "remarks".into(),
                answer: Answer::Text {
                    value: "楼道堆物".into(),
                },
            },
            ItemAnswer {
                item_id: "site_photos".into(),
                answer: Answer::Photos {
                    hashes: vec![photo.hash.clone()],
                },
            },
            ItemAnswer {
                item_id: "landlord_signature".into(),
                answer: Answer::Signature {
                    hash: photo.hash.clone(),
                },
            },
        ];
        // Drafts need an address on the device; put the core fixture's in.
        let csv = std::fs::read_to_string("../core/tests/fixtures/addresses.csv").unwrap();
        let rows: Vec<_> = csv
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                gridfield_core::model::Address::from_csv_row(&f).unwrap()
            })
            .collect();
        let grids: Vec<_> = std::fs::read_to_string("../core/tests/fixtures/grids.csv")
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                gridfield_core::model::Grid {
                    code: f[0].into(),
                    name: f[1].into(),
                    level: f[2].parse().unwrap(),
                    parent_code: Some(f[3]).filter(|p| !p.is_empty()).map(Into::into),
                }
            })
            .collect();
        s.core().import_grids(&grids).unwrap();
        s.core().import_addresses(&rows).unwrap();
        let id = s
            .start_inspection(NewInspection {
                template_id: tpl.id.clone(),
                template_version: None,
                address_code: rows[0].code.clone(),
                subject_kind: None,
                subject_id: None,
                location: None,
            })
            .unwrap();
        s.save_answers(id.clone(), answers.clone(), vec![]).unwrap();
        let back = s.inspection(id).unwrap();
        let mut got = back.answers.clone();
        let mut want = answers;
        got.sort_by(|a, b| a.item_id.cmp(&b.item_id));
        want.sort_by(|a, b| a.item_id.cmp(&b.item_id));
        assert_eq!(got, want);

        // The live check names what is missing, per item, in both languages.
        let check = s
            .check_answers(tpl.id.clone(), tpl.version, back.answers, vec![])
            .unwrap();
        assert!(!check.complete);
        let p = check
            .problems
            .iter()
            .find(|p| p.item_id == "ebike_indoor")
            .expect("failing item without photo");
        assert_eq!(p.code, "photo_required_on_fail");
        assert!(p.reason.contains("拍照"));
        assert!(check.problems.iter().any(|p| p.code == "missing_required"));
    }

    #[test]
    fn integer_entity_fields_are_numbers_and_volunteers_cannot_edit() {
        let json = entity_fields_json(
            EntityKind::RentalUnit,
            vec![
                EntityField {
                    name: "rooms".into(),
                    value: Some(" 3 ".into()),
                    masked: false,
                },
                EntityField {
                    name: "landlord_name".into(),
                    value: None,
                    masked: false,
                },
            ],
        );
        assert_eq!(json["rooms"], serde_json::json!(3));
        assert!(json["landlord_name"].is_null());

        let dir = tempfile::tempdir().unwrap();
        let s = offline(dir.path(), Role::Volunteer);
        let err = s
            .put_entity(EntityKind::Household, None, Some("x".into()), vec![])
            .unwrap_err();
        assert!(matches!(err, GridfieldError::NotPermitted { .. }));
    }

    #[test]
    fn identifiers_come_masked_with_a_flag_and_reveal_returns_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let s = offline(dir.path(), Role::Worker);
        let address = with_an_address(&s);
        let field = |name: &str, value: &str| EntityField {
            name: name.into(),
            value: Some(value.into()),
            masked: false,
        };
        let id = s
            .put_entity(
                EntityKind::Person,
                None,
                Some(address.code.clone()),
                vec![
                    field("name", "王秀英"),
                    field("id_number", "11010519491231002X"),
                    field("phone", "13900000001"),
                ],
            )
            .unwrap();
        let e = s.entity(EntityKind::Person, id.clone()).unwrap().unwrap();
        let get = |n: &str| e.fields.iter().find(|f| f.name == n).unwrap().clone();
        assert_eq!(
            get("id_number").value.as_deref(),
            Some("1101**********002X")
        );
        assert!(get("id_number").masked && get("phone").masked);
        assert_eq!(get("phone").value.as_deref(), Some("139****0001"));
        assert!(!get("name").masked);
        let v = s.address_view(address.code.clone()).unwrap();
        assert!(v.entities[0].fields.iter().any(|f| f.masked));
        assert_eq!(
            s.reveal_field(EntityKind::Person, id.clone(), "id_number".into())
                .unwrap()
                .as_deref(),
            Some("11010519491231002X")
        );
        // A malformed ID number: the core's Chinese reason, nothing saved.
        let err = s
            .put_entity(
                EntityKind::Person,
                Some(id),
                None,
                vec![field("id_number", "110105194912310021")],
            )
            .unwrap_err();
        assert!(matches!(err, GridfieldError::InvalidInput { .. }));
        assert!(
            err.reason(gridfield_core::Lang::Zh).contains("身份证号"),
            "{err:?}"
        );
        // A revoked device's error is its own kind, for the shells to act on.
        let revoked = GridfieldError::from(gridfield_core::Error::Revoked);
        assert!(matches!(revoked, GridfieldError::Revoked { .. }));
        assert_eq!(revoked.code(), "device_revoked");
        assert!(revoked.reason(gridfield_core::Lang::Zh).contains("清除"));
    }

    #[test]
    fn hazards_come_named_by_the_taxonomy_the_phone_holds() {
        let dir = tempfile::tempdir().unwrap();
        let s = offline(dir.path(), Role::Worker);
        let address = with_an_address(&s);
        s.set_lang(Lang::Zh).unwrap();
        let id = s
            .create_hazard(NewHazard {
                location: None,
                address_code: address.code.clone(),
                category: "fire.escape_blocked".into(),
                severity: Severity::High,
                description: "楼道堆放杂物".into(),
                photos: vec![],
                deadline: None,
            })
            .unwrap();
        let label = s
            .hazard_category_label("fire.escape_blocked".into(), Lang::Zh)
            .unwrap();
        assert_eq!(label, "疏散通道堵塞");
        assert_eq!(s.hazard(id).unwrap().hazard.category_label, label);
        let listed = s.hazards(HazardFilter::default()).unwrap();
        assert_eq!(listed[0].category_label, label);
        let view = s.address_view(address.code.clone()).unwrap();
        assert_eq!(view.hazards[0].category_label, label);
        assert!(
            s.hazard_categories()
                .unwrap()
                .iter()
                .any(|c| c.code == "fire.escape_blocked" && c.label == label)
        );
        assert_eq!(
            s.hazard_category_label("made.up-category".into(), Lang::En)
                .unwrap(),
            "Uncategorised"
        );
    }
}
