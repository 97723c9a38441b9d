//! Typed settings, layered: defaults, then a TOML file, then `MAATWERK_*` environment
//! variables (nested keys with `__`, e.g. `MAATWERK_LIMITS__DEPTH=10`). `DATABASE_URL` is
//! honoured too, as most tooling sets it.

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Where `/metrics` is served: unset (the default), on `listen` with everything else; set,
    /// only here, e.g. on an internal interface that the scraper reaches and partners do not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<SocketAddr>,
    pub database_url: String,
    /// Apply pending migrations at start-up. Always done on SQLite; on PostgreSQL migrations
    /// are an operator's step (`maatwerk migrate`) unless this is set.
    pub migrate: bool,
    /// Whether the schema can be introspected; off in production if partners get the
    /// checked-in `schema.graphql` instead.
    pub introspection: bool,
    pub limits: Limits,
    pub auth: AuthSettings,
    /// `json`, `text`, or `auto` (the default): text on a terminal and with `--demo`, JSON
    /// lines otherwise, for a log collector; `off` writes none.
    pub log_format: String,
    pub processing_activities: ProcessingActivities,
    pub live: LiveSettings,
    pub rate_limits: RateLimits,
    pub browser: BrowserSettings,
    pub audit: AuditSettings,
    pub traces: TraceSettings,
    /// Set only by `maatwerk serve --demo`, never by a file or the environment: it opens the
    /// demo sign-in, which signs tokens with development identity providers' keys.
    #[serde(skip)]
    pub demo: bool,
}

/// What browser clients need: the origins other than the server's own that may call the API,
/// and how the served web app signs professionals in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserSettings {
    /// Origins (`https://partner.example.nl`) whose pages may call `/graphql` and the export
    /// from the browser. None by default: the app served at `/` is the server's own origin.
    /// Tokens travel in the `Authorization` header, so credentials are never allowed.
    pub allowed_origins: Vec<String>,
    /// The organisation's OpenID Connect provider for the web app's sign-in; its tokens must
    /// come from an identity provider registered for the organisation.
    pub sign_in: Option<OpenIdSignIn>,
}

/// An OpenID Connect client for the web app: authorization code with PKCE, no client secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenIdSignIn {
    /// The provider's issuer URL, where `/.well-known/openid-configuration` is found.
    pub authority: String,
    pub client_id: String,
    #[serde(default = "OpenIdSignIn::default_scope")]
    pub scope: String,
}

impl OpenIdSignIn {
    fn default_scope() -> String {
        "openid profile email".into()
    }
}

/// Signed checkpoints of the access log's chains (`maatwerk audit checkpoint`), kept outside
/// the database so that a chain cut short is found.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Where `checkpoints.jsonl` is appended: a directory the database's users cannot rewrite
    /// (another disk, a write-once mount, a directory shipped to an archive).
    pub checkpoint_directory: std::path::PathBuf,
    /// The server's Ed25519 key for signing checkpoints, made on first use (mode 0600). Keep it
    /// out of the checkpoint directory and out of the database.
    pub checkpoint_key_file: std::path::PathBuf,
    /// How often `maatwerk serve` writes a checkpoint while the log grows; 0 writes none.
    pub checkpoint_interval_seconds: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            checkpoint_directory: "audit-checkpoints".into(),
            checkpoint_key_file: "audit-checkpoint.key".into(),
            checkpoint_interval_seconds: 300,
        }
    }
}

/// OpenTelemetry traces, exported over OTLP/HTTP with protobuf bodies. Off unless an endpoint
/// is set. Each access-log entry is exported too, as a span with the attributes of the Logboek
/// Dataverwerkingen standard, whatever the trace's sampling decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceSettings {
    /// The collector's base URL, such as `http://collector:4318`; spans go to `/v1/traces`
    /// under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otlp_endpoint: Option<String>,
    /// The `service.name` the spans carry.
    pub service_name: String,
    /// How long finished spans wait to be sent together.
    pub export_delay_milliseconds: u64,
}

impl Default for TraceSettings {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "maatwerk".into(),
            export_delay_milliseconds: 5_000,
        }
    }
}

/// Limits of a live connection on `/graphql/ws`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSettings {
    /// How long a new socket may wait before its `connection_init`; then it is closed (4408).
    pub connection_init_timeout_seconds: u64,
    /// Subscriptions one connection may hold at once; one more is refused with an error.
    pub subscriptions_per_connection: usize,
    /// The largest message a client may send; a larger one closes the socket (1009).
    pub message_bytes: usize,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            connection_init_timeout_seconds: 10,
            subscriptions_per_connection: 16,
            message_bytes: 64 * 1024,
        }
    }
}

/// Requests per second, with a burst, per authenticated actor and per client address. A
/// request over either limit is answered 429 with `Retry-After`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Off only where something in front of the server limits instead, or in `maatwerk bench`.
    pub enabled: bool,
    pub per_actor_per_second: u32,
    pub per_actor_burst: u32,
    /// Counts every request before its token is read, and every WebSocket connection attempt.
    /// Behind a reverse proxy every client has the proxy's address.
    pub per_address_per_second: u32,
    pub per_address_burst: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            per_actor_per_second: 50,
            // A page that opens many cases at once, or a script's batch, stays well within.
            per_actor_burst: 300,
            per_address_per_second: 100,
            per_address_burst: 400,
        }
    }
}

/// The processing-activity identifiers the access log names, from the organisation's register
/// of processing activities. An operation gets the one its GraphQL operation name is mapped to,
/// or else the one for its kind of actor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingActivities {
    /// Professionals working on a case together.
    pub case_work: String,
    /// The resident reading their own file, log or export.
    pub resident_access: String,
    /// An organisation's back office pulling its data.
    pub integration: String,
    /// Operation name → processing activity, overriding the above.
    pub operations: std::collections::BTreeMap<String, String>,
}

impl Default for ProcessingActivities {
    fn default() -> Self {
        Self {
            case_work: "urn:maatwerk:processing-activity:case-work".into(),
            resident_access: "urn:maatwerk:processing-activity:resident-access".into(),
            integration: "urn:maatwerk:processing-activity:integration".into(),
            operations: std::collections::BTreeMap::new(),
        }
    }
}

impl ProcessingActivities {
    pub fn for_operation(
        &self,
        operation_name: Option<&str>,
        actor: &domain::identity::Actor,
    ) -> &str {
        use domain::identity::Actor;
        if let Some(mapped) = operation_name.and_then(|name| self.operations.get(name)) {
            return mapped;
        }
        match actor {
            Actor::Resident(_) => &self.resident_access,
            Actor::Service(_) => &self.integration,
            Actor::Professional(_) | Actor::PlatformAdmin(_) => &self.case_work,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub depth: usize,
    pub complexity: usize,
    pub recursive_depth: usize,
    /// Directives on one field.
    pub directives: usize,
    pub aliases: usize,
    pub body_bytes: usize,
    /// Operations in one batched request; a larger batch is refused whole.
    pub batch: usize,
    /// The largest `first` a connection accepts.
    pub page_size: usize,
    /// How many first steps may be open on one case at once (DOMAIN.md §3, step 4).
    pub open_first_steps: usize,
    /// How old an agreement change must be before `agreementChanges` returns it: longer than
    /// any write transaction lasts, so a change committed late is never skipped by a cursor.
    pub change_settle_seconds: u64,
    /// How long a response is kept for retries with the same `Idempotency-Key`; after that the
    /// key counts as new and the kept response, which may hold case data, is deleted.
    pub idempotency_window_seconds: u64,
    /// How many live `Idempotency-Key`s one actor may hold; a key over it is refused, so one
    /// client cannot fill the store with kept responses.
    pub idempotency_keys_per_actor: u64,
    /// How long a key may be held by a request that neither answered nor committed before a
    /// retry takes it over: longer than any request runs, so only a request whose server
    /// stopped is taken over.
    pub idempotency_abandoned_after_seconds: u64,
    /// How long an import job may go without reporting progress before another process (or
    /// this one, restarted) takes it over: a running job reports every second.
    pub import_takeover_seconds: u64,
}

/// See [`Limits::change_settle_seconds`].
pub const DEFAULT_CHANGE_SETTLE_SECONDS: u64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub leeway_seconds: i64,
    pub max_token_lifetime_seconds: i64,
    /// The least time between two fetches of one provider's JWKS URL.
    pub jwks_refresh_interval_seconds: u64,
    /// How long the server trusts a fetched key set before it fetches it again.
    pub jwks_cache_seconds: u64,
    /// The largest key set the server reads from a JWKS URL; a longer answer is cut off and the
    /// keys already cached stay in use.
    pub jwks_max_bytes: usize,
}

/// The variable (after `MAATWERK_`, lower case, `__` between levels) behind an unknown-field
/// error that came from the environment.
fn unknown_variable(error: &figment::Error) -> Option<String> {
    let figment::error::Kind::UnknownField(field, _) = &error.kind else {
        return None;
    };
    let from_environment = error
        .metadata
        .as_ref()
        .is_some_and(|metadata| metadata.name.contains("MAATWERK_"));
    // The error's path ends with the unknown key itself.
    from_environment.then(|| {
        if error.path.is_empty() {
            field.to_ascii_lowercase()
        } else {
            error.path.join("__").to_ascii_lowercase()
        }
    })
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            database_url: "sqlite://maatwerk.db?mode=rwc".into(),
            migrate: false,
            introspection: true,
            limits: Limits::default(),
            auth: AuthSettings::default(),
            log_format: "auto".into(),
            processing_activities: ProcessingActivities::default(),
            live: LiveSettings::default(),
            rate_limits: RateLimits::default(),
            browser: BrowserSettings::default(),
            audit: AuditSettings::default(),
            traces: TraceSettings::default(),
            demo: false,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // GraphiQL's introspection query (graphql-js `getIntrospectionQuery`) is 15 deep;
            // below that the schema does not load in GraphiQL.
            depth: 15,
            complexity: 5_000,
            recursive_depth: 32,
            directives: 4,
            aliases: 50,
            body_bytes: 256 * 1024,
            batch: 10,
            page_size: 100,
            open_first_steps: 3,
            change_settle_seconds: DEFAULT_CHANGE_SETTLE_SECONDS,
            idempotency_window_seconds: 24 * 60 * 60,
            idempotency_keys_per_actor: 1_000,
            idempotency_abandoned_after_seconds: 60,
            import_takeover_seconds: 60,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            leeway_seconds: 60,
            max_token_lifetime_seconds: 24 * 60 * 60,
            jwks_refresh_interval_seconds: 30,
            jwks_cache_seconds: 3600,
            jwks_max_bytes: 64 * 1024,
        }
    }
}

impl Settings {
    /// Defaults, then `file` (or `maatwerk.toml` when it exists), then the environment.
    /// The settings, and a warning for each `MAATWERK_*` variable that names no setting (a
    /// typo, or a variable of another version): it is left out rather than refusing to start.
    pub fn load(file: Option<&Path>) -> Result<(Self, Vec<String>), Box<figment::Error>> {
        let mut ignored: Vec<String> = Vec::new();
        loop {
            let mut figment = Figment::from(Serialized::defaults(Settings::default()));
            match file {
                Some(path) => figment = figment.merge(Toml::file_exact(path)),
                None => figment = figment.merge(Toml::file("maatwerk.toml")),
            }
            let skip = ignored.clone();
            figment = figment
                .merge(
                    Env::raw()
                        .only(&["DATABASE_URL"])
                        .map(|_| "database_url".into()),
                )
                .merge(
                    Env::prefixed("MAATWERK_")
                        .filter(move |key| !skip.iter().any(|name| key == name.as_str()))
                        .split("__"),
                );
            match figment.extract::<Settings>() {
                Ok(settings) => {
                    let warnings = ignored
                        .iter()
                        .map(|key| {
                            format!(
                                "MAATWERK_{} names no setting and is ignored",
                                key.to_ascii_uppercase()
                            )
                        })
                        .collect();
                    return Ok((settings, warnings));
                }
                Err(error) => match unknown_variable(&error) {
                    Some(key) if !ignored.contains(&key) => ignored.push(key),
                    _ => return Err(Box::new(error)),
                },
            }
        }
    }

    pub fn token_limits(&self) -> domain::identity::TokenLimits {
        domain::identity::TokenLimits {
            leeway_seconds: self.auth.leeway_seconds,
            max_lifetime_seconds: self.auth.max_token_lifetime_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // Jail's closure returns figment's own error type, which is large.
    #[allow(clippy::result_large_err)]
    fn an_unknown_variable_is_a_warning_and_a_known_one_applies() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MAATWERK_LIMITS__DEPTH", "7");
            jail.set_env("MAATWERK_LIMITS__DEPHT", "8");
            jail.set_env("MAATWERK_LISTEN_ON", "0.0.0.0:1");
            let (settings, mut warnings) = Settings::load(None).expect("settings load");
            assert_eq!(settings.limits.depth, 7);
            warnings.sort();
            assert_eq!(
                warnings,
                [
                    "MAATWERK_LIMITS__DEPHT names no setting and is ignored",
                    "MAATWERK_LISTEN_ON names no setting and is ignored",
                ]
            );
            // A known setting with a bad value still refuses to start.
            jail.set_env("MAATWERK_LIMITS__DEPTH", "deep");
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }
}
