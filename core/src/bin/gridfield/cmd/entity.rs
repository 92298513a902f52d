//! Households, persons, rental units and businesses hanging off an address
//! (一标多实): create, update and show them (ID numbers and phones masked), and
//! reveal one field's full value with an audit row.

use clap::Subcommand;
use gridfield_core::model::EntityKind;
use gridfield_core::{Error, Lang, Store};
use serde_json::{Map, Value};

use crate::Cli;
use crate::catalog::Msg;
use crate::out::{self, Outcome};

#[derive(Subcommand)]
pub enum EntityCmd {
    Put {
        kind: String,
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        address: Option<String>,
        fields: Vec<String>,
    },
    Show {
        kind: String,
        id: String,
    },
    Reveal {
        kind: String,
        id: String,
        field: String,
    },
}

/// A record kind as typed on the command line.
pub fn parse_kind(s: &str) -> Outcome<EntityKind> {
    EntityKind::parse(s).ok_or_else(|| {
        Msg::BadKind {
            value: s.to_string(),
        }
        .into()
    })
}

pub fn run(cli: &Cli, store: &Store, lang: Lang, cmd: &EntityCmd) -> Outcome<()> {
    match cmd {
        EntityCmd::Put {
            kind,
            id,
            address,
            fields,
        } => {
            let kind = parse_kind(kind)?;
            let mut map = Map::new();
            for kv in fields {
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| Msg::BadField { value: kv.clone() })?;
                // An empty value clears the field.
                let v = if v.is_empty() {
                    Value::Null
                } else {
                    Value::String(v.to_string())
                };
                map.insert(k.to_string(), v);
            }
            let id = store.put_entity(kind, id.as_deref(), address.as_deref(), &map)?;
            if cli.json {
                out::json(&serde_json::json!({ "id": id, "kind": kind }));
            } else {
                let kind = kind.label(lang).to_string();
                println!("{}", Msg::EntitySaved { kind, id }.text(lang));
            }
        }
        EntityCmd::Show { kind, id } => {
            let kind = parse_kind(kind)?;
            let e = store.entity(kind, id)?.ok_or_else(|| {
                Error::not_found(gridfield_core::record::RecordKind::from(kind), id)
            })?;
            if cli.json {
                out::json(&e);
            } else {
                println!("{} {} @ {}", kind.label(lang), e.id, e.address_code);
                for (k, v) in &e.fields {
                    println!("  {k}: {v}");
                }
            }
        }
        EntityCmd::Reveal { kind, id, field } => {
            let kind = parse_kind(kind)?;
            let value = store.reveal_field(kind, id, field)?;
            if cli.json {
                out::json(
                    &serde_json::json!({ "kind": kind, "id": id, "field": field, "value": value }),
                );
            } else {
                match value {
                    Some(v) => println!("{v}"),
                    None => {
                        // reveal_field refused unknown fields, so the label exists.
                        let field = kind.field(field).map_or(field.as_str(), |s| s.label(lang));
                        println!(
                            "{}",
                            Msg::FieldEmpty {
                                field: field.to_string()
                            }
                            .text(lang)
                        );
                    }
                }
            }
        }
    }
    Ok(())
}
