//! Publishing an approved exception as a shared solution (DOMAIN.md §3). The solution keeps no
//! link to the case; the case's timeline and access log record the publication.

use domain::SolutionId;
use domain::authz::Action;
use domain::case::EventKind;
use domain::exception::ExceptionStatus;
use domain::solution::SolutionDraft;
use domain::{InvalidInput, RuleExceptionId};
use sea_orm::{ActiveValue::Set, EntityTrait};

use super::{Viewer, Writer, record_event};
use crate::entity::solution;
use crate::{Error, Result};

impl Writer {
    /// Publishes `draft`, which the author has seen whole and confirmed, from an approved
    /// exception on an open case.
    pub async fn publish_solution(
        &self,
        viewer: &Viewer,
        exception_id: RuleExceptionId,
        draft: SolutionDraft,
    ) -> Result<SolutionId> {
        let exception = self
            .item::<domain::exception::RuleException>(viewer, exception_id)
            .await?
            .ok_or(Error::NotFound("exception"))?;
        let (access, _) = self
            .lock_open_case(viewer, exception.case_id, Action::PublishSolution)
            .await?;
        let (professional, organisation) = access.content_author()?;
        if exception.status != ExceptionStatus::Approved {
            return Err(InvalidInput::new(
                "exceptionId",
                "only an approved exception is published as a solution",
            )
            .into());
        }
        let id = SolutionId::generate();
        let now = self.now();
        solution::Entity::insert(solution::ActiveModel {
            id: Set(id.0),
            municipality_id: Set(draft.municipality_id.0),
            search_text: Set(draft.search_text()),
            problem_pattern: Set(draft.problem_pattern),
            rule: Set(draft.rule),
            custom_solution: Set(draft.custom_solution),
            ordinary_cost_cents: Set(draft.ordinary_cost_cents),
            custom_cost_cents: Set(draft.custom_cost_cents),
            value_summary: Set(draft.value_summary),
            tags: Set(format!(" {} ", draft.tags.join(" "))),
            published_by_organisation_id: Set(organisation.0),
            published_by_professional_id: Set(professional.0),
            published_at: Set(now),
        })
        .exec_without_returning(self.connection())
        .await?;
        record_event(
            self,
            exception.case_id,
            now,
            EventKind::SolutionPublished,
            Some(("rule_exception", exception_id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }
}
