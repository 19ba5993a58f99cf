//! The JUnit writer: documents that parse (quick-xml for the structure, and the crate's
//! own XML reader for XML 1.0 well-formedness, Char production included), counts that
//! match their test cases, failures that carry every diagnostic, and names that survive
//! control characters, markup and invalid UTF-8.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "common/output.rs"]
mod output;

use std::collections::BTreeMap;

use payload_triage::output::{Event as RunEvent, Junit, RunWriter, Summary};
use payload_triage::{Context, Engine, Format, Report, TrafficType};
use quick_xml::events::Event;
use quick_xml::Reader;

#[derive(Debug, Default)]
struct Case {
    attrs: BTreeMap<String, String>,
    /// `failure`, `error` or `skipped`, with its attributes and text.
    outcome: Option<(String, BTreeMap<String, String>, String)>,
    system_out: Option<String>,
}

#[derive(Debug, Default)]
struct Doc {
    suites: BTreeMap<String, String>,
    suite: BTreeMap<String, String>,
    suite_count: usize,
    properties: BTreeMap<String, String>,
    cases: Vec<Case>,
}

fn attrs(e: &quick_xml::events::BytesStart<'_>) -> BTreeMap<String, String> {
    e.attributes()
        .map(|a| {
            let a = a.unwrap();
            let key = a.key.as_ref().to_owned();
            (
                key,
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .unwrap()
                    .into_owned(),
            )
        })
        .collect()
}

/// Parses a JUnit document, checking it is well-formed XML 1.0 on the way.
fn parse(xml: &[u8]) -> Doc {
    // Well-formed to the crate's own XML reader (Char production, unique attributes,
    // entities, one root).
    let report = Engine::default().validate(xml, &Context::new().with_hint(TrafficType::Other));
    assert_eq!(report.format, Format::Xml, "not read as XML");
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| !d.code.name().starts_with("XML_")),
        "not well-formed: {:?}",
        report.diagnostics
    );
    let text = std::str::from_utf8(xml).expect("JUnit output is UTF-8");
    let mut reader = Reader::from_str(text);
    let mut doc = Doc::default();
    let mut stack: Vec<String> = Vec::new();
    let mut raw = String::new();
    loop {
        let event = reader.read_event().unwrap();
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_owned();
                let a = attrs(e);
                match name.as_str() {
                    "testsuites" => doc.suites = a,
                    "testsuite" => {
                        doc.suite = a;
                        doc.suite_count += 1;
                    }
                    "property" => {
                        doc.properties.insert(a["name"].clone(), a["value"].clone());
                    }
                    "testcase" => doc.cases.push(Case {
                        attrs: a,
                        ..Case::default()
                    }),
                    "failure" | "error" | "skipped" => {
                        let case = doc.cases.last_mut().unwrap();
                        assert!(case.outcome.is_none(), "one outcome per case");
                        case.outcome = Some((name.clone(), a, String::new()));
                    }
                    "system-out" | "properties" => {}
                    other => panic!("unexpected element {other}"),
                }
                if matches!(event, Event::Start(_)) {
                    stack.push(name);
                }
                raw.clear();
            }
            Event::Text(t) => raw.push_str(t),
            Event::GeneralRef(r) => {
                raw.push('&');
                raw.push_str(r);
                raw.push(';');
            }
            Event::CData(_) => panic!("no CDATA is written"),
            Event::End(e) => {
                let name = e.name().as_ref().to_owned();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
                let value = quick_xml::escape::unescape(&raw).unwrap().into_owned();
                let case = doc.cases.last_mut();
                match name.as_str() {
                    "failure" | "error" | "skipped" => {
                        case.unwrap().outcome.as_mut().unwrap().2 = value;
                    }
                    "system-out" => case.unwrap().system_out = Some(value),
                    _ => {}
                }
                raw.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty());
    assert_eq!(doc.suite_count, 1, "one suite per run");
    // The start tags' counts are the cases' counts.
    let count = |kind: &str| {
        doc.cases
            .iter()
            .filter(|c| c.outcome.as_ref().is_some_and(|o| o.0 == kind))
            .count()
            .to_string()
    };
    for counts in [&doc.suites, &doc.suite] {
        assert_eq!(counts["tests"], doc.cases.len().to_string());
        assert_eq!(counts["failures"], count("failure"));
        assert_eq!(counts["errors"], count("error"));
        assert_eq!(counts["skipped"], count("skipped"));
        assert!(counts["time"].parse::<f64>().is_ok());
    }
    doc
}

/// Every diagnostic of a report and its embedded reports, as the failure text lists
/// them.
fn lines(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    for e in &report.embedded {
        out.extend(
            lines(e)
                .into_iter()
                .map(|l| format!("[embedded {}] {l}", e.source)),
        );
    }
    out
}

/// What a name looks like once the controls XML 1.0 does not allow (and the C1 ones)
/// are written visibly.
fn visible(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c.to_string(),
            c if c.is_control() => format!("\\u{{{:x}}}", u32::from(c)),
            c => c.to_string(),
        })
        .collect()
}

fn check_cases(doc: &Doc, reports: &[Report]) {
    let cases: Vec<&Case> = doc
        .cases
        .iter()
        .filter(|c| c.attrs["classname"] != "io" && c.attrs["classname"] != "skipped")
        .collect();
    assert_eq!(cases.len(), reports.len());
    for (case, report) in cases.iter().zip(reports) {
        assert_eq!(case.attrs["name"], visible(&report.source));
        assert_eq!(
            case.attrs["classname"],
            format!(
                "{}.{}",
                report.traffic_type.as_str(),
                report.format.as_str()
            )
        );
        let expected = lines(report);
        if report.is_valid() {
            assert!(case.outcome.is_none());
            let out = case.system_out.clone().unwrap_or_default();
            assert_eq!(out.lines().count(), expected.len());
        } else {
            let (kind, a, text) = case.outcome.as_ref().unwrap();
            assert_eq!(kind, "failure");
            let first = report.errors().next().unwrap();
            assert_eq!(a["message"], visible(&first.to_string()));
            assert_eq!(a["type"], first.code.name());
            let got: Vec<&str> = text.lines().collect();
            let want: Vec<String> = expected.iter().map(|l| visible(l)).collect();
            assert_eq!(got, want);
        }
    }
}

fn junit_of(paths: &[std::path::PathBuf]) -> (Doc, output::Run) {
    let mut xml = Vec::new();
    let run = output::run_into(&mut Junit::new(&mut xml), paths);
    (parse(&xml), run)
}

#[test]
fn the_sample_archive_gives_one_case_per_payload_and_failures_with_every_diagnostic() {
    let (doc, run) = junit_of(&[output::sample_archive()]);
    assert!(run.reports.len() > 10);
    assert!(run.reports.iter().any(|r| !r.embedded.is_empty()));
    check_cases(&doc, &run.reports);
    let invalid = run.reports.iter().filter(|r| !r.is_valid()).count();
    assert!(invalid > 0);
    assert_eq!(doc.suites["failures"], invalid.to_string());
    assert_eq!(doc.properties["payloads"], run.reports.len().to_string());
    assert_eq!(doc.properties["invalid"], invalid.to_string());
}

#[test]
fn a_run_of_zero_payloads_is_an_empty_suite() {
    let empty = tempfile::tempdir().unwrap();
    for paths in [vec![], vec![empty.path().to_path_buf()]] {
        let (doc, _) = junit_of(&paths);
        assert!(doc.cases.is_empty());
        assert_eq!(doc.suites["tests"], "0");
    }
}

#[test]
fn unreadable_inputs_are_errors() {
    let paths = output::unreadable_paths();
    let (doc, run) = junit_of(&paths);
    assert_eq!(doc.cases.len(), paths.len());
    assert_eq!(doc.suites["errors"], paths.len().to_string());
    for (case, (path, message)) in doc.cases.iter().zip(&run.failed) {
        assert_eq!(case.attrs["classname"], "io");
        assert_eq!(case.attrs["name"], visible(path.as_deref().unwrap()));
        let (kind, a, _) = case.outcome.as_ref().unwrap();
        assert_eq!(kind, "error");
        assert_eq!(a["message"], visible(message));
    }
}

#[test]
fn hostile_file_names_stay_well_formed() {
    let dir = output::hostile_dir();
    let (doc, run) = junit_of(&[dir.path().to_path_buf()]);
    assert!(run.reports.len() >= 10);
    assert!(run.reports.iter().filter(|r| !r.is_valid()).count() >= 5);
    check_cases(&doc, &run.reports);
}

#[test]
fn hostile_names_and_messages_from_a_library_caller_stay_well_formed() {
    let mut reports = output::hostile_reports();
    // Messages and paths are escaped by the emitter; a caller may build its own.
    let mut forged = reports[0].clone();
    for d in &mut forged.diagnostics {
        d.message = "bad\u{1b}]]>\"'<&>\r\n\u{0}\u{7f}\u{9f}\u{fffe}".into();
        d.path = "/a\u{1}/]]>".into();
    }
    reports.push(forged);
    let mut xml = Vec::new();
    output::write_reports(&mut Junit::new(&mut xml), &reports);
    let doc = parse(&xml);
    // U+FFFE is not an XML 1.0 character either.
    let fffe = |s: &str| s.replace('\u{fffe}', "\\u{fffe}");
    let cases: Vec<&Case> = doc.cases.iter().collect();
    assert_eq!(cases.len(), reports.len());
    for (case, report) in cases.iter().zip(&reports) {
        assert_eq!(case.attrs["name"], visible(&report.source));
        let (_, a, text) = case.outcome.as_ref().unwrap();
        let first = report.errors().next().unwrap().to_string();
        assert_eq!(a["message"], fffe(&visible(&first)));
        assert!(text.contains("]]>") || !first.contains("]]>"));
    }
    let text = String::from_utf8(xml).unwrap();
    assert!(!text.contains('\u{1b}') && !text.contains('\u{0}') && !text.contains('\u{fffe}'));
}

#[test]
fn past_the_memory_spool_cases_go_to_a_temporary_file_and_come_back_whole() {
    let spool = tempfile::tempdir().unwrap();
    let report = output::invalid_report("a.hl7");
    let mut xml = Vec::new();
    let mut junit = Junit::new(&mut xml).with_temp_dir(spool.path());
    let mut n = 0usize;
    let mut written = 0usize;
    while written <= Junit::<Vec<u8>>::SPOOL_IN_MEMORY + 100_000 {
        junit.event(&RunEvent::Report(&report)).unwrap();
        n += 1;
        written += 200 + lines(&report).iter().map(String::len).sum::<usize>();
    }
    junit.finish(&Summary::new()).unwrap();
    drop(junit);
    #[cfg(unix)]
    assert_eq!(
        std::fs::read_dir(spool.path()).unwrap().count(),
        0,
        "no file left behind"
    );
    let doc = parse(&xml);
    assert_eq!(doc.cases.len(), n);
    assert_eq!(doc.suites["failures"], n.to_string());
}

#[test]
fn a_closed_pipe_is_an_error_not_silence() {
    for allow in [0, 10, 300, 100_000] {
        let error = output::first_error(Junit::new(output::ClosedPipe { allow }));
        assert_eq!(
            error.map(|e| e.kind()),
            Some(std::io::ErrorKind::BrokenPipe),
            "allow {allow}"
        );
    }
}

#[test]
#[should_panic(expected = "not well-formed")]
fn the_well_formedness_check_catches_a_control_character() {
    parse(b"<?xml version=\"1.0\"?><testsuites name=\"a\x1bb\"/>");
}
