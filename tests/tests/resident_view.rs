//! The resident's own view and the exports, over real HTTP on the demo data (DOMAIN.md §5.8,
//! §6, §7): one named contact person; items withheld with a legal reason; the resident's
//! download of their whole file, logged as an export; an integration's pull of its caseload's
//! agreement changes since a cursor, within its slice and logged.

use std::collections::{BTreeMap, BTreeSet};

use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};

/// The demo fact the case lead's organisation recorded about the resident's sister.
const SISTER: &str =
    "Her sister in Almere helps with Rayan now and then; contact with Rayan's father is difficult.";
/// A shared fact of the same organisation, which the income department reads too.
const LETTERS: &str =
    "About forty unopened letters from creditors and agencies are in a drawer at home.";

const FACTS: &str = r#"query Facts($id: ID!) {
  case(id: $id) {
    facts(first: 100) { totalCount edges { node { id text version withheldReason } } }
  }
}"#;

const WITHHOLD: &str = r#"mutation Withhold($item: ID!, $version: Int!, $reason: String!) {
  withholdFromResident(itemId: $item, version: $version, legalReason: $reason) {
    ... on Fact { id text version withheldReason }
  }
}"#;

const RELEASE: &str = r#"mutation Release($item: ID!, $version: Int!) {
  releaseToResident(itemId: $item, version: $version) { ... on Fact { version withheldReason } }
}"#;

fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// The facts of the case as `token` reads them, by text.
async fn facts(server: &DemoServer, token: &str, case_id: &str) -> (i64, BTreeMap<String, Value>) {
    let response = server.graphql(token, FACTS, json!({ "id": case_id })).await;
    let facts = &data(&response, "case")["facts"];
    let by_text = nodes(facts)
        .into_iter()
        .map(|fact| (fact["text"].as_str().unwrap_or_default().to_owned(), fact))
        .collect();
    (facts["totalCount"].as_i64().expect("a count"), by_text)
}

async fn the_resident_sees_one_contact_person_and_the_organisations(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let resident = server.resident_token("samira").await;
    let query = r#"query($id: ID!) {
      case(id: $id) {
        reference myRole
        contactPerson { name organisation { slug } }
        team { nodes { role organisation { slug } professional { name } } }
      }
    }"#;
    let response = server
        .graphql(&resident, query, json!({ "id": case_id }))
        .await;
    let case = data(&response, "case");
    assert_eq!(case["reference"], server.showcase.reference.as_str());
    assert_eq!(case["myRole"], Value::Null);
    assert_eq!(
        case["contactPerson"],
        json!({ "name": "Anna de Boer", "organisation": { "slug": "buurtteam-amsterdam-west" } })
    );
    // Every member of the team by name and organisation: the resident makes the plan with
    // them (§5.8).
    let team = case["team"]["nodes"].as_array().expect("the team");
    let organisations: BTreeSet<&str> = team
        .iter()
        .map(|member| member["organisation"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(organisations.len(), 5, "{team:#?}");
    let names: BTreeSet<&str> = team
        .iter()
        .map(|member| {
            member["professional"]["name"]
                .as_str()
                .unwrap_or_else(|| panic!("{member}"))
        })
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "Anna de Boer",
            "Chantal Peters",
            "Ilse Vermeulen",
            "Lars Dekker",
            "Nadia Ramdin",
            "Gijs van Dam",
        ])
    );

    // The team keeps seeing its colleagues by name, and the same contact person.
    let housing = server.token("woonstad-wonen", "lars").await;
    let response = server
        .graphql(&housing, query, json!({ "id": case_id }))
        .await;
    let case = data(&response, "case");
    assert_eq!(case["contactPerson"]["name"], "Anna de Boer");
    assert!(
        case["team"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|member| member["professional"]["name"].is_string())
    );
}

async fn an_item_withheld_with_a_legal_reason_is_hidden_from_the_resident_only(
    database: TestDatabase,
) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let resident = server.resident_token("samira").await;
    let (lead_count, lead_facts) = facts(&server, &lead, &case_id).await;
    let sister = lead_facts[SISTER].clone();
    let letters = lead_facts[LETTERS].clone();
    let (resident_count, resident_facts) = facts(&server, &resident, &case_id).await;
    assert!(resident_facts.contains_key(SISTER));
    let withhold = |token: String, item: Value, version: Value, reason: &'static str| {
        let server = &server;
        async move {
            server
                .graphql(
                    &token,
                    WITHHOLD,
                    json!({ "item": item, "version": version, "reason": reason }),
                )
                .await
        }
    };
    let reason = "AVG art. 23(1)(i) and UAVG art. 41: protects the privacy of her sister";

    // Only the organisation that recorded a fact withholds it; for whoever cannot see it, it
    // does not exist; the resident cannot withhold anything.
    let income = server.token("wpi-amsterdam", "ilse").await;
    let refused = withhold(
        income,
        letters["id"].clone(),
        letters["version"].clone(),
        reason,
    )
    .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let housing = server.token("woonstad-wonen", "lars").await;
    let refused = withhold(
        housing,
        sister["id"].clone(),
        sister["version"].clone(),
        reason,
    )
    .await;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    let refused = withhold(
        resident.clone(),
        sister["id"].clone(),
        sister["version"].clone(),
        reason,
    )
    .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    // A reason is required; a stale version is a conflict; neither changes anything.
    let refused = withhold(
        lead.clone(),
        sister["id"].clone(),
        sister["version"].clone(),
        "  ",
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
        "legalReason"
    );
    let refused = withhold(lead.clone(), sister["id"].clone(), json!(99), reason).await;
    assert_eq!(refused.error_code(), Some("CONFLICT"), "{}", refused.body);
    let (_, unchanged) = facts(&server, &lead, &case_id).await;
    assert_eq!(unchanged[SISTER], sister);

    let withheld = withhold(
        lead.clone(),
        sister["id"].clone(),
        sister["version"].clone(),
        reason,
    )
    .await;
    let withheld = data(&withheld, "withholdFromResident");
    assert_eq!(withheld["withheldReason"], reason);
    assert_eq!(withheld["text"], SISTER);

    // The resident no longer sees it: not in the list, not in the count, not by ID.
    let (count, seen) = facts(&server, &resident, &case_id).await;
    assert_eq!(count, resident_count - 1);
    assert!(!seen.contains_key(SISTER));
    let by_id = server
        .graphql(
            &resident,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": sister["id"] }),
        )
        .await;
    assert_eq!(by_id.body["data"]["node"], Value::Null);
    assert_eq!(by_id.error_code(), Some("NOT_FOUND"));
    // Nor does the timeline tell of it.
    let timeline = server
        .graphql(
            &resident,
            "query($id: ID!) { case(id: $id) { timeline(first: 100) { edges { node { kind itemId } } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let events = nodes(&data(&timeline, "case")["timeline"]);
    assert!(
        events.iter().all(|event| event["itemId"] != sister["id"]),
        "{events:#?}"
    );

    // The team still sees it, with the reason; a process facilitator reads neither.
    let (count, seen) = facts(&server, &lead, &case_id).await;
    assert_eq!(count, lead_count);
    assert_eq!(seen[SISTER]["withheldReason"], reason);
    let facilitator = server.token("buurtteam-amsterdam-west", "chantal").await;
    let response = server
        .graphql(&facilitator, FACTS, json!({ "id": case_id }))
        .await;
    assert!(
        nodes(&data(&response, "case")["facts"])
            .iter()
            .all(|fact| fact["withheldReason"].is_null() && fact["text"].is_null())
    );

    // Released, the resident sees it again.
    let released = server
        .graphql(
            &lead,
            RELEASE,
            json!({ "item": sister["id"], "version": withheld["version"] }),
        )
        .await;
    assert_eq!(
        data(&released, "releaseToResident")["withheldReason"],
        Value::Null
    );
    let (count, seen) = facts(&server, &resident, &case_id).await;
    assert_eq!(count, resident_count);
    assert!(seen.contains_key(SISTER));
}

async fn the_resident_downloads_their_file_and_the_download_is_logged(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let resident = server.resident_token("samira").await;
    let (_, lead_facts) = facts(&server, &lead, &case_id).await;
    let sister = &lead_facts[SISTER];
    let withheld = server
        .graphql(
            &lead,
            WITHHOLD,
            json!({ "item": sister["id"], "version": sister["version"], "reason": "protects a third party" }),
        )
        .await;
    data(&withheld, "withholdFromResident");
    let (_, resident_facts) = facts(&server, &resident, &case_id).await;

    let (status, headers, document) = server.download(Some(&resident), "/export/resident").await;
    assert_eq!(status, 200, "{document}");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"maatwerk-export-")
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(document["format"], "maatwerk.resident-export.v1");
    let cases = document["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 1, "Samira has one case");
    let case = &cases[0];
    assert_eq!(case["id"], case_id.as_str());
    assert_eq!(case["resident"]["name"], "Samira Bakker");
    assert!(case["resident"]["bsn"].is_string());
    assert_eq!(case["contactPerson"]["name"], "Anna de Boer");
    // Exactly the facts the resident's own token shows: every organisation's, nice-to-know
    // ones included, and not the one withheld.
    let exported: BTreeSet<&str> = case["facts"]
        .as_array()
        .expect("facts as a plain list")
        .iter()
        .map(|fact| fact["text"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = resident_facts.keys().map(String::as_str).collect();
    assert_eq!(exported, expected);
    assert!(!exported.contains(SISTER));
    for part in [
        "perspectives",
        "problems",
        "firstSteps",
        "agreements",
        "consents",
        "timeline",
    ] {
        assert!(
            !case[part].as_array().expect(part).is_empty(),
            "{part} is in the export"
        );
    }
    // Samira's case has neither yet; the parts are there all the same.
    assert!(case["decisions"].is_array(), "decisions are in the export");
    assert!(
        case["ruleExceptions"].is_array(),
        "exceptions are in the export"
    );
    // Who they make the plan with, by name, as their API view shows the team.
    assert!(
        case["team"]
            .as_array()
            .unwrap()
            .iter()
            .all(|member| member["professional"]["name"].is_string()),
        "{:#?}",
        case["team"]
    );
    assert!(!document["accessLog"].as_array().unwrap().is_empty());

    // Only the resident downloads their file.
    let (status, _, body) = server.download(Some(&lead), "/export/resident").await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["code"]),
        (403, &json!("FORBIDDEN"))
    );
    let (status, _, _) = server.download(None, "/export/resident").await;
    assert_eq!(status, 401);

    // The download is in the resident's access log as an export.
    let log = server
        .graphql(
            &resident,
            "{ accessLog(first: 100) { edges { node { action operationName operationId role processingActivityId dataKinds { kind count } } } } }",
            json!({}),
        )
        .await;
    let entries = nodes(data(&log, "accessLog"));
    // One entry per page the export read, all of one operation.
    let export: Vec<&Value> = entries
        .iter()
        .filter(|entry| entry["action"] == "EXPORT")
        .collect();
    assert!(!export.is_empty(), "the export is logged: {entries:#?}");
    for entry in &export {
        assert_eq!(entry["operationName"], "ResidentExport");
        assert_eq!(entry["operationId"], export[0]["operationId"]);
        assert_eq!(entry["role"], "resident");
        assert_eq!(
            entry["processingActivityId"],
            "urn:maatwerk:processing-activity:resident-access"
        );
    }
    let facts_logged: u64 = export
        .iter()
        .flat_map(|entry| entry["dataKinds"].as_array().unwrap())
        .filter(|kind| kind["kind"] == "fact")
        .map(|kind| kind["count"].as_u64().unwrap())
        .sum();
    assert_eq!(facts_logged, exported.len() as u64);
}

/// A file longer than a page streams whole: a server whose page size is 2 writes the same
/// cases, every list of every case complete, as one whose pages hold them all.
async fn a_file_longer_than_a_page_is_exported_whole(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let resident = server.resident_token("samira").await;
    let (status, _, whole) = server.download(Some(&resident), "/export/resident").await;
    assert_eq!(status, 200, "{whole}");
    let small_pages = server
        .second_server_with(|settings| settings.limits.page_size = 2)
        .await;
    let response = server
        .client
        .get(format!("http://{}/export/resident", small_pages.address))
        .bearer_auth(&resident)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("content-length").is_none(),
        "the file is streamed"
    );
    let paged: Value = response.json().await.expect("a whole JSON document");
    let case = &whole["cases"][0];
    assert!(
        case["facts"].as_array().unwrap().len() > 2
            && case["timeline"].as_array().unwrap().len() > 2,
        "the lists are longer than a page"
    );
    assert_eq!(paged["cases"], whole["cases"]);
    assert!(
        paged["accessLog"].as_array().unwrap().len() > whole["accessLog"].as_array().unwrap().len(),
        "the second file's log has the first download in it, page by page"
    );
}

const CHANGES: &str = r#"query Changes($first: Int, $after: String) {
  agreementChanges(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id caseId status what } }
  }
}"#;

/// Pulls every change after `after`, two at a time; returns them and the last cursor.
async fn pull(server: &DemoServer, token: &str, mut after: Value) -> (Vec<Value>, Value) {
    let mut changes = Vec::new();
    loop {
        let response = server
            .graphql(token, CHANGES, json!({ "first": 2, "after": after }))
            .await;
        let page = data(&response, "agreementChanges");
        changes.extend(nodes(page));
        if !page["edges"].as_array().unwrap().is_empty() {
            after = page["pageInfo"]["endCursor"].clone();
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return (changes, after);
        }
    }
}

/// The agreements a professional reads across their whole caseload, by ID.
async fn caseload_agreements(server: &DemoServer, token: &str) -> BTreeMap<String, Value> {
    let response = server
        .graphql(
            token,
            "{ cases(first: 100) { edges { node { agreements(first: 100) { edges { node { id caseId status what } } } } } } }",
            json!({}),
        )
        .await;
    nodes(data(&response, "cases"))
        .iter()
        .flat_map(|case| nodes(&case["agreements"]))
        .map(|agreement| (agreement["id"].as_str().unwrap().to_owned(), agreement))
        .collect()
}

async fn an_integration_pulls_its_caseloads_agreement_changes_since_a_cursor(
    database: TestDatabase,
) {
    // No settling time, so that a change made in the test is pulled at once.
    let server = DemoServer::start_with(database, |settings| {
        settings.limits.change_settle_seconds = 0;
    })
    .await;
    let case_id = server.showcase_id().await;
    let integration = server
        .service_token("woonstad-wonen", &["caseload:export"])
        .await;

    // The oracle: what the housing corporation's members read on their caseloads.
    let lars = server.token("woonstad-wonen", "lars").await;
    let mila = server.token("woonstad-wonen", "mila").await;
    let mut expected = caseload_agreements(&server, &lars).await;
    expected.extend(caseload_agreements(&server, &mila).await);
    assert!(
        expected.len() > 7,
        "the demo puts woonstad on several cases"
    );
    let (pulled, cursor) = pull(&server, &integration, Value::Null).await;
    let pulled_by_id: BTreeMap<String, Value> = pulled
        .iter()
        .map(|agreement| {
            (
                agreement["id"].as_str().unwrap().to_owned(),
                agreement.clone(),
            )
        })
        .collect();
    assert_eq!(pulled.len(), pulled_by_id.len(), "each agreement once");
    assert_eq!(pulled_by_id, expected);

    // Nothing new since the cursor; then one status change, pulled once.
    let (nothing, _) = pull(&server, &integration, cursor.clone()).await;
    assert!(nothing.is_empty(), "{nothing:#?}");
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let showcase_agreement = expected
        .values()
        .find(|agreement| agreement["caseId"] == case_id.as_str())
        .expect("an agreement on the showcase case")
        .clone();
    let version = server
        .graphql(
            &lead,
            "query($id: ID!) { node(id: $id) { ... on Agreement { version } } }",
            json!({ "id": showcase_agreement["id"] }),
        )
        .await;
    let version = data(&version, "node")["version"].clone();
    let changed = server
        .graphql(
            &lead,
            "mutation($id: ID!, $version: Int!) { setAgreementStatus(id: $id, status: DONE, version: $version) { status } }",
            json!({ "id": showcase_agreement["id"], "version": version }),
        )
        .await;
    assert_eq!(data(&changed, "setAgreementStatus")["status"], "DONE");
    let (news, cursor) = pull(&server, &integration, cursor).await;
    assert_eq!(news.len(), 1, "{news:#?}");
    assert_eq!(news[0]["id"], showcase_agreement["id"]);
    assert_eq!(news[0]["status"], "DONE");

    // The pull is in the resident's access log, as the organisation's integration.
    let resident = server.resident_token("samira").await;
    let log = server
        .graphql(
            &resident,
            "{ accessLog(first: 100) { edges { node { action role organisation { slug } dataKinds { kind count } } } } }",
            json!({}),
        )
        .await;
    assert!(
        nodes(data(&log, "accessLog"))
            .iter()
            .any(|entry| entry["role"] == "service"
                && entry["action"] == "READ"
                && entry["organisation"]["slug"] == "woonstad-wonen"
                && entry["dataKinds"] == json!([{ "kind": "agreement", "count": 1 }])),
    );

    // Once its member leaves the case, the organisation's back office follows it no more.
    server.leave(&lars, &case_id, "Lars Dekker").await;
    let changed = server
        .graphql(
            &lead,
            "mutation($id: ID!, $version: Int!) { setAgreementStatus(id: $id, status: OPEN, version: $version) { status } }",
            json!({ "id": showcase_agreement["id"], "version": version.as_i64().unwrap() + 1 }),
        )
        .await;
    assert_eq!(data(&changed, "setAgreementStatus")["status"], "OPEN");
    let (after_leaving, _) = pull(&server, &integration, cursor).await;
    assert!(after_leaving.is_empty(), "{after_leaving:#?}");

    // Without the export scope, or as anyone but an integration: forbidden.
    let without_scope = server
        .service_token("woonstad-wonen", &["agreements:write"])
        .await;
    for token in [without_scope, lars, server.resident_token("samira").await] {
        let refused = server.graphql(&token, CHANGES, json!({})).await;
        assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    }
}

on_both_databases!(
    the_resident_sees_one_contact_person_and_the_organisations,
    an_item_withheld_with_a_legal_reason_is_hidden_from_the_resident_only,
    the_resident_downloads_their_file_and_the_download_is_logged,
    a_file_longer_than_a_page_is_exported_whole,
    an_integration_pulls_its_caseloads_agreement_changes_since_a_cursor,
);
