//! Idempotency keys: a client that retries a mutation with the same key gets the first
//! response back and writes nothing new.

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};

use crate::entity::{idempotency_key, import_row};
use crate::error::conflict_on_unique;
use crate::{Error, Result, Store};

/// What a key says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new and now held for this request.
    Claimed,
    /// A request with this key finished; here is its response.
    Completed(String),
    /// A request with this key is still running.
    InProgress,
    /// A request with this key wrote and committed, and its response was lost (the server
    /// stopped before keeping it): the write is not carried out again.
    Committed,
    /// The key was used for a different request.
    Mismatch,
    /// The actor holds as many live keys as they may.
    TooMany,
}

/// What a write notes in its own transaction as it commits: the request holding an
/// Idempotency-Key it commits for, or the import row it carries out.
#[derive(Debug)]
pub(crate) enum CommitNote {
    Request { actor: String, key: String },
    ImportRow(ImportRow),
}

/// The conflict a write reports when its import row was carried out before, by an earlier or
/// a concurrent run.
pub const IMPORTED_BEFORE: &str = "the row was imported before";

/// One row of a bulk import: its key (derived from the row, see `api::import`), whose import
/// it is and of which kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub key: String,
    pub organisation_id: domain::OrganisationId,
    pub kind: &'static str,
}

impl Store {
    /// This store for one request holding `actor`'s `key`: each write it makes notes, in the
    /// write's own transaction, that the request committed, so a retry after a crash learns
    /// the write was carried out instead of carrying it out again.
    pub fn noting_commits(&self, actor: &str, key: &str) -> Store {
        Store {
            commit_note: Some(Arc::new(CommitNote::Request {
                actor: actor.to_owned(),
                key: key.to_owned(),
            })),
            ..self.clone()
        }
    }

    /// This store for carrying out one import row: its write notes the row in its own
    /// transaction, and a row noted before makes the write fail with a conflict, so no row is
    /// carried out twice, even by two runs at once.
    pub fn noting_import_row(&self, row: ImportRow) -> Store {
        Store {
            commit_note: Some(Arc::new(CommitNote::ImportRow(row))),
            ..self.clone()
        }
    }

    /// Which of `keys` were carried out by an earlier run.
    pub async fn imported_rows(
        &self,
        keys: &[String],
    ) -> Result<std::collections::HashSet<String>> {
        let mut found = std::collections::HashSet::new();
        for chunk in keys.chunks(500) {
            let rows: Vec<String> = import_row::Entity::find()
                .select_only()
                .column(import_row::Column::Key)
                .filter(import_row::Column::Key.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(self.connection())
                .await?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Runs `write` in one transaction, noting the commit for the request this store writes
    /// for in the same transaction.
    pub(crate) async fn write<T>(
        &self,
        write: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T>,
    ) -> Result<T> {
        let transaction = self.connection().begin().await?;
        let value = write(&transaction).await?;
        self.note_commit_in(&transaction).await?;
        transaction.commit().await?;
        Ok(value)
    }

    /// Claims `key` for `actor`'s request with body hash `request_hash`. A key is kept for
    /// `window`: a retry within it gets the first response, and after it the key is new again.
    /// Kept responses hold case data, so every claim also purges those whose window closed.
    pub async fn claim_idempotency_key(
        &self,
        actor: &str,
        key: &str,
        request_hash: &str,
        window: std::time::Duration,
        keys_per_actor: u64,
        abandoned_after: std::time::Duration,
    ) -> Result<Claim> {
        let abandoned_after =
            chrono::Duration::from_std(abandoned_after).unwrap_or(chrono::Duration::MAX);
        use sea_orm::PaginatorTrait;
        let cutoff =
            Utc::now() - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
            .exec(self.connection())
            .await?;
        let held = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Actor.eq(actor))
            .count(self.connection())
            .await?;
        let known = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::Actor.eq(actor))
            .filter(idempotency_key::Column::Key.eq(key))
            .count(self.connection())
            .await?;
        if known == 0 && held >= keys_per_actor {
            return Ok(Claim::TooMany);
        }
        let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            actor: Set(actor.to_owned()),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            response: Set(None),
            created_at: Set(Utc::now()),
            committed_at: Set(None),
        })
        .exec_without_returning(self.connection())
        .await
        .map_err(|error| conflict_on_unique(error, "idempotency key"));
        match inserted {
            Ok(_) => Ok(Claim::Claimed),
            Err(Error::Conflict(_)) => {
                let row = idempotency_key::Entity::find()
                    .filter(idempotency_key::Column::Actor.eq(actor))
                    .filter(idempotency_key::Column::Key.eq(key))
                    .one(self.connection())
                    .await?
                    .ok_or(Error::Corrupt("idempotency key"))?;
                if row.request_hash != request_hash {
                    return Ok(Claim::Mismatch);
                }
                match (row.response, row.committed_at) {
                    (Some(response), _) => Ok(Claim::Completed(response)),
                    (None, Some(_)) => Ok(Claim::Committed),
                    // Held longer than any request runs, and nothing committed: the request
                    // that held it is gone, so this one takes the key over and runs.
                    (None, None) if row.created_at < Utc::now() - abandoned_after => {
                        let taken = idempotency_key::Entity::update_many()
                            .filter(idempotency_key::Column::Actor.eq(actor))
                            .filter(idempotency_key::Column::Key.eq(key))
                            .filter(idempotency_key::Column::CreatedAt.eq(row.created_at))
                            .filter(idempotency_key::Column::CommittedAt.is_null())
                            .col_expr(
                                idempotency_key::Column::CreatedAt,
                                sea_orm::sea_query::Expr::value(Utc::now()),
                            )
                            .exec(self.connection())
                            .await?;
                        Ok(if taken.rows_affected == 1 {
                            Claim::Claimed
                        } else {
                            Claim::InProgress
                        })
                    }
                    (None, None) => Ok(Claim::InProgress),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Stores the response of the request that holds `key`.
    pub async fn complete_idempotency_key(
        &self,
        actor: &str,
        key: &str,
        response: &str,
    ) -> Result<()> {
        idempotency_key::Entity::update_many()
            .filter(idempotency_key::Column::Actor.eq(actor))
            .filter(idempotency_key::Column::Key.eq(key))
            .col_expr(
                idempotency_key::Column::Response,
                sea_orm::sea_query::Expr::value(response),
            )
            .exec(self.connection())
            .await?;
        Ok(())
    }

    /// Lets go of `key` after a request that changed nothing, so a retry runs again.
    pub async fn release_idempotency_key(&self, actor: &str, key: &str) -> Result<()> {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::Actor.eq(actor))
            .filter(idempotency_key::Column::Key.eq(key))
            .filter(idempotency_key::Column::Response.is_null())
            .filter(idempotency_key::Column::CommittedAt.is_null())
            .exec(self.connection())
            .await?;
        Ok(())
    }
}

impl Store {
    /// Notes, in `transaction`, that the request this store writes for committed.
    pub(crate) async fn note_commit_in(&self, transaction: &DatabaseTransaction) -> Result<()> {
        match self.commit_note.as_deref() {
            Some(CommitNote::Request { actor, key }) => note_commit(transaction, actor, key).await,
            Some(CommitNote::ImportRow(row)) => {
                import_row::Entity::insert(import_row::ActiveModel {
                    key: Set(row.key.clone()),
                    organisation_id: Set(row.organisation_id.0),
                    kind: Set(row.kind.to_owned()),
                    imported_at: Set(Utc::now()),
                })
                .exec_without_returning(transaction)
                .await
                .map_err(|error| conflict_on_unique(error, IMPORTED_BEFORE))?;
                Ok(())
            }
            None => Ok(()),
        }
    }
}

async fn note_commit(connection: &impl ConnectionTrait, actor: &str, key: &str) -> Result<()> {
    idempotency_key::Entity::update_many()
        .filter(idempotency_key::Column::Actor.eq(actor))
        .filter(idempotency_key::Column::Key.eq(key))
        .col_expr(
            idempotency_key::Column::CommittedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .exec(connection)
        .await?;
    Ok(())
}
