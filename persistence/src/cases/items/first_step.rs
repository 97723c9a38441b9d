//! First steps (step 4): focus, not a one-year plan. A new first step is refused while the
//! case has as many open as its limit allows; the whole team sees them, as part of the shared
//! plan, and any member who writes content changes their status.

use domain::authz::Action;
use domain::case::{
    EventKind, FirstStep, FirstStepContent, FirstStepStatus, check_open_first_steps,
};
use domain::{CaseId, FirstStepId, OrganisationId, ProfessionalId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{ChangedItem, parsed};
use crate::Result;
use crate::cases::lists::{CaseItem, ListColumns, Position};
use crate::cases::{CaseAccess, Slicing, Viewer, Writer};
use crate::entity::first_step;

#[derive(Debug, Clone)]
pub struct NewFirstStep {
    pub content: FirstStepContent,
    /// How many first steps may be open at once.
    pub open_limit: usize,
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

impl ChangedItem for FirstStep {
    const NAME: &'static str = "first step";
    const CHANGED: EventKind = EventKind::FirstStepChanged;

    fn version_column() -> first_step::Column {
        first_step::Column::Version
    }

    fn case_id(&self) -> CaseId {
        self.case_id
    }
}

impl Writer {
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
        self.insert_item::<FirstStep>(&access, id, EventKind::FirstStepAdded, |now| {
            first_step::ActiveModel {
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
            }
        })
        .await
    }

    pub async fn set_first_step_status(
        &self,
        viewer: &Viewer,
        id: FirstStepId,
        status: FirstStepStatus,
        expected_version: i32,
    ) -> Result<CaseId> {
        self.change_item::<FirstStep>(
            viewer,
            id,
            Action::SetFirstStepStatus,
            expected_version,
            |update, _, _, now| {
                Ok(update
                    .col_expr(first_step::Column::Status, Expr::value(status.as_str()))
                    .col_expr(first_step::Column::UpdatedAt, Expr::value(now)))
            },
        )
        .await
    }
}
