//! Checks on the shape of the code: the published schema matches the code, and `domain`
//! stays free of infrastructure.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use serde_json::Value;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// `schema.graphql` is what `maatwerk schema` prints. Regenerate with
/// `cargo run --bin maatwerk -- schema > schema.graphql` (or run this test with UPDATE_SCHEMA=1).
#[test]
fn checked_in_schema_matches_the_code() {
    let path = workspace_root().join("schema.graphql");
    let generated = api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema.graphql");
    }
    let checked_in =
        std::fs::read_to_string(&path).expect("schema.graphql exists at the workspace root");
    assert!(
        checked_in == generated,
        "schema.graphql is out of date: run `cargo run --bin maatwerk -- schema > schema.graphql`"
    );
}

/// Every crate `maatwerk-domain` depends on, directly or not, for normal builds.
fn domain_dependencies() -> BTreeSet<String> {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(workspace_root())
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            (
                package["id"].as_str().unwrap(),
                package["name"].as_str().unwrap(),
            )
        })
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| (node["id"].as_str().unwrap(), node))
        .collect();
    let domain = names
        .iter()
        .find(|(_, name)| **name == "maatwerk-domain")
        .map(|(id, _)| *id)
        .expect("the domain package");

    let mut seen = BTreeSet::new();
    let mut stack = vec![domain];
    while let Some(id) = stack.pop() {
        for dependency in nodes[id]["deps"].as_array().unwrap() {
            // Normal (and build) dependencies only: dev-dependencies do not ship.
            let normal = dependency["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kind["kind"].as_str() != Some("dev"));
            let dependency_id = dependency["pkg"].as_str().unwrap();
            if normal && seen.insert(names[dependency_id].to_owned()) {
                stack.push(dependency_id);
            }
        }
    }
    seen
}

#[test]
fn domain_knows_no_database_graphql_http_or_runtime() {
    let dependencies = domain_dependencies();
    assert!(
        dependencies.contains("uuid"),
        "the walk sees domain's dependencies: {dependencies:?}"
    );
    for forbidden in [
        "sea-orm",
        "sea-query",
        "sqlx",
        "async-graphql",
        "axum",
        "hyper",
        "tokio",
        "reqwest",
        "jsonwebtoken",
    ] {
        assert!(
            !dependencies.contains(forbidden),
            "domain depends on {forbidden}"
        );
    }
}
