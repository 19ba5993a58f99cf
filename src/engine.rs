//! The engine: one pipeline for every format.
//!
//! limit → classify → parse → validate structure → canonicalize datetimes → embedded
//! files → report (DESIGN.md, "Architecture"). The [`Engine`] holds configuration only;
//! compiled schemas live in the format modules behind `OnceLock`s, built on first use and
//! shared by every thread. Format modules receive a [`Payload`] and push one [`Report`]
//! per message; the engine does everything that is the same for all formats (limits,
//! classification, hint mismatch, environments, report bounds, sources).

use std::io::Read;

use crate::classify::{self, Sniffed, SNIFF_WINDOW};
use crate::codes;
use crate::config::{Config, SourceProfile};
use crate::datetime::ZoneRules;
use crate::error::Error;
use crate::limits::{self, read_up_to};
use crate::report::{Diagnostic, Format, Report, Severity};
use crate::traffic::{Environment, TrafficType};

/// What the caller knows about a payload: the channel it came on and who sent it.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The traffic type of the channel the payload arrived on; it wins over the content.
    pub hint: Option<TrafficType>,
    /// The sender's profile: zone, environment, DST policy.
    pub source: SourceProfile,
    /// The environment type of the destination.
    pub destination_environment: Option<Environment>,
    /// A name for the payload in reports (a path, `-`); empty if unnamed.
    pub source_name: String,
}

impl Context {
    /// A context with no hint, an empty profile and no name.
    pub fn new() -> Self {
        Context::default()
    }

    /// Sets the traffic hint.
    pub fn with_hint(mut self, hint: TrafficType) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Sets the sender's profile.
    pub fn with_source(mut self, source: SourceProfile) -> Self {
        self.source = source;
        self
    }

    /// Sets the destination's environment type.
    pub fn with_destination(mut self, environment: Environment) -> Self {
        self.destination_environment = Some(environment);
        self
    }

    /// Names the payload for its reports.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.source_name = name.into();
        self
    }
}

/// Validates payloads. Build once, share everywhere: it is `Send + Sync` and cheap to
/// call from many threads.
///
/// ```
/// use payload_triage::{Context, Engine, TrafficType};
///
/// let engine = Engine::default();
/// let report = engine.validate(b"", &Context::new().with_hint(TrafficType::Hl7v2Mllp));
/// assert!(!report.valid());
/// assert_eq!(report.diagnostics[0].code, "EMPTY_PAYLOAD");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Engine {
    config: Config,
}

/// The payload as a format module sees it.
pub(crate) struct Payload<'a> {
    /// The bytes of the whole payload (all messages, frames included).
    pub bytes: &'a [u8],
    /// The traffic type it is held to.
    pub traffic: TrafficType,
    /// What the content looked like.
    pub sniffed: Sniffed,
    /// The size limit of its traffic type (also the limit of each message in it).
    pub limit: u64,
    /// The caller's context.
    pub ctx: &'a Context,
    /// The engine, for configuration and embedded files.
    pub engine: &'a Engine,
    /// How deep inside other payloads this one sits (0 for the payload itself).
    pub depth: u8,
    /// Whether a file of several messages gives one report per message.
    pub split: bool,
}

impl Payload<'_> {
    /// A fresh report for (part of) this payload.
    pub fn new_report(&self, format: Format, size_bytes: u64) -> Report {
        Report::new(self.traffic, format, size_bytes, self.limit)
    }

    /// How local times of this payload are placed on the timeline.
    pub fn zone_rules(&self) -> ZoneRules {
        ZoneRules {
            sender_zone: self.ctx.source.zone.clone(),
            message_offset: None,
            assume_utc: false,
            dst: self.ctx.source.dst_policy,
        }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &Config {
        &self.engine.config
    }

    /// Validates a base64-encoded embedded file found at `path` and attaches its report
    /// to `carrier`. The embedded-file limit is checked on the decoded size computed from
    /// the base64 length, before anything is decoded (DESIGN.md).
    pub fn embed_base64(&self, carrier: &mut Report, path: &str, text: &[u8]) {
        if !self.may_embed(carrier, path) {
            return;
        }
        let decoded_len = limits::base64_decoded_len(text);
        let limit = self.engine.config.limits.embedded_file;
        if decoded_len > limit {
            let mut nested = Report::new(
                TrafficType::EmbeddedFile,
                Format::Unknown,
                decoded_len,
                limit,
            );
            nested.source = path.to_owned();
            nested.encoded_bytes = Some(text.len() as u64);
            nested.add(
                &codes::SIZE_LIMIT_EXCEEDED,
                "",
                format!("decoded size is over the {limit}-byte limit for embedded_file"),
            );
            self.attach(carrier, path, nested);
            return;
        }
        let compact: Vec<u8> = text
            .iter()
            .copied()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        let mut nested = match BASE64.decode(&compact) {
            Ok(decoded) => self.engine.run_embedded(&decoded, self.ctx, self.depth + 1),
            Err(_) => {
                let mut r = Report::new(
                    TrafficType::EmbeddedFile,
                    Format::Unknown,
                    decoded_len,
                    limit,
                );
                r.add(
                    &codes::EMBEDDED_BASE64_INVALID,
                    "",
                    "the text is not valid base64 (RFC 4648 section 4)",
                );
                r
            }
        };
        nested.source = path.to_owned();
        nested.encoded_bytes = Some(text.len() as u64);
        self.attach(carrier, path, nested);
    }

    /// Validates an embedded file carried as raw bytes (an MTOM part) found at `path`.
    pub fn embed_bytes(&self, carrier: &mut Report, path: &str, bytes: &[u8]) {
        if !self.may_embed(carrier, path) {
            return;
        }
        let mut nested = self.engine.run_embedded(bytes, self.ctx, self.depth + 1);
        nested.source = path.to_owned();
        self.attach(carrier, path, nested);
    }

    fn may_embed(&self, carrier: &mut Report, path: &str) -> bool {
        let bounds = &self.engine.config.bounds;
        if self.depth >= bounds.embedded_depth {
            carrier.add(
                &codes::EMBEDDED_DEPTH_EXCEEDED,
                path,
                format!(
                    "embedded files nest deeper than {} levels",
                    bounds.embedded_depth
                ),
            );
            return false;
        }
        if carrier.embedded.len() >= bounds.embedded_count {
            if !carrier
                .diagnostics
                .iter()
                .any(|d| d.code == codes::EMBEDDED_COUNT_EXCEEDED.name)
            {
                carrier.add(
                    &codes::EMBEDDED_COUNT_EXCEEDED,
                    path,
                    format!("more than {} embedded files", bounds.embedded_count),
                );
            }
            return false;
        }
        true
    }

    fn attach(&self, carrier: &mut Report, path: &str, nested: Report) {
        if !nested.valid() {
            carrier.add(
                &codes::EMBEDDED_FILE_INVALID,
                path,
                "the embedded file has errors; see its nested report",
            );
        }
        carrier.embedded.push(nested);
    }
}

/// RFC 4648 base64 with or without padding; line breaks are removed before decoding.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);
use base64::Engine as _;

impl Engine {
    /// An engine with `config`, checked now so that bad zones or bounds fail at start-up.
    pub fn new(config: Config) -> Result<Self, Error> {
        config.check()?;
        Ok(Engine { config })
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Validates `bytes` as one payload holding one message.
    ///
    /// For a file that may hold several messages (an HL7 batch, an MLLP capture, NDJSON),
    /// use [`Engine::validate_messages`].
    pub fn validate(&self, bytes: &[u8], ctx: &Context) -> Report {
        let reports = self.run(bytes, bytes.len() as u64, ctx, false, 0);
        let mut report = reports.into_iter().next().unwrap_or_else(|| {
            Report::new(TrafficType::Other, Format::Unknown, bytes.len() as u64, 0)
        });
        if report.source.is_empty() {
            report.source = ctx.source_name.clone();
        }
        report
    }

    /// Validates `bytes` and gives one report per message it holds, in order. Sources
    /// are numbered `name#1`, `name#2`, ... when there are several.
    pub fn validate_messages(&self, bytes: &[u8], ctx: &Context) -> Vec<Report> {
        self.run(bytes, bytes.len() as u64, ctx, true, 0)
    }

    /// Reads and validates one payload. No more than limit + 1 bytes are ever read: an
    /// over-limit payload is reported without being read to its end.
    pub fn validate_reader<R: Read>(&self, reader: R, ctx: &Context) -> Result<Report, Error> {
        let (bytes, size) = self.read_bounded(reader, ctx, None)?;
        let reports = self.run(&bytes, size, ctx, false, 0);
        Ok(reports
            .into_iter()
            .next()
            .unwrap_or_else(|| Report::new(TrafficType::Other, Format::Unknown, size, 0)))
    }

    /// Reads a payload and gives one report per message it holds; `known_len` is the
    /// payload's full length where the caller knows it (a file's metadata), so that an
    /// over-limit report can state the real size.
    pub fn validate_reader_messages<R: Read>(
        &self,
        reader: R,
        ctx: &Context,
        known_len: Option<u64>,
    ) -> Result<Vec<Report>, Error> {
        let (bytes, size) = self.read_bounded(reader, ctx, known_len)?;
        Ok(self.run(&bytes, size, ctx, true, 0))
    }

    /// Reads the sniff window, classifies, then reads up to the limit + 1 of the traffic
    /// type. Returns the bytes held and the size to report.
    fn read_bounded<R: Read>(
        &self,
        mut reader: R,
        ctx: &Context,
        known_len: Option<u64>,
    ) -> Result<(Vec<u8>, u64), Error> {
        let io = |e| Error::io(ctx.source_name.clone(), e);
        let mut bytes = Vec::new();
        let ended = read_up_to(&mut reader, &mut bytes, SNIFF_WINDOW as u64).map_err(io)?;
        let traffic = classify::classify(&bytes, ctx.hint);
        let limit = self.config.limits.limit(traffic);
        if !ended {
            read_up_to(&mut reader, &mut bytes, limit.saturating_add(1)).map_err(io)?;
        }
        let held = bytes.len() as u64;
        let size = match known_len {
            Some(len) if held > limit => len.max(held),
            _ => held,
        };
        Ok((bytes, size))
    }

    /// A file carried inside another payload: held to the embedded-file limit, validated
    /// by what its content is.
    fn run_embedded(&self, bytes: &[u8], ctx: &Context, depth: u8) -> Report {
        let inner = Context {
            hint: Some(TrafficType::EmbeddedFile),
            source: ctx.source.clone(),
            destination_environment: ctx.destination_environment,
            source_name: String::new(),
        };
        let reports = self.run(bytes, bytes.len() as u64, &inner, false, depth);
        reports.into_iter().next().unwrap_or_else(|| {
            Report::new(
                TrafficType::EmbeddedFile,
                Format::Unknown,
                bytes.len() as u64,
                0,
            )
        })
    }

    /// The pipeline. `size` may exceed `bytes.len()` when a reader was cut at limit + 1.
    fn run(&self, bytes: &[u8], size: u64, ctx: &Context, split: bool, depth: u8) -> Vec<Report> {
        let sniffed = classify::sniff(bytes);
        let traffic = ctx.hint.unwrap_or(sniffed.traffic);
        let limit = self.config.limits.limit(traffic);
        let payload = Payload {
            bytes,
            traffic,
            sniffed,
            limit,
            ctx,
            engine: self,
            depth,
            split,
        };

        let mut reports = Vec::new();
        if size > limit {
            let mut report = payload.new_report(sniffed.format, size);
            report.add(
                &codes::SIZE_LIMIT_EXCEEDED,
                "",
                format!("payload is over the {limit}-byte limit for {traffic}; it was not parsed"),
            );
            reports.push(report);
        } else if bytes.is_empty() {
            let mut report = payload.new_report(Format::Unknown, 0);
            report.add(&codes::EMPTY_PAYLOAD, "", "the payload has no bytes");
            reports.push(report);
        } else {
            dispatch(&payload, &mut reports);
            if reports.is_empty() {
                reports.push(payload.new_report(sniffed.format, size));
            }
        }

        let numbered = reports.len() > 1;
        for (index, report) in reports.iter_mut().enumerate() {
            if numbered {
                report.source = format!("{}#{}", ctx.source_name, index + 1);
            } else {
                report.source.clone_from(&ctx.source_name);
            }
            if let Some(hint) = ctx.hint {
                if !same_family(hint, sniffed.traffic) {
                    report.content_looks_like = Some(sniffed.traffic);
                    report.diagnostics.insert(
                        0,
                        Diagnostic::new(
                            &codes::CONTENT_TYPE_MISMATCH,
                            "",
                            format!(
                                "the channel says {hint} but the content looks like {}",
                                sniffed.traffic
                            ),
                        ),
                    );
                }
            }
            if depth == 0 {
                check_environments(ctx, report);
            }
            bound_diagnostics(report, self.config.bounds.diagnostics_per_report);
        }
        reports
    }
}

/// Whether content agrees with the hint. Only content that positively looks like a
/// traffic type can disagree (empty or unrecognisable bytes say nothing), and uploaded
/// and embedded files are the same kind of content arriving on different channels.
fn same_family(hint: TrafficType, content: TrafficType) -> bool {
    use TrafficType::{EmbeddedFile, Other, UploadedFile};
    hint == content || content == Other || matches!((hint, content), (EmbeddedFile, UploadedFile))
}

/// Sends the payload to its format module. Typed traffic is validated as its type (an
/// MLLP channel only carries HL7 v2); file and other traffic by what the content is.
fn dispatch(payload: &Payload<'_>, out: &mut Vec<Report>) {
    match payload.traffic {
        TrafficType::Hl7v2Mllp => crate::hl7v2::validate(payload, out),
        TrafficType::RedoxApi => crate::json::validate(payload, out),
        TrafficType::Carequality => crate::xml::validate(payload, out),
        TrafficType::UploadedFile | TrafficType::EmbeddedFile | TrafficType::Other => {
            match payload.sniffed.format {
                Format::Hl7v2 => crate::hl7v2::validate(payload, out),
                Format::RedoxDataModel | Format::FhirR4 | Format::Json => {
                    crate::json::validate(payload, out)
                }
                Format::Soap | Format::Mtom | Format::Cda | Format::Xml => {
                    crate::xml::validate(payload, out)
                }
                Format::Pdf
                | Format::Png
                | Format::Jpeg
                | Format::Tiff
                | Format::Dicom
                | Format::Zip => crate::files::validate(payload, out),
                Format::Text | Format::Unknown => {
                    let mut report =
                        payload.new_report(payload.sniffed.format, payload.bytes.len() as u64);
                    if payload.traffic == TrafficType::Other {
                        report.add(
                            &codes::CONTENT_UNRECOGNISED,
                            "",
                            "the content matches no known format; only the size limit was applied",
                        );
                    } else {
                        report.add(
                            &codes::FILE_SIGNATURE_UNKNOWN,
                            "",
                            "the file starts with no known file signature",
                        );
                    }
                    out.push(report);
                }
            }
        }
    }
}

/// Data may only flow between equal environment types (DESIGN.md). A configured source
/// environment is compared exactly with the destination's; an environment the payload
/// claims (HL7 MSH-11, Redox Meta.Test) only says production or not, so only that is
/// compared.
fn check_environments(ctx: &Context, report: &mut Report) {
    let destination = ctx.destination_environment;
    if let (Some(source), Some(destination)) = (ctx.source.environment, destination) {
        if source != destination {
            report.add(
                &codes::ENVIRONMENT_MISMATCH,
                "",
                format!(
                    "the source is configured as {source} but the destination is {destination}"
                ),
            );
        }
    }
    let expected = destination.or(ctx.source.environment);
    if let (Some(claimed), Some(expected)) = (report.exchange.claimed_environment, expected) {
        let production = |e: Environment| e == Environment::Production;
        if production(claimed) != production(expected) {
            report.add(
                &codes::ENVIRONMENT_MISMATCH,
                "",
                format!(
                    "the message is marked {} but this exchange is {expected}",
                    if production(claimed) {
                        "production"
                    } else {
                        "non-production"
                    }
                ),
            );
        }
    }
}

/// Keeps a report's size bounded: past `max` diagnostics, the rest are summarised in one
/// final diagnostic with the worst severity among them, so `valid` does not change.
fn bound_diagnostics(report: &mut Report, max: usize) {
    if report.diagnostics.len() <= max {
        return;
    }
    let dropped = report.diagnostics.split_off(max.saturating_sub(1));
    let worst = dropped
        .iter()
        .map(|d| d.severity)
        .max()
        .unwrap_or(Severity::Info);
    report.push(
        Diagnostic::new(
            &codes::DIAGNOSTICS_TRUNCATED,
            "",
            format!("{} more diagnostics were not listed", dropped.len()),
        )
        .with_severity(worst),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::sniff;

    fn carrier_payload<'a>(engine: &'a Engine, ctx: &'a Context, depth: u8) -> Payload<'a> {
        Payload {
            bytes: b"{}",
            traffic: TrafficType::RedoxApi,
            sniffed: sniff(b"{}"),
            limit: 40,
            ctx,
            engine,
            depth,
            split: false,
        }
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn an_embedded_file_gets_a_nested_report_of_its_own_kind() {
        let engine = Engine::default();
        let ctx = Context::new();
        let payload = carrier_payload(&engine, &ctx, 0);
        let mut carrier = payload.new_report(Format::Json, 2);
        let pdf = b"%PDF-1.4\n%%EOF\n";
        payload.embed_base64(&mut carrier, "/content/data", b64(pdf).as_bytes());
        assert!(carrier.valid());
        let nested = &carrier.embedded[0];
        assert_eq!(nested.traffic_type, TrafficType::EmbeddedFile);
        assert_eq!(nested.format, Format::Pdf);
        assert_eq!(nested.size_bytes, pdf.len() as u64);
        assert_eq!(nested.encoded_bytes, Some(b64(pdf).len() as u64));
        assert_eq!(nested.source, "/content/data");
    }

    #[test]
    fn an_invalid_embedded_file_makes_its_carrier_invalid() {
        let engine = Engine::default();
        let ctx = Context::new();
        let payload = carrier_payload(&engine, &ctx, 0);
        let mut carrier = payload.new_report(Format::Json, 2);
        payload.embed_base64(&mut carrier, "/a", b64(b"%PDF-1.4 cut").as_bytes());
        payload.embed_base64(&mut carrier, "/b", b"not base64 at all!!");
        let codes: Vec<_> = carrier
            .diagnostics
            .iter()
            .map(|d| (d.code, d.path.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("EMBEDDED_FILE_INVALID", "/a"),
                ("EMBEDDED_FILE_INVALID", "/b")
            ]
        );
        assert_eq!(
            carrier.embedded[1].diagnostics[0].code,
            "EMBEDDED_BASE64_INVALID"
        );
    }

    #[test]
    fn the_embedded_limit_is_checked_from_the_base64_length_before_decoding() {
        let config = Config {
            limits: crate::SizePolicy {
                embedded_file: 6,
                ..Default::default()
            },
            ..Config::default()
        };
        let engine = Engine::new(config).unwrap();
        let ctx = Context::new();
        let payload = carrier_payload(&engine, &ctx, 0);
        let mut carrier = payload.new_report(Format::Json, 2);
        // 8 characters of which two are '!' (not base64): the size verdict comes first,
        // so nothing was decoded.
        payload.embed_base64(&mut carrier, "/x", b"AAAA!!AAAA");
        let nested = &carrier.embedded[0];
        assert_eq!(nested.size_bytes, 7);
        assert_eq!(nested.diagnostics[0].code, "SIZE_LIMIT_EXCEEDED");
        // Exactly the limit passes the gate.
        let mut carrier = payload.new_report(Format::Json, 2);
        payload.embed_base64(&mut carrier, "/y", b64(b"abcdef").as_bytes());
        assert!(carrier.embedded[0]
            .diagnostics
            .iter()
            .all(|d| d.code != "SIZE_LIMIT_EXCEEDED"));
    }

    #[test]
    fn embedding_stops_at_the_depth_and_count_bounds() {
        let engine = Engine::default();
        let ctx = Context::new();
        let deep = carrier_payload(&engine, &ctx, engine.config().bounds.embedded_depth);
        let mut carrier = deep.new_report(Format::Json, 2);
        deep.embed_base64(&mut carrier, "/x", b64(b"%PDF-1.4\n%%EOF").as_bytes());
        assert!(carrier.embedded.is_empty());
        assert_eq!(carrier.diagnostics[0].code, "EMBEDDED_DEPTH_EXCEEDED");

        let payload = carrier_payload(&engine, &ctx, 0);
        let mut carrier = payload.new_report(Format::Json, 2);
        let count = engine.config().bounds.embedded_count;
        for i in 0..count + 3 {
            payload.embed_bytes(&mut carrier, &format!("/{i}"), b"plain");
        }
        assert_eq!(carrier.embedded.len(), count);
        let over: Vec<_> = carrier
            .diagnostics
            .iter()
            .filter(|d| d.code == "EMBEDDED_COUNT_EXCEEDED")
            .collect();
        assert_eq!(over.len(), 1);
    }

    #[test]
    fn diagnostics_past_the_bound_are_summarised_without_changing_validity() {
        let mut report = Report::new(TrafficType::Other, Format::Text, 1, 10);
        for _ in 0..5 {
            report.add(&codes::CONTENT_UNRECOGNISED, "", "x");
        }
        report.add(&codes::EMPTY_PAYLOAD, "", "an error at the end");
        bound_diagnostics(&mut report, 3);
        assert_eq!(report.diagnostics.len(), 3);
        assert_eq!(report.diagnostics[2].code, "DIAGNOSTICS_TRUNCATED");
        assert_eq!(report.diagnostics[2].severity, Severity::Error);
        assert!(!report.valid());
    }
}
