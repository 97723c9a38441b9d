//! Evaluations (step 6): what was achieved, whether the perspective is reached, what worked,
//! what is still needed and when the next evaluation is due. Recorded, never changed; the
//! whole team sees them, as part of the shared plan.

use chrono::NaiveDate;
use domain::authz::Action;
use domain::case::{Evaluation, EvaluationContent, EventKind};
use domain::{CaseId, EvaluationId, OrganisationId, ProfessionalId};
use sea_orm::ActiveValue::Set;

use crate::Result;
use crate::cases::lists::{CaseItem, ListColumns, Position};
use crate::cases::{CaseAccess, Slicing, Viewer, Writer};
use crate::entity::evaluation;

#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub content: EvaluationContent,
    pub perspective_reached: bool,
    pub next_evaluation_on: Option<NaiveDate>,
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

impl Writer {
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
        self.insert_item::<Evaluation>(&access, id, EventKind::EvaluationRecorded, |now| {
            evaluation::ActiveModel {
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
            }
        })
        .await
    }
}
