//! The run as a whole on the command line: the summary and I/O error records of JSON
//! Lines, filters and the exit policy, progress and colour only on a terminal, closed
//! pipes, and a command line that explains itself (issue 11; docs/contract.md,
//! "Run records", "Filters and exit status").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn triage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn records(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn archive() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/archive")
        .display()
        .to_string()
}

const ADT_NO_PV1: &str = "MSH|^~\\&|LAB|GH|EHR|GH|20240312083015-0500||ADT^A01|1|P|2.5.1\rEVN|A01|20240312083015-0500\rPID|1||123^^^GH^MR||DOE^JANE\r";
const GOOD_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
/// Valid, with one warning: a local time and no sender zone (DATETIME_NO_ZONE).
const ADT_LOCAL_TIME: &str = "MSH|^~\\&|LAB|GH|EHR|GH|20240312083015-0500||ADT^A01^ADT_A01|2|P|2.5.1\rEVN|A01|20240312083015\rPID|1||123^^^GH^MR||DOE^JANE\rPV1|1|I\r";

fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

#[test]
fn json_lines_end_with_a_summary_that_counts_every_report() {
    let out = triage(&["validate", "--format", "json", &archive()]);
    assert_eq!(out.status.code(), Some(1));
    let all = records(&out);
    let (summary, reports) = all.split_last().unwrap();
    assert!(reports.iter().all(|r| r.get("source").is_some()));
    assert_eq!(summary["record"], "summary");
    assert!(summary.get("source").is_none());
    assert_eq!(summary["payloads"], reports.len());
    let invalid = reports.iter().filter(|r| r["valid"] == false).count();
    assert_eq!(summary["invalid"], invalid);
    assert_eq!(summary["valid"], reports.len() - invalid);
    let bytes: u64 = reports
        .iter()
        .map(|r| r["size_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(summary["bytes"], bytes);
    assert!(summary["elapsed_ms"].is_u64());
    // By traffic type and by format, the verdicts add up to the reports.
    for key in ["by_traffic_type", "by_format"] {
        let field = if key == "by_format" {
            "format"
        } else {
            "traffic_type"
        };
        for (name, counts) in summary[key].as_object().unwrap() {
            let of_kind: Vec<_> = reports
                .iter()
                .filter(|r| r[field] == name.as_str())
                .collect();
            let bad = of_kind.iter().filter(|r| r["valid"] == false).count();
            assert_eq!(counts["invalid"], bad, "{key} {name}");
            assert_eq!(counts["valid"], of_kind.len() - bad, "{key} {name}");
        }
    }
    // By code: every diagnostic of every report, embedded ones included.
    fn count(report: &Value, code: &str) -> usize {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code)
            .count()
            + report["embedded"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| count(e, code))
                .sum::<usize>()
    }
    let by_code = summary["by_code"].as_object().unwrap();
    assert!(by_code.contains_key("HL7_SEGMENT_MISSING"));
    for (code, c) in by_code {
        let total: usize = reports.iter().map(|r| count(r, code)).sum();
        assert_eq!(c["count"], total, "{code}");
        let payloads = reports.iter().filter(|r| count(r, code) > 0).count();
        assert_eq!(c["payloads"], payloads, "{code}");
    }
}

#[test]
fn an_unreadable_input_is_a_record_and_the_run_goes_on() {
    let dir = dir_with(&[("a.pdf", GOOD_PDF)]);
    // A path that is gone before the run reads it, and a link to nowhere in a walk.
    std::os::unix::fs::symlink("/nonexistent/target", dir.path().join("dangling.hl7")).unwrap();
    let missing = dir.path().join("vanished.hl7").display().to_string();
    let out = triage(&[
        "validate",
        "--format",
        "json",
        &dir.path().display().to_string(),
        &missing,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let all = records(&out);
    let errors: Vec<_> = all.iter().filter(|r| r["record"] == "io_error").collect();
    assert_eq!(errors.len(), 2, "{all:?}");
    assert!(errors.iter().all(|e| e.get("source").is_none()));
    assert!(errors
        .iter()
        .any(|e| e["path"].as_str().unwrap().ends_with("vanished.hl7")));
    assert!(errors.iter().all(|e| e["message"].is_string()));
    let summary = all.last().unwrap();
    assert_eq!(summary["record"], "summary");
    assert_eq!(summary["io_errors"], 2);
    assert_eq!(summary["payloads"], 1);
    // Humans still see each error on standard error.
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 2);
}

#[test]
fn a_run_with_no_payloads_still_ends_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = triage(&[
        "validate",
        "--format",
        "json",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let all = records(&out);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["record"], "summary");
    assert_eq!(all[0]["payloads"], 0);
    let human = triage(&["validate", &dir.path().display().to_string()]);
    assert_eq!(
        String::from_utf8(human.stdout).unwrap(),
        "0 payloads: 0 valid, 0 invalid, 0 could not be read\n"
    );
}

#[test]
fn only_invalid_and_min_severity_choose_what_is_shown_not_the_verdict() {
    let dir = dir_with(&[
        ("a.pdf", GOOD_PDF),
        ("adt.hl7", ADT_NO_PV1.as_bytes()),
        ("zone.hl7", ADT_LOCAL_TIME.as_bytes()),
    ]);
    let path = dir.path().display().to_string();
    let all = records(&triage(&["validate", "--format", "json", &path]));
    assert_eq!(all.len(), 4);
    let zone = &all[2];
    assert_eq!(zone["valid"], true);
    assert!(zone["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["severity"] == "warning"));

    let out = triage(&["validate", "--format", "json", "--only-invalid", &path]);
    assert_eq!(out.status.code(), Some(1));
    let shown = records(&out);
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0]["source"].as_str().unwrap().ends_with("adt.hl7"));
    assert_eq!(shown[1]["payloads"], 3, "the summary counts every payload");

    let out = triage(&[
        "validate",
        "--format",
        "json",
        "--min-severity",
        "error",
        &path,
    ]);
    let shown = records(&out);
    assert_eq!(shown.len(), 4);
    for r in &shown[..3] {
        assert!(r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["severity"] == "error"));
    }
    assert_eq!(shown[1]["valid"], false);
    assert_eq!(shown[2]["valid"], true);
    assert!(shown[2]["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn select_and_ignore_turn_codes_off_for_every_output_and_the_exit_status() {
    let dir = dir_with(&[("adt.hl7", ADT_NO_PV1.as_bytes())]);
    let path = dir.path().display().to_string();
    let out = triage(&[
        "validate",
        "--format",
        "json",
        "--ignore",
        "HL7_SEGMENT_MISSING",
        &path,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let all = records(&out);
    assert_eq!(all[0]["valid"], true);
    assert!(all[1]["by_code"].get("HL7_SEGMENT_MISSING").is_none());

    let out = triage(&[
        "validate",
        "--format",
        "json",
        "--select",
        "DATETIME_NO_ZONE",
        &path,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let all = records(&out);
    assert!(all[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["code"] == "DATETIME_NO_ZONE"));

    let out = triage(&[
        "validate",
        "--select",
        "HL7_SEGMENT_MISSING,HL7_MSH_MISSING",
        &path,
    ]);
    assert_eq!(out.status.code(), Some(1));

    let out = triage(&["validate", "--ignore", "NOT_A_CODE", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("triage codes"));
}

#[test]
fn fail_on_warning_fails_a_run_whose_payloads_are_valid_with_warnings() {
    let dir = dir_with(&[("zone.hl7", ADT_LOCAL_TIME.as_bytes())]);
    let path = dir.path().display().to_string();
    assert_eq!(triage(&["validate", &path]).status.code(), Some(0));
    assert_eq!(
        triage(&["validate", "--fail-on", "warning", &path])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        triage(&[
            "validate",
            "--fail-on",
            "warning",
            "--timezone",
            "America/Chicago",
            &path
        ])
        .status
        .code(),
        Some(0),
        "with a sender zone the local time is converted and nothing warns"
    );
}

#[test]
fn quiet_prints_only_the_summary() {
    let out = triage(&["validate", "--quiet", &archive()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(" payloads: ") && text.contains(" invalid"));
    let out = triage(&["validate", "-q", "--format", "json", &archive()]);
    let all = records(&out);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["record"], "summary");
}

#[test]
fn off_a_terminal_there_is_no_progress_and_no_colour() {
    let out = triage(&["validate", &archive()]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.contains(&0x1b));
    let forced = triage(&["validate", "--color", "always", &archive()]);
    assert!(forced.stdout.contains(&0x1b));
}

/// Runs `triage ARGS` with standard output and error on a pseudo-terminal (util-linux
/// `script`), and gives what the terminal showed.
fn on_a_terminal(args: &str, no_color: bool) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        return None;
    }
    let mut command = Command::new("script");
    command
        .args([
            "-qec",
            &format!("{} {args}", env!("CARGO_BIN_EXE_triage")),
            "/dev/null",
        ])
        .stdin(Stdio::null());
    if no_color {
        command.env("NO_COLOR", "1");
    } else {
        command.env_remove("NO_COLOR");
    }
    let out = command.output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn on_a_terminal_there_is_colour_unless_no_color_is_set() {
    let Some(coloured) = on_a_terminal(&format!("validate {}", archive()), false) else {
        panic!("util-linux `script` is needed for the terminal tests");
    };
    assert!(coloured.contains("\x1b[1;31mINVALID\x1b[0m"), "{coloured}");
    let plain = on_a_terminal(&format!("validate {}", archive()), true).unwrap();
    assert!(plain.contains("  INVALID  "));
    assert!(!plain.contains("\x1b[1;31m"));
    // The progress bar is drawn on the terminal (bytes, rate, ETA), and `--quiet` has none.
    assert!(plain.contains("ETA"), "{plain}");
    let quiet = on_a_terminal(&format!("validate --quiet {}", archive()), true).unwrap();
    assert!(!quiet.contains("ETA"), "{quiet}");
}

#[test]
fn a_closed_pipe_ends_every_format_quietly() {
    // Enough payloads that the reader is gone before the writer is done.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..400 {
        std::fs::write(dir.path().join(format!("{i:04}.hl7")), ADT_NO_PV1).unwrap();
    }
    for format in ["human", "json", "sarif", "junit", "github"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
            .args(["validate", "--format", format])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end at once, as `| head -c0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert!(out.status.code().is_some(), "{format}: killed by a signal");
    }
}

#[test]
fn help_has_examples_and_the_exit_statuses() {
    let out = triage(&["validate", "--help"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Examples:") && text.contains("Exit status:"),
        "{text}"
    );
    for flag in [
        "--min-severity",
        "--only-invalid",
        "--quiet",
        "--select",
        "--ignore",
        "--fail-on",
        "--html",
        "sarif",
        "junit",
        "github",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn version_names_the_data_it_carries() {
    let out = triage(&["--version"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let data = payload_triage::data_versions();
    assert!(text.contains(env!("CARGO_PKG_VERSION")));
    assert!(text.contains(data.hl7v2_source) && text.contains(data.fhir_version));
    assert!(text.contains(&format!("IANA tz database: {}", data.tzdb_version)));
    // The tz release looks like one (`2026f`), and the names agree with the provenance
    // files of the bundled data.
    let tz = data.tzdb_version;
    assert!(
        tz.len() == 5 && tz[..4].chars().all(|c| c.is_ascii_digit()),
        "{tz}"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hl7 = std::fs::read_to_string(root.join("schemas/hl7v2/PROVENANCE.md")).unwrap();
    let (registry, package) = data.hl7v2_source.split_once(' ').unwrap();
    let (name, version) = package.split_once(' ').unwrap();
    assert_eq!(registry, "PyPI");
    assert!(hl7.contains(&format!("`{name}`")) && hl7.contains(&format!(") {version} (")));
    assert!(hl7.contains(data.hl7v2_versions));
    let fhir = std::fs::read_to_string(root.join("schemas/fhir/PROVENANCE.md")).unwrap();
    let package = data.fhir_source.strip_prefix("npm ").unwrap();
    let (name, version) = package.split_once(' ').unwrap();
    assert!(
        fhir.contains(&format!("`{name}` version **{version}**")),
        "{package}"
    );
    assert!(fhir.contains(data.fhir_version.strip_prefix("R4 ").unwrap()));
}

#[test]
fn completions_and_the_man_page_cover_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = triage(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("validate") && text.contains("fail-on"),
            "{shell}"
        );
    }
    let man = String::from_utf8(triage(&["man"]).stdout).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH triage"),
        "{}",
        &man[..80]
    );
    assert!(man.contains("validate"));
}

#[test]
fn codes_prints_one_code_page() {
    let out = triage(&["codes", "HL7_SEGMENT_MISSING"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let code = payload_triage::codes::HL7_SEGMENT_MISSING;
    assert!(text.starts_with("HL7_SEGMENT_MISSING\n"));
    assert!(text.contains(code.meaning()));
    assert!(text.contains("Default severity: error"));
    assert!(text.contains("Module: hl7v2"));
    assert!(text.contains("docs/codes.md#hl7_segment_missing"));
    // The page's anchor exists in the generated document, and so does its fixture.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/codes.md")).unwrap();
    for code in payload_triage::codes::all() {
        let anchor = payload_triage::codes::anchor(code);
        assert!(
            doc.contains(&format!("<a id=\"{anchor}\"></a>")),
            "{anchor}"
        );
        // The one code no payload can raise today has no fixture (tests/code_fixtures.rs).
        if code.name() != "REDOX_SCHEMA_NOT_AVAILABLE" {
            assert!(root.join("tests/fixtures/codes").join(code.name()).is_dir());
        }
    }
    let out = triage(&["codes", "NO_SUCH_CODE"]);
    assert_eq!(out.status.code(), Some(2));
    let json: Value =
        serde_json::from_slice(&triage(&["codes", "--format", "json", "DATETIME_NO_ZONE"]).stdout)
            .unwrap();
    assert_eq!(json["module"], "datetime");
    assert_eq!(json["severity"], "warning");
}
