//! Volunteer reports (上报) and points (积分), with the store's report calls.

use gridfield_core::records::{self as rec};
use gridfield_core::store as st;

use crate::error::Result;
use crate::*;

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
    /// Where the phone was when the report was filed.
    pub location: Option<GeoPoint>,
    /// 上报类别: a case-taxonomy code, or none.
    pub category: Option<String>,
    /// The category in the store's language (未分类 for a code this phone lacks).
    pub category_label: Option<String>,
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
            location: r.location.map(Into::into),
            category: r.category,
            // Named by `GridfieldStore::reports`.
            category_label: None,
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
    /// The phone's fix when the report is filed (last known; never waited for).
    #[uniffi(default)]
    pub location: Option<GeoPoint>,
    /// 上报类别: one of `report_categories()`' codes, or none.
    #[uniffi(default)]
    pub category: Option<String>,
}

impl From<NewReport> for st::NewReport {
    fn from(n: NewReport) -> Self {
        st::NewReport {
            location: n.location.map(Into::into),
            address_code: n.address_code,
            address_text: n.address_text,
            text: n.text,
            photos: n.photos,
            category: n.category,
        }
    }
}

#[uniffi::export]
impl GridfieldStore {
    pub fn file_report(&self, new: NewReport) -> Result<String> {
        Ok(self.inner.file_report(&new.into())?)
    }

    pub fn reports(&self) -> Result<Vec<Report>> {
        let taxonomy = self.inner.case_taxonomy()?;
        let lang = self.inner.lang()?;
        Ok(self
            .inner
            .reports()?
            .into_iter()
            .map(|r| {
                let label = r
                    .category
                    .as_deref()
                    .map(|c| taxonomy.category_label(c, lang));
                Report {
                    category_label: label,
                    ..r.into()
                }
            })
            .collect())
    }

    /// The categories a new report may carry: the synced case taxonomy's active
    /// entries (the same list cases use), labelled in the store's language.
    pub fn report_categories(&self) -> Result<Vec<CaseType>> {
        self.case_types()
    }

    /// 积分 from accepted reports.
    pub fn points(&self) -> Result<i64> {
        Ok(self.inner.points()?)
    }
}
