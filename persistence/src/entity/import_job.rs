use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub started_by: String,
    pub acting_as: String,
    pub kind: String,
    pub format: String,
    pub dry_run: bool,
    pub trace_id: String,
    pub processing_activity_id: String,
    pub status: String,
    pub rows_total: i64,
    pub processed: i64,
    pub imported: i64,
    pub already_imported: i64,
    pub repeated: i64,
    pub refused: i64,
    pub stopped_reason: Option<String>,
    pub content: Option<String>,
    pub runner: Uuid,
    pub started_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
