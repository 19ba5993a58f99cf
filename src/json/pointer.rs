//! JSON Pointer (RFC 6901) paths, built incrementally while walking a document.
//!
//! Reports name places in JSON with JSON Pointers (docs/contract.md, "Output contract"):
//! `/entry/3/resource/birthDate`. A member name containing `~` or `/` is escaped as `~0`
//! and `~1` (RFC 6901 section 3).

use super::parse::Str;

/// A JSON Pointer under construction: push a segment when descending, pop when leaving.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pointer {
    text: String,
    marks: Vec<usize>,
}

impl Pointer {
    /// The pointer to the whole document (the empty string).
    pub fn new() -> Self {
        Pointer::default()
    }

    /// The pointer so far.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Descends into the member `key`.
    pub fn push_key(&mut self, key: &str) {
        self.marks.push(self.text.len());
        self.text.push('/');
        if !key.bytes().any(|b| b == b'~' || b == b'/') {
            self.text.push_str(key);
            return;
        }
        for c in key.chars() {
            match c {
                '~' => self.text.push_str("~0"),
                '/' => self.text.push_str("~1"),
                other => self.text.push(other),
            }
        }
    }

    /// Descends into a member whose name is still as written in the document.
    pub fn push_key_raw(&mut self, key: &Str<'_>) {
        // One pass over the name as written, for the common case: no JSON escape to
        // decode and no `~` or `/` to escape. Member names are short, so a byte loop
        // costs less here than a `memchr` call and a second scan.
        if key
            .raw
            .bytes()
            .all(|b| b != b'\\' && b != b'~' && b != b'/')
        {
            self.marks.push(self.text.len());
            self.text.reserve(1 + key.raw.len());
            self.text.push('/');
            self.text.push_str(key.raw);
        } else if key.escaped() {
            self.push_key(&key.value());
        } else {
            self.push_key(key.raw);
        }
    }

    /// Descends into the array item `index` (0-based, as RFC 6901 counts).
    pub fn push_index(&mut self, index: usize) {
        use std::fmt::Write;
        self.marks.push(self.text.len());
        let _ = write!(self.text, "/{index}");
    }

    /// Leaves the last segment.
    pub fn pop(&mut self) {
        if let Some(mark) = self.marks.pop() {
            self.text.truncate(mark);
        }
    }

    /// The pointer with one more member segment, without changing `self`.
    pub fn with_key(&self, key: &str) -> String {
        let mut p = self.clone();
        p.push_key(key);
        p.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tilde_and_slash_per_rfc_6901() {
        let mut p = Pointer::new();
        p.push_key("a/b");
        p.push_index(3);
        p.push_key("m~n");
        assert_eq!(p.as_str(), "/a~1b/3/m~0n");
        p.pop();
        p.pop();
        assert_eq!(p.as_str(), "/a~1b");
    }

    #[test]
    fn a_name_as_written_is_decoded_and_escaped_before_it_is_a_segment() {
        // Each branch: plain, `/` and `~` to escape, a JSON escape to decode (here
        // `\u002f` is `/`, which then needs RFC 6901's `~1`), and both.
        let cases = [
            (r"plain", "/plain"),
            (r"a/b~c", "/a~1b~0c"),
            (r"x\u002fy", "/x~1y"),
            (r"\u007e/", "/~0~1"),
            (r"tab\there", "/tab\there"),
        ];
        for (raw, want) in cases {
            let mut p = Pointer::new();
            p.push_key_raw(&Str { raw });
            assert_eq!(p.as_str(), want, "{raw}");
            p.pop();
            assert_eq!(p.as_str(), "");
        }
    }
}
