//! Hostile and malformed JSON: every byte sequence gives a report with a precise
//! diagnostic, never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

mod common;

use common::has;
use payload_triage::{Context, Engine, Format, Report, TrafficType};

fn check(bytes: &[u8]) -> Report {
    Engine::default().validate(bytes, &Context::new().with_hint(TrafficType::RedoxApi))
}

fn codes(report: &Report) -> Vec<&str> {
    report.diagnostics.iter().map(|d| d.code.name()).collect()
}

#[test]
fn nesting_beyond_the_bound_is_a_diagnostic_not_a_stack_overflow() {
    let mut doc = String::from(r#"{"resourceType": "Basic", "extension": "#);
    doc.push_str(&"[".repeat(1_000_000));
    let report = check(doc.as_bytes());
    assert!(
        codes(&report).contains(&"JSON_DEPTH_EXCEEDED"),
        "{:?}",
        report.diagnostics
    );
    assert!(!report.is_valid());
}

#[test]
fn invalid_utf8_is_reported_with_its_offset() {
    let report = check(b"{\"resourceType\": \"Patient\", \"id\": \"\xff\"}");
    let d = &report.diagnostics[0];
    assert_eq!(d.code.name(), "JSON_INVALID_UTF8");
    assert!(d.message.contains("byte 35"), "{}", d.message);
}

#[test]
fn top_level_array_or_scalar_is_not_a_message() {
    for doc in [
        &b"[{\"resourceType\": \"Patient\"}]"[..],
        b"42",
        b"\"Meta\"",
        b"null",
    ] {
        assert!(
            codes(&check(doc)).contains(&"JSON_NOT_AN_OBJECT"),
            "{doc:?}"
        );
    }
}

#[test]
fn duplicate_keys_in_fhir_are_errors_at_their_pointer() {
    let report = check(br#"{"resourceType": "Patient", "gender": "male", "gender": "female"}"#);
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.code == "JSON_DUPLICATE_KEY" && d.path == "/gender"));
}

#[test]
fn numbers_beyond_f64_do_not_break_fhir_validation() {
    let report = check(
        br#"{"resourceType": "Observation", "status": "final", "code": {"text": "t"}, "valueQuantity": {"value": 1e400}}"#,
    );
    assert!(report.is_valid(), "{:?}", report.diagnostics);
}

#[test]
fn numbers_beyond_f64_in_redox_warn_and_are_seen_as_null() {
    let report = check(
        br#"{"Meta": {"DataModel": "Scheduling", "EventType": "New", "Destinations": [{"ID": "d"}]}, "Visit": {"Duration": 1e400}}"#,
    );
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.code == "JSON_NUMBER_OUT_OF_RANGE" && d.path == "/Visit/Duration"));
}

/// A Redox Scheduling New message whose `Visit` object is `visit`.
fn scheduling_with_visit(visit: &str) -> Report {
    check(
        format!(
            r#"{{"Meta": {{"DataModel": "Scheduling", "EventType": "New", "Destinations": [{{"ID": "d"}}]}}, "Visit": {visit}}}"#
        )
        .as_bytes(),
    )
}

#[test]
fn a_long_integer_beyond_f64_warns_too() {
    // 310 digits, no exponent: the short-literal shortcut must not pass it by.
    let digits = "9".repeat(310);
    let report = scheduling_with_visit(&format!(r#"{{"Duration": {digits}}}"#));
    assert!(has(&report, "JSON_NUMBER_OUT_OF_RANGE", "/Visit/Duration"));
    // 16 digits is still a finite float: no warning.
    let report = scheduling_with_visit(r#"{"Duration": 1234567890123456}"#);
    assert!(!has(&report, "JSON_NUMBER_OUT_OF_RANGE", "/Visit/Duration"));
}

#[test]
fn a_member_name_written_with_escapes_is_checked_as_its_name() {
    // `\u0056isitNumber` is `VisitNumber` (string or null in the Redox schemas): the
    // schema's type rule applies to it as to the plain spelling, at the same path.
    for key in ["VisitNumber", "\\u0056isitNumber", "Visit\\u004eumber"] {
        let report = scheduling_with_visit(&format!(r#"{{"{key}": {{}}}}"#));
        assert!(
            has(&report, "REDOX_SCHEMA_VIOLATION", "/Visit/VisitNumber"),
            "{key}: {:?}",
            report.diagnostics
        );
    }
}

#[test]
fn syntax_errors_name_line_and_column() {
    let report = check(b"{\n  \"resourceType\": \"Patient\",\n  \"id\": x\n}");
    let d = &report.diagnostics[0];
    assert_eq!(d.code.name(), "JSON_SYNTAX_ERROR");
    assert!(d.message.contains("line 3 column 9"), "{}", d.message);
}

#[test]
fn ndjson_gives_one_report_per_line() {
    let doc =
        b"{\"resourceType\": \"Patient\"}\n{\"resourceType\": \"Patient\", \"gender\": \"x\"}\n";
    let reports = Engine::default().validate_messages(
        doc,
        &Context::new()
            .with_hint(TrafficType::RedoxApi)
            .named("batch.ndjson"),
    );
    assert_eq!(reports.len(), 2);
    assert!(reports[0].is_valid());
    assert!(!reports[1].is_valid());
    assert_eq!(reports[1].source, "batch.ndjson#2");
    assert_eq!(reports[1].format, Format::FhirR4);
}

#[test]
fn plain_json_object_on_a_redox_channel_is_neither_redox_nor_fhir() {
    let report = check(br#"{"hello": "world"}"#);
    assert_eq!(report.format, Format::Json);
    assert!(codes(&report).contains(&"REDOX_META_MISSING"));
}
