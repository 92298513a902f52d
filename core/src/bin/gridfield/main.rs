//! `gridfield`: a headless device on the command line. It owns a data directory
//! exactly like a phone owns its app sandbox, and is how the product is
//! demonstrated and tested without a phone.

mod cmd;
mod out;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gridfield_core::Lang;

#[derive(Parser)]
#[command(
    name = "gridfield",
    version,
    about = "网格通 headless device: the phone app's core on the command line"
)]
pub struct Cli {
    /// The device's data directory (database, photos, key).
    #[arg(
        long,
        global = true,
        env = "GRIDFIELD_DATA",
        default_value = "gridfield-data"
    )]
    pub data: PathBuf,
    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Language of messages: zh (default) or en.
    #[arg(long, global = true, env = "GRIDFIELD_LANG")]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: cmd::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = cli.lang.as_deref().and_then(Lang::parse);
    match cmd::run(&cli, lang) {
        Ok(code) => code,
        Err(e) => {
            let lang = lang.unwrap_or_default();
            out::error(&e, lang, cli.json);
            ExitCode::from(1)
        }
    }
}
