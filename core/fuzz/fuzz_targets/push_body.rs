//! Push bodies: any bytes read as the server reads `POST /v1/push` (and as the
//! device reads its answer), then every check the server and the device run on an
//! operation before storage is involved — stamp parsing and the clock, the
//! per-field merge judge, entity field validation, checklist scoring against the
//! shipped template, and the inspection, hazard, report and review rules for
//! every role. Refusals are fine; a panic is not, nor an op whose identity does
//! not read back as itself (the outbox stores ops as this JSON).
#![no_main]

use gridfield_core::checklist::builtin_templates;
use gridfield_core::hlc::{Hlc, HlcClock};
use gridfield_core::inspection::{self, ReviewDecision, review};
use gridfield_core::merge::{self, Current};
use gridfield_core::model::{ReviewStatus, validate_field};
use gridfield_core::op::Op;
use gridfield_core::photo::is_valid_hash;
use gridfield_core::role::Role;
use gridfield_core::wire::{PushOp, PushRequest, PushResponse};
use gridfield_core::{case, hazard, record, report, skew};
use libfuzzer_sys::fuzz_target;

/// A fixed "now" (2026-01-01), so a run is reproducible.
const NOW_MS: i64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = serde_json::from_slice::<PushRequest>(data) {
        let mut clock = HlcClock::new("server");
        let skew_ms = skew::push_skew(req.device_time, NOW_MS);
        for p in &req.ops {
            judge_op(p, skew_ms, &mut clock);
        }
    }
    if let Ok(resp) = serde_json::from_slice::<PushResponse>(data) {
        let _ = resp.server_hlc.parse::<Hlc>();
        for r in &resp.results {
            let _ = serde_json::to_string(r).expect("a result serialises");
        }
    }
});

fn judge_op(p: &PushOp, skew_ms: i64, clock: &mut HlcClock) {
    // What the outbox and the server's idempotence rely on reads back exactly. (Not
    // the whole op: serde_json, without its `float_roundtrip` feature, may read a
    // number with many digits one ulp off, e.g. 3333…334 in an answer.)
    let json = serde_json::to_string(p).expect("an op serialises");
    let back: PushOp = serde_json::from_str(&json).expect("an op reads back");
    assert_eq!(
        (&back.op_id, &back.entity_id, &back.hlc),
        (&p.op_id, &p.entity_id, &p.hlc)
    );
    assert_eq!(back.op.type_name(), p.op.type_name());
    assert_eq!(back.op.photo_hashes(), p.op.photo_hashes());

    let _ = (p.op.type_name(), p.op.record_kind());
    for h in p.op.photo_hashes() {
        let _ = is_valid_hash(&h);
    }
    if let Ok(stamp) = p.hlc.parse::<Hlc>() {
        assert_eq!(stamp.to_string().parse::<Hlc>().as_ref(), Ok(&stamp));
        let wall = skew::corrected_wall(stamp.wall_ms, skew_ms, NOW_MS);
        assert!((0..=NOW_MS).contains(&wall));
        clock.observe(&stamp, NOW_MS);
        let _ = clock.tick(NOW_MS);
        let _ = merge::successor_stamp(Some(&clock.last()), &stamp);
    }

    match &p.op {
        Op::EntityUpsert {
            kind,
            fields,
            bases,
            ..
        } => {
            for (name, value) in fields {
                let _ = validate_field(*kind, name, value);
                let base = bases
                    .as_ref()
                    .and_then(|b| b.get(name))
                    .and_then(|v| v.as_str());
                let current = Current {
                    stamp: base.unwrap_or(""),
                    orig: None,
                };
                let _ = merge::judge(Some(current), base, &p.hlc);
                let _ = merge::judge(None, base, &p.hlc);
            }
        }
        Op::InspectionSubmit { inspection: i } => {
            for role in Role::ALL {
                let _ = inspection::check_write(role, &i.inspector, None);
                let _ = inspection::check_write(role, &i.inspector, Some(i));
                let _ = inspection::check_write(role, "someone-else", Some(i));
            }
            // The server scores the answers again against the exact template version.
            for t in builtin_templates() {
                if t.id == i.template_id && t.version == i.template_version {
                    let _ = t.evaluate(&i.answers, &i.photos);
                }
            }
        }
        Op::HazardCreate { hazard: h } => {
            let taxonomy = hazard::builtin_taxonomy();
            for role in Role::ALL {
                let _ = hazard::check_create(role, &taxonomy, &h.category, h.severity);
            }
            let _ = taxonomy.category_label(&h.category, gridfield_core::Lang::En);
            let _ = record::check_recreate(&h.reported_by, "someone-else");
            let _ = hazard::hazard_category_label(&h.category, gridfield_core::Lang::Zh);
        }
        Op::HazardStep {
            action,
            from,
            input,
            at,
            ..
        } => {
            for role in Role::ALL {
                let _ = hazard::next_status(*from, *action, role, input);
                let _ = hazard::allowed_actions(role, *from);
            }
            let _ = hazard::is_overdue(*from, input.deadline, *at);
        }
        Op::ReportCreate { report: r } => {
            for role in Role::ALL {
                for accept in [true, false] {
                    let _ = report::decision::check(
                        role,
                        r.status,
                        accept,
                        r.decision_note.as_deref(),
                        r.points,
                    );
                }
            }
            let _ = record::check_recreate(&r.reporter, "someone-else");
        }
        Op::InspectionReview {
            approve, comment, ..
        } => {
            let decision = if *approve {
                ReviewDecision::Approve
            } else {
                ReviewDecision::Return
            };
            for role in Role::ALL {
                for status in [
                    ReviewStatus::Draft,
                    ReviewStatus::Submitted,
                    ReviewStatus::Returned,
                    ReviewStatus::Approved,
                ] {
                    let _ = review::check(role, status, decision, comment.as_deref());
                }
            }
        }
        Op::PersonalDataRevealed { kind, field, .. } => {
            for role in Role::ALL {
                let _ = gridfield_core::address::revealable(role, *kind, field);
            }
        }
        Op::CaseCreate { case: c, .. } => {
            let taxonomy = case::builtin_taxonomy();
            for role in Role::ALL {
                let _ = case::check_create(role, &taxonomy, &c.case_type, c.severity);
            }
            let rules = case::type_rules(&taxonomy, &c.case_type);
            let _ = case::is_dispute_type(&taxonomy, &c.case_type);
            let _ = case::route(&[], &rules, &c.case_type, c.severity, &c.grid_path, &[]);
            for tier in case::Tier::ALL {
                let _ = tier.level_of(&c.grid_path);
            }
            let _ = case::parent_path(&c.owner_path);
            let _ = gridfield_core::text::check_case(c);
        }
        Op::CaseStep {
            event_id,
            action,
            from,
            input,
            at,
        } => {
            // The step judged against a case in the state the device saw, by every
            // kind of actor: refused or applied, never a panic.
            let taxonomy = case::builtin_taxonomy();
            let rules = case::type_rules(&taxonomy, "dispute.neighbor");
            let _ = gridfield_core::text::check_case_step(event_id, input);
            for role in Role::ALL {
                let actor = case::Actor {
                    user: "u",
                    role,
                    scope_path: "/1/1a/",
                    department: Some("d"),
                };
                let mut c = sample_case(*from);
                let step = case::Step {
                    event_id,
                    action: *action,
                    input,
                    device_id: "dev",
                    at: *at,
                };
                let _ = case::apply_step(&mut c, step, &actor, &rules);
                let _ = case::allowed_actions(&c, &actor);
                let _ = case::visible_to(&c, &actor);
            }
        }
    }
}

/// A dispute in `status`, owned by a village below the actors' town.
fn sample_case(status: case::CaseStatus) -> case::Case {
    case::Case {
        id: "c".into(),
        case_type: "dispute.neighbor".into(),
        severity: hazard::Severity::Medium,
        source: case::CaseSource::Worker,
        source_ref: None,
        address_code: None,
        grid_path: "/1/1a/1a1/1a1x/".into(),
        owner_path: "/1/1a/1a1/".into(),
        description: String::new(),
        photos: Vec::new(),
        parties: Vec::new(),
        status,
        handler: Some(case::Handler::Department("d".into())),
        departments: vec!["d".into()],
        deadline: None,
        dispute: Some(case::Dispute::default()),
        rating: None,
        reported_by: "u".into(),
        created_at: 0,
        updated_at: 0,
        delivery: gridfield_core::record::Delivery::Local,
        overdue: false,
        location: None,
    }
}
