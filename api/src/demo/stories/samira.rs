use super::*;

/// Samira Bakker: rent arrears, debts, a son missing school and sleepless nights. Five
/// organisations, each with a different consent; the team has reached "who does what".
pub(super) const SAMIRA: DemoCase = DemoCase {
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
