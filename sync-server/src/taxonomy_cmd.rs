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
        /// What the kind attaches to the entry, `key=value`, repeatable (a case
        /// type's `tier=village`, `department=justice`, `accept_hours=24`,
        /// `handle_days=7`, `verify_days=3`); numbers are kept as numbers.
        #[arg(long = "attr", value_parser = parse_attr)]
        attrs: Vec<(String, serde_json::Value)>,
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
            attrs,
        } => {
            let mut e = Entry::new(&code, &zh, &en);
            e.parent = parent;
            e.attrs = attrs.into_iter().collect();
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

/// `key=value`: an integer value stays a number, anything else is text.
fn parse_attr(s: &str) -> Result<(String, serde_json::Value), String> {
    let (k, v) = s
        .split_once('=')
        .filter(|(k, _)| !k.trim().is_empty())
        .ok_or_else(|| format!("expected key=value, got {s:?}"))?;
    let value = v
        .parse::<i64>()
        .map_or_else(|_| serde_json::Value::from(v), serde_json::Value::from);
    Ok((k.trim().to_string(), value))
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
