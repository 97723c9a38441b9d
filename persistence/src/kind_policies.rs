//! The kind policy as data (DOMAIN.md §5.6).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use domain::{KindPolicy, LifeDomain, OrganisationKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::{kind_policy, kind_policy_life_domain};
use crate::{Error, Result, Store};

/// A kind policy with the version a change must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedKindPolicy {
    pub policy: KindPolicy,
    pub version: i32,
}

/// Every kind policy, read through `connection` so a request's snapshot sees the policy that
/// was in force at its start.
pub(crate) async fn read_kind_policies(
    connection: &impl ConnectionTrait,
) -> Result<Vec<VersionedKindPolicy>> {
    let mut domains: BTreeMap<String, BTreeSet<LifeDomain>> = BTreeMap::new();
    for row in kind_policy_life_domain::Entity::find()
        .all(connection)
        .await?
    {
        let domain =
            LifeDomain::parse(&row.life_domain).ok_or(Error::Corrupt("kind policy life domain"))?;
        domains
            .entry(row.organisation_kind)
            .or_default()
            .insert(domain);
    }
    let mut policies = kind_policy::Entity::find()
        .all(connection)
        .await?
        .into_iter()
        .map(|row| {
            Ok(VersionedKindPolicy {
                policy: KindPolicy {
                    kind: OrganisationKind::parse(&row.organisation_kind)
                        .ok_or(Error::Corrupt("kind policy kind"))?,
                    life_domains: domains.remove(&row.organisation_kind).unwrap_or_default(),
                    bsn: row.bsn,
                },
                version: row.version,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    policies.sort_by_key(|versioned| versioned.policy.kind);
    Ok(policies)
}

impl Store {
    pub async fn kind_policies(&self) -> Result<Vec<VersionedKindPolicy>> {
        read_kind_policies(self.connection()).await
    }

    pub async fn kind_policy(&self, kind: OrganisationKind) -> Result<VersionedKindPolicy> {
        self.kind_policies()
            .await?
            .into_iter()
            .find(|versioned| versioned.policy.kind == kind)
            .ok_or(Error::NotFound("kind policy"))
    }

    /// Replaces the policy for one kind if it is still at `expected_version`; otherwise
    /// changes nothing and reports a conflict.
    pub async fn replace_kind_policy(
        &self,
        policy: &KindPolicy,
        expected_version: i32,
    ) -> Result<VersionedKindPolicy> {
        let kind = policy.kind.as_str();
        self.write(async |transaction| {
            let updated = kind_policy::Entity::update_many()
                .filter(kind_policy::Column::OrganisationKind.eq(kind))
                .filter(kind_policy::Column::Version.eq(expected_version))
                .col_expr(kind_policy::Column::Bsn, policy.bsn.into())
                .col_expr(kind_policy::Column::Version, (expected_version + 1).into())
                .col_expr(kind_policy::Column::UpdatedAt, Utc::now().into())
                .exec(transaction)
                .await?;
            if updated.rows_affected != 1 {
                return Err(Error::Conflict(
                    "the kind policy is not at the version you sent (it changed since you read it); reload it and try again".into(),
                ));
            }
            kind_policy_life_domain::Entity::delete_many()
                .filter(kind_policy_life_domain::Column::OrganisationKind.eq(kind))
                .exec(transaction)
                .await?;
            if !policy.life_domains.is_empty() {
                kind_policy_life_domain::Entity::insert_many(policy.life_domains.iter().map(
                    |domain| kind_policy_life_domain::ActiveModel {
                        organisation_kind: sea_orm::ActiveValue::Set(kind.to_owned()),
                        life_domain: sea_orm::ActiveValue::Set(domain.as_str().to_owned()),
                    },
                ))
                .exec_without_returning(transaction)
                .await?;
            }
            Ok(())
        })
        .await?;
        Ok(VersionedKindPolicy {
            policy: policy.clone(),
            version: expected_version + 1,
        })
    }
}
