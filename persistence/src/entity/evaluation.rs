use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub achieved: String,
    pub perspective_reached: bool,
    pub what_worked: Option<String>,
    pub still_needed: Option<String>,
    pub next_evaluation_on: Option<Date>,
    pub organisation_id: Uuid,
    pub professional_id: Uuid,
    pub withheld_reason: Option<String>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
