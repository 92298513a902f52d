//! Reconciliation after a full re-pull (a restored server, or a replica that
//! failed verification): local records the server did not send are dropped,
//! except what this device still needs.

use super::{META_CURSOR, META_REPULL};
use crate::error::Result;
use crate::store::{self, Store};

impl Store {
    /// Pull everything again from the start, and when that pull ends drop the
    /// records the server no longer has ([`Store::finish_repull`]).
    pub(crate) fn start_repull(&self) -> Result<()> {
        self.write(|t| {
            t.tx.execute("DELETE FROM device_meta WHERE key = ?1", [META_CURSOR])?;
            t.tx.execute("DELETE FROM repull_seen", [])?;
            store::meta::meta_put(&t.tx, META_REPULL, "1")
        })
    }

    /// After a complete re-pull: drop local records the server did not send,
    /// except what this device still needs — anything queued, drafts never sent,
    /// records the server refused (the worker must see them), and inspections a
    /// kept hazard came from. Their owners re-upload what the server lost.
    /// Returns how many records were dropped.
    pub(crate) fn finish_repull(&self) -> Result<u64> {
        if self
            .read(|c| store::meta::meta_get(c, META_REPULL))?
            .is_none()
        {
            return Ok(0);
        }
        self.write(|t| {
            let keep = |entity: &str| {
                format!(
                    "id NOT IN (SELECT entity_id FROM repull_seen WHERE entity = '{entity}')
                     AND id NOT IN (SELECT entity_id FROM outbox WHERE entity = '{entity}')"
                )
            };
            let mut dropped = 0;
            let gone_hazards = format!(
                "SELECT id FROM hazards WHERE {} AND delivery NOT IN ('local', 'rejected')",
                keep("hazard")
            );
            t.tx.execute(
                &format!("DELETE FROM hazard_events WHERE hazard_id IN ({gone_hazards})"),
                [],
            )?;
            dropped += t
                .tx
                .execute(&format!("DELETE FROM hazards WHERE id IN ({gone_hazards})"), [])?;
            dropped += t.tx.execute(
                &format!(
                    "DELETE FROM inspections WHERE {} AND delivery NOT IN ('local', 'rejected')
                     AND id NOT IN (SELECT source_inspection FROM hazards WHERE source_inspection IS NOT NULL)",
                    keep("inspection")
                ),
                [],
            )?;
            dropped += t.tx.execute(
                &format!(
                    "DELETE FROM reports WHERE {} AND delivery NOT IN ('local', 'rejected')",
                    keep("report")
                ),
                [],
            )?;
            for kind in crate::model::EntityKind::ALL {
                let k = kind.as_str();
                let gone = format!(
                    "SELECT id FROM {} WHERE {} AND id NOT IN
                       (SELECT entity_id FROM audit_log WHERE entity = '{k}' AND action = 'rejected')",
                    kind.table(),
                    keep(k)
                );
                t.tx.execute(
                    &format!(
                        "DELETE FROM field_versions WHERE entity = '{k}' AND entity_id IN ({gone})"
                    ),
                    [],
                )?;
                dropped += t.tx.execute(
                    &format!("DELETE FROM {} WHERE id IN ({gone})", kind.table()),
                    [],
                )?;
            }
            t.tx.execute("DELETE FROM repull_seen", [])?;
            t.tx.execute("DELETE FROM device_meta WHERE key = ?1", [META_REPULL])?;
            if dropped > 0 {
                t.audit(
                    "replica_reconciled",
                    "device",
                    &t.me.device_id,
                    Some(&serde_json::json!({ "dropped": dropped })),
                )?;
            }
            Ok(dropped as u64)
        })
    }
}
