//! `admin gen-city`: a seeded, deterministic county-level city for benchmarks —
//! 14 towns, 358 communities, 1,231 grids, 800,000 door plates with households,
//! residents, rental units and shops, and a year of field activity — bulk-loaded
//! into `records` exactly as the server would have stored it had devices pushed it.

use std::collections::BTreeMap;

use gridfield_core::checklist::{Answers, ChecklistTemplate, ItemPhotos, Severity};
use gridfield_core::hazard::{HazardAction, HazardStatus};
use gridfield_core::model::{Address, EntityKind, GeoPoint, Grid, ReportStatus, ReviewStatus};
use gridfield_core::records::{Delivery, Hazard, HazardEvent, Inspection, Report};
use gridfield_core::wire::EntityState;
use serde_json::{Map, Value, json};

use crate::db::{Db, RecordRow, RowExt};
use crate::error::{ApiError, Result};
use crate::logic;

/// Real figures of one county-level city (DESIGN.md) at scale 1.
const TOWNS: usize = 14;
const COMMUNITIES: usize = 358;
const GRIDS: usize = 1231;
const PLATES: f64 = 800_000.0;
const VISITS: f64 = 840_000.0;
const HAZARDS: f64 = 45_000.0;
const REPORTS: f64 = 24_000.0;

/// The year of activity: 2025-11-01 00:00 +08:00, 365 days. Fixed, so the same
/// seed gives byte-identical records on any day the generator runs.
pub const YEAR_START_MS: i64 = 1_761_926_400_000;
const DAY_MS: i64 = 24 * 3600 * 1000;
const STAMP_NODE: &str = "srv-city";
/// Rows per bulk write: one transaction each.
const BATCH: usize = 20_000;

const TOWN_NAMES: [&str; TOWNS] = [
    "玉山镇",
    "巴城镇",
    "周市镇",
    "陆家镇",
    "花桥镇",
    "张浦镇",
    "千灯镇",
    "淀山湖镇",
    "锦溪镇",
    "周庄镇",
    "亭林街道",
    "朝阳街道",
    "青阳街道",
    "柏庐街道",
];
/// Communities per town at scale 1 (sums to 358): towns differ in size, and the
/// smallest is a supervisor's subtree of about 100,000 records.
const TOWN_WEIGHTS: [usize; TOWNS] = [45, 38, 34, 31, 29, 27, 26, 24, 22, 21, 19, 16, 14, 12];
const COMMUNITY_NAMES: &[&str] = &[
    "新城", "东湖", "南星", "西河", "北苑", "和平", "友谊", "振华", "金港", "银杏", "紫竹", "春晖",
    "朝阳", "青阳", "白塘", "同心", "玉峰", "城北", "城南", "江浦", "花园", "湖滨", "泾河", "新民",
];
const STREETS: &[&str] = &[
    "建设路",
    "人民路",
    "朝阳路",
    "前进西路",
    "柏庐南路",
    "同丰路",
    "马鞍山路",
    "亭林路",
    "北门路",
    "长江北路",
    "黄河路",
    "珠江路",
    "萧林路",
    "江浦路",
    "白塘路",
    "震川路",
    "樾河路",
    "青阳路",
    "环城东路",
    "中华园路",
    "景王路",
    "共青路",
    "东城大道",
    "西环路",
    "祖冲之路",
    "汉浦路",
    "黄浦江路",
    "洞庭湖路",
    "衡山路",
    "庐山路",
    "嵩山路",
    "泰山路",
    "华山路",
    "峨眉山路",
    "金沙江路",
    "雁荡山路",
    "娄江路",
    "玉山路",
    "新塘路",
    "红峰路",
];
const COMPOUNDS: &[&str] = &[
    "阳光花园",
    "锦绣苑",
    "新城家园",
    "幸福里",
    "东方名城",
    "枫景苑",
    "玉兰小区",
    "翠湖湾",
    "金色港湾",
    "明珠花园",
    "和谐家园",
    "世纪新村",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
];
const GIVEN: &[&str] = &[
    "秀英", "建国", "桂兰", "志强", "丽娟", "海燕", "伟", "敏", "静", "磊", "军", "洋", "娜", "勇",
    "艳", "杰", "婷", "强", "玉兰", "子涵", "浩然", "欣怡", "宇轩", "梓萱", "建华", "春梅", "国庆",
    "红霞",
];
const SHOPS: &[(&str, &str)] = &[
    ("便民超市", "shop"),
    ("兰州拉面", "restaurant"),
    ("五金店", "shop"),
    ("理发店", "shop"),
    ("快递驿站", "shop"),
    ("水果店", "shop"),
    ("大药房", "shop"),
    ("早餐店", "restaurant"),
    ("沙县小吃", "restaurant"),
    ("电动车维修", "shop"),
    ("棋牌室", "venue"),
    ("精密机械有限公司", "enterprise"),
];
const NEEDS: &[&str] = &[
    "",
    "",
    "",
    "希望小区增设电动车充电桩",
    "楼道灯损坏，请求维修",
    "老人行动不便，希望上门办理医保",
    "反映楼下餐馆油烟扰民",
    "咨询孩子入学积分政策",
];
const REPORT_TEXTS: &[&str] = &[
    "楼道堆放杂物，堵塞消防通道",
    "电动车在楼道内充电",
    "小区路灯不亮",
    "井盖破损，存在安全隐患",
    "群租房人员进出频繁",
    "垃圾清运不及时",
    "消防栓被遮挡",
    "外墙瓷砖有脱落风险",
];
const RETURN_COMMENTS: &[&str] = &[
    "请补充走访人数",
    "人口变动说明不完整，请补充",
    "请核实联系电话",
];

/// splitmix64: seeds the per-purpose streams so one stream's use never shifts another's.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);
impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        Rng(mix(seed ^ mix(stream)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn name(&mut self) -> String {
        format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN))
    }
    fn phone(&mut self, prefix: &str) -> String {
        format!("{prefix}{:08}", self.below(100_000_000))
    }
    /// A UUIDv7, as a phone's `new_id` would make at `ms`.
    fn uuid7(&mut self, ms: i64) -> String {
        let mut b = [0u8; 10];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(ms as u64, &b)
            .into_uuid()
            .to_string()
    }
}

/// A resident ID number (身份证号) with a valid ISO 7064 check digit.
fn id_number(rng: &mut Rng) -> String {
    let body = format!(
        "320583{}{:02}{:02}{:03}",
        1940 + rng.below(66),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(1000)
    );
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3600 * 1000)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn stamp(ms: i64) -> String {
    format!("{ms:013}-{:06}-{STAMP_NODE}", 0)
}

/// A plate of the grid: code, full text, coordinates.
type Plate = (String, String, Option<(f64, f64)>);

/// What one lowest-level grid holds, kept for the activity year.
struct GridInfo {
    code: String,
    path: String,
    town: usize,
    community: usize,
    worker: String,
    worker_device: String,
    supervisor: String,
    addresses: Vec<Plate>,
    households: Vec<(String, usize)>,
}

/// Counts of what was generated, and subtrees for benchmarks to pick scopes from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CitySummary {
    pub seed: u64,
    pub scale: f64,
    pub records: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// The first lowest-level grid: a grid worker's slice.
    pub worker_grid: String,
    /// Towns and communities with the records under each.
    pub subtrees: Vec<Subtree>,
    pub first_seq: i64,
    pub last_seq: i64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Subtree {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub records: u64,
}

/// Drop the console's list indexes (migration 004) for the bulk load, or build them
/// again after it: kept up to date row by row they made the load many times slower,
/// and built at the end each is one sort.
fn console_indexes(db: &Db, build: bool) -> Result<()> {
    let ddl = if db.backend() == "postgres" {
        include_str!("../migrations/postgres/004_console_indexes.sql")
    } else {
        include_str!("../migrations/sqlite/004_console_indexes.sql")
    };
    let sql: Vec<&str> = ddl
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    let sql = sql.join("\n");
    db.write(|tx| {
        for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            if build || stmt.starts_with("DROP") {
                tx.execute(stmt, &[])?;
            }
        }
        Ok(())
    })
}

/// Buffers records and writes them in big transactions with their final seq.
struct Sink<'a> {
    db: &'a Db,
    buf: Vec<RecordRow>,
    seq: i64,
    first_seq: i64,
    by_kind: BTreeMap<String, u64>,
    per_town: Vec<u64>,
    per_community: Vec<u64>,
    progress: Option<indicatif::ProgressBar>,
}

impl Sink<'_> {
    #[allow(clippy::too_many_arguments)]
    fn put(
        &mut self,
        kind: &str,
        id: String,
        g: &GridInfo,
        address: Option<&str>,
        body: &Value,
        at: i64,
    ) -> Result<()> {
        self.seq += 1;
        *self.by_kind.entry(kind.to_string()).or_default() += 1;
        self.per_town[g.town] += 1;
        self.per_community[g.community] += 1;
        self.buf.push(RecordRow {
            kind: kind.to_string(),
            id,
            grid_path: g.path.clone(),
            address_code: address.map(String::from),
            seq: self.seq,
            body: body.to_string(),
            updated_at: at,
        });
        if self.buf.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.buf);
        self.db.write(|tx| tx.insert_records(&rows))?;
        if let Some(p) = &self.progress {
            p.inc(rows.len() as u64);
        }
        self.buf = rows;
        self.buf.clear();
        Ok(())
    }
}

/// Share `total` over `n` parts by `weights`, every part at least 1.
fn apportion(total: usize, weights: &[usize]) -> Vec<usize> {
    let n = weights.len();
    let total = total.max(n);
    let sum: usize = weights.iter().sum();
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| (total * w / sum.max(1)).max(1))
        .collect();
    let mut i = 0;
    while out.iter().sum::<usize>() < total {
        out[i % n] += 1;
        i += 1;
    }
    while out.iter().sum::<usize>() > total {
        let j = (0..n).max_by_key(|&j| out[j]).unwrap_or(0);
        out[j] -= 1;
    }
    out
}

fn scaled(n: f64, scale: f64) -> usize {
    (n * scale).round().max(1.0) as usize
}

/// Generate the city into `db` (which must hold no grids yet).
pub fn generate(db: &Db, seed: u64, scale: f64, progress: bool) -> Result<CitySummary> {
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
            "gen-city needs an empty database (it already has grids)",
        ));
    }
    crate::admin::ensure_templates(db)?;
    let templates = gridfield_core::checklist::builtin_templates();
    let visit_tpl = templates
        .iter()
        .find(|t| t.id == "household_visit")
        .ok_or_else(|| ApiError::internal("household_visit template missing"))?
        .clone();

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
                });
                g_idx += 1;
            }
            c_idx += 1;
        }
    }
    let paths = db.write(|tx| {
        for g in &tree {
            logic::add_grid(tx, g)?;
        }
        let mut paths = Vec::with_capacity(grids.len());
        for g in &grids {
            paths.push(logic::grid_path(tx, &g.code)?.unwrap_or_default());
        }
        Ok(paths)
    })?;
    for (g, p) in grids.iter_mut().zip(paths) {
        g.path = p;
    }
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
    sink.by_kind.insert("grid".into(), tree.len() as u64);

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
            let lat = 31.32 + r.below(12_000) as f64 / 100_000.0;
            let lon = 120.90 + r.below(16_000) as f64 / 100_000.0;
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
            let reports = reports_per_grid_day.floor() as u64
                + (r.below(1000) < (reports_per_grid_day.fract() * 1000.0) as u64) as u64;
            for k in 0..reports {
                let at = YEAR_START_MS + day * DAY_MS + (14 * 3600 + k as i64 * 600) * 1000;
                volunteer_report(&mut sink, &mut r, g, at, day)?;
            }
        }
    }
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

fn put_address(sink: &mut Sink<'_>, g: &GridInfo, a: &Address, at: i64) -> Result<()> {
    sink.put("address", a.code.clone(), g, Some(&a.code), &json!(a), at)
}

fn put_entity(
    sink: &mut Sink<'_>,
    g: &GridInfo,
    kind: EntityKind,
    id: String,
    address_code: &str,
    fields: Map<String, Value>,
    at: i64,
) -> Result<()> {
    let s = stamp(at);
    let stamps: Map<String, Value> = fields
        .keys()
        .map(|k| (k.clone(), Value::String(s.clone())))
        .collect();
    // As `upsert_entity` keeps it: who wrote each field and at which feed position.
    let meta: Map<String, Value> = fields
        .keys()
        .map(|k| (k.clone(), json!({ "device": "server", "seq": 0 })))
        .collect();
    let state = EntityState {
        kind,
        id: id.clone(),
        address_code: address_code.to_string(),
        fields,
        stamps,
        deleted: false,
    };
    sink.put(
        kind.as_str(),
        id,
        g,
        Some(address_code),
        &json!({ "state": state, "meta": meta }),
        at,
    )
}

/// Who lives at a flat: a household (60%), a rental unit with tenants (20%), or nobody.
fn residents(
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

/// Answer sets a household visit ends with, each checked against the template:
/// (answers, the item that failed or None).
fn visit_answers(t: &ChecklistTemplate) -> Result<Vec<(Answers, Option<&'static str>)>> {
    let base = |present: &str, change: &str, needs: &str| -> Answers {
        let mut a = Answers::new();
        a.insert("residents_present".into(), json!(present));
        a.insert("resident_count".into(), json!(3));
        a.insert("population_change".into(), json!(change));
        a.insert("special_groups".into(), json!([]));
        a.insert("gas_unsafe".into(), json!("no"));
        a.insert("wiring_unsafe".into(), json!("no"));
        a.insert("ebike_indoor".into(), json!("no"));
        a.insert("dispute".into(), json!("no"));
        if !needs.is_empty() {
            a.insert("needs".into(), json!(needs));
        }
        a
    };
    let mut out = Vec::new();
    for (i, needs) in NEEDS.iter().enumerate() {
        let mut a = base(
            if i % 5 == 4 { "no" } else { "yes" },
            ["none", "none", "none", "moved_in", "birth"][i % 5],
            needs,
        );
        if i == 2 {
            a.insert("special_groups".into(), json!(["elderly_alone"]));
        }
        if i % 5 == 3 {
            a.insert("change_detail".into(), json!("新迁入租户一人，已登记"));
        }
        out.push((a, None));
    }
    for item in ["gas_unsafe", "wiring_unsafe", "dispute"] {
        let mut a = base("yes", "none", "");
        a.insert(item.into(), json!("yes"));
        if item == "dispute" {
            a.insert(
                "dispute_detail".into(),
                json!("邻里因噪音问题发生口角，已初步调解"),
            );
        }
        out.push((a, Some(item)));
    }
    for (a, _) in &out {
        t.evaluate(a, &ItemPhotos::new()).map_err(|e| {
            ApiError::internal(format!("generated answers do not fit the template: {e:?}"))
        })?;
    }
    Ok(out)
}

/// One household visit; a failing one raises a hazard that runs its lifecycle.
#[allow(clippy::too_many_arguments)]
fn visit(
    sink: &mut Sink<'_>,
    r: &mut Rng,
    g: &GridInfo,
    answers: &[(Answers, Option<&'static str>)],
    t: &ChecklistTemplate,
    hid: &str,
    ai: usize,
    at: i64,
    day: i64,
    finds: bool,
) -> Result<()> {
    let fails: Vec<usize> = (0..answers.len())
        .filter(|&i| answers[i].1.is_some())
        .collect();
    let passes: Vec<usize> = (0..answers.len())
        .filter(|&i| answers[i].1.is_none())
        .collect();
    let pick = if finds {
        *r.pick(&fails)
    } else {
        *r.pick(&passes)
    };
    let (ans, failed) = &answers[pick];
    let eval = t
        .evaluate(ans, &ItemPhotos::new())
        .map_err(|e| ApiError::internal(format!("{e:?}")))?;
    let (code, _, coords) = &g.addresses[ai];
    let id = r.uuid7(at);
    let finished = at + (5 + r.below(15) as i64) * 60_000;
    // Older visits were reviewed; the last fortnight's wait in the queue.
    let (status, comment) = if day > 350 && r.chance(70) {
        (ReviewStatus::Submitted, None)
    } else if r.chance(3) {
        (
            ReviewStatus::Returned,
            Some(r.pick(RETURN_COMMENTS).to_string()),
        )
    } else {
        (ReviewStatus::Approved, None)
    };
    let reviewed = status != ReviewStatus::Submitted;
    let reviewed_at = finished + (2 + r.below(48) as i64) * 3_600_000;
    let i = Inspection {
        id: id.clone(),
        template_id: t.id.clone(),
        template_version: t.version,
        address_code: code.clone(),
        subject_kind: Some(EntityKind::Household),
        subject_id: Some(hid.to_string()),
        inspector: g.worker.clone(),
        device_id: g.worker_device.clone(),
        started_at: at,
        finished_at: Some(finished),
        location: coords.map(|(lat, lon)| GeoPoint { lat, lon }),
        answers: ans.clone(),
        photos: ItemPhotos::new(),
        score: Some(eval.score),
        passed: Some(eval.passed),
        vetoed: Some(eval.vetoed),
        review_status: status,
        review_comment: comment,
        reviewed_by: reviewed.then(|| g.supervisor.clone()),
        reviewed_at: reviewed.then_some(reviewed_at),
        delivery: if reviewed {
            Delivery::Reviewed
        } else {
            Delivery::Server
        },
    };
    sink.put(
        "inspection",
        id.clone(),
        g,
        Some(code),
        &json!(i),
        if reviewed { reviewed_at } else { finished },
    )?;
    if let Some(item) = failed {
        let (category, description) = match *item {
            "gas_unsafe" => ("gas.safety", "燃气软管老化，未安装燃气报警器"),
            "wiring_unsafe" => ("electrical.wiring", "私拉乱接电线，插座超负荷"),
            _ => ("social.dispute", "邻里纠纷，需社区调解"),
        };
        hazard(
            sink,
            r,
            g,
            code,
            category,
            description,
            Some((&id, item)),
            None,
            finished,
            day,
        )?;
    }
    Ok(())
}

/// A hazard and its steps so far: most are closed within weeks, recent ones are
/// still open, and some open ones are past their deadline.
#[allow(clippy::too_many_arguments)]
fn hazard(
    sink: &mut Sink<'_>,
    r: &mut Rng,
    g: &GridInfo,
    address: &str,
    category: &str,
    description: &str,
    inspection: Option<(&str, &str)>,
    report: Option<&str>,
    at: i64,
    day: i64,
) -> Result<String> {
    let id = r.uuid7(at);
    let age = 365 - day;
    // How far along its life the hazard is by the end of the year.
    let steps = if age > 60 {
        if r.chance(92) {
            6
        } else {
            2 + r.below(4) as usize
        }
    } else if age > 14 {
        2 + r.below(5) as usize
    } else {
        r.below(4) as usize
    };
    let path: [(HazardAction, HazardStatus); 6] = [
        (HazardAction::Assign, HazardStatus::Assigned),
        (HazardAction::StartRectification, HazardStatus::Rectifying),
        (HazardAction::MarkRectified, HazardStatus::Rectified),
        (HazardAction::Verify, HazardStatus::Verified),
        (HazardAction::Close, HazardStatus::Closed),
        (HazardAction::Close, HazardStatus::Closed),
    ];
    let mut events = vec![HazardEvent {
        id: format!("{id}-reported"),
        hazard_id: id.clone(),
        action: None,
        from_status: None,
        to_status: HazardStatus::Reported,
        actor: g.worker.clone(),
        device_id: g.worker_device.clone(),
        at,
        note: None,
        photos: Vec::new(),
        assignee: None,
        deadline: None,
    }];
    let mut status = HazardStatus::Reported;
    let mut t = at;
    let deadline = at + (7 + r.below(24) as i64) * DAY_MS;
    let assignee = format!("{}（责任人）", r.name());
    for (action, to) in path.iter().take(steps.min(5)) {
        t += (1 + r.below(5 * 24) as i64) * 3_600_000;
        let supervisor_step = matches!(action, HazardAction::Verify | HazardAction::Close);
        events.push(HazardEvent {
            id: r.uuid7(t),
            hazard_id: id.clone(),
            action: Some(*action),
            from_status: Some(status),
            to_status: *to,
            actor: if supervisor_step {
                g.supervisor.clone()
            } else {
                g.worker.clone()
            },
            device_id: g.worker_device.clone(),
            at: t,
            note: match action {
                HazardAction::Assign => Some("请于期限内完成整改".into()),
                HazardAction::MarkRectified => Some("已整改完毕".into()),
                HazardAction::Verify => Some("现场复核通过".into()),
                _ => None,
            },
            photos: Vec::new(),
            assignee: (*action == HazardAction::Assign).then(|| assignee.clone()),
            deadline: (*action == HazardAction::Assign).then_some(deadline),
        });
        status = *to;
    }
    let assigned = events.len() > 1;
    let h = Hazard {
        id: id.clone(),
        address_code: address.to_string(),
        category: category.to_string(),
        severity: if category.starts_with("fire") {
            Severity::High
        } else {
            Severity::Medium
        },
        description: description.to_string(),
        status,
        assignee: assigned.then(|| assignee.clone()),
        deadline: assigned.then_some(deadline),
        photos: Vec::new(),
        source_inspection: inspection.map(|(i, _)| i.to_string()),
        source_item: inspection.map(|(_, item)| item.to_string()),
        source_report: report.map(String::from),
        reported_by: g.worker.clone(),
        created_at: at,
        updated_at: t,
        delivery: Delivery::Server,
        overdue: false,
    };
    sink.put(
        "hazard",
        id.clone(),
        g,
        Some(address),
        &json!({ "hazard": h, "events": events }),
        t,
    )?;
    Ok(id)
}

/// A volunteer's report (上报): accepted ones credit points, some become hazards.
fn volunteer_report(
    sink: &mut Sink<'_>,
    r: &mut Rng,
    g: &GridInfo,
    at: i64,
    day: i64,
) -> Result<()> {
    let (code, text, _) = &g.addresses[r.below(g.addresses.len() as u64) as usize];
    let id = r.uuid7(at);
    let volunteer = format!("{}（楼长）", r.name());
    let roll = r.below(10);
    let (status, points, note, hazard_id) = if day > 355 {
        (ReportStatus::Pending, 0, None, None)
    } else if roll < 6 {
        let hz = if roll < 2 {
            Some(hazard(
                sink,
                r,
                g,
                code,
                "fire.escape_blocked",
                "群众上报：楼道堆放杂物，堵塞疏散通道",
                None,
                Some(&id),
                at + 3_600_000,
                day,
            )?)
        } else {
            None
        };
        (
            ReportStatus::Accepted,
            if hz.is_some() { 10 } else { 5 },
            Some("已采纳，感谢您的反映".to_string()),
            hz,
        )
    } else {
        (
            ReportStatus::Dismissed,
            0,
            Some("经核实不属实".to_string()),
            None,
        )
    };
    let rep = Report {
        id: id.clone(),
        address_code: code.clone(),
        address_text: text.clone(),
        text: r.pick(REPORT_TEXTS).to_string(),
        photos: Vec::new(),
        reporter: volunteer,
        device_id: r.uuid7(YEAR_START_MS - 60 * DAY_MS),
        status,
        points,
        decision_note: note,
        hazard_id,
        created_at: at,
        delivery: if status == ReportStatus::Pending {
            Delivery::Server
        } else {
            Delivery::Reviewed
        },
    };
    sink.put("report", id, g, Some(code), &json!(rep), at)
}
