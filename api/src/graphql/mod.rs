//! The GraphQL schema: types written for the API and converted from domain types, resolvers
//! that return [`ApiResult`], and the per-request context every resolver reads the actor from.

mod accountability;
mod aliases;
mod case_mutation;
mod case_query;
mod cases;
mod directory;
pub mod enums;
mod exceptions;
pub mod ids;
mod integration;
mod mandates;
mod mutation;
mod policy;
mod query;
pub mod subscription;
mod types;

use std::sync::Arc;

use async_graphql::{Context, SDLExportOptions, Schema};
use domain::identity::Actor;
use persistence::Store;

use crate::auth::Authenticator;
use crate::error::{ApiError, ApiResult};
use crate::settings::Limits;
/// Every root query field.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    query::FoundationQuery,
    case_query::CaseQuery,
    accountability::AccountabilityQuery,
    integration::IntegrationQuery,
    mandates::MandateQuery,
    policy::PolicyQuery,
    directory::DirectoryQuery,
);

/// Every mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    mutation::FoundationMutation,
    case_mutation::CaseMutation,
    mandates::MandateMutation,
    exceptions::ExceptionMutation,
    policy::PolicyMutation,
    directory::DirectoryMutation,
);

pub type MaatwerkSchema = Schema<Query, Mutation, subscription::Subscription>;

/// Everything one request's resolvers may use; built after the token is verified, so there is
/// no resolver that runs without an actor.
pub struct RequestContext {
    pub actor: Actor,
    pub store: Store,
    pub authenticator: Arc<Authenticator>,
    pub page_size: usize,
    /// All municipalities, loaded at most once per request: there are few, and organisations
    /// in a list all need them.
    municipalities: tokio::sync::OnceCell<Vec<domain::Municipality>>,
    /// The snapshot case reads go through, opened on the first case read and dropped after
    /// each write so the next read sees it.
    /// Never held across an await, so resolvers that fetch it never wait on each other: a
    /// wait here would split the batch loader's batches.
    case_reads: std::sync::Mutex<Option<Arc<cases::CaseReads>>>,
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
}

impl RequestContext {
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

    pub async fn case_reads(&self) -> ApiResult<Arc<cases::CaseReads>> {
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
        let opened = Arc::new(cases::CaseReads::open(self).await?);
        *self
            .case_reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::clone(&opened));
        Ok(opened)
    }

    fn open_case_reads(&self) -> Option<Arc<cases::CaseReads>> {
        self.case_reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Starts a write for this request's actor.
    pub async fn begin_write(
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
    pub async fn commit(&self, writer: persistence::cases::Writer) -> ApiResult<()> {
        writer.commit().await?;
        self.drop_case_reads();
        Ok(())
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

    pub fn require_platform_admin(&self) -> ApiResult<()> {
        match self.actor {
            Actor::PlatformAdmin(_) => Ok(()),
            _ => Err(ApiError::forbidden(
                "only the platform operator may do this",
            )),
        }
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

/// The platform operator, and an organisation's own `org_admin`s, administer its registration.
pub(crate) fn may_administer(actor: &Actor, organisation_id: domain::OrganisationId) -> bool {
    match actor {
        Actor::PlatformAdmin(_) => true,
        Actor::Professional(viewer) => {
            viewer.organisation_id == organisation_id
                && viewer.roles.contains(&domain::OrganisationRole::OrgAdmin)
        }
        Actor::Resident(_) | Actor::Service(_) => false,
    }
}

/// Identity providers are seen by those who administer the organisation they speak for, and
/// resident and platform providers by the platform operator only.
pub(crate) fn may_see_identity_provider(
    actor: &Actor,
    provider: &domain::identity::IdentityProvider,
) -> bool {
    match provider.organisation_id {
        Some(organisation_id) => may_administer(actor, organisation_id),
        None => matches!(actor, Actor::PlatformAdmin(_)),
    }
}

/// Resolves a nullable field to `null` with `error` reported at its path, as the GraphQL
/// specification asks. Returning `Err` from an `Option` field would make async-graphql null the
/// nearest nullable parent instead, which for a root field is all of `data`.
pub(crate) fn null_with_error<T>(ctx: &Context<'_>, error: ApiError) -> Option<T> {
    let error: async_graphql::Error = error.into();
    ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
    None
}

pub fn build_schema(limits: &Limits, introspection: bool) -> MaatwerkSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::Subscription,
    )
    .limit_depth(limits.depth)
    .limit_complexity(limits.complexity)
    .limit_recursive_depth(limits.recursive_depth)
    .limit_directives(limits.directives)
    .extension(aliases::AliasLimit(limits.aliases));
    if !introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema in SDL, sorted so that `schema.graphql` diffs show real changes only.
pub fn sdl() -> String {
    let schema = build_schema(&Limits::default(), true);
    schema.sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}
