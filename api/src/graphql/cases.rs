//! The shared case in GraphQL: the case itself, its resident, team, invitations, consents and
//! timeline. The items of its steps are in `case_items`, and every field reads through `reads`.
//! Nothing here filters: what a viewer may see was decided by `persistence::cases` before a
//! value reaches a resolver.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use persistence::cases::{CaseAccess, PageRequest};

use super::case_items::{Agreement, Evaluation, Fact, FirstStep, Perspective, Problem};
use super::context::request;
use super::enums::{
    AgreementStatus, CaseStatus, CaseStep, ConsentMethod, InvitationStatus, LifeDomain, TeamRole,
};
use super::ids::{self, NodeType};
use super::lists::{Consents, History, Invitations, Items, ListOf, Team, Timeline, TotalCount};
use super::loader::{CaseLeadOf, OpenAgreementCountOf, ResidentOf};
use super::reads::{colleague, list_page, organisation, reads};
use super::scalars::{Date, DateTime as Timestamp};
use super::types::{Contact, Municipality, Organisation, Professional};
use crate::error::ApiResult;

/// A shared case around one resident, as the viewer may see it.
pub struct Case {
    pub access: CaseAccess,
    pub case: domain::case::Case,
}

#[Object]
impl Case {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Case, self.case.id.0)
    }

    /// Unique per municipality, such as `AMS-2026-000123`.
    async fn reference(&self) -> &str {
        self.case.reference.as_str()
    }

    async fn status(&self) -> CaseStatus {
        self.case.status.into()
    }

    async fn step(&self) -> CaseStep {
        self.case.step.into()
    }

    /// Why the case was last closed or reopened. Not shown to process facilitators.
    async fn status_reason(&self) -> Option<&str> {
        self.case.status_reason.as_deref()
    }

    async fn opened_at(&self) -> Timestamp {
        Timestamp(self.case.opened_at)
    }

    async fn closed_at(&self) -> Option<Timestamp> {
        self.case.closed_at.map(Timestamp)
    }

    async fn last_activity_at(&self) -> Timestamp {
        Timestamp(self.case.last_activity_at)
    }

    /// Name it when changing the case's step or status.
    async fn version(&self) -> i32 {
        self.case.version
    }

    async fn municipality(&self, ctx: &Context<'_>) -> ApiResult<Option<Municipality>> {
        Ok(request(ctx)?
            .municipality(self.case.municipality_id)
            .await?
            .map(Municipality))
    }

    /// The viewer's role on the team; `null` for the resident.
    async fn my_role(&self) -> Option<TeamRole> {
        self.access.team_role().map(Into::into)
    }

    /// Who the case is about. `null` for a process facilitator; the BSN only for the
    /// resident and for organisations whose kind policy includes it.
    async fn resident(&self, ctx: &Context<'_>) -> ApiResult<Option<CaseResident>> {
        let reads = reads(ctx).await?;
        Ok(reads
            .loader
            .load_one(ResidentOf(self.access.clone()))
            .await?
            .flatten()
            .map(CaseResident))
    }

    /// The active team, longest-standing first.
    async fn team(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, TeamMember, TotalCount>> {
        list_page::<Team, _>(ctx, &self.access, (), first, after, TeamMember).await
    }

    /// The resident's one contact person: the case lead, with their work contact details.
    async fn contact_person(&self, ctx: &Context<'_>) -> ApiResult<Option<ContactPerson>> {
        let reads = reads(ctx).await?;
        let Some(lead) = reads
            .loader
            .load_one(CaseLeadOf(self.access.clone()))
            .await?
            .flatten()
        else {
            return Ok(None);
        };
        let Some(professional_id) = lead.professional_id else {
            return Ok(None);
        };
        Ok(reads
            .loader
            .load_one(professional_id)
            .await?
            .map(|professional| ContactPerson {
                professional,
                organisation_id: lead.organisation_id,
                since: lead.joined_at,
            }))
    }

    /// Invitations to join the team, for the team, oldest first.
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Invitation, TotalCount>> {
        list_page::<Invitations, _>(ctx, &self.access, (), first, after, Invitation).await
    }

    /// The resident's consents, oldest first; with `history`, revoked ones too.
    async fn consents(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] history: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Consent, TotalCount>> {
        list_page::<Consents, _>(ctx, &self.access, History(history), first, after, Consent).await
    }

    /// The current perspective: the latest version.
    async fn perspective(&self, ctx: &Context<'_>) -> ApiResult<Option<Perspective>> {
        let reads = reads(ctx).await?;
        Ok(reads
            .loader
            .load_one(ListOf::<Items<domain::case::Perspective>>::new(
                self.access.clone(),
                (),
                PageRequest::latest(),
            ))
            .await?
            .and_then(|mut page| page.items.pop())
            .map(Perspective))
    }

    /// Every version of the perspective, oldest first.
    async fn perspectives(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Perspective, TotalCount>> {
        list_page::<Items<domain::case::Perspective>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            Perspective,
        )
        .await
    }

    /// The facts of the situation sketch the viewer may see, oldest first.
    async fn facts(
        &self,
        ctx: &Context<'_>,
        life_domain: Option<LifeDomain>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Fact, TotalCount>> {
        list_page::<Items<domain::case::Fact>, _>(
            ctx,
            &self.access,
            life_domain.map(Into::into),
            first,
            after,
            Fact,
        )
        .await
    }

    /// The problems the viewer may see, oldest first.
    async fn problems(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Problem, TotalCount>> {
        list_page::<Items<domain::case::Problem>, _>(ctx, &self.access, (), first, after, Problem)
            .await
    }

    /// The first steps, oldest first.
    async fn first_steps(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, FirstStep, TotalCount>> {
        list_page::<Items<domain::case::FirstStep>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            FirstStep,
        )
        .await
    }

    /// Who does what, oldest first.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        status: Option<AgreementStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Agreement, TotalCount>> {
        list_page::<Items<domain::case::Agreement>, _>(
            ctx,
            &self.access,
            status.map(Into::into),
            first,
            after,
            Agreement,
        )
        .await
    }

    /// How many agreements are open or in progress.
    async fn open_agreement_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let reads = reads(ctx).await?;
        let count = reads
            .loader
            .load_one(OpenAgreementCountOf(self.access.clone()))
            .await?
            .unwrap_or_default();
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }

    /// The evaluations, oldest first.
    async fn evaluations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Evaluation, TotalCount>> {
        list_page::<Items<domain::case::Evaluation>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            Evaluation,
        )
        .await
    }

    /// Decisions taken with the mandate at the table, and escalations beyond it, oldest
    /// first.
    async fn decisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, super::mandates::Decision, TotalCount>> {
        list_page::<Items<domain::mandate::Decision>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            super::mandates::Decision,
        )
        .await
    }

    /// Exceptions to rules the team has drafted for its first steps, oldest first.
    async fn rule_exceptions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, super::exceptions::RuleException, TotalCount>> {
        list_page::<Items<domain::exception::RuleException>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            super::exceptions::RuleException,
        )
        .await
    }

    /// What happened on the case, newest first; each event only if the viewer sees the item
    /// it refers to.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, TimelineEvent, TotalCount>> {
        list_page::<Timeline, _>(ctx, &self.access, (), first, after, TimelineEvent).await
    }
}

/// The resident as their case team sees them.
pub struct CaseResident(pub domain::resident::Resident);

#[Object]
impl CaseResident {
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn date_of_birth(&self) -> Date {
        Date(self.0.date_of_birth)
    }

    async fn contact(&self) -> Contact {
        Contact::from(&self.0.contact)
    }

    /// Only for organisations whose kind policy includes it, and the resident.
    async fn bsn(&self) -> Option<&str> {
        self.0.bsn.as_ref().map(|bsn| bsn.expose())
    }
}

pub struct TeamMember(pub domain::case::TeamMember);

/// The professional the resident turns to: the case lead, with work contact details.
pub struct ContactPerson {
    professional: domain::Professional,
    organisation_id: domain::OrganisationId,
    since: chrono::DateTime<chrono::Utc>,
}

#[Object]
impl ContactPerson {
    async fn name(&self) -> &str {
        &self.professional.name
    }

    /// Their work email address, when their organisation's identity provider gives one.
    async fn email(&self) -> Option<&str> {
        self.professional.email.as_deref()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.organisation_id).await
    }

    /// Since when they lead the case.
    async fn since(&self) -> Timestamp {
        Timestamp(self.since)
    }
}

#[Object]
impl TeamMember {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::TeamMember, self.0.id.0)
    }

    async fn role(&self) -> TeamRole {
        self.0.role.into()
    }

    async fn joined_at(&self) -> Timestamp {
        Timestamp(self.0.joined_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }

    /// The professional, by name: the team and the resident know who they work with.
    async fn professional(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        match self.0.professional_id {
            Some(id) => colleague(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// An invitation to join a case team. The invitee sees the reference, the inviting
/// organisation and the reason.
pub struct Invitation(pub domain::case::Invitation);

#[Object]
impl Invitation {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Invitation, self.0.id.0)
    }

    async fn case_reference(&self) -> &str {
        self.0.case_reference.as_str()
    }

    /// Why the partner is brought in; `null` for a process facilitator.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// An escalation to the municipality's breakthrough team.
    async fn escalation(&self) -> bool {
        self.0.escalation
    }

    /// The team role the invitee joins in, chosen by the team that invited them.
    async fn role(&self) -> TeamRole {
        self.0.team_role.into()
    }

    async fn status(&self) -> InvitationStatus {
        self.0.status.into()
    }

    async fn invited_at(&self) -> Timestamp {
        Timestamp(self.0.invited_at)
    }

    async fn decided_at(&self) -> Option<Timestamp> {
        self.0.decided_at.map(Timestamp)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }

    async fn inviting_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.invited_by_organisation_id).await
    }
}

pub struct Consent(pub domain::case::Consent);

#[Object]
impl Consent {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Consent, self.0.id.0)
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }

    async fn life_domain(&self) -> LifeDomain {
        self.0.life_domain.into()
    }

    async fn method(&self) -> ConsentMethod {
        self.0.method.into()
    }

    /// Whether the resident recorded it themself.
    async fn recorded_by_resident(&self) -> bool {
        self.0.recorded_by_professional_id.is_none()
    }

    /// The professional who recorded it, verbally or in writing, under their own name; `null`
    /// when the resident gave it themself. The resident sees who recorded each consent.
    async fn recorded_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        match self.0.recorded_by_professional_id {
            Some(id) => colleague(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }

    async fn revoked_at(&self) -> Option<Timestamp> {
        self.0.revoked_at.map(Timestamp)
    }
}

/// One event on a case's timeline.
pub struct TimelineEvent(pub persistence::cases::TimelineEntry);

#[Object]
impl TimelineEvent {
    async fn at(&self) -> Timestamp {
        Timestamp(self.0.at)
    }

    /// What happened.
    async fn kind(&self) -> super::enums::CaseEventKind {
        self.0.kind.into()
    }

    /// The ID of the item it refers to, fetchable with `node(id:)`.
    async fn item_id(&self) -> Option<ID> {
        let node_type = match self.0.item_kind.as_deref()? {
            "perspective" => NodeType::Perspective,
            "fact" => NodeType::Fact,
            "problem" => NodeType::Problem,
            "first_step" => NodeType::FirstStep,
            "agreement" => NodeType::Agreement,
            "evaluation" => NodeType::Evaluation,
            "decision" => NodeType::Decision,
            "rule_exception" => NodeType::RuleException,
            "invitation" => NodeType::Invitation,
            _ => return None,
        };
        self.0.item_id.map(|id| ids::encode(node_type, id))
    }

    /// Whether the resident did it themself.
    async fn by_resident(&self) -> bool {
        self.0.by_resident
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.organisation_id {
            Some(id) => organisation(ctx, id).await,
            None => Ok(None),
        }
    }
}
