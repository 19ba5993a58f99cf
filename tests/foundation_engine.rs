//! The engine's contract, independent of any one format: classification with and
//! without a hint, both sides of every limit, the reader bound, bad input that must still
//! give a report, and the JSON shape of docs/contract.md's output contract.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::io::{self, Read};

use payload_triage::config::SizePolicy;
use payload_triage::{Config, Context, Engine, Error, Format, TrafficType};

fn codes(report: &payload_triage::Report) -> Vec<&'static str> {
    report.diagnostics.iter().map(|d| d.code.name()).collect()
}

/// One payload per traffic type, as its content would arrive.
fn samples() -> Vec<(TrafficType, Vec<u8>)> {
    vec![
        (TrafficType::Hl7v2Mllp, b"\x0bMSH|^~\\&|LAB|HOSP|||20240101120000||ADT^A01|1|P|2.5.1\r\x1c\r".to_vec()),
        (TrafficType::RedoxApi, br#"{"Meta":{"DataModel":"PatientAdmin","EventType":"Arrival"}}"#.to_vec()),
        (
            TrafficType::Carequality,
            br#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>"#.to_vec(),
        ),
        (TrafficType::UploadedFile, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()),
        (TrafficType::Other, b"just some words\n".to_vec()),
    ]
}

#[test]
fn content_decides_the_traffic_type_without_a_hint() {
    let engine = Engine::default();
    for (expected, bytes) in samples() {
        let report = engine.validate(&bytes, &Context::new());
        assert_eq!(
            report.traffic_type,
            expected,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(report.content_looks_like, None);
        assert!(!codes(&report).contains(&"CONTENT_TYPE_MISMATCH"));
    }
}

#[test]
fn the_hint_decides_and_the_report_says_what_the_content_looks_like() {
    let engine = Engine::default();
    for (content, bytes) in samples() {
        for hint in TrafficType::ALL {
            let report = engine.validate(&bytes, &Context::new().with_hint(hint));
            assert_eq!(report.traffic_type, hint);
            assert_eq!(report.limit_bytes, SizePolicy::default().limit(hint));
            // An embedded file is whatever its carrier carries, so it never disagrees.
            let agrees = hint == content
                || content == TrafficType::Other
                || hint == TrafficType::EmbeddedFile;
            if agrees {
                assert_eq!(report.content_looks_like, None, "{hint} / {content}");
            } else {
                assert_eq!(
                    report.content_looks_like,
                    Some(content),
                    "{hint} / {content}"
                );
                assert!(codes(&report).contains(&"CONTENT_TYPE_MISMATCH"));
            }
        }
    }
}

#[test]
fn every_default_limit_passes_at_the_limit_and_fails_one_byte_over() {
    let engine = Engine::default();
    let policy = SizePolicy::default();
    for traffic in TrafficType::ALL {
        let limit = policy.limit(traffic) as usize;
        // Plain text: cheap to validate, so the test measures the gate, not a parser.
        let at_limit = vec![b'x'; limit];
        let ctx = Context::new().with_hint(traffic);
        let report = engine.validate(&at_limit, &ctx);
        assert_eq!(report.size_bytes, limit as u64);
        assert!(
            !codes(&report).contains(&"SIZE_LIMIT_EXCEEDED"),
            "{traffic} at limit"
        );

        let mut over = at_limit;
        over.push(b'x');
        let report = engine.validate(&over, &ctx);
        assert_eq!(report.size_bytes, limit as u64 + 1);
        assert_eq!(report.limit_bytes, limit as u64);
        assert!(!report.is_valid());
        // Rejected before parsing: the size verdict is the only finding.
        assert_eq!(
            codes(&report),
            vec!["SIZE_LIMIT_EXCEEDED"],
            "{traffic} over limit"
        );
    }
}

#[test]
fn configured_limits_replace_the_defaults() {
    let config = Config::default().with_limit(TrafficType::Other, 5);
    let engine = Engine::new(config).unwrap();
    let ctx = Context::new().with_hint(TrafficType::Other);
    assert!(engine.validate(b"12345", &ctx).is_valid());
    assert_eq!(
        codes(&engine.validate(b"123456", &ctx)),
        vec!["SIZE_LIMIT_EXCEEDED"]
    );
}

/// A reader that would yield `remaining` bytes of HL7-looking text and counts what it gives.
struct Endless {
    remaining: u64,
    given: u64,
    fail_after: Option<u64>,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(limit) = self.fail_after {
            if self.given >= limit {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "peer went away",
                ));
            }
        }
        let n = (buf.len() as u64).min(self.remaining) as usize;
        for (i, b) in buf.iter_mut().take(n).enumerate() {
            *b = if self.given == 0 && i < 4 {
                b"MSH|".get(i).copied().unwrap_or(b'A')
            } else {
                b'A'
            };
        }
        self.remaining -= n as u64;
        self.given += n as u64;
        Ok(n)
    }
}

#[test]
fn a_ten_gigabyte_reader_is_read_no_further_than_the_limit_plus_one() {
    let engine = Engine::default();
    let mut reader = Endless {
        remaining: 10_000_000_000,
        given: 0,
        fail_after: None,
    };
    let report = engine
        .validate_reader(&mut reader, &Context::new())
        .unwrap();
    let limit = SizePolicy::default().hl7v2_mllp;
    assert_eq!(report.traffic_type, TrafficType::Hl7v2Mllp);
    assert!(reader.given <= limit + 1, "read {} bytes", reader.given);
    assert_eq!(codes(&report), vec!["SIZE_LIMIT_EXCEEDED"]);
}

#[test]
fn a_reader_that_fails_half_way_is_an_io_error_not_a_report() {
    let engine = Engine::default();
    let reader = Endless {
        remaining: 1_000_000,
        given: 0,
        fail_after: Some(500_000),
    };
    match engine.validate_reader(reader, &Context::new().named("peer")) {
        Err(Error::Io { source_name, .. }) => assert_eq!(source_name, "peer"),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn bad_input_always_gets_a_report() {
    let engine = Engine::default();
    let inputs: Vec<&[u8]> = vec![
        b"",
        b"M",
        b"\xff\xfe\xfd",
        b"\0\0\0\0",
        b"MSH",
        b"{",
        b"<",
        b"\x0b",
        b"%PDF-",
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR",
    ];
    for bytes in inputs {
        for hint in TrafficType::ALL.map(Some).into_iter().chain([None]) {
            let mut ctx = Context::new();
            ctx.hint = hint;
            let report = engine.validate(bytes, &ctx);
            assert_eq!(report.size_bytes, bytes.len() as u64);
            let line = report.to_json_line();
            assert!(line.starts_with('{') && line.ends_with('}'));
        }
    }
    let empty = engine.validate(b"", &Context::new());
    assert_eq!(codes(&empty), vec!["EMPTY_PAYLOAD"]);
    assert!(!empty.is_valid());
}

#[test]
fn truncated_files_are_caught_by_their_own_trailer_rules() {
    let engine = Engine::default();
    let pdf = engine.validate(b"%PDF-1.7\n1 0 obj\n", &Context::new());
    assert_eq!(pdf.format, Format::Pdf);
    assert_eq!(codes(&pdf), vec!["FILE_TRUNCATED"]);
    let png = engine.validate(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", &Context::new());
    assert_eq!(codes(&png), vec!["FILE_TRUNCATED"]);
    let zip = engine.validate(b"PK\x03\x04 no central directory", &Context::new());
    assert_eq!(codes(&zip), vec!["FILE_TRUNCATED"]);
    let complete_zip = engine.validate(
        b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        &Context::new(),
    );
    assert!(complete_zip.is_valid());
}

#[test]
fn an_unrecognised_upload_is_a_warning_and_other_content_is_only_size_checked() {
    let engine = Engine::default();
    let upload = engine.validate(
        b"\x01\x02\x03",
        &Context::new().with_hint(TrafficType::UploadedFile),
    );
    assert_eq!(codes(&upload), vec!["FILE_SIGNATURE_UNKNOWN"]);
    assert!(upload.is_valid());
    let other = engine.validate(b"\x01\x02\x03", &Context::new());
    assert_eq!(codes(&other), vec!["CONTENT_UNRECOGNISED"]);
}

#[test]
fn source_and_destination_environments_must_be_equal() {
    use payload_triage::{Environment, SourceProfile};
    let engine = Engine::default();
    let ctx = Context::new()
        .with_source(SourceProfile::default().with_environment(Environment::Staging))
        .with_destination(Environment::Production);
    let report = engine.validate(b"plain text", &ctx);
    assert!(codes(&report).contains(&"ENVIRONMENT_MISMATCH"));
    assert!(!report.is_valid());
    let same = Context::new()
        .with_source(SourceProfile::default().with_environment(Environment::Production))
        .with_destination(Environment::Production);
    assert!(engine.validate(b"plain text", &same).is_valid());
}

#[test]
fn an_unknown_zone_is_a_configuration_error() {
    assert!(matches!(
        payload_triage::SourceProfile::default().with_zone("Mars/Olympus_Mons"),
        Err(Error::Config(_))
    ));
    assert!(payload_triage::SourceProfile::default()
        .with_zone("America/New_York")
        .is_ok());
}

#[test]
fn the_json_line_has_exactly_the_contract_keys_and_types() {
    let engine = Engine::default();
    let report = engine.validate(b"%PDF-1.7\n", &Context::new().named("archive/scan.pdf"));
    let value: serde_json::Value = serde_json::from_str(&report.to_json_line()).unwrap();
    let object = value.as_object().unwrap();
    for key in [
        "source",
        "traffic_type",
        "format",
        "size_bytes",
        "limit_bytes",
        "valid",
        "diagnostics",
        "datetimes",
        "embedded",
    ] {
        assert!(object.contains_key(key), "missing {key}");
    }
    assert_eq!(value["source"], "archive/scan.pdf");
    assert_eq!(value["traffic_type"], "uploaded_file");
    assert_eq!(value["format"], "pdf");
    assert_eq!(value["size_bytes"], 9);
    assert_eq!(value["limit_bytes"], 30_000_000);
    assert_eq!(value["valid"], false);
    let diagnostic = &value["diagnostics"][0];
    assert_eq!(
        diagnostic
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        ["code", "message", "path", "severity"]
            .map(String::from)
            .into()
    );
    assert_eq!(diagnostic["code"], "FILE_TRUNCATED");
    assert_eq!(diagnostic["severity"], "error");
    assert!(value["datetimes"].as_array().unwrap().is_empty());
    assert!(value["embedded"].as_array().unwrap().is_empty());
}

#[test]
fn valid_is_false_exactly_when_an_error_is_present() {
    let engine = Engine::default();
    for (_, bytes) in samples() {
        for hint in TrafficType::ALL {
            let report = engine.validate(&bytes, &Context::new().with_hint(hint));
            let has_error = report
                .diagnostics
                .iter()
                .any(|d| d.severity == payload_triage::Severity::Error);
            assert_eq!(report.is_valid(), !has_error);
            let value: serde_json::Value = serde_json::from_str(&report.to_json_line()).unwrap();
            assert_eq!(value["valid"], !has_error);
        }
    }
}

#[test]
fn every_code_in_a_report_is_registered() {
    let engine = Engine::default();
    for (_, bytes) in samples() {
        for hint in TrafficType::ALL {
            for d in engine
                .validate(&bytes, &Context::new().with_hint(hint))
                .diagnostics
            {
                assert!(
                    payload_triage::codes::find(d.code.name()).is_some(),
                    "{} unregistered",
                    d.code.name()
                );
            }
        }
    }
}
