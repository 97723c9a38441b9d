use std::collections::BTreeMap;
use std::sync::Arc;

use sea_orm::ConnectionTrait;
use tokio::sync::{mpsc, oneshot};

use super::chain::{
    Heads, append, append_unless_moved, by_municipality, chain, read_chains, subjects,
};
use super::ledger::Recorded;
use super::ledger::{Ledger, OperationContext, PendingEntry};
use super::spans::emit_processing_spans;
use crate::{Error, Result, Store};

/// The most entries one group commit writes.
const GROUP_LIMIT: usize = 4000;

/// Appends what operations read, in groups: one task per process writes whatever requests
/// handed it while the previous group was being written.
#[derive(Clone)]
pub struct AccessLog {
    submissions: mpsc::Sender<Submission>,
}

struct Submission {
    context: Arc<OperationContext>,
    entries: Vec<PendingEntry>,
    /// What was recorded for this submission once its group committed; `None` if it failed.
    done: oneshot::Sender<Option<Vec<Recorded>>>,
}

impl AccessLog {
    /// Starts the appending task on the current runtime; it ends when the last handle drops.
    pub fn start(store: Store) -> Self {
        let (submissions, receiver) = mpsc::channel(1024);
        tokio::spawn(group_commit(store, receiver));
        Self { submissions }
    }

    /// Makes durable what `ledger` noted, and returns once it is committed. Until this returns
    /// `Ok`, the data it describes must not leave the server.
    pub async fn record(&self, ledger: &Ledger) -> Result<()> {
        self.submit(ledger).await?.durable().await
    }

    /// Hands what `ledger` noted to the next group commit, so that a request can get its answer
    /// ready while the group is written; [`Submitted::durable`] then waits for the commit.
    pub async fn submit(&self, ledger: &Ledger) -> Result<Submitted> {
        let entries = ledger.take_reads();
        if entries.is_empty() {
            return Ok(Submitted { receipt: None });
        }
        let context = ledger.context_handle();
        let (done, receipt) = oneshot::channel();
        self.submissions
            .send(Submission {
                context: Arc::clone(&context),
                entries,
                done,
            })
            .await
            .map_err(|_| Error::AccessLog)?;
        Ok(Submitted {
            receipt: Some((context, receipt)),
        })
    }
}

/// Entries handed to the group commit and not yet known to be durable.
#[must_use = "the entries are durable only once `durable` returns `Ok`"]
pub struct Submitted {
    receipt: Option<(Arc<OperationContext>, Receipt)>,
}

/// What the group commit answers a submission: what was recorded, or `None` if it failed.
type Receipt = oneshot::Receiver<Option<Vec<Recorded>>>;

impl Submitted {
    /// Returns once the entries are committed. Until this returns `Ok`, the data they describe
    /// must not leave the server.
    pub async fn durable(self) -> Result<()> {
        let Some((context, receipt)) = self.receipt else {
            return Ok(());
        };
        match receipt.await {
            Ok(Some(recorded)) => {
                emit_processing_spans(&context, &recorded);
                Ok(())
            }
            _ => Err(Error::AccessLog),
        }
    }
}

async fn group_commit(store: Store, mut receiver: mpsc::Receiver<Submission>) {
    // The heads as this task last left them. Another appender (a write, another server) may
    // have moved one since; the group that finds so reads it again.
    let mut known = Heads::new();
    while let Some(first) = receiver.recv().await {
        let mut count = first.entries.len();
        let mut group = vec![first];
        while count < GROUP_LIMIT {
            match receiver.try_recv() {
                Ok(next) => {
                    count += next.entries.len();
                    group.push(next);
                }
                Err(_) => break,
            }
        }
        let mut dones = Vec::with_capacity(group.len());
        let mut entries = Vec::with_capacity(count);
        for submission in group {
            dones.push((submission.done, submission.entries.len()));
            entries.extend(
                submission
                    .entries
                    .into_iter()
                    .map(|entry| (Arc::clone(&submission.context), entry)),
            );
        }
        let written = match resolve_subjects(store.connection(), &mut entries).await {
            Ok(()) => write_group(&store, &mut known, &entries, dones.len()).await,
            Err(error) => Err(error),
        };
        if let Err(error) = &written {
            tracing::error!(
                error = %error,
                source = ?std::error::Error::source(error),
                entries = entries.len(),
                "access log append failed"
            );
        }
        let mut recorded = entries.iter().map(|(_, entry)| entry.recorded());
        for (done, count) in dones {
            let mine: Vec<Recorded> = recorded.by_ref().take(count).flatten().collect();
            // A request that gave up waiting has nothing to send.
            let _ = done.send(written.is_ok().then_some(mine));
        }
    }
}

/// Fills in the municipality and resident of every entry whose operation did not load its
/// case's row, in one statement for the group.
async fn resolve_subjects(
    connection: &impl ConnectionTrait,
    entries: &mut [(Arc<OperationContext>, PendingEntry)],
) -> Result<()> {
    let subjects = subjects(connection, entries).await?;
    for (_, entry) in entries.iter_mut() {
        if entry.subject.is_none() {
            entry.subject = Some(
                *subjects
                    .get(&entry.case_id)
                    .ok_or(Error::NotFound("case"))?,
            );
        }
    }
    Ok(())
}

/// Metrics of one committed group: how many entries shared its commit, and how long it took
/// from the first statement to the durable commit.
fn record_group(entries: usize, took: std::time::Duration) {
    metrics::histogram!("access_log_group_entries").record(entries as f64);
    metrics::histogram!("access_log_group_commit_seconds").record(took.as_secs_f64());
}

/// How often a group is chained afresh after finding a head moved, before it waits for the
/// heads' locks as a write does.
const UNLOCKED_ATTEMPTS: usize = 3;

async fn write_group(
    store: &Store,
    known: &mut Heads,
    entries: &[(Arc<OperationContext>, PendingEntry)],
    requests: usize,
) -> Result<()> {
    let started = std::time::Instant::now();
    if !store.is_sqlite() {
        let connection = store.connection();
        let by_municipality = by_municipality(entries, &BTreeMap::new())?;
        for attempt in 1..=UNLOCKED_ATTEMPTS {
            let unknown: Vec<uuid::Uuid> = by_municipality
                .keys()
                .filter(|municipality_id| !known.contains_key(municipality_id))
                .copied()
                .collect();
            if !unknown.is_empty() {
                known.extend(read_chains(connection, unknown.into_iter(), false).await?);
            }
            let from: Heads = by_municipality
                .keys()
                .map(|municipality_id| {
                    known
                        .get(municipality_id)
                        .map(|head| (*municipality_id, head.clone()))
                        .ok_or(Error::Corrupt("access log chain"))
                })
                .collect::<Result<_>>()?;
            let mut to = from.clone();
            let rows = chain(&by_municipality, &mut to)?;
            if append_unless_moved(connection, &rows, &from, &to).await? {
                known.extend(to);
                record_group(entries.len(), started.elapsed());
                tracing::debug!(
                    entries = entries.len(),
                    requests,
                    attempt,
                    append_us = started.elapsed().as_micros() as u64,
                    "access log group committed"
                );
                return Ok(());
            }
            for municipality_id in by_municipality.keys() {
                known.remove(municipality_id);
            }
        }
    }
    let transaction = store.begin_transaction().await?;
    append(&transaction, entries).await?;
    let appended = started.elapsed();
    transaction.commit().await?;
    // What the locked append moved is read again by the next group.
    known.clear();
    record_group(entries.len(), started.elapsed());
    tracing::debug!(
        entries = entries.len(),
        requests,
        append_us = appended.as_micros() as u64,
        commit_us = (started.elapsed() - appended).as_micros() as u64,
        "access log group committed"
    );
    Ok(())
}
