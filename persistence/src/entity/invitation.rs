use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub organisation_id: Uuid,
    pub professional_id: Option<Uuid>,
    pub reason: String,
    pub escalation: bool,
    pub team_role: String,
    pub status: String,
    pub invited_by_professional_id: Uuid,
    pub invited_by_organisation_id: Uuid,
    pub invited_at: DateTimeUtc,
    pub decided_by_professional_id: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
