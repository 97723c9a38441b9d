//! Schema migrations. Each migration is written once and never edited after it ships.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_cases;
mod m0003_access_log;
mod m0004_pulls_and_retention;
mod m0005_mandates_and_budgets;
mod m0006_rule_exceptions;
mod m0007_signals_and_solutions;
mod m0008_directory;
mod m0009_exception_decision_kind;
mod m0010_invitation_team_role;
mod m0011_idempotency_commit;
mod m0012_import_rows;
mod m0013_import_jobs;

pub struct Migrator;

/// `ddl` with each type placeholder replaced by its name on `backend`, spelled the way the
/// schema builder spells them, so entities read every migration alike.
pub(crate) fn with_types(ddl: &str, backend: sea_orm::DatabaseBackend) -> String {
    let types: &[(&str, &str)] = match backend {
        sea_orm::DatabaseBackend::Sqlite => &[
            ("{uuid}", "uuid_text"),
            ("{timestamp}", "timestamp_with_timezone_text"),
            ("{date}", "date_text"),
            ("{bigint}", "integer"),
            ("{int}", "integer"),
        ],
        _ => &[
            ("{uuid}", "uuid"),
            ("{timestamp}", "timestamp with time zone"),
            ("{date}", "date"),
            ("{bigint}", "bigint"),
            ("{int}", "integer"),
        ],
    };
    types
        .iter()
        .fold(ddl.to_owned(), |sql, (placeholder, name)| {
            sql.replace(placeholder, name)
        })
}

/// Runs `ddl`, statements separated by `;`, with its type placeholders spelled for the backend.
pub(crate) async fn run_ddl(manager: &SchemaManager<'_>, ddl: &str) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    let connection = manager.get_connection();
    let ddl = with_types(ddl, connection.get_database_backend());
    for statement in ddl.split(';') {
        if !statement.trim().is_empty() {
            connection.execute_unprepared(statement).await?;
        }
    }
    Ok(())
}

/// Drops `tables`, in the order given.
pub(crate) async fn drop_tables(manager: &SchemaManager<'_>, tables: &[&str]) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    for table in tables {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP TABLE {table}"))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_cases::Migration),
            Box::new(m0003_access_log::Migration),
            Box::new(m0004_pulls_and_retention::Migration),
            Box::new(m0005_mandates_and_budgets::Migration),
            Box::new(m0006_rule_exceptions::Migration),
            Box::new(m0007_signals_and_solutions::Migration),
            Box::new(m0008_directory::Migration),
            Box::new(m0009_exception_decision_kind::Migration),
            Box::new(m0010_invitation_team_role::Migration),
            Box::new(m0011_idempotency_commit::Migration),
            Box::new(m0012_import_rows::Migration),
            Box::new(m0013_import_jobs::Migration),
        ]
    }
}
