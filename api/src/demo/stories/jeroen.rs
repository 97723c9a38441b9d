use super::*;

/// Jeroen Hendriks: out of work after a back injury, his unemployment benefit running out.
/// Four organisations; the team is still sketching the situation, and the GGD has not yet
/// answered its invitation.
pub(super) const JEROEN: DemoCase = DemoCase {
    resident: "jeroen",
    municipality: "AMS",
    lead: "bram",
    team: &[
        (
            "chantal",
            TeamRole::ProcessFacilitator,
            "Please guide the first team meeting",
        ),
        (
            "pim",
            TeamRole::Member,
            "Unemployment benefit and the way back to work",
        ),
        (
            "jamal",
            TeamRole::Member,
            "Income after the unemployment benefit ends",
        ),
        ("mila", TeamRole::Member, "Rent and the tenancy"),
    ],
    pending: &[(
        "ggd-amsterdam",
        "Questions about his health and what work he can do",
    )],
    consents: &[
        DemoConsent {
            organisation: "buurtteam-amsterdam-west",
            domains: &[Profile, Finances, Housing, WorkAndDaytime, Health],
            method: ConsentMethod::Written,
            by: By::Professional("bram"),
        },
        DemoConsent {
            organisation: "uwv-noord-holland",
            domains: &[Profile, WorkAndDaytime, Finances],
            method: ConsentMethod::Digital,
            by: By::Resident,
        },
        DemoConsent {
            organisation: "wpi-amsterdam",
            domains: &[Profile, Finances, Housing],
            method: ConsentMethod::Written,
            by: By::Professional("bram"),
        },
        DemoConsent {
            organisation: "woonstad-wonen",
            domains: &[Profile, Housing],
            method: ConsentMethod::Verbal,
            by: By::Professional("bram"),
        },
    ],
    perspectives: &[(
        By::Professional("bram"),
        "I want to work again, even part-time, and keep my home near the Sloterplas where I have lived for twenty years.",
    )],
    facts: &[
        shared(
            "bram",
            Profile,
            "Jeroen (56) lives alone; his two adult children live in Utrecht and Leiden.",
        ),
        shared(
            "bram",
            Health,
            "Chronic back pain since a fall at work; he can stand for two hours at most.",
        ),
        nice_to_know(
            "bram",
            PastSuccesses,
            "Ran the youth football team of his local club for ten years.",
        ),
        shared(
            "pim",
            WorkAndDaytime,
            "Lost his job as a warehouse worker after 22 years; his unemployment benefit (WW) ends in four months.",
        ),
        shared(
            "pim",
            Finances,
            "Unemployment benefit of €1,890 gross per month.",
        )
        .amount(189_000, PerMonth),
        shared(
            "mila",
            Housing,
            "Rent is €742 per month; paid on time for twenty years, one month behind since September.",
        )
        .amount(74_200, PerMonth),
        shared(
            "jamal",
            Finances,
            "Savings of €4,100, below the asset limit for social assistance.",
        )
        .amount(410_000, Once),
    ],
    problems: &[],
    first_steps: &[],
    agreements: &[],
    evaluations: &[],
    step: CaseStep::SituationSketch,
    opened_days_ago: 0,
    decisions: &[],
    exception: None,
    signals: &[],
};
