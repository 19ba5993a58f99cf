//! Every message of the public HL7 v2 sample corpus (`../shared/corpus/hl7v2`, not part of
//! this repository) gets a report; none panics. Skipped with a message where the folder
//! is absent. `HL7V2_CORPUS=/path/to/corpus` points the test elsewhere.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::Path;

use payload_triage::{Context, Engine, TrafficType};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/hl7v2");

#[test]
#[ignore = "needs ../shared/corpus/hl7v2 beside the repository (or HL7V2_CORPUS); .ci/run runs it"]
fn every_corpus_message_gets_a_report_with_its_metadata() {
    let dir = std::env::var("HL7V2_CORPUS").unwrap_or_else(|_| CORPUS.to_owned());
    let Ok(entries) = std::fs::read_dir(Path::new(&dir)) else {
        panic!("HL7 v2 corpus not found at {dir}");
    };
    let engine = Engine::default();
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "hl7"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus folder holds no .hl7 files");
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let ctx = Context::new()
            .with_hint(TrafficType::Hl7v2Mllp)
            .named(path.display().to_string());
        let reports = engine.validate_messages(&bytes, &ctx);
        // One MSH per file (PROVENANCE.md of the corpus): one report each.
        assert_eq!(reports.len(), 1, "{}", path.display());
        let r = &reports[0];
        assert!(
            r.exchange.version.is_some(),
            "{}: no version",
            path.display()
        );
        assert!(r.exchange.message_type.is_some(), "{}", path.display());
        assert!(
            !r.diagnostics.iter().any(|d| d.code == "HL7_MSH_MISSING"),
            "{}: MSH not found",
            path.display()
        );
        assert!(
            r.datetimes.iter().any(|d| d.path == "MSH-7"),
            "{}: MSH-7 not recorded",
            path.display()
        );
        assert!(r.to_json_line().starts_with('{'));
    }
}
