//! The perspective (step 1): what the resident wants their life to look like in about a year,
//! in their own words. Every version is kept, with who recorded it and whether the resident
//! wrote it themselves; the whole team sees it, as part of the shared plan.

use domain::authz::Action;
use domain::case::{EventKind, Perspective};
use domain::{CaseId, PerspectiveId, ProfessionalId};
use sea_orm::ActiveValue::Set;

use crate::Result;
use crate::cases::lists::{CaseItem, ListColumns, Position};
use crate::cases::{CaseAccess, Slicing, Viewer, Writer};
use crate::entity::perspective;

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
        self.insert_item::<Perspective>(&access, id, EventKind::PerspectiveRecorded, |now| {
            perspective::ActiveModel {
                id: Set(id.0),
                case_id: Set(case_id.0),
                text: Set(text),
                written_by_resident: Set(access.is_resident()),
                recorded_by_professional_id: Set(recorded_by.map(|id| id.0)),
                recorded_at: Set(now),
                withheld_reason: Set(None),
            }
        })
        .await
    }
}
