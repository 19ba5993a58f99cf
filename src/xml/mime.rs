//! The MTOM/XOP `multipart/related` splitter.
//!
//! An MTOM message (W3C SOAP MTOM section 3, XOP 1.0 section 4) is a MIME
//! `multipart/related` package (RFC 2387): the root part — named by the `start` parameter,
//! else the first part — holds the SOAP envelope as `application/xop+xml`, and binary
//! content travels in other parts that the envelope points at with
//! `<xop:Include href="cid:..."/>` (RFC 2392 `cid:` URLs name a part's Content-ID).
//!
//! The payload may begin with its own MIME headers (`Content-Type: multipart/related;
//! boundary=...; start=...`) or, as HTTP bodies are often captured, directly with the
//! first boundary line. Parts borrow from the input; nothing is copied.

/// Why a package could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MimeError {
    /// No boundary: neither a `boundary` parameter nor a leading `--boundary` line.
    NoBoundary,
    /// The headers say the package is not `multipart/related`.
    NotRelated,
    /// The boundary never occurs.
    NoParts,
    /// A part's header block is not terminated by an empty line.
    PartHeaders,
    /// The close delimiter `--boundary--` is missing (RFC 2046 section 5.1.1).
    Unterminated,
    /// More parts than the limit.
    TooManyParts,
}

impl MimeError {
    /// What went wrong, in words.
    pub fn describe(self) -> &'static str {
        match self {
            MimeError::NoBoundary => {
                "the multipart package has no boundary (RFC 2046 section 5.1.1)"
            }
            MimeError::NotRelated => {
                "the package is not multipart/related (RFC 2387, XOP 1.0 section 4)"
            }
            MimeError::NoParts => "the boundary never occurs in the body (RFC 2046 section 5.1.1)",
            MimeError::PartHeaders => {
                "a MIME part's header block has no terminating empty line (RFC 2045 section 3)"
            }
            MimeError::Unterminated => {
                "the close delimiter is missing: the package is truncated (RFC 2046 section 5.1.1)"
            }
            MimeError::TooManyParts => "the package has more parts than the configured limit",
        }
    }
}

/// One MIME part.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    /// Content-ID without angle brackets, if given.
    pub content_id: Option<&'a str>,
    /// Content-Type as written, if given.
    pub content_type: Option<&'a str>,
    /// Content-Transfer-Encoding, if given.
    pub transfer_encoding: Option<&'a str>,
    /// The part's body.
    pub body: &'a [u8],
}

/// A split package.
#[derive(Debug, Clone)]
pub struct Package<'a> {
    /// The parts in order.
    pub parts: Vec<Part<'a>>,
    /// The `start` parameter (root part's Content-ID), without angle brackets.
    pub start: Option<&'a str>,
}

impl<'a> Package<'a> {
    /// The root part's index: the one named by `start`, else the first (RFC 2387
    /// section 3.2). `None` when `start` names no part.
    pub fn root(&self) -> Option<usize> {
        match self.start {
            Some(id) => self.parts.iter().position(|p| p.content_id == Some(id)),
            None => (!self.parts.is_empty()).then_some(0),
        }
    }

    /// The part an `xop:Include href` names: `cid:` + the URL-encoded Content-ID
    /// (RFC 2392 section 2).
    pub fn by_cid(&self, href: &str) -> Option<usize> {
        let id = href.trim().strip_prefix("cid:")?;
        let decoded = percent_decode(id)?;
        self.parts
            .iter()
            .position(|p| p.content_id == Some(decoded.as_str()))
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// One line: the bytes before its end, and where the next line starts.
fn line(bytes: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let rest = bytes.get(from..)?;
    if rest.is_empty() {
        return None;
    }
    match memchr::memchr(b'\n', rest) {
        Some(at) => {
            let text = rest.get(..at).unwrap_or_default();
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            Some((text, from + at + 1))
        }
        None => Some((rest, bytes.len())),
    }
}

/// Parses a header block (RFC 5322 section 2.2, with folding) starting at `from`:
/// returns (name, value) pairs and the offset after the empty line.
fn headers(bytes: &[u8], from: usize) -> Option<(Vec<(&str, String)>, usize)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    let mut at = from;
    loop {
        let (text, next) = line(bytes, at)?;
        if next == bytes.len() && !bytes.ends_with(b"\n") && !text.is_empty() {
            return None;
        }
        at = next;
        if text.is_empty() {
            return Some((out, at));
        }
        let text = std::str::from_utf8(text).ok()?;
        if text.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                value.push(' ');
                value.push_str(text.trim());
            }
            continue;
        }
        let (name, value) = text.split_once(':')?;
        if out.len() >= 64 {
            return None;
        }
        out.push((name.trim(), value.trim().to_owned()));
    }
}

fn header<'h>(list: &'h [(&str, String)], name: &str) -> Option<&'h str> {
    list.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A parameter of a structured header value (RFC 2045 section 5.1), unquoted.
pub fn parameter<'v>(value: &'v str, name: &str) -> Option<&'v str> {
    let mut rest = value;
    while let Some(semi) = rest.find(';') {
        rest = rest.get(semi + 1..)?.trim_start();
        let (key, tail) = rest.split_once('=')?;
        let tail = tail.trim_start();
        let (val, after) = if let Some(quoted) = tail.strip_prefix('"') {
            let end = quoted.find('"')?;
            (quoted.get(..end)?, quoted.get(end + 1..)?)
        } else {
            let end = tail.find(';').unwrap_or(tail.len());
            (tail.get(..end)?.trim(), tail.get(end..)?)
        };
        if key.trim().eq_ignore_ascii_case(name) {
            return Some(val);
        }
        rest = after;
    }
    None
}

fn strip_angles(id: &str) -> &str {
    let id = id.trim();
    id.strip_prefix('<')
        .and_then(|i| i.strip_suffix('>'))
        .unwrap_or(id)
}

/// Finds a value's position inside `bytes` when it was borrowed from it.
fn borrow_from<'a>(bytes: &'a [u8], value: &str, from: usize, to: usize) -> Option<&'a str> {
    let window = bytes.get(from..to)?;
    let at = memchr::memmem::find(window, value.as_bytes())?;
    std::str::from_utf8(window.get(at..at + value.len())?).ok()
}

/// Splits an MTOM/XOP package into its parts; `max_parts` bounds the work.
pub fn split(bytes: &[u8], max_parts: usize) -> Result<Package<'_>, MimeError> {
    let (boundary, start, body_from) = if bytes.starts_with(b"--") {
        let (first, _) = line(bytes, 0).ok_or(MimeError::NoBoundary)?;
        let boundary = std::str::from_utf8(first.get(2..).unwrap_or_default())
            .map_err(|_| MimeError::NoBoundary)?
            .trim_end();
        if boundary.is_empty() {
            return Err(MimeError::NoBoundary);
        }
        (boundary.to_owned(), None, 0)
    } else {
        let (list, after) = headers(bytes, 0).ok_or(MimeError::NoBoundary)?;
        let content_type = header(&list, "Content-Type").ok_or(MimeError::NoBoundary)?;
        let media = content_type.split(';').next().unwrap_or_default().trim();
        if !media.eq_ignore_ascii_case("multipart/related") {
            return Err(MimeError::NotRelated);
        }
        let boundary = parameter(content_type, "boundary").ok_or(MimeError::NoBoundary)?;
        if boundary.is_empty() || boundary.len() > 70 {
            return Err(MimeError::NoBoundary);
        }
        let start = parameter(content_type, "start")
            .map(strip_angles)
            .and_then(|s| borrow_from(bytes, s, 0, after));
        (boundary.to_owned(), start, after)
    };
    let delimiter = format!("--{boundary}");
    let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
    // Every delimiter line: at the start of the body or right after a line break.
    let mut positions = Vec::new();
    let mut from = body_from;
    let mut closed = false;
    while let Some(found) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + found;
        from = at + delimiter.len();
        let at_line_start = at == body_from || bytes.get(at.wrapping_sub(1)) == Some(&b'\n');
        if !at_line_start {
            continue;
        }
        positions.push(at);
        // n delimiter lines bound n - 1 parts; the closing delimiter counts too.
        if positions.len() > max_parts + 1 {
            return Err(MimeError::TooManyParts);
        }
        if bytes.get(from..from + 2) == Some(b"--".as_slice()) {
            closed = true;
            break;
        }
    }
    if positions.is_empty() {
        return Err(MimeError::NoParts);
    }
    let mut parts = Vec::new();
    for pair in positions.windows(2) {
        let (Some(&open), Some(&close)) = (pair.first(), pair.get(1)) else {
            continue;
        };
        parts.push(part(bytes, open + delimiter.len(), close)?);
    }
    if !closed {
        // The last part runs to the end of input, but the package is truncated.
        return Err(MimeError::Unterminated);
    }
    if parts.is_empty() {
        return Err(MimeError::NoParts);
    }
    Ok(Package { parts, start })
}

/// One part between a delimiter line (its end of line starts at `from`) and the next
/// delimiter at `to` (the line break before it belongs to the delimiter).
fn part(bytes: &[u8], from: usize, to: usize) -> Result<Part<'_>, MimeError> {
    // Skip transport padding to the end of the delimiter line.
    let (_, headers_from) = line(bytes, from).ok_or(MimeError::PartHeaders)?;
    if headers_from > to {
        return Err(MimeError::PartHeaders);
    }
    let within = bytes.get(..to).ok_or(MimeError::PartHeaders)?;
    let (list, body_from) = headers(within, headers_from).ok_or(MimeError::PartHeaders)?;
    let mut body_to = to;
    if body_to > body_from && bytes.get(body_to - 1) == Some(&b'\n') {
        body_to -= 1;
        if body_to > body_from && bytes.get(body_to - 1) == Some(&b'\r') {
            body_to -= 1;
        }
    }
    let find = |name: &str| {
        header(&list, name).and_then(|v| borrow_from(bytes, v, headers_from, body_from))
    };
    Ok(Part {
        content_id: find("Content-ID").map(strip_angles),
        content_type: find("Content-Type"),
        transfer_encoding: find("Content-Transfer-Encoding"),
        body: bytes
            .get(body_from..body_to)
            .ok_or(MimeError::PartHeaders)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKAGE: &[u8] = b"Content-Type: multipart/related; boundary=\"MIMEb\"; type=\"application/xop+xml\"; start=\"<root@x>\"\r\n\r\n--MIMEb\r\nContent-Type: application/xop+xml; charset=UTF-8\r\nContent-ID: <root@x>\r\n\r\n<e/>\r\n--MIMEb\r\nContent-Type: application/pdf\r\nContent-ID: <doc%201@x>\r\n\r\n%PDF-1.4\r\n--MIMEb--\r\n";

    #[test]
    fn the_part_bound_counts_the_part_closed_by_the_final_delimiter() {
        // Found by the xml_mime fuzz target: two parts, the second closed by `--b--`,
        // came back from a split bounded to one part.
        let two = b"--b\nContent-ID: <a>\n\n<x/>\n--b\nContent-ID: <c>\n\n<y/>\n--b--\n";
        assert_eq!(split(two, 2).map(|p| p.parts.len()), Ok(2));
        assert_eq!(
            split(two, 1).map(|p| p.parts.len()),
            Err(MimeError::TooManyParts)
        );
    }

    #[test]
    fn parts_root_and_cid_are_found() {
        let p = split(PACKAGE, 16).unwrap();
        assert_eq!(p.parts.len(), 2);
        assert_eq!(p.root(), Some(0));
        assert_eq!(p.parts[0].body, b"<e/>");
        assert_eq!(p.parts[1].body, b"%PDF-1.4");
        assert_eq!(p.parts[1].content_id, Some("doc%201@x"));
        assert_eq!(p.by_cid("cid:doc%25201%40x"), Some(1));
        assert_eq!(p.by_cid("cid:nothing"), None);
    }

    #[test]
    fn a_package_starting_with_its_boundary_uses_the_first_part_as_root() {
        let bare = b"--b1\nContent-ID: <a>\n\n<x/>\n--b1--\n";
        let p = split(bare, 16).unwrap();
        assert_eq!(p.root(), Some(0));
        assert_eq!(p.parts[0].body, b"<x/>");
    }

    #[test]
    fn missing_close_delimiter_is_a_truncated_package() {
        let cut = &PACKAGE[..PACKAGE.len() - 12];
        assert_eq!(split(cut, 16).unwrap_err(), MimeError::Unterminated);
    }

    #[test]
    fn missing_boundary_and_wrong_media_type_are_errors() {
        assert_eq!(
            split(b"Content-Type: multipart/related\r\n\r\nx", 16).unwrap_err(),
            MimeError::NoBoundary
        );
        assert_eq!(
            split(b"Content-Type: text/plain; boundary=x\r\n\r\nx", 16).unwrap_err(),
            MimeError::NotRelated
        );
    }

    #[test]
    fn part_flood_is_bounded() {
        let mut many = b"--b\r\n\r\nx\r\n".repeat(50);
        many.extend_from_slice(b"--b--");
        assert_eq!(split(&many, 10).unwrap_err(), MimeError::TooManyParts);
        assert_eq!(split(&many, 100).unwrap().parts.len(), 50);
    }
}
