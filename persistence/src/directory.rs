//! The maatwerkcommunity directory (DOMAIN.md §7): every professional with the coach role,
//! with what they added about themself. Work details only; nothing of any case.

use std::collections::BTreeSet;

use chrono::Utc;
use domain::directory::DirectoryDetails;
use domain::{MunicipalityId, OrganisationRole, Professional, ProfessionalId};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::{directory_entry, professional};
use crate::{Error, Result, Store};

/// A coach as the directory lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coach {
    pub professional: Professional,
    pub details: DirectoryDetails,
    /// 0 while they have added nothing.
    pub version: i32,
}

fn to_details(row: &directory_entry::Model) -> Result<DirectoryDetails> {
    Ok(DirectoryDetails {
        expertise: row
            .expertise
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        phone: row.phone.clone(),
        email: row.email.clone(),
        availability: row.availability.clone(),
        municipalities: row
            .municipalities
            .split_whitespace()
            .map(|id| {
                uuid::Uuid::parse_str(id)
                    .map(MunicipalityId)
                    .map_err(|_| Error::Corrupt("directory municipalities"))
            })
            .collect::<Result<BTreeSet<_>>>()?,
    })
}

impl Store {
    /// Every professional whose organisation granted them the coach role, by name.
    pub async fn coaches(&self) -> Result<Vec<Coach>> {
        let rows = professional::Entity::find()
            .filter(professional::Column::Roles.contains("coach"))
            .order_by_asc(professional::Column::Name)
            .order_by_asc(professional::Column::Id)
            .all(self.connection())
            .await?;
        let ids: Vec<uuid::Uuid> = rows.iter().map(|row| row.id).collect();
        let entries = directory_entry::Entity::find()
            .filter(directory_entry::Column::ProfessionalId.is_in(ids.clone()))
            .all(self.connection())
            .await?;
        let professionals = self
            .professionals_by_id(&ids.into_iter().map(ProfessionalId).collect::<Vec<_>>())
            .await?;
        let mut coaches = Vec::new();
        for row in rows {
            let Some(professional) = professionals
                .iter()
                .find(|professional| professional.id.0 == row.id)
                .cloned()
            else {
                continue;
            };
            if !professional.roles.contains(&OrganisationRole::Coach) {
                continue;
            }
            let entry = entries.iter().find(|entry| entry.professional_id == row.id);
            coaches.push(Coach {
                professional,
                details: entry.map(to_details).transpose()?.unwrap_or_default(),
                version: entry.map_or(0, |entry| entry.version),
            });
        }
        Ok(coaches)
    }

    /// Saves what a coach adds about themself; `expected_version` is what they read (0 for
    /// none yet).
    pub async fn save_directory_entry(
        &self,
        professional_id: ProfessionalId,
        details: DirectoryDetails,
        expected_version: i32,
    ) -> Result<()> {
        let municipalities = details
            .municipalities
            .iter()
            .map(|id| id.0.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let now = Utc::now();
        if expected_version == 0 {
            let insert = directory_entry::Entity::insert(directory_entry::ActiveModel {
                professional_id: Set(professional_id.0),
                expertise: Set(details.expertise.join(" ")),
                phone: Set(details.phone),
                email: Set(details.email),
                availability: Set(details.availability),
                municipalities: Set(municipalities),
                updated_at: Set(now),
                version: Set(1),
            })
            .on_conflict(
                OnConflict::column(directory_entry::Column::ProfessionalId)
                    .do_nothing()
                    .to_owned(),
            );
            return self
                .write(async |transaction| {
                    if insert.exec_without_returning(transaction).await? != 1 {
                        return Err(Error::Conflict(
                            "the entry is not at the version you sent (it changed since you read it); reload it and try again".into(),
                        ));
                    }
                    Ok(())
                })
                .await;
        }
        let update = directory_entry::Entity::update_many()
            .filter(directory_entry::Column::ProfessionalId.eq(professional_id.0))
            .filter(directory_entry::Column::Version.eq(expected_version))
            .col_expr(
                directory_entry::Column::Expertise,
                Expr::value(details.expertise.join(" ")),
            )
            .col_expr(directory_entry::Column::Phone, Expr::value(details.phone))
            .col_expr(directory_entry::Column::Email, Expr::value(details.email))
            .col_expr(
                directory_entry::Column::Availability,
                Expr::value(details.availability),
            )
            .col_expr(
                directory_entry::Column::Municipalities,
                Expr::value(municipalities),
            )
            .col_expr(directory_entry::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                directory_entry::Column::Version,
                Expr::value(expected_version + 1),
            );
        self.write(async |transaction| {
            if update.exec(transaction).await?.rows_affected != 1 {
                return Err(Error::Conflict(
                    "the entry is not at the version you sent (it changed since you read it); reload it and try again".into(),
                ));
            }
            Ok(())
        })
        .await
    }
}
