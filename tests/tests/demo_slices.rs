//! The demo data over real HTTP: the showcase case `maatwerk demo` points at, seen by each
//! member of its team with the tokens `maatwerk token` signs. The expected slices below are
//! worked out by hand from DOMAIN.md §5 and the demo's consents, not from the code, so the
//! demo doubles as a check on the slice.
//!
//! The showcase case (Samira Bakker) has five organisations on its team. The resident's
//! consents, per organisation:
//!
//! | organisation | kind | consent for |
//! |---|---|---|
//! | buurtteam-amsterdam-west (case lead, process facilitator) | neighbourhood team | profile, finances, housing, work and daytime, health, youth and education |
//! | wpi-amsterdam | income department | profile, finances, housing, work and daytime |
//! | woonstad-wonen | housing corporation | profile, housing |
//! | ggd-amsterdam | health service | profile, health |
//! | okt-nieuw-west | youth team | profile, housing, youth and education |
//!
//! With the default kind policies (§5.6) every consent above is also allowed by the kind
//! policy, so a fact of another organisation reaches a member when it is need-to-know, shared
//! with the team and of a consented domain (§5.4); its own organisation's facts always do.

use std::collections::BTreeSet;

use maatwerk_tests::{DemoServer, Response, TestDatabase, data, on_both_databases};
use serde_json::{Value, json};

// The showcase case's facts, by the organisation that recorded them.

// Buurtteam Amsterdam West (anna).
/// Profile, need-to-know, team.
const PROFILE: &str = "Samira (38) lives with her son Rayan (14) in a three-room flat in Amsterdam West; she raises him on her own.";
/// Finances, need-to-know, team.
const UNOPENED_POST: &str =
    "About forty unopened letters from creditors and agencies are in a drawer at home.";
/// Network, nice-to-know.
const SISTER: &str =
    "Her sister in Almere helps with Rayan now and then; contact with Rayan's father is difficult.";
/// Strengths and talents, nice-to-know.
const CASHIER: &str =
    "Worked as a cashier for six years and is good with numbers once the post is sorted.";

// Woonstad Wonen (lars).
/// Housing, need-to-know, team; €987 per month.
const RENT: &str = "Rent is €987 per month, including €45 service costs.";
/// Housing, need-to-know, team; €2,961 once.
const ARREARS: &str = "Rent arrears of €2,961 (three months); the eviction procedure is on hold while the team makes a plan.";
/// Housing, nice-to-know.
const NOISE: &str = "Neighbours complained about noise twice last year; no action was needed.";

// WPI Amsterdam (ilse).
/// Finances, need-to-know, team; €9,500 once.
const DEBTS: &str = "Registered debts total €9,500 with seven creditors; the largest is €3,200 to her health insurer.";
/// Finances, need-to-know, team.
const INCOME: &str = "Net income is €1,342 per month in social assistance (Participatiewet).";
/// Housing, need-to-know, team.
const HOUSING_ALLOWANCE: &str = "The housing allowance of €312 per month stopped in March after a missed income check; it can be restarted with retroactive effect.";
/// Work and daytime, need-to-know, team.
const WORK_EXEMPTION: &str =
    "Exempt from the duty to look for work for six months while Rayan needs her at home.";
/// Finances, need-to-know, shared with the organisation only.
const BENEFIT_CHECK: &str = "A routine check of her benefit in 2024 found no irregularities.";

// GGD Amsterdam (nadia).
/// Health, need-to-know, team.
const SLEEP: &str = "Sleeping problems and panic attacks since the eviction letter; her GP referred her to mental health care, with a waiting list of 14 weeks.";
/// Health, nice-to-know.
const SLEEPING_PILLS: &str =
    "Takes sleeping pills now and then; she wants this to stay with the GGD.";

// Ouder- en Kindteam Nieuw-West (gijs).
/// Youth and education, need-to-know, team.
const SCHOOL_ABSENCE: &str =
    "Rayan missed 38 school hours this term; the school's attendance officer has been informed.";

/// What each member of the showcase team sees of its facts.
const SLICES: &[(&str, &str, &[&str])] = &[
    (
        // The case lead's organisation: all four of its own facts, nice-to-know included; of
        // the others every need-to-know team fact, as it has consent for each of their
        // domains. Never the others' nice-to-know facts (NOISE, SLEEPING_PILLS) or WPI's
        // organisation-only BENEFIT_CHECK.
        "buurtteam-amsterdam-west",
        "anna",
        &[
            PROFILE,
            UNOPENED_POST,
            SISTER,
            CASHIER,
            RENT,
            ARREARS,
            DEBTS,
            INCOME,
            HOUSING_ALLOWANCE,
            WORK_EXEMPTION,
            SLEEP,
            SCHOOL_ABSENCE,
        ],
    ),
    (
        // The income department: its own five, and the profile, finances and housing facts
        // of others; no health, no school, no nice-to-know facts of others.
        "wpi-amsterdam",
        "ilse",
        &[
            DEBTS,
            INCOME,
            HOUSING_ALLOWANCE,
            WORK_EXEMPTION,
            BENEFIT_CHECK,
            PROFILE,
            UNOPENED_POST,
            RENT,
            ARREARS,
        ],
    ),
    (
        // The housing corporation: its own three, the profile and WPI's housing fact; no
        // finances, health or school.
        "woonstad-wonen",
        "lars",
        &[RENT, ARREARS, NOISE, PROFILE, HOUSING_ALLOWANCE],
    ),
    (
        // The health service: its own two, and the profile.
        "ggd-amsterdam",
        "nadia",
        &[SLEEP, SLEEPING_PILLS, PROFILE],
    ),
    (
        // The youth team: its own, the profile, and the housing facts of Woonstad and WPI.
        "okt-nieuw-west",
        "gijs",
        &[SCHOOL_ABSENCE, PROFILE, RENT, ARREARS, HOUSING_ALLOWANCE],
    ),
];

/// The shared plan (§5.3): every member sees every agreement, with its text.
const AGREEMENTS: &[&str] = &[
    "Pause the eviction procedure for three months and offer a payment plan of €100 per month for the arrears.",
    "Restart the housing allowance from March and check whether special assistance (bijzondere bijstand) can cover the arrears.",
    "Bring the drawer of post to the Tuesday walk-in hour.",
    "Register Samira for municipal debt counselling (schuldhulpverlening) with the list of creditors.",
    "Offer Samira a conversation with the GGD's community nurse within two weeks.",
    "Pick Rayan up from school on Wednesdays until the summer holidays.",
    "Meet Rayan and his mentor at school about his absence.",
];

const SAMIRA_BSN: &str = "171973069";

const CASE: &str = "query($id: ID!) { case(id: $id) {
    reference step myRole openAgreementCount
    team { nodes { role organisation { id slug kind } } }
    resident { name bsn }
    perspective { text writtenByResident }
    perspectives { nodes { text } }
    facts(first: 100) { totalCount nodes { id text amount { cents period } } }
    agreements(first: 100) { totalCount nodes { what status } }
} }";

fn nodes(connection: &Value) -> &Vec<Value> {
    connection["nodes"].as_array().expect("a connection")
}

/// The texts of `field` on each node, with `<null>` for a text the viewer does not get.
fn texts(nodes: &[Value], field: &str) -> BTreeSet<String> {
    nodes
        .iter()
        .map(|node| node[field].as_str().unwrap_or("<null>").to_owned())
        .collect()
}

fn set(texts: &[&str]) -> BTreeSet<String> {
    texts.iter().map(|text| (*text).to_owned()).collect()
}

async fn case(server: &DemoServer, token: &str, id: &str) -> Response {
    server.graphql(token, CASE, json!({ "id": id })).await
}

async fn each_member_sees_the_slice_the_rules_give_their_organisation(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let id = server.showcase_id().await;

    for (organisation, person, expected) in SLICES {
        let token = server.token(organisation, person).await;
        let response = case(&server, &token, &id).await;
        let case = data(&response, "case");
        let facts = nodes(&case["facts"]);
        assert_eq!(
            texts(facts, "text"),
            set(expected),
            "the facts {person} of {organisation} sees"
        );
        assert_eq!(case["facts"]["totalCount"], expected.len(), "{person}");
        assert_eq!(
            texts(nodes(&case["agreements"]), "what"),
            set(AGREEMENTS),
            "the shared plan as {person} sees it"
        );
        assert_eq!(case["resident"]["name"], "Samira Bakker", "{person}");
        assert_eq!(
            case["perspective"]["text"],
            "In a year I live in our home with Rayan, I open my post without fear, I sleep through the night and I work a few days a week."
        );
        assert_eq!(case["perspective"]["writtenByResident"], true);
    }

    // Amounts travel with their facts.
    let housing = server.token("woonstad-wonen", "lars").await;
    let response = case(&server, &housing, &id).await;
    let rent = nodes(&data(&response, "case")["facts"])
        .iter()
        .find(|fact| fact["text"] == RENT)
        .expect("the rent")
        .clone();
    assert_eq!(
        rent["amount"],
        json!({ "cents": 98_700, "period": "PER_MONTH" })
    );

    // The BSN only for the income department (§5.7).
    for (organisation, person, _) in SLICES {
        let token = server.token(organisation, person).await;
        let response = case(&server, &token, &id).await;
        let expected = if *organisation == "wpi-amsterdam" {
            json!(SAMIRA_BSN)
        } else {
            Value::Null
        };
        assert_eq!(
            data(&response, "case")["resident"]["bsn"],
            expected,
            "the BSN as {person} of {organisation} sees it"
        );
    }
}

async fn the_process_facilitator_sees_the_process_and_no_texts(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let id = server.showcase_id().await;
    let facilitator = server.token("buurtteam-amsterdam-west", "chantal").await;

    let response = case(&server, &facilitator, &id).await;
    let case = data(&response, "case");
    assert_eq!(case["reference"], server.showcase.reference.as_str());
    assert_eq!(case["step"], "WHO_DOES_WHAT");
    assert_eq!(case["myRole"], "PROCESS_FACILITATOR");
    let mut roles: Vec<&str> = case["team"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["role"].as_str().unwrap())
        .collect();
    roles.sort_unstable();
    assert_eq!(
        roles,
        [
            "CASE_LEAD",
            "MEMBER",
            "MEMBER",
            "MEMBER",
            "MEMBER",
            "PROCESS_FACILITATOR"
        ]
    );
    let organisations: BTreeSet<&str> = case["team"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["organisation"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        organisations,
        BTreeSet::from([
            "buurtteam-amsterdam-west",
            "ggd-amsterdam",
            "okt-nieuw-west",
            "woonstad-wonen",
            "wpi-amsterdam",
        ])
    );

    // As many facts as her organisation receives (the case lead's twelve), and counts and
    // statuses of the plan, but no text, amount or name.
    assert_eq!(case["facts"]["totalCount"], 12);
    for fact in nodes(&case["facts"]) {
        assert_eq!(fact["text"], Value::Null, "{fact}");
        assert_eq!(fact["amount"], Value::Null, "{fact}");
    }
    assert_eq!(case["agreements"]["totalCount"], AGREEMENTS.len());
    assert_eq!(case["openAgreementCount"], AGREEMENTS.len());
    for agreement in nodes(&case["agreements"]) {
        assert_eq!(agreement["what"], Value::Null, "{agreement}");
        assert!(agreement["status"].is_string(), "{agreement}");
    }
    assert_eq!(case["perspective"]["text"], Value::Null);
    assert_eq!(case["perspectives"]["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(case["resident"], Value::Null);
}

async fn a_revoked_consent_hides_facts_on_the_very_next_request(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let housing = server.token("woonstad-wonen", "lars").await;
    let youth = server.token("okt-nieuw-west", "gijs").await;
    let response = case(&server, &lead, &id).await;
    let woonstad = data(&response, "case")["team"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["organisation"]["slug"] == "woonstad-wonen")
        .map(|member| member["organisation"]["id"].clone())
        .expect("Woonstad is on the team");
    let consent = |mutation: &str| {
        format!(
            "mutation($input: ConsentInput!) {{ {mutation}(input: $input) {{ consents {{ nodes {{ lifeDomain organisation {{ slug }} }} }} }} }}"
        )
    };
    let input = json!({ "input": { "caseId": id, "organisationId": woonstad, "lifeDomains": ["HOUSING"], "method": "VERBAL" } });

    let revoked = server
        .graphql(&lead, &consent("revokeConsent"), input.clone())
        .await;
    let remaining = data(&revoked, "revokeConsent")["consents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|consent| consent["organisation"]["slug"] == "woonstad-wonen")
        .map(|consent| consent["lifeDomain"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(remaining, ["PROFILE"]);

    // The very next request: WPI's housing fact is gone; Woonstad's own facts stay, and the
    // youth team, whose consent was not touched, still sees it.
    let response = case(&server, &housing, &id).await;
    assert_eq!(
        texts(nodes(&data(&response, "case")["facts"]), "text"),
        set(&[RENT, ARREARS, NOISE, PROFILE])
    );
    let response = case(&server, &youth, &id).await;
    assert_eq!(
        texts(nodes(&data(&response, "case")["facts"]), "text"),
        set(&[SCHOOL_ABSENCE, PROFILE, RENT, ARREARS, HOUSING_ALLOWANCE])
    );

    // Consent given again: back on the next request.
    let recorded = server
        .graphql(&lead, &consent("recordConsent"), input)
        .await;
    data(&recorded, "recordConsent");
    let response = case(&server, &housing, &id).await;
    assert_eq!(
        texts(nodes(&data(&response, "case")["facts"]), "text"),
        set(&[RENT, ARREARS, NOISE, PROFILE, HOUSING_ALLOWANCE])
    );
}

async fn professionals_not_on_the_team_get_not_found(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let id = server.showcase_id().await;
    let lead = server.token("buurtteam-amsterdam-west", "anna").await;
    let response = case(&server, &lead, &id).await;
    let fact_id = nodes(&data(&response, "case")["facts"])[0]["id"].clone();

    // Mila works at Woonstad like Lars, and is on another demo case, but not on this one;
    // Otto's school is on no case at all.
    for (organisation, person, caseload) in [
        ("woonstad-wonen", "mila", 2),
        ("westpunt-college", "otto", 0),
    ] {
        let token = server.token(organisation, person).await;
        let response = case(&server, &token, &id).await;
        assert_eq!(response.error_code(), Some("NOT_FOUND"), "{person}");
        assert_eq!(response.body["data"]["case"], Value::Null, "{person}");

        let response = server
            .graphql(
                &token,
                "{ cases { totalCount nodes { reference } } }",
                json!({}),
            )
            .await;
        let cases = data(&response, "cases");
        assert_eq!(cases["totalCount"], caseload, "{person}");
        assert!(
            nodes(cases)
                .iter()
                .all(|case| case["reference"] != server.showcase.reference.as_str()),
            "{person}"
        );

        let response = server
            .graphql(
                &token,
                "query($id: ID!) { node(id: $id) { id ... on Fact { text } } }",
                json!({ "id": fact_id }),
            )
            .await;
        assert_eq!(response.error_code(), Some("NOT_FOUND"), "{person}");
        assert_eq!(response.body["data"]["node"], Value::Null, "{person}");
    }
}

async fn the_demo_cases_stand_at_different_steps_with_teams_of_three_to_five_organisations(
    database: TestDatabase,
) {
    let server = DemoServer::start(database).await;
    let reference = &server.showcase.reference;
    // Amsterdam's sixth case this year: the neighbourhood team's five earlier cases come first.
    assert!(
        reference.starts_with("AMS-") && reference.ends_with("-000006"),
        "{reference}"
    );
    let hint = server.showcase.hint("maatwerk");
    assert!(hint.contains(reference.as_str()), "{hint}");
    for command in [
        "maatwerk token --org buurtteam-amsterdam-west --person anna",
        "maatwerk token --org wpi-amsterdam --person ilse",
        "maatwerk token --org woonstad-wonen --person lars",
        "maatwerk token --org buurtteam-amsterdam-west --person chantal",
    ] {
        assert!(hint.contains(command), "{hint}");
    }

    // The case leads of the three demo cases.
    let mut steps = Vec::new();
    for (organisation, person) in [
        ("buurtteam-amsterdam-west", "anna"),
        ("buurtteam-amsterdam-west", "bram"),
        ("buurtteam-zaanstad", "sem"),
    ] {
        let token = server.token(organisation, person).await;
        let response = server
            .graphql(
                &token,
                "{ cases { nodes { step myRole team { nodes { role organisation { slug kind } } } } } }",
                json!({}),
            )
            .await;
        let cases = nodes(data(&response, "cases"));
        assert_eq!(cases.len(), 1, "{person} leads one demo case");
        let case = &cases[0];
        assert_eq!(case["myRole"], "CASE_LEAD");
        let team = case["team"]["nodes"].as_array().unwrap();
        let organisations: BTreeSet<&str> = team
            .iter()
            .map(|member| member["organisation"]["slug"].as_str().unwrap())
            .collect();
        assert!(
            (3..=5).contains(&organisations.len()),
            "{person}: {organisations:?}"
        );
        assert!(
            team.iter()
                .any(|member| member["organisation"]["kind"] == "HOUSING_CORPORATION"),
            "{person}"
        );
        assert!(
            team.iter()
                .any(|member| member["role"] == "PROCESS_FACILITATOR"),
            "{person}"
        );
        steps.push(case["step"].as_str().unwrap().to_owned());
    }
    assert_eq!(steps, ["WHO_DOES_WHAT", "SITUATION_SKETCH", "EVALUATION"]);
}

/// How each list below is read: its length, where it ends and its items in order.
const PAGE: &str = "totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } }";

/// Every list of case items a case can be asked for, two of them twice under aliases with
/// other arguments, and the count of open agreements (a caseload page reads it with its
/// cases), as `(field in the response, selection)`.
fn item_lists() -> Vec<(&'static str, String)> {
    vec![
        (
            "facts",
            format!("facts(first: 100) {{ {PAGE} nodes {{ text }} }}"),
        ),
        (
            "finances",
            format!("finances: facts(lifeDomain: FINANCES, first: 1) {{ {PAGE} }}"),
        ),
        (
            "problems",
            format!("problems {{ {PAGE} nodes {{ text }} }}"),
        ),
        (
            "agreements",
            format!("agreements(first: 100) {{ {PAGE} nodes {{ what }} }}"),
        ),
        (
            "open",
            format!("open: agreements(status: OPEN, first: 2) {{ {PAGE} }}"),
        ),
        ("perspective", "perspective { id text }".to_owned()),
        ("perspectives", format!("perspectives {{ {PAGE} }}")),
        ("firstSteps", format!("firstSteps {{ {PAGE} }}")),
        ("evaluations", format!("evaluations {{ {PAGE} }}")),
        ("decisions", format!("decisions {{ {PAGE} }}")),
        ("ruleExceptions", format!("ruleExceptions {{ {PAGE} }}")),
        ("openAgreementCount", "openAgreementCount".to_owned()),
        (
            "team",
            format!("team(first: 3) {{ {PAGE} nodes {{ role organisation {{ id }} }} }}"),
        ),
    ]
}

const ORGANISATION: &str = "id slug name kind allowedRoles municipalities { id name code }";

/// The organisations a caseload names for its teams' members, read with the teams in one
/// statement, are the organisations the directory shows, field for field, though many
/// members share an organisation.
async fn a_caseloads_team_organisations_are_the_directorys(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let token = server.token(SLICES[0].0, SLICES[0].1).await;
    let query = format!(
        "{{ cases(first: 50) {{ nodes {{ team {{ nodes {{ organisation {{ {ORGANISATION} }} }} }} }} }} }}"
    );
    // The first request signs the professional in.
    server.graphql(&token, &query, json!({})).await;
    let before = server.store.statements_executed();
    let caseload = server.graphql(&token, &query, json!({})).await;
    // The cases, their teams with the organisations, the organisations' municipalities, and
    // the access log's append: no organisation is read on its own.
    let append = if server.store.is_sqlite() { 3 } else { 1 };
    assert_eq!(server.store.statements_executed() - before, 3 + append);
    // A page cut short as well: the row telling that more members follow names an
    // organisation too.
    let cut = server
        .graphql(
            &token,
            &format!(
                "{{ cases(first: 50) {{ nodes {{ team(first: 1) {{ nodes {{ organisation {{ {ORGANISATION} }} }} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    let mut named = 0;
    for case in nodes(data(&caseload, "cases"))
        .iter()
        .chain(nodes(data(&cut, "cases")))
    {
        for member in nodes(&case["team"]) {
            let organisation = &member["organisation"];
            let directory = server
                .graphql(
                    &token,
                    &format!(
                        "query($slug: String!) {{ organisation(slug: $slug) {{ {ORGANISATION} }} }}"
                    ),
                    json!({ "slug": organisation["slug"] }),
                )
                .await;
            assert_eq!(organisation, data(&directory, "organisation"));
            named += 1;
        }
    }
    assert!(named > 3, "the caseload names its teams' organisations");
}

/// A caseload page asking for every list at once (read in one statement) answers each list
/// of each case, and its open agreements, exactly as a case detail asking for that alone, for every member of the
/// showcase team, its process facilitator and the resident.
async fn lists_read_together_are_the_lists_read_one_at_a_time(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let mut viewers = Vec::new();
    for (organisation, person, _) in SLICES {
        viewers.push(server.token(organisation, person).await);
    }
    viewers.push(server.token("buurtteam-amsterdam-west", "chantal").await);
    viewers.push(server.resident_token("samira").await);
    let lists = item_lists();
    let every_list: Vec<&str> = lists.iter().map(|(_, list)| list.as_str()).collect();
    let caseload = format!(
        "query {{ cases(first: 50) {{ nodes {{ id {} }} }} }}",
        every_list.join(" ")
    );
    for token in &viewers {
        let together = server.graphql(token, &caseload, json!({})).await;
        let cases = nodes(data(&together, "cases")).clone();
        assert!(!cases.is_empty(), "a caseload");
        for case in &cases {
            for (name, list) in &lists {
                let alone = server
                    .graphql(
                        token,
                        &format!("query($id: ID!) {{ case(id: $id) {{ {list} }} }}"),
                        json!({ "id": case["id"] }),
                    )
                    .await;
                assert_eq!(
                    case[*name],
                    data(&alone, "case")[*name],
                    "{name} of case {} read with every other list, and alone",
                    case["id"]
                );
            }
        }
    }
}

on_both_databases!(
    each_member_sees_the_slice_the_rules_give_their_organisation,
    the_process_facilitator_sees_the_process_and_no_texts,
    a_revoked_consent_hides_facts_on_the_very_next_request,
    professionals_not_on_the_team_get_not_found,
    the_demo_cases_stand_at_different_steps_with_teams_of_three_to_five_organisations,
    lists_read_together_are_the_lists_read_one_at_a_time,
    a_caseloads_team_organisations_are_the_directorys,
);
