//! The Maatwerk domain: the vocabulary of the Amsterdamse Maatwerk Methode as Rust types,
//! and the pure rules that decide who is who and who may see what.
//!
//! Architecture invariant: this crate knows nothing of databases, GraphQL, HTTP or an async
//! runtime. A test (`tests/tests/schema_and_layers.rs`) reads `cargo metadata` and fails if it ever does.
//! Values that must be valid (a BSN, a slug, a municipality code) can only be built through a
//! fallible `parse`, so code that holds one never checks it again.

pub mod accountability;
pub mod authz;
pub mod bsn;
pub mod calendar;
pub mod case;
pub mod directory;
pub mod error;
pub mod exception;
pub mod identity;
pub mod ids;
pub mod kind_policy;
pub mod life_domain;
pub mod mandate;
pub mod organisation;
pub mod resident;
pub mod signal;
pub mod slice;
pub mod solution;

pub use bsn::Bsn;
pub use error::InvalidInput;
pub use ids::*;
pub use kind_policy::KindPolicy;
pub use life_domain::LifeDomain;
pub use organisation::{
    Municipality, MunicipalityCode, Organisation, OrganisationKind, OrganisationRole, Professional,
    RoleSet, Slug,
};
