//! GraphQL enums, mirrored from the domain. Each mirror converts both ways with exhaustive
//! matches, so a variant added to the domain does not compile until the schema has it too.

macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident => $domain:path { $($variant:ident $(as $graphql_name:literal)?),* $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[graphql(name = $graphql_name)])? $variant),*
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                use $domain as D;
                match value { $(D::$variant => $name::$variant),* }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                use $domain as D;
                match value { $($name::$variant => D::$variant),* }
            }
        }
    };
}

mirror_enum!(
    /// What kind of partner an organisation is.
    OrganisationKind => domain::OrganisationKind {
        NeighbourhoodTeam, YouthTeam, IncomeDepartment, HousingCorporation, HealthService, School, EmploymentAgency, BreakthroughTeam, Other,
    }
);

mirror_enum!(
    /// A role a professional holds in their organisation.
    OrganisationRole => domain::OrganisationRole {
        Professional, TeamLead, Coach, ProcessFacilitator, PolicyAnalyst, PrivacyOfficer, OrgAdmin,
    }
);

mirror_enum!(
    /// A life domain of "the spin".
    LifeDomain => domain::LifeDomain {
        Profile, Finances, Housing, Safety, WorkAndDaytime, Health, YouthAndEducation, StrengthsAndTalents, Network, PastSuccesses, Particulars,
    }
);

mirror_enum!(
    /// Whose tokens an identity provider issues.
    ProviderKind => domain::identity::ProviderKind { Professional, Service, Resident, Platform }
);

mirror_enum!(
    /// A signing algorithm an identity provider may be pinned to; asymmetric only.
    SigningAlgorithm => domain::identity::SigningAlgorithm { Es256 as "ES256", Rs256 as "RS256", EdDsa as "EdDSA" }
);

mirror_enum!(
    /// What an organisation's integration may do.
    ServiceScope => domain::identity::ServiceScope { CaseloadExport, AgreementsWrite }
);

/// The kind of party a request acts for.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Professional,
    Resident,
    Service,
    PlatformAdmin,
}

impl From<&domain::identity::Actor> for ActorKind {
    fn from(actor: &domain::identity::Actor) -> Self {
        use domain::identity::Actor;
        match actor {
            Actor::Professional(_) => ActorKind::Professional,
            Actor::Resident(_) => ActorKind::Resident,
            Actor::Service(_) => ActorKind::Service,
            Actor::PlatformAdmin(_) => ActorKind::PlatformAdmin,
        }
    }
}

/// Converts a list of mirrored values into a sorted domain set.
pub fn to_domain_set<G: Copy, D: Ord + From<G>>(values: &[G]) -> std::collections::BTreeSet<D> {
    values.iter().map(|value| D::from(*value)).collect()
}
