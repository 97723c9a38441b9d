//! Residents: personal data. Here only the resident themself reads it; what a team member
//! reads of a resident goes through the slice, in [`crate::cases`].

use chrono::{DateTime, NaiveDate, Utc};
use domain::resident::{Contact, Resident};
use domain::{Bsn, ResidentId};
use sea_orm::{ActiveValue::Set, EntityTrait};

use crate::entity::resident;
use crate::error::conflict_on_unique;
use crate::{Error, Result, Store};

#[derive(Debug, Clone)]
pub struct NewResident {
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub contact: Contact,
    pub bsn: Option<Bsn>,
}

pub(crate) fn to_resident(row: resident::Model) -> Result<Resident> {
    Ok(Resident {
        id: ResidentId(row.id),
        name: row.name,
        date_of_birth: row.date_of_birth,
        contact: Contact {
            email: row.email,
            phone: row.phone,
            address: row.address,
        },
        bsn: row
            .bsn
            .map(|bsn| Bsn::parse(&bsn).map_err(|_| Error::Corrupt("resident BSN")))
            .transpose()?,
        version: row.version,
    })
}

/// The row that registers `new` as resident `id`.
pub(crate) fn new_row(
    id: ResidentId,
    new: &NewResident,
    at: DateTime<Utc>,
) -> resident::ActiveModel {
    resident::ActiveModel {
        id: Set(id.0),
        name: Set(new.name.clone()),
        date_of_birth: Set(new.date_of_birth),
        email: Set(new.contact.email.clone()),
        phone: Set(new.contact.phone.clone()),
        address: Set(new.contact.address.clone()),
        bsn: Set(new.bsn.as_ref().map(|bsn| bsn.expose().to_owned())),
        version: Set(1),
        created_at: Set(at),
    }
}

impl Store {
    pub async fn insert_resident(&self, new: NewResident) -> Result<Resident> {
        let id = ResidentId::generate();
        resident::Entity::insert(new_row(id, &new, Utc::now()))
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| {
                conflict_on_unique(error, "a resident with this BSN already exists")
            })?;
        Ok(Resident {
            id,
            name: new.name,
            date_of_birth: new.date_of_birth,
            contact: new.contact,
            bsn: new.bsn,
            version: 1,
        })
    }

    /// A resident's own record, for the resident themself.
    pub async fn resident(
        &self,
        permit: &domain::authz::Permit,
        id: ResidentId,
    ) -> Result<Option<Resident>> {
        use domain::authz::Action;
        crate::permitted(permit, &[Action::Node, Action::Me])?;
        resident::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .map(to_resident)
            .transpose()
    }
}
