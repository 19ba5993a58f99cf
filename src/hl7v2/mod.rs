//! HL7 v2.x over MLLP: framing, a zero-copy parser, validation against the bundled
//! definitions of versions 2.1 to 2.8.2, and datetimes.
//!
//! The module is split the way a message travels:
//! - [`mllp`]: frames (`0x0B … 0x1C 0x0D`), bare messages and capture streams;
//! - [`parse`]: delimiters, segments, fields, repetitions, components, all borrowed;
//! - [`escape`]: escape sequences, checked in place and decoded only on demand;
//! - `schema`: the generated definitions (`schemas/hl7v2/`), loaded once per version;
//! - `validate`: the rules, the exchange metadata and the datetimes of one message.
//!
//! This file splits a payload into messages: MLLP frames, then messages and FHS/BHS
//! batch envelopes inside each frame (or the bare payload), and checks the envelope
//! (HL7 v2.5 section 2.10.3). Each message gets its own report; framing and envelope
//! findings go to the report of the message that follows them.

pub(crate) mod bare;
pub mod escape;
pub mod mllp;
pub mod parse;
mod schema;
mod validate;
pub(crate) use validate::sender_of;

use std::borrow::Cow;

use crate::classify::Sniffed;
use crate::codes::{Code, MESSAGE_COUNT_EXCEEDED};
use crate::cursor::sub;
use crate::emit::Emitter;
use crate::engine::Payload;
use crate::formats::FormatModule;
use crate::report::Format;
use crate::traffic::TrafficType;

use parse::{Delimiters, Segment, Segments};

pub use parse::parse;

pub mod codes {
    //! Diagnostic codes of the HL7 v2 module. Severities follow the conformance tools:
    //! framing, structure, usage and format problems are errors; table values are
    //! warnings; things worth knowing are info.
    crate::codes::define_codes! {
        HL7_MSH_MISSING: Error, "The message does not start with a valid MSH segment (HL7 v2.5.1 section 2.14.9).";
        HL7_ENCODING_CHARACTERS: Error, "MSH-2 does not hold 2 to 5 distinct non-alphanumeric encoding characters (HL7 v2.5 section 2.5.4).";
        HL7_SEGMENT_ID_INVALID: Error, "A segment does not start with a three-character segment id followed by the field separator (HL7 v2.5 section 2.5.1).";
        HL7_SEGMENT_TERMINATOR_LF: Info, "Segments end with a line feed (or CR LF) instead of the carriage return HL7 v2.5 section 2.5.2 specifies; they were accepted.";
        HL7_SEGMENT_COUNT_EXCEEDED: Error, "A message has more segments than the module examines; the rest were not checked.";
        HL7_VERSION_UNKNOWN: Error, "MSH-12 does not name an HL7 v2 version from 2.1 to 2.8.2, so the message could not be checked against a definition.";
        HL7_DEFINITIONS_NEAREST: Info, "The bundled definitions lack this exact version (2.7.1); those of the nearest earlier release of the same minor version were used.";
        HL7_UNKNOWN_MESSAGE_TYPE: Error, "The message type, trigger event or structure in MSH-9 is not defined in the message's version.";
        HL7_STRUCTURE_MISMATCH: Warning, "MSH-9.3 is not a structure of the version (table 0354) or differs from the one the version assigns to the message type and event.";
        HL7_VERSION_MISMATCH: Error, "The message structure is defined in other HL7 v2 versions but not in the one MSH-12 names.";
        HL7_SEGMENT_MISSING: Error, "A segment the message structure requires is missing.";
        HL7_GROUP_MISSING: Error, "A segment group the message structure requires is missing.";
        HL7_SEGMENT_ORDER: Error, "A segment appears where the message structure does not allow it (out of order).";
        HL7_SEGMENT_REPETITION: Error, "A segment repeats more often than the message structure allows.";
        HL7_SEGMENT_UNEXPECTED: Error, "A segment that is not part of the message structure (and not a Z-segment) appears in the message.";
        HL7_Z_SEGMENT: Info, "A locally defined Z-segment was found; it is allowed and not checked.";
        HL7_REQUIRED_FIELD_EMPTY: Error, "A field whose usage is required (R) is empty.";
        HL7_FIELD_WITHDRAWN: Warning, "A field that the message's version has withdrawn (data type WD) is valued.";
        HL7_FIELD_REPETITION: Error, "A field repeats more often than its definition allows.";
        HL7_DATA_TYPE_FORMAT: Error, "A value does not match the lexical form of its data type (NM, SI, ...).";
        HL7_TABLE_VALUE: Warning, "A coded value is not in the HL7 table its field or component refers to.";
        HL7_ED_NOT_DECODED: Warning, "An ED value's data (ED.5) is not Base64 or Hex as ED.4 declares it (table 0299), so it was not decoded or validated as an embedded file; info when ED.4 is A (text).";
        HL7_ESCAPE_INVALID: Error, "A field holds an escape sequence that is unterminated, unknown or malformed (HL7 v2.5 section 2.7).";
        HL7_BATCH_STRUCTURE: Error, "The FHS/BHS/BTS/FTS batch envelope is out of order or incomplete (HL7 v2.5 section 2.10.3).";
        HL7_BATCH_COUNT: Error, "BTS-1 or FTS-1 does not match the number of messages or batches in the envelope.";
        HL7_MLLP_END_BLOCK_MISSING: Error, "An MLLP frame has no end block (0x1C 0x0D) before the next start block or the end of the stream.";
        HL7_MLLP_END_BLOCK_INVALID: Error, "An MLLP end block (0x1C) is not followed by a carriage return (0x0D).";
        HL7_MLLP_BYTES_BETWEEN_FRAMES: Warning, "Bytes other than whitespace were found outside MLLP frames; they were ignored.";
    }
}

use codes::*;

/// HL7 v2, in the format registry: it owns the `hl7v2_mllp` channel.
pub(crate) struct Hl7v2;

impl FormatModule for Hl7v2 {
    fn name(&self) -> &'static str {
        "hl7v2"
    }

    fn codes(&self) -> &'static [Code] {
        codes::CODES
    }

    fn channel(&self) -> Option<TrafficType> {
        Some(TrafficType::Hl7v2Mllp)
    }

    fn validates(&self, format: Format) -> bool {
        format == Format::Hl7v2
    }

    fn sniff(&self, _window: &[u8], text: &[u8]) -> Option<Sniffed> {
        crate::classify::sniff_hl7v2(text)
    }

    fn validate<'a>(&self, payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
        validate(payload, out);
    }
}

/// A framing or envelope finding, kept until the report it belongs to exists.
pub(crate) struct Note {
    pub(crate) code: &'static Code,
    pub(crate) path: &'static str,
    pub(crate) message: Cow<'static, str>,
}

impl Note {
    fn new(code: &'static Code, path: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Note {
            code,
            path,
            message: message.into(),
        }
    }
}

fn is_envelope(id: &[u8]) -> bool {
    matches!(id, b"FHS" | b"BHS" | b"BTS" | b"FTS")
}

/// Messages and envelope segments of one unit (a frame body or a bare payload).
struct Unit<'a> {
    /// Each message's bytes, from its MSH (or first non-envelope segment) to its end.
    messages: Vec<&'a [u8]>,
    /// Envelope segments, each with the number of messages seen before it.
    envelope: Vec<(Segment<'a>, usize)>,
}

fn split_unit(body: &[u8]) -> Unit<'_> {
    let mut messages = Vec::new();
    let mut envelope = Vec::new();
    let mut start: Option<usize> = None;
    for seg in Segments::new(body) {
        let id = seg.id();
        let close = id == b"MSH" || is_envelope(id);
        if close {
            if let Some(message) = start.take().and_then(|s| sub(body, s, seg.offset())) {
                messages.push(message);
            }
        }
        if is_envelope(id) {
            envelope.push((seg, messages.len()));
        } else if start.is_none() {
            start = Some(seg.offset());
        }
    }
    if let Some(message) = start.and_then(|s| sub(body, s, body.len())) {
        messages.push(message);
    }
    Unit { messages, envelope }
}

/// What a BTS-1 or FTS-1 holds.
enum Count {
    /// Nothing: the count is optional.
    Absent,
    /// A whole number.
    Value(u64),
    /// Digits, too many for any count.
    Huge,
    /// Not a whole number: a sign, a decimal point, other text.
    NotWhole,
}

/// The batch envelope (HL7 v2.5 section 2.10.3): `[FHS] {[BHS] {MSH ...} [BTS]} [FTS]`.
fn check_envelope(unit: &Unit<'_>, out: &mut Vec<Note>) {
    check_envelope_of(&unit.envelope, unit.messages.len(), out);
}

/// The envelope check over `envelope` (each segment with the number of messages seen
/// before it) around `message_count` messages; shared by in-memory payloads and the
/// batch runner's streaming split of large batch files.
pub(crate) fn check_envelope_of(
    envelope: &[(Segment<'_>, usize)],
    message_count: usize,
    out: &mut Vec<Note>,
) {
    if envelope.is_empty() {
        return;
    }
    let mut delims = Delimiters::default();
    let mut batch_open: Option<usize> = None; // messages seen when the BHS came
    let mut batches = 0u64;
    let mut file_open = false;
    let mut file_closed = false;
    let has_batch = envelope.iter().any(|(s, _)| s.id() == b"BHS");
    let add = |out: &mut Vec<Note>, code, path: &'static str, message: &'static str| {
        out.push(Note::new(code, path, message));
    };
    // BTS-1 (Batch Message Count) and FTS-1 (File Batch Count) are NM fields (v2.5
    // sections 2.15.3.1 and 2.15.5.1). Empty, they are not checked. A value is a count
    // only as a whole number of digits; anything else (`-1`, `3.0`, text) can never
    // match the envelope, and a number of digits too large for any count is a mismatch.
    let count_of = |seg: &Segment<'_>, d: &Delimiters| -> Count {
        let Some(raw) = seg.field(1, d) else {
            return Count::Absent;
        };
        let text = raw.trim_ascii();
        if text.is_empty() {
            return Count::Absent;
        }
        if !text.iter().all(u8::is_ascii_digit) {
            return Count::NotWhole;
        }
        std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse().ok())
            .map_or(Count::Huge, Count::Value)
    };
    for (index, (seg, before)) in envelope.iter().enumerate() {
        if seg.is_header() {
            match Delimiters::from_header(seg.raw()) {
                Ok(d) => delims = d,
                Err(_) => add(
                    out,
                    &HL7_BATCH_STRUCTURE,
                    "",
                    "a batch header has no usable delimiters in its fields 1 and 2",
                ),
            }
        }
        match seg.id() {
            b"FHS" => {
                if index != 0 || *before != 0 || file_open {
                    add(
                        out,
                        &HL7_BATCH_STRUCTURE,
                        "FHS",
                        "FHS must open the file, before any batch or message",
                    );
                }
                file_open = true;
            }
            b"BHS" => {
                if batch_open.is_some() {
                    add(
                        out,
                        &HL7_BATCH_STRUCTURE,
                        "BTS",
                        "a batch is not closed by BTS before the next BHS",
                    );
                }
                if file_closed {
                    add(out, &HL7_BATCH_STRUCTURE, "BHS", "a batch follows FTS");
                }
                batch_open = Some(*before);
                batches += 1;
            }
            b"BTS" => match batch_open.take() {
                Some(start) => {
                    let inside = before.saturating_sub(start) as u64;
                    match count_of(seg, &delims) {
                        Count::Absent => {}
                        Count::Value(n) if n == inside => {}
                        Count::NotWhole => add(
                            out,
                            &HL7_BATCH_COUNT,
                            "BTS-1",
                            "BTS-1 is not a count of messages (a whole number of digits)",
                        ),
                        Count::Value(_) | Count::Huge => add(
                            out,
                            &HL7_BATCH_COUNT,
                            "BTS-1",
                            "BTS-1 does not match the number of messages in the batch",
                        ),
                    }
                }
                None => add(out, &HL7_BATCH_STRUCTURE, "BTS", "BTS closes no open batch"),
            },
            b"FTS" => {
                if !file_open {
                    add(out, &HL7_BATCH_STRUCTURE, "FTS", "FTS without FHS");
                }
                if batch_open.is_some() {
                    add(
                        out,
                        &HL7_BATCH_STRUCTURE,
                        "BTS",
                        "the last batch is not closed by BTS before FTS",
                    );
                    batch_open = None;
                }
                match count_of(seg, &delims) {
                    Count::Absent => {}
                    Count::Value(n) if n == batches => {}
                    Count::NotWhole => add(
                        out,
                        &HL7_BATCH_COUNT,
                        "FTS-1",
                        "FTS-1 is not a count of batches (a whole number of digits)",
                    ),
                    Count::Value(_) | Count::Huge => add(
                        out,
                        &HL7_BATCH_COUNT,
                        "FTS-1",
                        "FTS-1 does not match the number of batches in the file",
                    ),
                }
                if index + 1 != envelope.len() || *before != message_count {
                    add(
                        out,
                        &HL7_BATCH_STRUCTURE,
                        "FTS",
                        "FTS must close the file, after every batch and message",
                    );
                }
                file_closed = true;
            }
            _ => {}
        }
    }
    if batch_open.is_some() {
        add(
            out,
            &HL7_BATCH_STRUCTURE,
            "BTS",
            "the last batch is not closed by BTS",
        );
    }
    if file_open && !file_closed {
        add(
            out,
            &HL7_BATCH_STRUCTURE,
            "FTS",
            "the file is not closed by FTS",
        );
    }
    if has_batch {
        // Messages outside every BHS..BTS pair.
        let mut inside = vec![false; message_count];
        let mut open = None;
        for (seg, before) in envelope {
            match seg.id() {
                b"BHS" => open = Some(*before),
                b"BTS" => {
                    if let Some(start) = open.take() {
                        for flag in inside.iter_mut().take(*before).skip(start) {
                            *flag = true;
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            for flag in inside.iter_mut().skip(start) {
                *flag = true;
            }
        }
        if inside.iter().any(|i| !i) {
            add(
                out,
                &HL7_BATCH_STRUCTURE,
                "MSH",
                "a message lies outside every BHS/BTS batch",
            );
        }
    }
}

/// Collects one report per message.
struct Collector<'p, 'a> {
    payload: &'p Payload<'a>,
    out: &'p mut Vec<Emitter<'a>>,
    pending: Vec<Note>,
    messages: usize,
    stopped: bool,
}

impl<'a> Collector<'_, 'a> {
    /// A new report of `size` bytes, opened with `notes`, then filled by `f`.
    fn with_report(&mut self, size: u64, notes: &mut Vec<Note>, f: impl FnOnce(&mut Emitter<'a>)) {
        let mut emit = self.payload.emitter(Format::Hl7v2, size);
        for note in notes.drain(..) {
            emit.add(note.code, note.path, note.message.into_owned());
        }
        f(&mut emit);
        self.out.push(emit);
    }

    /// Adds `notes` to the last report, or to a new one if there is none yet.
    fn onto_last(&mut self, size: u64, notes: &mut Vec<Note>) {
        match self.out.last_mut() {
            Some(emit) => {
                for note in notes.drain(..) {
                    emit.add(note.code, note.path, note.message.into_owned());
                }
            }
            None => self.with_report(size, notes, |_| {}),
        }
    }

    /// Counts one more message; false (and the file's last report says so) once the
    /// configured bound is passed.
    fn count_message(&mut self) -> bool {
        let max_messages = self.payload.config().bounds.messages_per_file;
        if self.messages < max_messages {
            self.messages += 1;
            return true;
        }
        self.stopped = true;
        let mut note = vec![Note::new(
            &MESSAGE_COUNT_EXCEEDED,
            "",
            format!("the file holds more than {max_messages} messages; the rest were not examined"),
        )];
        self.onto_last(0, &mut note);
        false
    }

    /// Validates the messages of one unit; `extra` findings (framing, envelope) go to
    /// the unit's first report.
    fn unit(&mut self, body: &[u8], wire_len: u64, mut extra: Vec<Note>) {
        if self.stopped {
            return;
        }
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let unit = split_unit(body);
        // Envelope findings are known only once the whole envelope is seen, so they go
        // to the unit's last report, as in the batch runner's streaming split.
        let mut envelope = Vec::new();
        check_envelope(&unit, &mut envelope);
        extra.append(&mut self.pending);
        if unit.messages.is_empty() {
            // An empty frame counts as a message: a flood of them stays bounded.
            if !self.count_message() {
                return;
            }
            extra.append(&mut envelope);
            self.with_report(wire_len, &mut extra, |emit| {
                emit.add(
                    &HL7_MSH_MISSING,
                    "MSH",
                    "the frame or file holds no message",
                );
            });
            return;
        }
        let single = unit.messages.len() == 1;
        let rules = self.payload.zone_rules();
        let options = validate::Options {
            rules: &rules,
            use_msh7_offset: self.payload.ctx.source.hl7_use_msh7_offset,
            max_segments: self.payload.config().bounds.segments_per_message,
        };
        for message in unit.messages {
            if !self.count_message() {
                return;
            }
            let size = if single {
                wire_len
            } else {
                message.len() as u64
            };
            self.with_report(size, &mut extra, |emit| {
                validate::message(message, emit, &options);
            });
        }
        if !envelope.is_empty() {
            self.onto_last(wire_len, &mut envelope);
        }
    }
}

/// Validates an HL7 v2 payload: one report per message.
fn validate<'a>(payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
    let bytes = payload.bytes;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut c = Collector {
        payload,
        out,
        pending: Vec::new(),
        messages: 0,
        stopped: false,
    };
    let framed = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&mllp::START_BLOCK);
    if framed {
        for piece in mllp::pieces(bytes) {
            if c.stopped {
                break;
            }
            match piece {
                mllp::Piece::Stray { .. } => {
                    // One note per run of stray bytes is enough for its report.
                    if c.pending
                        .iter()
                        .all(|n| n.code != &HL7_MLLP_BYTES_BETWEEN_FRAMES)
                    {
                        c.pending.push(Note::new(
                            &HL7_MLLP_BYTES_BETWEEN_FRAMES,
                            "",
                            "bytes outside MLLP frames were ignored",
                        ));
                    }
                }
                mllp::Piece::Frame {
                    wire,
                    body,
                    terminated,
                    end_cr,
                    ..
                } => {
                    let mut extra = Vec::new();
                    if !terminated {
                        extra.push(Note::new(
                            &HL7_MLLP_END_BLOCK_MISSING,
                            "",
                            "the frame has no end block (0x1C 0x0D)",
                        ));
                    } else if !end_cr {
                        extra.push(Note::new(
                            &HL7_MLLP_END_BLOCK_INVALID,
                            "",
                            "the end block 0x1C is not followed by 0x0D",
                        ));
                    }
                    c.unit(body, wire.len() as u64, extra);
                }
            }
        }
        if !c.pending.is_empty() {
            let mut pending = std::mem::take(&mut c.pending);
            c.onto_last(bytes.len() as u64, &mut pending);
        }
    } else {
        c.unit(bytes, payload.bytes.len() as u64, Vec::new());
    }
}
