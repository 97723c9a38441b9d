//! An invitation names the team role the invitee joins in: the team decides it when it
//! invites, not the invitee when they accept. Invitations made before join as `member`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_invitation_team_role"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_ddl(
            manager,
            "ALTER TABLE invitations ADD COLUMN team_role text NOT NULL DEFAULT 'member'",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE invitations DROP COLUMN team_role")
            .await?;
        Ok(())
    }
}
