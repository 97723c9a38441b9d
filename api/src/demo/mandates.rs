//! The demo's mandates and maatwerkbudget (DOMAIN.md §3): what each organisation's roles may
//! decide at the table, with a quarterly quota on housing urgency declarations, and Amsterdam's
//! budget for this year that the neighbourhood team's earlier cases draw on.

use chrono::Datelike;
use domain::mandate::{BudgetHolder, DecisionKind, MandateLimits, QuotaPeriod};
use domain::{BudgetId, OrganisationRole};
use persistence::Store;

use super::cast::Cast;
use super::error::DemoError;

use DecisionKind::*;
use OrganisationRole::{Professional, TeamLead};

struct DemoMandate {
    organisation: &'static str,
    role: OrganisationRole,
    kind: DecisionKind,
    /// Euro cents per decision.
    max_amount_cents: Option<i64>,
    /// At most `max_count` decisions, or `max_total_cents` in all, per `period`.
    period: Option<QuotaPeriod>,
    max_count: Option<i64>,
    max_total_cents: Option<i64>,
}

const fn up_to(
    organisation: &'static str,
    role: OrganisationRole,
    kind: DecisionKind,
    max_amount_cents: i64,
) -> DemoMandate {
    DemoMandate {
        organisation,
        role,
        kind,
        max_amount_cents: Some(max_amount_cents),
        period: None,
        max_count: None,
        max_total_cents: None,
    }
}

const MANDATES: &[DemoMandate] = &[
    // Neighbourhood team professionals spend up to €1,000 at once; their team lead more.
    up_to(
        "buurtteam-amsterdam-west",
        Professional,
        BudgetAllocation,
        100_000,
    ),
    up_to(
        "buurtteam-amsterdam-west",
        TeamLead,
        BudgetAllocation,
        500_000,
    ),
    // Housing urgency is scarce: three declarations a quarter for the corporation's team lead.
    DemoMandate {
        organisation: "woonstad-wonen",
        role: TeamLead,
        kind: HousingUrgencyDeclaration,
        max_amount_cents: None,
        period: Some(QuotaPeriod::Quarter),
        max_count: Some(3),
        max_total_cents: None,
    },
    up_to("wpi-amsterdam", Professional, BenefitException, 200_000),
    up_to("wpi-amsterdam", TeamLead, BenefitException, 1_500_000),
    up_to("wpi-amsterdam", TeamLead, DebtArrangement, 1_000_000),
    // The breakthrough team decides where the others' mandates end.
    up_to(
        "doorbraakteam-amsterdam",
        TeamLead,
        BudgetAllocation,
        1_000_000,
    ),
    up_to(
        "doorbraakteam-amsterdam",
        TeamLead,
        BenefitException,
        2_500_000,
    ),
    up_to("doorbraakteam-amsterdam", TeamLead, Other, 1_000_000),
    DemoMandate {
        organisation: "werk-en-inkomen-zaanstad",
        role: Professional,
        kind: DebtArrangement,
        max_amount_cents: Some(250_000),
        period: Some(QuotaPeriod::Year),
        max_count: None,
        max_total_cents: Some(2_500_000),
    },
];

/// Amsterdam's maatwerkbudget for this year, in euro cents.
const AMSTERDAM_BUDGET_CENTS: i64 = 4_000_000;

/// Grants the demo's mandates and sets up Amsterdam's budget for this year, which it returns.
/// The demo's mandates and budget are set up as the platform operator sets them up.
pub(super) async fn grant(store: &Store, cast: &Cast) -> Result<BudgetId, DemoError> {
    use domain::authz::{Action, Principal, Standing, authorize};
    let mandates = authorize(
        Principal::PlatformAdmin,
        Standing::OtherOrganisation,
        Action::CreateMandate,
    )?;
    for mandate in MANDATES {
        let limits = MandateLimits {
            max_amount_cents: mandate.max_amount_cents,
            period: mandate.period,
            max_count: mandate.max_count,
            max_total_cents: mandate.max_total_cents,
            valid_from: None,
            valid_until: None,
        }
        .parse()?;
        store
            .create_mandate(
                &mandates,
                cast.organisation(mandate.organisation)?,
                mandate.role,
                mandate.kind,
                limits,
            )
            .await?;
    }
    let budget_permit = authorize(
        Principal::PlatformAdmin,
        Standing::Unrelated,
        Action::CreateMunicipalityBudget,
    )?;
    let budget = store
        .create_budget(
            &budget_permit,
            BudgetHolder::Municipality(cast.municipality("AMS")?),
            domain::calendar::today().year(),
            AMSTERDAM_BUDGET_CENTS,
        )
        .await?;
    Ok(budget.id)
}
