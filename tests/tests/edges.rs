//! The edges of a case over real HTTP on the demo data, as `domain::authz` decides them
//! (`tests/output/action-table.txt`): who may join a case and in which role, who may open one
//! and how the resident is identified, who records which kind of consent, and that an
//! escalation is resolved by someone other than who escalated it.

use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};

const BUURTTEAM: &str = "buurtteam-amsterdam-west";

const CASE: &str = "query($id: ID!) { case(id: $id) { perspective { text } facts { nodes { id } } resident { name dateOfBirth } } }";

async fn professional_id(server: &DemoServer, token: &str) -> Value {
    let me = server
        .graphql(token, "{ me { professional { id } } }", json!({}))
        .await;
    data(&me, "me")["professional"]["id"].clone()
}

/// The showcase's case lead invites `invitee` (signed in with `token`) by name in `role`, and
/// returns the invitee's view of their pending invitation.
async fn invite(server: &DemoServer, token: &str, role: &str) -> Value {
    let lead = server.token(BUURTTEAM, "anna").await;
    let case_id = server.showcase_id().await;
    let invited = server
        .graphql(
            &lead,
            "mutation($case: ID!, $organisation: ID!, $professional: ID, $role: TeamRole!) { inviteToCase(caseId: $case, organisationId: $organisation, professionalId: $professional, role: $role, reason: \"Bring in the partner\") { id } }",
            json!({
                "case": case_id,
                "organisation": server.organisation_of(token).await,
                "professional": professional_id(server, token).await,
                "role": role,
            }),
        )
        .await;
    data(&invited, "inviteToCase");
    let pending = server
        .graphql(token, "{ myInvitations { id version role } }", json!({}))
        .await;
    let invitation = data(&pending, "myInvitations")[0].clone();
    assert_eq!(invitation["role"], role, "the team decided the role");
    invitation
}

async fn accept(server: &DemoServer, token: &str, invitation: &Value) -> maatwerk_tests::Response {
    server
        .graphql(
            token,
            "mutation($id: ID!, $version: Int!) { acceptInvitation(invitationId: $id, version: $version) { myRole } }",
            json!({ "id": invitation["id"], "version": invitation["version"] }),
        )
        .await
}

/// Defect: a token carrying only `privacy_officer` accepted an invitation as a member and read
/// the perspective, the facts and the resident's name and date of birth. The team role is the
/// inviter's choice, and accepting needs an organisation role that fits it.
async fn joining_needs_an_organisation_role_that_fits_the_invited_team_role(
    database: TestDatabase,
) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;

    // Daan is the neighbourhood team's privacy officer and nothing else.
    let daan = server.token(BUURTTEAM, "daan").await;
    let invitation = invite(&server, &daan, "MEMBER").await;
    let refused = accept(&server, &daan, &invitation).await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let read = server.graphql(&daan, CASE, json!({ "id": case_id })).await;
    assert_eq!(read.error_code(), Some("NOT_FOUND"), "{}", read.body);
    assert_eq!(read.body["data"]["case"], Value::Null);

    // Vera works as a professional; invited as a coach she cannot join, as a member she can.
    let vera = server.token(BUURTTEAM, "vera").await;
    let as_coach = invite(&server, &vera, "COACH").await;
    let refused = accept(&server, &vera, &as_coach).await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let declined = server
        .graphql(
            &vera,
            "mutation($id: ID!, $version: Int!) { declineInvitation(invitationId: $id, version: $version) }",
            json!({ "id": as_coach["id"], "version": as_coach["version"] }),
        )
        .await;
    data(&declined, "declineInvitation");
    let as_member = invite(&server, &vera, "MEMBER").await;
    let joined = accept(&server, &vera, &as_member).await;
    assert_eq!(data(&joined, "acceptInvitation")["myRole"], "MEMBER");

    // The case lead cannot be invited into; the role changes hands by transfer.
    let lead = server.token(BUURTTEAM, "anna").await;
    let hanna = server.token("okt-nieuw-west", "hanna").await;
    let refused = server
        .graphql(
            &lead,
            "mutation($case: ID!, $organisation: ID!) { inviteToCase(caseId: $case, organisationId: $organisation, role: CASE_LEAD, reason: \"Lead it\") { id } }",
            json!({ "case": case_id, "organisation": server.organisation_of(&hanna).await }),
        )
        .await;
    assert_eq!(
        refused.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        refused.body
    );
    assert_eq!(refused.body["errors"][0]["extensions"]["field"], "role");
}

/// A membership counts only while the token carries a role that fits it: the case lead signing
/// in with only another role reads nothing of the case.
async fn a_membership_counts_only_for_a_token_whose_roles_fit_it(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token(BUURTTEAM, "anna").await;
    let read = server.graphql(&lead, CASE, json!({ "id": case_id })).await;
    assert!(data(&read, "case")["resident"]["name"].is_string());
    for roles in [&["privacy_officer"][..], &["org_admin"], &[]] {
        let other = server.token_with_roles(BUURTTEAM, "anna", roles).await;
        let read = server.graphql(&other, CASE, json!({ "id": case_id })).await;
        assert_eq!(
            read.error_code(),
            Some("NOT_FOUND"),
            "{roles:?}: {}",
            read.body
        );
        let caseload = server
            .graphql(&other, "{ cases { totalCount nodes { id } } }", json!({}))
            .await;
        assert_eq!(data(&caseload, "cases")["totalCount"], 0, "{roles:?}");
    }
}

const OPEN: &str = "mutation($input: OpenCaseInput!) { openCase(input: $input) { id myRole resident { name bsn } } }";

/// Defect: any professional who knew a resident's id could open a case for them and then read
/// their name, contact details and BSN. Opening needs a case-opening role, and identifies a
/// registered resident by BSN together with date of birth, never by a bare id.
async fn opening_a_case_needs_a_case_opening_role_and_the_bsn_with_the_date_of_birth(
    database: TestDatabase,
) {
    let server = DemoServer::start(database).await;
    let ilse = server.token("wpi-amsterdam", "ilse").await;
    let municipalities = server
        .graphql(&ilse, "{ municipalities { id code } }", json!({}))
        .await;
    let amsterdam = data(&municipalities, "municipalities")
        .as_array()
        .unwrap()
        .iter()
        .find(|municipality| municipality["code"] == "AMS")
        .unwrap()["id"]
        .clone();
    let samira = json!({ "bsn": "171973069", "dateOfBirth": "1987-03-14" });

    // The resident's id is no way in: the field does not exist.
    let by_id = server
        .graphql(
            &ilse,
            OPEN,
            json!({ "input": { "municipalityId": amsterdam, "residentId": "UmVzaWRlbnQ6MDE5" } }),
        )
        .await;
    assert_eq!(by_id.status, 400, "{}", by_id.body);
    assert!(by_id.body["data"].is_null());

    // Roles that do not work on cases cannot open one.
    for (organisation, person) in [
        (BUURTTEAM, "daan"),
        (BUURTTEAM, "fenna"),
        (BUURTTEAM, "eva"),
    ] {
        let token = server.token(organisation, person).await;
        let refused = server
            .graphql(
                &token,
                OPEN,
                json!({ "input": { "municipalityId": amsterdam, "resident": samira } }),
            )
            .await;
        assert_eq!(
            refused.error_code(),
            Some("FORBIDDEN"),
            "{person}: {}",
            refused.body
        );
    }

    // The BSN with another date of birth identifies no one, and opens nothing.
    let before = server
        .graphql(&ilse, "{ cases { totalCount } }", json!({}))
        .await;
    let wrong = server
        .graphql(
            &ilse,
            OPEN,
            json!({ "input": { "municipalityId": amsterdam, "resident": { "bsn": "171973069", "dateOfBirth": "1987-03-15" } } }),
        )
        .await;
    assert_eq!(wrong.error_code(), Some("BAD_USER_INPUT"), "{}", wrong.body);
    assert_eq!(
        wrong.body["errors"][0]["extensions"]["field"],
        "resident.dateOfBirth"
    );
    let after = server
        .graphql(&ilse, "{ cases { totalCount } }", json!({}))
        .await;
    assert_eq!(data(&after, "cases"), data(&before, "cases"));

    // With both, the professional opens the case and leads it.
    let opened = server
        .graphql(
            &ilse,
            OPEN,
            json!({ "input": { "municipalityId": amsterdam, "resident": samira } }),
        )
        .await;
    let opened = data(&opened, "openCase");
    assert_eq!(opened["myRole"], "CASE_LEAD");
    assert_eq!(opened["resident"]["name"], "Samira Bakker");

    // The resident sees the opening in who processed their data.
    let resident = server.resident_token("samira").await;
    let log = server
        .graphql(
            &resident,
            "query($case: ID!) { accessLog(caseId: $case) { edges { node { action changes organisation { slug } } } } }",
            json!({ "case": opened["id"] }),
        )
        .await;
    let entries = data(&log, "accessLog")["edges"].as_array().unwrap().clone();
    assert!(
        entries.iter().any(|entry| entry["node"]["changes"]
            .as_array()
            .is_some_and(|changes| changes.contains(&json!("CASE_OPENED")))
            && entry["node"]["organisation"]["slug"] == "wpi-amsterdam"),
        "{entries:#?}"
    );

    // A resident not registered yet is registered with the case, and needs a name.
    let nameless = server
        .graphql(
            &ilse,
            OPEN,
            json!({ "input": { "municipalityId": amsterdam, "resident": { "dateOfBirth": "1990-05-05" } } }),
        )
        .await;
    assert_eq!(
        nameless.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        nameless.body
    );
    assert_eq!(
        nameless.body["errors"][0]["extensions"]["field"],
        "resident.name"
    );
    let new = server
        .graphql(
            &ilse,
            OPEN,
            json!({ "input": { "municipalityId": amsterdam, "resident": { "dateOfBirth": "1990-05-05", "name": "Mo Jansen" } } }),
        )
        .await;
    assert_eq!(data(&new, "openCase")["resident"]["name"], "Mo Jansen");
}

const CONSENT: &str = "mutation($input: ConsentInput!) { recordConsent(input: $input) { consents { nodes { lifeDomain method recordedByResident organisation { slug } } } } }";

/// Defect: a professional recorded a `DIGITAL` consent as if the resident had signed in.
/// Digital consent comes only from the resident's own token; a professional records verbal or
/// written consent.
async fn only_the_residents_own_sign_in_records_a_digital_consent(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token(BUURTTEAM, "anna").await;
    let ggd = server.token("ggd-amsterdam", "nadia").await;
    let input = |method: &str| {
        json!({ "input": {
            "caseId": case_id,
            "organisationId": Value::Null,
            "lifeDomains": ["SAFETY"],
            "method": method,
        } })
    };
    let ggd_id = server.organisation_of(&ggd).await;
    let with_organisation = |method: &str| {
        let mut input = input(method);
        input["input"]["organisationId"] = ggd_id.clone();
        input
    };
    let refused = server
        .graphql(&lead, CONSENT, with_organisation("DIGITAL"))
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let refused = server
        .graphql(
            &lead,
            "mutation($input: ConsentInput!) { recordConsent(input: $input) { id } }",
            json!({ "input": { "caseId": case_id, "organisationId": ggd_id, "lifeDomains": ["SAFETY"] } }),
        )
        .await;
    assert_eq!(
        refused.error_code(),
        Some("FORBIDDEN"),
        "the default method is the resident's: {}",
        refused.body
    );
    let recorded = server
        .graphql(&lead, CONSENT, with_organisation("VERBAL"))
        .await;
    let consents = data(&recorded, "recordConsent")["consents"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        consents
            .iter()
            .any(|consent| consent["lifeDomain"] == "SAFETY"
                && consent["method"] == "VERBAL"
                && consent["recordedByResident"] == false
                && consent["organisation"]["slug"] == "ggd-amsterdam")
    );

    // The resident sees who recorded it, and how.
    let seen = server
        .graphql(
            &server.resident_token("samira").await,
            "query($id: ID!) { case(id: $id) { consents { nodes { lifeDomain method recordedByResident recordedBy { name } } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let safety = data(&seen, "case")["consents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|consent| consent["lifeDomain"] == "SAFETY" && consent["method"] == "VERBAL")
        .cloned()
        .unwrap_or_else(|| panic!("{}", seen.body));
    assert_eq!(safety["recordedBy"]["name"], "Anna de Boer");
    assert_eq!(safety["recordedByResident"], false);

    // The resident gives consent digitally, and only digitally.
    let samira = server.resident_token("samira").await;
    let refused = server
        .graphql(&samira, CONSENT, with_organisation("WRITTEN"))
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let mut network = with_organisation("DIGITAL");
    network["input"]["lifeDomains"] = json!(["NETWORK"]);
    let recorded = server.graphql(&samira, CONSENT, network).await;
    let consents = data(&recorded, "recordConsent")["consents"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        consents
            .iter()
            .any(|consent| consent["lifeDomain"] == "NETWORK"
                && consent["method"] == "DIGITAL"
                && consent["recordedByResident"] == true)
    );
}

/// Defect: `cases { nodes { resident { bsn } } }` gave the BSN to the kinds whose policy
/// includes it. The BSN is never in a list, only on one case's own view (§5.7).
async fn the_bsn_is_never_in_a_list(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let income = server.token("wpi-amsterdam", "ilse").await;
    let listed = server
        .graphql(
            &income,
            "{ cases { nodes { id resident { name bsn } } } }",
            json!({}),
        )
        .await;
    let nodes = data(&listed, "cases")["nodes"].as_array().unwrap().clone();
    assert!(!nodes.is_empty());
    for node in &nodes {
        assert!(node["resident"]["name"].is_string(), "{node}");
        assert_eq!(node["resident"]["bsn"], Value::Null, "{node}");
    }
    let one = server
        .graphql(
            &income,
            "query($id: ID!) { case(id: $id) { resident { bsn } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(data(&one, "case")["resident"]["bsn"], "171973069");
}

/// Defect: a fragment spread was costed by walking every path, so 22 fragments that each spread
/// the next twice asked for millions of selections, passed the complexity limit and held the
/// server for seconds; and aliases inside a fragment counted once however often it was spread.
/// Both are counted as executed, and such documents are refused before execution.
async fn fragment_spreads_cost_what_their_fragments_cost_each_time(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token(BUURTTEAM, "anna").await;

    let mut doubling = String::from("query Doubling { ...F0 }\n");
    for level in 0..22 {
        doubling.push_str(&format!(
            "fragment F{level} on Query {{ ...F{} ...F{} }}\n",
            level + 1,
            level + 1
        ));
    }
    doubling.push_str("fragment F22 on Query { me { kind } }\n");
    let refused = server.graphql(&lead, &doubling, json!({})).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
    assert!(refused.body["data"].is_null());
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("fields")),
        "{}",
        refused.body
    );

    // Ten aliased timelines in a fragment, spread six times: sixty aliases.
    let aliased: String = (0..10)
        .map(|n| {
            format!(
                "t{n}: case(id: $id) {{ timeline(first: 1) {{ edges {{ node {{ kind }} }} }} }} "
            )
        })
        .collect();
    let spread = format!(
        "query Spread($id: ID!) {{ ...T ...T ...T ...T ...T ...T }} fragment T on Query {{ {aliased} }}"
    );
    let refused = server
        .graphql(&lead, &spread, json!({ "id": case_id }))
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("aliases")),
        "{}",
        refused.body
    );

    // Spread once, the same fragment is an ordinary query.
    let once = format!("query Once($id: ID!) {{ ...T }} fragment T on Query {{ {aliased} }}");
    let answered = server.graphql(&lead, &once, json!({ "id": case_id })).await;
    assert!(data(&answered, "t0")["timeline"]["edges"].is_array());
}

on_both_databases!(
    joining_needs_an_organisation_role_that_fits_the_invited_team_role,
    a_membership_counts_only_for_a_token_whose_roles_fit_it,
    opening_a_case_needs_a_case_opening_role_and_the_bsn_with_the_date_of_birth,
    only_the_residents_own_sign_in_records_a_digital_consent,
    the_bsn_is_never_in_a_list,
    fragment_spreads_cost_what_their_fragments_cost_each_time,
);
