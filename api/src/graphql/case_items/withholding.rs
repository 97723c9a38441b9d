//! Withholding a fact or a problem from the resident, with the legal reason, and releasing it
//! again: a rule the two kinds share. The team still sees a withheld item, with the reason.

use async_graphql::{Context, ID, Object, Union};
use domain::case::{MAX_SHORT_TEXT, parse_text};
use domain::{FactId, ProblemId};

use super::{Fact, Problem, read_item};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::request;
use crate::graphql::ids::{self, NodeType};

/// A fact or a problem: what the recording organisation may withhold from the resident.
#[derive(Union)]
pub enum WithholdableItem {
    Fact(Fact),
    Problem(Problem),
}

#[derive(Default)]
pub struct WithholdingMutation;

#[Object]
impl WithholdingMutation {
    /// Withholds a fact or problem from the resident, with the legal reason for it (for
    /// example the article of law that allows it). Only the organisation that recorded the
    /// item may; the team still sees it, with the reason.
    async fn withhold_from_resident(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        version: i32,
        legal_reason: String,
    ) -> ApiResult<WithholdableItem> {
        let item = withholdable(&item_id)?;
        let legal_reason = parse_text("legalReason", &legal_reason, MAX_SHORT_TEXT)?;
        set_withheld(ctx, item, version, Some(legal_reason)).await
    }

    /// Shows a withheld fact or problem to the resident again.
    async fn release_to_resident(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        version: i32,
    ) -> ApiResult<WithholdableItem> {
        let item = withholdable(&item_id)?;
        set_withheld(ctx, item, version, None).await
    }
}

fn withholdable(id: &ID) -> ApiResult<persistence::cases::WithholdableItem> {
    match ids::decode_any(id, "itemId")? {
        (NodeType::Fact, id) => Ok(persistence::cases::WithholdableItem::Fact(FactId(id))),
        (NodeType::Problem, id) => Ok(persistence::cases::WithholdableItem::Problem(ProblemId(id))),
        _ => Err(ApiError::bad_input(
            "itemId",
            "only facts and problems can be withheld from the resident",
        )),
    }
}

async fn set_withheld(
    ctx: &Context<'_>,
    item: persistence::cases::WithholdableItem,
    version: i32,
    legal_reason: Option<String>,
) -> ApiResult<WithholdableItem> {
    request(ctx)?
        .write(async |writer, viewer| {
            writer
                .set_withheld_from_resident(viewer, item, version, legal_reason)
                .await
        })
        .await?;
    match item {
        persistence::cases::WithholdableItem::Fact(id) => {
            read_item(ctx, id).await.map(WithholdableItem::Fact)
        }
        persistence::cases::WithholdableItem::Problem(id) => {
            read_item(ctx, id).await.map(WithholdableItem::Problem)
        }
    }
}
