//! The one error the domain produces: input that does not make a valid value.

/// A value that failed validation, with the input field it came from.
///
/// `field` is the name the API shows to clients (`BAD_USER_INPUT` with the offending field);
/// `message` says what is wrong without repeating the value, which may be personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidInput {
    pub field: String,
    pub message: String,
}

impl InvalidInput {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same problem, reported under the name the caller knows the field by.
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

/// Refuses control characters other than tab and line breaks: PostgreSQL cannot store NUL in
/// text at all, and the others are never meant as text.
pub fn check_characters(field: &str, text: &str) -> Result<(), InvalidInput> {
    if text
        .chars()
        .any(|character| character.is_control() && !matches!(character, '\t' | '\n' | '\r'))
    {
        return Err(InvalidInput::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}
