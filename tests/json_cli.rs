//! `triage validate --canonical-out DIR`: one file per JSON input, at the source's
//! relative path, with canonical datetimes and every other byte unchanged.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::process::Command;

#[test]
fn canonical_out_writes_each_json_input_with_only_datetimes_changed() {
    let work = tempfile::tempdir().unwrap();
    let input_dir = work.path().join("in");
    std::fs::create_dir_all(input_dir.join("sub")).unwrap();
    let fhir = "{\n  \"resourceType\": \"Observation\",\n  \"status\": \"final\",\n  \"code\": {\"text\": \"t\"},\n  \"valueDecimal\": 1.50,\n  \"issued\": \"2024-03-09T10:05:00+01:00\",\n  \"effectiveDateTime\": \"2024-03-09\"\n}\n";
    let redox = r#"{"Meta": {"DataModel": "PatientAdmin", "EventType": "Arrival", "EventDateTime": "2024-03-10T09:05:09-05:00", "Destinations": [{"ID": "d", "Name": "n"}]}, "Patient": {"Identifiers": [], "Demographics": {"DOB": "1980-01-01"}}}"#;
    std::fs::write(input_dir.join("obs.json"), fhir).unwrap();
    std::fs::write(input_dir.join("sub/adt.json"), redox).unwrap();
    std::fs::write(
        input_dir.join("note.hl7"),
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5.1\r",
    )
    .unwrap();
    let out_dir = work.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_triage"))
        .current_dir(work.path())
        .args(["validate", "--format", "json", "--canonical-out"])
        .arg(&out_dir)
        .arg("in")
        .output()
        .unwrap();
    assert_ne!(
        status.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let obs = std::fs::read_to_string(out_dir.join("in/obs.json")).unwrap();
    assert_eq!(
        obs,
        fhir.replace("2024-03-09T10:05:00+01:00", "2024-03-09T09:05:00Z")
    );
    let adt = std::fs::read_to_string(out_dir.join("in/sub/adt.json")).unwrap();
    assert_eq!(
        adt,
        redox.replace("2024-03-10T09:05:09-05:00", "2024-03-10T14:05:09Z")
    );
    assert!(
        !out_dir.join("in/note.hl7").exists(),
        "only JSON payloads are written"
    );
}
