//! Importing a grid's reference data from CSV: grids and standard addresses. A
//! bad row is named by its line and nothing is imported.

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;
use gridfield_core::model::{Address, Grid};
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::out::{self, Outcome};

#[derive(Args)]
pub struct FileArgs {
    file: PathBuf,
}

pub fn grids(cli: &Cli, store: &Store, lang: Lang, a: &FileArgs) -> Outcome<()> {
    let n = store.import_grids(&read_grids(&a.file)?)?;
    report_count(cli, lang, Msg::ImportedGrids { n }, n);
    Ok(())
}

pub fn addresses(cli: &Cli, store: &Store, lang: Lang, a: &FileArgs) -> Outcome<()> {
    let n = store.import_addresses(&read_addresses(&a.file)?)?;
    report_count(cli, lang, Msg::ImportedAddresses { n }, n);
    Ok(())
}

fn report_count(cli: &Cli, lang: Lang, msg: Msg, n: usize) {
    if cli.json {
        out::json(&serde_json::json!({ "imported": n }));
    } else {
        println!("{}", msg.text(lang));
    }
}

fn csv_reader(file: &Path) -> Outcome<csv::Reader<fs::File>> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(fs::File::open(file)?))
}

fn row_err(line: u64, e: impl std::fmt::Display) -> Msg {
    Msg::CsvRowInvalid {
        line,
        detail: e.to_string(),
    }
}

fn opt(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

fn read_grids(file: &Path) -> Outcome<Vec<Grid>> {
    let mut rdr = csv_reader(file)?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let r = rec.map_err(|e| row_err(line, e))?;
        let level = r
            .get(2)
            .unwrap_or("")
            .parse()
            .map_err(|_| Msg::CsvLevelNotNumber { line })?;
        let empty = |column: &str| Msg::CsvEmpty {
            line,
            column: column.to_string(),
        };
        out.push(Grid {
            code: opt(r.get(0)).ok_or_else(|| empty("code"))?,
            name: opt(r.get(1)).ok_or_else(|| empty("name"))?,
            level,
            parent_code: opt(r.get(3)),
        });
    }
    Ok(out)
}

fn read_addresses(file: &Path) -> Outcome<Vec<Address>> {
    let mut rdr = csv_reader(file)?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let r = rec.map_err(|e| row_err(line, e))?;
        let fields: Vec<&str> = r.iter().collect();
        out.push(Address::from_csv_row(&fields).map_err(|e| row_err(line, e))?);
    }
    Ok(out)
}
