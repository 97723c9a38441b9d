//! The resident a case is opened for, as `openCase` takes it and as an import row gives it.

use async_graphql::InputObject;
use domain::case::{MAX_SHORT_TEXT, parse_optional_text};
use domain::organisation::parse_name;
use domain::resident::{Contact, parse_email};
use domain::{Bsn, InvalidInput};
use persistence::cases::ResidentToOpen;

use super::scalars::Date;
use crate::error::ApiResult;

/// Who a new case is about. A BSN with the matching date of birth identifies a registered
/// resident; without a BSN, or with one no resident is registered under, a new resident is
/// registered, which needs a name. A case is never opened from a resident's id alone.
#[derive(InputObject)]
pub struct ResidentToOpenInput {
    pub bsn: Option<String>,
    pub date_of_birth: Date,
    /// For a resident who is not registered yet.
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

impl ResidentToOpenInput {
    pub(crate) fn parse(self) -> ApiResult<ResidentToOpen> {
        let field = |field: &str| format!("resident.{field}");
        let within =
            |error: InvalidInput, name: &str| InvalidInput::new(field(name), error.message);
        Ok(ResidentToOpen {
            bsn: self
                .bsn
                .as_deref()
                .map(Bsn::parse)
                .transpose()
                .map_err(|error| within(error, "bsn"))?,
            date_of_birth: self.date_of_birth.0,
            name: self
                .name
                .as_deref()
                .map(|name| parse_name(&field("name"), name))
                .transpose()?,
            contact: Contact {
                email: self
                    .email
                    .as_deref()
                    .map(parse_email)
                    .transpose()
                    .map_err(|error| within(error, "email"))?,
                phone: parse_optional_text(&field("phone"), self.phone.as_deref(), MAX_SHORT_TEXT)?,
                address: parse_optional_text(
                    &field("address"),
                    self.address.as_deref(),
                    MAX_SHORT_TEXT,
                )?,
            },
        })
    }
}
