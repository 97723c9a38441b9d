//! sea-orm entities: the shape of the tables, nothing more. They never leave this crate;
//! repositories convert them to domain types.

pub mod identity_provider;
pub mod kind_policy;
pub mod kind_policy_life_domain;
pub mod municipality;
pub mod organisation;
pub mod organisation_allowed_role;
pub mod organisation_municipality;
pub mod professional;
pub mod resident;
pub mod resident_identity;
