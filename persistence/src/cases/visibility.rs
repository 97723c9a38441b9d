//! The slice in SQL (DOMAIN.md §5): which rows of an item table a viewer sees, as a `WHERE`
//! condition ([`visible_rows`]) built from the viewer's relation and their organisation kind's
//! policy ([`PolicyMask`]), and the grouping of a batch of cases by that condition.

use domain::{OrganisationId, OrganisationKind};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query};

use super::access::{Relation, ViewerKind};
use super::policy_mask::PolicyMask;
use super::{CaseAccess, Snapshot, Viewer};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum PredicateKey {
    Member {
        organisation_id: OrganisationId,
        policy: PolicyMask,
    },
    Resident,
}

/// How an item table takes part in the slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slicing {
    /// The shared plan: every member sees every row (§5.3).
    Shared,
    /// Facts, problems and notes (§5.4); `need` says whether the table has a need column.
    PerOrganisation { need: bool },
}

/// The rows of `table` that viewers under `key` may see, as a `WHERE` condition. This is the
/// slice in SQL; `domain::slice::visibility` is its specification.
pub(super) fn visible_rows(table: &'static str, slicing: Slicing, key: PredicateKey) -> Condition {
    let column = |name: &'static str| Expr::col((Alias::new(table), Alias::new(name)));
    match key {
        // The resident sees everything about them except what is withheld with a reason.
        PredicateKey::Resident => Condition::all().add(column("withheld_reason").is_null()),
        PredicateKey::Member { .. } if slicing == Slicing::Shared => Condition::all(),
        PredicateKey::Member {
            organisation_id,
            policy,
        } => {
            let consented = Query::select()
                .expr(Expr::val(1))
                .from(Alias::new("consents"))
                .and_where(
                    Expr::col((Alias::new("consents"), Alias::new("case_id")))
                        .equals((Alias::new(table), Alias::new("case_id"))),
                )
                .and_where(
                    Expr::col((Alias::new("consents"), Alias::new("organisation_id")))
                        .eq(organisation_id.0),
                )
                .and_where(
                    Expr::col((Alias::new("consents"), Alias::new("life_domain")))
                        .equals((Alias::new(table), Alias::new("life_domain"))),
                )
                .and_where(Expr::col((Alias::new("consents"), Alias::new("revoked_at"))).is_null())
                .to_owned();
            let mut shared = Condition::all()
                .add(column("sharing").eq("team"))
                .add(column("life_domain").is_in(policy.domains()))
                .add(Expr::exists(consented));
            if slicing == (Slicing::PerOrganisation { need: true }) {
                shared = shared.add(column("need").eq("need_to_know"));
            }
            Condition::any()
                .add(column("organisation_id").eq(organisation_id.0))
                .add(shared)
        }
    }
}

impl Snapshot {
    /// The kind policy of `kind` as a mask, for a write that makes an access of its own.
    pub(crate) async fn policy_mask(&self, kind: OrganisationKind) -> Result<PolicyMask> {
        let mut query = Query::select();
        for (column, alias) in PolicyMask::columns(self.backend(), kind) {
            query.expr_as(column, Alias::new(alias));
        }
        let row = self
            .connection()
            .query_one_raw(self.backend().build(&query))
            .await?
            .ok_or(Error::Corrupt("kind policy"))?;
        PolicyMask::from_row(&row)
    }
}

impl CaseAccess {
    /// The key under which the slice predicate is the same for every case: one query serves
    /// all cases of a batch with the same key.
    pub(super) fn predicate_key(&self) -> PredicateKey {
        match self.relation {
            Relation::Member {
                organisation_id,
                policy,
                ..
            } => PredicateKey::Member {
                organisation_id,
                policy,
            },
            Relation::Resident { .. } => PredicateKey::Resident,
            // Services read the shared plan only; no other organisation's facts reach them.
            Relation::Service {
                organisation_id, ..
            } => PredicateKey::Member {
                organisation_id,
                policy: PolicyMask::NOTHING,
            },
        }
    }
}

impl Viewer {
    /// The predicate key under which this viewer reads the shared plan (§5.3), known before
    /// their access to any one case is: every member sees all of it, so a member's kind policy,
    /// which comes with the access, does not enter. `None` for a viewer with no case.
    pub(super) fn shared_plan_key(&self) -> Option<PredicateKey> {
        match &self.kind {
            ViewerKind::Professional {
                organisation_id, ..
            } => Some(PredicateKey::Member {
                organisation_id: *organisation_id,
                policy: PolicyMask::NOTHING,
            }),
            ViewerKind::Resident { .. } => Some(PredicateKey::Resident),
            ViewerKind::Service { .. } | ViewerKind::Nobody => None,
        }
    }
}

/// Groups accesses by the predicate that serves them, so a batch costs one query per group
/// (in practice one: a request has one viewer).
pub(super) fn group_by_predicate(accesses: &[CaseAccess]) -> Vec<(PredicateKey, Vec<uuid::Uuid>)> {
    let mut groups: Vec<(PredicateKey, Vec<uuid::Uuid>)> = Vec::new();
    for access in accesses {
        let key = access.predicate_key();
        match groups.iter_mut().find(|(existing, _)| *existing == key) {
            Some((_, ids)) => ids.push(access.case_id.0),
            None => groups.push((key, vec![access.case_id.0])),
        }
    }
    groups
}
