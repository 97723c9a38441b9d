//! The demo cases: three residents at different steps of the method, each with a team of
//! several organisations and consents that differ per organisation, so that demo identities of
//! different organisations see different slices of the same case. Before them come the
//! neighbourhood team's earlier cases (`history`), written as of the months they were opened,
//! with the decisions, the exception and the shared solution around them; the signals raised
//! on Kees's case are answered once the cases are committed.
//!
//! Everything is written through `persistence::cases::Writer`, acting as the demo's
//! professionals and residents, so the demo obeys the rules the API does: the case lead
//! invites, the invitee accepts with a team role their organisation role allows, consent is
//! recorded by the team or by the resident, only team members write content and the process
//! facilitator only moves the case between steps. All cases are written in one transaction:
//! they are all there, or none is.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use domain::case::{
    AgreementStatus, AmountPeriod, Assignee, AssigneeKind, CaseStep, ConsentMethod,
    DEFAULT_OPEN_FIRST_STEP_LIMIT, EvaluationContent, FirstStepContent, FirstStepStatus,
    MAX_SHORT_TEXT, MAX_TEXT, ProblemKind, check_next_evaluation, parse_amount,
    parse_optional_text, parse_text,
};
use domain::exception::{ExceptionContent, ExceptionStep, RuleKind};
use domain::identity::{Actor, ResidentActor};
use domain::mandate::{BudgetCategory, DecisionKind};
use domain::signal::{SignalCategory, SignalStatus};
use domain::slice::{Need, SharingLevel, TeamRole};
use domain::solution::SolutionDraft;
use domain::{BudgetId, CaseId, FirstStepId, LifeDomain, ProblemId, SignalId};
use persistence::Store;
use persistence::cases::{
    InvitationDecision, NewAgreement, NewDecision, NewEvaluation, NewFact, NewFirstStep,
    NewProblem, NewSignal, Viewer, Writer,
};

use super::{Cast, DemoError};

mod history;

use AmountPeriod::{Once, PerMonth};
use LifeDomain::*;

/// The demo case to look at first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Showcase {
    /// Its reference, such as `AMS-2026-000001`.
    pub reference: String,
    pub resident: &'static str,
    pub step: CaseStep,
    /// How many organisations are on its team.
    pub organisations: usize,
}

/// A demo identity on the showcase case's team, and what it sees there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowcaseViewer {
    pub organisation: &'static str,
    pub person: &'static str,
    pub sees: &'static str,
}

/// Whom to compare on the showcase case.
pub const SHOWCASE_VIEWERS: &[ShowcaseViewer] = &[
    ShowcaseViewer {
        organisation: "buurtteam-amsterdam-west",
        person: "anna",
        sees: "case lead, neighbourhood team: the shared facts of every domain, and its own nice-to-know facts",
    },
    ShowcaseViewer {
        organisation: "wpi-amsterdam",
        person: "ilse",
        sees: "income department: finances, housing and work, and the BSN; no health, no school",
    },
    ShowcaseViewer {
        organisation: "woonstad-wonen",
        person: "lars",
        sees: "housing corporation: the housing facts and the profile; no finances, no health",
    },
    ShowcaseViewer {
        organisation: "buurtteam-amsterdam-west",
        person: "chantal",
        sees: "process facilitator: team, step, counts and dates; every text is null",
    },
];

impl Showcase {
    /// What to try first, printed at the end of `maatwerk demo`; `program` is how the user
    /// runs the command (see [`crate::cli::program`]).
    pub fn hint(&self, program: &str) -> String {
        let commands: Vec<String> = SHOWCASE_VIEWERS
            .iter()
            .map(|viewer| {
                format!(
                    "{program} token --org {} --person {}",
                    viewer.organisation, viewer.person
                )
            })
            .collect();
        let width = commands.iter().map(String::len).max().unwrap_or(0);
        let mut hint = format!(
            "Demo case {} ({}, at step \"{}\") is shared by {} organisations, and each sees its own slice.\n\
             Sign in as each of these and compare:\n\n",
            self.reference,
            self.resident,
            self.step.as_str().replace('_', " "),
            self.organisations,
        );
        for (command, viewer) in commands.iter().zip(SHOWCASE_VIEWERS) {
            hint.push_str(&format!("  {command:<width$}   {}\n", viewer.sees));
        }
        hint.push_str(
            "\nwith this query:\n\n  { cases { nodes { reference step team { nodes { role organisation { name } } } \
             resident { name bsn } facts { totalCount nodes { lifeDomain need text } } } } }\n",
        );
        hint.push_str(
            "\nAround the cases: Amsterdam's budget trend as fenna of buurtteam-amsterdam-west \
             ({ budgets { trend { category month suppressed cases totalCents } } }), the shared \
             solutions ({ solutions { edges { node { content { problemPattern tags } } } } }), and \
             Zaanstad's signals as wouter of werk-en-inkomen-zaanstad \
             ({ signals { category status answer } }).\n",
        );
        hint
    }
}

/// Who writes something: a demo professional by sign-in name, or the case's resident.
#[derive(Debug, Clone, Copy)]
enum By {
    Professional(&'static str),
    Resident,
}

struct DemoCase {
    /// The resident's demo sign-in name.
    resident: &'static str,
    municipality: &'static str,
    /// Opens the case and leads it.
    lead: &'static str,
    /// Invited by the case lead by name, and accepted with the team role.
    team: &'static [(&'static str, TeamRole, &'static str)],
    /// Organisations invited that have not answered yet, with the reason.
    pending: &'static [(&'static str, &'static str)],
    consents: &'static [DemoConsent],
    perspectives: &'static [(By, &'static str)],
    facts: &'static [DemoFact],
    problems: &'static [DemoProblem],
    first_steps: &'static [DemoFirstStep],
    agreements: &'static [DemoAgreement],
    evaluations: &'static [DemoEvaluation],
    /// The step the team has reached; it passes the steps before it on the way.
    step: CaseStep,
    /// How many days ago the case was opened; everything above is written as of then.
    opened_days_ago: i64,
    /// Taken in this order, each as of its own day.
    decisions: &'static [DemoDecision],
    exception: Option<&'static DemoException>,
    signals: &'static [DemoSignal],
}

/// A decision on the case; a budget allocation draws on Amsterdam's budget.
struct DemoDecision {
    by: &'static str,
    days_ago: i64,
    kind: DecisionKind,
    description: &'static str,
    amount_cents: Option<i64>,
    category: Option<BudgetCategory>,
}

/// A budget allocation by the case lead of an earlier case.
const fn allocation(
    days_ago: i64,
    category: BudgetCategory,
    amount_cents: i64,
    description: &'static str,
) -> DemoDecision {
    DemoDecision {
        by: "vera",
        days_ago,
        kind: DecisionKind::BudgetAllocation,
        description,
        amount_cents: Some(amount_cents),
        category: Some(category),
    }
}

/// An exception on one of the case's first steps (by position), drafted, submitted and in the
/// end approved by the case lead, co-signed by a coach on the team and endorsed by a member of
/// the organisation that owns the rule; then published as a shared solution.
struct DemoException {
    days_ago: i64,
    first_step: usize,
    rule_kind: RuleKind,
    rule: &'static str,
    rule_owner: &'static str,
    decision_kind: DecisionKind,
    ordinary_route: &'static str,
    ordinary_cost_cents: i64,
    custom_solution: &'static str,
    custom_cost_cents: i64,
    legitimacy: &'static str,
    engagement: &'static str,
    societal_return: &'static str,
    co_signer: &'static str,
    endorser: &'static str,
    solution: DemoSolution,
}

/// What is published of the exception: nothing that points to the resident.
struct DemoSolution {
    problem_pattern: &'static str,
    rule: &'static str,
    custom_solution: &'static str,
    value_summary: &'static str,
    tags: &'static [&'static str],
}

/// A signal raised from one of the case's system problems (by position), and what a policy
/// analyst of the municipality has answered, if anything yet.
struct DemoSignal {
    problem: usize,
    by: &'static str,
    category: SignalCategory,
    /// The organisation whose rule or way of working causes the problem, by slug.
    organisation: Option<&'static str>,
    rule: Option<&'static str>,
    description: &'static str,
    analyst: &'static str,
    answer: Option<(SignalStatus, &'static str)>,
}

/// A raised signal that the analyst answers once the cases are committed.
struct PendingAnswer {
    signal: SignalId,
    analyst: &'static str,
    status: SignalStatus,
    answer: &'static str,
}

struct DemoConsent {
    organisation: &'static str,
    domains: &'static [LifeDomain],
    method: ConsentMethod,
    by: By,
}

#[derive(Clone, Copy)]
struct DemoFact {
    by: &'static str,
    domain: LifeDomain,
    need: Need,
    sharing: SharingLevel,
    text: &'static str,
    amount: Option<(i64, AmountPeriod)>,
}

/// A need-to-know fact shared with the team: it reaches organisations with consent for its
/// domain whose kind policy allows it.
const fn shared(by: &'static str, domain: LifeDomain, text: &'static str) -> DemoFact {
    DemoFact {
        by,
        domain,
        need: Need::NeedToKnow,
        sharing: SharingLevel::Team,
        text,
        amount: None,
    }
}

/// A nice-to-know fact: it never leaves the organisation that recorded it.
const fn nice_to_know(by: &'static str, domain: LifeDomain, text: &'static str) -> DemoFact {
    DemoFact {
        need: Need::NiceToKnow,
        ..shared(by, domain, text)
    }
}

/// A need-to-know fact its organisation keeps to itself.
const fn internal(by: &'static str, domain: LifeDomain, text: &'static str) -> DemoFact {
    DemoFact {
        sharing: SharingLevel::Organisation,
        ..shared(by, domain, text)
    }
}

impl DemoFact {
    const fn amount(self, cents: i64, period: AmountPeriod) -> Self {
        DemoFact {
            amount: Some((cents, period)),
            ..self
        }
    }
}

struct DemoProblem {
    by: &'static str,
    kind: ProblemKind,
    domain: LifeDomain,
    text: &'static str,
    resident_shares_picture: bool,
}

struct DemoFirstStep {
    by: &'static str,
    text: &'static str,
    /// Willen, kunnen, doen.
    motivation: Option<&'static str>,
    capability: Option<&'static str>,
    opportunity: Option<&'static str>,
    status: FirstStepStatus,
}

enum DemoAssignee {
    Resident,
    Network(&'static str),
    SocialBase(&'static str),
    /// A team member, by demo sign-in name.
    TeamMember(&'static str),
    /// An organisation on the team, by slug.
    Organisation(&'static str),
}

struct DemoAgreement {
    by: &'static str,
    what: &'static str,
    assignee: DemoAssignee,
    /// Days from today; negative is in the past.
    due_in_days: Option<i64>,
    review_in_days: Option<i64>,
    status: AgreementStatus,
}

struct DemoEvaluation {
    by: &'static str,
    achieved: &'static str,
    perspective_reached: bool,
    what_worked: Option<&'static str>,
    still_needed: Option<&'static str>,
    next_in_days: Option<i64>,
}

/// Samira Bakker: rent arrears, debts, a son missing school and sleepless nights. Five
/// organisations, each with a different consent; the team has reached "who does what".
const SAMIRA: DemoCase = DemoCase {
    resident: "samira",
    municipality: "AMS",
    lead: "anna",
    team: &[
        (
            "chantal",
            TeamRole::ProcessFacilitator,
            "Five organisations are involved; please guide the team through the method",
        ),
        (
            "ilse",
            TeamRole::Member,
            "Income and debts: the housing allowance has stopped",
        ),
        (
            "lars",
            TeamRole::Member,
            "Rent arrears; the tenancy is at risk",
        ),
        (
            "nadia",
            TeamRole::Member,
            "Support with health questions",
        ),
        (
            "gijs",
            TeamRole::Member,
            "Support for her son at school and at home",
        ),
    ],
    pending: &[],
    consents: &[
        DemoConsent {
            organisation: "buurtteam-amsterdam-west",
            domains: &[
                Profile,
                Finances,
                Housing,
                WorkAndDaytime,
                Health,
                YouthAndEducation,
            ],
            method: ConsentMethod::Written,
            by: By::Professional("anna"),
        },
        DemoConsent {
            organisation: "wpi-amsterdam",
            domains: &[Profile, Finances, Housing, WorkAndDaytime],
            method: ConsentMethod::Written,
            by: By::Professional("anna"),
        },
        DemoConsent {
            organisation: "woonstad-wonen",
            domains: &[Profile, Housing],
            method: ConsentMethod::Verbal,
            by: By::Professional("anna"),
        },
        DemoConsent {
            organisation: "ggd-amsterdam",
            domains: &[Profile, Health],
            method: ConsentMethod::Digital,
            by: By::Resident,
        },
        DemoConsent {
            organisation: "okt-nieuw-west",
            domains: &[Profile, Housing, YouthAndEducation],
            method: ConsentMethod::Verbal,
            by: By::Professional("anna"),
        },
    ],
    perspectives: &[
        (
            By::Professional("anna"),
            "I want to keep living in our flat with Rayan and pay the rent every month without stress.",
        ),
        (
            By::Resident,
            "In a year I live in our home with Rayan, I open my post without fear, I sleep through the night and I work a few days a week.",
        ),
    ],
    facts: &[
        shared(
            "anna",
            Profile,
            "Samira (38) lives with her son Rayan (14) in a three-room flat in Amsterdam West; she raises him on her own.",
        ),
        shared(
            "anna",
            Finances,
            "About forty unopened letters from creditors and agencies are in a drawer at home.",
        ),
        nice_to_know(
            "anna",
            Network,
            "Her sister in Almere helps with Rayan now and then; contact with Rayan's father is difficult.",
        ),
        nice_to_know(
            "anna",
            StrengthsAndTalents,
            "Worked as a cashier for six years and is good with numbers once the post is sorted.",
        ),
        shared(
            "lars",
            Housing,
            "Rent is €987 per month, including €45 service costs.",
        )
        .amount(98_700, PerMonth),
        shared(
            "lars",
            Housing,
            "Rent arrears of €2,961 (three months); the eviction procedure is on hold while the team makes a plan.",
        )
        .amount(296_100, Once),
        nice_to_know(
            "lars",
            Housing,
            "Neighbours complained about noise twice last year; no action was needed.",
        ),
        shared(
            "ilse",
            Finances,
            "Registered debts total €9,500 with seven creditors; the largest is €3,200 to her health insurer.",
        )
        .amount(950_000, Once),
        shared(
            "ilse",
            Finances,
            "Net income is €1,342 per month in social assistance (Participatiewet).",
        )
        .amount(134_200, PerMonth),
        shared(
            "ilse",
            Housing,
            "The housing allowance of €312 per month stopped in March after a missed income check; it can be restarted with retroactive effect.",
        )
        .amount(31_200, PerMonth),
        shared(
            "ilse",
            WorkAndDaytime,
            "Exempt from the duty to look for work for six months while Rayan needs her at home.",
        ),
        internal(
            "ilse",
            Finances,
            "A routine check of her benefit in 2024 found no irregularities.",
        ),
        shared(
            "nadia",
            Health,
            "Sleeping problems and panic attacks since the eviction letter; her GP referred her to mental health care, with a waiting list of 14 weeks.",
        ),
        nice_to_know(
            "nadia",
            Health,
            "Takes sleeping pills now and then; she wants this to stay with the GGD.",
        ),
        shared(
            "gijs",
            YouthAndEducation,
            "Rayan missed 38 school hours this term; the school's attendance officer has been informed.",
        ),
    ],
    problems: &[
        DemoProblem {
            by: "anna",
            kind: ProblemKind::Personal,
            domain: Finances,
            text: "Samira leaves her post unopened because it frightens her, so deadlines pass unnoticed.",
            resident_shares_picture: true,
        },
        DemoProblem {
            by: "lars",
            kind: ProblemKind::Professional,
            domain: Housing,
            text: "Woonstad and the income department each waited for the other before acting on the arrears.",
            resident_shares_picture: true,
        },
        DemoProblem {
            by: "ilse",
            kind: ProblemKind::System,
            domain: Finances,
            text: "The housing allowance stops automatically after one missed letter, and restarting it takes eight weeks while the arrears grow.",
            resident_shares_picture: true,
        },
    ],
    first_steps: &[
        DemoFirstStep {
            by: "anna",
            text: "Keep Samira and Rayan in their home: pause the eviction and agree a payment plan for the arrears.",
            motivation: Some("Samira wants to stay close to Rayan's school and her sister."),
            capability: Some("She can pay €100 a month once the housing allowance is back."),
            opportunity: Some("Woonstad is willing to pause the procedure for three months."),
            status: FirstStepStatus::Open,
        },
        DemoFirstStep {
            by: "ilse",
            text: "Restart the housing allowance with retroactive effect.",
            motivation: None,
            capability: None,
            opportunity: None,
            status: FirstStepStatus::Open,
        },
        DemoFirstStep {
            by: "anna",
            text: "Open the post together every week, so that no more deadlines are missed.",
            motivation: Some("Samira wants to stop worrying about the drawer."),
            capability: Some("She can do it with someone beside her."),
            opportunity: Some("The neighbourhood team has a walk-in hour on Tuesday mornings."),
            status: FirstStepStatus::Open,
        },
    ],
    agreements: &[
        DemoAgreement {
            by: "lars",
            what: "Pause the eviction procedure for three months and offer a payment plan of €100 per month for the arrears.",
            assignee: DemoAssignee::Organisation("woonstad-wonen"),
            due_in_days: Some(14),
            review_in_days: None,
            status: AgreementStatus::InProgress,
        },
        DemoAgreement {
            by: "ilse",
            what: "Restart the housing allowance from March and check whether special assistance (bijzondere bijstand) can cover the arrears.",
            assignee: DemoAssignee::TeamMember("ilse"),
            due_in_days: Some(10),
            review_in_days: None,
            status: AgreementStatus::Open,
        },
        DemoAgreement {
            by: "anna",
            what: "Bring the drawer of post to the Tuesday walk-in hour.",
            assignee: DemoAssignee::Resident,
            due_in_days: None,
            review_in_days: Some(7),
            status: AgreementStatus::Open,
        },
        DemoAgreement {
            by: "anna",
            what: "Register Samira for municipal debt counselling (schuldhulpverlening) with the list of creditors.",
            assignee: DemoAssignee::TeamMember("anna"),
            due_in_days: Some(-3),
            review_in_days: None,
            status: AgreementStatus::Open,
        },
        DemoAgreement {
            by: "nadia",
            what: "Offer Samira a conversation with the GGD's community nurse within two weeks.",
            assignee: DemoAssignee::TeamMember("nadia"),
            due_in_days: Some(14),
            review_in_days: None,
            status: AgreementStatus::Open,
        },
        DemoAgreement {
            by: "gijs",
            what: "Pick Rayan up from school on Wednesdays until the summer holidays.",
            assignee: DemoAssignee::Network("her sister in Almere"),
            due_in_days: None,
            review_in_days: Some(30),
            status: AgreementStatus::Open,
        },
        DemoAgreement {
            by: "gijs",
            what: "Meet Rayan and his mentor at school about his absence.",
            assignee: DemoAssignee::TeamMember("gijs"),
            due_in_days: Some(7),
            review_in_days: None,
            status: AgreementStatus::Open,
        },
    ],
    evaluations: &[],
    step: CaseStep::WhoDoesWhat,
    opened_days_ago: 0,
    decisions: &[],
    exception: None,
    signals: &[],
};

/// Jeroen Hendriks: out of work after a back injury, his unemployment benefit running out.
/// Four organisations; the team is still sketching the situation, and the GGD has not yet
/// answered its invitation.
const JEROEN: DemoCase = DemoCase {
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

/// Kees Smit in Zaanstad: an energy debt and a cold, lonely house. Four organisations; the
/// team has met again to evaluate.
const KEES: DemoCase = DemoCase {
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

/// The showcase first of today's cases.
const CASES: &[&DemoCase] = &[&SAMIRA, &JEROEN, &KEES];

/// Writes the demo cases in one transaction, the neighbourhood team's earlier cases first,
/// then lets the policy analysts answer the signals raised on them; returns the showcase.
pub(super) async fn write(
    store: &Store,
    cast: &Cast,
    budget: BudgetId,
) -> Result<Showcase, DemoError> {
    // The demo's writes are logged like any other, under their own processing activity.
    let ledger =
        persistence::access_log::Ledger::new(persistence::access_log::OperationContext::internal(
            "urn:maatwerk:processing-activity:demo-data",
        ));
    let writer = store.begin_write(&ledger).await?;
    let today = domain::calendar::today();
    let mut answers = Vec::new();
    let mut showcase_reference = None;
    for case in history::EARLIER.iter().chain(CASES) {
        let script = Script::open(&writer, cast, case, today, budget).await?;
        answers.extend(script.play().await?);
        if std::ptr::eq(*case, &SAMIRA) {
            showcase_reference = Some(script.reference().await?);
        }
    }
    writer.commit().await?;
    for pending in answers {
        let analyst = cast.professional(pending.analyst)?;
        let permit = domain::authz::authorize(
            domain::authz::Principal::Professional(&analyst.roles),
            domain::authz::Standing::Unrelated,
            domain::authz::Action::AnswerSignal,
        )?;
        store
            .answer_signal(
                &permit,
                pending.signal,
                1,
                pending.status,
                Some(pending.answer.to_owned()),
                cast.professional(pending.analyst)?.professional_id,
            )
            .await?;
    }
    let resident = super::RESIDENTS
        .iter()
        .find(|resident| resident.subject == SAMIRA.resident)
        .map(|resident| resident.name)
        .ok_or(DemoError::Unknown("resident", SAMIRA.resident))?;
    let organisations = std::iter::once(SAMIRA.lead)
        .chain(SAMIRA.team.iter().map(|(person, _, _)| *person))
        .map(|person| Ok(cast.professional(person)?.organisation_id))
        .collect::<Result<BTreeSet<_>, DemoError>>()?
        .len();
    Ok(Showcase {
        reference: showcase_reference.ok_or(DemoError::Unknown("case", SAMIRA.resident))?,
        resident,
        step: SAMIRA.step,
        organisations,
    })
}

/// The moment `days_ago` days back, or `None` for now. Kept within this year, so that the
/// earlier cases' allocations fall in this year's budget; earlier moments stay earlier.
fn moment(days_ago: i64) -> Option<DateTime<Utc>> {
    if days_ago <= 0 {
        return None;
    }
    let now = Utc::now();
    let year_start = NaiveDate::from_ymd_opt(domain::calendar::local_date(now).year(), 1, 1)?
        .and_hms_opt(0, 0, 0)?
        .and_utc();
    let floor = year_start + TimeDelta::minutes(1_000 - days_ago);
    Some((now - TimeDelta::days(days_ago)).max(floor).min(now))
}

/// One demo case being written, step by step, as the people who would write it.
struct Script<'a> {
    writer: &'a Writer,
    cast: &'a Cast,
    case: &'a DemoCase,
    case_id: CaseId,
    today: NaiveDate,
    budget: BudgetId,
}

impl<'a> Script<'a> {
    /// The case lead opens the case, as of the day it was opened.
    async fn open(
        writer: &'a Writer,
        cast: &'a Cast,
        case: &'a DemoCase,
        today: NaiveDate,
        budget: BudgetId,
    ) -> Result<Script<'a>, DemoError> {
        writer.backdate(moment(case.opened_days_ago));
        let lead = Self::professional_viewer(writer, cast, case.lead).await?;
        let case_id = writer
            .open_case(
                &lead,
                cast.municipality(case.municipality)?,
                cast.resident_to_open(case.resident)?,
            )
            .await?;
        Ok(Script {
            writer,
            cast,
            case,
            case_id,
            today,
            budget,
        })
    }

    async fn professional_viewer(
        writer: &Writer,
        cast: &Cast,
        person: &'static str,
    ) -> Result<Viewer, DemoError> {
        let actor = cast.professional(person)?.clone();
        Ok(writer.viewer(&Actor::Professional(actor)).await?)
    }

    async fn viewer(&self, by: By) -> Result<Viewer, DemoError> {
        match by {
            By::Professional(person) => {
                Self::professional_viewer(self.writer, self.cast, person).await
            }
            By::Resident => {
                let resident_id = self.cast.resident(self.case.resident)?;
                Ok(self
                    .writer
                    .viewer(&Actor::Resident(ResidentActor { resident_id }))
                    .await?)
            }
        }
    }

    async fn reference(&self) -> Result<String, DemoError> {
        let lead = self.viewer(By::Professional(self.case.lead)).await?;
        let access = self.writer.case_access(&lead, self.case_id).await?;
        Ok(self
            .writer
            .case(&access)
            .await?
            .reference
            .as_str()
            .to_owned())
    }

    /// The team's work, in the order of the method; the case moves to each step before its
    /// items are written, up to the step the team has reached. Then the exception, the
    /// decisions and the signals, each as of its own day; returns the signals' answers.
    async fn play(&self) -> Result<Vec<PendingAnswer>, DemoError> {
        self.form_team().await?;
        self.record_consents().await?;
        for (by, text) in self.case.perspectives {
            let viewer = self.viewer(*by).await?;
            self.writer
                .record_perspective(&viewer, self.case_id, parse_text("text", text, MAX_TEXT)?)
                .await?;
        }
        self.move_to(CaseStep::SituationSketch).await?;
        self.add_facts().await?;
        self.move_to(CaseStep::Analysis).await?;
        let problems = self.add_problems().await?;
        self.move_to(CaseStep::FirstSteps).await?;
        let first_steps = self.add_first_steps().await?;
        self.move_to(CaseStep::WhoDoesWhat).await?;
        self.add_agreements().await?;
        self.move_to(CaseStep::Evaluation).await?;
        self.add_evaluations().await?;
        if let Some(exception) = self.case.exception {
            self.writer.backdate(moment(exception.days_ago));
            self.settle_exception(exception, &first_steps).await?;
        }
        for decision in self.case.decisions {
            self.writer.backdate(moment(decision.days_ago));
            self.record_decision(decision).await?;
        }
        self.writer.backdate(None);
        self.raise_signals(&problems).await
    }

    /// The case lead invites each partner by name in their team role, and each accepts.
    async fn form_team(&self) -> Result<(), DemoError> {
        let lead = self.viewer(By::Professional(self.case.lead)).await?;
        for (person, role, reason) in self.case.team {
            let invitee = self.cast.professional(person)?;
            let invitation = self
                .writer
                .invite(
                    &lead,
                    self.case_id,
                    invitee.organisation_id,
                    Some(invitee.professional_id),
                    *role,
                    parse_text("reason", reason, MAX_SHORT_TEXT)?,
                )
                .await?;
            let access = self.writer.case_access(&lead, self.case_id).await?;
            let version = self
                .writer
                .case_invitations(
                    std::slice::from_ref(&access),
                    persistence::cases::PageRequest::whole(),
                )
                .await?
                .remove(&self.case_id)
                .unwrap_or_default()
                .items
                .into_iter()
                .find(|candidate| candidate.id == invitation)
                .map(|found| found.version)
                .ok_or(persistence::Error::NotFound("invitation"))?;
            let viewer = self.viewer(By::Professional(person)).await?;
            self.writer
                .decide_invitation(&viewer, invitation, InvitationDecision::Accept, version)
                .await?;
        }
        for (organisation, reason) in self.case.pending {
            self.writer
                .invite(
                    &lead,
                    self.case_id,
                    self.cast.organisation(organisation)?,
                    None,
                    TeamRole::Member,
                    parse_text("reason", reason, MAX_SHORT_TEXT)?,
                )
                .await?;
        }
        Ok(())
    }

    async fn record_consents(&self) -> Result<(), DemoError> {
        for consent in self.case.consents {
            let viewer = self.viewer(consent.by).await?;
            let domains: BTreeSet<LifeDomain> = consent.domains.iter().copied().collect();
            self.writer
                .record_consent(
                    &viewer,
                    self.case_id,
                    self.cast.organisation(consent.organisation)?,
                    &domains,
                    consent.method,
                )
                .await?;
        }
        Ok(())
    }

    /// Moves the case to `step` if the team has got that far. The process facilitator guides
    /// the steps where there is one; otherwise the case lead.
    async fn move_to(&self, step: CaseStep) -> Result<(), DemoError> {
        if step > self.case.step {
            return Ok(());
        }
        let guide = self
            .case
            .team
            .iter()
            .find(|(_, role, _)| *role == TeamRole::ProcessFacilitator)
            .map_or(self.case.lead, |(person, _, _)| *person);
        let viewer = self.viewer(By::Professional(guide)).await?;
        let access = self.writer.case_access(&viewer, self.case_id).await?;
        let case = self.writer.case(&access).await?;
        if case.step != step {
            self.writer
                .set_case_step(&viewer, self.case_id, step, case.version)
                .await?;
        }
        Ok(())
    }

    async fn add_facts(&self) -> Result<(), DemoError> {
        for fact in self.case.facts {
            let (cents, period) = fact.amount.unzip();
            let new = NewFact {
                life_domain: fact.domain,
                text: parse_text("text", fact.text, MAX_TEXT)?,
                amount: parse_amount(cents, period)?,
                need: fact.need,
                sharing: fact.sharing,
            };
            let viewer = self.viewer(By::Professional(fact.by)).await?;
            self.writer.add_fact(&viewer, self.case_id, new).await?;
        }
        Ok(())
    }

    async fn add_problems(&self) -> Result<Vec<ProblemId>, DemoError> {
        let mut ids = Vec::new();
        for problem in self.case.problems {
            let new = NewProblem {
                kind: problem.kind,
                life_domain: problem.domain,
                text: parse_text("text", problem.text, MAX_TEXT)?,
                resident_shares_picture: problem.resident_shares_picture,
                sharing: SharingLevel::Team,
            };
            let viewer = self.viewer(By::Professional(problem.by)).await?;
            ids.push(self.writer.add_problem(&viewer, self.case_id, new).await?);
        }
        Ok(ids)
    }

    async fn add_first_steps(&self) -> Result<Vec<FirstStepId>, DemoError> {
        let mut ids = Vec::new();
        for step in self.case.first_steps {
            let new = NewFirstStep {
                content: FirstStepContent {
                    text: parse_text("text", step.text, MAX_TEXT)?,
                    motivation: parse_optional_text("motivation", step.motivation, MAX_TEXT)?,
                    capability: parse_optional_text("capability", step.capability, MAX_TEXT)?,
                    opportunity: parse_optional_text("opportunity", step.opportunity, MAX_TEXT)?,
                },
                open_limit: DEFAULT_OPEN_FIRST_STEP_LIMIT,
            };
            let viewer = self.viewer(By::Professional(step.by)).await?;
            let id = self
                .writer
                .add_first_step(&viewer, self.case_id, new)
                .await?;
            if step.status != FirstStepStatus::Open {
                let version = self
                    .writer
                    .item::<domain::case::FirstStep>(&viewer, id)
                    .await?
                    .ok_or(persistence::Error::NotFound("first step"))?
                    .version;
                self.writer
                    .set_first_step_status(&viewer, id, step.status, version)
                    .await?;
            }
            ids.push(id);
        }
        Ok(ids)
    }

    async fn add_agreements(&self) -> Result<(), DemoError> {
        for agreement in self.case.agreements {
            let (kind, professional, organisation, name) = match agreement.assignee {
                DemoAssignee::Resident => (AssigneeKind::Resident, None, None, None),
                DemoAssignee::Network(name) => (AssigneeKind::Network, None, None, Some(name)),
                DemoAssignee::SocialBase(name) => {
                    (AssigneeKind::SocialBase, None, None, Some(name))
                }
                DemoAssignee::TeamMember(person) => (
                    AssigneeKind::TeamMember,
                    Some(self.cast.professional(person)?.professional_id),
                    None,
                    None,
                ),
                DemoAssignee::Organisation(slug) => (
                    AssigneeKind::Organisation,
                    None,
                    Some(self.cast.organisation(slug)?),
                    None,
                ),
            };
            let new = NewAgreement {
                what: parse_text("what", agreement.what, MAX_TEXT)?,
                assignee: Assignee::parse(kind, professional, organisation, name)?,
                due_on: agreement.due_in_days.map(|days| self.day(days)),
                review_on: agreement.review_in_days.map(|days| self.day(days)),
            };
            let viewer = self.viewer(By::Professional(agreement.by)).await?;
            let id = self
                .writer
                .add_agreement(&viewer, self.case_id, new)
                .await?;
            if agreement.status != AgreementStatus::Open {
                let version = self
                    .writer
                    .item::<domain::case::Agreement>(&viewer, id)
                    .await?
                    .ok_or(persistence::Error::NotFound("agreement"))?
                    .version;
                self.writer
                    .set_agreement_status(&viewer, id, agreement.status, version)
                    .await?;
            }
        }
        Ok(())
    }

    async fn add_evaluations(&self) -> Result<(), DemoError> {
        for evaluation in self.case.evaluations {
            let next = evaluation.next_in_days.map(|days| self.day(days));
            check_next_evaluation(self.today, next)?;
            let new = NewEvaluation {
                content: EvaluationContent {
                    achieved: parse_text("achieved", evaluation.achieved, MAX_TEXT)?,
                    what_worked: parse_optional_text(
                        "whatWorked",
                        evaluation.what_worked,
                        MAX_TEXT,
                    )?,
                    still_needed: parse_optional_text(
                        "stillNeeded",
                        evaluation.still_needed,
                        MAX_TEXT,
                    )?,
                },
                perspective_reached: evaluation.perspective_reached,
                next_evaluation_on: next,
            };
            let viewer = self.viewer(By::Professional(evaluation.by)).await?;
            self.writer
                .add_evaluation(&viewer, self.case_id, new)
                .await?;
        }
        Ok(())
    }

    async fn record_decision(&self, decision: &DemoDecision) -> Result<(), DemoError> {
        let new = NewDecision {
            kind: decision.kind,
            description: parse_text("description", decision.description, MAX_TEXT)?,
            amount_cents: decision.amount_cents,
            category: decision.category,
            budget_id: decision.category.map(|_| self.budget),
        };
        let viewer = self.viewer(By::Professional(decision.by)).await?;
        self.writer
            .record_decision(&viewer, self.case_id, new)
            .await?;
        Ok(())
    }

    /// Takes the exception through its whole life and publishes it.
    async fn settle_exception(
        &self,
        exception: &DemoException,
        first_steps: &[FirstStepId],
    ) -> Result<(), DemoError> {
        let content = ExceptionContent::parse(
            exception.rule_kind,
            exception.rule,
            exception.ordinary_route,
            exception.ordinary_cost_cents,
            exception.custom_solution,
            exception.custom_cost_cents,
            exception.legitimacy,
            exception.engagement,
            exception.societal_return,
        )?;
        let first_step = *first_steps
            .get(exception.first_step)
            .ok_or(DemoError::Unknown("first step", exception.rule))?;
        let lead = self.viewer(By::Professional(self.case.lead)).await?;
        let id = self
            .writer
            .draft_rule_exception(
                &lead,
                first_step,
                self.cast.organisation(exception.rule_owner)?,
                exception.decision_kind,
                content,
            )
            .await?;
        for (person, step) in [
            (self.case.lead, ExceptionStep::Submit),
            (exception.co_signer, ExceptionStep::CoSign),
            (exception.endorser, ExceptionStep::Endorse),
            (self.case.lead, ExceptionStep::Approve),
        ] {
            let viewer = self.viewer(By::Professional(person)).await?;
            let version = self
                .writer
                .item::<domain::exception::RuleException>(&viewer, id)
                .await?
                .ok_or(persistence::Error::NotFound("exception"))?
                .version;
            self.writer
                .step_rule_exception(&viewer, id, version, step, None)
                .await?;
        }
        let solution = &exception.solution;
        let tags: Vec<String> = solution.tags.iter().map(|tag| (*tag).to_owned()).collect();
        let draft = SolutionDraft::parse(
            self.cast.municipality(self.case.municipality)?,
            solution.problem_pattern,
            solution.rule,
            solution.custom_solution,
            exception.ordinary_cost_cents,
            exception.custom_cost_cents,
            solution.value_summary,
            &tags,
        )?;
        self.writer.publish_solution(&lead, id, draft).await?;
        Ok(())
    }

    async fn raise_signals(&self, problems: &[ProblemId]) -> Result<Vec<PendingAnswer>, DemoError> {
        let mut answers = Vec::new();
        for signal in self.case.signals {
            let problem = *problems
                .get(signal.problem)
                .ok_or(DemoError::Unknown("problem", signal.description))?;
            let new = NewSignal {
                category: signal.category,
                organisation_id: signal
                    .organisation
                    .map(|slug| self.cast.organisation(slug))
                    .transpose()?,
                rule: parse_optional_text("rule", signal.rule, MAX_SHORT_TEXT)?,
                description: parse_text("description", signal.description, MAX_TEXT)?,
            };
            let viewer = self.viewer(By::Professional(signal.by)).await?;
            let id = self.writer.raise_signal(&viewer, problem, new).await?;
            if let Some((status, answer)) = signal.answer {
                answers.push(PendingAnswer {
                    signal: id,
                    analyst: signal.analyst,
                    status,
                    answer,
                });
            }
        }
        Ok(answers)
    }

    /// The day `days` from today.
    fn day(&self, days: i64) -> NaiveDate {
        let offset = Days::new(days.unsigned_abs());
        if days < 0 {
            self.today - offset
        } else {
            self.today + offset
        }
    }
}
