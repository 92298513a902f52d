//! The city's year of cases (事件): departments per town and for the city and the
//! routing rules through the server's own functions, then each case opened by the
//! core's `case::open` where routing lands it, played through its loop in memory
//! (`case_loop.rs`, by `case::apply_step`) and bulk-loaded with its side rows.
//! Disputes mostly settle on the grid or in the village (新津: 85%).

use gridfield_core::case::{
    self, Case, CaseSource, CaseStatus, Department, Handler, Opening, Party, PartyRole,
    RouteTarget, RoutingRule, Tier,
};
use gridfield_core::hazard::Severity;
use gridfield_core::record::{Delivery, RecordKind};
use gridfield_core::role::Role;
use gridfield_core::taxonomy::Taxonomy;
use gridfield_server::db::Db;
use gridfield_server::db::records::{self, CaseDoc};
use gridfield_server::error::{ApiError, Result};
use gridfield_server::rules;

use crate::case_loop::{Play, Who, run, supervisor_of};
use crate::figures::{CASES, DAY_MS, TOWN_NAMES, YEAR_START_MS};
use crate::rng::Rng;
use crate::sink::{GridInfo, Sink, scaled};

/// Cases whose side rows are written per transaction.
const FACTS_BATCH: usize = 2_000;

/// Town departments (kind, name, English) and the city's.
const TOWN_DEPARTMENTS: [(&str, &str, &str); 5] = [
    ("justice", "司法所", "justice office"),
    ("police", "派出所", "police station"),
    ("housing", "住建办", "housing office"),
    ("urban", "综合执法局", "urban management"),
    ("emergency", "应急管理办", "emergency management office"),
];
const CITY_DEPARTMENTS: [(&str, &str, &str); 3] = [
    ("labor", "昆山市人社局", "Kunshan human resources bureau"),
    (
        "natural_resources",
        "昆山市自然资源局",
        "Kunshan natural resources bureau",
    ),
    ("justice", "昆山市司法局", "Kunshan justice bureau"),
];
const RULES: &str = r#"[
  {"id": "labor-to-hrss", "case_type": "dispute.labor", "to": "department", "kind": "labor"},
  {"id": "serious-security-to-town", "case_type": "security", "min_severity": "high",
   "to": "level", "tier": "town"}
]"#;

/// Case types by weight per 100 cases: 36 disputes, mostly between neighbours
/// and in families, then the other kinds of case.
const TYPES: [(&str, u64); 12] = [
    ("dispute.neighbor", 14),
    ("dispute.family", 8),
    ("dispute.property", 6),
    ("dispute.tenancy", 5),
    ("dispute.labor", 2),
    ("dispute.land", 1),
    ("security", 10),
    ("safety", 12),
    ("livelihood", 24),
    ("urban", 12),
    ("special_groups", 6),
    ("dispute", 0),
];
const TEXTS: &[(&str, &str)] = &[
    (
        "dispute.neighbor",
        "楼上漏水导致楼下天花板受损，双方协商未果",
    ),
    ("dispute.neighbor", "邻居在公共走道堆放杂物引发争吵"),
    ("dispute.family", "赡养费分担引发兄妹争吵"),
    ("dispute.family", "夫妻因房产分割发生纠纷"),
    ("dispute.property", "业主拒交物业费，与物业公司发生争执"),
    ("dispute.tenancy", "租客退租押金未退还"),
    ("dispute.labor", "装修工地拖欠工人工资"),
    ("dispute.land", "宅基地边界划分存在争议"),
    ("security", "小区围墙破损，夜间有陌生人翻入"),
    ("safety", "电动车在楼道内充电"),
    ("safety", "沿街商铺违规使用液化气瓶"),
    ("livelihood", "小区路灯损坏，夜间出行不便"),
    ("livelihood", "老旧小区加装电梯意见征集"),
    ("urban", "菜场门口占道经营，早高峰堵塞通行"),
    ("urban", "餐馆油烟扰民"),
    ("special_groups", "独居老人行动不便，需要上门关爱服务"),
];

/// Register the city's departments and routing rules.
pub(crate) fn departments(db: &Db, towns: usize) -> Result<()> {
    db.write(|tx| {
        for (t, town) in TOWN_NAMES.iter().enumerate().take(towns) {
            let grid = format!("320583{:03}", t + 1);
            for (kind, zh, en) in TOWN_DEPARTMENTS {
                let code = format!("{grid}-{kind}");
                let en = format!("{} {en}", town_en(t));
                rules::cases::add_department(tx, &code, kind, &format!("{town}{zh}"), &en, &grid)?;
            }
        }
        for (kind, zh, en) in CITY_DEPARTMENTS {
            rules::cases::add_department(tx, &format!("320583-{kind}"), kind, zh, en, "320583")?;
        }
        rules::cases::load_routing(tx, RULES)?;
        Ok(())
    })
}

fn town_en(t: usize) -> String {
    format!("Town {}", t + 1)
}
/// What every case of the year is judged against.
pub(crate) struct World {
    pub(crate) taxonomy: Taxonomy,
    pub(crate) depts: Vec<Department>,
    pub(crate) rules: Vec<RoutingRule>,
}

/// The year's cases, spread over the grids and the days, into `sink`.
pub(crate) fn year(
    sink: &mut Sink<'_>,
    db: &Db,
    grids: &[GridInfo],
    seed: u64,
    scale: f64,
) -> Result<()> {
    let world = db.read(|tx| {
        Ok(World {
            taxonomy: rules::taxonomy::case(tx)?,
            depts: rules::cases::departments(tx)?,
            rules: rules::cases::routing_rules(tx)?,
        })
    })?;
    let n = scaled(CASES, scale);
    let total_weight: u64 = TYPES.iter().map(|t| t.1).sum();
    let mut facts: Vec<CaseDoc> = Vec::with_capacity(FACTS_BATCH);
    for i in 0..n {
        let mut r = Rng::new(seed, 50_000_000 + i as u64);
        let g = &grids[r.below(grids.len() as u64) as usize];
        let day = (i as i64 * 365) / n as i64;
        let at = YEAR_START_MS + day * DAY_MS + (8 * 3600 + r.below(12 * 3600) as i64) * 1000;
        let mut roll = r.below(total_weight);
        let case_type = TYPES
            .iter()
            .find(|(_, w)| {
                let hit = roll < *w;
                roll = roll.saturating_sub(*w);
                hit
            })
            .map_or("livelihood", |t| t.0);
        let doc = play(
            &mut r,
            &world,
            g,
            seed,
            &format!("city-case-{i:06}"),
            case_type,
            at,
        )?;
        let body = records::to_body(&doc)?;
        sink.put(
            RecordKind::Case,
            doc.case.id.clone(),
            g,
            doc.case.address_code.as_deref(),
            &body,
            doc.case.updated_at,
        )?;
        facts.push(doc);
        if facts.len() >= FACTS_BATCH {
            write_facts(db, &mut facts)?;
        }
    }
    write_facts(db, &mut facts)
}

fn write_facts(db: &Db, facts: &mut Vec<CaseDoc>) -> Result<()> {
    let refs: Vec<&CaseDoc> = facts.iter().collect();
    db.write(|tx| rules::case_facts::insert(tx, &refs).map_err(ApiError::from))?;
    facts.clear();
    Ok(())
}

/// One case from its report to where the year leaves it.
fn play(
    r: &mut Rng,
    world: &World,
    g: &GridInfo,
    seed: u64,
    id: &str,
    case_type: &str,
    at: i64,
) -> Result<CaseDoc> {
    let severity = match r.below(100) {
        0..50 => Severity::Low,
        50..85 => Severity::Medium,
        85..97 => Severity::High,
        _ => Severity::Critical,
    };
    let texts: Vec<&str> = TEXTS
        .iter()
        .filter(|(t, _)| *t == case_type)
        .map(|(_, s)| *s)
        .collect();
    let description = texts
        .get(r.below(texts.len().max(1) as u64) as usize)
        .copied()
        .unwrap_or("群众反映的问题");
    let worker = Who {
        user: g.worker.clone(),
        role: Role::Worker,
        scope: g.path.clone(),
        department: None,
    };
    let hotline = r.chance(15);
    let reporter = if hotline {
        supervisor_of(seed, &Tier::Town.level_of(&g.path), g)
    } else {
        worker.clone()
    };
    let dispute = case::is_dispute_type(&world.taxonomy, case_type);
    let address_code = (!g.addresses.is_empty() && r.chance(70)).then(|| {
        g.addresses[r.below(g.addresses.len() as u64) as usize]
            .0
            .clone()
    });
    let parties = if dispute {
        vec![
            Party {
                person_id: None,
                name: r.name(),
                phone: Some(r.phone("138")),
                role: PartyRole::Applicant,
            },
            Party {
                person_id: None,
                name: r.name(),
                phone: None,
                role: PartyRole::Respondent,
            },
        ]
    } else {
        Vec::new()
    };
    let mut c = Case {
        id: id.to_string(),
        case_type: case_type.to_string(),
        severity,
        source: if hotline {
            CaseSource::Hotline
        } else {
            CaseSource::Worker
        },
        source_ref: None,
        address_code,
        grid_path: g.path.clone(),
        owner_path: String::new(),
        description: description.to_string(),
        photos: Vec::new(),
        parties,
        status: CaseStatus::Reported,
        handler: None,
        departments: Vec::new(),
        deadline: None,
        dispute: dispute.then(|| case::Dispute {
            subject: description.to_string(),
            ..Default::default()
        }),
        rating: None,
        reported_by: reporter.user.clone(),
        created_at: at,
        updated_at: at,
        delivery: Delivery::Server,
        overdue: false,
        location: None,
    };
    let rules = case::type_rules(&world.taxonomy, case_type);
    // As `rules::cases::create_case` lands it: the worker settles small disputes
    // on the spot (网格马上调), routing decides the rest.
    let myself = !hotline
        && match rules.tier {
            Tier::Grid => r.chance(if dispute { 65 } else { 30 }),
            _ => r.chance(10),
        };
    let (owner, opening) = if myself {
        (g.path.clone(), Opening::HandleMyself)
    } else {
        let route = case::route(
            &world.rules,
            &rules,
            case_type,
            severity,
            &g.path,
            &world.depts,
        );
        let opening = match &route.target {
            RouteTarget::Level { .. } => Opening::Queue,
            RouteTarget::Department { kind } => world
                .depts
                .iter()
                .filter(|d| &d.kind == kind && g.path.starts_with(d.level_path.as_str()))
                .max_by_key(|d| d.level_path.len())
                .map_or(Opening::Queue, |d| {
                    Opening::Dispatch(Handler::Department(d.code.clone()))
                }),
            RouteTarget::GridWorker => Opening::Dispatch(Handler::Person(g.worker.clone())),
        };
        (route.owner_path, opening)
    };
    let first = case::open(
        &mut c,
        &owner,
        opening,
        &reporter.actor(),
        "console",
        &rules,
    );
    let mut p = Play {
        doc: CaseDoc {
            case: c,
            events: vec![first],
        },
        t: at,
        rules,
        world,
    };
    run(r, &mut p, g, seed, &worker)?;
    p.doc.case.overdue = false;
    Ok(p.doc)
}
