//! What `--help` says about each command and argument. The clap tree is built from
//! the derive without doc comments; `help::localize` looks every text up here by
//! command path and argument id, so a command without an entry fails a test.

use gridfield_core::Lang;

macro_rules! help_texts {
    ($($name:ident => $zh:literal, $en:literal;)*) => {
        /// One about or argument text of `--help`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Help { $($name),* }

        impl Help {
            /// The text in `lang`; Chinese and English side by side.
            pub fn text(self, lang: Lang) -> &'static str {
                match self { $(Help::$name => lang.pick($zh, $en)),* }
            }

            /// Every text, for the test that reads them all.
            #[cfg(test)]
            pub fn all() -> Vec<Help> {
                vec![$(Help::$name),*]
            }
        }
    };
}

help_texts! {
    Root => "网格通命令行设备：在命令行上运行手机应用的核心", "Gridfield headless device: the phone app's core on the command line";
    Init => "创建离线设备数据（不连接服务器）", "Create an offline device store (without a server)";
    Status => "显示本设备的身份和数据概况", "Show who this device is and what it holds";
    TrustIssuer => "信任一个门牌签发公钥（十六进制）", "Trust a door-plate issuer's public key (hex)";
    ImportGrids => "从 CSV 导入网格：code,name,level,parent_code", "Import grids from CSV: code,name,level,parent_code";
    ImportAddresses => "从 CSV 导入网格内的地址：code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon", "Import a grid's addresses from CSV: code,grid_code,full_text,street,number,building,unit,room,plate_serial,lat,lon";
    Search => "按任意片段搜索地址（如“建设路12号”“3栋2单元”、门牌序列号）", "Search addresses by any fragment (a street and number, a building and unit, a plate serial)";
    Address => "一个地址上的全部信息（一标多实）", "Everything at one address (one address, many entities)";
    Scan => "离线核验扫描到的门牌二维码", "Verify a scanned door-plate payload offline";
    Entity => "住户、人员、出租房屋和单位场所", "Households, persons, rental units and businesses";
    EntityPut => "新建（不带 --id）或修改实体：field=value 形式的字段", "Create (no --id) or update an entity: field=value pairs";
    EntityShow => "显示一个实体（身份证号和电话以掩码显示）", "Show one entity (ID numbers and phones masked)";
    EntityReveal => "显示一个字段的完整值（如身份证号、电话），并记入本机审计日志", "Show one field's full value (e.g. an ID number or phone); recorded in this device's audit log";
    ArgEntityField => "字段名，如 id_number、phone", "Field name, e.g. id_number or phone";
    Template => "本设备上的检查表模板", "Checklist templates on this device";
    TemplateList => "列出检查表模板", "List checklist templates";
    TemplateShow => "显示检查表模板的分节和检查项", "Show a checklist template's sections and items";
    Inspect => "根据答案文件（JSON）记录一次已完成的检查", "Record a finished inspection from an answers file (JSON)";
    Inspections => "列出检查记录", "List inspections";
    Hazard => "隐患及其整改流程", "Hazards and their lifecycle";
    HazardList => "列出隐患", "List hazards";
    HazardShow => "显示隐患及其处理经过", "Show a hazard and its history";
    HazardNew => "登记一条检查表之外发现的隐患", "Report a hazard found outside a checklist";
    HazardMove => "推进隐患流程：assign、start_rectification、mark_rectified、verify、reject_rectification、close、reopen", "Take a lifecycle step: assign, start_rectification, mark_rectified, verify, reject_rectification, close, reopen";
    Case => "事件（含矛盾纠纷）及其闭环处置", "Cases (disputes included) and their closed loop";
    CaseTypes => "本设备持有的事件类型", "The case types this device holds";
    CaseNew => "登记一个事件或矛盾纠纷（离线亦可）", "Record a case or a dispute (offline too)";
    CaseList => "列出事件", "List cases";
    CaseShow => "显示事件、处置经过和可办理的操作", "Show a case, its timeline and the steps you may take";
    CaseStep => "办理一步：accept、decline、dispatch、receive、return、feedback、finish、verify、reject_verification、escalate、supervise、take_over、evaluate", "Take a step: accept, decline, dispatch, receive, return, feedback, finish, verify, reject_verification, escalate, supervise, take_over, evaluate";
    CaseMediate => "记录一次调解（矛盾纠纷）", "Record a mediation session (disputes)";
    CaseAgree => "记录签字的调解协议（申请人、被申请人和调解员的签名）", "Record the signed mediation agreement (applicant, respondent and mediator signatures)";
    ArgCaseType => "事件类型编码（见 case types）", "Case type code (see case types)";
    ArgCaseAddress => "事件发生的地址编码（可不填）", "Address code where it happened (optional)";
    ArgCaseText => "事件描述", "What happened";
    ArgHandleMyself => "由本网格员当场处置（网格马上调）", "Handle it yourself at once (grid worker)";
    ArgParty => "当事人，格式 姓名:applicant|respondent|other[:电话]（可多次给出）", "A party, as name:applicant|respondent|other[:phone] (may be repeated)";
    ArgDisputeSubject => "纠纷事由", "What the dispute is about";
    ArgMine => "只列出由我（或我的部门）办理的事件", "Only cases I (or my department) handle";
    ArgCaseOverdue => "只列出已超期的事件", "Only cases past their time limit";
    ArgCaseAction => "处置操作", "The step";
    ArgTo => "分派对象：user:用户名、department:部门编码 或 level:层级路径", "Dispatch target: user:<name>, department:<code> or level:<path>";
    ArgRating => "评价：satisfied、basic 或 unsatisfied", "Rating: satisfied, basic or unsatisfied";
    ArgCaseDeadline => "督办的新期限：RFC3339 格式或毫秒数", "The new deadline of supervision: RFC3339 or milliseconds";
    ArgPlace => "调解地点", "Where the session was held";
    ArgMediationNote => "调解情况：达成了什么或未达成的原因", "What was agreed, or why not";
    ArgParticipants => "参加人，逗号分隔", "Who took part, comma-separated";
    ArgAgreed => "调解成功", "The session reached agreement";
    ArgTerms => "协议条款", "The agreement's terms";
    ArgSignature => "签名，格式 applicant|respondent|mediator:姓名:签名照片文件或哈希（可多次给出）", "A signature, as applicant|respondent|mediator:name:photo file or hash (repeat for each)";
    ArgGridPath => "本设备范围根网格的路径，如 /320583/320583001/", "Path of this device's root grid, e.g. /320583/320583001/";
    ArgDepartment => "部门编码（职能部门用户）", "Department code (department users)";
    Report => "以志愿者或网格员身份上报问题", "File a report as a volunteer or worker";
    Points => "本用户的积分余额、积分明细、代金券和上报（离线可查）", "This user's points balance, ledger, vouchers and reports (offline)";
    ArgHideName => "积分排行榜上不显示本人姓名（下次同步时生效）", "Keep my name off the points leaderboard (from the next sync)";
    ArgShowName => "积分排行榜上显示本人姓名", "Show my name on the points leaderboard";
    Voucher => "积分代金券：生成或核验", "Points vouchers: issue or verify";
    VoucherIssue => "离线生成代金券（以上次同步确认的余额为准）", "Issue a voucher offline (against the balance the last sync confirmed)";
    VoucherVerify => "离线核验代金券的签名、有效期和商户（商户无需安装本应用）", "Verify a voucher offline: signature, expiry and shop (a shop needs no enrollment)";
    ArgAmount => "兑换的积分数", "Points to redeem";
    ArgShop => "商户编码（不填则任意指定商户可用）", "Shop code (any designated shop when not given)";
    ArgDays => "有效天数", "Days the voucher is valid";
    ArgVoucherPayload => "代金券二维码的内容", "The voucher's QR text";
    ArgVerifyShop => "本商户的编码（检查代金券是否可在本店使用）", "This shop's code (checks the voucher is good here)";
    ArgCityKey => "城市签发公钥（十六进制，可多次给出）；不填则用本机信任的公钥", "The city's issuer public key (hex, may be repeated); without it, this device's trusted keys";
    ArgReportCategory => "上报类别编码（事件分类，见 case types）", "Report category code (case taxonomy, see case types)";
    Photo => "在本机保存一张照片并显示其哈希值", "Keep a photo on the device; prints its hash";
    PhotoGet => "按哈希值取出照片，本机没有时从服务器下载", "Get a photo by hash, downloading it from the server if this device lacks it";
    Outbox => "等待上传的操作", "Operations waiting to be pushed";
    Enroll => "用一次性注册码把本设备注册到同步服务器（代替 init）", "Enroll this device with the sync server using a one-time code (instead of init)";
    Reenroll => "用新的注册码重新注册本设备的现有数据（服务器发现注册被另一安装使用后），已记录的内容不会丢失", "Enroll this device's existing data again with a new code (after the server found a second installation using its enrollment); nothing recorded is lost";
    Sync => "上传照片、上传待同步操作、下载服务器上的更新", "Upload photos, push queued operations, pull changes from the server";
    Diagnostics => "同步状态：待同步数量、待上传照片、上次成功和上次错误", "Sync state: queue depth, pending photos, last success and last error";
    Inspection => "检查记录审核（网格长）", "Inspection review (supervisors)";
    InspectionReview => "通过或退回（需填写意见）一条已提交的检查记录", "Approve or return (with a comment) a submitted inspection";
    ArgData => "设备数据目录（数据库、照片、密钥）", "The device's data directory (database, photos, key)";
    ArgJson => "在标准输出上输出供脚本读取的 JSON", "Machine-readable JSON on stdout";
    ArgLang => "提示语言：zh（默认）或 en", "Language of messages: zh (default) or en";
    ArgUser => "本设备的用户", "The user of this device";
    ArgRole => "用户角色", "The user's role";
    ArgGridRoot => "本设备负责范围的根网格编码", "Root grid code of this device's scope";
    ArgDeviceId => "设备编号（不填则自动生成）", "Device id (generated when not given)";
    ArgIssuerKey => "信任此门牌签发公钥（十六进制）", "Trust this plate issuer public key (hex)";
    ArgPublicKey => "签发公钥（十六进制）", "The issuer's public key (hex)";
    ArgCsvFile => "CSV 文件", "The CSV file";
    ArgQuery => "搜索内容", "What to search for";
    ArgLimit => "最多显示条数", "How many at most";
    ArgAddressCode => "地址编码", "Address code";
    ArgScanPayload => "二维码文字；也可用 --file 从文件读取", "The QR text; use --file to read it from a file";
    ArgScanFile => "从此文件读取二维码文字", "Read the QR text from this file";
    ArgEntityKind => "household、person、rental_unit 或 business", "household | person | rental_unit | business";
    ArgId => "记录编号", "The record's id";
    ArgEntityAddress => "实体所在的地址编码", "Address code of the entity";
    ArgEntityFields => "field=value（值为空则清除该字段）", "field=value (an empty value clears the field)";
    ArgTemplateId => "检查表模板编号", "Checklist template id";
    ArgTemplateVersion => "模板版本（不填则用最新版本）", "Template version (the latest when not given)";
    ArgSubject => "被检查的实体，格式为 kind:id（如 rental_unit:0190…）", "The entity inspected, as kind:id (e.g. rental_unit:0190...)";
    ArgAnswers => "答案文件：{\"answers\": {item: value}, \"photos\": {item: [路径或哈希]}}；照片和签名项填文件路径（相对于答案文件）或哈希值", "{\"answers\": {item: value}, \"photos\": {item: [path or hash]}}; photo and signature items take file paths (relative to the answers file) or hashes";
    ArgLat => "记录时所在位置的纬度", "Latitude where the record is made";
    ArgLon => "记录时所在位置的经度", "Longitude where the record is made";
    ArgAccuracy => "定位精度（米）", "Accuracy of the location fix, in metres";
    ArgFixedAt => "定位时间（毫秒时间戳，不填则视为未知）", "When the location fix was taken (milliseconds since the epoch; unknown when not given)";
    ArgReviewStatus => "只列出此审核状态", "Only this review status";
    ArgHazardStatus => "只列出此隐患状态", "Only this hazard status";
    ArgOverdue => "只列出已逾期的隐患", "Only overdue hazards";
    ArgOpen => "只列出未关闭的隐患", "Only open hazards";
    ArgAddressFilter => "只列出此地址的隐患", "Only hazards at this address";
    ArgCategory => "隐患类别编码", "Hazard category code";
    ArgSeverity => "严重程度", "Severity";
    ArgDescription => "隐患描述", "Description of the hazard";
    ArgPhotos => "照片文件（可多次给出）", "A photo file (may be given more than once)";
    ArgDeadline => "整改期限，格式 YYYY-MM-DD", "Deadline, YYYY-MM-DD";
    ArgAction => "流程操作", "The lifecycle step";
    ArgAssignee => "整改责任人", "Who rectifies it";
    ArgNote => "说明", "A note";
    ArgReportAddress => "地址编码（来自扫码或搜索）", "Address code (from a scan or a search)";
    ArgPlate => "扫描到的门牌二维码文字：即使不在本设备网格内，也上报到该地址", "A scanned plate payload: the report goes to that address even outside this device's grid";
    ArgReportText => "上报内容", "What is reported";
    ArgPhotoFile => "照片文件", "The photo file";
    ArgHash => "照片哈希值", "The photo's hash";
    ArgOut => "保存到此文件", "Write it to this file";
    ArgServer => "服务器地址，如 https://grid.example.org", "Server base URL, e.g. https://grid.example.org";
    ArgEnrollCode => "管理员发放的一次性注册码", "One-time enrollment code from the administrator";
    ArgReenrollCode => "管理员为同一用户发放的一次性注册码", "One-time enrollment code from the administrator, for the same user";
    ArgDeviceName => "管理员看到的设备名称", "A name for this device as administrators will see it";
    ArgDecision => "审核结论", "The decision";
    ArgComment => "审核意见（退回时必填）", "Review comment (required to return)";
    Visits => "走访计划：按规则离线计算的待走访对象", "Visit plan: the visits due, computed offline from the rules";
    VisitsDue => "今日待走访和已逾期的对象，按街道、楼栋、单元排序", "Visits overdue and due today, in walking order (street, building, unit)";
    VisitsAt => "某地址（扫描门牌）上计划的全部走访", "Every visit planned at an address (a scanned door plate)";
    ArgVisitsOverdue => "只列出已逾期的走访", "Only overdue visits";
    ArgVisitsWeek => "加上本周内到期的走访", "Add the visits due later this week";
}

/// The about text of a command, by its path below `gridfield` ("" is the root).
pub fn for_command(path: &str) -> Option<Help> {
    use Help::*;
    Some(match path {
        "" => Root,
        "init" => Init,
        "status" => Status,
        "trust-issuer" => TrustIssuer,
        "import-grids" => ImportGrids,
        "import-addresses" => ImportAddresses,
        "search" => Search,
        "address" => Address,
        "scan" => Scan,
        "entity" => Entity,
        "entity put" => EntityPut,
        "entity show" => EntityShow,
        "entity reveal" => EntityReveal,
        "template" => Template,
        "template list" => TemplateList,
        "template show" => TemplateShow,
        "inspect" => Inspect,
        "inspections" => Inspections,
        "hazard" => Hazard,
        "hazard list" => HazardList,
        "hazard show" => HazardShow,
        "hazard new" => HazardNew,
        "hazard move" => HazardMove,
        "case" => Case,
        "case types" => CaseTypes,
        "case new" => CaseNew,
        "case list" => CaseList,
        "case show" => CaseShow,
        "case step" => CaseStep,
        "case mediate" => CaseMediate,
        "case agree" => CaseAgree,
        "report" => Report,
        "points" => Points,
        "voucher" => Voucher,
        "voucher issue" => VoucherIssue,
        "voucher verify" => VoucherVerify,
        "photo" => Photo,
        "photo-get" => PhotoGet,
        "outbox" => Outbox,
        "enroll" => Enroll,
        "reenroll" => Reenroll,
        "sync" => Sync,
        "diagnostics" => Diagnostics,
        "inspection" => Inspection,
        "inspection review" => InspectionReview,
        "visits" => Visits,
        "visits due" => VisitsDue,
        "visits at" => VisitsAt,
        _ => return None,
    })
}

/// The help of an argument, by command path and argument id.
pub fn for_arg(path: &str, id: &str) -> Option<Help> {
    use Help::*;
    Some(match (path, id) {
        (_, "data") => ArgData,
        (_, "json") => ArgJson,
        (_, "lang") => ArgLang,
        ("init", "user") => ArgUser,
        ("init", "role") => ArgRole,
        ("init", "grid") => ArgGridRoot,
        ("init", "device_id") => ArgDeviceId,
        ("init", "issuer_key") => ArgIssuerKey,
        ("trust-issuer", "public_key") => ArgPublicKey,
        ("import-grids" | "import-addresses", "file") => ArgCsvFile,
        ("search", "query") => ArgQuery,
        ("search" | "outbox", "limit") => ArgLimit,
        ("address", "code") => ArgAddressCode,
        ("scan", "payload") => ArgScanPayload,
        ("scan", "file") => ArgScanFile,
        ("entity put" | "entity show" | "entity reveal", "kind") => ArgEntityKind,
        ("entity reveal", "field") => ArgEntityField,
        ("entity put", "address") => ArgEntityAddress,
        ("entity put", "fields") => ArgEntityFields,
        ("template show", "id") => ArgTemplateId,
        ("template show", "version") => ArgTemplateVersion,
        ("inspect", "template") => ArgTemplateId,
        ("inspect", "template_version") => ArgTemplateVersion,
        ("inspect", "address") => ArgAddressCode,
        ("inspect", "subject") => ArgSubject,
        ("inspect", "answers") => ArgAnswers,
        ("inspect" | "hazard new" | "report" | "case new", "lat") => ArgLat,
        ("inspect" | "hazard new" | "report" | "case new", "lon") => ArgLon,
        ("inspect" | "hazard new" | "report" | "case new", "accuracy") => ArgAccuracy,
        ("inspect" | "hazard new" | "report" | "case new", "fixed_at") => ArgFixedAt,
        ("inspections", "status") => ArgReviewStatus,
        ("hazard list", "status") => ArgHazardStatus,
        ("hazard list", "overdue") => ArgOverdue,
        ("hazard list", "open") => ArgOpen,
        ("hazard list", "address") => ArgAddressFilter,
        ("hazard new", "address") => ArgAddressCode,
        ("hazard new", "category") => ArgCategory,
        ("hazard new", "severity") => ArgSeverity,
        ("hazard new", "description") => ArgDescription,
        ("hazard new" | "hazard move" | "report", "photo") => ArgPhotos,
        ("hazard new" | "hazard move", "deadline") => ArgDeadline,
        ("hazard move", "action") => ArgAction,
        ("hazard move", "assignee") => ArgAssignee,
        ("hazard move", "note") => ArgNote,
        ("case new", "case_type") => ArgCaseType,
        ("case new", "address") => ArgCaseAddress,
        ("case new", "text") => ArgCaseText,
        ("case new", "severity") => ArgSeverity,
        ("case new" | "case step", "photo") => ArgPhotos,
        ("case new", "handle_myself") => ArgHandleMyself,
        ("case new", "party") => ArgParty,
        ("case new", "subject") => ArgDisputeSubject,
        ("case list", "mine") => ArgMine,
        ("case list", "overdue") => ArgCaseOverdue,
        ("case step", "action") => ArgCaseAction,
        ("case step", "to") => ArgTo,
        ("case step", "note") => ArgNote,
        ("case step", "rating") => ArgRating,
        ("case step", "deadline") => ArgCaseDeadline,
        ("case mediate", "place") => ArgPlace,
        ("case mediate", "note") => ArgMediationNote,
        ("case mediate", "participants") => ArgParticipants,
        ("case mediate", "agreed") => ArgAgreed,
        ("case agree", "terms") => ArgTerms,
        ("case agree", "signature") => ArgSignature,
        ("init", "grid_path") => ArgGridPath,
        ("init", "department") => ArgDepartment,
        ("report", "address") => ArgReportAddress,
        ("report", "plate") => ArgPlate,
        ("report", "text") => ArgReportText,
        ("report", "category") => ArgReportCategory,
        ("points", "hide_name") => ArgHideName,
        ("points", "show_name") => ArgShowName,
        ("voucher issue", "amount") => ArgAmount,
        ("voucher issue", "shop") => ArgShop,
        ("voucher issue", "days") => ArgDays,
        ("voucher verify", "payload") => ArgVoucherPayload,
        ("voucher verify", "shop") => ArgVerifyShop,
        ("voucher verify", "issuer_key") => ArgCityKey,
        ("photo", "file") => ArgPhotoFile,
        ("photo-get", "hash") => ArgHash,
        ("photo-get", "out") => ArgOut,
        ("enroll", "server") => ArgServer,
        ("enroll", "code") => ArgEnrollCode,
        ("reenroll", "code") => ArgReenrollCode,
        ("enroll" | "reenroll", "name") => ArgDeviceName,
        ("inspection review", "decision") => ArgDecision,
        ("inspection review", "comment") => ArgComment,
        ("visits due", "overdue") => ArgVisitsOverdue,
        ("visits due", "week") => ArgVisitsWeek,
        ("visits at", "code") => ArgAddressCode,
        (_, "id") => ArgId,
        _ => return None,
    })
}
