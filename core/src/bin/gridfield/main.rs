//! `gridfield`: a headless device on the command line. It owns a data directory
//! exactly like a phone owns its app sandbox, and is how the product is
//! demonstrated and tested without a phone.

mod catalog;
mod cmd;
mod device;
mod out;
mod parse;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{FromArgMatches, Parser};
use gridfield_core::Lang;

/// The global options; every text `--help` shows comes from the catalog
/// (`parse::command`), so nothing here is documented for clap.
#[derive(Parser)]
#[command(name = "gridfield", version)]
pub struct Cli {
    #[arg(
        long,
        global = true,
        env = "GRIDFIELD_DATA",
        default_value = "gridfield-data"
    )]
    pub data: PathBuf,
    #[arg(long, global = true)]
    pub json: bool,
    #[arg(long, global = true, env = "GRIDFIELD_LANG")]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: cmd::Command,
}

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    let ui = parse::lang_from_args(&args).unwrap_or_default();
    let cli = match parse::command(ui)
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return parse::report_error(e, ui),
    };
    let lang = cli.lang.as_deref().and_then(Lang::parse);
    match cmd::run(&cli, lang) {
        Ok(code) => code,
        Err(e) => {
            if let out::Failure::Core(gridfield_core::Error::Revoked) = &e {
                device::forget_key(&cli.data);
            }
            out::error(&e, lang.unwrap_or_default(), cli.json);
            ExitCode::from(1)
        }
    }
}
