//! The records and enums the shells see: mirrors of the core's types with `From`
//! conversions, so the core stays free of FFI concerns. Names avoid clashes with
//! the platforms' own (`LocalizedText`, not SwiftUI's `Text`).

use std::collections::BTreeMap;

use gridfield_core::checklist::{self as cl};
use gridfield_core::hazard::{
    HazardAction as CoreHazardAction, HazardStatus as CoreHazardStatus, StepInput as CoreStepInput,
};
use gridfield_core::model::{
    self as m, EntityKind as CoreEntityKind, ReportStatus as CoreReportStatus,
    ReviewStatus as CoreReviewStatus, Role as CoreRole,
};
use gridfield_core::records::{self as rec, Delivery as CoreDelivery};
use gridfield_core::store as st;
use gridfield_core::sync as sy;
use gridfield_core::{Identity, Lang as CoreLang};
use serde_json::Value;

use crate::error::{GridfieldError, Result};

/// A C-like enum mirrored one to one, converted both ways.
macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident => $core:ident { $($(#[$vm:meta])* $v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($(#[$vm])* $v),* }
        impl From<$core> for $name {
            fn from(v: $core) -> Self { match v { $($core::$v => $name::$v),* } }
        }
        impl From<$name> for $core {
            fn from(v: $name) -> Self { match v { $($name::$v => $core::$v),* } }
        }
    };
}

mirror_enum!(
    /// Language of the user-facing text: Simplified Chinese by default.
    Lang => CoreLang { Zh, En });
mirror_enum!(
    /// 网格员, 志愿者, 网格长, 管理员.
    Role => CoreRole { Worker, Volunteer, Supervisor, Admin });
mirror_enum!(
    /// The kinds of entity at an address (一标多实): 住户, 人员, 出租房屋, 单位/场所.
    EntityKind => CoreEntityKind { Household, Person, RentalUnit, Business });
mirror_enum!(
    /// 检查记录 review status.
    ReviewStatus => CoreReviewStatus { Draft, Submitted, Approved, Returned });
mirror_enum!(ReportStatus => CoreReportStatus { Pending, Accepted, Dismissed });
mirror_enum!(
    /// 隐患 lifecycle: 已上报 → 已交办 → 整改中 → 已整改 → 已核查 → 已销号.
    HazardStatus => CoreHazardStatus { Reported, Assigned, Rectifying, Rectified, Verified, Closed });
mirror_enum!(HazardAction => CoreHazardAction {
    Assign, StartRectification, MarkRectified, Verify, RejectRectification, Close, Reopen
});
use cl::Severity as CoreSeverity;
mirror_enum!(Severity => CoreSeverity { Low, Medium, High, Critical });
mirror_enum!(
    /// Where a record is on its way: on this phone only → on the server → reviewed,
    /// or refused by the server (the reason is in the sync report and audit).
    Delivery => CoreDelivery { Local, Server, Reviewed, Rejected });
use cl::YesNoNa as CoreYesNoNa;
mirror_enum!(YesNoNa => CoreYesNoNa { Yes, No, Na });
use cl::AppliesTo as CoreAppliesTo;
mirror_enum!(AppliesTo => CoreAppliesTo { RentalUnit, Household, Address, Business });
use sy::SyncPhase as CoreSyncPhase;
mirror_enum!(SyncPhase => CoreSyncPhase { Photos, Push, Pull, Done });

// ---- who and where ---------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DeviceIdentity {
    pub device_id: String,
    pub user: String,
    pub role: Role,
    /// Root of the grid subtree this device works in.
    pub grid_scope: String,
}

impl From<&Identity> for DeviceIdentity {
    fn from(i: &Identity) -> Self {
        DeviceIdentity {
            device_id: i.device_id.clone(),
            user: i.user.clone(),
            role: i.role.into(),
            grid_scope: i.grid_scope.clone(),
        }
    }
}

impl From<DeviceIdentity> for Identity {
    fn from(i: DeviceIdentity) -> Self {
        Identity {
            device_id: i.device_id,
            user: i.user,
            role: i.role.into(),
            grid_scope: i.grid_scope,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl From<m::GeoPoint> for GeoPoint {
    fn from(g: m::GeoPoint) -> Self {
        GeoPoint {
            lat: g.lat,
            lon: g.lon,
        }
    }
}

impl From<GeoPoint> for m::GeoPoint {
    fn from(g: GeoPoint) -> Self {
        m::GeoPoint {
            lat: g.lat,
            lon: g.lon,
        }
    }
}

/// 网格.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Grid {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub parent_code: Option<String>,
}

impl From<m::Grid> for Grid {
    fn from(g: m::Grid) -> Self {
        Grid {
            code: g.code,
            name: g.name,
            level: g.level,
            parent_code: g.parent_code,
        }
    }
}

/// 标准地址 / 数字门牌.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Address {
    pub code: String,
    pub grid_code: String,
    pub full_text: String,
    pub street: Option<String>,
    pub number: Option<String>,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub plate_serial: Option<String>,
    pub location: Option<GeoPoint>,
}

impl From<m::Address> for Address {
    fn from(a: m::Address) -> Self {
        Address {
            location: match (a.lat, a.lon) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
                _ => None,
            },
            code: a.code,
            grid_code: a.grid_code,
            full_text: a.full_text,
            street: a.street,
            number: a.number,
            building: a.building,
            unit: a.unit,
            room: a.room,
            plate_serial: a.plate_serial,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AddressHit {
    pub code: String,
    pub full_text: String,
    pub plate_serial: Option<String>,
    pub grid_code: String,
}

impl From<st::AddressHit> for AddressHit {
    fn from(h: st::AddressHit) -> Self {
        AddressHit {
            code: h.code,
            full_text: h.full_text,
            plate_serial: h.plate_serial,
            grid_code: h.grid_code,
        }
    }
}

/// One field of an entity, as text (numbers in decimal, dates `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EntityField {
    pub name: String,
    /// `None` clears the field.
    pub value: Option<String>,
}

/// A household, person, rental unit or business at an address, as this role may see it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Entity {
    pub kind: EntityKind,
    pub id: String,
    pub address_code: String,
    pub fields: Vec<EntityField>,
    pub deleted: bool,
    pub updated_at: i64,
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl From<m::Entity> for Entity {
    fn from(e: m::Entity) -> Self {
        Entity {
            kind: e.kind.into(),
            id: e.id,
            address_code: e.address_code,
            fields: e
                .fields
                .iter()
                .map(|(k, v)| EntityField {
                    name: k.clone(),
                    value: value_text(v),
                })
                .collect(),
            deleted: e.deleted,
            updated_at: e.updated_at,
        }
    }
}

/// Text fields to the JSON the core validates: integer fields become numbers; a
/// number that does not parse stays text so the core names the field in its error.
pub(crate) fn entity_fields_json(
    kind: EntityKind,
    fields: Vec<EntityField>,
) -> serde_json::Map<String, Value> {
    let core_kind: CoreEntityKind = kind.into();
    fields
        .into_iter()
        .map(|f| {
            let is_int = matches!(
                core_kind.field(&f.name).map(|s| s.ty),
                Some(m::FieldType::Int)
            );
            let v = match f.value {
                None => Value::Null,
                Some(s) if is_int => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(s)),
                Some(s) => Value::String(s),
            };
            (f.name, v)
        })
        .collect()
}

/// Everything at one address (一标多实).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AddressView {
    pub address: Address,
    pub entities: Vec<Entity>,
    pub inspections: Vec<InspectionSummary>,
    pub hazards: Vec<Hazard>,
    pub reports: Vec<Report>,
}

impl From<st::AddressView> for AddressView {
    fn from(v: st::AddressView) -> Self {
        AddressView {
            address: v.address.into(),
            entities: v.entities.into_iter().map(Into::into).collect(),
            inspections: v.inspections.into_iter().map(Into::into).collect(),
            hazards: v.hazards.into_iter().map(Into::into).collect(),
            reports: v.reports.into_iter().map(Into::into).collect(),
        }
    }
}

// ---- door plates --------------------------------------------------------------------

/// What a door plate (数字门牌) says.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoorPlate {
    pub address_code: String,
    pub plate_serial: String,
    pub grid_code: String,
    pub address_text: String,
    pub issued_at: i64,
}

impl From<gridfield_core::plate::PlateData> for DoorPlate {
    fn from(p: gridfield_core::plate::PlateData) -> Self {
        DoorPlate {
            address_code: p.address_code,
            plate_serial: p.plate_serial,
            grid_code: p.grid_code,
            address_text: p.address_text,
            issued_at: p.issued_at,
        }
    }
}

/// The verdict on a scanned plate. A forged plate is a verdict to show, not an error.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlateScan {
    pub verified: bool,
    /// Stable code when not verified (`bad_signature`, `unknown_issuer`, `malformed`…).
    pub rejection_code: Option<String>,
    /// Readable reason, in the store's language.
    pub rejection_reason: Option<String>,
    /// What the plate says: verified, or for a rejected plate only a claim.
    pub plate: Option<DoorPlate>,
    pub issuer_key_id: Option<String>,
    pub in_scope: bool,
    /// The local record, for a verified plate within this device's scope.
    pub address: Option<AddressView>,
}

impl From<st::PlateScan> for PlateScan {
    fn from(s: st::PlateScan) -> Self {
        let (rejection_code, rejection_reason) = match s.rejection {
            Some((c, r)) => (Some(c), Some(r)),
            None => (None, None),
        };
        PlateScan {
            verified: s.verified,
            rejection_code,
            rejection_reason,
            plate: s.plate.map(Into::into),
            issuer_key_id: s.issuer_key_id,
            in_scope: s.in_scope,
            address: s.address.map(Into::into),
        }
    }
}

// ---- checklists ----------------------------------------------------------------------

/// Bilingual text: Chinese for users by default, English when present.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LocalizedText {
    pub zh: String,
    pub en: String,
}

impl From<cl::Text> for LocalizedText {
    fn from(t: cl::Text) -> Self {
        LocalizedText { zh: t.zh, en: t.en }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HazardSpec {
    pub category: String,
    pub severity: Severity,
}

impl From<cl::HazardSpec> for HazardSpec {
    fn from(h: cl::HazardSpec) -> Self {
        HazardSpec {
            category: h.category,
            severity: h.severity.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChoiceOption {
    pub id: String,
    pub label: LocalizedText,
}

fn options(o: Vec<cl::ChoiceOption>) -> Vec<ChoiceOption> {
    o.into_iter()
        .map(|o| ChoiceOption {
            id: o.id,
            label: o.label.into(),
        })
        .collect()
}

/// How an item is answered.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ItemKind {
    YesNoNa,
    Number {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
        integer: bool,
    },
    Text {
        max_len: u32,
    },
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    MultiChoice {
        options: Vec<ChoiceOption>,
    },
    Photo {
        min: u32,
        max: u32,
    },
    Signature,
}

impl From<cl::ItemKind> for ItemKind {
    fn from(k: cl::ItemKind) -> Self {
        match k {
            cl::ItemKind::YesNoNa => ItemKind::YesNoNa,
            cl::ItemKind::Number {
                min,
                max,
                unit,
                integer,
            } => ItemKind::Number {
                min,
                max,
                unit,
                integer,
            },
            cl::ItemKind::Text { max_len } => ItemKind::Text { max_len },
            cl::ItemKind::SingleChoice { options: o } => ItemKind::SingleChoice {
                options: options(o),
            },
            cl::ItemKind::MultiChoice { options: o } => ItemKind::MultiChoice {
                options: options(o),
            },
            cl::ItemKind::Photo { min, max } => ItemKind::Photo { min, max },
            cl::ItemKind::Signature => ItemKind::Signature,
        }
    }
}

/// When an answered item counts as failed.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum FailRule {
    Answer { equals: YesNoNa },
    Below { value: f64 },
    Above { value: f64 },
    AnyOf { options: Vec<String> },
}

impl From<cl::FailRule> for FailRule {
    fn from(r: cl::FailRule) -> Self {
        match r {
            cl::FailRule::Answer { equals } => FailRule::Answer {
                equals: equals.into(),
            },
            cl::FailRule::Below { value } => FailRule::Below { value },
            cl::FailRule::Above { value } => FailRule::Above { value },
            cl::FailRule::AnyOf { options } => FailRule::AnyOf { options },
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistItem {
    pub id: String,
    pub label: LocalizedText,
    pub kind: ItemKind,
    pub required: bool,
    pub fail: Option<FailRule>,
    pub deduction: u32,
    /// 一票否决.
    pub veto: bool,
    pub photo_on_fail: bool,
    pub hazard: Option<HazardSpec>,
    pub help: Option<LocalizedText>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistSection {
    pub id: String,
    pub title: LocalizedText,
    pub items: Vec<ChecklistItem>,
}

/// 检查表模板, one version of it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistTemplate {
    pub id: String,
    pub version: u32,
    pub title: LocalizedText,
    pub applies_to: AppliesTo,
    pub total_score: u32,
    pub pass_score: u32,
    pub sections: Vec<ChecklistSection>,
}

impl From<cl::ChecklistTemplate> for ChecklistTemplate {
    fn from(t: cl::ChecklistTemplate) -> Self {
        ChecklistTemplate {
            id: t.id,
            version: t.version,
            title: t.title.into(),
            applies_to: t.applies_to.into(),
            total_score: t.total_score,
            pass_score: t.pass_score,
            sections: t
                .sections
                .into_iter()
                .map(|s| ChecklistSection {
                    id: s.id,
                    title: s.title.into(),
                    items: s
                        .items
                        .into_iter()
                        .map(|i| ChecklistItem {
                            id: i.id,
                            label: i.label.into(),
                            kind: i.kind.into(),
                            required: i.required,
                            fail: i.fail.map(Into::into),
                            deduction: i.deduction,
                            veto: i.veto,
                            photo_on_fail: i.photo_on_fail,
                            hazard: i.hazard.map(Into::into),
                            help: i.help.map(Into::into),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One answer, typed by the item's kind.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Answer {
    YesNoNa {
        value: YesNoNa,
    },
    Number {
        value: f64,
    },
    Text {
        value: String,
    },
    Choice {
        option: String,
    },
    Choices {
        options: Vec<String>,
    },
    /// Photo hashes from `add_photo`.
    Photos {
        hashes: Vec<String>,
    },
    /// The hash of the signature image.
    Signature {
        hash: String,
    },
}

impl Answer {
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Answer::YesNoNa { value } => Value::from(CoreYesNoNa::from(*value).as_str()),
            Answer::Number { value } => Value::from(*value),
            Answer::Text { value } => Value::from(value.clone()),
            Answer::Choice { option } => Value::from(option.clone()),
            Answer::Choices { options } => Value::from(options.clone()),
            Answer::Photos { hashes } => Value::from(hashes.clone()),
            Answer::Signature { hash } => Value::from(hash.clone()),
        }
    }

    /// Typed by the template item it answers; `None` for null or a value that does
    /// not fit (the core never stores one).
    pub(crate) fn from_json(kind: &cl::ItemKind, v: &Value) -> Option<Answer> {
        let strings = |v: &Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|x| x.as_str().map(String::from))
                .collect()
        };
        Some(match kind {
            cl::ItemKind::YesNoNa => Answer::YesNoNa {
                value: CoreYesNoNa::parse(v.as_str()?)?.into(),
            },
            cl::ItemKind::Number { .. } => Answer::Number { value: v.as_f64()? },
            cl::ItemKind::Text { .. } => Answer::Text {
                value: v.as_str()?.into(),
            },
            cl::ItemKind::SingleChoice { .. } => Answer::Choice {
                option: v.as_str()?.into(),
            },
            cl::ItemKind::MultiChoice { .. } => Answer::Choices {
                options: strings(v)?,
            },
            cl::ItemKind::Photo { .. } => Answer::Photos {
                hashes: strings(v)?,
            },
            cl::ItemKind::Signature => Answer::Signature {
                hash: v.as_str()?.into(),
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemAnswer {
    pub item_id: String,
    pub answer: Answer,
}

/// Evidence photos taken for a (failing) item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemPhotos {
    pub item_id: String,
    pub hashes: Vec<String>,
}

pub(crate) fn answers_json(answers: &[ItemAnswer]) -> cl::Answers {
    answers
        .iter()
        .map(|a| (a.item_id.clone(), a.answer.to_json()))
        .collect()
}

pub(crate) fn photos_json(photos: Vec<ItemPhotos>) -> cl::ItemPhotos {
    photos.into_iter().map(|p| (p.item_id, p.hashes)).collect()
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewInspection {
    pub template_id: String,
    /// `None`: the newest version on the device.
    pub template_version: Option<u32>,
    pub address_code: String,
    pub subject_kind: Option<EntityKind>,
    pub subject_id: Option<String>,
    pub location: Option<GeoPoint>,
}

impl From<NewInspection> for st::NewInspection {
    fn from(n: NewInspection) -> Self {
        st::NewInspection {
            template_id: n.template_id,
            template_version: n.template_version,
            address_code: n.address_code,
            subject_kind: n.subject_kind.map(Into::into),
            subject_id: n.subject_id,
            location: n.location.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FailedItem {
    pub item_id: String,
    pub label: LocalizedText,
    pub deduction: u32,
    pub veto: bool,
    pub hazard: Option<HazardSpec>,
    pub photos: Vec<String>,
}

/// The result of submitting a checklist: score, verdict, and the hazards it raised.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionOutcome {
    pub inspection_id: String,
    pub score: u32,
    pub passed: bool,
    pub vetoed: bool,
    pub failed_items: Vec<FailedItem>,
    pub hazards_raised: Vec<String>,
}

impl From<st::InspectionOutcome> for InspectionOutcome {
    fn from(o: st::InspectionOutcome) -> Self {
        InspectionOutcome {
            inspection_id: o.inspection_id,
            score: o.evaluation.score,
            passed: o.evaluation.passed,
            vetoed: o.evaluation.vetoed,
            failed_items: failed_items(o.evaluation.failed_items),
            hazards_raised: o.hazards_raised,
        }
    }
}

/// A 检查记录 in a list: what the worker needs to find it again.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionSummary {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub address_code: String,
    pub inspector: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub score: Option<u32>,
    pub passed: Option<bool>,
    pub review_status: ReviewStatus,
    /// The supervisor's comment when returned (退回意见).
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub delivery: Delivery,
}

impl From<rec::Inspection> for InspectionSummary {
    fn from(i: rec::Inspection) -> Self {
        InspectionSummary {
            id: i.id,
            template_id: i.template_id,
            template_version: i.template_version,
            address_code: i.address_code,
            inspector: i.inspector,
            started_at: i.started_at,
            finished_at: i.finished_at,
            score: i.score,
            passed: i.passed,
            review_status: i.review_status.into(),
            review_comment: i.review_comment,
            reviewed_by: i.reviewed_by,
            delivery: i.delivery.into(),
        }
    }
}

/// One problem with one answer, for the checklist runner to show next to the item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AnswerProblem {
    pub item_id: String,
    /// `missing_required`, `photo_required_on_fail`, `out_of_range`…
    pub code: String,
    pub reason: String,
    pub reason_en: String,
}

/// The runner's live view of a checklist being filled in: what is still missing or
/// wrong and, once complete, the score and the items that fail.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistCheck {
    pub complete: bool,
    pub problems: Vec<AnswerProblem>,
    /// Present when complete.
    pub outcome: Option<Evaluation>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Evaluation {
    pub score: u32,
    pub passed: bool,
    pub vetoed: bool,
    pub failed_items: Vec<FailedItem>,
}

fn failed_items(items: Vec<cl::FailedItem>) -> Vec<FailedItem> {
    items
        .into_iter()
        .map(|f| FailedItem {
            item_id: f.item_id,
            label: f.label.into(),
            deduction: f.deduction,
            veto: f.veto,
            hazard: f.hazard.map(Into::into),
            photos: f.photos,
        })
        .collect()
}

impl From<Result<cl::Evaluation, cl::ValidationErrors>> for ChecklistCheck {
    fn from(r: Result<cl::Evaluation, cl::ValidationErrors>) -> Self {
        match r {
            Ok(e) => ChecklistCheck {
                complete: true,
                problems: Vec::new(),
                outcome: Some(Evaluation {
                    score: e.score,
                    passed: e.passed,
                    vetoed: e.vetoed,
                    failed_items: failed_items(e.failed_items),
                }),
            },
            Err(errs) => ChecklistCheck {
                complete: false,
                problems: errs
                    .0
                    .into_iter()
                    .map(|e| AnswerProblem {
                        code: serde_json::to_value(&e.kind)
                            .ok()
                            .and_then(|v| match v {
                                Value::String(s) => Some(s),
                                Value::Object(o) => o.keys().next().cloned(),
                                _ => None,
                            })
                            .unwrap_or_default(),
                        reason: e.kind.message_zh(),
                        reason_en: e.kind.to_string(),
                        item_id: e.item_id,
                    })
                    .collect(),
                outcome: None,
            },
        }
    }
}

/// A whole 检查记录 with its typed answers.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Inspection {
    pub summary: InspectionSummary,
    pub subject_kind: Option<EntityKind>,
    pub subject_id: Option<String>,
    pub device_id: String,
    pub location: Option<GeoPoint>,
    pub answers: Vec<ItemAnswer>,
    pub photos: Vec<ItemPhotos>,
    pub vetoed: Option<bool>,
    pub reviewed_at: Option<i64>,
}

impl Inspection {
    pub(crate) fn new(i: rec::Inspection, tpl: &cl::ChecklistTemplate) -> Self {
        let answers = tpl
            .items()
            .filter_map(|item| {
                let v = i.answers.get(&item.id)?;
                Some(ItemAnswer {
                    item_id: item.id.clone(),
                    answer: Answer::from_json(&item.kind, v)?,
                })
            })
            .collect();
        let photos: BTreeMap<_, _> = i.photos.clone();
        Inspection {
            subject_kind: i.subject_kind.map(Into::into),
            subject_id: i.subject_id.clone(),
            device_id: i.device_id.clone(),
            location: i.location.map(Into::into),
            answers,
            photos: photos
                .into_iter()
                .map(|(item_id, hashes)| ItemPhotos { item_id, hashes })
                .collect(),
            vetoed: i.vetoed,
            reviewed_at: i.reviewed_at,
            summary: i.into(),
        }
    }
}

// ---- hazards ---------------------------------------------------------------------------

/// 隐患.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Hazard {
    pub id: String,
    pub address_code: String,
    /// Category code (`fire.ebike_indoor_charging`…); `hazard_category_label` names it.
    pub category: String,
    pub severity: Severity,
    pub description: String,
    pub status: HazardStatus,
    pub assignee: Option<String>,
    /// Deadline, ms since the epoch.
    pub deadline: Option<i64>,
    pub photos: Vec<String>,
    pub source_inspection: Option<String>,
    pub source_item: Option<String>,
    pub source_report: Option<String>,
    pub reported_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub delivery: Delivery,
    /// Past its deadline and not closed.
    pub overdue: bool,
}

impl From<rec::Hazard> for Hazard {
    fn from(h: rec::Hazard) -> Self {
        Hazard {
            id: h.id,
            address_code: h.address_code,
            category: h.category,
            severity: h.severity.into(),
            description: h.description,
            status: h.status.into(),
            assignee: h.assignee,
            deadline: h.deadline,
            photos: h.photos,
            source_inspection: h.source_inspection,
            source_item: h.source_item,
            source_report: h.source_report,
            reported_by: h.reported_by,
            created_at: h.created_at,
            updated_at: h.updated_at,
            delivery: h.delivery.into(),
            overdue: h.overdue,
        }
    }
}

/// One lifecycle step: who, when, note and photos.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HazardEvent {
    pub id: String,
    pub action: Option<HazardAction>,
    pub from_status: Option<HazardStatus>,
    pub to_status: HazardStatus,
    pub actor: String,
    pub device_id: String,
    pub at: i64,
    pub note: Option<String>,
    pub photos: Vec<String>,
    pub assignee: Option<String>,
    pub deadline: Option<i64>,
}

impl From<rec::HazardEvent> for HazardEvent {
    fn from(e: rec::HazardEvent) -> Self {
        HazardEvent {
            id: e.id,
            action: e.action.map(Into::into),
            from_status: e.from_status.map(Into::into),
            to_status: e.to_status.into(),
            actor: e.actor,
            device_id: e.device_id,
            at: e.at,
            note: e.note,
            photos: e.photos,
            assignee: e.assignee,
            deadline: e.deadline,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HazardDetail {
    pub hazard: Hazard,
    pub events: Vec<HazardEvent>,
    /// The steps this device's role may take now.
    pub actions: Vec<HazardAction>,
}

#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct HazardFilter {
    pub status: Option<HazardStatus>,
    pub overdue_only: bool,
    pub open_only: bool,
    pub address_code: Option<String>,
    pub limit: Option<u32>,
}

impl From<HazardFilter> for st::HazardFilter {
    fn from(f: HazardFilter) -> Self {
        st::HazardFilter {
            status: f.status.map(Into::into),
            overdue_only: f.overdue_only,
            open_only: f.open_only,
            address_code: f.address_code,
            limit: f.limit,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewHazard {
    pub address_code: String,
    pub category: String,
    pub severity: Severity,
    pub description: String,
    pub photos: Vec<String>,
    pub deadline: Option<i64>,
}

impl From<NewHazard> for st::NewHazard {
    fn from(n: NewHazard) -> Self {
        st::NewHazard {
            address_code: n.address_code,
            category: n.category,
            severity: n.severity.into(),
            description: n.description,
            photos: n.photos,
            deadline: n.deadline,
        }
    }
}

/// What accompanies a lifecycle step.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct StepInput {
    pub assignee: Option<String>,
    pub deadline: Option<i64>,
    pub note: Option<String>,
    pub photos: Vec<String>,
}

impl From<StepInput> for CoreStepInput {
    fn from(s: StepInput) -> Self {
        CoreStepInput {
            assignee: s.assignee,
            deadline: s.deadline,
            note: s.note,
            photos: s.photos,
        }
    }
}

// ---- reports -------------------------------------------------------------------------

/// 上报 from a volunteer.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Report {
    pub id: String,
    pub address_code: String,
    pub address_text: String,
    pub text: String,
    pub photos: Vec<String>,
    pub reporter: String,
    pub status: ReportStatus,
    /// 积分 credited when accepted.
    pub points: i64,
    /// Why it was accepted or dismissed.
    pub decision_note: Option<String>,
    pub hazard_id: Option<String>,
    pub created_at: i64,
    pub delivery: Delivery,
}

impl From<rec::Report> for Report {
    fn from(r: rec::Report) -> Self {
        Report {
            id: r.id,
            address_code: r.address_code,
            address_text: r.address_text,
            text: r.text,
            photos: r.photos,
            reporter: r.reporter,
            status: r.status.into(),
            points: r.points,
            decision_note: r.decision_note,
            hazard_id: r.hazard_id,
            created_at: r.created_at,
            delivery: r.delivery.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewReport {
    pub address_code: String,
    /// Needed when the address is not on this device (a scanned plate outside scope).
    pub address_text: Option<String>,
    pub text: String,
    pub photos: Vec<String>,
}

impl From<NewReport> for st::NewReport {
    fn from(n: NewReport) -> Self {
        st::NewReport {
            address_code: n.address_code,
            address_text: n.address_text,
            text: n.text,
            photos: n.photos,
        }
    }
}

// ---- photos, outbox, sync ------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoRef {
    /// SHA-256 of the bytes: the photo's name everywhere.
    pub hash: String,
    pub size: u64,
    pub mime: String,
}

impl From<gridfield_core::photo::PhotoRef> for PhotoRef {
    fn from(p: gridfield_core::photo::PhotoRef) -> Self {
        PhotoRef {
            hash: p.hash,
            size: p.size,
            mime: p.mime,
        }
    }
}

/// One operation waiting to be pushed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PendingOperation {
    pub op_id: String,
    /// `inspection_submit`, `hazard_step`…
    pub kind: String,
    pub entity: String,
    pub entity_id: String,
    pub created_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
}

impl From<rec::OutboxEntry> for PendingOperation {
    fn from(o: rec::OutboxEntry) -> Self {
        PendingOperation {
            kind: o.op.type_name().into(),
            op_id: o.op_id,
            entity: o.entity,
            entity_id: o.entity_id,
            created_at: o.created_at,
            attempts: o.attempts,
            last_error: o.last_error,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub done: u64,
    /// 0 when unknown (pull).
    pub total: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

impl From<&sy::SyncProgress> for SyncProgress {
    fn from(p: &sy::SyncProgress) -> Self {
        SyncProgress {
            phase: p.phase.into(),
            done: p.done,
            total: p.total,
            bytes_up: p.bytes_up,
            bytes_down: p.bytes_down,
        }
    }
}

/// An operation the server refused, with its reason.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Rejection {
    pub entity: String,
    pub entity_id: String,
    pub code: String,
    pub reason: String,
    pub reason_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncReport {
    pub pushed: u64,
    pub duplicates: u64,
    pub rejected: Vec<Rejection>,
    pub conflicts: u64,
    pub waiting_photos: u64,
    pub pulled: u64,
    pub photos_uploaded: u64,
    pub photos_failed: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// The replica matched the server's checksums for this device's scope.
    pub verified: bool,
    /// It did not, and was repaired.
    pub repaired: bool,
    /// This device's edits that lost to a concurrent edit made elsewhere (the
    /// other value is current; both are in the server's conflict log).
    pub lost: Vec<LostEdit>,
    /// The server turned out restored from a backup: what it lost went up again.
    pub server_restored: bool,
    pub reuploaded: u64,
    /// Local records dropped because the server no longer has them.
    pub dropped: u64,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LostEdit {
    pub entity: String,
    pub entity_id: String,
    pub fields: Vec<String>,
}

impl From<sy::SyncReport> for SyncReport {
    fn from(r: sy::SyncReport) -> Self {
        SyncReport {
            pushed: r.pushed,
            duplicates: r.duplicates,
            rejected: r
                .rejected
                .into_iter()
                .map(|j| Rejection {
                    entity: j.entity,
                    entity_id: j.entity_id,
                    code: j.code,
                    reason: j.message,
                    reason_en: j.message_en,
                })
                .collect(),
            conflicts: r.conflicts,
            waiting_photos: r.waiting_photos,
            pulled: r.pulled,
            photos_uploaded: r.photos_uploaded,
            photos_failed: r.photos_failed,
            bytes_up: r.bytes_up,
            bytes_down: r.bytes_down,
            verified: r.verified,
            repaired: r.repaired,
            lost: r
                .lost
                .into_iter()
                .map(|l| LostEdit {
                    entity: l.entity,
                    entity_id: l.entity_id,
                    fields: l.fields,
                })
                .collect(),
            server_restored: r.server_restored,
            reuploaded: r.reuploaded,
            dropped: r.dropped,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncErrorInfo {
    pub code: String,
    pub reason: String,
    pub reason_en: String,
    pub at: i64,
}

/// What support needs to see when "sync doesn't work".
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Diagnostics {
    pub enrolled: bool,
    pub server_url: Option<String>,
    pub device_id: String,
    pub queue_depth: u64,
    pub pending_photos: u64,
    pub last_success: Option<i64>,
    pub last_error: Option<SyncErrorInfo>,
    /// How far this phone's clock is behind the server's (ms); writes are stamped
    /// in corrected time.
    pub clock_offset_ms: i64,
    /// Another installation used this enrollment: `reenroll` with a new code.
    pub needs_reenroll: bool,
}

impl From<sy::Diagnostics> for Diagnostics {
    fn from(d: sy::Diagnostics) -> Self {
        Diagnostics {
            enrolled: d.enrolled,
            server_url: d.server_url,
            device_id: d.device_id,
            queue_depth: d.queue_depth,
            pending_photos: d.pending_photos,
            last_success: d.last_success,
            last_error: d.last_error.map(|e| SyncErrorInfo {
                code: e.code,
                reason: e.message,
                reason_en: e.message_en,
                at: e.at,
            }),
            clock_offset_ms: d.clock_offset_ms,
            needs_reenroll: d.needs_reenroll,
        }
    }
}

/// A 32-byte key from the platform keystore, checked.
pub(crate) fn db_key(key: &[u8]) -> Result<gridfield_core::DbKey> {
    let bytes: [u8; 32] = key.try_into().map_err(|_| {
        GridfieldError::invalid(
            "bad_key",
            "数据库密钥必须是 32 字节",
            "the database key must be 32 bytes",
        )
    })?;
    Ok(gridfield_core::DbKey::from_bytes(bytes))
}
