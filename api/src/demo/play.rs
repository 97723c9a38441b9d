//! Plays the demo's stories (`super::stories`) into the database: the neighbourhood team's
//! earlier cases as of the months they were opened, then today's cases; the signals raised on
//! Kees's case are answered once the cases are committed.
//!
//! Everything is written through `persistence::cases::Writer`, acting as the demo's
//! professionals and residents, so the demo obeys the rules the API does: the case lead
//! invites, the invitee accepts with a team role their organisation role allows, consent is
//! recorded by the team or by the resident, only team members write content and the process
//! facilitator only moves the case between steps. All cases are written in one transaction:
//! they are all there, or none is.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use domain::case::{
    AgreementStatus, Assignee, AssigneeKind, CaseStep, DEFAULT_OPEN_FIRST_STEP_LIMIT,
    EvaluationContent, FirstStepContent, FirstStepStatus, MAX_SHORT_TEXT, MAX_TEXT,
    check_next_evaluation, parse_amount, parse_optional_text, parse_text,
};
use domain::exception::{ExceptionContent, ExceptionStep};
use domain::identity::{Actor, ResidentActor};
use domain::signal::SignalStatus;
use domain::slice::{SharingLevel, TeamRole};
use domain::solution::SolutionDraft;
use domain::{BudgetId, CaseId, FirstStepId, LifeDomain, ProblemId, SignalId};
use persistence::Store;
use persistence::cases::{
    InvitationDecision, NewAgreement, NewDecision, NewEvaluation, NewFact, NewFirstStep,
    NewProblem, NewSignal, Viewer, Writer,
};

use super::cast::Cast;
use super::error::DemoError;
use super::people::RESIDENTS;
use super::showcase::Showcase;
use super::stories::{self, By, DemoAssignee, DemoCase, DemoDecision, DemoException, SHOWCASE};

/// A raised signal that the analyst answers once the cases are committed.
struct PendingAnswer {
    signal: SignalId,
    analyst: &'static str,
    status: SignalStatus,
    answer: &'static str,
}

/// Writes the demo cases in one transaction, the neighbourhood team's earlier cases first,
/// then lets the policy analysts answer the signals raised on them; returns the showcase.
pub(super) async fn write(
    store: &Store,
    cast: &Cast,
    budget: BudgetId,
) -> Result<Showcase, DemoError> {
    // The demo's writes are logged like any other, under their own processing activity.
    let ledger =
        persistence::access_log::Ledger::new(persistence::access_log::OperationContext::internal(
            "urn:maatwerk:processing-activity:demo-data",
        ));
    let writer = store.begin_write(&ledger).await?;
    let today = domain::calendar::today();
    let mut answers = Vec::new();
    let mut showcase_reference = None;
    for case in stories::EARLIER.iter().chain(stories::TODAY) {
        let script = Script::open(&writer, cast, case, today, budget).await?;
        answers.extend(script.play().await?);
        if case.resident == SHOWCASE.resident {
            showcase_reference = Some(script.reference().await?);
        }
    }
    writer.commit().await?;
    for pending in answers {
        let analyst = cast.professional(pending.analyst)?;
        let permit = domain::authz::authorize(
            domain::authz::Principal::Professional(&analyst.roles),
            domain::authz::Standing::Unrelated,
            domain::authz::Action::AnswerSignal,
        )?;
        store
            .answer_signal(
                &permit,
                pending.signal,
                1,
                pending.status,
                Some(pending.answer.to_owned()),
                cast.professional(pending.analyst)?.professional_id,
            )
            .await?;
    }
    let resident = RESIDENTS
        .iter()
        .find(|resident| resident.subject == SHOWCASE.resident)
        .map(|resident| resident.name)
        .ok_or(DemoError::Unknown("resident", SHOWCASE.resident))?;
    let organisations = std::iter::once(SHOWCASE.lead)
        .chain(SHOWCASE.team.iter().map(|(person, _, _)| *person))
        .map(|person| Ok(cast.professional(person)?.organisation_id))
        .collect::<Result<BTreeSet<_>, DemoError>>()?
        .len();
    Ok(Showcase {
        reference: showcase_reference.ok_or(DemoError::Unknown("case", SHOWCASE.resident))?,
        resident,
        step: SHOWCASE.step,
        organisations,
    })
}

/// The moment `days_ago` days back, or `None` for now. Kept within this year, so that the
/// earlier cases' allocations fall in this year's budget; earlier moments stay earlier.
fn moment(days_ago: i64) -> Option<DateTime<Utc>> {
    if days_ago <= 0 {
        return None;
    }
    let now = Utc::now();
    let year_start = NaiveDate::from_ymd_opt(domain::calendar::local_date(now).year(), 1, 1)?
        .and_hms_opt(0, 0, 0)?
        .and_utc();
    let floor = year_start + TimeDelta::minutes(1_000 - days_ago);
    Some((now - TimeDelta::days(days_ago)).max(floor).min(now))
}

/// One demo case being written, step by step, as the people who would write it.
struct Script<'a> {
    writer: &'a Writer,
    cast: &'a Cast,
    case: &'a DemoCase,
    case_id: CaseId,
    today: NaiveDate,
    budget: BudgetId,
}

impl<'a> Script<'a> {
    /// The case lead opens the case, as of the day it was opened.
    async fn open(
        writer: &'a Writer,
        cast: &'a Cast,
        case: &'a DemoCase,
        today: NaiveDate,
        budget: BudgetId,
    ) -> Result<Script<'a>, DemoError> {
        writer.backdate(moment(case.opened_days_ago));
        let lead = Self::professional_viewer(writer, cast, case.lead).await?;
        let case_id = writer
            .open_case(
                &lead,
                cast.municipality(case.municipality)?,
                cast.resident_to_open(case.resident)?,
            )
            .await?;
        Ok(Script {
            writer,
            cast,
            case,
            case_id,
            today,
            budget,
        })
    }

    async fn professional_viewer(
        writer: &Writer,
        cast: &Cast,
        person: &'static str,
    ) -> Result<Viewer, DemoError> {
        let actor = cast.professional(person)?.clone();
        Ok(writer.viewer(&Actor::Professional(actor)).await?)
    }

    async fn viewer(&self, by: By) -> Result<Viewer, DemoError> {
        match by {
            By::Professional(person) => {
                Self::professional_viewer(self.writer, self.cast, person).await
            }
            By::Resident => {
                let resident_id = self.cast.resident(self.case.resident)?;
                Ok(self
                    .writer
                    .viewer(&Actor::Resident(ResidentActor { resident_id }))
                    .await?)
            }
        }
    }

    async fn reference(&self) -> Result<String, DemoError> {
        let lead = self.viewer(By::Professional(self.case.lead)).await?;
        let access = self.writer.case_access(&lead, self.case_id).await?;
        Ok(self
            .writer
            .case(&access)
            .await?
            .reference
            .as_str()
            .to_owned())
    }

    /// The team's work, in the order of the method; the case moves to each step before its
    /// items are written, up to the step the team has reached. Then the exception, the
    /// decisions and the signals, each as of its own day; returns the signals' answers.
    async fn play(&self) -> Result<Vec<PendingAnswer>, DemoError> {
        self.form_team().await?;
        self.record_consents().await?;
        for (by, text) in self.case.perspectives {
            let viewer = self.viewer(*by).await?;
            self.writer
                .record_perspective(&viewer, self.case_id, parse_text("text", text, MAX_TEXT)?)
                .await?;
        }
        self.move_to(CaseStep::SituationSketch).await?;
        self.add_facts().await?;
        self.move_to(CaseStep::Analysis).await?;
        let problems = self.add_problems().await?;
        self.move_to(CaseStep::FirstSteps).await?;
        let first_steps = self.add_first_steps().await?;
        self.move_to(CaseStep::WhoDoesWhat).await?;
        self.add_agreements().await?;
        self.move_to(CaseStep::Evaluation).await?;
        self.add_evaluations().await?;
        if let Some(exception) = self.case.exception {
            self.writer.backdate(moment(exception.days_ago));
            self.settle_exception(exception, &first_steps).await?;
        }
        for decision in self.case.decisions {
            self.writer.backdate(moment(decision.days_ago));
            self.record_decision(decision).await?;
        }
        self.writer.backdate(None);
        self.raise_signals(&problems).await
    }

    /// The case lead invites each partner by name in their team role, and each accepts.
    async fn form_team(&self) -> Result<(), DemoError> {
        let lead = self.viewer(By::Professional(self.case.lead)).await?;
        for (person, role, reason) in self.case.team {
            let invitee = self.cast.professional(person)?;
            let invitation = self
                .writer
                .invite(
                    &lead,
                    self.case_id,
                    invitee.organisation_id,
                    Some(invitee.professional_id),
                    *role,
                    parse_text("reason", reason, MAX_SHORT_TEXT)?,
                )
                .await?;
            let access = self.writer.case_access(&lead, self.case_id).await?;
            let version = self
                .writer
                .case_invitations(
                    std::slice::from_ref(&access),
                    persistence::cases::PageRequest::whole(),
                )
                .await?
                .remove(&self.case_id)
                .unwrap_or_default()
                .items
                .into_iter()
                .find(|candidate| candidate.id == invitation)
                .map(|found| found.version)
                .ok_or(persistence::Error::NotFound("invitation"))?;
            let viewer = self.viewer(By::Professional(person)).await?;
            self.writer
                .decide_invitation(&viewer, invitation, InvitationDecision::Accept, version)
                .await?;
        }
        for (organisation, reason) in self.case.pending {
            self.writer
                .invite(
                    &lead,
                    self.case_id,
                    self.cast.organisation(organisation)?,
                    None,
                    TeamRole::Member,
                    parse_text("reason", reason, MAX_SHORT_TEXT)?,
                )
                .await?;
        }
        Ok(())
    }

    async fn record_consents(&self) -> Result<(), DemoError> {
        for consent in self.case.consents {
            let viewer = self.viewer(consent.by).await?;
            let domains: BTreeSet<LifeDomain> = consent.domains.iter().copied().collect();
            self.writer
                .record_consent(
                    &viewer,
                    self.case_id,
                    self.cast.organisation(consent.organisation)?,
                    &domains,
                    consent.method,
                )
                .await?;
        }
        Ok(())
    }

    /// Moves the case to `step` if the team has got that far. The process facilitator guides
    /// the steps where there is one; otherwise the case lead.
    async fn move_to(&self, step: CaseStep) -> Result<(), DemoError> {
        if step > self.case.step {
            return Ok(());
        }
        let guide = self
            .case
            .team
            .iter()
            .find(|(_, role, _)| *role == TeamRole::ProcessFacilitator)
            .map_or(self.case.lead, |(person, _, _)| *person);
        let viewer = self.viewer(By::Professional(guide)).await?;
        let access = self.writer.case_access(&viewer, self.case_id).await?;
        let case = self.writer.case(&access).await?;
        if case.step != step {
            self.writer
                .set_case_step(&viewer, self.case_id, step, case.version)
                .await?;
        }
        Ok(())
    }

    async fn add_facts(&self) -> Result<(), DemoError> {
        for fact in self.case.facts {
            let (cents, period) = fact.amount.unzip();
            let new = NewFact {
                life_domain: fact.domain,
                text: parse_text("text", fact.text, MAX_TEXT)?,
                amount: parse_amount(cents, period)?,
                need: fact.need,
                sharing: fact.sharing,
            };
            let viewer = self.viewer(By::Professional(fact.by)).await?;
            self.writer.add_fact(&viewer, self.case_id, new).await?;
        }
        Ok(())
    }

    async fn add_problems(&self) -> Result<Vec<ProblemId>, DemoError> {
        let mut ids = Vec::new();
        for problem in self.case.problems {
            let new = NewProblem {
                kind: problem.kind,
                life_domain: problem.domain,
                text: parse_text("text", problem.text, MAX_TEXT)?,
                resident_shares_picture: problem.resident_shares_picture,
                sharing: SharingLevel::Team,
            };
            let viewer = self.viewer(By::Professional(problem.by)).await?;
            ids.push(self.writer.add_problem(&viewer, self.case_id, new).await?);
        }
        Ok(ids)
    }

    async fn add_first_steps(&self) -> Result<Vec<FirstStepId>, DemoError> {
        let mut ids = Vec::new();
        for step in self.case.first_steps {
            let new = NewFirstStep {
                content: FirstStepContent {
                    text: parse_text("text", step.text, MAX_TEXT)?,
                    motivation: parse_optional_text("motivation", step.motivation, MAX_TEXT)?,
                    capability: parse_optional_text("capability", step.capability, MAX_TEXT)?,
                    opportunity: parse_optional_text("opportunity", step.opportunity, MAX_TEXT)?,
                },
                open_limit: DEFAULT_OPEN_FIRST_STEP_LIMIT,
            };
            let viewer = self.viewer(By::Professional(step.by)).await?;
            let id = self
                .writer
                .add_first_step(&viewer, self.case_id, new)
                .await?;
            if step.status != FirstStepStatus::Open {
                let version = self
                    .writer
                    .item::<domain::case::FirstStep>(&viewer, id)
                    .await?
                    .ok_or(persistence::Error::NotFound("first step"))?
                    .version;
                self.writer
                    .set_first_step_status(&viewer, id, step.status, version)
                    .await?;
            }
            ids.push(id);
        }
        Ok(ids)
    }

    async fn add_agreements(&self) -> Result<(), DemoError> {
        for agreement in self.case.agreements {
            let (kind, professional, organisation, name) = match agreement.assignee {
                DemoAssignee::Resident => (AssigneeKind::Resident, None, None, None),
                DemoAssignee::Network(name) => (AssigneeKind::Network, None, None, Some(name)),
                DemoAssignee::SocialBase(name) => {
                    (AssigneeKind::SocialBase, None, None, Some(name))
                }
                DemoAssignee::TeamMember(person) => (
                    AssigneeKind::TeamMember,
                    Some(self.cast.professional(person)?.professional_id),
                    None,
                    None,
                ),
                DemoAssignee::Organisation(slug) => (
                    AssigneeKind::Organisation,
                    None,
                    Some(self.cast.organisation(slug)?),
                    None,
                ),
            };
            let new = NewAgreement {
                what: parse_text("what", agreement.what, MAX_TEXT)?,
                assignee: Assignee::parse(kind, professional, organisation, name)?,
                due_on: agreement.due_in_days.map(|days| self.day(days)),
                review_on: agreement.review_in_days.map(|days| self.day(days)),
            };
            let viewer = self.viewer(By::Professional(agreement.by)).await?;
            let id = self
                .writer
                .add_agreement(&viewer, self.case_id, new)
                .await?;
            if agreement.status != AgreementStatus::Open {
                let version = self
                    .writer
                    .item::<domain::case::Agreement>(&viewer, id)
                    .await?
                    .ok_or(persistence::Error::NotFound("agreement"))?
                    .version;
                self.writer
                    .set_agreement_status(&viewer, id, agreement.status, version)
                    .await?;
            }
        }
        Ok(())
    }

    async fn add_evaluations(&self) -> Result<(), DemoError> {
        for evaluation in self.case.evaluations {
            let next = evaluation.next_in_days.map(|days| self.day(days));
            check_next_evaluation(self.today, next)?;
            let new = NewEvaluation {
                content: EvaluationContent {
                    achieved: parse_text("achieved", evaluation.achieved, MAX_TEXT)?,
                    what_worked: parse_optional_text(
                        "whatWorked",
                        evaluation.what_worked,
                        MAX_TEXT,
                    )?,
                    still_needed: parse_optional_text(
                        "stillNeeded",
                        evaluation.still_needed,
                        MAX_TEXT,
                    )?,
                },
                perspective_reached: evaluation.perspective_reached,
                next_evaluation_on: next,
            };
            let viewer = self.viewer(By::Professional(evaluation.by)).await?;
            self.writer
                .add_evaluation(&viewer, self.case_id, new)
                .await?;
        }
        Ok(())
    }

    async fn record_decision(&self, decision: &DemoDecision) -> Result<(), DemoError> {
        let new = NewDecision {
            kind: decision.kind,
            description: parse_text("description", decision.description, MAX_TEXT)?,
            amount_cents: decision.amount_cents,
            category: decision.category,
            budget_id: decision.category.map(|_| self.budget),
        };
        let viewer = self.viewer(By::Professional(decision.by)).await?;
        self.writer
            .record_decision(&viewer, self.case_id, new)
            .await?;
        Ok(())
    }

    /// Takes the exception through its whole life and publishes it.
    async fn settle_exception(
        &self,
        exception: &DemoException,
        first_steps: &[FirstStepId],
    ) -> Result<(), DemoError> {
        let content = ExceptionContent::parse(
            exception.rule_kind,
            exception.rule,
            exception.ordinary_route,
            exception.ordinary_cost_cents,
            exception.custom_solution,
            exception.custom_cost_cents,
            exception.legitimacy,
            exception.engagement,
            exception.societal_return,
        )?;
        let first_step = *first_steps
            .get(exception.first_step)
            .ok_or(DemoError::Unknown("first step", exception.rule))?;
        let lead = self.viewer(By::Professional(self.case.lead)).await?;
        let id = self
            .writer
            .draft_rule_exception(
                &lead,
                first_step,
                self.cast.organisation(exception.rule_owner)?,
                exception.decision_kind,
                content,
            )
            .await?;
        for (person, step) in [
            (self.case.lead, ExceptionStep::Submit),
            (exception.co_signer, ExceptionStep::CoSign),
            (exception.endorser, ExceptionStep::Endorse),
            (self.case.lead, ExceptionStep::Approve),
        ] {
            let viewer = self.viewer(By::Professional(person)).await?;
            let version = self
                .writer
                .item::<domain::exception::RuleException>(&viewer, id)
                .await?
                .ok_or(persistence::Error::NotFound("exception"))?
                .version;
            self.writer
                .step_rule_exception(&viewer, id, version, step, None)
                .await?;
        }
        let solution = &exception.solution;
        let tags: Vec<String> = solution.tags.iter().map(|tag| (*tag).to_owned()).collect();
        let draft = SolutionDraft::parse(
            self.cast.municipality(self.case.municipality)?,
            solution.problem_pattern,
            solution.rule,
            solution.custom_solution,
            exception.ordinary_cost_cents,
            exception.custom_cost_cents,
            solution.value_summary,
            &tags,
        )?;
        self.writer.publish_solution(&lead, id, draft).await?;
        Ok(())
    }

    async fn raise_signals(&self, problems: &[ProblemId]) -> Result<Vec<PendingAnswer>, DemoError> {
        let mut answers = Vec::new();
        for signal in self.case.signals {
            let problem = *problems
                .get(signal.problem)
                .ok_or(DemoError::Unknown("problem", signal.description))?;
            let new = NewSignal {
                category: signal.category,
                organisation_id: signal
                    .organisation
                    .map(|slug| self.cast.organisation(slug))
                    .transpose()?,
                rule: parse_optional_text("rule", signal.rule, MAX_SHORT_TEXT)?,
                description: parse_text("description", signal.description, MAX_TEXT)?,
            };
            let viewer = self.viewer(By::Professional(signal.by)).await?;
            let id = self.writer.raise_signal(&viewer, problem, new).await?;
            if let Some((status, answer)) = signal.answer {
                answers.push(PendingAnswer {
                    signal: id,
                    analyst: signal.analyst,
                    status,
                    answer,
                });
            }
        }
        Ok(answers)
    }

    /// The day `days` from today.
    fn day(&self, days: i64) -> NaiveDate {
        let offset = Days::new(days.unsigned_abs());
        if days < 0 {
            self.today - offset
        } else {
            self.today + offset
        }
    }
}
