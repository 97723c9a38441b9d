//! The rows an import file holds, read from CSV (with a header line) or JSON Lines, and checked
//! with the API's own parsers: a row that would be a bad input over GraphQL is a bad row here,
//! with the same reason.

use std::io::BufRead;
use std::path::Path;

use async_graphql::{ID, InputType, Name, Value};
use domain::case::{MAX_SHORT_TEXT, parse_text};
use domain::organisation::Slug;
use domain::{AgreementId, MunicipalityCode};
use persistence::cases::ResidentToOpen;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::graphql::enums::{AgreementStatus, TeamRole};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::{Date, ResidentToOpenInput};

/// What a file imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportKind {
    /// Case openings: the resident (found by BSN and date of birth, or registered), the
    /// municipality and the organisations invited to the team.
    Cases,
    /// Agreement statuses from a back office, each at the agreement's version.
    AgreementStatuses,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Cases => "cases",
            ImportKind::AgreementStatuses => "agreement-statuses",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [ImportKind::Cases, ImportKind::AgreementStatuses]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// The operation its writes are logged under.
    pub fn operation_name(self) -> &'static str {
        match self {
            ImportKind::Cases => "ImportCases",
            ImportKind::AgreementStatuses => "ImportAgreementStatuses",
        }
    }
}

/// One row of a case-openings file. The fields are the columns of the CSV header and the keys of
/// a JSON line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseOpeningRow {
    /// The municipality's code, like `AMS`.
    municipality: String,
    bsn: Option<String>,
    date_of_birth: String,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    /// Organisations to invite, separated by `;`, each a slug with an optional team role:
    /// `wpi-amsterdam; woonstad-wonen:COACH`.
    invite: Option<String>,
    /// Why the organisations are invited; needed with `invite`.
    invitation_reason: Option<String>,
    /// The row's own idempotency key; by default one is derived from the row's content.
    key: Option<String>,
}

/// One row of an agreement-statuses file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgreementStatusRow {
    /// The agreement's ID, as the API gives it (`agreementChanges`, `Agreement.id`).
    agreement: String,
    status: String,
    /// The agreement's version the status is set at; a newer one makes the row a conflict.
    version: i32,
    key: Option<String>,
}

/// A row checked into what the store writes.
#[derive(Debug, Clone)]
pub(crate) enum Row {
    CaseOpening {
        municipality: MunicipalityCode,
        resident: ResidentToOpen,
        invitations: Vec<(Slug, domain::slice::TeamRole)>,
        reason: Option<String>,
    },
    AgreementStatus {
        agreement: AgreementId,
        status: domain::case::AgreementStatus,
        version: i32,
    },
}

/// A row as read: where it is, its key, and what it asks for or why it cannot be done.
#[derive(Debug)]
pub(crate) struct ReadRow {
    pub line: u64,
    pub key: String,
    pub row: Result<Row, RowProblem>,
}

/// Why one row was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub line: u64,
    pub code: &'static str,
    /// The column (or JSON key) at fault, when one is.
    pub field: Option<String>,
    pub reason: String,
}

impl RowProblem {
    pub(crate) fn of(line: u64, error: &ApiError) -> Self {
        let (field, reason) = match error {
            ApiError::BadUserInput { field, message } => (Some(column_of(field)), message.clone()),
            other => (None, other.message()),
        };
        Self {
            line,
            code: error.code(),
            field,
            reason,
        }
    }
}

/// The file's column for a field the API names (`resident.bsn` is the `bsn` column).
fn column_of(field: &str) -> String {
    let field = field.strip_prefix("resident.").unwrap_or(field);
    match field {
        "dateOfBirth" => "date_of_birth".into(),
        "id" => "agreement".into(),
        "reason" => "invitation_reason".into(),
        "role" => "invite".into(),
        other => other.into(),
    }
}

/// How an import's rows are written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// CSV with a header line naming the columns.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl ImportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Csv => "csv",
            ImportFormat::JsonLines => "jsonl",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(ImportFormat::Csv),
            "jsonl" | "ndjson" => Some(ImportFormat::JsonLines),
            _ => None,
        }
    }
}

/// Reads every row of `path`: CSV for `.csv`, JSON Lines for `.jsonl` and `.ndjson`.
pub(crate) fn read(
    kind: ImportKind,
    organisation: &Slug,
    path: &Path,
) -> Result<Vec<ReadRow>, std::io::Error> {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let format = ImportFormat::parse(&extension).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "an import file is .csv (with a header line) or .jsonl",
        )
    })?;
    read_from(kind, organisation, format, std::fs::File::open(path)?)
}

/// Reads every row of `source`, written in `format`.
pub(crate) fn read_from(
    kind: ImportKind,
    organisation: &Slug,
    format: ImportFormat,
    source: impl std::io::Read,
) -> Result<Vec<ReadRow>, std::io::Error> {
    let mut rows = Vec::new();
    match format {
        ImportFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(std::io::BufReader::new(source));
            let headers = reader.headers()?.clone();
            for (index, record) in reader.records().enumerate() {
                // Line 1 is the header; a record's own position counts quoted line breaks.
                let line = record
                    .as_ref()
                    .ok()
                    .and_then(|record| record.position())
                    .map_or(index as u64 + 2, |position| position.line());
                let fields = record
                    .map_err(|error| bad_format(error.to_string()))
                    .and_then(|record| {
                        record
                            .deserialize::<std::collections::BTreeMap<String, String>>(Some(
                                &headers,
                            ))
                            .map(|cells| {
                                serde_json::Value::Object(
                                    cells
                                        .into_iter()
                                        .map(|(name, cell)| (name, cell.into()))
                                        .collect(),
                                )
                            })
                            .map_err(|error| bad_format(error.to_string()))
                    });
                rows.push(checked(kind, organisation, line, fields.map(without_empty)));
            }
        }
        ImportFormat::JsonLines => {
            for (index, text) in std::io::BufReader::new(source).lines().enumerate() {
                let text = text?;
                if text.trim().is_empty() {
                    continue;
                }
                let fields = serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|error| bad_format(error.to_string()))
                    .map(without_empty);
                rows.push(checked(kind, organisation, index as u64 + 1, fields));
            }
        }
    }
    Ok(rows)
}

fn bad_format(reason: String) -> ApiError {
    ApiError::bad_input("-", reason)
}

/// Empty cells are absent values, as in a GraphQL input left out; CSV numbers arrive as text.
fn without_empty(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(fields) => fields
            .into_iter()
            .filter(|(_, value)| !matches!(value, serde_json::Value::Null))
            .filter(|(_, value)| value.as_str().is_none_or(|text| !text.trim().is_empty()))
            .map(|(name, value)| match (name.as_str(), value) {
                ("version", serde_json::Value::String(text)) => {
                    let number = text
                        .trim()
                        .parse::<i64>()
                        .map_or(serde_json::Value::String(text), serde_json::Value::from);
                    (name, number)
                }
                (_, value) => (name, value),
            })
            .collect(),
        other => other,
    }
}

/// The row's key and what it asks for. The key is the row's own `key`, or a hash of the kind,
/// the importing organisation and the row's fields, so the same row in a re-run is the same
/// row, and a corrected row is a new one.
fn checked(
    kind: ImportKind,
    organisation: &Slug,
    line: u64,
    fields: Result<serde_json::Value, ApiError>,
) -> ReadRow {
    let derived_key = |fields: &serde_json::Value| {
        let explicit = fields.get("key").and_then(|key| key.as_str());
        let mut hash = Sha256::new();
        hash.update(kind.as_str());
        hash.update([0]);
        hash.update(organisation.as_str());
        hash.update([0]);
        match explicit {
            Some(key) => hash.update(format!("key:{key}")),
            // serde_json's objects are ordered by key, so equal rows hash alike.
            None => hash.update(fields.to_string()),
        }
        hash.finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    };
    let key = fields
        .as_ref()
        .map(derived_key)
        .unwrap_or_else(|_| format!("bad line {line}"));
    let row = fields
        .and_then(|fields| parse(kind, fields))
        .map_err(|error| RowProblem::of(line, &error));
    ReadRow { line, key, row }
}

fn parse(kind: ImportKind, fields: serde_json::Value) -> Result<Row, ApiError> {
    let unreadable = |error: serde_json::Error| {
        let text = error.to_string();
        // serde names the missing or unknown column in backticks.
        let field = text
            .split('`')
            .nth(1)
            .filter(|_| text.contains("field"))
            .unwrap_or("-")
            .to_owned();
        ApiError::bad_input(field, text)
    };
    match kind {
        ImportKind::Cases => {
            let row: CaseOpeningRow = serde_json::from_value(fields).map_err(unreadable)?;
            row.parse()
        }
        ImportKind::AgreementStatuses => {
            let row: AgreementStatusRow = serde_json::from_value(fields).map_err(unreadable)?;
            row.parse()
        }
    }
}

/// An enum value as the API spells it (`IN_PROGRESS`), in any case.
fn api_enum<T: InputType>(field: &str, text: &str) -> Result<T, ApiError> {
    let name = text.trim().to_ascii_uppercase();
    T::parse(Some(Value::Enum(Name::new(&name)))).map_err(|_| {
        ApiError::bad_input(
            field,
            format!("`{}` is not a {}", text.trim(), T::type_name()),
        )
    })
}

impl CaseOpeningRow {
    fn parse(self) -> Result<Row, ApiError> {
        let municipality = MunicipalityCode::parse(&self.municipality)
            .map_err(|error| ApiError::bad_input("municipality", error.message))?;
        let date_of_birth =
            chrono::NaiveDate::parse_from_str(self.date_of_birth.trim(), "%Y-%m-%d")
                .map_err(|_| ApiError::bad_input("date_of_birth", "not a date like 1987-03-14"))?;
        let resident = ResidentToOpenInput {
            bsn: self.bsn,
            date_of_birth: Date(date_of_birth),
            name: self.name,
            email: self.email,
            phone: self.phone,
            address: self.address,
        }
        .parse()?;
        let invitations = self
            .invite
            .as_deref()
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (slug, role) = part.split_once(':').unwrap_or((part, "MEMBER"));
                let slug = Slug::parse(slug.trim())
                    .map_err(|error| ApiError::bad_input("invite", error.message))?;
                let role: TeamRole = api_enum("invite", role)?;
                Ok((slug, role.into()))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let reason = match (&invitations[..], self.invitation_reason.as_deref()) {
            ([], _) => None,
            (_, None) => {
                return Err(ApiError::bad_input(
                    "invitation_reason",
                    "an invitation needs its reason",
                ));
            }
            (_, Some(reason)) => Some(parse_text("reason", reason, MAX_SHORT_TEXT)?),
        };
        Ok(Row::CaseOpening {
            municipality,
            resident,
            invitations,
            reason,
        })
    }
}

impl AgreementStatusRow {
    fn parse(self) -> Result<Row, ApiError> {
        let agreement = AgreementId(ids::decode(
            &ID(self.agreement.trim().to_owned()),
            NodeType::Agreement,
            "agreement",
        )?);
        let status: AgreementStatus = api_enum("status", &self.status)?;
        Ok(Row::AgreementStatus {
            agreement,
            status: status.into(),
            version: self.version,
        })
    }
}
