//! Imports through the API: an organisation's integration, with a service token that has the
//! `import` scope, hands over the rows of a file (`startImport`) and follows the job
//! (`importJob`) while this process carries it out in the background.
//!
//! A service token holds no standing on any case, and a case needs a professional as its
//! lead. So the job names one professional of the token's organisation (`actingAs`), who has
//! signed in before, and every row is carried out as them, with the roles they last signed in
//! with, exactly as `maatwerk import` does: the same policy, the same slice, the same checks,
//! and they lead the cases it opens. The scope adds no right on a case; it lets the
//! organisation's back office act in the name of one of its own professionals, which the
//! organisation's identity provider could do anyway.
//!
//! A job keeps its rows until it ends. If the process stops midway, another (or the same one,
//! restarted) takes the job over once nobody has reported on it for
//! `limits.import_takeover_seconds`, and goes through the rows again: those written before are
//! skipped as imported before.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use chrono::Utc;
use domain::OrganisationId;
use domain::authz::{Action, Permit};
use domain::identity::{Actor, ServiceActor};
use persistence::Store;
use persistence::import_jobs::{
    ClaimedImportJob, ImportCounts, ImportJob, ImportProblem, NewImportJob,
};

use super::rows::{self, ImportFormat, ImportKind, ReadRow};
use super::{Import, ImportError, Report, Summary, acting_professional};
use crate::error::{ApiError, ApiResult};
use crate::settings::ProcessingActivities;

/// What `startImport` asks for.
#[derive(Debug, Clone)]
pub struct StartImport {
    pub kind: ImportKind,
    pub format: ImportFormat,
    pub rows: String,
    pub acting_as: String,
    pub dry_run: bool,
}

/// The import jobs this process carries out. Dropping it (when the server stops) stops them:
/// a row being written is rolled back, and the job is taken over later.
pub struct Imports {
    store: Store,
    activities: ProcessingActivities,
    tasks: std::sync::Mutex<tokio::task::JoinSet<()>>,
}

impl Imports {
    /// Starts carrying out jobs, and looks for abandoned ones every half `takeover_after`.
    pub fn start(
        store: Store,
        activities: ProcessingActivities,
        takeover_after: Duration,
    ) -> Arc<Self> {
        let imports = Arc::new(Self {
            store,
            activities,
            tasks: std::sync::Mutex::new(tokio::task::JoinSet::new()),
        });
        let weak = Arc::downgrade(&imports);
        imports.spawn(take_over_abandoned(weak, takeover_after));
        imports
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self
            .tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Reap what has ended, so a long-running server does not keep every job's result.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Checks the request, records the job and starts it. A request it refuses records nothing.
    pub async fn begin(
        &self,
        permit: &Permit,
        service: &ServiceActor,
        trace_id: &str,
        request: StartImport,
    ) -> ApiResult<ImportJob> {
        if permit.action() != Action::StartImport {
            return Err(ApiError::forbidden(Action::StartImport.refusal()));
        }
        // PostgreSQL stores no NUL; a row's other control characters are refused per row.
        domain::case::check_characters("actingAs", &request.acting_as)?;
        if request.rows.contains('\0') {
            return Err(ApiError::bad_input(
                "rows",
                "must not contain NUL characters",
            ));
        }
        let prepared = prepare(
            &self.store,
            service.organisation_id,
            &request.acting_as,
            request.kind,
            request.format,
            &request.rows,
        )
        .await
        .map_err(|error| match error {
            ImportError::UnknownOrganisation(_) => ApiError::NotFound("organisation"),
            ImportError::UnknownProfessional { .. } => ApiError::bad_input(
                "actingAs",
                "no professional of the organisation by this name has signed in",
            ),
            ImportError::File(_, error) => ApiError::bad_input("rows", error.to_string()),
            other => ApiError::internal(other),
        })?;
        if prepared.rows.is_empty() {
            return Err(ApiError::bad_input("rows", "there is no row to import"));
        }
        let claimed = self
            .store
            .create_import_job(NewImportJob {
                organisation_id: service.organisation_id,
                started_by: service.client.clone(),
                acting_as: request.acting_as,
                kind: request.kind.as_str().to_owned(),
                format: request.format.as_str().to_owned(),
                dry_run: request.dry_run,
                trace_id: trace_id.to_owned(),
                processing_activity_id: self
                    .activities
                    .for_operation(
                        Some(request.kind.operation_name()),
                        &Actor::Service(service.clone()),
                    )
                    .to_owned(),
                rows: prepared.rows.len() as u64,
                content: request.rows,
            })
            .await?;
        let job = claimed.job.clone();
        self.spawn(carry_out(self.store.clone(), claimed, Some(prepared)));
        Ok(job)
    }
}

/// Every half `takeover_after`, takes over the jobs nobody reported on for that long.
async fn take_over_abandoned(imports: Weak<Imports>, takeover_after: Duration) {
    let mut interval = tokio::time::interval((takeover_after / 2).max(Duration::from_millis(100)));
    loop {
        interval.tick().await;
        let Some(imports) = imports.upgrade() else {
            return;
        };
        let idle_since = Utc::now()
            - chrono::Duration::from_std(takeover_after).unwrap_or(chrono::Duration::MAX);
        match imports.store.claim_abandoned_import_jobs(idle_since).await {
            Ok(claimed) => {
                for job in claimed {
                    tracing::info!(import_job = %job.job.id, "taking over an abandoned import job");
                    imports.spawn(carry_out(imports.store.clone(), job, None));
                }
            }
            Err(error) => tracing::warn!(error = %error, "cannot look for abandoned import jobs"),
        }
    }
}

/// Carries out a job's rows (`prepared` when it was just started; a job taken over is prepared
/// again from its record) and records how it ended.
async fn carry_out(store: Store, claimed: ClaimedImportJob, prepared: Option<Prepared>) {
    let mut progress = JobProgress {
        store: store.clone(),
        claimed,
        seen_problems: 0,
        unreported: Vec::new(),
        latest: ImportCounts::default(),
        last_report: Instant::now(),
        taken_over: false,
    };
    let stopped = match run(&store, &mut progress, prepared).await {
        Ok(summary) => {
            progress.see(&summary, summary.rows);
            None
        }
        Err(error) => {
            tracing::warn!(import_job = %progress.claimed.job.id, error = %error, "an import job stopped");
            Some(error.to_string())
        }
    };
    if progress.taken_over {
        return;
    }
    if let Err(error) = store
        .record_import_progress(
            &progress.claimed,
            progress.latest,
            &progress.unreported,
            Some(stopped.as_deref()),
        )
        .await
    {
        // Left running, the job is taken over and carried out again.
        tracing::warn!(import_job = %progress.claimed.job.id, error = %error, "cannot record an import job's end");
    }
}

/// What a job's rows are carried out with: whom as, and the rows as read.
struct Prepared {
    organisation_id: OrganisationId,
    actor: Actor,
    kind: ImportKind,
    rows: Vec<ReadRow>,
}

/// Finds the professional a job acts as and reads its rows: once when the job is started,
/// again when a job is taken over.
async fn prepare(
    store: &Store,
    organisation_id: OrganisationId,
    acting_as: &str,
    kind: ImportKind,
    format: ImportFormat,
    content: &str,
) -> Result<Prepared, ImportError> {
    let organisation = store
        .organisation(organisation_id)
        .await?
        .ok_or_else(|| ImportError::UnknownOrganisation(organisation_id.to_string()))?;
    let actor = acting_professional(store, &organisation, acting_as).await?;
    let rows = rows::read_from(kind, &organisation.slug, format, content.as_bytes())
        .map_err(|error| ImportError::File("rows".into(), error))?;
    Ok(Prepared {
        organisation_id,
        actor,
        kind,
        rows,
    })
}

async fn run(
    store: &Store,
    progress: &mut JobProgress,
    prepared: Option<Prepared>,
) -> Result<Summary, ImportError> {
    let job = progress.claimed.job.clone();
    let prepared = match prepared {
        Some(prepared) => prepared,
        None => {
            let kind = ImportKind::parse(&job.kind)
                .ok_or(persistence::Error::Corrupt("import job kind"))?;
            let format = ImportFormat::parse(&job.format)
                .ok_or(persistence::Error::Corrupt("import job format"))?;
            prepare(
                store,
                job.organisation_id,
                &job.acting_as,
                kind,
                format,
                &progress.claimed.content,
            )
            .await?
        }
    };
    let import = Import::new(
        store,
        prepared.actor,
        prepared.organisation_id,
        prepared.kind,
        job.dry_run,
        job.trace_id.clone(),
        job.processing_activity_id.clone(),
    )
    .await?;
    import.carry_out(prepared.rows, progress).await
}

/// Reports a job's progress to its row about once a second.
struct JobProgress {
    store: Store,
    claimed: ClaimedImportJob,
    /// How many of the summary's problems were taken into `unreported`.
    seen_problems: usize,
    unreported: Vec<ImportProblem>,
    /// The counts as of the last row looked at.
    latest: ImportCounts,
    last_report: Instant,
    taken_over: bool,
}

impl JobProgress {
    /// Takes in what the rows before `processed` came to.
    fn see(&mut self, summary: &Summary, processed: u64) {
        self.unreported.extend(
            summary.problems[self.seen_problems.min(summary.problems.len())..]
                .iter()
                .map(|problem| ImportProblem {
                    line: problem.line,
                    code: problem.code.to_owned(),
                    field: problem.field.clone(),
                    reason: problem.reason.clone(),
                }),
        );
        self.seen_problems = summary.problems.len();
        self.latest = ImportCounts {
            rows: summary.rows,
            processed,
            imported: summary.imported,
            already_imported: summary.already_imported,
            repeated: summary.repeated,
            refused: summary.problems.len() as u64,
        };
    }
}

impl Report for JobProgress {
    fn start(&mut self, _total: u64) {}

    async fn advance(&mut self, summary: &Summary, done: u64) -> bool {
        self.see(summary, done);
        if self.last_report.elapsed() < Duration::from_secs(1) {
            return true;
        }
        self.last_report = Instant::now();
        match self
            .store
            .record_import_progress(&self.claimed, self.latest, &self.unreported, None)
            .await
        {
            Ok(true) => {
                self.unreported.clear();
                true
            }
            Ok(false) => {
                tracing::info!(import_job = %self.claimed.job.id, "another process took the import job over");
                self.taken_over = true;
                false
            }
            // The next report tries again; the rows go on meanwhile.
            Err(error) => {
                tracing::warn!(import_job = %self.claimed.job.id, error = %error, "cannot report an import job's progress");
                true
            }
        }
    }

    fn finish(&mut self) {}
}
