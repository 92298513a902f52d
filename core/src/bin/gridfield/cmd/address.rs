//! Finding addresses: `search` by any fragment, and `address` for everything at
//! one address (一标多实).

use clap::Args;
use gridfield_core::{Lang, Store};
use serde_json::Value;

use crate::Cli;
use crate::catalog::Msg;
use crate::out::{self, Outcome};

#[derive(Args)]
pub struct SearchArgs {
    query: Vec<String>,
    #[arg(long, default_value_t = 20)]
    limit: u32,
}

#[derive(Args)]
pub struct AddressArgs {
    code: String,
}

pub fn search(cli: &Cli, store: &Store, lang: Lang, a: &SearchArgs) -> Outcome<()> {
    let hits = store.search_addresses(&a.query.join(" "), a.limit)?;
    if cli.json {
        out::json(&hits);
    } else if hits.is_empty() {
        println!("{}", Msg::NoMatchingAddress.text(lang));
    } else {
        for h in hits {
            let serial = h.plate_serial.unwrap_or_default();
            println!("{}  {}  {serial}", h.code, h.full_text);
        }
    }
    Ok(())
}

pub fn address(cli: &Cli, store: &Store, lang: Lang, a: &AddressArgs) -> Outcome<()> {
    let v = store.address_view(&a.code)?;
    if cli.json {
        out::json(&v);
        return Ok(());
    }
    println!("{}  [{}]", v.address.full_text, v.address.code);
    for e in &v.entities {
        let fields = Value::Object(e.fields.clone());
        println!("  {} {}  {fields}", e.kind.label(lang), e.id);
    }
    for i in &v.inspections {
        println!(
            "  {} {} {} {:?}",
            Msg::Inspection.text(lang),
            i.id,
            i.review_status.label(lang),
            i.score
        );
    }
    let categories = store.hazard_taxonomy()?;
    for h in &v.hazards {
        println!(
            "  {} {} {} {}",
            Msg::Hazard.text(lang),
            h.id,
            h.status.label(lang),
            categories.category_label(&h.category, lang)
        );
    }
    let report_categories = store.case_taxonomy()?;
    for r in &v.reports {
        let status = r.status.label(lang);
        let category = r
            .category
            .as_deref()
            .map(|c| format!(" {}", report_categories.category_label(c, lang)))
            .unwrap_or_default();
        println!("  {} {} {status}{category}", Msg::Report.text(lang), r.id);
    }
    Ok(())
}
