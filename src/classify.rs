//! Classification: which traffic type a payload is, from a bounded prefix.
//!
//! [`classify`] reads at most [`SNIFF_WINDOW`] bytes, so its cost does not grow with the
//! payload, with one exception: a JSON object whose deciding key (`resourceType`,
//! `Meta`) has not come by the window's end is walked on, member by member, with a
//! structural skip over each value (no parse, no allocation), so key order never
//! decides the traffic type. A caller's hint (the channel the payload arrived on) wins; without one the
//! content decides, in the order of `docs/contract.md` ("Classification"), each rule
//! living with its format module in [`crate::formats`]: MLLP start byte or
//! `MSH`/`FHS`/`BHS` → HL7 v2; a JSON object with `Meta.DataModel` or `resourceType` →
//! Redox API; a SOAP envelope (1.2, or 1.1 to be refused there), bare or as the root of
//! an MTOM package → Carequality;
//! a known file signature or a bare CDA `ClinicalDocument` → uploaded file; else other.

use crate::cursor::{sub, Cursor};
use crate::report::Format;
use crate::traffic::TrafficType;

/// How many leading bytes classification may look at.
pub const SNIFF_WINDOW: usize = 4096;

/// The SOAP 1.2 envelope namespace (W3C SOAP 1.2 Part 1, section 5.1).
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// The SOAP 1.1 envelope namespace (W3C Note SOAP 1.1, section 4.1.2).
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The HL7 v3 namespace of CDA documents.
pub const HL7V3_NS: &str = "urn:hl7-org:v3";

/// What the content of a payload looks like, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The traffic type the content suggests.
    pub traffic: TrafficType,
    /// The format the content suggests.
    pub format: Format,
}

/// The traffic type of `bytes`: the hint where one is given, else what the content is.
///
/// ```
/// use payload_triage::unstable::classify::classify;
/// use payload_triage::TrafficType;
/// assert_eq!(classify(b"MSH|^~\\&|LAB|", None), TrafficType::Hl7v2Mllp);
/// assert_eq!(classify(br#"{"resourceType":"Patient"}"#, None), TrafficType::RedoxApi);
/// assert_eq!(classify(b"%PDF-1.7", Some(TrafficType::EmbeddedFile)), TrafficType::EmbeddedFile);
/// ```
pub fn classify(bytes: &[u8], hint: Option<TrafficType>) -> TrafficType {
    hint.unwrap_or_else(|| sniff(bytes).traffic)
}

/// What the content looks like, from at most [`SNIFF_WINDOW`] leading bytes. Each
/// format module's rule is asked in registry order (`formats::REGISTRY`).
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let window = bytes.get(..SNIFF_WINDOW).unwrap_or(bytes);
    if sniff_file(window).is_none() {
        if let Some(sniffed) = sniff_wide(window) {
            return sniffed;
        }
    }
    let text = skip_bom_and_space(window);
    for module in crate::formats::REGISTRY {
        if let Some(sniffed) = module.sniff(window, text) {
            return decide_late(bytes, window, sniffed);
        }
    }
    let format = if looks_like_text(window) {
        Format::Text
    } else {
        Format::Unknown
    };
    Sniffed {
        traffic: TrafficType::Other,
        format,
    }
}

/// XML or JSON in UTF-16 or UTF-32 (a byte order mark, or the zero bytes of XML 1.0
/// Appendix F.1 and RFC 4627 section 3), judged on the window's UTF-8 transcoding: it
/// is classified as what it is, so that the module that owns it reads or refuses it,
/// whatever channel it came on.
fn sniff_wide(window: &[u8]) -> Option<Sniffed> {
    let utf8 = crate::xml::encoding::window_as_utf8(window)?;
    let text = skip_bom_and_space(utf8.as_bytes());
    match text.first() {
        Some(b'{') => Some(sniff_json(text)),
        Some(b'<') => Some(sniff_xml(text, false)),
        _ => None,
    }
}

/// Key order must not matter (`docs/contract.md`, "Classification"): a JSON object the
/// window left undecided is walked to its deciding key over the whole payload. Only
/// such an object pays for the walk; everything decided in the window keeps the window's
/// flat cost.
fn decide_late(bytes: &[u8], window: &[u8], sniffed: Sniffed) -> Sniffed {
    if sniffed.format != Format::Json || bytes.len() <= window.len() {
        return sniffed;
    }
    match top_level(window) {
        TopLevel::Undecided => sniff_json(bytes),
        _ => sniffed,
    }
}

/// Whether reading more than the window may still change what `window` is classified
/// as: a JSON object whose members had not decided by the window's end. A reader is
/// then read as far as the largest limit such a payload may get (`Engine`).
pub(crate) fn may_decide_later(window: &[u8]) -> bool {
    window.len() >= SNIFF_WINDOW
        && sniff(window).format == Format::Json
        && top_level(window) == TopLevel::Undecided
}

/// HL7 v2: the MLLP start block or an `MSH`/`FHS`/`BHS` header.
pub(crate) fn sniff_hl7v2(text: &[u8]) -> Option<Sniffed> {
    (text.first() == Some(&0x0B) || starts_hl7_header(text)).then_some(Sniffed {
        traffic: TrafficType::Hl7v2Mllp,
        format: Format::Hl7v2,
    })
}

/// A binary file signature.
pub(crate) fn sniff_file(window: &[u8]) -> Option<Sniffed> {
    file_signature(window).map(|format| Sniffed {
        traffic: TrafficType::UploadedFile,
        format,
    })
}

/// A JSON object.
pub(crate) fn sniff_json_text(text: &[u8]) -> Option<Sniffed> {
    (text.first() == Some(&b'{')).then(|| sniff_json(text))
}

/// An XML document, or an MTOM package whose root part is a SOAP envelope.
pub(crate) fn sniff_xml_text(text: &[u8]) -> Option<Sniffed> {
    match text.first() {
        Some(b'<') => Some(sniff_xml(text, false)),
        Some(b'-' | b'C' | b'c' | b'M' | b'm') => sniff_multipart(text),
        _ => None,
    }
}

/// Known binary file signatures ("magic numbers") at offset 0 (DICOM: offset 128).
fn file_signature(w: &[u8]) -> Option<Format> {
    // PDF 1.7 (ISO 32000-1) section 7.5.2: the header line begins `%PDF-`.
    if w.starts_with(b"%PDF-") {
        return Some(Format::Pdf);
    }
    // PNG (ISO/IEC 15948) section 5.2: the 8-byte signature.
    if w.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    // JPEG (ITU T.81) B.1.1.3: SOI marker FFD8 followed by another marker.
    if w.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    // TIFF 6.0 section 2: byte order `II` or `MM`, then 42.
    if w.starts_with(b"II*\0") || w.starts_with(b"MM\0*") {
        return Some(Format::Tiff);
    }
    // DICOM PS3.10 section 7.1: 128-byte preamble, then `DICM`.
    if w.get(128..132) == Some(b"DICM".as_slice()) {
        return Some(Format::Dicom);
    }
    // ZIP (APPNOTE 4.3.7 and 4.3.16): local file header, or the end record of an empty archive.
    if w.starts_with(b"PK\x03\x04") || w.starts_with(b"PK\x05\x06") {
        return Some(Format::Zip);
    }
    None
}

fn skip_bom_and_space(mut s: &[u8]) -> &[u8] {
    if let Some(rest) = s.strip_prefix(b"\xEF\xBB\xBF") {
        s = rest;
    }
    let mut rest = Cursor::new(s);
    rest.skip_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    rest.rest()
}

/// `MSH`, `FHS` or `BHS` followed by a field separator. HL7 v2.5 section 2.5.1 lets any
/// character serve as the separator; `|` is the one recommended and nearly always used,
/// so we accept any ASCII punctuation there.
fn starts_hl7_header(s: &[u8]) -> bool {
    match s {
        [a, b, c, sep, ..] => {
            matches!(&[*a, *b, *c], b"MSH" | b"FHS" | b"BHS") && sep.is_ascii_punctuation()
        }
        _ => false,
    }
}

/// A JSON object is Redox API traffic when it has a top-level `resourceType` (FHIR) or a
/// top-level `Meta` object with a `DataModel` member (Redox Data Model). The object's
/// members are walked in order with [`top_level`]: each value is skipped structurally,
/// so a key is never mistaken for a value or a nested member. When the window ends
/// before the object decides, the caller ([`sniff`]) walks the whole payload.
fn sniff_json(s: &[u8]) -> Sniffed {
    match top_level(s) {
        TopLevel::Fhir => Sniffed {
            traffic: TrafficType::RedoxApi,
            format: Format::FhirR4,
        },
        TopLevel::Redox => Sniffed {
            traffic: TrafficType::RedoxApi,
            format: Format::RedoxDataModel,
        },
        TopLevel::Neither | TopLevel::Undecided => Sniffed {
            traffic: TrafficType::Other,
            format: Format::Json,
        },
    }
}

/// What the top-level members of a JSON object say about its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TopLevel {
    /// A `resourceType` member: FHIR R4 (FHIR R4 JSON representation, section 2.6.2).
    Fhir,
    /// A `Meta` object holding `DataModel`: the Redox Data Model.
    Redox,
    /// The object ended without either.
    Neither,
    /// The bytes ended (or stopped being JSON) before the object did.
    Undecided,
}

/// Walks the members of the JSON object at the start of `s` (after a UTF-8 BOM and white
/// space) until a deciding key: one pass, no allocation, no recursion. Member values are
/// skipped with [`skip_value`], whose cost is linear in the bytes skipped, so a payload
/// decided in its first members costs the same however long it is, and a late key costs
/// one pass over the bytes before it (`benches/classify.rs` measures it against a bare
/// `memchr` over the same bytes).
fn top_level(s: &[u8]) -> TopLevel {
    let s = skip_bom_and_space(s);
    let Some(body) = s.strip_prefix(b"{") else {
        return TopLevel::Undecided;
    };
    members(body).unwrap_or(TopLevel::Undecided)
}

/// The members of an object whose `{` has been read; `None` when the bytes end (or stop
/// being JSON) before the object decides.
fn members(s: &[u8]) -> Option<TopLevel> {
    let mut at = skip_json_space(s, 0);
    if s.get(at) == Some(&b'}') {
        return Some(TopLevel::Neither);
    }
    loop {
        if s.get(at) != Some(&b'"') {
            return None;
        }
        let (end, escaped) = string_end(s, at + 1)?;
        let key = s.get(at + 1..end)?;
        at = skip_json_space(s, end + 1);
        if s.get(at) != Some(&b':') {
            return None;
        }
        at = skip_json_space(s, at + 1);
        // Keys are compared by length first: nearly every key is neither.
        if (key.len() == b"resourceType".len() || escaped) && key_is(key, escaped, b"resourceType")
        {
            return Some(TopLevel::Fhir);
        }
        if (key.len() == b"Meta".len() || escaped)
            && s.get(at) == Some(&b'{')
            && key_is(key, escaped, b"Meta")
            && has_member(s, at + 1, b"DataModel")
        {
            return Some(TopLevel::Redox);
        }
        at = skip_json_space(s, skip_value(s, at)?);
        match s.get(at)? {
            b',' => at = skip_json_space(s, at + 1),
            b'}' => return Some(TopLevel::Neither),
            _ => return None,
        }
    }
}

/// Whether the object whose `{` ends just before `at` has a member named `name` among
/// its own members (not in nested values).
fn has_member(s: &[u8], at: usize, name: &[u8]) -> bool {
    let mut at = skip_json_space(s, at);
    loop {
        if s.get(at) != Some(&b'"') {
            return false;
        }
        let Some((end, escaped)) = string_end(s, at + 1) else {
            return false;
        };
        if s.get(at + 1..end)
            .is_some_and(|key| key_is(key, escaped, name))
        {
            return true;
        }
        at = skip_json_space(s, end + 1);
        if s.get(at) != Some(&b':') {
            return false;
        }
        let Some(next) = skip_value(s, skip_json_space(s, at + 1)) else {
            return false;
        };
        at = skip_json_space(s, next);
        if s.get(at) != Some(&b',') {
            return false;
        }
        at = skip_json_space(s, at + 1);
    }
}

/// Whether the raw bytes of a JSON string (between its quotes) spell `name`. RFC 8259
/// section 8.3: strings are compared after their escapes are read, so `"M\u0065ta"` is
/// the key `Meta`. `name` is ASCII, so an escape for anything else never matches.
fn key_is(raw: &[u8], escaped: bool, name: &[u8]) -> bool {
    if !escaped {
        return raw == name;
    }
    let mut want = name.iter();
    let mut at = Cursor::new(raw);
    while let Some(b) = at.take(1).and_then(<[u8]>::first).copied() {
        let b = if b == b'\\' {
            // RFC 8259 section 7: the two-character escapes and `\uXXXX`.
            match at.take(1).and_then(<[u8]>::first) {
                Some(b'"') => b'"',
                Some(b'\\') => b'\\',
                Some(b'/') => b'/',
                Some(b'b') => 0x08,
                Some(b'f') => 0x0C,
                Some(b'n') => b'\n',
                Some(b'r') => b'\r',
                Some(b't') => b'\t',
                Some(b'u') => {
                    let unit = at
                        .take(4)
                        .and_then(|hex| std::str::from_utf8(hex).ok())
                        .and_then(|hex| u16::from_str_radix(hex, 16).ok());
                    match unit.and_then(|u| u8::try_from(u).ok()) {
                        Some(ascii) if ascii.is_ascii() => ascii,
                        _ => return false,
                    }
                }
                _ => return false,
            }
        } else {
            b
        };
        if want.next() != Some(&b) {
            return false;
        }
    }
    want.next().is_none()
}

/// Byte classes of the walk (RFC 8259 section 2): white space, and the bytes that end a
/// number or literal (`,`, `}`, `]` and white space).
const SPACE: u8 = 1;
const ENDS_SCALAR: u8 = 2;
// Constant indices into a constant table: an index out of bounds would not compile.
#[allow(clippy::indexing_slicing)]
const CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b' ' as usize] = SPACE | ENDS_SCALAR;
    table[b'\t' as usize] = SPACE | ENDS_SCALAR;
    table[b'\r' as usize] = SPACE | ENDS_SCALAR;
    table[b'\n' as usize] = SPACE | ENDS_SCALAR;
    table[b',' as usize] = ENDS_SCALAR;
    table[b'}' as usize] = ENDS_SCALAR;
    table[b']' as usize] = ENDS_SCALAR;
    table
};

#[inline(always)]
fn class(b: u8) -> u8 {
    CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

/// RFC 8259 section 2: insignificant white space. The first byte after `at` that is not.
#[inline(always)]
fn skip_json_space(s: &[u8], mut at: usize) -> usize {
    while s.get(at).is_some_and(|&b| class(b) & SPACE != 0) {
        at += 1;
    }
    at
}

// SWAR ("SIMD within a register"): eight bytes in a `u64`, tested all at once with
// plain integer arithmetic, so the walk stays safe, portable Rust.
const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// For each byte of `w`: its high bit set when the byte is not zero, exactly (the sum of
/// its low seven bits with 0x7F carries into bit 7 unless they are zero, and no carry
/// leaves a byte).
#[inline(always)]
fn nonzero(w: u64) -> u64 {
    ((w & LOW7).wrapping_add(LOW7)) | w
}

/// The high bit of each byte of `w` that is a quote or a backslash.
#[inline(always)]
fn quote_or_backslash(w: u64) -> u64 {
    !(nonzero(w ^ (ONES * u64::from(b'"'))) & nonzero(w ^ (ONES * u64::from(b'\\')))) & HIGH
}

/// The high bit of each byte of `w` that is a quote or a bracket. `{` and `[` differ
/// only in bit 5 (0x7B, 0x5B), as do `}` and `]` (0x7D, 0x5D), and no other byte gives
/// 0x7B or 0x7D with bit 5 set.
#[inline(always)]
fn quote_or_bracket(w: u64) -> u64 {
    let folded = w | (ONES * 0x20);
    !(nonzero(w ^ (ONES * u64::from(b'"')))
        & nonzero(folded ^ (ONES * u64::from(b'{')))
        & nonzero(folded ^ (ONES * u64::from(b'}'))))
        & HIGH
}

/// The eight bytes at `at` as a little-endian word (byte `at` lowest), when there are
/// eight.
#[inline(always)]
fn word_at(s: &[u8], at: usize) -> Option<u64> {
    s.get(at..)
        .and_then(<[u8]>::first_chunk::<8>)
        .map(|w| u64::from_le_bytes(*w))
}

/// How far into a string with no quote or backslash the eight-byte steps go before
/// `memchr2` (vector code where the CPU has it) takes over: a long string (base64
/// content) runs at its speed, a short key pays no call.
const LONG_STRING: usize = 64;

/// The closing quote of the JSON string whose content starts at `at` (RFC 8259 section
/// 7), and whether the string holds an escape. A backslash escapes the byte after it (a
/// `\u` escape's hex digits are plain). `None` when the string is not closed.
#[inline(always)]
fn string_end(s: &[u8], mut at: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    let mut plain = 0usize;
    loop {
        if let Some(w) = word_at(s, at) {
            let hits = quote_or_backslash(w);
            if hits == 0 {
                at += 8;
                plain += 8;
                if plain < LONG_STRING {
                    continue;
                }
                at += memchr::memchr2(b'"', b'\\', s.get(at..)?)?;
            } else {
                at += (hits.trailing_zeros() / 8) as usize;
            }
        } else {
            // Fewer than eight bytes left.
            at += s.get(at..)?.iter().position(|&b| b == b'"' || b == b'\\')?;
        }
        if s.get(at)? == &b'"' {
            return Some((at, escaped));
        }
        escaped = true;
        plain = 0;
        at += 2;
    }
}

/// Skips one JSON value at `at` and returns where it ends: a string, a number or
/// literal, or a whole array or object. No allocation and no recursion, so nesting
/// depth costs nothing; `None` when the bytes end first.
#[inline(always)]
fn skip_value(s: &[u8], at: usize) -> Option<usize> {
    match s.get(at)? {
        b'"' => string_end(s, at + 1).map(|(end, _)| end + 1),
        b'{' | b'[' => skip_nested(s, at),
        _ => {
            // A number, `true`, `false` or `null`: up to the next delimiter.
            let mut end = at;
            while class(*s.get(end)?) & ENDS_SCALAR == 0 {
                end += 1;
            }
            (end > at).then_some(end)
        }
    }
}

/// Skips the array or object whose bracket is at `at` by counting brackets outside
/// strings, eight bytes at a time: each word's quotes and brackets are found at once,
/// and its brackets are counted without reloading it; a quote hands over to
/// [`string_end`]. Brackets are not matched by kind (the object is not validated here,
/// only stepped over).
fn skip_nested(s: &[u8], mut at: usize) -> Option<usize> {
    let mut depth = 0usize;
    'words: loop {
        let Some(w) = word_at(s, at) else {
            // Fewer than eight bytes left: one at a time.
            loop {
                match s.get(at)? {
                    b'"' => at = string_end(s, at + 1)?.0 + 1,
                    b'{' | b'[' => {
                        depth += 1;
                        at += 1;
                    }
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        at += 1;
                        if depth == 0 {
                            return Some(at);
                        }
                    }
                    _ => at += 1,
                }
            }
        };
        let mut hits = quote_or_bracket(w);
        while hits != 0 {
            let k = (hits.trailing_zeros() / 8) as usize;
            let b = (w >> (8 * k)) as u8;
            if b == b'"' {
                at = string_end(s, at + k + 1)?.0 + 1;
                continue 'words;
            }
            // `{` or `[` have bit 1 set (0x7B, 0x5B); `}` and `]` bit 2 (0x7D, 0x5D).
            if b & 0x02 != 0 {
                depth += 1;
            } else {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at + k + 1);
                }
            }
            hits &= hits - 1;
        }
        at += 8;
    }
}

/// Finds the root element of an XML prefix: skips the XML declaration, comments,
/// processing instructions and a DOCTYPE, then reads the root's name and namespace
/// declarations from its start tag.
fn sniff_xml(s: &[u8], in_mtom: bool) -> Sniffed {
    let other = Sniffed {
        traffic: TrafficType::Other,
        format: Format::Xml,
    };
    let Some((tag, prefix, local)) = root_start_tag(s) else {
        return other;
    };
    let ns = namespace_of(tag, prefix);
    match (local, ns) {
        (b"Envelope", Some(ns)) if ns == SOAP12_NS.as_bytes() => Sniffed {
            traffic: TrafficType::Carequality,
            format: if in_mtom { Format::Mtom } else { Format::Soap },
        },
        // A SOAP 1.1 envelope is web-service traffic all the same: it is held to the
        // carequality limit and refused there with SOAP_VERSION_UNSUPPORTED (ITI TF-2
        // Appendix V requires SOAP 1.2), rather than passing as other traffic.
        (b"Envelope", Some(ns)) if ns == SOAP11_NS.as_bytes() => Sniffed {
            traffic: TrafficType::Carequality,
            format: if in_mtom { Format::Mtom } else { Format::Soap },
        },
        (b"ClinicalDocument", _) => Sniffed {
            traffic: TrafficType::UploadedFile,
            format: Format::Cda,
        },
        _ => other,
    }
}

/// The root's start tag (between `<` and `>`, or to the end of the window), with its
/// name's prefix and local part, after the XML declaration, comments, processing
/// instructions and a DOCTYPE. `None` when the window ends inside the prolog.
fn root_start_tag(s: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let mut rest = Cursor::new(s);
    loop {
        rest = Cursor::new(skip_bom_and_space(rest.rest()));
        let text = rest.rest();
        let skip = if text.starts_with(b"<?") {
            memchr::memmem::find(text, b"?>")? + 2
        } else if text.starts_with(b"<!--") {
            memchr::memmem::find(text, b"-->")? + 3
        } else if text.starts_with(b"<!") {
            memchr::memchr(b'>', text)? + 1
        } else {
            break;
        };
        rest.skip(skip)?;
    }
    if rest.take(1)? != b"<" {
        return None;
    }
    let tag_end = memchr::memchr(b'>', rest.rest()).unwrap_or(rest.rest().len());
    let tag = rest.take(tag_end)?;
    let name_end = tag
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/'))
        .unwrap_or(tag.len());
    let mut name = Cursor::new(tag);
    let name = name.take(name_end)?;
    Some(match memchr::memchr(b':', name) {
        Some(colon) => (tag, sub(name, 0, colon)?, sub(name, colon + 1, name.len())?),
        None => (tag, &b""[..], name),
    })
}

/// The namespace bound to `prefix` by a declaration inside the start tag `tag`.
fn namespace_of<'a>(tag: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let mut attr = b"xmlns".to_vec();
    if !prefix.is_empty() {
        attr.push(b':');
        attr.extend_from_slice(prefix);
    }
    let mut from = 0;
    while let Some(pos) = memchr::memmem::find(tag.get(from..)?, &attr) {
        let at = from + pos;
        let before_ok = at == 0 || tag.get(at - 1).is_some_and(|b| b.is_ascii_whitespace());
        let rest = tag.get(at + attr.len()..)?;
        let rest = skip_bom_and_space(rest);
        if before_ok {
            if let Some(value) = rest.strip_prefix(b"=") {
                let value = skip_bom_and_space(value);
                let quote = *value.first()?;
                if quote == b'"' || quote == b'\'' {
                    let inner = value.get(1..)?;
                    let end = memchr::memchr(quote, inner)?;
                    return inner.get(..end);
                }
            }
        }
        from = at + attr.len();
    }
    None
}

/// An MTOM/XOP package (W3C XOP 1.0; SOAP MTOM section 3): optional MIME headers, a
/// boundary line, the root part's headers, a blank line, then the SOAP envelope.
fn sniff_multipart(s: &[u8]) -> Option<Sniffed> {
    let lower_head: Vec<u8> = s.iter().take(1024).map(u8::to_ascii_lowercase).collect();
    let is_mime = s.starts_with(b"--")
        || lower_head.starts_with(b"content-type:")
        || lower_head.starts_with(b"mime-version:");
    if !is_mime
        || memchr::memmem::find(&lower_head, b"multipart/related").is_none()
            && !s.starts_with(b"--")
    {
        return None;
    }
    // The first `<` after a blank line starts the first part's body: the root part.
    let body_at = memchr::memmem::find(s, b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| memchr::memmem::find(s, b"\n\n").map(|p| p + 2))?;
    let mut body = s.get(body_at..)?;
    // Skip a preamble's boundary line and part headers until the XML starts.
    for _ in 0..4 {
        let trimmed = skip_bom_and_space(body);
        if trimmed.first() == Some(&b'<') {
            let sniffed = sniff_xml(trimmed, true);
            return (sniffed.format == Format::Mtom).then_some(sniffed);
        }
        let next = memchr::memmem::find(trimmed, b"\r\n\r\n")
            .map(|p| p + 4)
            .or_else(|| memchr::memmem::find(trimmed, b"\n\n").map(|p| p + 2))?;
        body = trimmed.get(next..)?;
    }
    None
}

/// Mostly printable UTF-8 text, judged on the window.
fn looks_like_text(w: &[u8]) -> bool {
    if w.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(w) {
        Ok(t) => t,
        // A window may cut a character in half at its end.
        Err(e) if e.error_len().is_none() => {
            match w.get(..e.valid_up_to()).map(std::str::from_utf8) {
                Some(Ok(t)) => t,
                _ => return false,
            }
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniffed(bytes: &[u8]) -> (TrafficType, Format) {
        let s = sniff(bytes);
        (s.traffic, s.format)
    }

    #[test]
    fn hl7_by_mllp_start_block_or_header_segment() {
        assert_eq!(
            sniffed(b"\x0bMSH|^~\\&|A\r\x1c\r").0,
            TrafficType::Hl7v2Mllp
        );
        assert_eq!(sniffed(b"MSH|^~\\&|A").0, TrafficType::Hl7v2Mllp);
        assert_eq!(sniffed(b"FHS|^~\\&|A").0, TrafficType::Hl7v2Mllp);
        assert_eq!(sniffed(b"BHS|^~\\&|A").0, TrafficType::Hl7v2Mllp);
        assert_eq!(
            sniffed(b"\xEF\xBB\xBFMSH|^~\\&|A").0,
            TrafficType::Hl7v2Mllp
        );
        assert_eq!(sniffed(b"MSHX").0, TrafficType::Other);
    }

    #[test]
    fn json_by_resource_type_or_meta_data_model() {
        assert_eq!(
            sniffed(br#"{"resourceType" : "Bundle"}"#),
            (TrafficType::RedoxApi, Format::FhirR4)
        );
        assert_eq!(
            sniffed(br#"{"Meta":{"DataModel":"PatientAdmin","EventType":"Arrival"}}"#),
            (TrafficType::RedoxApi, Format::RedoxDataModel)
        );
        // The key must be a key, not a value.
        assert_eq!(
            sniffed(br#"{"note":"resourceType"}"#),
            (TrafficType::Other, Format::Json)
        );
    }

    #[test]
    fn soap12_and_soap11_envelopes_are_carequality() {
        let soap12 = br#"<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#;
        assert_eq!(sniffed(soap12), (TrafficType::Carequality, Format::Soap));
        let soap11 = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>"#;
        assert_eq!(sniffed(soap11), (TrafficType::Carequality, Format::Soap));
        let mtom11 = b"--b\r\nContent-Type: application/xop+xml\r\n\r\n<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"/>\r\n--b--";
        assert_eq!(sniffed(mtom11), (TrafficType::Carequality, Format::Mtom));
    }

    #[test]
    fn mtom_package_whose_root_is_soap12_is_carequality() {
        let mtom = b"--MIMEBoundary_1\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\nContent-ID: <root@x>\r\n\r\n<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>\r\n--MIMEBoundary_1--";
        assert_eq!(sniffed(mtom), (TrafficType::Carequality, Format::Mtom));
    }

    #[test]
    fn file_signatures_are_uploaded_files() {
        assert_eq!(
            sniffed(b"%PDF-1.4\n"),
            (TrafficType::UploadedFile, Format::Pdf)
        );
        assert_eq!(
            sniffed(b"\x89PNG\r\n\x1a\n...."),
            (TrafficType::UploadedFile, Format::Png)
        );
        assert_eq!(
            sniffed(&[0xFF, 0xD8, 0xFF, 0xE0]),
            (TrafficType::UploadedFile, Format::Jpeg)
        );
        assert_eq!(
            sniffed(b"II*\0...."),
            (TrafficType::UploadedFile, Format::Tiff)
        );
        assert_eq!(
            sniffed(b"MM\0*...."),
            (TrafficType::UploadedFile, Format::Tiff)
        );
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM");
        assert_eq!(sniffed(&dicom), (TrafficType::UploadedFile, Format::Dicom));
        assert_eq!(
            sniffed(b"PK\x03\x04"),
            (TrafficType::UploadedFile, Format::Zip)
        );
        let cda = br#"<ClinicalDocument xmlns="urn:hl7-org:v3"><typeId/></ClinicalDocument>"#;
        assert_eq!(sniffed(cda), (TrafficType::UploadedFile, Format::Cda));
    }

    #[test]
    fn anything_else_is_other() {
        assert_eq!(sniffed(b""), (TrafficType::Other, Format::Unknown));
        assert_eq!(sniffed(b"hello"), (TrafficType::Other, Format::Text));
        assert_eq!(
            sniffed(b"\x00\x01\x02"),
            (TrafficType::Other, Format::Unknown)
        );
        assert_eq!(sniffed(b"<note/>"), (TrafficType::Other, Format::Xml));
    }

    #[test]
    fn utf16_and_utf32_xml_and_json_are_classified_as_what_they_are() {
        let wide = |text: &str, big_endian: bool, bom: bool| -> Vec<u8> {
            let units = std::iter::once(0xFEFFu16)
                .filter(|_| bom)
                .chain(text.encode_utf16());
            units
                .flat_map(|u| {
                    if big_endian {
                        u.to_be_bytes()
                    } else {
                        u.to_le_bytes()
                    }
                })
                .collect()
        };
        let soap = r#"<?xml version="1.0" encoding="UTF-16"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#;
        for (big_endian, bom) in [(true, true), (false, true), (true, false), (false, false)] {
            assert_eq!(
                sniffed(&wide(soap, big_endian, bom)),
                (TrafficType::Carequality, Format::Soap)
            );
            assert_eq!(
                sniffed(&wide(r#"{"resourceType":"Patient"}"#, big_endian, bom)),
                (TrafficType::RedoxApi, Format::FhirR4)
            );
            assert_eq!(
                sniffed(&wide("<note/>", big_endian, bom)),
                (TrafficType::Other, Format::Xml)
            );
        }
        let utf32: Vec<u8> = "<note/>"
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        assert_eq!(sniffed(&utf32), (TrafficType::Other, Format::Xml));
    }

    #[test]
    fn hint_wins_over_content() {
        for t in TrafficType::ALL {
            assert_eq!(classify(b"MSH|^~\\&|", Some(t)), t);
        }
    }

    #[test]
    fn a_deciding_key_after_the_window_is_found() {
        // Key order must not matter (contract, "Classification").
        let mut late = b"{\"a\":\"".to_vec();
        late.extend(std::iter::repeat_n(b'x', SNIFF_WINDOW));
        late.extend_from_slice(b"\",\"resourceType\":\"Patient\"}");
        assert_eq!(sniffed(&late), (TrafficType::RedoxApi, Format::FhirR4));
        let mut late = b"{\"Patient\":{\"Notes\":[".to_vec();
        for _ in 0..2000 {
            late.extend_from_slice(br#"{"k":"v\"}{[","n":[1,2.5e3,true,null]},"#);
        }
        late.extend_from_slice(br#"{}]},"Meta":{"EventType":"New","DataModel":"Scheduling"}}"#);
        assert!(late.len() > SNIFF_WINDOW);
        assert_eq!(
            sniffed(&late),
            (TrafficType::RedoxApi, Format::RedoxDataModel)
        );
    }

    #[test]
    fn only_top_level_members_decide() {
        // Nested keys, keys inside strings and values named like keys do not count.
        let nested = br#"{"a":{"resourceType":"Patient"},"b":["Meta",{"Meta":{"DataModel":"x"}}]}"#;
        assert_eq!(sniffed(nested), (TrafficType::Other, Format::Json));
        let in_string = br#"{"a":"\",\"resourceType\":1","b":2}"#;
        assert_eq!(sniffed(in_string), (TrafficType::Other, Format::Json));
        // Meta without DataModel is not the Redox Data Model.
        let meta = br#"{"Meta":{"EventType":"New","Inner":{"DataModel":"x"}}}"#;
        assert_eq!(sniffed(meta), (TrafficType::Other, Format::Json));
    }

    #[test]
    fn a_late_key_in_broken_json_is_not_looked_for() {
        let mut broken = b"{\"a\" 1,".to_vec();
        broken.extend(std::iter::repeat_n(b' ', SNIFF_WINDOW));
        broken.extend_from_slice(b"\"resourceType\":\"Patient\"}");
        assert_eq!(sniffed(&broken), (TrafficType::Other, Format::Json));
    }

    #[test]
    fn a_million_keys_before_meta_are_walked_linearly() {
        // Bad input of issue 13: 10^6 members before `Meta`. One pass, no allocation per
        // member; this test checks the answer (timing belongs to the bench).
        let mut big = b"{".to_vec();
        for i in 0..1_000_000u32 {
            big.extend_from_slice(format!("\"k{i}\":{i},").as_bytes());
        }
        big.extend_from_slice(br#""Meta":{"DataModel":"Results"}}"#);
        assert_eq!(
            sniffed(&big),
            (TrafficType::RedoxApi, Format::RedoxDataModel)
        );
        assert!(may_decide_later(big.get(..SNIFF_WINDOW).unwrap()));
        assert!(!may_decide_later(br#"{"Meta":{"DataModel":"Results"}}"#));
    }

    #[test]
    fn escapes_are_read_before_keys_are_compared() {
        // RFC 8259 section 8.3: `"M\u0065ta"` is the key `Meta`.
        assert_eq!(
            top_level(br#"{"M\u0065ta":{"Data\u004dodel":"Results"}}"#),
            TopLevel::Redox
        );
        assert_eq!(
            top_level(br#"{"resource\u0054ype":"Patient"}"#),
            TopLevel::Fhir
        );
        // An escaped quote or backslash is part of the key, not its end.
        assert_eq!(
            top_level(br#"{"Meta\"":{"DataModel":1}}"#),
            TopLevel::Neither
        );
        assert_eq!(
            top_level(br#"{"Meta\\":{"DataModel":1}}"#),
            TopLevel::Neither
        );
        assert_eq!(
            top_level(br#"{"a\\\"b":{"Meta":{"DataModel":1}},"c":"\\\"}{"}"#),
            TopLevel::Neither
        );
        // A non-ASCII escape or a broken one never matches an ASCII name.
        assert_eq!(
            top_level(br#"{"Met\u00e1":{"DataModel":1}}"#),
            TopLevel::Neither
        );
        assert_eq!(
            top_level(br#"{"Met\u61":{"DataModel":1}}"#),
            TopLevel::Neither
        );
    }

    #[test]
    fn strings_holding_brackets_and_keys_are_skipped_whole() {
        // Long enough that the eight-byte steps and the `memchr2` hand-over both run.
        let filler = format!("{}{}", "x".repeat(100), "]}\\\"[{\\\\".repeat(40));
        let text = format!(
            r#"{{"a":"{filler}","b":["{filler}",{{"Meta":{{"DataModel":"x"}}}}],"c":{{"d":"\"Meta\":{{"}},"resourceType":"Patient"}}"#
        );
        assert_eq!(top_level(text.as_bytes()), TopLevel::Fhir);
        // The same without the deciding key: nothing inside decides.
        let text = format!(r#"{{"a":"{filler}","b":["{filler}",{{"Meta":{{"DataModel":"x"}}}}]}}"#);
        assert_eq!(top_level(text.as_bytes()), TopLevel::Neither);
    }

    #[test]
    fn a_million_nested_arrays_cost_no_stack() {
        let depth = 1_000_000;
        let mut deep = b"{\"a\":".to_vec();
        deep.extend(std::iter::repeat_n(b'[', depth));
        deep.extend(std::iter::repeat_n(b']', depth));
        deep.extend_from_slice(br#","resourceType":"Patient"}"#);
        assert_eq!(top_level(&deep), TopLevel::Fhir);
        // One bracket short: the value never closes.
        let unclosed = [b"{\"a\":".as_slice(), &deep[5..5 + 2 * depth - 1]].concat();
        assert_eq!(top_level(&unclosed), TopLevel::Undecided);
        // More closing brackets than opening ones.
        assert_eq!(
            top_level(br#"{"a":[]],"resourceType":1}"#),
            TopLevel::Undecided
        );
    }

    #[test]
    fn boms_space_and_truncation() {
        assert_eq!(
            top_level(b"\xEF\xBB\xBF \r\n{ \"resourceType\" : 1 }"),
            TopLevel::Fhir
        );
        // A BOM is not white space inside the object.
        assert_eq!(
            top_level(b"{\"a\":1,\xEF\xBB\xBF\"resourceType\":1}"),
            TopLevel::Undecided
        );
        let whole = br#"{"a":[1,{"b":"c\"d"}],"n":-1.5e3,"t":true,"Meta":{"x":null,"DataModel":"Results"}}"#;
        assert_eq!(top_level(whole), TopLevel::Redox);
        // Cut before `DataModel` is read, nothing is decided; after, the same as whole.
        let read = memchr::memmem::find(whole, b"DataModel\"").unwrap() + 10;
        for cut in 0..whole.len() {
            let got = top_level(&whole[..cut]);
            let want = if cut >= read {
                TopLevel::Redox
            } else {
                TopLevel::Undecided
            };
            assert_eq!(got, want, "cut at {cut}");
        }
        assert_eq!(top_level(b"{"), TopLevel::Undecided);
        assert_eq!(top_level(b"{}"), TopLevel::Neither);
        assert_eq!(top_level(b"{\"a\":1,}"), TopLevel::Undecided);
        assert_eq!(top_level(b"{\"a\":}"), TopLevel::Undecided);
        assert_eq!(top_level(b"{\"a\":1"), TopLevel::Undecided);
        assert_eq!(top_level(b"{\"a\""), TopLevel::Undecided);
        assert_eq!(top_level(b"{\"a\\"), TopLevel::Undecided);
        assert_eq!(top_level(b"[\"resourceType\"]"), TopLevel::Undecided);
    }

    /// The decision a full parse gives: the top-level members in order (duplicates
    /// kept), the first `resourceType`, or the first `Meta` object holding `DataModel`.
    fn reference(text: &[u8]) -> Option<TopLevel> {
        use serde::de::{Deserializer, MapAccess, Visitor};
        struct Members(Vec<(String, serde_json::Value)>);
        impl<'de> serde::Deserialize<'de> for Members {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Members;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                        let mut members = Vec::new();
                        while let Some(member) = map.next_entry()? {
                            members.push(member);
                        }
                        Ok(Members(members))
                    }
                }
                d.deserialize_map(V)
            }
        }
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let Members(members) = serde_json::from_slice(text).ok()?;
        for (key, value) in members {
            if key == "resourceType" {
                return Some(TopLevel::Fhir);
            }
            if key == "Meta" && value.get("DataModel").is_some() {
                return Some(TopLevel::Redox);
            }
        }
        Some(TopLevel::Neither)
    }

    mod against_a_full_parse {
        use super::*;
        use proptest::prelude::*;

        /// The text of a JSON string: plain runs, every escape, brackets, quotes of keys.
        fn string() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                "[a-zA-Z0-9 ]{0,12}",
                Just(r#"\""#.to_string()),
                Just(r"\\".to_string()),
                Just(r"\/".to_string()),
                Just(r"\n\t\b\f\r".to_string()),
                Just(r"\u0065\u00e9\uD83D\uDE00".to_string()),
                Just("{[]}:,".to_string()),
                Just(r#"\",\"resourceType\":\""#.to_string()),
                Just("Meta".to_string()),
                Just("é€".to_string()),
                "[A-Z]{40,80}",
            ];
            prop::collection::vec(piece, 0..5).prop_map(|p| format!("\"{}\"", p.concat()))
        }

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                3 => string(),
                1 => Just(r#""resourceType""#.to_string()),
                1 => Just(r#""resource\u0054ype""#.to_string()),
                2 => Just(r#""Meta""#.to_string()),
                1 => Just(r#""M\u0065ta""#.to_string()),
                1 => Just(r#""DataModel""#.to_string()),
                1 => Just(r#""Data\u004Dodel""#.to_string()),
            ]
        }

        fn space() -> impl Strategy<Value = &'static str> {
            prop_oneof![4 => Just(""), 1 => Just(" "), 1 => Just("\r\n\t ")]
        }

        fn value() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                string(),
                Just("true".to_string()),
                Just("false".to_string()),
                Just("null".to_string()),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(|f| format!("{f:e}")),
            ];
            leaf.prop_recursive(6, 64, 6, |inner| {
                prop_oneof![
                    prop::collection::vec((space(), inner.clone()), 0..6).prop_map(|items| {
                        let items: Vec<String> = items
                            .into_iter()
                            .map(|(s, v)| format!("{s}{v}{s}"))
                            .collect();
                        format!("[{}]", items.join(","))
                    }),
                    prop::collection::vec((key(), space(), inner), 0..6).prop_map(|members| {
                        let members: Vec<String> = members
                            .into_iter()
                            .map(|(k, s, v)| format!("{s}{k}{s}:{s}{v}{s}"))
                            .collect();
                        format!("{{{}}}", members.join(","))
                    }),
                ]
            })
        }

        fn object() -> impl Strategy<Value = Vec<u8>> {
            (
                any::<bool>(),
                space(),
                prop::collection::vec((key(), space(), value()), 0..12),
            )
                .prop_map(|(bom, s, members)| {
                    let members: Vec<String> = members
                        .into_iter()
                        .map(|(k, s2, v)| format!("{s}{k}{s2}:{s2}{v}{s}"))
                        .collect();
                    let text = format!("{s}{{{}}}{s}", members.join(","));
                    let mut bytes = if bom {
                        b"\xEF\xBB\xBF".to_vec()
                    } else {
                        Vec::new()
                    };
                    bytes.extend_from_slice(text.as_bytes());
                    bytes
                })
        }

        fn config() -> ProptestConfig {
            let cases = std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(2_000);
            ProptestConfig {
                cases,
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        proptest! {
            #![proptest_config(config())]

            /// Where `serde_json` reads the object, the walk decides as its members do;
            /// any prefix of it is either undecided or decided the same way.
            #[test]
            fn the_walk_decides_as_a_full_parse(bytes in object(), cut in any::<prop::sample::Index>()) {
                let Some(expected) = reference(&bytes) else {
                    // Generated text is JSON but for unpaired surrogates; skip those.
                    return Ok(());
                };
                prop_assert_eq!(top_level(&bytes), expected);
                let part = &bytes[..cut.index(bytes.len() + 1)];
                let got = top_level(part);
                prop_assert!(got == TopLevel::Undecided || got == expected, "{:?} vs {:?}", got, expected);
            }
        }
    }
}
