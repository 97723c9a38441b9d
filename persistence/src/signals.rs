//! Signals to policy (DOMAIN.md §3). Raised from a system problem on a case by a member who
//! sees it; stored and read without any link to the case or the resident.

use chrono::Utc;
use domain::authz::{Action, Permit};
use domain::signal::{Signal, SignalCategory, SignalCell, SignalStatus};
use domain::{MunicipalityId, OrganisationId, ProfessionalId, SignalId};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::signal;
use crate::{Error, Result, Store, permitted};

pub(crate) fn to_signal(row: signal::Model) -> Result<Signal> {
    Ok(Signal {
        id: SignalId(row.id),
        municipality_id: MunicipalityId(row.municipality_id),
        category: SignalCategory::parse(&row.category).ok_or(Error::Corrupt("signal category"))?,
        organisation_id: row.organisation_id.map(OrganisationId),
        rule: row.rule,
        description: row.description,
        raised_by_organisation_id: OrganisationId(row.raised_by_organisation_id),
        raised_by_professional_id: ProfessionalId(row.raised_by_professional_id),
        raised_at: row.raised_at,
        status: SignalStatus::parse(&row.status).ok_or(Error::Corrupt("signal status"))?,
        answer: row.answer,
        answered_at: row.answered_at,
        version: row.version,
    })
}

impl Store {
    /// Signals raised in `municipalities`, newest first, at most `first`.
    pub async fn signals_in(
        &self,
        permit: &Permit,
        municipalities: &[MunicipalityId],
        status: Option<SignalStatus>,
        first: u64,
    ) -> Result<Vec<Signal>> {
        permitted(permit, &[Action::Signals])?;
        let mut query = signal::Entity::find()
            .filter(signal::Column::MunicipalityId.is_in(municipalities.iter().map(|id| id.0)));
        if let Some(status) = status {
            query = query.filter(signal::Column::Status.eq(status.as_str()));
        }
        query
            .order_by_desc(signal::Column::RaisedAt)
            .order_by_desc(signal::Column::Id)
            .limit(first)
            .all(self.connection())
            .await?
            .into_iter()
            .map(to_signal)
            .collect()
    }

    /// The signals a professional raised, newest first, with policy's answers.
    pub async fn signals_raised_by(&self, professional_id: ProfessionalId) -> Result<Vec<Signal>> {
        signal::Entity::find()
            .filter(signal::Column::RaisedByProfessionalId.eq(professional_id.0))
            .order_by_desc(signal::Column::RaisedAt)
            .order_by_desc(signal::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(to_signal)
            .collect()
    }

    pub async fn signal(&self, id: SignalId) -> Result<Option<Signal>> {
        signal::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .map(to_signal)
            .transpose()
    }

    /// Sets a signal's status and policy's answer.
    pub async fn answer_signal(
        &self,
        permit: &Permit,
        id: SignalId,
        expected_version: i32,
        status: SignalStatus,
        answer: Option<String>,
        by: ProfessionalId,
    ) -> Result<Signal> {
        permitted(permit, &[Action::AnswerSignal])?;
        let update = signal::Entity::update_many()
            .filter(signal::Column::Id.eq(id.0))
            .filter(signal::Column::Version.eq(expected_version))
            .col_expr(signal::Column::Status, Expr::value(status.as_str()))
            .col_expr(signal::Column::Answer, Expr::value(answer))
            .col_expr(signal::Column::AnsweredByProfessionalId, Expr::value(by.0))
            .col_expr(signal::Column::AnsweredAt, Expr::value(Utc::now()))
            .col_expr(signal::Column::Version, Expr::value(expected_version + 1));
        self.write(async |transaction| {
            if update.exec(transaction).await?.rows_affected != 1 {
                return Err(Error::Conflict(
                    "the signal is not at the version you sent (it changed since you read it); reload it and try again".into(),
                ));
            }
            Ok(())
        })
        .await?;
        self.signal(id).await?.ok_or(Error::NotFound("signal"))
    }

    /// Signals in `municipalities` counted by category, organisation involved and month; cells
    /// of fewer than five signals come back suppressed.
    pub async fn signal_counts(
        &self,
        permit: &Permit,
        municipalities: &[MunicipalityId],
    ) -> Result<Vec<SignalCell>> {
        permitted(permit, &[Action::SignalCounts])?;
        use std::collections::BTreeMap;
        let rows = signal::Entity::find()
            .filter(signal::Column::MunicipalityId.is_in(municipalities.iter().map(|id| id.0)))
            .all(self.connection())
            .await?;
        let mut cells: BTreeMap<(SignalCategory, Option<uuid::Uuid>, chrono::NaiveDate), i64> =
            BTreeMap::new();
        for row in rows {
            let category =
                SignalCategory::parse(&row.category).ok_or(Error::Corrupt("signal category"))?;
            let month = domain::calendar::local_month(row.raised_at);
            *cells
                .entry((category, row.organisation_id, month))
                .or_default() += 1;
        }
        Ok(cells
            .into_iter()
            .map(|((category, organisation, month), count)| {
                SignalCell::new(category, organisation.map(OrganisationId), month, count)
            })
            .collect())
    }
}
