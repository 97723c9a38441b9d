//! The maatwerkcommunity directory over real HTTP on the demo data (DOMAIN.md §7): every coach
//! and no one else, searchable by municipality, organisation kind and expertise; kept by the
//! coach or their org_admin; read by professionals and by the community website's service
//! token with the `directory:read` scope.

use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};

const DIRECTORY: &str = r#"query($municipality: ID, $kind: OrganisationKind, $expertise: String) {
  directory(municipalityId: $municipality, organisationKind: $kind, expertise: $expertise) {
    edges { node { professionalId name organisation { slug } municipalities { code } expertise phone email availability version } }
  }
}"#;

const UPDATE: &str = r#"mutation($id: ID!, $version: Int!, $input: DirectoryInput!) {
  updateDirectoryEntry(professionalId: $id, version: $version, input: $input) { name expertise phone availability version municipalities { code } }
}"#;

async fn names(server: &DemoServer, token: &str, variables: Value) -> Vec<String> {
    let response = server.graphql(token, DIRECTORY, variables).await;
    data(&response, "directory")["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn municipality(server: &DemoServer, token: &str, code: &str) -> Value {
    let response = server
        .graphql(token, "{ municipalities { id code } }", json!({}))
        .await;
    data(&response, "municipalities")
        .as_array()
        .unwrap()
        .iter()
        .find(|municipality| municipality["code"] == code)
        .unwrap()["id"]
        .clone()
}

async fn the_directory_lists_every_coach_and_their_details(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let anna = server.token("buurtteam-amsterdam-west", "anna").await;
    let bram = server.token("buurtteam-amsterdam-west", "bram").await;
    let amsterdam = municipality(&server, &anna, "AMS").await;
    let zaanstad = municipality(&server, &anna, "ZAA").await;

    // Every professional with the coach role, in both municipalities, and no one else.
    assert_eq!(
        names(&server, &anna, json!({})).await,
        ["Bram Kok", "Hanna Yilmaz", "Quinta Maas", "Sem Willems"]
    );
    assert_eq!(
        names(&server, &anna, json!({ "municipality": zaanstad })).await,
        ["Sem Willems"]
    );
    assert_eq!(
        names(&server, &anna, json!({ "kind": "YOUTH_TEAM" })).await,
        ["Hanna Yilmaz"]
    );
    // Three of them have filled in their entry in the demo.
    assert_eq!(
        names(&server, &anna, json!({ "expertise": "young-adults" })).await,
        ["Quinta Maas"]
    );

    // The coach keeps their entry; the municipalities are those their organisation serves.
    let response = server.graphql(&bram, DIRECTORY, json!({})).await;
    let entry = data(&response, "directory")["edges"][0]["node"].clone();
    assert_eq!(entry["version"], 0);
    assert_eq!(entry["municipalities"], json!([{ "code": "AMS" }]));
    let input = json!({
        "expertise": ["Debt", "youth", "debt"],
        "phone": "020 555 0101",
        "availability": "Tuesdays and Thursdays",
        "municipalityIds": [amsterdam],
    });
    let updated = server
        .graphql(
            &bram,
            UPDATE,
            json!({ "id": entry["professionalId"], "version": 0, "input": input }),
        )
        .await;
    let updated = data(&updated, "updateDirectoryEntry");
    assert_eq!(updated["expertise"], json!(["debt", "youth"]));
    assert_eq!(updated["version"], 1);
    assert_eq!(
        names(&server, &anna, json!({ "expertise": "Debt" })).await,
        ["Bram Kok"]
    );

    // Not by a colleague; by the org_admin, naming the version; bad input names the field.
    let refused = server
        .graphql(
            &anna,
            UPDATE,
            json!({ "id": entry["professionalId"], "version": 1, "input": input }),
        )
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let admin = server.token("buurtteam-amsterdam-west", "eva").await;
    let stale = server
        .graphql(
            &admin,
            UPDATE,
            json!({ "id": entry["professionalId"], "version": 0, "input": input }),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{}", stale.body);
    let mut bad = input.clone();
    bad["email"] = json!("bram at buurtteam");
    let refused = server
        .graphql(
            &admin,
            UPDATE,
            json!({ "id": entry["professionalId"], "version": 1, "input": bad }),
        )
        .await;
    assert_eq!(refused.body["errors"][0]["extensions"]["field"], "email");
    let mut elsewhere = input.clone();
    elsewhere["municipalityIds"] = json!([zaanstad]);
    let refused = server
        .graphql(
            &admin,
            UPDATE,
            json!({ "id": entry["professionalId"], "version": 1, "input": elsewhere }),
        )
        .await;
    assert_eq!(
        refused.body["errors"][0]["extensions"]["field"],
        "municipalityIds"
    );
    let mut later = input.clone();
    later["availability"] = json!("Mondays");
    let by_admin = server
        .graphql(
            &admin,
            UPDATE,
            json!({ "id": entry["professionalId"], "version": 1, "input": later }),
        )
        .await;
    assert_eq!(
        data(&by_admin, "updateDirectoryEntry")["availability"],
        "Mondays"
    );

    // The community website reads it with its scope; without it, and residents, do not.
    let website = server
        .service_token("buurtteam-amsterdam-west", &["directory:read"])
        .await;
    assert_eq!(names(&server, &website, json!({})).await.len(), 4);
    let without = server
        .service_token("buurtteam-amsterdam-west", &["caseload:export"])
        .await;
    let resident = server.resident_token("samira").await;
    for token in [without, resident] {
        let refused = server.graphql(&token, DIRECTORY, json!({})).await;
        assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    }
}

on_both_databases!(the_directory_lists_every_coach_and_their_details);
