//! `gridfield-server admin plates …`: plates installed before Gridfield (旧门牌).
//! `import-legacy <csv>` maps their serials or QR texts to address codes; any bad
//! line is reported by number (Chinese, then English) and nothing is imported.

use std::path::PathBuf;

use clap::Subcommand;
use gridfield_core::i18n::Lang;
use gridfield_server::ApiError;
use gridfield_server::db::Db;
use gridfield_server::messages::Msg;
use gridfield_server::rules::legacy_plates::{self, ImportLine, LineError};

#[derive(Subcommand)]
pub enum PlatesCmd {
    /// Import legacy plates from CSV with a header line:
    /// legacy serial or QR text, address code. Re-importing a text remaps it.
    ImportLegacy { file: PathBuf },
}

pub fn run(db: &Db, cmd: PlatesCmd) -> Result<(), ApiError> {
    let PlatesCmd::ImportLegacy { file } = cmd;
    let (lines, mut bad) = read(&file)?;
    let written = if bad.is_empty() {
        db.write_as(|tx| legacy_plates::import(tx, &lines))
            .map_err(ApiError::from)?
    } else {
        // Unreadable lines already fail the import: the rest is still checked, so
        // the operator sees every bad line at once, and nothing is written.
        let checked = db.read_as(|tx| legacy_plates::import_check(tx, &lines));
        checked.map_err(ApiError::from).map(|r| r.map(|_| 0))?
    };
    match written {
        Ok(n) if bad.is_empty() => {
            println!("已导入{n}个旧门牌");
            println!("imported {n} legacy plates");
            Ok(())
        }
        Ok(_) => report(bad),
        Err(errors) => {
            bad.extend(errors);
            report(bad)
        }
    }
}

fn report(mut bad: Vec<LineError>) -> Result<(), ApiError> {
    bad.sort_by_key(|e| e.line);
    for e in &bad {
        eprintln!("第{}行：{}", e.line, e.msg.text(Lang::Zh));
        eprintln!("line {}: {}", e.line, e.msg.text(Lang::En));
    }
    let all = Msg::LegacyNothingImported { bad: bad.len() };
    Err(ApiError::bad_request("rows_rejected", all.wire()))
}

/// The file's lines with their numbers, and the lines that are not two cells.
fn read(file: &PathBuf) -> Result<(Vec<ImportLine>, Vec<LineError>), ApiError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .map_err(|e| ApiError::bad_request("bad_csv", e.to_string()))?;
    let (mut lines, mut bad) = (Vec::new(), Vec::new());
    for (i, rec) in rdr.records().enumerate() {
        let fallback = i as u64 + 2;
        match rec {
            Ok(r) if r.len() == 2 => lines.push(ImportLine {
                line: r.position().map_or(fallback, |p| p.line()),
                text: r[0].to_string(),
                address_code: r[1].to_string(),
            }),
            Ok(r) => bad.push(LineError {
                line: r.position().map_or(fallback, |p| p.line()),
                msg: Msg::LegacyColumns,
            }),
            Err(e) => bad.push(LineError {
                line: e.position().map_or(fallback, |p| p.line()),
                msg: Msg::LegacyColumns,
            }),
        }
    }
    Ok((lines, bad))
}
