//! Evaluations: what the plan achieved, recorded in the shared plan, with when the next is
//! due.

use async_graphql::{Context, ID, InputObject, Object};
use domain::case::{
    EvaluationContent, MAX_TEXT, check_next_evaluation, parse_optional_text, parse_text,
};
use persistence::cases::NewEvaluation;

use super::{ItemObject, read_item};
use crate::error::ApiResult;
use crate::graphql::context::request;
use crate::graphql::ids::case_id;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::scalars::{Date, DateTime as Timestamp};

pub struct Evaluation(pub domain::case::Evaluation);

impl ItemObject for Evaluation {
    type Item = domain::case::Evaluation;
    const NAME: &'static str = "evaluation";

    fn new(item: Self::Item) -> Self {
        Self(item)
    }
}

#[Object]
impl Evaluation {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Evaluation, self.0.id.0)
    }

    async fn achieved(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .map(|content| content.achieved.as_str())
    }

    async fn perspective_reached(&self) -> bool {
        self.0.perspective_reached
    }

    async fn what_worked(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.what_worked.as_deref())
    }

    async fn still_needed(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.still_needed.as_deref())
    }

    async fn next_evaluation_on(&self) -> Option<Date> {
        self.0.next_evaluation_on.map(Date)
    }

    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }
}

#[derive(InputObject)]
pub struct EvaluationInput {
    pub achieved: String,
    pub perspective_reached: bool,
    pub what_worked: Option<String>,
    pub still_needed: Option<String>,
    pub next_evaluation_on: Option<Date>,
}

#[derive(Default)]
pub struct EvaluationMutation;

#[Object]
impl EvaluationMutation {
    async fn record_evaluation(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: EvaluationInput,
    ) -> ApiResult<Evaluation> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let next = input.next_evaluation_on.map(|date| date.0);
        check_next_evaluation(domain::calendar::today(), next)?;
        let new = NewEvaluation {
            content: EvaluationContent {
                achieved: parse_text("achieved", &input.achieved, MAX_TEXT)?,
                what_worked: parse_optional_text(
                    "whatWorked",
                    input.what_worked.as_deref(),
                    MAX_TEXT,
                )?,
                still_needed: parse_optional_text(
                    "stillNeeded",
                    input.still_needed.as_deref(),
                    MAX_TEXT,
                )?,
            },
            perspective_reached: input.perspective_reached,
            next_evaluation_on: next,
        };
        let id = request(ctx)?
            .write(async |writer, viewer| writer.add_evaluation(viewer, case_id, new).await)
            .await?;
        read_item(ctx, id).await
    }
}
