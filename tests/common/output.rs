//! Helpers shared by the run-writer tests (`tests/output_*.rs`): running the batch
//! runner into a writer, inputs with hostile names, and a pipe that is closed.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use payload_triage::batch::{self, Options, Record};
use payload_triage::output::{Event, RunWriter, Summary};
use payload_triage::{Context, Engine, Report, TrafficType};

/// What a run handed its writer.
#[derive(Default)]
pub struct Run {
    pub reports: Vec<Report>,
    pub failed: Vec<(Option<String>, String)>,
    pub skipped: usize,
    pub summary: Summary,
}

impl Run {
    /// Diagnostics of every report and its embedded reports.
    pub fn diagnostics(&self) -> usize {
        self.reports.iter().map(diagnostics).sum()
    }
}

/// Diagnostics of a report and its embedded reports.
pub fn diagnostics(report: &Report) -> usize {
    report.diagnostics.len() + report.embedded.iter().map(diagnostics).sum::<usize>()
}

/// The sample archive of the repository.
pub fn sample_archive() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/archive")
}

/// Runs the batch runner over `paths` into `writer`, as the command line does: every
/// record becomes an event, counted in the summary, then `finish`.
pub fn run_into<R: RunWriter>(writer: &mut R, paths: &[PathBuf]) -> Run {
    let engine = Engine::default();
    let mut run = Run::default();
    let mut result = Ok(());
    batch::run(
        &engine,
        paths,
        &Options::default().with_threads(1),
        |name| Ok(Context::new().named(name)),
        |record| {
            let event_result = match &record {
                Record::Report(report) | Record::JsonLine(report, _) => {
                    let event = Event::Report(report);
                    run.summary.count(&event);
                    writer.event(&event)
                }
                Record::Failed(error) => {
                    let (path, message) = failure(error);
                    let event = Event::Failed {
                        path: path.as_deref(),
                        message: &message,
                    };
                    run.summary.count(&event);
                    run.failed.push((path.clone(), message.clone()));
                    writer.event(&event)
                }
                Record::Skipped { path, kind } => {
                    let event = Event::Skipped { path, kind };
                    run.summary.count(&event);
                    run.skipped += 1;
                    writer.event(&event)
                }
                _ => Ok(()),
            };
            if let Record::Report(report) | Record::JsonLine(report, _) = record {
                run.reports.push(*report);
            }
            match event_result {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    result = Err(e);
                    ControlFlow::Break(())
                }
            }
        },
    )
    .unwrap();
    result.unwrap();
    writer.finish(&run.summary).unwrap();
    run
}

fn failure(error: &payload_triage::Error) -> (Option<String>, String) {
    match error {
        payload_triage::Error::Io { source_name, error } => {
            (Some(source_name.clone()), error.to_string())
        }
        payload_triage::Error::Write { target, error } => (Some(target.clone()), error.to_string()),
        other => (None, other.to_string()),
    }
}

/// Sends events for `reports` straight to a writer (a library caller, whose source names
/// need not follow the contract's escaping), then finishes.
pub fn write_reports<R: RunWriter>(writer: &mut R, reports: &[Report]) -> Summary {
    let mut summary = Summary::new();
    for report in reports {
        let event = Event::Report(report);
        summary.count(&event);
        writer.event(&event).unwrap();
    }
    writer.finish(&summary).unwrap();
    summary
}

/// Source names a library caller may give: controls, newlines, separators, quotes, XML
/// markup, a bare `%`, bidirectional controls, non-ASCII.
pub const HOSTILE_SOURCES: &[&str] = &[
    "esc\u{1b}[31mred.hl7",
    "line\nbreak\r.hl7",
    "nul\u{0}byte.hl7",
    "space name #2 !/entry.hl7",
    "quote\"<&>'.hl7",
    "cdata]]>end.hl7",
    "pct %zz %4.hl7",
    "colon:comma,.hl7",
    "rtl\u{202e}txt.hl7",
    "c1\u{85}\u{9b}.hl7",
    "caf\u{e9} \u{1f600}.hl7",
    "::error::injected",
    "-",
    "",
];

/// An HL7 v2 message with no MSH segment (an error), validated under `name`.
pub fn invalid_report(name: &str) -> Report {
    let context = Context::new().with_hint(TrafficType::Hl7v2Mllp).named(name);
    Engine::default().validate(b"PID|1||123\r", &context)
}

/// Reports of an invalid HL7 message under each hostile source name.
pub fn hostile_reports() -> Vec<Report> {
    HOSTILE_SOURCES
        .iter()
        .map(|name| invalid_report(name))
        .collect()
}

/// A directory of files whose names hold what the contract escapes: controls, a
/// newline, `#`, `!`, `%`, spaces, quotes, markup and (on Unix) bytes that are not
/// UTF-8. Every other file is empty (an error); the rest hold a line of text (valid).
pub fn hostile_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let names: &[&str] = &[
        "space name.hl7",
        "hash#1.hl7",
        "bang!x.hl7",
        "pct%41.hl7",
        "esc\u{1b}[31m.hl7",
        "new\nline.hl7",
        "quote\"<&>'.hl7",
        "cdata]]>.hl7",
        "colon:comma,.hl7",
        "caf\u{e9}.hl7",
    ];
    for (i, name) in names.iter().enumerate() {
        let content: &[u8] = if i % 2 == 0 { b"" } else { b"PID|1||123\r" };
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"bad\xff\xfe.hl7");
        std::fs::write(dir.path().join(name), b"").unwrap();
    }
    dir
}

/// Paths that do not exist: every input unreadable (as a path that vanished before the
/// run reached it).
pub fn unreadable_paths() -> Vec<PathBuf> {
    let dir = std::env::temp_dir().join(format!("triage-gone-{}", std::process::id()));
    vec![
        dir.join("gone.hl7"),
        dir.join("gone #2!.hl7"),
        dir.join("also\u{1b}gone"),
    ]
}

/// A pipe whose reader has gone: every write fails with `BrokenPipe`, after `allow`
/// bytes.
pub struct ClosedPipe {
    pub allow: usize,
}

impl Write for ClosedPipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.allow == 0 {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        let n = buf.len().min(self.allow);
        self.allow -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.allow == 0 {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        Ok(())
    }
}

/// Feeds reports of the sample archive to a writer over a closed pipe and returns the
/// first error it gave (event or finish).
pub fn first_error<R: RunWriter>(mut writer: R) -> Option<io::Error> {
    let report = invalid_report("a.hl7");
    for _ in 0..1000 {
        if let Err(e) = writer.event(&Event::Report(&report)) {
            return Some(e);
        }
    }
    writer.finish(&Summary::new()).err()
}
