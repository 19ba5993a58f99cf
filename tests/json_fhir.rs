//! FHIR R4: synthetic resources validate; mutations are caught with precise JSON
//! Pointers; Bundles are validated entry by entry; message Bundles give the exchange.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::Path;

use payload_triage::{Context, Engine, ExchangePattern, Format, Report, Severity, TrafficType};
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/json/fhir")
        .join(format!("{name}.json"));
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&text).expect("fixture is JSON")
}

fn check_bytes(bytes: &[u8]) -> Report {
    Engine::default().validate(bytes, &Context::new().with_hint(TrafficType::RedoxApi))
}

fn check(value: &Value) -> Report {
    check_bytes(&serde_json::to_vec(value).expect("serialize"))
}

fn errors(report: &Report) -> Vec<(String, String)> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code.to_string(), d.path.clone()))
        .collect()
}

fn caught(report: &Report, code: &str, path: &str) -> bool {
    report
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.code.name().starts_with(code) && d.path == path)
}

#[test]
fn synthetic_resources_validate() {
    for name in ["patient", "observation", "bundle_message"] {
        let report = check(&fixture(name));
        assert_eq!(report.format, Format::FhirR4);
        assert!(
            errors(&report).is_empty(),
            "{name}: {:?}",
            report.diagnostics
        );
    }
}

#[test]
fn wrong_json_type_is_caught_at_its_element() {
    let mut p = fixture("patient");
    p["active"] = json!("yes");
    assert!(caught(&check(&p), "FHIR_TYPE_MISMATCH", "/active"));
}

#[test]
fn unknown_element_is_caught_at_its_member() {
    let mut p = fixture("patient");
    p["name"][0]["nickname"] = json!("T");
    assert!(caught(
        &check(&p),
        "FHIR_UNKNOWN_ELEMENT",
        "/name/0/nickname"
    ));
}

#[test]
fn code_outside_required_value_set_is_caught() {
    let mut p = fixture("patient");
    p["contact"][0]["gender"] = json!("femme");
    assert!(caught(&check(&p), "FHIR_CODE_INVALID", "/contact/0/gender"));
}

#[test]
fn repeating_element_given_as_single_value_is_a_cardinality_error() {
    let mut p = fixture("patient");
    p["name"] = json!({"family": "Fixture"});
    assert!(caught(&check(&p), "FHIR_CARDINALITY", "/name"));
}

#[test]
fn missing_required_element_is_a_cardinality_error() {
    let mut o = fixture("observation");
    o.as_object_mut().expect("object").remove("status");
    assert!(caught(&check(&o), "FHIR_CARDINALITY", "/status"));
}

#[test]
fn choice_element_with_two_types_is_a_conflict() {
    let mut p = fixture("patient");
    p["deceasedDateTime"] = json!("2020-01-01");
    assert!(caught(
        &check(&p),
        "FHIR_CHOICE_CONFLICT",
        "/deceasedDateTime"
    ));
}

#[test]
fn unknown_resource_type_is_caught() {
    let report = check(&json!({"resourceType": "Patiente", "id": "x"}));
    assert!(caught(
        &report,
        "FHIR_RESOURCE_TYPE_UNKNOWN",
        "/resourceType"
    ));
}

#[test]
fn integer_with_a_fraction_is_invalid() {
    let mut p = fixture("patient");
    p["multipleBirthInteger"] = json!(1.5);
    assert!(caught(
        &check(&p),
        "FHIR_PRIMITIVE_INVALID",
        "/multipleBirthInteger"
    ));
}

#[test]
fn primitive_extension_twin_is_validated_as_element() {
    let mut p = fixture("patient");
    p["_birthDate"]["colour"] = json!(1);
    assert!(caught(
        &check(&p),
        "FHIR_UNKNOWN_ELEMENT",
        "/_birthDate/colour"
    ));
}

#[test]
fn bundle_entries_are_validated_by_their_own_resource_type() {
    let mut b = fixture("bundle_message");
    b["entry"][3]["resource"]["gender"] = json!("femme");
    b["entry"][2]["resource"]["valueQuantity"]["value"] = json!("37.1");
    let report = check(&b);
    assert!(caught(
        &report,
        "FHIR_CODE_INVALID",
        "/entry/3/resource/gender"
    ));
    assert!(caught(
        &report,
        "FHIR_TYPE_MISMATCH",
        "/entry/2/resource/valueQuantity/value"
    ));
}

#[test]
fn datetimes_are_reported_at_declared_elements_only() {
    let report = check(&fixture("bundle_message"));
    let paths: Vec<&str> = report.datetimes.iter().map(|d| d.path.as_str()).collect();
    for expected in [
        "/timestamp",
        "/entry/1/resource/birthDate",
        "/entry/1/resource/_birthDate/extension/0/valueDateTime",
        "/entry/1/resource/meta/lastUpdated",
        "/entry/2/resource/effectiveDateTime",
        "/entry/2/resource/issued",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }
    // A string that looks like a date but is declared as a string is no datetime.
    assert!(!paths.iter().any(|p| p.ends_with("/fullUrl")));
}

#[test]
fn message_bundle_gives_the_exchange_through_message_header() {
    let report = check(&fixture("bundle_message"));
    let x = &report.exchange;
    assert_eq!(x.message_type.as_deref(), Some("Bundle"));
    assert_eq!(x.event.as_deref(), Some("PatientAdmin.Arrival"));
    assert_eq!(x.pattern, Some(ExchangePattern::Notification));
    assert_eq!(
        x.message_id.as_deref(),
        Some("urn:uuid:5f8e3a4c-0000-4000-8000-000000000001")
    );
}

#[test]
fn messages_never_quote_payload_values() {
    let mut p = fixture("patient");
    p["gender"] = json!("SECRET-PHI-VALUE");
    p["active"] = json!("SECRET-PHI-VALUE");
    let report = check(&p);
    assert!(!report.diagnostics.is_empty());
    for d in &report.diagnostics {
        assert!(!d.message.contains("SECRET"), "{}", d.message);
    }
}

#[test]
fn zone_less_datetime_with_time_is_an_error() {
    let mut o = fixture("observation");
    o["effectiveDateTime"] = json!("2024-03-09T10:00:00");
    assert!(
        caught(&check(&o), "DATETIME_", "/effectiveDateTime"),
        "{:?}",
        check(&o).diagnostics
    );
}

#[test]
fn thirtieth_of_february_is_an_error() {
    let mut p = fixture("patient");
    p["birthDate"] = json!("2023-02-30");
    assert!(
        caught(&check(&p), "DATETIME_", "/birthDate"),
        "{:?}",
        check(&p).diagnostics
    );
}

#[test]
fn decimals_keep_their_precision_in_the_canonical_document() {
    let text = br#"{"resourceType": "Observation", "status": "final", "code": {"text": "t"},
        "valueQuantity": {"value": 37.10000000000000000001}, "issued": "2024-03-09T10:05:00+01:00"}"#;
    let out = payload_triage::unstable::json::canonical_document(text, &Context::new())
        .expect("canonical");
    let out = String::from_utf8(out).expect("utf8");
    assert!(out.contains("37.10000000000000000001"));
    assert!(
        out.contains("\"issued\": \"2024-03-09T09:05:00Z\""),
        "{out}"
    );
    assert_eq!(
        out.replace("2024-03-09T09:05:00Z", "2024-03-09T10:05:00+01:00")
            .as_bytes(),
        text
    );
}

/// What the user sees for a broken FHIR Bundle: codes, severities, JSON Pointers and
/// messages (no values), plus the datetimes. A snapshot, reviewed when it changes.
#[test]
fn report_of_a_broken_bundle_snapshot() {
    let mut b = fixture("bundle_message");
    b["entry"][3]["resource"]["gender"] = json!("femme");
    b["entry"][3]["resource"]["birthDate"] = json!("1980-02-30");
    b["entry"][2]["resource"]["effectiveDateTime"] = json!("2024-03-09T10:00:00");
    b["entry"][1]["resource"]["colour"] = json!("blue");
    let report = check(&b);
    let value: Value = serde_json::from_str(&report.to_json_line()).unwrap();
    insta::assert_json_snapshot!(
        "fhir_broken_bundle",
        json!({"valid": value["valid"], "diagnostics": value["diagnostics"], "exchange": value["exchange"]})
    );
}
