//! The policies as reviewed tables. `tests/output/policy-table.txt` is the slice rendered for
//! every relation, organisation kind, item kind, authorship, sharing level, need and consent
//! state under the default kind policies; `tests/output/action-table.txt` is the action policy
//! rendered for every action, credential and standing. A change in who sees or may do what is a
//! diff of one of these files.

use std::collections::BTreeSet;
use std::path::PathBuf;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use domain::KindPolicy;
use domain::authz::Action;

fn check_table(file: &str, rendered: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("output")
        .join(file);
    if std::env::var_os("UPDATE_POLICY_TABLE").is_some() {
        std::fs::write(&path, rendered).expect("write the policy table");
    }
    let checked_in = std::fs::read_to_string(&path).expect("the table is checked in");
    assert!(
        checked_in == rendered,
        "{file} no longer matches the policy: review the difference and regenerate with UPDATE_POLICY_TABLE=1 cargo test -p maatwerk-tests --test policy_table"
    );
}

#[test]
fn checked_in_policy_table_matches_the_policy() {
    check_table(
        "policy-table.txt",
        &domain::slice::render_table(&KindPolicy::defaults()),
    );
}

#[test]
fn checked_in_action_table_matches_the_policy() {
    check_table("action-table.txt", &domain::authz::render_table());
}

/// Every root field of the schema is decided by the action policy, and the policy has no action
/// for a field the schema does not have.
#[test]
fn every_root_field_has_rows_in_the_action_table() {
    let document =
        async_graphql::parser::parse_schema(api::graphql::sdl()).expect("the SDL parses");
    let mut root_fields = BTreeSet::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let name = definition.node.name.node.as_str();
        if !matches!(name, "Query" | "Mutation" | "Subscription") {
            continue;
        }
        if let TypeKind::Object(object) = &definition.node.kind {
            for field in &object.fields {
                root_fields.insert(field.node.name.node.to_string());
            }
        }
    }
    assert!(root_fields.len() > 60, "{root_fields:?}");
    let decided: BTreeSet<String> = Action::ALL
        .iter()
        .map(|action| action.operation().to_owned())
        .collect();
    let undecided: Vec<_> = root_fields.difference(&decided).collect();
    assert!(
        undecided.is_empty(),
        "root fields without a row in the action policy: {undecided:?}"
    );
    let unknown: Vec<_> = decided.difference(&root_fields).collect();
    assert!(
        unknown.is_empty(),
        "actions for fields the schema does not have: {unknown:?}"
    );
}
