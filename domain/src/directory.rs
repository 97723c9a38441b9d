//! The maatwerkcommunity directory (DOMAIN.md §7): every coach, findable by municipality,
//! organisation kind and expertise, with work contact details and availability that the coach
//! or their organisation's administrator keeps up to date.

use std::collections::BTreeSet;

use crate::case::{MAX_SHORT_TEXT, parse_optional_text, parse_tags};
use crate::error::InvalidInput;
use crate::ids::MunicipalityId;

/// At most this many expertise tags on one entry.
pub const MAX_EXPERTISE: usize = 20;

/// What a coach tells the community about themself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirectoryDetails {
    /// Lower case, sorted, without duplicates.
    pub expertise: Vec<String>,
    pub phone: Option<String>,
    /// A work address, when it differs from the one the identity provider gives.
    pub email: Option<String>,
    pub availability: Option<String>,
    /// Where they coach; empty means every municipality their organisation serves.
    pub municipalities: BTreeSet<MunicipalityId>,
}

impl DirectoryDetails {
    pub fn parse(
        expertise: &[String],
        phone: Option<&str>,
        email: Option<&str>,
        availability: Option<&str>,
        municipalities: BTreeSet<MunicipalityId>,
    ) -> Result<Self, InvalidInput> {
        let tags = parse_tags("expertise", expertise, MAX_EXPERTISE)?;
        let email = parse_optional_text("email", email, MAX_SHORT_TEXT)?;
        if email.as_deref().is_some_and(|email| !email.contains('@')) {
            return Err(InvalidInput::new("email", "not an email address"));
        }
        Ok(Self {
            expertise: tags,
            phone: parse_optional_text("phone", phone, 40)?,
            email,
            availability: parse_optional_text("availability", availability, MAX_SHORT_TEXT)?,
            municipalities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expertise_is_tags_and_email_an_address() {
        let parse = |expertise: &[&str], email: Option<&str>| {
            DirectoryDetails::parse(
                &expertise
                    .iter()
                    .map(|tag| (*tag).to_owned())
                    .collect::<Vec<_>>(),
                None,
                email,
                None,
                BTreeSet::new(),
            )
        };
        assert_eq!(
            parse(&["Debt", "debt", "youth"], None).unwrap().expertise,
            ["debt", "youth"]
        );
        assert_eq!(parse(&["two words"], None).unwrap_err().field, "expertise");
        assert_eq!(
            parse(&[], Some("not-an-address")).unwrap_err().field,
            "email"
        );
    }
}
