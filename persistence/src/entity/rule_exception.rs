use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rule_exceptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub first_step_id: Uuid,
    pub rule_owner_id: Uuid,
    pub decision_kind: String,
    pub rule_kind: String,
    pub rule: String,
    pub ordinary_route: String,
    pub ordinary_cost_cents: i64,
    pub custom_solution: String,
    pub custom_cost_cents: i64,
    pub legitimacy: String,
    pub engagement: String,
    pub societal_return: String,
    pub status: String,
    pub organisation_id: Uuid,
    pub drafted_by: Uuid,
    pub drafted_at: DateTimeUtc,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTimeUtc>,
    pub co_signed_by: Option<Uuid>,
    pub co_signed_at: Option<DateTimeUtc>,
    pub endorsed_by: Option<Uuid>,
    pub endorsed_at: Option<DateTimeUtc>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTimeUtc>,
    pub rejected_by: Option<Uuid>,
    pub rejected_at: Option<DateTimeUtc>,
    pub rejection_reason: Option<String>,
    pub withheld_reason: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
