use super::*;

use BudgetCategory::{Debt, Education, RentArrears};

/// Ingrid Meijer: a single mother with debts whose son starts secondary school.
pub(super) const INGRID: DemoCase = alone(
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
