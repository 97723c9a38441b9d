//! The slice (DOMAIN.md §5): who sees which part of a case. This is the oracle: SQL filters in
//! `persistence` implement it for speed, and tests compare what they return against it.
//! `tests/tests/policy_table.rs` renders it for every combination into
//! `tests/output/policy-table.txt`, so a
//! change in access shows up in review as a diff of that table.

use crate::life_domain::string_enum;
use crate::{KindPolicy, LifeDomain, OrganisationKind};

string_enum!(
    /// A role on one case team.
    TeamRole {
        CaseLead => "case_lead",
        Member => "member",
        Coach => "coach",
        ProcessFacilitator => "process_facilitator",
    }
);

string_enum!(
    /// What part of a case an item is.
    ItemKind {
        CaseHeader => "case_header",
        TeamComposition => "team_composition",
        ResidentIdentity => "resident_identity",
        ResidentBsn => "resident_bsn",
        Perspective => "perspective",
        Fact => "fact",
        Problem => "problem",
        Note => "note",
        FirstStep => "first_step",
        Agreement => "agreement",
        Evaluation => "evaluation",
        RuleException => "rule_exception",
        Decision => "decision",
    }
);

impl ItemKind {
    /// Facts, problems and notes are sliced per organisation (§5.4); the rest is the shared plan
    /// or the case's frame.
    pub fn is_sliced(self) -> bool {
        matches!(self, ItemKind::Fact | ItemKind::Problem | ItemKind::Note)
    }

    /// Items that carry text, amounts or identifiers, which process facilitators never see (§5.2).
    pub fn is_content(self) -> bool {
        !matches!(self, ItemKind::CaseHeader | ItemKind::TeamComposition)
    }
}

string_enum!(
    /// How far a sliced item may travel beyond its authoring organisation.
    SharingLevel {
        Organisation => "organisation",
        Team => "team",
    }
);

string_enum!(
    /// Whether other organisations need a fact to do their part (§3, step 2).
    Need {
        NeedToKnow => "need_to_know",
        NiceToKnow => "nice_to_know",
    }
);

/// How the viewer stands to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseRelation {
    /// An active team member, acting for an organisation of `kind`.
    TeamMember {
        role: TeamRole,
        kind: OrganisationKind,
    },
    /// A privacy officer of an organisation on the team: sees that the case exists, for its
    /// access log, and nothing of its content.
    PrivacyOfficer { kind: OrganisationKind },
    /// The resident the case is about.
    Resident,
    /// Anyone else: the case does not exist for them.
    Outsider,
}

/// What the policy needs to know about one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub kind: ItemKind,
    /// Whether the viewer's organisation authored the item.
    pub authored_by_viewer_organisation: bool,
    pub life_domain: Option<LifeDomain>,
    pub sharing: SharingLevel,
    pub need: Need,
    /// Withheld from the resident with a recorded legal reason (§5.8).
    pub withheld_from_resident: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    /// Not there at all: not in lists, counts or lookups.
    Hidden,
    /// Its existence, dates, status and counts, without texts, amounts or identifiers.
    ProcessOnly,
    Full,
}

/// Whether a sliced item reaches an organisation that did not author it (§5.4).
fn reaches_other_organisation(item: &ItemFacts, consented: bool, policy: &KindPolicy) -> bool {
    item.sharing == SharingLevel::Team
        && item.need == Need::NeedToKnow
        && consented
        && item.life_domain.is_some_and(|domain| policy.allows(domain))
}

/// The one rule: what `relation` sees of `item`. `consented` says whether the resident's
/// consent covers the item's life domain for the viewer's organisation; `policy` is the kind
/// policy of the viewer's organisation kind.
pub fn visibility(
    relation: CaseRelation,
    item: &ItemFacts,
    consented: bool,
    policy: &KindPolicy,
) -> Visibility {
    match relation {
        CaseRelation::Outsider | CaseRelation::PrivacyOfficer { .. } => Visibility::Hidden,
        CaseRelation::Resident => {
            if item.withheld_from_resident {
                Visibility::Hidden
            } else {
                Visibility::Full
            }
        }
        CaseRelation::TeamMember { role, kind } => {
            debug_assert_eq!(
                policy.kind, kind,
                "the kind policy of the viewer's organisation kind"
            );
            let member_sees = match item.kind {
                ItemKind::ResidentBsn => policy.bsn,
                kind if kind.is_sliced() => {
                    item.authored_by_viewer_organisation
                        || reaches_other_organisation(item, consented, policy)
                }
                _ => true,
            };
            match (member_sees, role) {
                (false, _) => Visibility::Hidden,
                (true, TeamRole::ProcessFacilitator) if item.kind.is_content() => {
                    // Identifiers are content without a process side.
                    if matches!(
                        item.kind,
                        ItemKind::ResidentIdentity | ItemKind::ResidentBsn
                    ) {
                        Visibility::Hidden
                    } else {
                        Visibility::ProcessOnly
                    }
                }
                (true, _) => Visibility::Full,
            }
        }
    }
}

/// Renders the policy for every relation, organisation kind, item kind, authorship, sharing
/// level, need and consent state; life domains are folded into the domains that are visible.
pub fn render_table(policies: &[KindPolicy]) -> String {
    let mut relations = vec![CaseRelation::Outsider, CaseRelation::Resident];
    for kind in OrganisationKind::ALL {
        relations.push(CaseRelation::PrivacyOfficer { kind: *kind });
        for role in TeamRole::ALL {
            relations.push(CaseRelation::TeamMember {
                role: *role,
                kind: *kind,
            });
        }
    }
    let neutral = KindPolicy {
        kind: OrganisationKind::Other,
        life_domains: Default::default(),
        bsn: false,
    };
    let mut out = String::from(
        "# The slice, rendered from domain::slice::visibility. Regenerate: UPDATE_POLICY_TABLE=1 cargo test -p maatwerk-tests --test policy_table\n\
         # relation | organisation kind | item | authored by | sharing | need | consent => full: domains | process only: domains\n",
    );
    for relation in relations {
        let (relation_name, kind) = match relation {
            CaseRelation::Outsider => ("outsider".to_owned(), None),
            CaseRelation::Resident => ("resident".to_owned(), None),
            CaseRelation::PrivacyOfficer { kind } => ("privacy_officer".to_owned(), Some(kind)),
            CaseRelation::TeamMember { role, kind } => (role.as_str().to_owned(), Some(kind)),
        };
        let policy = kind
            .and_then(|kind| policies.iter().find(|policy| policy.kind == kind))
            .unwrap_or(&neutral);
        for item_kind in ItemKind::ALL {
            let variants: Vec<(bool, SharingLevel, Need, bool)> = if item_kind.is_sliced() {
                let needs: &[Need] = if *item_kind == ItemKind::Fact {
                    Need::ALL
                } else {
                    &[Need::NeedToKnow]
                };
                let mut variants = Vec::new();
                for own in [true, false] {
                    for sharing in SharingLevel::ALL {
                        for need in needs {
                            for consent in [true, false] {
                                variants.push((own, *sharing, *need, consent));
                            }
                        }
                    }
                }
                variants
            } else {
                vec![(false, SharingLevel::Team, Need::NeedToKnow, true)]
            };
            for (own, sharing, need, consent) in variants {
                let mut full = Vec::new();
                let mut process = Vec::new();
                for domain in LifeDomain::ALL {
                    let item = ItemFacts {
                        kind: *item_kind,
                        authored_by_viewer_organisation: own,
                        life_domain: Some(*domain),
                        sharing,
                        need,
                        withheld_from_resident: false,
                    };
                    match visibility(relation, &item, consent, policy) {
                        Visibility::Full => full.push(domain.as_str()),
                        Visibility::ProcessOnly => process.push(domain.as_str()),
                        Visibility::Hidden => {}
                    }
                }
                let fold = |domains: &[&str]| match domains.len() {
                    0 => "-".to_owned(),
                    n if n == LifeDomain::ALL.len() => "all".to_owned(),
                    _ => domains.join(" "),
                };
                let detail = if item_kind.is_sliced() {
                    format!(
                        "{} | {} | {} | {}",
                        if own { "own" } else { "other" },
                        sharing,
                        need,
                        if consent { "consent" } else { "no consent" }
                    )
                } else {
                    "- | - | - | -".to_owned()
                };
                out.push_str(&format!(
                    "{relation_name} | {} | {item_kind} | {detail} => full: {} | process only: {}\n",
                    kind.map_or("-", |kind| kind.as_str()),
                    fold(&full),
                    fold(&process),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(own: bool, sharing: SharingLevel, need: Need, domain: LifeDomain) -> ItemFacts {
        ItemFacts {
            kind: ItemKind::Fact,
            authored_by_viewer_organisation: own,
            life_domain: Some(domain),
            sharing,
            need,
            withheld_from_resident: false,
        }
    }

    fn member(kind: OrganisationKind) -> CaseRelation {
        CaseRelation::TeamMember {
            role: TeamRole::Member,
            kind,
        }
    }

    #[test]
    fn facts_cross_organisations_only_when_every_condition_holds() {
        let housing = KindPolicy::default_for(OrganisationKind::HousingCorporation);
        let relation = member(OrganisationKind::HousingCorporation);
        let shared = fact(
            false,
            SharingLevel::Team,
            Need::NeedToKnow,
            LifeDomain::Housing,
        );
        assert_eq!(
            visibility(relation, &shared, true, &housing),
            Visibility::Full
        );
        assert_eq!(
            visibility(relation, &shared, false, &housing),
            Visibility::Hidden,
            "no consent"
        );
        let nice = fact(
            false,
            SharingLevel::Team,
            Need::NiceToKnow,
            LifeDomain::Housing,
        );
        assert_eq!(
            visibility(relation, &nice, true, &housing),
            Visibility::Hidden,
            "nice-to-know stays home"
        );
        let organisation_only = fact(
            false,
            SharingLevel::Organisation,
            Need::NeedToKnow,
            LifeDomain::Housing,
        );
        assert_eq!(
            visibility(relation, &organisation_only, true, &housing),
            Visibility::Hidden
        );
        let health = fact(
            false,
            SharingLevel::Team,
            Need::NeedToKnow,
            LifeDomain::Health,
        );
        assert_eq!(
            visibility(relation, &health, true, &housing),
            Visibility::Hidden,
            "kind policy"
        );
        let own_nice = fact(
            true,
            SharingLevel::Organisation,
            Need::NiceToKnow,
            LifeDomain::Health,
        );
        assert_eq!(
            visibility(relation, &own_nice, false, &housing),
            Visibility::Full,
            "own items always"
        );
    }

    #[test]
    fn process_facilitators_see_process_never_content() {
        let policy = KindPolicy::default_for(OrganisationKind::NeighbourhoodTeam);
        let facilitator = CaseRelation::TeamMember {
            role: TeamRole::ProcessFacilitator,
            kind: OrganisationKind::NeighbourhoodTeam,
        };
        let mut item = fact(
            true,
            SharingLevel::Team,
            Need::NeedToKnow,
            LifeDomain::Finances,
        );
        assert_eq!(
            visibility(facilitator, &item, true, &policy),
            Visibility::ProcessOnly
        );
        item.kind = ItemKind::TeamComposition;
        assert_eq!(
            visibility(facilitator, &item, true, &policy),
            Visibility::Full
        );
        item.kind = ItemKind::ResidentIdentity;
        assert_eq!(
            visibility(facilitator, &item, true, &policy),
            Visibility::Hidden
        );
    }

    #[test]
    fn outsiders_and_privacy_officers_see_no_content_and_residents_see_all_but_withheld() {
        let policy = KindPolicy::default_for(OrganisationKind::NeighbourhoodTeam);
        let mut item = fact(
            false,
            SharingLevel::Team,
            Need::NeedToKnow,
            LifeDomain::Profile,
        );
        item.kind = ItemKind::Perspective;
        assert_eq!(
            visibility(CaseRelation::Outsider, &item, true, &policy),
            Visibility::Hidden
        );
        assert_eq!(
            visibility(
                CaseRelation::PrivacyOfficer {
                    kind: OrganisationKind::NeighbourhoodTeam
                },
                &item,
                true,
                &policy
            ),
            Visibility::Hidden
        );
        assert_eq!(
            visibility(CaseRelation::Resident, &item, false, &policy),
            Visibility::Full
        );
        item.withheld_from_resident = true;
        assert_eq!(
            visibility(CaseRelation::Resident, &item, false, &policy),
            Visibility::Hidden
        );
    }

    #[test]
    fn the_bsn_reaches_only_kinds_whose_policy_includes_it() {
        let mut item = fact(
            false,
            SharingLevel::Team,
            Need::NeedToKnow,
            LifeDomain::Profile,
        );
        item.kind = ItemKind::ResidentBsn;
        for kind in OrganisationKind::ALL {
            let policy = KindPolicy::default_for(*kind);
            let expected = if policy.bsn {
                Visibility::Full
            } else {
                Visibility::Hidden
            };
            assert_eq!(
                visibility(member(*kind), &item, true, &policy),
                expected,
                "{kind}"
            );
        }
    }
}
