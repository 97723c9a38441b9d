//! Limits on what a document asks for, as a schema extension so that they hold for every
//! transport, checked right after parsing and before validation. A query with many aliases of
//! one costly field multiplies the work without deepening the query; a fragment spread asks
//! for everything its fragment asks for, each time it is spread, so fragments that spread each
//! other twice over ask for exponentially many fields in a few hundred bytes. Both are counted
//! as the document would be executed, with each fragment's count worked out once, so even such
//! a document is refused in microseconds.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Name, ServerError, ServerResult, Value, Variables};

/// Refuses documents whose operations, with every fragment spread expanded, have more than
/// `aliases` aliases or more than `fields` fields.
pub struct DocumentLimits {
    pub aliases: usize,
    pub fields: usize,
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentLimits {
            aliases: self.aliases,
            fields: self.fields,
        })
    }
}

#[async_trait::async_trait]
impl Extension for DocumentLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let size = expanded_size(&document);
        if size.aliases > self.aliases {
            return Err(refusal(format!(
                "the query uses more than {} aliases",
                self.aliases
            )));
        }
        if size.fields > self.fields {
            return Err(refusal(format!(
                "the query asks for more than {} fields",
                self.fields
            )));
        }
        Ok(document)
    }
}

fn refusal(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", Value::from("GRAPHQL_VALIDATION_FAILED"));
    error.extensions = Some(extensions);
    error
}

/// How much a selection asks for once its fragment spreads are expanded; saturating, so an
/// enormous document stays a large number rather than overflowing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Size {
    fields: usize,
    aliases: usize,
}

impl Size {
    fn add(self, other: Size) -> Size {
        Size {
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
        }
    }

    /// A fragment that spreads itself, directly or not, is invalid; it counts as unbounded so
    /// the document is refused here instead of looping.
    const UNBOUNDED: Size = Size {
        fields: usize::MAX,
        aliases: usize::MAX,
    };
}

/// The size of the largest operation, with every fragment's size computed once.
fn expanded_size(document: &ExecutableDocument) -> Size {
    let mut sizes: HashMap<Name, Option<Size>> = HashMap::new();
    document
        .operations
        .iter()
        .map(|(_, operation)| set_size(document, &operation.node.selection_set.node, &mut sizes))
        .fold(Size::default(), |largest, size| Size {
            fields: largest.fields.max(size.fields),
            aliases: largest.aliases.max(size.aliases),
        })
}

/// `sizes` holds each fragment's size once known, and `None` while it is being worked out.
fn set_size(
    document: &ExecutableDocument,
    set: &SelectionSet,
    sizes: &mut HashMap<Name, Option<Size>>,
) -> Size {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => Size {
                fields: 1,
                aliases: usize::from(field.node.alias.is_some()),
            }
            .add(set_size(document, &field.node.selection_set.node, sizes)),
            Selection::InlineFragment(fragment) => {
                set_size(document, &fragment.node.selection_set.node, sizes)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                match sizes.get(name) {
                    Some(Some(size)) => *size,
                    Some(None) => Size::UNBOUNDED,
                    None => {
                        let Some(fragment) = document.fragments.get(name) else {
                            // Unknown fragments are for validation to name.
                            return Size::default();
                        };
                        sizes.insert(name.clone(), None);
                        let size = set_size(document, &fragment.node.selection_set.node, sizes);
                        sizes.insert(name.clone(), Some(size));
                        size
                    }
                }
            }
        })
        .fold(Size::default(), Size::add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(query: &str) -> Size {
        expanded_size(&async_graphql::parser::parse_query(query).expect("parses"))
    }

    #[test]
    fn a_spread_counts_its_fragment_each_time() {
        assert_eq!(
            size("{ me { kind } a: me { kind } }"),
            Size {
                fields: 4,
                aliases: 1
            }
        );
        let spread_twice = "query { ...F ...F } fragment F on Query { x: me { kind } }";
        assert_eq!(
            size(spread_twice),
            Size {
                fields: 4,
                aliases: 2
            }
        );
    }

    #[test]
    fn fragments_that_spread_each_other_twice_grow_exponentially_and_are_counted_at_once() {
        let mut query = String::from("query { ...F0 }\n");
        for level in 0..40 {
            query.push_str(&format!(
                "fragment F{level} on Query {{ ...F{} ...F{} }}\n",
                level + 1,
                level + 1
            ));
        }
        query.push_str("fragment F40 on Query { me { kind } }\n");
        // 2^40 spreads of two fields: far beyond any limit, and worked out in 41 steps.
        assert!(size(&query).fields > 1_000_000_000);
    }

    #[test]
    fn a_fragment_cycle_is_unbounded() {
        let cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert_eq!(size(cycle), Size::UNBOUNDED);
    }
}
