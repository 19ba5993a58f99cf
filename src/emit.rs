//! The emitter: the one object every format writes its findings through.
//!
//! A format never touches a [`Report`]'s fields. It reports diagnostics, datetimes,
//! exchange metadata and embedded files to an [`Emitter`], and the emitter owns every
//! bound that is the same for all formats:
//!
//! - **diagnostics per report** (`bounds.diagnostics_per_report`): past it, each finding
//!   is counted (with the worst severity among them) but its path and message are never
//!   built. The engine writes one `DIAGNOSTICS_TRUNCATED` with the exact count, and keeps
//!   room for its own gate diagnostics (content mismatch, environment, several messages)
//!   so that a flood of format findings can never hide them;
//! - **datetimes per report** (`bounds.datetimes_per_report`): past it, values are still
//!   canonicalized and checked (their diagnostics count as usual) but not listed, and
//!   one `DATETIMES_TRUNCATED` gives the exact count;
//! - **findings per report** (`bounds.findings_per_report`): the point where the emitter
//!   answers "stop" ([`Emitter::should_stop`], asked by each format between units of
//!   work: a segment, a JSON member, a rule), like ripgrep's `Sink`, so a payload of
//!   millions of broken fields does not cost millions of checks more than it must;
//! - **embedded files**: queued, not validated inline. The same bytes referenced twice
//!   (an MTOM part behind many `xop:Include`s) are queued once; depth and count bounds
//!   are checked here. The engine validates the queue after the format returns.
//!
//! - **report bytes**: everything listed (diagnostics, datetimes) is charged against a
//!   budget of twice the payload's size plus [`REPORT_BYTES_CONSTANT`]. Past it, entries
//!   are counted as past the count bounds above, so a report stays within a small
//!   multiple of its payload whatever the payload holds;
//! - **paths and messages**: a path or message longer than [`MAX_TEXT_BYTES`] keeps its
//!   start and end around a visible `…[N bytes cut]…` marker, and control characters
//!   (C0, DEL, C1, the Unicode line and paragraph separators and the bidirectional
//!   controls) are written as `\u{XX}`. Paths are built from payload names (JSON keys,
//!   XML element names), and neither a 1,000-character name nested 254 deep nor a
//!   key holding a newline and ANSI codes may grow a report or forge a line of output.
//!
//! Severity overrides from the configuration (`[severity]`) are applied as findings
//! arrive, so an `off` code is neither listed nor counted.

use std::borrow::Cow;

use crate::codes::{self, Code};
use crate::config::Config;
use crate::datetime::{
    self, Canonical, CanonicalText, Meaning, Precision, Syntax, Transition, ZoneRules,
};
use crate::report::{DatetimeEntry, Diagnostic, Exchange, Format, Report, Severity};
use crate::text::Text;
use crate::traffic::{Environment, TrafficType};

/// Text that is built only when it is kept: a path or a message. A `&str` or `String` is
/// ready-made; a closure runs only if the diagnostic is listed.
pub(crate) trait LazyText {
    /// The text, built now.
    fn into_text(self) -> String;
}

impl LazyText for &str {
    fn into_text(self) -> String {
        self.to_owned()
    }
}

impl LazyText for String {
    fn into_text(self) -> String {
        self
    }
}

impl LazyText for &String {
    fn into_text(self) -> String {
        self.clone()
    }
}

impl LazyText for Cow<'static, str> {
    fn into_text(self) -> String {
        self.into_owned()
    }
}

impl<F: FnOnce() -> String> LazyText for F {
    fn into_text(self) -> String {
        self()
    }
}

/// The longest path or message kept whole, in bytes. Longer ones keep their first and last
/// bytes around a marker saying how many were cut. Real paths (a deep CDA entry, a FHIR
/// Bundle's nested extension) stay well under it.
pub(crate) const MAX_TEXT_BYTES: usize = 512;

/// The part of the report budget that does not grow with the payload, in bytes: room for
/// a full list of diagnostics about a payload of a few bytes.
pub(crate) const REPORT_BYTES_CONSTANT: u64 = 256 << 10;

/// Whether `c` must not reach output as itself: it could end a line, move the cursor,
/// set a colour or reorder what a terminal shows (C0, DEL, C1, U+2028/U+2029, and the
/// bidirectional embeddings, overrides and isolates of Unicode UAX #9).
fn is_forging(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Whether `text` holds a character [`is_forging`] flags. Printable ASCII (nearly every
/// path) is told by a branch-free byte fold; other text is decoded and checked.
fn has_forging(text: &str) -> bool {
    let printable = text
        .bytes()
        .fold(true, |ok, b| ok & (0x20..0x7F).contains(&b));
    !printable && text.chars().any(is_forging)
}

/// `text` made safe to show and bounded in length: control characters escaped as
/// `\u{XX}`, and the middle of an overlong text replaced by `…[N bytes cut]…`.
pub(crate) fn safe_text(text: String) -> String {
    let needs_escape = text.chars().any(is_forging);
    let text = if needs_escape {
        let mut out = String::with_capacity(text.len().min(MAX_TEXT_BYTES * 2) + 16);
        for c in text.chars() {
            if is_forging(c) {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        text
    };
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    // Keep a short head (where the path starts) and a longer tail (the place itself),
    // each cut on a character boundary.
    let mut head = MAX_TEXT_BYTES / 4;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - MAX_TEXT_BYTES / 2;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    let cut = tail - head;
    format!(
        "{}…[{cut} bytes cut]…{}",
        text.get(..head).unwrap_or_default(),
        text.get(tail..).unwrap_or_default()
    )
}

/// What a string costs in JSON output at most: its bytes, quotes, and six bytes for each
/// character JSON writes as `\uXXXX`.
fn json_cost(text: &str) -> u64 {
    let escaped = text
        .bytes()
        .filter(|b| *b < 0x20 || *b == b'"' || *b == b'\\')
        .count();
    (text.len() + 2 + 5 * escaped) as u64
}

/// An embedded file waiting for the engine.
pub(crate) struct Queued<'a> {
    /// Where it sits in its carrier.
    pub path: String,
    /// Its bytes as carried (base64 text or raw).
    pub bytes: Cow<'a, [u8]>,
    /// Whether `bytes` is base64 text (RFC 4648) to decode.
    pub base64: bool,
}

/// What a payload says about the environment its data comes from (HL7 MSH-11, Redox
/// `Meta.Test`), for the environment rule of `docs/contract.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The format has a processing id or test flag, and this payload leaves it empty.
    Missing,
    /// The processing id or test flag is there but is not a value the format defines.
    Malformed,
    /// A recognised claim.
    Environment(Environment),
}

/// Collects one report's findings under the configured bounds.
pub(crate) struct Emitter<'a> {
    report: Report,
    config: &'a Config,
    depth: u8,
    findings: u64,
    dropped: u64,
    dropped_worst: Severity,
    dropped_datetimes: u64,
    /// The canonical text of the last datetime past the bound, handed to the caller.
    unlisted: Option<String>,
    /// What the payload says about its environment, for formats that carry a claim.
    claim: Option<Claim>,
    queue: Vec<Queued<'a>>,
    count_exceeded: bool,
    /// Bytes of report output still allowed (see the module's "report bytes").
    budget: u64,
}

impl<'a> Emitter<'a> {
    /// An emitter for a report of `size_bytes` held to `limit_bytes`, `depth` levels
    /// inside other payloads.
    pub fn new(
        config: &'a Config,
        traffic: TrafficType,
        format: Format,
        size_bytes: u64,
        limit_bytes: u64,
        depth: u8,
    ) -> Self {
        Emitter {
            report: Report::new(traffic, format, size_bytes, limit_bytes),
            config,
            depth,
            findings: 0,
            dropped: 0,
            dropped_worst: Severity::Info,
            dropped_datetimes: 0,
            unlisted: None,
            claim: None,
            queue: Vec::new(),
            count_exceeded: false,
            budget: size_bytes
                .saturating_mul(2)
                .saturating_add(REPORT_BYTES_CONSTANT),
        }
    }

    /// Reports `code` at `path` with its configured severity.
    pub fn add(&mut self, code: &Code, path: impl LazyText, message: impl LazyText) {
        self.add_as(code, code.severity, path, message);
    }

    /// Reports `code` with a severity a policy chose (DST handling, for example); a
    /// severity override in the configuration still wins.
    pub fn add_as(
        &mut self,
        code: &Code,
        severity: Severity,
        path: impl LazyText,
        message: impl LazyText,
    ) {
        let Some(severity) = self.config.severity.apply(code, severity) else {
            return;
        };
        self.findings += 1;
        if self.report.diagnostics.len() < self.config.bounds.diagnostics_per_report
            && self.budget > 0
        {
            let path = safe_text(path.into_text());
            let message = safe_text(message.into_text());
            // Code, severity, keys and punctuation: under 100 bytes.
            let cost = json_cost(&path) + json_cost(&message) + 100;
            if let Some(left) = self.budget.checked_sub(cost) {
                self.budget = left;
                self.report.diagnostics.push(Diagnostic {
                    code: *code,
                    severity,
                    path,
                    message,
                });
                return;
            }
            self.budget = 0;
        }
        self.dropped += 1;
        self.dropped_worst = self.dropped_worst.max(severity);
    }

    /// Whether the format should stop examining the payload: the findings bound is
    /// reached, and more work would only be counted, never shown.
    pub fn should_stop(&self) -> bool {
        self.findings >= self.config.bounds.findings_per_report
    }

    /// Canonicalizes `value` at `path` and records it, with any diagnostics (which name
    /// the path and the rule, never the value). Returns the canonical text, so nothing
    /// reads it back from the report; `None` when the value is invalid or cannot be
    /// placed in UTC without inventing a zone.
    ///
    /// HL7 v2 TS with the degree-of-precision component (TS.2, v2.5 section 2.A.81) is
    /// passed as `TS.1^TS.2`; `""` is HL7's explicit null (no canonical, no error).
    pub fn datetime(
        &mut self,
        path: &str,
        value: &str,
        syntax: Syntax,
        rules: &ZoneRules,
    ) -> Option<&str> {
        self.datetime_as(path, value, syntax, rules, Meaning::Instant)
    }

    /// [`Emitter::datetime`] for a field whose meaning is a calendar date (a birth or
    /// death date): a time that would move the day in UTC leaves the date as sent, with
    /// `DATETIME_CALENDAR_DATE_KEPT`.
    pub fn calendar_date(
        &mut self,
        path: &str,
        value: &str,
        syntax: Syntax,
        rules: &ZoneRules,
    ) -> Option<&str> {
        self.datetime_as(path, value, syntax, rules, Meaning::CalendarDate)
    }

    fn datetime_as(
        &mut self,
        path: &str,
        value: &str,
        syntax: Syntax,
        rules: &ZoneRules,
        meaning: Meaning,
    ) -> Option<&str> {
        match datetime::canonicalize_as(value, syntax, rules, meaning) {
            Ok(canonical) => {
                self.note(path, syntax, &canonical);
                self.list_datetime(path, value, canonical.w3c(), canonical.precision())
            }
            Err(error) => {
                self.add_as(error.kind().code(), error.severity(), path, || {
                    error.to_string()
                });
                self.list_datetime(path, value, None, error.precision())
            }
        }
    }

    /// Checks a time of day (HL7 v2 TM) at `path` through the datetime engine: its
    /// diagnostics are reported as for any datetime; it is not listed in `datetimes`,
    /// because a time with no date has no UTC canonical form.
    pub fn time_of_day(&mut self, path: &str, value: &str) {
        if let Err(error) = datetime::check_time_of_day(value) {
            self.add_as(error.kind().code(), error.severity(), path, || {
                error.to_string()
            });
        }
    }

    /// Lists a datetime under the bound (or counts it) and hands back its canonical text.
    fn list_datetime(
        &mut self,
        path: &str,
        value: &str,
        canonical: Option<CanonicalText>,
        precision: Option<Precision>,
    ) -> Option<&str> {
        if self.report.datetimes.len() < self.config.bounds.datetimes_per_report && self.budget > 0
        {
            // Most paths need no escaping and fit inline: no allocation then.
            let path = if path.len() <= MAX_TEXT_BYTES && !has_forging(path) {
                Text::from(path)
            } else {
                Text::from(safe_text(path.to_owned()))
            };
            // Keys, precision and punctuation: under 80 bytes.
            let cost = json_cost(&path)
                + json_cost(value)
                // Canonical text is digits and `-:.TZ`: nothing to escape.
                + canonical.as_ref().map_or(4, |text| text.len() as u64 + 2)
                + 80;
            if let Some(left) = self.budget.checked_sub(cost) {
                self.budget = left;
                self.report.datetimes.push(DatetimeEntry {
                    path,
                    original: Text::from(value),
                    // The report stores it: inline, as nearly every canonical form
                    // fits in a `Text`'s 24 bytes.
                    canonical: canonical.map(|text| Text::from(text.as_str())),
                    precision,
                });
                return self
                    .report
                    .datetimes
                    .last()
                    .and_then(|entry| entry.canonical.as_deref());
            }
            self.budget = 0;
        }
        self.dropped_datetimes += 1;
        // Not listed: the text goes into a buffer reused from value to value.
        let text = canonical?;
        let unlisted = self.unlisted.get_or_insert_with(String::new);
        unlisted.clear();
        unlisted.push_str(&text);
        Some(unlisted.as_str())
    }

    /// The diagnostics a successful canonicalization still owes the reader.
    fn note(&mut self, path: &str, syntax: Syntax, canonical: &Canonical) {
        if canonical.dropped_offset().is_some() {
            self.add(&datetime::codes::DATETIME_DATE_OFFSET_DROPPED, path, || {
                format!(
                    "{} value is date-only; its UTC offset was dropped, not applied (a date has no zone)",
                    syntax.name()
                )
            });
        }
        if canonical.date_kept_from().is_some() {
            self.add(&datetime::codes::DATETIME_CALENDAR_DATE_KEPT, path, || {
                format!(
                    "the field means a calendar date; its {} value's time would fall on another day in UTC, so the date was kept as sent",
                    syntax.name()
                )
            });
        }
        if let Some(from) = canonical.limited_from() {
            self.add(&datetime::codes::DATETIME_PRECISION_LIMITED, path, || {
                format!(
                    "TS.2 degree of precision limited the value from {} to {} precision (v2.5 section 2.A.81)",
                    from.as_str(),
                    canonical.precision().map_or("no", Precision::as_str)
                )
            });
        }
        if let Some(dst) = canonical.dst_resolution() {
            let which = if dst.took_earlier { "earlier" } else { "later" };
            let (code, what) = match dst.transition {
                Transition::Gap => (
                    &datetime::codes::DATETIME_NONEXISTENT_LOCAL,
                    "does not exist in the sender's time zone (DST gap)",
                ),
                Transition::Fold => (
                    &datetime::codes::DATETIME_AMBIGUOUS_LOCAL,
                    "occurs twice in the sender's time zone (DST fold)",
                ),
            };
            self.add_as(code, Severity::Warning, path, || {
                format!(
                    "local time {what}; DST policy `{}` took the {which} instant",
                    dst.policy.as_str()
                )
            });
        }
    }

    /// The routing metadata, to fill in.
    /// Records what the payload claims about its environment; the engine checks it
    /// against the destination after the format is done (every message, every depth).
    pub fn claim_environment(&mut self, claim: Claim) {
        self.claim = Some(claim);
        if let Claim::Environment(environment) = claim {
            self.report.exchange.claimed_environment = Some(environment);
        }
    }

    /// The payload's environment claim, if its format carries one.
    pub(crate) fn environment_claim(&self) -> Option<Claim> {
        self.claim
    }

    pub fn exchange(&mut self) -> &mut Exchange {
        &mut self.report.exchange
    }

    /// Records the Redox request log id, which pairs a query with its response; it is
    /// kept as a hash and never output (`crate::pairing`).
    pub(crate) fn pairing_log(&mut self, id: &str) {
        self.report.pairing.set_log(id);
    }

    /// What the payload is, as found so far.
    pub fn format(&self) -> Format {
        self.report.format
    }

    /// Says what the payload is, once the format knows better than the sniff.
    pub fn set_format(&mut self, format: Format) {
        self.report.format = format;
    }

    /// Queues base64 text found at `path` as an embedded file.
    pub fn embed_base64(&mut self, path: impl LazyText, text: impl Into<Cow<'a, [u8]>>) {
        self.enqueue(path, text.into(), true);
    }

    /// Queues bytes a format decoded itself (HL7 ED data in `Hex`) as an embedded file.
    pub fn embed_decoded(&mut self, path: impl LazyText, bytes: Vec<u8>) {
        self.enqueue(path, Cow::Owned(bytes), false);
    }

    /// Queues raw bytes found at `path` (an MTOM part) as an embedded file.
    pub fn embed_bytes(&mut self, path: impl LazyText, bytes: &'a [u8]) {
        self.enqueue(path, Cow::Borrowed(bytes), false);
    }

    fn enqueue(&mut self, path: impl LazyText, bytes: Cow<'a, [u8]>, base64: bool) {
        let bounds = &self.config.bounds;
        if self.depth >= bounds.embedded_depth {
            let depth = bounds.embedded_depth;
            self.add(&codes::EMBEDDED_DEPTH_EXCEEDED, path, || {
                format!("embedded files nest deeper than {depth} levels")
            });
            return;
        }
        if self
            .queue
            .iter()
            .any(|q| q.base64 == base64 && same_bytes(&q.bytes, &bytes))
        {
            self.add(
                &codes::EMBEDDED_FILE_REPEATED,
                path,
                "the same embedded file is referenced again; it was validated once, at its first reference",
            );
            return;
        }
        if self.queue.len() >= bounds.embedded_count {
            if !self.count_exceeded {
                self.count_exceeded = true;
                let count = bounds.embedded_count;
                self.add(&codes::EMBEDDED_COUNT_EXCEEDED, path, || {
                    format!("more than {count} embedded files")
                });
            }
            return;
        }
        self.queue.push(Queued {
            path: safe_text(path.into_text()),
            bytes,
            base64,
        });
    }

    /// Takes the queued embedded files (the engine validates them).
    pub(crate) fn take_queue(&mut self) -> Vec<Queued<'a>> {
        std::mem::take(&mut self.queue)
    }

    /// Attaches a validated embedded file's report.
    pub(crate) fn attach(&mut self, path: &str, nested: Report) {
        if !nested.is_valid() {
            self.add(
                &codes::EMBEDDED_FILE_INVALID,
                path,
                "the embedded file has errors; see its nested report",
            );
        }
        self.report.embedded.push(nested);
    }

    /// The finished report. `gate` holds the engine's own diagnostics: `front` ones go
    /// first, the rest last, and all are kept whatever the bound; format diagnostics
    /// give way to them, and everything not listed is counted in one
    /// `DIAGNOSTICS_TRUNCATED` whose severity is the worst among them, so the verdict
    /// never changes.
    pub(crate) fn finish(mut self, front: Vec<Diagnostic>, back: Vec<Diagnostic>) -> Report {
        let max = self.config.bounds.diagnostics_per_report;
        let gate = front.len() + back.len();
        let mut room = max.saturating_sub(gate);
        if self.dropped > 0 || self.report.diagnostics.len() > room {
            room = room.saturating_sub(1);
        }
        if self.report.diagnostics.len() > room {
            for d in self.report.diagnostics.drain(room..) {
                self.dropped += 1;
                self.dropped_worst = self.dropped_worst.max(d.severity);
            }
        }
        // Most reports have no gate diagnostics in front: keep the format's vector then,
        // rather than copying it into a new one.
        let mut diagnostics = if front.is_empty() {
            std::mem::take(&mut self.report.diagnostics)
        } else {
            let mut diagnostics = front;
            diagnostics.append(&mut self.report.diagnostics);
            diagnostics
        };
        diagnostics.extend(back);
        if self.dropped > 0 {
            let dropped = self.dropped;
            diagnostics.push(Diagnostic {
                code: codes::DIAGNOSTICS_TRUNCATED,
                severity: self.dropped_worst,
                path: String::new(),
                message: if self.findings >= self.config.bounds.findings_per_report {
                    format!(
                        "{dropped} more diagnostics were not listed; examination stopped after {} findings",
                        self.findings
                    )
                } else {
                    format!("{dropped} more diagnostics were not listed")
                },
            });
        }
        if self.dropped_datetimes > 0 {
            let code = &codes::DATETIMES_TRUNCATED;
            if let Some(severity) = self.config.severity.apply(code, code.severity) {
                diagnostics.push(Diagnostic {
                    code: codes::DATETIMES_TRUNCATED,
                    severity,
                    path: String::new(),
                    message: format!(
                        "{} more datetimes were checked but not listed",
                        self.dropped_datetimes
                    ),
                });
            }
        }
        self.report.diagnostics = diagnostics;
        self.report
    }
}

/// The same bytes: the same slice of the payload, or equal contents.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && (std::ptr::eq(a.as_ptr(), b.as_ptr()) || a == b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::config::Bounds;

    fn config(diagnostics: usize, datetimes: usize) -> Config {
        Config {
            bounds: Bounds {
                diagnostics_per_report: diagnostics,
                datetimes_per_report: datetimes,
                ..Bounds::default()
            },
            ..Config::default()
        }
    }

    fn emitter(config: &Config) -> Emitter<'_> {
        Emitter::new(config, TrafficType::Other, Format::Text, 1, 10, 0)
    }

    #[test]
    fn a_message_is_built_only_when_the_diagnostic_is_kept() {
        let config = config(2, 10);
        let mut emit = emitter(&config);
        let mut built = 0;
        for _ in 0..5 {
            emit.add(&codes::CONTENT_UNRECOGNISED, "", || {
                built += 1;
                String::from("m")
            });
        }
        assert_eq!(built, 2);
    }

    #[test]
    fn the_truncation_count_is_exact_and_keeps_the_verdict() {
        let config = config(5, 10);
        let mut emit = emitter(&config);
        for _ in 0..81 {
            emit.add(&codes::CONTENT_UNRECOGNISED, "", "info");
        }
        emit.add(&codes::EMPTY_PAYLOAD, "", "an error at the end");
        let gate = vec![Diagnostic::new(&codes::ENVIRONMENT_MISMATCH, "", "env")];
        let report = emit.finish(Vec::new(), gate);
        assert_eq!(report.diagnostics.len(), 5);
        assert_eq!(report.diagnostics[3].code, codes::ENVIRONMENT_MISMATCH);
        let last = &report.diagnostics[4];
        assert_eq!(last.code, codes::DIAGNOSTICS_TRUNCATED);
        // 82 findings, 3 listed: 79 counted.
        assert_eq!(last.message, "79 more diagnostics were not listed");
        assert_eq!(last.severity, Severity::Error);
        assert!(!report.is_valid());
    }

    #[test]
    fn the_datetime_bound_counts_what_it_drops() {
        let config = config(10, 2);
        let mut emit = emitter(&config);
        let rules = ZoneRules::default();
        for _ in 0..5 {
            let canonical = emit.datetime("/d", "2024-01-02", Syntax::FhirDate, &rules);
            assert_eq!(canonical, Some("2024-01-02"));
        }
        let report = emit.finish(Vec::new(), Vec::new());
        assert_eq!(report.datetimes.len(), 2);
        let last = report.diagnostics.last().unwrap();
        assert_eq!(last.code, codes::DATETIMES_TRUNCATED);
        assert_eq!(last.message, "3 more datetimes were checked but not listed");
    }

    #[test]
    fn the_same_embedded_bytes_are_queued_once() {
        let config = Config::default();
        let mut emit = emitter(&config);
        let part = b"%PDF-1.4\n%%EOF\n".to_vec();
        for i in 0..300 {
            emit.embed_bytes(format!("/part[{i}]"), &part);
        }
        assert_eq!(emit.take_queue().len(), 1);
        let report = emit.finish(Vec::new(), Vec::new());
        assert!(report
            .diagnostics
            .iter()
            .all(|d| d.code != codes::EMBEDDED_COUNT_EXCEEDED));
    }

    #[test]
    fn the_emitter_answers_stop_at_the_findings_bound() {
        let mut config = config(3, 3);
        config.bounds.findings_per_report = 10;
        let mut emit = emitter(&config);
        let mut answers = Vec::new();
        for _ in 0..10 {
            emit.add(&codes::CONTENT_UNRECOGNISED, "", "x");
            answers.push(emit.should_stop());
        }
        assert!(!answers[8]);
        assert!(answers[9]);
        let report = emit.finish(Vec::new(), Vec::new());
        assert!(report
            .diagnostics
            .last()
            .unwrap()
            .message
            .contains("examination stopped after 10 findings"));
    }

    #[test]
    fn control_characters_in_paths_and_messages_are_escaped() {
        let config = Config::default();
        let mut emit = emitter(&config);
        emit.add(
            &codes::CONTENT_UNRECOGNISED,
            "/a\n\u{1b}[32mvalid\u{202e}\u{85}",
            "m\r\n",
        );
        let report = emit.finish(Vec::new(), Vec::new());
        let d = &report.diagnostics[0];
        assert_eq!(d.path, "/a\\u{a}\\u{1b}[32mvalid\\u{202e}\\u{85}");
        assert_eq!(d.message, "m\\u{d}\\u{a}");
        assert!(!d.path.chars().any(char::is_control));
    }

    #[test]
    fn an_overlong_path_keeps_its_ends_around_a_marker() {
        let long = format!("/{}/é{}/leaf", "a".repeat(5000), "b".repeat(5000));
        let cut = safe_text(long.clone());
        assert!(cut.len() <= MAX_TEXT_BYTES + 40, "{}", cut.len());
        assert!(cut.starts_with("/aaa"));
        assert!(cut.ends_with("bbb/leaf"));
        let kept = cut.len() - cut.find('…').unwrap();
        assert!(cut.contains(&format!(
            "[{} bytes cut]",
            long.len() - MAX_TEXT_BYTES / 4 - (MAX_TEXT_BYTES / 2)
        )));
        assert!(kept > MAX_TEXT_BYTES / 2);
        // Short paths are untouched.
        assert_eq!(
            safe_text(String::from("/entry/0/resource/birthDate")),
            "/entry/0/resource/birthDate"
        );
    }

    #[test]
    fn the_report_budget_bounds_output_by_the_payload_size() {
        // A payload of 1,000 bytes: its report may list about 2 KB plus the constant, and
        // the rest is counted, whatever the count bounds allow.
        let config = config(usize::MAX, usize::MAX);
        let mut emit = Emitter::new(&config, TrafficType::Other, Format::Text, 1_000, 10, 0);
        let rules = ZoneRules::default();
        let path = "p".repeat(400);
        for _ in 0..10_000 {
            emit.add(&codes::CONTENT_UNRECOGNISED, path.as_str(), "m");
            emit.datetime(&path, "2024-13", Syntax::FhirDate, &rules);
        }
        let report = emit.finish(Vec::new(), Vec::new());
        let listed: usize = report
            .diagnostics
            .iter()
            .map(|d| d.path.len() + d.message.len())
            .chain(
                report
                    .datetimes
                    .iter()
                    .map(|d| d.path.len() + d.original.len()),
            )
            .sum();
        assert!(listed as u64 <= 2_000 + REPORT_BYTES_CONSTANT, "{listed}");
        let truncated = report
            .diagnostics
            .iter()
            .find(|d| d.code == codes::DIAGNOSTICS_TRUNCATED)
            .unwrap();
        assert!(truncated
            .message
            .contains("more diagnostics were not listed"));
        assert!(report
            .diagnostics
            .iter()
            .any(|d| d.code == codes::DATETIMES_TRUNCATED));
        assert!(!report.is_valid());
    }
}
