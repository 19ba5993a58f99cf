//! Dates stay dates in every format (issue 13, item 8): a birth or death date sent
//! with a time keeps the date as sent when converting the time to UTC would move the
//! day, and says so with `DATETIME_CALENDAR_DATE_KEPT`. Synthetic data only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

mod common;

use payload_triage::{Context, Engine, Report, TrafficType};

fn entry<'r>(r: &'r Report, suffix: &str) -> &'r payload_triage::DatetimeEntry {
    r.datetimes
        .iter()
        .find(|e| e.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no datetime at {suffix}: {:?}", r.datetimes))
}

fn kept(r: &Report, suffix: &str) -> bool {
    r.diagnostics
        .iter()
        .any(|d| d.code == "DATETIME_CALENDAR_DATE_KEPT" && d.path.ends_with(suffix))
}

#[test]
fn redox_dob_with_a_late_time_keeps_its_date() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/json/redox/patientadmin_arrival.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let late = text.replace(
        "\"DOB\": \"1980-01-01\"",
        "\"DOB\": \"1980-01-01T23:30:00-05:00\"",
    );
    assert_ne!(late, text, "the fixture's DOB moved");
    let ctx = Context::new()
        .with_hint(TrafficType::RedoxApi)
        .named("a.json");
    let r = Engine::default().validate(late.as_bytes(), &ctx);
    let e = entry(&r, "/DOB");
    assert_eq!(e.canonical.as_deref(), Some("1980-01-01"));
    assert!(kept(&r, "/DOB"), "{:?}", r.diagnostics);

    let early = text.replace(
        "\"DOB\": \"1980-01-01\"",
        "\"DOB\": \"1980-01-01T10:30:00-05:00\"",
    );
    let r = Engine::default().validate(early.as_bytes(), &ctx);
    assert_eq!(
        entry(&r, "/DOB").canonical.as_deref(),
        Some("1980-01-01T15:30:00Z")
    );
    assert!(!kept(&r, "/DOB"));
}

#[test]
fn cda_birth_time_with_a_late_time_keeps_its_date() {
    let text = String::from_utf8(common::fixture("ccda_minimal.xml")).unwrap();
    let late = text.replace(
        "<birthTime value=\"19800102\"/>",
        "<birthTime value=\"198001020100+1400\"/>",
    );
    assert_ne!(late, text, "the fixture's birthTime moved");
    let r = common::uploaded(late.as_bytes());
    let e = entry(&r, "/birthTime/@value");
    assert_eq!(e.canonical.as_deref(), Some("1980-01-02"));
    assert!(kept(&r, "/birthTime/@value"), "{:?}", r.diagnostics);
    // Other TS elements of the same document are instants, converted as before.
    assert!(!r
        .diagnostics
        .iter()
        .any(|d| d.code == "DATETIME_CALENDAR_DATE_KEPT" && !d.path.contains("birthTime")));
}
