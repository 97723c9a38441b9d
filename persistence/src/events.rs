//! Case events for live subscribers: which case changed, how, and which item. A signal carries
//! identifiers only; whoever delivers it reads the item through the slice at that moment.
//!
//! A write's signals are published when it commits. On PostgreSQL they go out with `NOTIFY` in
//! the write's own transaction, which PostgreSQL delivers on commit to every process listening
//! on the database, this one included; on SQLite, which has one process, they are handed to
//! this process's subscribers after the commit.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use domain::CaseId;
use domain::case::EventKind;
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::{OnceCell, broadcast};

use crate::{Result, Store};

/// The channel signals travel on between processes.
const CHANNEL: &str = "maatwerk_case_events";
/// Signals in one `NOTIFY`; PostgreSQL takes at most 8000 bytes of payload.
const SIGNALS_PER_NOTIFY: usize = 30;
/// Signals a slow subscriber may fall behind by before it misses some.
const BACKLOG: usize = 1024;

/// Something happened on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSignal {
    pub case_id: CaseId,
    /// What happened, as the timeline names it.
    #[serde(with = "kind_name")]
    pub kind: EventKind,
    pub item_kind: Option<String>,
    pub item_id: Option<uuid::Uuid>,
    pub at: DateTime<Utc>,
}

/// An event kind in a `NOTIFY` payload: its stored name.
mod kind_name {
    use domain::case::EventKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &EventKind, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(kind.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<EventKind, D::Error> {
        let name = <&str>::deserialize(deserializer)?;
        EventKind::parse(name).ok_or_else(|| serde::de::Error::custom("unknown case event kind"))
    }
}

/// What a subscriber hears: a case signal, or word that signals were lost on the way. Signals
/// are lost when the database connection that carries them drops; subscribers hear `Missed`
/// once this process listens again, so that what they read after it includes what they missed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Signal(CaseSignal),
    Missed,
}

/// Every process's fan-out point for case signals.
#[derive(Debug)]
pub(crate) struct EventHub {
    sender: broadcast::Sender<Heard>,
    listening: OnceCell<()>,
}

impl Default for EventHub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            listening: OnceCell::new(),
        }
    }
}

/// Signals a write transaction collects until it commits.
#[derive(Debug, Default)]
pub(crate) struct PendingSignals(Mutex<Vec<CaseSignal>>);

impl PendingSignals {
    pub fn push(&self, signal: CaseSignal) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(signal);
    }

    pub fn take(&self) -> Vec<CaseSignal> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

/// Queues `signals` for delivery when `transaction` commits (PostgreSQL).
pub(crate) async fn notify_on_commit(
    transaction: &DatabaseTransaction,
    signals: &[CaseSignal],
) -> Result<()> {
    for chunk in signals.chunks(SIGNALS_PER_NOTIFY) {
        let payload =
            serde_json::to_string(chunk).map_err(|_| crate::Error::Corrupt("case signal"))?;
        transaction
            .execute_raw(Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            ))
            .await?;
    }
    Ok(())
}

impl Store {
    /// Case signals from now on, from every process on this database.
    pub async fn case_signals(&self) -> Result<broadcast::Receiver<Heard>> {
        if !self.is_sqlite() {
            self.events
                .listening
                .get_or_try_init(|| listen(self.clone(), Arc::clone(&self.events)))
                .await?;
        }
        Ok(self.events.sender.subscribe())
    }

    /// Hands committed signals to this process's subscribers (SQLite).
    pub(crate) fn publish(&self, signals: Vec<CaseSignal>) {
        for signal in signals {
            // No subscriber is no error.
            let _ = self.events.sender.send(Heard::Signal(signal));
        }
    }
}

/// Listens on the database's channel for the life of the process and passes what arrives on.
async fn listen(store: Store, hub: Arc<EventHub>) -> Result<()> {
    let mut listener = listener(&store).await?;
    tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    match serde_json::from_str::<Vec<CaseSignal>>(notification.payload()) {
                        Ok(signals) => {
                            for signal in signals {
                                let _ = hub.sender.send(Heard::Signal(signal));
                            }
                        }
                        Err(_) => tracing::warn!("a case signal that does not parse"),
                    }
                }
                // The connection dropped, and signals sent meanwhile are gone: listen on a new
                // one, then tell subscribers.
                outcome => {
                    if let Err(error) = outcome {
                        tracing::warn!(error = %error, "case signal listener interrupted");
                    } else {
                        tracing::warn!("case signal listener lost its connection");
                    }
                    listener = loop {
                        // A store that was closed has no one left to tell.
                        if store.pool().get_postgres_connection_pool().is_closed() {
                            return;
                        }
                        match self::listener(&store).await {
                            Ok(listener) => break listener,
                            Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
                        }
                    };
                    tracing::info!("case signal listener listens again");
                    let _ = hub.sender.send(Heard::Missed);
                }
            }
        }
    });
    Ok(())
}

/// A connection listening on the database's channel.
async fn listener(store: &Store) -> Result<sea_orm::sqlx::postgres::PgListener> {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = store.pool().get_postgres_connection_pool();
    let unreachable = |error: sea_orm::sqlx::Error| {
        crate::Error::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
            Arc::new(error),
        )))
    };
    let mut listener = PgListener::connect_with(pool).await.map_err(unreachable)?;
    listener.listen(CHANNEL).await.map_err(unreachable)?;
    Ok(listener)
}
