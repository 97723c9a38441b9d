//! The access log's accountability beyond the database: `maatwerk audit verify`, and signed
//! checkpoints of each chain's head.
//!
//! The hash chain shows an entry altered or taken out of the middle. Someone who can write the
//! database can still cut the newest entries off and move a chain's head back, and the chain
//! holds. A checkpoint remembers, outside the database, how far each chain had grown: each
//! head's position and hash, signed with an Ed25519 key the server holds, appended as one line
//! of JSON to `checkpoints.jsonl` in a directory the database's users cannot rewrite. Verified
//! against the checkpoints, a chain that is shorter than a checkpoint saw, or whose
//! checkpointed entry is another, is named with the positions that are gone.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{SecondsFormat, Utc};
use domain::MunicipalityId;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use persistence::Store;
use persistence::access_log::ChainHead;
use serde::{Deserialize, Serialize};

use crate::settings::AuditSettings;

const FILE_NAME: &str = "checkpoints.jsonl";

/// Why checkpoints cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint key {0}: {1}")]
    Key(PathBuf, std::io::Error),
    #[error("the checkpoint key {0} is not a base64url Ed25519 key of 32 bytes")]
    KeyFormat(PathBuf),
    #[error("the checkpoint file {0}: {1}")]
    File(PathBuf, std::io::Error),
    #[error(transparent)]
    Database(#[from] persistence::Error),
}

/// The server's checkpoint key and the file it appends to.
pub struct Checkpoints {
    key: SigningKey,
    file: PathBuf,
}

/// What is signed: when, by which key, and how far each chain had grown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Body {
    signed_at: String,
    key: String,
    chains: Vec<Head>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Head {
    municipality_id: uuid::Uuid,
    sequence: i64,
    hash: String,
}

/// One line of the file: the body and its signature over the body's JSON.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    #[serde(flatten)]
    body: Body,
    signature: String,
}

impl Checkpoints {
    /// The key and directory of the settings; the key is made on first use, readable by the
    /// server's user only.
    pub fn open(settings: &AuditSettings) -> Result<Self, CheckpointError> {
        let path = &settings.checkpoint_key_file;
        let key = match std::fs::read_to_string(path) {
            Ok(text) => parse_key(path, &text)?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => create_key(path)?,
            Err(error) => return Err(CheckpointError::Key(path.clone(), error)),
        };
        Ok(Self {
            key,
            file: settings.checkpoint_directory.join(FILE_NAME),
        })
    }

    /// The key of the settings, which must exist, for checking checkpoints in `file_or_directory`.
    pub fn for_verifying(
        settings: &AuditSettings,
        file_or_directory: &Path,
    ) -> Result<Self, CheckpointError> {
        let path = &settings.checkpoint_key_file;
        let text = std::fs::read_to_string(path)
            .map_err(|error| CheckpointError::Key(path.clone(), error))?;
        let file = if file_or_directory.is_dir() {
            file_or_directory.join(FILE_NAME)
        } else {
            file_or_directory.to_owned()
        };
        Ok(Self {
            key: parse_key(path, &text)?,
            file,
        })
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The public key, as it appears in every checkpoint this server signs.
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.verifying_key().as_bytes())
    }

    /// Signs the heads of every chain as they are now and appends them, synced to disk.
    pub async fn write(&self, store: &Store) -> Result<Vec<ChainHead>, CheckpointError> {
        let heads = store.access_log_heads().await?;
        self.append(&heads)?;
        Ok(heads)
    }

    fn append(&self, heads: &[ChainHead]) -> Result<(), CheckpointError> {
        let body = Body {
            signed_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            key: self.public_key(),
            chains: heads
                .iter()
                .map(|head| Head {
                    municipality_id: head.municipality_id.0,
                    sequence: head.sequence,
                    hash: head.hash.clone(),
                })
                .collect(),
        };
        let signature = self.key.sign(&signed_bytes(&body));
        let line = Line {
            body,
            signature: URL_SAFE_NO_PAD.encode(signature.to_bytes()),
        };
        let failed = |error| CheckpointError::File(self.file.clone(), error);
        if let Some(directory) = self.file.parent() {
            std::fs::create_dir_all(directory).map_err(failed)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
            .map_err(failed)?;
        let mut text = serde_json::to_string(&line).expect("a checkpoint serializes");
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(failed)?;
        file.sync_data().map_err(failed)
    }

    /// Writes a checkpoint every `interval` while the heads move; a failure is logged and the
    /// next tick tries again.
    pub async fn run_periodically(self, store: Store, interval: std::time::Duration) {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last: Option<Vec<ChainHead>> = None;
        loop {
            ticks.tick().await;
            let heads = match store.access_log_heads().await {
                Ok(heads) => heads,
                Err(error) => {
                    tracing::warn!(error = %error, "cannot read the access log's heads for a checkpoint");
                    continue;
                }
            };
            if last.as_ref() == Some(&heads) {
                continue;
            }
            match self.append(&heads) {
                Ok(()) => last = Some(heads),
                Err(error) => {
                    tracing::warn!(error = %error, "cannot write an access log checkpoint");
                }
            }
        }
    }

    /// Checks the database's chains against the latest checkpoint of each: a problem per line
    /// that is not signed by this key, and per chain that is shorter or other than it was.
    async fn check(&self, store: &Store) -> Result<Vec<CheckpointProblem>, CheckpointError> {
        let text = std::fs::read_to_string(&self.file)
            .map_err(|error| CheckpointError::File(self.file.clone(), error))?;
        let verifying_key = self.key.verifying_key();
        let mut problems = Vec::new();
        let mut latest: BTreeMap<uuid::Uuid, (Head, String)> = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            let Some(body) = verified(line, &verifying_key) else {
                problems.push(CheckpointProblem::Unsigned { line: index + 1 });
                continue;
            };
            for head in body.chains {
                let newer = latest
                    .get(&head.municipality_id)
                    .is_none_or(|(known, _)| head.sequence >= known.sequence);
                if newer {
                    latest.insert(head.municipality_id, (head, body.signed_at.clone()));
                }
            }
        }
        let now: BTreeMap<uuid::Uuid, i64> = store
            .access_log_heads()
            .await?
            .into_iter()
            .map(|head| (head.municipality_id.0, head.sequence))
            .collect();
        for (municipality_id, (head, signed_at)) in latest {
            let municipality_id = MunicipalityId(municipality_id);
            let found = now.get(&municipality_id.0).copied().unwrap_or(0);
            let entry = store
                .access_log_entry_hash(municipality_id, head.sequence)
                .await?;
            if found < head.sequence || entry.is_none() {
                problems.push(CheckpointProblem::Truncated {
                    municipality_id,
                    checkpointed: head.sequence,
                    found: found.min(head.sequence - 1),
                    signed_at,
                });
            } else if entry.as_deref() != Some(head.hash.as_str()) {
                problems.push(CheckpointProblem::Rewritten {
                    municipality_id,
                    sequence: head.sequence,
                    signed_at,
                });
            }
        }
        Ok(problems)
    }
}

/// The bytes a checkpoint's signature covers: its body as JSON, fields in a fixed order.
fn signed_bytes(body: &Body) -> Vec<u8> {
    serde_json::to_vec(body).expect("a checkpoint serializes")
}

fn verified(line: &str, key: &VerifyingKey) -> Option<Body> {
    let line: Line = serde_json::from_str(line).ok()?;
    let bytes: [u8; 64] = URL_SAFE_NO_PAD
        .decode(&line.signature)
        .ok()?
        .try_into()
        .ok()?;
    key.verify(&signed_bytes(&line.body), &Signature::from_bytes(&bytes))
        .ok()
        .map(|()| line.body)
}

fn parse_key(path: &Path, text: &str) -> Result<SigningKey, CheckpointError> {
    let seed: [u8; 32] = URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| CheckpointError::KeyFormat(path.to_owned()))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn create_key(path: &Path) -> Result<SigningKey, CheckpointError> {
    let failed = |error| CheckpointError::Key(path.to_owned(), error);
    if let Some(directory) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(directory).map_err(failed)?;
    }
    let key = SigningKey::generate(&mut rand::rand_core::UnwrapErr(rand::rngs::SysRng));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    writeln!(file, "{}", URL_SAFE_NO_PAD.encode(key.to_bytes())).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    Ok(key)
}

/// What the checkpoints show that the chains alone do not.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CheckpointProblem {
    /// A line of the file is not a checkpoint signed with the server's key.
    Unsigned { line: usize },
    /// The chain holds fewer entries than a checkpoint saw: its newest were cut off.
    Truncated {
        municipality_id: MunicipalityId,
        checkpointed: i64,
        found: i64,
        signed_at: String,
    },
    /// The entry a checkpoint saw is another now: the chain was written again.
    Rewritten {
        municipality_id: MunicipalityId,
        sequence: i64,
        signed_at: String,
    },
}

/// What `maatwerk audit verify` prints, and whether every chain holds (and agrees with the
/// checkpoints, when given).
pub async fn report(
    store: &Store,
    checkpoints: Option<&Checkpoints>,
) -> Result<(String, bool), CheckpointError> {
    let verification = store.verify_access_log().await?;
    let municipalities = store.municipalities().await?;
    let name = |id: MunicipalityId| {
        municipalities
            .iter()
            .find(|municipality| municipality.id == id)
            .map(|municipality| format!("{} ({})", municipality.name, municipality.code.as_str()))
            .unwrap_or_else(|| id.to_string())
    };
    let mut report = String::new();
    for (municipality, entries) in &verification.chains {
        let _ = writeln!(
            report,
            "{}: {entries} entries, chain intact",
            name(*municipality)
        );
    }
    let mut intact = true;
    if let Some(broken) = &verification.broken {
        intact = false;
        let _ = writeln!(
            report,
            "{}: BROKEN at entry {}: {broken}",
            name(broken.municipality_id),
            broken.sequence
        );
    }
    if let Some(checkpoints) = checkpoints {
        let problems = checkpoints.check(store).await?;
        intact &= problems.is_empty();
        for problem in &problems {
            let _ = match problem {
                CheckpointProblem::Unsigned { line } => writeln!(
                    report,
                    "{}: line {line} is not a checkpoint signed with this server's key",
                    checkpoints.file.display()
                ),
                CheckpointProblem::Truncated {
                    municipality_id,
                    checkpointed,
                    found,
                    signed_at,
                } => writeln!(
                    report,
                    "{}: TRUNCATED: the checkpoint of {signed_at} saw {checkpointed} entries, \
                     the database holds {found}: entries {}–{checkpointed} are missing",
                    name(*municipality_id),
                    found + 1
                ),
                CheckpointProblem::Rewritten {
                    municipality_id,
                    sequence,
                    signed_at,
                } => writeln!(
                    report,
                    "{}: REWRITTEN: entry {sequence} is not the one the checkpoint of \
                     {signed_at} saw",
                    name(*municipality_id)
                ),
            };
        }
        if problems.is_empty() {
            let _ = writeln!(
                report,
                "agrees with the checkpoints in {}",
                checkpoints.file.display()
            );
        }
    }
    report.push_str(if intact {
        "access log verified\n"
    } else {
        "access log NOT verified\n"
    });
    Ok((report, intact))
}
