//! Hostile HL7 v2 inputs: each test is named for the attack it stops. Every input must
//! give a report, quickly and in bounded memory, never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use payload_triage::unstable::hl7v2::mllp::{Deframer, Event};
use payload_triage::unstable::hl7v2::{escape, parse};
use payload_triage::{Context, Engine, TrafficType};

const MSH: &str = "MSH|^~\\&|S|F|R|F|20240102||ADT^A01^ADT_A01|C|P|2.5.1\rEVN||20240102\r";

fn ctx() -> Context {
    Context::new().with_hint(TrafficType::Hl7v2Mllp)
}

#[test]
fn a_million_empty_fields_give_one_bounded_report() {
    let mut bytes = MSH.as_bytes().to_vec();
    bytes.extend_from_slice(b"PID");
    bytes.extend(std::iter::repeat_n(b'|', 1_000_000));
    bytes.extend_from_slice(b"\rPV1|1|I\r");
    let r = Engine::default().validate(&bytes, &ctx());
    assert!(r.diagnostics.len() <= 1000);
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "HL7_REQUIRED_FIELD_EMPTY" && d.path == "PID-3"));
}

#[test]
fn a_million_repetitions_stop_at_the_field_limit() {
    let mut bytes = MSH.as_bytes().to_vec();
    bytes.extend_from_slice(b"PID|1||1^^^H^MR||D^J||");
    bytes.extend(std::iter::repeat_n(b'~', 1_000_000));
    bytes.extend_from_slice(b"\rPV1|1|I\r");
    let r = Engine::default().validate(&bytes, &ctx());
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "HL7_FIELD_REPETITION" && d.path == "PID-7"));
    assert!(r.datetimes.len() < 10);
}

#[test]
fn a_million_repetitions_of_a_repeating_field_keep_diagnostics_bounded() {
    let mut bytes = MSH.as_bytes().to_vec();
    bytes.extend_from_slice(b"PID|1||");
    for _ in 0..200_000 {
        bytes.extend_from_slice(b"x^^^^BAD~");
    }
    bytes.extend_from_slice(b"\rPV1|1|I\r");
    let r = Engine::default().validate(&bytes, &ctx());
    let limit = Engine::default().config().bounds.diagnostics_per_report;
    assert!(r.diagnostics.len() <= limit, "{}", r.diagnostics.len());
}

#[test]
fn a_stream_with_no_end_block_is_reported_and_not_buffered_past_the_limit() {
    let mut bytes = vec![0x0B];
    bytes.extend_from_slice(MSH.as_bytes());
    bytes.extend_from_slice(b"PID|1||1^^^H^MR||D^J\rPV1|1|I\r");
    let r = Engine::default().validate(&bytes, &ctx());
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "HL7_MLLP_END_BLOCK_MISSING"));

    let mut deframer = Deframer::new(1024);
    let mut events = Vec::new();
    deframer.push(&[0x0B], &mut events);
    for _ in 0..10_000 {
        deframer.push(&[b'A'; 100], &mut events);
        assert!(deframer.buffered() <= 1024);
    }
    deframer.finish(&mut events);
    assert_eq!(
        events.first(),
        Some(&Event::FrameTooLarge {
            wire_len: 1_000_001
        })
    );
}

#[test]
fn nul_bytes_anywhere_give_a_report() {
    let mut bytes = MSH.as_bytes().to_vec();
    bytes.extend_from_slice(b"PID|1|\0\0|1^^^H^MR||D^J\r\0\0\0\rPV1|1|I\r");
    let r = Engine::default().validate(&bytes, &ctx());
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "HL7_SEGMENT_ID_INVALID"));
    let zeros = vec![0u8; 4096];
    let r = Engine::default().validate(&zeros, &ctx());
    assert!(!r.is_valid());
}

#[test]
fn a_lone_escape_character_at_the_end_is_an_error_not_a_panic() {
    let d = parse::Delimiters::default();
    assert!(escape::decode(b"abc\\", &d).is_err());
    let mut bytes = MSH.as_bytes().to_vec();
    bytes.extend_from_slice(b"PID|1||1^^^H^MR||D^J\\");
    let r = Engine::default().validate(&bytes, &ctx());
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "HL7_ESCAPE_INVALID" && d.path == "PID-5"));
}

#[test]
fn truncated_headers_of_every_length_give_a_report() {
    let full = MSH.as_bytes();
    for cut in 0..full.len() {
        let r = Engine::default().validate(&full[..cut], &ctx());
        assert!(!r.is_valid(), "cut at {cut}");
        assert!(r.to_json_line().starts_with('{'));
    }
}

#[test]
fn a_flood_of_empty_frames_is_capped_by_the_message_count() {
    let mut config = payload_triage::Config::default();
    config.bounds.messages_per_file = 10;
    let engine = Engine::new(config).unwrap();
    let bytes = vec![0x0B; 100_000];
    let reports = engine.validate_messages(&bytes, &ctx());
    assert_eq!(reports.len(), 10);
    assert!(reports[9]
        .diagnostics
        .iter()
        .any(|d| d.code == "MESSAGE_COUNT_EXCEEDED"));
}

#[test]
fn many_tiny_messages_validated_as_one_payload_are_not_merged() {
    let bytes = "MSH|^~\\&\r".repeat(300_000);
    let r = Engine::default().validate(bytes.as_bytes(), &ctx());
    let limit = Engine::default().config().bounds.diagnostics_per_report;
    assert!(r.diagnostics.len() <= limit, "{}", r.diagnostics.len());
    // The report is the first message's, and says how many more there are.
    let several: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "PAYLOAD_HOLDS_SEVERAL_MESSAGES")
        .collect();
    assert_eq!(several.len(), 1);
    assert!(several[0].message.contains("300000 messages"));
    assert_eq!(several[0].severity, payload_triage::Severity::Error);
    assert!(!r.is_valid());
}

#[test]
fn a_capture_of_broken_frames_in_one_report_stays_bounded() {
    let bytes = "\x0bMSH|^~\\&\x1cjunk".repeat(100_000);
    let r = Engine::default().validate(bytes.as_bytes(), &ctx());
    let limit = Engine::default().config().bounds.diagnostics_per_report;
    assert!(r.diagnostics.len() <= limit, "{}", r.diagnostics.len());
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "HL7_MLLP_END_BLOCK_INVALID"));
}

/// An ORU whose OBX-5 is ED data with ED.4 `encoding` and ED.5 `data`.
fn ed_message(encoding: &str, data: &[u8]) -> Vec<u8> {
    let mut bytes = b"MSH|^~\\&|S|F|R|F|20240102||ORU^R01^ORU_R01|C|P|2.5.1\rPID|1||1^^^H^MR||D^J\rOBR|1||F|X^Y^L\rOBX|1|ED|X^Y^L||^AP^Octet-stream^".to_vec();
    bytes.extend_from_slice(encoding.as_bytes());
    bytes.push(b'^');
    bytes.extend_from_slice(data);
    bytes.extend_from_slice(b"||||||F\r");
    bytes
}

#[test]
fn ed_base64_with_whitespace_after_every_byte_decodes_in_one_pass() {
    // 8 MB of base64 characters, each followed by a space: 16 MB of ED.5, 6 MB decoded.
    let mut data = Vec::with_capacity(16_000_000);
    for _ in 0..2_000_000 {
        data.extend_from_slice(b"Q A A A ");
    }
    let r = Engine::default().validate(&ed_message("Base64", &data), &ctx());
    assert_eq!(r.embedded.len(), 1);
    assert_eq!(r.embedded[0].size_bytes, 6_000_000);
}

#[test]
fn ed_base64_with_padding_in_the_middle_is_refused_not_decoded_twice() {
    let mut data = Vec::with_capacity(8_000_004);
    for _ in 0..2_000_000 {
        data.extend_from_slice(b"QQ==");
    }
    let r = Engine::default().validate(&ed_message("Base64", &data), &ctx());
    assert!(r.embedded[0]
        .diagnostics
        .iter()
        .any(|d| d.code == "EMBEDDED_BASE64_INVALID"));
    assert!(!r.is_valid());
}

#[test]
fn ed_data_under_an_unknown_encoding_is_never_decoded() {
    let data = vec![b'A'; 20_000_000];
    let r = Engine::default().validate(&ed_message("Base65536", &data), &ctx());
    assert!(r.embedded.is_empty());
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "HL7_ED_NOT_DECODED" && d.path == "OBX-5.5"));
}

#[test]
fn ed_data_of_a_million_escape_sequences_is_unescaped_in_one_pass() {
    // Each \X0A\ decodes to a line feed, which base64 decoding skips.
    let mut data = Vec::with_capacity(7_000_008);
    for _ in 0..1_000_000 {
        data.extend_from_slice(b"\\X0A\\QQ");
    }
    data.extend_from_slice(b"QQ==");
    let r = Engine::default().validate(&ed_message("Base64", &data), &ctx());
    assert_eq!(r.embedded.len(), 1);
}
