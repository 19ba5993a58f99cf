//! The run as a JUnit XML document, in the shape Jenkins, GitLab and Azure DevOps read:
//! `<testsuites>` holding one `<testsuite>`, holding one `<testcase>` per payload.
//!
//! - **One suite per run.** A writer sees events, not the command line's arguments, and
//!   a payload's place is already in its name (`dir/a.hl7`, `capture.mllp#17`,
//!   `day.zip!/lab/1.hl7`). The dashboards group test cases by `classname`, which is
//!   `traffic_type.format` (`hl7v2_mllp.hl7v2`): Jenkins reads the part before the dot
//!   as a package, so cases come grouped by traffic type, then by format.
//! - **A payload is a test case.** An invalid payload has a `<failure>` whose `message`
//!   is its first error and whose text lists every diagnostic of the report and of its
//!   embedded reports, one per line (`severity CODE at PATH: message`). A valid
//!   payload's warnings and notes are listed in its `<system-out>`. An input that could
//!   not be read is a test case with an `<error>`; a FIFO, socket or device skipped in a
//!   walk is a test case with `<skipped>`.
//! - **Counts come first.** `tests`, `failures`, `errors` and `skipped` are attributes of
//!   the start tags, so the test cases are written to a spool and copied out at
//!   [`RunWriter::finish`]. The spool is memory up to [`Junit::SPOOL_IN_MEMORY`] bytes, then an
//!   unnamed temporary file: a run of 10^6 payloads (about 200 bytes per valid one)
//!   holds at most that much in memory, and the rest goes to the temporary directory.
//!   If the temporary file cannot be made, the write fails with that error.
//!
//! Escaping (XML 1.0 section 2.2, production `Char`): the C0 controls other than tab,
//! line feed and carriage return are not allowed in an XML 1.0 document, not even as
//! character references, so they are written visibly as `\u{1b}`; so are DEL and the
//! C1 controls, which section 2.2 discourages. `<`, `>` and `&` are always escaped (a
//! `]]>` cannot appear), quotes in attributes, and tab, line feed and carriage return
//! in attributes as character references so that attribute-value normalisation
//! (section 3.3.3) keeps them.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::PathBuf;

use super::{Event, RunWriter, Summary};
use crate::report::Report;

const SPOOL_IN_MEMORY: usize = 8 * 1024 * 1024;

/// Writes a run as a JUnit XML document.
///
/// ```
/// use payload_triage::output::{Event, Junit, RunWriter, Summary};
/// use payload_triage::{Context, Engine};
///
/// let report = Engine::default().validate(b"", &Context::new().named("empty.hl7"));
/// let mut xml = Vec::new();
/// let mut junit = Junit::new(&mut xml);
/// junit.event(&Event::Report(&report))?;
/// junit.finish(&Summary::new())?;
/// let xml = String::from_utf8(xml)?;
/// assert!(xml.contains("<testsuites name=\"triage\" tests=\"1\" failures=\"1\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Junit<W: Write> {
    out: W,
    spool: Spool,
    tests: u64,
    failures: u64,
    errors: u64,
    skipped: u64,
    /// Where the spool's temporary file goes (default: the system's temporary
    /// directory).
    temp_dir: Option<PathBuf>,
}

impl<W: Write> Junit<W> {
    /// Bytes of test cases held in memory before the spool moves to a temporary file.
    pub const SPOOL_IN_MEMORY: usize = SPOOL_IN_MEMORY;

    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Junit {
            out,
            spool: Spool::Memory(Vec::new()),
            tests: 0,
            failures: 0,
            errors: 0,
            skipped: 0,
            temp_dir: None,
        }
    }

    /// Puts the spool's temporary file (used past [`Junit::SPOOL_IN_MEMORY`] bytes of test
    /// cases) in `dir` instead of the system's temporary directory.
    pub fn with_temp_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.temp_dir = Some(dir.into());
        self
    }

    fn case(&mut self, case: &str) -> io::Result<()> {
        if let Spool::Memory(buffer) = &mut self.spool {
            if buffer.len() + case.len() <= SPOOL_IN_MEMORY {
                buffer.extend_from_slice(case.as_bytes());
                return Ok(());
            }
            let dir = self.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
            let mut file = BufWriter::new(temp_file(&dir)?);
            file.write_all(buffer)?;
            self.spool = Spool::File(file);
        }
        match &mut self.spool {
            Spool::File(file) => file.write_all(case.as_bytes()),
            Spool::Memory(buffer) => {
                buffer.extend_from_slice(case.as_bytes());
                Ok(())
            }
        }
    }

    fn report(&mut self, report: &Report) -> io::Result<()> {
        self.tests += 1;
        let mut case = String::new();
        let _ = write!(
            case,
            "    <testcase name=\"{}\" classname=\"{}.{}\"",
            Attr(&report.source),
            report.traffic_type.as_str(),
            report.format.as_str()
        );
        let lines = diagnostic_lines(report);
        if !report.is_valid() {
            self.failures += 1;
            let first = report
                .errors()
                .next()
                .map(ToString::to_string)
                .unwrap_or_default();
            let kind = report.errors().next().map(|d| d.code.name()).unwrap_or("");
            let _ = write!(
                case,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                Attr(&first),
                Attr(kind),
                Text(&lines)
            );
        } else if !lines.is_empty() {
            let _ = write!(
                case,
                ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                Text(&lines)
            );
        } else {
            case.push_str("/>\n");
        }
        self.case(&case)
    }
}

impl<W: Write> RunWriter for Junit<W> {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::Report(report) => self.report(report),
            Event::Failed { path, message } => {
                self.tests += 1;
                self.errors += 1;
                let case = format!(
                    "    <testcase name=\"{}\" classname=\"io\">\n      <error message=\"{}\" type=\"io\"/>\n    </testcase>\n",
                    Attr(path.unwrap_or("(run)")),
                    Attr(message)
                );
                self.case(&case)
            }
            Event::Skipped { path, kind } => {
                self.tests += 1;
                self.skipped += 1;
                let case = format!(
                    "    <testcase name=\"{}\" classname=\"skipped\">\n      <skipped message=\"{} not read\"/>\n    </testcase>\n",
                    Attr(path),
                    Attr(kind)
                );
                self.case(&case)
            }
        }
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        // Seconds, as JUnit's `time` attributes are.
        let ms = summary.elapsed_ms;
        let time = format!("{}.{:03}", ms / 1000, ms % 1000);
        let counts = format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time}\"",
            self.tests, self.failures, self.errors, self.skipped
        );
        write!(
            self.out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"triage\" {counts}>\n  <testsuite name=\"triage\" {counts}>\n    <properties>\n"
        )?;
        // The whole run's counts: the test cases may be filtered (`--only-invalid`),
        // the summary never is.
        let properties: [(&str, u64); 8] = [
            ("payloads", summary.payloads),
            ("valid", summary.valid),
            ("invalid", summary.invalid),
            ("with_warnings", summary.with_warnings),
            ("bytes", summary.bytes),
            ("io_errors", summary.io_errors),
            ("skipped", summary.skipped),
            ("elapsed_ms", summary.elapsed_ms),
        ];
        for (name, value) in properties {
            writeln!(
                self.out,
                "      <property name=\"{name}\" value=\"{value}\"/>"
            )?;
        }
        self.out.write_all(b"    </properties>\n")?;
        match std::mem::replace(&mut self.spool, Spool::Memory(Vec::new())) {
            Spool::Memory(buffer) => self.out.write_all(&buffer)?,
            Spool::File(file) => {
                let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.seek(SeekFrom::Start(0))?;
                io::copy(&mut file, &mut self.out)?;
            }
        }
        self.out.write_all(b"  </testsuite>\n</testsuites>\n")?;
        self.out.flush()
    }
}

/// Test cases not yet written.
#[derive(Debug)]
enum Spool {
    Memory(Vec<u8>),
    File(BufWriter<File>),
}

/// A new temporary file in `dir`, removed from the directory at once where the system
/// allows it (it lives on while open), so nothing is left behind.
fn temp_file(dir: &std::path::Path) -> io::Result<File> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    for _ in 0..100 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("triage-junit-{}-{n}.tmp", std::process::id()));
        match File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                let _ = std::fs::remove_file(&path);
                return Ok(file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free name for the JUnit spool file",
    ))
}

/// Every diagnostic of the report and its embedded reports, one per line
/// (`severity CODE at PATH: message`); an embedded report's lines start with its
/// place in its carrier.
fn diagnostic_lines(report: &Report) -> String {
    let mut lines = String::new();
    let mut stack: Vec<(&Report, String)> = vec![(report, String::new())];
    while let Some((r, prefix)) = stack.pop() {
        for d in &r.diagnostics {
            let _ = writeln!(lines, "{prefix}{d}");
        }
        for e in r.embedded.iter().rev() {
            stack.push((e, format!("{prefix}[embedded {}] ", e.source)));
        }
    }
    lines
}

/// Whether XML 1.0 section 2.2 allows `c` in a document and we write it as itself:
/// not a C0 control other than tab, line feed and carriage return, nor DEL or a C1
/// control (allowed but discouraged), nor U+FFFE or U+FFFF.
fn plain(c: char) -> bool {
    !(matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}')
        || matches!(c, '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}'))
}

/// Text content, escaped.
struct Text<'a>(&'a str);

/// An attribute value between double quotes, escaped.
struct Attr<'a>(&'a str);

/// Escapes `text` as XML 1.0 character data, or as an attribute value between double
/// quotes when `attribute` is set.
fn escape(text: &str, attribute: bool, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    for c in text.chars() {
        match c {
            '<' => f.write_str("&lt;")?,
            '>' => f.write_str("&gt;")?,
            '&' => f.write_str("&amp;")?,
            '"' if attribute => f.write_str("&quot;")?,
            '\'' if attribute => f.write_str("&apos;")?,
            // Section 3.3.3: a literal tab or line feed in an attribute value is read
            // back as a space.
            '\t' if attribute => f.write_str("&#9;")?,
            '\n' if attribute => f.write_str("&#10;")?,
            // A carriage return would be read back as a line feed (section 2.11), or
            // as a space in an attribute value (section 3.3.3).
            '\r' => f.write_str("&#13;")?,
            c if plain(c) => f.write_char(c)?,
            c => write!(f, "\\u{{{:x}}}", u32::from(c))?,
        }
    }
    Ok(())
}

impl std::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape(self.0, false, f)
    }
}

impl std::fmt::Display for Attr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape(self.0, true, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_xml_forbids_visibly() {
        assert_eq!(
            Attr("a\"<&>'\t\n\r\u{1b}\u{85}").to_string(),
            "a&quot;&lt;&amp;&gt;&apos;&#9;&#10;&#13;\\u{1b}\\u{85}"
        );
        assert_eq!(Text("]]>\u{0}\r\n").to_string(), "]]&gt;\\u{0}&#13;\n");
    }
}
