//! The emitter's bounds, the gate's diagnostics under a flood, severity overrides, the
//! configuration read by the library, the report's round trip, embedded files and
//! streams: the architecture as a service that links the crate meets it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::io::Read;
use std::process::Command;

use base64::Engine as _;
use payload_triage::{
    codes, Config, ConfigError, Context, Engine, Environment, Error, Format, Report, Severity,
    SourceProfile, TrafficType, CONTRACT_VERSION,
};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml).unwrap()
}

/// An ORU^R01 whose 81 OBX-5 NM values are not numbers: 81 format errors, production.
fn oru_with_81_errors() -> Vec<u8> {
    let mut m = String::from(
        "MSH|^~\\&|LAB|GH|EHR|GH|20240312083015-0500||ORU^R01^ORU_R01|C1|P|2.5.1\r\
         PID|1||123^^^GH^MR||DOE^JANE||19800101|F\rOBR|1|||CBC\r",
    );
    for i in 1..=81 {
        m.push_str(&format!("OBX|{i}|NM|718-7^HGB^LN||abc|g/dL|||||F\r"));
    }
    m.into_bytes()
}

fn hl7() -> Context {
    Context::new().with_hint(TrafficType::Hl7v2Mllp)
}

fn count(report: &Report, code: codes::Code) -> usize {
    report.diagnostics.iter().filter(|d| d.code == code).count()
}

#[test]
fn eighty_two_findings_under_a_bound_of_five_keep_the_environment_error_and_the_exact_count() {
    let engine = Engine::new(
        config("[bounds]\ndiagnostics_per_report = 5").with_destination(Environment::Staging),
    )
    .unwrap();
    let ctx = hl7().with_destination(Environment::Staging);
    let report = engine.validate(&oru_with_81_errors(), &ctx);
    let listed: Vec<_> = report.diagnostics.iter().map(|d| d.code.name()).collect();
    assert_eq!(
        listed,
        [
            "HL7_DATA_TYPE_FORMAT",
            "HL7_DATA_TYPE_FORMAT",
            "HL7_DATA_TYPE_FORMAT",
            "ENVIRONMENT_MISMATCH",
            "DIAGNOSTICS_TRUNCATED"
        ]
    );
    // 82 findings: 3 listed from the format, the gate's one, 78 counted.
    let last = &report.diagnostics[4];
    assert_eq!(last.message, "78 more diagnostics were not listed");
    assert_eq!(last.severity, Severity::Error);
    assert!(!report.is_valid());
}

#[test]
fn the_eighty_two_diagnostic_case_reads_the_same_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("oru.hl7");
    std::fs::write(&payload, oru_with_81_errors()).unwrap();
    let conf = dir.path().join("triage.toml");
    std::fs::write(&conf, "[bounds]\ndiagnostics_per_report = 5\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["validate", "--format", "json", "--environment", "staging"])
        .arg("--config")
        .arg(&conf)
        .arg(&payload)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // One payload record, then the run's summary record.
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let report: Report = serde_json::from_str(lines.next().unwrap()).unwrap();
    let summary: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(summary["record"], "summary");
    assert_eq!(summary["by_code"]["ENVIRONMENT_MISMATCH"]["count"], 1);
    assert_eq!(count(&report, codes::ENVIRONMENT_MISMATCH), 1);
    assert_eq!(
        report.diagnostics.last().unwrap().message,
        "78 more diagnostics were not listed"
    );
}

#[test]
fn gate_diagnostics_survive_a_flood_even_under_a_bound_of_one() {
    let engine = Engine::new(config("[bounds]\ndiagnostics_per_report = 1")).unwrap();
    // An HL7 message on the Redox channel: content mismatch first, then the flood.
    let ctx = Context::new()
        .with_hint(TrafficType::Hl7v2Mllp)
        .with_source(SourceProfile::default().with_environment(Environment::Production))
        .with_destination(Environment::Development);
    let report = engine.validate(&oru_with_81_errors(), &ctx);
    assert_eq!(count(&report, codes::ENVIRONMENT_MISMATCH), 2);
    assert_eq!(count(&report, codes::HL7_DATA_TYPE_FORMAT), 0);
    assert_eq!(
        report.diagnostics.last().unwrap().message,
        "81 more diagnostics were not listed"
    );

    let mismatch = engine.validate(
        &oru_with_81_errors(),
        &Context::new().with_hint(TrafficType::RedoxApi),
    );
    assert_eq!(mismatch.diagnostics[0].code, codes::CONTENT_TYPE_MISMATCH);
    assert_eq!(
        mismatch.diagnostics.last().unwrap().code,
        codes::DIAGNOSTICS_TRUNCATED
    );
}

#[test]
fn the_datetime_bound_lists_what_it_may_and_counts_the_rest_exactly() {
    // HL7 v2: MSH-7, PID-7 and 81 OBX-14 values.
    let mut m = String::from_utf8(oru_with_81_errors()).unwrap();
    m = m.replace("|||||F\r", "|||||F|||20240312083015-0500\r");
    let engine = Engine::new(config("[bounds]\ndatetimes_per_report = 10")).unwrap();
    let report = engine.validate(m.as_bytes(), &hl7());
    assert_eq!(report.datetimes.len(), 10);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == codes::DATETIMES_TRUNCATED)
        .unwrap();
    assert_eq!(d.message, "73 more datetimes were checked but not listed");
}

#[test]
fn the_findings_bound_tells_the_format_to_stop_and_says_so() {
    let engine = Engine::new(config(
        "[bounds]\ndiagnostics_per_report = 4\nfindings_per_report = 20",
    ))
    .unwrap();
    let report = engine.validate(&oru_with_81_errors(), &hl7());
    let last = report.diagnostics.last().unwrap();
    assert_eq!(last.code, codes::DIAGNOSTICS_TRUNCATED);
    assert!(
        last.message
            .starts_with("17 more diagnostics were not listed; examination stopped after"),
        "{}",
        last.message
    );
    assert!(!report.is_valid());
}

#[test]
fn the_segment_bound_is_configurable() {
    let engine = Engine::new(config("[bounds]\nsegments_per_message = 5")).unwrap();
    let report = engine.validate(&oru_with_81_errors(), &hl7());
    assert_eq!(count(&report, codes::HL7_SEGMENT_COUNT_EXCEEDED), 1);
    // Only the first segments were examined: the OBX past the fifth were not.
    assert!(count(&report, codes::HL7_DATA_TYPE_FORMAT) <= 2);
}

#[test]
fn severity_overrides_change_or_silence_a_code_and_the_verdict_follows() {
    let off = Engine::new(config("[severity]\nHL7_DATA_TYPE_FORMAT = \"off\"")).unwrap();
    let report = off.validate(&oru_with_81_errors(), &hl7());
    assert_eq!(count(&report, codes::HL7_DATA_TYPE_FORMAT), 0);
    assert!(report.is_valid(), "{:?}", report.diagnostics);

    let warn = Engine::new(config("[severity]\nHL7_DATA_TYPE_FORMAT = \"warning\"")).unwrap();
    let report = warn.validate(&oru_with_81_errors(), &hl7());
    assert_eq!(report.warnings().count(), 81);
    assert!(report.is_valid());

    // A local time with no zone is a warning by default; a stricter gate makes it an error.
    let zoneless = b"MSH|^~\\&|LAB|GH|EHR|GH|20240312083015||ADT^A01^ADT_A01|C1|P|2.5.1\r\
                     EVN|A01|20240312083015\rPID|1||123^^^GH^MR||DOE^JANE||19800101|F\rPV1|1|I\r";
    assert!(Engine::default().validate(zoneless, &hl7()).is_valid());
    let strict = Engine::new(config("[severity]\nDATETIME_NO_ZONE = \"error\"")).unwrap();
    assert!(!strict.validate(zoneless, &hl7()).is_valid());
}

#[test]
fn severity_overrides_reach_the_gate_and_the_truncation_notes_too() {
    let engine = Engine::new(config(
        "[bounds]\ndatetimes_per_report = 1\n[severity]\nCONTENT_TYPE_MISMATCH = \"off\"\nDATETIMES_TRUNCATED = \"off\"\nENVIRONMENT_MISMATCH = \"warning\"",
    ))
    .unwrap();
    let ctx = Context::new()
        .with_hint(TrafficType::RedoxApi)
        .with_source(SourceProfile::default().with_environment(Environment::Production))
        .with_destination(Environment::Staging);
    let report = engine.validate(&oru_with_81_errors(), &ctx);
    assert_eq!(report.content_looks_like, Some(TrafficType::Hl7v2Mllp));
    assert_eq!(count(&report, codes::CONTENT_TYPE_MISMATCH), 0);
    // MSH-7 and PID-7 are datetimes; one is listed, and the note of the other is off.
    let hl7_report = engine.validate(&oru_with_81_errors(), &hl7());
    assert_eq!(hl7_report.datetimes.len(), 1);
    assert_eq!(count(&hl7_report, codes::DATETIMES_TRUNCATED), 0);
    let environment = report
        .diagnostics
        .iter()
        .find(|d| d.code == codes::ENVIRONMENT_MISMATCH)
        .unwrap();
    assert_eq!(environment.severity, Severity::Warning);
}

#[test]
fn configuration_errors_are_typed() {
    let unknown = Config::from_toml_str("[severity]\nNOT_A_CODE = \"off\"").unwrap_err();
    assert!(
        matches!(&unknown, Error::Config(ConfigError::UnknownCode { name }) if name == "NOT_A_CODE"),
        "{unknown:?}"
    );
    let level = Config::from_toml_str("[severity]\nHL7_TABLE_VALUE = \"fatal\"").unwrap_err();
    assert!(matches!(
        level,
        Error::Config(ConfigError::UnknownSeverity { ref value, .. }) if value == "fatal"
    ));
    assert!(unknown.to_string().contains("NOT_A_CODE"));
    let bad_zone = Config::from_toml_str("[source]\ntimezone = \"Mars/Base\"").unwrap_err();
    assert!(matches!(
        bad_zone,
        Error::Config(ConfigError::UnknownZone { ref name }) if name == "Mars/Base"
    ));
    let named = Config::from_toml_str("[sources.lab]\ntimezone = \"Nowhere\"").unwrap_err();
    assert!(matches!(
        named,
        Error::Config(ConfigError::Source { ref profile, .. }) if profile == "lab"
    ));
    let bound = Config::from_toml_str("[bounds]\ndiagnostics_per_report = 0").unwrap_err();
    assert!(matches!(
        bound,
        Error::Config(ConfigError::Bound {
            bound: "diagnostics_per_report",
            minimum: 1
        })
    ));
    let missing = Config::from_path("/nonexistent/triage.toml").unwrap_err();
    assert!(matches!(
        missing,
        Error::Config(ConfigError::Unreadable { .. })
    ));
}

#[test]
fn the_library_reads_the_file_the_command_line_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("triage.toml");
    std::fs::write(
        &path,
        "destination_environment = \"production\"\n[limits]\nother = 7\n[source]\ntimezone = \"America/Chicago\"\n",
    )
    .unwrap();
    let config = Config::from_path(&path).unwrap();
    assert_eq!(
        config.destination_environment,
        Some(Environment::Production)
    );
    assert_eq!(config.limits.limit(TrafficType::Other), 7);
    let profile = config.profile_for("anything").unwrap();
    assert_eq!(profile.zone_name(), Some("America/Chicago"));
}

#[test]
fn a_report_round_trips_through_its_json_and_carries_the_contract_version() {
    let engine = Engine::default();
    let report = engine.validate(&oru_with_81_errors(), &hl7().named("oru.hl7"));
    let mut line = Vec::new();
    report.write_json(&mut line).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
    assert_eq!(value["contract_version"], CONTRACT_VERSION);
    let back: Report = serde_json::from_slice(&line).unwrap();
    assert_eq!(back, report);
    assert_eq!(back.errors().count(), 81);

    // A report whose verdict disagrees with its diagnostics is refused.
    let mut forged = value.clone();
    forged["valid"] = serde_json::Value::Bool(true);
    assert!(serde_json::from_value::<Report>(forged).is_err());
    let mut future = value;
    future["contract_version"] = serde_json::json!(CONTRACT_VERSION + 1);
    assert!(serde_json::from_value::<Report>(future).is_err());
}

#[test]
fn diagnostics_display_as_one_line_naming_code_place_and_rule() {
    let report = Engine::default().validate(&oru_with_81_errors(), &hl7());
    assert_eq!(
        report.diagnostics[0].to_string(),
        "error HL7_DATA_TYPE_FORMAT at OBX-5: an NM value must be an optionally signed decimal number (HL7 v2.5 section 2.A.47)"
    );
}

fn binary(data: &str) -> Vec<u8> {
    format!(r#"{{"resourceType": "Binary", "contentType": "application/pdf", "data": "{data}"}}"#)
        .into_bytes()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

#[test]
fn an_embedded_file_gets_a_nested_report_of_its_own_kind() {
    let report = Engine::default().validate(&binary(&b64(PDF)), &Context::new());
    assert!(report.is_valid(), "{:?}", report.diagnostics);
    let nested = &report.embedded[0];
    assert_eq!(nested.traffic_type, TrafficType::EmbeddedFile);
    assert_eq!(nested.format, Format::Pdf);
    assert_eq!(nested.size_bytes, PDF.len() as u64);
    assert_eq!(nested.encoded_bytes, Some(b64(PDF).len() as u64));
    assert_eq!(nested.source, "/data");
}

#[test]
fn an_invalid_embedded_file_makes_its_carrier_invalid() {
    // The second is base64's alphabet and shape, but its last character leaves bits
    // that are not zero (RFC 4648 section 3.5): not a canonical encoding.
    for data in [b64(b"%PDF-1.4 cut"), String::from("AAR=")] {
        let report = Engine::default().validate(&binary(&data), &Context::new());
        assert_eq!(count(&report, codes::EMBEDDED_FILE_INVALID), 1);
        assert!(!report.is_valid());
    }
    let bad = Engine::default().validate(&binary("AAR="), &Context::new());
    assert_eq!(
        bad.embedded[0].diagnostics[0].code,
        codes::EMBEDDED_BASE64_INVALID
    );
}

#[test]
fn the_embedded_limit_is_checked_from_the_base64_length_before_decoding() {
    let engine = Engine::new(Config::default().with_limit(TrafficType::EmbeddedFile, 6)).unwrap();
    // 12 characters whose last group is not decodable (bits left over, RFC 4648
    // section 3.5): the size verdict comes first, from the length alone, so nothing
    // was decoded.
    let over = engine.validate(&binary("AAAAAAAAAAR="), &Context::new());
    assert_eq!(over.embedded[0].size_bytes, 8);
    assert_eq!(
        over.embedded[0].diagnostics[0].code,
        codes::SIZE_LIMIT_EXCEEDED
    );
    // Exactly the limit passes the gate.
    let exact = engine.validate(&binary(&b64(b"abcdef")), &Context::new());
    assert_eq!(count(&exact.embedded[0], codes::SIZE_LIMIT_EXCEEDED), 0);
}

#[test]
fn embedding_stops_at_the_depth_bound() {
    // A Binary holding a Binary holding a PDF, with depth 1: the inner one is refused.
    let inner = binary(&b64(PDF));
    let outer = format!(
        r#"{{"resourceType": "Binary", "contentType": "application/fhir+json", "data": "{}"}}"#,
        b64(&inner)
    );
    let engine = Engine::new(config("[bounds]\nembedded_depth = 1")).unwrap();
    let report = engine.validate(outer.as_bytes(), &Context::new());
    let nested = &report.embedded[0];
    assert_eq!(nested.format, Format::FhirR4);
    assert!(nested.embedded.is_empty());
    assert_eq!(count(nested, codes::EMBEDDED_DEPTH_EXCEEDED), 1);
    assert!(!report.is_valid());
}

#[test]
fn the_same_mtom_part_included_many_times_is_validated_once() {
    let include = r#"<xdsb:DocumentResponse><xdsb:HomeCommunityId>urn:oid:1.2.3</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>1.2.3.4</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.3.4.5</xdsb:DocumentUniqueId><xdsb:mimeType>application/pdf</xdsb:mimeType><xdsb:Document><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:doc1@example.org"/></xdsb:Document></xdsb:DocumentResponse>"#;
    let envelope = format!(
        r#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing"><soap:Header><wsa:Action>urn:ihe:iti:2007:CrossGatewayRetrieveResponse</wsa:Action><wsa:MessageID>urn:uuid:1</wsa:MessageID><wsa:RelatesTo>urn:uuid:2</wsa:RelatesTo></soap:Header><soap:Body><xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007" xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"><rs:RegistryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>{}</xdsb:RetrieveDocumentSetResponse></soap:Body></soap:Envelope>"#,
        include.repeat(300)
    );
    let mut package = format!(
        "--B\r\nContent-Type: application/xop+xml; type=\"application/soap+xml\"\r\nContent-ID: <root@example.org>\r\n\r\n{envelope}\r\n--B\r\nContent-Type: application/pdf\r\nContent-ID: <doc1@example.org>\r\n\r\n"
    )
    .into_bytes();
    package.extend_from_slice(PDF);
    package.extend_from_slice(b"\r\n--B--\r\n");
    let report = Engine::default().validate(
        &package,
        &Context::new().with_hint(TrafficType::Carequality),
    );
    assert_eq!(report.format, Format::Mtom);
    assert_eq!(report.embedded.len(), 1);
    assert_eq!(count(&report, codes::EMBEDDED_FILE_REPEATED), 299);
    // Counted once against the embedded-file bound (256 by default).
    assert_eq!(count(&report, codes::EMBEDDED_COUNT_EXCEEDED), 0);
    assert!(report.is_valid(), "{:?}", report.diagnostics.first());
}

fn adt(id: &str) -> String {
    format!(
        "MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A01^ADT_A01|{id}|P|2.5.1\rEVN|A01|20240101120000+0000\rPID|1||1^^^B^MR||X^Y||19800101|F\rPV1|1|I\r"
    )
}

#[test]
fn an_mllp_stream_gives_one_report_per_frame_as_it_arrives() {
    let engine = Engine::new(Config::default().with_limit(TrafficType::Hl7v2Mllp, 300)).unwrap();
    let big = format!("{}{}", adt("BIG"), "NTE|1||x\r".repeat(40));
    let feed = format!(
        "\x0b{}\x1c\r junk \x0b{}\x1c\r\x0b{big}\x1c\r\x0b{}",
        adt("1"),
        adt("2"),
        adt("4")
    );
    let reports: Vec<Report> = engine
        .validate_stream(feed.as_bytes(), &Context::new().named("feed"))
        .collect::<Result<_, _>>()
        .unwrap();
    let sources: Vec<_> = reports.iter().map(|r| r.source.as_str()).collect();
    assert_eq!(sources, ["feed#1", "feed#2", "feed#3", "feed#4"]);
    assert!(reports[0].is_valid());
    assert_eq!(reports[0].size_bytes, adt("1").len() as u64 + 3);
    assert_eq!(count(&reports[1], codes::HL7_MLLP_BYTES_BETWEEN_FRAMES), 1);
    assert_eq!(reports[2].diagnostics[0].code, codes::SIZE_LIMIT_EXCEEDED);
    assert_eq!(reports[2].size_bytes, big.len() as u64 + 3);
    assert_eq!(count(&reports[3], codes::HL7_MLLP_END_BLOCK_MISSING), 1);
}

#[test]
fn an_ndjson_stream_gives_one_report_per_line_and_skips_blank_lines() {
    let engine = Engine::new(Config::default().with_limit(TrafficType::RedoxApi, 80)).unwrap();
    let patient = r#"{"resourceType": "Patient", "birthDate": "1980-02-29"}"#;
    let long = format!(
        r#"{{"resourceType": "Patient", "id": "{}"}}"#,
        "x".repeat(100)
    );
    let feed = format!("{patient}\n\n{{broken\r\n{long}\n{patient}");
    let reports: Vec<Report> = engine
        .validate_stream(feed.as_bytes(), &Context::new().named("feed.ndjson"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(reports.len(), 4);
    assert!(reports[0].is_valid());
    assert_eq!(reports[1].diagnostics[0].code, codes::JSON_SYNTAX_ERROR);
    assert_eq!(reports[2].diagnostics[0].code, codes::SIZE_LIMIT_EXCEEDED);
    assert_eq!(reports[2].size_bytes, long.len() as u64);
    assert!(reports[3].is_valid());
    assert_eq!(reports[3].source, "feed.ndjson#4");
}

/// A reader that makes MLLP frames on demand and counts what was read from it.
struct Frames {
    frame: Vec<u8>,
    left: usize,
    at: usize,
    read: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Read for Frames {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() && self.left > 0 {
            let take = (self.frame.len() - self.at).min(buf.len() - n);
            buf[n..n + take].copy_from_slice(&self.frame[self.at..self.at + take]);
            n += take;
            self.at += take;
            if self.at == self.frame.len() {
                self.at = 0;
                self.left -= 1;
            }
        }
        self.read.set(self.read.get() + n);
        Ok(n)
    }
}

#[test]
fn a_stream_is_read_as_it_is_validated_not_first_held_whole() {
    let mut frame = vec![0x0b];
    frame.extend_from_slice(adt("1").as_bytes());
    frame.extend_from_slice(b"\x1c\r");
    let read = std::rc::Rc::new(std::cell::Cell::new(0));
    let total = frame.len() * 100_000;
    let reader = Frames {
        frame,
        left: 100_000,
        at: 0,
        read: read.clone(),
    };
    let engine = Engine::default();
    let mut stream = engine.validate_stream(reader, &Context::new());
    let first = stream.next().unwrap().unwrap();
    assert!(first.is_valid());
    // One buffer's worth has been read, not the 14 MB stream.
    assert!(read.get() <= 128 * 1024, "{} of {total}", read.get());
    assert_eq!(
        stream.filter(|r| r.as_ref().unwrap().is_valid()).count(),
        99_999
    );
}

#[test]
fn a_stream_that_is_neither_mllp_nor_ndjson_is_one_payload() {
    let reports: Vec<Report> = Engine::default()
        .validate_stream(PDF, &Context::new().named("x.pdf"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].format, Format::Pdf);
    assert_eq!(reports[0].source, "x.pdf");
}
