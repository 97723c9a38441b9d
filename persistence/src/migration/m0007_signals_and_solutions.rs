//! Signals to policy and published solutions (DOMAIN.md §3). Neither table has a column that
//! refers to a case or a resident: what leaves the case for policy or for other municipalities
//! cannot be joined back to it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_signals_and_solutions"
    }
}

const TABLES: &str = r#"
CREATE TABLE signals (
    id {uuid} NOT NULL PRIMARY KEY,
    municipality_id {uuid} NOT NULL REFERENCES municipalities (id),
    category text NOT NULL,
    organisation_id {uuid} NULL REFERENCES organisations (id),
    rule text NULL,
    description text NOT NULL,
    raised_by_organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    raised_by_professional_id {uuid} NOT NULL REFERENCES professionals (id),
    raised_at {timestamp} NOT NULL,
    status text NOT NULL,
    answer text NULL,
    answered_by_professional_id {uuid} NULL REFERENCES professionals (id),
    answered_at {timestamp} NULL,
    version {int} NOT NULL
);
CREATE INDEX signals_by_municipality ON signals (municipality_id, raised_at);
CREATE INDEX signals_by_raiser ON signals (raised_by_professional_id, raised_at);

CREATE TABLE solutions (
    id {uuid} NOT NULL PRIMARY KEY,
    municipality_id {uuid} NOT NULL REFERENCES municipalities (id),
    problem_pattern text NOT NULL,
    rule text NOT NULL,
    custom_solution text NOT NULL,
    ordinary_cost_cents {bigint} NOT NULL,
    custom_cost_cents {bigint} NOT NULL,
    value_summary text NOT NULL,
    tags text NOT NULL,
    search_text text NOT NULL,
    published_by_organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    published_by_professional_id {uuid} NOT NULL REFERENCES professionals (id),
    published_at {timestamp} NOT NULL
);
CREATE INDEX solutions_by_publication ON solutions (published_at, id)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::drop_tables(manager, &["solutions", "signals"]).await
    }
}
