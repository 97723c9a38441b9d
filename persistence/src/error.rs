//! Storage errors. `Display` never includes SQL or values: the api logs the source chain and
//! shows clients only what they may know.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule or a version check refused the write; nothing was changed.
    #[error("{0}")]
    Conflict(String),
    /// The input breaks a rule that needs the stored state to check (a limit, a membership).
    #[error(transparent)]
    Invalid(#[from] domain::InvalidInput),
    /// The viewer may see the case but their team role may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A stored value no longer parses into its domain type: a bug or a hand-edited row.
    #[error("stored {0} is invalid")]
    Corrupt(&'static str),
    /// The access log could not be made durable; the data it would describe must not leave.
    #[error("the access log could not be written")]
    AccessLog,
    #[error("database error")]
    Database(#[source] DbErr),
}

impl From<domain::authz::Refusal> for Error {
    fn from(refusal: domain::authz::Refusal) -> Self {
        use domain::authz::Refusal;
        match refusal {
            Refusal::NotFound(action) => Error::NotFound(action.object().noun()),
            Refusal::Forbidden(action) => Error::Forbidden(action.refusal()),
        }
    }
}

impl From<DbErr> for Error {
    fn from(error: DbErr) -> Self {
        Error::Database(error)
    }
}

/// Maps a unique-constraint violation to a [`Error::Conflict`] with `message`; anything else
/// stays a database error.
pub(crate) fn conflict_on_unique(error: DbErr, message: &str) -> Error {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => Error::Conflict(message.to_owned()),
        _ => Error::Database(error),
    }
}

/// Maps a foreign-key violation to [`Error::Invalid`] on `field`: the input referred to a row
/// that does not exist. The constraint decides, so no read can race the write. Anything else
/// goes on to `otherwise`.
pub(crate) fn invalid_on_foreign_key(
    error: DbErr,
    field: &str,
    message: &str,
    otherwise: impl FnOnce(DbErr) -> Error,
) -> Error {
    match error.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            Error::Invalid(domain::InvalidInput::new(field, message))
        }
        _ => otherwise(error),
    }
}

/// The error for a write that named an old version.
pub(crate) fn stale(what: &str) -> Error {
    Error::Conflict(format!(
        "the {what} is not at the version you sent (it changed since you read it); reload it and try again"
    ))
}
