//! The slice policy as a reviewed table: `tests/output/policy-table.txt` is the policy rendered
//! for every relation, organisation kind, item kind, authorship, sharing level, need and consent
//! state under the default kind policies. A change in who sees what is a diff of that file.

use std::path::PathBuf;

use domain::KindPolicy;
use domain::slice::render_table;

#[test]
fn checked_in_policy_table_matches_the_policy() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("output")
        .join("policy-table.txt");
    let rendered = render_table(&KindPolicy::defaults());
    if std::env::var_os("UPDATE_POLICY_TABLE").is_some() {
        std::fs::write(&path, &rendered).expect("write the policy table");
    }
    let checked_in = std::fs::read_to_string(&path).expect("tests/output/policy-table.txt exists");
    assert!(
        checked_in == rendered,
        "the slice policy changed: review the difference and regenerate with UPDATE_POLICY_TABLE=1 cargo test -p maatwerk-tests --test policy_table"
    );
}
