//! The items of the six steps, as a viewer reads them.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    AgreementStatus, Amount, AssigneeKind, FirstStepStatus, MAX_SHORT_TEXT, ProblemKind,
    parse_optional_text,
};
use crate::slice::{Need, SharingLevel};
use crate::{
    AgreementId, CaseId, EvaluationId, FactId, FirstStepId, InvalidInput, LifeDomain,
    OrganisationId, PerspectiveId, ProblemId, ProfessionalId,
};

/// Items of the six steps carry their texts, amounts and names in `content`, which is `None`
/// for a viewer who sees only the process (DOMAIN.md §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Perspective {
    pub id: PerspectiveId,
    pub case_id: CaseId,
    pub written_by_resident: bool,
    pub recorded_by_professional_id: Option<ProfessionalId>,
    pub recorded_at: DateTime<Utc>,
    /// The perspective in the resident's words; `None` for a viewer who sees only the process.
    pub content: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub id: FactId,
    pub case_id: CaseId,
    pub organisation_id: OrganisationId,
    pub professional_id: ProfessionalId,
    pub life_domain: LifeDomain,
    pub need: Need,
    pub sharing: SharingLevel,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub content: Option<FactContent>,
    /// Why the resident does not see this item, for the team; `None` when they do.
    pub withheld_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactContent {
    pub text: String,
    pub amount: Option<Amount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub id: ProblemId,
    pub case_id: CaseId,
    pub organisation_id: OrganisationId,
    pub professional_id: ProfessionalId,
    pub kind: ProblemKind,
    pub life_domain: LifeDomain,
    pub sharing: SharingLevel,
    pub resident_shares_picture: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    /// The problem as the team describes it; `None` for a viewer who sees only the process.
    pub content: Option<String>,
    /// Why the resident does not see this item, for the team; `None` when they do.
    pub withheld_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstStep {
    pub id: FirstStepId,
    pub case_id: CaseId,
    pub status: FirstStepStatus,
    pub organisation_id: OrganisationId,
    pub professional_id: ProfessionalId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub content: Option<FirstStepContent>,
}

/// The willen / kunnen / doen lens on a first step is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstStepContent {
    pub text: String,
    pub motivation: Option<String>,
    pub capability: Option<String>,
    pub opportunity: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: AgreementId,
    pub case_id: CaseId,
    pub assignee_kind: AssigneeKind,
    pub due_on: Option<NaiveDate>,
    pub review_on: Option<NaiveDate>,
    pub status: AgreementStatus,
    /// `None` when the resident changed it.
    pub status_changed_by_professional_id: Option<ProfessionalId>,
    pub status_changed_at: DateTime<Utc>,
    pub organisation_id: OrganisationId,
    pub professional_id: ProfessionalId,
    pub created_at: DateTime<Utc>,
    pub version: i32,
    pub content: Option<AgreementContent>,
}

impl Agreement {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due_on.is_some_and(|due| due < today)
    }
}

/// What is agreed and with whom by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementContent {
    pub what: String,
    pub assignee: Assignee,
}

/// Who carries out an agreement. A team member or organisation is named by id; the
/// resident's network, the social base and a specialist by a short description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    Resident,
    Network(Option<String>),
    SocialBase(Option<String>),
    TeamMember(ProfessionalId),
    Organisation(OrganisationId),
    Specialist(Option<String>),
}

impl Assignee {
    pub fn kind(&self) -> AssigneeKind {
        match self {
            Assignee::Resident => AssigneeKind::Resident,
            Assignee::Network(_) => AssigneeKind::Network,
            Assignee::SocialBase(_) => AssigneeKind::SocialBase,
            Assignee::TeamMember(_) => AssigneeKind::TeamMember,
            Assignee::Organisation(_) => AssigneeKind::Organisation,
            Assignee::Specialist(_) => AssigneeKind::Specialist,
        }
    }

    /// Builds an assignee from the API's flat input; the kind says which other field counts.
    pub fn parse(
        kind: AssigneeKind,
        professional: Option<ProfessionalId>,
        organisation: Option<OrganisationId>,
        name: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        let name = parse_optional_text("assignee.name", name, MAX_SHORT_TEXT)?;
        match kind {
            AssigneeKind::Resident => Ok(Assignee::Resident),
            AssigneeKind::Network => Ok(Assignee::Network(name)),
            AssigneeKind::SocialBase => Ok(Assignee::SocialBase(name)),
            AssigneeKind::Specialist => Ok(Assignee::Specialist(name)),
            AssigneeKind::TeamMember => professional.map(Assignee::TeamMember).ok_or_else(|| {
                InvalidInput::new("assignee.professionalId", "name the team member")
            }),
            AssigneeKind::Organisation => {
                organisation.map(Assignee::Organisation).ok_or_else(|| {
                    InvalidInput::new("assignee.organisationId", "name the organisation")
                })
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub id: EvaluationId,
    pub case_id: CaseId,
    pub perspective_reached: bool,
    pub next_evaluation_on: Option<NaiveDate>,
    pub organisation_id: OrganisationId,
    pub professional_id: ProfessionalId,
    pub recorded_at: DateTime<Utc>,
    pub content: Option<EvaluationContent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationContent {
    pub achieved: String,
    pub what_worked: Option<String>,
    pub still_needed: Option<String>,
}
