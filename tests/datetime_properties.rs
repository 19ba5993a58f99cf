//! Properties of canonicalization (issue 3, item 7), each checked on
//! `PROPTEST_CASES` generated cases (default 10,000).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use payload_triage::unstable::datetime::lookup_zone;
use payload_triage::unstable::datetime::{
    canonicalize, offset_of, record, DstPolicy, PartialDateTime, Precision, Syntax, Transition,
    ZoneRules,
};
use payload_triage::TrafficType;
use payload_triage::{Format, Report};
use proptest::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// 10,000 cases unless `PROPTEST_CASES` says otherwise.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const PRECISIONS: [Precision; 7] = [
    Precision::Year,
    Precision::Month,
    Precision::Day,
    Precision::Hour,
    Precision::Minute,
    Precision::Second,
    Precision::Fraction,
];

/// Zones with DST, southern-hemisphere DST, 30- and 45-minute offsets, none at all.
const ZONES: [&str; 7] = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "UTC",
];

const POLICIES: [DstPolicy; 5] = [
    DstPolicy::Default,
    DstPolicy::Reject,
    DstPolicy::Earlier,
    DstPolicy::Later,
    DstPolicy::Compatible,
];

/// One generated value: its fields, how it is written, and its offset.
#[derive(Debug, Clone)]
struct Sample {
    local: PrimitiveDateTime,
    precision: Precision,
    fraction_digits: u8,
    /// Minutes east of UTC.
    offset_minutes: Option<i32>,
    syntax: Syntax,
}

impl Sample {
    /// The local fields cut to the precision (what the sender actually said).
    fn said(&self) -> PrimitiveDateTime {
        let (d, t) = (self.local.date(), self.local.time());
        let date = match self.precision {
            Precision::Year => Date::from_calendar_date(d.year(), Month::January, 1).unwrap(),
            Precision::Month => Date::from_calendar_date(d.year(), d.month(), 1).unwrap(),
            _ => d,
        };
        let divisor = 10u32.pow(9 - u32::from(self.fraction_digits));
        let time = match self.precision {
            Precision::Year | Precision::Month | Precision::Day => Time::MIDNIGHT,
            Precision::Hour => Time::from_hms(t.hour(), 0, 0).unwrap(),
            Precision::Minute => Time::from_hms(t.hour(), t.minute(), 0).unwrap(),
            Precision::Second => Time::from_hms(t.hour(), t.minute(), t.second()).unwrap(),
            Precision::Fraction => Time::from_hms_nano(
                t.hour(),
                t.minute(),
                t.second(),
                t.nanosecond() / divisor * divisor,
            )
            .unwrap(),
            other => panic!("a precision this test does not know: {other:?}"),
        };
        PrimitiveDateTime::new(date, time)
    }

    fn text(&self) -> String {
        let l = self.local;
        let frac = format!("{:09}", l.nanosecond());
        let frac = &frac[..usize::from(self.fraction_digits)];
        let hl7 = matches!(
            self.syntax,
            Syntax::Hl7v2Date | Syntax::Hl7v2DateTime | Syntax::Hl7v3Ts
        );
        let mut s = String::new();
        if hl7 {
            s += &format!("{:04}", l.year());
            let parts = [
                (Precision::Month, format!("{:02}", u8::from(l.month()))),
                (Precision::Day, format!("{:02}", l.day())),
                (Precision::Hour, format!("{:02}", l.hour())),
                (Precision::Minute, format!("{:02}", l.minute())),
                (Precision::Second, format!("{:02}", l.second())),
                (Precision::Fraction, format!(".{frac}")),
            ];
            for (p, part) in parts {
                if self.precision >= p {
                    s += &part;
                }
            }
            if let Some(m) = self.offset_minutes {
                let sign = if m < 0 { '-' } else { '+' };
                s += &format!("{sign}{:02}{:02}", m.abs() / 60, m.abs() % 60);
            }
        } else {
            s += &format!("{:04}", l.year());
            let parts = [
                (Precision::Month, format!("-{:02}", u8::from(l.month()))),
                (Precision::Day, format!("-{:02}", l.day())),
                (
                    Precision::Minute,
                    format!("T{:02}:{:02}", l.hour(), l.minute()),
                ),
                (Precision::Second, format!(":{:02}", l.second())),
                (Precision::Fraction, format!(".{frac}")),
            ];
            for (p, part) in parts {
                if self.precision >= p {
                    s += &part;
                }
            }
            if let Some(m) = self.offset_minutes {
                if m == 0 && l.second().is_multiple_of(2) {
                    s.push('Z');
                } else if self.syntax == Syntax::Iso8601
                    && self.precision >= Precision::Minute
                    && l.second().is_multiple_of(3)
                {
                    // The basic-format offset met in the wild.
                    let sign = if m < 0 { '-' } else { '+' };
                    s += &format!("{sign}{:02}{:02}", m.abs() / 60, m.abs() % 60);
                } else {
                    let sign = if m < 0 { '-' } else { '+' };
                    s += &format!("{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60);
                }
            }
        }
        s
    }
}

fn local_datetime() -> impl Strategy<Value = PrimitiveDateTime> {
    // Years 2..=9998 keep every ±14:00 conversion inside 0001..=9999.
    (
        2i32..=9998,
        1u8..=12,
        1u8..=31,
        0u8..24,
        0u8..60,
        0u8..60,
        0u32..1_000_000_000,
    )
        .prop_map(|(y, m, d, h, mi, s, ns)| {
            let month = Month::try_from(m).unwrap();
            let d = d.min(time::util::days_in_month(month, y));
            PrimitiveDateTime::new(
                Date::from_calendar_date(y, month, d).unwrap(),
                Time::from_hms_nano(h, mi, s, ns).unwrap(),
            )
        })
}

/// Which values a property wants, generated directly (no filtering, so any case count
/// works).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Any valid value; an offset wherever the syntax allows one, half the time.
    Any,
    /// Year, month or day precision; an offset half the time where allowed.
    DateOnly,
    /// A time with its own offset.
    TimeWithOffset,
    /// A time without an offset, in a syntax that allows that.
    LocalTime,
}

/// A valid value in a syntax that can say its precision.
fn sample(kind: Kind) -> impl Strategy<Value = Sample> {
    let (precisions, syntaxes): (std::ops::Range<usize>, Vec<Syntax>) = match kind {
        Kind::Any => (0..7, Syntax::ALL.to_vec()),
        Kind::DateOnly => (
            0..3,
            Syntax::ALL
                .into_iter()
                .filter(|s| !matches!(s, Syntax::FhirInstant | Syntax::XsDateTime))
                .collect(),
        ),
        Kind::TimeWithOffset => (
            3..7,
            Syntax::ALL
                .into_iter()
                .filter(|s| !matches!(s, Syntax::Hl7v2Date | Syntax::FhirDate))
                .collect(),
        ),
        Kind::LocalTime => (
            3..7,
            vec![
                Syntax::Hl7v2DateTime,
                Syntax::Hl7v3Ts,
                Syntax::Iso8601,
                Syntax::XsDateTime,
            ],
        ),
    };
    (
        local_datetime(),
        precisions,
        1u8..=9,
        -840i32..=840,
        prop::bool::ANY,
        prop::sample::select(syntaxes),
    )
        .prop_map(move |(local, p, digits, offset, zoned, syntax)| {
            let mut precision = PRECISIONS[p];
            let mut fraction_digits = digits;
            // Fit the precision to what the syntax can say.
            match syntax {
                Syntax::Hl7v2Date | Syntax::FhirDate => precision = precision.min(Precision::Day),
                Syntax::Hl7v2DateTime => fraction_digits = digits.min(4),
                Syntax::Iso8601 if precision == Precision::Hour => precision = Precision::Minute,
                Syntax::FhirDateTime if !precision.is_date_only() => {
                    precision = precision.max(Precision::Second)
                }
                Syntax::FhirInstant | Syntax::XsDateTime => {
                    precision = precision.max(Precision::Second)
                }
                _ => {}
            }
            if precision != Precision::Fraction {
                fraction_digits = 0;
            }
            let offset_allowed = match syntax {
                Syntax::FhirDate => false,
                Syntax::FhirDateTime => !precision.is_date_only(),
                _ => true,
            };
            let must_have_offset = matches!(syntax, Syntax::FhirInstant)
                || (syntax == Syntax::FhirDateTime && !precision.is_date_only());
            let offset_minutes = match kind {
                Kind::TimeWithOffset => Some(offset),
                Kind::LocalTime => None,
                Kind::Any | Kind::DateOnly => {
                    ((zoned && offset_allowed) || must_have_offset).then_some(offset)
                }
            };
            Sample {
                local,
                precision,
                fraction_digits,
                offset_minutes,
                syntax,
            }
        })
}

fn zone_rules() -> impl Strategy<Value = ZoneRules> {
    (0usize..ZONES.len(), 0usize..POLICIES.len()).prop_map(|(z, p)| ZoneRules {
        sender_zone: Some(lookup_zone(ZONES[z]).unwrap()),
        dst: POLICIES[p],
        ..ZoneRules::default()
    })
}

proptest! {
    #![proptest_config(config())]

    /// Canonical text canonicalizes to itself.
    #[test]
    fn canonicalization_is_idempotent(s in sample(Kind::Any), rules in zone_rules()) {
        if let Ok(first) = canonicalize(&s.text(), s.syntax, &rules) {
            let text = first.text().unwrap();
            let again = canonicalize(&text, Syntax::Iso8601, &ZoneRules::default()).unwrap();
            prop_assert_eq!(again.text().unwrap(), text);
        }
    }

    /// Output precision is the input's; nothing is added.
    #[test]
    fn canonicalization_never_raises_precision(s in sample(Kind::Any), rules in zone_rules()) {
        let value = s.text();
        match canonicalize(&value, s.syntax, &rules) {
            Ok(c) => {
                prop_assert_eq!(c.precision(), Some(s.precision));
                let text = c.text().unwrap();
                let fraction = text.split_once('.').map_or(0, |(_, f)| f.len() - 1);
                prop_assert_eq!(fraction, usize::from(s.fraction_digits));
            }
            Err(e) => prop_assert!(e.precision().is_none() || e.precision() <= Some(s.precision)),
        }
    }

    /// A date stays the same date, whatever the offset or zone.
    #[test]
    fn date_only_in_gives_date_only_out(
        s in sample(Kind::DateOnly),
        rules in zone_rules(),
    ) {
        let c = canonicalize(&s.text(), s.syntax, &rules).unwrap();
        let text = c.text().unwrap();
        prop_assert!(!text.contains('T'));
        prop_assert!(c.utc().is_none());
        let d = s.local.date();
        let expected = match s.precision {
            Precision::Year => format!("{:04}", d.year()),
            Precision::Month => format!("{:04}-{:02}", d.year(), u8::from(d.month())),
            _ => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        };
        prop_assert_eq!(text, expected);
    }

    /// With an offset in range, the UTC instant is the local time minus the offset,
    /// and its text reads back (RFC 3339, the `time` crate's parser) as that instant.
    #[test]
    fn utc_instant_equals_input_instant_for_every_offset(
        s in sample(Kind::TimeWithOffset),
    ) {
        let c = canonicalize(&s.text(), s.syntax, &ZoneRules::default()).unwrap();
        let offset_seconds = i128::from(s.offset_minutes.unwrap()) * 60;
        let expected = s.said().assume_utc().unix_timestamp_nanos() - offset_seconds * 1_000_000_000;
        prop_assert_eq!(c.utc().unwrap().unix_timestamp_nanos(), expected);
        let text = c.text().unwrap();
        if s.precision >= Precision::Second {
            let read = OffsetDateTime::parse(&text, &Rfc3339).unwrap();
            prop_assert_eq!(read.unix_timestamp_nanos(), expected);
        }
        prop_assert_eq!(offset_of(&s.text(), s.syntax), Some(s.offset_minutes.unwrap() * 60));
    }

    /// The integer fast path (digits to fields, offset subtracted on the clock, whole
    /// days stepped on the calendar, text written into a fixed buffer) gives the same
    /// canonical text as the `time` crate's own conversion of the same value.
    #[test]
    fn fast_path_matches_the_time_crates_conversion(s in sample(Kind::TimeWithOffset)) {
        let c = canonicalize(&s.text(), s.syntax, &ZoneRules::default()).unwrap();
        let offset = UtcOffset::from_whole_seconds(s.offset_minutes.unwrap() * 60).unwrap();
        let utc = s.said().assume_offset(offset).to_offset(UtcOffset::UTC);
        let mut expected = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            utc.year(),
            u8::from(utc.month()),
            utc.day(),
            utc.hour(),
            utc.minute()
        );
        if s.precision >= Precision::Second {
            expected += &format!(":{:02}", utc.second());
        }
        if s.precision == Precision::Fraction {
            let nanos = format!("{:09}", utc.nanosecond());
            expected += &format!(".{}", &nanos[..usize::from(s.fraction_digits)]);
        }
        expected.push('Z');
        let text = c.w3c().unwrap();
        prop_assert_eq!(&*text, expected.as_str());
        prop_assert_eq!(c.text().unwrap(), expected);
        prop_assert_eq!(c.utc().unwrap(), utc);
    }

    /// A local time placed in a zone reads back, in that zone, as the same local time
    /// (except in a gap, where it cannot, and the report says so).
    #[test]
    fn zone_resolved_instant_is_the_local_time_in_that_zone(
        s in sample(Kind::LocalTime),
        z in 0usize..ZONES.len(),
    ) {
        let zone = lookup_zone(ZONES[z]).unwrap();
        let rules = ZoneRules { sender_zone: Some(zone.clone()), dst: DstPolicy::Compatible, ..ZoneRules::default() };
        let c = canonicalize(&s.text(), s.syntax, &rules).unwrap();
        if c.dst_resolution().map(|d| d.transition) != Some(Transition::Gap) {
            let utc = c.utc().unwrap();
            let offset = zone.offset_at(utc.unix_timestamp()).unwrap();
            let back = utc.to_offset(UtcOffset::from_whole_seconds(offset).unwrap());
            let said = s.said();
            prop_assert_eq!(
                (back.year(), u8::from(back.month()), back.day(), back.hour(), back.minute(), back.second(), back.nanosecond()),
                (said.year(), u8::from(said.month()), said.day(), said.hour(), said.minute(), said.second(), said.nanosecond())
            );
        }
    }

    /// Parsing what was formatted gives back the same fields and precision.
    #[test]
    fn format_then_parse_round_trips(s in sample(Kind::Any)) {
        let parsed = PartialDateTime::parse(&s.text(), s.syntax).unwrap();
        prop_assert_eq!(parsed.precision(), s.precision);
        prop_assert_eq!(parsed.fraction_digits(), s.fraction_digits);
        prop_assert_eq!(parsed.year(), s.local.year());
        let said = s.said();
        match parsed.datetime() {
            Some(dt) => prop_assert_eq!(dt, said),
            None => prop_assert!(s.precision.is_date_only()),
        }
        if s.precision >= Precision::Day {
            prop_assert_eq!(parsed.date(), Some(said.date()));
        }
        prop_assert_eq!(parsed.offset().map(|o| o.whole_seconds()), s.offset_minutes.map(|m| m * 60));
    }

    /// Any string, in any syntax, under any rules, gives a report entry, never a panic.
    #[test]
    fn arbitrary_strings_never_panic(
        value in prop_oneof![
            any::<String>(),
            "[0-9+\\-.:TZtz^\" ]{0,40}",
            "[0-9]{4,20}([.][0-9]{0,12})?([+-][0-9]{0,6})?(\\^[A-Z]{0,2})?",
        ],
        syntax in prop::sample::select(Syntax::ALL.to_vec()),
        rules in zone_rules(),
        message_offset in prop::option::of(-100_000i32..100_000),
        assume_utc in any::<bool>(),
    ) {
        let rules = ZoneRules { message_offset, assume_utc, ..rules };
        let mut report = Report::new(TrafficType::Other, Format::Unknown, 0, 0);
        record(&mut report, "/x", &value, syntax, &rules);
        prop_assert_eq!(report.datetimes.len(), 1);
        let _ = offset_of(&value, syntax);
        let entry = &report.datetimes[0];
        if entry.canonical.is_none() && value != "\"\"" && !value.starts_with("\"\"^") {
            prop_assert!(!report.diagnostics.is_empty());
        }
        for d in &report.diagnostics {
            if value.len() >= 8 {
                prop_assert!(!d.message.contains(&value));
            }
        }
    }
}
