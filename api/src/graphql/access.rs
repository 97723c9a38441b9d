//! What resolvers share beyond the action policy: who administers an organisation's
//! registration and sees its identity providers, and how a nullable field that refuses reports
//! its error.

use async_graphql::Context;
use domain::identity::Actor;

use crate::error::ApiError;

/// The platform operator, and an organisation's own `org_admin`s, administer its registration.
pub(crate) fn may_administer(actor: &Actor, organisation_id: domain::OrganisationId) -> bool {
    match actor {
        Actor::PlatformAdmin(_) => true,
        Actor::Professional(viewer) => {
            viewer.organisation_id == organisation_id
                && viewer.roles.contains(&domain::OrganisationRole::OrgAdmin)
        }
        Actor::Resident(_) | Actor::Service(_) => false,
    }
}

/// Identity providers are seen by those who administer the organisation they speak for, and
/// resident and platform providers by the platform operator only.
pub(crate) fn may_see_identity_provider(
    actor: &Actor,
    provider: &domain::identity::IdentityProvider,
) -> bool {
    match provider.organisation_id {
        Some(organisation_id) => may_administer(actor, organisation_id),
        None => matches!(actor, Actor::PlatformAdmin(_)),
    }
}

/// Resolves a nullable field to `null` with `error` reported at its path, as the GraphQL
/// specification asks. Returning `Err` from an `Option` field would make async-graphql null the
/// nearest nullable parent instead, which for a root field is all of `data`.
pub(crate) fn null_with_error<T>(ctx: &Context<'_>, error: ApiError) -> Option<T> {
    let error: async_graphql::Error = error.into();
    ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
    None
}
