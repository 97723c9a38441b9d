//! The items of the six steps, read through the slice predicate and written by the team.
//!
//! One file a kind (`perspective`, `fact`, `problem`, `first_step`, `agreement`, `evaluation`)
//! holds what a kind has of its own: what the team sends to record one, how its row becomes the
//! domain value, its [`CaseItem`] rule and its writes. What the kinds share is here: the steps
//! every write of an item goes through ([`Writer::insert_item`], [`Writer::change_item`]),
//! withholding from the resident, the worklist and the timeline.

mod agreement;
mod evaluation;
mod fact;
mod first_step;
mod perspective;
mod problem;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::authz::Action;
use domain::case::{Agreement, Evaluation, EventKind};
use domain::slice::TeamRole;
use domain::{CaseId, FactId, OrganisationId, ProblemId, ProfessionalId};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany};

use super::lists::{CaseItem, ItemRule, ListColumns, ListPage, PageRequest, item_rules};
use super::{
    CaseAccess, PredicateKey, Snapshot, Viewer, Writer, group_by_predicate, record_event,
    visible_rows,
};
use crate::entity::{self, case_event, team_member};
use crate::error::stale;
use crate::{Error, Result};

pub use agreement::NewAgreement;
pub(super) use agreement::{open_agreement_count_of, to_agreement};
pub use evaluation::NewEvaluation;
pub use fact::NewFact;
pub use first_step::NewFirstStep;
pub use problem::NewProblem;

/// An item the recording organisation may withhold from the resident (DOMAIN.md §5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithholdableItem {
    Fact(FactId),
    Problem(ProblemId),
}

impl WithholdableItem {
    fn id(self) -> uuid::Uuid {
        match self {
            WithholdableItem::Fact(id) => id.0,
            WithholdableItem::Problem(id) => id.0,
        }
    }
}

/// One event on a case's timeline. It refers to an item by kind and id; the viewer sees the
/// event only if they see the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub id: uuid::Uuid,
    pub case_id: CaseId,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub item_kind: Option<String>,
    pub item_id: Option<uuid::Uuid>,
    pub organisation_id: Option<OrganisationId>,
    pub professional_id: Option<ProfessionalId>,
    pub by_resident: bool,
}

/// A stored value that must parse, or its row is corrupt.
fn parsed<T>(value: Option<T>, what: &'static str) -> Result<T> {
    value.ok_or(Error::Corrupt(what))
}

/// A kind the team changes after recording it, each change made only to the version the
/// writer read ([`Writer::change_item`]).
trait ChangedItem: CaseItem {
    /// What an answer calls the item when it is not found or has changed since it was read.
    const NAME: &'static str;
    /// What the timeline records for a change.
    const CHANGED: EventKind;

    fn version_column() -> <Self::Entity as EntityTrait>::Column;

    fn case_id(&self) -> CaseId;
}

impl Snapshot {
    /// The viewer's worklist: open agreements past their due date that are theirs (assigned
    /// to them or their organisation, or on a case they lead), and evaluations due on cases
    /// they lead. Sliced like everything else: only cases the viewer is on.
    pub async fn worklist(
        &self,
        viewer: &Viewer,
        today: NaiveDate,
    ) -> Result<(Vec<Agreement>, Vec<Evaluation>)> {
        let Some((professional_id, organisation_id)) = viewer.membership_key() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let memberships = team_member::Entity::find()
            .filter(team_member::Column::ProfessionalId.eq(professional_id.0))
            .filter(team_member::Column::OrganisationId.eq(organisation_id.0))
            .filter(team_member::Column::LeftAt.is_null())
            .all(self.connection())
            .await?;
        let case_ids: Vec<CaseId> = memberships.iter().map(|row| CaseId(row.case_id)).collect();
        let led: Vec<uuid::Uuid> = memberships
            .iter()
            .filter(|row| row.role == TeamRole::CaseLead.as_str())
            .map(|row| row.case_id)
            .collect();
        let accesses = self.case_accesses(viewer, &case_ids).await?;
        let mine = Condition::any()
            .add(entity::agreement::Column::AssigneeProfessionalId.eq(professional_id.0))
            .add(entity::agreement::Column::AssigneeOrganisationId.eq(organisation_id.0))
            .add(entity::agreement::Column::CaseId.is_in(led.clone()));
        let mut agreements: Vec<Agreement> = self
            .items_where::<Agreement>(
                &accesses,
                Condition::all()
                    .add(entity::agreement::Column::Status.is_in(["open", "in_progress"]))
                    .add(entity::agreement::Column::DueOn.lt(today))
                    .add(mine),
                PageRequest::whole(),
            )
            .await?
            .into_values()
            .flat_map(|page| page.items)
            .collect();
        agreements
            .sort_by_key(|agreement| (agreement.due_on, agreement.created_at, agreement.id.0));
        // The latest evaluation of each led case says when the next one is due.
        let evaluations = self
            .items::<Evaluation>(
                &accesses
                    .iter()
                    .filter(|access| led.contains(&access.case_id.0))
                    .cloned()
                    .collect::<Vec<_>>(),
                (),
                PageRequest::latest(),
            )
            .await?
            .into_values()
            .filter_map(|mut page| page.items.pop())
            .filter(|latest| latest.next_evaluation_on.is_some_and(|next| next <= today))
            .collect();
        Ok((agreements, evaluations))
    }

    /// The timeline of each case, newest first, a page per case in one statement per
    /// predicate group: each event only if the viewer sees the item it refers to.
    pub async fn timelines(
        &self,
        accesses: &[CaseAccess],
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<TimelineEntry>>> {
        let events = Alias::new("case_events");
        let mut out = HashMap::new();
        for (key, ids) in group_by_predicate(accesses) {
            let item_kind = || Expr::col((events.clone(), Alias::new("item_kind")));
            let mut visible = Condition::any().add(item_kind().is_null());
            if key != PredicateKey::Resident {
                // The team sees its own invitations; the resident does not.
                visible = visible.add(item_kind().eq("invitation"));
            }
            for ItemRule {
                kind,
                table,
                slicing,
            } in item_rules()
            {
                let ids = Query::select()
                    .column((Alias::new(table), Alias::new("id")))
                    .from(Alias::new(table))
                    .and_where(
                        Expr::col((Alias::new(table), Alias::new("case_id")))
                            .equals((events.clone(), Alias::new("case_id"))),
                    )
                    .cond_where(visible_rows(table, slicing, key))
                    .to_owned();
                visible = visible.add(
                    Condition::all()
                        .add(item_kind().eq(kind))
                        .add(Expr::col((events.clone(), Alias::new("item_id"))).in_subquery(ids)),
                );
            }
            let pages = self
                .page_rows::<case_event::Entity>(
                    ids,
                    visible,
                    &ListColumns {
                        case: case_event::Column::CaseId,
                        at: case_event::Column::At,
                        id: case_event::Column::Id,
                    },
                    PageRequest {
                        newest_first: true,
                        ..page
                    },
                )
                .await?;
            for (case_id, rows) in pages {
                let access = accesses
                    .iter()
                    .find(|access| access.case_id.0 == case_id && access.predicate_key() == key)
                    .ok_or(Error::Corrupt("timeline outside its batch"))?;
                self.disclose(access, "timeline_entry", rows.items.len(), None);
                let page = rows.map(|row| {
                    Ok(TimelineEntry {
                        id: row.id,
                        case_id: CaseId(row.case_id),
                        at: row.at,
                        kind: EventKind::parse(&row.kind)
                            .ok_or(Error::Corrupt("case event kind"))?,
                        item_kind: row.item_kind,
                        item_id: row.item_id,
                        organisation_id: row.organisation_id.map(OrganisationId),
                        professional_id: row.professional_id.map(ProfessionalId),
                        by_resident: row.by_resident,
                    })
                })?;
                out.insert(access.case_id, page);
            }
        }
        Ok(out)
    }
}

impl Viewer {
    fn membership_key(&self) -> Option<(ProfessionalId, OrganisationId)> {
        self.professional()
            .ok()
            .map(|(professional, organisation, _)| (professional, organisation))
    }
}

impl Writer {
    /// Withholds a fact or problem from the resident with a recorded legal reason, or (with
    /// `None`) shows it to them again. The organisation that recorded the item decides, as the
    /// controller of what it recorded; for anyone who cannot see the item, it does not exist.
    /// Closed cases too: the resident's right to see their file outlives the case.
    pub async fn set_withheld_from_resident(
        &self,
        viewer: &Viewer,
        item: WithholdableItem,
        expected_version: i32,
        legal_reason: Option<String>,
    ) -> Result<CaseId> {
        let (case_id, organisation_id, table, item_kind) = match item {
            WithholdableItem::Fact(id) => {
                let fact = self
                    .item::<domain::case::Fact>(viewer, id)
                    .await?
                    .ok_or(Error::NotFound("fact"))?;
                (fact.case_id, fact.organisation_id, "facts", "fact")
            }
            WithholdableItem::Problem(id) => {
                let problem = self
                    .item::<domain::case::Problem>(viewer, id)
                    .await?
                    .ok_or(Error::NotFound("problem"))?;
                (
                    problem.case_id,
                    problem.organisation_id,
                    "problems",
                    "problem",
                )
            }
        };
        let action = if legal_reason.is_some() {
            Action::WithholdFromResident
        } else {
            Action::ReleaseToResident
        };
        let (access, _) = self.lock_case(viewer, case_id, action).await?;
        let (_, organisation) = access.content_author()?;
        if organisation != organisation_id {
            return Err(Error::Forbidden(
                "only the organisation that recorded an item withholds it from the resident",
            ));
        }
        let now = self.now();
        let withholding = legal_reason.is_some();
        let update = Query::update()
            .table(Alias::new(table))
            .value(Alias::new("withheld_reason"), legal_reason)
            .value(Alias::new("updated_at"), now)
            .value(Alias::new("version"), expected_version + 1)
            .and_where(Expr::col(Alias::new("id")).eq(item.id()))
            .and_where(Expr::col(Alias::new("version")).eq(expected_version))
            .to_owned();
        let result = self.connection().execute(&update).await?;
        if result.rows_affected() != 1 {
            return Err(stale(item_kind));
        }
        record_event(
            self,
            case_id,
            now,
            if withholding {
                EventKind::WithheldFromResident
            } else {
                EventKind::ReleasedToResident
            },
            Some((item_kind, item.id())),
            access.actor(),
        )
        .await?;
        Ok(case_id)
    }

    /// Writes a new item of kind `T` with id `id` on the case of `access`: `row` is its row,
    /// given the time the writer dates it with. `event` goes on the case's timeline.
    async fn insert_item<T: CaseItem>(
        &self,
        access: &CaseAccess,
        id: T::Id,
        event: EventKind,
        row: impl FnOnce(DateTime<Utc>) -> <T::Entity as EntityTrait>::ActiveModel,
    ) -> Result<T::Id> {
        let now = self.now();
        T::Entity::insert(row(now))
            .exec_without_returning(self.connection())
            .await?;
        record_event(
            self,
            access.case_id,
            now,
            event,
            Some((T::KIND, id.into())),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    /// Changes the item of kind `T` with id `id` on its open case, locked for `action`; for
    /// anyone who cannot see the item, it does not exist. `change` sets the new values on the
    /// update, given the item as read, the author of the change and the time; the row is
    /// written only while it is at `expected_version`, and the change goes on the timeline.
    async fn change_item<T: ChangedItem>(
        &self,
        viewer: &Viewer,
        id: T::Id,
        action: Action,
        expected_version: i32,
        change: impl FnOnce(
            UpdateMany<T::Entity>,
            &T,
            (ProfessionalId, OrganisationId),
            DateTime<Utc>,
        ) -> Result<UpdateMany<T::Entity>>,
    ) -> Result<CaseId> {
        let existing = self
            .item::<T>(viewer, id)
            .await?
            .ok_or(Error::NotFound(T::NAME))?;
        let case_id = existing.case_id();
        let (access, _) = self.lock_open_case(viewer, case_id, action).await?;
        let author = access.content_author()?;
        let now = self.now();
        let version = T::version_column();
        let result = change(T::Entity::update_many(), &existing, author, now)?
            .filter(T::columns().id.eq(id.into()))
            .filter(version.eq(expected_version))
            .col_expr(version, Expr::value(expected_version + 1))
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(stale(T::NAME));
        }
        record_event(
            self,
            case_id,
            now,
            T::CHANGED,
            Some((T::KIND, id.into())),
            access.actor(),
        )
        .await?;
        Ok(case_id)
    }
}
