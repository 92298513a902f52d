//! `gridfield-server admin taxonomy …`: list a kind's categories and levels, add
//! a category, retire one. Each edit bumps the taxonomy's version; devices get it
//! with their next pull.

use clap::Subcommand;
use gridfield_core::taxonomy::{Entry, Taxonomy};
use gridfield_server::ApiError;
use gridfield_server::db::Db;
use gridfield_server::rules::taxonomy::{self, Edit};

#[derive(Subcommand)]
pub enum TaxonomyCmd {
    /// Print the taxonomy: one line per entry (code, state, Chinese and English labels).
    List {
        #[arg(long, default_value = "hazard")]
        kind: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a category (or bring back a retired one with new labels).
    Add {
        #[arg(long, default_value = "hazard")]
        kind: String,
        #[arg(long)]
        code: String,
        /// Chinese label.
        #[arg(long)]
        zh: String,
        /// English label.
        #[arg(long)]
        en: String,
        #[arg(long)]
        parent: Option<String>,
    },
    /// Retire a category or level: old records keep its label, new ones may not use it.
    Retire {
        #[arg(long, default_value = "hazard")]
        kind: String,
        #[arg(long)]
        code: String,
    },
}

pub fn run(db: &Db, cmd: TaxonomyCmd) -> Result<(), ApiError> {
    gridfield_server::admin::ensure_templates(db)?;
    let (t, json) = match cmd {
        TaxonomyCmd::List { kind, json } => {
            let t = db.read_as(|tx| taxonomy::load(tx, &kind))?;
            let t = t.ok_or_else(|| {
                ApiError::bad_request("unknown_taxonomy", format!("no taxonomy of kind {kind:?}"))
            })?;
            (t, json)
        }
        TaxonomyCmd::Add {
            kind,
            code,
            zh,
            en,
            parent,
        } => {
            let mut e = Entry::new(&code, &zh, &en);
            e.parent = parent;
            (
                db.write_as(|tx| taxonomy::edit(tx, &kind, Edit::Add(e)))?,
                false,
            )
        }
        TaxonomyCmd::Retire { kind, code } => (
            db.write_as(|tx| taxonomy::edit(tx, &kind, Edit::Retire(code)))?,
            false,
        ),
    };
    print(&t, json)
}

fn print(t: &Taxonomy, json: bool) -> Result<(), ApiError> {
    if json {
        let s = serde_json::to_string_pretty(t).map_err(|e| ApiError::internal(e.to_string()))?;
        println!("{s}");
        return Ok(());
    }
    println!("{} version {}", t.kind, t.version);
    for (list, entries) in [("category", &t.categories), ("level", &t.levels)] {
        for e in entries {
            let state = if e.active { "active" } else { "retired" };
            println!("{list}\t{}\t{state}\t{}\t{}", e.code, e.zh, e.en);
        }
    }
    Ok(())
}
