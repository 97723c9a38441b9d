//! Mandate at the table and the maatwerkbudget in GraphQL (DOMAIN.md §3): an organisation's
//! mandates, decisions on a case within or beyond them, yearly budgets and where their money
//! went.

use async_graphql::{Context, ID, InputObject, Object};
use domain::authz::{Action, Standing};
use domain::case::{MAX_TEXT, parse_text};
use domain::identity::Actor;
use domain::mandate::{BudgetHolder, MandateLimits};
use domain::{BudgetId, CaseId, DecisionId, MunicipalityId, OrganisationId};
use persistence::cases::{NewDecision, Resolution};

use super::case_items::{ItemObject, read_item};
use super::context::request;
use super::enums::{
    BudgetCategory, DecisionKind, DecisionStatus, OrganisationRole as Role, QuotaPeriod,
};
use super::ids::{self, NodeType};
use super::reads::{colleague, organisation};
use super::scalars::{Date, DateTime as Timestamp};
use super::types::{Municipality, Organisation, Professional};
use crate::error::{ApiError, ApiResult};

/// A decision on a case. Every team member sees it; a process facilitator sees neither its
/// description nor its amount.
pub struct Decision(pub domain::mandate::Decision);

impl ItemObject for Decision {
    type Item = domain::mandate::Decision;
    const NAME: &'static str = "decision";

    fn new(item: Self::Item) -> Self {
        Self(item)
    }
}

#[Object]
impl Decision {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Decision, self.0.id.0)
    }

    async fn case_id(&self) -> ID {
        ids::encode(NodeType::Case, self.0.case_id.0)
    }

    async fn kind(&self) -> DecisionKind {
        self.0.kind.into()
    }

    async fn status(&self) -> DecisionStatus {
        self.0.status.into()
    }

    async fn description(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .map(|content| content.description.as_str())
    }

    /// In euro cents.
    async fn amount_cents(&self) -> Option<i64> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.amount_cents)
    }

    /// For a budget allocation: what the money is for.
    async fn category(&self) -> Option<BudgetCategory> {
        self.0.category.map(Into::into)
    }

    /// For a budget allocation: the budget it draws on.
    async fn budget_id(&self) -> Option<ID> {
        self.0
            .budget_id
            .map(|budget| ids::encode(NodeType::Budget, budget.0))
    }

    async fn decided_at(&self) -> Timestamp {
        Timestamp(self.0.decided_at)
    }

    /// Why it was escalated: which limit of the mandate it went beyond.
    async fn beyond_mandate(&self) -> Option<&str> {
        self.0.beyond.as_deref()
    }

    async fn resolved_at(&self) -> Option<Timestamp> {
        self.0.resolved_at.map(Timestamp)
    }

    /// Why an escalation was declined.
    async fn decline_reason(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.decline_reason.as_deref())
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The organisation whose member recorded it.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }

    async fn decided_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        colleague(ctx, self.0.professional_id).await
    }

    /// Who approved or declined the escalation.
    async fn resolved_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        match self.0.resolved_by_professional_id {
            Some(id) => colleague(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// The right of an organisation role to take decisions of one kind, within limits.
pub struct Mandate(domain::mandate::Mandate);

#[Object]
impl Mandate {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Mandate, self.0.id.0)
    }

    async fn role(&self) -> Role {
        self.0.role.into()
    }

    async fn kind(&self) -> DecisionKind {
        self.0.kind.into()
    }

    async fn max_amount_cents(&self) -> Option<i64> {
        self.0.limits.max_amount_cents
    }

    async fn period(&self) -> Option<QuotaPeriod> {
        self.0.limits.period.map(Into::into)
    }

    async fn max_count(&self) -> Option<i64> {
        self.0.limits.max_count
    }

    async fn max_total_cents(&self) -> Option<i64> {
        self.0.limits.max_total_cents
    }

    async fn valid_from(&self) -> Option<Date> {
        self.0.limits.valid_from.map(Date)
    }

    async fn valid_until(&self) -> Option<Date> {
        self.0.limits.valid_until.map(Date)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A yearly maatwerkbudget of an organisation or a municipality.
pub struct Budget(domain::mandate::Budget);

#[Object]
impl Budget {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Budget, self.0.id.0)
    }

    async fn year(&self) -> i32 {
        self.0.year
    }

    async fn amount_cents(&self) -> i64 {
        self.0.amount_cents
    }

    /// What allocations taken or approved have drawn from it; `null` for those who do not
    /// allocate from it, such as policy analysts, whom it would tell what the trend report
    /// suppresses.
    async fn allocated_cents(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        Ok(balance_permitted(ctx)?.then_some(self.0.allocated_cents))
    }

    /// What is left; `null` where `allocatedCents` is.
    async fn remaining_cents(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        Ok(balance_permitted(ctx)?.then(|| self.0.remaining_cents()))
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.holder {
            BudgetHolder::Organisation(id) => {
                Ok(request(ctx)?.organisation(id).await?.map(Organisation))
            }
            BudgetHolder::Municipality(_) => Ok(None),
        }
    }

    async fn municipality(&self, ctx: &Context<'_>) -> ApiResult<Option<Municipality>> {
        let BudgetHolder::Municipality(id) = self.0.holder else {
            return Ok(None);
        };
        Ok(request(ctx)?.municipality(id).await?.map(Municipality))
    }

    /// Where the money went, per category and month: cases, allocations and amount. A cell of
    /// fewer than five cases is suppressed. For team leads and policy analysts.
    async fn trend(&self, ctx: &Context<'_>) -> ApiResult<Vec<TrendCell>> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::BudgetTrend)?;
        Ok(request
            .store(&permit)
            .budget_trend(&permit, self.0.id)
            .await?
            .into_iter()
            .map(TrendCell)
            .collect())
    }
}

fn balance_permitted(ctx: &Context<'_>) -> ApiResult<bool> {
    Ok(request(ctx)?
        .authorize_unrelated(Action::BudgetBalance)
        .is_ok())
}

/// One cell of the trend report. Its figures are `null` when it counts fewer than five cases.
pub struct TrendCell(domain::mandate::TrendCell);

#[Object]
impl TrendCell {
    async fn category(&self) -> BudgetCategory {
        self.0.category.into()
    }

    /// The first day of the month.
    async fn month(&self) -> Date {
        Date(self.0.month)
    }

    /// Whether the figures are withheld because the cell counts fewer than five cases.
    async fn suppressed(&self) -> bool {
        self.0.figures.is_none()
    }

    async fn cases(&self) -> Option<i64> {
        self.0.figures.map(|figures| figures.cases)
    }

    async fn allocations(&self) -> Option<i64> {
        self.0.figures.map(|figures| figures.allocations)
    }

    async fn total_cents(&self) -> Option<i64> {
        self.0.figures.map(|figures| figures.total_cents)
    }
}

#[derive(Default)]
pub struct MandateQuery;

#[Object]
impl MandateQuery {
    /// An organisation's mandates, for its own professionals.
    async fn mandates(&self, ctx: &Context<'_>, organisation_id: ID) -> ApiResult<Vec<Mandate>> {
        let organisation_id = OrganisationId(ids::decode(
            &organisation_id,
            NodeType::Organisation,
            "organisationId",
        )?);
        let request = request(ctx)?;
        let permit = request.authorize(request.standing_to(organisation_id), Action::Mandates)?;
        Ok(request
            .store(&permit)
            .mandates_of(&permit, organisation_id)
            .await?
            .into_iter()
            .map(Mandate)
            .collect())
    }

    /// The budgets the viewer's organisation allocates from: its own and those of the
    /// municipalities it serves, newest year first.
    async fn budgets(&self, ctx: &Context<'_>) -> ApiResult<Vec<Budget>> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::Budgets)?;
        let Actor::Professional(professional) = &request.actor else {
            return Err(ApiError::forbidden(Action::Budgets.refusal()));
        };
        let organisation = request
            .organisation(professional.organisation_id)
            .await?
            .ok_or(ApiError::NotFound("organisation"))?;
        let municipalities: Vec<MunicipalityId> =
            organisation.municipalities.iter().copied().collect();
        Ok(request
            .store(&permit)
            .budgets_for(organisation.id, &municipalities)
            .await?
            .into_iter()
            .map(Budget)
            .collect())
    }
}

#[derive(InputObject)]
pub struct MandateInput {
    pub organisation_id: ID,
    pub role: Role,
    pub kind: DecisionKind,
    #[graphql(flatten)]
    pub limits: MandateLimitsInput,
}

/// A mandate's limits; every one is optional.
#[derive(InputObject)]
pub struct MandateLimitsInput {
    pub max_amount_cents: Option<i64>,
    pub period: Option<QuotaPeriod>,
    pub max_count: Option<i64>,
    pub max_total_cents: Option<i64>,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
}

impl MandateLimitsInput {
    fn parse(self) -> ApiResult<MandateLimits> {
        Ok(MandateLimits {
            max_amount_cents: self.max_amount_cents,
            period: self.period.map(Into::into),
            max_count: self.max_count,
            max_total_cents: self.max_total_cents,
            valid_from: self.valid_from.map(|date| date.0),
            valid_until: self.valid_until.map(|date| date.0),
        }
        .parse()?)
    }
}

#[derive(InputObject)]
pub struct BudgetInput {
    /// The holding organisation; or give `municipalityId`.
    pub organisation_id: Option<ID>,
    pub municipality_id: Option<ID>,
    pub year: i32,
    pub amount_cents: i64,
}

#[derive(InputObject)]
pub struct DecisionInput {
    pub kind: DecisionKind,
    pub description: String,
    /// In euro cents; required for a budget allocation.
    pub amount_cents: Option<i64>,
    /// For a budget allocation: what the money is for.
    pub category: Option<BudgetCategory>,
    /// For a budget allocation: the budget of your organisation or of the case's municipality.
    pub budget_id: Option<ID>,
}

impl DecisionInput {
    fn parse(self) -> ApiResult<NewDecision> {
        let kind: domain::mandate::DecisionKind = self.kind.into();
        if self.amount_cents.is_some_and(|amount| amount < 0) {
            return Err(ApiError::bad_input("amountCents", "must not be negative"));
        }
        let budget_id =
            ids::decode_optional(self.budget_id.as_ref(), NodeType::Budget, "budgetId")?
                .map(BudgetId);
        let allocation = kind == domain::mandate::DecisionKind::BudgetAllocation;
        if allocation {
            if budget_id.is_none() {
                return Err(ApiError::bad_input(
                    "budgetId",
                    "an allocation names its budget",
                ));
            }
            if self.category.is_none() {
                return Err(ApiError::bad_input(
                    "category",
                    "an allocation has a category",
                ));
            }
            if self.amount_cents.is_none_or(|amount| amount <= 0) {
                return Err(ApiError::bad_input(
                    "amountCents",
                    "an allocation has an amount",
                ));
            }
        } else if budget_id.is_some() {
            return Err(ApiError::bad_input(
                "budgetId",
                "only a budget allocation draws on a budget",
            ));
        } else if self.category.is_some() {
            return Err(ApiError::bad_input(
                "category",
                "only a budget allocation has a category",
            ));
        }
        Ok(NewDecision {
            kind,
            description: parse_text("description", &self.description, MAX_TEXT)?,
            amount_cents: self.amount_cents,
            category: self.category.map(Into::into),
            budget_id,
        })
    }
}

#[derive(Default)]
pub struct MandateMutation;

#[Object]
impl MandateMutation {
    /// Grants an organisation role a mandate. For the organisation's `org_admin`.
    async fn create_mandate(&self, ctx: &Context<'_>, input: MandateInput) -> ApiResult<Mandate> {
        let organisation_id = OrganisationId(ids::decode(
            &input.organisation_id,
            NodeType::Organisation,
            "organisationId",
        )?);
        let limits = input.limits.parse()?;
        let request = request(ctx)?;
        let permit =
            request.authorize(request.standing_to(organisation_id), Action::CreateMandate)?;
        Ok(Mandate(
            request
                .store(&permit)
                .create_mandate(
                    &permit,
                    organisation_id,
                    input.role.into(),
                    input.kind.into(),
                    limits,
                )
                .await?,
        ))
    }

    /// Replaces a mandate's limits; set `validUntil` to end it. For the organisation's
    /// `org_admin`. Decisions already taken keep the mandate they were taken under.
    async fn update_mandate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        limits: MandateLimitsInput,
    ) -> ApiResult<Mandate> {
        let id = domain::MandateId(ids::decode(&id, NodeType::Mandate, "id")?);
        let limits = limits.parse()?;
        let request = request(ctx)?;
        // First as for the actor's own organisation, to find the mandate; then for the
        // organisation it belongs to.
        let own = match request.actor.organisation_id() {
            Some(_) => Standing::OwnOrganisation,
            None => Standing::OtherOrganisation,
        };
        let looking = request.authorize(own, Action::UpdateMandate)?;
        let mandate = request
            .store(&looking)
            .mandate(id)
            .await?
            .ok_or(ApiError::NotFound("mandate"))?;
        let permit = request.authorize(
            request.standing_to(mandate.organisation_id),
            Action::UpdateMandate,
        )?;
        Ok(Mandate(
            request
                .store(&permit)
                .update_mandate(&permit, id, version, limits)
                .await?,
        ))
    }

    /// Sets up a year's budget: an organisation's by its `org_admin`, a municipality's by the
    /// platform operator.
    async fn create_budget(&self, ctx: &Context<'_>, input: BudgetInput) -> ApiResult<Budget> {
        if input.amount_cents < 0 {
            return Err(ApiError::bad_input("amountCents", "must not be negative"));
        }
        if !(2000..=2100).contains(&input.year) {
            return Err(ApiError::bad_input("year", "not a plausible year"));
        }
        let request = request(ctx)?;
        let (holder, permit) = match (&input.organisation_id, &input.municipality_id) {
            (Some(organisation), None) => {
                let id = OrganisationId(ids::decode(
                    organisation,
                    NodeType::Organisation,
                    "organisationId",
                )?);
                let permit =
                    request.authorize(request.standing_to(id), Action::CreateOrganisationBudget)?;
                (BudgetHolder::Organisation(id), permit)
            }
            (None, Some(municipality)) => {
                let id = MunicipalityId(ids::decode(
                    municipality,
                    NodeType::Municipality,
                    "municipalityId",
                )?);
                let permit = request.authorize_unrelated(Action::CreateMunicipalityBudget)?;
                (BudgetHolder::Municipality(id), permit)
            }
            _ => {
                return Err(ApiError::bad_input(
                    "organisationId",
                    "give either an organisation or a municipality",
                ));
            }
        };
        Ok(Budget(
            request
                .store(&permit)
                .create_budget(&permit, holder, input.year, input.amount_cents)
                .await?,
        ))
    }

    /// Records a decision on a case: taken at once within one of your mandates, or escalated
    /// to the team when it goes beyond them.
    async fn record_decision(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: DecisionInput,
    ) -> ApiResult<Decision> {
        let case_id = CaseId(ids::decode(&case_id, NodeType::Case, "caseId")?);
        let new = input.parse()?;
        let request = request(ctx)?;
        let id = request
            .write(async |writer, viewer| writer.record_decision(viewer, case_id, new).await)
            .await?;
        read_item(ctx, id).await
    }

    /// Approves an escalated decision under your own mandate.
    async fn approve_decision(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> ApiResult<Decision> {
        resolve(ctx, &id, version, Resolution::Approve).await
    }

    /// Declines an escalated decision, with the reason.
    async fn decline_decision(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: String,
    ) -> ApiResult<Decision> {
        let reason = parse_text("reason", &reason, MAX_TEXT)?;
        resolve(ctx, &id, version, Resolution::Decline { reason }).await
    }
}

async fn resolve(
    ctx: &Context<'_>,
    id: &ID,
    version: i32,
    resolution: Resolution,
) -> ApiResult<Decision> {
    let id = DecisionId(ids::decode(id, NodeType::Decision, "id")?);
    let request = request(ctx)?;
    request
        .write(async |writer, viewer| {
            writer
                .resolve_decision(viewer, id, version, resolution)
                .await
        })
        .await?;
    read_item(ctx, id).await
}
