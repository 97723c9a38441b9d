use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_id: Uuid,
    pub category: String,
    pub organisation_id: Option<Uuid>,
    pub rule: Option<String>,
    pub description: String,
    pub raised_by_organisation_id: Uuid,
    pub raised_by_professional_id: Uuid,
    pub raised_at: DateTimeUtc,
    pub status: String,
    pub answer: Option<String>,
    pub answered_by_professional_id: Option<Uuid>,
    pub answered_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
