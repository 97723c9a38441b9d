//! Decisions on a case, taken with the mandate at the table (DOMAIN.md §3). A decision within
//! one of the actor's mandates is taken at once; beyond every one of them it becomes an
//! escalation that the team sees and that someone with enough mandate approves or declines.
//! Quotas and budgets are reserved by one conditional update each, in the decision's
//! transaction: concurrent decisions never take more than there is.

use domain::authz::{Action, Permit};
use domain::case::EventKind;

use chrono::NaiveDate;
use domain::mandate::{
    Beyond, BudgetCategory, BudgetHolder, CountedCell, Decision, DecisionContent, DecisionKind,
    DecisionStatus, TrendCell, TrendFigures, period_start,
};
use domain::{
    BudgetId, CaseId, DecisionId, InvalidInput, MandateId, OrganisationId, ProfessionalId, RoleSet,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter,
    Statement, Value,
};

use super::lists::{CaseItem, ListColumns, Position};
use super::{CaseAccess, Slicing, Viewer, Writer, record_event};
use crate::entity::{decision, mandate};
use crate::error::stale;
use crate::mandates::{find_budget, to_mandate};
use crate::{Error, Result, permitted};

/// A decision to record, validated by the caller: a budget allocation names its budget,
/// category and amount; other kinds name neither budget nor category.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub kind: DecisionKind,
    pub description: String,
    pub amount_cents: Option<i64>,
    pub category: Option<BudgetCategory>,
    pub budget_id: Option<BudgetId>,
}

/// What the holder of enough mandate does with an escalation.
#[derive(Debug, Clone)]
pub enum Resolution {
    Approve,
    Decline { reason: String },
}

fn to_decision(row: decision::Model, access: &CaseAccess) -> Result<Decision> {
    Ok(Decision {
        id: DecisionId(row.id),
        case_id: CaseId(row.case_id),
        kind: DecisionKind::parse(&row.kind).ok_or(Error::Corrupt("decision kind"))?,
        status: DecisionStatus::parse(&row.status).ok_or(Error::Corrupt("decision status"))?,
        category: row
            .category
            .as_deref()
            .map(|category| {
                BudgetCategory::parse(category).ok_or(Error::Corrupt("decision category"))
            })
            .transpose()?,
        budget_id: row.budget_id.map(BudgetId),
        organisation_id: OrganisationId(row.organisation_id),
        professional_id: ProfessionalId(row.professional_id),
        decided_at: row.decided_at,
        mandate_id: row.mandate_id.map(MandateId),
        beyond: row.beyond,
        resolved_by_professional_id: row.resolved_by_professional_id.map(ProfessionalId),
        resolved_at: row.resolved_at,
        version: row.version,
        content: access.sees_content().then_some(DecisionContent {
            description: row.description,
            amount_cents: row.amount_cents,
            decline_reason: row.decline_reason,
        }),
    })
}

impl CaseItem for Decision {
    type Entity = decision::Entity;
    type Id = DecisionId;
    type Filter = ();
    const KIND: &'static str = "decision";
    /// The shared plan, seen by the whole team.
    const SLICING: Slicing = Slicing::Shared;

    fn columns() -> ListColumns<decision::Entity> {
        ListColumns {
            case: decision::Column::CaseId,
            at: decision::Column::DecidedAt,
            id: decision::Column::Id,
        }
    }

    fn read(row: decision::Model, access: &CaseAccess) -> Result<Self> {
        to_decision(row, access)
    }

    fn position(&self) -> Position {
        Position {
            at: self.decided_at,
            id: self.id.0,
        }
    }
}

impl Writer {
    /// Records a decision on an open case: taken at once within one of the actor's mandates,
    /// or escalated. A budget allocation within mandate draws on its budget at once and is
    /// refused (changing nothing) when the budget has too little left.
    pub async fn record_decision(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        new: NewDecision,
    ) -> Result<DecisionId> {
        let (access, case) = self
            .lock_open_case(viewer, case_id, Action::RecordDecision)
            .await?;
        let (professional, organisation) = access.content_author()?;
        let (_, _, roles) = viewer.professional()?;
        if let Some(budget_id) = new.budget_id {
            let budget = find_budget(self.connection(), budget_id)
                .await?
                .ok_or_else(|| InvalidInput::new("budgetId", "no such budget"))?;
            let holds = match budget.holder {
                BudgetHolder::Organisation(holder) => holder == organisation,
                BudgetHolder::Municipality(holder) => holder == case.municipality_id,
            };
            if !holds {
                return Err(InvalidInput::new(
                    "budgetId",
                    "not a budget of your organisation or of the case's municipality",
                )
                .into());
            }
        }
        let today = domain::calendar::local_date(self.now());
        let reserved = self
            .reserve_mandate(organisation, roles, new.kind, new.amount_cents, today)
            .await?;
        let (status, mandate_id, beyond) = match reserved {
            Ok(mandate) => {
                self.draw_on_budget(new.budget_id, new.amount_cents, today)
                    .await?;
                (DecisionStatus::Taken, Some(mandate), None)
            }
            Err(beyond) => (DecisionStatus::Escalated, None, Some(beyond.as_str())),
        };
        let id = DecisionId::generate();
        let now = self.now();
        decision::Entity::insert(decision::ActiveModel {
            id: Set(id.0),
            case_id: Set(case_id.0),
            kind: Set(new.kind.as_str().to_owned()),
            status: Set(status.as_str().to_owned()),
            description: Set(new.description),
            amount_cents: Set(new.amount_cents),
            category: Set(new.category.map(|category| category.as_str().to_owned())),
            budget_id: Set(new.budget_id.map(|budget| budget.0)),
            organisation_id: Set(organisation.0),
            professional_id: Set(professional.0),
            decided_at: Set(now),
            mandate_id: Set(mandate_id.map(|mandate| mandate.0)),
            beyond: Set(beyond.map(str::to_owned)),
            resolved_by_professional_id: Set(None),
            resolved_at: Set(None),
            decline_reason: Set(None),
            withheld_reason: Set(None),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        let event = match status {
            DecisionStatus::Taken => EventKind::DecisionTaken,
            _ => EventKind::DecisionEscalated,
        };
        record_event(
            self,
            case_id,
            now,
            event,
            Some(("decision", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    /// Approves or declines an escalated decision. Approving takes it under the approver's own
    /// mandate, which must cover it, and draws on its budget; declining needs a mandate that
    /// would cover it, and a reason.
    pub async fn resolve_decision(
        &self,
        viewer: &Viewer,
        id: DecisionId,
        expected_version: i32,
        resolution: Resolution,
    ) -> Result<CaseId> {
        let existing = self
            .item::<domain::mandate::Decision>(viewer, id)
            .await?
            .ok_or(Error::NotFound("decision"))?;
        let action = match resolution {
            Resolution::Approve => Action::ApproveDecision,
            Resolution::Decline { .. } => Action::DeclineDecision,
        };
        let (access, _) = self
            .lock_open_case(viewer, existing.case_id, action)
            .await?;
        let (professional, organisation) = access.content_author()?;
        // Four eyes: whoever escalated a decision does not resolve it too.
        if existing.professional_id == professional {
            let own = match resolution {
                Resolution::Approve => Action::ApproveOwnDecision,
                Resolution::Decline { .. } => Action::DeclineOwnDecision,
            };
            viewer.authorize(access.standing(), own)?;
        }
        let (_, _, roles) = viewer.professional()?;
        if existing.status != DecisionStatus::Escalated {
            return Err(InvalidInput::new(
                "id",
                "only an escalated decision is approved or declined",
            )
            .into());
        }
        let amount = existing
            .content
            .as_ref()
            .and_then(|content| content.amount_cents);
        let today = domain::calendar::local_date(self.now());
        let now = self.now();
        let (status, mandate_id, reason) = match resolution {
            Resolution::Approve => {
                let mandate = self
                    .reserve_mandate(organisation, roles, existing.kind, amount, today)
                    .await?
                    .map_err(|_| Error::Forbidden("the decision is beyond your mandate too"))?;
                self.draw_on_budget(existing.budget_id, amount, today)
                    .await?;
                (DecisionStatus::Approved, Some(mandate.0), None)
            }
            Resolution::Decline { reason } => {
                let covered = self
                    .candidate_mandates(organisation, roles, Some(existing.kind))
                    .await?
                    .iter()
                    .any(|mandate| mandate.limits.admits(amount, today).is_ok());
                if !covered {
                    return Err(Error::Forbidden(
                        "only someone whose mandate covers the decision declines it",
                    ));
                }
                (DecisionStatus::Declined, None, Some(reason))
            }
        };
        let result = decision::Entity::update_many()
            .filter(decision::Column::Id.eq(id.0))
            .filter(decision::Column::Version.eq(expected_version))
            .filter(decision::Column::Status.eq(DecisionStatus::Escalated.as_str()))
            .col_expr(
                decision::Column::Status,
                sea_orm::sea_query::Expr::value(status.as_str()),
            )
            .col_expr(
                decision::Column::MandateId,
                sea_orm::sea_query::Expr::value(mandate_id),
            )
            .col_expr(
                decision::Column::DeclineReason,
                sea_orm::sea_query::Expr::value(reason),
            )
            .col_expr(
                decision::Column::ResolvedByProfessionalId,
                sea_orm::sea_query::Expr::value(professional.0),
            )
            .col_expr(
                decision::Column::ResolvedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .col_expr(
                decision::Column::Version,
                sea_orm::sea_query::Expr::value(expected_version + 1),
            )
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(stale("decision"));
        }
        let event = match status {
            DecisionStatus::Approved => EventKind::DecisionApproved,
            _ => EventKind::DecisionDeclined,
        };
        record_event(
            self,
            existing.case_id,
            now,
            event,
            Some(("decision", id.0)),
            access.actor(),
        )
        .await?;
        Ok(existing.case_id)
    }

    /// The mandates of `organisation` carried by one of `roles`: for `kind`, or of every kind.
    pub(super) async fn candidate_mandates(
        &self,
        organisation: OrganisationId,
        roles: &RoleSet,
        kind: Option<DecisionKind>,
    ) -> Result<Vec<domain::mandate::Mandate>> {
        let mut query = mandate::Entity::find()
            .filter(mandate::Column::OrganisationId.eq(organisation.0))
            .filter(mandate::Column::Role.is_in(roles.iter().map(|role| role.as_str())));
        if let Some(kind) = kind {
            query = query.filter(mandate::Column::Kind.eq(kind.as_str()));
        }
        let rows = query.all(self.connection()).await?;
        rows.into_iter().map(to_mandate).collect()
    }

    /// Takes one decision's place in the quota of the first of the actor's mandates that
    /// covers it; `Err(Beyond)` with the reason of the last one tried when none does.
    async fn reserve_mandate(
        &self,
        organisation: OrganisationId,
        roles: &RoleSet,
        kind: DecisionKind,
        amount_cents: Option<i64>,
        today: NaiveDate,
    ) -> Result<std::result::Result<MandateId, Beyond>> {
        let mut beyond = Beyond::NoMandate;
        for mandate in self
            .candidate_mandates(organisation, roles, Some(kind))
            .await?
        {
            if let Err(reason) = mandate.limits.admits(amount_cents, today) {
                beyond = reason;
                continue;
            }
            let Some(period) = mandate.limits.period else {
                return Ok(Ok(mandate.id));
            };
            if self
                .reserve_quota(
                    &mandate,
                    period_start(period, today),
                    amount_cents.unwrap_or(0),
                )
                .await?
            {
                return Ok(Ok(mandate.id));
            }
            beyond = if mandate.limits.max_count.is_some() {
                Beyond::Count
            } else {
                Beyond::Total
            };
        }
        Ok(Err(beyond))
    }

    /// One conditional upsert of the mandate's usage in the period: it adds the decision only
    /// while the count and total stay within the limits, so concurrent decisions queue on the
    /// row and never overshoot.
    async fn reserve_quota(
        &self,
        mandate: &domain::mandate::Mandate,
        period_start: NaiveDate,
        amount_cents: i64,
    ) -> Result<bool> {
        let backend = self.backend();
        let mut values: Vec<Value> = vec![
            mandate.id.0.into(),
            period_start.into(),
            amount_cents.into(),
        ];
        let mut limits = Vec::new();
        if let Some(max) = mandate.limits.max_count {
            values.push(max.into());
            limits.push(format!(
                "mandate_usage.used_count + 1 <= {}",
                placeholder(backend, values.len())
            ));
        }
        if let Some(max) = mandate.limits.max_total_cents {
            values.push(max.into());
            limits.push(format!(
                "mandate_usage.used_total_cents + excluded.used_total_cents <= {}",
                placeholder(backend, values.len())
            ));
        }
        let guard = if limits.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", limits.join(" AND "))
        };
        let sql = format!(
            "INSERT INTO mandate_usage (mandate_id, period_start, used_count, used_total_cents) \
             VALUES ({}, {}, 1, {}) \
             ON CONFLICT (mandate_id, period_start) DO UPDATE SET \
             used_count = mandate_usage.used_count + 1, \
             used_total_cents = mandate_usage.used_total_cents + excluded.used_total_cents{guard}",
            placeholder(backend, 1),
            placeholder(backend, 2),
            placeholder(backend, 3),
        );
        let result = self
            .connection()
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Draws an allocation on its budget, if it names one, by one conditional update; refused
    /// when the budget has too little left or is not this year's.
    async fn draw_on_budget(
        &self,
        budget_id: Option<BudgetId>,
        amount_cents: Option<i64>,
        today: NaiveDate,
    ) -> Result<()> {
        let Some(budget_id) = budget_id else {
            return Ok(());
        };
        use crate::entity::budget;
        use sea_orm::sea_query::{Expr, ExprTrait};
        let amount = amount_cents.unwrap_or(0);
        let result = budget::Entity::update_many()
            .col_expr(
                budget::Column::AllocatedCents,
                Expr::col(budget::Column::AllocatedCents).add(amount),
            )
            .col_expr(
                budget::Column::Version,
                Expr::col(budget::Column::Version).add(1),
            )
            .filter(budget::Column::Id.eq(budget_id.0))
            .filter(budget::Column::Year.eq(chrono::Datelike::year(&today)))
            .filter(
                Expr::col(budget::Column::AllocatedCents)
                    .add(amount)
                    .lte(Expr::col(budget::Column::AmountCents)),
            )
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(
                InvalidInput::new("amountCents", "more than this year's budget has left").into(),
            );
        }
        Ok(())
    }
}

fn placeholder(backend: DatabaseBackend, index: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${index}"),
        _ => "?".to_owned(),
    }
}

/// The budget trend reads decisions, which are case content: it lives here, and only counts
/// and sums leave it.
impl crate::Store {
    /// Where a budget's money went: per category and month, the cases, allocations and amount
    /// of allocations taken or approved; cells of fewer than five cases come back suppressed
    /// (§5.10). No case or resident leaves: only counts and sums.
    pub async fn budget_trend(&self, permit: &Permit, id: BudgetId) -> Result<Vec<TrendCell>> {
        permitted(permit, &[Action::BudgetTrend])?;
        use std::collections::{BTreeMap, BTreeSet};
        let rows = decision::Entity::find()
            .filter(decision::Column::BudgetId.eq(id.0))
            .filter(decision::Column::Status.is_in(["taken", "approved"]))
            .all(self.connection())
            .await?;
        let mut cells: BTreeMap<
            (BudgetCategory, chrono::NaiveDate),
            (BTreeSet<uuid::Uuid>, i64, i64),
        > = BTreeMap::new();
        for row in rows {
            let category = row
                .category
                .as_deref()
                .and_then(BudgetCategory::parse)
                .ok_or(Error::Corrupt("allocation category"))?;
            let month = domain::calendar::local_month(row.decided_at);
            let cell = cells.entry((category, month)).or_default();
            cell.0.insert(row.case_id);
            cell.1 += 1;
            cell.2 += row.amount_cents.unwrap_or(0);
        }
        Ok(domain::mandate::trend_report(
            cells
                .into_iter()
                .map(
                    |((category, month), (cases, allocations, total_cents))| CountedCell {
                        category,
                        month,
                        figures: TrendFigures {
                            cases: cases.len() as i64,
                            allocations,
                            total_cents,
                        },
                        cases: cases.into_iter().map(domain::CaseId).collect(),
                    },
                )
                .collect(),
        ))
    }
}
