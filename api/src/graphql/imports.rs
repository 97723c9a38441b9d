//! Bulk imports through the API, for an organisation's integration (DOMAIN.md §7): a service
//! token with the `import` scope starts a job with `startImport` and follows it with
//! `importJob`. See `crate::import::jobs` for who the rows are carried out as.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use domain::ImportJobId;
use domain::authz::{Action, Standing};
use domain::identity::Actor;
use persistence::import_jobs::{self, ImportJobStatus as StoredStatus};

use super::access::null_with_error;
use super::context::request;
use super::cursor;
use super::ids::{self, NodeType};
use super::paging::page_size;
use super::scalars::DateTime;
use crate::error::{ApiError, ApiResult};
use crate::import::jobs::StartImport;
use crate::import::{self as bulk};

/// What an import's rows are.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// Case openings: the resident (found by BSN and date of birth, or registered), the
    /// municipality, and the organisations invited to the team. The columns of
    /// `maatwerk import cases`.
    Cases,
    /// Agreement statuses from a back office, each at the agreement's version. The columns of
    /// `maatwerk import agreement-statuses`.
    AgreementStatuses,
}

impl From<ImportKind> for bulk::ImportKind {
    fn from(kind: ImportKind) -> Self {
        match kind {
            ImportKind::Cases => bulk::ImportKind::Cases,
            ImportKind::AgreementStatuses => bulk::ImportKind::AgreementStatuses,
        }
    }
}

/// How the rows are written down.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// CSV with a header line naming the columns.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl From<ImportFormat> for bulk::ImportFormat {
    fn from(format: ImportFormat) -> Self {
        match format {
            ImportFormat::Csv => bulk::ImportFormat::Csv,
            ImportFormat::JsonLines => bulk::ImportFormat::JsonLines,
        }
    }
}

/// Where an import job is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportJobStatus {
    /// Rows are being carried out.
    Running,
    /// Every row was carried out or refused; `problems` lists the refused ones.
    Finished,
    /// The job stopped midway (`stoppedReason` says why). Starting it again with the same rows
    /// goes on where it stopped: the rows written are not written twice.
    Stopped,
}

#[derive(InputObject)]
pub struct StartImportInput {
    pub kind: ImportKind,
    pub format: ImportFormat,
    /// The file's text: CSV with a header line, or JSON Lines. A row is the same row in a later
    /// job (by its `key` column, or else by its content), so sending a file again writes only
    /// what was not written before.
    pub rows: String,
    /// The professional of the token's organisation whose name the rows are carried out in:
    /// their subject at the organisation's identity provider. They must have signed in before;
    /// the rows get what they may do with the roles they last signed in with, and they lead
    /// the cases the job opens.
    pub acting_as: String,
    /// Checks every row, policy included, and writes nothing.
    #[graphql(default = false)]
    pub dry_run: bool,
}

/// A row the job did not carry out.
#[derive(SimpleObject)]
pub struct ImportProblem {
    /// The row's line in the file (a CSV header is line 1).
    pub line: u64,
    /// The error code the same change gets over the API, like `BAD_USER_INPUT` or `CONFLICT`.
    pub code: String,
    /// The column (or JSON key) at fault, when one is.
    pub field: Option<String>,
    pub reason: String,
}

pub struct ImportJob(pub import_jobs::ImportJob);

/// A bulk import an organisation's integration started. Its counts are updated about once a
/// second while it runs.
#[Object]
impl ImportJob {
    async fn id(&self) -> ID {
        ids::encode(NodeType::ImportJob, self.0.id.0)
    }

    async fn kind(&self) -> ImportKind {
        match bulk::ImportKind::parse(&self.0.kind) {
            Some(bulk::ImportKind::AgreementStatuses) => ImportKind::AgreementStatuses,
            _ => ImportKind::Cases,
        }
    }

    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }

    async fn acting_as(&self) -> &str {
        &self.0.acting_as
    }

    async fn status(&self) -> ImportJobStatus {
        match self.0.status {
            StoredStatus::Running => ImportJobStatus::Running,
            StoredStatus::Finished => ImportJobStatus::Finished,
            StoredStatus::Stopped => ImportJobStatus::Stopped,
        }
    }

    /// Rows in the file.
    async fn rows(&self) -> u64 {
        self.0.counts.rows
    }

    /// Rows looked at so far, updated about once a second while the job runs.
    async fn processed(&self) -> u64 {
        self.0.counts.processed
    }

    /// Rows written by this job (in a dry run: that would be).
    async fn imported(&self) -> u64 {
        self.0.counts.imported
    }

    /// Rows an earlier job or import had written already.
    async fn already_imported(&self) -> u64 {
        self.0.counts.already_imported
    }

    /// The same row again further down the file.
    async fn repeated(&self) -> u64 {
        self.0.counts.repeated
    }

    /// Rows refused; `problems` says why, row by row.
    async fn refused(&self) -> u64 {
        self.0.counts.refused
    }

    async fn stopped_reason(&self) -> Option<&str> {
        self.0.stopped_reason.as_deref()
    }

    /// The trace its changes are logged under in the access log.
    async fn trace_id(&self) -> &str {
        &self.0.trace_id
    }

    async fn started_at(&self) -> DateTime {
        DateTime(self.0.started_at)
    }

    async fn finished_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(DateTime)
    }

    /// The refused rows, by line.
    async fn problems(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, ImportProblem>> {
        let request = request(ctx)?;
        let permit = request.authorize(
            request.standing_to(self.0.organisation_id),
            Action::ImportJob,
        )?;
        let first = page_size(first, request.page_size)?;
        let after = after.as_deref().map(cursor::decode::<u64>).transpose()?;
        let page = request
            .store(&permit)
            .import_job_problems(self.0.id, after, first as usize)
            .await?;
        let mut connection = Connection::new(after.is_some(), page.has_next_page);
        connection
            .edges
            .extend(page.items.into_iter().map(|problem| {
                Edge::new(
                    cursor::encode(&problem.line),
                    ImportProblem {
                        line: problem.line,
                        code: problem.code,
                        field: problem.field,
                        reason: problem.reason,
                    },
                )
            }));
        Ok(connection)
    }
}

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// An import job of the token's organisation, for its integration with the `import`
    /// scope. Another organisation's job is `NOT_FOUND`.
    async fn import_job(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<ImportJob>> {
        match find_import_job(ctx, id).await {
            Ok(job) => Ok(Some(job)),
            Err(error @ ApiError::NotFound(_)) => Ok(null_with_error(ctx, error)),
            Err(error) => Err(error),
        }
    }
}

async fn find_import_job(ctx: &Context<'_>, id: ID) -> ApiResult<ImportJob> {
    let id = ImportJobId(ids::decode(&id, NodeType::ImportJob, "id")?);
    let request = request(ctx)?;
    // First as for the actor's own organisation, to find the job; then for the organisation
    // it belongs to.
    let looking = request.authorize(own_standing(&request.actor), Action::ImportJob)?;
    let job = request
        .store(&looking)
        .import_job(id)
        .await?
        .ok_or(ApiError::NotFound("import job"))?;
    request.authorize(request.standing_to(job.organisation_id), Action::ImportJob)?;
    Ok(ImportJob(job))
}

fn own_standing(actor: &Actor) -> Standing {
    match actor.organisation_id() {
        Some(_) => Standing::OwnOrganisation,
        None => Standing::OtherOrganisation,
    }
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Starts importing rows in the background, for an organisation's integration with the
    /// `import` scope, and returns the job to follow with `importJob`. Each row is checked and
    /// carried out as the professional `actingAs` names, with the same rules as the same
    /// change over this API, in a transaction of its own: a bad row is refused with its line,
    /// field and reason, and nothing of it is written. The rows must fit in one request
    /// (`limits.body_bytes`); split a larger file over several jobs.
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        input: StartImportInput,
    ) -> ApiResult<ImportJob> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::StartImport)?;
        let Actor::Service(service) = &request.actor else {
            return Err(ApiError::forbidden(Action::StartImport.refusal()));
        };
        let imports = request
            .imports
            .as_ref()
            .ok_or_else(|| ApiError::forbidden("imports are started over /graphql"))?;
        let job = imports
            .begin(
                &permit,
                service,
                &request.ledger.context().trace_id,
                StartImport {
                    kind: input.kind.into(),
                    format: input.format.into(),
                    rows: input.rows,
                    acting_as: input.acting_as,
                    dry_run: input.dry_run,
                },
            )
            .await?;
        Ok(ImportJob(job))
    }
}
