//! HL7 v2 escape sequences (HL7 v2.5 section 2.7).
//!
//! Values stay escaped in the parser; [`check`] validates every sequence of a value
//! without allocating, and [`decode`] rewrites a value only when it holds an escape
//! character (otherwise the input slice comes back borrowed).
//!
//! Sequences: `\F\ \S\ \T\ \R\ \E\` (delimiters, section 2.7.1), `\P\` (v2.7 truncation
//! character), `\H\ \N\` (highlighting, 2.7.2), `\Xhh..\` (hexadecimal data, 2.7.3),
//! `\Cxxyy\ \Mxxyyzz\` (character set switches, 2.7.4–2.7.5), `\.br\` and the other
//! formatted-text commands (2.7.6), `\Zxx..\` (locally defined, 2.7.7).

use std::borrow::Cow;

use memchr::memchr;

use super::parse::Delimiters;
use crate::cursor::Cursor;

/// What is wrong with an escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscapeError {
    /// An escape character opens a sequence that never closes.
    Unterminated,
    /// The sequence is not one HL7 defines.
    Unknown,
    /// `\X..\`, `\C..\` or `\M..\` with digits that are not hexadecimal pairs of the
    /// right count.
    BadHex,
}

impl EscapeError {
    /// What the rule is, for diagnostics.
    pub fn describe(self) -> &'static str {
        match self {
            EscapeError::Unterminated => "an escape sequence is not closed by the escape character (HL7 v2.5 section 2.7)",
            EscapeError::Unknown => "an escape sequence is not one HL7 defines (HL7 v2.5 section 2.7)",
            EscapeError::BadHex => "a hexadecimal escape sequence has an odd or wrong number of hex digits (HL7 v2.5 sections 2.7.3–2.7.5)",
        }
    }
}

/// Formatted-text commands of HL7 v2.5 section 2.7.6 (`\.br\`, `\.sp5\`, ...).
fn formatting(body: &[u8]) -> bool {
    let Some(cmd) = body.strip_prefix(b".") else {
        return false;
    };
    let name_len = cmd.iter().take_while(|b| b.is_ascii_lowercase()).count();
    let (name, arg) = cmd.split_at(name_len.min(cmd.len()));
    let arg_ok = |a: &[u8]| {
        let a = a
            .strip_prefix(b"+")
            .or_else(|| a.strip_prefix(b"-"))
            .unwrap_or(a);
        a.iter().all(u8::is_ascii_digit)
    };
    match name {
        b"br" | b"fi" | b"nf" => arg.is_empty(),
        b"sp" | b"in" | b"ti" | b"sk" | b"ce" => arg_ok(arg),
        _ => false,
    }
}

fn hex_pairs(digits: &[u8], count: Option<usize>) -> bool {
    digits.len().is_multiple_of(2)
        && !digits.is_empty()
        && digits.iter().all(u8::is_ascii_hexdigit)
        && match count {
            Some(c) => digits.len() == c,
            None => true,
        }
}

fn classify(body: &[u8]) -> Result<(), EscapeError> {
    match body {
        b"F" | b"S" | b"T" | b"R" | b"E" | b"P" | b"H" | b"N" => Ok(()),
        [b'X', digits @ ..] => hex_pairs(digits, None)
            .then_some(())
            .ok_or(EscapeError::BadHex),
        [b'C', digits @ ..] => hex_pairs(digits, Some(4))
            .then_some(())
            .ok_or(EscapeError::BadHex),
        [b'M', digits @ ..] => (hex_pairs(digits, Some(4)) || hex_pairs(digits, Some(6)))
            .then_some(())
            .ok_or(EscapeError::BadHex),
        [b'Z', ..] => Ok(()),
        _ if formatting(body) => Ok(()),
        _ => Err(EscapeError::Unknown),
    }
}

/// Checks every escape sequence of `value`; no allocation.
pub fn check(value: &[u8], d: &Delimiters) -> Result<(), EscapeError> {
    let Some(esc) = d.escape else {
        return Ok(());
    };
    let mut rest = Cursor::new(value);
    while let Some(open) = memchr(esc, rest.rest()) {
        // The offsets come from the searches, so only an unterminated sequence is short.
        rest.skip(open + 1).ok_or(EscapeError::Unterminated)?;
        let close = memchr(esc, rest.rest()).ok_or(EscapeError::Unterminated)?;
        classify(rest.take(close).ok_or(EscapeError::Unterminated)?)?;
        rest.skip(1).ok_or(EscapeError::Unterminated)?;
    }
    Ok(())
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Decodes `value`: delimiter escapes become the delimiter, `\Xhh\` its bytes, `\.br\`
/// a line break; highlighting and character set switches are dropped; `\Z..\` is kept
/// as sent. Borrowed when the value holds no escape character.
///
/// ```
/// use payload_triage::unstable::hl7v2::{escape, parse::Delimiters};
/// let d = Delimiters::default();
/// assert_eq!(&*escape::decode(b"A\\T\\E", &d).unwrap(), b"A&E");
/// assert!(escape::decode(b"lone\\", &d).is_err());
/// ```
pub fn decode<'a>(value: &'a [u8], d: &Delimiters) -> Result<Cow<'a, [u8]>, EscapeError> {
    let Some(esc) = d.escape else {
        return Ok(Cow::Borrowed(value));
    };
    if memchr(esc, value).is_none() {
        return Ok(Cow::Borrowed(value));
    }
    check(value, d)?;
    let mut out = Vec::with_capacity(value.len());
    let mut rest = Cursor::new(value);
    while let Some(open) = memchr(esc, rest.rest()) {
        // `check` passed, so every sequence is terminated and these reads are in bounds.
        out.extend_from_slice(rest.take(open).ok_or(EscapeError::Unterminated)?);
        rest.skip(1).ok_or(EscapeError::Unterminated)?;
        let close = memchr(esc, rest.rest()).ok_or(EscapeError::Unterminated)?;
        let body = rest.take(close).ok_or(EscapeError::Unterminated)?;
        match body {
            b"F" => out.push(d.field),
            b"S" => out.push(d.component),
            b"T" => out.push(d.subcomponent),
            b"R" => out.push(d.repetition),
            b"E" => out.push(esc),
            b"P" => out.push(d.truncation.unwrap_or(b'#')),
            b"H" | b"N" => {}
            [b'X', digits @ ..] => {
                out.extend(digits.chunks(2).map(|p| {
                    hex_value(p.first().copied().unwrap_or(b'0')) << 4
                        | hex_value(p.get(1).copied().unwrap_or(b'0'))
                }));
            }
            [b'C' | b'M', ..] => {}
            b".br" => out.push(b'\n'),
            _ => {
                // Locally defined (\Z..\) and other formatting commands are kept as sent.
                out.push(esc);
                out.extend_from_slice(body);
                out.push(esc);
            }
        }
        rest.skip(1).ok_or(EscapeError::Unterminated)?;
    }
    out.extend_from_slice(rest.rest());
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Delimiters {
        Delimiters::default()
    }

    #[test]
    fn every_delimiter_escape_decodes_to_its_delimiter() {
        assert_eq!(
            &*decode(b"\\F\\\\S\\\\T\\\\R\\\\E\\", &d()).unwrap(),
            b"|^&~\\"
        );
    }

    #[test]
    fn hex_highlight_charset_and_formatting_sequences_are_understood() {
        assert_eq!(&*decode(b"\\X414243\\", &d()).unwrap(), b"ABC");
        assert_eq!(&*decode(b"a\\H\\b\\N\\c", &d()).unwrap(), b"abc");
        assert_eq!(&*decode(b"x\\C2842\\y\\M2442\\z", &d()).unwrap(), b"xyz");
        assert_eq!(&*decode(b"1\\.br\\2", &d()).unwrap(), b"1\n2");
        assert!(check(b"\\.sp3\\\\.in+4\\\\.ce\\\\Zlocal\\", &d()).is_ok());
    }

    #[test]
    fn a_lone_escape_character_at_the_end_is_unterminated() {
        assert_eq!(check(b"abc\\", &d()), Err(EscapeError::Unterminated));
    }

    #[test]
    fn unknown_sequences_and_odd_hex_are_rejected() {
        assert_eq!(check(b"\\Q\\", &d()), Err(EscapeError::Unknown));
        assert_eq!(check(b"\\X4\\", &d()), Err(EscapeError::BadHex));
        assert_eq!(check(b"\\C28\\", &d()), Err(EscapeError::BadHex));
    }

    #[test]
    fn values_without_escapes_are_borrowed() {
        assert!(matches!(decode(b"plain", &d()), Ok(Cow::Borrowed(_))));
    }
}
