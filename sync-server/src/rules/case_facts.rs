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
