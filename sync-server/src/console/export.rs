//! Streamed exports of inspections, hazards and reports as CSV or XLSX. A blocking
//! producer reads the filter's rows in keyset pages of `EXPORT_PAGE` and writes
//! them into a bounded channel that the HTTP body drains, so memory stays at one
//! page plus a few 64 KiB chunks however many rows there are. XLSX is written as a
//! zip stream (data descriptors, no seeking) with the sheet XML built row by row.

use std::collections::HashMap;
use std::io::Write;

use axum::body::{Body, Bytes};
use gridfield_core::checklist::{ChecklistTemplate, Severity};
use gridfield_core::grid::GridScope;
use gridfield_core::hazard::HazardStatus;
use gridfield_core::i18n::Lang;
use gridfield_core::model::{ReportStatus, ReviewStatus};
use gridfield_core::record::RecordKind;
use gridfield_core::taxonomy::Taxonomy;
use serde_json::Value;
use tokio::sync::mpsc;

use super::query::{self, Filter};
use crate::db::{Db, Tx, records};
use crate::error::{ApiError, Result};
use crate::spreadsheet::{self, Cell, Column, Xlsx};

pub const EXPORT_PAGE: i64 = 1000;
const CHUNK: usize = 64 * 1024;
/// Names remembered between pages (grids, checklists) before the cache restarts.
const NAME_CACHE: usize = 4096;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Format {
    Csv,
    Xlsx,
}

/// The sheet's name for an export of `kind` (and of the console's other tables).
pub fn sheet_name(kind: RecordKind, lang: Lang) -> &'static str {
    match kind {
        RecordKind::Inspection => lang.pick("巡查记录", "Inspections"),
        RecordKind::Hazard => lang.pick("隐患", "Hazards"),
        _ => lang.pick("上报", "Reports"),
    }
}

/// The columns of a kind's export: header and width in characters.
pub fn headers(kind: RecordKind, lang: Lang) -> Vec<Column> {
    let l = |zh, en, w| Column::new(lang.pick(zh, en), w);
    match kind {
        RecordKind::Inspection => vec![
            l("编号", "id", 38.0),
            l("检查表", "checklist", 24.0),
            l("地址编码", "address code", 20.0),
            l("地址", "address", 36.0),
            l("网格", "grid", 16.0),
            l("检查人", "inspector", 12.0),
            l("开始时间", "started", 17.0),
            l("完成时间", "finished", 17.0),
            l("得分", "score", 8.0),
            l("是否合格", "passed", 10.0),
            l("审核状态", "review status", 12.0),
            l("审核意见", "review comment", 30.0),
            l("审核人", "reviewer", 12.0),
            l("审核时间", "reviewed at", 17.0),
        ],
        // The first six columns keep their places (tests and users' sheets read them).
        RecordKind::Hazard => vec![
            l("编号", "id", 38.0),
            l("类别", "category", 16.0),
            l("等级", "severity", 8.0),
            l("状态", "status", 10.0),
            l("地址编码", "address code", 20.0),
            l("描述", "description", 36.0),
            l("地址", "address", 36.0),
            l("网格", "grid", 16.0),
            l("责任人", "assignee", 12.0),
            l("整改期限", "deadline", 12.0),
            l("上报人", "reported by", 12.0),
            l("上报时间", "reported at", 17.0),
            l("验收时间", "verified at", 17.0),
            l("销号时间", "closed at", 17.0),
        ],
        _ => vec![
            l("编号", "id", 38.0),
            l("地址编码", "address code", 20.0),
            l("地址", "address", 36.0),
            l("网格", "grid", 16.0),
            l("内容", "text", 40.0),
            l("上报人", "reporter", 12.0),
            l("状态", "status", 10.0),
            l("积分", "points", 8.0),
            l("处理说明", "decision note", 30.0),
            l("上报时间", "reported at", 17.0),
        ],
    }
}

/// One exported record with what its row shows beside its body.
pub struct ExportRow {
    pub body: Value,
    pub grid_path: String,
    /// The full text of its address (empty when the address is unknown).
    pub address: String,
}

/// Names looked up once per page and remembered across pages (bounded), so a
/// row shows the grid's and the checklist's names, never only their codes.
pub struct Names {
    lang: Lang,
    grids: HashMap<String, String>,
    checklists: HashMap<String, String>,
}

impl Names {
    pub fn new(lang: Lang) -> Names {
        Names {
            lang,
            grids: HashMap::new(),
            checklists: HashMap::new(),
        }
    }

    /// Look up what `rows` need and is not remembered yet.
    pub fn load(&mut self, tx: &mut dyn Tx, rows: &[ExportRow]) -> Result<()> {
        if self.grids.len() > NAME_CACHE {
            self.grids.clear();
        }
        if self.checklists.len() > NAME_CACHE {
            self.checklists.clear();
        }
        for r in rows {
            let code = grid_code(&r.grid_path);
            if !self.grids.contains_key(code) {
                let name = query::grid_name(tx, code)?.unwrap_or_else(|| code.to_string());
                self.grids.insert(code.to_string(), name);
            }
            if let Some(key) = checklist_key(&r.body)
                && !self.checklists.contains_key(&key)
            {
                let title = records::get(tx, RecordKind::Template, &key)?
                    .and_then(|t| serde_json::from_value::<ChecklistTemplate>(t.body).ok())
                    .map(|t| t.title.get(self.lang.is_en()).to_string())
                    .unwrap_or_else(|| s(&r.body, "template_id"));
                self.checklists.insert(key, title);
            }
        }
        Ok(())
    }

    fn grid(&self, path: &str) -> String {
        let code = grid_code(path);
        self.grids.get(code).cloned().unwrap_or_else(|| code.into())
    }

    fn checklist(&self, body: &Value) -> String {
        checklist_key(body)
            .and_then(|k| self.checklists.get(&k).cloned())
            .unwrap_or_else(|| s(body, "template_id"))
    }
}

/// The leaf grid's code of a path such as `/320583/001/`.
fn grid_code(path: &str) -> &str {
    path.rsplit('/').find(|c| !c.is_empty()).unwrap_or("")
}

fn checklist_key(body: &Value) -> Option<String> {
    let id = body.get("template_id")?.as_str()?;
    let v = body.get("template_version")?.as_u64()?;
    Some(crate::rules::templates::record_id(id, v as u32))
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(x) => x.to_string(),
    }
}

fn ms(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}

/// When a hazard last reached `status`, if that step still stands (a reopened
/// hazard is no longer verified or closed).
fn reached(doc: &Value, h: &Value, status: HazardStatus) -> Option<i64> {
    let now = HazardStatus::parse(&s(h, "status"))?;
    let stands = match status {
        HazardStatus::Verified => matches!(now, HazardStatus::Verified | HazardStatus::Closed),
        _ => now == status,
    };
    if !stands {
        return None;
    }
    doc.get("events")?
        .as_array()?
        .iter()
        .rev()
        .find(|e| e.get("to_status").and_then(Value::as_str) == Some(status.as_str()))
        .and_then(|e| ms(e, "at"))
}

pub fn cells(
    kind: RecordKind,
    row: &ExportRow,
    lang: Lang,
    taxonomy: &Taxonomy,
    names: &Names,
) -> Vec<Cell> {
    let body = &row.body;
    let t = Cell::Text;
    match kind {
        RecordKind::Inspection => vec![
            t(s(body, "id")),
            t(names.checklist(body)),
            t(s(body, "address_code")),
            t(row.address.clone()),
            t(names.grid(&row.grid_path)),
            t(s(body, "inspector")),
            Cell::time(ms(body, "started_at")),
            Cell::time(ms(body, "finished_at")),
            Cell::int(ms(body, "score")),
            t(match body.get("passed").and_then(Value::as_bool) {
                Some(true) => lang.pick("合格", "pass").into(),
                Some(false) => lang.pick("不合格", "fail").into(),
                None => String::new(),
            }),
            t(ReviewStatus::parse(&s(body, "review_status"))
                .map(|x| x.label(lang).to_string())
                .unwrap_or_default()),
            t(s(body, "review_comment")),
            t(s(body, "reviewed_by")),
            Cell::time(ms(body, "reviewed_at")),
        ],
        RecordKind::Hazard => {
            let h = body.get("hazard").unwrap_or(&Value::Null);
            vec![
                t(s(h, "id")),
                t(taxonomy.category_label(&s(h, "category"), lang)),
                t(Severity::parse(&s(h, "severity"))
                    .map(|x| x.label(lang).to_string())
                    .unwrap_or_default()),
                t(HazardStatus::parse(&s(h, "status"))
                    .map(|x| x.label(lang).to_string())
                    .unwrap_or_default()),
                t(s(h, "address_code")),
                t(s(h, "description")),
                t(row.address.clone()),
                t(names.grid(&row.grid_path)),
                t(s(h, "assignee")),
                Cell::date(ms(h, "deadline")),
                t(s(h, "reported_by")),
                Cell::time(ms(h, "created_at")),
                Cell::time(reached(body, h, HazardStatus::Verified)),
                Cell::time(reached(body, h, HazardStatus::Closed)),
            ]
        }
        _ => vec![
            t(s(body, "id")),
            t(s(body, "address_code")),
            t(if row.address.is_empty() {
                s(body, "address_text")
            } else {
                row.address.clone()
            }),
            t(names.grid(&row.grid_path)),
            t(s(body, "text")),
            t(s(body, "reporter")),
            t(ReportStatus::parse(&s(body, "status"))
                .map(|x| x.label(lang).to_string())
                .unwrap_or_default()),
            Cell::int(ms(body, "points")),
            t(s(body, "decision_note")),
            Cell::time(ms(body, "created_at")),
        ],
    }
}

/// Writes into the channel in chunks; the HTTP body reads from the other end.
struct ChannelWriter {
    tx: mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        // The receiver is gone when the client hung up: stop producing.
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

/// Feed every row of the filter to `row`, page by page, with its names looked up.
pub fn for_each_row(
    db: &Db,
    scope: &GridScope,
    filter: &Filter,
    names: &mut Names,
    mut row: impl FnMut(&ExportRow, &Names) -> Result<()>,
) -> Result<u64> {
    let mut after = 0;
    let mut n = 0;
    loop {
        let (rows, last) = db.read(|tx| {
            let (rows, last) = query::export_page(tx, scope, filter, after, EXPORT_PAGE)?;
            names.load(tx, &rows)?;
            Ok((rows, last))
        })?;
        for r in &rows {
            row(r, names)?;
            n += 1;
        }
        if (rows.len() as i64) < EXPORT_PAGE {
            return Ok(n);
        }
        after = last;
    }
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::internal(format!("export: {e}"))
}

/// Write the whole export to `out` (any writer; the console passes the channel).
pub fn write_export(
    db: &Db,
    scope: &GridScope,
    filter: &Filter,
    format: Format,
    lang: Lang,
    out: impl Write,
) -> Result<u64> {
    let kind = filter.kind;
    let taxonomy = db.read(|tx| Ok(crate::rules::taxonomy::hazard(tx)?))?;
    let mut names = Names::new(lang);
    let columns = headers(kind, lang);
    match format {
        Format::Csv => {
            let mut out = out;
            // A BOM so that spreadsheet programs read the Chinese text as UTF-8.
            out.write_all("\u{feff}".as_bytes()).map_err(io)?;
            // Every cell quoted, as OWASP asks of neutralised formula cells.
            let mut w = spreadsheet::writer(out);
            w.write_record(columns.iter().map(|c| &c.header))
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let n = for_each_row(db, scope, filter, &mut names, |r, names| {
                spreadsheet::typed_record(&mut w, &cells(kind, r, lang, &taxonomy, names))
                    .map_err(|e| ApiError::internal(e.to_string()))
            })?;
            w.flush().map_err(io)?;
            Ok(n)
        }
        Format::Xlsx => {
            let mut x = Xlsx::start(out, sheet_name(kind, lang), &columns).map_err(io)?;
            let n = for_each_row(db, scope, filter, &mut names, |r, names| {
                x.row(&cells(kind, r, lang, &taxonomy, names)).map_err(io)
            })?;
            x.finish().map_err(io)?.flush().map_err(io)?;
            Ok(n)
        }
    }
}

/// A whole table (header in words, typed cells) as CSV or XLSX, each text cell
/// neutralised like the streamed exports'.
pub fn write_table(
    format: Format,
    sheet: &str,
    head: &[String],
    rows: &[Vec<Cell>],
    out: impl Write,
) -> Result<()> {
    spreadsheet::write_table(format == Format::Xlsx, sheet, head, rows, out).map_err(io)
}

/// Start the producer on a blocking thread and return the streaming body.
pub fn stream(
    server: std::sync::Arc<crate::Server>,
    scope: GridScope,
    filter: Filter,
    format: Format,
    lang: Lang,
) -> Body {
    let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let w = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        if let Err(e) = write_export(&server.db, &scope, &filter, format, lang, w) {
            tracing::error!(code = %e.code, "export failed: {}", e.message);
            // Ending the body with an error aborts the download instead of
            // handing the user a silently truncated file.
            let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
        }
    });
    Body::from_stream(ChunkStream(rx))
}

/// The receiving end as a body stream; it may be polled again after it ended
/// (compression layers do), which a closed channel answers with `None` again.
struct ChunkStream(mpsc::Receiver<std::io::Result<Bytes>>);

impl futures_util::Stream for ChunkStream {
    type Item = std::io::Result<Bytes>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_code_is_the_leaf() {
        assert_eq!(grid_code("/320583/001/"), "001");
        assert_eq!(grid_code("320583/001"), "001");
        assert_eq!(grid_code(""), "");
    }

    #[test]
    fn a_reopened_hazard_is_neither_verified_nor_closed() {
        let ev = |to: &str, at: i64| serde_json::json!({ "to_status": to, "at": at });
        let doc = serde_json::json!({ "events": [ev("verified", 5), ev("closed", 6), ev("reported", 7)] });
        let open = serde_json::json!({ "status": "reported" });
        assert_eq!(reached(&doc, &open, HazardStatus::Closed), None);
        assert_eq!(reached(&doc, &open, HazardStatus::Verified), None);
        let closed = serde_json::json!({ "status": "closed" });
        assert_eq!(reached(&doc, &closed, HazardStatus::Closed), Some(6));
        assert_eq!(reached(&doc, &closed, HazardStatus::Verified), Some(5));
    }
}
