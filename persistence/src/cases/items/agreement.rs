//! Agreements, who does what (step 5): an assignee on the team must be on it when the
//! agreement is made, and the status moves as the work goes. The whole team sees them, as part
//! of the shared plan; what is still open is counted for caseloads and case lists.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::authz::Action;
use domain::case::{
    Agreement, AgreementContent, AgreementStatus, Assignee, AssigneeKind, EventKind,
};
use domain::{AgreementId, CaseId, InvalidInput, OrganisationId, ProfessionalId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};

use super::{ChangedItem, parsed};
use crate::cases::lists::{CaseItem, ListColumns, Position};
use crate::cases::{
    CaseAccess, PredicateKey, Slicing, Snapshot, Viewer, Writer, group_by_predicate, visible_rows,
};
use crate::entity::{agreement, team_member};
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct NewAgreement {
    pub what: String,
    pub assignee: Assignee,
    pub due_on: Option<NaiveDate>,
    pub review_on: Option<NaiveDate>,
}

pub(in crate::cases) fn to_agreement(
    row: agreement::Model,
    access: &CaseAccess,
) -> Result<Agreement> {
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

impl ChangedItem for Agreement {
    const NAME: &'static str = "agreement";
    const CHANGED: EventKind = EventKind::AgreementChanged;

    fn version_column() -> agreement::Column {
        agreement::Column::Version
    }

    fn case_id(&self) -> CaseId {
        self.case_id
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
pub(in crate::cases) fn open_agreement_count_of(case_id: Expr, key: PredicateKey) -> Expr {
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
    pub(in crate::cases) fn note_open_agreement_count(
        &self,
        access: &CaseAccess,
        open: i64,
    ) -> Result<u64> {
        let open = u64::try_from(open).map_err(|_| Error::Corrupt("agreement count"))?;
        if open > 0 {
            self.disclose(access, "open_agreement_count", 1, None);
        }
        Ok(open)
    }
}

impl Writer {
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
        self.insert_item::<Agreement>(&access, id, EventKind::AgreementAdded, |now| {
            agreement::ActiveModel {
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
            }
        })
        .await
    }

    pub async fn set_agreement_status(
        &self,
        viewer: &Viewer,
        id: AgreementId,
        status: AgreementStatus,
        expected_version: i32,
    ) -> Result<CaseId> {
        self.change_item::<Agreement>(
            viewer,
            id,
            Action::SetAgreementStatus,
            expected_version,
            |update, _, (professional, _), now| {
                Ok(update
                    .col_expr(agreement::Column::Status, Expr::value(status.as_str()))
                    .col_expr(agreement::Column::StatusChangedAt, Expr::value(now))
                    .col_expr(
                        agreement::Column::StatusChangedByProfessionalId,
                        Expr::value(Some(professional.0)),
                    ))
            },
        )
        .await
    }
}
