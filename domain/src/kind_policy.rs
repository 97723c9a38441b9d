//! The kind policy (DOMAIN.md §5.6): which life domains, and whether the BSN, organisations
//! of a kind may receive from a case. It is data the platform admin can change; these are
//! the defaults a new platform starts with.

use std::collections::BTreeSet;

use crate::{LifeDomain, OrganisationKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindPolicy {
    pub kind: OrganisationKind,
    pub life_domains: BTreeSet<LifeDomain>,
    /// Whether organisations of this kind may see a resident's BSN (§5.7).
    pub bsn: bool,
}

impl KindPolicy {
    pub fn allows(&self, domain: LifeDomain) -> bool {
        self.life_domains.contains(&domain)
    }

    /// The policy a platform starts with for `kind`.
    pub fn default_for(kind: OrganisationKind) -> Self {
        use LifeDomain::*;
        use OrganisationKind::*;
        let domains: &[LifeDomain] = match kind {
            NeighbourhoodTeam | YouthTeam | BreakthroughTeam => LifeDomain::ALL,
            IncomeDepartment => &[
                Profile,
                Finances,
                Housing,
                WorkAndDaytime,
                StrengthsAndTalents,
                Network,
                PastSuccesses,
            ],
            HousingCorporation => &[Profile, Housing, Safety],
            HealthService => &[Profile, Health, Safety, Network],
            School => &[Profile, YouthAndEducation],
            EmploymentAgency => &[Profile, WorkAndDaytime, Finances],
            Other => &[Profile],
        };
        Self {
            kind,
            life_domains: domains.iter().copied().collect(),
            bsn: matches!(kind, IncomeDepartment | EmploymentAgency),
        }
    }

    pub fn defaults() -> Vec<Self> {
        OrganisationKind::ALL
            .iter()
            .map(|kind| Self::default_for(*kind))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults written out as DOMAIN.md §5.6 states them, compared against the code.
    #[test]
    fn defaults_match_the_domain_specification() {
        let table: String = KindPolicy::defaults()
            .iter()
            .map(|policy| {
                let domains: Vec<&str> = policy.life_domains.iter().map(|d| d.as_str()).collect();
                format!(
                    "{}: {}{}\n",
                    policy.kind,
                    domains.join(" "),
                    if policy.bsn { " +bsn" } else { "" }
                )
            })
            .collect();
        let all = "profile finances housing safety work_and_daytime health youth_and_education strengths_and_talents network past_successes particulars";
        let expected = format!(
            "neighbourhood_team: {all}\n\
             youth_team: {all}\n\
             income_department: profile finances housing work_and_daytime strengths_and_talents network past_successes +bsn\n\
             housing_corporation: profile housing safety\n\
             health_service: profile safety health network\n\
             school: profile youth_and_education\n\
             employment_agency: profile finances work_and_daytime +bsn\n\
             breakthrough_team: {all}\n\
             other: profile\n"
        );
        assert_eq!(table, expected);
    }
}
