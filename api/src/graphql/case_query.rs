//! Queries on cases: the caseload, one case, the worklist, invitations, and `node(id:)` for
//! case objects.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::{
    AgreementId, CaseId, ConsentId, EvaluationId, FactId, FirstStepId, InvitationId,
    MunicipalityId, PerspectiveId, ProblemId, TeamMemberId,
};
use persistence::cases::{CaseCursor, CaseFilter};
use uuid::Uuid;

use super::access::null_with_error;
use super::case_items::{Agreement, Evaluation, Fact, FirstStep, Perspective, Problem, Worklist};
use super::cases::{Case, Consent, Invitation, TeamMember};
use super::context::request;
use super::cursor;
use super::enums::{CaseStatus, CaseStep};
use super::ids::{self, NodeType};
use super::loader::OpenAgreementCountOf;
use super::node::Node;
use super::paging::page_size;
use super::reads::{connection_nodes, prime, reads};
use crate::error::{ApiError, ApiResult};

#[derive(Default)]
pub struct CaseQuery;

/// Extra fields on the caseload connection.
pub struct CaseConnectionFields {
    filter: CaseFilter,
}

#[Object]
impl CaseConnectionFields {
    /// How many cases match the filter, over all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let reads = reads(ctx).await?;
        let count = reads
            .snapshot
            .count_caseload(&reads.viewer, &self.filter)
            .await?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

fn encode_cursor(case: &domain::case::Case) -> String {
    cursor::encode(&(case.last_activity_at, case.id.0))
}

fn decode_cursor(text: &str) -> ApiResult<CaseCursor> {
    let (last_activity_at, id) = cursor::decode::<(DateTime<Utc>, Uuid)>(text)?;
    Ok(CaseCursor {
        last_activity_at,
        id: CaseId(id),
    })
}

#[Object]
impl CaseQuery {
    /// The viewer's caseload: the cases they are on (for a resident, their own), most
    /// recently active first.
    #[allow(clippy::too_many_arguments)]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<CaseStatus>,
        step: Option<CaseStep>,
        municipality_id: Option<ID>,
        has_overdue_agreements: Option<bool>,
    ) -> ApiResult<Connection<String, Case, CaseConnectionFields>> {
        let request = request(ctx)?;
        let first = page_size(first, request.page_size)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let municipality = ids::decode_optional(
            municipality_id.as_ref(),
            NodeType::Municipality,
            "municipalityId",
        )?
        .map(MunicipalityId);
        let filter = CaseFilter {
            status: status.map(Into::into),
            step: step.map(Into::into),
            municipality,
            has_overdue_agreements,
            today: Some(domain::calendar::today()),
        };
        let reads = reads(ctx).await?;
        let nodes = connection_nodes(ctx.look_ahead());
        let page = reads
            .snapshot
            .caseload(
                &reads.viewer,
                &filter,
                after,
                first,
                nodes.field("openAgreementCount").exists(),
            )
            .await?;
        let accesses: Vec<_> = page
            .items
            .iter()
            .map(|entry| entry.access.clone())
            .collect();
        // Counts read with the page are handed to the loader, so priming finds them there.
        reads
            .loader
            .feed_many(page.items.iter().filter_map(|entry| {
                entry
                    .open_agreements
                    .map(|open| (OpenAgreementCountOf(entry.access.clone()), open))
            }))
            .await;
        prime(request, &reads, &accesses, nodes).await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            CaseConnectionFields { filter },
        );
        connection.edges.extend(page.items.into_iter().map(|entry| {
            Edge::new(
                encode_cursor(&entry.case),
                Case {
                    access: entry.access,
                    case: entry.case,
                },
            )
        }));
        Ok(connection)
    }

    /// One case; `NOT_FOUND` when it does not exist or the viewer is not on it.
    async fn case(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Case>> {
        let case_id = CaseId(ids::decode(&id, NodeType::Case, "id")?);
        match load_case_ahead(ctx, case_id).await {
            Ok(case) => Ok(Some(case)),
            Err(ApiError::NotFound(what)) => Ok(null_with_error(ctx, ApiError::NotFound(what))),
            Err(error) => Err(error),
        }
    }

    /// The viewer's overdue agreements, and the evaluations due on cases they lead.
    async fn worklist(&self, ctx: &Context<'_>) -> ApiResult<Worklist> {
        let reads = reads(ctx).await?;
        let (agreements, evaluations) = reads
            .snapshot
            .worklist(&reads.viewer, domain::calendar::today())
            .await?;
        Ok(Worklist {
            overdue_agreements: agreements.into_iter().map(Agreement).collect(),
            evaluations_due: evaluations.into_iter().map(Evaluation).collect(),
        })
    }

    /// Pending invitations to the viewer's organisation, or to the viewer by name.
    async fn my_invitations(&self, ctx: &Context<'_>) -> ApiResult<Vec<Invitation>> {
        let reads = reads(ctx).await?;
        Ok(reads
            .snapshot
            .invitations_for_viewer(&reads.viewer)
            .await?
            .into_iter()
            .map(Invitation)
            .collect())
    }
}

pub(crate) async fn load_case(ctx: &Context<'_>, case_id: CaseId) -> ApiResult<Case> {
    let reads = reads(ctx).await?;
    let (access, case) = reads
        .snapshot
        .case_with_access(&reads.viewer, case_id)
        .await?;
    Ok(Case { access, case })
}

/// [`load_case`], with every part the query asks of the case read ahead: its lists of items
/// in one statement.
async fn load_case_ahead(ctx: &Context<'_>, case_id: CaseId) -> ApiResult<Case> {
    let case = load_case(ctx, case_id).await?;
    let reads = reads(ctx).await?;
    prime(
        request(ctx)?,
        &reads,
        std::slice::from_ref(&case.access),
        ctx.look_ahead(),
    )
    .await?;
    Ok(case)
}

/// `node(id:)` for case objects: `None` for what does not exist or lies outside the slice.
pub(crate) async fn case_node(
    ctx: &Context<'_>,
    node_type: NodeType,
    id: Uuid,
) -> ApiResult<Option<Node>> {
    let reads = reads(ctx).await?;
    let snapshot = &reads.snapshot;
    let viewer = &reads.viewer;
    Ok(match node_type {
        NodeType::Case => match load_case_ahead(ctx, CaseId(id)).await {
            Ok(case) => Some(Node::Case(case)),
            Err(ApiError::NotFound(_)) => None,
            Err(error) => return Err(error),
        },
        NodeType::TeamMember => snapshot
            .team_member(viewer, TeamMemberId(id))
            .await?
            .map(|member| Node::TeamMember(TeamMember(member))),
        NodeType::Invitation => snapshot
            .invitation(viewer, InvitationId(id))
            .await?
            .map(|invitation| Node::Invitation(Invitation(invitation))),
        NodeType::Consent => snapshot
            .consent(viewer, ConsentId(id))
            .await?
            .map(|consent| Node::Consent(Consent(consent))),
        NodeType::Perspective => snapshot
            .item::<domain::case::Perspective>(viewer, PerspectiveId(id))
            .await?
            .map(|item| Node::Perspective(Perspective(item))),
        NodeType::Fact => snapshot
            .item::<domain::case::Fact>(viewer, FactId(id))
            .await?
            .map(|item| Node::Fact(Fact(item))),
        NodeType::Problem => snapshot
            .item::<domain::case::Problem>(viewer, ProblemId(id))
            .await?
            .map(|item| Node::Problem(Problem(item))),
        NodeType::FirstStep => snapshot
            .item::<domain::case::FirstStep>(viewer, FirstStepId(id))
            .await?
            .map(|item| Node::FirstStep(FirstStep(item))),
        NodeType::Agreement => snapshot
            .item::<domain::case::Agreement>(viewer, AgreementId(id))
            .await?
            .map(|item| Node::Agreement(Agreement(item))),
        NodeType::Evaluation => snapshot
            .item::<domain::case::Evaluation>(viewer, EvaluationId(id))
            .await?
            .map(|item| Node::Evaluation(Evaluation(item))),
        NodeType::Decision => snapshot
            .item::<domain::mandate::Decision>(viewer, domain::DecisionId(id))
            .await?
            .map(|item| Node::Decision(super::mandates::Decision(item))),
        NodeType::RuleException => snapshot
            .item::<domain::exception::RuleException>(viewer, domain::RuleExceptionId(id))
            .await?
            .map(|item| Node::RuleException(super::exceptions::RuleException(item))),
        _ => None,
    })
}
