//! Identity providers, the professionals they vouch for, and residents' sign-in identities.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use domain::identity::{IdentityProvider, KeySource, ProviderKind, SigningAlgorithm};
use domain::{
    IdentityProviderId, OrganisationId, OrganisationRole, Professional, ProfessionalId, ResidentId,
    RoleSet,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};

use crate::entity::{identity_provider, professional, resident_identity};
use crate::error::conflict_on_unique;
use crate::{Error, Result, Store};

/// A provider registration, already checked by `domain::identity::check_provider`.
#[derive(Debug, Clone)]
pub struct NewIdentityProvider {
    pub kind: ProviderKind,
    pub organisation_id: Option<OrganisationId>,
    pub name: String,
    pub issuer: String,
    pub audience: String,
    pub algorithms: BTreeSet<SigningAlgorithm>,
    pub keys: KeySource,
    /// Set only for development providers: the private key `maatwerk token` signs with.
    pub development_signing_key: Option<String>,
}

/// A professional as a verified token describes them.
#[derive(Debug, Clone)]
pub struct SeenProfessional {
    pub identity_provider_id: IdentityProviderId,
    pub subject: String,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub email: Option<String>,
    pub roles: RoleSet,
}

/// How stale `last_seen_at` may get before a sign-in writes it again; keeps reads read-only.
const LAST_SEEN_GRANULARITY: Duration = Duration::minutes(15);

fn join_roles(roles: &RoleSet) -> String {
    roles
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn to_professional(row: professional::Model) -> Result<Professional> {
    let roles = row
        .roles
        .split_whitespace()
        .map(|name| OrganisationRole::parse(name).ok_or(Error::Corrupt("professional roles")))
        .collect::<Result<RoleSet>>()?;
    Ok(Professional {
        id: ProfessionalId(row.id),
        organisation_id: OrganisationId(row.organisation_id),
        name: row.name,
        email: row.email,
        roles,
    })
}

fn to_provider(row: identity_provider::Model) -> Result<IdentityProvider> {
    let algorithms = row
        .algorithms
        .split_whitespace()
        .map(|name| {
            SigningAlgorithm::parse(name).ok_or(Error::Corrupt("identity provider algorithm"))
        })
        .collect::<Result<BTreeSet<_>>>()?;
    let keys = match (row.jwks, row.jwks_url) {
        (Some(jwks), None) => KeySource::Inline(jwks),
        (None, Some(url)) => KeySource::Url(url),
        _ => return Err(Error::Corrupt("identity provider keys")),
    };
    Ok(IdentityProvider {
        id: IdentityProviderId(row.id),
        kind: ProviderKind::parse(&row.kind).ok_or(Error::Corrupt("identity provider kind"))?,
        organisation_id: row.organisation_id.map(OrganisationId),
        name: row.name,
        issuer: row.issuer,
        audience: row.audience,
        algorithms,
        keys,
        development: row.development,
    })
}

impl Store {
    pub async fn insert_identity_provider(
        &self,
        new: NewIdentityProvider,
    ) -> Result<IdentityProvider> {
        let id = IdentityProviderId::generate();
        let (jwks, jwks_url) = match &new.keys {
            KeySource::Inline(jwks) => (Some(jwks.clone()), None),
            KeySource::Url(url) => (None, Some(url.clone())),
        };
        let insert = identity_provider::Entity::insert(identity_provider::ActiveModel {
            id: Set(id.0),
            kind: Set(new.kind.as_str().to_owned()),
            organisation_id: Set(new.organisation_id.map(|id| id.0)),
            name: Set(new.name.clone()),
            issuer: Set(new.issuer.clone()),
            audience: Set(new.audience.clone()),
            algorithms: Set(new
                .algorithms
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(" ")),
            jwks: Set(jwks),
            jwks_url: Set(jwks_url),
            development: Set(new.development_signing_key.is_some()),
            development_signing_key: Set(new.development_signing_key.clone()),
            version: Set(1),
            created_at: Set(Utc::now()),
        });
        self.write(async |transaction| {
            insert
                .exec_without_returning(transaction)
                .await
                .map_err(|error| {
                    conflict_on_unique(
                        error,
                        "an identity provider with this issuer and audience already exists",
                    )
                })
        })
        .await?;
        Ok(IdentityProvider {
            id,
            kind: new.kind,
            organisation_id: new.organisation_id,
            name: new.name,
            issuer: new.issuer,
            audience: new.audience,
            algorithms: new.algorithms,
            keys: new.keys,
            development: new.development_signing_key.is_some(),
        })
    }

    /// The providers registered for `issuer`; a token's `aud` then picks at most one.
    pub async fn identity_providers_by_issuer(
        &self,
        issuer: &str,
    ) -> Result<Vec<IdentityProvider>> {
        identity_provider::Entity::find()
            .filter(identity_provider::Column::Issuer.eq(issuer))
            .all(self.connection())
            .await?
            .into_iter()
            .map(to_provider)
            .collect()
    }

    pub async fn identity_providers(&self) -> Result<Vec<IdentityProvider>> {
        identity_provider::Entity::find()
            .order_by_asc(identity_provider::Column::Name)
            .all(self.connection())
            .await?
            .into_iter()
            .map(to_provider)
            .collect()
    }

    /// The private key of a development provider; `None` for every other provider.
    pub async fn development_signing_key(&self, id: IdentityProviderId) -> Result<Option<String>> {
        Ok(identity_provider::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .filter(|row| row.development)
            .and_then(|row| row.development_signing_key))
    }

    /// Finds the professional a provider knows as `subject`, creating them on first sight and
    /// refreshing their name, e-mail and roles when the token says otherwise.
    pub async fn record_professional_sign_in(
        &self,
        seen: SeenProfessional,
    ) -> Result<Professional> {
        let now = Utc::now();
        let roles = join_roles(&seen.roles);
        let existing = professional::Entity::find()
            .filter(professional::Column::IdentityProviderId.eq(seen.identity_provider_id.0))
            .filter(professional::Column::Subject.eq(seen.subject.as_str()))
            .one(self.connection())
            .await?;
        let Some(row) = existing else {
            let id = ProfessionalId::generate();
            // Two first requests may race; the loser's insert does nothing and it reads the winner's row.
            professional::Entity::insert(professional::ActiveModel {
                id: Set(id.0),
                organisation_id: Set(seen.organisation_id.0),
                identity_provider_id: Set(seen.identity_provider_id.0),
                subject: Set(seen.subject.clone()),
                name: Set(seen.name.clone()),
                email: Set(seen.email.clone()),
                roles: Set(roles),
                created_at: Set(now),
                last_seen_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    professional::Column::IdentityProviderId,
                    professional::Column::Subject,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(self.connection())
            .await?;
            let row = professional::Entity::find()
                .filter(professional::Column::IdentityProviderId.eq(seen.identity_provider_id.0))
                .filter(professional::Column::Subject.eq(seen.subject.as_str()))
                .one(self.connection())
                .await?
                .ok_or(Error::NotFound("professional"))?;
            return to_professional(row);
        };
        let changed = row.name != seen.name || row.email != seen.email || row.roles != roles;
        if changed || now - row.last_seen_at > LAST_SEEN_GRANULARITY {
            professional::Entity::update_many()
                .filter(professional::Column::Id.eq(row.id))
                .col_expr(professional::Column::Name, seen.name.clone().into())
                .col_expr(professional::Column::Email, seen.email.clone().into())
                .col_expr(professional::Column::Roles, roles.clone().into())
                .col_expr(professional::Column::LastSeenAt, now.into())
                .exec(self.connection())
                .await?;
        }
        Ok(Professional {
            id: ProfessionalId(row.id),
            organisation_id: OrganisationId(row.organisation_id),
            name: seen.name,
            email: seen.email,
            roles: seen.roles,
        })
    }

    pub async fn professionals_by_id(&self, ids: &[ProfessionalId]) -> Result<Vec<Professional>> {
        professionals_by_id(self.connection(), ids).await
    }

    pub async fn professionals_of_organisation(
        &self,
        organisation_id: OrganisationId,
    ) -> Result<Vec<Professional>> {
        professional::Entity::find()
            .filter(professional::Column::OrganisationId.eq(organisation_id.0))
            .order_by_asc(professional::Column::Name)
            .order_by_asc(professional::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(to_professional)
            .collect()
    }

    pub async fn link_resident_identity(
        &self,
        identity_provider_id: IdentityProviderId,
        subject: &str,
        resident_id: ResidentId,
    ) -> Result<()> {
        resident_identity::Entity::insert(resident_identity::ActiveModel {
            identity_provider_id: Set(identity_provider_id.0),
            subject: Set(subject.to_owned()),
            resident_id: Set(resident_id.0),
        })
        .exec_without_returning(self.connection())
        .await
        .map_err(|error| {
            conflict_on_unique(error, "this identity is already linked to a resident")
        })?;
        Ok(())
    }

    pub async fn resident_for_identity(
        &self,
        identity_provider_id: IdentityProviderId,
        subject: &str,
    ) -> Result<Option<ResidentId>> {
        Ok(
            resident_identity::Entity::find_by_id((identity_provider_id.0, subject.to_owned()))
                .one(self.connection())
                .await?
                .map(|row| ResidentId(row.resident_id)),
        )
    }

    /// The professionals a provider has vouched for, with their subjects; for listing demo identities.
    pub async fn professionals_of_provider(
        &self,
        identity_provider_id: IdentityProviderId,
    ) -> Result<Vec<(String, Professional)>> {
        professional::Entity::find()
            .filter(professional::Column::IdentityProviderId.eq(identity_provider_id.0))
            .order_by_asc(professional::Column::Subject)
            .all(self.connection())
            .await?
            .into_iter()
            .map(|row| Ok((row.subject.clone(), to_professional(row)?)))
            .collect()
    }

    pub async fn professional_by_subject(
        &self,
        identity_provider_id: IdentityProviderId,
        subject: &str,
    ) -> Result<Option<Professional>> {
        professional::Entity::find()
            .filter(professional::Column::IdentityProviderId.eq(identity_provider_id.0))
            .filter(professional::Column::Subject.eq(subject))
            .one(self.connection())
            .await?
            .map(to_professional)
            .transpose()
    }

    /// The residents a provider signs in, with their subjects; for listing demo identities.
    pub async fn resident_identities_of_provider(
        &self,
        identity_provider_id: IdentityProviderId,
    ) -> Result<Vec<(String, ResidentId)>> {
        Ok(resident_identity::Entity::find()
            .filter(resident_identity::Column::IdentityProviderId.eq(identity_provider_id.0))
            .order_by_asc(resident_identity::Column::Subject)
            .all(self.connection())
            .await?
            .into_iter()
            .map(|row| (row.subject, ResidentId(row.resident_id)))
            .collect())
    }
}

/// The professionals with these ids on `connection`; unknown ids are left out.
pub(crate) async fn professionals_by_id(
    connection: &impl ConnectionTrait,
    ids: &[ProfessionalId],
) -> Result<Vec<Professional>> {
    professional::Entity::find()
        .filter(professional::Column::Id.is_in(ids.iter().map(|id| id.0)))
        .all(connection)
        .await?
        .into_iter()
        .map(to_professional)
        .collect()
}
