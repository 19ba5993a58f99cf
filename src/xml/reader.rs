//! The secure streaming XML reader every XML payload goes through.
//!
//! quick-xml tokenizes; this layer enforces what quick-xml leaves to its caller, so that
//! nothing input controls can make the gate slow, large or leaky:
//!
//! - the input must be UTF-8 (XML 1.0 section 4.3.3; US-ASCII is a subset), or UTF-16
//!   transcoded to UTF-8 by [`super::encoding`] first ([`read_as`]), and made of XML 1.0
//!   `Char`s only (section 2.2) — checked up front in one linear scan; the encoding
//!   declaration must agree with the bytes;
//! - the XML declaration follows production 23 to the letter (order, spacing, no
//!   repetition of `version`, `encoding`, `standalone`; `VersionNum`, `EncName` and the
//!   `standalone` values); a processing-instruction target is a `Name` other than `xml`
//!   in any case (production 17) with no colon (Namespaces in XML 1.0 section 7);
//! - every character of every element, attribute and PI name is checked against
//!   `NameStartChar` and `NameChar` (section 2.3, productions 4 and 4a), non-ASCII
//!   ranges included;
//! - a `DOCTYPE` is refused at once, so no entity can ever be declared: billion laughs,
//!   quadratic blowup and XXE all stop at their first event;
//! - only the five predefined entities (section 4.6) and character references to legal
//!   `Char`s (section 4.1, production 66 with any number of leading zeros, WFC: Legal
//!   Character) are accepted;
//! - exactly one root element (section 2.1), with only whitespace, comments and
//!   processing instructions around it; elements left open at the end are an error;
//! - attributes are parsed here (section 3.1): unique names (WFC: Unique Att Spec, and
//!   Namespaces in XML 1.0 section 6.3 for expanded names), no `<` in values;
//! - prefixes must be bound (Namespaces in XML 1.0 section 5, NSC: Prefix Declared);
//! - depth, element count, attributes per element, attribute length and text length are
//!   bounded by [`XmlLimits`].
//!
//! The reader calls a [`Visitor`] for each start tag, piece of text and end tag; values
//! borrow from the input where they can, so the happy path allocates almost nothing.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use quick_xml::events::{BytesRef, Event};
use serde::{Deserialize, Serialize};

use super::encoding::{self, Declared, Detected};

/// The XML namespace, bound to `xml` by definition (Namespaces in XML 1.0 section 3).
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of namespace declarations.
pub const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Bounds on what one XML document may make the reader do. Every one is configurable
/// (`[bounds.xml]` in the configuration file); the defaults are far above real C-CDA
/// documents and IHE messages and far below what attacks need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct XmlLimits {
    /// How deep elements may nest (real C-CDA nests under 20 deep).
    pub max_depth: usize,
    /// How many elements one document may hold.
    pub max_elements: u64,
    /// How many attributes one element may carry.
    pub max_attributes: usize,
    /// The longest attribute value, in bytes as written.
    pub max_attribute_length: usize,
    /// The longest run of text between two tags, in bytes. Large enough for the base64
    /// text of the largest embedded file (10 MB decoded is about 13.4 MB of base64).
    pub max_text_length: usize,
    /// The longest element or attribute name, in bytes (location paths are made of
    /// names, so this bounds them with the depth).
    pub max_name_length: usize,
    /// How many bytes of paths and values the recorded datetimes may hold in total.
    pub max_datetime_bytes: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        XmlLimits {
            max_depth: 256,
            max_elements: 4_000_000,
            max_attributes: 256,
            max_attribute_length: 64 * 1024,
            max_text_length: 16 * 1024 * 1024,
            max_name_length: 1024,
            max_datetime_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Why the reader stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Not UTF-8 or UTF-16, or declared in an encoding this gate does not read.
    Encoding,
    /// The byte order mark (or the byte pattern of the first characters, XML 1.0
    /// Appendix F.1) and the encoding declaration disagree.
    EncodingMismatch,
    /// A character outside XML 1.0's `Char` production.
    InvalidCharacter,
    /// A `DOCTYPE` declaration.
    Doctype,
    /// A reference to an entity other than the five predefined ones.
    Entity,
    /// An attribute name used twice on one element.
    DuplicateAttribute,
    /// A prefix with no namespace binding in scope.
    UnboundPrefix,
    /// Elements nest deeper than the limit.
    Depth,
    /// More elements than the limit.
    ElementCount,
    /// More attributes on one element than the limit.
    AttributeCount,
    /// An attribute value longer than the limit.
    AttributeLength,
    /// A text run longer than the limit.
    TextLength,
    /// An element or attribute name longer than the limit.
    NameLength,
    /// No root element.
    NoRoot,
    /// A second root element.
    SecondRoot,
    /// Text or markup other than comments and PIs outside the root element.
    ContentOutsideRoot,
    /// The input ended with elements still open.
    Unclosed,
    /// Any other well-formedness error (syntax, mismatched end tag, bad name, ...).
    Syntax,
}

/// A fatal reading error: what and where (byte offset in the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fatal {
    /// What went wrong.
    pub problem: Problem,
    /// Byte offset at or near the problem.
    pub offset: u64,
    /// What detail can be said without quoting the payload.
    pub detail: &'static str,
}

impl Fatal {
    fn new(problem: Problem, offset: u64, detail: &'static str) -> Self {
        Fatal {
            problem,
            offset,
            detail,
        }
    }
}

/// One attribute of a start tag, namespace resolved and references expanded.
#[derive(Debug, Clone)]
pub struct Attr<'a> {
    /// The prefix as written (`""` for none).
    pub prefix: &'a str,
    /// The local name.
    pub local: &'a str,
    /// The namespace URI (`""` for unprefixed attributes, which are in no namespace).
    pub namespace: Cow<'a, str>,
    /// The value, with references expanded.
    pub value: Cow<'a, str>,
}

/// A start tag as the visitor sees it.
#[derive(Debug)]
pub struct StartTag<'a, 'r> {
    /// The prefix as written.
    pub prefix: &'a str,
    /// The local name.
    pub local: &'a str,
    /// The namespace URI (`""` for none).
    pub namespace: &'r str,
    /// Attributes other than namespace declarations.
    pub attrs: &'r [Attr<'a>],
    /// Depth of this element (the root is 1).
    pub depth: usize,
    /// Byte offset of the tag in the input.
    pub offset: u64,
}

impl<'a> StartTag<'a, '_> {
    /// The value of the unprefixed attribute `local`.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.local == local && a.namespace.is_empty())
            .map(|a| a.value.as_ref())
    }

    /// The value of the attribute `local` in namespace `namespace`.
    pub fn attr_ns(&self, namespace: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.local == local && a.namespace == namespace)
            .map(|a| a.value.as_ref())
    }
}

/// What the reader reports as it goes. Text arrives in pieces: raw runs borrowed from the
/// input, and single characters from references.
pub trait Visitor<'a> {
    /// An element starts (also called for empty-element tags, followed by `end`).
    fn start(&mut self, tag: &StartTag<'a, '_>);
    /// A run of character data (text or CDATA) borrowed from the input.
    fn text(&mut self, text: &'a str);
    /// A character from a reference (`&amp;`, `&#x41;`).
    fn text_char(&mut self, c: char);
    /// The innermost open element ends.
    fn end(&mut self);
    /// An element (`local`, at `depth`) or one of its attributes uses an unbound prefix:
    /// return true to go on with the prefix in no namespace (a fragment cut from a
    /// document that declared it), false to stop with an error. Strict by default.
    fn tolerate_unbound_prefix(&mut self, local: &str, depth: usize) -> bool {
        let _ = (local, depth);
        false
    }
}

/// A visitor that ignores everything: the reader alone checks well-formedness.
pub struct NoVisitor;

impl Visitor<'_> for NoVisitor {
    fn start(&mut self, _: &StartTag<'_, '_>) {}
    fn text(&mut self, _: &str) {}
    fn text_char(&mut self, _: char) {}
    fn end(&mut self) {}
}

/// Checks that `input` is a well-formed, namespace-well-formed XML 1.0 document within
/// `limits`, without doing anything else (the fuzz target's entry point).
///
/// ```
/// use payload_triage::unstable::xml::reader::{check, Problem, XmlLimits};
/// assert!(check(b"<a xmlns='urn:x'><b/></a>", &XmlLimits::default()).is_ok());
/// let err = check(b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", &XmlLimits::default());
/// assert_eq!(err.map_err(|e| e.problem), Err(Problem::Doctype));
/// ```
pub fn check(input: &[u8], limits: &XmlLimits) -> Result<(), Fatal> {
    match encoding::detect(input) {
        origin @ Detected::Utf16 { big_endian, bom } => {
            let text = encoding::decode_utf16(input, big_endian, bom)
                .map_err(|m| Fatal::new(Problem::Encoding, m.offset, m.detail))?;
            read_as(text.as_bytes(), origin, limits, &mut NoVisitor)
        }
        _ => read(input, limits, &mut NoVisitor),
    }
}

/// True for XML 1.0 white space (section 2.3, production 3).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// True when `c` matches XML 1.0 section 2.2 production 2 (`Char`).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// XML 1.0 (fifth edition) section 2.3, production 4: `NameStartChar`.
pub fn is_name_start_char(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 (fifth edition) section 2.3, production 4a: `NameChar`.
pub fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// XML 1.0 section 2.3, production 5: `Name` (a `NameStartChar`, then `NameChar`s).
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// Namespaces in XML 1.0 section 3, production 4: `NCName`, a `Name` without a colon.
/// ASCII names (nearly all) take a byte loop the compiler vectorises; others are
/// checked character by character against productions 4 and 4a.
pub fn is_ncname(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if bytes.is_ascii() {
        let start = first.is_ascii_alphabetic() | (first == b'_');
        let rest = bytes.iter().fold(true, |ok, &b| {
            ok & (b.is_ascii_alphanumeric() | (b == b'_') | (b == b'-') | (b == b'.'))
        });
        return start & rest;
    }
    is_name(s) && !s.contains(':')
}

/// Finds the first byte of a character outside `Char` in UTF-8 text: C0 controls other
/// than tab, LF and CR, and U+FFFE / U+FFFF (`EF BF BE`, `EF BF BF`). Surrogates cannot
/// occur in valid UTF-8.
///
/// One pass: a branch-free fold over 64-byte blocks (the compiler vectorises it) flags a
/// block holding a C0 control or an `EF` lead byte; only such a block is looked at byte
/// by byte. Printable ASCII, and every other non-ASCII byte, is legal in valid UTF-8, so
/// most blocks cost the fold alone.
fn first_invalid_char(text: &[u8]) -> Option<usize> {
    const BLOCK: usize = 64;
    let control = |b: u8| (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r');
    let suspect = |b: u8| control(b) | (b == 0xEF);
    let mut base = 0;
    // Whole blocks are fixed-size arrays, so the exact fold compiles to a handful of
    // vector compares per 32 bytes with no remainder loop; the tail is one short block.
    let blocks = text.chunks_exact(BLOCK);
    let tail = blocks.remainder();
    let flagged = |block: &[u8]| match <&[u8; BLOCK]>::try_from(block) {
        Ok(whole) => whole.iter().fold(false, |acc, &b| acc | suspect(b)),
        Err(_) => block.iter().fold(false, |acc, &b| acc | suspect(b)),
    };
    for block in blocks.chain(std::iter::once(tail)) {
        if flagged(block) {
            for (i, &b) in block.iter().enumerate() {
                let at = base + i;
                // `EF BF BE` / `EF BF BF` may straddle the block end: read on in `text`.
                if control(b)
                    || (b == 0xEF
                        && text.get(at + 1) == Some(&0xBF)
                        && matches!(text.get(at + 2), Some(0xBE | 0xBF)))
                {
                    return Some(at);
                }
            }
        }
        base += block.len();
    }
    None
}

/// The offset of `part` inside `whole` when `part` is a subslice of it.
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start + part.len() <= whole.len()).then_some(start)
}

/// Re-borrows `part` (borrowed from a quick-xml event) with the input's lifetime.
fn reborrow<'a>(whole: &'a str, part: &str) -> Option<&'a str> {
    let start = offset_in(whole, part)?;
    whole.get(start..start + part.len())
}

/// [`NAME_BYTE`] classes: an ASCII NameStartChar other than `:`.
const START: u8 = 1;
/// The colon.
const COLON: u8 = 2;
/// A byte of a non-ASCII character.
const HIGH: u8 = 4;
/// An ASCII byte that is no NameChar.
const INVALID: u8 = 8;

/// The class of each byte in a name (XML 1.0 section 2.3, productions 4 and 4a, ASCII
/// part): letters and `_` start a name; digits, `-` and `.` only continue one.
// A constant initialiser: `b` stays below 256, and an error would stop the build.
#[allow(clippy::indexing_slicing)]
static NAME_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        table[b] = if c >= 0x80 {
            HIGH
        } else if c.is_ascii_alphabetic() || c == b'_' {
            START
        } else if c.is_ascii_digit() || c == b'-' || c == b'.' {
            0
        } else if c == b':' {
            COLON
        } else {
            INVALID
        };
        b += 1;
    }
    table
};

/// Splits a QName into prefix and local part (Namespaces in XML 1.0 section 4).
fn split_qname(name: &str) -> Option<(&str, &str)> {
    let bytes = name.as_bytes();
    // Names (nearly all ASCII): one table-driven pass classifies every byte against
    // NameChar and finds the colon; the first byte of each part must be an ASCII
    // NameStartChar other than `:` (XML 1.0 productions 4 and 4a, Namespaces in XML 1.0
    // production 4). A name with a non-ASCII byte takes the full check below.
    let mut flags = 0u8;
    let mut colons = 0usize;
    let mut at = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        let class = NAME_BYTE.get(usize::from(b)).copied().unwrap_or(0);
        flags |= class;
        if class & COLON != 0 {
            colons += 1;
            at = i;
        }
    }
    if flags & (HIGH | INVALID) == 0 {
        let start = |b: Option<&u8>| {
            b.and_then(|&b| NAME_BYTE.get(usize::from(b)))
                .is_some_and(|class| class & START != 0)
        };
        return match colons {
            0 if start(bytes.first()) => Some(("", name)),
            1 if start(bytes.first()) && start(bytes.get(at + 1)) => {
                Some((name.get(..at)?, name.get(at + 1..)?))
            }
            _ => None,
        };
    }
    if flags & HIGH == 0 {
        // ASCII with a byte that is no NameChar.
        return None;
    }
    let (prefix, local) = match colons {
        0 => ("", name),
        1 => (name.get(..at)?, name.get(at + 1..)?),
        _ => return None,
    };
    if local.is_empty() || (prefix.is_empty() && local.len() != name.len()) {
        return None;
    }
    // Every character of both parts: NameStartChar then NameChar (XML 1.0 section 2.3,
    // productions 4 and 4a), colon-free (Namespaces in XML 1.0, production 4).
    if !is_ncname(local) || (!prefix.is_empty() && !is_ncname(prefix)) {
        return None;
    }
    Some((prefix, local))
}

/// Expands the references of an attribute value (XML 1.0 section 3.3.3 step 3 for
/// references; other normalisation is not needed by any rule here).
fn expand_references(raw: &str) -> Result<Cow<'_, str>, (Problem, &'static str)> {
    if memchr::memchr(b'&', raw.as_bytes()).is_none() {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let semi = after.find(';').ok_or((
            Problem::Syntax,
            "a reference in an attribute value is not closed",
        ))?;
        out.push(resolve_reference(after.get(..semi).unwrap_or_default())?);
        rest = after.get(semi + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Resolves a reference name (between `&` and `;`): the five predefined entities
/// (section 4.6) or a character reference to a legal `Char` (section 4.1).
fn resolve_reference(name: &str) -> Result<char, (Problem, &'static str)> {
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ if name.starts_with('#') => resolve_char_reference(name.get(1..).unwrap_or_default()),
        _ => Err((
            Problem::Entity,
            "only the five predefined entities may be referenced; entities are never expanded",
        )),
    }
}

/// The state of namespace bindings (Namespaces in XML 1.0 section 6.1).
///
/// A stack of declarations with a mark per open element, plus a map from each prefix to
/// its innermost declaration. Each declaration remembers the one it shadows, so leaving
/// an element restores the map in the work it took to declare them. A lookup is one hash
/// probe however many declarations are in scope: a document of 250 nested scopes of 250
/// declarations costs no more per name than one with a single `xmlns`.
#[derive(Default)]
struct Scopes<'a> {
    /// (prefix, URI, index of the declaration of the same prefix this one shadows).
    bindings: Vec<(&'a str, Cow<'a, str>, Option<usize>)>,
    /// The innermost declaration of each prefix in scope, as an index into `bindings`.
    innermost: HashMap<&'a str, usize>,
    marks: Vec<usize>,
}

impl<'a> Scopes<'a> {
    /// Declares `prefix` (`""` for the default namespace) as `uri` in the open element.
    fn declare(&mut self, prefix: &'a str, uri: Cow<'a, str>) {
        let index = self.bindings.len();
        let shadowed = self.innermost.insert(prefix, index);
        self.bindings.push((prefix, uri, shadowed));
    }

    /// Opens an element: declarations from now on belong to it.
    fn open(&mut self) {
        self.marks.push(self.bindings.len());
    }

    /// Closes the innermost element, dropping its declarations and bringing back the ones
    /// they shadowed.
    fn close(&mut self) {
        let Some(mark) = self.marks.pop() else {
            return;
        };
        while self.bindings.len() > mark {
            let Some((prefix, _, shadowed)) = self.bindings.pop() else {
                break;
            };
            match shadowed {
                Some(previous) => {
                    self.innermost.insert(prefix, previous);
                }
                None => {
                    self.innermost.remove(prefix);
                }
            }
        }
    }

    /// The URI bound to `prefix` by a declaration in scope, if any.
    fn declared(&self, prefix: &str) -> Option<&Cow<'a, str>> {
        // Real documents declare a handful of prefixes: a backward scan (innermost
        // first) costs less than hashing the name; the map keeps many scopes linear.
        if self.bindings.len() <= 16 {
            return self
                .bindings
                .iter()
                .rev()
                .find(|(p, _, _)| same(p, prefix))
                .map(|(_, uri, _)| uri);
        }
        let index = *self.innermost.get(prefix)?;
        self.bindings.get(index).map(|(_, uri, _)| uri)
    }

    fn lookup(&self, prefix: &str) -> Option<&str> {
        if same(prefix, "xml") {
            return Some(XML_NS);
        }
        let found = self.declared(prefix).map(|uri| uri.as_ref());
        // With no default namespace declared, unprefixed names are in no namespace.
        found.or(prefix.is_empty().then_some(""))
    }
}

/// String equality for the short names of tags and prefixes, without a `memcmp` call
/// per comparison (they dominate a profile otherwise).
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Reads `input` with every check above, calling `visitor` as it goes. `input` is the
/// document's bytes as received: UTF-8 is read, anything else refused (UTF-16 is read
/// through [`read_as`] after [`encoding::decode_utf16`]).
pub fn read<'a, V: Visitor<'a>>(
    input: &'a [u8],
    limits: &XmlLimits,
    visitor: &mut V,
) -> Result<(), Fatal> {
    read_as(input, encoding::detect(input), limits, visitor)
}

/// Reads `input`, UTF-8 text transcoded from a document whose bytes were in `origin`
/// (its own encoding when that is UTF-8), so that the encoding declaration is judged
/// against the bytes as they were received.
pub fn read_as<'a, V: Visitor<'a>>(
    input: &'a [u8],
    origin: Detected,
    limits: &XmlLimits,
    visitor: &mut V,
) -> Result<(), Fatal> {
    if origin == Detected::Utf32 || origin == Detected::Ebcdic {
        return Err(Fatal::new(
            Problem::Encoding,
            0,
            "UCS-4/UTF-32 and EBCDIC documents are not read (XML 1.0 Appendix F.1); send UTF-8 or UTF-16",
        ));
    }
    // Transcoded text is UTF-8 whatever `origin` was: anything else here is a caller
    // that skipped the transcoding, and is refused rather than misread.
    if !matches!(encoding::detect(input), Detected::Utf8 { .. }) {
        return Err(Fatal::new(
            Problem::Encoding,
            0,
            "UTF-16, UTF-32 and other non-UTF-8 bytes are not read here",
        ));
    }
    // XML 1.0 section 4.3.3: a UTF-8 byte order mark may start the document.
    let (bom, body) = match input.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3u64, rest),
        None => (0, input),
    };
    // A DOCTYPE in the prologue is refused before the linear checks below touch the
    // rest of the input, so an entity attack costs microseconds whatever its size.
    if let Some(at) = doctype_in_prologue(body) {
        return Err(Fatal::new(
            Problem::Doctype,
            bom + at,
            "a DOCTYPE declaration is refused: no DTD, no entity declarations",
        ));
    }
    // One SIMD pass (simdutf8's fast flavour); only a document that fails it is
    // validated again to find where (the compat flavour reports the offset).
    let text = match simdutf8::basic::from_utf8(body) {
        Ok(text) => text,
        Err(_) => {
            let valid_up_to =
                simdutf8::compat::from_utf8(body).map_or_else(|e| e.valid_up_to(), |_| 0);
            return Err(Fatal::new(
                Problem::Encoding,
                bom + valid_up_to as u64,
                "the bytes are not valid UTF-8",
            ));
        }
    };
    if let Some(at) = first_invalid_char(body) {
        return Err(Fatal::new(
            Problem::InvalidCharacter,
            bom + at as u64,
            "a character outside XML 1.0 section 2.2 (Char)",
        ));
    }
    let mut reader = quick_xml::Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.check_comments = true;
    config.expand_empty_elements = false;
    config.trim_text(false);

    let mut scopes = Scopes::default();
    let mut attrs: Vec<Attr<'a>> = Vec::new();
    let mut depth = 0usize;
    let mut elements = 0u64;
    let mut roots = 0u32;
    let mut text_run = 0usize;
    let mut first_event = true;
    loop {
        let offset = bom + reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            let at = bom + reader.error_position();
            use quick_xml::errors::{Error as QError, IllFormedError};
            match e {
                QError::IllFormed(IllFormedError::MissingEndTag(_)) => {
                    Fatal::new(Problem::Unclosed, at, "elements are left open at the end")
                }
                QError::IllFormed(IllFormedError::UnmatchedEndTag(_)) => {
                    Fatal::new(Problem::Syntax, at, "an end tag has no matching start tag")
                }
                QError::IllFormed(IllFormedError::MismatchedEndTag { .. }) => Fatal::new(
                    Problem::Syntax,
                    at,
                    "an end tag does not match its start tag",
                ),
                _ => Fatal::new(Problem::Syntax, at, "the markup is not well-formed"),
            }
        })?;
        let was_first = std::mem::replace(&mut first_event, false);
        // Appendix F.1: UTF-16 without a byte order mark is told only by an encoding
        // declaration, which must then come first.
        if was_first
            && matches!(origin, Detected::Utf16 { bom: false, .. })
            && !matches!(event, Event::Decl(_))
        {
            return Err(Fatal::new(
                Problem::EncodingMismatch,
                offset,
                "a UTF-16 document without a byte order mark must start with an encoding declaration (XML 1.0 section 4.3.3, Appendix F.1)",
            ));
        }
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let is_empty = matches!(event, Event::Empty(_));
                text_run = 0;
                if depth == 0 {
                    roots += 1;
                    if roots > 1 {
                        return Err(Fatal::new(
                            Problem::SecondRoot,
                            offset,
                            "a second root element (XML 1.0 section 2.1)",
                        ));
                    }
                }
                depth += 1;
                if depth > limits.max_depth {
                    return Err(Fatal::new(Problem::Depth, offset, "elements nest too deep"));
                }
                elements += 1;
                if elements > limits.max_elements {
                    return Err(Fatal::new(
                        Problem::ElementCount,
                        offset,
                        "too many elements",
                    ));
                }
                let content: &str = tag;
                let content = reborrow(text, content).ok_or(Fatal::new(
                    Problem::Syntax,
                    offset,
                    "a start tag could not be located",
                ))?;
                let name_len = tag.name().as_ref().len();
                if name_len > limits.max_name_length {
                    return Err(Fatal::new(
                        Problem::NameLength,
                        offset,
                        "an element name is too long",
                    ));
                }
                let name = content.get(..name_len).unwrap_or_default();
                let (prefix, local) = split_qname(name).ok_or(Fatal::new(
                    Problem::Syntax,
                    offset,
                    "an element name is not a valid QName",
                ))?;
                scopes.open();
                attrs.clear();
                let attr_unbound = parse_attributes(
                    content.get(name_len..).unwrap_or_default(),
                    limits,
                    &mut scopes,
                    &mut attrs,
                )
                .map_err(|(problem, detail)| Fatal::new(problem, offset, detail))?;
                let namespace = scopes
                    .lookup(prefix)
                    .filter(|ns| prefix.is_empty() || !ns.is_empty());
                if (namespace.is_none() || attr_unbound)
                    && !visitor.tolerate_unbound_prefix(local, depth)
                {
                    return Err(Fatal::new(
                        Problem::UnboundPrefix,
                        offset,
                        if attr_unbound {
                            "an attribute prefix is not bound to a namespace"
                        } else {
                            "an element prefix is not bound to a namespace"
                        },
                    ));
                }
                let namespace = namespace.unwrap_or_default();
                visitor.start(&StartTag {
                    prefix,
                    local,
                    namespace,
                    attrs: &attrs,
                    depth,
                    offset,
                });
                if is_empty {
                    visitor.end();
                    depth -= 1;
                    scopes.close();
                }
            }
            Event::End(_) => {
                text_run = 0;
                visitor.end();
                depth = depth.saturating_sub(1);
                scopes.close();
            }
            Event::Text(t) => {
                let raw = match t.into_inner() {
                    Cow::Borrowed(s) => s,
                    // A reader over `&str` only ever borrows text; nothing to read otherwise.
                    Cow::Owned(_) => "",
                };
                if depth == 0 {
                    if !raw.bytes().all(is_space) {
                        return Err(Fatal::new(
                            Problem::ContentOutsideRoot,
                            offset,
                            "text outside the root element",
                        ));
                    }
                    continue;
                }
                if memchr::memchr(b'>', raw.as_bytes()).is_some() && raw.contains("]]>") {
                    return Err(Fatal::new(
                        Problem::Syntax,
                        offset,
                        "`]]>` in character data (XML 1.0 section 2.4)",
                    ));
                }
                grow_text_run(&mut text_run, raw.len(), limits.max_text_length, offset)?;
                visitor.text(raw);
            }
            Event::CData(t) => {
                if depth == 0 {
                    return Err(Fatal::new(
                        Problem::ContentOutsideRoot,
                        offset,
                        "a CDATA section outside the root element",
                    ));
                }
                let raw = match t.into_inner() {
                    Cow::Borrowed(s) => s,
                    // A reader over `&str` only ever borrows text; nothing to read otherwise.
                    Cow::Owned(_) => "",
                };
                grow_text_run(&mut text_run, raw.len(), limits.max_text_length, offset)?;
                visitor.text(raw);
            }
            Event::GeneralRef(r) => {
                if depth == 0 {
                    return Err(Fatal::new(
                        Problem::ContentOutsideRoot,
                        offset,
                        "a reference outside the root element",
                    ));
                }
                let c = resolve(&r).map_err(|(p, d)| Fatal::new(p, offset, d))?;
                grow_text_run(&mut text_run, 4, limits.max_text_length, offset)?;
                visitor.text_char(c);
            }
            Event::DocType(_) => {
                return Err(Fatal::new(
                    Problem::Doctype,
                    offset,
                    "a DOCTYPE declaration is refused: no DTD, no entity declarations",
                ));
            }
            Event::Decl(decl) => {
                if !was_first || offset != bom {
                    return Err(Fatal::new(
                        Problem::Syntax,
                        offset,
                        "the XML declaration must come first (XML 1.0 section 2.8)",
                    ));
                }
                let content: &str = &decl;
                let declared = parse_xml_declaration(content)
                    .map_err(|detail| Fatal::new(Problem::Syntax, offset, detail))?;
                check_declared_encoding(declared, origin, body, offset)?;
            }
            Event::PI(pi) => {
                check_pi_target(pi.target())
                    .map_err(|detail| Fatal::new(Problem::Syntax, offset, detail))?;
            }
            Event::Comment(_) => {}
            Event::Eof => {
                if depth > 0 {
                    return Err(Fatal::new(
                        Problem::Unclosed,
                        offset,
                        "elements are left open at the end",
                    ));
                }
                if roots == 0 {
                    return Err(Fatal::new(
                        Problem::NoRoot,
                        offset,
                        "there is no root element",
                    ));
                }
                return Ok(());
            }
        }
    }
}

/// The encoding declaration against the bytes as received (XML 1.0 section 4.3.3; a
/// missing declaration means UTF-8 or UTF-16, told by Appendix F.1). `body` is the text
/// read, to hold a US-ASCII declaration to its word.
fn check_declared_encoding(
    declared: Option<&str>,
    origin: Detected,
    body: &[u8],
    offset: u64,
) -> Result<(), Fatal> {
    let Some(name) = declared else {
        return Ok(());
    };
    match encoding::judge_declared(name, origin) {
        Declared::Agrees => {
            let ascii = name.eq_ignore_ascii_case("US-ASCII") || name.eq_ignore_ascii_case("ASCII");
            if ascii && !body.is_ascii() {
                return Err(Fatal::new(
                    Problem::Encoding,
                    offset,
                    "the document declares US-ASCII but holds other bytes (XML 1.0 section 4.3.3)",
                ));
            }
            Ok(())
        }
        Declared::Contradicts(detail) => Err(Fatal::new(Problem::EncodingMismatch, offset, detail)),
        Declared::Unsupported => Err(Fatal::new(
            Problem::Encoding,
            offset,
            "the declared encoding is not one this gate reads (UTF-8, UTF-16)",
        )),
    }
}

/// The offset of a DOCTYPE among the first 64 KiB, if it comes before the root element.
fn doctype_in_prologue(body: &[u8]) -> Option<u64> {
    let window = body.get(..65_536).unwrap_or(body);
    let text = match std::str::from_utf8(window) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(window.get(..e.valid_up_to())?).ok()?,
    };
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        let at = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::DocType(_)) => return Some(at),
            Ok(Event::Start(_) | Event::Empty(_) | Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// A character reference after its `#` (XML 1.0 section 4.1, production 66: `&#`
/// decimal digits `;` or `&#x` hex digits `;`, one or more digits, any number of them
/// leading zeros). The character must be a `Char` (section 2.2; WFC: Legal Character):
/// a surrogate or a value above U+10FFFF is no character at all.
fn resolve_char_reference(number: &str) -> Result<char, (Problem, &'static str)> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    let well_formed = !digits.is_empty()
        && digits.bytes().all(|b| {
            if radix == 16 {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err((
            Problem::Syntax,
            "a character reference is malformed (XML 1.0 section 4.1, production 66)",
        ));
    }
    // Leading zeros carry no value; what is left has at most 7 significant digits
    // for any Char (10FFFF, 1114111), so a longer rest names no character.
    let significant = digits.trim_start_matches('0');
    let code = if significant.is_empty() {
        Some(0)
    } else if significant.len() <= 8 {
        u32::from_str_radix(significant, radix).ok()
    } else {
        None
    };
    match code.and_then(char::from_u32) {
        Some(c) if is_xml_char(c) => Ok(c),
        _ => Err((
            Problem::InvalidCharacter,
            "a character reference names a character outside XML 1.0 section 2.2 (WFC: Legal Character)",
        )),
    }
}

/// The XML declaration (XML 1.0 section 2.8, production 23), to the letter:
/// `'<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>'`, each pseudo-attribute after white
/// space, in that order, at most once, with `Eq` (production 25) and matched quotes.
/// `content` is what lies between `<?` and `?>`. Returns the declared encoding name.
fn parse_xml_declaration(content: &str) -> Result<Option<&str>, &'static str> {
    let mut rest = content
        .strip_prefix("xml")
        .ok_or("the XML declaration must start `<?xml` (XML 1.0 section 2.8, production 23)")?;
    // 0: nothing yet, 1: version, 2: encoding, 3: standalone.
    let mut stage = 0u8;
    let mut encoding = None;
    loop {
        let space = rest.bytes().take_while(|b| is_space(*b)).count();
        rest = rest.get(space..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
        if space == 0 {
            return Err("the pseudo-attributes of the XML declaration must be separated by white space (XML 1.0 productions 24, 80, 32)");
        }
        let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let name = rest.get(..name_len).unwrap_or_default();
        rest = rest.get(name_len..).unwrap_or_default();
        // Eq (production 25): S? '=' S?
        let before = rest.bytes().take_while(|b| is_space(*b)).count();
        rest = rest.get(before..).unwrap_or_default();
        rest = rest
            .strip_prefix('=')
            .ok_or("a pseudo-attribute of the XML declaration lacks `=` (XML 1.0 production 25)")?;
        let after = rest.bytes().take_while(|b| is_space(*b)).count();
        rest = rest.get(after..).unwrap_or_default();
        let quote = match rest.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err("a pseudo-attribute value of the XML declaration must be quoted (XML 1.0 section 2.8)"),
        };
        let inner = rest.get(1..).unwrap_or_default();
        let close = memchr::memchr(quote, inner.as_bytes())
            .ok_or("a pseudo-attribute value of the XML declaration is not closed")?;
        let value = inner.get(..close).unwrap_or_default();
        rest = inner.get(close + 1..).unwrap_or_default();
        let order = "`version`, `encoding` and `standalone` must come in that order, each at most once (XML 1.0 section 2.8, production 23)";
        match name {
            "version" if stage == 0 => {
                // Production 26: VersionNum ::= '1.' [0-9]+ (a 1.x document is read as 1.0).
                let minor = value.strip_prefix("1.").unwrap_or_default();
                if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("the version is not a VersionNum `1.` digits (XML 1.0 production 26)");
                }
                stage = 1;
            }
            "encoding" if stage == 1 => {
                if !is_enc_name(value) {
                    return Err("the encoding name is not an EncName (XML 1.0 section 4.3.3, production 81)");
                }
                encoding = Some(value);
                stage = 2;
            }
            "standalone" if stage == 1 || stage == 2 => {
                if value != "yes" && value != "no" {
                    return Err("standalone must be `yes` or `no` (XML 1.0 section 2.9, production 32)");
                }
                stage = 3;
            }
            _ if stage == 0 => {
                return Err("the XML declaration must give the version first (XML 1.0 section 2.8, productions 23 and 24)")
            }
            "version" | "encoding" | "standalone" => return Err(order),
            _ => return Err("the XML declaration holds something other than version, encoding and standalone (XML 1.0 section 2.8, production 23)"),
        }
    }
    if stage == 0 {
        return Err("the XML declaration must give the version (XML 1.0 section 2.8, productions 23 and 24)");
    }
    Ok(encoding)
}

/// XML 1.0 section 4.3.3, production 81: `EncName ::= [A-Za-z] ([A-Za-z0-9._] | '-')*`.
fn is_enc_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A processing instruction's target (XML 1.0 section 2.6, production 17): a `Name`
/// other than `xml` in any case, with no colon (Namespaces in XML 1.0 section 7).
fn check_pi_target(target: &str) -> Result<(), &'static str> {
    if target.eq_ignore_ascii_case("xml") {
        return Err("a processing instruction may not be named `xml` in any case; an XML declaration must come first (XML 1.0 sections 2.6 and 2.8, production 17)");
    }
    if !is_name(target) {
        return Err(
            "a processing-instruction target is not a Name (XML 1.0 section 2.6, production 17)",
        );
    }
    if target.contains(':') {
        return Err(
            "a processing-instruction target contains a colon (Namespaces in XML 1.0 section 7)",
        );
    }
    Ok(())
}

fn resolve(r: &BytesRef<'_>) -> Result<char, (Problem, &'static str)> {
    let name: &str = r;
    resolve_reference(name)
}

/// How many bytes of an attribute value are searched byte by byte before a vector
/// search takes over.
const SHORT_VALUE: usize = 64;

/// Parses the attributes of a start tag (XML 1.0 section 3.1, productions 40–41) from the
/// text after the element name, registers namespace declarations in `scopes`, and
/// fills `attrs` with the others, namespace resolved. Returns whether some attribute
/// prefix is unbound (its namespace is left empty).
fn parse_attributes<'a>(
    mut rest: &'a str,
    limits: &XmlLimits,
    scopes: &mut Scopes<'a>,
    attrs: &mut Vec<Attr<'a>>,
) -> Result<bool, (Problem, &'static str)> {
    let syntax = |d| (Problem::Syntax, d);
    // Names as written, including namespace declarations; kept in `attrs`' spare
    // capacity is not possible for those, so a small inline array covers real tags.
    let mut raw_names = NameSet::default();
    let mut count = 0usize;
    loop {
        // Byte-level scanning: every delimiter here is ASCII, so slicing at their
        // positions stays on character boundaries.
        let bytes = rest.as_bytes();
        let skipped = bytes.iter().take_while(|b| is_space(**b)).count();
        if skipped == bytes.len() {
            break;
        }
        if skipped == 0 {
            return Err(syntax("attributes must be separated by white space"));
        }
        let after_space = rest.get(skipped..).unwrap_or_default();
        let name_end = after_space
            .bytes()
            .position(|b| b == b'=' || is_space(b))
            .ok_or(syntax("an attribute has no value"))?;
        if name_end > limits.max_name_length {
            return Err((Problem::NameLength, "an attribute name is too long"));
        }
        let name = after_space.get(..name_end).unwrap_or_default();
        let after_name = after_space.get(name_end..).unwrap_or_default();
        let eq = after_name.bytes().take_while(|b| is_space(*b)).count();
        if after_name.as_bytes().get(eq) != Some(&b'=') {
            return Err(syntax("an attribute name must be followed by `=`"));
        }
        let after_eq = after_name.get(eq + 1..).unwrap_or_default();
        let q = after_eq.bytes().take_while(|b| is_space(*b)).count();
        let quote = match after_eq.as_bytes().get(q) {
            Some(&b) if b == b'"' || b == b'\'' => b,
            _ => return Err(syntax("an attribute value must be quoted")),
        };
        let inner = after_eq.get(q + 1..).unwrap_or_default();
        // One search for the closing quote that also notices `<` (refused) and `&`
        // (references to expand) before it, instead of three scans of the value.
        let mut has_reference = false;
        let mut has_lt = false;
        let mut from = 0usize;
        let close = loop {
            // Most values are short: a byte loop over the first few bytes spares the
            // set-up of a vector search, which takes over for longer values.
            let tail = inner.as_bytes().get(from..).unwrap_or_default();
            let near = tail.get(..SHORT_VALUE).unwrap_or(tail);
            let found = match near
                .iter()
                .position(|&b| (b == quote) | (b == b'<') | (b == b'&'))
            {
                Some(p) => Some(p),
                None => tail
                    .get(near.len()..)
                    .and_then(|far| memchr::memchr3(quote, b'<', b'&', far))
                    .map(|p| near.len() + p),
            };
            let hit = found
                .map(|p| from + p)
                .ok_or(syntax("an attribute value is not closed"))?;
            match inner.as_bytes().get(hit) {
                Some(&b'<') => {
                    // Refused below, after the checks that come first.
                    has_lt = true;
                    break inner
                        .as_bytes()
                        .get(hit..)
                        .and_then(|tail| memchr::memchr(quote, tail))
                        .map(|p| hit + p)
                        .ok_or(syntax("an attribute value is not closed"))?;
                }
                Some(&b'&') => {
                    has_reference = true;
                    from = hit + 1;
                }
                _ => break hit,
            }
        };
        let raw = inner.get(..close).unwrap_or_default();
        rest = inner.get(close + 1..).unwrap_or_default();
        count += 1;
        if count > limits.max_attributes {
            return Err((
                Problem::AttributeCount,
                "too many attributes on one element",
            ));
        }
        if raw.len() > limits.max_attribute_length {
            return Err((Problem::AttributeLength, "an attribute value is too long"));
        }
        if has_lt {
            return Err(syntax(
                "`<` in an attribute value (XML 1.0 section 3.1, WFC: No < in Attribute Values)",
            ));
        }
        let (prefix, local) =
            split_qname(name).ok_or(syntax("an attribute name is not a valid QName"))?;
        raw_names.push(name);
        let value = if has_reference {
            expand_references(raw)?
        } else {
            Cow::Borrowed(raw)
        };
        if prefix.is_empty() && same(local, "xmlns") {
            scopes.declare("", value);
        } else if same(prefix, "xmlns") {
            if value.is_empty() {
                return Err(syntax(
                    "a prefix may not be undeclared in XML 1.0 namespaces (section 5)",
                ));
            }
            if local == "xmlns" || (local == "xml" && value != XML_NS) {
                return Err(syntax(
                    "a reserved prefix is declared (Namespaces section 3)",
                ));
            }
            scopes.declare(local, value);
        } else {
            attrs.push(Attr {
                prefix,
                local,
                namespace: Cow::Borrowed(""),
                value,
            });
        }
    }
    // WFC: Unique Att Spec, on the names as written.
    if has_duplicates(&raw_names) {
        return Err((
            Problem::DuplicateAttribute,
            "an attribute appears twice on one element (XML 1.0 section 3.1, WFC: Unique Att Spec)",
        ));
    }
    // Resolve prefixes now that every declaration of this tag is known.
    let mut prefixed = false;
    let mut unbound = false;
    for attr in attrs.iter_mut() {
        if attr.prefix.is_empty() {
            continue;
        }
        prefixed = true;
        let uri = scopes
            .declared(attr.prefix)
            .cloned()
            .or_else(|| (attr.prefix == "xml").then_some(Cow::Borrowed(XML_NS)))
            .filter(|uri| !uri.is_empty());
        match uri {
            Some(uri) => attr.namespace = uri,
            None => unbound = true,
        }
    }
    // Namespaces in XML 1.0 section 6.3: no two attributes with the same expanded name.
    if prefixed {
        let named = || {
            attrs
                .iter()
                .filter(|a| !a.prefix.is_empty() && !a.namespace.is_empty())
                .map(|a| (a.namespace.as_ref(), a.local))
        };
        let duplicate = if named().count() <= 16 {
            named().enumerate().any(|(i, (ns, l))| {
                named()
                    .skip(i + 1)
                    .any(|(ns2, l2)| same(l, l2) && same(ns, ns2))
            })
        } else {
            let mut seen = HashSet::new();
            !named().all(|p| seen.insert(p))
        };
        if duplicate {
            return Err((
                Problem::DuplicateAttribute,
                "two attributes share an expanded name (Namespaces in XML 1.0 section 6.3)",
            ));
        }
    }
    Ok(unbound)
}

/// The attribute names of one tag: inline for the few real tags carry, spilled to a
/// vector beyond that.
#[derive(Default)]
struct NameSet<'a> {
    inline: [&'a str; 16],
    len: usize,
    spill: Vec<&'a str>,
}

impl<'a> NameSet<'a> {
    fn push(&mut self, name: &'a str) {
        match self.inline.get_mut(self.len) {
            Some(slot) if self.spill.is_empty() => {
                *slot = name;
                self.len += 1;
            }
            _ => {
                if self.spill.is_empty() {
                    self.spill.extend_from_slice(&self.inline[..]);
                }
                self.spill.push(name);
            }
        }
    }
}

/// Whether a name occurs twice: a linear scan for the few attributes real tags carry,
/// a hash set above that so the check stays linear.
fn has_duplicates(names: &NameSet<'_>) -> bool {
    if names.spill.is_empty() {
        let list = names.inline.get(..names.len).unwrap_or_default();
        return list
            .iter()
            .enumerate()
            .any(|(i, a)| list.iter().skip(i + 1).any(|b| same(a, b)));
    }
    let mut seen = HashSet::with_capacity(names.spill.len());
    !names.spill.iter().all(|n| seen.insert(*n))
}

/// Adds `len` bytes to the current text run (character data, CDATA and references
/// between two tags count together) and refuses the run once it passes the limit.
fn grow_text_run(run: &mut usize, len: usize, max: usize, offset: u64) -> Result<(), Fatal> {
    *run = run.saturating_add(len);
    if *run > max {
        return Err(Fatal::new(
            Problem::TextLength,
            offset,
            "a text run is too long",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(input: &str) -> Option<Problem> {
        check(input.as_bytes(), &XmlLimits::default())
            .err()
            .map(|f| f.problem)
    }

    #[test]
    fn a_shadowed_prefix_comes_back_when_its_element_closes() {
        struct Seen(Vec<String>);
        impl<'a> Visitor<'a> for Seen {
            fn start(&mut self, tag: &StartTag<'a, '_>) {
                let attr = tag.attrs.first().map_or("", |a| a.namespace.as_ref());
                self.0.push(format!("{}:{}", tag.namespace, attr));
            }
            fn text(&mut self, _text: &'a str) {}
            fn text_char(&mut self, _c: char) {}
            fn end(&mut self) {}
        }
        let input = "<a xmlns:p='urn:1' xmlns='urn:d'><b xmlns:p='urn:2' xmlns=''>\
                     <p:c p:x='1'/></b><p:d p:y='1'/><e/></a>";
        let mut seen = Seen(Vec::new());
        read(input.as_bytes(), &XmlLimits::default(), &mut seen).unwrap();
        assert_eq!(
            seen.0,
            ["urn:d:", ":", "urn:2:urn:2", "urn:1:urn:1", "urn:d:"],
        );
    }

    #[test]
    fn many_declarations_in_scope_resolve_like_one() {
        // 50 scopes of 50 declarations each, then names from the outermost scope: each
        // lookup must still find the right binding after inner ones come and go.
        let mut doc = String::from("<r>");
        for i in 0..50 {
            doc.push_str("<s");
            for j in 0..50 {
                doc.push_str(&format!(" xmlns:p{j}='urn:{i}:{j}'"));
            }
            doc.push('>');
        }
        doc.push_str("<p7:e/>");
        doc.push_str(&"</s>".repeat(49));
        doc.push_str("<p7:e/></s><p7:e/></r>");
        assert_eq!(problem(&doc), Some(Problem::UnboundPrefix));
        struct Uris(Vec<String>);
        impl<'a> Visitor<'a> for Uris {
            fn start(&mut self, tag: &StartTag<'a, '_>) {
                if tag.local == "e" {
                    self.0.push(tag.namespace.to_owned());
                }
            }
            fn text(&mut self, _text: &'a str) {}
            fn text_char(&mut self, _c: char) {}
            fn end(&mut self) {}
            fn tolerate_unbound_prefix(&mut self, _local: &str, _depth: usize) -> bool {
                true
            }
        }
        let mut uris = Uris(Vec::new());
        read(doc.as_bytes(), &XmlLimits::default(), &mut uris).unwrap();
        assert_eq!(uris.0, ["urn:49:7", "urn:0:7", ""]);
    }

    #[test]
    fn billion_laughs_is_rejected_at_the_doctype() {
        let mut doc = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for i in 1..10 {
            doc.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">",
                format!(
                    "&lol{};",
                    if i == 1 {
                        String::new()
                    } else {
                        (i - 1).to_string()
                    }
                )
                .repeat(10)
            ));
        }
        doc.push_str("]><lolz>&lol9;</lolz>");
        assert_eq!(problem(&doc), Some(Problem::Doctype));
    }

    #[test]
    fn a_doctype_before_a_huge_body_is_rejected_before_the_body_is_scanned() {
        // The body is not even UTF-8: the DOCTYPE is found first.
        let mut doc = b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>".to_vec();
        doc.extend(std::iter::repeat_n(0xFFu8, 1_000_000));
        assert_eq!(
            check(&doc, &XmlLimits::default()).map_err(|e| e.problem),
            Err(Problem::Doctype)
        );
    }

    #[test]
    fn xxe_external_entity_is_rejected() {
        let doc = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>"#;
        assert_eq!(problem(doc), Some(Problem::Doctype));
    }

    #[test]
    fn quadratic_blowup_is_rejected_at_the_doctype() {
        let big = "a".repeat(100_000);
        let doc = format!(
            "<!DOCTYPE k [<!ENTITY a \"{big}\">]><k>{}</k>",
            "&a;".repeat(1000)
        );
        assert_eq!(problem(&doc), Some(Problem::Doctype));
    }

    #[test]
    fn undeclared_entity_without_doctype_is_rejected() {
        assert_eq!(problem("<r>&xxe;</r>"), Some(Problem::Entity));
        assert_eq!(problem("<r a='&nbsp;'/>"), Some(Problem::Entity));
    }

    #[test]
    fn predefined_entities_and_char_refs_are_accepted() {
        assert_eq!(
            problem("<r a='&lt;&#x41;&#66;'>&amp;&gt;&apos;&quot;&#233;</r>"),
            None
        );
    }

    #[test]
    fn char_ref_to_an_illegal_char_is_rejected() {
        assert_eq!(problem("<r>&#0;</r>"), Some(Problem::InvalidCharacter));
        assert_eq!(problem("<r>&#x1;</r>"), Some(Problem::InvalidCharacter));
        assert_eq!(problem("<r>&#xFFFE;</r>"), Some(Problem::InvalidCharacter));
        // A surrogate is no Char at all (WFC: Legal Character).
        assert_eq!(problem("<r>&#xD800;</r>"), Some(Problem::InvalidCharacter));
    }

    #[test]
    fn deep_nesting_is_rejected_at_the_depth_limit() {
        let doc = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        assert_eq!(problem(&doc), Some(Problem::Depth));
        let ok = format!("{}{}", "<a>".repeat(256), "</a>".repeat(256));
        assert_eq!(problem(&ok), None);
    }

    #[test]
    fn element_flood_is_rejected_at_the_count_limit() {
        let limits = XmlLimits {
            max_elements: 1000,
            ..XmlLimits::default()
        };
        let doc = format!("<r>{}</r>", "<a/>".repeat(1000));
        assert_eq!(
            check(doc.as_bytes(), &limits).map_err(|e| e.problem),
            Err(Problem::ElementCount)
        );
    }

    #[test]
    fn attribute_flood_and_long_values_are_rejected() {
        let many: String = (0..300).map(|i| format!(" a{i}='x'")).collect();
        assert_eq!(
            problem(&format!("<r{many}/>")),
            Some(Problem::AttributeCount)
        );
        let long = "x".repeat(70_000);
        assert_eq!(
            problem(&format!("<r a='{long}'/>")),
            Some(Problem::AttributeLength)
        );
    }

    #[test]
    fn long_text_is_rejected_at_the_text_limit() {
        let limits = XmlLimits {
            max_text_length: 1000,
            ..XmlLimits::default()
        };
        let doc = format!("<r>{}</r>", "x".repeat(1001));
        assert_eq!(
            check(doc.as_bytes(), &limits).map_err(|e| e.problem),
            Err(Problem::TextLength)
        );
    }

    #[test]
    fn exactly_one_root_is_required() {
        assert_eq!(problem(""), Some(Problem::NoRoot));
        assert_eq!(problem("<!-- c -->"), Some(Problem::NoRoot));
        assert_eq!(problem("<a/><b/>"), Some(Problem::SecondRoot));
        assert_eq!(problem("<a/>text"), Some(Problem::ContentOutsideRoot));
        assert_eq!(problem("<a/>\n<!-- c --><?pi x?>\n"), None);
    }

    #[test]
    fn elements_left_open_at_eof_are_an_error() {
        assert_eq!(problem("<a><b></b>"), Some(Problem::Unclosed));
    }

    #[test]
    fn mismatched_end_tag_is_an_error() {
        assert_eq!(problem("<a><b></a></b>"), Some(Problem::Syntax));
    }

    #[test]
    fn the_block_char_scan_agrees_with_the_byte_rule() {
        for byte in 0..=255u8 {
            for at in 0..19 {
                let mut buf = vec![b'a'; 19];
                buf[at] = byte;
                let naive = buf
                    .iter()
                    .position(|&b| b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r');
                assert_eq!(first_invalid_char(&buf), naive, "byte {byte:#x} at {at}");
            }
        }
    }

    #[test]
    fn noncharacters_fffe_ffff_are_found_across_scan_blocks() {
        // XML 1.0 section 2.2 excludes U+FFFE and U+FFFF; U+FFFD and U+FEFF are Chars.
        // The scan works in 64-byte blocks, so place each sequence across the boundary,
        // with and without white space in the block (the scan's two first tests).
        let naive = |buf: &[u8]| {
            std::str::from_utf8(buf).ok().and_then(|text| {
                text.char_indices()
                    .find(|&(_, c)| !is_xml_char(c))
                    .map(|(i, _)| i)
            })
        };
        for seq in ["\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "\u{FEFF}", "\u{F000}"] {
            for filler in ["a", "\n"] {
                for at in 56..70 {
                    let mut text = filler.repeat(at);
                    text.push_str(seq);
                    text.push_str(&"b".repeat(80));
                    let buf = text.as_bytes();
                    assert_eq!(
                        first_invalid_char(buf),
                        naive(buf),
                        "{seq:?} at {at} after {filler:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_one_pass_qname_split_agrees_with_the_productions() {
        // Reference: Namespaces in XML 1.0 section 4 (QName = Prefix ':' LocalPart |
        // LocalPart, both NCNames) over XML 1.0 productions 4 and 4a.
        let naive = |name: &str| -> Option<(String, String)> {
            let parts: Vec<&str> = name.split(':').collect();
            let ok = |p: &str| is_name(p) && !p.contains(':');
            match parts.as_slice() {
                [local] if ok(local) => Some((String::new(), (*local).to_owned())),
                [prefix, local] if ok(prefix) && ok(local) => {
                    Some(((*prefix).to_owned(), (*local).to_owned()))
                }
                _ => None,
            }
        };
        let pieces = [
            "",
            "a",
            "_",
            "-",
            ".",
            "0",
            ":",
            "A9",
            "a-b.c",
            "\u{E9}",
            "\u{B7}",
            "\u{300}",
            "x\u{2070}",
            " ",
            "\t",
            "<",
            "=",
            "\u{D7}",
            "\u{10000}",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let name = format!("{a}{b}{c}");
                    let got = split_qname(&name).map(|(p, l)| (p.to_owned(), l.to_owned()));
                    assert_eq!(got, naive(&name), "{name:?}");
                }
            }
        }
    }

    #[test]
    fn control_characters_are_invalid() {
        assert_eq!(problem("<a>\u{1}</a>"), Some(Problem::InvalidCharacter));
        assert_eq!(problem("<a>\u{FFFF}</a>"), Some(Problem::InvalidCharacter));
        assert_eq!(problem("<a>\t\r\n\u{E9}\u{1F600}</a>"), None);
    }

    #[test]
    fn invalid_utf8_and_utf32_are_encoding_errors_utf16_is_read() {
        assert_eq!(
            check(b"<a>\xC3</a>", &XmlLimits::default()).map_err(|e| e.problem),
            Err(Problem::Encoding)
        );
        // `check` transcodes UTF-16 (XML 1.0 section 4.3.3); `read` alone refuses it.
        let utf16 = b"\xFF\xFE<\0a\0/\0>\0";
        assert_eq!(check(utf16, &XmlLimits::default()), Ok(()));
        assert_eq!(
            read(utf16, &XmlLimits::default(), &mut NoVisitor).map_err(|e| e.problem),
            Err(Problem::Encoding)
        );
        assert_eq!(
            check(b"\xFF\xFE<\0a\0/\0>\0!", &XmlLimits::default()).map_err(|e| e.problem),
            Err(Problem::Encoding)
        );
        assert_eq!(
            check(b"\0\0\0<\0\0\0a\0\0\0/\0\0\0>", &XmlLimits::default()).map_err(|e| e.problem),
            Err(Problem::Encoding)
        );
        assert_eq!(
            problem("<?xml version='1.0' encoding='ISO-8859-1'?><a/>"),
            Some(Problem::Encoding)
        );
    }

    #[test]
    fn duplicate_attributes_are_rejected() {
        assert_eq!(
            problem("<a x='1' x='2'/>"),
            Some(Problem::DuplicateAttribute)
        );
        assert_eq!(
            problem("<a xmlns:p='urn:x' xmlns:q='urn:x' p:x='1' q:x='2'/>"),
            Some(Problem::DuplicateAttribute)
        );
    }

    #[test]
    fn unbound_prefixes_are_rejected() {
        assert_eq!(problem("<p:a/>"), Some(Problem::UnboundPrefix));
        assert_eq!(problem("<a p:x='1'/>"), Some(Problem::UnboundPrefix));
        assert_eq!(problem("<a xmlns:p='urn:x'><p:b/></a>"), None);
        assert_eq!(
            problem("<a><b xmlns:p='urn:x'/><p:c/></a>"),
            Some(Problem::UnboundPrefix)
        );
        assert_eq!(problem("<a xml:lang='en'/>"), None);
    }

    #[test]
    fn less_than_in_attribute_value_is_rejected() {
        assert_eq!(problem("<a x='<'/>"), Some(Problem::Syntax));
    }
}
