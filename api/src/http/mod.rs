//! GraphQL over HTTP (`POST`, and `GET` for queries in [`get`]), health, readiness and metrics.
//!
//! The token is verified before the body is even parsed: nothing runs for an unauthenticated
//! caller. Responses follow the GraphQL-over-HTTP specification: clients that accept
//! `application/graphql-response+json` get a 4xx status for a request that produced no data
//! (400 when it does not parse or validate, 401 without a valid token); clients that ask only
//! for `application/json` get 200 for every well-formed request.

use std::sync::Arc;

use async_graphql::{BatchRequest, BatchResponse, Response as GraphQLResponse, ServerError};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use domain::identity::Actor;
use metrics_exporter_prometheus::PrometheusHandle;
use persistence::Store;
use persistence::access_log::{AccessLog, Delivered, Ledger, OperationContext};
use persistence::idempotency::Claim;
use serde_json::json;
use tracing::Instrument;

use crate::auth::{AuthFailure, Authenticator};
use crate::error::log_internal;
use crate::graphql::documents::{self, ParsedDocuments};
use crate::graphql::variables::InputObjects;
use crate::graphql::{IdempotencyKey, MaatwerkSchema, RequestContext};
use crate::meters::{self, OperationOutcome};
use crate::rate_limit::{self, RateLimiters};
use crate::settings::Settings;
use crate::telemetry::{self, TraceId};
use crate::web::BrowserSettingsError;

mod get;
mod ldv;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

#[derive(Clone)]
pub struct AppState {
    pub schema: MaatwerkSchema,
    /// The schema's input objects, to check variables against before execution.
    pub input_objects: Arc<InputObjects>,
    pub documents: Arc<ParsedDocuments>,
    pub store: Store,
    /// `None` only in the benchmark's logging-off mode.
    pub access_log: Option<AccessLog>,
    pub authenticator: Arc<Authenticator>,
    pub rate_limits: Arc<RateLimiters>,
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
    /// The import jobs this process carries out.
    pub imports: Arc<crate::import::jobs::Imports>,
}

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
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::rate_limit::by_address,
        ))
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

/// Which media type the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    GraphQLResponse,
    Json,
}

impl Format {
    pub(crate) fn negotiate(headers: &HeaderMap) -> Self {
        let Some(accept) = headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
        else {
            // The specification's rule for clients that do not say.
            return Format::Json;
        };
        let media_types: Vec<&str> = accept
            .split(',')
            .map(|part| part.split(';').next().unwrap_or("").trim())
            .collect();
        if media_types.contains(&GRAPHQL_RESPONSE)
            || media_types.contains(&"*/*")
            || media_types.contains(&"application/*")
        {
            Format::GraphQLResponse
        } else if media_types.contains(&"application/json") {
            Format::Json
        } else {
            Format::GraphQLResponse
        }
    }

    fn content_type(self) -> HeaderValue {
        match self {
            Format::GraphQLResponse => HeaderValue::from_static(GRAPHQL_RESPONSE),
            Format::Json => HeaderValue::from_static("application/json"),
        }
    }
}

pub(crate) fn json_response(
    status: StatusCode,
    format: Format,
    body: serde_json::Value,
) -> Response {
    body_response(status, format, body.to_string().into_bytes())
}

/// A response whose body is JSON text already written.
fn body_response(status: StatusCode, format: Format, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, format.content_type());
    response
}

/// An error response for a request that never reached execution.
pub(crate) fn request_error(
    status: StatusCode,
    format: Format,
    code: &str,
    message: &str,
) -> Response {
    json_response(
        status,
        format,
        json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
    )
}

/// [`request_error`] for bad input, naming the offending field as GraphQL errors do.
pub(crate) fn field_error(
    status: StatusCode,
    format: Format,
    code: &str,
    field: &str,
    message: &str,
) -> Response {
    json_response(
        status,
        format,
        json!({ "errors": [{
            "message": format!("{field}: {message}"),
            "extensions": { "code": code, "field": field },
        }] }),
    )
}

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

/// The client's `Idempotency-Key`, if it sent one: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|key| (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or("Idempotency-Key: 1 to 255 visible ASCII characters")?;
    Ok(Some(key.to_owned()))
}

/// Who a key belongs to: keys of different actors never meet.
fn idempotency_owner(actor: &Actor) -> String {
    match actor {
        Actor::Professional(professional) => {
            format!("professional:{}", professional.professional_id)
        }
        Actor::Resident(resident) => format!("resident:{}", resident.resident_id),
        Actor::Service(service) => {
            format!("service:{}:{}", service.organisation_id, service.client)
        }
        Actor::PlatformAdmin(admin) => {
            format!("platform:{}:{}", admin.identity_provider_id, admin.subject)
        }
    }
}

/// The request as a retry from another client library would send it too: JSON with its keys
/// in order and no spacing, so that a retry is recognised by what it asks, not by how its
/// client happened to write it. A body that is not JSON is taken as it is.
fn canonical_body(body: &[u8]) -> Vec<u8> {
    fn sorted(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(object) => {
                let mut entries: Vec<_> = object.into_iter().collect();
                entries.sort_by(|(a, _), (b, _)| a.cmp(b));
                serde_json::Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key, sorted(value)))
                        .collect(),
                )
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(sorted).collect())
            }
            other => other,
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => serde_json::to_vec(&sorted(value)).unwrap_or_else(|_| body.to_vec()),
        Err(_) => body.to_vec(),
    }
}

/// Runs a request at most once per idempotency key: a retry with the same key and body gets
/// the first response back, marked `Idempotent-Replayed`, and writes nothing new. Responses
/// that failed inside the server are not kept, so a retry runs again.
async fn execute_once(
    state: &AppState,
    trace_id: &TraceId,
    format: Format,
    actor: Actor,
    body: &Bytes,
    key: String,
) -> Response {
    use base64::Engine;
    use sha2::Digest;
    // Reads are idempotent by nature, and a kept read could outlive what its reader may see:
    // only mutations are kept.
    if !writes(body) {
        return execute(state, trace_id, format, actor, body, None, None).await;
    }
    let owner = idempotency_owner(&actor);
    let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(canonical_body(body)));
    let window = std::time::Duration::from_secs(state.settings.limits.idempotency_window_seconds);
    let claim = match state
        .store
        .claim_idempotency_key(
            &owner,
            &key,
            &hash,
            window,
            state.settings.limits.idempotency_keys_per_actor,
            std::time::Duration::from_secs(
                state.settings.limits.idempotency_abandoned_after_seconds,
            ),
        )
        .await
    {
        Ok(claim) => claim,
        Err(error) => return internal_error(format, &error),
    };
    match claim {
        Claim::Claimed => {}
        Claim::Completed(stored) => {
            let Ok(stored) = serde_json::from_str::<StoredResponse>(&stored) else {
                return internal_error(format, &persistence::Error::Corrupt("stored response"));
            };
            match deliver_again(state, trace_id, &actor, &stored).await {
                Ok(Again::Deliver) => {}
                Ok(Again::Changed) => {
                    // The write was carried out; what it returned may since have left the
                    // reader's slice, so it is read again rather than sent again.
                    let mut response = request_error(
                        StatusCode::CONFLICT,
                        format,
                        "CONFLICT",
                        "this request was carried out; the case has changed since, so read the result again",
                    );
                    response
                        .headers_mut()
                        .insert("idempotent-replayed", HeaderValue::from_static("true"));
                    return response;
                }
                Ok(Again::Gone) => {
                    // As if the case had never existed: the kept data is no longer theirs.
                    let mut response =
                        request_error(StatusCode::OK, format, "NOT_FOUND", "not found");
                    response
                        .headers_mut()
                        .insert("idempotent-replayed", HeaderValue::from_static("true"));
                    return response;
                }
                Err(error) => return internal_error(format, &error),
            }
            let mut response = json_response(
                StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
                format,
                stored.body,
            );
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return response;
        }
        Claim::Committed => {
            let mut response = request_error(
                StatusCode::CONFLICT,
                format,
                "CONFLICT",
                "this request was carried out, and its answer was lost; read the result",
            );
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return response;
        }
        Claim::InProgress => {
            return request_error(
                StatusCode::CONFLICT,
                format,
                "CONFLICT",
                "a request with this Idempotency-Key is still running",
            );
        }
        Claim::Mismatch => {
            return request_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format,
                "BAD_USER_INPUT",
                "Idempotency-Key: already used for a different request",
            );
        }
        Claim::TooMany => {
            let mut response = request_error(
                StatusCode::TOO_MANY_REQUESTS,
                format,
                "RATE_LIMITED",
                "Idempotency-Key: too many live keys; reuse none before its window ends",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(state.settings.limits.idempotency_window_seconds),
            );
            return response;
        }
    }
    let mut delivered = Vec::new();
    let held = IdempotencyKey {
        owner: owner.clone(),
        key: key.clone(),
    };
    let response = execute(
        state,
        trace_id,
        format,
        actor,
        body,
        Some(&mut delivered),
        Some(&held),
    )
    .await;
    let status = response.status();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let failed_inside = status.is_server_error() || value.to_string().contains("\"INTERNAL\"");
    let kept = if failed_inside {
        state.store.release_idempotency_key(&owner, &key).await
    } else {
        let stored = StoredResponse {
            status: status.as_u16(),
            body: value,
            delivered,
            kept_at: Some(chrono::Utc::now()),
        };
        state
            .store
            .complete_idempotency_key(
                &owner,
                &key,
                &serde_json::to_string(&stored).unwrap_or_default(),
            )
            .await
    };
    if let Err(error) = kept {
        log_internal(&error);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A response kept under an idempotency key, with what it told about which cases.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredResponse {
    status: u16,
    body: serde_json::Value,
    #[serde(default)]
    delivered: Vec<Delivered>,
    /// When it was kept: a change to the slice of its cases after this holds it back.
    #[serde(default)]
    kept_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Whether a kept response may leave again.
enum Again {
    Deliver,
    /// The actor no longer has a relation to one of its cases.
    Gone,
    /// Something that narrows the slice happened on one of its cases since it was kept.
    Changed,
}

/// Whether the body holds only mutations; anything that does not parse is left to
/// execution to refuse, as a write.
fn writes(body: &Bytes) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(request) = serde_json::from_slice::<BatchRequest>(body) else {
        return true;
    };
    request.iter().all(
        |request| match async_graphql::parser::parse_query(&request.query) {
            Ok(document) => match &document.operations {
                DocumentOperations::Single(operation) => {
                    operation.node.ty == OperationType::Mutation
                }
                DocumentOperations::Multiple(operations) => operations
                    .values()
                    .any(|operation| operation.node.ty == OperationType::Mutation),
            },
            Err(_) => true,
        },
    )
}

/// Logs a kept response's case data as delivered again, if the actor still has a relation to
/// every case in it; `false` when they lost one, and the response must not leave again.
async fn deliver_again(
    state: &AppState,
    trace_id: &TraceId,
    actor: &Actor,
    stored: &StoredResponse,
) -> persistence::Result<Again> {
    let delivered = &stored.delivered;
    if delivered.is_empty() {
        return Ok(Again::Deliver);
    }
    let ledger = Ledger::new(OperationContext {
        trace_id: trace_id.0.clone(),
        operation_id: persistence::access_log::new_hex_id(8),
        operation_name: None,
        processing_activity_id: state
            .settings
            .processing_activities
            .for_operation(None, actor)
            .to_owned(),
    });
    let mut cases: Vec<_> = delivered.iter().map(Delivered::case_id).collect();
    cases.sort_unstable_by_key(|case| case.0);
    cases.dedup();
    let snapshot = state.store.snapshot(&ledger).await?;
    let viewer = snapshot.viewer(actor).await?;
    let related = snapshot.related_cases(&viewer, &cases).await?;
    if related.len() != cases.len() {
        return Ok(Again::Gone);
    }
    // Kept before this was recorded: changed or not cannot be told, so it is not sent again.
    let changed = match stored.kept_at {
        Some(kept_at) => {
            snapshot
                .access_changed_since(&viewer, &cases, kept_at)
                .await?
        }
        None => true,
    };
    drop(snapshot);
    if changed {
        return Ok(Again::Changed);
    }
    ledger.deliver_again(delivered)?;
    if let Some(access_log) = &state.access_log {
        access_log.record(&ledger).await?;
    }
    Ok(Again::Deliver)
}

pub(crate) fn internal_error(
    format: Format,
    error: &(dyn std::error::Error + 'static),
) -> Response {
    log_internal(error);
    request_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        format,
        "INTERNAL",
        "internal error",
    )
}

/// Parses and runs the body of an authenticated request.
async fn execute(
    state: &AppState,
    trace_id: &TraceId,
    format: Format,
    actor: Actor,
    body: &Bytes,
    mut delivered: Option<&mut Vec<Delivered>>,
    idempotency: Option<&IdempotencyKey>,
) -> Response {
    let batch: BatchRequest = match serde_json::from_slice(body) {
        Ok(batch) => batch,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                format,
                "BAD_REQUEST",
                "the body is not a GraphQL request in JSON",
            );
        }
    };
    let limits = &state.settings.limits;
    let single = matches!(batch, BatchRequest::Single(_));
    let requests = match batch {
        BatchRequest::Single(request) => vec![request],
        BatchRequest::Batch(requests) if requests.len() > limits.batch => {
            let message = format!("a batch may hold at most {} operations", limits.batch);
            return request_error(StatusCode::BAD_REQUEST, format, "BAD_REQUEST", &message);
        }
        BatchRequest::Batch(requests) if requests.is_empty() => {
            return request_error(
                StatusCode::BAD_REQUEST,
                format,
                "BAD_REQUEST",
                "an empty batch",
            );
        }
        BatchRequest::Batch(requests) => requests,
    };

    let mut outcomes = Vec::with_capacity(requests.len());
    for mut request in requests {
        let began = std::time::Instant::now();
        // Parsed once here, or copied from the same text's earlier parse; async-graphql
        // executes the parsed document the request holds.
        let variables = std::mem::take(&mut request.variables);
        let operation_name = request.operation_name.clone();
        let persisted = state.documents.resolve_persisted(&mut request);
        let parsed = match persisted {
            Ok(()) => state
                .documents
                .parse(&mut request)
                .map_err(|error| with_code(error, "GRAPHQL_PARSE_FAILED")),
            Err(error) => Err(error),
        };
        let (refusal, named, operation_type) = match parsed {
            Err(error) => (Some(error), None, None),
            Ok(document) => (
                state
                    .input_objects
                    .check(document, operation_name.as_deref(), &variables)
                    .err()
                    .map(|error| with_code(error, "GRAPHQL_VALIDATION_FAILED")),
                sole_operation_name(document),
                documents::operation_type(document, operation_name.as_deref()),
            ),
        };
        request.variables = variables;
        let kind = documents::type_label(operation_type);
        // A name no operation of the document has gets no label of its own.
        let metric_name = operation_type.and(operation_name.as_deref());
        if let Some(error) = refusal {
            meters::record_operation(
                metric_name,
                kind,
                OperationOutcome::Refused,
                began.elapsed(),
            );
            outcomes.push((
                OperationOutcome::Refused,
                Outcome::RequestError(vec![error]).into_body(),
            ));
            continue;
        }
        // A request that names no operation runs the document's only one, under its name:
        // the access log's processing activity follows the operation that ran.
        let operation_name = operation_name.or(named);
        let ledger = Ledger::new(OperationContext {
            trace_id: trace_id.0.clone(),
            operation_id: persistence::access_log::new_hex_id(8),
            processing_activity_id: state
                .settings
                .processing_activities
                .for_operation(operation_name.as_deref(), &actor)
                .to_owned(),
            operation_name: operation_name.clone(),
        });
        let mut context = RequestContext::new(
            actor.clone(),
            state.store.clone(),
            state.authenticator.clone(),
            limits.page_size,
            ledger.clone(),
        );
        context.open_first_step_limit = limits.open_first_steps;
        if let Some(key) = idempotency {
            context.hold_idempotency_key(key);
        }
        context.change_settle = std::time::Duration::from_secs(limits.change_settle_seconds);
        context.imports = Some(state.imports.clone());
        let response = state
            .schema
            .execute(request.data(context))
            .instrument(tracing::Span::current())
            .await;
        if let Some(kept) = delivered.as_deref_mut() {
            kept.extend(ledger.delivered());
        }
        // Nothing of a case leaves before its access-log entries are durable: the answer is
        // written out while their group commits, and sent only once it has.
        let submitted = match &state.access_log {
            Some(access_log) => Some(access_log.submit(&ledger).await),
            None => None,
        };
        let outcome = Outcome::from_response(response, trace_id);
        let mut operation_outcome = outcome.meter();
        let mut answer = outcome.into_body();
        let recorded = match submitted {
            Some(Ok(submitted)) => submitted.durable().await,
            Some(Err(error)) => Err(error),
            None => Ok(()),
        };
        if let Err(error) = recorded {
            log_internal(&error);
            operation_outcome = OperationOutcome::Withheld;
            answer = Outcome::Withheld.into_body();
        }
        meters::record_operation(
            operation_name.as_deref(),
            kind,
            operation_outcome,
            began.elapsed(),
        );
        outcomes.push((operation_outcome, answer));
    }

    if single {
        let (outcome, answer) = outcomes.pop().expect("one request, one outcome");
        let status = match (outcome, format) {
            (OperationOutcome::Withheld, _) => StatusCode::INTERNAL_SERVER_ERROR,
            (OperationOutcome::Refused, Format::GraphQLResponse) => StatusCode::BAD_REQUEST,
            _ => StatusCode::OK,
        };
        body_response(status, format, answer)
    } else {
        let mut answers = Vec::with_capacity(
            2 + outcomes
                .iter()
                .map(|(_, answer)| answer.len() + 1)
                .sum::<usize>(),
        );
        answers.push(b'[');
        for (index, (_, answer)) in outcomes.into_iter().enumerate() {
            if index > 0 {
                answers.push(b',');
            }
            answers.extend_from_slice(&answer);
        }
        answers.push(b']');
        body_response(StatusCode::OK, format, answers)
    }
}

/// The result of one operation: executed (with `data`), refused before execution, or
/// executed but withheld because its access-log entries could not be made durable.
enum Outcome {
    Executed(GraphQLResponse),
    RequestError(Vec<ServerError>),
    Withheld,
}

fn with_code(mut error: ServerError, code: &str) -> ServerError {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
}

/// Whether `error` is async-graphql failing to read an argument as its declared type; its
/// message is about the client's input and says nothing of ours.
fn is_coercion_error(error: &ServerError) -> bool {
    ["Failed to parse \"", "Expected input type \""]
        .iter()
        .any(|start| error.message.starts_with(start))
}

impl Outcome {
    fn from_response(mut response: GraphQLResponse, trace_id: &TraceId) -> Self {
        let executed = response.data != async_graphql::Value::Null
            || response.errors.iter().any(|error| !error.path.is_empty());
        for error in &mut response.errors {
            let has_code = error
                .extensions
                .as_ref()
                .is_some_and(|extensions| extensions.get("code").is_some());
            if has_code {
                continue;
            }
            if error.path.is_empty() {
                *error = with_code(error.clone(), "GRAPHQL_VALIDATION_FAILED");
            } else if is_coercion_error(error) {
                // A value async-graphql's validation let through but could not read as its type
                // (an argument literal of the wrong shape): the client's input, not our fault.
                *error = with_code(error.clone(), "BAD_USER_INPUT");
            } else {
                // An error raised outside our error type: its text is not meant for clients.
                tracing::error!(trace_id = %trace_id.0, error.message = %error.message, "unclassified resolver error");
                error.message = "internal error".into();
                *error = with_code(error.clone(), "INTERNAL");
            }
        }
        if executed {
            Outcome::Executed(response)
        } else {
            Outcome::RequestError(response.errors)
        }
    }

    fn meter(&self) -> OperationOutcome {
        match self {
            Outcome::Executed(_) => OperationOutcome::Executed,
            Outcome::RequestError(_) => OperationOutcome::Refused,
            Outcome::Withheld => OperationOutcome::Withheld,
        }
    }

    /// The operation's answer as JSON text, written straight from the response: a caseload
    /// page is thousands of values, and a `serde_json::Value` of them first costs as many
    /// allocations again.
    fn into_body(self) -> Vec<u8> {
        let written = match self {
            Outcome::Executed(response) => serde_json::to_vec(&BatchResponse::Single(response)),
            Outcome::RequestError(errors) => serde_json::to_vec(&json!({ "errors": errors })),
            Outcome::Withheld => serde_json::to_vec(&json!({
                "data": null,
                "errors": [{ "message": "internal error", "extensions": { "code": "INTERNAL" } }],
            })),
        };
        written.unwrap_or_else(|_| {
            br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#
                .to_vec()
        })
    }
}

/// The name of a document's only operation, if it has exactly one and that one is named.
fn sole_operation_name(
    document: &async_graphql::parser::types::ExecutableDocument,
) -> Option<String> {
    use async_graphql::parser::types::DocumentOperations;
    match &document.operations {
        DocumentOperations::Single(_) => None,
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.to_string())
        }
        DocumentOperations::Multiple(_) => None,
    }
}
