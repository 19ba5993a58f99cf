//! `triage validate` as a user runs it: exit status, JSON Lines, human lines and the
//! summary, directory walks in sorted order, standard input, and every I/O failure the
//! issue lists (missing path, unreadable entry, symlink loop, a 2 GB sparse file).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn triage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(args)
        .output()
        .unwrap()
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        // Payload reports only: run records (the summary, I/O errors) have no `source`.
        .filter(|v| v.get("source").is_some())
        .collect()
}

const GOOD_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const CUT_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn exit_status_is_zero_when_every_payload_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.pdf", GOOD_PDF);
    let out = triage(&["validate", &good]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn exit_status_is_one_when_any_payload_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.pdf", GOOD_PDF);
    let cut = write(dir.path(), "cut.pdf", CUT_PDF);
    let out = triage(&["validate", &good, &cut]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn exit_status_is_two_for_usage_errors_and_missing_paths() {
    assert_eq!(triage(&["validate"]).status.code(), Some(2));
    assert_eq!(
        triage(&["validate", "--traffic", "carrier-pigeon", "x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        triage(&["validate", "--timezone", "Mars/Base", "x"])
            .status
            .code(),
        Some(2)
    );
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.pdf", GOOD_PDF);
    let missing = dir.path().join("missing.hl7").display().to_string();
    let out = triage(&["validate", "--format", "json", &missing, &good]);
    assert_eq!(out.status.code(), Some(2));
    // The run went on: the good file still has its report.
    assert_eq!(json_lines(&out).len(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.hl7"));
}

#[test]
fn json_format_prints_one_contract_object_per_payload() {
    let dir = tempfile::tempdir().unwrap();
    let cut = write(dir.path(), "cut.pdf", CUT_PDF);
    let out = triage(&["validate", "--format", "json", &cut]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let r = &lines[0];
    assert_eq!(r["source"], cut.as_str());
    assert_eq!(r["traffic_type"], "uploaded_file");
    assert_eq!(r["format"], "pdf");
    assert_eq!(r["size_bytes"], CUT_PDF.len());
    assert_eq!(r["limit_bytes"], 30_000_000);
    assert_eq!(r["valid"], false);
    assert_eq!(r["diagnostics"][0]["code"], "FILE_TRUNCATED");
    assert!(r["datetimes"].is_array() && r["embedded"].is_array());
}

#[test]
fn human_format_prints_a_line_per_payload_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.pdf", GOOD_PDF);
    write(dir.path(), "b.pdf", CUT_PDF);
    let out = triage(&["validate", &dir.path().display().to_string()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("a.pdf") && lines[0].contains("valid"));
    assert!(
        lines[1].contains("b.pdf")
            && lines[1].contains("INVALID")
            && lines[1].contains("FILE_TRUNCATED")
    );
    assert_eq!(
        lines[2],
        "2 payloads: 1 valid, 1 invalid, 0 could not be read; most frequent: FILE_TRUNCATED ×1"
    );
}

#[test]
fn directories_are_walked_recursively_in_sorted_order_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "b/2.pdf",
        "a/z.pdf",
        "a/b/c.pdf",
        "c.pdf",
        "a/a.pdf",
        "b/1.pdf",
    ];
    for (i, name) in names.iter().enumerate() {
        write(
            dir.path(),
            name,
            if i % 2 == 0 { GOOD_PDF } else { CUT_PDF },
        );
    }
    let root = dir.path().display().to_string();
    let run = |threads: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_triage"))
            .args(["validate", "--format", "json", &root])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        json_lines(&out)
            .iter()
            .map(|r| r["source"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let one = run("1");
    let expected: Vec<String> = [
        "a/a.pdf",
        "a/b/c.pdf",
        "a/z.pdf",
        "b/1.pdf",
        "b/2.pdf",
        "c.pdf",
    ]
    .iter()
    .map(|n| dir.path().join(n).display().to_string())
    .collect();
    assert_eq!(one, expected);
    assert_eq!(run("4"), expected);
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args([
            "validate",
            "--format",
            "json",
            "--traffic",
            "uploaded-file",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(GOOD_PDF).unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = json_lines(&out);
    assert_eq!(lines[0]["source"], "-");
    assert_eq!(lines[0]["traffic_type"], "uploaded_file");
    assert_eq!(out.status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_and_a_dangling_link_are_io_errors_and_the_walk_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tree/ok.pdf", GOOD_PDF);
    std::os::unix::fs::symlink(dir.path().join("tree"), dir.path().join("tree/loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("tree/dangling"))
        .unwrap();
    let out = triage(&[
        "validate",
        "--format",
        "json",
        &dir.path().join("tree").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "the real file is reported once");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("loop"), "{stderr}");
    assert!(stderr.contains("dangling"), "{stderr}");
}

#[test]
fn a_two_gigabyte_sparse_file_is_rejected_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.bin");
    let file = fs::File::create(&path).unwrap();
    file.set_len(2_000_000_000).unwrap();
    drop(file);
    let out = triage(&["validate", "--format", "json", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let r = &json_lines(&out)[0];
    assert_eq!(r["size_bytes"], 2_000_000_000u64);
    assert_eq!(r["limit_bytes"], 10_000_000);
    assert_eq!(r["diagnostics"][0]["code"], "SIZE_LIMIT_EXCEEDED");
}

#[test]
fn config_file_sets_limits_and_source_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.pdf", GOOD_PDF);
    let config = write(
        dir.path(),
        "triage.toml",
        b"[limits]\nuploaded_file = 10\n\n[source]\ntimezone = \"America/Chicago\"\n",
    );
    let out = triage(&["validate", "--format", "json", "--config", &config, &good]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out)[0]["limit_bytes"], 10);
    let bad = write(
        dir.path(),
        "bad.toml",
        b"[limits]\nuploaded_file = \"lots\"\n",
    );
    assert_eq!(
        triage(&["validate", "--config", &bad, &good]).status.code(),
        Some(2)
    );
}

#[test]
fn codes_lists_every_registered_code() {
    let out = triage(&["codes", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), payload_triage::codes::all().count());
    assert!(lines
        .iter()
        .any(|c| c["code"] == "SIZE_LIMIT_EXCEEDED" && c["severity"] == "error"));
}
