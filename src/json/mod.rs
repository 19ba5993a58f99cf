//! Redox API JSON: the Redox Data Model API and the Redox FHIR API (FHIR R4).
//!
//! One pipeline for both: the bytes are checked as UTF-8 (RFC 8259 section 8.1), parsed
//! by our own borrowing parser ([`parse`]) which keeps string spans, numbers as written
//! and duplicate keys, then dispatched on content: a top-level `Meta` object is a Redox
//! Data Model message ([`redox`]), a `resourceType` is FHIR R4 ([`fhir`]), anything else
//! is plain JSON (syntax only). Datetimes are canonicalized through the one datetime
//! engine at the paths the schemas declare, and each replacement is remembered as a byte
//! range so that [`canonical_document`] can write the document back with canonical
//! values and nothing else changed ([`canonical`]).
//!
//! NDJSON: when the first JSON value is followed by more values on later lines, every
//! non-empty line is a message of its own, with its own report.

pub mod canonical;
pub mod fhir;
pub(crate) mod parse;
pub(crate) mod pointer;
pub mod redox;
mod shape;

use crate::classify::Sniffed;
use crate::codes::Code;
use crate::datetime::{Syntax, ZoneRules};
use crate::emit::Emitter;
use crate::engine::Payload;
use crate::formats::FormatModule;
use crate::report::Format;
use crate::traffic::TrafficType;

use parse::{ParseError, Str, Value};

pub use canonical::{canonical_document, CanonicalError};

pub mod codes {
    //! Diagnostic codes of the JSON module (`JSON_` for the syntax layer, `REDOX_` for
    //! the Redox Data Model, `FHIR_` for FHIR R4).
    crate::codes::define_codes! {
        JSON_SYNTAX_ERROR: Error, "The payload is not well-formed JSON (RFC 8259).";
        JSON_INVALID_UTF8: Error, "The payload is not valid UTF-8, which RFC 8259 section 8.1 requires of JSON exchanged between systems.";
        JSON_ENCODING_UNSUPPORTED: Error, "The JSON text is in UTF-16 or UTF-32 (told by its byte order mark or its zero bytes, RFC 4627 section 3); RFC 8259 section 8.1 requires UTF-8 between systems, so it was not read.";
        JSON_DEPTH_EXCEEDED: Error, "Arrays and objects nest deeper than the bound; the document was not examined further.";
        JSON_DUPLICATE_KEY: Error, "An object repeats a member name; receivers disagree on which value wins (RFC 8259 section 4).";
        JSON_NOT_AN_OBJECT: Error, "The top-level JSON value is not an object; Redox and FHIR messages are objects.";
        JSON_NUMBER_OUT_OF_RANGE: Warning, "A number cannot be represented as a 64-bit float; it was kept as written, and a receiver that reads numbers as 64-bit floats will not see it as sent.";
        REDOX_META_MISSING: Error, "A Redox Data Model message has no Meta object.";
        REDOX_META_INVALID: Error, "A Meta field is missing or has the wrong type (DataModel, EventType, EventDateTime, Test, Source, Destinations, Logs, FacilityCode).";
        REDOX_DATA_MODEL_UNKNOWN: Error, "Meta.DataModel names no Redox data model in the catalogue.";
        REDOX_EVENT_TYPE_UNKNOWN: Error, "Meta.EventType is not an event type of the message's data model.";
        REDOX_DESTINATIONS_INVALID: Error, "Meta.Destinations breaks the exchange rule: at least one when sending, exactly one on a query.";
        REDOX_SCHEMA_VIOLATION: Error, "The message body breaks the data model's schema (schemas/redox).";
        REDOX_SCHEMA_NOT_AVAILABLE: Info, "The data model is in the catalogue but has no body schema yet; only Meta and declared datetimes were checked.";
        REDOX_DATE_WITH_MIDNIGHT: Warning, "A date-only field carries an invented midnight time, which shifts the date when converted across zones.";
        REDOX_FILE_REFERENCE: Info, "A file field holds a URI (a file uploaded to Redox beforehand) rather than base64 content; the file itself was not checked.";
        FHIR_RESOURCE_TYPE_MISSING: Error, "A FHIR resource has no resourceType (FHIR R4 JSON representation, section 2.6.2).";
        FHIR_RESOURCE_TYPE_UNKNOWN: Error, "resourceType names no FHIR R4 resource type.";
        FHIR_UNKNOWN_ELEMENT: Error, "A member is not an element of its FHIR R4 type.";
        FHIR_TYPE_MISMATCH: Error, "An element's JSON type does not match its FHIR R4 data type.";
        FHIR_CARDINALITY: Error, "An element breaks its cardinality: required and missing, an array where one value is allowed, a single value where an array is required, or an empty array.";
        FHIR_CODE_INVALID: Error, "A code is not in the value set its element is bound to with required strength.";
        FHIR_PRIMITIVE_INVALID: Error, "A primitive value breaks its FHIR R4 data type's format (regex, integer range, empty string).";
        FHIR_CHOICE_CONFLICT: Error, "A choice element (`[x]`) is given with more than one type.";
        FHIR_REQUIRED_CODE_ABSENT: Error, "A code bound to a required value set is given only through its `_` extension twin, with no code (FHIR R4 section 4.1.5: the code SHALL come from the value set).";
        FHIR_PRIMITIVE_ARRAY_MISALIGNED: Error, "A repeating primitive and its `_` twin array do not line up: different lengths, or a position null in both, or a null with no counterpart (FHIR R4 JSON representation, section 2.6.2).";
        FHIR_STRING_TOO_LONG: Error, "A FHIR string is longer than 1024*1024 characters, the maximum of the string data type (FHIR R4 section 2.24.0.1).";
    }
}

/// How deep arrays and objects may nest. serde_json stops at 128; FHIR needs far less
/// (the deepest official example nests about 20 levels).
pub(crate) const MAX_DEPTH: usize = 128;

/// A string value to replace in the canonical document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rewrite {
    /// Byte range of the string token (quotes included) in the document.
    pub range: std::ops::Range<usize>,
    /// The canonical value (plain ASCII; written with quotes).
    pub canonical: String,
}

/// What validators share while walking one document: the emitter, the zone rules for
/// datetimes, and the rewrites for the canonical document.
pub(crate) struct Walk<'e, 'r> {
    pub emit: &'r mut Emitter<'e>,
    pub rules: &'r ZoneRules,
    pub rewrites: Vec<Rewrite>,
    /// Whether embedded files are queued (not when only rewriting datetimes).
    pub embed: bool,
    /// The address of the parsed text, which token ranges are measured from.
    pub base: usize,
}

impl Walk<'_, '_> {
    /// Canonicalizes the datetime string `s` at `path` through the datetime engine and
    /// remembers the replacement when the canonical value differs.
    pub fn datetime(&mut self, path: &str, s: &Str<'_>, syntax: Syntax) {
        let value = s.value();
        if let Some(canonical) = self.emit.datetime(path, &value, syntax, self.rules) {
            if canonical != &*value {
                self.rewrites.push(Rewrite {
                    range: s.token_range(self.base),
                    canonical: canonical.to_owned(),
                });
            }
        }
    }

    /// [`Walk::datetime`] for a field whose meaning is a calendar date: a time that would
    /// move the day in UTC leaves the date as sent.
    pub fn calendar_date(&mut self, path: &str, s: &Str<'_>, syntax: Syntax) {
        let value = s.value();
        if let Some(canonical) = self.emit.calendar_date(path, &value, syntax, self.rules) {
            if canonical != &*value {
                self.rewrites.push(Rewrite {
                    range: s.token_range(self.base),
                    canonical: canonical.to_owned(),
                });
            }
        }
    }

    /// Queues base64 text found at `path` as an embedded file. The engine holds it to
    /// the `embedded_file` limit on its decoded size, decodes it and validates what it
    /// holds. Its shape is checked here first ([`base64_shape_problem`]): whitespace
    /// only between 4-character groups, padding only to complete the last group; text
    /// of another shape is refused at its carrier, with no file queued.
    pub fn embedded_base64(&mut self, path: &str, s: &Str<'_>) {
        if !self.embed {
            return;
        }
        let text = s.value();
        if let Some(problem) = base64_shape_problem(text.as_bytes()) {
            self.emit
                .add(&crate::codes::EMBEDDED_BASE64_INVALID, path, problem);
            return;
        }
        self.emit.embed_base64(path, text.into_owned().into_bytes());
    }
}

/// What is wrong with the shape of base64 text, if anything: whitespace inside a
/// 4-character group, or padding that RFC 4648 section 4 does not allow (`=` only at
/// the end, at most two, completing the last group of four). Line-wrapped base64 (MIME,
/// RFC 2045 section 6.8: lines of 76 characters) and FHIR's base64Binary format
/// (`(\s*([0-9a-zA-Z\+\=]){4}\s*)+`, R4 section 2.24.0.1) break only between groups.
/// The alphabet itself is the decoder's to check. One pass, no allocation.
pub(crate) fn base64_shape_problem(text: &[u8]) -> Option<&'static str> {
    let mut in_group: u8 = 0;
    let mut pads: u8 = 0;
    for &b in text {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                if in_group != 0 {
                    return Some("the base64 text has whitespace inside a 4-character group (RFC 4648 section 3.3; only line breaks between groups are tolerated)");
                }
            }
            b'=' => {
                pads += 1;
                if pads > 2 {
                    return Some(
                        "the base64 text has more than two padding characters (RFC 4648 section 4)",
                    );
                }
                in_group = (in_group + 1) % 4;
            }
            _ if pads > 0 => {
                return Some("the base64 text continues after its padding (RFC 4648 section 4)");
            }
            _ => in_group = (in_group + 1) % 4,
        }
    }
    if pads > 0 && in_group != 0 {
        return Some(
            "the base64 padding does not complete a group of four characters (RFC 4648 section 4)",
        );
    }
    None
}

/// JSON (Redox Data Model and FHIR R4), in the format registry: it owns the
/// `redox_api` channel.
pub(crate) struct Json;

impl FormatModule for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn codes(&self) -> &'static [Code] {
        codes::CODES
    }

    fn channel(&self) -> Option<TrafficType> {
        Some(TrafficType::RedoxApi)
    }

    fn validates(&self, format: Format) -> bool {
        matches!(
            format,
            Format::RedoxDataModel | Format::FhirR4 | Format::Json
        )
    }

    fn sniff(&self, _window: &[u8], text: &[u8]) -> Option<Sniffed> {
        crate::classify::sniff_json_text(text)
    }

    fn validate<'a>(&self, payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
        validate(payload, out);
    }
}

/// Validates a JSON payload: one report per document (per NDJSON line).
fn validate<'a>(payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
    let rules = payload.zone_rules();
    let max_messages = payload.config().bounds.messages_per_file;
    let redox_channel = payload.traffic == TrafficType::RedoxApi;
    // RFC 8259 section 8.1: JSON exchanged between systems is UTF-8. A UTF-16 or UTF-32
    // text is recognised as such and refused whole, never parsed as bytes.
    use crate::xml::encoding::{detect, Detected};
    if let wide @ (Detected::Utf16 { .. } | Detected::Utf32) = detect(payload.bytes) {
        let format = match payload.sniffed.format {
            f @ (Format::RedoxDataModel | Format::FhirR4) => f,
            _ => Format::Json,
        };
        let mut emit = payload.emitter(format, payload.bytes.len() as u64);
        emit.add(&codes::JSON_ENCODING_UNSUPPORTED, "", || {
            format!(
                "the JSON text is {}; RFC 8259 section 8.1 requires UTF-8 between systems, so it was not read",
                wide.name()
            )
        });
        out.push(emit);
        return;
    }
    for document in documents(payload.bytes, true, max_messages) {
        let mut emit = payload.emitter(Format::Json, document.size);
        match document.kind {
            DocumentKind::Text(text) => {
                check_document(text, &rules, &mut emit, true, redox_channel);
            }
            DocumentKind::Problem(code, message) => {
                emit.add(code, "", message);
            }
        }
        out.push(emit);
    }
}

/// Validates one JSON document and returns the rewrites its canonical form needs.
/// `embed` queues embedded files; `redox_channel` says the document came on the Redox
/// API channel, which expects a Redox or FHIR document.
pub(crate) fn check_document(
    text: &str,
    rules: &ZoneRules,
    emit: &mut Emitter<'_>,
    embed: bool,
    redox_channel: bool,
) -> Vec<Rewrite> {
    let parsed = match parse::parse(text, MAX_DEPTH) {
        Ok(parsed) => parsed,
        Err(e) => {
            add_parse_error(text, &e, emit);
            return Vec::new();
        }
    };
    if parsed.end < text.len() {
        let (line, column) = parse::line_column(text, parsed.end);
        emit.add(&codes::JSON_SYNTAX_ERROR, "", || {
            format!("unexpected text after the JSON value at line {line} column {column}")
        });
        return Vec::new();
    }
    for path in &parsed.duplicates {
        emit.add(
            &codes::JSON_DUPLICATE_KEY,
            path.as_str(),
            "the member name repeats an earlier member of the same object",
        );
    }
    if parsed.duplicate_count > parsed.duplicates.len() {
        let more = parsed.duplicate_count - parsed.duplicates.len();
        emit.add(&codes::JSON_DUPLICATE_KEY, "", || {
            format!("{more} more repeated member names were not listed")
        });
    }
    let root = parsed.value;
    let mut walk = Walk {
        emit,
        rules,
        rewrites: Vec::new(),
        embed,
        base: text.as_ptr() as usize,
    };
    match &root {
        Value::Object(_) if root.get("Meta").is_some() => {
            walk.emit.set_format(Format::RedoxDataModel);
            redox::validate(&root, &mut walk);
        }
        Value::Object(_) if root.get("resourceType").is_some() => {
            walk.emit.set_format(Format::FhirR4);
            fhir::validate(&root, &mut walk);
        }
        Value::Object(_) => {
            // Plain JSON on a JSON channel; a Redox channel expects Meta or resourceType.
            if redox_channel {
                walk.emit.add(
                    &codes::REDOX_META_MISSING,
                    "",
                    "the object has neither a Meta object (Redox Data Model) nor a resourceType (FHIR R4)");
            }
        }
        other => {
            let kind = other.kind();
            walk.emit.add(&codes::JSON_NOT_AN_OBJECT, "", || {
                format!("the top-level value is a JSON {kind}, not an object")
            });
        }
    }
    walk.rewrites
}

fn add_parse_error(text: &str, error: &ParseError, emit: &mut Emitter<'_>) {
    match error {
        ParseError::Syntax { offset, what } => {
            let (line, column) = parse::line_column(text, *offset);
            emit.add(&codes::JSON_SYNTAX_ERROR, "", || {
                format!("not well-formed JSON at line {line} column {column}: expected {what}")
            });
        }
        ParseError::TooDeep { path } => {
            emit.add(&codes::JSON_DEPTH_EXCEEDED, path.as_str(), || {
                format!("arrays and objects nest deeper than {MAX_DEPTH} levels")
            });
        }
    }
}

/// One document of a payload.
pub(crate) struct Document<'a> {
    pub kind: DocumentKind<'a>,
    /// Bytes of this document (its line for NDJSON).
    pub size: u64,
    /// Byte offset of the document in the payload.
    pub offset: usize,
}

pub(crate) enum DocumentKind<'a> {
    Text(&'a str),
    Problem(&'static crate::codes::Code, String),
}

/// Splits a payload into documents: the whole payload, or NDJSON lines when `split`
/// and the payload holds more than one value. A UTF-8 byte order mark is skipped.
pub(crate) fn documents(bytes: &[u8], split: bool, max_messages: usize) -> Vec<Document<'_>> {
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let body = bytes.get(bom..).unwrap_or(&[]);
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            return vec![Document {
                kind: DocumentKind::Problem(
                    &codes::JSON_INVALID_UTF8,
                    format!(
                        "the bytes are not valid UTF-8 from byte {}",
                        e.valid_up_to() + bom
                    ),
                ),
                size: bytes.len() as u64,
                offset: 0,
            }]
        }
    };
    let whole = || {
        vec![Document {
            kind: DocumentKind::Text(text),
            size: bytes.len() as u64,
            offset: bom,
        }]
    };
    if !split || !looks_like_ndjson(text) {
        return whole();
    }
    let mut out = Vec::new();
    let mut offset = bom;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if trimmed.trim().is_empty() {
            continue;
        }
        if out.len() >= max_messages {
            out.push(Document {
                kind: DocumentKind::Problem(
                    &crate::codes::MESSAGE_COUNT_EXCEEDED,
                    format!("the file holds more than {max_messages} NDJSON lines; the rest were not examined"),
                ),
                size: (bytes.len() - start) as u64,
                offset: start,
            });
            break;
        }
        out.push(Document {
            kind: DocumentKind::Text(trimmed),
            size: line.len() as u64,
            offset: start,
        });
    }
    if out.is_empty() {
        return whole();
    }
    out
}

/// Whether `line` (one line, its end removed) is one complete JSON value: the batch
/// runner's test for NDJSON, the same as [`documents`] applies to its first line.
pub(crate) fn is_complete_value(line: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    !text.trim().is_empty() && matches!(parse::parse(text, MAX_DEPTH), Ok(p) if p.end == text.len())
}

/// NDJSON when the first line is a complete JSON value and something follows it.
fn looks_like_ndjson(text: &str) -> bool {
    let Some(newline) = text
        .trim_start()
        .find('\n')
        .map(|i| i + (text.len() - text.trim_start().len()))
    else {
        return false;
    };
    let (first, rest) = text.split_at(newline);
    if rest.trim().is_empty() || first.trim().is_empty() {
        return false;
    }
    matches!(parse::parse(first, MAX_DEPTH), Ok(p) if p.end == first.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_splits_only_when_several_values_follow_each_other() {
        let pretty = "{\n  \"a\": 1\n}\n";
        assert_eq!(documents(pretty.as_bytes(), true, 10).len(), 1);
        let nd = "{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}\n";
        let docs = documents(nd.as_bytes(), true, 10);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs.get(2).map(|d| d.offset), Some(17));
        assert_eq!(documents(nd.as_bytes(), false, 10).len(), 1);
    }

    #[test]
    fn ndjson_line_count_is_bounded() {
        let nd = "{}\n".repeat(5);
        let docs = documents(nd.as_bytes(), true, 2);
        assert_eq!(docs.len(), 3);
        assert!(matches!(
            docs.last().map(|d| &d.kind),
            Some(DocumentKind::Problem(c, _)) if c.name == "MESSAGE_COUNT_EXCEEDED"
        ));
    }
}
