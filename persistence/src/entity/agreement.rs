use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub what: String,
    pub assignee_kind: String,
    pub assignee_professional_id: Option<Uuid>,
    pub assignee_organisation_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    pub due_on: Option<Date>,
    pub review_on: Option<Date>,
    pub status: String,
    pub status_changed_by_professional_id: Option<Uuid>,
    pub status_changed_at: DateTimeUtc,
    pub organisation_id: Uuid,
    pub professional_id: Uuid,
    pub withheld_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
