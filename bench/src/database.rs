//! The benchmark's own connections to the database it measures on.
//!
//! The benchmark writes its synthetic rows, reads them back and replays recorded statements on
//! these, never through the store: `persistence` has no door for raw SQL. They are opened with
//! the store's own options ([`persistence::connect_options`]): pool sizes, SQLite's pragmas,
//! the snapshots' read-only repeatable-read default on PostgreSQL, so that the bare-SQL
//! baseline differs from the server only by what is around the SQL.

use persistence::Pool;
use sea_orm::{
    ConnectionTrait, Database as SeaOrm, DatabaseBackend, DatabaseConnection, DbErr, Statement,
};

/// Connections to the benchmark's database.
pub struct Database {
    /// Writes the generated rows, reads them back and settles the database.
    pub writes: DatabaseConnection,
    /// Where recorded reads run again, as the server's read snapshots run: on PostgreSQL every
    /// transaction here is a read-only repeatable-read snapshot from its `BEGIN`, set when the
    /// connection opens, as on the store's snapshot pool; on SQLite the same pool as `writes`,
    /// as the store has one pool there.
    pub snapshots: DatabaseConnection,
}

impl Database {
    /// Connects to `url` as the store does, with pools of the same sizes.
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        let writes = SeaOrm::connect(persistence::connect_options(url, Pool::Writes)).await?;
        let snapshots = if writes.get_database_backend() == DatabaseBackend::Sqlite {
            writes.clone()
        } else {
            SeaOrm::connect(persistence::connect_options(url, Pool::Snapshots)).await?
        };
        Ok(Self { writes, snapshots })
    }

    pub fn is_sqlite(&self) -> bool {
        self.writes.get_database_backend() == DatabaseBackend::Sqlite
    }

    /// Whether the database holds no tables at all. Synthetic data is only ever written into
    /// a database of its own.
    pub async fn is_empty(&self) -> Result<bool, DbErr> {
        let backend = self.writes.get_database_backend();
        let sql = match backend {
            DatabaseBackend::Sqlite => {
                "SELECT count(*) AS tables FROM sqlite_master WHERE type = 'table'"
            }
            _ => {
                "SELECT count(*) AS tables FROM information_schema.tables \
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            }
        };
        let row = self
            .writes
            .query_one_raw(Statement::from_string(backend, sql))
            .await?;
        let tables: i64 = match row {
            Some(row) => row.try_get("", "tables")?,
            None => 0,
        };
        Ok(tables == 0)
    }

    /// Brings a freshly loaded PostgreSQL database to the state autovacuum and the background
    /// writer reach on their own within minutes: statistics and visibility maps up to date,
    /// and the loaded pages written out, so the first measurement does not pay for the load's
    /// checkpoint. A role that may not checkpoint leaves the pages to the next one.
    pub async fn settle(&self) -> Result<(), DbErr> {
        self.writes.execute_unprepared("VACUUM ANALYZE").await?;
        if let Err(error) = self.writes.execute_unprepared("CHECKPOINT").await {
            eprintln!("maatwerk-bench: warning: the database could not be checkpointed: {error}");
        }
        Ok(())
    }

    pub async fn close(self) -> Result<(), DbErr> {
        if !self.is_sqlite() {
            self.snapshots.close().await?;
        }
        self.writes.close().await
    }
}
