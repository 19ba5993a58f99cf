//! A borrowing JSON parser (RFC 8259) that keeps what `serde_json::Value` throws away.
//!
//! The validators need four things `serde_json::Value` cannot give: byte spans of string
//! values (so a canonical document can replace a datetime and change nothing else),
//! duplicate object keys (`Value` silently keeps the last one), numbers as written (FHIR
//! decimals carry precision beyond `f64`, so `1.10` and `1e400` stay as their text), and a
//! depth bound that ends in a diagnostic. The tree borrows from the input: strings without
//! escapes and numbers are slices, objects keep members in document order.
//!
//! The input is `&str`, so UTF-8 was checked before parsing (RFC 8259 section 8.1).

use std::borrow::Cow;

use super::pointer::Pointer;

/// A JSON string as it sits in the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Str<'a> {
    /// The text between the quotes, escapes not yet decoded. It is a slice of the
    /// parsed text, so where it sits there is known without storing it: a string is
    /// 16 bytes of the tree (issue 14: memory per value).
    pub raw: &'a str,
}

impl<'a> Str<'a> {
    /// The decoded string. Escapes were validated while parsing.
    pub fn value(&self) -> Cow<'a, str> {
        if self.escaped() {
            Cow::Owned(unescape(self.raw))
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// Whether `raw` holds a backslash escape.
    pub fn escaped(&self) -> bool {
        memchr::memchr(b'\\', self.raw.as_bytes()).is_some()
    }

    /// The byte range of the whole token, quotes included, in the text that starts at
    /// address `base` (the text this string was parsed from).
    pub fn token_range(&self, base: usize) -> std::ops::Range<usize> {
        let start = (self.raw.as_ptr() as usize)
            .saturating_sub(base)
            .saturating_sub(1);
        start..start + self.raw.len() + 2
    }
}

/// A parsed JSON value.
#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    /// A number exactly as written (grammar checked, not converted).
    Number(&'a str),
    String(Str<'a>),
    /// Items in order (a boxed slice: 16 bytes, no spare capacity).
    Array(Box<[Value<'a>]>),
    /// Members in document order, duplicates included.
    Object(Box<[(Str<'a>, Value<'a>)]>),
}

impl<'a> Value<'a> {
    /// The member `key` of an object (the last one when a key is repeated, as most
    /// JSON readers do).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k.raw == key || (k.escaped() && k.value() == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, decoded.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        match self {
            Value::String(s) => Some(s.value()),
            _ => None,
        }
    }

    /// The JSON type's name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

/// Why a document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Not JSON: `what` was expected at byte `offset`.
    Syntax { offset: usize, what: &'static str },
    /// Nesting went deeper than the bound at `path`.
    TooDeep { path: String },
}

/// A parsed document and what the parser noticed on the way.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub value: Value<'a>,
    /// Where the parse stopped (after trailing whitespace).
    pub end: usize,
    /// JSON Pointers of object members whose key repeats an earlier key of the same
    /// object (bounded by [`MAX_DUPLICATES`]).
    pub duplicates: Vec<String>,
    /// How many duplicates there were in all.
    pub duplicate_count: usize,
}

/// Most duplicate-key paths listed; the rest are counted.
pub(crate) const MAX_DUPLICATES: usize = 100;

/// Parses one JSON value at the start of `text` (leading whitespace allowed). The
/// caller decides what trailing text after `end` means (an error, or the next NDJSON
/// line).
pub(crate) fn parse(text: &str, max_depth: usize) -> Result<Parsed<'_>, ParseError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        max_depth,
        path: Vec::new(),
        duplicates: Vec::new(),
        duplicate_count: 0,
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    Ok(Parsed {
        value,
        end: p.pos,
        duplicates: p.duplicates,
        duplicate_count: p.duplicate_count,
    })
}

/// 1-based line and column of a byte offset, for syntax messages.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(Str<'a>),
    Index(usize),
}

fn render(path: &[Segment<'_>]) -> String {
    let mut pointer = Pointer::new();
    for segment in path {
        match segment {
            Segment::Key(key) => pointer.push_key_raw(key),
            Segment::Index(i) => pointer.push_index(*i),
        }
    }
    pointer.as_str().to_owned()
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
    /// Where the parser is, as segments; rendered as a JSON Pointer only when a
    /// diagnostic needs it.
    path: Vec<Segment<'a>>,
    duplicates: Vec<String>,
    duplicate_count: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn err<T>(&self, what: &'static str) -> Result<T, ParseError> {
        Err(ParseError::Syntax {
            offset: self.pos,
            what,
        })
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &'static str, value: Value<'a>) -> Result<Value<'a>, ParseError> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            self.err("a JSON value")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("a JSON value"),
        }
    }

    fn check_depth(&self, depth: usize) -> Result<(), ParseError> {
        if depth > self.max_depth {
            return Err(ParseError::TooDeep {
                path: render(&self.path),
            });
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        self.check_depth(depth)?;
        self.pos += 1; // '{'
        let mut members: Vec<(Str<'a>, Value<'a>)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members.into_boxed_slice()));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return self.err("a member name in quotes");
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return self.err("':' after a member name");
            }
            self.pos += 1;
            self.skip_ws();
            self.path.push(Segment::Key(key));
            let value = self.value(depth)?;
            self.path.pop();
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.find_duplicates(&members);
                    return Ok(Value::Object(members.into_boxed_slice()));
                }
                _ => return self.err("',' or '}' in an object"),
            }
        }
    }

    /// Records members whose key repeats an earlier key of the same object. Short
    /// objects (nearly all of FHIR and Redox) are scanned pairwise; long ones go through
    /// a hash set, so a hostile object with many keys stays linear.
    fn find_duplicates(&mut self, members: &[(Str<'a>, Value<'a>)]) {
        let mut found: Vec<usize> = Vec::new();
        if members.len() <= 16 {
            // Whether each key holds an escape, looked up once per key, not per pair.
            let mut escaped = [false; 16];
            for (flag, (key, _)) in escaped.iter_mut().zip(members) {
                *flag = key.escaped();
            }
            for (i, (key, _)) in members.iter().enumerate() {
                let earlier = members.get(..i).unwrap_or(&[]);
                let key_escaped = escaped.get(i).copied().unwrap_or(true);
                let repeats = earlier.iter().zip(escaped).any(|((k, _), k_escaped)| {
                    if key_escaped || k_escaped {
                        k.value() == key.value()
                    } else {
                        k.raw == key.raw
                    }
                });
                if repeats {
                    found.push(i);
                }
            }
        } else {
            let mut seen = std::collections::HashSet::with_capacity(members.len());
            for (i, (key, _)) in members.iter().enumerate() {
                if !seen.insert(key.value()) {
                    found.push(i);
                }
            }
        }
        for i in found {
            self.duplicate_count += 1;
            if self.duplicates.len() < MAX_DUPLICATES {
                if let Some((key, _)) = members.get(i) {
                    self.path.push(Segment::Key(*key));
                    self.duplicates.push(render(&self.path));
                    self.path.pop();
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        self.check_depth(depth)?;
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items.into_boxed_slice()));
        }
        loop {
            self.skip_ws();
            self.path.push(Segment::Index(items.len()));
            let item = self.value(depth)?;
            self.path.pop();
            items.push(item);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items.into_boxed_slice()));
                }
                _ => return self.err("',' or ']' in an array"),
            }
        }
    }

    fn string(&mut self) -> Result<Str<'a>, ParseError> {
        let start = self.pos;
        self.pos += 1; // '"'
        loop {
            // Fast path: skip plain bytes (all of UTF-8 above 0x7F is plain here).
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            match self.peek() {
                Some(b'"') => {
                    let raw = self.text.get(start + 1..self.pos).unwrap_or("");
                    self.pos += 1;
                    return Ok(Str { raw });
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            let unit = self.hex4()?;
                            if (0xD800..0xDC00).contains(&unit) {
                                // RFC 8259 section 7: a high surrogate must be followed by
                                // a low one to name a character.
                                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return self.err("a low surrogate after a high surrogate");
                                }
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return self.err("a low surrogate after a high surrogate");
                                }
                            } else if (0xDC00..0xE000).contains(&unit) {
                                return self.err("no lone low surrogate");
                            }
                        }
                        _ => return self.err("a valid escape sequence"),
                    }
                }
                Some(_) => return self.err("no unescaped control character in a string"),
                None => return self.err("a closing quote"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => self.err("four hex digits after \\u"),
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - from
    }

    /// RFC 8259 section 6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Value<'a>, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.err("a digit"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return self.err("a digit after the decimal point");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.err("a digit in the exponent");
            }
        }
        Ok(Value::Number(self.text.get(start..self.pos).unwrap_or("")))
    }
}

/// Decodes JSON escapes; the parser already checked them.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let unit = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
                let code = if (0xD800..0xDC00).contains(&unit) {
                    let _backslash_u: String = chars.by_ref().take(2).collect();
                    let low_hex: String = chars.by_ref().take(4).collect();
                    let low = u32::from_str_radix(&low_hex, 16).unwrap_or(0xDC00);
                    0x10000 + ((unit - 0xD800) << 10) + (low.saturating_sub(0xDC00))
                } else {
                    unit
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Parsed<'_> {
        match parse(text, 64) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        }
    }

    /// The tree costs 24 bytes per value and 16 per string (issue 14: peak memory of a
    /// payload of millions of tiny values stays near 4 times its size).
    #[test]
    fn a_value_is_24_bytes_and_a_string_16() {
        assert_eq!(std::mem::size_of::<Value<'_>>(), 24);
        assert_eq!(std::mem::size_of::<Str<'_>>(), 16);
    }

    #[test]
    fn keeps_numbers_as_written_beyond_f64() {
        let p = ok(r#"{"a": 1.10, "b": 1e400, "c": 123456789012345678901234567890}"#);
        assert!(matches!(p.value.get("a"), Some(Value::Number("1.10"))));
        assert!(matches!(p.value.get("b"), Some(Value::Number("1e400"))));
        assert!(matches!(
            p.value.get("c"),
            Some(Value::Number("123456789012345678901234567890"))
        ));
    }

    #[test]
    fn duplicate_keys_are_reported_with_their_pointer() {
        let p = ok(r#"{"a": {"b": 1, "b": 2}, "c": [{"d": 1, "d~/": 0, "d": 3}]}"#);
        assert_eq!(p.duplicates, vec!["/a/b", "/c/0/d"]);
    }

    #[test]
    fn duplicate_keys_compare_decoded_names() {
        let p = ok(r#"{"ab": 1, "a\u0062": 2}"#);
        assert_eq!(p.duplicates, vec!["/ab"]);
    }

    #[test]
    fn long_objects_still_find_duplicates() {
        let mut text = String::from("{");
        for i in 0..200 {
            text.push_str(&format!("\"k{i}\": {i},"));
        }
        text.push_str("\"k7\": 0}");
        assert_eq!(ok(&text).duplicate_count, 1);
    }

    #[test]
    fn depth_beyond_the_bound_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        assert!(matches!(parse(&text, 128), Err(ParseError::TooDeep { .. })));
    }

    #[test]
    fn string_spans_cover_the_token() {
        let text = r#"{"x": "2020-01-01"}"#;
        let p = ok(text);
        let Some(Value::String(s)) = p.value.get("x") else {
            panic!("not a string")
        };
        assert_eq!(
            &text[s.token_range(text.as_ptr() as usize)],
            "\"2020-01-01\""
        );
    }

    #[test]
    fn rejects_what_rfc_8259_rejects() {
        for bad in [
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "1.",
            "-",
            "\"\\x\"",
            "\"a\nb\"",
            "tru",
            "\"\\ud800\"",
            "{\"a\":1,}",
            "[1 2]",
        ] {
            assert!(
                parse(bad, 64).is_err() || parse(bad, 64).map(|p| p.end) != Ok(bad.len()),
                "{bad}"
            );
        }
    }

    #[test]
    fn unescapes_surrogate_pairs() {
        let p = ok(r#""\ud83d\ude00 \u00e9\n""#);
        assert_eq!(p.value.as_str().as_deref(), Some("\u{1F600} \u{e9}\n"));
    }
}
