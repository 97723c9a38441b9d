//! The items of the six steps, read through the slice predicate and written by the team.

use domain::authz::Action;
use domain::case::EventKind;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::case::{
    Agreement, AgreementContent, AgreementStatus, Amount, AmountPeriod, Assignee, AssigneeKind,
    Evaluation, EvaluationContent, Fact, FactContent, FirstStep, FirstStepContent, FirstStepStatus,
    Perspective, Problem, ProblemKind, check_open_first_steps,
};
use domain::slice::{Need, SharingLevel, TeamRole};
use domain::{
    AgreementId, CaseId, EvaluationId, FactId, FirstStepId, InvalidInput, LifeDomain,
    OrganisationId, PerspectiveId, ProblemId, ProfessionalId,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};

use super::lists::{CaseItem, ItemRule, ListColumns, ListPage, PageRequest, Position, item_rules};
use super::{
    CaseAccess, PredicateKey, Slicing, Snapshot, Viewer, Writer, group_by_predicate, record_event,
    visible_rows,
};
use crate::entity::{
    agreement, case_event, evaluation, fact, first_step, perspective, problem, team_member,
};
use crate::error::stale;
use crate::{Error, Result};

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

/// A fact to record, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewFact {
    pub life_domain: LifeDomain,
    pub text: String,
    pub amount: Option<Amount>,
    pub need: Need,
    pub sharing: SharingLevel,
}

#[derive(Debug, Clone)]
pub struct NewProblem {
    pub kind: ProblemKind,
    pub life_domain: LifeDomain,
    pub text: String,
    pub resident_shares_picture: bool,
    pub sharing: SharingLevel,
}

#[derive(Debug, Clone)]
pub struct NewFirstStep {
    pub content: FirstStepContent,
    /// How many first steps may be open at once.
    pub open_limit: usize,
}

#[derive(Debug, Clone)]
pub struct NewAgreement {
    pub what: String,
    pub assignee: Assignee,
    pub due_on: Option<NaiveDate>,
    pub review_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub content: EvaluationContent,
    pub perspective_reached: bool,
    pub next_evaluation_on: Option<NaiveDate>,
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

fn parsed<T>(value: Option<T>, what: &'static str) -> Result<T> {
    value.ok_or(Error::Corrupt(what))
}

fn to_perspective(row: perspective::Model, access: &CaseAccess) -> Perspective {
    Perspective {
        id: PerspectiveId(row.id),
        case_id: CaseId(row.case_id),
        written_by_resident: row.written_by_resident,
        recorded_by_professional_id: row.recorded_by_professional_id.map(ProfessionalId),
        recorded_at: row.recorded_at,
        content: access.sees_content().then_some(row.text),
    }
}

fn to_fact(row: fact::Model, access: &CaseAccess) -> Result<Fact> {
    let amount = match row.amount_cents {
        Some(cents) => Some(Amount {
            cents,
            period: row
                .amount_period
                .as_deref()
                .map(|period| parsed(AmountPeriod::parse(period), "amount period"))
                .transpose()?,
        }),
        None => None,
    };
    Ok(Fact {
        id: FactId(row.id),
        case_id: CaseId(row.case_id),
        organisation_id: OrganisationId(row.organisation_id),
        professional_id: ProfessionalId(row.professional_id),
        life_domain: parsed(LifeDomain::parse(&row.life_domain), "fact life domain")?,
        need: parsed(Need::parse(&row.need), "fact need")?,
        sharing: parsed(SharingLevel::parse(&row.sharing), "fact sharing")?,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        content: access.sees_content().then_some(FactContent {
            text: row.text,
            amount,
        }),
        withheld_reason: row.withheld_reason.filter(|_| access.sees_content()),
    })
}

fn to_problem(row: problem::Model, access: &CaseAccess) -> Result<Problem> {
    Ok(Problem {
        id: ProblemId(row.id),
        case_id: CaseId(row.case_id),
        organisation_id: OrganisationId(row.organisation_id),
        professional_id: ProfessionalId(row.professional_id),
        kind: parsed(ProblemKind::parse(&row.kind), "problem kind")?,
        life_domain: parsed(LifeDomain::parse(&row.life_domain), "problem life domain")?,
        sharing: parsed(SharingLevel::parse(&row.sharing), "problem sharing")?,
        resident_shares_picture: row.resident_shares_picture,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        content: access.sees_content().then_some(row.text),
        withheld_reason: row.withheld_reason.filter(|_| access.sees_content()),
    })
}

fn to_first_step(row: first_step::Model, access: &CaseAccess) -> Result<FirstStep> {
    Ok(FirstStep {
        id: FirstStepId(row.id),
        case_id: CaseId(row.case_id),
        status: parsed(FirstStepStatus::parse(&row.status), "first step status")?,
        organisation_id: OrganisationId(row.organisation_id),
        professional_id: ProfessionalId(row.professional_id),
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        content: access.sees_content().then_some(FirstStepContent {
            text: row.text,
            motivation: row.motivation,
            capability: row.capability,
            opportunity: row.opportunity,
        }),
    })
}

pub(super) fn to_agreement(row: agreement::Model, access: &CaseAccess) -> Result<Agreement> {
    let assignee_kind = parsed(AssigneeKind::parse(&row.assignee_kind), "assignee kind")?;
    let assignee = match assignee_kind {
        AssigneeKind::Resident => Assignee::Resident,
        AssigneeKind::Network => Assignee::Network(row.assignee_name),
        AssigneeKind::SocialBase => Assignee::SocialBase(row.assignee_name),
        AssigneeKind::Specialist => Assignee::Specialist(row.assignee_name),
        AssigneeKind::TeamMember => Assignee::TeamMember(ProfessionalId(parsed(
            row.assignee_professional_id,
            "assignee professional",
        )?)),
        AssigneeKind::Organisation => Assignee::Organisation(OrganisationId(parsed(
            row.assignee_organisation_id,
            "assignee organisation",
        )?)),
    };
    Ok(Agreement {
        id: AgreementId(row.id),
        case_id: CaseId(row.case_id),
        assignee_kind,
        due_on: row.due_on,
        review_on: row.review_on,
        status: parsed(AgreementStatus::parse(&row.status), "agreement status")?,
        status_changed_by_professional_id: row
            .status_changed_by_professional_id
            .map(ProfessionalId),
        status_changed_at: row.status_changed_at,
        organisation_id: OrganisationId(row.organisation_id),
        professional_id: ProfessionalId(row.professional_id),
        created_at: row.created_at,
        version: row.version,
        content: access.sees_content().then_some(AgreementContent {
            what: row.what,
            assignee,
        }),
    })
}

fn to_evaluation(row: evaluation::Model, access: &CaseAccess) -> Evaluation {
    Evaluation {
        id: EvaluationId(row.id),
        case_id: CaseId(row.case_id),
        perspective_reached: row.perspective_reached,
        next_evaluation_on: row.next_evaluation_on,
        organisation_id: OrganisationId(row.organisation_id),
        professional_id: ProfessionalId(row.professional_id),
        recorded_at: row.recorded_at,
        content: access.sees_content().then_some(EvaluationContent {
            achieved: row.achieved,
            what_worked: row.what_worked,
            still_needed: row.still_needed,
        }),
    }
}

impl CaseItem for Perspective {
    type Entity = perspective::Entity;
    type Id = PerspectiveId;
    type Filter = ();
    const KIND: &'static str = "perspective";
    const SLICING: Slicing = Slicing::Shared;

    fn columns() -> ListColumns<perspective::Entity> {
        ListColumns {
            case: perspective::Column::CaseId,
            at: perspective::Column::RecordedAt,
            id: perspective::Column::Id,
        }
    }

    fn read(row: perspective::Model, access: &CaseAccess) -> Result<Self> {
        Ok(to_perspective(row, access))
    }

    fn position(&self) -> Position {
        Position {
            at: self.recorded_at,
            id: self.id.0,
        }
    }
}

impl CaseItem for Fact {
    type Entity = fact::Entity;
    type Id = FactId;
    /// One life domain's facts.
    type Filter = Option<LifeDomain>;
    const KIND: &'static str = "fact";
    const SLICING: Slicing = Slicing::PerOrganisation { need: true };

    fn columns() -> ListColumns<fact::Entity> {
        ListColumns {
            case: fact::Column::CaseId,
            at: fact::Column::CreatedAt,
            id: fact::Column::Id,
        }
    }

    fn condition(life_domain: Option<LifeDomain>) -> Condition {
        Condition::all()
            .add_option(life_domain.map(|domain| fact::Column::LifeDomain.eq(domain.as_str())))
    }

    fn life_domain(row: &fact::Model) -> Option<LifeDomain> {
        LifeDomain::parse(&row.life_domain)
    }

    fn read(row: fact::Model, access: &CaseAccess) -> Result<Self> {
        to_fact(row, access)
    }

    fn position(&self) -> Position {
        Position {
            at: self.created_at,
            id: self.id.0,
        }
    }
}

impl CaseItem for Problem {
    type Entity = problem::Entity;
    type Id = ProblemId;
    type Filter = ();
    const KIND: &'static str = "problem";
    const SLICING: Slicing = Slicing::PerOrganisation { need: false };

    fn columns() -> ListColumns<problem::Entity> {
        ListColumns {
            case: problem::Column::CaseId,
            at: problem::Column::CreatedAt,
            id: problem::Column::Id,
        }
    }

    fn life_domain(row: &problem::Model) -> Option<LifeDomain> {
        LifeDomain::parse(&row.life_domain)
    }

    fn read(row: problem::Model, access: &CaseAccess) -> Result<Self> {
        to_problem(row, access)
    }

    fn position(&self) -> Position {
        Position {
            at: self.created_at,
            id: self.id.0,
        }
    }
}

impl CaseItem for FirstStep {
    type Entity = first_step::Entity;
    type Id = FirstStepId;
    type Filter = ();
    const KIND: &'static str = "first_step";
    const SLICING: Slicing = Slicing::Shared;

    fn columns() -> ListColumns<first_step::Entity> {
        ListColumns {
            case: first_step::Column::CaseId,
            at: first_step::Column::CreatedAt,
            id: first_step::Column::Id,
        }
    }

    fn read(row: first_step::Model, access: &CaseAccess) -> Result<Self> {
        to_first_step(row, access)
    }

    fn position(&self) -> Position {
        Position {
            at: self.created_at,
            id: self.id.0,
        }
    }
}

impl CaseItem for Agreement {
    type Entity = agreement::Entity;
    type Id = AgreementId;
    /// The agreements with one status.
    type Filter = Option<AgreementStatus>;
    const KIND: &'static str = "agreement";
    const SLICING: Slicing = Slicing::Shared;

    fn columns() -> ListColumns<agreement::Entity> {
        ListColumns {
            case: agreement::Column::CaseId,
            at: agreement::Column::CreatedAt,
            id: agreement::Column::Id,
        }
    }

    fn condition(status: Option<AgreementStatus>) -> Condition {
        Condition::all()
            .add_option(status.map(|status| agreement::Column::Status.eq(status.as_str())))
    }

    fn read(row: agreement::Model, access: &CaseAccess) -> Result<Self> {
        to_agreement(row, access)
    }

    fn position(&self) -> Position {
        Position {
            at: self.created_at,
            id: self.id.0,
        }
    }
}

impl CaseItem for Evaluation {
    type Entity = evaluation::Entity;
    type Id = EvaluationId;
    type Filter = ();
    const KIND: &'static str = "evaluation";
    const SLICING: Slicing = Slicing::Shared;

    fn columns() -> ListColumns<evaluation::Entity> {
        ListColumns {
            case: evaluation::Column::CaseId,
            at: evaluation::Column::RecordedAt,
            id: evaluation::Column::Id,
        }
    }

    fn read(row: evaluation::Model, access: &CaseAccess) -> Result<Self> {
        Ok(to_evaluation(row, access))
    }

    fn position(&self) -> Position {
        Position {
            at: self.recorded_at,
            id: self.id.0,
        }
    }
}

/// The agreements viewers under `key` see that are still open: the shared plan's (§5.3).
fn open_agreements(key: PredicateKey) -> Condition {
    Condition::all()
        .add(agreement::Column::Status.is_in(["open", "in_progress"]))
        .add(visible_rows("agreements", Slicing::Shared, key))
}

/// The number of open agreements viewers under `key` see on the case whose id is `case_id`,
/// as a scalar subquery: a caseload page carries its counts in its own statement.
pub(super) fn open_agreement_count_of(case_id: Expr, key: PredicateKey) -> Expr {
    Expr::from(
        Query::select()
            .expr(Func::count(Expr::col((
                agreement::Entity,
                agreement::Column::Id,
            ))))
            .from(agreement::Entity)
            .and_where(Expr::col((agreement::Entity, agreement::Column::CaseId)).eq(case_id))
            .cond_where(open_agreements(key))
            .to_owned(),
    )
}

impl Snapshot {
    /// How many visible agreements of each case are still open, in one query.
    pub async fn open_agreement_counts(
        &self,
        accesses: &[CaseAccess],
    ) -> Result<HashMap<CaseId, u64>> {
        let mut counts = HashMap::new();
        for (key, ids) in group_by_predicate(accesses) {
            let rows: Vec<(uuid::Uuid, i64)> = agreement::Entity::find()
                .select_only()
                .column(agreement::Column::CaseId)
                .column_as(agreement::Column::Id.count(), "open")
                .filter(agreement::Column::CaseId.is_in(ids))
                .filter(open_agreements(key))
                .group_by(agreement::Column::CaseId)
                .into_tuple()
                .all(self.connection())
                .await?;
            for (case_id, open) in rows {
                let access = accesses
                    .iter()
                    .find(|access| access.case_id.0 == case_id)
                    .ok_or(Error::Corrupt("count outside its batch"))?;
                counts.insert(
                    CaseId(case_id),
                    self.note_open_agreement_count(access, open)?,
                );
            }
        }
        Ok(counts)
    }

    /// Notes a case's count of open agreements for the access log, as it leaves.
    pub(super) fn note_open_agreement_count(&self, access: &CaseAccess, open: i64) -> Result<u64> {
        let open = u64::try_from(open).map_err(|_| Error::Corrupt("agreement count"))?;
        if open > 0 {
            self.disclose(access, "open_agreement_count", 1, None);
        }
        Ok(open)
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
            .add(agreement::Column::AssigneeProfessionalId.eq(professional_id.0))
            .add(agreement::Column::AssigneeOrganisationId.eq(organisation_id.0))
            .add(agreement::Column::CaseId.is_in(led.clone()));
        let mut agreements: Vec<Agreement> = self
            .items_where::<Agreement>(
                &accesses,
                Condition::all()
                    .add(agreement::Column::Status.is_in(["open", "in_progress"]))
                    .add(agreement::Column::DueOn.lt(today))
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
    /// Records a new version of the perspective: by a professional, or by the resident in
    /// their own words.
    pub async fn record_perspective(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        text: String,
    ) -> Result<PerspectiveId> {
        let (access, _) = self
            .lock_open_case(viewer, case_id, Action::RecordPerspective)
            .await?;
        let recorded_by = if access.is_resident() {
            None
        } else {
            Some(access.content_author()?.0)
        };
        let id = PerspectiveId::generate();
        let now = self.now();
        perspective::Entity::insert(perspective::ActiveModel {
            id: Set(id.0),
            case_id: Set(case_id.0),
            text: Set(text),
            written_by_resident: Set(access.is_resident()),
            recorded_by_professional_id: Set(recorded_by.map(|id| id.0)),
            recorded_at: Set(now),
            withheld_reason: Set(None),
        })
        .exec_without_returning(self.connection())
        .await?;
        record_event(
            self,
            case_id,
            now,
            EventKind::PerspectiveRecorded,
            Some(("perspective", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    pub async fn add_fact(&self, viewer: &Viewer, case_id: CaseId, new: NewFact) -> Result<FactId> {
        let (access, _) = self
            .lock_open_case(viewer, case_id, Action::AddFact)
            .await?;
        let (professional, organisation) = access.content_author()?;
        let id = FactId::generate();
        let now = self.now();
        fact::Entity::insert(fact::ActiveModel {
            id: Set(id.0),
            case_id: Set(case_id.0),
            organisation_id: Set(organisation.0),
            professional_id: Set(professional.0),
            life_domain: Set(new.life_domain.as_str().to_owned()),
            text: Set(new.text),
            amount_cents: Set(new.amount.map(|amount| amount.cents)),
            amount_period: Set(new
                .amount
                .and_then(|amount| amount.period)
                .map(|period| period.as_str().to_owned())),
            need: Set(new.need.as_str().to_owned()),
            sharing: Set(new.sharing.as_str().to_owned()),
            withheld_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        record_event(
            self,
            case_id,
            now,
            EventKind::FactAdded,
            Some(("fact", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    /// Changes a fact. Only its authoring organisation may; for anyone who cannot see it,
    /// it does not exist.
    pub async fn update_fact(
        &self,
        viewer: &Viewer,
        id: FactId,
        new: NewFact,
        expected_version: i32,
    ) -> Result<CaseId> {
        let Some(existing) = self.item::<domain::case::Fact>(viewer, id).await? else {
            return Err(Error::NotFound("fact"));
        };
        let (access, _) = self
            .lock_open_case(viewer, existing.case_id, Action::UpdateFact)
            .await?;
        let (_, organisation) = access.content_author()?;
        if existing.organisation_id != organisation {
            return Err(Error::Forbidden(
                "only the organisation that recorded a fact changes it",
            ));
        }
        let now = self.now();
        let result = fact::Entity::update_many()
            .filter(fact::Column::Id.eq(id.0))
            .filter(fact::Column::Version.eq(expected_version))
            .col_expr(
                fact::Column::LifeDomain,
                Expr::value(new.life_domain.as_str()),
            )
            .col_expr(fact::Column::Text, Expr::value(new.text))
            .col_expr(
                fact::Column::AmountCents,
                Expr::value(new.amount.map(|amount| amount.cents)),
            )
            .col_expr(
                fact::Column::AmountPeriod,
                Expr::value(
                    new.amount
                        .and_then(|amount| amount.period)
                        .map(|period| period.as_str()),
                ),
            )
            .col_expr(fact::Column::Need, Expr::value(new.need.as_str()))
            .col_expr(fact::Column::Sharing, Expr::value(new.sharing.as_str()))
            .col_expr(fact::Column::UpdatedAt, Expr::value(now))
            .col_expr(fact::Column::Version, Expr::value(expected_version + 1))
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(stale("fact"));
        }
        record_event(
            self,
            existing.case_id,
            now,
            EventKind::FactChanged,
            Some(("fact", id.0)),
            access.actor(),
        )
        .await?;
        Ok(existing.case_id)
    }

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

    pub async fn add_problem(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        new: NewProblem,
    ) -> Result<ProblemId> {
        let (access, _) = self
            .lock_open_case(viewer, case_id, Action::AddProblem)
            .await?;
        let (professional, organisation) = access.content_author()?;
        let id = ProblemId::generate();
        let now = self.now();
        problem::Entity::insert(problem::ActiveModel {
            id: Set(id.0),
            case_id: Set(case_id.0),
            organisation_id: Set(organisation.0),
            professional_id: Set(professional.0),
            kind: Set(new.kind.as_str().to_owned()),
            life_domain: Set(new.life_domain.as_str().to_owned()),
            text: Set(new.text),
            resident_shares_picture: Set(new.resident_shares_picture),
            sharing: Set(new.sharing.as_str().to_owned()),
            withheld_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        record_event(
            self,
            case_id,
            now,
            EventKind::ProblemAdded,
            Some(("problem", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    pub async fn add_first_step(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        new: NewFirstStep,
    ) -> Result<FirstStepId> {
        let (access, _) = self
            .lock_open_case(viewer, case_id, Action::AddFirstStep)
            .await?;
        let (professional, organisation) = access.content_author()?;
        let open = first_step::Entity::find()
            .filter(first_step::Column::CaseId.eq(case_id.0))
            .filter(first_step::Column::Status.eq(FirstStepStatus::Open.as_str()))
            .count(self.connection())
            .await?;
        check_open_first_steps(open as usize, new.open_limit)?;
        let id = FirstStepId::generate();
        let now = self.now();
        first_step::Entity::insert(first_step::ActiveModel {
            id: Set(id.0),
            case_id: Set(case_id.0),
            text: Set(new.content.text),
            motivation: Set(new.content.motivation),
            capability: Set(new.content.capability),
            opportunity: Set(new.content.opportunity),
            status: Set(FirstStepStatus::Open.as_str().to_owned()),
            organisation_id: Set(organisation.0),
            professional_id: Set(professional.0),
            withheld_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        record_event(
            self,
            case_id,
            now,
            EventKind::FirstStepAdded,
            Some(("first_step", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    pub async fn set_first_step_status(
        &self,
        viewer: &Viewer,
        id: FirstStepId,
        status: FirstStepStatus,
        expected_version: i32,
    ) -> Result<CaseId> {
        let existing = self
            .item::<domain::case::FirstStep>(viewer, id)
            .await?
            .ok_or(Error::NotFound("first step"))?;
        let (access, _) = self
            .lock_open_case(viewer, existing.case_id, Action::SetFirstStepStatus)
            .await?;
        access.content_author()?;
        let now = self.now();
        let result = first_step::Entity::update_many()
            .filter(first_step::Column::Id.eq(id.0))
            .filter(first_step::Column::Version.eq(expected_version))
            .col_expr(first_step::Column::Status, Expr::value(status.as_str()))
            .col_expr(first_step::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                first_step::Column::Version,
                Expr::value(expected_version + 1),
            )
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(stale("first step"));
        }
        record_event(
            self,
            existing.case_id,
            now,
            EventKind::FirstStepChanged,
            Some(("first_step", id.0)),
            access.actor(),
        )
        .await?;
        Ok(existing.case_id)
    }

    pub async fn add_agreement(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        new: NewAgreement,
    ) -> Result<AgreementId> {
        let (access, _) = self
            .lock_open_case(viewer, case_id, Action::AddAgreement)
            .await?;
        let (professional, organisation) = access.content_author()?;
        let (assignee_professional, assignee_organisation, assignee_name) = match &new.assignee {
            Assignee::TeamMember(member) => {
                let on_team = team_member::Entity::find()
                    .filter(team_member::Column::CaseId.eq(case_id.0))
                    .filter(team_member::Column::ProfessionalId.eq(member.0))
                    .filter(team_member::Column::LeftAt.is_null())
                    .one(self.connection())
                    .await?;
                let Some(on_team) = on_team else {
                    return Err(InvalidInput::new(
                        "assignee.professionalId",
                        "not on this case's team",
                    )
                    .into());
                };
                (Some(member.0), Some(on_team.organisation_id), None)
            }
            Assignee::Organisation(assigned) => {
                let on_team = team_member::Entity::find()
                    .filter(team_member::Column::CaseId.eq(case_id.0))
                    .filter(team_member::Column::OrganisationId.eq(assigned.0))
                    .filter(team_member::Column::LeftAt.is_null())
                    .one(self.connection())
                    .await?;
                if on_team.is_none() {
                    return Err(InvalidInput::new(
                        "assignee.organisationId",
                        "not on this case's team",
                    )
                    .into());
                }
                (None, Some(assigned.0), None)
            }
            Assignee::Network(name) | Assignee::SocialBase(name) | Assignee::Specialist(name) => {
                (None, None, name.clone())
            }
            Assignee::Resident => (None, None, None),
        };
        let id = AgreementId::generate();
        let now = self.now();
        agreement::Entity::insert(agreement::ActiveModel {
            id: Set(id.0),
            case_id: Set(case_id.0),
            what: Set(new.what),
            assignee_kind: Set(new.assignee.kind().as_str().to_owned()),
            assignee_professional_id: Set(assignee_professional),
            assignee_organisation_id: Set(assignee_organisation),
            assignee_name: Set(assignee_name),
            due_on: Set(new.due_on),
            review_on: Set(new.review_on),
            status: Set(AgreementStatus::Open.as_str().to_owned()),
            status_changed_by_professional_id: Set(Some(professional.0)),
            status_changed_at: Set(now),
            organisation_id: Set(organisation.0),
            professional_id: Set(professional.0),
            withheld_reason: Set(None),
            created_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        record_event(
            self,
            case_id,
            now,
            EventKind::AgreementAdded,
            Some(("agreement", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    pub async fn set_agreement_status(
        &self,
        viewer: &Viewer,
        id: AgreementId,
        status: AgreementStatus,
        expected_version: i32,
    ) -> Result<CaseId> {
        let existing = self
            .item::<domain::case::Agreement>(viewer, id)
            .await?
            .ok_or(Error::NotFound("agreement"))?;
        let (access, _) = self
            .lock_open_case(viewer, existing.case_id, Action::SetAgreementStatus)
            .await?;
        let (professional, _) = access.content_author()?;
        let now = self.now();
        let result = agreement::Entity::update_many()
            .filter(agreement::Column::Id.eq(id.0))
            .filter(agreement::Column::Version.eq(expected_version))
            .col_expr(agreement::Column::Status, Expr::value(status.as_str()))
            .col_expr(agreement::Column::StatusChangedAt, Expr::value(now))
            .col_expr(
                agreement::Column::StatusChangedByProfessionalId,
                Expr::value(Some(professional.0)),
            )
            .col_expr(
                agreement::Column::Version,
                Expr::value(expected_version + 1),
            )
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(stale("agreement"));
        }
        record_event(
            self,
            existing.case_id,
            now,
            EventKind::AgreementChanged,
            Some(("agreement", id.0)),
            access.actor(),
        )
        .await?;
        Ok(existing.case_id)
    }

    pub async fn add_evaluation(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        new: NewEvaluation,
    ) -> Result<EvaluationId> {
        let (access, _) = self
            .lock_open_case(viewer, case_id, Action::RecordEvaluation)
            .await?;
        let (professional, organisation) = access.content_author()?;
        let id = EvaluationId::generate();
        let now = self.now();
        evaluation::Entity::insert(evaluation::ActiveModel {
            id: Set(id.0),
            case_id: Set(case_id.0),
            achieved: Set(new.content.achieved),
            perspective_reached: Set(new.perspective_reached),
            what_worked: Set(new.content.what_worked),
            still_needed: Set(new.content.still_needed),
            next_evaluation_on: Set(new.next_evaluation_on),
            organisation_id: Set(organisation.0),
            professional_id: Set(professional.0),
            withheld_reason: Set(None),
            recorded_at: Set(now),
        })
        .exec_without_returning(self.connection())
        .await?;
        record_event(
            self,
            case_id,
            now,
            EventKind::EvaluationRecorded,
            Some(("evaluation", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }
}
