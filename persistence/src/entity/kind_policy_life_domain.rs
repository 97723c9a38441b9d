use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kind_policy_life_domains")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub life_domain: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
