//! The `Node` interface over every object with a global ID, the foundation's and the case's.

use async_graphql::ID;

use super::case_items::{Agreement, Evaluation, Fact, FirstStep, Perspective, Problem};
use super::cases::{Case, Consent, Invitation, TeamMember};
use super::exceptions::RuleException;
use super::mandates::Decision;
use super::types::{IdentityProvider, Municipality, Organisation, Professional, Resident};

/// An object with a stable, opaque global ID, fetchable with `node(id:)`.
#[derive(async_graphql::Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Municipality(Municipality),
    Organisation(Organisation),
    Professional(Professional),
    Resident(Resident),
    IdentityProvider(IdentityProvider),
    Case(Case),
    TeamMember(TeamMember),
    Invitation(Invitation),
    Consent(Consent),
    Perspective(Perspective),
    Fact(Fact),
    Problem(Problem),
    FirstStep(FirstStep),
    Agreement(Agreement),
    Evaluation(Evaluation),
    Decision(Decision),
    RuleException(RuleException),
}
