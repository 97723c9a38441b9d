//! The demo's places and people: its municipalities, its organisations with their staff, its
//! residents, and what the coaches tell the maatwerkcommunity about themselves.

use domain::{OrganisationKind, OrganisationRole};

use OrganisationRole::*;

/// The demo's municipalities, by code.
pub(super) const MUNICIPALITIES: &[(&str, &str)] = &[("AMS", "Amsterdam"), ("ZAA", "Zaanstad")];

pub(super) struct DemoOrganisation {
    pub(super) slug: &'static str,
    pub(super) name: &'static str,
    pub(super) kind: OrganisationKind,
    pub(super) municipalities: &'static [&'static str],
    pub(super) people: &'static [(&'static str, &'static str, &'static [OrganisationRole])],
}

pub(super) const ORGANISATIONS: &[DemoOrganisation] = &[
    DemoOrganisation {
        slug: "buurtteam-amsterdam-west",
        name: "Buurtteam Amsterdam West",
        kind: OrganisationKind::NeighbourhoodTeam,
        municipalities: &["AMS"],
        people: &[
            ("anna", "Anna de Boer", &[Professional, TeamLead]),
            ("bram", "Bram Kok", &[Professional, Coach]),
            (
                "chantal",
                "Chantal Peters",
                &[Professional, ProcessFacilitator],
            ),
            ("daan", "Daan Mulder", &[PrivacyOfficer]),
            ("eva", "Eva Smits", &[OrgAdmin]),
            ("fenna", "Fenna Jacobs", &[PolicyAnalyst]),
            ("vera", "Vera Jansen", &[Professional]),
        ],
    },
    DemoOrganisation {
        slug: "okt-nieuw-west",
        name: "Ouder- en Kindteam Nieuw-West",
        kind: OrganisationKind::YouthTeam,
        municipalities: &["AMS"],
        people: &[
            ("gijs", "Gijs van Dam", &[Professional]),
            ("hanna", "Hanna Yilmaz", &[Professional, Coach]),
        ],
    },
    DemoOrganisation {
        slug: "wpi-amsterdam",
        name: "Werk, Participatie en Inkomen Amsterdam",
        kind: OrganisationKind::IncomeDepartment,
        municipalities: &["AMS"],
        people: &[
            ("ilse", "Ilse Vermeulen", &[Professional]),
            ("jamal", "Jamal Haddou", &[Professional, TeamLead]),
            ("karin", "Karin Bos", &[PolicyAnalyst]),
        ],
    },
    DemoOrganisation {
        slug: "woonstad-wonen",
        name: "Woonstad Wonen",
        kind: OrganisationKind::HousingCorporation,
        municipalities: &["AMS", "ZAA"],
        people: &[
            ("lars", "Lars Dekker", &[Professional]),
            ("mila", "Mila Koster", &[Professional, TeamLead]),
        ],
    },
    DemoOrganisation {
        slug: "ggd-amsterdam",
        name: "GGD Amsterdam",
        kind: OrganisationKind::HealthService,
        municipalities: &["AMS"],
        people: &[("nadia", "Nadia Ramdin", &[Professional])],
    },
    DemoOrganisation {
        slug: "westpunt-college",
        name: "Westpunt College",
        kind: OrganisationKind::School,
        municipalities: &["AMS"],
        people: &[("otto", "Otto Brouwer", &[Professional])],
    },
    DemoOrganisation {
        slug: "uwv-noord-holland",
        name: "UWV Noord-Holland",
        kind: OrganisationKind::EmploymentAgency,
        municipalities: &["AMS", "ZAA"],
        people: &[("pim", "Pim Verhoeven", &[Professional])],
    },
    DemoOrganisation {
        slug: "doorbraakteam-amsterdam",
        name: "Doorbraakteam Amsterdam",
        kind: OrganisationKind::BreakthroughTeam,
        municipalities: &["AMS"],
        people: &[("quinta", "Quinta Maas", &[Professional, TeamLead, Coach])],
    },
    DemoOrganisation {
        slug: "buurtteam-zaanstad",
        name: "Buurtteam Zaanstad",
        kind: OrganisationKind::NeighbourhoodTeam,
        municipalities: &["ZAA"],
        people: &[
            ("rosa", "Rosa Timmer", &[Professional, ProcessFacilitator]),
            ("sem", "Sem Willems", &[Professional, Coach]),
        ],
    },
    DemoOrganisation {
        slug: "werk-en-inkomen-zaanstad",
        name: "Werk en Inkomen Zaanstad",
        kind: OrganisationKind::IncomeDepartment,
        municipalities: &["ZAA"],
        people: &[
            ("tess", "Tess Hoekstra", &[Professional]),
            ("wouter", "Wouter Schouten", &[PolicyAnalyst]),
        ],
    },
    DemoOrganisation {
        slug: "schuldhulp-zaanstreek",
        name: "Schuldhulp Zaanstreek",
        kind: OrganisationKind::Other,
        municipalities: &["ZAA"],
        people: &[("umar", "Umar Benali", &[Professional])],
    },
];

pub(super) struct DemoResident {
    pub(super) subject: &'static str,
    pub(super) name: &'static str,
    pub(super) born: (i32, u32, u32),
    pub(super) bsn: &'static str,
    pub(super) email: &'static str,
    pub(super) phone: &'static str,
    pub(super) address: &'static str,
}

pub(super) const RESIDENTS: &[DemoResident] = &[
    DemoResident {
        subject: "samira",
        name: "Samira Bakker",
        born: (1987, 3, 14),
        bsn: "171973069",
        email: "samira.bakker@example.org",
        phone: "06-10000001",
        address: "Voorbeeldstraat 12-2, 1055 AA Amsterdam",
    },
    DemoResident {
        subject: "jeroen",
        name: "Jeroen Hendriks",
        born: (1969, 11, 2),
        bsn: "617151283",
        email: "jeroen.hendriks@example.org",
        phone: "06-10000002",
        address: "Proefplein 3, 1064 BB Amsterdam",
    },
    DemoResident {
        subject: "noor",
        name: "Noor Visser",
        born: (2004, 6, 21),
        bsn: "435932421",
        email: "noor.visser@example.org",
        phone: "06-10000003",
        address: "Testkade 88, 1061 CC Amsterdam",
    },
    DemoResident {
        subject: "kees",
        name: "Kees Smit",
        born: (1958, 1, 30),
        bsn: "931773490",
        email: "kees.smit@example.org",
        phone: "06-10000004",
        address: "Demoweg 7, 1503 DD Zaandam",
    },
    // The residents of the neighbourhood team's earlier cases (`history`).
    DemoResident {
        subject: "dewi",
        name: "Dewi Pranoto",
        born: (2006, 9, 12),
        bsn: "908301662",
        email: "dewi.pranoto@example.org",
        phone: "06-10000005",
        address: "Oefenlaan 21-3, 1056 EE Amsterdam",
    },
    DemoResident {
        subject: "ruud",
        name: "Ruud Vos",
        born: (1975, 4, 3),
        bsn: "131860914",
        email: "ruud.vos@example.org",
        phone: "06-10000006",
        address: "Schetsstraat 5-1, 1057 FF Amsterdam",
    },
    DemoResident {
        subject: "ingrid",
        name: "Ingrid Meijer",
        born: (1990, 12, 19),
        bsn: "390996038",
        email: "ingrid.meijer@example.org",
        phone: "06-10000007",
        address: "Modelgracht 40, 1053 GG Amsterdam",
    },
    DemoResident {
        subject: "yusuf",
        name: "Yusuf Kaya",
        born: (1983, 7, 27),
        bsn: "948219932",
        email: "yusuf.kaya@example.org",
        phone: "06-10000008",
        address: "Ontwerpweg 9-2, 1062 HH Amsterdam",
    },
    DemoResident {
        subject: "lotte",
        name: "Lotte de Wit",
        born: (1995, 2, 8),
        bsn: "518190936",
        email: "lotte.dewit@example.org",
        phone: "06-10000009",
        address: "Kladpad 14, 1058 JJ Amsterdam",
    },
];

/// What three of the four coaches tell the maatwerkcommunity about themselves; Bram has not
/// filled in his entry yet.
pub(super) const DIRECTORY_ENTRIES: &[(&str, &[&str], &str)] = &[
    (
        "hanna",
        &["youth", "parenting", "school-absence"],
        "Mondays and Wednesdays",
    ),
    (
        "quinta",
        &["exceptions", "breakthrough", "young-adults"],
        "Every weekday; urgent questions by phone",
    ),
    (
        "sem",
        &["energy-poverty", "elderly", "loneliness"],
        "Tuesday to Thursday",
    ),
];
