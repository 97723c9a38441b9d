//! Identity providers' public keys: parsed once from an inline key set, or fetched from the
//! provider's JWKS URL and cached. An unknown `kid` triggers a re-fetch (a provider rotating its
//! keys), at most once per refresh interval per provider; a failed fetch keeps the old keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::IdentityProviderId;
use domain::identity::{IdentityProvider, KeySource};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::AuthFailure;

#[derive(Default)]
struct KeyState {
    keys: Option<Arc<JwkSet>>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
}

pub struct KeyCache {
    http: reqwest::Client,
    refresh_interval: Duration,
    cache_for: Duration,
    states: Mutex<HashMap<IdentityProviderId, Arc<tokio::sync::Mutex<KeyState>>>>,
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
    pub fn new(refresh_interval: Duration, cache_for: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            refresh_interval,
            cache_for,
            states: Mutex::new(HashMap::new()),
        }
    }

    fn state(&self, id: IdentityProviderId) -> Arc<tokio::sync::Mutex<KeyState>> {
        self.states
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
        let state = self.state(provider.id);
        let mut state = state.lock().await;
        let stale = state.fetched_at.is_none_or(|at| {
            matches!(provider.keys, KeySource::Url(_)) && at.elapsed() > self.cache_for
        });
        if stale {
            self.load(provider, &mut state).await;
        }
        let found = state
            .keys
            .as_deref()
            .and_then(|set| select(set, kid, algorithm))
            .cloned();
        let jwk = match found {
            Some(jwk) => jwk,
            None if matches!(provider.keys, KeySource::Url(_)) && !stale => {
                self.load(provider, &mut state).await;
                state
                    .keys
                    .as_deref()
                    .and_then(|set| select(set, kid, algorithm))
                    .cloned()
                    .ok_or(AuthFailure::UnknownKey)?
            }
            None => return Err(AuthFailure::UnknownKey),
        };
        DecodingKey::from_jwk(&jwk).map_err(|_| AuthFailure::UnknownKey)
    }

    /// (Re)loads the key set unless a fetch was attempted within the refresh interval.
    async fn load(&self, provider: &IdentityProvider, state: &mut KeyState) {
        match &provider.keys {
            KeySource::Inline(jwks) => {
                match serde_json::from_str::<JwkSet>(jwks) {
                    Ok(set) => state.keys = Some(Arc::new(set)),
                    Err(error) => {
                        tracing::error!(provider = %provider.id, %error, "registered key set does not parse")
                    }
                }
                state.fetched_at = Some(Instant::now());
            }
            KeySource::Url(url) => {
                if state
                    .last_attempt
                    .is_some_and(|at| at.elapsed() < self.refresh_interval)
                {
                    return;
                }
                state.last_attempt = Some(Instant::now());
                match self.fetch(url).await {
                    Ok(set) => {
                        state.keys = Some(Arc::new(set));
                        state.fetched_at = Some(Instant::now());
                    }
                    // Keep whatever keys we had: a provider's hiccup must not sign everyone out.
                    Err(error) => {
                        tracing::warn!(provider = %provider.id, error = %error, "could not refresh the key set")
                    }
                }
            }
        }
    }

    async fn fetch(&self, url: &str) -> Result<JwkSet, reqwest::Error> {
        self.http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .json::<JwkSet>()
            .await
    }
}
