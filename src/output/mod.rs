//! Run outputs: what a whole run writes besides one JSON line per payload.
//!
//! A run is a sequence of [`Event`]s (payload reports in input order, inputs that could
//! not be read, inputs that were skipped) closed by a [`Summary`]. Every output format
//! is a [`RunWriter`] over any `io::Write`:
//!
//! - JSON Lines records that are not payload reports ([`summary_record`],
//!   [`error_record`], [`skipped_record`]): they have no `source` key, so a consumer
//!   tells them from payload reports by that key alone (`docs/contract.md`, "JSON
//!   Lines");
//! - SARIF 2.1.0 ([`Sarif`]), JUnit XML ([`Junit`]), GitHub workflow annotations
//!   ([`Github`]) and a self-contained HTML page ([`Html`]).
//!
//! The writers hold no payload value the JSON report does not hold: they take source
//! names, codes, severities, paths and messages, and never datetime originals or
//! exchange metadata. [`Filter`] is applied by the caller before a report reaches a
//! writer; the summary counts every report, filtered or not.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use serde::Serialize;

use crate::pairing::Pairing;
use crate::report::{Report, Severity};

mod github;
mod html;
mod junit;
mod sarif;

pub use github::Github;
pub use html::Html;
pub use junit::Junit;
pub use sarif::Sarif;

/// One thing that happened in a run, in input order.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A payload's report (filtered by the caller's [`Filter`]).
    Report(&'a Report),
    /// An input that could not be read, or an output file that could not be written.
    Failed {
        /// The input or output, as a source name (escaped per `docs/contract.md`), when
        /// the failure has one.
        path: Option<&'a str>,
        /// What went wrong.
        message: &'a str,
    },
    /// A FIFO, socket or device met in a walk; it was not read.
    Skipped {
        /// The path, as a source name.
        path: &'a str,
        /// `FIFO`, `socket` or `device`.
        kind: &'a str,
    },
}

/// An output format for a whole run.
///
/// Writers may stream (JSON Lines, GitHub annotations, SARIF) or hold what they need
/// until [`RunWriter::finish`] (JUnit's counts come before its test cases; the HTML
/// page holds a bounded list of invalid payloads). Every write is checked: an error
/// (a closed pipe, a full disk) is returned and the run should stop.
pub trait RunWriter {
    /// Takes one event.
    fn event(&mut self, event: &Event<'_>) -> io::Result<()>;
    /// Ends the output with the run's summary and flushes it.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// Payload counts by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Verdicts {
    /// Payloads with no error.
    pub valid: u64,
    /// Payloads with at least one error.
    pub invalid: u64,
}

impl Verdicts {
    fn add(&mut self, valid: bool) {
        if valid {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
    }
}

/// How often one code was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CodeCount {
    /// The severity it was reported with most severely.
    pub severity: Severity,
    /// Diagnostics with this code, in reports and their embedded reports.
    pub count: u64,
    /// Payloads (top-level reports) with at least one such diagnostic.
    pub payloads: u64,
    /// The payload number (`Summary::payloads`) that last counted toward `payloads`,
    /// so a payload is counted once without a per-report set.
    #[serde(skip)]
    last_payload: u64,
}

/// What a whole run did: the last record of JSON Lines, and the head of every other
/// format.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Payload reports (files and container messages).
    pub payloads: u64,
    /// Of those, the valid ones.
    pub valid: u64,
    /// Of those, the invalid ones.
    pub invalid: u64,
    /// Payloads with at least one warning (valid or not).
    pub with_warnings: u64,
    /// Payload bytes validated (each report's `size_bytes`).
    pub bytes: u64,
    /// Inputs that could not be read, and outputs that could not be written.
    pub io_errors: u64,
    /// FIFOs, sockets and devices not read.
    pub skipped: u64,
    /// Wall time of the run, in milliseconds.
    pub elapsed_ms: u64,
    /// Counts by traffic type (`traffic_type` key of the reports).
    pub by_traffic_type: BTreeMap<&'static str, Verdicts>,
    /// Counts by format (`format` key of the reports).
    pub by_format: BTreeMap<&'static str, Verdicts>,
    /// Counts by diagnostic code.
    pub by_code: BTreeMap<&'static str, CodeCount>,
    /// Requests paired with their responses across the run, in input order
    /// ([`crate::pairing`]). Serialized as its closed counts: what still waits when the
    /// summary is written counts as unanswered or unknown.
    #[serde(
        rename = "pairing",
        serialize_with = "crate::pairing::serialize_closed"
    )]
    pub pairing: Pairing,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Summary::default()
    }

    /// The same summary with a pairing window of `window` entries (`[bounds]
    /// pairing_window`; see [`Pairing::new`]).
    pub fn with_pairing_window(mut self, window: usize) -> Self {
        self.pairing = Pairing::new(window);
        self
    }

    /// Counts one event.
    pub fn count(&mut self, event: &Event<'_>) {
        match event {
            Event::Report(report) => {
                self.count_report(report);
            }
            Event::Failed { .. } => self.io_errors += 1,
            Event::Skipped { .. } => self.skipped += 1,
        }
    }

    /// Counts one payload report (its embedded reports' diagnostics included), observes
    /// it for pairing (so reports must come in input order), and gives the worst
    /// severity among all those diagnostics (`None` when there are none), which the
    /// command line's `--fail-on` reads. No allocation per report beyond pairing's map
    /// entries: the summary is counted on the collector's thread, the serial part of a
    /// run.
    pub fn count_report(&mut self, report: &Report) -> Option<Severity> {
        let valid = report.is_valid();
        self.payloads += 1;
        if valid {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
        self.bytes += report.size_bytes;
        self.by_traffic_type
            .entry(report.traffic_type.as_str())
            .or_default()
            .add(valid);
        self.by_format
            .entry(report.format.as_str())
            .or_default()
            .add(valid);
        let (worst, warned) = self.count_codes(report);
        if warned {
            self.with_warnings += 1;
        }
        self.pairing.observe(report);
        worst
    }

    /// Counts the codes of `report` and its embedded reports (nesting is bounded by
    /// `bounds.embedded_depth`); gives the worst severity met and whether a warning
    /// was among them.
    fn count_codes(&mut self, report: &Report) -> (Option<Severity>, bool) {
        let mut worst = None;
        let mut warned = false;
        for d in &report.diagnostics {
            worst = worst.max(Some(d.severity));
            warned |= d.severity == Severity::Warning;
            let payload = self.payloads;
            let entry = self.by_code.entry(d.code.name()).or_insert(CodeCount {
                severity: d.severity,
                count: 0,
                payloads: 0,
                last_payload: 0,
            });
            entry.count += 1;
            entry.severity = entry.severity.max(d.severity);
            if entry.last_payload != payload {
                entry.last_payload = payload;
                entry.payloads += 1;
            }
        }
        for embedded in &report.embedded {
            let (inner, inner_warned) = self.count_codes(embedded);
            worst = worst.max(inner);
            warned |= inner_warned;
        }
        (worst, warned)
    }

    /// Sets the run's wall time.
    pub fn set_elapsed(&mut self, elapsed: Duration) {
        self.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    }

    /// Codes by falling count (ties by name): the chart of the HTML page.
    pub fn top_codes(&self) -> Vec<(&'static str, CodeCount)> {
        let mut codes: Vec<_> = self.by_code.iter().map(|(k, v)| (*k, *v)).collect();
        codes.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        codes
    }
}

/// The summary as a JSON Lines record (no trailing newline):
/// `{"record":"summary","contract_version":1,"payloads":…,…}`.
pub fn summary_record(summary: &Summary) -> String {
    #[derive(Serialize)]
    struct Record<'a> {
        record: &'static str,
        contract_version: u32,
        #[serde(flatten)]
        summary: &'a Summary,
    }
    serde_json::to_string(&Record {
        record: "summary",
        contract_version: crate::report::CONTRACT_VERSION,
        summary,
    })
    .unwrap_or_default()
}

/// An I/O failure as a JSON Lines record (no trailing newline):
/// `{"record":"io_error","path":"…","message":"…"}` (`path` only when known).
pub fn error_record(path: Option<&str>, message: &str) -> String {
    serde_json::json!({"record": "io_error", "path": path, "message": message}).to_string()
}

/// A skipped input as a JSON Lines record (no trailing newline):
/// `{"record":"skipped","path":"…","kind":"FIFO"}`.
pub fn skipped_record(path: &str, kind: &str) -> String {
    serde_json::json!({"record": "skipped", "path": path, "kind": kind}).to_string()
}

/// Which reports and diagnostics a run shows. The verdict of a report is never changed
/// by a filter: codes are turned off in the configuration (`[severity]`), which the
/// command line's `--select` and `--ignore` write to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Filter {
    /// Diagnostics below this severity are not shown (in reports and embedded reports).
    pub min_severity: Severity,
    /// Valid reports are not shown.
    pub only_invalid: bool,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            min_severity: Severity::Info,
            only_invalid: false,
        }
    }
}

impl Filter {
    /// A filter that shows everything.
    pub fn new() -> Self {
        Filter::default()
    }

    /// Sets the lowest severity shown.
    pub fn with_min_severity(mut self, severity: Severity) -> Self {
        self.min_severity = severity;
        self
    }

    /// Shows invalid reports only.
    pub fn with_only_invalid(mut self, only_invalid: bool) -> Self {
        self.only_invalid = only_invalid;
        self
    }

    /// Whether this filter changes nothing.
    pub fn is_identity(&self) -> bool {
        self.min_severity == Severity::Info && !self.only_invalid
    }

    /// Whether `report` is shown at all.
    pub fn shows(&self, report: &Report) -> bool {
        !(self.only_invalid && report.is_valid())
    }

    /// Drops the diagnostics below the minimum severity, in `report` and its embedded
    /// reports. The report's verdict is unchanged: `valid` depends on errors only, and
    /// errors are never below the minimum.
    pub fn trim(&self, report: &mut Report) {
        if self.min_severity == Severity::Info {
            return;
        }
        let mut stack = vec![report];
        while let Some(r) = stack.pop() {
            r.diagnostics.retain(|d| d.severity >= self.min_severity);
            stack.extend(r.embedded.iter_mut());
        }
    }
}
