//! The resident: the person a case is about.

use chrono::NaiveDate;

use crate::{Bsn, InvalidInput, ResidentId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    pub id: ResidentId,
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub contact: Contact,
    pub bsn: Option<Bsn>,
    pub version: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// A date of birth that is not in the future and not before 1900.
pub fn parse_date_of_birth(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, InvalidInput> {
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
    if date > today {
        Err(InvalidInput::new(
            "dateOfBirth",
            "must not be in the future",
        ))
    } else if date < earliest {
        Err(InvalidInput::new("dateOfBirth", "must not be before 1900"))
    } else {
        Ok(date)
    }
}

/// An e-mail address good enough to write to: one `@` with text on both sides, no spaces.
pub fn parse_email(input: &str) -> Result<String, InvalidInput> {
    let email = input.trim();
    match email.split_once('@') {
        Some((local, host))
            if !local.is_empty()
                && host.contains('.')
                && !email.contains(|character: char| {
                    character.is_whitespace() || character.is_control()
                })
                && email.len() <= 254 =>
        {
            Ok(email.to_owned())
        }
        _ => Err(InvalidInput::new("email", "not an e-mail address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_are_bounded() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert!(parse_date_of_birth(NaiveDate::from_ymd_opt(1980, 2, 29).unwrap(), today).is_ok());
        assert!(
            parse_date_of_birth(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), today).is_err()
        );
        assert!(
            parse_date_of_birth(NaiveDate::from_ymd_opt(1899, 12, 31).unwrap(), today).is_err()
        );
    }

    #[test]
    fn emails_are_checked() {
        assert!(parse_email("anna@example.org").is_ok());
        for bad in [
            "anna",
            "@example.org",
            "anna@localhost",
            "an na@example.org",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
