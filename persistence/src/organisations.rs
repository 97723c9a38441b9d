//! Municipalities and organisations: public reference data, not personal data.

use std::collections::BTreeSet;

use domain::{
    Municipality, MunicipalityCode, MunicipalityId, Organisation, OrganisationId, OrganisationKind,
    OrganisationRole, RoleSet, Slug,
};
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait,
    FromQueryResult, IdenStatic, Iterable, PaginatorTrait, QueryFilter, QueryOrder, QueryResult,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::entity::{
    municipality, organisation, organisation_allowed_role, organisation_municipality,
};
use crate::error::conflict_on_unique;
use crate::{Error, Page, Result, Store};

/// What a new organisation is registered with.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub slug: Slug,
    pub name: String,
    pub kind: OrganisationKind,
    pub allowed_roles: RoleSet,
    pub municipalities: BTreeSet<MunicipalityId>,
}

/// Filters for the organisation list; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrganisationKind>,
    pub municipality: Option<MunicipalityId>,
}

/// Position in the organisation list: organisations are ordered by name, then id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationCursor {
    pub name: String,
    pub id: OrganisationId,
}

fn to_municipality(row: municipality::Model) -> Result<Municipality> {
    Ok(Municipality {
        id: MunicipalityId(row.id),
        code: MunicipalityCode::parse(&row.code)
            .map_err(|_| Error::Corrupt("municipality code"))?,
        name: row.name,
    })
}

impl Store {
    pub async fn insert_municipality(
        &self,
        code: MunicipalityCode,
        name: String,
    ) -> Result<Municipality> {
        let id = MunicipalityId::generate();
        let insert = municipality::Entity::insert(municipality::ActiveModel {
            id: Set(id.0),
            code: Set(code.as_str().to_owned()),
            name: Set(name.clone()),
            version: Set(1),
            created_at: Set(chrono::Utc::now()),
        });
        self.write(async |transaction| {
            insert
                .exec_without_returning(transaction)
                .await
                .map_err(|error| {
                    conflict_on_unique(error, "a municipality with this code already exists")
                })
        })
        .await?;
        Ok(Municipality { id, code, name })
    }

    pub async fn municipalities(&self) -> Result<Vec<Municipality>> {
        municipalities(self.connection()).await
    }

    pub async fn municipalities_by_id(&self, ids: &[MunicipalityId]) -> Result<Vec<Municipality>> {
        municipality::Entity::find()
            .filter(municipality::Column::Id.is_in(ids.iter().map(|id| id.0)))
            .order_by_asc(municipality::Column::Name)
            .all(self.connection())
            .await?
            .into_iter()
            .map(to_municipality)
            .collect()
    }

    pub async fn municipality_by_code(
        &self,
        code: &MunicipalityCode,
    ) -> Result<Option<Municipality>> {
        municipality::Entity::find()
            .filter(municipality::Column::Code.eq(code.as_str()))
            .one(self.connection())
            .await?
            .map(to_municipality)
            .transpose()
    }

    /// Registers an organisation with the municipalities it serves and the roles it may grant,
    /// in one transaction.
    pub async fn insert_organisation(&self, new: NewOrganisation) -> Result<Organisation> {
        let known = self
            .municipalities_by_id(&new.municipalities.iter().copied().collect::<Vec<_>>())
            .await?;
        if known.len() != new.municipalities.len() {
            return Err(Error::NotFound("municipality"));
        }
        let id = OrganisationId::generate();
        self.write(async |transaction| {
            organisation::Entity::insert(organisation::ActiveModel {
                id: Set(id.0),
                slug: Set(new.slug.as_str().to_owned()),
                name: Set(new.name.clone()),
                kind: Set(new.kind.as_str().to_owned()),
                version: Set(1),
                created_at: Set(chrono::Utc::now()),
            })
            .exec_without_returning(transaction)
            .await
            .map_err(|error| {
                conflict_on_unique(error, "an organisation with this slug already exists")
            })?;
            if !new.municipalities.is_empty() {
                organisation_municipality::Entity::insert_many(new.municipalities.iter().map(
                    |municipality| organisation_municipality::ActiveModel {
                        organisation_id: Set(id.0),
                        municipality_id: Set(municipality.0),
                    },
                ))
                .exec_without_returning(transaction)
                .await?;
            }
            if !new.allowed_roles.is_empty() {
                organisation_allowed_role::Entity::insert_many(new.allowed_roles.iter().map(
                    |role| organisation_allowed_role::ActiveModel {
                        organisation_id: Set(id.0),
                        role: Set(role.as_str().to_owned()),
                    },
                ))
                .exec_without_returning(transaction)
                .await?;
            }
            Ok(())
        })
        .await?;
        Ok(Organisation {
            id,
            slug: new.slug,
            name: new.name,
            kind: new.kind,
            allowed_roles: new.allowed_roles,
            municipalities: new.municipalities,
            version: 1,
        })
    }

    pub async fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>> {
        Ok(self.organisations_by_id(&[id]).await?.pop())
    }

    pub async fn organisation_by_slug(&self, slug: &Slug) -> Result<Option<Organisation>> {
        let query =
            organisation::Entity::find().filter(organisation::Column::Slug.eq(slug.as_str()));
        Ok(load_organisations(self.connection(), query).await?.pop())
    }

    /// The organisations with these ids, in no particular order; unknown ids are left out.
    pub async fn organisations_by_id(&self, ids: &[OrganisationId]) -> Result<Vec<Organisation>> {
        organisations_by_id(self.connection(), ids).await
    }

    fn organisation_condition(filter: &OrganisationFilter) -> Condition {
        let mut condition = Condition::all();
        if let Some(kind) = filter.kind {
            condition = condition.add(organisation::Column::Kind.eq(kind.as_str()));
        }
        if let Some(municipality) = filter.municipality {
            condition = condition.add(
                organisation::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(organisation_municipality::Column::OrganisationId)
                        .from(organisation_municipality::Entity)
                        .and_where(
                            organisation_municipality::Column::MunicipalityId.eq(municipality.0),
                        )
                        .take(),
                ),
            );
        }
        condition
    }

    /// A page of organisations ordered by name, after `after`.
    pub async fn organisations(
        &self,
        filter: &OrganisationFilter,
        after: Option<&OrganisationCursor>,
        first: u64,
    ) -> Result<Page<Organisation>> {
        let mut condition = Self::organisation_condition(filter);
        if let Some(cursor) = after {
            condition = condition.add(
                Condition::any()
                    .add(organisation::Column::Name.gt(cursor.name.clone()))
                    .add(
                        Condition::all()
                            .add(organisation::Column::Name.eq(cursor.name.clone()))
                            .add(organisation::Column::Id.gt(cursor.id.0)),
                    ),
            );
        }
        let query = organisation::Entity::find()
            .filter(condition)
            .order_by_asc(organisation::Column::Name)
            .order_by_asc(organisation::Column::Id)
            .limit(first + 1);
        let mut items = load_organisations(self.connection(), query).await?;
        let has_next_page = items.len() as u64 > first;
        items.truncate(first as usize);
        items.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        Ok(Page {
            items,
            has_next_page,
        })
    }

    pub async fn count_organisations(&self, filter: &OrganisationFilter) -> Result<u64> {
        Ok(organisation::Entity::find()
            .filter(Self::organisation_condition(filter))
            .count(self.connection())
            .await?)
    }
}

/// The organisations with these ids on `connection`, in no particular order; unknown ids are
/// left out. A request's snapshot reads them on its own connection.
pub(crate) async fn organisations_by_id(
    connection: &impl ConnectionTrait,
    ids: &[OrganisationId],
) -> Result<Vec<Organisation>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids.iter().map(|id| id.0)));
    load_organisations(connection, query).await
}

/// The organisations `query` selects, in its order, with their municipalities and roles.
async fn load_organisations(
    connection: &impl ConnectionTrait,
    query: Select<organisation::Entity>,
) -> Result<Vec<Organisation>> {
    let backend = connection.get_database_backend();
    let mut select = query.into_query();
    select_links(&mut select, backend, "", None);
    connection
        .query_all_raw(backend.build(&select))
        .await?
        .iter()
        .map(|row| organisation_from_row(row, ""))
        .collect()
}

/// Adds the columns of the `organisations` table that `select` joins, each named with `prefix`
/// before it, for [`organisation_from_row`]: a list read names its rows' organisations in the
/// same statement. Many rows name the same organisation, so its municipalities and roles are
/// read on the first row naming it only, by `first_by`, the one whose `{prefix}occurrence` is 1:
/// read on every row, they cost more than a statement of their own. `organisation_id` is the
/// joined column.
pub(crate) fn select_organisation_once(
    select: &mut SelectStatement,
    backend: DatabaseBackend,
    prefix: &str,
    organisation_id: &str,
    first_by: &str,
) {
    for column in organisation::Column::iter() {
        select.expr_as(
            Expr::col((organisation::Entity, column)),
            Alias::new(format!("{prefix}{}", column.as_str())),
        );
    }
    let occurrence =
        format!("ROW_NUMBER() OVER (PARTITION BY {organisation_id} ORDER BY {first_by})");
    select.expr_as(
        Expr::cust(occurrence.clone()),
        Alias::new(format!("{prefix}occurrence")),
    );
    select_links(select, backend, prefix, Some(&format!("{occurrence} = 1")));
}

/// Adds an organisation's municipalities and roles to `select`, folded into lists by the
/// database: one row per organisation. Case reads ask for organisations on every page, and
/// every row and round trip counts there. Uuids are stored as text on PostgreSQL and as
/// 16-byte blobs on SQLite. With `only_when`, they are read on the rows where it holds.
fn select_links(
    select: &mut SelectStatement,
    backend: DatabaseBackend,
    prefix: &str,
    only_when: Option<&str>,
) {
    let (municipalities, roles) = match backend {
        DatabaseBackend::Postgres => (
            "(SELECT string_agg(municipality_id::text, ' ') FROM organisation_municipalities \
             WHERE organisation_id = organisations.id)",
            "(SELECT string_agg(role, ' ') FROM organisation_allowed_roles \
             WHERE organisation_id = organisations.id)",
        ),
        _ => (
            "(SELECT group_concat(hex(municipality_id), ' ') FROM organisation_municipalities \
             WHERE organisation_id = organisations.id)",
            "(SELECT group_concat(role, ' ') FROM organisation_allowed_roles \
             WHERE organisation_id = organisations.id)",
        ),
    };
    let read = |links: &str| match only_when {
        Some(condition) => Expr::cust(format!("CASE WHEN {condition} THEN {links} END")),
        None => Expr::cust(links.to_owned()),
    };
    select
        .expr_as(
            read(municipalities),
            Alias::new(format!("{prefix}linked_municipalities")),
        )
        .expr_as(read(roles), Alias::new(format!("{prefix}linked_roles")));
}

/// An organisation from a row of a statement that selected it with `prefix`.
pub(crate) fn organisation_from_row(row: &QueryResult, prefix: &str) -> Result<Organisation> {
    let model = organisation::Model::from_query_result(row, prefix)?;
    let municipalities: Option<String> = row.try_get(prefix, "linked_municipalities")?;
    let roles: Option<String> = row.try_get(prefix, "linked_roles")?;
    let municipalities = municipalities
        .unwrap_or_default()
        .split_whitespace()
        .map(|id| {
            Uuid::parse_str(id)
                .map(MunicipalityId)
                .map_err(|_| Error::Corrupt("municipality id"))
        })
        .collect::<Result<BTreeSet<_>>>()?;
    let roles = roles
        .unwrap_or_default()
        .split_whitespace()
        .map(|role| OrganisationRole::parse(role).ok_or(Error::Corrupt("organisation role")))
        .collect::<Result<RoleSet>>()?;
    to_organisation(model, roles, municipalities)
}

fn to_organisation(
    row: organisation::Model,
    allowed_roles: RoleSet,
    municipalities: BTreeSet<MunicipalityId>,
) -> Result<Organisation> {
    Ok(Organisation {
        id: OrganisationId(row.id),
        slug: Slug::parse(&row.slug).map_err(|_| Error::Corrupt("organisation slug"))?,
        kind: OrganisationKind::parse(&row.kind).ok_or(Error::Corrupt("organisation kind"))?,
        name: row.name,
        allowed_roles,
        municipalities,
        version: row.version,
    })
}

/// Every municipality on `connection`, by name.
pub(crate) async fn municipalities(connection: &impl ConnectionTrait) -> Result<Vec<Municipality>> {
    municipality::Entity::find()
        .order_by_asc(municipality::Column::Name)
        .all(connection)
        .await?
        .into_iter()
        .map(to_municipality)
        .collect()
}
