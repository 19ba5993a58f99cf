//! The batch runner: containers cut into messages and held to per-message limits, names
//! that are unique and safe, walks, order, bounds, `--canonical-out` and closed pipes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // tests

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use payload_triage::batch::{self, Options, Record};
use payload_triage::{Config, Context, Engine};

fn triage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(args)
        .output()
        .unwrap()
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        // Payload reports only: run records (the summary, I/O errors) have no `source`.
        .filter(|v| v.get("source").is_some())
        .collect()
}

fn sources(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["source"].as_str().unwrap().to_owned())
        .collect()
}

fn codes(line: &serde_json::Value) -> Vec<String> {
    line["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

fn message(i: usize) -> Vec<u8> {
    format!(
        "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000+0000||ADT^A01^ADT_A01|{i}|P|2.5.1\r\
         EVN|A01|20240101120000+0000\rPID|1||{i}^^^H^MR||Doe^J||19800101|M\rPV1|1|I\r"
    )
    .into_bytes()
}

fn capture(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(0x0B);
        out.extend(message(i));
        out.extend(b"\x1c\r");
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

/// A configuration whose message limits are small, so containers pass them easily.
fn small_limits(dir: &Path) -> String {
    write(
        dir,
        "small.toml",
        b"[limits]\nhl7v2_mllp = 2000\nredox_api = 2000\nother = 2000\n",
    )
}

#[test]
fn an_mllp_capture_larger_than_the_message_limit_is_validated_message_by_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_limits(dir.path());
    let bytes = capture(80);
    assert!(bytes.len() > 2000 * 4);
    let cap = write(dir.path(), "capture.mllp", &bytes);
    let out = triage(&["validate", "--format", "json", "--config", &config, &cap]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 80);
    assert_eq!(sources(&lines)[16], format!("{cap}#17"));
    for (i, line) in lines.iter().enumerate() {
        assert!(!codes(line).contains(&"SIZE_LIMIT_EXCEEDED".to_owned()));
        assert_eq!(line["size_bytes"], message(i).len() as u64 + 3);
    }
}

#[test]
fn an_ndjson_file_larger_than_the_message_limit_is_validated_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_limits(dir.path());
    let line = br#"{"resourceType":"Basic","code":{"text":"x"},"created":"2024-01-02"}"#;
    let mut bytes = Vec::new();
    for _ in 0..100 {
        bytes.extend_from_slice(line);
        bytes.push(b'\n');
    }
    // One line over its own limit is refused alone.
    bytes.extend_from_slice(
        format!(
            "{{\"resourceType\":\"Basic\",\"x\":\"{}\"}}\n",
            "y".repeat(3000)
        )
        .as_bytes(),
    );
    let file = write(dir.path(), "x.ndjson", &bytes);
    let out = triage(&["validate", "--format", "json", "--config", &config, &file]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 101);
    assert_eq!(lines[2]["source"], format!("{file}#3"));
    assert_eq!(lines[2]["traffic_type"], "redox_api");
    assert!(codes(&lines[0]).is_empty(), "{:?}", lines[0]);
    assert_eq!(codes(&lines[100]), vec!["SIZE_LIMIT_EXCEEDED"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_blank_object_in_a_redox_feed_is_held_to_the_feed_type() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "feed.ndjson",
        b"{\"Meta\":{\"DataModel\":\"PatientAdmin\",\"EventType\":\"Arrival\"}}\n{}\n",
    );
    let out = triage(&["validate", "--format", "json", &file]);
    let lines = json_lines(&out);
    assert_eq!(lines[1]["traffic_type"], "redox_api");
    assert!(codes(&lines[1]).contains(&"REDOX_META_MISSING".to_owned()));
}

#[test]
fn a_bare_batch_file_is_cut_at_messages_and_its_envelope_checked_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_limits(dir.path());
    let mut bytes = b"FHS|^~\\&\rBHS|^~\\&\r".to_vec();
    for i in 0..30 {
        bytes.extend(message(i));
    }
    bytes.extend(b"BTS|29\rFTS|1\r");
    let file = write(dir.path(), "day.hl7", &bytes);
    let out = triage(&["validate", "--format", "json", "--config", &config, &file]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 30);
    assert!(lines[..29].iter().all(|l| l["valid"] == true));
    assert!(codes(&lines[29]).contains(&"HL7_BATCH_COUNT".to_owned()));
    // The same bytes through the library give the same finding on the same message.
    let reports = Engine::default().validate_messages(&bytes, &Context::new());
    assert!(reports[29].errors().any(|d| d.code == "HL7_BATCH_COUNT"));
}

#[test]
fn an_mllp_capture_whose_last_frame_never_ends_says_so_on_that_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = capture(3);
    bytes.push(0x0B);
    bytes.extend(message(3));
    let file = write(dir.path(), "cut.mllp", &bytes);
    let lines = json_lines(&triage(&["validate", "--format", "json", &file]));
    assert_eq!(lines.len(), 4);
    assert!(codes(&lines[3]).contains(&"HL7_MLLP_END_BLOCK_MISSING".to_owned()));
    assert!(codes(&lines[2]).is_empty());
}

#[test]
fn container_bounds_stop_reading_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let cap = write(dir.path(), "c.mllp", &capture(10));
    let by_count = write(
        dir.path(),
        "count.toml",
        b"[bounds.containers]\nmessages = 4\n",
    );
    let lines = json_lines(&triage(&[
        "validate", "--format", "json", "--config", &by_count, &cap,
    ]));
    assert_eq!(lines.len(), 4);
    assert!(codes(&lines[3]).contains(&"MESSAGE_COUNT_EXCEEDED".to_owned()));
    let by_bytes = write(
        dir.path(),
        "bytes.toml",
        b"[bounds.containers]\nbytes = 100\n",
    );
    let lines = json_lines(&triage(&[
        "validate", "--format", "json", "--config", &by_bytes, &cap,
    ]));
    assert!(codes(lines.last().unwrap()).contains(&"CONTAINER_BYTES_EXCEEDED".to_owned()));
}

#[test]
fn output_is_in_input_order_whatever_the_threads_and_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..30 {
        write(dir.path(), &format!("in/{i:02}.hl7"), &message(i));
        if i % 7 == 0 {
            write(dir.path(), &format!("in/{i:02}b.mllp"), &capture(i + 1));
        }
    }
    let root = dir.path().join("in");
    let root = root.to_str().unwrap();
    let reference = triage(&["validate", "--format", "json", "--jobs", "1", root]);
    for (jobs, budget) in [("2", "1"), ("4", "1000"), ("8", "100000000")] {
        let out = triage(&[
            "validate",
            "--format",
            "json",
            "--jobs",
            jobs,
            "--in-flight-bytes",
            budget,
            root,
        ]);
        // Byte for byte, but for the summary's wall time.
        let strip = |out: &Output| -> Vec<String> {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| match l.find("\"elapsed_ms\":") {
                    Some(i) => l[..i].to_owned(),
                    None => l.to_owned(),
                })
                .collect()
        };
        assert!(
            strip(&out) == strip(&reference),
            "jobs {jobs}, budget {budget}: output differs"
        );
    }
    let lines = json_lines(&reference);
    assert_eq!(lines.len(), 30 + (1 + 8 + 15 + 22 + 29));
}

#[test]
fn names_are_unique_escaped_and_cannot_forge_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let two = write(dir.path(), "m.hl7", &[message(1), message(2)].concat());
    write(dir.path(), "m.hl7#2", &message(3));
    let forged = "x\n/etc/ok.hl7  hl7v2_mllp  valid\u{1b}[0m.hl7";
    write(dir.path(), forged, b"PID|1\r");
    let out = triage(&["validate", dir.path().to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("{two}#2  ")), "{text}");
    assert!(text.contains("m.hl7%232  "), "{text}");
    assert!(!text.contains('\u{1b}'));
    assert!(
        !text.lines().any(|l| l.starts_with("/etc/ok.hl7")),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4 + 1, "{text}");
}

#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_escaped_losslessly() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.hl7");
    std::fs::write(dir.path().join(name), message(1)).unwrap();
    let lines = json_lines(&triage(&[
        "validate",
        "--format",
        "json",
        dir.path().to_str().unwrap(),
    ]));
    assert!(lines[0]["source"]
        .as_str()
        .unwrap()
        .ends_with("/caf%E9.hl7"));
}

#[test]
fn hidden_files_and_folders_are_skipped_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.hl7", &message(1));
    write(dir.path(), ".git/objects/x.hl7", &message(2));
    write(dir.path(), ".hidden.hl7", &message(3));
    let root = dir.path().to_str().unwrap();
    assert_eq!(
        json_lines(&triage(&["validate", "--format", "json", root])).len(),
        1
    );
    assert_eq!(
        json_lines(&triage(&["validate", "--format", "json", "--hidden", root])).len(),
        3
    );
    // A hidden path named on the command line is read.
    let hidden = dir.path().join(".hidden.hl7");
    assert_eq!(
        json_lines(&triage(&[
            "validate",
            "--format",
            "json",
            hidden.to_str().unwrap()
        ]))
        .len(),
        1
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_met_in_a_walk_is_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.hl7", &message(1));
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let out = triage(&["validate", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(json_lines(&out).len(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pipe: skipped, a FIFO is not read"),
        "{stderr}"
    );
}

/// Builds `levels` nested `d` folders under `root` with a message at the bottom. Python
/// creates them relative to an open directory (`dir_fd`), since the full path gets
/// longer than PATH_MAX and a shell's `cd` refuses to go there.
#[cfg(unix)]
fn nest(root: &Path, levels: usize) {
    let script = r#"
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for _ in range(int(sys.argv[2])):
    os.mkdir("d", dir_fd=fd)
    inner = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = inner
out = os.open("deep.hl7", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(out, b"MSH|^~\\&|A|B|C|D|20240101120000+0000||ADT^A01^ADT_A01|1|P|2.5.1\r")
"#;
    let status = Command::new("python3")
        .args(["-c", script, root.to_str().unwrap(), &levels.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_directory_fifteen_hundred_levels_deep_is_walked_to_the_bottom() {
    let dir = tempfile::tempdir().unwrap();
    nest(dir.path(), 1500);
    let out = triage(&["validate", "--format", "json", dir.path().to_str().unwrap()]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(lines[0]["source"]
        .as_str()
        .unwrap()
        .ends_with("/d/deep.hl7"));
}

#[cfg(unix)]
#[test]
fn a_directory_three_thousand_levels_deep_ends_with_an_error_not_a_hang() {
    // Past PATH_MAX (4096 bytes) the operating system refuses the path itself: the walk
    // reports that and ends.
    let dir = tempfile::tempdir().unwrap();
    nest(dir.path(), 3000);
    let out = triage(&["validate", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(json_lines(&out).is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().count() <= 3, "{stderr}");
    // Removing it needs the same care as making it.
    let _ = Command::new("python3")
        .args([
            "-c",
            "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
            dir.path().to_str().unwrap(),
        ])
        .status();
}

#[test]
fn a_tiny_budget_still_passes_a_large_message_alone() {
    let dir = tempfile::tempdir().unwrap();
    let big = write(dir.path(), "big.mllp", &capture(200));
    let small = write(dir.path(), "small.hl7", &message(1));
    let out = triage(&[
        "validate",
        "--format",
        "json",
        "--in-flight-bytes",
        "1",
        &big,
        &small,
    ]);
    assert_eq!(json_lines(&out).len(), 201);
}

#[test]
fn the_library_run_stops_when_the_sink_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let cap = PathBuf::from(write(dir.path(), "c.mllp", &capture(5000)));
    let engine = Engine::new(Config::default()).unwrap();
    let mut seen = 0;
    batch::run(
        &engine,
        &[cap],
        &Options::default().with_in_flight_bytes(10_000),
        |name| Ok(Context::new().named(name)),
        |record| {
            assert!(matches!(record, Record::Report(_)));
            seen += 1;
            if seen == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(seen, 3);
}

#[test]
fn a_sink_that_panics_ends_the_run_with_the_panic_not_a_hang() {
    // A budget of 10 KB keeps the producer waiting for room, and workers wait for jobs:
    // the caller's thread unwinding must release them all, or the run never returns.
    let dir = tempfile::tempdir().unwrap();
    let cap = PathBuf::from(write(dir.path(), "c.mllp", &capture(5000)));
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let engine = Engine::new(Config::default()).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            batch::run(
                &engine,
                &[cap],
                &Options::default()
                    .with_in_flight_bytes(10_000)
                    .with_threads(2),
                |name| Ok(Context::new().named(name)),
                |_| panic!("the sink gives up"),
            )
        }));
        let _ = done.send(outcome.is_err());
    });
    let panicked = finished
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the run did not return after its sink panicked");
    assert!(panicked, "the sink's panic reached the caller");
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let cap = write(dir.path(), "c.mllp", &capture(20_000));
    for args in [
        vec!["validate", "--format", "json", cap.as_str()],
        vec!["codes"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked");
        assert!(out.status.code().is_some(), "{args:?} died of a signal");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

#[test]
fn canonical_out_writes_inside_dir_only_and_never_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let doc = br#"{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"2024-03-12T08:30:00-05:00"}"#;
    let input = write(dir.path(), "in/a/x.json", doc);
    let ndjson = write(
        dir.path(),
        "in/a/y.ndjson",
        &[&doc[..], b"\n\n", &doc[..], b"\r\n"].concat(),
    );
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = triage(&[
        "validate",
        "--canonical-out",
        out_dir.to_str().unwrap(),
        &input,
        &ndjson,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = |p: &str| {
        let rel: PathBuf = Path::new(p)
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        std::fs::read(out_dir.join(rel)).unwrap()
    };
    let canonical = String::from_utf8(written(&input)).unwrap();
    assert!(
        canonical.contains(r#""effectiveDateTime":"2024-03-12T13:30:00Z""#),
        "{canonical}"
    );
    let lines = String::from_utf8(written(&ndjson)).unwrap();
    assert_eq!(lines.matches("13:30:00Z").count(), 2);
    assert!(
        lines.contains("}\n\n{") && lines.ends_with("}\r\n"),
        "{lines:?}"
    );

    // A symlink already inside DIR is refused: nothing is written where it points.
    #[cfg(unix)]
    {
        let elsewhere = tempfile::tempdir().unwrap();
        let first = Path::new(&input).components().find_map(|c| match c {
            std::path::Component::Normal(part) => Some(part.to_owned()),
            _ => None,
        });
        let link_at = out_dir.join(first.unwrap());
        std::fs::remove_dir_all(&link_at).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), &link_at).unwrap();
        let out = triage(&[
            "validate",
            "--canonical-out",
            out_dir.to_str().unwrap(),
            &input,
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("symlink"));
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }
}

#[test]
fn canonical_out_does_not_read_an_over_limit_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_limits(dir.path());
    let mut doc = br#"{"resourceType":"Basic","x":""#.to_vec();
    doc.extend(std::iter::repeat_n(b'a', 5000));
    doc.extend(br#""}"#);
    let input = write(dir.path(), "big.json", &doc);
    let out_dir = dir.path().join("out");
    let out = triage(&[
        "validate",
        "--format",
        "json",
        "--config",
        &config,
        "--canonical-out",
        out_dir.to_str().unwrap(),
        &input,
    ]);
    let lines = json_lines(&out);
    assert_eq!(codes(&lines[0]), vec!["SIZE_LIMIT_EXCEEDED"]);
    assert!(!out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().count() == 0);
}

#[test]
fn standard_input_that_is_a_capture_is_cut_too() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["validate", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&capture(3)).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(sources(&json_lines(&out)), vec!["-#1", "-#2", "-#3"]);
}

/// Messages for a capture large enough to be cut by the producer (over 256 KiB):
/// most small, every 97th over 64 KiB (kept in its own buffer rather than its job's
/// shared one), every 31st invalid.
fn mixed_messages() -> Vec<Vec<u8>> {
    (0..900)
        .map(|i| {
            let mut m = message(i);
            if i % 31 == 0 {
                // No PV1: a required segment missing.
                let at = m.windows(4).position(|w| w == b"PV1|").unwrap();
                m.truncate(at);
            }
            if i % 97 == 0 {
                m.extend(b"NTE|1||");
                m.extend(std::iter::repeat_n(b'x', 70_000 + i));
                m.push(b'\r');
            }
            // No segment terminator after the last segment, so that a message cut
            // one byte short (`PV1|1|`) differs in its report.
            m.pop();
            m
        })
        .collect()
}

#[test]
fn a_large_capture_reports_each_message_as_the_message_alone_would_be() {
    let dir = tempfile::tempdir().unwrap();
    let messages = mixed_messages();
    let mut cap = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        write(dir.path(), &format!("one/{i:04}.hl7"), m);
        cap.push(0x0B);
        cap.extend(m);
        cap.extend(b"\x1c\r");
    }
    assert!(cap.len() > 256 * 1024);
    let cap = write(dir.path(), "c.mllp", &cap);
    let one = dir.path().join("one");
    let alone = json_lines(&triage(&[
        "validate",
        "--format",
        "json",
        one.to_str().unwrap(),
    ]));
    assert_eq!(alone.len(), messages.len());
    for args in [
        &["--jobs", "1"][..],
        &["--jobs", "2"],
        &["--in-flight-bytes", "1"],
    ] {
        let mut argv = vec!["validate", "--format", "json"];
        argv.extend(args);
        argv.push(&cap);
        let framed = json_lines(&triage(&argv));
        assert_eq!(framed.len(), messages.len(), "{args:?}");
        for (i, (mut framed, mut alone)) in framed.into_iter().zip(alone.clone()).enumerate() {
            assert_eq!(framed["source"], format!("{cap}#{}", i + 1));
            // A framed message counts its three block bytes.
            assert_eq!(
                framed["size_bytes"].as_u64().unwrap(),
                alone["size_bytes"].as_u64().unwrap() + 3
            );
            for line in [&mut framed, &mut alone] {
                let object = line.as_object_mut().unwrap();
                object.remove("source");
                object.remove("size_bytes");
            }
            assert_eq!(framed, alone, "message {i}, {args:?}");
        }
    }
}

#[test]
fn lent_records_are_the_records_given() {
    let dir = tempfile::tempdir().unwrap();
    let mut cap = Vec::new();
    for m in mixed_messages() {
        cap.push(0x0B);
        cap.extend(m);
        cap.extend(b"\x1c\r");
    }
    write(dir.path(), "in/c.mllp", &cap);
    for i in 0..40 {
        write(dir.path(), &format!("in/{i:02}.hl7"), &message(i));
    }
    write(
        dir.path(),
        "in/x.ndjson",
        b"{}\n{\"resourceType\":\"Basic\"}\n",
    );
    let root = vec![dir.path().join("in")];
    let engine = Engine::new(Config::default()).unwrap();
    let options = Options::default().with_json_lines(true).with_threads(2);
    let context = |name: &str| Ok(Context::new().named(name));
    let line = |record: &Record| match record {
        Record::JsonLine(report, line) => {
            assert_eq!(*line, report.to_json_line());
            line.clone()
        }
        other => panic!("unexpected record {other:?}"),
    };
    let mut given = Vec::new();
    batch::run(&engine, &root, &options, context, |record| {
        given.push(line(&record));
        ControlFlow::Continue(())
    })
    .unwrap();
    let mut lent = Vec::new();
    batch::visit(&engine, &root, &options, context, |record| {
        lent.push(line(record));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(given.len(), 900 + 40 + 2);
    assert_eq!(lent, given);
}
