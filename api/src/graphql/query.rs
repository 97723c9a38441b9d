//! Root queries.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object};
use domain::authz::Action;
use domain::identity::Actor;
use domain::{
    IdentityProviderId, MunicipalityId, OrganisationId, ProfessionalId, ResidentId, Slug,
};
use persistence::organisations::{OrganisationCursor, OrganisationFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::{may_see_identity_provider, null_with_error};
use super::context::request;
use super::cursor;
use super::enums::OrganisationKind;
use super::ids::{self, NodeType};
use super::node::Node;
use super::paging::page_size;
use super::types::{
    IdentityProvider, KindPolicy, Municipality, Organisation, Professional, Resident, Viewer,
};
use crate::error::{ApiError, ApiResult};

#[derive(Default)]
pub struct FoundationQuery;

/// Extra fields on the organisation connection, computed only when asked for.
pub struct OrganisationConnectionFields {
    filter: OrganisationFilter,
}

#[Object]
impl OrganisationConnectionFields {
    /// How many organisations match the filter, over all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::Organisations)?;
        let count = request
            .store(&permit)
            .count_organisations(&self.filter)
            .await?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

#[derive(Serialize, Deserialize)]
struct CursorPosition {
    name: String,
    id: Uuid,
}

fn encode_cursor(organisation: &domain::Organisation) -> String {
    let position = CursorPosition {
        name: organisation.name.clone(),
        id: organisation.id.0,
    };
    cursor::encode(&position)
}

fn decode_cursor(text: &str) -> ApiResult<OrganisationCursor> {
    let position: CursorPosition = cursor::decode(text)?;
    domain::case::check_characters("after", &position.name)?;
    Ok(OrganisationCursor {
        name: position.name,
        id: OrganisationId(position.id),
    })
}

#[Object]
impl FoundationQuery {
    /// Fetches any object by its global ID. What does not exist and what the viewer may not
    /// see both give `NOT_FOUND`.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Node>> {
        let request = request(ctx)?;
        let (node_type, uuid) = ids::decode_any(&id, "id")?;
        let permit = request.authorize_unrelated(Action::Node)?;
        let store = request.store(&permit);
        let node = match node_type {
            NodeType::Municipality => store
                .municipalities_by_id(&[MunicipalityId(uuid)])
                .await?
                .pop()
                .map(|municipality| Node::Municipality(Municipality(municipality))),
            NodeType::Organisation => store
                .organisation(OrganisationId(uuid))
                .await?
                .map(|organisation| Node::Organisation(Organisation(organisation))),
            NodeType::Professional => store
                .professionals_by_id(&[ProfessionalId(uuid)])
                .await?
                .pop()
                .filter(|professional| may_see_professional(&request.actor, professional))
                .map(|professional| Node::Professional(Professional(professional))),
            NodeType::Resident => match &request.actor {
                Actor::Resident(actor) if actor.resident_id == ResidentId(uuid) => store
                    .resident(&permit, actor.resident_id)
                    .await?
                    .map(|resident| Node::Resident(Resident(resident))),
                _ => None,
            },
            NodeType::IdentityProvider => store
                .identity_providers()
                .await?
                .into_iter()
                .find(|provider| provider.id == IdentityProviderId(uuid))
                .filter(|provider| may_see_identity_provider(&request.actor, provider))
                .map(|provider| Node::IdentityProvider(IdentityProvider(provider))),
            case_type => super::case_query::case_node(ctx, case_type, uuid).await?,
        };
        Ok(node.or_else(|| null_with_error(ctx, ApiError::NotFound("node"))))
    }

    /// Who this request acts for.
    async fn me(&self) -> Viewer {
        Viewer
    }

    async fn municipalities(&self, ctx: &Context<'_>) -> ApiResult<Vec<Municipality>> {
        let request = request(ctx)?;
        request.authorize_unrelated(Action::Municipalities)?;
        Ok(request
            .municipalities()
            .await?
            .iter()
            .cloned()
            .map(Municipality)
            .collect())
    }

    /// Organisations ordered by name.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        kind: Option<OrganisationKind>,
        municipality_id: Option<ID>,
    ) -> ApiResult<Connection<String, Organisation, OrganisationConnectionFields>> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::Organisations)?;
        let first = page_size(first, request.page_size)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let municipality = ids::decode_optional(
            municipality_id.as_ref(),
            NodeType::Municipality,
            "municipalityId",
        )?
        .map(MunicipalityId);
        let filter = OrganisationFilter {
            kind: kind.map(Into::into),
            municipality,
        };
        let page = request
            .store(&permit)
            .organisations(&filter, after.as_ref(), first)
            .await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next_page,
            OrganisationConnectionFields { filter },
        );
        connection
            .edges
            .extend(page.items.into_iter().map(|organisation| {
                Edge::new(encode_cursor(&organisation), Organisation(organisation))
            }));
        Ok(connection)
    }

    /// One organisation by its slug.
    async fn organisation(&self, ctx: &Context<'_>, slug: String) -> ApiResult<Organisation> {
        let slug = Slug::parse(&slug)?;
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::Organisation)?;
        request
            .store(&permit)
            .organisation_by_slug(&slug)
            .await?
            .map(Organisation)
            .ok_or(ApiError::NotFound("organisation"))
    }

    /// The kind policy for every organisation kind.
    async fn kind_policies(&self, ctx: &Context<'_>) -> ApiResult<Vec<KindPolicy>> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::KindPolicies)?;
        Ok(request
            .store(&permit)
            .kind_policies()
            .await?
            .into_iter()
            .map(KindPolicy)
            .collect())
    }

    /// Every registered identity provider; for the platform operator.
    async fn identity_providers(&self, ctx: &Context<'_>) -> ApiResult<Vec<IdentityProvider>> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::IdentityProviders)?;
        Ok(request
            .store(&permit)
            .identity_providers()
            .await?
            .into_iter()
            .map(IdentityProvider)
            .collect())
    }
}

/// Professionals are visible to themselves and to their own organisation.
fn may_see_professional(actor: &Actor, professional: &domain::Professional) -> bool {
    match actor {
        Actor::Professional(viewer) => viewer.organisation_id == professional.organisation_id,
        Actor::Service(service) => service.organisation_id == professional.organisation_id,
        Actor::Resident(_) | Actor::PlatformAdmin(_) => false,
    }
}
