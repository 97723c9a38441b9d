//! `AppState`: what the server holds, given to every handler.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use persistence::Store;
use persistence::access_log::AccessLog;

use crate::auth::Authenticator;
use crate::graphql::MaatwerkSchema;
use crate::graphql::documents::ParsedDocuments;
use crate::graphql::variables::InputObjects;
use crate::rate_limit::RateLimiters;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub schema: MaatwerkSchema,
    /// The schema's input objects, to check variables against before execution.
    pub input_objects: Arc<InputObjects>,
    pub documents: Arc<ParsedDocuments>,
    pub store: Store,
    pub access_log: AccessLog,
    pub authenticator: Arc<Authenticator>,
    pub rate_limits: Arc<RateLimiters>,
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
    /// The import jobs this process carries out.
    pub imports: Arc<crate::import::jobs::Imports>,
}
