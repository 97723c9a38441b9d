//! Rate limits (`[rate_limits]`): requests per second with a burst, per client address before
//! the token is read, and per actor after it is verified. A request over either is answered
//! 429 with `Retry-After` and a GraphQL-shaped error (`RATE_LIMITED`).
//!
//! The address limit counts every request to `/graphql`, `/graphql/ws` (so every WebSocket
//! connection attempt) and `/export/resident`; the actor limit counts every authenticated
//! request there, every `connection_init` and every subscription. Health, readiness and
//! metrics are never limited, so a busy server does not look dead to its probes.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use domain::identity::Actor;
use domain::{IdentityProviderId, OrganisationId, ProfessionalId, ResidentId};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::http::negotiation::{Format, request_error};
use crate::settings::RateLimits;

/// How often keys whose bucket is full again are forgotten, so that the limiters hold only
/// the clients of the last moments.
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// Who a request counts against once its token is verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ActorKey {
    Professional(ProfessionalId),
    Resident(ResidentId),
    Service(OrganisationId, String),
    PlatformAdmin(IdentityProviderId, String),
}

impl ActorKey {
    fn of(actor: &Actor) -> Self {
        match actor {
            Actor::Professional(professional) => {
                ActorKey::Professional(professional.professional_id)
            }
            Actor::Resident(resident) => ActorKey::Resident(resident.resident_id),
            Actor::Service(service) => {
                ActorKey::Service(service.organisation_id, service.client.clone())
            }
            Actor::PlatformAdmin(admin) => {
                ActorKey::PlatformAdmin(admin.identity_provider_id, admin.subject.clone())
            }
        }
    }
}

/// The server's limiters; `None` where limits are off.
pub struct RateLimiters {
    per_actor: Option<DefaultKeyedRateLimiter<ActorKey>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

/// A request over its limit, and how long until one would pass.
#[derive(Debug, Clone, Copy)]
pub struct RateLimited {
    retry_after: Duration,
}

impl RateLimited {
    /// Whole seconds, at least one, as `Retry-After` carries them.
    pub fn retry_after_seconds(self) -> u64 {
        let seconds = self.retry_after.as_secs();
        let rounded_up = seconds + u64::from(self.retry_after.subsec_nanos() > 0);
        rounded_up.max(1)
    }
}

fn quota(per_second: u32, burst: u32) -> Quota {
    // A zero would refuse everything; the least the settings can mean is one.
    let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(per_second).allow_burst(burst)
}

impl RateLimiters {
    /// The limiters for `settings`, with a task that forgets idle keys while they live.
    pub fn start(settings: &RateLimits) -> Arc<Self> {
        let limiters = Arc::new(Self {
            per_actor: settings.enabled.then(|| {
                DefaultKeyedRateLimiter::keyed(quota(
                    settings.per_actor_per_second,
                    settings.per_actor_burst,
                ))
            }),
            per_address: settings.enabled.then(|| {
                DefaultKeyedRateLimiter::keyed(quota(
                    settings.per_address_per_second,
                    settings.per_address_burst,
                ))
            }),
            clock: DefaultClock::default(),
        });
        if settings.enabled {
            tokio::spawn(forget_idle_keys(Arc::downgrade(&limiters)));
        }
        limiters
    }

    pub fn check_actor(&self, actor: &Actor) -> Result<(), RateLimited> {
        let Some(limiter) = &self.per_actor else {
            return Ok(());
        };
        limiter
            .check_key(&ActorKey::of(actor))
            .map_err(|not_until| RateLimited {
                retry_after: not_until.wait_time_from(self.clock.now()),
            })
    }

    pub fn check_address(&self, address: IpAddr) -> Result<(), RateLimited> {
        let Some(limiter) = &self.per_address else {
            return Ok(());
        };
        limiter
            .check_key(&address)
            .map_err(|not_until| RateLimited {
                retry_after: not_until.wait_time_from(self.clock.now()),
            })
    }

    fn forget_idle(&self) {
        if let Some(limiter) = &self.per_actor {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.per_address {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// Bounds the limiters' memory by the clients of the last minute; ends with the server.
async fn forget_idle_keys(limiters: Weak<RateLimiters>) {
    let mut interval = tokio::time::interval(FORGET_EVERY);
    interval.tick().await;
    loop {
        interval.tick().await;
        let Some(limiters) = limiters.upgrade() else {
            return;
        };
        limiters.forget_idle();
    }
}

/// 429 with `Retry-After` and the error as GraphQL clients read errors.
pub(crate) fn too_many_requests(format: Format, limited: RateLimited) -> Response {
    let mut response = request_error(
        StatusCode::TOO_MANY_REQUESTS,
        format,
        "RATE_LIMITED",
        "too many requests",
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(limited.retry_after_seconds()),
    );
    response
}
