use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "solutions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub problem_pattern: String,
    pub rule: String,
    pub custom_solution: String,
    pub ordinary_cost_cents: i64,
    pub custom_cost_cents: i64,
    pub value_summary: String,
    /// Lower case, separated by spaces, with a space before the first and after the last.
    pub tags: String,
    /// Every text and tag in lower case, for search.
    pub search_text: String,
    pub published_by_organisation_id: Uuid,
    pub published_by_professional_id: Uuid,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
