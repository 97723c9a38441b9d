//! Rate limits over real HTTP: per actor once the token is verified, per client address before
//! it is read (WebSocket connection attempts included). A request over a limit gets 429 with
//! `Retry-After` in whole seconds and a GraphQL-shaped `RATE_LIMITED` error.

use maatwerk_tests::{Response, TestDatabase, TestServer, on_both_databases};
use serde_json::json;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const ME: &str = "{ me { kind } }";

fn assert_rate_limited(response: &Response) {
    assert_eq!(response.status, 429, "{}", response.body);
    let retry_after: u64 = response
        .headers
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("Retry-After in whole seconds");
    assert!(retry_after >= 1);
    assert_eq!(
        response.body,
        json!({ "errors": [{ "message": "too many requests", "extensions": { "code": "RATE_LIMITED" } }] })
    );
}

async fn an_actor_over_its_limit_is_refused_and_others_are_not(database: TestDatabase) {
    let server = TestServer::start_with(database, |settings| {
        settings.rate_limits.per_actor_per_second = 2;
        settings.rate_limits.per_actor_burst = 3;
    })
    .await;
    let alice = server.token_a("alice", &[]);
    for _ in 0..3 {
        let response = server.graphql(&alice, ME, json!({})).await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
    let refused = server.graphql(&alice, ME, json!({})).await;
    assert_rate_limited(&refused);
    // A new token for the same person is the same actor.
    let again = server
        .graphql(&server.token_a("alice", &[]), ME, json!({}))
        .await;
    assert_eq!(again.status, 429);

    let bob = server.token_b("bob", &[]);
    let other = server.graphql(&bob, ME, json!({})).await;
    assert_eq!(other.status, 200, "{}", other.body);
}

async fn requests_from_one_address_are_limited_before_authentication(database: TestDatabase) {
    let server = TestServer::start_with(database, |settings| {
        settings.rate_limits.per_address_per_second = 2;
        settings.rate_limits.per_address_burst = 3;
    })
    .await;
    let body = json!({ "query": ME });
    for _ in 0..3 {
        let response = server.post(None, &body).await;
        assert_eq!(response.status, 401, "{}", response.body);
    }
    let refused = server.post(None, &body).await;
    assert_rate_limited(&refused);
    // A valid token does not get past the address's limit either.
    let with_token = server.post(Some(&server.token_b("bob", &[])), &body).await;
    assert_eq!(with_token.status, 429);

    // A WebSocket connection attempt counts too.
    let mut request = format!("ws://{}/graphql/ws", server.address)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => panic!("expected 429, got {other:?}"),
    }

    // Health and readiness are never limited.
    assert_eq!(server.get("/healthz").await.0, 200);
    assert_eq!(server.get("/readyz").await.0, 200);
}

/// On `/graphql/ws` a `connection_init` counts against its actor; one over the limit closes
/// with 1013 (try again later), which graphql-transport-ws clients retry after a pause.
async fn live_connections_count_against_their_actor(database: TestDatabase) {
    use futures::{SinkExt, StreamExt};
    use tungstenite::Message;
    let server = TestServer::start_with(database, |settings| {
        settings.rate_limits.per_actor_per_second = 1;
        settings.rate_limits.per_actor_burst = 1;
    })
    .await;
    let token = server.token_a("alice", &[]);
    let mut answers = Vec::new();
    let mut sockets = Vec::new();
    for _ in 0..2 {
        let mut request = format!("ws://{}/graphql/ws", server.address)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
        socket
            .send(Message::Text(init.to_string().into()))
            .await
            .unwrap();
        let answer = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("an answer in time")
            .expect("a message")
            .expect("a readable message");
        answers.push(answer);
        sockets.push(socket);
    }
    assert!(
        matches!(&answers[0], Message::Text(text) if text.contains("connection_ack")),
        "{:?}",
        answers[0]
    );
    match &answers[1] {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1013),
        other => panic!("expected a close, got {other:?}"),
    }
}

on_both_databases!(
    live_connections_count_against_their_actor,
    an_actor_over_its_limit_is_refused_and_others_are_not,
    requests_from_one_address_are_limited_before_authentication,
);
