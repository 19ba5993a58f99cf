//! Canonicalization: a parsed value placed on the UTC timeline (or left a date) and
//! written as W3C-DTF at the precision the input had (docs/contract.md table).

use std::fmt;

use time::{OffsetDateTime, UtcOffset};

use super::error::{DatetimeError, DatetimeErrorKind as Kind};
use super::parse::PartialDateTime;
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
    utc: Option<OffsetDateTime>,
    zone_source: Option<ZoneSource>,
    dst: Option<DstResolution>,
    dropped_offset: Option<UtcOffset>,
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
        self.utc
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

    /// The canonical W3C-DTF text; `None` for a null.
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
        self.render().map(|t| String::from(t.as_str()))
    }

    /// Writes the canonical W3C-DTF text (nothing for a null), without allocating.
    pub fn write_w3c<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        match self.render() {
            Some(text) => out.write_str(text.as_str()),
            None => Ok(()),
        }
    }

    fn render(&self) -> Option<Text> {
        let parsed = self.parsed?;
        let mut text = Text::new();
        match self.utc {
            Some(utc) => {
                render_instant(&mut text, utc, parsed.precision(), parsed.fraction_digits())
            }
            None => render_date(&mut text, parsed),
        }
        Some(text)
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
    let (ts1, limit) = if syntax == Syntax::Hl7v2DateTime {
        split_precision_component(value)?
    } else {
        (value, None)
    };
    // HL7 v2 section 2.5.3: `""` in a field means "delete the value" — an explicit null.
    if is_v2 && ts1 == "\"\"" {
        return Ok(Canonical::NULL);
    }
    let sent = PartialDateTime::parse(ts1, syntax)?;
    let (parsed, limited_from) = match limit {
        Some(p) if p < sent.precision() => (sent.truncate(p), Some(sent.precision())),
        _ => (sent, None),
    };
    let precision = parsed.precision();
    let err = |kind: Kind| DatetimeError::new(kind, syntax).at(precision);

    let Some(local) = parsed.datetime() else {
        return Ok(Canonical {
            parsed: Some(parsed),
            dropped_offset: parsed.offset(),
            limited_from,
            ..Canonical::NULL
        });
    };

    let mut dst = None;
    let (offset, zone_source) = if let Some(own) = parsed.offset() {
        (own, ZoneSource::OwnOffset)
    } else if rules.assume_utc {
        (UtcOffset::UTC, ZoneSource::DefinedUtc)
    } else if let Some(seconds) = rules.message_offset {
        if !(-MAX_OFFSET_SECONDS..=MAX_OFFSET_SECONDS).contains(&seconds) {
            return Err(err(Kind::OffsetOutOfRange));
        }
        let offset =
            UtcOffset::from_whole_seconds(seconds).map_err(|_| err(Kind::OffsetOutOfRange))?;
        (offset, ZoneSource::MessageOffset)
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

    let utc = local
        .assume_offset(offset)
        .checked_to_offset(UtcOffset::UTC)
        .filter(|utc| (1..=9999).contains(&utc.year()))
        .ok_or_else(|| err(Kind::OutOfRange))?;
    if meaning == Meaning::CalendarDate && utc.date() != local.date() {
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

/// A fixed buffer for the canonical text: no allocation until the caller asks for a
/// `String`, and no formatting machinery on the hot path.
struct Text {
    bytes: [u8; MAX_TEXT],
    len: usize,
}

impl Text {
    fn new() -> Self {
        Text {
            bytes: [0; MAX_TEXT],
            len: 0,
        }
    }

    #[inline]
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    #[inline]
    fn two(&mut self, v: u8) {
        self.push(b'0' + (v / 10) % 10);
        self.push(b'0' + v % 10);
    }

    fn year(&mut self, year: i32) {
        // Years are 0001..=9999 (the parser and the conversion check it).
        let y = year.clamp(0, 9999) as u32;
        for d in [y / 1000, (y / 100) % 10, (y / 10) % 10, y % 10] {
            self.push(b'0' + d as u8);
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever pushed.
        std::str::from_utf8(self.filled()).unwrap_or("")
    }

    fn filled(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

fn render_date(out: &mut Text, value: PartialDateTime) {
    out.year(value.year());
    let precision = value.precision();
    if precision >= Precision::Month {
        let (_, month, day) = value.calendar_date().to_calendar_date();
        out.push(b'-');
        out.two(u8::from(month));
        if precision >= Precision::Day {
            out.push(b'-');
            out.two(day);
        }
    }
}

fn render_instant(out: &mut Text, utc: OffsetDateTime, precision: Precision, fraction_digits: u8) {
    let (year, month, day) = utc.date().to_calendar_date();
    let (hour, minute, second, nanos) = utc.time().as_hms_nano();
    // Fixed positions up to the seconds: constant indices into a fixed array.
    let b = &mut out.bytes;
    *b = *b"0000-00-00T00:00:00.000000000Z";
    // Years are 0001..=9999 (the parser and the conversion check it).
    let y = year.clamp(0, 9999) as u16;
    b[0] = b'0' + (y / 1000) as u8;
    b[1] = b'0' + (y / 100 % 10) as u8;
    b[2] = b'0' + (y / 10 % 10) as u8;
    b[3] = b'0' + (y % 10) as u8;
    let month = u8::from(month);
    b[5] = b'0' + month / 10;
    b[6] = b'0' + month % 10;
    b[8] = b'0' + day / 10;
    b[9] = b'0' + day % 10;
    b[11] = b'0' + hour / 10;
    b[12] = b'0' + hour % 10;
    b[14] = b'0' + minute / 10;
    b[15] = b'0' + minute % 10;
    out.len = 16;
    if precision >= Precision::Second {
        b[17] = b'0' + second / 10;
        b[18] = b'0' + second % 10;
        out.len = 19;
    }
    if precision == Precision::Fraction && fraction_digits > 0 {
        // All nine places are written; the length keeps as many as were sent.
        let mut value = nanos;
        for slot in b.iter_mut().skip(20).take(9).rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        out.len = 20 + usize::from(fraction_digits.min(9));
    }
    out.push(b'Z');
}
