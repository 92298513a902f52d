//! The city's figures and the words it is built from: a county-level city's real
//! counts at scale 1 (DESIGN.md), town, street, compound, name and shop lists.

/// Real figures of one county-level city (DESIGN.md) at scale 1.
pub(crate) const TOWNS: usize = 14;
pub(crate) const COMMUNITIES: usize = 358;
pub(crate) const GRIDS: usize = 1231;
pub(crate) const PLATES: f64 = 800_000.0;
pub(crate) const VISITS: f64 = 840_000.0;
pub(crate) const HAZARDS: f64 = 45_000.0;
pub(crate) const REPORTS: f64 = 24_000.0;
/// Cases (事件) a year: disputes, public-order and safety matters, residents'
/// requests, from grid workers and the hotline (tens of thousands a year).
pub(crate) const CASES: f64 = 50_000.0;
/// Enterprise and venue inspections a year (three-small venues, homestays,
/// e-bike sites, gas users, enterprises).
pub(crate) const VENUE_INSPECTIONS: f64 = 140_000.0;

/// The year of activity: 2025-11-01 00:00 +08:00, 365 days. Fixed, so the same
/// seed gives byte-identical records on any day the generator runs.
pub(crate) const YEAR_START_MS: i64 = 1_761_926_400_000;
pub(crate) const DAY_MS: i64 = 24 * 3600 * 1000;
pub(crate) const STAMP_NODE: &str = "srv-city";
/// Rows per bulk write: one transaction each.
pub(crate) const BATCH: usize = 20_000;

pub(crate) const TOWN_NAMES: [&str; TOWNS] = [
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
pub(crate) const TOWN_WEIGHTS: [usize; TOWNS] =
    [45, 38, 34, 31, 29, 27, 26, 24, 22, 21, 19, 16, 14, 12];
pub(crate) const COMMUNITY_NAMES: &[&str] = &[
    "新城", "东湖", "南星", "西河", "北苑", "和平", "友谊", "振华", "金港", "银杏", "紫竹", "春晖",
    "朝阳", "青阳", "白塘", "同心", "玉峰", "城北", "城南", "江浦", "花园", "湖滨", "泾河", "新民",
];
pub(crate) const STREETS: &[&str] = &[
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
pub(crate) const COMPOUNDS: &[&str] = &[
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
pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
];
pub(crate) const GIVEN: &[&str] = &[
    "秀英", "建国", "桂兰", "志强", "丽娟", "海燕", "伟", "敏", "静", "磊", "军", "洋", "娜", "勇",
    "艳", "杰", "婷", "强", "玉兰", "子涵", "浩然", "欣怡", "宇轩", "梓萱", "建华", "春梅", "国庆",
    "红霞",
];
pub(crate) const SHOPS: &[(&str, &str)] = &[
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
    ("快捷宾馆", "hotel"),
    ("民宿", "homestay"),
    ("电动车集中充电棚", "ebike_site"),
    ("纺织有限公司", "enterprise"),
    ("小饭店", "restaurant"),
];
pub(crate) const NEEDS: &[&str] = &[
    "",
    "",
    "",
    "希望小区增设电动车充电桩",
    "楼道灯损坏，请求维修",
    "老人行动不便，希望上门办理医保",
    "反映楼下餐馆油烟扰民",
    "咨询孩子入学积分政策",
];
pub(crate) const REPORT_TEXTS: &[&str] = &[
    "楼道堆放杂物，堵塞消防通道",
    "电动车在楼道内充电",
    "小区路灯不亮",
    "井盖破损，存在安全隐患",
    "群租房人员进出频繁",
    "垃圾清运不及时",
    "消防栓被遮挡",
    "外墙瓷砖有脱落风险",
];
pub(crate) const RETURN_COMMENTS: &[&str] = &[
    "请补充走访人数",
    "人口变动说明不完整，请补充",
    "请核实联系电话",
];
