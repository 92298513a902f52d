//! `gridfield-server admin department …` and `admin case-rules …`: the
//! departments (职能部门) cases are dispatched to, and the routing rules
//! (分级分类推送) that decide where a new case lands.

use std::path::PathBuf;

use clap::Subcommand;
use gridfield_server::ApiError;
use gridfield_server::db::Db;
use gridfield_server::rules::cases;

#[derive(Subcommand)]
pub enum DepartmentCmd {
    /// Add (or relabel) a department hanging off the level of a grid.
    Add {
        /// Unique code (`320583001-police`): what a case's handler names.
        #[arg(long)]
        code: String,
        /// What kind (`police`, `justice`, `housing`…): what case types and routing rules name.
        #[arg(long)]
        kind: String,
        /// Chinese name.
        #[arg(long)]
        zh: String,
        /// English name.
        #[arg(long)]
        en: String,
        /// The grid code of the level it belongs to.
        #[arg(long)]
        grid: String,
    },
    /// Print every department: code, kind, level path, Chinese and English names.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum CaseRulesCmd {
    /// Load the routing rules from a JSON file (an array of rules), replacing the
    /// ones in force; nothing is loaded if any rule is wrong.
    Load { file: PathBuf },
    /// Print the routing rules in force as JSON.
    Show,
}

pub fn department(db: &Db, cmd: DepartmentCmd) -> Result<(), ApiError> {
    match cmd {
        DepartmentCmd::Add {
            code,
            kind,
            zh,
            en,
            grid,
        } => {
            let d = db.write_as(|tx| cases::add_department(tx, &code, &kind, &zh, &en, &grid))?;
            println!("department {} saved at {}", d.code, d.level_path);
        }
        DepartmentCmd::List { json } => {
            let all = db.read_as(cases::departments)?;
            if json {
                println!("{}", to_json(&all)?);
            } else {
                for d in all {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        d.code, d.kind, d.level_path, d.zh, d.en
                    );
                }
            }
        }
    }
    Ok(())
}

pub fn case_rules(db: &Db, cmd: CaseRulesCmd) -> Result<(), ApiError> {
    gridfield_server::admin::ensure_templates(db)?;
    match cmd {
        CaseRulesCmd::Load { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                ApiError::bad_request("unreadable_file", format!("{}: {e}", file.display()))
            })?;
            let rules = db.write_as(|tx| cases::load_routing(tx, &text))?;
            println!("{} routing rules loaded", rules.len());
        }
        CaseRulesCmd::Show => {
            let rules = db.read_as(cases::routing_rules)?;
            println!("{}", to_json(&rules)?);
        }
    }
    Ok(())
}

fn to_json(v: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string_pretty(v).map_err(|e| ApiError::internal(e.to_string()))
}
