//! Parsed documents of the query texts the server has seen. Partner frontends and integration
//! scripts send the same few operations over and over; parsing one costs more than the
//! authorization around it, and the parsed document is a pure function of its text, so it is
//! parsed once and copied for every later request. Texts that do not parse are not kept.
//!
//! The texts are also known by their SHA-256, for automatic persisted queries (Apollo's
//! protocol, `extensions.persistedQuery`): a client sends the hash alone; when the server does
//! not know it, the answer is `PERSISTED_QUERY_NOT_FOUND` and the client sends hash and text
//! together once. A query by hash fits in a `GET` URL, which a browser can revalidate.

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{ErrorExtensionValues, Request, ServerError};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// At most this many bytes of query text are kept, with their documents, and as many again
/// by hash.
const CAPACITY_BYTES: u64 = 4 * 1024 * 1024;

pub struct ParsedDocuments {
    documents: moka::sync::Cache<String, Arc<ExecutableDocument>>,
    /// Query texts by the lowercase hex of their SHA-256.
    persisted: moka::sync::Cache<String, Arc<str>>,
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self {
            documents: moka::sync::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|text: &String, _| u32::try_from(text.len()).unwrap_or(u32::MAX))
                .build(),
            persisted: moka::sync::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|_, text: &Arc<str>| u32::try_from(text.len()).unwrap_or(u32::MAX))
                .build(),
        }
    }
}

/// A request error before execution, carrying `extensions.code` (and `field`) as every
/// `ApiError` does.
fn refused(error: ApiError) -> ServerError {
    let error = async_graphql::Error::from(error);
    ServerError {
        message: error.message,
        source: error.source,
        locations: Vec::new(),
        path: Vec::new(),
        extensions: error.extensions,
    }
}

/// Apollo's clients look for this message, and send the text on seeing it.
fn persisted_query_not_found() -> ServerError {
    let mut error = ServerError::new("PersistedQueryNotFound", None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", "PERSISTED_QUERY_NOT_FOUND");
    error.extensions = Some(extensions);
    error
}

impl ParsedDocuments {
    /// Gives a request that names a persisted query by hash its text, and remembers the text of
    /// one that sends both. A request without `extensions.persistedQuery` is left as it is.
    pub fn resolve_persisted(&self, request: &mut Request) -> Result<(), ServerError> {
        let Some(persisted) = request.extensions.remove("persistedQuery") else {
            return Ok(());
        };
        let persisted = serde_json::to_value(&persisted).unwrap_or_default();
        if persisted.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
            return Err(refused(ApiError::bad_input(
                "extensions.persistedQuery.version",
                "only version 1 is supported",
            )));
        }
        let Some(hash) = persisted
            .get("sha256Hash")
            .and_then(serde_json::Value::as_str)
            .filter(|hash| hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_ascii_lowercase)
        else {
            return Err(refused(ApiError::bad_input(
                "extensions.persistedQuery.sha256Hash",
                "the SHA-256 of the query, in 64 hex digits",
            )));
        };
        if request.query.is_empty() {
            let text = self
                .persisted
                .get(&hash)
                .ok_or_else(persisted_query_not_found)?;
            request.query = text.to_string();
            return Ok(());
        }
        let actual: String = Sha256::digest(request.query.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        if actual != hash {
            return Err(refused(ApiError::bad_input(
                "extensions.persistedQuery.sha256Hash",
                "it is not the SHA-256 of the query sent with it",
            )));
        }
        // A text that does not parse is kept too, and refused by `parse` each time it is named.
        self.persisted
            .insert(hash, Arc::from(request.query.as_str()));
        Ok(())
    }

    /// The request's document, parsed now or copied from the same text's earlier parse; the
    /// request keeps it, so execution does not parse again.
    pub fn parse<'r>(
        &self,
        request: &'r mut Request,
    ) -> Result<&'r ExecutableDocument, ServerError> {
        if let Some(document) = self.documents.get(request.query.as_str()) {
            request.set_parsed_query(ExecutableDocument::clone(&document));
        } else {
            let document = request.parsed_query()?.clone();
            self.documents
                .insert(request.query.clone(), Arc::new(document));
        }
        request.parsed_query()
    }
}

/// The type of the operation a request names in `document`, chosen as async-graphql chooses
/// it: the operation named, or the document's only one.
pub fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), None) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
    Some(operation.node.ty)
}

/// The name metrics give an operation's type.
pub fn type_label(operation: Option<OperationType>) -> &'static str {
    match operation {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "query Caseload($first: Int) { cases(first: $first) { totalCount } }";

    #[test]
    fn a_repeated_text_gets_the_document_its_first_parse_made() {
        let documents = ParsedDocuments::default();
        let mut first = Request::new(QUERY);
        let parsed = format!("{:?}", documents.parse(&mut first).expect("it parses"));
        let mut again = Request::new(QUERY);
        let copied = format!("{:?}", documents.parse(&mut again).expect("it is kept"));
        assert_eq!(parsed, copied);
        documents.documents.run_pending_tasks();
        assert_eq!(documents.documents.entry_count(), 1);
    }

    #[test]
    fn a_text_that_does_not_parse_is_refused_each_time_and_not_kept() {
        let documents = ParsedDocuments::default();
        for _ in 0..2 {
            assert!(documents.parse(&mut Request::new("query {")).is_err());
        }
        documents.documents.run_pending_tasks();
        assert_eq!(documents.documents.entry_count(), 0);
    }
}
