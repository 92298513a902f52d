//! 走访 (visits): what the visit plan says is due, computed offline from the rules
//! the last sync brought and the inspections on this device — the day's list in
//! walking order, or what is planned at one address (a scanned door plate).

use clap::{Args, Subcommand};
use gridfield_core::visit::{DueVisit, Window};
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::out::{self, Outcome};

#[derive(Subcommand)]
pub enum VisitsCmd {
    /// Overdue and due today; `--week` adds the rest of the week, `--overdue` keeps only overdue.
    Due(DueArgs),
    /// Everything planned at an address, whenever due.
    At { code: String },
}

#[derive(Args)]
pub struct DueArgs {
    #[arg(long, conflicts_with = "week")]
    overdue: bool,
    #[arg(long)]
    week: bool,
}

pub fn run(cli: &Cli, store: &Store, lang: Lang, cmd: &VisitsCmd) -> Outcome<()> {
    let list = match cmd {
        VisitsCmd::Due(a) => store.visits_due(match (a.overdue, a.week) {
            (true, _) => Window::Overdue,
            (_, true) => Window::Week,
            _ => Window::Today,
        })?,
        VisitsCmd::At { code } => store.visits_at(code)?,
    };
    if cli.json {
        out::json(&list);
        return Ok(());
    }
    if store.visit_rules()?.is_none() {
        println!("{}", Msg::NoVisitRules.text(lang));
        return Ok(());
    }
    if list.is_empty() {
        println!("{}", Msg::NoVisitsDue.text(lang));
    }
    for d in &list {
        println!("{}", line(d, lang));
    }
    Ok(())
}

fn line(d: &DueVisit, lang: Lang) -> String {
    let overdue = if d.days_overdue > 0 {
        Msg::DaysOverdue {
            days: d.days_overdue,
        }
        .text(lang)
    } else {
        String::new()
    };
    let never = if d.never_visited {
        Msg::NeverVisited.text(lang)
    } else {
        String::new()
    };
    format!(
        "{}  {}  {}  {}  {}  {} {}{overdue}{never}",
        d.bucket.label(lang),
        d.address_text,
        d.kind.label(lang),
        d.entity_id,
        d.template,
        Msg::Due.text(lang),
        d.due,
    )
}
