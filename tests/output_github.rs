//! The GitHub annotation writer: every line parses back as a workflow command, one per
//! diagnostic and a summary last, and hostile names and messages cannot break a line
//! or forge a command.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "common/output.rs"]
mod output;

use std::collections::BTreeMap;

use payload_triage::output::Github;
use payload_triage::{Report, Severity};

#[derive(Debug)]
struct Command {
    name: String,
    properties: BTreeMap<String, String>,
    message: String,
}

/// Undoes the runner's escaping of a value.
fn unescape(value: &str, property: bool) -> String {
    let mut out = value.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        out = out.replace("%3A", ":").replace("%2C", ",");
    }
    out.replace("%25", "%")
}

/// Parses one `::name k=v,k=v::message` line, as the runner reads it.
fn parse_line(line: &str) -> Command {
    assert!(!line.contains('\r'), "{line:?}");
    let rest = line
        .strip_prefix("::")
        .unwrap_or_else(|| panic!("not a command: {line:?}"));
    let (head, message) = rest.split_once("::").unwrap();
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    let mut properties = BTreeMap::new();
    for prop in props.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = prop.split_once('=').unwrap();
        assert!(
            properties.insert(k.to_owned(), unescape(v, true)).is_none(),
            "{line:?}"
        );
    }
    Command {
        name: name.to_owned(),
        properties,
        message: unescape(message, false),
    }
}

fn parse(text: &[u8]) -> Vec<Command> {
    let text = std::str::from_utf8(text).unwrap();
    assert!(text.ends_with('\n'));
    text.lines().map(parse_line).collect()
}

/// Annotations expected for a report: (command, title, message), depth first.
fn expected(report: &Report) -> Vec<(String, String, String)> {
    fn walk(r: &Report, place: &str, out: &mut Vec<(String, String, String)>) {
        for d in &r.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                _ => "notice",
            };
            let message = if d.path.is_empty() {
                format!("{place}: {}", d.message)
            } else {
                format!("{place} at {}: {}", d.path, d.message)
            };
            out.push((command.to_owned(), d.code.name().to_owned(), message));
        }
        for e in &r.embedded {
            walk(e, &format!("{place} [embedded {}]", e.source), out);
        }
    }
    let mut out = Vec::new();
    walk(report, &report.source, &mut out);
    out
}

fn check(commands: &[Command], reports: &[Report]) {
    let annotations: Vec<&Command> = commands
        .iter()
        .filter(|c| {
            !matches!(
                c.properties.get("title").map(String::as_str),
                Some("I/O error" | "skipped" | "triage summary")
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = reports.iter().flat_map(expected).collect();
    assert_eq!(annotations.len(), want.len());
    for (got, (command, title, message)) in annotations.iter().zip(&want) {
        assert_eq!(&got.name, command);
        assert_eq!(&got.properties["title"], title);
        assert_eq!(&got.message, message);
    }
    let last = commands.last().unwrap();
    assert_eq!(last.name, "notice");
    assert_eq!(last.properties["title"], "triage summary");
}

#[test]
fn the_sample_archive_gives_one_annotation_per_diagnostic_and_a_summary() {
    let mut text = Vec::new();
    let run = output::run_into(&mut Github::new(&mut text), &[output::sample_archive()]);
    let commands = parse(&text);
    check(&commands, &run.reports);
    assert_eq!(commands.len(), run.diagnostics() + 1);
    assert!(commands.iter().any(|c| c.name == "error"));
    assert!(commands.iter().any(|c| c.name == "warning"));
    // `file` is the input file: a container message or an archive entry points at it.
    let root = output::sample_archive();
    for c in &commands[..commands.len() - 1] {
        let file = std::path::Path::new(&c.properties["file"]);
        assert!(file.starts_with(&root) && file.is_file(), "{file:?}");
    }
    let summary = &commands.last().unwrap().message;
    assert!(
        summary.starts_with(&format!("{} payloads: ", run.reports.len())),
        "{summary}"
    );
}

#[test]
fn zero_payloads_and_unreadable_inputs_still_end_with_the_summary() {
    let mut text = Vec::new();
    output::run_into(&mut Github::new(&mut text), &[]);
    let commands = parse(&text);
    assert_eq!(commands.len(), 1);
    assert!(commands[0].message.starts_with("0 payloads"));

    let paths = output::unreadable_paths();
    let mut text = Vec::new();
    let run = output::run_into(&mut Github::new(&mut text), &paths);
    let commands = parse(&text);
    assert_eq!(commands.len(), paths.len() + 1);
    for (c, (path, message)) in commands.iter().zip(&run.failed) {
        assert_eq!(c.name, "error");
        assert_eq!(c.properties["title"], "I/O error");
        assert_eq!(
            c.message,
            format!("{}: {message}", path.as_deref().unwrap())
        );
    }
    assert!(commands
        .last()
        .unwrap()
        .message
        .contains(&format!("{} I/O errors", paths.len())));
}

#[test]
fn hostile_file_names_give_one_line_each_and_their_real_path() {
    let dir = output::hostile_dir();
    let mut text = Vec::new();
    let run = output::run_into(&mut Github::new(&mut text), &[dir.path().to_path_buf()]);
    let commands = parse(&text);
    check(&commands, &run.reports);
    let files: Vec<&str> = commands
        .iter()
        .filter_map(|c| c.properties.get("file").map(String::as_str))
        .collect();
    // Escapes decoded where that gives a printable name, so it matches the repository.
    for name in [
        "hash#1.hl7",
        "space name.hl7",
        "pct%41.hl7",
        "caf\u{e9}.hl7",
        "colon:comma,.hl7",
    ] {
        assert!(
            files.iter().any(|f| f.ends_with(&format!("/{name}"))),
            "{name} in {files:#?}"
        );
    }
    // A name with a control character keeps the contract's escape.
    assert!(
        files.iter().any(|f| f.ends_with("/esc%1B[31m.hl7")),
        "{files:#?}"
    );
}

#[test]
fn hostile_names_and_messages_cannot_break_a_line_or_forge_a_command() {
    let mut reports = output::hostile_reports();
    let mut forged = reports[0].clone();
    for d in &mut forged.diagnostics {
        d.message = "100% bad\r\n::error file=x::forged,title=y::z".into();
        d.path = "a,b:c\nd".into();
    }
    forged.source = "x,y:z%\r\n::warning::w".into();
    reports.push(forged);
    let mut text = Vec::new();
    output::write_reports(&mut Github::new(&mut text), &reports);
    let commands = parse(&text);
    check(&commands, &reports);
    // One line per diagnostic: nothing a name or message holds started a line.
    let lines = std::str::from_utf8(&text).unwrap().lines().count();
    assert_eq!(
        lines,
        reports.iter().map(output::diagnostics).sum::<usize>() + 1
    );
    let forged_cmd = commands.iter().rev().nth(1).unwrap();
    assert_eq!(forged_cmd.properties["file"], "x,y:z%\r\n::warning::w");
    assert_eq!(forged_cmd.properties.len(), 2, "no property was forged");
    for c in &commands {
        assert!(["error", "warning", "notice"].contains(&c.name.as_str()));
        // Standard input and unnamed payloads have no file.
        if c.message.starts_with("-: ") || c.message.starts_with(": ") {
            assert!(!c.properties.contains_key("file"));
        }
    }
}

#[test]
fn a_closed_pipe_is_an_error_not_silence() {
    for allow in [0, 10, 3000, 100_000] {
        let error = output::first_error(Github::new(output::ClosedPipe { allow }));
        assert_eq!(
            error.map(|e| e.kind()),
            Some(std::io::ErrorKind::BrokenPipe),
            "allow {allow}"
        );
    }
}
