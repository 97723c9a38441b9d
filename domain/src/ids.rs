//! Typed identifiers. A `CaseId` can never be passed where an `OrganisationId` is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new identifier; time-ordered, so new rows land at the end of indexes.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A municipality (gemeente): the tenant boundary for cases.
    MunicipalityId,
    /// A partner organisation.
    OrganisationId,
    /// A person working for an organisation.
    ProfessionalId,
    /// A bulk import an organisation's integration started through the API.
    ImportJobId,
    /// The person a case is about.
    ResidentId,
    /// A registered identity provider whose tokens the platform accepts.
    IdentityProviderId,
    /// A shared case around one resident.
    CaseId,
    /// One professional's membership of one case team.
    TeamMemberId,
    /// An invitation to join a case team.
    InvitationId,
    /// One recorded consent for one organisation and life domain.
    ConsentId,
    /// One version of the resident's perspective.
    PerspectiveId,
    /// A fact of the situation sketch.
    FactId,
    /// A problem of the analysis.
    ProblemId,
    /// A first step toward the perspective.
    FirstStepId,
    /// An agreement: what, who, by when.
    AgreementId,
    /// An evaluation of results against the perspective.
    EvaluationId,
    /// The right of an organisation role to take decisions of one kind.
    MandateId,
    /// A decision on a case: taken within mandate, or escalated.
    DecisionId,
    /// A maatwerkbudget of an organisation or a municipality for one year.
    BudgetId,
    /// A justified exception to a rule, for one first step.
    RuleExceptionId,
    /// A system problem reported to policy, without the case it came from.
    SignalId,
    /// A published, anonymised custom solution.
    SolutionId,
);
