//! The request's case snapshot and the batch loader over it: `CaseReads`, `CaseLoader` with its
//! loads by id, and the batch keys of a case's single parts. Nothing here filters: what a viewer
//! may see was decided by `persistence::cases` before a value reaches a resolver.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use domain::identity::Actor;
use persistence::cases::{CaseAccess, Snapshot, Viewer};

use crate::error::{ApiError, ApiResult};

/// One request's view of the cases: a database snapshot, the viewer as of that snapshot and
/// the batch loader over it. Built on first use and dropped after each mutation, so reads
/// after a write see it.
pub struct CaseReads {
    pub snapshot: Arc<Snapshot>,
    pub viewer: Viewer,
    pub loader: DataLoader<CaseLoader, HashMapCache>,
}

impl CaseReads {
    pub async fn open(snapshot: Snapshot, actor: &Actor) -> ApiResult<Self> {
        let snapshot = Arc::new(snapshot);
        let viewer = snapshot.viewer(actor).await?;
        // Cached per request: a value primed for a whole page is served to each case's field.
        // No delay before a batch: `prime` batches a page's parts itself, and a field that
        // waits for more keys to arrive only adds latency to every nested level.
        let loader = DataLoader::with_cache(
            CaseLoader {
                snapshot: Arc::clone(&snapshot),
            },
            tokio::spawn,
            HashMapCache::default(),
        )
        .delay(std::time::Duration::ZERO);
        Ok(Self {
            snapshot,
            viewer,
            loader,
        })
    }
}

/// Loads case parts for many cases at once: one statement per part per request level.
pub struct CaseLoader {
    snapshot: Arc<Snapshot>,
}

impl CaseLoader {
    pub(super) fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }
}

impl Loader<domain::OrganisationId> for CaseLoader {
    type Value = domain::Organisation;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[domain::OrganisationId],
    ) -> Result<HashMap<domain::OrganisationId, domain::Organisation>, ApiError> {
        Ok(self
            .snapshot
            .organisations_by_id(keys)
            .await?
            .into_iter()
            .map(|organisation| (organisation.id, organisation))
            .collect())
    }
}

impl Loader<domain::ProfessionalId> for CaseLoader {
    type Value = domain::Professional;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[domain::ProfessionalId],
    ) -> Result<HashMap<domain::ProfessionalId, domain::Professional>, ApiError> {
        Ok(self
            .snapshot
            .professionals_by_id(keys)
            .await?
            .into_iter()
            .map(|professional| (professional.id, professional))
            .collect())
    }
}

macro_rules! batch_key {
    ($($(#[$meta:meta])* $key:ident => $value:ty, |$snapshot:ident, $accesses:ident| $load:expr;)*) => {$(
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $key(pub CaseAccess);

        impl Loader<$key> for CaseLoader {
            type Value = $value;
            type Error = ApiError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, ApiError> {
                let $snapshot = &self.snapshot;
                let $accesses: Vec<CaseAccess> = keys.iter().map(|key| key.0.clone()).collect();
                let mut loaded = $load.await?;
                Ok(keys
                    .iter()
                    .map(|key| (key.clone(), loaded.remove(&key.0.case_id()).unwrap_or_default()))
                    .collect())
            }
        }
    )*};
}

batch_key! {
    CaseLeadOf => Option<domain::case::TeamMember>, |snapshot, accesses| async {
        snapshot.case_leads(&accesses).await.map(|leads| {
            leads.into_iter().map(|(case_id, lead)| (case_id, Some(lead))).collect::<HashMap<_, _>>()
        })
    };
    OpenAgreementCountOf => u64, |snapshot, accesses| snapshot.open_agreement_counts(&accesses);
    ResidentOf => Option<domain::resident::Resident>, |snapshot, accesses| async {
        snapshot.case_residents(&accesses).await.map(|residents| {
            residents.into_iter().map(|(case_id, resident)| (case_id, Some(resident))).collect::<HashMap<_, _>>()
        })
    };
}
