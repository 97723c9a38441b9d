//! First steps: what the resident will try first, in the shared plan; only a few may be open
//! at once.

use async_graphql::{Context, ID, InputObject, Object};
use domain::FirstStepId;
use domain::case::{FirstStepContent, MAX_TEXT, parse_optional_text, parse_text};
use persistence::cases::NewFirstStep;

use super::{ItemObject, read_item};
use crate::error::ApiResult;
use crate::graphql::context::request;
use crate::graphql::enums::FirstStepStatus;
use crate::graphql::ids::case_id;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::scalars::DateTime as Timestamp;

pub struct FirstStep(pub domain::case::FirstStep);

impl ItemObject for FirstStep {
    type Item = domain::case::FirstStep;
    const NAME: &'static str = "first step";

    fn new(item: Self::Item) -> Self {
        Self(item)
    }
}

#[Object]
impl FirstStep {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::FirstStep, self.0.id.0)
    }

    async fn text(&self) -> Option<&str> {
        self.0.content.as_ref().map(|content| content.text.as_str())
    }

    /// Willen: does the resident want this?
    async fn motivation(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.motivation.as_deref())
    }

    /// Kunnen: can they?
    async fn capability(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.capability.as_deref())
    }

    /// Doen: does the situation let them?
    async fn opportunity(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.opportunity.as_deref())
    }

    async fn status(&self) -> FirstStepStatus {
        self.0.status.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(InputObject)]
pub struct FirstStepInput {
    pub text: String,
    pub motivation: Option<String>,
    pub capability: Option<String>,
    pub opportunity: Option<String>,
}

#[derive(Default)]
pub struct FirstStepMutation;

#[Object]
impl FirstStepMutation {
    /// Adds a first step; at most a few may be open at once.
    async fn add_first_step(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: FirstStepInput,
    ) -> ApiResult<FirstStep> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let request = request(ctx)?;
        let new = NewFirstStep {
            content: FirstStepContent {
                text: parse_text("text", &input.text, MAX_TEXT)?,
                motivation: parse_optional_text(
                    "motivation",
                    input.motivation.as_deref(),
                    MAX_TEXT,
                )?,
                capability: parse_optional_text(
                    "capability",
                    input.capability.as_deref(),
                    MAX_TEXT,
                )?,
                opportunity: parse_optional_text(
                    "opportunity",
                    input.opportunity.as_deref(),
                    MAX_TEXT,
                )?,
            },
            open_limit: request.open_first_step_limit,
        };
        let id = request
            .write(async |writer, viewer| writer.add_first_step(viewer, case_id, new).await)
            .await?;
        read_item(ctx, id).await
    }

    async fn set_first_step_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: FirstStepStatus,
        version: i32,
    ) -> ApiResult<FirstStep> {
        let id = FirstStepId(ids::decode(&id, NodeType::FirstStep, "id")?);
        request(ctx)?
            .write(async |writer, viewer| {
                writer
                    .set_first_step_status(viewer, id, status.into(), version)
                    .await
            })
            .await?;
        read_item(ctx, id).await
    }
}
