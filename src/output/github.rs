//! The run as GitHub Actions workflow commands: one annotation line per diagnostic,
//! then one summary line.
//!
//! `::error file=F,title=CODE::SOURCE at PATH: message` for an error, `::warning` for a
//! warning and `::notice` for info (GitHub Docs, "Workflow commands for GitHub
//! Actions": "Setting an error message", "Setting a warning message", "Setting a notice
//! message"). `file` is the input file: the source name before any `#k` or `!/entry`,
//! with the contract's `%XX` escapes decoded when that gives a printable UTF-8 name (so
//! it matches the file in the repository); the full source name and the diagnostic
//! path are in the message. An input that could not be read is an `::error` and one
//! skipped in a walk a `::notice`. The last line is a `::notice` with the run's counts.
//!
//! Escaping follows the runner's: in a property value `%`, carriage return, line feed,
//! `:` and `,` become `%25`, `%0D`, `%0A`, `%3A` and `%2C`; in the message `%`,
//! carriage return and line feed do. So a name or message can never end the line or
//! start a command of its own.

use std::io::{self, Write};

use super::sarif::input_file;
use super::{Event, RunWriter, Summary};
use crate::report::{Report, Severity};

/// Writes a run as GitHub workflow annotations.
///
/// ```
/// use payload_triage::output::{Event, Github, RunWriter, Summary};
/// use payload_triage::{Context, Engine};
///
/// let report = Engine::default().validate(b"", &Context::new().named("in/empty.hl7"));
/// let mut lines = Vec::new();
/// let mut github = Github::new(&mut lines);
/// github.event(&Event::Report(&report))?;
/// github.finish(&Summary::new())?;
/// let lines = String::from_utf8(lines)?;
/// assert!(lines.starts_with("::error file=in/empty.hl7,title=EMPTY_PAYLOAD::in/empty.hl7: "));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Github<W: Write> {
    out: W,
}

impl<W: Write> Github<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Github { out }
    }

    fn line(
        &mut self,
        command: &str,
        file: Option<&str>,
        title: &str,
        message: &str,
    ) -> io::Result<()> {
        write!(self.out, "::{command} ")?;
        if let Some(file) = file {
            write!(self.out, "file={},", Property(file))?;
        }
        writeln!(self.out, "title={}::{}", Property(title), Data(message))
    }

    fn report(&mut self, report: &Report) -> io::Result<()> {
        let file = repository_path(&report.source);
        let mut stack: Vec<(&Report, String)> = vec![(report, report.source.clone())];
        while let Some((r, place)) = stack.pop() {
            for d in &r.diagnostics {
                let command = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "notice",
                };
                let message = if d.path.is_empty() {
                    format!("{place}: {}", d.message)
                } else {
                    format!("{place} at {}: {}", d.path, d.message)
                };
                self.line(command, file.as_deref(), d.code.name(), &message)?;
            }
            for e in r.embedded.iter().rev() {
                stack.push((e, format!("{place} [embedded {}]", e.source)));
            }
        }
        Ok(())
    }
}

impl<W: Write> RunWriter for Github<W> {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::Report(report) => self.report(report),
            Event::Failed { path, message } => {
                let file = path.and_then(repository_path);
                let message = match path {
                    Some(path) => format!("{path}: {message}"),
                    None => (*message).to_owned(),
                };
                self.line("error", file.as_deref(), "I/O error", &message)
            }
            Event::Skipped { path, kind } => {
                let message = format!("{path}: {kind} not read");
                self.line("notice", None, "skipped", &message)
            }
        }
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        let message = format!(
            "{} payloads: {} valid, {} invalid, {} with warnings; {} I/O errors; {} skipped",
            s.payloads, s.valid, s.invalid, s.with_warnings, s.io_errors, s.skipped
        );
        self.line("notice", None, "triage summary", &message)?;
        self.out.flush()
    }
}

/// The input file of a source name as a path in the repository, or `None` for
/// standard input and an unnamed payload. The contract's `%XX` escapes are decoded when
/// the name they give is UTF-8 with no control character; otherwise the escaped name is
/// kept (it names no file GitHub could show, but stays one line).
fn repository_path(source: &str) -> Option<String> {
    let file = input_file(source);
    if file.is_empty() || file == "-" {
        return None;
    }
    let bytes = file.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escape = (b == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escape {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    match String::from_utf8(decoded) {
        Ok(name) if !name.chars().any(unprintable) => Some(name),
        _ => Some(file.to_owned()),
    }
}

/// The characters the contract escapes in names besides `%`, `#` and `!`: controls,
/// line and paragraph separators, bidirectional controls.
fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// A property value (`file=`, `title=`), escaped.
struct Property<'a>(&'a str);

/// The message, escaped.
struct Data<'a>(&'a str);

/// GitHub's workflow-command escaping: `%`, CR and LF everywhere, and in a property
/// also `:` and `,`, which would end the property.
fn escape(text: &str, property: bool, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    for c in text.chars() {
        match c {
            '%' => f.write_str("%25")?,
            '\r' => f.write_str("%0D")?,
            '\n' => f.write_str("%0A")?,
            ':' if property => f.write_str("%3A")?,
            ',' if property => f.write_str("%2C")?,
            c => std::fmt::Write::write_char(f, c)?,
        }
    }
    Ok(())
}

impl std::fmt::Display for Property<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape(self.0, true, f)
    }
}

impl std::fmt::Display for Data<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        escape(self.0, false, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_are_the_input_file_decoded() {
        assert_eq!(repository_path("a.hl7#3").as_deref(), Some("a.hl7"));
        assert_eq!(repository_path("d.zip!/x.hl7").as_deref(), Some("d.zip"));
        assert_eq!(repository_path("m.hl7%232").as_deref(), Some("m.hl7#2"));
        assert_eq!(repository_path("a%0Ab").as_deref(), Some("a%0Ab"));
        assert_eq!(repository_path("bad%FF").as_deref(), Some("bad%FF"));
        assert_eq!(repository_path("%+F"), Some("%+F".to_owned()));
        assert_eq!(
            repository_path("rtl%E2%80%AE.hl7").as_deref(),
            Some("rtl%E2%80%AE.hl7")
        );
        assert_eq!(
            repository_path("caf%C3%A9 x.hl7").as_deref(),
            Some("café x.hl7")
        );
        assert_eq!(repository_path("-"), None);
    }
}
