//! Who is asking: verifies a bearer token against the identity provider it names and turns it
//! into a [`domain::identity::Actor`] (DOMAIN.md §4, RFC 8725).
//!
//! The token's `iss` and `aud` only say which registered provider to check it against. The
//! algorithm is pinned by that provider's registration (asymmetric only), the key comes from
//! the provider's key set, and the organisation comes from the provider, never from a claim.

pub mod keys;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::identity::{
    self, Actor, IdentityProvider, PlatformAdminActor, ProfessionalActor, ProviderKind,
    ResidentActor, ServiceActor, SigningAlgorithm, TokenLimits, TokenRejection, TokenTimes,
};
use domain::{Organisation, OrganisationId};
use jsonwebtoken::{Algorithm, Validation};
use persistence::Store;
use persistence::identity::SeenProfessional;
use serde::{Deserialize, Deserializer};

use crate::settings::AuthSettings;
pub use keys::KeyCache;

/// Why a token was refused. Logged for operators; the client only learns `UNAUTHENTICATED`.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    #[error("no bearer token")]
    Missing,
    #[error("token is not a well-formed JWS")]
    Malformed,
    #[error("no identity provider is registered for this issuer and audience")]
    UnknownProvider,
    /// RFC 7515 §4.1.11: a recipient must refuse a JWS whose `crit` names an extension it does
    /// not understand, and this server understands none.
    #[error("token marks header parameters as critical")]
    CriticalHeader,
    #[error("algorithm is not allowed for this identity provider")]
    AlgorithmNotAllowed,
    #[error("no key of the identity provider matches the token")]
    UnknownKey,
    #[error("token failed verification")]
    Invalid(#[source] jsonwebtoken::errors::Error),
    #[error(transparent)]
    Rejected(#[from] TokenRejection),
    #[error("no resident is known for this identity")]
    UnknownResident,
    #[error("identity provider belongs to no organisation")]
    ProviderWithoutOrganisation,
    #[error("could not check the token")]
    Storage(#[source] persistence::Error),
}

impl AuthFailure {
    /// Why, as the metrics count it: one of a fixed set of names.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing",
            AuthFailure::Malformed => "malformed",
            AuthFailure::UnknownProvider => "unknown_provider",
            AuthFailure::CriticalHeader => "critical_header",
            AuthFailure::AlgorithmNotAllowed => "algorithm_not_allowed",
            AuthFailure::UnknownKey => "unknown_key",
            AuthFailure::Invalid(error) => match error.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => "invalid_signature",
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "expired",
                jsonwebtoken::errors::ErrorKind::ImmatureSignature => "not_yet_valid",
                jsonwebtoken::errors::ErrorKind::InvalidAudience => "wrong_audience",
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => "wrong_issuer",
                _ => "invalid",
            },
            AuthFailure::Rejected(rejection) => match rejection {
                TokenRejection::Expired => "expired",
                TokenRejection::NotYetValid => "not_yet_valid",
                TokenRejection::IssuedInFuture => "issued_in_future",
                TokenRejection::LifetimeTooLong => "lifetime_too_long",
                TokenRejection::OrganisationMismatch => "organisation_mismatch",
                TokenRejection::RoleNotAllowed => "role_not_allowed",
                TokenRejection::BadSubject => "bad_subject",
            },
            AuthFailure::UnknownResident => "unknown_resident",
            AuthFailure::ProviderWithoutOrganisation => "provider_without_organisation",
            AuthFailure::Storage(_) => "storage",
        }
    }

    /// Failures that are ours rather than the token's; these become `INTERNAL`, not 401.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            AuthFailure::Storage(_) | AuthFailure::ProviderWithoutOrganisation
        )
    }
}

impl From<persistence::Error> for AuthFailure {
    fn from(error: persistence::Error) -> Self {
        AuthFailure::Storage(error)
    }
}

/// A provider with its organisation, as cached between requests.
#[derive(Debug, Clone)]
struct ProviderEntry {
    provider: IdentityProvider,
    organisation: Option<Organisation>,
}

impl ProviderEntry {
    /// The organisation an organisation's provider speaks for; a token may name it only to
    /// confirm it.
    fn organisation_of(&self, claims: &Claims) -> Result<&Organisation, AuthFailure> {
        let organisation = self
            .organisation
            .as_ref()
            .ok_or(AuthFailure::ProviderWithoutOrganisation)?;
        identity::check_organisation_claim(
            claims.organisation.as_deref(),
            organisation.slug.as_str(),
        )?;
        Ok(organisation)
    }
}

/// How long provider registrations are trusted before they are read again; registrations
/// made through this server take effect at once (see [`Authenticator::forget_providers`]).
const PROVIDER_CACHE: Duration = Duration::from_secs(30);

/// The providers of one issuer and when they were read.
type CachedProviders = (Instant, Arc<Vec<ProviderEntry>>);

/// How long a verified token is served from memory before it is verified again, at most: the
/// same bound as the providers it was verified against. A token is never served past its own
/// expiry, and a registration made through this server forgets every verified token.
const VERIFIED_CACHE: Duration = PROVIDER_CACHE;

/// How many verified tokens are kept; beyond it the least used are verified again.
const VERIFIED_CAPACITY: u64 = 10_000;

pub struct Authenticator {
    store: Store,
    limits: TokenLimits,
    keys: KeyCache,
    providers: RwLock<HashMap<String, CachedProviders>>,
    /// Verified tokens by the SHA-256 of the token, so the token itself is not kept, with the
    /// key-set generation they were verified under.
    verified: moka::sync::Cache<[u8; 32], (Verified, u64)>,
}

/// A verified token: who it speaks for and until when. The token itself is not kept, so it
/// cannot end up in a log or a debug print.
#[derive(Debug, Clone)]
pub struct Verified {
    pub actor: Actor,
    /// Unix seconds from which the token is refused: its `exp` plus the clock leeway.
    pub usable_until: i64,
}

/// The claims the platform reads. Unknown claims are ignored.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    nbf: Option<i64>,
    iat: Option<i64>,
    name: Option<String>,
    email: Option<String>,
    #[serde(default, deserialize_with = "list_or_words")]
    roles: Vec<String>,
    organisation: Option<String>,
    scope: Option<String>,
}

/// Identity providers send roles as a JSON list or as one space-separated string.
fn list_or_words<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrWords {
        List(Vec<String>),
        Words(String),
    }
    Ok(match ListOrWords::deserialize(deserializer)? {
        ListOrWords::List(list) => list,
        ListOrWords::Words(words) => words.split_whitespace().map(str::to_owned).collect(),
    })
}

/// What the unverified payload says about where the token comes from.
#[derive(Debug, Deserialize)]
struct Addressing {
    iss: String,
    aud: Audience,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(one) => one == audience,
            Audience::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}

pub fn jwt_algorithm(algorithm: SigningAlgorithm) -> Algorithm {
    match algorithm {
        SigningAlgorithm::Es256 => Algorithm::ES256,
        SigningAlgorithm::Rs256 => Algorithm::RS256,
        SigningAlgorithm::EdDsa => Algorithm::EdDSA,
    }
}

impl Authenticator {
    pub fn new(store: Store, limits: TokenLimits, settings: &AuthSettings) -> Self {
        Self {
            keys: KeyCache::new(
                Duration::from_secs(settings.jwks_refresh_interval_seconds),
                Duration::from_secs(settings.jwks_cache_seconds),
                settings.jwks_max_bytes,
            ),
            store,
            limits,
            providers: RwLock::new(HashMap::new()),
            verified: moka::sync::Cache::builder()
                .max_capacity(VERIFIED_CAPACITY)
                .time_to_live(VERIFIED_CACHE)
                .build(),
        }
    }

    /// Drops cached provider registrations, after a registration changed.
    /// The key set URL of `issuer`, from its OpenID Connect discovery document.
    pub async fn discover_key_set_url(&self, issuer: &str) -> Result<String, keys::FetchError> {
        self.keys.discover(issuer).await
    }

    pub fn forget_providers(&self) {
        self.providers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        self.verified.invalidate_all();
    }

    /// Verifies `token` and establishes the actor it speaks for.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AuthFailure> {
        Ok(self.verify(token).await?.actor)
    }

    /// [`Authenticator::authenticate`], with how long the token may be used: a connection
    /// that outlives a request ends when its token would be refused.
    pub async fn verify(&self, token: &str) -> Result<Verified, AuthFailure> {
        use sha2::Digest;
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        let generation = self.keys.generation();
        if let Some((verified, verified_under)) = self.verified.get(&digest) {
            // Not past its expiry, and no key set changed since: a key rotated out must stop
            // counting at once.
            if chrono::Utc::now().timestamp() < verified.usable_until
                && verified_under == generation
            {
                return Ok(verified);
            }
            self.verified.invalidate(&digest);
        }
        let verified = self.verify_afresh(token).await.inspect_err(|failure| {
            crate::meters::record_authentication_failure(failure.reason());
        })?;
        self.verified.insert(digest, (verified.clone(), generation));
        Ok(verified)
    }

    /// Verifies `token` with its provider's keys and records the sign-in.
    async fn verify_afresh(&self, token: &str) -> Result<Verified, AuthFailure> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthFailure::Malformed)?;
        if header.crit.is_some() {
            return Err(AuthFailure::CriticalHeader);
        }
        let addressing = peek_addressing(token)?;
        let entries = self.providers_for(&addressing.iss).await?;
        let entry = entries
            .iter()
            .find(|entry| addressing.aud.contains(&entry.provider.audience))
            .ok_or(AuthFailure::UnknownProvider)?;
        let provider = &entry.provider;
        if !provider
            .algorithms
            .iter()
            .any(|allowed| jwt_algorithm(*allowed) == header.alg)
        {
            return Err(AuthFailure::AlgorithmNotAllowed);
        }
        let key = self
            .keys
            .decoding_key(provider, header.kid.as_deref(), header.alg)
            .await?;

        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[provider.issuer.as_str()]);
        validation.set_audience(&[provider.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = self.limits.leeway_seconds.unsigned_abs();
        validation.validate_nbf = true;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(AuthFailure::Invalid)?
            .claims;

        let now = chrono::Utc::now().timestamp();
        identity::check_times(
            self.limits,
            now,
            TokenTimes {
                expires_at: claims.exp,
                not_before: claims.nbf,
                issued_at: claims.iat,
            },
        )?;
        identity::check_subject(&claims.sub)?;
        let usable_until = claims.exp.saturating_add(self.limits.leeway_seconds);
        let actor = self.actor(entry, claims).await?;
        Ok(Verified {
            actor,
            usable_until,
        })
    }

    async fn actor(&self, entry: &ProviderEntry, claims: Claims) -> Result<Actor, AuthFailure> {
        let provider = &entry.provider;
        match provider.kind {
            ProviderKind::Professional => {
                let organisation = entry.organisation_of(&claims)?;
                let roles =
                    identity::professional_roles(&claims.roles, &organisation.allowed_roles)?;
                // A provider's name or e-mail that cannot be stored is left out, not refused:
                // the subject, which has no control characters, still says who this is.
                let name = claims
                    .name
                    .filter(|name| {
                        !name.trim().is_empty()
                            && domain::case::check_characters("name", name).is_ok()
                    })
                    .unwrap_or_else(|| claims.sub.clone());
                let email = claims
                    .email
                    .filter(|email| domain::case::check_characters("email", email).is_ok());
                let professional = self
                    .store
                    .record_professional_sign_in(SeenProfessional {
                        identity_provider_id: provider.id,
                        subject: claims.sub,
                        organisation_id: organisation.id,
                        name,
                        email,
                        roles: roles.clone(),
                    })
                    .await?;
                Ok(Actor::Professional(ProfessionalActor {
                    professional_id: professional.id,
                    organisation_id: organisation.id,
                    organisation_kind: organisation.kind,
                    roles,
                }))
            }
            ProviderKind::Service => {
                let organisation = entry.organisation_of(&claims)?;
                Ok(Actor::Service(ServiceActor {
                    organisation_id: organisation.id,
                    identity_provider_id: provider.id,
                    scopes: identity::service_scopes(claims.scope.as_deref().unwrap_or_default()),
                    client: claims.sub,
                }))
            }
            ProviderKind::Resident => {
                let resident_id = self
                    .store
                    .resident_for_identity(provider.id, &claims.sub)
                    .await?
                    .ok_or(AuthFailure::UnknownResident)?;
                Ok(Actor::Resident(ResidentActor { resident_id }))
            }
            ProviderKind::Platform => Ok(Actor::PlatformAdmin(PlatformAdminActor {
                identity_provider_id: provider.id,
                subject: claims.sub,
            })),
        }
    }

    async fn providers_for(&self, issuer: &str) -> Result<Arc<Vec<ProviderEntry>>, AuthFailure> {
        if let Some((loaded_at, entries)) = self
            .providers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(issuer)
            && loaded_at.elapsed() < PROVIDER_CACHE
        {
            return Ok(entries.clone());
        }
        let providers = self.store.identity_providers_by_issuer(issuer).await?;
        let organisation_ids: Vec<OrganisationId> = providers
            .iter()
            .filter_map(|provider| provider.organisation_id)
            .collect();
        let organisations = if organisation_ids.is_empty() {
            Vec::new()
        } else {
            self.store.organisations_by_id(&organisation_ids).await?
        };
        let entries: Arc<Vec<ProviderEntry>> = Arc::new(
            providers
                .into_iter()
                .map(|provider| {
                    let organisation = organisations
                        .iter()
                        .find(|organisation| Some(organisation.id) == provider.organisation_id)
                        .cloned();
                    ProviderEntry {
                        provider,
                        organisation,
                    }
                })
                .collect(),
        );
        let mut cache = self
            .providers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Unknown issuers are not cached, so a flood of made-up issuers cannot grow the map.
        if !entries.is_empty() {
            cache.insert(issuer.to_owned(), (Instant::now(), entries.clone()));
        }
        Ok(entries)
    }
}

fn peek_addressing(token: &str) -> Result<Addressing, AuthFailure> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthFailure::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| AuthFailure::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| AuthFailure::Malformed)
}
