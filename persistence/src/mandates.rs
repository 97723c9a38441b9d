//! Mandates and budgets as their holders manage them (DOMAIN.md §3). Who may manage or read
//! them is decided by the caller from the actor's organisation roles; decisions on cases, which
//! use them, live in [`crate::cases`].

use chrono::Utc;
use domain::authz::{Action, Permit};
use domain::mandate::{Budget, BudgetHolder, DecisionKind, Mandate, MandateLimits, QuotaPeriod};
use domain::{BudgetId, MandateId, MunicipalityId, OrganisationId, OrganisationRole};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::{budget, mandate};
use crate::error::{conflict_on_unique, invalid_on_foreign_key};
use crate::{Error, Result, Store, permitted};

pub(crate) fn to_mandate(row: mandate::Model) -> Result<Mandate> {
    Ok(Mandate {
        id: MandateId(row.id),
        organisation_id: OrganisationId(row.organisation_id),
        role: OrganisationRole::parse(&row.role).ok_or(Error::Corrupt("mandate role"))?,
        kind: DecisionKind::parse(&row.kind).ok_or(Error::Corrupt("mandate kind"))?,
        limits: MandateLimits {
            max_amount_cents: row.max_amount_cents,
            period: row
                .period
                .as_deref()
                .map(|period| QuotaPeriod::parse(period).ok_or(Error::Corrupt("mandate period")))
                .transpose()?,
            max_count: row.max_count,
            max_total_cents: row.max_total_cents,
            valid_from: row.valid_from,
            valid_until: row.valid_until,
        },
        created_at: row.created_at,
        version: row.version,
    })
}

/// One budget, on `connection`: the store's, or a decision's own transaction.
pub(crate) async fn find_budget(
    connection: &impl sea_orm::ConnectionTrait,
    id: BudgetId,
) -> Result<Option<Budget>> {
    budget::Entity::find_by_id(id.0)
        .one(connection)
        .await?
        .map(to_budget)
        .transpose()
}

fn to_budget(row: budget::Model) -> Result<Budget> {
    let holder = match (row.organisation_id, row.municipality_id) {
        (Some(organisation), None) => BudgetHolder::Organisation(OrganisationId(organisation)),
        (None, Some(municipality)) => BudgetHolder::Municipality(MunicipalityId(municipality)),
        _ => return Err(Error::Corrupt("budget holder")),
    };
    Ok(Budget {
        id: BudgetId(row.id),
        holder,
        year: row.year,
        amount_cents: row.amount_cents,
        allocated_cents: row.allocated_cents,
        version: row.version,
    })
}

impl Store {
    /// Grants `role` of `organisation_id` the mandate to take decisions of `kind` within
    /// `limits` (already checked by [`MandateLimits::parse`]).
    pub async fn create_mandate(
        &self,
        permit: &Permit,
        organisation_id: OrganisationId,
        role: OrganisationRole,
        kind: DecisionKind,
        limits: MandateLimits,
    ) -> Result<Mandate> {
        permitted(permit, &[Action::CreateMandate])?;
        let id = MandateId::generate();
        let insert = mandate::Entity::insert(mandate::ActiveModel {
            id: Set(id.0),
            organisation_id: Set(organisation_id.0),
            role: Set(role.as_str().to_owned()),
            kind: Set(kind.as_str().to_owned()),
            max_amount_cents: Set(limits.max_amount_cents),
            period: Set(limits.period.map(|period| period.as_str().to_owned())),
            max_count: Set(limits.max_count),
            max_total_cents: Set(limits.max_total_cents),
            valid_from: Set(limits.valid_from),
            valid_until: Set(limits.valid_until),
            created_at: Set(Utc::now()),
            version: Set(1),
        });
        self.write(async |transaction| {
            insert
                .exec_without_returning(transaction)
                .await
                .map_err(|error| {
                    invalid_on_foreign_key(
                        error,
                        "organisationId",
                        "no such organisation",
                        Error::Database,
                    )
                })
        })
        .await?;
        self.mandate(id).await?.ok_or(Error::NotFound("mandate"))
    }

    /// Replaces a mandate's limits, naming the version read; to end a mandate, set its
    /// `valid_until`. Decisions already taken keep the mandate they were taken under.
    pub async fn update_mandate(
        &self,
        permit: &Permit,
        id: MandateId,
        expected_version: i32,
        limits: MandateLimits,
    ) -> Result<Mandate> {
        permitted(permit, &[Action::UpdateMandate])?;
        use sea_orm::sea_query::Expr;
        let update = mandate::Entity::update_many()
            .filter(mandate::Column::Id.eq(id.0))
            .filter(mandate::Column::Version.eq(expected_version))
            .col_expr(
                mandate::Column::MaxAmountCents,
                Expr::value(limits.max_amount_cents),
            )
            .col_expr(
                mandate::Column::Period,
                Expr::value(limits.period.map(|period| period.as_str())),
            )
            .col_expr(mandate::Column::MaxCount, Expr::value(limits.max_count))
            .col_expr(
                mandate::Column::MaxTotalCents,
                Expr::value(limits.max_total_cents),
            )
            .col_expr(mandate::Column::ValidFrom, Expr::value(limits.valid_from))
            .col_expr(mandate::Column::ValidUntil, Expr::value(limits.valid_until))
            .col_expr(mandate::Column::Version, Expr::value(expected_version + 1));
        self.write(async |transaction| {
            if update.exec(transaction).await?.rows_affected != 1 {
                return Err(Error::Conflict(
                    "the mandate is not at the version you sent (it changed since you read it); reload it and try again".into(),
                ));
            }
            Ok(())
        })
        .await?;
        self.mandate(id).await?.ok_or(Error::NotFound("mandate"))
    }

    pub async fn mandate(&self, id: MandateId) -> Result<Option<Mandate>> {
        mandate::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .map(to_mandate)
            .transpose()
    }

    /// An organisation's mandates, by kind and then by when they were granted.
    pub async fn mandates_of(
        &self,
        permit: &Permit,
        organisation_id: OrganisationId,
    ) -> Result<Vec<Mandate>> {
        permitted(permit, &[Action::Mandates])?;
        mandate::Entity::find()
            .filter(mandate::Column::OrganisationId.eq(organisation_id.0))
            .order_by_asc(mandate::Column::Kind)
            .order_by_asc(mandate::Column::CreatedAt)
            .all(self.connection())
            .await?
            .into_iter()
            .map(to_mandate)
            .collect()
    }

    /// A yearly budget for an organisation or a municipality; one per holder and year.
    pub async fn create_budget(
        &self,
        permit: &Permit,
        holder: BudgetHolder,
        year: i32,
        amount_cents: i64,
    ) -> Result<Budget> {
        permitted(
            permit,
            match holder {
                BudgetHolder::Organisation(_) => &[Action::CreateOrganisationBudget],
                BudgetHolder::Municipality(_) => &[Action::CreateMunicipalityBudget],
            },
        )?;
        let id = BudgetId::generate();
        let (organisation, municipality, field, unknown) = match holder {
            BudgetHolder::Organisation(id) => {
                (Some(id.0), None, "organisationId", "no such organisation")
            }
            BudgetHolder::Municipality(id) => {
                (None, Some(id.0), "municipalityId", "no such municipality")
            }
        };
        let insert = budget::Entity::insert(budget::ActiveModel {
            id: Set(id.0),
            organisation_id: Set(organisation),
            municipality_id: Set(municipality),
            year: Set(year),
            amount_cents: Set(amount_cents),
            allocated_cents: Set(0),
            created_at: Set(Utc::now()),
            version: Set(1),
        });
        self.write(async |transaction| {
            insert
                .exec_without_returning(transaction)
                .await
                .map_err(|error| {
                    invalid_on_foreign_key(error, field, unknown, |error| {
                        conflict_on_unique(error, "budget for this holder and year")
                    })
                })
        })
        .await?;
        self.budget(id).await?.ok_or(Error::NotFound("budget"))
    }

    pub async fn budget(&self, id: BudgetId) -> Result<Option<Budget>> {
        find_budget(self.connection(), id).await
    }

    /// The budgets of an organisation and of the municipalities it serves, newest year first.
    pub async fn budgets_for(
        &self,
        organisation_id: OrganisationId,
        municipalities: &[MunicipalityId],
    ) -> Result<Vec<Budget>> {
        budget::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(budget::Column::OrganisationId.eq(organisation_id.0))
                    .add(
                        budget::Column::MunicipalityId
                            .is_in(municipalities.iter().map(|municipality| municipality.0)),
                    ),
            )
            .order_by_desc(budget::Column::Year)
            .order_by_asc(budget::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(to_budget)
            .collect()
    }
}
