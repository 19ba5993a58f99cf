//! docs/codes.md is generated from the code registry; this test fails when it drifts.
//! Regenerate with `UPDATE_DOCS=1 cargo test --test codes_doc`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::Path;

fn render() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\nGenerated from `payload_triage::codes` (`triage codes` prints the table, \
         `triage codes CODE` one page). The prefix names the module that owns the rule.\n\n| code | default severity | meaning |\n| --- | --- | --- |\n",
    );
    for code in payload_triage::codes::all() {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.name(),
            code.default_severity().as_str(),
            code.meaning().replace('|', "\\|")
        ));
    }
    out.push_str("\n## One page per code\n\nWhat `triage codes CODE` prints.\n");
    for code in payload_triage::codes::all() {
        out.push_str(&format!(
            "\n<a id=\"{}\"></a>\n\n### {}\n\n```text\n{}```\n",
            payload_triage::codes::anchor(code),
            code.name(),
            payload_triage::codes::page(code)
        ));
    }
    out
}

#[test]
fn the_codes_document_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/codes.md");
    let expected = render();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/codes.md is stale: run UPDATE_DOCS=1 cargo test --test codes_doc"
    );
}
