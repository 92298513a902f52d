//! Making this directory a device: `init` offline, `enroll` with a server's
//! one-time code, `reenroll` the existing data after a clone was detected.

use std::process::ExitCode;

use clap::Args;
use gridfield_core::model::Role;
use gridfield_core::plate::IssuerPublicKey;
use gridfield_core::{Error, Identity, Lang, Store};

use crate::Cli;
use crate::catalog::Msg;
use crate::device::{device_name, key_for};
use crate::out::{self, Outcome};

#[derive(Args)]
pub struct InitArgs {
    #[arg(long)]
    user: String,
    #[arg(long, value_parser = ["worker", "volunteer", "supervisor", "department"])]
    role: String,
    #[arg(long)]
    grid: String,
    #[arg(long)]
    grid_path: Option<String>,
    #[arg(long)]
    department: Option<String>,
    #[arg(long)]
    device_id: Option<String>,
    #[arg(long)]
    issuer_key: Option<String>,
}

#[derive(Args)]
pub struct EnrollArgs {
    #[arg(long)]
    server: String,
    #[arg(long)]
    code: String,
    #[arg(long)]
    name: Option<String>,
}

#[derive(Args)]
pub struct ReenrollArgs {
    #[arg(long)]
    code: String,
    #[arg(long)]
    name: Option<String>,
}

pub fn init(cli: &Cli, a: &InitArgs) -> Outcome<ExitCode> {
    if Store::exists(&cli.data) {
        return Err(Error::AlreadyInitialised(cli.data.clone()).into());
    }
    let issuer = a
        .issuer_key
        .as_deref()
        .map(IssuerPublicKey::from_hex)
        .transpose()?;
    let role = Role::parse(&a.role).ok_or_else(|| Msg::BadRole {
        value: a.role.clone(),
    })?;
    let key = key_for(&cli.data, true)?;
    let identity = Identity {
        device_id: a
            .device_id
            .clone()
            .unwrap_or_else(gridfield_core::store::new_id),
        user: a.user.clone(),
        role,
        grid_scope: a.grid.clone(),
    };
    let store = Store::init(&cli.data, &key, identity)?;
    if let Some(k) = issuer {
        store.trust_issuer(k)?;
    }
    if let Some(p) = &a.grid_path {
        store.set_case_scope(&gridfield_core::store::CaseScope {
            grid_path: p.clone(),
            department: a.department.clone(),
        })?;
    }
    let lang = cli.lang.as_deref().and_then(Lang::parse);
    if let Some(l) = lang {
        store.set_lang(l)?;
    }
    if cli.json {
        out::json(&store.identity());
    } else {
        let id = store.identity().device_id.clone();
        println!(
            "{}",
            Msg::DeviceInitialised { id }.text(lang.unwrap_or_default())
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn enroll(cli: &Cli, a: &EnrollArgs) -> Outcome<ExitCode> {
    // Refuse before contacting the server (and before creating a key file).
    if Store::exists(&cli.data) {
        return Err(Error::AlreadyInitialised(cli.data.clone()).into());
    }
    let key = key_for(&cli.data, true)?;
    let name = device_name(&a.name);
    let store = gridfield_core::sync::enroll(&cli.data, &key, &a.server, &a.code, &name)?;
    let lang = cli.lang.as_deref().and_then(Lang::parse);
    if let Some(l) = lang {
        store.set_lang(l)?;
    }
    let lang = lang.unwrap_or_default();
    let id = store.identity();
    if cli.json {
        out::json(id);
    } else {
        let device = id.device_id.clone();
        println!("{}", Msg::DeviceEnrolled { id: device }.text(lang));
        println!(
            "  {}: {}  {}: {}  {}: {}",
            Msg::User.text(lang),
            id.user,
            Msg::Role.text(lang),
            id.role.label(lang),
            Msg::Grid.text(lang),
            id.grid_scope
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reenroll(cli: &Cli, a: &ReenrollArgs, lang: Option<Lang>) -> Outcome<ExitCode> {
    if !Store::exists(&cli.data) {
        return Err(Error::NotInitialised(cli.data.clone()).into());
    }
    let key = key_for(&cli.data, false)?;
    let name = device_name(&a.name);
    let store = gridfield_core::sync::reenroll(&cli.data, &key, &a.code, &name)?;
    let lang = match lang {
        Some(l) => l,
        None => store.lang()?,
    };
    let id = store.identity();
    if cli.json {
        out::json(id);
    } else {
        let device = id.device_id.clone();
        println!("{}", Msg::DeviceReenrolled { id: device }.text(lang));
    }
    Ok(ExitCode::SUCCESS)
}
