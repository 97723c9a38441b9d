//! Who is on a case's team: its members as the team and the resident read them, and the
//! changes to the team that are not an invitation: leaving or removing a member, and handing
//! on the case lead.

use std::collections::HashMap;

use domain::authz::Action;
use domain::case::{EventKind, TeamMember};
use domain::slice::TeamRole;
use domain::{CaseId, InvalidInput, Organisation, OrganisationId, ProfessionalId, TeamMemberId};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QueryResult};

use crate::cases::lists::{ListColumns, ListPage, PageRequest};
use crate::cases::{CaseAccess, Snapshot, Viewer, Writer, record_event};
use crate::entity::{organisation, team_member};
use crate::error::stale;
use crate::organisations::{organisation_from_row, select_organisation_once};
use crate::{Error, Result};

/// A member as the team and the resident see them: by name, organisation and role. The
/// resident makes the plan with these people (§5.8).
fn to_member(row: team_member::Model) -> Result<TeamMember> {
    let role = TeamRole::parse(&row.role).ok_or(Error::Corrupt("team role"))?;
    Ok(TeamMember {
        id: TeamMemberId(row.id),
        case_id: CaseId(row.case_id),
        professional_id: Some(ProfessionalId(row.professional_id)),
        organisation_id: OrganisationId(row.organisation_id),
        role,
        joined_at: row.joined_at,
        version: row.version,
    })
}

impl Snapshot {
    /// The active team of each case, in one query. Team composition is process information:
    /// every member sees it, the process facilitator included, and so does the resident.
    pub async fn team_members(
        &self,
        accesses: &[CaseAccess],
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<TeamMember>>> {
        self.team_members_where(accesses, Condition::all(), page)
            .await
    }

    /// The case lead of each case: the resident's one contact person. Only the lead is read,
    /// so only the lead is noted for the access log.
    pub async fn case_leads(&self, accesses: &[CaseAccess]) -> Result<HashMap<CaseId, TeamMember>> {
        Ok(self
            .team_members_where(
                accesses,
                Condition::all().add(team_member::Column::Role.eq(TeamRole::CaseLead.as_str())),
                PageRequest::whole(),
            )
            .await?
            .into_iter()
            .filter_map(|(case_id, mut page)| page.items.pop().map(|lead| (case_id, lead)))
            .collect())
    }

    /// The active team of each case with the members' organisations, in one statement: a
    /// caseload names the organisation of every member it lists. An organisation is read on
    /// the row naming it nearest the start of its page, so one named only by the row that
    /// tells whether another page follows is left out.
    pub async fn team_members_with_organisations(
        &self,
        accesses: &[CaseAccess],
        page: PageRequest,
    ) -> Result<(HashMap<CaseId, ListPage<TeamMember>>, Vec<Organisation>)> {
        const PREFIX: &str = "organisation__";
        let backend = self.backend();
        let mut organisations = Vec::new();
        let members = self
            .team_members_read(
                accesses,
                Condition::all(),
                page,
                |select| {
                    select.join(
                        JoinType::InnerJoin,
                        organisation::Entity,
                        Expr::col((organisation::Entity, organisation::Column::Id))
                            .equals((Alias::new("numbered"), team_member::Column::OrganisationId)),
                    );
                    select_organisation_once(
                        select,
                        backend,
                        PREFIX,
                        "\"numbered\".\"organisation_id\"",
                        "\"numbered\".\"list_position\"",
                    );
                },
                |row| {
                    let occurrence: i64 = row.try_get(PREFIX, "occurrence")?;
                    if occurrence == 1 {
                        organisations.push(organisation_from_row(row, PREFIX)?);
                    }
                    to_member(team_member::Model::from_query_result(row, "")?)
                },
            )
            .await?;
        Ok((members, organisations))
    }

    async fn team_members_where(
        &self,
        accesses: &[CaseAccess],
        condition: Condition,
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<TeamMember>>> {
        self.team_members_read(
            accesses,
            condition,
            page,
            |_| {},
            |row| to_member(team_member::Model::from_query_result(row, "")?),
        )
        .await
    }

    /// The active members of each case's team matching `condition`, with what `join` adds,
    /// each made from its row by `read`; noted for the access log as read.
    async fn team_members_read<M>(
        &self,
        accesses: &[CaseAccess],
        condition: Condition,
        page: PageRequest,
        join: impl FnOnce(&mut SelectStatement),
        read: impl FnMut(&QueryResult) -> Result<M>,
    ) -> Result<HashMap<CaseId, ListPage<M>>> {
        let pages = self
            .page_rows_joined::<team_member::Entity, M>(
                accesses.iter().map(|access| access.case_id.0).collect(),
                condition.add(team_member::Column::LeftAt.is_null()),
                &ListColumns {
                    case: team_member::Column::CaseId,
                    at: team_member::Column::JoinedAt,
                    id: team_member::Column::Id,
                },
                page,
                join,
                read,
            )
            .await?;
        let mut by_case = HashMap::new();
        for (case_id, rows) in pages {
            let case_id = CaseId(case_id);
            if let Some(access) = accesses.iter().find(|access| access.case_id == case_id) {
                self.disclose(access, "team_member", rows.items.len(), None);
                by_case.insert(case_id, rows);
            }
        }
        Ok(by_case)
    }

    /// One active team member, for `node(id:)`: only on a case the viewer has access to.
    pub async fn team_member(
        &self,
        viewer: &Viewer,
        id: TeamMemberId,
    ) -> Result<Option<TeamMember>> {
        self.one_by_id::<team_member::Entity, _>(
            viewer,
            id.0,
            team_member::Column::Id,
            team_member::Column::CaseId,
            async |accesses, condition| {
                self.team_members_where(accesses, condition, PageRequest::whole())
                    .await
            },
        )
        .await
    }
}

impl Writer {
    /// Ends a membership: the member leaves, or the case lead removes them. Access ends with
    /// this transaction; what they wrote stays (§5.9).
    pub async fn end_membership(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        member_id: TeamMemberId,
        reason: Option<String>,
        expected_version: i32,
    ) -> Result<()> {
        let (access, _) = self.lock_case(viewer, case_id, Action::LeaveCase).await?;
        let (professional_id, _) = access
            .member()
            .ok_or(Error::Forbidden("the team changes its composition"))?;
        let row = self.active_member(case_id, member_id).await?;
        let leaving_self = row.professional_id == professional_id.0;
        if !leaving_self {
            viewer.authorize(access.standing(), Action::RemoveTeamMember)?;
        }
        if row.role == TeamRole::CaseLead.as_str() {
            return Err(InvalidInput::new(
                "memberId",
                "the case lead hands the role to another member before leaving",
            )
            .into());
        }
        let result = team_member::Entity::update_many()
            .filter(team_member::Column::Id.eq(row.id))
            .filter(team_member::Column::Version.eq(expected_version))
            .col_expr(team_member::Column::LeftAt, Expr::value(self.now()))
            .col_expr(team_member::Column::LeftReason, Expr::value(reason))
            .col_expr(
                team_member::Column::Version,
                Expr::value(expected_version + 1),
            )
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(stale("team member"));
        }
        let kind = if leaving_self {
            EventKind::MemberLeft
        } else {
            EventKind::MemberRemoved
        };
        record_event(self, case_id, self.now(), kind, None, access.actor()).await
    }

    /// Hands the case lead role to another member; the old lead stays on as a member.
    pub async fn transfer_case_lead(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        to: TeamMemberId,
        expected_version: i32,
    ) -> Result<()> {
        let (access, _) = self
            .lock_case(viewer, case_id, Action::TransferCaseLead)
            .await?;
        let (lead, _) = access.require_case_lead()?;
        let target = self.active_member(case_id, to).await?;
        if target.professional_id == lead.0 {
            return Err(InvalidInput::new("memberId", "you are the case lead already").into());
        }
        if target.role == TeamRole::ProcessFacilitator.as_str() {
            return Err(InvalidInput::new(
                "memberId",
                "a process facilitator stays out of the content and cannot lead the case",
            )
            .into());
        }
        if target.version != expected_version {
            return Err(stale("team member"));
        }
        let now = self.now();
        // Demote first: the unique index allows one active case lead at any moment.
        team_member::Entity::update_many()
            .filter(team_member::Column::CaseId.eq(case_id.0))
            .filter(team_member::Column::ProfessionalId.eq(lead.0))
            .filter(team_member::Column::LeftAt.is_null())
            .col_expr(
                team_member::Column::Role,
                Expr::value(TeamRole::Member.as_str()),
            )
            .col_expr(
                team_member::Column::Version,
                Expr::col(team_member::Column::Version).add(1),
            )
            .exec(self.connection())
            .await?;
        team_member::Entity::update_many()
            .filter(team_member::Column::Id.eq(target.id))
            .col_expr(
                team_member::Column::Role,
                Expr::value(TeamRole::CaseLead.as_str()),
            )
            .col_expr(
                team_member::Column::Version,
                Expr::value(expected_version + 1),
            )
            .exec(self.connection())
            .await?;
        record_event(
            self,
            case_id,
            now,
            EventKind::CaseLeadTransferred,
            None,
            access.actor(),
        )
        .await
    }

    async fn active_member(&self, case_id: CaseId, id: TeamMemberId) -> Result<team_member::Model> {
        team_member::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .filter(|row| row.case_id == case_id.0 && row.left_at.is_none())
            .ok_or(Error::NotFound("team member"))
    }
}
