//! The items a case team records step by step: the resident's perspective, the facts of the
//! situation sketch, the problems of the analysis, first steps, agreements and evaluations; and
//! the viewer's worklist of agreements and evaluations.
//!
//! One file a kind, with the kind's object, its input and its mutations; withholding from the
//! resident, which facts and problems share, has its own. What the kinds share is here:
//! [`ItemObject`] ties a kind's object to its domain value, which the generic item layer
//! ([`CaseItem`]) reads through the slice, and [`read_item`] reads what a mutation wrote back
//! that way.

mod agreement;
mod evaluation;
mod fact;
mod first_step;
mod perspective;
mod problem;
mod withholding;

use async_graphql::{Context, MergedObject, SimpleObject};
use persistence::cases::CaseItem;

use super::reads::reads;
use crate::error::{ApiError, ApiResult};

pub use agreement::Agreement;
pub use evaluation::Evaluation;
pub use fact::Fact;
pub use first_step::FirstStep;
pub use perspective::Perspective;
pub use problem::Problem;

/// The mutations on case items, each kind's own and withholding.
#[derive(MergedObject, Default)]
pub struct ItemMutation(
    perspective::PerspectiveMutation,
    fact::FactMutation,
    problem::ProblemMutation,
    first_step::FirstStepMutation,
    agreement::AgreementMutation,
    withholding::WithholdingMutation,
    evaluation::EvaluationMutation,
);

/// The GraphQL object of a kind of case item, made from its domain value; decisions and rule
/// exceptions, case items too, have theirs in `mandates` and `exceptions`.
pub(crate) trait ItemObject: Sized {
    type Item: CaseItem;
    /// What a `NOT_FOUND` names when the item is outside the viewer's slice.
    const NAME: &'static str;

    fn new(item: Self::Item) -> Self;
}

/// Item `id` as the viewer now sees it, read through the slice: what a mutation returns.
pub(crate) async fn read_item<O: ItemObject>(
    ctx: &Context<'_>,
    id: <O::Item as CaseItem>::Id,
) -> ApiResult<O> {
    let reads = reads(ctx).await?;
    reads
        .snapshot
        .item::<O::Item>(&reads.viewer, id)
        .await?
        .map(O::new)
        .ok_or(ApiError::NotFound(O::NAME))
}

/// The viewer's overdue agreements and the evaluations that are due.
#[derive(SimpleObject)]
pub struct Worklist {
    pub overdue_agreements: Vec<Agreement>,
    pub evaluations_due: Vec<Evaluation>,
}
