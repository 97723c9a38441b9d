//! The schema: every root query field, mutation and subscription, with the document limits.

use async_graphql::{SDLExportOptions, Schema};

use super::{
    accountability, aliases, case_items, case_mutation, case_query, directory, exceptions, imports,
    integration, mandates, mutation, policy, query, subscription,
};
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
    case_items::ItemMutation,
    mandates::MandateMutation,
    exceptions::ExceptionMutation,
    policy::PolicyMutation,
    directory::DirectoryMutation,
    imports::ImportMutation,
);

pub type MaatwerkSchema = Schema<Query, Mutation, subscription::Subscription>;

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
