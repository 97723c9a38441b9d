//! The shared case in GraphQL: output types, and the per-request snapshot and batch loader
//! every case field reads through. Nothing here filters: what a viewer may see was decided by
//! `persistence::cases` before a value reaches a resolver.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Lookahead;
use async_graphql::connection::Connection;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, ID, Object, OutputType, SimpleObject};
use persistence::cases::{
    CaseAccess, CaseItem, ItemLists, ItemListsEntry, ItemListsRead, PageRequest, Snapshot, Viewer,
};

use super::enums::{
    AgreementStatus, AmountPeriod, AssigneeKind, CaseStatus, CaseStep, ConsentMethod,
    FirstStepStatus, InvitationStatus, LifeDomain, Need, ProblemKind, SharingLevel, TeamRole,
};
use super::ids::{self, NodeType};
use super::lists::{
    self, CaseList, Consents, History, Invitations, Items, ListArguments, ListOf, Team, Timeline,
    TotalCount,
};
use super::types::{
    Contact, Date, DateTime as Timestamp, Municipality, Organisation, Professional,
};
use super::{RequestContext, request};
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
    pub async fn open(request: &RequestContext) -> ApiResult<Self> {
        let snapshot = Arc::new(request.open_snapshot().await?);
        let viewer = snapshot.viewer(&request.actor).await?;
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

/// A professional as a colleague on a case sees them: contact details stay within their
/// organisation.
pub(crate) async fn colleague(
    ctx: &Context<'_>,
    id: domain::ProfessionalId,
) -> ApiResult<Option<Professional>> {
    Ok(reads(ctx)
        .await?
        .loader
        .load_one(id)
        .await?
        .map(|mut professional| {
            professional.email = None;
            Professional(professional)
        }))
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

/// Loads, for a whole page of cases at once, every part the query asks of them. The batch
/// loader alone would batch by timing, and a slow poll over a long list splits its batches;
/// priming makes the statement count depend on the query's shape only. Every list of case
/// items the query asks for is read in one statement.
pub(crate) async fn prime(
    request: &RequestContext,
    reads: &CaseReads,
    accesses: &[CaseAccess],
    node: Lookahead<'_>,
) -> ApiResult<()> {
    let node = &node;
    let mut lists = ItemLists::default();
    let facts =
        AskedItems::<domain::case::Fact>::selections(request, accesses, node, "facts", &mut lists);
    let problems = AskedItems::<domain::case::Problem>::selections(
        request, accesses, node, "problems", &mut lists,
    );
    let agreements = AskedItems::<domain::case::Agreement>::selections(
        request,
        accesses,
        node,
        "agreements",
        &mut lists,
    );
    let mut perspectives = AskedItems::<domain::case::Perspective>::selections(
        request,
        accesses,
        node,
        "perspectives",
        &mut lists,
    );
    if node.field("perspective").exists() {
        perspectives.add(accesses, (), PageRequest::latest(), &mut lists);
    }
    let first_steps = AskedItems::<domain::case::FirstStep>::selections(
        request,
        accesses,
        node,
        "firstSteps",
        &mut lists,
    );
    let evaluations = AskedItems::<domain::case::Evaluation>::selections(
        request,
        accesses,
        node,
        "evaluations",
        &mut lists,
    );
    let decisions = AskedItems::<domain::mandate::Decision>::selections(
        request,
        accesses,
        node,
        "decisions",
        &mut lists,
    );
    let rule_exceptions = AskedItems::<domain::exception::RuleException>::selections(
        request,
        accesses,
        node,
        "ruleExceptions",
        &mut lists,
    );
    let (team, (facts, problems, agreements), ..) = futures::try_join!(
        prime_team(request, reads, accesses, node),
        async {
            let mut read = reads.snapshot.read_item_lists(lists).await?;
            let facts = facts.feed(reads, &mut read, accesses).await?;
            let problems = problems.feed(reads, &mut read, accesses).await?;
            let agreements = agreements.feed(reads, &mut read, accesses).await?;
            perspectives.feed(reads, &mut read, accesses).await?;
            first_steps.feed(reads, &mut read, accesses).await?;
            evaluations.feed(reads, &mut read, accesses).await?;
            decisions.feed(reads, &mut read, accesses).await?;
            rule_exceptions.feed(reads, &mut read, accesses).await?;
            ApiResult::Ok((facts, problems, agreements))
        },
        prime_list::<Invitations>(request, reads, accesses, node, "invitations"),
        prime_list::<Timeline>(request, reads, accesses, node, "timeline"),
        prime_list::<Consents>(request, reads, accesses, node, "consents"),
        async {
            if node.field("openAgreementCount").exists() {
                reads
                    .loader
                    .load_many(accesses.iter().cloned().map(OpenAgreementCountOf))
                    .await?;
            }
            Ok(())
        },
        async {
            if node.field("resident").exists() {
                reads
                    .loader
                    .load_many(accesses.iter().cloned().map(ResidentOf))
                    .await?;
            }
            Ok(())
        },
        async {
            if node.field("contactPerson").exists() {
                reads
                    .loader
                    .load_many(accesses.iter().cloned().map(CaseLeadOf))
                    .await?;
            }
            Ok(())
        },
    )?;
    // The organisations and colleagues those parts name, one statement each.
    let mut organisations = Vec::new();
    let mut professionals = Vec::new();
    if list_node(node, "team").field("organisation").exists() {
        organisations.extend(team.iter().map(|member| member.organisation_id));
    }
    if list_node(node, "team").field("professional").exists() {
        professionals.extend(team.iter().filter_map(|member| member.professional_id));
    }
    if list_node(node, "facts").field("organisation").exists() {
        organisations.extend(facts.iter().map(|fact| fact.organisation_id));
    }
    if list_node(node, "problems").field("organisation").exists() {
        organisations.extend(problems.iter().map(|problem| problem.organisation_id));
    }
    if list_node(node, "agreements").field("organisation").exists() {
        organisations.extend(agreements.iter().map(|agreement| agreement.organisation_id));
    }
    futures::try_join!(
        async {
            if organisations.is_empty() {
                Ok(HashMap::new())
            } else {
                reads.loader.load_many(organisations).await
            }
        },
        async {
            if professionals.is_empty() {
                Ok(HashMap::new())
            } else {
                reads.loader.load_many(professionals).await
            }
        },
    )?;
    Ok(())
}

/// The pages of one kind of case item that a query's selections ask for, added to one
/// [`ItemLists`] statement and fed to the batch loader once read, under the keys the fields
/// will ask for.
struct AskedItems<T: CaseItem> {
    asked: Vec<(ItemListsEntry<T>, T::Filter, PageRequest)>,
}

impl<T: CaseItem> AskedItems<T>
where
    T::Filter: ListArguments,
{
    /// The page each selection of `field` asks for, for every case.
    fn selections(
        request: &RequestContext,
        accesses: &[CaseAccess],
        node: &Lookahead<'_>,
        field: &str,
        lists: &mut ItemLists,
    ) -> Self {
        let mut asked = Self { asked: Vec::new() };
        for key in asked_keys::<Items<T>>(request, accesses, node, field) {
            asked.add(accesses, key.filter, key.page, lists);
        }
        asked
    }

    fn add(
        &mut self,
        accesses: &[CaseAccess],
        filter: T::Filter,
        page: PageRequest,
        lists: &mut ItemLists,
    ) {
        let already = self
            .asked
            .iter()
            .any(|(_, asked_filter, asked_page)| *asked_filter == filter && *asked_page == page);
        if !already && !accesses.is_empty() {
            let entry = lists.add::<T>(accesses, filter, page);
            self.asked.push((entry, filter, page));
        }
    }

    /// Takes the pages from what was read, hands them to the loader and returns their items.
    async fn feed(
        self,
        reads: &CaseReads,
        read: &mut ItemListsRead,
        accesses: &[CaseAccess],
    ) -> ApiResult<Vec<T>> {
        let mut items = Vec::new();
        for (entry, filter, page) in self.asked {
            let mut pages = read.take(&reads.snapshot, entry)?;
            let keyed: Vec<_> = accesses
                .iter()
                .map(|access| {
                    let list = pages.remove(&access.case_id()).unwrap_or_default();
                    items.extend(list.items.iter().cloned());
                    (ListOf::<Items<T>>::new(access.clone(), filter, page), list)
                })
                .collect();
            reads.loader.feed_many(keyed).await;
        }
        Ok(items)
    }
}

/// The key each selection of `field` asks for, as the first of `accesses` would ask it: filter
/// and page come from the arguments alone, the same for every case.
fn asked_keys<L: CaseList>(
    request: &RequestContext,
    accesses: &[CaseAccess],
    node: &Lookahead<'_>,
    field: &str,
) -> Vec<ListOf<L>> {
    let Some(first) = accesses.first() else {
        return Vec::new();
    };
    node.field(field)
        .selection_fields()
        .into_iter()
        .filter_map(|selection| {
            let arguments = selection.arguments().ok()?;
            ListOf::<L>::looked_ahead(request, first, &arguments)
        })
        .collect()
}

/// The nodes of a connection field, whether the query reads them through `edges` or `nodes`.
fn list_node<'a>(node: &Lookahead<'a>, field: &str) -> Lookahead<'a> {
    connection_nodes(node.field(field))
}

/// The nodes of a connection, whether the query reads them through `edges` or `nodes`.
pub(crate) fn connection_nodes(connection: Lookahead<'_>) -> Lookahead<'_> {
    let edges = connection.field("edges").field("node");
    if edges.exists() {
        edges
    } else {
        connection.field("nodes")
    }
}

/// The team pages the query asks for, as [`prime_list`] loads them; when it asks for the
/// members' organisations too, those are read in the same statement and handed to the loader.
async fn prime_team(
    request: &RequestContext,
    reads: &CaseReads,
    accesses: &[CaseAccess],
    node: &Lookahead<'_>,
) -> ApiResult<Vec<domain::case::TeamMember>> {
    if !list_node(node, "team").field("organisation").exists() {
        return prime_list::<Team>(request, reads, accesses, node, "team").await;
    }
    let mut pages = Vec::new();
    for key in asked_keys::<Team>(request, accesses, node, "team") {
        if !pages.contains(&key.page) {
            pages.push(key.page);
        }
    }
    let mut members = Vec::new();
    for page in pages {
        let (mut read, organisations) = reads
            .snapshot
            .team_members_with_organisations(accesses, page)
            .await?;
        let keyed: Vec<_> = accesses
            .iter()
            .map(|access| {
                let list = read.remove(&access.case_id()).unwrap_or_default();
                members.extend(list.items.iter().cloned());
                (ListOf::<Team>::new(access.clone(), (), page), list)
            })
            .collect();
        reads.loader.feed_many(keyed).await;
        reads
            .loader
            .feed_many(
                organisations
                    .into_iter()
                    .map(|organisation| (organisation.id, organisation)),
            )
            .await;
    }
    Ok(members)
}

/// Loads the page of list `L` that each selection of `field` will ask for, for every case at
/// once, and returns the items loaded.
async fn prime_list<L: CaseList>(
    request: &RequestContext,
    reads: &CaseReads,
    accesses: &[CaseAccess],
    node: &Lookahead<'_>,
    field: &str,
) -> ApiResult<Vec<L::Item>> {
    let mut keys = Vec::new();
    for selection in node.field(field).selection_fields() {
        let Ok(arguments) = selection.arguments() else {
            continue;
        };
        keys.extend(
            accesses
                .iter()
                .filter_map(|access| ListOf::<L>::looked_ahead(request, access, &arguments)),
        );
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    Ok(reads
        .loader
        .load_many(keys)
        .await?
        .into_values()
        .flat_map(|page| page.items)
        .collect())
}

/// The request's case reads, opening the snapshot on first use.
pub(crate) async fn reads<'a>(ctx: &Context<'a>) -> ApiResult<Arc<CaseReads>> {
    request(ctx)?.case_reads().await
}

/// One page of list `L` of the case of `access`, as the field's arguments ask.
async fn list_page<L: CaseList, N: OutputType>(
    ctx: &Context<'_>,
    access: &CaseAccess,
    filter: L::Filter,
    first: Option<i32>,
    after: Option<String>,
    node: impl Fn(L::Item) -> N,
) -> ApiResult<Connection<String, N, TotalCount>> {
    let key = ListOf::<L>::asked(
        request(ctx)?,
        access.clone(),
        filter,
        first,
        after.as_deref(),
    )?;
    let page = reads(ctx)
        .await?
        .loader
        .load_one(key.clone())
        .await?
        .unwrap_or_default();
    Ok(lists::connection(&key, page, node))
}

pub(crate) async fn organisation(
    ctx: &Context<'_>,
    id: domain::OrganisationId,
) -> ApiResult<Option<Organisation>> {
    Ok(reads(ctx)
        .await?
        .loader
        .load_one(id)
        .await?
        .map(Organisation))
}

/// A shared case around one resident, as the viewer may see it.
pub struct Case {
    pub access: CaseAccess,
    pub case: domain::case::Case,
}

#[Object]
impl Case {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Case, self.case.id.0)
    }

    /// Unique per municipality, such as `AMS-2026-000123`.
    async fn reference(&self) -> &str {
        self.case.reference.as_str()
    }

    async fn status(&self) -> CaseStatus {
        self.case.status.into()
    }

    async fn step(&self) -> CaseStep {
        self.case.step.into()
    }

    /// Why the case was last closed or reopened. Not shown to process facilitators.
    async fn status_reason(&self) -> Option<&str> {
        self.case.status_reason.as_deref()
    }

    async fn opened_at(&self) -> Timestamp {
        Timestamp(self.case.opened_at)
    }

    async fn closed_at(&self) -> Option<Timestamp> {
        self.case.closed_at.map(Timestamp)
    }

    async fn last_activity_at(&self) -> Timestamp {
        Timestamp(self.case.last_activity_at)
    }

    /// Name it when changing the case's step or status.
    async fn version(&self) -> i32 {
        self.case.version
    }

    async fn municipality(&self, ctx: &Context<'_>) -> ApiResult<Option<Municipality>> {
        Ok(request(ctx)?
            .municipality(self.case.municipality_id)
            .await?
            .map(Municipality))
    }

    /// The viewer's role on the team; `null` for the resident.
    async fn my_role(&self) -> Option<TeamRole> {
        self.access.team_role().map(Into::into)
    }

    /// Who the case is about. `null` for a process facilitator; the BSN only for the
    /// resident and for organisations whose kind policy includes it.
    async fn resident(&self, ctx: &Context<'_>) -> ApiResult<Option<CaseResident>> {
        let reads = reads(ctx).await?;
        Ok(reads
            .loader
            .load_one(ResidentOf(self.access.clone()))
            .await?
            .flatten()
            .map(CaseResident))
    }

    /// The active team, longest-standing first.
    async fn team(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, TeamMember, TotalCount>> {
        list_page::<Team, _>(ctx, &self.access, (), first, after, TeamMember).await
    }

    /// The resident's one contact person: the case lead, with their work contact details.
    async fn contact_person(&self, ctx: &Context<'_>) -> ApiResult<Option<ContactPerson>> {
        let reads = reads(ctx).await?;
        let Some(lead) = reads
            .loader
            .load_one(CaseLeadOf(self.access.clone()))
            .await?
            .flatten()
        else {
            return Ok(None);
        };
        let Some(professional_id) = lead.professional_id else {
            return Ok(None);
        };
        Ok(reads
            .loader
            .load_one(professional_id)
            .await?
            .map(|professional| ContactPerson {
                professional,
                organisation_id: lead.organisation_id,
                since: lead.joined_at,
            }))
    }

    /// Invitations to join the team, for the team, oldest first.
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Invitation, TotalCount>> {
        list_page::<Invitations, _>(ctx, &self.access, (), first, after, Invitation).await
    }

    /// The resident's consents, oldest first; with `history`, revoked ones too.
    async fn consents(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] history: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Consent, TotalCount>> {
        list_page::<Consents, _>(ctx, &self.access, History(history), first, after, Consent).await
    }

    /// The current perspective: the latest version.
    async fn perspective(&self, ctx: &Context<'_>) -> ApiResult<Option<Perspective>> {
        let reads = reads(ctx).await?;
        Ok(reads
            .loader
            .load_one(ListOf::<Items<domain::case::Perspective>>::new(
                self.access.clone(),
                (),
                PageRequest::latest(),
            ))
            .await?
            .and_then(|mut page| page.items.pop())
            .map(Perspective))
    }

    /// Every version of the perspective, oldest first.
    async fn perspectives(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Perspective, TotalCount>> {
        list_page::<Items<domain::case::Perspective>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            Perspective,
        )
        .await
    }

    /// The facts of the situation sketch the viewer may see, oldest first.
    async fn facts(
        &self,
        ctx: &Context<'_>,
        life_domain: Option<LifeDomain>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Fact, TotalCount>> {
        list_page::<Items<domain::case::Fact>, _>(
            ctx,
            &self.access,
            life_domain.map(Into::into),
            first,
            after,
            Fact,
        )
        .await
    }

    /// The problems the viewer may see, oldest first.
    async fn problems(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Problem, TotalCount>> {
        list_page::<Items<domain::case::Problem>, _>(ctx, &self.access, (), first, after, Problem)
            .await
    }

    /// The first steps, oldest first.
    async fn first_steps(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, FirstStep, TotalCount>> {
        list_page::<Items<domain::case::FirstStep>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            FirstStep,
        )
        .await
    }

    /// Who does what, oldest first.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        status: Option<AgreementStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Agreement, TotalCount>> {
        list_page::<Items<domain::case::Agreement>, _>(
            ctx,
            &self.access,
            status.map(Into::into),
            first,
            after,
            Agreement,
        )
        .await
    }

    /// How many agreements are open or in progress.
    async fn open_agreement_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let reads = reads(ctx).await?;
        let count = reads
            .loader
            .load_one(OpenAgreementCountOf(self.access.clone()))
            .await?
            .unwrap_or_default();
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }

    /// The evaluations, oldest first.
    async fn evaluations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Evaluation, TotalCount>> {
        list_page::<Items<domain::case::Evaluation>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            Evaluation,
        )
        .await
    }

    /// Decisions taken with the mandate at the table, and escalations beyond it, oldest
    /// first.
    async fn decisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, super::mandates::Decision, TotalCount>> {
        list_page::<Items<domain::mandate::Decision>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            super::mandates::Decision,
        )
        .await
    }

    /// Exceptions to rules the team has drafted for its first steps, oldest first.
    async fn rule_exceptions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, super::exceptions::RuleException, TotalCount>> {
        list_page::<Items<domain::exception::RuleException>, _>(
            ctx,
            &self.access,
            (),
            first,
            after,
            super::exceptions::RuleException,
        )
        .await
    }

    /// What happened on the case, newest first; each event only if the viewer sees the item
    /// it refers to.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, TimelineEvent, TotalCount>> {
        list_page::<Timeline, _>(ctx, &self.access, (), first, after, TimelineEvent).await
    }
}

/// The resident as their case team sees them.
pub struct CaseResident(pub domain::resident::Resident);

#[Object]
impl CaseResident {
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn date_of_birth(&self) -> Date {
        Date(self.0.date_of_birth)
    }

    async fn contact(&self) -> Contact {
        Contact::from(&self.0.contact)
    }

    /// Only for organisations whose kind policy includes it, and the resident.
    async fn bsn(&self) -> Option<&str> {
        self.0.bsn.as_ref().map(|bsn| bsn.expose())
    }
}

pub struct TeamMember(pub domain::case::TeamMember);

/// The professional the resident turns to: the case lead, with work contact details.
pub struct ContactPerson {
    professional: domain::Professional,
    organisation_id: domain::OrganisationId,
    since: chrono::DateTime<chrono::Utc>,
}

#[Object]
impl ContactPerson {
    async fn name(&self) -> &str {
        &self.professional.name
    }

    /// Their work email address, when their organisation's identity provider gives one.
    async fn email(&self) -> Option<&str> {
        self.professional.email.as_deref()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.organisation_id).await
    }

    /// Since when they lead the case.
    async fn since(&self) -> Timestamp {
        Timestamp(self.since)
    }
}

#[Object]
impl TeamMember {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::TeamMember, self.0.id.0)
    }

    async fn role(&self) -> TeamRole {
        self.0.role.into()
    }

    async fn joined_at(&self) -> Timestamp {
        Timestamp(self.0.joined_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }

    /// The professional, by name: the team and the resident know who they work with.
    async fn professional(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        match self.0.professional_id {
            Some(id) => colleague(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// An invitation to join a case team. The invitee sees the reference, the inviting
/// organisation and the reason.
pub struct Invitation(pub domain::case::Invitation);

#[Object]
impl Invitation {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Invitation, self.0.id.0)
    }

    async fn case_reference(&self) -> &str {
        self.0.case_reference.as_str()
    }

    /// Why the partner is brought in; `null` for a process facilitator.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// An escalation to the municipality's breakthrough team.
    async fn escalation(&self) -> bool {
        self.0.escalation
    }

    /// The team role the invitee joins in, chosen by the team that invited them.
    async fn role(&self) -> TeamRole {
        self.0.team_role.into()
    }

    async fn status(&self) -> InvitationStatus {
        self.0.status.into()
    }

    async fn invited_at(&self) -> Timestamp {
        Timestamp(self.0.invited_at)
    }

    async fn decided_at(&self) -> Option<Timestamp> {
        self.0.decided_at.map(Timestamp)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }

    async fn inviting_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.invited_by_organisation_id).await
    }
}

pub struct Consent(pub domain::case::Consent);

#[Object]
impl Consent {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Consent, self.0.id.0)
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }

    async fn life_domain(&self) -> LifeDomain {
        self.0.life_domain.into()
    }

    async fn method(&self) -> ConsentMethod {
        self.0.method.into()
    }

    /// Whether the resident recorded it themself.
    async fn recorded_by_resident(&self) -> bool {
        self.0.recorded_by_professional_id.is_none()
    }

    /// The professional who recorded it, verbally or in writing, under their own name; `null`
    /// when the resident gave it themself. The resident sees who recorded each consent.
    async fn recorded_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        match self.0.recorded_by_professional_id {
            Some(id) => colleague(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }

    async fn revoked_at(&self) -> Option<Timestamp> {
        self.0.revoked_at.map(Timestamp)
    }
}

/// One version of the resident's perspective.
pub struct Perspective(pub domain::case::Perspective);

#[Object]
impl Perspective {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Perspective, self.0.id.0)
    }

    /// In the resident's own words; `null` for a process facilitator.
    async fn text(&self) -> Option<&str> {
        self.0.content.as_deref()
    }

    async fn written_by_resident(&self) -> bool {
        self.0.written_by_resident
    }

    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }
}

/// An amount in euro cents.
#[derive(SimpleObject)]
pub struct Amount {
    cents: i64,
    period: Option<AmountPeriod>,
}

/// A fact of the situation sketch.
pub struct Fact(pub domain::case::Fact);

#[Object]
impl Fact {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Fact, self.0.id.0)
    }

    async fn life_domain(&self) -> LifeDomain {
        self.0.life_domain.into()
    }

    /// `null` for a process facilitator.
    async fn text(&self) -> Option<&str> {
        self.0.content.as_ref().map(|content| content.text.as_str())
    }

    async fn amount(&self) -> Option<Amount> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.amount)
            .map(|amount| Amount {
                cents: amount.cents,
                period: amount.period.map(Into::into),
            })
    }

    async fn need(&self) -> Need {
        self.0.need.into()
    }

    async fn sharing(&self) -> SharingLevel {
        self.0.sharing.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn updated_at(&self) -> Timestamp {
        Timestamp(self.0.updated_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Why the resident does not see this item (a recorded legal reason); `null` when they
    /// do. Only the team reads it.
    async fn withheld_reason(&self) -> Option<&str> {
        self.0.withheld_reason.as_deref()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }
}

/// A problem of the analysis: what is going on.
pub struct Problem(pub domain::case::Problem);

#[Object]
impl Problem {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Problem, self.0.id.0)
    }

    async fn kind(&self) -> ProblemKind {
        self.0.kind.into()
    }

    async fn life_domain(&self) -> LifeDomain {
        self.0.life_domain.into()
    }

    async fn text(&self) -> Option<&str> {
        self.0.content.as_deref()
    }

    /// Whether the resident recognises this picture.
    async fn resident_shares_picture(&self) -> bool {
        self.0.resident_shares_picture
    }

    async fn sharing(&self) -> SharingLevel {
        self.0.sharing.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Why the resident does not see this item (a recorded legal reason); `null` when they
    /// do. Only the team reads it.
    async fn withheld_reason(&self) -> Option<&str> {
        self.0.withheld_reason.as_deref()
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }
}

pub struct FirstStep(pub domain::case::FirstStep);

#[Object]
impl FirstStep {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::FirstStep, self.0.id.0)
    }

    async fn text(&self) -> Option<&str> {
        self.0.content.as_ref().map(|content| content.text.as_str())
    }

    /// Willen: does the resident want this?
    async fn motivation(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.motivation.as_deref())
    }

    /// Kunnen: can they?
    async fn capability(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.capability.as_deref())
    }

    /// Doen: does the situation let them?
    async fn opportunity(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.opportunity.as_deref())
    }

    async fn status(&self) -> FirstStepStatus {
        self.0.status.into()
    }

    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Who does what, by when.
pub struct Agreement(pub domain::case::Agreement);

#[Object]
impl Agreement {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Agreement, self.0.id.0)
    }

    /// The case it belongs to.
    async fn case_id(&self) -> ID {
        ids::encode(NodeType::Case, self.0.case_id.0)
    }

    async fn what(&self) -> Option<&str> {
        self.0.content.as_ref().map(|content| content.what.as_str())
    }

    async fn assignee_kind(&self) -> AssigneeKind {
        self.0.assignee_kind.into()
    }

    /// The team member it is assigned to.
    async fn assignee_professional(&self, ctx: &Context<'_>) -> ApiResult<Option<Professional>> {
        let Some(domain::case::Assignee::TeamMember(id)) =
            self.0.content.as_ref().map(|content| &content.assignee)
        else {
            return Ok(None);
        };
        colleague(ctx, *id).await
    }

    async fn assignee_organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.content.as_ref().map(|content| &content.assignee) {
            Some(domain::case::Assignee::Organisation(id)) => organisation(ctx, *id).await,
            _ => Ok(None),
        }
    }

    /// Who in the network, the social base or which specialist, in a few words.
    async fn assignee_name(&self) -> Option<&str> {
        use domain::case::Assignee;
        match self.0.content.as_ref().map(|content| &content.assignee) {
            Some(
                Assignee::Network(name) | Assignee::SocialBase(name) | Assignee::Specialist(name),
            ) => name.as_deref(),
            _ => None,
        }
    }

    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Date)
    }

    async fn review_on(&self) -> Option<Date> {
        self.0.review_on.map(Date)
    }

    async fn status(&self) -> AgreementStatus {
        self.0.status.into()
    }

    async fn status_changed_at(&self) -> Timestamp {
        Timestamp(self.0.status_changed_at)
    }

    /// Whether it is open and past its due date.
    async fn overdue(&self) -> bool {
        self.0.is_overdue(domain::calendar::today())
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        organisation(ctx, self.0.organisation_id).await
    }
}

pub struct Evaluation(pub domain::case::Evaluation);

#[Object]
impl Evaluation {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Evaluation, self.0.id.0)
    }

    async fn achieved(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .map(|content| content.achieved.as_str())
    }

    async fn perspective_reached(&self) -> bool {
        self.0.perspective_reached
    }

    async fn what_worked(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.what_worked.as_deref())
    }

    async fn still_needed(&self) -> Option<&str> {
        self.0
            .content
            .as_ref()
            .and_then(|content| content.still_needed.as_deref())
    }

    async fn next_evaluation_on(&self) -> Option<Date> {
        self.0.next_evaluation_on.map(Date)
    }

    async fn recorded_at(&self) -> Timestamp {
        Timestamp(self.0.recorded_at)
    }
}

/// One event on a case's timeline.
pub struct TimelineEvent(pub persistence::cases::TimelineEntry);

#[Object]
impl TimelineEvent {
    async fn at(&self) -> Timestamp {
        Timestamp(self.0.at)
    }

    /// What happened.
    async fn kind(&self) -> super::enums::CaseEventKind {
        self.0.kind.into()
    }

    /// The ID of the item it refers to, fetchable with `node(id:)`.
    async fn item_id(&self) -> Option<ID> {
        let node_type = match self.0.item_kind.as_deref()? {
            "perspective" => NodeType::Perspective,
            "fact" => NodeType::Fact,
            "problem" => NodeType::Problem,
            "first_step" => NodeType::FirstStep,
            "agreement" => NodeType::Agreement,
            "evaluation" => NodeType::Evaluation,
            "decision" => NodeType::Decision,
            "rule_exception" => NodeType::RuleException,
            "invitation" => NodeType::Invitation,
            _ => return None,
        };
        self.0.item_id.map(|id| ids::encode(node_type, id))
    }

    /// Whether the resident did it themself.
    async fn by_resident(&self) -> bool {
        self.0.by_resident
    }

    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.organisation_id {
            Some(id) => organisation(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// The viewer's overdue agreements and the evaluations that are due.
#[derive(SimpleObject)]
pub struct Worklist {
    pub overdue_agreements: Vec<Agreement>,
    pub evaluations_due: Vec<Evaluation>,
}
