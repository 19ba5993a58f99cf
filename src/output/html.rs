//! The run as one self-contained HTML page (`--html FILE`).
//!
//! The page is meant to be attached to a ticket or opened offline, so it fetches
//! nothing: its CSS and script are inline, and a Content-Security-Policy forbids every
//! network request. It has three layers:
//!
//! - **Static HTML**, written here: the verdict, the totals, the counts by traffic type
//!   and format, a bar chart of the most frequent codes, the inputs that could not be
//!   read and those skipped. All of it shows without JavaScript.
//! - **A JSON data block** (`<script type="application/json" id="data">`) holding the
//!   invalid payloads and their diagnostics. Every `<`, `>` and `&` in it is written
//!   as a `\u00XX` escape, so no name can close the block or open a comment.
//! - **The page's script** (`html/report.js`), which builds the table of diagnostics
//!   from the data block with `textContent` only, filters it by text, code and
//!   severity, and keeps the filter in the URL fragment (`#code=…&severity=…&q=…`), so
//!   a filtered view is a link. Script errors are caught and written into `#errors`.
//!
//! What the page holds is bounded, whatever the run: at most
//! [`Html::DEFAULT_MAX_LISTED`] invalid payloads (see [`Html::with_max_listed`]), at
//! most 100 diagnostics each and 32 MiB of held text in all; past that, payloads are
//! counted and the page says how many were left out. Failed and skipped inputs are
//! listed up to 1,000 each. Valid payloads are only counted (the [`Summary`]).
//!
//! Like the JSON report, the page holds source names, codes, severities, paths and
//! messages, never datetime values or exchange metadata. In redacted mode
//! ([`Html::with_redacted`]) diagnostic messages are dropped too. Every string is passed
//! through [`printable`] first, so control and bidirectional characters show as
//! `\u{…}` and cannot reorder what the reader sees.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use super::{Event, RunWriter, Summary};
use crate::batch::printable;
use crate::report::Report;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Diagnostics listed per payload (embedded reports' included); the rest are counted.
const MAX_ROWS_PER_PAYLOAD: usize = 100;
/// Text held for listed payloads, in bytes (names, paths, messages).
const MAX_HELD_BYTES: usize = 32 << 20;
/// Failed inputs and skipped inputs listed, each.
const MAX_OTHER_LISTED: usize = 1_000;
/// Bars in the chart of codes.
const CHART_CODES: usize = 20;

/// The Content-Security-Policy of the page: inline style and script only, no network,
/// no base URL, no form target.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// Writes a run as a self-contained HTML page.
///
/// ```
/// use payload_triage::output::{Event, Html, RunWriter, Summary};
/// use payload_triage::{Context, Engine, TrafficType};
///
/// let engine = Engine::default();
/// let report = engine.validate(b"PID|1\r", &Context::new().with_hint(TrafficType::Hl7v2Mllp).named("a.hl7"));
/// let mut summary = Summary::new();
/// let mut page = Vec::new();
/// let mut html = Html::new(&mut page).with_redacted(true);
/// let event = Event::Report(&report);
/// summary.count(&event);
/// html.event(&event)?;
/// html.finish(&summary)?;
/// let page = String::from_utf8(page)?;
/// assert!(page.starts_with("<!doctype html>") && page.contains("HL7_MSH_MISSING"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Html<W: Write> {
    out: W,
    redacted: bool,
    max_listed: usize,
    held_bytes: usize,
    payloads: Vec<Listed>,
    payloads_not_listed: u64,
    failures: Vec<(Option<String>, String)>,
    failures_not_listed: u64,
    skipped: Vec<(String, String)>,
    skipped_not_listed: u64,
    reports_redacted: bool,
}

/// One invalid payload as the data block holds it: `{"s":source, "t":traffic type,
/// "f":format, "d":[[severity, code, path, message, embedded-in], …], "m":not listed}`.
#[derive(Debug, Serialize)]
struct Listed {
    s: String,
    t: &'static str,
    f: &'static str,
    d: Vec<Row>,
    m: u64,
}

/// One diagnostic: severity, code, path, message (empty when redacted), and the
/// location of the embedded file it was found in (empty for the payload itself).
#[derive(Debug, Serialize)]
struct Row(&'static str, &'static str, String, String, String);

impl<W: Write> Html<W> {
    /// Invalid payloads listed by default; the others are counted.
    pub const DEFAULT_MAX_LISTED: usize = 10_000;

    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Html {
            out,
            redacted: false,
            max_listed: Self::DEFAULT_MAX_LISTED,
            held_bytes: 0,
            payloads: Vec::new(),
            payloads_not_listed: 0,
            failures: Vec::new(),
            failures_not_listed: 0,
            skipped: Vec::new(),
            skipped_not_listed: 0,
            reports_redacted: false,
        }
    }

    /// Redacted mode: diagnostics keep their code, severity and path, and lose their
    /// message.
    pub fn with_redacted(mut self, redacted: bool) -> Self {
        self.redacted = redacted;
        self
    }

    /// Lists at most `max` invalid payloads; the others are counted, and the page says
    /// how many were left out.
    pub fn with_max_listed(mut self, max: usize) -> Self {
        self.max_listed = max;
        self
    }

    fn hold(&mut self, report: &Report) {
        if self.payloads.len() >= self.max_listed || self.held_bytes >= MAX_HELD_BYTES {
            self.payloads_not_listed += 1;
            return;
        }
        let source = printable(&report.source).into_owned();
        let mut bytes = source.len() + 64;
        let mut rows = Vec::new();
        let mut more = 0u64;
        // Depth first, each report's own diagnostics before those of its embedded
        // files, each embedded report named by its chain of locations.
        let mut stack: Vec<(&Report, String)> = vec![(report, String::new())];
        while let Some((r, within)) = stack.pop() {
            for d in &r.diagnostics {
                if rows.len() >= MAX_ROWS_PER_PAYLOAD {
                    more += 1;
                    continue;
                }
                let path = printable(&d.path).into_owned();
                let message = if self.redacted {
                    String::new()
                } else {
                    printable(&d.message).into_owned()
                };
                bytes += path.len() + message.len() + within.len() + 48;
                rows.push(Row(
                    d.severity.as_str(),
                    d.code.name(),
                    path,
                    message,
                    within.clone(),
                ));
            }
            for nested in r.embedded.iter().rev() {
                let name = printable(&nested.source);
                let chain = if within.is_empty() {
                    name.into_owned()
                } else {
                    format!("{within} \u{203a} {name}")
                };
                stack.push((nested, chain));
            }
        }
        if self.held_bytes.saturating_add(bytes) > MAX_HELD_BYTES {
            self.payloads_not_listed += 1;
            return;
        }
        self.held_bytes += bytes;
        self.payloads.push(Listed {
            s: source,
            t: report.traffic_type.as_str(),
            f: report.format.as_str(),
            d: rows,
            m: more,
        });
    }

    fn data_block(&mut self) -> io::Result<()> {
        #[derive(Serialize)]
        struct Data<'a> {
            payloads: &'a [Listed],
            not_listed: u64,
            redacted: bool,
        }
        let data = Data {
            payloads: &self.payloads,
            not_listed: self.payloads_not_listed,
            redacted: self.redacted,
        };
        self.out
            .write_all(b"<script type=\"application/json\" id=\"data\">")?;
        serde_json::to_writer(ScriptSafe(&mut self.out), &data).map_err(io::Error::other)?;
        self.out.write_all(b"</script>\n")
    }
}

impl<W: Write> RunWriter for Html<W> {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::Report(report) => {
                self.reports_redacted |= report.redacted;
                if !report.is_valid() {
                    self.hold(report);
                }
            }
            Event::Failed { path, message } => {
                if self.failures.len() < MAX_OTHER_LISTED {
                    self.failures.push((
                        path.map(|p| printable(p).into_owned()),
                        printable(message).into_owned(),
                    ));
                } else {
                    self.failures_not_listed += 1;
                }
            }
            Event::Skipped { path, kind } => {
                if self.skipped.len() < MAX_OTHER_LISTED {
                    self.skipped
                        .push((printable(path).into_owned(), printable(kind).into_owned()));
                } else {
                    self.skipped_not_listed += 1;
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let head = self.page_head(summary);
        self.out.write_all(head.as_bytes())?;
        self.data_block()?;
        self.out.write_all(b"<script>\n")?;
        self.out.write_all(SCRIPT.as_bytes())?;
        self.out.write_all(b"</script>\n</body>\n</html>\n")?;
        self.out.flush()
    }
}

impl<W: Write> Html<W> {
    /// Everything up to the data block: the static, script-free part of the page.
    fn page_head(&self, summary: &Summary) -> String {
        let mut page = String::with_capacity(16 * 1024);
        let version = env!("CARGO_PKG_VERSION");
        let verdict = if summary.payloads == 0 {
            "No payloads".to_owned()
        } else if summary.invalid == 0 {
            format!("All {} payloads valid", group(summary.payloads))
        } else {
            format!(
                "{} of {} payloads invalid",
                group(summary.invalid),
                group(summary.payloads)
            )
        };
        let unread = if summary.io_errors > 0 {
            format!(", {} could not be read", group(summary.io_errors))
        } else {
            String::new()
        };
        let verdict_class = if summary.io_errors > 0 || summary.invalid > 0 {
            "bad"
        } else {
            "good"
        };
        let _ = write!(
            page,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"payload-triage {version}\">\n\
             <title>payload-triage: {verdict}{unread}</title>\n<style>\n{STYLE}</style>\n</head>\n\
             <body>\n<header>\n<h1>Payload triage report</h1>\n\
             <p class=\"verdict {verdict_class}\">{verdict}{unread}.</p>\n</header>\n\
             <div id=\"errors\" role=\"alert\"></div>\n<main>\n"
        );
        self.totals(&mut page, summary);
        traffic(&mut page, summary);
        chart(&mut page, summary);
        self.invalid_section(&mut page, summary);
        self.unread_sections(&mut page);
        let data = crate::data_versions();
        let _ = write!(
            page,
            "</main>\n<footer>\n<p>payload-triage {version}, JSON contract version {}.</p>\n\
             <p>Data: HL7 v2 definitions {} ({}); FHIR {} ({}); IANA tz database {}.</p>\n\
             </footer>\n",
            crate::report::CONTRACT_VERSION,
            esc(data.hl7v2_versions),
            esc(data.hl7v2_source),
            esc(data.fhir_version),
            esc(data.fhir_source),
            esc(data.tzdb_version),
        );
        page
    }

    fn totals(&self, page: &mut String, s: &Summary) {
        page.push_str("<section id=\"totals\">\n<h2>Totals</h2>\n<dl class=\"totals\">\n");
        let bytes = format!("{} ({} bytes)", decimal_bytes(s.bytes), group(s.bytes));
        let elapsed = format!(
            "{}.{:03} s",
            group(s.elapsed_ms / 1000),
            s.elapsed_ms % 1000
        );
        for (label, value, class) in [
            ("Payloads", group(s.payloads), ""),
            ("Valid", group(s.valid), "good"),
            (
                "Invalid",
                group(s.invalid),
                if s.invalid > 0 { "bad" } else { "" },
            ),
            ("With warnings", group(s.with_warnings), ""),
            ("Bytes", bytes, ""),
            (
                "Not read (I/O errors)",
                group(s.io_errors),
                if s.io_errors > 0 { "bad" } else { "" },
            ),
            ("Skipped", group(s.skipped), ""),
            ("Elapsed", elapsed, ""),
        ] {
            let _ = writeln!(
                page,
                "<div class=\"{class}\"><dt>{label}</dt><dd>{value}</dd></div>"
            );
        }
        page.push_str("</dl>\n");
        if self.reports_redacted {
            page.push_str(
                "<p class=\"note\" id=\"reports-redacted\">Redacted run: every value taken \
                 from the payloads was dropped before this page was written; each message is \
                 its code's fixed meaning.</p>\n",
            );
        }
        if self.redacted {
            page.push_str(
                "<p class=\"note\">Redacted: diagnostics show their code, severity and path, \
                 without their message.</p>\n",
            );
        }
        page.push_str("</section>\n");
    }

    fn invalid_section(&self, page: &mut String, s: &Summary) {
        page.push_str("<section id=\"invalid\">\n<h2>Invalid payloads</h2>\n");
        let listed = self.payloads.len();
        let _ = write!(
            page,
            "<p class=\"note\" id=\"listed\">{} invalid payload{} listed with {} diagnostic{}",
            group(listed as u64),
            plural(listed as u64),
            group(self.payloads.iter().map(|p| p.d.len() as u64).sum()),
            plural(self.payloads.iter().map(|p| p.d.len() as u64).sum()),
        );
        if self.payloads_not_listed > 0 {
            let _ = write!(
                page,
                "; <strong id=\"not-listed\">and {} more not listed</strong> (the page \
                 holds at most {} payloads; the JSON output has them all)",
                group(self.payloads_not_listed),
                group(self.max_listed as u64)
            );
        }
        page.push_str(".</p>\n");
        if s.invalid > 0 || listed > 0 {
            page.push_str(
                "<noscript><p class=\"note\">The list of diagnostics is built by the page's \
                 script; turn JavaScript on to see it.</p></noscript>\n\
                 <form id=\"filters\" class=\"filters\" hidden>\n\
                 <label>Source or code <input id=\"filter-text\" type=\"search\" \
                 autocomplete=\"off\" spellcheck=\"false\"></label>\n\
                 <label>Code <select id=\"filter-code\"><option value=\"\">any code</option>\
                 </select></label>\n\
                 <label>Severity <select id=\"filter-severity\">\
                 <option value=\"\">any severity</option><option value=\"error\">error</option>\
                 <option value=\"warning\">warning</option><option value=\"info\">info</option>\
                 </select></label>\n\
                 <button type=\"reset\" id=\"filter-clear\">Clear</button>\n</form>\n\
                 <p id=\"shown\" class=\"note\" aria-live=\"polite\"></p>\n\
                 <div class=\"scroll\"><table id=\"rows\" class=\"rows\">\n\
                 <thead><tr><th scope=\"col\">Source</th><th scope=\"col\">Type</th>\
                 <th scope=\"col\">Severity</th><th scope=\"col\">Code</th>\
                 <th scope=\"col\">Path</th><th scope=\"col\">Message</th></tr></thead>\n\
                 <tbody id=\"rows-body\"></tbody>\n</table></div>\n\
                 <button type=\"button\" id=\"more\" hidden>Show more</button>\n",
            );
        }
        page.push_str("</section>\n");
    }

    fn unread_sections(&self, page: &mut String) {
        page.push_str("<section id=\"failures\">\n<h2>Inputs not read</h2>\n");
        if self.failures.is_empty() {
            page.push_str("<p class=\"note\">None.</p>\n");
        } else {
            page.push_str(
                "<table class=\"plain\"><thead><tr><th scope=\"col\">Input</th>\
                 <th scope=\"col\">What went wrong</th></tr></thead>\n<tbody>\n",
            );
            for (path, message) in &self.failures {
                let _ = writeln!(
                    page,
                    "<tr><td class=\"src\">{}</td><td>{}</td></tr>",
                    esc(path.as_deref().unwrap_or("")),
                    esc(message)
                );
            }
            page.push_str("</tbody></table>\n");
            not_listed(page, self.failures_not_listed);
        }
        page.push_str("</section>\n<section id=\"skipped\">\n<h2>Inputs skipped</h2>\n");
        if self.skipped.is_empty() {
            page.push_str("<p class=\"note\">None.</p>\n");
        } else {
            page.push_str(
                "<table class=\"plain\"><thead><tr><th scope=\"col\">Input</th>\
                 <th scope=\"col\">Kind (not read)</th></tr></thead>\n<tbody>\n",
            );
            for (path, kind) in &self.skipped {
                let _ = writeln!(
                    page,
                    "<tr><td class=\"src\">{}</td><td>{}</td></tr>",
                    esc(path),
                    esc(kind)
                );
            }
            page.push_str("</tbody></table>\n");
            not_listed(page, self.skipped_not_listed);
        }
        page.push_str("</section>\n");
    }
}

fn not_listed(page: &mut String, count: u64) {
    if count > 0 {
        let _ = writeln!(
            page,
            "<p class=\"note\">And {} more not listed.</p>",
            group(count)
        );
    }
}

/// Counts by traffic type and by format, with verdicts.
fn traffic(page: &mut String, s: &Summary) {
    page.push_str("<section id=\"traffic\">\n<h2>By traffic type</h2>\n");
    verdict_table(page, "Traffic type", "by-traffic", &s.by_traffic_type, s);
    page.push_str("<details>\n<summary>By format</summary>\n");
    verdict_table(page, "Format", "by-format", &s.by_format, s);
    page.push_str("</details>\n</section>\n");
}

fn verdict_table(
    page: &mut String,
    what: &str,
    id: &str,
    rows: &std::collections::BTreeMap<&'static str, super::Verdicts>,
    s: &Summary,
) {
    let _ = write!(
        page,
        "<table class=\"plain counts\" id=\"{id}\">\n<thead><tr><th scope=\"col\">{what}</th>\
         <th scope=\"col\">Payloads</th><th scope=\"col\">Valid</th>\
         <th scope=\"col\">Invalid</th></tr></thead>\n<tbody>\n"
    );
    for (name, v) in rows {
        let _ = writeln!(
            page,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            esc(name),
            group(v.valid + v.invalid),
            group(v.valid),
            if v.invalid > 0 { "bad" } else { "" },
            group(v.invalid)
        );
    }
    let _ = write!(
        page,
        "</tbody>\n<tfoot><tr><th scope=\"row\">All</th><td>{}</td><td>{}</td><td>{}</td>\
         </tr></tfoot>\n</table>\n",
        group(s.payloads),
        group(s.valid),
        group(s.invalid)
    );
}

/// The most frequent codes as CSS bars, coloured by severity, each a link that filters
/// the table (`#code=…`), with its counts as text.
fn chart(page: &mut String, s: &Summary) {
    page.push_str("<section id=\"codes\">\n<h2>Most frequent codes</h2>\n");
    let codes = s.top_codes();
    if codes.is_empty() {
        page.push_str("<p class=\"note\">No diagnostics.</p>\n</section>\n");
        return;
    }
    let max = codes.first().map_or(1, |(_, c)| c.count.max(1));
    page.push_str(
        "<p class=\"legend\"><span class=\"key sev-error\"></span>error \
         <span class=\"key sev-warning\"></span>warning \
         <span class=\"key sev-info\"></span>info</p>\n<ol class=\"chart\">\n",
    );
    for (code, c) in codes.iter().take(CHART_CODES) {
        // Tenths of a percent, at least 0.5% so that every bar shows.
        let width = (c.count.saturating_mul(1000) / max).max(5);
        let severity = c.severity.as_str();
        let code = esc(code);
        let _ = writeln!(
            page,
            "<li><a href=\"#code={code}\" data-code=\"{code}\">\
             <span class=\"code\">{code}</span>\
             <span class=\"track\" aria-hidden=\"true\"><span class=\"bar sev-{severity}\" \
             style=\"width:{}.{}%\"></span></span>\
             <span class=\"count\">{} <span class=\"sev\">{severity}</span>, \
             {} payload{}</span></a></li>",
            width / 10,
            width % 10,
            group(c.count),
            group(c.payloads),
            plural(c.payloads),
        );
    }
    page.push_str("</ol>\n");
    if codes.len() > CHART_CODES {
        let _ = writeln!(
            page,
            "<p class=\"note\">{} other code{} (all in the table below).</p>",
            codes.len() - CHART_CODES,
            plural((codes.len() - CHART_CODES) as u64)
        );
    }
    let _ = write!(
        page,
        "<details>\n<summary>All {} codes</summary>\n<table class=\"plain counts\" \
         id=\"all-codes\">\n<thead><tr><th scope=\"col\">Code</th><th scope=\"col\">Severity</th>\
         <th scope=\"col\">Diagnostics</th><th scope=\"col\">Payloads</th></tr></thead>\n<tbody>\n",
        codes.len()
    );
    for (code, c) in &codes {
        let code = esc(code);
        let _ = writeln!(
            page,
            "<tr><th scope=\"row\"><a href=\"#code={code}\">{code}</a></th>\
             <td class=\"sev-{0}\">{0}</td><td>{1}</td><td>{2}</td></tr>",
            c.severity.as_str(),
            group(c.count),
            group(c.payloads)
        );
    }
    page.push_str("</tbody>\n</table>\n</details>\n</section>\n");
}

/// Text for HTML content or a quoted attribute value: control and bidirectional
/// characters as `\u{…}` ([`printable`]), then the five markup characters as
/// references.
fn esc(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `1234567` as `1,234,567`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Bytes in decimal units, as the contract counts them (a megabyte is 10^6 bytes).
fn decimal_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1_000_000_000_000, "TB"),
        (1_000_000_000, "GB"),
        (1_000_000, "MB"),
        (1_000, "kB"),
    ];
    for (size, unit) in UNITS {
        if n >= size {
            let tenths = n / (size / 10);
            return format!("{}.{} {unit}", group(tenths / 10), tenths % 10);
        }
    }
    format!("{n} B")
}

/// A writer for JSON inside a `<script>` element: `<`, `>` and `&` become `\u003c`,
/// `\u003e` and `\u0026`. In JSON these bytes occur only inside strings, where the
/// escapes mean the same characters, so the data is unchanged and no `</script>` or
/// `<!--` can appear in the element (HTML Living Standard, "Restrictions for contents
/// of script elements").
struct ScriptSafe<W>(W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, byte) in buf.iter().enumerate() {
            let escape: &[u8] = match byte {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                _ => continue,
            };
            self.0.write_all(buf.get(start..i).unwrap_or_default())?;
            self.0.write_all(escape)?;
            start = i + 1;
        }
        self.0.write_all(buf.get(start..).unwrap_or_default())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_bytes_are_decimal() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(decimal_bytes(999), "999 B");
        assert_eq!(decimal_bytes(40_000_000), "40.0 MB");
        assert_eq!(decimal_bytes(1_550), "1.5 kB");
    }

    #[test]
    fn script_safe_json_cannot_close_its_element() {
        let mut out = Vec::new();
        let value = serde_json::json!({"s": "</script><!--&>"});
        serde_json::to_writer(ScriptSafe(&mut out), &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn markup_characters_and_controls_are_escaped() {
        assert_eq!(
            esc("a<b>&\"'\u{202e}\n"),
            "a&lt;b&gt;&amp;&quot;&#39;\\u{202e}\\u{a}"
        );
    }
}
