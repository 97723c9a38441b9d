//! `GET /graphql`: a query in the URL, by its text or by its persisted hash, as the
//! GraphQL-over-HTTP specification describes it. Only queries: a mutation or a subscription
//! gets 405 with `Allow: POST` before anything runs. Without GraphQL parameters the path
//! serves GraphiQL.
//!
//! An answer is never reused unseen, since a viewer's slice can change at any moment (a
//! consent revoked, a member who left): it says `Cache-Control: private, no-cache` and carries
//! an `ETag`. A client that sends the tag back in `If-None-Match` gets `304 Not Modified`
//! without a body when the answer is the same; the query ran again and its reads are logged,
//! but the data does not travel twice.

use async_graphql::parser::types::OperationType;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, body::Body};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::authentication::authenticate;
use super::execution::execute;
use super::negotiation::{Format, field_error, request_error};
use super::state::AppState;
use crate::graphql::documents;
use crate::telemetry::TraceId;

/// The GraphQL parameters of a `GET` request; `variables` and `extensions` are JSON texts.
#[derive(Debug, Deserialize)]
pub(crate) struct Parameters {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl Parameters {
    fn are_none(&self) -> bool {
        self.query.is_none()
            && self.operation_name.is_none()
            && self.variables.is_none()
            && self.extensions.is_none()
    }
}

pub(crate) async fn graphql_get(
    State(state): State<AppState>,
    Extension(trace_id): Extension<TraceId>,
    headers: HeaderMap,
    uri: Uri,
    parameters: Result<Query<Parameters>, QueryRejection>,
) -> Response {
    let format = Format::negotiate(&headers);
    let parameters = match parameters {
        Ok(Query(parameters)) if parameters.are_none() => return crate::web::graphiql().await,
        Ok(Query(parameters)) => parameters,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                format,
                "BAD_REQUEST",
                "the query string could not be read",
            );
        }
    };
    let actor = match authenticate(&state, &headers, format).await {
        Ok(actor) => actor,
        Err(refusal) => return refusal,
    };
    let limit = state.settings.limits.body_bytes;
    if uri.query().map_or(0, str::len) > limit {
        let message = format!("the query string may be at most {limit} bytes");
        return request_error(
            StatusCode::URI_TOO_LONG,
            format,
            "PAYLOAD_TOO_LARGE",
            &message,
        );
    }
    let body = match request_body(parameters) {
        Ok(body) => body,
        Err((field, message)) => {
            return field_error(
                StatusCode::BAD_REQUEST,
                format,
                "BAD_USER_INPUT",
                field,
                message,
            );
        }
    };
    if !is_query(&state, &body) {
        let mut refusal = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            format,
            "METHOD_NOT_ALLOWED",
            "only queries are sent with GET; send mutations and subscriptions with POST",
        );
        refusal
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return refusal;
    }
    let body = match serde_json::to_vec(&Value::Object(body)) {
        Ok(body) => axum::body::Bytes::from(body),
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                format,
                "BAD_REQUEST",
                "the parameters are not a GraphQL request",
            );
        }
    };
    let response = execute(&state, &trace_id, format, actor, &body, None, None).await;
    revalidated(response, &headers).await
}

/// The request as a POST body would carry it.
fn request_body(
    parameters: Parameters,
) -> Result<Map<String, Value>, (&'static str, &'static str)> {
    let mut body = Map::new();
    body.insert(
        "query".into(),
        Value::String(parameters.query.unwrap_or_default()),
    );
    if let Some(name) = parameters.operation_name {
        body.insert("operationName".into(), Value::String(name));
    }
    for (field, text) in [
        ("variables", parameters.variables),
        ("extensions", parameters.extensions),
    ] {
        let Some(text) = text else { continue };
        match serde_json::from_str::<Value>(&text) {
            Ok(object @ Value::Object(_)) => {
                body.insert(field.into(), object);
            }
            _ => return Err((field, "a JSON object")),
        }
    }
    Ok(body)
}

/// Whether `body` names a query, and so may run on `GET`. A request that does not parse or
/// name an operation counts as one: executing it reports why, as on `POST`.
fn is_query(state: &AppState, body: &Map<String, Value>) -> bool {
    let Ok(mut request) =
        serde_json::from_value::<async_graphql::Request>(Value::Object(body.clone()))
    else {
        return true;
    };
    if state.documents.resolve_persisted(&mut request).is_err() {
        return true;
    }
    let name = request.operation_name.clone();
    match state.documents.parse(&mut request) {
        Ok(document) => !matches!(
            documents::operation_type(document, name.as_deref()),
            Some(OperationType::Mutation | OperationType::Subscription)
        ),
        Err(_) => true,
    }
}

/// Marks a successful answer for revalidation, and answers 304 when the client already has it.
async fn revalidated(response: Response, request_headers: &HeaderMap) -> Response {
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    parts.headers.insert(
        header::VARY,
        HeaderValue::from_static("authorization, accept"),
    );
    if parts.status != StatusCode::OK {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let digest = Sha256::digest(&bytes);
    let tag: String = digest[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let tag = format!("\"{tag}\"");
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
    let known = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|candidate| candidate.trim().trim_start_matches("W/") == tag)
        });
    if known {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}
