//! Redacted mode (`--redact`, `redact = true`): no value taken from a payload reaches
//! any output. Sentinels are planted in every field of a payload of every format, the
//! run is written in every output format, and no sentinel may be found
//! (docs/contract.md, "Payload values, PHI and redaction").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every planted value contains one of these; none occurs in the crate's own text.
const SENTINELS: &[&str] = &[
    "QZX",    // identifiers, names, codes, free text
    "1977",   // the planted datetimes' year, as sent
    "07:07",  // and as canonicalized
    "770777", // a planted count
];

fn hl7_message(control: &str, kind: &str, version: &str, processing: &str) -> String {
    format!(
        "MSH|^~\\&|QZXAPP1|QZXFAC1|QZXAPP2|QZXFAC2|19770707070707-0300|QZXSEC|{kind}|{control}|{processing}|{version}\r\
         EVN|A01|19770707070708-0300|QZXPLAN|QZXREASON|19770707\r\
         PID|1|QZXPID2|QZXPID3^^^QZXAA^MR||QZXLAST^QZXFIRST^QZXMIDDLE||19770707|QZXSEX|||QZXSTREET^^QZXCITY^QZXST^QZXZIP||QZXPHONE\r\
         PV1|1|QZXCLASS|QZXLOC^QZXROOM^QZXBED|||||QZXDOC^QZXDOCLAST|||||||||||QZXVISIT|||||||||||||||||||||||||197707070707-0300\r\
         OBX|1|QZXVT|QZXOBS^QZXOBSNAME|1|QZXVALUE|QZXUNITS|QZXRANGE|QZXFLAG|||QZXSTATUS|||1977070707070\r"
    )
}

fn redox() -> String {
    r#"{"Meta":{"DataModel":"PatientAdmin","EventType":"Arrival","EventDateTime":"1977-07-07T07:07:07.000Z",
        "Test":false,"Source":{"ID":"QZXSOURCEID","Name":"QZXSOURCENAME"},
        "Destinations":[{"ID":"QZXDESTID","Name":"QZXDESTNAME"}],"FacilityCode":"QZXFAC",
        "Message":{"ID":770777},"Transmission":{"ID":770777}},
       "Patient":{"Identifiers":[{"ID":"QZXMRN","IDType":"QZXTYPE"}],
        "Demographics":{"FirstName":"QZXFIRST","LastName":"QZXLAST","DOB":"1977-07-07","Sex":"QZXSEX",
          "Address":{"StreetAddress":"QZXSTREET","City":"QZXCITY"}},
        "Notes":["QZXNOTE"]},
       "Visit":{"VisitNumber":"QZXVISIT","VisitDateTime":"1977-07-07T07:07:07","Location":{"Type":"QZXLOCTYPE"}}}"#
        .to_owned()
}

fn redox_unknown_model() -> String {
    r#"{"Meta":{"DataModel":"QZXMODEL","EventType":"QZXEVENT","EventDateTime":"1977-07-07T07:07:07Q",
        "Test":"QZXTEST","Source":{"ID":"QZXSOURCEID"}}}"#
        .to_owned()
}

fn fhir() -> String {
    r#"{"resourceType":"Patient","id":"QZXID","meta":{"lastUpdated":"1977-07-07T07:07:07"},
        "identifier":[{"system":"urn:oid:QZX","value":"QZXMRN"}],
        "name":[{"family":"QZXFAMILY","given":["QZXGIVEN"]}],"gender":"QZXGENDER",
        "birthDate":"1977-07-07","deceasedDateTime":"1977-07-07T07:07:07+01:00",
        "telecom":[{"system":"QZXSYSTEM","value":"QZXPHONE"}],
        "address":[{"line":["QZXSTREET"],"city":"QZXCITY","period":{"start":"1977-07-07T07:0"}}]}"#
        .to_owned()
}

fn fhir_message_bundle() -> String {
    r#"{"resourceType":"Bundle","id":"QZXBUNDLE","type":"message","timestamp":"1977-07-07T07:07:07Z",
        "entry":[{"fullUrl":"urn:uuid:QZXENTRY","resource":{"resourceType":"MessageHeader","id":"QZXMH",
          "eventCoding":{"system":"QZXSYS","code":"QZXEVENTCODE"},"source":{"endpoint":"QZXENDPOINT"},
          "response":{"identifier":"QZXRESPONSEID","code":"ok"}}},
         {"resource":{"resourceType":"DocumentReference","status":"current","content":[{"attachment":
          {"contentType":"application/pdf","data":"UVpYLW5vdC1hLXBkZg==","creation":"1977-07-07T07:07:07Z"}}]}}]}"#
        .to_owned()
}

/// An XML document from the sample archive with every text node and every identifying
/// attribute replaced by a sentinel, and every HL7 datetime attribute by a planted one.
fn planted_xml(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::with_capacity(text.len());
    let mut n = 0;
    let mut rest = text.as_str();
    // Text nodes: `>text<` with something other than white space, except WS-Addressing
    // actions (the crate's vocabulary, needed to pick the transaction's rules).
    while let Some(i) = rest.find('>') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let end = rest.find('<').unwrap_or(rest.len());
        let node = &rest[..end];
        if node.trim().is_empty() || node.trim().starts_with("urn:ihe:iti:") || node.contains("--")
        {
            out.push_str(node);
        } else {
            n += 1;
            out.push_str(&format!("QZX{n}"));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    // Attributes that carry data rather than structure.
    for attr in ["root", "extension", "displayName", "id"] {
        let needle = format!(" {attr}=\"");
        let mut planted = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(&needle) {
            planted.push_str(&rest[..i + needle.len()]);
            rest = &rest[i + needle.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            n += 1;
            planted.push_str(&format!("QZX{n}"));
            rest = &rest[end..];
        }
        planted.push_str(rest);
        out = planted;
    }
    let mut planted = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find(" value=\"") {
        planted.push_str(&rest[..i + 8]);
        rest = &rest[i + 8..];
        let end = rest.find('"').unwrap_or(rest.len());
        let value = &rest[..end];
        if value.len() >= 8 && value.bytes().take(8).all(|b| b.is_ascii_digit()) {
            planted.push_str(if value.len() > 8 {
                "19770707070707-0300"
            } else {
                "19770707"
            });
        } else {
            planted.push_str("QZXVALUE");
        }
        rest = &rest[end..];
    }
    planted.push_str(rest);
    planted
}

fn planted_inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/archive");
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    write(
        "adt.hl7",
        hl7_message("QZXCTRL1", "ADT^A01^ADT_A01", "2.5.1", "P").as_bytes(),
    );
    write(
        "unknown.hl7",
        hl7_message("QZXCTRL2", "QZXTYPE^QZXEVENT", "QZXVERSION", "QZXPROC").as_bytes(),
    );
    let batch = format!(
        "FHS|^~\\&|QZXAPP|QZXFAC|||19770707070707-0300||QZXFILE\rBHS|^~\\&|QZXAPP|QZXFAC|||19770707070707-0300||QZXBATCH\r{}{}BTS|770777|QZXCOMMENT\rFTS|770777|QZXFCOMMENT\r",
        hl7_message("QZXCTRL3", "ADT^A01^ADT_A01", "2.5.1", "T"),
        hl7_message("QZXCTRL4", "ADT^A08^ADT_A01", "2.5.1", "D")
    );
    write("batch.hl7", batch.as_bytes());
    let mut mllp = Vec::new();
    for control in ["QZXCTRL5", "QZXCTRL6"] {
        mllp.push(0x0b);
        mllp.extend_from_slice(hl7_message(control, "ADT^A01^ADT_A01", "2.5.1", "P").as_bytes());
        mllp.extend_from_slice(b"\x1c\r");
    }
    mllp.extend_from_slice(b"\x0bMSH|^~\\&|QZXCUT|QZXCUT|||19770707");
    write("capture.mllp", &mllp);
    write("redox.json", redox().as_bytes());
    write("redox_unknown.json", redox_unknown_model().as_bytes());
    write("patient.json", fhir().as_bytes());
    write("bundle.json", fhir_message_bundle().as_bytes());
    write(
        "feed.ndjson",
        format!(
            "{}\n{}\n",
            fhir().replace('\n', ""),
            redox().replace('\n', "")
        )
        .as_bytes(),
    );
    for (name, from) in [
        ("xcpd.xml", "carequality/xcpd_patient_discovery_request.xml"),
        ("xca.xml", "carequality/xca_find_documents_query.xml"),
        ("soap11.xml", "carequality/soap11_query_rejected.xml"),
        (
            "retrieve.mime",
            "carequality/xca_retrieve_response_mtom.mime",
        ),
        ("ccd.xml", "files/continuity_of_care_document.xml"),
    ] {
        write(name, planted_xml(&root.join(from)).as_bytes());
    }
    // The SOAP header's sender: WS-Addressing From, a SAML issuer and home community id.
    let xcpd = planted_xml(&root.join("carequality/xcpd_patient_discovery_request.xml"));
    let header = "<wsa:From><wsa:Address>QZXFROM</wsa:Address></wsa:From>\
        <wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\">\
        <saml2:Assertion xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a\" Version=\"2.0\" IssueInstant=\"1977-07-07T07:07:07Z\">\
        <saml2:Issuer>QZXISSUER</saml2:Issuer><saml2:AttributeStatement>\
        <saml2:Attribute Name=\"urn:nhin:names:saml:homeCommunityId\"><saml2:AttributeValue>QZXHCID</saml2:AttributeValue></saml2:Attribute>\
        </saml2:AttributeStatement></saml2:Assertion></wsse:Security>";
    let with_sender = xcpd.replacen("<wsa:To>", &format!("{header}<wsa:To>"), 1);
    assert_ne!(
        with_sender, xcpd,
        "the sample XCPD request has a wsa:To to insert before"
    );
    write("xcpd_sender.xml", with_sender.as_bytes());
    dir
}

/// A gate policy over the planted inputs, so every policy diagnostic's output is
/// checked too: strict sources, and a profile claiming the folder whose sender,
/// message types and destinations the payloads all break.
fn policy_config(inputs: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "strict_sources = true\n[sources.planted]\npaths = [{:?}]\nmessage_types = [\"ORU\"]\n\
         data_models = [\"Results\"]\ntransactions = [\"ITI-39\"]\ndestinations = [\"NOWHERE\"]\n\
         [sources.planted.identity]\nhl7_sending_facility = [\"LAB\"]\nredox_source_id = [\"LAB\"]\n\
         saml_issuer = [\"LAB\"]\n",
        inputs.display().to_string()
    );
    std::fs::write(dir.path().join("gate.toml"), text).unwrap();
    dir
}

fn run(args: &[&str], inputs: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["validate", "--timezone", "America/Chicago"])
        .args(args)
        .arg(inputs)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap()
}

fn found(text: &str) -> Vec<&'static str> {
    SENTINELS
        .iter()
        .copied()
        .filter(|s| text.contains(s))
        .collect()
}

#[test]
fn without_redaction_the_planted_values_do_reach_the_json() {
    // The check below can fail: the default mode carries payload values.
    let inputs = planted_inputs();
    let json = run(&["--format", "json"], inputs.path());
    assert!(
        json.contains("QZXCTRL1"),
        "control id in exchange.message_id"
    );
    assert!(json.contains("19770707070707-0300"), "datetime original");
    assert!(json.contains("1977-07-07T10:07:07Z"), "datetime canonical");
    for sender in [
        "QZXAPP1",
        "QZXFAC2",
        "QZXSOURCEID",
        "QZXDESTNAME",
        "QZXFROM",
        "QZXISSUER",
        "QZXHCID",
    ] {
        assert!(
            json.contains(sender),
            "{sender} in exchange.sender or destinations"
        );
    }
    let reports = json.lines().filter(|l| l.contains("\"source\"")).count();
    assert!(reports >= 14, "{reports} reports");
}

#[test]
fn redacted_output_holds_no_planted_value_in_any_format() {
    let inputs = planted_inputs();
    let html = inputs.path().join("report.html.out");
    let html_arg = html.display().to_string();
    let gate = policy_config(inputs.path());
    let gate_arg = gate.path().join("gate.toml").display().to_string();
    let gated = run(&["--format", "json", "--config", &gate_arg], inputs.path());
    for code in [
        "SOURCE_IDENTITY_MISMATCH",
        "SOURCE_MESSAGE_TYPE_DENIED",
        "SOURCE_DATA_MODEL_DENIED",
        "SOURCE_TRANSACTION_DENIED",
        "SOURCE_DESTINATION_DENIED",
    ] {
        assert!(gated.contains(code), "the gate policy gives {code}");
    }
    for format in ["json", "human", "sarif", "junit", "github"] {
        let mut args = vec!["--redact", "--format", format, "--config", &gate_arg];
        if format == "json" {
            args.extend(["--html", &html_arg]);
        }
        let text = run(&args, inputs.path());
        assert!(!text.is_empty(), "{format}");
        let leaks = found(&text);
        let at: Vec<&str> = text
            .lines()
            .filter(|l| SENTINELS.iter().any(|s| l.contains(s)))
            .take(3)
            .collect();
        assert!(leaks.is_empty(), "{format} leaks {leaks:?}: {at:#?}");
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        found(&page).is_empty(),
        "the HTML page leaks {:?}",
        found(&page)
    );
    // Every report says it is redacted, and the verdicts are those of the default mode.
    let plain = run(&["--format", "json"], inputs.path());
    let redacted = run(&["--format", "json", "--redact"], inputs.path());
    let verdicts = |text: &str| -> Vec<(String, bool)> {
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v.get("source").is_some())
            .map(|v| {
                assert_eq!(
                    v.get("redacted").is_some(),
                    text.contains("\"redacted\":true")
                );
                (
                    v["source"].as_str().unwrap().to_owned(),
                    v["valid"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(verdicts(&plain), verdicts(&redacted));
    assert!(redacted
        .lines()
        .filter(|l| l.contains("\"source\""))
        .all(|l| l.contains("\"redacted\":true")));
}

#[test]
fn the_library_redacts_through_every_entry_point() {
    let config = payload_triage::Config::from_toml_str("redact = true").unwrap();
    let engine = payload_triage::Engine::new(config).unwrap();
    let ctx = payload_triage::Context::new().named("m");
    let message = hl7_message("QZXCTRL9", "QZXTYPE^QZXEVENT", "2.5.1", "P");
    let mut lines = vec![engine.validate(message.as_bytes(), &ctx).to_json_line()];
    let two = format!("{message}{message}");
    lines.extend(
        engine
            .validate_messages(two.as_bytes(), &ctx)
            .iter()
            .map(|r| r.to_json_line()),
    );
    lines.push(
        engine
            .validate_reader(message.as_bytes(), &ctx)
            .unwrap()
            .to_json_line(),
    );
    let mut framed = vec![0x0b];
    framed.extend_from_slice(message.as_bytes());
    framed.extend_from_slice(b"\x1c\r");
    for report in engine.validate_stream(framed.as_slice(), &ctx) {
        lines.push(report.unwrap().to_json_line());
    }
    let dir = planted_inputs();
    payload_triage::batch::run(
        &engine,
        &[PathBuf::from(dir.path())],
        &payload_triage::batch::Options::default(),
        |name| Ok(payload_triage::Context::new().named(name)),
        |record| {
            if let payload_triage::batch::Record::Report(r) = record {
                lines.push(r.to_json_line());
            }
            std::ops::ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert!(lines.len() > 15);
    for line in &lines {
        assert!(line.contains("\"redacted\":true"), "{line}");
        assert!(found(line).is_empty(), "{line}");
    }
}
