//! Problems of the analysis, which each organisation sees through its slice (DOMAIN.md §5.4).

use async_graphql::{Context, ID, InputObject, Object};
use domain::case::{MAX_TEXT, parse_text};
use persistence::cases::NewProblem;

use super::{ItemObject, read_item};
use crate::error::ApiResult;
use crate::graphql::context::request;
use crate::graphql::enums::{LifeDomain, ProblemKind, SharingLevel};
use crate::graphql::ids::case_id;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::reads::organisation;
use crate::graphql::scalars::DateTime as Timestamp;
use crate::graphql::types::Organisation;

/// A problem of the analysis: what is going on.
pub struct Problem(pub domain::case::Problem);

impl ItemObject for Problem {
    type Item = domain::case::Problem;
    const NAME: &'static str = "problem";

    fn new(item: Self::Item) -> Self {
        Self(item)
    }
}

#[Object]
impl Problem {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Problem, self.0.id.0)
    }

    async fn kind(&self) -> ProblemKind {
        self.0.kind.into()
    }

    async fn life_domain(&self) -> LifeDomain {
        self.0.life_domain.into()
    }

    async fn text(&self) -> Option<&str> {
        self.0.content.as_deref()
    }

    /// Whether the resident recognises this picture.
    async fn resident_shares_picture(&self) -> bool {
        self.0.resident_shares_picture
    }

    async fn sharing(&self) -> SharingLevel {
        self.0.sharing.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Why the resident does not see this item (a recorded legal reason); `null` when they
    /// do. Only the team reads it.
    async fn withheld_reason(&self) -> Option<&str> {
        self.0.withheld_reason.as_deref()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }
}

#[derive(InputObject)]
pub struct ProblemInput {
    pub kind: ProblemKind,
    pub life_domain: LifeDomain,
    pub text: String,
    pub resident_shares_picture: bool,
    #[graphql(default_with = "SharingLevel::Team")]
    pub sharing: SharingLevel,
}

#[derive(Default)]
pub struct ProblemMutation;

#[Object]
impl ProblemMutation {
    async fn add_problem(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        input: ProblemInput,
    ) -> ApiResult<Problem> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let new = NewProblem {
            kind: input.kind.into(),
            life_domain: input.life_domain.into(),
            text: parse_text("text", &input.text, MAX_TEXT)?,
            resident_shares_picture: input.resident_shares_picture,
            sharing: input.sharing.into(),
        };
        let id = request(ctx)?
            .write(async |writer, viewer| writer.add_problem(viewer, case_id, new).await)
            .await?;
        read_item(ctx, id).await
    }
}
