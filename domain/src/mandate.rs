//! Mandate at the table (DOMAIN.md §3): which organisation role may decide what, within which
//! limits; decisions on a case, taken within mandate or escalated beyond it; and the
//! maatwerkbudget that budget allocations draw on.
//!
//! The limits are checked here; that a quota or a budget is never exceeded under concurrency is
//! the database's job (one conditional update per reservation, in the decision's transaction).

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::error::InvalidInput;
use crate::ids::{
    BudgetId, CaseId, DecisionId, MandateId, MunicipalityId, OrganisationId, ProfessionalId,
};
use crate::life_domain::string_enum;
use crate::organisation::OrganisationRole;

string_enum!(
    /// What a decision decides.
    DecisionKind {
        BudgetAllocation => "budget_allocation",
        HousingUrgencyDeclaration => "housing_urgency_declaration",
        DebtArrangement => "debt_arrangement",
        BenefitException => "benefit_exception",
        Other => "other",
    }
);

string_enum!(
    /// The period a quota counts over.
    QuotaPeriod {
        Month => "month",
        Quarter => "quarter",
        Year => "year",
    }
);

string_enum!(
    /// Where a decision stands: taken within mandate at once, or escalated and then approved
    /// or declined by someone with enough mandate.
    DecisionStatus {
        Taken => "taken",
        Escalated => "escalated",
        Approved => "approved",
        Declined => "declined",
    }
);

string_enum!(
    /// What maatwerkbudget money is spent on; the axis of the trend report.
    BudgetCategory {
        Shelter => "shelter",
        EmergencyFoodAdvance => "emergency_food_advance",
        RentArrears => "rent_arrears",
        Debt => "debt",
        Mobility => "mobility",
        Education => "education",
        Other => "other",
    }
);

/// The limits of a mandate. Every limit is optional; a mandate without limits covers every
/// decision of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateLimits {
    /// The largest amount of one decision, in euro cents.
    pub max_amount_cents: Option<i64>,
    /// The period the quotas below count over.
    pub period: Option<QuotaPeriod>,
    /// How many decisions per period.
    pub max_count: Option<i64>,
    /// How much in all per period, in euro cents.
    pub max_total_cents: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

impl MandateLimits {
    /// Checks that the limits make sense together; fields are named as the API names them.
    pub fn parse(self) -> Result<Self, InvalidInput> {
        for (field, value) in [
            ("maxAmountCents", self.max_amount_cents),
            ("maxCount", self.max_count),
            ("maxTotalCents", self.max_total_cents),
        ] {
            if value.is_some_and(|value| value < 0) {
                return Err(InvalidInput::new(field, "must not be negative"));
            }
        }
        let has_quota = self.max_count.is_some() || self.max_total_cents.is_some();
        match (self.period, has_quota) {
            (None, true) => {
                return Err(InvalidInput::new(
                    "period",
                    "a quota needs the period it counts over",
                ));
            }
            (Some(_), false) => {
                return Err(InvalidInput::new(
                    "period",
                    "a period needs a maximum count or total to count",
                ));
            }
            _ => {}
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && until < from
        {
            return Err(InvalidInput::new(
                "validUntil",
                "must not be before validFrom",
            ));
        }
        Ok(self)
    }

    /// Whether one decision of `amount_cents` on `day` fits, before counting the quota: the
    /// quota is reserved in the database, where concurrent decisions meet.
    pub fn admits(&self, amount_cents: Option<i64>, day: NaiveDate) -> Result<(), Beyond> {
        if self.valid_from.is_some_and(|from| day < from)
            || self.valid_until.is_some_and(|until| day > until)
        {
            return Err(Beyond::NotValid);
        }
        let amount = amount_cents.unwrap_or(0);
        if self.max_amount_cents.is_some_and(|max| amount > max) {
            return Err(Beyond::Amount);
        }
        if self.max_count.is_some_and(|max| max < 1) {
            return Err(Beyond::Count);
        }
        if self.max_total_cents.is_some_and(|max| amount > max) {
            return Err(Beyond::Total);
        }
        Ok(())
    }
}

/// Why a decision is beyond a mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beyond {
    /// No mandate of the kind for any of the actor's roles.
    NoMandate,
    NotValid,
    Amount,
    Count,
    Total,
}

impl Beyond {
    pub fn as_str(self) -> &'static str {
        match self {
            Beyond::NoMandate => "no mandate for this kind of decision",
            Beyond::NotValid => "the mandate is not valid today",
            Beyond::Amount => "the amount is above the mandate's maximum per decision",
            Beyond::Count => "the mandate's quota of decisions for this period is used up",
            Beyond::Total => "the mandate's total for this period is used up",
        }
    }
}

/// The first day of the period `day` falls in; quotas count per such period.
pub fn period_start(period: QuotaPeriod, day: NaiveDate) -> NaiveDate {
    let month = match period {
        QuotaPeriod::Month => day.month(),
        QuotaPeriod::Quarter => (day.month0() / 3) * 3 + 1,
        QuotaPeriod::Year => 1,
    };
    NaiveDate::from_ymd_opt(day.year(), month, 1).expect("the first of a month exists")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    pub id: MandateId,
    pub organisation_id: OrganisationId,
    /// The organisation role that carries the mandate.
    pub role: OrganisationRole,
    pub kind: DecisionKind,
    pub limits: MandateLimits,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

/// A decision on a case. The shared plan (§5.3): every team member sees it; its description
/// and amount are content, so a process facilitator sees neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: DecisionId,
    pub case_id: CaseId,
    pub kind: DecisionKind,
    pub status: DecisionStatus,
    pub category: Option<BudgetCategory>,
    pub budget_id: Option<BudgetId>,
    pub organisation_id: OrganisationId,
    pub professional_id: ProfessionalId,
    pub decided_at: DateTime<Utc>,
    /// The mandate it was taken or approved under.
    pub mandate_id: Option<MandateId>,
    /// Why it was escalated.
    pub beyond: Option<String>,
    pub resolved_by_professional_id: Option<ProfessionalId>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub content: Option<DecisionContent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionContent {
    pub description: String,
    pub amount_cents: Option<i64>,
    /// Why an escalation was declined.
    pub decline_reason: Option<String>,
}

/// A yearly maatwerkbudget, held by an organisation or by a municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub id: BudgetId,
    pub holder: BudgetHolder,
    pub year: i32,
    pub amount_cents: i64,
    /// What allocations taken or approved have drawn from it.
    pub allocated_cents: i64,
    pub version: i32,
}

impl Budget {
    pub fn remaining_cents(&self) -> i64 {
        self.amount_cents - self.allocated_cents
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetHolder {
    Organisation(OrganisationId),
    Municipality(MunicipalityId),
}

/// The least number of cases an aggregate cell may count before it is shown (§5.10).
pub const MIN_CELL_CASES: i64 = 5;

/// One cell of the trend report: allocations of one category in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendCell {
    pub category: BudgetCategory,
    /// The first day of the month.
    pub month: NaiveDate,
    /// `None` when fewer than [`MIN_CELL_CASES`] cases are in the cell: suppressed.
    pub figures: Option<TrendFigures>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendFigures {
    pub cases: i64,
    pub allocations: i64,
    pub total_cents: i64,
}

impl TrendCell {
    /// A cell as it may be shown: its figures only when it counts enough cases.
    pub fn new(category: BudgetCategory, month: NaiveDate, figures: TrendFigures) -> Self {
        Self {
            category,
            month,
            figures: (figures.cases >= MIN_CELL_CASES).then_some(figures),
        }
    }
}

/// One cell of the trend report as counted, before it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedCell {
    pub category: BudgetCategory,
    pub month: NaiveDate,
    pub figures: TrendFigures,
    pub cases: std::collections::BTreeSet<crate::CaseId>,
}

/// The trend report as it may be shown (§5.10). A cell of fewer than [`MIN_CELL_CASES`] cases
/// is suppressed; and while the suppressed cells together count fewer than that, the shown cell
/// with the fewest cases is suppressed too. Whoever also knows the budget's total then learns
/// from it, minus the shown cells, only a figure over enough cases.
pub fn trend_report(cells: Vec<CountedCell>) -> Vec<TrendCell> {
    let mut suppressed: Vec<bool> = cells
        .iter()
        .map(|cell| cell.figures.cases < MIN_CELL_CASES)
        .collect();
    loop {
        let hidden: std::collections::BTreeSet<_> = cells
            .iter()
            .zip(&suppressed)
            .filter(|(_, suppressed)| **suppressed)
            .flat_map(|(cell, _)| cell.cases.iter())
            .collect();
        if hidden.is_empty() || hidden.len() as i64 >= MIN_CELL_CASES {
            break;
        }
        let smallest_shown = cells
            .iter()
            .enumerate()
            .filter(|(index, _)| !suppressed[*index])
            .min_by_key(|(_, cell)| (cell.figures.cases, cell.figures.total_cents))
            .map(|(index, _)| index);
        match smallest_shown {
            Some(index) => suppressed[index] = true,
            None => break,
        }
    }
    cells
        .into_iter()
        .zip(suppressed)
        .map(|(cell, suppressed)| TrendCell {
            category: cell.category,
            month: cell.month,
            figures: (!suppressed).then_some(cell.figures),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressed_cells_together_count_enough_cases_or_none_is_shown() {
        let month = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let case = |n: u128| crate::CaseId(uuid::Uuid::from_u128(n));
        let cell = |category, ids: &[u128], total_cents| CountedCell {
            category,
            month,
            figures: TrendFigures {
                cases: ids.len() as i64,
                allocations: ids.len() as i64,
                total_cents,
            },
            cases: ids.iter().map(|id| case(*id)).collect(),
        };
        // One small cell alone: the budget's total minus the rest would give it away, so the
        // smallest shown cell goes with it.
        let report = trend_report(vec![
            cell(BudgetCategory::Debt, &[1, 2, 3, 4, 5, 6], 600),
            cell(BudgetCategory::Shelter, &[7, 8, 9, 10, 11], 500),
            cell(BudgetCategory::Mobility, &[12], 100),
        ]);
        let shown: Vec<bool> = report.iter().map(|cell| cell.figures.is_some()).collect();
        assert_eq!(shown, [true, false, false]);
        // Small cells that together count enough cases stay the only ones suppressed.
        let report = trend_report(vec![
            cell(BudgetCategory::Debt, &[1, 2, 3, 4, 5], 600),
            cell(BudgetCategory::Shelter, &[6, 7, 8], 300),
            cell(BudgetCategory::Mobility, &[9, 10], 100),
        ]);
        let shown: Vec<bool> = report.iter().map(|cell| cell.figures.is_some()).collect();
        assert_eq!(shown, [true, false, false]);
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn limits() -> MandateLimits {
        MandateLimits {
            max_amount_cents: None,
            period: None,
            max_count: None,
            max_total_cents: None,
            valid_from: None,
            valid_until: None,
        }
    }

    #[test]
    fn periods_start_on_the_first_of_their_month_quarter_and_year() {
        assert_eq!(
            period_start(QuotaPeriod::Month, day("2026-11-23")),
            day("2026-11-01")
        );
        assert_eq!(
            period_start(QuotaPeriod::Quarter, day("2026-11-23")),
            day("2026-10-01")
        );
        assert_eq!(
            period_start(QuotaPeriod::Quarter, day("2026-03-31")),
            day("2026-01-01")
        );
        assert_eq!(
            period_start(QuotaPeriod::Quarter, day("2026-04-01")),
            day("2026-04-01")
        );
        assert_eq!(
            period_start(QuotaPeriod::Year, day("2026-11-23")),
            day("2026-01-01")
        );
    }

    #[test]
    fn limits_that_do_not_fit_together_name_the_field() {
        let quota_without_period = MandateLimits {
            max_count: Some(40),
            ..limits()
        };
        assert_eq!(quota_without_period.parse().unwrap_err().field, "period");
        let period_without_quota = MandateLimits {
            period: Some(QuotaPeriod::Year),
            ..limits()
        };
        assert_eq!(period_without_quota.parse().unwrap_err().field, "period");
        let negative = MandateLimits {
            max_amount_cents: Some(-1),
            ..limits()
        };
        assert_eq!(negative.parse().unwrap_err().field, "maxAmountCents");
        let backwards = MandateLimits {
            valid_from: Some(day("2026-02-01")),
            valid_until: Some(day("2026-01-31")),
            ..limits()
        };
        assert_eq!(backwards.parse().unwrap_err().field, "validUntil");
    }

    #[test]
    fn a_decision_fits_a_mandate_by_amount_and_validity() {
        let mandate = MandateLimits {
            max_amount_cents: Some(50_000),
            period: Some(QuotaPeriod::Year),
            max_count: Some(40),
            max_total_cents: Some(100_000),
            valid_from: Some(day("2026-01-01")),
            valid_until: Some(day("2026-12-31")),
        };
        assert_eq!(mandate.admits(Some(50_000), day("2026-06-01")), Ok(()));
        assert_eq!(mandate.admits(None, day("2026-06-01")), Ok(()));
        assert_eq!(
            mandate.admits(Some(50_001), day("2026-06-01")),
            Err(Beyond::Amount)
        );
        assert_eq!(
            mandate.admits(Some(1), day("2027-01-01")),
            Err(Beyond::NotValid)
        );
        assert_eq!(
            mandate.admits(Some(1), day("2025-12-31")),
            Err(Beyond::NotValid)
        );
        let exhausted = MandateLimits {
            max_count: Some(0),
            ..mandate
        };
        assert_eq!(
            exhausted.admits(None, day("2026-06-01")),
            Err(Beyond::Count)
        );
    }

    #[test]
    fn cells_of_fewer_than_five_cases_are_suppressed() {
        let figures = |cases| TrendFigures {
            cases,
            allocations: cases,
            total_cents: cases * 100,
        };
        let month = day("2026-11-01");
        assert_eq!(
            TrendCell::new(BudgetCategory::Debt, month, figures(4)).figures,
            None
        );
        assert_eq!(
            TrendCell::new(BudgetCategory::Debt, month, figures(5)).figures,
            Some(figures(5))
        );
    }
}
