//! Why a datetime could not be canonicalized: one precise [`DatetimeErrorKind`] per rule,
//! each mapped to its own diagnostic code.

use std::fmt;

use super::{codes, DstPolicy, Precision, Syntax};
use crate::codes::Code;
use crate::report::Severity;

/// What is wrong with a datetime value. Each kind has its own diagnostic code
/// ([`DatetimeErrorKind::code`]); the `Display` text names the rule, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DatetimeErrorKind {
    /// The characters do not follow the syntax's pattern.
    InvalidSyntax,
    /// An HL7 datetime has a digit count other than 4, 6, 8, 10, 12 or 14 before any
    /// fraction (or more than its data type allows, e.g. a time in a DT).
    DigitCount,
    /// More fraction digits than the syntax allows (HL7 v2: 4; elsewhere: 9).
    FractionTooLong,
    /// The calendar date does not exist (month 13, 30 February, year 0000).
    InvalidDate,
    /// The time of day does not exist (hour 24, minute 60, second 61).
    InvalidTime,
    /// Second 60: a leap second, which is not shifted to another instant.
    LeapSecond,
    /// The offset's minutes are 60 or more.
    InvalidOffset,
    /// The offset is beyond ±14:00.
    OffsetOutOfRange,
    /// A local time with no offset, no message offset and no sender zone.
    NoZone,
    /// A local time that the sender's zone skips (DST gap), rejected by policy.
    NonexistentLocal,
    /// A local time that the sender's zone repeats (DST fold), rejected by policy.
    AmbiguousLocal,
    /// A FHIR `dateTime` or `instant` with a time but no zone.
    FhirZoneRequired,
    /// A FHIR `instant` without a full date and a time to the second.
    FhirInstantIncomplete,
    /// The HL7 v2 TS degree-of-precision component is not one of Y, L, D, H, M, S.
    InvalidPrecisionComponent,
    /// The instant in UTC falls outside years 0001–9999.
    OutOfRange,
}

impl DatetimeErrorKind {
    /// The diagnostic code that reports this kind.
    pub fn code(self) -> &'static Code {
        match self {
            DatetimeErrorKind::InvalidSyntax => &codes::DATETIME_INVALID_SYNTAX,
            DatetimeErrorKind::DigitCount => &codes::DATETIME_DIGIT_COUNT,
            DatetimeErrorKind::FractionTooLong => &codes::DATETIME_FRACTION_TOO_LONG,
            DatetimeErrorKind::InvalidDate => &codes::DATETIME_INVALID_DATE,
            DatetimeErrorKind::InvalidTime => &codes::DATETIME_INVALID_TIME,
            DatetimeErrorKind::LeapSecond => &codes::DATETIME_LEAP_SECOND,
            DatetimeErrorKind::InvalidOffset => &codes::DATETIME_INVALID_OFFSET,
            DatetimeErrorKind::OffsetOutOfRange => &codes::DATETIME_OFFSET_OUT_OF_RANGE,
            DatetimeErrorKind::NoZone => &codes::DATETIME_NO_ZONE,
            DatetimeErrorKind::NonexistentLocal => &codes::DATETIME_NONEXISTENT_LOCAL,
            DatetimeErrorKind::AmbiguousLocal => &codes::DATETIME_AMBIGUOUS_LOCAL,
            DatetimeErrorKind::FhirZoneRequired => &codes::DATETIME_FHIR_ZONE_REQUIRED,
            DatetimeErrorKind::FhirInstantIncomplete => &codes::DATETIME_FHIR_INSTANT_INCOMPLETE,
            DatetimeErrorKind::InvalidPrecisionComponent => {
                &codes::DATETIME_INVALID_PRECISION_COMPONENT
            }
            DatetimeErrorKind::OutOfRange => &codes::DATETIME_OUT_OF_RANGE,
        }
    }
}

/// A datetime value that could not be canonicalized, and why.
///
/// ```
/// use payload_triage::unstable::datetime::{canonicalize, DatetimeErrorKind, Syntax, ZoneRules};
///
/// let err = canonicalize("20230230", Syntax::Hl7v2Date, &ZoneRules::default()).unwrap_err();
/// assert_eq!(err.kind(), DatetimeErrorKind::InvalidDate);
/// assert_eq!(err.kind().code().name(), "DATETIME_INVALID_DATE");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DatetimeError {
    pub(crate) kind: DatetimeErrorKind,
    pub(crate) syntax: Syntax,
    pub(crate) precision: Option<Precision>,
    pub(crate) dst: DstPolicy,
}

impl DatetimeError {
    pub(crate) fn new(kind: DatetimeErrorKind, syntax: Syntax) -> Self {
        DatetimeError {
            kind,
            syntax,
            precision: None,
            dst: DstPolicy::Default,
        }
    }

    pub(crate) fn at(mut self, precision: Precision) -> Self {
        self.precision = Some(precision);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> DatetimeErrorKind {
        self.kind
    }

    /// The syntax the value was read as.
    pub fn syntax(&self) -> Syntax {
        self.syntax
    }

    /// The precision the value had, when it got far enough to tell (e.g. a local time
    /// without a zone still has a precision).
    pub fn precision(&self) -> Option<Precision> {
        self.precision
    }

    /// How serious this is in a report: a missing zone and a leap second are warnings
    /// (the value may be right; it just cannot be converted without inventing
    /// something), everything else is an error.
    pub fn severity(&self) -> Severity {
        match self.kind {
            DatetimeErrorKind::NoZone | DatetimeErrorKind::LeapSecond => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for DatetimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let syntax = self.syntax.name();
        match self.kind {
            DatetimeErrorKind::InvalidSyntax => {
                write!(f, "value does not match the {syntax} syntax {}", self.syntax.pattern())
            }
            DatetimeErrorKind::DigitCount => write!(
                f,
                "{syntax} value has a digit count its data type does not allow ({})",
                self.syntax.pattern()
            ),
            DatetimeErrorKind::FractionTooLong => write!(
                f,
                "{syntax} value has more than {} fraction digits",
                self.syntax.max_fraction_digits()
            ),
            DatetimeErrorKind::InvalidDate => {
                write!(f, "{syntax} value names a calendar date that does not exist")
            }
            DatetimeErrorKind::InvalidTime => write!(
                f,
                "{syntax} value names a time of day that does not exist (hour 00-23, minute 00-59, second 00-59)"
            ),
            DatetimeErrorKind::LeapSecond => write!(
                f,
                "{syntax} value has second 60 (a leap second); it was not converted rather than shifted to another instant"
            ),
            DatetimeErrorKind::InvalidOffset => {
                write!(f, "{syntax} value has a UTC offset whose minutes are not 00-59")
            }
            DatetimeErrorKind::OffsetOutOfRange => {
                write!(f, "{syntax} value has a UTC offset beyond -14:00..+14:00")
            }
            DatetimeErrorKind::NoZone => write!(
                f,
                "local time without a UTC offset and no sender time zone configured; not converted (never assumed UTC)"
            ),
            DatetimeErrorKind::NonexistentLocal => write!(
                f,
                "local time does not exist in the sender's time zone (DST gap); rejected by DST policy `{}`",
                self.dst.as_str()
            ),
            DatetimeErrorKind::AmbiguousLocal => write!(
                f,
                "local time occurs twice in the sender's time zone (DST fold); rejected by DST policy `{}`",
                self.dst.as_str()
            ),
            DatetimeErrorKind::FhirZoneRequired => write!(
                f,
                "{syntax} value has a time but no time zone; FHIR R4 requires one when hours and minutes are given"
            ),
            DatetimeErrorKind::FhirInstantIncomplete => write!(
                f,
                "FHIR instant must give a full date and a time to the second, with a time zone"
            ),
            DatetimeErrorKind::InvalidPrecisionComponent => write!(
                f,
                "HL7 v2 TS degree of precision (TS.2) is not one of Y, L, D, H, M, S (v2.5 section 2.A.81)"
            ),
            DatetimeErrorKind::OutOfRange => {
                write!(f, "{syntax} value converted to UTC falls outside years 0001-9999")
            }
        }
    }
}

impl std::error::Error for DatetimeError {}
