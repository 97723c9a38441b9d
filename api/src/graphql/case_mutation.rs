//! Mutations on cases. Each validates its input into domain values first (a bad value changes
//! nothing), runs in one transaction that locks the case, and reads its result back through
//! the slice like any other read.

use async_graphql::{Context, ID, InputObject, Object, Union};
use domain::case::{
    Assignee, EvaluationContent, FirstStepContent, MAX_SHORT_TEXT, MAX_TEXT, check_next_evaluation,
    parse_amount, parse_optional_text, parse_text,
};
use domain::{
    AgreementId, CaseId, FactId, FirstStepId, InvitationId, MunicipalityId, OrganisationId,
    ProfessionalId, TeamMemberId,
};
use persistence::cases::{
    InvitationDecision, NewAgreement, NewEvaluation, NewFact, NewFirstStep, NewProblem,
};

use super::case_items::{Agreement, Evaluation, Fact, FirstStep, Perspective, Problem};
use super::case_query::load_case;
use super::cases::Case;
use super::context::request;
use super::enums::{
    AgreementStatus, AmountPeriod, AssigneeKind, CaseStep, ConsentMethod, FirstStepStatus,
    LifeDomain, Need, ProblemKind, SharingLevel, TeamRole, to_domain_set,
};
use super::ids::{self, NodeType};
use super::reads::reads;
use super::resident_input::ResidentToOpenInput;
use super::scalars::Date;
use crate::error::{ApiError, ApiResult};

#[derive(Default)]
pub struct CaseMutation;

fn case_id(id: &ID, field: &str) -> ApiResult<CaseId> {
    Ok(CaseId(ids::decode(id, NodeType::Case, field)?))
}

#[derive(InputObject)]
pub struct OpenCaseInput {
    pub municipality_id: ID,
    pub resident: ResidentToOpenInput,
}

#[derive(InputObject)]
pub struct FactInput {
    pub life_domain: LifeDomain,
    pub text: String,
    /// In euro cents; never negative.
    pub amount_cents: Option<i64>,
    pub period: Option<AmountPeriod>,
    pub need: Need,
    #[graphql(default_with = "SharingLevel::Team")]
    pub sharing: SharingLevel,
}

impl FactInput {
    fn parse(self) -> ApiResult<NewFact> {
        Ok(NewFact {
            life_domain: self.life_domain.into(),
            text: parse_text("text", &self.text, MAX_TEXT)?,
            amount: parse_amount(self.amount_cents, self.period.map(Into::into))?,
            need: self.need.into(),
            sharing: self.sharing.into(),
        })
    }
}

#[derive(InputObject)]
pub struct ProblemInput {
    pub kind: ProblemKind,
    pub life_domain: LifeDomain,
    pub text: String,
    pub resident_shares_picture: bool,
    #[graphql(default_with = "SharingLevel::Team")]
    pub sharing: SharingLevel,
}

#[derive(InputObject)]
pub struct FirstStepInput {
    pub text: String,
    pub motivation: Option<String>,
    pub capability: Option<String>,
    pub opportunity: Option<String>,
}

#[derive(InputObject)]
pub struct AssigneeInput {
    pub kind: AssigneeKind,
    /// For `TEAM_MEMBER`: the professional.
    pub professional_id: Option<ID>,
    /// For `ORGANISATION`: an organisation on the team.
    pub organisation_id: Option<ID>,
    /// For the network, the social base or a specialist: who, in a few words.
    pub name: Option<String>,
}

#[derive(InputObject)]
pub struct AgreementInput {
    pub what: String,
    pub assignee: AssigneeInput,
    pub due_on: Option<Date>,
    pub review_on: Option<Date>,
}

#[derive(InputObject)]
pub struct EvaluationInput {
    pub achieved: String,
    pub perspective_reached: bool,
    pub what_worked: Option<String>,
    pub still_needed: Option<String>,
    pub next_evaluation_on: Option<Date>,
}

#[derive(InputObject)]
pub struct ConsentInput {
    pub case_id: ID,
    pub organisation_id: ID,
    pub life_domains: Vec<LifeDomain>,
    /// How the resident gave it; ignored when revoking.
    #[graphql(default_with = "ConsentMethod::Digital")]
    pub method: ConsentMethod,
}

#[Object]
impl CaseMutation {
    /// Opens a case for a resident in a municipality the viewer's organisation works in; the
    /// viewer becomes its case lead.
    async fn open_case(&self, ctx: &Context<'_>, input: OpenCaseInput) -> ApiResult<Case> {
        let municipality = MunicipalityId(ids::decode(
            &input.municipality_id,
            NodeType::Municipality,
            "municipalityId",
        )?);
        let resident = input.resident.parse()?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        let case_id = writer.open_case(&viewer, municipality, resident).await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Moves the case to another step; the method does not force an order.
    async fn set_case_step(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        step: CaseStep,
        version: i32,
    ) -> ApiResult<Case> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .set_case_step(&viewer, case_id, step.into(), version)
            .await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Closes the case, with the reason; the case lead only.
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        reason: String,
        version: i32,
    ) -> ApiResult<Case> {
        set_status(
            ctx,
            case_id,
            domain::case::CaseStatus::Closed,
            reason,
            version,
        )
        .await
    }

    /// Reopens a closed case, with the reason; the case lead only.
    async fn reopen_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        reason: String,
        version: i32,
    ) -> ApiResult<Case> {
        set_status(
            ctx,
            case_id,
            domain::case::CaseStatus::Open,
            reason,
            version,
        )
        .await
    }

    /// Invites an organisation, or one named professional of it, to join the team in `role`
    /// (a member, a coach or a process facilitator). Whoever accepts joins in that role, and
    /// needs the organisation role it asks for.
    async fn invite_to_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        organisation_id: ID,
        professional_id: Option<ID>,
        #[graphql(default_with = "TeamRole::Member")] role: TeamRole,
        reason: String,
    ) -> ApiResult<Case> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let organisation = OrganisationId(ids::decode(
            &organisation_id,
            NodeType::Organisation,
            "organisationId",
        )?);
        let professional = professional_id
            .map(|id| {
                ids::decode(&id, NodeType::Professional, "professionalId").map(ProfessionalId)
            })
            .transpose()?;
        let reason = parse_text("reason", &reason, MAX_SHORT_TEXT)?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .invite(
                &viewer,
                case_id,
                organisation,
                professional,
                role.into(),
                reason,
            )
            .await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Brings in the municipality's breakthrough team, with the reason the case is stuck.
    async fn escalate_to_breakthrough_team(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        reason: String,
    ) -> ApiResult<Case> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let reason = parse_text("reason", &reason, MAX_SHORT_TEXT)?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer.escalate(&viewer, case_id, reason).await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Accepts an invitation: the viewer joins the team in the role the invitation names.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
        version: i32,
    ) -> ApiResult<Case> {
        let invitation = InvitationId(ids::decode(
            &invitation_id,
            NodeType::Invitation,
            "invitationId",
        )?);
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        let case_id = writer
            .decide_invitation(&viewer, invitation, InvitationDecision::Accept, version)
            .await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Declines an invitation; returns its ID.
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
        version: i32,
    ) -> ApiResult<ID> {
        let invitation = InvitationId(ids::decode(
            &invitation_id,
            NodeType::Invitation,
            "invitationId",
        )?);
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .decide_invitation(&viewer, invitation, InvitationDecision::Decline, version)
            .await?;
        request.commit(writer).await?;
        Ok(invitation_id)
    }

    /// Takes back an invitation that is still pending.
    async fn withdraw_invitation(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        invitation_id: ID,
        version: i32,
    ) -> ApiResult<Case> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let invitation = InvitationId(ids::decode(
            &invitation_id,
            NodeType::Invitation,
            "invitationId",
        )?);
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .withdraw_invitation(&viewer, case_id, invitation, version)
            .await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Ends a membership: your own (leaving) or, for the case lead, another member's. Access
    /// ends at once; returns the case's ID.
    async fn remove_team_member(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        member_id: ID,
        reason: Option<String>,
        version: i32,
    ) -> ApiResult<ID> {
        let case = self::case_id(&case_id, "caseId")?;
        let member = TeamMemberId(ids::decode(&member_id, NodeType::TeamMember, "memberId")?);
        let reason = parse_optional_text("reason", reason.as_deref(), MAX_SHORT_TEXT)?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .end_membership(&viewer, case, member, reason, version)
            .await?;
        request.commit(writer).await?;
        Ok(case_id)
    }

    /// Hands the case lead role to another member.
    async fn transfer_case_lead(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        member_id: ID,
        version: i32,
    ) -> ApiResult<Case> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let member = TeamMemberId(ids::decode(&member_id, NodeType::TeamMember, "memberId")?);
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .transfer_case_lead(&viewer, case_id, member, version)
            .await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Records the resident's consent for an organisation to receive life domains.
    async fn record_consent(&self, ctx: &Context<'_>, input: ConsentInput) -> ApiResult<Case> {
        let (case_id, organisation, domains) = consent_target(&input)?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .record_consent(
                &viewer,
                case_id,
                organisation,
                &domains,
                input.method.into(),
            )
            .await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Revokes consent; in force for the very next read.
    async fn revoke_consent(&self, ctx: &Context<'_>, input: ConsentInput) -> ApiResult<Case> {
        let (case_id, organisation, domains) = consent_target(&input)?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .revoke_consent(&viewer, case_id, organisation, &domains)
            .await?;
        request.commit(writer).await?;
        load_case(ctx, case_id).await
    }

    /// Records a new version of the perspective, in the resident's words. Written with a
    /// resident token, it is marked as written by the resident.
    async fn record_perspective(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        text: String,
    ) -> ApiResult<Perspective> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let text = parse_text("text", &text, MAX_TEXT)?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        let id = writer.record_perspective(&viewer, case_id, text).await?;
        request.commit(writer).await?;
        let reads = reads(ctx).await?;
        reads
            .snapshot
            .item::<domain::case::Perspective>(&reads.viewer, id)
            .await?
            .map(Perspective)
            .ok_or(ApiError::NotFound("perspective"))
    }

    async fn add_fact(&self, ctx: &Context<'_>, case_id: ID, input: FactInput) -> ApiResult<Fact> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let new = input.parse()?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        let id = writer.add_fact(&viewer, case_id, new).await?;
        request.commit(writer).await?;
        read_fact(ctx, id).await
    }

    /// Changes a fact; only its authoring organisation may.
    async fn update_fact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: FactInput,
    ) -> ApiResult<Fact> {
        let id = FactId(ids::decode(&id, NodeType::Fact, "id")?);
        let new = input.parse()?;
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer.update_fact(&viewer, id, new, version).await?;
        request.commit(writer).await?;
        read_fact(ctx, id).await
    }

    async fn add_problem(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: ProblemInput,
    ) -> ApiResult<Problem> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let new = NewProblem {
            kind: input.kind.into(),
            life_domain: input.life_domain.into(),
            text: parse_text("text", &input.text, MAX_TEXT)?,
            resident_shares_picture: input.resident_shares_picture,
            sharing: input.sharing.into(),
        };
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        let id = writer.add_problem(&viewer, case_id, new).await?;
        request.commit(writer).await?;
        let reads = reads(ctx).await?;
        reads
            .snapshot
            .item::<domain::case::Problem>(&reads.viewer, id)
            .await?
            .map(Problem)
            .ok_or(ApiError::NotFound("problem"))
    }

    /// Adds a first step; at most a few may be open at once.
    async fn add_first_step(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: FirstStepInput,
    ) -> ApiResult<FirstStep> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let request = request(ctx)?;
        let new = NewFirstStep {
            content: FirstStepContent {
                text: parse_text("text", &input.text, MAX_TEXT)?,
                motivation: parse_optional_text(
                    "motivation",
                    input.motivation.as_deref(),
                    MAX_TEXT,
                )?,
                capability: parse_optional_text(
                    "capability",
                    input.capability.as_deref(),
                    MAX_TEXT,
                )?,
                opportunity: parse_optional_text(
                    "opportunity",
                    input.opportunity.as_deref(),
                    MAX_TEXT,
                )?,
            },
            open_limit: request.open_first_step_limit,
        };
        let (writer, viewer) = request.begin_write().await?;
        let id = writer.add_first_step(&viewer, case_id, new).await?;
        request.commit(writer).await?;
        read_first_step(ctx, id).await
    }

    async fn set_first_step_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: FirstStepStatus,
        version: i32,
    ) -> ApiResult<FirstStep> {
        let id = FirstStepId(ids::decode(&id, NodeType::FirstStep, "id")?);
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .set_first_step_status(&viewer, id, status.into(), version)
            .await?;
        request.commit(writer).await?;
        read_first_step(ctx, id).await
    }

    async fn add_agreement(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: AgreementInput,
    ) -> ApiResult<Agreement> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let assignee = Assignee::parse(
            input.assignee.kind.into(),
            input
                .assignee
                .professional_id
                .map(|id| {
                    ids::decode(&id, NodeType::Professional, "assignee.professionalId")
                        .map(ProfessionalId)
                })
                .transpose()?,
            input
                .assignee
                .organisation_id
                .map(|id| {
                    ids::decode(&id, NodeType::Organisation, "assignee.organisationId")
                        .map(OrganisationId)
                })
                .transpose()?,
            input.assignee.name.as_deref(),
        )?;
        let new = NewAgreement {
            what: parse_text("what", &input.what, MAX_TEXT)?,
            assignee,
            due_on: input.due_on.map(|date| date.0),
            review_on: input.review_on.map(|date| date.0),
        };
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        let id = writer.add_agreement(&viewer, case_id, new).await?;
        request.commit(writer).await?;
        read_agreement(ctx, id).await
    }

    /// Changes an agreement's status; records who and when.
    async fn set_agreement_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: AgreementStatus,
        version: i32,
    ) -> ApiResult<Agreement> {
        let id = AgreementId(ids::decode(&id, NodeType::Agreement, "id")?);
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        writer
            .set_agreement_status(&viewer, id, status.into(), version)
            .await?;
        request.commit(writer).await?;
        read_agreement(ctx, id).await
    }

    /// Withholds a fact or problem from the resident, with the legal reason for it (for
    /// example the article of law that allows it). Only the organisation that recorded the
    /// item may; the team still sees it, with the reason.
    async fn withhold_from_resident(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        version: i32,
        legal_reason: String,
    ) -> ApiResult<WithholdableItem> {
        let item = withholdable(&item_id)?;
        let legal_reason = parse_text("legalReason", &legal_reason, MAX_SHORT_TEXT)?;
        set_withheld(ctx, item, version, Some(legal_reason)).await
    }

    /// Shows a withheld fact or problem to the resident again.
    async fn release_to_resident(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        version: i32,
    ) -> ApiResult<WithholdableItem> {
        let item = withholdable(&item_id)?;
        set_withheld(ctx, item, version, None).await
    }

    async fn record_evaluation(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: EvaluationInput,
    ) -> ApiResult<Evaluation> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let next = input.next_evaluation_on.map(|date| date.0);
        check_next_evaluation(domain::calendar::today(), next)?;
        let new = NewEvaluation {
            content: EvaluationContent {
                achieved: parse_text("achieved", &input.achieved, MAX_TEXT)?,
                what_worked: parse_optional_text(
                    "whatWorked",
                    input.what_worked.as_deref(),
                    MAX_TEXT,
                )?,
                still_needed: parse_optional_text(
                    "stillNeeded",
                    input.still_needed.as_deref(),
                    MAX_TEXT,
                )?,
            },
            perspective_reached: input.perspective_reached,
            next_evaluation_on: next,
        };
        let request = request(ctx)?;
        let (writer, viewer) = request.begin_write().await?;
        let id = writer.add_evaluation(&viewer, case_id, new).await?;
        request.commit(writer).await?;
        let reads = reads(ctx).await?;
        reads
            .snapshot
            .item::<domain::case::Evaluation>(&reads.viewer, id)
            .await?
            .map(Evaluation)
            .ok_or(ApiError::NotFound("evaluation"))
    }
}

async fn set_status(
    ctx: &Context<'_>,
    case_id: ID,
    status: domain::case::CaseStatus,
    reason: String,
    version: i32,
) -> ApiResult<Case> {
    let case_id = self::case_id(&case_id, "caseId")?;
    let reason = parse_text("reason", &reason, MAX_SHORT_TEXT)?;
    let request = request(ctx)?;
    let (writer, viewer) = request.begin_write().await?;
    writer
        .set_case_status(&viewer, case_id, status, reason, version)
        .await?;
    request.commit(writer).await?;
    load_case(ctx, case_id).await
}

fn consent_target(
    input: &ConsentInput,
) -> ApiResult<(
    CaseId,
    OrganisationId,
    std::collections::BTreeSet<domain::LifeDomain>,
)> {
    Ok((
        case_id(&input.case_id, "caseId")?,
        OrganisationId(ids::decode(
            &input.organisation_id,
            NodeType::Organisation,
            "organisationId",
        )?),
        to_domain_set(&input.life_domains),
    ))
}

async fn read_fact(ctx: &Context<'_>, id: FactId) -> ApiResult<Fact> {
    let reads = reads(ctx).await?;
    reads
        .snapshot
        .item::<domain::case::Fact>(&reads.viewer, id)
        .await?
        .map(Fact)
        .ok_or(ApiError::NotFound("fact"))
}

async fn read_first_step(ctx: &Context<'_>, id: FirstStepId) -> ApiResult<FirstStep> {
    let reads = reads(ctx).await?;
    reads
        .snapshot
        .item::<domain::case::FirstStep>(&reads.viewer, id)
        .await?
        .map(FirstStep)
        .ok_or(ApiError::NotFound("first step"))
}

async fn read_agreement(ctx: &Context<'_>, id: AgreementId) -> ApiResult<Agreement> {
    let reads = reads(ctx).await?;
    reads
        .snapshot
        .item::<domain::case::Agreement>(&reads.viewer, id)
        .await?
        .map(Agreement)
        .ok_or(ApiError::NotFound("agreement"))
}

/// A fact or a problem: what the recording organisation may withhold from the resident.
#[derive(Union)]
pub enum WithholdableItem {
    Fact(Fact),
    Problem(Problem),
}

fn withholdable(id: &ID) -> ApiResult<persistence::cases::WithholdableItem> {
    match ids::decode_any(id, "itemId")? {
        (NodeType::Fact, id) => Ok(persistence::cases::WithholdableItem::Fact(FactId(id))),
        (NodeType::Problem, id) => Ok(persistence::cases::WithholdableItem::Problem(
            domain::ProblemId(id),
        )),
        _ => Err(ApiError::bad_input(
            "itemId",
            "only facts and problems can be withheld from the resident",
        )),
    }
}

async fn set_withheld(
    ctx: &Context<'_>,
    item: persistence::cases::WithholdableItem,
    version: i32,
    legal_reason: Option<String>,
) -> ApiResult<WithholdableItem> {
    let request = request(ctx)?;
    let (writer, viewer) = request.begin_write().await?;
    writer
        .set_withheld_from_resident(&viewer, item, version, legal_reason)
        .await?;
    request.commit(writer).await?;
    let reads = reads(ctx).await?;
    match item {
        persistence::cases::WithholdableItem::Fact(id) => reads
            .snapshot
            .item::<domain::case::Fact>(&reads.viewer, id)
            .await?
            .map(|fact| WithholdableItem::Fact(Fact(fact)))
            .ok_or(ApiError::NotFound("fact")),
        persistence::cases::WithholdableItem::Problem(id) => reads
            .snapshot
            .item::<domain::case::Problem>(&reads.viewer, id)
            .await?
            .map(|problem| WithholdableItem::Problem(Problem(problem)))
            .ok_or(ApiError::NotFound("problem")),
    }
}
