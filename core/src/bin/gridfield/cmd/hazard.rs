//! Hazards (隐患) and their lifecycle: list, show with history, report one found
//! outside a checklist, take a step (assign, rectify, verify, close…).

use std::path::PathBuf;

use clap::Subcommand;
use gridfield_core::checklist::Severity;
use gridfield_core::hazard::{HazardAction, HazardStatus, StepInput};
use gridfield_core::store::{HazardFilter, NewHazard};
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::cmd::photo::add_photos;
use crate::out::{self, Outcome, fmt_date, fmt_time, parse_date_end_of_day};

#[derive(Subcommand)]
pub enum HazardCmd {
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        open: bool,
        #[arg(long)]
        address: Option<String>,
    },
    Show {
        id: String,
    },
    New {
        #[arg(long)]
        address: String,
        #[arg(long)]
        category: String,
        #[arg(long, default_value = "medium")]
        severity: String,
        #[arg(long)]
        description: String,
        #[arg(long)]
        photo: Vec<PathBuf>,
        #[arg(long)]
        deadline: Option<String>,
        #[command(flatten)]
        location: super::LocationArgs,
    },
    Move {
        id: String,
        action: String,
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        photo: Vec<PathBuf>,
    },
}

pub fn run(cli: &Cli, store: &Store, lang: Lang, cmd: &HazardCmd) -> Outcome<()> {
    match cmd {
        HazardCmd::List {
            status,
            overdue,
            open,
            address,
        } => {
            let status = match status.as_deref() {
                Some(s) => Some(HazardStatus::parse(s).ok_or_else(|| Msg::BadHazardStatus {
                    value: s.to_string(),
                })?),
                None => None,
            };
            let filter = HazardFilter {
                status,
                overdue_only: *overdue,
                open_only: *open,
                address_code: address.clone(),
                limit: None,
            };
            list(cli, store, lang, &filter)
        }
        HazardCmd::Show { id } => show(cli, store, lang, id),
        HazardCmd::New {
            address,
            category,
            severity,
            description,
            photo,
            deadline,
            location,
        } => {
            let severity = Severity::parse(severity).ok_or_else(|| Msg::BadSeverity {
                value: severity.clone(),
            })?;
            let deadline = deadline.as_deref().map(parse_date_end_of_day).transpose()?;
            let photos = add_photos(store, photo)?;
            let id = store.create_hazard(&NewHazard {
                location: location.point(),
                address_code: address.clone(),
                category: category.clone(),
                severity,
                description: description.clone(),
                photos,
                deadline,
            })?;
            if cli.json {
                out::json(&serde_json::json!({ "id": id }));
            } else {
                println!("{}", Msg::HazardRecorded { id }.text(lang));
            }
            Ok(())
        }
        HazardCmd::Move {
            id,
            action,
            assignee,
            deadline,
            note,
            photo,
        } => {
            let action = HazardAction::parse(action).ok_or_else(|| Msg::BadHazardAction {
                value: action.clone(),
            })?;
            let input = StepInput {
                assignee: assignee.clone(),
                deadline: deadline.as_deref().map(parse_date_end_of_day).transpose()?,
                note: note.clone(),
                photos: add_photos(store, photo)?,
            };
            let to = store.hazard_step(id, action, &input)?;
            if cli.json {
                out::json(&serde_json::json!({ "id": id, "status": to }));
            } else {
                let status = to.label(lang).to_string();
                println!("{}", Msg::HazardStatusNow { status }.text(lang));
            }
            Ok(())
        }
    }
}

fn list(cli: &Cli, store: &Store, lang: Lang, filter: &HazardFilter) -> Outcome<()> {
    let list = store.hazards(filter)?;
    if cli.json {
        out::json(&list);
        return Ok(());
    }
    let categories = store.hazard_taxonomy()?;
    for h in list {
        let due = h
            .deadline
            .map(|d| format!("{} {}", Msg::Due.text(lang), fmt_date(d)))
            .unwrap_or_default();
        let overdue = if h.overdue {
            Msg::Overdue.text(lang)
        } else {
            String::new()
        };
        println!(
            "{}  {}  {}  {}  {due}{overdue}",
            h.id,
            h.status.label(lang),
            h.severity.label(lang),
            categories.category_label(&h.category, lang),
        );
    }
    Ok(())
}

fn show(cli: &Cli, store: &Store, lang: Lang, id: &str) -> Outcome<()> {
    let d = store.hazard(id)?;
    if cli.json {
        out::json(&d);
        return Ok(());
    }
    let h = &d.hazard;
    let category = store.hazard_taxonomy()?.category_label(&h.category, lang);
    println!("{}  {category}  {}", h.id, h.status.label(lang));
    println!("{}", h.description);
    for e in &d.events {
        let action = match e.action {
            Some(a) => a.label(lang).to_string(),
            None => Msg::EventReported.text(lang),
        };
        println!(
            "  {}  {}  {action} → {}  {}",
            fmt_time(e.at),
            e.actor,
            e.to_status.label(lang),
            e.note.clone().unwrap_or_default()
        );
    }
    Ok(())
}
