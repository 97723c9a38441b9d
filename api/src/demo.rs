//! Demo data: fictional municipalities, organisations, people and residents, each organisation
//! with a development identity provider whose private key stays in the database, so that
//! `maatwerk token` can sign tokens for them, and three cases that those tokens see different
//! slices of, after the neighbourhood team's earlier cases. Every name, address, BSN and case
//! here is made up.
//!
//! The content is data: the places and people (`people`), the mandates and budget
//! (`mandates`), and one story per case (`stories`). `populate` stores the people, and `play`
//! writes the stories through the same rules the API obeys.
//!
//! Demo data is only loaded into an empty database: `populate` refuses with
//! [`DemoError::AlreadyLoaded`] once organisations exist, so running it twice changes nothing.

mod cast;
mod error;
mod mandates;
mod people;
mod play;
mod showcase;
mod stories;

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use domain::directory::DirectoryDetails;
use domain::identity::{KeySource, ProfessionalActor, ProviderKind, SigningAlgorithm};
use domain::resident::Contact;
use domain::{Bsn, MunicipalityCode, OrganisationRole, RoleSet, Slug};
use ed25519_dalek::SigningKey;
use persistence::Store;
use persistence::identity::{NewIdentityProvider, SeenProfessional};
use persistence::organisations::{NewOrganisation, OrganisationFilter};
use persistence::residents::NewResident;

use cast::Cast;
use people::{DIRECTORY_ENTRIES, MUNICIPALITIES, ORGANISATIONS, RESIDENTS};

pub use error::DemoError;
pub use showcase::{SHOWCASE_VIEWERS, Showcase};

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
    println!("{}", showcase.hint(&crate::invocation::program()));
    Ok(())
}

/// Loads the demo data into an empty database: municipalities, organisations with their
/// people, residents, and the demo cases.
pub async fn populate(store: &Store) -> Result<Showcase, DemoError> {
    // All or nothing: a load that fails midway leaves the database empty, so it can be
    // loaded again.
    store
        .in_one_transaction(async |store: &Store| populate_within(store).await)
        .await
}

async fn populate_within(store: &Store) -> Result<Showcase, DemoError> {
    if store
        .count_organisations(&OrganisationFilter::default())
        .await?
        > 0
    {
        return Err(DemoError::AlreadyLoaded);
    }
    let mut cast = Cast::default();
    for &(code, name) in MUNICIPALITIES {
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
    let showcase = play::write(store, &cast, budget).await?;
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
