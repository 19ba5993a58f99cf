//! The engine: one pipeline for every format.
//!
//! limit → classify → format module (parse, validate, datetimes) → embedded files →
//! gate checks → report (`docs/architecture.md`). The [`Engine`] holds configuration
//! only; compiled schemas live in the format modules behind `OnceLock`s, built on first
//! use and shared by every thread. A format module (found in [`crate::formats`])
//! receives a `Payload` and pushes one [`Emitter`] per message; it never sees the
//! engine. The engine then validates the embedded files each emitter queued, adds the
//! gate's own diagnostics (hint mismatch, environments) and finishes the reports.

use std::io::Read;

use crate::classify::{self, Sniffed, SNIFF_WINDOW};
use crate::codes::{self, Code};
use crate::config::{Config, SourceProfile, SourceRole};
use crate::datetime::ZoneRules;
use crate::emit::{Claim, Emitter, Queued};
use crate::error::Error;
use crate::formats;
pub use crate::json::CanonicalError;
use crate::limits::{self, read_up_to};
use crate::report::{Diagnostic, ExchangePattern, Format, Report, Severity};
pub use crate::stream::Stream;
use crate::traffic::{Environment, TrafficType};

/// What the caller knows about a payload: the channel it came on and who sent it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Context {
    /// The traffic type of the channel the payload arrived on; it wins over the content.
    pub hint: Option<TrafficType>,
    /// The sender's profile: zone, environment, DST policy.
    pub source: SourceProfile,
    /// The environment type of the destination.
    pub destination_environment: Option<Environment>,
    /// A name for the payload in reports (a path, `-`); empty if unnamed.
    pub source_name: String,
    /// When the host received the payload; the report then carries it, and the time it
    /// was validated, in UTC (`received_at`, `validated_at`).
    pub received_at: Option<std::time::SystemTime>,
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

    /// How local times of this context's payloads are placed on the timeline: the
    /// sender's zone and DST policy.
    pub(crate) fn zone_rules(&self) -> ZoneRules {
        ZoneRules {
            sender_zone: self.source.zone.clone(),
            message_offset: None,
            assume_utc: false,
            dst: self.source.dst_policy,
        }
    }

    /// Sets the time the host received the payload (the exchange records receipt and
    /// delivery times). Reports then carry `received_at` and `validated_at`.
    pub fn received_at(mut self, at: std::time::SystemTime) -> Self {
        self.received_at = Some(at);
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
/// assert!(!report.is_valid());
/// assert_eq!(report.diagnostics[0].code, "EMPTY_PAYLOAD");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Engine {
    config: Config,
    /// The named source profiles, resolved once, for binding senders by identity.
    named: std::sync::Arc<Vec<SourceProfile>>,
    /// The default profile (`[source]`), resolved once.
    default: SourceProfile,
    /// Whether any source policy can apply (identities, restrictions, roles, strict).
    policies: bool,
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
    /// The configuration in force.
    pub config: &'a Config,
    /// How deep inside other payloads this one sits (0 for the payload itself).
    pub depth: u8,
}

impl<'a> Payload<'a> {
    /// An emitter for (one message of) this payload.
    pub fn emitter(&self, format: Format, size_bytes: u64) -> Emitter<'a> {
        Emitter::new(
            self.config,
            self.traffic,
            format,
            size_bytes,
            self.limit,
            self.depth,
        )
    }

    /// How local times of this payload are placed on the timeline.
    pub fn zone_rules(&self) -> ZoneRules {
        self.ctx.zone_rules()
    }

    /// The configuration in force.
    pub fn config(&self) -> &'a Config {
        self.config
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
    pub fn new(mut config: Config) -> Result<Self, Error> {
        config.severity.resolve()?;
        config.check()?;
        let named = config
            .sources
            .iter()
            .map(|(name, source)| Ok(SourceProfile::from_config(source)?.with_name(name)))
            .collect::<Result<Vec<_>, Error>>()?;
        let default = SourceProfile::from_config(&config.source)?.with_name("default");
        let policies = config.strict_sources
            || named
                .iter()
                .any(|p| !p.policy.is_empty() || p.role.is_some());
        Ok(Engine {
            config,
            named: std::sync::Arc::new(named),
            default,
            policies,
        })
    }

    /// The source profile for an input, by its source name: what
    /// [`Config::profile_for`] gives, taken from the profiles this engine resolved
    /// once (zone lookups, policies), so a run over many files resolves none per file.
    pub fn profile_for(&self, name: &str) -> SourceProfile {
        let claimed = self.config.profile_claiming(name).and_then(|(profile, _)| {
            self.named
                .iter()
                .find(|p| p.name() == Some(profile.as_str()))
        });
        claimed.unwrap_or(&self.default).clone()
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Validates `bytes` as one payload holding one message.
    ///
    /// A payload that turns out to hold several messages (an HL7 batch, an MLLP
    /// capture, NDJSON) is never merged into one report: the report is the first
    /// message's, with `PAYLOAD_HOLDS_SEVERAL_MESSAGES` saying how many there are, as an
    /// error when another of them has errors. [`Engine::validate_messages`] gives every
    /// message its own report.
    pub fn validate(&self, bytes: &[u8], ctx: &Context) -> Report {
        let mut report = self.single(
            self.run(bytes, bytes.len() as u64, ctx, 0),
            ctx,
            bytes.len() as u64,
        );
        self.seal(&mut report, Some(ctx));
        report
    }

    /// Validates `bytes` and gives one report per message it holds, in order. Sources
    /// are numbered `name#1`, `name#2`, ... when there are several.
    pub fn validate_messages(&self, bytes: &[u8], ctx: &Context) -> Vec<Report> {
        let mut reports = self.run(bytes, bytes.len() as u64, ctx, 0);
        reports.iter_mut().for_each(|r| self.seal(r, Some(ctx)));
        reports
    }

    /// Reads and validates one payload, as [`Engine::validate`]. No more than limit + 1
    /// bytes are ever read: an over-limit payload is reported without being read to
    /// its end.
    pub fn validate_reader<R: Read>(&self, reader: R, ctx: &Context) -> Result<Report, Error> {
        let (bytes, size) = self.read_bounded(reader, ctx, None)?;
        let mut report = self.single(self.run(&bytes, size, ctx, 0), ctx, size);
        self.seal(&mut report, Some(ctx));
        Ok(report)
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
        let mut reports = self.run(&bytes, size, ctx, 0);
        reports.iter_mut().for_each(|r| self.seal(r, Some(ctx)));
        Ok(reports)
    }

    /// Validates a stream of messages as they arrive (an MLLP connection, an NDJSON
    /// feed), yielding one report per message. Memory stays bounded by one message (at
    /// most its limit + 1 bytes), however long the stream runs. See [`Stream`].
    ///
    /// ```
    /// use payload_triage::{Context, Engine};
    ///
    /// let engine = Engine::default();
    /// let feed: &[u8] = b"\x0bMSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5.1\r\x1c\r\x0bPID|1\r\x1c\r";
    /// let reports: Vec<_> = engine
    ///     .validate_stream(feed, &Context::new().named("feed"))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(reports.len(), 2);
    /// assert_eq!(reports[1].source, "feed#2");
    /// assert!(reports[1].errors().any(|d| d.code == "HL7_MSH_MISSING"));
    /// # Ok::<(), payload_triage::Error>(())
    /// ```
    pub fn validate_stream<R: Read>(&self, reader: R, ctx: &Context) -> Stream<'_, R> {
        Stream::new(self, reader, ctx.clone())
    }

    /// The JSON payload `bytes` (one document, or NDJSON lines) with every declared
    /// datetime replaced by its canonical UTC value and every other byte unchanged
    /// (`--canonical-out`). Zones come from `ctx` as in validation; values that cannot be
    /// canonicalized without inventing information are kept as sent.
    ///
    /// ```
    /// use payload_triage::{Context, Engine, SourceProfile};
    ///
    /// let engine = Engine::default();
    /// let ctx = Context::new().with_source(SourceProfile::default().with_zone("America/New_York")?);
    /// let doc = br#"{"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "effectiveDateTime": "2024-03-12T08:30:00-05:00"}"#;
    /// let out = engine.canonical_document(doc, &ctx)?;
    /// assert!(String::from_utf8_lossy(&out).contains(r#""effectiveDateTime": "2024-03-12T13:30:00Z""#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn canonical_document(
        &self,
        bytes: &[u8],
        ctx: &Context,
    ) -> Result<Vec<u8>, CanonicalError> {
        crate::json::canonical_document(bytes, ctx)
    }

    /// One report for a payload validated as one message.
    fn single(&self, reports: Vec<Report>, ctx: &Context, size: u64) -> Report {
        let count = reports.len();
        let others_invalid = reports.iter().skip(1).any(|r| !r.is_valid());
        let mut reports = reports.into_iter();
        let Some(mut report) = reports.next() else {
            return Report::new(TrafficType::Other, Format::Unknown, size, 0);
        };
        report.source.clone_from(&ctx.source_name);
        if count > 1 {
            let code = &codes::PAYLOAD_HOLDS_SEVERAL_MESSAGES;
            let severity = if others_invalid {
                Severity::Error
            } else {
                code.severity
            };
            let message = format!(
                "the payload holds {count} messages; this report is the first one's{}",
                if others_invalid {
                    " and another has errors"
                } else {
                    ""
                }
            );
            if let Some(d) = self.gate(code, severity, message) {
                report.diagnostics.push(d);
            }
        }
        report
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
        let mut limit = self.config.limits.limit(traffic);
        // A JSON object not yet decided by the window may still name its type later
        // (key order must not matter): read as far as the Redox API limit it may get.
        if ctx.hint.is_none() && !ended && classify::may_decide_later(&bytes) {
            limit = limit.max(self.config.limits.limit(TrafficType::RedoxApi));
        }
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

    /// The last step before a report leaves the engine (every public entry point, the
    /// stream and the batch runner call it): keep what pairing needs (hashes of ids),
    /// then, in redacted mode, drop every value taken from the payload.
    pub(crate) fn seal(&self, report: &mut Report, ctx: Option<&Context>) {
        crate::pairing::Facts::seal(report);
        // The source policy named the profile that applied; otherwise the context's.
        if report.source_profile.is_none() {
            if let Some(name) = ctx.and_then(|ctx| ctx.source.name()) {
                report.source_profile = Some(name.to_owned());
            }
        }
        if let Some(received) = ctx.and_then(|ctx| ctx.received_at) {
            report.received_at = Some(utc_timestamp(received));
            report.validated_at = Some(utc_timestamp(std::time::SystemTime::now()));
        }
        if self.config.redact {
            report.redact();
        }
    }

    /// A gate diagnostic, under the configuration's severity overrides (`None` when the
    /// code is turned off).
    fn gate(&self, code: &Code, severity: Severity, message: String) -> Option<Diagnostic> {
        let severity = self.config.severity.apply(code, severity)?;
        Some(Diagnostic::new(code, "", message).with_severity(severity))
    }

    /// A gate-level note with the code's default severity (framing findings of a
    /// stream), under the configuration's overrides.
    pub(crate) fn note(&self, code: &Code, message: &str) -> Option<Diagnostic> {
        self.gate(code, code.severity, message.to_owned())
    }

    /// The report of an archive or archive entry that could not be opened or read
    /// safely (the batch runner's archive problems): an uploaded file of `format`,
    /// never parsed, with its one diagnostic.
    pub(crate) fn archive_report(&self, format: Format, code: &Code, message: String) -> Report {
        let limit = self.config.limits.limit(TrafficType::UploadedFile);
        let mut report = Report::new(TrafficType::UploadedFile, format, 0, limit);
        if let Some(d) = self.gate(code, code.severity, message) {
            report.diagnostics.push(d);
        }
        report
    }

    /// A note at `path` (an envelope segment), for the batch runner's containers.
    pub(crate) fn note_at(&self, code: &Code, path: &str, message: &str) -> Option<Diagnostic> {
        let severity = self.config.severity.apply(code, code.severity)?;
        Some(Diagnostic::new(code, path, message.to_owned()).with_severity(severity))
    }

    /// Validates a queued embedded file: held to the embedded-file limit (for base64, on
    /// the decoded size computed from its length, before anything is decoded), then by
    /// what its content is.
    fn embedded(&self, queued: &Queued<'_>, ctx: &Context, depth: u8) -> Report {
        let limit = self.config.limits.embedded_file;
        let mut nested = if queued.base64 {
            let text: &[u8] = &queued.bytes;
            let decoded_len = limits::base64_decoded_len(text);
            // A base64 text that is never decoded: a report of its one problem.
            let refused = |code: &Code, message: String| {
                let mut emit = Emitter::new(
                    &self.config,
                    TrafficType::EmbeddedFile,
                    Format::Unknown,
                    decoded_len,
                    limit,
                    depth,
                );
                emit.add(code, "", message);
                emit.finish(Vec::new(), Vec::new())
            };
            let mut report = if decoded_len > limit {
                refused(
                    &codes::SIZE_LIMIT_EXCEEDED,
                    format!("decoded size is over the {limit}-byte limit for embedded_file"),
                )
            } else {
                let compact: Vec<u8> = text
                    .iter()
                    .copied()
                    .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                    .collect();
                match BASE64.decode(&compact) {
                    Ok(decoded) => self.run_embedded(&decoded, ctx, depth),
                    Err(_) => refused(
                        &codes::EMBEDDED_BASE64_INVALID,
                        "the text is not valid base64 (RFC 4648 section 4)".to_owned(),
                    ),
                }
            };
            report.encoded_bytes = Some(text.len() as u64);
            report
        } else {
            self.run_embedded(&queued.bytes, ctx, depth)
        };
        nested.source.clone_from(&queued.path);
        nested
    }

    /// A file carried inside another payload: held to the embedded-file limit, validated
    /// by what its content is.
    fn run_embedded(&self, bytes: &[u8], ctx: &Context, depth: u8) -> Report {
        let inner = Context {
            hint: Some(TrafficType::EmbeddedFile),
            source: ctx.source.clone(),
            destination_environment: ctx.destination_environment,
            source_name: String::new(),
            // The carrier's report carries the receipt time.
            received_at: None,
        };
        let reports = self.run(bytes, bytes.len() as u64, &inner, depth);
        self.single(reports, &inner, bytes.len() as u64)
    }

    /// The pipeline. `size` may exceed `bytes.len()` when a reader was cut at limit + 1.
    /// A top-level payload's messages then go through the source policy.
    pub(crate) fn run(&self, bytes: &[u8], size: u64, ctx: &Context, depth: u8) -> Vec<Report> {
        let context_policy = !ctx.source.policy.is_empty() || ctx.source.role.is_some();
        if depth > 0 || !(self.policies || context_policy) {
            return self.run_messages(bytes, size, ctx, depth);
        }
        // An HL7 v2 message names its sender in its first segment: bind it before
        // validating, so that it is validated once, under its own profile.
        let peeked = self.peek_profile(bytes, ctx);
        let used = match peeked {
            Some(profile) => Context {
                source: profile.clone(),
                ..ctx.clone()
            },
            None => ctx.clone(),
        };
        let mut reports = self.run_messages(bytes, size, &used, depth);
        self.apply_policy(bytes, size, ctx, &used.source, &mut reports);
        reports
    }

    /// The profile an HL7 v2 payload's first sender selects by identity, when no path
    /// chose one and exactly one profile claims it.
    fn peek_profile(&self, bytes: &[u8], ctx: &Context) -> Option<&SourceProfile> {
        if ctx.source.name().is_some_and(|n| n != "default") {
            return None;
        }
        let sender = crate::hl7v2::sender_of(bytes)?;
        let family = crate::policy::Family::Hl7v2;
        let mut claimed = self
            .named
            .iter()
            .filter(|p| p.policy.identify(family, Some(&sender)) == crate::policy::IdMatch::Match);
        let first = claimed.next()?;
        claimed.next().is_none().then_some(first)
    }

    /// Which named profile a message's sender binds it to (`None`: the context's
    /// profile stays), and the identity diagnostics: a sender that disagrees with the
    /// profile the path chose, one that two profiles claim, or (under
    /// `strict_sources`) one that no profile claims.
    fn bind(
        &self,
        ctx: &Context,
        family: crate::policy::Family,
        sender: Option<&crate::report::Party>,
    ) -> (Option<usize>, Vec<crate::policy::Denial>) {
        use crate::policy::{Family, IdMatch};
        // The context's profile was chosen for this input (by its path, or by the
        // caller): a named profile other than the default.
        let chosen = ctx.source.name().is_some_and(|n| n != "default");
        if family == Family::None {
            let unknown = !chosen && self.config.strict_sources;
            return (
                None,
                unknown
                    .then(|| crate::policy::unknown_source(family))
                    .into_iter()
                    .collect(),
            );
        }
        // The first two profiles whose identities the sender matches.
        let mut claimed = self
            .named
            .iter()
            .enumerate()
            .filter(|(_, p)| p.policy.identify(family, sender) == IdMatch::Match)
            .map(|(i, _)| i);
        let (first, second) = (claimed.next(), claimed.next());
        let name = |i: usize| self.named.get(i).and_then(|p| p.name()).unwrap_or("");
        let mut denials = Vec::new();
        if chosen {
            let own = ctx.source.policy.identify(family, sender);
            let other = [first, second]
                .into_iter()
                .flatten()
                .map(name)
                .find(|n| Some(*n) != ctx.source.name());
            if own == IdMatch::Mismatch || (own == IdMatch::NotDeclared && other.is_some()) {
                let selected = ctx.source.name().unwrap_or("");
                denials.push(crate::policy::identity_mismatch(selected, family, other));
            }
            return (None, denials);
        }
        match (first, second) {
            (Some(one), None) => return (Some(one), denials),
            (Some(a), Some(b)) => {
                denials.push(crate::policy::identity_ambiguous(family, name(a), name(b)));
            }
            (None, _) if self.config.strict_sources => {
                denials.push(crate::policy::unknown_source(family));
            }
            (None, _) => {}
        }
        (None, denials)
    }

    /// The source policy (`src/policy.rs`), per message: bind the message to a source
    /// profile by the input's path or the sender's identity, then check what that
    /// source's key may do. A message bound by identity to a profile whose zone, DST
    /// policy or environment differ from the context's is validated again under it, so
    /// its datetimes and environment are judged as its source's (at most once per
    /// configured profile, whatever the number of messages).
    ///
    /// `used` is the profile the reports were made under (the context's, or the one an
    /// HL7 v2 sender was bound to before validation).
    fn apply_policy(
        &self,
        bytes: &[u8],
        size: u64,
        ctx: &Context,
        used: &SourceProfile,
        reports: &mut [Report],
    ) {
        let mut again: Vec<(Option<usize>, Vec<Report>)> = Vec::new();
        for index in 0..reports.len() {
            let Some(report) = reports.get_mut(index) else {
                continue;
            };
            let family = crate::policy::Family::of(report.format);
            let (bound, mut denials) = self.bind(ctx, family, report.exchange.sender.as_ref());
            let profile = bound.and_then(|i| self.named.get(i)).unwrap_or(&ctx.source);
            if !same_rules(profile, used) {
                // Made under another zone or environment (an HL7 sender bound before
                // validation, a message of a capture from another source): validated
                // again under its own profile, once per profile.
                if !again.iter().any(|(i, _)| *i == bound) {
                    let inner = Context {
                        source: profile.clone(),
                        ..ctx.clone()
                    };
                    again.push((bound, self.run_messages(bytes, size, &inner, 0)));
                }
                let fresh = again
                    .iter_mut()
                    .find(|(i, _)| *i == bound)
                    .and_then(|(_, reports)| reports.get_mut(index));
                if let Some(fresh) = fresh {
                    let placeholder = Report::new(TrafficType::Other, Format::Unknown, 0, 0);
                    *report = std::mem::replace(fresh, placeholder);
                }
            }
            report.source_profile = profile.name().map(str::to_owned);
            // The pattern follows the source's role: what an application writing back
            // to an EHR notifies is a writeback (an HL7 ORU, a Redox Results New).
            if profile.role == Some(SourceRole::Application)
                && report.exchange.pattern == Some(ExchangePattern::Notification)
            {
                report.exchange.pattern = Some(ExchangePattern::Writeback);
            }
            denials.extend(
                profile
                    .policy
                    .denials(profile.name().unwrap_or("default"), report),
            );
            for denial in denials {
                let severity = self
                    .config
                    .severity
                    .apply(denial.code, denial.code.severity);
                if let Some(severity) = severity {
                    report.diagnostics.push(
                        Diagnostic::new(denial.code, denial.path, denial.message)
                            .with_severity(severity),
                    );
                }
            }
            report
                .exchange
                .destinations
                .truncate(crate::report::Exchange::DESTINATIONS_LISTED);
        }
    }

    /// The format pipeline, without the source policy.
    fn run_messages(&self, bytes: &[u8], size: u64, ctx: &Context, depth: u8) -> Vec<Report> {
        let sniffed = classify::sniff(bytes);
        let traffic = ctx.hint.unwrap_or(sniffed.traffic);
        let limit = self.config.limits.limit(traffic);
        let payload = Payload {
            bytes,
            traffic,
            sniffed,
            limit,
            ctx,
            config: &self.config,
            depth,
        };

        let mut emitters = Vec::new();
        if size > limit {
            let mut emit = payload.emitter(sniffed.format, size);
            emit.add(&codes::SIZE_LIMIT_EXCEEDED, "", || {
                format!("payload is over the {limit}-byte limit for {traffic}; it was not parsed")
            });
            emitters.push(emit);
        } else if bytes.is_empty() {
            let mut emit = payload.emitter(Format::Unknown, 0);
            emit.add(&codes::EMPTY_PAYLOAD, "", "the payload has no bytes");
            emitters.push(emit);
        } else {
            match formats::module_for(traffic, sniffed.format) {
                Some(module) => module.validate(&payload, &mut emitters),
                None => unrecognised(&payload, &mut emitters),
            }
            if emitters.is_empty() {
                emitters.push(payload.emitter(sniffed.format, size));
            }
        }

        // The key says what the content looks like whatever the diagnostic's severity
        // override; only the diagnostic can be turned off.
        let looks_like = ctx
            .hint
            .filter(|&hint| !same_family(hint, sniffed.traffic))
            .map(|_| sniffed.traffic);
        let mismatch = ctx.hint.filter(|_| looks_like.is_some()).and_then(|hint| {
            self.gate(
                &codes::CONTENT_TYPE_MISMATCH,
                codes::CONTENT_TYPE_MISMATCH.severity,
                format!(
                    "the channel says {hint} but the content looks like {}",
                    sniffed.traffic
                ),
            )
        });
        let numbered = emitters.len() > 1;
        let mut reports = Vec::with_capacity(emitters.len());
        for (index, mut emit) in emitters.into_iter().enumerate() {
            // Embedded files are validated after their carrier's format is done with it.
            for queued in emit.take_queue() {
                let nested = self.embedded(&queued, ctx, depth.saturating_add(1));
                emit.attach(&queued.path, nested);
            }
            let back = self.environment_diagnostics(ctx, emit.environment_claim(), depth);
            let mut report = emit.finish(mismatch.iter().cloned().collect(), back);
            report.content_looks_like = looks_like;
            if numbered {
                report.source = format!("{}#{}", ctx.source_name, index + 1);
            } else {
                report.source.clone_from(&ctx.source_name);
            }
            reports.push(report);
        }
        reports
    }

    /// The environment rule of `docs/contract.md`: data may only flow between equal
    /// environment types; production may receive test traffic; production data may
    /// not leave production. The configured source environment is compared exactly
    /// with the destination's (once, on the top-level payload). What the payload claims
    /// (HL7 MSH-11, Redox `Meta.Test`) is checked on every message at every depth, and
    /// a claim that is missing or not recognised counts as production (fail closed).
    fn environment_diagnostics(
        &self,
        ctx: &Context,
        claim: Option<Claim>,
        depth: u8,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let code = &codes::ENVIRONMENT_MISMATCH;
        let destination = ctx.destination_environment;
        if let (Some(source), Some(destination), 0) = (ctx.source.environment, destination, depth) {
            if source != destination {
                out.extend(self.gate(
                    code,
                    code.severity,
                    format!(
                        "the source is configured as {source} but the destination is {destination}"
                    ),
                ));
            }
        }
        let (Some(expected), Some(claim)) = (destination.or(ctx.source.environment), claim) else {
            return out;
        };
        let claimed = match claim {
            Claim::Environment(environment) => environment,
            Claim::Missing | Claim::Malformed => {
                let unknown = &codes::ENVIRONMENT_CLAIM_UNKNOWN;
                out.extend(self.gate(
                    unknown,
                    unknown.severity,
                    format!(
                        "the processing id or test flag is {}; the message is treated as production data",
                        if claim == Claim::Missing {
                            "missing"
                        } else {
                            "not a defined value"
                        }
                    ),
                ));
                Environment::Production
            }
        };
        let production = Environment::Production;
        if claimed == production && expected != production {
            out.extend(self.gate(
                code,
                code.severity,
                format!("production data is headed for a {expected} destination"),
            ));
        } else if claimed != production && expected == production {
            let test = &codes::ENVIRONMENT_TEST_TRAFFIC;
            out.extend(self.gate(
                test,
                test.severity,
                "test traffic into production, which production may carry".to_owned(),
            ));
        }
        out
    }
}

/// Whether content agrees with the hint. Only content that positively looks like a
/// traffic type can disagree (empty or unrecognisable bytes say nothing). An embedded
/// file is whatever its carrier carries (a CDA in an XDR request, a FHIR Bundle in a
/// Binary, an HL7 message in an attachment), so it never disagrees.
/// `at` as an RFC 3339 UTC timestamp with millisecond precision
/// (`2024-03-12T13:30:15.123Z`); a time before 1970 or past year 9999 is written as
/// the epoch rather than fail.
fn utc_timestamp(at: std::time::SystemTime) -> String {
    let millis = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_millis()).unwrap_or(i128::MAX));
    let stamp = time::OffsetDateTime::from_unix_timestamp_nanos(millis.saturating_mul(1_000_000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    stamp.format(&format).unwrap_or_default()
}

/// Whether two profiles judge a payload alike during validation: the same zone, DST
/// policy, MSH-7 offset rule and environment.
fn same_rules(a: &SourceProfile, b: &SourceProfile) -> bool {
    a.zone_name() == b.zone_name()
        && a.dst_policy == b.dst_policy
        && a.hl7_use_msh7_offset == b.hl7_use_msh7_offset
        && a.environment == b.environment
}

fn same_family(hint: TrafficType, content: TrafficType) -> bool {
    use TrafficType::{EmbeddedFile, Other};
    hint == content || content == Other || hint == EmbeddedFile
}

/// Content no format module claims: only the size limit applies.
fn unrecognised<'a>(payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>) {
    let mut emit = payload.emitter(payload.sniffed.format, payload.bytes.len() as u64);
    if payload.traffic == TrafficType::Other {
        emit.add(
            &codes::CONTENT_UNRECOGNISED,
            "",
            "the content matches no known format; only the size limit was applied",
        );
    } else {
        emit.add(
            &codes::FILE_SIGNATURE_UNKNOWN,
            "",
            "the file starts with no known file signature",
        );
    }
    out.push(emit);
}
