//! The access log in GraphQL (DOMAIN.md §6): the resident reads their own, a privacy officer
//! that of the cases their organisation is on. Entries name organisations, roles and kinds of
//! data; a professional's name only to their own organisation's privacy officer.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::accountability::{AccessLogEntry, LoggedActor};
use domain::identity::Actor;
use domain::{CaseId, MunicipalityId, ResidentId};
use persistence::cases::{LogCursor, LogFilter};

use super::context::request;
use super::cursor;
use super::enums::{CaseEventKind, LifeDomain, LogAction};
use super::ids::{self, NodeType};
use super::paging::page_size;
use super::reads::reads;
use super::scalars::DateTime as Timestamp;
use super::types::{Organisation, Professional};
use crate::error::{ApiError, ApiResult};

#[derive(Default)]
pub struct AccountabilityQuery;

#[Object]
impl AccountabilityQuery {
    /// Who processed a resident's data, when and why, newest first. A resident reads the
    /// entries about them; a privacy officer those of the cases their organisation is on.
    /// `caseId` narrows to one case, `traceId` to one request (as its `traceparent` named it),
    /// `processingActivityId` to one activity of the register, `dataSubjectId` to one
    /// resident (their pseudonymous id, as entries show it).
    #[allow(clippy::too_many_arguments)]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        case_id: Option<ID>,
        trace_id: Option<String>,
        processing_activity_id: Option<String>,
        data_subject_id: Option<String>,
    ) -> ApiResult<Connection<String, AccessLogEntryNode, EmptyFields>> {
        let request = request(ctx)?;
        let first = page_size(first, request.page_size)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let filter = LogFilter {
            case_id: ids::decode_optional(case_id.as_ref(), NodeType::Case, "caseId")?.map(CaseId),
            trace_id,
            processing_activity_id,
            data_subject_id: data_subject_id
                .map(|id| {
                    uuid::Uuid::parse_str(&id)
                        .map(ResidentId)
                        .map_err(|_| ApiError::bad_input("dataSubjectId", "not a data subject id"))
                })
                .transpose()?,
        };
        let reads = reads(ctx).await?;
        let page = reads
            .snapshot
            .access_log(&reads.viewer, &filter, after, first)
            .await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection.edges.extend(page.items.into_iter().map(|entry| {
            Edge::new(
                encode_cursor(&LogCursor::of(&entry)),
                AccessLogEntryNode(entry),
            )
        }));
        Ok(connection)
    }
}

fn encode_cursor(position: &LogCursor) -> String {
    cursor::encode(&(
        position.recorded_at,
        position.municipality_id.0,
        position.sequence,
    ))
}

fn decode_cursor(text: &str) -> ApiResult<LogCursor> {
    let (recorded_at, municipality_id, sequence) =
        cursor::decode::<(DateTime<Utc>, uuid::Uuid, i64)>(text)?;
    Ok(LogCursor {
        recorded_at,
        municipality_id: MunicipalityId(municipality_id),
        sequence,
    })
}

/// How many items of one kind an entry covers.
#[derive(SimpleObject)]
pub struct DataKindCount {
    /// `case`, `resident`, `bsn`, `fact`, `problem`, `agreement`, `team_member`, …
    kind: String,
    count: i64,
}

/// One operation's processing of one case's data.
pub struct AccessLogEntryNode(AccessLogEntry);

#[Object(name = "AccessLogEntry")]
impl AccessLogEntryNode {
    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }

    async fn action(&self) -> LogAction {
        self.0.action.into()
    }

    async fn case_id(&self) -> ID {
        ids::encode(NodeType::Case, self.0.case_id.0)
    }

    /// The organisation that acted; `null` when the resident did.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.actor.organisation_id() {
            Some(id) => Ok(request(ctx)?.organisation(id).await?.map(Organisation)),
            None => Ok(None),
        }
    }

    /// Whether the resident themself acted.
    async fn by_resident(&self) -> bool {
        self.0.actor == LoggedActor::Resident
    }

    /// The actor's role on the case: a team role, `resident`, `privacy_officer`,
    /// `invited_organisation` or `service`.
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }

    /// The professional who acted, for a privacy officer of their own organisation only.
    async fn professional(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        let LoggedActor::Professional {
            professional_id,
            organisation_id,
        } = self.0.actor
        else {
            return Ok(None);
        };
        let request = request(ctx)?;
        let Actor::Professional(viewer) = &request.actor else {
            return Ok(None);
        };
        if viewer.organisation_id != organisation_id {
            return Ok(None);
        }
        Ok(reads(ctx)
            .await?
            .loader
            .load_one(professional_id)
            .await?
            .map(Professional))
    }

    async fn data_kinds(&self) -> Vec<DataKindCount> {
        self.0
            .kinds
            .iter()
            .map(|(kind, count)| DataKindCount {
                kind: kind.clone(),
                count: i64::try_from(*count).unwrap_or(i64::MAX),
            })
            .collect()
    }

    async fn life_domains(&self) -> Vec<LifeDomain> {
        self.0
            .life_domains
            .iter()
            .map(|domain| (*domain).into())
            .collect()
    }

    /// For writes: what changed, as the timeline names it.
    async fn changes(&self) -> ApiResult<Vec<CaseEventKind>> {
        self.0
            .changes
            .iter()
            .map(|name| {
                domain::case::EventKind::parse(name)
                    .map(CaseEventKind::from)
                    .ok_or_else(|| ApiError::internal(UnknownEventKind))
            })
            .collect()
    }

    /// Why: the processing activity in the organisation's register.
    async fn processing_activity_id(&self) -> &str {
        &self.0.processing_activity_id
    }

    /// Whose data it was: the resident's pseudonymous id, as the Logboek Dataverwerkingen
    /// names the data subject. Never the BSN.
    async fn data_subject_id(&self) -> String {
        self.0.data_subject_id.0.to_string()
    }

    async fn trace_id(&self) -> &str {
        &self.0.trace_id
    }

    async fn operation_id(&self) -> &str {
        &self.0.operation_id
    }

    async fn operation_name(&self) -> Option<&str> {
        self.0.operation_name.as_deref()
    }
}

/// A stored change that names no event kind: the entry was not written by this server.
#[derive(Debug, thiserror::Error)]
#[error("an access-log entry names an unknown event kind")]
struct UnknownEventKind;
