//! The Maatwerk server: GraphQL over HTTP on axum, identity, and the `maatwerk` command.
//!
//! Architecture invariant: only this crate knows GraphQL and HTTP. Resolvers never touch the
//! database directly; they call `persistence::Store`.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod error;
pub mod export;
pub mod graphql;
pub mod http;
pub mod import;
pub mod invocation;
pub mod live;
pub mod meters;
pub mod rate_limit;
pub mod settings;
pub mod telemetry;
pub mod token;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use persistence::Store;

use crate::auth::Authenticator;
use crate::settings::Settings;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database")]
    Database(#[source] persistence::Error),
    #[error("the database schema is not up to date: run `maatwerk migrate` (or `serve --migrate`)")]
    NotMigrated,
    #[error("cannot listen on {0}")]
    Listen(SocketAddr, #[source] std::io::Error),
    #[error("invalid browser settings")]
    Browser(#[from] web::BrowserSettingsError),
}

/// A server bound to its address and ready to run; tests build one on port 0.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: axum::Router,
    /// `/metrics` on an address of its own, when the settings give one.
    metrics: Option<(tokio::net::TcpListener, axum::Router)>,
    store: Store,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let store = Store::connect(&settings.database_url)
            .await
            .map_err(StartupError::Database)?;
        // An embedded SQLite database is always brought up to date; PostgreSQL is an operator's.
        if store.is_sqlite() || settings.migrate {
            store.migrate().await.map_err(StartupError::Database)?;
        } else if !store.is_migrated().await.map_err(StartupError::Database)? {
            return Err(StartupError::NotMigrated);
        }
        Self::with_store(settings, store).await
    }

    pub async fn with_store(settings: Settings, store: Store) -> Result<Self, StartupError> {
        let access_log = persistence::access_log::AccessLog::start(store.clone());
        let listener = bind(settings.listen).await?;
        let metrics_listener = match settings.metrics_listen {
            Some(address) => Some(bind(address).await?),
            None => None,
        };
        let authenticator = Arc::new(Authenticator::new(
            store.clone(),
            settings.token_limits(),
            &settings.auth,
        ));
        let schema = graphql::build_schema(&settings.limits, settings.introspection);
        let state = http::AppState {
            input_objects: Arc::new(graphql::variables::InputObjects::of(&schema.sdl())),
            documents: Arc::default(),
            schema,
            store: store.clone(),
            access_log,
            authenticator,
            rate_limits: rate_limit::RateLimiters::start(&settings.rate_limits),
            imports: import::jobs::Imports::start(
                store.clone(),
                settings.processing_activities.clone(),
                std::time::Duration::from_secs(settings.limits.import_takeover_seconds),
            ),
            settings: Arc::new(settings),
            metrics: meters::handle(),
        };
        Ok(Self {
            listener,
            metrics: metrics_listener
                .map(|listener| (listener, http::metrics_router(state.clone()))),
            router: http::router(state)?,
            store,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The address `/metrics` is served on when it has one of its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(listener, _)| {
            listener
                .local_addr()
                .expect("a bound listener has an address")
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        let metrics = self.metrics.map(|(listener, router)| {
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = metrics_stopped.await;
                    })
                    .await
            })
        });
        // The peer's address keys the rate limit of requests before their token is read.
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        drop(stop_metrics);
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        served
    }

    /// Serves on a task of its own, for tests and the benchmark, which drive the server in
    /// the same process. It shuts down when the returned handle is stopped or dropped.
    pub fn spawn(self) -> Background {
        let address = self.local_addr();
        let metrics_address = self.metrics_addr();
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run_until(async move {
            let _ = stopped.await;
        }));
        Background {
            address,
            metrics_address,
            _shutdown: shutdown,
            task,
        }
    }
}

/// A server started with [`Application::spawn`].
pub struct Background {
    pub address: SocketAddr,
    /// Where `/metrics` is served, when not on `address`.
    pub metrics_address: Option<SocketAddr>,
    /// Dropping it completes the shutdown future.
    _shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Background {
    /// Shuts down and waits up to `grace` for the requests in flight.
    pub async fn stop(self, grace: std::time::Duration) {
        drop(self._shutdown);
        let _ = tokio::time::timeout(grace, self.task).await;
    }
}

async fn bind(address: SocketAddr) -> Result<tokio::net::TcpListener, StartupError> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| StartupError::Listen(address, error))
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
