//! The neighbourhood team's earlier cases in Amsterdam, led by Vera Jansen and opened months
//! ago. Their allocations from Amsterdam's maatwerkbudget fall in different months and
//! categories, so that the trend report shows cells of five cases and more, and smaller cells
//! suppressed. The first one holds an exception that went through its whole life and became a
//! shared solution.

use super::*;

use BudgetCategory::{Debt, Education, EmergencyFoodAdvance, Mobility, RentArrears};

/// Oldest first: they get their municipality's references before the showcase does.
pub(super) const EARLIER: &[&DemoCase] = &[&DEWI, &RUUD, &INGRID, &YUSUF, &LOTTE];

/// Only the case lead's organisation is on these cases unless a team is named.
const fn own_consent(domains: &'static [LifeDomain]) -> DemoConsent {
    DemoConsent {
        organisation: "buurtteam-amsterdam-west",
        domains,
        method: ConsentMethod::Written,
        by: By::Professional("vera"),
    }
}

/// Dewi Pranoto, 20: no income during the search period for young people, with rent due. An
/// exception, co-signed by the breakthrough team's coach and endorsed by the income
/// department's team lead, lets her benefit start at once.
const DEWI: DemoCase = DemoCase {
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

/// Ruud Vos: out of work, with rent arrears to a private landlord who ends the lease; the
/// housing corporation declares him urgent for a social rent home.
const RUUD: DemoCase = DemoCase {
    resident: "ruud",
    municipality: "AMS",
    lead: "vera",
    team: &[(
        "mila",
        TeamRole::Member,
        "Urgency for a social rent home",
    )],
    pending: &[],
    consents: &[
        own_consent(&[Profile, Finances, Housing, WorkAndDaytime]),
        DemoConsent {
            organisation: "woonstad-wonen",
            domains: &[Profile, Housing],
            method: ConsentMethod::Written,
            by: By::Professional("vera"),
        },
    ],
    perspectives: &[],
    facts: &[
        shared(
            "vera",
            Finances,
            "Lost his job at a print shop in the spring; his unemployment benefit ends next month.",
        ),
        shared(
            "vera",
            Housing,
            "Rent arrears of €1,100 with a private landlord, who ends the lease at the end of the year.",
        )
        .amount(110_000, Once),
    ],
    problems: &[],
    first_steps: &[],
    agreements: &[],
    evaluations: &[],
    step: CaseStep::Analysis,
    opened_days_ago: 90,
    decisions: &[
        allocation(
            60,
            RentArrears,
            85_000,
            "Most of the arrears, so that the landlord does not go to court.",
        ),
        allocation(
            58,
            EmergencyFoodAdvance,
            15_000,
            "Food for two weeks until the benefit is paid.",
        ),
        DemoDecision {
            by: "mila",
            days_ago: 45,
            kind: DecisionKind::HousingUrgencyDeclaration,
            description: "Urgent for a social rent home: the private lease ends at the end of the year.",
            amount_cents: None,
            category: None,
        },
        allocation(
            30,
            Debt,
            60_000,
            "Settles the health insurance arrears before they go to a collection agency.",
        ),
    ],
    exception: None,
    signals: &[],
};

/// A case the case lead works on alone, at the step "situation sketch".
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

/// Ingrid Meijer: a single mother with debts whose son starts secondary school.
const INGRID: DemoCase = alone(
    "ingrid",
    80,
    &[own_consent(&[
        Profile,
        Finances,
        Housing,
        YouthAndEducation,
    ])],
    &[shared(
        "vera",
        Finances,
        "Works twenty hours a week in home care; debts of €4,300 with four creditors.",
    )
    .amount(430_000, Once)],
    &[
        allocation(
            60,
            RentArrears,
            62_000,
            "Two months of rent arrears, so that the corporation stops the eviction procedure.",
        ),
        allocation(
            30,
            Debt,
            45_000,
            "Pays off the smallest two debts, so that debt counselling can start.",
        ),
        allocation(
            2,
            Education,
            32_000,
            "A laptop for her son's first year at secondary school.",
        ),
    ],
);

/// Yusuf Kaya: a job offer in the port area that he cannot reach without transport.
const YUSUF: DemoCase = alone(
    "yusuf",
    72,
    &[own_consent(&[Profile, Finances, Housing, WorkAndDaytime])],
    &[shared(
        "vera",
        WorkAndDaytime,
        "Offered a job in the port area starting at six in the morning, before the first bus runs.",
    )],
    &[
        allocation(
            60,
            RentArrears,
            54_000,
            "One month of rent arrears from the weeks without work.",
        ),
        allocation(
            30,
            Debt,
            90_000,
            "Settles the energy bill, so that the payment plan can start.",
        ),
        allocation(
            28,
            Mobility,
            24_000,
            "A second-hand bicycle and lights, to reach the port at six.",
        ),
    ],
);

/// Lotte de Wit: after a divorce, the rent of the family home alone and a course to finish.
const LOTTE: DemoCase = alone(
    "lotte",
    66,
    &[own_consent(&[
        Profile,
        Finances,
        Housing,
        YouthAndEducation,
    ])],
    &[shared(
        "vera",
        Housing,
        "Pays the rent of the former family home on her own since the divorce.",
    )],
    &[
        allocation(
            60,
            RentArrears,
            70_000,
            "The rent of the month the divorce was settled.",
        ),
        allocation(
            30,
            Debt,
            38_000,
            "The last instalment of a shared debt, so that the creditor stops the fees.",
        ),
        allocation(
            2,
            Education,
            18_000,
            "The exam fee of her bookkeeping course.",
        ),
    ],
);
