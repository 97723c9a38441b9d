//! What integrations pull (DOMAIN.md §7): an organisation's back office follows the
//! agreements of its caseload with a service token that has the `caseload:export` scope.

use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType, EmptyFields};
use async_graphql::{Context, Object, OutputType};
use chrono::{DateTime, Utc};
use persistence::cases::ChangeCursor;

use super::case_items::Agreement;
use super::context::request;
use super::cursor;
use super::paging::page_size;
use super::reads::reads;
use crate::error::ApiResult;

#[derive(Default)]
pub struct IntegrationQuery;

/// Named apart from the case's `AgreementConnection`, which counts its items.
pub struct AgreementChangeConnection;

impl ConnectionNameType for AgreementChangeConnection {
    fn type_name<T: OutputType>() -> String {
        "AgreementChangeConnection".to_owned()
    }
}

pub struct AgreementChangeEdge;

impl EdgeNameType for AgreementChangeEdge {
    fn type_name<T: OutputType>() -> String {
        "AgreementChangeEdge".to_owned()
    }
}

type Changes = Connection<
    String,
    Agreement,
    EmptyFields,
    EmptyFields,
    AgreementChangeConnection,
    AgreementChangeEdge,
>;

#[Object]
impl IntegrationQuery {
    /// Agreements of the organisation's caseload, oldest change first: each one once when it
    /// is made and again whenever its status changes. Keep `endCursor` and pass it as `after`
    /// on the next pull. A change appears once it is `limits.change_settle_seconds` old, so
    /// that no change committed late is ever skipped. For service tokens with the
    /// `caseload:export` scope.
    async fn agreement_changes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Changes> {
        let request = request(ctx)?;
        let first = page_size(first, request.page_size)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let settled_before =
            Utc::now() - chrono::Duration::milliseconds(request.change_settle.as_millis() as i64);
        let reads = reads(ctx).await?;
        let page = reads
            .snapshot
            .agreement_changes(&reads.viewer, after, first, settled_before)
            .await?;
        let mut connection = Changes::new(after.is_some(), page.has_next_page);
        connection
            .edges
            .extend(page.items.into_iter().map(|agreement| {
                Edge::new(
                    encode_cursor(&ChangeCursor::of(&agreement)),
                    Agreement(agreement),
                )
            }));
        Ok(connection)
    }
}

fn encode_cursor(position: &ChangeCursor) -> String {
    cursor::encode(&(position.at, position.id))
}

fn decode_cursor(text: &str) -> ApiResult<ChangeCursor> {
    let (at, id) = cursor::decode::<(DateTime<Utc>, uuid::Uuid)>(text)?;
    Ok(ChangeCursor { at, id })
}
