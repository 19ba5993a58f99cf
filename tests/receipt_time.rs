//! Receipt time: a context may carry the time the host received a payload, and the
//! report then carries it and the validation time in UTC (issue 12, item 7;
//! docs/contract.md, "JSON Lines").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use payload_triage::{Config, Context, Engine, Report};

const ADT: &[u8] = b"MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01|20240101120000+0000\rPID|1||1^^^B^MR||X^Y\rPV1|1|I\r";

fn received() -> SystemTime {
    // 2024-03-12T13:30:15.123Z
    UNIX_EPOCH + Duration::from_millis(1_710_250_215_123)
}

fn check(report: &Report) {
    assert_eq!(
        report.received_at.as_deref(),
        Some("2024-03-12T13:30:15.123Z")
    );
    let validated = report.validated_at.as_deref().unwrap();
    assert_eq!(validated.len(), 24, "{validated}");
    assert!(validated.ends_with('Z'));
    // Validation happens after receipt (same fixed-width format, so text order is
    // time order).
    assert!(validated > report.received_at.as_deref().unwrap());
    let line: serde_json::Value = serde_json::from_str(&report.to_json_line()).unwrap();
    assert_eq!(line["received_at"], "2024-03-12T13:30:15.123Z");
    assert_eq!(line["validated_at"], validated);
    // And back: the keys round-trip through the contract's reader.
    let back: Report = serde_json::from_value(line).unwrap();
    assert_eq!(&back, report);
}

#[test]
fn every_entry_point_stamps_a_report_whose_context_has_a_receipt_time() {
    let engine = Engine::default();
    let ctx = Context::new().named("m").received_at(received());
    check(&engine.validate(ADT, &ctx));
    engine.validate_messages(ADT, &ctx).iter().for_each(check);
    check(&engine.validate_reader(ADT, &ctx).unwrap());
    let mut framed = vec![0x0b];
    framed.extend_from_slice(ADT);
    framed.extend_from_slice(b"\x1c\r");
    for report in engine.validate_stream(framed.as_slice(), &ctx) {
        check(&report.unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.hl7"), ADT).unwrap();
    let mut seen = 0;
    payload_triage::batch::run(
        &engine,
        &[dir.path().to_path_buf()],
        &payload_triage::batch::Options::default(),
        |name| Ok(Context::new().named(name).received_at(received())),
        |record| {
            if let payload_triage::batch::Record::Report(r) = record {
                check(&r);
                seen += 1;
            }
            std::ops::ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!(seen, 1);
}

#[test]
fn without_a_receipt_time_the_keys_are_absent_and_redaction_keeps_them() {
    let engine = Engine::default();
    let report = engine.validate(ADT, &Context::new());
    assert!(report.received_at.is_none() && report.validated_at.is_none());
    assert!(!report.to_json_line().contains("received_at"));
    // Receipt and validation times are the host's, not the payload's: redaction keeps
    // them.
    let engine = Engine::new(Config::from_toml_str("redact = true").unwrap()).unwrap();
    let report = engine.validate(ADT, &Context::new().received_at(received()));
    assert!(report.redacted);
    check(&report);
}

#[test]
fn times_outside_the_calendar_are_written_as_the_epoch_not_a_panic() {
    let engine = Engine::default();
    let report = engine.validate(
        ADT,
        &Context::new().received_at(UNIX_EPOCH - Duration::from_secs(5)),
    );
    assert_eq!(
        report.received_at.as_deref(),
        Some("1970-01-01T00:00:00.000Z")
    );
}
