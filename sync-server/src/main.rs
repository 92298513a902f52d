//! `gridfield-server`: serve, and admin tasks.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use gridfield_core::model::{Grid, Role};
use gridfield_server::db::Db;
use gridfield_server::{ApiError, Server, admin, demo, rules};

mod boundary_cmd;
mod case_cmd;
mod plates_cmd;
mod points_cmd;
mod taxonomy_cmd;
mod template_cmd;
mod visit_cmd;

#[derive(Parser)]
#[command(
    name = "gridfield-server",
    version,
    about = "网格通 sync server: enrollment, sync, photos, admin"
)]
struct Cli {
    /// SQLite file (embedded, the default) or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "GRIDFIELD_DB",
        default_value = "gridfield-server.db"
    )]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API.
    Serve {
        /// Seed a demo district (on an empty database) and print enrollment codes.
        #[arg(long)]
        demo: bool,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Addresses per grid in the demo district.
        #[arg(long, default_value_t = 500)]
        demo_addresses: u32,
        /// Mark the console's session cookie `Secure` (when served behind HTTPS).
        #[arg(long, env = "GRIDFIELD_SECURE_COOKIE")]
        secure_cookie: bool,
        /// An overdue hazard escalates one grid level up per this many hours past its deadline.
        #[arg(long, default_value_t = 48)]
        escalate_after_hours: i64,
        /// Reports at one address and of one category filed within this many hours
        /// of each other are flagged as possible duplicates in the report inbox.
        #[arg(long, default_value_t = 72)]
        duplicate_window_hours: i64,
        /// Inspections shorter than this many minutes are flagged in the review queue.
        #[arg(long, env = "GRIDFIELD_MIN_INSPECTION_MINUTES", default_value_t = 5)]
        min_inspection_minutes: i64,
        /// A reverse proxy in front of the server (repeatable): only from these
        /// addresses is `X-Forwarded-For` believed, for throttling and the audit trail.
        #[arg(long = "trusted-proxy", value_name = "IP")]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// The console map's base-map tiles, a URL template such as
        /// `https://t0.tianditu.gov.cn/…&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}`;
        /// without one the map draws the grid polygons alone.
        #[arg(long, env = "GRIDFIELD_MAP_TILES", value_name = "URL_TEMPLATE")]
        map_tiles: Option<String>,
    },
    /// Administration.
    #[command(subcommand)]
    Admin(AdminCmd),
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Add (or rename) a grid.
    GridAdd {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        level: u32,
        #[arg(long)]
        parent: Option<String>,
    },
    /// Import grids from CSV: code,name,level,parent_code
    ImportGrids { file: PathBuf },
    /// Add or update a user.
    UserAdd {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["worker", "volunteer", "supervisor", "admin", "department"])]
        role: String,
        #[arg(long)]
        grid: String,
        /// The department (职能部门) a `department` user works for.
        #[arg(long, required_if_eq("role", "department"))]
        department: Option<String>,
    },
    /// Issue a single-use enrollment code bound to a user, a role and a grid subtree.
    EnrollCode {
        #[arg(long)]
        user: String,
        #[arg(long, value_parser = ["worker", "volunteer", "supervisor", "admin", "department"])]
        role: String,
        #[arg(long)]
        grid: String,
        #[arg(long, default_value_t = 72)]
        ttl_hours: i64,
    },
    /// Import door plates (standard addresses) from CSV:
    /// code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon
    ImportPlates {
        file: PathBuf,
        #[arg(long)]
        no_progress: bool,
    },
    /// Sign the door plates of a grid subtree: address_code, serial, QR text per line.
    SignPlates {
        #[arg(long)]
        grid: String,
        #[arg(long)]
        out: Option<PathBuf>,
        /// This server's public address (`https://<host>`) that the plates' URLs point
        /// to; remembered, so later runs and the printable sheets may omit it.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Print the plate issuer's public key (hex) for devices to trust.
    IssuerKey,
    /// Plates installed before Gridfield (旧门牌): import-legacy.
    #[command(subcommand)]
    Plates(plates_cmd::PlatesCmd),
    /// Grid polygons (网格边界) for the console's map: import (GeoJSON), show.
    #[command(subcommand)]
    GridBoundaries(boundary_cmd::BoundaryCmd),
    /// Revoke a device: its token stops working at once.
    Revoke { device_id: String },
    /// Create or update a supervisor or admin with a console password, read from
    /// the first line of standard input (so it never shows in the process list).
    ConsoleUser {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["supervisor", "admin", "department"])]
        role: String,
        #[arg(long)]
        grid: String,
        /// The department (职能部门) a `department` user works for.
        #[arg(long, required_if_eq("role", "department"))]
        department: Option<String>,
    },
    /// Export every record as JSON lines, one file per kind.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// Record that this database was restored from a backup: a new epoch starts,
    /// and every device re-uploads on its next sync what the backup lacks.
    RecordRestore {
        #[arg(long)]
        note: Option<String>,
    },
    /// Restores recorded (by an admin or detected from a device), and what each
    /// device re-uploaded after them.
    Restores {
        #[arg(long)]
        json: bool,
    },
    /// The tamper-evident audit trail: verify its chain, export it.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Taxonomies (hazard categories and severities): list, add, retire.
    #[command(subcommand)]
    Taxonomy(taxonomy_cmd::TaxonomyCmd),
    /// Departments (职能部门) cases are dispatched to: add, list.
    #[command(subcommand)]
    Department(case_cmd::DepartmentCmd),
    /// Case routing rules (分级分类推送): load from JSON (validated), show.
    #[command(subcommand)]
    CaseRules(case_cmd::CaseRulesCmd),
    /// Checklist templates (检查表模板): validate, publish to a grid subtree, retire, list.
    #[command(subcommand)]
    Template(template_cmd::TemplateCmd),
    /// Visit rules (走访计划): load from a file (checked line by line), show.
    #[command(subcommand)]
    VisitRules(visit_cmd::VisitRulesCmd),
    /// 积分 rules: load from a file (validated, errors by line), show.
    #[command(subcommand)]
    PointsRules(points_cmd::PointsRulesCmd),
    /// Designated shops (商户) where vouchers are spent: add, list.
    #[command(subcommand)]
    Shop(points_cmd::ShopCmd),
    /// A deduction (negative points) or correction (positive) in a volunteer's
    /// ledger, with a reason; the balance never goes below zero.
    PointsAdjust {
        #[arg(long)]
        user: String,
        #[arg(long, allow_hyphen_values = true)]
        points: i64,
        #[arg(long)]
        reason: String,
    },
    /// Keep a volunteer's name off the points leaderboard (`--undo` to name them again).
    PointsOptOut {
        user: String,
        #[arg(long)]
        undo: bool,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the hash chain; name the first edited, deleted or inserted row and
    /// exit non-zero. Prints the head to record elsewhere.
    Verify,
    /// Export audit rows as CSV (formula-safe cells), in chain order.
    Export {
        /// From this day (2026-03-01, China Standard Time) or RFC 3339 instant.
        #[arg(long)]
        since: Option<String>,
        /// Until this day (inclusive) or RFC 3339 instant (exclusive).
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        action: Option<String>,
        /// The record's kind (address, person, user, device, …).
        #[arg(long)]
        kind: Option<String>,
        /// The record's id.
        #[arg(long)]
        entity: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
}

fn role(s: &str) -> Role {
    Role::parse(s).expect("clap restricts the values")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
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
    match cli.command {
        Command::Serve {
            demo,
            listen,
            demo_addresses,
            secure_cookie,
            escalate_after_hours,
            duplicate_window_hours,
            min_inspection_minutes,
            trusted_proxies,
            map_tiles,
        } => {
            let map_tiles = gridfield_server::console::MapTiles::parse(map_tiles.as_deref())?;
            let console = gridfield_server::console::Config {
                map_tiles,
                secure_cookie,
                escalate_after_ms: escalate_after_hours.max(1) * 3600 * 1000,
                duplicate_window_ms: duplicate_window_hours.max(0) * 3600 * 1000,
                min_inspection_ms: min_inspection_minutes.max(0) * 60 * 1000,
                ..Default::default()
            };
            serve(
                db,
                demo,
                listen,
                demo_addresses,
                console,
                trusted_proxies,
                &cli.db,
            )
        }
        Command::Admin(cmd) => admin_cmd(db, cmd),
    }
}

fn serve(
    db: Db,
    demo_mode: bool,
    listen: SocketAddr,
    per_grid: u32,
    console: gridfield_server::console::Config,
    trusted_proxies: Vec<std::net::IpAddr>,
    target: &str,
) -> Result<(), ApiError> {
    admin::ensure_templates(&db)?;
    let mut server = Server::new(db)?;
    server.console = console;
    server.trusted_proxies = trusted_proxies;
    let server = Arc::new(server);
    let codes = if demo_mode {
        demo::seed(&server, per_grid)?
    } else {
        None
    };
    let rt = tokio::runtime::Runtime::new().map_err(|e| ApiError::internal(e.to_string()))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| ApiError::internal(format!("bind {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        println!(
            "gridfield-server listening on http://{addr} ({} at {target})",
            server.db.backend()
        );
        if let Some(d) = codes {
            println!("demo district seeded; enrollment codes (single use, 7 days):");
            for (name, role, grid, code) in d.codes {
                println!("  {name}\t{}\t{grid}\t{code}", role.as_str());
            }
            println!("supervisor console: http://{addr}/console (user / password):");
            for (name, password) in d.console {
                println!("  {name}\t{password}");
            }
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        gridfield_server::launch_with_listener(
            listener,
            server,
            gridfield_server::shutdown_signal(),
        )
        .await
        .map_err(|e| ApiError::internal(e.to_string()))
    })
}

/// The department a user works for (only `department` users name one).
fn works_for(
    tx: &mut dyn gridfield_server::db::Tx,
    user: &str,
    role: Role,
    department: Option<&str>,
) -> rules::Result<()> {
    match department {
        Some(_) if role != Role::Department => Err(rules::Error::invalid(
            "not_a_department_user",
            "只有职能部门账号才能指定部门 (only department users name a department)",
        )),
        Some(d) => rules::cases::set_user_department(tx, user, d),
        None => Ok(()),
    }
}

fn admin_cmd(db: Db, cmd: AdminCmd) -> Result<(), ApiError> {
    match cmd {
        AdminCmd::Taxonomy(cmd) => taxonomy_cmd::run(&db, cmd)?,
        AdminCmd::Plates(cmd) => plates_cmd::run(&db, cmd)?,
        AdminCmd::GridBoundaries(cmd) => boundary_cmd::run(&db, cmd)?,
        AdminCmd::Department(cmd) => case_cmd::department(&db, cmd)?,
        AdminCmd::CaseRules(cmd) => case_cmd::case_rules(&db, cmd)?,
        AdminCmd::Template(cmd) => template_cmd::run(&db, cmd)?,
        AdminCmd::VisitRules(cmd) => visit_cmd::run(&db, cmd)?,
        AdminCmd::PointsRules(cmd) => points_cmd::rules(&db, cmd)?,
        AdminCmd::Shop(cmd) => points_cmd::shop(&db, cmd)?,
        AdminCmd::PointsOptOut { user, undo } => points_cmd::opt_out(&db, &user, undo)?,
        AdminCmd::PointsAdjust {
            user,
            points,
            reason,
        } => points_cmd::adjust(&db, &user, points, &reason)?,
        AdminCmd::GridAdd {
            code,
            name,
            level,
            parent,
        } => {
            db.write_as(|tx| {
                rules::grids::add_grid(
                    tx,
                    &Grid {
                        code: code.clone(),
                        name,
                        level,
                        parent_code: parent,
                    },
                )
            })?;
            println!("grid {code} saved");
        }
        AdminCmd::ImportGrids { file } => print_report(admin::import_grids(&db, &file)?, "grids")?,
        AdminCmd::UserAdd {
            name,
            role: r,
            grid,
            department,
        } => {
            db.write_as(|tx| {
                rules::grids::add_user(tx, &name, role(&r), &grid)?;
                works_for(tx, &name, role(&r), department.as_deref())
            })?;
            println!("user {name} saved");
        }
        AdminCmd::EnrollCode {
            user,
            role: r,
            grid,
            ttl_hours,
        } => {
            let code = db.write_as(|tx| {
                if role(&r) == Role::Department {
                    rules::cases::check_department_user(tx, &user)?;
                }
                rules::enrollment::create_enroll_code(
                    tx,
                    &user,
                    role(&r),
                    &grid,
                    ttl_hours * 3600 * 1000,
                )
            })?;
            println!("{code}");
        }
        AdminCmd::ImportPlates { file, no_progress } => {
            admin::ensure_templates(&db)?;
            print_report(admin::import_plates(&db, &file, !no_progress)?, "plates")?
        }
        AdminCmd::SignPlates {
            grid,
            out,
            base_url,
        } => {
            let base_url = base_url.as_deref();
            let n = match out {
                Some(p) => {
                    let mut f =
                        std::fs::File::create(&p).map_err(|e| ApiError::internal(e.to_string()))?;
                    admin::sign_plates(&db, &grid, base_url, &mut f)?
                }
                None => admin::sign_plates(&db, &grid, base_url, &mut std::io::stdout().lock())?,
            };
            eprintln!("signed {} plates", n.signed);
            if n.oversized > 0 {
                eprintln!(
                    "warning: {} of them need a QR code larger than version {} (error \
                     correction M), too dense for a small plate: the host in --base-url is too \
                     long (a host of at most 12 characters always fits)",
                    n.oversized,
                    admin::PLATE_QR_MAX_VERSION
                );
            }
        }
        AdminCmd::IssuerKey => println!(
            "{}",
            db.write_as(rules::plates::issuer_public_key)?.to_hex()
        ),
        AdminCmd::Revoke { device_id } => {
            db.write_as(|tx| rules::enrollment::revoke_device(tx, &device_id))?;
            println!(
                "device {device_id} revoked; on its next contact with the server it wipes its \
                 local store and photos, and records it has not synced are lost (the server \
                 refuses anything from a revoked device)"
            );
        }
        AdminCmd::ConsoleUser {
            name,
            role: r,
            grid,
            department,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let password = password.trim_end_matches(['\r', '\n']);
            db.write(|tx| {
                rules::grids::add_user(tx, &name, role(&r), &grid)?;
                works_for(tx, &name, role(&r), department.as_deref())?;
                gridfield_server::console::auth::set_password(tx, &name, password)
            })?;
            println!("console user {name} saved");
        }
        AdminCmd::Export { out } => {
            for (kind, n) in admin::export(&db, &out)? {
                println!("{kind}\t{n}");
            }
        }
        AdminCmd::RecordRestore { note } => {
            let epoch = db.write(|tx| {
                gridfield_server::restore::record_restore(tx, "admin", note.as_deref(), None)
            })?;
            println!("restore recorded: epoch {epoch}; devices re-upload on their next sync");
        }
        AdminCmd::Audit(cmd) => audit_cmd(&db, cmd)?,
        AdminCmd::Restores { json } => {
            let rows = db.read(gridfield_server::restore::restores)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&rows)
                        .map_err(|e| ApiError::internal(e.to_string()))?
                );
                return Ok(());
            }
            for r in &rows {
                println!(
                    "epoch {}\t{}\t{}\thead seq {}{}{}",
                    r.epoch,
                    r.at,
                    r.source,
                    r.head_seq,
                    r.detected_by
                        .as_deref()
                        .map(|d| format!("\tdetected by {d}"))
                        .unwrap_or_default(),
                    r.note
                        .as_deref()
                        .map(|n| format!("\t{n}"))
                        .unwrap_or_default()
                );
                for (dev, (ops, applied)) in &r.reuploads {
                    println!("  {dev}\tre-uploaded {ops} ops, {applied} applied again");
                }
            }
        }
    }
    Ok(())
}

fn audit_cmd(db: &Db, cmd: AuditCmd) -> Result<(), ApiError> {
    match cmd {
        AuditCmd::Verify => {
            let v = admin::audit_verify(db)?;
            match v.broken {
                None => println!(
                    "audit chain intact: {} rows, head {} {}",
                    v.rows, v.head_seq, v.head_hash
                ),
                Some(b) => {
                    return Err(ApiError::bad_request("audit_chain_broken", b.message()));
                }
            }
        }
        AuditCmd::Export {
            since,
            until,
            actor,
            action,
            kind,
            entity,
            out,
        } => {
            let f = rules::audit::Filter {
                since: since
                    .as_deref()
                    .map(|s| admin::parse_instant(s, false))
                    .transpose()?,
                until: until
                    .as_deref()
                    .map(|s| admin::parse_instant(s, true))
                    .transpose()?,
                actor,
                action,
                kind,
                entity_id: entity,
            };
            let n = admin::audit_export(db, &f, &out)?;
            println!("exported {n} audit rows to {}", out.display());
        }
    }
    Ok(())
}

fn print_report(r: admin::ImportReport, what: &str) -> Result<(), ApiError> {
    println!("imported {} {what}", r.imported);
    for e in &r.errors {
        eprintln!("line {}: {}", e.line, e.reason);
    }
    if r.errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "rows_rejected",
            format!("{} rows rejected (see above)", r.errors.len()),
        ))
    }
}
