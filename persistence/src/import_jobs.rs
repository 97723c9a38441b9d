//! Import jobs: a file an organisation's integration hands the API to import, carried out in
//! the background while the script follows its progress.
//!
//! A job keeps its file only while it runs, so that a server stopped midway can carry it on
//! (the rows it wrote are noted as import rows and skipped); the file is dropped when the job
//! ends. Each job belongs to the process running it (`runner`): a process that takes over a
//! job left behind does so by compare-and-set, and the one it took it from can no longer record
//! progress, so two processes never report for one job.

use chrono::{DateTime, Utc};
use domain::{ImportJobId, OrganisationId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entity::{import_job, import_job_problem};
use crate::{Page, Result, Store};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportJobStatus {
    /// Rows are being carried out.
    Running,
    /// Every row was carried out or refused.
    Finished,
    /// The database failed midway; starting the same rows again goes on where it stopped.
    Stopped,
}

impl ImportJobStatus {
    fn as_str(self) -> &'static str {
        match self {
            ImportJobStatus::Running => "running",
            ImportJobStatus::Finished => "finished",
            ImportJobStatus::Stopped => "stopped",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Running, Self::Finished, Self::Stopped]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// How far a job got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub rows: u64,
    /// Rows looked at so far, whatever became of them.
    pub processed: u64,
    pub imported: u64,
    pub already_imported: u64,
    pub repeated: u64,
    pub refused: u64,
}

/// Why one row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub line: u64,
    pub code: String,
    pub field: Option<String>,
    pub reason: String,
}

/// A job to start.
#[derive(Debug, Clone)]
pub struct NewImportJob {
    pub organisation_id: OrganisationId,
    /// The integration's client that started it.
    pub started_by: String,
    /// The professional whose name the rows are carried out in.
    pub acting_as: String,
    pub kind: String,
    pub format: String,
    pub dry_run: bool,
    pub trace_id: String,
    /// The purpose its rows are processed for, in the access log.
    pub processing_activity_id: String,
    pub rows: u64,
    pub content: String,
}

/// A job as a script follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    pub id: ImportJobId,
    pub organisation_id: OrganisationId,
    pub started_by: String,
    pub acting_as: String,
    pub kind: String,
    pub format: String,
    pub dry_run: bool,
    pub trace_id: String,
    /// The purpose its rows are processed for, in the access log.
    pub processing_activity_id: String,
    pub status: ImportJobStatus,
    pub counts: ImportCounts,
    pub stopped_reason: Option<String>,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A job a process carries out: the job, its file, and the runner id it records progress as.
#[derive(Debug, Clone)]
pub struct ClaimedImportJob {
    pub job: ImportJob,
    pub content: String,
    pub runner: Uuid,
}

fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl TryFrom<import_job::Model> for ImportJob {
    type Error = crate::Error;

    fn try_from(row: import_job::Model) -> Result<Self> {
        let unsigned = |value: i64| u64::try_from(value).unwrap_or_default();
        Ok(ImportJob {
            id: ImportJobId(row.id),
            organisation_id: OrganisationId(row.organisation_id),
            started_by: row.started_by,
            acting_as: row.acting_as,
            kind: row.kind,
            format: row.format,
            dry_run: row.dry_run,
            trace_id: row.trace_id,
            processing_activity_id: row.processing_activity_id,
            status: ImportJobStatus::parse(&row.status)
                .ok_or(crate::Error::Corrupt("import job status"))?,
            counts: ImportCounts {
                rows: unsigned(row.rows_total),
                processed: unsigned(row.processed),
                imported: unsigned(row.imported),
                already_imported: unsigned(row.already_imported),
                repeated: unsigned(row.repeated),
                refused: unsigned(row.refused),
            },
            stopped_reason: row.stopped_reason,
            started_at: row.started_at,
            updated_at: row.updated_at,
            finished_at: row.finished_at,
        })
    }
}

impl Store {
    /// Records a new running job, held by a new runner of this process.
    pub async fn create_import_job(&self, new: NewImportJob) -> Result<ClaimedImportJob> {
        let now = Utc::now();
        let id = ImportJobId::generate();
        let runner = Uuid::now_v7();
        let row = import_job::ActiveModel {
            id: Set(id.0),
            organisation_id: Set(new.organisation_id.0),
            started_by: Set(new.started_by),
            acting_as: Set(new.acting_as),
            kind: Set(new.kind),
            format: Set(new.format),
            dry_run: Set(new.dry_run),
            trace_id: Set(new.trace_id),
            processing_activity_id: Set(new.processing_activity_id),
            status: Set(ImportJobStatus::Running.as_str().to_owned()),
            rows_total: Set(count(new.rows)),
            processed: Set(0),
            imported: Set(0),
            already_imported: Set(0),
            repeated: Set(0),
            refused: Set(0),
            stopped_reason: Set(None),
            content: Set(Some(new.content.clone())),
            runner: Set(runner),
            started_at: Set(now),
            updated_at: Set(now),
            finished_at: Set(None),
        };
        import_job::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await?;
        let job = self
            .import_job(id)
            .await?
            .ok_or(crate::Error::Corrupt("import job"))?;
        Ok(ClaimedImportJob {
            job,
            content: new.content,
            runner,
        })
    }

    pub async fn import_job(&self, id: ImportJobId) -> Result<Option<ImportJob>> {
        import_job::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .map(ImportJob::try_from)
            .transpose()
    }

    /// The refused rows of a job, by line, after `after_line`.
    pub async fn import_job_problems(
        &self,
        id: ImportJobId,
        after_line: Option<u64>,
        first: usize,
    ) -> Result<Page<ImportProblem>> {
        let mut rows = import_job_problem::Entity::find()
            .filter(import_job_problem::Column::JobId.eq(id.0))
            .filter(import_job_problem::Column::Line.gt(after_line.map_or(-1, count)))
            .order_by_asc(import_job_problem::Column::Line)
            .limit(first as u64 + 1)
            .all(self.connection())
            .await?;
        let has_next_page = rows.len() > first;
        rows.truncate(first);
        Ok(Page {
            items: rows
                .into_iter()
                .map(|row| ImportProblem {
                    line: u64::try_from(row.line).unwrap_or_default(),
                    code: row.code,
                    field: row.field,
                    reason: row.reason,
                })
                .collect(),
            has_next_page,
        })
    }

    /// Records how far `runner` got with a job and the rows it refused since it last did;
    /// `finished` ends the job (stopped with a reason, or finished) and drops its file. False
    /// when another runner has taken the job over: this one stops.
    pub async fn record_import_progress(
        &self,
        claimed: &ClaimedImportJob,
        counts: ImportCounts,
        new_problems: &[ImportProblem],
        finished: Option<Option<&str>>,
    ) -> Result<bool> {
        let transaction = self.connection().begin().await?;
        let now = Utc::now();
        let mut update = import_job::Entity::update_many()
            .filter(import_job::Column::Id.eq(claimed.job.id.0))
            .filter(import_job::Column::Runner.eq(claimed.runner))
            .col_expr(
                import_job::Column::Processed,
                Expr::value(count(counts.processed)),
            )
            .col_expr(
                import_job::Column::Imported,
                Expr::value(count(counts.imported)),
            )
            .col_expr(
                import_job::Column::AlreadyImported,
                Expr::value(count(counts.already_imported)),
            )
            .col_expr(
                import_job::Column::Repeated,
                Expr::value(count(counts.repeated)),
            )
            .col_expr(
                import_job::Column::Refused,
                Expr::value(count(counts.refused)),
            )
            .col_expr(import_job::Column::UpdatedAt, Expr::value(now));
        if let Some(stopped_reason) = finished {
            let status = match stopped_reason {
                Some(_) => ImportJobStatus::Stopped,
                None => ImportJobStatus::Finished,
            };
            update = update
                .col_expr(import_job::Column::Status, Expr::value(status.as_str()))
                .col_expr(
                    import_job::Column::StoppedReason,
                    Expr::value(stopped_reason.map(str::to_owned)),
                )
                .col_expr(import_job::Column::Content, Expr::value(None::<String>))
                .col_expr(import_job::Column::FinishedAt, Expr::value(now));
        }
        if update.exec(&transaction).await?.rows_affected == 0 {
            return Ok(false);
        }
        for chunk in new_problems.chunks(500) {
            import_job_problem::Entity::insert_many(chunk.iter().map(|problem| {
                import_job_problem::ActiveModel {
                    job_id: Set(claimed.job.id.0),
                    line: Set(count(problem.line)),
                    code: Set(problem.code.clone()),
                    field: Set(problem.field.clone()),
                    reason: Set(problem.reason.clone()),
                }
            }))
            .exec_without_returning(&transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(true)
    }

    /// Takes over every running job no runner has reported on since `idle_since`: a process
    /// that stopped midway left it. The job starts over from its first row, its refused rows
    /// forgotten; the rows it wrote before are skipped as imported before.
    pub async fn claim_abandoned_import_jobs(
        &self,
        idle_since: DateTime<Utc>,
    ) -> Result<Vec<ClaimedImportJob>> {
        let abandoned = import_job::Entity::find()
            .filter(import_job::Column::Status.eq(ImportJobStatus::Running.as_str()))
            .filter(import_job::Column::UpdatedAt.lt(idle_since))
            .all(self.connection())
            .await?;
        let mut claimed = Vec::new();
        for row in abandoned {
            let runner = Uuid::now_v7();
            let transaction = self.connection().begin().await?;
            let taken = import_job::Entity::update_many()
                .filter(import_job::Column::Id.eq(row.id))
                .filter(import_job::Column::Runner.eq(row.runner))
                .filter(import_job::Column::Status.eq(ImportJobStatus::Running.as_str()))
                .col_expr(import_job::Column::Runner, Expr::value(runner))
                .col_expr(import_job::Column::Processed, Expr::value(0_i64))
                .col_expr(import_job::Column::Imported, Expr::value(0_i64))
                .col_expr(import_job::Column::AlreadyImported, Expr::value(0_i64))
                .col_expr(import_job::Column::Repeated, Expr::value(0_i64))
                .col_expr(import_job::Column::Refused, Expr::value(0_i64))
                .col_expr(import_job::Column::UpdatedAt, Expr::value(Utc::now()))
                .exec(&transaction)
                .await?;
            if taken.rows_affected == 0 {
                continue;
            }
            import_job_problem::Entity::delete_many()
                .filter(import_job_problem::Column::JobId.eq(row.id))
                .exec(&transaction)
                .await?;
            transaction.commit().await?;
            let id = ImportJobId(row.id);
            let Some(content) = row.content.clone() else {
                continue;
            };
            if let Some(job) = self.import_job(id).await? {
                claimed.push(ClaimedImportJob {
                    job,
                    content,
                    runner,
                });
            }
        }
        Ok(claimed)
    }
}
