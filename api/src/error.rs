//! The one error type resolvers and handlers return.
//!
//! Every error a client sees carries `extensions.code`. Anything internal reaches the client
//! only as "internal error"; its source chain goes to the log, inside the request's span, so
//! the log line carries the trace id a client can quote.

use async_graphql::ErrorExtensions;
use domain::InvalidInput;

///
/// Deliberately not `Display`: async-graphql turns any `Display` error into a client-facing
/// message, and this type must only reach clients through its own conversion below.
#[derive(Debug, Clone)]
pub enum ApiError {
    Unauthenticated,
    Forbidden(String),
    /// Also what a viewer gets for something that exists but lies outside their slice.
    NotFound(&'static str),
    BadUserInput {
        field: String,
        message: String,
    },
    Conflict(String),
    Internal(std::sync::Arc<dyn std::error::Error + Send + Sync>),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadUserInput { .. } => "BAD_USER_INPUT",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated => "authentication required".into(),
            ApiError::Forbidden(message) | ApiError::Conflict(message) => message.clone(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::BadUserInput { field, message } => format!("{field}: {message}"),
            ApiError::Internal(_) => "internal error".into(),
        }
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(std::sync::Arc::new(error))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden(message.into())
    }
}

/// Writes an internal error's full source chain to the log; the client never sees it.
pub fn log_internal(error: &(dyn std::error::Error + 'static)) {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    tracing::error!(error.chain = %chain, "internal error");
}

impl From<InvalidInput> for ApiError {
    fn from(error: InvalidInput) -> Self {
        ApiError::BadUserInput {
            field: error.field,
            message: error.message,
        }
    }
}

impl From<domain::authz::Refusal> for ApiError {
    fn from(refusal: domain::authz::Refusal) -> Self {
        persistence::Error::from(refusal).into()
    }
}

impl From<persistence::Error> for ApiError {
    fn from(error: persistence::Error) -> Self {
        match error {
            persistence::Error::NotFound(what) => ApiError::NotFound(what),
            persistence::Error::Conflict(message) => ApiError::Conflict(message),
            persistence::Error::Invalid(invalid) => invalid.into(),
            persistence::Error::Forbidden(message) => ApiError::forbidden(message),
            other => ApiError::internal(other),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        if let ApiError::Internal(source) = &error {
            log_internal(source.as_ref());
        }
        let code = error.code();
        let field = match &error {
            ApiError::BadUserInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        async_graphql::Error::new(error.message()).extend_with(|_, extensions| {
            extensions.set("code", code);
            if let Some(field) = &field {
                extensions.set("field", field.as_str());
            }
        })
    }
}
