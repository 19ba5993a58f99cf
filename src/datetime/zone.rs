//! Placing a local time in an IANA zone: the only place jiff is used, for the zone's
//! rules and for telling gaps and folds apart (RFC 9557 / Temporal disambiguation).
//!
//! The zone itself is looked up once per source profile ([`crate::config::lookup_zone`],
//! jiff's bundled database), so each value costs one offset lookup, not a zone load.

use jiff::tz::{AmbiguousOffset, TimeZone};

use super::error::DatetimeErrorKind as Kind;
use super::parse::Fields;
use super::DstPolicy;

/// A DST transition the local time fell into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// The local time was skipped (clocks jumped forward over it).
    Gap,
    /// The local time happened twice (clocks fell back over it).
    Fold,
}

/// How a gap or fold was resolved, for the warning that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DstResolution {
    /// Gap or fold.
    pub transition: Transition,
    /// The policy that chose the instant.
    pub policy: DstPolicy,
    /// True when the earlier of the two candidate instants was taken.
    pub took_earlier: bool,
}

/// An IANA time zone from the tz database bundled with the crate, looked up by name
/// with [`lookup_zone`](super::lookup_zone): where [`ZoneRules`](super::ZoneRules)
/// places local times that carry no offset. The database's own types stay inside the
/// crate.
#[derive(Debug, Clone)]
pub struct Zone(TimeZone);

impl Zone {
    pub(crate) fn new(zone: TimeZone) -> Self {
        Zone(zone)
    }

    /// The zone's IANA name, such as `America/Chicago`.
    pub fn name(&self) -> Option<&str> {
        self.0.iana_name()
    }

    /// The zone's offset from UTC, in seconds east, at the instant `unix_seconds`
    /// seconds after 1970-01-01T00:00:00Z; `None` outside the range the database
    /// covers.
    pub fn offset_at(&self, unix_seconds: i64) -> Option<i32> {
        let instant = jiff::Timestamp::from_second(unix_seconds).ok()?;
        Some(self.0.to_offset(instant).seconds())
    }
}

/// The offset (seconds east of UTC) `zone` gives the local time `local`, resolved by
/// `policy`, with a note when a gap or fold had to be resolved.
pub(crate) fn offset_in_zone(
    local: &Fields,
    zone: &Zone,
    policy: DstPolicy,
) -> Result<(i32, Option<DstResolution>), Kind> {
    // Years are 1..=9999 and the fields are in range (checked by the parser); the
    // conversions cannot fail, and a failure would be reported, not panicked on.
    let small = |v: u8| i8::try_from(v).map_err(|_| Kind::OutOfRange);
    let civil = jiff::civil::DateTime::new(
        i16::try_from(local.year).map_err(|_| Kind::OutOfRange)?,
        small(local.month)?,
        small(local.day)?,
        small(local.hour)?,
        small(local.minute)?,
        small(local.second)?,
        i32::try_from(local.nanos).map_err(|_| Kind::OutOfRange)?,
    )
    .map_err(|_| Kind::OutOfRange)?;
    let (offset, note) = match zone.0.to_ambiguous_timestamp(civil).offset() {
        AmbiguousOffset::Unambiguous { offset } => (offset, None),
        AmbiguousOffset::Gap { before, after } => {
            // A larger offset gives an earlier instant.
            let (earlier, later) = order(before, after);
            let (offset, took_earlier) = match policy {
                DstPolicy::Default | DstPolicy::Reject => return Err(Kind::NonexistentLocal),
                DstPolicy::Earlier => (earlier, true),
                // "compatible" (RFC 5545 section 3.3.5, Temporal): a skipped time moves
                // forward by the gap's length, i.e. the later instant.
                DstPolicy::Later | DstPolicy::Compatible => (later, false),
            };
            let note = DstResolution {
                transition: Transition::Gap,
                policy,
                took_earlier,
            };
            (offset, Some(note))
        }
        AmbiguousOffset::Fold { before, after } => {
            let (earlier, later) = order(before, after);
            let (offset, took_earlier) = match policy {
                DstPolicy::Reject => return Err(Kind::AmbiguousLocal),
                DstPolicy::Default | DstPolicy::Earlier | DstPolicy::Compatible => (earlier, true),
                DstPolicy::Later => (later, false),
            };
            let note = DstResolution {
                transition: Transition::Fold,
                policy,
                took_earlier,
            };
            (offset, Some(note))
        }
    };
    Ok((offset.seconds(), note))
}

/// The offsets giving the (earlier, later) instant for the same local time.
fn order(a: jiff::tz::Offset, b: jiff::tz::Offset) -> (jiff::tz::Offset, jiff::tz::Offset) {
    if a.seconds() >= b.seconds() {
        (a, b)
    } else {
        (b, a)
    }
}

#[cfg(test)]
mod tests {
    use crate::datetime::lookup_zone;

    #[test]
    fn a_zone_says_its_name_and_its_offset_on_either_side_of_a_transition() {
        let chicago = lookup_zone("America/Chicago").unwrap();
        assert_eq!(chicago.name(), Some("America/Chicago"));
        // 2024-03-10T07:59:59Z is 01:59:59 CST; a second later it is 03:00:00 CDT.
        assert_eq!(chicago.offset_at(1_710_057_599), Some(-6 * 3600));
        assert_eq!(chicago.offset_at(1_710_057_600), Some(-5 * 3600));
        assert_eq!(chicago.offset_at(i64::MAX), None);
    }
}
