//! Mandate at the table and the maatwerkbudget (DOMAIN.md §3): mandates per organisation role
//! and decision kind, what each mandate has used per period, yearly budgets, and the decisions
//! on cases.
//!
//! A quota or a budget is reserved with one conditional update of `mandate_usage` or `budgets`
//! in the decision's transaction, so concurrent decisions never take more than there is; the
//! `CHECK` on `budgets` is the last line behind it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_mandates_and_budgets"
    }
}

const TABLES: &str = r#"
CREATE TABLE mandates (
    id {uuid} NOT NULL PRIMARY KEY,
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    role text NOT NULL,
    kind text NOT NULL,
    max_amount_cents {bigint} NULL,
    period text NULL,
    max_count {bigint} NULL,
    max_total_cents {bigint} NULL,
    valid_from {date} NULL,
    valid_until {date} NULL,
    created_at {timestamp} NOT NULL,
    version {int} NOT NULL
);
CREATE INDEX mandates_by_organisation ON mandates (organisation_id, kind);

CREATE TABLE mandate_usage (
    mandate_id {uuid} NOT NULL REFERENCES mandates (id),
    period_start {date} NOT NULL,
    used_count {bigint} NOT NULL,
    used_total_cents {bigint} NOT NULL,
    PRIMARY KEY (mandate_id, period_start)
);

CREATE TABLE budgets (
    id {uuid} NOT NULL PRIMARY KEY,
    organisation_id {uuid} NULL REFERENCES organisations (id),
    municipality_id {uuid} NULL REFERENCES municipalities (id),
    year {int} NOT NULL,
    amount_cents {bigint} NOT NULL,
    allocated_cents {bigint} NOT NULL,
    created_at {timestamp} NOT NULL,
    version {int} NOT NULL,
    CHECK (allocated_cents >= 0 AND allocated_cents <= amount_cents),
    CHECK ((organisation_id IS NULL) <> (municipality_id IS NULL))
);
CREATE UNIQUE INDEX budgets_one_per_organisation_and_year ON budgets (organisation_id, year)
    WHERE organisation_id IS NOT NULL;
CREATE UNIQUE INDEX budgets_one_per_municipality_and_year ON budgets (municipality_id, year)
    WHERE municipality_id IS NOT NULL;

CREATE TABLE decisions (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    kind text NOT NULL,
    status text NOT NULL,
    description text NOT NULL,
    amount_cents {bigint} NULL,
    category text NULL,
    budget_id {uuid} NULL REFERENCES budgets (id),
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    professional_id {uuid} NOT NULL REFERENCES professionals (id),
    decided_at {timestamp} NOT NULL,
    mandate_id {uuid} NULL REFERENCES mandates (id),
    beyond text NULL,
    resolved_by_professional_id {uuid} NULL REFERENCES professionals (id),
    resolved_at {timestamp} NULL,
    decline_reason text NULL,
    withheld_reason text NULL,
    version {int} NOT NULL
);
CREATE INDEX decisions_by_case ON decisions (case_id, decided_at);
CREATE INDEX decisions_by_budget ON decisions (budget_id, decided_at)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::drop_tables(
            manager,
            &["decisions", "budgets", "mandate_usage", "mandates"],
        )
        .await
    }
}
