//! GraphQL enums, mirrored from the domain. Each mirror converts both ways with exhaustive
//! matches, so a variant added to the domain does not compile until the schema has it too.

macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident => $domain:path { $($variant:ident $(as $graphql_name:literal)?),* $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[graphql(name = $graphql_name)])? $variant),*
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                use $domain as D;
                match value { $(D::$variant => $name::$variant),* }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                use $domain as D;
                match value { $($name::$variant => D::$variant),* }
            }
        }
    };
}

mirror_enum!(
    /// What happened on a case, as its timeline and its live events name it. `EVENTS_MISSED`
    /// is never on a timeline: a subscriber hears it when events may have been lost on the way
    /// (a server's database connection dropped, or the subscriber fell far behind), and reads
    /// the case again.
    CaseEventKind => domain::case::EventKind {
        CaseOpened, CaseClosed, CaseReopened, StepChanged, CaseLeadTransferred, Invited,
        Escalated, MemberJoined, InvitationDeclined, InvitationWithdrawn, MemberLeft,
        MemberRemoved, ConsentRecorded, ConsentRevoked, PerspectiveRecorded, FactAdded,
        FactChanged, ProblemAdded, FirstStepAdded, FirstStepChanged, AgreementAdded,
        AgreementChanged, EvaluationRecorded, WithheldFromResident, ReleasedToResident,
        DecisionTaken, DecisionEscalated, DecisionApproved, DecisionDeclined,
        RuleExceptionDrafted, RuleExceptionSubmitted, RuleExceptionCoSigned,
        RuleExceptionEndorsed, RuleExceptionApproved, RuleExceptionRejected, SignalRaised,
        SolutionPublished, EventsMissed,
    }
);

mirror_enum!(
    /// What kind of partner an organisation is.
    OrganisationKind => domain::OrganisationKind {
        NeighbourhoodTeam, YouthTeam, IncomeDepartment, HousingCorporation, HealthService, School, EmploymentAgency, BreakthroughTeam, Other,
    }
);

mirror_enum!(
    /// What a decision decides.
    DecisionKind => domain::mandate::DecisionKind {
        BudgetAllocation, HousingUrgencyDeclaration, DebtArrangement, BenefitException, Other,
    }
);

mirror_enum!(
    /// The period a quota counts over.
    QuotaPeriod => domain::mandate::QuotaPeriod { Month, Quarter, Year }
);

mirror_enum!(
    /// Taken within mandate, escalated beyond it, then approved or declined.
    DecisionStatus => domain::mandate::DecisionStatus { Taken, Escalated, Approved, Declined }
);

mirror_enum!(
    /// What kind of rule an exception deviates from.
    RuleKind => domain::exception::RuleKind { Rule, Interpretation, Procedure, Law }
);

mirror_enum!(
    /// Where an exception stands.
    ExceptionStatus => domain::exception::ExceptionStatus {
        Draft, Submitted, CoSigned, Endorsed, Approved, Rejected,
    }
);

mirror_enum!(
    /// What kind of system problem a signal reports.
    SignalCategory => domain::signal::SignalCategory {
        Regulation, Procedure, Cooperation, Capacity, Funding, Other,
    }
);

mirror_enum!(
    /// Where policy stands with a signal.
    SignalStatus => domain::signal::SignalStatus { Received, UnderReview, Addressed, Declined }
);

mirror_enum!(
    /// What maatwerkbudget money is spent on.
    BudgetCategory => domain::mandate::BudgetCategory {
        Shelter, EmergencyFoodAdvance, RentArrears, Debt, Mobility, Education, Other,
    }
);

mirror_enum!(
    /// A role a professional holds in their organisation.
    OrganisationRole => domain::OrganisationRole {
        Professional, TeamLead, Coach, ProcessFacilitator, PolicyAnalyst, PrivacyOfficer, OrgAdmin,
    }
);

mirror_enum!(
    /// A life domain of "the spin".
    LifeDomain => domain::LifeDomain {
        Profile, Finances, Housing, Safety, WorkAndDaytime, Health, YouthAndEducation, StrengthsAndTalents, Network, PastSuccesses, Particulars,
    }
);

mirror_enum!(
    /// Whose tokens an identity provider issues.
    ProviderKind => domain::identity::ProviderKind { Professional, Service, Resident, Platform }
);

mirror_enum!(
    /// A signing algorithm an identity provider may be pinned to; asymmetric only.
    SigningAlgorithm => domain::identity::SigningAlgorithm { Es256 as "ES256", Rs256 as "RS256", EdDsa as "EdDSA" }
);

mirror_enum!(
    /// What an organisation's integration may do.
    ServiceScope => domain::identity::ServiceScope { CaseloadExport, AgreementsWrite, DirectoryRead, Import }
);

/// The kind of party a request acts for.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Professional,
    Resident,
    Service,
    PlatformAdmin,
}

impl From<&domain::identity::Actor> for ActorKind {
    fn from(actor: &domain::identity::Actor) -> Self {
        use domain::identity::Actor;
        match actor {
            Actor::Professional(_) => ActorKind::Professional,
            Actor::Resident(_) => ActorKind::Resident,
            Actor::Service(_) => ActorKind::Service,
            Actor::PlatformAdmin(_) => ActorKind::PlatformAdmin,
        }
    }
}

/// Converts a list of mirrored values into a sorted domain set.
pub fn to_domain_set<G: Copy, D: Ord + From<G>>(values: &[G]) -> std::collections::BTreeSet<D> {
    values.iter().map(|value| D::from(*value)).collect()
}

mirror_enum!(
    /// Whether the team is still working on a case.
    CaseStatus => domain::case::CaseStatus { Open, Closed }
);

mirror_enum!(
    /// The six steps of the method.
    CaseStep => domain::case::CaseStep { Perspective, SituationSketch, Analysis, FirstSteps, WhoDoesWhat, Evaluation }
);

mirror_enum!(
    /// A role on one case team.
    TeamRole => domain::slice::TeamRole { CaseLead, Member, Coach, ProcessFacilitator }
);

mirror_enum!(
    InvitationStatus => domain::case::InvitationStatus { Pending, Accepted, Declined, Withdrawn }
);

mirror_enum!(
    /// How the resident gave a consent.
    ConsentMethod => domain::case::ConsentMethod { Verbal, Written, Digital }
);

mirror_enum!(
    /// Where the key to a problem lies.
    ProblemKind => domain::case::ProblemKind { Personal, Professional, System }
);

mirror_enum!(
    /// What an amount is counted over.
    AmountPeriod => domain::case::AmountPeriod { Once, PerWeek, PerMonth, PerYear }
);

mirror_enum!(
    FirstStepStatus => domain::case::FirstStepStatus { Open, Done, Dropped }
);

mirror_enum!(
    AgreementStatus => domain::case::AgreementStatus { Open, InProgress, Done, Cancelled }
);

mirror_enum!(
    /// Who carries out an agreement.
    AssigneeKind => domain::case::AssigneeKind { Resident, Network, SocialBase, TeamMember, Organisation, Specialist }
);

mirror_enum!(
    /// Whether other organisations need a fact to do their part; nice-to-know facts never
    /// leave the authoring organisation.
    Need => domain::slice::Need { NeedToKnow, NiceToKnow }
);

mirror_enum!(
    /// How far a fact or problem may travel beyond its authoring organisation.
    SharingLevel => domain::slice::SharingLevel { Organisation, Team }
);

mirror_enum!(
    /// What happened to a resident's data in one access-log entry.
    LogAction => domain::accountability::LogAction { Read, Write, Export }
);
