//! The media type the client asked for (`Format`), and the responses written in it.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::error::log_internal;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

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
pub(super) fn body_response(status: StatusCode, format: Format, body: Vec<u8>) -> Response {
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
