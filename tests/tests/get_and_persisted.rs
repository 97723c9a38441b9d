//! `GET /graphql` and automatic persisted queries, over real HTTP on the demo data: a query in
//! the URL answers as the same query posted, revalidates with its `ETag` (304 without a body,
//! the read logged again); a mutation on `GET` is refused with 405 and changes nothing, by
//! text or by hash; a query known by its hash runs by hash alone, an unknown hash asks for
//! the text, a hash that is not the text's is bad input naming the field.

use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

on_both_databases!(
    a_query_in_the_url_answers_as_posted_and_revalidates,
    a_mutation_is_never_run_by_get,
    a_query_runs_by_its_hash_once_the_server_knows_it,
);

const FACTS: &str = "query UrlFacts($id: ID!) { case(id: $id) { reference facts(first: 20) { edges { node { text lifeDomain } } } } }";

const ADD_FACT: &str = "mutation UrlWrite($id: ID!) { addFact(caseId: $id, input: { lifeDomain: HOUSING, need: NEED_TO_KNOW, text: \"Via de URL\" }) { id } }";

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn persisted(hash: &str) -> String {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string()
}

/// `GET /graphql` with `parameters` (and `If-None-Match` when given); the status, the
/// headers and the body as JSON (`Null` when empty).
async fn get(
    server: &DemoServer,
    token: &str,
    parameters: &[(&str, String)],
    if_none_match: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = server
        .client
        .get(format!("http://{}/graphql", server.address))
        .bearer_auth(token)
        .header("accept", "application/graphql-response+json")
        .query(parameters);
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, headers, body)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// How many entries of the showcase resident's log the operation named `name` left.
async fn logged(server: &DemoServer, name: &str) -> usize {
    server
        .resident_log("samira", "operationName")
        .await
        .iter()
        .filter(|entry| entry["operationName"] == name)
        .count()
}

async fn fact_count(server: &DemoServer, token: &str, case_id: &str) -> usize {
    let response = server.graphql(token, FACTS, json!({ "id": case_id })).await;
    data(&response, "case")["facts"]["edges"]
        .as_array()
        .expect("edges")
        .len()
}

async fn a_query_in_the_url_answers_as_posted_and_revalidates(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let case_id = server.showcase_id().await;
    let posted = server.graphql(&lead, FACTS, json!({ "id": case_id })).await;
    let parameters = [
        ("query", FACTS.to_owned()),
        ("variables", json!({ "id": case_id }).to_string()),
    ];

    let (status, headers, body) = get(&server, &lead, &parameters, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, posted.body, "the same answer as the posted query");
    assert_eq!(header(&headers, "cache-control"), "private, no-cache");
    assert!(header(&headers, "vary").contains("authorization"));
    let tag = header(&headers, "etag").to_owned();
    assert!(
        tag.starts_with('"') && tag.len() > 2,
        "a strong ETag: {tag}"
    );

    let before = logged(&server, "UrlFacts").await;
    let (status, headers, body) = get(&server, &lead, &parameters, Some(&tag)).await;
    assert_eq!(status, 304);
    assert_eq!(body, Value::Null, "nothing travels twice");
    assert_eq!(header(&headers, "etag"), tag);
    assert_eq!(
        logged(&server, "UrlFacts").await,
        before + 1,
        "the revalidated read is logged like any other"
    );

    // Another viewer's answer is another answer: the tag does not carry over.
    let income = server.token("wpi-amsterdam", "ilse").await;
    let (status, _, body) = get(&server, &income, &parameters, Some(&tag)).await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(
        body, posted.body,
        "the income department sees its own slice"
    );

    // Without GraphQL parameters the path is GraphiQL's page, as before.
    let page = server
        .client
        .get(format!("http://{}/graphql", server.address))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("a page").contains("<html"));

    let (status, _, body) = get(
        &server,
        &lead,
        &[("query", FACTS.to_owned()), ("variables", "[1]".to_owned())],
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "variables");
}

async fn a_mutation_is_never_run_by_get(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let case_id = server.showcase_id().await;
    let facts = fact_count(&server, &lead, &case_id).await;
    let variables = json!({ "id": case_id }).to_string();

    let (status, headers, body) = get(
        &server,
        &lead,
        &[
            ("query", ADD_FACT.to_owned()),
            ("variables", variables.clone()),
        ],
        None,
    )
    .await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(header(&headers, "allow"), "POST");
    assert_eq!(code(&body), "METHOD_NOT_ALLOWED");

    // Known by its hash from a POST that registered (and ran) it, it is still refused on GET.
    let hash = sha256(ADD_FACT);
    let registered = server
        .post(
            &lead,
            &json!({
                "query": ADD_FACT,
                "variables": { "id": case_id },
                "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
            }),
        )
        .await;
    data(&registered, "addFact");
    let (status, headers, _) = get(
        &server,
        &lead,
        &[("extensions", persisted(&hash)), ("variables", variables)],
        None,
    )
    .await;
    assert_eq!(status, 405);
    assert_eq!(header(&headers, "allow"), "POST");
    assert_eq!(
        fact_count(&server, &lead, &case_id).await,
        facts + 1,
        "only the posted mutation wrote"
    );
}

async fn a_query_runs_by_its_hash_once_the_server_knows_it(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let case_id = server.showcase_id().await;
    let hash = sha256(FACTS);
    let by_hash = json!({
        "variables": { "id": case_id },
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
    });

    let unknown = server.post(&lead, &by_hash).await;
    assert_eq!(unknown.error_code(), Some("PERSISTED_QUERY_NOT_FOUND"));
    assert_eq!(
        unknown.body["errors"][0]["message"],
        "PersistedQueryNotFound"
    );

    let mut wrong = by_hash.clone();
    wrong["query"] = json!("query Other { me { kind } }");
    let mismatch = server.post(&lead, &wrong).await;
    assert_eq!(mismatch.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(
        mismatch.body["errors"][0]["extensions"]["field"],
        "extensions.persistedQuery.sha256Hash"
    );

    let mut both = by_hash.clone();
    both["query"] = json!(FACTS);
    let first = server.post(&lead, &both).await;
    let expected = data(&first, "case").clone();
    assert!(expected["reference"].is_string());

    let again = server.post(&lead, &by_hash).await;
    assert_eq!(data(&again, "case"), &expected, "by hash alone, once known");
    let (status, _, body) = get(
        &server,
        &lead,
        &[
            ("extensions", persisted(&hash)),
            ("variables", json!({ "id": case_id }).to_string()),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["case"], expected, "and in the URL");

    // A hash names a text, not a permission: another viewer running it gets their own slice.
    let housing = server.token("woonstad-wonen", "lars").await;
    let theirs = server.post(&housing, &by_hash).await;
    assert_ne!(theirs.body["data"]["case"], expected);
}
