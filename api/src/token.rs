//! Signing tokens for demo identities (`maatwerk token`).
//!
//! Only development identity providers have a private key in the database, so this can never
//! mint a token that a real organisation's provider would have to issue.

use domain::identity::{IdentityProvider, ProviderKind, ServiceScope};
use domain::{OrganisationRole, Slug};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use persistence::Store;
use serde::Serialize;

/// Whom to sign a token for.
#[derive(Debug, Clone)]
pub enum TokenFor {
    Professional {
        organisation: String,
        person: String,
        roles: Option<Vec<String>>,
    },
    Resident {
        subject: String,
    },
    Service {
        organisation: String,
        scopes: Vec<String>,
    },
    PlatformAdmin,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no organisation with slug `{0}`")]
    UnknownOrganisation(String),
    #[error(
        "{0} has no development identity provider; its tokens come from its own identity provider"
    )]
    NotDevelopment(String),
    #[error("no demo identity `{0}`; `maatwerk token --list` shows them")]
    UnknownIdentity(String),
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    #[error("unknown scope `{0}`")]
    UnknownScope(String),
    #[error("the development key does not load")]
    Key(#[source] jsonwebtoken::errors::Error),
    #[error("could not read the database")]
    Storage(#[from] persistence::Error),
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// One identity a development provider can sign for: what `maatwerk token --list` prints and
/// what the demo sign-in page offers.
#[derive(Debug, Clone)]
pub struct DemoIdentity {
    /// Stable across restarts of one demo: the kind, then the organisation's slug and the
    /// sign-in name where there is one (`professional/buurtteam-amsterdam-west/anna`).
    pub id: String,
    pub target: TokenFor,
    /// The `maatwerk token` arguments that print this identity's token.
    pub command: String,
    pub description: String,
    /// Who signs in: the professional's or resident's name, or the integration's.
    pub name: String,
    pub organisation: Option<domain::Organisation>,
    pub roles: Vec<&'static str>,
}

async fn development_provider(
    store: &Store,
    kind: ProviderKind,
    organisation: Option<&str>,
) -> Result<(IdentityProvider, String), TokenError> {
    let organisation_id = match organisation {
        Some(slug) => {
            let parsed =
                Slug::parse(slug).map_err(|_| TokenError::UnknownOrganisation(slug.into()))?;
            Some(
                store
                    .organisation_by_slug(&parsed)
                    .await?
                    .ok_or_else(|| TokenError::UnknownOrganisation(slug.into()))?
                    .id,
            )
        }
        None => None,
    };
    let who = organisation.map_or_else(|| format!("the {} sign-in", kind.as_str()), str::to_owned);
    let candidates: Vec<IdentityProvider> = store
        .identity_providers()
        .await?
        .into_iter()
        .filter(|provider| provider.kind == kind && provider.organisation_id == organisation_id)
        .collect();
    for provider in candidates
        .into_iter()
        .filter(|provider| provider.development)
    {
        if let Some(key) = store.development_signing_key(provider.id).await? {
            return Ok((provider, key));
        }
    }
    Err(TokenError::NotDevelopment(who))
}

/// Signs a token valid for `lifetime_seconds` for a demo identity.
pub async fn issue(
    store: &Store,
    target: &TokenFor,
    lifetime_seconds: i64,
) -> Result<String, TokenError> {
    let now = chrono::Utc::now().timestamp();
    let (provider, key, subject, name, email, roles, scope) = match target {
        TokenFor::Professional {
            organisation,
            person,
            roles,
        } => {
            let (provider, key) =
                development_provider(store, ProviderKind::Professional, Some(organisation)).await?;
            let professional = store
                .professional_by_subject(provider.id, person)
                .await?
                .ok_or_else(|| TokenError::UnknownIdentity(person.clone()))?;
            let roles: Vec<String> = match roles {
                Some(roles) => {
                    for role in roles {
                        OrganisationRole::parse(role)
                            .ok_or_else(|| TokenError::UnknownRole(role.clone()))?;
                    }
                    roles.clone()
                }
                None => professional
                    .roles
                    .iter()
                    .map(|role| role.as_str().to_owned())
                    .collect(),
            };
            (
                provider,
                key,
                person.clone(),
                Some(professional.name),
                professional.email,
                roles,
                None,
            )
        }
        TokenFor::Resident { subject } => {
            let (provider, key) = development_provider(store, ProviderKind::Resident, None).await?;
            store
                .resident_for_identity(provider.id, subject)
                .await?
                .ok_or_else(|| TokenError::UnknownIdentity(subject.clone()))?;
            (provider, key, subject.clone(), None, None, Vec::new(), None)
        }
        TokenFor::Service {
            organisation,
            scopes,
        } => {
            let (provider, key) =
                development_provider(store, ProviderKind::Service, Some(organisation)).await?;
            for scope in scopes {
                ServiceScope::parse(scope)
                    .ok_or_else(|| TokenError::UnknownScope(scope.clone()))?;
            }
            (
                provider,
                key,
                format!("{organisation}-integration"),
                None,
                None,
                Vec::new(),
                Some(scopes.join(" ")),
            )
        }
        TokenFor::PlatformAdmin => {
            let (provider, key) = development_provider(store, ProviderKind::Platform, None).await?;
            (
                provider,
                key,
                "platform-operator".to_owned(),
                Some("Platform operator".to_owned()),
                None,
                Vec::new(),
                None,
            )
        }
    };
    let claims = Claims {
        iss: &provider.issuer,
        aud: &provider.audience,
        sub: &subject,
        iat: now,
        exp: now + lifetime_seconds,
        name: name.as_deref(),
        email: email.as_deref(),
        roles: roles.iter().map(String::as_str).collect(),
        scope,
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(format!("{}-1", provider.kind.as_str()));
    let key = EncodingKey::from_ed_pem(key.as_bytes()).map_err(TokenError::Key)?;
    jsonwebtoken::encode(&header, &claims, &key).map_err(TokenError::Key)
}

/// Every identity a development provider can sign for, as the command that prints its token.
pub async fn list(store: &Store) -> Result<Vec<DemoIdentity>, TokenError> {
    let mut identities = Vec::new();
    let providers: Vec<IdentityProvider> = store
        .identity_providers()
        .await?
        .into_iter()
        .filter(|provider| provider.development)
        .collect();
    for provider in &providers {
        match provider.kind {
            ProviderKind::Platform => identities.push(DemoIdentity {
                id: "platform".into(),
                target: TokenFor::PlatformAdmin,
                command: "--platform-admin".into(),
                description: "platform operator".into(),
                name: "Platform operator".into(),
                organisation: None,
                roles: Vec::new(),
            }),
            ProviderKind::Professional => {
                let Some(organisation) = provider.organisation_id else {
                    continue;
                };
                let Some(organisation) = store.organisation(organisation).await? else {
                    continue;
                };
                let slug = organisation.slug.as_str();
                for (subject, professional) in store.professionals_of_provider(provider.id).await? {
                    let roles: Vec<&'static str> = professional
                        .roles
                        .iter()
                        .map(|role| role.as_str())
                        .collect();
                    identities.push(DemoIdentity {
                        id: format!("professional/{slug}/{subject}"),
                        target: TokenFor::Professional {
                            organisation: slug.to_owned(),
                            person: subject.clone(),
                            roles: None,
                        },
                        command: format!("--org {slug} --person {subject}"),
                        description: format!(
                            "{} ({}), {}",
                            professional.name,
                            roles.join(", "),
                            organisation.name
                        ),
                        name: professional.name,
                        organisation: Some(organisation.clone()),
                        roles,
                    });
                }
            }
            ProviderKind::Service => {
                let Some(organisation) = provider.organisation_id else {
                    continue;
                };
                let Some(organisation) = store.organisation(organisation).await? else {
                    continue;
                };
                let slug = organisation.slug.as_str();
                if slug == crate::demo::COMMUNITY_WEBSITE {
                    identities.push(DemoIdentity {
                        id: format!("service/{slug}/directory"),
                        target: TokenFor::Service {
                            organisation: slug.to_owned(),
                            scopes: vec!["directory:read".into()],
                        },
                        command: format!("--service {slug} --scopes directory:read"),
                        description: "the maatwerkcommunity website".into(),
                        name: "Maatwerkcommunity website".into(),
                        organisation: Some(organisation.clone()),
                        roles: Vec::new(),
                    });
                }
                identities.push(DemoIdentity {
                    id: format!("service/{slug}"),
                    target: TokenFor::Service {
                        organisation: slug.to_owned(),
                        scopes: vec!["caseload:export".into()],
                    },
                    command: format!("--service {slug} --scopes caseload:export"),
                    description: format!("integration of {}", organisation.name),
                    name: format!("{} integration", organisation.name),
                    organisation: Some(organisation.clone()),
                    roles: Vec::new(),
                });
            }
            ProviderKind::Resident => {
                for (subject, resident_id) in
                    store.resident_identities_of_provider(provider.id).await?
                {
                    // Listing demo identities is the operator's look at the demo's own people.
                    let permit = domain::authz::authorize(
                        domain::authz::Principal::PlatformAdmin,
                        domain::authz::Standing::Unrelated,
                        domain::authz::Action::Node,
                    )
                    .map_err(persistence::Error::from)?;
                    let name = store
                        .resident(&permit, resident_id)
                        .await?
                        .map(|resident| resident.name)
                        .unwrap_or_default();
                    identities.push(DemoIdentity {
                        id: format!("resident/{subject}"),
                        target: TokenFor::Resident {
                            subject: subject.clone(),
                        },
                        command: format!("--resident {subject}"),
                        description: format!("resident {name}"),
                        name,
                        organisation: None,
                        roles: Vec::new(),
                    });
                }
            }
        }
    }
    identities.sort_by(|a, b| a.command.cmp(&b.command));
    Ok(identities)
}
