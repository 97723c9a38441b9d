//! The shared case over real HTTP: opening, bringing in partners, consent, the slice per
//! viewer, leaving, versions, bad input, and the statement count of a caseload page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use domain::resident::Contact;
use maatwerk_tests::{Response, TestDatabase, TestServer, data, on_both_databases};
use persistence::residents::NewResident;
use serde_json::{Value, json};

const CASE_FIELDS: &str = "id reference status step version myRole
    team { nodes { id role version organisation { slug } } }
    facts(first: 100) { totalCount edges { node { id text lifeDomain need sharing amount { cents period } } } }";

fn global_id(kind: &str, id: uuid::Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn fact_texts(case: &Value) -> Vec<String> {
    let mut texts: Vec<String> = case["facts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            edge["node"]["text"]
                .as_str()
                .unwrap_or("<hidden>")
                .to_owned()
        })
        .collect();
    texts.sort();
    texts
}

/// A case opened by a neighbourhood-team professional of organisation B, for a new resident.
struct Fixture {
    server: TestServer,
    lead: String,
    case_id: String,
    resident_id: domain::ResidentId,
}

async fn professional_id(server: &TestServer, token: &str) -> String {
    let response = server
        .graphql(token, "{ me { professional { id } } }", json!({}))
        .await;
    data(&response, "me")["professional"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A BSN that passes the 11-proof; fictional.
const FATIMA_BSN: &str = "123456782";

async fn open_case(database: TestDatabase) -> Fixture {
    let server = TestServer::start(database).await;
    let resident = server
        .store
        .insert_resident(NewResident {
            name: "Fatima El Amrani".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1986, 4, 12).unwrap(),
            contact: Contact::default(),
            bsn: Some(domain::Bsn::parse(FATIMA_BSN).unwrap()),
        })
        .await
        .unwrap();
    let lead = server.token_b("lead", &["professional"]);
    let municipalities = server
        .graphql(&lead, "{ municipalities { id } }", json!({}))
        .await;
    let municipality = data(&municipalities, "municipalities")[0]["id"].clone();
    let response = server
        .graphql(
            &lead,
            &format!("mutation($input: OpenCaseInput!) {{ openCase(input: $input) {{ {CASE_FIELDS} }} }}"),
            json!({ "input": { "municipalityId": municipality, "resident": { "bsn": FATIMA_BSN, "dateOfBirth": "1986-04-12" } } }),
        )
        .await;
    let case = data(&response, "openCase");
    let reference = case["reference"].as_str().unwrap();
    assert!(
        reference.starts_with("AMS-") && reference.ends_with("-000001"),
        "{reference}"
    );
    assert_eq!(case["myRole"], "CASE_LEAD");
    assert_eq!(case["step"], "PERSPECTIVE");
    Fixture {
        case_id: case["id"].as_str().unwrap().to_owned(),
        server,
        lead,
        resident_id: resident.id,
    }
}

impl Fixture {
    async fn case(&self, token: &str) -> Response {
        self.server
            .graphql(
                token,
                &format!("query($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}"),
                json!({ "id": self.case_id }),
            )
            .await
    }

    async fn add_fact(&self, token: &str, input: Value) -> Response {
        self.server
            .graphql(
                token,
                "mutation($case: ID!, $input: FactInput!) { addFact(caseId: $case, input: $input) { id text } }",
                json!({ "case": self.case_id, "input": input }),
            )
            .await
    }

    /// The case lead invites an organisation, or one professional of it, in team `role`.
    async fn invite(
        &self,
        organisation_id: &str,
        professional_id: Option<&str>,
        role: &str,
    ) -> Response {
        self.server
            .graphql(
                &self.lead,
                "mutation($case: ID!, $organisation: ID!, $professional: ID, $role: TeamRole!) { inviteToCase(caseId: $case, organisationId: $organisation, professionalId: $professional, role: $role, reason: \"Rent arrears put the home at risk\") { invitations { nodes { id status version role } } } }",
                json!({ "case": self.case_id, "organisation": organisation_id, "professional": professional_id, "role": role }),
            )
            .await
    }

    /// The invitee accepts its one pending invitation, in the role it names.
    async fn accept(&self, token: &str) -> Response {
        let pending = self
            .server
            .graphql(
                token,
                "{ myInvitations { id version caseReference reason invitingOrganisation { slug } } }",
                json!({}),
            )
            .await;
        let invitation = data(&pending, "myInvitations")[0].clone();
        assert_eq!(invitation["reason"], "Rent arrears put the home at risk");
        assert_eq!(invitation["invitingOrganisation"]["slug"], "organisation-b");
        self.server
            .graphql(
                token,
                "mutation($id: ID!, $version: Int!) { acceptInvitation(invitationId: $id, version: $version) { myRole } }",
                json!({ "id": invitation["id"], "version": invitation["version"] }),
            )
            .await
    }

    async fn consent(&self, mutation: &str, organisation_id: &str, domains: &[&str]) -> Response {
        self.server
            .graphql(
                &self.lead,
                &format!("mutation($input: ConsentInput!) {{ {mutation}(input: $input) {{ consents {{ nodes {{ lifeDomain organisation {{ slug }} }} }} }} }}"),
                json!({ "input": { "caseId": self.case_id, "organisationId": organisation_id, "lifeDomains": domains, "method": "WRITTEN" } }),
            )
            .await
    }
}

fn organisation_id(organisation: &domain::Organisation) -> String {
    global_id("Organisation", organisation.id.0)
}

async fn each_partner_sees_its_slice_and_consent_changes_it_on_the_next_read(
    database: TestDatabase,
) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let housing = server.token_a("housing", &["professional"]);
    let facilitator = server.token_b("facilitator", &["professional", "process_facilitator"]);
    let outsider = server.token_b("outsider", &["professional"]);
    let organisation_a = organisation_id(&server.organisation_a);
    let organisation_b = organisation_id(&server.organisation_b);

    // Invited but not yet joined: the case does not exist for them.
    let invited = fixture.invite(&organisation_a, None, "MEMBER").await;
    assert_eq!(
        data(&invited, "inviteToCase")["invitations"]["nodes"][0]["status"],
        "PENDING"
    );
    let before = fixture.case(&housing).await;
    assert_eq!(before.error_code(), Some("NOT_FOUND"), "{before:?}");
    assert_eq!(before.body["data"]["case"], Value::Null);
    let joined = fixture.accept(&housing).await;
    assert_eq!(data(&joined, "acceptInvitation")["myRole"], "MEMBER");

    let facilitator_id = professional_id(server, &facilitator).await;
    fixture
        .invite(
            &organisation_b,
            Some(&facilitator_id),
            "PROCESS_FACILITATOR",
        )
        .await;
    let joined = fixture.accept(&facilitator).await;
    assert_eq!(
        data(&joined, "acceptInvitation")["myRole"],
        "PROCESS_FACILITATOR"
    );

    for input in [
        json!({ "lifeDomain": "HOUSING", "text": "Rent is 987 euro a month", "amountCents": 98700, "period": "PER_MONTH", "need": "NEED_TO_KNOW" }),
        json!({ "lifeDomain": "HEALTH", "text": "Sleeps badly since the eviction notice", "need": "NEED_TO_KNOW" }),
        json!({ "lifeDomain": "HOUSING", "text": "Prefers a ground-floor home", "need": "NICE_TO_KNOW" }),
        json!({ "lifeDomain": "HOUSING", "text": "Neighbour complaints in 2024", "need": "NEED_TO_KNOW", "sharing": "ORGANISATION" }),
    ] {
        let added = fixture.add_fact(&fixture.lead, input).await;
        assert!(added.body["errors"].is_null(), "{added:?}");
    }
    let own = fixture
        .add_fact(
            &housing,
            json!({ "lifeDomain": "HOUSING", "text": "Arrears of 2,961 euro", "amountCents": 296100, "need": "NEED_TO_KNOW" }),
        )
        .await;
    assert!(own.body["errors"].is_null(), "{own:?}");

    // The authoring organisation sees all its own facts; the housing corporation only its own
    // until the resident consents.
    let lead_view = fixture.case(&fixture.lead).await;
    assert_eq!(
        fact_texts(data(&lead_view, "case")),
        vec![
            "Neighbour complaints in 2024",
            "Prefers a ground-floor home",
            "Rent is 987 euro a month",
            "Sleeps badly since the eviction notice",
        ]
    );
    let housing_view = fixture.case(&housing).await;
    assert_eq!(
        fact_texts(data(&housing_view, "case")),
        vec!["Arrears of 2,961 euro"]
    );
    assert_eq!(data(&housing_view, "case")["facts"]["totalCount"], 1);

    // Consent for housing and health: the kind policy still keeps health from a housing
    // corporation, and nice-to-know and organisation-only facts stay home.
    fixture
        .consent("recordConsent", &organisation_a, &["HOUSING", "HEALTH"])
        .await;
    let housing_view = fixture.case(&housing).await;
    let case = data(&housing_view, "case");
    assert_eq!(
        fact_texts(case),
        vec!["Arrears of 2,961 euro", "Rent is 987 euro a month"]
    );
    assert_eq!(case["facts"]["totalCount"], 2);
    let rent = case["facts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|edge| edge["node"]["text"] == "Rent is 987 euro a month")
        .unwrap();
    assert_eq!(
        rent["node"]["amount"],
        json!({ "cents": 98700, "period": "PER_MONTH" })
    );
    // The lead sees the housing corporation's team-shared fact only once the neighbourhood
    // team has consent for housing too.
    assert_eq!(
        fact_texts(data(&fixture.case(&fixture.lead).await, "case")).len(),
        4
    );
    fixture
        .consent("recordConsent", &organisation_b, &["HOUSING"])
        .await;
    assert_eq!(
        fact_texts(data(&fixture.case(&fixture.lead).await, "case")).len(),
        5
    );

    // The process facilitator sees the team and that facts exist, never their texts.
    let facilitator_view = fixture.case(&facilitator).await;
    let case = data(&facilitator_view, "case");
    assert_eq!(case["team"]["nodes"].as_array().unwrap().len(), 3);
    assert!(
        fact_texts(case).iter().all(|text| text == "<hidden>"),
        "{case}"
    );
    assert!(
        case["facts"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|edge| edge["node"]["amount"].is_null())
    );
    let resident = server
        .graphql(
            &facilitator,
            "query($id: ID!) { case(id: $id) { resident { name } } }",
            json!({ "id": fixture.case_id }),
        )
        .await;
    assert_eq!(resident.body["data"]["case"]["resident"], Value::Null);
    // Invitation reasons are free text: the team reads them, the facilitator does not.
    let invitations = "query($id: ID!) { case(id: $id) { invitations { nodes { reason } } } }";
    for (token, reason) in [
        (&fixture.lead, json!("Rent arrears put the home at risk")),
        (&facilitator, Value::Null),
    ] {
        let response = server
            .graphql(token, invitations, json!({ "id": fixture.case_id }))
            .await;
        let listed = data(&response, "case")["invitations"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(listed.len(), 2);
        assert!(
            listed
                .iter()
                .all(|invitation| invitation["reason"] == reason),
            "{listed:?}"
        );
    }

    // Revoking takes effect for the very next read.
    fixture
        .consent("revokeConsent", &organisation_a, &["HOUSING"])
        .await;
    let housing_view = fixture.case(&housing).await;
    assert_eq!(
        fact_texts(data(&housing_view, "case")),
        vec!["Arrears of 2,961 euro"]
    );
    let history = server
        .graphql(
            &fixture.lead,
            "query($id: ID!) { case(id: $id) { consents(history: true) { nodes { lifeDomain revokedAt organisation { slug } } } } }",
            json!({ "id": fixture.case_id }),
        )
        .await;
    let consents = data(&history, "case")["consents"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(consents.len(), 3, "{consents:?}");
    assert_eq!(
        consents
            .iter()
            .filter(|consent| !consent["revokedAt"].is_null())
            .count(),
        1
    );

    // Outsiders get nothing: not the case, not in counts, not an item by id.
    let outside = fixture.case(&outsider).await;
    assert_eq!(outside.error_code(), Some("NOT_FOUND"));
    let caseload = server
        .graphql(
            &outsider,
            "{ cases { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&caseload, "cases")["totalCount"], 0);
    let fact_id =
        data(&fixture.case(&fixture.lead).await, "case")["facts"]["edges"][0]["node"]["id"].clone();
    let node = server
        .graphql(
            &outsider,
            "query($id: ID!) { node(id: $id) { id ... on Fact { text } } }",
            json!({ "id": fact_id }),
        )
        .await;
    assert_eq!(node.error_code(), Some("NOT_FOUND"));
    assert_eq!(node.body["data"]["node"], Value::Null);
    let as_lead = server
        .graphql(
            &fixture.lead,
            "query($id: ID!) { node(id: $id) { id ... on Fact { text } } }",
            json!({ "id": fact_id }),
        )
        .await;
    assert!(data(&as_lead, "node")["text"].is_string());

    // The same for team members, invitations and consents by id: the team gets them, the
    // outsider the same NOT_FOUND as for an id that never existed.
    let parts = server
        .graphql(
            &fixture.lead,
            "query($id: ID!) { case(id: $id) { team { nodes { id } } invitations { nodes { id } } consents(history: true) { nodes { id } } } }",
            json!({ "id": fixture.case_id }),
        )
        .await;
    let parts = data(&parts, "case");
    let mut ids: Vec<(&str, Value)> = Vec::new();
    for (typename, list) in [
        ("TeamMember", "team"),
        ("Invitation", "invitations"),
        ("Consent", "consents"),
    ] {
        let first = parts[list]["nodes"][0]["id"].clone();
        assert!(first.is_string(), "no {list} in {parts}");
        ids.push((typename, first));
    }
    ids.push(("Consent", json!(global_id("Consent", uuid::Uuid::now_v7()))));
    for (index, (typename, id)) in ids.iter().enumerate() {
        let query = "query($id: ID!) { node(id: $id) { __typename id } }";
        let as_lead = server
            .graphql(&fixture.lead, query, json!({ "id": id }))
            .await;
        let as_outsider = server.graphql(&outsider, query, json!({ "id": id })).await;
        assert_eq!(
            as_outsider.error_code(),
            Some("NOT_FOUND"),
            "{typename} {id}"
        );
        assert_eq!(as_outsider.body["data"]["node"], Value::Null);
        if index + 1 == ids.len() {
            // An id that never existed answers exactly like one outside the slice.
            assert_eq!(as_lead.error_code(), Some("NOT_FOUND"));
            assert_eq!(as_lead.body["errors"], as_outsider.body["errors"]);
        } else {
            let node = data(&as_lead, "node");
            assert_eq!(node["__typename"], *typename);
            assert_eq!(node["id"], *id);
        }
    }
}

async fn leaving_ends_access_at_once_and_authored_items_stay(database: TestDatabase) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let housing = server.token_a("housing", &["professional"]);
    let organisation_a = organisation_id(&server.organisation_a);
    fixture.invite(&organisation_a, None, "MEMBER").await;
    fixture.accept(&housing).await;
    fixture
        .add_fact(
            &housing,
            json!({ "lifeDomain": "HOUSING", "text": "Arrears of 2,961 euro", "need": "NEED_TO_KNOW" }),
        )
        .await;
    fixture
        .consent(
            "recordConsent",
            &organisation_id(&server.organisation_b),
            &["HOUSING"],
        )
        .await;

    let view = fixture.case(&housing).await;
    let me = data(&view, "case")["team"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["organisation"]["slug"] == "organisation-a")
        .unwrap()
        .clone();
    // The case lead cannot simply leave.
    let lead_member = data(&view, "case")["team"]["nodes"][0].clone();
    let refused = server
        .graphql(
            &fixture.lead,
            "mutation($case: ID!, $member: ID!, $version: Int!) { removeTeamMember(caseId: $case, memberId: $member, version: $version) }",
            json!({ "case": fixture.case_id, "member": lead_member["id"], "version": lead_member["version"] }),
        )
        .await;
    assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{refused:?}");

    let left = server
        .graphql(
            &housing,
            "mutation($case: ID!, $member: ID!, $version: Int!) { removeTeamMember(caseId: $case, memberId: $member, version: $version, reason: \"Arrears settled\") }",
            json!({ "case": fixture.case_id, "member": me["id"], "version": me["version"] }),
        )
        .await;
    assert!(left.body["errors"].is_null(), "{left:?}");
    assert_eq!(fixture.case(&housing).await.error_code(), Some("NOT_FOUND"));
    let lead_view = fixture.case(&fixture.lead).await;
    assert_eq!(
        fact_texts(data(&lead_view, "case")),
        vec!["Arrears of 2,961 euro"]
    );
    assert_eq!(
        data(&lead_view, "case")["team"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn stale_versions_and_bad_input_change_nothing(database: TestDatabase) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let set_step = "mutation($case: ID!, $version: Int!) { setCaseStep(caseId: $case, step: SITUATION_SKETCH, version: $version) { step version } }";
    let moved = server
        .graphql(
            &fixture.lead,
            set_step,
            json!({ "case": fixture.case_id, "version": 1 }),
        )
        .await;
    assert_eq!(data(&moved, "setCaseStep")["version"], 2);
    let stale = server
        .graphql(
            &fixture.lead,
            set_step,
            json!({ "case": fixture.case_id, "version": 1 }),
        )
        .await;
    assert_eq!(stale.error_code(), Some("CONFLICT"), "{stale:?}");

    let empty = fixture
        .add_fact(
            &fixture.lead,
            json!({ "lifeDomain": "FINANCES", "text": "  ", "need": "NEED_TO_KNOW" }),
        )
        .await;
    assert_eq!(empty.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(empty.body["errors"][0]["extensions"]["field"], "text");
    let negative = fixture
        .add_fact(
            &fixture.lead,
            json!({ "lifeDomain": "FINANCES", "text": "Debt", "amountCents": -5, "need": "NEED_TO_KNOW" }),
        )
        .await;
    assert_eq!(
        negative.body["errors"][0]["extensions"]["field"],
        "amountCents"
    );
    let view = fixture.case(&fixture.lead).await;
    assert_eq!(data(&view, "case")["facts"]["totalCount"], 0);
    assert_eq!(data(&view, "case")["version"], 2);

    // Focus: at most three open first steps.
    let add_step = "mutation($case: ID!, $text: String!) { addFirstStep(caseId: $case, input: { text: $text, motivation: \"She wants to stay\" }) { id status motivation } }";
    for text in [
        "Call the landlord",
        "Apply for rent benefit",
        "Book debt advice",
    ] {
        let added = server
            .graphql(
                &fixture.lead,
                add_step,
                json!({ "case": fixture.case_id, "text": text }),
            )
            .await;
        assert_eq!(data(&added, "addFirstStep")["status"], "OPEN");
    }
    let fourth = server
        .graphql(
            &fixture.lead,
            add_step,
            json!({ "case": fixture.case_id, "text": "One more" }),
        )
        .await;
    assert_eq!(fourth.error_code(), Some("BAD_USER_INPUT"), "{fourth:?}");

    // Closing needs a reason and the current version; a closed case takes no new content.
    let close = server
        .graphql(
            &fixture.lead,
            "mutation($case: ID!) { closeCase(caseId: $case, reason: \"Perspective reached\", version: 2) { status statusReason } }",
            json!({ "case": fixture.case_id }),
        )
        .await;
    assert_eq!(data(&close, "closeCase")["status"], "CLOSED");
    let after_close = fixture
        .add_fact(
            &fixture.lead,
            json!({ "lifeDomain": "FINANCES", "text": "Debt", "need": "NEED_TO_KNOW" }),
        )
        .await;
    assert_eq!(after_close.error_code(), Some("BAD_USER_INPUT"));
}

async fn agreements_timeline_and_worklist(database: TestDatabase) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let lead_id = professional_id(server, &fixture.lead).await;
    let added = server
        .graphql(
            &fixture.lead,
            "mutation($case: ID!, $me: ID!) { addAgreement(caseId: $case, input: { what: \"Call the landlord about a payment plan\", assignee: { kind: TEAM_MEMBER, professionalId: $me }, dueOn: \"2020-01-31\" }) { id what status overdue assigneeProfessional { id } } }",
            json!({ "case": fixture.case_id, "me": lead_id }),
        )
        .await;
    let agreement = data(&added, "addAgreement").clone();
    assert_eq!(agreement["overdue"], true);
    assert_eq!(agreement["assigneeProfessional"]["id"], lead_id);
    let worklist = server
        .graphql(
            &fixture.lead,
            "{ worklist { overdueAgreements { id } evaluationsDue { id } } cases(hasOverdueAgreements: true) { totalCount edges { node { openAgreementCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&worklist, "worklist")["overdueAgreements"][0]["id"],
        agreement["id"]
    );
    assert_eq!(data(&worklist, "cases")["totalCount"], 1);
    assert_eq!(
        data(&worklist, "cases")["edges"][0]["node"]["openAgreementCount"],
        1
    );
    let done = server
        .graphql(
            &fixture.lead,
            "mutation($id: ID!) { setAgreementStatus(id: $id, status: DONE, version: 1) { status overdue } }",
            json!({ "id": agreement["id"] }),
        )
        .await;
    assert_eq!(data(&done, "setAgreementStatus")["overdue"], false);
    let timeline = server
        .graphql(
            &fixture.lead,
            "query($id: ID!) { case(id: $id) { timeline(first: 10) { edges { node { kind itemId } } } } }",
            json!({ "id": fixture.case_id }),
        )
        .await;
    let kinds: Vec<&str> = data(&timeline, "case")["timeline"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["AGREEMENT_CHANGED", "AGREEMENT_ADDED", "CASE_OPENED"]
    );
}

/// The statement count of a caseload page depends on the query's shape, not on how many
/// cases and items it lists: every list under a case, the timeline too, is one statement for
/// the whole page.
async fn a_caseload_page_costs_the_same_statements_for_two_or_eight_cases(database: TestDatabase) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let query = "{ cases(first: 20) { totalCount edges { node { id reference team { nodes { role organisation { slug } } } openAgreementCount resident { name } facts(first: 5) { totalCount edges { node { text } } } agreements { totalCount } problems { totalCount } consents { totalCount } timeline(first: 5) { totalCount edges { node { kind } } } } } } }";
    let statements_for = |expected: usize| {
        let server = &fixture.server;
        let lead = fixture.lead.clone();
        async move {
            let before = server.store.statements_executed();
            let response = server.graphql(&lead, query, json!({})).await;
            let after = server.store.statements_executed();
            assert_eq!(
                data(&response, "cases")["edges"].as_array().unwrap().len(),
                expected
            );
            after - before
        }
    };
    // A second case, so the first measurement already batches.
    let municipalities = server
        .graphql(&fixture.lead, "{ municipalities { id } }", json!({}))
        .await;
    let municipality = data(&municipalities, "municipalities")[0]["id"].clone();
    let open = |resident: serde_json::Value| {
        let municipality = municipality.clone();
        let lead = fixture.lead.clone();
        async move {
            let response = server
                .graphql(
                    &lead,
                    "mutation($input: OpenCaseInput!) { openCase(input: $input) { id } }",
                    json!({ "input": { "municipalityId": municipality, "resident": resident } }),
                )
                .await;
            data(&response, "openCase")["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // Registered with the first case, identified by BSN and date of birth for the others.
    let kees = json!({ "bsn": "111222333", "dateOfBirth": "1961-09-02", "name": "Kees Visser" });
    open(kees.clone()).await;
    let two = statements_for(2).await;
    for _ in 0..6 {
        let case_id = open(kees.clone()).await;
        for text in ["One", "Two", "Three"] {
            server
                .graphql(
                    &fixture.lead,
                    "mutation($case: ID!, $text: String!) { addFact(caseId: $case, input: { lifeDomain: FINANCES, text: $text, need: NEED_TO_KNOW }) { id } }",
                    json!({ "case": case_id, "text": text }),
                )
                .await;
        }
    }
    let eight = statements_for(8).await;
    assert_eq!(two, eight, "statements for 2 cases vs 8 cases");
}

/// A retried mutation with the same `Idempotency-Key` gets the first response and writes
/// nothing new; the same key on another request is refused.
async fn a_retry_with_the_same_idempotency_key_writes_nothing_new(database: TestDatabase) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let send = |key: &'static str, text: &'static str| {
        let body = json!({
            "query": "mutation($case: ID!, $text: String!) { addFact(caseId: $case, input: { lifeDomain: FINANCES, text: $text, need: NEED_TO_KNOW }) { id text } }",
            "variables": { "case": fixture.case_id, "text": text },
        });
        let request = server
            .client
            .post(server.url("/graphql"))
            .bearer_auth(&fixture.lead)
            .header("idempotency-key", key)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            let replayed = response.headers().get("idempotent-replayed").is_some();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, replayed, body)
        }
    };
    let (status, replayed, first) = send("retry-1", "Debt of 9,500 euro").await;
    assert_eq!((status, replayed), (200, false), "{first}");
    let (status, replayed, second) = send("retry-1", "Debt of 9,500 euro").await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(first, second);
    // The same request written by another client, keys in another order and spaced out, is
    // the same retry.
    let respelled = format!(
        "{{ \"variables\" : {{ \"text\": \"Debt of 9,500 euro\", \"case\": \"{}\" }},\n  \"query\": \"mutation($case: ID!, $text: String!) {{ addFact(caseId: $case, input: {{ lifeDomain: FINANCES, text: $text, need: NEED_TO_KNOW }}) {{ id text }} }}\" }}",
        fixture.case_id
    );
    let response = server
        .client
        .post(server.url("/graphql"))
        .bearer_auth(&fixture.lead)
        .header("idempotency-key", "retry-1")
        .header("content-type", "application/json")
        .body(respelled)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("idempotent-replayed").is_some());
    assert_eq!(response.json::<Value>().await.unwrap(), first);
    let (status, _, other) = send("retry-1", "Another debt").await;
    assert_eq!(status, 422, "{other}");
    assert_eq!(other["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let view = fixture.case(&fixture.lead).await;
    assert_eq!(data(&view, "case")["facts"]["totalCount"], 1);
}

/// The resident sees their whole file, every organisation's facts included, writes their own
/// perspective and gives consent themself (DOMAIN.md §5.8).
async fn the_resident_sees_their_own_file_and_writes_their_perspective(database: TestDatabase) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let provider = maatwerk_tests::register_provider(
        &server.store,
        domain::identity::ProviderKind::Resident,
        None,
        "https://login.residents.test",
        maatwerk_tests::TestKey::Es256,
    )
    .await;
    let resident_id = fixture.resident_id;
    server
        .store
        .link_resident_identity(provider.id, "fatima", resident_id)
        .await
        .unwrap();
    let resident = maatwerk_tests::TestKey::Es256.sign(&maatwerk_tests::claims(
        "https://login.residents.test",
        "fatima",
    ));
    for input in [
        json!({ "lifeDomain": "HEALTH", "text": "Sleeps badly", "need": "NICE_TO_KNOW", "sharing": "ORGANISATION" }),
        json!({ "lifeDomain": "HOUSING", "text": "Rent is 987 euro a month", "need": "NEED_TO_KNOW" }),
    ] {
        fixture.add_fact(&fixture.lead, input).await;
    }
    let own = fixture.case(&resident).await;
    let case = data(&own, "case");
    assert_eq!(
        fact_texts(case),
        vec!["Rent is 987 euro a month", "Sleeps badly"]
    );
    assert_eq!(case["myRole"], Value::Null);
    let caseload = server
        .graphql(&resident, "{ cases { totalCount } }", json!({}))
        .await;
    assert_eq!(data(&caseload, "cases")["totalCount"], 1);

    let written = server
        .graphql(
            &resident,
            "mutation($case: ID!) { recordPerspective(caseId: $case, text: \"I want a safe home for me and my children\") { text writtenByResident } }",
            json!({ "case": fixture.case_id }),
        )
        .await;
    assert_eq!(
        data(&written, "recordPerspective")["writtenByResident"],
        true
    );
    let consent = server
        .graphql(
            &resident,
            "mutation($input: ConsentInput!) { recordConsent(input: $input) { consents { nodes { lifeDomain recordedByResident } } } }",
            json!({ "input": { "caseId": fixture.case_id, "organisationId": organisation_id(&server.organisation_a), "lifeDomains": ["HOUSING"] } }),
        )
        .await;
    assert_eq!(
        data(&consent, "recordConsent")["consents"]["nodes"][0]["recordedByResident"],
        true
    );
    // The team writes facts; the resident does not.
    let refused = fixture
        .add_fact(
            &resident,
            json!({ "lifeDomain": "HOUSING", "text": "x", "need": "NEED_TO_KNOW" }),
        )
        .await;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{refused:?}");
}

/// What a case detail costs, in statements: one that finds the viewer's access with the kind
/// policy it carries and the case row, one per list asked for, and the access log's append.
/// The count is the same for one item or many per list.
async fn a_case_detail_costs_one_statement_for_the_case_and_one_for_its_lists(
    database: TestDatabase,
) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let query = "query($id: ID!) { case(id: $id) { reference facts(first: 100) { edges { node { text lifeDomain } } } problems { nodes { text kind } } agreements(first: 100) { edges { node { what status } } } } }";
    let statements = || async {
        let before = server.store.statements_executed();
        let response = server
            .graphql(&fixture.lead, query, json!({ "id": fixture.case_id }))
            .await;
        let after = server.store.statements_executed();
        (
            data(&response, "case")["facts"]["edges"]
                .as_array()
                .unwrap()
                .len(),
            after - before,
        )
    };
    let (facts, one) = statements().await;
    assert_eq!(facts, 0);
    for text in ["One", "Two", "Three"] {
        server
            .graphql(
                &fixture.lead,
                "mutation($case: ID!, $text: String!) { addFact(caseId: $case, input: { lifeDomain: FINANCES, text: $text, need: NEED_TO_KNOW }) { id } }",
                json!({ "case": fixture.case_id, "text": text }),
            )
            .await;
    }
    let (facts, three) = statements().await;
    assert_eq!(facts, 3);
    assert_eq!(one, three, "statements for no facts vs three");
    // The case with its access, and its three lists together (a transaction's BEGIN and
    // COMMIT are not counted); then the access log's append: one statement on PostgreSQL,
    // and on SQLite, in the process, an insert and the chain head's update.
    let append = if server.store.is_sqlite() { 3 } else { 1 };
    assert_eq!(three, 2 + append);
}

/// A caseload page as a partner's frontend shows it: the cases with their open-agreement
/// counts in one statement, their teams with the members' organisations in a second.
async fn a_caseload_page_with_teams_and_open_agreements_costs_two_statements(
    database: TestDatabase,
) {
    let fixture = open_case(database).await;
    let server = &fixture.server;
    let added = server
        .graphql(
            &fixture.lead,
            "mutation($case: ID!) { addAgreement(caseId: $case, input: { what: \"Call the landlord\", assignee: { kind: RESIDENT } }) { id } }",
            json!({ "case": fixture.case_id }),
        )
        .await;
    data(&added, "addAgreement");
    let before = server.store.statements_executed();
    let response = server
        .graphql(
            &fixture.lead,
            "{ cases(first: 20) { edges { node { id team { nodes { role organisation { name } } } openAgreementCount } } } }",
            json!({}),
        )
        .await;
    let after = server.store.statements_executed();
    let cases = data(&response, "cases")["edges"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["node"]["openAgreementCount"], 1);
    let members = cases[0]["node"]["team"]["nodes"].as_array().unwrap();
    assert!(
        members
            .iter()
            .all(|member| member["organisation"]["name"].is_string()),
        "every member's organisation is named: {members:?}"
    );
    // Then the access log's append, as in the case detail above.
    let append = if server.store.is_sqlite() { 3 } else { 1 };
    assert_eq!(after - before, 2 + append);
}

on_both_databases!(
    the_resident_sees_their_own_file_and_writes_their_perspective,
    a_retry_with_the_same_idempotency_key_writes_nothing_new,
    each_partner_sees_its_slice_and_consent_changes_it_on_the_next_read,
    leaving_ends_access_at_once_and_authored_items_stay,
    stale_versions_and_bad_input_change_nothing,
    agreements_timeline_and_worklist,
    a_caseload_page_costs_the_same_statements_for_two_or_eight_cases,
    a_case_detail_costs_one_statement_for_the_case_and_one_for_its_lists,
    a_caseload_page_with_teams_and_open_agreements_costs_two_statements,
);
