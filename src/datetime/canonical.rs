//! Canonicalization: a parsed value placed on the UTC timeline (or left a date) and
//! written as W3C-DTF at the precision the input had (docs/contract.md table).

use std::fmt;
use std::ops::Deref;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::error::{DatetimeError, DatetimeErrorKind as Kind};
use super::parse::{days_in_month, Fields, PartialDateTime};
use super::zone::{offset_in_zone, DstResolution};
use super::{Precision, Syntax, ZoneRules};

/// Largest offset any rule accepts: ±14:00 (FHIR R4 regex, RFC 3339 practice).
const MAX_OFFSET_SECONDS: i32 = 14 * 3600;

/// Where the offset used to convert a time came from (docs/contract.md resolution order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZoneSource {
    /// The value's own offset.
    OwnOffset,
    /// The field is UTC by definition ([`ZoneRules::assume_utc`], e.g. XDS slots).
    DefinedUtc,
    /// The message's offset ([`ZoneRules::message_offset`], HL7 v2 MSH-7).
    MessageOffset,
    /// The sender's configured IANA zone ([`ZoneRules::sender_zone`]).
    SenderZone,
}

/// The result of canonicalizing one value: the value as sent, its UTC instant when it
/// has a time, and how that instant was reached.
///
/// ```
/// use payload_triage::unstable::datetime::{canonicalize, Precision, Syntax, ZoneRules, ZoneSource};
///
/// let c = canonicalize("20231105143000-0500", Syntax::Hl7v2DateTime, &ZoneRules::default())?;
/// assert_eq!(c.text().as_deref(), Some("2023-11-05T19:30:00Z"));
/// assert_eq!(c.precision(), Some(Precision::Second));
/// assert_eq!(c.zone_source(), Some(ZoneSource::OwnOffset));
/// # Ok::<(), payload_triage::unstable::datetime::DatetimeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Canonical {
    parsed: Option<PartialDateTime>,
    utc: Option<UtcFields>,
    zone_source: Option<ZoneSource>,
    dst: Option<DstResolution>,
    /// Seconds east of UTC.
    dropped_offset: Option<i32>,
    limited_from: Option<Precision>,
    date_kept_from: Option<Precision>,
}

/// What a field's value means, which decides whether its time may move its date.
///
/// ```
/// use payload_triage::unstable::datetime::{canonicalize_as, Meaning, Syntax, ZoneRules};
///
/// let rules = ZoneRules::default();
/// // Born at 23:30 in New York: 04:30 UTC is the next day, so the date is kept as sent.
/// let birth = canonicalize_as("198001012330-0500", Syntax::Hl7v2DateTime, &rules, Meaning::CalendarDate)?;
/// assert_eq!(birth.text().as_deref(), Some("1980-01-01"));
/// // The same value as an instant is converted.
/// let event = canonicalize_as("198001012330-0500", Syntax::Hl7v2DateTime, &rules, Meaning::Instant)?;
/// assert_eq!(event.text().as_deref(), Some("1980-01-02T04:30Z"));
/// # Ok::<(), payload_triage::unstable::datetime::DatetimeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Meaning {
    /// A point in time: a time is converted to UTC (the default).
    #[default]
    Instant,
    /// A calendar date (birth, death) that a sender may give with a time. Where
    /// converting that time to UTC would move the day, the date as sent is kept, at day
    /// precision, without the time ([`Canonical::date_kept_from`]).
    CalendarDate,
}

impl Canonical {
    const NULL: Canonical = Canonical {
        parsed: None,
        utc: None,
        zone_source: None,
        dst: None,
        dropped_offset: None,
        limited_from: None,
        date_kept_from: None,
    };

    /// True for HL7's explicit null `""`: no value, and no error.
    pub fn is_null(&self) -> bool {
        self.parsed.is_none()
    }

    /// The precision of the value (after any HL7 TS.2 limit); `None` for a null.
    pub fn precision(&self) -> Option<Precision> {
        self.parsed.map(|p| p.precision())
    }

    /// The value as sent (its own offset included), after any HL7 TS.2 limit.
    pub fn parsed(&self) -> Option<&PartialDateTime> {
        self.parsed.as_ref()
    }

    /// The instant in UTC, for values with a time; `None` for dates and nulls.
    pub fn utc(&self) -> Option<OffsetDateTime> {
        let u = self.utc?;
        let month = Month::try_from(u.month).ok()?;
        let date = Date::from_calendar_date(i32::from(u.year), month, u.day).ok()?;
        let time = Time::from_hms_nano(u.hour, u.minute, u.second, u.nanos).ok()?;
        Some(PrimitiveDateTime::new(date, time).assume_utc())
    }

    /// Where the offset that converted the time came from.
    pub fn zone_source(&self) -> Option<ZoneSource> {
        self.zone_source
    }

    /// How a DST gap or fold was resolved, if the time fell in one.
    pub fn dst_resolution(&self) -> Option<DstResolution> {
        self.dst
    }

    /// The offset a date-only value carried and that was dropped (a date has no zone).
    pub fn dropped_offset(&self) -> Option<UtcOffset> {
        self.dropped_offset
            .and_then(|seconds| UtcOffset::from_whole_seconds(seconds).ok())
    }

    /// The precision of TS.1's digits when the HL7 v2 TS degree-of-precision
    /// component (TS.2) limited it to less.
    pub fn limited_from(&self) -> Option<Precision> {
        self.limited_from
    }

    /// The precision the value was sent at when it means a calendar date
    /// ([`Meaning::CalendarDate`]) and its time, converted to UTC, would have moved the
    /// day: the canonical value is then the date as sent.
    pub fn date_kept_from(&self) -> Option<Precision> {
        self.date_kept_from
    }

    /// The canonical W3C-DTF text as a `String`; `None` for a null. Where the text is
    /// only read or written out, [`Canonical::w3c`] gives it without allocating.
    ///
    /// ```
    /// use payload_triage::unstable::datetime::{canonicalize, Syntax, ZoneRules};
    ///
    /// let rules = ZoneRules::default();
    /// let date = canonicalize("19800229+0100", Syntax::Hl7v2Date, &rules)?;
    /// assert_eq!(date.text().as_deref(), Some("1980-02-29")); // never shifted a day
    /// let frac = canonicalize("2023-11-05T14:30:00.120+05:30", Syntax::Iso8601, &rules)?;
    /// assert_eq!(frac.text().as_deref(), Some("2023-11-05T09:00:00.120Z"));
    /// # Ok::<(), payload_triage::unstable::datetime::DatetimeError>(())
    /// ```
    pub fn text(&self) -> Option<String> {
        self.w3c().map(|text| String::from(text.as_str()))
    }

    /// The canonical W3C-DTF text in a fixed-size buffer that derefs to `&str`; `None`
    /// for a null. No allocation: turn it into a `String` only where it is stored.
    ///
    /// ```
    /// use payload_triage::unstable::datetime::{canonicalize, Syntax, ZoneRules};
    ///
    /// let c = canonicalize("20231105143000-0500", Syntax::Hl7v2DateTime, &ZoneRules::default())?;
    /// let text = c.w3c().unwrap();
    /// assert_eq!(&*text, "2023-11-05T19:30:00Z");
    /// assert_eq!(text.len(), 20);
    /// # Ok::<(), payload_triage::unstable::datetime::DatetimeError>(())
    /// ```
    pub fn w3c(&self) -> Option<CanonicalText> {
        let parsed = self.parsed?;
        Some(match self.utc {
            Some(utc) => render_instant(&utc, parsed.precision(), parsed.fraction_digits()),
            None => render_date(parsed.fields()),
        })
    }

    /// Writes the canonical W3C-DTF text (nothing for a null), without allocating.
    pub fn write_w3c<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        match self.w3c() {
            Some(text) => out.write_str(text.as_str()),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Canonical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_w3c(f)
    }
}

/// Canonicalizes one value to UTC W3C-DTF at the precision it had.
///
/// - A date-only value is never converted and never given a time; an offset on it is
///   dropped ([`Canonical::dropped_offset`]).
/// - A time is converted with, in order: its own offset; UTC if the field is UTC by
///   definition; the message offset; the sender's zone (DST gaps and folds resolved by
///   [`ZoneRules::dst`]). With none of these it is an error of kind
///   [`NoZone`](super::DatetimeErrorKind::NoZone) — never assumed UTC.
/// - For [`Syntax::Hl7v2DateTime`], `TS.1^TS.2` applies the legacy degree of precision
///   (v2.5 section 2.A.81), and `""` (HL7's explicit null) gives a null [`Canonical`].
///
/// ```
/// use payload_triage::unstable::datetime::{canonicalize, DatetimeErrorKind, Syntax, ZoneRules};
/// use payload_triage::unstable::datetime::lookup_zone;
///
/// let none = ZoneRules::default();
/// let err = canonicalize("202311051430", Syntax::Hl7v2DateTime, &none).unwrap_err();
/// assert_eq!(err.kind(), DatetimeErrorKind::NoZone);
///
/// let chicago = ZoneRules { sender_zone: Some(lookup_zone("America/Chicago").unwrap()), ..ZoneRules::default() };
/// let c = canonicalize("202307041430", Syntax::Hl7v2DateTime, &chicago)?;
/// assert_eq!(c.text().as_deref(), Some("2023-07-04T19:30Z"));
///
/// let limited = canonicalize("20230704143015^D", Syntax::Hl7v2DateTime, &none)?;
/// assert_eq!(limited.text().as_deref(), Some("2023-07-04"));
/// # Ok::<(), payload_triage::unstable::datetime::DatetimeError>(())
/// ```
pub fn canonicalize(
    value: &str,
    syntax: Syntax,
    rules: &ZoneRules,
) -> Result<Canonical, DatetimeError> {
    canonicalize_as(value, syntax, rules, Meaning::Instant)
}

/// [`canonicalize`] for a field of the given [`Meaning`]. A calendar date whose time,
/// converted to UTC, falls on another day keeps the date as sent (docs/contract.md:
/// "dates stay dates"); any other value is canonicalized as [`canonicalize`] does.
pub fn canonicalize_as(
    value: &str,
    syntax: Syntax,
    rules: &ZoneRules,
    meaning: Meaning,
) -> Result<Canonical, DatetimeError> {
    if syntax == Syntax::Hl7v2Time {
        // A time of day has no date: there is no instant to canonicalize.
        return Err(DatetimeError::new(Kind::InvalidSyntax, syntax));
    }
    let is_v2 = matches!(syntax, Syntax::Hl7v2Date | Syntax::Hl7v2DateTime);
    // Neither `^` nor `""` parses in any syntax, so the common value (no TS.2, not a
    // null) is parsed whole without first being searched for them; only a value that
    // fails is looked at again, in the order TS.2, null, TS.1.
    let (sent, limit) = match PartialDateTime::parse(value, syntax) {
        Ok(sent) => (sent, None),
        Err(whole) => {
            let (ts1, limit) = if syntax == Syntax::Hl7v2DateTime {
                split_precision_component(value)?
            } else {
                (value, None)
            };
            // HL7 v2 section 2.5.3: `""` in a field means "delete the value" — an
            // explicit null.
            if is_v2 && ts1 == "\"\"" {
                return Ok(Canonical::NULL);
            }
            if ts1.len() == value.len() {
                return Err(whole);
            }
            (PartialDateTime::parse(ts1, syntax)?, limit)
        }
    };
    let (parsed, limited_from) = match limit {
        Some(p) if p < sent.precision() => (sent.truncate(p), Some(sent.precision())),
        _ => (sent, None),
    };
    let precision = parsed.precision();
    let err = |kind: Kind| DatetimeError::new(kind, syntax).at(precision);

    if precision.is_date_only() {
        return Ok(Canonical {
            parsed: Some(parsed),
            dropped_offset: parsed.offset_seconds(),
            limited_from,
            ..Canonical::NULL
        });
    }
    let local = parsed.fields();

    let mut dst = None;
    let (offset, zone_source) = if let Some(own) = parsed.offset_seconds() {
        (own, ZoneSource::OwnOffset)
    } else if rules.assume_utc {
        (0, ZoneSource::DefinedUtc)
    } else if let Some(seconds) = rules.message_offset {
        if !(-MAX_OFFSET_SECONDS..=MAX_OFFSET_SECONDS).contains(&seconds) {
            return Err(err(Kind::OffsetOutOfRange));
        }
        (seconds, ZoneSource::MessageOffset)
    } else if let Some(zone) = &rules.sender_zone {
        let (offset, note) = offset_in_zone(local, zone, rules.dst).map_err(|kind| {
            let mut e = err(kind);
            e.dst = rules.dst;
            e
        })?;
        dst = note;
        (offset, ZoneSource::SenderZone)
    } else {
        return Err(err(Kind::NoZone));
    };

    let utc = to_utc(local, offset).ok_or_else(|| err(Kind::OutOfRange))?;
    if meaning == Meaning::CalendarDate
        && (utc.year, utc.month, utc.day) != (local.year, local.month, local.day)
    {
        return Ok(Canonical {
            parsed: Some(parsed.truncate(Precision::Day)),
            zone_source: Some(zone_source),
            limited_from,
            date_kept_from: Some(precision),
            ..Canonical::NULL
        });
    }
    Ok(Canonical {
        parsed: Some(parsed),
        utc: Some(utc),
        zone_source: Some(zone_source),
        dst,
        dropped_offset: None,
        limited_from,
        date_kept_from: None,
    })
}

/// A converted instant as UTC calendar fields (years 0001..=9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct UtcFields {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
}

const SECONDS_PER_DAY: i32 = 86_400;

/// The UTC fields of `local` read at `offset` seconds east of UTC: UTC = local - offset
/// (RFC 3339 section 4.2, ISO 8601-1:2019 section 4.3.13). Integer arithmetic on the
/// clock, then whole days stepped on the Gregorian calendar; `None` outside years
/// 0001..=9999.
fn to_utc(local: &Fields, offset: i32) -> Option<UtcFields> {
    let clock =
        i32::from(local.hour) * 3600 + i32::from(local.minute) * 60 + i32::from(local.second)
            - offset;
    let days = clock.div_euclid(SECONDS_PER_DAY);
    let clock = clock.rem_euclid(SECONDS_PER_DAY);
    let (mut year, mut month, mut day) = (local.year, local.month, local.day);
    // Offsets are within ±14:00 (a zone's within ±25:59:59, jiff's bound): at most two
    // days either way, so the loop is bounded by the offset's range, not by input.
    if !(-2..=2).contains(&days) {
        return None;
    }
    for _ in 0..days.unsigned_abs() {
        (year, month, day) = if days > 0 {
            next_day(year, month, day)?
        } else {
            previous_day(year, month, day)?
        };
    }
    // 0 <= clock < 86_400: the parts fit in u8.
    let clock = clock as u32;
    Some(UtcFields {
        year,
        month,
        day,
        hour: (clock / 3600) as u8,
        minute: (clock / 60 % 60) as u8,
        second: (clock % 60) as u8,
        nanos: local.nanos,
    })
}

/// The day after a date; `None` past 9999-12-31.
fn next_day(year: u16, month: u8, day: u8) -> Option<(u16, u8, u8)> {
    if day < days_in_month(year, month) {
        Some((year, month, day + 1))
    } else if month < 12 {
        Some((year, month + 1, 1))
    } else if year < 9999 {
        Some((year + 1, 1, 1))
    } else {
        None
    }
}

/// The day before a date; `None` before 0001-01-01 (there is no year 0000 here).
fn previous_day(year: u16, month: u8, day: u8) -> Option<(u16, u8, u8)> {
    if day > 1 {
        Some((year, month, day - 1))
    } else if month > 1 {
        Some((year, month - 1, days_in_month(year, month - 1)))
    } else if year > 1 {
        Some((year - 1, 12, 31))
    } else {
        None
    }
}

/// Splits `TS.1^TS.2`; TS.2 (v2.5 section 2.A.81, deprecated but still sent) is one of
/// Y (year), L (month), D (day), H (hour), M (minute), S (second).
fn split_precision_component(value: &str) -> Result<(&str, Option<Precision>), DatetimeError> {
    let Some((ts1, ts2)) = value.split_once('^') else {
        return Ok((value, None));
    };
    let precision = match ts2 {
        "" => None,
        "Y" => Some(Precision::Year),
        "L" => Some(Precision::Month),
        "D" => Some(Precision::Day),
        "H" => Some(Precision::Hour),
        "M" => Some(Precision::Minute),
        "S" => Some(Precision::Second),
        _ => {
            return Err(DatetimeError::new(
                Kind::InvalidPrecisionComponent,
                Syntax::Hl7v2DateTime,
            ))
        }
    };
    Ok((ts1, precision))
}

/// The longest canonical text: `YYYY-MM-DDThh:mm:ss.fffffffffZ`.
const MAX_TEXT: usize = 30;

/// Canonical W3C-DTF text in a fixed-size buffer: it derefs to `&str`, so it can be
/// compared, written or escaped without allocating; `String::from(&*text)` where a
/// report stores it.
///
/// ```
/// use payload_triage::unstable::datetime::{canonicalize, Syntax, ZoneRules};
///
/// let c = canonicalize("1980-02-29", Syntax::FhirDate, &ZoneRules::default())?;
/// let text = c.w3c().unwrap();
/// assert_eq!(text, "1980-02-29");
/// assert_eq!(text.to_string(), "1980-02-29");
/// # Ok::<(), payload_triage::unstable::datetime::DatetimeError>(())
/// ```
#[derive(Clone, Copy)]
pub struct CanonicalText {
    bytes: [u8; MAX_TEXT],
    len: u8,
}

impl CanonicalText {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever written.
        std::str::from_utf8(self.bytes.get(..usize::from(self.len)).unwrap_or(&[])).unwrap_or("")
    }

    /// The text's length in bytes, without the UTF-8 check that [`as_str`](Self::as_str)
    /// makes (about 60 instructions: the crate forbids `unsafe`, so that check stays).
    #[allow(clippy::len_without_is_empty)] // never empty: at least a year
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
}

impl Deref for CanonicalText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for CanonicalText {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for CanonicalText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CanonicalText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

// Bytes past the length are not text: equality and hashing look at the text only.
impl PartialEq for CanonicalText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for CanonicalText {}

impl std::hash::Hash for CanonicalText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for CanonicalText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CanonicalText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Every canonical form is a prefix of this, digits aside.
const TEMPLATE: [u8; MAX_TEXT] = *b"0000-00-00T00:00:00.000000000Z";

/// The digits of a year 0000..=9999 (years are 0001..=9999 here: the parser and the
/// conversion check it).
#[inline]
fn year_digits(year: u16) -> [u8; 4] {
    let y = year.min(9999);
    // Both halves are below 100.
    let [a, b] = two_digits((y / 100) as u8);
    let [c, d] = two_digits((y % 100) as u8);
    [a, b, c, d]
}

/// `00` to `99`, so a field's two digits are one table read, not two divisions.
// Built at compile time: an index out of bounds would fail the build, not a run.
#[allow(clippy::indexing_slicing)]
const PAIRS: [[u8; 2]; 100] = {
    let mut table = [[b'0'; 2]; 100];
    let mut i = 0;
    while i < 100 {
        table[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    table
};

/// Two digits of a field below 100.
#[inline]
fn two_digits(v: u8) -> [u8; 2] {
    PAIRS.get(usize::from(v)).copied().unwrap_or(*b"00")
}

fn render_date(f: &Fields) -> CanonicalText {
    let mut b = TEMPLATE;
    [b[0], b[1], b[2], b[3]] = year_digits(f.year);
    [b[5], b[6]] = two_digits(f.month);
    [b[8], b[9]] = two_digits(f.day);
    let len = match f.precision {
        Precision::Year => 4,
        Precision::Month => 7,
        _ => 10,
    };
    CanonicalText { bytes: b, len }
}

fn render_instant(utc: &UtcFields, precision: Precision, fraction_digits: u8) -> CanonicalText {
    // Fixed positions: constant indices into a fixed array.
    let mut b = TEMPLATE;
    [b[0], b[1], b[2], b[3]] = year_digits(utc.year);
    [b[5], b[6]] = two_digits(utc.month);
    [b[8], b[9]] = two_digits(utc.day);
    [b[11], b[12]] = two_digits(utc.hour);
    [b[14], b[15]] = two_digits(utc.minute);
    let mut len = 16;
    if precision >= Precision::Second {
        [b[17], b[18]] = two_digits(utc.second);
        len = 19;
    }
    if precision == Precision::Fraction && fraction_digits > 0 {
        // All nine places are written; the length keeps as many as were sent.
        let mut value = utc.nanos;
        for slot in b.iter_mut().skip(20).take(9).rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        len = 20 + fraction_digits.min(9);
    }
    // The `Z` goes right after the last digit kept.
    if let Some(slot) = b.get_mut(usize::from(len)) {
        *slot = b'Z';
    }
    CanonicalText {
        bytes: b,
        len: len + 1,
    }
}
