//! One operation's outcome, and the last pass over its errors before they leave.

use async_graphql::{BatchResponse, Response as GraphQLResponse, ServerError};
use serde_json::json;

use crate::meters::OperationOutcome;
use crate::telemetry::TraceId;

/// The result of one operation: executed (with `data`), refused before execution, or
/// executed but withheld because its access-log entries could not be made durable.
pub(super) enum Outcome {
    Executed(GraphQLResponse),
    RequestError(Vec<ServerError>),
    Withheld,
}

pub(super) fn with_code(mut error: ServerError, code: &str) -> ServerError {
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
    pub(super) fn from_response(mut response: GraphQLResponse, trace_id: &TraceId) -> Self {
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

    pub(super) fn meter(&self) -> OperationOutcome {
        match self {
            Outcome::Executed(_) => OperationOutcome::Executed,
            Outcome::RequestError(_) => OperationOutcome::Refused,
            Outcome::Withheld => OperationOutcome::Withheld,
        }
    }

    /// The operation's answer as JSON text, written straight from the response: a caseload
    /// page is thousands of values, and a `serde_json::Value` of them first costs as many
    /// allocations again.
    pub(super) fn into_body(self) -> Vec<u8> {
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
pub(super) fn sole_operation_name(
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
