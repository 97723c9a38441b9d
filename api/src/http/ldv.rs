//! The access log as the Logboek Dataverwerkingen read interface (Logius' `lezen` extension)
//! gives it: `POST /ldv/data-processing-operations`, for a municipality's privacy officer, its
//! auditors' tools and a resident's transparency app.
//!
//! The criteria travel in a JSON body, never in the URL, where a data subject's id would end up
//! in proxies' logs: at least one of `traceId`, `processingActivityId` and `dataSubjectId`
//! (400 otherwise), with `limit` (at most `limits.page_size`) and the `cursor` the previous
//! answer's `metadata.nextCursor` gave. The interface is a view on the `accessLog` query and
//! runs through the same pipeline, so the same action policy decides who reads what (the
//! resident the entries about them, a privacy officer their organisation's), and reading the
//! log is logged in turn. Entries carry the attribute names of the spans the server exports.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::authentication::authenticate;
use super::execution::execute;
use super::negotiation::{Format, field_error, request_error};
use super::state::AppState;
use crate::graphql::ids::{self, NodeType};
use crate::telemetry::TraceId;

/// What a caller asks the log for; unknown fields are refused, so a misspelt criterion does
/// not silently widen the answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Criteria {
    trace_id: Option<String>,
    processing_activity_id: Option<String>,
    data_subject_id: Option<String>,
    limit: Option<u64>,
    cursor: Option<String>,
}

const QUERY: &str = "query LdvDataProcessingOperations($first: Int, $after: String, \
     $traceId: String, $processingActivityId: String, $dataSubjectId: String) { \
     accessLog(first: $first, after: $after, traceId: $traceId, \
     processingActivityId: $processingActivityId, dataSubjectId: $dataSubjectId) { \
     edges { node { recordedAt action caseId dataSubjectId processingActivityId traceId \
     operationId operationName } } pageInfo { hasNextPage endCursor } } }";

pub(crate) async fn data_processing_operations(
    State(state): State<AppState>,
    Extension(trace_id): Extension<TraceId>,
    headers: HeaderMap,
    criteria: Result<Json<Criteria>, JsonRejection>,
) -> Response {
    let format = Format::Json;
    let actor = match authenticate(&state, &headers, format).await {
        Ok(actor) => actor,
        Err(refusal) => return refusal,
    };
    let criteria = match criteria {
        Ok(Json(criteria)) => criteria,
        Err(rejection) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                format,
                "BAD_REQUEST",
                &format!(
                    "the body is not a search of the log: {}",
                    rejection.body_text()
                ),
            );
        }
    };
    if criteria.trace_id.is_none()
        && criteria.processing_activity_id.is_none()
        && criteria.data_subject_id.is_none()
    {
        return field_error(
            StatusCode::BAD_REQUEST,
            format,
            "BAD_USER_INPUT",
            "traceId",
            "give at least one of traceId, processingActivityId and dataSubjectId",
        );
    }
    let page_size = state.settings.limits.page_size as u64;
    let body = json!({
        "query": QUERY,
        "operationName": "LdvDataProcessingOperations",
        "variables": {
            "first": criteria.limit.unwrap_or(20).min(page_size),
            "after": criteria.cursor,
            "traceId": criteria.trace_id,
            "processingActivityId": criteria.processing_activity_id,
            "dataSubjectId": criteria.data_subject_id,
        },
    });
    let body = Bytes::from(body.to_string());
    let response = execute(&state, &trace_id, format, actor, &body, None, None).await;
    let status = response.status();
    let Ok(bytes) = axum::body::to_bytes(response.into_body(), usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(errors) = answer.get("errors") {
        let code = errors[0]["extensions"]["code"].as_str().unwrap_or_default();
        let status = match code {
            "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
            "FORBIDDEN" => StatusCode::FORBIDDEN,
            _ if status.is_success() => StatusCode::INTERNAL_SERVER_ERROR,
            _ => status,
        };
        return (status, Json(json!({ "errors": errors }))).into_response();
    }
    let log = &answer["data"]["accessLog"];
    let operations: Vec<Value> = log["edges"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|edge| operation(&edge["node"], &state.settings.traces.service_name))
        .collect();
    let next =
        (log["pageInfo"]["hasNextPage"] == true).then(|| log["pageInfo"]["endCursor"].clone());
    Json(json!({
        "metadata": {
            "logbookId": state.settings.traces.service_name,
            "nextCursor": next,
        },
        "dataProcessingOperations": operations,
    }))
    .into_response()
}

/// One access-log entry as a data processing operation: the span the server exported for it,
/// with the same attribute names.
fn operation(entry: &Value, service_name: &str) -> Value {
    let action = entry["action"].as_str().unwrap_or_default().to_lowercase();
    let case_id = entry["caseId"]
        .as_str()
        .and_then(|id| ids::decode(&async_graphql::ID::from(id), NodeType::Case, "caseId").ok())
        .map(|id| id.to_string());
    json!({
        "traceId": entry["traceId"],
        "spanId": entry["operationId"],
        "name": format!("{action} case"),
        "status": "STATUS_CODE_UNSET",
        "startTime": entry["recordedAt"],
        "endTime": entry["recordedAt"],
        "resource": { "attributes": { "service.name": service_name } },
        "attributes": {
            "dpl.core.processing_activity_id": entry["processingActivityId"],
            "dpl.core.data_subject_id": entry["dataSubjectId"],
            "dpl.core.data_subject_id_type": persistence::access_log::DATA_SUBJECT_ID_TYPE,
            "maatwerk.action": action,
            "maatwerk.case_id": case_id,
            "maatwerk.operation_id": entry["operationId"],
            "maatwerk.operation_name": entry["operationName"],
        },
    })
}
