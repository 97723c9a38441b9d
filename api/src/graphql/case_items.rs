//! The items a case team records step by step: the resident's perspective, the facts of the
//! situation sketch, the problems of the analysis, first steps, agreements and evaluations; and
//! the viewer's worklist of agreements and evaluations.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::enums::{
    AgreementStatus, AmountPeriod, AssigneeKind, FirstStepStatus, LifeDomain, Need, ProblemKind,
    SharingLevel,
};
use super::ids::{self, NodeType};
use super::reads::{colleague, organisation};
use super::scalars::{Date, DateTime as Timestamp};
use super::types::{Organisation, Professional};
use crate::error::ApiResult;

/// One version of the resident's perspective.
pub struct Perspective(pub domain::case::Perspective);

#[Object]
impl Perspective {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Perspective, self.0.id.0)
    }

    /// In the resident's own words; `null` for a process facilitator.
    async fn text(&self) -> Option<&str> {
        self.0.content.as_deref()
    }

    async fn written_by_resident(&self) -> bool {
        self.0.written_by_resident
    }

    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }
}

/// An amount in euro cents.
#[derive(SimpleObject)]
pub struct Amount {
    cents: i64,
    period: Option<AmountPeriod>,
}

/// A fact of the situation sketch.
pub struct Fact(pub domain::case::Fact);

#[Object]
impl Fact {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Fact, self.0.id.0)
    }

    async fn life_domain(&self) -> LifeDomain {
        self.0.life_domain.into()
    }

    /// `null` for a process facilitator.
    async fn text(&self) -> Option<&str> {
        self.0.content.as_ref().map(|content| content.text.as_str())
    }

    async fn amount(&self) -> Option<Amount> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.amount)
            .map(|amount| Amount {
                cents: amount.cents,
                period: amount.period.map(Into::into),
            })
    }

    async fn need(&self) -> Need {
        self.0.need.into()
    }

    async fn sharing(&self) -> SharingLevel {
        self.0.sharing.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn updated_at(&self) -> Timestamp {
        Timestamp(self.0.updated_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Why the resident does not see this item (a recorded legal reason); `null` when they
    /// do. Only the team reads it.
    async fn withheld_reason(&self) -> Option<&str> {
        self.0.withheld_reason.as_deref()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }
}

/// A problem of the analysis: what is going on.
pub struct Problem(pub domain::case::Problem);

#[Object]
impl Problem {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Problem, self.0.id.0)
    }

    async fn kind(&self) -> ProblemKind {
        self.0.kind.into()
    }

    async fn life_domain(&self) -> LifeDomain {
        self.0.life_domain.into()
    }

    async fn text(&self) -> Option<&str> {
        self.0.content.as_deref()
    }

    /// Whether the resident recognises this picture.
    async fn resident_shares_picture(&self) -> bool {
        self.0.resident_shares_picture
    }

    async fn sharing(&self) -> SharingLevel {
        self.0.sharing.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Why the resident does not see this item (a recorded legal reason); `null` when they
    /// do. Only the team reads it.
    async fn withheld_reason(&self) -> Option<&str> {
        self.0.withheld_reason.as_deref()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }
}

pub struct FirstStep(pub domain::case::FirstStep);

#[Object]
impl FirstStep {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::FirstStep, self.0.id.0)
    }

    async fn text(&self) -> Option<&str> {
        self.0.content.as_ref().map(|content| content.text.as_str())
    }

    /// Willen: does the resident want this?
    async fn motivation(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.motivation.as_deref())
    }

    /// Kunnen: can they?
    async fn capability(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.capability.as_deref())
    }

    /// Doen: does the situation let them?
    async fn opportunity(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.opportunity.as_deref())
    }

    async fn status(&self) -> FirstStepStatus {
        self.0.status.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Who does what, by when.
pub struct Agreement(pub domain::case::Agreement);

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

pub struct Evaluation(pub domain::case::Evaluation);

#[Object]
impl Evaluation {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Evaluation, self.0.id.0)
    }

    async fn achieved(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .map(|content| content.achieved.as_str())
    }

    async fn perspective_reached(&self) -> bool {
        self.0.perspective_reached
    }

    async fn what_worked(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.what_worked.as_deref())
    }

    async fn still_needed(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.still_needed.as_deref())
    }

    async fn next_evaluation_on(&self) -> Option<Date> {
        self.0.next_evaluation_on.map(Date)
    }

    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }
}

/// The viewer's overdue agreements and the evaluations that are due.
#[derive(SimpleObject)]
pub struct Worklist {
    pub overdue_agreements: Vec<Agreement>,
    pub evaluations_due: Vec<Evaluation>,
}
