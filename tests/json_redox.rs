//! Redox Data Model: synthetic examples validate; their broken variants are caught at
//! the right JSON Pointer with the right code (fixtures in tests/fixtures/json/redox).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::Path;

mod common;

use common::has;
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
        "referral_new",
        "claim_submission",
        "financial_transaction",
        "medications_new",
        "device_new",
        "inventory_deplete",
        "organization_new",
        "patienteducation_new",
        "research_study",
        "surgicalscheduling_new",
        "clinicaldecisions_request",
        "enrichment_normalizationquery",
        "sso_sign_on",
        "inventory_update",
        "claim_payment",
        "research_subjectupdate",
        "clinicaldecisions_response",
        "enrichment_normalizationqueryresponse",
        "organization_query",
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

/// Every data model of the catalogue, with a valid fixture and a fixture whose body
/// breaks its schema (a type, a required member, or a declared datetime that is no
/// date), and where the break is reported.
const MODELS: [(&str, &str, &str, &str); 24] = [
    (
        "PatientAdmin",
        "patientadmin_arrival",
        "broken_patientadmin_visit_datetime_impossible",
        "/Visit/VisitDateTime",
    ),
    (
        "Results",
        "results_new",
        "broken_identifiers_not_array",
        "/Patient/Identifiers",
    ),
    (
        "Order",
        "order_new",
        "broken_order_dob_impossible",
        "/Patient/Demographics/DOB",
    ),
    (
        "Scheduling",
        "scheduling_new",
        "broken_scheduling_visit_datetime_impossible",
        "/Visit/VisitDateTime",
    ),
    (
        "Notes",
        "notes_new",
        "broken_notes_note_not_object",
        "/Note",
    ),
    (
        "Media",
        "media_new",
        "broken_media_dob_impossible",
        "/Patient/Demographics/DOB",
    ),
    (
        "ClinicalSummary",
        "clinicalsummary_patientqueryresponse",
        "broken_clinicalsummary_problems_not_array",
        "/Problems",
    ),
    (
        "PatientSearch",
        "patientsearch_query",
        "broken_patientsearch_identifiers_not_array",
        "/Patient/Identifiers",
    ),
    (
        "Provider",
        "provider_new",
        "broken_provider_id_number",
        "/Provider/ID",
    ),
    (
        "Flowsheet",
        "flowsheet_new",
        "broken_flowsheet_observations_not_array",
        "/Observations",
    ),
    (
        "Vaccination",
        "vaccination_new",
        "broken_vaccination_vaccinations_not_array",
        "/Vaccinations",
    ),
    (
        "Referral",
        "referral_new",
        "broken_referral_expiration_impossible",
        "/Referral/ExpirationDateTime",
    ),
    (
        "Claim",
        "claim_submission",
        "broken_claim_line_emergency_not_boolean",
        "/Claims/0/Lines/0/IsEmergency",
    ),
    (
        "Financial",
        "financial_transaction",
        "broken_financial_transactions_not_array",
        "/Transactions",
    ),
    (
        "Medications",
        "medications_new",
        "broken_medications_start_impossible",
        "/Order/Medication/StartDate",
    ),
    (
        "Device",
        "device_new",
        "broken_device_observation_datetime_impossible",
        "/Observations/0/DateTime",
    ),
    (
        "Inventory",
        "inventory_deplete",
        "broken_inventory_item_quantity_boolean",
        "/Items/0/UsedQuantity",
    ),
    (
        "Organization",
        "organization_new",
        "broken_organization_active_not_boolean",
        "/Organizations/0/Active",
    ),
    (
        "PatientEducation",
        "patienteducation_new",
        "broken_patienteducation_assignee_notes_not_array",
        "/Education/0/Assignments/0/Assignees/0/Notes",
    ),
    (
        "Research",
        "research_study",
        "broken_research_eligibility_age_array",
        "/Study/Eligibility/MinimumAge",
    ),
    (
        "SurgicalScheduling",
        "surgicalscheduling_new",
        "broken_surgicalscheduling_procedureinfo_not_array",
        "/Procedures/0/ProcedureInfo",
    ),
    (
        "ClinicalDecisions",
        "clinicaldecisions_request",
        "broken_clinicaldecisions_dose_quantity_object",
        "/UnsignedMedicationOrders/0/Dose/Quantity",
    ),
    (
        "Enrichment",
        "enrichment_normalizationquery",
        "broken_enrichment_entry_id_number",
        "/Entries/0/EntryID",
    ),
    (
        "SSO",
        "sso_sign_on",
        "broken_sso_user_id_number",
        "/User/ID",
    ),
];

#[test]
fn every_data_model_has_a_body_schema_a_valid_and_an_invalid_fixture() {
    for (model, valid, broken, path) in MODELS {
        let good = check(valid);
        assert_eq!(
            good.exchange.message_type.as_deref(),
            Some(model),
            "{valid}"
        );
        assert!(errors(&good).is_empty(), "{valid}: {:?}", good.diagnostics);
        assert!(
            good.diagnostics
                .iter()
                .all(|d| d.code != "REDOX_SCHEMA_NOT_AVAILABLE"),
            "{model} has no body schema"
        );
        let bad = check(broken);
        assert_eq!(
            bad.exchange.message_type.as_deref(),
            Some(model),
            "{broken}"
        );
        assert!(
            bad.diagnostics.iter().any(|d| d.path == path
                && d.severity == payload_triage::Severity::Error
                && (d.code == "REDOX_SCHEMA_VIOLATION" || d.code.name().starts_with("DATETIME_"))),
            "{broken}: no error at {path:?}: {:?}",
            bad.diagnostics
        );
    }
}

/// The eight models whose own sections were once left open: each breaks a rule of its
/// own section (a wrong type), reported there as a schema violation, and each valid
/// fixture's model-specific datetimes are canonicalized at their declared places.
#[test]
fn model_specific_sections_are_checked() {
    for (broken, path) in [
        (
            "broken_claim_line_emergency_not_boolean",
            "/Claims/0/Lines/0/IsEmergency",
        ),
        (
            "broken_inventory_item_quantity_boolean",
            "/Items/0/UsedQuantity",
        ),
        (
            "broken_organization_active_not_boolean",
            "/Organizations/0/Active",
        ),
        (
            "broken_patienteducation_assignee_notes_not_array",
            "/Education/0/Assignments/0/Assignees/0/Notes",
        ),
        (
            "broken_research_eligibility_age_array",
            "/Study/Eligibility/MinimumAge",
        ),
        (
            "broken_surgicalscheduling_procedureinfo_not_array",
            "/Procedures/0/ProcedureInfo",
        ),
        (
            "broken_clinicaldecisions_dose_quantity_object",
            "/UnsignedMedicationOrders/0/Dose/Quantity",
        ),
        ("broken_enrichment_entry_id_number", "/Entries/0/EntryID"),
    ] {
        let report = check(broken);
        assert!(!report.is_valid(), "{broken}");
        assert!(
            has(&report, "REDOX_SCHEMA_VIOLATION", path),
            "{broken}: no schema violation at {path}: {:?}",
            report.diagnostics
        );
    }
}

#[test]
fn model_specific_datetimes_are_declared() {
    for (fixture, expected) in [
        (
            "claim_submission",
            &[
                "/Subscriber/DOB",
                "/Subscriber/Insurance/EffectiveDate",
                "/Claims/0/AdditionalDates/0/DateTime",
                "/Claims/0/Visit/DateTime",
                "/Claims/0/Lines/0/ServiceDateTime",
                "/Claims/0/Lines/0/ServiceEndDateTime",
            ][..],
        ),
        (
            "claim_payment",
            &[
                "/Transaction/PaymentDateTime",
                "/Payments/0/DateTime",
                "/Payments/0/Claim/ReceivedDate",
                "/Payments/0/Claim/Services/0/ServiceDateTime",
                "/Payments/0/Patient/Demographics/DOB",
            ][..],
        ),
        (
            "surgicalscheduling_new",
            &[
                "/Procedures/0/DateTime",
                "/SurgeryStaff/0/StartDateTime",
                "/Visit/Equipment/0/StartDateTime",
                "/Visit/VisitDateTime",
            ][..],
        ),
        (
            "patienteducation_new",
            &[
                "/Education/0/CreatedDateTime",
                "/Education/0/Assignments/0/CreatedDateTime",
                "/Education/0/Assignments/0/ActionDateTime",
            ][..],
        ),
        (
            "research_study",
            &[
                "/Study/StartDateTime",
                "/Protocols/0/Cycles/0/StartDate",
                "/Protocols/0/Cycles/0/Days/0/ActivityDateTime",
                "/Protocols/0/Cycles/0/Days/0/LatestDateTime",
            ][..],
        ),
        ("research_subjectupdate", &["/Enrollment/StartDateTime"][..]),
        (
            "clinicaldecisions_request",
            &[
                "/UnsignedMedicationOrders/0/StartDate",
                "/UnsignedMedicationOrders/0/EndDate",
                "/UnsignedProcedureOrders/0/ScheduledDate",
            ][..],
        ),
        ("organization_query", &["/LastUpdated"][..]),
    ] {
        let report = check(fixture);
        assert!(
            errors(&report).is_empty(),
            "{fixture}: {:?}",
            report.diagnostics
        );
        let paths: Vec<&str> = report.datetimes.iter().map(|d| d.path.as_str()).collect();
        for path in expected {
            assert!(paths.contains(path), "{fixture}: {path} not in {paths:?}");
        }
    }
    // A model-specific datetime that is no date is an error at its place.
    let text = String::from_utf8(fixture("research_study"))
        .unwrap()
        .replace("2024-01-15T09:00:00.000Z", "2024-13-45T09:00:00.000Z");
    let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.code.name().starts_with("DATETIME_") && d.path == "/Study/StartDateTime"));
}

#[test]
fn referral_expiration_of_month_13_day_45_fails() {
    let report = check("broken_referral_expiration_impossible");
    assert!(!report.is_valid());
    assert!(report.diagnostics.iter().any(
        |d| d.code.name().starts_with("DATETIME_") && d.path == "/Referral/ExpirationDateTime"
    ));
    // The valid referral's datetimes are canonicalized at their declared places.
    let good = check("referral_new");
    let paths: Vec<&str> = good.datetimes.iter().map(|d| d.path.as_str()).collect();
    for expected in [
        "/Referral/DateTime",
        "/Referral/ExpirationDateTime",
        "/Referral/Authorization/ExpirationDateTime",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }
}

#[test]
fn event_lists_follow_the_data_model_documentation() {
    for (model, event, pattern) in [
        ("Device", "New", ExchangePattern::Notification),
        ("Research", "Study", ExchangePattern::Notification),
        ("Research", "SubjectUpdate", ExchangePattern::Notification),
        ("PatientEducation", "Update", ExchangePattern::Notification),
        ("PatientEducation", "Delete", ExchangePattern::Notification),
        ("Enrichment", "NormalizationQuery", ExchangePattern::Query),
        (
            "Enrichment",
            "NaturalLanguageProcessingQuery",
            ExchangePattern::Query,
        ),
        (
            "Enrichment",
            "NaturalLanguageProcessingQueryResponse",
            ExchangePattern::QueryResponse,
        ),
        ("PatientEducation", "New", ExchangePattern::Notification),
        ("Claim", "Submission", ExchangePattern::Writeback),
        ("Claim", "SubmissionBatch", ExchangePattern::Writeback),
        ("Claim", "Payment", ExchangePattern::Notification),
        ("Claim", "PaymentBatch", ExchangePattern::Notification),
        (
            "SurgicalScheduling",
            "Cancel",
            ExchangePattern::Notification,
        ),
        (
            "SurgicalScheduling",
            "NoShow",
            ExchangePattern::Notification,
        ),
        (
            "Enrichment",
            "NormalizationQueryResponse",
            ExchangePattern::QueryResponse,
        ),
    ] {
        let text = redox_message(model, event, "");
        let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
        assert_eq!(
            report.exchange.pattern,
            Some(pattern),
            "{model}.{event}: {:?}",
            report.diagnostics
        );
        assert!(
            report
                .diagnostics
                .iter()
                .all(|d| d.code != "REDOX_EVENT_TYPE_UNKNOWN"),
            "{model}.{event}"
        );
    }
    // Events the documentation does not list for these models.
    for (model, event) in [
        ("Device", "Update"),
        ("Device", "Delete"),
        ("Research", "New"),
        ("Enrichment", "Request"),
        ("Enrichment", "Response"),
        ("Research", "Update"),
        ("PatientEducation", "Cancel"),
        // SurgicalScheduling defines no Delete (a cancelled case is a Cancel).
        ("SurgicalScheduling", "Delete"),
        ("Claim", "Batch"),
    ] {
        let text = redox_message(model, event, "");
        let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
        assert!(
            has(&report, "REDOX_EVENT_TYPE_UNKNOWN", "/Meta/EventType"),
            "{model}.{event}"
        );
    }
}

fn redox_ctx() -> Context {
    Context::new().with_hint(TrafficType::RedoxApi)
}

/// A minimal message of `model` and `event` with `body` members after Meta.
fn redox_message(model: &str, event: &str, body: &str) -> String {
    let sep = if body.is_empty() { "" } else { "," };
    format!(
        r#"{{"Meta": {{"DataModel": "{model}", "EventType": "{event}", "Test": true,
            "Destinations": [{{"ID": "syn-dest-1", "Name": "Synthetic"}}]}}{sep}{body}}}"#
    )
}

// Every carrier of an embedded file in the Redox models, decided by the model's own
// encoding field: each at exactly the embedded_file limit (10 MB decoded) and one byte
// over, and each bad-input shape refused with a diagnostic.

use base64::Engine as _;

const LIMIT: usize = 10_000_000;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The three Redox file carriers, as a body holding `data` where a file goes.
fn carriers(data: &str) -> [(&'static str, String, &'static str); 3] {
    [
        (
            "Media",
            format!(r#""Patient": {{}}, "Media": {{"FileType": "PDF", "FileContents": "{data}"}}"#),
            "/Media/FileContents",
        ),
        (
            "Notes",
            format!(
                r#""Patient": {{}}, "Note": {{"ContentType": "Base64 Encoded", "FileContents": "{data}"}}"#
            ),
            "/Note/FileContents",
        ),
        (
            "Results",
            format!(
                r#""Patient": {{}}, "Orders": [{{"Results": [{{"ValueType": "Encapsulated Data", "FileType": "PDF", "Value": "{data}"}}]}}]"#
            ),
            "/Orders/0/Results/0/Value",
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
fn each_redox_carrier_is_held_to_the_embedded_limit_exactly() {
    let exact = b64(&vec![b'a'; LIMIT]);
    let over = b64(&vec![b'a'; LIMIT + 1]);
    for ((model, body, path), (_, body_over, _)) in
        carriers(&exact).into_iter().zip(carriers(&over))
    {
        let text = redox_message(model, "New", &body);
        let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
        assert_eq!(
            report.embedded.len(),
            1,
            "{model}: {:?}",
            report.diagnostics
        );
        assert_eq!(report.embedded[0].source, path);
        assert_eq!(report.embedded[0].size_bytes, LIMIT as u64, "{model}");
        assert!(
            !nested_codes(&report).contains(&"SIZE_LIMIT_EXCEEDED".to_owned()),
            "{model}"
        );

        let text = redox_message(model, "New", &body_over);
        let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
        assert_eq!(report.embedded.len(), 1, "{model}");
        assert_eq!(report.embedded[0].size_bytes, LIMIT as u64 + 1, "{model}");
        assert!(
            nested_codes(&report).contains(&"SIZE_LIMIT_EXCEEDED".to_owned()),
            "{model}"
        );
        assert!(has(&report, "EMBEDDED_FILE_INVALID", path), "{model}");
    }
}

#[test]
fn base64_that_begins_with_http_is_a_file_not_a_link() {
    // "http" is four base64 letters: this text decodes to 10 MB + 1 and must be
    // refused at the limit, whatever its first characters.
    let mut data = String::from("http");
    data.push_str(&b64(&vec![b'a'; LIMIT - 2]));
    assert_eq!(data.len() % 4, 0);
    for (model, body, path) in carriers(&data) {
        let text = redox_message(model, "New", &body);
        let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
        assert!(
            nested_codes(&report).contains(&"SIZE_LIMIT_EXCEEDED".to_owned()),
            "{model}"
        );
        assert!(has(&report, "EMBEDDED_FILE_INVALID", path), "{model}");
    }
}

#[test]
fn a_file_uploaded_to_redox_is_referenced_by_uri_and_noted() {
    for (model, body, path) in carriers("https://blob.example.test/upload/0000-synthetic") {
        let text = redox_message(model, "New", &body);
        let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
        assert!(report.embedded.is_empty(), "{model}");
        assert!(has(&report, "REDOX_FILE_REFERENCE", path), "{model}");
        assert!(report.is_valid(), "{model}: {:?}", report.diagnostics);
    }
}

#[test]
fn a_data_uri_is_inline_content_not_a_reference() {
    for (model, body, path) in carriers("data:application/pdf;base64,JVBERi0xLjQK") {
        let report =
            Engine::default().validate(redox_message(model, "New", &body).as_bytes(), &redox_ctx());
        assert!(!has(&report, "REDOX_FILE_REFERENCE", path), "{model}");
        assert!(
            has(&report, "EMBEDDED_FILE_INVALID", path),
            "{model}: {:?}",
            report.diagnostics
        );
    }
}

#[test]
fn the_encoding_field_decides_whether_a_value_is_a_file() {
    // Plain-text notes and numeric results are not files, whatever they look like.
    let plain = redox_message(
        "Notes",
        "New",
        r#""Patient": {}, "Note": {"ContentType": "Plain Text", "FileContents": "QUJD"}"#,
    );
    let report = Engine::default().validate(plain.as_bytes(), &redox_ctx());
    assert!(report.embedded.is_empty());
    let numeric = redox_message(
        "Results",
        "New",
        r#""Patient": {}, "Orders": [{"Results": [{"ValueType": "Numeric", "Value": "QUJD"}]}]"#,
    );
    let report = Engine::default().validate(numeric.as_bytes(), &redox_ctx());
    assert!(report.embedded.is_empty());
    // The same values marked as files are files.
    for (model, body, path) in carriers("QUJD") {
        let text = redox_message(model, "New", &body);
        let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
        assert_eq!(report.embedded.len(), 1, "{model}");
        assert_eq!(report.embedded[0].source, path);
    }
}

#[test]
fn bad_base64_in_every_carrier_gets_a_diagnostic() {
    let spaced: String = b64(&[b'a'; 3000]).chars().flat_map(|c| [c, ' ']).collect();
    let cases = [
        (spaced.as_str(), "EMBEDDED_BASE64_INVALID", false),
        ("AAA=AAAA", "EMBEDDED_BASE64_INVALID", false),
        ("QQ=", "EMBEDDED_BASE64_INVALID", false),
        ("QUJD=", "EMBEDDED_BASE64_INVALID", false),
        ("QQ==QUJD", "EMBEDDED_BASE64_INVALID", false),
        ("QUJD!!!!", "EMBEDDED_BASE64_INVALID", true),
    ];
    for (data, code, nested) in cases {
        for (model, body, path) in carriers(data) {
            let text = redox_message(model, "New", &body);
            let report = Engine::default().validate(text.as_bytes(), &redox_ctx());
            assert!(!report.is_valid(), "{model} {data:.12}");
            if nested {
                assert!(
                    nested_codes(&report).contains(&code.to_owned()),
                    "{model} {data:.12}"
                );
                assert!(has(&report, "EMBEDDED_FILE_INVALID", path));
            } else {
                assert!(
                    has(&report, code, path),
                    "{model}: {:?}",
                    report.diagnostics
                );
            }
        }
    }
}

#[test]
fn limit_sized_base64_with_whitespace_after_every_character_is_refused_at_the_carrier() {
    let spaced: String = b64(&vec![b'a'; LIMIT])
        .chars()
        .flat_map(|c| [c, ' '])
        .collect();
    let (model, body, path) = carriers(&spaced).into_iter().next().unwrap();
    let report =
        Engine::default().validate(redox_message(model, "New", &body).as_bytes(), &redox_ctx());
    assert!(
        has(&report, "EMBEDDED_BASE64_INVALID", path),
        "{:?}",
        report.diagnostics
    );
    assert!(report.embedded.is_empty());
}
