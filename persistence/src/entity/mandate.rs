use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mandates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub role: String,
    pub kind: String,
    pub max_amount_cents: Option<i64>,
    pub period: Option<String>,
    pub max_count: Option<i64>,
    pub max_total_cents: Option<i64>,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
