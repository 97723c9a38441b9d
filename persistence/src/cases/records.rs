//! Cases themselves: opening, reading one, status and step, and who a case is about.

use chrono::{Datelike, NaiveDate};
use domain::Bsn;
use domain::authz::{Action, Standing};
use domain::case::EventKind;
use domain::case::{Case, CaseReference, CaseStatus, CaseStep};
use domain::resident::Contact;
use domain::slice::TeamRole;
use domain::{CaseId, MunicipalityId, ResidentId};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect,
};

use super::{CaseAccess, Relation, Snapshot, Viewer, ViewerKind, Writer, record_event};
use crate::entity::{
    case, case_reference_counter, municipality, organisation_municipality, resident, team_member,
};
use crate::{Error, Result};

pub(super) fn to_case(row: case::Model) -> Result<Case> {
    Ok(Case {
        id: CaseId(row.id),
        municipality_id: MunicipalityId(row.municipality_id),
        reference: CaseReference::from_stored(row.reference),
        resident_id: ResidentId(row.resident_id),
        status: CaseStatus::parse(&row.status).ok_or(Error::Corrupt("case status"))?,
        step: CaseStep::parse(&row.step).ok_or(Error::Corrupt("case step"))?,
        status_reason: row.status_reason,
        opened_at: row.opened_at,
        closed_at: row.closed_at,
        last_activity_at: row.last_activity_at,
        version: row.version,
    })
}

/// A case as `access` may see it.
pub(super) fn sliced_case(row: case::Model, access: &CaseAccess) -> Result<Case> {
    let mut case = to_case(row)?;
    if !access.sees_content() {
        case.status_reason = None;
    }
    Ok(case)
}

/// Who a new case is about, as the professional opening it knows them.
#[derive(Debug, Clone)]
pub struct ResidentToOpen {
    /// With `date_of_birth`, identifies a registered resident.
    pub bsn: Option<Bsn>,
    pub date_of_birth: NaiveDate,
    /// For a resident who is not registered yet.
    pub name: Option<String>,
    pub contact: Contact,
}

impl Snapshot {
    /// Notes that the case of `row` leaves for `access`, with the municipality and resident the
    /// access log files it under, so that appending needs no lookup.
    pub(super) fn disclose_case(&self, access: &CaseAccess, row: &case::Model) {
        self.ledger
            .know_subject(access.case_id, (row.municipality_id, row.resident_id));
        self.disclose(access, "case", 1, None);
    }

    pub async fn case(&self, access: &CaseAccess) -> Result<Case> {
        let row = case::Entity::find_by_id(access.case_id.0)
            .one(self.connection())
            .await?
            .ok_or(Error::NotFound("case"))?;
        self.disclose_case(access, &row);
        sliced_case(row, access)
    }

    /// The cases of `accesses`, in one query.
    pub async fn cases(&self, accesses: &[CaseAccess]) -> Result<Vec<(CaseAccess, Case)>> {
        let rows = case::Entity::find()
            .filter(case::Column::Id.is_in(accesses.iter().map(|access| access.case_id.0)))
            .all(self.connection())
            .await?;
        rows.into_iter()
            .filter_map(|row| {
                let access = accesses.iter().find(|access| access.case_id.0 == row.id)?;
                self.disclose_case(access, &row);
                Some(sliced_case(row, access).map(|case| (access.clone(), case)))
            })
            .collect()
    }
}

impl Writer {
    /// Locks the case for this transaction and returns the viewer's access to it. Every write
    /// to a case starts here, so writes to one case never interleave.
    pub(super) async fn lock_case(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        action: Action,
    ) -> Result<(CaseAccess, Case)> {
        let mut query = case::Entity::find_by_id(case_id.0);
        if self.backend() == sea_orm::DatabaseBackend::Postgres {
            query = query.lock_exclusive();
        }
        // The row is read before the access check, but nothing of it is returned unless the
        // viewer has access.
        let row = query.one(self.connection()).await?;
        let access = self.case_access(viewer, case_id).await?;
        let row = row.ok_or(Error::NotFound("case"))?;
        viewer.authorize(access.standing(), action)?;
        let case = sliced_case(row, &access)?;
        Ok((access, case))
    }

    /// [`Writer::lock_case`] for a write that needs the case open.
    pub(super) async fn lock_open_case(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        action: Action,
    ) -> Result<(CaseAccess, Case)> {
        let (access, case) = self.lock_case(viewer, case_id, action).await?;
        if case.status == CaseStatus::Closed {
            return Err(Error::Invalid(domain::InvalidInput::new(
                "caseId",
                "the case is closed; reopen it first",
            )));
        }
        Ok((access, case))
    }

    /// Opens a case in `municipality` for the resident `resident` identifies: a registered
    /// resident when a BSN and the date of birth match one, a newly registered resident
    /// otherwise. A bare resident id never opens a case, so opening one hands over no
    /// identifying data the professional did not bring. The opening professional becomes the
    /// case lead; the opening is in the access log, where the resident sees it.
    pub async fn open_case(
        &self,
        viewer: &Viewer,
        municipality_id: MunicipalityId,
        resident: ResidentToOpen,
    ) -> Result<CaseId> {
        viewer.authorize(Standing::Unrelated, Action::OpenCase)?;
        let (professional_id, organisation_id, _) = viewer.professional()?;
        let serves = organisation_municipality::Entity::find()
            .filter(organisation_municipality::Column::OrganisationId.eq(organisation_id.0))
            .filter(organisation_municipality::Column::MunicipalityId.eq(municipality_id.0))
            .one(self.connection())
            .await?;
        if serves.is_none() {
            return Err(Error::Invalid(domain::InvalidInput::new(
                "municipalityId",
                "your organisation does not work in this municipality",
            )));
        }
        let municipality = municipality::Entity::find_by_id(municipality_id.0)
            .one(self.connection())
            .await?
            .ok_or(Error::Corrupt("organisation municipality"))?;
        let resident_id = self.identify_resident(resident).await?;
        let now = self.now();
        let year = domain::calendar::local_date(now).year();
        let sequence = self.next_reference_sequence(municipality_id, year).await?;
        let code = domain::MunicipalityCode::parse(&municipality.code)
            .map_err(|_| Error::Corrupt("municipality code"))?;
        let reference = CaseReference::new(&code, year, sequence);
        let case_id = CaseId::generate();
        case::Entity::insert(case::ActiveModel {
            id: Set(case_id.0),
            municipality_id: Set(municipality_id.0),
            reference: Set(reference.as_str().to_owned()),
            resident_id: Set(resident_id.0),
            status: Set(CaseStatus::Open.as_str().to_owned()),
            step: Set(CaseStep::Perspective.as_str().to_owned()),
            status_reason: Set(None),
            opened_by_professional_id: Set(professional_id.0),
            opened_at: Set(now),
            closed_at: Set(None),
            last_activity_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        team_member::Entity::insert(team_member::ActiveModel {
            id: Set(domain::TeamMemberId::generate().0),
            case_id: Set(case_id.0),
            professional_id: Set(professional_id.0),
            organisation_id: Set(organisation_id.0),
            role: Set(TeamRole::CaseLead.as_str().to_owned()),
            joined_at: Set(now),
            left_at: Set(None),
            left_reason: Set(None),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        let organisation_kind = match &viewer.kind {
            ViewerKind::Professional {
                organisation_kind, ..
            } => *organisation_kind,
            _ => unreachable!("checked above"),
        };
        let access = CaseAccess {
            listed: false,
            case_id,
            relation: Relation::Member {
                professional_id,
                organisation_id,
                organisation_kind,
                role: TeamRole::CaseLead,
                policy: self.policy_mask(organisation_kind).await?,
            },
        };
        record_event(
            self,
            case_id,
            now,
            EventKind::CaseOpened,
            None,
            access.actor(),
        )
        .await?;
        Ok(case_id)
    }

    /// The resident a new case is about: the registered one whose BSN and date of birth match,
    /// or a new registration.
    async fn identify_resident(&self, resident: ResidentToOpen) -> Result<ResidentId> {
        if let Some(bsn) = &resident.bsn {
            let registered = resident::Entity::find()
                .filter(resident::Column::Bsn.eq(bsn.expose()))
                .one(self.connection())
                .await?;
            if let Some(row) = registered {
                if row.date_of_birth != resident.date_of_birth {
                    return Err(domain::InvalidInput::new(
                        "resident.dateOfBirth",
                        "does not match the resident registered with this BSN",
                    )
                    .into());
                }
                return Ok(ResidentId(row.id));
            }
        }
        let name = resident.name.ok_or_else(|| {
            domain::InvalidInput::new(
                "resident.name",
                "a resident who is not registered yet needs a name",
            )
        })?;
        let new = crate::residents::NewResident {
            name,
            date_of_birth: resident.date_of_birth,
            contact: resident.contact,
            bsn: resident.bsn,
        };
        let id = ResidentId::generate();
        resident::Entity::insert(crate::residents::new_row(id, &new, self.now()))
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| {
                crate::error::conflict_on_unique(error, "a resident with this BSN already exists")
            })?;
        Ok(id)
    }

    /// The next number in this municipality's series for `year`; the counter row serialises
    /// concurrent openings.
    async fn next_reference_sequence(
        &self,
        municipality_id: MunicipalityId,
        year: i32,
    ) -> Result<i64> {
        let counters = Alias::new("case_reference_counters");
        let statement = Query::insert()
            .into_table(case_reference_counter::Entity)
            .columns([
                case_reference_counter::Column::MunicipalityId,
                case_reference_counter::Column::Year,
                case_reference_counter::Column::LastSequence,
            ])
            .values_panic([municipality_id.0.into(), year.into(), 1i64.into()])
            .on_conflict(
                OnConflict::columns([
                    case_reference_counter::Column::MunicipalityId,
                    case_reference_counter::Column::Year,
                ])
                .value(
                    case_reference_counter::Column::LastSequence,
                    Expr::col((counters, Alias::new("last_sequence"))).add(1),
                )
                .to_owned(),
            )
            .returning_col(case_reference_counter::Column::LastSequence)
            .to_owned();
        #[derive(FromQueryResult)]
        struct Sequence {
            last_sequence: i64,
        }
        let built = self.backend().build(&statement);
        let row = self
            .connection()
            .query_one_raw(built)
            .await?
            .ok_or(Error::Corrupt("case reference counter"))?;
        Ok(Sequence::from_query_result(&row, "")?.last_sequence)
    }

    /// Moves the case to `step`; any member may, the process facilitator included.
    pub async fn set_case_step(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        step: CaseStep,
        expected_version: i32,
    ) -> Result<()> {
        let (access, _) = self.lock_case(viewer, case_id, Action::SetCaseStep).await?;
        if access.is_resident() {
            return Err(Error::Forbidden("the team moves the case between steps"));
        }
        self.update_case(&access, expected_version, |update| {
            update.col_expr(case::Column::Step, Expr::value(step.as_str()))
        })
        .await?;
        record_event(
            self,
            case_id,
            self.now(),
            EventKind::StepChanged,
            None,
            access.actor(),
        )
        .await
    }

    /// Closes or reopens the case, with the reason; only the case lead may.
    pub async fn set_case_status(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        status: CaseStatus,
        reason: String,
        expected_version: i32,
    ) -> Result<()> {
        let (access, case) = self
            .lock_case(
                viewer,
                case_id,
                match status {
                    CaseStatus::Closed => Action::CloseCase,
                    CaseStatus::Open => Action::ReopenCase,
                },
            )
            .await?;
        access.require_case_lead()?;
        if case.status == status {
            return Err(Error::Invalid(domain::InvalidInput::new(
                "caseId",
                format!("the case is already {status}"),
            )));
        }
        let now = self.now();
        self.update_case(&access, expected_version, |update| {
            update
                .col_expr(case::Column::Status, Expr::value(status.as_str()))
                .col_expr(case::Column::StatusReason, Expr::value(reason))
                .col_expr(
                    case::Column::ClosedAt,
                    Expr::value((status == CaseStatus::Closed).then_some(now)),
                )
        })
        .await?;
        let kind = match status {
            CaseStatus::Closed => EventKind::CaseClosed,
            CaseStatus::Open => EventKind::CaseReopened,
        };
        record_event(self, case_id, now, kind, None, access.actor()).await
    }

    /// Applies `change` to the case row if it is still at `expected_version`.
    async fn update_case(
        &self,
        access: &CaseAccess,
        expected_version: i32,
        change: impl FnOnce(sea_orm::UpdateMany<case::Entity>) -> sea_orm::UpdateMany<case::Entity>,
    ) -> Result<()> {
        let update = case::Entity::update_many()
            .filter(case::Column::Id.eq(access.case_id.0))
            .filter(case::Column::Version.eq(expected_version))
            .col_expr(case::Column::Version, Expr::value(expected_version + 1));
        let result = change(update).exec(self.connection()).await?;
        if result.rows_affected != 1 {
            return Err(crate::error::stale("case"));
        }
        Ok(())
    }
}

impl Snapshot {
    /// The resident of each case whose viewer may see who it is about: name and contact for
    /// team members, the BSN only for kinds whose policy includes it (§5.7).
    pub async fn case_residents(
        &self,
        accesses: &[CaseAccess],
    ) -> Result<std::collections::HashMap<CaseId, domain::resident::Resident>> {
        let allowed: Vec<&CaseAccess> = accesses
            .iter()
            .filter(|access| access.sees_resident_identity())
            .collect();
        let pairs: Vec<(uuid::Uuid, uuid::Uuid)> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .column(case::Column::ResidentId)
            .filter(case::Column::Id.is_in(allowed.iter().map(|access| access.case_id.0)))
            .into_tuple()
            .all(self.connection())
            .await?;
        let residents = resident::Entity::find()
            .filter(resident::Column::Id.is_in(pairs.iter().map(|(_, resident)| *resident)))
            .all(self.connection())
            .await?;
        let mut by_case = std::collections::HashMap::new();
        for (case_id, resident_id) in pairs {
            let Some(access) = allowed.iter().find(|access| access.case_id.0 == case_id) else {
                continue;
            };
            let Some(row) = residents.iter().find(|row| row.id == resident_id) else {
                continue;
            };
            let mut resident = crate::residents::to_resident(row.clone())?;
            if !access.sees_bsn() {
                resident.bsn = None;
            }
            self.disclose(access, "resident", 1, None);
            self.disclose(access, "bsn", usize::from(resident.bsn.is_some()), None);
            by_case.insert(CaseId(case_id), resident);
        }
        Ok(by_case)
    }
}
