//! Helpers shared by the XML and JSON integration tests: fixtures, validation under a hint, and
//! questions asked of a report. Each test binary uses a different subset.
#![allow(dead_code, clippy::unwrap_used)] // test code: a panic is a failing test

use payload_triage::{Context, Engine, Report, TrafficType};

/// A fixture from `tests/fixtures/xml/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/xml/");
    std::fs::read(format!("{path}{name}")).unwrap()
}

/// Validated as it would arrive on the Carequality channel.
pub fn carequality(bytes: &[u8]) -> Report {
    Engine::default().validate(bytes, &Context::new().with_hint(TrafficType::Carequality))
}

/// Validated as an uploaded file.
pub fn uploaded(bytes: &[u8]) -> Report {
    Engine::default().validate(bytes, &Context::new().with_hint(TrafficType::UploadedFile))
}

/// The report's codes, in order.
pub fn codes(report: &Report) -> Vec<&str> {
    report.diagnostics.iter().map(|d| d.code.name()).collect()
}

/// Whether the report has `code` at `path`.
pub fn has(report: &Report, code: &str, path: &str) -> bool {
    report
        .diagnostics
        .iter()
        .any(|d| d.code == code && d.path == path)
}
