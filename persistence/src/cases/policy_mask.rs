//! A kind policy as the slice reads it, found in the same statement as the access it belongs
//! to: apart from both the access and the slice, which each use it.

use domain::{LifeDomain, OrganisationKind};
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Expr, Query};

use crate::{Error, Result};

/// A kind policy as the slice predicate needs it: the life domains the viewer's organisation
/// kind may receive, and whether it may see the BSN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PolicyMask {
    life_domains: u16,
    pub(super) bsn: bool,
}

impl PolicyMask {
    /// What a kind without a policy receives of other organisations: nothing.
    pub(super) const NOTHING: Self = Self {
        life_domains: 0,
        bsn: false,
    };

    /// The kind policy of `kind` as two columns of a statement that finds a professional's
    /// access, so the access and the policy it carries come from one snapshot in one round
    /// trip. [`PolicyMask::from_row`] reads them back.
    pub(super) fn columns(
        backend: DatabaseBackend,
        kind: OrganisationKind,
    ) -> [(Expr, &'static str); 2] {
        use crate::entity::{kind_policy, kind_policy_life_domain};
        use sea_orm::ColumnTrait;
        let aggregate = match backend {
            DatabaseBackend::Postgres => "string_agg(life_domain, ' ')",
            _ => "group_concat(life_domain, ' ')",
        };
        let bsn = Query::select()
            .column(kind_policy::Column::Bsn)
            .from(kind_policy::Entity)
            .and_where(kind_policy::Column::OrganisationKind.eq(kind.as_str()))
            .to_owned();
        let domains = Query::select()
            .expr(Expr::cust(aggregate))
            .from(kind_policy_life_domain::Entity)
            .and_where(kind_policy_life_domain::Column::OrganisationKind.eq(kind.as_str()))
            .to_owned();
        [
            (Expr::SubQuery(None, Box::new(bsn.into())), POLICY_BSN),
            (
                Expr::SubQuery(None, Box::new(domains.into())),
                POLICY_DOMAINS,
            ),
        ]
    }

    pub(super) fn from_row(row: &sea_orm::QueryResult) -> Result<Self> {
        let Some(bsn) = row.try_get::<Option<bool>>("", POLICY_BSN)? else {
            return Ok(Self::NOTHING);
        };
        let domains: Option<String> = row.try_get("", POLICY_DOMAINS)?;
        let mut life_domains = 0;
        for domain in domains.as_deref().unwrap_or_default().split_whitespace() {
            let domain = LifeDomain::parse(domain).ok_or(Error::Corrupt("life domain"))?;
            life_domains |= domain_bit(domain);
        }
        Ok(Self { life_domains, bsn })
    }

    pub(super) fn allows(self, domain: LifeDomain) -> bool {
        self.life_domains & domain_bit(domain) != 0
    }

    pub(super) fn domains(self) -> Vec<&'static str> {
        LifeDomain::ALL
            .iter()
            .filter(|domain| self.allows(**domain))
            .map(|domain| domain.as_str())
            .collect()
    }
}

const POLICY_BSN: &str = "policy_bsn";
const POLICY_DOMAINS: &str = "policy_life_domains";

fn domain_bit(domain: LifeDomain) -> u16 {
    let index = LifeDomain::ALL
        .iter()
        .position(|candidate| *candidate == domain)
        .expect("every life domain is in ALL");
    1 << index
}
