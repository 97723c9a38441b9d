//! Logs, trace ids and metrics.
//!
//! Every request runs in a span carrying its trace id: taken from a W3C `traceparent` header
//! when the caller sends one, otherwise new. Log lines written while handling the request carry
//! it, and the response returns it (`traceparent`), so a client can quote it in a report.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use rand::RngCore;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

/// The W3C trace id of the request being handled (32 lowercase hex digits).
#[derive(Debug, Clone)]
pub struct TraceId(pub String);

/// JSON log lines to stderr (or plain text with `format = "text"`); `RUST_LOG` filters.
pub fn init_logging(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Ignore the error of a second initialisation: a subscriber is already in place.
    let _ = if format == "text" {
        builder.try_init()
    } else {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    };
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding process); then ours stays local.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buffer);
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The trace id of a valid `traceparent` header (`00-<trace id>-<parent id>-<flags>`).
pub fn parse_traceparent(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let (version, trace_id, parent_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |text: &str, length: usize| {
        text.len() == length
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let valid = hex(version, 2)
        && version != "ff"
        && hex(trace_id, 32)
        && trace_id.bytes().any(|b| b != b'0')
        && hex(parent_id, 16)
        && hex(flags, 2);
    valid.then(|| trace_id.to_owned())
}

/// Opens the request span, records metrics and returns the trace id to the caller.
pub async fn trace_requests(mut request: Request, next: Next) -> Response {
    let trace_id = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(parse_traceparent)
        .unwrap_or_else(|| random_hex(16));
    let route: &'static str = match request.uri().path() {
        "/graphql" => "/graphql",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ => "other",
    };
    let method = request.method().clone();
    let span = tracing::info_span!("request", trace_id = %trace_id, method = %method, route, actor = tracing::field::Empty);
    request.extensions_mut().insert(TraceId(trace_id.clone()));
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        )
    });

    let labels = [
        ("route", route.to_owned()),
        ("method", method.to_string()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());

    if let Ok(value) = HeaderValue::from_str(&format!("00-{trace_id}-{}-01", random_hex(8))) {
        response.headers_mut().insert("traceparent", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_is_parsed_strictly() {
        let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(
            parse_traceparent(&format!("00-{trace_id}-00f067aa0ba902b7-01")),
            Some(trace_id.to_owned())
        );
        assert_eq!(
            parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
        assert_eq!(
            parse_traceparent(&format!(
                "00-{}-00f067aa0ba902b7-01",
                trace_id.to_uppercase()
            )),
            None
        );
        assert_eq!(parse_traceparent("garbage"), None);
    }
}
