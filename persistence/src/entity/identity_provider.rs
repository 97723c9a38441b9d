use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_providers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub name: String,
    pub issuer: String,
    pub audience: String,
    /// Space-separated algorithm names, such as `ES256 EdDSA`.
    pub algorithms: String,
    /// A JSON Web Key Set, when the keys are registered inline.
    pub jwks: Option<String>,
    /// Where to fetch the key set, when the provider publishes it.
    pub jwks_url: Option<String>,
    pub development: bool,
    /// PKCS#8 PEM private key; only development providers have one, so `maatwerk token`
    /// can sign demo tokens.
    pub development_signing_key: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
