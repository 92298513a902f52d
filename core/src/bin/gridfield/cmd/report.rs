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
    /// 上报类别: a category code of the case taxonomy (`gridfield case types`).
    #[arg(long)]
    category: Option<String>,
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
        category: a.category.clone(),
    })?;
    if cli.json {
        out::json(&serde_json::json!({ "id": id }));
    } else {
        println!("{}", Msg::ReportSaved { id }.text(lang));
    }
    Ok(())
}

/// `points`: the balance the server last confirmed, what may still be spent
/// offline, the ledger and the vouchers issued here (offline, from the last sync).
#[derive(Args)]
pub struct PointsArgs {
    /// Keep this volunteer's name off the leaderboard (sent at the next sync).
    #[arg(long, conflicts_with = "show_name")]
    hide_name: bool,
    #[arg(long)]
    show_name: bool,
}

pub fn points(cli: &Cli, store: &Store, lang: Lang, a: &PointsArgs) -> Outcome<()> {
    if a.hide_name || a.show_name {
        store.set_leaderboard_opt_out(a.hide_name)?;
    }
    let reports = store.reports()?;
    let st = store.points_state()?;
    if cli.json {
        out::json(&serde_json::json!({
            "points": st.confirmed_balance,
            "spendable": st.spendable(),
            "entries": st.entries,
            "vouchers": st.issued,
            "synced_at": st.synced_at,
            "reports": reports,
        }));
        return Ok(());
    }
    out::row(Msg::Points, lang, st.confirmed_balance);
    out::row(Msg::Spendable, lang, st.spendable());
    for e in &st.entries {
        println!(
            "  {}  {}  {:+}  {}  {}",
            fmt_time(e.at),
            e.kind.label(lang),
            e.points,
            e.state.label(lang),
            e.reason
        );
    }
    for v in &st.issued {
        println!(
            "  {}  {}  -{}  {}",
            fmt_time(v.issued_at),
            Msg::Voucher.text(lang),
            v.amount,
            v.id
        );
    }
    let categories = store.case_taxonomy()?;
    for r in reports {
        // The category as the taxonomy held names it (未分类 for a code it lacks).
        let category = r
            .category
            .as_deref()
            .map(|c| format!("[{}]  ", categories.category_label(c, lang)))
            .unwrap_or_default();
        println!(
            "  {}  {}  {}{}  {}",
            fmt_time(r.created_at),
            r.status.label(lang),
            category,
            r.address_text,
            r.text
        );
    }
    Ok(())
}
