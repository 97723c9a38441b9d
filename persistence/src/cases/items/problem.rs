//! What is going on (step 3): problems classed as personal, professional or system, per life
//! domain, with whether the resident shares the picture. Sliced per organisation like facts,
//! without the need-to-know mark; only the organisation that recorded a problem withholds it
//! from the resident.

use domain::authz::Action;
use domain::case::{EventKind, Problem, ProblemKind};
use domain::slice::SharingLevel;
use domain::{CaseId, LifeDomain, OrganisationId, ProblemId, ProfessionalId};
use sea_orm::ActiveValue::Set;

use super::parsed;
use crate::Result;
use crate::cases::lists::{CaseItem, ListColumns, Position};
use crate::cases::{CaseAccess, Slicing, Viewer, Writer};
use crate::entity::problem;

#[derive(Debug, Clone)]
pub struct NewProblem {
    pub kind: ProblemKind,
    pub life_domain: LifeDomain,
    pub text: String,
    pub resident_shares_picture: bool,
    pub sharing: SharingLevel,
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

impl Writer {
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
        self.insert_item::<Problem>(&access, id, EventKind::ProblemAdded, |now| {
            problem::ActiveModel {
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
            }
        })
        .await
    }
}
