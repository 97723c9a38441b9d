use std::collections::{BTreeMap, BTreeSet};

use domain::MunicipalityId;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::chain::{GENESIS, chain_hash};
use crate::entity::{access_log, access_log_chain};
use crate::{Result, Store};

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
