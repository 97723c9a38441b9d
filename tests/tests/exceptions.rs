//! Justified exceptions to rules over real HTTP on the demo's showcase case (DOMAIN.md §3):
//! drafted with the value triangle and both routes costed, submitted, co-signed by a coach,
//! endorsed by the rule's owner within its mandate, approved by the case lead; refused out of
//! order or by the wrong member without changing anything; rejected with a reason; sliced; and
//! published as a solution that professionals of every municipality find.

use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};

const FIELDS: &str = "id status version savingCents rule customCostCents rejectionReason
  drafted { professional { name } } submitted { professional { name } }
  coSigned { professional { name } } endorsed { professional { name } }
  approved { professional { name } at } rejected { professional { name } }";

async fn id_of(server: &DemoServer, token: &str, query: &str, path: &[&str]) -> Value {
    let response = server.graphql(token, query, json!({})).await;
    let mut value = response.body["data"].clone();
    for key in path {
        value = value[*key].clone();
    }
    assert!(value.is_string(), "{}", response.body);
    value
}

fn input(rule_owner: &Value, legitimacy: &str) -> Value {
    json!({
        "ruleKind": "PROCEDURE",
        "rule": "Special assistance only after the housing allowance is restored",
        "ruleOwnerId": rule_owner,
        "decisionKind": "BENEFIT_EXCEPTION",
        "ordinaryRoute": "Wait eight weeks for the allowance; eviction and emergency shelter meanwhile",
        "ordinaryCostCents": 4_000_000,
        "customSolution": "Pay the arrears from special assistance now and settle it with the allowance later",
        "customCostCents": 350_000,
        "legitimacy": legitimacy,
        "engagement": "Samira and Rayan keep their home, school and network",
        "societalReturn": "No shelter costs, and Samira can start work in spring",
    })
}

async fn an_exception_is_co_signed_endorsed_approved_and_published(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let case_id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let coach = server.token("buurtteam-amsterdam-west", "bram").await;
    let income = server.token("wpi-amsterdam", "ilse").await;
    let housing = server.token("woonstad-wonen", "lars").await;

    // Bring in a coach: Bram of the neighbourhood team.
    let buurtteam = id_of(
        &server,
        &lead,
        "{ me { professional { organisation { id } } } }",
        &["me", "professional", "organisation", "id"],
    )
    .await;
    let bram = id_of(
        &server,
        &coach,
        "{ me { professional { id } } }",
        &["me", "professional", "id"],
    )
    .await;
    let invited = server
        .graphql(
            &lead,
            "mutation($case: ID!, $organisation: ID!, $professional: ID) { inviteToCase(caseId: $case, organisationId: $organisation, professionalId: $professional, role: COACH, reason: \"Coach for an exception\") { id } }",
            json!({ "case": case_id, "organisation": buurtteam, "professional": bram }),
        )
        .await;
    data(&invited, "inviteToCase");
    let invitations = server
        .graphql(&coach, "{ myInvitations { id version } }", json!({}))
        .await;
    let invitation = data(&invitations, "myInvitations")[0].clone();
    let joined = server
        .graphql(
            &coach,
            "mutation($id: ID!, $version: Int!) { acceptInvitation(invitationId: $id, version: $version) { myRole } }",
            json!({ "id": invitation["id"], "version": invitation["version"] }),
        )
        .await;
    assert_eq!(data(&joined, "acceptInvitation")["myRole"], "COACH");

    let wpi = id_of(
        &server,
        &income,
        "{ me { professional { organisation { id } } } }",
        &["me", "professional", "organisation", "id"],
    )
    .await;
    let steps = server
        .graphql(
            &lead,
            "query($id: ID!) { case(id: $id) { firstSteps { nodes { id } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let first_step = data(&steps, "case")["firstSteps"]["nodes"][0]["id"].clone();

    let draft = |legitimacy: &'static str| {
        let server = &server;
        let lead = lead.clone();
        let first_step = first_step.clone();
        let wpi = wpi.clone();
        async move {
            server
                .graphql(
                    &lead,
                    &format!("mutation($step: ID!, $input: RuleExceptionInput!) {{ draftRuleException(firstStepId: $step, input: $input) {{ {FIELDS} }} }}"),
                    json!({ "step": first_step, "input": input(&wpi, legitimacy) }),
                )
                .await
        }
    };
    let take = |token: String, mutation: &'static str, exception: Value| {
        let server = &server;
        async move {
            server
                .graphql(
                    &token,
                    &format!("mutation($id: ID!, $version: Int!) {{ {mutation}(id: $id, version: $version) {{ {FIELDS} }} }}"),
                    json!({ "id": exception["id"], "version": exception["version"] }),
                )
                .await
        }
    };

    // Every text of the value triangle is required.
    let refused = draft(" ").await;
    assert_eq!(
        refused.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        refused.body
    );
    assert_eq!(
        refused.body["errors"][0]["extensions"]["field"],
        "legitimacy"
    );

    let drafted = draft("Within the municipality's room for special assistance").await;
    let drafted = data(&drafted, "draftRuleException").clone();
    assert_eq!(drafted["status"], "DRAFT");
    assert_eq!(drafted["savingCents"], 3_650_000);
    assert_eq!(drafted["drafted"]["professional"]["name"], "Anna de Boer");

    // Out of order: a clear error, and nothing changes.
    let early = take(lead.clone(), "approveRuleException", drafted.clone()).await;
    assert_eq!(early.error_code(), Some("BAD_USER_INPUT"), "{}", early.body);
    assert_eq!(
        early.body["errors"][0]["message"],
        "id: the exception is draft; it is submitted next"
    );

    let submitted = take(lead.clone(), "submitRuleException", drafted.clone()).await;
    let submitted = data(&submitted, "submitRuleException").clone();
    assert_eq!(submitted["status"], "SUBMITTED");
    assert_eq!(submitted["version"], 2);

    // Only a coach on the team co-signs.
    let not_coach = take(lead.clone(), "coSignRuleException", submitted.clone()).await;
    assert_eq!(
        not_coach.error_code(),
        Some("FORBIDDEN"),
        "{}",
        not_coach.body
    );
    let co_signed = take(coach.clone(), "coSignRuleException", submitted.clone()).await;
    let co_signed = data(&co_signed, "coSignRuleException").clone();
    assert_eq!(co_signed["coSigned"]["professional"]["name"], "Bram Kok");

    // Work on the case goes on while the exception is pending.
    let agreement = server
        .graphql(
            &lead,
            r#"mutation($case: ID!) { addAgreement(caseId: $case, input: { what: "Call the landlord", assignee: { kind: RESIDENT } }) { id } }"#,
            json!({ "case": case_id }),
        )
        .await;
    data(&agreement, "addAgreement");

    // The rule's owner endorses, and only within its mandate; another organisation cannot.
    let without_mandate = take(income.clone(), "endorseRuleException", co_signed.clone()).await;
    assert_eq!(
        without_mandate.error_code(),
        Some("FORBIDDEN"),
        "{}",
        without_mandate.body
    );
    let admin = server
        .token_with_roles("wpi-amsterdam", "karin", &["org_admin"])
        .await;
    let grant = |kind: &'static str| {
        let server = &server;
        let admin = admin.clone();
        let wpi = wpi.clone();
        async move {
            let granted = server
                .graphql(
                    &admin,
                    "mutation($input: MandateInput!) { createMandate(input: $input) { id } }",
                    json!({ "input": { "organisationId": wpi, "role": "PROFESSIONAL", "kind": kind, "maxAmountCents": 500_000 } }),
                )
                .await;
            data(&granted, "createMandate");
        }
    };
    // A mandate for another kind of decision does not cover it, whatever its amount.
    grant("DEBT_ARRANGEMENT").await;
    let other_kind = take(income.clone(), "endorseRuleException", co_signed.clone()).await;
    assert_eq!(
        other_kind.error_code(),
        Some("FORBIDDEN"),
        "{}",
        other_kind.body
    );
    grant("BENEFIT_EXCEPTION").await;
    let not_owner = take(housing.clone(), "endorseRuleException", co_signed.clone()).await;
    assert_eq!(
        not_owner.error_code(),
        Some("FORBIDDEN"),
        "{}",
        not_owner.body
    );
    let endorsed = take(income.clone(), "endorseRuleException", co_signed.clone()).await;
    let endorsed = data(&endorsed, "endorseRuleException").clone();
    assert_eq!(endorsed["status"], "ENDORSED");
    assert_eq!(
        endorsed["endorsed"]["professional"]["name"],
        "Ilse Vermeulen"
    );

    // The case lead approves for the team.
    let not_lead = take(income.clone(), "approveRuleException", endorsed.clone()).await;
    assert_eq!(
        not_lead.error_code(),
        Some("FORBIDDEN"),
        "{}",
        not_lead.body
    );
    let approved = take(lead.clone(), "approveRuleException", endorsed.clone()).await;
    let approved = data(&approved, "approveRuleException").clone();
    assert_eq!(approved["status"], "APPROVED");
    assert!(approved["approved"]["at"].is_string());
    for step in ["drafted", "submitted", "coSigned", "endorsed", "approved"] {
        assert!(approved[step]["professional"]["name"].is_string(), "{step}");
    }
    assert_eq!(approved["rejected"], Value::Null);
    let after = take(lead.clone(), "approveRuleException", approved.clone()).await;
    assert_eq!(after.error_code(), Some("BAD_USER_INPUT"), "{}", after.body);

    // Another one, rejected by the coach with a reason; then it changes no more.
    let second = draft("Within the rules for special assistance").await;
    let second = data(&second, "draftRuleException").clone();
    let submitted = take(lead.clone(), "submitRuleException", second).await;
    let submitted = data(&submitted, "submitRuleException").clone();
    let reject = "mutation($id: ID!, $version: Int!, $reason: String!) { rejectRuleException(id: $id, version: $version, reason: $reason) { status rejectionReason version rejected { professional { name } } } }";
    let rejected = server
        .graphql(
            &coach,
            reject,
            json!({ "id": submitted["id"], "version": submitted["version"], "reason": "The first exception covers this" }),
        )
        .await;
    let rejected = data(&rejected, "rejectRuleException").clone();
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(
        rejected["rejectionReason"],
        "The first exception covers this"
    );
    assert_eq!(rejected["rejected"]["professional"]["name"], "Bram Kok");
    let again = server
        .graphql(
            &lead,
            reject,
            json!({ "id": submitted["id"], "version": rejected["version"], "reason": "again" }),
        )
        .await;
    assert_eq!(again.error_code(), Some("BAD_USER_INPUT"), "{}", again.body);

    // The approved exception is published as a solution: exactly what the preview showed,
    // confirmed; nothing of the case or the resident goes with it.
    let solution_input = json!({
        "problemPattern": "A single parent faces eviction while a stopped housing allowance restarts",
        "valueSummary": "Lawful within special assistance, keeps the family in its home and school, a tenth of the cost",
        "tags": ["eviction", "Housing-Allowance", "special-assistance"],
    });
    let preview = server
        .graphql(
            &lead,
            "query($id: ID!, $input: SolutionInput!) { solutionPreview(exceptionId: $id, input: $input) { confirmation content { rule customSolution savingCents tags municipality { code } } } }",
            json!({ "id": approved["id"], "input": solution_input }),
        )
        .await;
    let preview = data(&preview, "solutionPreview").clone();
    assert_eq!(preview["content"]["savingCents"], 3_650_000);
    assert_eq!(
        preview["content"]["tags"],
        json!(["eviction", "housing-allowance", "special-assistance"])
    );
    let publish = "mutation($id: ID!, $input: SolutionInput!, $confirmation: String!) { publishSolution(exceptionId: $id, input: $input, confirmation: $confirmation) { id content { problemPattern rule customSolution ordinaryCostCents customCostCents valueSummary tags municipality { code } } publishedBy { slug } } }";
    let mut changed_input = solution_input.clone();
    changed_input["problemPattern"] = json!("Samira Bakker faces eviction");
    let unconfirmed = server
        .graphql(
            &lead,
            publish,
            json!({ "id": approved["id"], "input": changed_input, "confirmation": preview["confirmation"] }),
        )
        .await;
    assert_eq!(
        unconfirmed.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        unconfirmed.body
    );
    assert_eq!(
        unconfirmed.body["errors"][0]["extensions"]["field"],
        "confirmation"
    );
    let published = server
        .graphql(
            &lead,
            publish,
            json!({ "id": approved["id"], "input": solution_input, "confirmation": preview["confirmation"] }),
        )
        .await;
    let published = data(&published, "publishSolution").clone();
    assert_eq!(published["content"]["municipality"]["code"], "AMS");
    assert_eq!(published["publishedBy"]["slug"], "buurtteam-amsterdam-west");
    let text = published.to_string();
    assert!(!text.contains("Samira") && !text.contains("Rayan") && !text.contains(&case_id));
    // Only an approved exception is published.
    let refused = server
        .graphql(
            &lead,
            "query($id: ID!, $input: SolutionInput!) { solutionPreview(exceptionId: $id, input: $input) { confirmation } }",
            json!({ "id": submitted["id"], "input": solution_input }),
        )
        .await;
    let confirmation = data(&refused, "solutionPreview")["confirmation"].clone();
    let refused = server
        .graphql(
            &lead,
            publish,
            json!({ "id": submitted["id"], "input": solution_input, "confirmation": confirmation }),
        )
        .await;
    assert_eq!(
        refused.error_code(),
        Some("BAD_USER_INPUT"),
        "{}",
        refused.body
    );
    // Professionals of every municipality find it, by words and by tags.
    let zaanstad = server.token("werk-en-inkomen-zaanstad", "tess").await;
    let search = "query($query: String, $tags: [String!]!) { solutions(query: $query, tags: $tags) { edges { node { id content { problemPattern } } } } }";
    for (query, tags, found) in [
        (json!("SPECIAL assistance"), json!(["eviction"]), 1),
        (json!(null), json!(["housing-allowance", "eviction"]), 1),
        (json!("shelter wall"), json!([]), 0),
        (json!(null), json!(["housing"]), 0),
        (json!("50%"), json!([]), 0),
    ] {
        let response = server
            .graphql(&zaanstad, search, json!({ "query": query, "tags": tags }))
            .await;
        let edges = data(&response, "solutions")["edges"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(edges.len(), found, "{query} {tags}");
        if found == 1 {
            assert_eq!(edges[0]["node"]["id"], published["id"]);
        }
    }
    let resident = server.resident_token("samira").await;
    let refused = server
        .graphql(&resident, search, json!({ "query": null, "tags": [] }))
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    // The publication is in the resident's access log, as a change to their case.
    let log = server
        .graphql(
            &resident,
            "{ accessLog(first: 50) { edges { node { action changes organisation { slug } } } } }",
            json!({}),
        )
        .await;
    assert!(
        data(&log, "accessLog")["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|edge| edge["node"]["action"] == "WRITE"
                && edge["node"]["changes"] == json!(["SOLUTION_PUBLISHED"])),
        "{}",
        log.body
    );

    // The process facilitator sees where each stands and who signed, not what it says.
    let facilitator = server.token("buurtteam-amsterdam-west", "chantal").await;
    let seen = server
        .graphql(
            &facilitator,
            "query($id: ID!) { case(id: $id) { ruleExceptions { nodes { status rule customCostCents savingCents legitimacy rejectionReason approved { professional { name } } } } } }",
            json!({ "id": case_id }),
        )
        .await;
    let seen = data(&seen, "case")["ruleExceptions"]["nodes"].clone();
    assert_eq!(
        seen,
        json!([
            { "status": "APPROVED", "rule": null, "customCostCents": null, "savingCents": null, "legitimacy": null, "rejectionReason": null, "approved": { "professional": { "name": "Anna de Boer" } } },
            { "status": "REJECTED", "rule": null, "customCostCents": null, "savingCents": null, "legitimacy": null, "rejectionReason": null, "approved": null },
        ])
    );
    // Outside the team it does not exist.
    let outsider = server.token("werk-en-inkomen-zaanstad", "tess").await;
    let hidden = server
        .graphql(
            &outsider,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": approved["id"] }),
        )
        .await;
    assert_eq!(hidden.body["data"]["node"], Value::Null);
    assert_eq!(hidden.error_code(), Some("NOT_FOUND"));
}

async fn the_demo_holds_an_exception_approved_and_shared(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    // The breakthrough team's coach co-signed it on one of the neighbourhood team's earlier
    // cases; the income department's team lead endorsed it; the case lead approved it.
    let coach = server.token("doorbraakteam-amsterdam", "quinta").await;
    let response = server
        .graphql(
            &coach,
            &format!("{{ cases {{ nodes {{ resident {{ name }} ruleExceptions {{ nodes {{ {FIELDS} legitimacy decisionKind }} }} }} }} }}"),
            json!({}),
        )
        .await;
    let cases = data(&response, "cases")["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["resident"]["name"], "Dewi Pranoto");
    let exception = &cases[0]["ruleExceptions"]["nodes"][0];
    assert_eq!(exception["status"], "APPROVED");
    assert_eq!(exception["savingCents"], 365_000);
    assert_eq!(exception["decisionKind"], "BENEFIT_EXCEPTION");
    for (step, name) in [
        ("drafted", "Vera Jansen"),
        ("submitted", "Vera Jansen"),
        ("coSigned", "Quinta Maas"),
        ("endorsed", "Jamal Haddou"),
        ("approved", "Vera Jansen"),
    ] {
        assert_eq!(exception[step]["professional"]["name"], name, "{step}");
    }
    assert_eq!(exception["rejected"], Value::Null);

    // A professional in Zaanstad finds it among the shared solutions, without the resident.
    let zaanstad = server.token("werk-en-inkomen-zaanstad", "tess").await;
    let response = server
        .graphql(
            &zaanstad,
            "{ solutions(tags: [\"search-period\"]) { edges { node { content { municipality { code } customCostCents ordinaryCostCents tags problemPattern rule customSolution valueSummary } } } } }",
            json!({}),
        )
        .await;
    let edges = data(&response, "solutions")["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 1);
    let content = &edges[0]["node"]["content"];
    assert_eq!(content["municipality"]["code"], "AMS");
    assert_eq!(content["ordinaryCostCents"], 480_000);
    assert_eq!(content["customCostCents"], 115_000);
    let text = content.to_string();
    for identifying in ["Dewi", "Pranoto", "AMS-"] {
        assert!(!text.contains(identifying), "{identifying} in {text}");
    }
}

on_both_databases!(
    the_demo_holds_an_exception_approved_and_shared,
    an_exception_is_co_signed_endorsed_approved_and_published
);
