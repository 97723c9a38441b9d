use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "decisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub status: String,
    pub description: String,
    pub amount_cents: Option<i64>,
    pub category: Option<String>,
    pub budget_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub professional_id: Uuid,
    pub decided_at: DateTimeUtc,
    pub mandate_id: Option<Uuid>,
    pub beyond: Option<String>,
    pub resolved_by_professional_id: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
    pub decline_reason: Option<String>,
    pub withheld_reason: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
