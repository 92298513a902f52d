//! Cases (事件) and disputes (矛盾纠纷): the types held, record one (or handle it
//! yourself), my cases, a case's timeline, a step, a mediation session and the
//! signed agreement. Every step is judged here first and by the server at sync.

use std::path::PathBuf;

use clap::Subcommand;
use gridfield_core::case::{
    Agreement, CaseAction, DispatchTarget, MediationOutcome, MediationSession, Party, PartyRole,
    Satisfaction, Signature, SignerRole, StepInput,
};
use gridfield_core::checklist::Severity;
use gridfield_core::store::{CaseFilter, NewCase, new_id};
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::cmd::photo::add_photos;
use crate::out::{self, Outcome, fmt_date, fmt_time};

#[derive(Subcommand)]
pub enum CaseCmd {
    Types,
    New {
        #[arg(long = "type")]
        case_type: String,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        text: String,
        #[arg(long, default_value = "medium")]
        severity: String,
        #[arg(long)]
        photo: Vec<PathBuf>,
        #[arg(long)]
        handle_myself: bool,
        #[arg(long)]
        party: Vec<String>,
        #[arg(long)]
        subject: Option<String>,
        #[command(flatten)]
        location: super::LocationArgs,
    },
    List {
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        overdue: bool,
    },
    Show {
        id: String,
    },
    Step {
        id: String,
        action: String,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        photo: Vec<PathBuf>,
        #[arg(long)]
        rating: Option<String>,
        #[arg(long)]
        deadline: Option<String>,
    },
    Mediate {
        id: String,
        #[arg(long)]
        place: String,
        #[arg(long)]
        note: String,
        #[arg(long, value_delimiter = ',')]
        participants: Vec<String>,
        #[arg(long)]
        agreed: bool,
    },
    Agree {
        id: String,
        #[arg(long)]
        terms: String,
        #[arg(long)]
        signature: Vec<String>,
    },
}

pub fn run(cli: &Cli, store: &Store, lang: Lang, cmd: &CaseCmd) -> Outcome<()> {
    match cmd {
        CaseCmd::Types => types(cli, store, lang),
        CaseCmd::New {
            case_type,
            address,
            text,
            severity,
            photo,
            handle_myself,
            party,
            subject,
            location,
        } => {
            let severity = Severity::parse(severity).ok_or_else(|| Msg::BadSeverity {
                value: severity.clone(),
            })?;
            let parties = party
                .iter()
                .map(|p| parse_party(p))
                .collect::<Outcome<_>>()?;
            let photos = add_photos(store, photo)?;
            let id = store.create_case(&NewCase {
                case_type: case_type.clone(),
                severity,
                address_code: address.clone(),
                description: text.clone(),
                photos,
                parties,
                subject: subject.clone(),
                amount_fen: None,
                handle_myself: *handle_myself,
                location: location.point(),
            })?;
            if cli.json {
                let c = store.case(&id)?.case;
                out::json(
                    &serde_json::json!({ "id": id, "status": c.status, "owner_path": c.owner_path }),
                );
            } else {
                println!("{}", Msg::CaseRecorded { id }.text(lang));
            }
            Ok(())
        }
        CaseCmd::List { mine, overdue } => list(
            cli,
            store,
            lang,
            &CaseFilter {
                mine: *mine,
                overdue: *overdue,
            },
        ),
        CaseCmd::Show { id } => show(cli, store, lang, id),
        CaseCmd::Step {
            id,
            action,
            to,
            note,
            photo,
            rating,
            deadline,
        } => {
            let action = CaseAction::parse(action).ok_or_else(|| Msg::BadCaseAction {
                value: action.clone(),
            })?;
            let input = StepInput {
                note: note.clone(),
                photos: add_photos(store, photo)?,
                to: to.as_deref().map(parse_target).transpose()?,
                deadline: deadline.as_deref().map(parse_instant).transpose()?,
                rating: rating
                    .as_deref()
                    .map(|r| {
                        Satisfaction::parse(r).ok_or_else(|| Msg::BadRating {
                            value: r.to_string(),
                        })
                    })
                    .transpose()?,
                session: None,
                agreement: None,
            };
            step(cli, store, lang, id, action, &input)
        }
        CaseCmd::Mediate {
            id,
            place,
            note,
            participants,
            agreed,
        } => {
            let session = MediationSession {
                id: new_id(),
                at: store.now(),
                place: place.clone(),
                mediator: store.identity().user.clone(),
                participants: participants.clone(),
                outcome: if *agreed {
                    MediationOutcome::Agreed
                } else {
                    MediationOutcome::NotAgreed
                },
                note: note.clone(),
            };
            let input = StepInput {
                session: Some(session),
                ..StepInput::default()
            };
            step(cli, store, lang, id, CaseAction::Mediate, &input)
        }
        CaseCmd::Agree {
            id,
            terms,
            signature,
        } => {
            let signatures = signature
                .iter()
                .map(|s| parse_signature(store, s))
                .collect::<Outcome<_>>()?;
            let input = StepInput {
                agreement: Some(Agreement {
                    terms: terms.clone(),
                    signatures,
                    signed_at: store.now(),
                }),
                ..StepInput::default()
            };
            step(cli, store, lang, id, CaseAction::Agree, &input)
        }
    }
}

fn step(
    cli: &Cli,
    store: &Store,
    lang: Lang,
    id: &str,
    action: CaseAction,
    input: &StepInput,
) -> Outcome<()> {
    let c = store.case_step(id, action, input)?;
    if cli.json {
        out::json(&serde_json::json!({
            "id": id, "status": c.status, "owner_path": c.owner_path,
            "handler": c.handler, "deadline": c.deadline,
        }));
    } else {
        let status = c.status.label(lang).to_string();
        println!("{}", Msg::CaseStatusNow { status }.text(lang));
    }
    Ok(())
}

/// `user:<name>`, `department:<code>` or `level:<path>`.
fn parse_target(s: &str) -> Outcome<DispatchTarget> {
    let bad = || Msg::BadDispatchTarget {
        value: s.to_string(),
    };
    let (kind, v) = s.split_once(':').ok_or_else(bad)?;
    if v.trim().is_empty() {
        return Err(bad().into());
    }
    Ok(match kind {
        "user" => DispatchTarget::Person { user: v.into() },
        // The server fills in the department's level from its register.
        "department" => DispatchTarget::Department {
            code: v.into(),
            level_path: String::new(),
        },
        "level" => DispatchTarget::Level { path: v.into() },
        _ => return Err(bad().into()),
    })
}

/// RFC 3339 or epoch milliseconds.
fn parse_instant(s: &str) -> Outcome<i64> {
    if let Ok(ms) = s.trim().parse::<i64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.timestamp_millis())
        .map_err(|_| {
            Msg::BadInstant {
                value: s.to_string(),
            }
            .into()
        })
}

/// `name:role[:phone]`, role one of applicant, respondent, other.
fn parse_party(s: &str) -> Outcome<Party> {
    let bad = || Msg::BadParty {
        value: s.split(':').nth(1).unwrap_or("").to_string(),
    };
    let mut parts = s.splitn(3, ':');
    let name = parts.next().unwrap_or("").trim();
    let role = parts.next().and_then(PartyRole::parse).ok_or_else(bad)?;
    if name.is_empty() {
        return Err(bad().into());
    }
    Ok(Party {
        person_id: None,
        name: name.to_string(),
        phone: parts.next().map(str::to_string).filter(|p| !p.is_empty()),
        role,
    })
}

/// `role:name:photo`, role one of applicant, respondent, mediator; the photo a
/// file (kept on the device now) or the hash of one already kept.
fn parse_signature(store: &Store, s: &str) -> Outcome<Signature> {
    let bad = || Msg::BadSignature {
        value: s.split(':').next().unwrap_or("").to_string(),
    };
    let mut parts = s.splitn(3, ':');
    let role = parts
        .next()
        .and_then(|r| SignerRole::ALL.into_iter().find(|x| x.as_str() == r))
        .ok_or_else(bad)?;
    let name = parts.next().unwrap_or("").trim().to_string();
    let photo = parts.next().unwrap_or("").trim();
    if name.is_empty() || photo.is_empty() {
        return Err(bad().into());
    }
    let path = PathBuf::from(photo);
    let photo = if path.exists() {
        add_photos(store, std::slice::from_ref(&path))?.remove(0)
    } else {
        photo.to_string()
    };
    Ok(Signature { role, name, photo })
}

fn types(cli: &Cli, store: &Store, lang: Lang) -> Outcome<()> {
    let mut types = store.case_types()?;
    if !cli.json {
        let t = store.case_taxonomy()?;
        for ty in &mut types {
            ty.label = t.category_label(&ty.code, lang);
        }
    }
    if cli.json {
        out::json(&types);
        return Ok(());
    }
    for t in types {
        let indent = if t.parent.is_some() { "  " } else { "" };
        println!("{indent}{}  {}", t.code, t.label);
    }
    Ok(())
}

fn list(cli: &Cli, store: &Store, lang: Lang, filter: &CaseFilter) -> Outcome<()> {
    let list = store.cases(filter)?;
    if cli.json {
        out::json(&list);
        return Ok(());
    }
    let t = store.case_taxonomy()?;
    for c in list {
        let due = c
            .deadline
            .map(|d| format!("{} {}", Msg::Due.text(lang), fmt_date(d)))
            .unwrap_or_default();
        let overdue = if c.overdue {
            Msg::Overdue.text(lang)
        } else {
            String::new()
        };
        println!(
            "{}  {}  {}  {}  {due}{overdue}",
            c.id,
            c.status.label(lang),
            c.severity.label(lang),
            t.category_label(&c.case_type, lang),
        );
    }
    Ok(())
}

fn show(cli: &Cli, store: &Store, lang: Lang, id: &str) -> Outcome<()> {
    let d = store.case(id)?;
    if cli.json {
        out::json(&d);
        return Ok(());
    }
    let c = &d.case;
    let label = store.case_taxonomy()?.category_label(&c.case_type, lang);
    println!("{}  {label}  {}", c.id, c.status.label(lang));
    println!("{}", c.description);
    // The level by its grid's name where this device holds it, else its code.
    let owner = gridfield_core::case::owner_code(&c.owner_path);
    let owner_name = store
        .grid(owner)?
        .map_or_else(|| owner.to_string(), |g| g.name);
    out::row(Msg::CaseOwner, lang, owner_name);
    if let Some(dl) = c.deadline {
        out::row(Msg::Due, lang, fmt_date(dl));
    }
    if let Some(dispute) = &c.dispute {
        for s in &dispute.sessions {
            out::row(
                Msg::Mediation,
                lang,
                format!(
                    "{}  {}  {}  {}",
                    fmt_time(s.at),
                    s.place,
                    s.outcome.label(lang),
                    s.note
                ),
            );
        }
        if let Some(a) = &dispute.agreement {
            out::row(Msg::Agreement, lang, &a.terms);
        }
    }
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
    let allowed: Vec<&str> = d.allowed.iter().map(|a| a.label(lang)).collect();
    out::row(Msg::CaseAllowed, lang, allowed.join(" "));
    Ok(())
}
