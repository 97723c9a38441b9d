//! Rows of bulk imports that were carried out: each is noted in the transaction of its own
//! write, so a re-run of the file, or of what a crash left unfinished, skips it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_import_rows"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(
            manager,
            "CREATE TABLE import_rows (
                key TEXT NOT NULL PRIMARY KEY,
                organisation_id {uuid} NOT NULL REFERENCES organisations (id),
                kind TEXT NOT NULL,
                imported_at {timestamp} NOT NULL
            )",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::drop_tables(manager, &["import_rows"]).await
    }
}
