//! The shared case: the case and its team, invitations, consent, the items of the six steps
//! and the timeline.
//!
//! Written as DDL rather than with the schema builder because the invariants live in partial
//! unique indexes (one active membership per professional, exactly one active case lead, one
//! active consent per organisation and life domain), which the builder cannot express. Column
//! types are spelled the way the builder spells them on each backend, so entities read both
//! migrations alike.

use sea_orm::{ConnectionTrait, DatabaseBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_cases"
    }
}

const TABLES: &str = r#"
CREATE TABLE case_reference_counters (
    municipality_id {uuid} NOT NULL REFERENCES municipalities (id),
    year {int} NOT NULL,
    last_sequence {bigint} NOT NULL,
    PRIMARY KEY (municipality_id, year)
);

CREATE TABLE cases (
    id {uuid} NOT NULL PRIMARY KEY,
    municipality_id {uuid} NOT NULL REFERENCES municipalities (id),
    reference text NOT NULL,
    resident_id {uuid} NOT NULL REFERENCES residents (id),
    status text NOT NULL,
    step text NOT NULL,
    status_reason text NULL,
    opened_by_professional_id {uuid} NOT NULL REFERENCES professionals (id),
    opened_at {timestamp} NOT NULL,
    closed_at {timestamp} NULL,
    last_activity_at {timestamp} NOT NULL,
    version {int} NOT NULL DEFAULT 1,
    UNIQUE (municipality_id, reference)
);
CREATE INDEX cases_by_activity ON cases (last_activity_at, id);
CREATE INDEX cases_by_resident ON cases (resident_id);

CREATE TABLE team_members (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    professional_id {uuid} NOT NULL REFERENCES professionals (id),
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    role text NOT NULL,
    joined_at {timestamp} NOT NULL,
    left_at {timestamp} NULL,
    left_reason text NULL,
    version {int} NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX team_members_active ON team_members (professional_id, case_id) WHERE left_at IS NULL;
CREATE UNIQUE INDEX team_members_one_case_lead ON team_members (case_id) WHERE role = 'case_lead' AND left_at IS NULL;
CREATE INDEX team_members_by_case ON team_members (case_id);

CREATE TABLE invitations (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    professional_id {uuid} NULL REFERENCES professionals (id),
    reason text NOT NULL,
    escalation boolean NOT NULL,
    status text NOT NULL,
    invited_by_professional_id {uuid} NOT NULL REFERENCES professionals (id),
    invited_by_organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    invited_at {timestamp} NOT NULL,
    decided_by_professional_id {uuid} NULL REFERENCES professionals (id),
    decided_at {timestamp} NULL,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX invitations_by_case ON invitations (case_id);
CREATE INDEX invitations_by_organisation ON invitations (organisation_id, status);

CREATE TABLE consents (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    life_domain text NOT NULL,
    method text NOT NULL,
    recorded_by_professional_id {uuid} NULL REFERENCES professionals (id),
    recorded_at {timestamp} NOT NULL,
    revoked_at {timestamp} NULL,
    revoked_by_professional_id {uuid} NULL REFERENCES professionals (id),
    version {int} NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX consents_active ON consents (case_id, organisation_id, life_domain) WHERE revoked_at IS NULL;
CREATE INDEX consents_by_case ON consents (case_id);

CREATE TABLE perspectives (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    text text NOT NULL,
    written_by_resident boolean NOT NULL,
    recorded_by_professional_id {uuid} NULL REFERENCES professionals (id),
    recorded_at {timestamp} NOT NULL,
    withheld_reason text NULL
);
CREATE INDEX perspectives_by_case ON perspectives (case_id, recorded_at);

CREATE TABLE facts (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    professional_id {uuid} NOT NULL REFERENCES professionals (id),
    life_domain text NOT NULL,
    text text NOT NULL,
    amount_cents {bigint} NULL,
    amount_period text NULL,
    need text NOT NULL,
    sharing text NOT NULL,
    withheld_reason text NULL,
    created_at {timestamp} NOT NULL,
    updated_at {timestamp} NOT NULL,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX facts_by_case ON facts (case_id, life_domain);

CREATE TABLE problems (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    professional_id {uuid} NOT NULL REFERENCES professionals (id),
    kind text NOT NULL,
    life_domain text NOT NULL,
    text text NOT NULL,
    resident_shares_picture boolean NOT NULL,
    sharing text NOT NULL,
    withheld_reason text NULL,
    created_at {timestamp} NOT NULL,
    updated_at {timestamp} NOT NULL,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX problems_by_case ON problems (case_id, life_domain);

CREATE TABLE first_steps (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    text text NOT NULL,
    motivation text NULL,
    capability text NULL,
    opportunity text NULL,
    status text NOT NULL,
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    professional_id {uuid} NOT NULL REFERENCES professionals (id),
    withheld_reason text NULL,
    created_at {timestamp} NOT NULL,
    updated_at {timestamp} NOT NULL,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX first_steps_by_case ON first_steps (case_id, status);

CREATE TABLE agreements (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    what text NOT NULL,
    assignee_kind text NOT NULL,
    assignee_professional_id {uuid} NULL REFERENCES professionals (id),
    assignee_organisation_id {uuid} NULL REFERENCES organisations (id),
    assignee_name text NULL,
    due_on {date} NULL,
    review_on {date} NULL,
    status text NOT NULL,
    status_changed_by_professional_id {uuid} NULL REFERENCES professionals (id),
    status_changed_at {timestamp} NOT NULL,
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    professional_id {uuid} NOT NULL REFERENCES professionals (id),
    withheld_reason text NULL,
    created_at {timestamp} NOT NULL,
    version {int} NOT NULL DEFAULT 1
);
CREATE INDEX agreements_by_case ON agreements (case_id, status);
CREATE INDEX agreements_by_assignee ON agreements (assignee_professional_id, status);

CREATE TABLE evaluations (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    achieved text NOT NULL,
    perspective_reached boolean NOT NULL,
    what_worked text NULL,
    still_needed text NULL,
    next_evaluation_on {date} NULL,
    organisation_id {uuid} NOT NULL REFERENCES organisations (id),
    professional_id {uuid} NOT NULL REFERENCES professionals (id),
    withheld_reason text NULL,
    recorded_at {timestamp} NOT NULL
);
CREATE INDEX evaluations_by_case ON evaluations (case_id, recorded_at);

CREATE TABLE case_events (
    id {uuid} NOT NULL PRIMARY KEY,
    case_id {uuid} NOT NULL REFERENCES cases (id),
    at {timestamp} NOT NULL,
    kind text NOT NULL,
    item_kind text NULL,
    item_id {uuid} NULL,
    organisation_id {uuid} NULL REFERENCES organisations (id),
    professional_id {uuid} NULL REFERENCES professionals (id),
    by_resident boolean NOT NULL
);
CREATE INDEX case_events_by_case ON case_events (case_id, at, id);

CREATE TABLE idempotency_keys (
    actor text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    response text NULL,
    created_at {timestamp} NOT NULL,
    PRIMARY KEY (actor, key)
);
"#;

fn ddl(backend: DatabaseBackend) -> String {
    super::with_types(TABLES, backend)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        for statement in ddl(connection.get_database_backend()).split(';') {
            if !statement.trim().is_empty() {
                connection.execute_unprepared(statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        for table in [
            "idempotency_keys",
            "case_events",
            "evaluations",
            "agreements",
            "first_steps",
            "problems",
            "facts",
            "perspectives",
            "consents",
            "invitations",
            "team_members",
            "cases",
            "case_reference_counters",
        ] {
            connection
                .execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        Ok(())
    }
}
