//! Municipalities, organisations, identity providers, professionals, residents and the kind
//! policy, seeded with the defaults of DOMAIN.md §5.6.

use domain::KindPolicy;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Id,
    Code,
    Name,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Slug,
    Name,
    Kind,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganisationMunicipalities {
    Table,
    OrganisationId,
    MunicipalityId,
}

#[derive(DeriveIden)]
enum OrganisationAllowedRoles {
    Table,
    OrganisationId,
    Role,
}

#[derive(DeriveIden)]
enum IdentityProviders {
    Table,
    Id,
    Kind,
    OrganisationId,
    Name,
    Issuer,
    Audience,
    Algorithms,
    Jwks,
    JwksUrl,
    Development,
    DevelopmentSigningKey,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Professionals {
    Table,
    Id,
    OrganisationId,
    IdentityProviderId,
    Subject,
    Name,
    Email,
    Roles,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Residents {
    Table,
    Id,
    Name,
    DateOfBirth,
    Email,
    Phone,
    Address,
    Bsn,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ResidentIdentities {
    Table,
    IdentityProviderId,
    Subject,
    ResidentId,
}

#[derive(DeriveIden)]
enum KindPolicies {
    Table,
    OrganisationKind,
    Bsn,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum KindPolicyLifeDomains {
    Table,
    OrganisationKind,
    LifeDomain,
}

fn uuid<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

fn text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

fn text_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

fn version<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().default(1).take()
}

fn timestamp<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

fn foreign_key<T: IntoIden, U: IntoIden, V: IntoIden, W: IntoIden>(
    from_table: T,
    from_column: U,
    to_table: V,
    to_column: W,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_column)
        .to(to_table, to_column)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Municipalities::Table)
                    .col(uuid(Municipalities::Id).primary_key())
                    .col(text(Municipalities::Code).unique_key())
                    .col(text(Municipalities::Name))
                    .col(version(Municipalities::Version))
                    .col(timestamp(Municipalities::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(uuid(Organisations::Id).primary_key())
                    .col(text(Organisations::Slug).unique_key())
                    .col(text(Organisations::Name))
                    .col(text(Organisations::Kind))
                    .col(version(Organisations::Version))
                    .col(timestamp(Organisations::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("organisations_by_name")
                    .table(Organisations::Table)
                    .col(Organisations::Name)
                    .col(Organisations::Id)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrganisationMunicipalities::Table)
                    .col(uuid(OrganisationMunicipalities::OrganisationId))
                    .col(uuid(OrganisationMunicipalities::MunicipalityId))
                    .primary_key(
                        Index::create()
                            .col(OrganisationMunicipalities::OrganisationId)
                            .col(OrganisationMunicipalities::MunicipalityId),
                    )
                    .foreign_key(&mut foreign_key(
                        OrganisationMunicipalities::Table,
                        OrganisationMunicipalities::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .foreign_key(&mut foreign_key(
                        OrganisationMunicipalities::Table,
                        OrganisationMunicipalities::MunicipalityId,
                        Municipalities::Table,
                        Municipalities::Id,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrganisationAllowedRoles::Table)
                    .col(uuid(OrganisationAllowedRoles::OrganisationId))
                    .col(text(OrganisationAllowedRoles::Role))
                    .primary_key(
                        Index::create()
                            .col(OrganisationAllowedRoles::OrganisationId)
                            .col(OrganisationAllowedRoles::Role),
                    )
                    .foreign_key(&mut foreign_key(
                        OrganisationAllowedRoles::Table,
                        OrganisationAllowedRoles::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdentityProviders::Table)
                    .col(uuid(IdentityProviders::Id).primary_key())
                    .col(text(IdentityProviders::Kind))
                    .col(
                        ColumnDef::new(IdentityProviders::OrganisationId)
                            .uuid()
                            .null(),
                    )
                    .col(text(IdentityProviders::Name))
                    .col(text(IdentityProviders::Issuer))
                    .col(text(IdentityProviders::Audience))
                    .col(text(IdentityProviders::Algorithms))
                    .col(text_null(IdentityProviders::Jwks))
                    .col(text_null(IdentityProviders::JwksUrl))
                    .col(
                        ColumnDef::new(IdentityProviders::Development)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(text_null(IdentityProviders::DevelopmentSigningKey))
                    .col(version(IdentityProviders::Version))
                    .col(timestamp(IdentityProviders::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        IdentityProviders::Table,
                        IdentityProviders::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .take(),
            )
            .await?;
        // One provider per (issuer, audience): a token's `iss` and `aud` pick exactly one.
        manager
            .create_index(
                Index::create()
                    .name("identity_providers_by_issuer")
                    .table(IdentityProviders::Table)
                    .col(IdentityProviders::Issuer)
                    .col(IdentityProviders::Audience)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Professionals::Table)
                    .col(uuid(Professionals::Id).primary_key())
                    .col(uuid(Professionals::OrganisationId))
                    .col(uuid(Professionals::IdentityProviderId))
                    .col(text(Professionals::Subject))
                    .col(text(Professionals::Name))
                    .col(text_null(Professionals::Email))
                    .col(text(Professionals::Roles))
                    .col(timestamp(Professionals::CreatedAt))
                    .col(timestamp(Professionals::LastSeenAt))
                    .foreign_key(&mut foreign_key(
                        Professionals::Table,
                        Professionals::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                    ))
                    .foreign_key(&mut foreign_key(
                        Professionals::Table,
                        Professionals::IdentityProviderId,
                        IdentityProviders::Table,
                        IdentityProviders::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("professionals_by_subject")
                    .table(Professionals::Table)
                    .col(Professionals::IdentityProviderId)
                    .col(Professionals::Subject)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("professionals_by_organisation")
                    .table(Professionals::Table)
                    .col(Professionals::OrganisationId)
                    .col(Professionals::Name)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Residents::Table)
                    .col(uuid(Residents::Id).primary_key())
                    .col(text(Residents::Name))
                    .col(ColumnDef::new(Residents::DateOfBirth).date().not_null())
                    .col(text_null(Residents::Email))
                    .col(text_null(Residents::Phone))
                    .col(text_null(Residents::Address))
                    .col(text_null(Residents::Bsn).unique_key())
                    .col(version(Residents::Version))
                    .col(timestamp(Residents::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ResidentIdentities::Table)
                    .col(uuid(ResidentIdentities::IdentityProviderId))
                    .col(text(ResidentIdentities::Subject))
                    .col(uuid(ResidentIdentities::ResidentId))
                    .primary_key(
                        Index::create()
                            .col(ResidentIdentities::IdentityProviderId)
                            .col(ResidentIdentities::Subject),
                    )
                    .foreign_key(&mut foreign_key(
                        ResidentIdentities::Table,
                        ResidentIdentities::IdentityProviderId,
                        IdentityProviders::Table,
                        IdentityProviders::Id,
                    ))
                    .foreign_key(&mut foreign_key(
                        ResidentIdentities::Table,
                        ResidentIdentities::ResidentId,
                        Residents::Table,
                        Residents::Id,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(KindPolicies::Table)
                    .col(text(KindPolicies::OrganisationKind).primary_key())
                    .col(ColumnDef::new(KindPolicies::Bsn).boolean().not_null())
                    .col(version(KindPolicies::Version))
                    .col(timestamp(KindPolicies::UpdatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KindPolicyLifeDomains::Table)
                    .col(text(KindPolicyLifeDomains::OrganisationKind))
                    .col(text(KindPolicyLifeDomains::LifeDomain))
                    .primary_key(
                        Index::create()
                            .col(KindPolicyLifeDomains::OrganisationKind)
                            .col(KindPolicyLifeDomains::LifeDomain),
                    )
                    .foreign_key(&mut foreign_key(
                        KindPolicyLifeDomains::Table,
                        KindPolicyLifeDomains::OrganisationKind,
                        KindPolicies::Table,
                        KindPolicies::OrganisationKind,
                    ))
                    .take(),
            )
            .await?;

        let now = chrono::Utc::now();
        for policy in KindPolicy::defaults() {
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table(KindPolicies::Table)
                        .columns([
                            KindPolicies::OrganisationKind,
                            KindPolicies::Bsn,
                            KindPolicies::Version,
                            KindPolicies::UpdatedAt,
                        ])
                        .values_panic([
                            policy.kind.as_str().into(),
                            policy.bsn.into(),
                            1.into(),
                            now.into(),
                        ])
                        .take(),
                )
                .await?;
            for domain in &policy.life_domains {
                manager
                    .exec_stmt(
                        Query::insert()
                            .into_table(KindPolicyLifeDomains::Table)
                            .columns([
                                KindPolicyLifeDomains::OrganisationKind,
                                KindPolicyLifeDomains::LifeDomain,
                            ])
                            .values_panic([policy.kind.as_str().into(), domain.as_str().into()])
                            .take(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
