//! The benchmark itself: how fast the server answers at a given scale.
//!
//! Generates synthetic data ([`crate::generate`]) into a database of its own, starts the real
//! server in this process on a loopback port, and drives it over HTTP with concurrent clients,
//! each signed in as a different professional with a token signed by their organisation's
//! development identity provider. Three scenarios: a caseload page, the detail of one of the
//! viewer's cases, and adding an agreement. For the two reads it also replays the SQL
//! statements the server ran for the same request straight on the database
//! ([`crate::statements`]), so the share of HTTP, authentication and GraphQL around them is
//! visible.
//!
//! What the access log costs is read from the server's own metrics in the same run
//! ([`crate::server_metrics`]): the time requests waited for their entries to become durable,
//! as a share of the time the server took for them.
//!
//! Every loop is bounded in time and in count, and the only addresses used are loopback ones.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::graphql::ids::{self, NodeType};
use api::settings::Settings;
use api::token::{self, TokenError, TokenFor};
use api::{Application, StartupError, demo};
use persistence::Store;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::{Value, json};

use crate::database::Database;
use crate::generate::{self, DevelopmentProvider, Generated, Scale, SyntheticProfessional};
use crate::server_metrics::Totals;
use crate::statements::{RecordedStatements, StatementLog};

/// What to measure, and at which scale.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub cases: usize,
    pub clients: usize,
    /// How many professionals share the cases; `None` for the generator's default.
    pub professionals: Option<usize>,
    /// How long each scenario runs.
    pub seconds: u64,
    /// An empty database; `None` for a temporary SQLite file, removed afterwards.
    pub database_url: Option<String>,
    /// Measure on the data an earlier run generated into `database_url` instead of generating.
    pub reuse: bool,
    pub seed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(
        "the database already holds tables; the benchmark only writes into an empty database of its own"
    )]
    NotEmpty,
    #[error(
        "the database holds no data to measure on; generate it first by running without --reuse"
    )]
    NothingToReuse,
    #[error("only {found} professionals have a case to write in; {wanted} clients need one each")]
    TooFewProfessionals { found: usize, wanted: usize },
    #[error("could not use the database")]
    Storage(#[from] persistence::Error),
    #[error("could not use the database")]
    Database(#[from] DbErr),
    #[error("could not start the server")]
    Startup(#[from] StartupError),
    #[error("could not sign a token")]
    Token(#[from] TokenError),
    #[error("could not reach the server")]
    Http(#[from] reqwest::Error),
    #[error("the server serves no metrics of its own to read the access log's share from")]
    NoMetrics,
    #[error("the server did not answer a {scenario} request as expected: {answer}")]
    Unexpected {
        scenario: &'static str,
        answer: String,
    },
}

/// Requests one client sends in one scenario at most, whatever the duration.
const MAX_REQUESTS_PER_CLIENT: usize = 1_000_000;
/// How many of their cases each client reads and writes in, in turn.
const CASES_PER_CLIENT: usize = 8;
/// The longest a single request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The size of the caseload page [`CASELOAD`] asks for.
const CASELOAD_PAGE: usize = 20;
const CASELOAD: &str = "query Caseload { cases(first: 20) { edges { node { id reference status step team { nodes { role organisation { name } } } openAgreementCount } } } }";
const DETAIL: &str = "query Detail($id: ID!) { case(id: $id) { facts(first: 100) { edges { node { text lifeDomain amount { cents } } } } problems { nodes { text kind } } agreements(first: 100) { edges { node { what status dueOn } } } } }";
const ADD_AGREEMENT: &str = "mutation AddAgreement($caseId: ID!, $input: AgreementInput!) { addAgreement(caseId: $caseId, input: $input) { id what status dueOn } }";

/// Runs the benchmark with the server configured by `settings`, except for its address and
/// database, and prints the figures.
pub async fn run(settings: Settings, options: BenchOptions) -> Result<(), BenchError> {
    match options.database_url.clone() {
        Some(url) => run_on(settings, &url, &options).await,
        None => {
            let path = std::env::temp_dir().join(format!(
                "maatwerk-bench-{}.db",
                uuid::Uuid::new_v4().simple()
            ));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let result = run_on(settings, &url, &options).await;
            remove_sqlite_files(&path);
            result
        }
    }
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(file));
    }
}

/// Generates the synthetic data into the empty, migrated database.
async fn generate(
    store: &Store,
    database: &Database,
    options: &BenchOptions,
) -> Result<Generated, BenchError> {
    let started = Instant::now();
    let mut reported = 0;
    let cases = options.cases.max(1);
    let generated = generate::generate(
        store,
        &database.writes,
        &Scale {
            cases: options.cases,
            professionals: options.professionals,
            seed: options.seed,
        },
        |slug| {
            let (signing_key, jwks) = demo::development_key_pair("professional-1");
            DevelopmentProvider {
                issuer: demo::professional_issuer(slug),
                audience: demo::AUDIENCE.into(),
                jwks,
                signing_key,
            }
        },
        |written| {
            let tenth = written * 10 / cases;
            if tenth > reported {
                reported = tenth;
                println!(
                    "  {:>11} cases written after {:.1} s",
                    grouped(written as u64),
                    started.elapsed().as_secs_f64()
                );
            }
        },
    )
    .await?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "generated {} municipalities, {} organisations, {} professionals, {} cases: {} rows in {took:.1} s ({} rows/s)",
        generated.municipalities,
        generated.organisations,
        grouped(generated.professionals.len() as u64),
        grouped(options.cases as u64),
        grouped(generated.rows),
        grouped((generated.rows as f64 / took.max(0.001)) as u64),
    );
    Ok(generated)
}

async fn run_on(
    mut settings: Settings,
    url: &str,
    options: &BenchOptions,
) -> Result<(), BenchError> {
    let database = Database::connect(url).await?;
    let empty = database.is_empty().await?;
    if empty == options.reuse {
        return Err(if options.reuse {
            BenchError::NothingToReuse
        } else {
            BenchError::NotEmpty
        });
    }
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let backend = if database.is_sqlite() {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    // With --reuse, how many cases there are is read below, not taken from --cases.
    let cases = if options.reuse {
        "the cases generated earlier".to_owned()
    } else {
        format!("{} cases", grouped(options.cases as u64))
    };
    println!(
        "maatwerk-bench: {cases} on {backend}, {} clients, {} s per scenario",
        options.clients, options.seconds
    );

    let generated = if options.reuse {
        let generated = generate::generated_earlier(&database.writes).await?;
        println!(
            "reused {} municipalities, {} organisations, {} professionals, {} cases generated earlier",
            generated.municipalities,
            generated.organisations,
            grouped(generated.professionals.len() as u64),
            grouped(generated.cases as u64),
        );
        generated
    } else {
        generate(&store, &database, options).await?
    };
    if !database.is_sqlite() {
        // Autovacuum and the checkpointer would settle the tables on their own within
        // minutes; measure that steady state rather than the minutes before it.
        database.settle().await?;
    }

    let log = StatementLog::default();
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    settings.listen = loopback;
    // The access log's share is read from the server's metrics, on a listener of their own.
    settings.metrics_listen = Some(loopback);
    settings.database_url = url.to_owned();
    settings.migrate = false;
    // The clients measure the server, not its rate limits.
    settings.rate_limits.enabled = false;
    let server = Application::with_store(settings, log.observe(&store))
        .await?
        .spawn();
    let outcome = match server.metrics_address {
        Some(metrics) => {
            let endpoints = Endpoints {
                graphql: format!("http://{}/graphql", server.address),
                metrics: format!("http://{metrics}/metrics"),
            };
            measure(
                &store,
                &database,
                &log,
                endpoints,
                generated.professionals,
                options,
            )
            .await
        }
        None => Err(BenchError::NoMetrics),
    };

    server.stop(Duration::from_secs(10)).await;
    store.close().await?;
    database.close().await?;
    outcome
}

/// One simulated user: a professional, signed in, with the cases they work on.
struct Client {
    token: String,
    organisation: String,
    /// Global ids of cases they are on and may write in.
    cases: Vec<String>,
    /// The request bodies of the two reads, serialised once so that the load generator, which
    /// shares the machine with the server, spends as little as it can per request.
    caseload_body: Vec<u8>,
    detail_bodies: Vec<Vec<u8>>,
    authorization: reqwest::header::HeaderValue,
    /// What the server ran for this client's caseload page, and for each case's detail.
    caseload_statements: RecordedStatements,
    detail_statements: Vec<RecordedStatements>,
}

/// Where the server answers GraphQL, and where it serves its metrics.
struct Endpoints {
    graphql: String,
    metrics: String,
}

struct Load {
    http: reqwest::Client,
    endpoints: Endpoints,
    /// The benchmark's own connections set up as the store's snapshot pool, for the bare SQL.
    snapshots: DatabaseConnection,
    clients: Vec<Client>,
    due_on: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scenario {
    Caseload,
    CaseloadSql,
    Detail,
    DetailSql,
    AddAgreement,
}

impl Scenario {
    fn label(self) -> &'static str {
        match self {
            Scenario::Caseload => "caseload page      HTTP",
            Scenario::CaseloadSql => "caseload page      SQL only",
            Scenario::Detail => "case detail        HTTP",
            Scenario::DetailSql => "case detail        SQL only",
            Scenario::AddAgreement => "add agreement      HTTP",
        }
    }

    /// Whether it goes to the server, whose metrics then tell the access log's share.
    fn over_http(self) -> bool {
        !matches!(self, Scenario::CaseloadSql | Scenario::DetailSql)
    }
}

async fn measure(
    store: &Store,
    database: &Database,
    log: &StatementLog,
    endpoints: Endpoints,
    professionals: Vec<SyntheticProfessional>,
    options: &BenchOptions,
) -> Result<(), BenchError> {
    let mut candidates: Vec<&SyntheticProfessional> = professionals
        .iter()
        .filter(|professional| professional.cases.iter().any(|(_, writes)| *writes))
        .collect();
    // Professionals with at least a full caseload page, when there are enough of them, so that
    // the page has the same shape at every scale and only the amount of data around it grows.
    let full_page: Vec<&SyntheticProfessional> = candidates
        .iter()
        .copied()
        .filter(|professional| professional.cases.len() >= CASELOAD_PAGE)
        .collect();
    if full_page.len() >= options.clients {
        candidates = full_page;
    }
    if candidates.len() < options.clients {
        return Err(BenchError::TooFewProfessionals {
            found: candidates.len(),
            wanted: options.clients,
        });
    }
    let mut random = rand::rngs::StdRng::seed_from_u64(options.seed);
    candidates.shuffle(&mut random);
    candidates.truncate(options.clients);

    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(options.clients)
        .build()?;
    // Valid through every scenario, within the server's limit on token lifetimes.
    let lifetime = (5 * options.seconds as i64 + 600).min(24 * 3600);
    let mut load = Load {
        http,
        endpoints,
        snapshots: database.snapshots.clone(),
        clients: Vec::with_capacity(candidates.len()),
        due_on: (domain::calendar::today() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string(),
    };
    let mut cases_on_page = 0;
    for professional in &candidates {
        let token = token::issue(
            store,
            &TokenFor::Professional {
                organisation: professional.organisation_slug.clone(),
                person: professional.subject.clone(),
                roles: None,
            },
            lifetime,
        )
        .await?;
        let cases: Vec<String> = professional
            .cases
            .iter()
            .filter(|(_, writes)| *writes)
            .take(CASES_PER_CLIENT)
            .map(|(case_id, _)| ids::encode(NodeType::Case, case_id.0).0)
            .collect();
        let caseload_body = request_body(CASELOAD, &json!({}));
        let detail_bodies = cases
            .iter()
            .map(|case| request_body(DETAIL, &json!({ "id": case })))
            .collect();
        let authorization = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| BenchError::Unexpected {
                scenario: "sign-in",
                answer: "the token is not a valid header value".to_owned(),
            })?;
        let client = Client {
            caseload_body,
            detail_bodies,
            authorization,
            token,
            organisation: ids::encode(NodeType::Organisation, professional.organisation_id.0).0,
            cases,
            caseload_statements: RecordedStatements::default(),
            detail_statements: Vec::new(),
        };
        // The first request signs the professional in; record a later one: the baseline is
        // the SQL the read itself needs (see `RecordedStatements::reads`).
        let answer = load
            .graphql(&client, "caseload", CASELOAD, json!({}))
            .await?;
        cases_on_page += answer["data"]["cases"]["edges"]
            .as_array()
            .map_or(0, Vec::len);
        log.start();
        load.graphql(&client, "caseload", CASELOAD, json!({}))
            .await?;
        let caseload_statements = log.stop().reads();
        let mut detail_statements = Vec::with_capacity(client.cases.len());
        for case in &client.cases {
            log.start();
            load.graphql(&client, "case detail", DETAIL, json!({ "id": case }))
                .await?;
            detail_statements.push(log.stop().reads());
        }
        load.clients.push(Client {
            caseload_statements,
            detail_statements,
            ..client
        });
    }
    println!(
        "signed in {} professionals of {} organisations, on {:.1} cases each on average, {:.1} of them on their first caseload page",
        load.clients.len(),
        candidates
            .iter()
            .map(|professional| professional.organisation_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        candidates
            .iter()
            .map(|professional| professional.cases.len())
            .sum::<usize>() as f64
            / candidates.len() as f64,
        cases_on_page as f64 / load.clients.len() as f64
    );
    // The clients keep what they need; the list of every professional (four million team
    // memberships at a million cases) goes, so that the memory measured under load is the
    // server's and the load generator's.
    drop(candidates);
    drop(professionals);
    let resident_before = ResidentMemory::now();
    if let Some(first) = load.clients.first() {
        println!(
            "statements per request: caseload page {}, case detail {}",
            first.caseload_statements.len(),
            first
                .detail_statements
                .first()
                .map_or(0, RecordedStatements::len)
        );
    }

    let load = Arc::new(load);
    let duration = Duration::from_secs(options.seconds);
    println!();
    println!(
        "{:<28} {:>9} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7} {:>6}",
        "scenario", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "RSS MB", "log %"
    );
    let mut throughput = std::collections::HashMap::new();
    let mut logged = std::collections::HashMap::new();
    for scenario in [
        Scenario::Caseload,
        Scenario::CaseloadSql,
        Scenario::Detail,
        Scenario::DetailSql,
        Scenario::AddAgreement,
    ] {
        let entries_before = store.access_log_length().await?;
        let metrics_before = Totals::fetch(&load.http, &load.endpoints.metrics).await?;
        let result = run_scenario(&load, scenario, duration).await;
        let metrics = Totals::fetch(&load.http, &load.endpoints.metrics)
            .await?
            .since(metrics_before);
        let entries = store.access_log_length().await? - entries_before;
        let log_share = scenario
            .over_http()
            .then_some(metrics)
            .as_ref()
            .and_then(Totals::log_share);
        println!("{}", result.line(scenario, log_share));
        if let Some(error) = &result.first_error {
            println!("  first error: {error}");
        }
        throughput.insert(scenario, result.per_second());
        logged.insert(
            scenario,
            (
                metrics,
                entries,
                entries as f64 / result.elapsed.as_secs_f64(),
            ),
        );
    }
    if let Some(before) = resident_before {
        println!(
            "resident memory of this process (the server, the load generator and the SQL client): {:.0} MB before the load",
            before.megabytes()
        );
    }
    println!();
    for (http, sql) in [
        (Scenario::Caseload, Scenario::CaseloadSql),
        (Scenario::Detail, Scenario::DetailSql),
    ] {
        let rate = |scenario| throughput.get(&scenario).copied().unwrap_or(0.0);
        let (metrics, entries, per_second) = logged.get(&http).copied().unwrap_or_default();
        let per_request = |seconds: f64| 1000.0 * seconds / metrics.requests.max(1.0);
        println!(
            "{}: {:.0} req/s = {:.1}% of its bare SQL; the access log took {:.1}% of the server's time \
             (waits of {:.2} ms in {:.2} ms per request); {} access-log entries, {:.0} entries/s",
            http.label().trim_end_matches(" HTTP").trim(),
            rate(http),
            100.0 * rate(http) / rate(sql).max(0.001),
            100.0 * metrics.log_share().unwrap_or(0.0),
            per_request(metrics.log_wait_seconds),
            per_request(metrics.request_seconds),
            grouped(entries.max(0) as u64),
            per_second
        );
    }
    Ok(())
}

impl Load {
    /// A GraphQL request as `client`.
    fn post(&self, client: &Client, query: &str, variables: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(&self.endpoints.graphql)
            .bearer_auth(&client.token)
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&json!({ "query": query, "variables": variables }))
    }

    /// Posts one GraphQL operation as `client` and returns the answer; anything but a 200
    /// without errors is an error carrying the answer.
    async fn graphql(
        &self,
        client: &Client,
        scenario: &'static str,
        query: &str,
        variables: Value,
    ) -> Result<Value, BenchError> {
        let response = self.post(client, query, &variables).send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if status != reqwest::StatusCode::OK || body.get("errors").is_some() {
            let mut answer = format!("{status} {body}");
            answer.truncate(500);
            return Err(BenchError::Unexpected { scenario, answer });
        }
        Ok(body)
    }

    /// One request of `scenario` as client `index`, for the `iteration`th time.
    async fn once(&self, scenario: Scenario, index: usize, iteration: usize) -> Result<(), String> {
        let client = &self.clients[index];
        let case = iteration % client.cases.len().max(1);
        let body = match scenario {
            Scenario::CaseloadSql => {
                return client
                    .caseload_statements
                    .replay(&self.snapshots)
                    .await
                    .map(|_| ())
                    .map_err(|error| error.to_string());
            }
            Scenario::DetailSql => {
                return match client.detail_statements.get(case) {
                    Some(statements) => statements
                        .replay(&self.snapshots)
                        .await
                        .map(|_| ())
                        .map_err(|error| error.to_string()),
                    None => Err("no case to read".to_owned()),
                };
            }
            Scenario::Caseload => client.caseload_body.clone(),
            Scenario::Detail => match client.detail_bodies.get(case) {
                Some(body) => body.clone(),
                None => return Err("no case to read".to_owned()),
            },
            Scenario::AddAgreement => request_body(
                ADD_AGREEMENT,
                &json!({
                    "caseId": client.cases.get(case),
                    "input": {
                        "what": format!("Call the resident back about the letters ({iteration})"),
                        "assignee": { "kind": "ORGANISATION", "organisationId": client.organisation },
                        "dueOn": self.due_on,
                    }
                }),
            ),
        };
        let response = self
            .http
            .post(&self.endpoints.graphql)
            .header(reqwest::header::AUTHORIZATION, client.authorization.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|error| error.to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|error| error.to_string())?;
        // Texts never contain the quoted key, so this finds GraphQL errors without parsing.
        let failed = body.windows(8).any(|window| window == b"\"errors\"");
        if status != reqwest::StatusCode::OK || failed {
            let mut answer = format!("{status} {}", String::from_utf8_lossy(&body));
            answer.truncate(500);
            return Err(answer);
        }
        Ok(())
    }
}

struct ScenarioResult {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
    elapsed: Duration,
    /// The most this process held in memory while the scenario ran, where the system says.
    peak_resident: Option<ResidentMemory>,
}

/// How much of a process's memory is resident, from `/proc` (Linux only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct ResidentMemory {
    bytes: u64,
}

impl ResidentMemory {
    /// This process's resident memory now; `None` where `/proc/self/status` is not there.
    fn now() -> Option<Self> {
        Self::from_status(&std::fs::read_to_string("/proc/self/status").ok()?)
    }

    /// The `VmRSS` line of a `/proc/PID/status`, which counts in kibibytes.
    fn from_status(status: &str) -> Option<Self> {
        let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
        let kibibytes: u64 = line
            .trim_start_matches("VmRSS:")
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(Self {
            bytes: kibibytes * 1024,
        })
    }

    fn megabytes(self) -> f64 {
        self.bytes as f64 / 1_000_000.0
    }
}

impl ScenarioResult {
    /// The latency below which `percent` of the requests finished (nearest rank).
    fn percentile(&self, percent: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((percent / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(0.001)
    }

    /// The scenario's row of the table; `log_share` is the access log's share of the server's
    /// time, for a scenario over HTTP.
    fn line(&self, scenario: Scenario, log_share: Option<f64>) -> String {
        let milliseconds = |duration: Duration| duration.as_secs_f64() * 1000.0;
        format!(
            "{:<28} {:>9} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>7} {:>6}",
            scenario.label(),
            grouped(self.latencies.len() as u64),
            self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(0.001),
            milliseconds(self.percentile(50.0)),
            milliseconds(self.percentile(95.0)),
            milliseconds(self.percentile(99.0)),
            self.errors,
            self.peak_resident
                .map_or_else(|| "-".to_owned(), |peak| format!("{:.0}", peak.megabytes())),
            log_share.map_or_else(|| "-".to_owned(), |share| format!("{:.1}", 100.0 * share))
        )
    }
}

/// Runs `scenario` with every client at once, each sending its next request as soon as the
/// previous one is answered, until `duration` has passed.
async fn run_scenario(load: &Arc<Load>, scenario: Scenario, duration: Duration) -> ScenarioResult {
    let started = Instant::now();
    let deadline = started + duration;
    let sampler = tokio::spawn(async move {
        let mut peak = ResidentMemory::now();
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            peak = peak.max(ResidentMemory::now());
        }
        peak
    });
    let tasks: Vec<_> = (0..load.clients.len())
        .map(|index| {
            let load = Arc::clone(load);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut first_error = None;
                for iteration in 0..MAX_REQUESTS_PER_CLIENT {
                    let began = Instant::now();
                    if began >= deadline {
                        break;
                    }
                    match load.once(scenario, index, iteration).await {
                        Ok(()) => latencies.push(began.elapsed()),
                        Err(error) => {
                            errors += 1;
                            first_error.get_or_insert(error);
                        }
                    }
                }
                (latencies, errors, first_error)
            })
        })
        .collect();
    let mut result = ScenarioResult {
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        peak_resident: None,
    };
    for task in tasks {
        match task.await {
            Ok((latencies, errors, first_error)) => {
                result.latencies.extend(latencies);
                result.errors += errors;
                if result.first_error.is_none() {
                    result.first_error = first_error;
                }
            }
            Err(error) => {
                result.errors += 1;
                result.first_error.get_or_insert(error.to_string());
            }
        }
    }
    result.elapsed = started.elapsed();
    result.peak_resident = sampler.await.ok().flatten();
    result.latencies.sort_unstable();
    result
}

/// A GraphQL request body.
fn request_body(query: &str, variables: &Value) -> Vec<u8> {
    json!({ "query": query, "variables": variables })
        .to_string()
        .into_bytes()
}

/// `1234567` as `1,234,567`.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn the_caseload_query_asks_for_one_page() {
        assert!(CASELOAD.contains(&format!("cases(first: {CASELOAD_PAGE})")));
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let result = ScenarioResult {
            latencies: (1..=100).map(Duration::from_millis).collect(),
            errors: 0,
            first_error: None,
            elapsed: Duration::from_secs(1),
            peak_resident: None,
        };
        assert_eq!(result.percentile(50.0), Duration::from_millis(50));
        assert_eq!(result.percentile(95.0), Duration::from_millis(95));
        assert_eq!(result.percentile(99.0), Duration::from_millis(99));
    }

    #[test]
    fn resident_memory_is_read_from_the_vmrss_line() {
        let status = "Name:\tmaatwerk\nVmHWM:\t  220000 kB\nVmRSS:\t  102400 kB\nThreads:\t5\n";
        assert_eq!(
            ResidentMemory::from_status(status),
            Some(ResidentMemory {
                bytes: 102_400 * 1024
            })
        );
        assert_eq!(ResidentMemory::from_status("Name:\tmaatwerk\n"), None);
    }
}
