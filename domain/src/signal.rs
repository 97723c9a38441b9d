//! Signals to policy (DOMAIN.md §3): a team member raises a system problem to the policy
//! analysts of the case's municipality. A signal carries no link to the case or the resident;
//! the analysts answer it and count signals by category, organisation and month, never showing
//! a cell of fewer than five signals.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{MunicipalityId, OrganisationId, ProfessionalId, SignalId};
use crate::life_domain::string_enum;

string_enum!(
    /// What kind of system problem a signal reports.
    SignalCategory {
        Regulation => "regulation",
        Procedure => "procedure",
        Cooperation => "cooperation",
        Capacity => "capacity",
        Funding => "funding",
        Other => "other",
    }
);

string_enum!(
    /// Where policy stands with a signal.
    SignalStatus {
        Received => "received",
        UnderReview => "under_review",
        Addressed => "addressed",
        Declined => "declined",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub id: SignalId,
    pub municipality_id: MunicipalityId,
    pub category: SignalCategory,
    /// The organisation whose rule or way of working causes the problem, if one does.
    pub organisation_id: Option<OrganisationId>,
    /// The rule involved, in a few words.
    pub rule: Option<String>,
    pub description: String,
    pub raised_by_organisation_id: OrganisationId,
    pub raised_by_professional_id: ProfessionalId,
    pub raised_at: DateTime<Utc>,
    pub status: SignalStatus,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// The least number of signals an aggregate cell may count before it is shown (§5.10).
pub const MIN_CELL_SIGNALS: i64 = 5;

/// Signals of one category about one organisation (or none) in one month; `count` is `None`
/// when suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalCell {
    pub category: SignalCategory,
    pub organisation_id: Option<OrganisationId>,
    pub month: NaiveDate,
    pub count: Option<i64>,
}

impl SignalCell {
    pub fn new(
        category: SignalCategory,
        organisation_id: Option<OrganisationId>,
        month: NaiveDate,
        count: i64,
    ) -> Self {
        Self {
            category,
            organisation_id,
            month,
            count: (count >= MIN_CELL_SIGNALS).then_some(count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_of_fewer_than_five_signals_are_suppressed() {
        let month = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert_eq!(
            SignalCell::new(SignalCategory::Procedure, None, month, 4).count,
            None
        );
        assert_eq!(
            SignalCell::new(SignalCategory::Procedure, None, month, 5).count,
            Some(5)
        );
    }
}
