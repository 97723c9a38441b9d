//! The shared case, and the one place where the slice (DOMAIN.md §5) is enforced.
//!
//! Every read of case data goes through a [`Snapshot`]: one database transaction per request,
//! so membership, consent and content are read at the same instant. Functions that return case
//! content take a [`CaseAccess`], which only [`Snapshot::case_access`],
//! [`Snapshot::caseload`] and [`Snapshot::agreement_changes`] construct after finding the
//! viewer's relation to the case in that same snapshot. The visibility rules are pushed into each query's `WHERE` clause
//! ([`visible_rows`]); rows a viewer may not see never leave the database. What a process
//! facilitator may not read is dropped before a row leaves this module (`content: None`).
//! `domain::slice::visibility` is the oracle these queries are tested against.

mod accountability;
mod consent;
mod decisions;
mod exceptions;
mod integration;
mod items;
mod lists;
mod records;
mod signals;
mod solutions;
mod team;

use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use domain::authz::{self, Action, Permit, Principal, Standing};
use domain::case::EventKind;
use domain::identity::Actor;
use domain::slice::{CaseRelation, TeamRole};
use domain::{
    CaseId, LifeDomain, OrganisationId, OrganisationKind, ProfessionalId, ResidentId, RoleSet,
};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, TransactionTrait};

pub use accountability::{LogCursor, LogFilter};
pub use decisions::{NewDecision, Resolution};
pub use integration::ChangeCursor;
pub use items::{
    NewAgreement, NewEvaluation, NewFact, NewFirstStep, NewProblem, TimelineEntry, WithholdableItem,
};
pub use lists::{
    CaseItem, ItemLists, ItemListsEntry, ItemListsRead, ListPage, PageRequest, Position,
};
pub use records::{CaseCursor, CaseFilter, CaseloadEntry, ResidentToOpen};
pub use signals::NewSignal;
pub use team::InvitationDecision;

use crate::access_log::{self, Accessor, Changes, Ledger};
use crate::entity::case_event;
use crate::events::{self, CaseSignal, PendingSignals};
use crate::{Error, Result, Store};

/// One request's consistent view of the database. What leaves it is noted in the operation's
/// [`Ledger`] for the access log.
pub struct Snapshot {
    transaction: DatabaseTransaction,
    ledger: Ledger,
}

/// A write transaction. It reads like a [`Snapshot`] and commits all its rows at once or none,
/// with the access-log entries for what it changed.
pub struct Writer {
    snapshot: Snapshot,
    changes: Changes,
    signals: PendingSignals,
    store: Store,
    /// How far behind the wall clock this writer dates what it writes, in microseconds; zero
    /// except while a case history is loaded (see [`Writer::backdate`]).
    backdated_by: AtomicI64,
}

impl Deref for Writer {
    type Target = Snapshot;

    fn deref(&self) -> &Snapshot {
        &self.snapshot
    }
}

impl Store {
    /// A read-only snapshot for one request. On PostgreSQL a repeatable-read transaction on a
    /// connection where that is every transaction's default, so it opens with a bare `BEGIN`;
    /// on SQLite a deferred transaction, which in WAL mode reads one snapshot from its first
    /// read.
    pub async fn snapshot(&self, ledger: &Ledger) -> Result<Snapshot> {
        let transaction = self.snapshot_connection().begin().await?;
        Ok(Snapshot {
            transaction,
            ledger: ledger.clone(),
        })
    }

    /// A write transaction. On SQLite it takes the write lock at once, so reading before
    /// writing never fails halfway; on PostgreSQL writes to a case lock its row first.
    pub async fn begin_write(&self, ledger: &Ledger) -> Result<Writer> {
        Ok(Writer {
            snapshot: Snapshot {
                transaction: self.begin_transaction().await?,
                ledger: ledger.clone(),
            },
            changes: Changes::default(),
            signals: PendingSignals::default(),
            store: self.clone(),
            backdated_by: AtomicI64::new(0),
        })
    }
}

impl Writer {
    /// Dates what this writer writes from now on as if the clock showed `to`, and the clock
    /// runs on from there; `None` goes back to the wall clock. This is for loading a case
    /// history, such as the demo's earlier cases, so that their items, decisions and quotas
    /// fall in the months they belong to. The access log keeps the wall clock: it records when
    /// the data was written.
    pub fn backdate(&self, to: Option<DateTime<Utc>>) {
        let by = to.map_or(0, |to| {
            Ord::max((Utc::now() - to).num_microseconds().unwrap_or(0), 0)
        });
        self.backdated_by.store(by, Ordering::Relaxed);
    }

    /// The time this writer dates its writes with.
    fn now(&self) -> DateTime<Utc> {
        Utc::now() - TimeDelta::microseconds(self.backdated_by.load(Ordering::Relaxed))
    }

    /// Commits the changes together with their access-log entries (and, for a request holding
    /// an Idempotency-Key, the note that it committed), then lets subscribers know.
    pub async fn commit(self) -> Result<()> {
        let entries = self.changes.take(&self.snapshot.ledger.context_handle());
        let recorded = access_log::append(&self.snapshot.transaction, &entries).await?;
        self.store
            .note_commit_in(&self.snapshot.transaction)
            .await?;
        let signals = self.signals.take();
        let postgres = self.store.backend() == DatabaseBackend::Postgres;
        if postgres {
            events::notify_on_commit(&self.snapshot.transaction, &signals).await?;
        }
        self.snapshot.transaction.commit().await?;
        access_log::emit_processing_spans(self.snapshot.ledger.context(), &recorded);
        if !postgres {
            self.store.publish(signals);
        }
        Ok(())
    }

    fn connection(&self) -> &DatabaseTransaction {
        &self.snapshot.transaction
    }
}

/// Who is asking. The kind policy of a professional's organisation is not part of it: it is
/// read, as of the snapshot, by the statement that finds their access to a case, and travels
/// with that access.
#[derive(Debug, Clone)]
pub struct Viewer {
    kind: ViewerKind,
    /// Who the viewer is as the action policy sees them.
    actor: Actor,
}

#[derive(Debug, Clone)]
enum ViewerKind {
    Professional {
        professional_id: ProfessionalId,
        organisation_id: OrganisationId,
        organisation_kind: OrganisationKind,
        roles: RoleSet,
    },
    Resident {
        resident_id: ResidentId,
    },
    /// An organisation's integration. It reads no case through the ordinary queries; with the
    /// export scope it pulls its organisation's agreement changes ([`Snapshot::agreement_changes`]).
    Service {
        organisation_id: OrganisationId,
        organisation_kind: OrganisationKind,
        exports: bool,
    },
    /// The platform operator: no relation to any case.
    Nobody,
}

/// A kind policy as the slice predicate needs it: the life domains the viewer's organisation
/// kind may receive, and whether it may see the BSN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PolicyMask {
    life_domains: u16,
    bsn: bool,
}

impl PolicyMask {
    /// What a kind without a policy receives of other organisations: nothing.
    const NOTHING: Self = Self {
        life_domains: 0,
        bsn: false,
    };

    /// The kind policy of `kind` as two columns of a statement that finds a professional's
    /// access, so the access and the policy it carries come from one snapshot in one round
    /// trip. [`PolicyMask::from_row`] reads them back.
    fn columns(backend: DatabaseBackend, kind: OrganisationKind) -> [(Expr, &'static str); 2] {
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

    fn from_row(row: &sea_orm::QueryResult) -> Result<Self> {
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

    fn allows(self, domain: LifeDomain) -> bool {
        self.life_domains & domain_bit(domain) != 0
    }

    fn domains(self) -> Vec<&'static str> {
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

/// Proof that the viewer stands in a relation to one case, found in this snapshot. It has no
/// public constructor: the only way to hold one is to ask [`Snapshot::case_access`] or
/// [`Snapshot::caseload`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseAccess {
    case_id: CaseId,
    relation: Relation,
    /// Read as one case of a list (a caseload page): the BSN never reaches an organisation
    /// through a list (§5.7); the resident's own file is theirs whole.
    listed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Relation {
    Member {
        professional_id: ProfessionalId,
        organisation_id: OrganisationId,
        organisation_kind: OrganisationKind,
        role: TeamRole,
        policy: PolicyMask,
    },
    Resident {
        resident_id: ResidentId,
    },
    /// An integration reading for its organisation, which has a member on the case who is not
    /// only its process facilitator: it reads what that organisation's members read.
    Service {
        organisation_id: OrganisationId,
        organisation_kind: OrganisationKind,
    },
}

impl CaseAccess {
    pub fn case_id(&self) -> CaseId {
        self.case_id
    }

    /// The relation in the oracle's terms.
    pub fn relation(&self) -> CaseRelation {
        match self.relation {
            Relation::Member {
                role,
                organisation_kind,
                ..
            } => CaseRelation::TeamMember {
                role,
                kind: organisation_kind,
            },
            Relation::Resident { .. } => CaseRelation::Resident,
            Relation::Service {
                organisation_kind, ..
            } => CaseRelation::TeamMember {
                role: TeamRole::Member,
                kind: organisation_kind,
            },
        }
    }

    /// How this access stands to its case, in the action policy's terms.
    pub fn standing(&self) -> Standing {
        match self.relation {
            Relation::Member { role, .. } => Standing::Member(role),
            Relation::Resident { .. } => Standing::Resident,
            // An integration acts on no case through the case's own operations.
            Relation::Service { .. } => Standing::Outsider,
        }
    }

    pub fn team_role(&self) -> Option<TeamRole> {
        match self.relation {
            Relation::Member { role, .. } => Some(role),
            Relation::Resident { .. } | Relation::Service { .. } => None,
        }
    }

    pub fn is_resident(&self) -> bool {
        matches!(self.relation, Relation::Resident { .. })
    }

    /// Whether texts, amounts and names reach this viewer; process facilitators see only the
    /// process (§5.2).
    pub fn sees_content(&self) -> bool {
        self.team_role() != Some(TeamRole::ProcessFacilitator)
    }

    /// Whether the resident's name and contact details reach this viewer (§5.7).
    pub fn sees_resident_identity(&self) -> bool {
        self.sees_content()
    }

    /// Whether the resident's BSN reaches this viewer: the resident, and members of kinds
    /// whose policy includes it (§5.7).
    pub fn sees_bsn(&self) -> bool {
        match self.relation {
            // Never in a list of cases, only on one case's own view (§5.7).
            Relation::Member { role, policy, .. } => {
                policy.bsn && role != TeamRole::ProcessFacilitator && !self.listed
            }
            Relation::Resident { .. } => true,
            // An export carries no identifiers; the back office has its own.
            Relation::Service { .. } => false,
        }
    }

    fn member(&self) -> Option<(ProfessionalId, OrganisationId)> {
        match self.relation {
            Relation::Member {
                professional_id,
                organisation_id,
                ..
            } => Some((professional_id, organisation_id)),
            Relation::Resident { .. } | Relation::Service { .. } => None,
        }
    }

    /// The professional and organisation writing content, or why this viewer may not.
    fn content_author(&self) -> Result<(ProfessionalId, OrganisationId)> {
        match self.relation {
            Relation::Member {
                role: TeamRole::ProcessFacilitator,
                ..
            } => Err(Error::Forbidden(
                "a process facilitator guides the process and does not write content",
            )),
            Relation::Member {
                professional_id,
                organisation_id,
                ..
            } => Ok((professional_id, organisation_id)),
            Relation::Resident { .. } => Err(Error::Forbidden(
                "the resident writes their perspective and consents; the team writes the rest",
            )),
            Relation::Service { .. } => Err(Error::Forbidden(
                "an integration reads its organisation's caseload and does not write content",
            )),
        }
    }

    fn require_case_lead(&self) -> Result<(ProfessionalId, OrganisationId)> {
        match self.relation {
            Relation::Member {
                role: TeamRole::CaseLead,
                professional_id,
                organisation_id,
                ..
            } => Ok((professional_id, organisation_id)),
            _ => Err(Error::Forbidden("only the case lead may do this")),
        }
    }

    /// Who did something, for the timeline and the who-changed-it columns.
    fn actor(&self) -> ActorColumns {
        match self.relation {
            Relation::Member {
                professional_id,
                organisation_id,
                role,
                ..
            } => ActorColumns {
                kind: "professional",
                professional_id: Some(professional_id),
                organisation_id: Some(organisation_id),
                by_resident: false,
                role: role.as_str(),
            },
            Relation::Resident { .. } => ActorColumns {
                kind: "resident",
                professional_id: None,
                organisation_id: None,
                by_resident: true,
                role: "resident",
            },
            Relation::Service {
                organisation_id, ..
            } => ActorColumns {
                kind: "service",
                professional_id: None,
                organisation_id: Some(organisation_id),
                by_resident: false,
                role: "service",
            },
        }
    }

    /// Who this access reads for, as the access log records them.
    pub(crate) fn accessor(&self) -> Accessor {
        self.actor().accessor()
    }

    /// The key under which the slice predicate is the same for every case: one query serves
    /// all cases of a batch with the same key.
    fn predicate_key(&self) -> PredicateKey {
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

#[derive(Debug, Clone, Copy)]
struct ActorColumns {
    /// `professional`, `resident` or `service`, as the access log names actors.
    kind: &'static str,
    professional_id: Option<ProfessionalId>,
    organisation_id: Option<OrganisationId>,
    by_resident: bool,
    /// The actor's role on the case, as the access log names it.
    role: &'static str,
}

impl ActorColumns {
    fn accessor(self) -> Accessor {
        Accessor {
            kind: self.kind,
            id: self.professional_id.map(|id| id.0.to_string()),
            organisation_id: self.organisation_id.map(|id| id.0),
            role: Some(self.role),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PredicateKey {
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
fn visible_rows(table: &'static str, slicing: Slicing, key: PredicateKey) -> Condition {
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
    pub(crate) fn connection(&self) -> &DatabaseTransaction {
        &self.transaction
    }

    /// Notes for the access log that `count` items of `kind` of the case of `access` are
    /// leaving the server.
    pub(crate) fn disclose(
        &self,
        access: &CaseAccess,
        kind: &'static str,
        count: usize,
        life_domains: impl IntoIterator<Item = &'static str>,
    ) {
        self.ledger
            .disclose(access.case_id, access.accessor(), kind, count, life_domains);
    }

    pub(crate) fn backend(&self) -> DatabaseBackend {
        self.transaction.get_database_backend()
    }

    /// Directory data a case refers to, read in this snapshot on its own connection: a request
    /// never waits for a second connection while it holds one.
    pub async fn organisations_by_id(
        &self,
        ids: &[domain::OrganisationId],
    ) -> Result<Vec<domain::Organisation>> {
        crate::organisations::organisations_by_id(self.connection(), ids).await
    }

    /// See [`Snapshot::organisations_by_id`].
    pub async fn municipalities(&self) -> Result<Vec<domain::Municipality>> {
        crate::organisations::municipalities(self.connection()).await
    }

    /// See [`Snapshot::organisations_by_id`].
    pub async fn professionals_by_id(
        &self,
        ids: &[domain::ProfessionalId],
    ) -> Result<Vec<domain::Professional>> {
        crate::identity::professionals_by_id(self.connection(), ids).await
    }

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

    /// The viewer behind `actor`; a service's organisation as of this snapshot.
    pub async fn viewer(&self, actor: &Actor) -> Result<Viewer> {
        let kind = match actor {
            Actor::Professional(professional) => ViewerKind::Professional {
                professional_id: professional.professional_id,
                organisation_id: professional.organisation_id,
                organisation_kind: professional.organisation_kind,
                roles: professional.roles.clone(),
            },
            Actor::Resident(resident) => ViewerKind::Resident {
                resident_id: resident.resident_id,
            },
            Actor::Service(service) => {
                let organisation = self
                    .organisations_by_id(&[service.organisation_id])
                    .await?
                    .pop()
                    .ok_or(Error::NotFound("organisation"))?;
                ViewerKind::Service {
                    organisation_id: service.organisation_id,
                    organisation_kind: organisation.kind,
                    exports: service
                        .scopes
                        .contains(&domain::identity::ServiceScope::CaseloadExport),
                }
            }
            Actor::PlatformAdmin(_) => ViewerKind::Nobody,
        };
        Ok(Viewer {
            kind,
            actor: actor.clone(),
        })
    }

    /// The viewer's access to one case, or `NotFound` — the same answer for a case that does
    /// not exist and one the viewer has no relation to (§5.1).
    pub async fn case_access(&self, viewer: &Viewer, case_id: CaseId) -> Result<CaseAccess> {
        self.case_accesses(viewer, &[case_id])
            .await?
            .pop()
            .ok_or(Error::NotFound("case"))
    }

    /// Which of `case_ids` the viewer still has a relation to, as of this snapshot: a response
    /// kept from earlier is delivered again only while every case in it is.
    pub async fn related_cases(&self, viewer: &Viewer, case_ids: &[CaseId]) -> Result<Vec<CaseId>> {
        Ok(self
            .case_accesses(viewer, case_ids)
            .await?
            .into_iter()
            .map(|access| access.case_id)
            .collect())
    }

    /// Whether anything that narrows what the team or the resident reads happened on any of
    /// `case_ids` after `since`: a consent revoked, an item withheld, a member leaving or
    /// removed, the case lead handed on, or the kind policy of the viewer's organisation
    /// replaced. A response kept from before such a change is not delivered again, since it
    /// may hold what its reader no longer sees.
    pub async fn access_changed_since(
        &self,
        viewer: &Viewer,
        case_ids: &[CaseId],
        since: DateTime<Utc>,
    ) -> Result<bool> {
        use crate::entity::kind_policy;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        if let ViewerKind::Professional {
            organisation_kind, ..
        } = &viewer.kind
        {
            let replaced = kind_policy::Entity::find()
                .filter(kind_policy::Column::OrganisationKind.eq(organisation_kind.as_str()))
                .filter(kind_policy::Column::UpdatedAt.gt(since))
                .count(self.connection())
                .await?;
            if replaced > 0 {
                return Ok(true);
            }
        }
        let changes = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(case_ids.iter().map(|id| id.0)))
            .filter(case_event::Column::At.gt(since))
            .filter(
                case_event::Column::Kind.is_in(
                    [
                        EventKind::ConsentRevoked,
                        EventKind::WithheldFromResident,
                        EventKind::MemberLeft,
                        EventKind::MemberRemoved,
                        EventKind::CaseLeadTransferred,
                    ]
                    .map(EventKind::as_str),
                ),
            )
            .count(self.connection())
            .await?;
        Ok(changes > 0)
    }

    /// The viewer's access to each of `case_ids` they have a relation to, in one query.
    pub(crate) async fn case_accesses(
        &self,
        viewer: &Viewer,
        case_ids: &[CaseId],
    ) -> Result<Vec<CaseAccess>> {
        use crate::entity::{case, team_member};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
        let ids: Vec<_> = case_ids.iter().map(|id| id.0).collect();
        match &viewer.kind {
            ViewerKind::Professional {
                professional_id,
                organisation_id,
                organisation_kind,
                roles,
            } => {
                let mut query = team_member::Entity::find()
                    .select_only()
                    .column(team_member::Column::CaseId)
                    .column(team_member::Column::Role)
                    .filter(team_member::Column::CaseId.is_in(ids))
                    .filter(team_member::Column::ProfessionalId.eq(professional_id.0))
                    .filter(team_member::Column::OrganisationId.eq(organisation_id.0))
                    .filter(team_member::Column::LeftAt.is_null())
                    .filter(team_member::Column::Role.is_in(acting_team_roles(roles)));
                for (column, alias) in PolicyMask::columns(self.backend(), *organisation_kind) {
                    query = query.column_as(column, alias);
                }
                let rows = self
                    .connection()
                    .query_all_raw(query.build(self.backend()))
                    .await?;
                rows.iter()
                    .map(|row| {
                        let case_id: uuid::Uuid = row.try_get("", "case_id")?;
                        let role: String = row.try_get("", "role")?;
                        viewer.access(CaseId(case_id), Some((&role, PolicyMask::from_row(row)?)))
                    })
                    .collect()
            }
            ViewerKind::Resident { resident_id } => {
                let rows: Vec<uuid::Uuid> = case::Entity::find()
                    .select_only()
                    .column(case::Column::Id)
                    .filter(case::Column::Id.is_in(ids))
                    .filter(case::Column::ResidentId.eq(resident_id.0))
                    .into_tuple()
                    .all(self.connection())
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|id| CaseAccess {
                        listed: false,
                        case_id: CaseId(id),
                        relation: Relation::Resident {
                            resident_id: *resident_id,
                        },
                    })
                    .collect())
            }
            ViewerKind::Service { .. } | ViewerKind::Nobody => Ok(Vec::new()),
        }
    }
}

/// The team roles a token with `roles` acts in: a membership counts only while the token
/// carries an organisation role that fits it (`domain::authz::acts_in_team_role`), so a token
/// never reads or does more on a case than joining it fresh would allow.
pub(crate) fn acting_team_roles(roles: &RoleSet) -> Vec<&'static str> {
    TeamRole::ALL
        .iter()
        .filter(|team_role| domain::authz::acts_in_team_role(roles, **team_role))
        .map(|team_role| team_role.as_str())
        .collect()
}

impl Viewer {
    /// The predicate key under which this viewer reads the shared plan (§5.3), known before
    /// their access to any one case is: every member sees all of it, so a member's kind policy,
    /// which comes with the access, does not enter. `None` for a viewer with no case.
    fn shared_plan_key(&self) -> Option<PredicateKey> {
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

    /// Asks the action policy whether this viewer, standing so to the object, may do `action`.
    pub fn authorize(&self, standing: Standing, action: Action) -> Result<Permit> {
        authz::authorize(Principal::of(&self.actor), standing, action).map_err(Error::from)
    }

    /// The actor this viewer was built from.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The access of this viewer to a case they were found to have a relation to: for a
    /// professional, `member` is their active team role there and their organisation kind's
    /// policy, read in the same snapshot.
    pub(super) fn access(
        &self,
        case_id: CaseId,
        member: Option<(&str, PolicyMask)>,
    ) -> Result<CaseAccess> {
        let relation = match (&self.kind, member) {
            (
                ViewerKind::Professional {
                    professional_id,
                    organisation_id,
                    organisation_kind,
                    ..
                },
                Some((role, policy)),
            ) => Relation::Member {
                professional_id: *professional_id,
                organisation_id: *organisation_id,
                organisation_kind: *organisation_kind,
                role: TeamRole::parse(role).ok_or(Error::Corrupt("team role"))?,
                policy,
            },
            (ViewerKind::Resident { resident_id }, None) => Relation::Resident {
                resident_id: *resident_id,
            },
            _ => return Err(Error::NotFound("case")),
        };
        Ok(CaseAccess {
            case_id,
            relation,
            listed: false,
        })
    }

    fn professional(&self) -> Result<(ProfessionalId, OrganisationId, &RoleSet)> {
        match &self.kind {
            ViewerKind::Professional {
                professional_id,
                organisation_id,
                roles,
                ..
            } => Ok((*professional_id, *organisation_id, roles)),
            _ => Err(Error::Forbidden("only a professional may do this")),
        }
    }

    /// The organisation the viewer acts for, if any.
    pub fn organisation_id(&self) -> Option<OrganisationId> {
        match &self.kind {
            ViewerKind::Professional {
                organisation_id, ..
            } => Some(*organisation_id),
            _ => None,
        }
    }
}

/// Groups accesses by the predicate that serves them, so a batch costs one query per group
/// (in practice one: a request has one viewer).
fn group_by_predicate(accesses: &[CaseAccess]) -> Vec<(PredicateKey, Vec<uuid::Uuid>)> {
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

/// Records what happened on a case for its timeline and the access log, and marks the case
/// active.
async fn record_event(
    writer: &Writer,
    case_id: CaseId,
    at: DateTime<Utc>,
    kind: EventKind,
    item: Option<(&'static str, uuid::Uuid)>,
    actor: ActorColumns,
) -> Result<()> {
    use crate::entity::case;
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    writer.changes.note(
        case_id,
        actor.accessor(),
        kind.as_str(),
        item.map(|(kind, _)| kind),
    );
    writer.signals.push(CaseSignal {
        case_id,
        kind,
        item_kind: item.map(|(kind, _)| kind.to_owned()),
        item_id: item.map(|(_, id)| id),
        at,
    });
    let connection = writer.connection();
    case_event::Entity::insert(case_event::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        case_id: Set(case_id.0),
        at: Set(at),
        kind: Set(kind.as_str().to_owned()),
        item_kind: Set(item.map(|(kind, _)| kind.to_owned())),
        item_id: Set(item.map(|(_, id)| id)),
        organisation_id: Set(actor.organisation_id.map(|id| id.0)),
        professional_id: Set(actor.professional_id.map(|id| id.0)),
        by_resident: Set(actor.by_resident),
    })
    .exec_without_returning(connection)
    .await?;
    case::Entity::update_many()
        .col_expr(case::Column::LastActivityAt, Expr::value(at))
        .filter(case::Column::Id.eq(case_id.0))
        .exec(connection)
        .await?;
    Ok(())
}

/// The life domains of a set, as stored.
fn domain_names(domains: &BTreeSet<LifeDomain>) -> Vec<&'static str> {
    domains.iter().map(|domain| domain.as_str()).collect()
}
