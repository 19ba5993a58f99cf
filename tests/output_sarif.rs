//! The SARIF writer against the SARIF 2.1.0 JSON schema (fetched by
//! `tools/sarif/fetch-schema.sh`, never committed) and against the run it describes:
//! one result per diagnostic, rule indexes that point at the right rule, levels.
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

use std::path::PathBuf;

use payload_triage::output::{Event, RunWriter, Sarif, Summary};
use payload_triage::{codes, Report, Severity};
use sarif_schema::{assert_valid, schema_errors};
use serde_json::Value;

/// The log of a run over `paths`.
fn sarif_of(paths: &[PathBuf]) -> (Value, output::Run) {
    let mut bytes = Vec::new();
    let run = output::run_into(&mut Sarif::new(&mut bytes), paths);
    let log: Value = serde_json::from_slice(&bytes).unwrap();
    assert_valid(&log);
    (log, run)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        _ => "note",
    }
}

/// Every diagnostic of a report and its embedded reports, depth first in order.
fn flatten<'a>(report: &'a Report, out: &mut Vec<&'a payload_triage::Diagnostic>) {
    out.extend(report.diagnostics.iter());
    for e in &report.embedded {
        flatten(e, out);
    }
}

/// Results match the diagnostics one for one: rule, rule index, level, message.
fn assert_results_match(log: &Value, reports: &[Report]) {
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let mut diagnostics = Vec::new();
    for r in reports {
        flatten(r, &mut diagnostics);
    }
    assert_eq!(results.len(), diagnostics.len());
    for (result, d) in results.iter().zip(&diagnostics) {
        assert_eq!(result["ruleId"], d.code.name());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"],
            d.code.name(),
            "ruleIndex points at its rule"
        );
        assert_eq!(result["level"], level(d.severity));
        assert_eq!(result["message"]["text"], d.message.as_str());
    }
}

#[test]
fn the_sample_archive_gives_a_valid_log_with_one_result_per_diagnostic() {
    let (log, run) = sarif_of(&[output::sample_archive()]);
    assert!(run.reports.len() > 10 && run.diagnostics() > 10);
    assert!(
        run.reports.iter().any(|r| !r.embedded.is_empty()),
        "an embedded report is covered"
    );
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "triage");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver.get("informationUri").is_none(),
        "we have no public URI"
    );
    assert_results_match(&log, &run.reports);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert_eq!(
        log["runs"][0]["properties"]["summary"]["payloads"],
        run.reports.len() as u64
    );
    // Archive entries and container messages point at the file that holds them.
    for result in log["runs"][0]["results"].as_array().unwrap() {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.starts_with("file:///") && !uri.contains('#') && !uri.contains('!'),
            "{uri}"
        );
    }
}

#[test]
fn every_code_is_a_rule_in_registry_order_with_its_level_and_help() {
    let (log, _) = sarif_of(&[]);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let registry: Vec<_> = codes::by_module().collect();
    assert_eq!(rules.len(), registry.len());
    for (rule, (module, code)) in rules.iter().zip(registry) {
        assert_eq!(rule["id"], code.name());
        assert_eq!(rule["shortDescription"]["text"], code.meaning());
        assert_eq!(rule["fullDescription"]["text"], code.meaning());
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            level(code.default_severity())
        );
        let help = rule["help"]["text"].as_str().unwrap();
        assert!(
            help.contains(&format!("--ignore {}", code.name())),
            "{help}"
        );
        assert!(
            help.contains(&format!("{} = \"off\"", code.name())),
            "{help}"
        );
        assert_eq!(rule["properties"]["module"], module);
        let page = format!("docs/codes.md#{}", code.name().to_ascii_lowercase());
        assert_eq!(rule["properties"]["documentation"], page.as_str());
        // The anchor exists.
        let codes_md =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/codes.md")).unwrap();
        assert!(codes_md.contains(&format!("<a id=\"{}\">", code.name().to_ascii_lowercase())));
    }
}

#[test]
fn a_run_of_zero_payloads_is_a_valid_log() {
    let empty = tempfile::tempdir().unwrap();
    for paths in [vec![], vec![empty.path().to_path_buf()]] {
        let (log, run) = sarif_of(&paths);
        assert!(run.reports.is_empty());
        assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));
        assert_eq!(
            log["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
    }
}

#[test]
fn a_run_where_every_input_is_unreadable_is_a_valid_log_of_failed_execution() {
    let paths = output::unreadable_paths();
    let (log, run) = sarif_of(&paths);
    assert_eq!(run.failed.len(), paths.len());
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), paths.len());
    for note in notes {
        assert_eq!(note["level"], "error");
    }
    assert_eq!(
        log["runs"][0]["properties"]["summary"]["io_errors"],
        paths.len() as u64
    );
}

#[test]
fn hostile_file_names_give_valid_uris() {
    let dir = output::hostile_dir();
    let (log, run) = sarif_of(&[dir.path().to_path_buf()]);
    assert!(run.reports.len() >= 10);
    assert_results_match(&log, &run.reports);
    let uris: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    // The contract's escapes are percent-encodings already: kept, not encoded twice.
    assert!(
        uris.iter().any(|u| u.ends_with("/hash%231.hl7")),
        "{uris:#?}"
    );
    assert!(
        uris.iter().any(|u| u.ends_with("/bang%21x.hl7")),
        "{uris:#?}"
    );
    assert!(
        uris.iter().any(|u| u.ends_with("/pct%2541.hl7")),
        "{uris:#?}"
    );
    assert!(
        uris.iter().any(|u| u.ends_with("/esc%1B%5B31m.hl7")),
        "{uris:#?}"
    );
    assert!(
        uris.iter().any(|u| u.ends_with("/space%20name.hl7")),
        "{uris:#?}"
    );
    assert!(
        uris.iter().any(|u| u.ends_with("/caf%C3%A9.hl7")),
        "{uris:#?}"
    );
    #[cfg(unix)]
    assert!(
        uris.iter().any(|u| u.ends_with("/bad%FF%FE.hl7")),
        "{uris:#?}"
    );
    for uri in &uris {
        assert!(uri.bytes().all(|b| b.is_ascii_graphic()), "{uri:?}");
    }
}

#[test]
fn hostile_source_names_from_a_library_caller_give_a_valid_log() {
    let reports = output::hostile_reports();
    let mut bytes = Vec::new();
    output::write_reports(&mut Sarif::new(&mut bytes), &reports);
    let log: Value = serde_json::from_slice(&bytes).unwrap();
    assert_valid(&log);
    assert_results_match(&log, &reports);
    let results = log["runs"][0]["results"].as_array().unwrap();
    for result in results {
        let source = result["properties"]["source"].as_str().unwrap();
        assert!(output::HOSTILE_SOURCES.contains(&source));
        // GitHub code scanning refuses a log with a result that has no location.
        assert_eq!(result["locations"].as_array().unwrap().len(), 1);
        let physical = &result["locations"][0]["physicalLocation"];
        if source.is_empty() || source == "-" {
            assert!(physical.is_null(), "standard input has no artifact");
        } else if let Some(uri) = physical["artifactLocation"]["uri"].as_str() {
            assert!(uri.bytes().all(|b| b.is_ascii_graphic()), "{uri:?}");
        }
    }
}

#[test]
fn io_failures_past_the_bound_are_counted_not_held() {
    let mut bytes = Vec::new();
    let mut sarif = Sarif::new(&mut bytes);
    let mut summary = Summary::new();
    let n = Sarif::<Vec<u8>>::NOTIFICATIONS_HELD + 5;
    for i in 0..n {
        let path = format!("gone{i}");
        let event = Event::Failed {
            path: Some(&path),
            message: "not found",
        };
        summary.count(&event);
        sarif.event(&event).unwrap();
    }
    sarif.finish(&summary).unwrap();
    let log: Value = serde_json::from_slice(&bytes).unwrap();
    assert_valid(&log);
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), Sarif::<Vec<u8>>::NOTIFICATIONS_HELD + 1);
    assert!(notes.last().unwrap()["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("5 more"));
}

#[test]
fn a_closed_pipe_is_an_error_not_silence() {
    for allow in [0, 10, 3000, 100_000] {
        let error = output::first_error(Sarif::new(output::ClosedPipe { allow }));
        assert_eq!(
            error.map(|e| e.kind()),
            Some(std::io::ErrorKind::BrokenPipe),
            "allow {allow}"
        );
    }
}

#[test]
fn the_schema_check_catches_what_it_is_there_for() {
    let reports = output::hostile_reports();
    let mut bytes = Vec::new();
    output::write_reports(&mut Sarif::new(&mut bytes), &reports);
    let good: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(schema_errors(&good).is_empty());
    // A URI with a space, a bad escape and two `#` is not a URI reference.
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        Value::from("a b%zz#1#2");
    assert!(
        !schema_errors(&bad).is_empty(),
        "an invalid uri passes the schema check"
    );
    // A level SARIF does not have.
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["level"] = Value::from("info");
    assert!(
        !schema_errors(&bad).is_empty(),
        "an invalid level passes the schema check"
    );
    // A run without its tool.
    let mut bad = good;
    bad["runs"][0].as_object_mut().unwrap().remove("tool");
    assert!(
        !schema_errors(&bad).is_empty(),
        "a run without a tool passes the schema check"
    );
}
