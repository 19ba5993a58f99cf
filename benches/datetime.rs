//! ns per value for the three cases the issue names (offset-bearing, zone-resolved
//! local, date-only), each next to a same-run baseline that does the least work one
//! could get away with using the underlying crates directly:
//! - offset: `time`'s RFC 3339 parser, conversion to UTC, RFC 3339 formatting;
//! - zone: jiff's civil-datetime parser, zone resolution, timestamp formatting;
//! - date-only: `time`'s `[year][month][day]` parser and ISO date formatting.
//!
//! Our side ends with the canonical text in its fixed-size buffer
//! ([`Canonical::w3c`](payload_triage::unstable::datetime::Canonical::w3c)), as a report
//! writer reads it, as a `&str` (its UTF-8 check included); `datetime/record` adds what
//! storing it in a report costs.
//!
//! Run with `cargo bench --bench datetime`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // bench code: a panic is a failed setup

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use payload_triage::unstable::datetime::lookup_zone;
use payload_triage::unstable::datetime::{canonicalize, record, Syntax, ZoneRules};
use payload_triage::TrafficType;
use payload_triage::{Format, Report};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// One group: our engine on `value`, the baseline on `base_value` (the same instant in
/// the form the baseline crate reads).
fn group(
    c: &mut Criterion,
    name: &str,
    value: &str,
    base_value: &str,
    mut f: impl FnMut(&str) -> usize,
    mut base: impl FnMut(&str) -> usize,
) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(value.len() as u64));
    g.measurement_time(Duration::from_secs(3));
    g.warm_up_time(Duration::from_secs(1));
    g.bench_function("baseline", |b| b.iter(|| base(black_box(base_value))));
    g.bench_function("canonicalize", |b| b.iter(|| f(black_box(value))));
    g.finish();
}

fn benches(c: &mut Criterion) {
    let none = ZoneRules::default();
    let new_york = ZoneRules {
        sender_zone: Some(lookup_zone("America/New_York").unwrap()),
        ..ZoneRules::default()
    };

    // Offset-bearing: HL7 v2 DTM with an offset, and the RFC 3339 form.
    group(
        c,
        "datetime/offset_hl7",
        "20231105143000-0500",
        // The `time` crate has no HL7 parser: the baseline reads the same instant in
        // RFC 3339; the work is the same (parse, convert, format).
        "2023-11-05T14:30:00-05:00",
        |v| {
            canonicalize(v, Syntax::Hl7v2DateTime, &none)
                .ok()
                .and_then(|c| c.w3c())
                .map_or(0, |s| s.as_str().len())
        },
        |v| {
            OffsetDateTime::parse(v, &Rfc3339)
                .ok()
                .and_then(|t| t.checked_to_offset(UtcOffset::UTC))
                .and_then(|t| t.format(&Rfc3339).ok())
                .map_or(0, |s| s.len())
        },
    );
    group(
        c,
        "datetime/offset_iso",
        "2023-11-05T14:30:00.123-05:00",
        "2023-11-05T14:30:00.123-05:00",
        |v| {
            canonicalize(v, Syntax::Iso8601, &none)
                .ok()
                .and_then(|c| c.w3c())
                .map_or(0, |s| s.as_str().len())
        },
        |v| {
            OffsetDateTime::parse(v, &Rfc3339)
                .ok()
                .and_then(|t| t.checked_to_offset(UtcOffset::UTC))
                .and_then(|t| t.format(&Rfc3339).ok())
                .map_or(0, |s| s.len())
        },
    );

    // Zone-resolved local time (no offset; the sender's IANA zone decides).
    // The baseline uses jiff itself, on the same bundled database.
    let tz = jiff::tz::TimeZoneDatabase::bundled()
        .get("America/New_York")
        .unwrap();
    group(
        c,
        "datetime/zone_local",
        "2023-07-04T14:30:00",
        "2023-07-04T14:30:00",
        |v| {
            canonicalize(v, Syntax::Iso8601, &new_york)
                .ok()
                .and_then(|c| c.w3c())
                .map_or(0, |s| s.as_str().len())
        },
        |v| {
            v.parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| tz.to_timestamp(dt).ok())
                .map_or(0, |ts| ts.to_string().len())
        },
    );

    // Date-only (never converted).
    let ymd = format_description!("[year][month][day]");
    group(
        c,
        "datetime/date_only",
        "19800229",
        "19800229",
        |v| {
            canonicalize(v, Syntax::Hl7v2Date, &none)
                .ok()
                .and_then(|c| c.w3c())
                .map_or(0, |s| s.as_str().len())
        },
        |v| {
            Date::parse(v, ymd)
                .ok()
                .and_then(|d| d.format(format_description!("[year]-[month]-[day]")).ok())
                .map_or(0, |s| s.len())
        },
    );

    // What a format module pays per field: record() into a report (entry + strings).
    let mut report = Report::new(TrafficType::Hl7v2Mllp, Format::Hl7v2, 0, 0);
    let mut g = c.benchmark_group("datetime/record");
    g.throughput(Throughput::Bytes(19));
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("offset_hl7", |b| {
        b.iter(|| {
            record(
                &mut report,
                "MSH-7",
                black_box("20231105143000-0500"),
                Syntax::Hl7v2DateTime,
                &none,
            );
            report.datetimes.clear();
        })
    });
    g.finish();
}

criterion_group!(datetime, benches);
criterion_main!(datetime);
