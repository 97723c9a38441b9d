//! The maatwerkcommunity directory (DOMAIN.md §7): what a coach adds to their name and
//! organisation.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_directory"
    }
}

const TABLES: &str = r#"
CREATE TABLE directory_entries (
    professional_id {uuid} NOT NULL PRIMARY KEY REFERENCES professionals (id),
    expertise text NOT NULL,
    phone text NULL,
    email text NULL,
    availability text NULL,
    municipalities text NOT NULL,
    updated_at {timestamp} NOT NULL,
    version {int} NOT NULL
)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::drop_tables(manager, &["directory_entries"]).await
    }
}
