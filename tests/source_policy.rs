//! The gate's source policy (issue 12, items 1 and 2; docs/contract.md, "Sources and
//! their policy"): profiles bind to the sender's identity in the message as well as to
//! the input's path, a strict configuration refuses unknown senders, and each thing a
//! source's key may not do is an error with its own code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::Path;
use std::process::Command;

use payload_triage::{Config, Context, Engine, Error, Report};
use serde_json::Value;

/// An HL7 v2 message from `application`/`facility` to the exchange, with a local MSH-7
/// (its canonical value shows which zone applied).
fn hl7(kind: &str, application: &str, facility: &str, control: &str) -> String {
    format!(
        "MSH|^~\\&|{application}|{facility}|TRIAGE|EXCHANGE|20240312083015||{kind}|{control}|P|2.5.1\r\
         EVN|A01|20240312083015\rPID|1||1^^^GH^MR||X^Y\rPV1|1|I\r"
    )
}

fn redox(source_id: &str, model: &str, event: &str, destinations: &[&str]) -> String {
    let destinations: Vec<String> = destinations
        .iter()
        .map(|d| format!(r#"{{"ID":"{d}","Name":"Destination {d}"}}"#))
        .collect();
    format!(
        r#"{{"Meta":{{"DataModel":"{model}","EventType":"{event}","EventDateTime":"2024-03-12T08:30:15",
            "Test":false,"Source":{{"ID":"{source_id}","Name":"Source {source_id}"}},
            "Destinations":[{}]}},
           "Patient":{{"Identifiers":[],"Demographics":{{}}}}}}"#,
        destinations.join(",")
    )
}

/// The ITI-55 request of the fixtures with a WS-Addressing From and a home community
/// id attribute in its SAML assertion.
fn soap(from: &str, issuer: &str, home: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xml/iti55_request.xml"),
    )
    .unwrap();
    text.replace(
        "<wsa:To>",
        &format!("<wsa:From><wsa:Address>{from}</wsa:Address></wsa:From>\n    <wsa:To>"),
    )
    .replace("CN=Test Issuer", issuer)
    .replace(
        "</saml2:Assertion>",
        &format!(
            "<saml2:AttributeStatement><saml2:Attribute Name=\"urn:nhin:names:saml:homeCommunityId\">\
             <saml2:AttributeValue>{home}</saml2:AttributeValue></saml2:Attribute>\
             </saml2:AttributeStatement></saml2:Assertion>"
        ),
    )
}

fn engine(toml: &str) -> Engine {
    Engine::new(Config::from_toml_str(toml).unwrap()).unwrap()
}

/// The report of `bytes` as the command line would validate it from `path`.
fn validate(engine: &Engine, path: &str, bytes: &[u8]) -> Report {
    let ctx = Context::new()
        .with_source(engine.config().profile_for(path).unwrap())
        .named(path);
    engine.validate(bytes, &ctx)
}

fn codes(report: &Report) -> Vec<&str> {
    report.diagnostics.iter().map(|d| d.code.name()).collect()
}

fn policy_codes(report: &Report) -> Vec<&str> {
    codes(report)
        .into_iter()
        .filter(|c| c.starts_with("SOURCE_"))
        .collect()
}

const IDENTITIES: &str = r#"
[source]
timezone = "UTC"

[sources.lab]
paths = ["data/lab"]
timezone = "America/Chicago"
[sources.lab.identity]
hl7_sending_facility = ["GOODLAB"]
redox_source_id = ["lab-key-1"]

[sources.clinic]
timezone = "Asia/Tokyo"
[sources.clinic.identity]
hl7_sending_application = ["CLINICAPP"]
hl7_sending_facility = ["CLINIC"]
saml_issuer = ["CN=Clinic Gateway"]

[sources.gateway]
timezone = "America/New_York"
[sources.gateway.identity]
home_community_id = ["urn:oid:2.16.840.1.113883.3.777"]
wsa_from = ["https://gateway.example.org/xcpd"]
"#;

fn canonical_msh7(report: &Report) -> String {
    report
        .datetimes
        .iter()
        .find(|d| d.path == "MSH-7")
        .and_then(|d| d.canonical.as_deref().map(str::to_owned))
        .unwrap()
}

#[test]
fn an_hl7_sender_binds_its_profile_and_its_zone_without_a_path() {
    let engine = engine(IDENTITIES);
    let message = hl7("ADT^A01^ADT_A01", "ANYAPP", "GOODLAB", "1");
    let report = validate(&engine, "inbox/x.hl7", message.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("lab"));
    // 08:30:15 in Chicago (CDT, UTC-5), not the default profile's UTC.
    assert_eq!(canonical_msh7(&report), "2024-03-12T13:30:15Z");
    assert!(policy_codes(&report).is_empty(), "{:?}", codes(&report));

    // Both identity fields of the clinic must agree.
    let clinic = hl7("ADT^A01^ADT_A01", "CLINICAPP", "CLINIC", "2");
    let report = validate(&engine, "inbox/y.hl7", clinic.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("clinic"));
    assert_eq!(canonical_msh7(&report), "2024-03-11T23:30:15Z");
    let half = hl7("ADT^A01^ADT_A01", "OTHERAPP", "CLINIC", "3");
    let report = validate(&engine, "inbox/z.hl7", half.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("default"));
    assert_eq!(canonical_msh7(&report), "2024-03-12T08:30:15Z");
}

#[test]
fn redox_and_soap_senders_bind_by_their_own_fields() {
    let engine = engine(IDENTITIES);
    let message = redox("lab-key-1", "PatientAdmin", "Arrival", &["d1"]);
    let report = validate(&engine, "in/r.json", message.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("lab"));
    let sender = report.exchange.sender.as_ref().unwrap();
    assert_eq!(sender.id.as_deref(), Some("lab-key-1"));
    assert_eq!(report.exchange.destinations.len(), 1);

    let by_issuer = soap(
        "https://elsewhere.example.org",
        "CN=Clinic Gateway",
        "urn:oid:9",
    );
    let report = validate(&engine, "in/s.xml", by_issuer.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("clinic"));
    let by_community = soap(
        "https://gateway.example.org/xcpd",
        "CN=Any",
        "urn:oid:2.16.840.1.113883.3.777",
    );
    let report = validate(&engine, "in/t.xml", by_community.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("gateway"));
    let sender = report.exchange.sender.as_ref().unwrap();
    assert_eq!(
        sender.home_community_id.as_deref(),
        Some("urn:oid:2.16.840.1.113883.3.777")
    );
    assert_eq!(
        sender.address.as_deref(),
        Some("https://gateway.example.org/xcpd")
    );
    assert_eq!(sender.issuer.as_deref(), Some("CN=Any"));
    // A From that the gateway does not list: its identity disagrees, so it is not bound.
    let wrong_from = soap(
        "https://impostor.example.org",
        "CN=Any",
        "urn:oid:2.16.840.1.113883.3.777",
    );
    let report = validate(&engine, "in/u.xml", wrong_from.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("default"));
}

#[test]
fn an_identity_that_disagrees_with_the_path_is_an_error() {
    let engine = engine(IDENTITIES);
    // The path selects the lab; the message names another facility.
    let stranger = hl7("ADT^A01^ADT_A01", "ANYAPP", "NOTLAB", "1");
    let report = validate(&engine, "data/lab/x.hl7", stranger.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("lab"));
    assert_eq!(policy_codes(&report), ["SOURCE_IDENTITY_MISMATCH"]);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "SOURCE_IDENTITY_MISMATCH")
        .unwrap();
    assert_eq!(d.path, "MSH-4");
    assert!(!d.message.contains("NOTLAB"), "{}", d.message);
    // The clinic's identity under the lab's path names the other profile.
    let clinic = hl7("ADT^A01^ADT_A01", "CLINICAPP", "CLINIC", "2");
    let report = validate(&engine, "data/lab/y.hl7", clinic.as_bytes());
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "SOURCE_IDENTITY_MISMATCH")
        .unwrap();
    assert!(d.message.contains("`clinic`"), "{}", d.message);
    // No sender at all (MSH-4 empty) under a profile that declares one.
    let anonymous = hl7("ADT^A01^ADT_A01", "", "", "3");
    let report = validate(&engine, "data/lab/z.hl7", anonymous.as_bytes());
    assert_eq!(policy_codes(&report), ["SOURCE_IDENTITY_MISMATCH"]);
    // And the lab's own facility passes.
    let own = hl7("ADT^A01^ADT_A01", "ANYAPP", "GOODLAB", "4");
    let report = validate(&engine, "data/lab/w.hl7", own.as_bytes());
    assert!(policy_codes(&report).is_empty(), "{:?}", codes(&report));
}

#[test]
fn a_sender_two_profiles_claim_is_ambiguous_and_gets_the_default() {
    let engine = engine(
        r#"
        [sources.registration.identity]
        hl7_sending_application = ["REGADT"]
        [sources.hospital.identity]
        hl7_sending_facility = ["GOODHEALTH"]
        "#,
    );
    let both = hl7("ADT^A01^ADT_A01", "REGADT", "GOODHEALTH", "1");
    let report = validate(&engine, "x.hl7", both.as_bytes());
    assert_eq!(policy_codes(&report), ["SOURCE_IDENTITY_AMBIGUOUS"]);
    assert_eq!(report.source_profile.as_deref(), Some("default"));
    let one = hl7("ADT^A01^ADT_A01", "REGADT", "ELSEWHERE", "2");
    let report = validate(&engine, "x.hl7", one.as_bytes());
    assert_eq!(report.source_profile.as_deref(), Some("registration"));
}

#[test]
fn strict_sources_refuses_what_no_profile_claims() {
    let toml = format!("strict_sources = true\n{IDENTITIES}");
    let engine = engine(&toml);
    let stranger = hl7("ADT^A01^ADT_A01", "ANYAPP", "NOTLAB", "1");
    let report = validate(&engine, "inbox/x.hl7", stranger.as_bytes());
    assert_eq!(policy_codes(&report), ["SOURCE_UNKNOWN"]);
    assert!(!report.is_valid());
    // A FHIR resource carries no sender identity: only its path can vouch for it.
    let patient = br#"{"resourceType":"Patient","id":"p1"}"#;
    let report = validate(&engine, "inbox/p.json", patient);
    assert_eq!(policy_codes(&report), ["SOURCE_UNKNOWN"]);
    let report = validate(&engine, "data/lab/p.json", patient);
    assert!(policy_codes(&report).is_empty(), "{:?}", codes(&report));
    // Known by identity or by path: no error.
    let known = hl7("ADT^A01^ADT_A01", "ANYAPP", "GOODLAB", "2");
    assert!(policy_codes(&validate(&engine, "inbox/y.hl7", known.as_bytes())).is_empty());
    // Without strict_sources the stranger passes the gate (the default profile).
    let lenient = engine_from(IDENTITIES);
    let report = validate(&lenient, "inbox/x.hl7", stranger.as_bytes());
    assert!(policy_codes(&report).is_empty());
}

fn engine_from(toml: &str) -> Engine {
    engine(toml)
}

/// One profile per rule, each selected by path, and a payload that keeps it and one
/// that breaks it.
#[test]
fn each_thing_a_key_may_not_do_has_its_own_code() {
    let engine = engine(
        r#"
        [sources.api]
        paths = ["api"]
        traffic_types = ["redox_api"]
        [sources.portal]
        paths = ["portal"]
        patterns = ["writeback"]
        role = "application"
        [sources.ehr]
        paths = ["ehr"]
        data_models = ["Scheduling", "PatientAdmin.Arrival"]
        [sources.lab]
        paths = ["lab"]
        message_types = ["ORU", "ADT^A08"]
        [sources.gateway]
        paths = ["gateway"]
        transactions = ["ITI-38"]
        [sources.sender]
        paths = ["sender"]
        destinations = ["d-allowed", "LIS"]
        "#,
    );
    let adt = hl7("ADT^A01^ADT_A01", "APP", "FAC", "1");
    let oru = hl7("ORU^R01^ORU_R01", "APP", "FAC", "2");
    let a08 = hl7("ADT^A08^ADT_A01", "APP", "FAC", "3");
    let qbp = hl7("QBP^Q22^QBP_Q21", "APP", "FAC", "4");
    let arrival = redox("k", "PatientAdmin", "Arrival", &["d-allowed"]);
    let discharge = redox("k", "PatientAdmin", "Discharge", &["d-allowed"]);
    let scheduling = redox("k", "Scheduling", "New", &["d-allowed"]);
    let iti55 = soap("https://a.example.org", "CN=A", "urn:oid:1");
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("api/a.json", &arrival, None),
        ("api/a.hl7", &adt, Some("SOURCE_TRAFFIC_TYPE_DENIED")),
        // An application's ORU is a writeback (item 5), which the portal may send; a
        // query it may not.
        ("portal/o.hl7", &oru, None),
        ("portal/q.hl7", &qbp, Some("SOURCE_PATTERN_DENIED")),
        ("ehr/a.json", &arrival, None),
        ("ehr/s.json", &scheduling, None),
        ("ehr/d.json", &discharge, Some("SOURCE_DATA_MODEL_DENIED")),
        ("lab/o.hl7", &oru, None),
        ("lab/a08.hl7", &a08, None),
        ("lab/a01.hl7", &adt, Some("SOURCE_MESSAGE_TYPE_DENIED")),
        ("gateway/q.xml", &iti55, Some("SOURCE_TRANSACTION_DENIED")),
        ("sender/a.json", &arrival, None),
        ("sender/a.hl7", &adt, Some("SOURCE_DESTINATION_DENIED")),
    ];
    for (path, payload, expected) in cases {
        let report = validate(&engine, path, payload.as_bytes());
        let found = policy_codes(&report);
        match expected {
            None => assert!(found.is_empty(), "{path}: {found:?}"),
            Some(code) => {
                assert_eq!(found, [*code], "{path}");
                assert!(!report.is_valid(), "{path}");
            }
        }
    }
    // Destinations are matched by Redox ID or name, and by HL7 application or facility.
    let lis = "MSH|^~\\&|APP|FAC|LIS|HOSP|20240312083015||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01\rPID|1||1^^^GH^MR||X^Y\rPV1|1|I\r";
    assert!(policy_codes(&validate(&engine, "sender/l.hl7", lis.as_bytes())).is_empty());
    let named = arrival.replace("\"ID\":\"d-allowed\"", "\"ID\":\"other\"");
    let report = validate(&engine, "sender/n.json", named.as_bytes());
    assert_eq!(policy_codes(&report), ["SOURCE_DESTINATION_DENIED"]);
}

#[test]
fn a_hundred_thousand_destinations_give_one_bounded_diagnostic() {
    let engine = engine(
        r#"
        [sources.sender]
        paths = ["sender"]
        destinations = ["d-allowed"]
        "#,
    );
    let mut many: Vec<String> = (0..100_000).map(|i| format!("d{i}")).collect();
    many[0] = "d-allowed".to_owned();
    let names: Vec<&str> = many.iter().map(String::as_str).collect();
    let message = redox("k", "PatientAdmin", "Arrival", &names);
    let report = validate(&engine, "sender/big.json", message.as_bytes());
    let denied: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "SOURCE_DESTINATION_DENIED")
        .collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].path, "/Meta/Destinations/1");
    assert!(denied[0]
        .message
        .contains("100000 destination(s); 99999 of them"));
    assert_eq!(
        report.exchange.destinations.len(),
        payload_triage::Exchange::DESTINATIONS_LISTED
    );
    assert!(report.to_json_line().len() < message.len());
}

#[test]
fn every_message_of_a_capture_is_bound_by_its_own_sender() {
    let engine = engine(IDENTITIES);
    let mut capture = Vec::new();
    let facilities = ["GOODLAB", "CLINIC", "NOBODY"];
    for i in 0..300 {
        let facility = facilities[i % 3];
        let application = if facility == "CLINIC" {
            "CLINICAPP"
        } else {
            "X"
        };
        capture.push(0x0b);
        capture.extend_from_slice(
            hl7("ADT^A01^ADT_A01", application, facility, &i.to_string()).as_bytes(),
        );
        capture.extend_from_slice(b"\x1c\r");
    }
    // The library: one payload, many messages (validated again once per profile).
    let ctx = Context::new()
        .with_source(engine.config().profile_for("in/c.mllp").unwrap())
        .named("in/c.mllp");
    let reports = engine.validate_messages(&capture, &ctx);
    assert_eq!(reports.len(), 300);
    for (i, report) in reports.iter().enumerate() {
        let (profile, msh7) = match i % 3 {
            0 => ("lab", "2024-03-12T13:30:15Z"),
            1 => ("clinic", "2024-03-11T23:30:15Z"),
            _ => ("default", "2024-03-12T08:30:15Z"),
        };
        assert_eq!(report.source_profile.as_deref(), Some(profile), "#{i}");
        assert_eq!(canonical_msh7(report), msh7, "#{i}");
    }

    // The command line: the capture is a container, each message its own payload.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("triage.toml"),
        format!("strict_sources = true\n{IDENTITIES}"),
    )
    .unwrap();
    std::fs::write(dir.path().join("c.mllp"), &capture).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .current_dir(dir.path())
        .args([
            "validate",
            "--format",
            "json",
            "--config",
            "triage.toml",
            "c.mllp",
        ])
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v.get("source").is_some())
        .collect();
    assert_eq!(lines.len(), 300);
    for (i, line) in lines.iter().enumerate() {
        let unknown = line["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "SOURCE_UNKNOWN");
        assert_eq!(unknown, i % 3 == 2, "#{i}");
        let profile = ["lab", "clinic", "default"][i % 3];
        assert_eq!(line["source_profile"], profile, "#{i}");
    }
}

#[test]
fn identities_in_messages_are_never_echoed_or_trusted_as_text() {
    let engine = engine(IDENTITIES);
    // Escaped control characters and a 100 KB facility in MSH-4.
    let control = hl7("ADT^A01^ADT_A01", "APP", "GOOD\\X0A1B\\LAB", "1");
    let long = hl7("ADT^A01^ADT_A01", "APP", &"L".repeat(100_000), "2");
    for message in [control, long] {
        let report = validate(&engine, "data/lab/x.hl7", message.as_bytes());
        assert_eq!(policy_codes(&report), ["SOURCE_IDENTITY_MISMATCH"]);
        for d in &report.diagnostics {
            assert!(d.message.len() < 300 && !d.message.contains("LLLL"));
        }
    }
}

fn config_error(toml: &str) -> String {
    match Config::from_toml_str(toml) {
        Err(Error::Config(e)) => e.to_string(),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn contradictory_or_unusable_policies_are_configuration_errors() {
    let twice = config_error(
        r#"
        [sources.a.identity]
        hl7_sending_facility = ["GH", "X"]
        [sources.b.identity]
        hl7_sending_facility = ["GH"]
        "#,
    );
    assert!(
        twice.contains("hl7_sending_facility") && twice.contains("`a`"),
        "{twice}"
    );
    let empty = config_error("[sources.a.identity]\nredox_source_id = [\" \"]\n");
    assert!(
        empty.contains("identity.redox_source_id") && empty.contains("empty"),
        "{empty}"
    );
    let control = config_error("[sources.a]\ndestinations = [\"a\\u0007b\"]\n");
    assert!(control.contains("control character"), "{control}");
    let long = config_error(&format!(
        "[sources.a]\nmessage_types = [\"{}\"]\n",
        "A".repeat(2000)
    ));
    assert!(long.contains("1024"), "{long}");
    let pattern = config_error("[sources.a]\npatterns = [\"broadcast\"]\n");
    assert!(pattern.contains("broadcast"), "{pattern}");
    let traffic = config_error("[sources.a]\ntraffic_types = [\"fax\"]\n");
    assert!(traffic.contains("fax"), "{traffic}");
    // The same value in two different fields is not a contradiction.
    Config::from_toml_str(
        r#"
        [sources.a.identity]
        hl7_sending_facility = ["GH"]
        [sources.b.identity]
        hl7_sending_application = ["GH"]
        "#,
    )
    .unwrap();
}

/// The sample archive with its gate configuration (`examples/gate.toml`) shows every
/// policy diagnostic; without the configuration it shows none of them.
#[test]
fn the_sample_archive_and_its_configuration_show_each_policy_diagnostic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let summary = |args: &[&str]| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_triage"))
            .current_dir(root)
            .args(["validate", "--format", "json"])
            .args(args)
            .arg("examples/archive")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        let last = text.lines().last().unwrap();
        let record: Value = serde_json::from_str(last).unwrap();
        assert_eq!(record["record"], "summary");
        record
    };
    let gated = summary(&["--config", "examples/gate.toml"]);
    let policy_codes: Vec<&str> = payload_triage::codes::all()
        .map(|c| c.name())
        .filter(|n| n.starts_with("SOURCE_") || n.starts_with("ENVIRONMENT_"))
        .collect();
    assert_eq!(policy_codes.len(), 12);
    for code in &policy_codes {
        assert!(
            gated["by_code"].get(*code).is_some(),
            "{code} is not shown by the sample archive"
        );
    }
    let plain = summary(&[]);
    for code in &policy_codes {
        assert!(
            plain["by_code"].get(*code).is_none(),
            "{code} without a configuration"
        );
    }
}
