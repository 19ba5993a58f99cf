//! The standards' own examples, through the public API: each row cites where it comes
//! from. Values are examples printed in the standards, not patient data.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use payload_triage::unstable::datetime::lookup_zone;
use payload_triage::unstable::datetime::{
    canonicalize, record, DatetimeErrorKind, DstPolicy, Precision, Syntax, ZoneRules,
};
use payload_triage::TrafficType;
use payload_triage::{Format, Report};

fn rules() -> ZoneRules {
    ZoneRules::default()
}

fn sender(zone: &str) -> ZoneRules {
    ZoneRules {
        sender_zone: Some(lookup_zone(zone).unwrap()),
        ..ZoneRules::default()
    }
}

fn text(value: &str, syntax: Syntax, rules: &ZoneRules) -> Option<String> {
    canonicalize(value, syntax, rules)
        .ok()
        .and_then(|c| c.text())
}

#[test]
fn hl7_v2_ts_examples_section_2_a_81() {
    // "1:01:59 on July 4, 1976 in the Eastern Standard Time zone" / "... Daylight".
    assert_eq!(
        text("19760704010159-0600", Syntax::Hl7v2DateTime, &rules()).as_deref(),
        Some("1976-07-04T07:01:59Z")
    );
    assert_eq!(
        text("19760704010159-0500", Syntax::Hl7v2DateTime, &rules()).as_deref(),
        Some("1976-07-04T06:01:59Z")
    );
    // "Midnight of the night extending from July 4 to July 5, 1988 in the local time
    // zone of the sender": converted only with the sender's zone.
    assert_eq!(
        canonicalize("198807050000", Syntax::Hl7v2DateTime, &rules())
            .unwrap_err()
            .kind(),
        DatetimeErrorKind::NoZone
    );
    assert_eq!(
        text(
            "198807050000",
            Syntax::Hl7v2DateTime,
            &sender("America/New_York")
        )
        .as_deref(),
        Some("1988-07-05T04:00Z")
    );
    // "Same as prior example, but precision extends only to the day."
    let c = canonicalize(
        "19880705",
        Syntax::Hl7v2DateTime,
        &sender("America/New_York"),
    )
    .unwrap();
    assert_eq!(c.text().as_deref(), Some("1988-07-05"));
    assert_eq!(c.precision(), Some(Precision::Day));
}

#[test]
fn hl7_v2_dtm_example_section_2_a_22() {
    // "|199904| specifies April 1999."
    let c = canonicalize("199904", Syntax::Hl7v2DateTime, &rules()).unwrap();
    assert_eq!(c.text().as_deref(), Some("1999-04"));
    assert_eq!(c.precision(), Some(Precision::Month));
    // "+0000 or -0000 both represent UTC" (implementations prior to v2.9).
    for zone in ["+0000", "-0000"] {
        let value = format!("19990401120000{zone}");
        assert_eq!(
            text(&value, Syntax::Hl7v2DateTime, &rules()).as_deref(),
            Some("1999-04-01T12:00:00Z")
        );
    }
    // Ten-thousandths of a second: 19 characters before the zone.
    assert_eq!(
        text("19990401120000.1234+0100", Syntax::Hl7v2DateTime, &rules()).as_deref(),
        Some("1999-04-01T11:00:00.1234Z")
    );
}

#[test]
fn w3c_dtf_examples() {
    // W3C NOTE-datetime (1997): the six levels and the TZD example.
    for (value, canonical) in [
        ("1997", "1997"),
        ("1997-07", "1997-07"),
        ("1997-07-16", "1997-07-16"),
        ("1997-07-16T19:20+01:00", "1997-07-16T18:20Z"),
        ("1997-07-16T19:20:30+01:00", "1997-07-16T18:20:30Z"),
        ("1997-07-16T19:20:30.45+01:00", "1997-07-16T18:20:30.45Z"),
        ("1994-11-05T08:15:30-05:00", "1994-11-05T13:15:30Z"),
        ("1994-11-05T13:15:30Z", "1994-11-05T13:15:30Z"),
    ] {
        assert_eq!(
            text(value, Syntax::Iso8601, &rules()).as_deref(),
            Some(canonical),
            "{value}"
        );
    }
}

#[test]
fn rfc_3339_section_5_8_examples() {
    for (value, canonical) in [
        ("1985-04-12T23:20:50.52Z", "1985-04-12T23:20:50.52Z"),
        ("1996-12-19T16:39:57-08:00", "1996-12-20T00:39:57Z"),
        // An offset of 20 minutes (Netherlands, 1937).
        ("1937-01-01T12:00:27.87+00:20", "1937-01-01T11:40:27.87Z"),
    ] {
        assert_eq!(
            text(value, Syntax::Iso8601, &rules()).as_deref(),
            Some(canonical),
            "{value}"
        );
        assert_eq!(
            text(value, Syntax::XsDateTime, &rules()).as_deref(),
            Some(canonical),
            "{value}"
        );
    }
    // The leap-second examples are reported, not shifted to 00:00:00 or 23:59:59.
    for value in ["1990-12-31T23:59:60Z", "1990-12-31T15:59:60-08:00"] {
        let err = canonicalize(value, Syntax::Iso8601, &rules()).unwrap_err();
        assert_eq!(err.kind(), DatetimeErrorKind::LeapSecond, "{value}");
        assert_eq!(err.kind().code().name(), "DATETIME_LEAP_SECOND");
    }
}

#[test]
fn fhir_r4_primitive_examples_section_2_24_0_1() {
    for (value, syntax, canonical) in [
        ("2018", Syntax::FhirDate, "2018"),
        ("1973-06", Syntax::FhirDate, "1973-06"),
        ("1905-08-23", Syntax::FhirDate, "1905-08-23"),
        ("2018", Syntax::FhirDateTime, "2018"),
        ("1973-06", Syntax::FhirDateTime, "1973-06"),
        ("1905-08-23", Syntax::FhirDateTime, "1905-08-23"),
        (
            "2015-02-07T13:28:17-05:00",
            Syntax::FhirDateTime,
            "2015-02-07T18:28:17Z",
        ),
        (
            "2017-01-01T00:00:00.000Z",
            Syntax::FhirDateTime,
            "2017-01-01T00:00:00.000Z",
        ),
        (
            "2015-02-07T13:28:17.239+02:00",
            Syntax::FhirInstant,
            "2015-02-07T11:28:17.239Z",
        ),
        (
            "2017-01-01T00:00:00Z",
            Syntax::FhirInstant,
            "2017-01-01T00:00:00Z",
        ),
    ] {
        assert_eq!(
            text(value, syntax, &rules()).as_deref(),
            Some(canonical),
            "{value}"
        );
    }
    // "If hours and minutes are specified, a time zone SHALL be populated" — even when
    // a sender zone is configured: the value itself is non-conformant.
    let err = canonicalize(
        "2015-02-07T13:28:17",
        Syntax::FhirDateTime,
        &sender("America/New_York"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), DatetimeErrorKind::FhirZoneRequired);
}

#[test]
fn hl7_v3_ts_carries_long_fractions() {
    // V3 Data Types R1 TS: the HL7 digit form with any number of fraction digits
    // (bounded here at nanoseconds).
    assert_eq!(
        text("20050329224411.1234567+0500", Syntax::Hl7v3Ts, &rules()).as_deref(),
        Some("2005-03-29T17:44:11.1234567Z")
    );
    assert_eq!(
        canonicalize(
            "20050329224411.1234567+0500",
            Syntax::Hl7v2DateTime,
            &rules()
        )
        .unwrap_err()
        .kind(),
        DatetimeErrorKind::FractionTooLong
    );
}

#[test]
fn xds_slot_times_are_utc_by_definition() {
    // IHE ITI TF-3, XDS metadata DTM data type: times are UTC and carry no offset.
    let utc = ZoneRules {
        assume_utc: true,
        ..ZoneRules::default()
    };
    assert_eq!(
        text("20041225212010", Syntax::Hl7v2DateTime, &utc).as_deref(),
        Some("2004-12-25T21:20:10Z")
    );
    assert_eq!(
        text("200412252120", Syntax::Hl7v2DateTime, &utc).as_deref(),
        Some("2004-12-25T21:20Z")
    );
    assert_eq!(
        text("20041225", Syntax::Hl7v2DateTime, &utc).as_deref(),
        Some("2004-12-25")
    );
}

#[test]
fn dst_policy_is_chosen_per_source() {
    // Europe/Berlin, 2023-10-29 02:30 happens twice (CEST +2, then CET +1).
    let mut rules = sender("Europe/Berlin");
    rules.dst = DstPolicy::Later;
    assert_eq!(
        text("2023-10-29T02:30:00", Syntax::Iso8601, &rules).as_deref(),
        Some("2023-10-29T01:30:00Z")
    );
    rules.dst = DstPolicy::Default;
    assert_eq!(
        text("2023-10-29T02:30:00", Syntax::Iso8601, &rules).as_deref(),
        Some("2023-10-29T00:30:00Z")
    );
}

#[test]
fn report_entries_follow_the_output_contract() {
    let mut report = Report::new(TrafficType::Hl7v2Mllp, Format::Hl7v2, 0, 0);
    record(
        &mut report,
        "MSH-7",
        "20231105143000-0500",
        Syntax::Hl7v2DateTime,
        &rules(),
    );
    record(
        &mut report,
        "PID-7",
        "\"\"",
        Syntax::Hl7v2DateTime,
        &rules(),
    );
    record(
        &mut report,
        "EVN-2",
        "202311051430",
        Syntax::Hl7v2DateTime,
        &rules(),
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json_line()).unwrap();
    assert_eq!(
        json["datetimes"],
        serde_json::json!([
            {"path": "MSH-7", "original": "20231105143000-0500",
             "canonical": "2023-11-05T19:30:00Z", "precision": "second"},
            {"path": "PID-7", "original": "\"\"", "canonical": null, "precision": null},
            {"path": "EVN-2", "original": "202311051430", "canonical": null, "precision": "minute"},
        ])
    );
    assert_eq!(json["diagnostics"][0]["code"], "DATETIME_NO_ZONE");
    assert_eq!(json["diagnostics"][0]["severity"], "warning");
    assert_eq!(json["diagnostics"][0]["path"], "EVN-2");
    assert_eq!(json["valid"], true);
}
