//! OpenTelemetry traces over OTLP, as a collector receives them: a small OTLP/HTTP receiver in
//! this file decodes what the server exports. The request span continues the caller's trace
//! (its parent, its `tracestate`, its sampling decision) and is the span the response's
//! `traceparent` names; every access-log entry of a read and of a write arrives as a span with
//! the Logboek Dataverwerkingen attributes, one per entry the resident's log shows, even when
//! the caller does not sample; no span carries a BSN or a token.
//!
//! The exporter belongs to the process's subscriber, so this file installs it once, the way
//! `maatwerk serve` does, and its tests take turns.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value;
use prost::Message;
use serde_json::{Value, json};

on_both_databases!(
    a_read_continues_the_callers_trace_with_one_processing_span_per_entry,
    a_write_and_an_unsampled_read_still_reach_the_processing_log,
);

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A span as the receiver decoded it, ids in lowercase hex.
#[derive(Debug, Clone)]
struct Received {
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    trace_state: String,
    name: String,
    attributes: BTreeMap<String, String>,
    service_name: String,
}

struct Collector {
    spans: Arc<Mutex<Vec<Received>>>,
    telemetry: api::telemetry::Telemetry,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn text(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(text)) => text.clone(),
        Some(any_value::Value::IntValue(number)) => number.to_string(),
        Some(any_value::Value::BoolValue(flag)) => flag.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

/// Serves `POST /v1/traces` on a thread of its own, so that it outlives each test's runtime.
fn receive(spans: Arc<Mutex<Vec<Received>>>) -> SocketAddr {
    let (address_sender, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the receiver");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port for the receiver");
            address_sender
                .send(listener.local_addr().expect("its address"))
                .expect("the test waits for the address");
            let router = axum::Router::new().route(
                "/v1/traces",
                axum::routing::post(move |body: axum::body::Bytes| {
                    let spans = Arc::clone(&spans);
                    async move {
                        let request =
                            ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
                        let mut spans = spans.lock().expect("the receiver's spans");
                        for resource in request.resource_spans {
                            let service_name = resource
                                .resource
                                .iter()
                                .flat_map(|resource| &resource.attributes)
                                .find(|attribute| attribute.key == "service.name")
                                .map(|attribute| text(attribute.value.as_ref()))
                                .unwrap_or_default();
                            for span in resource
                                .scope_spans
                                .into_iter()
                                .flat_map(|scope| scope.spans)
                            {
                                spans.push(Received {
                                    trace_id: hex(&span.trace_id),
                                    span_id: hex(&span.span_id),
                                    parent_span_id: hex(&span.parent_span_id),
                                    trace_state: span.trace_state.clone(),
                                    name: span.name.clone(),
                                    attributes: span
                                        .attributes
                                        .iter()
                                        .map(|attribute| {
                                            (attribute.key.clone(), text(attribute.value.as_ref()))
                                        })
                                        .collect(),
                                    service_name: service_name.clone(),
                                });
                            }
                        }
                        (
                            [("content-type", "application/x-protobuf")],
                            Vec::<u8>::new(),
                        )
                    }
                }),
            );
            axum::serve(listener, router)
                .await
                .expect("the receiver serves");
        });
    });
    address.recv().expect("the receiver's address")
}

/// The receiver, and the exporter installed with the settings `maatwerk serve` reads.
fn collector() -> &'static Collector {
    static COLLECTOR: OnceLock<Collector> = OnceLock::new();
    COLLECTOR.get_or_init(|| {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let address = receive(Arc::clone(&spans));
        let settings = api::settings::TraceSettings {
            otlp_endpoint: Some(format!("http://{address}")),
            service_name: "maatwerk-under-test".into(),
            ..Default::default()
        };
        let telemetry =
            api::telemetry::init("off", false, &settings).expect("the exporter is built");
        Collector { spans, telemetry }
    })
}

/// Every span of `trace_id` the receiver has, once the exporter has sent what it holds.
async fn spans_of(trace_id: &str) -> Vec<Received> {
    let collector = collector();
    // Flushing blocks until the collector answered; the runtime keeps serving meanwhile.
    tokio::task::block_in_place(|| collector.telemetry.flush());
    collector
        .spans
        .lock()
        .expect("the receiver's spans")
        .iter()
        .filter(|span| span.trace_id == trace_id)
        .cloned()
        .collect()
}

fn random_hex(bytes: usize) -> String {
    use rand::Rng;
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex(&buffer)
}

/// A caller's trace: its id, its span and its flags, as `traceparent` carries them.
struct Caller {
    trace_id: String,
    span_id: String,
    flags: &'static str,
}

impl Caller {
    fn new(sampled: bool) -> Self {
        Self {
            trace_id: random_hex(16),
            span_id: random_hex(8),
            flags: if sampled { "01" } else { "00" },
        }
    }
}

/// Posts `query` as `token` within `caller`'s trace; returns the data and the response's
/// `traceparent` split into trace id, span id and flags.
async fn post_in_trace(
    server: &DemoServer,
    caller: &Caller,
    token: &str,
    query: &str,
    variables: Value,
) -> (Value, [String; 3]) {
    let response = server
        .client
        .post(format!("http://{}/graphql", server.address))
        .bearer_auth(token)
        .header(
            "traceparent",
            format!("00-{}-{}-{}", caller.trace_id, caller.span_id, caller.flags),
        )
        .header("tracestate", "congo=t61rcWkgMzE")
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the server answers");
    let traceparent = response
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .expect("the response names its trace")
        .to_owned();
    let body: Value = response.json().await.expect("a JSON body");
    assert!(body.get("errors").is_none(), "{body}");
    let parts: Vec<String> = traceparent.split('-').map(str::to_owned).collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    (
        body["data"].clone(),
        [parts[1].clone(), parts[2].clone(), parts[3].clone()],
    )
}

/// The entries of the resident's own access log that trace `trace_id` left.
async fn resident_entries(server: &DemoServer, trace_id: &str) -> Vec<Value> {
    server
        .resident_log("samira", "action traceId processingActivityId")
        .await
        .into_iter()
        .filter(|entry| entry["traceId"] == trace_id)
        .collect()
}

/// The showcase resident's BSN, as the income department sees it.
async fn showcase_bsn(server: &DemoServer, case_id: &str) -> String {
    let income = server.token("wpi-amsterdam", "ilse").await;
    let response = server
        .graphql(
            &income,
            "query($id: ID!) { case(id: $id) { resident { bsn } } }",
            json!({ "id": case_id }),
        )
        .await;
    data(&response, "case")["resident"]["bsn"]
        .as_str()
        .expect("the income department sees the BSN")
        .to_owned()
}

fn processing(spans: &[Received]) -> Vec<&Received> {
    spans
        .iter()
        .filter(|span| {
            span.attributes
                .contains_key("dpl.core.processing_activity_id")
        })
        .collect()
}

/// The processing spans match the resident's log entry for entry: the same actions and
/// processing activities, all about one pseudonymous data subject, and never the BSN or a
/// token anywhere in what was exported.
fn assert_matches_the_log(spans: &[Received], entries: &[Value], secrets: &[&str]) {
    let copies = processing(spans);
    assert!(!entries.is_empty(), "the operation left access-log entries");
    let mut from_log: Vec<(String, String)> = entries
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().expect("an action").to_lowercase(),
                entry["processingActivityId"]
                    .as_str()
                    .expect("a processing activity")
                    .to_owned(),
            )
        })
        .collect();
    let mut exported: Vec<(String, String)> = copies
        .iter()
        .map(|span| {
            (
                span.attributes["maatwerk.action"].clone(),
                span.attributes["dpl.core.processing_activity_id"].clone(),
            )
        })
        .collect();
    from_log.sort();
    exported.sort();
    assert_eq!(
        exported, from_log,
        "one processing span per access-log entry"
    );
    for span in &copies {
        assert_eq!(
            span.name,
            format!("{} case", span.attributes["maatwerk.action"])
        );
        assert_eq!(
            span.attributes["dpl.core.data_subject_id_type"],
            persistence::access_log::DATA_SUBJECT_ID_TYPE
        );
        uuid::Uuid::parse_str(&span.attributes["dpl.core.data_subject_id"])
            .expect("the data subject is the resident's pseudonymous id");
        assert_eq!(
            span.attributes["dpl.core.data_subject_id"],
            copies[0].attributes["dpl.core.data_subject_id"],
            "every entry is about the showcase resident"
        );
    }
    for span in spans {
        for secret in secrets {
            assert!(
                span.attributes
                    .values()
                    .all(|value| !value.contains(secret)),
                "a span carries what it must not: {span:?}"
            );
        }
    }
}

/// The demo server with the exporter installed, the showcase case's lead and the resident's
/// BSN, which no span may carry.
struct Scene {
    server: DemoServer,
    lead: String,
    case_id: String,
    bsn: String,
}

impl Scene {
    async fn start(database: TestDatabase) -> Self {
        collector();
        let server = DemoServer::start(database).await;
        let lead = server.token("buurtteam-amsterdam-west", "anna").await;
        let case_id = server.showcase_id().await;
        let bsn = showcase_bsn(&server, &case_id).await;
        Self {
            server,
            lead,
            case_id,
            bsn,
        }
    }
}

/// The case lead reads the showcase case's facts within `caller`'s trace.
async fn read_facts(scene: &Scene, caller: &Caller) -> (Value, [String; 3]) {
    post_in_trace(
        &scene.server,
        caller,
        &scene.lead,
        READ_FACTS,
        json!({ "id": scene.case_id }),
    )
    .await
}

const READ_FACTS: &str = "query TracedRead($id: ID!) { case(id: $id) { reference facts(first: 20) { edges { node { text } } } } }";

async fn a_read_continues_the_callers_trace_with_one_processing_span_per_entry(
    database: TestDatabase,
) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let scene = Scene::start(database).await;
    let Scene {
        server, lead, bsn, ..
    } = &scene;

    let caller = Caller::new(true);
    let (read, [trace_id, span_id, flags]) = read_facts(&scene, &caller).await;
    assert!(read["case"]["reference"].is_string());
    assert_eq!(
        trace_id, caller.trace_id,
        "the response continues the caller's trace"
    );
    assert_eq!(flags, "01", "a sampling caller's decision is kept");

    let spans = spans_of(&caller.trace_id).await;
    let request = spans
        .iter()
        .find(|span| span.span_id == span_id)
        .unwrap_or_else(|| panic!("the span the response names was exported: {spans:#?}"));
    assert_eq!(request.name, "POST /graphql");
    assert_eq!(
        request.parent_span_id, caller.span_id,
        "its parent is the caller's span"
    );
    assert_eq!(
        request.trace_state, "congo=t61rcWkgMzE",
        "the caller's tracestate is kept"
    );
    assert_eq!(request.service_name, "maatwerk-under-test");
    for copy in processing(&spans) {
        assert_eq!(
            copy.parent_span_id, span_id,
            "the entry belongs to the request"
        );
    }
    let entries = resident_entries(server, &caller.trace_id).await;
    assert_matches_the_log(&spans, &entries, &[bsn, lead]);
}

async fn a_write_and_an_unsampled_read_still_reach_the_processing_log(database: TestDatabase) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let scene = Scene::start(database).await;
    let Scene {
        server,
        lead,
        case_id,
        bsn,
    } = &scene;

    let writer = Caller::new(true);
    let (added, _) = post_in_trace(
        server,
        &writer,
        lead,
        "mutation TracedWrite($id: ID!) { addFact(caseId: $id, input: { lifeDomain: HOUSING, need: NEED_TO_KNOW, text: \"Huurachterstand van twee maanden\" }) { id } }",
        json!({ "id": case_id }),
    )
    .await;
    assert!(added["addFact"]["id"].is_string());
    let spans = spans_of(&writer.trace_id).await;
    let entries = resident_entries(server, &writer.trace_id).await;
    assert!(
        entries.iter().any(|entry| entry["action"] == "WRITE"),
        "{entries:?}"
    );
    assert_matches_the_log(&spans, &entries, &[bsn, lead, "Huurachterstand"]);

    let unsampled = Caller::new(false);
    let (_, [trace_id, _, flags]) = read_facts(&scene, &unsampled).await;
    assert_eq!(trace_id, unsampled.trace_id);
    assert_eq!(flags, "00", "a caller's decision not to sample is kept");
    let spans = spans_of(&unsampled.trace_id).await;
    assert!(
        spans.iter().all(|span| span.name != "POST /graphql"),
        "the request span follows the caller's decision: {spans:#?}"
    );
    let entries = resident_entries(server, &unsampled.trace_id).await;
    assert_matches_the_log(&spans, &entries, &[bsn, lead]);
}
