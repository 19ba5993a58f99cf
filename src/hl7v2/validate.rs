//! The rules: one message against its version's definitions.
//!
//! What a conformance tool checks, in this order: the header (MSH-1, MSH-2, MSH-9,
//! MSH-12), the abstract message structure (segment groups, order and cardinality,
//! HL7 v2.5 section 2.12), then every segment's fields: usage (required fields), field
//! repetitions, data type formats, coded values against HL7 tables, escape sequences;
//! every DT, DTM and TS value goes through the shared datetime engine.

use std::fmt;

use super::codes::*;
use super::escape;
use super::parse::{split, unsplit, Delimiters, HeaderError, Segment, Segments, Split};
use super::schema::{self, Child, FieldDef, Kind, Version};
use crate::datetime::{self, Syntax, ZoneRules};
use crate::emit::{Claim, Emitter, LazyText};
use crate::report::{ExchangePattern, Party};
use crate::text::Text;
use crate::traffic::Environment;

/// Out-of-place segments reported before structure checking stops.
const MAX_MISPLACED: usize = 64;
/// Group nesting followed when matching a structure (HL7 structures nest < 10 deep).
const MAX_GROUP_DEPTH: u32 = 32;

/// What a message needs from its payload.
pub(crate) struct Options<'a> {
    pub rules: &'a ZoneRules,
    pub use_msh7_offset: bool,
    /// Segments examined per message (`bounds.segments_per_message`).
    pub max_segments: usize,
}

/// A place in the message, printed in the docs/contract.md path syntax (`OBX[3]-14.1.2`).
#[derive(Clone, Copy)]
struct Place<'a> {
    segment: &'a [u8],
    occurrence: u32,
    field: usize,
    component: usize,
    subcomponent: usize,
}

impl Place<'_> {
    /// Appends the path to `out` without the `fmt` machinery: paths are written for
    /// every datetime entry, so this is on the hot path.
    fn write_into(&self, out: &mut String) {
        for &b in self.segment {
            out.push(if b.is_ascii_graphic() { b as char } else { '?' });
        }
        if self.occurrence > 1 {
            out.push('[');
            push_number(out, self.occurrence as usize);
            out.push(']');
        }
        if self.field > 0 {
            out.push('-');
            push_number(out, self.field);
        }
        if self.component > 0 {
            out.push('.');
            push_number(out, self.component);
        }
        if self.subcomponent > 0 {
            out.push('.');
            push_number(out, self.subcomponent);
        }
    }
}

/// Appends the decimal digits of `n`.
fn push_number(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        if let Some(slot) = digits.get_mut(len) {
            *slot = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 || len >= digits.len() {
            break;
        }
    }
    for &d in digits.get(..len).unwrap_or_default().iter().rev() {
        out.push(d as char);
    }
}

/// The value as text: borrowed when it is UTF-8, as it nearly always is, else with
/// replacement characters. `String::from_utf8_lossy` borrows too, but finds out through
/// its chunk decoder a byte at a time; `str::from_utf8` checks a word at a time, and the
/// lossy pass runs only for the rare value that fails it.
fn lossy(value: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(value) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value),
    }
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(16);
        self.write_into(&mut out);
        f.write_str(&out)
    }
}

impl LazyText for Place<'_> {
    fn into_text(self) -> String {
        let mut out = String::with_capacity(16);
        self.write_into(&mut out);
        out
    }
}

fn text(bytes: &[u8]) -> Text {
    Text::from_utf8_lossy(bytes)
}

/// A decoded, owned copy of a value for report metadata.
fn value_text(bytes: &[u8], d: &Delimiters) -> Text {
    match escape::decode(bytes, d) {
        Ok(v) => text(&v),
        Err(_) => text(bytes),
    }
}

/// The system an HD field names (MSH-3 to MSH-6, HL7 v2.5 section 2.A.33): its
/// namespace id, or its universal id when the namespace id is empty.
fn hd_name(value: &[u8], d: &Delimiters) -> Option<Text> {
    let first = split(value, d.repetition).next().unwrap_or_default();
    let mut parts = split(first, d.component);
    let namespace = parts.next().unwrap_or_default();
    let universal = parts.next().unwrap_or_default();
    let chosen = if namespace.is_empty() {
        universal
    } else {
        namespace
    };
    let text = value_text(chosen, d);
    (!text.is_empty()).then_some(text)
}

/// The party named by an application and a facility HD field (MSH-3 and MSH-4, or
/// MSH-5 and MSH-6), if either is set.
fn hd_party(application: &[u8], facility: &[u8], d: &Delimiters) -> Option<Party> {
    let party = Party {
        application: hd_name(application, d),
        facility: hd_name(facility, d),
        ..Party::default()
    };
    (!party.is_empty()).then_some(party)
}

/// The sender the first MSH of `bytes` names (MSH-3, MSH-4), read as validation reads
/// it, without validating anything: the engine binds a message to its source before
/// judging it. MLLP framing and leading white space are skipped.
pub(crate) fn sender_of(bytes: &[u8]) -> Option<Party> {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, 0x0b | b' ' | b'\t' | b'\r' | b'\n'))?;
    let message = super::parse::parse(bytes.get(start..)?).ok()?;
    let d = *message.delimiters();
    let msh = message.segments().next()?;
    hd_party(
        msh.field(3, &d).unwrap_or_default(),
        msh.field(4, &d).unwrap_or_default(),
        &d,
    )
}

fn first_component<'a>(value: &'a [u8], d: &Delimiters) -> &'a [u8] {
    split(value, d.component).next().unwrap_or_default()
}

/// HL7 segment ids are three characters, an upper-case letter then letters or digits
/// (HL7 v2.5 section 2.5.1).
fn valid_segment_id(raw: &[u8], d: &Delimiters) -> bool {
    matches!(raw, [a, b, c, rest @ ..]
        if a.is_ascii_uppercase()
        && (b.is_ascii_uppercase() || b.is_ascii_digit())
        && (c.is_ascii_uppercase() || c.is_ascii_digit())
        && rest.first().is_none_or(|&s| s == d.field))
}

/// The exchange pattern of a message type (docs/contract.md's exchange model).
fn pattern(message_type: &str) -> ExchangePattern {
    match message_type {
        "ACK" | "MCF" | "MFK" | "ORR" | "ORL" | "ORG" | "ORS" | "ORA" | "ORB" | "ORD" | "ORN"
        | "ORP" | "ORI" | "RRA" | "RRD" | "RRE" | "RRG" | "RRI" | "OSR" | "BPS" | "BRP" | "BRT"
        | "BTS" => ExchangePattern::Acknowledgement,
        "QBP" | "QRY" | "QSB" | "QVR" | "QCN" | "QSX" | "VXQ" | "SQM" | "OSQ" | "RQA" | "RQC"
        | "RQI" | "RQP" | "ERQ" | "EQQ" | "SPQ" => ExchangePattern::Query,
        "RSP" | "RTB" | "RDY" | "ADR" | "ORF" | "VXR" | "VXX" | "DSR" | "TBR" | "SQR" | "EDR"
        | "RAR" | "RDR" | "RER" | "RGR" | "ROR" | "RPI" | "RPL" | "RCI" | "RCL" | "RPR" | "RPA"
        | "RCR" => ExchangePattern::QueryResponse,
        _ => ExchangePattern::Notification,
    }
}

/// MSH-11.1 processing ID (HL7 table 0103): P production, T training, D debugging.
fn environment(processing_id: &str) -> Option<Environment> {
    match processing_id {
        "P" => Some(Environment::Production),
        "T" => Some(Environment::Staging),
        "D" => Some(Environment::Development),
        _ => None,
    }
}

/// Fields whose meaning is a calendar date although their type (TS, DTM) may carry a
/// time: a birth or death date is the day on the sender's calendar, and converting a
/// time to UTC must not move it (docs/contract.md, "dates stay dates"). Each is a date
/// of birth or death by the segment definitions of HL7 v2.5.1: PID-7 date/time of birth
/// and PID-29 patient death date and time (section 3.4.2), NK1-16 date/time of birth
/// (3.4.5), GT1-11 guarantor date/time of birth (6.5.5), IN1-18 insured's date of birth
/// (6.5.6). The numbers are the same in every version that has the field.
fn means_calendar_date(place: Place<'_>) -> bool {
    place.subcomponent == 0
        && place.component <= 1
        && matches!(
            (place.segment, place.field),
            (b"PID", 7) | (b"PID", 29) | (b"NK1", 16) | (b"GT1", 11) | (b"IN1", 18)
        )
}

/// Hexadecimal data (table 0299 `Hex`): pairs of hex digits, either case; ASCII
/// whitespace between them is skipped, as base64 decoding skips it. `None` for anything
/// else, in one pass.
fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for &b in text {
        let nibble = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        match high.take() {
            Some(h) => out.push(h << 4 | nibble),
            None => high = Some(nibble),
        }
    }
    high.is_none().then_some(out)
}

fn is_numeric(v: &[u8]) -> bool {
    // HL7 v2.5 section 2.A.47: optional sign, digits, optional decimal point.
    let v = v
        .strip_prefix(b"+")
        .or_else(|| v.strip_prefix(b"-"))
        .unwrap_or(v);
    let mut digits = 0usize;
    let mut points = 0usize;
    for &b in v {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

/// How to check one value: its data type, resolved kind and HL7 table.
#[derive(Clone, Copy)]
struct Ty<'t> {
    kind: Kind,
    data_type: &'t str,
    table: &'t str,
    table_index: Option<u32>,
}

/// Table answers remembered per message.
const MAX_TABLE_ANSWERS: usize = 32;
/// Longest value whose table answer is remembered (coded values are short).
const TABLE_ANSWER_BYTES: usize = 14;

/// Whether an HL7 table holds a value, as [`Version::table_has_at`] answered it.
#[derive(Clone, Copy)]
struct TableAnswer {
    index: u32,
    len: u8,
    value: [u8; TABLE_ANSWER_BYTES],
    known: Option<bool>,
}

impl TableAnswer {
    fn new(index: u32, value: &[u8], known: Option<bool>) -> Option<TableAnswer> {
        let mut copy = [0u8; TABLE_ANSWER_BYTES];
        copy.get_mut(..value.len())?.copy_from_slice(value);
        Some(TableAnswer {
            index,
            len: u8::try_from(value.len()).ok()?,
            value: copy,
            known,
        })
    }

    #[inline]
    fn is(&self, index: u32, value: &[u8]) -> bool {
        self.index == index
            && usize::from(self.len) == value.len()
            && self.value.get(..value.len()) == Some(value)
    }
}

struct Checker<'a, 'r, 'e> {
    v: &'static Version,
    d: Delimiters,
    sink: &'r mut Emitter<'e>,
    rules: &'a ZoneRules,
    /// Segment definitions already looked up in this message, by id.
    definitions: Vec<([u8; 3], Option<&'static [FieldDef]>)>,
    /// Scratch for a datetime's path (`datetime::record` copies what it keeps).
    path: String,
    /// Scratch for a TS value joined as `TS.1^TS.2`.
    joined: Vec<u8>,
    /// Table look-ups already answered in this message: a message repeats the same few
    /// coded values (OBX-2, OBX-11, coding systems), each hashed once.
    answers: Vec<TableAnswer>,
    /// Whether the segment being checked holds a repetition / subcomponent separator
    /// at all: one vectorised search per segment spares re-scanning every field and
    /// component for a separator it cannot contain.
    segment_has_repetition: bool,
    segment_has_subcomponent: bool,
}

impl Checker<'_, '_, '_> {
    /// The pieces of `value` between `sep`, without scanning for a repetition or
    /// subcomponent separator that the segment does not contain.
    fn pieces<'v>(&self, value: &'v [u8], sep: u8) -> Split<'v> {
        let absent = (sep == self.d.repetition && !self.segment_has_repetition)
            || (sep == self.d.subcomponent && !self.segment_has_subcomponent);
        if absent {
            unsplit(value, sep)
        } else {
            split(value, sep)
        }
    }

    fn datetime(&mut self, place: Place<'_>, value: &[u8], syntax: Syntax) {
        self.path.clear();
        place.write_into(&mut self.path);
        let value = lossy(value);
        if means_calendar_date(place) {
            self.sink
                .calendar_date(&self.path, &value, syntax, self.rules);
        } else {
            self.sink.datetime(&self.path, &value, syntax, self.rules);
        }
    }

    /// Checks one value of data type `dt` at `level` (0 field, 1 component,
    /// 2 subcomponent).
    fn value(&mut self, ty: Ty<'_>, value: &[u8], place: Place<'_>, level: u8) {
        let Ty {
            kind,
            data_type: dt,
            table,
            table_index,
        } = ty;
        if value.is_empty() || kind == Kind::Text {
            return;
        }
        let null = value == b"\"\"";
        match kind {
            Kind::Text => {}
            Kind::Date => self.datetime(place, value, Syntax::Hl7v2Date),
            Kind::Time => {
                self.path.clear();
                place.write_into(&mut self.path);
                let value = lossy(value);
                self.sink.time_of_day(&self.path, &value);
            }
            Kind::DateTime => self.datetime(place, value, Syntax::Hl7v2DateTime),
            Kind::Timestamp => {
                // TS.1 and TS.2 (degree of precision, HL7 v2.5 section 2.A.81).
                let sep = if level == 0 {
                    self.d.component
                } else {
                    self.d.subcomponent
                };
                let mut parts = self.pieces(value, sep);
                let ts1 = parts.next().unwrap_or_default();
                let ts2 = if level >= 2 {
                    &[][..]
                } else {
                    parts.next().unwrap_or_default()
                };
                if ts2.is_empty() {
                    self.datetime(place, ts1, Syntax::Hl7v2DateTime);
                } else {
                    let mut joined = std::mem::take(&mut self.joined);
                    joined.clear();
                    joined.extend_from_slice(ts1);
                    joined.push(b'^');
                    joined.extend_from_slice(ts2);
                    self.datetime(place, &joined, Syntax::Hl7v2DateTime);
                    self.joined = joined;
                }
            }
            Kind::Numeric if !null && !is_numeric(value) => self.sink.add(
                &HL7_DATA_TYPE_FORMAT,
                place,
                "an NM value must be an optionally signed decimal number (HL7 v2.5 section 2.A.47)",
            ),
            Kind::SequenceId if !null && !value.iter().all(u8::is_ascii_digit) => self.sink.add(
                &HL7_DATA_TYPE_FORMAT,
                place,
                "an SI value must be a non-negative integer (HL7 v2.5 section 2.A.72)",
            ),
            Kind::Coded if !null => {
                if let Some(index) = table_index {
                    self.table(table, index, value, place);
                }
            }
            Kind::Numeric | Kind::SequenceId | Kind::Coded => {}
            Kind::Composite(index) => {
                if level >= 2 {
                    return;
                }
                let Some(components) = self.v.composite(index) else {
                    return;
                };
                let sep = if level == 0 {
                    self.d.component
                } else {
                    self.d.subcomponent
                };
                let mut coding_system: &[u8] = &[];
                let mut first: &[u8] = &[];
                let mut encoding: &[u8] = &[];
                let mut data: &[u8] = &[];
                for (i, part) in self.pieces(value, sep).enumerate() {
                    match i {
                        0 => first = part,
                        2 => coding_system = part,
                        3 => encoding = part,
                        4 => data = part,
                        _ => {}
                    }
                    let Some(def) = components.get(i) else {
                        break; // extra components are ignored by receivers (section 2.11)
                    };
                    let mut inner = place;
                    if level == 0 {
                        inner.component = i + 1;
                    } else {
                        inner.subcomponent = i + 1;
                    }
                    let ty = Ty {
                        kind: def.2,
                        data_type: def.0,
                        table: def.1,
                        table_index: def.3,
                    };
                    self.value(ty, part, inner, level + 1);
                }
                if dt == "ED" {
                    self.encapsulated(encoding, data, place, level);
                }
                // Coded elements name their code system in component 3; an HL7 table
                // named there is checked (HL7 v2.5 section 2.A.8).
                let Some(index) = table_index else {
                    return;
                };
                if matches!(dt, "CE" | "CWE" | "CNE" | "CF")
                    && !first.is_empty()
                    && coding_system.len() == 3 + table.len()
                    && coding_system.starts_with(b"HL7")
                    && coding_system.get(3..) == Some(table.as_bytes())
                {
                    let mut inner = place;
                    if level == 0 {
                        inner.component = 1;
                    } else {
                        inner.subcomponent = 1;
                    }
                    self.table(table, index, first, inner);
                }
            }
        }
    }

    /// ED (encapsulated data, v2.5.1 section 2.A.24): ED.5 is queued as an embedded
    /// file, decoded as ED.4 declares (table 0299: `Base64`, `Hex`, `A` for none), so it
    /// is held to the embedded-file limit and validated like any other carried file.
    ///
    /// HL7 escape sequences are decoded in ED.5 first: section 2.7 applies to every
    /// text-bearing component, and a sender must escape any delimiter its data holds.
    /// Base64 and hexadecimal need none, but senders do break long data with `\X0D\`
    /// or `\.br\`; what such escapes decode to is whitespace, which both decodings skip.
    /// An escape that does not decode is already `HL7_ESCAPE_INVALID`; the data is then
    /// taken as sent.
    fn encapsulated(&mut self, encoding: &[u8], data: &[u8], place: Place<'_>, level: u8) {
        if data.is_empty() || data == b"\"\"" {
            return;
        }
        let mut at = place;
        if level == 0 {
            at.component = 5;
        } else {
            at.subcomponent = 5;
        }
        let bytes = escape::decode(data, &self.d).unwrap_or(std::borrow::Cow::Borrowed(data));
        match encoding {
            b"Base64" => self.sink.embed_base64(at, bytes.into_owned()),
            b"Hex" => match decode_hex(&bytes) {
                Some(decoded) => self.sink.embed_decoded(at, decoded),
                None => self.sink.add(
                    &HL7_DATA_TYPE_FORMAT,
                    at,
                    "ED.5 declared Hex (ED.4, table 0299) is not pairs of hexadecimal digits (HL7 v2.5.1 section 2.A.24.4)",
                ),
            },
            b"A" => self.sink.add_as(
                &HL7_ED_NOT_DECODED,
                crate::report::Severity::Info,
                at,
                "ED.4 declares no encoding (A, table 0299): the data is text, not validated as an embedded file",
            ),
            _ => self.sink.add(
                &HL7_ED_NOT_DECODED,
                at,
                "ED.4 does not declare Base64 or Hex (table 0299); the data was not decoded or validated as an embedded file",
            ),
        }
    }

    fn table(&mut self, table: &str, index: u32, value: &[u8], place: Place<'_>) {
        let known = match self.answers.iter().find(|a| a.is(index, value)) {
            Some(answer) => answer.known,
            None => {
                let known = self.v.table_has_at(index, value);
                if self.answers.len() < MAX_TABLE_ANSWERS {
                    if let Some(answer) = TableAnswer::new(index, value, known) {
                        self.answers.push(answer);
                    }
                }
                known
            }
        };
        if known == Some(false) {
            let version = self.v.name;
            self.sink.add(&HL7_TABLE_VALUE, place, || {
                let mut m = String::with_capacity(48 + table.len() + version.len());
                m.push_str("the value is not in HL7 table ");
                m.push_str(table);
                m.push_str(" (version ");
                m.push_str(version);
                m.push(')');
                m
            });
        }
    }

    fn segment(&mut self, seg: &Segment<'_>, occurrence: u32) {
        let id = seg.id();
        let key = [
            id.first().copied().unwrap_or(0),
            id.get(1).copied().unwrap_or(0),
            id.get(2).copied().unwrap_or(0),
        ];
        let cached = self
            .definitions
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, d)| *d);
        let defs = match cached {
            Some(defs) => defs,
            None => {
                let defs = self.v.segment(id);
                self.definitions.push((key, defs));
                defs
            }
        };
        let Some(defs) = defs else {
            return;
        };
        let header = seg.is_header();
        self.segment_has_repetition = memchr::memchr(self.d.repetition, seg.raw()).is_some();
        self.segment_has_subcomponent = memchr::memchr(self.d.subcomponent, seg.raw()).is_some();
        let escapes = self
            .d
            .escape
            .is_some_and(|e| memchr::memchr(e, seg.raw()).is_some());
        // OBX-5's data type is the one OBX-2 names (HL7 v2.5 section 7.4.2.2).
        let obx_type = if id == b"OBX" {
            seg.field(2, &self.d)
        } else {
            None
        };
        let base = Place {
            segment: id,
            occurrence,
            field: 0,
            component: 0,
            subcomponent: 0,
        };
        for (n, raw) in seg.fields(&self.d) {
            if header && n <= 2 {
                continue; // MSH-1 and MSH-2 are the delimiters themselves
            }
            let Some(def) = n.checked_sub(1).and_then(|i| defs.get(i)) else {
                break; // fields beyond the definition are ignored (section 2.11)
            };
            let place = Place { field: n, ..base };
            if raw.is_empty() {
                if def.min() > 0 {
                    self.sink.add(
                        &HL7_REQUIRED_FIELD_EMPTY,
                        place,
                        "a required field is empty",
                    );
                }
                continue;
            }
            if def.data_type() == "WD" || def.max() == Some(0) {
                let version = self.v.name;
                self.sink.add(&HL7_FIELD_WITHDRAWN, place, || {
                    format!("the field is withdrawn in version {version} and should not be valued")
                });
                continue;
            }
            if escapes {
                if let Err(e) = escape::check(raw, &self.d) {
                    self.sink.add(&HL7_ESCAPE_INVALID, place, e.describe());
                }
            }
            let (kind, dt) = match (obx_type, n) {
                (Some(t), 5) => {
                    let dt = std::str::from_utf8(first_component(t, &self.d)).unwrap_or("");
                    (self.v.kind_of(dt), dt)
                }
                _ => (def.kind(), def.data_type()),
            };
            let max = def.max();
            for (index, rep) in self.pieces(raw, self.d.repetition).enumerate() {
                if max.is_some_and(|m| index as u64 >= m) {
                    self.sink.add(&HL7_FIELD_REPETITION, place, || {
                        format!(
                            "the field repeats more than {} time(s)",
                            max.unwrap_or_default()
                        )
                    });
                    break;
                }
                let ty = Ty {
                    kind,
                    data_type: dt,
                    table: def.table(),
                    table_index: def.table_index(),
                };
                self.value(ty, rep, place, 0);
            }
        }
    }
}

/// A segment id or group name against a segment id, compared inline: ids are three
/// bytes, where a call to `memcmp` costs more than the comparison.
#[inline]
fn same_id(name: &str, id: &[u8]) -> bool {
    let name = name.as_bytes();
    name.len() == id.len() && name.iter().zip(id).all(|(a, b)| a == b)
}

/// Structure matching (HL7 v2.5 section 2.12: `[ ]` optional, `{ }` repeating).
/// Greedy, as receivers parse: a group is entered only on a segment that may begin it.
struct Matcher<'v, 's> {
    v: &'v Version,
    ids: &'s [&'s [u8]],
    pos: usize,
    missing: Vec<(&'v str, bool)>,
    /// Enclosing groups, innermost (the one being matched) last: their anchors (first
    /// required segment), with whether they repeat.
    enclosing: Vec<(Option<&'v [u8]>, bool)>,
}

impl<'v> Matcher<'v, '_> {
    fn sequence(&mut self, children: &'v [Child], depth: u32) {
        for child in children {
            let mut count = 0u64;
            loop {
                if child.max().is_some_and(|m| count >= m) {
                    break;
                }
                let Some(&id) = self.ids.get(self.pos) else {
                    break;
                };
                if child.is_group() {
                    let Some(info) = child.group_index().and_then(|i| self.v.group_at(i)) else {
                        break;
                    };
                    if depth >= MAX_GROUP_DEPTH || !info.first.iter().any(|f| same_id(f, id)) {
                        break;
                    }
                    // The anchor (first required segment) of an enclosing repeating group
                    // begins a new occurrence of that group rather than an optional nested
                    // one: ORC after a specimen in OMG_O19 is the next ORDER, not a
                    // PRIOR_RESULT (whose anchor is also ORC). The shallower reading needs
                    // no look-ahead, as receivers parse.
                    if count >= u64::from(child.min())
                        && self
                            .enclosing
                            .iter()
                            .any(|&(anchor, repeats)| repeats && anchor == Some(id))
                    {
                        break;
                    }
                    let before = self.pos;
                    self.enclosing
                        .push((info.anchor.map(str::as_bytes), child.max() != Some(1)));
                    if info.choice {
                        self.choice(&info.children, depth + 1);
                    } else {
                        self.sequence(&info.children, depth + 1);
                    }
                    self.enclosing.pop();
                    if self.pos == before {
                        break;
                    }
                } else if same_id(child.name(), id) {
                    self.pos += 1;
                } else {
                    break;
                }
                count += 1;
            }
            if count < u64::from(child.min()) {
                self.missing.push((child.name(), child.is_group()));
            }
        }
    }
}

impl<'v> Matcher<'v, '_> {
    /// `<A | B | C>`: the first alternative that can start here.
    fn choice(&mut self, children: &'v [Child], depth: u32) {
        let Some(&id) = self.ids.get(self.pos) else {
            return;
        };
        for child in children {
            let fits = if child.is_group() {
                child
                    .group_index()
                    .and_then(|i| self.v.group_at(i))
                    .is_some_and(|info| info.first.iter().any(|f| same_id(f, id)))
            } else {
                same_id(child.name(), id)
            };
            if fits {
                self.sequence(std::slice::from_ref(child), depth);
                return;
            }
        }
    }
}

fn label(id: &[u8], occurrence: u32) -> String {
    Place {
        segment: id,
        occurrence,
        field: 0,
        component: 0,
        subcomponent: 0,
    }
    .into_text()
}

/// Checks the segment sequence against the structure.
fn check_structure(
    v: &Version,
    structure: &[Child],
    known: &[&str],
    segments: &[(Segment<'_>, u32)],
    sink: &mut Emitter<'_>,
) {
    let mut kept: Vec<usize> = Vec::with_capacity(segments.len());
    // Whether an id is in the structure, decided once per distinct id.
    let mut decided: Vec<(&[u8], bool)> = Vec::new();
    for (i, (seg, occurrence)) in segments.iter().enumerate() {
        let id = seg.id();
        let in_structure = match decided.iter().find(|(k, _)| *k == id) {
            Some((_, known_id)) => *known_id,
            None => {
                let known_id = known.iter().any(|k| k.as_bytes() == id);
                decided.push((id, known_id));
                known_id
            }
        };
        if in_structure {
            kept.push(i);
        } else if id.first() == Some(&b'Z') {
            sink.add(
                &HL7_Z_SEGMENT,
                label(id, *occurrence),
                "a locally defined Z-segment; it is not checked (HL7 v2.5 section 2.8.2)",
            );
        } else {
            sink.add(&HL7_SEGMENT_UNEXPECTED, label(id, *occurrence), || {
                format!(
                    "this segment is not part of message structure in version {}",
                    v.name
                )
            });
        }
    }
    let mut misplaced_ids: Vec<&[u8]> = Vec::new();
    let mut misplaced = 0usize;
    loop {
        let ids: Vec<&[u8]> = kept
            .iter()
            .filter_map(|&i| segments.get(i).map(|(s, _)| s.id()))
            .collect();
        let mut m = Matcher {
            v,
            ids: &ids,
            pos: 0,
            missing: Vec::new(),
            enclosing: Vec::new(),
        };
        m.sequence(structure, 0);
        if m.pos >= ids.len() || misplaced >= MAX_MISPLACED {
            if m.pos < ids.len() {
                sink.add(
                    &HL7_SEGMENT_ORDER,
                    "",
                    || format!("more than {MAX_MISPLACED} segments are out of place; the rest of the structure was not checked"));
            }
            for (name, group) in m.missing {
                if misplaced_ids.contains(&name.as_bytes()) {
                    continue; // present, reported out of order
                }
                if group {
                    sink.add(
                        &HL7_GROUP_MISSING,
                        name,
                        "a required segment group is missing (HL7 v2.5 section 2.12)",
                    );
                } else {
                    sink.add(&HL7_SEGMENT_MISSING, name, || {
                        format!("required segment {name} is missing")
                    });
                }
            }
            return;
        }
        let Some(&index) = kept.get(m.pos) else {
            return;
        };
        let Some((seg, occurrence)) = segments.get(index) else {
            return;
        };
        let previous = m
            .pos
            .checked_sub(1)
            .and_then(|p| kept.get(p))
            .and_then(|&i| segments.get(i))
            .map(|(s, _)| s.id());
        if previous == Some(seg.id()) {
            sink.add(
                &HL7_SEGMENT_REPETITION,
                label(seg.id(), *occurrence),
                "the segment repeats more often than the message structure allows",
            );
        } else {
            sink.add(
                &HL7_SEGMENT_ORDER,
                label(seg.id(), *occurrence),
                "the segment is out of order for the message structure",
            );
            misplaced_ids.push(seg.id());
        }
        misplaced += 1;
        kept.remove(m.pos);
    }
}

/// Validates one message (`bytes` from its MSH to its last segment).
pub(crate) fn message(bytes: &[u8], sink: &mut Emitter<'_>, options: &Options<'_>) {
    let d = match super::parse::Delimiters::from_header(bytes) {
        Ok(d) => d,
        Err(HeaderError::NotAHeader) => {
            sink.add(
                &HL7_MSH_MISSING,
                "MSH",
                "the message does not start with an MSH segment and its delimiters",
            );
            return;
        }
        Err(HeaderError::BadEncodingCharacters) => {
            sink.add(
                &HL7_ENCODING_CHARACTERS,
                "MSH-2",
                "MSH-2 must hold 2 to 5 distinct non-alphanumeric encoding characters (HL7 v2.5 section 2.5.4)");
            return;
        }
    };

    // Segments with their occurrence numbers; ids are counted in a small list because a
    // message uses a few dozen distinct ids at most.
    let mut iter = Segments::new(bytes);
    // Sized from the bytes (segments average well over 48 bytes) so that it seldom
    // grows; bounded by the segment cap.
    let mut segments: Vec<(Segment<'_>, u32)> =
        Vec::with_capacity((bytes.len() / 48).clamp(8, options.max_segments.max(8)));
    let mut counts: Vec<(&[u8], u32)> = Vec::with_capacity(16);
    let mut bad_ids = 0u64;
    for seg in iter.by_ref() {
        if segments.len() >= options.max_segments {
            let max = options.max_segments;
            sink.add(&HL7_SEGMENT_COUNT_EXCEEDED, "", || {
                format!("the message has more than {max} segments; the rest were not examined")
            });
            break;
        }
        if !valid_segment_id(seg.raw(), &d) {
            bad_ids += 1;
            if bad_ids <= 16 {
                sink.add(
                    &HL7_SEGMENT_ID_INVALID,
                    || format!("segment {}", segments.len() + 1),
                    "a segment does not start with a three-character id and a field separator (HL7 v2.5 section 2.5.1)");
            }
            continue;
        }
        let id = seg.id();
        let occurrence = match counts.iter_mut().find(|(k, _)| *k == id) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                counts.push((id, 1));
                1
            }
        };
        segments.push((seg, occurrence));
    }
    if iter.saw_line_feed() {
        sink.add(
            &HL7_SEGMENT_TERMINATOR_LF,
            "",
            "segments end with a line feed; HL7 v2.5 section 2.5.2 specifies a carriage return",
        );
    }
    let Some((msh, _)) = segments.first() else {
        return;
    };

    // Header metadata (HL7 v2.5 section 2.14.9).
    let field = |n: usize| msh.field(n, &d).unwrap_or_default();
    let msh9 = field(9);
    let mut parts = split(msh9, d.component);
    let message_type = text(parts.next().unwrap_or_default());
    let event = text(parts.next().unwrap_or_default());
    let declared_structure = text(parts.next().unwrap_or_default());
    let version_name = text(first_component(field(12), &d));
    let processing = text(first_component(field(11), &d));
    {
        let exchange = sink.exchange();
        exchange.version = (!version_name.is_empty()).then(|| version_name.clone());
        exchange.message_type = (!message_type.is_empty()).then(|| message_type.clone());
        exchange.event = (!event.is_empty()).then(|| event.clone());
        exchange.message_id = Some(value_text(field(10), &d)).filter(|s| !s.is_empty());
        exchange.processing_id = (!processing.is_empty()).then(|| processing.clone());
        exchange.sender = hd_party(field(3), field(4), &d);
        exchange.destinations = hd_party(field(5), field(6), &d).into_iter().collect();
        if !message_type.is_empty() {
            exchange.pattern = Some(pattern(&message_type));
        }
        if let Some((msa, _)) = segments.iter().find(|(s, _)| s.id() == b"MSA") {
            let related = msa.field(2, &d).unwrap_or_default();
            exchange.relates_to = Some(value_text(related, &d)).filter(|s| !s.is_empty());
            let code = first_component(msa.field(1, &d).unwrap_or_default(), &d);
            exchange.acknowledgement_code = Some(value_text(code, &d)).filter(|s| !s.is_empty());
        }
    }
    // MSH-11 is required (HL7 v2.5.1 section 2.14.9.11); empty or outside table 0103,
    // the environment rule treats the message as production (fail closed).
    sink.claim_environment(match environment(&processing) {
        Some(environment) => Claim::Environment(environment),
        None if processing.is_empty() => Claim::Missing,
        None => Claim::Malformed,
    });

    let Some((v, exact)) = schema::version(&version_name) else {
        sink.add(
            &HL7_VERSION_UNKNOWN,
            "MSH-12",
            "MSH-12 does not name an HL7 v2 version from 2.1 to 2.8.2; structure and fields were not checked");
        return;
    };
    if !exact {
        sink.add(&HL7_DEFINITIONS_NEAREST, "MSH-12", || {
            format!(
                "no bundled definitions for this exact version; those of {} were used",
                v.name
            )
        });
    }

    let mut rules = options.rules.clone();
    if options.use_msh7_offset {
        let msh7 = String::from_utf8_lossy(first_component(field(7), &d)).into_owned();
        rules.message_offset = datetime::offset_of(&msh7, Syntax::Hl7v2DateTime);
    }

    // Structure: MSH-9.3 where given and defined, else the version's event map
    // (HL7 v2.5 section 2.14.9.9; MSH-9.3 takes its values from table 0354).
    let mapped = v.structure_for(&message_type, &event);
    let declared = (!declared_structure.is_empty()).then_some(declared_structure.as_str());
    let declared_def = declared.and_then(|name| v.structure(name).map(|c| (name, c)));
    let mapped_def = mapped.and_then(|name| v.structure(name).map(|c| (name, c)));
    let chosen = match (declared, declared_def, mapped_def) {
        (_, Some(def), mapped) => {
            if mapped.is_some_and(|(m, _)| Some(m) != declared) {
                sink.add(&HL7_STRUCTURE_MISMATCH, "MSH-9.3", || {
                    format!(
                        "MSH-9.3 names another structure than version {} assigns to this event",
                        v.name
                    )
                });
            }
            Some(def)
        }
        (Some(_), None, Some(def)) => {
            sink.add(
                &HL7_STRUCTURE_MISMATCH,
                "MSH-9.3",
                || format!("MSH-9.3 is not a structure of version {} (table 0354); the event's structure was used", v.name));
            Some(def)
        }
        (None, None, Some(def)) => Some(def),
        (_, None, None) if message_type.is_empty() => None, // reported as a required field
        (Some(name), None, None) => {
            if schema::all().any(|o| o.structure(name).is_some()) {
                sink.add(
                    &HL7_VERSION_MISMATCH,
                    "MSH-12",
                    || format!("the message structure is not defined in version {}, only in other versions", v.name));
            } else {
                sink.add(
                    &HL7_UNKNOWN_MESSAGE_TYPE,
                    "MSH-9.3",
                    "no HL7 v2 version defines this message structure",
                );
            }
            None
        }
        (None, None, None) => {
            let own = format!("{message_type}_{event}");
            if schema::all().any(|o| {
                o.structure_for(&message_type, &event).is_some() || o.structure(&own).is_some()
            }) {
                sink.add(
                    &HL7_VERSION_MISMATCH,
                    "MSH-12",
                    || format!("version {} defines no structure for this message type and event; other versions do", v.name));
            } else {
                sink.add(&HL7_UNKNOWN_MESSAGE_TYPE, "MSH-9", || {
                    format!(
                        "version {} defines no message structure for this message type and event",
                        v.name
                    )
                });
            }
            None
        }
    };
    sink.exchange().structure = chosen.map(|(name, _)| Text::from(name));
    if let Some((name, children)) = chosen {
        check_structure(v, children, v.structure_ids(name), &segments, sink);
    }

    let mut checker = Checker {
        v,
        d,
        sink,
        rules: &rules,
        definitions: Vec::with_capacity(16),
        path: String::with_capacity(32),
        joined: Vec::new(),
        answers: Vec::with_capacity(MAX_TABLE_ANSWERS),
        segment_has_repetition: true,
        segment_has_subcomponent: true,
    };
    for (seg, occurrence) in &segments {
        if checker.sink.should_stop() {
            break;
        }
        checker.segment(seg, *occurrence);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_design_syntax() {
        let p = Place {
            segment: b"OBX",
            occurrence: 3,
            field: 14,
            component: 1,
            subcomponent: 2,
        };
        assert_eq!(p.to_string(), "OBX[3]-14.1.2");
        let p = Place {
            segment: b"PID",
            occurrence: 1,
            field: 7,
            component: 0,
            subcomponent: 0,
        };
        assert_eq!(p.to_string(), "PID-7");
        let p = Place {
            segment: b"OBX",
            occurrence: 290_001,
            field: 10,
            component: 0,
            subcomponent: 0,
        };
        assert_eq!(p.into_text(), "OBX[290001]-10");
    }

    #[test]
    fn hex_data_decodes_in_pairs() {
        assert_eq!(
            decode_hex(b"4a4B 0d\n0a"),
            Some(vec![0x4a, 0x4b, 0x0d, 0x0a])
        );
        assert_eq!(decode_hex(b"abc"), None);
        assert_eq!(decode_hex(b"zz"), None);
        assert_eq!(decode_hex(b""), Some(Vec::new()));
    }

    #[test]
    fn numeric_values_follow_section_2_a_47() {
        assert!(is_numeric(b"-1.5"));
        assert!(is_numeric(b"+12"));
        assert!(is_numeric(b".5"));
        assert!(!is_numeric(b"1.2.3"));
        assert!(!is_numeric(b"12a"));
        assert!(!is_numeric(b"-"));
    }

    #[test]
    fn patterns_of_query_response_ack_and_notification() {
        assert_eq!(pattern("QBP"), ExchangePattern::Query);
        assert_eq!(pattern("RSP"), ExchangePattern::QueryResponse);
        assert_eq!(pattern("ACK"), ExchangePattern::Acknowledgement);
        assert_eq!(pattern("ORU"), ExchangePattern::Notification);
    }
}
