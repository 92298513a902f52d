//! `gridfield-server admin visit-rules …`: load the visit rules (走访计划) from a
//! file, checked line by line (nothing is loaded when any line is wrong), and
//! show those in force. Devices get the new version with their next pull.

use std::path::PathBuf;

use clap::Subcommand;
use gridfield_core::i18n::Lang;
use gridfield_core::visit;
use gridfield_server::ApiError;
use gridfield_server::db::Db;
use gridfield_server::rules::visits;

#[derive(Subcommand)]
pub enum VisitRulesCmd {
    /// Load the rules from a file, one a line: `grid,kind,only,every,template`
    /// (e.g. `320583,rental_unit,high,monthly,rental_fire_safety`), replacing
    /// those in force.
    Load {
        file: PathBuf,
        /// The day (YYYY-MM-DD) the plan counts from: an entity never visited is
        /// due one interval after it. Default: today.
        #[arg(long)]
        effective_from: Option<String>,
        /// Language of the errors: zh (default) or en; GRIDFIELD_LANG too.
        #[arg(long)]
        lang: Option<String>,
    },
    /// Print the rules in force as JSON.
    Show,
}

pub fn run(db: &Db, cmd: VisitRulesCmd) -> Result<(), ApiError> {
    gridfield_server::admin::ensure_templates(db)?;
    match cmd {
        VisitRulesCmd::Load {
            file,
            effective_from,
            lang,
        } => {
            let lang = lang
                .or_else(|| std::env::var("GRIDFIELD_LANG").ok())
                .and_then(|l| Lang::parse(&l))
                .unwrap_or(Lang::Zh);
            let text = std::fs::read_to_string(&file).map_err(|e| {
                ApiError::bad_request("unreadable_file", format!("{}: {e}", file.display()))
            })?;
            let from = match effective_from {
                None => None,
                Some(d) => Some(
                    chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                        .map(|d| visit::day_start_ms((d - chrono::NaiveDate::default()).num_days()))
                        .map_err(|_| {
                            ApiError::bad_request(
                                "bad_date",
                                lang.pick("日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD"),
                            )
                        })?,
                ),
            };
            match db.write_as(|tx| visits::load_file(tx, &text, from))? {
                Ok(doc) => println!(
                    "{}",
                    match lang {
                        Lang::Zh => format!(
                            "已载入 {} 条走访规则（版本 {}）",
                            doc.rules.len(),
                            doc.version
                        ),
                        Lang::En => format!(
                            "{} visit rules loaded (version {})",
                            doc.rules.len(),
                            doc.version
                        ),
                    }
                ),
                Err(errors) => {
                    let mut lines: Vec<String> = errors.iter().map(|e| e.text(lang)).collect();
                    lines.push(
                        lang.pick("未载入任何规则", "nothing was loaded")
                            .to_string(),
                    );
                    return Err(ApiError::bad_request(
                        "invalid_visit_rules",
                        lines.join("\n"),
                    ));
                }
            }
        }
        VisitRulesCmd::Show => {
            let doc = db.read_as(visits::load)?;
            let s = serde_json::to_string_pretty(&doc)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            println!("{s}");
        }
    }
    Ok(())
}
