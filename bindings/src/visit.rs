//! 走访 (visits): the due list in walking order and what is planned at a scanned
//! address, computed offline by the core from the visit rules the phone holds.

use gridfield_core::visit as v;

use crate::error::Result;
use crate::*;

/// Which due visits a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VisitWindow {
    /// Overdue only.
    Overdue,
    /// Overdue and due today: the day's work.
    Today,
    /// Overdue, today and the rest of this week.
    Week,
}

impl From<VisitWindow> for v::Window {
    fn from(w: VisitWindow) -> Self {
        match w {
            VisitWindow::Overdue => v::Window::Overdue,
            VisitWindow::Today => v::Window::Today,
            VisitWindow::Week => v::Window::Week,
        }
    }
}

/// Where a due visit stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VisitBucket {
    Overdue,
    Today,
    Week,
    Later,
}

impl From<v::Bucket> for VisitBucket {
    fn from(b: v::Bucket) -> Self {
        match b {
            v::Bucket::Overdue => VisitBucket::Overdue,
            v::Bucket::Today => VisitBucket::Today,
            v::Bucket::Week => VisitBucket::Week,
            v::Bucket::Later => VisitBucket::Later,
        }
    }
}

/// One visit due, as the list shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DueVisit {
    pub entity_id: String,
    pub kind: EntityKind,
    pub name: Option<String>,
    pub address_code: String,
    pub address_text: String,
    pub template_id: String,
    pub every_days: u32,
    /// `YYYY-MM-DD` (China time).
    pub due: String,
    pub bucket: VisitBucket,
    /// 逾期 / 今日 / 本周 / 以后, in the store's language.
    pub bucket_label: String,
    pub never_visited: bool,
    pub days_overdue: i64,
}

fn shown(d: v::DueVisit, lang: gridfield_core::Lang) -> DueVisit {
    DueVisit {
        entity_id: d.entity_id,
        kind: d.kind.into(),
        name: d.name,
        address_code: d.address_code,
        address_text: d.address_text,
        template_id: d.template,
        every_days: d.every_days,
        due: d.due,
        bucket: d.bucket.into(),
        bucket_label: d.bucket.label(lang).to_string(),
        never_visited: d.never_visited,
        days_overdue: d.days_overdue,
    }
}

#[uniffi::export]
impl GridfieldStore {
    /// The visits due in `window`, in walking order (street, number, building,
    /// unit, room); an inspection submitted on this phone takes its visit off at once.
    pub fn visits_due(&self, window: VisitWindow) -> Result<Vec<DueVisit>> {
        let lang = self.inner.lang()?;
        Ok(self
            .inner
            .visits_due(window.into())?
            .into_iter()
            .map(|d| shown(d, lang))
            .collect())
    }

    /// Every visit planned at an address (a scanned door plate), whenever due.
    pub fn visits_at(&self, address_code: String) -> Result<Vec<DueVisit>> {
        let lang = self.inner.lang()?;
        Ok(self
            .inner
            .visits_at(&address_code)?
            .into_iter()
            .map(|d| shown(d, lang))
            .collect())
    }
}
