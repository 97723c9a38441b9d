//! The GraphQL schema: types written for the API and converted from domain types, resolvers
//! that return [`ApiResult`], and the per-request context every resolver reads the actor from.

mod accountability;
mod aliases;
mod case_mutation;
mod case_query;
mod cases;
mod context;
mod cursor;
mod directory;
pub mod documents;
pub mod enums;
mod exceptions;
pub mod ids;
mod imports;
mod integration;
mod lists;
mod mandates;
mod mutation;
mod policy;
mod query;
pub mod subscription;
mod types;
pub mod variables;

use async_graphql::{Context, SDLExportOptions, Schema};
use domain::identity::Actor;

use crate::error::ApiError;
use crate::settings::Limits;
/// Every root query field.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    query::FoundationQuery,
    case_query::CaseQuery,
    accountability::AccountabilityQuery,
    integration::IntegrationQuery,
    mandates::MandateQuery,
    policy::PolicyQuery,
    directory::DirectoryQuery,
    imports::ImportQuery,
);

/// Every mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    mutation::FoundationMutation,
    case_mutation::CaseMutation,
    mandates::MandateMutation,
    exceptions::ExceptionMutation,
    policy::PolicyMutation,
    directory::DirectoryMutation,
    imports::ImportMutation,
);

pub type MaatwerkSchema = Schema<Query, Mutation, subscription::Subscription>;

pub(crate) use case_mutation::ResidentToOpenInput;
pub(crate) use context::request;
pub use context::{IdempotencyKey, RequestContext};
pub(crate) use types::Date;

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

pub fn build_schema(limits: &Limits, introspection: bool) -> MaatwerkSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::Subscription,
    )
    .limit_depth(limits.depth)
    .limit_complexity(limits.complexity)
    .limit_recursive_depth(limits.recursive_depth)
    .limit_directives(limits.directives)
    .extension(aliases::DocumentLimits {
        aliases: limits.aliases,
        fields: limits.complexity,
    });
    if !introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema in SDL, sorted so that `schema.graphql` diffs show real changes only.
pub fn sdl() -> String {
    let schema = build_schema(&Limits::default(), true);
    schema.sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}
