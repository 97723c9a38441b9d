//! Facts of the situation sketch, which each organisation sees through its slice (DOMAIN.md
//! §5.4); only the organisation that recorded a fact changes it.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::FactId;
use domain::case::{MAX_TEXT, parse_amount, parse_text};
use persistence::cases::NewFact;

use super::{ItemObject, read_item};
use crate::error::ApiResult;
use crate::graphql::context::request;
use crate::graphql::enums::{AmountPeriod, LifeDomain, Need, SharingLevel};
use crate::graphql::ids::case_id;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::reads::organisation;
use crate::graphql::scalars::DateTime as Timestamp;
use crate::graphql::types::Organisation;

/// An amount in euro cents.
#[derive(SimpleObject)]
pub struct Amount {
    cents: i64,
    period: Option<AmountPeriod>,
}

/// A fact of the situation sketch.
pub struct Fact(pub domain::case::Fact);

impl ItemObject for Fact {
    type Item = domain::case::Fact;
    const NAME: &'static str = "fact";

    fn new(item: Self::Item) -> Self {
        Self(item)
    }
}

#[Object]
impl Fact {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Fact, self.0.id.0)
    }

    async fn life_domain(&self) -> LifeDomain {
        self.0.life_domain.into()
    }

    /// `null` for a process facilitator.
    async fn text(&self) -> Option<&str> {
        self.0.content.as_ref().map(|content| content.text.as_str())
    }

    async fn amount(&self) -> Option<Amount> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.amount)
            .map(|amount| Amount {
                cents: amount.cents,
                period: amount.period.map(Into::into),
            })
    }

    async fn need(&self) -> Need {
        self.0.need.into()
    }

    async fn sharing(&self) -> SharingLevel {
        self.0.sharing.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn updated_at(&self) -> Timestamp {
        Timestamp(self.0.updated_at)
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
pub struct FactInput {
    pub life_domain: LifeDomain,
    pub text: String,
    /// In euro cents; never negative.
    pub amount_cents: Option<i64>,
    pub period: Option<AmountPeriod>,
    pub need: Need,
    #[graphql(default_with = "SharingLevel::Team")]
    pub sharing: SharingLevel,
}

impl FactInput {
    fn parse(self) -> ApiResult<NewFact> {
        Ok(NewFact {
            life_domain: self.life_domain.into(),
            text: parse_text("text", &self.text, MAX_TEXT)?,
            amount: parse_amount(self.amount_cents, self.period.map(Into::into))?,
            need: self.need.into(),
            sharing: self.sharing.into(),
        })
    }
}

#[derive(Default)]
pub struct FactMutation;

#[Object]
impl FactMutation {
    async fn add_fact(&self, ctx: &Context<'_>, case_id: ID, input: FactInput) -> ApiResult<Fact> {
        let case_id = self::case_id(&case_id, "caseId")?;
        let new = input.parse()?;
        let id = request(ctx)?
            .write(async |writer, viewer| writer.add_fact(viewer, case_id, new).await)
            .await?;
        read_item(ctx, id).await
    }

    /// Changes a fact; only its authoring organisation may.
    async fn update_fact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: FactInput,
    ) -> ApiResult<Fact> {
        let id = FactId(ids::decode(&id, NodeType::Fact, "id")?);
        let new = input.parse()?;
        request(ctx)?
            .write(async |writer, viewer| writer.update_fact(viewer, id, new, version).await)
            .await?;
        read_item(ctx, id).await
    }
}
