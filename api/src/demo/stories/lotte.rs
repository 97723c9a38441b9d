use super::*;

use BudgetCategory::{Debt, Education, RentArrears};

/// Lotte de Wit: after a divorce, the rent of the family home alone and a course to finish.
pub(super) const LOTTE: DemoCase = alone(
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
