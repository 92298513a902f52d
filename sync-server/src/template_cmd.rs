//! `gridfield-server admin template …`: validate a checklist template file
//! (every problem with its line and item), publish it to a grid subtree,
//! retire it, list what the server holds.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use gridfield_server::ApiError;
use gridfield_server::db::Db;
use gridfield_server::rules::templates;

#[derive(Subcommand)]
pub enum TemplateCmd {
    /// Check a template file; with `--grid`, also that it could be published there.
    Validate {
        file: PathBuf,
        #[arg(long)]
        grid: Option<String>,
    },
    /// Publish a new version to a grid and everything below it; nothing is
    /// published if any problem is found.
    Publish {
        file: PathBuf,
        #[arg(long)]
        grid: String,
    },
    /// Retire every version of a template: no new inspection starts with it.
    Retire { id: String },
    /// Every version the server holds: id, version, grid path, state, title.
    List,
}

pub fn run(db: &Db, cmd: TemplateCmd) -> Result<(), ApiError> {
    gridfield_server::admin::ensure_templates(db)?;
    match cmd {
        TemplateCmd::Validate { file, grid } => {
            let text = read(&file)?;
            let (t, ps) = db.read_as(|tx| templates::problems(tx, &text, grid.as_deref()))?;
            if !ps.is_empty() {
                return Err(templates::invalid(&ps).into());
            }
            if let Some(t) = t {
                println!("{} v{}: 无问题 (no problems)", t.id, t.version);
            }
        }
        TemplateCmd::Publish { file, grid } => {
            let text = read(&file)?;
            let t = db.write_as(|tx| templates::publish(tx, &text, &grid))?;
            println!("{} v{} published to {grid}", t.id, t.version);
        }
        TemplateCmd::Retire { id } => {
            let vs = db.write_as(|tx| templates::retire(tx, &id))?;
            println!("{id}: {} versions retired", vs.len());
        }
        TemplateCmd::List => {
            for p in db.read_as(templates::all)? {
                let t = &p.template;
                let state = if t.retired_at.is_some() {
                    "retired"
                } else {
                    "published"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id, t.version, p.grid_path, state, t.title.zh
                );
            }
        }
    }
    Ok(())
}

fn read(file: &Path) -> Result<String, ApiError> {
    std::fs::read_to_string(file)
        .map_err(|e| ApiError::bad_request("unreadable_file", format!("{}: {e}", file.display())))
}
