//! Replica verification: the device rebuilds, from its own tables, the records it
//! should hold as the server would send them, and digests them the same way
//! (`wire::checksums`), so a drifted replica is detected and re-pulled.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::{EntityKind, Grid};
use crate::store::Store;
use crate::wire::{self, Change};

impl Store {
    /// Per-kind checksums of this replica, comparable with `GET /v1/checksum`.
    pub fn replica_checksums(&self) -> Result<BTreeMap<String, String>> {
        self.read(|c| {
            let mut lines = wire::DigestLines::default();
            let mut st = c.prepare("SELECT code, name, level, parent_code FROM grids")?;
            for g in st.query_map([], |r| {
                Ok(Grid {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    level: r.get(2)?,
                    parent_code: r.get(3)?,
                })
            })? {
                lines.add(&Change::Grid { grid: g? });
            }
            // Only the columns the digest line uses, in one pass.
            let mut st =
                c.prepare("SELECT code, grid_code, full_text, plate_serial FROM addresses")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                lines.add(&Change::Address {
                    address: crate::model::Address {
                        code: r.get(0)?,
                        grid_code: r.get(1)?,
                        full_text: r.get(2)?,
                        street: None,
                        number: None,
                        building: None,
                        unit: None,
                        room: None,
                        plate_serial: r.get(3)?,
                        lat: None,
                        lon: None,
                    },
                });
            }
            let mut st = c.prepare("SELECT body FROM checklist_templates")?;
            for b in st.query_map([], |r| r.get::<_, String>(0))? {
                lines.add(&Change::Template {
                    body: serde_json::from_str(&b?)?,
                });
            }
            // Entities, inspections, hazards and reports digest from a few columns
            // each, one statement per kind: no record is rebuilt or held.
            for kind in EntityKind::ALL {
                let mut st = c.prepare(&format!(
                    "SELECT e.id, e.deleted, fv.field, fv.hlc FROM {} e
                     LEFT JOIN field_versions fv ON fv.entity = ?1 AND fv.entity_id = e.id
                     ORDER BY e.id, fv.field",
                    kind.table()
                ))?;
                let mut rows = st.query([kind.as_str()])?;
                let mut cur: Option<(String, bool, Vec<String>)> = None;
                while let Some(r) = rows.next()? {
                    let id: String = r.get(0)?;
                    if cur.as_ref().is_none_or(|c| c.0 != id) {
                        if let Some((id, deleted, stamps)) = cur.take() {
                            lines.push(kind.as_str(), wire::entity_line(&id, deleted, &stamps));
                        }
                        cur = Some((id, r.get::<_, i64>(1)? != 0, Vec::new()));
                    }
                    if let (Some(c), Some(f)) = (cur.as_mut(), r.get::<_, Option<String>>(2)?) {
                        c.2.push(wire::stamp_item(&f, &r.get::<_, String>(3)?));
                    }
                }
                if let Some((id, deleted, stamps)) = cur {
                    lines.push(kind.as_str(), wire::entity_line(&id, deleted, &stamps));
                }
            }
            let mut st = c.prepare(
                "SELECT id, review_status, review_comment FROM inspections WHERE review_status <> 'draft'",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let comment: Option<String> = r.get(2)?;
                let line = wire::inspection_line(
                    &r.get::<_, String>(0)?,
                    &r.get::<_, String>(1)?,
                    comment.as_deref(),
                );
                lines.push("inspection", line);
            }
            let mut st = c.prepare(
                "SELECT h.id, h.status, (SELECT count(*) FROM hazard_events v WHERE v.hazard_id = h.id) FROM hazards h",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let line = wire::hazard_line(
                    &r.get::<_, String>(0)?,
                    &r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)? as usize,
                );
                lines.push("hazard", line);
            }
            let mut st = c.prepare("SELECT id, status FROM reports")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let line = wire::report_line(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?);
                lines.push("report", line);
            }
            let mut st = c.prepare(
                "SELECT k.id, k.status, k.owner_path, (SELECT count(*) FROM case_events v WHERE v.case_id = k.id) FROM cases k",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let line = wire::case_line(
                    &r.get::<_, String>(0)?,
                    &r.get::<_, String>(1)?,
                    &r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)? as usize,
                );
                lines.push("case", line);
            }
            Ok(lines.checksums())
        })
    }
}
