//! Checks on the shape of the code: the published schema matches the code, `domain` stays
//! free of infrastructure, and no product crate leans on the benchmark.

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

/// Every crate `package` depends on, directly or not, for normal builds.
fn dependencies_of(package: &str) -> BTreeSet<String> {
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
    let start = names
        .iter()
        .find(|(_, name)| **name == package)
        .map(|(id, _)| *id)
        .expect("the package is in the workspace");

    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
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
    let dependencies = dependencies_of("maatwerk-domain");
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

#[test]
fn persistence_never_depends_on_the_api() {
    let dependencies = dependencies_of("maatwerk-persistence");
    assert!(
        dependencies.contains("maatwerk-domain") && dependencies.contains("sea-orm"),
        "the walk sees persistence's dependencies: {dependencies:?}"
    );
    for forbidden in ["maatwerk-api", "async-graphql", "axum", "reqwest"] {
        assert!(
            !dependencies.contains(forbidden),
            "persistence depends on {forbidden}"
        );
    }
}

/// The product: the crates the `maatwerk` binary is built from.
const PRODUCT_CRATES: &[&str] = &["maatwerk-domain", "maatwerk-persistence", "maatwerk-api"];

/// The benchmark is a tool beside the product: it uses the product, never the other way round.
#[test]
fn no_product_crate_depends_on_the_bench() {
    for product in PRODUCT_CRATES {
        let dependencies = dependencies_of(product);
        assert!(
            !dependencies.contains("maatwerk-bench"),
            "{product} depends on maatwerk-bench"
        );
    }
    let bench = dependencies_of("maatwerk-bench");
    assert!(
        bench.contains("maatwerk-api") && bench.contains("maatwerk-persistence"),
        "the walk sees the bench's dependencies: {bench:?}"
    );
}

/// The tables that hold what a case is about, which only the slice may hand out.
const CASE_CONTENT_TABLES: &[(&str, &str)] = &[
    ("perspectives", "perspective"),
    ("facts", "fact"),
    ("problems", "problem"),
    ("first_steps", "first_step"),
    ("agreements", "agreement"),
    ("evaluations", "evaluation"),
    ("decisions", "decision"),
    ("rule_exceptions", "rule_exception"),
    ("consents", "consent"),
    ("case_events", "case_event"),
];

/// Whether `text` holds `pattern` not as the tail of a longer name (`import_job_problem::`
/// is not `problem::`).
fn contains_word(text: &str, pattern: &str) -> bool {
    text.match_indices(pattern).any(|(at, _)| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|before| !(before.is_alphanumeric() || before == '_'))
    })
}

/// Where under `directory` a file names a case content table, in SQL or through its
/// entity, as `file: what`.
fn case_content_references(directory: &std::path::Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(directory).expect("a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            case_content_references(&path, found);
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("a source file");
        let lower = source.to_lowercase();
        for (table, entity) in CASE_CONTENT_TABLES {
            let in_sql = ["from", "join", "into", "update", "table"]
                .iter()
                .flat_map(|keyword| {
                    [
                        format!("{keyword} {table} "),
                        format!("{keyword} {table}\n"),
                        format!("{keyword} \"{table}\""),
                    ]
                })
                .any(|pattern| contains_word(&lower, &pattern));
            let through_entity = [
                format!("{entity}::entity"),
                format!("{entity}::column"),
                format!("{entity}::activemodel"),
                format!("entity::{entity}"),
                format!("entity::{{{entity},"),
                format!(", {entity},"),
                format!(", {entity}}}"),
            ]
            .iter()
            .any(|pattern| contains_word(&lower, pattern));
            if in_sql || through_entity {
                found.push(format!(
                    "{}: {table}",
                    path.strip_prefix(workspace_root())
                        .unwrap_or(&path)
                        .display()
                ));
            }
        }
    }
}

/// Case content is read and written only in `persistence::cases`, behind the slice; the
/// tables' own declarations (entities, migrations) are the only other places in the product
/// that name them. Beside the product, the benchmark's data generator writes them; it is a
/// tool, and nothing in the product calls it.
#[test]
fn only_persistence_cases_names_case_content_tables() {
    let mut found = Vec::new();
    for crate_source in ["domain/src", "persistence/src", "api/src", "bench/src"] {
        case_content_references(&workspace_root().join(crate_source), &mut found);
    }
    assert!(
        found
            .iter()
            .any(|reference| reference.starts_with("persistence/src/cases/items.rs")),
        "the search finds the readers of case items: {found:#?}"
    );
    let allowed = [
        "persistence/src/cases/",
        "persistence/src/entity/",
        "persistence/src/migration/",
        "bench/src/generate.rs",
    ];
    let elsewhere: Vec<&String> = found
        .iter()
        .filter(|reference| !allowed.iter().any(|prefix| reference.starts_with(prefix)))
        .collect();
    assert!(
        elsewhere.is_empty(),
        "case content tables named outside persistence::cases: {elsewhere:#?}"
    );
}
