//! A zero-copy HL7 v2 (ER7) parser.
//!
//! Shaped like httparse: every value is a borrowed slice of the input, nothing is
//! allocated per segment, field, repetition or component, and escapes are left in place
//! (see [`super::escape`] to decode a value that needs it). Delimiters come from MSH-1
//! and MSH-2 (HL7 v2.5 section 2.5.4; the truncation character of v2.7 section 2.5.5.3
//! is a fifth encoding character). Segment terminators are `\r` (section 2.5.2); `\n`
//! and `\r\n` are accepted and reported through [`Segments::saw_line_feed`].
//!
//! ```
//! use payload_triage::unstable::hl7v2::parse;
//!
//! let msg = b"MSH|^~\\&|LAB||||20240101||ADT^A01^ADT_A01|1|P|2.5\rPID|1||42^^^H~7^^^X\r";
//! let delims = parse::Delimiters::from_header(msg).unwrap();
//! let mut segments = parse::Segments::new(msg);
//! let msh = segments.next().unwrap();
//! assert_eq!(msh.id(), b"MSH");
//! assert_eq!(msh.field(9, &delims), Some(&b"ADT^A01^ADT_A01"[..]));
//! let pid = segments.next().unwrap();
//! let ids: Vec<&[u8]> = parse::split(pid.field(3, &delims).unwrap(), delims.repetition).collect();
//! assert_eq!(ids, [&b"42^^^H"[..], &b"7^^^X"[..]]);
//! ```

use memchr::memchr2;

/// The separators of one message (HL7 v2.5 section 2.5.4, v2.7 section 2.5.5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// MSH-1, normally `|`.
    pub field: u8,
    /// Normally `^`.
    pub component: u8,
    /// Normally `~`.
    pub repetition: u8,
    /// Normally `\`; a message may declare none.
    pub escape: Option<u8>,
    /// Normally `&`.
    pub subcomponent: u8,
    /// v2.7+: normally `#`.
    pub truncation: Option<u8>,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            field: b'|',
            component: b'^',
            repetition: b'~',
            escape: Some(b'\\'),
            subcomponent: b'&',
            truncation: None,
        }
    }
}

/// Why a header segment's delimiters cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// The bytes do not start with `MSH`, `FHS` or `BHS` and a field separator.
    NotAHeader,
    /// MSH-2 has fewer than 2 or more than 5 characters, repeats a character, or uses a
    /// letter, digit, space or line break as a delimiter.
    BadEncodingCharacters,
}

fn usable_delimiter(b: u8) -> bool {
    b.is_ascii_graphic() && !b.is_ascii_alphanumeric()
}

impl Delimiters {
    /// Reads the delimiters from a header segment (`MSH`, `FHS` or `BHS`).
    pub fn from_header(bytes: &[u8]) -> Result<Delimiters, HeaderError> {
        let (id, rest) = (bytes.get(..3), bytes.get(3..));
        let (Some(id), Some(rest)) = (id, rest) else {
            return Err(HeaderError::NotAHeader);
        };
        if !matches!(id, b"MSH" | b"FHS" | b"BHS") {
            return Err(HeaderError::NotAHeader);
        }
        let Some((&field, rest)) = rest.split_first() else {
            return Err(HeaderError::NotAHeader);
        };
        if !usable_delimiter(field) {
            return Err(HeaderError::NotAHeader);
        }
        let end = rest
            .iter()
            .position(|&b| b == field || b == b'\r' || b == b'\n')
            .unwrap_or(rest.len());
        let encoding = rest.get(..end).unwrap_or_default();
        if !(2..=5).contains(&encoding.len()) {
            return Err(HeaderError::BadEncodingCharacters);
        }
        let mut seen = [field, 0, 0, 0, 0, 0];
        for (i, &b) in encoding.iter().enumerate() {
            if !usable_delimiter(b) || seen.get(..=i).unwrap_or_default().contains(&b) {
                return Err(HeaderError::BadEncodingCharacters);
            }
            if let Some(slot) = seen.get_mut(i + 1) {
                *slot = b;
            }
        }
        let at = |i: usize| encoding.get(i).copied();
        let (Some(component), Some(repetition)) = (at(0), at(1)) else {
            return Err(HeaderError::BadEncodingCharacters);
        };
        Ok(Delimiters {
            field,
            component,
            repetition,
            escape: at(2),
            // Without a declared subcomponent separator, none can occur: use the field
            // separator, which never appears inside a field.
            subcomponent: at(3).unwrap_or(field),
            truncation: at(4),
        })
    }
}

/// One segment: its raw bytes without the terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    raw: &'a [u8],
    offset: usize,
}

impl<'a> Segment<'a> {
    /// The segment as it appears in the message, terminator excluded.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Byte offset of the segment in the bytes given to [`Segments::new`].
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The segment id: the bytes before the first field separator (at most 3 expected).
    pub fn id(&self) -> &'a [u8] {
        let end = self.raw.len().min(3);
        self.raw.get(..end).unwrap_or_default()
    }

    /// True for the header segments whose field 1 is the field separator itself.
    pub fn is_header(&self) -> bool {
        matches!(self.id(), b"MSH" | b"FHS" | b"BHS")
    }

    /// The fields of this segment with their HL7 numbers (1-based). For MSH, FHS and
    /// BHS, field 1 is the field separator and field 2 the encoding characters
    /// (HL7 v2.5 section 2.14.9.1).
    pub fn fields(&self, d: &Delimiters) -> Fields<'a> {
        let header = self.is_header();
        let rest = self.raw.get(3..).unwrap_or_default();
        // `rest` starts with the field separator when the segment has fields.
        let (rest, sep_slice) = match rest.split_first() {
            Some((&b, tail)) if b == d.field => (Some(tail), self.raw.get(3..4)),
            _ => (None, None),
        };
        Fields {
            rest,
            sep: d.field,
            number: if header { 1 } else { 0 },
            pending_separator: if header { sep_slice } else { None },
        }
    }

    /// Field `n` (1-based HL7 number), if present.
    pub fn field(&self, n: usize, d: &Delimiters) -> Option<&'a [u8]> {
        self.fields(d).find(|(k, _)| *k == n).map(|(_, v)| v)
    }
}

/// The fields of a segment, as `(number, raw value)`.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: Option<&'a [u8]>,
    sep: u8,
    number: usize,
    pending_separator: Option<&'a [u8]>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = (usize, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(sep) = self.pending_separator.take() {
            return Some((1, sep));
        }
        let rest = self.rest?;
        self.number += 1;
        match find(self.sep, rest) {
            Some(i) => {
                self.rest = rest.get(i + 1..);
                Some((self.number, rest.get(..i).unwrap_or_default()))
            }
            None => {
                self.rest = None;
                Some((self.number, rest))
            }
        }
    }
}

/// Finds a delimiter in a field or component. These spans are short (a few bytes on
/// average), where an inlined loop beats `memchr`'s call and dispatch; segments, which
/// are long, are found with `memchr2`.
#[inline]
fn find(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Splits a value on one delimiter (repetitions, components or subcomponents). An empty
/// value yields one empty piece, as HL7 counts it.
pub fn split(value: &[u8], delimiter: u8) -> Split<'_> {
    Split {
        rest: Some(value),
        delimiter,
        scan: true,
    }
}

/// [`split`] of a value the caller knows holds no `delimiter` (its segment has none):
/// yields the value whole without scanning it again.
pub fn unsplit(value: &[u8], delimiter: u8) -> Split<'_> {
    Split {
        rest: Some(value),
        delimiter,
        scan: false,
    }
}

/// Iterator returned by [`split`].
#[derive(Debug, Clone)]
pub struct Split<'a> {
    rest: Option<&'a [u8]>,
    delimiter: u8,
    scan: bool,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        if !self.scan {
            self.rest = None;
            return Some(rest);
        }
        match find(self.delimiter, rest) {
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// One delimiter in a segment: its byte offset in the segment and which byte it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Offset in the segment's raw bytes.
    pub at: usize,
    /// The delimiter byte (field, repetition, component or subcomponent separator).
    pub byte: u8,
}

/// One field of an indexed segment: its byte range and the range of its marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldSpan {
    start: usize,
    end: usize,
    marks_from: usize,
    marks_to: usize,
}

/// Every separator position of one segment, found in a single scan of its bytes.
///
/// The fields are recorded with, for each, the repetition, component and subcomponent
/// separators it holds (HL7 v2.5 section 2.5.4), in order; every nested level (field, repetition, component,
/// subcomponent) is then read from these marks instead of rescanning bytes. The buffers
/// are kept from segment to segment, so indexing allocates only while they grow.
#[derive(Debug, Default)]
pub struct SegmentIndex {
    marks: Vec<Mark>,
    fields: Vec<FieldSpan>,
    escape: bool,
    repetition: bool,
    subcomponent: bool,
    header: bool,
}

/// Bytes examined per step of [`SegmentIndex::index`].
const BLOCK: usize = 32;

/// One bit per byte of `block` equal to `byte`, byte 0 lowest.
#[inline(always)]
fn lanes(block: wide::u8x32, byte: u8) -> u32 {
    use wide::{u8x32, CmpEq};
    block.cmp_eq(u8x32::splat(byte)).move_mask().cast_unsigned()
}

impl SegmentIndex {
    /// An empty index.
    pub fn new() -> Self {
        SegmentIndex::default()
    }

    /// Indexes `raw` (one segment, terminator excluded) with the delimiters `d`: one
    /// pass over its bytes, 32 at a time, that records each separator and each field.
    pub fn index(&mut self, raw: &[u8], d: &Delimiters) {
        self.marks.clear();
        self.fields.clear();
        let (f, r, c, s) = (d.field, d.repetition, d.component, d.subcomponent);
        // Without a declared escape character none can occur.
        let e = d.escape;
        let (mut reps, mut subs, mut escapes) = (0u32, 0u32, 0u32);
        // Fields: the segment id, then the field separator at byte 3 (as
        // [`Segment::fields`]); none when byte 3 is not the field separator.
        self.header = matches!(raw.get(..3), Some(b"MSH" | b"FHS" | b"BHS"));
        let has_fields = raw.get(3) == Some(&f);
        let mut start = 4usize;
        let mut from = 0usize;
        for (n, chunk) in raw.chunks(BLOCK).enumerate() {
            let base = n * BLOCK;
            let mut bytes = [0u8; BLOCK];
            if let Some(head) = bytes.get_mut(..chunk.len()) {
                head.copy_from_slice(chunk);
            }
            // Padding bytes are 0, never a delimiter (MSH-1 and MSH-2 are graphic).
            let block = wide::u8x32::new(bytes);
            let fields = lanes(block, f);
            let (rm, cm, sm) = (lanes(block, r), lanes(block, c), lanes(block, s));
            reps |= rm;
            subs |= sm;
            if let Some(e) = e {
                escapes |= lanes(block, e);
            }
            let mut hits = fields | rm | cm | sm;
            while hits != 0 {
                let lane = hits.trailing_zeros() as usize;
                let bit = hits & hits.wrapping_neg();
                hits &= hits - 1;
                let at = base + lane;
                if at < 4 {
                    continue; // the segment id and the first field separator
                }
                if fields & bit != 0 {
                    // A field ends; its marks are those recorded since the last one.
                    if has_fields {
                        self.fields.push(FieldSpan {
                            start,
                            end: at,
                            marks_from: from,
                            marks_to: self.marks.len(),
                        });
                    }
                    start = at + 1;
                    from = self.marks.len();
                } else {
                    self.marks.push(Mark {
                        at,
                        byte: chunk.get(lane).copied().unwrap_or(0),
                    });
                }
            }
        }
        self.escape = escapes != 0;
        self.repetition = reps != 0;
        self.subcomponent = subs != 0;
        if has_fields {
            self.fields.push(FieldSpan {
                start: start.min(raw.len()),
                end: raw.len(),
                marks_from: from,
                marks_to: self.marks.len(),
            });
        }
    }

    /// True when the segment holds the escape character.
    pub fn has_escape(&self) -> bool {
        self.escape
    }

    /// True when the segment holds the repetition separator.
    pub fn has_repetition(&self) -> bool {
        self.repetition
    }

    /// True when the segment holds the subcomponent separator.
    pub fn has_subcomponent(&self) -> bool {
        self.subcomponent
    }

    /// Number of fields after the segment id (for MSH, FHS and BHS, MSH-1 not counted).
    pub fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// Field `n` (1-based HL7 number, as [`Segment::field`]) of `raw`, the segment this
    /// index was built from. MSH-1 (the field separator itself) is not offered here.
    pub fn field<'a, 'i>(&'i self, raw: &'a [u8], n: usize) -> Option<Piece<'a, 'i>> {
        let k = if self.header {
            n.checked_sub(2)?
        } else {
            n.checked_sub(1)?
        };
        let span = self.fields.get(k)?;
        Some(Piece {
            raw,
            start: span.start,
            end: span.end,
            marks: self
                .marks
                .get(span.marks_from..span.marks_to)
                .unwrap_or_default(),
        })
    }
}

/// A value inside an indexed segment (a field, repetition, component or subcomponent)
/// with the separator marks it holds, so it is split without scanning its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Piece<'a, 'i> {
    raw: &'a [u8],
    start: usize,
    end: usize,
    marks: &'i [Mark],
}

impl<'a, 'i> Piece<'a, 'i> {
    /// The value's bytes.
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.raw.get(self.start..self.end).unwrap_or_default()
    }

    /// True for an empty value.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The pieces between `sep`, as [`split`] yields them (an empty value yields one
    /// empty piece).
    #[inline]
    pub fn split(self, sep: u8) -> PieceSplit<'a, 'i> {
        PieceSplit {
            piece: Some(self),
            sep,
        }
    }
}

/// Iterator returned by [`Piece::split`].
#[derive(Debug, Clone)]
pub struct PieceSplit<'a, 'i> {
    piece: Option<Piece<'a, 'i>>,
    sep: u8,
}

impl<'a, 'i> Iterator for PieceSplit<'a, 'i> {
    type Item = Piece<'a, 'i>;

    #[inline]
    fn next(&mut self) -> Option<Piece<'a, 'i>> {
        let piece = self.piece?;
        match piece.marks.iter().position(|m| m.byte == self.sep) {
            Some(i) => {
                let at = piece.marks.get(i).map_or(piece.end, |m| m.at);
                self.piece = Some(Piece {
                    raw: piece.raw,
                    start: at + 1,
                    end: piece.end,
                    marks: piece.marks.get(i + 1..).unwrap_or_default(),
                });
                Some(Piece {
                    raw: piece.raw,
                    start: piece.start,
                    end: at,
                    marks: piece.marks.get(..i).unwrap_or_default(),
                })
            }
            None => {
                self.piece = None;
                Some(piece)
            }
        }
    }
}

/// The segments of a message or batch, split on `\r`, `\n` or `\r\n`. Empty lines are
/// skipped.
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    bytes: &'a [u8],
    pos: usize,
    saw_line_feed: bool,
}

impl<'a> Segments<'a> {
    /// Segments of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Segments {
            bytes,
            pos: 0,
            saw_line_feed: false,
        }
    }

    /// True once a `\n` has been met as (part of) a segment terminator; HL7 v2.5 section
    /// 2.5.2 specifies `\r` alone.
    pub fn saw_line_feed(&self) -> bool {
        self.saw_line_feed
    }

    /// Where the next segment search starts.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    #[inline]
    fn next(&mut self) -> Option<Segment<'a>> {
        loop {
            let rest = self.bytes.get(self.pos..)?;
            if rest.is_empty() {
                return None;
            }
            let start = self.pos;
            let (end, next) = match memchr2(b'\r', b'\n', rest) {
                Some(i) => {
                    let term = rest.get(i).copied();
                    if term == Some(b'\n') {
                        self.saw_line_feed = true;
                    }
                    (start + i, start + i + 1)
                }
                None => (self.bytes.len(), self.bytes.len()),
            };
            self.pos = next;
            let raw = self.bytes.get(start..end).unwrap_or_default();
            if raw.is_empty() {
                continue;
            }
            return Some(Segment { raw, offset: start });
        }
    }
}

/// Parses one message: its delimiters and its segments. Fails only when the first
/// segment is not a usable MSH.
pub fn parse(bytes: &[u8]) -> Result<Message<'_>, HeaderError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let delimiters = Delimiters::from_header(bytes)?;
    Ok(Message { bytes, delimiters })
}

/// A message whose header has been read; segments and fields are read on demand.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    bytes: &'a [u8],
    delimiters: Delimiters,
}

impl<'a> Message<'a> {
    /// The message's delimiters.
    pub fn delimiters(&self) -> &Delimiters {
        &self.delimiters
    }

    /// The message's segments.
    pub fn segments(&self) -> Segments<'a> {
        Segments::new(self.bytes)
    }

    /// The raw bytes of the message.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_come_from_msh_1_and_msh_2() {
        let d = Delimiters::from_header(b"MSH#!@$%*#A").unwrap();
        assert_eq!(d.field, b'#');
        assert_eq!(d.component, b'!');
        assert_eq!(d.repetition, b'@');
        assert_eq!(d.escape, Some(b'$'));
        assert_eq!(d.subcomponent, b'%');
        assert_eq!(d.truncation, Some(b'*'));
    }

    #[test]
    fn encoding_characters_must_be_distinct_non_alphanumeric() {
        assert_eq!(
            Delimiters::from_header(b"MSH|^^\\&|"),
            Err(HeaderError::BadEncodingCharacters)
        );
        assert_eq!(
            Delimiters::from_header(b"MSH|^A\\&|"),
            Err(HeaderError::BadEncodingCharacters)
        );
        assert_eq!(
            Delimiters::from_header(b"MSH|^~\\&#!|"),
            Err(HeaderError::BadEncodingCharacters)
        );
        assert_eq!(
            Delimiters::from_header(b"PID|"),
            Err(HeaderError::NotAHeader)
        );
    }

    #[test]
    fn msh_fields_are_numbered_from_the_field_separator() {
        let d = Delimiters::default();
        let seg = Segments::new(b"MSH|^~\\&|A|B").next().unwrap();
        let fields: Vec<_> = seg.fields(&d).collect();
        assert_eq!(
            fields,
            [
                (1, &b"|"[..]),
                (2, &b"^~\\&"[..]),
                (3, &b"A"[..]),
                (4, &b"B"[..])
            ]
        );
        let pid = Segments::new(b"PID|1||X").next().unwrap();
        assert_eq!(pid.field(3, &d), Some(&b"X"[..]));
        assert_eq!(pid.field(4, &d), None);
    }

    #[test]
    fn unsplit_yields_the_value_whole_and_split_counts_an_empty_value_once() {
        assert_eq!(unsplit(b"a^b", b'&').collect::<Vec<_>>(), [&b"a^b"[..]]);
        assert_eq!(unsplit(b"", b'&').collect::<Vec<_>>(), [&b""[..]]);
        assert_eq!(split(b"", b'&').collect::<Vec<_>>(), [&b""[..]]);
    }

    /// A field's repetitions, their components and subcomponents.
    type Nested = Vec<Vec<Vec<Vec<u8>>>>;

    /// Every field, repetition, component and subcomponent read from the index, in
    /// the order the scanning parser yields them.
    fn nested_by_index(raw: &[u8], d: &Delimiters) -> Vec<(usize, Nested)> {
        let mut index = SegmentIndex::new();
        index.index(raw, d);
        let header = matches!(raw.get(..3), Some(b"MSH" | b"FHS" | b"BHS"));
        let (first, count) = if header {
            (2, index.field_count() + 1)
        } else {
            (1, index.field_count())
        };
        (first..=count)
            .map(|n| {
                let f = index.field(raw, n).unwrap();
                let reps = f
                    .split(d.repetition)
                    .map(|r| {
                        r.split(d.component)
                            .map(|c| {
                                c.split(d.subcomponent)
                                    .map(|s| s.bytes().to_vec())
                                    .collect()
                            })
                            .collect()
                    })
                    .collect();
                (n, reps)
            })
            .collect()
    }

    fn nested_by_scan(raw: &[u8], d: &Delimiters) -> Vec<(usize, Nested)> {
        let seg = Segment { raw, offset: 0 };
        seg.fields(d)
            .filter(|(n, _)| !(seg.is_header() && *n == 1))
            .map(|(n, f)| {
                let reps = split(f, d.repetition)
                    .map(|r| {
                        split(r, d.component)
                            .map(|c| split(c, d.subcomponent).map(<[u8]>::to_vec).collect())
                            .collect()
                    })
                    .collect();
                (n, reps)
            })
            .collect()
    }

    #[test]
    fn the_index_reads_every_level_as_the_scanning_parser_does() {
        let d = Delimiters::default();
        let cases: [&[u8]; 13] = [
            b"PID|\xfc\x7c\xde\xfe^\x80\x00\x01|x\xa6\x5e\xfe\x7e\x01\x00\x00&\xff|",
            b"PID|1||100001^^^HOSP^MR~200002^^^STATE^SS||TESTPATIENT^ALEX^Q^JR||19800101|U",
            b"OBX|1|NM|2345-7^GLUCOSE^LN||93|mg/dL^mg/dL^UCUM|70-99|N|||F|||20240102030405-0500|LAB^GENERAL LAB",
            b"MSH|^~\\&|LAB|GH|EHR|GH|20240102030405-0500||ORU^R01^ORU_R01|1|P|2.5.1",
            b"PID",
            b"PID|",
            b"PID||",
            b"ZZZ|a&b&c^d~e^f&&|",
            b"NTE|1||a\\F\\b^c",
            b"OBX|1|ED|x||^AP^PDF^Base64^QUJD",
            b"AL1|1|DA|PCN^PENICILLIN^L|MO|RASH|20100101|||||||||||||||||||||||||||||||",
            b"PV1|1|I|WARD1^101^A^GENERAL HOSPITAL||||2001^DOCTOR^PAT^^^DR|||MED|",
            b"XYZ|~~~|^^^|&&&|",
        ];
        for raw in cases {
            assert_eq!(nested_by_index(raw, &d), nested_by_scan(raw, &d), "{raw:?}");
        }
        // Delimiters other than the defaults, and no subcomponent separator declared
        // (the field separator stands in for it).
        let msh = b"MSH#!@$%#A#B!C@D!E%F";
        let odd = Delimiters::from_header(msh).unwrap();
        assert_eq!(nested_by_index(msh, &odd), nested_by_scan(msh, &odd));
        let msh = b"MSH|^~|A^B~C&D|E";
        let two = Delimiters::from_header(msh).unwrap();
        assert_eq!(two.subcomponent, b'|');
        assert_eq!(nested_by_index(msh, &two), nested_by_scan(msh, &two));
        let mut index = SegmentIndex::new();
        index.index(b"PID|1|a\\E\\b", &d);
        assert!(index.has_escape());
        assert!(!index.has_repetition());
        index.index(b"PID|1|a~b&c", &d);
        assert!(!index.has_escape());
        assert!(index.has_repetition() && index.has_subcomponent());
    }

    #[test]
    fn segment_terminators_cr_lf_and_crlf_are_all_accepted() {
        let mut s = Segments::new(b"A|1\rB|2\nC|3\r\nD|4");
        let ids: Vec<_> = s.by_ref().map(|s| s.raw()).collect();
        assert_eq!(ids, [&b"A|1"[..], b"B|2", b"C|3", b"D|4"]);
        assert!(s.saw_line_feed());
    }
}
