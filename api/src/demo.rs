//! Demo data: fictional municipalities, organisations, people and residents, each organisation
//! with a development identity provider whose private key stays in the database, so that
//! `maatwerk token` can sign tokens for them, and three cases (`cases`) that those tokens see
//! different slices of. Every name, address, BSN and case here is made up.
//!
//! Demo data is only loaded into an empty database: `populate` refuses with
//! [`DemoError::AlreadyLoaded`] once organisations exist, so running it twice changes nothing.

mod cases;
mod mandates;

use std::collections::{BTreeSet, HashMap};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use domain::directory::DirectoryDetails;
use domain::identity::{KeySource, ProfessionalActor, ProviderKind, SigningAlgorithm};
use domain::resident::Contact;
use domain::{
    Bsn, MunicipalityCode, MunicipalityId, OrganisationId, OrganisationKind, OrganisationRole,
    ResidentId, RoleSet, Slug,
};
use ed25519_dalek::SigningKey;
use persistence::Store;
use persistence::identity::{NewIdentityProvider, SeenProfessional};
use persistence::organisations::{NewOrganisation, OrganisationFilter};
use persistence::residents::NewResident;

pub use cases::{SHOWCASE_VIEWERS, Showcase};

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
    #[error("the demo data names an unknown {0} `{1}`")]
    Unknown(&'static str, &'static str),
}

impl From<domain::authz::Refusal> for DemoError {
    fn from(refusal: domain::authz::Refusal) -> Self {
        DemoError::Storage(refusal.into())
    }
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
            ("vera", "Vera Jansen", &[Professional]),
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
        people: &[
            ("tess", "Tess Hoekstra", &[Professional]),
            ("wouter", "Wouter Schouten", &[PolicyAnalyst]),
        ],
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

const RESIDENTS: &[DemoResident] = &[
    DemoResident {
        subject: "samira",
        name: "Samira Bakker",
        born: (1987, 3, 14),
        bsn: "171973069",
        email: "samira.bakker@example.org",
        phone: "06-10000001",
        address: "Voorbeeldstraat 12-2, 1055 AA Amsterdam",
    },
    DemoResident {
        subject: "jeroen",
        name: "Jeroen Hendriks",
        born: (1969, 11, 2),
        bsn: "617151283",
        email: "jeroen.hendriks@example.org",
        phone: "06-10000002",
        address: "Proefplein 3, 1064 BB Amsterdam",
    },
    DemoResident {
        subject: "noor",
        name: "Noor Visser",
        born: (2004, 6, 21),
        bsn: "435932421",
        email: "noor.visser@example.org",
        phone: "06-10000003",
        address: "Testkade 88, 1061 CC Amsterdam",
    },
    DemoResident {
        subject: "kees",
        name: "Kees Smit",
        born: (1958, 1, 30),
        bsn: "931773490",
        email: "kees.smit@example.org",
        phone: "06-10000004",
        address: "Demoweg 7, 1503 DD Zaandam",
    },
    // The residents of the neighbourhood team's earlier cases (`history`).
    DemoResident {
        subject: "dewi",
        name: "Dewi Pranoto",
        born: (2006, 9, 12),
        bsn: "908301662",
        email: "dewi.pranoto@example.org",
        phone: "06-10000005",
        address: "Oefenlaan 21-3, 1056 EE Amsterdam",
    },
    DemoResident {
        subject: "ruud",
        name: "Ruud Vos",
        born: (1975, 4, 3),
        bsn: "131860914",
        email: "ruud.vos@example.org",
        phone: "06-10000006",
        address: "Schetsstraat 5-1, 1057 FF Amsterdam",
    },
    DemoResident {
        subject: "ingrid",
        name: "Ingrid Meijer",
        born: (1990, 12, 19),
        bsn: "390996038",
        email: "ingrid.meijer@example.org",
        phone: "06-10000007",
        address: "Modelgracht 40, 1053 GG Amsterdam",
    },
    DemoResident {
        subject: "yusuf",
        name: "Yusuf Kaya",
        born: (1983, 7, 27),
        bsn: "948219932",
        email: "yusuf.kaya@example.org",
        phone: "06-10000008",
        address: "Ontwerpweg 9-2, 1062 HH Amsterdam",
    },
    DemoResident {
        subject: "lotte",
        name: "Lotte de Wit",
        born: (1995, 2, 8),
        bsn: "518190936",
        email: "lotte.dewit@example.org",
        phone: "06-10000009",
        address: "Kladpad 14, 1058 JJ Amsterdam",
    },
];

/// The professional `serve --demo` prints a token for.
pub const SHOWCASE_PERSON: (&str, &str) = ("buurtteam-amsterdam-west", "anna");

/// The organisation whose integration runs the maatwerkcommunity website in the demo: its
/// service token reads the directory of coaches (`directory:read`) and nothing else.
pub const COMMUNITY_WEBSITE: &str = "doorbraakteam-amsterdam";

/// A fresh Ed25519 key pair: the private key as PKCS#8 PEM and the public key as a JWKS.
pub fn development_key_pair(kid: &str) -> (String, String) {
    let signing_key = SigningKey::generate(&mut rand::rand_core::UnwrapErr(rand::rngs::SysRng));
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

/// Loads the demo data into an empty database and prints which demo case to look at, and as
/// whom.
pub async fn load(store: &Store) -> Result<(), DemoError> {
    let showcase = populate(store).await?;
    println!("{}", showcase.hint(&crate::cli::program()));
    Ok(())
}

/// Loads the demo data into an empty database: municipalities, organisations with their
/// people, residents, and the demo cases.
pub async fn populate(store: &Store) -> Result<Showcase, DemoError> {
    if store
        .count_organisations(&OrganisationFilter::default())
        .await?
        > 0
    {
        return Err(DemoError::AlreadyLoaded);
    }
    let mut cast = Cast::default();
    for (code, name) in [("AMS", "Amsterdam"), ("ZAA", "Zaanstad")] {
        let municipality = store
            .insert_municipality(MunicipalityCode::parse(code)?, name.into())
            .await?;
        cast.municipalities.insert(code, municipality.id);
    }
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
            .map(|code| cast.municipality(code))
            .collect::<Result<_, _>>()?;
        let organisation = store
            .insert_organisation(NewOrganisation {
                slug: Slug::parse(demo.slug)?,
                name: demo.name.into(),
                kind: demo.kind,
                allowed_roles: OrganisationRole::ALL.iter().copied().collect(),
                municipalities,
            })
            .await?;
        cast.organisations.insert(demo.slug, organisation.id);
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
            let professional = store
                .record_professional_sign_in(SeenProfessional {
                    identity_provider_id: provider.id,
                    subject: (*subject).into(),
                    organisation_id: organisation.id,
                    name: (*name).into(),
                    email: Some(format!("{subject}@{}.example", demo.slug)),
                    roles: roles.iter().copied().collect::<RoleSet>(),
                })
                .await?;
            // The actor a token for this person would establish.
            cast.professionals.insert(
                subject,
                ProfessionalActor {
                    professional_id: professional.id,
                    organisation_id: organisation.id,
                    organisation_kind: organisation.kind,
                    roles: professional.roles,
                },
            );
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
        cast.residents.insert(demo.subject, resident.id);
    }

    let budget = mandates::grant(store, &cast).await?;
    let showcase = cases::write(store, &cast, budget).await?;
    for (person, expertise, availability) in DIRECTORY_ENTRIES {
        let professional = cast.professional(person)?;
        let expertise: Vec<String> = expertise.iter().map(|tag| (*tag).to_owned()).collect();
        let details =
            DirectoryDetails::parse(&expertise, None, None, Some(availability), BTreeSet::new())?;
        store
            .save_directory_entry(professional.professional_id, details, 0)
            .await?;
    }
    Ok(showcase)
}

/// What three of the four coaches tell the maatwerkcommunity about themselves; Bram has not
/// filled in his entry yet.
const DIRECTORY_ENTRIES: &[(&str, &[&str], &str)] = &[
    (
        "hanna",
        &["youth", "parenting", "school-absence"],
        "Mondays and Wednesdays",
    ),
    (
        "quinta",
        &["exceptions", "breakthrough", "young-adults"],
        "Every weekday; urgent questions by phone",
    ),
    (
        "sem",
        &["energy-poverty", "elderly", "loneliness"],
        "Tuesday to Thursday",
    ),
];

/// The demo's people and places by their demo names, as the case rules know them.
#[derive(Default)]
struct Cast {
    municipalities: HashMap<&'static str, MunicipalityId>,
    organisations: HashMap<&'static str, OrganisationId>,
    professionals: HashMap<&'static str, ProfessionalActor>,
    residents: HashMap<&'static str, ResidentId>,
}

impl Cast {
    fn municipality(&self, code: &'static str) -> Result<MunicipalityId, DemoError> {
        self.municipalities
            .get(code)
            .copied()
            .ok_or(DemoError::Unknown("municipality", code))
    }

    fn organisation(&self, slug: &'static str) -> Result<OrganisationId, DemoError> {
        self.organisations
            .get(slug)
            .copied()
            .ok_or(DemoError::Unknown("organisation", slug))
    }

    fn professional(&self, person: &'static str) -> Result<&ProfessionalActor, DemoError> {
        self.professionals
            .get(person)
            .ok_or(DemoError::Unknown("professional", person))
    }

    /// How the professional opening a case identifies the resident: BSN and date of birth.
    fn resident_to_open(
        &self,
        subject: &'static str,
    ) -> Result<persistence::cases::ResidentToOpen, DemoError> {
        let demo = RESIDENTS
            .iter()
            .find(|demo| demo.subject == subject)
            .ok_or(DemoError::Unknown("resident", subject))?;
        let (year, month, day) = demo.born;
        Ok(persistence::cases::ResidentToOpen {
            bsn: Some(Bsn::parse(demo.bsn)?),
            date_of_birth: NaiveDate::from_ymd_opt(year, month, day).expect("valid demo date"),
            name: None,
            contact: Contact::default(),
        })
    }

    fn resident(&self, subject: &'static str) -> Result<ResidentId, DemoError> {
        self.residents
            .get(subject)
            .copied()
            .ok_or(DemoError::Unknown("resident", subject))
    }
}
