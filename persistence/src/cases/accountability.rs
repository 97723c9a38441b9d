//! Reading the access log back (DOMAIN.md §6): the resident their own entries, a privacy
//! officer those of the cases their organisation is on. Reading the log is itself logged.

use chrono::{DateTime, Utc};
use domain::accountability::{AccessLogEntry, LogAction, LoggedActor};
use domain::{
    CaseId, LifeDomain, MunicipalityId, OrganisationId, OrganisationRole, ProfessionalId,
    ResidentId,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};

use super::{Snapshot, Viewer, ViewerKind};
use crate::access_log::Accessor;
use crate::entity::{access_log, team_member};
use crate::{Error, Page, Result};

/// Where a page of the access log ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCursor {
    pub recorded_at: DateTime<Utc>,
    pub municipality_id: MunicipalityId,
    pub sequence: i64,
}

impl LogCursor {
    pub fn of(entry: &AccessLogEntry) -> Self {
        Self {
            recorded_at: entry.recorded_at,
            municipality_id: entry.municipality_id,
            sequence: entry.sequence,
        }
    }
}

/// What to narrow the access log to; every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub case_id: Option<CaseId>,
    pub trace_id: Option<String>,
    pub processing_activity_id: Option<String>,
    /// The resident the processing was about.
    pub data_subject_id: Option<ResidentId>,
}

impl Snapshot {
    /// The access log as `viewer` may read it, newest first, narrowed by `filter`.
    pub async fn access_log(
        &self,
        viewer: &Viewer,
        filter: &LogFilter,
        after: Option<LogCursor>,
        first: u64,
    ) -> Result<Page<AccessLogEntry>> {
        let (scope, accessor) = match &viewer.kind {
            ViewerKind::Resident { resident_id } => (
                Condition::all().add(access_log::Column::DataSubjectId.eq(resident_id.0)),
                Accessor {
                    kind: "resident",
                    id: None,
                    organisation_id: None,
                    role: Some("resident"),
                },
            ),
            ViewerKind::Professional {
                professional_id,
                organisation_id,
                roles,
                ..
            } if roles.contains(&OrganisationRole::PrivacyOfficer) => {
                let cases_of_organisation = Query::select()
                    .column(team_member::Column::CaseId)
                    .from(team_member::Entity)
                    .and_where(team_member::Column::OrganisationId.eq(organisation_id.0))
                    .and_where(team_member::Column::LeftAt.is_null())
                    .to_owned();
                // Their own organisation's entries only: which life domains another
                // organisation read is not theirs to know (§5.1).
                (
                    Condition::all()
                        .add(access_log::Column::CaseId.in_subquery(cases_of_organisation))
                        .add(access_log::Column::OrganisationId.eq(organisation_id.0)),
                    Accessor {
                        kind: "professional",
                        id: Some(professional_id.0.to_string()),
                        organisation_id: Some(organisation_id.0),
                        role: Some("privacy_officer"),
                    },
                )
            }
            _ => {
                return Err(Error::Forbidden(
                    "the access log is read by the resident and by privacy officers",
                ));
            }
        };
        let mut query = access_log::Entity::find().filter(scope);
        if let Some(case_id) = filter.case_id {
            query = query.filter(access_log::Column::CaseId.eq(case_id.0));
        }
        if let Some(trace_id) = &filter.trace_id {
            query = query.filter(access_log::Column::TraceId.eq(trace_id.as_str()));
        }
        if let Some(activity) = &filter.processing_activity_id {
            query = query.filter(access_log::Column::ProcessingActivityId.eq(activity.as_str()));
        }
        if let Some(resident_id) = filter.data_subject_id {
            query = query.filter(access_log::Column::DataSubjectId.eq(resident_id.0));
        }
        if let Some(cursor) = after {
            query = query.filter(
                Condition::any()
                    .add(access_log::Column::RecordedAt.lt(cursor.recorded_at))
                    .add(
                        Condition::all()
                            .add(access_log::Column::RecordedAt.eq(cursor.recorded_at))
                            .add(
                                Condition::any()
                                    .add(
                                        access_log::Column::MunicipalityId
                                            .lt(cursor.municipality_id.0),
                                    )
                                    .add(
                                        Condition::all()
                                            .add(
                                                access_log::Column::MunicipalityId
                                                    .eq(cursor.municipality_id.0),
                                            )
                                            .add(access_log::Column::Sequence.lt(cursor.sequence)),
                                    ),
                            ),
                    ),
            );
        }
        let mut rows = query
            .order_by(access_log::Column::RecordedAt, Order::Desc)
            .order_by(access_log::Column::MunicipalityId, Order::Desc)
            .order_by(access_log::Column::Sequence, Order::Desc)
            .limit(first + 1)
            .all(self.connection())
            .await?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        let items = rows.into_iter().map(to_entry).collect::<Result<Vec<_>>>()?;
        for entry in &items {
            self.ledger
                .disclose(entry.case_id, accessor.clone(), "access_log_entry", 1, None);
        }
        Ok(Page {
            items,
            has_next_page,
        })
    }
}

#[derive(serde::Deserialize)]
struct StoredData {
    #[serde(default)]
    kinds: std::collections::BTreeMap<String, u64>,
    #[serde(default)]
    life_domains: Vec<String>,
    #[serde(default)]
    changes: Vec<String>,
}

fn to_entry(row: access_log::Model) -> Result<AccessLogEntry> {
    let data: StoredData =
        serde_json::from_str(&row.data).map_err(|_| Error::Corrupt("access log data"))?;
    let organisation = row.organisation_id.map(OrganisationId);
    let actor = match (row.actor_kind.as_str(), organisation) {
        ("resident", _) => LoggedActor::Resident,
        ("professional", Some(organisation_id)) => LoggedActor::Professional {
            professional_id: row
                .actor_id
                .as_deref()
                .and_then(|id| uuid::Uuid::parse_str(id).ok())
                .map(ProfessionalId)
                .ok_or(Error::Corrupt("access log actor"))?,
            organisation_id,
        },
        ("service", Some(organisation_id)) => LoggedActor::Service { organisation_id },
        _ => return Err(Error::Corrupt("access log actor")),
    };
    Ok(AccessLogEntry {
        municipality_id: MunicipalityId(row.municipality_id),
        sequence: row.sequence,
        recorded_at: row.recorded_at,
        trace_id: row.trace_id,
        operation_id: row.operation_id,
        operation_name: row.operation_name,
        processing_activity_id: row.processing_activity_id,
        action: LogAction::parse(&row.action).ok_or(Error::Corrupt("access log action"))?,
        actor,
        role: row.role,
        case_id: CaseId(row.case_id),
        data_subject_id: ResidentId(row.data_subject_id),
        kinds: data.kinds.into_iter().collect(),
        life_domains: data
            .life_domains
            .iter()
            .map(|domain| LifeDomain::parse(domain).ok_or(Error::Corrupt("access log life domain")))
            .collect::<Result<_>>()?,
        changes: data.changes,
    })
}
