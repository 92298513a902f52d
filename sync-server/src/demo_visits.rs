//! The demo district's visit plan (走访计划): rules for the whole city and a
//! history of past visits, spread so that a demo worker has visits due today,
//! later this week and overdue, and a few entities were never visited.

use gridfield_core::checklist::{Answers, ChecklistTemplate, ItemPhotos, builtin_templates};
use gridfield_core::model::{EntityKind, ReviewStatus};
use gridfield_core::record::RecordKind;
use gridfield_core::records::{Delivery, Inspection};
use gridfield_core::visit::{self, VisitRule};
use serde_json::json;

use crate::db::records;
use crate::db::{RowExt, Tx};
use crate::error::{ApiError, Result};
use crate::rules::{self, now_ms};
use crate::server::Server;

/// High-risk rental units monthly, other rental units quarterly, households yearly.
pub const RULES: &str = "grid,kind,only,every,template
320583,rental_unit,high,monthly,rental_fire_safety
320583,rental_unit,,quarterly,rental_fire_safety
320583,household,,yearly,household_visit
";

const DAY_MS: i64 = 86_400_000;

fn household_answers() -> Answers {
    let mut a = Answers::new();
    for (k, v) in [
        ("residents_present", json!("yes")),
        ("resident_count", json!(3)),
        ("population_change", json!("none")),
        ("special_groups", json!([])),
        ("gas_unsafe", json!("no")),
        ("wiring_unsafe", json!("no")),
        ("ebike_indoor", json!("no")),
        ("dispute", json!("no")),
    ] {
        a.insert(k.into(), v);
    }
    a
}

/// The photo and signature a demo fire-safety check carries (shipped fixtures).
const SITE_PNG: &[u8] = include_bytes!("../../core/tests/fixtures/site.png");
const SIGNATURE_PNG: &[u8] = include_bytes!("../../core/tests/fixtures/signature.png");

/// Store the demo's two images as blobs; their hashes.
fn demo_photos(tx: &mut dyn Tx) -> Result<(String, String)> {
    let mut hashes = Vec::new();
    for png in [SITE_PNG, SIGNATURE_PNG] {
        let hash = rules::sha256_hex(png);
        tx.execute(
            "INSERT INTO blobs (hash, size, mime, data, created_at) VALUES ($1, $2, 'image/png', $3, $4)
             ON CONFLICT (hash) DO NOTHING",
            &[hash.as_str().into(), (png.len() as i64).into(), png.to_vec().into(), now_ms().into()],
        )?;
        hashes.push(hash);
    }
    Ok((hashes[0].clone(), hashes[1].clone()))
}

fn rental_answers(site: &str, signature: &str) -> Answers {
    let mut a = Answers::new();
    a.insert("site_photos".into(), json!([site]));
    a.insert("landlord_signature".into(), json!(signature));
    for (k, v) in [
        ("ebike_indoor", json!("no")),
        ("ebike_flying_lead", json!("no")),
        ("escape_blocked", json!("no")),
        ("exit_locked", json!("no")),
        ("emergency_lighting", json!("yes")),
        ("window_bars_escape", json!("yes")),
        ("smoke_alarm", json!("yes")),
        ("extinguisher_count", json!(1)),
        ("extinguisher_expired", json!("no")),
        ("wiring_unsafe", json!("no")),
        ("socket_overload", json!("no")),
        ("leakage_breaker", json!("yes")),
        ("gas_type", json!("piped")),
        ("gas_cylinder_living", json!("na")),
        ("gas_hose_aged", json!("no")),
        ("gas_alarm", json!("yes")),
        ("flammable_partition", json!("no")),
        ("occupant_count", json!(3)),
        ("area_per_person", json!(15)),
        ("rental_use", json!("by_room")),
        ("non_living_room_occupied", json!("no")),
    ] {
        a.insert(k.into(), v);
    }
    a
}

/// When the n-th planned entity of a grid falls due, in days from today
/// (`None`: never visited): every grid gets visits overdue, due today, due later
/// this week and later on.
const DUE_IN: [Option<i64>; 12] = [
    Some(-12),
    Some(0),
    Some(2),
    Some(-3),
    Some(1),
    Some(20),
    None,
    Some(5),
    Some(-7),
    Some(0),
    Some(40),
    Some(4),
];

/// Load the rules (counted from 400 days ago) and a last visit for most
/// entities, so that they fall due as `DUE_IN` says.
pub fn seed(server: &Server, workers: &[(&str, &str)]) -> Result<()> {
    let now = now_ms();
    let today = visit::day_of(now);
    let templates = builtin_templates();
    let template = |id: &str| -> Result<&ChecklistTemplate> {
        templates
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| ApiError::internal(format!("no built-in template {id}")))
    };
    server.db.write(|tx| {
        let (site, signature) = demo_photos(tx)?;
        let photos = (site.as_str(), signature.as_str());
        let doc = rules::visits::load_file(tx, RULES, Some(now - 400 * DAY_MS))?
            .map_err(|e| ApiError::internal(format!("demo visit rules: {e:?}")))?;
        let rows = tx.query(
            "SELECT kind, id, grid_path, address_code, visit_value FROM records
             WHERE kind IN ('household', 'rental_unit') ORDER BY grid_path, id",
            &[],
        )?;
        let (mut grid_at, mut n) = (String::new(), 0usize);
        for r in rows {
            let kind = EntityKind::parse(&r.text(0)?).unwrap_or(EntityKind::Household);
            let (id, path) = (r.text(1)?, r.text(2)?);
            let address = r.opt_text(3).unwrap_or_default();
            let chain: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
            let value = r.opt_text(4);
            let Some(rule) = visit::rule_for(&doc.rules, kind, value.as_deref(), &chain) else {
                continue;
            };
            if path != grid_at {
                (grid_at, n) = (path.clone(), 0);
            }
            n += 1;
            let Some(due_in) = DUE_IN[(n - 1) % DUE_IN.len()] else {
                continue; // never visited
            };
            let every = i64::from(rule.every_days);
            let visited = visit::day_start_ms(today + due_in.min(every) - every)
                + (9 + (n % 8) as i64) * 3_600_000;
            let grid = chain.last().copied().unwrap_or_default();
            let inspector = workers
                .iter()
                .filter(|(_, g)| *g == grid)
                .map(|(w, _)| *w)
                .nth(n % 2)
                .or_else(|| workers.iter().find(|(_, g)| *g == grid).map(|(w, _)| *w))
                .map_or_else(
                    || format!("网格员{}", &grid[grid.len().saturating_sub(3)..]),
                    String::from,
                );
            put_visit(
                tx,
                photos,
                rule,
                template(&rule.template)?,
                &id,
                kind,
                &address,
                &path,
                &inspector,
                visited,
            )?;
        }
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
fn put_visit(
    tx: &mut dyn Tx,
    (site, signature): (&str, &str),
    rule: &VisitRule,
    t: &ChecklistTemplate,
    subject: &str,
    kind: EntityKind,
    address: &str,
    path: &str,
    inspector: &str,
    finished: i64,
) -> Result<()> {
    let answers = match rule.template.as_str() {
        "household_visit" => household_answers(),
        _ => rental_answers(site, signature),
    };
    let eval = t.evaluate(&answers, &ItemPhotos::new()).ok();
    let id = format!("iv-{subject}");
    let i = Inspection {
        id: id.clone(),
        template_id: t.id.clone(),
        template_version: t.version,
        address_code: address.to_string(),
        subject_kind: Some(kind),
        subject_id: Some(subject.to_string()),
        inspector: inspector.to_string(),
        device_id: "demo".into(),
        started_at: finished - 15 * 60_000,
        finished_at: Some(finished),
        location: None,
        answers,
        photos: ItemPhotos::new(),
        score: eval.as_ref().map(|e| e.score),
        passed: eval.as_ref().map(|e| e.passed),
        vetoed: eval.as_ref().map(|e| e.vetoed),
        review_status: ReviewStatus::Approved,
        review_comment: None,
        reviewed_by: Some("赵强".into()),
        reviewed_at: Some(finished + 3_600_000),
        delivery: Delivery::Reviewed,
    };
    records::put(
        tx,
        RecordKind::Inspection,
        &id,
        path,
        Some(address),
        &json!(i),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_answers_fit_the_shipped_templates() {
        for (id, answers) in [
            ("household_visit", household_answers()),
            (
                "rental_fire_safety",
                rental_answers(&"a".repeat(64), &"b".repeat(64)),
            ),
        ] {
            let t = builtin_templates()
                .into_iter()
                .find(|t| t.id == id)
                .unwrap();
            let e = t.evaluate(&answers, &ItemPhotos::new());
            assert!(e.as_ref().is_ok_and(|e| e.passed), "{id}: {e:?}");
        }
    }
}
