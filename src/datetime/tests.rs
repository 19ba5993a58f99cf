//! Table-driven unit tests: each row is one rule of docs/contract.md or the standards.

use super::*;
use crate::report::{Format, Severity};
use crate::traffic::TrafficType;

fn zone(name: &str) -> ZoneRules {
    ZoneRules {
        sender_zone: Some(crate::datetime::lookup_zone(name).unwrap()),
        ..ZoneRules::default()
    }
}

/// Records one value and returns (canonical, precision, [(code, severity)]).
fn run(
    value: &str,
    syntax: Syntax,
    rules: &ZoneRules,
) -> (
    Option<String>,
    Option<&'static str>,
    Vec<(&'static str, Severity)>,
) {
    let mut report = Report::new(TrafficType::Other, Format::Unknown, 0, 0);
    record(&mut report, "X", value, syntax, rules);
    assert_eq!(report.datetimes.len(), 1);
    let entry = report.datetimes.pop().unwrap();
    assert_eq!(entry.original, value);
    for d in &report.diagnostics {
        assert_eq!(d.path, "X");
        if value.len() > 3 {
            assert!(
                !d.message.contains(value),
                "message leaks the value: {}",
                d.message
            );
        }
    }
    (
        entry.canonical.map(String::from),
        entry.precision.map(Precision::as_str),
        report
            .diagnostics
            .iter()
            .map(|d| (d.code.name(), d.severity))
            .collect(),
    )
}

use Syntax::*;

/// (value, syntax, canonical, precision) with no zone configured and no diagnostic.
const OK_WITHOUT_ZONE: &[(&str, Syntax, &str, &str)] = &[
    // docs/contract.md output contract example.
    (
        "20231105143000-0500",
        Hl7v2DateTime,
        "2023-11-05T19:30:00Z",
        "second",
    ),
    // HL7 v2 DT and every DTM precision.
    ("2023", Hl7v2Date, "2023", "year"),
    ("202311", Hl7v2Date, "2023-11", "month"),
    ("20231105", Hl7v2Date, "2023-11-05", "day"),
    ("2023", Hl7v2DateTime, "2023", "year"),
    ("202311", Hl7v2DateTime, "2023-11", "month"),
    ("20231105", Hl7v2DateTime, "2023-11-05", "day"),
    (
        "2023110514-0500",
        Hl7v2DateTime,
        "2023-11-05T19:00Z",
        "hour",
    ),
    (
        "202311051430+0000",
        Hl7v2DateTime,
        "2023-11-05T14:30Z",
        "minute",
    ),
    (
        "20231105143000.1+0100",
        Hl7v2DateTime,
        "2023-11-05T13:30:00.1Z",
        "fraction",
    ),
    (
        "20231105143000.1230-0330",
        Hl7v2DateTime,
        "2023-11-05T18:00:00.1230Z",
        "fraction",
    ),
    (
        "20231105143000.0000+0000",
        Hl7v2DateTime,
        "2023-11-05T14:30:00.0000Z",
        "fraction",
    ),
    // Conversion crosses the day, month and year boundary.
    (
        "20231231230000-0500",
        Hl7v2DateTime,
        "2024-01-01T04:00:00Z",
        "second",
    ),
    (
        "20240101003000+1400",
        Hl7v2DateTime,
        "2023-12-31T10:30:00Z",
        "second",
    ),
    (
        "20240229235959-1200",
        Hl7v2DateTime,
        "2024-03-01T11:59:59Z",
        "second",
    ),
    // The day steps follow the Gregorian month lengths (ISO 8601-1:2019 section
    // 3.2.1): back over a month end, a leap day, a non-leap century, a 400-year leap.
    (
        "20230501003000+0100",
        Hl7v2DateTime,
        "2023-04-30T23:30:00Z",
        "second",
    ),
    (
        "20230301003000+0100",
        Hl7v2DateTime,
        "2023-02-28T23:30:00Z",
        "second",
    ),
    (
        "20240301003000+0100",
        Hl7v2DateTime,
        "2024-02-29T23:30:00Z",
        "second",
    ),
    (
        "19000301003000+0100",
        Hl7v2DateTime,
        "1900-02-28T23:30:00Z",
        "second",
    ),
    (
        "20000301003000+0100",
        Hl7v2DateTime,
        "2000-02-29T23:30:00Z",
        "second",
    ),
    (
        "2100-02-28T23:30:00-01:00",
        Iso8601,
        "2100-03-01T00:30:00Z",
        "second",
    ),
    // The edges of the range still convert when they stay inside it.
    (
        "99991231230000+0100",
        Hl7v2DateTime,
        "9999-12-31T22:00:00Z",
        "second",
    ),
    (
        "00010101013000+0100",
        Hl7v2DateTime,
        "0001-01-01T00:30:00Z",
        "second",
    ),
    // -0000: RFC 3339 section 4.3, UTC with unknown local offset.
    (
        "20231105143000-0000",
        Hl7v2DateTime,
        "2023-11-05T14:30:00Z",
        "second",
    ),
    // v3 TS: longer fractions (CDA effectiveTime).
    (
        "20231105143000.123456789-0500",
        Hl7v3Ts,
        "2023-11-05T19:30:00.123456789Z",
        "fraction",
    ),
    ("20231105", Hl7v3Ts, "2023-11-05", "day"),
    // ISO 8601 / W3C-DTF / RFC 3339 (Redox form).
    (
        "2023-11-05T14:30:00.000Z",
        Iso8601,
        "2023-11-05T14:30:00.000Z",
        "fraction",
    ),
    (
        "2023-11-05T14:30:00+05:30",
        Iso8601,
        "2023-11-05T09:00:00Z",
        "second",
    ),
    (
        "2023-11-05T14:30:00+0530",
        Iso8601,
        "2023-11-05T09:00:00Z",
        "second",
    ),
    (
        "2023-11-05t14:30:00z",
        Iso8601,
        "2023-11-05T14:30:00Z",
        "second",
    ),
    (
        "2023-11-05T14:30-08:00",
        Iso8601,
        "2023-11-05T22:30Z",
        "minute",
    ),
    ("2023", Iso8601, "2023", "year"),
    ("2023-11", Iso8601, "2023-11", "month"),
    ("2023-11-05", Iso8601, "2023-11-05", "day"),
    // FHIR R4 section 2.24.0.1 examples.
    ("2018", FhirDate, "2018", "year"),
    ("1973-06", FhirDate, "1973-06", "month"),
    ("1905-08-23", FhirDate, "1905-08-23", "day"),
    ("2018", FhirDateTime, "2018", "year"),
    ("1973-06", FhirDateTime, "1973-06", "month"),
    ("1905-08-23", FhirDateTime, "1905-08-23", "day"),
    (
        "2015-02-07T13:28:17-05:00",
        FhirDateTime,
        "2015-02-07T18:28:17Z",
        "second",
    ),
    (
        "2017-01-01T00:00:00.000Z",
        FhirDateTime,
        "2017-01-01T00:00:00.000Z",
        "fraction",
    ),
    (
        "2015-02-07T13:28:17.239+02:00",
        FhirInstant,
        "2015-02-07T11:28:17.239Z",
        "fraction",
    ),
    (
        "2017-01-01T00:00:00Z",
        FhirInstant,
        "2017-01-01T00:00:00Z",
        "second",
    ),
    // Offsets at the edge of the range.
    (
        "2023-06-01T12:00:00+14:00",
        FhirInstant,
        "2023-05-31T22:00:00Z",
        "second",
    ),
    (
        "2023-06-01T12:00:00-14:00",
        FhirInstant,
        "2023-06-02T02:00:00Z",
        "second",
    ),
    // xs:dateTime (SOAP, SAML).
    (
        "2023-11-05T14:30:00Z",
        XsDateTime,
        "2023-11-05T14:30:00Z",
        "second",
    ),
    (
        "2023-11-05T14:30:00.5-01:00",
        XsDateTime,
        "2023-11-05T15:30:00.5Z",
        "fraction",
    ),
    // A 29 February that exists.
    ("20000229", Hl7v2Date, "2000-02-29", "day"),
];

#[test]
fn valid_values_canonicalize_at_their_own_precision() {
    for &(value, syntax, canonical, precision) in OK_WITHOUT_ZONE {
        let (got, prec, diags) = run(value, syntax, &ZoneRules::default());
        assert_eq!(got.as_deref(), Some(canonical), "{value} as {syntax:?}");
        assert_eq!(prec, Some(precision), "{value} as {syntax:?}");
        assert!(diags.is_empty(), "{value} as {syntax:?}: {diags:?}");
    }
}

/// (value, syntax, code, severity, precision when known).
const REJECTED: &[(&str, Syntax, &str, Severity, Option<&str>)] = &[
    (
        "20230230",
        Hl7v2Date,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("day"),
    ),
    (
        "202313",
        Hl7v2DateTime,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("month"),
    ),
    (
        "202300",
        Hl7v2DateTime,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("month"),
    ),
    (
        "20230100",
        Hl7v2DateTime,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("day"),
    ),
    (
        "20230229",
        Hl7v2Date,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("day"),
    ),
    (
        "19000229",
        Hl7v2Date,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("day"),
    ),
    (
        "0000",
        Hl7v2Date,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("year"),
    ),
    (
        "2023-02-30",
        FhirDate,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("day"),
    ),
    (
        "2023-13",
        Iso8601,
        "DATETIME_INVALID_DATE",
        Severity::Error,
        Some("month"),
    ),
    (
        "2023110524-0500",
        Hl7v2DateTime,
        "DATETIME_INVALID_TIME",
        Severity::Error,
        Some("hour"),
    ),
    (
        "202311052400-0500",
        Hl7v2DateTime,
        "DATETIME_INVALID_TIME",
        Severity::Error,
        Some("minute"),
    ),
    (
        "202311051260-0500",
        Hl7v2DateTime,
        "DATETIME_INVALID_TIME",
        Severity::Error,
        Some("minute"),
    ),
    (
        "20231105125961-0500",
        Hl7v2DateTime,
        "DATETIME_INVALID_TIME",
        Severity::Error,
        Some("second"),
    ),
    (
        "2023-11-05T24:00:00Z",
        Iso8601,
        "DATETIME_INVALID_TIME",
        Severity::Error,
        Some("second"),
    ),
    // Leap second: reported, not shifted.
    (
        "20161231235960+0000",
        Hl7v2DateTime,
        "DATETIME_LEAP_SECOND",
        Severity::Warning,
        Some("second"),
    ),
    (
        "2016-12-31T23:59:60Z",
        FhirInstant,
        "DATETIME_LEAP_SECOND",
        Severity::Warning,
        Some("second"),
    ),
    // Odd digit counts (13 digits, 3 digits, a time in a DT).
    (
        "2023110514300",
        Hl7v2DateTime,
        "DATETIME_DIGIT_COUNT",
        Severity::Error,
        None,
    ),
    (
        "202",
        Hl7v2DateTime,
        "DATETIME_DIGIT_COUNT",
        Severity::Error,
        None,
    ),
    (
        "202311051",
        Hl7v2DateTime,
        "DATETIME_DIGIT_COUNT",
        Severity::Error,
        None,
    ),
    (
        "2023110514",
        Hl7v2Date,
        "DATETIME_DIGIT_COUNT",
        Severity::Error,
        None,
    ),
    (
        "2023110514300000",
        Hl7v2DateTime,
        "DATETIME_DIGIT_COUNT",
        Severity::Error,
        None,
    ),
    // Fractions: 1-4 digits in v2, at most 9 elsewhere, only after seconds.
    (
        "20231105143000.12345",
        Hl7v2DateTime,
        "DATETIME_FRACTION_TOO_LONG",
        Severity::Error,
        None,
    ),
    (
        "20231105143000.1234567890",
        Hl7v3Ts,
        "DATETIME_FRACTION_TOO_LONG",
        Severity::Error,
        None,
    ),
    (
        "2023-11-05T14:30:00.1234567890Z",
        Iso8601,
        "DATETIME_FRACTION_TOO_LONG",
        Severity::Error,
        None,
    ),
    (
        "202311051430.12",
        Hl7v2DateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "20231105143000.",
        Hl7v2DateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    // Offsets.
    (
        "20231105143000+1401",
        Hl7v2DateTime,
        "DATETIME_OFFSET_OUT_OF_RANGE",
        Severity::Error,
        None,
    ),
    (
        "20231105143000-1500",
        Hl7v2DateTime,
        "DATETIME_OFFSET_OUT_OF_RANGE",
        Severity::Error,
        None,
    ),
    (
        "2023-11-05T14:30:00+14:30",
        Iso8601,
        "DATETIME_OFFSET_OUT_OF_RANGE",
        Severity::Error,
        None,
    ),
    (
        "20231105143000+0560",
        Hl7v2DateTime,
        "DATETIME_INVALID_OFFSET",
        Severity::Error,
        None,
    ),
    (
        "20231105143000+05",
        Hl7v2DateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "20231105143000+05:00",
        Hl7v2DateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "2015-02-07T13:28:17-0500",
        FhirDateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    // FHIR: a time needs a zone; an instant needs seconds and a zone.
    (
        "2015-02-07T13:28:17",
        FhirDateTime,
        "DATETIME_FHIR_ZONE_REQUIRED",
        Severity::Error,
        Some("second"),
    ),
    (
        "2015-02-07T13:28:17.5",
        FhirInstant,
        "DATETIME_FHIR_ZONE_REQUIRED",
        Severity::Error,
        Some("fraction"),
    ),
    (
        "2015-02-07",
        FhirInstant,
        "DATETIME_FHIR_INSTANT_INCOMPLETE",
        Severity::Error,
        Some("day"),
    ),
    (
        "2015-02-07T13:28Z",
        FhirInstant,
        "DATETIME_FHIR_INSTANT_INCOMPLETE",
        Severity::Error,
        Some("minute"),
    ),
    (
        "2015-02-07T13:28Z",
        FhirDateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        Some("minute"),
    ),
    (
        "2015-02-07T13:28:17Z",
        FhirDate,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        Some("second"),
    ),
    (
        "2015-02-07+05:00",
        FhirDate,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        Some("day"),
    ),
    (
        "2015-02-07T13:28Z",
        XsDateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        Some("minute"),
    ),
    // Shapes that are not datetimes at all.
    (
        "",
        Hl7v2DateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "",
        Iso8601,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "\"\"",
        Iso8601,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "2023-11-05",
        Hl7v2DateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "20231105",
        Iso8601,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "2023-11-05 14:30:00Z",
        Iso8601,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "2023-11-05T14Z",
        Iso8601,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "2023-1-05",
        Iso8601,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "2023-11-05T14:30:00Zjunk",
        Iso8601,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "２０２３",
        Iso8601,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    (
        "2023１１",
        Hl7v2DateTime,
        "DATETIME_INVALID_SYNTAX",
        Severity::Error,
        None,
    ),
    // TS.2 must be one of the six letters.
    (
        "20231105^X",
        Hl7v2DateTime,
        "DATETIME_INVALID_PRECISION_COMPONENT",
        Severity::Error,
        None,
    ),
    (
        "20231105^DD",
        Hl7v2DateTime,
        "DATETIME_INVALID_PRECISION_COMPONENT",
        Severity::Error,
        None,
    ),
    // The instant must stay within years 0001-9999.
    (
        "99991231230000-0500",
        Hl7v2DateTime,
        "DATETIME_OUT_OF_RANGE",
        Severity::Error,
        Some("second"),
    ),
    (
        "00010101000000+0100",
        Hl7v2DateTime,
        "DATETIME_OUT_OF_RANGE",
        Severity::Error,
        Some("second"),
    ),
];

#[test]
fn invalid_values_get_their_own_code_and_no_canonical() {
    for &(value, syntax, code, severity, precision) in REJECTED {
        let (got, prec, diags) = run(value, syntax, &ZoneRules::default());
        assert_eq!(got, None, "{value} as {syntax:?}");
        assert_eq!(diags, vec![(code, severity)], "{value} as {syntax:?}");
        assert_eq!(prec, precision, "{value} as {syntax:?}");
        assert!(crate::codes::find(code).is_some(), "{code} is registered");
    }
}

#[test]
fn hl7_explicit_null_records_null_without_diagnostic() {
    for syntax in [Hl7v2Date, Hl7v2DateTime] {
        let (got, prec, diags) = run("\"\"", syntax, &zone("America/New_York"));
        assert_eq!((got, prec), (None, None));
        assert!(diags.is_empty());
    }
    let c = canonicalize("\"\"", Hl7v2DateTime, &ZoneRules::default()).unwrap();
    assert!(c.is_null());
    assert_eq!(c.text(), None);
}

#[test]
fn local_time_without_zone_is_not_assumed_utc() {
    for (value, syntax, precision) in [
        ("202311051430", Hl7v2DateTime, "minute"),
        ("2023110514", Hl7v2DateTime, "hour"),
        ("20231105143000.12", Hl7v3Ts, "fraction"),
        ("2023-11-05T14:30:00", Iso8601, "second"),
        ("2023-11-05T14:30:00", XsDateTime, "second"),
    ] {
        let (got, prec, diags) = run(value, syntax, &ZoneRules::default());
        assert_eq!(got, None, "{value}");
        assert_eq!(prec, Some(precision), "{value}");
        assert_eq!(
            diags,
            vec![("DATETIME_NO_ZONE", Severity::Warning)],
            "{value}"
        );
    }
}

#[test]
fn zone_resolution_order_is_own_offset_then_utc_field_then_message_then_sender_zone() {
    let mut rules = zone("America/Chicago");
    rules.message_offset = Some(-5 * 3600);
    // Own offset beats everything.
    let c = canonicalize("202307041430+0200", Hl7v2DateTime, &rules).unwrap();
    assert_eq!(c.zone_source(), Some(ZoneSource::OwnOffset));
    assert_eq!(c.text().as_deref(), Some("2023-07-04T12:30Z"));
    // Message offset beats the sender zone.
    let c = canonicalize("202301041430", Hl7v2DateTime, &rules).unwrap();
    assert_eq!(c.zone_source(), Some(ZoneSource::MessageOffset));
    assert_eq!(c.text().as_deref(), Some("2023-01-04T19:30Z"));
    // UTC-by-definition fields beat the message offset.
    rules.assume_utc = true;
    let c = canonicalize("20230104143000", Hl7v2DateTime, &rules).unwrap();
    assert_eq!(c.zone_source(), Some(ZoneSource::DefinedUtc));
    assert_eq!(c.text().as_deref(), Some("2023-01-04T14:30:00Z"));
    // The sender zone, with its winter and summer offsets.
    let rules = zone("America/Chicago");
    let c = canonicalize("202301041430", Hl7v2DateTime, &rules).unwrap();
    assert_eq!(c.zone_source(), Some(ZoneSource::SenderZone));
    assert_eq!(c.text().as_deref(), Some("2023-01-04T20:30Z"));
    let c = canonicalize("202307041430", Hl7v2DateTime, &rules).unwrap();
    assert_eq!(c.text().as_deref(), Some("2023-07-04T19:30Z"));
}

#[test]
fn message_offset_out_of_range_is_an_error() {
    let rules = ZoneRules {
        message_offset: Some(15 * 3600),
        ..ZoneRules::default()
    };
    let (got, _, diags) = run("202301041430", Hl7v2DateTime, &rules);
    assert_eq!(got, None);
    assert_eq!(
        diags,
        vec![("DATETIME_OFFSET_OUT_OF_RANGE", Severity::Error)]
    );
}

#[test]
fn date_only_values_are_never_converted_and_drop_their_offset() {
    // A date of birth must not move by a day, whatever the zone or offset.
    for rules in [
        ZoneRules::default(),
        zone("Pacific/Kiritimati"),
        zone("Pacific/Pago_Pago"),
    ] {
        for (value, syntax, canonical, precision) in [
            ("19800229", Hl7v2Date, "1980-02-29", "day"),
            ("1980-02-29", FhirDate, "1980-02-29", "day"),
            ("198002", Hl7v2DateTime, "1980-02", "month"),
        ] {
            let (got, prec, diags) = run(value, syntax, &rules);
            assert_eq!(got.as_deref(), Some(canonical));
            assert_eq!(prec, Some(precision));
            assert!(diags.is_empty());
        }
    }
    for (value, syntax, canonical) in [
        ("19800229-1200", Hl7v2Date, "1980-02-29"),
        ("19800229+1400", Hl7v2DateTime, "1980-02-29"),
        ("1980+0500", Hl7v3Ts, "1980"),
        ("1980-02-29Z", Iso8601, "1980-02-29"),
        ("1980-02-29-05:00", Iso8601, "1980-02-29"),
        ("1980-02+05:00", Iso8601, "1980-02"),
        ("1980-02-05:00", Iso8601, "1980-02"),
        ("1980-05:00", Iso8601, "1980"),
    ] {
        let (got, _, diags) = run(value, syntax, &ZoneRules::default());
        assert_eq!(got.as_deref(), Some(canonical), "{value}");
        assert_eq!(
            diags,
            vec![("DATETIME_DATE_OFFSET_DROPPED", Severity::Info)],
            "{value}"
        );
    }
}

#[test]
fn ts_degree_of_precision_limits_and_never_raises() {
    let none = ZoneRules::default();
    for (value, canonical, precision, limited) in [
        (
            "20231105143015-0500^S",
            "2023-11-05T19:30:15Z",
            "second",
            false,
        ),
        (
            "20231105143015.12-0500^S",
            "2023-11-05T19:30:15Z",
            "second",
            true,
        ),
        ("20231105143015-0500^M", "2023-11-05T19:30Z", "minute", true),
        ("20231105143015-0500^H", "2023-11-05T19:00Z", "hour", true),
        ("20231105143015-0500^D", "2023-11-05", "day", true),
        ("20231105143015-0500^L", "2023-11", "month", true),
        ("20231105143015-0500^Y", "2023", "year", true),
        // TS.2 asks for more than TS.1 has: TS.1 wins, nothing is invented.
        ("20231105^S", "2023-11-05", "day", false),
        (
            "20231105143015-0500^",
            "2023-11-05T19:30:15Z",
            "second",
            false,
        ),
    ] {
        let (got, prec, diags) = run(value, Hl7v2DateTime, &none);
        assert_eq!(got.as_deref(), Some(canonical), "{value}");
        assert_eq!(prec, Some(precision), "{value}");
        let codes: Vec<_> = diags.iter().map(|d| d.0).collect();
        assert_eq!(
            codes.contains(&"DATETIME_PRECISION_LIMITED"),
            limited,
            "{value}: {codes:?}"
        );
    }
    // A time cut to a date: the date is the sender's local date, offset dropped.
    let (got, _, diags) = run("20231105233000-0500^D", Hl7v2DateTime, &none);
    assert_eq!(got.as_deref(), Some("2023-11-05"));
    let codes: Vec<_> = diags.iter().map(|d| d.0).collect();
    assert!(codes.contains(&"DATETIME_DATE_OFFSET_DROPPED"));
    // `""^S` is still a null.
    let (got, prec, diags) = run("\"\"^S", Hl7v2DateTime, &none);
    assert_eq!((got, prec, diags.len()), (None, None, 0));
}

#[test]
fn dst_gap_is_an_error_by_default_and_resolved_by_policy() {
    // 2023-03-12 02:30 does not exist in New York (clocks 02:00 EST -> 03:00 EDT).
    let value = "202303120230";
    let mut rules = zone("America/New_York");
    let (got, prec, diags) = run(value, Hl7v2DateTime, &rules);
    assert_eq!((got, prec), (None, Some("minute")));
    assert_eq!(diags, vec![("DATETIME_NONEXISTENT_LOCAL", Severity::Error)]);

    rules.dst = DstPolicy::Reject;
    let (got, _, diags) = run(value, Hl7v2DateTime, &rules);
    assert_eq!(got, None);
    assert_eq!(diags, vec![("DATETIME_NONEXISTENT_LOCAL", Severity::Error)]);

    for (policy, canonical) in [
        // Earlier: read with the EDT offset (-4) = 06:30Z (01:30 EST).
        (DstPolicy::Earlier, "2023-03-12T06:30Z"),
        // Later / compatible: read with the EST offset (-5) = 07:30Z (03:30 EDT).
        (DstPolicy::Later, "2023-03-12T07:30Z"),
        (DstPolicy::Compatible, "2023-03-12T07:30Z"),
    ] {
        rules.dst = policy;
        let (got, _, diags) = run(value, Hl7v2DateTime, &rules);
        assert_eq!(got.as_deref(), Some(canonical), "{policy:?}");
        assert_eq!(
            diags,
            vec![("DATETIME_NONEXISTENT_LOCAL", Severity::Warning)],
            "{policy:?}"
        );
    }
}

#[test]
fn dst_fold_takes_earlier_instant_by_default_and_warns() {
    // 2023-11-05 01:30 happens twice in New York (EDT -4, then EST -5).
    let value = "202311050130";
    let mut rules = zone("America/New_York");
    for (policy, canonical) in [
        (DstPolicy::Default, "2023-11-05T05:30Z"),
        (DstPolicy::Earlier, "2023-11-05T05:30Z"),
        (DstPolicy::Compatible, "2023-11-05T05:30Z"),
        (DstPolicy::Later, "2023-11-05T06:30Z"),
    ] {
        rules.dst = policy;
        let (got, _, diags) = run(value, Hl7v2DateTime, &rules);
        assert_eq!(got.as_deref(), Some(canonical), "{policy:?}");
        assert_eq!(
            diags,
            vec![("DATETIME_AMBIGUOUS_LOCAL", Severity::Warning)],
            "{policy:?}"
        );
    }
    rules.dst = DstPolicy::Reject;
    let (got, prec, diags) = run(value, Hl7v2DateTime, &rules);
    assert_eq!((got, prec), (None, Some("minute")));
    assert_eq!(diags, vec![("DATETIME_AMBIGUOUS_LOCAL", Severity::Error)]);
}

#[test]
fn southern_hemisphere_and_half_hour_zones_resolve() {
    // Sydney is UTC+11 in January (DST), UTC+10 in July.
    let rules = zone("Australia/Sydney");
    assert_eq!(
        run("202301151200", Hl7v2DateTime, &rules).0.as_deref(),
        Some("2023-01-15T01:00Z")
    );
    assert_eq!(
        run("202307151200", Hl7v2DateTime, &rules).0.as_deref(),
        Some("2023-07-15T02:00Z")
    );
    // Kolkata +05:30, Kathmandu +05:45.
    let c = canonicalize("2023-07-15T12:00:00", Iso8601, &zone("Asia/Kolkata")).unwrap();
    assert_eq!(c.text().as_deref(), Some("2023-07-15T06:30:00Z"));
    let c = canonicalize("2023-07-15T12:00:00", Iso8601, &zone("Asia/Kathmandu")).unwrap();
    assert_eq!(c.text().as_deref(), Some("2023-07-15T06:15:00Z"));
}

#[test]
fn offset_of_reads_only_time_bearing_values() {
    assert_eq!(
        offset_of("20231105143000-0500", Hl7v2DateTime),
        Some(-18_000)
    );
    assert_eq!(
        offset_of("202311051430+0530^M", Hl7v2DateTime),
        Some(19_800)
    );
    assert_eq!(offset_of("2023-11-05T14:30:00Z", Iso8601), Some(0));
    assert_eq!(offset_of("20231105143000", Hl7v2DateTime), None);
    assert_eq!(offset_of("20231105-0500", Hl7v2DateTime), None);
    assert_eq!(offset_of("20231105143000+1500", Hl7v2DateTime), None);
    assert_eq!(offset_of("garbage", Hl7v2DateTime), None);
}

#[test]
fn fraction_digits_are_kept_exactly() {
    for digits in 1..=9usize {
        let frac = "123456789".get(..digits).unwrap();
        let value = format!("2023-11-05T14:30:00.{frac}+01:00");
        let c = canonicalize(&value, Iso8601, &ZoneRules::default()).unwrap();
        assert_eq!(c.text().unwrap(), format!("2023-11-05T13:30:00.{frac}Z"));
        let trailing_zeros = format!("2023-11-05T14:30:00.{}Z", "0".repeat(digits));
        let c = canonicalize(&trailing_zeros, Iso8601, &ZoneRules::default()).unwrap();
        assert_eq!(c.text().unwrap(), trailing_zeros);
    }
}

#[test]
fn dst_policy_names_round_trip() {
    for policy in [
        DstPolicy::Default,
        DstPolicy::Reject,
        DstPolicy::Earlier,
        DstPolicy::Later,
        DstPolicy::Compatible,
    ] {
        assert_eq!(policy.as_str().parse::<DstPolicy>(), Ok(policy));
        let json = serde_json::to_string(&policy).unwrap();
        assert_eq!(json, format!("\"{}\"", policy.as_str()));
    }
    assert!("sometimes".parse::<DstPolicy>().is_err());
}

#[test]
fn every_error_kind_has_a_registered_code() {
    use DatetimeErrorKind as K;
    for kind in [
        K::InvalidSyntax,
        K::DigitCount,
        K::FractionTooLong,
        K::InvalidDate,
        K::InvalidTime,
        K::LeapSecond,
        K::InvalidOffset,
        K::OffsetOutOfRange,
        K::NoZone,
        K::NonexistentLocal,
        K::AmbiguousLocal,
        K::FhirZoneRequired,
        K::FhirInstantIncomplete,
        K::InvalidPrecisionComponent,
        K::OutOfRange,
    ] {
        assert!(codes::CODES.contains(kind.code()), "{kind:?}");
    }
}
