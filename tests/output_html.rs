//! The HTML report (`output::Html`, `triage validate --html FILE`): well-formed whatever
//! the names, bounded whatever the run, free of payload values, and rendered by a real
//! browser (headless Chromium) with its script building and filtering the table.
//!
//! The browser tests need `chromium-headless-shell` (Debian package of that name; `.ci/run`
//! installs it). Without it they fail, saying how to install it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::io::Cursor;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use payload_triage::batch::{self, Options, Record};
use payload_triage::output::{Event, Html, RunWriter, Summary};
use payload_triage::{Context, Engine, Report, TrafficType};
use serde_json::Value;

// ---------------------------------------------------------------------------------
// Building pages

/// Runs the batch runner over `paths` into `html`, the way the command line does.
fn run_batch<W: std::io::Write>(paths: &[PathBuf], html: &mut Html<W>) -> Summary {
    let engine = Engine::default();
    let mut summary = Summary::new();
    batch::run(
        &engine,
        paths,
        &Options::default(),
        |name| Ok(Context::new().named(name)),
        |record| {
            match record {
                Record::Report(report) | Record::JsonLine(report, _) => {
                    let event = Event::Report(&report);
                    summary.count(&event);
                    html.event(&event).unwrap();
                }
                Record::Failed(error) => {
                    let message = error.to_string();
                    let event = Event::Failed {
                        path: error.input_name(),
                        message: &message,
                    };
                    summary.count(&event);
                    html.event(&event).unwrap();
                }
                Record::Skipped { path, kind } => {
                    let event = Event::Skipped { path: &path, kind };
                    summary.count(&event);
                    html.event(&event).unwrap();
                }
                other => panic!("unexpected record {other:?}"),
            }
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    summary.set_elapsed(Duration::from_millis(1234));
    html.finish(&summary).unwrap();
    summary
}

/// The page for the sample archive (`examples/archive`), through the library.
fn sample_page() -> String {
    let mut page = Vec::new();
    let archive = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/archive"));
    let summary = run_batch(&[archive], &mut Html::new(&mut page));
    assert!(
        summary.invalid > 0,
        "the sample archive holds invalid payloads"
    );
    String::from_utf8(page).unwrap()
}

/// A page from reports given directly, with the events counted.
fn page_of(reports: &[Report]) -> String {
    page_with(reports, false, Html::<Vec<u8>>::DEFAULT_MAX_LISTED)
}

/// A page from reports given directly, redacted or not, with at most `max_listed`.
fn page_with(reports: &[Report], redacted: bool, max_listed: usize) -> String {
    let mut out = Vec::new();
    {
        let mut writer = Html::new(&mut out)
            .with_redacted(redacted)
            .with_max_listed(max_listed);
        let mut summary = Summary::new();
        for report in reports {
            let event = Event::Report(report);
            summary.count(&event);
            writer.event(&event).unwrap();
        }
        writer.finish(&summary).unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn empty_payload(source: &str) -> Report {
    Engine::default().validate(
        b"",
        &Context::new().with_hint(TrafficType::Other).named(source),
    )
}

// ---------------------------------------------------------------------------------
// Reading pages

fn is_bidi_or_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text between tags, or an attribute value: no raw `<` or `>`, and `&` only as one of
/// the references the writer uses.
fn check_text(text: &str) {
    assert!(
        !text.contains('<') && !text.contains('>'),
        "raw markup character in {text:?}"
    );
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        rest = &rest[at..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|r| rest.starts_with(r)),
            "bare & in {text:?}"
        );
        rest = &rest[1..];
    }
}

const VOID: [&str; 4] = ["meta", "input", "br", "hr"];

/// Checks the page's markup strictly (stricter than HTML needs): every element closed
/// in order, attribute values quoted and escaped, text escaped, no comments, no control
/// or bidirectional characters anywhere, exactly two script elements (the data block
/// and the page's script) whose contents cannot end early. Returns the data block.
fn well_formed(page: &str) -> Value {
    let doctype = "<!doctype html>\n";
    assert!(page.starts_with(doctype), "{}", &page[..page.len().min(80)]);
    for c in page.chars() {
        let raw = (c.is_control() && c != '\n') || is_bidi_or_separator(c);
        assert!(!raw, "raw {c:?} in the page");
    }
    let mut rest = &page[doctype.len()..];
    let mut open: Vec<&str> = Vec::new();
    let mut scripts = 0;
    let mut data = None;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').unwrap();
            let name = &after[..end];
            assert_eq!(open.pop(), Some(name), "</{name}> closes the wrong element");
            rest = &after[end + 1..];
            continue;
        }
        assert!(
            !rest.starts_with("<!"),
            "comment or declaration: {}",
            &rest[..rest.len().min(40)]
        );
        let tag = &rest[1..];
        let name_end = tag.find(|c: char| !c.is_ascii_alphanumeric()).unwrap();
        let name = &tag[..name_end];
        assert!(
            !name.is_empty(),
            "empty tag name at {}",
            &rest[..rest.len().min(40)]
        );
        let mut attrs = &tag[name_end..];
        let mut id = None;
        let mut kind = None;
        loop {
            attrs = attrs.trim_start_matches([' ', '\n']);
            if let Some(after) = attrs.strip_prefix('>') {
                attrs = after;
                break;
            }
            let key_end = attrs
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap();
            let key = &attrs[..key_end];
            assert!(
                !key.is_empty(),
                "bad attribute in <{name}>: {}",
                &attrs[..attrs.len().min(40)]
            );
            attrs = &attrs[key_end..];
            if let Some(after) = attrs.strip_prefix("=\"") {
                let end = after.find('"').unwrap();
                let value = &after[..end];
                check_text(value);
                if key == "id" {
                    id = Some(value);
                }
                if key == "type" {
                    kind = Some(value);
                }
                attrs = &after[end + 1..];
            }
        }
        rest = attrs;
        if name == "script" || name == "style" {
            let close = format!("</{name}>");
            let end = rest.find(&close).unwrap();
            let raw = &rest[..end];
            assert!(!raw.contains("<!--"), "<!-- inside <{name}>");
            if name == "script" {
                scripts += 1;
                if id == Some("data") {
                    assert_eq!(kind, Some("application/json"));
                    data = Some(serde_json::from_str::<Value>(raw).unwrap());
                }
            }
            rest = &rest[end + close.len()..];
        } else if !VOID.contains(&name) {
            open.push(name);
        }
    }
    check_text(rest);
    assert!(open.is_empty(), "elements left open: {open:?}");
    assert_eq!(
        scripts, 2,
        "the data block and the page's script, nothing else"
    );
    data.expect("the page has its data block")
}

/// Sources of the listed payloads in the data block.
fn listed_sources(data: &Value) -> Vec<String> {
    data["payloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["s"].as_str().unwrap().to_owned())
        .collect()
}

/// Every diagnostic row of the data block: [severity, code, path, message, embedded-in].
fn data_rows(data: &Value) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for p in data["payloads"].as_array().unwrap() {
        for d in p["d"].as_array().unwrap() {
            rows.push(
                d.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect(),
            );
        }
    }
    rows
}

// ---------------------------------------------------------------------------------
// Rust-level tests

#[test]
fn zero_payloads_give_a_well_formed_page() {
    let page = page_of(&[]);
    let data = well_formed(&page);
    assert_eq!(data["payloads"], serde_json::json!([]));
    assert_eq!(data["not_listed"], 0);
    assert!(page.contains("<title>payload-triage: No payloads</title>"));
    assert!(page.contains("No diagnostics."));
    // No table to build, so no filters either.
    assert!(!page.contains("id=\"rows\""));
}

#[test]
fn an_all_unreadable_run_lists_every_input_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone <b>&amp;.hl7");
    let also_gone = dir.path().join("never-there");
    let mut page = Vec::new();
    let summary = run_batch(&[gone, also_gone], &mut Html::new(&mut page));
    let page = String::from_utf8(page).unwrap();
    assert_eq!((summary.payloads, summary.io_errors), (0, 2));
    let data = well_formed(&page);
    assert_eq!(data["payloads"], serde_json::json!([]));
    assert!(page.contains("No payloads, 2 could not be read"), "{page}");
    let failures = section(&page, "failures");
    assert!(
        failures.contains("gone &lt;b&gt;&amp;amp;.hl7"),
        "{failures}"
    );
    assert!(failures.contains("never-there"), "{failures}");
    assert_eq!(
        failures.matches("<tr>").count(),
        3,
        "a header and two inputs: {failures}"
    );
}

/// The static HTML of one section of the page.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("<section id=\"{id}\">")).unwrap();
    let end = start + page[start..].find("</section>").unwrap();
    &page[start..end]
}

/// Names an attacker might choose: markup that would close the data block or open a
/// script, quotes, ampersands, control characters, ANSI escapes and bidirectional
/// overrides.
const HOSTILE: [&str; 7] = [
    "</script><script>document.body.setAttribute('data-pwned','1')</script>",
    "<!--<script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">",
    "quote\"apostrophe'amp&amp;lt;",
    "ctrl\u{1}\u{1b}[31mred\u{7f}\u{85}",
    "bidi\u{202e}lmth.exe\u{2066}x\u{2069}",
    "line\u{2028}sep\nnewline\ttab\r",
];

fn hostile_reports() -> Vec<Report> {
    HOSTILE
        .iter()
        .map(|name| {
            let mut report = empty_payload(name);
            // Paths and messages are the engine's, escaped already; hostile ones here
            // check that the page escapes again rather than trusting that.
            let d = &mut report.diagnostics[0];
            d.path = format!("/{name}");
            d.message = format!("message {name}");
            report
        })
        .collect()
}

#[test]
fn hostile_names_are_escaped_in_markup_and_in_the_data_block() {
    let page = page_of(&hostile_reports());
    let data = well_formed(&page);
    let sources = listed_sources(&data);
    assert_eq!(sources.len(), HOSTILE.len());
    // Markup characters survive as text (the browser shows them as written); controls
    // are shown as \u{…}.
    assert_eq!(sources[0], HOSTILE[0]);
    assert_eq!(sources[1], HOSTILE[1]);
    assert_eq!(sources[3], HOSTILE[3]);
    assert_eq!(sources[4], "ctrl\\u{1}\\u{1b}[31mred\\u{7f}\\u{85}");
    assert_eq!(sources[5], "bidi\\u{202e}lmth.exe\\u{2066}x\\u{2069}");
    assert_eq!(sources[6], "line\\u{2028}sep\\u{a}newline\\u{9}tab\\u{d}");
    let rows = data_rows(&data);
    assert_eq!(rows[0][2], format!("/{}", HOSTILE[0]));
    assert_eq!(rows[0][3], format!("message {}", HOSTILE[0]));
    // Nothing of the names appears as markup.
    assert!(!page.contains("</script><script>document"));
    assert!(!page.contains("<img"));
}

#[test]
fn hostile_failures_and_skipped_inputs_are_escaped() {
    let mut out = Vec::new();
    let mut html = Html::new(&mut out);
    let mut summary = Summary::new();
    for event in [
        Event::Failed {
            path: Some(HOSTILE[0]),
            message: HOSTILE[2],
        },
        Event::Failed {
            path: None,
            message: HOSTILE[5],
        },
        Event::Skipped {
            path: HOSTILE[4],
            kind: "FIFO",
        },
    ] {
        summary.count(&event);
        html.event(&event).unwrap();
    }
    html.finish(&summary).unwrap();
    let page = String::from_utf8(out).unwrap();
    well_formed(&page);
    let failures = section(&page, "failures");
    assert!(failures.contains(
        "&lt;/script&gt;&lt;script&gt;document.body.setAttribute(&#39;data-pwned&#39;,&#39;1&#39;)&lt;/script&gt;"
    ));
    assert!(failures.contains("bidi\\u{202e}lmth.exe"));
    let skipped = section(&page, "skipped");
    assert!(skipped.contains("ctrl\\u{1}\\u{1b}[31mred") && skipped.contains("FIFO"));
}

/// Files whose names hold control characters and bytes that are not UTF-8, and a zip
/// entry whose name is markup: the batch runner %-escapes the first two, the page
/// escapes the rest.
fn hostile_tree() -> tempfile::TempDir {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    for name in [
        &b"ctrl\x01\x1b[31m.hl7"[..],
        b"bad\xff\xfeutf8.hl7",
        b"quote\"amp&apos'.hl7",
        "bidi\u{202e}txt.exe".as_bytes(),
    ] {
        std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(name)), b"").unwrap();
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file(HOSTILE[0], options).unwrap();
    zip.start_file("<!--x", options).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    std::fs::write(dir.path().join("names.zip"), bytes).unwrap();
    dir
}

#[test]
fn hostile_file_and_entry_names_from_the_batch_runner() {
    let dir = hostile_tree();
    let mut page = Vec::new();
    let summary = run_batch(&[dir.path().to_path_buf()], &mut Html::new(&mut page));
    let page = String::from_utf8(page).unwrap();
    assert_eq!(summary.invalid, 6, "every file and entry is empty");
    let data = well_formed(&page);
    let sources = listed_sources(&data);
    let ends = |suffix: &str| sources.iter().any(|s| s.ends_with(suffix));
    assert!(ends("/ctrl%01%1B[31m.hl7"), "{sources:?}");
    assert!(ends("/bad%FF%FEutf8.hl7"), "{sources:?}");
    assert!(ends("/quote\"amp&apos'.hl7"), "{sources:?}");
    assert!(ends("/bidi%E2%80%AEtxt.exe"), "{sources:?}");
    assert!(
        ends(&format!("names.zip%21/{}", HOSTILE[0]))
            || ends(&format!("names.zip!/{}", HOSTILE[0])),
        "{sources:?}"
    );
    assert!(!page.contains("</script><script>document"));
}

#[test]
fn listed_payloads_are_bounded_and_the_rest_counted() {
    let mut reports: Vec<Report> = (0..10).map(|i| empty_payload(&format!("bad{i}"))).collect();
    let valid = Engine::default().validate(
        b"MSH|^~\\&|A|B|C|D|20230101120000+0000||ADT^A01|1|P|2.5\rEVN|A01|20230101120000+0000\rPID|1||1||X^Y\rPV1|1|I\r",
        &Context::new().with_hint(TrafficType::Hl7v2Mllp).named("ok"),
    );
    reports.push(valid);
    let page = page_with(&reports, false, 3);
    let data = well_formed(&page);
    assert_eq!(listed_sources(&data), ["bad0", "bad1", "bad2"]);
    assert_eq!(data["not_listed"], 7);
    assert!(
        page.contains("and 7 more not listed"),
        "{}",
        section(&page, "invalid")
    );
    assert!(page.contains("of 11 payloads invalid"));
}

#[test]
fn diagnostics_per_payload_are_bounded() {
    let mut report = empty_payload("many");
    let first = report.diagnostics[0].clone();
    report.diagnostics = vec![first; 150];
    let page = page_of(&[report]);
    let data = well_formed(&page);
    assert_eq!(data["payloads"][0]["d"].as_array().unwrap().len(), 100);
    assert_eq!(data["payloads"][0]["m"], 50);
}

#[test]
fn held_text_is_bounded() {
    // 40 payloads with a 1 MiB path each: past 32 MiB of held text, payloads are
    // counted, not listed, so the page stays bounded whatever the reports hold.
    let long = "x".repeat(1 << 20);
    let reports: Vec<Report> = (0..40)
        .map(|i| {
            let mut r = empty_payload(&format!("big{i}"));
            r.diagnostics[0].path = long.clone();
            r
        })
        .collect();
    let page = page_of(&reports);
    let data = well_formed(&page);
    let listed = listed_sources(&data).len() as u64;
    assert!(listed > 0 && listed < 40, "{listed}");
    assert_eq!(listed + data["not_listed"].as_u64().unwrap(), 40);
    assert!(page.len() < 34 << 20, "{}", page.len());
}

/// An HL7 message with a control id, a sender and an impossible date: invalid, with
/// datetimes and exchange metadata in its report that the page must not hold.
const PHI_HL7: &[u8] = b"MSH|^~\\&|SENDERAPPQ|SENDERFACQ|RCV|RCVFAC|20230230120000+0000||ADT^A01|CTRLID4711XYZ|P|2.5\rEVN|A01|20230230120000+0000\rPID|1||PATID998877||DOEQ^JANEQ||19800101\rPV1|1|I\r";

#[test]
fn the_page_holds_no_payload_values() {
    let report = Engine::default().validate(
        PHI_HL7,
        &Context::new()
            .with_hint(TrafficType::Hl7v2Mllp)
            .named("phi.hl7"),
    );
    assert!(!report.is_valid());
    assert!(!report.datetimes.is_empty() && !report.exchange.is_empty());
    let page = page_of(&[report]);
    well_formed(&page);
    for value in [
        "CTRLID4711XYZ",
        "SENDERAPPQ",
        "SENDERFACQ",
        "20230230",
        "PATID998877",
        "DOEQ",
        "JANEQ",
        "19800101",
    ] {
        assert!(!page.contains(value), "{value} is in the page");
    }
    assert!(page.contains("DATETIME_INVALID_DATE"));
}

#[test]
fn redacted_pages_drop_messages_and_keep_codes_severities_and_paths() {
    let report = Engine::default().validate(
        PHI_HL7,
        &Context::new()
            .with_hint(TrafficType::Hl7v2Mllp)
            .named("phi.hl7"),
    );
    let messages: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    let plain = page_of(std::slice::from_ref(&report));
    let redacted = page_with(&[report], true, Html::<Vec<u8>>::DEFAULT_MAX_LISTED);
    let plain_data = well_formed(&plain);
    let data = well_formed(&redacted);
    assert_eq!(data["redacted"], true);
    assert_eq!(plain_data["redacted"], false);
    let (plain_rows, rows) = (data_rows(&plain_data), data_rows(&data));
    assert_eq!(plain_rows.len(), rows.len());
    for (p, r) in plain_rows.iter().zip(&rows) {
        assert_eq!((&p[0], &p[1], &p[2], &p[4]), (&r[0], &r[1], &r[2], &r[4]));
        assert!(!p[3].is_empty());
        assert_eq!(r[3], "", "a redacted row keeps no message");
    }
    for message in messages {
        assert!(plain.contains(
            &message
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
        ));
        assert!(!redacted.contains(&message), "{message}");
    }
    assert!(redacted.contains("Redacted: diagnostics show their code"));
}

/// A FHIR Binary carrying a truncated PDF: its report holds an embedded report.
fn with_embedded() -> Report {
    use base64::Engine as _;
    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4\n1 0 obj\n<<>>\n");
    let json = format!(
        "{{\"resourceType\":\"Binary\",\"contentType\":\"application/pdf\",\"data\":\"{pdf}\"}}"
    );
    Engine::default().validate(
        json.as_bytes(),
        &Context::new()
            .with_hint(TrafficType::RedoxApi)
            .named("binary.json"),
    )
}

#[test]
fn embedded_reports_diagnostics_are_listed_and_marked() {
    let report = with_embedded();
    assert!(!report.embedded.is_empty(), "{}", report.to_json_line());
    assert!(!report.is_valid(), "{}", report.to_json_line());
    let inner = &report.embedded[0];
    let page = page_of(std::slice::from_ref(&report));
    let rows = data_rows(&well_formed(&page));
    let embedded: Vec<_> = rows.iter().filter(|r| !r[4].is_empty()).collect();
    assert_eq!(embedded.len(), inner.diagnostics.len(), "{rows:?}");
    for row in embedded {
        assert_eq!(row[4], inner.source);
    }
    assert!(
        rows.iter()
            .any(|r| r[4].is_empty() && r[1] == "EMBEDDED_FILE_INVALID"),
        "{rows:?}"
    );
}

#[test]
fn the_page_fetches_nothing() {
    let page = sample_page();
    well_formed(&page);
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"
    ));
    for scheme in [
        "http:",
        "https:",
        "=\"//",
        "url(",
        "@import",
        " src=",
        " href=\"/",
    ] {
        assert!(!page.contains(scheme), "{scheme} in the page");
    }
}

#[test]
fn counts_chart_and_versions_are_static_html() {
    let page = sample_page();
    // Everything before the data block shows without the script.
    let static_part = &page[..page.find("<script").unwrap()];
    let traffic = section(static_part, "traffic");
    assert!(
        traffic.contains("<th scope=\"row\">hl7v2_mllp</th>"),
        "{traffic}"
    );
    assert!(traffic.contains("<th scope=\"row\">All</th>"));
    let codes = section(static_part, "codes");
    assert!(
        codes.contains("href=\"#code=HL7_SEGMENT_MISSING\""),
        "{codes}"
    );
    assert!(codes.contains("class=\"bar sev-error\""));
    assert!(codes.contains("class=\"bar sev-warning\""));
    let versions = payload_triage::data_versions();
    let footer = &static_part[static_part.find("<footer>").unwrap()..];
    assert!(footer.contains(env!("CARGO_PKG_VERSION")));
    assert!(footer.contains(versions.tzdb_version));
    assert!(footer.contains(versions.fhir_version));
    assert!(footer.contains(versions.hl7v2_source));
}

// ---------------------------------------------------------------------------------
// Headless Chromium

const CHROMIUM: &str = "/usr/bin/chromium-headless-shell";

/// The browser, or a failure saying how to get it: a missing browser must not let the
/// rendering tests pass by checking nothing. On a fresh machine the first call installs
/// it (`tools/browser/install-chromium.sh`: Debian's package, as root), once per run,
/// so `cargo test --release` does its own set-up.
fn chromium() -> PathBuf {
    static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let path =
        std::env::var_os("TRIAGE_CHROMIUM").map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from);
    if !path.is_file() && std::env::var_os("TRIAGE_CHROMIUM").is_none() {
        let installed = INSTALLED.get_or_init(|| {
            let script =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/browser/install-chromium.sh");
            match Command::new("bash").arg(&script).output() {
                Ok(out) if out.status.success() => Ok(()),
                Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
                Err(e) => Err(e.to_string()),
            }
        });
        if let Err(why) = installed {
            panic!("headless Chromium could not be installed: {why}");
        }
    }
    assert!(
        path.is_file(),
        "headless Chromium is not at {}: install it with \
         `apt-get install -y --no-install-recommends chromium-headless-shell` (Debian 12; \
         tools/browser/install-chromium.sh does this) or set TRIAGE_CHROMIUM to the browser's path",
        path.display()
    );
    path
}

/// Opens `file` (with `fragment`) in headless Chromium with `extra` arguments, a fresh
/// profile and no network services; returns its standard output.
fn browse(file: &Path, fragment: &str, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!(
        "file://{}{fragment}",
        file.canonicalize().unwrap().display()
    );
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both pipes are drained while the browser runs, so a large DOM cannot fill one
    // and stall it.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    // A guard against a hung browser, far above its usual half second.
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("headless Chromium did not finish on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(
        status.success(),
        "Chromium failed on {url}: {}",
        String::from_utf8_lossy(&stderr)
    );
    String::from_utf8(stdout).unwrap()
}

/// The DOM of `page` after its script ran, opened at `fragment`.
fn dump_dom(page: &str, fragment: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, page).unwrap();
    let dom = browse(&file, fragment, &["--dump-dom".to_owned()]);
    assert!(
        dom.contains("data-rendered=\"1\""),
        "the page's script did not finish:\n{dom}"
    );
    assert!(
        dom.contains("<div id=\"errors\" role=\"alert\"></div>"),
        "script errors:\n{}",
        &dom[dom.find("id=\"errors\"").unwrap_or(0)..][..400.min(dom.len())]
    );
    dom
}

/// A table row as the script built it.
#[derive(Debug)]
struct DomRow {
    code: String,
    severity: String,
    source: String,
    embedded: bool,
}

/// The rows of the diagnostics table in a dumped DOM.
fn dom_rows(dom: &str) -> Vec<DomRow> {
    let start = dom
        .find("<tbody id=\"rows-body\">")
        .expect("the table's body");
    let body = &dom[start..start + dom[start..].find("</tbody>").unwrap()];
    body.split("<tr ")
        .skip(1)
        .map(|tr| {
            let attr = |name: &str| {
                let at = tr.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                tr[at..at + tr[at..].find('"').unwrap()].to_owned()
            };
            let open = "<td class=\"src\"><span class=\"name\">";
            let src_at = tr.find(open).unwrap() + open.len();
            let src_end = src_at + tr[src_at..].find(['<']).unwrap();
            DomRow {
                code: attr("data-code"),
                severity: attr("data-severity"),
                source: tr[src_at..src_end].to_owned(),
                embedded: attr("class").contains("embedded"),
            }
        })
        .collect()
}

/// The screenshot, kept as a CI artifact: `target/artifacts/html-report.png`.
fn artifact_path() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target dir>/tmp`, wherever the target dir is.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let dir = target.join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("html-report.png")
}

#[test]
fn chromium_renders_the_sample_archive_and_takes_a_screenshot() {
    let page = sample_page();
    let data = well_formed(&page);
    let expected = data_rows(&data);
    let dom = dump_dom(&page, "");
    let rows = dom_rows(&dom);
    assert_eq!(rows.len(), expected.len(), "one row per listed diagnostic");
    for (row, want) in rows.iter().zip(&expected) {
        assert_eq!((&row.severity, &row.code), (&want[0], &want[1]));
    }
    assert!(rows.iter().any(|r| r.code == "HL7_SEGMENT_MISSING"));
    assert!(dom.contains(&format!("data-matches=\"{}\"", expected.len())));
    assert!(
        !dom.contains("<form id=\"filters\" class=\"filters\" hidden"),
        "the script shows the filters"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, &page).unwrap();
    screenshot(&file, &dir.path().join("library.png"));
}

/// Takes a 1280x2000 screenshot of `file` into `png` and checks that it is one.
fn screenshot(file: &Path, png: &Path) {
    let _ = std::fs::remove_file(png);
    browse(
        file,
        "",
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".to_owned(),
        ],
    );
    let bytes = std::fs::read(png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2000));
    assert!(
        bytes.len() > 20_000,
        "a page with content, not a blank image: {} bytes",
        bytes.len()
    );
}

#[test]
fn chromium_honours_a_code_filter_in_the_fragment() {
    let page = sample_page();
    let expected = data_rows(&well_formed(&page))
        .iter()
        .filter(|r| r[1] == "HL7_SEGMENT_MISSING")
        .count();
    assert!(expected > 0);
    let dom = dump_dom(&page, "#code=HL7_SEGMENT_MISSING");
    let rows = dom_rows(&dom);
    assert_eq!(rows.len(), expected, "{rows:?}");
    assert!(
        rows.iter().all(|r| r.code == "HL7_SEGMENT_MISSING"),
        "{rows:?}"
    );
    assert!(dom.contains("data-code=\"HL7_SEGMENT_MISSING\" data-severity=\"\" data-q=\"\""));
}

#[test]
fn chromium_honours_severity_and_text_filters_in_the_fragment() {
    let page = sample_page();
    let all = data_rows(&well_formed(&page));
    let warnings = all.iter().filter(|r| r[0] == "warning").count();
    assert!(warnings > 0 && warnings < all.len());
    let rows = dom_rows(&dump_dom(&page, "#severity=warning"));
    assert_eq!(rows.len(), warnings);
    assert!(rows.iter().all(|r| r.severity == "warning"));

    let rows = dom_rows(&dump_dom(&page, "#q=carequality"));
    assert!(!rows.is_empty() && rows.len() < all.len(), "{rows:?}");
    assert!(
        rows.iter().all(|r| r.source.contains("carequality")),
        "{rows:?}"
    );

    // A code no row has filters to nothing, and says so.
    let dom = dump_dom(&page, "#code=NO_SUCH_CODE");
    assert!(dom_rows(&dom).is_empty());
    assert!(dom.contains("data-matches=\"0\""));
}

#[test]
fn chromium_runs_no_script_from_hostile_names() {
    let mut reports = hostile_reports();
    reports.push(with_embedded());
    let page = page_of(&reports);
    well_formed(&page);
    let dom = dump_dom(&page, "");
    assert!(!dom.contains("data-pwned=\"1\""), "a name ran as script");
    assert_eq!(
        dom.matches("<script").count(),
        2,
        "no element came from a name"
    );
    assert!(!dom.contains("<img"));
    let rows = dom_rows(&dom);
    assert!(rows.iter().any(|r| r.embedded), "{rows:?}");
    let sources: Vec<&str> = rows.iter().map(|r| r.source.as_str()).collect();
    assert!(
        sources.contains(&"&lt;/script&gt;&lt;script&gt;document.body.setAttribute('data-pwned','1')&lt;/script&gt;"),
        "{sources:?}"
    );
    assert!(
        sources.contains(&"bidi\\u{202e}lmth.exe\\u{2066}x\\u{2069}"),
        "{sources:?}"
    );
}

#[test]
fn chromium_renders_runs_with_nothing_to_list() {
    // No payloads at all, and only inputs that could not be read.
    let dom = dump_dom(&page_of(&[]), "");
    assert!(dom.contains("No diagnostics."));
    let dir = tempfile::tempdir().unwrap();
    let mut page = Vec::new();
    run_batch(&[dir.path().join("missing.hl7")], &mut Html::new(&mut page));
    let dom = dump_dom(&String::from_utf8(page).unwrap(), "#code=X");
    assert!(dom.contains("missing.hl7"));
}

// ---------------------------------------------------------------------------------
// The command line: `triage validate --html FILE`

/// Runs `triage validate ARGS --html <dir>/report.html` from the crate's root; returns
/// the page, standard output and the exit status.
fn triage_html(args: &[&str], dir: &Path) -> (String, String, Option<i32>) {
    let page = dir.join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("validate")
        .args(args)
        .arg("--html")
        .arg(&page)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let page = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("no page ({e}): {stderr}"));
    (
        page,
        String::from_utf8(out.stdout).unwrap(),
        out.status.code(),
    )
}

/// Diagnostics of a JSON report and its embedded reports: (severity, code).
fn json_diagnostics(report: &Value, out: &mut Vec<(String, String)>) {
    for d in report["diagnostics"].as_array().unwrap() {
        out.push((
            d["severity"].as_str().unwrap().to_owned(),
            d["code"].as_str().unwrap().to_owned(),
        ));
    }
    for e in report["embedded"].as_array().unwrap() {
        json_diagnostics(e, out);
    }
}

#[test]
fn cli_html_alongside_json_matches_it_and_renders_with_a_screenshot() {
    let dir = tempfile::tempdir().unwrap();
    let (page, stdout, status) = triage_html(&["--format", "json", "examples/archive"], dir.path());
    assert_eq!(status, Some(1), "the sample archive holds invalid payloads");
    let data = well_formed(&page);
    let records: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let invalid: Vec<&Value> = records
        .iter()
        .filter(|r| r.get("source").is_some() && r["valid"] == false)
        .collect();
    let sources: Vec<&str> = invalid
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed_sources(&data),
        sources,
        "the invalid payloads, in the JSON's order"
    );
    let mut expected = Vec::new();
    for r in &invalid {
        json_diagnostics(r, &mut expected);
    }
    let rows: Vec<(String, String)> = data_rows(&data)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(rows, expected);
    let summary = records.iter().find(|r| r["record"] == "summary").unwrap();
    assert!(page.contains(&format!(
        "{} of {} payloads invalid",
        summary["invalid"], summary["payloads"]
    )));
    // Source names as the command line gave them.
    assert!(
        sources.iter().all(|s| s.starts_with("examples/archive/")),
        "{sources:?}"
    );

    let dom = dump_dom(&page, "");
    assert_eq!(dom_rows(&dom).len(), expected.len());
    let dom = dump_dom(&page, "#code=HL7_SEGMENT_MISSING");
    let filtered = dom_rows(&dom);
    assert!(!filtered.is_empty() && filtered.len() < expected.len());
    assert!(filtered.iter().all(|r| r.code == "HL7_SEGMENT_MISSING"));

    // The screenshot CI keeps: the page made by the README's command.
    screenshot(&dir.path().join("report.html"), &artifact_path());
}

#[test]
fn cli_html_follows_the_filters_and_counts_every_payload() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, _, _) = triage_html(&["--quiet", "examples/archive"], dir.path());
    let (page, _, status) = triage_html(
        &[
            "--format",
            "sarif",
            "--only-invalid",
            "--min-severity",
            "error",
            "examples/archive",
        ],
        dir.path(),
    );
    assert_eq!(status, Some(1));
    let rows = data_rows(&well_formed(&page));
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r[0] == "error"),
        "{rows:?}"
    );
    let all = data_rows(&well_formed(&plain));
    assert!(
        all.iter().any(|r| r[0] != "error"),
        "the unfiltered page lists warnings too"
    );
    // The counts are the run's, whatever is shown (the elapsed time aside).
    let counts = |p: &str| {
        let totals = section(p, "totals");
        totals[..totals.find("<dt>Elapsed</dt>").unwrap()].to_owned()
    };
    assert_eq!(counts(&plain), counts(&page));
    assert_eq!(section(&plain, "codes"), section(&page, "codes"));
}

#[test]
fn cli_html_with_zero_payloads_and_with_nothing_readable() {
    let dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let empty_arg = empty.path().display().to_string();
    let (page, _, status) = triage_html(&[&empty_arg], dir.path());
    assert_eq!(status, Some(0));
    well_formed(&page);
    assert!(page.contains("<title>payload-triage: No payloads</title>"));
    dump_dom(&page, "");

    let missing = empty.path().join("gone.hl7").display().to_string();
    let (page, _, status) = triage_html(&["--format", "json", &missing], dir.path());
    assert_eq!(status, Some(2));
    well_formed(&page);
    assert!(section(&page, "failures").contains("gone.hl7"));
    assert!(page.contains("No payloads, 1 could not be read"));
}

#[test]
fn cli_html_is_whole_after_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let page_path = dir.path().join("report.html");
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["validate", "--format", "json", "--html"])
        .arg(&page_path)
        .arg("examples/archive")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    well_formed(&std::fs::read_to_string(&page_path).unwrap());
}

#[test]
fn cli_html_in_redacted_mode_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (page, _, _) = triage_html(&["--redact", "--quiet", "examples/archive"], dir.path());
    well_formed(&page);
    assert!(page.contains("id=\"reports-redacted\""));
    let (page, _, _) = triage_html(&["--quiet", "examples/archive"], dir.path());
    assert!(!page.contains("id=\"reports-redacted\""));
}

#[test]
fn chromium_shows_a_bounded_list_of_many_rows_a_page_at_a_time() {
    // 1,200 invalid payloads: the script draws 500 rows, says how many there are, and
    // numbers are grouped as in the static part.
    let reports: Vec<Report> = (0..1200)
        .map(|i| empty_payload(&format!("m{i:04}")))
        .collect();
    let dom = dump_dom(&page_of(&reports), "");
    assert_eq!(dom_rows(&dom).len(), 500);
    assert!(
        dom.contains("Showing 500 of 1,200 diagnostics."),
        "{}",
        &dom[dom.find("id=\"shown\"").unwrap()..][..120]
    );
    assert!(dom.contains("<button type=\"button\" id=\"more\">Show more</button>"));
}
