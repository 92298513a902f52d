//! Hazards (隐患) and their lifecycle as the shells see them, with the store's
//! hazard calls.

use gridfield_core::hazard::{self as hz, StepInput as CoreStepInput};
use gridfield_core::records::{self as rec};
use gridfield_core::store as st;

use crate::error::Result;
use crate::*;

/// 隐患.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Hazard {
    pub id: String,
    pub address_code: String,
    /// Category code (`fire.ebike_indoor_charging`…).
    pub category: String,
    /// The category's name in the store's language (`set_lang`), by the hazard
    /// taxonomy this phone holds (the server's, once synced); 未分类 /
    /// Uncategorised for a code it does not know.
    pub category_label: String,
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
    /// Where the phone was when the hazard was reported.
    pub location: Option<GeoPoint>,
}

impl From<rec::Hazard> for Hazard {
    fn from(h: rec::Hazard) -> Self {
        Hazard {
            id: h.id,
            address_code: h.address_code,
            category: h.category,
            // Named by `GridfieldStore::name_categories`, which every call returning
            // hazards goes through.
            category_label: String::new(),
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
            location: h.location.map(Into::into),
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
    /// The phone's fix when the hazard is reported (last known; never waited for).
    #[uniffi(default)]
    pub location: Option<GeoPoint>,
}

impl From<NewHazard> for st::NewHazard {
    fn from(n: NewHazard) -> Self {
        st::NewHazard {
            location: n.location.map(Into::into),
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

impl GridfieldStore {
    /// Name each hazard's category by the taxonomy this phone holds, in the
    /// store's language.
    pub(crate) fn name_categories<'a>(
        &self,
        hazards: impl IntoIterator<Item = &'a mut Hazard>,
    ) -> Result<()> {
        let taxonomy = self.inner.hazard_taxonomy()?;
        let lang = self.inner.lang()?;
        for h in hazards {
            h.category_label = taxonomy.category_label(&h.category, lang);
        }
        Ok(())
    }
}

/// A category a new hazard may be filed under.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HazardCategory {
    pub code: String,
    /// In the store's language.
    pub label: String,
}

#[uniffi::export]
impl GridfieldStore {
    /// The categories a new hazard may use, as this phone's taxonomy lists them
    /// (retired ones left out).
    pub fn hazard_categories(&self) -> Result<Vec<HazardCategory>> {
        let taxonomy = self.inner.hazard_taxonomy()?;
        let lang = self.inner.lang()?;
        Ok(taxonomy
            .active_categories()
            .map(|e| HazardCategory {
                code: e.code.clone(),
                label: e.label(lang).to_string(),
            })
            .collect())
    }

    /// A category's name by this phone's taxonomy (未分类 / Uncategorised for a
    /// code it does not know).
    pub fn hazard_category_label(&self, category: String, lang: Lang) -> Result<String> {
        Ok(self
            .inner
            .hazard_taxonomy()?
            .category_label(&category, lang.into()))
    }

    pub fn create_hazard(&self, new: NewHazard) -> Result<String> {
        Ok(self.inner.create_hazard(&new.into())?)
    }

    /// Take a lifecycle step; returns the new status.
    pub fn hazard_step(
        &self,
        hazard_id: String,
        action: HazardAction,
        input: StepInput,
    ) -> Result<HazardStatus> {
        Ok(self
            .inner
            .hazard_step(&hazard_id, action.into(), &input.into())?
            .into())
    }

    pub fn hazards(&self, filter: HazardFilter) -> Result<Vec<Hazard>> {
        let mut hazards: Vec<Hazard> = self
            .inner
            .hazards(&filter.into())?
            .into_iter()
            .map(Into::into)
            .collect();
        self.name_categories(&mut hazards)?;
        Ok(hazards)
    }

    pub fn hazard(&self, id: String) -> Result<HazardDetail> {
        let d = self.inner.hazard(&id)?;
        let role = self.inner.identity().role;
        let actions = hz::allowed_actions(role, d.hazard.status)
            .into_iter()
            .map(Into::into)
            .collect();
        let mut hazard: Hazard = d.hazard.into();
        self.name_categories([&mut hazard])?;
        Ok(HazardDetail {
            hazard,
            events: d.events.into_iter().map(Into::into).collect(),
            actions,
        })
    }
}
