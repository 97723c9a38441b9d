//! The access log over real HTTP on the demo data (DOMAIN.md §6): a professional's read shows
//! in the resident's log; the hash chain verifies and names a row edited or deleted by hand;
//! no case data leaves when its entry cannot be written; a privacy officer reads the log of
//! their organisation's cases; two servers on one database extend one chain; signed
//! checkpoints name a chain cut short or written again.

use std::collections::BTreeSet;

use maatwerk_tests::{DemoServer, Response, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};

const LOG: &str = r#"query Log($case: ID) {
  accessLog(first: 100, caseId: $case) {
    edges { node {
      action caseId byResident role organisation { slug } professional { name }
      dataKinds { kind count } lifeDomains changes processingActivityId traceId operationId
    } }
    pageInfo { hasNextPage }
  }
}"#;

const READ_CASE: &str = r#"query Read($id: ID!) {
  case(id: $id) { reference resident { name } facts(first: 100) { edges { node { text lifeDomain } } } }
}"#;

fn entries(response: &Response) -> Vec<Value> {
    data(response, "accessLog")["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// The entries of `case_id` that the operation named `operation` left, as `reader` reads them.
async fn entries_of_operation(
    server: &DemoServer,
    reader: &str,
    case_id: &str,
    operation: &str,
) -> Vec<Value> {
    let log = server
        .graphql(
            reader,
            "query($case: ID) { accessLog(first: 100, caseId: $case) { edges { node { operationName dataKinds { kind count } } } } }",
            json!({ "case": case_id }),
        )
        .await;
    entries(&log)
        .into_iter()
        .filter(|entry| entry["operationName"] == operation)
        .collect()
}

fn kind_count(entry: &Value, kind: &str) -> Option<i64> {
    entry["dataKinds"]
        .as_array()?
        .iter()
        .find(|count| count["kind"] == kind)
        .and_then(|count| count["count"].as_i64())
}

async fn a_read_shows_in_the_residents_access_log(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let read = server
        .graphql(&lead, READ_CASE, json!({ "id": case_id }))
        .await;
    let facts = data(&read, "case")["facts"]["edges"]
        .as_array()
        .expect("facts")
        .len() as i64;
    let domains: BTreeSet<String> = data(&read, "case")["facts"]["edges"]
        .as_array()
        .expect("facts")
        .iter()
        .map(|edge| edge["node"]["lifeDomain"].as_str().unwrap().to_owned())
        .collect();
    assert!(facts > 0);

    let resident = server.resident_token("samira").await;
    let log = server.graphql(&resident, LOG, json!({})).await;
    let log = entries(&log);
    let read_by_lead = log
        .iter()
        .find(|entry| {
            entry["action"] == "READ"
                && entry["organisation"]["slug"] == "buurtteam-amsterdam-west"
                && kind_count(entry, "fact") == Some(facts)
        })
        .unwrap_or_else(|| panic!("the lead's read is in the resident's log: {log:#?}"));
    assert_eq!(read_by_lead["caseId"], case_id.as_str());
    assert_eq!(read_by_lead["role"], "case_lead");
    assert_eq!(read_by_lead["byResident"], false);
    assert_eq!(kind_count(read_by_lead, "case"), Some(1));
    assert_eq!(kind_count(read_by_lead, "resident"), Some(1));
    let logged_domains: BTreeSet<String> = read_by_lead["lifeDomains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|domain| domain.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(logged_domains, domains);
    assert_eq!(
        read_by_lead["processingActivityId"],
        "urn:maatwerk:processing-activity:case-work"
    );
    assert_eq!(read_by_lead["traceId"].as_str().unwrap().len(), 32);
    // The resident learns which organisation and role, not which person.
    assert_eq!(read_by_lead["professional"], Value::Null);
    // The demo's writes are there too, each with what changed.
    assert!(
        log.iter().any(|entry| entry["action"] == "WRITE"
            && entry["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|change| change == "CASE_OPENED")),
        "{log:#?}"
    );

    // Reading the log is itself logged.
    let again = server.graphql(&resident, LOG, json!({})).await;
    let again = entries(&again);
    assert!(again.iter().any(|entry| entry["byResident"] == true
        && entry["role"] == "resident"
        && kind_count(entry, "access_log_entry").is_some()
        && entry["processingActivityId"] == "urn:maatwerk:processing-activity:resident-access"));

    // Another resident sees none of it.
    let other = server.resident_token("jeroen").await;
    let theirs = server.graphql(&other, LOG, json!({})).await;
    assert!(
        entries(&theirs)
            .iter()
            .all(|entry| entry["caseId"] != case_id.as_str())
    );
    let narrowed = server
        .graphql(&other, LOG, json!({ "case": case_id }))
        .await;
    assert!(entries(&narrowed).is_empty());

    // A write made over the API is logged with its change, in the same transaction.
    let added = server
        .graphql(
            &lead,
            r#"mutation($case: ID!) { addAgreement(caseId: $case, input: { what: "Call the landlord", assignee: { kind: RESIDENT } }) { id } }"#,
            json!({ "case": case_id }),
        )
        .await;
    data(&added, "addAgreement");
    let log = server.graphql(&resident, LOG, json!({})).await;
    let written = entries(&log)
        .into_iter()
        .find(|entry| {
            entry["action"] == "WRITE"
                && entry["organisation"]["slug"] == "buurtteam-amsterdam-west"
                && entry["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|change| change == "AGREEMENT_ADDED")
        })
        .expect("the write is logged");
    assert_eq!(kind_count(&written, "agreement"), Some(1));
}

async fn the_chain_verifies_and_names_an_edited_row(database: TestDatabase) {
    let postgres = database.url.starts_with("postgres");
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    for (organisation, person) in [
        ("buurtteam-amsterdam-west", "anna"),
        ("woonstad-wonen", "lars"),
        ("wpi-amsterdam", "ilse"),
    ] {
        let token = server.token(organisation, person).await;
        let read = server
            .graphql(&token, READ_CASE, json!({ "id": case_id }))
            .await;
        assert_eq!(read.status, 200, "{}", read.body);
    }
    let (report, intact) = api::audit::report(&server.store, None).await.unwrap();
    assert!(intact, "{report}");
    assert!(report.contains("Amsterdam (AMS)"), "{report}");
    assert!(report.ends_with("access log verified\n"), "{report}");

    // The product has no way to change an entry, and neither has plain SQL.
    let edit = "UPDATE access_log SET data = '{\"kinds\":{}}' WHERE sequence = 3";
    assert!(server.store.execute_unprepared(edit).await.is_err());
    assert!(
        server
            .store
            .execute_unprepared("DELETE FROM access_log WHERE sequence = 2")
            .await
            .is_err()
    );

    // Someone who can switch the guard off can edit a row, but not unseen.
    drop_append_only_guards(&server, postgres).await;
    server.store.execute_unprepared(edit).await.unwrap();
    let (report, intact) = api::audit::report(&server.store, None).await.unwrap();
    assert!(!intact);
    assert!(
        report.contains("BROKEN at entry 3: entry 3 of municipality")
            && report.contains("was altered after it was appended"),
        "{report}"
    );

    // A deleted row breaks the chain where it was.
    server
        .store
        .execute_unprepared("DELETE FROM access_log WHERE sequence = 2")
        .await
        .unwrap();
    let (report, intact) = api::audit::report(&server.store, None).await.unwrap();
    assert!(!intact);
    assert!(
        report.contains("BROKEN at entry 2") && report.contains("is missing or out of order"),
        "{report}"
    );
}

async fn no_case_data_leaves_when_the_log_cannot_be_written(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    server
        .store
        .execute_unprepared("ALTER TABLE access_log RENAME TO access_log_elsewhere")
        .await
        .unwrap();

    let read = server
        .graphql(&lead, READ_CASE, json!({ "id": case_id }))
        .await;
    assert_eq!(read.status, 500, "{}", read.body);
    assert_eq!(read.body["data"], Value::Null, "{}", read.body);
    assert_eq!(read.error_code(), Some("INTERNAL"));
    assert_eq!(read.body["errors"][0]["message"], "internal error");
    assert!(!read.body.to_string().contains("Samira"), "{}", read.body);

    // A write whose entry cannot be written does not happen either.
    let added = server
        .graphql(
            &lead,
            r#"mutation($case: ID!) { addFact(caseId: $case, input: { lifeDomain: PROFILE, text: "Written while the log was away", need: NEED_TO_KNOW }) { id } }"#,
            json!({ "case": case_id }),
        )
        .await;
    assert_eq!(added.error_code(), Some("INTERNAL"), "{}", added.body);

    // What carries no case data is served as before.
    let me = server.graphql(&lead, "{ me { kind } }", json!({})).await;
    assert_eq!(data(&me, "me")["kind"], "PROFESSIONAL");

    server
        .store
        .execute_unprepared("ALTER TABLE access_log_elsewhere RENAME TO access_log")
        .await
        .unwrap();
    let read = server
        .graphql(&lead, READ_CASE, json!({ "id": case_id }))
        .await;
    let texts = data(&read, "case")["facts"]["edges"].to_string();
    assert!(!texts.contains("Written while the log was away"), "{texts}");
    let (report, intact) = api::audit::report(&server.store, None).await.unwrap();
    assert!(intact, "{report}");
}

async fn a_privacy_officer_reads_the_log_of_their_organisations_cases(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let anna = server.token("buurtteam-amsterdam-west", "anna").await;
    let lars = server.token("woonstad-wonen", "lars").await;
    for token in [&anna, &lars] {
        let read = server
            .graphql(token, READ_CASE, json!({ "id": case_id }))
            .await;
        assert_eq!(read.status, 200, "{}", read.body);
    }

    let officer = server.token("buurtteam-amsterdam-west", "daan").await;
    let log = server
        .graphql(&officer, LOG, json!({ "case": case_id }))
        .await;
    let log = entries(&log);
    let own = log
        .iter()
        .find(|entry| {
            entry["action"] == "READ"
                && entry["organisation"]["slug"] == "buurtteam-amsterdam-west"
                && entry["role"] == "case_lead"
        })
        .unwrap_or_else(|| panic!("{log:#?}"));
    assert_eq!(own["professional"]["name"], "Anna de Boer");
    // Another organisation's entries are its own privacy officer's: not even which life
    // domains it read reaches this one (Lars of the housing corporation read the case too).
    for entry in &log {
        assert_eq!(
            entry["organisation"]["slug"], "buurtteam-amsterdam-west",
            "{entry:#?}"
        );
    }
    let woonstad_officer = server
        .token_with_roles("woonstad-wonen", "lars", &["privacy_officer"])
        .await;
    let theirs = server
        .graphql(&woonstad_officer, LOG, json!({ "case": case_id }))
        .await;
    let theirs = entries(&theirs);
    assert!(
        theirs.iter().any(
            |entry| entry["action"] == "READ" && entry["professional"]["name"] == "Lars Dekker"
        ),
        "{theirs:#?}"
    );
    assert!(
        theirs
            .iter()
            .all(|entry| entry["organisation"]["slug"] == "woonstad-wonen"),
        "{theirs:#?}"
    );

    // Unfiltered, the officer sees only cases their organisation is on.
    let mut organisation_cases = BTreeSet::new();
    for person in ["anna", "bram", "chantal", "vera"] {
        let token = server.token("buurtteam-amsterdam-west", person).await;
        let caseload = server
            .graphql(&token, "{ cases(first: 100) { nodes { id } } }", json!({}))
            .await;
        for case in data(&caseload, "cases")["nodes"].as_array().unwrap() {
            organisation_cases.insert(case["id"].as_str().unwrap().to_owned());
        }
    }
    let all = server.graphql(&officer, LOG, json!({})).await;
    let all = entries(&all);
    assert!(!all.is_empty());
    for entry in &all {
        assert!(
            organisation_cases.contains(entry["caseId"].as_str().unwrap()),
            "{entry:#?}"
        );
    }

    // The officer sees the log, never the case itself.
    let case = server
        .graphql(&officer, READ_CASE, json!({ "id": case_id }))
        .await;
    assert_eq!(case.error_code(), Some("NOT_FOUND"));

    // Professionals without the role do not read the log.
    let refused = server.graphql(&anna, LOG, json!({})).await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
}

/// `POST /ldv/data-processing-operations`: the resident's own entries of one request, in the
/// Logboek Dataverwerkingen's shape and with the same attributes as the exported spans; a
/// privacy officer pages through a data subject's entries; no criterion, a misspelt one or a
/// reader the policy does not admit is refused; reading the log is logged.
async fn the_ldv_read_interface_answers_by_trace_processing_activity_and_data_subject(
    database: TestDatabase,
) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let anna = server.token("buurtteam-amsterdam-west", "anna").await;
    let read = server
        .graphql(&anna, READ_CASE, json!({ "id": case_id }))
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    let trace_id = read
        .headers
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split('-').nth(1))
        .expect("the response names its trace")
        .to_owned();
    let ldv = |token: String, body: Value| {
        let request = server
            .client
            .post(format!(
                "http://{}/ldv/data-processing-operations",
                server.address
            ))
            .bearer_auth(token)
            .json(&body);
        async move {
            let response = request.send().await.expect("the server answers");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("a JSON body"))
        }
    };
    let samira = server.resident_token("samira").await;

    let (status, answer) = ldv(samira.clone(), json!({ "traceId": trace_id })).await;
    assert_eq!(status, 200, "{answer}");
    let operations = answer["dataProcessingOperations"]
        .as_array()
        .expect("operations");
    let logged = server
        .resident_log("samira", "traceId processingActivityId dataSubjectId")
        .await
        .into_iter()
        .filter(|entry| entry["traceId"] == trace_id.as_str())
        .collect::<Vec<_>>();
    assert_eq!(operations.len(), logged.len(), "{answer}");
    assert!(!operations.is_empty());
    for (operation, entry) in operations.iter().zip(&logged) {
        assert_eq!(operation["traceId"], trace_id.as_str());
        assert_eq!(operation["name"], "read case");
        let attributes = &operation["attributes"];
        assert_eq!(
            attributes["dpl.core.processing_activity_id"],
            entry["processingActivityId"]
        );
        assert_eq!(
            attributes["dpl.core.data_subject_id"],
            entry["dataSubjectId"]
        );
        assert_eq!(
            attributes["dpl.core.data_subject_id_type"],
            "urn:maatwerk:resident"
        );
        assert!(
            operation["spanId"]
                .as_str()
                .is_some_and(|id| id.len() == 16)
        );
    }
    let subject = logged[0]["dataSubjectId"]
        .as_str()
        .expect("a subject")
        .to_owned();

    // A privacy officer pages through the subject's entries of their organisation's cases.
    let officer = server.token("buurtteam-amsterdam-west", "daan").await;
    let (status, first) = ldv(
        officer.clone(),
        json!({ "dataSubjectId": subject, "limit": 1 }),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["dataProcessingOperations"].as_array().map(Vec::len),
        Some(1)
    );
    let cursor = first["metadata"]["nextCursor"]
        .as_str()
        .expect("more to page through");
    let (status, second) = ldv(
        officer.clone(),
        json!({ "dataSubjectId": subject, "limit": 1, "cursor": cursor }),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(
        first["dataProcessingOperations"][0], second["dataProcessingOperations"][0],
        "the cursor moves on"
    );

    // Another organisation's privacy officer finds nothing of this organisation's read, not
    // even by its trace id: the filters narrow the officer's scope, they never widen it.
    let other_officer = server
        .token_with_roles("woonstad-wonen", "lars", &["privacy_officer"])
        .await;
    let (status, theirs) = ldv(other_officer, json!({ "traceId": trace_id })).await;
    assert_eq!(status, 200, "{theirs}");
    assert_eq!(theirs["dataProcessingOperations"], json!([]), "{theirs}");

    for (token, body, expected, code) in [
        (officer.clone(), json!({}), 400, "BAD_USER_INPUT"),
        (
            officer.clone(),
            json!({ "traceid": trace_id }),
            400,
            "BAD_REQUEST",
        ),
        (
            officer.clone(),
            json!({ "dataSubjectId": "someone" }),
            400,
            "BAD_USER_INPUT",
        ),
        (
            anna.clone(),
            json!({ "traceId": trace_id }),
            403,
            "FORBIDDEN",
        ),
    ] {
        let (status, answer) = ldv(token, body).await;
        assert_eq!(status, expected, "{answer}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], code, "{answer}");
    }

    // Reading the log is a processing of its own, in the resident's log too.
    let reads_of_the_log = server
        .resident_log("samira", "operationName")
        .await
        .into_iter()
        .filter(|entry| entry["operationName"] == "LdvDataProcessingOperations")
        .count();
    assert!(reads_of_the_log >= 1);
}

async fn two_servers_on_one_database_extend_one_chain(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let second = server.second_server().await;
    let readers = [
        ("buurtteam-amsterdam-west", "anna"),
        ("woonstad-wonen", "lars"),
        ("wpi-amsterdam", "ilse"),
        ("ggd-amsterdam", "nadia"),
    ];
    let mut tokens = Vec::new();
    for (organisation, person) in readers {
        tokens.push(server.token(organisation, person).await);
    }
    let before = server.store.verify_access_log().await.unwrap();
    let mut requests = Vec::new();
    for round in 0..10 {
        for (index, token) in tokens.iter().enumerate() {
            let address = if (round + index) % 2 == 0 {
                server.address
            } else {
                second.address
            };
            let client = server.client.clone();
            let body = json!({ "query": READ_CASE, "variables": { "id": case_id } });
            let token = token.clone();
            requests.push(tokio::spawn(async move {
                client
                    .post(format!("http://{address}/graphql"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
    }
    for request in requests {
        assert_eq!(request.await.unwrap(), 200);
    }
    let after = server.store.verify_access_log().await.unwrap();
    assert_eq!(after.broken, None);
    let count = |verification: &persistence::access_log::Verification| -> i64 {
        verification.chains.iter().map(|(_, entries)| entries).sum()
    };
    assert_eq!(count(&after) - count(&before), 40);
    second.stop(std::time::Duration::from_secs(5)).await;
}

/// Reads of cases in two municipalities are logged together while writes extend one of the
/// two chains: a group that finds a head moved under it writes nothing and is chained again,
/// so every request succeeds and both chains verify.
async fn reads_across_municipalities_are_logged_while_writes_extend_a_chain(
    database: TestDatabase,
) {
    let server = DemoServer::start(database).await;
    let amsterdam_case = server.showcase_id().await;
    let anna = server.token("buurtteam-amsterdam-west", "anna").await;
    let sem = server.token("buurtteam-zaanstad", "sem").await;
    let caseload = server
        .graphql(&sem, "{ cases { nodes { id } } }", json!({}))
        .await;
    let zaanstad_case = caseload.body["data"]["cases"]["nodes"][0]["id"]
        .as_str()
        .expect("the Zaanstad case lead's case")
        .to_owned();
    let before = server.store.verify_access_log().await.unwrap();
    let count = |verification: &persistence::access_log::Verification| -> i64 {
        verification.chains.iter().map(|(_, entries)| entries).sum()
    };

    let address = server.address;
    let send = |token: String, query: &'static str, variables: Value| {
        let client = server.client.clone();
        tokio::spawn(async move {
            let response = client
                .post(format!("http://{address}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        })
    };
    let mut requests = Vec::new();
    for round in 0..15 {
        requests.push(send(
            anna.clone(),
            READ_CASE,
            json!({ "id": amsterdam_case }),
        ));
        requests.push(send(sem.clone(), READ_CASE, json!({ "id": zaanstad_case })));
        requests.push(send(
            anna.clone(),
            r#"mutation($case: ID!, $text: String!) { addFact(caseId: $case, input: { lifeDomain: HOUSING, text: $text, need: NEED_TO_KNOW }) { id } }"#,
            json!({ "case": amsterdam_case, "text": format!("Visit {round}") }),
        ));
    }
    for request in requests {
        let (status, body) = request.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(!body.contains("\"errors\""), "{body}");
    }
    let after = server.store.verify_access_log().await.unwrap();
    assert_eq!(after.broken, None);
    // Each read logs its case read, each write its fact and the fact read back.
    assert_eq!(count(&after) - count(&before), 15 * 2 + 15 * 2);
}

/// Sends `addFact` with an `Idempotency-Key`; returns status, whether it was a replay, and
/// the body.
async fn add_fact_once(
    server: &DemoServer,
    token: &str,
    key: &str,
    case_id: &str,
    text: &str,
) -> (u16, bool, Value) {
    let body = json!({
        "query": "mutation($case: ID!, $text: String!) { addFact(caseId: $case, input: { lifeDomain: HOUSING, text: $text, need: NEED_TO_KNOW }) { id text } }",
        "variables": { "case": case_id, "text": text },
    });
    post_once(server, token, key, &body).await
}

/// The fact reads the housing corporation's member delivered, as the resident's log shows them.
async fn housing_fact_reads(server: &DemoServer, resident: &str) -> Vec<Value> {
    let log = server.graphql(resident, LOG, json!({})).await;
    entries(&log)
        .into_iter()
        .filter(|entry| {
            entry["action"] == "READ"
                && entry["organisation"]["slug"] == "woonstad-wonen"
                && kind_count(entry, "fact") == Some(1)
        })
        .collect()
}

async fn an_idempotent_replay_is_logged_and_ends_with_the_membership(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let housing = server.token("woonstad-wonen", "lars").await;
    let resident = server.resident_token("samira").await;
    let text = "The boiler has been broken since October; a repair is booked.";

    let (status, replayed, first) =
        add_fact_once(&server, &housing, "boiler-1", &case_id, text).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    let after_first = housing_fact_reads(&server, &resident).await;
    assert_eq!(after_first.len(), 1, "{after_first:#?}");

    // The replay hands the fact out again, so it is logged again, under its own operation.
    let (status, replayed, second) =
        add_fact_once(&server, &housing, "boiler-1", &case_id, text).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(first, second);
    let after_replay = housing_fact_reads(&server, &resident).await;
    assert_eq!(after_replay.len(), 2, "{after_replay:#?}");
    assert_ne!(
        after_replay[0]["operationId"],
        after_replay[1]["operationId"]
    );

    // Once the member has left the case, the kept response is not theirs any more.
    server.leave(&housing, &case_id, "Lars Dekker").await;
    let (status, replayed, refused) =
        add_fact_once(&server, &housing, "boiler-1", &case_id, text).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert!(!refused.to_string().contains(text));
    assert_eq!(housing_fact_reads(&server, &resident).await.len(), 2);
}

/// Posts `body` with an `Idempotency-Key`; returns status, whether it was a replay, and the
/// body.
async fn post_once(
    server: &DemoServer,
    token: &str,
    key: &str,
    body: &Value,
) -> (u16, bool, Value) {
    let response = server
        .client
        .post(format!("http://{}/graphql", server.address))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("the server answers");
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let status = response.status().as_u16();
    (status, replayed, response.json().await.expect("JSON"))
}

/// Defect: a replay returned content that was readable when first answered, even after the
/// consent behind it was revoked (DOMAIN §5.5: revocation holds for the very next read). A
/// kept response whose case changed its slice since is not sent again; reads are not kept at
/// all; and one actor holds a bounded number of live keys.
async fn a_replay_never_returns_what_its_reader_no_longer_sees(database: TestDatabase) {
    let server = DemoServer::start_with(database, |settings| {
        settings.limits.idempotency_keys_per_actor = 3;
    })
    .await;
    let case_id = server.showcase_id().await;
    let housing = server.token("woonstad-wonen", "lars").await;
    let resident = server.resident_token("samira").await;
    let read = server
        .graphql(
            &housing,
            "query($id: ID!) { case(id: $id) { version } }",
            json!({ "id": case_id }),
        )
        .await;
    let version = data(&read, "case")["version"].clone();
    let step = json!({
        "query": "mutation($id: ID!, $version: Int!) { setCaseStep(caseId: $id, step: EVALUATION, version: $version) { facts(first: 100) { edges { node { text lifeDomain } } } } }",
        "variables": { "id": case_id, "version": version },
    });
    let (status, replayed, first) = post_once(&server, &housing, "step-1", &step).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    let housing_facts = |body: &Value| {
        body["data"]["setCaseStep"]["facts"]["edges"]
            .as_array()
            .map(|edges| {
                edges
                    .iter()
                    .filter(|edge| edge["node"]["lifeDomain"] == "HOUSING")
                    .count()
            })
            .unwrap_or(0)
    };
    assert!(housing_facts(&first) > 0, "{first}");
    let (status, replayed, again) = post_once(&server, &housing, "step-1", &step).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, first, "nothing changed: the kept response");

    // The resident takes back the housing corporation's consent for housing.
    let woonstad = server.organisation_of(&housing).await;
    let revoked = server
        .graphql(
            &resident,
            "mutation($input: ConsentInput!) { revokeConsent(input: $input) { id } }",
            json!({ "input": { "caseId": case_id, "organisationId": woonstad, "lifeDomains": ["HOUSING"] } }),
        )
        .await;
    data(&revoked, "revokeConsent");
    let (status, replayed, refused) = post_once(&server, &housing, "step-1", &step).await;
    assert_eq!((status, replayed), (409, true), "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["code"], "CONFLICT");
    assert!(refused["data"].is_null(), "{refused}");

    // A read with a key is simply read, each time as it stands.
    let query = json!({
        "query": "query($id: ID!) { case(id: $id) { facts(lifeDomain: HOUSING) { totalCount } } }",
        "variables": { "id": case_id },
    });
    for _ in 0..2 {
        let (status, replayed, body) = post_once(&server, &housing, "read-1", &query).await;
        assert_eq!((status, replayed), (200, false), "{body}");
    }

    // Two more keys reach the bound of three; a fourth is refused until one expires.
    for key in ["fact-1", "fact-2"] {
        let (status, _, body) =
            add_fact_once(&server, &housing, key, &case_id, "Boiler repaired").await;
        assert_eq!(status, 200, "{body}");
    }
    let response = server
        .client
        .post(format!("http://{}/graphql", server.address))
        .bearer_auth(&housing)
        .header("idempotency-key", "fact-3")
        .json(&json!({ "query": "mutation { __typename }" }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some());
}

/// Defect: after the server stopped mid-request (`kill -9` under load), a retry got 409 "still
/// running" for the whole 24-hour window. A key held by a request that neither answered nor
/// committed is taken over once it is older than any request runs, and the write is carried
/// out then, once. The claim is made here as the stopped server made it, on the same database.
async fn a_key_left_by_a_stopped_server_is_taken_over_by_the_retry(database: TestDatabase) {
    use base64::Engine;
    use sha2::Digest;
    let server = DemoServer::start_with(database, |settings| {
        settings.limits.idempotency_abandoned_after_seconds = 0;
    })
    .await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let me = server
        .graphql(&lead, "{ me { professional { id } } }", json!({}))
        .await;
    // A global ID is base64url of `Professional:uuid`.
    let global = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data(&me, "me")["professional"]["id"].as_str().unwrap())
        .unwrap();
    let professional = String::from_utf8(global).unwrap();
    let professional = professional.split_once(':').unwrap().1.to_owned();
    let body = json!({
        "query": "mutation($case: ID!, $text: String!) { addFact(caseId: $case, input: { lifeDomain: HOUSING, text: $text, need: NEED_TO_KNOW }) { id text } }",
        "variables": { "case": case_id, "text": "The roof leaks." },
    });
    let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(serde_json::to_vec(&body).unwrap()));
    let claim = server
        .store
        .claim_idempotency_key(
            &format!("professional:{professional}"),
            "roof-1",
            &hash,
            std::time::Duration::from_secs(3600),
            1000,
            std::time::Duration::from_secs(3600),
        )
        .await
        .unwrap();
    assert_eq!(claim, persistence::idempotency::Claim::Claimed);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    let (status, replayed, first) = post_once(&server, &lead, "roof-1", &body).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    assert_eq!(first["data"]["addFact"]["text"], "The roof leaks.");
    // Carried out once: the next retry gets the kept answer, and there is one such fact.
    let (status, replayed, again) = post_once(&server, &lead, "roof-1", &body).await;
    assert_eq!((status, replayed), (200, true), "{again}");
    let facts = server
        .graphql(
            &lead,
            "query($id: ID!) { case(id: $id) { facts(first: 100) { edges { node { text } } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let leaks = data(&facts, "case")["facts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|edge| edge["node"]["text"] == "The roof leaks.")
        .count();
    assert_eq!(leaks, 1);
}

async fn an_idempotency_key_expires_after_its_window(database: TestDatabase) {
    let server = DemoServer::start_with(database, |settings| {
        settings.limits.idempotency_window_seconds = 1;
    })
    .await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let text = "Rent is 987 euro a month.";
    let (_, replayed, first) = add_fact_once(&server, &lead, "rent-1", &case_id, text).await;
    assert!(!replayed, "{first}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // The window closed: the key is new again and the request runs again.
    let (status, replayed, second) = add_fact_once(&server, &lead, "rent-1", &case_id, text).await;
    assert_eq!((status, replayed), (200, false), "{second}");
    assert_ne!(
        first["data"]["addFact"]["id"],
        second["data"]["addFact"]["id"]
    );
}

/// Defects: a request without `operationName` was logged under no operation, and so under the
/// default processing activity, whatever its document's operation was; and
/// `facts(lifeDomain: …)` logged the domain of every visible fact, because rows were noted
/// before the filter. The entry names the operation that ran and exactly the domains that left.
async fn an_entry_names_the_operation_that_ran_and_only_the_life_domains_that_left(
    database: TestDatabase,
) {
    const HOUSING_CHECK: &str = "https://register.example.nl/verwerkingen/woningcheck";
    let server = DemoServer::start_with(database, |settings| {
        settings
            .processing_activities
            .operations
            .insert("HousingCheck".into(), HOUSING_CHECK.into());
    })
    .await;
    let case_id = server.showcase_id().await;
    let lars = server.token("woonstad-wonen", "lars").await;
    // Lars receives more than housing facts (the profile too), and asks for housing only.
    let everything = server
        .graphql(&lars, READ_CASE, json!({ "id": case_id }))
        .await;
    let domains: BTreeSet<String> = data(&everything, "case")["facts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["lifeDomain"].as_str().unwrap().to_owned())
        .collect();
    assert!(domains.len() > 1, "{domains:?}");
    let housing = server
        .graphql(
            &lars,
            "query HousingCheck($id: ID!) { case(id: $id) { facts(lifeDomain: HOUSING) { edges { node { lifeDomain } } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let facts = data(&housing, "case")["facts"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!facts.is_empty());
    assert!(
        facts
            .iter()
            .all(|edge| edge["node"]["lifeDomain"] == "HOUSING")
    );

    let samira = server.resident_token("samira").await;
    let log = server
        .graphql(
            &samira,
            "query($case: ID) { accessLog(first: 100, caseId: $case) { edges { node { organisation { slug } operationName processingActivityId lifeDomains dataKinds { kind count } } } } }",
            json!({ "case": case_id }),
        )
        .await;
    let entries = entries(&log);
    let check = entries
        .iter()
        .find(|entry| entry["operationName"] == "HousingCheck")
        .unwrap_or_else(|| panic!("{entries:#?}"));
    assert_eq!(check["organisation"]["slug"], "woonstad-wonen");
    assert_eq!(check["processingActivityId"], HOUSING_CHECK);
    assert_eq!(check["lifeDomains"], json!(["HOUSING"]));
    assert_eq!(kind_count(check, "fact"), Some(facts.len() as i64));
}

/// Defect: the lists under a case (problems, perspectives, evaluations, decisions, consents,
/// first steps, team, invitations, exceptions) returned every row, and a paged list was cut
/// after the whole list had been read, so the log noted rows that never left. Every list is
/// a connection cut in SQL: its pages, read one after another, are the whole list in order
/// (the oracle), and an entry counts only the rows that left.
async fn every_list_under_a_case_is_paged_and_logs_only_what_left(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let samira = server.resident_token("samira").await;
    // (field, its arguments, the kind the access log names)
    let lists = [
        ("facts", "", "fact"),
        ("problems", "", "problem"),
        ("team", "", "team_member"),
        ("invitations", "", "invitation"),
        ("consents", "history: true, ", "consent"),
        ("agreements", "", "agreement"),
        ("firstSteps", "", "first_step"),
    ];
    for (field, arguments, kind) in lists {
        let whole = server
            .graphql(
                &lead,
                &format!("query($id: ID!) {{ case(id: $id) {{ {field}({arguments}first: 100) {{ totalCount nodes {{ id }} }} }} }}"),
                json!({ "id": case_id }),
            )
            .await;
        let whole = data(&whole, "case")[field].clone();
        let expected: Vec<Value> = whole["nodes"].as_array().unwrap().clone();
        assert!(expected.len() > 1, "{field}: {whole}");
        assert_eq!(whole["totalCount"], expected.len());

        let operation = format!("Page{}{}", field[..1].to_uppercase(), &field[1..]);
        let mut paged = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = server
                .graphql(
                    &lead,
                    &format!("query {operation}($id: ID!, $after: String) {{ case(id: $id) {{ {field}({arguments}first: 1, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }} }}"),
                    json!({ "id": case_id, "after": after }),
                )
                .await;
            let page = data(&page, "case")[field].clone();
            assert_eq!(page["totalCount"], expected.len(), "{field}: {page}");
            let nodes = page["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), 1, "{field}: {page}");
            paged.extend(nodes.iter().cloned());
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(
            paged, expected,
            "{field}: the pages are the whole list, in order"
        );

        // Each page's entry counts the one row that left it.
        let pages = entries_of_operation(&server, &samira, &case_id, &operation).await;
        assert_eq!(pages.len(), expected.len(), "{field}: {pages:#?}");
        for entry in &pages {
            assert_eq!(kind_count(entry, kind), Some(1), "{field}: {entry}");
        }
    }
    // A cursor from elsewhere is bad input, naming the argument.
    let refused = server
        .graphql(
            &lead,
            "query($id: ID!) { case(id: $id) { problems(after: \"nonsense\") { totalCount } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(
        refused.error_code(),
        Some("BAD_USER_INPUT"),
        "{:?}",
        refused.body
    );
}

/// Defect: a mutation outside a case (a mandate, a budget, a directory entry, an answered
/// signal, a registration) did not note its Idempotency-Key in its own write transaction, so
/// a retry after its answer was lost carried the write out a second time. Here the answer is
/// lost as a stopped server loses it: the key holds no response.
async fn a_write_outside_a_case_is_carried_out_once_when_its_answer_was_lost(
    database: TestDatabase,
) {
    let server = DemoServer::start_with(database, |settings| {
        settings.limits.idempotency_abandoned_after_seconds = 0;
    })
    .await;
    let admin = server.token("buurtteam-amsterdam-west", "eva").await;
    let organisation = server.organisation_of(&admin).await;
    let body = json!({
        "query": "mutation($input: MandateInput!) { createMandate(input: $input) { id } }",
        "variables": { "input": {
            "organisationId": organisation,
            "role": "TEAM_LEAD",
            "kind": "DEBT_ARRANGEMENT",
            "maxAmountCents": 50000,
        } },
    });
    let mandates = async || {
        let listed = server
            .graphql(
                &admin,
                "query($id: ID!) { mandates(organisationId: $id) { id } }",
                json!({ "id": organisation }),
            )
            .await;
        data(&listed, "mandates").as_array().unwrap().len()
    };
    let before = mandates().await;
    let (status, replayed, first) = post_once(&server, &admin, "mandate-1", &body).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    server
        .store
        .execute_unprepared("UPDATE idempotency_keys SET response = NULL WHERE key = 'mandate-1'")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (status, replayed, retry) = post_once(&server, &admin, "mandate-1", &body).await;
    assert_eq!((status, replayed), (409, true), "{retry}");
    assert_eq!(retry["errors"][0]["extensions"]["code"], "CONFLICT");
    assert_eq!(mandates().await, before + 1, "the mandate was granted once");
}

/// Defect: the check before a kept response is sent again looked only at the case's own
/// events, so a kind policy narrowed since let a replay return domains the organisation's
/// kind no longer receives.
async fn a_replay_is_refused_once_the_readers_kind_policy_changed(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let housing = server.token("woonstad-wonen", "lars").await;
    let read = server
        .graphql(
            &housing,
            "query($id: ID!) { case(id: $id) { version } }",
            json!({ "id": case_id }),
        )
        .await;
    let step = json!({
        "query": "mutation($id: ID!, $version: Int!) { setCaseStep(caseId: $id, step: EVALUATION, version: $version) { facts(first: 100) { nodes { lifeDomain } } } }",
        "variables": { "id": case_id, "version": data(&read, "case")["version"] },
    });
    let (status, _, first) = post_once(&server, &housing, "step-1", &step).await;
    assert_eq!(status, 200, "{first}");
    let (status, replayed, _) = post_once(&server, &housing, "step-1", &step).await;
    assert_eq!((status, replayed), (200, true));

    let platform = server.platform_token().await;
    let policies = server
        .graphql(&platform, "{ kindPolicies { kind version } }", json!({}))
        .await;
    let version = data(&policies, "kindPolicies")
        .as_array()
        .unwrap()
        .iter()
        .find(|policy| policy["kind"] == "HOUSING_CORPORATION")
        .unwrap()["version"]
        .clone();
    let narrowed = server
        .graphql(
            &platform,
            "mutation($input: SetKindPolicyInput!) { setKindPolicy(input: $input) { version } }",
            json!({ "input": { "kind": "HOUSING_CORPORATION", "lifeDomains": ["PROFILE"], "bsn": false, "version": version } }),
        )
        .await;
    data(&narrowed, "setKindPolicy");
    let (status, replayed, refused) = post_once(&server, &housing, "step-1", &step).await;
    assert_eq!((status, replayed), (409, true), "{refused}");
    assert!(refused["data"].is_null(), "{refused}");
}

/// The resident's contact person is the case lead alone: the entry counts the one member
/// that left, not the team that was read to find them.
async fn the_contact_person_is_logged_as_the_one_member_who_left(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let samira = server.resident_token("samira").await;
    let team = server
        .graphql(
            &samira,
            "query($id: ID!) { case(id: $id) { team { totalCount } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert!(data(&team, "case")["team"]["totalCount"].as_i64().unwrap() > 1);
    let contact = server
        .graphql(
            &samira,
            "query ContactPerson($id: ID!) { case(id: $id) { contactPerson { name } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(
        data(&contact, "case")["contactPerson"]["name"],
        "Anna de Boer"
    );
    let entries = entries_of_operation(&server, &samira, &case_id, "ContactPerson").await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(
        kind_count(&entries[0], "team_member"),
        Some(1),
        "{entries:#?}"
    );
}

/// Switches off the guards that keep `access_log` append-only, as someone with the database's
/// owner rights could.
async fn drop_append_only_guards(server: &DemoServer, postgres: bool) {
    if postgres {
        server
            .store
            .execute_unprepared("ALTER TABLE access_log DISABLE TRIGGER access_log_no_update")
            .await
            .unwrap();
    } else {
        for trigger in ["access_log_no_update", "access_log_no_delete"] {
            server
                .store
                .execute_unprepared(&format!("DROP TRIGGER {trigger}"))
                .await
                .unwrap();
        }
    }
}

async fn checkpoints_name_a_chain_cut_short_and_one_written_again(database: TestDatabase) {
    let postgres = database.url.starts_with("postgres");
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let anna = server.token("buurtteam-amsterdam-west", "anna").await;
    for _ in 0..3 {
        let read = server
            .graphql(&anna, READ_CASE, json!({ "id": case_id }))
            .await;
        assert_eq!(read.status, 200, "{}", read.body);
    }
    let directory =
        std::env::temp_dir().join(format!("maatwerk-checkpoints-{}", uuid::Uuid::new_v4()));
    let settings = api::settings::AuditSettings {
        checkpoint_directory: directory.join("checkpoints"),
        checkpoint_key_file: directory.join("checkpoint.key"),
        checkpoint_interval_seconds: 0,
    };
    let checkpoints = api::audit::Checkpoints::open(&settings).unwrap();
    let heads = checkpoints.write(&server.store).await.unwrap();
    let head = heads
        .iter()
        .max_by_key(|head| head.sequence)
        .unwrap()
        .clone();
    assert!(head.sequence > 3, "{heads:?}");
    let verifying =
        api::audit::Checkpoints::for_verifying(&settings, &settings.checkpoint_directory).unwrap();
    let (report, intact) = api::audit::report(&server.store, Some(&verifying))
        .await
        .unwrap();
    assert!(intact, "{report}");
    assert!(report.contains("agrees with the checkpoints"), "{report}");

    // Cut the newest three entries off and move the head back to the entry before them.
    drop_append_only_guards(&server, postgres).await;
    let kept = head.sequence - 3;
    // The chain by its head, which no other chain shares: ids are stored differently per backend.
    assert_eq!(
        heads
            .iter()
            .filter(|other| other.sequence == head.sequence)
            .count(),
        1
    );
    let chain = format!(
        "municipality_id = (SELECT municipality_id FROM access_log_chains WHERE last_sequence = {})",
        head.sequence
    );
    server
        .store
        .execute_unprepared(&format!(
            "DELETE FROM access_log WHERE {chain} AND sequence > {kept}"
        ))
        .await
        .unwrap();
    let kept_hash = server
        .store
        .access_log_entry_hash(head.municipality_id, kept)
        .await
        .unwrap()
        .unwrap();
    server
        .store
        .execute_unprepared(&format!(
            "UPDATE access_log_chains SET last_sequence = {kept}, last_hash = '{kept_hash}' \
             WHERE {chain}"
        ))
        .await
        .unwrap();

    // The chain alone still holds; the checkpoint names the chain and the positions gone.
    let (report, intact) = api::audit::report(&server.store, None).await.unwrap();
    assert!(intact, "{report}");
    let (report, intact) = api::audit::report(&server.store, Some(&verifying))
        .await
        .unwrap();
    assert!(!intact, "{report}");
    let missing = format!(
        "Amsterdam (AMS): TRUNCATED: the checkpoint of {{}} saw {} entries, the database holds {kept}: entries {}–{} are missing",
        head.sequence,
        kept + 1,
        head.sequence
    );
    let (before, after) = missing.split_once("{}").unwrap();
    assert!(
        report
            .lines()
            .any(|line| line.starts_with(before) && line.ends_with(after)),
        "{report}"
    );
    assert!(report.ends_with("access log NOT verified\n"), "{report}");

    // The server goes on logging from the moved head: the positions are filled again, with
    // other entries than the checkpoint saw.
    for _ in 0..3 {
        let read = server
            .graphql(&anna, READ_CASE, json!({ "id": case_id }))
            .await;
        assert_eq!(read.status, 200, "{}", read.body);
    }
    let (report, intact) = api::audit::report(&server.store, Some(&verifying))
        .await
        .unwrap();
    assert!(!intact, "{report}");
    assert!(
        report.contains(&format!(
            "Amsterdam (AMS): REWRITTEN: entry {} is not the one the checkpoint of",
            head.sequence
        )),
        "{report}"
    );

    // A checkpoint changed by hand is not one the server signed.
    let file = settings.checkpoint_directory.join("checkpoints.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let forged = text.replace(
        &format!("\"sequence\":{}", head.sequence),
        &format!("\"sequence\":{kept}"),
    );
    assert_ne!(forged, text);
    std::fs::write(&file, forged).unwrap();
    let (report, intact) = api::audit::report(&server.store, Some(&verifying))
        .await
        .unwrap();
    assert!(!intact, "{report}");
    assert!(
        report.contains("line 1 is not a checkpoint signed with this server's key"),
        "{report}"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

on_both_databases!(
    the_contact_person_is_logged_as_the_one_member_who_left,
    a_replay_is_refused_once_the_readers_kind_policy_changed,
    every_list_under_a_case_is_paged_and_logs_only_what_left,
    a_write_outside_a_case_is_carried_out_once_when_its_answer_was_lost,
    a_key_left_by_a_stopped_server_is_taken_over_by_the_retry,
    a_replay_never_returns_what_its_reader_no_longer_sees,
    an_entry_names_the_operation_that_ran_and_only_the_life_domains_that_left,
    a_read_shows_in_the_residents_access_log,
    the_chain_verifies_and_names_an_edited_row,
    no_case_data_leaves_when_the_log_cannot_be_written,
    a_privacy_officer_reads_the_log_of_their_organisations_cases,
    the_ldv_read_interface_answers_by_trace_processing_activity_and_data_subject,
    two_servers_on_one_database_extend_one_chain,
    reads_across_municipalities_are_logged_while_writes_extend_a_chain,
    an_idempotent_replay_is_logged_and_ends_with_the_membership,
    an_idempotency_key_expires_after_its_window,
    checkpoints_name_a_chain_cut_short_and_one_written_again,
);
