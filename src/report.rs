//! The one report type every format fills in.
//!
//! A [`Report`] serializes exactly to the JSON contract of `docs/contract.md`:
//! `source`, `traffic_type`, `format`, `size_bytes`, `limit_bytes`, `valid`, `diagnostics`,
//! `datetimes`, `embedded`, plus the optional `content_looks_like` and `exchange` objects.
//! `valid` is never stored: it is derived from the diagnostics when serialized, so it
//! cannot disagree with them.
//!
//! Diagnostics carry a registered [`Code`](crate::codes::Code), a path in the format's own
//! path syntax, and a message that names the place and the rule — never a value from the
//! payload, which may be PHI.

use std::fmt;
use std::io::Write;

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::datetime::Precision;
use crate::text::Text;
use crate::traffic::{Environment, TrafficType};

/// How bad a diagnostic is. Only `Error` makes a payload invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// Suspicious or non-conformant in a way receivers usually tolerate.
    Warning,
    /// The payload breaks a rule; it is invalid.
    Error,
}

impl Severity {
    /// The lowercase name used in the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding about a payload: which rule, how bad, where, and a message that names
/// the place and the rule but never a value from the payload.
///
/// ```
/// use payload_triage::{codes, Context, Engine, Severity, TrafficType};
///
/// let report = Engine::default().validate(b"", &Context::new().with_hint(TrafficType::Other));
/// let d = &report.diagnostics[0];
/// assert_eq!(d.code, codes::EMPTY_PAYLOAD);
/// assert_eq!(d.severity, Severity::Error);
/// assert_eq!(d.to_string(), "error EMPTY_PAYLOAD: the payload has no bytes");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Diagnostic {
    /// Stable SCREAMING_SNAKE_CASE identifier, documented in [`crate::codes`].
    pub code: Code,
    /// Severity; usually the code's default, but policy may raise or lower it.
    pub severity: Severity,
    /// Where: HL7 v2 `SEG[k]-F.C.S`, JSON Pointer, or an XML location path. Empty for
    /// the payload as a whole.
    pub path: String,
    /// What rule was broken, naming the place and never the payload's data.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: &Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code: *code,
            severity: code.severity,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same diagnostic with another severity (policy decisions such as DST handling).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `severity CODE at PATH: message` (no `at` for the payload as a whole).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.severity.as_str(), self.code)?;
        if !self.path.is_empty() {
            write!(f, " at {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// One datetime field found in a payload and what it canonicalizes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DatetimeEntry {
    /// Where the value sits, in the format's path syntax.
    pub path: Text,
    /// The value exactly as sent.
    pub original: Text,
    /// UTC W3C-DTF at the input's precision, or `None` when it cannot be computed
    /// without inventing information (no zone) or the value is invalid.
    pub canonical: Option<Text>,
    /// The precision the input had, when it could be parsed.
    pub precision: Option<Precision>,
}

/// What a payload is in more detail than its traffic type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// An HL7 v2.x message (ER7 encoding).
    Hl7v2,
    /// Redox Data Model JSON (a `Meta` envelope).
    RedoxDataModel,
    /// FHIR R4 JSON (a `resourceType`).
    FhirR4,
    /// JSON that is neither Redox nor FHIR.
    Json,
    /// A SOAP envelope (Carequality / IHE).
    Soap,
    /// An MTOM/XOP `multipart/related` package whose root is a SOAP envelope.
    Mtom,
    /// An HL7 CDA document (`ClinicalDocument`).
    Cda,
    /// XML that is none of the above.
    Xml,
    /// PDF document.
    Pdf,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// TIFF image.
    Tiff,
    /// DICOM Part 10 file.
    Dicom,
    /// ZIP container.
    Zip,
    /// A tar archive (POSIX ustar, GNU), when the batch runner opens archives.
    Tar,
    /// A gzip stream (RFC 1952), when the batch runner opens archives.
    Gzip,
    /// Plain text.
    Text,
    /// Nothing recognisable.
    Unknown,
}

impl Format {
    /// The name used in the JSON `format` key (snake case).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Hl7v2 => "hl7v2",
            Format::RedoxDataModel => "redox_data_model",
            Format::FhirR4 => "fhir_r4",
            Format::Json => "json",
            Format::Soap => "soap",
            Format::Mtom => "mtom",
            Format::Cda => "cda",
            Format::Xml => "xml",
            Format::Pdf => "pdf",
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Tiff => "tiff",
            Format::Dicom => "dicom",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Text => "text",
            Format::Unknown => "unknown",
        }
    }
}

/// The exchange pattern a message belongs to (`docs/contract.md`: send, request/respond,
/// write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "snake_case")]
pub enum ExchangePattern {
    /// An event notification (asynchronous send).
    Notification,
    /// A synchronous query.
    Query,
    /// The response to a query.
    QueryResponse,
    /// A retrieve (fetch of documents by id).
    Retrieve,
    /// The response to a retrieve.
    RetrieveResponse,
    /// A write back to a connection (asynchronous).
    Writeback,
    /// An acknowledgement of a message.
    Acknowledgement,
}

impl ExchangePattern {
    /// The snake-case name used in the JSON contract and in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangePattern::Notification => "notification",
            ExchangePattern::Query => "query",
            ExchangePattern::QueryResponse => "query_response",
            ExchangePattern::Retrieve => "retrieve",
            ExchangePattern::RetrieveResponse => "retrieve_response",
            ExchangePattern::Writeback => "writeback",
            ExchangePattern::Acknowledgement => "acknowledgement",
        }
    }
}

/// Message metadata that the exchange routes on. Every field is optional: a format fills
/// what its messages carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Exchange {
    /// Notification, query, response, writeback, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<ExchangePattern>,
    /// The standard's version (`2.5.1`, `R4`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Text>,
    /// Message type: HL7 v2 MSH-9.1, Redox DataModel, FHIR resourceType, IHE transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<Text>,
    /// Trigger event: HL7 v2 MSH-9.2, Redox EventType, FHIR event code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<Text>,
    /// Abstract message structure (HL7 v2 MSH-9.3 or the event map's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure: Option<Text>,
    /// IHE transaction (`ITI-55`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<Text>,
    /// Message control id / WS-Addressing MessageID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Text>,
    /// The message this one answers (WS-Addressing RelatesTo, MSA-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relates_to: Option<Text>,
    /// The acknowledgment code of a response (HL7 v2 MSA-1, table 0008: `AA`, `AE`,
    /// `AR`, `CA`, `CE`, `CR`), as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledgement_code: Option<Text>,
    /// The environment the payload says it belongs to (HL7 MSH-11, Redox Meta.Test).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_environment: Option<Environment>,
    /// HL7 v2 MSH-11.1 processing ID as sent (`P`, `T`, `D`; table 0103).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_id: Option<Text>,
    /// Who the message says sent it: Redox `Meta.Source`, HL7 v2 MSH-3 and MSH-4, the
    /// SOAP header's WS-Addressing `From`, SAML issuer and home community id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// Where the message says it goes: Redox `Meta.Destinations`, HL7 v2 MSH-5 and
    /// MSH-6. At most [`Exchange::DESTINATIONS_LISTED`] are listed; the source's
    /// policy is checked against all of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Party>,
}

/// A system a message names as its sender or a destination. Each format fills the
/// fields it carries; every field is a value taken from the payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Party {
    /// Redox `Meta.Source.ID` or `Meta.Destinations[].ID`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Redox `Meta.Source.Name` or `Meta.Destinations[].Name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// HL7 v2 sending or receiving application (MSH-3, MSH-5): the HD namespace id,
    /// or its universal id when the namespace id is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<Text>,
    /// HL7 v2 sending or receiving facility (MSH-4, MSH-6), read as `application`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<Text>,
    /// WS-Addressing `From/Address` (WS-Addressing 1.0 Core section 3.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Text>,
    /// The home community id of the SAML assertion's
    /// `urn:nhin:names:saml:homeCommunityId` attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_community_id: Option<Text>,
    /// The SAML assertion's `Issuer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<Text>,
}

impl Party {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Party::default()
    }
}

impl Exchange {
    /// How many destinations a report lists.
    pub const DESTINATIONS_LISTED: usize = 32;

    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Exchange::default()
    }
}

/// The version of the JSON contract a report is written to (`contract_version`); it
/// changes only when a key changes meaning or goes away, never for an added key.
pub const CONTRACT_VERSION: u32 = 1;

/// The verdict on one payload (or one message of a multi-message payload).
///
/// ```
/// use payload_triage::{Context, Engine, Report, TrafficType};
///
/// let engine = Engine::default();
/// let ctx = Context::new().with_hint(TrafficType::Hl7v2Mllp).named("adt.hl7");
/// let report = engine.validate(b"PID|1||123\r", &ctx);
/// assert!(!report.is_valid());
/// assert!(report.errors().any(|d| d.code == "HL7_MSH_MISSING"));
///
/// let mut line = Vec::new();
/// report.write_json(&mut line)?;
/// let back: Report = serde_json::from_slice(&line)?;
/// assert_eq!(back, report);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Where the payload came from: a path, `path#k` for the k-th message of a file,
    /// `-` for standard input. Empty when the caller did not say.
    pub source: String,
    /// The traffic type the payload was held to.
    pub traffic_type: TrafficType,
    /// What the content looks like when that differs from the hinted traffic type.
    pub content_looks_like: Option<TrafficType>,
    /// What the payload is in detail.
    pub format: Format,
    /// Bytes counted against the limit (raw bytes; decoded bytes for embedded files).
    pub size_bytes: u64,
    /// The limit the payload was held to.
    pub limit_bytes: u64,
    /// For embedded files: the encoded length as carried (base64 characters).
    pub encoded_bytes: Option<u64>,
    /// Findings, in the order they were made.
    pub diagnostics: Vec<Diagnostic>,
    /// Every datetime field, canonicalized.
    pub datetimes: Vec<DatetimeEntry>,
    /// One nested report per embedded file.
    pub embedded: Vec<Report>,
    /// Routing metadata.
    pub exchange: Exchange,
    /// Whether every value taken from the payload was dropped ([`Report::redact`]).
    pub redacted: bool,
    /// The name of the source profile that applied (`default` for `[source]`), when
    /// the context's profile has one.
    pub source_profile: Option<String>,
    /// When the host received the payload (UTC, RFC 3339), if the context said.
    pub received_at: Option<String>,
    /// When validation finished (UTC, RFC 3339), given with `received_at`.
    pub validated_at: Option<String>,
    /// What cross-message pairing needs (hashes of ids, computed before redaction);
    /// never serialized, and ignored by `==`.
    pub(crate) pairing: crate::pairing::Facts,
}

impl Report {
    /// An empty report for a payload of `size_bytes` held to `limit_bytes`.
    pub fn new(
        traffic_type: TrafficType,
        format: Format,
        size_bytes: u64,
        limit_bytes: u64,
    ) -> Self {
        Report {
            source: String::new(),
            traffic_type,
            content_looks_like: None,
            format,
            size_bytes,
            limit_bytes,
            encoded_bytes: None,
            diagnostics: Vec::new(),
            datetimes: Vec::new(),
            embedded: Vec::new(),
            exchange: Exchange::default(),
            redacted: false,
            source_profile: None,
            received_at: None,
            validated_at: None,
            pairing: crate::pairing::Facts::default(),
        }
    }

    /// Drops every value taken from the payload, here and in the embedded reports, so
    /// the report is safe for a log (`docs/contract.md`, "Payload values, PHI and
    /// redaction"):
    ///
    /// - each datetime keeps its path and precision; `original` becomes empty and
    ///   `canonical` absent;
    /// - each diagnostic keeps its code, severity and path; its message becomes the
    ///   code's fixed meaning, so no message can carry a value (a count, a name);
    /// - `exchange` keeps the pattern and the claimed environment, the crate's own
    ///   vocabulary; the version, message type, event, structure, transaction, control
    ///   and related ids and the processing id are dropped.
    ///
    /// Source names, codes, sizes and limits stay. The report's verdict is unchanged.
    /// Redacting twice changes nothing more.
    ///
    /// ```
    /// use payload_triage::{Context, Engine};
    ///
    /// let engine = Engine::default();
    /// let mut report = engine.validate(b"MSH|^~\\&|LAB|GH|||20240312083015-0500||ADT^A01|CTRL-7|P|2.5.1\r", &Context::new());
    /// report.redact();
    /// let line = report.to_json_line();
    /// assert!(!line.contains("CTRL-7") && !line.contains("20240312083015"));
    /// assert!(line.contains("\"redacted\":true") && !report.is_valid());
    /// ```
    pub fn redact(&mut self) {
        let mut stack = vec![self];
        while let Some(r) = stack.pop() {
            r.redacted = true;
            for d in &mut r.diagnostics {
                if d.message != d.code.meaning() {
                    d.message = d.code.meaning().to_owned();
                }
            }
            for entry in &mut r.datetimes {
                entry.original = Text::new();
                entry.canonical = None;
            }
            let keep = Exchange {
                pattern: r.exchange.pattern,
                claimed_environment: r.exchange.claimed_environment,
                ..Exchange::default()
            };
            r.exchange = keep;
            stack.extend(r.embedded.iter_mut());
        }
    }

    /// False exactly when some diagnostic has severity `error` (`docs/contract.md`). An
    /// invalid embedded file shows in its carrier as an `EMBEDDED_FILE_INVALID` error.
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The diagnostics of severity `error`.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// The diagnostics of severity `warning`.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// The first diagnostic of the highest severity present, for one-line summaries.
    pub fn first_problem(&self) -> Option<&Diagnostic> {
        let worst = self.diagnostics.iter().map(|d| d.severity).max()?;
        if worst == Severity::Info {
            return None;
        }
        self.diagnostics.iter().find(|d| d.severity == worst)
    }

    /// Serializes as one JSON line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        // Sized up front from what the report holds, so the line is not regrown (and
        // copied) five times on its way to a few kilobytes, with room for a batch run to
        // put a source name in place.
        let mut out = Vec::with_capacity(self.json_size_hint());
        // Serializing plain data cannot fail, and serde_json writes UTF-8; fall back to
        // a minimal object rather than panic if either ever went wrong.
        if serde_json::to_writer(&mut out, self).is_err() {
            return String::from("{}");
        }
        String::from_utf8(out).unwrap_or_else(|_| String::from("{}"))
    }

    /// About how many bytes the JSON line takes (keys and punctuation estimated).
    fn json_size_hint(&self) -> usize {
        let datetimes: usize = self
            .datetimes
            .iter()
            .map(|d| {
                72 + d.path.len() + d.original.len() + d.canonical.as_ref().map_or(0, |c| c.len())
            })
            .sum();
        let diagnostics: usize = self
            .diagnostics
            .iter()
            .map(|d| 64 + d.code.name().len() + d.path.len() + d.message.len())
            .sum();
        let embedded: usize = self.embedded.iter().map(Report::json_size_hint).sum();
        512 + self.source.len() + datetimes + diagnostics + embedded
    }

    /// Writes the report as one JSON line (no trailing newline) to `out`.
    pub fn write_json<W: Write>(&self, out: W) -> std::io::Result<()> {
        serde_json::to_writer(out, self).map_err(std::io::Error::from)
    }
}

/// The report as it is read back: `valid` is checked against the diagnostics rather
/// than trusted, and `contract_version` must be one this crate writes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportWire {
    source: String,
    traffic_type: TrafficType,
    format: Format,
    size_bytes: u64,
    limit_bytes: u64,
    valid: bool,
    diagnostics: Vec<Diagnostic>,
    datetimes: Vec<DatetimeEntry>,
    embedded: Vec<Report>,
    #[serde(default)]
    content_looks_like: Option<TrafficType>,
    #[serde(default)]
    encoded_bytes: Option<u64>,
    #[serde(default)]
    exchange: Option<Exchange>,
    #[serde(default)]
    contract_version: Option<u32>,
    #[serde(default)]
    redacted: bool,
    #[serde(default)]
    source_profile: Option<String>,
    #[serde(default)]
    received_at: Option<String>,
    #[serde(default)]
    validated_at: Option<String>,
}

impl<'de> Deserialize<'de> for Report {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = ReportWire::deserialize(deserializer)?;
        if let Some(version) = wire.contract_version {
            if version > CONTRACT_VERSION {
                return Err(serde::de::Error::custom(format!(
                    "contract_version {version} is newer than this crate's {CONTRACT_VERSION}"
                )));
            }
        }
        let report = Report {
            source: wire.source,
            traffic_type: wire.traffic_type,
            content_looks_like: wire.content_looks_like,
            format: wire.format,
            size_bytes: wire.size_bytes,
            limit_bytes: wire.limit_bytes,
            encoded_bytes: wire.encoded_bytes,
            diagnostics: wire.diagnostics,
            datetimes: wire.datetimes,
            embedded: wire.embedded,
            exchange: wire.exchange.unwrap_or_default(),
            redacted: wire.redacted,
            source_profile: wire.source_profile,
            received_at: wire.received_at,
            validated_at: wire.validated_at,
            pairing: crate::pairing::Facts::default(),
        };
        if report.is_valid() != wire.valid {
            return Err(serde::de::Error::custom(
                "`valid` disagrees with the diagnostics' severities",
            ));
        }
        Ok(report)
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Report", 18)?;
        s.serialize_field("source", &self.source)?;
        s.serialize_field("traffic_type", &self.traffic_type)?;
        s.serialize_field("format", &self.format)?;
        s.serialize_field("size_bytes", &self.size_bytes)?;
        s.serialize_field("limit_bytes", &self.limit_bytes)?;
        s.serialize_field("valid", &self.is_valid())?;
        s.serialize_field("diagnostics", &self.diagnostics)?;
        s.serialize_field("datetimes", &self.datetimes)?;
        s.serialize_field("embedded", &self.embedded)?;
        if let Some(other) = self.content_looks_like {
            s.serialize_field("content_looks_like", &other)?;
        } else {
            s.skip_field("content_looks_like")?;
        }
        if let Some(encoded) = self.encoded_bytes {
            s.serialize_field("encoded_bytes", &encoded)?;
        } else {
            s.skip_field("encoded_bytes")?;
        }
        if self.exchange.is_empty() {
            s.skip_field("exchange")?;
        } else {
            s.serialize_field("exchange", &self.exchange)?;
        }
        s.serialize_field("contract_version", &CONTRACT_VERSION)?;
        if self.redacted {
            s.serialize_field("redacted", &true)?;
        } else {
            s.skip_field("redacted")?;
        }
        for (key, value) in [
            ("source_profile", &self.source_profile),
            ("received_at", &self.received_at),
            ("validated_at", &self.validated_at),
        ] {
            match value {
                Some(at) => s.serialize_field(key, at)?,
                None => s.skip_field(key)?,
            }
        }
        s.end()
    }
}
