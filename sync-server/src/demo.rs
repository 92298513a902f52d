//! `serve --demo`: a realistic district on the embedded store — two towns, six
//! grids, a few thousand Chinese addresses with households, residents, rental
//! units and shops — plus workers, a volunteer and a supervisor with codes, and
//! departments with a case at every stage (`demo_cases`), and a visit plan with
//! a history of past visits (`demo_visits`).

use gridfield_core::model::{Address, EntityKind, Grid, Role};
use gridfield_core::record::RecordKind;
use serde_json::{Map, Value, json};

use crate::db::records::{self, EntityDoc};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::rules;
use crate::server::Server;

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
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭",
];
const GIVEN: &[&str] = &[
    "秀英", "建国", "桂兰", "志强", "丽娟", "海燕", "伟", "敏", "静", "磊", "军", "洋", "娜", "勇",
    "艳", "杰",
];
const SHOPS: &[&str] = &[
    "便民超市",
    "兰州拉面",
    "五金店",
    "理发店",
    "快递驿站",
    "水果店",
    "药房",
    "早餐店",
];

/// Who the demo creates, and the codes they enroll with.
pub struct DemoUsers {
    pub codes: Vec<(String, Role, String, String)>,
    /// Console accounts (user, password), printed once at start.
    pub console: Vec<(String, String)>,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn entity(
    tx: &mut dyn Tx,
    server: &Server,
    kind: EntityKind,
    id: &str,
    address: &Address,
    path: &str,
    fields: Map<String, Value>,
) -> Result<()> {
    let stamp = server.tick().to_string();
    let doc = EntityDoc::seeded(kind, id, &address.code, fields, &stamp);
    records::put(
        tx,
        RecordKind::from(kind),
        id,
        path,
        Some(&address.code),
        &records::to_body(&doc)?,
    )?;
    Ok(())
}

/// A resident ID number whose check character is right (the core's rule).
fn id_number(rng: &mut Rng) -> String {
    let body = format!(
        "320583{}{:02}{:02}{:03}",
        1950 + rng.below(55),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(1000),
    );
    let check = gridfield_core::person::id_number_check_char(&body).expect("17 digits");
    format!("{body}{check}")
}

/// Seed when the database has no grids yet; return the enrollment codes.
pub fn seed(server: &Server, addresses_per_grid: u32) -> Result<Option<DemoUsers>> {
    let db: &Db = &server.db;
    let empty = db.read(|tx| Ok(tx.query_one("SELECT 1 FROM grids LIMIT 1", &[])?.is_none()))?;
    if !empty {
        return Ok(None);
    }
    let mut grids = vec![Grid {
        code: "320583".into(),
        name: "昆山市".into(),
        level: 1,
        parent_code: None,
    }];
    for (t, town) in [("001", "玉山镇"), ("002", "周市镇")] {
        grids.push(Grid {
            code: format!("320583{t}"),
            name: town.into(),
            level: 2,
            parent_code: Some("320583".into()),
        });
        for g in 1..=3 {
            grids.push(Grid {
                code: format!("320583{t}{g:03}"),
                name: format!("{town}第{}网格", ["一", "二", "三"][g - 1]),
                level: 3,
                parent_code: Some(format!("320583{t}")),
            });
        }
    }
    db.write_as(|tx| grids.iter().try_for_each(|g| rules::grids::add_grid(tx, g)))?;
    let tiles = crate::demo_boundaries::seed(db, &grids)?;
    crate::admin::ensure_templates(db)?;

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut serial = 0u32;
    for g in grids.iter().filter(|g| g.level == 3) {
        let town = &g.code[6..9];
        let gi: usize = g.code[9..].parse().unwrap_or(1);
        let street = STREETS[(gi - 1 + if town == "001" { 0 } else { 3 }) % STREETS.len()];
        let grid_box = crate::demo_boundaries::box_of(&tiles, &g.code);
        db.write(|tx| {
            let path = rules::grids::grid_path(tx, &g.code)?.unwrap_or_default();
            let mut made = 0;
            let mut number = 1 + gi as u32 * 20;
            while made < addresses_per_grid {
                number += 2;
                let shop_addr = Address {
                    code: format!("{}-{town}-{number:04}-00-00-0000", &g.code[..6]),
                    grid_code: g.code.clone(),
                    full_text: format!(
                        "江苏省昆山市{}{street}{number}号{}",
                        &grids[if town == "001" { 1 } else { 5 }].name,
                        SHOPS[number as usize % SHOPS.len()]
                    ),
                    street: Some(street.into()),
                    number: Some(format!("{number}号")),
                    building: None,
                    unit: None,
                    room: None,
                    plate_serial: Some(format!("KS-2026-{:06}", {
                        serial += 1;
                        serial
                    })),
                    lat: Some(crate::demo_boundaries::point_in(&grid_box, rng.below(1000), 0).0),
                    lon: Some(crate::demo_boundaries::point_in(&grid_box, 0, rng.below(1000)).1),
                };
                rules::grids::import_address(tx, &shop_addr)?;
                let mut f = Map::new();
                f.insert("name".into(), json!(SHOPS[number as usize % SHOPS.len()]));
                f.insert("kind".into(), json!("shop"));
                f.insert(
                    "contact_name".into(),
                    json!(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                );
                f.insert(
                    "contact_phone".into(),
                    json!(format!("139{:08}", rng.below(100_000_000))),
                );
                entity(
                    tx,
                    server,
                    EntityKind::Business,
                    &format!("b-{}", shop_addr.code),
                    &shop_addr,
                    &path,
                    f,
                )?;
                made += 1;
                for b in 1..=3u32 {
                    for u in 1..=2u32 {
                        for floor in 1..=6u32 {
                            for room in 1..=2u32 {
                                if made >= addresses_per_grid {
                                    break;
                                }
                                let room_no = format!("{floor}{room:02}");
                                let a = Address {
                                    code: format!(
                                        "{}-{town}-{number:04}-{b:02}-{u:02}-{floor:02}{room:02}",
                                        &g.code[..6]
                                    ),
                                    grid_code: g.code.clone(),
                                    full_text: format!(
                                        "江苏省昆山市{street}{number}号{b}栋{u}单元{room_no}室"
                                    ),
                                    street: Some(street.into()),
                                    number: Some(format!("{number}号")),
                                    building: Some(format!("{b}栋")),
                                    unit: Some(format!("{u}单元")),
                                    room: Some(format!("{room_no}室")),
                                    plate_serial: Some(format!("KS-2026-{:06}", {
                                        serial += 1;
                                        serial
                                    })),
                                    lat: shop_addr.lat,
                                    lon: shop_addr.lon,
                                };
                                rules::grids::import_address(tx, &a)?;
                                made += 1;
                                let r = rng.below(10);
                                if r < 6 {
                                    let hid = format!("h-{}", a.code);
                                    let head = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
                                    let mut f = Map::new();
                                    f.insert("head_name".into(), json!(head));
                                    f.insert(
                                        "phone".into(),
                                        json!(format!("138{:08}", rng.below(100_000_000))),
                                    );
                                    f.insert("members".into(), json!(1 + rng.below(4)));
                                    f.insert(
                                        "residency".into(),
                                        json!(if rng.below(4) == 0 {
                                            "floating"
                                        } else {
                                            "registered"
                                        }),
                                    );
                                    entity(tx, server, EntityKind::Household, &hid, &a, &path, f)?;
                                    let mut p = Map::new();
                                    p.insert("household_id".into(), json!(hid));
                                    p.insert("name".into(), json!(head));
                                    p.insert("id_number".into(), json!(id_number(&mut rng)));
                                    p.insert(
                                        "phone".into(),
                                        json!(format!("137{:08}", rng.below(100_000_000))),
                                    );
                                    entity(
                                        tx,
                                        server,
                                        EntityKind::Person,
                                        &format!("p-{}", a.code),
                                        &a,
                                        &path,
                                        p,
                                    )?;
                                } else if r < 8 {
                                    let rid = format!("r-{}", a.code);
                                    let mut f = Map::new();
                                    f.insert(
                                        "landlord_name".into(),
                                        json!(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                                    );
                                    f.insert(
                                        "landlord_phone".into(),
                                        json!(format!("135{:08}", rng.below(100_000_000))),
                                    );
                                    f.insert("rooms".into(), json!(1 + rng.below(4)));
                                    f.insert(
                                        "use".into(),
                                        json!(if rng.below(5) == 0 {
                                            "shared"
                                        } else {
                                            "residential"
                                        }),
                                    );
                                    f.insert(
                                        "risk_level".into(),
                                        json!(["low", "medium", "high"][rng.below(3) as usize]),
                                    );
                                    entity(tx, server, EntityKind::RentalUnit, &rid, &a, &path, f)?;
                                    let mut t = Map::new();
                                    t.insert("rental_unit_id".into(), json!(rid));
                                    t.insert(
                                        "name".into(),
                                        json!(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
                                    );
                                    t.insert("id_number".into(), json!(id_number(&mut rng)));
                                    t.insert("residency".into(), json!("floating"));
                                    entity(
                                        tx,
                                        server,
                                        EntityKind::Person,
                                        &format!("t-{}", a.code),
                                        &a,
                                        &path,
                                        t,
                                    )?;
                                }
                            }
                        }
                    }
                }
            }
            Ok(())
        })?;
    }

    let week = 7 * 24 * 3600 * 1000;
    let users = [
        ("张伟", Role::Worker, "320583001001"),
        ("李娜", Role::Worker, "320583001001"),
        ("王芳", Role::Volunteer, "320583001001"),
        ("赵强", Role::Supervisor, "320583001"),
    ];
    let mut codes = Vec::new();
    for (name, role, grid) in users {
        let code =
            db.write_as(|tx| rules::enrollment::create_enroll_code(tx, name, role, grid, week))?;
        codes.push((name.to_string(), role, grid.to_string(), code));
    }
    // Console passwords are random per demo database and printed once.
    let mut console = Vec::new();
    for (name, role, grid) in [
        ("赵强", Role::Supervisor, "320583001"),
        ("管理员", Role::Admin, "320583"),
    ] {
        let mut b = [0u8; 6];
        getrandom::fill(&mut b).map_err(|e| crate::ApiError::internal(e.to_string()))?;
        let password = format!("demo-{}", hex::encode(b));
        db.write(|tx| {
            rules::grids::add_user(tx, name, role, grid)?;
            crate::console::auth::set_password(tx, name, &password)
        })?;
        console.push((name.to_string(), password));
    }
    crate::demo_visits::seed(
        server,
        &[("张伟", "320583001001"), ("李娜", "320583001001")],
    )?;
    crate::demo_cases::seed(server, &mut codes, &mut console)?;
    Ok(Some(DemoUsers { codes, console }))
}

#[cfg(test)]
mod tests {
    use crate::db::Db;
    use crate::server::Server;

    /// Every plate of the demo district, signed as `admin sign-plates` signs it for a
    /// 12-character host, prints at QR version 6 or lower at error correction M.
    #[test]
    fn every_demo_plate_fits_qr_version_6_at_ec_level_m() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("demo.db").display().to_string()).unwrap();
        let server = Server::new(db).unwrap();
        super::seed(&server, 500).unwrap().unwrap();
        let mut out = Vec::new();
        let n =
            crate::admin::sign_plates(&server.db, "320583", Some("https://gf.ks.gov.cn"), &mut out)
                .unwrap();
        assert!(n.signed >= 3000, "only {} demo plates", n.signed);
        assert_eq!(n.oversized, 0);
        let text = String::from_utf8(out).unwrap();
        let mut worst = 0;
        for line in text.lines() {
            let url = line.rsplit('\t').next().unwrap();
            let v = crate::admin::plate_qr_version(url).unwrap();
            assert!(v <= 6, "{line} needs QR version {v}");
            worst = worst.max(v);
        }
        assert_eq!(text.lines().count() as u64, n.signed);
        assert!(worst >= 1);

        // A host too long for a small plate is counted, so the admin is told.
        let mut out = Vec::new();
        let long = crate::admin::sign_plates(
            &server.db,
            "320583",
            Some("https://gridfield-plates.changshu-city.example.gov.cn"),
            &mut out,
        )
        .unwrap();
        assert_eq!(long.signed, n.signed);
        assert_eq!(long.oversized, long.signed);
    }
}
