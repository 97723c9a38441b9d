//! Root mutations. For now the platform operator's registrations; every mutation validates its
//! whole input before it writes, so bad input changes nothing.

use domain::authz::Action;
use std::collections::BTreeSet;

use async_graphql::{Context, ID, InputObject, Object};
use domain::identity::{self, KeySource};
use domain::organisation::parse_name;
use domain::{
    KindPolicy as DomainKindPolicy, MunicipalityCode, MunicipalityId, OrganisationId,
    OrganisationRole as DomainRole, Slug,
};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use persistence::identity::NewIdentityProvider;
use persistence::organisations::NewOrganisation;

use super::context::{RequestContext, request};
use super::enums::{
    LifeDomain, OrganisationKind, OrganisationRole, ProviderKind, SigningAlgorithm, to_domain_set,
};
use super::ids::{self, NodeType};
use super::types::{IdentityProvider, KindPolicy, Municipality, Organisation};
use crate::auth::jwt_algorithm;
use crate::auth::keys::key_fits;
use crate::error::{ApiError, ApiResult};

#[derive(Default)]
pub struct FoundationMutation;

#[derive(InputObject)]
pub struct RegisterMunicipalityInput {
    /// Two to six capital letters, used in case references (`AMS`).
    pub code: String,
    pub name: String,
}

#[derive(InputObject)]
pub struct RegisterOrganisationInput {
    pub slug: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub municipality_ids: Vec<ID>,
    /// The roles the organisation's identity providers may grant; all roles when left out.
    pub allowed_roles: Option<Vec<OrganisationRole>>,
}

#[derive(InputObject)]
pub struct RegisterIdentityProviderInput {
    pub kind: ProviderKind,
    /// Required for professional and service providers; absent for the others.
    pub organisation_id: Option<ID>,
    pub name: String,
    pub issuer: String,
    pub audience: String,
    pub algorithms: Vec<SigningAlgorithm>,
    /// A JSON Web Key Set with the provider's public keys. Give this, or `jwksUrl`, or neither:
    /// then the key set URL is read from the issuer's OpenID Connect discovery document.
    pub jwks: Option<String>,
    /// Where the provider publishes its key set (https). Give this, or `jwks`, or neither.
    pub jwks_url: Option<String>,
}

#[derive(InputObject)]
pub struct SetKindPolicyInput {
    pub kind: OrganisationKind,
    pub life_domains: Vec<LifeDomain>,
    pub bsn: bool,
    /// The version read; a stale one is a `CONFLICT` and changes nothing.
    pub version: i32,
}

/// Checks a registered key set: public asymmetric keys that fit the pinned algorithms.
fn parse_key_set(
    jwks: &str,
    algorithms: &BTreeSet<identity::SigningAlgorithm>,
) -> ApiResult<KeySource> {
    let set: JwkSet = serde_json::from_str(jwks)
        .map_err(|_| ApiError::bad_input("jwks", "not a JSON Web Key Set"))?;
    if set.keys.is_empty() {
        return Err(ApiError::bad_input("jwks", "the key set has no keys"));
    }
    for key in &set.keys {
        if matches!(key.algorithm, AlgorithmParameters::OctetKey(_)) {
            return Err(ApiError::bad_input(
                "jwks",
                "symmetric keys are not accepted",
            ));
        }
        if !algorithms
            .iter()
            .any(|algorithm| key_fits(key, jwt_algorithm(*algorithm)))
        {
            return Err(ApiError::bad_input(
                "jwks",
                "a key fits none of the provider's algorithms",
            ));
        }
    }
    if set.keys.len() > 1 && set.keys.iter().any(|key| key.common.key_id.is_none()) {
        return Err(ApiError::bad_input(
            "jwks",
            "with more than one key, every key needs a kid",
        ));
    }
    Ok(KeySource::Inline(jwks.to_owned()))
}

/// Key set URLs must be https; plain http only on the loopback interface, for local set-ups.
fn parse_key_set_url(url: &str) -> ApiResult<KeySource> {
    domain::case::check_characters("jwksUrl", url)?;
    let parsed =
        reqwest::Url::parse(url).map_err(|_| ApiError::bad_input("jwksUrl", "not a URL"))?;
    if crate::auth::keys::secure_provider_url(&parsed) {
        Ok(KeySource::Url(url.to_owned()))
    } else {
        Err(ApiError::bad_input("jwksUrl", "must be an https URL"))
    }
}

/// The key set URL the issuer's OpenID Connect discovery document names.
async fn discover_key_set_url(request: &RequestContext, issuer: &str) -> ApiResult<KeySource> {
    let secure = reqwest::Url::parse(issuer)
        .ok()
        .filter(crate::auth::keys::secure_provider_url);
    if secure.is_none() {
        return Err(ApiError::bad_input(
            "issuer",
            "to find its key set, the issuer must be an https URL; or give jwks or jwksUrl",
        ));
    }
    match request.authenticator.discover_key_set_url(issuer).await {
        Ok(url) => Ok(KeySource::Url(url)),
        Err(error) => Err(ApiError::bad_input(
            "issuer",
            format!("its discovery document (/.well-known/openid-configuration): {error}"),
        )),
    }
}

#[Object]
impl FoundationMutation {
    async fn register_municipality(
        &self,
        ctx: &Context<'_>,
        input: RegisterMunicipalityInput,
    ) -> ApiResult<Municipality> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::RegisterMunicipality)?;
        let code = MunicipalityCode::parse(&input.code)?;
        let name = parse_name("name", &input.name)?;
        Ok(Municipality(
            request
                .store(&permit)
                .insert_municipality(code, name)
                .await?,
        ))
    }

    async fn register_organisation(
        &self,
        ctx: &Context<'_>,
        input: RegisterOrganisationInput,
    ) -> ApiResult<Organisation> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::RegisterOrganisation)?;
        let slug = Slug::parse(&input.slug)?;
        let name = parse_name("name", &input.name)?;
        if input.municipality_ids.is_empty() {
            return Err(ApiError::bad_input(
                "municipalityIds",
                "an organisation serves at least one municipality",
            ));
        }
        let municipalities = input
            .municipality_ids
            .iter()
            .map(|id| {
                ids::decode(id, NodeType::Municipality, "municipalityIds").map(MunicipalityId)
            })
            .collect::<ApiResult<BTreeSet<_>>>()?;
        let allowed_roles = match &input.allowed_roles {
            Some(roles) => to_domain_set::<OrganisationRole, DomainRole>(roles),
            None => DomainRole::ALL.iter().copied().collect(),
        };
        let organisation = request
            .store(&permit)
            .insert_organisation(NewOrganisation {
                slug,
                name,
                kind: input.kind.into(),
                allowed_roles,
                municipalities,
            })
            .await
            .map_err(|error| match error {
                persistence::Error::NotFound("municipality") => {
                    ApiError::bad_input("municipalityIds", "unknown municipality")
                }
                other => other.into(),
            })?;
        Ok(Organisation(organisation))
    }

    async fn register_identity_provider(
        &self,
        ctx: &Context<'_>,
        input: RegisterIdentityProviderInput,
    ) -> ApiResult<IdentityProvider> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::RegisterIdentityProvider)?;
        let name = parse_name("name", &input.name)?;
        let algorithms =
            to_domain_set::<SigningAlgorithm, identity::SigningAlgorithm>(&input.algorithms);
        let organisation_id = ids::decode_optional(
            input.organisation_id.as_ref(),
            NodeType::Organisation,
            "organisationId",
        )?
        .map(OrganisationId);
        identity::check_provider(
            input.kind.into(),
            organisation_id,
            &input.issuer,
            &input.audience,
            &algorithms,
        )?;
        let keys = match (&input.jwks, &input.jwks_url) {
            (Some(jwks), None) => parse_key_set(jwks, &algorithms)?,
            (None, Some(url)) => parse_key_set_url(url)?,
            (None, None) => discover_key_set_url(request, input.issuer.trim()).await?,
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_input(
                    "jwks",
                    "give at most one of jwks and jwksUrl",
                ));
            }
        };
        if let Some(id) = organisation_id
            && request.store(&permit).organisation(id).await?.is_none()
        {
            return Err(ApiError::bad_input(
                "organisationId",
                "unknown organisation",
            ));
        }
        let provider = request
            .store(&permit)
            .insert_identity_provider(NewIdentityProvider {
                kind: input.kind.into(),
                organisation_id,
                name,
                issuer: input.issuer.trim().to_owned(),
                audience: input.audience.trim().to_owned(),
                algorithms,
                keys,
                development_signing_key: None,
            })
            .await?;
        request.authenticator.forget_providers();
        Ok(IdentityProvider(provider))
    }

    /// Replaces the kind policy of one organisation kind.
    async fn set_kind_policy(
        &self,
        ctx: &Context<'_>,
        input: SetKindPolicyInput,
    ) -> ApiResult<KindPolicy> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::SetKindPolicy)?;
        let policy = DomainKindPolicy {
            kind: input.kind.into(),
            life_domains: to_domain_set(&input.life_domains),
            bsn: input.bsn,
        };
        Ok(KindPolicy(
            request
                .store(&permit)
                .replace_kind_policy(&policy, input.version)
                .await?,
        ))
    }
}
