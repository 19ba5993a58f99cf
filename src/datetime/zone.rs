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

/// The offset (seconds east of UTC) `zone` gives the local time `local`, resolved by
/// `policy`, with a note when a gap or fold had to be resolved.
pub(crate) fn offset_in_zone(
    local: &Fields,
    zone: &TimeZone,
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
    let (offset, note) = match zone.to_ambiguous_timestamp(civil).offset() {
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
