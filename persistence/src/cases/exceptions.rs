//! Justified exceptions to rules (DOMAIN.md §3): drafted on a first step, submitted, co-signed
//! by a coach on the team, endorsed by a member of the rule-owning organisation whose mandate
//! covers the custom solution's cost, and approved by the case lead for the team; rejected with a
//! reason at any stage before that. Every step records who and when.

use domain::authz::Action;
use domain::case::EventKind;

use chrono::Utc;
use domain::exception::{
    ExceptionContent, ExceptionStatus, ExceptionStep, RuleException, RuleKind, Signature,
    ValueTriangle,
};
use domain::mandate::DecisionKind;
use domain::slice::TeamRole;
use domain::{CaseId, FirstStepId, OrganisationId, ProfessionalId, RuleExceptionId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::lists::{CaseItem, ListColumns, Position};
use super::{CaseAccess, Slicing, Viewer, Writer, record_event};
use crate::entity::{organisation, rule_exception};
use crate::error::stale;
use crate::{Error, Result};

fn signature(by: Option<uuid::Uuid>, at: Option<chrono::DateTime<Utc>>) -> Option<Signature> {
    Some(Signature {
        professional_id: ProfessionalId(by?),
        at: at?,
    })
}

fn to_exception(row: rule_exception::Model, access: &CaseAccess) -> Result<RuleException> {
    let content = access
        .sees_content()
        .then(|| {
            Ok::<_, Error>(ExceptionContent {
                rule_kind: RuleKind::parse(&row.rule_kind)
                    .ok_or(Error::Corrupt("exception rule kind"))?,
                rule: row.rule,
                ordinary_route: row.ordinary_route,
                ordinary_cost_cents: row.ordinary_cost_cents,
                custom_solution: row.custom_solution,
                custom_cost_cents: row.custom_cost_cents,
                value_triangle: ValueTriangle {
                    legitimacy: row.legitimacy,
                    engagement: row.engagement,
                    societal_return: row.societal_return,
                },
            })
        })
        .transpose()?;
    Ok(RuleException {
        id: RuleExceptionId(row.id),
        case_id: CaseId(row.case_id),
        first_step_id: FirstStepId(row.first_step_id),
        rule_owner_id: OrganisationId(row.rule_owner_id),
        decision_kind: DecisionKind::parse(&row.decision_kind)
            .ok_or(Error::Corrupt("exception decision kind"))?,
        status: ExceptionStatus::parse(&row.status).ok_or(Error::Corrupt("exception status"))?,
        drafted: Signature {
            professional_id: ProfessionalId(row.drafted_by),
            at: row.drafted_at,
        },
        submitted: signature(row.submitted_by, row.submitted_at),
        co_signed: signature(row.co_signed_by, row.co_signed_at),
        endorsed: signature(row.endorsed_by, row.endorsed_at),
        approved: signature(row.approved_by, row.approved_at),
        rejected: signature(row.rejected_by, row.rejected_at),
        version: row.version,
        content,
        rejection_reason: row.rejection_reason.filter(|_| access.sees_content()),
    })
}

impl CaseItem for RuleException {
    type Entity = rule_exception::Entity;
    type Id = RuleExceptionId;
    type Filter = ();
    const KIND: &'static str = "rule_exception";
    /// The shared plan, seen by the whole team.
    const SLICING: Slicing = Slicing::Shared;

    fn columns() -> ListColumns<rule_exception::Entity> {
        ListColumns {
            case: rule_exception::Column::CaseId,
            at: rule_exception::Column::DraftedAt,
            id: rule_exception::Column::Id,
        }
    }

    fn read(row: rule_exception::Model, access: &CaseAccess) -> Result<Self> {
        to_exception(row, access)
    }

    fn position(&self) -> Position {
        Position {
            at: self.drafted.at,
            id: self.id.0,
        }
    }
}

impl Writer {
    /// Drafts an exception on a first step of an open case.
    pub async fn draft_rule_exception(
        &self,
        viewer: &Viewer,
        first_step_id: FirstStepId,
        rule_owner_id: OrganisationId,
        decision_kind: DecisionKind,
        content: ExceptionContent,
    ) -> Result<RuleExceptionId> {
        let step = self
            .item::<domain::case::FirstStep>(viewer, first_step_id)
            .await?
            .ok_or(Error::NotFound("first step"))?;
        let (access, _) = self
            .lock_open_case(viewer, step.case_id, Action::DraftRuleException)
            .await?;
        let (professional, organisation_id) = access.content_author()?;
        let owner_exists = organisation::Entity::find_by_id(rule_owner_id.0)
            .one(self.connection())
            .await?
            .is_some();
        if !owner_exists {
            return Err(domain::InvalidInput::new("ruleOwnerId", "no such organisation").into());
        }
        let id = RuleExceptionId::generate();
        let now = self.now();
        rule_exception::Entity::insert(rule_exception::ActiveModel {
            id: Set(id.0),
            case_id: Set(step.case_id.0),
            first_step_id: Set(first_step_id.0),
            rule_owner_id: Set(rule_owner_id.0),
            decision_kind: Set(decision_kind.as_str().to_owned()),
            rule_kind: Set(content.rule_kind.as_str().to_owned()),
            rule: Set(content.rule),
            ordinary_route: Set(content.ordinary_route),
            ordinary_cost_cents: Set(content.ordinary_cost_cents),
            custom_solution: Set(content.custom_solution),
            custom_cost_cents: Set(content.custom_cost_cents),
            legitimacy: Set(content.value_triangle.legitimacy),
            engagement: Set(content.value_triangle.engagement),
            societal_return: Set(content.value_triangle.societal_return),
            status: Set(ExceptionStatus::Draft.as_str().to_owned()),
            organisation_id: Set(organisation_id.0),
            drafted_by: Set(professional.0),
            drafted_at: Set(now),
            submitted_by: Set(None),
            submitted_at: Set(None),
            co_signed_by: Set(None),
            co_signed_at: Set(None),
            endorsed_by: Set(None),
            endorsed_at: Set(None),
            approved_by: Set(None),
            approved_at: Set(None),
            rejected_by: Set(None),
            rejected_at: Set(None),
            rejection_reason: Set(None),
            withheld_reason: Set(None),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await?;
        record_event(
            self,
            step.case_id,
            now,
            EventKind::RuleExceptionDrafted,
            Some(("rule_exception", id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }

    /// Takes the next step in an exception's life, if it is next and this member may take it.
    /// A rejection needs `reason`.
    pub async fn step_rule_exception(
        &self,
        viewer: &Viewer,
        id: RuleExceptionId,
        expected_version: i32,
        step: ExceptionStep,
        reason: Option<String>,
    ) -> Result<CaseId> {
        let existing = self
            .item::<domain::exception::RuleException>(viewer, id)
            .await?
            .ok_or(Error::NotFound("exception"))?;
        let (access, _) = self
            .lock_open_case(viewer, existing.case_id, step.action())
            .await?;
        let (professional, organisation) = access.content_author()?;
        let status = existing.status.after(step)?;
        let is_lead = access.team_role() == Some(TeamRole::CaseLead);
        let is_coach = access.team_role() == Some(TeamRole::Coach);
        let owns_rule = organisation == existing.rule_owner_id;
        let allowed = match step {
            ExceptionStep::Submit => true,
            ExceptionStep::CoSign => is_coach,
            ExceptionStep::Endorse => {
                let cost = existing
                    .content
                    .as_ref()
                    .map(|content| content.custom_cost_cents);
                owns_rule
                    && self
                        .mandate_covers(viewer, organisation, existing.decision_kind, cost)
                        .await?
            }
            ExceptionStep::Approve => is_lead,
            ExceptionStep::Reject => is_lead || is_coach || owns_rule,
        };
        if !allowed {
            return Err(Error::Forbidden(match step {
                ExceptionStep::Submit => "a team member submits the exception",
                ExceptionStep::CoSign => "a coach on the team co-signs the exception",
                ExceptionStep::Endorse => {
                    "a member of the rule's owner whose mandate covers the cost endorses it"
                }
                ExceptionStep::Approve => "the case lead approves the exception for the team",
                ExceptionStep::Reject => {
                    "the case lead, a coach or the rule's owner rejects the exception"
                }
            }));
        }
        let (by, at, event) = match step {
            ExceptionStep::Submit => (
                rule_exception::Column::SubmittedBy,
                rule_exception::Column::SubmittedAt,
                EventKind::RuleExceptionSubmitted,
            ),
            ExceptionStep::CoSign => (
                rule_exception::Column::CoSignedBy,
                rule_exception::Column::CoSignedAt,
                EventKind::RuleExceptionCoSigned,
            ),
            ExceptionStep::Endorse => (
                rule_exception::Column::EndorsedBy,
                rule_exception::Column::EndorsedAt,
                EventKind::RuleExceptionEndorsed,
            ),
            ExceptionStep::Approve => (
                rule_exception::Column::ApprovedBy,
                rule_exception::Column::ApprovedAt,
                EventKind::RuleExceptionApproved,
            ),
            ExceptionStep::Reject => (
                rule_exception::Column::RejectedBy,
                rule_exception::Column::RejectedAt,
                EventKind::RuleExceptionRejected,
            ),
        };
        let now = self.now();
        let result = rule_exception::Entity::update_many()
            .filter(rule_exception::Column::Id.eq(id.0))
            .filter(rule_exception::Column::Version.eq(expected_version))
            .filter(rule_exception::Column::Status.eq(existing.status.as_str()))
            .col_expr(rule_exception::Column::Status, Expr::value(status.as_str()))
            .col_expr(by, Expr::value(professional.0))
            .col_expr(at, Expr::value(now))
            .col_expr(rule_exception::Column::RejectionReason, Expr::value(reason))
            .col_expr(
                rule_exception::Column::Version,
                Expr::value(expected_version + 1),
            )
            .exec(self.connection())
            .await?;
        if result.rows_affected != 1 {
            return Err(stale("exception"));
        }
        record_event(
            self,
            existing.case_id,
            now,
            event,
            Some(("rule_exception", id.0)),
            access.actor(),
        )
        .await?;
        Ok(existing.case_id)
    }

    /// Whether one of the viewer's mandates in `organisation` for decisions of `kind` covers
    /// `amount` today: the rule's owner endorses only what its mandate at the table could
    /// decide.
    async fn mandate_covers(
        &self,
        viewer: &Viewer,
        organisation: OrganisationId,
        kind: DecisionKind,
        amount_cents: Option<i64>,
    ) -> Result<bool> {
        let (_, _, roles) = viewer.professional()?;
        let today = domain::calendar::local_date(self.now());
        Ok(self
            .candidate_mandates(organisation, roles, Some(kind))
            .await?
            .iter()
            .any(|mandate| mandate.limits.admits(amount_cents, today).is_ok()))
    }
}
