//! Source names: unique, lossless and safe to print.
//!
//! A report's `source` names a file as it was reached, then the message inside its
//! container: `capture.mllp#17`, `day.zip!/lab/0001.hl7`, `day.tgz!/x.ndjson#3`
//! (docs/contract.md, "Inputs and source names"). The separators `#` and `!` and the
//! escape character `%` are percent-encoded where a name holds them, as are control
//! characters (C0, DEL, C1, line and paragraph separators, bidirectional overrides) and
//! bytes that are not UTF-8. So a file named `m.hl7#2` (`m.hl7%232`) cannot be taken for
//! the second message of `m.hl7`, a name cannot forge a line of output, and decoding
//! `%XX` gives back the exact bytes.

use std::fmt::Write as _;
use std::path::Path;

/// Appends `bytes` to `out`, percent-encoding what a source name must not hold as is.
pub(crate) fn escape_into(bytes: &[u8], out: &mut String) {
    let mut rest = bytes;
    while !rest.is_empty() {
        let (valid, invalid) = match std::str::from_utf8(rest) {
            Ok(text) => (text, &[][..]),
            Err(e) => {
                let (head, tail) = rest.split_at(e.valid_up_to());
                let bad = e.error_len().unwrap_or(tail.len());
                let (bad, after) = tail.split_at(bad.min(tail.len()));
                // `head` is valid UTF-8 by construction.
                let text = std::str::from_utf8(head).unwrap_or_default();
                escape_str(text, out);
                for byte in bad {
                    percent(*byte, out);
                }
                rest = after;
                continue;
            }
        };
        escape_str(valid, out);
        rest = invalid;
    }
}

/// `bytes` as a source name.
pub(crate) fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_into(bytes, &mut out);
    out
}

/// A path as a source name, spelled as it was given.
pub(crate) fn path(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        escape(path.as_os_str().to_string_lossy().as_bytes())
    }
}

fn escape_str(text: &str, out: &mut String) {
    for c in text.chars() {
        if needs_escape(c) {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).as_bytes() {
                percent(*byte, out);
            }
        } else {
            out.push(c);
        }
    }
}

fn needs_escape(c: char) -> bool {
    matches!(c, '%' | '#' | '!')
        || c.is_control()
        // Line and paragraph separators, bidirectional embeddings, overrides and
        // isolates (Unicode UAX #9): they can make printed text lie about its order.
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn percent(byte: u8, out: &mut String) {
    let _ = write!(out, "%{byte:02X}");
}

/// Decodes a name escaped by [`escape`] back to its bytes (source profiles match the
/// file a name stands for).
pub(crate) fn unescape(name: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(name.len());
    let mut bytes = name.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = (bytes.next()? as char).to_digit(16)?;
            let lo = (bytes.next()? as char).to_digit(16)?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// `text` safe to print on a terminal: control characters, line and paragraph
/// separators and bidirectional controls are written as `\u{…}`, so a diagnostic path
/// or message built from payload names can neither start a new line nor recolour or
/// reorder what follows it.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '%' && c != '#' && c != '!' && needs_escape(c))
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c != '%' && c != '#' && c != '!' && needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_controls_are_escaped_reversibly() {
        for raw in [
            &b"m.hl7#2"[..],
            b"day.zip!/x",
            b"100%.hl7",
            b"a\nb\x1b[32mvalid\x1b[0m",
            b"\xff\xfename.hl7",
            "caf\u{e9}\u{202e}lmth.exe".as_bytes(),
            b"plain/dir/a.hl7",
        ] {
            let name = escape(raw);
            assert!(!name.contains('#') && !name.contains('!'), "{name}");
            assert!(name.chars().all(|c| !needs_escape(c) || c == '%'), "{name}");
            assert_eq!(unescape(&name).as_deref(), Some(raw), "{name}");
        }
        assert_eq!(escape(b"m.hl7#2"), "m.hl7%232");
        assert_eq!(escape(b"plain/dir/a.hl7"), "plain/dir/a.hl7");
        assert_eq!(escape("caf\u{e9}".as_bytes()), "caf\u{e9}");
    }
}
