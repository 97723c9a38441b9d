//! GraphQL over HTTP (`POST`, and `GET` for queries in [`get`]), health, readiness and metrics.
//!
//! The token is verified before the body is even parsed: nothing runs for an unauthenticated
//! caller. Responses follow the GraphQL-over-HTTP specification: clients that accept
//! `application/graphql-response+json` get a 4xx status for a request that produced no data
//! (400 when it does not parse or validate, 401 without a valid token); clients that ask only
//! for `application/json` get 200 for every well-formed request.
//!
//! Its files, a concern each:
//! - `mod.rs`: the router, the one place that names every path's handler; the `POST /graphql`
//!   handler; `by_address`, the per-address rate limit in front of the API's paths; health,
//!   readiness and metrics.
//! - `state.rs`: `AppState`, what every handler is given.
//! - `negotiation.rs`: the media type the client asked for (`Format`) and the responses in it.
//! - `authentication.rs`: the bearer token and the actor behind it (`authenticate`).
//! - `idempotency.rs`: `Idempotency-Key`: a write runs once per key, a retry gets its answer.
//! - `execution.rs`: `execute`, which runs a request's operations, one or a batch.
//! - `outcome.rs`: one operation's outcome, and the last pass over its errors.
//! - `get.rs`: `GET /graphql`; `ldv.rs`: `POST /ldv/data-processing-operations`.
//!
//! Handlers elsewhere (`export`, `live`, `web`) take what they share from `state`,
//! `negotiation` and `authentication`, never from this file, so the router can name them.

pub(crate) mod authentication;
mod execution;
mod get;
mod idempotency;
mod ldv;
pub(crate) mod negotiation;
mod outcome;
pub(crate) mod state;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use crate::error::log_internal;
use crate::rate_limit::too_many_requests;
use crate::telemetry::{self, TraceId};
use crate::web::BrowserSettingsError;

use authentication::authenticate;
use execution::execute;
use idempotency::{execute_once, idempotency_key};
use negotiation::{Format, request_error};

pub use state::AppState;

pub fn router(state: AppState) -> Result<Router, BrowserSettingsError> {
    let body_limit = state.settings.limits.body_bytes;
    let cors = crate::web::cors(&state.settings.browser)?;
    let browser = state.settings.browser.clone();
    let router = Router::new()
        .route("/graphql", get(get::graphql_get).post(graphql))
        .route("/graphql/ws", get(crate::live::graphql_ws))
        .route("/export/resident", get(crate::export::resident_export))
        .route(
            "/ldv/data-processing-operations",
            axum::routing::post(ldv::data_processing_operations),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), by_address))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    // With an address of their own, the metrics are not served here, and the path is not
    // the web app's either.
    let router = if state.settings.metrics_listen.is_none() {
        router.route("/metrics", get(metrics))
    } else {
        router.route("/metrics", get(|| async { StatusCode::NOT_FOUND }))
    };
    let router = router
        .merge(crate::web::routes(state.settings.demo))
        .layer(cors)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(telemetry::trace_requests))
        .with_state(state);
    crate::web::security_headers(router, &browser)
}

/// The metrics alone, for their own listen address.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            log_internal(&error);
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::meters::render(&state.metrics, &state.store),
    )
        .into_response()
}

async fn graphql(
    State(state): State<AppState>,
    Extension(trace_id): Extension<TraceId>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let format = Format::negotiate(&headers);
    let actor = match authenticate(&state, &headers, format).await {
        Ok(actor) => actor,
        Err(refusal) => return refusal,
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!(
                "the body may be at most {} bytes",
                state.settings.limits.body_bytes
            );
            return request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format,
                "PAYLOAD_TOO_LARGE",
                &message,
            );
        }
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                format,
                "BAD_REQUEST",
                "the body could not be read",
            );
        }
    };
    match idempotency_key(&headers) {
        Ok(None) => execute(&state, &trace_id, format, actor, &body, None, None).await,
        Ok(Some(key)) => execute_once(&state, &trace_id, format, actor, &body, key).await,
        Err(message) => request_error(StatusCode::BAD_REQUEST, format, "BAD_USER_INPUT", message),
    }
}

/// Counts a request against its client address before anything else reads it.
async fn by_address(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Without the peer's address (a server not started by `Application`) there is nothing to
    // key on.
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    if let Some(address) = address
        && let Err(limited) = state.rate_limits.check_address(address)
    {
        tracing::info!("request refused: its address is over its rate limit");
        return too_many_requests(Format::negotiate(request.headers()), limited);
    }
    next.run(request).await
}
