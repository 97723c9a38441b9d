//! Property test of the slice: random teams, organisations, consents and items, read back
//! over real HTTP by every professional, compared item by item with the oracle
//! `domain::slice::visibility`. A viewer must see exactly what the oracle allows, with texts
//! only where it says `Full`, never more.
//!
//! Scale: `SLICE_PROPERTY_CASES` cases per database (default 10,000 on SQLite and 1,000 on
//! PostgreSQL); `SLICE_PROPERTY_SEED` replays a failing run.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::case::ConsentMethod;
use domain::identity::{Actor, ProfessionalActor, ProviderKind};
use domain::slice::{CaseRelation, ItemFacts, ItemKind, Need, SharingLevel, TeamRole, Visibility};
use domain::{
    CaseId, KindPolicy, LifeDomain, MunicipalityId, Organisation, OrganisationKind,
    OrganisationRole, ProfessionalId, RoleSet, Slug,
};
use maatwerk_tests::{
    AUDIENCE, TestDatabase, TestKey, TestServer, claims, on_both_databases, register_provider,
};
use persistence::cases::{InvitationDecision, NewFact, NewProblem};
use persistence::organisations::NewOrganisation;
use persistence::residents::NewResident;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

/// One professional of the pool, with what the oracle needs to know of them.
struct Person {
    issuer: String,
    subject: String,
    roles: Vec<&'static str>,
    organisation: Organisation,
    actor: Option<ProfessionalActor>,
}

impl Person {
    fn token(&self) -> String {
        let mut claims = claims(&self.issuer, &self.subject);
        claims["roles"] = json!(self.roles);
        claims["aud"] = json!(AUDIENCE);
        TestKey::Es256.sign(&claims)
    }

    fn actor(&self) -> Actor {
        Actor::Professional(self.actor.clone().expect("signed in"))
    }

    fn facilitates(&self) -> bool {
        self.roles.contains(&"process_facilitator")
    }
}

/// An item as generated, for the oracle.
struct Item {
    kind: ItemKind,
    id: uuid::Uuid,
    text: String,
    author_organisation: domain::OrganisationId,
    life_domain: LifeDomain,
    sharing: SharingLevel,
    need: Need,
}

struct GeneratedCase {
    members: BTreeMap<usize, TeamRole>,
    consents: BTreeSet<(domain::OrganisationId, LifeDomain)>,
    items: Vec<Item>,
}

fn scale(database: &TestDatabase) -> usize {
    let default = if database.url.starts_with("sqlite") {
        10_000
    } else {
        1_000
    };
    std::env::var("SLICE_PROPERTY_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn global_id(kind: &str, id: uuid::Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn decode_id(id: &str) -> uuid::Uuid {
    decode_typed_id(id).1
}

fn decode_typed_id(id: &str) -> (String, uuid::Uuid) {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).unwrap()).unwrap();
    let (kind, id) = text.split_once(':').unwrap();
    (kind.to_owned(), id.parse().unwrap())
}

async fn every_viewer_sees_exactly_what_the_oracle_allows(database: TestDatabase) {
    let cases = scale(&database);
    let seed = std::env::var("SLICE_PROPERTY_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("slice property: {cases} cases, SLICE_PROPERTY_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let server = TestServer::start(database).await;
    let store = &server.store;
    let amsterdam = store.municipalities().await.unwrap()[0].id;

    // Organisations of five kinds, each with its own identity provider; two people each: a
    // plain professional and one who may facilitate and coach.
    let kinds = [
        OrganisationKind::NeighbourhoodTeam,
        OrganisationKind::HousingCorporation,
        OrganisationKind::IncomeDepartment,
        OrganisationKind::HealthService,
        OrganisationKind::School,
    ];
    let mut people = Vec::new();
    for (index, kind) in kinds.iter().enumerate() {
        let organisation = register(store, &format!("partner-{index}"), *kind, amsterdam).await;
        let issuer = format!("https://login.partner-{index}.test");
        register_provider(
            store,
            ProviderKind::Professional,
            Some(&organisation),
            &issuer,
            TestKey::Es256,
        )
        .await;
        for (subject, roles) in [
            ("worker", vec!["professional"]),
            (
                "facilitator",
                vec!["professional", "process_facilitator", "coach"],
            ),
        ] {
            people.push(Person {
                issuer: issuer.clone(),
                subject: subject.into(),
                roles,
                organisation: organisation.clone(),
                actor: None,
            });
        }
    }
    for person in &mut people {
        let response = server
            .graphql(&person.token(), "{ me { professional { id } } }", json!({}))
            .await;
        let id = decode_id(
            response.body["data"]["me"]["professional"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{response:?}")),
        );
        person.actor = Some(ProfessionalActor {
            professional_id: ProfessionalId(id),
            organisation_id: person.organisation.id,
            organisation_kind: person.organisation.kind,
            roles: person
                .roles
                .iter()
                .map(|role| OrganisationRole::parse(role).unwrap())
                .collect(),
        });
    }
    // One resident for every case, identified as a professional opening a case would: by
    // BSN and date of birth.
    let resident = store
        .insert_resident(NewResident {
            name: "Test Resident".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
            contact: Default::default(),
            bsn: Some(domain::Bsn::parse("111222333").unwrap()),
        })
        .await
        .unwrap();

    let mut generated: BTreeMap<CaseId, GeneratedCase> = BTreeMap::new();
    for _ in 0..cases {
        let (case_id, case) = generate_case(&mut rng, store, &people, amsterdam, &resident).await;
        generated.insert(case_id, case);
    }

    let policies: BTreeMap<OrganisationKind, KindPolicy> = kinds
        .iter()
        .map(|kind| (*kind, KindPolicy::default_for(*kind)))
        .collect();
    let mut checked_items = 0usize;
    for (index, person) in people.iter().enumerate() {
        let seen = read_caseload(&server, &person.token()).await;
        let expected_cases: BTreeSet<CaseId> = generated
            .iter()
            .filter(|(_, case)| case.members.contains_key(&index))
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(
            seen.keys().copied().collect::<BTreeSet<_>>(),
            expected_cases,
            "{} of {:?} sees exactly the cases they are on (seed {seed})",
            person.subject,
            person.organisation.kind
        );
        for (case_id, items) in &seen {
            let case = &generated[case_id];
            let relation = CaseRelation::TeamMember {
                role: case.members[&index],
                kind: person.organisation.kind,
            };
            let policy = &policies[&person.organisation.kind];
            let expected: BTreeMap<uuid::Uuid, Option<String>> = case
                .items
                .iter()
                .filter_map(|item| {
                    let facts = ItemFacts {
                        kind: item.kind,
                        authored_by_viewer_organisation: item.author_organisation
                            == person.organisation.id,
                        life_domain: Some(item.life_domain),
                        sharing: item.sharing,
                        need: item.need,
                        withheld_from_resident: false,
                    };
                    let consented = case
                        .consents
                        .contains(&(person.organisation.id, item.life_domain));
                    match domain::slice::visibility(relation, &facts, consented, policy) {
                        Visibility::Hidden => None,
                        Visibility::ProcessOnly => Some((item.id, None)),
                        Visibility::Full => Some((item.id, Some(item.text.clone()))),
                    }
                })
                .collect();
            assert_eq!(
                items, &expected,
                "case {case_id} as {} of {:?} with role {:?} (seed {seed})",
                person.subject, person.organisation.kind, case.members[&index]
            );
            checked_items += expected.len();
        }
        // Items of cases the viewer is not on, or outside their slice, are NOT_FOUND by id.
        let hidden: Vec<(&'static str, uuid::Uuid)> = generated
            .iter()
            .flat_map(|(case_id, case)| {
                let visible = seen.get(case_id);
                case.items
                    .iter()
                    .filter(move |item| visible.is_none_or(|items| !items.contains_key(&item.id)))
                    .map(|item| {
                        let kind = if item.kind == ItemKind::Fact {
                            "Fact"
                        } else {
                            "Problem"
                        };
                        (kind, item.id)
                    })
            })
            .take(20)
            .collect();
        if !hidden.is_empty() {
            let selections: Vec<String> = hidden
                .iter()
                .enumerate()
                .map(|(alias, (kind, id))| {
                    format!(
                        "n{alias}: node(id: \"{}\") {{ id ... on Fact {{ text }} ... on Problem {{ text }} }}",
                        global_id(kind, *id)
                    )
                })
                .collect();
            let response = server
                .graphql(
                    &person.token(),
                    &format!("{{ {} }}", selections.join(" ")),
                    json!({}),
                )
                .await;
            for alias in 0..hidden.len() {
                assert_eq!(
                    response.body["data"][format!("n{alias}")],
                    Value::Null,
                    "{response:?}"
                );
            }
            assert!(
                response
                    .error_codes()
                    .iter()
                    .all(|code| *code == "NOT_FOUND")
                    && response.error_codes().len() == hidden.len(),
                "{response:?}"
            );
        }
    }
    assert!(
        checked_items > 0,
        "the generated cases gave viewers something to see"
    );
    eprintln!("slice property: {checked_items} visible items checked");
}

async fn register(
    store: &persistence::Store,
    slug: &str,
    kind: OrganisationKind,
    municipality: MunicipalityId,
) -> Organisation {
    store
        .insert_organisation(NewOrganisation {
            slug: Slug::parse(slug).unwrap(),
            name: format!("Partner {slug}"),
            kind,
            allowed_roles: OrganisationRole::ALL.iter().copied().collect::<RoleSet>(),
            municipalities: BTreeSet::from([municipality]),
        })
        .await
        .unwrap()
}

/// One random case written through the same persistence calls the API uses: a lead, up to
/// four more members, random consents, and facts and problems by random content writers.
async fn generate_case(
    rng: &mut StdRng,
    store: &persistence::Store,
    people: &[Person],
    municipality: MunicipalityId,
    resident: &domain::resident::Resident,
) -> (CaseId, GeneratedCase) {
    let writers: Vec<usize> = (0..people.len()).filter(|index| index % 2 == 0).collect();
    let lead = *writers.choose(rng).unwrap();
    let mut members = BTreeMap::from([(lead, TeamRole::CaseLead)]);
    let mut others: Vec<usize> = (0..people.len()).filter(|index| *index != lead).collect();
    others.shuffle(rng);
    for index in others.into_iter().take(rng.random_range(0..=4)) {
        let role = if people[index].facilitates() {
            *[
                TeamRole::ProcessFacilitator,
                TeamRole::Coach,
                TeamRole::Member,
            ]
            .choose(rng)
            .unwrap()
        } else {
            TeamRole::Member
        };
        members.insert(index, role);
    }

    let ledger = persistence::access_log::Ledger::new(
        persistence::access_log::OperationContext::internal("test-data"),
    );
    let writer = store.begin_write(&ledger).await.unwrap();
    let lead_viewer = writer.viewer(&people[lead].actor()).await.unwrap();
    let case_id = writer
        .open_case(
            &lead_viewer,
            municipality,
            persistence::cases::ResidentToOpen {
                bsn: resident.bsn.clone(),
                date_of_birth: resident.date_of_birth,
                name: None,
                contact: Default::default(),
            },
        )
        .await
        .unwrap();
    for (index, role) in &members {
        if *index == lead {
            continue;
        }
        let person = &people[*index];
        let invitation = writer
            .invite(
                &lead_viewer,
                case_id,
                person.organisation.id,
                Some(person.actor.as_ref().unwrap().professional_id),
                *role,
                "Bring in the partner".into(),
            )
            .await
            .unwrap();
        let viewer = writer.viewer(&person.actor()).await.unwrap();
        writer
            .decide_invitation(&viewer, invitation, InvitationDecision::Accept, 1)
            .await
            .unwrap();
    }

    let mut consents = BTreeSet::new();
    let organisations: BTreeSet<domain::OrganisationId> =
        people.iter().map(|person| person.organisation.id).collect();
    for organisation in organisations {
        let domains: BTreeSet<LifeDomain> = LifeDomain::ALL
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.3))
            .collect();
        if domains.is_empty() {
            continue;
        }
        writer
            .record_consent(
                &lead_viewer,
                case_id,
                organisation,
                &domains,
                ConsentMethod::Verbal,
            )
            .await
            .unwrap();
        consents.extend(domains.into_iter().map(|domain| (organisation, domain)));
    }

    let content_writers: Vec<usize> = members
        .iter()
        .filter(|(_, role)| **role != TeamRole::ProcessFacilitator)
        .map(|(index, _)| *index)
        .collect();
    let mut items = Vec::new();
    for number in 0..rng.random_range(0..=6) {
        let author = &people[*content_writers.choose(rng).unwrap()];
        let viewer = writer.viewer(&author.actor()).await.unwrap();
        let life_domain = *LifeDomain::ALL.choose(rng).unwrap();
        let sharing = *SharingLevel::ALL.choose(rng).unwrap();
        let text = format!("item {number} of {case_id}");
        let (kind, id, need) = if rng.random_bool(0.7) {
            let need = *Need::ALL.choose(rng).unwrap();
            let id = writer
                .add_fact(
                    &viewer,
                    case_id,
                    NewFact {
                        life_domain,
                        text: text.clone(),
                        amount: None,
                        need,
                        sharing,
                    },
                )
                .await
                .unwrap();
            (ItemKind::Fact, id.0, need)
        } else {
            let id = writer
                .add_problem(
                    &viewer,
                    case_id,
                    NewProblem {
                        kind: domain::case::ProblemKind::Personal,
                        life_domain,
                        text: text.clone(),
                        resident_shares_picture: true,
                        sharing,
                    },
                )
                .await
                .unwrap();
            (ItemKind::Problem, id.0, Need::NeedToKnow)
        };
        items.push(Item {
            kind,
            id,
            text,
            author_organisation: author.organisation.id,
            life_domain,
            sharing,
            need,
        });
    }
    writer.commit().await.unwrap();
    (
        case_id,
        GeneratedCase {
            members,
            consents,
            items,
        },
    )
}

/// Every case the viewer's caseload lists, with the facts and problems they see (text or
/// `None`), read page by page with aliases and fragments.
async fn read_caseload(
    server: &TestServer,
    token: &str,
) -> BTreeMap<CaseId, BTreeMap<uuid::Uuid, Option<String>>> {
    let query = "query($after: String) {
        caseload: cases(first: 100, after: $after) {
            totalCount
            pageInfo { hasNextPage endCursor }
            edges { node { id ...Sliced } }
        }
    }
    fragment Sliced on Case {
        sketch: facts(first: 100) { totalCount edges { node { id text } } }
        analysis: problems(first: 100) { nodes { id text } }
        timeline(first: 100) { pageInfo { hasNextPage } edges { node { kind itemId } } }
    }";
    let mut seen = BTreeMap::new();
    let mut after = Value::Null;
    let mut total = None;
    loop {
        let response = server
            .graphql(token, query, json!({ "after": after }))
            .await;
        let caseload = &response.body["data"]["caseload"];
        assert!(response.body["errors"].is_null(), "{response:?}");
        total.get_or_insert(caseload["totalCount"].as_u64().unwrap());
        for edge in caseload["edges"].as_array().unwrap() {
            let node = &edge["node"];
            let mut items = BTreeMap::new();
            assert_eq!(
                node["sketch"]["totalCount"].as_u64().unwrap() as usize,
                node["sketch"]["edges"].as_array().unwrap().len()
            );
            for fact in node["sketch"]["edges"].as_array().unwrap() {
                let fact = &fact["node"];
                items.insert(
                    decode_id(fact["id"].as_str().unwrap()),
                    fact["text"].as_str().map(str::to_owned),
                );
            }
            for problem in node["analysis"]["nodes"].as_array().unwrap() {
                items.insert(
                    decode_id(problem["id"].as_str().unwrap()),
                    problem["text"].as_str().map(str::to_owned),
                );
            }
            // The timeline refers to exactly the facts and problems the viewer sees: each event
            // is sliced like its item, so the oracle check of the items covers it too.
            assert_eq!(node["timeline"]["pageInfo"]["hasNextPage"], false);
            let on_timeline: BTreeSet<uuid::Uuid> = node["timeline"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|edge| edge["node"]["itemId"].as_str())
                .map(decode_typed_id)
                .filter(|(kind, _)| kind == "Fact" || kind == "Problem")
                .map(|(_, id)| id)
                .collect();
            assert_eq!(
                on_timeline,
                items.keys().copied().collect::<BTreeSet<_>>(),
                "timeline items of case {}",
                node["id"]
            );
            seen.insert(CaseId(decode_id(node["id"].as_str().unwrap())), items);
        }
        if caseload["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = caseload["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        total,
        Some(seen.len() as u64),
        "totalCount matches the pages"
    );
    seen
}

on_both_databases!(every_viewer_sees_exactly_what_the_oracle_allows);
