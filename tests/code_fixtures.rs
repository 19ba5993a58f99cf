//! A fixture per diagnostic code: every code in the registry (`triage codes`) has a
//! directory `tests/fixtures/codes/<CODE>/` whose payload makes `triage validate` report it.
//!
//! A fixture directory holds exactly one `payload.<ext>` and optionally:
//! - `args.txt`: extra `triage validate` arguments, one per line (blank lines and lines
//!   starting with `#` are skipped), e.g. `--traffic` then `hl7v2-mllp`;
//! - `config.toml`: passed with `--config` (see `src/config.rs` for its keys).
//!
//! The binary runs in the fixture directory on the bare file name, so every report's
//! `source` is stable (`payload.hl7`). Each fixture's output (all reports, as a JSON
//! array) is kept as the insta snapshot `code_<CODE>`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Registered codes that no fixture can make `triage validate` report today. Each is
/// listed with the reason; a code here must not have a fixture directory (the list is
/// checked to stay current), and removing a code from here requires adding its fixture.
const NOT_YET_TRIGGERABLE: &[&str] = &[
    // Every data model of the Redox catalogue has a body schema (schemas/redox/); the
    // code stays registered for a catalogue that grows ahead of its schemas.
    "REDOX_SCHEMA_NOT_AVAILABLE",
];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codes")
}

/// Every fixture directory, by code name, sorted.
fn fixture_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures_root())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, path)
        })
        .collect();
    dirs.sort();
    dirs
}

/// The registry as the CLI lists it: `triage codes --format json`, one object per line.
fn registered_codes() -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["codes", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "triage codes failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let codes: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let entry: Value = serde_json::from_str(line).unwrap();
            entry["code"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(!codes.is_empty(), "triage codes listed no code");
    codes
}

/// The command line a fixture directory describes, relative to that directory.
fn fixture_args(dir: &Path) -> Result<Vec<String>, String> {
    let mut payloads = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let name = entry
            .map_err(|e| e.to_string())?
            .file_name()
            .to_string_lossy()
            .into_owned();
        match name.as_str() {
            "args.txt" | "config.toml" => {}
            _ if name.starts_with("payload.") => payloads.push(name),
            _ => return Err(format!("unexpected file `{name}`")),
        }
    }
    let [payload] = payloads.as_slice() else {
        return Err(format!(
            "expected exactly one payload.<ext> file, found {payloads:?}"
        ));
    };
    let mut args: Vec<String> = ["validate", "--format", "json"].map(String::from).into();
    if let Ok(text) = std::fs::read_to_string(dir.join("args.txt")) {
        args.extend(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(String::from),
        );
    }
    if dir.join("config.toml").is_file() {
        args.extend(["--config".into(), "config.toml".into()]);
    }
    args.push(payload.clone());
    Ok(args)
}

/// Runs `triage validate` on a fixture; its reports, one per line of output.
fn run_fixture(dir: &Path) -> Result<Vec<Value>, String> {
    let args = fixture_args(dir)?;
    let output = Command::new(env!("CARGO_BIN_EXE_triage"))
        .current_dir(dir)
        .args(&args)
        .output()
        .map_err(|e| format!("could not run triage: {e}"))?;
    // 0: valid, 1: invalid; 2 is a usage or I/O error, never what a fixture is for.
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!(
            "`triage {}` exited with {:?}: {}",
            args.join(" "),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8(output.stdout).map_err(|e| e.to_string())?;
    let reports = stdout
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).map_err(|e| format!("output is not JSON: {e}")))
        .collect::<Result<Vec<Value>, String>>()?
        .into_iter()
        // Payload reports only: run records (the summary, I/O errors) have no `source`.
        .filter(|v: &Value| v.get("source").is_some())
        .collect::<Vec<Value>>();
    if reports.is_empty() {
        return Err("no report was written".into());
    }
    Ok(reports)
}

/// Every code in a report's diagnostics and, recursively, its embedded reports'.
fn collect_codes(report: &Value, out: &mut BTreeSet<String>) {
    if let Some(diagnostics) = report["diagnostics"].as_array() {
        out.extend(
            diagnostics
                .iter()
                .filter_map(|d| d["code"].as_str())
                .map(String::from),
        );
    }
    if let Some(embedded) = report["embedded"].as_array() {
        for nested in embedded {
            collect_codes(nested, out);
        }
    }
}

#[test]
fn every_fixture_triggers_its_code_and_matches_its_snapshot() {
    let mut failures: Vec<String> = Vec::new();
    for (code, dir) in fixture_dirs() {
        let reports = match run_fixture(&dir) {
            Ok(reports) => reports,
            Err(e) => {
                failures.push(format!("{code}: {e}"));
                continue;
            }
        };
        let mut found = BTreeSet::new();
        for report in &reports {
            collect_codes(report, &mut found);
        }
        if !found.contains(&code) {
            failures.push(format!(
                "{code}: not reported by its fixture (reported: {found:?})"
            ));
        }
        // insta panics on a mismatch (after writing the `.snap.new`); catch it so every
        // fixture is checked and all mismatches are named together.
        let snapshot = Value::Array(reports);
        let name = format!("code_{code}");
        let matched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            insta::assert_json_snapshot!(name.as_str(), snapshot);
        }));
        if matched.is_err() {
            failures.push(format!("{code}: output differs from snapshot {name}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failure(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn every_registered_code_has_a_fixture() {
    let fixtures: BTreeSet<String> = fixture_dirs().into_iter().map(|(code, _)| code).collect();
    let missing: Vec<String> = registered_codes()
        .into_iter()
        .filter(|code| !fixtures.contains(code) && !NOT_YET_TRIGGERABLE.contains(&code.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} registered code(s) without a fixture in tests/fixtures/codes/:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[test]
fn every_fixture_names_a_registered_code() {
    let registered: BTreeSet<String> = registered_codes().into_iter().collect();
    let unknown: Vec<String> = fixture_dirs()
        .into_iter()
        .map(|(code, _)| code)
        .filter(|code| !registered.contains(code))
        .collect();
    assert!(
        unknown.is_empty(),
        "fixture directories naming no registered code:\n  {}",
        unknown.join("\n  ")
    );
}

#[test]
fn not_yet_triggerable_list_is_current() {
    let registered: BTreeSet<String> = registered_codes().into_iter().collect();
    let fixtures: BTreeSet<String> = fixture_dirs().into_iter().map(|(code, _)| code).collect();
    let mut stale = Vec::new();
    for &code in NOT_YET_TRIGGERABLE {
        if !registered.contains(code) {
            stale.push(format!(
                "{code}: no longer registered; drop it from the list"
            ));
        }
        if fixtures.contains(code) {
            stale.push(format!("{code}: has a fixture now; drop it from the list"));
        }
    }
    assert!(
        stale.is_empty(),
        "NOT_YET_TRIGGERABLE is out of date:\n  {}",
        stale.join("\n  ")
    );
}
