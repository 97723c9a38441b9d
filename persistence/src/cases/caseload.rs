//! The caseload: the cases a viewer has a relation to, filtered and paged in SQL, each with
//! the viewer's access to it read in the same statement, and with the count of open
//! agreements when asked.

use chrono::{NaiveDate, Utc};
use domain::case::{Case, CaseStatus, CaseStep};
use domain::{CaseId, MunicipalityId};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};

use super::items::open_agreement_count_of;
use super::records::sliced_case;
use super::{CaseAccess, PolicyMask, Snapshot, Viewer, ViewerKind, acting_team_roles};
use crate::entity::{agreement, case, team_member};
use crate::{Error, Page, Result};

/// The column a caseload page carries the viewer's team role in.
const VIEWER_ROLE: &str = "viewer_role";

/// The column a caseload page carries each case's count of open agreements in, when asked.
const OPEN_AGREEMENTS: &str = "open_agreement_count";

/// One case of a caseload page.
#[derive(Debug, Clone)]
pub struct CaseloadEntry {
    pub access: CaseAccess,
    pub case: Case,
    /// How many of its agreements the viewer sees are open, when the page was asked for them.
    pub open_agreements: Option<u64>,
}

/// Narrows a caseload.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub step: Option<CaseStep>,
    pub municipality: Option<MunicipalityId>,
    /// Only cases with (`true`) or without (`false`) an open agreement past its due date.
    pub has_overdue_agreements: Option<bool>,
    /// The day against which "overdue" is judged.
    pub today: Option<NaiveDate>,
}

/// Where a caseload page starts: after the case with this activity time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseCursor {
    pub last_activity_at: chrono::DateTime<Utc>,
    pub id: CaseId,
}

impl Snapshot {
    /// The cases the viewer has a relation to, most recently active first.
    fn caseload_query(&self, viewer: &Viewer, filter: &CaseFilter) -> Option<Select<case::Entity>> {
        let mut query = case::Entity::find();
        match &viewer.kind {
            ViewerKind::Professional {
                professional_id,
                organisation_id,
                roles,
                ..
            } => {
                // Joined rather than a subquery, so the page carries the viewer's team role
                // and needs no second statement for the access (one active membership per
                // professional and case, by the partial unique index).
                QueryTrait::query(&mut query).inner_join(
                    team_member::Entity,
                    Condition::all()
                        .add(
                            Expr::col((team_member::Entity, team_member::Column::CaseId))
                                .equals((case::Entity, case::Column::Id)),
                        )
                        .add(
                            Expr::col((team_member::Entity, team_member::Column::ProfessionalId))
                                .eq(professional_id.0),
                        )
                        .add(
                            Expr::col((team_member::Entity, team_member::Column::OrganisationId))
                                .eq(organisation_id.0),
                        )
                        .add(
                            Expr::col((team_member::Entity, team_member::Column::LeftAt)).is_null(),
                        )
                        .add(
                            Expr::col((team_member::Entity, team_member::Column::Role))
                                .is_in(acting_team_roles(roles)),
                        ),
                );
            }
            ViewerKind::Resident { resident_id } => {
                query = query.filter(case::Column::ResidentId.eq(resident_id.0))
            }
            ViewerKind::Service { .. } | ViewerKind::Nobody => return None,
        }
        if let Some(status) = filter.status {
            query = query.filter(case::Column::Status.eq(status.as_str()));
        }
        if let Some(step) = filter.step {
            query = query.filter(case::Column::Step.eq(step.as_str()));
        }
        if let Some(municipality) = filter.municipality {
            query = query.filter(case::Column::MunicipalityId.eq(municipality.0));
        }
        if let Some(wanted) = filter.has_overdue_agreements {
            let today = filter.today.unwrap_or_else(domain::calendar::today);
            let overdue = Query::select()
                .expr(Expr::val(1))
                .from(agreement::Entity)
                .and_where(
                    Expr::col((agreement::Entity, agreement::Column::CaseId))
                        .equals((case::Entity, case::Column::Id)),
                )
                .and_where(agreement::Column::Status.is_in(["open", "in_progress"]))
                .and_where(agreement::Column::DueOn.lt(today))
                .to_owned();
            let exists = Expr::exists(overdue);
            query = query.filter(if wanted { exists } else { exists.not() });
        }
        Some(query)
    }

    /// One page of the viewer's caseload, with the access to each case, and with
    /// `open_agreements` each case's count of open agreements the viewer sees, read in the
    /// same statement.
    pub async fn caseload(
        &self,
        viewer: &Viewer,
        filter: &CaseFilter,
        after: Option<CaseCursor>,
        first: u64,
        open_agreements: bool,
    ) -> Result<Page<CaseloadEntry>> {
        let Some(mut query) = self.caseload_query(viewer, filter) else {
            return Ok(Page {
                items: Vec::new(),
                has_next_page: false,
            });
        };
        if let Some(cursor) = after {
            query = query.filter(
                Condition::any()
                    .add(case::Column::LastActivityAt.lt(cursor.last_activity_at))
                    .add(
                        Condition::all()
                            .add(case::Column::LastActivityAt.eq(cursor.last_activity_at))
                            .add(case::Column::Id.lt(cursor.id.0)),
                    ),
            );
        }
        let counted = open_agreements.then(|| viewer.shared_plan_key()).flatten();
        if let Some(key) = counted {
            query = query.column_as(
                open_agreement_count_of(Expr::col((case::Entity, case::Column::Id)), key),
                OPEN_AGREEMENTS,
            );
        }
        let statement = self
            .with_access_columns(viewer, query)
            .order_by(case::Column::LastActivityAt, Order::Desc)
            .order_by(case::Column::Id, Order::Desc)
            .limit(first + 1)
            .build(self.backend());
        let mut rows = self.connection().query_all_raw(statement).await?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        let items = rows
            .into_iter()
            .map(|row| {
                // A caseload is a list: the BSN never reaches one (§5.7).
                let (access, case) = self.access_and_case(viewer, &row, true)?;
                let open_agreements = match counted {
                    Some(_) => {
                        let open: i64 = row.try_get("", OPEN_AGREEMENTS)?;
                        Some(self.note_open_agreement_count(&access, open)?)
                    }
                    None => None,
                };
                Ok(CaseloadEntry {
                    access,
                    case,
                    open_agreements,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            has_next_page,
        })
    }

    /// One case with the viewer's access to it, in one statement: the relation, the kind
    /// policy it carries and the case row come from the same row. `NotFound` for a case that
    /// does not exist and for one the viewer has no relation to alike (§5.1).
    pub async fn case_with_access(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
    ) -> Result<(CaseAccess, Case)> {
        let query = self
            .caseload_query(viewer, &CaseFilter::default())
            .ok_or(Error::NotFound("case"))?
            .filter(case::Column::Id.eq(case_id.0));
        let statement = self
            .with_access_columns(viewer, query)
            .build(self.backend());
        let row = self
            .connection()
            .query_one_raw(statement)
            .await?
            .ok_or(Error::NotFound("case"))?;
        self.access_and_case(viewer, &row, false)
    }

    /// Adds what [`Snapshot::access_and_case`] reads of a professional's access to a query of
    /// [`Snapshot::caseload_query`]: their team role and their organisation kind's policy.
    fn with_access_columns(
        &self,
        viewer: &Viewer,
        query: Select<case::Entity>,
    ) -> Select<case::Entity> {
        let ViewerKind::Professional {
            organisation_kind, ..
        } = &viewer.kind
        else {
            return query;
        };
        let mut query = query.column_as(team_member::Column::Role, VIEWER_ROLE);
        for (column, alias) in PolicyMask::columns(self.backend(), *organisation_kind) {
            query = query.column_as(column, alias);
        }
        query
    }

    fn access_and_case(
        &self,
        viewer: &Viewer,
        row: &sea_orm::QueryResult,
        listed: bool,
    ) -> Result<(CaseAccess, Case)> {
        let model = case::Model::from_query_result(row, "")?;
        let member = match viewer.kind {
            ViewerKind::Professional { .. } => {
                let role: String = row.try_get("", VIEWER_ROLE)?;
                Some((role, PolicyMask::from_row(row)?))
            }
            _ => None,
        };
        let mut access = viewer.access(
            CaseId(model.id),
            member
                .as_ref()
                .map(|(role, policy)| (role.as_str(), *policy)),
        )?;
        access.listed = listed;
        self.disclose_case(&access, &model);
        sliced_case(model, &access).map(|case| (access, case))
    }

    pub async fn count_caseload(&self, viewer: &Viewer, filter: &CaseFilter) -> Result<u64> {
        match self.caseload_query(viewer, filter) {
            Some(query) => Ok(query.count(self.connection()).await?),
            None => Ok(0),
        }
    }
}
