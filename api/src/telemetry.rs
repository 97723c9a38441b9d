//! Logs, traces and their ids.
//!
//! Every request runs in a span carrying its W3C trace context: the trace id and the caller's
//! span (its parent) from a `traceparent` header when the caller sends one, with its sampled
//! flag and its `tracestate`, otherwise a new trace. The request's own span gets an id of its
//! own. Log lines written while handling the request carry them, and the response's
//! `traceparent` names the trace and the server's span, with the caller's flags, so a client
//! can quote it in a report.
//!
//! With an OTLP endpoint set, spans are exported with `tracing-opentelemetry`, and the ids
//! above are the exported spans' own. Every access-log entry is exported as well, as a span
//! with the attributes of the Logboek Dataverwerkingen standard
//! ([`persistence::access_log::emit_processing_spans`]); those are kept whatever the
//! caller's sampling decision, since a municipality's LDV collector needs every one.

use std::str::FromStr;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::trace::{
    Link, SpanContext, SpanKind, TraceContextExt, TraceFlags, TraceState, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SamplingDecision, SamplingResult,
    SdkTracerProvider, ShouldSample,
};
use persistence::access_log::PROCESSING_TARGET;
use rand::Rng;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

use crate::settings::TraceSettings;

/// The W3C trace id of the request being handled (32 lowercase hex digits).
#[derive(Debug, Clone)]
pub struct TraceId(pub String);

/// The installed trace exporter, if any. Dropping it sends what is still queued.
#[must_use = "dropping the telemetry stops the trace export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends every finished span now; blocks until the collector answered or gave up.
    pub fn flush(&self) {
        if let Some(provider) = &self.provider
            && let Err(error) = provider.force_flush()
        {
            tracing::warn!(error = %error, "trace export flush failed");
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            let _ = provider.shutdown();
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the OTLP trace exporter cannot be built: {0}")]
pub struct TelemetryError(String);

/// Installs the process's subscriber: log lines to stderr, text for a person reading them
/// (`format = "text"`, or `auto` on a terminal or in a demo), JSON lines otherwise, none with
/// `off`, filtered by `RUST_LOG`; and, with an OTLP endpoint in `traces`, the trace exporter.
pub fn init(format: &str, demo: bool, traces: &TraceSettings) -> Result<Telemetry, TelemetryError> {
    use std::io::IsTerminal;
    let text = match format {
        "text" => true,
        "auto" => demo || std::io::stderr().is_terminal(),
        _ => false,
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // The access-log copies are spans for the exporter, not log lines.
        .add_directive(
            format!("{PROCESSING_TARGET}=off")
                .parse()
                .map_err(|_| TelemetryError("log filter".into()))?,
        );
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let logs = if format == "off" {
        None
    } else if text {
        Some(logs.with_filter(filter).boxed())
    } else {
        Some(
            logs.json()
                .with_current_span(true)
                .with_span_list(false)
                .with_filter(filter)
                .boxed(),
        )
    };
    let (provider, exported) = match &traces.otlp_endpoint {
        None => (None, None),
        Some(endpoint) => {
            let provider = tracer_provider(endpoint, traces)?;
            let layer = tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("maatwerk"))
                .with_filter(Targets::new().with_default(LevelFilter::INFO));
            (Some(provider), Some(layer))
        }
    };
    // Ignore the error of a second initialisation: a subscriber is already in place.
    let _ = Registry::default().with(logs).with(exported).try_init();
    Ok(Telemetry { provider })
}

fn tracer_provider(
    endpoint: &str,
    traces: &TraceSettings,
) -> Result<SdkTracerProvider, TelemetryError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .with_timeout(Duration::from_secs(10))
        .with_http_client(ExportClient::new()?)
        .build()
        .map_err(|error| TelemetryError(error.to_string()))?;
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_scheduled_delay(Duration::from_millis(traces.export_delay_milliseconds))
                .build(),
        )
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(KeepProcessing(Sampler::ParentBased(Box::new(
            Sampler::AlwaysOn,
        ))))
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(traces.service_name.clone())
                .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
                .build(),
        )
        .build())
}

/// The exporter's HTTP client: the batch processor sends from a thread of its own, outside
/// the server's runtime, so requests run on a one-thread runtime kept for them.
#[derive(Debug)]
struct ExportClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl ExportClient {
    fn new() -> Result<Self, TelemetryError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("trace-export")
            .enable_all()
            .build()
            .map_err(|error| TelemetryError(error.to_string()))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| TelemetryError(error.to_string()))?;
        Ok(Self { client, runtime })
    }
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for ExportClient {
    async fn send_bytes(
        &self,
        request: opentelemetry_http::Request<opentelemetry_http::Bytes>,
    ) -> Result<
        opentelemetry_http::Response<opentelemetry_http::Bytes>,
        opentelemetry_http::HttpError,
    > {
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        let sent = self.runtime.spawn(async move {
            let response = client.execute(request).await?;
            let status = response.status();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        });
        let (status, body) = sent.await??;
        Ok(opentelemetry_http::Response::builder()
            .status(status)
            .body(body)?)
    }
}

/// The caller's sampling decision for ordinary spans; access-log copies always.
#[derive(Debug, Clone)]
struct KeepProcessing(Sampler);

impl ShouldSample for KeepProcessing {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: opentelemetry::trace::TraceId,
        name: &str,
        span_kind: &SpanKind,
        attributes: &[KeyValue],
        links: &[Link],
    ) -> SamplingResult {
        let processing = attributes
            .iter()
            .any(|attribute| attribute.key.as_str() == "dpl.core.processing_activity_id");
        if processing {
            return SamplingResult {
                decision: SamplingDecision::RecordAndSample,
                attributes: Vec::new(),
                trace_state: parent_context
                    .map(|parent| parent.span().span_context().trace_state().clone())
                    .unwrap_or_default(),
            };
        }
        self.0
            .should_sample(parent_context, trace_id, name, span_kind, attributes, links)
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
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
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        trace_id = tracing::field::Empty,
        span_id = tracing::field::Empty,
        parent_span_id = caller.as_ref().map(|context| context.parent_span_id.as_str()),
        tracestate = caller.as_ref().and_then(|context| context.tracestate.as_deref()),
        method = %method,
        route,
        actor = tracing::field::Empty
    );
    let (trace_id, span_id, flags) = identify(&span, caller.as_ref());
    span.record("trace_id", trace_id.as_str());
    span.record("span_id", span_id.as_str());
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

/// The trace id, span id and flags of the request span. With the trace exporter installed they
/// are the exported span's, continuing the caller's trace; without it, the caller's trace with
/// an id of our own, or a new trace that is recorded.
fn identify(span: &tracing::Span, caller: Option<&TraceContext>) -> (String, String, u8) {
    if let Some(caller) = caller
        && let (Ok(trace_id), Ok(span_id)) = (
            opentelemetry::trace::TraceId::from_hex(&caller.trace_id),
            opentelemetry::trace::SpanId::from_hex(&caller.parent_span_id),
        )
    {
        let state = caller
            .tracestate
            .as_deref()
            .and_then(|state| TraceState::from_str(state).ok())
            .unwrap_or_default();
        let remote = SpanContext::new(
            trace_id,
            span_id,
            TraceFlags::new(caller.flags),
            true,
            state,
        );
        // Without the exporter there is no OpenTelemetry layer to take the parent.
        let _ = span.set_parent(Context::new().with_remote_span_context(remote));
    }
    let exported = span.context().span().span_context().clone();
    if exported.is_valid() {
        return (
            exported.trace_id().to_string(),
            exported.span_id().to_string(),
            // The exporter decided from the caller's flags; a caller that records keeps 01.
            exported.trace_flags().to_u8(),
        );
    }
    let trace_id = caller.map_or_else(|| random_hex(16), |context| context.trace_id.clone());
    // A new trace is recorded here; a caller's decision is kept.
    let flags = caller.map_or(1, |context| context.flags);
    (trace_id, random_hex(8), flags)
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
