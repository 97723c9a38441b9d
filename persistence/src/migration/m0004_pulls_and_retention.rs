//! Agreement changes in the order integrations pull them ([`crate::cases::ChangeCursor`]), and
//! idempotency keys by age, so that kept responses are purged when their window closes.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_pulls_and_retention"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        connection
            .execute_unprepared(
                "CREATE INDEX agreements_by_change ON agreements (status_changed_at, id)",
            )
            .await?;
        connection
            .execute_unprepared(
                "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        connection
            .execute_unprepared("DROP INDEX idempotency_keys_by_age")
            .await?;
        connection
            .execute_unprepared("DROP INDEX agreements_by_change")
            .await?;
        Ok(())
    }
}
