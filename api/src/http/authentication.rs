//! The bearer token, and the actor behind it.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use domain::identity::Actor;

use super::negotiation::{Format, request_error};
use super::state::AppState;
use crate::auth::AuthFailure;
use crate::error::log_internal;
use crate::rate_limit;

fn unauthenticated(format: Format) -> Response {
    let mut response = request_error(
        StatusCode::UNAUTHORIZED,
        format,
        "UNAUTHENTICATED",
        "a valid bearer token is required",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// The actor behind the request's bearer token, or the response that refuses it.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    format: Format,
) -> Result<Actor, Response> {
    let Some(token) = bearer(headers) else {
        tracing::info!(reason = "no bearer token", "request refused");
        crate::meters::record_authentication_failure(AuthFailure::Missing.reason());
        return Err(unauthenticated(format));
    };
    let actor = match state.authenticator.authenticate(token).await {
        Ok(actor) => actor,
        Err(failure) if failure.is_internal() => {
            log_internal(&failure);
            return Err(request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format,
                "INTERNAL",
                "internal error",
            ));
        }
        Err(failure) => {
            tracing::info!(reason = %failure, "token refused");
            return Err(unauthenticated(format));
        }
    };
    tracing::Span::current().record("actor", actor.kind_name());
    if let Err(limited) = state.rate_limits.check_actor(&actor) {
        tracing::info!("request refused: its actor is over its rate limit");
        return Err(rate_limit::too_many_requests(format, limited));
    }
    Ok(actor)
}
