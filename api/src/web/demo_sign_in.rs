//! The demo sign-in: the demo's identities, and a token for one of them. Routed only with
//! `maatwerk serve --demo`, and it signs only with development identity providers, whose keys
//! the demo loaded; a real organisation's provider has no key here to sign with.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::http::negotiation::{Format, field_error, internal_error};
use crate::http::state::AppState;
use crate::token::{self, DemoIdentity};

/// How long a demo sign-in lasts.
const LIFETIME_SECONDS: i64 = 8 * 60 * 60;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    id: &'a str,
    kind: &'static str,
    name: &'a str,
    organisation: Option<Organisation<'a>>,
    roles: &'a [&'static str],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Organisation<'a> {
    name: &'a str,
    /// As the schema's `OrganisationKind` names it.
    kind: String,
}

fn kind(identity: &DemoIdentity) -> &'static str {
    match identity.target {
        token::TokenFor::Professional { .. } => "PROFESSIONAL",
        token::TokenFor::Resident { .. } => "RESIDENT",
        token::TokenFor::Service { .. } => "SERVICE",
        token::TokenFor::PlatformAdmin => "PLATFORM_ADMIN",
    }
}

pub(super) async fn identities(State(state): State<AppState>) -> Response {
    let identities = match token::list(&state.store).await {
        Ok(identities) => identities,
        Err(error) => return internal_error(Format::Json, &error),
    };
    let listed: Vec<Identity<'_>> = identities
        .iter()
        .map(|identity| Identity {
            id: &identity.id,
            kind: kind(identity),
            name: &identity.name,
            organisation: identity
                .organisation
                .as_ref()
                .map(|organisation| Organisation {
                    name: &organisation.name,
                    kind: async_graphql::InputType::to_value(
                        &crate::graphql::enums::OrganisationKind::from(organisation.kind),
                    )
                    .to_string(),
                }),
            roles: &identity.roles,
        })
        .collect();
    Json(listed).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignIn {
    identity: String,
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    request: Result<Json<SignIn>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = request else {
        return field_error(
            StatusCode::BAD_REQUEST,
            Format::Json,
            "BAD_USER_INPUT",
            "identity",
            "expected {\"identity\": \"…\"}",
        );
    };
    let identities = match token::list(&state.store).await {
        Ok(identities) => identities,
        Err(error) => return internal_error(Format::Json, &error),
    };
    let Some(identity) = identities.iter().find(|known| known.id == request.identity) else {
        return field_error(
            StatusCode::NOT_FOUND,
            Format::Json,
            "NOT_FOUND",
            "identity",
            "no such demo identity",
        );
    };
    match token::issue(&state.store, &identity.target, LIFETIME_SECONDS).await {
        Ok(token) => Json(json!({
            "token": token,
            "expiresIn": LIFETIME_SECONDS,
        }))
        .into_response(),
        Err(error) => internal_error(Format::Json, &error),
    }
}
