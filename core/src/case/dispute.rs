//! 矛盾纠纷: what a dispute adds to a case — its subject and amount, the mediation
//! sessions held, the agreement signed (调解协议) and the level it was settled on.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dispute {
    /// 纠纷事由.
    pub subject: String,
    /// 涉及金额, in fen (0.01 yuan), when money is at stake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    #[serde(default)]
    pub sessions: Vec<MediationSession>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
    /// The level that owned the case when it was finished (办结): where it was settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_path: Option<String>,
}

/// 调解记录: one mediation session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediationSession {
    pub id: String,
    pub at: i64,
    pub place: String,
    /// The mediator's user name.
    pub mediator: String,
    /// Who took part (names as told: personal data).
    #[serde(default)]
    pub participants: Vec<String>,
    pub outcome: MediationOutcome,
    /// What was agreed, or why not.
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediationOutcome {
    /// 调解成功
    Agreed,
    /// 调解未果 (another session, or escalate)
    NotAgreed,
}

impl MediationOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            MediationOutcome::Agreed => "agreed",
            MediationOutcome::NotAgreed => "not_agreed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [MediationOutcome::Agreed, MediationOutcome::NotAgreed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            MediationOutcome::Agreed => lang.pick("调解成功", "agreed"),
            MediationOutcome::NotAgreed => lang.pick("调解未果", "not agreed"),
        }
    }
}

/// 调解协议: the terms and the signatures captured on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agreement {
    pub terms: String,
    pub signatures: Vec<Signature>,
    pub signed_at: i64,
}

/// One signature: who signed in which capacity, and the photo (hash) of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    pub role: SignerRole,
    pub name: String,
    /// The signature image's content hash (a photo like any other).
    pub photo: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    Applicant,
    Respondent,
    Mediator,
}

impl SignerRole {
    pub const ALL: [SignerRole; 3] = [
        SignerRole::Applicant,
        SignerRole::Respondent,
        SignerRole::Mediator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignerRole::Applicant => "applicant",
            SignerRole::Respondent => "respondent",
            SignerRole::Mediator => "mediator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SignerRole::Applicant => lang.pick("申请人", "applicant"),
            SignerRole::Respondent => lang.pick("被申请人", "respondent"),
            SignerRole::Mediator => lang.pick("调解员", "mediator"),
        }
    }
}

impl Agreement {
    /// A valid agreement has terms and is signed by an applicant, a respondent
    /// and the mediator, each with a signature image.
    pub fn is_complete(&self) -> bool {
        !self.terms.trim().is_empty()
            && SignerRole::ALL.iter().all(|r| {
                self.signatures
                    .iter()
                    .any(|s| s.role == *r && !s.name.trim().is_empty() && !s.photo.is_empty())
            })
    }

    pub fn photo_hashes(&self) -> Vec<String> {
        self.signatures.iter().map(|s| s.photo.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(role: SignerRole) -> Signature {
        Signature {
            role,
            name: "某".into(),
            photo: "ab".repeat(32),
        }
    }

    #[test]
    fn an_agreement_needs_terms_and_all_three_signatures() {
        let mut a = Agreement {
            terms: "赔偿 500 元".into(),
            signatures: SignerRole::ALL.into_iter().map(sig).collect(),
            signed_at: 1,
        };
        assert!(a.is_complete());
        a.signatures.pop();
        assert!(!a.is_complete());
        a.signatures.push(Signature {
            photo: String::new(),
            ..sig(SignerRole::Mediator)
        });
        assert!(!a.is_complete());
        a.signatures.pop();
        a.signatures.push(sig(SignerRole::Mediator));
        a.terms = "  ".into();
        assert!(!a.is_complete());
    }
}
