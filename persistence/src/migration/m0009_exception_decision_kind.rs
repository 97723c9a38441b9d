//! An exception names the kind of decision its custom solution takes, so that the rule owner's
//! endorsement is checked against a mandate of that kind. Exceptions drafted before name
//! `other`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_exception_decision_kind"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(
            manager,
            "ALTER TABLE rule_exceptions ADD COLUMN decision_kind text NOT NULL DEFAULT 'other'",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE rule_exceptions DROP COLUMN decision_kind")
            .await?;
        Ok(())
    }
}
