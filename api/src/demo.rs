//! Demo data: fictional municipalities, organisations, people and residents, each organisation
//! with a development identity provider whose private key stays in the database, so that
//! `maatwerk token` can sign tokens for them. Every name, address and BSN here is made up.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use domain::identity::{KeySource, ProviderKind, SigningAlgorithm};
use domain::resident::Contact;
use domain::{Bsn, MunicipalityCode, OrganisationKind, OrganisationRole, RoleSet, Slug};
use ed25519_dalek::SigningKey;
use persistence::Store;
use persistence::identity::{NewIdentityProvider, SeenProfessional};
use persistence::organisations::{NewOrganisation, OrganisationFilter};
use persistence::residents::NewResident;

/// The audience every demo token is issued for.
pub const AUDIENCE: &str = "maatwerk";
const ISSUER_BASE: &str = "https://login.maatwerk.example";

pub fn professional_issuer(slug: &str) -> String {
    format!("{ISSUER_BASE}/{slug}")
}

pub fn service_issuer(slug: &str) -> String {
    format!("{ISSUER_BASE}/{slug}/integrations")
}

pub fn resident_issuer() -> String {
    format!("{ISSUER_BASE}/residents")
}

pub fn platform_issuer() -> String {
    format!("{ISSUER_BASE}/platform")
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database already holds organisations; demo data is only loaded into an empty database"
    )]
    AlreadyLoaded,
    #[error("could not store the demo data")]
    Storage(#[from] persistence::Error),
    #[error("the demo data is invalid")]
    Invalid(#[from] domain::InvalidInput),
}

struct DemoOrganisation {
    slug: &'static str,
    name: &'static str,
    kind: OrganisationKind,
    municipalities: &'static [&'static str],
    people: &'static [(&'static str, &'static str, &'static [OrganisationRole])],
}

use OrganisationRole::*;

const ORGANISATIONS: &[DemoOrganisation] = &[
    DemoOrganisation {
        slug: "buurtteam-amsterdam-west",
        name: "Buurtteam Amsterdam West",
        kind: OrganisationKind::NeighbourhoodTeam,
        municipalities: &["AMS"],
        people: &[
            ("anna", "Anna de Boer", &[Professional, TeamLead]),
            ("bram", "Bram Kok", &[Professional, Coach]),
            (
                "chantal",
                "Chantal Peters",
                &[Professional, ProcessFacilitator],
            ),
            ("daan", "Daan Mulder", &[PrivacyOfficer]),
            ("eva", "Eva Smits", &[OrgAdmin]),
            ("fenna", "Fenna Jacobs", &[PolicyAnalyst]),
        ],
    },
    DemoOrganisation {
        slug: "okt-nieuw-west",
        name: "Ouder- en Kindteam Nieuw-West",
        kind: OrganisationKind::YouthTeam,
        municipalities: &["AMS"],
        people: &[
            ("gijs", "Gijs van Dam", &[Professional]),
            ("hanna", "Hanna Yilmaz", &[Professional, Coach]),
        ],
    },
    DemoOrganisation {
        slug: "wpi-amsterdam",
        name: "Werk, Participatie en Inkomen Amsterdam",
        kind: OrganisationKind::IncomeDepartment,
        municipalities: &["AMS"],
        people: &[
            ("ilse", "Ilse Vermeulen", &[Professional]),
            ("jamal", "Jamal Haddou", &[Professional, TeamLead]),
            ("karin", "Karin Bos", &[PolicyAnalyst]),
        ],
    },
    DemoOrganisation {
        slug: "woonstad-wonen",
        name: "Woonstad Wonen",
        kind: OrganisationKind::HousingCorporation,
        municipalities: &["AMS", "ZAA"],
        people: &[
            ("lars", "Lars Dekker", &[Professional]),
            ("mila", "Mila Koster", &[Professional, TeamLead]),
        ],
    },
    DemoOrganisation {
        slug: "ggd-amsterdam",
        name: "GGD Amsterdam",
        kind: OrganisationKind::HealthService,
        municipalities: &["AMS"],
        people: &[("nadia", "Nadia Ramdin", &[Professional])],
    },
    DemoOrganisation {
        slug: "westpunt-college",
        name: "Westpunt College",
        kind: OrganisationKind::School,
        municipalities: &["AMS"],
        people: &[("otto", "Otto Brouwer", &[Professional])],
    },
    DemoOrganisation {
        slug: "uwv-noord-holland",
        name: "UWV Noord-Holland",
        kind: OrganisationKind::EmploymentAgency,
        municipalities: &["AMS", "ZAA"],
        people: &[("pim", "Pim Verhoeven", &[Professional])],
    },
    DemoOrganisation {
        slug: "doorbraakteam-amsterdam",
        name: "Doorbraakteam Amsterdam",
        kind: OrganisationKind::BreakthroughTeam,
        municipalities: &["AMS"],
        people: &[("quinta", "Quinta Maas", &[Professional, TeamLead, Coach])],
    },
    DemoOrganisation {
        slug: "buurtteam-zaanstad",
        name: "Buurtteam Zaanstad",
        kind: OrganisationKind::NeighbourhoodTeam,
        municipalities: &["ZAA"],
        people: &[
            ("rosa", "Rosa Timmer", &[Professional, ProcessFacilitator]),
            ("sem", "Sem Willems", &[Professional, Coach]),
        ],
    },
    DemoOrganisation {
        slug: "werk-en-inkomen-zaanstad",
        name: "Werk en Inkomen Zaanstad",
        kind: OrganisationKind::IncomeDepartment,
        municipalities: &["ZAA"],
        people: &[("tess", "Tess Hoekstra", &[Professional])],
    },
    DemoOrganisation {
        slug: "schuldhulp-zaanstreek",
        name: "Schuldhulp Zaanstreek",
        kind: OrganisationKind::Other,
        municipalities: &["ZAA"],
        people: &[("umar", "Umar Benali", &[Professional])],
    },
];

struct DemoResident {
    subject: &'static str,
    name: &'static str,
    born: (i32, u32, u32),
    bsn: &'static str,
    email: &'static str,
    phone: &'static str,
    address: &'static str,
}

const RESIDENTS: &[DemoResident] = &[];

/// The professional `serve --demo` prints a token for.
pub const SHOWCASE_PERSON: (&str, &str) = ("buurtteam-amsterdam-west", "anna");

/// A fresh Ed25519 key pair: the private key as PKCS#8 PEM and the public key as a JWKS.
pub fn development_key_pair(kid: &str) -> (String, String) {
    let signing_key = SigningKey::generate(&mut rand::rngs::OsRng);
    // PKCS#8 v1 for Ed25519 is a fixed 16-byte prefix followed by the 32-byte seed (RFC 8410).
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&signing_key.to_bytes());
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(&der)
    );
    let public = URL_SAFE_NO_PAD.encode(signing_key.verifying_key().to_bytes());
    let jwks = serde_json::json!({
        "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": public, "kid": kid, "alg": "EdDSA", "use": "sig" }]
    });
    (pem, jwks.to_string())
}

async fn development_provider(
    store: &Store,
    kind: ProviderKind,
    organisation_id: Option<domain::OrganisationId>,
    name: String,
    issuer: String,
) -> Result<domain::identity::IdentityProvider, DemoError> {
    let (private_key, jwks) = development_key_pair(&format!("{}-1", kind.as_str()));
    Ok(store
        .insert_identity_provider(NewIdentityProvider {
            kind,
            organisation_id,
            name,
            issuer,
            audience: AUDIENCE.into(),
            algorithms: BTreeSet::from([SigningAlgorithm::EdDsa]),
            keys: KeySource::Inline(jwks),
            development_signing_key: Some(private_key),
        })
        .await?)
}

/// Loads the demo data into an empty database.
pub async fn load(store: &Store) -> Result<(), DemoError> {
    if store
        .count_organisations(&OrganisationFilter::default())
        .await?
        > 0
    {
        return Err(DemoError::AlreadyLoaded);
    }
    let amsterdam = store
        .insert_municipality(MunicipalityCode::parse("AMS")?, "Amsterdam".into())
        .await?;
    let zaanstad = store
        .insert_municipality(MunicipalityCode::parse("ZAA")?, "Zaanstad".into())
        .await?;
    development_provider(
        store,
        ProviderKind::Platform,
        None,
        "Platform operator (development)".into(),
        platform_issuer(),
    )
    .await?;

    for demo in ORGANISATIONS {
        let municipalities = demo
            .municipalities
            .iter()
            .map(|code| {
                if *code == "AMS" {
                    amsterdam.id
                } else {
                    zaanstad.id
                }
            })
            .collect();
        let organisation = store
            .insert_organisation(NewOrganisation {
                slug: Slug::parse(demo.slug)?,
                name: demo.name.into(),
                kind: demo.kind,
                allowed_roles: OrganisationRole::ALL.iter().copied().collect(),
                municipalities,
            })
            .await?;
        let provider = development_provider(
            store,
            ProviderKind::Professional,
            Some(organisation.id),
            format!("{} staff sign-in (development)", demo.name),
            professional_issuer(demo.slug),
        )
        .await?;
        development_provider(
            store,
            ProviderKind::Service,
            Some(organisation.id),
            format!("{} integrations (development)", demo.name),
            service_issuer(demo.slug),
        )
        .await?;
        for (subject, name, roles) in demo.people {
            store
                .record_professional_sign_in(SeenProfessional {
                    identity_provider_id: provider.id,
                    subject: (*subject).into(),
                    organisation_id: organisation.id,
                    name: (*name).into(),
                    email: Some(format!("{subject}@{}.example", demo.slug)),
                    roles: roles.iter().copied().collect::<RoleSet>(),
                })
                .await?;
        }
    }

    let residents_provider = development_provider(
        store,
        ProviderKind::Resident,
        None,
        "Resident sign-in (development)".into(),
        resident_issuer(),
    )
    .await?;
    for demo in RESIDENTS {
        let (year, month, day) = demo.born;
        let resident = store
            .insert_resident(NewResident {
                name: demo.name.into(),
                date_of_birth: NaiveDate::from_ymd_opt(year, month, day).expect("valid demo date"),
                contact: Contact {
                    email: Some(demo.email.into()),
                    phone: Some(demo.phone.into()),
                    address: Some(demo.address.into()),
                },
                bsn: Some(Bsn::parse(demo.bsn)?),
            })
            .await?;
        store
            .link_resident_identity(residents_provider.id, demo.subject, resident.id)
            .await?;
    }
    Ok(())
}
