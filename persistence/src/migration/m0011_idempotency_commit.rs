//! An idempotency key notes, in the write transaction of the mutation it guards, that the
//! write committed: after a crash a retry can tell a write that was carried out from one that
//! never was.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_idempotency_commit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(
            manager,
            "ALTER TABLE idempotency_keys ADD COLUMN committed_at {timestamp} NULL",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE idempotency_keys DROP COLUMN committed_at")
            .await?;
        Ok(())
    }
}
