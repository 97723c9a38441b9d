//! The maatwerkcommunity directory in GraphQL (DOMAIN.md §7): coaches by municipality,
//! organisation kind and expertise, for every professional and for the community website's
//! service token with the `directory:read` scope.

use std::collections::BTreeSet;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object};
use domain::authz::{Action, Permit, Standing};
use domain::directory::DirectoryDetails;
use domain::identity::Actor;
use domain::{MunicipalityId, ProfessionalId};
use persistence::directory::Coach;

use super::context::{RequestContext, request};
use super::cursor;
use super::enums::OrganisationKind;
use super::ids::{self, NodeType};
use super::paging::page_size;
use super::types::{Municipality, Organisation};
use crate::error::{ApiError, ApiResult};

/// A coach in the directory: work details only.
pub struct DirectoryEntry {
    coach: Coach,
    organisation: domain::Organisation,
}

impl DirectoryEntry {
    /// Where they coach: what they named, or else every municipality their organisation serves.
    fn municipality_ids(&self) -> BTreeSet<MunicipalityId> {
        if self.coach.details.municipalities.is_empty() {
            self.organisation.municipalities.clone()
        } else {
            self.coach.details.municipalities.clone()
        }
    }
}

#[Object]
impl DirectoryEntry {
    async fn professional_id(&self) -> ID {
        ids::encode(NodeType::Professional, self.coach.professional.id.0)
    }

    async fn name(&self) -> &str {
        &self.coach.professional.name
    }

    async fn organisation(&self) -> Organisation {
        Organisation(self.organisation.clone())
    }

    async fn municipalities(&self, ctx: &Context<'_>) -> ApiResult<Vec<Municipality>> {
        let ids = self.municipality_ids();
        Ok(request(ctx)?
            .municipalities()
            .await?
            .iter()
            .filter(|municipality| ids.contains(&municipality.id))
            .cloned()
            .map(Municipality)
            .collect())
    }

    async fn expertise(&self) -> &[String] {
        &self.coach.details.expertise
    }

    /// Their work address.
    async fn email(&self) -> Option<&str> {
        self.coach
            .details
            .email
            .as_deref()
            .or(self.coach.professional.email.as_deref())
    }

    async fn phone(&self) -> Option<&str> {
        self.coach.details.phone.as_deref()
    }

    async fn availability(&self) -> Option<&str> {
        self.coach.details.availability.as_deref()
    }

    /// Name it when updating the entry; 0 while the coach has added nothing.
    async fn version(&self) -> i32 {
        self.coach.version
    }
}

/// Every coach, each with their organisation.
async fn entries(request: &RequestContext, permit: &Permit) -> ApiResult<Vec<DirectoryEntry>> {
    let store = request.store(permit);
    let coaches = store.coaches().await?;
    let organisation_ids: Vec<_> = coaches
        .iter()
        .map(|coach| coach.professional.organisation_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let organisations = store.organisations_by_id(&organisation_ids).await?;
    Ok(coaches
        .into_iter()
        .filter_map(|coach| {
            let organisation = organisations
                .iter()
                .find(|organisation| organisation.id == coach.professional.organisation_id)?
                .clone();
            Some(DirectoryEntry {
                coach,
                organisation,
            })
        })
        .collect())
}

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// Coaches of every organisation, by name; narrowed by where they coach, the kind of their
    /// organisation and an expertise.
    async fn directory(
        &self,
        ctx: &Context<'_>,
        municipality_id: Option<ID>,
        organisation_kind: Option<OrganisationKind>,
        expertise: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, DirectoryEntry, EmptyFields>> {
        let request = request(ctx)?;
        let permit = request.authorize_unrelated(Action::Directory)?;
        let first = page_size(first, request.page_size)? as usize;
        let municipality = ids::decode_optional(
            municipality_id.as_ref(),
            NodeType::Municipality,
            "municipalityId",
        )?
        .map(MunicipalityId);
        let kind = organisation_kind.map(domain::OrganisationKind::from);
        let expertise = expertise.map(|tag| tag.trim().to_lowercase());
        let after = after
            .as_deref()
            .map(cursor::decode::<(String, uuid::Uuid)>)
            .transpose()?;
        let mut matching: Vec<DirectoryEntry> = entries(request, &permit)
            .await?
            .into_iter()
            .filter(|entry| municipality.is_none_or(|id| entry.municipality_ids().contains(&id)))
            .filter(|entry| kind.is_none_or(|kind| entry.organisation.kind == kind))
            .filter(|entry| {
                expertise
                    .as_ref()
                    .is_none_or(|tag| entry.coach.details.expertise.contains(tag))
            })
            .filter(|entry| {
                after.as_ref().is_none_or(|(name, id)| {
                    (
                        &entry.coach.professional.name,
                        entry.coach.professional.id.0,
                    ) > (name, *id)
                })
            })
            .collect();
        let has_next_page = matching.len() > first;
        matching.truncate(first);
        let mut connection = Connection::new(after.is_some(), has_next_page);
        connection.edges.extend(matching.into_iter().map(|entry| {
            let position = cursor::encode(&(
                &entry.coach.professional.name,
                entry.coach.professional.id.0,
            ));
            Edge::new(position, entry)
        }));
        Ok(connection)
    }
}

#[derive(InputObject)]
pub struct DirectoryInput {
    #[graphql(default)]
    pub expertise: Vec<String>,
    pub phone: Option<String>,
    /// A work address other than the one your identity provider gives.
    pub email: Option<String>,
    pub availability: Option<String>,
    /// Where you coach; leave empty for every municipality your organisation serves.
    #[graphql(default)]
    pub municipality_ids: Vec<ID>,
}

#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Updates a coach's directory entry: by the coach, or by their organisation's org_admin.
    async fn update_directory_entry(
        &self,
        ctx: &Context<'_>,
        professional_id: ID,
        version: i32,
        input: DirectoryInput,
    ) -> ApiResult<DirectoryEntry> {
        let professional_id = ProfessionalId(ids::decode(
            &professional_id,
            NodeType::Professional,
            "professionalId",
        )?);
        let municipalities = input
            .municipality_ids
            .iter()
            .map(|id| {
                ids::decode(id, NodeType::Municipality, "municipalityIds").map(MunicipalityId)
            })
            .collect::<ApiResult<BTreeSet<_>>>()?;
        let details = DirectoryDetails::parse(
            &input.expertise,
            input.phone.as_deref(),
            input.email.as_deref(),
            input.availability.as_deref(),
            municipalities,
        )?;
        let request = request(ctx)?;
        // Coaches are listed for every professional: finding the entry needs that much.
        let listing = request.authorize_unrelated(Action::Directory)?;
        let mut entry = entries(request, &listing)
            .await?
            .into_iter()
            .find(|entry| entry.coach.professional.id == professional_id)
            .ok_or(ApiError::NotFound("coach"))?;
        let own = matches!(&request.actor, Actor::Professional(actor) if actor.professional_id == professional_id);
        let permit = if own {
            request.authorize(Standing::Oneself, Action::UpdateOwnDirectoryEntry)?
        } else {
            request.authorize(
                request.standing_to(entry.organisation.id),
                Action::UpdateDirectoryEntry,
            )?
        };
        if !details
            .municipalities
            .is_subset(&entry.organisation.municipalities)
        {
            return Err(ApiError::bad_input(
                "municipalityIds",
                "only municipalities the organisation serves",
            ));
        }
        request
            .store(&permit)
            .save_directory_entry(professional_id, details.clone(), version)
            .await?;
        // Saved as given, one version on: no need to read every coach again.
        entry.coach.details = details;
        entry.coach.version = version + 1;
        Ok(entry)
    }
}
