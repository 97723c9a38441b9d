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
//!
//! Where each part lives: `access` finds the [`Viewer`] behind an actor and their
//! [`CaseAccess`] to a case; `visibility` is the slice in SQL and the kind policy it reads;
//! `lists` pages every list under a case and is the one reader of case items ([`CaseItem`]);
//! `items` holds the six step items, one file a kind under `items/`, with what they share;
//! `records` is the case itself, `caseload` the cases a viewer has; `team` its members and
//! invitations; `consent`, `decisions`, `exceptions`, `signals`, `solutions`,
//! `accountability` and `integration` the rest of what hangs off a case. This file holds the
//! transactions ([`Snapshot`], [`Writer`]) and [`record_event`], which every write ends with.

mod access;
mod accountability;
mod caseload;
mod consent;
mod decisions;
mod exceptions;
mod integration;
mod items;
mod lists;
mod policy_mask;
mod records;
mod signals;
mod solutions;
mod team;
mod visibility;

use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use domain::case::EventKind;
use domain::{CaseId, LifeDomain};
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, TransactionTrait};

pub use access::{CaseAccess, Viewer};
pub use accountability::{LogCursor, LogFilter};
pub use caseload::{CaseCursor, CaseFilter, CaseloadEntry};
pub use decisions::{NewDecision, Resolution};
pub use integration::ChangeCursor;
pub use items::{
    NewAgreement, NewEvaluation, NewFact, NewFirstStep, NewProblem, TimelineEntry, WithholdableItem,
};
pub use lists::{
    CaseItem, ItemLists, ItemListsEntry, ItemListsRead, ListPage, PageRequest, Position,
};
pub use records::ResidentToOpen;
pub use signals::NewSignal;
pub use team::InvitationDecision;
pub use visibility::Slicing;

use access::{ActorColumns, Relation, ViewerKind, acting_team_roles};
use policy_mask::PolicyMask;
use visibility::{PredicateKey, group_by_predicate, visible_rows};

use crate::access_log::{self, Changes, Ledger};
use crate::entity::case_event;
use crate::events::{self, CaseSignal, PendingSignals};
use crate::{Result, Store};

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
