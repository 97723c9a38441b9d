//! Helpers for the end-to-end and repository tests: a fresh database per test (a SQLite file,
//! or a new PostgreSQL database when `TEST_DATABASE_URL` is set), the real server on port 0,
//! and identity providers with really signed tokens. Each test's database is a copy of one
//! migrated template (module `templates`), so the migrations run once, not in every test.
//!
//! Tests written with [`on_both_databases!`] run once per backend, in modules named `sqlite`
//! and `postgres`, so a test run shows how many ran on each. Without `TEST_DATABASE_URL` the
//! PostgreSQL variants return early, unless `TEST_REQUIRE_POSTGRES` is set, when they fail.

pub mod live;
mod templates;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;

use api::Application;
use api::settings::Settings;
use domain::identity::{IdentityProvider, KeySource, ProviderKind, SigningAlgorithm};
use domain::{MunicipalityCode, Organisation, OrganisationKind, OrganisationRole, RoleSet, Slug};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use persistence::Store;
use persistence::identity::NewIdentityProvider;
use persistence::organisations::NewOrganisation;
use reqwest::header::HeaderMap;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use serde_json::{Value, json};

/// One test's own database, migrated; removed when dropped.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl TestDatabase {
    /// A new SQLite file: a copy of the migrated template.
    pub fn sqlite() -> Self {
        let path = sqlite_directory().join(format!("{}.db", uuid::Uuid::new_v4().simple()));
        std::fs::copy(templates::sqlite(), &path).expect("copy the SQLite template");
        Self {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            cleanup: Cleanup::SqliteFile(path),
        }
    }

    /// A new PostgreSQL database cloned from the migrated template, or `None` when no server
    /// is configured.
    pub async fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
            if std::env::var_os("TEST_REQUIRE_POSTGRES").is_some() {
                panic!("TEST_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not");
            }
            eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL variant");
            return None;
        };
        let template = templates::postgres(&admin_url);
        let name = format!("maatwerk_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_connection(&admin_url)
            .await
            .expect("TEST_DATABASE_URL must reach a PostgreSQL server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("clone the template database");
        admin.close().await.ok();
        Some(Self {
            url: database_url(&admin_url, &name),
            cleanup: Cleanup::PostgresDatabase { admin_url, name },
        })
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url)
            .await
            .expect("connect to the test database");
        // The template was migrated already; this only confirms it, in a few statements.
        store.migrate().await.expect("migrate the test database");
        store
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = on_own_runtime(async move {
                    if let Ok(admin) = admin_connection(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            }
        }
    }
}

/// Where the SQLite test databases and their template are.
fn sqlite_directory() -> PathBuf {
    let directory = std::env::temp_dir().join("maatwerk-tests");
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    directory
}

/// The database `name` on the server `admin_url` names.
fn database_url(admin_url: &str, name: &str) -> String {
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// One connection to the database `TEST_DATABASE_URL` names, from which test databases are
/// created and dropped.
async fn admin_connection(admin_url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(admin_url);
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await
}

/// Runs `work` on a runtime and thread of its own: `Drop`, and the set-up that every test in
/// the process waits for, run inside a test's runtime, which cannot block on itself.
fn on_own_runtime<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> std::thread::Result<T> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(work)
    })
    .join()
}

/// Runs each named `async fn(TestDatabase)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::TestDatabase::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    if let Some(database) = $crate::TestDatabase::postgres().await {
                        super::$test(database).await;
                    }
                }
            )*
        }
    };
}

/// A test key pair from `tests/fixtures`.
#[derive(Clone, Copy, Debug)]
pub enum TestKey {
    Es256,
    Rs256,
    EdDsa,
    EdDsaRotated,
}

impl TestKey {
    fn file(self) -> &'static str {
        match self {
            TestKey::Es256 => "es256",
            TestKey::Rs256 => "rs256",
            TestKey::EdDsa => "eddsa",
            TestKey::EdDsaRotated => "eddsa-rotated",
        }
    }

    fn fixture(name: &str) -> String {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
    }

    pub fn jwks(self) -> String {
        Self::fixture(&format!("{}.jwks.json", self.file()))
    }

    pub fn public_pem(self) -> String {
        Self::fixture(&format!("{}.pub.pem", self.file()))
    }

    pub fn kid(self) -> String {
        format!("{}-1", self.file())
    }

    pub fn algorithm(self) -> Algorithm {
        match self {
            TestKey::Es256 => Algorithm::ES256,
            TestKey::Rs256 => Algorithm::RS256,
            TestKey::EdDsa | TestKey::EdDsaRotated => Algorithm::EdDSA,
        }
    }

    pub fn signing_algorithm(self) -> SigningAlgorithm {
        match self {
            TestKey::Es256 => SigningAlgorithm::Es256,
            TestKey::Rs256 => SigningAlgorithm::Rs256,
            TestKey::EdDsa | TestKey::EdDsaRotated => SigningAlgorithm::EdDsa,
        }
    }

    pub fn encoding_key(self) -> EncodingKey {
        let pem = Self::fixture(&format!("{}.pem", self.file()));
        match self {
            TestKey::Es256 => EncodingKey::from_ec_pem(pem.as_bytes()),
            TestKey::Rs256 => EncodingKey::from_rsa_pem(pem.as_bytes()),
            TestKey::EdDsa | TestKey::EdDsaRotated => EncodingKey::from_ed_pem(pem.as_bytes()),
        }
        .expect("a valid test key")
    }

    /// Signs `claims` with this key, naming it in the header.
    pub fn sign(self, claims: &Value) -> String {
        let mut header = Header::new(self.algorithm());
        header.kid = Some(self.kid());
        jsonwebtoken::encode(&header, claims, &self.encoding_key()).expect("sign a test token")
    }
}

pub const AUDIENCE: &str = "maatwerk-tests";

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Standard claims for `issuer`, valid for ten minutes.
pub fn claims(issuer: &str, subject: &str) -> Value {
    json!({ "iss": issuer, "aud": AUDIENCE, "sub": subject, "iat": now(), "exp": now() + 600, "name": format!("Test {subject}") })
}

/// The real server on a fresh database, with a platform provider and two organisations, each
/// with its own identity provider.
pub struct TestServer {
    pub address: SocketAddr,
    pub store: Store,
    pub client: reqwest::Client,
    pub platform: IdentityProvider,
    pub organisation_a: Organisation,
    pub provider_a: IdentityProvider,
    pub organisation_b: Organisation,
    pub provider_b: IdentityProvider,
    /// Dropped before the database: the server shuts down first.
    _server: api::Background,
    _database: TestDatabase,
}

pub const PLATFORM_ISSUER: &str = "https://platform.test";
pub const ISSUER_A: &str = "https://login.organisation-a.test";
pub const ISSUER_B: &str = "https://login.organisation-b.test";

impl TestServer {
    pub async fn start(database: TestDatabase) -> Self {
        Self::start_with(database, |_| {}).await
    }

    pub async fn start_with(database: TestDatabase, configure: impl FnOnce(&mut Settings)) -> Self {
        let store = database.store().await;
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().expect("an address"),
            database_url: database.url.clone(),
            ..Settings::default()
        };
        configure(&mut settings);

        let amsterdam = store
            .insert_municipality(MunicipalityCode::parse("AMS").unwrap(), "Amsterdam".into())
            .await
            .unwrap();
        let platform = register_provider(
            &store,
            ProviderKind::Platform,
            None,
            PLATFORM_ISSUER,
            TestKey::Es256,
        )
        .await;
        // Organisation A may not grant `coach`; B may grant everything.
        let roles_a: RoleSet = OrganisationRole::ALL
            .iter()
            .copied()
            .filter(|role| *role != OrganisationRole::Coach)
            .collect();
        let organisation_a = register_organisation(
            &store,
            "organisation-a",
            OrganisationKind::HousingCorporation,
            roles_a,
            amsterdam.id,
        )
        .await;
        let organisation_b = register_organisation(
            &store,
            "organisation-b",
            OrganisationKind::NeighbourhoodTeam,
            OrganisationRole::ALL.iter().copied().collect(),
            amsterdam.id,
        )
        .await;
        let provider_a = register_provider(
            &store,
            ProviderKind::Professional,
            Some(&organisation_a),
            ISSUER_A,
            TestKey::EdDsa,
        )
        .await;
        let provider_b = register_provider(
            &store,
            ProviderKind::Professional,
            Some(&organisation_b),
            ISSUER_B,
            TestKey::Rs256,
        )
        .await;

        let server = Application::with_store(settings, store.clone())
            .await
            .expect("start the server")
            .spawn();
        Self {
            address: server.address,
            store,
            client: reqwest::Client::new(),
            platform,
            organisation_a,
            provider_a,
            organisation_b,
            provider_b,
            _server: server,
            _database: database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn platform_token(&self) -> String {
        TestKey::Es256.sign(&claims(PLATFORM_ISSUER, "operator"))
    }

    /// A professional of organisation A with the given role claim.
    pub fn token_a(&self, subject: &str, roles: &[&str]) -> String {
        let mut claims = claims(ISSUER_A, subject);
        claims["roles"] = json!(roles);
        TestKey::EdDsa.sign(&claims)
    }

    pub fn token_b(&self, subject: &str, roles: &[&str]) -> String {
        let mut claims = claims(ISSUER_B, subject);
        claims["roles"] = json!(roles);
        TestKey::Rs256.sign(&claims)
    }

    /// GETs `path`; returns the status and the body text.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    }

    /// POSTs a GraphQL body; returns the status, the content type and the JSON body.
    pub async fn post(&self, token: Option<&str>, body: &Value) -> Response {
        self.post_with(token, body, "application/graphql-response+json")
            .await
    }

    pub async fn post_with(&self, token: Option<&str>, body: &Value, accept: &str) -> Response {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("accept", accept)
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Response::from(request.send().await.expect("the server answers")).await
    }

    /// Runs `query` with `variables` and returns the response.
    pub async fn graphql(&self, token: &str, query: &str, variables: Value) -> Response {
        self.post(
            Some(token),
            &json!({ "query": query, "variables": variables }),
        )
        .await
    }
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Response {
    async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Self {
            status,
            content_type,
            headers,
            body,
        }
    }

    /// The `extensions.code` of the first error.
    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn error_codes(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|error| error["extensions"]["code"].as_str())
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub async fn register_provider(
    store: &Store,
    kind: ProviderKind,
    organisation: Option<&Organisation>,
    issuer: &str,
    key: TestKey,
) -> IdentityProvider {
    store
        .insert_identity_provider(NewIdentityProvider {
            kind,
            organisation_id: organisation.map(|organisation| organisation.id),
            name: format!("{issuer} ({})", kind.as_str()),
            issuer: issuer.into(),
            audience: AUDIENCE.into(),
            algorithms: BTreeSet::from([key.signing_algorithm()]),
            keys: KeySource::Inline(key.jwks()),
            development_signing_key: None,
        })
        .await
        .expect("register a test identity provider")
}

async fn register_organisation(
    store: &Store,
    slug: &str,
    kind: OrganisationKind,
    allowed_roles: RoleSet,
    municipality: domain::MunicipalityId,
) -> Organisation {
    store
        .insert_organisation(NewOrganisation {
            slug: Slug::parse(slug).unwrap(),
            name: format!("Organisation {slug}"),
            kind,
            allowed_roles,
            municipalities: BTreeSet::from([municipality]),
        })
        .await
        .expect("register a test organisation")
}

/// The real server on a fresh database holding the demo data, as `maatwerk demo` loads it,
/// with tokens signed by the demo's development identity providers, as `maatwerk token` signs
/// them.
pub struct DemoServer {
    pub address: SocketAddr,
    pub store: Store,
    pub client: reqwest::Client,
    /// The demo case `maatwerk demo` points at.
    pub showcase: api::demo::Showcase,
    /// Where `/metrics` is served when the settings give it an address of its own.
    pub metrics_address: Option<SocketAddr>,
    /// Dropped before the database: the server shuts down first.
    _server: api::Background,
    _database: TestDatabase,
}

impl DemoServer {
    pub async fn start(database: TestDatabase) -> Self {
        Self::start_with(database, |_| {}).await
    }

    /// [`DemoServer::start`] with settings changed by `configure`.
    pub async fn start_with(database: TestDatabase, configure: impl FnOnce(&mut Settings)) -> Self {
        let store = database.store().await;
        let showcase = api::demo::populate(&store)
            .await
            .expect("load the demo data");
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().expect("an address"),
            database_url: database.url.clone(),
            ..Settings::default()
        };
        configure(&mut settings);
        let server = Application::with_store(settings, store.clone())
            .await
            .expect("start the server")
            .spawn();
        Self {
            address: server.address,
            store,
            client: reqwest::Client::new(),
            showcase,
            metrics_address: server.metrics_address,
            _server: server,
            _database: database,
        }
    }

    /// A token for a demo professional: `maatwerk token --org ORGANISATION --person PERSON`.
    pub async fn token(&self, organisation: &str, person: &str) -> String {
        let target = api::token::TokenFor::Professional {
            organisation: organisation.into(),
            person: person.into(),
            roles: None,
        };
        api::token::issue(&self.store, &target, 600)
            .await
            .expect("sign a demo token")
    }

    /// [`DemoServer::token`], valid for `seconds` only.
    pub async fn token_valid_for(&self, organisation: &str, person: &str, seconds: i64) -> String {
        let target = api::token::TokenFor::Professional {
            organisation: organisation.into(),
            person: person.into(),
            roles: None,
        };
        api::token::issue(&self.store, &target, seconds)
            .await
            .expect("sign a demo token")
    }

    /// A token for a demo professional with other organisation roles than the demo gives
    /// them (within what the organisation allows): `maatwerk token --roles`.
    pub async fn token_with_roles(
        &self,
        organisation: &str,
        person: &str,
        roles: &[&str],
    ) -> String {
        let target = api::token::TokenFor::Professional {
            organisation: organisation.into(),
            person: person.into(),
            roles: Some(roles.iter().map(|role| (*role).to_owned()).collect()),
        };
        api::token::issue(&self.store, &target, 600)
            .await
            .expect("sign a demo token")
    }

    /// The global ID of the organisation the professional behind `token` acts for.
    pub async fn organisation_of(&self, token: &str) -> Value {
        let me = self
            .graphql(
                token,
                "{ me { professional { organisation { id } } } }",
                json!({}),
            )
            .await;
        data(&me, "me")["professional"]["organisation"]["id"].clone()
    }

    /// The database the server runs on.
    pub fn database_url(&self) -> String {
        self._database.url.clone()
    }

    /// A second server process's worth of server on the same database: its own store and pool,
    /// its own access-log appender and its own event listener.
    pub async fn second_server(&self) -> api::Background {
        self.second_server_with(|_| {}).await
    }

    /// [`DemoServer::second_server`] with settings changed by `configure`.
    pub async fn second_server_with(
        &self,
        configure: impl FnOnce(&mut Settings),
    ) -> api::Background {
        let store = Store::connect(&self.database_url())
            .await
            .expect("connect to the test database");
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().expect("an address"),
            database_url: self.database_url(),
            ..Settings::default()
        };
        configure(&mut settings);
        Application::with_store(settings, store)
            .await
            .expect("start the second server")
            .spawn()
    }

    /// The showcase case's global ID, from its case lead's caseload.
    pub async fn showcase_id(&self) -> String {
        let lead = self.token("buurtteam-amsterdam-west", "anna").await;
        let response = self
            .graphql(&lead, "{ cases { nodes { id reference } } }", json!({}))
            .await;
        response.body["data"]["cases"]["nodes"]
            .as_array()
            .expect("the case lead's caseload")
            .iter()
            .find(|case| case["reference"] == self.showcase.reference.as_str())
            .and_then(|case| case["id"].as_str())
            .expect("the case lead has the showcase case")
            .to_owned()
    }

    /// A token for a demo resident: `maatwerk token --resident SUBJECT`.
    pub async fn resident_token(&self, subject: &str) -> String {
        let target = api::token::TokenFor::Resident {
            subject: subject.into(),
        };
        api::token::issue(&self.store, &target, 600)
            .await
            .expect("sign a demo token")
    }

    /// A token for the platform operator: `maatwerk token --platform`.
    pub async fn platform_token(&self) -> String {
        api::token::issue(&self.store, &api::token::TokenFor::PlatformAdmin, 600)
            .await
            .expect("sign a demo token")
    }

    /// A token for a demo organisation's integration: `maatwerk token --service ORG --scopes`.
    pub async fn service_token(&self, organisation: &str, scopes: &[&str]) -> String {
        let target = api::token::TokenFor::Service {
            organisation: organisation.into(),
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
        };
        api::token::issue(&self.store, &target, 600)
            .await
            .expect("sign a demo token")
    }

    /// `GET path` with `token`, as a client downloading a file would.
    pub async fn download(&self, token: Option<&str>, path: &str) -> (u16, HeaderMap, Value) {
        let mut request = self.client.get(format!("http://{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    }

    /// The professional named `name`, signed in with `token`, leaves the case.
    pub async fn leave(&self, token: &str, case_id: &str, name: &str) {
        let team = self
            .graphql(
                token,
                "query($id: ID!) { case(id: $id) { team { nodes { id version professional { name } } } } }",
                json!({ "id": case_id }),
            )
            .await;
        let membership = team.body["data"]["case"]["team"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("the team: {}", team.body))
            .iter()
            .find(|member| member["professional"]["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} is on the team"));
        let left = self
            .graphql(
                token,
                "mutation($case: ID!, $id: ID!, $version: Int!) { removeTeamMember(caseId: $case, memberId: $id, version: $version) }",
                json!({ "case": case_id, "id": membership["id"], "version": membership["version"] }),
            )
            .await;
        assert!(left.body.get("errors").is_none(), "{}", left.body);
    }

    /// Runs `query` with `variables` and returns the response.
    pub async fn graphql(&self, token: &str, query: &str, variables: Value) -> Response {
        self.post(token, &json!({ "query": query, "variables": variables }))
            .await
    }

    /// The newest hundred entries of the demo resident `subject`'s own access log, as they read
    /// it, each with `fields`.
    pub async fn resident_log(&self, subject: &str, fields: &str) -> Vec<Value> {
        let resident = self.resident_token(subject).await;
        let query = format!("{{ accessLog(first: 100) {{ edges {{ node {{ {fields} }} }} }} }}");
        let log = self.graphql(&resident, &query, json!({})).await;
        data(&log, "accessLog")["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| edge["node"].clone())
            .collect()
    }

    /// POSTs a GraphQL body as it is, such as one with `extensions`.
    pub async fn post(&self, token: &str, body: &Value) -> Response {
        let request = self
            .client
            .post(format!("http://{}/graphql", self.address))
            .header("accept", "application/graphql-response+json")
            .bearer_auth(token)
            .json(body);
        Response::from(request.send().await.expect("the server answers")).await
    }
}

/// The `data.{field}` of a successful response; fails the test on any other.
pub fn data<'a>(response: &'a Response, field: &str) -> &'a Value {
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.body.get("errors").is_none(), "{}", response.body);
    &response.body["data"][field]
}
