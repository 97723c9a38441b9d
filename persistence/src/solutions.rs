//! Shared solutions as every professional finds them (DOMAIN.md §3): public within the
//! platform, and without any link to a case or resident.

use chrono::{DateTime, Utc};
use domain::solution::{Solution, SolutionDraft};
use domain::{MunicipalityId, OrganisationId, ProfessionalId, SolutionId};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::solution;
use crate::{Page, Result, Store};

/// Position in the solution list: newest first, then by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolutionCursor {
    pub published_at: DateTime<Utc>,
    pub id: SolutionId,
}

fn to_solution(row: solution::Model) -> Solution {
    Solution {
        id: SolutionId(row.id),
        content: SolutionDraft {
            municipality_id: MunicipalityId(row.municipality_id),
            problem_pattern: row.problem_pattern,
            rule: row.rule,
            custom_solution: row.custom_solution,
            ordinary_cost_cents: row.ordinary_cost_cents,
            custom_cost_cents: row.custom_cost_cents,
            value_summary: row.value_summary,
            tags: row.tags.split_whitespace().map(str::to_owned).collect(),
        },
        published_by_organisation_id: OrganisationId(row.published_by_organisation_id),
        published_by_professional_id: ProfessionalId(row.published_by_professional_id),
        published_at: row.published_at,
    }
}

/// `text` as a `LIKE` pattern that matches it literally anywhere.
fn containing(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

impl Store {
    /// Solutions whose texts contain every word of `words` and that carry every tag of `tags`,
    /// newest first.
    pub async fn search_solutions(
        &self,
        words: &[String],
        tags: &[String],
        after: Option<SolutionCursor>,
        first: u64,
    ) -> Result<Page<Solution>> {
        let mut condition = Condition::all();
        for word in words {
            condition = condition.add(
                Expr::col(solution::Column::SearchText).like(containing(&word.to_lowercase())),
            );
        }
        for tag in tags {
            // Tags are stored with a space on either side, so a whole tag matches.
            condition = condition.add(
                Expr::col(solution::Column::Tags)
                    .like(containing(&format!(" {} ", tag.trim().to_lowercase()))),
            );
        }
        if let Some(after) = after {
            condition = condition.add(
                Condition::any()
                    .add(solution::Column::PublishedAt.lt(after.published_at))
                    .add(
                        Condition::all()
                            .add(solution::Column::PublishedAt.eq(after.published_at))
                            .add(solution::Column::Id.lt(after.id.0)),
                    ),
            );
        }
        let mut rows = solution::Entity::find()
            .filter(condition)
            .order_by_desc(solution::Column::PublishedAt)
            .order_by_desc(solution::Column::Id)
            .limit(first + 1)
            .all(self.connection())
            .await?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Ok(Page {
            items: rows.into_iter().map(to_solution).collect(),
            has_next_page,
        })
    }

    pub async fn solution(&self, id: SolutionId) -> Result<Option<Solution>> {
        Ok(solution::Entity::find_by_id(id.0)
            .one(self.connection())
            .await?
            .map(to_solution))
    }
}
