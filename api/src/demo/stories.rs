//! The demo's stories: three residents at different steps of the method, each with a team of
//! several organisations and consents that differ per organisation, so that demo identities of
//! different organisations see different slices of the same case (`samira`, `jeroen`, `kees`).
//! Before them come the neighbourhood team's earlier cases in Amsterdam (`dewi`, `ruud`,
//! `ingrid`, `yusuf`, `lotte`), led by Vera Jansen and opened months ago, with the decisions,
//! the exception and the shared solution around them.
//!
//! Each story is plain data, one file per case; `super::play` writes them.

use domain::LifeDomain;
use domain::case::{
    AgreementStatus, AmountPeriod, CaseStep, ConsentMethod, FirstStepStatus, ProblemKind,
};
use domain::exception::RuleKind;
use domain::mandate::{BudgetCategory, DecisionKind};
use domain::signal::{SignalCategory, SignalStatus};
use domain::slice::{Need, SharingLevel, TeamRole};

use AmountPeriod::{Once, PerMonth};
use LifeDomain::*;

mod dewi;
mod ingrid;
mod jeroen;
mod kees;
mod lotte;
mod ruud;
mod samira;
mod yusuf;

/// The demo case to look at first.
pub(super) const SHOWCASE: &DemoCase = &samira::SAMIRA;

/// The showcase first of today's cases.
pub(super) const TODAY: &[&DemoCase] = &[SHOWCASE, &jeroen::JEROEN, &kees::KEES];

/// The neighbourhood team's earlier cases, oldest first: they get their municipality's
/// references before the showcase does. Their allocations from Amsterdam's maatwerkbudget fall
/// in different months and categories, so that the trend report shows cells of five cases and
/// more, and smaller cells suppressed. The first one holds an exception that went through its
/// whole life and became a shared solution.
pub(super) const EARLIER: &[&DemoCase] = &[
    &dewi::DEWI,
    &ruud::RUUD,
    &ingrid::INGRID,
    &yusuf::YUSUF,
    &lotte::LOTTE,
];

/// Who writes something: a demo professional by sign-in name, or the case's resident.
#[derive(Debug, Clone, Copy)]
pub(super) enum By {
    Professional(&'static str),
    Resident,
}

pub(super) struct DemoCase {
    /// The resident's demo sign-in name.
    pub(super) resident: &'static str,
    pub(super) municipality: &'static str,
    /// Opens the case and leads it.
    pub(super) lead: &'static str,
    /// Invited by the case lead by name, and accepted with the team role.
    pub(super) team: &'static [(&'static str, TeamRole, &'static str)],
    /// Organisations invited that have not answered yet, with the reason.
    pub(super) pending: &'static [(&'static str, &'static str)],
    pub(super) consents: &'static [DemoConsent],
    pub(super) perspectives: &'static [(By, &'static str)],
    pub(super) facts: &'static [DemoFact],
    pub(super) problems: &'static [DemoProblem],
    pub(super) first_steps: &'static [DemoFirstStep],
    pub(super) agreements: &'static [DemoAgreement],
    pub(super) evaluations: &'static [DemoEvaluation],
    /// The step the team has reached; it passes the steps before it on the way.
    pub(super) step: CaseStep,
    /// How many days ago the case was opened; everything above is written as of then.
    pub(super) opened_days_ago: i64,
    /// Taken in this order, each as of its own day.
    pub(super) decisions: &'static [DemoDecision],
    pub(super) exception: Option<&'static DemoException>,
    pub(super) signals: &'static [DemoSignal],
}

/// A decision on the case; a budget allocation draws on Amsterdam's budget.
pub(super) struct DemoDecision {
    pub(super) by: &'static str,
    pub(super) days_ago: i64,
    pub(super) kind: DecisionKind,
    pub(super) description: &'static str,
    pub(super) amount_cents: Option<i64>,
    pub(super) category: Option<BudgetCategory>,
}

/// A budget allocation by the case lead of an earlier case.
const fn allocation(
    days_ago: i64,
    category: BudgetCategory,
    amount_cents: i64,
    description: &'static str,
) -> DemoDecision {
    DemoDecision {
        by: "vera",
        days_ago,
        kind: DecisionKind::BudgetAllocation,
        description,
        amount_cents: Some(amount_cents),
        category: Some(category),
    }
}

/// An exception on one of the case's first steps (by position), drafted, submitted and in the
/// end approved by the case lead, co-signed by a coach on the team and endorsed by a member of
/// the organisation that owns the rule; then published as a shared solution.
pub(super) struct DemoException {
    pub(super) days_ago: i64,
    pub(super) first_step: usize,
    pub(super) rule_kind: RuleKind,
    pub(super) rule: &'static str,
    pub(super) rule_owner: &'static str,
    pub(super) decision_kind: DecisionKind,
    pub(super) ordinary_route: &'static str,
    pub(super) ordinary_cost_cents: i64,
    pub(super) custom_solution: &'static str,
    pub(super) custom_cost_cents: i64,
    pub(super) legitimacy: &'static str,
    pub(super) engagement: &'static str,
    pub(super) societal_return: &'static str,
    pub(super) co_signer: &'static str,
    pub(super) endorser: &'static str,
    pub(super) solution: DemoSolution,
}

/// What is published of the exception: nothing that points to the resident.
pub(super) struct DemoSolution {
    pub(super) problem_pattern: &'static str,
    pub(super) rule: &'static str,
    pub(super) custom_solution: &'static str,
    pub(super) value_summary: &'static str,
    pub(super) tags: &'static [&'static str],
}

/// A signal raised from one of the case's system problems (by position), and what a policy
/// analyst of the municipality has answered, if anything yet.
pub(super) struct DemoSignal {
    pub(super) problem: usize,
    pub(super) by: &'static str,
    pub(super) category: SignalCategory,
    /// The organisation whose rule or way of working causes the problem, by slug.
    pub(super) organisation: Option<&'static str>,
    pub(super) rule: Option<&'static str>,
    pub(super) description: &'static str,
    pub(super) analyst: &'static str,
    pub(super) answer: Option<(SignalStatus, &'static str)>,
}

pub(super) struct DemoConsent {
    pub(super) organisation: &'static str,
    pub(super) domains: &'static [LifeDomain],
    pub(super) method: ConsentMethod,
    pub(super) by: By,
}

#[derive(Clone, Copy)]
pub(super) struct DemoFact {
    pub(super) by: &'static str,
    pub(super) domain: LifeDomain,
    pub(super) need: Need,
    pub(super) sharing: SharingLevel,
    pub(super) text: &'static str,
    pub(super) amount: Option<(i64, AmountPeriod)>,
}

/// A need-to-know fact shared with the team: it reaches organisations with consent for its
/// domain whose kind policy allows it.
const fn shared(by: &'static str, domain: LifeDomain, text: &'static str) -> DemoFact {
    DemoFact {
        by,
        domain,
        need: Need::NeedToKnow,
        sharing: SharingLevel::Team,
        text,
        amount: None,
    }
}

/// A nice-to-know fact: it never leaves the organisation that recorded it.
const fn nice_to_know(by: &'static str, domain: LifeDomain, text: &'static str) -> DemoFact {
    DemoFact {
        need: Need::NiceToKnow,
        ..shared(by, domain, text)
    }
}

/// A need-to-know fact its organisation keeps to itself.
const fn internal(by: &'static str, domain: LifeDomain, text: &'static str) -> DemoFact {
    DemoFact {
        sharing: SharingLevel::Organisation,
        ..shared(by, domain, text)
    }
}

impl DemoFact {
    const fn amount(self, cents: i64, period: AmountPeriod) -> Self {
        DemoFact {
            amount: Some((cents, period)),
            ..self
        }
    }
}

pub(super) struct DemoProblem {
    pub(super) by: &'static str,
    pub(super) kind: ProblemKind,
    pub(super) domain: LifeDomain,
    pub(super) text: &'static str,
    pub(super) resident_shares_picture: bool,
}

pub(super) struct DemoFirstStep {
    pub(super) by: &'static str,
    pub(super) text: &'static str,
    /// Willen, kunnen, doen.
    pub(super) motivation: Option<&'static str>,
    pub(super) capability: Option<&'static str>,
    pub(super) opportunity: Option<&'static str>,
    pub(super) status: FirstStepStatus,
}

pub(super) enum DemoAssignee {
    Resident,
    Network(&'static str),
    SocialBase(&'static str),
    /// A team member, by demo sign-in name.
    TeamMember(&'static str),
    /// An organisation on the team, by slug.
    Organisation(&'static str),
}

pub(super) struct DemoAgreement {
    pub(super) by: &'static str,
    pub(super) what: &'static str,
    pub(super) assignee: DemoAssignee,
    /// Days from today; negative is in the past.
    pub(super) due_in_days: Option<i64>,
    pub(super) review_in_days: Option<i64>,
    pub(super) status: AgreementStatus,
}

pub(super) struct DemoEvaluation {
    pub(super) by: &'static str,
    pub(super) achieved: &'static str,
    pub(super) perspective_reached: bool,
    pub(super) what_worked: Option<&'static str>,
    pub(super) still_needed: Option<&'static str>,
    pub(super) next_in_days: Option<i64>,
}

/// Consent for the case lead's own organisation on an earlier case: only it is on these cases
/// unless a team is named.
const fn own_consent(domains: &'static [LifeDomain]) -> DemoConsent {
    DemoConsent {
        organisation: "buurtteam-amsterdam-west",
        domains,
        method: ConsentMethod::Written,
        by: By::Professional("vera"),
    }
}

/// An earlier case the case lead works on alone, at the step "situation sketch".
const fn alone(
    resident: &'static str,
    opened_days_ago: i64,
    consent: &'static [DemoConsent],
    facts: &'static [DemoFact],
    decisions: &'static [DemoDecision],
) -> DemoCase {
    DemoCase {
        resident,
        municipality: "AMS",
        lead: "vera",
        team: &[],
        pending: &[],
        consents: consent,
        perspectives: &[],
        facts,
        problems: &[],
        first_steps: &[],
        agreements: &[],
        evaluations: &[],
        step: CaseStep::SituationSketch,
        opened_days_ago,
        decisions,
        exception: None,
        signals: &[],
    }
}
