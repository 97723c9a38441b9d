use super::*;

use BudgetCategory::{Debt, EmergencyFoodAdvance, RentArrears};

/// Ruud Vos: out of work, with rent arrears to a private landlord who ends the lease; the
/// housing corporation declares him urgent for a social rent home.
pub(super) const RUUD: DemoCase = DemoCase {
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
