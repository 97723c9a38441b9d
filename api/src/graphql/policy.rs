//! Where the method learns across cases (DOMAIN.md §3): signals to policy and shared solutions.
//! Neither carries a case or a resident: a signal is read by the policy analysts of its
//! municipality, a solution by professionals of every municipality.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::authz::{Action, Permit};
use domain::case::{MAX_SHORT_TEXT, MAX_TEXT, parse_optional_text, parse_text};
use domain::identity::{Actor, ProfessionalActor};
use domain::solution::{SolutionDraft, SolutionSearch};
use domain::{MunicipalityId, OrganisationId, ProblemId, RuleExceptionId, SignalId, SolutionId};
use persistence::cases::NewSignal;
use persistence::solutions::SolutionCursor;
use sha2::{Digest, Sha256};

use super::case_query::load_case;
use super::context::request;
use super::cursor;
use super::enums::{SignalCategory, SignalStatus};
use super::ids::{self, NodeType};
use super::paging::page_size;
use super::reads::reads;
use super::scalars::{Date, DateTime as Timestamp};
use super::types::{Municipality, Organisation};
use crate::error::{ApiError, ApiResult};

/// A system problem reported to policy. Its readers learn the category, the rule or
/// organisation involved, the description and the municipality; never the case.
pub struct Signal(domain::signal::Signal);

#[Object]
impl Signal {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Signal, self.0.id.0)
    }

    async fn category(&self) -> SignalCategory {
        self.0.category.into()
    }

    /// The organisation whose rule or way of working causes it.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.organisation_id {
            Some(id) => Ok(request(ctx)?.organisation(id).await?.map(Organisation)),
            None => Ok(None),
        }
    }

    async fn rule(&self) -> Option<&str> {
        self.0.rule.as_deref()
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn municipality(&self, ctx: &Context<'_>) -> ApiResult<Option<Municipality>> {
        municipality(ctx, self.0.municipality_id).await
    }

    /// The organisation that raised it; the professional stays with their organisation.
    async fn raised_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        Ok(request(ctx)?
            .organisation(self.0.raised_by_organisation_id)
            .await?
            .map(Organisation))
    }

    async fn raised_at(&self) -> Timestamp {
        Timestamp(self.0.raised_at)
    }

    async fn status(&self) -> SignalStatus {
        self.0.status.into()
    }

    /// Policy's answer.
    async fn answer(&self) -> Option<&str> {
        self.0.answer.as_deref()
    }

    async fn answered_at(&self) -> Option<Timestamp> {
        self.0.answered_at.map(Timestamp)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Signals of one category about one organisation in one month. `count` is `null` when the
/// cell counts fewer than five signals.
pub struct SignalCount(domain::signal::SignalCell);

#[Object]
impl SignalCount {
    async fn category(&self) -> SignalCategory {
        self.0.category.into()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.organisation_id {
            Some(id) => Ok(request(ctx)?.organisation(id).await?.map(Organisation)),
            None => Ok(None),
        }
    }

    /// The first day of the month.
    async fn month(&self) -> Date {
        Date(self.0.month)
    }

    async fn suppressed(&self) -> bool {
        self.0.count.is_none()
    }

    async fn count(&self) -> Option<i64> {
        self.0.count
    }
}

/// What a solution publishes: the same as previewed and as found.
pub struct SolutionContent(SolutionDraft);

impl SolutionContent {
    /// What the author confirms: a digest of exactly what will be published.
    fn confirmation(&self) -> String {
        let draft = &self.0;
        let fields = serde_json::json!([
            draft.municipality_id.0,
            draft.problem_pattern,
            draft.rule,
            draft.custom_solution,
            draft.ordinary_cost_cents,
            draft.custom_cost_cents,
            draft.value_summary,
            draft.tags,
        ]);
        URL_SAFE_NO_PAD.encode(Sha256::digest(fields.to_string().as_bytes()))
    }
}

#[Object]
impl SolutionContent {
    /// The kind of situation it solves.
    async fn problem_pattern(&self) -> &str {
        &self.0.problem_pattern
    }

    /// The rule deviated from.
    async fn rule(&self) -> &str {
        &self.0.rule
    }

    async fn custom_solution(&self) -> &str {
        &self.0.custom_solution
    }

    async fn ordinary_cost_cents(&self) -> i64 {
        self.0.ordinary_cost_cents
    }

    async fn custom_cost_cents(&self) -> i64 {
        self.0.custom_cost_cents
    }

    async fn saving_cents(&self) -> i64 {
        self.0.saving_cents()
    }

    /// The value triangle in a few sentences.
    async fn value_summary(&self) -> &str {
        &self.0.value_summary
    }

    async fn tags(&self) -> &[String] {
        &self.0.tags
    }

    async fn municipality(&self, ctx: &Context<'_>) -> ApiResult<Option<Municipality>> {
        municipality(ctx, self.0.municipality_id).await
    }
}

/// A custom solution that worked, published for every municipality.
pub struct Solution {
    id: SolutionId,
    published_at: DateTime<Utc>,
    published_by: OrganisationId,
    content: SolutionContent,
}

#[Object]
impl Solution {
    async fn id(&self) -> ID {
        ids::encode(NodeType::Solution, self.id.0)
    }

    async fn published_at(&self) -> Timestamp {
        Timestamp(self.published_at)
    }

    /// The organisation that published it.
    async fn published_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        Ok(request(ctx)?
            .organisation(self.published_by)
            .await?
            .map(Organisation))
    }

    async fn content(&self) -> &SolutionContent {
        &self.content
    }
}

impl From<domain::solution::Solution> for Solution {
    fn from(solution: domain::solution::Solution) -> Self {
        Self {
            id: solution.id,
            published_at: solution.published_at,
            published_by: solution.published_by_organisation_id,
            content: SolutionContent(solution.content),
        }
    }
}

/// Exactly what `publishSolution` will publish. Publishing needs `confirmation`, so only what
/// the author has seen is published.
pub struct SolutionPreview(SolutionContent);

#[Object]
impl SolutionPreview {
    async fn content(&self) -> &SolutionContent {
        &self.0
    }

    /// Pass this to `publishSolution` to publish exactly this content.
    async fn confirmation(&self) -> String {
        self.0.confirmation()
    }
}

async fn municipality(ctx: &Context<'_>, id: MunicipalityId) -> ApiResult<Option<Municipality>> {
    Ok(request(ctx)?.municipality(id).await?.map(Municipality))
}

/// The professional behind the request, if the action policy allows them `action`, with the
/// permit and the municipalities their organisation serves.
async fn professional_for<'a>(
    ctx: &Context<'a>,
    action: Action,
) -> ApiResult<(&'a ProfessionalActor, Permit, Vec<MunicipalityId>)> {
    let request = request(ctx)?;
    let permit = request.authorize_unrelated(action)?;
    let Actor::Professional(professional) = &request.actor else {
        return Err(ApiError::forbidden(action.refusal()));
    };
    let organisation = request
        .organisation(professional.organisation_id)
        .await?
        .ok_or(ApiError::NotFound("organisation"))?;
    Ok((
        professional,
        permit,
        organisation.municipalities.into_iter().collect(),
    ))
}

#[derive(Default)]
pub struct PolicyQuery;

#[Object]
impl PolicyQuery {
    /// Signals raised in the municipalities the analyst's organisation serves, newest first.
    async fn signals(
        &self,
        ctx: &Context<'_>,
        status: Option<SignalStatus>,
        first: Option<i32>,
    ) -> ApiResult<Vec<Signal>> {
        let first = page_size(first, request(ctx)?.page_size)?;
        let (_, permit, municipalities) = professional_for(ctx, Action::Signals).await?;
        Ok(request(ctx)?
            .store(&permit)
            .signals_in(&permit, &municipalities, status.map(Into::into), first)
            .await?
            .into_iter()
            .map(Signal)
            .collect())
    }

    /// Signals counted by category, organisation involved and month; a cell of fewer than five
    /// signals is suppressed.
    async fn signal_counts(&self, ctx: &Context<'_>) -> ApiResult<Vec<SignalCount>> {
        let (_, permit, municipalities) = professional_for(ctx, Action::SignalCounts).await?;
        Ok(request(ctx)?
            .store(&permit)
            .signal_counts(&permit, &municipalities)
            .await?
            .into_iter()
            .map(SignalCount)
            .collect())
    }

    /// The signals the viewer raised, with where policy stands and its answer.
    async fn my_signals(&self, ctx: &Context<'_>) -> ApiResult<Vec<Signal>> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::MySignals)?;
        let Actor::Professional(professional) = &request.actor else {
            return Err(ApiError::forbidden(Action::MySignals.refusal()));
        };
        Ok(request
            .store(&permit)
            .signals_raised_by(professional.professional_id)
            .await?
            .into_iter()
            .map(Signal)
            .collect())
    }

    /// Published solutions of every municipality, newest first: those whose texts contain
    /// every word of `query` and that carry every tag of `tags`.
    async fn solutions(
        &self,
        ctx: &Context<'_>,
        query: Option<String>,
        #[graphql(default)] tags: Vec<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Solution, EmptyFields>> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::Solutions)?;
        let first = page_size(first, request.page_size)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let search = SolutionSearch::parse(query.as_deref(), &tags)?;
        let page = request
            .store(&permit)
            .search_solutions(&search.words, &search.tags, after, first)
            .await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection
            .edges
            .extend(page.items.into_iter().map(|solution| {
                let cursor = encode_cursor(&SolutionCursor {
                    published_at: solution.published_at,
                    id: solution.id,
                });
                Edge::new(cursor, Solution::from(solution))
            }));
        Ok(connection)
    }

    /// Exactly what publishing an approved exception as a solution would publish, for the
    /// author to check that nothing identifies the resident.
    async fn solution_preview(
        &self,
        ctx: &Context<'_>,
        exception_id: ID,
        input: SolutionInput,
    ) -> ApiResult<SolutionPreview> {
        Ok(SolutionPreview(SolutionContent(
            draft(ctx, &exception_id, input).await?.1,
        )))
    }
}

#[derive(InputObject)]
pub struct SignalInput {
    pub category: SignalCategory,
    /// The organisation whose rule or way of working causes the problem.
    pub organisation_id: Option<ID>,
    /// The rule involved, in a few words.
    pub rule: Option<String>,
    /// The problem in general terms: no names or details of the resident.
    pub description: String,
}

#[derive(InputObject)]
pub struct SolutionInput {
    /// The kind of situation it solves, in general terms.
    pub problem_pattern: String,
    /// The value triangle in a few sentences.
    pub value_summary: String,
    pub tags: Vec<String>,
    /// The rule deviated from; the exception's own wording when left out.
    pub rule: Option<String>,
    /// The custom solution; the exception's own wording when left out.
    pub custom_solution: Option<String>,
}

/// The exception a solution comes from, and the solution as it would be published.
async fn draft(
    ctx: &Context<'_>,
    exception_id: &ID,
    input: SolutionInput,
) -> ApiResult<(RuleExceptionId, SolutionDraft)> {
    let exception_id = RuleExceptionId(ids::decode(
        exception_id,
        NodeType::RuleException,
        "exceptionId",
    )?);
    let reads = reads(ctx).await?;
    let exception = reads
        .snapshot
        .item::<domain::exception::RuleException>(&reads.viewer, exception_id)
        .await?
        .ok_or(ApiError::NotFound("exception"))?;
    let content = exception
        .content
        .as_ref()
        .ok_or_else(|| ApiError::forbidden("a process facilitator does not publish content"))?;
    let case = load_case(ctx, exception.case_id).await?;
    let draft = SolutionDraft::parse(
        case.case.municipality_id,
        &input.problem_pattern,
        input.rule.as_deref().unwrap_or(&content.rule),
        input
            .custom_solution
            .as_deref()
            .unwrap_or(&content.custom_solution),
        content.ordinary_cost_cents,
        content.custom_cost_cents,
        &input.value_summary,
        &input.tags,
    )?;
    Ok((exception_id, draft))
}

fn encode_cursor(position: &SolutionCursor) -> String {
    cursor::encode(&(position.published_at, position.id.0))
}

fn decode_cursor(text: &str) -> ApiResult<SolutionCursor> {
    let (published_at, id) = cursor::decode::<(DateTime<Utc>, uuid::Uuid)>(text)?;
    Ok(SolutionCursor {
        published_at,
        id: SolutionId(id),
    })
}

#[derive(Default)]
pub struct PolicyMutation;

#[Object]
impl PolicyMutation {
    /// Raises a system problem of a case as a signal to the policy analysts of the case's
    /// municipality. The signal does not refer to the case or the resident.
    async fn raise_signal(
        &self,
        ctx: &Context<'_>,
        problem_id: ID,
        input: SignalInput,
    ) -> ApiResult<Signal> {
        let problem_id = ProblemId(ids::decode(&problem_id, NodeType::Problem, "problemId")?);
        let new = NewSignal {
            category: input.category.into(),
            organisation_id: ids::decode_optional(
                input.organisation_id.as_ref(),
                NodeType::Organisation,
                "organisationId",
            )?
            .map(OrganisationId),
            rule: parse_optional_text("rule", input.rule.as_deref(), MAX_SHORT_TEXT)?,
            description: parse_text("description", &input.description, MAX_TEXT)?,
        };
        let request = request(ctx)?;
        let id = request
            .write(async |writer, viewer| writer.raise_signal(viewer, problem_id, new).await)
            .await?;
        // The raiser reads it back as one of their signals.
        let permit = request.authorize_unrelated(Action::MySignals)?;
        request
            .store(&permit)
            .signal(id)
            .await?
            .map(Signal)
            .ok_or(ApiError::NotFound("signal"))
    }

    /// Sets where policy stands with a signal, and answers it. For the policy analysts of its
    /// municipality.
    async fn answer_signal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: SignalStatus,
        answer: Option<String>,
    ) -> ApiResult<Signal> {
        let id = SignalId(ids::decode(&id, NodeType::Signal, "id")?);
        let answer = parse_optional_text("answer", answer.as_deref(), MAX_TEXT)?;
        let (analyst, permit, municipalities) = professional_for(ctx, Action::AnswerSignal).await?;
        let store = request(ctx)?.store(&permit);
        let signal = store
            .signal(id)
            .await?
            .filter(|signal| municipalities.contains(&signal.municipality_id))
            .ok_or(ApiError::NotFound("signal"))?;
        Ok(Signal(
            store
                .answer_signal(
                    &permit,
                    signal.id,
                    version,
                    status.into(),
                    answer,
                    analyst.professional_id,
                )
                .await?,
        ))
    }

    /// Publishes an approved exception as a solution for every municipality: exactly the
    /// content `solutionPreview` showed for the same input, confirmed with its `confirmation`.
    async fn publish_solution(
        &self,
        ctx: &Context<'_>,
        exception_id: ID,
        input: SolutionInput,
        confirmation: String,
    ) -> ApiResult<Solution> {
        let (exception_id, draft) = draft(ctx, &exception_id, input).await?;
        let content = SolutionContent(draft);
        if content.confirmation() != confirmation {
            return Err(ApiError::bad_input(
                "confirmation",
                "not the content previewed; preview it again and confirm what you see",
            ));
        }
        let request = request(ctx)?;
        let id = request
            .write(async |writer, viewer| {
                writer
                    .publish_solution(viewer, exception_id, content.0)
                    .await
            })
            .await?;
        let permit = request.authorize_unrelated(Action::Solutions)?;
        request
            .store(&permit)
            .solution(id)
            .await?
            .map(Solution::from)
            .ok_or(ApiError::NotFound("solution"))
    }
}
