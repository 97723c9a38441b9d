//! Justified exceptions to rules (DOMAIN.md §3), one row per exception with who took each step
//! of its life and when.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_rule_exceptions"
    }
}

const TABLES: &str = r#"
CREATE TABLE rule_exceptions (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    first_step_id {uuid} NOT NULL REFERENCES first_steps (id),
    rule_owner_id {uuid} NOT NULL REFERENCES organisations (id),
    rule_kind text NOT NULL,
    rule text NOT NULL,
    ordinary_route text NOT NULL,
    ordinary_cost_cents {bigint} NOT NULL,
    custom_solution text NOT NULL,
    custom_cost_cents {bigint} NOT NULL,
    legitimacy text NOT NULL,
    engagement text NOT NULL,
    societal_return text NOT NULL,
    status text NOT NULL,
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    drafted_by {uuid} NOT NULL REFERENCES professionals (id),
    drafted_at {timestamp} NOT NULL,
    submitted_by {uuid} NULL REFERENCES professionals (id),
    submitted_at {timestamp} NULL,
    co_signed_by {uuid} NULL REFERENCES professionals (id),
    co_signed_at {timestamp} NULL,
    endorsed_by {uuid} NULL REFERENCES professionals (id),
    endorsed_at {timestamp} NULL,
    approved_by {uuid} NULL REFERENCES professionals (id),
    approved_at {timestamp} NULL,
    rejected_by {uuid} NULL REFERENCES professionals (id),
    rejected_at {timestamp} NULL,
    rejection_reason text NULL,
    withheld_reason text NULL,
    version {int} NOT NULL
);
CREATE INDEX rule_exceptions_by_case ON rule_exceptions (case_id, drafted_at)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::drop_tables(manager, &["rule_exceptions"]).await
    }
}
