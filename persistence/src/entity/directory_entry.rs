use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub professional_id: Uuid,
    /// Lower case, separated by spaces.
    pub expertise: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub availability: Option<String>,
    /// Municipality ids separated by spaces; empty for all the organisation serves.
    pub municipalities: String,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
