//! A domain rule's "no", whichever concept gave it: the device shows it as an error,
//! the server sends it as a rejected op or an HTTP error, the console as a notice.
//! One type so all three say the same words for the same reason.

use crate::case::CaseRefusal;
use crate::hazard::{HazardRefusal, TransitionError};
use crate::i18n::Lang;
use crate::inspection::{ReviewRefusal, WriteRefusal};
use crate::points::PointsRefusal;
use crate::record::NotAuthor;
use crate::report::DecisionRefusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    InspectionWrite(WriteRefusal),
    Review(ReviewRefusal),
    Report(DecisionRefusal),
    HazardCreate(HazardRefusal),
    HazardStep(TransitionError),
    NotAuthor(NotAuthor),
    Case(CaseRefusal),
    Points(PointsRefusal),
}

impl Refusal {
    /// Stable identifier of the reason, e.g. `review.comment_required`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::InspectionWrite(r) => r.code(),
            Refusal::Review(r) => r.code(),
            Refusal::Report(r) => r.code(),
            Refusal::HazardCreate(r) => r.code(),
            Refusal::HazardStep(r) => r.code(),
            Refusal::NotAuthor(r) => r.code(),
            Refusal::Case(r) => r.code(),
            Refusal::Points(r) => r.code(),
        }
    }

    /// The code a rejected op carries on the wire (`OpResult.code`), unchanged since
    /// protocol v1: the reason without its concept, and one code for a refused step.
    pub fn wire_code(&self) -> &'static str {
        match self {
            Refusal::HazardStep(_) | Refusal::Case(CaseRefusal::NotFromState { .. }) => {
                "transition_refused"
            }
            _ if self.is_permission() => "not_permitted",
            _ => self.code().split_once('.').map_or(self.code(), |(_, r)| r),
        }
    }

    /// Whether the reason is the actor's role or ownership (a device shows these as
    /// "not permitted"), rather than the record's state or the input.
    pub fn is_permission(&self) -> bool {
        matches!(
            self,
            Refusal::InspectionWrite(WriteRefusal::NotPermitted)
                | Refusal::Review(ReviewRefusal::NotPermitted)
                | Refusal::Report(DecisionRefusal::NotPermitted)
                | Refusal::HazardCreate(HazardRefusal::NotPermitted)
                | Refusal::HazardStep(TransitionError::NotPermitted { .. })
        ) || matches!(self, Refusal::Case(r) if r.is_permission())
            || matches!(self, Refusal::Points(r) if r.is_permission())
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            Refusal::InspectionWrite(r) => r.message(lang),
            Refusal::Review(r) => r.message(lang),
            Refusal::Report(r) => r.message(lang),
            Refusal::HazardCreate(r) => r.message(lang),
            Refusal::HazardStep(r) => r.message(lang),
            Refusal::NotAuthor(r) => r.message(lang),
            Refusal::Case(r) => r.message(lang),
            Refusal::Points(r) => r.message(lang),
        }
    }

    /// One of each reason, for tests that walk every message.
    pub fn samples() -> Vec<Refusal> {
        let mut all: Vec<Refusal> = Vec::new();
        all.extend(WriteRefusal::samples().into_iter().map(Refusal::from));
        all.extend(ReviewRefusal::samples().into_iter().map(Refusal::from));
        all.extend(DecisionRefusal::samples().into_iter().map(Refusal::from));
        all.extend(HazardRefusal::samples().into_iter().map(Refusal::from));
        all.push(Refusal::NotAuthor(NotAuthor));
        all.extend(CaseRefusal::samples().into_iter().map(Refusal::from));
        all.extend(PointsRefusal::samples().into_iter().map(Refusal::from));
        all
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

macro_rules! from_reason {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Refusal {
            fn from(r: $t) -> Self {
                Refusal::$v(r)
            }
        }
    )*};
}
from_reason!(WriteRefusal => InspectionWrite, ReviewRefusal => Review,
    DecisionRefusal => Report, HazardRefusal => HazardCreate, TransitionError => HazardStep,
    NotAuthor => NotAuthor, CaseRefusal => Case, PointsRefusal => Points);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_codes_are_the_protocol_v1_codes() {
        let codes: Vec<&str> = Refusal::samples().iter().map(|r| r.wire_code()).collect();
        for c in [
            "not_permitted",
            "not_owner",
            "already_approved",
            "comment_required",
            "not_submitted",
            "already_decided",
            "reason_required",
            "note_too_long",
            "invalid_points",
            "address_changed",
            "unknown_category",
            "category_retired",
            "severity_retired",
        ] {
            assert!(codes.contains(&c), "{c} missing from {codes:?}");
        }
        assert!(codes.iter().all(|c| !c.contains('.')), "{codes:?}");
    }
}
