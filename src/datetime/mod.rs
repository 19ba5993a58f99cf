//! The one datetime engine: parse every datetime syntax the formats carry, validate it,
//! and canonicalize it to UTC W3C-DTF at the precision the input had, without inventing
//! times (DESIGN.md, "Datetime canonicalization").
//!
//! INTERFACE STUB — the datetime issue (#3) implements this module. Formats call only
//! [`record`] (or [`canonicalize`] where they need the value itself); nothing else in the
//! crate parses datetimes.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::report::{DatetimeEntry, Report};

pub mod codes {
    //! Diagnostic codes of the datetime engine.
    crate::codes::define_codes! {
        DATETIME_INVALID: Error, "A datetime field does not match its data type's syntax.";
        DATETIME_NO_ZONE: Warning, "A local time carries no offset and no sender zone is configured; it was not converted (never assumed UTC).";
    }
}

/// How much of a datetime the sender gave. Output never has more than the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
}

/// What to do with a local time that falls in a DST gap or fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DstPolicy {
    /// A gap is an error; a fold takes the earlier instant and warns (DESIGN.md default).
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

/// How a local time without its own offset is placed on the timeline.
#[derive(Debug, Clone, Default)]
pub struct ZoneRules {
    /// The sender's IANA zone, from its source profile.
    pub sender_zone: Option<jiff::tz::TimeZone>,
    /// An offset to use before the sender zone (HL7 v2: MSH-7's, where the source
    /// profile opts in), in seconds east of UTC.
    pub message_offset: Option<i32>,
    /// The field is UTC by definition (XDS slot values).
    pub assume_utc: bool,
    /// Gap and fold handling.
    pub dst: DstPolicy,
}

/// The UTC offset a value carries, in seconds east of UTC, if it carries one and parses
/// (HL7 v2 uses MSH-7's offset for other fields where the source profile opts in).
pub fn offset_of(value: &str, syntax: Syntax) -> Option<i32> {
    let _ = (value, syntax);
    None
}

/// Canonicalizes one value and records it in `report`: a [`DatetimeEntry`] at `path`,
/// plus any diagnostics (which name `path` and the rule, never the value).
///
/// HL7 v2 TS with the legacy degree-of-precision component (TS.2, v2.5 section 2.A.81)
/// is passed as `TS.1^TS.2` with [`Syntax::Hl7v2DateTime`]; `""` is HL7's explicit null.
/// The canonical value is `report.datetimes.last()` after the call.
pub fn record(report: &mut Report, path: &str, value: &str, syntax: Syntax, rules: &ZoneRules) {
    let _ = (syntax, rules);
    report.datetimes.push(DatetimeEntry {
        path: path.to_owned(),
        original: value.to_owned(),
        canonical: None,
        precision: None,
    });
    report.add(
        &crate::codes::VALIDATION_NOT_AVAILABLE,
        path,
        "datetime canonicalization is not implemented yet",
    );
}
