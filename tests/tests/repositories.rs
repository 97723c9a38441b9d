//! The repository contract, run against SQLite and PostgreSQL alike.

use std::collections::BTreeSet;

use domain::resident::Contact;
use domain::{
    Bsn, KindPolicy, LifeDomain, MunicipalityCode, OrganisationKind, OrganisationRole, Slug,
};
use maatwerk_tests::{TestDatabase, TestKey, on_both_databases, register_provider};
use persistence::identity::SeenProfessional;
use persistence::organisations::{NewOrganisation, OrganisationFilter};
use persistence::residents::NewResident;

async fn municipalities_are_unique_by_code(database: TestDatabase) {
    let store = database.store().await;
    let amsterdam = store
        .insert_municipality(MunicipalityCode::parse("AMS").unwrap(), "Amsterdam".into())
        .await
        .unwrap();
    let again = store
        .insert_municipality(
            MunicipalityCode::parse("AMS").unwrap(),
            "Amsterdam again".into(),
        )
        .await;
    assert!(
        matches!(again, Err(persistence::Error::Conflict(_))),
        "{again:?}"
    );
    assert_eq!(
        store.municipalities().await.unwrap(),
        vec![amsterdam.clone()]
    );
    assert_eq!(
        store.municipality_by_code(&amsterdam.code).await.unwrap(),
        Some(amsterdam)
    );
}

async fn organisations_round_trip_and_page_by_name(database: TestDatabase) {
    let store = database.store().await;
    let amsterdam = store
        .insert_municipality(MunicipalityCode::parse("AMS").unwrap(), "Amsterdam".into())
        .await
        .unwrap();
    let zaanstad = store
        .insert_municipality(MunicipalityCode::parse("ZAA").unwrap(), "Zaanstad".into())
        .await
        .unwrap();
    let mut inserted = Vec::new();
    for (index, name) in [
        "Woonstad",
        "Buurtteam West",
        "GGD",
        "Buurtteam Oost",
        "Doorbraakteam",
    ]
    .iter()
    .enumerate()
    {
        let municipalities = if index % 2 == 0 {
            BTreeSet::from([amsterdam.id])
        } else {
            BTreeSet::from([amsterdam.id, zaanstad.id])
        };
        let organisation = store
            .insert_organisation(NewOrganisation {
                slug: Slug::parse(&format!("organisation-{index}")).unwrap(),
                name: (*name).into(),
                kind: if name.starts_with("Buurtteam") {
                    OrganisationKind::NeighbourhoodTeam
                } else {
                    OrganisationKind::Other
                },
                allowed_roles: BTreeSet::from([
                    OrganisationRole::Professional,
                    OrganisationRole::Coach,
                ]),
                municipalities,
            })
            .await
            .unwrap();
        assert_eq!(
            store.organisation(organisation.id).await.unwrap(),
            Some(organisation.clone())
        );
        inserted.push(organisation);
    }
    let duplicate = store
        .insert_organisation(NewOrganisation {
            slug: inserted[0].slug.clone(),
            name: "Duplicate".into(),
            kind: OrganisationKind::Other,
            allowed_roles: BTreeSet::new(),
            municipalities: BTreeSet::from([amsterdam.id]),
        })
        .await;
    assert!(
        matches!(duplicate, Err(persistence::Error::Conflict(_))),
        "{duplicate:?}"
    );

    // Walk the pages two at a time; the oracle is the inserted list sorted by name.
    let mut expected = inserted.clone();
    expected.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .organisations(&OrganisationFilter::default(), after.as_ref(), 2)
            .await
            .unwrap();
        seen.extend(page.items.iter().cloned());
        if !page.has_next_page {
            break;
        }
        let last = page.items.last().unwrap();
        after = Some(persistence::organisations::OrganisationCursor {
            name: last.name.clone(),
            id: last.id,
        });
    }
    assert_eq!(seen, expected);

    let in_zaanstad = OrganisationFilter {
        municipality: Some(zaanstad.id),
        ..Default::default()
    };
    assert_eq!(store.count_organisations(&in_zaanstad).await.unwrap(), 2);
    let teams = OrganisationFilter {
        kind: Some(OrganisationKind::NeighbourhoodTeam),
        ..Default::default()
    };
    let names: Vec<String> = store
        .organisations(&teams, None, 10)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Buurtteam Oost", "Buurtteam West"]);
}

async fn kind_policies_start_at_the_defaults_and_change_only_at_the_current_version(
    database: TestDatabase,
) {
    let store = database.store().await;
    let stored: Vec<KindPolicy> = store
        .kind_policies()
        .await
        .unwrap()
        .into_iter()
        .map(|versioned| versioned.policy)
        .collect();
    let mut defaults = KindPolicy::defaults();
    defaults.sort_by_key(|policy| policy.kind);
    assert_eq!(stored, defaults);

    let school = store.kind_policy(OrganisationKind::School).await.unwrap();
    let wider = KindPolicy {
        life_domains: BTreeSet::from([
            LifeDomain::Profile,
            LifeDomain::YouthAndEducation,
            LifeDomain::Health,
        ]),
        ..school.policy.clone()
    };
    let changed = store
        .replace_kind_policy(&wider, school.version)
        .await
        .unwrap();
    assert_eq!(changed.version, school.version + 1);
    assert_eq!(
        store.kind_policy(OrganisationKind::School).await.unwrap(),
        changed
    );

    // A second writer with the old version changes nothing.
    let narrower = KindPolicy {
        life_domains: BTreeSet::from([LifeDomain::Profile]),
        ..school.policy.clone()
    };
    let stale = store.replace_kind_policy(&narrower, school.version).await;
    assert!(
        matches!(stale, Err(persistence::Error::Conflict(_))),
        "{stale:?}"
    );
    assert_eq!(
        store.kind_policy(OrganisationKind::School).await.unwrap(),
        changed
    );
}

async fn professionals_are_created_once_and_refreshed(database: TestDatabase) {
    let store = database.store().await;
    let amsterdam = store
        .insert_municipality(MunicipalityCode::parse("AMS").unwrap(), "Amsterdam".into())
        .await
        .unwrap();
    let organisation = store
        .insert_organisation(NewOrganisation {
            slug: Slug::parse("buurtteam").unwrap(),
            name: "Buurtteam".into(),
            kind: OrganisationKind::NeighbourhoodTeam,
            allowed_roles: OrganisationRole::ALL.iter().copied().collect(),
            municipalities: BTreeSet::from([amsterdam.id]),
        })
        .await
        .unwrap();
    let provider = register_provider(
        &store,
        domain::identity::ProviderKind::Professional,
        Some(&organisation),
        "https://login.test",
        TestKey::EdDsa,
    )
    .await;
    let seen = |name: &str, roles: &[OrganisationRole]| SeenProfessional {
        identity_provider_id: provider.id,
        subject: "anna".into(),
        organisation_id: organisation.id,
        name: name.into(),
        email: None,
        roles: roles.iter().copied().collect(),
    };
    let first = store
        .record_professional_sign_in(seen("Anna", &[OrganisationRole::Professional]))
        .await
        .unwrap();
    let second = store
        .record_professional_sign_in(seen("Anna de Boer", &[OrganisationRole::Coach]))
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    let stored = store
        .professional_by_subject(provider.id, "anna")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "Anna de Boer");
    assert_eq!(stored.roles, BTreeSet::from([OrganisationRole::Coach]));
    assert_eq!(
        store
            .professionals_of_organisation(organisation.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn residents_keep_their_bsn_and_identity(database: TestDatabase) {
    let store = database.store().await;
    let new = NewResident {
        name: "Samira Bakker".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1987, 3, 14).unwrap(),
        contact: Contact {
            email: Some("samira@example.org".into()),
            phone: None,
            address: None,
        },
        bsn: Some(Bsn::parse("171973069").unwrap()),
    };
    let resident = store.insert_resident(new.clone()).await.unwrap();
    // The resident reading their own record, as `me { resident }` does.
    let permit = domain::authz::authorize(
        domain::authz::Principal::Resident,
        domain::authz::Standing::Unrelated,
        domain::authz::Action::Me,
    )
    .unwrap();
    assert_eq!(
        store.resident(&permit, resident.id).await.unwrap(),
        Some(resident.clone())
    );
    let other = domain::authz::authorize(
        domain::authz::Principal::Resident,
        domain::authz::Standing::Unrelated,
        domain::authz::Action::Cases,
    )
    .unwrap();
    assert!(
        store.resident(&other, resident.id).await.is_err(),
        "a permit for another action opens nothing"
    );
    assert!(matches!(
        store.insert_resident(new).await,
        Err(persistence::Error::Conflict(_))
    ));

    let provider = register_provider(
        &store,
        domain::identity::ProviderKind::Resident,
        None,
        "https://residents.test",
        TestKey::EdDsa,
    )
    .await;
    store
        .link_resident_identity(provider.id, "samira", resident.id)
        .await
        .unwrap();
    assert_eq!(
        store
            .resident_for_identity(provider.id, "samira")
            .await
            .unwrap(),
        Some(resident.id)
    );
    assert_eq!(
        store
            .resident_for_identity(provider.id, "someone-else")
            .await
            .unwrap(),
        None
    );
}

on_both_databases!(
    municipalities_are_unique_by_code,
    organisations_round_trip_and_page_by_name,
    kind_policies_start_at_the_defaults_and_change_only_at_the_current_version,
    professionals_are_created_once_and_refreshed,
    residents_keep_their_bsn_and_identity,
);
