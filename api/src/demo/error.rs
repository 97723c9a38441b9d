//! What can go wrong loading the demo data.

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database already holds organisations; demo data is only loaded into an empty database"
    )]
    AlreadyLoaded,
    #[error("could not store the demo data")]
    Storage(#[from] persistence::Error),
    #[error("the demo data is invalid")]
    Invalid(#[from] domain::InvalidInput),
    #[error("the demo data names an unknown {0} `{1}`")]
    Unknown(&'static str, &'static str),
}

impl From<domain::authz::Refusal> for DemoError {
    fn from(refusal: domain::authz::Refusal) -> Self {
        DemoError::Storage(refusal.into())
    }
}
