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
    members_from(s, PLAIN_MEMBERS_FROM)
}

/// Where in an object the walk first tries [`skip_plain_members`]: a payload decided
/// before it costs what it did before the skip existed (the flat cost of an early key).
const PLAIN_MEMBERS_FROM: usize = 512;

/// [`members`], trying the block skip over plain members from `bulk_from` on (never,
/// with `usize::MAX`: the member-by-member walk alone, which the tests compare with).
fn members_from(s: &[u8], mut bulk_from: usize) -> Option<TopLevel> {
    let mut blocks = Blocks::unstarted(s);
    let mut at = skip_json_space(s, 0);
    if s.get(at) == Some(&b'}') {
        return Some(TopLevel::Neither);
    }
    loop {
        if s.get(at) != Some(&b'"') {
            return None;
        }
        if at >= bulk_from {
            let (restart, until) = skip_plain_members(s, at);
            // Where the skip stopped, members are walked one by one to the end of the
            // block that stopped it; one that stops it at once backs off further, so a
            // payload the skip cannot serve pays for a block in several, not in each.
            bulk_from = if restart == at {
                until.saturating_add(4 * BLOCK)
            } else {
                until
            };
            at = restart;
        }
        let (end, _) = string_end(s, at + 1)?;
        let key = s.get(at + 1..end)?;
        at = skip_json_space(s, end + 1);
        if s.get(at) != Some(&b':') {
            return None;
        }
        at = skip_json_space(s, at + 1);
        if spells(key, b"resourceType") {
            return Some(TopLevel::Fhir);
        }
        if s.get(at) == Some(&b'{') && spells(key, b"Meta") && has_member(s, at + 1, b"DataModel") {
            return Some(TopLevel::Redox);
        }
        at = skip_json_space(s, blocks.skip_value(at)?);
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
    let mut blocks = Blocks::unstarted(s);
    let mut at = skip_json_space(s, at);
    loop {
        if s.get(at) != Some(&b'"') {
            return false;
        }
        let Some((end, _)) = string_end(s, at + 1) else {
            return false;
        };
        if s.get(at + 1..end).is_some_and(|key| spells(key, name)) {
            return true;
        }
        at = skip_json_space(s, end + 1);
        if s.get(at) != Some(&b':') {
            return false;
        }
        let Some(next) = blocks.skip_value(skip_json_space(s, at + 1)) else {
            return false;
        };
        at = skip_json_space(s, next);
        if s.get(at) != Some(&b',') {
            return false;
        }
        at = skip_json_space(s, at + 1);
    }
}

/// Whether the raw bytes of a JSON string (between its quotes) spell `name`, a name of
/// ASCII letters. A letter is one raw byte or a six-byte `\uXXXX` (RFC 8259 section 7:
/// no two-character escape stands for a letter), so only a raw length of `name.len()`
/// plus a multiple of five can spell it: nearly every key is turned down by its length
/// alone, and only the raw bytes of one of exactly `name.len()` are compared as they are.
#[inline(always)]
fn spells(raw: &[u8], name: &[u8]) -> bool {
    if raw.len() == name.len() {
        return raw == name;
    }
    raw.len() > name.len()
        && raw.len() <= 6 * name.len()
        && (raw.len() - name.len()).is_multiple_of(5)
        && key_is(raw, true, name)
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

/// Byte classes of the walk (RFC 8259 section 2): white space, the bytes that end a
/// number or literal (`,`, `}`, `]` and white space), and the bytes no number or literal
/// holds that would change where strings are (`"` and `\`): the walk then stops, so its
/// idea of which bytes are in strings never parts from the blocks' ([`Blocks`]).
const SPACE: u8 = 1;
const ENDS_SCALAR: u8 = 2;
const BREAKS_SCALAR: u8 = 4;
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
    table[b'"' as usize] = BREAKS_SCALAR;
    table[b'\\' as usize] = BREAKS_SCALAR;
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

// Structural blocks: 64 bytes classified at once into bit masks (bit i for byte i), so
// that a nested value is stepped over a block at a time, not a byte or a bracket at a
// time. The idea of finding escaped quotes and the inside of strings with bit arithmetic
// over whole blocks comes from simdjson's first stage (Langdale and Lemire, "Parsing
// Gigabytes of JSON per Second", VLDB Journal 28, 2019, section 3.1); the code below is
// ours. The compares run on `wide`'s 32-lane byte vectors: safe code that compiles to
// SSE2 on baseline x86-64, to AVX2 or NEON where the target has them, and to plain
// loops elsewhere.

/// Bytes per block: one bit of a `u64` each.
const BLOCK: usize = 64;

/// Where the bytes of interest are in one block, before strings are known.
#[derive(Debug, Clone, Copy, Default)]
struct RawMasks {
    quote: u64,
    backslash: u64,
    /// `{` and `[`: the only bytes that give 0x7B with bit 5 set (0x7B, 0x5B).
    open: u64,
    /// `}` and `]`: the only bytes that give 0x7D with bit 5 set (0x7D, 0x5D).
    close: u64,
}

#[inline(always)]
fn raw_masks(block: &[u8; BLOCK]) -> RawMasks {
    use wide::{u8x32, CmpEq};
    let lo = u8x32::new(*block.first_chunk::<32>().unwrap_or(&[0; 32]));
    let hi = u8x32::new(*block.last_chunk::<32>().unwrap_or(&[0; 32]));
    // `move_mask` gives one bit per lane, lane 0 lowest, in the low 32 bits.
    let bits =
        |v: u8x32, byte: u8| u64::from(v.cmp_eq(u8x32::splat(byte)).move_mask().cast_unsigned());
    let both = |byte: u8| bits(lo, byte) | bits(hi, byte) << 32;
    let fold = u8x32::splat(0x20);
    let (lo_folded, hi_folded) = (lo | fold, hi | fold);
    RawMasks {
        quote: both(b'"'),
        backslash: both(b'\\'),
        open: bits(lo_folded, b'{') | bits(hi_folded, b'{') << 32,
        close: bits(lo_folded, b'}') | bits(hi_folded, b'}') << 32,
    }
}

/// Bits at even positions.
const EVEN: u64 = 0x5555_5555_5555_5555;

/// The bytes of a block that a backslash escapes (RFC 8259 section 7: a backslash
/// escapes the byte after it, so a byte is escaped when the run of backslashes before
/// it is odd). `carry` is 1 when the block's first byte is escaped by a run from the
/// block before; it is set for the next block.
///
/// Adding a run's first bit to the run ripples a carry to the byte just after it; the
/// run is odd exactly when its first byte and that byte differ in parity. Runs starting
/// at even and at odd positions are added apart so that each parity test is one mask.
#[inline(always)]
fn escaped_bytes(backslash: u64, carry: &mut u64) -> u64 {
    let carried = *carry;
    if backslash == 0 {
        *carry = 0;
        return carried;
    }
    // A backslash escaped from the block before is escaped, not escaping.
    let runs = backslash & !carried;
    let starts = runs & !(runs << 1);
    let after_even = runs.wrapping_add(starts & EVEN) & !runs;
    let (sum, out) = runs.overflowing_add(starts & !EVEN);
    let after_odd = sum & !runs;
    // A run from an odd position through the block's last byte is odd (64 is even).
    *carry = u64::from(out);
    (after_even & !EVEN) | (after_odd & EVEN) | carried
}

/// Bit i set when an odd number of bits 0..=i of `x` are set: between an opening quote
/// (included) and its closing one (excluded).
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// A forward-only cursor over the blocks of `s` from a position outside any string:
/// for its current block, the quotes that open or close strings and the brackets
/// outside strings. Blocks are classified in order, each once, so the escapes and
/// strings carried from one to the next stay right.
struct Blocks<'a> {
    s: &'a [u8],
    /// Where the current block starts in `s`.
    start: usize,
    /// Unescaped quotes.
    quote: u64,
    /// Bytes inside strings (opening quote included).
    in_string: u64,
    /// Brackets outside strings.
    open: u64,
    close: u64,
    /// Carried to the next block: 1 when its first byte is escaped.
    escape_carry: u64,
    /// Carried to the next block: all ones when it starts inside a string.
    string_carry: u64,
}

impl<'a> Blocks<'a> {
    /// The blocks of `s` from `start`, which must not be inside a string.
    fn new(s: &'a [u8], start: usize) -> Self {
        let mut blocks = Blocks {
            start,
            ..Blocks::unstarted(s)
        };
        blocks.classify();
        blocks
    }

    /// No block yet: the first nested value starts them. Costs nothing to a payload
    /// decided before one.
    fn unstarted(s: &'a [u8]) -> Self {
        Blocks {
            s,
            start: usize::MAX / 2,
            quote: 0,
            in_string: 0,
            open: 0,
            close: 0,
            escape_carry: 0,
            string_carry: 0,
        }
    }

    /// Classifies the block at `self.start`; past the end of `s` it reads as zeros.
    #[inline(always)]
    fn classify(&mut self) {
        let rest = self.s.get(self.start..).unwrap_or_default();
        let raw = match rest.first_chunk::<BLOCK>() {
            Some(block) => raw_masks(block),
            None => {
                let mut block = [0u8; BLOCK];
                if let Some(head) = block.get_mut(..rest.len()) {
                    head.copy_from_slice(rest);
                }
                raw_masks(&block)
            }
        };
        let escaped = escaped_bytes(raw.backslash, &mut self.escape_carry);
        self.quote = raw.quote & !escaped;
        self.in_string = prefix_xor(self.quote) ^ self.string_carry;
        self.string_carry = 0u64.wrapping_sub(self.in_string >> 63);
        self.open = raw.open & !self.in_string;
        self.close = raw.close & !self.in_string;
    }

    /// Moves to the next block; `false` when `s` has no bytes there.
    #[inline(always)]
    fn advance(&mut self) -> bool {
        let next = self.start + BLOCK;
        if next >= self.s.len() {
            return false;
        }
        self.start = next;
        self.classify();
        true
    }

    /// The bit of `at`, which must be outside any string: in the current block when it
    /// holds `at`, else in blocks started afresh at `at`. Only nested values are read
    /// in blocks, so the top-level members between them are not classified at all.
    #[inline(always)]
    fn offset_of(&mut self, at: usize) -> Option<u32> {
        if at >= self.start + BLOCK || at < self.start {
            *self = Blocks::new(self.s, at);
        }
        u32::try_from(at.checked_sub(self.start)?).ok()
    }

    /// The current block is a stretch of a string with no end in it: a long string, which
    /// [`string_end`] (`memchr2`) finishes faster than blocks can. The blocks then start
    /// again after its closing quote, whose position is returned.
    #[inline(never)]
    fn finish_long_string(&mut self) -> Option<usize> {
        let resume = self.start + BLOCK + usize::from(self.escape_carry != 0);
        let (end, _) = string_end(self.s, resume)?;
        *self = Blocks::new(self.s, end + 1);
        Some(end)
    }

    /// Whether the current block lies wholly inside one string.
    #[inline(always)]
    fn all_string(&self) -> bool {
        self.quote == 0 && self.in_string == u64::MAX
    }

    /// Skips one JSON value at `at` and returns where it ends: a string, a number or
    /// literal, or a whole array or object. No allocation and no recursion, so nesting
    /// depth costs nothing; `None` when the bytes end first.
    #[inline(always)]
    fn skip_value(&mut self, at: usize) -> Option<usize> {
        match self.s.get(at)? {
            b'"' => string_end(self.s, at + 1).map(|(end, _)| end + 1),
            b'{' | b'[' => self.skip_nested(at),
            _ => {
                // A number, `true`, `false` or `null`: up to the next delimiter.
                let mut end = at;
                let mut class = class(*self.s.get(end)?);
                while class & (ENDS_SCALAR | BREAKS_SCALAR) == 0 {
                    end += 1;
                    class = self::class(*self.s.get(end)?);
                }
                (end > at && class & BREAKS_SCALAR == 0).then_some(end)
            }
        }
    }

    /// Skips the array or object whose bracket is at `at` by counting brackets outside
    /// strings: the blocks hand over only the brackets, so strings, numbers and space
    /// cost nothing here, and each bracket costs a few branch-free operations.
    /// (`count_ones` would let a whole block be counted at once, but baseline x86-64
    /// has no `popcnt` instruction and its software version costs more than the few
    /// brackets of a block.) Brackets are not matched by kind: the value is not
    /// validated here, only stepped over.
    fn skip_nested(&mut self, at: usize) -> Option<usize> {
        let mut from = !0u64 << self.offset_of(at)?;
        let mut depth = 0usize;
        loop {
            let closes = self.close & from;
            let mut brackets = (self.open | closes) & from;
            while brackets != 0 {
                let k = brackets.trailing_zeros();
                // +1 for an opening bracket, -1 for a closing one.
                let closing = ((closes >> k) & 1) as usize;
                depth = depth.wrapping_add(1).wrapping_sub(closing << 1);
                if depth == 0 {
                    return Some(self.start + k as usize + 1);
                }
                brackets &= brackets - 1;
            }
            if self.all_string() {
                self.finish_long_string()?;
            } else if !self.advance() {
                return None;
            }
            from = !0;
        }
    }
}

/// Where the bytes of interest to [`skip_plain_members`] are in one block, before
/// strings are known.
#[derive(Debug, Clone, Copy, Default)]
struct MemberMasks {
    quote: u64,
    backslash: u64,
    colon: u64,
    comma: u64,
    /// `{`, `[`, `}` and `]`.
    bracket: u64,
    /// RFC 8259 section 2 white space.
    space: u64,
    /// `M` and `r`: the first letters of `Meta` and `resourceType` (with `\`, the first
    /// bytes any spelling of them can have).
    initial: u64,
}

#[inline(always)]
fn member_masks(block: &[u8; BLOCK]) -> MemberMasks {
    use wide::{u8x32, CmpEq};
    #[inline(always)]
    fn both(lo: u8x32, hi: u8x32, f: impl Fn(u8x32) -> u8x32) -> u64 {
        let mask = |v: u8x32| u64::from(f(v).move_mask().cast_unsigned());
        // Opaque to the optimiser, which otherwise takes the mask apart bit by bit to
        // fuse it with the shifts that follow (ten times the instructions).
        std::hint::black_box(mask(lo) | mask(hi) << 32)
    }
    #[inline(always)]
    fn eq(v: u8x32, byte: u8) -> u8x32 {
        v.cmp_eq(u8x32::splat(byte))
    }
    let lo = u8x32::new(*block.first_chunk::<32>().unwrap_or(&[0; 32]));
    let hi = u8x32::new(*block.last_chunk::<32>().unwrap_or(&[0; 32]));
    let fold = u8x32::splat(0x20);
    let space = both(lo, hi, |v| {
        eq(v, b' ') | eq(v, b'\t') | eq(v, b'\n') | eq(v, b'\r')
    });
    MemberMasks {
        quote: both(lo, hi, |v| eq(v, b'"')),
        backslash: both(lo, hi, |v| eq(v, b'\\')),
        colon: both(lo, hi, |v| eq(v, b':')),
        comma: both(lo, hi, |v| eq(v, b',')),
        bracket: both(lo, hi, |v| eq(v | fold, b'{') | eq(v | fold, b'}')),
        space,
        initial: both(lo, hi, |v| eq(v, b'M') | eq(v, b'r')),
    }
}

/// For each bit of `after` (a byte just after a token), the first byte from there on
/// that is not white space: adding a bit at the start of a run of ones carries to the
/// first zero after it. `carry` is 1 when a run of white space leaves the block (the
/// next block's first byte is then reached the same way); it is set for the next block.
#[inline(always)]
fn follow(after: u64, space: u64, carry: &mut u64) -> u64 {
    let (sum, over) = after.overflowing_add(space);
    let (sum, over_in) = sum.overflowing_add(*carry);
    *carry = u64::from(over | over_in);
    sum & !space
}

/// Skips top-level members that need no look, a block at a time, from the member whose
/// key opens at `at` (after a comma or the object's `{`). Returns where the
/// member-by-member walk resumes (a key that opens after a comma, all before it checked)
/// and the end of the block the skip stopped in.
///
/// A block is skipped when, with strings known from its masks (as in [`Blocks`]), it
/// holds no bracket and no backslash outside strings, no key whose first byte is `M`,
/// `r` or `\` (so none can spell a deciding key, see [`spells`]), and its tokens come in
/// the order the walk accepts (RFC 8259 section 4): a key is followed by a colon, a colon
/// by a string or a scalar, a value by a comma, a comma by a key, each with only white
/// space between, and each of these the only way to reach the other. Scalars are runs of
/// bytes outside strings that are none of those nor white space: a scalar the walk would
/// take whole but which holds a colon (`1:2`) stops the skip, never passes it. Anything
/// else (a nested value, the object's end, a deciding key, a long string, the bytes'
/// end) stops the skip, and the walk reads that member as it always has, so the skip
/// changes how fast the walk goes, never what it decides.
fn skip_plain_members(s: &[u8], at: usize) -> (usize, usize) {
    let mut start = at;
    let mut restart = at;
    let (mut escape_carry, mut string_carry, mut value_open_carry) = (0u64, 0u64, 0u64);
    let (mut after_key, mut after_colon, mut after_value, mut after_comma) = (0u64, 0, 0, 0);
    let (mut key_last, mut colon_last, mut value_last, mut comma_last) = (0u64, 0, 0, 1);
    let (mut scalar_last, mut key_open_last) = (0u64, 0u64);
    loop {
        let Some(block) = s.get(start..).and_then(<[u8]>::first_chunk::<BLOCK>) else {
            return (restart, s.len());
        };
        let until = start + BLOCK;
        let raw = member_masks(block);
        let escaped = escaped_bytes(raw.backslash, &mut escape_carry);
        let quote = raw.quote & !escaped;
        let in_string = prefix_xor(quote) ^ string_carry;
        let opens = quote & in_string;
        let closes = quote & !in_string;
        let outside = !(in_string | closes);
        let space = raw.space & outside;
        if (raw.bracket | raw.backslash) & outside != 0 || (quote == 0 && in_string == u64::MAX) {
            return (restart, until);
        }
        let colon = raw.colon & outside;
        let comma = raw.comma & outside;
        let scalar = outside & !(colon | comma | space);
        let scalar_starts = scalar & !(scalar << 1 | scalar_last);
        let scalar_ends = !scalar & (scalar << 1 | scalar_last);
        // Values start where colons lead: strings there are values, the others keys.
        let after_colons = follow(colon << 1 | colon_last, space, &mut after_colon);
        let value_opens = opens & after_colons;
        let key_opens = opens & !after_colons;
        // A value string's closing quote: its opening bit carried through the string.
        let (sum, over) = in_string.overflowing_add(value_opens);
        let (sum, over_in) = sum.overflowing_add(value_open_carry);
        let value_closes = sum & !in_string & closes;
        let key_closes = closes & !value_closes;
        let after_keys = follow(key_closes << 1 | key_last, space, &mut after_key);
        let after_values = follow(
            value_closes << 1 | value_last | scalar_ends,
            space,
            &mut after_value,
        );
        let after_commas = follow(comma << 1 | comma_last, space, &mut after_comma);
        let initial = raw.initial | raw.backslash;
        let deciding = key_opens & (initial >> 1) | key_open_last & initial & 1;
        if after_keys != colon
            || after_colons != value_opens | scalar_starts
            || after_values != comma
            || after_commas != key_opens
            || deciding != 0
        {
            return (restart, until);
        }
        value_open_carry = u64::from(over | over_in);
        string_carry = 0u64.wrapping_sub(in_string >> 63);
        key_last = key_closes >> 63;
        colon_last = colon >> 63;
        value_last = value_closes >> 63;
        comma_last = comma >> 63;
        scalar_last = scalar >> 63;
        key_open_last = key_opens >> 63;
        if key_opens != 0 {
            restart = start + 63 - key_opens.leading_zeros() as usize;
        }
        start = until;
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

        pub(super) fn config() -> ProptestConfig {
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

    /// The block walk against a byte-at-a-time reading of the same rules, on text made to
    /// put quotes, backslash runs and brackets on every side of the 64-byte block edges.
    mod across_block_edges {
        use super::*;
        use proptest::prelude::*;

        /// One byte at a time: a string ends at the first quote no backslash escapes;
        /// outside strings a backslash escapes a quote or a backslash after it (so that
        /// quote opens no string) and brackets count whatever precedes them.
        fn reference_skip(s: &[u8], at: usize) -> Option<usize> {
            let string_end = |mut i: usize| -> Option<usize> {
                loop {
                    match *s.get(i)? {
                        b'\\' => i += 2,
                        b'"' => return Some(i),
                        _ => i += 1,
                    }
                }
            };
            match *s.get(at)? {
                b'"' => return string_end(at + 1).map(|end| end + 1),
                b'{' | b'[' => {}
                _ => {
                    let mut end = at;
                    loop {
                        match *s.get(end)? {
                            b' ' | b'\t' | b'\r' | b'\n' | b',' | b'}' | b']' => break,
                            b'"' | b'\\' => return None,
                            _ => end += 1,
                        }
                    }
                    return (end > at).then_some(end);
                }
            }
            let (mut i, mut depth) = (at, 0usize);
            loop {
                match *s.get(i)? {
                    b'"' => i = string_end(i + 1)? + 1,
                    b'{' | b'[' => {
                        depth += 1;
                        i += 1;
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            return Some(i);
                        }
                    }
                    b'\\' if matches!(s.get(i + 1), Some(b'"' | b'\\')) => i += 2,
                    _ => i += 1,
                }
            }
        }

        /// Runs long enough to cross a block edge, and the single bytes that matter.
        fn piece() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                4 => prop::sample::select(b"\"\\{}[]a ,:".to_vec()).prop_map(|b| vec![b]),
                1 => (0usize..70).prop_map(|n| vec![b'\\'; n]),
                1 => (0usize..130).prop_map(|n| vec![b'x'; n]),
                1 => (0usize..40).prop_map(|n| [b"\\\\".repeat(n), b"\\\"".to_vec()].concat()),
                1 => (1usize..70).prop_map(|n| vec![b'['; n]),
                1 => (1usize..70).prop_map(|n| vec![b']'; n]),
            ]
        }

        fn text() -> impl Strategy<Value = (usize, Vec<u8>)> {
            (
                0usize..130,
                prop::sample::select(b"[{\"1".to_vec()),
                prop::collection::vec(piece(), 0..24),
                prop::sample::select(vec![&b""[..], b"]", b"\"]]]]", b"\"}]]]]]]]]]]]]]]]]"]),
            )
                .prop_map(|(pad, first, pieces, tail)| {
                    let mut bytes = vec![b' '; pad];
                    bytes.push(first);
                    bytes.extend(pieces.concat());
                    bytes.extend_from_slice(tail);
                    (pad, bytes)
                })
        }

        /// A string's content that crosses block edges: runs of escaped backslashes
        /// before an escaped quote, brackets, and plain runs that move what follows.
        fn content() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                (0usize..40).prop_map(|n| format!("{}\\\"", "\\\\".repeat(n))),
                (0usize..40).prop_map(|n| "\\\\".repeat(n)),
                (0usize..130).prop_map(|n| "x".repeat(n)),
                Just("]}[{".to_string()),
                Just(r#"\",\"Meta\":{\"DataModel\":1},\""#.to_string()),
            ];
            prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
        }

        /// An object whose members are shifted across block edges by a leading member
        /// of any length, with deciding keys split over an edge as often as not.
        fn object() -> impl Strategy<Value = Vec<u8>> {
            let key = prop_oneof![
                2 => content().prop_map(|c| format!("\"{c}\"")),
                1 => Just(r#""Meta""#.to_string()),
                1 => Just(r#""M\u0065ta""#.to_string()),
                1 => Just(r#""resourceType""#.to_string()),
            ];
            let value = prop_oneof![
                content().prop_map(|c| format!("\"{c}\"")),
                (content(), content()).prop_map(|(a, b)| format!(
                    r#"[{{"{a}":["{b}",[]]}},"{b}",{{"DataModel":"{a}"}}]"#
                )),
                content().prop_map(|c| format!(r#"{{"x":"{c}","DataModel":1}}"#)),
                (1usize..70).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n))),
                Just("12.5e-3".to_string()),
            ];
            (0usize..130, prop::collection::vec((key, value), 0..8)).prop_map(|(pad, members)| {
                let mut text = format!(r#"{{"pad":"{}""#, "p".repeat(pad));
                for (k, v) in members {
                    text.push_str(&format!(",{k}:{v}"));
                }
                text.push('}');
                text.into_bytes()
            })
        }

        proptest! {
            #![proptest_config(super::against_a_full_parse::config())]

            /// Where a value ends, over blocks, is where a byte-at-a-time reading ends it.
            #[test]
            fn values_end_where_a_bytewise_reading_ends_them((at, bytes) in text()) {
                let mut blocks = Blocks::new(&bytes, 0);
                prop_assert_eq!(blocks.skip_value(at), reference_skip(&bytes, at));
            }

            /// The walk decides as a full parse whatever block edge its bytes cross.
            #[test]
            fn the_walk_decides_as_a_full_parse_across_block_edges(bytes in object(), cut in any::<prop::sample::Index>()) {
                let expected = reference(&bytes).expect("generated text is JSON");
                prop_assert_eq!(top_level(&bytes), expected);
                let part = &bytes[..cut.index(bytes.len() + 1)];
                let got = top_level(part);
                prop_assert!(got == TopLevel::Undecided || got == expected, "{:?} vs {:?}", got, expected);
            }
        }
    }

    /// The walk as it was before the block skip over plain members, and with the skip
    /// tried at every member from the first: both must decide alike on any bytes.
    fn top_level_with(s: &[u8], bulk_from: usize) -> TopLevel {
        let s = skip_bom_and_space(s);
        let Some(body) = s.strip_prefix(b"{") else {
            return TopLevel::Undecided;
        };
        members_from(body, bulk_from).unwrap_or(TopLevel::Undecided)
    }

    #[test]
    fn plain_members_are_skipped_as_they_are_walked() {
        let mut many = b"{".to_vec();
        for i in 0..2_000u32 {
            many.extend_from_slice(
                format!("\"k{i}\" : \"v{i}\\\"\" ,\n\t\"n{i}\":-{i}.5e3,").as_bytes(),
            );
        }
        let cases: Vec<Vec<u8>> = vec![
            [many.clone(), br#""Meta":{"DataModel":"Results"}}"#.to_vec()].concat(),
            [many.clone(), br#""resourceType":"Bundle"}"#.to_vec()].concat(),
            [many.clone(), br#""r\u0065sourceType":"Bundle"}"#.to_vec()].concat(),
            [
                many.clone(),
                br#""\u004Deta":{"DataModel":"Results"}}"#.to_vec(),
            ]
            .concat(),
            [
                many.clone(),
                br#""Meta":1,"x":{"Meta":{"DataModel":1}}}"#.to_vec(),
            ]
            .concat(),
            [many.clone(), br#""last":null}"#.to_vec()].concat(),
            // A scalar holding a colon or a bracket is one scalar to the walk.
            [
                many.clone(),
                br#""a":1:2,"b":1{,"resourceType":1}"#.to_vec(),
            ]
            .concat(),
            // A scalar ended by a quote, a missing comma, a missing colon, two commas.
            [many.clone(), br#""a":1"","resourceType":1}"#.to_vec()].concat(),
            [many.clone(), br#""a":1 "b":2,"resourceType":1}"#.to_vec()].concat(),
            [many.clone(), br#""a" 1,"resourceType":1}"#.to_vec()].concat(),
            [many.clone(), br#""a":1,,"resourceType":1}"#.to_vec()].concat(),
            [
                many.clone(),
                b"\"a\":\x01,\"b\"\x01:1,\"resourceType\":1}".to_vec(),
            ]
            .concat(),
            [many.clone(), br#""a":,"resourceType":1}"#.to_vec()].concat(),
            [many.clone(), br#""a":1\,"resourceType":1}"#.to_vec()].concat(),
            [many.clone(), br#"[],"resourceType":1}"#.to_vec()].concat(),
            [many.clone(), br#""a":"b":"c","resourceType":1}"#.to_vec()].concat(),
            [many.clone(), br#""a":"b","c","resourceType":1}"#.to_vec()].concat(),
        ];
        for (n, case) in cases.iter().enumerate() {
            let walked = top_level_with(case, usize::MAX);
            for cut in [case.len(), case.len() - 1, case.len() / 2, case.len() - 30] {
                let part = &case[..cut];
                assert_eq!(
                    top_level_with(part, 0),
                    top_level_with(part, usize::MAX),
                    "case {n} cut at {cut}"
                );
                assert_eq!(top_level(part), top_level_with(part, usize::MAX));
            }
            // Shifted against the block edges.
            for pad in 1..70 {
                let shifted = [
                    b"{\"pad\":\"".as_slice(),
                    &vec![b'p'; pad],
                    b"\",",
                    &case[1..],
                ]
                .concat();
                assert_eq!(
                    top_level_with(&shifted, 0),
                    top_level_with(&shifted, usize::MAX),
                    "case {n} pad {pad}"
                );
            }
            let expected = [
                TopLevel::Redox,
                TopLevel::Fhir,
                TopLevel::Fhir,
                TopLevel::Redox,
                TopLevel::Neither,
                TopLevel::Neither,
                TopLevel::Fhir,
            ];
            if let Some(want) = expected.get(n) {
                assert_eq!(walked, *want, "case {n}");
            } else {
                assert_eq!(walked, TopLevel::Undecided, "case {n}");
            }
        }
    }

    mod plain_member_skip {
        use super::*;
        use proptest::prelude::*;

        /// A member as text: mostly plain, sometimes deciding, nested or broken.
        fn member() -> impl Strategy<Value = String> {
            let key = prop_oneof![
                8 => "[a-z]{0,6}".prop_map(|k| format!("\"{k}\"")),
                1 => "[a-z]{0,3}".prop_map(|k| format!("\"{k}\\\"\\\\\"")),
                1 => Just(r#""Meta""#.to_string()),
                1 => Just(r#""resourceType""#.to_string()),
                1 => Just(r#""M\u0065ta""#.to_string()),
                1 => Just(r#""\u0072esourceType""#.to_string()),
                1 => Just(r#""M""#.to_string()),
                1 => Just(r#""r""#.to_string()),
            ];
            let value = prop_oneof![
                6 => "-?[0-9]{1,5}",
                4 => "[a-z:,{}\\[\\] ]{0,20}".prop_map(|v| format!("\"{v}\"")),
                2 => Just("true".to_string()),
                1 => Just(r#""\\\"""#.to_string()),
                1 => (0usize..140).prop_map(|n| format!("\"{}\"", "x".repeat(n))),
                1 => Just(r#"{"DataModel":1}"#.to_string()),
                1 => Just(r#"[1,{"a":"]"}]"#.to_string()),
            ];
            let space =
                prop_oneof![6 => Just(""), 1 => Just(" "), 1 => Just("\n\t"), 1 => Just("\r\n  ")];
            (key, space.clone(), value, space)
                .prop_map(|(k, s, v, s2)| format!("{s2}{k}{s}:{s2}{v}{s}"))
        }

        /// Damage: a byte put in, taken out or changed, from those that matter.
        fn damage() -> impl Strategy<Value = Option<(prop::sample::Index, u8, u8)>> {
            prop::option::weighted(
                0.5,
                (
                    any::<prop::sample::Index>(),
                    0u8..3,
                    prop::sample::select(b"\":,{}[] \\\x01Mr1".to_vec()),
                ),
            )
        }

        fn object() -> impl Strategy<Value = Vec<u8>> {
            (
                prop::collection::vec(member(), 0..80),
                prop::sample::select(vec!["}", "", "]", ",}"]),
                damage(),
                damage(),
            )
                .prop_map(|(members, end, d1, d2)| {
                    let mut bytes = format!("{{{}{end}", members.join(",")).into_bytes();
                    for (at, how, byte) in [d1, d2].into_iter().flatten() {
                        // `{` with its one byte removed leaves nothing to damage.
                        if bytes.is_empty() {
                            break;
                        }
                        let at = at.index(bytes.len());
                        match how {
                            0 => bytes.insert(at, byte),
                            1 => {
                                bytes.remove(at);
                            }
                            _ => bytes[at] = byte,
                        }
                    }
                    bytes
                })
        }

        proptest! {
            #![proptest_config(super::against_a_full_parse::config())]

            /// The skip never changes a decision: on members plain, deciding, nested and
            /// broken, at any offset against the blocks, and cut anywhere.
            #[test]
            fn the_skip_decides_as_the_walk(bytes in object(), cut in any::<prop::sample::Index>()) {
                let part = &bytes[..cut.index(bytes.len() + 1)];
                for s in [&bytes[..], part] {
                    prop_assert_eq!(top_level_with(s, 0), top_level_with(s, usize::MAX));
                }
            }
        }
    }
}
