//! What is known of a case without opening its document (migration 011): every
//! department it was ever dispatched to (`case_departments`: a department's pull
//! and list, `case::visible_to`) and how its last 办结 went (`case_finishes`: the
//! dashboard's on-time rates and the share of disputes settled at each level).
//! Written with the document by every save, in bulk by the city generator, and
//! rebuilt from the documents when the migration runs.

use gridfield_core::case::{CaseAction, Handler};

use super::Result;
use crate::db::records::CaseDoc;
use crate::db::{RowExt, SqlValue as V, Tx};

/// A case's last 办结: when, whether by the deadline in force before it, who
/// handled it then, and the level that owned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    pub finished_at: i64,
    pub on_time: bool,
    /// The department handling it when it was finished, if a department.
    pub department: Option<String>,
    pub owner_path: String,
}

/// The last 办结 of a case, if it was ever finished.
pub fn finish_of(d: &CaseDoc) -> Option<Finish> {
    let i = d
        .events
        .iter()
        .rposition(|e| e.action == Some(CaseAction::Finish))?;
    let fin = &d.events[i];
    let due = d.events[..i].iter().rev().find_map(|e| e.deadline);
    let handler = d.events[..i].iter().rev().find_map(|e| e.handler.clone());
    Some(Finish {
        finished_at: fin.at,
        on_time: due.is_none_or(|t| fin.at <= t),
        department: match handler {
            Some(Handler::Department(code)) => Some(code),
            _ => None,
        },
        owner_path: fin.owner_path.clone(),
    })
}

/// Rows per multi-row insert.
const CHUNK: usize = 200;

/// The side rows of one case, replacing what it had.
pub fn write(tx: &mut dyn Tx, d: &CaseDoc) -> Result<()> {
    let id = d.case.id.as_str();
    tx.execute(
        "DELETE FROM case_departments WHERE case_id = $1",
        &[id.into()],
    )?;
    tx.execute("DELETE FROM case_finishes WHERE case_id = $1", &[id.into()])?;
    insert(tx, &[d])
}

/// The side rows of cases that have none yet (a bulk load).
pub fn insert(tx: &mut dyn Tx, docs: &[&CaseDoc]) -> Result<()> {
    let depts: Vec<(&str, &str)> = docs
        .iter()
        .flat_map(|d| {
            d.case
                .departments
                .iter()
                .map(|x| (x.as_str(), d.case.id.as_str()))
        })
        .collect();
    for chunk in depts.chunks(CHUNK) {
        let mut params: Vec<V> = Vec::with_capacity(chunk.len() * 2);
        let mut values = Vec::with_capacity(chunk.len());
        for (dept, id) in chunk {
            let n = params.len();
            values.push(format!("(${}, ${})", n + 1, n + 2));
            params.push((*dept).into());
            params.push((*id).into());
        }
        tx.execute(
            &format!(
                "INSERT INTO case_departments (department, case_id) VALUES {} ON CONFLICT DO NOTHING",
                values.join(", ")
            ),
            &params,
        )?;
    }
    let finishes: Vec<(&CaseDoc, Finish)> = docs
        .iter()
        .filter_map(|d| finish_of(d).map(|f| (*d, f)))
        .collect();
    for chunk in finishes.chunks(CHUNK) {
        let mut params: Vec<V> = Vec::with_capacity(chunk.len() * 8);
        let mut values = Vec::with_capacity(chunk.len());
        for (d, f) in chunk {
            let n = params.len();
            let marks: Vec<String> = (1..=8).map(|k| format!("${}", n + k)).collect();
            values.push(format!("({})", marks.join(", ")));
            let settled = d.case.dispute.as_ref().and_then(|x| x.settled_path.clone());
            params.extend([
                d.case.id.as_str().into(),
                d.case.grid_path.as_str().into(),
                d.case.created_at.into(),
                f.finished_at.into(),
                i64::from(f.on_time).into(),
                f.department.clone().map_or(V::Null, V::from),
                f.owner_path.as_str().into(),
                settled.map_or(V::Null, V::from),
            ]);
        }
        tx.execute(
            &format!(
                "INSERT INTO case_finishes (case_id, grid_path, created_at, finished_at, on_time,
                 department, owner_path, settled_path) VALUES {}",
                values.join(", ")
            ),
            &params,
        )?;
    }
    Ok(())
}

/// Fill both side tables again from every case document.
pub fn rebuild(tx: &mut dyn Tx) -> Result<()> {
    tx.execute("DELETE FROM case_departments", &[])?;
    tx.execute("DELETE FROM case_finishes", &[])?;
    let rows = tx.query("SELECT body FROM records WHERE kind = 'case'", &[])?;
    let mut docs = Vec::with_capacity(rows.len());
    for r in rows {
        let d: CaseDoc = serde_json::from_str(&r.text(0)?).map_err(super::Error::internal)?;
        docs.push(d);
    }
    let refs: Vec<&CaseDoc> = docs.iter().collect();
    insert(tx, &refs)
}

#[cfg(test)]
mod tests {
    use gridfield_core::case::{
        self, Actor, Case, CaseAction, CaseSource, CaseStatus, DispatchTarget, Opening, StepInput,
    };
    use gridfield_core::hazard::Severity;
    use gridfield_core::record::{Delivery, RecordKind};
    use gridfield_core::role::Role;

    use super::*;
    use crate::db::{Db, records};

    const HOUR: i64 = 3_600_000;
    const TOWN: &str = "/320583/320583001/";
    const GRID: &str = "/320583/320583001/320583001003/";

    /// A neighbour dispute queued at the town, dispatched to its justice office,
    /// finished `after_hours` after it was dispatched.
    fn dispute(id: &str, after_hours: i64) -> CaseDoc {
        let rules = case::type_rules(&case::builtin_taxonomy(), "dispute.neighbor");
        let mut c = Case {
            id: id.into(),
            case_type: "dispute.neighbor".into(),
            severity: Severity::Medium,
            source: CaseSource::Worker,
            source_ref: None,
            address_code: None,
            grid_path: GRID.into(),
            owner_path: String::new(),
            description: "楼上漏水".into(),
            photos: Vec::new(),
            parties: Vec::new(),
            status: CaseStatus::Reported,
            handler: None,
            departments: Vec::new(),
            deadline: None,
            dispute: Some(case::Dispute::default()),
            rating: None,
            reported_by: "张伟".into(),
            created_at: 1_000 * HOUR,
            updated_at: 1_000 * HOUR,
            delivery: Delivery::Server,
            overdue: false,
            location: None,
        };
        let town = Actor {
            user: "赵强",
            role: Role::Supervisor,
            scope_path: TOWN,
            department: None,
        };
        let dept = Actor {
            user: "司法所",
            role: Role::Department,
            scope_path: TOWN,
            department: Some("j"),
        };
        let first = case::open(&mut c, TOWN, Opening::Queue, &town, "d", &rules);
        let mut doc = CaseDoc {
            case: c,
            events: vec![first],
        };
        let to = StepInput {
            to: Some(DispatchTarget::Department {
                code: "j".into(),
                level_path: TOWN.into(),
            }),
            ..Default::default()
        };
        let note = StepInput {
            note: Some("已调解".into()),
            ..Default::default()
        };
        let none = StepInput::default();
        let steps = [
            (&town, CaseAction::Accept, &none, 1),
            (&town, CaseAction::Dispatch, &to, 2),
            (&dept, CaseAction::Receive, &none, 3),
            (&dept, CaseAction::Finish, &note, 2 + after_hours),
        ];
        for (n, (who, action, input, h)) in steps.into_iter().enumerate() {
            let step = case::Step {
                event_id: &format!("{id}-{n}"),
                action,
                input,
                device_id: "d",
                at: doc.case.created_at + h * HOUR,
            };
            let ev = case::apply_step(&mut doc.case, step, who, &rules).unwrap();
            doc.events.push(ev);
        }
        doc
    }

    #[test]
    fn a_finish_is_on_time_by_the_deadline_before_it() {
        // Seven days to handle a neighbour dispute.
        let on_time = finish_of(&dispute("a", 24)).unwrap();
        assert!(on_time.on_time);
        assert_eq!(on_time.department.as_deref(), Some("j"));
        assert_eq!(on_time.owner_path, TOWN);
        assert!(!finish_of(&dispute("b", 8 * 24)).unwrap().on_time);
    }

    fn rows(db: &Db, sql: &str) -> Vec<String> {
        db.read(|tx| {
            tx.query(sql, &[])?
                .iter()
                .map(|r| r.text(0))
                .collect::<crate::error::Result<Vec<_>>>()
        })
        .unwrap()
    }

    #[test]
    fn the_side_rows_follow_the_documents_and_are_rebuilt_from_them() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("s.db").to_str().unwrap()).unwrap();
        let (a, b) = (dispute("a", 24), dispute("b", 8 * 24));
        // Written as an older server did: documents only.
        db.write(|tx| {
            for d in [&a, &b] {
                let body = records::to_body(d)?;
                records::put(tx, RecordKind::Case, &d.case.id, GRID, None, &body)?;
            }
            Ok(())
        })
        .unwrap();
        let finishes =
            "SELECT case_id || ' ' || on_time || ' ' || department || ' ' || settled_path
                        FROM case_finishes ORDER BY case_id";
        assert!(rows(&db, finishes).is_empty());
        db.write(|tx| rebuild(tx).map_err(Into::into)).unwrap();
        assert_eq!(
            rows(&db, finishes),
            vec![format!("a 1 j {TOWN}"), format!("b 0 j {TOWN}")]
        );
        assert_eq!(
            rows(
                &db,
                "SELECT department || ' ' || case_id FROM case_departments ORDER BY case_id"
            ),
            vec!["j a", "j b"]
        );
        // A save replaces the case's rows: finished no more after a rejected check.
        let mut c = dispute("a", 24);
        c.case.departments.clear();
        c.events.retain(|e| e.action != Some(CaseAction::Finish));
        db.write(|tx| write(tx, &c).map_err(Into::into)).unwrap();
        assert_eq!(rows(&db, finishes), vec![format!("b 0 j {TOWN}")]);
        assert_eq!(rows(&db, "SELECT case_id FROM case_departments"), vec!["b"]);
    }
}
