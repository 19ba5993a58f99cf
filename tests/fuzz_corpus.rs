//! Replays every saved fuzz input on stable: `fuzz/corpus/<target>/*` (the corpus the
//! fuzzer kept) and `fuzz/artifacts/<target>/*` where a crash was saved. A target without
//! a replay function fails the test, so a new target cannot go unreplayed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::fs;
use std::path::Path;

#[test]
fn every_saved_fuzz_input_runs_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0usize;
    for kind in ["corpus", "artifacts"] {
        let Ok(targets) = fs::read_dir(root.join(kind)) else {
            continue;
        };
        for target in targets {
            let target = target.unwrap().path();
            let name = target.file_name().unwrap().to_string_lossy().into_owned();
            let run = payload_triage::fuzzing::TARGETS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .unwrap_or_else(|| panic!("fuzz/{kind}/{name} has no replay function"));
            let mut inputs: Vec<_> = fs::read_dir(&target)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            inputs.sort();
            for input in inputs {
                run(&fs::read(&input).unwrap());
                replayed += 1;
            }
        }
    }
    assert!(
        replayed > 0,
        "no saved fuzz inputs were found under {}",
        root.display()
    );
}

/// `examples/gate.toml` without its comments, as the seeds' configuration.
fn gate_config() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(root.join("examples/gate.toml"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A small configuration with every identity key, a writeback application and every
/// per-profile list.
const EVERY_POLICY_KEY: &str = r#"strict_sources = true
destination_environment = "production"
[sources.app]
paths = ["archive/redox"]
role = "application"
traffic_types = ["redox_api", "carequality"]
patterns = ["writeback", "query"]
data_models = ["Results.New", "PatientSearch"]
transactions = ["ITI-55"]
destinations = ["dest-1"]
[sources.app.identity]
redox_source_id = ["src-1"]
redox_source_name = ["App One"]
wsa_from = ["https://gateway.example/xcpd"]
home_community_id = ["urn:oid:1.2.3.4"]
saml_issuer = ["CN=gateway"]
[sources.lab]
role = "ehr"
message_types = ["ORU^R01", "ADT"]
destinations = ["EXCHANGE"]
[sources.lab.identity]
hl7_sending_application = ["LABSYS"]
hl7_sending_facility = ["GOODHEALTH"]
"#;

/// Writes (with `UPDATE_FUZZ_SEEDS=1`) or checks seeds of fuzz target `target`, and
/// runs each through the target.
fn check_seeds(target: &str, seeds: Vec<(&str, Vec<u8>)>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let update = std::env::var_os("UPDATE_FUZZ_SEEDS").is_some();
    if update {
        fs::create_dir_all(&dir).unwrap();
    }
    let run = payload_triage::fuzzing::TARGETS
        .iter()
        .find(|(n, _)| *n == target)
        .map(|(_, f)| *f)
        .unwrap();
    for (name, bytes) in seeds {
        assert!(bytes.len() < 8192, "{name} is not small");
        let path = dir.join(name);
        if update {
            fs::write(&path, &bytes).unwrap();
        } else {
            let on_disk = fs::read(&path).unwrap_or_else(|e| {
                panic!("{}: {e} (UPDATE_FUZZ_SEEDS=1 makes it)", path.display())
            });
            assert_eq!(
                on_disk, bytes,
                "{name} differs; UPDATE_FUZZ_SEEDS=1 rewrites it"
            );
        }
        run(&bytes);
    }
}

/// The seed corpus of the `policy` target: a configuration, a 0x00 byte, a payload.
/// Made from `examples/` so that it stays small and reproducible.
#[test]
fn policy_fuzz_seeds_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/archive");
    let example = |p: &str| fs::read(root.join(p)).unwrap();
    let pair = |config: &str, payload: &[u8]| [config.as_bytes(), &[0u8], payload].concat();
    let gate = gate_config();
    let seeds = vec![
        ("seed_gate_hl7", pair(&gate, &example("hl7v2/adt_a01_admit.hl7"))),
        (
            "seed_gate_hl7_other_facility",
            pair(&gate, &example("hl7v2/adt_a01_from_another_facility.hl7")),
        ),
        (
            "seed_gate_unknown_sender",
            pair(&gate, &example("policy/unknown_sender.hl7")),
        ),
        (
            "seed_gate_two_claim",
            pair(&gate, &example("policy/two_sources_claim_sender.hl7")),
        ),
        (
            "seed_gate_mllp",
            pair(&gate, &example("hl7v2/registration_capture.mllp")),
        ),
        (
            "seed_gate_redox",
            pair(&gate, &example("redox/patientadmin_arrival.json")),
        ),
        (
            "seed_gate_xca",
            pair(&gate, &example("carequality/xca_find_documents_query.xml")),
        ),
        (
            "seed_keys_redox",
            pair(
                EVERY_POLICY_KEY,
                br#"{"Meta":{"DataModel":"Results","EventType":"New","Source":{"ID":"src-9","Name":"Other App"},"Destinations":[{"ID":"dest-2"}]}}"#,
            ),
        ),
        (
            "seed_keys_xcpd",
            pair(
                EVERY_POLICY_KEY,
                &example("carequality/xcpd_patient_discovery_request.xml"),
            ),
        ),
        (
            "seed_keys_oru",
            pair(
                EVERY_POLICY_KEY,
                b"MSH|^~\\&|OTHERAPP|ELSEWHERE|TRIAGE|NOWHERE|20240101||ORU^R01|1|P|2.5\rPID|1\r",
            ),
        ),
        ("seed_no_payload", gate.clone().into_bytes()),
    ];
    check_seeds("policy", seeds);
}

/// Seeds of the `config` target with the source policy's keys.
#[test]
fn config_policy_seeds_are_current() {
    check_seeds(
        "config",
        vec![
            ("seed_policy_gate", gate_config().into_bytes()),
            (
                "seed_policy_every_key",
                EVERY_POLICY_KEY.as_bytes().to_vec(),
            ),
        ],
    );
}
