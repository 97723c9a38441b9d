//! The life domains of "the spin" (de spin): the fixed axes along which facts are recorded
//! and along which consent and the kind policy are given.

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable name used in storage, tokens and tables.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// One domain of a resident's life.
    LifeDomain {
        Profile => "profile",
        Finances => "finances",
        Housing => "housing",
        Safety => "safety",
        WorkAndDaytime => "work_and_daytime",
        Health => "health",
        YouthAndEducation => "youth_and_education",
        StrengthsAndTalents => "strengths_and_talents",
        Network => "network",
        PastSuccesses => "past_successes",
        Particulars => "particulars",
    }
);
