//! The sync protocol's JSON bodies, defined once for the client engine and the
//! server. Changes carry whole records except descriptive entities, which carry
//! fields with their HLC stamps so replicas merge per field.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::address::{Address, EntityKind};
use crate::grid::Grid;
use crate::hazard::{Hazard, HazardEvent};
use crate::inspection::Inspection;
use crate::op::Op;
use crate::record::RecordKind;
use crate::report::Report;
use crate::role::Role;
use crate::taxonomy::Taxonomy;

pub mod snapshot;

/// Bumped when a body changes incompatibly; the server answers in the newest
/// version both sides know, so an older app keeps syncing during a rollout.
pub const WIRE_VERSION: u32 = 1;
/// Request header carrying the client's wire version.
pub const VERSION_HEADER: &str = "x-gridfield-wire";
/// Response header carrying the server's clock (ms since the epoch) on every
/// answer: devices measure their clock's offset from it and stamp in corrected time.
pub const TIME_HEADER: &str = "x-gridfield-time";
/// Request header `<install id>.<request seq>`: which installation of an
/// enrollment speaks, and its request counter, so a copied data directory (two
/// installations with one token) is noticed.
pub const INSTALL_HEADER: &str = "x-gridfield-install";
/// Push batches: enough to amortise a round trip, small enough for a cut to cost little.
pub const MAX_PUSH_OPS: usize = 500;
pub const MAX_PULL_LIMIT: u32 = 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub code: String,
    pub device_name: String,
    #[serde(default)]
    pub wire_version: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    pub device_id: String,
    /// Bearer token; shown once, stored hashed on the server.
    pub token: String,
    pub user: String,
    pub role: Role,
    pub grid_scope: String,
    /// The materialised path of `grid_scope` (`/320583/320583001/`): where the
    /// device stands for cases (事件), whose levels are paths. Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_path: Option<String>,
    /// The department (职能部门) a `department` user works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Door-plate issuer public keys (hex) the device should trust.
    pub issuer_keys: Vec<String>,
    pub wire_version: u32,
    pub server_time: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushOp {
    pub op_id: String,
    /// The record the op is about (the outbox row's entity_id).
    pub entity_id: String,
    pub hlc: String,
    pub op: Op,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub ops: Vec<PushOp>,
    /// The pull cursor the device has applied: what it had seen when it wrote
    /// these ops, so the server can tell informed overwrites from concurrent ones.
    #[serde(default)]
    pub cursor: Option<String>,
    /// The device's (corrected) clock when it sent the push: a phone whose clock
    /// jumped since its last contact has its stamps corrected by the difference.
    #[serde(default)]
    pub device_time: Option<i64>,
    /// These ops are re-uploads after the device found the server restored.
    #[serde(default)]
    pub replay: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Applied now.
    Applied,
    /// Applied before (a replay): harmless.
    Duplicate,
    /// Judged and refused; `code` and `message` say why. Final: do not resend.
    Rejected,
    /// Refers to photos the server does not have yet; upload them and resend.
    PendingPhotos,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    pub op_id: String,
    pub status: OpStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Readable reason (Simplified Chinese) for a rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
    /// Fields this op wrote that were overwritten concurrently (kept in the conflict log).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    /// Of those, the fields where this op's value lost (the other is current).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<OpResult>,
    /// The server's clock after the push; the device observes it.
    pub server_hlc: String,
    /// The feed position after the push (a pull cursor): how far the server had
    /// got when it acknowledged these ops, so a later rollback shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
}

/// One descriptive entity as replicated: values with their stamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntityState {
    pub kind: EntityKind,
    pub id: String,
    pub address_code: String,
    pub fields: Map<String, Value>,
    /// field -> HLC stamp of its current value.
    pub stamps: Map<String, Value>,
    #[serde(default)]
    pub deleted: bool,
}

/// One change in the pull feed: the current state of a record in the device's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    Grid {
        grid: Grid,
    },
    Address {
        address: Address,
    },
    Entity {
        entity: EntityState,
    },
    Template {
        body: Value,
    },
    Inspection {
        inspection: Box<Inspection>,
    },
    Hazard {
        hazard: Box<Hazard>,
        events: Vec<HazardEvent>,
    },
    Report {
        report: Box<Report>,
    },
    /// A case with its timeline, as the device's role may see it
    /// (`case::redacted_for`, `case::redacted_event_for`).
    Case {
        case: Box<crate::case::Case>,
        events: Vec<crate::case::CaseEvent>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Opaque; send it back to continue.
    pub cursor: String,
    pub more: bool,
    pub server_hlc: String,
    /// Taxonomies the server holds in another version than the device (its
    /// `taxonomies` query, `kind:version,…`); absent for apps that do not ask,
    /// which ignore it anyway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxonomies: Vec<Taxonomy>,
    /// The visit rules (走访计划) that concern the device's scope, when the server
    /// holds another version than the `visit_rules` the device named; apps that
    /// do not name one never get them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_rules: Option<crate::visit::VisitRules>,
    /// The legacy plate mappings of the device's scope, whole, when they differ
    /// from the version the device named (its `legacy_plates` query); absent for
    /// apps that do not ask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_plates: Option<crate::plate::legacy::LegacyPlates>,
}

/// Per-kind digests of the device's scope, to detect a replica that drifted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChecksumResponse {
    pub kinds: std::collections::BTreeMap<String, String>,
}

/// `GET /v1/me`: who a token belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub device_id: String,
    pub user: String,
    pub role: Role,
    /// The grid code at the root of the device's scope.
    pub grid_scope: String,
}

/// Error code of a pull whose cursor this server cannot have issued: the server
/// was restored from a backup or replaced. The device re-uploads what it kept.
pub const SERVER_RESTORED: &str = "server_restored";
/// Error code of a request from a second installation of one enrollment.
pub const DEVICE_CLONED: &str = "device_cloned";

/// Every error answer: `{"error": "<code>", "message": "<text>"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// The line a record contributes to its kind's checksum: what identifies the
/// version of the record both sides hold, in a form each side can rebuild from
/// its own storage (field stamps for entities, workflow state for records).
pub fn digest_line(c: &Change) -> (String, String) {
    match c {
        Change::Grid { grid } => (
            RecordKind::Grid.as_str().into(),
            format!("{}|{}", grid.code, grid.name),
        ),
        Change::Address { address: a } => (
            RecordKind::Address.as_str().into(),
            format!(
                "{}|{}|{}|{}",
                a.code,
                a.grid_code,
                a.full_text,
                a.plate_serial.as_deref().unwrap_or("")
            ),
        ),
        Change::Entity { entity: e } => {
            let mut stamps: Vec<String> = e
                .stamps
                .iter()
                .map(|(k, v)| stamp_item(k, v.as_str().unwrap_or("")))
                .collect();
            stamps.sort();
            (
                e.kind.as_str().into(),
                entity_line(&e.id, e.deleted, &stamps),
            )
        }
        Change::Template { body } => (
            RecordKind::Template.as_str().into(),
            format!(
                "{}@{}",
                body.get("id").and_then(Value::as_str).unwrap_or(""),
                body.get("version").and_then(Value::as_u64).unwrap_or(0)
            ),
        ),
        Change::Inspection { inspection: i } => (
            RecordKind::Inspection.as_str().into(),
            inspection_line(&i.id, i.review_status.as_str(), i.review_comment.as_deref()),
        ),
        Change::Hazard { hazard: h, events } => (
            RecordKind::Hazard.as_str().into(),
            hazard_line(&h.id, h.status.as_str(), events.len()),
        ),
        Change::Report { report: r } => (
            RecordKind::Report.as_str().into(),
            report_line(&r.id, r.status.as_str()),
        ),
        Change::Case { case: c, events } => (
            RecordKind::Case.as_str().into(),
            case_line(&c.id, c.status.as_str(), &c.owner_path, events.len()),
        ),
    }
}

// The digest line of each kind, built from its parts, so a replica can digest
// straight from its columns without rebuilding whole records.
pub fn stamp_item(field: &str, hlc: &str) -> String {
    format!("{field}={hlc}")
}
/// `sorted_stamps`: `stamp_item`s in order.
pub fn entity_line(id: &str, deleted: bool, sorted_stamps: &[String]) -> String {
    format!("{id}|{deleted}|{}", sorted_stamps.join(","))
}
pub fn inspection_line(id: &str, review_status: &str, comment: Option<&str>) -> String {
    format!("{id}|{review_status}|{}", comment.unwrap_or(""))
}
pub fn case_line(id: &str, status: &str, owner_path: &str, events: usize) -> String {
    format!("{id}|{status}|{owner_path}|{events}")
}
pub fn hazard_line(id: &str, status: &str, events: usize) -> String {
    format!("{id}|{status}|{events}")
}
pub fn report_line(id: &str, status: &str) -> String {
    format!("{id}|{status}")
}

/// Per-kind `count:sha256` over the sorted digest lines.
pub fn checksums(
    changes: impl IntoIterator<Item = Change>,
) -> std::collections::BTreeMap<String, String> {
    let mut lines = DigestLines::default();
    for c in changes {
        lines.add(&c);
    }
    lines.checksums()
}

/// Digest lines gathered record by record, so a large replica can be checked
/// without holding every record at once (only one short line each).
#[derive(Debug, Default)]
pub struct DigestLines(std::collections::BTreeMap<String, Vec<String>>);

impl DigestLines {
    pub fn add(&mut self, c: &Change) {
        let (k, line) = digest_line(c);
        self.0.entry(k).or_default().push(line);
    }

    /// A line built with the `*_line` functions above.
    pub fn push(&mut self, kind: &str, line: String) {
        match self.0.get_mut(kind) {
            Some(v) => v.push(line),
            None => {
                self.0.insert(kind.to_string(), vec![line]);
            }
        }
    }

    /// Per-kind `count:sha256` over the sorted lines.
    pub fn checksums(self) -> std::collections::BTreeMap<String, String> {
        use sha2::Digest;
        self.0
            .into_iter()
            .map(|(k, mut lines)| {
                lines.sort();
                let mut h = sha2::Sha256::new();
                for l in &lines {
                    h.update(l.as_bytes());
                    h.update(b"\n");
                }
                (k, format!("{}:{}", lines.len(), hex::encode(h.finalize())))
            })
            .collect()
    }
}
