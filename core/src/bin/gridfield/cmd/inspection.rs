//! Inspections (检查记录): record a finished checklist from an answers file, list
//! them, and review one (supervisors).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use gridfield_core::checklist::{Answers, ItemKind, ItemPhotos};
use gridfield_core::model::ReviewStatus;
use gridfield_core::store::NewInspection;
use gridfield_core::{Lang, Store};
use serde_json::Value;

use crate::Cli;
use crate::catalog::Msg;
use crate::cmd::entity::parse_kind;
use crate::cmd::photo::photo_ref;
use crate::out::{self, Outcome};

#[derive(Args)]
pub struct InspectArgs {
    #[arg(long)]
    template: String,
    #[arg(long)]
    template_version: Option<u32>,
    #[arg(long)]
    address: String,
    #[arg(long)]
    subject: Option<String>,
    #[arg(long)]
    answers: PathBuf,
    #[command(flatten)]
    location: super::LocationArgs,
}

#[derive(Args)]
pub struct InspectionsArgs {
    #[arg(long)]
    status: Option<String>,
}

#[derive(Subcommand)]
pub enum InspectionCmd {
    Review {
        id: String,
        #[arg(value_parser = ["approve", "return"])]
        decision: String,
        #[arg(long)]
        comment: Option<String>,
    },
}

/// The answers file: answers by item, and photos by item (paths or hashes).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersFile {
    answers: Answers,
    #[serde(default)]
    photos: BTreeMap<String, Vec<String>>,
}

pub fn inspect(cli: &Cli, store: &Store, lang: Lang, a: &InspectArgs) -> Outcome<()> {
    let text = fs::read_to_string(&a.answers)?;
    let file: AnswersFile = serde_json::from_str(&text)?;
    let base = a.answers.parent().unwrap_or(Path::new("."));
    let tpl = store.template(&a.template, a.template_version)?;
    // Photos are kept first (content-addressed, harmless if the record is refused).
    let mut answers = file.answers;
    for (item_id, v) in answers.iter_mut() {
        let Some(item) = tpl.item(item_id) else {
            continue;
        };
        match (&item.kind, &*v) {
            (ItemKind::Photo { .. }, Value::Array(list)) => {
                let hashes = list
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(|s| photo_ref(store, base, s))
                            .unwrap_or_else(|| Ok(String::new()))
                    })
                    .collect::<Outcome<Vec<_>>>()?;
                *v = Value::from(hashes);
            }
            (ItemKind::Signature, Value::String(s)) => {
                *v = Value::String(photo_ref(store, base, s)?)
            }
            _ => {}
        }
    }
    let mut photos = ItemPhotos::new();
    for (item, list) in file.photos {
        let hashes = list
            .iter()
            .map(|s| photo_ref(store, base, s))
            .collect::<Outcome<_>>()?;
        photos.insert(item, hashes);
    }
    let (subject_kind, subject_id) = match &a.subject {
        Some(s) => {
            let (k, id) = s
                .split_once(':')
                .ok_or_else(|| Msg::BadSubject { value: s.clone() })?;
            (Some(parse_kind(k)?), Some(id.to_string()))
        }
        None => (None, None),
    };
    let new = NewInspection {
        template_id: a.template.clone(),
        template_version: a.template_version,
        address_code: a.address.clone(),
        subject_kind,
        subject_id,
        location: a.location.point(),
    };
    let outcome = store.record_inspection(&new, &answers, &photos, None)?;
    if cli.json {
        out::json(&outcome);
        return Ok(());
    }
    let e = &outcome.evaluation;
    let id = outcome.inspection_id.clone();
    println!("{}", Msg::InspectionSaved { id }.text(lang));
    let verdict = if e.vetoed {
        Msg::VerdictVetoed
    } else if e.passed {
        Msg::VerdictPass
    } else {
        Msg::VerdictFail
    };
    let score = format!("{} — {}", e.score, verdict.text(lang));
    out::row(Msg::Score, lang, score);
    for f in &e.failed_items {
        println!("  ✘ {} (-{})", f.label.get(lang.is_en()), f.deduction);
    }
    if !outcome.hazards_raised.is_empty() {
        out::row(Msg::HazardsRaised, lang, outcome.hazards_raised.len());
        for h in &outcome.hazards_raised {
            println!("  {h}");
        }
    }
    if !outcome.cases_opened.is_empty() {
        out::row(Msg::CasesOpened, lang, outcome.cases_opened.len());
        for c in &outcome.cases_opened {
            println!("  {c}");
        }
    }
    Ok(())
}

pub fn list(cli: &Cli, store: &Store, lang: Lang, a: &InspectionsArgs) -> Outcome<()> {
    let status = match a.status.as_deref() {
        Some(s) => Some(ReviewStatus::parse(s).ok_or_else(|| Msg::BadReviewStatus {
            value: s.to_string(),
        })?),
        None => None,
    };
    let list = store.inspections(status)?;
    if cli.json {
        out::json(&list);
        return Ok(());
    }
    for i in list {
        println!(
            "{}  {}  {}  {} {}  {}",
            i.id,
            i.template_id,
            i.address_code,
            i.score.map(|s| s.to_string()).unwrap_or_default(),
            i.review_status.label(lang),
            i.review_comment.unwrap_or_default()
        );
    }
    Ok(())
}

pub fn run(cli: &Cli, store: &Store, lang: Lang, cmd: &InspectionCmd) -> Outcome<()> {
    let InspectionCmd::Review {
        id,
        decision,
        comment,
    } = cmd;
    let approve = decision == "approve";
    store.review_inspection(id, approve, comment.as_deref())?;
    if cli.json {
        let status = if approve { "approved" } else { "returned" };
        out::json(&serde_json::json!({ "id": id, "review_status": status }));
    } else {
        let id = id.clone();
        let msg = if approve {
            Msg::ReviewApproved { id }
        } else {
            Msg::ReviewReturned { id }
        };
        println!("{}", msg.text(lang));
    }
    Ok(())
}
