//! The access log (DOMAIN.md §6): one row per case an operation read or changed, chained by
//! hash per municipality, and the head of each chain.
//!
//! Append-only in the database too: triggers refuse `UPDATE` and `DELETE` on both backends and
//! `TRUNCATE` on PostgreSQL. Whoever can drop a trigger can still edit a row; the hash chain is
//! what makes such an edit visible (`maatwerk audit verify`).

use sea_orm::{ConnectionTrait, DatabaseBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_access_log"
    }
}

const TABLES: &str = r#"
CREATE TABLE access_log (
    municipality_id {uuid} NOT NULL,
    sequence {bigint} NOT NULL,
    recorded_at {timestamp} NOT NULL,
    trace_id text NOT NULL,
    operation_id text NOT NULL,
    operation_name text NULL,
    processing_activity_id text NOT NULL,
    action text NOT NULL,
    actor_kind text NOT NULL,
    actor_id text NULL,
    organisation_id {uuid} NULL,
    role text NULL,
    case_id {uuid} NOT NULL,
    data_subject_id {uuid} NOT NULL,
    data text NOT NULL,
    outcome text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (municipality_id, sequence)
);
CREATE INDEX access_log_by_data_subject ON access_log (data_subject_id, recorded_at);
CREATE INDEX access_log_by_case ON access_log (case_id, recorded_at);

CREATE TABLE access_log_chains (
    municipality_id {uuid} NOT NULL PRIMARY KEY REFERENCES municipalities (id),
    last_sequence {bigint} NOT NULL,
    last_hash text NOT NULL
)
"#;

const POSTGRES_TRIGGERS: &[&str] = &[
    "CREATE FUNCTION access_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$",
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log \
     FOR EACH ROW EXECUTE FUNCTION access_log_is_append_only()",
    "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log \
     FOR EACH STATEMENT EXECUTE FUNCTION access_log_is_append_only()",
];

const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log \
     BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END",
    "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log \
     BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END",
];

fn ddl(backend: DatabaseBackend) -> String {
    super::with_types(TABLES, backend)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        let backend = connection.get_database_backend();
        for statement in ddl(backend).split(';') {
            if !statement.trim().is_empty() {
                connection.execute_unprepared(statement).await?;
            }
        }
        let triggers = match backend {
            DatabaseBackend::Postgres => POSTGRES_TRIGGERS,
            _ => SQLITE_TRIGGERS,
        };
        for trigger in triggers {
            connection.execute_unprepared(trigger).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        connection
            .execute_unprepared("DROP TABLE access_log_chains")
            .await?;
        connection
            .execute_unprepared("DROP TABLE access_log")
            .await?;
        if connection.get_database_backend() == DatabaseBackend::Postgres {
            connection
                .execute_unprepared("DROP FUNCTION access_log_is_append_only()")
                .await?;
        }
        Ok(())
    }
}
