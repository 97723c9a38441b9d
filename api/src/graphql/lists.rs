//! The lists under a case as Relay connections: one batch-loader key per list and page, read
//! a page at a time in SQL by `persistence::cases`, and one cursor codec for all of them.

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::Loader;
use async_graphql::{InputType, Name, Object, OutputType, Value};
use chrono::{DateTime, Utc};
use domain::CaseId;
use persistence::cases::{CaseAccess, CaseItem, ListPage, PageRequest, Position, Snapshot};

use super::context::RequestContext;
use super::cursor;
use super::loader::CaseLoader;
use crate::error::{ApiError, ApiResult};

/// A list under a case: how it is read and where its items stand in it.
pub trait CaseList: Send + Sync + 'static {
    type Item: Clone + Send + Sync + 'static;
    /// What the list's field arguments narrow it to, applied in the SQL.
    type Filter: ListArguments + Debug + Clone + Copy + PartialEq + Eq + Hash + Send + Sync;

    fn load(
        snapshot: &Snapshot,
        accesses: &[CaseAccess],
        filter: Self::Filter,
        page: PageRequest,
    ) -> impl Future<Output = persistence::Result<HashMap<CaseId, ListPage<Self::Item>>>> + Send;

    fn position(item: &Self::Item) -> Position;
}

/// The items of one kind: read through its declared rule.
pub struct Items<T>(PhantomData<fn() -> T>);

impl<T: CaseItem> CaseList for Items<T>
where
    T::Filter: ListArguments,
{
    type Item = T;
    type Filter = T::Filter;

    fn load(
        snapshot: &Snapshot,
        accesses: &[CaseAccess],
        filter: T::Filter,
        page: PageRequest,
    ) -> impl Future<Output = persistence::Result<HashMap<CaseId, ListPage<T>>>> + Send {
        snapshot.items::<T>(accesses, filter, page)
    }

    fn position(item: &T) -> Position {
        item.position()
    }
}

/// The active team.
pub struct Team;

impl CaseList for Team {
    type Item = domain::case::TeamMember;
    type Filter = ();

    async fn load(
        snapshot: &Snapshot,
        accesses: &[CaseAccess],
        _filter: (),
        page: PageRequest,
    ) -> persistence::Result<HashMap<CaseId, ListPage<Self::Item>>> {
        snapshot.team_members(accesses, page).await
    }

    fn position(member: &Self::Item) -> Position {
        Position {
            at: member.joined_at,
            id: member.id.0,
        }
    }
}

/// Invitations to join the team.
pub struct Invitations;

impl CaseList for Invitations {
    type Item = domain::case::Invitation;
    type Filter = ();

    async fn load(
        snapshot: &Snapshot,
        accesses: &[CaseAccess],
        _filter: (),
        page: PageRequest,
    ) -> persistence::Result<HashMap<CaseId, ListPage<Self::Item>>> {
        snapshot.case_invitations(accesses, page).await
    }

    fn position(invitation: &Self::Item) -> Position {
        Position {
            at: invitation.invited_at,
            id: invitation.id.0,
        }
    }
}

/// The resident's consents; the filter says whether revoked ones are included.
pub struct Consents;

impl CaseList for Consents {
    type Item = domain::case::Consent;
    type Filter = History;

    async fn load(
        snapshot: &Snapshot,
        accesses: &[CaseAccess],
        filter: History,
        page: PageRequest,
    ) -> persistence::Result<HashMap<CaseId, ListPage<Self::Item>>> {
        snapshot.consents(accesses, filter.0, page).await
    }

    fn position(consent: &Self::Item) -> Position {
        Position {
            at: consent.recorded_at,
            id: consent.id.0,
        }
    }
}

/// What happened on the case, newest first.
pub struct Timeline;

impl CaseList for Timeline {
    type Item = persistence::cases::TimelineEntry;
    type Filter = ();

    async fn load(
        snapshot: &Snapshot,
        accesses: &[CaseAccess],
        _filter: (),
        page: PageRequest,
    ) -> persistence::Result<HashMap<CaseId, ListPage<Self::Item>>> {
        snapshot.timelines(accesses, page).await
    }

    fn position(entry: &Self::Item) -> Position {
        Position {
            at: entry.at,
            id: entry.id,
        }
    }
}

/// Whether a list of consents includes revoked ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct History(pub bool);

/// A list's filter as its field's arguments give it, for priming a page of cases with the
/// same keys its fields will ask for; `None` where the arguments cannot be read here.
pub trait ListArguments: Sized {
    fn from_arguments(arguments: &[(Name, Value)]) -> Option<Self>;
}

/// An optional argument: absent or null is `Some(None)`, unreadable is `None`.
fn argument<T: InputType>(arguments: &[(Name, Value)], name: &str) -> Option<Option<T>> {
    match arguments
        .iter()
        .find(|(argument, _)| argument.as_str() == name)
    {
        None | Some((_, Value::Null)) => Some(None),
        Some((_, value)) => T::parse(Some(value.clone())).ok().map(Some),
    }
}

impl ListArguments for () {
    fn from_arguments(_arguments: &[(Name, Value)]) -> Option<Self> {
        Some(())
    }
}

impl ListArguments for Option<domain::LifeDomain> {
    fn from_arguments(arguments: &[(Name, Value)]) -> Option<Self> {
        argument::<super::enums::LifeDomain>(arguments, "lifeDomain")
            .map(|domain| domain.map(Into::into))
    }
}

impl ListArguments for Option<domain::case::AgreementStatus> {
    fn from_arguments(arguments: &[(Name, Value)]) -> Option<Self> {
        argument::<super::enums::AgreementStatus>(arguments, "status")
            .map(|status| status.map(Into::into))
    }
}

impl ListArguments for History {
    fn from_arguments(arguments: &[(Name, Value)]) -> Option<Self> {
        argument::<bool>(arguments, "history").map(|history| History(history.unwrap_or(false)))
    }
}

/// One page of one case's list: the batch loader's key.
pub struct ListOf<L: CaseList> {
    pub access: CaseAccess,
    pub filter: L::Filter,
    pub page: PageRequest,
    list: PhantomData<fn() -> L>,
}

impl<L: CaseList> ListOf<L> {
    pub fn new(access: CaseAccess, filter: L::Filter, page: PageRequest) -> Self {
        Self {
            access,
            filter,
            page,
            list: PhantomData,
        }
    }

    /// The key a field with these arguments asks for: `first` and `after` checked as the
    /// client sent them.
    pub fn asked(
        request: &RequestContext,
        access: CaseAccess,
        filter: L::Filter,
        first: Option<i32>,
        after: Option<&str>,
    ) -> ApiResult<Self> {
        let first = super::paging::page_size(first, request.page_size)?;
        let after = after.map(decode_position).transpose()?;
        Ok(Self::new(access, filter, PageRequest::first(first, after)))
    }

    /// The key of a field as a lookahead sees it, if its arguments are readable here.
    pub fn looked_ahead(
        request: &RequestContext,
        access: &CaseAccess,
        arguments: &[(Name, Value)],
    ) -> Option<Self> {
        let filter = L::Filter::from_arguments(arguments)?;
        let first = argument::<i32>(arguments, "first")?;
        let after = argument::<String>(arguments, "after")?;
        Self::asked(request, access.clone(), filter, first, after.as_deref()).ok()
    }
}

impl<L: CaseList> Clone for ListOf<L> {
    fn clone(&self) -> Self {
        Self::new(self.access.clone(), self.filter, self.page)
    }
}

impl<L: CaseList> PartialEq for ListOf<L> {
    fn eq(&self, other: &Self) -> bool {
        self.access == other.access && self.filter == other.filter && self.page == other.page
    }
}

impl<L: CaseList> Eq for ListOf<L> {}

impl<L: CaseList> Hash for ListOf<L> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.access.hash(state);
        self.filter.hash(state);
        self.page.hash(state);
    }
}

impl<L: CaseList> Loader<ListOf<L>> for CaseLoader {
    type Value = ListPage<L::Item>;
    type Error = ApiError;

    async fn load(&self, keys: &[ListOf<L>]) -> Result<HashMap<ListOf<L>, Self::Value>, ApiError> {
        // One statement per filter and page asked, for every case that asked it.
        let mut groups: Vec<(L::Filter, PageRequest, Vec<CaseAccess>)> = Vec::new();
        for key in keys {
            match groups
                .iter_mut()
                .find(|(filter, page, _)| *filter == key.filter && *page == key.page)
            {
                Some((_, _, accesses)) => accesses.push(key.access.clone()),
                None => groups.push((key.filter, key.page, vec![key.access.clone()])),
            }
        }
        let mut loaded = HashMap::new();
        for (filter, page, accesses) in groups {
            let mut pages = L::load(self.snapshot(), &accesses, filter, page).await?;
            for access in accesses {
                let list = pages.remove(&access.case_id()).unwrap_or_default();
                loaded.insert(ListOf::new(access, filter, page), list);
            }
        }
        Ok(loaded)
    }
}

/// The number of items in a connection over all pages.
pub struct TotalCount(pub u64);

#[Object]
impl TotalCount {
    /// How many items the list has over all pages.
    async fn total_count(&self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }
}

/// A page of a list as a Relay connection.
pub fn connection<L: CaseList, N: OutputType>(
    key: &ListOf<L>,
    page: ListPage<L::Item>,
    node: impl Fn(L::Item) -> N,
) -> Connection<String, N, TotalCount> {
    let mut connection = Connection::with_additional_fields(
        key.page.after.is_some(),
        page.has_next_page,
        TotalCount(page.total),
    );
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(encode_position(L::position(&item)), node(item))),
    );
    connection
}

/// The cursor of an item in a list ordered by time: its time and id.
pub fn encode_position(position: Position) -> String {
    cursor::encode(&(position.at, position.id))
}

pub fn decode_position(text: &str) -> ApiResult<Position> {
    let (at, id) = cursor::decode::<(DateTime<Utc>, uuid::Uuid)>(text)?;
    Ok(Position { at, id })
}
