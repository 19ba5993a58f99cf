//! The lexers: one pass over the bytes of a value, no allocation, into a
//! [`PartialDateTime`] that knows its precision.
//!
//! Two families share the validation step:
//! - HL7 digit strings (v2 DT/DTM/TS, v2.5 sections 2.A.21, 2.A.22, 2.A.81; v3 TS, Data
//!   Types R1 ITS XML): `YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]`;
//! - ISO 8601 extended form (W3C-DTF, RFC 3339 section 5.6, FHIR R4 section 2.24.0.1,
//!   XML Schema 1.1 Part 2 section 3.3.7 `dateTime`):
//!   `YYYY[-MM[-DD[Thh:mm[:ss[.s...]]]]][TZD]`.
//!
//! Syntax rules (which parts a data type allows) are checked here; calendar rules
//! (month 13, 30 February, hour 24) are checked once, in [`build`].

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use super::error::{DatetimeError, DatetimeErrorKind as Kind};
use super::{Precision, Syntax};

/// Largest fraction digit count any syntax may carry (nanoseconds).
pub(crate) const MAX_FRACTION_DIGITS: u8 = 9;

/// A datetime as sent: the fields it gave, its precision, and its own offset if any.
///
/// Fields beyond the precision are not data: a month-precision value has no day. The
/// accessors return `None` for them, so nothing downstream can invent them.
///
/// ```
/// use payload_triage::unstable::datetime::{PartialDateTime, Precision, Syntax};
///
/// let v = PartialDateTime::parse("202311051430-0500", Syntax::Hl7v2DateTime).unwrap();
/// assert_eq!(v.precision(), Precision::Minute);
/// assert_eq!(v.offset().map(|o| o.whole_seconds()), Some(-5 * 3600));
/// assert_eq!(v.datetime().unwrap().hour(), 14);
///
/// let d = PartialDateTime::parse("2023-11", Syntax::FhirDate).unwrap();
/// assert_eq!(d.precision(), Precision::Month);
/// assert_eq!(d.day(), None);
/// assert_eq!(d.datetime(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDateTime {
    /// The checked fields; month and day are 1 below day precision, the clock is zero
    /// below hour precision (they are not data then).
    fields: Fields,
}

impl PartialDateTime {
    /// Parses `value` as `syntax`. The HL7 TS degree-of-precision component and `""`
    /// are handled by [`canonicalize`](super::canonicalize), not here.
    ///
    /// ```
    /// use payload_triage::unstable::datetime::{DatetimeErrorKind, PartialDateTime, Syntax};
    ///
    /// let err = PartialDateTime::parse("2023-13-01", Syntax::Iso8601).unwrap_err();
    /// assert_eq!(err.kind(), DatetimeErrorKind::InvalidDate);
    /// ```
    pub fn parse(value: &str, syntax: Syntax) -> Result<Self, DatetimeError> {
        let fields = match syntax {
            Syntax::Hl7v2Date | Syntax::Hl7v2DateTime | Syntax::Hl7v3Ts => {
                lex_hl7(value.as_bytes(), syntax)
            }
            Syntax::Iso8601
            | Syntax::FhirDate
            | Syntax::FhirDateTime
            | Syntax::FhirInstant
            | Syntax::XsDateTime => lex_iso(value.as_bytes(), syntax),
            Syntax::Hl7v2Time => lex_time(value.as_bytes()),
        }
        .map_err(|kind| DatetimeError::new(kind, syntax))?;
        check_shape(&fields, syntax)
            .and_then(|()| build(fields))
            .map_err(|kind| DatetimeError::new(kind, syntax).at(fields.precision))
    }

    /// How much the sender gave.
    pub fn precision(&self) -> Precision {
        self.fields.precision
    }

    /// The year.
    pub fn year(&self) -> i32 {
        i32::from(self.fields.year)
    }

    /// The month, from month precision up.
    pub fn month(&self) -> Option<Month> {
        (self.fields.precision >= Precision::Month)
            .then(|| Month::try_from(self.fields.month).ok())
            .flatten()
    }

    /// The day of the month, from day precision up.
    pub fn day(&self) -> Option<u8> {
        (self.fields.precision >= Precision::Day).then_some(self.fields.day)
    }

    /// The checked fields, whatever the precision (for the converter and the writer).
    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The full calendar date, from day precision up.
    pub fn date(&self) -> Option<Date> {
        if self.fields.precision < Precision::Day {
            return None;
        }
        let month = Month::try_from(self.fields.month).ok()?;
        Date::from_calendar_date(self.year(), month, self.fields.day).ok()
    }

    /// The local date and time as sent, from hour precision up (minutes and seconds
    /// below the precision are zero).
    pub fn datetime(&self) -> Option<PrimitiveDateTime> {
        if self.fields.precision.is_date_only() {
            return None;
        }
        let f = &self.fields;
        let time = Time::from_hms_nano(f.hour, f.minute, f.second, f.nanos).ok()?;
        Some(PrimitiveDateTime::new(self.date()?, time))
    }

    /// The value's own UTC offset, if it carried one.
    pub fn offset(&self) -> Option<UtcOffset> {
        self.fields
            .offset
            .and_then(|seconds| UtcOffset::from_whole_seconds(seconds).ok())
    }

    /// The value's own UTC offset in seconds east of UTC (within ±14:00).
    pub(crate) fn offset_seconds(&self) -> Option<i32> {
        self.fields.offset
    }

    /// Fraction digits as sent (0 unless the precision is [`Precision::Fraction`]).
    pub fn fraction_digits(&self) -> u8 {
        self.fields.fraction_digits
    }

    /// The same value cut down to `precision`; a higher `precision` changes nothing,
    /// because output never has more than the input.
    ///
    /// ```
    /// use payload_triage::unstable::datetime::{PartialDateTime, Precision, Syntax};
    ///
    /// let v = PartialDateTime::parse("20231105143015.25", Syntax::Hl7v2DateTime).unwrap();
    /// assert_eq!(v.truncate(Precision::Day).precision(), Precision::Day);
    /// assert_eq!(v.truncate(Precision::Fraction).fraction_digits(), 2);
    /// ```
    pub fn truncate(self, precision: Precision) -> Self {
        if precision >= self.fields.precision {
            return self;
        }
        let mut f = self.fields;
        f.precision = precision;
        f.fraction_digits = 0;
        f.nanos = 0;
        if precision < Precision::Second {
            f.second = 0;
        }
        if precision < Precision::Minute {
            f.minute = 0;
        }
        if precision < Precision::Hour {
            f.hour = 0;
        }
        if precision < Precision::Day {
            f.day = 1;
        }
        if precision < Precision::Month {
            f.month = 1;
        }
        PartialDateTime { fields: f }
    }
}

/// The fields of a datetime: as a lexer found them, then (inside a
/// [`PartialDateTime`]) checked against the calendar and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Fields {
    pub(crate) year: u16,
    pub(crate) month: u8,
    pub(crate) day: u8,
    pub(crate) hour: u8,
    pub(crate) minute: u8,
    pub(crate) second: u8,
    pub(crate) nanos: u32,
    pub(crate) fraction_digits: u8,
    pub(crate) precision: Precision,
    /// Seconds east of UTC, range-checked by the lexer.
    pub(crate) offset: Option<i32>,
}

impl Fields {
    fn new(year: u16) -> Self {
        Fields {
            year,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
            fraction_digits: 0,
            precision: Precision::Year,
            offset: None,
        }
    }
}

/// True for a leap year of the Gregorian calendar (ISO 8601-1:2019 section 3.2.1, the
/// proleptic Gregorian calendar): every 4th year, except centuries not divisible by 400.
#[inline]
pub(crate) fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// The days of `month` (1..=12) in `year`: 31 in January, March, May, July, August,
/// October and December; 30 in April, June, September and November; 28 in February,
/// 29 in a leap year. 0 for a month that does not exist.
#[inline]
pub(crate) fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Checks the fields against the calendar and the clock.
fn build(f: Fields) -> Result<PartialDateTime, Kind> {
    // ISO 8601 year 0000 is 1 BC; no health-data standard here allows it (FHIR R4's
    // regex and XML Schema 1.0 exclude it).
    if f.year == 0 || f.month == 0 || f.day == 0 || f.day > days_in_month(f.year, f.month) {
        return Err(Kind::InvalidDate);
    }
    if f.hour > 23 || f.minute > 59 || f.second > 60 {
        return Err(Kind::InvalidTime);
    }
    if f.second == 60 {
        return Err(Kind::LeapSecond);
    }
    // The lexers give at most nine fraction digits and offsets within ±14:00.
    if f.nanos >= 1_000_000_000 {
        return Err(Kind::InvalidTime);
    }
    Ok(PartialDateTime { fields: f })
}

/// The ASCII digit at `pos`, as a number.
#[inline(always)]
fn digit(bytes: &[u8], pos: usize) -> Option<u8> {
    let d = bytes.get(pos)?.wrapping_sub(b'0');
    (d < 10).then_some(d)
}

/// Two ASCII digits at `pos`, as a number.
#[inline(always)]
fn two_digits(bytes: &[u8], pos: usize) -> Option<u8> {
    Some(digit(bytes, pos)? * 10 + digit(bytes, pos + 1)?)
}

/// Four ASCII digits at `pos`, as a number.
#[inline(always)]
fn four_digits(bytes: &[u8], pos: usize) -> Option<u16> {
    let hi = u16::from(two_digits(bytes, pos)?);
    Some(hi * 100 + u16::from(two_digits(bytes, pos + 2)?))
}

/// Converts fraction digits to nanoseconds; more than 9 is an error.
#[inline]
fn fraction(frac: &[u8], max: u8) -> Result<(u32, u8), Kind> {
    if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
        return Err(Kind::InvalidSyntax);
    }
    if frac.len() > usize::from(max) {
        return Err(Kind::FractionTooLong);
    }
    // Always nine places (missing ones are zeros): a fixed loop, no power of ten.
    let mut nanos = 0u32;
    for k in 0..usize::from(MAX_FRACTION_DIGITS) {
        nanos = nanos * 10 + frac.get(k).map_or(0, |b| u32::from(b - b'0'));
    }
    // len <= 9 here.
    Ok((nanos, frac.len() as u8))
}

/// Checks an offset's parts: minutes 00-59, total within ±14:00.
#[inline]
fn offset_seconds(negative: bool, hours: u32, minutes: u32) -> Result<i32, Kind> {
    if minutes > 59 {
        return Err(Kind::InvalidOffset);
    }
    let total = hours * 3600 + minutes * 60;
    if total > 14 * 3600 {
        return Err(Kind::OffsetOutOfRange);
    }
    // total <= 50_400, fits in i32.
    let total = total as i32;
    Ok(if negative { -total } else { total })
}

/// HL7 v2 DT/DTM/TS.1 and v3 TS: `YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]`.
fn lex_hl7(bytes: &[u8], syntax: Syntax) -> Result<Fields, Kind> {
    // One pass over the shape: digits, then `.digits`, then `+/-` and the zone, then
    // the end. Anything else is not this syntax at all.
    let (lo, hi, mut n) = leading_digit_pairs(bytes);
    if n == 16 {
        n += digit_run(bytes.get(n..).unwrap_or(&[]));
    }
    let mut pos = n;
    let mut frac = None;
    if bytes.get(pos) == Some(&b'.') {
        let rest = bytes.get(pos + 1..).unwrap_or(&[]);
        let len = digit_run(rest);
        frac = rest.get(..len);
        pos += 1 + len;
    }
    let zone = match bytes.get(pos..) {
        None | Some([]) => None,
        Some(zone @ [b'+' | b'-', ..]) => Some(zone),
        Some(_) => return Err(Kind::InvalidSyntax),
    };
    if n == 0 {
        return Err(Kind::InvalidSyntax);
    }
    let max_digits = if syntax == Syntax::Hl7v2Date { 8 } else { 14 };
    if n % 2 != 0 || n < 4 || n > max_digits {
        return Err(Kind::DigitCount);
    }
    // Byte 2k of a pair word is the number of digits 2k and 2k+1 (zero past the last).
    let pair = |word: u64, k: u32| (word >> (16 * k)) as u8;
    let year = u16::from(pair(lo, 0)) * 100 + u16::from(pair(lo, 1));
    let mut f = Fields::new(year);
    f.precision = match n {
        4 => Precision::Year,
        6 => Precision::Month,
        8 => Precision::Day,
        10 => Precision::Hour,
        12 => Precision::Minute,
        _ => Precision::Second,
    };
    if n >= 6 {
        f.month = pair(lo, 2);
    }
    if n >= 8 {
        f.day = pair(lo, 3);
    }
    // Zeros below the precision, as the fields' contract says.
    f.hour = pair(hi, 0);
    f.minute = pair(hi, 1);
    f.second = pair(hi, 2);
    if let Some(frac) = frac {
        // v2.5 section 2.A.22: the fraction follows the seconds, never fewer digits.
        if n != 14 {
            return Err(Kind::InvalidSyntax);
        }
        let (nanos, digits) = fraction(frac, syntax.max_fraction_digits())?;
        f.nanos = nanos;
        f.fraction_digits = digits;
        f.precision = Precision::Fraction;
    }
    if let Some(zone) = zone {
        // `+ZZZZ`: sign and exactly four digits.
        let [sign, h1, h2, m1, m2] = *zone else {
            return Err(Kind::InvalidSyntax);
        };
        f.offset = Some(iso_offset(sign, [h1, h2, m1, m2])?);
    }
    Ok(f)
}

/// The ASCII digits `bytes` starts with, looking at 16 bytes at a time as two 64-bit
/// words: the two words of digit pairs (byte 2k holds the number of digits 2k and
/// 2k+1, zero past the last digit) and how many digits there are (16: 16 or more).
#[inline]
fn leading_digit_pairs(bytes: &[u8]) -> (u64, u64, usize) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut buf = [0u8; 16];
    let k = bytes.len().min(16);
    if let (Some(to), Some(from)) = (buf.get_mut(..k), bytes.get(..k)) {
        to.copy_from_slice(from);
    }
    let (lo, hi) = buf.split_at(8);
    let word = |half: &[u8]| u64::from_le_bytes(half.try_into().unwrap_or([0; 8]));
    let (lo, hi) = (word(lo), word(hi));
    // A byte is a digit when its high nibble is 3 and adding 6 keeps it so (0x30-0x39).
    // A carry can only leave a byte of 0xFA or more, a non-digit, and only into the
    // bytes after it, so every byte before the first non-digit is judged exactly.
    let not_digit = |x: u64| {
        ((x & (0xF0 * ONES)) ^ (0x30 * ONES))
            | ((x.wrapping_add(0x06 * ONES) & (0xF0 * ONES)) ^ (0x30 * ONES))
    };
    let n_lo = (not_digit(lo).trailing_zeros() / 8) as usize;
    let n_hi = if n_lo == 8 {
        (not_digit(hi).trailing_zeros() / 8) as usize
    } else {
        0
    };
    // The digits' values, zero past the last digit; then each even byte takes ten
    // times itself plus the next (at most 99: no carry between bytes).
    let keep = |n: usize| match n {
        8 => u64::MAX,
        n => (1u64 << (8 * n)) - 1,
    };
    let values = |x: u64, n: usize| x.wrapping_sub(0x30 * ONES) & keep(n);
    let pairs = |v: u64| (v * 10 + (v >> 8)) & (0x00FF * 0x0001_0001_0001_0001);
    (
        pairs(values(lo, n_lo)),
        pairs(values(hi, n_hi)),
        n_lo + n_hi,
    )
}

/// How many ASCII digits `bytes` starts with.
#[inline]
fn digit_run(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len())
}

/// ISO 8601 extended form as used by W3C-DTF, RFC 3339, FHIR and XML Schema.
fn lex_iso(bytes: &[u8], syntax: Syntax) -> Result<Fields, Kind> {
    let two = |pos: usize| two_digits(bytes, pos).ok_or(Kind::InvalidSyntax);
    let year = four_digits(bytes, 0).ok_or(Kind::InvalidSyntax)?;
    let mut f = Fields::new(year);
    let mut pos = 4;
    // `-hh:mm` right after the year or month is an offset (XML Schema `gYear`,
    // `gYearMonth`), not a month or day: the colon tells them apart.
    let date_part = |pos: usize| bytes.get(pos) == Some(&b'-') && bytes.get(pos + 3) != Some(&b':');
    if date_part(pos) {
        f.month = two(pos + 1)?;
        f.precision = Precision::Month;
        pos += 3;
        if date_part(pos) {
            f.day = two(pos + 1)?;
            f.precision = Precision::Day;
            pos += 3;
            // RFC 3339 section 5.6 allows a lowercase `t`; FHIR and XML Schema do not.
            let lenient = syntax == Syntax::Iso8601;
            if matches!(bytes.get(pos), Some(b'T')) || (lenient && bytes.get(pos) == Some(&b't')) {
                f.hour = two(pos + 1)?;
                if bytes.get(pos + 3) != Some(&b':') {
                    return Err(Kind::InvalidSyntax);
                }
                f.minute = two(pos + 4)?;
                f.precision = Precision::Minute;
                pos += 6;
                if bytes.get(pos) == Some(&b':') {
                    f.second = two(pos + 1)?;
                    f.precision = Precision::Second;
                    pos += 3;
                    if bytes.get(pos) == Some(&b'.') {
                        let start = pos + 1;
                        let len = bytes.get(start..).map_or(0, |rest| {
                            rest.iter().take_while(|b| b.is_ascii_digit()).count()
                        });
                        let frac = bytes.get(start..start + len).unwrap_or(&[]);
                        let (nanos, d) = fraction(frac, syntax.max_fraction_digits())?;
                        f.nanos = nanos;
                        f.fraction_digits = d;
                        f.precision = Precision::Fraction;
                        pos = start + len;
                    }
                }
            }
        }
    }
    let rest = bytes.get(pos..).unwrap_or(&[]);
    f.offset = match rest {
        [] => None,
        [b'Z'] => Some(0),
        [b'z'] if syntax == Syntax::Iso8601 => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            Some(iso_offset(*sign, [*h1, *h2, *m1, *m2])?)
        }
        // `+hhmm` is met in the wild (ISO 8601 basic-format offset); FHIR and XML
        // Schema require the colon.
        [sign @ (b'+' | b'-'), h1, h2, m1, m2] if syntax == Syntax::Iso8601 => {
            Some(iso_offset(*sign, [*h1, *h2, *m1, *m2])?)
        }
        _ => return Err(Kind::InvalidSyntax),
    };
    Ok(f)
}

fn iso_offset(sign: u8, hhmm: [u8; 4]) -> Result<i32, Kind> {
    let hh = two_digits(&hhmm, 0)
        .map(u32::from)
        .ok_or(Kind::InvalidSyntax)?;
    let mm = two_digits(&hhmm, 2)
        .map(u32::from)
        .ok_or(Kind::InvalidSyntax)?;
    offset_seconds(sign == b'-', hh, mm)
}

/// Which parts each ISO-family data type allows.
fn check_shape(f: &Fields, syntax: Syntax) -> Result<(), Kind> {
    let has_time = !f.precision.is_date_only();
    match syntax {
        Syntax::Iso8601 => Ok(()),
        // FHIR R4 `date`: `YYYY(-MM(-DD)?)?`, no time, no zone.
        Syntax::FhirDate => {
            if has_time || f.offset.is_some() {
                Err(Kind::InvalidSyntax)
            } else {
                Ok(())
            }
        }
        // FHIR R4 `dateTime`: a partial date, or a time with seconds; the zone sits in
        // the time part and is required there.
        Syntax::FhirDateTime => {
            if !has_time {
                if f.offset.is_some() {
                    return Err(Kind::InvalidSyntax);
                }
                return Ok(());
            }
            if f.precision < Precision::Second {
                return Err(Kind::InvalidSyntax);
            }
            if f.offset.is_none() {
                return Err(Kind::FhirZoneRequired);
            }
            Ok(())
        }
        // FHIR R4 `instant`: full date, time to the second, zone.
        Syntax::FhirInstant => {
            if f.precision < Precision::Second {
                return Err(Kind::FhirInstantIncomplete);
            }
            if f.offset.is_none() {
                return Err(Kind::FhirZoneRequired);
            }
            Ok(())
        }
        // XML Schema `dateTime`: full date and time to the second; zone optional.
        Syntax::XsDateTime => {
            if f.precision < Precision::Second {
                Err(Kind::InvalidSyntax)
            } else {
                Ok(())
            }
        }
        Syntax::Hl7v2Date | Syntax::Hl7v2DateTime | Syntax::Hl7v3Ts | Syntax::Hl7v2Time => Ok(()),
    }
}

/// HL7 v2 TM (v2.5 section 2.A.75): `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]`, a time of day
/// with no date. It is lexed as the time part of a DTM on a fixed date (2000-01-01), so
/// the clock, fraction and offset rules are the DTM ones; the date is not data.
fn lex_time(bytes: &[u8]) -> Result<Fields, Kind> {
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return Err(Kind::InvalidSyntax);
    }
    if digits % 2 != 0 || digits > 6 {
        return Err(Kind::DigitCount);
    }
    // 8 + at most 6 digits + the rest (fraction, offset), bounded by the value.
    let mut dated = Vec::with_capacity(8 + bytes.len());
    dated.extend_from_slice(b"20000101");
    dated.extend_from_slice(bytes);
    lex_hl7(&dated, Syntax::Hl7v2DateTime)
}
