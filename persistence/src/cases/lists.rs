//! The lists under a case, paged in SQL, and the case items read through one generic layer.
//!
//! Every list reachable from a case is read a page at a time: the page (and whether another
//! follows, and how many rows the list has) is cut in the database, per case, by a window over
//! the case's rows, so a caseload page of fifty cases still costs one statement per list, and
//! only the rows that leave are noted for the access log.
//!
//! The eight kinds of case item (perspective, fact, problem, first step, agreement,
//! evaluation, decision, rule exception) are read only through [`CaseItem`]: a kind declares
//! its table, how it takes part in the slice, what the access log calls it and how a row
//! becomes its domain value, and [`ItemLists`] is the only reader: every list a request asks
//! for, of any kinds, in one statement ([`Snapshot::items`] and [`Snapshot::item`] read one
//! list through it). A kind that has not declared its rule cannot be read.

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use domain::{CaseId, LifeDomain};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityName, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, QueryFilter, QueryResult, QuerySelect, QueryTrait,
};

use super::{CaseAccess, Slicing, Snapshot, Viewer, group_by_predicate, visible_rows};
use crate::{Error, Result};

/// Where a page starts: after the row recorded at `at` with id `id`, in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    pub at: DateTime<Utc>,
    pub id: uuid::Uuid,
}

/// Which page of a list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PageRequest {
    /// How many rows; `None` for the whole list (the server's own reads, never a client's).
    pub first: Option<u64>,
    pub after: Option<Position>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
}

impl PageRequest {
    pub fn first(first: u64, after: Option<Position>) -> Self {
        Self {
            first: Some(first),
            after,
            newest_first: false,
        }
    }

    /// The latest row only.
    pub fn latest() -> Self {
        Self {
            first: Some(1),
            after: None,
            newest_first: true,
        }
    }

    pub fn whole() -> Self {
        Self::default()
    }
}

/// One page of a case's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    /// Rows in the whole list, over all pages.
    pub total: u64,
}

impl<T> Default for ListPage<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            has_next_page: false,
            total: 0,
        }
    }
}

impl<T> ListPage<T> {
    pub(super) fn map<U>(self, convert: impl FnMut(T) -> Result<U>) -> Result<ListPage<U>> {
        Ok(ListPage {
            items: self.items.into_iter().map(convert).collect::<Result<_>>()?,
            has_next_page: self.has_next_page,
            total: self.total,
        })
    }
}

/// The columns a case's list is cut by: its case, the time it is ordered by, and its id.
pub struct ListColumns<E: EntityTrait> {
    pub case: E::Column,
    pub at: E::Column,
    pub id: E::Column,
}

/// A kind of case item: its table, its rule in the slice and its name in the access log.
pub trait CaseItem: Sized + Clone + Send + Sync + 'static {
    type Entity: EntityTrait + Default;
    type Id: Into<uuid::Uuid> + Copy + Send;
    /// A filter in the SQL, so that the access log notes only what left.
    type Filter: Debug + Clone + Copy + Default + PartialEq + Eq + Hash + Send + Sync;
    /// The item's name in the access log and on the timeline.
    const KIND: &'static str;
    /// How the item takes part in the slice (DOMAIN.md §5.3, §5.4).
    const SLICING: Slicing;

    fn columns() -> ListColumns<Self::Entity>;

    fn condition(_filter: Self::Filter) -> Condition {
        Condition::all()
    }

    /// The life domain the access log names for a row of a sliced kind.
    fn life_domain(_row: &<Self::Entity as EntityTrait>::Model) -> Option<LifeDomain> {
        None
    }

    /// The domain value, with the content only where `access` sees content.
    fn read(row: <Self::Entity as EntityTrait>::Model, access: &CaseAccess) -> Result<Self>;

    /// Where the item stands in its list, for cursors.
    fn position(&self) -> Position;
}

/// One declared rule, as the timeline needs it.
pub(super) struct ItemRule {
    pub kind: &'static str,
    pub table: &'static str,
    pub slicing: Slicing,
}

fn rule<T: CaseItem>() -> ItemRule {
    ItemRule {
        kind: T::KIND,
        table: T::Entity::default().table_name(),
        slicing: T::SLICING,
    }
}

/// The rules of every kind of case item.
pub(super) fn item_rules() -> [ItemRule; 8] {
    use domain::case::{Agreement, Evaluation, Fact, FirstStep, Perspective, Problem};
    [
        rule::<Perspective>(),
        rule::<Fact>(),
        rule::<Problem>(),
        rule::<FirstStep>(),
        rule::<Agreement>(),
        rule::<Evaluation>(),
        rule::<domain::mandate::Decision>(),
        rule::<domain::exception::RuleException>(),
    ]
}

fn name<C: IdenStatic>(column: C) -> Alias {
    Alias::new(column.as_str())
}

/// Each case's rows of `E` matching `condition`, numbered per case in the list's order from the
/// page's cursor on, with the whole list's length: what a page is cut from.
fn numbered_rows<E: EntityTrait>(
    case_ids: Vec<uuid::Uuid>,
    condition: Condition,
    columns: &ListColumns<E>,
    page: PageRequest,
) -> SelectStatement {
    let case = columns.case.as_str();
    let order = if page.newest_first { "DESC" } else { "ASC" };
    // The whole list's rows with its length; then the rows after the cursor, numbered in
    // the list's order.
    let mut listed = E::find()
        .filter(columns.case.is_in(case_ids))
        .filter(condition)
        .into_query();
    listed.expr_as(
        Expr::cust(format!("COUNT(*) OVER (PARTITION BY {case})")),
        Alias::new("list_total"),
    );
    let mut numbered = Query::select();
    numbered
        .column(Asterisk)
        .expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY {case} ORDER BY {at} {order}, {id} {order})",
                at = columns.at.as_str(),
                id = columns.id.as_str(),
            )),
            Alias::new("list_position"),
        )
        .from_subquery(listed, Alias::new("listed"));
    if let Some(Position { at, id }) = page.after {
        let (at_column, id_column) = (Expr::col(name(columns.at)), Expr::col(name(columns.id)));
        numbered.cond_where(if page.newest_first {
            Condition::any()
                .add(at_column.clone().lt(at))
                .add(Condition::all().add(at_column.eq(at)).add(id_column.lt(id)))
        } else {
            Condition::any()
                .add(at_column.clone().gt(at))
                .add(Condition::all().add(at_column.eq(at)).add(id_column.gt(id)))
        });
    }
    numbered
}

/// The page cut: as many rows as asked plus one, which says whether more follow.
fn cut(select: &mut SelectStatement, page: PageRequest) {
    if let Some(first) = page.first {
        let limit = i64::try_from(first.saturating_add(1)).unwrap_or(i64::MAX);
        select.and_where(Expr::col(Alias::new("list_position")).lte(limit));
    }
}

/// Each case's page from rows of [`numbered_rows`] after the [`cut`], in list order, each item
/// made from its row by `read`.
fn pages_from_rows<M>(
    rows: Vec<QueryResult>,
    case: &str,
    page: PageRequest,
    mut read: impl FnMut(&QueryResult) -> Result<M>,
) -> Result<HashMap<uuid::Uuid, ListPage<M>>> {
    let mut pages: HashMap<uuid::Uuid, ListPage<M>> = HashMap::new();
    for row in rows {
        let case_id: uuid::Uuid = row.try_get("", case)?;
        let total: i64 = row.try_get("", "list_total")?;
        let position: i64 = row.try_get("", "list_position")?;
        let list = pages.entry(case_id).or_default();
        list.total = u64::try_from(total).map_err(|_| Error::Corrupt("list length"))?;
        let position = u64::try_from(position).map_err(|_| Error::Corrupt("list position"))?;
        if page.first.is_some_and(|first| position > first) {
            list.has_next_page = true;
        } else {
            list.items.push(read(&row)?);
        }
    }
    Ok(pages)
}

/// Pages of lists of case items, of any kinds and for any cases, read together in one
/// statement by [`Snapshot::read_item_lists`]: a case detail's facts, problems and agreements
/// cost one round trip, not three. Each list goes through its kind's declared rule as in
/// [`Snapshot::items`].
#[derive(Default)]
pub struct ItemLists {
    branches: Vec<Branch>,
}

/// One list for one predicate group: the rows it may return, before the page is cut.
struct Branch {
    table: &'static str,
    columns: Vec<&'static str>,
    case: &'static str,
    numbered: SelectStatement,
    page: PageRequest,
}

/// Where the pages of one list added to [`ItemLists`] will be, once read.
#[must_use = "the pages are taken with ItemListsRead::take"]
pub struct ItemListsEntry<T> {
    groups: Vec<(usize, Vec<CaseAccess>)>,
    page: PageRequest,
    kind: PhantomData<fn() -> T>,
}

impl ItemLists {
    /// Adds the page of each case's items of kind `T` that its viewer may see, with `filter`.
    pub fn add<T: CaseItem>(
        &mut self,
        accesses: &[CaseAccess],
        filter: T::Filter,
        page: PageRequest,
    ) -> ItemListsEntry<T> {
        self.add_where::<T>(accesses, T::condition(filter), page)
    }

    fn add_where<T: CaseItem>(
        &mut self,
        accesses: &[CaseAccess],
        condition: Condition,
        page: PageRequest,
    ) -> ItemListsEntry<T> {
        let table = T::Entity::default().table_name();
        let columns = T::columns();
        let mut entry = ItemListsEntry {
            groups: Vec::new(),
            page,
            kind: PhantomData,
        };
        for (key, ids) in group_by_predicate(accesses) {
            let numbered = numbered_rows::<T::Entity>(
                ids,
                Condition::all()
                    .add(visible_rows(table, T::SLICING, key))
                    .add(condition.clone()),
                &columns,
                page,
            );
            let group = accesses
                .iter()
                .filter(|access| access.predicate_key() == key)
                .cloned()
                .collect();
            entry.groups.push((self.branches.len(), group));
            self.branches.push(Branch {
                table,
                columns: <T::Entity as EntityTrait>::Column::iter()
                    .map(|column| column.as_str())
                    .collect(),
                case: columns.case.as_str(),
                numbered,
                page,
            });
        }
        entry
    }

    /// Every list as one `UNION ALL`: a row names its list, case, length and position, and
    /// carries its table's columns under `{table}__{column}`, the other tables' as `NULL`
    /// (typed by their table on PostgreSQL, which resolves a union's column types from them).
    fn statement(self, backend: DatabaseBackend) -> Option<SelectStatement> {
        let mut tables: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for branch in &self.branches {
            if !tables.iter().any(|(table, _)| *table == branch.table) {
                tables.push((branch.table, branch.columns.clone()));
            }
        }
        let mut union: Option<SelectStatement> = None;
        for (index, branch) in self.branches.into_iter().enumerate() {
            let mut select = Query::select();
            select
                .expr_as(Expr::cust(index.to_string()), Alias::new("list_index"))
                .expr_as(Expr::col(Alias::new(branch.case)), Alias::new("list_case"))
                .column(Alias::new("list_total"))
                .column(Alias::new("list_position"));
            for (table, columns) in &tables {
                for column in columns {
                    let value = if *table == branch.table {
                        Expr::col(Alias::new(*column))
                    } else if backend == DatabaseBackend::Postgres {
                        Expr::cust(format!("(NULL::\"{table}\").\"{column}\""))
                    } else {
                        Expr::cust("NULL")
                    };
                    select.expr_as(value, Alias::new(format!("{table}__{column}")));
                }
            }
            select.from_subquery(branch.numbered, Alias::new("numbered"));
            cut(&mut select, branch.page);
            union = Some(match union {
                None => select,
                Some(mut union) => {
                    union.union(UnionType::All, select);
                    union
                }
            });
        }
        let mut lists = Query::select();
        lists
            .column(Asterisk)
            .from_subquery(union?, Alias::new("lists"))
            .order_by(Alias::new("list_index"), Order::Asc)
            .order_by(Alias::new("list_case"), Order::Asc)
            .order_by(Alias::new("list_position"), Order::Asc);
        Some(lists)
    }
}

/// The rows of [`ItemLists`], by list, until each is taken.
pub struct ItemListsRead {
    rows: Vec<Vec<QueryResult>>,
}

impl ItemListsRead {
    /// The pages of one list added to [`ItemLists`]: noted for the access log as they are
    /// taken, since only then do they leave for the caller.
    pub fn take<T: CaseItem>(
        &mut self,
        snapshot: &Snapshot,
        entry: ItemListsEntry<T>,
    ) -> Result<HashMap<CaseId, ListPage<T>>> {
        let prefix = format!("{}__", T::Entity::default().table_name());
        let mut out = HashMap::new();
        for (index, accesses) in entry.groups {
            let rows = self
                .rows
                .get_mut(index)
                .map(std::mem::take)
                .ok_or(Error::Corrupt("list outside its statement"))?;
            let pages = pages_from_rows(rows, "list_case", entry.page, |row| {
                Ok(<T::Entity as EntityTrait>::Model::from_query_result(
                    row, &prefix,
                )?)
            })?;
            for (case_id, rows) in pages {
                let access = accesses
                    .iter()
                    .find(|access| access.case_id.0 == case_id)
                    .ok_or(Error::Corrupt("item outside its batch"))?;
                for row in &rows.items {
                    let domain = T::life_domain(row).map(LifeDomain::as_str);
                    snapshot.disclose(access, T::KIND, 1, domain);
                }
                out.insert(access.case_id, rows.map(|row| T::read(row, access))?);
            }
        }
        Ok(out)
    }
}

impl Snapshot {
    /// A page of each case's rows of `E` matching `condition`, cut per case in one statement.
    pub(super) async fn page_rows<E>(
        &self,
        case_ids: Vec<uuid::Uuid>,
        condition: Condition,
        columns: &ListColumns<E>,
        page: PageRequest,
    ) -> Result<HashMap<uuid::Uuid, ListPage<E::Model>>>
    where
        E: EntityTrait,
    {
        self.page_rows_joined(
            case_ids,
            condition,
            columns,
            page,
            |_| {},
            |row| Ok(E::Model::from_query_result(row, "")?),
        )
        .await
    }

    /// [`Snapshot::page_rows`] with what `join` adds to the statement around the numbered
    /// rows (`numbered`), each item made from its row by `read`: a list and what its items
    /// name, read in one statement.
    pub(super) async fn page_rows_joined<E, M>(
        &self,
        case_ids: Vec<uuid::Uuid>,
        condition: Condition,
        columns: &ListColumns<E>,
        page: PageRequest,
        join: impl FnOnce(&mut SelectStatement),
        read: impl FnMut(&QueryResult) -> Result<M>,
    ) -> Result<HashMap<uuid::Uuid, ListPage<M>>>
    where
        E: EntityTrait,
    {
        let case = columns.case.as_str();
        let numbered = Alias::new("numbered");
        let mut paged = Query::select();
        paged
            .column((numbered.clone(), Asterisk))
            .from_subquery(
                numbered_rows(case_ids, condition, columns, page),
                numbered.clone(),
            )
            .order_by((numbered.clone(), Alias::new(case)), Order::Asc)
            .order_by((numbered, Alias::new("list_position")), Order::Asc);
        join(&mut paged);
        cut(&mut paged, page);
        let statement = self.backend().build(&paged);
        let rows = self.connection().query_all_raw(statement).await?;
        pages_from_rows(rows, case, page, read)
    }

    /// Reads every list of `lists` in one statement.
    pub async fn read_item_lists(&self, lists: ItemLists) -> Result<ItemListsRead> {
        let mut read = ItemListsRead {
            rows: (0..lists.branches.len()).map(|_| Vec::new()).collect(),
        };
        let Some(statement) = lists.statement(self.backend()) else {
            return Ok(read);
        };
        let statement = self.backend().build(&statement);
        for row in self.connection().query_all_raw(statement).await? {
            // A literal: `INT4` on PostgreSQL.
            let index: i32 = row.try_get("", "list_index")?;
            usize::try_from(index)
                .ok()
                .and_then(|index| read.rows.get_mut(index))
                .ok_or(Error::Corrupt("list index"))?
                .push(row);
        }
        Ok(read)
    }

    /// A page of each case's items of kind `T` that its viewer may see, with `filter` in the
    /// SQL: one statement per predicate group. Only the items returned are noted for the log.
    pub async fn items<T: CaseItem>(
        &self,
        accesses: &[CaseAccess],
        filter: T::Filter,
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<T>>> {
        self.items_where::<T>(accesses, T::condition(filter), page)
            .await
    }

    /// [`Snapshot::items`] with a condition of the caller's, for the server's own reads.
    pub(super) async fn items_where<T: CaseItem>(
        &self,
        accesses: &[CaseAccess],
        condition: Condition,
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<T>>> {
        let mut lists = ItemLists::default();
        let entry = lists.add_where::<T>(accesses, condition, page);
        self.read_item_lists(lists).await?.take(self, entry)
    }

    /// The case a row of `E` belongs to, if the row exists. Nothing else of the row is read:
    /// the caller goes on only with the viewer's access to that case.
    pub(super) async fn case_of<E>(
        &self,
        id: uuid::Uuid,
        id_column: E::Column,
        case_column: E::Column,
    ) -> Result<Option<CaseId>>
    where
        E: EntityTrait,
    {
        let case_id: Option<uuid::Uuid> = E::find()
            .select_only()
            .column(case_column)
            .filter(id_column.eq(id))
            .into_tuple()
            .one(self.connection())
            .await?;
        Ok(case_id.map(CaseId))
    }

    /// One row of `E` by id, for `node(id:)`: read by `read` through the viewer's access to
    /// the row's case, so that the slice applies as in its list; `None` where the row does
    /// not exist or the viewer may not see it, the two indistinguishable.
    pub(super) async fn one_by_id<E, T>(
        &self,
        viewer: &Viewer,
        id: uuid::Uuid,
        id_column: E::Column,
        case_column: E::Column,
        read: impl AsyncFnOnce(&[CaseAccess], Condition) -> Result<HashMap<CaseId, ListPage<T>>>,
    ) -> Result<Option<T>>
    where
        E: EntityTrait,
    {
        let Some(case_id) = self.case_of::<E>(id, id_column, case_column).await? else {
            return Ok(None);
        };
        let accesses = self.case_accesses(viewer, &[case_id]).await?;
        Ok(read(&accesses, Condition::all().add(id_column.eq(id)))
            .await?
            .remove(&case_id)
            .and_then(|mut page| page.items.pop()))
    }

    /// One item of kind `T` by id, if its case and its slice let the viewer see it; `None`
    /// otherwise, indistinguishable from an id that does not exist.
    pub async fn item<T: CaseItem>(&self, viewer: &Viewer, id: T::Id) -> Result<Option<T>> {
        let columns = T::columns();
        self.one_by_id::<T::Entity, T>(
            viewer,
            id.into(),
            columns.id,
            columns.case,
            async |accesses, condition| {
                self.items_where::<T>(accesses, condition, PageRequest::whole())
                    .await
            },
        )
        .await
    }
}
