use super::*;

use BudgetCategory::{Debt, RentArrears};

/// Dewi Pranoto, 20: no income during the search period for young people, with rent due. An
/// exception, co-signed by the breakthrough team's coach and endorsed by the income
/// department's team lead, lets her benefit start at once.
pub(super) const DEWI: DemoCase = DemoCase {
    resident: "dewi",
    municipality: "AMS",
    lead: "vera",
    team: &[
        (
            "quinta",
            TeamRole::Coach,
            "Coach for an exception to the search period",
        ),
        (
            "jamal",
            TeamRole::Member,
            "Income: the search period for young people",
        ),
    ],
    pending: &[],
    consents: &[
        own_consent(&[Profile, Finances, Housing, YouthAndEducation]),
        DemoConsent {
            organisation: "wpi-amsterdam",
            domains: &[Profile, Finances, Housing],
            method: ConsentMethod::Written,
            by: By::Professional("vera"),
        },
        DemoConsent {
            organisation: "doorbraakteam-amsterdam",
            domains: &[Profile, Finances, Housing],
            method: ConsentMethod::Verbal,
            by: By::Professional("vera"),
        },
    ],
    perspectives: &[(
        By::Resident,
        "I keep my room, finish my evening course and pay my own way.",
    )],
    facts: &[
        shared(
            "vera",
            Profile,
            "Dewi (20) rents a room on her own since she left her foster family at eighteen.",
        ),
        shared(
            "vera",
            Housing,
            "The room costs €480 a month; the landlord ends the lease after a second missed month.",
        )
        .amount(48_000, PerMonth),
        shared(
            "jamal",
            Finances,
            "Applied for social assistance; for applicants under 27 a search period of four weeks comes first, without any income.",
        ),
    ],
    problems: &[DemoProblem {
        by: "jamal",
        kind: ProblemKind::System,
        domain: Finances,
        text: "The search period leaves a young person without income in the month the rent is due.",
        resident_shares_picture: true,
    }],
    first_steps: &[DemoFirstStep {
        by: "vera",
        text: "Dewi has an income this month, so that she keeps her room.",
        motivation: Some("She wants to finish her evening course."),
        capability: Some("She can work two evenings a week next to the course."),
        opportunity: Some("The breakthrough team helps with exceptions to the rules."),
        status: FirstStepStatus::Done,
    }],
    agreements: &[],
    evaluations: &[],
    step: CaseStep::FirstSteps,
    opened_days_ago: 100,
    decisions: &[
        allocation(
            60,
            RentArrears,
            48_000,
            "One month's rent, so that the lease goes on while the benefit starts.",
        ),
        allocation(
            30,
            Debt,
            30_000,
            "Pays off the phone bill that went to a collection agency.",
        ),
    ],
    exception: Some(&DemoException {
        days_ago: 92,
        first_step: 0,
        rule_kind: RuleKind::Interpretation,
        rule: "Four-week search period before social assistance for applicants under 27",
        rule_owner: "wpi-amsterdam",
        decision_kind: DecisionKind::BenefitException,
        ordinary_route: "Wait four weeks without income; the landlord ends the lease and she goes to a youth shelter.",
        ordinary_cost_cents: 480_000,
        custom_solution: "Start the benefit at once and let her search for work during the first four weeks, with the neighbourhood team beside her.",
        custom_cost_cents: 115_000,
        legitimacy: "The law lets the municipality waive the search period when waiting puts someone at risk, and here it does.",
        engagement: "Dewi signs up for the work programme herself and keeps her evening course.",
        societal_return: "No youth shelter, no eviction on her record, and a course she finishes.",
        co_signer: "quinta",
        endorser: "jamal",
        solution: DemoSolution {
            problem_pattern: "A young adult without income during the search period, with rent due and the lease at risk.",
            rule: "Four-week search period before social assistance for applicants under 27",
            custom_solution: "Start the benefit at once and hold the search during the first four weeks, with a coach beside the young person.",
            value_summary: "Within the law's room for waiving; the young person keeps the room and the course; a youth shelter costs four times as much.",
            tags: &["young-adults", "search-period", "homelessness-prevention"],
        },
    }),
    signals: &[],
};
