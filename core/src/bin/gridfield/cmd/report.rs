//! Reports (上报) filed by volunteers and workers, and the points (积分) they earn.

use std::path::PathBuf;

use clap::Args;
use gridfield_core::store::NewReport;
use gridfield_core::{Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::cmd::photo::add_photos;
use crate::out::{self, Outcome, fmt_time};

#[derive(Args)]
pub struct ReportArgs {
    #[arg(long, required_unless_present = "plate")]
    address: Option<String>,
    #[arg(long)]
    plate: Option<String>,
    #[arg(long)]
    text: String,
    #[arg(long)]
    photo: Vec<PathBuf>,
    #[command(flatten)]
    location: super::LocationArgs,
}

pub fn report(cli: &Cli, store: &Store, lang: Lang, a: &ReportArgs) -> Outcome<()> {
    // A scanned plate sends the report to its address, even outside this grid.
    let (address_code, address_text) = match (&a.address, &a.plate) {
        (_, Some(p)) => {
            let d = gridfield_core::plate::verify(p, &store.trusted_issuers()?)?.data;
            (d.address_code, Some(d.address_text))
        }
        (Some(c), None) => (c.clone(), None),
        (None, None) => unreachable!("clap requires one"),
    };
    let photos = add_photos(store, &a.photo)?;
    let id = store.file_report(&NewReport {
        location: a.location.point(),
        address_code,
        address_text,
        text: a.text.clone(),
        photos,
    })?;
    if cli.json {
        out::json(&serde_json::json!({ "id": id }));
    } else {
        println!("{}", Msg::ReportSaved { id }.text(lang));
    }
    Ok(())
}

pub fn points(cli: &Cli, store: &Store, lang: Lang) -> Outcome<()> {
    let reports = store.reports()?;
    let points = store.points()?;
    if cli.json {
        out::json(&serde_json::json!({ "points": points, "reports": reports }));
        return Ok(());
    }
    out::row(Msg::Points, lang, points);
    for r in reports {
        println!(
            "  {}  {}  {}  {}",
            fmt_time(r.created_at),
            r.status.label(lang),
            r.address_text,
            r.text
        );
    }
    Ok(())
}
