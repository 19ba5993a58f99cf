//! Key order must not matter (issue 13, `docs/contract.md` "Classification"): a Redox
//! or FHIR payload whose deciding key comes after the sniff window is classified by it,
//! in memory and when read from a reader, so a valid 15 MB message is held to the
//! 40 MB Redox API limit rather than refused at the 10 MB limit of other traffic. A SOAP
//! 1.1 envelope is Carequality traffic, refused there for its version.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use payload_triage::{Context, Engine, Format, TrafficType};

/// A FHIR Binary of about `size` bytes whose `resourceType` comes last.
fn late_fhir(size: usize) -> Vec<u8> {
    let mut bytes = br#"{"id":"b1","contentType":"text/plain","data":""#.to_vec();
    let base64_len = (size / 4) * 4;
    bytes.resize(bytes.len() + base64_len, b'Q');
    bytes.extend_from_slice(br#"","resourceType":"Binary"}"#);
    bytes
}

#[test]
fn a_15_mb_fhir_resource_with_a_late_resource_type_is_redox_api_traffic() {
    let bytes = late_fhir(15_000_000);
    let engine = Engine::default();
    let in_memory = engine.validate(&bytes, &Context::new());
    assert_eq!(in_memory.traffic_type, TrafficType::RedoxApi);
    assert_eq!(in_memory.format, Format::FhirR4);
    assert_eq!(in_memory.limit_bytes, 40_000_000);
    assert!(
        !in_memory
            .diagnostics
            .iter()
            .any(|d| d.code == "SIZE_LIMIT_EXCEEDED"),
        "{:?}",
        in_memory.diagnostics
    );
    // Read from a reader, the window alone cannot decide: the engine reads on.
    let read = engine
        .validate_reader(bytes.as_slice(), &Context::new())
        .unwrap();
    assert_eq!(read.traffic_type, TrafficType::RedoxApi);
    assert_eq!(read.size_bytes, bytes.len() as u64);
    assert!(!read
        .diagnostics
        .iter()
        .any(|d| d.code == "SIZE_LIMIT_EXCEEDED"));
}

#[test]
fn a_late_meta_after_a_million_members_decides_redox() {
    let mut bytes = b"{".to_vec();
    for i in 0..1_000_000u32 {
        bytes.extend_from_slice(format!("\"k{i}\":{i},").as_bytes());
    }
    bytes.extend_from_slice(br#""Meta":{"DataModel":"Results","EventType":"New"}}"#);
    let report = Engine::default().validate(&bytes, &Context::new());
    assert_eq!(report.traffic_type, TrafficType::RedoxApi);
    assert_eq!(report.format, Format::RedoxDataModel);
}

#[test]
fn plain_json_without_a_deciding_key_stays_other() {
    let mut bytes = br#"{"a":""#.to_vec();
    bytes.resize(20_000, b'x');
    bytes.extend_from_slice(br#""}"#);
    let report = Engine::default()
        .validate_reader(bytes.as_slice(), &Context::new())
        .unwrap();
    assert_eq!(report.traffic_type, TrafficType::Other);
    assert_eq!(report.format, Format::Json);
}

#[test]
fn a_soap11_envelope_is_carequality_traffic_refused_for_its_version() {
    let soap11 = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x/></soap:Body></soap:Envelope>"#;
    for hint in [None, Some(TrafficType::Carequality)] {
        let ctx = match hint {
            Some(h) => Context::new().with_hint(h),
            None => Context::new(),
        };
        let report = Engine::default().validate(soap11, &ctx);
        assert_eq!(report.traffic_type, TrafficType::Carequality);
        assert_eq!(report.limit_bytes, 40_000_000);
        assert!(!report.is_valid());
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.code == "SOAP_VERSION_UNSUPPORTED"),
            "{:?}",
            report.diagnostics
        );
    }
}
