//! What an organisation's back office pulls through its integration (DOMAIN.md §7): the
//! agreements of its caseload as they change, within its slice.

use chrono::{DateTime, Utc};
use domain::CaseId;
use domain::case::Agreement;
use domain::slice::TeamRole;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::items::to_agreement;
use super::{CaseAccess, Relation, Snapshot, Viewer, ViewerKind};
use crate::entity::{agreement, team_member};
use crate::{Error, Page, Result};

/// Where a pull of agreement changes stands: after the change at `at` to agreement `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    pub at: DateTime<Utc>,
    pub id: uuid::Uuid,
}

impl ChangeCursor {
    pub fn of(agreement: &Agreement) -> Self {
        Self {
            at: agreement.status_changed_at,
            id: agreement.id.0,
        }
    }
}

impl Snapshot {
    /// The agreements of the cases the service's organisation is on (as more than a process
    /// facilitator) that were created or changed status after `after`, oldest change first.
    ///
    /// Only changes made before `settled_before` are returned: a transaction that started
    /// earlier may still commit a change stamped before the newest one seen, and a cursor past
    /// it would skip that change for good. Callers pass a moment longer ago than any write
    /// transaction lasts.
    pub async fn agreement_changes(
        &self,
        viewer: &Viewer,
        after: Option<ChangeCursor>,
        first: u64,
        settled_before: DateTime<Utc>,
    ) -> Result<Page<Agreement>> {
        let ViewerKind::Service {
            organisation_id,
            organisation_kind,
            exports,
        } = viewer.kind
        else {
            return Err(Error::Forbidden(
                "agreement changes are pulled with an integration's token",
            ));
        };
        if !exports {
            return Err(Error::Forbidden(
                "pulling agreement changes needs the caseload:export scope",
            ));
        }
        let caseload = Query::select()
            .column(team_member::Column::CaseId)
            .from(team_member::Entity)
            .and_where(Expr::col(team_member::Column::OrganisationId).eq(organisation_id.0))
            .and_where(Expr::col(team_member::Column::LeftAt).is_null())
            .and_where(
                Expr::col(team_member::Column::Role).ne(TeamRole::ProcessFacilitator.as_str()),
            )
            .to_owned();
        let mut query = agreement::Entity::find()
            .filter(agreement::Column::CaseId.in_subquery(caseload))
            .filter(agreement::Column::StatusChangedAt.lt(settled_before));
        if let Some(after) = after {
            query = query.filter(
                Condition::any()
                    .add(agreement::Column::StatusChangedAt.gt(after.at))
                    .add(
                        Condition::all()
                            .add(agreement::Column::StatusChangedAt.eq(after.at))
                            .add(agreement::Column::Id.gt(after.id)),
                    ),
            );
        }
        let mut rows = query
            .order_by_asc(agreement::Column::StatusChangedAt)
            .order_by_asc(agreement::Column::Id)
            .limit(first + 1)
            .all(self.connection())
            .await?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let access = CaseAccess {
                listed: true,
                case_id: CaseId(row.case_id),
                relation: Relation::Service {
                    organisation_id,
                    organisation_kind,
                },
            };
            self.disclose(&access, "agreement", 1, None);
            items.push(to_agreement(row, &access)?);
        }
        Ok(Page {
            items,
            has_next_page,
        })
    }
}
