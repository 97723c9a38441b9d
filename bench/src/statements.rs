//! The bare-SQL baseline: record the statements one request ran, then run the very same
//! statements straight on the database, in one read snapshot as the server does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use persistence::Store;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, TransactionTrait};

/// Records the statements a store runs while switched on, so that the benchmark can run the
/// same statements again without the server around them.
#[derive(Clone, Default)]
pub struct StatementLog {
    recording: Arc<AtomicBool>,
    statements: Arc<Mutex<Vec<Statement>>>,
}

impl StatementLog {
    /// `store` on the same pools, with what it runs while this log records kept here.
    pub fn observe(&self, store: &Store) -> Store {
        let log = self.clone();
        store.observed(move |statement| {
            if log.recording.load(Ordering::Relaxed) {
                log.statements
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(statement.clone());
            }
        })
    }

    pub fn start(&self) {
        self.statements
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        self.recording.store(true, Ordering::SeqCst);
    }

    /// Stops recording and returns what was recorded since [`StatementLog::start`].
    pub fn stop(&self) -> RecordedStatements {
        self.recording.store(false, Ordering::SeqCst);
        RecordedStatements(std::mem::take(
            &mut *self
                .statements
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        ))
    }
}

/// Statements recorded by a [`StatementLog`].
#[derive(Clone, Debug, Default)]
pub struct RecordedStatements(Vec<Statement>);

impl RecordedStatements {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The reads the request itself needs: what a baseline for a read request replays. The
    /// access log's group commit runs on the same observed store, so its statements are
    /// recorded too (reading the chains' heads, appending); those are left out, as what the
    /// log costs is measured apart, as the requests' wait on it.
    pub fn reads(&self) -> RecordedStatements {
        RecordedStatements(
            self.0
                .iter()
                .filter(|statement| is_select(&statement.sql) && !on_access_log(&statement.sql))
                .cloned()
                .collect(),
        )
    }

    /// Runs the statements in one read snapshot on `snapshots` (the benchmark's connections
    /// set up as the store's snapshot pool), as a request would, and returns how many rows
    /// they read.
    pub async fn replay(&self, snapshots: &DatabaseConnection) -> Result<usize, DbErr> {
        let snapshot = snapshots.begin().await?;
        let mut rows = 0;
        for statement in &self.0 {
            rows += snapshot.query_all_raw(statement.clone()).await?.len();
        }
        // Ended as the server ends a read snapshot: dropped, which rolls it back.
        drop(snapshot);
        Ok(rows)
    }
}

fn is_select(sql: &str) -> bool {
    sql.trim_start()
        .get(..6)
        .is_some_and(|start| start.eq_ignore_ascii_case("select"))
}

/// Whether `sql` names one of the access log's tables (`access_log`, `access_log_chains`).
fn on_access_log(sql: &str) -> bool {
    sql.to_ascii_lowercase().contains("access_log")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DatabaseBackend;

    fn recorded(sql: &[&str]) -> RecordedStatements {
        RecordedStatements(
            sql.iter()
                .map(|sql| Statement::from_string(DatabaseBackend::Postgres, *sql))
                .collect(),
        )
    }

    #[test]
    fn the_baseline_keeps_the_reads_and_leaves_out_the_access_log() {
        let statements = recorded(&[
            "SELECT \"cases\".\"id\" FROM \"cases\"",
            "  select 1",
            "UPDATE \"professionals\" SET \"last_seen_at\" = $1",
            "SELECT \"head\" FROM \"access_log_chains\" FOR UPDATE",
            "INSERT INTO \"access_log\" (\"sequence\") VALUES ($1)",
        ])
        .reads();
        let kept: Vec<&str> = statements.0.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            kept,
            ["SELECT \"cases\".\"id\" FROM \"cases\"", "  select 1"]
        );
    }
}
