//! Redox Data Model: synthetic examples validate; their broken variants are caught at
//! the right JSON Pointer with the right code (fixtures in tests/fixtures/json/redox).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::Path;

use payload_triage::{Context, Engine, Environment, ExchangePattern, Format, Report, TrafficType};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/json/redox")
        .join(format!("{name}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check(name: &str) -> Report {
    let ctx = Context::new().with_hint(TrafficType::RedoxApi).named(name);
    Engine::default().validate(&fixture(name), &ctx)
}

fn errors(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == payload_triage::Severity::Error)
        .map(|d| format!("{} {}", d.code.name(), d.path))
        .collect()
}

fn has(report: &Report, code: &str, path: &str) -> bool {
    report
        .diagnostics
        .iter()
        .any(|d| d.code == code && d.path == path)
}

#[test]
fn synthetic_examples_of_each_schema_validate() {
    for name in [
        "patientadmin_arrival",
        "results_new",
        "order_new",
        "scheduling_new",
        "notes_new",
        "media_new",
        "clinicalsummary_patientquery",
        "clinicalsummary_patientqueryresponse",
        "patientsearch_query",
        "provider_new",
        "flowsheet_new",
        "vaccination_new",
    ] {
        let report = check(name);
        assert_eq!(report.format, Format::RedoxDataModel, "{name}");
        assert!(
            errors(&report).is_empty(),
            "{name}: {:?}",
            report.diagnostics
        );
    }
}

#[test]
fn exchange_metadata_comes_from_meta_and_the_catalogue() {
    let report = check("patientadmin_arrival");
    let x = &report.exchange;
    assert_eq!(x.message_type.as_deref(), Some("PatientAdmin"));
    assert_eq!(x.event.as_deref(), Some("Arrival"));
    assert_eq!(x.pattern, Some(ExchangePattern::Notification));
    assert_eq!(x.message_id.as_deref(), Some("5565"));
    assert_eq!(x.claimed_environment, Some(Environment::Staging));
    assert_eq!(
        check("patientsearch_query").exchange.pattern,
        Some(ExchangePattern::Query)
    );
    assert_eq!(
        check("clinicalsummary_patientqueryresponse")
            .exchange
            .pattern,
        Some(ExchangePattern::QueryResponse)
    );
    assert_eq!(
        check("media_new").exchange.pattern,
        Some(ExchangePattern::Writeback)
    );
}

#[test]
fn declared_datetimes_are_reported_with_json_pointers() {
    let report = check("results_new");
    let paths: Vec<&str> = report.datetimes.iter().map(|d| d.path.as_str()).collect();
    for expected in [
        "/Meta/EventDateTime",
        "/Patient/Demographics/DOB",
        "/Orders/0/TransactionDateTime",
        "/Orders/0/Results/0/CompletionDateTime",
        "/Visit/VisitDateTime",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }
    // Null datetimes and undeclared strings are not datetimes.
    assert!(!paths.contains(&"/Visit/DischargeDateTime"));
    assert!(!paths.contains(&"/Patient/Demographics/SSN"));
}

#[test]
fn meta_data_model_missing_is_an_error() {
    assert!(has(
        &check("broken_missing_data_model"),
        "REDOX_META_INVALID",
        "/Meta/DataModel"
    ));
}

#[test]
fn meta_data_model_not_in_catalogue_is_an_error() {
    assert!(has(
        &check("broken_unknown_data_model"),
        "REDOX_DATA_MODEL_UNKNOWN",
        "/Meta/DataModel"
    ));
}

#[test]
fn event_type_of_another_data_model_is_an_error() {
    assert!(has(
        &check("broken_unknown_event_type"),
        "REDOX_EVENT_TYPE_UNKNOWN",
        "/Meta/EventType"
    ));
}

#[test]
fn meta_test_must_be_boolean() {
    assert!(has(
        &check("broken_test_not_boolean"),
        "REDOX_META_INVALID",
        "/Meta/Test"
    ));
}

#[test]
fn meta_source_must_be_an_object() {
    assert!(has(
        &check("broken_source_not_object"),
        "REDOX_META_INVALID",
        "/Meta/Source"
    ));
}

#[test]
fn query_names_exactly_one_destination() {
    assert!(has(
        &check("broken_query_two_destinations"),
        "REDOX_DESTINATIONS_INVALID",
        "/Meta/Destinations"
    ));
}

#[test]
fn notification_names_at_least_one_destination() {
    assert!(has(
        &check("broken_notification_no_destination"),
        "REDOX_DESTINATIONS_INVALID",
        "/Meta/Destinations"
    ));
}

#[test]
fn date_only_field_with_invented_midnight_warns() {
    let report = check("broken_dob_invented_midnight");
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "REDOX_DATE_WITH_MIDNIGHT")
        .expect("warning");
    assert_eq!(d.path, "/Patient/Demographics/DOB");
    assert_eq!(d.severity, payload_triage::Severity::Warning);
    assert!(check("patientadmin_arrival")
        .diagnostics
        .iter()
        .all(|d| d.code != "REDOX_DATE_WITH_MIDNIGHT"));
}

#[test]
fn body_schema_type_violation_has_a_pointer_and_no_value() {
    let report = check("broken_identifiers_not_array");
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "REDOX_SCHEMA_VIOLATION")
        .expect("schema error");
    assert_eq!(d.path, "/Patient/Identifiers");
    let report = check("broken_result_value_number_type");
    assert!(has(
        &report,
        "REDOX_SCHEMA_VIOLATION",
        "/Orders/0/Results/0/Value"
    ));
    for d in &report.diagnostics {
        assert!(!d.message.contains("\"x\""), "value leaked: {}", d.message);
    }
}

#[test]
fn duplicate_meta_key_is_an_error() {
    assert!(has(
        &check("broken_duplicate_key"),
        "JSON_DUPLICATE_KEY",
        "/Meta/EventType"
    ));
}

#[test]
fn impossible_event_datetime_is_an_error_at_its_path() {
    let report = check("broken_event_datetime_impossible");
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.code.name().starts_with("DATETIME_")
                && d.path == "/Meta/EventDateTime"
                && d.severity == payload_triage::Severity::Error),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn media_file_contents_are_checked_as_an_embedded_file() {
    let report = check("media_new");
    assert_eq!(report.embedded.len(), 1);
    assert_eq!(report.embedded[0].source, "/Media/FileContents");
}
