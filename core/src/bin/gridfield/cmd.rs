//! The device commands. Each opens the store, does one thing, prints the result.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use gridfield_core::checklist::{Answers, ItemKind, ItemPhotos, Severity, hazard_category_label};
use gridfield_core::error::{Choices, Input, Invalid};
use gridfield_core::hazard::{HazardAction, HazardStatus, StepInput};
use gridfield_core::model::{Address, EntityKind, GeoPoint, Grid, Role};
use gridfield_core::plate::IssuerPublicKey;
use gridfield_core::store::{HazardFilter, NewHazard, NewInspection, NewReport};
use gridfield_core::{DbKey, Error, Identity, Lang, Result, Store};
use serde_json::{Map, Value};

use crate::Cli;
use crate::out::{self, fmt_date, fmt_time, parse_date_end_of_day};

/// The CLI's stand-in for the platform keystore: a 0600 file in the data
/// directory, unless the key is given in GRIDFIELD_DB_KEY (hex).
const KEY_FILE: &str = "device.key";

#[derive(Subcommand)]
pub enum Command {
    /// Create an offline device store (without a server).
    Init(InitArgs),
    /// Show who this device is and what it holds.
    Status,
    /// Trust a door-plate issuer's public key (hex).
    TrustIssuer { public_key: String },
    /// Import grids from CSV: code,name,level,parent_code
    ImportGrids { file: PathBuf },
    /// Import a grid's addresses from CSV:
    /// code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon
    ImportAddresses { file: PathBuf },
    /// Search addresses by any fragment ("建设路12号", "3栋2单元", a plate serial).
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Everything at one address (一标多实).
    Address { code: String },
    /// Verify a scanned door-plate payload offline.
    Scan {
        /// The QR text; use --file to read it from a file.
        payload: Option<String>,
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Households, persons, rental units and businesses.
    #[command(subcommand)]
    Entity(EntityCmd),
    /// Checklist templates on this device.
    #[command(subcommand)]
    Template(TemplateCmd),
    /// Record a finished inspection from an answers file (JSON).
    Inspect(InspectArgs),
    /// List inspections.
    Inspections {
        #[arg(long)]
        status: Option<String>,
    },
    /// Hazards (隐患) and their lifecycle.
    #[command(subcommand)]
    Hazard(HazardCmd),
    /// File a report (上报) as a volunteer or worker.
    Report(ReportArgs),
    /// This user's reports and points (积分).
    Points,
    /// Keep a photo on the device; prints its hash.
    Photo { file: PathBuf },
    /// Get a photo by hash, downloading it from the server if this device lacks it.
    PhotoGet {
        hash: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Operations waiting to be pushed.
    Outbox {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Enroll this device with the sync server using a one-time code (instead of init).
    Enroll(EnrollArgs),
    /// Enroll this device's existing data again with a new code (after the server
    /// found a second installation using its enrollment); nothing recorded is lost.
    Reenroll(ReenrollArgs),
    /// Upload photos, push queued operations, pull changes from the server.
    Sync,
    /// Sync state: queue depth, pending photos, last success and last error.
    Diagnostics,
    /// Inspection review (supervisors).
    #[command(subcommand)]
    Inspection(InspectionCmd),
}

#[derive(Args)]
pub struct ReenrollArgs {
    /// One-time enrollment code from the administrator, for the same user.
    #[arg(long)]
    code: String,
    /// A name for this device as administrators will see it.
    #[arg(long)]
    name: Option<String>,
}

#[derive(Args)]
pub struct EnrollArgs {
    /// Server base URL, e.g. https://grid.example.org
    #[arg(long)]
    server: String,
    /// One-time enrollment code from the administrator.
    #[arg(long)]
    code: String,
    /// A name for this device as administrators will see it.
    #[arg(long)]
    name: Option<String>,
}

#[derive(Subcommand)]
pub enum InspectionCmd {
    /// Approve or return (with a comment) a submitted inspection.
    Review {
        id: String,
        #[arg(value_parser = ["approve", "return"])]
        decision: String,
        #[arg(long)]
        comment: Option<String>,
    },
}

#[derive(Args)]
pub struct InitArgs {
    #[arg(long)]
    user: String,
    #[arg(long, value_parser = ["worker", "volunteer", "supervisor"])]
    role: String,
    /// Root grid code of this device's scope.
    #[arg(long)]
    grid: String,
    #[arg(long)]
    device_id: Option<String>,
    /// Trust this plate issuer public key (hex).
    #[arg(long)]
    issuer_key: Option<String>,
}

#[derive(Subcommand)]
pub enum EntityCmd {
    /// Create (no --id) or update an entity: field=value pairs.
    Put {
        /// household | person | rental_unit | business
        kind: String,
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// field=value (an empty value clears the field)
        fields: Vec<String>,
    },
    Show {
        kind: String,
        id: String,
    },
}

#[derive(Subcommand)]
pub enum TemplateCmd {
    List,
    Show {
        id: String,
        #[arg(long)]
        version: Option<u32>,
    },
}

#[derive(Args)]
pub struct InspectArgs {
    #[arg(long)]
    template: String,
    #[arg(long)]
    template_version: Option<u32>,
    #[arg(long)]
    address: String,
    /// The entity inspected, as kind:id (e.g. rental_unit:0190…).
    #[arg(long)]
    subject: Option<String>,
    /// {"answers": {item: value}, "photos": {item: [path or hash]}}; photo and
    /// signature items take file paths (relative to the answers file) or hashes.
    #[arg(long)]
    answers: PathBuf,
    #[arg(long, requires = "lon")]
    lat: Option<f64>,
    #[arg(long, requires = "lat")]
    lon: Option<f64>,
}

#[derive(Subcommand)]
pub enum HazardCmd {
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        open: bool,
        #[arg(long)]
        address: Option<String>,
    },
    Show {
        id: String,
    },
    /// Report a hazard found outside a checklist.
    New {
        #[arg(long)]
        address: String,
        #[arg(long)]
        category: String,
        #[arg(long, default_value = "medium")]
        severity: String,
        #[arg(long)]
        description: String,
        #[arg(long)]
        photo: Vec<PathBuf>,
        /// YYYY-MM-DD
        #[arg(long)]
        deadline: Option<String>,
    },
    /// Take a lifecycle step: assign, start_rectification, mark_rectified, verify,
    /// reject_rectification, close, reopen.
    Move {
        id: String,
        action: String,
        #[arg(long)]
        assignee: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        photo: Vec<PathBuf>,
    },
}

#[derive(Args)]
pub struct ReportArgs {
    /// Address code (from a scan or a search).
    #[arg(long, required_unless_present = "plate")]
    address: Option<String>,
    /// A scanned plate payload: the report goes to that address even outside this device's grid.
    #[arg(long)]
    plate: Option<String>,
    #[arg(long)]
    text: String,
    #[arg(long)]
    photo: Vec<PathBuf>,
}

fn key_for(data: &Path, create: bool) -> Result<DbKey> {
    if let Ok(hex) = std::env::var("GRIDFIELD_DB_KEY") {
        return DbKey::from_hex(&hex);
    }
    let path = data.join(KEY_FILE);
    match fs::read_to_string(&path) {
        Ok(s) => DbKey::from_hex(&s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let key = DbKey::generate()?;
            fs::create_dir_all(data)?;
            write_private(&path, key.to_hex().as_bytes())?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::NotInitialised(data.to_path_buf()))
        }
        Err(e) => Err(e.into()),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

pub fn open_store(data: &Path) -> Result<Store> {
    if !Store::exists(data) {
        return Err(Error::NotInitialised(data.to_path_buf()));
    }
    let mut store = Store::open(data, &key_for(data, false)?)?;
    // Lets tests play a phone whose clock is wrong.
    if let Some(skew) = std::env::var("GRIDFIELD_CLOCK_SKEW_MS")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        store.set_clock(move || gridfield_core::store::now_ms() + skew);
    }
    if let Some(max) = std::env::var("GRIDFIELD_MAX_PHOTO_BYTES")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        store.set_max_photo_bytes(max);
    }
    Ok(store)
}

pub fn run(cli: &Cli, lang: Option<Lang>) -> Result<ExitCode> {
    if let Command::Init(a) = &cli.command {
        return init(cli, a);
    }
    if let Command::Enroll(a) = &cli.command {
        return enroll(cli, a);
    }
    if let Command::Reenroll(a) = &cli.command {
        return reenroll(cli, a, lang);
    }
    let store = open_store(&cli.data)?;
    let lang = match lang {
        Some(l) => l,
        None => store.lang()?,
    };
    let en = lang.is_en();
    match &cli.command {
        Command::Init(_) | Command::Enroll(_) | Command::Reenroll(_) => unreachable!(),
        Command::Sync => return sync(cli, &store, lang),
        Command::Diagnostics => {
            let d = gridfield_core::sync::diagnostics(&store)?;
            if cli.json {
                out::json(&d);
            } else {
                let none = lang.pick("无", "none");
                println!(
                    "{}: {}",
                    lang.pick("服务器", "server"),
                    d.server_url
                        .as_deref()
                        .unwrap_or(lang.pick("未注册", "not enrolled"))
                );
                println!("{}: {}", lang.pick("设备编号", "device id"), d.device_id);
                println!(
                    "{}: {}",
                    lang.pick("待同步操作", "queued operations"),
                    d.queue_depth
                );
                println!(
                    "{}: {}",
                    lang.pick("待上传照片", "photos to upload"),
                    d.pending_photos
                );
                println!(
                    "{}: {}",
                    lang.pick("上次成功同步", "last successful sync"),
                    d.last_success
                        .map(fmt_time)
                        .unwrap_or_else(|| none.to_string())
                );
                match &d.last_error {
                    Some(e) => println!(
                        "{}: {} [{}] {}",
                        lang.pick("上次错误", "last error"),
                        fmt_time(e.at),
                        e.code,
                        if en { &e.message_en } else { &e.message }
                    ),
                    None => println!("{}: {none}", lang.pick("上次错误", "last error")),
                }
                println!(
                    "{}: {}",
                    lang.pick("同步位置", "cursor"),
                    d.cursor.as_deref().unwrap_or(none)
                );
                println!(
                    "{}: {} ms",
                    lang.pick("本机时钟校正", "clock correction"),
                    d.clock_offset_ms
                );
                if d.needs_reenroll {
                    println!(
                        "{}",
                        lang.pick(
                            "本设备的注册已在另一部手机上使用：请用新的注册码执行 reenroll",
                            "this enrollment is used by another installation: run reenroll with a new code"
                        )
                    );
                }
                if let Some(r) = &d.last_recovery {
                    println!(
                        "{}: {} ({} {})",
                        lang.pick("服务器从备份恢复", "server restored"),
                        fmt_time(r.at),
                        lang.pick("重新上传操作", "operations re-uploaded"),
                        r.requeued
                    );
                }
            }
        }
        Command::Inspection(InspectionCmd::Review {
            id,
            decision,
            comment,
        }) => {
            let approve = decision == "approve";
            store.review_inspection(id, approve, comment.as_deref())?;
            if cli.json {
                out::json(
                    &serde_json::json!({ "id": id, "review_status": if approve { "approved" } else { "returned" } }),
                );
            } else if approve {
                println!(
                    "{} {id}",
                    lang.pick("已通过，待同步：", "approved, waiting to sync:")
                );
            } else {
                println!(
                    "{} {id}",
                    lang.pick("已退回，待同步：", "returned, waiting to sync:")
                );
            }
        }
        Command::Status => {
            let id = store.identity();
            let status = serde_json::json!({
                "device_id": id.device_id, "user": id.user, "role": id.role, "grid_scope": id.grid_scope,
                "outbox": store.outbox_len()?, "pending_photos": store.pending_photos()?.len(),
                "trusted_issuers": store.trusted_issuers()?.iter().map(|k| k.key_id()).collect::<Vec<_>>(),
            });
            if cli.json {
                out::json(&status);
            } else {
                println!(
                    "{}: {} ({})",
                    lang.pick("设备", "device"),
                    id.device_id,
                    id.role.label(lang)
                );
                println!("{}: {}", lang.pick("用户", "user"), id.user);
                println!("{}: {}", lang.pick("网格", "grid"), id.grid_scope);
                println!(
                    "{}: {}",
                    lang.pick("待同步操作", "queued operations"),
                    status["outbox"]
                );
            }
        }
        Command::TrustIssuer { public_key } => {
            let k = IssuerPublicKey::from_hex(public_key)?;
            store.trust_issuer(k)?;
            if cli.json {
                out::json(&serde_json::json!({ "trusted": k.key_id() }));
            } else {
                println!(
                    "{} {}",
                    lang.pick("已信任门牌签发密钥", "trusted plate issuer key"),
                    k.key_id()
                );
            }
        }
        Command::ImportGrids { file } => {
            let grids = read_grids(file)?;
            let n = store.import_grids(&grids)?;
            report_count(cli, lang, n, "网格", "grids");
        }
        Command::ImportAddresses { file } => {
            let addrs = read_addresses(file)?;
            let n = store.import_addresses(&addrs)?;
            report_count(cli, lang, n, "条地址", "addresses");
        }
        Command::Search { query, limit } => {
            let hits = store.search_addresses(&query.join(" "), *limit)?;
            if cli.json {
                out::json(&hits);
            } else if hits.is_empty() {
                println!("{}", lang.pick("没有找到匹配的地址", "no matching address"));
            } else {
                for h in hits {
                    println!(
                        "{}  {}  {}",
                        h.code,
                        h.full_text,
                        h.plate_serial.unwrap_or_default()
                    );
                }
            }
        }
        Command::Address { code } => {
            let v = store.address_view(code)?;
            if cli.json {
                out::json(&v);
            } else {
                println!("{}  [{}]", v.address.full_text, v.address.code);
                for e in &v.entities {
                    println!(
                        "  {} {}  {}",
                        e.kind.label(lang),
                        e.id,
                        Value::Object(e.fields.clone())
                    );
                }
                for i in &v.inspections {
                    println!(
                        "  {} {} {} {:?}",
                        lang.pick("检查", "inspection"),
                        i.id,
                        i.review_status.label(lang),
                        i.score
                    );
                }
                for h in &v.hazards {
                    println!(
                        "  {} {} {} {}",
                        lang.pick("隐患", "hazard"),
                        h.id,
                        h.status.label(lang),
                        hazard_category_label(&h.category, lang)
                    );
                }
                for r in &v.reports {
                    println!(
                        "  {} {} {}",
                        lang.pick("上报", "report"),
                        r.id,
                        r.status.label(lang)
                    );
                }
            }
        }
        Command::Scan { payload, file } => {
            let text = match (payload, file) {
                (Some(p), _) => p.clone(),
                (None, Some(f)) => fs::read_to_string(f)?,
                (None, None) => {
                    return Err(Error::invalid(Input::QrPayload, Invalid::QrTextOrFile));
                }
            };
            let scan = store.scan_plate(&text)?;
            if cli.json {
                out::json(&scan);
            } else if scan.verified {
                let p = scan.plate.as_ref().expect("verified plate has data");
                println!(
                    "{} {}",
                    lang.pick("✔ 门牌有效", "✔ valid plate"),
                    p.plate_serial
                );
                println!("{}", p.address_text);
                if !scan.in_scope {
                    println!(
                        "{}",
                        lang.pick(
                            "（不在本设备网格范围内，仅显示门牌公开信息）",
                            "(outside this device's grid: plate information only)"
                        )
                    );
                } else if let Some(v) = &scan.address {
                    println!(
                        "{}: {}",
                        lang.pick("地址编码", "address code"),
                        v.address.code
                    );
                    for e in &v.entities {
                        println!("  {} {}", e.kind.label(lang), e.id);
                    }
                }
            } else {
                let (_, msg) = scan.rejection.clone().unwrap_or_default();
                eprintln!("{}: {msg}", lang.pick("✘ 门牌无效", "✘ invalid plate"));
                if let Some(p) = &scan.plate {
                    eprintln!(
                        "{}: {}",
                        lang.pick(
                            "门牌声称的地址（未经验证）",
                            "address the plate claims (unverified)"
                        ),
                        p.address_text
                    );
                }
            }
            if !scan.verified {
                return Ok(ExitCode::from(3));
            }
        }
        Command::Entity(EntityCmd::Put {
            kind,
            id,
            address,
            fields,
        }) => {
            let kind = parse_kind(kind)?;
            let mut map = Map::new();
            for kv in fields {
                let (k, v) = kv.split_once('=').ok_or_else(|| {
                    Error::invalid(Input::Assignment, Invalid::ExpectedAssignment)
                })?;
                let v = if v.is_empty() {
                    Value::Null
                } else {
                    Value::String(v.to_string())
                };
                map.insert(k.to_string(), v);
            }
            let id = store.put_entity(kind, id.as_deref(), address.as_deref(), &map)?;
            if cli.json {
                out::json(&serde_json::json!({ "id": id, "kind": kind }));
            } else {
                println!("{} {} {id}", lang.pick("已保存", "saved"), kind.label(lang));
            }
        }
        Command::Entity(EntityCmd::Show { kind, id }) => {
            let kind = parse_kind(kind)?;
            let e = store
                .entity(kind, id)?
                .ok_or_else(|| Error::not_found(kind, id))?;
            if cli.json {
                out::json(&e);
            } else {
                println!("{} {} @ {}", kind.label(lang), e.id, e.address_code);
                for (k, v) in &e.fields {
                    println!("  {k}: {v}");
                }
            }
        }
        Command::Template(TemplateCmd::List) => {
            let ts = store.templates()?;
            if cli.json {
                let list: Vec<_> = ts.iter().map(|t| serde_json::json!({ "id": t.id, "version": t.version, "title": t.title })).collect();
                out::json(&list);
            } else {
                for t in ts {
                    println!("{} v{}  {}", t.id, t.version, t.title.get(en));
                }
            }
        }
        Command::Template(TemplateCmd::Show { id, version }) => {
            let t = store.template(id, *version)?;
            if cli.json {
                out::json(&t);
            } else {
                println!("{} v{}  {}", t.id, t.version, t.title.get(en));
                for s in &t.sections {
                    println!("[{}]", s.title.get(en));
                    for i in &s.items {
                        println!("  {}  ({}) {}", i.id, i.kind.as_str(), i.label.get(en));
                    }
                }
            }
        }
        Command::Inspect(a) => inspect(cli, &store, lang, a)?,
        Command::Inspections { status } => {
            let st = status.as_deref().map(|s| {
                gridfield_core::model::ReviewStatus::parse(s).ok_or_else(|| {
                    Error::invalid(Input::Status, Invalid::NotOneOf(Choices::ReviewStatuses))
                })
            });
            let list = store.inspections(st.transpose()?)?;
            if cli.json {
                out::json(&list);
            } else {
                for i in list {
                    println!(
                        "{}  {}  {}  {} {}  {}",
                        i.id,
                        i.template_id,
                        i.address_code,
                        i.score.map(|s| s.to_string()).unwrap_or_default(),
                        i.review_status.label(lang),
                        i.review_comment.unwrap_or_default()
                    );
                }
            }
        }
        Command::Hazard(h) => hazard(cli, &store, lang, h)?,
        Command::Report(a) => {
            let (address_code, address_text) = match (&a.address, &a.plate) {
                (_, Some(p)) => {
                    let d = gridfield_core::plate::verify(p, &store.trusted_issuers()?)?.data;
                    (d.address_code, Some(d.address_text))
                }
                (Some(c), None) => (c.clone(), None),
                (None, None) => unreachable!("clap requires one"),
            };
            let photos = add_photos(&store, &a.photo)?;
            let id = store.file_report(&NewReport {
                address_code,
                address_text,
                text: a.text.clone(),
                photos,
            })?;
            if cli.json {
                out::json(&serde_json::json!({ "id": id }));
            } else {
                println!(
                    "{} {id}",
                    lang.pick("已上报，待同步", "report saved, waiting to sync")
                );
            }
        }
        Command::Points => {
            let reports = store.reports()?;
            let points = store.points()?;
            if cli.json {
                out::json(&serde_json::json!({ "points": points, "reports": reports }));
            } else {
                println!("{}: {points}", lang.pick("积分", "points"));
                for r in reports {
                    println!(
                        "  {}  {}  {}  {}",
                        fmt_time(r.created_at),
                        r.status.label(lang),
                        r.address_text,
                        r.text
                    );
                }
            }
        }
        Command::Photo { file } => {
            let r = store.add_photo_file(file)?;
            if cli.json {
                out::json(&r);
            } else {
                println!("{}", r.hash);
            }
        }
        Command::PhotoGet { hash, out: dest } => {
            let bytes = gridfield_core::sync::fetch_photo(
                &store,
                hash,
                &gridfield_core::sync::CancelHandle::new(),
            )?;
            fs::write(dest, &bytes)?;
            if cli.json {
                out::json(&serde_json::json!({ "hash": hash, "size": bytes.len() }));
            } else {
                println!(
                    "{} {} ({} B)",
                    lang.pick("照片已保存到", "photo saved to"),
                    dest.display(),
                    bytes.len()
                );
            }
        }
        Command::Outbox { limit } => {
            let entries = store.outbox(*limit)?;
            if cli.json {
                out::json(&serde_json::json!({ "count": store.outbox_len()?, "entries": entries }));
            } else {
                println!(
                    "{}: {}",
                    lang.pick("待同步操作", "queued operations"),
                    store.outbox_len()?
                );
                for e in entries {
                    println!(
                        "  #{} {} {} {} {}",
                        e.seq,
                        fmt_time(e.created_at),
                        e.op.type_name(),
                        e.entity,
                        e.entity_id
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn init(cli: &Cli, a: &InitArgs) -> Result<ExitCode> {
    if Store::exists(&cli.data) {
        return Err(Error::AlreadyInitialised(cli.data.clone()));
    }
    let issuer = a
        .issuer_key
        .as_deref()
        .map(IssuerPublicKey::from_hex)
        .transpose()?;
    let role = Role::parse(&a.role)
        .ok_or_else(|| Error::invalid(Input::Role, Invalid::NotOneOf(Choices::Roles)))?;
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
    if let Some(l) = cli.lang.as_deref().and_then(Lang::parse) {
        store.set_lang(l)?;
    }
    if cli.json {
        out::json(&store.identity());
    } else {
        let lang = cli
            .lang
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default();
        println!(
            "{} {}",
            lang.pick("设备已初始化：", "device initialised:"),
            store.identity().device_id
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The name administrators see: given, or this host's.
fn device_name(given: &Option<String>) -> String {
    given
        .clone()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "gridfield-cli".to_string())
}

fn enroll(cli: &Cli, a: &EnrollArgs) -> Result<ExitCode> {
    // Refuse before contacting the server (and before creating a key file).
    if Store::exists(&cli.data) {
        return Err(Error::AlreadyInitialised(cli.data.clone()));
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
        println!(
            "{} {}",
            lang.pick("设备已注册：", "device enrolled:"),
            id.device_id
        );
        println!(
            "  {}: {}  {}: {}  {}: {}",
            lang.pick("用户", "user"),
            id.user,
            lang.pick("角色", "role"),
            id.role.label(lang),
            lang.pick("网格", "grid"),
            id.grid_scope
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress line on stderr, only when a person is watching.
struct ProgressLine {
    lang: Lang,
}

impl gridfield_core::sync::SyncObserver for ProgressLine {
    fn on_progress(&self, p: &gridfield_core::sync::SyncProgress) {
        use gridfield_core::sync::SyncPhase;
        use std::io::Write;
        let l = self.lang;
        let phase = match p.phase {
            SyncPhase::Photos => l.pick("上传照片", "uploading photos"),
            SyncPhase::Push => l.pick("上传记录", "pushing"),
            SyncPhase::Pull => l.pick("下载更新", "pulling"),
            SyncPhase::Done => l.pick("完成", "done"),
        };
        let count = if p.total > 0 {
            format!("{}/{}", p.done, p.total)
        } else {
            p.done.to_string()
        };
        let kb = |b: u64| format!("{:.1}", b as f64 / 1024.0);
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r\x1b[2K{}：{phase} {count}  ↑{} KB ↓{} KB",
            l.pick("同步", "sync"),
            kb(p.bytes_up),
            kb(p.bytes_down)
        );
        if p.phase == SyncPhase::Done {
            let _ = write!(e, "\r\x1b[2K");
        }
        let _ = e.flush();
    }
}

fn sync(cli: &Cli, store: &Store, lang: Lang) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let cancel = gridfield_core::sync::CancelHandle::new();
    let line = ProgressLine { lang };
    let observer: Option<&dyn gridfield_core::sync::SyncObserver> =
        if !cli.json && std::io::stderr().is_terminal() {
            Some(&line)
        } else {
            None
        };
    let result = gridfield_core::sync::sync(store, observer, &cancel);
    if observer.is_some() {
        eprint!("\r\x1b[2K");
    }
    let report = result?;
    if cli.json {
        out::json(&report);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}：{} {}，{} {}，{} {}，{} {}，{} {}，{} {}",
        lang.pick("同步完成", "sync done"),
        lang.pick("上传记录", "pushed"),
        report.pushed,
        lang.pick("重复", "duplicates"),
        report.duplicates,
        lang.pick("被拒绝", "rejected"),
        report.rejected.len(),
        lang.pick("冲突", "conflicts"),
        report.conflicts,
        lang.pick("下载更新", "pulled"),
        report.pulled,
        lang.pick("上传照片", "photos uploaded"),
        report.photos_uploaded,
    );
    if report.waiting_photos > 0 || report.photos_failed > 0 {
        println!(
            "  {} {}（{} {}）",
            report.waiting_photos,
            lang.pick(
                "条记录等待照片上传，下次同步时继续",
                "operations wait for photos; they go next sync"
            ),
            lang.pick("上传失败的照片", "photos failed"),
            report.photos_failed
        );
    }
    for r in &report.rejected {
        let msg = if lang.is_en() {
            r.message_en.as_deref().unwrap_or(&r.message)
        } else {
            &r.message
        };
        println!("  ✘ {} {} — {msg} [{}]", r.entity, r.entity_id, r.code);
    }
    for l in &report.lost {
        println!(
            "  ⚠ {} {} {}: {}",
            l.entity,
            l.entity_id,
            lang.pick(
                "的修改与他人同时修改冲突，以对方为准（已记入冲突记录）",
                "edit lost to a concurrent edit (kept in the conflict log)"
            ),
            l.fields.join(", ")
        );
    }
    if report.server_restored {
        println!(
            "  {} {}",
            lang.pick(
                "同步服务器已从备份恢复，已重新上传操作：",
                "the server was restored from a backup; operations re-uploaded:"
            ),
            report.reuploaded
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn reenroll(cli: &Cli, a: &ReenrollArgs, lang: Option<Lang>) -> Result<ExitCode> {
    if !Store::exists(&cli.data) {
        return Err(Error::NotInitialised(cli.data.clone()));
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
        println!(
            "{} {}",
            lang.pick("设备已重新注册：", "device re-enrolled:"),
            id.device_id
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn report_count(cli: &Cli, lang: Lang, n: usize, zh: &str, en: &str) {
    if cli.json {
        out::json(&serde_json::json!({ "imported": n }));
    } else {
        println!(
            "{} {n} {}",
            lang.pick("已导入", "imported"),
            lang.pick(zh, en)
        );
    }
}

fn parse_kind(s: &str) -> Result<EntityKind> {
    EntityKind::parse(s)
        .ok_or_else(|| Error::invalid(Input::Kind, Invalid::NotOneOf(Choices::EntityKinds)))
}

fn csv_reader(file: &Path) -> Result<csv::Reader<fs::File>> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(fs::File::open(file)?))
}

/// The row's own reason (English) is dropped from the message; the line is named.
fn csv_err(line: u64, _e: impl std::fmt::Display) -> Error {
    Error::invalid(Input::CsvLine(line), Invalid::BadRow)
}

fn opt(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

fn read_grids(file: &Path) -> Result<Vec<Grid>> {
    let mut rdr = csv_reader(file)?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let r = rec.map_err(|e| csv_err(line, e))?;
        let level = r
            .get(2)
            .unwrap_or("")
            .parse()
            .map_err(|_| csv_err(line, "level must be a number"))?;
        out.push(Grid {
            code: opt(r.get(0)).ok_or_else(|| csv_err(line, "code is empty"))?,
            name: opt(r.get(1)).ok_or_else(|| csv_err(line, "name is empty"))?,
            level,
            parent_code: opt(r.get(3)),
        });
    }
    Ok(out)
}

fn read_addresses(file: &Path) -> Result<Vec<Address>> {
    let mut rdr = csv_reader(file)?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let r = rec.map_err(|e| csv_err(line, e))?;
        let fields: Vec<&str> = r.iter().collect();
        out.push(Address::from_csv_row(&fields).map_err(|e| csv_err(line, e))?);
    }
    Ok(out)
}

fn add_photos(store: &Store, files: &[PathBuf]) -> Result<Vec<String>> {
    files
        .iter()
        .map(|f| Ok(store.add_photo_file(f)?.hash))
        .collect()
}

/// A path (relative to `base`) or an existing hash.
fn photo_ref(store: &Store, base: &Path, s: &str) -> Result<String> {
    if gridfield_core::photo::is_valid_hash(s) && store.photos().contains(s) {
        return Ok(s.to_string());
    }
    Ok(store.add_photo_file(&base.join(s))?.hash)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersFile {
    answers: Answers,
    #[serde(default)]
    photos: BTreeMap<String, Vec<String>>,
}

fn inspect(cli: &Cli, store: &Store, lang: Lang, a: &InspectArgs) -> Result<()> {
    let text = fs::read_to_string(&a.answers)?;
    let file: AnswersFile = serde_json::from_str(&text)?;
    let base = a.answers.parent().unwrap_or(Path::new("."));
    let tpl = store.template(&a.template, a.template_version)?;
    // Photos are kept first (content-addressed, harmless if the record is refused).
    let mut answers = file.answers;
    for (item_id, v) in answers.iter_mut() {
        let Some(item) = tpl.item(item_id) else {
            continue;
        };
        match (&item.kind, &*v) {
            (ItemKind::Photo { .. }, Value::Array(list)) => {
                let hashes = list
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(|s| photo_ref(store, base, s))
                            .unwrap_or_else(|| Ok(String::new()))
                    })
                    .collect::<Result<Vec<_>>>()?;
                *v = Value::from(hashes);
            }
            (ItemKind::Signature, Value::String(s)) => {
                *v = Value::String(photo_ref(store, base, s)?)
            }
            _ => {}
        }
    }
    let mut photos = ItemPhotos::new();
    for (item, list) in file.photos {
        photos.insert(
            item,
            list.iter()
                .map(|s| photo_ref(store, base, s))
                .collect::<Result<_>>()?,
        );
    }
    let subject = match &a.subject {
        Some(s) => {
            let (k, id) = s
                .split_once(':')
                .ok_or_else(|| Error::invalid(Input::Subject, Invalid::ExpectedKindAndId))?;
            (Some(parse_kind(k)?), Some(id.to_string()))
        }
        None => (None, None),
    };
    let new = NewInspection {
        template_id: a.template.clone(),
        template_version: a.template_version,
        address_code: a.address.clone(),
        subject_kind: subject.0,
        subject_id: subject.1,
        location: a.lat.zip(a.lon).map(|(lat, lon)| GeoPoint { lat, lon }),
    };
    let outcome = store.record_inspection(&new, &answers, &photos, None)?;
    if cli.json {
        out::json(&outcome);
    } else {
        let e = &outcome.evaluation;
        println!(
            "{} {}",
            lang.pick("检查已保存：", "inspection saved:"),
            outcome.inspection_id
        );
        let verdict = if e.vetoed {
            lang.pick("一票否决，不合格", "vetoed: fail")
        } else if e.passed {
            lang.pick("合格", "pass")
        } else {
            lang.pick("不合格", "fail")
        };
        println!("{}: {} — {verdict}", lang.pick("得分", "score"), e.score);
        for f in &e.failed_items {
            println!("  ✘ {} (-{})", f.label.get(lang.is_en()), f.deduction);
        }
        if !outcome.hazards_raised.is_empty() {
            println!(
                "{}: {}",
                lang.pick("生成隐患", "hazards raised"),
                outcome.hazards_raised.len()
            );
            for h in &outcome.hazards_raised {
                println!("  {h}");
            }
        }
    }
    Ok(())
}

fn hazard(cli: &Cli, store: &Store, lang: Lang, cmd: &HazardCmd) -> Result<()> {
    match cmd {
        HazardCmd::List {
            status,
            overdue,
            open,
            address,
        } => {
            let status = status
                .as_deref()
                .map(|s| {
                    HazardStatus::parse(s).ok_or_else(|| {
                        Error::invalid(Input::Status, Invalid::NotOneOf(Choices::HazardStatuses))
                    })
                })
                .transpose()?;
            let list = store.hazards(&HazardFilter {
                status,
                overdue_only: *overdue,
                open_only: *open,
                address_code: address.clone(),
                limit: None,
            })?;
            if cli.json {
                out::json(&list);
            } else {
                for h in list {
                    println!(
                        "{}  {}  {}  {}  {}{}",
                        h.id,
                        h.status.label(lang),
                        h.severity.label(lang),
                        hazard_category_label(&h.category, lang),
                        h.deadline
                            .map(|d| format!("{} {}", lang.pick("期限", "due"), fmt_date(d)))
                            .unwrap_or_default(),
                        if h.overdue {
                            lang.pick("  【已逾期】", "  [OVERDUE]")
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        HazardCmd::Show { id } => {
            let d = store.hazard(id)?;
            if cli.json {
                out::json(&d);
            } else {
                let h = &d.hazard;
                println!(
                    "{}  {}  {}",
                    h.id,
                    hazard_category_label(&h.category, lang),
                    h.status.label(lang)
                );
                println!("{}", h.description);
                for e in &d.events {
                    println!(
                        "  {}  {}  {} → {}  {}",
                        fmt_time(e.at),
                        e.actor,
                        e.action
                            .map(|a| a.label(lang))
                            .unwrap_or(lang.pick("上报", "reported")),
                        e.to_status.label(lang),
                        e.note.clone().unwrap_or_default()
                    );
                }
            }
        }
        HazardCmd::New {
            address,
            category,
            severity,
            description,
            photo,
            deadline,
        } => {
            let severity = Severity::parse(severity).ok_or_else(|| {
                Error::invalid(Input::Severity, Invalid::NotOneOf(Choices::Severities))
            })?;
            let deadline = deadline.as_deref().map(parse_date_end_of_day).transpose()?;
            let photos = add_photos(store, photo)?;
            let id = store.create_hazard(&NewHazard {
                address_code: address.clone(),
                category: category.clone(),
                severity,
                description: description.clone(),
                photos,
                deadline,
            })?;
            if cli.json {
                out::json(&serde_json::json!({ "id": id }));
            } else {
                println!("{} {id}", lang.pick("隐患已登记：", "hazard recorded:"));
            }
        }
        HazardCmd::Move {
            id,
            action,
            assignee,
            deadline,
            note,
            photo,
        } => {
            let action = HazardAction::parse(action).ok_or_else(|| {
                Error::invalid(
                    Input::HazardAction,
                    Invalid::NotOneOf(Choices::HazardActions),
                )
            })?;
            let input = StepInput {
                assignee: assignee.clone(),
                deadline: deadline.as_deref().map(parse_date_end_of_day).transpose()?,
                note: note.clone(),
                photos: add_photos(store, photo)?,
            };
            let to = store.hazard_step(id, action, &input)?;
            if cli.json {
                out::json(&serde_json::json!({ "id": id, "status": to }));
            } else {
                println!(
                    "{} {}",
                    lang.pick("隐患状态：", "hazard status:"),
                    to.label(lang)
                );
            }
        }
    }
    Ok(())
}
