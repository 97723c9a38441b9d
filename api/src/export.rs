//! The resident's export: everything the platform holds about them as one JSON document
//! (data portability, DOMAIN.md §5.8). It is the API's own answer to the resident's token,
//! read by the checked-in operations in `export/resident.graphql`, so it passes the same slice
//! as every other read; its access-log entries say `export`.
//!
//! The document is written as it is read, a page at a time (the API's page size): the cases,
//! each list of each case, then the access log. Each page's access-log entries are durable
//! before its part of the document leaves, and the server never holds more than a page, so a
//! file of any length streams. A failure part-way ends the download early, so what arrived
//! is not a whole JSON document; the failure is logged with the trace id.

use async_graphql::{Request, Variables};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use domain::identity::Actor;
use persistence::access_log::{Ledger, OperationContext};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::graphql::RequestContext;
use crate::http::authentication::authenticate;
use crate::http::negotiation::{Format, request_error};
use crate::http::state::AppState;
use crate::telemetry::TraceId;

const OPERATIONS: &str = include_str!("export/resident.graphql");

/// The document's format, for whoever imports it elsewhere.
const FORMAT: &str = "maatwerk.resident-export.v1";

/// The lists of a case, in the document's order, with the operation that pages each.
const CASE_LISTS: &[(&str, &str)] = &[
    ("team", "ResidentTeam"),
    ("perspectives", "ResidentPerspectives"),
    ("facts", "ResidentFacts"),
    ("problems", "ResidentProblems"),
    ("firstSteps", "ResidentFirstSteps"),
    ("agreements", "ResidentAgreements"),
    ("evaluations", "ResidentEvaluations"),
    ("decisions", "ResidentDecisions"),
    ("ruleExceptions", "ResidentRuleExceptions"),
    ("consents", "ResidentConsents"),
    ("timeline", "ResidentTimeline"),
];

/// Why an export could not be made, or finished; the client learns only that it failed.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error("the export query failed: {0}")]
    Query(String),
    #[error(transparent)]
    AccessLog(#[from] persistence::Error),
    #[error("the download was abandoned")]
    Abandoned,
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
    let export = Export::new(state, &trace_id, actor);
    // The first page is read before the answer starts, so that a failure there is a whole
    // error response rather than a cut-off file.
    let first = match export.page("ResidentCases", json!({}), None).await {
        Ok(first) => first,
        Err(error) => {
            crate::error::log_internal(&error);
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format,
                "INTERNAL",
                "internal error",
            );
        }
    };
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(
        async move {
            let parts = Parts(sender);
            let written = export.write(first, &parts).await;
            if let Err(ExportError::Abandoned) = written {
                tracing::info!("the export's download was abandoned by the client");
            } else if let Err(error) = written {
                crate::error::log_internal(&error);
                // Ends the body with an error, so the client sees the download fail.
                let _ = parts
                    .0
                    .send(Err(std::io::Error::other("the export failed")))
                    .await;
            }
        }
        .instrument(tracing::Span::current()),
    );
    let body = Body::from_stream(futures::stream::unfold(receiver, |mut receiver| async {
        receiver.recv().await.map(|part| (part, receiver))
    }));
    let filename = format!(
        "attachment; filename=\"maatwerk-export-{}.json\"",
        Utc::now().format("%Y-%m-%d")
    );
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Where the document's parts go, in order.
struct Parts(mpsc::Sender<Result<Bytes, std::io::Error>>);

impl Parts {
    async fn send(&self, text: String) -> Result<(), ExportError> {
        self.0
            .send(Ok(Bytes::from(text)))
            .await
            .map_err(|_| ExportError::Abandoned)
    }
}

/// One resident's export in progress: who asks, and the ledger all its pages are logged under.
struct Export {
    state: AppState,
    actor: Actor,
    ledger: Ledger,
    page_size: usize,
}

/// One page of a list: its items and where the next page starts.
struct Page {
    items: Vec<Value>,
    next: Option<Value>,
}

impl Export {
    fn new(state: AppState, trace_id: &TraceId, actor: Actor) -> Self {
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
        let page_size = state.settings.limits.page_size;
        Self {
            state,
            actor,
            ledger,
            page_size,
        }
    }

    /// Reads one page of the list `operation` names, after `after`, and makes what it read
    /// durable in the access log before handing it over.
    async fn page(
        &self,
        operation: &str,
        mut variables: Value,
        after: Option<Value>,
    ) -> Result<Page, ExportError> {
        variables["first"] = json!(self.page_size);
        variables["after"] = after.unwrap_or(Value::Null);
        let context = RequestContext::new(
            self.actor.clone(),
            self.state.store.clone(),
            self.state.authenticator.clone(),
            self.page_size,
            self.ledger.clone(),
        );
        let request = Request::new(OPERATIONS)
            .operation_name(operation)
            .variables(Variables::from_json(variables))
            .data(context);
        let response = self
            .state
            .schema
            .execute(request)
            .instrument(tracing::Span::current())
            .await;
        if let Some(error) = response.errors.first() {
            return Err(ExportError::Query(error.message.clone()));
        }
        let mut data = response
            .data
            .into_json()
            .map_err(|error| ExportError::Query(error.to_string()))?;
        // Nothing leaves before its access-log entries are durable.
        crate::meters::waiting_on_access_log(self.state.access_log.record(&self.ledger)).await?;
        let mut list = match data.get_mut("case") {
            Some(case) => case["list"].take(),
            None => data["list"].take(),
        };
        let next = (list["pageInfo"]["hasNextPage"] == Value::Bool(true))
            .then(|| list["pageInfo"]["endCursor"].take());
        let items = match list["edges"].take() {
            Value::Array(edges) => edges
                .into_iter()
                .map(|mut edge| edge["node"].take())
                .collect(),
            _ => Vec::new(),
        };
        Ok(Page { items, next })
    }

    /// Writes `items` as the elements of a JSON array, after `written` earlier ones.
    async fn elements(
        parts: &Parts,
        items: &[Value],
        written: &mut usize,
    ) -> Result<(), ExportError> {
        for item in items {
            let separator = if *written == 0 { "" } else { "," };
            parts.send(format!("{separator}{item}")).await?;
            *written += 1;
        }
        Ok(())
    }

    /// Pages through one list of `case_id` into the array being written.
    async fn case_list(
        &self,
        parts: &Parts,
        operation: &str,
        case_id: &Value,
    ) -> Result<(), ExportError> {
        let mut after = None;
        let mut written = 0;
        loop {
            let page = self
                .page(operation, json!({ "case": case_id }), after)
                .await?;
            Self::elements(parts, &page.items, &mut written).await?;
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// The whole document, from the first page of cases on.
    async fn write(&self, first: Page, parts: &Parts) -> Result<(), ExportError> {
        let exported_at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        parts
            .send(format!(
                "{{\"format\":{},\"exportedAt\":{},\"cases\":[",
                json!(FORMAT),
                json!(exported_at)
            ))
            .await?;
        let mut cases = first;
        let mut written = 0;
        loop {
            for case in &cases.items {
                let Value::Object(header) = case else {
                    continue;
                };
                let separator = if written == 0 { "" } else { "," };
                let header = Value::Object(header.clone()).to_string();
                // The case's own fields, then its lists, inside one object.
                let open = header.strip_suffix('}').unwrap_or("{");
                let mut text = format!("{separator}{open}");
                let mut fields = header.len() > 2;
                for (name, operation) in CASE_LISTS {
                    text.push_str(&format!(
                        "{}{}:[",
                        if fields { "," } else { "" },
                        json!(name)
                    ));
                    parts.send(std::mem::take(&mut text)).await?;
                    self.case_list(parts, operation, &case["id"]).await?;
                    text.push(']');
                    fields = true;
                }
                text.push('}');
                parts.send(text).await?;
                written += 1;
            }
            match cases.next.take() {
                Some(next) => cases = self.page("ResidentCases", json!({}), Some(next)).await?,
                None => break,
            }
        }
        parts.send("],\"accessLog\":[".to_owned()).await?;
        let mut after = None;
        let mut written = 0;
        loop {
            let page = self.page("ResidentAccessLog", json!({}), after).await?;
            Self::elements(parts, &page.items, &mut written).await?;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        parts.send("]}".to_owned()).await
    }
}
