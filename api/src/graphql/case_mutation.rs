//! Mutations on cases. Each validates its input into domain values first (a bad value changes
//! nothing), runs in one transaction that locks the case, and reads its result back through
//! the slice like any other read. These are the case's own: opening it, its step and status,
//! its team and invitations, and consent; the mutations on its items are in `case_items`.

use async_graphql::{Context, ID, InputObject, Object};
use domain::case::{MAX_SHORT_TEXT, parse_optional_text, parse_text};
use domain::{CaseId, InvitationId, MunicipalityId, OrganisationId, ProfessionalId, TeamMemberId};
use persistence::cases::InvitationDecision;

use super::case_query::load_case;
use super::cases::Case;
use super::context::request;
use super::enums::{CaseStep, ConsentMethod, LifeDomain, TeamRole, to_domain_set};
use super::ids::{self, NodeType};
use super::resident_input::ResidentToOpenInput;
use crate::error::ApiResult;

#[derive(Default)]
pub struct CaseMutation;

#[derive(InputObject)]
pub struct OpenCaseInput {
    pub municipality_id: ID,
    pub resident: ResidentToOpenInput,
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
        let case_id = request(ctx)?
            .write(async |writer, viewer| writer.open_case(viewer, municipality, resident).await)
            .await?;
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
        let case_id = ids::case_id(&case_id, "caseId")?;
        write_and_load(ctx, case_id, async |writer, viewer| {
            writer
                .set_case_step(viewer, case_id, step.into(), version)
                .await
        })
        .await
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
        let case_id = ids::case_id(&case_id, "caseId")?;
        let organisation = OrganisationId(ids::decode(
            &organisation_id,
            NodeType::Organisation,
            "organisationId",
        )?);
        let professional = ids::decode_optional(
            professional_id.as_ref(),
            NodeType::Professional,
            "professionalId",
        )?
        .map(ProfessionalId);
        let reason = parse_text("reason", &reason, MAX_SHORT_TEXT)?;
        write_and_load(ctx, case_id, async |writer, viewer| {
            writer
                .invite(
                    viewer,
                    case_id,
                    organisation,
                    professional,
                    role.into(),
                    reason,
                )
                .await
        })
        .await
    }

    /// Brings in the municipality's breakthrough team, with the reason the case is stuck.
    async fn escalate_to_breakthrough_team(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        reason: String,
    ) -> ApiResult<Case> {
        let case_id = ids::case_id(&case_id, "caseId")?;
        let reason = parse_text("reason", &reason, MAX_SHORT_TEXT)?;
        write_and_load(ctx, case_id, async |writer, viewer| {
            writer.escalate(viewer, case_id, reason).await
        })
        .await
    }

    /// Accepts an invitation: the viewer joins the team in the role the invitation names.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
        version: i32,
    ) -> ApiResult<Case> {
        let invitation = decode_invitation(&invitation_id)?;
        let case_id = request(ctx)?
            .write(async |writer, viewer| {
                writer
                    .decide_invitation(viewer, invitation, InvitationDecision::Accept, version)
                    .await
            })
            .await?;
        load_case(ctx, case_id).await
    }

    /// Declines an invitation; returns its ID.
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
        version: i32,
    ) -> ApiResult<ID> {
        let invitation = decode_invitation(&invitation_id)?;
        request(ctx)?
            .write(async |writer, viewer| {
                writer
                    .decide_invitation(viewer, invitation, InvitationDecision::Decline, version)
                    .await
            })
            .await?;
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
        let case_id = ids::case_id(&case_id, "caseId")?;
        let invitation = decode_invitation(&invitation_id)?;
        write_and_load(ctx, case_id, async |writer, viewer| {
            writer
                .withdraw_invitation(viewer, case_id, invitation, version)
                .await
        })
        .await
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
        let case = ids::case_id(&case_id, "caseId")?;
        let member = decode_member(&member_id)?;
        let reason = parse_optional_text("reason", reason.as_deref(), MAX_SHORT_TEXT)?;
        request(ctx)?
            .write(async |writer, viewer| {
                writer
                    .end_membership(viewer, case, member, reason, version)
                    .await
            })
            .await?;
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
        let case_id = ids::case_id(&case_id, "caseId")?;
        let member = decode_member(&member_id)?;
        write_and_load(ctx, case_id, async |writer, viewer| {
            writer
                .transfer_case_lead(viewer, case_id, member, version)
                .await
        })
        .await
    }

    /// Records the resident's consent for an organisation to receive life domains.
    async fn record_consent(&self, ctx: &Context<'_>, input: ConsentInput) -> ApiResult<Case> {
        let (case_id, organisation, domains) = consent_target(&input)?;
        write_and_load(ctx, case_id, async |writer, viewer| {
            writer
                .record_consent(viewer, case_id, organisation, &domains, input.method.into())
                .await
        })
        .await
    }

    /// Revokes consent; in force for the very next read.
    async fn revoke_consent(&self, ctx: &Context<'_>, input: ConsentInput) -> ApiResult<Case> {
        let (case_id, organisation, domains) = consent_target(&input)?;
        write_and_load(ctx, case_id, async |writer, viewer| {
            writer
                .revoke_consent(viewer, case_id, organisation, &domains)
                .await
        })
        .await
    }
}

/// Runs `work` as the viewer's write, then reads the case back through the slice.
async fn write_and_load<T>(
    ctx: &Context<'_>,
    case_id: CaseId,
    work: impl AsyncFnOnce(
        &persistence::cases::Writer,
        &persistence::cases::Viewer,
    ) -> persistence::Result<T>,
) -> ApiResult<Case> {
    request(ctx)?.write(work).await?;
    load_case(ctx, case_id).await
}

fn decode_invitation(id: &ID) -> ApiResult<InvitationId> {
    Ok(InvitationId(ids::decode(
        id,
        NodeType::Invitation,
        "invitationId",
    )?))
}

fn decode_member(id: &ID) -> ApiResult<TeamMemberId> {
    Ok(TeamMemberId(ids::decode(
        id,
        NodeType::TeamMember,
        "memberId",
    )?))
}

async fn set_status(
    ctx: &Context<'_>,
    case_id: ID,
    status: domain::case::CaseStatus,
    reason: String,
    version: i32,
) -> ApiResult<Case> {
    let case_id = ids::case_id(&case_id, "caseId")?;
    let reason = parse_text("reason", &reason, MAX_SHORT_TEXT)?;
    write_and_load(ctx, case_id, async |writer, viewer| {
        writer
            .set_case_status(viewer, case_id, status, reason, version)
            .await
    })
    .await
}

fn consent_target(
    input: &ConsentInput,
) -> ApiResult<(
    CaseId,
    OrganisationId,
    std::collections::BTreeSet<domain::LifeDomain>,
)> {
    Ok((
        ids::case_id(&input.case_id, "caseId")?,
        OrganisationId(ids::decode(
            &input.organisation_id,
            NodeType::Organisation,
            "organisationId",
        )?),
        to_domain_set(&input.life_domains),
    ))
}
