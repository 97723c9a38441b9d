//! Output types. Each wraps a domain value; fields that reach further check the viewer.

use async_graphql::{Context, ID, Object, SimpleObject};
use domain::authz::Action;
use domain::identity::{Actor, KeySource};

use super::access::{may_administer, null_with_error};
use super::context::request;
use super::enums::{
    ActorKind, LifeDomain, OrganisationKind, OrganisationRole, ProviderKind, ServiceScope,
    SigningAlgorithm,
};
use super::ids::{self, NodeType};
use super::scalars::Date;
use crate::error::{ApiError, ApiResult};

/// A municipality (gemeente): the tenant boundary for cases.
pub struct Municipality(pub domain::Municipality);

#[Object]
impl Municipality {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Municipality, self.0.id.0)
    }

    /// Short code used in case references, such as `AMS`.
    async fn code(&self) -> &str {
        self.0.code.as_str()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// A partner organisation.
pub struct Organisation(pub domain::Organisation);

#[Object]
impl Organisation {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Organisation, self.0.id.0)
    }

    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }

    /// The roles this organisation's identity providers may grant its people.
    async fn allowed_roles(&self) -> Vec<OrganisationRole> {
        self.0
            .allowed_roles
            .iter()
            .map(|role| (*role).into())
            .collect()
    }

    /// The municipalities the organisation works in.
    async fn municipalities(&self, ctx: &Context<'_>) -> ApiResult<Vec<Municipality>> {
        let all = request(ctx)?.municipalities().await?;
        Ok(all
            .iter()
            .filter(|municipality| self.0.municipalities.contains(&municipality.id))
            .cloned()
            .map(Municipality)
            .collect())
    }

    /// The identity providers whose tokens speak for this organisation. Visible to the
    /// platform operator and to the organisation's own `org_admin`s.
    async fn identity_providers(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<IdentityProvider>>> {
        let request = request(ctx)?;
        if !may_administer(&request.actor, self.0.id) {
            let error = ApiError::forbidden(
                "only the platform operator and the organisation's administrators see its identity providers",
            );
            return Ok(null_with_error(ctx, error));
        }
        // Listing the organisations is what shows this field; who administers them is the
        // check above.
        let permit = request.authorize_unrelated(Action::Organisations)?;
        let providers = request.store(&permit).identity_providers().await?;
        Ok(Some(
            providers
                .into_iter()
                .filter(|provider| provider.organisation_id == Some(self.0.id))
                .map(IdentityProvider)
                .collect(),
        ))
    }
}

/// A person working for an organisation.
pub struct Professional(pub domain::Professional);

#[Object]
impl Professional {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Professional, self.0.id.0)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// The organisation roles granted at the professional's last sign-in.
    async fn roles(&self) -> Vec<OrganisationRole> {
        self.0.roles.iter().map(|role| (*role).into()).collect()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        request(ctx)?
            .organisation(self.0.organisation_id)
            .await?
            .map(Organisation)
            .ok_or(ApiError::NotFound("organisation"))
    }
}

/// How a resident can be reached.
#[derive(SimpleObject)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

impl From<&domain::resident::Contact> for Contact {
    fn from(contact: &domain::resident::Contact) -> Self {
        Contact {
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            address: contact.address.clone(),
        }
    }
}

/// The person a case is about. Only the resident themself can read this record for now.
pub struct Resident(pub domain::resident::Resident);

#[Object]
impl Resident {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Resident, self.0.id.0)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn date_of_birth(&self) -> Date {
        Date(self.0.date_of_birth)
    }

    async fn contact(&self) -> Contact {
        Contact::from(&self.0.contact)
    }

    /// The citizen service number.
    async fn bsn(&self) -> Option<&str> {
        self.0.bsn.as_ref().map(|bsn| bsn.expose())
    }
}

/// An identity provider whose tokens the platform accepts.
pub struct IdentityProvider(pub domain::identity::IdentityProvider);

#[Object]
impl IdentityProvider {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::IdentityProvider, self.0.id.0)
    }

    async fn kind(&self) -> ProviderKind {
        self.0.kind.into()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn issuer(&self) -> &str {
        &self.0.issuer
    }

    async fn audience(&self) -> &str {
        &self.0.audience
    }

    async fn algorithms(&self) -> Vec<SigningAlgorithm> {
        self.0
            .algorithms
            .iter()
            .map(|algorithm| (*algorithm).into())
            .collect()
    }

    /// Where the provider publishes its keys, when it does.
    async fn jwks_url(&self) -> Option<&str> {
        match &self.0.keys {
            KeySource::Url(url) => Some(url),
            KeySource::Inline(_) => None,
        }
    }

    /// The registered key set, when keys are registered inline. Public keys only.
    async fn jwks(&self) -> Option<&str> {
        match &self.0.keys {
            KeySource::Inline(jwks) => Some(jwks),
            KeySource::Url(_) => None,
        }
    }

    /// Development providers serve demos and tests; `maatwerk token` signs only for them.
    async fn development(&self) -> bool {
        self.0.development
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(request(ctx)?.organisation(id).await?.map(Organisation))
    }
}

/// Which life domains, and whether the BSN, organisations of a kind may receive (DOMAIN.md §5.6).
pub struct KindPolicy(pub persistence::kind_policies::VersionedKindPolicy);

#[Object]
impl KindPolicy {
    async fn kind(&self) -> OrganisationKind {
        self.0.policy.kind.into()
    }

    async fn life_domains(&self) -> Vec<LifeDomain> {
        self.0
            .policy
            .life_domains
            .iter()
            .map(|domain| (*domain).into())
            .collect()
    }

    /// Whether organisations of this kind may see a resident's BSN.
    async fn bsn(&self) -> bool {
        self.0.policy.bsn
    }

    /// Pass this back when changing the policy; a stale version is a `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Who the request acts for.
pub struct Viewer;

#[Object]
impl Viewer {
    async fn kind(&self, ctx: &Context<'_>) -> ApiResult<ActorKind> {
        Ok((&request(ctx)?.actor).into())
    }

    /// The signed-in professional, for professional tokens.
    async fn professional(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        let request = request(ctx)?;
        let Actor::Professional(actor) = &request.actor else {
            return Ok(None);
        };
        let permit = request.authorize_unrelated(Action::Me)?;
        Ok(request
            .store(&permit)
            .professionals_by_id(&[actor.professional_id])
            .await?
            .pop()
            .map(Professional))
    }

    /// The organisation a professional or service token speaks for.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        let request = request(ctx)?;
        let Some(id) = request.actor.organisation_id() else {
            return Ok(None);
        };
        Ok(request.organisation(id).await?.map(Organisation))
    }

    /// The organisation roles in force for this request.
    async fn roles(&self, ctx: &Context<'_>) -> ApiResult<Vec<OrganisationRole>> {
        Ok(match &request(ctx)?.actor {
            Actor::Professional(actor) => actor.roles.iter().map(|role| (*role).into()).collect(),
            _ => Vec::new(),
        })
    }

    /// The scopes of a service token.
    async fn scopes(&self, ctx: &Context<'_>) -> ApiResult<Vec<ServiceScope>> {
        Ok(match &request(ctx)?.actor {
            Actor::Service(actor) => actor.scopes.iter().map(|scope| (*scope).into()).collect(),
            _ => Vec::new(),
        })
    }

    /// The resident's own record, for resident tokens.
    async fn resident(&self, ctx: &Context<'_>) -> ApiResult<Option<Resident>> {
        let request = request(ctx)?;
        let Actor::Resident(actor) = &request.actor else {
            return Ok(None);
        };
        let permit = request.authorize_unrelated(Action::Me)?;
        Ok(request
            .store(&permit)
            .resident(&permit, actor.resident_id)
            .await?
            .map(Resident))
    }
}
