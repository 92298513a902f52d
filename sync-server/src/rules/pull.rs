//! Pull: the change feed of a device's grid subtree, paged by sequence, each
//! record shown as the device's role may see it (volunteers: public fields and
//! their own reports only; departments: the map and the cases dispatched to them).
//! Cases go only to apps that ask for them (`cases`): an older app fails on a
//! change it does not know.

use gridfield_core::case;
use gridfield_core::model::{Role, Sensitivity};
use gridfield_core::record::RecordKind;
use gridfield_core::records::Report;
use gridfield_core::wire::{self, Change, PullResponse};
use serde_json::Value;

use super::{DeviceCtx, Error, Result, now_ms};
use crate::db::RowExt;
use crate::db::records::{CaseDoc, EntityDoc, HazardDoc};
use crate::server::Server;

/// The versioned documents a device says it holds (absent from older apps,
/// which then get none of them).
#[derive(Debug, Clone, Copy, Default)]
pub struct Held<'a> {
    /// `kind:version,…` of its taxonomies.
    pub taxonomies: Option<&'a str>,
    /// The version of its visit rules (0: none).
    pub visit_rules: Option<i64>,
    /// The legacy plate mappings' version ("" for none).
    pub legacy_plates: Option<&'a str>,
}

pub fn pull(
    server: &Server,
    dev: &DeviceCtx,
    cursor: Option<&str>,
    seen: Option<&str>,
    held: Held<'_>,
    cases: bool,
    limit: u32,
) -> Result<PullResponse> {
    let limit = limit.clamp(1, wire::MAX_PULL_LIMIT);
    feed_page(server, dev, cursor, seen, held, cases, limit)
}

/// One page of the feed after `cursor` as this device may see it, `limit`
/// changes at most: the pull's page, and the bootstrap snapshot's (larger) one.
pub fn feed_page(
    server: &Server,
    dev: &DeviceCtx,
    cursor: Option<&str>,
    seen: Option<&str>,
    held: Held<'_>,
    cases: bool,
    limit: u32,
) -> Result<PullResponse> {
    let limit = limit.max(1) as i64;
    // A restore found here is recorded (committed) before the refusal goes out.
    let checked = server.db.write(|tx| {
        if !crate::install::check(tx, dev)? {
            return Ok(Err(crate::install::cloned_error()));
        }
        let checked = crate::restore::check_pull(tx, dev, cursor, seen);
        // The cursor a device sends proves it applied everything before it.
        let from = checked.as_ref().map(|c| c.1).unwrap_or(0);
        tx.execute(
            "UPDATE devices SET acked_seq = CASE WHEN acked_seq > $2 THEN acked_seq ELSE $2 END, last_seen = $3 WHERE id = $1",
            &[dev.device_id.as_str().into(), from.into(), now_ms().into()],
        )?;
        Ok(checked)
    })?;
    let (here, from) = checked?;
    let (lower, upper) = dev.scope().range();
    // A department sees the cases ever dispatched to it wherever they happened:
    // those its side table names (migration 011); `to_change` judges each again.
    let dept = dev.department.clone().unwrap_or_default();
    let dept_param = cases && reaches_beyond_scope(dev);
    let beyond = if dept_param {
        " OR seq IN (SELECT r.seq FROM case_departments d JOIN records r
              ON r.kind = 'case' AND r.id = d.case_id WHERE d.department = $5 AND r.seq > $1)"
    } else {
        ""
    };
    // Templates published to a grid above this device's scope (after `$5` when
    // the department is a parameter).
    let (published_above, above) = templates_above(dev, if dept_param { 6 } else { 5 });
    let rows = server.db.read(|tx| {
        // Pick the page's seqs from the (grid_path, seq) index alone, then fetch
        // those bodies: sorting whole rows of a large subtree for every page made
        // a supervisor's initial pull quadratic in its scope.
        let mut params: Vec<crate::db::SqlValue> = vec![
            from.into(),
            lower.as_str().into(),
            upper.as_str().into(),
            (limit + 1).into(),
        ];
        if !beyond.is_empty() {
            params.push(dept.as_str().into());
        }
        params.extend(above.iter().map(|p| p.as_str().into()));
        tx.query(
            &format!(
                "SELECT kind, body, seq FROM records WHERE seq IN (
               SELECT seq FROM records
               WHERE seq > $1 AND ((grid_path >= $2 AND grid_path < $3) OR grid_path = '/'{beyond}{published_above})
               ORDER BY seq LIMIT $4)
             ORDER BY seq"
            ),
            &params,
        )
    })?;
    let more = rows.len() as i64 > limit;
    let now = now_ms();
    let mut last = from;
    let mut changes = Vec::new();
    for r in rows.into_iter().take(limit as usize) {
        last = r.int(2)?;
        if let Some(c) = row_change(&r, dev, cases, now)? {
            changes.push(c);
        }
    }
    let cursor = crate::restore::Position { seq: last, ..here }.encode();
    finish_page(server, dev, held, cases, changes, cursor, more)
}

/// A feed row (`kind`, `body` first) as the change this device may see, or nothing.
pub(crate) fn row_change(
    r: &crate::db::Row,
    dev: &DeviceCtx,
    cases: bool,
    now: i64,
) -> Result<Option<Change>> {
    let body: Value = serde_json::from_str(&r.text(1)?).map_err(Error::internal)?;
    to_change(&r.text(0)?, body, dev, cases, now)
}

/// A page's changes with what goes along: the versioned documents the device
/// does not hold yet (`held`) and the server's clock.
pub(crate) fn finish_page(
    server: &Server,
    dev: &DeviceCtx,
    held: Held<'_>,
    cases: bool,
    changes: Vec<Change>,
    cursor: String,
    more: bool,
) -> Result<PullResponse> {
    // Only apps that say which taxonomies they hold get the server's when it differs.
    // The case types go along with the cases: only to apps that ask for them.
    let mut taxonomies = match held.taxonomies {
        Some(held) => server
            .db
            .read_as(|tx| super::taxonomy::changed_for(tx, held))?,
        None => Vec::new(),
    };
    taxonomies.retain(|t| cases || t.kind != case::TAXONOMY_KIND);
    // Visit rules likewise, only to apps that name the version they hold.
    let visit_rules = match held.visit_rules {
        Some(held) => server
            .db
            .read_as(|tx| super::visits::changed_for(tx, &dev.scope(), held))?,
        None => None,
    };
    // Legacy plate mappings likewise: only to apps that name the version they hold.
    let legacy_plates = match held.legacy_plates {
        Some(held) => server
            .db
            .read_as(|tx| super::legacy_plates::changed_for(tx, dev, held))?,
        None => None,
    };
    let server_hlc = server.tick().to_string();
    Ok(PullResponse {
        changes,
        cursor,
        more,
        server_hlc,
        taxonomies,
        visit_rules,
        legacy_plates,
    })
}

/// Checklist templates published to a grid above the device's scope reach it
/// too: an SQL condition (` OR …`, its marks from `$first`) and its parameters.
pub(crate) fn templates_above(dev: &DeviceCtx, first: usize) -> (String, Vec<String>) {
    let above: Vec<String> = dev
        .scope()
        .ancestors()
        .into_iter()
        .filter(|p| p != "/")
        .collect();
    if above.is_empty() {
        return (String::new(), above);
    }
    let marks: Vec<String> = (0..above.len())
        .map(|i| format!("${}", i + first))
        .collect();
    (
        format!(
            " OR (kind = 'template' AND grid_path IN ({}))",
            marks.join(", ")
        ),
        above,
    )
}

/// Whether this device sees records outside its grid subtree: a department
/// the cases dispatched to it.
pub(crate) fn reaches_beyond_scope(dev: &DeviceCtx) -> bool {
    dev.role == Role::Department
}

/// The change as this device's role may see it, or nothing. `cases`: the app
/// asked for cases; `now` decides which are overdue.
pub(crate) fn to_change(
    kind: &str,
    body: Value,
    dev: &DeviceCtx,
    cases: bool,
    now: i64,
) -> Result<Option<Change>> {
    let personal = dev.role.sees_personal_data();
    let bad = |e: serde_json::Error| Error::internal(format!("record body: {e}"));
    let Some(kind) = RecordKind::parse(kind) else {
        return Ok(None);
    };
    // A department works on its cases: the map, and nothing of the people.
    if dev.role == Role::Department
        && !matches!(
            kind,
            RecordKind::Grid | RecordKind::Address | RecordKind::Template | RecordKind::Case
        )
    {
        return Ok(None);
    }
    Ok(match kind {
        RecordKind::Grid => Some(Change::Grid {
            grid: serde_json::from_value(body).map_err(bad)?,
        }),
        RecordKind::Address => Some(Change::Address {
            address: serde_json::from_value(body).map_err(bad)?,
        }),
        RecordKind::Template => Some(Change::Template { body }),
        RecordKind::Inspection if personal => Some(Change::Inspection {
            inspection: serde_json::from_value(body).map_err(bad)?,
        }),
        RecordKind::Hazard if personal => {
            let d: HazardDoc = serde_json::from_value(body).map_err(bad)?;
            Some(Change::Hazard {
                hazard: Box::new(d.hazard),
                events: d.events,
            })
        }
        RecordKind::Report => {
            let mut r: Report = serde_json::from_value(body).map_err(bad)?;
            // A resident's feedback phone stays on the server (the console shows it masked).
            r.contact_phone = None;
            // Volunteers see their own reports only.
            (personal || r.reporter == dev.user).then(|| Change::Report {
                report: Box::new(r),
            })
        }
        RecordKind::Inspection | RecordKind::Hazard => None,
        // Hazard steps travel inside their hazard's document.
        RecordKind::HazardEvent => None,
        RecordKind::Case if cases => {
            let d: CaseDoc = serde_json::from_value(body).map_err(bad)?;
            let actor = dev.case_actor();
            if !case::visible_to(&d.case, &actor) {
                return Ok(None);
            }
            let mut c = case::redacted_for(&d.case, dev.role);
            c.overdue = case::is_overdue(c.status, c.deadline, now);
            Some(Change::Case {
                case: Box::new(c),
                events: d
                    .events
                    .iter()
                    .map(|e| case::redacted_event_for(e, dev.role))
                    .collect(),
            })
        }
        // Case steps travel inside their case's document.
        RecordKind::Case | RecordKind::CaseEvent => None,
        RecordKind::Household
        | RecordKind::Person
        | RecordKind::RentalUnit
        | RecordKind::Business => {
            let Some(ek) = kind.entity().filter(|ek| ek.visible_to(dev.role)) else {
                return Ok(None);
            };
            let doc: EntityDoc = serde_json::from_value(body).map_err(bad)?;
            let mut st = doc.state;
            if !personal {
                let keep = |f: &String| {
                    ek.field(f)
                        .is_some_and(|s| s.sensitivity == Sensitivity::Public)
                };
                st.fields.retain(|f, _| keep(f));
                st.stamps.retain(|f, _| keep(f));
            }
            Some(Change::Entity { entity: st })
        }
    })
}
