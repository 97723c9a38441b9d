use super::*;

use BudgetCategory::{Debt, Mobility, RentArrears};

/// Yusuf Kaya: a job offer in the port area that he cannot reach without transport.
pub(super) const YUSUF: DemoCase = alone(
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
