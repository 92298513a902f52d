//! `gridfield-server admin points-rules …` (the 积分 rules, loaded from a file and
//! validated line by line), `admin shop …` (designated shops, 商户) and
//! `admin points-opt-out` (keep a volunteer's name off the leaderboard).

use std::path::PathBuf;

use clap::Subcommand;
use gridfield_server::ApiError;
use gridfield_server::db::Db;
use gridfield_server::rules::now_ms;
use gridfield_server::rules::points;

#[derive(Subcommand)]
pub enum PointsRulesCmd {
    /// Load the rules from a file (`daily_cap`, `tier`, `adjust` and `points`
    /// lines); nothing changes if any line is wrong, and each wrong line is named.
    Load { file: PathBuf },
    /// Print the rules in force as JSON.
    Show,
}

#[derive(Subcommand)]
pub enum ShopCmd {
    /// Register a shop (or rename one).
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    /// One line per shop: code and name.
    List {
        #[arg(long)]
        json: bool,
    },
}

fn to_json(v: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string_pretty(v).map_err(|e| ApiError::internal(e.to_string()))
}

pub fn rules(db: &Db, cmd: PointsRulesCmd) -> Result<(), ApiError> {
    gridfield_server::admin::ensure_templates(db)?;
    match cmd {
        PointsRulesCmd::Load { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                ApiError::bad_request("unreadable_file", format!("{}: {e}", file.display()))
            })?;
            let r = db.write_as(|tx| points::load_rules(tx, &text, now_ms()))?;
            println!(
                "points rules loaded: daily cap {}, tier {}, adjust ±{}, {} categories",
                r.daily_cap,
                r.tier,
                r.adjust,
                r.by_category.len()
            );
        }
        PointsRulesCmd::Show => println!("{}", to_json(&db.read_as(points::rules)?)?),
    }
    Ok(())
}

pub fn shop(db: &Db, cmd: ShopCmd) -> Result<(), ApiError> {
    match cmd {
        ShopCmd::Add { code, name } => {
            db.write_as(|tx| points::add_shop(tx, &code, &name, now_ms()))?;
            println!("shop {} saved", code.trim());
        }
        ShopCmd::List { json } => {
            let all = db.read_as(points::shops)?;
            if json {
                let v: Vec<_> = all
                    .iter()
                    .map(|(c, n)| serde_json::json!({ "code": c, "name": n }))
                    .collect();
                println!("{}", to_json(&v)?);
            } else {
                for (c, n) in all {
                    println!("{c}\t{n}");
                }
            }
        }
    }
    Ok(())
}

/// `admin points-adjust`: a deduction or correction in the ledger (audited).
pub fn adjust(db: &Db, user: &str, points: i64, reason: &str) -> Result<(), ApiError> {
    let e = db.write_as(|tx| {
        let e = points::adjust(tx, "admin", user, points, reason, now_ms())?;
        gridfield_server::rules::audit::audit(
            tx,
            "admin",
            None,
            "points_adjust",
            "points",
            &e.id,
            Some(&serde_json::json!({ "volunteer": user, "points": points })),
        )?;
        Ok::<_, gridfield_server::rules::Error>(e)
    })?;
    println!(
        "{} {} {:+}, balance {}",
        e.kind.as_str(),
        e.id,
        e.points,
        db.read_as(|tx| points::balance(tx, user))?
    );
    Ok(())
}

pub fn opt_out(db: &Db, user: &str, undo: bool) -> Result<(), ApiError> {
    db.write_as(|tx| points::set_opt_out(tx, user, !undo, now_ms()))?;
    Ok(())
}
