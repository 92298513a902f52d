//! Replica verification: the device rebuilds, from its own tables, the records it
//! should hold as the server would send them, and digests them the same way
//! (`wire::checksums`), so a drifted replica is detected and re-pulled.

use std::collections::BTreeMap;

use rusqlite::params;
use serde_json::{Map, Value};

use crate::error::Result;
use crate::model::{EntityKind, Grid};
use crate::store::{self, Store};
use crate::wire::{self, Change, EntityState};

impl Store {
    /// Per-kind checksums of this replica, comparable with `GET /v1/checksum`.
    pub fn replica_checksums(&self) -> Result<BTreeMap<String, String>> {
        let now = self.now();
        self.read(|c| {
            let mut changes = Vec::new();
            let mut st = c.prepare("SELECT code, name, level, parent_code FROM grids")?;
            for g in st.query_map([], |r| {
                Ok(Grid {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    level: r.get(2)?,
                    parent_code: r.get(3)?,
                })
            })? {
                changes.push(Change::Grid { grid: g? });
            }
            let mut st = c.prepare("SELECT code FROM addresses")?;
            let codes: Vec<String> = st
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for code in codes {
                if let Some(a) = store::load_address(c, &code)? {
                    changes.push(Change::Address { address: a });
                }
            }
            let mut st = c.prepare("SELECT body FROM checklist_templates")?;
            for b in st.query_map([], |r| r.get::<_, String>(0))? {
                changes.push(Change::Template {
                    body: serde_json::from_str(&b?)?,
                });
            }
            let mut stamps = c.prepare(
                "SELECT field, hlc FROM field_versions WHERE entity = ?1 AND entity_id = ?2",
            )?;
            for kind in EntityKind::ALL {
                for e in store::load_entities(c, kind, "?1 = ?1", "")? {
                    let s: Map<String, Value> = stamps
                        .query_map(params![kind.as_str(), e.id], |r| {
                            Ok((r.get::<_, String>(0)?, Value::String(r.get(1)?)))
                        })?
                        .collect::<rusqlite::Result<_>>()?;
                    changes.push(Change::Entity {
                        entity: EntityState {
                            kind,
                            id: e.id,
                            address_code: e.address_code,
                            fields: e.fields,
                            stamps: s,
                            deleted: e.deleted,
                        },
                    });
                }
            }
            for i in store::query_inspections(c, "review_status <> 'draft' AND ?1 = ?1", "")? {
                changes.push(Change::Inspection {
                    inspection: Box::new(i),
                });
            }
            for h in store::query_hazards(c, "?1 = ?1", "", now)? {
                let events = store::load_events(c, &h.id)?;
                changes.push(Change::Hazard {
                    hazard: Box::new(h),
                    events,
                });
            }
            for r in store::query_reports(c, "?1 = ?1", "")? {
                changes.push(Change::Report {
                    report: Box::new(r),
                });
            }
            Ok(wire::checksums(changes))
        })
    }
}
