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
//!
//! The module's files, one concern each:
//! - `ledger`: what an operation reads and writes, noted as it happens ([`Ledger`], [`Delivered`]),
//!   and the entries it became ([`Recorded`]).
//! - `chain`: the hash chains: hashing each entry after the one before, appending, the heads.
//! - `group_commit`: [`AccessLog`], the task per process that appends reads in groups.
//! - `spans`: [`Recorded`] entries, copied as spans with the attribute names of the LDV standard.
//! - `verify`: [`Store::verify_access_log`], and the chain heads a checkpoint signs.
//!
//! [`Store::verify_access_log`]: crate::Store::verify_access_log

mod chain;
mod group_commit;
mod ledger;
mod spans;
mod verify;

pub use chain::GENESIS;
pub(crate) use chain::append;
pub use group_commit::{AccessLog, Submitted};
pub(crate) use ledger::{Accessor, Changes};
pub use ledger::{Delivered, Ledger, OperationContext, Recorded, new_hex_id};
pub use spans::{DATA_SUBJECT_ID_TYPE, PROCESSING_TARGET, emit_processing_spans};
pub use verify::{BrokenLink, ChainHead, LinkProblem, Verification};
