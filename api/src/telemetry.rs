//! Logs, trace ids and metrics.
//!
//! Every request runs in a span carrying its W3C trace context: the trace id and the caller's
//! span (its parent) from a `traceparent` header when the caller sends one, with its sampled
//! flag and its `tracestate`, otherwise a new trace. The request's own span gets an id of its
//! own. Log lines written while handling the request carry them, and the response's
//! `traceparent` names the trace and the server's span, with the caller's flags, so a client
//! can quote it in a report.

use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

/// The W3C trace id of the request being handled (32 lowercase hex digits).
#[derive(Debug, Clone)]
pub struct TraceId(pub String);

/// Log lines to stderr: text for a person reading them (`format = "text"`, or `auto` on a
/// terminal or in a demo), JSON lines otherwise; `RUST_LOG` filters.
pub fn init_logging(format: &str, demo: bool) {
    use std::io::IsTerminal;
    let text = match format {
        "text" => true,
        "auto" => demo || std::io::stderr().is_terminal(),
        _ => false,
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Ignore the error of a second initialisation: a subscriber is already in place.
    let _ = if text {
        builder.try_init()
    } else {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    };
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buffer);
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A caller's W3C trace context: `traceparent` (`00-<trace id>-<parent id>-<flags>`) and its
/// `tracestate`, which is passed on as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    pub trace_id: String,
    pub parent_span_id: String,
    /// The caller's trace flags; bit 0 says whether the caller records the trace.
    pub flags: u8,
    pub tracestate: Option<String>,
}

/// The trace context of a valid `traceparent` header.
pub fn parse_traceparent(value: &str) -> Option<TraceContext> {
    let mut parts = value.trim().split('-');
    let (version, trace_id, parent_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |text: &str, length: usize| {
        text.len() == length
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let not_zero = |text: &str| text.bytes().any(|b| b != b'0');
    // Version 00 has exactly four parts; a later version may add parts after them.
    let valid = hex(version, 2)
        && version != "ff"
        && (version != "00" || parts.next().is_none())
        && hex(trace_id, 32)
        && not_zero(trace_id)
        && hex(parent_id, 16)
        && not_zero(parent_id)
        && hex(flags, 2);
    valid.then(|| TraceContext {
        trace_id: trace_id.to_owned(),
        parent_span_id: parent_id.to_owned(),
        flags: u8::from_str_radix(flags, 16).unwrap_or(0),
        tracestate: None,
    })
}

/// A `tracestate` worth passing on: printable ASCII, within the standard's 512 characters.
fn valid_tracestate(value: &str) -> bool {
    !value.trim().is_empty()
        && value.len() <= 512
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Opens the request span, records metrics and returns the trace id to the caller.
pub async fn trace_requests(mut request: Request, next: Next) -> Response {
    // Read in a block of its own: a borrow of the request must not live across the await.
    let caller = {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        header("traceparent")
            .as_deref()
            .and_then(parse_traceparent)
            .map(|context| TraceContext {
                tracestate: header("tracestate").filter(|value| valid_tracestate(value)),
                ..context
            })
    };
    let trace_id = caller
        .as_ref()
        .map_or_else(|| random_hex(16), |context| context.trace_id.clone());
    let span_id = random_hex(8);
    // A new trace is recorded here; a caller's decision is kept.
    let flags = caller.as_ref().map_or(1, |context| context.flags);
    let route: &'static str = match request.uri().path() {
        "/graphql" => "/graphql",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ => "other",
    };
    let method = request.method().clone();
    let span = tracing::info_span!(
        "request",
        trace_id = %trace_id,
        span_id = %span_id,
        parent_span_id = caller.as_ref().map(|context| context.parent_span_id.as_str()),
        tracestate = caller.as_ref().and_then(|context| context.tracestate.as_deref()),
        method = %method,
        route,
        actor = tracing::field::Empty
    );
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

    crate::meters::record_request(route, method.as_str(), status, elapsed);

    if let Ok(value) = HeaderValue::from_str(&format!("00-{trace_id}-{span_id}-{flags:02x}")) {
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
            Some(TraceContext {
                trace_id: trace_id.to_owned(),
                parent_span_id: "00f067aa0ba902b7".to_owned(),
                flags: 1,
                tracestate: None,
            })
        );
        assert_eq!(
            parse_traceparent(&format!("00-{trace_id}-00f067aa0ba902b7-00")).map(|c| c.flags),
            Some(0)
        );
        assert_eq!(
            parse_traceparent(&format!("00-{trace_id}-0000000000000000-01")),
            None
        );
        assert_eq!(
            parse_traceparent(&format!("00-{trace_id}-00f067aa0ba902b7-01-extra")),
            None
        );
        assert_eq!(
            parse_traceparent(&format!("01-{trace_id}-00f067aa0ba902b7-01-extra"))
                .map(|c| c.trace_id),
            Some(trace_id.to_owned())
        );
        assert!(valid_tracestate("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
        assert!(!valid_tracestate("bad\u{7}state"));
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
