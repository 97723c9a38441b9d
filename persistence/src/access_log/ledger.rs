use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use domain::CaseId;
use domain::slice::TeamRole;

use crate::entity::access_log;
use crate::{Error, Result};

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
///
/// [`AccessLog::record`]: super::AccessLog::record
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

    pub(super) fn take_reads(&self) -> Vec<PendingEntry> {
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
    pub(super) case_id: uuid::Uuid,
    pub(super) action: &'static str,
    pub(super) accessor: Accessor,
    pub(super) data: String,
    /// The case's municipality and resident, when the operation loaded its row.
    pub(super) subject: Option<Subject>,
}

impl PendingEntry {
    /// The entry as it is reported once durable; `None` before its subject is known.
    pub(super) fn recorded(&self) -> Option<Recorded> {
        self.subject.map(|(_, resident_id)| Recorded {
            case_id: CaseId(self.case_id),
            action: self.action.to_owned(),
            data_subject_id: resident_id,
        })
    }
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
    pub(super) fn from_row(row: &access_log::Model) -> Self {
        Self {
            case_id: CaseId(row.case_id),
            action: row.action.clone(),
            data_subject_id: row.data_subject_id,
        }
    }
}
