//! Raising a signal from a case (DOMAIN.md §3): the one step where a system problem on a case
//! becomes a signal to policy. What is stored keeps no link to the case or the resident.

use domain::authz::Action;
use domain::case::EventKind;
use domain::case::ProblemKind;
use domain::signal::{SignalCategory, SignalStatus};
use domain::{InvalidInput, OrganisationId, ProblemId, SignalId};
use sea_orm::{ActiveValue::Set, EntityTrait};

use super::{Viewer, Writer, record_event};
use crate::entity::signal;
use crate::error::invalid_on_foreign_key;
use crate::{Error, Result};

/// A signal to raise, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewSignal {
    pub category: SignalCategory,
    pub organisation_id: Option<OrganisationId>,
    pub rule: Option<String>,
    pub description: String,
}

impl Writer {
    /// Raises a signal from a system problem the viewer sees on an open case, to the policy
    /// analysts of the case's municipality. The signal keeps no link to the case; the case's
    /// timeline notes that one was raised from the problem.
    pub async fn raise_signal(
        &self,
        viewer: &Viewer,
        problem_id: ProblemId,
        new: NewSignal,
    ) -> Result<SignalId> {
        let problem = self
            .item::<domain::case::Problem>(viewer, problem_id)
            .await?
            .ok_or(Error::NotFound("problem"))?;
        if problem.kind != ProblemKind::System {
            return Err(InvalidInput::new(
                "problemId",
                "only a system problem is raised as a signal",
            )
            .into());
        }
        let (access, case) = self
            .lock_open_case(viewer, problem.case_id, Action::RaiseSignal)
            .await?;
        let actor = access.content_author()?;
        let id = SignalId::generate();
        let now = self.now();
        signal::Entity::insert(signal::ActiveModel {
            id: Set(id.0),
            municipality_id: Set(case.municipality_id.0),
            category: Set(new.category.as_str().to_owned()),
            organisation_id: Set(new.organisation_id.map(|id| id.0)),
            rule: Set(new.rule),
            description: Set(new.description),
            raised_by_organisation_id: Set(actor.1.0),
            raised_by_professional_id: Set(actor.0.0),
            raised_at: Set(now),
            status: Set(SignalStatus::Received.as_str().to_owned()),
            answer: Set(None),
            answered_by_professional_id: Set(None),
            answered_at: Set(None),
            version: Set(1),
        })
        .exec_without_returning(self.connection())
        .await
        .map_err(|error| {
            invalid_on_foreign_key(
                error,
                "organisationId",
                "no such organisation",
                Error::Database,
            )
        })?;
        record_event(
            self,
            problem.case_id,
            now,
            EventKind::SignalRaised,
            Some(("problem", problem_id.0)),
            access.actor(),
        )
        .await?;
        Ok(id)
    }
}
