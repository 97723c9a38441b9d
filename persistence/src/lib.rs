//! Maatwerk storage on SQLite and PostgreSQL.
//!
//! [`Store`] is the only way the rest of the system touches the database. Repository
//! functions take and return domain types; sea-orm entities stay inside this crate.
//! Architecture invariant: functions that return case content take an access value
//! ([`cases::CaseAccess`]) that only the authorization code constructs, and push the
//! visibility predicate into SQL.

pub mod access_log;
pub mod cases;
mod connection;
pub mod directory;
mod entity;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod identity;
pub mod import_jobs;
pub mod kind_policies;
pub mod mandates;
mod migration;
pub mod organisations;
pub mod residents;
pub mod signals;
pub mod solutions;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement,
};
use sea_orm_migration::MigratorTrait;

use connection::Connection;

pub use error::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The database behind the product, and every query the product makes against it.
#[derive(Clone, Debug)]
pub struct Store {
    /// What writes and the other statements run on: the pool `pool`, or inside
    /// [`Store::in_one_transaction`] that one transaction.
    db: Connection,
    /// What read snapshots run on: `snapshot_pool`, or the one transaction.
    snapshots: Connection,
    pool: DatabaseConnection,
    /// The connections read snapshots run on. On PostgreSQL every transaction there is a
    /// read-only repeatable-read snapshot from its `BEGIN`, set when the connection opens, so a
    /// snapshot costs one round trip to open instead of two; on SQLite the same pool as `pool`.
    snapshot_pool: DatabaseConnection,
    /// How many SQL statements this store has run; lets tests and benchmarks see that a
    /// request's statement count depends on its shape, not on the data.
    statements: Arc<AtomicU64>,
    events: Arc<events::EventHub>,
    /// The request holding an Idempotency-Key this store writes for, if any.
    commit_note: Option<Arc<idempotency::CommitNote>>,
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

impl Store {
    /// Connects to `sqlite://…` or `postgres://…`. SQLite gets write-ahead logging and a busy
    /// timeout so that concurrent requests queue instead of failing, and syncs every commit to
    /// disk: an access-log entry must survive a power cut once the data it covers has left.
    pub async fn connect(url: &str) -> Result<Self> {
        let statements = Arc::new(AtomicU64::new(0));
        let sqlite = url.starts_with("sqlite");
        let db = pool(url, Pool::Writes, &statements).await?;
        let snapshots = if sqlite {
            db.clone()
        } else {
            pool(url, Pool::Snapshots, &statements).await?
        };
        Ok(Self::on_pools(db, snapshots, statements))
    }

    fn on_pools(
        pool: DatabaseConnection,
        snapshot_pool: DatabaseConnection,
        statements: Arc<AtomicU64>,
    ) -> Self {
        Self {
            db: Connection::Pool(pool.clone()),
            snapshots: Connection::Pool(snapshot_pool.clone()),
            pool,
            snapshot_pool,
            statements,
            events: Arc::default(),
            commit_note: None,
        }
    }

    /// Runs `work` on a store whose every statement, its writers' and read snapshots'
    /// included, is part of one transaction: committed when `work` succeeds, rolled back when
    /// it fails, so nothing of it is left half done. What `work`'s writers commit are
    /// savepoints; on SQLite their case signals reach this process's subscribers before the
    /// whole commits, so only work nobody follows live (loading the demo) runs this way.
    pub async fn in_one_transaction<T, E: From<Error>>(
        &self,
        work: impl AsyncFnOnce(&Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let options = TransactionOptions {
            sqlite_transaction_mode: self.is_sqlite().then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let transaction = Arc::new(
            self.pool
                .begin_with_options(options)
                .await
                .map_err(Error::from)?,
        );
        let within = Store {
            db: Connection::Within(Arc::clone(&transaction)),
            snapshots: Connection::Within(Arc::clone(&transaction)),
            ..self.clone()
        };
        let outcome = work(&within).await;
        drop(within);
        let transaction = Arc::try_unwrap(transaction)
            .map_err(|_| Error::Corrupt("the work kept its transaction"))?;
        match outcome {
            Ok(value) => {
                transaction.commit().await.map_err(Error::from)?;
                Ok(value)
            }
            Err(error) => {
                // Dropping it would roll back too; this way a failure to is logged.
                if let Err(rollback) = transaction.rollback().await {
                    tracing::warn!(error = %rollback, "rolling back a failed transaction");
                }
                Err(error)
            }
        }
    }

    /// This store on the same pools, with every statement it runs also shown to `observer`;
    /// the statement count goes on as before. It is for tools that measure what a request
    /// costs, such as the benchmark, which records the statements a read ran to run them again
    /// without the server around them. Case events reach the same subscribers as this store's.
    /// Made outside [`Store::in_one_transaction`]: its statements run on the pools, not in
    /// that transaction.
    pub fn observed(&self, observer: impl Fn(&Statement) + Send + Sync + 'static) -> Store {
        let observer: Arc<Observer> = Arc::new(observer);
        let pool = counting(&self.pool, &self.statements, Some(Arc::clone(&observer)));
        let snapshot_pool = if self.is_sqlite() {
            pool.clone()
        } else {
            counting(&self.snapshot_pool, &self.statements, Some(observer))
        };
        Store {
            events: Arc::clone(&self.events),
            ..Store::on_pools(pool, snapshot_pool, Arc::clone(&self.statements))
        }
    }

    /// The number of SQL statements run through this store so far.
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    pub fn is_sqlite(&self) -> bool {
        self.backend() == DatabaseBackend::Sqlite
    }

    /// Applies every migration not yet applied.
    pub async fn migrate(&self) -> Result<()> {
        migration::Migrator::up(&self.pool, None).await?;
        Ok(())
    }

    /// Whether every migration has been applied, so the server can refuse to start on an
    /// outdated schema instead of failing on the first query.
    pub async fn is_migrated(&self) -> Result<bool> {
        Ok(migration::Migrator::get_pending_migrations(&self.pool)
            .await?
            .is_empty())
    }

    /// A trivial round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        self.pool.ping().await?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        if !self.is_sqlite() {
            self.snapshot_pool.close().await?;
        }
        self.pool.close().await?;
        Ok(())
    }

    /// How the store's connection pools are used right now, for the server's metrics.
    pub fn pool_use(&self) -> Vec<PoolUse> {
        let mut pools = vec![PoolUse::of("writes", &self.pool)];
        if !self.is_sqlite() {
            pools.push(PoolUse::of("snapshots", &self.snapshot_pool));
        }
        pools.into_iter().flatten().collect()
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.db
    }

    pub(crate) fn snapshot_connection(&self) -> &Connection {
        &self.snapshots
    }

    /// The pool writes run on, for what only a pool does (listening, pool metrics).
    pub(crate) fn pool(&self) -> &DatabaseConnection {
        &self.pool
    }

    /// Runs `statement` as is; for test set-up and tooling, never with user input.
    pub async fn execute_unprepared(&self, statement: &str) -> Result<()> {
        self.db.execute_unprepared(statement).await?;
        Ok(())
    }
}

/// A store function guarded by the action policy takes the `Permit` it gave, and opens only for
/// the actions it serves: a permit for something else opens nothing.
pub(crate) fn permitted(
    permit: &domain::authz::Permit,
    actions: &[domain::authz::Action],
) -> Result<()> {
    if actions.contains(&permit.action()) {
        Ok(())
    } else {
        Err(Error::Forbidden("the action policy allowed something else"))
    }
}

/// One connection pool's use: its open connections, how many of them are idle, and its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// `writes` (writes and the access log; on SQLite every statement) or `snapshots`.
    pub pool: &'static str,
    pub open: u32,
    pub idle: u32,
    pub limit: u32,
}

impl PoolUse {
    fn of(pool: &'static str, connection: &DatabaseConnection) -> Option<Self> {
        use sea_orm::DatabaseConnectionType as Type;
        let (open, idle, limit) = match &connection.inner {
            Type::SqlxPostgresPoolConnection(_) => {
                let pool = connection.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            Type::SqlxSqlitePoolConnection(_) => {
                let pool = connection.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => return None,
        };
        Some(Self {
            pool,
            open,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            limit,
        })
    }
}

/// One of the store's connection pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// Writes and the access log; on SQLite every statement.
    Writes,
    /// Read snapshots on PostgreSQL: every transaction on it is a read-only repeatable-read
    /// snapshot from its `BEGIN`.
    Snapshots,
}

/// How the store opens `pool` on `url`: its size and timeouts, SQLite's pragmas, and on
/// PostgreSQL the snapshots' read-only repeatable-read default. For tools that open their own
/// connections beside a store and need a statement to cost there what it costs the store, such
/// as the benchmark's bare-SQL baseline.
pub fn connect_options(url: &str, pool: Pool) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        // Pinging every connection on every checkout costs a round trip per request; only
        // a connection idle long enough to have been dropped on the way is checked first.
        .test_before_acquire_if_idle_for(Duration::from_secs(10))
        .max_connections(match pool {
            Pool::Writes => 8,
            Pool::Snapshots => 16,
        });
    options.map_sqlx_sqlite_opts(|sqlite| {
        sqlite
            .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            // `Normal` in WAL mode may lose the last commits on power loss; the access log's
            // promise is durability, and group commit keeps the fsyncs few.
            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Each connection has its own page cache; the default 2 MiB turns most reads
            // of a large database into system calls. Memory-mapped reads share the OS cache.
            .pragma("cache_size", "-32768")
            .pragma("mmap_size", "1073741824")
    });
    if pool == Pool::Snapshots {
        options.map_sqlx_postgres_opts(|postgres| {
            postgres.options([
                ("default_transaction_isolation", "repeatable read"),
                ("default_transaction_read_only", "on"),
            ])
        });
    }
    options
}

/// `pool` on `url`, counting its statements in `statements`.
async fn pool(url: &str, pool: Pool, statements: &Arc<AtomicU64>) -> Result<DatabaseConnection> {
    let options = connect_options(url, pool);
    let db = Database::connect(options).await?;
    Ok(counting(&db, statements, None))
}

/// What [`Store::observed`] shows each statement to.
type Observer = dyn Fn(&Statement) + Send + Sync;

/// `pool`, counting every statement run on it in `statements` and showing it to `observer`.
fn counting(
    pool: &DatabaseConnection,
    statements: &Arc<AtomicU64>,
    observer: Option<Arc<Observer>>,
) -> DatabaseConnection {
    let mut pool = pool.clone();
    let counter = Arc::clone(statements);
    pool.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::Relaxed);
        if let Some(observer) = &observer {
            observer(info.statement);
        }
    });
    pool
}
