use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub municipality_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    pub recorded_at: DateTimeUtc,
    pub trace_id: String,
    pub operation_id: String,
    pub operation_name: Option<String>,
    pub processing_activity_id: String,
    pub action: String,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub role: Option<String>,
    pub case_id: Uuid,
    pub data_subject_id: Uuid,
    pub data: String,
    pub outcome: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
