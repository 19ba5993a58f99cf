//! HL7 v2 rules, one synthetic message per rule (no real person anywhere).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use payload_triage::{
    Config, Context, Engine, Environment, ExchangePattern, Report, Severity, TrafficType,
};

fn ctx() -> Context {
    Context::new()
        .with_hint(TrafficType::Hl7v2Mllp)
        .named("t.hl7")
}

/// Joins segments with the HL7 segment terminator.
fn msg(segments: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    for s in segments {
        out.push_str(s);
        out.push('\r');
    }
    out.into_bytes()
}

const MSH_ADT_A01: &str =
    "MSH|^~\\&|SEND|FAC|RECV|FAC|20240102030405-0500||ADT^A01^ADT_A01|CTRL1|P|2.5.1";
const EVN: &str = "EVN|A01|20240102030405";
const PID: &str = "PID|1||12345^^^HOSP^MR||DOE^JANE||19800101|F";
const PV1: &str = "PV1|1|I";

fn adt(extra: &[&str]) -> Vec<u8> {
    let mut segs = vec![MSH_ADT_A01, EVN, PID, PV1];
    segs.extend_from_slice(extra);
    msg(&segs)
}

fn one(bytes: &[u8]) -> Report {
    Engine::default().validate(bytes, &ctx())
}

fn codes(r: &Report) -> Vec<(&str, &str)> {
    r.diagnostics
        .iter()
        .map(|d| (d.code.name(), d.path.as_str()))
        .collect()
}

fn has(r: &Report, code: &str, path: &str) -> bool {
    r.diagnostics
        .iter()
        .any(|d| d.code == code && d.path == path)
}

#[test]
fn a_conformant_adt_a01_is_valid_with_its_metadata() {
    let r = one(&adt(&[]));
    assert!(r.is_valid(), "{:?}", codes(&r));
    let x = &r.exchange;
    assert_eq!(x.version.as_deref(), Some("2.5.1"));
    assert_eq!(x.message_type.as_deref(), Some("ADT"));
    assert_eq!(x.event.as_deref(), Some("A01"));
    assert_eq!(x.structure.as_deref(), Some("ADT_A01"));
    assert_eq!(x.message_id.as_deref(), Some("CTRL1"));
    assert_eq!(x.processing_id.as_deref(), Some("P"));
    assert_eq!(x.claimed_environment, Some(Environment::Production));
    assert_eq!(x.pattern, Some(ExchangePattern::Notification));
}

#[test]
fn required_segment_missing_is_reported_at_its_id() {
    let r = one(&msg(&[MSH_ADT_A01, EVN, PID]));
    assert!(!r.is_valid());
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "HL7_SEGMENT_MISSING")
        .unwrap();
    assert_eq!(d.path, "PV1");
    assert_eq!(d.message, "required segment PV1 is missing");
}

#[test]
fn segment_out_of_order_is_an_error() {
    let r = one(&msg(&[MSH_ADT_A01, PID, EVN, PV1]));
    assert!(has(&r, "HL7_SEGMENT_ORDER", "EVN"), "{:?}", codes(&r));
    assert!(!r.is_valid());
}

#[test]
fn segment_over_its_cardinality_is_a_repetition_error() {
    let r = one(&msg(&[MSH_ADT_A01, EVN, PID, PID, PV1]));
    assert!(
        has(&r, "HL7_SEGMENT_REPETITION", "PID[2]"),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn a_segment_foreign_to_the_structure_is_unexpected_but_z_segments_are_info() {
    let r = one(&adt(&["ZXY|1|local", "RXA|0|1"]));
    assert!(has(&r, "HL7_Z_SEGMENT", "ZXY"));
    assert!(has(&r, "HL7_SEGMENT_UNEXPECTED", "RXA"));
    let z = r
        .diagnostics
        .iter()
        .find(|d| d.code == "HL7_Z_SEGMENT")
        .unwrap();
    assert_eq!(z.severity, Severity::Info);
}

#[test]
fn empty_required_field_is_an_error() {
    // PID-3 (patient identifier list) is required in v2.5.1.
    let r = one(&msg(&[MSH_ADT_A01, EVN, "PID|1||||DOE^JANE", PV1]));
    assert!(
        has(&r, "HL7_REQUIRED_FIELD_EMPTY", "PID-3"),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn nm_and_si_values_must_be_numbers() {
    let r = one(&adt(&["OBX|x|NM|1^Weight^L||abc|kg|||||F"]));
    assert!(has(&r, "HL7_DATA_TYPE_FORMAT", "OBX-1"), "{:?}", codes(&r));
    assert!(has(&r, "HL7_DATA_TYPE_FORMAT", "OBX-5"), "{:?}", codes(&r));
}

#[test]
fn a_value_outside_its_hl7_table_is_a_warning_only() {
    // MSH-11 processing ID takes table 0103 (D, P, T).
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||ADT^A01^ADT_A01|C|Q|2.5.1",
        EVN,
        PID,
        PV1,
    ]));
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "HL7_TABLE_VALUE")
        .unwrap();
    assert_eq!(d.path, "MSH-11.1");
    assert_eq!(d.severity, Severity::Warning);
    assert!(r.is_valid());
}

#[test]
fn field_repeating_beyond_its_definition_is_an_error() {
    // PID-7 (date/time of birth) does not repeat.
    let r = one(&msg(&[
        MSH_ADT_A01,
        EVN,
        "PID|1||1^^^H^MR||D^J||19800101~19800102",
        PV1,
    ]));
    assert!(has(&r, "HL7_FIELD_REPETITION", "PID-7"), "{:?}", codes(&r));
}

#[test]
fn unknown_message_type_is_an_error() {
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||XYZ^Q99|C|P|2.5.1",
        "PID|1",
    ]));
    assert!(
        has(&r, "HL7_UNKNOWN_MESSAGE_TYPE", "MSH-9"),
        "{:?}",
        codes(&r)
    );
}

#[test]
fn structure_of_another_version_is_a_version_mismatch() {
    // RSP_K11 first appears in v2.4; v2.3 does not define it.
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||RSP^K11^RSP_K11|C|P|2.3",
        "MSA|AA|1",
    ]));
    assert!(has(&r, "HL7_VERSION_MISMATCH", "MSH-12"), "{:?}", codes(&r));
}

#[test]
fn unknown_version_is_an_error() {
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||ADT^A01|C|P|9.9",
        EVN,
        PID,
        PV1,
    ]));
    assert!(has(&r, "HL7_VERSION_UNKNOWN", "MSH-12"));
}

#[test]
fn event_map_gives_adt_a04_the_adt_a01_structure() {
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||ADT^A04|C|T|2.5",
        "EVN|A04|20240102",
        PID,
        PV1,
    ]));
    assert_eq!(r.exchange.structure.as_deref(), Some("ADT_A01"));
    assert_eq!(r.exchange.claimed_environment, Some(Environment::Staging));
    assert!(r.is_valid(), "{:?}", codes(&r));
}

#[test]
fn msh_missing_when_the_first_segment_is_not_msh() {
    let r = one(b"PID|1||123\r");
    assert!(has(&r, "HL7_MSH_MISSING", "MSH"));
}

#[test]
fn bad_encoding_characters_are_reported() {
    let r = one(b"MSH|^^\\&|S\r");
    assert!(has(&r, "HL7_ENCODING_CHARACTERS", "MSH-2"));
}

#[test]
fn custom_delimiters_are_honoured() {
    let text = "MSH#!@$%#S#F#R#F#20240102##ADT!A01!ADT_A01#C#P#2.5.1\rEVN#A01#20240102\rPID#1##1!!!H!MR##D!J\rPV1#1#I\r";
    let r = one(text.as_bytes());
    assert!(r.is_valid(), "{:?}", codes(&r));
    assert_eq!(r.exchange.structure.as_deref(), Some("ADT_A01"));
}

#[test]
fn v2_7_truncation_character_is_a_fifth_encoding_character() {
    let text = "MSH|^~\\&#|S|F|R|F|20240102||ADT^A01^ADT_A01|C|P|2.7\rEVN||20240102\rPID|1||1^^^H^MR||D^J\rPV1|1|I\r";
    let r = one(text.as_bytes());
    assert!(
        !has(&r, "HL7_ENCODING_CHARACTERS", "MSH-2"),
        "{:?}",
        codes(&r)
    );
    assert_eq!(r.exchange.version.as_deref(), Some("2.7"));
}

#[test]
fn line_feed_terminators_are_accepted_with_an_info() {
    let text = String::from_utf8(adt(&[])).unwrap().replace('\r', "\n");
    let r = one(text.as_bytes());
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "HL7_SEGMENT_TERMINATOR_LF")
        .unwrap();
    assert_eq!(d.severity, Severity::Info);
    assert!(r.is_valid(), "{:?}", codes(&r));
    let crlf = String::from_utf8(adt(&[])).unwrap().replace('\r', "\r\n");
    assert!(has(&one(crlf.as_bytes()), "HL7_SEGMENT_TERMINATOR_LF", ""));
}

#[test]
fn invalid_escape_sequences_are_errors() {
    let r = one(&msg(&[MSH_ADT_A01, EVN, "PID|1||1^^^H^MR||D\\Q\\^J", PV1]));
    assert!(has(&r, "HL7_ESCAPE_INVALID", "PID-5"), "{:?}", codes(&r));
}

#[test]
fn withdrawn_fields_that_are_valued_get_a_warning() {
    // v2.8 withdrew PID-19 (SSN).
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||ADT^A01^ADT_A01|C|P|2.8",
        "EVN||20240102",
        "PID|1||1^^^H^MR||D^J||||||||||||||000-00-0000",
        PV1,
    ]));
    assert!(has(&r, "HL7_FIELD_WITHDRAWN", "PID-19"), "{:?}", codes(&r));
}

#[test]
fn datetime_fields_are_recorded_with_their_paths() {
    let r = one(&adt(&[
        "OBX|1|NM|1^A^L||1||||||F",
        "OBX|2|NM|1^A^L||1||||||F",
        "OBX|3|NM|1^A^L||1||||||F|||20240102101112",
    ]));
    let paths: Vec<(&str, &str)> = r
        .datetimes
        .iter()
        .map(|d| (d.path.as_str(), d.original.as_str()))
        .collect();
    assert!(
        paths.contains(&("MSH-7", "20240102030405-0500")),
        "{paths:?}"
    );
    assert!(paths.contains(&("EVN-2", "20240102030405")));
    assert!(paths.contains(&("PID-7", "19800101")));
    assert!(paths.contains(&("OBX[3]-14", "20240102101112")));
}

#[test]
fn ts_degree_of_precision_and_explicit_null_are_passed_as_sent() {
    let r = one(&msg(&[
        MSH_ADT_A01,
        EVN,
        "PID|1||1^^^H^MR||D^J||198001^M",
        "PV1|1|I||||||||||||||||||||||||||||||||||||||||||\"\"",
    ]));
    let got: Vec<(&str, &str)> = r
        .datetimes
        .iter()
        .map(|d| (d.path.as_str(), d.original.as_str()))
        .collect();
    assert!(got.contains(&("PID-7", "198001^M")), "{got:?}");
    assert!(got.contains(&("PV1-44", "\"\"")), "{got:?}");
}

#[test]
fn datetime_components_carry_component_paths() {
    // XCN.19 (effective date) of v2.5.1 is a TS component; its TS.1 sits in a subcomponent.
    let r = one(&adt(&["ROL|1|AD|PP|1^D^J^^^^^^^^^^^^^^^^20240101"]));
    assert!(
        r.datetimes
            .iter()
            .any(|d| d.path == "ROL-4.19" && d.original == "20240101"),
        "{:?}",
        r.datetimes
    );
}

#[test]
fn ack_relates_to_the_acknowledged_message() {
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||ACK^A01^ACK|C2|P|2.5.1",
        "MSA|AA|CTRL1",
    ]));
    assert_eq!(r.exchange.relates_to.as_deref(), Some("CTRL1"));
    assert_eq!(r.exchange.pattern, Some(ExchangePattern::Acknowledgement));
    assert!(r.is_valid(), "{:?}", codes(&r));
}

#[test]
fn qbp_q22_is_a_query_and_rsp_k22_its_response() {
    let q = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||QBP^Q22^QBP_Q21|Q1|D|2.5.1",
        "QPD|Q22^Find^HL7|Q1",
        "RCP|I",
    ]));
    assert_eq!(q.exchange.pattern, Some(ExchangePattern::Query));
    assert_eq!(
        q.exchange.claimed_environment,
        Some(Environment::Development)
    );
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||RSP^K22^RSP_K21|R1|P|2.5.1",
        "MSA|AA|Q1",
        "QAK|Q1|OK",
        "QPD|Q22^Find^HL7|Q1",
    ]));
    assert_eq!(r.exchange.pattern, Some(ExchangePattern::QueryResponse));
    assert_eq!(r.exchange.relates_to.as_deref(), Some("Q1"));
}

#[test]
fn mllp_capture_gives_one_report_per_frame_with_frame_bytes_counted() {
    let a = adt(&[]);
    let mut capture = Vec::new();
    for _ in 0..3 {
        capture.push(0x0B);
        capture.extend_from_slice(&a);
        capture.extend_from_slice(&[0x1C, 0x0D]);
    }
    let reports = Engine::default().validate_messages(&capture, &ctx());
    assert_eq!(reports.len(), 3);
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.size_bytes, a.len() as u64 + 3);
        assert_eq!(r.source, format!("t.hl7#{}", i + 1));
        assert!(r.is_valid(), "{:?}", codes(r));
    }
    // Validated as one payload, the capture is never merged: the report is the first
    // frame's, and says that there are more (a warning, as all of them are valid).
    let first = one(&capture);
    assert_eq!(first.size_bytes, a.len() as u64 + 3);
    assert_eq!(first.exchange.message_id.as_deref(), Some("CTRL1"));
    assert!(has(&first, "PAYLOAD_HOLDS_SEVERAL_MESSAGES", ""));
    assert!(first.is_valid());
}

#[test]
fn mllp_missing_end_block_and_stray_bytes_are_reported() {
    let a = adt(&[]);
    let mut capture = vec![0x0B];
    capture.extend_from_slice(&a);
    capture.extend_from_slice(&[0x1C, 0x0D]);
    capture.extend_from_slice(b"garbage");
    capture.push(0x0B);
    capture.extend_from_slice(&a);
    let reports = Engine::default().validate_messages(&capture, &ctx());
    assert_eq!(reports.len(), 2);
    assert!(has(&reports[1], "HL7_MLLP_BYTES_BETWEEN_FRAMES", ""));
    assert!(has(&reports[1], "HL7_MLLP_END_BLOCK_MISSING", ""));
    assert!(!reports[1].is_valid());
    assert!(reports[0].is_valid());
}

#[test]
fn mllp_end_block_without_carriage_return_is_reported() {
    let mut capture = vec![0x0B];
    capture.extend_from_slice(&adt(&[]));
    capture.push(0x1C);
    assert!(has(&one(&capture), "HL7_MLLP_END_BLOCK_INVALID", ""));
}

fn batch(count_in_bts: &str) -> Vec<u8> {
    let a = String::from_utf8(adt(&[])).unwrap();
    format!("FHS|^~\\&|S|F\rBHS|^~\\&|S|F\r{a}{a}BTS|{count_in_bts}\rFTS|1\r").into_bytes()
}

#[test]
fn fhs_bhs_batch_gives_one_report_per_message() {
    let bytes = batch("2");
    let reports = Engine::default().validate_messages(&bytes, &ctx());
    assert_eq!(reports.len(), 2);
    assert!(
        reports.iter().all(Report::is_valid),
        "{:?}",
        codes(&reports[0])
    );
    let whole = one(&bytes);
    assert!(whole.is_valid());
}

#[test]
fn batch_counts_must_match_bts_1() {
    // Envelope findings are known at the end of the envelope: on the last report.
    let reports = Engine::default().validate_messages(&batch("3"), &ctx());
    assert!(has(reports.last().unwrap(), "HL7_BATCH_COUNT", "BTS-1"));
}

#[test]
fn batch_counts_that_are_no_count_are_reported_not_passed() {
    // A negative count, a count past any integer, a decimal and text (issue 14).
    for count in ["-1", "99999999999999999999999", "2.0", "two", "+2"] {
        let reports = Engine::default().validate_messages(&batch(count), &ctx());
        assert!(
            has(reports.last().unwrap(), "HL7_BATCH_COUNT", "BTS-1"),
            "BTS-1 of {count:?} passed"
        );
    }
    // An empty count is optional, and a right one with spaces around it still matches.
    for count in ["", " 2 "] {
        let reports = Engine::default().validate_messages(&batch(count), &ctx());
        assert!(reports.iter().all(Report::is_valid), "BTS-1 of {count:?}");
    }
}

#[test]
fn file_counts_that_are_no_count_are_reported_not_passed() {
    let a = String::from_utf8(adt(&[])).unwrap();
    for count in ["-1", "99999999999999999999999", "1e0"] {
        let bytes = format!("FHS|^~\\&|S|F\rBHS|^~\\&|S|F\r{a}BTS|1\rFTS|{count}\r").into_bytes();
        let reports = Engine::default().validate_messages(&bytes, &ctx());
        assert!(
            has(&reports[0], "HL7_BATCH_COUNT", "FTS-1"),
            "FTS-1 of {count:?} passed"
        );
    }
}

#[test]
fn batch_without_its_trailer_is_a_structure_error() {
    let a = String::from_utf8(adt(&[])).unwrap();
    let bytes = format!("BHS|^~\\&|S\r{a}").into_bytes();
    let r = one(&bytes);
    assert!(has(&r, "HL7_BATCH_STRUCTURE", "BTS"));
}

#[test]
fn message_count_is_capped_by_configuration() {
    let mut config = Config::default();
    config.bounds.messages_per_file = 2;
    let engine = Engine::new(config).unwrap();
    let a = adt(&[]);
    let bytes: Vec<u8> = a.iter().chain(&a).chain(&a).copied().collect();
    let reports = engine.validate_messages(&bytes, &ctx());
    assert_eq!(reports.len(), 2);
    assert!(has(&reports[1], "MESSAGE_COUNT_EXCEEDED", ""));
}

#[test]
fn bare_messages_back_to_back_are_split() {
    let a = adt(&[]);
    let bytes: Vec<u8> = a.iter().chain(&a).copied().collect();
    let reports = Engine::default().validate_messages(&bytes, &ctx());
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].size_bytes, a.len() as u64);
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(&adt(&[]));
    assert!(one(&bytes).is_valid());
}

#[test]
fn a_byte_order_mark_inside_an_mllp_frame_is_skipped() {
    let mut capture = vec![0x0B];
    capture.extend_from_slice(b"\xEF\xBB\xBF");
    capture.extend_from_slice(&adt(&[]));
    capture.extend_from_slice(&[0x1C, 0x0D]);
    let r = one(&capture);
    assert!(r.is_valid(), "{:?}", codes(&r));
}

#[test]
fn the_anchor_of_an_enclosing_repeating_group_starts_its_next_occurrence() {
    // OMG_O19 (v2.8): after a specimen, ORC could begin PRIOR_RESULT's ORDER_PRIOR or the
    // next ORDER; it is the next ORDER (TQ1 then OBR follow, as in an ORDER).
    let r = one(&msg(&[
        "MSH|^~\\&|S|F|R|F|20240102||OMG^O19^OMG_O19|C|P|2.8",
        "PID|1||1^^^H^MR||D^J",
        "ORC|NW|P1",
        "OBR|1|P1||1^T^L",
        "SPM|1|||BLD",
        "ORC|NW|P2",
        "TQ1|1",
        "OBR|2|P2||1^T^L",
        "SPM|2|||BLD",
    ]));
    assert!(
        !r.diagnostics.iter().any(|d| d.code == "HL7_SEGMENT_ORDER"),
        "{:?}",
        codes(&r)
    );
    assert!(r.is_valid(), "{:?}", codes(&r));
}

#[test]
fn obx_4_observation_sub_id_is_conditional_not_required() {
    // The standard's OBX attribute table (v2.3.1 figure 7-5, v2.7 and v2.8 section 7.4.2)
    // gives OBX-4 usage C; hl7apy has it R in these three versions, which the generator
    // corrects. OBX-3 (usage R) stays required: the control that the check still runs.
    for version in ["2.3.1", "2.7", "2.8"] {
        let msh =
            format!("MSH|^~\\&|LAB|FAC|EHR|FAC|20240102030405||ORU^R01^ORU_R01|C1|P|{version}");
        let r = one(&msg(&[
            &msh,
            "PID|1||12345^^^HOSP^MR||DOE^JANE",
            "OBR|1|||1^Panel^L",
            "OBX|1|NM|||5||||||F",
        ]));
        let empty: Vec<&str> = r
            .diagnostics
            .iter()
            .filter(|d| d.code == "HL7_REQUIRED_FIELD_EMPTY" && d.path.starts_with("OBX"))
            .map(|d| d.path.as_str())
            .collect();
        assert!(
            empty.iter().any(|p| p.ends_with("-3")),
            "{version}: {empty:?}"
        );
        assert!(
            !empty.iter().any(|p| p.ends_with("-4")),
            "{version}: {empty:?}"
        );
    }
}
