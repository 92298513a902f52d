//! `gridfield-server admin grid-boundaries …`: grid polygons (网格边界).
//! `import <file>` reads a GeoJSON FeatureCollection, one feature per grid
//! (`properties.grid`); any bad feature is reported by number (Chinese, then
//! English) and nothing is imported. `show <grid>` prints a grid's polygon and its
//! sub-grids' as a FeatureCollection that `import` reads back.

use std::path::PathBuf;

use clap::Subcommand;
use gridfield_core::grid::GridScope;
use gridfield_core::i18n::Lang;
use gridfield_server::ApiError;
use gridfield_server::db::Db;
use gridfield_server::messages::Msg;
use gridfield_server::rules::{self, grid_boundaries};

#[derive(Subcommand)]
pub enum BoundaryCmd {
    /// Import grid polygons from a GeoJSON FeatureCollection; each feature's
    /// `properties.grid` names a grid code. Re-importing a grid replaces its polygon.
    Import { file: PathBuf },
    /// Print a grid's polygon and those below it as GeoJSON.
    Show { grid: String },
}

pub fn run(db: &Db, cmd: BoundaryCmd) -> Result<(), ApiError> {
    match cmd {
        BoundaryCmd::Import { file } => {
            let text = std::fs::read(&file)
                .map_err(|e| ApiError::bad_request("unreadable_file", e.to_string()))?;
            // Bytes that are not UTF-8 are not JSON either: the same clear answer.
            let text = String::from_utf8(text).unwrap_or_default();
            match db
                .write_as(|tx| grid_boundaries::import(tx, &text))
                .map_err(ApiError::from)?
            {
                Ok(n) => {
                    println!("已导入{n}个网格边界");
                    println!("imported {n} grid boundaries");
                    Ok(())
                }
                Err(errors) => {
                    for e in &errors {
                        let (zh, en) = (e.msg.text(Lang::Zh), e.msg.text(Lang::En));
                        if e.feature == 0 {
                            eprintln!("{zh}");
                            eprintln!("{en}");
                        } else {
                            eprintln!("第{}个要素：{zh}", e.feature);
                            eprintln!("feature {}: {en}", e.feature);
                        }
                    }
                    let all = Msg::BoundaryNothingImported { bad: errors.len() };
                    Err(ApiError::bad_request("features_rejected", all.wire()))
                }
            }
        }
        BoundaryCmd::Show { grid } => {
            let polygons = db
                .read_as(|tx| {
                    let Some(path) = rules::grids::grid_path(tx, &grid)? else {
                        return Err(rules::Error::NotFound(grid.clone()));
                    };
                    grid_boundaries::in_scope(tx, &GridScope::new(&path))
                })
                .map_err(ApiError::from)?;
            let doc = grid_boundaries::feature_collection(&polygons);
            println!("{doc:#}");
            Ok(())
        }
    }
}
