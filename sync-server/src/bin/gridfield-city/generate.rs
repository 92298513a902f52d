//! The city's skeleton and residents: grids through the server's own rules, then
//! door plates grid by grid with the households, people, rental units and shops
//! at them, then the year of activity (`activity.rs`).

use std::collections::BTreeMap;

use gridfield_core::model::{Address, EntityKind, Grid};
use gridfield_core::record::RecordKind;
use gridfield_server::db::Db;
use gridfield_server::db::RowExt;
use gridfield_server::db::records::{self, EntityDoc};
use gridfield_server::error::{ApiError, Result};
use gridfield_server::rules;
use serde_json::{Map, Value, json};

use crate::activity::{visit, visit_answers, volunteer_report};
use crate::figures::*;
use crate::rng::{Rng, date, id_number, stamp};
use crate::sink::{CitySummary, GridInfo, Sink, Subtree, apportion, console_indexes, scaled};

/// Generate the city into `db` (which must hold no grids yet).
pub(crate) fn generate(db: &Db, seed: u64, scale: f64, progress: bool) -> Result<CitySummary> {
    if !(scale > 0.0 && scale <= 4.0) {
        return Err(ApiError::bad_request(
            "invalid_scale",
            "scale must be in (0, 4]",
        ));
    }
    let has_grids =
        db.read(|tx| Ok(tx.query_one("SELECT 1 FROM grids LIMIT 1", &[])?.is_some()))?;
    if has_grids {
        return Err(ApiError::conflict(
            "not_empty",
            "gridfield-city needs an empty database (it already has grids)",
        ));
    }
    gridfield_server::admin::ensure_templates(db)?;
    let templates = gridfield_core::checklist::builtin_templates();
    let visit_tpl = templates
        .iter()
        .find(|t| t.id == "household_visit")
        .ok_or_else(|| ApiError::internal("household_visit template missing"))?
        .clone();
    let venue_checklists = crate::venues::checklists(&templates)?;

    // ---- the grid tree: city → towns → communities → grids
    let n_towns = scaled(TOWNS as f64, scale).min(TOWNS);
    let n_comms = scaled(COMMUNITIES as f64, scale).max(n_towns);
    let n_grids = scaled(GRIDS as f64, scale).max(n_comms);
    let comms_per_town = apportion(n_comms, &TOWN_WEIGHTS[..n_towns]);
    let mut rng = Rng::new(seed, 1);
    let comm_weights: Vec<usize> = (0..n_comms).map(|_| 2 + rng.below(4) as usize).collect();
    let grids_per_comm = apportion(n_grids, &comm_weights);
    let plate_weights: Vec<usize> = (0..n_grids).map(|_| 70 + rng.below(61) as usize).collect();
    let plates_per_grid = apportion(scaled(PLATES, scale), &plate_weights);

    let mut tree = vec![Grid {
        code: "320583".into(),
        name: "昆山市".into(),
        level: 1,
        parent_code: None,
    }];
    let mut grids: Vec<GridInfo> = Vec::with_capacity(n_grids);
    let mut subtrees = Vec::new();
    let (mut c_idx, mut g_idx) = (0usize, 0usize);
    for (t, &n_c) in comms_per_town.iter().enumerate() {
        let town_code = format!("320583{:03}", t + 1);
        tree.push(Grid {
            code: town_code.clone(),
            name: TOWN_NAMES[t].into(),
            level: 2,
            parent_code: Some("320583".into()),
        });
        subtrees.push((town_code.clone(), TOWN_NAMES[t].to_string(), 2u32, t, None));
        for c in 0..n_c {
            let comm_code = format!("{town_code}{:03}", c + 1);
            let comm_name = format!(
                "{}{}社区",
                COMMUNITY_NAMES[(c_idx * 7 + t) % COMMUNITY_NAMES.len()],
                if c >= COMMUNITY_NAMES.len() {
                    format!("{}", c / COMMUNITY_NAMES.len() + 1)
                } else {
                    String::new()
                }
            );
            tree.push(Grid {
                code: comm_code.clone(),
                name: comm_name.clone(),
                level: 3,
                parent_code: Some(town_code.clone()),
            });
            subtrees.push((comm_code.clone(), comm_name.clone(), 3, t, Some(c_idx)));
            for g in 0..grids_per_comm[c_idx] {
                let code = format!("{comm_code}{:03}", g + 1);
                tree.push(Grid {
                    code: code.clone(),
                    name: format!("{comm_name}第{}网格", g + 1),
                    level: 4,
                    parent_code: Some(comm_code.clone()),
                });
                let mut r = Rng::new(seed, 10_000 + g_idx as u64);
                grids.push(GridInfo {
                    code,
                    path: String::new(),
                    town: t,
                    community: c_idx,
                    worker: r.name(),
                    worker_device: r.uuid7(YEAR_START_MS - 30 * DAY_MS),
                    supervisor: format!("{}（网格长）", r.name()),
                    addresses: Vec::new(),
                    households: Vec::new(),
                    businesses: Vec::new(),
                });
                g_idx += 1;
            }
            c_idx += 1;
        }
    }
    let paths = db.write(|tx| {
        for g in &tree {
            rules::grids::add_grid(tx, g)?;
        }
        let mut paths = Vec::with_capacity(grids.len());
        for g in &grids {
            paths.push(rules::grids::grid_path(tx, &g.code)?.unwrap_or_default());
        }
        Ok(paths)
    })?;
    for (g, p) in grids.iter_mut().zip(paths) {
        g.path = p;
    }
    // Grid polygons nested down the tree; each grid's addresses lie inside its own.
    let tiles = gridfield_server::demo_boundaries::seed(db, &tree)?;
    let grid_boxes: Vec<_> = grids
        .iter()
        .map(|g| gridfield_server::demo_boundaries::box_of(&tiles, &g.code))
        .collect();
    let first_seq = db
        .read(|tx| {
            tx.query_one("SELECT COALESCE(MAX(seq), 0) FROM records", &[])?
                .map(|r| r.int(0))
                .transpose()
        })?
        .unwrap_or(0);

    let expected = (scaled(PLATES, scale) as f64 * 3.0 + VISITS * scale) as u64;
    let bar = progress.then(|| {
        let b = indicatif::ProgressBar::new(expected);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/~{len} records {per_sec}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    console_indexes(db, false)?;
    let mut sink = Sink {
        db,
        buf: Vec::with_capacity(BATCH),
        seq: first_seq,
        first_seq,
        by_kind: BTreeMap::new(),
        per_town: vec![0; n_towns],
        per_community: vec![0; n_comms],
        progress: bar,
    };
    // Grids and templates were written through the server's own functions.
    sink.by_kind
        .insert(RecordKind::Grid.as_str().into(), tree.len() as u64);

    // ---- door plates and what hangs off them, grid by grid (an import per grid)
    let mut serial = 0u64;
    let mut street_next: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for gi in 0..grids.len() {
        let mut r = Rng::new(seed, 100_000 + gi as u64);
        let quota = plates_per_grid[gi];
        let town = grids[gi].town;
        let town_name = TOWN_NAMES[town];
        let street_i = (gi * 13 + town * 5) % STREETS.len();
        let street = STREETS[street_i];
        let mut made = 0usize;
        let base_ms = YEAR_START_MS - (400 - (gi % 30) as i64) * DAY_MS;
        while made < quota {
            let number = {
                let n = street_next.entry((town, street_i)).or_insert(1);
                let v = *n;
                *n += 2;
                v
            };
            let (lat, lon) = gridfield_server::demo_boundaries::point_in(
                &grid_boxes[gi],
                r.below(12_000),
                r.below(16_000),
            );
            let prefix = format!("320583-{:03}-{:02}{number:04}", town + 1, street_i);
            if r.chance(70) {
                // A street-front shop or workshop: one plate, one business.
                let (shop, kind) = *r.pick(SHOPS);
                serial += 1;
                let a = Address {
                    code: format!("{prefix}-00-00-0000"),
                    grid_code: grids[gi].code.clone(),
                    full_text: format!("江苏省昆山市{town_name}{street}{number}号{shop}"),
                    street: Some(street.into()),
                    number: Some(format!("{number}号")),
                    building: None,
                    unit: None,
                    room: None,
                    plate_serial: Some(format!("KS-2026-{serial:06}")),
                    lat: Some(lat),
                    lon: Some(lon),
                };
                let at = base_ms + made as i64 * 1000;
                put_address(&mut sink, &grids[gi], &a, at)?;
                let mut f = Map::new();
                f.insert("name".into(), json!(format!("{}{shop}", r.pick(SURNAMES))));
                f.insert("kind".into(), json!(kind));
                f.insert("contact_name".into(), json!(r.name()));
                f.insert("contact_phone".into(), json!(r.phone("139")));
                put_entity(
                    &mut sink,
                    &grids[gi],
                    EntityKind::Business,
                    format!("b-{}", a.code),
                    &a.code,
                    f,
                    at,
                )?;
                let at_plate = grids[gi].addresses.len();
                grids[gi]
                    .businesses
                    .push((format!("b-{}", a.code), at_plate, kind));
                grids[gi]
                    .addresses
                    .push((a.code, a.full_text, Some((lat, lon))));
                made += 1;
                continue;
            }
            // A residential compound: buildings × units × floors × rooms.
            let compound = *r.pick(COMPOUNDS);
            let buildings = 1 + r.below(4) as u32;
            let floors = *r.pick(&[6u32, 6, 7, 11, 18]);
            let rooms = if floors > 6 { 4 } else { 2 };
            'compound: for b in 1..=buildings {
                for u in 1..=2u32 {
                    for floor in 1..=floors {
                        for room in 1..=rooms {
                            if made >= quota {
                                break 'compound;
                            }
                            serial += 1;
                            let room_no = format!("{floor}{room:02}");
                            let a = Address {
                                code: format!("{prefix}-{b:02}-{u:02}-{floor:02}{room:02}"),
                                grid_code: grids[gi].code.clone(),
                                full_text: format!(
                                    "江苏省昆山市{town_name}{street}{number}号{compound}{b}栋{u}单元{room_no}室"
                                ),
                                street: Some(street.into()),
                                number: Some(format!("{number}号")),
                                building: Some(format!("{b}栋")),
                                unit: Some(format!("{u}单元")),
                                room: Some(format!("{room_no}室")),
                                plate_serial: Some(format!("KS-2026-{serial:06}")),
                                lat: Some(lat),
                                lon: Some(lon),
                            };
                            let at = base_ms + made as i64 * 1000;
                            put_address(&mut sink, &grids[gi], &a, at)?;
                            residents(&mut sink, &mut r, &mut grids[gi], &a, at)?;
                            grids[gi]
                                .addresses
                                .push((a.code, a.full_text, Some((lat, lon))));
                            made += 1;
                        }
                    }
                }
            }
        }
    }

    // ---- a year of activity, day by day across the whole city
    let visits_per_grid_day = VISITS * scale / 365.0 / grids.len() as f64;
    // Share of visits that find a problem; a fifth of reports (accepted with a
    // hazard) make up the rest of the year's hazards.
    let hazard_rate = (HAZARDS - 0.2 * REPORTS) / VISITS;
    let reports_per_grid_day = REPORTS * scale / 365.0 / grids.len() as f64;
    let venue_per_grid_day = VENUE_INSPECTIONS * scale / 365.0 / grids.len() as f64;
    let answers = visit_answers(&visit_tpl)?;
    for day in 0..365i64 {
        for (gi, g) in grids.iter().enumerate() {
            let mut r = Rng::new(seed, 1_000_000 + (day as u64) * 100_000 + gi as u64);
            if g.households.is_empty() {
                continue;
            }
            let weekday = (day + 5) % 7 < 5;
            let mean = visits_per_grid_day * if weekday { 1.2 } else { 0.5 };
            let n = mean.floor() as u64 + (r.below(1000) < ((mean.fract()) * 1000.0) as u64) as u64;
            for k in 0..n {
                let at = YEAR_START_MS + day * DAY_MS + (9 * 3600 + k as i64 * 1500) * 1000;
                let (hid, ai) = g.households[r.below(g.households.len() as u64) as usize].clone();
                let finds = (r.below(100_000) as f64) < hazard_rate * 100_000.0;
                visit(
                    &mut sink, &mut r, g, &answers, &visit_tpl, &hid, ai, at, day, finds,
                )?;
            }
            // Enterprise and venue inspections, each with a checklist for its kind.
            let n = venue_per_grid_day.floor() as u64
                + (r.below(1000) < (venue_per_grid_day.fract() * 1000.0) as u64) as u64;
            for k in 0..n {
                if g.businesses.is_empty() {
                    break;
                }
                let (bid, ai, kind) = &g.businesses[r.below(g.businesses.len() as u64) as usize];
                let fits = crate::venues::for_kind(&venue_checklists, kind);
                if fits.is_empty() {
                    continue;
                }
                let c = *r.pick(&fits);
                let at = YEAR_START_MS + day * DAY_MS + (10 * 3600 + k as i64 * 2400) * 1000;
                let finds = (r.below(100_000) as f64) < hazard_rate * 100_000.0;
                crate::venues::inspect(&mut sink, &mut r, g, c, bid, *ai, at, day, finds)?;
            }
            let reports = reports_per_grid_day.floor() as u64
                + (r.below(1000) < (reports_per_grid_day.fract() * 1000.0) as u64) as u64;
            for k in 0..reports {
                let at = YEAR_START_MS + day * DAY_MS + (14 * 3600 + k as i64 * 600) * 1000;
                volunteer_report(&mut sink, &mut r, g, at, day)?;
            }
        }
    }
    // ---- the year's cases (事件), with the departments and rules they go by
    crate::cases::departments(db, n_towns)?;
    crate::cases::year(&mut sink, db, &grids, seed, scale)?;
    sink.flush()?;
    console_indexes(db, true)?;
    // What autovacuum would do soon after on PostgreSQL (SQLite's `PRAGMA optimize`
    // at the next open, later), done before anyone measures the console.
    db.after_bulk_load()?;
    if let Some(p) = &sink.progress {
        p.finish_and_clear();
    }
    let per_town = sink.per_town.clone();
    let per_comm = sink.per_community.clone();
    let subtrees = subtrees
        .into_iter()
        .map(|(code, name, level, t, c)| Subtree {
            code,
            name,
            level,
            records: c.map(|c| per_comm[c]).unwrap_or(per_town[t]),
        })
        .collect();
    let by_kind = sink.by_kind.clone();
    Ok(CitySummary {
        seed,
        scale,
        records: by_kind.values().sum::<u64>(),
        by_kind,
        worker_grid: grids[0].code.clone(),
        subtrees,
        first_seq: sink.first_seq + 1,
        last_seq: sink.seq,
    })
}

pub(crate) fn put_address(sink: &mut Sink<'_>, g: &GridInfo, a: &Address, at: i64) -> Result<()> {
    sink.put(
        RecordKind::Address,
        a.code.clone(),
        g,
        Some(&a.code),
        &json!(a),
        at,
    )
}

pub(crate) fn put_entity(
    sink: &mut Sink<'_>,
    g: &GridInfo,
    kind: EntityKind,
    id: String,
    address_code: &str,
    fields: Map<String, Value>,
    at: i64,
) -> Result<()> {
    // As the merge keeps it: who wrote each field and at which feed position.
    let doc = EntityDoc::seeded(kind, &id, address_code, fields, &stamp(at));
    sink.put(
        RecordKind::from(kind),
        id,
        g,
        Some(address_code),
        &records::to_body(&doc)?,
        at,
    )
}

/// Who lives at a flat: a household (60%), a rental unit with tenants (20%), or nobody.
pub(crate) fn residents(
    sink: &mut Sink<'_>,
    r: &mut Rng,
    g: &mut GridInfo,
    a: &Address,
    at: i64,
) -> Result<()> {
    let roll = r.below(10);
    let moved_in = date(at - r.below(20 * 365) as i64 * DAY_MS);
    if roll < 6 {
        let hid = format!("h-{}", a.code);
        let head = r.name();
        let members = 1 + r.below(5);
        let floating = r.chance(25);
        let residency = if floating { "floating" } else { "registered" };
        let mut f = Map::new();
        f.insert("head_name".into(), json!(head));
        f.insert("phone".into(), json!(r.phone("138")));
        f.insert("members".into(), json!(members));
        f.insert("residency".into(), json!(residency));
        f.insert("moved_in".into(), json!(moved_in));
        put_entity(sink, g, EntityKind::Household, hid.clone(), &a.code, f, at)?;
        let persons = if members > 1 && r.chance(50) { 2 } else { 1 };
        for p in 0..persons {
            let mut f = Map::new();
            f.insert("household_id".into(), json!(hid));
            f.insert(
                "name".into(),
                json!(if p == 0 { head.clone() } else { r.name() }),
            );
            f.insert("id_number".into(), json!(id_number(r)));
            f.insert("phone".into(), json!(r.phone("137")));
            f.insert("residency".into(), json!(residency));
            f.insert("moved_in".into(), json!(moved_in));
            put_entity(
                sink,
                g,
                EntityKind::Person,
                format!("p{p}-{}", a.code),
                &a.code,
                f,
                at,
            )?;
        }
        g.households.push((hid, g.addresses.len()));
    } else if roll < 8 {
        let rid = format!("r-{}", a.code);
        let shared = r.chance(15);
        let mut f = Map::new();
        f.insert("landlord_name".into(), json!(r.name()));
        f.insert("landlord_phone".into(), json!(r.phone("135")));
        f.insert("rooms".into(), json!(1 + r.below(4)));
        f.insert(
            "use".into(),
            json!(if shared { "shared" } else { "residential" }),
        );
        f.insert(
            "risk_level".into(),
            json!(if shared {
                "high"
            } else {
                ["low", "low", "medium"][r.below(3) as usize]
            }),
        );
        put_entity(sink, g, EntityKind::RentalUnit, rid.clone(), &a.code, f, at)?;
        let tenants = 1 + r.below(if shared { 5 } else { 2 });
        for t in 0..tenants {
            let mut f = Map::new();
            f.insert("rental_unit_id".into(), json!(rid));
            f.insert("name".into(), json!(r.name()));
            f.insert("id_number".into(), json!(id_number(r)));
            f.insert("phone".into(), json!(r.phone("136")));
            f.insert("residency".into(), json!("floating"));
            f.insert(
                "moved_in".into(),
                json!(date(at - r.below(700) as i64 * DAY_MS)),
            );
            put_entity(
                sink,
                g,
                EntityKind::Person,
                format!("t{t}-{}", a.code),
                &a.code,
                f,
                at,
            )?;
        }
    }
    Ok(())
}
