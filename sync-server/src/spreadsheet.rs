//! Spreadsheets for people, written one way for every export (records,
//! entities, the audit trail, the console's tables).
//!
//! CSV: every cell quoted, and text that starts like a formula (`=`, `+`, `-`,
//! `@`, tab, carriage return) prefixed with `'` so no spreadsheet runs it (OWASP,
//! "CSV Injection"). XLSX ([`Xlsx`]): a zip stream written row by row (constant
//! memory) with typed cells — numbers as numbers, instants as date cells in the
//! console's time zone, text as inline strings (never formulas) — a bold frozen
//! header, an autofilter over it and column widths.

use std::borrow::Cow;
use std::io::Write;

/// A cell no spreadsheet runs as a formula.
pub fn cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// A CSV writer quoting every cell; write records through [`record`].
pub fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(out)
}

/// Write one record with every cell neutralised.
pub fn record<W: Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    w.write_record(cells.into_iter().map(|c| cell(c.as_ref()).into_owned()))
}

/// The console's time zone (China Standard Time), for date cells and CSV text.
pub const LOCAL_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// One typed cell of an export row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Num(f64),
    /// A share (0.5 is 50%), shown as a whole percentage.
    Percent(f64),
    /// An instant (ms since the epoch), shown as local date and time.
    Time(i64),
    /// An instant (ms since the epoch), shown as its local date.
    Date(i64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn time(ms: Option<i64>) -> Cell {
        ms.map_or(Cell::Empty, Cell::Time)
    }

    pub fn date(ms: Option<i64>) -> Cell {
        ms.map_or(Cell::Empty, Cell::Date)
    }

    pub fn int(n: Option<i64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Int)
    }

    /// The cell as CSV text: neutralised text, numbers, local `yyyy-mm-dd hh:mm`.
    pub fn csv(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(t) => cell(t),
            Cell::Int(n) => n.to_string().into(),
            Cell::Num(x) if x.is_finite() => x.to_string().into(),
            Cell::Percent(x) if x.is_finite() => format!("{:.0}%", x * 100.0).into(),
            Cell::Time(ms) => local(*ms, "%Y-%m-%d %H:%M").into(),
            Cell::Date(ms) => local(*ms, "%Y-%m-%d").into(),
            Cell::Num(_) | Cell::Percent(_) | Cell::Empty => "".into(),
        }
    }
}

fn local(ms: i64, fmt: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms + LOCAL_OFFSET_MS)
        .map(|d| d.format(fmt).to_string())
        .unwrap_or_default()
}

/// Write one row of typed cells as CSV.
pub fn typed_record<W: Write>(w: &mut csv::Writer<W>, cells: &[Cell]) -> csv::Result<()> {
    w.write_record(cells.iter().map(|c| c.csv().into_owned()))
}

/// A column of an XLSX sheet: its header and its width in characters.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub width: f64,
}

impl Column {
    pub fn new(header: impl Into<String>, width: f64) -> Column {
        Column {
            header: header.into(),
            width,
        }
    }
}

/// How wide `s` shows in a spreadsheet, in character widths (CJK count two).
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
        .sum()
}

/// Style indexes of `STYLES`' `cellXfs`.
const STYLE_HEADER: u8 = 1;
const STYLE_TIME: u8 = 2;
const STYLE_DATE: u8 = 3;
const STYLE_PERCENT: u8 = 4;
const MS_PER_DAY: f64 = 86_400_000.0;
/// Days from Excel's epoch (1899-12-30) to the Unix epoch.
const EXCEL_UNIX_DAYS: f64 = 25_569.0;

/// A one-sheet workbook streamed into `W`: [`Xlsx::start`] writes the fixed parts
/// and the header, [`Xlsx::row`] one row, [`Xlsx::finish`] the autofilter (which
/// needs the row count) and the workbook part. Nothing is kept but the row count.
pub struct Xlsx<W: Write> {
    zip: zip::ZipWriter<zip::write::StreamWriter<W>>,
    sheet: String,
    columns: usize,
    rows: u32,
    buf: String,
}

fn zerr(e: zip::result::ZipError) -> std::io::Error {
    std::io::Error::other(format!("xlsx: {e}"))
}

fn options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

impl<W: Write> Xlsx<W> {
    pub fn start(out: W, sheet: &str, columns: &[Column]) -> std::io::Result<Xlsx<W>> {
        let mut zip = zip::ZipWriter::new_stream(out);
        for (name, text) in FIXED_PARTS {
            zip.start_file(*name, options()).map_err(zerr)?;
            zip.write_all(text.as_bytes())?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", options())
            .map_err(zerr)?;
        let mut head = String::from(SHEET_START);
        head.push_str("<cols>");
        for (i, c) in columns.iter().enumerate() {
            head.push_str(&format!(
                "<col min=\"{n}\" max=\"{n}\" width=\"{w:.1}\" customWidth=\"1\"/>",
                n = i + 1,
                w = c.width.clamp(6.0, 80.0)
            ));
        }
        head.push_str("</cols><sheetData>");
        zip.write_all(head.as_bytes())?;
        let mut x = Xlsx {
            zip,
            sheet: sheet_name(sheet),
            columns: columns.len(),
            rows: 0,
            buf: String::with_capacity(1024),
        };
        let header: Vec<Cell> = columns.iter().map(|c| Cell::text(&c.header)).collect();
        x.write_row(&header, Some(STYLE_HEADER))?;
        Ok(x)
    }

    pub fn row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        self.write_row(cells, None)
    }

    fn write_row(&mut self, cells: &[Cell], style: Option<u8>) -> std::io::Result<()> {
        use std::fmt::Write as _;
        self.rows += 1;
        let r = self.rows;
        let b = &mut self.buf;
        b.clear();
        let _ = write!(b, "<row r=\"{r}\">");
        for (i, c) in cells.iter().enumerate() {
            let at = format!("{}{r}", column_name(i));
            let s = |b: &mut String, d: u8| {
                let _ = write!(b, " s=\"{}\"", style.unwrap_or(d));
            };
            match c {
                Cell::Empty => continue,
                Cell::Num(x) | Cell::Percent(x) if !x.is_finite() => continue,
                Cell::Text(t) => {
                    let _ = write!(b, "<c r=\"{at}\"");
                    if let Some(st) = style {
                        let _ = write!(b, " s=\"{st}\"");
                    }
                    b.push_str(" t=\"inlineStr\"><is><t xml:space=\"preserve\">");
                    escape_into(b, t);
                    b.push_str("</t></is></c>");
                }
                Cell::Int(n) => {
                    let _ = write!(b, "<c r=\"{at}\"");
                    s(b, 0);
                    let _ = write!(b, "><v>{n}</v></c>");
                }
                Cell::Num(x) | Cell::Percent(x) => {
                    let _ = write!(b, "<c r=\"{at}\"");
                    s(
                        b,
                        if matches!(c, Cell::Percent(_)) {
                            STYLE_PERCENT
                        } else {
                            0
                        },
                    );
                    let _ = write!(b, "><v>{x}</v></c>");
                }
                Cell::Time(ms) | Cell::Date(ms) => {
                    let d = if matches!(c, Cell::Time(_)) {
                        STYLE_TIME
                    } else {
                        STYLE_DATE
                    };
                    let serial = (ms + LOCAL_OFFSET_MS) as f64 / MS_PER_DAY + EXCEL_UNIX_DAYS;
                    let _ = write!(b, "<c r=\"{at}\"");
                    s(b, d);
                    let _ = write!(b, "><v>{serial}</v></c>");
                }
            }
        }
        b.push_str("</row>");
        self.zip.write_all(self.buf.as_bytes())
    }

    /// Close the sheet with its autofilter, write the workbook, end the zip.
    pub fn finish(mut self) -> std::io::Result<W> {
        let last = column_name(self.columns.max(1) - 1);
        let range = format!("A1:{last}{}", self.rows.max(1));
        self.zip.write_all(
            format!("</sheetData><autoFilter ref=\"{range}\"/></worksheet>").as_bytes(),
        )?;
        self.zip
            .start_file("xl/workbook.xml", options())
            .map_err(zerr)?;
        let mut wb = String::from(WORKBOOK_START);
        escape_into(&mut wb, &self.sheet);
        wb.push_str("\" sheetId=\"1\" r:id=\"rId1\"/></sheets><definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">'");
        escape_into(&mut wb, &self.sheet.replace('\'', "''"));
        let abs = format!(
            "'!$A$1:${last}${}",
            self.rows.max(1),
            last = column_name(self.columns.max(1) - 1)
        );
        wb.push_str(&abs);
        wb.push_str("</definedName></definedNames></workbook>");
        self.zip.write_all(wb.as_bytes())?;
        let mut inner = self.zip.finish().map_err(zerr)?;
        inner.flush()?;
        Ok(inner.into_inner())
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for a zero-based column index.
fn column_name(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A valid sheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(s: &str) -> String {
    let n: String = s
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if n.trim().is_empty() {
        "Sheet1".into()
    } else {
        n
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 forbids most control characters: drop them rather than emit a broken sheet.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

const SHEET_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>";

const WORKBOOK_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"";

const FIXED_PARTS: &[(&str, &str)] = &[
    (
        "[Content_Types].xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/></Types>",
    ),
    (
        "_rels/.rels",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
    ),
    (
        "xl/_rels/workbook.xml.rels",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>",
    ),
    (
        "xl/styles.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\\ hh:mm\"/><numFmt numFmtId=\"165\" formatCode=\"yyyy\\-mm\\-dd\"/></numFmts><fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts><fills count=\"3\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill><fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFE7ECF3\"/><bgColor indexed=\"64\"/></patternFill></fill></fills><borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs><cellXfs count=\"5\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/><xf numFmtId=\"0\" fontId=\"1\" fillId=\"2\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\"/><xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/><xf numFmtId=\"165\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/><xf numFmtId=\"9\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles></styleSheet>",
    ),
];

/// A whole table already in memory (the console's small tables: cases, coverage,
/// settlement) as CSV or XLSX, column widths fitted to the content.
pub fn write_table<W: Write>(
    xlsx: bool,
    sheet: &str,
    head: &[String],
    rows: &[Vec<Cell>],
    mut out: W,
) -> std::io::Result<()> {
    if !xlsx {
        // A BOM so that spreadsheet programs read the Chinese text as UTF-8.
        out.write_all("\u{feff}".as_bytes())?;
        let mut w = writer(out);
        w.write_record(head)?;
        for r in rows {
            typed_record(&mut w, r)?;
        }
        return w.flush();
    }
    let columns: Vec<Column> = head
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let widest = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| match c {
                    Cell::Text(t) => display_width(t),
                    Cell::Time(_) => 16,
                    Cell::Date(_) => 10,
                    other => other.csv().len(),
                })
                .chain([display_width(h)])
                .max()
                .unwrap_or(8);
            Column::new(h, widest as f64 + 2.0)
        })
        .collect();
    let mut x = Xlsx::start(out, sheet, &columns)?;
    for r in rows {
        x.row(r)?;
    }
    x.finish()?.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_others_kept() {
        for (text, want) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("worker-1", "worker-1"),
            ("电动车=充电", "电动车=充电"),
            ("", ""),
        ] {
            assert_eq!(cell(text), want, "{text:?}");
        }
    }

    #[test]
    fn columns_are_named_like_spreadsheets() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn typed_cells_in_the_sheet() {
        let cols = [Column::new("得分", 6.0), Column::new("时间", 16.0)];
        let mut x = Xlsx::start(Vec::new(), "巡查记录", &cols).unwrap();
        // 2026-01-02 00:00 in China Standard Time.
        let ms = 1_767_283_200_000;
        x.row(&[Cell::Int(85), Cell::Time(ms)]).unwrap();
        x.row(&[Cell::text("=HYPERLINK(\"http://x\")"), Cell::Empty])
            .unwrap();
        let bytes = x.finish().unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut z.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut sheet,
        )
        .unwrap();
        assert!(
            sheet.contains("<c r=\"A2\" s=\"0\"><v>85</v></c>"),
            "{sheet}"
        );
        // Whole days since 1899-12-30, local midnight: no fraction.
        assert!(
            sheet.contains("<c r=\"B2\" s=\"2\"><v>46024</v></c>"),
            "{sheet}"
        );
        assert!(sheet.contains("t=\"inlineStr\"><is><t xml:space=\"preserve\">=HYPERLINK("));
        assert!(!sheet.contains("<f>"));
        assert!(sheet.contains("<autoFilter ref=\"A1:B3\"/>"), "{sheet}");
        assert!(sheet.contains("state=\"frozen\""));
        let mut wb = String::new();
        std::io::Read::read_to_string(&mut z.by_name("xl/workbook.xml").unwrap(), &mut wb).unwrap();
        assert!(wb.contains("<sheet name=\"巡查记录\""), "{wb}");
    }

    #[test]
    fn csv_cells_are_typed_text() {
        assert_eq!(Cell::Int(7).csv(), "7");
        assert_eq!(Cell::Time(1_767_283_200_000).csv(), "2026-01-02 00:00");
        assert_eq!(Cell::Date(1_767_283_200_000).csv(), "2026-01-02");
        assert_eq!(Cell::text("-1").csv(), "'-1");
        assert_eq!(Cell::Empty.csv(), "");
        assert_eq!(Cell::Percent(0.5).csv(), "50%");
        assert_eq!(sheet_name("a/b[c]"), "a_b_c_");
    }

    #[test]
    fn every_cell_is_quoted() {
        let mut w = writer(Vec::new());
        record(&mut w, ["a", "=1"]).unwrap();
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(out, "\"a\",\"'=1\"\n");
    }
}
