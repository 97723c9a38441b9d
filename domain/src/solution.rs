//! Shared solutions (DOMAIN.md §3): an approved exception, published without anything that
//! identifies the resident, for professionals of every municipality to find.

use chrono::{DateTime, Utc};

use crate::case::{MAX_SHORT_TEXT, MAX_TEXT, check_characters, parse_tags, parse_text};
use crate::error::InvalidInput;
use crate::ids::{MunicipalityId, OrganisationId, ProfessionalId, SolutionId};

/// At most this many tags on one solution.
pub const MAX_TAGS: usize = 10;

/// Exactly what will be published: the author sees it whole and confirms it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SolutionDraft {
    pub municipality_id: MunicipalityId,
    /// The kind of situation it solves, in general terms.
    pub problem_pattern: String,
    /// The rule deviated from.
    pub rule: String,
    pub custom_solution: String,
    pub ordinary_cost_cents: i64,
    pub custom_cost_cents: i64,
    /// The value triangle in a few sentences.
    pub value_summary: String,
    /// Lower case, sorted, without duplicates.
    pub tags: Vec<String>,
}

impl SolutionDraft {
    /// Checks the author's texts and tags, naming the field as the API names it.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        municipality_id: MunicipalityId,
        problem_pattern: &str,
        rule: &str,
        custom_solution: &str,
        ordinary_cost_cents: i64,
        custom_cost_cents: i64,
        value_summary: &str,
        tags: &[String],
    ) -> Result<Self, InvalidInput> {
        let parsed = parse_tags("tags", tags, MAX_TAGS)?;
        if parsed.is_empty() {
            return Err(InvalidInput::new("tags", "at least one tag"));
        }
        Ok(Self {
            municipality_id,
            problem_pattern: parse_text("problemPattern", problem_pattern, MAX_TEXT)?,
            rule: parse_text("rule", rule, MAX_SHORT_TEXT)?,
            custom_solution: parse_text("customSolution", custom_solution, MAX_TEXT)?,
            ordinary_cost_cents,
            custom_cost_cents,
            value_summary: parse_text("valueSummary", value_summary, MAX_TEXT)?,
            tags: parsed,
        })
    }

    pub fn saving_cents(&self) -> i64 {
        self.ordinary_cost_cents - self.custom_cost_cents
    }

    /// Every text and tag in lower case, what a search matches against.
    pub fn search_text(&self) -> String {
        [
            self.problem_pattern.as_str(),
            self.rule.as_str(),
            self.custom_solution.as_str(),
            self.value_summary.as_str(),
            &self.tags.join(" "),
        ]
        .join("\n")
        .to_lowercase()
    }
}

/// A published solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub id: SolutionId,
    pub content: SolutionDraft,
    pub published_by_organisation_id: OrganisationId,
    pub published_by_professional_id: ProfessionalId,
    pub published_at: DateTime<Utc>,
}

/// A search of the published solutions: every word must occur in the texts, every tag must be
/// carried whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SolutionSearch {
    /// Lower case.
    pub words: Vec<String>,
    /// Lower case, trimmed.
    pub tags: Vec<String>,
}

impl SolutionSearch {
    pub fn parse(query: Option<&str>, tags: &[String]) -> Result<Self, InvalidInput> {
        let query = query.unwrap_or_default();
        check_characters("query", query)?;
        for tag in tags {
            check_characters("tags", tag)?;
        }
        Ok(Self {
            words: query.split_whitespace().map(str::to_lowercase).collect(),
            tags: tags.iter().map(|tag| tag.trim().to_lowercase()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(tags: &[&str]) -> Result<SolutionDraft, InvalidInput> {
        SolutionDraft::parse(
            MunicipalityId(uuid::Uuid::nil()),
            "A family facing eviction while an allowance restarts",
            "Special assistance only after the allowance is restored",
            "Pay the arrears first and settle later",
            4_000_000,
            350_000,
            "Lawful, keeps the family home, far cheaper",
            &tags.iter().map(|tag| (*tag).to_owned()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn tags_are_words_in_lower_case_sorted_once() {
        assert_eq!(
            draft(&["Housing", "debt", "housing"]).unwrap().tags,
            ["debt", "housing"]
        );
        assert_eq!(draft(&[]).unwrap_err().field, "tags");
        assert_eq!(draft(&["two words"]).unwrap_err().field, "tags");
    }

    #[test]
    fn a_search_refuses_control_characters() {
        assert_eq!(
            SolutionSearch::parse(Some("Rent  Arrears"), &[" Debt ".into()]).unwrap(),
            SolutionSearch {
                words: vec!["rent".into(), "arrears".into()],
                tags: vec!["debt".into()],
            }
        );
        assert_eq!(
            SolutionSearch::parse(Some("rent\u{0}"), &[])
                .unwrap_err()
                .field,
            "query"
        );
        assert_eq!(
            SolutionSearch::parse(None, &["debt\u{0}".into()])
                .unwrap_err()
                .field,
            "tags"
        );
    }

    #[test]
    fn the_search_text_holds_every_text_and_tag() {
        let draft = draft(&["eviction"]).unwrap();
        assert!(draft.search_text().contains("special assistance"));
        assert!(draft.search_text().contains("eviction"));
        assert_eq!(draft.saving_cents(), 3_650_000);
    }
}
