//! Streamed exports of inspections, hazards and reports as CSV or XLSX. A blocking
//! producer reads the filter's rows in keyset pages of `EXPORT_PAGE` and writes
//! them into a bounded channel that the HTTP body drains, so memory stays at one
//! page plus a few 64 KiB chunks however many rows there are. XLSX is written as a
//! zip stream (data descriptors, no seeking) with the sheet XML built row by row.

use std::io::Write;

use axum::body::{Body, Bytes};
use gridfield_core::checklist::Severity;
use gridfield_core::grid::GridScope;
use gridfield_core::hazard::HazardStatus;
use gridfield_core::i18n::Lang;
use gridfield_core::model::{ReportStatus, ReviewStatus};
use gridfield_core::record::RecordKind;
use gridfield_core::taxonomy::Taxonomy;
use serde_json::Value;
use tokio::sync::mpsc;

use super::html;
use super::query::{self, Filter};
use crate::db::Db;
use crate::error::{ApiError, Result};

pub const EXPORT_PAGE: i64 = 1000;
const CHUNK: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Column headers and the cells of one row, for a kind.
pub fn headers(kind: RecordKind, lang: Lang) -> Vec<&'static str> {
    let l = |zh, en| lang.pick(zh, en);
    match kind {
        RecordKind::Inspection => vec![
            l("编号", "id"),
            l("检查表", "template"),
            l("地址编码", "address code"),
            l("检查人", "inspector"),
            l("开始时间", "started"),
            l("得分", "score"),
            l("是否合格", "passed"),
            l("审核状态", "review status"),
            l("审核意见", "review comment"),
            l("审核人", "reviewer"),
        ],
        RecordKind::Hazard => vec![
            l("编号", "id"),
            l("类别", "category"),
            l("等级", "severity"),
            l("状态", "status"),
            l("地址编码", "address code"),
            l("描述", "description"),
            l("责任人", "assignee"),
            l("整改期限", "deadline"),
            l("上报人", "reported by"),
            l("上报时间", "reported at"),
        ],
        _ => vec![
            l("编号", "id"),
            l("地址编码", "address code"),
            l("地址", "address"),
            l("内容", "text"),
            l("上报人", "reporter"),
            l("状态", "status"),
            l("积分", "points"),
            l("处理说明", "decision note"),
            l("上报时间", "reported at"),
        ],
    }
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(x) => x.to_string(),
    }
}

fn time(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_i64)
        .map(html::datetime)
        .unwrap_or_default()
}

pub fn cells(kind: RecordKind, body: &Value, lang: Lang, taxonomy: &Taxonomy) -> Vec<String> {
    match kind {
        RecordKind::Inspection => vec![
            s(body, "id"),
            s(body, "template_id"),
            s(body, "address_code"),
            s(body, "inspector"),
            time(body, "started_at"),
            s(body, "score"),
            match body.get("passed").and_then(Value::as_bool) {
                Some(true) => lang.pick("合格", "pass").into(),
                Some(false) => lang.pick("不合格", "fail").into(),
                None => String::new(),
            },
            ReviewStatus::parse(&s(body, "review_status"))
                .map(|x| x.label(lang).to_string())
                .unwrap_or_default(),
            s(body, "review_comment"),
            s(body, "reviewed_by"),
        ],
        RecordKind::Hazard => {
            let h = body.get("hazard").cloned().unwrap_or(Value::Null);
            vec![
                s(&h, "id"),
                taxonomy.category_label(&s(&h, "category"), lang),
                Severity::parse(&s(&h, "severity"))
                    .map(|x| x.label(lang).to_string())
                    .unwrap_or_default(),
                HazardStatus::parse(&s(&h, "status"))
                    .map(|x| x.label(lang).to_string())
                    .unwrap_or_default(),
                s(&h, "address_code"),
                s(&h, "description"),
                s(&h, "assignee"),
                h.get("deadline")
                    .and_then(Value::as_i64)
                    .map(html::date)
                    .unwrap_or_default(),
                s(&h, "reported_by"),
                time(&h, "created_at"),
            ]
        }
        _ => vec![
            s(body, "id"),
            s(body, "address_code"),
            s(body, "address_text"),
            s(body, "text"),
            s(body, "reporter"),
            ReportStatus::parse(&s(body, "status"))
                .map(|x| x.label(lang).to_string())
                .unwrap_or_default(),
            s(body, "points"),
            s(body, "decision_note"),
            time(body, "created_at"),
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

/// Feed every row of the filter to `row`, page by page.
pub fn for_each_row(
    db: &Db,
    scope: &GridScope,
    filter: &Filter,
    mut row: impl FnMut(&Value) -> Result<()>,
) -> Result<u64> {
    let mut after = 0;
    let mut n = 0;
    loop {
        let (rows, last) =
            db.read(|tx| query::export_page(tx, scope, filter, after, EXPORT_PAGE))?;
        for (_, body) in &rows {
            row(body)?;
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
    match format {
        Format::Csv => {
            let mut out = out;
            // A BOM so that spreadsheet programs read the Chinese text as UTF-8.
            out.write_all("\u{feff}".as_bytes()).map_err(io)?;
            // Every cell quoted, as OWASP asks of neutralised formula cells.
            let mut w = crate::spreadsheet::writer(out);
            w.write_record(headers(kind, lang))
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let n = for_each_row(db, scope, filter, |b| {
                crate::spreadsheet::record(&mut w, cells(kind, b, lang, &taxonomy))
                    .map_err(|e| ApiError::internal(e.to_string()))
            })?;
            w.flush().map_err(io)?;
            Ok(n)
        }
        Format::Xlsx => {
            let mut zip = zip::ZipWriter::new_stream(out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            let zerr = |e: zip::result::ZipError| ApiError::internal(format!("xlsx: {e}"));
            for (name, text) in XLSX_PARTS {
                zip.start_file(*name, opts).map_err(zerr)?;
                zip.write_all(text.as_bytes()).map_err(io)?;
            }
            zip.start_file("xl/worksheets/sheet1.xml", opts)
                .map_err(zerr)?;
            zip.write_all(
                b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                  <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
            )
            .map_err(io)?;
            let head: Vec<String> = headers(kind, lang).iter().map(|h| h.to_string()).collect();
            zip.write_all(xlsx_row(&head).as_bytes()).map_err(io)?;
            let n = for_each_row(db, scope, filter, |b| {
                zip.write_all(xlsx_row(&cells(kind, b, lang, &taxonomy)).as_bytes())
                    .map_err(io)
            })?;
            zip.write_all(b"</sheetData></worksheet>").map_err(io)?;
            let mut inner = zip.finish().map_err(zerr)?;
            inner.flush().map_err(io)?;
            Ok(n)
        }
    }
}

/// A whole table (header and rows already in words) as CSV or XLSX, each cell
/// neutralised like the streamed exports'.
pub fn write_table(
    format: Format,
    head: &[String],
    rows: &[Vec<String>],
    out: impl Write,
) -> Result<()> {
    match format {
        Format::Csv => {
            let mut out = out;
            out.write_all("\u{feff}".as_bytes()).map_err(io)?;
            let mut w = crate::spreadsheet::writer(out);
            let err = |e: csv::Error| ApiError::internal(e.to_string());
            w.write_record(head).map_err(err)?;
            for r in rows {
                crate::spreadsheet::record(&mut w, r).map_err(err)?;
            }
            w.flush().map_err(io)
        }
        Format::Xlsx => {
            let mut zip = zip::ZipWriter::new_stream(out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            let zerr = |e: zip::result::ZipError| ApiError::internal(format!("xlsx: {e}"));
            for (name, text) in XLSX_PARTS {
                zip.start_file(*name, opts).map_err(zerr)?;
                zip.write_all(text.as_bytes()).map_err(io)?;
            }
            zip.start_file("xl/worksheets/sheet1.xml", opts)
                .map_err(zerr)?;
            zip.write_all(
                b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                  <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
            )
            .map_err(io)?;
            zip.write_all(xlsx_row(head).as_bytes()).map_err(io)?;
            for r in rows {
                zip.write_all(xlsx_row(r).as_bytes()).map_err(io)?;
            }
            zip.write_all(b"</sheetData></worksheet>").map_err(io)?;
            let mut inner = zip.finish().map_err(zerr)?;
            inner.flush().map_err(io)
        }
    }
}

fn xml(s: &str) -> String {
    // XML 1.0 forbids most control characters; drop them rather than emit a broken sheet.
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A row of inline-string cells: whatever a cell's text, a spreadsheet reads it
/// as a string (there is no `<f>` formula element), `=HYPERLINK(…)` included.
fn xlsx_row(cells: &[String]) -> String {
    let mut r = String::from("<row>");
    for c in cells {
        r.push_str("<c t=\"inlineStr\"><is><t xml:space=\"preserve\">");
        r.push_str(&xml(c));
        r.push_str("</t></is></c>");
    }
    r.push_str("</row>");
    r
}

const XLSX_PARTS: &[(&str, &str)] = &[
    (
        "[Content_Types].xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>",
    ),
    (
        "_rels/.rels",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
    ),
    (
        "xl/workbook.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"export\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
    ),
    (
        "xl/_rels/workbook.xml.rels",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>",
    ),
];

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
    fn xlsx_cells_are_strings_never_formulas() {
        let row = xlsx_row(&["=HYPERLINK(\"http://x\")".to_string()]);
        assert!(row.contains("<c t=\"inlineStr\"><is><t xml:space=\"preserve\">=HYPERLINK("));
        assert!(!row.contains("<f>"));
    }
}
