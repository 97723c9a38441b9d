//! Justified exceptions to rules in GraphQL (DOMAIN.md §3): drafted on a first step, then
//! submitted, co-signed, endorsed and approved, or rejected with a reason.

use async_graphql::{Context, ID, InputObject, Object};
use domain::case::{MAX_TEXT, parse_text};
use domain::exception::{ExceptionContent, ExceptionStep};
use domain::{FirstStepId, OrganisationId, RuleExceptionId};

use super::case_items::{ItemObject, read_item};
use super::context::request;
use super::enums::{DecisionKind, ExceptionStatus, RuleKind};
use super::ids::{self, NodeType};
use super::reads::{colleague, organisation};
use super::scalars::DateTime as Timestamp;
use super::types::{Organisation, Professional};
use crate::error::ApiResult;

/// An exception to a rule for one first step. Every team member sees it; a process
/// facilitator sees its status and who signed, not its texts or amounts.
pub struct RuleException(pub domain::exception::RuleException);

impl ItemObject for RuleException {
    type Item = domain::exception::RuleException;
    const NAME: &'static str = "exception";

    fn new(item: Self::Item) -> Self {
        Self(item)
    }
}

impl RuleException {
    fn content(&self) -> Option<&ExceptionContent> {
        self.0.content.as_ref()
    }
}

/// Who took a step, and when.
pub struct Signature(domain::exception::Signature);

#[Object]
impl Signature {
    async fn professional(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        colleague(ctx, self.0.professional_id).await
    }

    async fn at(&self) -> Timestamp {
        Timestamp(self.0.at)
    }
}

#[Object]
impl RuleException {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::RuleException, self.0.id.0)
    }

    async fn case_id(&self) -> ID {
        ids::encode(NodeType::Case, self.0.case_id.0)
    }

    async fn first_step_id(&self) -> ID {
        ids::encode(NodeType::FirstStep, self.0.first_step_id.0)
    }

    async fn status(&self) -> ExceptionStatus {
        self.0.status.into()
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The organisation that owns the rule.
    async fn rule_owner(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.rule_owner_id).await
    }

    /// The kind of decision the custom solution takes.
    async fn decision_kind(&self) -> DecisionKind {
        self.0.decision_kind.into()
    }

    async fn rule_kind(&self) -> Option<RuleKind> {
        self.content().map(|content| content.rule_kind.into())
    }

    async fn rule(&self) -> Option<&str> {
        self.content().map(|content| content.rule.as_str())
    }

    async fn ordinary_route(&self) -> Option<&str> {
        self.content()
            .map(|content| content.ordinary_route.as_str())
    }

    async fn ordinary_cost_cents(&self) -> Option<i64> {
        self.content().map(|content| content.ordinary_cost_cents)
    }

    async fn custom_solution(&self) -> Option<&str> {
        self.content()
            .map(|content| content.custom_solution.as_str())
    }

    async fn custom_cost_cents(&self) -> Option<i64> {
        self.content().map(|content| content.custom_cost_cents)
    }

    /// The ordinary route's cost minus the custom solution's; negative when it costs more.
    async fn saving_cents(&self) -> Option<i64> {
        self.content().map(ExceptionContent::saving_cents)
    }

    /// The value triangle: is it lawful and fair?
    async fn legitimacy(&self) -> Option<&str> {
        self.content()
            .map(|content| content.value_triangle.legitimacy.as_str())
    }

    /// The value triangle: does it connect to the resident and their world?
    async fn engagement(&self) -> Option<&str> {
        self.content()
            .map(|content| content.value_triangle.engagement.as_str())
    }

    /// The value triangle: what does it yield?
    async fn societal_return(&self) -> Option<&str> {
        self.content()
            .map(|content| content.value_triangle.societal_return.as_str())
    }

    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }

    async fn drafted(&self) -> Signature {
        Signature(self.0.drafted)
    }

    async fn submitted(&self) -> Option<Signature> {
        self.0.submitted.map(Signature)
    }

    /// By a coach on the team.
    async fn co_signed(&self) -> Option<Signature> {
        self.0.co_signed.map(Signature)
    }

    /// By a member of the rule's owner whose mandate covers the cost.
    async fn endorsed(&self) -> Option<Signature> {
        self.0.endorsed.map(Signature)
    }

    /// By the case lead, for the team.
    async fn approved(&self) -> Option<Signature> {
        self.0.approved.map(Signature)
    }

    async fn rejected(&self) -> Option<Signature> {
        self.0.rejected.map(Signature)
    }
}

#[derive(InputObject)]
pub struct RuleExceptionInput {
    pub rule_kind: RuleKind,
    /// Which rule, in a few words.
    pub rule: String,
    /// The organisation that owns the rule.
    pub rule_owner_id: ID,
    /// The kind of decision the custom solution takes. A member of the rule's owner endorses
    /// the exception only with a mandate of this kind that covers the custom cost.
    pub decision_kind: DecisionKind,
    pub ordinary_route: String,
    pub ordinary_cost_cents: i64,
    pub custom_solution: String,
    pub custom_cost_cents: i64,
    pub legitimacy: String,
    pub engagement: String,
    pub societal_return: String,
}

#[derive(Default)]
pub struct ExceptionMutation;

#[Object]
impl ExceptionMutation {
    /// Drafts an exception to a rule for a first step that cannot be realised within the
    /// existing options.
    async fn draft_rule_exception(
        &self,
        ctx: &Context<'_>,
        first_step_id: ID,
        input: RuleExceptionInput,
    ) -> ApiResult<RuleException> {
        let first_step_id = FirstStepId(ids::decode(
            &first_step_id,
            NodeType::FirstStep,
            "firstStepId",
        )?);
        let rule_owner_id = OrganisationId(ids::decode(
            &input.rule_owner_id,
            NodeType::Organisation,
            "ruleOwnerId",
        )?);
        let content = ExceptionContent::parse(
            input.rule_kind.into(),
            &input.rule,
            &input.ordinary_route,
            input.ordinary_cost_cents,
            &input.custom_solution,
            input.custom_cost_cents,
            &input.legitimacy,
            &input.engagement,
            &input.societal_return,
        )?;
        let request = request(ctx)?;
        let id = request
            .write(async |writer, viewer| {
                writer
                    .draft_rule_exception(
                        viewer,
                        first_step_id,
                        rule_owner_id,
                        input.decision_kind.into(),
                        content,
                    )
                    .await
            })
            .await?;
        read_item(ctx, id).await
    }

    async fn submit_rule_exception(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> ApiResult<RuleException> {
        step(ctx, &id, version, ExceptionStep::Submit, None).await
    }

    /// For a coach on the team.
    async fn co_sign_rule_exception(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> ApiResult<RuleException> {
        step(ctx, &id, version, ExceptionStep::CoSign, None).await
    }

    /// For a member of the rule's owner whose mandate covers the custom solution's cost.
    async fn endorse_rule_exception(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> ApiResult<RuleException> {
        step(ctx, &id, version, ExceptionStep::Endorse, None).await
    }

    /// For the case lead, on behalf of the team.
    async fn approve_rule_exception(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> ApiResult<RuleException> {
        step(ctx, &id, version, ExceptionStep::Approve, None).await
    }

    /// For the case lead, a coach or the rule's owner, at any stage before approval.
    async fn reject_rule_exception(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: String,
    ) -> ApiResult<RuleException> {
        let reason = parse_text("reason", &reason, MAX_TEXT)?;
        step(ctx, &id, version, ExceptionStep::Reject, Some(reason)).await
    }
}

async fn step(
    ctx: &Context<'_>,
    id: &ID,
    version: i32,
    step: ExceptionStep,
    reason: Option<String>,
) -> ApiResult<RuleException> {
    let id = RuleExceptionId(ids::decode(id, NodeType::RuleException, "id")?);
    let request = request(ctx)?;
    request
        .write(async |writer, viewer| {
            writer
                .step_rule_exception(viewer, id, version, step, reason)
                .await
        })
        .await?;
    read_item(ctx, id).await
}
