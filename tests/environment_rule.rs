//! The environment rule of docs/contract.md: equal environment types only; production
//! may carry test traffic; production data may not leave production, in any message of
//! a batch and at any depth of embedding; a missing or unknown claim counts as
//! production (fail closed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use base64::Engine as _;
use payload_triage::{codes, Context, Engine, Environment, Report, Severity};

fn adt(processing: &str) -> String {
    format!(
        "MSH|^~\\&|SYNAPP|SYNFAC|RCVAPP|RCVFAC|20240105101500-0500||ADT^A01^ADT_A01|MSG0001|{processing}|2.5.1\r\
         EVN|A01|20240105101500-0500\r\
         PID|1||SYN0001^^^SYNFAC^MR||SYNTHETIC^ALEX||19800101|U\r\
         PV1|1|I\r"
    )
}

fn to(environment: Environment) -> Context {
    Context::new().with_destination(environment)
}

fn count(report: &Report, code: codes::Code) -> usize {
    report.diagnostics.iter().filter(|d| d.code == code).count()
}

fn severity_of(report: &Report, code: codes::Code) -> Option<Severity> {
    report
        .diagnostics
        .iter()
        .find(|d| d.code == code)
        .map(|d| d.severity)
}

#[test]
fn test_traffic_into_production_is_allowed_and_noted() {
    let engine = Engine::default();
    for processing in ["T", "D"] {
        let report = engine.validate(adt(processing).as_bytes(), &to(Environment::Production));
        assert!(report.is_valid(), "{processing}: {:?}", report.diagnostics);
        assert_eq!(
            severity_of(&report, codes::ENVIRONMENT_TEST_TRAFFIC),
            Some(Severity::Info)
        );
        assert_eq!(count(&report, codes::ENVIRONMENT_MISMATCH), 0);
    }
    let report = engine.validate(adt("P").as_bytes(), &to(Environment::Production));
    assert!(report.is_valid());
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

#[test]
fn production_data_into_development_or_staging_is_an_error() {
    let engine = Engine::default();
    for destination in [Environment::Development, Environment::Staging] {
        let report = engine.validate(adt("P").as_bytes(), &to(destination));
        assert_eq!(
            severity_of(&report, codes::ENVIRONMENT_MISMATCH),
            Some(Severity::Error)
        );
        // Non-production data between non-production environments is not a leak.
        let report = engine.validate(adt("T").as_bytes(), &to(destination));
        assert!(report.is_valid(), "{:?}", report.diagnostics);
    }
}

#[test]
fn a_missing_or_unknown_processing_id_fails_closed() {
    let engine = Engine::default();
    for processing in ["", "X", "p"] {
        let report = engine.validate(adt(processing).as_bytes(), &to(Environment::Staging));
        assert_eq!(
            severity_of(&report, codes::ENVIRONMENT_CLAIM_UNKNOWN),
            Some(Severity::Warning),
            "{processing:?}"
        );
        assert_eq!(
            severity_of(&report, codes::ENVIRONMENT_MISMATCH),
            Some(Severity::Error),
            "{processing:?} is treated as production"
        );
        // Into production an unknown claim is only noted.
        let report = engine.validate(adt(processing).as_bytes(), &to(Environment::Production));
        assert_eq!(count(&report, codes::ENVIRONMENT_CLAIM_UNKNOWN), 1);
        assert_eq!(count(&report, codes::ENVIRONMENT_MISMATCH), 0);
    }
    // With no destination or source environment known there is nothing to check.
    let report = engine.validate(adt("X").as_bytes(), &Context::new());
    assert_eq!(count(&report, codes::ENVIRONMENT_CLAIM_UNKNOWN), 0);
}

fn redox(test: &str, extra: &str) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/json/redox/media_new.json"),
        )
        .unwrap(),
    )
    .unwrap();
    match test {
        "absent" => {
            doc["Meta"].as_object_mut().unwrap().remove("Test");
        }
        value => doc["Meta"]["Test"] = serde_json::from_str(value).unwrap(),
    }
    if !extra.is_empty() {
        doc["Media"]["FileContents"] = extra.into();
        doc["Media"]["FileType"] = "TXT".into();
    }
    doc.to_string()
}

#[test]
fn redox_meta_test_is_the_claim() {
    let engine = Engine::default();
    let report = engine.validate(redox("true", "").as_bytes(), &to(Environment::Production));
    assert!(report.is_valid(), "{:?}", report.diagnostics);
    assert_eq!(count(&report, codes::ENVIRONMENT_TEST_TRAFFIC), 1);
    let report = engine.validate(redox("false", "").as_bytes(), &to(Environment::Staging));
    assert_eq!(count(&report, codes::ENVIRONMENT_MISMATCH), 1);
    for claim in ["absent", "null", "\"yes\""] {
        let report = engine.validate(redox(claim, "").as_bytes(), &to(Environment::Staging));
        assert_eq!(
            count(&report, codes::ENVIRONMENT_CLAIM_UNKNOWN),
            1,
            "{claim}"
        );
        assert_eq!(count(&report, codes::ENVIRONMENT_MISMATCH), 1, "{claim}");
    }
}

#[test]
fn formats_without_a_claim_are_not_held_to_one() {
    let engine = Engine::default();
    let fhir = br#"{"resourceType":"Basic","code":{"text":"x"}}"#;
    let report = engine.validate(fhir, &to(Environment::Staging));
    assert!(report.is_valid(), "{:?}", report.diagnostics);
    assert!(report.diagnostics.is_empty());
}

#[test]
fn production_data_in_any_message_of_a_batch_is_caught() {
    let engine = Engine::default();
    let batch = format!(
        "FHS|^~\\&\rBHS|^~\\&\r{}{}{}BTS|3\rFTS|1\r",
        adt("T"),
        adt("P"),
        adt("T")
    );
    let reports = engine.validate_messages(batch.as_bytes(), &to(Environment::Staging));
    assert_eq!(reports.len(), 3);
    let mismatches: Vec<usize> = reports
        .iter()
        .map(|r| count(r, codes::ENVIRONMENT_MISMATCH))
        .collect();
    assert_eq!(mismatches, [0, 1, 0]);
    // Validated as one payload, the first message's report fails for the second's data.
    let single = engine.validate(batch.as_bytes(), &to(Environment::Staging));
    assert!(!single.is_valid());
    assert_eq!(
        severity_of(&single, codes::PAYLOAD_HOLDS_SEVERAL_MESSAGES),
        Some(Severity::Error)
    );
}

#[test]
fn production_data_embedded_at_any_depth_is_caught() {
    let engine = Engine::default();
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    // A test Redox message carrying a production HL7 message...
    let inner = redox("true", &b64(&adt("P")));
    let report = engine.validate(inner.as_bytes(), &to(Environment::Staging));
    assert_eq!(count(&report, codes::ENVIRONMENT_MISMATCH), 0);
    assert_eq!(report.embedded.len(), 1);
    assert_eq!(count(&report.embedded[0], codes::ENVIRONMENT_MISMATCH), 1);
    assert!(!report.is_valid());
    assert_eq!(count(&report, codes::EMBEDDED_FILE_INVALID), 1);
    // ... carried in turn by another test message, one level deeper.
    let outer = redox("true", &b64(&inner));
    let report = engine.validate(outer.as_bytes(), &to(Environment::Staging));
    assert!(!report.is_valid());
    let nested = &report.embedded[0].embedded[0];
    assert_eq!(count(nested, codes::ENVIRONMENT_MISMATCH), 1);
    // The same carrier with test data inside is clean.
    let clean = redox("true", &b64(&redox("true", &b64(&adt("T")))));
    let report = engine.validate(clean.as_bytes(), &to(Environment::Staging));
    assert_eq!(
        count(&report, codes::EMBEDDED_FILE_INVALID),
        0,
        "{report:#?}"
    );
}

#[test]
fn a_configured_source_environment_must_equal_the_destination_once() {
    let engine = Engine::default();
    let ctx = to(Environment::Production).with_source(
        payload_triage::SourceProfile::default().with_environment(Environment::Staging),
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(adt("P"));
    let report = engine.validate(redox("false", &b64).as_bytes(), &ctx);
    assert_eq!(count(&report, codes::ENVIRONMENT_MISMATCH), 1);
    // The configured mismatch is the carrier's; the embedded file is not blamed for it.
    assert_eq!(count(&report.embedded[0], codes::ENVIRONMENT_MISMATCH), 0);
}
