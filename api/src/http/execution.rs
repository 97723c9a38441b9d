//! `execute`: runs a request's operations, one or a batch, and sends each answer once its
//! access-log entries are durable.

use async_graphql::BatchRequest;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use domain::identity::Actor;
use persistence::access_log::{Delivered, Ledger, OperationContext};
use tracing::Instrument;

use super::negotiation::{Format, body_response, request_error};
use super::outcome::{Outcome, sole_operation_name, with_code};
use super::state::AppState;
use crate::error::log_internal;
use crate::graphql::documents;
use crate::graphql::{IdempotencyKey, RequestContext};
use crate::meters::{self, OperationOutcome};
use crate::telemetry::TraceId;

/// Parses and runs the body of an authenticated request.
pub(super) async fn execute(
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
        // What the request waits for is the hand-over and the commit, not the writing out
        // in between, which it does anyway.
        let handing_over = std::time::Instant::now();
        let submitted = state.access_log.submit(&ledger).await;
        let mut waited = handing_over.elapsed();
        let outcome = Outcome::from_response(response, trace_id);
        let mut operation_outcome = outcome.meter();
        let mut answer = outcome.into_body();
        let committing = std::time::Instant::now();
        let recorded = match submitted {
            Ok(submitted) => submitted.durable().await,
            Err(error) => Err(error),
        };
        waited += committing.elapsed();
        meters::record_access_log_wait(waited);
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
