//! Where the demo's stored people and places are found by their demo names.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::identity::ProfessionalActor;
use domain::resident::Contact;
use domain::{Bsn, MunicipalityId, OrganisationId, ResidentId};

use super::error::DemoError;
use super::people::RESIDENTS;

/// The demo's people and places by their demo names, as the case rules know them.
#[derive(Default)]
pub(super) struct Cast {
    pub(super) municipalities: HashMap<&'static str, MunicipalityId>,
    pub(super) organisations: HashMap<&'static str, OrganisationId>,
    pub(super) professionals: HashMap<&'static str, ProfessionalActor>,
    pub(super) residents: HashMap<&'static str, ResidentId>,
}

impl Cast {
    pub(super) fn municipality(&self, code: &'static str) -> Result<MunicipalityId, DemoError> {
        self.municipalities
            .get(code)
            .copied()
            .ok_or(DemoError::Unknown("municipality", code))
    }

    pub(super) fn organisation(&self, slug: &'static str) -> Result<OrganisationId, DemoError> {
        self.organisations
            .get(slug)
            .copied()
            .ok_or(DemoError::Unknown("organisation", slug))
    }

    pub(super) fn professional(
        &self,
        person: &'static str,
    ) -> Result<&ProfessionalActor, DemoError> {
        self.professionals
            .get(person)
            .ok_or(DemoError::Unknown("professional", person))
    }

    /// How the professional opening a case identifies the resident: BSN and date of birth.
    pub(super) fn resident_to_open(
        &self,
        subject: &'static str,
    ) -> Result<persistence::cases::ResidentToOpen, DemoError> {
        let demo = RESIDENTS
            .iter()
            .find(|demo| demo.subject == subject)
            .ok_or(DemoError::Unknown("resident", subject))?;
        let (year, month, day) = demo.born;
        Ok(persistence::cases::ResidentToOpen {
            bsn: Some(Bsn::parse(demo.bsn)?),
            date_of_birth: NaiveDate::from_ymd_opt(year, month, day).expect("valid demo date"),
            name: None,
            contact: Contact::default(),
        })
    }

    pub(super) fn resident(&self, subject: &'static str) -> Result<ResidentId, DemoError> {
        self.residents
            .get(subject)
            .copied()
            .ok_or(DemoError::Unknown("resident", subject))
    }
}
