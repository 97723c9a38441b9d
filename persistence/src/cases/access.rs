//! Who is asking, and how they stand to a case: the [`Viewer`] behind an actor and the
//! [`CaseAccess`] found for them in a snapshot, which every read of case content requires.

use chrono::{DateTime, Utc};
use domain::authz::{self, Action, Permit, Principal, Standing};
use domain::case::EventKind;
use domain::identity::Actor;
use domain::slice::{CaseRelation, TeamRole};
use domain::{CaseId, OrganisationId, OrganisationKind, ProfessionalId, ResidentId, RoleSet};
use sea_orm::ConnectionTrait;

use super::Snapshot;
use super::policy_mask::PolicyMask;
use crate::access_log::Accessor;
use crate::entity::case_event;
use crate::{Error, Result};

/// Who is asking. The kind policy of a professional's organisation is not part of it: it is
/// read, as of the snapshot, by the statement that finds their access to a case, and travels
/// with that access.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub(super) kind: ViewerKind,
    /// Who the viewer is as the action policy sees them.
    actor: Actor,
}

#[derive(Debug, Clone)]
pub(super) enum ViewerKind {
    Professional {
        professional_id: ProfessionalId,
        organisation_id: OrganisationId,
        organisation_kind: OrganisationKind,
        roles: RoleSet,
    },
    Resident {
        resident_id: ResidentId,
    },
    /// An organisation's integration. It reads no case through the ordinary queries; with the
    /// export scope it pulls its organisation's agreement changes ([`Snapshot::agreement_changes`]).
    Service {
        organisation_id: OrganisationId,
        organisation_kind: OrganisationKind,
        exports: bool,
    },
    /// The platform operator: no relation to any case.
    Nobody,
}

/// Proof that the viewer stands in a relation to one case, found in this snapshot. It has no
/// public constructor: the only way to hold one is to ask [`Snapshot::case_access`] or
/// [`Snapshot::caseload`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseAccess {
    pub(super) case_id: CaseId,
    pub(super) relation: Relation,
    /// Read as one case of a list (a caseload page): the BSN never reaches an organisation
    /// through a list (§5.7); the resident's own file is theirs whole.
    pub(super) listed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Relation {
    Member {
        professional_id: ProfessionalId,
        organisation_id: OrganisationId,
        organisation_kind: OrganisationKind,
        role: TeamRole,
        policy: PolicyMask,
    },
    Resident {
        resident_id: ResidentId,
    },
    /// An integration reading for its organisation, which has a member on the case who is not
    /// only its process facilitator: it reads what that organisation's members read.
    Service {
        organisation_id: OrganisationId,
        organisation_kind: OrganisationKind,
    },
}

impl CaseAccess {
    pub fn case_id(&self) -> CaseId {
        self.case_id
    }

    /// The relation in the oracle's terms.
    pub fn relation(&self) -> CaseRelation {
        match self.relation {
            Relation::Member {
                role,
                organisation_kind,
                ..
            } => CaseRelation::TeamMember {
                role,
                kind: organisation_kind,
            },
            Relation::Resident { .. } => CaseRelation::Resident,
            Relation::Service {
                organisation_kind, ..
            } => CaseRelation::TeamMember {
                role: TeamRole::Member,
                kind: organisation_kind,
            },
        }
    }

    /// How this access stands to its case, in the action policy's terms.
    pub fn standing(&self) -> Standing {
        match self.relation {
            Relation::Member { role, .. } => Standing::Member(role),
            Relation::Resident { .. } => Standing::Resident,
            // An integration acts on no case through the case's own operations.
            Relation::Service { .. } => Standing::Outsider,
        }
    }

    pub fn team_role(&self) -> Option<TeamRole> {
        match self.relation {
            Relation::Member { role, .. } => Some(role),
            Relation::Resident { .. } | Relation::Service { .. } => None,
        }
    }

    pub fn is_resident(&self) -> bool {
        matches!(self.relation, Relation::Resident { .. })
    }

    /// Whether texts, amounts and names reach this viewer; process facilitators see only the
    /// process (§5.2).
    pub fn sees_content(&self) -> bool {
        self.team_role() != Some(TeamRole::ProcessFacilitator)
    }

    /// Whether the resident's name and contact details reach this viewer (§5.7).
    pub fn sees_resident_identity(&self) -> bool {
        self.sees_content()
    }

    /// Whether the resident's BSN reaches this viewer: the resident, and members of kinds
    /// whose policy includes it (§5.7).
    pub fn sees_bsn(&self) -> bool {
        match self.relation {
            // Never in a list of cases, only on one case's own view (§5.7).
            Relation::Member { role, policy, .. } => {
                policy.bsn && role != TeamRole::ProcessFacilitator && !self.listed
            }
            Relation::Resident { .. } => true,
            // An export carries no identifiers; the back office has its own.
            Relation::Service { .. } => false,
        }
    }

    pub(super) fn member(&self) -> Option<(ProfessionalId, OrganisationId)> {
        match self.relation {
            Relation::Member {
                professional_id,
                organisation_id,
                ..
            } => Some((professional_id, organisation_id)),
            Relation::Resident { .. } | Relation::Service { .. } => None,
        }
    }

    /// The professional and organisation writing content, or why this viewer may not.
    pub(super) fn content_author(&self) -> Result<(ProfessionalId, OrganisationId)> {
        match self.relation {
            Relation::Member {
                role: TeamRole::ProcessFacilitator,
                ..
            } => Err(Error::Forbidden(
                "a process facilitator guides the process and does not write content",
            )),
            Relation::Member {
                professional_id,
                organisation_id,
                ..
            } => Ok((professional_id, organisation_id)),
            Relation::Resident { .. } => Err(Error::Forbidden(
                "the resident writes their perspective and consents; the team writes the rest",
            )),
            Relation::Service { .. } => Err(Error::Forbidden(
                "an integration reads its organisation's caseload and does not write content",
            )),
        }
    }

    pub(super) fn require_case_lead(&self) -> Result<(ProfessionalId, OrganisationId)> {
        match self.relation {
            Relation::Member {
                role: TeamRole::CaseLead,
                professional_id,
                organisation_id,
                ..
            } => Ok((professional_id, organisation_id)),
            _ => Err(Error::Forbidden("only the case lead may do this")),
        }
    }

    /// Who did something, for the timeline and the who-changed-it columns.
    pub(super) fn actor(&self) -> ActorColumns {
        match self.relation {
            Relation::Member {
                professional_id,
                organisation_id,
                role,
                ..
            } => ActorColumns {
                kind: "professional",
                professional_id: Some(professional_id),
                organisation_id: Some(organisation_id),
                by_resident: false,
                role: role.as_str(),
            },
            Relation::Resident { .. } => ActorColumns {
                kind: "resident",
                professional_id: None,
                organisation_id: None,
                by_resident: true,
                role: "resident",
            },
            Relation::Service {
                organisation_id, ..
            } => ActorColumns {
                kind: "service",
                professional_id: None,
                organisation_id: Some(organisation_id),
                by_resident: false,
                role: "service",
            },
        }
    }

    /// Who this access reads for, as the access log records them.
    pub(crate) fn accessor(&self) -> Accessor {
        self.actor().accessor()
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct ActorColumns {
    /// `professional`, `resident` or `service`, as the access log names actors.
    pub(super) kind: &'static str,
    pub(super) professional_id: Option<ProfessionalId>,
    pub(super) organisation_id: Option<OrganisationId>,
    pub(super) by_resident: bool,
    /// The actor's role on the case, as the access log names it.
    pub(super) role: &'static str,
}

impl ActorColumns {
    pub(super) fn accessor(self) -> Accessor {
        Accessor {
            kind: self.kind,
            id: self.professional_id.map(|id| id.0.to_string()),
            organisation_id: self.organisation_id.map(|id| id.0),
            role: Some(self.role),
        }
    }
}

impl Snapshot {
    /// The viewer behind `actor`; a service's organisation as of this snapshot.
    pub async fn viewer(&self, actor: &Actor) -> Result<Viewer> {
        let kind = match actor {
            Actor::Professional(professional) => ViewerKind::Professional {
                professional_id: professional.professional_id,
                organisation_id: professional.organisation_id,
                organisation_kind: professional.organisation_kind,
                roles: professional.roles.clone(),
            },
            Actor::Resident(resident) => ViewerKind::Resident {
                resident_id: resident.resident_id,
            },
            Actor::Service(service) => {
                let organisation = self
                    .organisations_by_id(&[service.organisation_id])
                    .await?
                    .pop()
                    .ok_or(Error::NotFound("organisation"))?;
                ViewerKind::Service {
                    organisation_id: service.organisation_id,
                    organisation_kind: organisation.kind,
                    exports: service
                        .scopes
                        .contains(&domain::identity::ServiceScope::CaseloadExport),
                }
            }
            Actor::PlatformAdmin(_) => ViewerKind::Nobody,
        };
        Ok(Viewer {
            kind,
            actor: actor.clone(),
        })
    }

    /// The viewer's access to one case, or `NotFound` — the same answer for a case that does
    /// not exist and one the viewer has no relation to (§5.1).
    pub async fn case_access(&self, viewer: &Viewer, case_id: CaseId) -> Result<CaseAccess> {
        self.case_accesses(viewer, &[case_id])
            .await?
            .pop()
            .ok_or(Error::NotFound("case"))
    }

    /// Which of `case_ids` the viewer still has a relation to, as of this snapshot: a response
    /// kept from earlier is delivered again only while every case in it is.
    pub async fn related_cases(&self, viewer: &Viewer, case_ids: &[CaseId]) -> Result<Vec<CaseId>> {
        Ok(self
            .case_accesses(viewer, case_ids)
            .await?
            .into_iter()
            .map(|access| access.case_id)
            .collect())
    }

    /// Whether anything that narrows what the team or the resident reads happened on any of
    /// `case_ids` after `since`: a consent revoked, an item withheld, a member leaving or
    /// removed, the case lead handed on, or the kind policy of the viewer's organisation
    /// replaced. A response kept from before such a change is not delivered again, since it
    /// may hold what its reader no longer sees.
    pub async fn access_changed_since(
        &self,
        viewer: &Viewer,
        case_ids: &[CaseId],
        since: DateTime<Utc>,
    ) -> Result<bool> {
        use crate::entity::kind_policy;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        if let ViewerKind::Professional {
            organisation_kind, ..
        } = &viewer.kind
        {
            let replaced = kind_policy::Entity::find()
                .filter(kind_policy::Column::OrganisationKind.eq(organisation_kind.as_str()))
                .filter(kind_policy::Column::UpdatedAt.gt(since))
                .count(self.connection())
                .await?;
            if replaced > 0 {
                return Ok(true);
            }
        }
        let changes = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(case_ids.iter().map(|id| id.0)))
            .filter(case_event::Column::At.gt(since))
            .filter(
                case_event::Column::Kind.is_in(
                    [
                        EventKind::ConsentRevoked,
                        EventKind::WithheldFromResident,
                        EventKind::MemberLeft,
                        EventKind::MemberRemoved,
                        EventKind::CaseLeadTransferred,
                    ]
                    .map(EventKind::as_str),
                ),
            )
            .count(self.connection())
            .await?;
        Ok(changes > 0)
    }

    /// The viewer's access to each of `case_ids` they have a relation to, in one query.
    pub(crate) async fn case_accesses(
        &self,
        viewer: &Viewer,
        case_ids: &[CaseId],
    ) -> Result<Vec<CaseAccess>> {
        use crate::entity::{case, team_member};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
        let ids: Vec<_> = case_ids.iter().map(|id| id.0).collect();
        match &viewer.kind {
            ViewerKind::Professional {
                professional_id,
                organisation_id,
                organisation_kind,
                roles,
            } => {
                let mut query = team_member::Entity::find()
                    .select_only()
                    .column(team_member::Column::CaseId)
                    .column(team_member::Column::Role)
                    .filter(team_member::Column::CaseId.is_in(ids))
                    .filter(team_member::Column::ProfessionalId.eq(professional_id.0))
                    .filter(team_member::Column::OrganisationId.eq(organisation_id.0))
                    .filter(team_member::Column::LeftAt.is_null())
                    .filter(team_member::Column::Role.is_in(acting_team_roles(roles)));
                for (column, alias) in PolicyMask::columns(self.backend(), *organisation_kind) {
                    query = query.column_as(column, alias);
                }
                let rows = self
                    .connection()
                    .query_all_raw(query.build(self.backend()))
                    .await?;
                rows.iter()
                    .map(|row| {
                        let case_id: uuid::Uuid = row.try_get("", "case_id")?;
                        let role: String = row.try_get("", "role")?;
                        viewer.access(CaseId(case_id), Some((&role, PolicyMask::from_row(row)?)))
                    })
                    .collect()
            }
            ViewerKind::Resident { resident_id } => {
                let rows: Vec<uuid::Uuid> = case::Entity::find()
                    .select_only()
                    .column(case::Column::Id)
                    .filter(case::Column::Id.is_in(ids))
                    .filter(case::Column::ResidentId.eq(resident_id.0))
                    .into_tuple()
                    .all(self.connection())
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|id| CaseAccess {
                        listed: false,
                        case_id: CaseId(id),
                        relation: Relation::Resident {
                            resident_id: *resident_id,
                        },
                    })
                    .collect())
            }
            ViewerKind::Service { .. } | ViewerKind::Nobody => Ok(Vec::new()),
        }
    }
}

/// The team roles a token with `roles` acts in: a membership counts only while the token
/// carries an organisation role that fits it (`domain::authz::acts_in_team_role`), so a token
/// never reads or does more on a case than joining it fresh would allow.
pub(crate) fn acting_team_roles(roles: &RoleSet) -> Vec<&'static str> {
    TeamRole::ALL
        .iter()
        .filter(|team_role| domain::authz::acts_in_team_role(roles, **team_role))
        .map(|team_role| team_role.as_str())
        .collect()
}

impl Viewer {
    /// Asks the action policy whether this viewer, standing so to the object, may do `action`.
    pub fn authorize(&self, standing: Standing, action: Action) -> Result<Permit> {
        authz::authorize(Principal::of(&self.actor), standing, action).map_err(Error::from)
    }

    /// The actor this viewer was built from.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The access of this viewer to a case they were found to have a relation to: for a
    /// professional, `member` is their active team role there and their organisation kind's
    /// policy, read in the same snapshot.
    pub(super) fn access(
        &self,
        case_id: CaseId,
        member: Option<(&str, PolicyMask)>,
    ) -> Result<CaseAccess> {
        let relation = match (&self.kind, member) {
            (
                ViewerKind::Professional {
                    professional_id,
                    organisation_id,
                    organisation_kind,
                    ..
                },
                Some((role, policy)),
            ) => Relation::Member {
                professional_id: *professional_id,
                organisation_id: *organisation_id,
                organisation_kind: *organisation_kind,
                role: TeamRole::parse(role).ok_or(Error::Corrupt("team role"))?,
                policy,
            },
            (ViewerKind::Resident { resident_id }, None) => Relation::Resident {
                resident_id: *resident_id,
            },
            _ => return Err(Error::NotFound("case")),
        };
        Ok(CaseAccess {
            case_id,
            relation,
            listed: false,
        })
    }

    pub(super) fn professional(&self) -> Result<(ProfessionalId, OrganisationId, &RoleSet)> {
        match &self.kind {
            ViewerKind::Professional {
                professional_id,
                organisation_id,
                roles,
                ..
            } => Ok((*professional_id, *organisation_id, roles)),
            _ => Err(Error::Forbidden("only a professional may do this")),
        }
    }

    /// The organisation the viewer acts for, if any.
    pub fn organisation_id(&self) -> Option<OrganisationId> {
        match &self.kind {
            ViewerKind::Professional {
                organisation_id, ..
            } => Some(*organisation_id),
            _ => None,
        }
    }
}
