//! Admin tasks behind `gridfield-server admin …`: grids, users, enrollment codes,
//! door-plate import and signing, device revocation, export.

use std::io::Write;
use std::path::Path;

use gridfield_core::checklist::builtin_templates;
use gridfield_core::grid::GridScope;
use gridfield_core::model::{Address, Grid};
use gridfield_core::plate::PlateData;

use crate::db::{Db, RowExt};
use crate::error::{ApiError, Result};
use crate::rules;

/// One bad CSV row: its line number and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub imported: u64,
    pub errors: Vec<RowError>,
}

fn opt(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// Make sure the shipped checklist templates, and a hazard taxonomy (the core's
/// built-in one until an admin edits it), are on the server.
pub fn ensure_templates(db: &Db) -> Result<()> {
    db.write(|tx| {
        for t in builtin_templates() {
            rules::grids::add_template(tx, &t)?;
        }
        rules::taxonomy::ensure_seeded(tx)?;
        Ok(())
    })
}

/// `code,name,level,parent_code` — parents before children.
pub fn import_grids(db: &Db, file: &Path) -> Result<ImportReport> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .map_err(|e| ApiError::bad_request("bad_csv", e.to_string()))?;
    let mut report = ImportReport::default();
    let mut grids = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let r = match rec {
            Ok(r) => r,
            Err(e) => {
                report.errors.push(RowError {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let (Some(code), Some(name)) = (opt(r.get(0)), opt(r.get(1))) else {
            report.errors.push(RowError {
                line,
                reason: "code and name are required".into(),
            });
            continue;
        };
        let Ok(level) = r.get(2).unwrap_or("").parse::<u32>() else {
            report.errors.push(RowError {
                line,
                reason: "level must be a number".into(),
            });
            continue;
        };
        grids.push((
            line,
            Grid {
                code,
                name,
                level,
                parent_code: opt(r.get(3)),
            },
        ));
    }
    for (line, g) in grids {
        match db.write(|tx| Ok(rules::grids::add_grid(tx, &g)?)) {
            Ok(()) => report.imported += 1,
            Err(e) => report.errors.push(RowError {
                line,
                reason: e.message,
            }),
        }
    }
    Ok(report)
}

/// Door plates / standard addresses from CSV:
/// `code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon`.
/// Good rows are imported in chunks; bad rows are reported by line and skipped.
pub fn import_plates(db: &Db, file: &Path, progress: bool) -> Result<ImportReport> {
    let total = std::fs::read_to_string(file)
        .map(|s| s.lines().count().saturating_sub(1) as u64)
        .unwrap_or(0);
    let bar = if progress {
        indicatif::ProgressBar::new(total)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} 门牌 {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .map_err(|e| ApiError::bad_request("bad_csv", e.to_string()))?;
    let mut report = ImportReport::default();
    let mut chunk: Vec<(u64, Address)> = Vec::new();
    let flush = |chunk: &mut Vec<(u64, Address)>, report: &mut ImportReport| -> Result<()> {
        let rows = std::mem::take(chunk);
        let errs = db.write(|tx| {
            let mut errs = Vec::new();
            for (line, a) in &rows {
                if let Err(e) = rules::grids::import_address(tx, a).map_err(ApiError::from) {
                    if e.status.is_server_error() {
                        return Err(e);
                    }
                    errs.push(RowError {
                        line: *line,
                        reason: e.message,
                    });
                }
            }
            Ok(errs)
        })?;
        report.imported += rows.len() as u64 - errs.len() as u64;
        report.errors.extend(errs);
        Ok(())
    };
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        bar.inc(1);
        let r = match rec {
            Ok(r) => r,
            Err(e) => {
                report.errors.push(RowError {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let fields: Vec<&str> = r.iter().collect();
        match Address::from_csv_row(&fields) {
            Ok(a) => chunk.push((line, a)),
            Err(reason) => report.errors.push(RowError { line, reason }),
        }
        if chunk.len() >= 5000 {
            flush(&mut chunk, &mut report)?;
        }
    }
    flush(&mut chunk, &mut report)?;
    bar.finish_and_clear();
    Ok(report)
}

/// Largest QR code a small metal plate carries (version 6 at error correction M).
pub const PLATE_QR_MAX_VERSION: i16 = 6;

/// The QR version (at error correction M) a plate URL needs; `None` when it does not
/// fit a QR code at all.
pub fn plate_qr_version(url: &str) -> Option<i16> {
    match qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .ok()?
        .version()
    {
        qrcode::Version::Normal(v) => Some(v),
        qrcode::Version::Micro(_) => Some(1),
    }
}

/// What `sign_plates` wrote: plates signed, and how many of them need a QR code
/// larger than a plate carries (a long host in the base URL).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SignedPlates {
    pub signed: u64,
    pub oversized: u64,
}

/// Signed compact plates for every address in a grid subtree: one line each,
/// `address_code<TAB>plate_serial<TAB>plate URL`. `base_url` (the city server's
/// public `https://` address) is remembered for later runs and the printable sheets.
pub fn sign_plates(
    db: &Db,
    grid: &str,
    base_url: Option<&str>,
    out: &mut dyn Write,
) -> Result<SignedPlates> {
    // The issuer key is created on first use, which needs a write.
    db.write(|tx| {
        if let Some(base) = base_url {
            rules::plates::set_url_base(tx, base)?;
        }
        rules::plates::issuer(tx)?;
        Ok(())
    })?;
    let (issuer, rows, base) = db.read(|tx| {
        let path = rules::grids::grid_path(tx, grid)?.ok_or_else(|| ApiError::not_found(format!("grid {grid} not found")))?;
        let (lower, upper) = GridScope::new(&path).range();
        let rows = tx.query(
            "SELECT body FROM records WHERE kind = 'address' AND grid_path >= $1 AND grid_path < $2 ORDER BY id",
            &[lower.into(), upper.into()],
        )?;
        let base = rules::plates::url_base(tx)?.ok_or_else(|| {
            ApiError::bad_request(
                "plate_url_base",
                "no plate URL yet: pass --base-url https://<this server's public host>",
            )
        })?;
        Ok((rules::plates::issuer(tx)?, rows, base))
    })?;
    let now = rules::now_ms() / 1000;
    let mut n = SignedPlates::default();
    for r in rows {
        let a: Address =
            serde_json::from_str(&r.text(0)?).map_err(|e| ApiError::internal(e.to_string()))?;
        let plate = PlateData {
            address_code: a.code.clone(),
            plate_serial: a.plate_serial.clone().unwrap_or_else(|| a.code.clone()),
            grid_code: a.grid_code.clone(),
            address_text: a.full_text.clone(),
            issued_at: now,
        };
        let qr = issuer
            .sign_url(&base, &plate)
            .map_err(|e| ApiError::bad_request("plate", e.to_string()))?;
        writeln!(out, "{}\t{}\t{}", a.code, plate.plate_serial, qr)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        n.signed += 1;
        if plate_qr_version(&qr).is_none_or(|v| v > PLATE_QR_MAX_VERSION) {
            n.oversized += 1;
        }
    }
    Ok(n)
}

/// Every record as JSON lines, one file per kind, plus the conflict log.
pub fn export(db: &Db, dir: &Path) -> Result<Vec<(String, u64)>> {
    std::fs::create_dir_all(dir).map_err(|e| ApiError::internal(e.to_string()))?;
    let rows = db.read(|tx| tx.query("SELECT kind, body FROM records ORDER BY kind, id", &[]))?;
    let mut files: std::collections::BTreeMap<String, (std::fs::File, u64)> = Default::default();
    for r in rows {
        let kind = r.text(0)?;
        if !files.contains_key(&kind) {
            let f = std::fs::File::create(dir.join(format!("{kind}.jsonl")))
                .map_err(|e| ApiError::internal(e.to_string()))?;
            files.insert(kind.clone(), (f, 0));
        }
        let e = files.get_mut(&kind).expect("inserted above");
        writeln!(e.0, "{}", r.text(1)?).map_err(|e| ApiError::internal(e.to_string()))?;
        e.1 += 1;
    }
    let conflicts = db.read(|tx| {
        tx.query(
            "SELECT kind, entity_id, field, kept_value, kept_device, lost_value, lost_device, at FROM conflicts ORDER BY id",
            &[],
        )
    })?;
    let mut f = std::fs::File::create(dir.join("conflicts.jsonl"))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    for r in &conflicts {
        let line = serde_json::json!({
            "kind": r.text(0)?, "entity_id": r.text(1)?, "field": r.text(2)?,
            "kept": r.opt_text(3), "kept_device": r.text(4)?, "lost": r.opt_text(5), "lost_device": r.text(6)?, "at": r.int(7)?,
        });
        writeln!(f, "{line}").map_err(|e| ApiError::internal(e.to_string()))?;
    }
    let mut out: Vec<(String, u64)> = files.into_iter().map(|(k, (_, n))| (k, n)).collect();
    out.push(("conflicts".into(), conflicts.len() as u64));
    Ok(out)
}

/// `admin audit verify`: walk the audit chain; the first break is an error.
pub fn audit_verify(db: &Db) -> Result<rules::audit::Verdict> {
    Ok(db.read_as(rules::audit::verify)?)
}

/// `--since`/`--until` of `admin audit export`: a day (`2026-03-01`, China
/// Standard Time, like the console) or an instant in RFC 3339. A day as `until`
/// includes that whole day.
pub fn parse_instant(s: &str, until: bool) -> Result<i64> {
    use crate::console::query::{DAY_MS, TZ_OFFSET_MS};
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let start = d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis() - TZ_OFFSET_MS)
            .unwrap_or_default();
        return Ok(if until { start + DAY_MS } else { start });
    }
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::bad_request(
                "bad_time",
                "时间应为 2026-03-01 或 2026-03-01T08:00:00+08:00 (a time is 2026-03-01 or 2026-03-01T08:00:00+08:00)",
            )
        })
}

/// `admin audit export`: the rows a filter selects as CSV in chain order; the
/// export itself is audited (filter and row count, never the rows).
pub fn audit_export(db: &Db, f: &rules::audit::Filter, out: &Path) -> Result<u64> {
    let file = std::fs::File::create(out)
        .map_err(|e| ApiError::internal(format!("{}: {e}", out.display())))?;
    let n = db.read_as(|tx| rules::audit::export_csv(tx, f, std::io::BufWriter::new(&file)))?;
    db.write_as(|tx| {
        rules::audit::audit(
            tx,
            "admin",
            None,
            "audit_export",
            "audit",
            "cli",
            Some(&rules::audit::filter_detail(f, n)),
        )
    })?;
    Ok(n)
}
