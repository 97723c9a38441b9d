//! Agreements: who does what, by when, in the shared plan; an assignee is a team member, an
//! organisation on the team, or someone named in a few words.

use async_graphql::{Context, ID, InputObject, Object};
use domain::case::{Assignee, MAX_TEXT, parse_text};
use domain::{AgreementId, OrganisationId, ProfessionalId};
use persistence::cases::NewAgreement;

use super::{ItemObject, read_item};
use crate::error::ApiResult;
use crate::graphql::context::request;
use crate::graphql::enums::{AgreementStatus, AssigneeKind};
use crate::graphql::ids::case_id;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::reads::{colleague, organisation};
use crate::graphql::scalars::{Date, DateTime as Timestamp};
use crate::graphql::types::{Organisation, Professional};

/// Who does what, by when.
pub struct Agreement(pub domain::case::Agreement);

impl ItemObject for Agreement {
    type Item = domain::case::Agreement;
    const NAME: &'static str = "agreement";

    fn new(item: Self::Item) -> Self {
        Self(item)
    }
}

#[Object]
impl Agreement {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Agreement, self.0.id.0)
    }

    /// The case it belongs to.
    async fn case_id(&self) -> ID {
        ids::encode(NodeType::Case, self.0.case_id.0)
    }

    async fn what(&self) -> Option<&str> {
        self.0.content.as_ref().map(|content| content.what.as_str())
    }

    async fn assignee_kind(&self) -> AssigneeKind {
        self.0.assignee_kind.into()
    }

    /// The team member it is assigned to.
    async fn assignee_professional(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        let Some(domain::case::Assignee::TeamMember(id)) =
            self.0.content.as_ref().map(|content| &content.assignee)
        else {
            return Ok(None);
        };
        colleague(ctx, *id).await
    }

    async fn assignee_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.content.as_ref().map(|content| &content.assignee) {
            Some(domain::case::Assignee::Organisation(id)) => organisation(ctx, *id).await,
            _ => Ok(None),
        }
    }

    /// Who in the network, the social base or which specialist, in a few words.
    async fn assignee_name(&self) -> Option<&str> {
        use domain::case::Assignee;
        match self.0.content.as_ref().map(|content| &content.assignee) {
            Some(
                Assignee::Network(name) | Assignee::SocialBase(name) | Assignee::Specialist(name),
            ) => name.as_deref(),
            _ => None,
        }
    }

    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Date)
    }

    async fn review_on(&self) -> Option<Date> {
        self.0.review_on.map(Date)
    }

    async fn status(&self) -> AgreementStatus {
        self.0.status.into()
    }

    async fn status_changed_at(&self) -> Timestamp {
        Timestamp(self.0.status_changed_at)
    }

    /// Whether it is open and past its due date.
    async fn overdue(&self) -> bool {
        self.0.is_overdue(domain::calendar::today())
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }
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

#[derive(Default)]
pub struct AgreementMutation;

#[Object]
impl AgreementMutation {
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
        let id = request(ctx)?
            .write(async |writer, viewer| writer.add_agreement(viewer, case_id, new).await)
            .await?;
        read_item(ctx, id).await
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
        request(ctx)?
            .write(async |writer, viewer| {
                writer
                    .set_agreement_status(viewer, id, status.into(), version)
                    .await
            })
            .await?;
        read_item(ctx, id).await
    }
}
