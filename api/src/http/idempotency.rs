//! `Idempotency-Key`: a write runs at most once per key, and a retry gets its kept response.

use async_graphql::BatchRequest;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use domain::identity::Actor;
use persistence::access_log::{Delivered, Ledger, OperationContext};
use persistence::idempotency::Claim;

use super::execution::execute;
use super::negotiation::{Format, internal_error, json_response, request_error};
use super::state::AppState;
use crate::error::log_internal;
use crate::graphql::IdempotencyKey;
use crate::telemetry::TraceId;

/// The client's `Idempotency-Key`, if it sent one: 1 to 255 visible ASCII characters.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
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
pub(super) async fn execute_once(
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
    crate::meters::waiting_on_access_log(state.access_log.record(&ledger)).await?;
    Ok(Again::Deliver)
}
