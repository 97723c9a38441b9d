//! The GraphQL API over real HTTP: registrations, errors and their codes, visibility through
//! `node(id:)`, pagination, limits, GraphQL-over-HTTP status codes and operations endpoints.

use std::sync::{Arc, Mutex};

use maatwerk_tests::{
    AUDIENCE, DemoServer, Response, TestDatabase, TestKey, TestServer, claims, data,
    on_both_databases,
};
use serde_json::{Value, json};

const REGISTER_MUNICIPALITY: &str = "mutation($input: RegisterMunicipalityInput!) { registerMunicipality(input: $input) { id code name } }";
const REGISTER_ORGANISATION: &str = "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id slug kind allowedRoles municipalities { code } } }";
const REGISTER_PROVIDER: &str = "mutation($input: RegisterIdentityProviderInput!) { registerIdentityProvider(input: $input) { id kind issuer jwksUrl development organisation { slug } } }";

async fn amsterdam_id(server: &TestServer) -> String {
    let response = server
        .graphql(
            &server.platform_token(),
            "{ municipalities { id code } }",
            json!({}),
        )
        .await;
    response.body["data"]["municipalities"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn organisation_count(server: &TestServer) -> u64 {
    server
        .store
        .count_organisations(&Default::default())
        .await
        .unwrap()
}

fn assert_error(response: &Response, code: &str, field: Option<&str>) {
    assert_eq!(response.error_code(), Some(code), "{response:?}");
    if let Some(field) = field {
        assert_eq!(
            response.body["errors"][0]["extensions"]["field"], field,
            "{response:?}"
        );
    }
}

async fn the_platform_operator_registers_organisations_and_providers(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.platform_token();
    let response = server
        .graphql(
            &admin,
            REGISTER_MUNICIPALITY,
            json!({ "input": { "code": "ZAA", "name": "Zaanstad" } }),
        )
        .await;
    assert_eq!(
        response.body["data"]["registerMunicipality"]["code"], "ZAA",
        "{response:?}"
    );
    let zaanstad = response.body["data"]["registerMunicipality"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let input = json!({ "slug": "woonstad", "name": "Woonstad", "kind": "HOUSING_CORPORATION", "municipalityIds": [zaanstad], "allowedRoles": ["PROFESSIONAL", "TEAM_LEAD"] });
    let response = server
        .graphql(&admin, REGISTER_ORGANISATION, json!({ "input": input }))
        .await;
    let organisation = &response.body["data"]["registerOrganisation"];
    assert_eq!(organisation["kind"], "HOUSING_CORPORATION", "{response:?}");
    assert_eq!(
        organisation["allowedRoles"],
        json!(["PROFESSIONAL", "TEAM_LEAD"])
    );
    assert_eq!(organisation["municipalities"], json!([{ "code": "ZAA" }]));
    let organisation_id = organisation["id"].as_str().unwrap().to_owned();

    // A provider registered over the API accepts its tokens at once.
    let provider = json!({
        "kind": "PROFESSIONAL", "organisationId": organisation_id, "name": "Woonstad sign-in",
        "issuer": "https://login.woonstad.test", "audience": AUDIENCE, "algorithms": ["ES256"], "jwks": TestKey::Es256.jwks(),
    });
    let response = server
        .graphql(&admin, REGISTER_PROVIDER, json!({ "input": provider }))
        .await;
    assert_eq!(
        response.body["data"]["registerIdentityProvider"]["development"], false,
        "{response:?}"
    );
    let mut token_claims = claims("https://login.woonstad.test", "lars");
    token_claims["roles"] = json!(["team_lead"]);
    let response = server
        .graphql(
            &TestKey::Es256.sign(&token_claims),
            "{ me { organisation { slug } roles } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response.body["data"]["me"],
        json!({ "organisation": { "slug": "woonstad" }, "roles": ["TEAM_LEAD"] }),
        "{response:?}"
    );

    // The same slug twice is a conflict, and changes nothing.
    let before = organisation_count(&server).await;
    let response = server
        .graphql(&admin, REGISTER_ORGANISATION, json!({ "input": input }))
        .await;
    assert_error(&response, "CONFLICT", None);
    assert_eq!(organisation_count(&server).await, before);
}

async fn only_the_platform_operator_may_register(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let amsterdam = amsterdam_id(&server).await;
    let before = organisation_count(&server).await;
    let input = json!({ "slug": "sneaky", "name": "Sneaky", "kind": "OTHER", "municipalityIds": [amsterdam] });
    for token in [
        server.token_a("anna", &["org_admin"]),
        server.token_b("bram", &["org_admin"]),
    ] {
        let response = server
            .graphql(&token, REGISTER_ORGANISATION, json!({ "input": input }))
            .await;
        assert_error(&response, "FORBIDDEN", None);
        assert_eq!(
            response.status, 200,
            "an executed operation with an error is still a 200"
        );
        let response = server
            .graphql(&token, "{ identityProviders { id } }", json!({}))
            .await;
        assert_error(&response, "FORBIDDEN", None);
    }
    assert_eq!(organisation_count(&server).await, before);

    // An organisation's administrator sees its own identity providers and no one else's;
    // the refusal nulls only that field.
    let query = "{ organisations { edges { node { slug identityProviders { issuer } } } } }";
    let response = server
        .graphql(&server.token_a("eva", &["org_admin"]), query, json!({}))
        .await;
    assert_eq!(
        response.body["data"]["organisations"]["edges"],
        json!([
            { "node": { "slug": "organisation-a", "identityProviders": [{ "issuer": maatwerk_tests::ISSUER_A }] } },
            { "node": { "slug": "organisation-b", "identityProviders": null } },
        ]),
        "{response:?}"
    );
    assert_eq!(response.error_codes(), ["FORBIDDEN"]);
}

async fn bad_input_names_the_field_and_changes_nothing(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.platform_token();
    let amsterdam = amsterdam_id(&server).await;
    let before = organisation_count(&server).await;
    let cases = [
        (
            json!({ "slug": "Not A Slug", "name": "X", "kind": "OTHER", "municipalityIds": [amsterdam] }),
            "slug",
        ),
        (
            json!({ "slug": "fine", "name": "   ", "kind": "OTHER", "municipalityIds": [amsterdam] }),
            "name",
        ),
        (
            json!({ "slug": "fine", "name": "X", "kind": "OTHER", "municipalityIds": [] }),
            "municipalityIds",
        ),
        (
            json!({ "slug": "fine", "name": "X", "kind": "OTHER", "municipalityIds": ["bm9wZQ"] }),
            "municipalityIds",
        ),
    ];
    for (input, field) in cases {
        let response = server
            .graphql(&admin, REGISTER_ORGANISATION, json!({ "input": input }))
            .await;
        assert_error(&response, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(organisation_count(&server).await, before);

    let response = server
        .graphql(
            &admin,
            REGISTER_MUNICIPALITY,
            json!({ "input": { "code": "ams", "name": "Lowercase" } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("code"));

    let organisation_id = server
        .graphql(
            &admin,
            "{ organisation(slug: \"organisation-a\") { id } }",
            json!({}),
        )
        .await
        .body["data"]["organisation"]["id"]
        .clone();
    let provider = |extra: Value| {
        let mut input = json!({ "kind": "PROFESSIONAL", "organisationId": organisation_id, "name": "P", "issuer": "https://x.test", "audience": "a", "algorithms": ["ES256"] });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({ "input": input })
    };
    let symmetric = json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0", "kid": "k" }] }).to_string();
    let provider_cases = [
        (provider(json!({ "jwks": symmetric })), "jwks"),
        (provider(json!({ "jwks": TestKey::Rs256.jwks() })), "jwks"),
        (provider(json!({ "jwks": "not json" })), "jwks"),
        // Without a key set, the issuer's discovery document is read; this one has none.
        (provider(json!({})), "issuer"),
        (
            provider(json!({ "jwksUrl": "http://login.example.org/jwks" })),
            "jwksUrl",
        ),
        (
            provider(json!({ "jwks": TestKey::Es256.jwks(), "algorithms": [] })),
            "algorithms",
        ),
        (
            provider(json!({ "jwks": TestKey::Es256.jwks(), "kind": "PLATFORM" })),
            "organisationId",
        ),
    ];
    let providers_before = server.store.identity_providers().await.unwrap().len();
    for (variables, field) in provider_cases {
        let response = server.graphql(&admin, REGISTER_PROVIDER, variables).await;
        assert_error(&response, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(
        server.store.identity_providers().await.unwrap().len(),
        providers_before
    );
}

/// What a NUL character must not change: the showcase case, the directory and the registrations.
async fn nul_test_state(server: &DemoServer, case_id: &str, tokens: &[&str; 4]) -> Value {
    let [lead, income, coach, platform] = tokens;
    let case = server
        .graphql(
            lead,
            "query($id: ID!) { case(id: $id) { version facts { totalCount } invitations { nodes { id } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let signals = server
        .graphql(income, "{ mySignals { id } }", json!({}))
        .await;
    let directory = server
        .graphql(
            coach,
            "{ directory { edges { node { name version availability } } } }",
            json!({}),
        )
        .await;
    let registrations = server
        .graphql(
            platform,
            "{ organisations(first: 100) { totalCount } municipalities { id } }",
            json!({}),
        )
        .await;
    json!({
        "case": data(&case, "case"),
        "signals": data(&signals, "mySignals"),
        "directory": data(&directory, "directory"),
        "organisations": data(&registrations, "organisations"),
        "municipalities": data(&registrations, "municipalities"),
    })
}

async fn a_nul_character_in_any_text_is_bad_user_input(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let income = server.token("wpi-amsterdam", "ilse").await;
    let coach = server.token("buurtteam-amsterdam-west", "bram").await;
    let platform = server.platform_token().await;
    let problems = server
        .graphql(
            &income,
            "query($id: ID!) { case(id: $id) { problems { nodes { id kind } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let system = data(&problems, "case")["problems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|problem| problem["kind"] == "SYSTEM")
        .expect("a system problem")["id"]
        .clone();
    let health = server
        .graphql(
            &lead,
            "{ organisation(slug: \"ggd-amsterdam\") { id } }",
            json!({}),
        )
        .await;
    let health = data(&health, "organisation")["id"].clone();
    let me = server
        .graphql(&coach, "{ me { professional { id } } }", json!({}))
        .await;
    let coach_id = data(&me, "me")["professional"]["id"].clone();
    let amsterdam = server
        .graphql(&platform, "{ municipalities { id code } }", json!({}))
        .await;
    let amsterdam = data(&amsterdam, "municipalities")
        .as_array()
        .unwrap()
        .iter()
        .find(|municipality| municipality["code"] == "AMS")
        .unwrap()["id"]
        .clone();

    let tokens = [
        lead.as_str(),
        income.as_str(),
        coach.as_str(),
        platform.as_str(),
    ];
    let before = nul_test_state(&server, &case_id, &tokens).await;
    let nul = "Rent arrears \u{0} since March";
    let cases = [
        (
            &lead,
            "mutation($case: ID!, $input: FactInput!) { addFact(caseId: $case, input: $input) { id } }",
            json!({ "case": case_id, "input": { "lifeDomain": "FINANCES", "need": "NEED_TO_KNOW", "text": nul } }),
            "text",
        ),
        (
            &lead,
            "mutation($case: ID!, $organisation: ID!, $reason: String!) { inviteToCase(caseId: $case, organisationId: $organisation, reason: $reason) { id } }",
            json!({ "case": case_id, "organisation": health, "reason": nul }),
            "reason",
        ),
        (
            &income,
            "mutation($problem: ID!, $input: SignalInput!) { raiseSignal(problemId: $problem, input: $input) { id } }",
            json!({ "problem": system, "input": { "category": "PROCEDURE", "description": nul } }),
            "description",
        ),
        (
            &income,
            "mutation($problem: ID!, $input: SignalInput!) { raiseSignal(problemId: $problem, input: $input) { id } }",
            json!({ "problem": system, "input": { "category": "PROCEDURE", "description": "Fine", "rule": nul } }),
            "rule",
        ),
        (
            &coach,
            "mutation($id: ID!, $input: DirectoryInput!) { updateDirectoryEntry(professionalId: $id, version: 0, input: $input) { version } }",
            json!({ "id": coach_id, "input": { "availability": nul } }),
            "availability",
        ),
        (
            &platform,
            "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id } }",
            json!({ "input": { "slug": "nul-test", "name": nul, "kind": "OTHER", "municipalityIds": [amsterdam] } }),
            "name",
        ),
        (
            &platform,
            "mutation($input: RegisterMunicipalityInput!) { registerMunicipality(input: $input) { id } }",
            json!({ "input": { "code": "NUL", "name": nul } }),
            "name",
        ),
        (
            &platform,
            "mutation($input: RegisterIdentityProviderInput!) { registerIdentityProvider(input: $input) { id } }",
            json!({ "input": { "kind": "PLATFORM", "name": "P", "issuer": "https://nul.test/\u{0}", "audience": "a", "algorithms": ["ES256"], "jwksUrl": "https://nul.test/jwks" } }),
            "issuer",
        ),
        (
            &platform,
            "mutation($input: RegisterIdentityProviderInput!) { registerIdentityProvider(input: $input) { id } }",
            json!({ "input": { "kind": "PLATFORM", "name": "P", "issuer": "https://nul.test", "audience": "a", "algorithms": ["ES256"], "jwksUrl": "https://nul.test/\u{0}jwks" } }),
            "jwksUrl",
        ),
        (
            &lead,
            "query($query: String) { solutions(query: $query) { edges { cursor } } }",
            json!({ "query": nul }),
            "query",
        ),
        (
            &lead,
            "query($after: String) { organisations(after: $after) { edges { cursor } } }",
            json!({ "after": base64_url(&json!({ "name": nul, "id": uuid::Uuid::nil() }).to_string()) }),
            "after",
        ),
    ];
    for (token, query, variables, field) in cases {
        let response = server.graphql(token, query, variables).await;
        assert_eq!(response.status, 200, "{field}: {response:?}");
        assert_error(&response, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(
        nul_test_state(&server, &case_id, &tokens).await,
        before,
        "a refused input changes nothing"
    );
}

/// A well-formed global ID of `node_type` that names nothing.
fn unknown_id(node_type: api::graphql::ids::NodeType) -> String {
    api::graphql::ids::encode(node_type, uuid::Uuid::now_v7()).0
}

async fn unknown_ids_are_bad_user_input_naming_the_field(database: TestDatabase) {
    use api::graphql::ids::NodeType;
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let income = server.token("wpi-amsterdam", "ilse").await;
    let platform = server.platform_token().await;
    let problems = server
        .graphql(
            &income,
            "query($id: ID!) { case(id: $id) { version problems { nodes { id kind } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let case_before = data(&problems, "case").clone();
    let system = case_before["problems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|problem| problem["kind"] == "SYSTEM")
        .expect("a system problem")["id"]
        .clone();
    let signals = || async {
        let response = server
            .graphql(&income, "{ mySignals { id } }", json!({}))
            .await;
        data(&response, "mySignals").clone()
    };
    let signals_before = signals().await;
    let raise = "mutation($problem: ID!, $input: SignalInput!) { raiseSignal(problemId: $problem, input: $input) { id } }";

    // A problem that does not exist is one the viewer cannot see: NOT_FOUND, never INTERNAL.
    let response = server
        .graphql(
            &income,
            raise,
            json!({ "problem": unknown_id(NodeType::Problem), "input": { "category": "PROCEDURE", "description": "Letters go unread" } }),
        )
        .await;
    assert_error(&response, "NOT_FOUND", None);

    let cases = [
        (
            &income,
            raise,
            json!({ "problem": system, "input": { "category": "PROCEDURE", "description": "Letters go unread", "organisationId": unknown_id(NodeType::Organisation) } }),
            "organisationId",
        ),
        (
            &platform,
            "mutation($input: MandateInput!) { createMandate(input: $input) { id } }",
            json!({ "input": { "organisationId": unknown_id(NodeType::Organisation), "role": "TEAM_LEAD", "kind": "BUDGET_ALLOCATION", "maxAmountCents": 10000 } }),
            "organisationId",
        ),
        (
            &platform,
            "mutation($input: BudgetInput!) { createBudget(input: $input) { id } }",
            json!({ "input": { "organisationId": unknown_id(NodeType::Organisation), "year": 2030, "amountCents": 10000 } }),
            "organisationId",
        ),
        (
            &platform,
            "mutation($input: BudgetInput!) { createBudget(input: $input) { id } }",
            json!({ "input": { "municipalityId": unknown_id(NodeType::Municipality), "year": 2030, "amountCents": 10000 } }),
            "municipalityId",
        ),
    ];
    for (token, query, variables, field) in cases {
        let response = server.graphql(token, query, variables).await;
        assert_eq!(response.status, 200, "{field}: {response:?}");
        assert_error(&response, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(signals().await, signals_before);
    let after = server
        .graphql(
            &income,
            "query($id: ID!) { case(id: $id) { version problems { nodes { id kind } } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(data(&after, "case"), &case_before, "the case is unchanged");
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

async fn a_stale_kind_policy_version_is_a_conflict(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.platform_token();
    let read = server
        .graphql(
            &admin,
            "{ kindPolicies { kind lifeDomains bsn version } }",
            json!({}),
        )
        .await;
    let school = read.body["data"]["kindPolicies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|policy| policy["kind"] == "SCHOOL")
        .unwrap()
        .clone();
    assert_eq!(
        school["lifeDomains"],
        json!(["PROFILE", "YOUTH_AND_EDUCATION"])
    );
    let set = "mutation($input: SetKindPolicyInput!) { setKindPolicy(input: $input) { lifeDomains version } }";
    let input = json!({ "kind": "SCHOOL", "lifeDomains": ["PROFILE", "YOUTH_AND_EDUCATION", "HEALTH"], "bsn": false, "version": school["version"] });
    let response = server.graphql(&admin, set, json!({ "input": input })).await;
    assert_eq!(
        response.body["data"]["setKindPolicy"]["version"], 2,
        "{response:?}"
    );
    let response = server.graphql(&admin, set, json!({ "input": input })).await;
    assert_error(&response, "CONFLICT", None);
    let after = server
        .store
        .kind_policy(domain::OrganisationKind::School)
        .await
        .unwrap();
    assert_eq!(after.version, 2);
    assert_eq!(after.policy.life_domains.len(), 3);
}

async fn node_shows_only_what_the_viewer_may_see(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let anna = server.token_a("anna", &[]);
    let ahmed = server.token_a("ahmed", &[]);
    let bram = server.token_b("bram", &[]);
    let id_of = |response: Response| {
        response.body["data"]["me"]["professional"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let anna_id = id_of(
        server
            .graphql(&anna, "{ me { professional { id } } }", json!({}))
            .await,
    );
    id_of(
        server
            .graphql(&ahmed, "{ me { professional { id } } }", json!({}))
            .await,
    );

    let node = "query($id: ID!) { node(id: $id) { id ... on Professional { name } } }";
    // A colleague sees Anna; someone from another organisation gets what a made-up id gets.
    let colleague = server.graphql(&ahmed, node, json!({ "id": anna_id })).await;
    assert_eq!(
        colleague.body["data"]["node"]["name"], "Test anna",
        "{colleague:?}"
    );
    let outsider = server.graphql(&bram, node, json!({ "id": anna_id })).await;
    let unknown_id = base64_id("Professional", "01900000-0000-7000-8000-000000000000");
    let nobody = server
        .graphql(&bram, node, json!({ "id": unknown_id }))
        .await;
    assert_error(&outsider, "NOT_FOUND", None);
    assert_eq!(
        strip_locations(&outsider.body),
        strip_locations(&nobody.body),
        "invisible and nonexistent must look the same"
    );

    // Aliases and fragments do not get around it.
    let aliased = server.graphql(&bram, "query($id: ID!) { a: node(id: $id) { ...P } b: node(id: $id) { id } } fragment P on Professional { name email }", json!({ "id": anna_id })).await;
    assert_eq!(
        aliased.body["data"],
        json!({ "a": null, "b": null }),
        "{aliased:?}"
    );
    assert_eq!(aliased.error_codes(), ["NOT_FOUND", "NOT_FOUND"]);

    // Organisations are public to every signed-in actor.
    let organisation_a_id = server_organisation_id(&server, "organisation-a").await;
    let organisation = server
        .graphql(&bram, node, json!({ "id": organisation_a_id }))
        .await;
    assert_eq!(
        organisation.body["data"]["node"]["id"], organisation_a_id,
        "{organisation:?}"
    );

    // A malformed id is bad input, not a lookup.
    let malformed = server.graphql(&bram, node, json!({ "id": "!!!" })).await;
    assert_error(&malformed, "BAD_USER_INPUT", Some("id"));

    // Identity providers: the platform operator sees them, an ordinary professional does not.
    let provider_id = base64_id("IdentityProvider", &server.provider_a.id.to_string());
    let as_admin = server
        .graphql(
            &server.platform_token(),
            "query($id: ID!) { node(id: $id) { ... on IdentityProvider { issuer } } }",
            json!({ "id": provider_id }),
        )
        .await;
    assert_eq!(
        as_admin.body["data"]["node"]["issuer"],
        maatwerk_tests::ISSUER_A
    );
    let as_professional = server
        .graphql(
            &anna,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": provider_id }),
        )
        .await;
    assert_error(&as_professional, "NOT_FOUND", None);
    let org_admin = server.token_a("eva", &["org_admin"]);
    let as_org_admin = server
        .graphql(
            &org_admin,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": provider_id }),
        )
        .await;
    assert!(as_org_admin.body["errors"].is_null(), "{as_org_admin:?}");
}

fn base64_id(node_type: &str, uuid: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{node_type}:{uuid}"))
}

async fn server_organisation_id(server: &TestServer, slug: &str) -> String {
    let query = format!("{{ organisation(slug: \"{slug}\") {{ id }} }}");
    server
        .graphql(&server.platform_token(), &query, json!({}))
        .await
        .body["data"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn strip_locations(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(errors) = body["errors"].as_array_mut() {
        for error in errors {
            error.as_object_mut().unwrap().remove("locations");
        }
    }
    body
}

async fn organisations_page_with_cursors(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let token = server.token_b("bram", &[]);
    let query = "query($after: String) { organisations(first: 1, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { slug } } } }";
    let first = server.graphql(&token, query, json!({})).await;
    let page = &first.body["data"]["organisations"];
    assert_eq!(page["totalCount"], 2, "{first:?}");
    assert_eq!(
        page["edges"],
        json!([{ "node": { "slug": "organisation-a" } }])
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let second = server
        .graphql(
            &token,
            query,
            json!({ "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let page = &second.body["data"]["organisations"];
    assert_eq!(
        page["edges"],
        json!([{ "node": { "slug": "organisation-b" } }])
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);

    let bad_cursor = server
        .graphql(&token, query, json!({ "after": "garbage" }))
        .await;
    assert_error(&bad_cursor, "BAD_USER_INPUT", Some("after"));
    let too_many = server
        .graphql(
            &token,
            "{ organisations(first: 1000) { totalCount } }",
            json!({}),
        )
        .await;
    assert_error(&too_many, "BAD_USER_INPUT", Some("first"));
}

async fn residents_see_only_themselves(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let provider = maatwerk_tests::register_provider(
        &server.store,
        domain::identity::ProviderKind::Resident,
        None,
        "https://residents.test",
        TestKey::EdDsaRotated,
    )
    .await;
    let resident = server
        .store
        .insert_resident(persistence::residents::NewResident {
            name: "Samira Bakker".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1987, 3, 14).unwrap(),
            contact: Default::default(),
            bsn: Some(domain::Bsn::parse("171973069").unwrap()),
        })
        .await
        .unwrap();
    server
        .store
        .link_resident_identity(provider.id, "samira", resident.id)
        .await
        .unwrap();
    let token = TestKey::EdDsaRotated.sign(&claims("https://residents.test", "samira"));
    let response = server
        .graphql(
            &token,
            "{ me { kind resident { id name dateOfBirth bsn } } }",
            json!({}),
        )
        .await;
    let me = &response.body["data"]["me"];
    assert_eq!(me["kind"], "RESIDENT", "{response:?}");
    assert_eq!(me["resident"]["dateOfBirth"], "1987-03-14");
    assert_eq!(me["resident"]["bsn"], "171973069");

    // No professional reaches the resident record through node().
    let resident_id = me["resident"]["id"].clone();
    let response = server
        .graphql(
            &server.token_b("bram", &[]),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": resident_id }),
        )
        .await;
    assert_error(&response, "NOT_FOUND", None);
    let response = server
        .graphql(
            &server.platform_token(),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": resident_id }),
        )
        .await;
    assert_error(&response, "NOT_FOUND", None);

    // An unknown resident identity is not signed in.
    let stranger = TestKey::EdDsaRotated.sign(&claims("https://residents.test", "stranger"));
    assert_eq!(
        server
            .graphql(&stranger, "{ me { kind } }", json!({}))
            .await
            .status,
        401
    );
}

/// GraphiQL loads the schema with graphql-js's introspection query (its text is
/// `tests/fixtures/graphiql-introspection.graphql`); the default limits let it through.
async fn graphiqls_introspection_passes_the_default_limits(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let query = include_str!("../fixtures/graphiql-introspection.graphql");
    let introspection = server
        .graphql(&server.token_b("bram", &[]), query, json!({}))
        .await;
    assert_eq!(
        data(&introspection, "__schema")["queryType"]["name"],
        "Query"
    );
}

async fn limits_refuse_before_execution(database: TestDatabase) {
    let server = TestServer::start_with(database, |settings| {
        settings.limits.depth = 4;
        settings.limits.aliases = 3;
        settings.limits.batch = 2;
        settings.limits.body_bytes = 2048;
    })
    .await;
    let token = server.token_b("bram", &[]);

    let deep = server
        .graphql(
            &token,
            "{ me { professional { organisation { municipalities { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(deep.status, 400, "{deep:?}");
    assert_error(&deep, "GRAPHQL_VALIDATION_FAILED", None);
    assert!(deep.body.get("data").is_none());

    let aliases = server
        .graphql(
            &token,
            "{ a: me { kind } b: me { kind } c: me { kind } d: me { kind } }",
            json!({}),
        )
        .await;
    assert_eq!(aliases.status, 400);
    assert_error(&aliases, "GRAPHQL_VALIDATION_FAILED", None);

    let unparsable = server.graphql(&token, "{ me { ", json!({})).await;
    assert_eq!(unparsable.status, 400);
    assert_error(&unparsable, "GRAPHQL_PARSE_FAILED", None);

    let batch = json!([{ "query": "{ me { kind } }" }, { "query": "{ me { kind } }" }, { "query": "{ me { kind } }" }]);
    let response = server.post(Some(&token), &batch).await;
    assert_eq!(
        (response.status, response.error_code()),
        (400, Some("BAD_REQUEST")),
        "{response:?}"
    );
    let response = server
        .post(
            Some(&token),
            &json!([{ "query": "{ me { kind } }" }, { "query": "{ me { roles } }" }]),
        )
        .await;
    assert_eq!(
        response.body[0]["data"]["me"]["kind"], "PROFESSIONAL",
        "{response:?}"
    );
    assert_eq!(
        response.body[1]["data"]["me"]["roles"],
        json!([]),
        "no role is implied"
    );

    let huge = json!({ "query": format!("{{ me {{ kind }} }} # {}", "x".repeat(4096)) });
    let response = server.post(Some(&token), &huge).await;
    assert_eq!(response.status, 413, "{response:?}");
    assert_eq!(response.content_type, "application/graphql-response+json");
    assert_error(&response, "PAYLOAD_TOO_LARGE", None);
    assert!(response.body.get("data").is_none(), "{response:?}");
    let legacy = server
        .post_with(Some(&token), &huge, "application/json")
        .await;
    assert_eq!(
        (legacy.status, legacy.content_type.as_str()),
        (413, "application/json")
    );
    assert_error(&legacy, "PAYLOAD_TOO_LARGE", None);
    // The token is still checked first.
    assert_eq!(server.post(None, &huge).await.status, 401);
}

async fn variables_of_the_wrong_type_are_refused_before_execution(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let admin = server.platform_token();
    let municipalities = || async {
        let response = server
            .graphql(&admin, "{ municipalities { code } }", json!({}))
            .await;
        data(&response, "municipalities").clone()
    };
    let before = municipalities().await;
    let register = "mutation($input: RegisterMunicipalityInput!) { registerMunicipality(input: $input) { id } }";
    for input in [json!("a string"), json!(5), json!([1, 2])] {
        let body = json!({ "query": register, "variables": { "input": input } });
        let response = server.post(Some(&admin), &body).await;
        assert_eq!(response.status, 400, "{input}: {response:?}");
        assert_error(&response, "GRAPHQL_VALIDATION_FAILED", None);
        assert!(response.body.get("data").is_none(), "{response:?}");
        let legacy = server
            .post_with(Some(&admin), &body, "application/json")
            .await;
        assert_eq!(legacy.status, 200, "{legacy:?}");
        assert_error(&legacy, "GRAPHQL_VALIDATION_FAILED", None);
        assert!(legacy.body.get("data").is_none(), "{legacy:?}");
    }

    // Refused before anything runs: the first, valid, registration is not made either.
    let both = "mutation($good: RegisterMunicipalityInput!, $bad: RegisterMunicipalityInput!) { good: registerMunicipality(input: $good) { id } bad: registerMunicipality(input: $bad) { id } }";
    let response = server
        .graphql(
            &admin,
            both,
            json!({ "good": { "code": "DLF", "name": "Delft" }, "bad": "Tilburg" }),
        )
        .await;
    assert_eq!(response.status, 400, "{response:?}");
    assert_error(&response, "GRAPHQL_VALIDATION_FAILED", None);

    // A malformed date is refused by validation too.
    let organisation = server_organisation_id(&server, "organisation-a").await;
    let response = server
        .graphql(
            &admin,
            "mutation($input: MandateInput!) { createMandate(input: $input) { id } }",
            json!({ "input": { "organisationId": organisation, "role": "TEAM_LEAD", "kind": "OTHER", "validFrom": "2026-02-30" } }),
        )
        .await;
    assert_eq!(response.status, 400, "{response:?}");
    assert_error(&response, "GRAPHQL_VALIDATION_FAILED", None);

    // A literal of the wrong shape is the client's input, never INTERNAL.
    let response = server
        .graphql(
            &admin,
            "mutation { registerMunicipality(input: \"a string\") { id } }",
            json!({}),
        )
        .await;
    assert_ne!(response.error_code(), Some("INTERNAL"), "{response:?}");
    assert!(
        matches!(
            response.error_code(),
            Some("GRAPHQL_VALIDATION_FAILED" | "BAD_USER_INPUT")
        ),
        "{response:?}"
    );
    assert_eq!(municipalities().await, before);
}

async fn content_negotiation_follows_graphql_over_http(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let token = server.token_b("bram", &[]);
    let invalid = json!({ "query": "{ nope }" });
    let modern = server
        .post_with(Some(&token), &invalid, "application/graphql-response+json")
        .await;
    assert_eq!(
        (modern.status, modern.content_type.as_str()),
        (400, "application/graphql-response+json")
    );
    let legacy = server
        .post_with(Some(&token), &invalid, "application/json")
        .await;
    assert_eq!(
        (legacy.status, legacy.content_type.as_str()),
        (200, "application/json")
    );
    assert_error(&legacy, "GRAPHQL_VALIDATION_FAILED", None);

    let not_json = server
        .client
        .post(server.url("/graphql"))
        .bearer_auth(&token)
        .body("query=me")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status().as_u16(), 400);
}

/// An object's fields come in the order the query selected them (GraphQL's ordered map), not
/// sorted by name, as the body's text shows, in one request and in a batch.
async fn answers_keep_the_querys_field_order(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let token = server.token_b("bram", &[]);
    let query =
        "{ zulu: kindPolicies { kind } alpha: organisations(first: 1) { nodes { slug name } } }";
    let text = |body: serde_json::Value| {
        let client = server.client.clone();
        let url = server.url("/graphql");
        let token = token.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let in_order = |text: &str, names: &[&str]| {
        let positions: Vec<usize> = names
            .iter()
            .map(|name| text.find(&format!("\"{name}\"")).unwrap_or(usize::MAX))
            .collect();
        assert!(
            positions.windows(2).all(|pair| pair[0] < pair[1]),
            "{names:?} in this order: {text}"
        );
    };
    let single = text(json!({ "query": query })).await;
    in_order(&single, &["slug", "name"]);
    let batch = text(json!([{ "query": query }, { "query": "{ me { roles } }" }])).await;
    assert!(batch.starts_with('[') && batch.ends_with(']'), "{batch}");
    in_order(&batch, &["slug", "name", "me"]);
    let answers: Vec<serde_json::Value> = serde_json::from_str(&batch).unwrap();
    assert_eq!(answers.len(), 2);
}

async fn internal_errors_reveal_nothing(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let token = server.token_b("bram", &[]);
    // Break the database under the running server.
    server
        .store
        .execute_unprepared("DROP TABLE kind_policy_life_domains")
        .await
        .unwrap();
    let response = server
        .graphql(&token, "{ kindPolicies { kind lifeDomains } }", json!({}))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body["errors"][0]["message"], "internal error",
        "{response:?}"
    );
    assert_error(&response, "INTERNAL", None);
    let text = response.body.to_string();
    assert!(
        !text.contains("kind_policy") && !text.to_lowercase().contains("sql"),
        "{text}"
    );
}

async fn operations_endpoints_and_trace_ids(database: TestDatabase) {
    let server = TestServer::start(database).await;
    assert_eq!(server.get("/healthz").await, (200, "ok".to_owned()));
    assert_eq!(server.get("/readyz").await, (200, "ready".to_owned()));
    let (status, graphiql) = server.get("/graphql").await;
    assert!(
        status == 200 && graphiql.contains("graphiql"),
        "GET /graphql serves GraphiQL"
    );

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let response = server
        .client
        .post(server.url("/graphql"))
        .bearer_auth(server.token_b("bram", &[]))
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-00"))
        .header("tracestate", "congo=t61rcWkgMzE")
        .json(&json!({ "query": "{ me { kind } }" }))
        .send()
        .await
        .unwrap();
    let echoed = response.headers()["traceparent"]
        .to_str()
        .unwrap()
        .to_owned();
    // The same trace, the server's own span (not the caller's), the caller's flags (not sampled).
    let parts: Vec<&str> = echoed.split('-').collect();
    assert_eq!(parts.len(), 4, "{echoed}");
    assert_eq!(
        (parts[0], parts[1], parts[3]),
        ("00", trace_id, "00"),
        "{echoed}"
    );
    assert!(
        parts[2].len() == 16 && parts[2] != "00f067aa0ba902b7",
        "{echoed}"
    );

    let (_, metrics) = server.get("/metrics").await;
    assert!(metrics.contains("http_requests_total"), "{metrics}");
}

async fn introspection_can_be_switched_off(database: TestDatabase) {
    let query = "{ __schema { queryType { name } } }";
    let open = TestServer::start(database).await;
    let response = open
        .graphql(&open.token_b("bram", &[]), query, json!({}))
        .await;
    assert_eq!(
        response.body["data"]["__schema"]["queryType"]["name"], "Query",
        "{response:?}"
    );
    drop(open);

    let closed = TestServer::start_with(TestDatabase::sqlite(), |settings| {
        settings.introspection = false
    })
    .await;
    let response = closed
        .graphql(&closed.token_b("bram", &[]), query, json!({}))
        .await;
    assert!(response.body["data"]["__schema"].is_null(), "{response:?}");
}

/// A provider registered by its issuer alone: the key set URL comes from the issuer's
/// OpenID Connect discovery document, and its keys verify tokens. A document that names
/// another issuer, or that is not there, is bad input on `issuer` and registers nothing.
async fn a_provider_registered_by_issuer_alone_is_found_by_discovery(database: TestDatabase) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (honest, lying) = (format!("{origin}/honest"), format!("{origin}/lying"));
    let discovery = |issuer: String, jwks_uri: String| {
        axum::routing::get(move || {
            let document = json!({ "issuer": issuer, "jwks_uri": jwks_uri, "response_types_supported": ["code"] });
            async move { axum::Json(document) }
        })
    };
    let app = axum::Router::new()
        .route(
            "/honest/.well-known/openid-configuration",
            discovery(honest.clone(), format!("{origin}/honest/keys")),
        )
        .route(
            "/lying/.well-known/openid-configuration",
            discovery(
                "https://someone-else.test".into(),
                format!("{origin}/lying/keys"),
            ),
        )
        .route(
            "/honest/keys",
            axum::routing::get(|| async { TestKey::EdDsa.jwks() }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let server = TestServer::start(database).await;
    let admin = server.platform_token();
    let organisation_id = server_organisation_id(&server, "organisation-b").await;
    let input = |issuer: &str| json!({ "input": { "kind": "SERVICE", "organisationId": organisation_id, "name": "B by discovery", "issuer": issuer, "audience": AUDIENCE, "algorithms": ["EdDSA"] } });
    let before = server.store.identity_providers().await.unwrap().len();
    for issuer in [lying.as_str(), &format!("{origin}/nobody")] {
        let response = server
            .graphql(&admin, REGISTER_PROVIDER, input(issuer))
            .await;
        assert_error(&response, "BAD_USER_INPUT", Some("issuer"));
    }
    assert_eq!(
        server.store.identity_providers().await.unwrap().len(),
        before
    );

    let response = server
        .graphql(&admin, REGISTER_PROVIDER, input(&honest))
        .await;
    assert_eq!(
        response.body["data"]["registerIdentityProvider"]["jwksUrl"],
        format!("{origin}/honest/keys"),
        "{response:?}"
    );
    let mut token_claims = claims(&honest, "back-office");
    token_claims["scope"] = json!("caseload:export");
    let response = server
        .graphql(
            &TestKey::EdDsa.sign(&token_claims),
            "{ me { kind organisation { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response.body["data"]["me"],
        json!({ "kind": "SERVICE", "organisation": { "slug": "organisation-b" } }),
        "{response:?}"
    );
}

async fn jwks_urls_are_fetched_refreshed_on_rotation_and_kept_on_failure(database: TestDatabase) {
    // A provider publishing its keys over HTTP, whose answer the test controls.
    let published: Arc<Mutex<(u16, String)>> = Arc::new(Mutex::new((200, TestKey::EdDsa.jwks())));
    let state = published.clone();
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let state = state.clone();
            async move {
                let (status, body) = state.lock().unwrap().clone();
                (axum::http::StatusCode::from_u16(status).unwrap(), body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let server = TestServer::start_with(database, |settings| {
        settings.auth.jwks_refresh_interval_seconds = 0
    })
    .await;
    let organisation_id = server_organisation_id(&server, "organisation-b").await;
    let input = json!({ "kind": "SERVICE", "organisationId": organisation_id, "name": "B integrations", "issuer": "https://integrations.b.test", "audience": AUDIENCE, "algorithms": ["EdDSA"], "jwksUrl": jwks_url });
    let response = server
        .graphql(
            &server.platform_token(),
            REGISTER_PROVIDER,
            json!({ "input": input }),
        )
        .await;
    assert_eq!(
        response.body["data"]["registerIdentityProvider"]["jwksUrl"], jwks_url,
        "{response:?}"
    );

    let service_token = |key: TestKey| {
        let mut token_claims = claims("https://integrations.b.test", "back-office");
        token_claims["scope"] = json!("caseload:export unknown:scope");
        key.sign(&token_claims)
    };
    let query = "{ me { kind scopes organisation { slug } } }";
    let response = server
        .graphql(&service_token(TestKey::EdDsa), query, json!({}))
        .await;
    assert_eq!(
        response.body["data"]["me"],
        json!({ "kind": "SERVICE", "scopes": ["CASELOAD_EXPORT"], "organisation": { "slug": "organisation-b" } }),
        "{response:?}"
    );

    // The provider rotates to a new key: an unknown kid makes the server fetch again.
    *published.lock().unwrap() = (200, TestKey::EdDsaRotated.jwks());
    let response = server
        .graphql(&service_token(TestKey::EdDsaRotated), query, json!({}))
        .await;
    assert_eq!(response.status, 200, "{response:?}");

    // The provider fails: the keys already fetched stay in use; unknown keys stay refused.
    *published.lock().unwrap() = (500, "down".into());
    let response = server
        .graphql(&service_token(TestKey::EdDsaRotated), query, json!({}))
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(
        server
            .graphql(&service_token(TestKey::EdDsa), query, json!({}))
            .await
            .status,
        401
    );
}

/// A provider publishing its keys over HTTP: `/jwks` answers what the test puts in `published`,
/// whole; `/endless` never stops answering.
async fn key_server(published: Arc<Mutex<String>>) -> String {
    let app = axum::Router::new()
        .route(
            "/jwks",
            axum::routing::get(move || {
                let published = published.clone();
                async move { published.lock().unwrap().clone() }
            }),
        )
        .route(
            "/endless",
            axum::routing::get(|| async {
                let chunks = futures::stream::repeat_with(|| {
                    Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(vec![b' '; 1024]))
                });
                axum::body::Body::from_stream(chunks)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// Registers a service provider of organisation B for `issuer` with keys at `jwks_url`.
async fn register_service_provider(server: &TestServer, issuer: &str, jwks_url: &str) {
    let organisation_id = server_organisation_id(server, "organisation-b").await;
    let input = json!({ "kind": "SERVICE", "organisationId": organisation_id, "name": issuer, "issuer": issuer, "audience": AUDIENCE, "algorithms": ["EdDSA"], "jwksUrl": jwks_url });
    let response = server
        .graphql(
            &server.platform_token(),
            REGISTER_PROVIDER,
            json!({ "input": input }),
        )
        .await;
    assert_eq!(
        response.body["data"]["registerIdentityProvider"]["jwksUrl"], jwks_url,
        "{response:?}"
    );
}

async fn service_status(server: &TestServer, issuer: &str, key: TestKey) -> u16 {
    let token = key.sign(&claims(issuer, "back-office"));
    server
        .graphql(&token, "{ me { kind } }", json!({}))
        .await
        .status
}

/// A key set padded past `size` bytes, still a valid JWKS.
fn padded_jwks(key: TestKey, size: usize) -> String {
    let mut set: Value = serde_json::from_str(&key.jwks()).unwrap();
    set["padding"] = json!("x".repeat(size));
    set.to_string()
}

async fn an_oversized_key_set_is_refused_and_the_cached_keys_kept(database: TestDatabase) {
    let published = Arc::new(Mutex::new(padded_jwks(TestKey::EdDsa, 8 * 1024)));
    let base = key_server(published.clone()).await;
    let server = TestServer::start_with(database, |settings| {
        settings.auth.jwks_refresh_interval_seconds = 0;
        settings.auth.jwks_max_bytes = 4 * 1024;
    })
    .await;
    let issuer = "https://integrations.b.test";
    register_service_provider(&server, issuer, &format!("{base}/jwks")).await;

    // Too large, with no keys cached: refused cleanly.
    assert_eq!(service_status(&server, issuer, TestKey::EdDsa).await, 401);
    // Within the cap it is read.
    *published.lock().unwrap() = TestKey::EdDsa.jwks();
    assert_eq!(service_status(&server, issuer, TestKey::EdDsa).await, 200);
    // A rotation published too large is refused; the keys already cached still verify.
    *published.lock().unwrap() = padded_jwks(TestKey::EdDsaRotated, 8 * 1024);
    assert_eq!(
        service_status(&server, issuer, TestKey::EdDsaRotated).await,
        401
    );
    assert_eq!(service_status(&server, issuer, TestKey::EdDsa).await, 200);

    // An answer that never ends is cut off at the cap.
    let endless = "https://endless.b.test";
    register_service_provider(&server, endless, &format!("{base}/endless")).await;
    assert_eq!(service_status(&server, endless, TestKey::EdDsa).await, 401);
}

/// A key server whose answers are held while `holding` is set: it says when a request arrived
/// and answers once released, or after four seconds, within the server's five-second timeout.
struct HeldKeys {
    holding: std::sync::atomic::AtomicBool,
    arrived: tokio::sync::Notify,
    release: tokio::sync::Notify,
    answered_late: std::sync::atomic::AtomicBool,
}

async fn held_key_server(held: Arc<HeldKeys>) -> String {
    use std::sync::atomic::Ordering;
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let held = held.clone();
            async move {
                if held.holding.load(Ordering::SeqCst) {
                    held.arrived.notify_one();
                    let _ = tokio::time::timeout(
                        std::time::Duration::from_secs(4),
                        held.release.notified(),
                    )
                    .await;
                    held.answered_late.store(true, Ordering::SeqCst);
                }
                TestKey::EdDsa.jwks()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn a_slow_key_set_fetch_holds_up_no_other_request(database: TestDatabase) {
    use std::sync::atomic::Ordering;
    let held = Arc::new(HeldKeys {
        holding: false.into(),
        arrived: tokio::sync::Notify::new(),
        release: tokio::sync::Notify::new(),
        answered_late: false.into(),
    });
    let slow_url = held_key_server(held.clone()).await;
    let quick_base = key_server(Arc::new(Mutex::new(TestKey::EdDsa.jwks()))).await;
    let server = Arc::new(
        TestServer::start_with(database, |settings| {
            settings.auth.jwks_refresh_interval_seconds = 0
        })
        .await,
    );
    let (slow, quick) = ("https://slow.b.test", "https://quick.b.test");
    register_service_provider(&server, slow, &slow_url).await;
    register_service_provider(&server, quick, &format!("{quick_base}/jwks")).await;
    assert_eq!(service_status(&server, slow, TestKey::EdDsa).await, 200);

    // An unknown kid makes the server fetch the slow provider's keys again, and that fetch hangs.
    held.holding.store(true, Ordering::SeqCst);
    let waiting = tokio::spawn({
        let server = server.clone();
        async move { service_status(&server, slow, TestKey::EdDsaRotated).await }
    });
    held.arrived.notified().await;

    // Meanwhile another provider's first fetch, and the slow provider's cached key, both answer.
    assert_eq!(service_status(&server, quick, TestKey::EdDsa).await, 200);
    assert_eq!(service_status(&server, slow, TestKey::EdDsa).await, 200);
    assert!(
        !held.answered_late.load(Ordering::SeqCst),
        "both answered while the slow fetch was still held"
    );

    held.release.notify_one();
    assert_eq!(waiting.await.unwrap(), 401);
    assert!(held.answered_late.load(Ordering::SeqCst));
}

on_both_databases!(
    answers_keep_the_querys_field_order,
    the_platform_operator_registers_organisations_and_providers,
    only_the_platform_operator_may_register,
    bad_input_names_the_field_and_changes_nothing,
    a_nul_character_in_any_text_is_bad_user_input,
    unknown_ids_are_bad_user_input_naming_the_field,
    a_stale_kind_policy_version_is_a_conflict,
    node_shows_only_what_the_viewer_may_see,
    organisations_page_with_cursors,
    residents_see_only_themselves,
    graphiqls_introspection_passes_the_default_limits,
    limits_refuse_before_execution,
    variables_of_the_wrong_type_are_refused_before_execution,
    content_negotiation_follows_graphql_over_http,
    internal_errors_reveal_nothing,
    operations_endpoints_and_trace_ids,
    introspection_can_be_switched_off,
    jwks_urls_are_fetched_refreshed_on_rotation_and_kept_on_failure,
    a_provider_registered_by_issuer_alone_is_found_by_discovery,
    an_oversized_key_set_is_refused_and_the_cached_keys_kept,
    a_slow_key_set_fetch_holds_up_no_other_request,
);
