use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
    Statement, Value,
};
use sha2::{Digest, Sha256};

use super::ledger::Recorded;
use super::ledger::{OperationContext, PendingEntry, Subject};
use crate::entity::{access_log, case};
use crate::{Error, Result, Store};

/// The hash before the first entry of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows per `INSERT`: 17 values each stay well under every backend's limit on parameters.
const INSERT_CHUNK: usize = 1000;

/// The hash of `entry` following `previous`: SHA-256 over a JSON array of every field, so that
/// no two different entries can serialise alike.
pub(super) fn chain_hash(previous: &str, entry: &access_log::Model) -> String {
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
pub(super) type Heads = BTreeMap<uuid::Uuid, (i64, String)>;

/// A group's entries by the municipality whose chain they extend, with each entry's resident.
type ByMunicipality<'a> =
    BTreeMap<uuid::Uuid, Vec<(&'a OperationContext, &'a PendingEntry, uuid::Uuid)>>;

/// Appends `entries` to their municipalities' chains inside `transaction`, holding the heads it
/// extends until the transaction ends.
/// Returns the entries as [`emit_processing_spans`] reports them once the transaction commits.
///
/// [`emit_processing_spans`]: super::emit_processing_spans
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

pub(super) fn by_municipality<'a>(
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
pub(super) fn chain(
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
pub(super) async fn subjects(
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
pub(super) async fn read_chains(
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
pub(super) async fn append_unless_moved(
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
}
