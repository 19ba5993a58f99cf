//! The one datetime engine: parse every datetime syntax the formats carry, validate it,
//! and canonicalize it to UTC W3C-DTF at the precision the input had, without inventing
//! times (docs/contract.md, "Datetime canonicalization").
//!
//! Formats call only [`record`] (or [`canonicalize`] where they need the value itself);
//! nothing else in the crate parses datetimes. The pieces:
//!
//! - [`parse`](PartialDateTime::parse): one pass over the bytes into a
//!   [`PartialDateTime`] that knows its [`Precision`] — fields beyond it are not data;
//! - [`canonicalize`]: date-only values stay dates (an offset on them is dropped); a time
//!   is converted with its own offset, else UTC where the field is UTC by definition,
//!   else the message offset, else the sender's IANA zone (DST by [`DstPolicy`]), else
//!   not at all ([`DatetimeErrorKind::NoZone`]) — never assumed UTC;
//! - [`record`]: the same, written into a [`Report`] as a [`DatetimeEntry`] plus
//!   diagnostics with one code per rule ([`codes`]).
//!
//! Values use the `time` crate; jiff is used only to resolve IANA zones (its bundled
//! database, so results do not depend on the host's tzdata).
//!
//! ```
//! use payload_triage::unstable::datetime::{record, Syntax, ZoneRules};
//! use payload_triage::{Format, Report};
//! use payload_triage::TrafficType;
//!
//! let mut report = Report::new(TrafficType::Hl7v2Mllp, Format::Hl7v2, 0, 0);
//! record(&mut report, "MSH-7", "20231105143000-0500", Syntax::Hl7v2DateTime, &ZoneRules::default());
//! let entry = &report.datetimes[0];
//! assert_eq!(entry.canonical.as_deref(), Some("2023-11-05T19:30:00Z"));
//! assert!(report.diagnostics.is_empty());
//! ```

mod canonical;
mod error;
mod parse;
mod zone;

pub use canonical::{canonicalize, canonicalize_as, Canonical, CanonicalText, Meaning, ZoneSource};
pub use error::{DatetimeError, DatetimeErrorKind};
pub use parse::PartialDateTime;
pub use zone::{DstResolution, Transition, Zone};

use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[allow(unused_imports)] // named by the module documentation
use crate::report::DatetimeEntry;
use crate::report::Report;

pub mod codes {
    //! Diagnostic codes of the datetime engine.
    crate::codes::define_codes! {
        DATETIME_INVALID_SYNTAX: Error, "A datetime field does not match its data type's lexical form.";
        DATETIME_DIGIT_COUNT: Error, "An HL7 datetime has a digit count its data type does not allow (4, 6, 8, 10, 12 or 14 before any fraction; at most 8 for DT).";
        DATETIME_FRACTION_TOO_LONG: Error, "A datetime has more fraction-of-second digits than its syntax allows (HL7 v2: 4; others: 9).";
        DATETIME_INVALID_DATE: Error, "A datetime names a calendar date that does not exist (month 13, 30 February, year 0000).";
        DATETIME_INVALID_TIME: Error, "A datetime names a time of day that does not exist (hour 24, minute 60, second 61).";
        DATETIME_LEAP_SECOND: Warning, "A datetime has second 60 (a leap second); it was not converted rather than shifted to another instant.";
        DATETIME_INVALID_OFFSET: Error, "A UTC offset has minutes outside 00-59.";
        DATETIME_OFFSET_OUT_OF_RANGE: Error, "A UTC offset lies beyond -14:00..+14:00.";
        DATETIME_NO_ZONE: Warning, "A local time carries no offset and no sender zone is configured; it was not converted (never assumed UTC).";
        DATETIME_NONEXISTENT_LOCAL: Error, "A local time falls in a DST gap of the sender's zone; an error by default, a warning when a policy resolved it.";
        DATETIME_AMBIGUOUS_LOCAL: Warning, "A local time falls in a DST fold of the sender's zone; resolved by policy (default: the earlier instant), an error under policy reject.";
        DATETIME_FHIR_ZONE_REQUIRED: Error, "A FHIR dateTime or instant gives a time without a time zone (FHIR R4 section 2.24.0.1).";
        DATETIME_FHIR_INSTANT_INCOMPLETE: Error, "A FHIR instant lacks a full date and a time to the second (FHIR R4 section 2.24.0.1).";
        DATETIME_INVALID_PRECISION_COMPONENT: Error, "An HL7 v2 TS degree-of-precision component (TS.2) is not one of Y, L, D, H, M, S (v2.5 section 2.A.81).";
        DATETIME_PRECISION_LIMITED: Info, "An HL7 v2 TS degree-of-precision component (TS.2) limited the value to less precision than its digits carry.";
        DATETIME_DATE_OFFSET_DROPPED: Info, "A date-only value carried a UTC offset; a date has no zone, so the offset was dropped, not applied.";
        DATETIME_OUT_OF_RANGE: Error, "A datetime converted to UTC falls outside years 0001-9999.";
        DATETIME_CALENDAR_DATE_KEPT: Warning, "A field that means a calendar date (birth, death) carries a time that would move the day if converted to UTC; the date was kept as sent, without the time.";
    }
}

/// How much of a datetime the sender gave. Output never has more than the input.
///
/// ```
/// use payload_triage::unstable::datetime::Precision;
///
/// assert!(Precision::Day.is_date_only());
/// assert!(!Precision::Hour.is_date_only());
/// assert_eq!(Precision::Fraction.as_str(), "fraction");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Precision {
    /// `YYYY`
    Year,
    /// `YYYY-MM`
    Month,
    /// `YYYY-MM-DD`
    Day,
    /// hour given, minutes not
    Hour,
    /// `hh:mm`
    Minute,
    /// `hh:mm:ss`
    Second,
    /// seconds with a fraction
    Fraction,
}

impl Precision {
    /// The name used in the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
            Precision::Hour => "hour",
            Precision::Minute => "minute",
            Precision::Second => "second",
            Precision::Fraction => "fraction",
        }
    }

    /// True for year, month and day: such values never get a time or a zone.
    pub fn is_date_only(self) -> bool {
        self <= Precision::Day
    }
}

/// Which lexical form a field uses; it comes from the field's schema, never from guessing.
///
/// ```
/// use payload_triage::unstable::datetime::{PartialDateTime, Syntax};
///
/// // The same instant in each family's form.
/// assert!(PartialDateTime::parse("20231105143000-0500", Syntax::Hl7v2DateTime).is_ok());
/// assert!(PartialDateTime::parse("2023-11-05T14:30:00-05:00", Syntax::FhirInstant).is_ok());
/// assert!(PartialDateTime::parse("2023-11-05T14:30:00-05:00", Syntax::Hl7v2DateTime).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// HL7 v2 DT: `YYYY[MM[DD]]`.
    Hl7v2Date,
    /// HL7 v2 DTM and TS (TS.1): `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.
    Hl7v2DateTime,
    /// HL7 v3 TS (CDA): the same digits; fractions may be longer.
    Hl7v3Ts,
    /// ISO 8601 / W3C-DTF / RFC 3339 as found in JSON and XML (Redox DateTime,
    /// `xs:dateTime`); partial precision allowed.
    Iso8601,
    /// FHIR `date`: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, no time, no zone.
    FhirDate,
    /// FHIR `dateTime`: partial dates, or a full time WITH a zone.
    FhirDateTime,
    /// FHIR `instant`: full time to the second, with a zone.
    FhirInstant,
    /// XML Schema `dateTime` (SOAP and SAML headers, WS-Security timestamps):
    /// `YYYY-MM-DDThh:mm:ss[.s...][TZD]`, seconds required, zone optional.
    XsDateTime,
    /// HL7 v2 TM: `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]`, a time of day. It is checked
    /// ([`check_time_of_day`]) but has no canonical form: with no date it cannot be
    /// placed on the UTC timeline, so [`canonicalize`] refuses it. Not in [`Syntax::ALL`].
    Hl7v2Time,
}

impl Syntax {
    /// Every syntax, for tests and fuzzing.
    pub const ALL: [Syntax; 8] = [
        Syntax::Hl7v2Date,
        Syntax::Hl7v2DateTime,
        Syntax::Hl7v3Ts,
        Syntax::Iso8601,
        Syntax::FhirDate,
        Syntax::FhirDateTime,
        Syntax::FhirInstant,
        Syntax::XsDateTime,
    ];

    /// The data type's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Syntax::Hl7v2Date => "HL7 v2 DT",
            Syntax::Hl7v2DateTime => "HL7 v2 DTM/TS",
            Syntax::Hl7v3Ts => "HL7 v3 TS",
            Syntax::Iso8601 => "ISO 8601",
            Syntax::FhirDate => "FHIR date",
            Syntax::FhirDateTime => "FHIR dateTime",
            Syntax::FhirInstant => "FHIR instant",
            Syntax::XsDateTime => "xs:dateTime",
            Syntax::Hl7v2Time => "HL7 v2 TM",
        }
    }

    /// The lexical pattern and the section that defines it, for messages.
    pub fn pattern(self) -> &'static str {
        match self {
            Syntax::Hl7v2Date => "YYYY[MM[DD]] (v2.5 section 2.A.21)",
            Syntax::Hl7v2DateTime => {
                "YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ] (v2.5 sections 2.A.22, 2.A.81)"
            }
            Syntax::Hl7v3Ts => "YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ] (V3 Data Types R1, TS)",
            Syntax::Iso8601 => {
                "YYYY[-MM[-DD[Thh:mm[:ss[.s...]]]]][Z|+hh:mm|+hhmm] (W3C-DTF, RFC 3339)"
            }
            Syntax::FhirDate => "YYYY[-MM[-DD]] (FHIR R4 date)",
            Syntax::FhirDateTime => "YYYY[-MM[-DD[Thh:mm:ss[.s...](Z|+hh:mm)]]] (FHIR R4 dateTime)",
            Syntax::FhirInstant => "YYYY-MM-DDThh:mm:ss[.s...](Z|+hh:mm) (FHIR R4 instant)",
            Syntax::XsDateTime => "YYYY-MM-DDThh:mm:ss[.s...][Z|+hh:mm] (XML Schema dateTime)",
            Syntax::Hl7v2Time => "HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ] (v2.5 section 2.A.75)",
        }
    }

    /// Most fraction-of-second digits the syntax allows: 4 in HL7 v2 (section 2.A.22),
    /// 9 (nanoseconds, this engine's bound) elsewhere.
    pub fn max_fraction_digits(self) -> u8 {
        match self {
            Syntax::Hl7v2Date | Syntax::Hl7v2DateTime | Syntax::Hl7v2Time => 4,
            _ => parse::MAX_FRACTION_DIGITS,
        }
    }
}

/// What to do with a local time that falls in a DST gap or fold.
///
/// ```
/// use payload_triage::unstable::datetime::DstPolicy;
///
/// assert_eq!("compatible".parse::<DstPolicy>(), Ok(DstPolicy::Compatible));
/// assert_eq!(DstPolicy::default().as_str(), "default");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DstPolicy {
    /// A gap is an error; a fold takes the earlier instant and warns (docs/contract.md default).
    #[default]
    Default,
    /// Gaps and folds are both errors.
    Reject,
    /// Take the earlier instant (warning).
    Earlier,
    /// Take the later instant (warning).
    Later,
    /// RFC 5545 / Temporal "compatible": gap → later, fold → earlier (warning).
    Compatible,
}

impl DstPolicy {
    /// The configuration name (`default`, `reject`, `earlier`, `later`, `compatible`).
    pub fn as_str(self) -> &'static str {
        match self {
            DstPolicy::Default => "default",
            DstPolicy::Reject => "reject",
            DstPolicy::Earlier => "earlier",
            DstPolicy::Later => "later",
            DstPolicy::Compatible => "compatible",
        }
    }
}

impl FromStr for DstPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(DstPolicy::Default),
            "reject" => Ok(DstPolicy::Reject),
            "earlier" => Ok(DstPolicy::Earlier),
            "later" => Ok(DstPolicy::Later),
            "compatible" => Ok(DstPolicy::Compatible),
            other => Err(format!(
                "unknown DST policy `{other}`; expected default, reject, earlier, later or compatible"
            )),
        }
    }
}

/// How a local time without its own offset is placed on the timeline: UTC if
/// `assume_utc`, else `message_offset`, else `sender_zone` (DST by `dst`), else not at
/// all ([`DatetimeErrorKind::NoZone`]). Build it once per source profile: the zone is
/// already resolved, so each value costs one offset lookup.
///
/// ```
/// use payload_triage::unstable::datetime::lookup_zone;
/// use payload_triage::unstable::datetime::{canonicalize, DstPolicy, Syntax, ZoneRules};
///
/// let rules = ZoneRules {
///     sender_zone: Some(lookup_zone("Europe/Berlin").unwrap()),
///     dst: DstPolicy::Later,
///     ..ZoneRules::default()
/// };
/// // 02:30 happens twice in Berlin on 2023-10-29; `later` takes the CET reading.
/// let c = canonicalize("2023-10-29T02:30:00", Syntax::Iso8601, &rules)?;
/// assert_eq!(c.text().as_deref(), Some("2023-10-29T01:30:00Z"));
/// # Ok::<(), payload_triage::unstable::datetime::DatetimeError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ZoneRules {
    /// The sender's IANA zone, from its source profile.
    pub sender_zone: Option<Zone>,
    /// An offset to use before the sender zone (HL7 v2: MSH-7's, where the source
    /// profile opts in), in seconds east of UTC.
    pub message_offset: Option<i32>,
    /// The field is UTC by definition (XDS slot values).
    pub assume_utc: bool,
    /// Gap and fold handling.
    pub dst: DstPolicy,
}

/// The UTC offset a value with a time carries, in seconds east of UTC, if it carries
/// one and parses (HL7 v2 uses MSH-7's offset for other fields where the source profile
/// opts in). A date-only value's offset is not an offset of anything: `None`.
///
/// ```
/// use payload_triage::unstable::datetime::{offset_of, Syntax};
///
/// assert_eq!(offset_of("20231105143000-0500", Syntax::Hl7v2DateTime), Some(-18_000));
/// assert_eq!(offset_of("20231105143000", Syntax::Hl7v2DateTime), None);
/// assert_eq!(offset_of("20231105-0500", Syntax::Hl7v2DateTime), None);
/// ```
pub fn offset_of(value: &str, syntax: Syntax) -> Option<i32> {
    let ts1 = match syntax {
        Syntax::Hl7v2DateTime => value.split_once('^').map_or(value, |(ts1, _)| ts1),
        _ => value,
    };
    let parsed = PartialDateTime::parse(ts1, syntax).ok()?;
    if parsed.precision().is_date_only() {
        return None;
    }
    parsed.offset().map(|o| o.whole_seconds())
}

/// Checks an HL7 v2 TM value (a time of day, v2.5 section 2.A.75) with the engine's
/// rules: digit count, clock, at most 4 fraction digits, offset. `""` (HL7's explicit
/// null) passes. A time of day has no canonical form (no date, so no UTC instant).
///
/// ```
/// use payload_triage::unstable::datetime::{check_time_of_day, DatetimeErrorKind};
///
/// assert!(check_time_of_day("0930").is_ok());
/// assert!(check_time_of_day("235959.1234-0500").is_ok());
/// assert_eq!(check_time_of_day("2460").unwrap_err().kind(), DatetimeErrorKind::InvalidTime);
/// assert_eq!(check_time_of_day("093").unwrap_err().kind(), DatetimeErrorKind::DigitCount);
/// ```
pub fn check_time_of_day(value: &str) -> Result<(), DatetimeError> {
    if value == "\"\"" {
        return Ok(());
    }
    PartialDateTime::parse(value, Syntax::Hl7v2Time).map(|_| ())
}

/// Looks an IANA zone name up in jiff's bundled tz database, so results do not depend
/// on the host's tzdata.
pub fn lookup_zone(iana_name: &str) -> Result<Zone, crate::error::ConfigError> {
    static DB: std::sync::OnceLock<jiff::tz::TimeZoneDatabase> = std::sync::OnceLock::new();
    DB.get_or_init(jiff::tz::TimeZoneDatabase::bundled)
        .get(iana_name)
        .map(Zone::new)
        .map_err(|_| crate::error::ConfigError::UnknownZone {
            name: iana_name.to_owned(),
        })
}

/// Canonicalizes one value and records it in `report`: a [`DatetimeEntry`] at `path`,
/// plus any diagnostics (which name `path` and the rule, never the value). Formats do
/// this through their emitter; this standalone form serves tests, benchmarks and fuzz
/// targets.
///
/// ```
/// use payload_triage::unstable::datetime::{record, Syntax, ZoneRules};
/// use payload_triage::{Format, Report, TrafficType};
///
/// let mut report = Report::new(TrafficType::RedoxApi, Format::FhirR4, 0, 0);
/// let rules = ZoneRules::default();
/// record(&mut report, "/birthDate", "1980-02-29", Syntax::FhirDate, &rules);
/// record(&mut report, "/effectiveDateTime", "2023-11-05T14:30:00", Syntax::FhirDateTime, &rules);
/// assert_eq!(report.datetimes[0].canonical.as_deref(), Some("1980-02-29"));
/// assert_eq!(report.datetimes[1].canonical, None);
/// assert_eq!(report.diagnostics[0].code, "DATETIME_FHIR_ZONE_REQUIRED");
/// assert!(!report.is_valid());
/// ```
pub fn record(report: &mut Report, path: &str, value: &str, syntax: Syntax, rules: &ZoneRules) {
    let config = crate::config::Config::default();
    let mut emit = crate::emit::Emitter::new(
        &config,
        report.traffic_type,
        report.format,
        report.size_bytes,
        report.limit_bytes,
        0,
    );
    emit.datetime(path, value, syntax, rules);
    let recorded = emit.finish(Vec::new(), Vec::new());
    report.datetimes.extend(recorded.datetimes);
    report.diagnostics.extend(recorded.diagnostics);
}

#[cfg(test)]
mod tests;
