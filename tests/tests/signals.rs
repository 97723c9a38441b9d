//! Signals to policy over real HTTP on the demo data (DOMAIN.md §3, §5.10): raised from a
//! system problem only; read and answered by the policy analysts of the case's municipality
//! without anything of the case or the resident; counted with small cells suppressed; and the
//! raiser sees policy's answer.

use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};

const RAISE: &str = r#"mutation($problem: ID!, $input: SignalInput!) {
  raiseSignal(problemId: $problem, input: $input) { id status version description category }
}"#;

/// The showcase's problems as `token` sees them, by kind.
async fn problem_of_kind(server: &DemoServer, token: &str, case_id: &str, kind: &str) -> Value {
    let response = server
        .graphql(
            token,
            "query($id: ID!) { case(id: $id) { problems { nodes { id kind } } } }",
            json!({ "id": case_id }),
        )
        .await;
    data(&response, "case")["problems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|problem| problem["kind"] == kind)
        .expect("a problem of that kind")["id"]
        .clone()
}

async fn a_signal_reaches_policy_without_the_case(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let income = server.token("wpi-amsterdam", "ilse").await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let system = problem_of_kind(&server, &income, &case_id, "SYSTEM").await;
    let personal = problem_of_kind(&server, &lead, &case_id, "PERSONAL").await;
    let input = |category: &str| {
        json!({
            "category": category,
            "rule": "Housing allowance stops after one missed letter",
            "description": "The allowance stops automatically after one missed letter, and restarting it takes eight weeks while rent arrears grow.",
        })
    };

    // Only a system problem becomes a signal.
    let refused = server
        .graphql(
            &lead,
            RAISE,
            json!({ "problem": personal, "input": input("PROCEDURE") }),
        )
        .await;
    assert_eq!(
        refused.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        refused.body
    );
    assert_eq!(
        refused.body["errors"][0]["extensions"]["field"],
        "problemId"
    );

    let raised = server
        .graphql(
            &income,
            RAISE,
            json!({ "problem": system, "input": input("PROCEDURE") }),
        )
        .await;
    let raised = data(&raised, "raiseSignal").clone();
    assert_eq!(raised["status"], "RECEIVED");
    // Five more of the same kind, and one of another, so that one cell can be shown.
    for _ in 0..5 {
        data(
            &server
                .graphql(
                    &income,
                    RAISE,
                    json!({ "problem": system, "input": input("PROCEDURE") }),
                )
                .await,
            "raiseSignal",
        );
    }
    data(
        &server
            .graphql(
                &income,
                RAISE,
                json!({ "problem": system, "input": input("FUNDING") }),
            )
            .await,
        "raiseSignal",
    );

    // The policy analysts of Amsterdam read them: nothing of the case or resident is there.
    let analyst = server.token("wpi-amsterdam", "karin").await;
    let signals = server
        .graphql(
            &analyst,
            "{ signals(first: 100) { id category rule description status raisedBy { slug } municipality { code } } }",
            json!({}),
        )
        .await;
    let signals = data(&signals, "signals").as_array().unwrap().clone();
    assert_eq!(signals.len(), 7);
    let text = serde_json::to_string(&signals).unwrap();
    for identifying in [
        "Samira",
        "Bakker",
        "Rayan",
        case_id.as_str(),
        server.showcase.reference.as_str(),
    ] {
        assert!(!text.contains(identifying), "{identifying} in {text}");
    }
    assert!(
        signals
            .iter()
            .all(|signal| signal["municipality"]["code"] == "AMS"
                && signal["raisedBy"]["slug"] == "wpi-amsterdam")
    );

    let counts = server
        .graphql(
            &analyst,
            "{ signalCounts { category suppressed count } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&counts, "signalCounts"),
        &json!([
            { "category": "PROCEDURE", "suppressed": false, "count": 6 },
            { "category": "FUNDING", "suppressed": true, "count": null },
        ])
    );

    // Not for those without the analyst's role.
    let refused = server
        .graphql(&income, "{ signals { id } }", json!({}))
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    // Not for analysts of another municipality's organisations: Zaanstad's analyst reads the
    // demo's four Zaanstad signals, one in each state, and none of Amsterdam's.
    let elsewhere = server.token("werk-en-inkomen-zaanstad", "wouter").await;
    let theirs = server
        .graphql(
            &elsewhere,
            "{ signals { id status answer description municipality { code } } }",
            json!({}),
        )
        .await;
    let theirs = data(&theirs, "signals").as_array().unwrap().clone();
    assert!(
        theirs
            .iter()
            .all(|signal| signal["municipality"]["code"] == "ZAA"
                && signals.iter().all(|ours| ours["id"] != signal["id"])),
        "{theirs:?}"
    );
    let mut states: Vec<&str> = theirs
        .iter()
        .map(|signal| signal["status"].as_str().unwrap())
        .collect();
    states.sort_unstable();
    assert_eq!(
        states,
        ["ADDRESSED", "DECLINED", "RECEIVED", "UNDER_REVIEW"]
    );
    assert!(
        theirs
            .iter()
            .all(|signal| signal["answer"].is_null() == (signal["status"] == "RECEIVED"))
    );
    let text = serde_json::to_string(&theirs).unwrap();
    for identifying in ["Kees", "Smit", "Bikkel", "ZAA-"] {
        assert!(!text.contains(identifying), "{identifying} in {text}");
    }
    let refused = server
        .graphql(
            &elsewhere,
            "mutation($id: ID!) { answerSignal(id: $id, version: 1, status: DECLINED) { status } }",
            json!({ "id": raised["id"] }),
        )
        .await;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);

    // Policy answers; the raiser sees it.
    let answered = server
        .graphql(
            &analyst,
            "mutation($id: ID!, $version: Int!) { answerSignal(id: $id, version: $version, status: UNDER_REVIEW, answer: \"On the agenda of the income board in January\") { status answer version } }",
            json!({ "id": raised["id"], "version": raised["version"] }),
        )
        .await;
    assert_eq!(data(&answered, "answerSignal")["status"], "UNDER_REVIEW");
    let stale = server
        .graphql(
            &analyst,
            "mutation($id: ID!) { answerSignal(id: $id, version: 1, status: ADDRESSED) { status } }",
            json!({ "id": raised["id"] }),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);
    let mine = server
        .graphql(&income, "{ mySignals { id status answer } }", json!({}))
        .await;
    let mine = data(&mine, "mySignals").as_array().unwrap().clone();
    assert_eq!(mine.len(), 7);
    let answered = mine
        .iter()
        .find(|signal| signal["id"] == raised["id"])
        .unwrap();
    assert_eq!(answered["status"], "UNDER_REVIEW");
    assert_eq!(
        answered["answer"],
        "On the agenda of the income board in January"
    );

    // The team's timeline notes that a signal was raised from the problem.
    let timeline = server
        .graphql(
            &income,
            "query($id: ID!) { case(id: $id) { timeline(first: 50) { edges { node { kind itemId } } } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert!(
        data(&timeline, "case")["timeline"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|edge| edge["node"]["kind"] == "SIGNAL_RAISED" && edge["node"]["itemId"] == system)
    );
}

on_both_databases!(a_signal_reaches_policy_without_the_case);
