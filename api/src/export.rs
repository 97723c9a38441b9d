//! The resident's export: everything the platform holds about them as one JSON document
//! (data portability, DOMAIN.md §5.8). It is the API's own answer to the resident's token,
//! read by the checked-in operations in `export/resident.graphql`, so it passes the same slice
//! as every other read; its access-log entries say `export` and are durable before it leaves.

use async_graphql::{Request, Variables};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{SecondsFormat, Utc};
use domain::identity::Actor;
use persistence::access_log::{Ledger, OperationContext};
use serde_json::{Map, Value, json};
use tracing::Instrument;

use crate::graphql::RequestContext;
use crate::http::{AppState, Format, authenticate, json_response, request_error};
use crate::telemetry::TraceId;

const OPERATIONS: &str = include_str!("export/resident.graphql");

/// The export reads each connection whole: no resident's file comes near this.
const EXPORT_PAGE_SIZE: usize = 10_000;

/// The document's format, for whoever imports it elsewhere.
const FORMAT: &str = "maatwerk.resident-export.v1";

/// Why an export could not be made; the client learns only that it failed.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error("the export query failed: {0}")]
    Query(String),
    #[error("a connection in the export has more than {EXPORT_PAGE_SIZE} items")]
    Incomplete,
    #[error(transparent)]
    AccessLog(#[from] persistence::Error),
}

/// `GET /export/resident`: the resident's own file as a download.
pub async fn resident_export(
    State(state): State<AppState>,
    Extension(trace_id): Extension<TraceId>,
    headers: HeaderMap,
) -> Response {
    let format = Format::Json;
    let actor = match authenticate(&state, &headers, format).await {
        Ok(actor) => actor,
        Err(refusal) => return refusal,
    };
    if !matches!(actor, Actor::Resident(_)) {
        return request_error(
            StatusCode::FORBIDDEN,
            format,
            "FORBIDDEN",
            "only a resident exports their own file",
        );
    }
    match export(&state, &trace_id, actor).await {
        Ok(document) => {
            let mut response = json_response(StatusCode::OK, format, document);
            let filename = format!(
                "attachment; filename=\"maatwerk-export-{}.json\"",
                Utc::now().format("%Y-%m-%d")
            );
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&filename) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            crate::error::log_internal(&error);
            request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format,
                "INTERNAL",
                "internal error",
            )
        }
    }
}

async fn export(state: &AppState, trace_id: &TraceId, actor: Actor) -> Result<Value, ExportError> {
    let ledger = Ledger::for_export(OperationContext {
        trace_id: trace_id.0.clone(),
        operation_id: persistence::access_log::new_hex_id(8),
        operation_name: Some("ResidentExport".to_owned()),
        processing_activity_id: state
            .settings
            .processing_activities
            .for_operation(Some("ResidentExport"), &actor)
            .to_owned(),
    });
    let run = |operation: &'static str, variables: Value| {
        let context = RequestContext::new(
            actor.clone(),
            state.store.clone(),
            state.authenticator.clone(),
            EXPORT_PAGE_SIZE,
            ledger.clone(),
        );
        let request = Request::new(OPERATIONS)
            .operation_name(operation)
            .variables(Variables::from_json(variables))
            .data(context);
        async move {
            let response = state
                .schema
                .execute(request)
                .instrument(tracing::Span::current())
                .await;
            if let Some(error) = response.errors.first() {
                return Err(ExportError::Query(error.message.clone()));
            }
            response
                .data
                .into_json()
                .map_err(|error| ExportError::Query(error.to_string()))
        }
    };

    let mut cases = run("ResidentExport", json!({})).await?;
    let cases = flatten_connections(cases["cases"].take())?;
    let mut access_log = Vec::new();
    let mut after = Value::Null;
    loop {
        let mut page = run("ResidentAccessLog", json!({ "after": after })).await?;
        let mut page = page["accessLog"].take();
        let next = page["pageInfo"]["hasNextPage"] == Value::Bool(true);
        after = page["pageInfo"]["endCursor"].clone();
        if let Value::Array(edges) = page["edges"].take() {
            access_log.extend(edges.into_iter().map(|mut edge| edge["node"].take()));
        }
        if !next {
            break;
        }
    }

    // Nothing leaves before its access-log entries are durable.
    if let Some(log) = &state.access_log {
        log.record(&ledger).await?;
    }
    Ok(json!({
        "format": FORMAT,
        "exportedAt": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "cases": cases,
        "accessLog": access_log,
    }))
}

/// Replaces every connection (`pageInfo` and `edges`) by the plain list of its nodes, which is
/// what someone reading or importing the file wants. A connection with a next page here would
/// make the export incomplete, so it fails instead.
fn flatten_connections(value: Value) -> Result<Value, ExportError> {
    match value {
        Value::Object(mut object) if object.contains_key("edges") => {
            if object
                .get("pageInfo")
                .and_then(|info| info.get("hasNextPage"))
                == Some(&Value::Bool(true))
            {
                return Err(ExportError::Incomplete);
            }
            let edges = match object.remove("edges") {
                Some(Value::Array(edges)) => edges,
                _ => Vec::new(),
            };
            edges
                .into_iter()
                .map(|mut edge| flatten_connections(edge["node"].take()))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Value::Object(object) => object
            .into_iter()
            .map(|(key, value)| Ok((key, flatten_connections(value)?)))
            .collect::<Result<Map<_, _>, _>>()
            .map(Value::Object),
        Value::Array(items) => items
            .into_iter()
            .map(flatten_connections)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other),
    }
}
