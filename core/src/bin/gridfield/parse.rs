//! The command line in the user's language: the clap tree comes from the derive,
//! its texts (about, argument help, headings, usage) are set from the catalog at
//! run time, and clap's parse errors are printed from the catalog by kind.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};
use gridfield_core::Lang;

use crate::Cli;
use crate::catalog::{Help, Msg, help};

/// The language asked for before parsing: `--lang` on the command line, else
/// `GRIDFIELD_LANG`, else Chinese. (The store's own setting needs the store open,
/// which help and parse errors must not wait for.)
pub fn lang_from_args(args: &[OsString]) -> Option<Lang> {
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--lang" {
            return it.next().and_then(|v| Lang::parse(&v));
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return Lang::parse(v);
        }
    }
    std::env::var("GRIDFIELD_LANG")
        .ok()
        .and_then(|v| Lang::parse(&v))
}

/// The whole command tree, every text in `lang`.
pub fn command(lang: Lang) -> Command {
    let mut cmd = localize(Cli::command(), "", lang)
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(Msg::VersionFlag.text(lang))
                .help_heading(fixed(Msg::Options, lang)),
        );
    cmd.build();
    with_usage(cmd, lang)
}

fn localize(mut cmd: Command, path: &str, lang: Lang) -> Command {
    if let Some(h) = help::for_command(path) {
        cmd = cmd.about(h.text(lang));
    }
    let template = format!(
        "{{about-with-newline}}\n{}: {{usage}}\n\n{{all-args}}{{after-help}}",
        Msg::UsageHeading.text(lang)
    );
    cmd = cmd
        .help_template(template)
        .subcommand_help_heading(fixed(Msg::Commands, lang))
        .subcommand_value_name(fixed(Msg::CommandPlaceholder, lang))
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(Msg::HelpFlag.text(lang))
                .help_heading(fixed(Msg::Options, lang)),
        );
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .filter(|id| id != "help")
        .collect();
    for id in ids {
        let help = help::for_arg(path, &id);
        cmd = cmd.mut_arg(&id, |a| localize_arg(a, help, lang));
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |s| localize(s, &sub_path, lang));
    }
    cmd
}

/// Help text plus default, environment variable and possible values, which clap
/// would otherwise add in English.
fn localize_arg(arg: Arg, help: Option<Help>, lang: Lang) -> Arg {
    let mut extra = Vec::new();
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect();
    // A flag's true/false is clap's detail, not something a person types.
    if !values.is_empty() && arg.get_action().takes_values() {
        let sep = lang.pick("、", ", ");
        extra.push(
            Msg::PossibleValues {
                list: values.join(sep),
            }
            .text(lang),
        );
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        extra.push(
            Msg::Default {
                value: defaults.join(" "),
            }
            .text(lang),
        );
    }
    if let Some(env) = arg.get_env() {
        let name = env.to_string_lossy().into_owned();
        extra.push(Msg::EnvVar { name }.text(lang));
    }
    let mut text = help.map(|h| h.text(lang).to_string()).unwrap_or_default();
    if !extra.is_empty() {
        text = match lang {
            Lang::Zh => format!("{text}（{}）", extra.join("；")),
            Lang::En => format!("{text} [{}]", extra.join("; ")),
        };
    }
    let heading = if arg.is_positional() {
        Msg::Arguments
    } else {
        Msg::Options
    };
    let takes_values = arg.get_action().takes_values();
    let has_env = arg.get_env().is_some();
    let arg = arg.help(text).help_heading(fixed(heading, lang));
    let arg = if takes_values {
        arg.hide_possible_values(true).hide_default_value(true)
    } else {
        arg
    };
    if has_env { arg.hide_env(true) } else { arg }
}

/// Usage lines with localized placeholders, and the generated `help` subcommands'
/// about. Needs the built tree (usage depends on propagated arguments).
fn with_usage(mut cmd: Command, lang: Lang) -> Command {
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .strip_prefix("Usage: ")
        .unwrap_or(&usage)
        .replace("[OPTIONS]", &Msg::OptionsPlaceholder.text(lang));
    cmd = cmd.override_usage(usage);
    if cmd.get_name() == "help" {
        cmd = cmd.about(Msg::HelpCommand.text(lang));
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(&name, |s| with_usage(s, lang));
    }
    cmd
}

/// Prints help, the version, or the parse error in `lang`; the exit code is clap's.
pub fn report_error(e: clap::Error, lang: Lang) -> ExitCode {
    let code = ExitCode::from(e.exit_code() as u8);
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return code;
        }
        _ => {}
    }
    let text = |k: ContextKind| e.get(k).map(context_text).unwrap_or_default();
    let arg = text(ContextKind::InvalidArg);
    let msg = match e.kind() {
        ErrorKind::UnknownArgument => Msg::UnknownArgument { arg },
        ErrorKind::InvalidSubcommand => Msg::UnknownCommand {
            name: text(ContextKind::InvalidSubcommand),
        },
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => Msg::InvalidValue {
            arg,
            value: text(ContextKind::InvalidValue),
        },
        ErrorKind::MissingRequiredArgument => Msg::MissingArguments { args: arg },
        ErrorKind::MissingSubcommand => Msg::MissingCommand,
        ErrorKind::ArgumentConflict => Msg::ArgumentConflict {
            arg,
            other: text(ContextKind::PriorArg),
        },
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            Msg::ValueCount { arg }
        }
        ErrorKind::NoEquals => Msg::NoEquals { arg },
        ErrorKind::InvalidUtf8 => Msg::InvalidUtf8,
        _ => Msg::ParseFailed,
    };
    let mut out = format!("{}: {}\n", Msg::ErrorPrefix.text(lang), msg.text(lang));
    let valid = text(ContextKind::ValidValue);
    if !valid.is_empty() {
        let list = valid.replace(", ", lang.pick("、", ", "));
        out += &format!("  {}\n", Msg::PossibleValues { list }.text(lang));
    }
    for k in [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand] {
        let suggestion = text(k);
        if !suggestion.is_empty() {
            out += &format!("  {}\n", Msg::DidYouMean { suggestion }.text(lang));
        }
    }
    let usage = text(ContextKind::Usage);
    if let Some(usage) = usage.strip_prefix("Usage: ") {
        out += &format!("\n{}: {usage}\n", Msg::UsageHeading.text(lang));
    }
    out += &format!("\n{}\n", Msg::MoreInfo.text(lang));
    eprint!("{out}");
    code
}

/// clap keeps headings and value names as `&'static str` (without its `string`
/// feature); the few the tree needs live for the process anyway.
fn fixed(msg: Msg, lang: Lang) -> &'static str {
    msg.text(lang).leak()
}

fn context_text(v: &ContextValue) -> String {
    match v {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(list) => list.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(list) => list
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and argument has its text in the catalog, or `--help` would
    /// show a blank.
    fn walk(cmd: &Command, path: &str) {
        assert!(help::for_command(path).is_some(), "no about for {path:?}");
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            assert!(
                help::for_arg(path, id).is_some(),
                "no help for {path:?} {id}"
            );
        }
        for s in cmd.get_subcommands() {
            let sub = if path.is_empty() {
                s.get_name().to_string()
            } else {
                format!("{path} {}", s.get_name())
            };
            walk(s, &sub);
        }
    }

    #[test]
    fn every_command_and_argument_has_help() {
        walk(&Cli::command(), "");
    }

    #[test]
    fn lang_comes_from_the_command_line() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            lang_from_args(&args(&["gridfield", "--lang", "en", "sync"])),
            Some(Lang::En)
        );
        assert_eq!(
            lang_from_args(&args(&["gridfield", "status", "--lang=zh"])),
            Some(Lang::Zh)
        );
    }
}
