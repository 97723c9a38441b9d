//! Bulk import (`maatwerk import KIND FILE`): case openings with their team invitations, and
//! agreement statuses from a back office.
//!
//! An import acts as one professional of one organisation, with the roles they last signed in
//! with, so every row meets the same action policy and slice as the same change over the API,
//! through the same store writer; its rows are checked with the API's own parsers. Each row is
//! one transaction, and notes its key (see [`rows`]) in it: a row is written whole or not at
//! all, a re-run skips what was written, and a run stopped midway goes on where it stopped.
//! `--dry-run` carries every row out and rolls it back, so it checks what the policy would
//! refuse too. Residents come in with their case: a resident the platform holds without a
//! case would be personal data without a purpose.

pub mod jobs;
mod rows;

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use domain::identity::{Actor, ProfessionalActor, ProviderKind};
use domain::organisation::Slug;
use domain::{MunicipalityId, OrganisationId};
use indicatif::{ProgressBar, ProgressStyle};
use persistence::Store;
use persistence::access_log::{Ledger, OperationContext, new_hex_id};
use persistence::idempotency::{IMPORTED_BEFORE, ImportRow};
use serde::Serialize;

pub use rows::{ImportFormat, ImportKind, RowProblem};
use rows::{ReadRow, Row};

use crate::error::ApiError;
use crate::settings::ProcessingActivities;

/// What to import, and as whom.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: ImportKind,
    pub file: PathBuf,
    /// The importing organisation's slug.
    pub organisation: String,
    /// The professional the import acts as: their subject at the organisation's identity
    /// provider (for the demo, their sign-in name).
    pub person: String,
    pub dry_run: bool,
}

/// What an import did.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub rows: u64,
    /// Written now (or, in a dry run, that would be).
    pub imported: u64,
    /// Written by an earlier run of the same rows.
    pub already_imported: u64,
    /// The same row again further down the file.
    pub repeated: u64,
    /// Every bad row, by line; nothing of them was written.
    pub problems: Vec<RowProblem>,
    pub dry_run: bool,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for problem in &self.problems {
            write!(f, "line {}: {}", problem.line, problem.code)?;
            if let Some(field) = &problem.field {
                write!(f, " in `{field}`")?;
            }
            writeln!(f, ": {}", problem.reason)?;
        }
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        writeln!(
            f,
            "{} rows: {verb} {}, already imported {}, repeated {}, refused {}",
            self.rows,
            self.imported,
            self.already_imported,
            self.repeated,
            self.problems.len()
        )
    }
}

/// Why an import could not run, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {0}: {1}")]
    File(PathBuf, std::io::Error),
    #[error("no organisation with slug `{0}`")]
    UnknownOrganisation(String),
    #[error("{organisation} has no professional `{person}` who has signed in before")]
    UnknownProfessional {
        organisation: String,
        person: String,
    },
    /// The database failed; the rows before `line` are written, and a re-run goes on from it.
    #[error("stopped at line {line}; run the import again to go on from there")]
    Stopped {
        line: u64,
        #[source]
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
    #[error(transparent)]
    Database(#[from] persistence::Error),
}

/// Where an import reports how far it got.
pub(crate) trait Report {
    fn start(&mut self, total: u64);
    /// Called before each row, with what the rows before it came to; false stops the import.
    async fn advance(&mut self, summary: &Summary, done: u64) -> bool;
    fn finish(&mut self);
}

/// Progress on a terminal as a bar; elsewhere a plain line every few seconds.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    last_line: Instant,
    total: u64,
}

impl Progress {
    /// A bar when standard error is a terminal, plain lines otherwise.
    pub fn on_standard_error() -> Self {
        Self {
            bar: None,
            lines: true,
            last_line: Instant::now(),
            total: 0,
        }
    }

    /// Nothing shown, for tests and the API.
    pub fn hidden() -> Self {
        Self {
            bar: None,
            lines: false,
            last_line: Instant::now(),
            total: 0,
        }
    }
}

impl Report for Progress {
    fn start(&mut self, total: u64) {
        self.total = total;
        if self.lines && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} rows, {per_sec}, {eta} left")
                    .expect("a valid template"),
            );
            self.bar = Some(bar);
        }
    }

    async fn advance(&mut self, _summary: &Summary, done: u64) -> bool {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        } else if self.lines && self.last_line.elapsed() >= Duration::from_secs(5) {
            self.last_line = Instant::now();
            eprintln!("{done}/{} rows", self.total);
        }
        true
    }

    fn finish(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Reads `options.file` and carries out its rows; see the module documentation.
pub async fn run(
    store: &Store,
    activities: &ProcessingActivities,
    options: &ImportOptions,
    mut progress: Progress,
) -> Result<Summary, ImportError> {
    let slug = Slug::parse(&options.organisation)
        .map_err(|_| ImportError::UnknownOrganisation(options.organisation.clone()))?;
    let organisation = store
        .organisation_by_slug(&slug)
        .await?
        .ok_or_else(|| ImportError::UnknownOrganisation(options.organisation.clone()))?;
    let actor = acting_professional(store, &organisation, &options.person).await?;
    let rows = rows::read(options.kind, &slug, &options.file)
        .map_err(|error| ImportError::File(options.file.clone(), error))?;
    let import = Import::new(
        store,
        actor.clone(),
        organisation.id,
        options.kind,
        options.dry_run,
        new_hex_id(16),
        activities
            .for_operation(Some(options.kind.operation_name()), &actor)
            .to_owned(),
    )
    .await?;
    import.carry_out(rows, &mut progress).await
}

/// The professional `person` of `organisation`, as they last signed in: whom an import acts as.
pub(crate) async fn acting_professional(
    store: &Store,
    organisation: &domain::organisation::Organisation,
    person: &str,
) -> Result<Actor, ImportError> {
    for provider in store.identity_providers().await? {
        if provider.kind != ProviderKind::Professional
            || provider.organisation_id != Some(organisation.id)
        {
            continue;
        }
        if let Some(professional) = store.professional_by_subject(provider.id, person).await? {
            return Ok(Actor::Professional(ProfessionalActor {
                professional_id: professional.id,
                organisation_id: organisation.id,
                organisation_kind: organisation.kind,
                roles: professional.roles,
            }));
        }
    }
    Err(ImportError::UnknownProfessional {
        organisation: organisation.slug.as_str().to_owned(),
        person: person.to_owned(),
    })
}

struct Import<'a> {
    store: &'a Store,
    actor: Actor,
    organisation_id: OrganisationId,
    kind: ImportKind,
    dry_run: bool,
    /// One trace for the whole import, so its entries in the access log are found together.
    trace_id: String,
    operation_name: &'static str,
    processing_activity_id: String,
    municipalities: HashMap<String, MunicipalityId>,
    organisations: HashMap<Slug, Option<OrganisationId>>,
}

impl<'a> Import<'a> {
    async fn new(
        store: &'a Store,
        actor: Actor,
        organisation_id: OrganisationId,
        kind: ImportKind,
        dry_run: bool,
        trace_id: String,
        processing_activity_id: String,
    ) -> Result<Import<'a>, persistence::Error> {
        Ok(Import {
            store,
            actor,
            organisation_id,
            kind,
            dry_run,
            trace_id,
            operation_name: kind.operation_name(),
            processing_activity_id,
            municipalities: store
                .municipalities()
                .await?
                .into_iter()
                .map(|municipality| (municipality.code.as_str().to_owned(), municipality.id))
                .collect(),
            organisations: HashMap::new(),
        })
    }

    /// Carries out `rows`, skipping those an earlier run wrote.
    async fn carry_out(
        mut self,
        rows: Vec<ReadRow>,
        progress: &mut impl Report,
    ) -> Result<Summary, ImportError> {
        let keys: Vec<String> = rows.iter().map(|row| row.key.clone()).collect();
        let done_before = self.store.imported_rows(&keys).await?;
        let total = rows.len() as u64;
        let mut summary = Summary {
            rows: total,
            dry_run: self.dry_run,
            ..Summary::default()
        };
        let mut seen = HashSet::new();
        progress.start(total);
        for (index, read) in rows.into_iter().enumerate() {
            if !progress.advance(&summary, index as u64).await {
                break;
            }
            let row = match read.row {
                Err(problem) => {
                    summary.problems.push(problem);
                    continue;
                }
                Ok(row) => row,
            };
            if !seen.insert(read.key.clone()) {
                summary.repeated += 1;
                continue;
            }
            if done_before.contains(&read.key) {
                summary.already_imported += 1;
                continue;
            }
            match self.write(&row, &read.key).await {
                Ok(()) => summary.imported += 1,
                // Another run carried the row out since this one looked.
                Err(ApiError::Conflict(message)) if message == IMPORTED_BEFORE => {
                    summary.already_imported += 1;
                }
                Err(ApiError::Internal(source)) => {
                    progress.finish();
                    return Err(ImportError::Stopped {
                        line: read.line,
                        source,
                    });
                }
                Err(error) => summary.problems.push(RowProblem::of(read.line, &error)),
            }
        }
        progress.finish();
        Ok(summary)
    }

    /// One row in one transaction that also notes the row's key; a dry run rolls it back.
    async fn write(&mut self, row: &Row, key: &str) -> Result<(), ApiError> {
        match row {
            Row::CaseOpening {
                municipality,
                resident,
                invitations,
                reason,
            } => {
                // Names are looked up before the transaction, which on SQLite holds the lock.
                let municipality_id =
                    *self
                        .municipalities
                        .get(municipality.as_str())
                        .ok_or_else(|| {
                            ApiError::bad_input("municipality", "no municipality with this code")
                        })?;
                let mut invited = Vec::with_capacity(invitations.len());
                for (slug, role) in invitations {
                    invited.push((self.organisation(slug).await?, *role));
                }
                let (writer, viewer) = self.begin(key).await?;
                let case_id = writer
                    .open_case(&viewer, municipality_id, resident.clone())
                    .await?;
                for (organisation_id, role) in invited {
                    let reason = reason.clone().unwrap_or_default();
                    writer
                        .invite(&viewer, case_id, organisation_id, None, role, reason)
                        .await?;
                }
                self.finish(writer).await
            }
            Row::AgreementStatus {
                agreement,
                status,
                version,
            } => {
                let (writer, viewer) = self.begin(key).await?;
                writer
                    .set_agreement_status(&viewer, *agreement, *status, *version)
                    .await?;
                self.finish(writer).await
            }
        }
    }

    async fn begin(
        &self,
        key: &str,
    ) -> Result<(persistence::cases::Writer, persistence::cases::Viewer), ApiError> {
        let ledger = Ledger::new(OperationContext {
            trace_id: self.trace_id.clone(),
            operation_id: new_hex_id(8),
            operation_name: Some(self.operation_name.to_owned()),
            processing_activity_id: self.processing_activity_id.clone(),
        });
        let store = self.store.noting_import_row(ImportRow {
            key: key.to_owned(),
            organisation_id: self.organisation_id,
            kind: self.kind.as_str(),
        });
        let writer = store.begin_write(&ledger).await?;
        let viewer = writer.viewer(&self.actor).await?;
        Ok((writer, viewer))
    }

    /// Commits the row, or in a dry run drops the writer, which rolls it back.
    async fn finish(&self, writer: persistence::cases::Writer) -> Result<(), ApiError> {
        if !self.dry_run {
            writer.commit().await?;
        }
        Ok(())
    }

    async fn organisation(&mut self, slug: &Slug) -> Result<OrganisationId, ApiError> {
        if !self.organisations.contains_key(slug) {
            let found = self.store.organisation_by_slug(slug).await?;
            self.organisations
                .insert(slug.clone(), found.map(|organisation| organisation.id));
        }
        self.organisations[slug].ok_or_else(|| {
            ApiError::bad_input(
                "invite",
                format!("no organisation with slug `{}`", slug.as_str()),
            )
        })
    }
}
