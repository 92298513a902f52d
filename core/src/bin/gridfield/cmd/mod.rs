//! The device commands, one file per command group; each group owns its clap
//! arguments and its run function. Here only the list of commands and dispatch.

mod address;
mod case;
mod enroll;
mod entity;
mod hazard;
mod import;
mod inspection;
mod photo;
mod plate;
mod report;
mod status;
mod sync;
mod template;
mod visits;
mod voucher;

use std::process::ExitCode;

use clap::Subcommand;
use gridfield_core::Lang;

use crate::Cli;
use crate::device::open_store;
use crate::out::Outcome;

/// Where the phone is when a record is made (`--lat/--lon`), with the fix's
/// accuracy in metres and the time it was taken (ms since the epoch) when known.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LocationArgs {
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    pub lat: Option<f64>,
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    pub lon: Option<f64>,
    #[arg(long, requires = "lat")]
    pub accuracy: Option<f64>,
    #[arg(long, requires = "lat")]
    pub fixed_at: Option<i64>,
}

impl LocationArgs {
    pub fn point(&self) -> Option<gridfield_core::model::GeoPoint> {
        let (lat, lon) = self.lat.zip(self.lon)?;
        Some(gridfield_core::model::GeoPoint {
            lat,
            lon,
            accuracy_m: self.accuracy,
            fixed_at: self.fixed_at,
        })
    }
}

/// Every command. Their help texts come from `catalog::help`, by command name.
#[derive(Subcommand)]
pub enum Command {
    Init(enroll::InitArgs),
    Status,
    TrustIssuer(plate::TrustIssuerArgs),
    ImportGrids(import::FileArgs),
    ImportAddresses(import::FileArgs),
    Search(address::SearchArgs),
    Address(address::AddressArgs),
    Scan(plate::ScanArgs),
    #[command(subcommand)]
    Entity(entity::EntityCmd),
    #[command(subcommand)]
    Template(template::TemplateCmd),
    Inspect(inspection::InspectArgs),
    Inspections(inspection::InspectionsArgs),
    #[command(subcommand)]
    Hazard(hazard::HazardCmd),
    #[command(subcommand)]
    Case(case::CaseCmd),
    Report(report::ReportArgs),
    Points(report::PointsArgs),
    #[command(subcommand)]
    Voucher(voucher::VoucherCmd),
    Photo(photo::PhotoArgs),
    PhotoGet(photo::PhotoGetArgs),
    Outbox(status::OutboxArgs),
    Enroll(enroll::EnrollArgs),
    Reenroll(enroll::ReenrollArgs),
    Sync,
    Diagnostics,
    #[command(subcommand)]
    Inspection(inspection::InspectionCmd),
    #[command(subcommand)]
    Visits(visits::VisitsCmd),
}

/// Runs the command. `lang` is the one asked for; without it, the store's own.
pub fn run(cli: &Cli, lang: Option<Lang>) -> Outcome<ExitCode> {
    // These create or replace the store, so they run before it is opened.
    match &cli.command {
        Command::Init(a) => return enroll::init(cli, a),
        Command::Enroll(a) => return enroll::enroll(cli, a),
        Command::Reenroll(a) => return enroll::reenroll(cli, a, lang),
        Command::Voucher(voucher::VoucherCmd::Verify(a)) => return voucher::verify(cli, lang, a),
        _ => {}
    }
    let store = open_store(&cli.data)?;
    let lang = match lang {
        Some(l) => l,
        None => store.lang()?,
    };
    let s = &store;
    match &cli.command {
        Command::Init(_) | Command::Enroll(_) | Command::Reenroll(_) => unreachable!(),
        Command::Status => status::status(cli, s, lang)?,
        Command::Diagnostics => status::diagnostics(cli, s, lang)?,
        Command::Outbox(a) => status::outbox(cli, s, lang, a)?,
        Command::Sync => sync::sync(cli, s, lang)?,
        Command::TrustIssuer(a) => plate::trust_issuer(cli, s, lang, a)?,
        Command::Scan(a) => return plate::scan(cli, s, lang, a),
        Command::ImportGrids(a) => import::grids(cli, s, lang, a)?,
        Command::ImportAddresses(a) => import::addresses(cli, s, lang, a)?,
        Command::Search(a) => address::search(cli, s, lang, a)?,
        Command::Address(a) => address::address(cli, s, lang, a)?,
        Command::Entity(c) => entity::run(cli, s, lang, c)?,
        Command::Template(c) => template::run(cli, s, lang, c)?,
        Command::Inspect(a) => inspection::inspect(cli, s, lang, a)?,
        Command::Inspections(a) => inspection::list(cli, s, lang, a)?,
        Command::Inspection(c) => inspection::run(cli, s, lang, c)?,
        Command::Hazard(c) => hazard::run(cli, s, lang, c)?,
        Command::Case(c) => case::run(cli, s, lang, c)?,
        Command::Report(a) => report::report(cli, s, lang, a)?,
        Command::Points(a) => report::points(cli, s, lang, a)?,
        Command::Voucher(voucher::VoucherCmd::Issue(a)) => voucher::issue(cli, s, lang, a)?,
        Command::Voucher(voucher::VoucherCmd::Verify(_)) => unreachable!(),
        Command::Photo(a) => photo::keep(cli, s, a)?,
        Command::PhotoGet(a) => photo::get(cli, s, lang, a)?,
        Command::Visits(c) => visits::run(cli, s, lang, c)?,
    }
    Ok(ExitCode::SUCCESS)
}
