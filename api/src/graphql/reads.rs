//! How case fields read through the request's [`CaseReads`]: `prime`, which loads every part
//! a page of cases is asked for in one batch each, with the same keys the fields will ask for;
//! and the helpers a field loads one part with (a page of a list, an organisation, a colleague).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Lookahead, OutputType};
use persistence::cases::{
    CaseAccess, CaseItem, ItemLists, ItemListsEntry, ItemListsRead, PageRequest,
};

use super::context::{RequestContext, request};
use super::lists::{
    self, CaseList, Consents, Invitations, Items, ListArguments, ListOf, Team, Timeline, TotalCount,
};
use super::loader::{CaseLeadOf, CaseReads, OpenAgreementCountOf, ResidentOf};
use super::types::{Organisation, Professional};
use crate::error::ApiResult;

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
pub(super) async fn list_page<L: CaseList, N: OutputType>(
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
