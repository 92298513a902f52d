//! CSV for spreadsheet programs, written one way for every export (records,
//! entities, the audit trail): every cell quoted, and text that starts like a
//! formula (`=`, `+`, `-`, `@`, tab, carriage return) prefixed with `'` so no
//! spreadsheet runs it (OWASP, "CSV Injection"). XLSX needs none of this: its
//! cells are typed strings.

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
    fn every_cell_is_quoted() {
        let mut w = writer(Vec::new());
        record(&mut w, ["a", "=1"]).unwrap();
        let out = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(out, "\"a\",\"'=1\"\n");
    }
}
