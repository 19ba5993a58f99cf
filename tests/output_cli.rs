//! `triage validate --format sarif|junit|github` end to end: the same run in every
//! format agrees with its JSON Lines, and a run of nothing, of unreadable inputs or of
//! hostile file names still gives output its consumers accept.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "common/output.rs"]
mod output;
#[path = "common/sarif_schema.rs"]
mod sarif_schema;

use std::ffi::OsStr;
use std::process::{Command, Output};

use payload_triage::{Context, Engine, Format, TrafficType};
use serde_json::Value;

fn triage<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(format: &str, paths: I) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["validate", "--format", format])
        .args(paths)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

/// Reports, diagnostics (embedded included) and invalid reports of a JSON Lines run.
fn json_counts(out: &Output) -> (usize, usize, usize) {
    fn diagnostics(report: &Value) -> usize {
        report["diagnostics"].as_array().unwrap().len()
            + report["embedded"]
                .as_array()
                .unwrap()
                .iter()
                .map(diagnostics)
                .sum::<usize>()
    }
    let reports: Vec<Value> = std::str::from_utf8(&out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r.get("source").is_some())
        .collect();
    let invalid = reports.iter().filter(|r| r["valid"] == false).count();
    (
        reports.len(),
        reports.iter().map(diagnostics).sum(),
        invalid,
    )
}

fn sarif(out: &Output) -> Value {
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    sarif_schema::assert_valid(&log);
    log
}

/// Checks a JUnit document is well-formed XML 1.0 (the crate's own reader) and returns
/// the attributes of its `<testsuites>` and its number of test cases.
fn junit(out: &Output) -> (Vec<(String, String)>, usize) {
    let report =
        Engine::default().validate(&out.stdout, &Context::new().with_hint(TrafficType::Other));
    assert_eq!(report.format, Format::Xml);
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| !d.code.name().starts_with("XML_")),
        "{:?}",
        report.diagnostics
    );
    let text = std::str::from_utf8(&out.stdout).unwrap();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut suites = Vec::new();
    let mut cases = 0;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    "testsuites" => {
                        for a in e.attributes() {
                            let a = a.unwrap();
                            suites.push((
                                a.key.as_ref().to_owned(),
                                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                    .unwrap()
                                    .into_owned(),
                            ));
                        }
                    }
                    "testcase" => cases += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    (suites, cases)
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> &'a str {
    &attrs.iter().find(|(k, _)| k == name).unwrap().1
}

/// Workflow command lines: (command, message) with the escaping undone enough to count.
fn github(out: &Output) -> Vec<(String, String)> {
    std::str::from_utf8(&out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let rest = line
                .strip_prefix("::")
                .unwrap_or_else(|| panic!("{line:?}"));
            let (head, message) = rest.split_once("::").unwrap();
            let name = head.split(' ').next().unwrap();
            assert!(["error", "warning", "notice"].contains(&name), "{line:?}");
            (name.to_owned(), message.to_owned())
        })
        .collect()
}

#[test]
fn every_format_agrees_with_json_lines_over_the_sample_archive() {
    let archive = output::sample_archive();
    let json = triage("json", [&archive]);
    let (reports, diagnostics, invalid) = json_counts(&json);
    assert!(reports > 10 && diagnostics > 10 && invalid > 0);

    let out = triage("sarif", [&archive]);
    assert_eq!(out.status.code(), json.status.code());
    let log = sarif(&out);
    assert_eq!(
        log["runs"][0]["results"].as_array().unwrap().len(),
        diagnostics
    );
    assert_eq!(
        log["runs"][0]["properties"]["summary"]["payloads"],
        reports as u64
    );

    let out = triage("junit", [&archive]);
    assert_eq!(out.status.code(), json.status.code());
    let (suites, cases) = junit(&out);
    assert_eq!(cases, reports);
    assert_eq!(attr(&suites, "tests"), reports.to_string());
    assert_eq!(attr(&suites, "failures"), invalid.to_string());

    let out = triage("github", [&archive]);
    assert_eq!(out.status.code(), json.status.code());
    let lines = github(&out);
    assert_eq!(lines.len(), diagnostics + 1);
    assert!(lines
        .last()
        .unwrap()
        .1
        .starts_with(&format!("{reports} payloads: ")));
}

#[test]
fn a_run_of_nothing_gives_well_formed_output_in_every_format() {
    let empty = tempfile::tempdir().unwrap();
    let out = triage("sarif", [empty.path()]);
    assert_eq!(out.status.code(), Some(0));
    let log = sarif(&out);
    assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));

    let out = triage("junit", [empty.path()]);
    let (suites, cases) = junit(&out);
    assert_eq!((attr(&suites, "tests"), cases), ("0", 0));

    let out = triage("github", [empty.path()]);
    let lines = github(&out);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].1.starts_with("0 payloads"));
}

#[test]
fn a_run_where_every_input_is_unreadable_gives_well_formed_output_in_every_format() {
    let paths = output::unreadable_paths();
    let out = triage("sarif", &paths);
    assert_eq!(out.status.code(), Some(2));
    let log = sarif(&out);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len(),
        paths.len()
    );

    let out = triage("junit", &paths);
    assert_eq!(out.status.code(), Some(2));
    let (suites, cases) = junit(&out);
    assert_eq!(cases, paths.len());
    assert_eq!(attr(&suites, "errors"), paths.len().to_string());

    let out = triage("github", &paths);
    assert_eq!(out.status.code(), Some(2));
    let lines = github(&out);
    assert_eq!(lines.len(), paths.len() + 1);
    assert!(lines[..paths.len()].iter().all(|(name, _)| name == "error"));
}

#[test]
fn hostile_file_names_give_well_formed_output_in_every_format() {
    let dir = output::hostile_dir();
    let json = triage("json", [dir.path()]);
    let (reports, diagnostics, invalid) = json_counts(&json);
    assert!(reports >= 10 && invalid >= 5);

    let log = sarif(&triage("sarif", [dir.path()]));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), diagnostics);
    for result in results {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.bytes().all(|b| b.is_ascii_graphic()), "{uri:?}");
    }

    let (suites, cases) = junit(&triage("junit", [dir.path()]));
    assert_eq!(cases, reports);
    assert_eq!(attr(&suites, "failures"), invalid.to_string());

    let out = triage("github", [dir.path()]);
    assert_eq!(github(&out).len(), diagnostics + 1);
    assert!(
        !out.stdout.contains(&0x1b),
        "no raw escape reaches a workflow log"
    );
}

#[test]
fn one_run_over_the_sample_archive_writes_every_format() {
    // Issue 11's "done when": JSON Lines with a summary on standard output, and SARIF,
    // JUnit and HTML files from the same run.
    let dir = tempfile::tempdir().unwrap();
    let (sarif_path, junit_path, html_path) = (
        dir.path().join("run.sarif"),
        dir.path().join("run.xml"),
        dir.path().join("run.html"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["validate", "--format", "json", "--sarif"])
        .arg(&sarif_path)
        .arg("--junit")
        .arg(&junit_path)
        .arg("--html")
        .arg(&html_path)
        .arg(output::sample_archive())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (reports, diagnostics, invalid) = json_counts(&out);
    let summary: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap();
    assert_eq!(summary["record"], "summary");
    assert_eq!(summary["payloads"], reports as u64);

    let log = sarif(&Output {
        stdout: std::fs::read(&sarif_path).unwrap(),
        ..out.clone()
    });
    assert_eq!(
        log["runs"][0]["results"].as_array().unwrap().len(),
        diagnostics
    );
    let (suites, cases) = junit(&Output {
        stdout: std::fs::read(&junit_path).unwrap(),
        ..out.clone()
    });
    assert_eq!(cases, reports);
    assert_eq!(attr(&suites, "failures"), invalid.to_string());
    let page = std::fs::read_to_string(&html_path).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.trim_end().ends_with("</html>"));
    assert!(page.contains("HL7_SEGMENT_MISSING"));

    // A file that cannot be created is a usage-level error before anything runs.
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["validate", "--sarif", "/nonexistent/dir/run.sarif"])
        .arg(output::sample_archive())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
