//! A read position in a byte slice whose every read says whether the bytes were there.
//!
//! Parsers walk input with offsets they found themselves (a delimiter's position, a
//! length from a header). Such a slice "cannot fail", until a logic error makes it:
//! `bytes.get(a..b).unwrap_or_default()` then hands on an empty slice and the error
//! hides as a silently shorter value. [`Cursor`] (after rustls's codec `Reader`) makes
//! the short case explicit: [`Cursor::take`] and [`Cursor::skip`] return `None` when
//! the bytes run out and leave the position where it was, so a caller either handles
//! it or passes it up with `?`, and a test sees it.

/// The unread part of a byte slice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    rest: &'a [u8],
    consumed: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor {
            rest: bytes,
            consumed: 0,
        }
    }

    /// How many bytes have been read.
    pub fn position(&self) -> usize {
        self.consumed
    }

    /// The bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next byte, without reading it.
    pub fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next `n` bytes; `None` (and nothing read) when fewer remain.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n)?;
        self.rest = tail;
        self.consumed += n;
        Some(head)
    }

    /// Skips the next `n` bytes; `None` (and nothing skipped) when fewer remain.
    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    /// Skips bytes while `keep` holds; returns how many.
    pub fn skip_while(&mut self, keep: impl Fn(u8) -> bool) -> usize {
        let n = self.rest.iter().take_while(|&&b| keep(b)).count();
        // `n` counts bytes of `rest`, so the split cannot fail; if it ever did, nothing
        // would be skipped rather than a wrong slice returned.
        self.skip(n).map_or(0, |()| n)
    }
}

/// `bytes[from..to]` when the range lies inside `bytes`, else `None` (never an empty
/// stand-in).
pub(crate) fn sub(bytes: &[u8], from: usize, to: usize) -> Option<&[u8]> {
    bytes.get(from..to)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_short_read_is_none_and_reads_nothing() {
        let mut c = Cursor::new(b"MSH|");
        assert_eq!(c.take(3), Some(&b"MSH"[..]));
        assert_eq!(c.take(2), None);
        assert_eq!(c.position(), 3);
        assert_eq!(c.peek(), Some(b'|'));
        assert_eq!(c.skip(1), Some(()));
        assert!(c.is_empty());
        assert_eq!(c.skip(1), None);
    }

    #[test]
    fn skip_while_and_take_rest_account_for_every_byte() {
        let mut c = Cursor::new(b"  \r\nabc");
        assert_eq!(c.skip_while(|b| b.is_ascii_whitespace()), 4);
        assert_eq!(c.rest(), b"abc");
        assert_eq!(c.position(), 4);
        assert_eq!(sub(b"abc", 1, 3), Some(&b"bc"[..]));
        assert_eq!(sub(b"abc", 2, 4), None);
    }
}
