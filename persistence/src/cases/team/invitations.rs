//! Bringing a partner in (DOMAIN.md §3, "bring in, don't hand over"): invitations as the
//! team and the invitee read them, and their life cycle: invited or escalated to the
//! breakthrough team, accepted (the invitee joins) or declined, or withdrawn by the team.

use std::collections::HashMap;

use domain::authz::{Action, Standing};
use domain::case::{CaseReference, EventKind, Invitation, InvitationStatus, check_invited_role};
use domain::slice::TeamRole;
use domain::{
    CaseId, InvalidInput, InvitationId, OrganisationId, OrganisationKind, ProfessionalId,
    TeamMemberId,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use crate::cases::lists::{ListColumns, ListPage, PageRequest};
use crate::cases::{ActorColumns, CaseAccess, Snapshot, Viewer, ViewerKind, Writer, record_event};
use crate::entity::{
    case, invitation, organisation, organisation_municipality, professional, team_member,
};
use crate::error::{conflict_on_unique, stale};
use crate::{Error, Result};

/// What the invited organisation does with an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationDecision {
    /// Join in the team role the invitation names.
    Accept,
    Decline,
}

fn to_invitation(row: invitation::Model, reference: String) -> Result<Invitation> {
    Ok(Invitation {
        id: InvitationId(row.id),
        case_id: CaseId(row.case_id),
        case_reference: CaseReference::from_stored(reference),
        organisation_id: OrganisationId(row.organisation_id),
        professional_id: row.professional_id.map(ProfessionalId),
        reason: Some(row.reason),
        escalation: row.escalation,
        team_role: TeamRole::parse(&row.team_role).ok_or(Error::Corrupt("team role"))?,
        status: InvitationStatus::parse(&row.status).ok_or(Error::Corrupt("invitation status"))?,
        invited_by_organisation_id: OrganisationId(row.invited_by_organisation_id),
        invited_by_professional_id: ProfessionalId(row.invited_by_professional_id),
        invited_at: row.invited_at,
        decided_at: row.decided_at,
        version: row.version,
    })
}

impl Snapshot {
    /// One invitation, for `node(id:)`: as the case's team sees it, or as the invited
    /// organisation sees a pending one in its invitations.
    pub async fn invitation(
        &self,
        viewer: &Viewer,
        id: InvitationId,
    ) -> Result<Option<Invitation>> {
        let Some(case_id) = self
            .case_of::<invitation::Entity>(id.0, invitation::Column::Id, invitation::Column::CaseId)
            .await?
        else {
            return Ok(None);
        };
        let accesses = self.case_accesses(viewer, &[case_id]).await?;
        let listed = if accesses.is_empty() {
            self.invitations_for_viewer(viewer).await?
        } else {
            self.case_invitations_where(
                &accesses,
                Condition::all().add(invitation::Column::Id.eq(id.0)),
                PageRequest::whole(),
            )
            .await?
            .remove(&case_id)
            .map(|page| page.items)
            .unwrap_or_default()
        };
        Ok(listed.into_iter().find(|invitation| invitation.id == id))
    }

    /// The invitations of each case (all statuses), for its team. The resident does not see
    /// who is being asked before they join.
    pub async fn case_invitations(
        &self,
        accesses: &[CaseAccess],
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<Invitation>>> {
        self.case_invitations_where(accesses, Condition::all(), page)
            .await
    }

    async fn case_invitations_where(
        &self,
        accesses: &[CaseAccess],
        condition: Condition,
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<Invitation>>> {
        let ids: Vec<_> = accesses
            .iter()
            .filter(|access| !access.is_resident())
            .map(|access| access.case_id.0)
            .collect();
        let pages = self
            .page_rows::<invitation::Entity>(
                ids.clone(),
                condition,
                &ListColumns {
                    case: invitation::Column::CaseId,
                    at: invitation::Column::InvitedAt,
                    id: invitation::Column::Id,
                },
                page,
            )
            .await?;
        let references = self.references(&ids).await?;
        let mut by_case = HashMap::new();
        for (case_id, rows) in pages {
            let Some(access) = accesses.iter().find(|access| access.case_id.0 == case_id) else {
                continue;
            };
            let reference = references.get(&case_id).cloned().unwrap_or_default();
            self.disclose(access, "invitation", rows.items.len(), None);
            let page = rows.map(|row| {
                let mut invitation = to_invitation(row, reference.clone())?;
                if !access.sees_content() {
                    invitation.reason = None;
                }
                Ok(invitation)
            })?;
            by_case.insert(access.case_id, page);
        }
        Ok(by_case)
    }

    async fn references(&self, case_ids: &[uuid::Uuid]) -> Result<HashMap<uuid::Uuid, String>> {
        use sea_orm::QuerySelect;
        let rows: Vec<(uuid::Uuid, String)> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .column(case::Column::Reference)
            .filter(case::Column::Id.is_in(case_ids.iter().copied()))
            .into_tuple()
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// Pending invitations addressed to the viewer: to their organisation, or to them by name.
    /// The invitee sees the reference, the inviting organisation and the reason, nothing more.
    pub async fn invitations_for_viewer(&self, viewer: &Viewer) -> Result<Vec<Invitation>> {
        let ViewerKind::Professional {
            professional_id,
            organisation_id,
            ..
        } = &viewer.kind
        else {
            return Ok(Vec::new());
        };
        let rows = invitation::Entity::find()
            .filter(invitation::Column::OrganisationId.eq(organisation_id.0))
            .filter(invitation::Column::Status.eq(InvitationStatus::Pending.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(invitation::Column::ProfessionalId.is_null())
                    .add(invitation::Column::ProfessionalId.eq(professional_id.0)),
            )
            .order_by_asc(invitation::Column::InvitedAt)
            .all(self.connection())
            .await?;
        let ids: Vec<_> = rows.iter().map(|row| row.case_id).collect();
        let references = self.references(&ids).await?;
        // The invited organisation is not on the team yet; what it reads is logged all the same.
        for row in &rows {
            self.ledger.disclose(
                CaseId(row.case_id),
                crate::access_log::Accessor {
                    kind: "professional",
                    id: Some(professional_id.0.to_string()),
                    organisation_id: Some(organisation_id.0),
                    role: Some("invited_organisation"),
                },
                "invitation",
                1,
                None,
            );
        }
        rows.into_iter()
            .map(|row| {
                let reference = references.get(&row.case_id).cloned().unwrap_or_default();
                to_invitation(row, reference)
            })
            .collect()
    }

    /// An invitation the viewer may act on as the invitee.
    async fn invitation_for_invitee(
        &self,
        viewer: &Viewer,
        id: InvitationId,
    ) -> Result<invitation::Model> {
        let (professional_id, organisation_id, _) = viewer.professional()?;
        invitation::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .filter(|row| {
                row.organisation_id == organisation_id.0
                    && row
                        .professional_id
                        .is_none_or(|named| named == professional_id.0)
            })
            .ok_or(Error::NotFound("invitation"))
    }
}

impl Writer {
    /// Invites an organisation, or one named professional of it, to join the team.
    pub async fn invite(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        organisation_id: OrganisationId,
        professional_id: Option<ProfessionalId>,
        team_role: TeamRole,
        reason: String,
    ) -> Result<InvitationId> {
        check_invited_role(team_role)?;
        let (access, _) = self
            .lock_open_case(viewer, case_id, Action::InviteToCase)
            .await?;
        let (inviter, inviting_organisation) = access.member().ok_or(Error::Forbidden(
            "the team invites; the resident gives consent",
        ))?;
        if organisation::Entity::find_by_id(organisation_id.0)
            .one(self.connection())
            .await?
            .is_none()
        {
            return Err(InvalidInput::new("organisationId", "no such organisation").into());
        }
        if let Some(named) = professional_id {
            let belongs = professional::Entity::find_by_id(named.0)
                .one(self.connection())
                .await?
                .is_some_and(|row| row.organisation_id == organisation_id.0);
            if !belongs {
                return Err(InvalidInput::new(
                    "professionalId",
                    "no such professional in this organisation",
                )
                .into());
            }
        }
        self.insert_invitation(
            &access,
            (organisation_id, professional_id, team_role),
            reason,
            false,
            (inviter, inviting_organisation),
        )
        .await
    }

    /// Brings the municipality's breakthrough team in: an invitation marked as an escalation.
    pub async fn escalate(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        reason: String,
    ) -> Result<InvitationId> {
        let (access, case) = self
            .lock_open_case(viewer, case_id, Action::EscalateToBreakthroughTeam)
            .await?;
        let inviter = access
            .member()
            .ok_or(Error::Forbidden("the team escalates"))?;
        let serving: Vec<uuid::Uuid> = organisation_municipality::Entity::find()
            .filter(organisation_municipality::Column::MunicipalityId.eq(case.municipality_id.0))
            .all(self.connection())
            .await?
            .into_iter()
            .map(|row| row.organisation_id)
            .collect();
        let breakthrough = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(serving))
            .filter(organisation::Column::Kind.eq(OrganisationKind::BreakthroughTeam.as_str()))
            .order_by_asc(organisation::Column::Name)
            .one(self.connection())
            .await?
            .ok_or_else(|| {
                InvalidInput::new("caseId", "no breakthrough team works in this municipality")
            })?;
        self.insert_invitation(
            &access,
            (OrganisationId(breakthrough.id), None, TeamRole::Member),
            reason,
            true,
            inviter,
        )
        .await
    }

    async fn insert_invitation(
        &self,
        access: &CaseAccess,
        (organisation_id, professional_id, team_role): (
            OrganisationId,
            Option<ProfessionalId>,
            TeamRole,
        ),
        reason: String,
        escalation: bool,
        (inviter, inviting_organisation): (ProfessionalId, OrganisationId),
    ) -> Result<InvitationId> {
        let already_pending = invitation::Entity::find()
            .filter(invitation::Column::CaseId.eq(access.case_id.0))
            .filter(invitation::Column::OrganisationId.eq(organisation_id.0))
            .filter(invitation::Column::Status.eq(InvitationStatus::Pending.as_str()))
            .all(self.connection())
            .await?
            .into_iter()
            .any(|row| row.professional_id == professional_id.map(|id| id.0));
        if already_pending {
            return Err(Error::Conflict(
                "an invitation for them is already pending".into(),
            ));
        }
        let id = InvitationId::generate();
        let now = self.now();
        invitation::Entity::insert(invitation::ActiveModel {
            id: Set(id.0),
            case_id: Set(access.case_id.0),
            organisation_id: Set(organisation_id.0),
            professional_id: Set(professional_id.map(|id| id.0)),
            reason: Set(reason),
            escalation: Set(escalation),
            team_role: Set(team_role.as_str().to_owned()),
            status: Set(InvitationStatus::Pending.as_str().to_owned()),
            invited_by_professional_id: Set(inviter.0),
            invited_by_organisation_id: Set(inviting_organisation.0),
            invited_at: Set(now),
            decided_by_professional_id: Set(None),
            decided_at: Set(None),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        let kind = if escalation {
            EventKind::Escalated
        } else {
            EventKind::Invited
        };
        record_event(
            self,
            access.case_id,
            now,
            kind,
            Some(("invitation", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    /// The invitee accepts (joining in the role the invitation names) or declines.
    pub async fn decide_invitation(
        &self,
        viewer: &Viewer,
        id: InvitationId,
        decision: InvitationDecision,
        expected_version: i32,
    ) -> Result<CaseId> {
        let row = self.invitation_for_invitee(viewer, id).await?;
        let (professional_id, organisation_id, _) = viewer.professional()?;
        let team_role = TeamRole::parse(&row.team_role).ok_or(Error::Corrupt("team role"))?;
        let action = match decision {
            InvitationDecision::Accept => Action::AcceptInvitation,
            InvitationDecision::Decline => Action::DeclineInvitation,
        };
        viewer.authorize(Standing::Invited(team_role), action)?;
        let case_id = CaseId(row.case_id);
        // Lock the case row, as every write to the team does; a closed case takes no one new.
        let mut query = case::Entity::find_by_id(case_id.0);
        if self.backend() == sea_orm::DatabaseBackend::Postgres {
            use sea_orm::QuerySelect;
            query = query.lock_exclusive();
        }
        let status = query.one(self.connection()).await?.map(|row| row.status);
        if status.as_deref() != Some(domain::case::CaseStatus::Open.as_str()) {
            return Err(InvalidInput::new("invitationId", "the case is closed").into());
        }
        let status = match decision {
            InvitationDecision::Accept => {
                let now = self.now();
                team_member::Entity::insert(team_member::ActiveModel {
                    id: Set(TeamMemberId::generate().0),
                    case_id: Set(case_id.0),
                    professional_id: Set(professional_id.0),
                    organisation_id: Set(organisation_id.0),
                    role: Set(team_role.as_str().to_owned()),
                    joined_at: Set(now),
                    left_at: Set(None),
                    left_reason: Set(None),
                    version: Set(1),
                })
                .exec_without_returning(self.connection())
                .await
                .map_err(|error| conflict_on_unique(error, "you are already on this team"))?;
                InvitationStatus::Accepted
            }
            InvitationDecision::Decline => InvitationStatus::Declined,
        };
        self.close_invitation(&row, status, Some(professional_id), expected_version)
            .await?;
        let access = self.case_access(viewer, case_id).await;
        let actor = match &access {
            Ok(access) => access.actor(),
            Err(_) => ActorColumns {
                kind: "professional",
                professional_id: Some(professional_id),
                organisation_id: Some(organisation_id),
                by_resident: false,
                role: "invited_organisation",
            },
        };
        let kind = match decision {
            InvitationDecision::Accept => EventKind::MemberJoined,
            InvitationDecision::Decline => EventKind::InvitationDeclined,
        };
        record_event(
            self,
            case_id,
            self.now(),
            kind,
            Some(("invitation", id.0)),
            actor,
        )
        .await?;
        Ok(case_id)
    }

    /// A team member takes an invitation back.
    pub async fn withdraw_invitation(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        id: InvitationId,
        expected_version: i32,
    ) -> Result<()> {
        let (access, _) = self
            .lock_case(viewer, case_id, Action::WithdrawInvitation)
            .await?;
        let (professional_id, _) = access
            .member()
            .ok_or(Error::Forbidden("the team withdraws its invitations"))?;
        let row = invitation::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .filter(|row| row.case_id == case_id.0)
            .ok_or(Error::NotFound("invitation"))?;
        self.close_invitation(
            &row,
            InvitationStatus::Withdrawn,
            Some(professional_id),
            expected_version,
        )
        .await?;
        record_event(
            self,
            case_id,
            self.now(),
            EventKind::InvitationWithdrawn,
            Some(("invitation", id.0)),
            access.actor(),
        )
        .await
    }

    async fn close_invitation(
        &self,
        row: &invitation::Model,
        status: InvitationStatus,
        by: Option<ProfessionalId>,
        expected_version: i32,
    ) -> Result<()> {
        if row.status != InvitationStatus::Pending.as_str() {
            return Err(Error::Conflict(format!(
                "the invitation is already {}",
                row.status
            )));
        }
        let result = invitation::Entity::update_many()
            .filter(invitation::Column::Id.eq(row.id))
            .filter(invitation::Column::Version.eq(expected_version))
            .col_expr(invitation::Column::Status, Expr::value(status.as_str()))
            .col_expr(invitation::Column::DecidedAt, Expr::value(self.now()))
            .col_expr(
                invitation::Column::DecidedByProfessionalId,
                Expr::value(by.map(|id| id.0)),
            )
            .col_expr(
                invitation::Column::Version,
                Expr::value(expected_version + 1),
            )
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(stale("invitation"));
        }
        Ok(())
    }
}
