//! Pairing across messages (issue 12, item 4): queries with their responses and
//! messages with their acknowledgements, in a batch, an archive or a stream, reported in
//! the run summary's `pairing` object (docs/contract.md, "JSON Lines").
//!
//! Through the command line (`triage validate --format json DIR`, whose last line is the
//! summary record) and through the library's `pairing::Pairing`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::io::Write;
use std::path::Path;
use std::process::Command;

use payload_triage::pairing::{PairRole, Pairing};
use payload_triage::{Config, Context, Engine, ExchangePattern, Format, Report, TrafficType};
use serde_json::Value;

/// An HL7 v2.5.1 message from `app`/`fac`: `kind` is MSH-9, `id` MSH-10, and `msa`
/// (MSA-1, MSA-2) makes it a response.
fn hl7(app: &str, fac: &str, kind: &str, id: &str, msa: Option<(&str, &str)>) -> String {
    let mut message =
        format!("MSH|^~\\&|{app}|{fac}|EXCHANGE|GATE|20240312083015-0500||{kind}|{id}|P|2.5.1\r");
    if let Some((code, answers)) = msa {
        message.push_str(&format!("MSA|{code}|{answers}\r"));
    }
    message
}

fn adt(id: &str) -> String {
    hl7("REGADT", "GOODHEALTH", "ADT^A01^ADT_A01", id, None)
}

fn ack(code: &str, answers: &str, id: &str) -> String {
    hl7("GATE", "EXCHANGE", "ACK^A01^ACK", id, Some((code, answers)))
}

fn qbp(id: &str) -> String {
    hl7("CLINIC", "GOODHEALTH", "QBP^Q22^QBP_Q21", id, None)
}

fn mllp(messages: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        out.push(0x0b);
        out.extend_from_slice(m.as_bytes());
        out.extend_from_slice(b"\x1c\r");
    }
    out
}

fn redox(model: &str, event: &str, log: Option<&str>, message_id: u64) -> String {
    let logs = log.map_or(String::new(), |id| {
        format!(r#","Logs":[{{"ID":"{id}","AttemptID":"attempt-{id}"}}]"#)
    });
    format!(
        r#"{{"Meta":{{"DataModel":"{model}","EventType":"{event}","EventDateTime":"2024-03-12T13:30:15.000Z","Test":true,"Source":{{"ID":"src-1","Name":"Clinic"}},"Destinations":[{{"ID":"dst-1","Name":"EHR"}}],"Message":{{"ID":{message_id}}}{logs}}}}}"#
    )
}

/// A FHIR R4 message Bundle whose MessageHeader has id `header`; `answers` makes it a
/// response to the message whose MessageHeader.id it names.
fn fhir_message(bundle: &str, header: &str, answers: Option<&str>) -> String {
    let response = answers.map_or(String::new(), |id| {
        format!(r#","response":{{"identifier":"{id}","code":"ok"}}"#)
    });
    format!(
        r#"{{"resourceType":"Bundle","id":"{bundle}","type":"message","timestamp":"2024-03-12T13:30:15Z","entry":[{{"fullUrl":"urn:uuid:{header}","resource":{{"resourceType":"MessageHeader","id":"{header}","eventCoding":{{"system":"http://example.org/events","code":"admin-notify"}},"source":{{"endpoint":"https://ehr.example/fhir"}}{response}}}}}]}}"#
    )
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/xml")
            .join(name),
    )
    .unwrap()
}

fn dir_with(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// Runs `triage validate --format json` with `extra` arguments; gives its whole
/// standard output and the summary record (the last line).
fn run(dir: &Path, extra: &[&str]) -> (String, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .arg("validate")
        .args(["--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["record"], "summary");
    (stdout, summary)
}

fn pairing(dir: &Path) -> Value {
    run(dir, &[]).1["pairing"].clone()
}

fn counts(p: &Value) -> [u64; 7] {
    [
        "requests",
        "responses",
        "answered",
        "unanswered",
        "unknown_responses",
        "duplicate_ids",
        "overflow",
    ]
    .map(|key| p[key].as_u64().unwrap_or_else(|| panic!("{key} in {p}")))
}

#[test]
fn hl7_acks_pair_with_their_messages_in_either_order_and_are_counted_by_code() {
    // Files are read in name order: the AE acknowledgement comes before its ADT.
    let dir = dir_with(&[
        ("a_ack_ae.hl7", ack("AE", "M2", "K2").into_bytes()),
        ("b_adt_m1.hl7", adt("M1").into_bytes()),
        ("b_adt_m2.hl7", adt("M2").into_bytes()),
        ("b_adt_m3.hl7", adt("M3").into_bytes()),
        ("c_ack_aa.hl7", ack("AA", "M1", "K1").into_bytes()),
        ("c_ack_ar.hl7", ack("AR", "M3", "K3").into_bytes()),
        // A capture: an ADT and its enhanced-mode commit accept, one after the other.
        ("d_capture.mllp", mllp(&[adt("M4"), ack("CA", "M4", "K4")])),
        ("e_query.hl7", qbp("Q1").into_bytes()),
    ]);
    let p = pairing(dir.path());
    // requests: M1..M4 and Q1; responses: four acks; Q1 never answered.
    assert_eq!(counts(&p), [5, 4, 4, 1, 0, 0, 0], "{p}");
    let acks = &p["acknowledgements"];
    assert_eq!(
        (
            &acks["AA"],
            &acks["AE"],
            &acks["AR"],
            &acks["CA"],
            &acks["CE"],
            &acks["CR"]
        ),
        (
            &1.into(),
            &1.into(),
            &1.into(),
            &1.into(),
            &0.into(),
            &0.into()
        )
    );
    assert_eq!(acks["other"], 0);
}

#[test]
fn an_hl7_archive_pairs_its_entries_and_an_ack_of_nothing_is_unknown() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, message) in [
        ("0001_ack.hl7", ack("AA", "Z1", "K1")),
        ("0002_adt.hl7", adt("Z1")),
        ("0003_ack_of_nothing.hl7", ack("AR", "NOPE", "K2")),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(message.as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let dir = dir_with(&[("day.zip", bytes)]);
    let p = pairing(dir.path());
    assert_eq!(counts(&p), [1, 2, 1, 0, 1, 0, 0], "{p}");
    assert_eq!(p["acknowledgements"]["AR"], 1);
}

#[test]
fn an_unanswered_hl7_query_is_reported_and_an_unacknowledged_adt_is_not() {
    let dir = dir_with(&[
        ("adt.hl7", adt("M1").into_bytes()),
        ("qbp.hl7", qbp("Q1").into_bytes()),
    ]);
    assert_eq!(counts(&pairing(dir.path())), [2, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn soap_iti55_request_and_response_pair_by_message_id_and_relates_to() {
    let request = fixture("iti55_request.xml");
    let response = fixture("iti55_response.xml");
    // The response first (name order), then its request.
    let dir = dir_with(&[
        ("a_iti55_response.xml", response.clone()),
        ("b_iti55_request.xml", request.clone()),
    ]);
    assert_eq!(counts(&pairing(dir.path())), [1, 1, 1, 0, 0, 0, 0]);
    // Alone, the request is an unanswered query and the response answers nothing known.
    let alone = dir_with(&[("request.xml", request)]);
    assert_eq!(counts(&pairing(alone.path())), [1, 0, 0, 1, 0, 0, 0]);
    let alone = dir_with(&[("response.xml", response)]);
    assert_eq!(counts(&pairing(alone.path())), [0, 1, 0, 0, 1, 0, 0]);
}

#[test]
fn a_fhir_message_pairs_with_the_response_naming_its_message_header_id() {
    let dir = dir_with(&[
        (
            "a_request.json",
            fhir_message("bundle-1", "hdr-request-1", None).into_bytes(),
        ),
        (
            "b_response.json",
            fhir_message("bundle-2", "hdr-response-1", Some("hdr-request-1")).into_bytes(),
        ),
        // Naming the request's Bundle.id is not naming its MessageHeader.id (FHIR R4).
        (
            "c_response_to_bundle_id.json",
            fhir_message("bundle-3", "hdr-response-2", Some("bundle-1")).into_bytes(),
        ),
    ]);
    let (stdout, summary) = run(dir.path(), &[]);
    let p = &summary["pairing"];
    assert_eq!(counts(p), [1, 2, 1, 0, 1, 0, 0], "{p}");
    // The request's message id is its MessageHeader.id.
    let first: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["format"], "fhir_r4");
    assert_eq!(first["exchange"]["message_id"], "hdr-request-1");
}

#[test]
fn a_redox_query_pairs_with_its_response_by_request_log() {
    let dir = dir_with(&[
        (
            "a_query.json",
            redox("PatientSearch", "Query", Some("log-1"), 11).into_bytes(),
        ),
        (
            "b_response.json",
            redox("PatientSearch", "QueryResponse", Some("log-1"), 12).into_bytes(),
        ),
        // The same log in another data model is not this query's response.
        (
            "c_other_model.json",
            redox("Results", "QueryResponse", Some("log-2"), 13).into_bytes(),
        ),
        (
            "d_unanswered.json",
            redox("Results", "Query", Some("log-3"), 14).into_bytes(),
        ),
        // No log: the deprecated Meta.Message.ID is the fall-back.
        (
            "e_query.json",
            redox("Media", "Query", None, 77).into_bytes(),
        ),
        (
            "f_response.json",
            redox("Media", "QueryResponse", None, 77).into_bytes(),
        ),
        // A notification is not paired.
        (
            "g_arrival.json",
            redox("PatientAdmin", "Arrival", Some("log-4"), 15).into_bytes(),
        ),
    ]);
    let p = pairing(dir.path());
    // f_response repeats e_query's message id from the same source: a duplicate id, so
    // it is not paired and e_query stays unanswered.
    assert_eq!(counts(&p), [3, 2, 1, 2, 1, 1, 0], "{p}");
}

#[test]
fn a_redox_query_and_response_without_logs_pair_by_message_id() {
    let mut response = redox("Media", "QueryResponse", None, 77);
    // The responder is another source: not a duplicate of the query's id.
    response = response.replace(
        r#""ID":"src-1","Name":"Clinic""#,
        r#""ID":"ehr-1","Name":"EHR""#,
    );
    let dir = dir_with(&[
        (
            "a_query.json",
            redox("Media", "Query", None, 77).into_bytes(),
        ),
        ("b_response.json", response.into_bytes()),
    ]);
    assert_eq!(counts(&pairing(dir.path())), [1, 1, 1, 0, 0, 0, 0]);
}

#[test]
fn a_control_id_used_twice_by_one_sender_is_a_duplicate_and_by_two_senders_is_not() {
    let dir = dir_with(&[
        ("a.hl7", adt("SAME").into_bytes()),
        ("b.hl7", adt("SAME").into_bytes()),
        (
            "c.hl7",
            hl7("OTHERAPP", "GOODHEALTH", "ADT^A01^ADT_A01", "SAME", None).into_bytes(),
        ),
    ]);
    let p = pairing(dir.path());
    // The copy is counted once and not paired again; the other sender's message is a
    // request of its own.
    assert_eq!(counts(&p), [2, 0, 0, 0, 0, 1, 0], "{p}");
    // One acknowledgement answers one of the two waiting messages.
    let dir = dir_with(&[
        ("a.hl7", adt("SAME").into_bytes()),
        (
            "b.hl7",
            hl7("OTHERAPP", "GOODHEALTH", "ADT^A01^ADT_A01", "SAME", None).into_bytes(),
        ),
        ("c.hl7", ack("AA", "SAME", "K1").into_bytes()),
    ]);
    assert_eq!(counts(&pairing(dir.path())), [2, 1, 1, 0, 0, 0, 0]);
}

#[test]
fn a_small_window_drops_the_oldest_entries_as_overflow() {
    let mut files: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("q{i}.hl7"), qbp(&format!("Q{i}")).into_bytes()))
        .collect();
    // The answer to the first query comes after it left the window.
    files.push(("r.hl7".into(), ack("AA", "Q0", "K0").into_bytes()));
    files.push((
        "triage.toml".into(),
        b"[bounds]\npairing_window = 2\n".to_vec(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for (name, bytes) in &files {
        let at = if name == "triage.toml" {
            dir.path().join(name)
        } else {
            data.join(name)
        };
        std::fs::write(at, bytes).unwrap();
    }
    let config = dir.path().join("triage.toml").display().to_string();
    let (_, summary) = run(&data, &["--config", &config]);
    let p = &summary["pairing"];
    // Q0..Q2 dropped for Q2..Q4, then Q3 for the unknown answer: 4 dropped, Q4
    // unanswered, the answer unknown.
    assert_eq!(counts(p), [5, 1, 0, 1, 1, 0, 4], "{p}");
}

/// Every kind of pair in one directory, and the ids planted in it.
fn mixed() -> (tempfile::TempDir, Vec<&'static str>) {
    let dir = dir_with(&[
        ("a_ack.hl7", ack("AE", "CTRL-M1", "CTRL-K1").into_bytes()),
        ("b_adt.hl7", adt("CTRL-M1").into_bytes()),
        ("b_adt_again.hl7", adt("CTRL-M1").into_bytes()),
        ("c_qbp.hl7", qbp("CTRL-Q1").into_bytes()),
        ("d_iti55_request.xml", fixture("iti55_request.xml")),
        ("d_iti55_response.xml", fixture("iti55_response.xml")),
        (
            "e_fhir_request.json",
            fhir_message("bundle-1", "hdr-request-1", None).into_bytes(),
        ),
        (
            "e_fhir_response.json",
            fhir_message("bundle-2", "hdr-response-1", Some("hdr-request-1")).into_bytes(),
        ),
        (
            "f_redox_query.json",
            redox("PatientSearch", "Query", Some("log-id-1"), 11).into_bytes(),
        ),
        (
            "f_redox_response.json",
            redox("PatientSearch", "QueryResponse", Some("log-id-1"), 12).into_bytes(),
        ),
    ]);
    let ids = vec![
        "CTRL-M1",
        "CTRL-K1",
        "CTRL-Q1",
        "0a7c3f2e-1111",
        "0a7c3f2e-1212",
        "hdr-request-1",
        "hdr-response-1",
        "bundle-1",
        "log-id-1",
        "REGADT",
        "src-1",
    ];
    (dir, ids)
}

#[test]
fn redacted_output_pairs_the_same_and_holds_no_id() {
    let (dir, ids) = mixed();
    let (plain, summary) = run(dir.path(), &[]);
    let (redacted, redacted_summary) = run(dir.path(), &["--redact"]);
    let p = &summary["pairing"];
    assert_eq!(counts(p), [5, 4, 4, 1, 0, 1, 0], "{p}");
    assert_eq!(p["acknowledgements"]["AE"], 1);
    assert_eq!(redacted_summary["pairing"], summary["pairing"]);
    // The check can fail: the ids are in the default output (but for the Redox log id
    // and the FHIR Bundle.id, which no output holds).
    for id in ids
        .iter()
        .filter(|id| !["log-id-1", "bundle-1"].contains(id))
    {
        assert!(plain.contains(id), "{id} not in the default output");
    }
    for id in &ids {
        assert!(!redacted.contains(id), "{id} in redacted output");
    }
    // Nor in the other formats, nor the human summary line.
    for format in ["human", "sarif", "junit", "github"] {
        let out = Command::new(env!("CARGO_BIN_EXE_triage"))
            .args(["validate", "--redact", "--format", format])
            .arg(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for id in &ids {
            assert!(!text.contains(id), "{id} in redacted {format} output");
        }
        if format == "human" {
            let last = text.lines().last().unwrap();
            assert!(
                last.contains("pairing: 4 of 5 requests answered, unanswered queries 1, duplicate ids 1, acks AE ×1"),
                "{last}"
            );
        }
    }
}

#[test]
fn the_human_summary_says_nothing_of_pairing_when_there_was_nothing_to_pair() {
    let dir = dir_with(&[(
        "a.pdf",
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec(),
    )]);
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .arg("validate")
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("pairing"), "{text}");
    assert_eq!(counts(&pairing(dir.path())), [0; 7]);
}

// The library.

fn query_report() -> Report {
    let mut report = Report::new(TrafficType::Hl7v2Mllp, Format::Hl7v2, 100, 30_000_000);
    report.exchange.pattern = Some(ExchangePattern::Query);
    report.exchange.message_type = Some("QBP".into());
    report
}

#[test]
fn a_million_unanswered_queries_stay_within_a_small_window() {
    const QUERIES: u64 = 1_000_000;
    const WINDOW: usize = 1_000;
    let mut pairing = Pairing::new(WINDOW);
    let mut report = query_report();
    let mut most = (0, 0);
    for i in 0..QUERIES {
        report.exchange.message_id = Some(format!("Q{i}").into());
        let seen = pairing.observe(&report);
        assert_eq!(seen.role, Some(PairRole::Request));
        most.0 = most.0.max(pairing.len());
        most.1 = most.1.max(pairing.remembered_ids());
    }
    assert_eq!(most, (WINDOW, WINDOW));
    let live = pairing.counts();
    assert_eq!(live.requests, QUERIES);
    assert_eq!(live.overflow, QUERIES - WINDOW as u64);
    assert_eq!(pairing.pending_queries(), WINDOW as u64);
    let closed = pairing.close();
    assert_eq!(closed.unanswered, WINDOW as u64);
    assert_eq!(closed.unanswered + closed.overflow, QUERIES);
    assert!(pairing.is_empty());
}

#[test]
fn a_million_orphan_responses_stay_within_a_small_window() {
    let mut pairing = Pairing::new(100);
    let mut report = Report::new(TrafficType::Hl7v2Mllp, Format::Hl7v2, 10, 100);
    report.exchange.pattern = Some(ExchangePattern::Acknowledgement);
    for i in 0..1_000_000u32 {
        report.exchange.message_id = Some(format!("K{i}").into());
        report.exchange.relates_to = Some(format!("M{i}").into());
        pairing.observe(&report);
        assert!(pairing.len() <= 100 && pairing.remembered_ids() <= 100);
    }
    let closed = pairing.close();
    assert_eq!((closed.unknown_responses, closed.overflow), (100, 999_900));
}

#[test]
fn a_redacted_engine_still_pairs_what_it_validated() {
    let engine = Engine::new(Config::from_toml_str("redact = true").unwrap()).unwrap();
    let ctx = Context::new();
    let mut pairing = Pairing::default();
    let query = engine.validate(qbp("Q-REDACTED").as_bytes(), &ctx);
    assert!(query.redacted && query.exchange.message_id.is_none());
    assert_eq!(pairing.observe(&query).role, Some(PairRole::Request));
    let answer = engine.validate(
        hl7(
            "MPI",
            "GOODHEALTH",
            "RSP^K22^RSP_K21",
            "R-1",
            Some(("AA", "Q-REDACTED")),
        )
        .as_bytes(),
        &ctx,
    );
    assert!(pairing.observe(&answer).paired);
    // A redacted report read back from its JSON has nothing left to pair on.
    let back: Report = serde_json::from_str(&answer.to_json_line()).unwrap();
    assert_eq!(back, answer);
    assert_eq!(Pairing::default().observe(&back).role, None);
}

#[test]
fn a_service_pairs_a_live_stream_report_by_report() {
    let engine = Engine::default();
    let feed = mllp(&[
        adt("S1"),
        qbp("S2"),
        ack("AA", "S1", "K1"),
        hl7(
            "MPI",
            "GOODHEALTH",
            "RSP^K22^RSP_K21",
            "R2",
            Some(("AE", "S2")),
        ),
    ]);
    let mut pairing = Pairing::new(16);
    let mut paired = Vec::new();
    for report in engine.validate_stream(feed.as_slice(), &Context::new().named("feed")) {
        paired.push(pairing.observe(&report.unwrap()).paired);
    }
    assert_eq!(paired, [false, false, true, true]);
    let live = pairing.counts();
    assert_eq!(
        (
            live.answered,
            live.acknowledgements.aa,
            live.acknowledgements.ae
        ),
        (2, 1, 1)
    );
    assert_eq!(pairing.pending_queries(), 0);
}
