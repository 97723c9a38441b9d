//! The per-request context every resolver reads the actor from. Its store is private: a
//! resolver reaches it only with a `Permit` the action policy gave it
//! ([`RequestContext::store`]), and case data only through `loader::CaseReads`.

use std::sync::Arc;

use async_graphql::Context;
use domain::authz::{self, Action, Permit, Principal, Standing};
use domain::identity::Actor;
use persistence::Store;

use super::loader::CaseReads;
use crate::auth::Authenticator;
use crate::error::{ApiError, ApiResult};

/// An `Idempotency-Key` as its request holds it: whose, and which.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub owner: String,
    pub key: String,
}

/// Everything one request's resolvers may use; built after the token is verified, so there is
/// no resolver that runs without an actor.
pub struct RequestContext {
    pub actor: Actor,
    /// Reached only with a [`Permit`] from the action policy ([`RequestContext::store`]); case
    /// data only through [`CaseReads`] and the request's writes.
    store: Store,
    pub authenticator: Arc<Authenticator>,
    pub page_size: usize,
    /// All municipalities, loaded at most once per request: there are few, and organisations
    /// in a list all need them.
    municipalities: tokio::sync::OnceCell<Vec<domain::Municipality>>,
    /// The snapshot case reads go through, opened on the first case read and dropped after
    /// each write so the next read sees it.
    /// Never held across an await, so resolvers that fetch it never wait on each other: a
    /// wait here would split the batch loader's batches.
    case_reads: std::sync::Mutex<Option<Arc<CaseReads>>>,
    opening_case_reads: tokio::sync::Mutex<()>,
    /// How many first steps may be open on one case.
    pub open_first_step_limit: usize,
    /// How old a change must be before an integration's pull returns it.
    pub change_settle: std::time::Duration,
    /// What this operation reads, for the access log; every snapshot and write shares it.
    pub ledger: persistence::access_log::Ledger,
    /// A live connection's context: it outlives every snapshot, so case reads go through each
    /// event's own snapshot and never through this context.
    pub live: bool,
    /// Where `startImport` hands its job; only `/graphql` requests start imports.
    pub imports: Option<Arc<crate::import::jobs::Imports>>,
}

impl RequestContext {
    /// This request holds `key`: every write it makes, through a case writer or the store,
    /// notes in its own transaction that it committed.
    pub fn hold_idempotency_key(&mut self, key: &IdempotencyKey) {
        self.store = self.store.noting_commits(&key.owner, &key.key);
    }

    pub fn new(
        actor: Actor,
        store: Store,
        authenticator: Arc<Authenticator>,
        page_size: usize,
        ledger: persistence::access_log::Ledger,
    ) -> Self {
        Self {
            ledger,
            live: false,
            imports: None,
            actor,
            store,
            authenticator,
            page_size,
            municipalities: tokio::sync::OnceCell::new(),
            case_reads: std::sync::Mutex::new(None),
            opening_case_reads: tokio::sync::Mutex::new(()),
            open_first_step_limit: domain::case::DEFAULT_OPEN_FIRST_STEP_LIMIT,
            change_settle: std::time::Duration::from_secs(
                crate::settings::DEFAULT_CHANGE_SETTLE_SECONDS,
            ),
        }
    }

    pub async fn case_reads(&self) -> ApiResult<Arc<CaseReads>> {
        if self.live {
            return Err(ApiError::forbidden(
                "a case event carries its case header and its item; read the rest with a query",
            ));
        }
        if let Some(open) = self.open_case_reads() {
            return Ok(open);
        }
        let _opening = self.opening_case_reads.lock().await;
        if let Some(open) = self.open_case_reads() {
            return Ok(open);
        }
        let opened = Arc::new(CaseReads::open(self.open_snapshot().await?, &self.actor).await?);
        *self
            .case_reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::clone(&opened));
        Ok(opened)
    }

    fn open_case_reads(&self) -> Option<Arc<CaseReads>> {
        self.case_reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Starts a write for this request's actor.
    async fn begin_write(
        &self,
    ) -> ApiResult<(persistence::cases::Writer, persistence::cases::Viewer)> {
        // A live connection serves subscriptions only; a write there could not read back what
        // it wrote, and must not commit behind a failure.
        if self.live {
            return Err(ApiError::forbidden(
                "only subscriptions are served on /graphql/ws",
            ));
        }
        // A request holds one connection at a time; waiting for a second while holding one
        // can exhaust the pool under load.
        self.drop_case_reads();
        let writer = self.store.begin_write(&self.ledger).await?;
        let viewer = writer.viewer(&self.actor).await?;
        Ok((writer, viewer))
    }

    /// Commits a write and lets the next read see it.
    async fn commit(&self, writer: persistence::cases::Writer) -> ApiResult<()> {
        writer.commit().await?;
        self.drop_case_reads();
        Ok(())
    }

    /// Runs `work` in one write for this request's actor and commits it; when `work` fails,
    /// nothing it wrote stays. The store's write functions check the policy themselves.
    pub async fn write<T>(
        &self,
        work: impl AsyncFnOnce(
            &persistence::cases::Writer,
            &persistence::cases::Viewer,
        ) -> persistence::Result<T>,
    ) -> ApiResult<T> {
        let (writer, viewer) = self.begin_write().await?;
        let result = work(&writer, &viewer).await?;
        self.commit(writer).await?;
        Ok(result)
    }

    fn drop_case_reads(&self) {
        *self
            .case_reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    pub async fn municipalities(&self) -> ApiResult<&[domain::Municipality]> {
        let all = self
            .municipalities
            .get_or_try_init(|| async {
                match self.open_case_reads() {
                    Some(reads) => reads.snapshot.municipalities().await,
                    None => self.store.municipalities().await,
                }
            })
            .await?;
        Ok(all)
    }

    /// One municipality, from [`RequestContext::municipalities`].
    pub async fn municipality(
        &self,
        id: domain::MunicipalityId,
    ) -> ApiResult<Option<domain::Municipality>> {
        Ok(self
            .municipalities()
            .await?
            .iter()
            .find(|municipality| municipality.id == id)
            .cloned())
    }

    /// An organisation by id; in the request's snapshot once case reads have opened one, so
    /// the request does not wait for a second connection while holding one.
    pub async fn organisation(
        &self,
        id: domain::OrganisationId,
    ) -> ApiResult<Option<domain::Organisation>> {
        match self.open_case_reads() {
            Some(reads) => Ok(reads.loader.load_one(id).await?),
            None => Ok(self.store.organisation(id).await?),
        }
    }

    /// Asks the action policy (`domain::authz`) whether this request's actor, standing so to
    /// the object, may do `action`.
    pub fn authorize(&self, standing: Standing, action: Action) -> ApiResult<Permit> {
        authz::authorize(Principal::of(&self.actor), standing, action).map_err(ApiError::from)
    }

    /// [`RequestContext::authorize`] for an action about nothing in particular.
    pub fn authorize_unrelated(&self, action: Action) -> ApiResult<Permit> {
        self.authorize(Standing::Unrelated, action)
    }

    /// How the actor stands to an organisation: their own, or another's.
    pub fn standing_to(&self, organisation_id: domain::OrganisationId) -> Standing {
        if self.actor.organisation_id() == Some(organisation_id) {
            Standing::OwnOrganisation
        } else {
            Standing::OtherOrganisation
        }
    }

    /// A read snapshot for [`CaseReads`]: case data leaves it only through `CaseAccess`.
    async fn open_snapshot(&self) -> ApiResult<persistence::cases::Snapshot> {
        Ok(self.store.snapshot(&self.ledger).await?)
    }

    /// The store, for what `permit` allows: no resolver reaches it without asking the policy.
    pub fn store(&self, _permit: &Permit) -> &Store {
        &self.store
    }
}

#[derive(Debug)]
struct MissingRequestContext;

impl std::fmt::Display for MissingRequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request context missing from GraphQL context")
    }
}

impl std::error::Error for MissingRequestContext {}

pub(crate) fn request<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| ApiError::internal(MissingRequestContext))
}
