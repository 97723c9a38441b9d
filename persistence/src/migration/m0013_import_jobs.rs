//! Imports an organisation's integration starts through the API: a job per file, which a
//! script follows while it runs, and each refused row with its line, field and reason.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_import_jobs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(
            manager,
            "CREATE TABLE import_jobs (
                id {uuid} NOT NULL PRIMARY KEY,
                organisation_id {uuid} NOT NULL REFERENCES organisations (id),
                started_by TEXT NOT NULL,
                acting_as TEXT NOT NULL,
                kind TEXT NOT NULL,
                format TEXT NOT NULL,
                dry_run BOOLEAN NOT NULL,
                trace_id TEXT NOT NULL,
                processing_activity_id TEXT NOT NULL,
                status TEXT NOT NULL,
                rows_total {bigint} NOT NULL,
                processed {bigint} NOT NULL,
                imported {bigint} NOT NULL,
                already_imported {bigint} NOT NULL,
                repeated {bigint} NOT NULL,
                refused {bigint} NOT NULL,
                stopped_reason TEXT,
                content TEXT,
                runner {uuid} NOT NULL,
                started_at {timestamp} NOT NULL,
                updated_at {timestamp} NOT NULL,
                finished_at {timestamp}
            );
            CREATE INDEX import_jobs_running ON import_jobs (status, updated_at);
            CREATE TABLE import_job_problems (
                job_id {uuid} NOT NULL REFERENCES import_jobs (id),
                line {bigint} NOT NULL,
                code TEXT NOT NULL,
                field TEXT,
                reason TEXT NOT NULL,
                PRIMARY KEY (job_id, line)
            )",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::drop_tables(manager, &["import_job_problems", "import_jobs"]).await
    }
}
