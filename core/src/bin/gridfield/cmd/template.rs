//! Checklist templates (检查表模板) on this device: list them, show one's sections
//! and items.

use clap::Subcommand;
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::out::{self, Outcome};

#[derive(Subcommand)]
pub enum TemplateCmd {
    List,
    Show {
        id: String,
        #[arg(long)]
        version: Option<u32>,
    },
}

pub fn run(cli: &Cli, store: &Store, lang: Lang, cmd: &TemplateCmd) -> Outcome<()> {
    let en = lang.is_en();
    match cmd {
        TemplateCmd::List => {
            let ts = store.templates()?;
            if cli.json {
                let list: Vec<_> = ts
                    .iter()
                    .map(|t| serde_json::json!({ "id": t.id, "version": t.version, "title": t.title, "retired": t.retired_at.is_some() }))
                    .collect();
                out::json(&list);
            } else {
                for t in ts {
                    println!("{} v{}  {}", t.id, t.version, t.title.get(en));
                }
            }
        }
        TemplateCmd::Show { id, version } => {
            let t = store.template(id, *version)?;
            if cli.json {
                out::json(&t);
            } else {
                println!("{} v{}  {}", t.id, t.version, t.title.get(en));
                for s in &t.sections {
                    println!("[{}]", s.title.get(en));
                    for i in &s.items {
                        println!("  {}  ({}) {}", i.id, i.kind.as_str(), i.label.get(en));
                    }
                }
            }
        }
    }
    Ok(())
}
