//! The GraphQL schema: types written for the API and converted from domain types, resolvers
//! that return [`ApiResult`], and the per-request context every resolver reads the actor from.

mod access;
mod accountability;
mod aliases;
mod case_items;
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
mod loader;
mod mandates;
mod mutation;
mod node;
mod paging;
mod policy;
mod query;
mod reads;
mod resident_input;
mod scalars;
mod schema;
pub mod subscription;
mod types;
pub mod variables;

pub use context::{IdempotencyKey, RequestContext};
pub(crate) use resident_input::ResidentToOpenInput;
pub(crate) use scalars::Date;
pub use schema::{MaatwerkSchema, Mutation, Query, build_schema, sdl};
