//! The resident's perspective: versions, each recorded anew, never changed.

use async_graphql::{Context, ID, Object};
use domain::case::{MAX_TEXT, parse_text};

use super::{ItemObject, read_item};
use crate::error::ApiResult;
use crate::graphql::context::request;
use crate::graphql::ids::case_id;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::scalars::DateTime as Timestamp;

/// One version of the resident's perspective.
pub struct Perspective(pub domain::case::Perspective);

impl ItemObject for Perspective {
    type Item = domain::case::Perspective;
    const NAME: &'static str = "perspective";

    fn new(item: Self::Item) -> Self {
        Self(item)
    }
}

#[Object]
impl Perspective {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Perspective, self.0.id.0)
    }

    /// In the resident's own words; `null` for a process facilitator.
    async fn text(&self) -> Option<&str> {
        self.0.content.as_deref()
    }

    async fn written_by_resident(&self) -> bool {
        self.0.written_by_resident
    }

    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }
}

#[derive(Default)]
pub struct PerspectiveMutation;

#[Object]
impl PerspectiveMutation {
    /// Records a new version of the perspective, in the resident's words. Written with a
    /// resident token, it is marked as written by the resident.
    async fn record_perspective(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        text: String,
    ) -> ApiResult<Perspective> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let text = parse_text("text", &text, MAX_TEXT)?;
        let id = request(ctx)?
            .write(async |writer, viewer| writer.record_perspective(viewer, case_id, text).await)
            .await?;
        read_item(ctx, id).await
    }
}
