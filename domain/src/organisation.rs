//! Municipalities, organisations and the roles their people hold.

use std::collections::BTreeSet;

use crate::life_domain::string_enum;
use crate::{InvalidInput, MunicipalityId, OrganisationId, ProfessionalId};

string_enum!(
    /// What kind of partner an organisation is; the kind policy hangs off it.
    OrganisationKind {
        NeighbourhoodTeam => "neighbourhood_team",
        YouthTeam => "youth_team",
        IncomeDepartment => "income_department",
        HousingCorporation => "housing_corporation",
        HealthService => "health_service",
        School => "school",
        EmploymentAgency => "employment_agency",
        BreakthroughTeam => "breakthrough_team",
        Other => "other",
    }
);

string_enum!(
    /// A role a professional holds in their organisation (DOMAIN.md §4).
    OrganisationRole {
        Professional => "professional",
        TeamLead => "team_lead",
        Coach => "coach",
        ProcessFacilitator => "process_facilitator",
        PolicyAnalyst => "policy_analyst",
        PrivacyOfficer => "privacy_officer",
        OrgAdmin => "org_admin",
    }
);

/// A set of organisation roles, ordered so that it prints and stores the same way every time.
pub type RoleSet = BTreeSet<OrganisationRole>;

/// A municipality code such as `AMS`: two to six capital letters, used in case references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let code = input.trim();
        if (2..=6).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code.to_owned()))
        } else {
            Err(InvalidInput::new(
                "code",
                "two to six capital letters, such as AMS",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A URL-safe organisation handle such as `buurtteam-amsterdam-west`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let slug = input.trim();
        let well_formed = (2..=64).contains(&slug.len())
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if well_formed {
            Ok(Self(slug.to_owned()))
        } else {
            Err(InvalidInput::new(
                "slug",
                "2–64 lowercase letters, digits and inner hyphens",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: trimmed, not empty, not absurdly long, no control characters.
pub fn parse_name(field: &str, input: &str) -> Result<String, InvalidInput> {
    crate::error::check_characters(field, input)?;
    let name = input.trim();
    if name.is_empty() {
        Err(InvalidInput::new(field, "must not be empty"))
    } else if name.chars().count() > 200 {
        Err(InvalidInput::new(field, "at most 200 characters"))
    } else {
        Ok(name.to_owned())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub id: MunicipalityId,
    pub code: MunicipalityCode,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrganisationId,
    pub slug: Slug,
    pub name: String,
    pub kind: OrganisationKind,
    /// The roles the platform lets this organisation's identity providers grant.
    pub allowed_roles: RoleSet,
    pub municipalities: BTreeSet<MunicipalityId>,
    pub version: i32,
}

/// A person working for an organisation, as the platform last saw them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Professional {
    pub id: ProfessionalId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub email: Option<String>,
    /// The roles the organisation's identity provider granted at the last sign-in.
    pub roles: RoleSet,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(kind.as_str()), Some(*kind));
        }
        for role in OrganisationRole::ALL {
            assert_eq!(OrganisationRole::parse(role.as_str()), Some(*role));
        }
        assert_eq!(OrganisationRole::parse("admin"), None);
    }

    #[test]
    fn codes_and_slugs_are_validated() {
        assert!(MunicipalityCode::parse("AMS").is_ok());
        assert!(MunicipalityCode::parse("ams").is_err());
        assert!(MunicipalityCode::parse("A").is_err());
        assert!(Slug::parse("buurtteam-west").is_ok());
        assert!(Slug::parse("-west").is_err());
        assert!(Slug::parse("Buurtteam").is_err());
        assert_eq!(parse_name("name", "  ").unwrap_err().field, "name");
    }
}
