//! Bulk import through the API, over HTTP on the demo data: an organisation's integration
//! starts a job with the `import` scope and follows it to the end, the job refuses the same
//! rows as `maatwerk import` (the oracle, run on the same file), writes nothing twice, logs
//! its changes under its trace, is its organisation's alone, and a job whose process stopped
//! is taken over and finished.

use std::time::Duration;

use api::import::{self, ImportKind, ImportOptions, Progress};
use maatwerk_tests::{DemoServer, Response, TestDatabase, data, on_both_databases};
use persistence::import_jobs::NewImportJob;
use serde_json::{Value, json};

const START: &str = r#"mutation Start($input: StartImportInput!) {
  startImport(input: $input) { id status rows dryRun actingAs traceId } }"#;

const JOB: &str = r#"query Job($id: ID!, $first: Int, $after: String) {
  importJob(id: $id) {
    id kind status rows processed imported alreadyImported repeated refused stoppedReason
    traceId startedAt finishedAt
    problems(first: $first, after: $after) {
      nodes { line field code reason } pageInfo { hasNextPage endCursor } } } }"#;

const CASELOAD: &str = r#"{ cases(first: 100) { totalCount nodes { id reference
  resident { name } team { nodes { role professional { name } } } } } }"#;

/// Ten case openings: two good ones, one of them twice, and seven bad rows.
const CASES: &str = include_str!("../fixtures/case-openings.csv");

const ORGANISATION: &str = "buurtteam-amsterdam-west";

fn input(rows: &str, acting_as: &str, dry_run: bool) -> Value {
    // JSON Lines start with a brace, CSV with its header.
    let format = if rows.starts_with('{') {
        "JSON_LINES"
    } else {
        "CSV"
    };
    json!({ "input": {
        "kind": "CASES", "format": format, "rows": rows, "actingAs": acting_as, "dryRun": dry_run,
    } })
}

async fn start(server: &DemoServer, token: &str, rows: &str, dry_run: bool) -> Value {
    let response = server
        .graphql(token, START, input(rows, "anna", dry_run))
        .await;
    data(&response, "startImport").clone()
}

/// Follows a job until it has ended.
async fn finished(server: &DemoServer, token: &str, id: &Value) -> Value {
    for _ in 0..300 {
        let response = server
            .graphql(token, JOB, json!({ "id": id, "first": 100 }))
            .await;
        let job = data(&response, "importJob").clone();
        if job["status"] != "RUNNING" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the import job did not end in 30 seconds");
}

/// A job's counts as (imported, already imported, repeated, refused), like the CLI's summary.
fn counts(job: &Value) -> (u64, u64, u64, u64) {
    let count = |name: &str| job[name].as_u64().unwrap_or_else(|| panic!("{job:#}"));
    (
        count("imported"),
        count("alreadyImported"),
        count("repeated"),
        count("refused"),
    )
}

/// Each refused row as `line field code: reason`.
fn problems(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|problem| {
            format!(
                "{} {} {}: {}",
                problem["line"],
                problem["field"].as_str().unwrap_or("-"),
                problem["code"].as_str().unwrap(),
                problem["reason"].as_str().unwrap()
            )
        })
        .collect()
}

/// What `maatwerk import cases` makes of `rows` in a dry run: the oracle a job is held to.
async fn command_line_dry_run(server: &DemoServer, rows: &str) -> (Vec<String>, (u64, u64, u64)) {
    let path = std::env::temp_dir().join(format!("maatwerk-job-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, rows).unwrap();
    let options = ImportOptions {
        kind: ImportKind::Cases,
        file: path.clone(),
        organisation: ORGANISATION.into(),
        person: "anna".into(),
        dry_run: true,
    };
    let summary = import::run(
        &server.store,
        &Default::default(),
        &options,
        Progress::hidden(),
    )
    .await
    .unwrap();
    let _ = std::fs::remove_file(path);
    let refused = summary
        .problems
        .iter()
        .map(|problem| {
            format!(
                "{} {} {}: {}",
                problem.line,
                problem.field.as_deref().unwrap_or("-"),
                problem.code,
                problem.reason
            )
        })
        .collect();
    (
        refused,
        (summary.imported, summary.already_imported, summary.repeated),
    )
}

async fn caseload(server: &DemoServer, token: &str) -> Value {
    data(&server.graphql(token, CASELOAD, json!({})).await, "cases").clone()
}

async fn an_integration_imports_through_a_job_and_follows_it(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let integration = server.service_token(ORGANISATION, &["import"]).await;
    let anna = server.token(ORGANISATION, "anna").await;
    let before = caseload(&server, &anna).await;
    let (expected_problems, (imported, already_imported, repeated)) =
        command_line_dry_run(&server, CASES).await;
    assert_eq!(expected_problems.len(), 7, "{expected_problems:#?}");

    // A dry run refuses what the command line refuses, and writes nothing.
    let dry = start(&server, &integration, CASES, true).await;
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["rows"], 10);
    assert_eq!(dry["actingAs"], "anna");
    let dry = finished(&server, &integration, &dry["id"]).await;
    assert_eq!(dry["status"], "FINISHED", "{dry:#}");
    assert_eq!(problems(&dry["problems"]["nodes"]), expected_problems);
    assert_eq!(
        counts(&dry),
        (imported, already_imported, repeated, 7),
        "{dry:#}"
    );
    assert_eq!(caseload(&server, &anna).await, before);

    // The job writes the good rows, with Anna as their case lead.
    let job = start(&server, &integration, CASES, false).await;
    let job = finished(&server, &integration, &job["id"]).await;
    assert_eq!(job["status"], "FINISHED", "{job:#}");
    assert_eq!(job["processed"], 10);
    assert_eq!(counts(&job), (2, 0, 1, 7), "{job:#}");
    assert_eq!(problems(&job["problems"]["nodes"]), expected_problems);
    assert!(job["finishedAt"].is_string(), "{job:#}");
    let after = caseload(&server, &anna).await;
    assert_eq!(
        after["totalCount"].as_i64().unwrap(),
        before["totalCount"].as_i64().unwrap() + 2
    );
    let noor = after["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["resident"]["name"] == "Noor de Vries")
        .expect("the imported case is in the acting professional's caseload");
    assert_eq!(
        noor["team"]["nodes"],
        json!([{ "role": "CASE_LEAD", "professional": { "name": "Anna de Boer" } }])
    );

    // Its problems page by line, and the pages make up the whole list.
    let mut paged = Vec::new();
    let mut after_cursor = Value::Null;
    loop {
        let response = server
            .graphql(
                &integration,
                JOB,
                json!({ "id": job["id"], "first": 3, "after": after_cursor }),
            )
            .await;
        let page = &data(&response, "importJob")["problems"];
        paged.extend(problems(&page["nodes"]));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after_cursor = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(paged, expected_problems);

    // The same rows again write nothing.
    let again = start(&server, &integration, CASES, false).await;
    let again = finished(&server, &integration, &again["id"]).await;
    assert_eq!(counts(&again), (0, 2, 1, 7), "{again:#}");
    assert_eq!(
        caseload(&server, &anna).await["totalCount"],
        after["totalCount"]
    );

    // What the job wrote is in the access log under its trace, as the import's, and for
    // the organisation's integration as its purpose.
    let officer = server
        .token_with_roles(ORGANISATION, "anna", &["privacy_officer"])
        .await;
    let log = server
        .graphql(
            &officer,
            r#"query Log($trace: String) { accessLog(first: 100, traceId: $trace) {
                edges { node { action caseId operationName processingActivityId } } } }"#,
            json!({ "trace": job["traceId"] }),
        )
        .await;
    let entries = data(&log, "accessLog")["edges"].as_array().unwrap().clone();
    let cases: std::collections::BTreeSet<&str> = entries
        .iter()
        .map(|edge| edge["node"]["caseId"].as_str().unwrap())
        .collect();
    assert_eq!(cases.len(), 2, "{entries:#?}");
    assert!(cases.contains(noor["id"].as_str().unwrap()), "{entries:#?}");
    for edge in &entries {
        assert_eq!(edge["node"]["operationName"], "ImportCases", "{edge:#}");
        assert_eq!(
            edge["node"]["processingActivityId"],
            "urn:maatwerk:processing-activity:integration"
        );
    }
}

fn refusal(response: &Response, field: &str) -> (String, Option<String>, Value) {
    (
        response.error_code().unwrap_or_default().to_owned(),
        response.body["errors"][0]["extensions"]["field"]
            .as_str()
            .map(str::to_owned),
        response.body["data"][field].clone(),
    )
}

async fn a_job_is_for_its_organisations_integration_with_the_import_scope(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let integration = server.service_token(ORGANISATION, &["import"]).await;
    let job = start(&server, &integration, CASES, true).await;

    // Without the scope, or as a professional, no job is started.
    let exporter = server
        .service_token(ORGANISATION, &["caseload:export", "agreements:write"])
        .await;
    let anna = server.token(ORGANISATION, "anna").await;
    for token in [&exporter, &anna] {
        let response = server
            .graphql(token, START, input(CASES, "anna", false))
            .await;
        assert_eq!(
            refusal(&response, "startImport").0,
            "FORBIDDEN",
            "{:#}",
            response.body
        );
    }

    // Another organisation's integration, with the same scope, does not find the job; the
    // organisation's own professionals may know it is there, and not read it.
    let other = server.service_token("woonstad-wonen", &["import"]).await;
    let response = server
        .graphql(&other, JOB, json!({ "id": job["id"] }))
        .await;
    assert_eq!(
        refusal(&response, "importJob"),
        ("NOT_FOUND".into(), None, Value::Null)
    );
    let nowhere =
        api::graphql::ids::encode(api::graphql::ids::NodeType::ImportJob, uuid::Uuid::now_v7());
    let missing = server
        .graphql(&other, JOB, json!({ "id": nowhere.as_str() }))
        .await;
    assert_eq!(
        missing.body["errors"][0]["message"],
        response.body["errors"][0]["message"]
    );
    let response = server.graphql(&anna, JOB, json!({ "id": job["id"] })).await;
    assert_eq!(refusal(&response, "importJob").0, "FORBIDDEN");
    // A job is not a node: its id finds nothing there, for its own integration either.
    for token in [&integration, &other] {
        let response = server
            .graphql(
                token,
                "query Node($id: ID!) { node(id: $id) { id } }",
                json!({ "id": job["id"] }),
            )
            .await;
        assert_eq!(
            refusal(&response, "node"),
            ("NOT_FOUND".into(), None, Value::Null)
        );
    }

    // Bad input names its field, and starts nothing.
    let response = server
        .graphql(&integration, START, input(CASES, "nobody", false))
        .await;
    assert_eq!(
        refusal(&response, "startImport"),
        (
            "BAD_USER_INPUT".into(),
            Some("actingAs".into()),
            Value::Null
        )
    );
    let response = server
        .graphql(&integration, START, input(CASES, "an\u{0}na", false))
        .await;
    assert_eq!(
        refusal(&response, "startImport"),
        (
            "BAD_USER_INPUT".into(),
            Some("actingAs".into()),
            Value::Null
        )
    );
    let response = server
        .graphql(
            &integration,
            START,
            input(&CASES.replace("Noor", "No\u{0}or"), "anna", false),
        )
        .await;
    assert_eq!(
        refusal(&response, "startImport"),
        ("BAD_USER_INPUT".into(), Some("rows".into()), Value::Null)
    );
    let response = server
        .graphql(&integration, START, input("", "anna", false))
        .await;
    assert_eq!(
        refusal(&response, "startImport"),
        ("BAD_USER_INPUT".into(), Some("rows".into()), Value::Null)
    );

    // Rows carried out as a professional who may not open cases are refused by the policy,
    // as their own requests would be.
    let coach = server
        .token_with_roles(ORGANISATION, "bram", &["coach"])
        .await;
    server
        .graphql(&coach, "{ me { __typename } }", json!({}))
        .await;
    let response = server
        .graphql(
            &integration,
            START,
            json!({ "input": { "kind": "CASES", "format": "JSON_LINES", "actingAs": "bram",
                "rows": r#"{"municipality": "AMS", "date_of_birth": "1980-01-01", "name": "Someone"}"# } }),
        )
        .await;
    let job = data(&response, "startImport").clone();
    let job = finished(&server, &integration, &job["id"]).await;
    assert_eq!(counts(&job), (0, 0, 0, 1), "{job:#}");
    assert_eq!(job["problems"]["nodes"][0]["code"], "FORBIDDEN", "{job:#}");
}

async fn a_job_whose_process_stopped_is_taken_over(database: TestDatabase) {
    let server = DemoServer::start_with(database, |settings| {
        settings.limits.import_takeover_seconds = 1;
    })
    .await;
    let integration = server.service_token(ORGANISATION, &["import"]).await;
    let anna = server.token(ORGANISATION, "anna").await;
    let before = caseload(&server, &anna).await["totalCount"]
        .as_i64()
        .unwrap();
    let lines: Vec<String> = (1..=4)
        .map(|number| {
            format!(
                r#"{{"municipality": "AMS", "date_of_birth": "1981-01-0{number}", "name": "Resident {number}"}}"#
            )
        })
        .collect();
    // The first row was written before the process stopped, as a job's rows are.
    let first = start(&server, &integration, &lines[0], false).await;
    let first = finished(&server, &integration, &first["id"]).await;
    assert_eq!(counts(&first), (1, 0, 0, 0), "{first:#}");

    // A job a stopped process left running: recorded, and nobody reports on it.
    let organisation = server
        .store
        .organisation_by_slug(&domain::Slug::parse(ORGANISATION).unwrap())
        .await
        .unwrap()
        .unwrap();
    let left = server
        .store
        .create_import_job(NewImportJob {
            organisation_id: organisation.id,
            started_by: "back-office".into(),
            acting_as: "anna".into(),
            kind: "cases".into(),
            format: "jsonl".into(),
            dry_run: false,
            trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
            processing_activity_id: "urn:maatwerk:processing-activity:integration".into(),
            rows: 4,
            content: lines.join("\n"),
        })
        .await
        .unwrap();
    let id = api::graphql::ids::encode(api::graphql::ids::NodeType::ImportJob, left.job.id.0);
    let job = finished(&server, &integration, &json!(id.as_str())).await;
    assert_eq!(job["status"], "FINISHED", "{job:#}");
    assert_eq!(counts(&job), (3, 1, 0, 0), "{job:#}");
    assert_eq!(
        caseload(&server, &anna).await["totalCount"]
            .as_i64()
            .unwrap(),
        before + 4
    );
}

on_both_databases!(
    an_integration_imports_through_a_job_and_follows_it,
    a_job_is_for_its_organisations_integration_with_the_import_scope,
    a_job_whose_process_stopped_is_taken_over,
);
