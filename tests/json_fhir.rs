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
    // The message's id is its MessageHeader.id: in R4 that is what a response names in
    // MessageHeader.response.identifier (FHIR R4 MessageHeader).
    assert_eq!(x.message_id.as_deref(), Some("mh-1"));
}

#[test]
fn a_message_header_without_an_id_leaves_the_bundle_identifier_as_message_id() {
    let mut bundle = fixture("bundle_message");
    bundle["entry"][0]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let report = check(&bundle);
    assert_eq!(
        report.exchange.message_id.as_deref(),
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

// FHIR R4 JSON representation, section 2.6.2 ("representing primitive elements"): a
// primitive's `_` twin carries its id and extensions; repeating primitives are two
// arrays aligned by position, with null for a missing side.

const DAR: &str = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

fn absent() -> Value {
    json!({"extension": [{"url": DAR, "valueCode": "unknown"}]})
}

#[test]
fn required_code_given_only_as_an_extension_is_caught() {
    let mut o = fixture("observation");
    o.as_object_mut().expect("object").remove("status");
    o["_status"] = absent();
    let report = check(&o);
    assert!(caught(&report, "FHIR_REQUIRED_CODE_ABSENT", "/_status"));
    // A twin next to its code is fine.
    let mut o = fixture("observation");
    o["_status"] = absent();
    assert!(errors(&check(&o)).is_empty());
    // A code without a required binding may stand on its extension alone.
    let mut p = fixture("patient");
    p["_birthDate"] = absent();
    p.as_object_mut().expect("object").remove("birthDate");
    assert!(errors(&check(&p)).is_empty(), "{:?}", check(&p).diagnostics);
}

#[test]
fn primitive_arrays_and_their_twins_line_up() {
    let cases = [
        // Different lengths.
        (json!(["A", "B"]), Some(json!([null])), "/name/0/_given"),
        // Null in both at one position.
        (
            json!([null, "B"]),
            Some(json!([null, absent()])),
            "/name/0/_given/0",
        ),
        // A null value with no twin array.
        (json!(["A", null]), None, "/name/0/given/1"),
    ];
    for (given, twin, path) in cases {
        let mut p = fixture("patient");
        p["name"] = json!([{"family": "Fixture"}]);
        p["name"][0]["given"] = given;
        if let Some(twin) = twin {
            p["name"][0]["_given"] = twin;
        }
        let report = check(&p);
        assert!(
            caught(&report, "FHIR_PRIMITIVE_ARRAY_MISALIGNED", path),
            "{path}: {:?}",
            report.diagnostics
        );
    }
    // A twin array of nulls only, with no value array.
    let mut p = fixture("patient");
    p["name"] = json!([{"family": "Fixture", "_given": [null]}]);
    assert!(caught(
        &check(&p),
        "FHIR_PRIMITIVE_ARRAY_MISALIGNED",
        "/name/0/_given/0"
    ));
    // Aligned arrays, each position filled on one side at least, are fine.
    let mut p = fixture("patient");
    p["name"] = json!([{"family": "Fixture", "given": ["A", null], "_given": [null, absent()]}]);
    assert!(errors(&check(&p)).is_empty(), "{:?}", check(&p).diagnostics);
}

#[test]
fn strings_are_held_to_1024_times_1024_characters() {
    const MAX: usize = 1024 * 1024;
    let with_text = |text: String| {
        let mut p = fixture("patient");
        p["name"] = json!([{"family": "Fixture", "text": text}]);
        check(&p)
    };
    assert!(caught(
        &with_text("a".repeat(MAX + 1)),
        "FHIR_STRING_TOO_LONG",
        "/name/0/text"
    ));
    assert!(errors(&with_text("a".repeat(MAX))).is_empty());
    // The limit counts characters, not bytes: 2-byte characters up to the limit pass.
    assert!(errors(&with_text("é".repeat(MAX))).is_empty());
    assert!(caught(
        &with_text("é".repeat(MAX + 1)),
        "FHIR_STRING_TOO_LONG",
        "/name/0/text"
    ));
}

// Embedded files in FHIR: Attachment.data and Binary.data, each at exactly the
// embedded_file limit (10 MB decoded) and one byte over.

use base64::Engine as _;

const LIMIT: usize = 10_000_000;

fn carriers(data: &str) -> [(Value, &'static str); 2] {
    [
        (
            json!({"resourceType": "Binary", "contentType": "text/plain", "data": data}),
            "/data",
        ),
        (
            json!({"resourceType": "DocumentReference", "status": "current",
                   "content": [{"attachment": {"contentType": "text/plain", "data": data}}]}),
            "/content/0/attachment/data",
        ),
    ]
}

fn nested_codes(report: &Report) -> Vec<String> {
    report
        .embedded
        .iter()
        .flat_map(|e| e.diagnostics.iter().map(|d| d.code.name().to_owned()))
        .collect()
}

#[test]
fn each_fhir_carrier_is_held_to_the_embedded_limit_exactly() {
    let b64 = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![b'a'; n]);
    for (resource, path) in carriers(&b64(LIMIT)) {
        let report = check(&resource);
        assert_eq!(report.embedded.len(), 1, "{path}: {:?}", report.diagnostics);
        assert_eq!(report.embedded[0].source, path);
        assert_eq!(report.embedded[0].size_bytes, LIMIT as u64);
        assert!(!nested_codes(&report).contains(&"SIZE_LIMIT_EXCEEDED".to_owned()));
    }
    for (resource, path) in carriers(&b64(LIMIT + 1)) {
        let report = check(&resource);
        assert_eq!(report.embedded[0].size_bytes, LIMIT as u64 + 1);
        assert!(
            nested_codes(&report).contains(&"SIZE_LIMIT_EXCEEDED".to_owned()),
            "{path}"
        );
        assert!(caught(&report, "EMBEDDED_FILE_INVALID", path));
    }
}

#[test]
fn bad_base64_in_each_fhir_carrier_gets_a_diagnostic() {
    let spaced: String = base64::engine::general_purpose::STANDARD
        .encode([b'a'; 300])
        .chars()
        .flat_map(|c| [c, ' '])
        .collect();
    for (resource, path) in carriers(&spaced) {
        assert!(
            caught(&check(&resource), "EMBEDDED_BASE64_INVALID", path),
            "{path}"
        );
    }
    // Padding in the middle, after a whole group, or not completing a group.
    for bad in ["AAA=AAAA", "QUJD=", "QQ="] {
        for (resource, path) in carriers(bad) {
            let report = check(&resource);
            assert!(
                caught(&report, "EMBEDDED_BASE64_INVALID", path),
                "{path} {bad}"
            );
            assert!(report.embedded.is_empty());
        }
    }
}

#[test]
fn hostile_twin_arrays_give_bounded_diagnostics() {
    // Two arrays of 200,000 nulls: every position is null on both sides. Each position
    // is a finding; the report lists a bounded number and counts the rest.
    let nulls = vec![Value::Null; 200_000];
    let mut p = fixture("patient");
    p["name"] = json!([{"family": "Fixture", "given": nulls.clone(), "_given": nulls}]);
    let report = check(&p);
    assert!(!report.is_valid());
    assert!(caught(
        &report,
        "FHIR_PRIMITIVE_ARRAY_MISALIGNED",
        "/name/0/_given/0"
    ));
    assert!(
        report.diagnostics.len() <= 1_000,
        "{}",
        report.diagnostics.len()
    );
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.code.name() == "DIAGNOSTICS_TRUNCATED"));
}
