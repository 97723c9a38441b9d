//! The access log (DOMAIN.md §6): durable, append-only and tamper-evident.
//!
//! What an operation reads is noted in its [`Ledger`] by the read functions of
//! [`crate::cases`] as rows leave that module, so no read can forget to log. Before the response
//! leaves the server, [`AccessLog::record`] makes those notes durable; an operation's writes are
//! appended by [`crate::cases::Writer::commit`] in the same transaction as the change.
//!
//! Entries are chained per municipality: each entry's hash covers its fields and the hash of
//! the entry before it, and `access_log_chains` holds the head of each chain. A write locks
//! the heads it extends, so several server processes on one database extend one chain.
//! [`Store::verify_access_log`] walks every chain and names the first broken link.
//!
//! Reads are appended in groups: one task per process collects what waiting requests hand it
//! and writes them together, so the cost of a commit is shared by all of them. On PostgreSQL a
//! group is one statement that moves the heads it extends by compare-and-set from where this
//! task last left them; a head another appender moved makes it change nothing, and the group
//! is chained again from the heads as they are.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use domain::slice::TeamRole;
use domain::{CaseId, MunicipalityId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use crate::entity::{access_log, access_log_chain, case};
use crate::{Error, Result, Store};

/// The hash before the first entry of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The most entries one group commit writes.
const GROUP_LIMIT: usize = 4000;
/// Rows per `INSERT`: 17 values each stay well under every backend's limit on parameters.
const INSERT_CHUNK: usize = 1000;

/// Why and within what an operation runs; the same for every entry it causes. Field names
/// follow the "Logboek Dataverwerkingen" standard.
#[derive(Debug, Clone)]
pub struct OperationContext {
    pub trace_id: String,
    pub operation_id: String,
    pub operation_name: Option<String>,
    pub processing_activity_id: String,
}

impl OperationContext {
    /// An operation the product runs itself, such as loading the demo data.
    pub fn internal(processing_activity_id: &str) -> Self {
        Self {
            trace_id: new_hex_id(16),
            operation_id: new_hex_id(8),
            operation_name: None,
            processing_activity_id: processing_activity_id.to_owned(),
        }
    }
}

/// A random identifier of `bytes` bytes in hex, as trace and span ids are written.
pub fn new_hex_id(bytes: usize) -> String {
    let random = uuid::Uuid::new_v4();
    random.as_bytes()[..bytes.min(16)]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The actor kinds and non-team roles the log names; team roles are [`TeamRole`]'s.
const ACTOR_NAMES: &[&str] = &[
    "professional",
    "resident",
    "service",
    "privacy_officer",
    "invited_organisation",
];

/// What an operation delivered about one case, as kept with an idempotent response so that
/// delivering it again is logged like the first time. Kinds and counts, never content.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Delivered {
    case_id: uuid::Uuid,
    actor_kind: String,
    actor_id: Option<String>,
    organisation_id: Option<uuid::Uuid>,
    role: Option<String>,
    data: String,
}

impl Delivered {
    pub fn case_id(&self) -> CaseId {
        CaseId(self.case_id)
    }
}

/// Who acted on a case, as the log records them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Accessor {
    pub kind: &'static str,
    pub id: Option<String>,
    pub organisation_id: Option<uuid::Uuid>,
    pub role: Option<&'static str>,
}

/// What one operation did with one case's data: kinds and counts, never content.
#[derive(Debug, Default)]
struct Disclosure {
    kinds: BTreeMap<&'static str, u64>,
    life_domains: BTreeSet<&'static str>,
    changes: BTreeSet<&'static str>,
}

impl Disclosure {
    fn to_json(&self) -> String {
        serde_json::json!({
            "kinds": self.kinds,
            "life_domains": self.life_domains,
            "changes": self.changes,
        })
        .to_string()
    }
}

type Notes = BTreeMap<(uuid::Uuid, Accessor), Disclosure>;

/// The municipality and resident of a case, as the row a read loaded says.
pub(crate) type Subject = (uuid::Uuid, uuid::Uuid);

/// What one operation has read so far, and why it runs. Shared by every snapshot and writer the
/// operation opens; [`AccessLog::record`] takes the notes out.
#[derive(Clone)]
pub struct Ledger(Arc<LedgerState>);

struct LedgerState {
    context: Arc<OperationContext>,
    /// `read`, or `export` for an operation whose whole purpose is to hand data over.
    action: &'static str,
    reads: Mutex<Reads>,
    /// Responses kept from an earlier operation and delivered again by this one.
    again: Mutex<Vec<PendingEntry>>,
}

#[derive(Default)]
struct Reads {
    notes: Notes,
    /// The chain and data subject of cases whose rows the operation loaded, so that appending
    /// needs no lookup of them.
    subjects: BTreeMap<uuid::Uuid, Subject>,
}

impl Ledger {
    pub fn new(context: OperationContext) -> Self {
        Self::with_action(context, "read")
    }

    /// A ledger for an export: the resident's own download or an integration's pull. Its
    /// entries say `export` instead of `read`.
    pub fn for_export(context: OperationContext) -> Self {
        Self::with_action(context, "export")
    }

    fn with_action(context: OperationContext, action: &'static str) -> Self {
        Self(Arc::new(LedgerState {
            context: Arc::new(context),
            action,
            reads: Mutex::new(Reads::default()),
            again: Mutex::new(Vec::new()),
        }))
    }

    pub fn context(&self) -> &OperationContext {
        &self.0.context
    }

    /// Whether the operation has read any case data not yet recorded.
    pub fn is_empty(&self) -> bool {
        self.lock().notes.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Reads> {
        self.0
            .reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Notes that `count` items of `kind` of `case_id` are leaving the server for `accessor`.
    pub(crate) fn disclose(
        &self,
        case_id: CaseId,
        accessor: Accessor,
        kind: &'static str,
        count: usize,
        life_domains: impl IntoIterator<Item = &'static str>,
    ) {
        if count == 0 {
            return;
        }
        let mut reads = self.lock();
        let disclosure = reads.notes.entry((case_id.0, accessor)).or_default();
        *disclosure.kinds.entry(kind).or_default() += count as u64;
        disclosure.life_domains.extend(life_domains);
    }

    /// Notes the municipality and resident of a case whose row the operation loaded.
    pub(crate) fn know_subject(&self, case_id: CaseId, subject: Subject) {
        self.lock().subjects.insert(case_id.0, subject);
    }

    fn take_reads(&self) -> Vec<PendingEntry> {
        let action = self.0.action;
        let Reads { notes, subjects } = std::mem::take(&mut *self.lock());
        let mut entries: Vec<PendingEntry> = notes
            .into_iter()
            .map(|((case_id, accessor), disclosure)| PendingEntry {
                case_id,
                action,
                accessor,
                data: disclosure.to_json(),
                subject: subjects.get(&case_id).copied(),
            })
            .collect();
        entries.append(
            &mut self
                .0
                .again
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        entries
    }

    /// What the operation has noted so far, to keep with a response that may be delivered
    /// again (an idempotent replay).
    pub fn delivered(&self) -> Vec<Delivered> {
        self.lock()
            .notes
            .iter()
            .map(|((case_id, accessor), disclosure)| Delivered {
                case_id: *case_id,
                actor_kind: accessor.kind.to_owned(),
                actor_id: accessor.id.clone(),
                organisation_id: accessor.organisation_id,
                role: accessor.role.map(str::to_owned),
                data: disclosure.to_json(),
            })
            .collect()
    }

    /// Notes that a kept response is delivered again, by this operation: the same cases, actor
    /// and kinds of data as when it was first delivered.
    pub fn deliver_again(&self, delivered: &[Delivered]) -> Result<()> {
        let mut entries = Vec::with_capacity(delivered.len());
        for kept in delivered {
            let known = |name: &str| {
                ACTOR_NAMES
                    .iter()
                    .copied()
                    .chain(TeamRole::ALL.iter().map(|role| role.as_str()))
                    .find(|known| *known == name)
                    .ok_or(Error::Corrupt("kept access-log actor"))
            };
            entries.push(PendingEntry {
                case_id: kept.case_id,
                action: self.0.action,
                accessor: Accessor {
                    kind: known(&kept.actor_kind)?,
                    id: kept.actor_id.clone(),
                    organisation_id: kept.organisation_id,
                    role: kept.role.as_deref().map(known).transpose()?,
                },
                data: kept.data.clone(),
                subject: None,
            });
        }
        self.0
            .again
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(entries);
        Ok(())
    }

    pub(crate) fn context_handle(&self) -> Arc<OperationContext> {
        Arc::clone(&self.0.context)
    }
}

/// What a write transaction changed, per case and actor, appended when it commits.
#[derive(Debug, Default)]
pub(crate) struct Changes(Mutex<Notes>);

impl Changes {
    pub fn note(
        &self,
        case_id: CaseId,
        accessor: Accessor,
        change: &'static str,
        item_kind: Option<&'static str>,
    ) {
        let mut notes = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let disclosure = notes.entry((case_id.0, accessor)).or_default();
        disclosure.changes.insert(change);
        if let Some(kind) = item_kind {
            *disclosure.kinds.entry(kind).or_default() += 1;
        }
    }

    pub fn take(
        &self,
        context: &Arc<OperationContext>,
    ) -> Vec<(Arc<OperationContext>, PendingEntry)> {
        let notes = std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        notes
            .into_iter()
            .map(|((case_id, accessor), disclosure)| {
                (
                    Arc::clone(context),
                    PendingEntry {
                        case_id,
                        action: "write",
                        accessor,
                        data: disclosure.to_json(),
                        subject: None,
                    },
                )
            })
            .collect()
    }
}

/// An entry before it has a place in its chain.
#[derive(Debug)]
pub(crate) struct PendingEntry {
    case_id: uuid::Uuid,
    action: &'static str,
    accessor: Accessor,
    data: String,
    /// The case's municipality and resident, when the operation loaded its row.
    subject: Option<Subject>,
}

impl PendingEntry {
    /// The entry as it is reported once durable; `None` before its subject is known.
    fn recorded(&self) -> Option<Recorded> {
        self.subject.map(|(_, resident_id)| Recorded {
            case_id: CaseId(self.case_id),
            action: self.action.to_owned(),
            data_subject_id: resident_id,
        })
    }
}

/// The hash of `entry` following `previous`: SHA-256 over a JSON array of every field, so that
/// no two different entries can serialise alike.
fn chain_hash(previous: &str, entry: &access_log::Model) -> String {
    use serde::ser::{SerializeSeq, Serializer};
    let recorded_at = entry
        .recorded_at
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    let mut fields = Vec::with_capacity(640);
    let mut serializer = serde_json::Serializer::new(&mut fields);
    let serialised = (|| {
        let mut array = serializer.serialize_seq(Some(17))?;
        array.serialize_element(previous)?;
        array.serialize_element(&entry.municipality_id)?;
        array.serialize_element(&entry.sequence)?;
        array.serialize_element(&recorded_at)?;
        array.serialize_element(&entry.trace_id)?;
        array.serialize_element(&entry.operation_id)?;
        array.serialize_element(&entry.operation_name)?;
        array.serialize_element(&entry.processing_activity_id)?;
        array.serialize_element(&entry.action)?;
        array.serialize_element(&entry.actor_kind)?;
        array.serialize_element(&entry.actor_id)?;
        array.serialize_element(&entry.organisation_id)?;
        array.serialize_element(&entry.role)?;
        array.serialize_element(&entry.case_id)?;
        array.serialize_element(&entry.data_subject_id)?;
        array.serialize_element(&entry.data)?;
        array.serialize_element(&entry.outcome)?;
        array.end()
    })();
    // Writing strings and numbers into memory does not fail; if it ever did, the hash would
    // not match on verification rather than pass.
    debug_assert!(serialised.is_ok());
    to_hex(&Sha256::digest(&fields))
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

/// Now, to the microsecond both databases keep, so an entry hashes the same after a round trip.
fn now_to_the_microsecond() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The head of each municipality's chain: its last sequence and hash.
type Heads = BTreeMap<uuid::Uuid, (i64, String)>;

/// A group's entries by the municipality whose chain they extend, with each entry's resident.
type ByMunicipality<'a> =
    BTreeMap<uuid::Uuid, Vec<(&'a OperationContext, &'a PendingEntry, uuid::Uuid)>>;

/// Appends `entries` to their municipalities' chains inside `transaction`, holding the heads it
/// extends until the transaction ends.
/// Returns the entries as [`emit_processing_spans`] reports them once the transaction commits.
pub(crate) async fn append(
    transaction: &DatabaseTransaction,
    entries: &[(Arc<OperationContext>, PendingEntry)],
) -> Result<Vec<Recorded>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let subjects = subjects(transaction, entries).await?;
    let by_municipality = by_municipality(entries, &subjects)?;
    let mut heads = read_chains(transaction, by_municipality.keys().copied(), true).await?;
    let rows = chain(&by_municipality, &mut heads)?;
    if transaction.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        append_rows_postgres(transaction, &rows, &heads).await?;
    } else {
        append_rows_sqlite(transaction, &rows, &heads).await?;
    }
    Ok(rows.iter().map(Recorded::from_row).collect())
}

/// One durable entry, as the operation that caused it reports it outside the database: which
/// case, what was done with it, and whose data it is (the resident's pseudonymous id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub case_id: CaseId,
    pub action: String,
    pub data_subject_id: uuid::Uuid,
}

impl Recorded {
    fn from_row(row: &access_log::Model) -> Self {
        Self {
            case_id: CaseId(row.case_id),
            action: row.action.clone(),
            data_subject_id: row.data_subject_id,
        }
    }
}

/// The `tracing` target of the spans that copy access-log entries; a subscriber that does not
/// export traces turns it off, so the spans cost nothing there.
pub const PROCESSING_TARGET: &str = "maatwerk::processing";

/// What a resident's pseudonymous id is, for `dpl.core.data_subject_id_type`.
pub const DATA_SUBJECT_ID_TYPE: &str = "urn:maatwerk:resident";

/// Emits each durable entry as a span of the current trace, with the attribute names of the
/// Logboek Dataverwerkingen standard, so that a municipality's LDV collector receives a copy
/// through the trace exporter. Called only after the entries are committed: a span never
/// reports a processing the log does not hold.
pub fn emit_processing_spans(context: &OperationContext, recorded: &[Recorded]) {
    for entry in recorded {
        let span = tracing::info_span!(
            target: PROCESSING_TARGET,
            "processing",
            otel.name = %format_args!("{} case", entry.action),
            dpl.core.processing_activity_id = %context.processing_activity_id,
            dpl.core.data_subject_id = %entry.data_subject_id,
            dpl.core.data_subject_id_type = DATA_SUBJECT_ID_TYPE,
            maatwerk.action = %entry.action,
            maatwerk.case_id = %entry.case_id.0,
            maatwerk.operation_id = %context.operation_id,
            maatwerk.operation_name = context.operation_name.as_deref(),
        );
        // Entered and left at once: the processing itself happened in the operation's span.
        drop(span.entered());
    }
}

fn by_municipality<'a>(
    entries: &'a [(Arc<OperationContext>, PendingEntry)],
    subjects: &BTreeMap<uuid::Uuid, Subject>,
) -> Result<ByMunicipality<'a>> {
    let mut by_municipality: ByMunicipality<'a> = BTreeMap::new();
    for (context, entry) in entries {
        let (municipality_id, resident_id) = match entry.subject {
            Some(subject) => subject,
            None => *subjects
                .get(&entry.case_id)
                .ok_or(Error::NotFound("case"))?,
        };
        by_municipality
            .entry(municipality_id)
            .or_default()
            .push((context, entry, resident_id));
    }
    Ok(by_municipality)
}

/// The rows that extend each chain from `heads`, which move along with them.
fn chain(
    by_municipality: &ByMunicipality<'_>,
    heads: &mut Heads,
) -> Result<Vec<access_log::Model>> {
    let recorded_at = now_to_the_microsecond();
    let mut rows = Vec::with_capacity(by_municipality.values().map(Vec::len).sum());
    for (municipality_id, entries) in by_municipality {
        let head = heads
            .get_mut(municipality_id)
            .ok_or(Error::Corrupt("access log chain"))?;
        for (context, entry, resident_id) in entries {
            head.0 += 1;
            let mut row = access_log::Model {
                municipality_id: *municipality_id,
                sequence: head.0,
                recorded_at,
                trace_id: context.trace_id.clone(),
                operation_id: context.operation_id.clone(),
                operation_name: context.operation_name.clone(),
                processing_activity_id: context.processing_activity_id.clone(),
                action: entry.action.to_owned(),
                actor_kind: entry.accessor.kind.to_owned(),
                actor_id: entry.accessor.id.clone(),
                organisation_id: entry.accessor.organisation_id,
                role: entry.accessor.role.map(str::to_owned),
                case_id: entry.case_id,
                data_subject_id: *resident_id,
                data: entry.data.clone(),
                outcome: "ok".to_owned(),
                hash: String::new(),
            };
            row.hash = chain_hash(&head.1, &row);
            head.1.clone_from(&row.hash);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The municipality and resident of each entry's case that its operation did not already know.
async fn subjects(
    transaction: &impl ConnectionTrait,
    entries: &[(Arc<OperationContext>, PendingEntry)],
) -> Result<BTreeMap<uuid::Uuid, Subject>> {
    let unknown: BTreeSet<uuid::Uuid> = entries
        .iter()
        .filter(|(_, entry)| entry.subject.is_none())
        .map(|(_, entry)| entry.case_id)
        .collect();
    if unknown.is_empty() {
        return Ok(BTreeMap::new());
    }
    let cases: Vec<(uuid::Uuid, uuid::Uuid, uuid::Uuid)> = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::MunicipalityId)
        .column(case::Column::ResidentId)
        .filter(case::Column::Id.is_in(unknown))
        .into_tuple()
        .all(transaction)
        .await?;
    Ok(cases
        .into_iter()
        .map(|(case_id, municipality_id, resident_id)| (case_id, (municipality_id, resident_id)))
        .collect())
}

/// The columns of `access_log`, in the order the appending statements name them.
const COLUMNS: &str = "municipality_id, sequence, recorded_at, trace_id, operation_id, \
     operation_name, processing_activity_id, action, actor_kind, actor_id, organisation_id, \
     role, case_id, data_subject_id, data, outcome, hash";

/// PostgreSQL: every row of a group and every head it moves in one statement with two JSON
/// parameters, so that its text, and so its prepared plan, is the same for every group.
async fn append_rows_postgres(
    transaction: &DatabaseTransaction,
    rows: &[access_log::Model],
    heads: &Heads,
) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Head<'a> {
        municipality_id: &'a uuid::Uuid,
        last_sequence: i64,
        last_hash: &'a str,
    }
    let rows_json = serde_json::to_string(&rows.iter().map(JsonRow).collect::<Vec<_>>())
        .map_err(|_| Error::Corrupt("access log entry"))?;
    let heads_json = serde_json::to_string(
        &heads
            .iter()
            .map(|(municipality_id, (sequence, hash))| Head {
                municipality_id,
                last_sequence: *sequence,
                last_hash: hash,
            })
            .collect::<Vec<_>>(),
    )
    .map_err(|_| Error::Corrupt("access log chain"))?;
    let sql = format!(
        "WITH appended AS (\
           INSERT INTO access_log ({COLUMNS}) \
           SELECT {COLUMNS} FROM json_populate_recordset(NULL::access_log, $1::json)\
         ) \
         UPDATE access_log_chains SET last_sequence = heads.last_sequence, last_hash = heads.last_hash \
         FROM json_to_recordset($2::json) AS heads(municipality_id uuid, last_sequence bigint, last_hash text) \
         WHERE access_log_chains.municipality_id = heads.municipality_id"
    );
    transaction
        .execute_raw(Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            sql,
            [rows_json.into(), heads_json.into()],
        ))
        .await?;
    Ok(())
}

/// An entry as `json_populate_recordset` reads it: keys are the column names.
struct JsonRow<'a>(&'a access_log::Model);

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let row = self.0;
        let mut map = serializer.serialize_map(Some(17))?;
        map.serialize_entry("municipality_id", &row.municipality_id)?;
        map.serialize_entry("sequence", &row.sequence)?;
        map.serialize_entry(
            "recorded_at",
            &row.recorded_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        )?;
        map.serialize_entry("trace_id", &row.trace_id)?;
        map.serialize_entry("operation_id", &row.operation_id)?;
        map.serialize_entry("operation_name", &row.operation_name)?;
        map.serialize_entry("processing_activity_id", &row.processing_activity_id)?;
        map.serialize_entry("action", &row.action)?;
        map.serialize_entry("actor_kind", &row.actor_kind)?;
        map.serialize_entry("actor_id", &row.actor_id)?;
        map.serialize_entry("organisation_id", &row.organisation_id)?;
        map.serialize_entry("role", &row.role)?;
        map.serialize_entry("case_id", &row.case_id)?;
        map.serialize_entry("data_subject_id", &row.data_subject_id)?;
        map.serialize_entry("data", &row.data)?;
        map.serialize_entry("outcome", &row.outcome)?;
        map.serialize_entry("hash", &row.hash)?;
        map.end()
    }
}

/// SQLite: rows in bound multi-row `INSERT`s, then each head. It runs in the process, so
/// statements cost no round trips there.
async fn append_rows_sqlite(
    transaction: &DatabaseTransaction,
    rows: &[access_log::Model],
    heads: &Heads,
) -> Result<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        access_log::Entity::insert_many(chunk.iter().cloned().map(access_log::ActiveModel::from))
            .exec_without_returning(transaction)
            .await?;
    }
    for (municipality_id, (sequence, hash)) in heads {
        transaction
            .execute_raw(Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Sqlite,
                "UPDATE access_log_chains SET last_sequence = ?, last_hash = ? WHERE municipality_id = ?",
                [(*sequence).into(), hash.clone().into(), (*municipality_id).into()],
            ))
            .await?;
    }
    Ok(())
}

/// The head of each municipality's chain, creating it on first use. With `lock`, the heads are
/// held for the rest of the transaction, taken in order so appenders never wait in a circle.
async fn read_chains(
    connection: &impl ConnectionTrait,
    municipalities: impl Iterator<Item = uuid::Uuid>,
    lock: bool,
) -> Result<Heads> {
    let municipalities: Vec<uuid::Uuid> = municipalities.collect();
    let backend = connection.get_database_backend();
    if backend == sea_orm::DatabaseBackend::Postgres {
        // Existing heads are read without writing them; only a chain's first group inserts.
        let wanted = serde_json::to_string(&municipalities)
            .map_err(|_| Error::Corrupt("access log chain"))?;
        let found = connection
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT municipality_id, last_sequence, last_hash FROM access_log_chains \
                     WHERE municipality_id IN (SELECT value::uuid FROM json_array_elements_text($1::json)) \
                     ORDER BY municipality_id{}",
                    if lock { " FOR UPDATE" } else { "" }
                ),
                [wanted.into()],
            ))
            .await?;
        let heads = read_heads(found)?;
        if heads.len() == municipalities.len() {
            return Ok(heads);
        }
    }
    let mut values = Vec::new();
    let mut rows = Vec::new();
    for (index, municipality_id) in municipalities.iter().enumerate() {
        rows.push(match backend {
            sea_orm::DatabaseBackend::Postgres => format!("(${}, 0, '{GENESIS}')", index + 1),
            _ => format!("(?, 0, '{GENESIS}')"),
        });
        values.push(Value::from(*municipality_id));
    }
    let sql = format!(
        "INSERT INTO access_log_chains (municipality_id, last_sequence, last_hash) VALUES {} \
         ON CONFLICT (municipality_id) DO UPDATE SET last_sequence = access_log_chains.last_sequence \
         RETURNING municipality_id, last_sequence, last_hash",
        rows.join(", ")
    );
    let found = connection
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    read_heads(found)
}

/// PostgreSQL: appends `rows` in one statement outside any transaction, provided every head
/// they extend is still where `from` says; otherwise it changes nothing and returns `false`.
/// A group of reads then costs one round trip and one flush, and needs no lock held between
/// statements.
async fn append_unless_moved(
    connection: &impl ConnectionTrait,
    rows: &[access_log::Model],
    from: &Heads,
    to: &Heads,
) -> Result<bool> {
    #[derive(serde::Serialize)]
    struct Move<'a> {
        municipality_id: &'a uuid::Uuid,
        from_sequence: i64,
        from_hash: &'a str,
        last_sequence: i64,
        last_hash: &'a str,
    }
    let moves = from
        .iter()
        .map(|(municipality_id, (from_sequence, from_hash))| {
            let (last_sequence, last_hash) = to
                .get(municipality_id)
                .ok_or(Error::Corrupt("access log chain"))?;
            Ok(Move {
                municipality_id,
                from_sequence: *from_sequence,
                from_hash,
                last_sequence: *last_sequence,
                last_hash,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows_json = serde_json::to_string(&rows.iter().map(JsonRow).collect::<Vec<_>>())
        .map_err(|_| Error::Corrupt("access log entry"))?;
    let moves_json =
        serde_json::to_string(&moves).map_err(|_| Error::Corrupt("access log chain"))?;
    // Either every head moves and every row is inserted, or nothing changes. The heads are
    // locked first, in order as a write locks them, and compared as they stand once locked
    // (a lock waited for yields the head its holder committed), so no head moves alone.
    let sql = format!(
        "WITH moves AS (\
           SELECT * FROM json_to_recordset($2::json) AS moves(municipality_id uuid, \
             from_sequence bigint, from_hash text, last_sequence bigint, last_hash text)\
         ), locked AS MATERIALIZED (\
           SELECT municipality_id, last_sequence, last_hash FROM access_log_chains \
           WHERE municipality_id IN (SELECT municipality_id FROM moves) \
           ORDER BY municipality_id FOR UPDATE\
         ), unmoved AS (\
           SELECT count(*) AS count FROM locked JOIN moves USING (municipality_id) \
           WHERE locked.last_sequence = moves.from_sequence AND locked.last_hash = moves.from_hash\
         ), moved AS (\
           UPDATE access_log_chains SET last_sequence = moves.last_sequence, last_hash = moves.last_hash \
           FROM moves \
           WHERE access_log_chains.municipality_id = moves.municipality_id \
             AND (SELECT count FROM unmoved) = $3\
         ), appended AS (\
           INSERT INTO access_log ({COLUMNS}) \
           SELECT {COLUMNS} FROM json_populate_recordset(NULL::access_log, $1::json) \
           WHERE (SELECT count FROM unmoved) = $3\
         ) \
         SELECT count AS moved FROM unmoved"
    );
    let expected = moves.len() as i64;
    let answer = connection
        .query_one_raw(Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            sql,
            [rows_json.into(), moves_json.into(), expected.into()],
        ))
        .await?
        .ok_or(Error::Corrupt("access log chain"))?;
    let moved: i64 = answer.try_get("", "moved")?;
    Ok(moved == expected)
}

fn read_heads(rows: Vec<sea_orm::QueryResult>) -> Result<Heads> {
    rows.into_iter()
        .map(|row| {
            let municipality_id: uuid::Uuid = row.try_get("", "municipality_id")?;
            let sequence: i64 = row.try_get("", "last_sequence")?;
            let hash: String = row.try_get("", "last_hash")?;
            Ok((municipality_id, (sequence, hash)))
        })
        .collect()
}

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

/// How far one municipality's chain has grown: its last entry's position and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub municipality_id: MunicipalityId,
    pub sequence: i64,
    pub hash: String,
}

/// What `maatwerk audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Each chain walked, with how many entries it holds.
    pub chains: Vec<(MunicipalityId, i64)>,
    /// The first link that does not hold, if any.
    pub broken: Option<BrokenLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub municipality_id: MunicipalityId,
    pub sequence: i64,
    pub problem: LinkProblem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// The entry's fields or hash are not what was appended.
    Altered,
    /// The entry is gone, or another stands in its place.
    Missing,
    /// The chain's head names an entry that is not the last one found.
    HeadMismatch,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.problem {
            LinkProblem::Altered => "was altered after it was appended",
            LinkProblem::Missing => "is missing or out of order",
            LinkProblem::HeadMismatch => "does not match the head of the chain",
        };
        write!(
            f,
            "entry {} of municipality {} {what}",
            self.sequence, self.municipality_id
        )
    }
}

impl Store {
    /// A transaction for appending: on SQLite it takes the write lock at once.
    pub(crate) async fn begin_transaction(&self) -> Result<DatabaseTransaction> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let options = TransactionOptions {
            sqlite_transaction_mode: self.is_sqlite().then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(self.connection().begin_with_options(options).await?)
    }

    /// How many entries the log holds, from the heads of its chains.
    pub async fn access_log_length(&self) -> Result<i64> {
        Ok(access_log_chain::Entity::find()
            .all(self.connection())
            .await?
            .iter()
            .map(|head| head.last_sequence)
            .sum())
    }

    /// Where each municipality's chain has grown to, by municipality: what a checkpoint signs.
    pub async fn access_log_heads(&self) -> Result<Vec<ChainHead>> {
        let mut heads: Vec<ChainHead> = access_log_chain::Entity::find()
            .filter(access_log_chain::Column::LastSequence.gt(0))
            .all(self.connection())
            .await?
            .into_iter()
            .map(|head| ChainHead {
                municipality_id: MunicipalityId(head.municipality_id),
                sequence: head.last_sequence,
                hash: head.last_hash,
            })
            .collect();
        heads.sort_by_key(|head| head.municipality_id.0);
        Ok(heads)
    }

    /// The hash of one entry of a municipality's chain, if the entry is there.
    pub async fn access_log_entry_hash(
        &self,
        municipality_id: MunicipalityId,
        sequence: i64,
    ) -> Result<Option<String>> {
        Ok(access_log::Entity::find()
            .select_only()
            .column(access_log::Column::Hash)
            .filter(access_log::Column::MunicipalityId.eq(municipality_id.0))
            .filter(access_log::Column::Sequence.eq(sequence))
            .into_tuple()
            .one(self.connection())
            .await?)
    }

    /// Walks every municipality's chain from its first entry and recomputes each hash. Stops at
    /// the first link that does not hold.
    pub async fn verify_access_log(&self) -> Result<Verification> {
        const PAGE: u64 = 5000;
        let heads: BTreeMap<uuid::Uuid, (i64, String)> = access_log_chain::Entity::find()
            .all(self.connection())
            .await?
            .into_iter()
            .map(|head| (head.municipality_id, (head.last_sequence, head.last_hash)))
            .collect();
        let logged: Vec<uuid::Uuid> = access_log::Entity::find()
            .select_only()
            .column(access_log::Column::MunicipalityId)
            .distinct()
            .into_tuple()
            .all(self.connection())
            .await?;
        let municipalities: BTreeSet<uuid::Uuid> = heads.keys().copied().chain(logged).collect();
        let mut chains = Vec::new();
        for municipality_id in municipalities {
            let broken = |sequence, problem| {
                Some(BrokenLink {
                    municipality_id: MunicipalityId(municipality_id),
                    sequence,
                    problem,
                })
            };
            let mut expected = 1;
            let mut previous = GENESIS.to_owned();
            loop {
                let rows = access_log::Entity::find()
                    .filter(access_log::Column::MunicipalityId.eq(municipality_id))
                    .filter(access_log::Column::Sequence.gte(expected))
                    .order_by_asc(access_log::Column::Sequence)
                    .limit(PAGE)
                    .all(self.connection())
                    .await?;
                let last_page = (rows.len() as u64) < PAGE;
                for row in rows {
                    if row.sequence != expected {
                        return Ok(Verification {
                            chains,
                            broken: broken(expected, LinkProblem::Missing),
                        });
                    }
                    if chain_hash(&previous, &row) != row.hash {
                        return Ok(Verification {
                            chains,
                            broken: broken(expected, LinkProblem::Altered),
                        });
                    }
                    previous = row.hash;
                    expected += 1;
                }
                if last_page {
                    break;
                }
            }
            let walked = expected - 1;
            match heads.get(&municipality_id) {
                Some((sequence, hash)) if *sequence == walked && *hash == previous => {}
                Some((sequence, _)) if *sequence > walked => {
                    return Ok(Verification {
                        chains,
                        broken: broken(expected, LinkProblem::Missing),
                    });
                }
                _ => {
                    return Ok(Verification {
                        chains,
                        broken: broken(walked, LinkProblem::HeadMismatch),
                    });
                }
            }
            chains.push((MunicipalityId(municipality_id), walked));
        }
        Ok(Verification {
            chains,
            broken: None,
        })
    }
}
