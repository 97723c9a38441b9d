//! Bulk import on the demo data, checked over HTTP: bad rows are named by line and field and
//! write nothing, a dry run writes nothing at all, a re-run writes nothing twice, an import
//! stopped by the database goes on where it stopped, and the import meets the same action
//! policy as the API.

use std::path::PathBuf;

use api::import::{self, ImportKind, ImportOptions, Progress, Summary};
use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};

const CASELOAD: &str = r#"{ cases(first: 100) { totalCount nodes { reference resident { name }
  invitations { nodes { organisation { slug } role reason } } } } }"#;

/// A file of `extension` holding `text`, removed when dropped.
struct ImportFile(PathBuf);

impl ImportFile {
    fn new(extension: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "maatwerk-import-{}.{extension}",
            uuid::Uuid::new_v4()
        ));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }
}

impl Drop for ImportFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn run(
    server: &DemoServer,
    kind: ImportKind,
    file: &ImportFile,
    person: &str,
    dry_run: bool,
) -> Result<Summary, import::ImportError> {
    let options = ImportOptions {
        kind,
        file: file.0.clone(),
        organisation: "buurtteam-amsterdam-west".into(),
        person: person.into(),
        dry_run,
    };
    import::run(
        &server.store,
        &Default::default(),
        &options,
        Progress::hidden(),
    )
    .await
}

/// Each refused row as `line field code`, for comparing with what the file holds.
fn refused(summary: &Summary) -> Vec<String> {
    summary
        .problems
        .iter()
        .map(|problem| {
            format!(
                "{} {} {}",
                problem.line,
                problem.field.as_deref().unwrap_or("-"),
                problem.code
            )
        })
        .collect()
}

fn counts(summary: &Summary) -> (u64, u64, u64, usize) {
    (
        summary.imported,
        summary.already_imported,
        summary.repeated,
        summary.problems.len(),
    )
}

/// Ten case openings: two good ones, one of them twice, and seven bad rows.
const CASES: &str = include_str!("../fixtures/case-openings.csv");

async fn case_openings_are_imported_once_and_bad_rows_are_named(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let anna = server.token("buurtteam-amsterdam-west", "anna").await;
    let before = data(&server.graphql(&anna, CASELOAD, json!({})).await, "cases").clone();
    let file = ImportFile::new("csv", CASES);

    // A dry run checks every row and writes none.
    let checked = run(&server, ImportKind::Cases, &file, "anna", true)
        .await
        .unwrap();
    let expected_refusals = [
        "3 date_of_birth BAD_USER_INPUT",
        "4 name BAD_USER_INPUT",
        "5 municipality BAD_USER_INPUT",
        "6 email BAD_USER_INPUT",
        "7 invite BAD_USER_INPUT",
        "8 invitation_reason BAD_USER_INPUT",
        "9 invite BAD_USER_INPUT",
    ];
    assert_eq!(refused(&checked), expected_refusals, "{checked}");
    assert_eq!(counts(&checked), (2, 0, 1, 7), "{checked}");
    let after_dry_run = data(&server.graphql(&anna, CASELOAD, json!({})).await, "cases").clone();
    assert_eq!(after_dry_run, before);

    let imported = run(&server, ImportKind::Cases, &file, "anna", false)
        .await
        .unwrap();
    assert_eq!(refused(&imported), expected_refusals, "{imported}");
    assert_eq!(counts(&imported), (2, 0, 1, 7), "{imported}");
    let caseload = data(&server.graphql(&anna, CASELOAD, json!({})).await, "cases").clone();
    assert_eq!(
        caseload["totalCount"].as_i64().unwrap(),
        before["totalCount"].as_i64().unwrap() + 2
    );
    let noor = caseload["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["resident"]["name"] == "Noor de Vries")
        .expect("the imported case is in the case lead's caseload");
    let mut invited: Vec<(String, String)> = noor["invitations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|invitation| {
            assert_eq!(invitation["reason"], "Rent arrears and an eviction notice");
            (
                invitation["organisation"]["slug"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                invitation["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    invited.sort();
    assert_eq!(
        invited,
        [
            ("woonstad-wonen".to_owned(), "COACH".to_owned()),
            ("wpi-amsterdam".to_owned(), "MEMBER".to_owned())
        ]
    );

    // The same file again writes nothing; the bad rows are named again.
    let again = run(&server, ImportKind::Cases, &file, "anna", false)
        .await
        .unwrap();
    assert_eq!(counts(&again), (0, 2, 1, 7), "{again}");
    let unchanged = data(&server.graphql(&anna, CASELOAD, json!({})).await, "cases").clone();
    assert_eq!(unchanged["totalCount"], caseload["totalCount"]);

    // A corrected row is a new row; the rows written before stay written once.
    let corrected = ImportFile::new("csv", &CASES.replace("1985-13-01", "1985-12-01"));
    let after_fix = run(&server, ImportKind::Cases, &corrected, "anna", false)
        .await
        .unwrap();
    assert_eq!(counts(&after_fix), (1, 2, 1, 6), "{after_fix}");

    let (report, intact) = api::audit::report(&server.store, None).await.unwrap();
    assert!(intact, "{report}");
}

async fn an_import_meets_the_same_policy_as_the_api(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let file = ImportFile::new(
        "jsonl",
        r#"{"municipality": "AMS", "date_of_birth": "1979-02-02", "name": "Kees Jansen"}
"#,
    );
    // The privacy officer reads the log and opens no cases, over the API or here.
    let officer = run(&server, ImportKind::Cases, &file, "daan", false)
        .await
        .unwrap();
    assert_eq!(refused(&officer), ["1 - FORBIDDEN"], "{officer}");
    let daan = server.token("buurtteam-amsterdam-west", "daan").await;
    let over_the_api = server
        .graphql(
            &daan,
            r#"mutation($municipality: ID!) { openCase(input: { municipalityId: $municipality, resident: { dateOfBirth: "1979-02-02", name: "Kees Jansen" } }) { id } }"#,
            json!({ "municipality": municipality_id(&server, &daan).await }),
        )
        .await;
    assert_eq!(
        over_the_api.error_code(),
        Some("FORBIDDEN"),
        "{}",
        over_the_api.body
    );

    // Someone the organisation has never signed in is no one to act as.
    let nobody = run(&server, ImportKind::Cases, &file, "nobody", false).await;
    assert!(
        matches!(nobody, Err(import::ImportError::UnknownProfessional { .. })),
        "{nobody:?}"
    );
}

async fn municipality_id(server: &DemoServer, token: &str) -> Value {
    let municipalities = server
        .graphql(token, "{ municipalities { id code } }", json!({}))
        .await;
    data(&municipalities, "municipalities")
        .as_array()
        .unwrap()
        .iter()
        .find(|municipality| municipality["code"] == "AMS")
        .unwrap()["id"]
        .clone()
}

async fn a_stopped_import_goes_on_where_it_stopped(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let anna = server.token("buurtteam-amsterdam-west", "anna").await;
    let before = data(&server.graphql(&anna, CASELOAD, json!({})).await, "cases")["totalCount"]
        .as_i64()
        .unwrap();
    let lines: Vec<String> = (1..=6)
        .map(|number| {
            format!(
                r#"{{"municipality": "AMS", "date_of_birth": "1980-01-0{number}", "name": "Resident {number}"}}"#
            )
        })
        .collect();

    // The first run gets through half the file before it is cut off.
    let first_half = ImportFile::new("jsonl", &lines[..3].join("\n"));
    let started = run(&server, ImportKind::Cases, &first_half, "anna", false)
        .await
        .unwrap();
    assert_eq!(counts(&started), (3, 0, 0, 0), "{started}");

    // The database gives way: the import stops at the row it could not write, which is not
    // written in part.
    let whole = ImportFile::new("jsonl", &lines.join("\n"));
    server
        .store
        .execute_unprepared("ALTER TABLE access_log RENAME TO access_log_elsewhere")
        .await
        .unwrap();
    let stopped = run(&server, ImportKind::Cases, &whole, "anna", false).await;
    assert!(
        matches!(stopped, Err(import::ImportError::Stopped { line: 4, .. })),
        "{stopped:?}"
    );
    server
        .store
        .execute_unprepared("ALTER TABLE access_log_elsewhere RENAME TO access_log")
        .await
        .unwrap();
    let count = data(&server.graphql(&anna, CASELOAD, json!({})).await, "cases")["totalCount"]
        .as_i64()
        .unwrap();
    assert_eq!(count, before + 3);

    // Run again, it writes only what is left.
    let finished = run(&server, ImportKind::Cases, &whole, "anna", false)
        .await
        .unwrap();
    assert_eq!(counts(&finished), (3, 3, 0, 0), "{finished}");
    let count = data(&server.graphql(&anna, CASELOAD, json!({})).await, "cases")["totalCount"]
        .as_i64()
        .unwrap();
    assert_eq!(count, before + 6);
}

async fn agreement_statuses_from_a_back_office_are_set_once(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let anna = server.token("buurtteam-amsterdam-west", "anna").await;
    let agreements = |status: &'static str| {
        let server = &server;
        let anna = anna.clone();
        let case_id = case_id.clone();
        async move {
            let read = server
                .graphql(
                    &anna,
                    "query($id: ID!, $status: AgreementStatus) { case(id: $id) { agreements(first: 100, status: $status) { nodes { id version status } } } }",
                    json!({ "id": case_id, "status": status }),
                )
                .await;
            data(&read, "case")["agreements"]["nodes"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let open = agreements("OPEN").await;
    assert!(open.len() >= 2, "{open:?}");
    let (first, second) = (&open[0], &open[1]);
    let text = [
        json!({ "agreement": first["id"], "status": "DONE", "version": first["version"] }),
        json!({ "agreement": second["id"], "status": "in_progress", "version": second["version"].as_i64().unwrap() + 1 }),
        json!({ "agreement": second["id"], "status": "FINISHED", "version": second["version"] }),
        json!({ "agreement": "not-an-id", "status": "DONE", "version": 1 }),
        json!({ "agreement": second["id"], "version": 1 }),
        json!({ "agreement": second["id"], "status": "DONE", "version": 1, "colour": "red" }),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");
    let file = ImportFile::new("jsonl", &text);
    let summary = run(&server, ImportKind::AgreementStatuses, &file, "anna", false)
        .await
        .unwrap();
    assert_eq!(
        refused(&summary),
        [
            "2 - CONFLICT",
            "3 status BAD_USER_INPUT",
            "4 agreement BAD_USER_INPUT",
            "5 status BAD_USER_INPUT",
            "6 colour BAD_USER_INPUT",
        ],
        "{summary}"
    );
    assert_eq!(counts(&summary), (1, 0, 0, 5), "{summary}");
    let done = agreements("DONE").await;
    assert!(
        done.iter().any(|agreement| agreement["id"] == first["id"]),
        "{done:?}"
    );

    let again = run(&server, ImportKind::AgreementStatuses, &file, "anna", false)
        .await
        .unwrap();
    assert_eq!(counts(&again), (0, 1, 0, 5), "{again}");
}

on_both_databases!(
    case_openings_are_imported_once_and_bad_rows_are_named,
    an_import_meets_the_same_policy_as_the_api,
    a_stopped_import_goes_on_where_it_stopped,
    agreement_statuses_from_a_back_office_are_set_once,
);
