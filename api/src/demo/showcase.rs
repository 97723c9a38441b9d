//! The demo case to look at first, and whom to compare on it.

use domain::case::CaseStep;

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
    /// runs the command (see [`crate::invocation::program`]).
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
