//! Parsed documents of the query texts the server has seen. Partner frontends and integration
//! scripts send the same few operations over and over; parsing one costs more than the
//! authorization around it, and the parsed document is a pure function of its text, so it is
//! parsed once and copied for every later request. Texts that do not parse are not kept.

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Request, ServerError};

/// At most this many bytes of query text are kept, with their documents.
const CAPACITY_BYTES: u64 = 4 * 1024 * 1024;

pub struct ParsedDocuments {
    documents: moka::sync::Cache<String, Arc<ExecutableDocument>>,
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self {
            documents: moka::sync::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|text: &String, _| u32::try_from(text.len()).unwrap_or(u32::MAX))
                .build(),
        }
    }
}

impl ParsedDocuments {
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
