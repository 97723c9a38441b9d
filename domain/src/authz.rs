//! Who may do what at the edges (DOMAIN.md §4–§6): the action policy.
//!
//! Every root query field, mutation and subscription of the API is an [`Action`]; a few
//! operations are more than one action where the object decides the rule (leaving a team and
//! removing someone else from it; a consent the resident gives digitally and one a professional
//! records; resolving a decision someone else escalated and one's own). [`decide`] is the one
//! rule: who is asking (their organisation roles or service scopes), how they stand to the
//! object (a case, an organisation, a directory entry, or nothing in particular), and the action
//! give [`Verdict::Allowed`], [`Verdict::NotFound`] (the object does not exist for them) or
//! [`Verdict::Forbidden`] (they may know it exists, not do this).
//!
//! A principal's verdict is the best verdict any one of their credentials gets, so the table
//! `render_table` writes, one credential at a time, describes the policy completely:
//! `tests/output/action-table.txt` is that table, and a test keeps it in step with the code.
//! [`authorize`] is the only way to hold a [`Permit`], which the store's guarded functions ask
//! for.

use std::collections::BTreeSet;

use crate::identity::{Actor, ServiceScope};
use crate::life_domain::string_enum;
use crate::organisation::{OrganisationRole, RoleSet};
use crate::slice::TeamRole;

string_enum!(
    /// One thing a principal can ask the API to do. The name is the root field it belongs to,
    /// with the refinement after a colon where one operation is several actions.
    Action {
        // Queries.
        Node => "node",
        Me => "me",
        Municipalities => "municipalities",
        Organisations => "organisations",
        Organisation => "organisation",
        KindPolicies => "kindPolicies",
        IdentityProviders => "identityProviders",
        Cases => "cases",
        Case => "case",
        Worklist => "worklist",
        MyInvitations => "myInvitations",
        AccessLog => "accessLog",
        AccessLogOfCase => "accessLog:case",
        AgreementChanges => "agreementChanges",
        ImportJob => "importJob",
        Budgets => "budgets",
        BudgetTrend => "budgets:trend",
        BudgetBalance => "budgets:balance",
        Mandates => "mandates",
        Signals => "signals",
        SignalCounts => "signalCounts",
        MySignals => "mySignals",
        Solutions => "solutions",
        SolutionPreview => "solutionPreview",
        Directory => "directory",
        // Subscriptions.
        CaseEvents => "caseEvents",
        // The platform operator's registrations.
        RegisterMunicipality => "registerMunicipality",
        RegisterOrganisation => "registerOrganisation",
        RegisterIdentityProvider => "registerIdentityProvider",
        SetKindPolicy => "setKindPolicy",
        // An integration's bulk import.
        StartImport => "startImport",
        // The case and its team.
        OpenCase => "openCase",
        SetCaseStep => "setCaseStep",
        CloseCase => "closeCase",
        ReopenCase => "reopenCase",
        InviteToCase => "inviteToCase",
        EscalateToBreakthroughTeam => "escalateToBreakthroughTeam",
        AcceptInvitation => "acceptInvitation",
        DeclineInvitation => "declineInvitation",
        WithdrawInvitation => "withdrawInvitation",
        LeaveCase => "removeTeamMember:oneself",
        RemoveTeamMember => "removeTeamMember:another",
        TransferCaseLead => "transferCaseLead",
        RecordDigitalConsent => "recordConsent:digital",
        RecordConsentOnBehalf => "recordConsent:verbal_or_written",
        RevokeConsent => "revokeConsent",
        // The six steps.
        RecordPerspective => "recordPerspective",
        AddFact => "addFact",
        UpdateFact => "updateFact",
        AddProblem => "addProblem",
        AddFirstStep => "addFirstStep",
        SetFirstStepStatus => "setFirstStepStatus",
        AddAgreement => "addAgreement",
        SetAgreementStatus => "setAgreementStatus",
        RecordEvaluation => "recordEvaluation",
        WithholdFromResident => "withholdFromResident",
        ReleaseToResident => "releaseToResident",
        // Mandate at the table.
        CreateMandate => "createMandate",
        UpdateMandate => "updateMandate",
        CreateOrganisationBudget => "createBudget:organisation",
        CreateMunicipalityBudget => "createBudget:municipality",
        RecordDecision => "recordDecision",
        ApproveDecision => "approveDecision:another",
        ApproveOwnDecision => "approveDecision:own",
        DeclineDecision => "declineDecision:another",
        DeclineOwnDecision => "declineDecision:own",
        // Exceptions, signals and solutions.
        DraftRuleException => "draftRuleException",
        SubmitRuleException => "submitRuleException",
        CoSignRuleException => "coSignRuleException",
        EndorseRuleException => "endorseRuleException",
        ApproveRuleException => "approveRuleException",
        RejectRuleException => "rejectRuleException",
        RaiseSignal => "raiseSignal",
        AnswerSignal => "answerSignal",
        PublishSolution => "publishSolution",
        // The maatwerkcommunity directory.
        UpdateOwnDirectoryEntry => "updateDirectoryEntry:oneself",
        UpdateDirectoryEntry => "updateDirectoryEntry:another",
    }
);

impl Action {
    /// The root field of the API this action belongs to.
    pub fn operation(self) -> &'static str {
        let name = self.as_str();
        name.split_once(':')
            .map_or(name, |(operation, _)| operation)
    }

    /// Who may do this, for a client that was refused.
    pub fn refusal(self) -> &'static str {
        use Action::*;
        match self {
            IdentityProviders
            | RegisterMunicipality
            | RegisterOrganisation
            | RegisterIdentityProvider
            | SetKindPolicy
            | CreateMunicipalityBudget => "only the platform operator may do this",
            OpenCase => "a case is opened by a professional or team lead of a partner organisation",
            Cases | Worklist | MyInvitations | Budgets | MySignals | Solutions => {
                "this is for professionals"
            }
            AccessLog | AccessLogOfCase => {
                "the access log is read by the resident and by privacy officers"
            }
            AgreementChanges => "agreement changes are pulled with the caseload:export scope",
            StartImport | ImportJob => {
                "an import is started and followed by the organisation's integration, with the import scope"
            }
            BudgetTrend => "the trend report is for team leads and policy analysts",
            BudgetBalance => {
                "a budget's balance is for those who allocate from it, not for policy analysts"
            }
            Signals | SignalCounts | AnswerSignal => "signals are answered by policy analysts",
            Directory => "the directory is for professionals and the directory:read scope",
            Mandates => "an organisation's mandates are for its own professionals",
            CreateMandate | UpdateMandate | CreateOrganisationBudget => {
                "only the organisation's org_admin manages its mandates and budget"
            }
            UpdateOwnDirectoryEntry | UpdateDirectoryEntry => {
                "a directory entry is kept by the coach or their org_admin"
            }
            CloseCase | ReopenCase | RemoveTeamMember | TransferCaseLead => {
                "only the case lead may do this"
            }
            ApproveRuleException => "the case lead approves the exception for the team",
            AcceptInvitation => {
                "this team role needs an organisation role that fits it: professional or team_lead for a member, coach for a coach, process_facilitator for a process facilitator"
            }
            DeclineInvitation => "the invited organisation answers its invitation",
            RecordDigitalConsent => {
                "digital consent comes from the resident's own sign-in; record it as verbal or written"
            }
            RecordConsentOnBehalf => {
                "the resident gives consent digitally; a team member records verbal or written consent"
            }
            ApproveOwnDecision | DeclineOwnDecision => {
                "an escalation is resolved by someone other than who escalated it"
            }
            CoSignRuleException => "a coach on the team co-signs the exception",
            Node
            | Me
            | Municipalities
            | Organisations
            | Organisation
            | KindPolicies
            | Case
            | CaseEvents
            | SetCaseStep
            | InviteToCase
            | EscalateToBreakthroughTeam
            | WithdrawInvitation
            | LeaveCase => "the team does this",
            RevokeConsent | RecordPerspective | AddFact | UpdateFact | AddProblem
            | AddFirstStep | SetFirstStepStatus | AddAgreement | SetAgreementStatus
            | RecordEvaluation | WithholdFromResident | ReleaseToResident | RecordDecision
            | ApproveDecision | DeclineDecision | DraftRuleException | SubmitRuleException
            | EndorseRuleException | RejectRuleException | RaiseSignal | SolutionPreview
            | PublishSolution => {
                "a team member who works on the content does this; a process facilitator guides the process"
            }
        }
    }

    /// What the action is about, and so which standings it is decided for.
    pub fn object(self) -> Object {
        use Action::*;
        match self {
            Case
            | CaseEvents
            | AccessLogOfCase
            | SetCaseStep
            | CloseCase
            | ReopenCase
            | InviteToCase
            | EscalateToBreakthroughTeam
            | AcceptInvitation
            | DeclineInvitation
            | WithdrawInvitation
            | LeaveCase
            | RemoveTeamMember
            | TransferCaseLead
            | RecordDigitalConsent
            | RecordConsentOnBehalf
            | RevokeConsent
            | RecordPerspective
            | AddFact
            | UpdateFact
            | AddProblem
            | AddFirstStep
            | SetFirstStepStatus
            | AddAgreement
            | SetAgreementStatus
            | RecordEvaluation
            | WithholdFromResident
            | ReleaseToResident
            | RecordDecision
            | ApproveDecision
            | ApproveOwnDecision
            | DeclineDecision
            | DeclineOwnDecision
            | DraftRuleException
            | SubmitRuleException
            | CoSignRuleException
            | EndorseRuleException
            | ApproveRuleException
            | RejectRuleException
            | RaiseSignal
            | SolutionPreview
            | PublishSolution => Object::Case,
            Mandates | CreateMandate | UpdateMandate | CreateOrganisationBudget => {
                Object::Organisation
            }
            UpdateOwnDirectoryEntry | UpdateDirectoryEntry => Object::DirectoryEntry,
            ImportJob => Object::ImportJob,
            Node
            | Me
            | Municipalities
            | Organisations
            | Organisation
            | KindPolicies
            | IdentityProviders
            | Cases
            | Worklist
            | MyInvitations
            | AccessLog
            | AgreementChanges
            | Budgets
            | BudgetTrend
            | BudgetBalance
            | Signals
            | SignalCounts
            | MySignals
            | Solutions
            | Directory
            | RegisterMunicipality
            | RegisterOrganisation
            | RegisterIdentityProvider
            | SetKindPolicy
            | OpenCase
            | StartImport
            | CreateMunicipalityBudget
            | AnswerSignal => Object::Nothing,
        }
    }
}

impl crate::exception::ExceptionStep {
    /// The action taking this step is.
    pub fn action(self) -> Action {
        use crate::exception::ExceptionStep;
        match self {
            ExceptionStep::Submit => Action::SubmitRuleException,
            ExceptionStep::CoSign => Action::CoSignRuleException,
            ExceptionStep::Endorse => Action::EndorseRuleException,
            ExceptionStep::Approve => Action::ApproveRuleException,
            ExceptionStep::Reject => Action::RejectRuleException,
        }
    }
}

/// What an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// Nothing in particular, or things everyone may know exist (a municipality's signals).
    Nothing,
    /// One case: whether it exists for the principal depends on their relation to it.
    Case,
    /// One organisation's administration (mandates, budgets).
    Organisation,
    /// One coach's directory entry.
    DirectoryEntry,
    /// One organisation's import job: it exists for that organisation only.
    ImportJob,
}

impl Object {
    /// What a client is told is not found.
    pub fn noun(self) -> &'static str {
        match self {
            Object::Nothing => "object",
            Object::Case => "case",
            Object::Organisation => "organisation",
            Object::DirectoryEntry => "coach",
            Object::ImportJob => "import job",
        }
    }
}

/// How the principal stands to the object of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// The action is about nothing in particular.
    Unrelated,
    /// The principal's own organisation, or for a directory entry a colleague's.
    OwnOrganisation,
    /// Another organisation, or for a directory entry a coach of another organisation.
    OtherOrganisation,
    /// The principal's own directory entry.
    Oneself,
    /// No relation to the case: it does not exist for them.
    Outsider,
    /// Their organisation, or they by name, have a pending invitation to join the case's team
    /// in this role.
    Invited(TeamRole),
    /// An active member of the case's team in this role.
    Member(TeamRole),
    /// The resident the case is about.
    Resident,
    /// A privacy officer of an organisation on the case's team, who is not on it themself.
    PrivacyOfficer,
}

impl Standing {
    /// Every standing an action about `object` is decided for.
    pub fn all_for(object: Object) -> Vec<Standing> {
        match object {
            Object::Nothing => vec![Standing::Unrelated],
            Object::Organisation | Object::ImportJob => {
                vec![Standing::OwnOrganisation, Standing::OtherOrganisation]
            }
            Object::DirectoryEntry => vec![
                Standing::Oneself,
                Standing::OwnOrganisation,
                Standing::OtherOrganisation,
            ],
            Object::Case => {
                let mut all = vec![Standing::Outsider];
                all.extend(INVITABLE.iter().map(|role| Standing::Invited(*role)));
                all.extend(TeamRole::ALL.iter().map(|role| Standing::Member(*role)));
                all.extend([Standing::Resident, Standing::PrivacyOfficer]);
                all
            }
        }
    }

    fn name(self) -> String {
        match self {
            Standing::Unrelated => "-".to_owned(),
            Standing::OwnOrganisation => "own organisation".to_owned(),
            Standing::OtherOrganisation => "other organisation".to_owned(),
            Standing::Oneself => "oneself".to_owned(),
            Standing::Outsider => "outsider".to_owned(),
            Standing::Invited(role) => format!("invited as {role}"),
            Standing::Member(role) => role.as_str().to_owned(),
            Standing::Resident => "resident".to_owned(),
            Standing::PrivacyOfficer => "privacy officer".to_owned(),
        }
    }
}

/// The team roles an invitation can name; a case has one case lead, who opened it or was
/// handed the role.
pub const INVITABLE: &[TeamRole] = &[
    TeamRole::Member,
    TeamRole::Coach,
    TeamRole::ProcessFacilitator,
];

/// Who is asking, as the policy sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal<'a> {
    Professional(&'a RoleSet),
    Resident,
    Service(&'a BTreeSet<ServiceScope>),
    PlatformAdmin,
}

impl<'a> Principal<'a> {
    pub fn of(actor: &'a Actor) -> Self {
        match actor {
            Actor::Professional(professional) => Principal::Professional(&professional.roles),
            Actor::Resident(_) => Principal::Resident,
            Actor::Service(service) => Principal::Service(&service.scopes),
            Actor::PlatformAdmin(_) => Principal::PlatformAdmin,
        }
    }

    fn credentials(self) -> Vec<Credential> {
        match self {
            Principal::Professional(roles) => std::iter::once(Credential::Professional(None))
                .chain(
                    roles
                        .iter()
                        .map(|role| Credential::Professional(Some(*role))),
                )
                .collect(),
            Principal::Resident => vec![Credential::Resident],
            Principal::Service(scopes) => std::iter::once(Credential::Service(None))
                .chain(scopes.iter().map(|scope| Credential::Service(Some(*scope))))
                .collect(),
            Principal::PlatformAdmin => vec![Credential::PlatformAdmin],
        }
    }
}

/// One thing a principal holds: being a professional of an organisation (with no role, or one
/// organisation role), being a resident, a service (with no scope, or one), or the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    Professional(Option<OrganisationRole>),
    Resident,
    Service(Option<ServiceScope>),
    PlatformAdmin,
}

impl Credential {
    fn all() -> Vec<Credential> {
        let mut all = vec![Credential::Professional(None)];
        all.extend(
            OrganisationRole::ALL
                .iter()
                .map(|role| Credential::Professional(Some(*role))),
        );
        all.push(Credential::Resident);
        all.push(Credential::Service(None));
        all.extend(
            ServiceScope::ALL
                .iter()
                .map(|scope| Credential::Service(Some(*scope))),
        );
        all.push(Credential::PlatformAdmin);
        all
    }

    fn name(self) -> String {
        match self {
            Credential::Professional(None) => "professional without a role".to_owned(),
            Credential::Professional(Some(role)) => format!("role {role}"),
            Credential::Resident => "resident".to_owned(),
            Credential::Service(None) => "service without a scope".to_owned(),
            Credential::Service(Some(scope)) => format!("scope {scope}"),
            Credential::PlatformAdmin => "platform admin".to_owned(),
        }
    }

    fn role(self) -> Option<OrganisationRole> {
        match self {
            Credential::Professional(role) => role,
            _ => None,
        }
    }

    fn is_professional(self) -> bool {
        matches!(self, Credential::Professional(_))
    }

    /// Whether a principal holding this credential can stand so to an object at all; the table
    /// leaves out what cannot happen (a service on a case's team, say).
    fn can_stand(self, standing: Standing) -> bool {
        match standing {
            Standing::Unrelated | Standing::OtherOrganisation | Standing::Outsider => true,
            Standing::OwnOrganisation => {
                matches!(self, Credential::Professional(_) | Credential::Service(_))
            }
            Standing::Oneself | Standing::Invited(_) | Standing::Member(_) => {
                self.is_professional()
            }
            Standing::PrivacyOfficer => {
                self == Credential::Professional(Some(OrganisationRole::PrivacyOfficer))
            }
            Standing::Resident => self == Credential::Resident,
        }
    }
}

/// The organisation role a team role asks of whoever holds it: a member or case lead works
/// there as a professional or team lead, a coach is a coach, a process facilitator one.
pub fn fits_team_role(role: OrganisationRole, team_role: TeamRole) -> bool {
    match team_role {
        TeamRole::Member | TeamRole::CaseLead => {
            matches!(
                role,
                OrganisationRole::Professional | OrganisationRole::TeamLead
            )
        }
        TeamRole::Coach => role == OrganisationRole::Coach,
        TeamRole::ProcessFacilitator => role == OrganisationRole::ProcessFacilitator,
    }
}

/// Whether a token with these organisation roles acts as a member in `team_role`: a membership
/// counts only while the token carries a role that fits it, so a token never gets more than
/// a fresh invitation would have given it.
pub fn acts_in_team_role(roles: &RoleSet, team_role: TeamRole) -> bool {
    roles.iter().any(|role| fits_team_role(*role, team_role))
}

/// The policy's answer. Ordered from least to most: a principal gets the best answer any of
/// their credentials gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// The object does not exist for the principal: the answer for a missing one.
    NotFound,
    /// The principal may know the object exists, and may not do this.
    Forbidden,
    Allowed,
}

impl Verdict {
    fn short(self) -> &'static str {
        match self {
            Verdict::NotFound => "not found",
            Verdict::Forbidden => "forbidden",
            Verdict::Allowed => "allowed",
        }
    }
}

/// The one rule for the edges.
pub fn decide(principal: Principal<'_>, standing: Standing, action: Action) -> Verdict {
    principal
        .credentials()
        .into_iter()
        .map(|credential| decide_for(credential, standing, action))
        .max()
        .unwrap_or(Verdict::NotFound)
}

/// Proof that the policy allowed an action; only [`authorize`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    action: Action,
}

impl Permit {
    pub fn action(self) -> Action {
        self.action
    }
}

/// Why the policy refused an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotFound(Action),
    Forbidden(Action),
}

/// Asks the policy; a [`Permit`] for `action` when it allows it.
pub fn authorize(
    principal: Principal<'_>,
    standing: Standing,
    action: Action,
) -> Result<Permit, Refusal> {
    match decide(principal, standing, action) {
        Verdict::Allowed => Ok(Permit { action }),
        Verdict::Forbidden => Err(Refusal::Forbidden(action)),
        Verdict::NotFound => Err(Refusal::NotFound(action)),
    }
}

/// Whether the object of `action` exists for a holder of `credential` who stands so to it.
fn sees(credential: Credential, standing: Standing, action: Action) -> bool {
    match standing {
        Standing::Outsider => false,
        // The invitee sees the invitation, not the case.
        Standing::Invited(_) => {
            matches!(action, Action::AcceptInvitation | Action::DeclineInvitation)
        }
        // A membership counts only for a token that carries a role fitting it.
        Standing::Member(team_role) => credential
            .role()
            .is_some_and(|role| fits_team_role(role, team_role)),
        Standing::Resident => true,
        // A privacy officer knows the case exists for its access log, nothing more (§5.1).
        Standing::PrivacyOfficer => action == Action::AccessLogOfCase,
        // Another organisation's import names its residents: it does not exist for others.
        Standing::OtherOrganisation => action.object() != Object::ImportJob,
        Standing::Unrelated | Standing::OwnOrganisation | Standing::Oneself => true,
    }
}

fn decide_for(credential: Credential, standing: Standing, action: Action) -> Verdict {
    if !credential.can_stand(standing) || !sees(credential, standing, action) {
        return Verdict::NotFound;
    }
    if grants(credential, standing, action) {
        Verdict::Allowed
    } else {
        Verdict::Forbidden
    }
}

/// The organisation roles that work on cases and may open one.
fn opens_cases(role: OrganisationRole) -> bool {
    matches!(
        role,
        OrganisationRole::Professional | OrganisationRole::TeamLead
    )
}

fn grants(credential: Credential, standing: Standing, action: Action) -> bool {
    use Action::*;
    use Credential as C;
    use OrganisationRole as R;
    let role = credential.role();
    let has = |wanted: R| role == Some(wanted);
    let professional = credential.is_professional();
    let platform = credential == C::PlatformAdmin;
    let resident = standing == Standing::Resident;
    // On a case: any member, a member who writes content (not the process facilitator), the
    // case lead, a coach.
    let member = matches!(standing, Standing::Member(_));
    let writer = matches!(standing, Standing::Member(role) if role != TeamRole::ProcessFacilitator);
    let lead = standing == Standing::Member(TeamRole::CaseLead);
    let coach = standing == Standing::Member(TeamRole::Coach);
    let own_organisation = standing == Standing::OwnOrganisation;
    match action {
        Node | Me | Municipalities | Organisations | Organisation | KindPolicies => true,
        IdentityProviders
        | RegisterMunicipality
        | RegisterOrganisation
        | RegisterIdentityProvider
        | SetKindPolicy
        | CreateMunicipalityBudget => platform,
        Cases | Worklist => professional || credential == C::Resident,
        MyInvitations | Budgets | MySignals | Solutions => professional,
        AccessLog => credential == C::Resident || has(R::PrivacyOfficer),
        AccessLogOfCase => {
            resident || (standing == Standing::PrivacyOfficer && has(R::PrivacyOfficer))
        }
        AgreementChanges => credential == C::Service(Some(ServiceScope::CaseloadExport)),
        // Each row is then carried out as the professional the import names, under this
        // same policy: the scope adds no right on a case.
        StartImport => credential == C::Service(Some(ServiceScope::Import)),
        ImportJob => own_organisation && credential == C::Service(Some(ServiceScope::Import)),
        BudgetTrend => has(R::TeamLead) || has(R::PolicyAnalyst),
        // Polled beside the trend report, a balance would show what each allocation in a
        // suppressed cell was (§5.10): it is for those who allocate.
        BudgetBalance => role.is_some_and(|role| {
            matches!(role, R::Professional | R::TeamLead | R::Coach | R::OrgAdmin)
        }),
        Signals | SignalCounts | AnswerSignal => has(R::PolicyAnalyst),
        Directory => {
            professional || platform || credential == C::Service(Some(ServiceScope::DirectoryRead))
        }
        Mandates => (professional && own_organisation) || platform,
        CreateMandate | UpdateMandate | CreateOrganisationBudget => {
            (own_organisation && has(R::OrgAdmin)) || platform
        }
        UpdateOwnDirectoryEntry => has(R::Coach),
        UpdateDirectoryEntry => own_organisation && has(R::OrgAdmin),
        OpenCase => role.is_some_and(opens_cases),
        Case | CaseEvents => member || resident,
        SetCaseStep | InviteToCase | EscalateToBreakthroughTeam | WithdrawInvitation => member,
        // The case lead hands the role on before leaving (input, not policy).
        LeaveCase => member,
        CloseCase | ReopenCase | RemoveTeamMember | TransferCaseLead | ApproveRuleException => lead,
        AcceptInvitation => match standing {
            Standing::Invited(team_role) => {
                role.is_some_and(|role| fits_team_role(role, team_role))
            }
            _ => false,
        },
        DeclineInvitation => matches!(standing, Standing::Invited(_)),
        // Digital consent comes only from the resident's own sign-in; a professional records a
        // verbal or written one under their own name (§5.5).
        RecordDigitalConsent => resident,
        RecordConsentOnBehalf => writer,
        RevokeConsent | RecordPerspective => resident || writer,
        AddFact | UpdateFact | AddProblem | AddFirstStep | SetFirstStepStatus | AddAgreement
        | SetAgreementStatus | RecordEvaluation | WithholdFromResident | ReleaseToResident
        | RecordDecision | DraftRuleException | SubmitRuleException | EndorseRuleException
        | RaiseSignal | SolutionPreview | PublishSolution => writer,
        // Four eyes: an escalation is resolved by someone other than who escalated it.
        ApproveDecision | DeclineDecision => writer,
        ApproveOwnDecision | DeclineOwnDecision => false,
        CoSignRuleException => coach,
        RejectRuleException => lead || coach || writer,
    }
}

/// Renders the policy for every action, credential and standing that can occur.
pub fn render_table() -> String {
    let mut out = String::from(
        "# The action policy, rendered from domain::authz::decide. Regenerate: UPDATE_POLICY_TABLE=1 cargo test -p maatwerk-tests --test policy_table\n\
         # A principal gets the best verdict of any credential they hold.\n\
         # action | credential | standing => verdict\n",
    );
    for action in Action::ALL {
        for credential in Credential::all() {
            let verdicts: Vec<String> = Standing::all_for(action.object())
                .into_iter()
                .filter(|standing| credential.can_stand(*standing))
                .map(|standing| {
                    format!(
                        "{}: {}",
                        standing.name(),
                        decide_for(credential, standing, *action).short()
                    )
                })
                .collect();
            out.push_str(&format!(
                "{action} | {} | {}\n",
                credential.name(),
                verdicts.join(" | ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(roles: &[OrganisationRole]) -> RoleSet {
        roles.iter().copied().collect()
    }

    #[test]
    fn joining_needs_an_organisation_role_that_fits_the_invitation() {
        let privacy_officer = roles(&[OrganisationRole::PrivacyOfficer]);
        let professional = roles(&[OrganisationRole::Professional]);
        let invited_member = Standing::Invited(TeamRole::Member);
        assert_eq!(
            decide(
                Principal::Professional(&privacy_officer),
                invited_member,
                Action::AcceptInvitation
            ),
            Verdict::Forbidden
        );
        assert_eq!(
            decide(
                Principal::Professional(&professional),
                invited_member,
                Action::AcceptInvitation
            ),
            Verdict::Allowed
        );
        assert_eq!(
            decide(
                Principal::Professional(&professional),
                Standing::Invited(TeamRole::Coach),
                Action::AcceptInvitation
            ),
            Verdict::Forbidden
        );
    }

    #[test]
    fn a_membership_counts_only_with_a_fitting_role() {
        let privacy_officer = roles(&[OrganisationRole::PrivacyOfficer]);
        assert_eq!(
            decide(
                Principal::Professional(&privacy_officer),
                Standing::Member(TeamRole::Member),
                Action::Case
            ),
            Verdict::NotFound
        );
        assert!(!acts_in_team_role(&privacy_officer, TeamRole::Member));
        assert!(acts_in_team_role(
            &roles(&[OrganisationRole::TeamLead]),
            TeamRole::CaseLead
        ));
    }

    #[test]
    fn outsiders_get_not_found_on_every_case_action() {
        let everything = roles(OrganisationRole::ALL);
        for action in Action::ALL {
            if action.object() == Object::Case {
                assert_eq!(
                    decide(
                        Principal::Professional(&everything),
                        Standing::Outsider,
                        *action
                    ),
                    Verdict::NotFound,
                    "{action}"
                );
            }
        }
    }

    #[test]
    fn digital_consent_is_the_residents_and_four_eyes_hold() {
        let professional = roles(&[OrganisationRole::Professional]);
        let member = Standing::Member(TeamRole::Member);
        assert_eq!(
            decide(
                Principal::Professional(&professional),
                member,
                Action::RecordDigitalConsent
            ),
            Verdict::Forbidden
        );
        assert_eq!(
            decide(
                Principal::Resident,
                Standing::Resident,
                Action::RecordDigitalConsent
            ),
            Verdict::Allowed
        );
        assert_eq!(
            decide(
                Principal::Resident,
                Standing::Resident,
                Action::RecordConsentOnBehalf
            ),
            Verdict::Forbidden
        );
        let lead = roles(&[OrganisationRole::TeamLead]);
        assert_eq!(
            decide(
                Principal::Professional(&lead),
                Standing::Member(TeamRole::CaseLead),
                Action::ApproveOwnDecision
            ),
            Verdict::Forbidden
        );
    }

    #[test]
    fn operations_name_their_root_field() {
        assert_eq!(Action::LeaveCase.operation(), "removeTeamMember");
        assert_eq!(Action::OpenCase.operation(), "openCase");
        assert!(
            authorize(
                Principal::PlatformAdmin,
                Standing::Unrelated,
                Action::OpenCase
            )
            .is_err()
        );
    }
}
