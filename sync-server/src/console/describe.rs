//! Records as people read them in the console: devices by their enrolled names,
//! records by kind and name with a link, field values by the core's labels and
//! masks, and each audit row as one sentence in the page's language.

use std::collections::HashMap;

use gridfield_core::hazard::HazardAction;
use gridfield_core::i18n::Lang;
use gridfield_core::model::EntityKind;
use gridfield_core::record::RecordKind;
use gridfield_core::role::Role;
use serde_json::Value;

use super::html::url;
use super::query::AuditRow;
use super::records_msg::{RECORD, RecordsMsg as R};
use crate::db::{RowExt, SqlValue as V, Tx};
use crate::error::Result;
use crate::rules::CONSOLE_DEVICE;

/// Ids per IN list.
const CHUNK: usize = 100;

/// What the sentences of a page need to know besides the rows: device names and
/// the records named (their name as the viewer may read it, and where they live).
#[derive(Default)]
pub struct Known {
    devices: HashMap<String, String>,
    records: HashMap<(String, String), Named>,
}

/// A record as a sentence names it.
struct Named {
    title: Option<String>,
    address: Option<String>,
    /// An entity's current field values.
    fields: serde_json::Map<String, Value>,
}

impl Known {
    /// Read the names the given devices and records need, a few queries a page.
    pub fn load<'a>(
        tx: &mut dyn Tx,
        devices: impl IntoIterator<Item = &'a str>,
        records: impl IntoIterator<Item = (&'a str, &'a str)>,
        role: Role,
    ) -> Result<Known> {
        let mut k = Known::default();
        let mut ids: Vec<&str> = devices
            .into_iter()
            .filter(|d| *d != CONSOLE_DEVICE)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(CHUNK) {
            let rows = tx.query(
                &format!(
                    "SELECT id, name FROM devices WHERE id IN ({})",
                    marks(1, chunk.len())
                ),
                &chunk.iter().map(|d| V::from(*d)).collect::<Vec<_>>(),
            )?;
            for r in rows {
                k.devices.insert(r.text(0)?, r.text(1)?);
            }
        }
        let mut by_kind: HashMap<&str, Vec<&str>> = HashMap::new();
        for (kind, id) in records {
            if RecordKind::parse(kind).is_some() {
                by_kind.entry(kind).or_default().push(id);
            }
        }
        for (kind, mut ids) in by_kind {
            ids.sort_unstable();
            ids.dedup();
            for chunk in ids.chunks(CHUNK) {
                let mut params = vec![V::from(kind)];
                params.extend(chunk.iter().map(|i| V::from(*i)));
                let rows = tx.query(
                    &format!(
                        "SELECT id, address_code, body FROM records WHERE kind = $1 AND id IN ({})",
                        marks(2, chunk.len())
                    ),
                    &params,
                )?;
                for r in rows {
                    let body: Value = serde_json::from_str(&r.text(2)?).unwrap_or(Value::Null);
                    let named = Named {
                        title: title(kind, &body, role),
                        address: r.opt_text(1),
                        fields: body
                            .pointer("/state/fields")
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default(),
                    };
                    k.records.insert((kind.to_string(), r.text(0)?), named);
                }
            }
        }
        Ok(k)
    }

    /// The names the sentences of these audit rows need.
    pub fn for_audit(tx: &mut dyn Tx, rows: &[AuditRow], role: Role) -> Result<Known> {
        let devices = rows.iter().filter_map(|r| r.device.as_deref());
        let records = rows.iter().map(|r| (r.kind.as_str(), r.entity_id.as_str()));
        Known::load(tx, devices, records, role)
    }

    /// A device by its enrolled name (the console by that word).
    pub fn device(&self, id: &str, l: Lang) -> String {
        if id == CONSOLE_DEVICE {
            return R::TheConsole.text(l);
        }
        self.devices
            .get(id)
            .cloned()
            .unwrap_or_else(|| R::UnnamedDevice.text(l))
    }

    /// The current value of an entity's field (`None`: the record is not held).
    pub fn current(&self, kind: &str, id: &str, field: &str) -> Option<Value> {
        let named = self.records.get(&(kind.to_string(), id.to_string()))?;
        Some(named.fields.get(field).cloned().unwrap_or(Value::Null))
    }

    /// A record as a sentence names it ("住户 王秀英", "the inspection") and the
    /// console page that shows it, if the server holds it.
    pub fn record(&self, kind: &str, id: &str, l: Lang) -> (String, Option<String>) {
        let Some(rk) = RecordKind::parse(kind) else {
            return (R::ARecord.text(l), None);
        };
        let named = self.records.get(&(kind.to_string(), id.to_string()));
        let label = rk.label(l);
        let text = match named.and_then(|n| n.title.as_deref()) {
            Some(t) => format!("{label} {t}"),
            None if l == Lang::En => format!("the {label}"),
            None => label.to_string(),
        };
        let href = named.and_then(|n| href(rk, id, n.address.as_deref()));
        (text, href)
    }
}

fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name a record goes by: an entity's by the core's rule for the role, an
/// address's text.
fn title(kind: &str, body: &Value, role: Role) -> Option<String> {
    if let Some(k) = EntityKind::parse(kind) {
        return k.title(body.pointer("/state/fields")?.as_object()?, role);
    }
    match RecordKind::parse(kind)? {
        RecordKind::Address => body
            .get("full_text")
            .and_then(Value::as_str)
            .map(String::from),
        _ => None,
    }
}

/// Where the console shows a record: entities on their address's page.
fn href(kind: RecordKind, id: &str, address: Option<&str>) -> Option<String> {
    let page = match kind {
        RecordKind::Household
        | RecordKind::Person
        | RecordKind::RentalUnit
        | RecordKind::Business => return address.map(|a| format!("/console/addresses/{}", url(a))),
        RecordKind::Address => "addresses",
        RecordKind::Inspection => "inspections",
        RecordKind::Hazard => "hazards",
        RecordKind::Report => "reports",
        RecordKind::Case => "cases",
        _ => return None,
    };
    Some(format!("/console/{page}/{}", url(id)))
}

/// A stored field value (JSON text, as the conflict log keeps it) as people
/// read it: the core's label or mask ("—" for nothing).
pub fn field_value(kind: Option<EntityKind>, field: &str, json: Option<&str>, l: Lang) -> String {
    let v: Value = json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or(Value::Null);
    let shown = match kind.and_then(|k| k.field(field)) {
        Some(spec) => spec.display(&v, l),
        // Not a declared field: never shown whole.
        None => String::new(),
    };
    if shown.is_empty() {
        "—".into()
    } else {
        shown
    }
}

/// A field's name for people (the core's label).
pub fn field_label(kind: Option<EntityKind>, field: &str, l: Lang) -> String {
    kind.and_then(|k| k.field(field))
        .map(|f| f.label(l).to_string())
        .unwrap_or_else(|| R::AField.text(l))
}

/// One audit row said as a sentence: `before`, the record (a link when the
/// console shows it), `after`.
pub struct Said {
    pub before: String,
    pub record: Option<String>,
    pub href: Option<String>,
    pub after: String,
    /// The record's id, kept for whoever needs it (a tooltip, the filter).
    pub id: String,
}

impl Said {
    pub fn text(&self) -> String {
        format!(
            "{}{}{}",
            self.before,
            self.record.as_deref().unwrap_or(""),
            self.after
        )
    }
}

/// One audit row as a page shows it: when, who, on which device (by name),
/// and the row said as a sentence with a link to its record.
pub struct AuditLine {
    pub at: i64,
    pub actor: String,
    pub device: String,
    pub said: Said,
}

/// Audit rows as a page shows them.
pub fn lines(rows: &[AuditRow], known: &Known, l: Lang) -> Vec<AuditLine> {
    rows.iter()
        .map(|r| AuditLine {
            at: r.at,
            actor: r.actor.clone(),
            device: r
                .device
                .as_deref()
                .map(|d| known.device(d, l))
                .unwrap_or_default(),
            said: say(r, known, l),
        })
        .collect()
}

/// Actions whose subject is the device rather than the person.
const DEVICE_SUBJECT: &[&str] = &["device_cloned", "clock_corrected", "clock_skew"];

/// The sentence of one audit row in `l`.
pub fn say(row: &AuditRow, known: &Known, l: Lang) -> Said {
    let detail: Value = row
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null);
    let entity = EntityKind::parse(&row.kind);
    let mut suffix = String::new();
    let phrase = match row.action.as_str() {
        "entity_upsert" | "conflict_keep_other" => {
            if row.action == "conflict_keep_other" {
                suffix = R::KeepingOther.text(l);
            }
            changes_phrase(entity, &detail, l)
        }
        "hazard_step" => match detail
            .get("action")
            .and_then(Value::as_str)
            .and_then(HazardAction::parse)
        {
            Some(a) => R::HazardStep {
                step: a.label(l).to_string(),
            },
            None => R::did("hazard_step"),
        },
        "inspection_review" => {
            if let Some(text) = detail
                .get("comment")
                .and_then(Value::as_str)
                .filter(|c| !c.trim().is_empty())
            {
                suffix = R::WithComment { text: text.into() }.text(l);
            }
            match detail.get("approve").and_then(Value::as_bool) {
                Some(true) => R::did("inspection_approve"),
                Some(false) => R::did("inspection_return"),
                None => R::did("inspection_review"),
            }
        }
        "reveal" | "personal_data_revealed" => {
            let field = detail.get("field").and_then(Value::as_str).unwrap_or("");
            R::Revealed {
                field: field_label(entity, field, l),
            }
        }
        "export" => R::Exported {
            rows: detail.get("rows").and_then(Value::as_i64),
        },
        "audit_export" => R::AuditExported {
            rows: detail.get("rows").and_then(Value::as_i64),
        },
        a => R::did(a),
    }
    .text(l);
    let device_subject = DEVICE_SUBJECT.contains(&row.action.as_str());
    let lead = match row.device.as_deref() {
        Some(d) if device_subject => known.device(d, l),
        Some(d) => R::On {
            actor: row.actor.clone(),
            device: known.device(d, l),
        }
        .text(l),
        None => row.actor.clone(),
    };
    // A phrase starting with "的" or a comma joins its subject without a space.
    let sep = if phrase.starts_with('的') { "" } else { " " };
    match phrase.split_once(RECORD) {
        Some((b, a)) => {
            let (record, href) = known.record(&row.kind, &row.entity_id, l);
            Said {
                before: format!("{lead}{sep}{b}"),
                record: Some(record),
                href,
                after: format!("{a}{suffix}"),
                id: row.entity_id.clone(),
            }
        }
        None => Said {
            before: format!("{lead}{sep}{phrase}{suffix}"),
            record: None,
            href: None,
            after: String::new(),
            id: row.entity_id.clone(),
        },
    }
}

/// What an entity write changed, from its audit detail (`changes`).
fn changes_phrase(kind: Option<EntityKind>, detail: &Value, l: Lang) -> R {
    let changes = detail
        .get("changes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let value = |c: &Value, k: &str, field: &str| -> Option<String> {
        let v = c.get(k)?;
        // Identifiers were masked when the row was written; masking twice
        // would hide what the mask keeps.
        let shown = match kind.and_then(|kd| kd.field(field)) {
            Some(s) if s.identifier().is_some() => v.as_str().unwrap_or("").to_string(),
            Some(s) => s.display(v, l),
            None => String::new(),
        };
        Some(shown)
    };
    let parts: Vec<(String, Option<String>, Option<String>)> = changes
        .iter()
        .filter_map(|c| {
            let field = c.get("field")?.as_str()?;
            Some((
                field_label(kind, field, l),
                value(c, "from", field),
                value(c, "to", field),
            ))
        })
        .collect();
    match parts.as_slice() {
        [] => R::did("entity_upsert"),
        [(field, Some(from), Some(to))] if !from.is_empty() && !to.is_empty() => R::ChangedOne {
            field: field.clone(),
            from: from.clone(),
            to: to.clone(),
        },
        _ => R::Changed {
            clauses: parts
                .into_iter()
                .map(|(field, from, to)| R::Clause { field, from, to }.text(l))
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(action: &str, kind: &str, device: Option<&str>, detail: Option<&str>) -> AuditRow {
        AuditRow {
            at: 0,
            actor: "张伟".into(),
            device: device.map(String::from),
            action: action.into(),
            kind: kind.into(),
            entity_id: "p1".into(),
            detail: detail.map(String::from),
        }
    }

    fn known() -> Known {
        let mut k = Known::default();
        k.devices.insert("d1".into(), "张伟的手机".into());
        k.records.insert(
            ("person".into(), "p1".into()),
            Named {
                title: Some("王秀英".into()),
                address: Some("A1".into()),
                fields: Default::default(),
            },
        );
        k
    }

    #[test]
    fn an_entity_edit_reads_as_the_issue_says() {
        let r = row(
            "entity_upsert",
            "person",
            Some("d1"),
            Some(
                r#"{"op":"o","changes":[{"field":"phone","from":"138****1234","to":"139****5678"}]}"#,
            ),
        );
        let zh = say(&r, &known(), Lang::Zh);
        assert_eq!(
            zh.text(),
            "张伟 在 张伟的手机 上 将 人员 王秀英 的 联系电话 由 138****1234 改为 139****5678"
        );
        assert_eq!(zh.href.as_deref(), Some("/console/addresses/A1"));
        let en = say(&r, &known(), Lang::En).text();
        assert_eq!(
            en,
            "张伟 on 张伟的手机 changed the phone of person 王秀英 from 138****1234 to 139****5678"
        );
    }

    #[test]
    fn enumerations_read_by_label_and_personal_text_is_not_shown() {
        let r = row(
            "entity_upsert",
            "person",
            Some("d1"),
            Some(
                r#"{"changes":[{"field":"residency","from":null,"to":"floating"},{"field":"name"}]}"#,
            ),
        );
        let zh = say(&r, &known(), Lang::Zh).text();
        assert_eq!(
            zh,
            "张伟 在 张伟的手机 上 修改了 人员 王秀英：户籍类型 设为 流动人口；姓名 已修改"
        );
    }

    #[test]
    fn every_row_says_something_without_raw_codes() {
        for action in [
            "enroll",
            "console_login",
            "something_new",
            "inspection_review",
        ] {
            let s = say(&row(action, "op", None, None), &Known::default(), Lang::En).text();
            assert!(!s.contains('_') && !s.contains("op"), "{s}");
        }
        let s = say(
            &row("clock_corrected", "device", Some("d1"), None),
            &known(),
            Lang::Zh,
        );
        assert_eq!(s.text(), "张伟的手机的时钟已校正");
        let s = say(
            &row(
                "hazard_step",
                "hazard",
                Some(CONSOLE_DEVICE),
                Some(r#"{"action":"close"}"#),
            ),
            &known(),
            Lang::Zh,
        );
        assert_eq!(s.text(), "张伟 在 控制台 上 对 隐患 执行了“销号”");
    }
}
