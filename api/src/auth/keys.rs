//! Identity providers' public keys: parsed once from an inline key set, or fetched from the
//! provider's JWKS URL and cached. An unknown `kid` triggers a re-fetch (a provider rotating its
//! keys), at most once per refresh interval per provider; a failed fetch, or a key set larger
//! than the cap, keeps the old keys. No lock is held while a key set is fetched: requests whose
//! key is cached go on, and those that need the fetch share the one in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::IdentityProviderId;
use domain::identity::{IdentityProvider, KeySource};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::AuthFailure;

/// Whether a provider's address may be trusted for keys and sign-in: https, or plain http on the
/// loopback interface only, for a provider running beside the server in a local set-up.
pub(crate) fn secure_provider_url(url: &reqwest::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")),
        _ => false,
    }
}

#[derive(Default)]
struct KeyState {
    keys: Option<Arc<JwkSet>>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    /// Counts fetch attempts, so a request that waited for another's fetch knows it happened.
    attempts: u64,
}

/// One provider's keys. The state's lock is only ever held briefly, never across a fetch, so a
/// request whose key is cached never waits for the network; `fetching` makes the requests that
/// do need a fetch share one (single flight per provider).
#[derive(Default)]
struct ProviderKeys {
    state: Mutex<KeyState>,
    fetching: tokio::sync::Mutex<()>,
}

impl ProviderKeys {
    fn state(&self) -> std::sync::MutexGuard<'_, KeyState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why a key set or a discovery document could not be fetched. A key set's is logged, and the
/// token is then refused or verified with the keys already cached; a discovery document's is
/// told to whoever registers the provider.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("it could not be fetched")]
    Request(#[source] reqwest::Error),
    #[error("it is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the response is not a JSON Web Key Set")]
    NotKeySet(#[source] serde_json::Error),
    #[error("the response is not an OpenID Connect discovery document")]
    NotDiscovery(#[source] serde_json::Error),
    #[error("the document names the issuer {0:?}, not the one registered")]
    OtherIssuer(String),
    #[error("its jwks_uri is not an https URL")]
    InsecureKeySetUrl,
}

/// The part of an OpenID Connect discovery document the key set is found with.
#[derive(serde::Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

pub struct KeyCache {
    http: reqwest::Client,
    refresh_interval: Duration,
    cache_for: Duration,
    max_bytes: usize,
    providers: Mutex<HashMap<IdentityProviderId, Arc<ProviderKeys>>>,
    /// Counts the key sets fetched: a token verified before a key set changed is verified
    /// again, so a key rotated out stops counting at once.
    generation: std::sync::atomic::AtomicU64,
}

/// Whether `jwk` can verify a signature made with `algorithm`. Symmetric keys never can.
pub fn key_fits(jwk: &Jwk, algorithm: Algorithm) -> bool {
    if let Some(declared) = jwk.common.key_algorithm
        && declared.to_string() != format!("{algorithm:?}")
    {
        return false;
    }
    match (&jwk.algorithm, algorithm) {
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        (AlgorithmParameters::RSA(_), Algorithm::RS256) => true,
        (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA) => {
            okp.curve == EllipticCurve::Ed25519
        }
        _ => false,
    }
}

fn select<'a>(set: &'a JwkSet, kid: Option<&str>, algorithm: Algorithm) -> Option<&'a Jwk> {
    match kid {
        Some(kid) => set
            .keys
            .iter()
            .find(|jwk| jwk.common.key_id.as_deref() == Some(kid) && key_fits(jwk, algorithm)),
        None => {
            let mut fitting = set.keys.iter().filter(|jwk| key_fits(jwk, algorithm));
            // Without a `kid` the choice must be unambiguous.
            match (fitting.next(), fitting.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    }
}

impl KeyCache {
    /// `max_bytes` caps a fetched key set; a longer answer is cut off while it is read.
    pub fn new(refresh_interval: Duration, cache_for: Duration, max_bytes: usize) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            refresh_interval,
            cache_for,
            max_bytes,
            providers: Mutex::new(HashMap::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn provider_keys(&self, id: IdentityProviderId) -> Arc<ProviderKeys> {
        self.providers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(id)
            .or_default()
            .clone()
    }

    pub async fn decoding_key(
        &self,
        provider: &IdentityProvider,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<DecodingKey, AuthFailure> {
        let entry = self.provider_keys(provider.id);
        let url = match &provider.keys {
            KeySource::Inline(jwks) => {
                let keys = {
                    let mut state = entry.state();
                    if state.fetched_at.is_none() {
                        state.keys = parse_inline(provider, jwks);
                        state.fetched_at = Some(Instant::now());
                    }
                    state.keys.clone()
                };
                return found(keys.as_deref(), kid, algorithm);
            }
            KeySource::Url(url) => url,
        };
        let (keys, fresh, attempts) = {
            let state = entry.state();
            let fresh = state
                .fetched_at
                .is_some_and(|at| at.elapsed() <= self.cache_for);
            (state.keys.clone(), fresh, state.attempts)
        };
        if keys
            .as_deref()
            .and_then(|set| select(set, kid, algorithm))
            .is_some()
        {
            if fresh {
                return found(keys.as_deref(), kid, algorithm);
            }
            // Stale: refresh, unless another request already is; meanwhile the old key serves.
            let Ok(_fetching) = entry.fetching.try_lock() else {
                return found(keys.as_deref(), kid, algorithm);
            };
            self.refresh(provider, url, &entry).await;
        } else {
            // An unknown kid, or no keys yet: wait for the fetch in flight, or make one.
            let _fetching = entry.fetching.lock().await;
            if entry.state().attempts == attempts {
                self.refresh(provider, url, &entry).await;
            }
        }
        let keys = entry.state().keys.clone();
        found(keys.as_deref(), kid, algorithm)
    }

    /// How many key sets have been fetched so far.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Fetches the key set again unless a fetch was attempted within the refresh interval. The
    /// caller holds `fetching`; the state is locked only to read and to store.
    async fn refresh(&self, provider: &IdentityProvider, url: &str, entry: &ProviderKeys) {
        {
            let mut state = entry.state();
            if state
                .last_attempt
                .is_some_and(|at| at.elapsed() < self.refresh_interval)
            {
                return;
            }
            state.last_attempt = Some(Instant::now());
            state.attempts += 1;
        }
        match self.fetch(url).await {
            Ok(set) => {
                let mut state = entry.state();
                state.keys = Some(Arc::new(set));
                state.fetched_at = Some(Instant::now());
                self.generation
                    .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            }
            // Keep whatever keys we had: a provider's hiccup must not sign everyone out.
            Err(error) => {
                tracing::warn!(provider = %provider.id, error = %error, "could not refresh the key set")
            }
        }
    }

    async fn fetch(&self, url: &str) -> Result<JwkSet, FetchError> {
        serde_json::from_slice(&self.fetch_bytes(url).await?).map_err(FetchError::NotKeySet)
    }

    /// The key set URL an issuer's OpenID Connect discovery document
    /// (`{issuer}/.well-known/openid-configuration`) names. The document must name the same
    /// issuer, as the discovery specification requires, and an https key set URL.
    pub async fn discover(&self, issuer: &str) -> Result<String, FetchError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let document: Discovery = serde_json::from_slice(&self.fetch_bytes(&url).await?)
            .map_err(FetchError::NotDiscovery)?;
        if document.issuer != issuer {
            return Err(FetchError::OtherIssuer(document.issuer));
        }
        reqwest::Url::parse(&document.jwks_uri)
            .ok()
            .filter(secure_provider_url)
            .ok_or(FetchError::InsecureKeySetUrl)?;
        Ok(document.jwks_uri)
    }

    /// Reads an answer in chunks, so an endless or oversized one is cut off at the cap.
    async fn fetch_bytes(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let mut response = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(FetchError::Request)?;
        if response
            .content_length()
            .is_some_and(|length| length > self.max_bytes as u64)
        {
            return Err(FetchError::TooLarge(self.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(FetchError::Request)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FetchError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn parse_inline(provider: &IdentityProvider, jwks: &str) -> Option<Arc<JwkSet>> {
    match serde_json::from_str::<JwkSet>(jwks) {
        Ok(set) => Some(Arc::new(set)),
        Err(error) => {
            tracing::error!(provider = %provider.id, %error, "registered key set does not parse");
            None
        }
    }
}

/// The decoding key for the token's `kid` and algorithm in `keys`.
fn found(
    keys: Option<&JwkSet>,
    kid: Option<&str>,
    algorithm: Algorithm,
) -> Result<DecodingKey, AuthFailure> {
    let jwk = keys
        .and_then(|set| select(set, kid, algorithm))
        .ok_or(AuthFailure::UnknownKey)?;
    DecodingKey::from_jwk(jwk).map_err(|_| AuthFailure::UnknownKey)
}
