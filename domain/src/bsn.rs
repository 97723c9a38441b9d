//! The burgerservicenummer (BSN), the Dutch citizen service number.
//!
//! A `Bsn` can only be built from nine digits that pass the 11-proof. Its `Debug` hides all
//! but the last digits and it has no `Display`, so a BSN cannot slip whole into a log line or
//! an error message; `expose` is the one deliberate way to the digits.

use crate::InvalidInput;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Bsn(String);

impl Bsn {
    /// Accepts nine digits (a leading zero may be left off) that pass the 11-proof:
    /// 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is divisible by 11 and not zero.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let trimmed = input.trim();
        let digits = match trimmed.len() {
            8 => format!("0{trimmed}"),
            9 => trimmed.to_owned(),
            _ => return Err(InvalidInput::new("bsn", "a BSN has nine digits")),
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidInput::new("bsn", "a BSN has only digits"));
        }
        let sum: i64 = digits
            .bytes()
            .map(|b| i64::from(b - b'0'))
            .zip([9, 8, 7, 6, 5, 4, 3, 2, -1])
            .map(|(digit, weight)| digit * weight)
            .sum();
        if sum == 0 || sum % 11 != 0 {
            return Err(InvalidInput::new(
                "bsn",
                "not a valid BSN (fails the 11-proof)",
            ));
        }
        Ok(Self(digits))
    }

    /// The nine digits, for storage and for the few viewers allowed to see them.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Bsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bsn(*****{})", &self.0[5..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eleven_proof(digits: &[u8; 9]) -> bool {
        let sum: i64 = digits
            .iter()
            .zip([9, 8, 7, 6, 5, 4, 3, 2, -1])
            .map(|(d, w)| i64::from(*d) * w)
            .sum();
        sum != 0 && sum % 11 == 0
    }

    #[test]
    fn accepts_known_test_numbers() {
        for valid in ["111222333", "123456782", "999996356", "050260662"] {
            assert_eq!(Bsn::parse(valid).unwrap().expose(), valid);
        }
        // A leading zero may be left off.
        assert_eq!(Bsn::parse("50260662").unwrap().expose(), "050260662");
    }

    #[test]
    fn rejects_invalid_numbers() {
        for invalid in [
            "123456789",
            "111222334",
            "000000000",
            "12345678a",
            "1234567",
            "1234567890",
            "",
        ] {
            let error = Bsn::parse(invalid).unwrap_err();
            assert_eq!(error.field, "bsn", "{invalid}");
        }
    }

    #[test]
    fn debug_hides_the_number() {
        let bsn = Bsn::parse("123456782").unwrap();
        assert_eq!(format!("{bsn:?}"), "Bsn(*****6782)");
    }

    proptest! {
        #[test]
        fn parse_agrees_with_the_eleven_proof(digits in proptest::array::uniform9(0u8..10)) {
            let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            prop_assert_eq!(Bsn::parse(&text).is_ok(), eleven_proof(&digits));
        }

        #[test]
        fn changing_one_digit_breaks_a_valid_number(position in 0usize..9, delta in 1u8..10) {
            let mut digits = *b"123456782";
            digits[position] = b'0' + (digits[position] - b'0' + delta) % 10;
            prop_assert!(Bsn::parse(std::str::from_utf8(&digits).unwrap()).is_err());
        }
    }
}
