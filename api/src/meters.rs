//! The server's Prometheus metrics: what is measured, under which names and labels, and the
//! buckets the histograms count in. Latencies are histograms, not summaries, so that an
//! operator can add them up over servers and ask for any quantile afterwards.
//!
//! Labels come from fixed sets only (routes, outcomes, failure reasons, pools), except the
//! GraphQL operation's name, which is the client's: the first [`OPERATION_NAMES`] distinct
//! names are kept and any later one counts as `other`, so no client can grow the metrics
//! without bound. No label carries a token, an id or case content.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use persistence::Store;

/// Bucket bounds for every `_seconds` histogram: from half a millisecond to ten seconds.
const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Bucket bounds for the number of entries an access-log group commits at once.
const GROUP_ENTRIES: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
/// How many distinct operation names get a label of their own.
pub const OPERATION_NAMES: usize = 200;

/// The process-wide recorder, installed on first use.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full("access_log_group_entries".into()),
                        GROUP_ENTRIES,
                    )
                })
                .expect("the bucket lists are not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding process); then ours stays local.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The metrics as Prometheus text, with the pools' use as of now.
pub fn render(handle: &PrometheusHandle, store: &Store) -> String {
    for pool in store.pool_use() {
        let labels = [("pool", pool.pool)];
        metrics::gauge!("database_pool_connections", &labels).set(pool.open);
        metrics::gauge!("database_pool_idle_connections", &labels).set(pool.idle);
        metrics::gauge!("database_pool_max_connections", &labels).set(pool.limit);
    }
    handle.render()
}

/// One HTTP request, by route, method and status.
pub fn record_request(route: &'static str, method: &str, status: u16, elapsed: Duration) {
    let labels = [
        ("route", route.to_owned()),
        ("method", method.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

/// How long something that hands out case data waited for its access-log entries to become
/// durable, in `access_log_wait_seconds`: an operation over HTTP (from handing its entries to
/// the group commit to the commit, less the time it spent writing out its answer meanwhile), a
/// page of an export, a replayed answer, or an event sent to a live subscription. Nothing waits
/// when nothing was read; that counts as a wait of zero. Set against
/// `http_request_duration_seconds`, it is the share of a request's time the log takes.
pub fn record_access_log_wait(waited: Duration) {
    metrics::histogram!("access_log_wait_seconds").record(waited.as_secs_f64());
}

/// Awaits `recording`, the making durable of access-log entries, and records how long that
/// took as [`record_access_log_wait`] does.
pub async fn waiting_on_access_log<T>(recording: impl Future<Output = T>) -> T {
    let began = std::time::Instant::now();
    let recorded = recording.await;
    record_access_log_wait(began.elapsed());
    recorded
}

/// How one GraphQL operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationOutcome {
    /// Executed, with or without field errors.
    Executed,
    /// Refused before it ran: it did not parse or validate.
    Refused,
    /// Executed, but its answer was withheld because its access-log entries were not durable.
    Withheld,
}

impl OperationOutcome {
    fn label(self) -> &'static str {
        match self {
            OperationOutcome::Executed => "executed",
            OperationOutcome::Refused => "refused",
            OperationOutcome::Withheld => "withheld",
        }
    }
}

/// One GraphQL operation over HTTP, from parsing to its durable access-log entries.
/// `kind` is `query`, `mutation` or `subscription`, or `unknown` for one that did not parse.
pub fn record_operation(
    name: Option<&str>,
    kind: &'static str,
    outcome: OperationOutcome,
    elapsed: Duration,
) {
    let labels = [
        ("operation", operation_label(name)),
        ("type", kind.to_owned()),
        ("outcome", outcome.label().to_owned()),
    ];
    metrics::histogram!("graphql_operation_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
}

/// The label for an operation's name: the name itself for the first [`OPERATION_NAMES`] names
/// seen, `other` after that, `anonymous` for an operation without one.
fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name else {
        return "anonymous".to_owned();
    };
    let mut seen = SEEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if seen.contains(name) {
        return name.to_owned();
    }
    if seen.len() < OPERATION_NAMES && is_graphql_name(name) {
        seen.insert(name.to_owned());
        return name.to_owned();
    }
    "other".to_owned()
}

/// GraphQL's `Name`: a letter or `_`, then letters, digits and `_`.
fn is_graphql_name(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// A token refused, by why; `reason` is one of a fixed set.
pub fn record_authentication_failure(reason: &'static str) {
    metrics::counter!("authentication_failures_total", "reason" => reason).increment(1);
}

/// The subscriptions running on one live connection, counted in the process-wide gauge
/// `graphql_subscriptions_live` as they start and end, and all at once when the connection
/// goes. The connection itself counts in `graphql_live_connections`.
#[derive(Debug)]
pub struct LiveSubscriptions {
    ids: HashSet<String>,
}

impl LiveSubscriptions {
    pub fn new() -> Self {
        metrics::gauge!("graphql_live_connections").increment(1.0);
        Self {
            ids: HashSet::new(),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn insert(&mut self, id: String) {
        if self.ids.insert(id) {
            metrics::gauge!("graphql_subscriptions_live").increment(1.0);
        }
    }

    pub fn remove(&mut self, id: &str) {
        if self.ids.remove(id) {
            metrics::gauge!("graphql_subscriptions_live").decrement(1.0);
        }
    }
}

impl Default for LiveSubscriptions {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for LiveSubscriptions {
    fn drop(&mut self) {
        metrics::gauge!("graphql_subscriptions_live").decrement(self.ids.len() as f64);
        metrics::gauge!("graphql_live_connections").decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_graphql_names_become_labels() {
        assert!(is_graphql_name("Caseload"));
        assert!(is_graphql_name("_private2"));
        assert!(!is_graphql_name(""));
        assert!(!is_graphql_name("2fast"));
        assert!(!is_graphql_name("name with spaces"));
        assert!(!is_graphql_name("naam-met-streepje"));
    }

    #[test]
    fn operation_names_are_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("bad name")), "other");
        // The set is process-wide: fill it, whatever other tests put in, and see a new name
        // after that count as `other` while a name seen before keeps its label.
        assert_eq!(operation_label(Some("Caseload")), "Caseload");
        for index in 0..OPERATION_NAMES {
            operation_label(Some(&format!("Generated{index}")));
        }
        assert_eq!(operation_label(Some("OneTooMany")), "other");
        assert_eq!(operation_label(Some("Caseload")), "Caseload");
    }
}
