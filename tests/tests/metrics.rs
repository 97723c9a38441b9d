//! The Prometheus metrics, read from `/metrics` over HTTP after real requests: operation
//! latency histograms by operation name, type and outcome; refused tokens by reason; the
//! database pools; access-log groups; live connections and subscriptions; and `/metrics` on an
//! address of its own, where the main address no longer serves it.
//!
//! The metrics are process-wide, so the tests in this file take turns: each compares what it
//! reads before and after its own requests, with no other test moving the figures meanwhile.

use maatwerk_tests::live::Live;
use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use serde_json::json;
use tokio::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

on_both_databases!(
    operations_refusals_pools_and_the_access_log_are_measured,
    live_connections_and_subscriptions_are_counted,
    metrics_can_have_an_address_of_their_own,
);

/// The Prometheus text at `http://ADDRESS/metrics`.
async fn scrape(server: &DemoServer, address: std::net::SocketAddr) -> String {
    let response = server
        .client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    response.text().await.expect("a text body")
}

/// The value of the sample `name` whose labels include every one of `labels`; 0 when there is
/// none yet, as Prometheus reads a counter that has not started.
fn sample(metrics: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
            (metric == name
                && labels
                    .iter()
                    .all(|(key, value)| rest.contains(&format!("{key}=\"{value}\""))))
            .then(|| value.parse::<f64>().ok())
            .flatten()
        })
        .sum()
}

async fn operations_refusals_pools_and_the_access_log_are_measured(database: TestDatabase) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let sqlite = database.url.starts_with("sqlite");
    let server = DemoServer::start(database).await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let case_id = server.showcase_id().await;
    let before = scrape(&server, server.address).await;

    let named = [
        ("operation", "ShowcaseFacts"),
        ("type", "query"),
        ("outcome", "executed"),
    ];
    for _ in 0..3 {
        let response = server
            .graphql(
                &lead,
                "query ShowcaseFacts($id: ID!) { case(id: $id) { facts(first: 5) { edges { node { text } } } } }",
                json!({ "id": case_id }),
            )
            .await;
        data(&response, "case");
    }
    let refused = server
        .graphql(&lead, "query NoSuchField { nothingHere }", json!({}))
        .await;
    assert_eq!(refused.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
    for token in [None, Some("not-a-jwt")] {
        let mut request = server
            .client
            .post(format!("http://{}/graphql", server.address))
            .json(&json!({ "query": "{ me { kind } }" }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(request.send().await.unwrap().status(), 401);
    }

    let after = scrape(&server, server.address).await;
    let grew = |name: &str, labels: &[(&str, &str)]| {
        sample(&after, name, labels) - sample(&before, name, labels)
    };
    assert_eq!(
        grew("graphql_operation_duration_seconds_count", &named),
        3.0,
        "{after}"
    );
    // A histogram with buckets, not a summary with quantiles: every request is in the
    // ten-second bucket.
    assert_eq!(
        grew(
            "graphql_operation_duration_seconds_bucket",
            &[("operation", "ShowcaseFacts"), ("le", "10")]
        ),
        3.0,
        "{after}"
    );
    assert!(
        !after.lines().any(
            |line| line.starts_with("graphql_operation_duration_seconds{")
                && line.contains("quantile=")
        ),
        "{after}"
    );
    assert_eq!(
        grew(
            "graphql_operation_duration_seconds_count",
            &[("operation", "NoSuchField"), ("outcome", "refused")]
        ),
        1.0,
        "{after}"
    );
    assert_eq!(
        grew("authentication_failures_total", &[("reason", "missing")]),
        1.0,
        "{after}"
    );
    assert_eq!(
        grew("authentication_failures_total", &[("reason", "malformed")]),
        1.0,
        "{after}"
    );
    // Each case read was logged in a group of its own or shared one: three entries at least,
    // committed in at most three groups.
    let entries = grew("access_log_group_entries_sum", &[]);
    let groups = grew("access_log_group_entries_count", &[]);
    assert!(entries >= 3.0 && (1.0..=3.0).contains(&groups), "{after}");
    assert_eq!(grew("access_log_group_commit_seconds_count", &[]), groups);
    // Each operation that reached execution waited once on the log, within the time it took:
    // the three reads for their entries, and the one refused in validation for none.
    assert_eq!(grew("access_log_wait_seconds_count", &[]), 4.0, "{after}");
    assert!(
        grew("access_log_wait_seconds_sum", &[])
            <= grew("graphql_operation_duration_seconds_sum", &named),
        "{after}"
    );

    for pool in if sqlite {
        vec!["writes"]
    } else {
        vec!["writes", "snapshots"]
    } {
        let labels = [("pool", pool)];
        let open = sample(&after, "database_pool_connections", &labels);
        let limit = sample(&after, "database_pool_max_connections", &labels);
        assert!(open >= 1.0 && open <= limit, "{pool}: {after}");
        assert!(sample(&after, "database_pool_idle_connections", &labels) <= open);
    }
    // Nothing identifies a person or a case: no token, no id.
    assert!(
        !after.contains(&lead) && !after.contains(&case_id),
        "{after}"
    );
}

async fn live_connections_and_subscriptions_are_counted(database: TestDatabase) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = DemoServer::start(database).await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let case_id = server.showcase_id().await;
    let gauges = |metrics: &str| {
        (
            sample(metrics, "graphql_live_connections", &[]),
            sample(metrics, "graphql_subscriptions_live", &[]),
        )
    };
    let (connections, subscriptions) = gauges(&scrape(&server, server.address).await);

    let mut live = Live::connect(server.address, &lead)
        .await
        .expect("the connection is acknowledged");
    live.subscribe("first", &case_id).await;
    live.subscribe("second", &case_id).await;
    // The server counts a subscription when it starts it; wait until both have.
    let mut running = gauges(&scrape(&server, server.address).await);
    for _ in 0..50 {
        if running == (connections + 1.0, subscriptions + 2.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        running = gauges(&scrape(&server, server.address).await);
    }
    assert_eq!(running, (connections + 1.0, subscriptions + 2.0));

    live.send(json!({ "id": "first", "type": "complete" }))
        .await;
    let mut one_left = gauges(&scrape(&server, server.address).await);
    for _ in 0..50 {
        if one_left.1 == subscriptions + 1.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        one_left = gauges(&scrape(&server, server.address).await);
    }
    assert_eq!(one_left, (connections + 1.0, subscriptions + 1.0));

    drop(live);
    let mut gone = gauges(&scrape(&server, server.address).await);
    for _ in 0..50 {
        if gone == (connections, subscriptions) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        gone = gauges(&scrape(&server, server.address).await);
    }
    assert_eq!(gone, (connections, subscriptions));
}

async fn metrics_can_have_an_address_of_their_own(database: TestDatabase) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let server = DemoServer::start_with(database, |settings| {
        settings.metrics_listen = Some("127.0.0.1:0".parse().expect("an address"));
    })
    .await;
    let metrics_address = server.metrics_address.expect("an address of their own");
    assert_ne!(metrics_address, server.address);
    let metrics = scrape(&server, metrics_address).await;
    assert!(metrics.contains("database_pool_connections"), "{metrics}");

    let main = server
        .client
        .get(format!("http://{}/metrics", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), 404);
    // The metrics address serves the metrics and nothing else.
    let graphql = server
        .client
        .post(format!("http://{metrics_address}/graphql"))
        .json(&json!({ "query": "{ me { kind } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(graphql.status(), 404);
}
