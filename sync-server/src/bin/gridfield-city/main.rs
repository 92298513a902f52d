//! `gridfield-city`: generates the benchmark city (a seeded, deterministic
//! county-level city) into an empty server database. A tool of its own so the
//! production `gridfield-server` binary carries none of it.

mod activity;
mod case_loop;
mod cases;
mod figures;
mod generate;
mod rng;
mod sink;
mod venues;

use std::process::ExitCode;

use clap::Parser;
use gridfield_server::ApiError;
use gridfield_server::db::Db;

#[derive(Parser)]
#[command(
    name = "gridfield-city",
    version,
    about = "网格通 benchmark city: 1,231 grids, 800,000 door plates, their residents and a year of activity and 50,000 cases at scale 1"
)]
struct Cli {
    /// SQLite file (embedded, the default) or a postgres:// URL; must hold no grids yet.
    #[arg(long, env = "GRIDFIELD_DB", default_value = "gridfield-server.db")]
    db: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Print the summary as JSON (counts, a worker's grid, subtrees with their sizes).
    #[arg(long)]
    json: bool,
    #[arg(long)]
    no_progress: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {} ({})", e.message, e.code);
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<(), ApiError> {
    let db = Db::open(&cli.db)?;
    let (seed, scale) = (cli.seed, cli.scale);
    let s = generate::generate(&db, seed, scale, !cli.no_progress && !cli.json)?;
    if cli.json {
        println!(
            "{}",
            serde_json::to_string(&s).map_err(|e| ApiError::internal(e.to_string()))?
        );
    } else {
        println!(
            "城市已生成 city generated: {} records (seed {seed}, scale {scale})",
            s.records
        );
        for (kind, n) in &s.by_kind {
            println!("  {kind}\t{n}");
        }
    }
    Ok(())
}
