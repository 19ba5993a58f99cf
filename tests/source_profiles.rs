//! Source profiles chosen by path: by path components, relative to the configuration
//! file, however the input path is spelled; the report names the profile that applied
//! (issue 12, item 1; docs/contract.md, "Command line").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// A local time with no offset: its canonical value shows which zone applied.
const ADT: &[u8] = b"MSH|^~\\&|LAB|GH|EHR|GH|20240312083015||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01|20240312083015\rPID|1||1^^^GH^MR||X^Y\rPV1|1|I\r";

const CONFIG: &str = r#"
[source]
timezone = "UTC"
[sources.lab]
paths = ["data/lab"]
timezone = "America/Chicago"
[sources.night]
paths = ["data/lab/night/"]
timezone = "Asia/Tokyo"
"#;

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triage"))
        .current_dir(cwd)
        .args(["validate", "--format", "json"])
        .args(args)
        .output()
        .unwrap()
}

fn reports(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("source").is_some())
        .collect()
}

fn layout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in ["conf", "data/lab/night", "data/lab2", "elsewhere"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    // Profile paths are relative to the configuration file's folder: `conf/..`.
    std::fs::write(
        root.join("conf/triage.toml"),
        CONFIG.replace("\"data/", "\"../data/"),
    )
    .unwrap();
    std::fs::write(root.join("data/lab/x.hl7"), ADT).unwrap();
    std::fs::write(root.join("data/lab/m.hl7#2"), ADT).unwrap();
    std::fs::write(root.join("data/lab/night/y.hl7"), ADT).unwrap();
    std::fs::write(root.join("data/lab2/z.hl7"), ADT).unwrap();
    dir
}

fn profile_and_time(report: &Value) -> (String, String) {
    (
        report["source_profile"].as_str().unwrap().to_owned(),
        report["datetimes"][0]["canonical"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

#[test]
fn the_same_file_gets_the_same_profile_however_its_path_is_spelled() {
    let dir = layout();
    let root = dir.path();
    let config = root.join("conf/triage.toml").display().to_string();
    let absolute = root.join("data/lab/x.hl7").display().to_string();
    let expected = ("lab".to_owned(), "2024-03-12T13:30:15Z".to_owned());
    for (cwd, path) in [
        (root.to_path_buf(), "data/lab/x.hl7".to_owned()),
        (root.to_path_buf(), "./data/lab/x.hl7".to_owned()),
        (root.to_path_buf(), "data/lab2/../lab/./x.hl7".to_owned()),
        (root.join("elsewhere"), "../data/lab/x.hl7".to_owned()),
        (root.join("data"), "lab/x.hl7".to_owned()),
        (root.join("elsewhere"), absolute.clone()),
    ] {
        let out = run(&cwd, &["--config", &config, &path]);
        let got = reports(&out);
        assert_eq!(
            got.len(),
            1,
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            profile_and_time(&got[0]),
            expected,
            "{path} from {}",
            cwd.display()
        );
    }
}

#[test]
fn prefixes_match_whole_components_and_the_longest_wins() {
    let dir = layout();
    let root = dir.path();
    let config = root.join("conf/triage.toml").display().to_string();
    let out = run(root, &["--config", &config, "data"]);
    let got: Vec<(String, String, String)> = reports(&out)
        .iter()
        .map(|r| {
            let (profile, time) = profile_and_time(r);
            (r["source"].as_str().unwrap().to_owned(), profile, time)
        })
        .collect();
    let want = [
        ("data/lab/m.hl7%232", "lab", "2024-03-12T13:30:15Z"),
        ("data/lab/night/y.hl7", "night", "2024-03-11T23:30:15Z"),
        ("data/lab/x.hl7", "lab", "2024-03-12T13:30:15Z"),
        // `data/lab` does not claim `data/lab2`.
        ("data/lab2/z.hl7", "default", "2024-03-12T08:30:15Z"),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((source, profile, time), (s, p, t)) in got.iter().zip(want) {
        assert_eq!(
            (source.as_str(), profile.as_str(), time.as_str()),
            (s, p, t)
        );
    }
}

#[test]
fn an_archive_entry_takes_its_archive_s_profile() {
    let dir = layout();
    let root = dir.path();
    let config = root.join("conf/triage.toml").display().to_string();
    let zip_path = root.join("data/lab/day.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file("in/a.hl7", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, ADT).unwrap();
    zip.finish().unwrap();
    let out = run(root, &["--config", &config, "data/lab/day.zip"]);
    let got = reports(&out);
    assert_eq!(got[0]["source"], "data/lab/day.zip!/in/a.hl7");
    assert_eq!(got[0]["source_profile"], "lab");
}

#[test]
fn profiles_that_claim_the_same_inputs_are_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.hl7"), ADT).unwrap();
    for (config, says) in [
        (
            "[sources.a]\npaths = [\"in\"]\n[sources.b]\npaths = [\"./in/\"]\n",
            "both claim",
        ),
        ("[sources.default]\npaths = [\"in\"]\n", "`default`"),
    ] {
        std::fs::write(root.join("t.toml"), config).unwrap();
        let out = run(root, &["--config", "t.toml", "a.hl7"]);
        assert_eq!(out.status.code(), Some(2), "{config}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{config}"
        );
    }
}

#[test]
fn standard_input_and_unclaimed_inputs_get_the_default_profile() {
    let dir = layout();
    let root = dir.path();
    let config = root.join("conf/triage.toml").display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .current_dir(root)
        .args(["validate", "--format", "json", "--config", &config, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), ADT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(reports(&out)[0]["source_profile"], "default");
    // A profile built in code without a name is not named in the report.
    let engine = payload_triage::Engine::default();
    let report = engine.validate(ADT, &payload_triage::Context::new());
    assert!(report.source_profile.is_none());
    assert!(!report.to_json_line().contains("source_profile"));
}

const ORU: &[u8] = b"MSH|^~\\&|APP|APPFAC|EHR|GH|20240312083015+0000||ORU^R01^ORU_R01|7|P|2.5.1\rPID|1||1^^^GH^MR||X^Y\rOBR|1||F1|CBC^Blood count\rOBX|1|NM|HGB^Hemoglobin||13.5|g/dL\r";
const QRY: &[u8] = b"MSH|^~\\&|APP|APPFAC|EHR|GH|20240312083015+0000||QBP^Q11^QBP_Q11|8|P|2.5.1\rQPD|Q11|Q1\rRCP|I\r";

#[test]
fn an_application_writing_back_to_the_ehr_sends_writebacks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::create_dir_all(root.join("ehr")).unwrap();
    for sub in ["app", "ehr"] {
        std::fs::write(root.join(sub).join("oru.hl7"), ORU).unwrap();
        std::fs::write(root.join(sub).join("qry.hl7"), QRY).unwrap();
    }
    std::fs::write(
        root.join("t.toml"),
        "[sources.scribe]\npaths = [\"app\"]\nrole = \"application\"\n[sources.epic]\npaths = [\"ehr\"]\nrole = \"ehr\"\n",
    )
    .unwrap();
    let out = run(root, &["--config", "t.toml", "app", "ehr"]);
    let got: Vec<(String, String)> = reports(&out)
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().to_owned(),
                r["exchange"]["pattern"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let want = [
        ("app/oru.hl7", "writeback"),
        // A query stays a query, whoever sends it.
        ("app/qry.hl7", "query"),
        ("ehr/oru.hl7", "notification"),
        ("ehr/qry.hl7", "query"),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((source, pattern), (s, p)) in got.iter().zip(want) {
        assert_eq!((source.as_str(), pattern.as_str()), (s, p));
    }
    // A role that is not one of the two is a configuration error.
    std::fs::write(root.join("bad.toml"), "[source]\nrole = \"robot\"\n").unwrap();
    assert_eq!(
        run(root, &["--config", "bad.toml", "app"]).status.code(),
        Some(2)
    );
    // The library: the same through a profile built in code.
    let engine = payload_triage::Engine::default();
    let ctx = payload_triage::Context::new().with_source(
        payload_triage::SourceProfile::default().with_role(payload_triage::SourceRole::Application),
    );
    let report = engine.validate(ORU, &ctx);
    assert_eq!(
        report.exchange.pattern,
        Some(payload_triage::ExchangePattern::Writeback)
    );
}

/// The engine resolves its profiles once; what it gives for a name must be what the
/// configuration gives, for claimed, nested, unclaimed, archive and standard-input names.
#[test]
fn the_engine_s_resolved_profiles_match_the_configuration_s() {
    let config = payload_triage::Config::from_toml_str(CONFIG).unwrap();
    let engine = payload_triage::Engine::new(config.clone()).unwrap();
    let names = [
        "data/lab/x.hl7",
        "./data/lab/../lab/x.hl7#3",
        "data/lab/night/y.mllp#1",
        "data/lab2/z.hl7",
        "data/lab.zip!/a.hl7",
        "elsewhere/w.hl7",
        "-",
        "",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for name in names {
        let want = config.profile_for(name).unwrap();
        let got = engine.profile_for(name);
        assert_eq!(got.name(), want.name(), "{name}");
        assert_eq!(got.zone_name(), want.zone_name(), "{name}");
        seen.insert(got.name().map(str::to_owned));
    }
    // The names above reach all three profiles, so the comparison is not vacuous.
    assert_eq!(seen.len(), 3);
}
