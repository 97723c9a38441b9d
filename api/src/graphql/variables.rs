//! Variable values checked against the input objects they are declared as, before execution.
//!
//! async-graphql's validation checks the fields of an object given for an input object, but
//! accepts a string, a number or a list of them in its place, at the top or nested inside
//! another input object. Such a value then fails only while the operation runs, at the field
//! that reads it, after earlier fields of a mutation may already have written. Checked here, it
//! is refused before anything runs, like every other validation error.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{ServerError, Value, Variables};

/// The input objects of a schema, each with its fields' types.
#[derive(Debug, Default)]
pub struct InputObjects {
    fields: HashMap<String, Vec<(String, Type)>>,
}

impl InputObjects {
    /// Reads the input objects from the schema's SDL.
    pub fn of(sdl: &str) -> Self {
        let mut fields = HashMap::new();
        // The SDL is the schema's own, so it parses; an empty map would only check less.
        if let Ok(document) = async_graphql::parser::parse_schema(sdl) {
            for definition in document.definitions {
                if let TypeSystemDefinition::Type(definition) = definition
                    && let TypeKind::InputObject(input) = &definition.node.kind
                {
                    let types = input
                        .fields
                        .iter()
                        .map(|field| (field.node.name.node.to_string(), field.node.ty.node.clone()))
                        .collect();
                    fields.insert(definition.node.name.node.to_string(), types);
                }
            }
        }
        Self { fields }
    }

    /// Refuses a variable whose value is not an object where its type, or a field of it, is an
    /// input object. Everything else about variables async-graphql checks itself.
    pub fn check(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<(), ServerError> {
        let operation = match (&document.operations, operation_name) {
            (DocumentOperations::Single(operation), _) => operation,
            (DocumentOperations::Multiple(operations), Some(name)) => match operations.get(name) {
                Some(operation) => operation,
                None => return Ok(()),
            },
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.values().next().expect("one operation")
            }
            // async-graphql refuses a document whose operation it cannot choose.
            _ => return Ok(()),
        };
        for definition in &operation.node.variable_definitions {
            let name = definition.node.name.node.as_str();
            let Some(value) = variables.get(name) else {
                continue;
            };
            if let Some(problem) = self.mismatch(&definition.node.var_type.node, value) {
                return Err(ServerError::new(
                    format!("Invalid value for variable \"${name}\": {problem}"),
                    Some(definition.pos),
                ));
            }
        }
        Ok(())
    }

    /// What is wrong with `value` for `ty` as far as input objects go, if anything.
    fn mismatch(&self, ty: &Type, value: &Value) -> Option<String> {
        // Whether null is allowed is async-graphql's check.
        if matches!(value, Value::Null) {
            return None;
        }
        match &ty.base {
            BaseType::List(item) => match value {
                Value::List(values) => values.iter().find_map(|value| self.mismatch(item, value)),
                // A single value stands for a list of one.
                single => self.mismatch(item, single),
            },
            BaseType::Named(name) => {
                let fields = self.fields.get(name.as_str())?;
                let Value::Object(object) = value else {
                    return Some(format!("expected an object of type \"{name}\""));
                };
                fields.iter().find_map(|(field, ty)| {
                    let problem = self.mismatch(ty, object.get(field.as_str())?)?;
                    Some(format!("field \"{field}\": {problem}"))
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
        input Outer { inner: Inner, many: [Inner!], name: String }
        input Inner { text: String! }
        type Query { a(outer: Outer): Int }
    "#;

    fn check(query: &str, variables: serde_json::Value) -> Result<(), ServerError> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let variables = Variables::from_json(variables);
        InputObjects::of(SDL).check(&document, None, &variables)
    }

    #[test]
    fn only_objects_stand_for_input_objects() {
        let query = "query($outer: Outer) { a(outer: $outer) }";
        assert!(
            check(
                query,
                serde_json::json!({ "outer": { "inner": { "text": "x" } } })
            )
            .is_ok()
        );
        assert!(check(query, serde_json::json!({ "outer": null })).is_ok());
        assert!(check(query, serde_json::json!({ "outer": { "name": 5 } })).is_ok());
        for bad in [
            serde_json::json!({ "outer": "a string" }),
            serde_json::json!({ "outer": 5 }),
            serde_json::json!({ "outer": [1] }),
            serde_json::json!({ "outer": { "inner": "a string" } }),
            serde_json::json!({ "outer": { "many": [{ "text": "x" }, 5] } }),
            serde_json::json!({ "outer": { "many": 5 } }),
        ] {
            assert!(check(query, bad.clone()).is_err(), "{bad}");
        }
    }
}
