//! Case events over GraphQL subscriptions (graphql-transport-ws on `/graphql/ws`), on the demo
//! data: each event passes the slice when it is delivered; a revoked consent stops the events
//! it covers at once; a member who leaves gets `NOT_FOUND` and the subscription ends; a case
//! the viewer may not see fails exactly like one that does not exist; on PostgreSQL a write on
//! one server reaches a subscriber on another, and a dropped connection between them reaches
//! the subscriber as `events_missed`. The connection itself: it ends when its token expires,
//! serves subscriptions only, closes with the protocol's codes, and is limited in
//! subscriptions and message size.

use std::time::Duration;

use maatwerk_tests::live::Live;
use maatwerk_tests::{DemoServer, TestDatabase, on_both_databases};
use serde_json::{Value, json};

async fn graphql_ok(server: &DemoServer, token: &str, query: &str, variables: Value) -> Value {
    let response = server.graphql(token, query, variables).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.body.get("errors").is_none(), "{}", response.body);
    response.body["data"].clone()
}

const ADD_FACT: &str = r#"mutation($case: ID!, $text: String!) {
  addFact(caseId: $case, input: { lifeDomain: HOUSING, text: $text, need: NEED_TO_KNOW, sharing: TEAM }) { id }
}"#;
const ADD_AGREEMENT: &str = r#"mutation($case: ID!, $what: String!) {
  addAgreement(caseId: $case, input: { what: $what, assignee: { kind: RESIDENT } }) { id }
}"#;

async fn a_revoked_consent_stops_the_events_it_covers(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let income = server.token("wpi-amsterdam", "ilse").await;
    let housing = server.token("woonstad-wonen", "lars").await;
    let mut live = Live::connect(server.address, &housing).await.expect("ack");
    live.subscribe("1", &case_id).await;
    // The subscription is in place once an event reaches it; a step change is one.
    let mut first = Value::Null;
    for attempt in 0..20 {
        graphql_ok(
            &server,
            &income,
            ADD_FACT,
            json!({ "case": case_id, "text": format!("The landlord agreed to wait (note {attempt})") }),
        )
        .await;
        if let Ok(Some(message)) =
            tokio::time::timeout(Duration::from_millis(500), live.next()).await
        {
            first = message;
            break;
        }
    }
    assert_eq!(first["type"], "next", "{first}");
    let event = &first["payload"]["data"]["caseEvents"];
    assert_eq!(event["kind"], "FACT_ADDED");
    assert_eq!(event["item"]["__typename"], "Fact");
    assert_eq!(event["item"]["lifeDomain"], "HOUSING");
    assert!(
        event["item"]["text"]
            .as_str()
            .unwrap()
            .starts_with("The landlord agreed to wait")
    );
    assert_eq!(
        event["case"]["reference"],
        server.showcase.reference.as_str()
    );
    // Drain what the attempts above may still have queued.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(500), live.next()).await {}

    // The resident withdraws Woonstad's consent for housing.
    let woonstad = graphql_ok(
        &server,
        &lead,
        r#"{ organisation(slug: "woonstad-wonen") { id } }"#,
        json!({}),
    )
    .await;
    graphql_ok(
        &server,
        &lead,
        r#"mutation($input: ConsentInput!) { revokeConsent(input: $input) { id } }"#,
        json!({ "input": {
            "caseId": case_id,
            "organisationId": woonstad["organisation"]["id"],
            "lifeDomains": ["HOUSING"],
        } }),
    )
    .await;
    let revoked = live.event("1").await;
    assert_eq!(revoked["data"]["caseEvents"]["kind"], "CONSENT_REVOKED");

    // A housing fact of another organisation no longer reaches Woonstad; the plan still does.
    graphql_ok(
        &server,
        &income,
        ADD_FACT,
        json!({ "case": case_id, "text": "Written after the revocation" }),
    )
    .await;
    graphql_ok(
        &server,
        &lead,
        ADD_AGREEMENT,
        json!({ "case": case_id, "what": "Visit the landlord together" }),
    )
    .await;
    let next = live.event("1").await;
    assert_eq!(
        next["data"]["caseEvents"]["kind"], "AGREEMENT_ADDED",
        "{next}"
    );
    assert_eq!(
        next["data"]["caseEvents"]["item"]["what"],
        "Visit the landlord together"
    );
    assert!(!next.to_string().contains("Written after the revocation"));
}

async fn a_member_who_leaves_stops_receiving_events(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let housing = server.token("woonstad-wonen", "lars").await;
    let mut live = Live::connect(server.address, &housing).await.expect("ack");
    live.subscribe("leaving", &case_id).await;
    // Let the subscription settle before the membership ends.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let team = graphql_ok(
        &server,
        &housing,
        "query($id: ID!) { case(id: $id) { team { nodes { id version organisation { slug } } } } }",
        json!({ "id": case_id }),
    )
    .await;
    let me = team["case"]["team"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["organisation"]["slug"] == "woonstad-wonen")
        .unwrap()
        .clone();
    graphql_ok(
        &server,
        &housing,
        "mutation($case: ID!, $member: ID!, $version: Int!) { removeTeamMember(caseId: $case, memberId: $member, version: $version, reason: \"Arrears settled\") }",
        json!({ "case": case_id, "member": me["id"], "version": me["version"] }),
    )
    .await;
    graphql_ok(
        &server,
        &lead,
        ADD_AGREEMENT,
        json!({ "case": case_id, "what": "Not for Woonstad any more" }),
    )
    .await;
    // Their own leaving is the first event they cannot see: it ends the subscription.
    let ended = live.event("leaving").await;
    assert_eq!(ended["data"], Value::Null, "{ended}");
    assert_eq!(
        ended["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{ended}"
    );
    let complete = live.next().await.expect("complete");
    assert_eq!(complete["type"], "complete", "{complete}");
    assert!(!ended.to_string().contains("Not for Woonstad"));
}

async fn a_case_out_of_sight_fails_like_a_missing_one(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let outsider = server.token("werk-en-inkomen-zaanstad", "tess").await;
    let mut live = Live::connect(server.address, &outsider).await.expect("ack");
    live.subscribe("a", &case_id).await;
    let hidden = live.event("a").await;
    assert_eq!(live.next().await.expect("complete")["type"], "complete");
    let missing_id =
        api::graphql::ids::encode(api::graphql::ids::NodeType::Case, uuid::Uuid::now_v7());
    live.subscribe("b", &missing_id.0).await;
    let missing = live.event("b").await;
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(
        hidden["errors"][0]["message"],
        missing["errors"][0]["message"]
    );
    assert_eq!(hidden["data"], missing["data"]);

    assert_eq!(live.next().await.expect("complete")["type"], "complete");

    // The alias limit holds on this transport too.
    let aliases: Vec<String> = (0..51).map(|index| format!("a{index}: kind")).collect();
    live.send(json!({
        "id": "c",
        "type": "subscribe",
        "payload": {
            "query": format!("subscription($case: ID!) {{ caseEvents(caseId: $case) {{ {} }} }}", aliases.join(" ")),
            "variables": { "case": case_id }
        }
    }))
    .await;
    let refused = live.event("c").await;
    assert_eq!(refused["data"], Value::Null, "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    // Without a valid token the connection is never acknowledged.
    assert!(Live::connect(server.address, "not-a-token").await.is_none());
}

async fn events_reach_subscribers_on_another_server(database: TestDatabase) {
    let postgres = database.url.starts_with("postgres");
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    // On PostgreSQL a second server process on the same database; SQLite has one process.
    let second = if postgres {
        Some(server.second_server().await)
    } else {
        None
    };
    let listening = second
        .as_ref()
        .map_or(server.address, |second| second.address);
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let mut live = Live::connect(listening, &lead).await.expect("ack");
    live.subscribe("1", &case_id).await;
    let mut received = Value::Null;
    for attempt in 0..20 {
        graphql_ok(
            &server,
            &lead,
            ADD_AGREEMENT,
            json!({ "case": case_id, "what": format!("Across servers ({attempt})") }),
        )
        .await;
        if let Ok(Some(message)) =
            tokio::time::timeout(Duration::from_millis(500), live.next()).await
        {
            received = message;
            break;
        }
    }
    assert_eq!(received["type"], "next", "{received}");
    let event = &received["payload"]["data"]["caseEvents"];
    assert_eq!(event["kind"], "AGREEMENT_ADDED");
    assert!(
        event["item"]["what"]
            .as_str()
            .unwrap()
            .starts_with("Across servers")
    );
    // The delivery is logged like any read.
    let resident = server.resident_token("samira").await;
    let log = graphql_ok(
        &server,
        &resident,
        "{ accessLog(first: 100) { edges { node { operationName role } } } }",
        json!({}),
    )
    .await;
    assert!(
        log["accessLog"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|edge| edge["node"]["operationName"] == "caseEvents"),
        "{log}"
    );
    if let Some(second) = second {
        second.stop(Duration::from_secs(5)).await;
    }
}

/// On PostgreSQL, events travel between servers over a listening database connection. When it
/// drops, events sent meanwhile are gone: the subscriber hears `events_missed` once the server
/// listens again, and events flow on.
async fn a_dropped_event_connection_is_reported_to_subscribers(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let mut live = Live::connect(server.address, &lead).await.expect("ack");
    live.subscribe("1", &case_id).await;
    let add = |what: &'static str| {
        graphql_ok(
            &server,
            &lead,
            ADD_AGREEMENT,
            json!({ "case": case_id, "what": what }),
        )
    };
    add("Before the connection drops").await;
    let event = live.event("1").await;
    assert_eq!(event["data"]["caseEvents"]["kind"], "AGREEMENT_ADDED");

    let dropped = server
        .store
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
        )
        .await;
    assert!(dropped.is_ok(), "{dropped:?}");
    let event = live.event("1").await;
    let missed = &event["data"]["caseEvents"];
    assert_eq!(missed["kind"], "EVENTS_MISSED", "{event}");
    assert_eq!(
        missed["case"]["reference"],
        server.showcase.reference.as_str()
    );
    assert_eq!(missed["item"], Value::Null);

    add("After the connection is back").await;
    let event = live.event("1").await;
    assert_eq!(event["data"]["caseEvents"]["kind"], "AGREEMENT_ADDED");
    assert_eq!(
        event["data"]["caseEvents"]["item"]["what"],
        "After the connection is back"
    );
}

/// The texts of the showcase case's agreements, as its case lead reads them over HTTP.
async fn agreements(server: &DemoServer, case_id: &str) -> Vec<String> {
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let data = graphql_ok(
        server,
        &lead,
        "query($id: ID!) { case(id: $id) { agreements(first: 100) { nodes { what } } } }",
        json!({ "id": case_id }),
    )
    .await;
    data["case"]["agreements"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|agreement| agreement["what"].as_str().unwrap().to_owned())
        .collect()
}

/// A connection lives as long as its token: when the token expires (here without clock
/// leeway) the server closes the socket with 4403, and events stop with it.
async fn a_connection_ends_when_its_token_expires(database: TestDatabase) {
    let server =
        DemoServer::start_with(database, |settings| settings.auth.leeway_seconds = 0).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let short = server
        .token_valid_for("buurtteam-amsterdam-west", "anna", 4)
        .await;
    let connected = std::time::Instant::now();
    let mut live = Live::connect(server.address, &short).await.expect("ack");
    live.subscribe("1", &case_id).await;
    let mut first = Value::Null;
    for attempt in 0..6 {
        graphql_ok(
            &server,
            &lead,
            ADD_AGREEMENT,
            json!({ "case": case_id, "what": format!("While the token is valid ({attempt})") }),
        )
        .await;
        if let Ok(Some(message)) =
            tokio::time::timeout(Duration::from_millis(300), live.next()).await
        {
            first = message;
            break;
        }
    }
    assert_eq!(first["type"], "next", "{first}");
    // Drain what the attempts may still have queued, until the server closes.
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(8), live.next()).await {
            Ok(Some(message)) => {
                assert_eq!(message["type"], "next", "{message}");
                continue;
            }
            Ok(None) => break live.closed.clone(),
            Err(_) => panic!("the socket outlived its token"),
        }
    };
    assert_eq!(closed, Some((4403, "Forbidden".to_owned())));
    assert!(connected.elapsed() <= Duration::from_secs(6));
}

/// Only subscriptions are served on the socket: a mutation or a query is refused with an
/// `error` before it runs, so nothing is written behind a failure reply.
async fn queries_and_mutations_over_the_socket_are_refused_before_they_run(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let mut live = Live::connect(server.address, &lead).await.expect("ack");
    live.send(json!({
        "id": "write",
        "type": "subscribe",
        "payload": { "query": ADD_AGREEMENT, "variables": { "case": case_id, "what": "Sent over the socket" } }
    }))
    .await;
    let refused = live.next().await.expect("an answer");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "write");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "BAD_REQUEST");
    live.send(json!({
        "id": "read",
        "type": "subscribe",
        "payload": { "query": "query Mine { me { kind } }", "operationName": "Mine" }
    }))
    .await;
    let refused = live.next().await.expect("an answer");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "read");
    assert!(
        !agreements(&server, &case_id)
            .await
            .iter()
            .any(|what| what == "Sent over the socket")
    );
    // The connection serves subscriptions as before.
    live.subscribe("1", &case_id).await;
    graphql_ok(
        &server,
        &lead,
        ADD_AGREEMENT,
        json!({ "case": case_id, "what": "Sent over HTTP" }),
    )
    .await;
    let event = live.event("1").await;
    assert_eq!(
        event["data"]["caseEvents"]["item"]["what"],
        "Sent over HTTP"
    );
}

/// The graphql-transport-ws rules for starting a connection, each with its close code.
async fn the_connection_follows_graphql_transport_ws(database: TestDatabase) {
    let server = DemoServer::start_with(database, |settings| {
        settings.live.connection_init_timeout_seconds = 1;
    })
    .await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;

    let mut early = Live::open(server.address).await;
    early.subscribe("1", &case_id).await;
    assert_eq!(early.closing().await, (4401, "Unauthorized".to_owned()));

    let started = std::time::Instant::now();
    let mut silent = Live::open(server.address).await;
    assert_eq!(
        silent.closing().await,
        (4408, "Connection initialisation timeout".to_owned())
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let mut twice = Live::connect(server.address, &lead).await.expect("ack");
    twice.init(&lead).await;
    assert_eq!(
        twice.closing().await,
        (4429, "Too many initialisation requests".to_owned())
    );

    let mut same_id = Live::connect(server.address, &lead).await.expect("ack");
    same_id.subscribe("1", &case_id).await;
    same_id.subscribe("1", &case_id).await;
    assert_eq!(
        same_id.closing().await,
        (4409, "Subscriber for 1 already exists".to_owned())
    );

    let mut garbled = Live::connect(server.address, &lead).await.expect("ack");
    garbled.send(json!({ "type": "subscribe" })).await;
    assert_eq!(garbled.closing().await.0, 4400);

    let mut refused = Live::open(server.address).await;
    refused.init("not-a-token").await;
    assert_eq!(refused.closing().await, (4403, "Forbidden".to_owned()));
}

/// A connection holds a bounded number of subscriptions, and a client message of bounded size.
async fn a_connection_is_limited_in_subscriptions_and_message_size(database: TestDatabase) {
    let server = DemoServer::start_with(database, |settings| {
        settings.live.subscriptions_per_connection = 2;
        settings.live.message_bytes = 4096;
    })
    .await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let mut live = Live::connect(server.address, &lead).await.expect("ack");
    live.subscribe("1", &case_id).await;
    live.subscribe("2", &case_id).await;
    live.subscribe("3", &case_id).await;
    let refused = live.next().await.expect("an answer");
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "3");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "BAD_REQUEST");
    // Completing one makes room for another.
    live.send(json!({ "id": "1", "type": "complete" })).await;
    live.subscribe("3", &case_id).await;
    graphql_ok(
        &server,
        &lead,
        ADD_AGREEMENT,
        json!({ "case": case_id, "what": "For two subscriptions" }),
    )
    .await;
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let message = live.next().await.expect("an event");
        if message["type"] == "next" {
            heard.push(message["id"].as_str().unwrap().to_owned());
        }
    }
    heard.sort();
    assert_eq!(heard, ["2", "3"]);

    let padding = " ".repeat(8 * 1024);
    live.send(json!({
        "id": "4",
        "type": "subscribe",
        "payload": { "query": format!("subscription {{ caseEvents(caseId: \"x\") {{ kind }} }}{padding}") }
    }))
    .await;
    assert_eq!(live.closing().await.0, 1009);
}

/// SQLite has no connection that carries events between servers.
mod postgres_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_event_connection_is_reported_to_subscribers() {
        if let Some(database) = maatwerk_tests::TestDatabase::postgres().await {
            super::a_dropped_event_connection_is_reported_to_subscribers(database).await;
        }
    }
}

on_both_databases!(
    a_revoked_consent_stops_the_events_it_covers,
    a_member_who_leaves_stops_receiving_events,
    a_case_out_of_sight_fails_like_a_missing_one,
    events_reach_subscribers_on_another_server,
    a_connection_ends_when_its_token_expires,
    queries_and_mutations_over_the_socket_are_refused_before_they_run,
    the_connection_follows_graphql_transport_ws,
    a_connection_is_limited_in_subscriptions_and_message_size,
);
