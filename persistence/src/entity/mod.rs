//! sea-orm entities: the shape of the tables, nothing more. They never leave this crate;
//! repositories convert them to domain types.

pub mod access_log;
pub mod access_log_chain;
pub mod agreement;
pub mod case;
pub mod case_event;
pub mod case_reference_counter;
pub mod consent;
pub mod evaluation;
pub mod fact;
pub mod first_step;
pub mod idempotency_key;
pub mod identity_provider;
pub mod invitation;
pub mod kind_policy;
pub mod kind_policy_life_domain;
pub mod municipality;
pub mod organisation;
pub mod organisation_allowed_role;
pub mod organisation_municipality;
pub mod perspective;
pub mod problem;
pub mod professional;
pub mod resident;
pub mod resident_identity;
pub mod team_member;
