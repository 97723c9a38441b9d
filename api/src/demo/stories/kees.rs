use super::*;

/// Kees Smit in Zaanstad: an energy debt and a cold, lonely house. Four organisations; the
/// team has met again to evaluate.
pub(super) const KEES: DemoCase = DemoCase {
    resident: "kees",
    municipality: "ZAA",
    lead: "sem",
    team: &[
        (
            "rosa",
            TeamRole::ProcessFacilitator,
            "Please guide the team and the evaluations",
        ),
        (
            "tess",
            TeamRole::Member,
            "Income and a municipal loan for the energy debt",
        ),
        (
            "umar",
            TeamRole::Member,
            "Debt counselling for the energy debt",
        ),
        (
            "lars",
            TeamRole::Member,
            "Rent arrears and the state of the house",
        ),
    ],
    pending: &[],
    consents: &[
        DemoConsent {
            organisation: "buurtteam-zaanstad",
            domains: &[Profile, Finances, Housing, Network],
            method: ConsentMethod::Written,
            by: By::Professional("sem"),
        },
        DemoConsent {
            organisation: "werk-en-inkomen-zaanstad",
            domains: &[Profile, Finances, Housing],
            method: ConsentMethod::Written,
            by: By::Professional("sem"),
        },
        DemoConsent {
            organisation: "schuldhulp-zaanstreek",
            domains: &[Profile, Finances],
            method: ConsentMethod::Written,
            by: By::Professional("sem"),
        },
        DemoConsent {
            organisation: "woonstad-wonen",
            domains: &[Profile, Housing],
            method: ConsentMethod::Verbal,
            by: By::Professional("sem"),
        },
    ],
    perspectives: &[(
        By::Professional("sem"),
        "I want to stay in my own house with my dog, and not be afraid of the energy bill this winter.",
    )],
    facts: &[
        shared(
            "sem",
            Profile,
            "Kees has lived alone with his dog Bikkel since his wife died in 2023.",
        ),
        nice_to_know(
            "sem",
            Network,
            "Sees hardly anyone apart from the neighbour who walks the dog with him on Sundays.",
        ),
        shared(
            "umar",
            Finances,
            "Energy debt of €1,850 after the annual bill; the supplier announced disconnection.",
        )
        .amount(185_000, Once),
        shared(
            "tess",
            Finances,
            "Income is the state pension (AOW) plus a small company pension: €1,610 net per month.",
        )
        .amount(161_000, PerMonth),
        shared(
            "lars",
            Housing,
            "Rent is €865 per month; the arrears of two months have been paid off.",
        )
        .amount(86_500, PerMonth),
        shared(
            "lars",
            Housing,
            "Single glazing and a draughty front door make the house expensive to heat.",
        ),
    ],
    problems: &[
        DemoProblem {
            by: "umar",
            kind: ProblemKind::System,
            domain: Finances,
            text: "The energy supplier only stops a disconnection once a payment plan is signed, and the debt counselling intake takes six weeks.",
            resident_shares_picture: true,
        },
        DemoProblem {
            by: "sem",
            kind: ProblemKind::Personal,
            domain: Network,
            text: "Since his wife died Kees rarely leaves the house and did not ask anyone for help.",
            resident_shares_picture: false,
        },
        DemoProblem {
            by: "tess",
            kind: ProblemKind::System,
            domain: Finances,
            text: "A municipal loan for one urgent debt waits for the full overview of all debts, which took six weeks while the disconnection date came closer.",
            resident_shares_picture: true,
        },
        DemoProblem {
            by: "lars",
            kind: ProblemKind::System,
            domain: Housing,
            text: "Woonstad only insulates a home when its whole block is renovated, so a tenant in a cold house waits for years.",
            resident_shares_picture: true,
        },
    ],
    first_steps: &[
        DemoFirstStep {
            by: "umar",
            text: "Stop the disconnection of the energy supply.",
            motivation: Some("Kees wants a warm house for himself and Bikkel."),
            capability: None,
            opportunity: Some("The supplier waits when a payment plan is on the table."),
            status: FirstStepStatus::Done,
        },
        DemoFirstStep {
            by: "lars",
            text: "Make the house cheaper to heat.",
            motivation: None,
            capability: None,
            opportunity: None,
            status: FirstStepStatus::Open,
        },
        DemoFirstStep {
            by: "sem",
            text: "Kees has company a few times a week.",
            motivation: Some("He misses talking to people, though he finds it hard to say."),
            capability: Some("He can walk to the community centre with the dog."),
            opportunity: Some("The community centre has a lunch every Thursday."),
            status: FirstStepStatus::Open,
        },
    ],
    agreements: &[
        DemoAgreement {
            by: "umar",
            what: "Agree a payment plan of €50 per month with the energy supplier.",
            assignee: DemoAssignee::TeamMember("umar"),
            due_in_days: Some(-40),
            review_in_days: None,
            status: AgreementStatus::Done,
        },
        DemoAgreement {
            by: "tess",
            what: "Grant a municipal loan that pays off the energy debt at once.",
            assignee: DemoAssignee::Organisation("werk-en-inkomen-zaanstad"),
            due_in_days: Some(-30),
            review_in_days: None,
            status: AgreementStatus::Done,
        },
        DemoAgreement {
            by: "lars",
            what: "Replace the single glazing and draught-proof the front door.",
            assignee: DemoAssignee::TeamMember("lars"),
            due_in_days: Some(21),
            review_in_days: None,
            status: AgreementStatus::InProgress,
        },
        DemoAgreement {
            by: "sem",
            what: "Join the Thursday lunch at the community centre.",
            assignee: DemoAssignee::SocialBase("Buurthuis De Kolk"),
            due_in_days: None,
            review_in_days: Some(14),
            status: AgreementStatus::Open,
        },
    ],
    evaluations: &[DemoEvaluation {
        by: "sem",
        achieved: "The energy debt is paid off with a municipal loan; Kees repays €50 a month and the disconnection is off.",
        perspective_reached: false,
        what_worked: Some("One contact person for Kees, and a quick decision on the loan."),
        still_needed: Some("A house that is cheaper to heat, and company during the week."),
        next_in_days: Some(90),
    }],
    step: CaseStep::Evaluation,
    opened_days_ago: 0,
    decisions: &[DemoDecision {
        by: "tess",
        days_ago: 0,
        kind: DecisionKind::DebtArrangement,
        description: "A municipal loan of €1,850 pays off the energy debt at once; Kees repays €50 a month.",
        amount_cents: Some(185_000),
        category: None,
    }],
    exception: None,
    signals: &[
        DemoSignal {
            problem: 0,
            by: "umar",
            category: SignalCategory::Procedure,
            organisation: None,
            rule: Some("Disconnection stops only with a signed payment plan"),
            description: "Energy suppliers stop a disconnection only once a payment plan is signed, while the intake for debt counselling takes six weeks; residents go without heating in between.",
            analyst: "wouter",
            answer: Some((
                SignalStatus::Addressed,
                "Zaanstad agreed a winter stop with the two largest suppliers for residents in debt counselling, and intakes for energy debts now take place within a week.",
            )),
        },
        DemoSignal {
            problem: 0,
            by: "sem",
            category: SignalCategory::Funding,
            organisation: None,
            rule: Some("Energy allowance paid once a year"),
            description: "The energy allowance is paid once a year, after the winter, when the bills have already come in.",
            analyst: "wouter",
            answer: None,
        },
        DemoSignal {
            problem: 2,
            by: "tess",
            category: SignalCategory::Regulation,
            organisation: Some("werk-en-inkomen-zaanstad"),
            rule: Some("Municipal loan only with a complete debt overview"),
            description: "A municipal loan for a single urgent debt has to wait for the complete overview of all debts.",
            analyst: "wouter",
            answer: Some((
                SignalStatus::UnderReview,
                "On the agenda of the review of the debt policy in February.",
            )),
        },
        DemoSignal {
            problem: 3,
            by: "lars",
            category: SignalCategory::Cooperation,
            organisation: Some("woonstad-wonen"),
            rule: Some("Insulation only with a block renovation"),
            description: "Homes are insulated only when the whole block is renovated; tenants in cold homes with high energy bills wait for years.",
            analyst: "wouter",
            answer: Some((
                SignalStatus::Declined,
                "Insulation plans are the corporation's own; we have passed the signal on to Woonstad for the next performance agreements.",
            )),
        },
    ],
};
