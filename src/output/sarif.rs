//! The run as a SARIF 2.1.0 log (OASIS Standard, "Static Analysis Results Interchange
//! Format Version 2.1.0"; section numbers below are that document's).
//!
//! One log with one run (§3.13.4, §3.14). The tool's driver (§3.18.2, §3.19) is
//! `triage` at this crate's version, and its `rules` (§3.19.23) are every code of the
//! registry, in the fixed order of [`crate::codes::all`], so a result's `ruleIndex`
//! (§3.27.6) is known before the run starts. Each diagnostic of each report, and of its
//! embedded reports, is one `result` (§3.27).
//!
//! The log is streamed: the head (tool and rules) is written at the first event, each
//! result as its report arrives, and the tail (`invocations`, the run's summary) at
//! [`RunWriter::finish`]. Only I/O failures and skipped inputs are held until the end,
//! for `toolExecutionNotifications` (§3.20.21), and at most [`Sarif::NOTIFICATIONS_HELD`] of
//! them: the rest are counted in one last notification.
//!
//! Locations: `physicalLocation.artifactLocation.uri` (§3.4.3) is the input file, the
//! part of the source name before any `#k` or `!/entry` (the file that exists on disk
//! and in a repository, so a viewer can open it), written as a URI reference
//! (RFC 3986 section 4.1, as §3.10.2 asks). The full source name is in the result's
//! property bag (`properties.source`, §3.8) and the diagnostic path is a logical
//! location (§3.33). Results carry no `region`: diagnostics name a place in the
//! format's own path syntax, not a line.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{Event, RunWriter, Summary};
use crate::codes;
use crate::report::{Diagnostic, Report, Severity};

/// The OASIS location of the SARIF 2.1.0 schema, for the log's `$schema` (§3.13.3).
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

const NOTIFICATIONS_HELD: usize = 1000;

/// Writes a run as a SARIF 2.1.0 log.
///
/// ```
/// use payload_triage::output::{Event, RunWriter, Sarif, Summary};
/// use payload_triage::{Context, Engine};
///
/// let report = Engine::default().validate(b"", &Context::new().named("empty.hl7"));
/// let mut log = Vec::new();
/// let mut sarif = Sarif::new(&mut log);
/// let mut summary = Summary::new();
/// let event = Event::Report(&report);
/// summary.count(&event);
/// sarif.event(&event)?;
/// sarif.finish(&summary)?;
/// let log: serde_json::Value = serde_json::from_slice(&log)?;
/// assert_eq!(log["version"], "2.1.0");
/// assert_eq!(log["runs"][0]["results"][0]["ruleId"], "EMPTY_PAYLOAD");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Sarif<W: Write> {
    out: W,
    /// The head and the opening of `results` are written.
    started: bool,
    /// Results written so far (for the commas between them).
    results: u64,
    /// A code's place in `rules`.
    rule_index: HashMap<&'static str, usize>,
    /// I/O failures and skipped inputs, for the invocation; at most
    /// [`Sarif::NOTIFICATIONS_HELD`].
    notifications: Vec<Value>,
    /// Of those, the ones not held.
    notifications_dropped: u64,
    /// I/O failures seen (the invocation's `executionSuccessful`).
    failures: u64,
}

impl<W: Write> Sarif<W> {
    /// I/O failures and skipped inputs listed in `toolExecutionNotifications`; past it
    /// they are counted in one more notification, so a run over a million unreadable
    /// files holds a bounded list.
    pub const NOTIFICATIONS_HELD: usize = NOTIFICATIONS_HELD;

    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        let rule_index = codes::all()
            .enumerate()
            .map(|(i, code)| (code.name(), i))
            .collect();
        Sarif {
            out,
            started: false,
            results: 0,
            rule_index,
            notifications: Vec::new(),
            notifications_dropped: 0,
            failures: 0,
        }
    }

    /// Writes everything up to and including the `[` of `results`, once.
    fn start(&mut self) -> io::Result<()> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        // The run is written by hand around its streamed `results`: the objects are
        // opened here and closed at `finish`. §3.13.3 `$schema`, §3.13.2 `version`.
        write!(
            self.out,
            "{{\"$schema\":\"{SCHEMA_URI}\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":"
        )?;
        serde_json::to_writer(&mut self.out, &tool()).map_err(io::Error::from)?;
        self.out.write_all(b",\"results\":[")
    }

    fn write_result(&mut self, result: &Value) -> io::Result<()> {
        if self.results > 0 {
            self.out.write_all(b",")?;
        }
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, result).map_err(io::Error::from)?;
        self.results += 1;
        Ok(())
    }

    fn report(&mut self, report: &Report) -> io::Result<()> {
        let uri = artifact_uri(&report.source);
        // Depth first, in order: the report's own diagnostics, then each embedded
        // report's. The chain of carrier paths leads from the payload to the report.
        let mut stack: Vec<(&Report, Vec<&str>)> = vec![(report, Vec::new())];
        while let Some((r, chain)) = stack.pop() {
            for d in &r.diagnostics {
                let result = self.result(d, &report.source, uri.as_deref(), &chain);
                self.write_result(&result)?;
            }
            for e in r.embedded.iter().rev() {
                let mut inner = chain.clone();
                inner.push(e.source.as_str());
                stack.push((e, inner));
            }
        }
        Ok(())
    }

    fn result(&self, d: &Diagnostic, source: &str, uri: Option<&str>, chain: &[&str]) -> Value {
        let mut location = Map::new();
        if let Some(uri) = uri {
            // §3.28.3, §3.29.3, §3.4.3.
            location.insert(
                "physicalLocation".into(),
                json!({"artifactLocation": {"uri": uri}}),
            );
        }
        if !d.path.is_empty() {
            // §3.33.4 `name` and §3.33.5 `fullyQualifiedName`: the path in the format's
            // own syntax (`PID-7`, `/Meta/EventDateTime`); inside an embedded file it
            // is prefixed with the carriers' paths.
            let mut qualified = String::new();
            for carrier in chain {
                qualified.push_str(carrier);
                qualified.push_str(" > ");
            }
            qualified.push_str(&d.path);
            location.insert(
                "logicalLocations".into(),
                json!([{"name": d.path, "fullyQualifiedName": qualified}]),
            );
        }
        let mut properties = Map::new();
        properties.insert("source".into(), json!(source));
        if !chain.is_empty() {
            properties.insert("embeddedIn".into(), json!(chain));
        }
        let mut result = Map::new();
        result.insert("ruleId".into(), json!(d.code.name()));
        if let Some(index) = self.rule_index.get(d.code.name()) {
            result.insert("ruleIndex".into(), json!(index));
        }
        // §3.27.9: `fail` is the default kind when a level is given; stated anyway.
        result.insert("kind".into(), json!("fail"));
        result.insert("level".into(), json!(level(d.severity)));
        result.insert("message".into(), json!({"text": d.message}));
        if location.is_empty() {
            // Standard input or an unnamed payload, as a whole. §3.27.12 allows no
            // location, but GitHub code scanning refuses a whole log with one result
            // that has none; the source name is the one place there is.
            let name = if source.is_empty() {
                "(unnamed)"
            } else {
                source
            };
            location.insert("logicalLocations".into(), json!([{ "name": name }]));
        }
        result.insert("locations".into(), json!([location]));
        result.insert("properties".into(), Value::Object(properties));
        Value::Object(result)
    }

    fn notify(&mut self, notification: Value) {
        if self.notifications.len() < NOTIFICATIONS_HELD {
            self.notifications.push(notification);
        } else {
            self.notifications_dropped += 1;
        }
    }
}

impl<W: Write> RunWriter for Sarif<W> {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        self.start()?;
        match event {
            Event::Report(report) => self.report(report)?,
            Event::Failed { path, message } => {
                self.failures += 1;
                self.notify(notification("error", *path, message));
            }
            Event::Skipped { path, kind } => {
                let message = format!("{kind} not read");
                self.notify(notification("note", Some(path), &message));
            }
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.start()?;
        let mut notifications = std::mem::take(&mut self.notifications);
        if self.notifications_dropped > 0 {
            let message = format!(
                "{} more I/O failures and skipped inputs are not listed",
                self.notifications_dropped
            );
            notifications.push(notification("note", None, &message));
        }
        // §3.20.14: execution was successful when every input could be read; the
        // payloads' verdicts are results, not execution failures.
        let mut invocation = Map::new();
        invocation.insert("executionSuccessful".into(), json!(self.failures == 0));
        if !notifications.is_empty() {
            invocation.insert(
                "toolExecutionNotifications".into(),
                Value::Array(notifications),
            );
        }
        self.out.write_all(b"\n],\"invocations\":")?;
        serde_json::to_writer(&mut self.out, &json!([invocation])).map_err(io::Error::from)?;
        // §3.8: the run's own counts, in its property bag.
        self.out.write_all(b",\"properties\":")?;
        serde_json::to_writer(&mut self.out, &json!({ "summary": summary }))
            .map_err(io::Error::from)?;
        self.out.write_all(b"}]}\n")?;
        self.out.flush()
    }
}

/// The tool object (§3.18): the driver and its rules.
fn tool() -> Value {
    let rules: Vec<Value> = codes::by_module()
        .map(|(module, code)| rule(module, code))
        .collect();
    json!({
        "driver": {
            "name": "triage",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }
    })
}

/// A code as a reportingDescriptor (§3.49).
fn rule(module: &str, code: &codes::Code) -> Value {
    let name = code.name();
    // `docs/codes.md` has a page per code, anchored by its lower-case name. The
    // repository has no public URL, so this is a path in it, not a `helpUri` (§3.49.12).
    let documentation = format!("docs/codes.md#{}", name.to_ascii_lowercase());
    let help = format!(
        "{meaning} Documented in {documentation}. To silence it, run with `--ignore {name}`, \
         or set `{name} = \"off\"` in the `[severity]` table of the configuration.",
        meaning = code.meaning()
    );
    json!({
        "id": name,
        "shortDescription": {"text": code.meaning()},
        "fullDescription": {"text": code.meaning()},
        // §3.50.3: the level a result has unless its configuration changes it.
        "defaultConfiguration": {"level": level(code.default_severity())},
        "help": {"text": help},
        "properties": {
            "module": module,
            "documentation": documentation,
            "tags": [module],
        },
    })
}

/// §3.27.10: `error`, `warning` and `note` are the levels of a failing result.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A notification (§3.58) about an input.
fn notification(level: &str, path: Option<&str>, message: &str) -> Value {
    let mut n = Map::new();
    n.insert("level".into(), json!(level));
    let text = match path {
        Some(path) => format!("{path}: {message}"),
        None => message.to_owned(),
    };
    n.insert("message".into(), json!({ "text": text }));
    if let Some(uri) = path.and_then(artifact_uri) {
        n.insert(
            "locations".into(),
            json!([{"physicalLocation": {"artifactLocation": {"uri": uri}}}]),
        );
    }
    Value::Object(n)
}

/// The input file a source name is about: the part before the first `#` (the k-th
/// message) or `!` (an archive entry). Source names written by the batch runner escape
/// these characters in file names as `%23` and `%21` (`docs/contract.md`, "Inputs and
/// source names"), so an unescaped one is always a separator.
pub(super) fn input_file(source: &str) -> &str {
    match source.find(['#', '!']) {
        Some(at) => source.get(..at).unwrap_or(source),
        None => source,
    }
}

/// The artifact URI of a source name's input file, or `None` for standard input (`-`)
/// and an unnamed payload.
///
/// The source name's `%XX` escapes are the contract's: the byte in hex, exactly as
/// RFC 3986 section 2.1 percent-encodes it, so they are kept as they are (a file named
/// `m.hl7#2`, source name `m.hl7%232`, has the URI `m.hl7%232`). Every other character
/// that is not unreserved, a sub-delimiter, `@` or `/` (RFC 3986 sections 2.2, 2.3 and
/// 3.3) is percent-encoded as its UTF-8 bytes: spaces, non-ASCII, `?`, `[`, `]`, a
/// `\`, and `:` (so that no first segment reads as a scheme, section 4.2). A `%` that does
/// not start an escape (a name given by a library caller) becomes `%25`. An absolute
/// path becomes a `file` URI (RFC 8089).
pub(super) fn artifact_uri(source: &str) -> Option<String> {
    let file = input_file(source);
    if file.is_empty() || file == "-" {
        return None;
    }
    let mut uri = String::with_capacity(file.len() + 8);
    if file.starts_with('/') {
        uri.push_str("file://");
    }
    let bytes = file.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=@/".contains(&b)
            || (b == b'%'
                && bytes
                    .get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)));
        if keep {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    Some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_keep_escapes_and_encode_the_rest() {
        assert_eq!(artifact_uri("dir/a.hl7").as_deref(), Some("dir/a.hl7"));
        assert_eq!(
            artifact_uri("capture.mllp#17").as_deref(),
            Some("capture.mllp")
        );
        assert_eq!(
            artifact_uri("day.zip!/lab/1.hl7").as_deref(),
            Some("day.zip")
        );
        assert_eq!(artifact_uri("m.hl7%232").as_deref(), Some("m.hl7%232"));
        assert_eq!(artifact_uri("a b.hl7").as_deref(), Some("a%20b.hl7"));
        assert_eq!(artifact_uri("100%.hl7").as_deref(), Some("100%25.hl7"));
        assert_eq!(artifact_uri("C:\\x").as_deref(), Some("C%3A%5Cx"));
        assert_eq!(artifact_uri("é").as_deref(), Some("%C3%A9"));
        assert_eq!(
            artifact_uri("/tmp/x y").as_deref(),
            Some("file:///tmp/x%20y")
        );
        assert_eq!(artifact_uri("-"), None);
        assert_eq!(artifact_uri(""), None);
        assert_eq!(artifact_uri("#2"), None);
    }
}
