//! Who is asking (DOMAIN.md §4) and the rules a token's claims must meet (RFC 8725).
//!
//! Signature checking is the api's job; what a verified token may then claim is decided here:
//! the organisation is the one the identity provider belongs to, never one the token names;
//! roles are limited to what the platform lets that organisation grant; lifetimes are bounded.

use std::collections::BTreeSet;

use crate::life_domain::string_enum;
use crate::{
    IdentityProviderId, InvalidInput, OrganisationId, OrganisationKind, OrganisationRole,
    ProfessionalId, ResidentId, RoleSet,
};

string_enum!(
    /// Whose tokens an identity provider issues.
    ProviderKind {
        Professional => "professional",
        Service => "service",
        Resident => "resident",
        Platform => "platform",
    }
);

impl ProviderKind {
    /// Professional and service providers belong to exactly one organisation; the others to none.
    pub fn belongs_to_organisation(self) -> bool {
        matches!(self, ProviderKind::Professional | ProviderKind::Service)
    }
}

string_enum!(
    /// The asymmetric algorithms a provider may be pinned to. There is deliberately no HMAC and
    /// no `none`: a shared secret would let the platform forge its partners' tokens.
    SigningAlgorithm {
        Es256 => "ES256",
        Rs256 => "RS256",
        EdDsa => "EdDSA",
    }
);

string_enum!(
    /// What an organisation's integration may do with a service token.
    ServiceScope {
        CaseloadExport => "caseload:export",
        AgreementsWrite => "agreements:write",
        DirectoryRead => "directory:read",
        Import => "import",
    }
);

/// Where a provider's public keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JSON Web Key Set registered with the provider.
    Inline(String),
    /// A URL the provider publishes its key set at; fetched and cached.
    Url(String),
}

/// An identity provider whose tokens the platform accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityProvider {
    pub id: IdentityProviderId,
    pub kind: ProviderKind,
    /// The organisation a professional or service provider speaks for; the only source of a
    /// token's organisation.
    pub organisation_id: Option<OrganisationId>,
    pub name: String,
    pub issuer: String,
    pub audience: String,
    pub algorithms: BTreeSet<SigningAlgorithm>,
    pub keys: KeySource,
    /// Development providers exist for demos and tests; only they may sign tokens locally.
    pub development: bool,
}

/// Checks the shape of a provider registration.
pub fn check_provider(
    kind: ProviderKind,
    organisation_id: Option<OrganisationId>,
    issuer: &str,
    audience: &str,
    algorithms: &BTreeSet<SigningAlgorithm>,
) -> Result<(), InvalidInput> {
    if kind.belongs_to_organisation() != organisation_id.is_some() {
        let message = if organisation_id.is_some() {
            "resident and platform providers belong to no organisation"
        } else {
            "professional and service providers belong to an organisation"
        };
        return Err(InvalidInput::new("organisationId", message));
    }
    crate::error::check_characters("issuer", issuer)?;
    crate::error::check_characters("audience", audience)?;
    if issuer.trim().is_empty() || issuer.len() > 512 {
        return Err(InvalidInput::new(
            "issuer",
            "must be a non-empty string of at most 512 characters",
        ));
    }
    if audience.trim().is_empty() || audience.len() > 512 {
        return Err(InvalidInput::new(
            "audience",
            "must be a non-empty string of at most 512 characters",
        ));
    }
    if algorithms.is_empty() {
        return Err(InvalidInput::new("algorithms", "at least one algorithm"));
    }
    Ok(())
}

/// The acting party of one request, established from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Professional(ProfessionalActor),
    Resident(ResidentActor),
    Service(ServiceActor),
    PlatformAdmin(PlatformAdminActor),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfessionalActor {
    pub professional_id: ProfessionalId,
    pub organisation_id: OrganisationId,
    pub organisation_kind: OrganisationKind,
    pub roles: RoleSet,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentActor {
    pub resident_id: ResidentId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceActor {
    pub organisation_id: OrganisationId,
    pub identity_provider_id: IdentityProviderId,
    pub client: String,
    pub scopes: BTreeSet<ServiceScope>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformAdminActor {
    pub identity_provider_id: IdentityProviderId,
    pub subject: String,
}

impl Actor {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Actor::Professional(_) => "professional",
            Actor::Resident(_) => "resident",
            Actor::Service(_) => "service",
            Actor::PlatformAdmin(_) => "platform_admin",
        }
    }

    pub fn organisation_id(&self) -> Option<OrganisationId> {
        match self {
            Actor::Professional(professional) => Some(professional.organisation_id),
            Actor::Service(service) => Some(service.organisation_id),
            Actor::Resident(_) | Actor::PlatformAdmin(_) => None,
        }
    }
}

/// Why a token whose signature verified is still refused. The api answers each with
/// `UNAUTHENTICATED`; the variant goes to the log, not to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token was issued in the future")]
    IssuedInFuture,
    #[error("token lifetime exceeds the maximum")]
    LifetimeTooLong,
    #[error("token names an organisation other than its identity provider's")]
    OrganisationMismatch,
    #[error("token grants a role the organisation may not grant")]
    RoleNotAllowed,
    #[error("token subject is empty or too long")]
    BadSubject,
}

/// Time limits applied to every token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLimits {
    /// Allowed clock difference between the identity provider and us.
    pub leeway_seconds: i64,
    /// The longest a token may be valid, from `iat` (or from now, without `iat`) to `exp`.
    pub max_lifetime_seconds: i64,
}

impl Default for TokenLimits {
    fn default() -> Self {
        Self {
            leeway_seconds: 60,
            max_lifetime_seconds: 24 * 60 * 60,
        }
    }
}

/// The registered time claims of a token, in seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTimes {
    pub expires_at: i64,
    pub not_before: Option<i64>,
    pub issued_at: Option<i64>,
}

pub fn check_times(limits: TokenLimits, now: i64, times: TokenTimes) -> Result<(), TokenRejection> {
    let leeway = limits.leeway_seconds;
    if times.expires_at + leeway <= now {
        return Err(TokenRejection::Expired);
    }
    if times
        .not_before
        .is_some_and(|not_before| not_before - leeway > now)
    {
        return Err(TokenRejection::NotYetValid);
    }
    if times
        .issued_at
        .is_some_and(|issued_at| issued_at - leeway > now)
    {
        return Err(TokenRejection::IssuedInFuture);
    }
    let start = times.issued_at.unwrap_or(now);
    if times.expires_at - start > limits.max_lifetime_seconds {
        return Err(TokenRejection::LifetimeTooLong);
    }
    Ok(())
}

/// A subject must be a usable key: present, short, no control characters.
pub fn check_subject(subject: &str) -> Result<(), TokenRejection> {
    if subject.is_empty() || subject.len() > 255 || subject.chars().any(char::is_control) {
        Err(TokenRejection::BadSubject)
    } else {
        Ok(())
    }
}

/// A token may name an organisation only to confirm the one its provider belongs to.
pub fn check_organisation_claim(
    claimed: Option<&str>,
    provider_organisation_slug: &str,
) -> Result<(), TokenRejection> {
    match claimed {
        Some(slug) if slug != provider_organisation_slug => {
            Err(TokenRejection::OrganisationMismatch)
        }
        _ => Ok(()),
    }
}

/// The Maatwerk roles a professional holds for this request.
///
/// Role names that are not Maatwerk roles are ignored: identity providers carry roles for
/// many applications. A Maatwerk role the platform does not allow this organisation to grant
/// refuses the whole token, because it shows a provider handing out what it may not.
pub fn professional_roles(
    claimed: &[String],
    allowed: &RoleSet,
) -> Result<RoleSet, TokenRejection> {
    let mut roles = RoleSet::new();
    for role in claimed
        .iter()
        .filter_map(|name| OrganisationRole::parse(name))
    {
        if !allowed.contains(&role) {
            return Err(TokenRejection::RoleNotAllowed);
        }
        roles.insert(role);
    }
    // No role is implied: a token carries exactly what its provider granted, so a token with
    // only `privacy_officer` never works on cases as a `professional`.
    Ok(roles)
}

/// Service scopes from an OAuth `scope` claim (space separated); unknown scopes are ignored.
pub fn service_scopes(scope_claim: &str) -> BTreeSet<ServiceScope> {
    scope_claim
        .split_whitespace()
        .filter_map(ServiceScope::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn times(expires_at: i64, not_before: Option<i64>, issued_at: Option<i64>) -> TokenTimes {
        TokenTimes {
            expires_at,
            not_before,
            issued_at,
        }
    }

    #[test]
    fn expiry_honours_the_leeway() {
        let limits = TokenLimits::default();
        assert_eq!(
            check_times(limits, NOW, times(NOW - 61, None, None)),
            Err(TokenRejection::Expired)
        );
        assert_eq!(
            check_times(limits, NOW, times(NOW - 60, None, None)),
            Err(TokenRejection::Expired)
        );
        assert_eq!(
            check_times(limits, NOW, times(NOW - 59, None, None)),
            Ok(())
        );
        assert_eq!(
            check_times(limits, NOW, times(NOW + 3600, None, Some(NOW))),
            Ok(())
        );
    }

    #[test]
    fn not_before_and_issued_at_may_not_lie_ahead() {
        let limits = TokenLimits::default();
        assert_eq!(
            check_times(limits, NOW, times(NOW + 600, Some(NOW + 61), None)),
            Err(TokenRejection::NotYetValid)
        );
        assert_eq!(
            check_times(limits, NOW, times(NOW + 600, Some(NOW + 60), None)),
            Ok(())
        );
        assert_eq!(
            check_times(limits, NOW, times(NOW + 600, None, Some(NOW + 120))),
            Err(TokenRejection::IssuedInFuture)
        );
    }

    #[test]
    fn lifetime_is_bounded() {
        let limits = TokenLimits {
            leeway_seconds: 60,
            max_lifetime_seconds: 3600,
        };
        assert_eq!(
            check_times(limits, NOW, times(NOW + 3600, None, Some(NOW))),
            Ok(())
        );
        assert_eq!(
            check_times(limits, NOW, times(NOW + 3601, None, Some(NOW))),
            Err(TokenRejection::LifetimeTooLong)
        );
        // Without `iat` the lifetime counts from now.
        assert_eq!(
            check_times(limits, NOW, times(NOW + 7200, None, None)),
            Err(TokenRejection::LifetimeTooLong)
        );
    }

    #[test]
    fn organisation_comes_from_the_provider() {
        assert_eq!(check_organisation_claim(None, "buurtteam"), Ok(()));
        assert_eq!(
            check_organisation_claim(Some("buurtteam"), "buurtteam"),
            Ok(())
        );
        assert_eq!(
            check_organisation_claim(Some("wpi"), "buurtteam"),
            Err(TokenRejection::OrganisationMismatch)
        );
    }

    #[test]
    fn roles_are_limited_to_what_the_organisation_may_grant() {
        let allowed: RoleSet = [OrganisationRole::Professional, OrganisationRole::TeamLead].into();
        let claimed = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            professional_roles(&claimed(&["team_lead", "unrelated-app-role"]), &allowed),
            Ok([OrganisationRole::TeamLead].into())
        );
        assert_eq!(
            professional_roles(&claimed(&[]), &allowed),
            Ok(RoleSet::new()),
            "no role is implied"
        );
        assert_eq!(
            professional_roles(&claimed(&["coach"]), &allowed),
            Err(TokenRejection::RoleNotAllowed)
        );
    }

    #[test]
    fn subjects_and_scopes() {
        assert!(check_subject("").is_err());
        assert!(check_subject("a\nb").is_err());
        assert!(check_subject("anna").is_ok());
        assert_eq!(
            service_scopes("openid caseload:export  other"),
            [ServiceScope::CaseloadExport].into()
        );
    }
}
