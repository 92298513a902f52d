//! Output lines, refusals and parse errors of the CLI. Values shown to a person
//! (ids, counts, labels from the core) come in as fields, never as English text
//! to look up.

use gridfield_core::Lang;

/// One message the CLI prints. Labels are unit variants (printed as `label: value`);
/// sentences with values carry them as fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    // ---- labels of `label: value` lines
    ErrorPrefix,
    Server,
    NotEnrolled,
    DeviceId,
    QueuedOps,
    PhotosToUpload,
    LastSync,
    LastError,
    Nothing,
    Cursor,
    ClockCorrection,
    Device,
    User,
    Role,
    Grid,
    Score,
    HazardsRaised,
    CasesOpened,
    Points,
    Spendable,
    Voucher,
    AddressCode,
    Due,
    Overdue,
    Inspection,
    Hazard,
    Report,
    EventReported,
    NeverVisited,
    // ---- sentences
    NoVisitRules,
    NoVisitsDue,
    DaysOverdue {
        days: i64,
    },
    NeedsReenroll,
    VoucherIssued {
        id: String,
        amount: i64,
        expires: String,
    },
    VoucherGood {
        id: String,
        amount: i64,
        expires: String,
    },
    VoucherBad {
        reason: String,
    },
    ServerRestoredAt {
        at: String,
        requeued: u64,
    },
    ReviewApproved {
        id: String,
    },
    ReviewReturned {
        id: String,
    },
    TrustedIssuer {
        key_id: String,
    },
    ImportedGrids {
        n: usize,
    },
    ImportedAddresses {
        n: usize,
    },
    NoMatchingAddress,
    PlateValid {
        serial: String,
    },
    PlateOutOfScope,
    PlateInvalid {
        reason: String,
    },
    PlateClaims {
        address: String,
    },
    PlateLegacy,
    EntitySaved {
        kind: String,
        id: String,
    },
    /// A revealed field that holds no value.
    FieldEmpty {
        field: String,
    },
    InspectionSaved {
        id: String,
    },
    VerdictVetoed,
    VerdictPass,
    VerdictFail,
    ReportSaved {
        id: String,
    },
    PhotoSaved {
        path: String,
        size: usize,
    },
    DeviceInitialised {
        id: String,
    },
    DeviceEnrolled {
        id: String,
    },
    DeviceReenrolled {
        id: String,
    },
    HazardRecorded {
        id: String,
    },
    HazardStatusNow {
        status: String,
    },
    CaseRecorded {
        id: String,
    },
    CaseStatusNow {
        status: String,
    },
    CaseOwner,
    CaseAllowed,
    Mediation,
    Agreement,
    // ---- sync
    SyncLabel,
    PhaseUploadingPhotos,
    PhasePushing,
    PhasePulling,
    PhaseDone,
    SyncDone {
        pushed: u64,
        duplicates: u64,
        rejected: usize,
        conflicts: u64,
        pulled: u64,
        photos: u64,
    },
    WaitingPhotos {
        waiting: u64,
        failed: u64,
    },
    EditLost {
        entity: String,
        id: String,
        fields: String,
    },
    ServerRestoredReuploaded {
        n: u64,
    },
    // ---- refusals of the CLI's own input (JSON code `invalid`)
    BadDate {
        value: String,
    },
    BadKind {
        value: String,
    },
    BadRole {
        value: String,
    },
    BadSubject {
        value: String,
    },
    BadField {
        value: String,
    },
    BadSeverity {
        value: String,
    },
    BadHazardAction {
        value: String,
    },
    BadHazardStatus {
        value: String,
    },
    BadCaseAction {
        value: String,
    },
    BadDispatchTarget {
        value: String,
    },
    BadRating {
        value: String,
    },
    BadInstant {
        value: String,
    },
    BadParty {
        value: String,
    },
    BadSignature {
        value: String,
    },
    BadReviewStatus {
        value: String,
    },
    ScanNeedsPayload,
    CsvLevelNotNumber {
        line: u64,
    },
    CsvEmpty {
        line: u64,
        column: String,
    },
    CsvRowInvalid {
        line: u64,
        detail: String,
    },
    // ---- failures whose detail comes from the system (kept out of Chinese text)
    FileNotFound,
    FileDenied,
    FileFailed,
    BadJson {
        line: usize,
        column: usize,
    },
    NetworkFailed,
    DatabaseFailed,
    PhotoIoFailed,
    // ---- command-line parsing (clap's errors, translated by kind)
    UnknownArgument {
        arg: String,
    },
    UnknownCommand {
        name: String,
    },
    InvalidValue {
        arg: String,
        value: String,
    },
    PossibleValues {
        list: String,
    },
    MissingArguments {
        args: String,
    },
    MissingCommand,
    ArgumentConflict {
        arg: String,
        other: String,
    },
    ValueCount {
        arg: String,
    },
    NoEquals {
        arg: String,
    },
    InvalidUtf8,
    ParseFailed,
    DidYouMean {
        suggestion: String,
    },
    UsageHeading,
    MoreInfo,
    // ---- help layout
    Arguments,
    Options,
    Commands,
    OptionsPlaceholder,
    CommandPlaceholder,
    Default {
        value: String,
    },
    EnvVar {
        name: String,
    },
    HelpFlag,
    VersionFlag,
    HelpCommand,
}

impl Msg {
    /// The text in `lang`; Chinese and English written side by side.
    pub fn text(&self, lang: Lang) -> String {
        let (zh, en): (String, String) = match self {
            Msg::ErrorPrefix => ("错误".into(), "error".into()),
            Msg::Server => ("服务器".into(), "server".into()),
            Msg::NotEnrolled => ("未注册".into(), "not enrolled".into()),
            Msg::DeviceId => ("设备编号".into(), "device id".into()),
            Msg::QueuedOps => ("待同步操作".into(), "queued operations".into()),
            Msg::PhotosToUpload => ("待上传照片".into(), "photos to upload".into()),
            Msg::LastSync => ("上次成功同步".into(), "last successful sync".into()),
            Msg::LastError => ("上次错误".into(), "last error".into()),
            Msg::Nothing => ("无".into(), "none".into()),
            Msg::Cursor => ("同步位置".into(), "cursor".into()),
            Msg::ClockCorrection => ("本机时钟校正".into(), "clock correction".into()),
            Msg::Device => ("设备".into(), "device".into()),
            Msg::User => ("用户".into(), "user".into()),
            Msg::Role => ("角色".into(), "role".into()),
            Msg::Grid => ("网格".into(), "grid".into()),
            Msg::Score => ("得分".into(), "score".into()),
            Msg::HazardsRaised => ("生成隐患".into(), "hazards raised".into()),
            Msg::CasesOpened => ("开立事件".into(), "cases opened".into()),
            Msg::Points => ("积分".into(), "points".into()),
            Msg::Spendable => ("可兑换".into(), "spendable".into()),
            Msg::Voucher => ("代金券".into(), "voucher".into()),
            Msg::VoucherIssued {
                id,
                amount,
                expires,
            } => (
                format!("已生成代金券 {id}：{amount} 分，有效期至 {expires}；请商户扫描下面的内容"),
                format!("voucher {id} issued: {amount} points, valid until {expires}; the shop scans the text below"),
            ),
            Msg::VoucherGood {
                id,
                amount,
                expires,
            } => (
                format!("✔ 代金券有效 {id}：{amount} 分，有效期至 {expires}"),
                format!("✔ valid voucher {id}: {amount} points, valid until {expires}"),
            ),
            Msg::VoucherBad { reason } => (
                format!("✘ 代金券无效: {reason}"),
                format!("✘ invalid voucher: {reason}"),
            ),
            Msg::AddressCode => ("地址编码".into(), "address code".into()),
            Msg::Due => ("期限".into(), "due".into()),
            Msg::Overdue => ("  【已逾期】".into(), "  [OVERDUE]".into()),
            Msg::Inspection => ("检查".into(), "inspection".into()),
            Msg::Hazard => ("隐患".into(), "hazard".into()),
            Msg::Report => ("上报".into(), "report".into()),
            Msg::EventReported => ("上报".into(), "reported".into()),
            Msg::NeverVisited => ("  【从未走访】".into(), "  [NEVER VISITED]".into()),
            Msg::NoVisitRules => (
                "本设备尚无走访规则：同步后由服务器下发".into(),
                "no visit rules on this device yet: they come with a sync".into(),
            ),
            Msg::NoVisitsDue => ("没有待走访的对象".into(), "no visits due".into()),
            Msg::DaysOverdue { days } => (format!("  【逾期 {days} 天】"), format!("  [{days} days overdue]")),
            Msg::NeedsReenroll => (
                "本设备的注册已在另一部手机上使用：请用新的注册码执行 reenroll".into(),
                "this enrollment is used by another installation: run reenroll with a new code".into(),
            ),
            Msg::ServerRestoredAt { at, requeued } => (
                format!("服务器从备份恢复: {at}（重新上传操作 {requeued}）"),
                format!("server restored: {at} (operations re-uploaded {requeued})"),
            ),
            Msg::ReviewApproved { id } => (format!("已通过，待同步： {id}"), format!("approved, waiting to sync: {id}")),
            Msg::ReviewReturned { id } => (format!("已退回，待同步： {id}"), format!("returned, waiting to sync: {id}")),
            Msg::TrustedIssuer { key_id } => (format!("已信任门牌签发密钥 {key_id}"), format!("trusted plate issuer key {key_id}")),
            Msg::ImportedGrids { n } => (format!("已导入 {n} 网格"), format!("imported {n} grids")),
            Msg::ImportedAddresses { n } => (format!("已导入 {n} 条地址"), format!("imported {n} addresses")),
            Msg::NoMatchingAddress => ("没有找到匹配的地址".into(), "no matching address".into()),
            Msg::PlateValid { serial } => (format!("✔ 门牌有效 {serial}"), format!("✔ valid plate {serial}")),
            Msg::PlateOutOfScope => (
                "（不在本设备网格范围内，仅显示门牌公开信息）".into(),
                "(outside this device's grid: plate information only)".into(),
            ),
            Msg::PlateInvalid { reason } => (format!("✘ 门牌无效: {reason}"), format!("✘ invalid plate: {reason}")),
            Msg::PlateClaims { address } => (
                format!("门牌声称的地址（未经验证）: {address}"),
                format!("address the plate claims (unverified): {address}"),
            ),
            Msg::PlateLegacy => (
                "⚠ 未签名的旧门牌（地址由本市导入的对照表确定，门牌本身未经验证）".into(),
                "⚠ unsigned legacy door plate (address from the city's imported mapping; the plate itself is not verified)".into(),
            ),
            Msg::EntitySaved { kind, id } => (format!("已保存 {kind} {id}"), format!("saved {kind} {id}")),
            Msg::FieldEmpty { field } => (format!("{field}：未填写"), format!("{field}: not set")),
            Msg::InspectionSaved { id } => (format!("检查已保存： {id}"), format!("inspection saved: {id}")),
            Msg::VerdictVetoed => ("一票否决，不合格".into(), "vetoed: fail".into()),
            Msg::VerdictPass => ("合格".into(), "pass".into()),
            Msg::VerdictFail => ("不合格".into(), "fail".into()),
            Msg::ReportSaved { id } => (format!("已上报，待同步 {id}"), format!("report saved, waiting to sync {id}")),
            Msg::PhotoSaved { path, size } => (format!("照片已保存到 {path}（{size} 字节）"), format!("photo saved to {path} ({size} B)")),
            Msg::DeviceInitialised { id } => (format!("设备已初始化： {id}"), format!("device initialised: {id}")),
            Msg::DeviceEnrolled { id } => (format!("设备已注册： {id}"), format!("device enrolled: {id}")),
            Msg::DeviceReenrolled { id } => (format!("设备已重新注册： {id}"), format!("device re-enrolled: {id}")),
            Msg::HazardRecorded { id } => (format!("隐患已登记： {id}"), format!("hazard recorded: {id}")),
            Msg::HazardStatusNow { status } => (format!("隐患状态： {status}"), format!("hazard status: {status}")),
            Msg::CaseRecorded { id } => (format!("事件已登记： {id}"), format!("case recorded: {id}")),
            Msg::CaseStatusNow { status } => (format!("事件状态： {status}"), format!("case status: {status}")),
            Msg::CaseOwner => ("所在层级".into(), "held at level".into()),
            Msg::CaseAllowed => ("可办理".into(), "you may".into()),
            Msg::Mediation => ("调解".into(), "mediation".into()),
            Msg::Agreement => ("调解协议".into(), "agreement".into()),
            Msg::SyncLabel => ("同步".into(), "sync".into()),
            Msg::PhaseUploadingPhotos => ("上传照片".into(), "uploading photos".into()),
            Msg::PhasePushing => ("上传记录".into(), "pushing".into()),
            Msg::PhasePulling => ("下载更新".into(), "pulling".into()),
            Msg::PhaseDone => ("完成".into(), "done".into()),
            Msg::SyncDone { pushed, duplicates, rejected, conflicts, pulled, photos } => (
                format!("同步完成：上传记录 {pushed}，重复 {duplicates}，被拒绝 {rejected}，冲突 {conflicts}，下载更新 {pulled}，上传照片 {photos}"),
                format!("sync done: pushed {pushed}, duplicates {duplicates}, rejected {rejected}, conflicts {conflicts}, pulled {pulled}, photos uploaded {photos}"),
            ),
            Msg::WaitingPhotos { waiting, failed } => (
                format!("{waiting} 条记录等待照片上传，下次同步时继续（上传失败的照片 {failed}）"),
                format!("{waiting} operations wait for photos; they go next sync (photos failed {failed})"),
            ),
            Msg::EditLost { entity, id, fields } => (
                format!("{entity} {id} 的修改与他人同时修改冲突，以对方为准（已记入冲突记录）: {fields}"),
                format!("{entity} {id} edit lost to a concurrent edit (kept in the conflict log): {fields}"),
            ),
            Msg::ServerRestoredReuploaded { n } => (
                format!("同步服务器已从备份恢复，已重新上传操作： {n}"),
                format!("the server was restored from a backup; operations re-uploaded: {n}"),
            ),
            Msg::BadDate { value } => (
                format!("日期 {value} 有误：格式应为 YYYY-MM-DD"),
                format!("invalid date {value}: expected YYYY-MM-DD"),
            ),
            Msg::BadKind { value } => (
                format!("类型 {value} 有误：应为 household、person、rental_unit 或 business"),
                format!("invalid kind {value}: household | person | rental_unit | business"),
            ),
            Msg::BadRole { value } => (format!("角色 {value} 有误"), format!("invalid role {value}")),
            Msg::BadSubject { value } => (
                format!("检查对象 {value} 有误：格式应为 kind:id"),
                format!("invalid subject {value}: expected kind:id"),
            ),
            Msg::BadField { value } => (
                format!("字段 {value} 有误：格式应为 field=value"),
                format!("invalid field: expected field=value, got {value}"),
            ),
            Msg::BadSeverity { value } => (format!("严重程度 {value} 有误"), format!("invalid severity {value}")),
            Msg::BadHazardAction { value } => (format!("隐患操作 {value} 有误"), format!("invalid hazard action {value}")),
            Msg::BadHazardStatus { value } => (format!("隐患状态 {value} 有误"), format!("invalid hazard status {value}")),
            Msg::BadCaseAction { value } => (format!("事件操作 {value} 有误"), format!("invalid case action {value}")),
            Msg::BadDispatchTarget { value } => (
                format!("分派对象 {value} 有误：应为 user:用户名、department:部门编码 或 level:层级路径"),
                format!("invalid dispatch target {value}: expected user:<name>, department:<code> or level:<path>"),
            ),
            Msg::BadRating { value } => (
                format!("评价 {value} 有误：应为 satisfied、basic 或 unsatisfied"),
                format!("invalid rating {value}: expected satisfied, basic or unsatisfied"),
            ),
            Msg::BadInstant { value } => (
                format!("时间 {value} 有误：应为 RFC3339 格式或毫秒数"),
                format!("invalid time {value}: expected RFC3339 or milliseconds"),
            ),
            Msg::BadParty { value } => (
                format!("当事人 {value} 有误：应为 姓名:applicant|respondent|other[:电话]"),
                format!("invalid party {value}: expected name:applicant|respondent|other[:phone]"),
            ),
            Msg::BadSignature { value } => (
                format!("签名 {value} 有误：应为 applicant|respondent|mediator:姓名:签名照片"),
                format!("invalid signature {value}: expected applicant|respondent|mediator:name:photo"),
            ),
            Msg::BadReviewStatus { value } => (format!("审核状态 {value} 有误"), format!("invalid review status {value}")),
            Msg::ScanNeedsPayload => ("请给出二维码文字或用 --file 指定文件".into(), "give the QR text or --file".into()),
            Msg::CsvLevelNotNumber { line } => (format!("CSV 第 {line} 行：层级应为数字"), format!("CSV line {line}: level must be a number")),
            Msg::CsvEmpty { line, column } => (format!("CSV 第 {line} 行：{column} 不能为空"), format!("CSV line {line}: {column} is empty")),
            // The core gives this detail in English only: Chinese keeps it out.
            Msg::CsvRowInvalid { line, detail } => (
                format!("CSV 第 {line} 行有误，请检查该行各列"),
                format!("CSV line {line}: {detail}"),
            ),
            Msg::FileNotFound => ("找不到文件".into(), "file not found".into()),
            Msg::FileDenied => ("没有权限读写该文件".into(), "file: permission denied".into()),
            Msg::FileFailed => ("文件读写失败".into(), "the file could not be read or written".into()),
            Msg::BadJson { line, column } => (
                format!("JSON 格式错误（第 {line} 行第 {column} 列）"),
                format!("bad JSON at line {line} column {column}"),
            ),
            Msg::NetworkFailed => (
                "无法连接同步服务器，请检查网络后重试（数据已保存在本机）".into(),
                "cannot reach the sync server; check the network and try again (the data is kept on this device)".into(),
            ),
            Msg::DatabaseFailed => ("数据库出错".into(), "database error".into()),
            Msg::PhotoIoFailed => ("照片读写失败".into(), "the photo could not be read or written".into()),
            Msg::UnknownArgument { arg } => (format!("未知参数 '{arg}'"), format!("unexpected argument '{arg}' found")),
            Msg::UnknownCommand { name } => (format!("未知命令 '{name}'"), format!("unrecognized subcommand '{name}'")),
            Msg::InvalidValue { arg, value } => (
                format!("参数 '{arg}' 的值 '{value}' 无效"),
                format!("invalid value '{value}' for '{arg}'"),
            ),
            Msg::PossibleValues { list } => (format!("可选值：{list}"), format!("possible values: {list}")),
            Msg::MissingArguments { args } => (format!("缺少必填参数：{args}"), format!("the following required arguments were not provided: {args}")),
            Msg::MissingCommand => ("缺少命令".into(), "a subcommand is required".into()),
            Msg::ArgumentConflict { arg, other } => (
                format!("参数 '{arg}' 不能与 '{other}' 同时使用"),
                format!("the argument '{arg}' cannot be used with '{other}'"),
            ),
            Msg::ValueCount { arg } => (format!("参数 '{arg}' 的值个数不对"), format!("wrong number of values for '{arg}'")),
            Msg::NoEquals { arg } => (format!("参数 '{arg}' 需要用 = 给出值"), format!("equal sign is needed when assigning values to '{arg}'")),
            Msg::InvalidUtf8 => ("参数不是有效的 UTF-8 文字".into(), "invalid UTF-8 was detected in an argument".into()),
            Msg::ParseFailed => ("命令行参数有误".into(), "invalid command line".into()),
            Msg::DidYouMean { suggestion } => (format!("提示：是否要用 '{suggestion}'"), format!("tip: a similar one exists: '{suggestion}'")),
            Msg::UsageHeading => ("用法".into(), "Usage".into()),
            Msg::MoreInfo => ("更多信息请运行 '--help'".into(), "For more information, try '--help'.".into()),
            Msg::Arguments => ("参数".into(), "Arguments".into()),
            Msg::Options => ("选项".into(), "Options".into()),
            Msg::Commands => ("命令".into(), "Commands".into()),
            Msg::OptionsPlaceholder => ("[选项]".into(), "[OPTIONS]".into()),
            Msg::CommandPlaceholder => ("命令".into(), "COMMAND".into()),
            Msg::Default { value } => (format!("默认：{value}"), format!("default: {value}")),
            Msg::EnvVar { name } => (format!("环境变量：{name}"), format!("env: {name}")),
            Msg::HelpFlag => ("显示帮助".into(), "Print help".into()),
            Msg::VersionFlag => ("显示版本".into(), "Print version".into()),
            Msg::HelpCommand => ("显示本帮助或指定命令的帮助".into(), "Print this message or the help of the given subcommand(s)".into()),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Every message once, with sample values, for the test that reads them all.
    #[cfg(test)]
    pub fn samples() -> Vec<Msg> {
        let s = || "0190".to_string();
        vec![
            Msg::ErrorPrefix,
            Msg::Server,
            Msg::NotEnrolled,
            Msg::DeviceId,
            Msg::QueuedOps,
            Msg::PhotosToUpload,
            Msg::LastSync,
            Msg::LastError,
            Msg::Nothing,
            Msg::NeverVisited,
            Msg::NoVisitRules,
            Msg::NoVisitsDue,
            Msg::DaysOverdue { days: 3 },
            Msg::Cursor,
            Msg::ClockCorrection,
            Msg::Device,
            Msg::User,
            Msg::Role,
            Msg::Grid,
            Msg::Score,
            Msg::HazardsRaised,
            Msg::CasesOpened,
            Msg::Points,
            Msg::Spendable,
            Msg::Voucher,
            Msg::AddressCode,
            Msg::Due,
            Msg::Overdue,
            Msg::Inspection,
            Msg::Hazard,
            Msg::Report,
            Msg::EventReported,
            Msg::NeedsReenroll,
            Msg::VoucherIssued {
                id: s(),
                amount: 5,
                expires: s(),
            },
            Msg::VoucherGood {
                id: s(),
                amount: 5,
                expires: s(),
            },
            Msg::VoucherBad { reason: s() },
            Msg::ServerRestoredAt {
                at: "2025-01-02 03:04".into(),
                requeued: 3,
            },
            Msg::ReviewApproved { id: s() },
            Msg::ReviewReturned { id: s() },
            Msg::TrustedIssuer { key_id: s() },
            Msg::ImportedGrids { n: 2 },
            Msg::ImportedAddresses { n: 2 },
            Msg::NoMatchingAddress,
            Msg::PlateValid { serial: s() },
            Msg::PlateOutOfScope,
            Msg::PlateInvalid { reason: s() },
            Msg::PlateClaims { address: s() },
            Msg::PlateLegacy,
            Msg::EntitySaved { kind: s(), id: s() },
            Msg::FieldEmpty { field: s() },
            Msg::InspectionSaved { id: s() },
            Msg::VerdictVetoed,
            Msg::VerdictPass,
            Msg::VerdictFail,
            Msg::ReportSaved { id: s() },
            Msg::PhotoSaved {
                path: s(),
                size: 12,
            },
            Msg::DeviceInitialised { id: s() },
            Msg::DeviceEnrolled { id: s() },
            Msg::DeviceReenrolled { id: s() },
            Msg::HazardRecorded { id: s() },
            Msg::HazardStatusNow { status: s() },
            Msg::CaseRecorded { id: s() },
            Msg::CaseStatusNow { status: s() },
            Msg::CaseOwner,
            Msg::CaseAllowed,
            Msg::Mediation,
            Msg::Agreement,
            Msg::SyncLabel,
            Msg::PhaseUploadingPhotos,
            Msg::PhasePushing,
            Msg::PhasePulling,
            Msg::PhaseDone,
            Msg::SyncDone {
                pushed: 1,
                duplicates: 2,
                rejected: 3,
                conflicts: 4,
                pulled: 5,
                photos: 6,
            },
            Msg::WaitingPhotos {
                waiting: 1,
                failed: 2,
            },
            Msg::EditLost {
                entity: s(),
                id: s(),
                fields: s(),
            },
            Msg::ServerRestoredReuploaded { n: 4 },
            Msg::BadDate { value: s() },
            Msg::BadKind { value: s() },
            Msg::BadRole { value: s() },
            Msg::BadSubject { value: s() },
            Msg::BadField { value: s() },
            Msg::BadSeverity { value: s() },
            Msg::BadHazardAction { value: s() },
            Msg::BadHazardStatus { value: s() },
            Msg::BadCaseAction { value: s() },
            Msg::BadDispatchTarget { value: s() },
            Msg::BadRating { value: s() },
            Msg::BadInstant { value: s() },
            Msg::BadParty { value: s() },
            Msg::BadSignature { value: s() },
            Msg::BadReviewStatus { value: s() },
            Msg::ScanNeedsPayload,
            Msg::CsvLevelNotNumber { line: 3 },
            Msg::CsvEmpty {
                line: 3,
                column: "code".into(),
            },
            Msg::CsvRowInvalid {
                line: 3,
                detail: s(),
            },
            Msg::FileNotFound,
            Msg::FileDenied,
            Msg::FileFailed,
            Msg::BadJson { line: 1, column: 2 },
            Msg::NetworkFailed,
            Msg::DatabaseFailed,
            Msg::PhotoIoFailed,
            Msg::UnknownArgument { arg: "--x".into() },
            Msg::UnknownCommand { name: s() },
            Msg::InvalidValue {
                arg: "--x".into(),
                value: s(),
            },
            Msg::PossibleValues { list: s() },
            Msg::MissingArguments {
                args: "--code".into(),
            },
            Msg::MissingCommand,
            Msg::ArgumentConflict {
                arg: "--x".into(),
                other: "--y".into(),
            },
            Msg::ValueCount { arg: "--x".into() },
            Msg::NoEquals { arg: "--x".into() },
            Msg::InvalidUtf8,
            Msg::ParseFailed,
            Msg::DidYouMean { suggestion: s() },
            Msg::UsageHeading,
            Msg::MoreInfo,
            Msg::Arguments,
            Msg::Options,
            Msg::Commands,
            Msg::OptionsPlaceholder,
            Msg::CommandPlaceholder,
            Msg::Default { value: "20".into() },
            Msg::EnvVar {
                name: "GRIDFIELD_DATA".into(),
            },
            Msg::HelpFlag,
            Msg::VersionFlag,
            Msg::HelpCommand,
        ]
    }
}
